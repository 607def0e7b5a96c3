/*
 * test_rr_net.c - the request-reply protocol end to end over loopback: the libuv server
 * and the blocking and asynchronous client over UDP and TCP, getRequest/sendReply,
 * fragmentation, limits, the fault-injecting transport, servers that die or restart,
 * several loop threads, and a soak that watches the history's bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <midway/rr.h>

#define OP_NULL 1
#define OP_ECHO 2
#define OP_INCREMENT 3
#define OP_FAIL 4
#define OP_SLOW 5
#define OP_BIG 6

/* Every blocking wait here ends within this; a passing run waits far less. */
#define WAIT_MS 10000

static atomic_ullong counter;

static int h_null(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    (void)req;
    (void)reply;
    return 0;
}

static int h_echo(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    return mw_buf_append(reply, req->args, req->args_len);
}

static int h_increment(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    (void)req;
    return mw_buf_put_u64be(reply, atomic_fetch_add(&counter, 1) + 1);
}

static int h_fail(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    (void)req;
    (void)reply;
    return MW_EPERM;
}

static int h_slow(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    mw_sleep_ms(100);
    return h_increment(ctx, req, reply);
}

/* A reply of as many zero bytes as the 4-byte argument says. */
static int h_big(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    if (req->args_len != 4)
        return MW_EINVAL;
    uint8_t *p;
    return mw_buf_extend(reply, mw_load_u32be(req->args), &p);
}

static mw_rr_server *start_server(int transport, int loops, const mw_rr_server_opts *base,
                                  mw_addr *addr)
{
    mw_rr_server_opts o = {0};
    if (base)
        o = *base;
    o.transport = transport;
    o.loops = loops;
    mw_addr local;
    mw_addr_loopback(&local, MW_AF_INET4, addr && addr->port ? addr->port : 0);
    mw_rr_server *s = NULL;
    assert_int_equal(mw_rr_server_create(&s, &local, &o), 0);
    assert_int_equal(mw_rr_server_handle(s, OP_NULL, "null", h_null, NULL, MW_RR_INLINE), 0);
    assert_int_equal(mw_rr_server_handle(s, OP_ECHO, "echo", h_echo, NULL, 0), 0);
    assert_int_equal(mw_rr_server_handle(s, OP_INCREMENT, "increment", h_increment, NULL, 0), 0);
    assert_int_equal(mw_rr_server_handle(s, OP_FAIL, "fail", h_fail, NULL, MW_RR_INLINE), 0);
    assert_int_equal(mw_rr_server_handle(s, OP_SLOW, "slow", h_slow, NULL, 0), 0);
    assert_int_equal(mw_rr_server_handle(s, OP_BIG, "big", h_big, NULL, 0), 0);
    assert_int_equal(mw_rr_server_handle(s, OP_NULL, "again", h_null, NULL, 0), MW_EEXIST);
    assert_int_equal(mw_rr_server_start(s), 0);
    assert_int_equal(mw_rr_server_start(s), MW_ESTATE);
    assert_int_equal(mw_rr_server_handle(s, 99, "late", h_null, NULL, 0), MW_ESTATE);
    mw_addr got;
    assert_int_equal(mw_rr_server_addr(s, &got), 0);
    assert_int_not_equal(got.port, 0);
    if (addr)
        *addr = got;
    return s;
}

static mw_rr_client *open_client(const mw_addr *server, int transport,
                                 const mw_rr_client_opts *base)
{
    mw_rr_client_opts o = {0};
    if (base)
        o = *base;
    o.transport = transport;
    if (!o.timeout_ms)
        o.timeout_ms = 200;
    mw_rr_client *c = NULL;
    assert_int_equal(mw_rr_client_open(&c, server, &o), 0);
    return c;
}

static uint64_t op_executions(mw_rr_server *s, uint32_t op)
{
    mw_rr_op_stats st;
    for (size_t i = 0; mw_rr_server_op_stats(s, i, &st) == 0; i++) {
        if (st.operation == op)
            return st.executions;
    }
    fail_msg("no such operation");
    return 0;
}

/* ---- the primitives over each transport -------------------------------------------- */

static void basic_calls(int transport)
{
    mw_addr addr = {0};
    mw_rr_server *s = start_server(transport, 1, NULL, &addr);
    mw_rr_client *c = open_client(&addr, transport, NULL);
    mw_buf reply;
    mw_buf_init(&reply);

    assert_int_equal(mw_rr_do_operation(c, NULL, OP_NULL, NULL, 0, &reply, NULL), 0);
    assert_int_equal(reply.len, 0);
    const char *hello = "hello, request-reply";
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, hello, strlen(hello), &reply, NULL), 0);
    assert_int_equal(reply.len, strlen(hello));
    assert_memory_equal(reply.data, hello, reply.len);
    atomic_store(&counter, 0);
    for (uint64_t i = 1; i <= 10; i++) {
        assert_int_equal(mw_rr_do_operation(c, NULL, OP_INCREMENT, NULL, 0, &reply, NULL), 0);
        assert_int_equal(reply.len, 8);
        assert_int_equal(mw_load_u64be(reply.data), i);
    }
    /* Errors are values: the handler's own, and an operation nobody registered. */
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_FAIL, NULL, 0, &reply, NULL), MW_EPERM);
    assert_int_equal(reply.len, 0);
    assert_int_equal(mw_rr_do_operation(c, NULL, 777, NULL, 0, &reply, NULL), MW_ENOTSUP);

    /* A remote object reference travels as its number and interface hash. */
    char iface[] = "HelloApp::Hello";
    mw_objref ref = {.object_number = 42, .interface = iface};
    assert_int_equal(mw_rr_do_operation(c, &ref, OP_NULL, NULL, 0, NULL, NULL), 0);

    /* Every exchange protocol and semantics. */
    int protos[] = {MW_RR_R, MW_RR_RR, MW_RR_RRA};
    int sems[] = {MW_RR_MAYBE, MW_RR_AT_LEAST_ONCE, MW_RR_AT_MOST_ONCE};
    for (int p = 0; p < 3; p++) {
        for (int m = 0; m < 3; m++) {
            mw_rr_call_opts co = {.protocol = protos[p], .semantics = sems[m]};
            assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, "x", 1, &reply, &co), 0);
            assert_int_equal(reply.len, protos[p] == MW_RR_R ? 0 : 1);
        }
    }

    /* A message far larger than a datagram: fragmented over UDP, one frame over TCP. */
    size_t big = 3u << 20;
    uint8_t *data = malloc(big);
    for (size_t i = 0; i < big; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 12));
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, data, big, &reply, NULL), 0);
    assert_int_equal(reply.len, big);
    assert_memory_equal(reply.data, data, big);
    /* A reply larger than the caller's buffer limit. */
    reply.limit = 1000;
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, data, 2000, &reply, NULL), MW_ELIMIT);
    reply.limit = 0;
    free(data);

    mw_rr_server_stats st;
    mw_rr_server_stats_get(s, &st);
    assert_true(st.requests >= 25);
    assert_int_equal(st.unknown_ops, 1);
    assert_int_equal(op_executions(s, OP_INCREMENT), 10);
    mw_rr_client_stats cs;
    mw_rr_client_stats_get(c, &cs);
    assert_int_equal(cs.timeouts, 0);
    assert_true(cs.calls >= 25);
    assert_int_not_equal(mw_rr_client_incarnation(c), 0);

    mw_buf_free(&reply);
    mw_rr_client_close(c);
    mw_rr_server_destroy(s);
}

static void udp_calls(void **state)
{
    (void)state;
    basic_calls(MW_RR_UDP);
}

static void tcp_calls(void **state)
{
    (void)state;
    basic_calls(MW_RR_TCP);
}

/* ---- getRequest / sendReply -------------------------------------------------------- */

static int port_done;
static void on_port_done(void *ctx, uint64_t id, int status, const uint8_t *reply, size_t n)
{
    int *count = ctx;
    (void)id;
    if ((status == 0 && n == 3 && memcmp(reply, "two", 3) == 0) || status == MW_EPERM)
        ++*count;
}

struct port_server {
    mw_rr_port *port;
    int serve;   /* requests to answer */
    int rc;
};

static void port_thread(void *arg)
{
    struct port_server *ps = arg;
    for (int i = 0; i < ps->serve; i++) {
        const mw_rr_request *req;
        int rc = mw_rr_get_request(ps->port, &req, WAIT_MS);
        if (rc) {
            ps->rc = rc;
            return;
        }
        /* Reply with the operation and the arguments reversed. */
        uint8_t out[256];
        size_t n = req->args_len < 252 ? req->args_len : 252;
        mw_store_u32be(out, req->operation);
        for (size_t k = 0; k < n; k++)
            out[4 + k] = req->args[n - 1 - k];
        rc = mw_rr_send_reply(ps->port, req, 0, out, 4 + n);
        if (rc) {
            ps->rc = rc;
            return;
        }
    }
}

static void get_request_send_reply(int transport)
{
    mw_addr local;
    mw_addr_loopback(&local, MW_AF_INET4, 0);
    mw_rr_server_opts so = {.transport = transport};
    struct port_server ps = {.serve = 20};
    assert_int_equal(mw_rr_port_open(&ps.port, &local, &so), 0);
    mw_addr addr;
    assert_int_equal(mw_rr_port_addr(ps.port, &addr), 0);
    /* Nothing there: getRequest times out. */
    const mw_rr_request *req;
    assert_int_equal(mw_rr_get_request(ps.port, &req, 20), MW_ETIMEDOUT);
    assert_int_equal(mw_rr_get_request(ps.port, &req, 0), MW_ETIMEDOUT);
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, port_thread, &ps), 0);
    mw_rr_client *c = open_client(&addr, transport, NULL);
    mw_buf reply;
    mw_buf_init(&reply);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(mw_rr_do_operation(c, NULL, 100 + (uint32_t)i, "abc", 3, &reply, NULL), 0);
        assert_int_equal(reply.len, 7);
        assert_int_equal(mw_load_u32be(reply.data), 100 + i);
        assert_memory_equal(reply.data + 4, "cba", 3);
    }
    mw_thread_join(t);
    assert_int_equal(ps.rc, 0);
    mw_rr_server_stats st;
    mw_rr_port_stats(ps.port, &st);
    assert_int_equal(st.requests, 20);
    /* Several requests taken before replying (deferred replies), answered out of order;
     * and one taken and never answered: closing the port frees it. */
    uint64_t ids[3];
    port_done = 0;
    for (int i = 0; i < 3; i++)
        assert_int_equal(mw_rr_call_async(c, NULL, 7, "z", 1, NULL, on_port_done, &port_done, &ids[i]), 0);
    const mw_rr_request *r[3];
    for (int i = 0; i < 3; i++) {
        /* Drive the client a little so its requests go out, then take one. */
        (void)mw_rr_client_poll(c, 0, NULL);
        assert_int_equal(mw_rr_get_request(ps.port, &r[i], WAIT_MS), 0);
    }
    assert_int_equal(mw_rr_send_reply(ps.port, r[2], 0, "two", 3), 0);
    assert_int_equal(mw_rr_send_reply(ps.port, r[0], MW_EPERM, NULL, 0), 0);
    assert_int_equal(mw_rr_client_wait(c, ids[2], WAIT_MS), 0);
    assert_int_equal(mw_rr_client_wait(c, ids[0], WAIT_MS), 0);
    assert_int_equal(port_done, 2);
    mw_buf_free(&reply);
    mw_rr_client_close(c);
    mw_rr_port_close(ps.port);
}

static void port_udp(void **state)
{
    (void)state;
    get_request_send_reply(MW_RR_UDP);
}

static void port_tcp(void **state)
{
    (void)state;
    get_request_send_reply(MW_RR_TCP);
}

/* ---- the asynchronous client ------------------------------------------------------- */

struct tally {
    int done, ok;
    uint64_t sum;
    int last_status;
};

static void on_done(void *ctx, uint64_t id, int status, const uint8_t *reply, size_t n)
{
    struct tally *t = ctx;
    (void)id;
    t->done++;
    t->last_status = status;
    if (status == 0) {
        t->ok++;
        if (n == 8)
            t->sum += mw_load_u64be(reply);
    }
}

static void async_calls(int transport)
{
    mw_addr addr = {0};
    mw_rr_server *s = start_server(transport, 1, NULL, &addr);
    mw_rr_client *c = open_client(&addr, transport, NULL);
    struct tally t = {0};
    atomic_store(&counter, 0);
    assert_int_equal(mw_rr_client_poll(c, 0, NULL), MW_ENOENT);
    assert_int_equal(mw_rr_client_next_timeout(c), MW_FOREVER);
    /* Two hundred calls outstanding on one socket. */
    for (int i = 0; i < 200; i++)
        assert_int_equal(mw_rr_call_async(c, NULL, OP_INCREMENT, NULL, 0, NULL, on_done, &t, NULL), 0);
    assert_int_equal(mw_rr_client_outstanding(c), 200);
    assert_true(mw_rr_client_fd(c) >= 0);
    assert_true(mw_rr_client_next_timeout(c) >= 0);
    assert_int_equal(t.done, 0); /* callbacks never run inside mw_rr_call_async */
    assert_int_equal(mw_rr_client_wait_all(c, WAIT_MS), 0);
    assert_int_equal(t.done, 200);
    assert_int_equal(t.ok, 200);
    assert_int_equal(t.sum, 200 * 201 / 2); /* every value 1..200 once */
    /* poll and wait on single calls; R completes at the next poll. */
    uint64_t id;
    mw_rr_call_opts r = {.protocol = MW_RR_R};
    assert_int_equal(mw_rr_call_async(c, NULL, OP_NULL, NULL, 0, &r, on_done, &t, &id), 0);
    size_t n = 0;
    assert_int_equal(mw_rr_client_poll(c, WAIT_MS, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(mw_rr_call_async(c, NULL, OP_ECHO, "q", 1, NULL, on_done, &t, &id), 0);
    assert_int_equal(mw_rr_client_wait(c, id, WAIT_MS), 0);
    assert_int_equal(mw_rr_client_wait(c, id, WAIT_MS), MW_ENOENT);
    /* Cancel: the callback runs at once with MW_ECANCELED. */
    int before = t.done;
    assert_int_equal(mw_rr_call_async(c, NULL, OP_SLOW, NULL, 0, NULL, on_done, &t, &id), 0);
    assert_int_equal(mw_rr_client_cancel(c, id), 0);
    assert_int_equal(t.done, before + 1);
    assert_int_equal(t.last_status, MW_ECANCELED);
    assert_int_equal(mw_rr_client_cancel(c, id), MW_ENOENT);
    /* A blocking call made while asynchronous ones are outstanding drives them too. */
    for (int i = 0; i < 10; i++)
        assert_int_equal(mw_rr_call_async(c, NULL, OP_NULL, NULL, 0, NULL, on_done, &t, NULL), 0);
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_NULL, NULL, 0, NULL, NULL), 0);
    assert_int_equal(mw_rr_client_wait_all(c, WAIT_MS), 0);
    /* Close completes what is outstanding with MW_ECANCELED. */
    before = t.done;
    assert_int_equal(mw_rr_call_async(c, NULL, OP_SLOW, NULL, 0, NULL, on_done, &t, NULL), 0);
    mw_rr_client_close(c);
    assert_int_equal(t.done, before + 1);
    assert_int_equal(t.last_status, MW_ECANCELED);
    mw_rr_server_destroy(s);
}

static void async_udp(void **state)
{
    (void)state;
    async_calls(MW_RR_UDP);
}

static void async_tcp(void **state)
{
    (void)state;
    async_calls(MW_RR_TCP);
}

/* ---- limits ------------------------------------------------------------------------ */

static void message_size_limits(int transport)
{
    mw_addr addr = {0};
    mw_rr_server_opts so = {.max_message = 100000};
    mw_rr_server *s = start_server(transport, 1, &so, &addr);
    mw_rr_client_opts co = {.max_message = 200000};
    mw_rr_client *c = open_client(&addr, transport, &co);
    uint8_t *data = calloc(1, 300000);
    mw_buf reply;
    mw_buf_init(&reply);
    /* Over the client's own limit: refused before anything is sent. */
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, data, 200001, &reply, NULL), MW_EMSGSIZE);
    /* Over the server's limit: the server says so. */
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, data, 100001, &reply, NULL), MW_EMSGSIZE);
    mw_rr_server_stats st;
    mw_rr_server_stats_get(s, &st);
    assert_true(st.oversize >= 1);
    /* At the limit: fine (TCP: the connection was closed after the oversized frame and
     * is made again). */
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, data, 100000, &reply, NULL), 0);
    assert_int_equal(reply.len, 100000);
    mw_rr_client_close(c);
    /* A reply over the client's limit: that call fails with MW_EMSGSIZE, promptly. */
    co.max_message = 50000;
    co.timeout_ms = 2000;
    c = open_client(&addr, transport, &co);
    uint64_t t0 = mw_now_ms();
    mw_buf args;
    mw_buf_init(&args);
    mw_buf_put_u32be(&args, 60000);
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_BIG, args.data, args.len, &reply, NULL), MW_EMSGSIZE);
    assert_true(mw_now_ms() - t0 < 1500);
    mw_buf_free(&args);
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, data, 100, &reply, NULL), 0);
    mw_buf_free(&reply);
    free(data);
    mw_rr_client_close(c);
    mw_rr_server_destroy(s);
}

static void limits_udp(void **state)
{
    (void)state;
    message_size_limits(MW_RR_UDP);
}

static void limits_tcp(void **state)
{
    (void)state;
    message_size_limits(MW_RR_TCP);
}

static void bad_options(void **state)
{
    (void)state;
    mw_addr a;
    mw_addr_loopback(&a, MW_AF_INET4, 9);
    mw_rr_client *c = NULL;
    mw_rr_client_opts co = {.max_datagram = 100};
    assert_int_equal(mw_rr_client_open(&c, &a, &co), MW_EINVAL);
    co = (mw_rr_client_opts){.max_datagram = MW_RR_MAX_DATAGRAM + 1};
    assert_int_equal(mw_rr_client_open(&c, &a, &co), MW_EINVAL);
    co = (mw_rr_client_opts){.protocol = 9};
    assert_int_equal(mw_rr_client_open(&c, &a, &co), MW_EINVAL);
    mw_rr_fault f = {.drop = 1.5};
    co = (mw_rr_client_opts){.fault = &f};
    assert_int_equal(mw_rr_client_open(&c, &a, &co), MW_EINVAL);
    mw_rr_server *s = NULL;
    mw_rr_server_opts so = {.transport = 7};
    assert_int_equal(mw_rr_server_create(&s, &a, &so), MW_EINVAL);
    assert_null(s);
    /* Every public constant expands and means what the document says. */
    assert_int_equal(MW_RR_MAGIC, 0x4D57);
    assert_int_equal(MW_RR_VERSION, 1);
    assert_int_equal(MW_RR_HEADER_SIZE, 64);
    assert_int_equal(MW_RR_DEFAULT_DATAGRAM, 8192);
    assert_true(MW_RR_MIN_DATAGRAM < MW_RR_DEFAULT_DATAGRAM);
    assert_int_equal(MW_RR_MAX_DATAGRAM, 65507);
    assert_int_equal(MW_RR_DEFAULT_MAX_MESSAGE, 16u << 20);
    assert_true(MW_RR_MAX_MESSAGE >= MW_RR_DEFAULT_MAX_MESSAGE);
    assert_int_equal(MW_RR_DEFAULT_WINDOW, 16);
    assert_true(MW_RR_DEFAULT_TIMEOUT_MS > 0 && MW_RR_DEFAULT_RETRIES > 0);
    int distinct[] = {MW_RR_R, MW_RR_RR, MW_RR_RRA, MW_RR_MAYBE, MW_RR_AT_LEAST_ONCE,
                      MW_RR_AT_MOST_ONCE, MW_RR_UDP, MW_RR_TCP, MW_RR_INLINE};
    for (size_t i = 0; i < sizeof distinct / sizeof *distinct; i++)
        assert_true(distinct[i] > 0);
    /* The interface hash is FNV-1a 32 (the vectors of its specification). */
    assert_int_equal(mw_rr_interface_hash(NULL), 0);
    assert_int_equal(mw_rr_interface_hash(""), 0);
    assert_int_equal(mw_rr_interface_hash("a"), 0xe40c292cu);
    assert_int_equal(mw_rr_interface_hash("foobar"), 0xbf9cf968u);
}

/* ---- faults end to end ------------------------------------------------------------- */

static void increments_under_faults(int sem, int calls, uint64_t seed, int *ok_out,
                                    uint64_t *count_out, mw_rr_server_stats *st)
{
    mw_addr addr = {0};
    mw_rr_server *s = start_server(MW_RR_UDP, 1, NULL, &addr);
    mw_rr_fault f = {.seed = seed, .drop = 0.30, .duplicate = 0.10, .reorder = 0.2,
                     .delay = 0.1, .delay_ms = 5};
    mw_rr_client_opts co = {.fault = &f, .timeout_ms = 10, .retries = 60, .semantics = sem};
    mw_rr_client *c = open_client(&addr, MW_RR_UDP, &co);
    atomic_store(&counter, 0);
    struct tally t = {0};
    /* Four calls in flight at a time, so replies overtake each other too. */
    int started = 0;
    while (t.done < calls) {
        while (started < calls && started - t.done < 4) {
            assert_int_equal(mw_rr_call_async(c, NULL, OP_INCREMENT, NULL, 0, NULL, on_done, &t, NULL), 0);
            started++;
        }
        int rc = mw_rr_client_poll(c, WAIT_MS, NULL);
        assert_true(rc == 0);
    }
    *ok_out = t.ok;
    *count_out = atomic_load(&counter);
    mw_rr_server_stats_get(s, st);
    mw_rr_client_close(c);
    mw_rr_server_destroy(s);
}

static void faults_at_most_once(void **state)
{
    (void)state;
    int ok;
    uint64_t count;
    mw_rr_server_stats st;
    increments_under_faults(MW_RR_AT_MOST_ONCE, 500, 1, &ok, &count, &st);
    assert_int_equal(ok, 500);   /* every call returned */
    assert_int_equal(count, 500); /* and ran exactly once */
    assert_true(st.duplicates > 0);
    assert_true(st.retransmissions > 0);
}

static void faults_at_least_once(void **state)
{
    (void)state;
    int ok;
    uint64_t count;
    mw_rr_server_stats st;
    increments_under_faults(MW_RR_AT_LEAST_ONCE, 500, 2, &ok, &count, &st);
    assert_int_equal(ok, 500);
    assert_true(count >= 500);
    assert_int_equal(st.duplicates, 0);
}

static void faults_maybe(void **state)
{
    (void)state;
    int ok;
    uint64_t count;
    mw_rr_server_stats st;
    increments_under_faults(MW_RR_MAYBE, 300, 3, &ok, &count, &st);
    assert_true(ok < 300);   /* the caller saw timeouts */
    assert_true(ok > 50);
    assert_true(count >= (uint64_t)ok);
}

static void faults_fragmented(void **state)
{
    (void)state;
    mw_addr addr = {0};
    mw_rr_server_opts so = {.max_datagram = 1500};
    mw_rr_server *s = start_server(MW_RR_UDP, 1, &so, &addr);
    mw_rr_fault f = {.seed = 9, .drop = 0.2, .duplicate = 0.05, .reorder = 0.1};
    mw_rr_client_opts co = {.fault = &f, .timeout_ms = 20, .retries = 30, .max_datagram = 1500};
    mw_rr_client *c = open_client(&addr, MW_RR_UDP, &co);
    size_t big = 300000;
    uint8_t *data = malloc(big);
    for (size_t i = 0; i < big; i++)
        data[i] = (uint8_t)(i * 13);
    mw_buf reply;
    mw_buf_init(&reply);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, data, big, &reply, NULL), 0);
        assert_int_equal(reply.len, big);
        assert_memory_equal(reply.data, data, big);
    }
    assert_int_equal(op_executions(s, OP_ECHO), 3);
    mw_buf_free(&reply);
    free(data);
    mw_rr_client_close(c);
    mw_rr_server_destroy(s);
}

static void duplicate_of_executing_request(void **state)
{
    (void)state;
    /* The handler takes 100 ms; the client retransmits every 10 ms: one execution. */
    mw_addr addr = {0};
    mw_rr_server *s = start_server(MW_RR_UDP, 1, NULL, &addr);
    mw_rr_client_opts co = {.timeout_ms = 10, .retries = 50};
    mw_rr_client *c = open_client(&addr, MW_RR_UDP, &co);
    atomic_store(&counter, 0);
    mw_buf reply;
    mw_buf_init(&reply);
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_SLOW, NULL, 0, &reply, NULL), 0);
    assert_int_equal(mw_load_u64be(reply.data), 1);
    assert_int_equal(atomic_load(&counter), 1);
    mw_rr_server_stats st;
    mw_rr_server_stats_get(s, &st);
    assert_true(st.duplicates >= 5);
    assert_true(st.retransmissions >= 5);
    assert_int_equal(op_executions(s, OP_SLOW), 1);
    mw_buf_free(&reply);
    mw_rr_client_close(c);
    mw_rr_server_destroy(s);
}

/* ---- servers that die or restart --------------------------------------------------- */

static void dead_server(int transport)
{
    mw_addr addr = {0};
    mw_rr_server *s = start_server(transport, 1, NULL, &addr);
    mw_rr_client_opts co = {.timeout_ms = 30, .retries = 3};
    mw_rr_client *c = open_client(&addr, transport, &co);
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_NULL, NULL, 0, NULL, NULL), 0);
    mw_rr_server_destroy(s);
    /* Errors, quickly: no hang. With no retries at all, one attempt. */
    uint64_t t0 = mw_now_ms();
    mw_rr_call_opts once = {.retries = -1};
    int rc0 = mw_rr_do_operation(c, NULL, OP_NULL, NULL, 0, NULL, &once);
    assert_true(rc0 == MW_ECONNREFUSED || rc0 == MW_ETIMEDOUT || rc0 == MW_ECONNRESET);
    int rc = mw_rr_do_operation(c, NULL, OP_NULL, NULL, 0, NULL, NULL);
    assert_true(rc == MW_ECONNREFUSED || rc == MW_ETIMEDOUT || rc == MW_ECONNRESET);
    rc = mw_rr_do_operation(c, NULL, OP_NULL, NULL, 0, NULL, NULL);
    assert_true(rc == MW_ECONNREFUSED || rc == MW_ETIMEDOUT || rc == MW_ECONNRESET);
    assert_true(mw_now_ms() - t0 < 2000);
    /* A new server on the same port: the same client carries on. */
    mw_rr_server *s2 = start_server(transport, 1, NULL, &addr);
    mw_buf reply;
    mw_buf_init(&reply);
    atomic_store(&counter, 0);
    assert_int_equal(mw_rr_do_operation(c, NULL, OP_INCREMENT, NULL, 0, &reply, NULL), 0);
    assert_int_equal(mw_load_u64be(reply.data), 1);
    if (transport == MW_RR_TCP) {
        mw_rr_client_stats cs;
        mw_rr_client_stats_get(c, &cs);
        assert_true(cs.reconnects >= 1);
    }
    mw_buf_free(&reply);
    mw_rr_client_close(c);
    mw_rr_server_destroy(s2);
}

static void dead_server_udp(void **state)
{
    (void)state;
    dead_server(MW_RR_UDP);
}

static void dead_server_tcp(void **state)
{
    (void)state;
    dead_server(MW_RR_TCP);
}

/* ---- several loops, several clients ------------------------------------------------ */

struct worker_client {
    mw_addr addr;
    int calls, ok;
};

static void client_thread(void *arg)
{
    struct worker_client *w = arg;
    mw_rr_client *c = NULL;
    mw_rr_client_opts co = {.timeout_ms = 500};
    if (mw_rr_client_open(&c, &w->addr, &co) != 0)
        return;
    for (int i = 0; i < w->calls; i++)
        w->ok += mw_rr_do_operation(c, NULL, OP_INCREMENT, NULL, 0, NULL, NULL) == 0;
    mw_rr_client_close(c);
}

static void many_loops(void **state)
{
    (void)state;
    mw_addr addr = {0};
    mw_rr_server *s = start_server(MW_RR_UDP, 3, NULL, &addr);
    atomic_store(&counter, 0);
    struct worker_client w[6];
    mw_thread *t[6];
    for (int i = 0; i < 6; i++) {
        w[i] = (struct worker_client){.addr = addr, .calls = 300};
        assert_int_equal(mw_thread_start(&t[i], client_thread, &w[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        mw_thread_join(t[i]);
        assert_int_equal(w[i].ok, 300);
    }
    assert_int_equal(atomic_load(&counter), 1800);
    mw_rr_server_stats st;
    mw_rr_server_stats_get(s, &st);
    assert_int_equal(st.executions, 1800);
    assert_int_equal(op_executions(s, OP_INCREMENT), 1800);
    mw_rr_server_destroy(s);
}

/* ---- soak: the history stays within its bounds ------------------------------------- */

static void soak_history_bounded(void **state)
{
    (void)state;
    mw_addr addr = {0};
    mw_rr_server_opts so = {.history_entries = 64, .history_bytes = 16384};
    mw_rr_server *s = start_server(MW_RR_UDP, 1, &so, &addr);
    mw_rr_client *c = open_client(&addr, MW_RR_UDP, NULL);
    struct tally t = {0};
    uint64_t mem_warm = 0;
    /* Many calls in flight: RR's implicit acks, RRA's acks and at-most-once R markers all
     * flow through the history. Stretches of 1,000 calls alternate between the inline
     * null operation (the loop waits in the receive, its socket out of the epoll set) and
     * the echo on the workers (back to libuv). RR_SOAK_CALLS=1000000 makes this the long
     * soak (CTest's test_rr_soak). */
    const int calls = getenv("RR_SOAK_CALLS") ? atoi(getenv("RR_SOAK_CALLS")) : 30000;
    int started = 0;
    while (t.done < calls) {
        while (started < calls && started - t.done < 32) {
            mw_rr_call_opts o = {.protocol = 1 + started % 3};
            uint32_t op = (started / 1000) % 2 ? OP_ECHO : OP_NULL;
            assert_int_equal(mw_rr_call_async(c, NULL, op, "0123456789abcdef", op == OP_ECHO ? 16 : 0, &o, on_done, &t, NULL), 0);
            started++;
        }
        assert_int_equal(mw_rr_client_poll(c, WAIT_MS, NULL), 0);
        mw_rr_server_stats st;
        mw_rr_server_stats_get(s, &st);
        assert_true(st.history_entries <= 64);
        assert_true(st.history_bytes <= 16384);
        if (t.done >= calls / 10 && !mem_warm)
            mem_warm = st.memory_bytes;
    }
    assert_int_equal(t.ok, calls);
    mw_rr_server_stats st;
    mw_rr_server_stats_get(s, &st);
    assert_true(st.memory_bytes <= mem_warm + mem_warm / 4);
    mw_rr_client_close(c);
    mw_rr_server_destroy(s);
}

/* ---- how fast (printed, not asserted: the benchmarks compare) ---------------------- */

static void quick_rate(void **state)
{
    (void)state;
    int transports[] = {MW_RR_UDP, MW_RR_TCP};
    for (int k = 0; k < 2; k++) {
        mw_addr addr = {0};
        mw_rr_server *s = start_server(transports[k], 1, NULL, &addr);
        mw_rr_client *c = open_client(&addr, transports[k], NULL);
        const int n = 5000;
        for (int i = 0; i < 200; i++)
            assert_int_equal(mw_rr_do_operation(c, NULL, OP_NULL, NULL, 0, NULL, NULL), 0);
        uint64_t t0 = mw_now_ns();
        for (int i = 0; i < n; i++)
            assert_int_equal(mw_rr_do_operation(c, NULL, OP_NULL, NULL, 0, NULL, NULL), 0);
        double secs = (double)(mw_now_ns() - t0) / 1e9;
        printf("  %s null call, 1 client: %.0f calls/s (%.1f us each)\n",
               transports[k] == MW_RR_UDP ? "UDP" : "TCP", n / secs, secs * 1e6 / n);
        mw_rr_client_close(c);
        mw_rr_server_destroy(s);
    }
}

static void ipv6(void **state)
{
    (void)state;
    int transports[] = {MW_RR_UDP, MW_RR_TCP};
    for (int k = 0; k < 2; k++) {
        mw_addr local;
        mw_addr_loopback(&local, MW_AF_INET6, 0);
        mw_rr_server *s = NULL;
        mw_rr_server_opts so = {.transport = transports[k]};
        int rc = mw_rr_server_create(&s, &local, &so);
        if (rc == MW_EADDRNOTAVAIL || rc == MW_EINVAL) {
            printf("  (no IPv6 loopback here: %s)\n", mw_strerror(rc));
            return;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(mw_rr_server_handle(s, OP_ECHO, "echo", h_echo, NULL, 0), 0);
        assert_int_equal(mw_rr_server_start(s), 0);
        mw_addr addr;
        assert_int_equal(mw_rr_server_addr(s, &addr), 0);
        assert_int_equal(addr.family, MW_AF_INET6);
        mw_rr_client *c = open_client(&addr, transports[k], NULL);
        mw_buf reply;
        mw_buf_init(&reply);
        uint8_t big[20000];
        memset(big, 6, sizeof big);
        assert_int_equal(mw_rr_do_operation(c, NULL, OP_ECHO, big, sizeof big, &reply, NULL), 0);
        assert_int_equal(reply.len, sizeof big);
        mw_buf_free(&reply);
        mw_rr_client_close(c);
        mw_rr_server_destroy(s);
    }
}

static void low_latency_spin(void **state)
{
    (void)state;
    mw_addr addr = {0};
    mw_rr_server_opts so = {.spin_us = 50};
    mw_rr_server *s = start_server(MW_RR_UDP, 1, &so, &addr);
    mw_rr_client_opts co = {.spin_us = 50};
    mw_rr_client *c = open_client(&addr, MW_RR_UDP, &co);
    for (int i = 0; i < 500; i++)
        assert_int_equal(mw_rr_do_operation(c, NULL, OP_NULL, NULL, 0, NULL, NULL), 0);
    mw_rr_client_close(c);
    mw_rr_server_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(udp_calls),
        cmocka_unit_test(tcp_calls),
        cmocka_unit_test(port_udp),
        cmocka_unit_test(port_tcp),
        cmocka_unit_test(async_udp),
        cmocka_unit_test(async_tcp),
        cmocka_unit_test(limits_udp),
        cmocka_unit_test(limits_tcp),
        cmocka_unit_test(bad_options),
        cmocka_unit_test(faults_at_most_once),
        cmocka_unit_test(faults_at_least_once),
        cmocka_unit_test(faults_maybe),
        cmocka_unit_test(faults_fragmented),
        cmocka_unit_test(duplicate_of_executing_request),
        cmocka_unit_test(dead_server_udp),
        cmocka_unit_test(dead_server_tcp),
        cmocka_unit_test(many_loops),
        cmocka_unit_test(soak_history_bounded),
        cmocka_unit_test(ipv6),
        cmocka_unit_test(low_latency_spin),
        cmocka_unit_test(quick_rate),
    };
    /* RR_TEST=name runs one test (cmocka's filter), for debugging. */
    if (getenv("RR_TEST"))
        cmocka_set_test_filter(getenv("RR_TEST"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}

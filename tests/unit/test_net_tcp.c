/* test_net_tcp.c - TCP on loopback: connect/accept, echo, end of stream versus reset,
 * half-close, timeouts, options, and EINTR. */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <cmocka.h>

#include <midway/net.h>

#define WAIT_MS 5000

static uint64_t elapsed_ms(uint64_t start_ns) { return (mw_now_ns() - start_ns) / 1000000u; }

static mw_tcp_listener *listen_loopback(int family, mw_addr *addr)
{
    mw_addr a;
    mw_addr_loopback(&a, family, 0);
    mw_tcp_listener *l = NULL;
    assert_int_equal(mw_tcp_listen(&l, &a, 16), 0);
    assert_int_equal(mw_tcp_listener_addr(l, addr), 0);
    assert_int_not_equal(addr->port, 0);
    return l;
}

/* A connected pair over loopback: *client from connect, *server from accept. */
static void pair(int family, mw_tcp **client, mw_tcp **server)
{
    mw_addr addr;
    mw_tcp_listener *l = listen_loopback(family, &addr);
    assert_int_equal(mw_tcp_connect(client, &addr, WAIT_MS), 0);
    assert_int_equal(mw_tcp_accept(l, server, NULL, WAIT_MS), 0);
    mw_tcp_listener_close(l);
}

/* ---- echo through a server thread -------------------------------------------------- */

struct echo {
    mw_tcp_listener *l;
    mw_addr peer; /* as accept reported it */
    int rc;       /* MW_EEOF after a clean run */
};

static void echo_server(void *arg)
{
    struct echo *e = arg;
    mw_tcp *c;
    if ((e->rc = mw_tcp_accept(e->l, &c, &e->peer, WAIT_MS)))
        return;
    uint8_t buf[4096];
    for (;;) {
        size_t n;
        if ((e->rc = mw_tcp_read_some(c, buf, sizeof buf, &n, WAIT_MS)))
            break;
        if ((e->rc = mw_tcp_write_all(c, buf, n, WAIT_MS)))
            break;
    }
    mw_tcp_close(c);
}

static void echo_on(int family)
{
    mw_addr addr;
    struct echo e = {listen_loopback(family, &addr), {0}, 0};
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, echo_server, &e), 0);
    mw_tcp *c;
    assert_int_equal(mw_tcp_connect(&c, &addr, WAIT_MS), 0);
    for (int i = 0; i < 50; i++) {
        char msg[64], back[64];
        int len = snprintf(msg, sizeof msg, "line %d, some bytes to echo", i);
        assert_int_equal(mw_tcp_write_all(c, msg, (size_t)len, WAIT_MS), 0);
        assert_int_equal(mw_tcp_read_exact(c, back, (size_t)len, WAIT_MS), 0);
        assert_memory_equal(back, msg, (size_t)len);
    }
    mw_addr peer, local;
    assert_int_equal(mw_tcp_peer_addr(c, &peer), 0);
    assert_true(mw_addr_equal(&peer, &addr));
    assert_int_equal(mw_tcp_local_addr(c, &local), 0);
    assert_int_equal(mw_tcp_shutdown_write(c), 0);
    char x;
    assert_int_equal(mw_tcp_read_exact(c, &x, 1, WAIT_MS), MW_EEOF);
    mw_thread_join(t);
    assert_int_equal(e.rc, MW_EEOF);
    assert_true(mw_addr_equal(&e.peer, &local));
    mw_tcp_close(c);
    mw_tcp_listener_close(e.l);
}

static void test_echo_ipv4(void **state)
{
    (void)state;
    echo_on(MW_AF_INET4);
}

static void test_echo_ipv6(void **state)
{
    (void)state;
    echo_on(MW_AF_INET6);
}

static void test_dual_stack_listener(void **state)
{
    (void)state;
    mw_addr any, addr, to, peer;
    mw_addr_any(&any, MW_AF_INET6, 0);
    mw_tcp_listener *l;
    assert_int_equal(mw_tcp_listen(&l, &any, 0), 0);
    assert_int_equal(mw_tcp_listener_addr(l, &addr), 0);
    mw_addr_loopback(&to, MW_AF_INET4, addr.port);
    mw_tcp *c, *s;
    assert_int_equal(mw_tcp_connect(&c, &to, WAIT_MS), 0);
    assert_int_equal(mw_tcp_accept(l, &s, &peer, WAIT_MS), 0);
    assert_int_equal(peer.family, MW_AF_INET4); /* not ::ffff:127.0.0.1 */
    assert_int_equal(peer.ip[0], 127);
    mw_tcp_close(c);
    mw_tcp_close(s);
    mw_tcp_listener_close(l);
}

static void test_listener_basics(void **state)
{
    (void)state;
    mw_addr addr;
    mw_tcp_listener *l = listen_loopback(MW_AF_INET4, &addr), *l2;
    int fd = mw_tcp_listener_fd(l), v = 0;
    assert_true(fd >= 0);
    socklen_t len = sizeof v;
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
    assert_int_not_equal(v, 0);
    assert_int_equal(mw_tcp_listen(&l2, &addr, 0), MW_EADDRINUSE);
    mw_tcp_listener_close(l);
    mw_tcp_listener_close(NULL);
    /* SO_REUSEADDR: the port can be listened on again at once, even with a connection
     * of the old listener still around. */
    l = listen_loopback(MW_AF_INET4, &addr);
    mw_tcp *c, *s;
    assert_int_equal(mw_tcp_connect(&c, &addr, WAIT_MS), 0);
    assert_int_equal(mw_tcp_accept(l, &s, NULL, WAIT_MS), 0);
    mw_tcp_close(s); /* the server side closes first and sits in TIME_WAIT */
    mw_tcp_close(c);
    mw_tcp_listener_close(l);
    assert_int_equal(mw_tcp_listen(&l, &addr, 0), 0);
    mw_tcp_listener_close(l);

    mw_addr foreign;
    assert_int_equal(mw_addr_parse(&foreign, "192.0.2.7:0", -1), 0);
    assert_int_equal(mw_tcp_listen(&l, &foreign, 0), MW_EADDRNOTAVAIL);
    mw_addr unset = {0};
    assert_int_equal(mw_tcp_listen(&l, &unset, 0), MW_EINVAL);
    assert_int_equal(mw_tcp_connect(&c, &unset, 0), MW_EINVAL);
}

static void test_accept_timeout(void **state)
{
    (void)state;
    mw_addr addr;
    mw_tcp_listener *l = listen_loopback(MW_AF_INET4, &addr);
    mw_tcp *s = NULL;
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_tcp_accept(l, &s, NULL, 150), MW_ETIMEDOUT);
    uint64_t ms = elapsed_ms(t0);
    assert_true(ms >= 150 && ms < 3000);
    assert_null(s);
    t0 = mw_now_ns();
    assert_int_equal(mw_tcp_accept(l, &s, NULL, 0), MW_ETIMEDOUT);
    assert_true(elapsed_ms(t0) < 1000);
    mw_tcp_listener_close(l);
}

static void test_connect_refused(void **state)
{
    (void)state;
    int families[] = {MW_AF_INET4, MW_AF_INET6};
    for (int i = 0; i < 2; i++) {
        mw_addr addr;
        mw_tcp_listener *l = listen_loopback(families[i], &addr);
        mw_tcp_listener_close(l); /* now nobody listens there */
        mw_tcp *c = NULL;
        uint64_t t0 = mw_now_ns();
        assert_int_equal(mw_tcp_connect(&c, &addr, WAIT_MS), MW_ECONNREFUSED);
        assert_true(elapsed_ms(t0) < WAIT_MS);
        assert_null(c);
    }
}

static void test_connect_timeout(void **state)
{
    (void)state;
    /* A listener that never accepts, with a backlog of 1: once its queue is full the
     * kernel drops further SYNs, so the next connect can only time out. */
    mw_addr addr, any;
    mw_addr_loopback(&any, MW_AF_INET4, 0);
    mw_tcp_listener *l;
    assert_int_equal(mw_tcp_listen(&l, &any, 1), 0);
    assert_int_equal(mw_tcp_listener_addr(l, &addr), 0);
    mw_tcp *conns[16];
    int nconn = 0, rc = 0;
    uint64_t ms = 0;
    while (nconn < 16) {
        uint64_t t0 = mw_now_ns();
        rc = mw_tcp_connect(&conns[nconn], &addr, 200);
        ms = elapsed_ms(t0);
        if (rc)
            break;
        nconn++;
    }
    assert_int_equal(rc, MW_ETIMEDOUT);
    assert_true(ms >= 200 && ms < 3000);
    for (int i = 0; i < nconn; i++)
        mw_tcp_close(conns[i]);
    mw_tcp_listener_close(l);
}

static void test_connected_socket_is_blocking(void **state)
{
    (void)state;
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    /* The connect was non-blocking inside; the caller gets an ordinary socket. */
    assert_int_equal(fcntl(mw_tcp_fd(c), F_GETFL) & O_NONBLOCK, 0);
    assert_int_equal(fcntl(mw_tcp_fd(s), F_GETFL) & O_NONBLOCK, 0);
    assert_int_not_equal(fcntl(mw_tcp_fd(c), F_GETFD) & FD_CLOEXEC, 0);
    assert_int_not_equal(fcntl(mw_tcp_fd(s), F_GETFD) & FD_CLOEXEC, 0);
    mw_tcp_close(c);
    mw_tcp_close(s);
    mw_tcp_close(NULL);
    mw_tcp_abort(NULL);
}

static void test_eof_before_first_byte(void **state)
{
    (void)state;
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    mw_tcp_close(c);
    char buf[8];
    size_t n;
    assert_int_equal(mw_tcp_read_exact(s, buf, sizeof buf, WAIT_MS), MW_EEOF);
    assert_int_equal(mw_tcp_read_some(s, buf, sizeof buf, &n, WAIT_MS), MW_EEOF);
    assert_int_equal(mw_tcp_read_exact(s, buf, 0, WAIT_MS), 0); /* nothing asked */
    mw_tcp_close(s);
}

static void test_eof_mid_message_is_truncated(void **state)
{
    (void)state;
    mw_tcp *c, *s;
    pair(MW_AF_INET6, &c, &s);
    assert_int_equal(mw_tcp_write_all(c, "abc", 3, WAIT_MS), 0);
    assert_int_equal(mw_tcp_shutdown_write(c), 0);
    char buf[8];
    assert_int_equal(mw_tcp_read_exact(s, buf, 5, WAIT_MS), MW_ETRUNCATED);
    assert_memory_equal(buf, "abc", 3);
    assert_int_equal(mw_tcp_read_exact(s, buf, 1, WAIT_MS), MW_EEOF);
    mw_tcp_close(c);
    mw_tcp_close(s);
}

static void test_reset_is_not_eof(void **state)
{
    (void)state;
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    mw_tcp_abort(c);
    char buf[8];
    assert_int_equal(mw_tcp_read_exact(s, buf, sizeof buf, WAIT_MS), MW_ECONNRESET);
    mw_tcp_close(s);

    /* A reset after part of a message is still a reset, not a truncation. */
    pair(MW_AF_INET4, &c, &s);
    assert_int_equal(mw_tcp_write_all(c, "ab", 2, WAIT_MS), 0);
    mw_tcp *server_side = s;
    assert_int_equal(mw_tcp_read_exact(server_side, buf, 1, WAIT_MS), 0);
    mw_tcp_abort(c);
    int rc = mw_tcp_read_exact(server_side, buf, 4, WAIT_MS);
    assert_int_equal(rc, MW_ECONNRESET);
    mw_tcp_close(server_side);
}

static void test_write_to_reset_peer(void **state)
{
    (void)state;
    /* SIGPIPE at its default would kill this process: the test passes only if the
     * library never raises it. */
    signal(SIGPIPE, SIG_DFL);
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    mw_tcp_abort(s);
    static uint8_t chunk[16384];
    int rc = 0;
    for (int i = 0; i < 1000 && rc == 0; i++)
        rc = mw_tcp_write_all(c, chunk, sizeof chunk, WAIT_MS);
    assert_int_equal(rc, MW_ECONNRESET);
    /* and again: EPIPE now, still reported as a reset */
    assert_int_equal(mw_tcp_write_all(c, chunk, 1, WAIT_MS), MW_ECONNRESET);
    mw_tcp_close(c);
}

static void test_half_close(void **state)
{
    (void)state;
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    assert_int_equal(mw_tcp_write_all(c, "request", 7, WAIT_MS), 0);
    assert_int_equal(mw_tcp_shutdown_write(c), 0);
    assert_int_equal(mw_tcp_write_all(c, "more", 4, WAIT_MS), MW_ECONNRESET);
    char buf[16];
    size_t n;
    assert_int_equal(mw_tcp_read_exact(s, buf, 7, WAIT_MS), 0);
    assert_memory_equal(buf, "request", 7);
    assert_int_equal(mw_tcp_read_some(s, buf, sizeof buf, &n, WAIT_MS), MW_EEOF);
    /* The other direction still works. */
    assert_int_equal(mw_tcp_write_all(s, "reply", 5, WAIT_MS), 0);
    mw_tcp_close(s);
    assert_int_equal(mw_tcp_read_exact(c, buf, 5, WAIT_MS), 0);
    assert_memory_equal(buf, "reply", 5);
    assert_int_equal(mw_tcp_read_exact(c, buf, 1, WAIT_MS), MW_EEOF);
    mw_tcp_close(c);
}

static void test_read_timeouts(void **state)
{
    (void)state;
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    char buf[8];
    size_t n;
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_tcp_read_exact(s, buf, 4, 150), MW_ETIMEDOUT);
    uint64_t ms = elapsed_ms(t0);
    assert_true(ms >= 150 && ms < 3000);
    t0 = mw_now_ns();
    assert_int_equal(mw_tcp_read_some(s, buf, sizeof buf, &n, 100), MW_ETIMEDOUT);
    ms = elapsed_ms(t0);
    assert_true(ms >= 100 && ms < 3000);
    t0 = mw_now_ns();
    assert_int_equal(mw_tcp_read_some(s, buf, sizeof buf, &n, 0), MW_ETIMEDOUT);
    assert_true(elapsed_ms(t0) < 1000);
    /* Part of what was asked, then silence: a timeout, not a truncation. */
    assert_int_equal(mw_tcp_write_all(c, "xy", 2, WAIT_MS), 0);
    assert_int_equal(mw_tcp_read_exact(s, buf, 4, 150), MW_ETIMEDOUT);
    /* read_some returns what is there without waiting for more. */
    assert_int_equal(mw_tcp_write_all(c, "zw", 2, WAIT_MS), 0);
    assert_int_equal(mw_tcp_read_exact(s, buf, 1, WAIT_MS), 0);
    assert_int_equal(mw_tcp_read_some(s, buf, sizeof buf, &n, WAIT_MS), 0);
    assert_true(n >= 1 && n <= 3);
    assert_int_equal(mw_tcp_read_some(s, buf, 0, &n, 0), MW_EINVAL);
    mw_tcp_close(c);
    mw_tcp_close(s);
}

static uint64_t rcvtimeo_us(int fd)
{
    struct timeval tv;
    socklen_t len = sizeof tv;
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_reads_wait_in_the_kernel(void **state)
{
    (void)state;
    /* A timed read blocks in recv under SO_RCVTIMEO (one system call), set below the time
     * left and reused by the next read with the same timeout. */
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    int fd = mw_tcp_fd(s);
    char buf[8];
    size_t n;
    assert_int_equal(mw_tcp_write_all(c, "ab", 2, WAIT_MS), 0);
    assert_int_equal(mw_tcp_read_exact(s, buf, 1, 200), 0);
    uint64_t first = rcvtimeo_us(fd);
    assert_true(first > 0 && first < 200000);
    assert_int_equal(mw_tcp_read_some(s, buf, sizeof buf, &n, 200), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rcvtimeo_us(fd), first);
    /* Someone else makes the descriptor non-blocking: reads still wait, in poll, without
     * spinning, and keep their deadline. */
    assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
    uint64_t t0 = mw_now_ns(), cpu0 = thread_cpu_ns();
    assert_int_equal(mw_tcp_read_exact(s, buf, 4, 300), MW_ETIMEDOUT);
    uint64_t ms = elapsed_ms(t0);
    assert_true(ms >= 300 && ms < 3000);
    assert_true(thread_cpu_ns() - cpu0 < 20000000u); /* a busy loop would take most */
    mw_tcp_close(c);
    mw_tcp_close(s);
}

static void test_write_timeout(void **state)
{
    (void)state;
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    /* Small buffers and a peer that never reads: the write must stop at its deadline. */
    int small = 4096;
    setsockopt(mw_tcp_fd(c), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(mw_tcp_fd(s), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    size_t big = 64u << 20;
    uint8_t *data = calloc(1, big);
    assert_non_null(data);
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_tcp_write_all(c, data, big, 200), MW_ETIMEDOUT);
    uint64_t ms = elapsed_ms(t0);
    assert_true(ms >= 200 && ms < 5000);
    free(data);
    mw_tcp_close(c);
    mw_tcp_close(s);
}

struct bulk {
    mw_tcp *conn;
    const uint8_t *data;
    size_t n;
    int rc;
};

static void bulk_writer(void *arg)
{
    struct bulk *b = arg;
    b->rc = mw_tcp_write_all(b->conn, b->data, b->n, 20000);
}

static void test_large_transfer(void **state)
{
    (void)state;
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    size_t n = 8u << 20;
    uint8_t *out = malloc(n), *in = malloc(n);
    assert_non_null(out);
    assert_non_null(in);
    mw_rng r;
    mw_rng_seed(&r, 99);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = mw_rng_next(&r);
        memcpy(out + i, &v, 8);
    }
    struct bulk b = {c, out, n, -1};
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, bulk_writer, &b), 0);
    assert_int_equal(mw_tcp_read_exact(s, in, n, 20000), 0);
    mw_thread_join(t);
    assert_int_equal(b.rc, 0);
    assert_memory_equal(in, out, n);
    free(out);
    free(in);
    mw_tcp_close(c);
    mw_tcp_close(s);
}

static void test_nodelay_keepalive(void **state)
{
    (void)state;
    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    int fd = mw_tcp_fd(c), v = 0;
    socklen_t len = sizeof v;
    assert_int_equal(mw_tcp_set_nodelay(c, true), 0);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
    assert_int_not_equal(v, 0);
    assert_int_equal(mw_tcp_set_nodelay(c, false), 0);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
    assert_int_equal(v, 0);
    assert_int_equal(mw_tcp_set_keepalive(c, true, 7), 0);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
    assert_int_not_equal(v, 0);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), 0);
    assert_int_equal(v, 7);
    assert_int_equal(mw_tcp_set_keepalive(c, true, 0), 0); /* 0 keeps the idle time */
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), 0);
    assert_int_equal(v, 7);
    assert_int_equal(mw_tcp_set_keepalive(c, false, 0), 0);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
    assert_int_equal(v, 0);
    assert_int_equal(mw_tcp_set_keepalive(c, true, -1), MW_EINVAL);
    mw_tcp_close(c);
    mw_tcp_close(s);
}

/* ---- EINTR: a storm of signals must not cut a wait short -------------------------- */

static void on_signal(int sig) { (void)sig; }

struct storm {
    pthread_t target;
    atomic_bool stop;
    int sent;
};

static void signal_storm(void *arg)
{
    struct storm *st = arg;
    while (!atomic_load(&st->stop) && st->sent < 2000) {
        pthread_kill(st->target, SIGUSR1);
        st->sent++;
        mw_sleep_ms(2); /* pacing between signals, not synchronisation */
    }
}

static void test_eintr_keeps_deadline(void **state)
{
    (void)state;
    /* No SA_RESTART: every signal makes a blocked poll fail with EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);

    mw_tcp *c, *s;
    pair(MW_AF_INET4, &c, &s);
    mw_addr addr;
    mw_tcp_listener *l = listen_loopback(MW_AF_INET4, &addr);
    mw_addr uaddr;
    mw_addr_loopback(&uaddr, MW_AF_INET4, 0);
    mw_udp *u;
    assert_int_equal(mw_udp_open(&u, &uaddr, 0), 0);
    assert_int_equal(mw_udp_set_timeout(u, 200), 0);

    struct storm st = {pthread_self(), false, 0};
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, signal_storm, &st), 0);
    char buf[4];
    size_t n;
    mw_tcp *acc;
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_tcp_read_exact(s, buf, 4, 200), MW_ETIMEDOUT);
    uint64_t ms1 = elapsed_ms(t0);
    t0 = mw_now_ns();
    assert_int_equal(mw_tcp_accept(l, &acc, NULL, 200), MW_ETIMEDOUT);
    uint64_t ms2 = elapsed_ms(t0);
    t0 = mw_now_ns();
    assert_int_equal(mw_udp_recvfrom(u, buf, sizeof buf, &n, NULL), MW_ETIMEDOUT);
    uint64_t ms3 = elapsed_ms(t0);
    atomic_store(&st.stop, true);
    mw_thread_join(t);
    assert_true(st.sent > 10); /* the storm really happened */
    assert_true(ms1 >= 200 && ms1 < 3000);
    assert_true(ms2 >= 200 && ms2 < 3000);
    assert_true(ms3 >= 200 && ms3 < 3000);
    signal(SIGUSR1, SIG_DFL);
    mw_udp_close(u);
    mw_tcp_listener_close(l);
    mw_tcp_close(c);
    mw_tcp_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_ipv4),
        cmocka_unit_test(test_echo_ipv6),
        cmocka_unit_test(test_dual_stack_listener),
        cmocka_unit_test(test_listener_basics),
        cmocka_unit_test(test_accept_timeout),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_connected_socket_is_blocking),
        cmocka_unit_test(test_eof_before_first_byte),
        cmocka_unit_test(test_eof_mid_message_is_truncated),
        cmocka_unit_test(test_reset_is_not_eof),
        cmocka_unit_test(test_write_to_reset_peer),
        cmocka_unit_test(test_half_close),
        cmocka_unit_test(test_read_timeouts),
        cmocka_unit_test(test_reads_wait_in_the_kernel),
        cmocka_unit_test(test_write_timeout),
        cmocka_unit_test(test_large_transfer),
        cmocka_unit_test(test_nodelay_keepalive),
        cmocka_unit_test(test_eintr_keeps_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

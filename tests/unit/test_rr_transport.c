/*
 * test_rr_transport.c - one conformance suite run over every client transport (UDP, TCP,
 * and the fault injector around UDP with no faults): send a message and receive the
 * answer, time out when nothing comes, report an address and a descriptor, close. Then
 * the fault injector's own faults, one at a time, at probability 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rr/transport.h"

#define WAIT_NS (5ull * 1000000000u)

static int h_echo(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    return mw_buf_append(reply, req->args, req->args_len);
}

static mw_rr_server *echo_server(int transport, mw_addr *addr)
{
    mw_addr local;
    mw_addr_loopback(&local, MW_AF_INET4, 0);
    mw_rr_server_opts o = {.transport = transport};
    mw_rr_server *s = NULL;
    assert_int_equal(mw_rr_server_create(&s, &local, &o), 0);
    assert_int_equal(mw_rr_server_handle(s, 1, "echo", h_echo, NULL, MW_RR_INLINE), 0);
    assert_int_equal(mw_rr_server_start(s), 0);
    assert_int_equal(mw_rr_server_addr(s, addr), 0);
    return s;
}

/* A request for operation 1 with id and payload "ping". */
static size_t request(uint8_t *b, uint64_t id)
{
    mwi_rr_hdr h = {.type = MWI_RR_REQUEST, .flags = mwi_rr_flags(MW_RR_RR, MW_RR_AT_LEAST_ONCE),
                    .inc = 99, .id = id, .op = 1, .msglen = 4, .paylen = 4};
    mwi_rr_hdr_encode(b, &h);
    memcpy(b + 64, "ping", 4);
    return 68;
}

static void expect_reply(mwi_ctrans *t, uint64_t id)
{
    const uint8_t *d;
    size_t n;
    assert_int_equal(t->ops->recv(t, &d, &n, mw_now_ns() + WAIT_NS, 0, false), 0);
    mwi_rr_hdr h;
    const uint8_t *pay;
    assert_int_equal(mwi_rr_decode(d, n, &h, &pay), 0);
    assert_int_equal(h.type, MWI_RR_REPLY);
    assert_int_equal(h.id, id);
    assert_int_equal(h.inc, 99);
    assert_int_equal(h.paylen, 4);
    assert_memory_equal(pay, "ping", 4);
}

static void expect_silence(mwi_ctrans *t, uint64_t ms)
{
    const uint8_t *d;
    size_t n;
    uint64_t t0 = mw_now_ns();
    assert_int_equal(t->ops->recv(t, &d, &n, t0 + ms * 1000000u, 0, true), MW_ETIMEDOUT);
    uint64_t took = (mw_now_ns() - t0) / 1000000u;
    assert_true(took + 1 >= ms);
    assert_true(took < ms + 1000);
}

/* The suite every transport passes. */
static void conformance(mwi_ctrans *t, bool reliable)
{
    assert_true(mwi_ctrans_ops_valid(t->ops));
    assert_int_equal(t->ops->reliable, reliable);
    assert_true(t->ops->fd(t) >= 0);
    mw_addr local;
    assert_int_equal(t->ops->local_addr(t, &local), 0);
    assert_int_not_equal(local.port, 0);
    assert_int_equal(t->ops->next_due(t), UINT64_MAX);
    uint8_t b[128];
    /* One message, one answer; then several in flight, answered in order here. */
    assert_int_equal(t->ops->send(t, b, request(b, 1)), 0);
    expect_reply(t, 1);
    for (uint64_t id = 2; id <= 6; id++)
        assert_int_equal(t->ops->send(t, b, request(b, id)), 0);
    for (uint64_t id = 2; id <= 6; id++)
        expect_reply(t, id);
    /* Nothing more comes: the deadline holds, with and without trying first. */
    expect_silence(t, 50);
    const uint8_t *d;
    size_t n;
    assert_int_equal(t->ops->recv(t, &d, &n, 0, 0, false), MW_ETIMEDOUT); /* past: no wait */
    /* Low-latency mode: an answer is taken while spinning, and a spin longer than the
     * time left ends at the deadline. */
    assert_int_equal(t->ops->send(t, b, request(b, 8)), 0);
    assert_int_equal(t->ops->recv(t, &d, &n, mw_now_ns() + WAIT_NS, 200000, false), 0);
    uint64_t t0 = mw_now_ns();
    assert_int_equal(t->ops->recv(t, &d, &n, t0 + 30000000u, 2000000, false), MW_ETIMEDOUT);
    uint64_t took_ms = (mw_now_ns() - t0) / 1000000u;
    assert_true(took_ms + 1 >= 30 && took_ms < 1000);
    /* Only TCP reconnects. */
    assert_int_equal(t->ops->reconnect(t, 1000), reliable ? 0 : MW_ENOTSUP);
    assert_int_equal(t->ops->send(t, b, request(b, 7)), 0);
    expect_reply(t, 7);
    t->ops->close(t);
}

static void udp_transport(void **state)
{
    (void)state;
    mw_addr addr;
    mw_rr_server *s = echo_server(MW_RR_UDP, &addr);
    mwi_ctrans *t;
    assert_int_equal(mwi_ctrans_udp_open(&t, &addr, NULL, 8192, 16), 0);
    assert_string_equal(t->ops->name, "udp");
    conformance(t, false);
    mw_rr_server_destroy(s);
}

static void tcp_transport(void **state)
{
    (void)state;
    mw_addr addr;
    mw_rr_server *s = echo_server(MW_RR_TCP, &addr);
    mwi_ctrans *t;
    assert_int_equal(mwi_ctrans_tcp_open(&t, &addr, 1u << 20, 1000), 0);
    assert_string_equal(t->ops->name, "tcp");
    conformance(t, true);
    mw_rr_server_destroy(s);
}

static void fault_transport_without_faults(void **state)
{
    (void)state;
    mw_addr addr;
    mw_rr_server *s = echo_server(MW_RR_UDP, &addr);
    mwi_ctrans *u, *t;
    assert_int_equal(mwi_ctrans_udp_open(&u, &addr, NULL, 8192, 16), 0);
    mw_rr_fault f = {.seed = 1};
    assert_int_equal(mwi_ctrans_fault_open(&t, u, &f), 0);
    assert_string_equal(t->ops->name, "fault");
    conformance(t, false);
    mw_rr_server_destroy(s);
}

/* The fault injector with one fault certain. */
static mwi_ctrans *faulty(const mw_addr *addr, mw_rr_fault f)
{
    mwi_ctrans *u, *t;
    assert_int_equal(mwi_ctrans_udp_open(&u, addr, NULL, 8192, 16), 0);
    assert_int_equal(mwi_ctrans_fault_open(&t, u, &f), 0);
    return t;
}

static void faults_one_by_one(void **state)
{
    (void)state;
    mw_addr addr;
    mw_rr_server *s = echo_server(MW_RR_UDP, &addr);
    uint8_t b[128];
    const uint8_t *d;
    size_t n;

    /* drop: nothing arrives */
    mwi_ctrans *t = faulty(&addr, (mw_rr_fault){.drop = 1.0});
    assert_int_equal(t->ops->send(t, b, request(b, 1)), 0);
    expect_silence(t, 50);
    t->ops->close(t);

    /* duplicate: each way, so one request brings four replies */
    t = faulty(&addr, (mw_rr_fault){.duplicate = 1.0});
    assert_int_equal(t->ops->send(t, b, request(b, 1)), 0);
    for (int i = 0; i < 4; i++)
        expect_reply(t, 1);
    expect_silence(t, 30);
    t->ops->close(t);

    /* reorder: a held request goes when the next one has passed it */
    t = faulty(&addr, (mw_rr_fault){.reorder = 1.0, .delay_ms = 2000});
    assert_int_equal(t->ops->send(t, b, request(b, 1)), 0);
    assert_true(t->ops->next_due(t) != UINT64_MAX);
    t->ops->close(t); /* held datagrams are freed, never sent */

    /* delay: the reply comes, but not at once */
    t = faulty(&addr, (mw_rr_fault){.delay = 1.0, .delay_ms = 30, .seed = 3});
    uint64_t t0 = mw_now_ns();
    assert_int_equal(t->ops->send(t, b, request(b, 1)), 0);
    expect_reply(t, 1);
    assert_true(mw_now_ns() - t0 < WAIT_NS);
    t->ops->close(t);

    /* bad probabilities, and a reliable transport underneath, are refused */
    mwi_ctrans *u;
    assert_int_equal(mwi_ctrans_udp_open(&u, &addr, NULL, 8192, 16), 0);
    mw_rr_fault bad = {.reorder = -0.1};
    assert_int_equal(mwi_ctrans_fault_open(&t, u, &bad), MW_EINVAL);
    u->ops->close(u);
    (void)d;
    (void)n;
    mw_rr_server_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(udp_transport),
        cmocka_unit_test(tcp_transport),
        cmocka_unit_test(fault_transport_without_faults),
        cmocka_unit_test(faults_one_by_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

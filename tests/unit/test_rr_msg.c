/*
 * test_rr_msg.c - the request-reply protocol's pieces one by one: the header's exact
 * bytes (docs/protocol.md), what the decoder refuses, TCP framing, fragment bursts and
 * reassembly, the history's bounds, and hostile input thrown at both state machines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rr/csm.h"
#include "rr/frag.h"
#include "rr/history.h"
#include "rr/msg.h"
#include "rr/ssm.h"

/* ---- the header ------------------------------------------------------------------- */

static void header_golden_bytes(void **state)
{
    (void)state;
    mwi_rr_hdr h = {.type = MWI_RR_REQUEST,
                    .flags = mwi_rr_flags(MW_RR_RRA, MW_RR_AT_MOST_ONCE) | MWI_RR_F_RETRY,
                    .inc = 0x0102030405060708ull,
                    .id = 0x1112131415161718ull,
                    .ack_below = 0x2122232425262728ull,
                    .op = 0x31323334,
                    .objnum = 0x41424344,
                    .ifhash = 0x51525354,
                    .msglen = 0x00010000,
                    .frag_index = 3,
                    .frag_size = 0x1FC0,
                    .burst = 7,
                    .paylen = 0x1FC0};
    uint8_t b[64];
    mwi_rr_hdr_encode(b, &h);
    static const uint8_t want[64] = {
        0x4D, 0x57, 0x01, 0x01, 0x00, 0x1F, 0x00, 0x40,                  /* magic ver type flags hlen */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,                  /* incarnation */
        0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,                  /* request id */
        0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,                  /* ack below */
        0x31, 0x32, 0x33, 0x34, 0x41, 0x42, 0x43, 0x44,                  /* op, object */
        0x51, 0x52, 0x53, 0x54, 0x00, 0x01, 0x00, 0x00,                  /* hash, msglen */
        0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x1F, 0xC0,                  /* index, fsize */
        0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x1F, 0xC0,                  /* burst, paylen */
    };
    assert_memory_equal(b, want, 64);
    /* flags 0x001F: protocol 3 (RRA) in bits 0-1, semantics 3 in bits 2-3, RETRY bit 4 */
    assert_int_equal(mwi_rr_hdr_proto(&h), MW_RR_RRA);
    assert_int_equal(mwi_rr_hdr_sem(&h), MW_RR_AT_MOST_ONCE);
}

/* A valid message of type t with payload n (unfragmented). */
static size_t make(uint8_t *buf, uint8_t type, size_t n)
{
    mwi_rr_hdr h = {.type = type, .flags = mwi_rr_flags(MW_RR_RR, MW_RR_AT_MOST_ONCE),
                    .inc = 1, .id = 2};
    if (type == MWI_RR_REQUEST || type == MWI_RR_REPLY)
        h.msglen = (uint32_t)n;
    h.paylen = (uint32_t)n;
    mwi_rr_hdr_encode(buf, &h);
    memset(buf + 64, 0xAB, n);
    return 64 + n;
}

static int decode(const uint8_t *b, size_t n)
{
    mwi_rr_hdr h;
    const uint8_t *p;
    return mwi_rr_decode(b, n, &h, &p);
}

static void decoder_refusals(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = make(b, MWI_RR_REQUEST, 10);
    assert_int_equal(decode(b, n), 0);
    /* every truncation, and one byte too many */
    for (size_t k = 0; k < n; k++)
        assert_int_equal(decode(b, k), MW_EPROTO);
    assert_int_equal(decode(b, n + 1), MW_EPROTO);
    /* magic, version, header length, type */
    b[0] ^= 1;
    assert_int_equal(decode(b, n), MW_EPROTO);
    b[0] ^= 1;
    b[2] = 2;
    assert_int_equal(decode(b, n), MW_EPROTO);
    b[2] = 1;
    mw_store_u16be(b + 6, 63);
    assert_int_equal(decode(b, n), MW_EPROTO);
    mw_store_u16be(b + 6, 80); /* beyond the data once the payload is counted */
    assert_int_equal(decode(b, n), MW_EPROTO);
    mw_store_u16be(b + 6, 64);
    for (int t = 0; t < 256; t++) {
        b[3] = (uint8_t)t;
        int rc = decode(b, n);
        if (t == MWI_RR_REQUEST || t == MWI_RR_REPLY || t == MWI_RR_STATUS)
            assert_int_equal(rc, 0);
        else
            assert_int_equal(rc, MW_EPROTO); /* ACK and GONE carry no payload */
    }
    b[3] = MWI_RR_REQUEST;
    /* protocol or semantics 0 */
    mw_store_u16be(b + 4, mwi_rr_flags(0, MW_RR_MAYBE));
    assert_int_equal(decode(b, n), MW_EPROTO);
    mw_store_u16be(b + 4, mwi_rr_flags(MW_RR_R, 0));
    assert_int_equal(decode(b, n), MW_EPROTO);
    mw_store_u16be(b + 4, mwi_rr_flags(MW_RR_R, MW_RR_MAYBE) | 0xFF80); /* unknown flags: ignored */
    assert_int_equal(decode(b, n), 0);
    /* unfragmented: index 0 and payload == message */
    mw_store_u32be(b + 48, 1);
    assert_int_equal(decode(b, n), MW_EPROTO);
    mw_store_u32be(b + 48, 0);
    mw_store_u32be(b + 44, 11);
    assert_int_equal(decode(b, n), MW_EPROTO);
    /* fragmented: 25 bytes in fragments of 10: 10, 10, 5 */
    mw_store_u32be(b + 44, 25);
    mw_store_u32be(b + 52, 10);
    for (uint32_t i = 0; i < 4; i++) {
        mw_store_u32be(b + 48, i);
        assert_int_equal(decode(b, n), i < 2 ? 0 : MW_EPROTO);
    }
    n = make(b, MWI_RR_REQUEST, 5);
    mw_store_u32be(b + 44, 25);
    mw_store_u32be(b + 52, 10);
    mw_store_u32be(b + 48, 2);
    assert_int_equal(decode(b, n), 0);
    mw_store_u32be(b + 44, 10); /* a message no larger than a fragment is not fragmented */
    mw_store_u32be(b + 48, 0);
    assert_int_equal(decode(b, n), MW_EPROTO);
    /* an error reply carries no payload */
    n = make(b, MWI_RR_REPLY, 3);
    mw_store_u32be(b + 32, (uint32_t)MW_EPERM);
    assert_int_equal(decode(b, n), MW_EPROTO);
    n = make(b, MWI_RR_REPLY, 0);
    mw_store_u32be(b + 32, (uint32_t)MW_EPERM);
    assert_int_equal(decode(b, n), 0);
    /* ACK and GONE without payload are fine */
    n = make(b, MWI_RR_ACK, 0);
    assert_int_equal(decode(b, n), 0);
    n = make(b, MWI_RR_GONE, 0);
    assert_int_equal(decode(b, n), 0);
    /* a longer header (a later version's extension) is skipped */
    n = make(b, MWI_RR_REQUEST, 4);
    memmove(b + 72, b + 64, 4);
    mw_store_u16be(b + 6, 72);
    assert_int_equal(decode(b, 76), 0);
}

static void tcp_framing(void **state)
{
    (void)state;
    uint8_t b[200];
    size_t n = make(b, MWI_RR_REQUEST, 100), len = 0;
    for (size_t k = 0; k < 64; k++)
        assert_int_equal(mwi_rr_frame_len(b, k, 1000, &len), MW_EAGAIN);
    assert_int_equal(mwi_rr_frame_len(b, 64, 1000, &len), 0);
    assert_int_equal(len, n);
    assert_int_equal(mwi_rr_frame_len(b, 64, 99, &len), MW_EMSGSIZE);
    /* a length near 4 GiB is refused before anyone reserves for it */
    mw_store_u32be(b + 60, 0xFFFFFFFFu);
    assert_int_equal(mwi_rr_frame_len(b, 64, 16u << 20, &len), MW_EMSGSIZE);
    b[1] = 0;
    assert_int_equal(mwi_rr_frame_len(b, 64, 1000, &len), MW_EPROTO);
}

/* ---- fragments -------------------------------------------------------------------- */

static void bursts_and_statuses(void **state)
{
    (void)state;
    mwi_fragout o = {0};
    uint32_t idx[4];
    assert_int_equal(mwi_fragout_init(&o, 95, 10, 4), 0); /* 10 fragments */
    assert_int_equal(o.nfrag, 10);
    assert_int_equal(mwi_frag_len(95, 10, 9), 5);
    assert_int_equal(mwi_fragout_burst(&o, idx), 4);
    assert_int_equal(o.burst, 1);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[3], 3);
    /* The receiver has 0, 1 and 3: below 2 everything, then bits for 2.. (2 missing, 3 here) */
    uint8_t bm[1] = {0x40};
    assert_true(mwi_fragout_status(&o, 2, bm, 1, 1));
    assert_int_equal(o.confirmed, 3);
    assert_int_equal(o.low, 2);
    assert_int_equal(mwi_fragout_burst(&o, idx), 4);
    assert_int_equal(idx[0], 2);
    assert_int_equal(idx[1], 4);
    assert_int_equal(idx[3], 6);
    /* A stale status (burst 1) only adds. */
    uint8_t none[1] = {0};
    assert_false(mwi_fragout_status(&o, 0, none, 1, 1));
    assert_int_equal(o.confirmed, 3);
    /* The current burst's report is the whole truth: a receiver that lost its state
     * (restarted) makes everything unconfirmed again. */
    assert_true(mwi_fragout_status(&o, 0, none, 1, 2));
    assert_int_equal(o.confirmed, 0);
    /* Everything here: done, no next burst. */
    assert_false(mwi_fragout_status(&o, 10, NULL, 0, 2));
    assert_true(mwi_fragout_done(&o));
    assert_int_equal(mwi_fragout_burst(&o, idx), 0);
    mwi_fragout_free(&o);
}

static void reassembly(void **state)
{
    (void)state;
    mwi_reasm r;
    assert_int_equal(mwi_reasm_init(&r, 25, 10), 0);
    uint8_t pay[10];
    mwi_rr_hdr h = {.msglen = 25, .frag_size = 10};
    uint8_t bm[8];
    uint32_t base;
    /* Arrivals 2, 0, 0 (duplicate). */
    memset(pay, 'c', 5);
    h.frag_index = 2;
    h.paylen = 5;
    assert_int_equal(mwi_reasm_add(&r, &h, pay), 1);
    size_t n = mwi_reasm_status(&r, bm, sizeof bm, &base);
    assert_int_equal(base, 0);
    assert_int_equal(n, 1);
    assert_int_equal(bm[0], 0x20); /* fragment 2 */
    memset(pay, 'a', 10);
    h.frag_index = 0;
    h.paylen = 10;
    assert_int_equal(mwi_reasm_add(&r, &h, pay), 1);
    assert_int_equal(mwi_reasm_add(&r, &h, pay), 0);
    n = mwi_reasm_status(&r, bm, sizeof bm, &base);
    assert_int_equal(base, 1);
    assert_int_equal(bm[0], 0x40); /* relative to 1: fragment 2 */
    /* A fragment of another message shape is refused. */
    mwi_rr_hdr other = {.msglen = 26, .frag_size = 10, .frag_index = 1, .paylen = 10};
    assert_int_equal(mwi_reasm_add(&r, &other, pay), MW_EPROTO);
    memset(pay, 'b', 10);
    h.frag_index = 1;
    assert_int_equal(mwi_reasm_add(&r, &h, pay), 1);
    assert_true(mwi_reasm_complete(&r));
    assert_memory_equal(r.buf, "aaaaaaaaaabbbbbbbbbbccccc", 25);
    n = mwi_reasm_status(&r, bm, sizeof bm, &base);
    assert_int_equal(base, 3);
    assert_int_equal(n, 0);
    mwi_reasm_free(&r);
}

/* ---- the history ------------------------------------------------------------------ */

static void history_bounds(void **state)
{
    (void)state;
    mwi_hist h;
    mwi_hist_cfg cfg = {.max_entries = 4, .max_bytes = 100, .max_reasm = 1000, .ttl_ns = 1000};
    assert_int_equal(mwi_hist_init(&h, &cfg), 0);
    mw_addr a;
    mw_addr_parse(&a, "10.1.2.3:4000", -1);
    assert_null(mwi_hist_client(&h, &a, 7, false, 0));
    mwi_hclient *cl = mwi_hist_client(&h, &a, 7, true, 0);
    assert_non_null(cl);
    assert_ptr_equal(mwi_hist_client(&h, &a, 7, false, 1), cl);
    assert_null(mwi_hist_client(&h, &a, 8, false, 1)); /* another incarnation */
    /* Four done entries of 40 bytes: the byte bound empties the oldest replies. */
    for (uint64_t id = 1; id <= 4; id++) {
        mwi_hentry *e = mwi_hist_add(&h, cl, id, MWI_H_EXECUTING, 0, 0, id);
        assert_non_null(e);
        assert_true(mwi_hist_make_room(&h, 40));
        mw_buf_append(&e->reply, "0123456789012345678901234567890123456789", 40);
        mwi_hist_done(&h, e, 0, id);
        assert_true(h.reply_bytes <= 100);
    }
    assert_int_equal(h.nentries, 4);
    assert_int_equal(mwi_hist_find(&h, cl, 1)->state, MWI_H_GONE);
    assert_int_equal(mwi_hist_find(&h, cl, 1)->status, MW_ELIMIT);
    assert_int_equal(mwi_hist_find(&h, cl, 4)->state, MWI_H_DONE);
    assert_false(mwi_hist_make_room(&h, 101)); /* over the bound by itself */
    /* A fifth entry evicts the oldest (a gone one first). */
    assert_non_null(mwi_hist_add(&h, cl, 5, MWI_H_EXECUTING, 0, 0, 5));
    assert_int_equal(h.nentries, 4);
    assert_null(mwi_hist_find(&h, cl, 1));
    /* Executing entries are never evicted: with all four executing, a new one is refused. */
    mwi_hist_ack(&h, cl, 5); /* ids below 5 completed */
    assert_int_equal(h.nentries, 1);
    for (uint64_t id = 6; id <= 8; id++)
        assert_non_null(mwi_hist_add(&h, cl, id, MWI_H_EXECUTING, 0, 0, id));
    assert_null(mwi_hist_add(&h, cl, 9, MWI_H_EXECUTING, 0, 0, 9));
    /* The reassembly budget. */
    mwi_hist_ack(&h, cl, 100);
    assert_null(mwi_hist_add(&h, cl, 101, MWI_H_RECEIVING, 2000, 100, 10));
    mwi_hentry *e = mwi_hist_add(&h, cl, 102, MWI_H_RECEIVING, 900, 100, 10);
    assert_non_null(e);
    assert_true(h.reasm_bytes > 900);
    assert_null(mwi_hist_add(&h, cl, 103, MWI_H_RECEIVING, 900, 100, 10));
    /* TTL: the client was last heard from at 1, the partial request at 10. */
    uint64_t next = mwi_hist_expire(&h, 500);
    assert_int_equal(next, 1001);
    /* At 1001 the client still has an entry: it counts as heard from now. */
    next = mwi_hist_expire(&h, 1001);
    assert_int_equal(h.nclients, 1);
    assert_int_equal(next, 1010);
    mwi_hist_expire(&h, 1010);
    assert_int_equal(h.nentries, 0);
    assert_int_equal(h.reasm_bytes, 0);
    assert_int_equal(h.nclients, 1);
    mwi_hist_expire(&h, 2001);
    assert_int_equal(h.nclients, 0);
    assert_int_equal(h.reply_bytes, 0);
    mwi_hist_fini(&h);
}

static void history_many_clients(void **state)
{
    (void)state;
    mwi_hist h;
    mwi_hist_cfg cfg = {.max_entries = 100000, .max_bytes = 1u << 30, .max_reasm = 0,
                        .ttl_ns = 1000};
    assert_int_equal(mwi_hist_init(&h, &cfg), 0);
    /* Thousands of clients and entries: tables grow, lookups stay right. */
    for (int i = 0; i < 3000; i++) {
        mw_addr a;
        mw_addr_loopback(&a, MW_AF_INET4, (uint16_t)(1000 + i));
        mwi_hclient *cl = mwi_hist_client(&h, &a, (uint64_t)i * 77, true, 0);
        assert_non_null(cl);
        for (uint64_t id = 1; id <= 5; id++)
            assert_non_null(mwi_hist_add(&h, cl, id, MWI_H_EXECUTING, 0, 0, 0));
    }
    for (int i = 0; i < 3000; i += 7) {
        mw_addr a;
        mw_addr_loopback(&a, MW_AF_INET4, (uint16_t)(1000 + i));
        mwi_hclient *cl = mwi_hist_client(&h, &a, (uint64_t)i * 77, false, 0);
        assert_non_null(cl);
        assert_int_equal(cl->nentries, 5);
        assert_non_null(mwi_hist_find(&h, cl, 3));
        assert_null(mwi_hist_find(&h, cl, 6));
    }
    assert_int_equal(h.nentries, 15000);
    mwi_hist_fini(&h);
}

/* ---- hostile input to both machines ----------------------------------------------- */

static int sent;
static int null_send(void *ctx, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)d;
    (void)n;
    sent++;
    return 0;
}
static int null_send_to(void *ctx, const mw_addr *to, const uint8_t *d, size_t n)
{
    (void)to;
    return null_send(ctx, d, n);
}
static void null_done(void *ctx, uint64_t id, void *user, int status, const uint8_t *r, size_t n)
{
    (void)ctx, (void)id, (void)user, (void)status, (void)r, (void)n;
}
static mwi_rrs *hostile_server;
static void echo_exec(void *ctx, const mwi_rrs_job *job, const uint8_t *args, size_t n)
{
    (void)ctx;
    mwi_rrs_reply(hostile_server, job, 0, args, n, 0);
}

static void hostile_input(void **state)
{
    (void)state;
    mwi_rrs s;
    mwi_rrs_cfg scfg = {.max_datagram = 1024, .max_message = 1u << 20, .window = 4,
                        .hist = {.max_entries = 256, .max_bytes = 1u << 20,
                                 .max_reasm = 4u << 20, .ttl_ns = 1000000}};
    mwi_rrs_io sio = {.send = null_send_to, .execute = echo_exec};
    assert_int_equal(mwi_rrs_init(&s, &scfg, &sio), 0);
    hostile_server = &s;
    mwi_rrc c;
    mwi_rrc_cfg ccfg = {.inc = 5, .max_datagram = 1024, .max_message = 1u << 20, .window = 4};
    mwi_rrc_io cio = {.send = null_send, .done = null_done};
    assert_int_equal(mwi_rrc_init(&c, &ccfg, &cio), 0);
    mwi_rrc_spec sp = {.op = 1, .proto = MW_RR_RR, .sem = MW_RR_AT_MOST_ONCE,
                       .interval_ns = 1000, .attempts = 3};
    for (int i = 0; i < 8; i++)
        assert_int_equal(mwi_rrc_start(&c, &sp, "x", 1, 0, NULL, NULL), 0);
    mw_addr from;
    mw_addr_parse(&from, "10.9.9.9:9", -1);
    mw_rng rng;
    mw_rng_seed(&rng, 7);
    uint8_t d[1100];
    /* Random datagrams, and valid headers with random fields: nothing may crash, leak,
     * read out of bounds (ASan) or allocate beyond the budgets. */
    for (int round = 0; round < 60000; round++) {
        size_t n = (size_t)mw_rng_below(&rng, sizeof d + 1);
        for (size_t k = 0; k < n; k++)
            d[k] = (uint8_t)mw_rng_next(&rng);
        if (n >= 64 && (round & 1)) {
            mwi_rr_hdr h = {.type = (uint8_t)(1 + mw_rng_below(&rng, 5)),
                            .flags = (uint16_t)mw_rng_next(&rng),
                            .inc = mw_rng_below(&rng, 2) ? 5 : mw_rng_next(&rng),
                            .id = 1 + mw_rng_below(&rng, 12),
                            .ack_below = mw_rng_below(&rng, 4),
                            .op = (uint32_t)mw_rng_next(&rng),
                            .msglen = (uint32_t)(mw_rng_below(&rng, 2) ? n - 64 : mw_rng_next(&rng) % (3u << 20)),
                            .frag_index = (uint32_t)mw_rng_below(&rng, 5000),
                            .frag_size = (uint32_t)(mw_rng_below(&rng, 2) ? 0 : 960),
                            .burst = (uint32_t)mw_rng_below(&rng, 3),
                            .paylen = (uint32_t)(n - 64)};
            mwi_rr_hdr_encode(d, &h);
        }
        mwi_rrs_input(&s, &from, &from, d, n, (uint64_t)round);
        mwi_rrc_input(&c, d, n, (uint64_t)round);
        if (round % 1000 == 0) {
            mwi_rrs_timer(&s, (uint64_t)round);
            mwi_rrc_timer(&c, (uint64_t)round);
        }
        assert_true(s.hist.reasm_bytes <= scfg.hist.max_reasm);
        assert_true(s.hist.nentries <= scfg.hist.max_entries);
    }
    assert_true(MWI_STAT_GET(s.stats.malformed) > 1000);
    mwi_rrc_cancel_all(&c, MW_ECANCELED);
    mwi_rrc_fini(&c);
    mwi_rrs_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_golden_bytes),
        cmocka_unit_test(decoder_refusals),
        cmocka_unit_test(tcp_framing),
        cmocka_unit_test(bursts_and_statuses),
        cmocka_unit_test(reassembly),
        cmocka_unit_test(history_bounds),
        cmocka_unit_test(history_many_clients),
        cmocka_unit_test(hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

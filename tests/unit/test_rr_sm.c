/*
 * test_rr_sm.c - the request-reply state machines, deterministically, over a simulated
 * network and clock (rr_sim.h): invocation semantics under loss, duplication and
 * reordering; fragmentation; the history's bounds; acknowledgements; restarts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rr_sim.h"

#define MS 1000000ull
#define SEC 1000000000ull

static mwi_rrc_cfg client_cfg(uint32_t max_datagram)
{
    return (mwi_rrc_cfg){.max_datagram = max_datagram, .max_message = 16u << 20, .window = 16};
}

static mwi_rrs_cfg server_cfg(uint32_t max_datagram)
{
    return (mwi_rrs_cfg){.max_datagram = max_datagram,
                         .max_message = 16u << 20,
                         .window = 16,
                         .hist = {.max_entries = 4096,
                                  .max_bytes = 64u << 20,
                                  .max_reasm = 64u << 20,
                                  .ttl_ns = 60 * SEC}};
}

static mwi_rrc_spec spec(int proto, int sem, uint32_t attempts)
{
    return (mwi_rrc_spec){.op = OP_INCREMENT, .proto = (uint8_t)proto, .sem = (uint8_t)sem,
                          .interval_ns = 5 * MS, .attempts = attempts};
}

/* The faults of the issue: 30% loss, 10% duplication, and reordering. Some handlers run
 * long, so duplicates arrive while the original is executing. */
static void hostile(sim *s)
{
    s->drop = 0.30;
    s->dup = 0.10;
    s->reorder = 0.30;
    s->slow = 0.05;
}

static int count_status(const sim *s, int total, int status)
{
    int n = 0;
    for (int i = 0; i < total; i++)
        n += s->results[i].status == status;
    return n;
}

/* ---- invocation semantics under faults --------------------------------------------- */

static void at_most_once_increment(void **state)
{
    (void)state;
    enum { CALLS = 10000 };
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 42, 4, &cc, &sc);
    hostile(&s);
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RR, MW_RR_AT_MOST_ONCE, 60);
    sim_run(&s, CALLS, 2, 3600 * SEC);
    /* Every call returned, with success, and the operation ran exactly once per call. */
    assert_int_equal(count_status(&s, CALLS, 0), CALLS);
    assert_int_equal(s.counter, CALLS);
    assert_int_equal(s.executions, CALLS);
    /* Each call saw its own execution: the values are 1..CALLS, each once. */
    uint8_t *seen = calloc(CALLS + 1, 1);
    for (int i = 0; i < CALLS; i++) {
        uint64_t v = s.results[i].value;
        assert_true(v >= 1 && v <= CALLS);
        assert_int_equal(seen[v], 0);
        seen[v] = 1;
    }
    free(seen);
    /* The faults really happened and the machinery really worked. */
    assert_true(MWI_STAT_GET(s.server.stats.duplicates) > 100);
    /* Every complete request was executed (once per call) or filtered as a duplicate. */
    assert_int_equal(MWI_STAT_GET(s.server.stats.requests),
                     CALLS + MWI_STAT_GET(s.server.stats.duplicates));
    assert_true(MWI_STAT_GET(s.server.stats.retransmissions) > 1000);
    assert_true(MWI_STAT_GET(s.server.stats.replies_resent) > 100);
    /* RR's implicit acknowledgement keeps the history near the calls outstanding. */
    assert_true(s.max_entries_seen <= 64);
    sim_fini(&s);
}

static void overloaded_server_drops_and_recovers(void **state)
{
    (void)state;
    /* A server that drops a third of the requests it gets, unexecuted (its queue full):
     * at-most-once still holds and every call still completes. */
    enum { CALLS = 3000 };
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 49, 2, &cc, &sc);
    hostile(&s);
    s.abandon = 0.33;
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RR, MW_RR_AT_MOST_ONCE, 80);
    sim_run(&s, CALLS, 2, 3600 * SEC);
    assert_int_equal(count_status(&s, CALLS, 0), CALLS);
    assert_int_equal(s.counter, CALLS);
    assert_true(MWI_STAT_GET(s.server.stats.dropped) > CALLS / 10);
    sim_fini(&s);
}

static void at_least_once_increment(void **state)
{
    (void)state;
    enum { CALLS = 10000 };
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 43, 4, &cc, &sc);
    hostile(&s);
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RR, MW_RR_AT_LEAST_ONCE, 60);
    sim_run(&s, CALLS, 2, 3600 * SEC);
    assert_int_equal(count_status(&s, CALLS, 0), CALLS);
    assert_true(s.counter >= CALLS);
    assert_true(s.counter > CALLS); /* with these faults, some calls ran twice */
    assert_int_equal(MWI_STAT_GET(s.server.stats.duplicates), 0);
    assert_int_equal(s.server.hist.nentries, 0); /* nothing kept for small replies */
    sim_fini(&s);
}

static void maybe_increment(void **state)
{
    (void)state;
    enum { CALLS = 10000 };
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 44, 4, &cc, &sc);
    hostile(&s);
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RR, MW_RR_MAYBE, 60);
    sim_run(&s, CALLS, 2, 3600 * SEC);
    int ok = count_status(&s, CALLS, 0), timeouts = count_status(&s, CALLS, MW_ETIMEDOUT);
    /* The caller sees the failures: every call either returned or timed out. */
    assert_int_equal(ok + timeouts, CALLS);
    assert_true(timeouts > CALLS / 4);
    assert_true(ok > CALLS / 4);
    assert_true(s.counter >= (uint64_t)ok);
    assert_int_equal(MWI_STAT_GET(s.server.stats.retransmissions), 0);
    sim_fini(&s);
}

static void rra_acks_empty_the_history(void **state)
{
    (void)state;
    enum { CALLS = 2000 };
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 45, 2, &cc, &sc);
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RRA, MW_RR_AT_MOST_ONCE, 10);
    sim_run(&s, CALLS, 4, 600 * SEC);
    assert_int_equal(count_status(&s, CALLS, 0), CALLS);
    assert_int_equal(s.counter, CALLS);
    /* Without loss every ACK arrives: no reply is kept at the end, only the markers of
     * the last calls, which no later request acknowledged implicitly. */
    assert_int_equal(s.server.hist.reply_bytes, 0);
    assert_true(s.server.hist.nentries <= 8);
    assert_int_equal(MWI_STAT_GET(s.server.stats.acks), CALLS);
    sim_fini(&s);
}

static void rra_under_faults(void **state)
{
    (void)state;
    enum { CALLS = 3000 };
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 46, 2, &cc, &sc);
    hostile(&s);
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RRA, MW_RR_AT_MOST_ONCE, 60);
    sim_run(&s, CALLS, 4, 3600 * SEC);
    assert_int_equal(count_status(&s, CALLS, 0), CALLS);
    assert_int_equal(s.counter, CALLS);
    sim_fini(&s);
}

static void r_protocol(void **state)
{
    (void)state;
    enum { CALLS = 2000 };
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 47, 1, &cc, &sc);
    s.drop = 0.3;
    s.dup = 0.3;
    s.reorder = 0.3;
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_R, MW_RR_AT_MOST_ONCE, 5);
    sim_run(&s, CALLS, 4, 600 * SEC);
    /* Every call completes at once; nothing is retransmitted; duplicates are filtered. */
    assert_int_equal(count_status(&s, CALLS, 0), CALLS);
    assert_true(s.counter <= CALLS);
    assert_true(s.counter > CALLS / 2);
    assert_int_equal(s.server_sent, 0);
    assert_true(MWI_STAT_GET(s.server.stats.duplicates) > 0);
    sim_fini(&s);
}

/* ---- executing duplicates: no second execution, one reply ------------------------- */

static void duplicate_while_executing(void **state)
{
    (void)state;
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 48, 1, &cc, &sc);
    s.slow = 1.0;         /* every handler takes 50 ms ... */
    s.slow_ns = 50 * MS;  /* ... ten retransmission intervals */
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RR, MW_RR_AT_MOST_ONCE, 30);
    sim_run(&s, 1, 1, 10 * SEC);
    assert_int_equal(s.results[0].status, 0);
    assert_int_equal(s.counter, 1);
    assert_int_equal(s.executions, 1);
    assert_true(MWI_STAT_GET(s.server.stats.duplicates) >= 9);
    /* The ten duplicates that came while it ran got no answer: the reply went out once,
     * when ready. (A retransmission still in flight at that moment is answered from
     * the history: that is the only other datagram the server sent.) */
    uint64_t resent = MWI_STAT_GET(s.server.stats.replies_resent);
    assert_true(resent <= 1);
    assert_int_equal(s.server_sent, 1 + resent);
    sim_fini(&s);
}

/* ---- fragmentation ----------------------------------------------------------------- */

static void echo_fragmented(int sem, double drop, size_t size, uint32_t dgram, uint64_t seed)
{
    sim s;
    mwi_rrc_cfg cc = client_cfg(dgram);
    mwi_rrs_cfg sc = server_cfg(dgram);
    sim_init(&s, seed, 2, &cc, &sc);
    s.drop = drop;
    s.dup = drop > 0 ? 0.1 : 0;
    s.reorder = drop > 0 ? 0.3 : 0;
    s.op = OP_ECHO;
    s.arg_len = size;
    s.arg = malloc(size);
    for (size_t i = 0; i < size; i++)
        s.arg[i] = (uint8_t)(i * 131 + (i >> 8));
    s.spec = spec(MW_RR_RR, sem, 40);
    s.spec.op = OP_ECHO;
    sim_run(&s, 20, 2, 3600 * SEC);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(s.results[i].status, 0);
        assert_true(s.results[i].echo_ok);
    }
    if (sem == MW_RR_AT_MOST_ONCE)
        assert_int_equal(s.executions, 20);
    free(s.arg);
    sim_fini(&s);
}

static void fragments_without_loss(void **state)
{
    (void)state;
    echo_fragmented(MW_RR_AT_MOST_ONCE, 0, 100000, 1024, 50);
    echo_fragmented(MW_RR_AT_MOST_ONCE, 0, 1024 - 64 + 1, 1024, 51); /* one byte over */
    echo_fragmented(MW_RR_AT_MOST_ONCE, 0, 1024 - 64, 1024, 52);     /* exactly one */
}

static void fragments_under_faults(void **state)
{
    (void)state;
    echo_fragmented(MW_RR_AT_MOST_ONCE, 0.3, 200000, 1024, 53);
    echo_fragmented(MW_RR_AT_LEAST_ONCE, 0.3, 200000, 1024, 54);
    echo_fragmented(MW_RR_AT_MOST_ONCE, 0.3, 1u << 20, 8192, 55);
}

static void large_message_to_the_limit(void **state)
{
    (void)state;
    /* 16 MiB is the default maximum: it goes through in 8 KiB datagrams. */
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 56, 1, &cc, &sc);
    s.op = OP_ECHO;
    s.arg_len = 16u << 20;
    s.arg = malloc(s.arg_len);
    for (size_t i = 0; i < s.arg_len; i++)
        s.arg[i] = (uint8_t)(i ^ (i >> 9));
    s.spec = spec(MW_RR_RRA, MW_RR_AT_MOST_ONCE, 10);
    s.spec.op = OP_ECHO;
    sim_run(&s, 1, 1, 3600 * SEC);
    assert_int_equal(s.results[0].status, 0);
    assert_true(s.results[0].echo_ok);
    /* RRA's ack freed the 16 MiB reply. */
    assert_int_equal(s.server.hist.reply_bytes, 0);
    free(s.arg);
    sim_fini(&s);
}

static void oversize_both_ways(void **state)
{
    (void)state;
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sc.max_message = 50000; /* the server accepts less than the client sends */
    sim_init(&s, 57, 1, &cc, &sc);
    s.op = OP_ECHO;
    s.arg_len = 60000;
    s.arg = calloc(1, s.arg_len);
    s.spec = spec(MW_RR_RR, MW_RR_AT_MOST_ONCE, 5);
    s.spec.op = OP_ECHO;
    sim_run(&s, 1, 1, 60 * SEC);
    assert_int_equal(s.results[0].status, MW_EMSGSIZE);
    assert_int_equal(s.executions, 0);
    /* The client refuses to send past its own limit, before any I/O. */
    uint64_t id;
    uint8_t big[100];
    s.clients[0].cfg.max_message = 99;
    assert_int_equal(mwi_rrc_start(&s.clients[0], &s.spec, big, 100, s.now, NULL, &id),
                     MW_EMSGSIZE);
    free(s.arg);
    sim_fini(&s);

    /* A reply over the client's limit. */
    cc.max_message = 1000;
    sc = server_cfg(8192);
    sim_init(&s, 58, 1, &cc, &sc);
    s.op = OP_BIG;
    s.big_reply = 1001;
    s.spec = spec(MW_RR_RR, MW_RR_AT_MOST_ONCE, 5);
    s.spec.op = OP_BIG;
    sim_run(&s, 1, 1, 60 * SEC);
    assert_int_equal(s.results[0].status, MW_EMSGSIZE);
    /* The server's own limit applies to what its handlers return. */
    s.big_reply = (16u << 20) + 1;
    s.clients[0].cfg.max_message = 32u << 20;
    sim_run(&s, 1, 1, 60 * SEC);
    assert_int_equal(s.results[0].status, MW_EMSGSIZE);
    sim_fini(&s);
}

/* ---- the history's bounds ---------------------------------------------------------- */

static void history_bounds_and_ttl(void **state)
{
    (void)state;
    /* Sixteen clients, four calls outstanding each: 64 entries wanted, 50 allowed, and
     * room for about 25 replies. */
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sc.hist.max_entries = 50;
    sc.hist.max_bytes = 50 * (64 + 1000) / 2; /* room for about 25 echo replies */
    sc.hist.ttl_ns = 2 * SEC;
    sim_init(&s, 59, 16, &cc, &sc);
    s.op = OP_ECHO;
    s.arg_len = 1000;
    s.arg = calloc(1, s.arg_len);
    s.spec = spec(MW_RR_RR, MW_RR_AT_MOST_ONCE, 10);
    s.spec.op = OP_ECHO;
    sim_run(&s, 4000, 4, 3600 * SEC);
    assert_int_equal(count_status(&s, 4000, 0), 4000);
    assert_true(s.max_entries_seen <= 50);
    assert_true(s.max_bytes_seen <= sc.hist.max_bytes);
    /* The last calls of each client are never acknowledged (no later request carries
     * the implicit ack); after the TTL the history and the client table are empty. */
    assert_true(s.server.hist.nentries > 0);
    s.now += 3 * SEC;
    mwi_rrs_timer(&s.server, s.now);
    assert_int_equal(s.server.hist.nentries, 0);
    s.now += 3 * SEC;
    mwi_rrs_timer(&s.server, s.now);
    assert_int_equal(s.server.hist.nclients, 0);
    assert_int_equal(s.server.hist.reply_bytes, 0);
    assert_int_equal(s.server.hist.reasm_bytes, 0);
    free(s.arg);
    sim_fini(&s);
}

static void evicted_reply_is_gone_not_reexecuted(void **state)
{
    (void)state;
    /* A reply dropped from the history for the byte bound: a retransmission gets GONE
     * (MW_ELIMIT), never a second execution. */
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sc.hist.max_bytes = 64 + 8; /* one increment reply */
    sim_init(&s, 60, 2, &cc, &sc);
    s.drop = 0.5; /* replies get lost, so clients retransmit after eviction */
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RR, MW_RR_AT_MOST_ONCE, 40);
    sim_run(&s, 400, 4, 3600 * SEC);
    int ok = count_status(&s, 400, 0), gone = count_status(&s, 400, MW_ELIMIT);
    assert_int_equal(ok + gone, 400);
    assert_true(gone > 0);
    assert_int_equal(s.counter, s.executions);
    assert_true(s.executions <= 400);
    sim_fini(&s);
}

/* ---- restarts ---------------------------------------------------------------------- */

static void restart_once(int sem, size_t size, uint64_t at, uint64_t seed)
{
    sim s;
    mwi_rrc_cfg cc = client_cfg(1024);
    mwi_rrs_cfg sc = server_cfg(1024);
    sim_init(&s, seed, 1, &cc, &sc);
    s.op = OP_ECHO;
    s.arg_len = size;
    s.arg = calloc(1, s.arg_len);
    s.spec = spec(MW_RR_RR, sem, 8);
    s.spec.op = OP_ECHO;
    s.restart_at = s.now + at;
    s.slow = 0.5;
    sim_run(&s, 10, 2, 600 * SEC);
    /* Every call completed: with its reply, or with an error. None hangs. */
    for (int i = 0; i < 10; i++) {
        int st = s.results[i].status;
        assert_true(st == 0 || st == MW_ENOENT || st == MW_ETIMEDOUT);
        if (st == 0)
            assert_true(s.results[i].echo_ok);
    }
    free(s.arg);
    sim_fini(&s);
}

static void server_restart_mid_run(void **state)
{
    (void)state;
    for (uint64_t at = 0; at < 20; at++) {
        restart_once(MW_RR_AT_MOST_ONCE, 50000, at * MS / 2, 100 + at);
        restart_once(MW_RR_AT_LEAST_ONCE, 50000, at * MS / 2, 200 + at);
        restart_once(MW_RR_AT_MOST_ONCE, 100, at * MS / 2, 300 + at);
    }
}

static void restarted_client_never_collides(void **state)
{
    (void)state;
    /* Two incarnations of one client (same address and port) both start at request id 1:
     * the second is executed, not answered from the first one's history. */
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sim_init(&s, 62, 1, &cc, &sc);
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RR, MW_RR_AT_MOST_ONCE, 5);
    sim_run(&s, 3, 1, 60 * SEC);
    assert_int_equal(s.counter, 3);
    /* Restart: a new machine on the same address with a new incarnation. */
    mwi_rrc_io io = s.clients[0].io;
    mwi_rrc_fini(&s.clients[0]);
    cc.inc = 0x1234567890abcdefull;
    assert_int_equal(mwi_rrc_init(&s.clients[0], &cc, &io), 0);
    sim_run(&s, 3, 1, 60 * SEC);
    assert_int_equal(s.counter, 6);
    for (int i = 0; i < 3; i++)
        assert_int_equal(s.results[i].value, 4 + (uint64_t)i);
    sim_fini(&s);
}

/* ---- a soak: history and memory flat over 100,000 calls --------------------------- */

static void soak_memory_flat(void **state)
{
    (void)state;
    sim s;
    mwi_rrc_cfg cc = client_cfg(8192);
    mwi_rrs_cfg sc = server_cfg(8192);
    sc.hist.max_entries = 1000;
    sim_init(&s, 63, 8, &cc, &sc);
    s.drop = 0.05;
    s.dup = 0.05;
    s.reorder = 0.1;
    s.op = OP_INCREMENT;
    s.spec = spec(MW_RR_RR, MW_RR_AT_MOST_ONCE, 30);
    size_t mem_warm = 0;
    for (int round = 0; round < 5; round++) {
        sim_run(&s, 20000, 4, 36000 * SEC);
        assert_int_equal(count_status(&s, 20000, 0), 20000);
        if (round == 1)
            mem_warm = mwi_hist_memory(&s.server.hist);
    }
    assert_int_equal(s.counter, 100000);
    assert_true(s.max_entries_seen <= 1000);
    /* Memory follows the high-water mark of live entries (recycled, never returned),
     * which the bound caps: after warm-up it barely moves, and it stays far below what
     * a thousand entries could hold. */
    size_t mem_end = mwi_hist_memory(&s.server.hist);
    assert_true(mem_end <= mem_warm + mem_warm / 4);
    assert_true(mem_end < 1000 * (sizeof(mwi_hentry) + 256) + (64u << 10));
    sim_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(at_most_once_increment),
        cmocka_unit_test(overloaded_server_drops_and_recovers),
        cmocka_unit_test(at_least_once_increment),
        cmocka_unit_test(maybe_increment),
        cmocka_unit_test(rra_acks_empty_the_history),
        cmocka_unit_test(rra_under_faults),
        cmocka_unit_test(r_protocol),
        cmocka_unit_test(duplicate_while_executing),
        cmocka_unit_test(fragments_without_loss),
        cmocka_unit_test(fragments_under_faults),
        cmocka_unit_test(large_message_to_the_limit),
        cmocka_unit_test(oversize_both_ways),
        cmocka_unit_test(history_bounds_and_ttl),
        cmocka_unit_test(evicted_reply_is_gone_not_reexecuted),
        cmocka_unit_test(server_restart_mid_run),
        cmocka_unit_test(restarted_client_never_collides),
        cmocka_unit_test(soak_memory_flat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* rr_sim.c - the simulated world of rr_sim.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rr_sim.h"

#define EV_PACKET 1
#define EV_REPLY 2

struct sim_event {
    uint64_t t, seq;
    int kind;        /* EV_PACKET or EV_REPLY */
    int dst;         /* EV_PACKET: -1 the server, else a client's index */
    int src;         /* EV_PACKET: the sender (-1 the server) */
    uint8_t *data;   /* datagram, or the reply body */
    size_t n;
    int status;      /* EV_REPLY */
    mwi_rrs_job job; /* EV_REPLY */
    uint64_t gen;    /* EV_REPLY: the server generation that executed it */
};

static uint64_t server_gen;

static void push(sim *s, sim_event ev)
{
    if (s->nevents == s->cap_events) {
        s->cap_events = s->cap_events ? 2 * s->cap_events : 64;
        s->events = realloc(s->events, s->cap_events * sizeof *s->events);
        assert_non_null(s->events);
    }
    ev.seq = s->seq++;
    s->events[s->nevents++] = ev;
}

static size_t earliest(const sim *s)
{
    size_t best = 0;
    for (size_t i = 1; i < s->nevents; i++) {
        const sim_event *a = &s->events[i], *b = &s->events[best];
        if (a->t < b->t || (a->t == b->t && a->seq < b->seq))
            best = i;
    }
    return best;
}

/* The network: each datagram is lost, delivered, or delivered twice, each copy after the
 * base latency plus, sometimes, a random extra delay that lets later datagrams pass. */
static void net_send(sim *s, int src, int dst, const uint8_t *d, size_t n)
{
    if (mw_rng_unit(&s->rng) < s->drop)
        return;
    int copies = mw_rng_unit(&s->rng) < s->dup ? 2 : 1;
    for (int c = 0; c < copies; c++) {
        uint64_t delay = s->latency_ns;
        if (mw_rng_unit(&s->rng) < s->reorder)
            delay += mw_rng_below(&s->rng, s->jitter_ns + 1);
        sim_event ev = {.t = s->now + delay, .kind = EV_PACKET, .dst = dst, .src = src, .n = n};
        ev.data = malloc(n);
        assert_non_null(ev.data);
        memcpy(ev.data, d, n);
        push(s, ev);
    }
}

struct client_ctx {
    sim *s;
    int idx;
};
static struct client_ctx cctx[SIM_MAX_CLIENTS];

static int client_send(void *ctx, const uint8_t *d, size_t n)
{
    struct client_ctx *c = ctx;
    net_send(c->s, c->idx, -1, d, n);
    return 0;
}

static void start_call(sim *s, int ci);

static void client_done(void *ctx, uint64_t id, void *user, int status, const uint8_t *reply,
                        size_t n)
{
    struct client_ctx *c = ctx;
    sim *s = c->s;
    int idx = s->result_of_id[c->idx][id];
    sim_result *r = &s->results[idx];
    assert_int_equal(r->status, 1); /* exactly once */
    r->status = status;
    r->len = n;
    if (status == 0 && s->op == OP_INCREMENT && s->spec.proto != MW_RR_R) {
        assert_int_equal(n, 8);
        r->value = mw_load_u64be(reply);
    }
    if (status == 0 && s->op == OP_ECHO && s->spec.proto != MW_RR_R)
        r->echo_ok = n == s->arg_len && (n == 0 || memcmp(reply, s->arg, n) == 0);
    s->completed++;
    (void)user;
    start_call(s, c->idx); /* keep the lane busy: starts a call from inside a callback */
}

static void start_call(sim *s, int ci)
{
    if (s->started >= s->total_calls)
        return;
    int idx = s->started++;
    uint64_t id;
    const uint8_t *args = s->op == OP_ECHO ? s->arg : NULL;
    size_t n = s->op == OP_ECHO ? s->arg_len : 0;
    s->results[idx].status = 1;
    int rc = mwi_rrc_start(&s->clients[ci], &s->spec, args, n, s->now, NULL, &id);
    assert_int_equal(rc, 0);
    assert_true(id < (uint64_t)s->total_calls + 2);
    s->result_of_id[ci][id] = idx;
}

/* ---- the server side --------------------------------------------------------------- */

static int server_send(void *ctx, const mw_addr *to, const uint8_t *d, size_t n)
{
    sim *s = ctx;
    s->server_sent++;
    for (int i = 0; i < s->nclients; i++) {
        if (mw_addr_equal(to, &s->client_addr[i])) {
            net_send(s, -1, i, d, n);
            return 0;
        }
    }
    fail_msg("server sent to an unknown address");
    return MW_EINVAL;
}

static void server_execute(void *ctx, const mwi_rrs_job *job, const uint8_t *args, size_t n)
{
    sim *s = ctx;
    if (mw_rng_unit(&s->rng) < s->abandon) {
        mwi_rrs_abandon(&s->server, job, s->now); /* overloaded: dropped, not executed */
        return;
    }
    s->executions++;
    uint8_t buf[8], *big = NULL;
    const uint8_t *body = NULL;
    size_t len = 0;
    int status = 0;
    switch (job->op) {
    case OP_INCREMENT:
        s->counter++;
        mw_store_u64be(buf, s->counter);
        body = buf;
        len = 8;
        break;
    case OP_ECHO:
        body = args;
        len = n;
        break;
    case OP_NULL:
        break;
    case OP_BIG:
        body = big = s->big_reply ? calloc(1, s->big_reply) : NULL;
        len = s->big_reply;
        break;
    default:
        status = MW_ENOTSUP;
        break;
    }
    if (mw_rng_unit(&s->rng) < s->slow) {
        /* A long-running handler: the reply comes later, while duplicates arrive. */
        sim_event ev = {.t = s->now + s->slow_ns, .kind = EV_REPLY, .job = *job,
                        .status = status, .n = len, .gen = server_gen};
        ev.data = malloc(len ? len : 1);
        assert_non_null(ev.data);
        if (len)
            memcpy(ev.data, body, len);
        push(s, ev);
        free(big);
        return;
    }
    mwi_rrs_reply(&s->server, job, status, body, len, s->now);
    free(big);
}

static void server_up(sim *s)
{
    mwi_rrs_io io = {.ctx = s, .send = server_send, .execute = server_execute};
    assert_int_equal(mwi_rrs_init(&s->server, &s->server_cfg, &io), 0);
    s->server_up = true;
    server_gen++;
}

void sim_restart_server(sim *s)
{
    mwi_rrs_fini(&s->server);
    server_up(s);
}

void sim_init(sim *s, uint64_t seed, int nclients, const mwi_rrc_cfg *ccfg,
              const mwi_rrs_cfg *scfg)
{
    memset(s, 0, sizeof *s);
    mw_rng_seed(&s->rng, seed);
    s->now = 1000000000u;
    s->latency_ns = 50000;
    s->jitter_ns = 2000000;
    s->slow_ns = 3000000;
    s->server_cfg = *scfg;
    mw_addr_parse(&s->server_addr, "10.0.0.1:7000", -1);
    server_up(s);
    s->nclients = nclients;
    for (int i = 0; i < nclients; i++) {
        char text[64];
        snprintf(text, sizeof text, "10.0.1.%d:%d", i + 1, 40000 + i);
        assert_int_equal(mw_addr_parse(&s->client_addr[i], text, -1), 0);
        mwi_rrc_cfg cfg = *ccfg;
        cfg.inc = mw_rng_next(&s->rng);
        cctx[i] = (struct client_ctx){s, i};
        mwi_rrc_io io = {.ctx = &cctx[i], .send = client_send, .done = client_done};
        assert_int_equal(mwi_rrc_init(&s->clients[i], &cfg, &io), 0);
    }
}

void sim_fini(sim *s)
{
    for (int i = 0; i < s->nclients; i++) {
        mwi_rrc_fini(&s->clients[i]);
        free(s->result_of_id[i]);
    }
    mwi_rrs_fini(&s->server);
    for (size_t i = 0; i < s->nevents; i++)
        free(s->events[i].data);
    free(s->events);
    free(s->results);
}

static void deliver(sim *s, sim_event *ev)
{
    if (ev->kind == EV_REPLY) {
        if (ev->gen == server_gen) /* a restarted server forgot the execution */
            mwi_rrs_reply(&s->server, &ev->job, ev->status, ev->data, ev->n, s->now);
    } else if (ev->dst < 0) {
        mw_addr ident = s->client_addr[ev->src];
        mwi_rrs_input(&s->server, &s->client_addr[ev->src], &ident, ev->data, ev->n, s->now);
    } else {
        mwi_rrc_input(&s->clients[ev->dst], ev->data, ev->n, s->now);
    }
    mwi_hist *h = &s->server.hist;
    if (h->nentries > s->max_entries_seen)
        s->max_entries_seen = h->nentries;
    if (h->reply_bytes > s->max_bytes_seen)
        s->max_bytes_seen = h->reply_bytes;
}

void sim_run(sim *s, int total, int lanes, uint64_t limit_ns)
{
    free(s->results);
    s->results = calloc((size_t)total, sizeof *s->results);
    assert_non_null(s->results);
    for (int i = 0; i < s->nclients; i++) {
        free(s->result_of_id[i]);
        /* Request ids count on from earlier runs: size for the worst case. */
        uint64_t next = s->clients[i].next_id;
        s->result_of_id[i] = calloc(next + (size_t)total + 2, sizeof(int));
        assert_non_null(s->result_of_id[i]);
    }
    s->total_calls = total;
    s->started = s->completed = 0;
    s->lanes = lanes;
    for (int l = 0; l < lanes; l++) {
        for (int i = 0; i < s->nclients; i++)
            start_call(s, i);
    }
    uint64_t end = s->now + limit_ns, server_next = s->now;
    while (s->completed < total || s->nevents > 0) {
        uint64_t t = UINT64_MAX;
        size_t ev = 0;
        if (s->nevents) {
            ev = earliest(s);
            t = s->events[ev].t;
        }
        int who = -2; /* -2 event, -1 server timer, else a client's timer */
        for (int i = 0; i < s->nclients; i++) {
            uint64_t d = mwi_rrc_next_deadline(&s->clients[i]);
            if (d < t) {
                t = d;
                who = i;
            }
        }
        if (server_next < t) {
            t = server_next;
            who = -1;
        }
        if (t == UINT64_MAX)
            break;
        if (t > end)
            fail_msg("simulation still running after its time limit (%d of %d done)",
                     s->completed, total);
        if (t > s->now)
            s->now = t;
        if (s->restart_at && s->now >= s->restart_at) {
            s->restart_at = 0;
            sim_restart_server(s);
        }
        if (who == -2) {
            sim_event e = s->events[ev];
            s->events[ev] = s->events[--s->nevents];
            deliver(s, &e);
            free(e.data);
        } else if (who == -1) {
            uint64_t next = mwi_rrs_timer(&s->server, s->now);
            /* Expiry need not be exact: look again at least every 100 ms. */
            server_next = s->now + 100000000u;
            if (next < server_next)
                server_next = next > s->now ? next : s->now + 1;
        } else {
            mwi_rrc_timer(&s->clients[who], s->now);
        }
    }
    assert_int_equal(s->completed, total);
}

/*
 * fault.c - the fault-injecting transport: wraps a UDP transport and, with a seeded
 * generator, drops, duplicates, reorders and delays the datagrams going each way. Held
 * datagrams are released by the wrapper's own calls (every send and receive), and its
 * next_due tells the client when to call again.
 */
#include <stdlib.h>
#include <string.h>

#include "rr/transport.h"

/* Most datagrams held back per direction; beyond it, new ones pass unharmed. Bounds the
 * wrapper's memory whatever the probabilities. */
#define MAX_HELD 256

typedef struct held {
    uint64_t due;     /* release time */
    bool until_next;  /* reordered: released as soon as a later datagram has passed */
    size_t n;
    uint8_t *d;
} held;

typedef struct queue {
    held items[MAX_HELD];
    size_t len;
} queue;

typedef struct fault_t {
    mwi_ctrans base;
    mwi_ctrans *inner;
    mw_rr_fault cfg;
    mw_rng rng;
    queue out, in;      /* held outgoing and incoming datagrams */
    uint8_t *cur;       /* the incoming datagram handed out last (owned) */
} fault_t;

static uint64_t delay_ns(fault_t *f)
{
    uint32_t ms = f->cfg.delay_ms ? f->cfg.delay_ms : 10;
    return mw_rng_below(&f->rng, (uint64_t)ms * 1000000u + 1);
}

static bool hold(fault_t *f, queue *q, const uint8_t *d, size_t n, uint64_t due, bool until_next)
{
    if (q->len == MAX_HELD)
        return false;
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return false;
    memcpy(copy, d, n);
    q->items[q->len++] = (held){due, until_next, n, copy};
    (void)f;
    return true;
}

/* The fate of one datagram: how many copies go, and for each whether it is held. Returns
 * the number of copies passed through at once (0, 1 or 2); held copies are queued. */
static int decide(fault_t *f, queue *q, const uint8_t *d, size_t n, uint64_t now)
{
    if (mw_rng_unit(&f->rng) < f->cfg.drop)
        return 0;
    int copies = mw_rng_unit(&f->rng) < f->cfg.duplicate ? 2 : 1, pass = 0;
    for (int c = 0; c < copies; c++) {
        if (mw_rng_unit(&f->rng) < f->cfg.reorder) {
            uint32_t ms = f->cfg.delay_ms ? f->cfg.delay_ms : 10;
            if (hold(f, q, d, n, now + (uint64_t)ms * 1000000u, true))
                continue;
        } else if (mw_rng_unit(&f->rng) < f->cfg.delay) {
            if (hold(f, q, d, n, now + delay_ns(f), false))
                continue;
        }
        pass++;
    }
    return pass;
}

/* A datagram passed: the reordered ones it overtook may go now. */
static void overtaken(queue *q, uint64_t now)
{
    for (size_t i = 0; i < q->len; i++) {
        if (q->items[i].until_next)
            q->items[i].due = now;
    }
}

/* Removes and returns the earliest held datagram due by now, if any. */
static bool take_due(queue *q, uint64_t now, held *out)
{
    size_t best = q->len;
    for (size_t i = 0; i < q->len; i++) {
        if (q->items[i].due <= now && (best == q->len || q->items[i].due < q->items[best].due))
            best = i;
    }
    if (best == q->len)
        return false;
    *out = q->items[best];
    memmove(&q->items[best], &q->items[best + 1], (q->len - best - 1) * sizeof *q->items);
    q->len--;
    return true;
}

static uint64_t earliest(const queue *q)
{
    uint64_t t = UINT64_MAX;
    for (size_t i = 0; i < q->len; i++) {
        if (q->items[i].due < t)
            t = q->items[i].due;
    }
    return t;
}

static void flush_out(fault_t *f, uint64_t now)
{
    held h;
    while (take_due(&f->out, now, &h)) {
        (void)f->inner->ops->send(f->inner, h.d, h.n);
        free(h.d);
    }
}

static int fault_send(mwi_ctrans *t, const uint8_t *d, size_t n)
{
    fault_t *f = (fault_t *)t;
    uint64_t now = mw_now_ns();
    flush_out(f, now);
    int pass = decide(f, &f->out, d, n, now), rc = 0;
    for (int i = 0; i < pass; i++)
        rc = f->inner->ops->send(f->inner, d, n);
    if (pass) {
        overtaken(&f->out, now);
        flush_out(f, now);
    }
    return rc;
}

static int fault_recv(mwi_ctrans *t, const uint8_t **d, size_t *n, uint64_t deadline,
                      uint32_t spin_us, bool try_first)
{
    fault_t *f = (fault_t *)t;
    free(f->cur);
    f->cur = NULL;
    for (;;) {
        uint64_t now = mw_now_ns();
        flush_out(f, now);
        held h;
        if (take_due(&f->in, now, &h)) {
            f->cur = h.d;
            *d = h.d;
            *n = h.n;
            return 0;
        }
        uint64_t wake = deadline, due = earliest(&f->in), due_out = earliest(&f->out);
        if (due < wake)
            wake = due;
        if (due_out < wake)
            wake = due_out;
        const uint8_t *p;
        size_t len;
        int rc = f->inner->ops->recv(f->inner, &p, &len, wake, spin_us, try_first);
        try_first = false;
        if (rc == MW_ETIMEDOUT) {
            if (mw_now_ns() >= deadline)
                return rc;
            continue;
        }
        if (rc)
            return rc;
        now = mw_now_ns();
        int pass = decide(f, &f->in, p, len, now);
        if (pass == 0)
            continue; /* lost, or every copy held */
        /* Delivered now; a second copy comes at the next call. */
        overtaken(&f->in, now);
        if (pass == 2)
            (void)hold(f, &f->in, p, len, now, false);
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            return MW_ENOMEM;
        memcpy(copy, p, len);
        f->cur = copy;
        *d = copy;
        *n = len;
        return 0;
    }
}

static int fault_reconnect(mwi_ctrans *t, int timeout_ms)
{
    fault_t *f = (fault_t *)t;
    return f->inner->ops->reconnect(f->inner, timeout_ms);
}

static int fault_fd(const mwi_ctrans *t)
{
    const fault_t *f = (const fault_t *)t;
    return f->inner->ops->fd(f->inner);
}

static uint64_t fault_next_due(const mwi_ctrans *t)
{
    const fault_t *f = (const fault_t *)t;
    uint64_t a = earliest(&f->in), b = earliest(&f->out);
    return a < b ? a : b;
}

static int fault_local_addr(const mwi_ctrans *t, mw_addr *out)
{
    const fault_t *f = (const fault_t *)t;
    return f->inner->ops->local_addr(f->inner, out);
}

static void drain(queue *q)
{
    for (size_t i = 0; i < q->len; i++)
        free(q->items[i].d);
    q->len = 0;
}

static void fault_close(mwi_ctrans *t)
{
    fault_t *f = (fault_t *)t;
    drain(&f->in);
    drain(&f->out);
    free(f->cur);
    f->inner->ops->close(f->inner);
    free(f);
}

static const mwi_ctrans_ops fault_ops = {
    .name = "fault",
    .reliable = false,
    .send = fault_send,
    .recv = fault_recv,
    .reconnect = fault_reconnect,
    .fd = fault_fd,
    .next_due = fault_next_due,
    .local_addr = fault_local_addr,
    .close = fault_close,
};

static bool prob_ok(double p) { return p >= 0.0 && p <= 1.0; }

int mwi_ctrans_fault_open(mwi_ctrans **out, mwi_ctrans *inner, const mw_rr_fault *cfg)
{
    if (!prob_ok(cfg->drop) || !prob_ok(cfg->duplicate) || !prob_ok(cfg->reorder) ||
        !prob_ok(cfg->delay) || inner->ops->reliable)
        return MW_EINVAL;
    fault_t *f = calloc(1, sizeof *f);
    if (!f)
        return MW_ENOMEM;
    f->base.ops = &fault_ops;
    f->inner = inner;
    f->cfg = *cfg;
    mw_rng_seed(&f->rng, cfg->seed);
    *out = &f->base;
    return 0;
}

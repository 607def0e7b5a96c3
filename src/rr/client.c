/*
 * client.c - the public client: doOperation and asynchronous calls. It runs the client
 * state machine (csm.c) over a transport on the caller's thread: no locks, no background
 * thread, no allocation per call once warm (call structs and buffers are recycled).
 */
#include <stdlib.h>
#include <string.h>

#include "rr/csm.h"
#include "rr/transport.h"

/* An asynchronous call's callback, recycled through a free list. */
typedef struct cb {
    mw_rr_done_fn fn;
    void *ctx;
    struct cb *next;
} cb;

struct mw_rr_client {
    mwi_rrc sm;             /* the protocol */
    mwi_ctrans *tr;         /* the transport it runs over */
    bool reliable;          /* TCP */
    bool broken;            /* TCP: the connection is down */
    int protocol, semantics, timeout_ms, retries; /* call defaults */
    uint32_t spin_us;       /* low-latency spin before sleeping */
    int connect_timeout_ms; /* TCP */
    uint64_t reconnects;    /* TCP connections re-established */
    size_t ncompleted;      /* callbacks run so far */
    bool in_sync;           /* a blocking call is in progress */
    bool sync_done;         /* ... and has completed */
    int sync_status;        /* ... with this status */
    mw_buf *sync_reply;     /* ... into this buffer */
    cb *cb_free;            /* recycled callback records */
};

/* The user pointer of blocking calls: the address tells them from asynchronous ones. */
static char sync_marker;

/* ---- plumbing between the machine and the transport -------------------------------- */

static int sm_send(void *ctx, const uint8_t *d, size_t n)
{
    mw_rr_client *c = ctx;
    int rc = c->tr->ops->send(c->tr, d, n);
    if (rc && c->reliable)
        c->broken = true;
    return rc;
}

static void sm_done(void *ctx, uint64_t id, void *user, int status, const uint8_t *reply,
                    size_t n)
{
    mw_rr_client *c = ctx;
    c->ncompleted++;
    if (user == &sync_marker) {
        if (status == 0 && c->sync_reply && n) {
            /* The limit is checked here too: mw_buf only checks it when growing. */
            mw_buf *b = c->sync_reply;
            int rc = b->limit && n > b->limit ? MW_ELIMIT : mw_buf_append(b, reply, n);
            if (rc) {
                mw_buf_reset(c->sync_reply);
                status = rc;
            }
        }
        c->sync_status = status;
        c->sync_done = true;
        return;
    }
    cb *r = user;
    mw_rr_done_fn fn = r->fn;
    void *fctx = r->ctx;
    r->next = c->cb_free;
    c->cb_free = r;
    fn(fctx, id, status, reply, n);
}

/* TCP: connect again and resend what is outstanding; if that fails, every outstanding
 * call fails with the error (a dead server must give errors, not hangs), and the next
 * call tries again. */
static int repair(mw_rr_client *c)
{
    int rc = c->tr->ops->reconnect(c->tr, c->connect_timeout_ms);
    if (rc) {
        mwi_rrc_cancel_all(&c->sm, rc);
        return rc;
    }
    c->broken = false;
    c->reconnects++;
    mwi_rrc_resend_all(&c->sm, mw_now_ns(), MW_ECONNRESET);
    if (c->broken) {
        /* Accepted, then failed at once: give up on these calls. */
        mwi_rrc_cancel_all(&c->sm, MW_ECONNRESET);
        return MW_ECONNRESET;
    }
    return 0;
}

typedef bool (*stop_fn)(const mw_rr_client *c, uint64_t arg);

/*
 * Runs the client until stop says so or the deadline passes (MW_ETIMEDOUT): timers,
 * then one message received (or a wait until the next timer). just_sent: a request went
 * out a moment ago, so wait before trying to receive.
 */
static int drive(mw_rr_client *c, uint64_t deadline, stop_fn stop, uint64_t arg,
                 bool just_sent)
{
    bool try_first = !just_sent;
    for (;;) {
        uint64_t now = mw_now_ns();
        if (c->broken)
            (void)repair(c);
        uint64_t wake = mwi_rrc_timer(&c->sm, now);
        if (stop(c, arg))
            return 0;
        if (c->broken)
            return MW_ECONNRESET; /* nothing to wait on; repair failed the calls */
        uint64_t due = c->tr->ops->next_due(c->tr);
        if (due < wake)
            wake = due;
        if (deadline < wake)
            wake = deadline;
        const uint8_t *d;
        size_t n;
        int rc = c->tr->ops->recv(c->tr, &d, &n, wake, c->spin_us, try_first);
        if (rc == 0) {
            mwi_rrc_input(&c->sm, d, n, mw_now_ns());
            try_first = true;
            if (stop(c, arg))
                return 0;
            continue;
        }
        try_first = false;
        if (rc == MW_ETIMEDOUT) {
            if (mw_now_ns() >= deadline)
                return MW_ETIMEDOUT;
            continue;
        }
        if (rc == MW_ECONNREFUSED && !c->reliable) {
            /* An ICMP port-unreachable: the server's port is closed (now). Remember it
             * for the calls' error, and keep retransmitting: it may come back. */
            mwi_rrc_note_error(&c->sm, rc);
            try_first = true;
            continue;
        }
        if (rc == MW_EMSGSIZE && c->reliable) {
            /* A reply over our limit: that call fails; the others are resent on a new
             * connection. */
            mwi_rr_hdr h;
            mwi_rr_hdr_peek(d, &h);
            if (h.type == MWI_RR_REPLY && h.inc == c->sm.cfg.inc)
                (void)mwi_rrc_cancel(&c->sm, h.id, MW_EMSGSIZE);
        }
        if (c->reliable) {
            c->broken = true;
            mwi_rrc_note_error(&c->sm, rc == MW_EEOF ? MW_ECONNRESET : rc);
            continue;
        }
        return rc;
    }
}

static uint64_t deadline_of(int timeout_ms)
{
    if (timeout_ms < 0)
        return UINT64_MAX;
    return mw_now_ns() + (uint64_t)timeout_ms * 1000000u;
}

/* ---- opening and closing ----------------------------------------------------------- */

static int pick(int v, int def) { return v ? v : def; }

int mw_rr_client_open(mw_rr_client **out, const mw_addr *server, const mw_rr_client_opts *opts)
{
    mw_rr_client_opts o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    if (!out || !server || (server->family != MW_AF_INET4 && server->family != MW_AF_INET6))
        return MW_EINVAL;
    o.transport = pick(o.transport, MW_RR_UDP);
    o.protocol = pick(o.protocol, MW_RR_RR);
    o.semantics = pick(o.semantics, MW_RR_AT_MOST_ONCE);
    o.timeout_ms = pick(o.timeout_ms, MW_RR_DEFAULT_TIMEOUT_MS);
    o.retries = pick(o.retries, MW_RR_DEFAULT_RETRIES);
    if (!o.max_datagram)
        o.max_datagram = MW_RR_DEFAULT_DATAGRAM;
    if (!o.max_message)
        o.max_message = MW_RR_DEFAULT_MAX_MESSAGE;
    if (!o.window)
        o.window = MW_RR_DEFAULT_WINDOW;
    if ((o.transport != MW_RR_UDP && o.transport != MW_RR_TCP) || o.protocol < MW_RR_R ||
        o.protocol > MW_RR_RRA || o.semantics < MW_RR_MAYBE ||
        o.semantics > MW_RR_AT_MOST_ONCE || o.timeout_ms < 0 ||
        o.max_datagram < MW_RR_MIN_DATAGRAM || o.max_datagram > MW_RR_MAX_DATAGRAM ||
        o.max_message > MW_RR_MAX_MESSAGE || o.window > 4096 || o.connect_timeout_ms < 0 ||
        (o.fault && o.transport != MW_RR_UDP))
        return MW_EINVAL;
    mw_rr_client *c = calloc(1, sizeof *c);
    if (!c)
        return MW_ENOMEM;
    c->reliable = o.transport == MW_RR_TCP;
    c->protocol = o.protocol;
    c->semantics = o.semantics;
    c->timeout_ms = o.timeout_ms;
    c->retries = o.retries < 0 ? 0 : o.retries;
    c->spin_us = o.spin_us;
    c->connect_timeout_ms = pick(o.connect_timeout_ms, o.timeout_ms);
    uint64_t inc = o.incarnation;
    int rc = 0;
    while (inc == 0 && rc == 0)
        rc = mw_random_bytes(&inc, sizeof inc);
    if (rc == 0) {
        if (c->reliable)
            rc = mwi_ctrans_tcp_open(&c->tr, server, o.max_message, c->connect_timeout_ms);
        else
            rc = mwi_ctrans_udp_open(&c->tr, server, o.local, o.max_datagram, o.window);
    }
    if (rc == 0 && o.fault) {
        mwi_ctrans *wrapped;
        rc = mwi_ctrans_fault_open(&wrapped, c->tr, o.fault);
        if (rc == 0)
            c->tr = wrapped;
    }
    if (rc == 0 && !mwi_ctrans_ops_valid(c->tr->ops))
        rc = MW_EINVAL; /* a transport table with an empty slot */
    if (rc == 0) {
        mwi_rrc_cfg cfg = {.inc = inc,
                           .max_datagram = c->reliable ? 0 : (uint32_t)o.max_datagram,
                           .max_message = (uint32_t)o.max_message,
                           .window = o.window};
        mwi_rrc_io io = {.ctx = c, .send = sm_send, .done = sm_done};
        rc = mwi_rrc_init(&c->sm, &cfg, &io);
    }
    if (rc) {
        if (c->tr)
            c->tr->ops->close(c->tr);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void mw_rr_client_close(mw_rr_client *c)
{
    if (!c)
        return;
    mwi_rrc_cancel_all(&c->sm, MW_ECANCELED);
    mwi_rrc_fini(&c->sm);
    c->tr->ops->close(c->tr);
    while (c->cb_free) {
        cb *r = c->cb_free;
        c->cb_free = r->next;
        free(r);
    }
    free(c);
}

/* ---- calls ------------------------------------------------------------------------- */

static int make_spec(const mw_rr_client *c, const mw_objref *ref, uint32_t op,
                     const mw_rr_call_opts *opts, mwi_rrc_spec *sp)
{
    mw_rr_call_opts o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    int proto = pick(o.protocol, c->protocol), sem = pick(o.semantics, c->semantics);
    int timeout = pick(o.timeout_ms, c->timeout_ms), retries = pick(o.retries, c->retries);
    if (proto < MW_RR_R || proto > MW_RR_RRA || sem < MW_RR_MAYBE ||
        sem > MW_RR_AT_MOST_ONCE || timeout < 0)
        return MW_EINVAL;
    if (retries < 0)
        retries = 0; /* "none": zero means "the default" */
    *sp = (mwi_rrc_spec){
        .op = op,
        .objnum = ref ? ref->object_number : 0,
        .ifhash = ref ? mw_rr_interface_hash(ref->interface) : 0,
        .proto = (uint8_t)proto,
        .sem = (uint8_t)sem,
        .interval_ns = (uint64_t)timeout * 1000000u,
        .attempts = (uint32_t)retries + 1,
    };
    return 0;
}

static bool sync_stop(const mw_rr_client *c, uint64_t arg)
{
    (void)arg;
    return c->sync_done;
}

int mw_rr_do_operation(mw_rr_client *c, const mw_objref *ref, uint32_t op, const void *args,
                       size_t n, mw_buf *reply, const mw_rr_call_opts *opts)
{
    if (!c || (!args && n))
        return MW_EINVAL;
    if (c->in_sync)
        return MW_ESTATE; /* from a callback inside another blocking call */
    mwi_rrc_spec sp;
    int rc = make_spec(c, ref, op, opts, &sp);
    if (rc)
        return rc;
    if (reply)
        mw_buf_reset(reply);
    if (c->broken && (rc = repair(c)) != 0)
        return rc;
    c->in_sync = true;
    c->sync_done = false;
    c->sync_reply = reply;
    uint64_t id;
    rc = mwi_rrc_start(&c->sm, &sp, args, n, mw_now_ns(), &sync_marker, &id);
    if (rc == 0) {
        rc = drive(c, UINT64_MAX, sync_stop, 0, true);
        if (rc && !c->sync_done)
            (void)mwi_rrc_cancel(&c->sm, id, rc);
        rc = c->sync_status;
    }
    c->in_sync = false;
    c->sync_reply = NULL;
    if (rc && reply)
        mw_buf_reset(reply);
    return rc;
}

int mw_rr_call_async(mw_rr_client *c, const mw_objref *ref, uint32_t op, const void *args,
                     size_t n, const mw_rr_call_opts *opts, mw_rr_done_fn done, void *ctx,
                     uint64_t *call_id)
{
    if (!c || (!args && n) || !done)
        return MW_EINVAL;
    mwi_rrc_spec sp;
    int rc = make_spec(c, ref, op, opts, &sp);
    if (rc)
        return rc;
    if (c->broken && (rc = repair(c)) != 0)
        return rc;
    cb *r = c->cb_free;
    if (r)
        c->cb_free = r->next;
    else if (!(r = malloc(sizeof *r)))
        return MW_ENOMEM;
    r->fn = done;
    r->ctx = ctx;
    rc = mwi_rrc_start(&c->sm, &sp, args, n, mw_now_ns(), r, call_id);
    if (rc) {
        r->next = c->cb_free;
        c->cb_free = r;
    }
    return rc;
}

static bool poll_stop(const mw_rr_client *c, uint64_t before) { return c->ncompleted > before; }

int mw_rr_client_poll(mw_rr_client *c, int timeout_ms, size_t *completed)
{
    if (completed)
        *completed = 0;
    if (!c)
        return MW_EINVAL;
    if (c->sm.outstanding == 0)
        return MW_ENOENT;
    size_t before = c->ncompleted;
    int rc = drive(c, deadline_of(timeout_ms), poll_stop, before, false);
    /* Take whatever else is ready without waiting. */
    while (rc == 0 && c->sm.outstanding > 0) {
        size_t mid = c->ncompleted;
        if (drive(c, 0, poll_stop, mid, false) != 0)
            break;
    }
    if (completed)
        *completed = c->ncompleted - before;
    return c->ncompleted > before ? 0 : rc;
}

static bool id_stop(const mw_rr_client *c, uint64_t id) { return !mwi_rrc_pending(&c->sm, id); }

int mw_rr_client_wait(mw_rr_client *c, uint64_t call_id, int timeout_ms)
{
    if (!c)
        return MW_EINVAL;
    if (!mwi_rrc_pending(&c->sm, call_id))
        return MW_ENOENT;
    return drive(c, deadline_of(timeout_ms), id_stop, call_id, false);
}

static bool all_stop(const mw_rr_client *c, uint64_t arg)
{
    (void)arg;
    return c->sm.outstanding == 0;
}

int mw_rr_client_wait_all(mw_rr_client *c, int timeout_ms)
{
    if (!c)
        return MW_EINVAL;
    return drive(c, deadline_of(timeout_ms), all_stop, 0, false);
}

int mw_rr_client_cancel(mw_rr_client *c, uint64_t call_id)
{
    if (!c)
        return MW_EINVAL;
    return mwi_rrc_cancel(&c->sm, call_id, MW_ECANCELED);
}

size_t mw_rr_client_outstanding(const mw_rr_client *c) { return c ? c->sm.outstanding : 0; }

int mw_rr_client_fd(const mw_rr_client *c) { return c ? c->tr->ops->fd(c->tr) : -1; }

int mw_rr_client_next_timeout(const mw_rr_client *c)
{
    if (!c)
        return MW_FOREVER;
    uint64_t t = mwi_rrc_next_deadline(&c->sm), due = c->tr->ops->next_due(c->tr);
    if (due < t)
        t = due;
    return mwi_ms_until(t, mw_now_ns());
}

void mw_rr_client_stats_get(const mw_rr_client *c, mw_rr_client_stats *out)
{
    if (!c || !out)
        return;
    *out = c->sm.stats;
    out->reconnects = c->reconnects;
}

uint64_t mw_rr_client_incarnation(const mw_rr_client *c) { return c ? c->sm.cfg.inc : 0; }

int mw_rr_client_local_addr(const mw_rr_client *c, mw_addr *out)
{
    if (!c || !out)
        return MW_EINVAL;
    return c->tr->ops->local_addr(c->tr, out);
}

/* ssm.c - the server's protocol state machine (see ssm.h). */
#include <stdlib.h>
#include <string.h>

#include "rr/ssm.h"

int mwi_rrs_init(mwi_rrs *s, const mwi_rrs_cfg *cfg, const mwi_rrs_io *io)
{
    memset(s, 0, sizeof *s);
    if (!io || !io->send || !io->execute || cfg->max_message == 0)
        return MW_EINVAL;
    if (cfg->max_datagram && cfg->max_datagram < MW_RR_MIN_DATAGRAM)
        return MW_EINVAL;
    s->cfg = *cfg;
    if (s->cfg.window == 0)
        s->cfg.window = MW_RR_DEFAULT_WINDOW;
    s->io = *io;
    s->burst_idx = malloc(s->cfg.window * sizeof *s->burst_idx);
    if (!s->burst_idx)
        return MW_ENOMEM;
    int rc = mwi_hist_init(&s->hist, &cfg->hist);
    if (rc == 0)
        rc = mw_buf_reserve(&s->out, MW_RR_HEADER_SIZE + (s->cfg.max_datagram ? s->cfg.max_datagram : 4096));
    if (rc)
        mwi_rrs_fini(s);
    return rc;
}

void mwi_rrs_fini(mwi_rrs *s)
{
    mwi_hist_fini(&s->hist);
    mw_buf_free(&s->out);
    free(s->burst_idx);
    s->burst_idx = NULL;
}

/* The "now" values of the statistics, refreshed after every event. */
static void gauges(mwi_rrs *s)
{
    mwi_hist *h = &s->hist;
    MWI_STAT_SET(s->stats.entries, h->nentries);
    MWI_STAT_SET(s->stats.bytes, h->reply_bytes);
    MWI_STAT_SET(s->stats.clients, h->nclients);
    MWI_STAT_SET(s->stats.reasm_bytes, h->reasm_bytes);
    MWI_STAT_SET(s->stats.memory, mwi_hist_memory(h) + s->out.cap);
    MWI_STAT_SET(s->stats.evicted, h->evicted);
    MWI_STAT_SET(s->stats.expired, h->expired);
}

/* ---- sending ----------------------------------------------------------------------- */

static void xmit(mwi_rrs *s, const mw_addr *to, const uint8_t *d, size_t n)
{
    if (s->io.send(s->io.ctx, to, d, n) != 0)
        MWI_STAT_ADD(s->stats.send_errors, 1);
}

/* Builds header + payload in s->out; NULL on ENOMEM (the message is then not sent: the
 * client's retransmission will ask again). */
static uint8_t *build(mwi_rrs *s, const mwi_rr_hdr *h, const uint8_t *payload)
{
    uint8_t *p;
    mw_buf_reset(&s->out);
    if (mw_buf_extend(&s->out, MW_RR_HEADER_SIZE + h->paylen, &p) != 0)
        return NULL;
    mwi_rr_hdr_encode(p, h);
    if (h->paylen && payload)
        memcpy(p + MW_RR_HEADER_SIZE, payload, h->paylen);
    return p;
}

static void send_msg(mwi_rrs *s, const mw_addr *to, const mwi_rr_hdr *h, const uint8_t *payload)
{
    uint8_t *p = build(s, h, payload);
    if (p)
        xmit(s, to, p, s->out.len);
}

static void reply_hdr(mwi_rr_hdr *h, uint64_t inc, uint64_t id, int proto, int sem, int status)
{
    memset(h, 0, sizeof *h);
    h->type = MWI_RR_REPLY;
    h->flags = mwi_rr_flags(proto, sem);
    h->inc = inc;
    h->id = id;
    h->op = (uint32_t)status;
}

static void send_error_reply(mwi_rrs *s, const mw_addr *to, uint64_t inc, uint64_t id,
                             int proto, int sem, int status)
{
    mwi_rr_hdr h;
    reply_hdr(&h, inc, id, proto, sem, status);
    send_msg(s, to, &h, NULL);
}

static void send_gone(mwi_rrs *s, const mw_addr *to, uint64_t inc, uint64_t id, int status)
{
    mwi_rr_hdr h;
    memset(&h, 0, sizeof h);
    h.type = MWI_RR_GONE;
    h.inc = inc;
    h.id = id;
    h.op = (uint32_t)status;
    send_msg(s, to, &h, NULL);
}

/* A STATUS about a request being reassembled (in), or about one wholly received
 * (in == NULL: every fragment is here). */
static void send_req_status(mwi_rrs *s, const mw_addr *to, const mwi_rr_hdr *req,
                            const mwi_reasm *in)
{
    mwi_rr_hdr h;
    memset(&h, 0, sizeof h);
    h.type = MWI_RR_STATUS;
    h.inc = req->inc;
    h.id = req->id;
    h.msglen = req->msglen;
    h.burst = req->burst;
    uint8_t bm[MWI_RR_STATUS_MAX_BYTES];
    size_t n = 0;
    if (in) {
        size_t cap = s->cfg.max_datagram - MW_RR_HEADER_SIZE;
        n = mwi_reasm_status(in, bm, cap < sizeof bm ? cap : sizeof bm, &h.frag_index);
    } else {
        h.frag_index = mwi_rr_nfrag(req->msglen, req->frag_size);
    }
    h.paylen = (uint32_t)n;
    send_msg(s, to, &h, bm);
}

/* The next burst of a fragmented reply kept in entry e. */
static void send_reply_burst(mwi_rrs *s, mwi_hentry *e)
{
    uint32_t k = mwi_fragout_burst(&e->out, s->burst_idx);
    mwi_rr_hdr h;
    reply_hdr(&h, e->cl->inc, e->id, e->proto, e->sem, 0);
    h.msglen = e->out.msglen;
    h.frag_size = e->out.fsize;
    h.burst = e->out.burst;
    for (uint32_t j = 0; j < k; j++) {
        uint32_t i = s->burst_idx[j];
        h.frag_index = i;
        h.paylen = mwi_frag_len(e->out.msglen, e->out.fsize, i);
        h.flags = (uint16_t)(mwi_rr_flags(e->proto, e->sem) | (j + 1 == k ? MWI_RR_F_ACKREQ : 0));
        send_msg(s, &e->route, &h, e->reply.data + (size_t)i * e->out.fsize);
    }
}

/* ---- requests ---------------------------------------------------------------------- */

/* A complete request that is a copy of one already seen: rr.h counts it among the
 * requests received as well as among the duplicates filtered. */
static void count_duplicate(mwi_rrs *s)
{
    MWI_STAT_ADD(s->stats.requests, 1);
    MWI_STAT_ADD(s->stats.duplicates, 1);
}

static void execute(mwi_rrs *s, mwi_hentry *e, const mw_addr *route, const mw_addr *ident,
                    const mwi_rr_hdr *h, const uint8_t *args, size_t n)
{
    mwi_rrs_job job = {
        .ident = *ident,
        .route = *route,
        .inc = h->inc,
        .id = h->id,
        .op = h->op,
        .objnum = h->objnum,
        .ifhash = h->ifhash,
        .proto = (uint8_t)mwi_rr_hdr_proto(h),
        .sem = (uint8_t)mwi_rr_hdr_sem(h),
        .entry = e != NULL,
    };
    MWI_STAT_ADD(s->stats.requests, 1);
    /* Nothing may touch e after this: the reply can arrive inside the call and the entry
     * can be gone by the time it returns. */
    s->io.execute(s->io.ctx, &job, args, n);
}

static void receive_fragment(mwi_rrs *s, mwi_hentry *e, const mw_addr *route,
                             const mw_addr *ident, const mwi_rr_hdr *h, const uint8_t *pay,
                             uint64_t now)
{
    int added = mwi_reasm_add(&e->in, h, pay);
    if (added < 0) {
        MWI_STAT_ADD(s->stats.malformed, 1);
        return;
    }
    if (added)
        mwi_hist_touch(&s->hist, e, now);
    e->route = *route;
    if (!mwi_reasm_complete(&e->in)) {
        if (h->flags & MWI_RR_F_ACKREQ)
            send_req_status(s, route, h, &e->in);
        return;
    }
    if (h->flags & MWI_RR_F_ACKREQ)
        send_req_status(s, route, h, NULL);
    mwi_reasm in;
    mwi_hist_executing(&s->hist, e, &in);
    execute(s, e, route, ident, h, in.buf, in.msglen);
    mwi_reasm_free(&in);
}

/* A request (or fragment) for which the history has an entry. probe: the datagram asks
 * for an answer (a whole request, or the last fragment of a burst). */
static void on_known(mwi_rrs *s, mwi_hentry *e, const mw_addr *route, const mw_addr *ident,
                     const mwi_rr_hdr *h, const uint8_t *pay, bool probe, uint64_t now)
{
    switch (e->state) {
    case MWI_H_RECEIVING:
        if (h->frag_size)
            receive_fragment(s, e, route, ident, h, pay, now);
        else
            MWI_STAT_ADD(s->stats.malformed, 1);
        return;
    case MWI_H_EXECUTING:
        /* Still running: no second execution, and the reply goes out once, when ready,
         * to wherever the client was last heard from. */
        e->route = *route;
        if (!probe)
            return;
        count_duplicate(s);
        if (h->frag_size)
            send_req_status(s, route, h, NULL);
        return;
    case MWI_H_DONE:
        e->route = *route;
        if (!probe)
            return;
        count_duplicate(s);
        if (e->proto == MW_RR_R)
            return;
        MWI_STAT_ADD(s->stats.replies_resent, 1);
        if (e->reply_frag)
            send_reply_burst(s, e);
        else
            xmit(s, route, e->reply.data, e->reply.len);
        return;
    default: /* MWI_H_GONE */
        if (!probe)
            return;
        count_duplicate(s);
        if (e->proto != MW_RR_R && e->status != 0) /* status 0: acknowledged, stray copy */
            send_gone(s, route, h->inc, h->id, e->status);
        return;
    }
}

static void on_request(mwi_rrs *s, const mw_addr *route, const mw_addr *ident,
                       const mwi_rr_hdr *h, const uint8_t *pay, uint64_t now)
{
    bool probe = h->frag_size == 0 || (h->flags & MWI_RR_F_ACKREQ);
    int proto = mwi_rr_hdr_proto(h), sem = mwi_rr_hdr_sem(h);
    if (probe && (h->flags & MWI_RR_F_RETRY))
        MWI_STAT_ADD(s->stats.retransmissions, 1);
    if (h->msglen > s->cfg.max_message) {
        if (probe) {
            MWI_STAT_ADD(s->stats.oversize, 1);
            if (proto != MW_RR_R)
                send_error_reply(s, route, h->inc, h->id, proto, sem, MW_EMSGSIZE);
        }
        return;
    }
    mwi_hist *hi = &s->hist;
    mwi_hclient *cl = hi->nclients ? mwi_hist_client(hi, ident, h->inc, false, now) : NULL;
    if (cl) {
        mwi_hist_ack(hi, cl, h->ack_below);
        if (h->id < cl->floor) {
            /* The client has completed this call: a stray copy. */
            if (probe)
                count_duplicate(s);
            return;
        }
        mwi_hentry *e = mwi_hist_find(hi, cl, h->id);
        if (e) {
            on_known(s, e, route, ident, h, pay, probe, now);
            return;
        }
    }
    /* New. Maybe and at-least-once need no record unless the request is fragmented. */
    if (sem != MW_RR_AT_MOST_ONCE && h->frag_size == 0) {
        execute(s, NULL, route, ident, h, pay, h->paylen);
        return;
    }
    if (!cl && !(cl = mwi_hist_client(hi, ident, h->inc, true, now))) {
        MWI_STAT_ADD(s->stats.dropped, 1);
        return;
    }
    mwi_hist_ack(hi, cl, h->ack_below);
    uint8_t state = h->frag_size ? MWI_H_RECEIVING : MWI_H_EXECUTING;
    mwi_hentry *e = mwi_hist_add(hi, cl, h->id, state, h->msglen, h->frag_size, now);
    if (!e) {
        /* Every entry busy or the reassembly budget spent: drop it; the client's
         * retransmission tries again. */
        MWI_STAT_ADD(s->stats.dropped, 1);
        return;
    }
    e->proto = (uint8_t)proto;
    e->sem = (uint8_t)sem;
    e->route = *route;
    if (state == MWI_H_RECEIVING)
        receive_fragment(s, e, route, ident, h, pay, now);
    else
        execute(s, e, route, ident, h, pay, h->paylen);
}

/* ---- acknowledgements and statuses from clients ------------------------------------ */

static mwi_hentry *entry_of(mwi_rrs *s, const mw_addr *ident, const mwi_rr_hdr *h, uint64_t now)
{
    if (!s->hist.nclients)
        return NULL;
    mwi_hclient *cl = mwi_hist_client(&s->hist, ident, h->inc, false, now);
    return cl ? mwi_hist_find(&s->hist, cl, h->id) : NULL;
}

static void on_ack(mwi_rrs *s, const mw_addr *ident, const mwi_rr_hdr *h, uint64_t now)
{
    MWI_STAT_ADD(s->stats.acks, 1);
    mwi_hentry *e = entry_of(s, ident, h, now);
    /* The reply goes; a marker stays until the implicit acknowledgement passes it, or a
     * delayed copy of the request that arrives after the ACK would run again. Status 0
     * marks it acknowledged: copies get no answer at all. */
    if (e && (e->state == MWI_H_DONE || e->state == MWI_H_GONE))
        mwi_hist_gone(&s->hist, e, 0, now);
}

static void on_status(mwi_rrs *s, const mw_addr *route, const mw_addr *ident,
                      const mwi_rr_hdr *h, const uint8_t *pay, uint64_t now)
{
    mwi_hentry *e = entry_of(s, ident, h, now);
    if (!e) {
        send_gone(s, route, h->inc, h->id, MW_ENOENT);
        return;
    }
    if (e->state == MWI_H_GONE) {
        send_gone(s, route, h->inc, h->id, e->status);
        return;
    }
    if (e->state != MWI_H_DONE || !e->reply_frag || h->msglen != e->out.msglen)
        return;
    e->route = *route;
    /* A probe is the client's whole knowledge, sent because it heard nothing for a
     * while: take it as the answer to the current burst and send the next. */
    bool probe = h->flags & MWI_RR_F_PROBE;
    uint32_t echo = probe ? e->out.burst : h->burst;
    if (mwi_fragout_status(&e->out, h->frag_index, pay, h->paylen, echo)) {
        if (probe)
            MWI_STAT_ADD(s->stats.replies_resent, 1);
        send_reply_burst(s, e);
    }
}

void mwi_rrs_input(mwi_rrs *s, const mw_addr *route, const mw_addr *ident, const uint8_t *d,
                   size_t n, uint64_t now)
{
    mwi_rr_hdr h;
    const uint8_t *pay;
    if (mwi_rr_decode(d, n, &h, &pay) != 0 || (h.frag_size && !s->cfg.max_datagram)) {
        MWI_STAT_ADD(s->stats.malformed, 1);
        return;
    }
    switch (h.type) {
    case MWI_RR_REQUEST:
        on_request(s, route, ident, &h, pay, now);
        break;
    case MWI_RR_ACK:
        on_ack(s, ident, &h, now);
        break;
    case MWI_RR_STATUS:
        on_status(s, route, ident, &h, pay, now);
        break;
    default:
        MWI_STAT_ADD(s->stats.malformed, 1); /* replies are for clients */
        break;
    }
    gauges(s);
}

/* ---- replies ----------------------------------------------------------------------- */

/* Records an unfragmented reply datagram (in s->out) in entry e. */
static void keep_datagram(mwi_rrs *s, mwi_hentry *e, int status, uint64_t now)
{
    mwi_hist *hi = &s->hist;
    if (e->sem != MW_RR_AT_MOST_ONCE) {
        mwi_hist_remove(hi, e); /* kept only while a fragmented request was arriving */
        return;
    }
    mw_buf_reset(&e->reply);
    if (!mwi_hist_make_room(hi, s->out.len) ||
        mw_buf_append(&e->reply, s->out.data, s->out.len) != 0) {
        mwi_hist_gone(hi, e, MW_ELIMIT, now);
        return;
    }
    e->reply_frag = false;
    mwi_hist_done(hi, e, status, now);
}

/* A reply too large for one datagram: kept in an entry (under every semantics) so its
 * fragments can be resent, then sent as a first burst. */
static void send_fragmented(mwi_rrs *s, const mwi_rrs_job *job, mwi_hentry *e,
                            const uint8_t *body, size_t n, uint64_t now)
{
    mwi_hist *hi = &s->hist;
    if (!e) {
        mwi_hclient *cl = mwi_hist_client(hi, &job->ident, job->inc, true, now);
        e = cl ? mwi_hist_add(hi, cl, job->id, MWI_H_EXECUTING, 0, 0, now) : NULL;
        if (e) {
            e->proto = job->proto;
            e->sem = job->sem;
            e->route = job->route;
        }
    }
    uint32_t fsize = s->cfg.max_datagram - MW_RR_HEADER_SIZE;
    mw_buf_reset(e ? &e->reply : &s->out);
    if (!e || !mwi_hist_make_room(hi, n) || mw_buf_append(&e->reply, body, n) != 0 ||
        mwi_fragout_init(&e->out, (uint32_t)n, fsize, s->cfg.window) != 0) {
        mw_addr to = e ? e->route : job->route;
        if (e && e->sem == MW_RR_AT_MOST_ONCE)
            mwi_hist_gone(hi, e, MW_ELIMIT, now);
        else if (e)
            mwi_hist_remove(hi, e);
        send_error_reply(s, &to, job->inc, job->id, job->proto, job->sem, MW_ELIMIT);
        return;
    }
    e->reply_frag = true;
    mwi_hist_done(hi, e, 0, now);
    send_reply_burst(s, e);
}

void mwi_rrs_reply(mwi_rrs *s, const mwi_rrs_job *job, int status, const uint8_t *body,
                   size_t n, uint64_t now)
{
    mwi_hist *hi = &s->hist;
    mwi_hentry *e = NULL;
    if (job->entry && hi->nclients) {
        mwi_hclient *cl = mwi_hist_client(hi, &job->ident, job->inc, false, now);
        e = cl ? mwi_hist_find(hi, cl, job->id) : NULL;
        if (e && e->state != MWI_H_EXECUTING)
            e = NULL; /* acknowledged and reused meanwhile: not ours */
    }
    if (status > 0)
        status = 0;
    if (status == 0 && n > s->cfg.max_message)
        status = MW_EMSGSIZE;
    if (status != 0)
        n = 0;
    if (job->proto == MW_RR_R) {
        if (e && e->sem == MW_RR_AT_MOST_ONCE) {
            mw_buf_reset(&e->reply);
            mwi_hist_done(hi, e, status, now); /* a marker: filters network duplicates */
        } else if (e) {
            mwi_hist_remove(hi, e);
        }
        gauges(s);
        return;
    }
    if (s->cfg.max_datagram && n > s->cfg.max_datagram - MW_RR_HEADER_SIZE) {
        send_fragmented(s, job, e, body, n, now);
        gauges(s);
        return;
    }
    mwi_rr_hdr h;
    reply_hdr(&h, job->inc, job->id, job->proto, job->sem, status);
    h.msglen = h.paylen = (uint32_t)n;
    const mw_addr *to = e ? &e->route : &job->route;
    uint8_t *p = build(s, &h, body);
    if (p)
        xmit(s, to, p, s->out.len);
    if (e) {
        if (p)
            keep_datagram(s, e, status, now);
        else
            mwi_hist_gone(hi, e, MW_ENOMEM, now);
    }
    gauges(s);
}

void mwi_rrs_abandon(mwi_rrs *s, const mwi_rrs_job *job, uint64_t now)
{
    MWI_STAT_ADD(s->stats.dropped, 1);
    if (job->entry && s->hist.nclients) {
        mwi_hclient *cl = mwi_hist_client(&s->hist, &job->ident, job->inc, false, now);
        mwi_hentry *e = cl ? mwi_hist_find(&s->hist, cl, job->id) : NULL;
        if (e && e->state == MWI_H_EXECUTING)
            mwi_hist_remove(&s->hist, e);
    }
    gauges(s);
}

uint64_t mwi_rrs_timer(mwi_rrs *s, uint64_t now)
{
    uint64_t next = mwi_hist_expire(&s->hist, now);
    gauges(s);
    return next;
}

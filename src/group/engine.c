/*
 * engine.c - the reliable multicast engine's core: per-sender streams, sending with
 * fragmentation and a flow-control window, heartbeats carrying acknowledgements
 * (stability: a datagram is freed once every member has it and it was delivered here),
 * gap detection with NACKs, retransmission from the buffers, and the periodic step.
 * Membership lives in view.c, delivery in deliver.c.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mw_impl.h"
#include "group/engine.h"

#define SUBSYS "group"

/* ------------------------------------------------------------------------------------ */
/* Configuration                                                                        */
/* ------------------------------------------------------------------------------------ */

int mwi_gconf_init(mwi_gconf *c, const mw_group_opts *opts)
{
    mw_group_opts none;
    if (!opts) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    memset(c, 0, sizeof *c);
    c->id = opts->id;
    c->order = opts->order ? opts->order : MW_GROUP_FIFO;
    c->max_datagram = opts->max_datagram ? opts->max_datagram : MW_GROUP_DEFAULT_DATAGRAM;
    c->window = opts->window ? opts->window : MW_GROUP_DEFAULT_WINDOW;
    c->max_message = opts->max_message ? opts->max_message : MW_GROUP_DEFAULT_MAX_MESSAGE;
    c->heartbeat_ms = opts->heartbeat_ms ? opts->heartbeat_ms : MW_GROUP_DEFAULT_HEARTBEAT_MS;
    c->fail_ms = opts->fail_ms ? opts->fail_ms : MW_GROUP_DEFAULT_FAIL_MS;
    c->join_ms = opts->join_ms ? opts->join_ms : MW_GROUP_DEFAULT_JOIN_MS;
    c->retry_ms = opts->retry_ms ? opts->retry_ms : MW_GROUP_DEFAULT_RETRY_MS;
    if (c->order != MW_GROUP_FIFO && c->order != MW_GROUP_TOTAL)
        return MW_EINVAL;
    if (c->max_datagram < MW_GROUP_MIN_DATAGRAM || c->max_datagram > MW_UDP_MAX_PAYLOAD)
        return MW_EINVAL;
    if (c->window < 8 || c->window > MW_GROUP_MAX_WINDOW)
        return MW_EINVAL;
    /* A message must fit in half the window, so that it can always be sent once the
     * window drains, and a receiver's slots (twice the window) hold it whole. */
    size_t frag = c->max_datagram - MW_GROUP_HEADER_SIZE - MW_GROUP_DATA_HEADER;
    if (c->max_message > UINT32_MAX || (c->max_message + frag - 1) / frag > c->window / 2)
        return MW_EINVAL;
    /* Failure detection needs several heartbeats per timeout. */
    if (c->fail_ms < 2 * c->heartbeat_ms)
        return MW_EINVAL;
    if (opts->name) {
        size_t len = strlen(opts->name);
        if (len > MW_GROUP_MAX_NAME)
            return MW_EINVAL;
        memcpy(c->name, opts->name, len + 1);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Output queue                                                                         */
/* ------------------------------------------------------------------------------------ */

int mwi_gout_push(mwi_gengine *e, const uint8_t *d, size_t n)
{
    if (e->out_len == e->out_cap) {
        size_t cap = e->out_cap ? 2 * e->out_cap : 64;
        mwi_gout *q = malloc(cap * sizeof *q);
        if (!q)
            return MW_ENOMEM;
        for (size_t i = 0; i < e->out_len; i++)
            q[i] = e->out[(e->out_head + i) % e->out_cap];
        free(e->out);
        e->out = q;
        e->out_cap = cap;
        e->out_head = 0;
    }
    uint8_t *copy = malloc(n);
    if (!copy)
        return MW_ENOMEM;
    memcpy(copy, d, n);
    e->out[(e->out_head + e->out_len) % e->out_cap] = (mwi_gout){copy, n};
    e->out_len++;
    e->stats.datagrams_out++;
    return 0;
}

int mwi_gout_scratch(mwi_gengine *e)
{
    int rc = mwi_gw_finish(&e->scratch, 0);
    return rc ? rc : mwi_gout_push(e, e->scratch.data, e->scratch.len);
}

bool mwi_gengine_output(mwi_gengine *e, const uint8_t **d, size_t *n)
{
    free(e->out_current.data);
    e->out_current.data = NULL;
    if (!e->out_len)
        return false;
    e->out_current = e->out[e->out_head];
    e->out_head = (e->out_head + 1) % e->out_cap;
    e->out_len--;
    *d = e->out_current.data;
    *n = e->out_current.len;
    return true;
}

int mwi_gbegin(mwi_gengine *e, uint8_t type, uint16_t flags)
{
    mw_buf_reset(&e->scratch);
    return mwi_gw_header(&e->scratch, type, flags, e->conf.id, e->vid);
}

/* ------------------------------------------------------------------------------------ */
/* Streams                                                                              */
/* ------------------------------------------------------------------------------------ */

int mwi_gindex(const mwi_gengine *e, uint64_t id)
{
    if (e->state != MWI_GS_NORMAL && e->state != MWI_GS_FLUSHING)
        return -1;
    /* Members are sorted by id. */
    size_t lo = 0, hi = e->view.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e->view.members[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < e->view.n && e->view.members[lo].id == id ? (int)lo : -1;
}

bool mwi_gsuspected(const mwi_gengine *e, int i)
{
    if (i == e->me)
        return false;
    return e->forced_out[i] || e->now > e->heard[i] + e->conf.fail_ms;
}

mwi_gslot *mwi_gslot_get(mwi_gstream *s, uint64_t seq)
{
    if (seq <= s->base || seq > s->base + s->cap)
        return NULL;
    mwi_gslot *slot = &s->slots[seq % s->cap];
    return slot->dg && slot->seq == seq ? slot : NULL;
}

void mwi_gconsume(mwi_gstream *s, uint64_t seq)
{
    mwi_gslot *slot = mwi_gslot_get(s, seq);
    if (slot)
        slot->consumed = true;
    for (;;) {
        mwi_gslot *next = mwi_gslot_get(s, s->done + 1);
        if (!next || !next->consumed)
            break;
        s->done++;
    }
}

static void slot_free(mwi_gengine *e, mwi_gslot *slot)
{
    if (slot->dg) {
        e->stats.buffered_bytes -= slot->len;
        free(slot->dg);
    }
    memset(slot, 0, sizeof *slot);
}

void mwi_gstreams_free(mwi_gengine *e)
{
    if (e->streams) {
        for (size_t i = 0; i < e->n_streams; i++) {
            mwi_gstream *s = &e->streams[i];
            for (uint32_t k = 0; s->slots && k < s->cap; k++)
                slot_free(e, &s->slots[k]);
            free(s->slots);
        }
    }
    free(e->streams);
    free(e->acks);
    free(e->heard);
    e->streams = NULL;
    e->acks = NULL;
    e->heard = NULL;
    e->n_streams = 0;
}

int mwi_gstreams_reset(mwi_gengine *e)
{
    mwi_gstreams_free(e);
    size_t n = e->view.n;
    e->streams = calloc(n, sizeof *e->streams);
    e->acks = calloc(n * n, sizeof *e->acks);
    e->heard = calloc(n, sizeof *e->heard);
    if (!e->streams || !e->acks || !e->heard)
        goto nomem;
    e->n_streams = n;
    for (size_t i = 0; i < n; i++) {
        mwi_gstream *s = &e->streams[i];
        s->cap = 2 * e->conf.window;
        s->limit = UINT64_MAX;
        s->slots = calloc(s->cap, sizeof *s->slots);
        if (!s->slots)
            goto nomem;
        e->heard[i] = e->now;
    }
    memset(e->forced_out, 0, sizeof e->forced_out);
    e->me = mwi_gindex(e, e->conf.id);
    e->since_ack = 0;
    e->rr = 0;
    e->cseq = 1;
    e->cidx = 0;
    e->gseq_done = 0;
    e->gseq_given = 0;
    e->order_next = 1;
    e->n_pending = 0;
    e->order_rr = 0;
    return 0;
nomem:
    mwi_gstreams_free(e);
    return MW_ENOMEM;
}

/* Stores a datagram of stream s at seq. Returns true if it was new. */
static bool store(mwi_gengine *e, mwi_gstream *s, const mwi_gmsg *m, const uint8_t *d, size_t n)
{
    uint64_t seq = m->u.data.seq;
    if (seq <= s->base) {
        e->stats.duplicates++;
        return false;
    }
    if (seq > s->base + s->cap) {
        e->stats.out_of_window++; /* no room: it will be asked for again later */
        return false;
    }
    mwi_gslot *slot = &s->slots[seq % s->cap];
    if (slot->dg) {
        e->stats.duplicates++;
        return false;
    }
    uint8_t *copy = malloc(n);
    if (!copy)
        return false; /* as if lost */
    memcpy(copy, d, n);
    *slot = (mwi_gslot){.dg = copy,
                        .seq = seq,
                        .len = (uint32_t)n,
                        .flags = m->flags,
                        .frag_index = m->u.data.frag_index,
                        .frag_count = m->u.data.frag_count,
                        .msg_len = m->u.data.msg_len};
    e->stats.buffered_bytes += n;
    if (e->stats.buffered_bytes > e->stats.peak_buffered_bytes)
        e->stats.peak_buffered_bytes = e->stats.buffered_bytes;
    uint64_t before = s->contig;
    while (mwi_gslot_get(s, s->contig + 1))
        s->contig++;
    if (seq > s->high)
        s->high = seq;
    if (s->contig != before)
        s->nack_attempt = 0;
    if (s->contig >= s->high)
        s->nack_due = 0;
    return true;
}

/* Frees what every member has and we consumed. */
static void release(mwi_gengine *e, mwi_gstream *s)
{
    uint64_t upto = MWI_MIN(s->stable, s->done);
    while (s->base < upto) {
        s->base++;
        slot_free(e, &s->slots[s->base % s->cap]);
    }
}

void mwi_gvector(const mwi_gengine *e, uint64_t *v)
{
    for (size_t i = 0; i < e->view.n; i++)
        v[i] = e->streams[i].contig;
}

/* Recomputes stream j's stability from the acknowledgements and frees what it can. */
void mwi_grestabilize(mwi_gengine *e, size_t j)
{
    size_t n = e->view.n;
    mwi_gstream *s = &e->streams[j];
    uint64_t st = s->contig;
    for (size_t m = 0; m < n; m++) {
        if ((int)m == e->me)
            continue;
        uint64_t a = e->acks[m * n + j];
        if (a < st)
            st = a;
    }
    if (st > s->stable)
        s->stable = st;
    release(e, s);
}

/* ------------------------------------------------------------------------------------ */
/* Sending                                                                              */
/* ------------------------------------------------------------------------------------ */

int mwi_gsend_own(mwi_gengine *e, uint16_t flags, const uint8_t *payload, size_t n,
                  uint16_t frag_index, uint16_t frag_count, uint32_t msg_len)
{
    mwi_gstream *s = &e->streams[e->me];
    uint64_t seq = s->high + 1;
    if (seq > s->base + s->cap)
        return MW_EAGAIN;
    int rc = mwi_gbegin(e, MWI_GT_DATA, flags);
    if (!rc)
        rc = mw_buf_put_u64be(&e->scratch, seq);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, frag_index);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, frag_count);
    if (!rc)
        rc = mw_buf_put_u32be(&e->scratch, msg_len);
    if (!rc)
        rc = mw_buf_append(&e->scratch, payload, n);
    if (!rc)
        rc = mwi_gw_finish(&e->scratch, 0);
    if (rc)
        return rc;
    mwi_gmsg m;
    if ((rc = mwi_gw_decode(&m, e->scratch.data, e->scratch.len)))
        return rc;
    if (!store(e, s, &m, e->scratch.data, e->scratch.len))
        return MW_ENOMEM;
    return mwi_gout_push(e, e->scratch.data, e->scratch.len);
}

/* Datagrams of our own stream that some member may still lack. */
static uint64_t unstable(const mwi_gengine *e)
{
    const mwi_gstream *s = &e->streams[e->me];
    return s->high - s->stable;
}

int mwi_gengine_send(mwi_gengine *e, const void *d, size_t n, uint64_t now)
{
    e->now = now;
    if (e->leaving || e->state == MWI_GS_LEFT)
        return MW_ESTATE;
    if (n > e->conf.max_message)
        return MW_EMSGSIZE;
    if (e->state != MWI_GS_NORMAL)
        return MW_EAGAIN;
    size_t frag = e->conf.max_datagram - MW_GROUP_HEADER_SIZE - MW_GROUP_DATA_HEADER;
    size_t count = n ? (n + frag - 1) / frag : 1;
    mwi_gstream *s = &e->streams[e->me];
    /* The sequencer keeps an eighth of its window for order records, so its own
     * messages never starve the ordering of everybody else's. */
    uint64_t window = e->conf.window;
    if (e->conf.order == MW_GROUP_TOTAL && e->me == 0)
        window -= window / 8;
    if (unstable(e) + count > window || s->high + count > s->base + s->cap) {
        e->stats.window_full++;
        /* Receivers acknowledge every quarter window or heartbeat; a sender whose window
         * is full (their gaps being repaired, say) should not wait for the heartbeat. */
        if (unstable(e) + count > window && now >= e->next_ackreq) {
            e->ackreq = true;
            e->next_hb = now;
            e->next_ackreq = now + e->conf.retry_ms / 2 + 1;
        }
        return MW_EAGAIN;
    }
    uint16_t flags = e->conf.order == MW_GROUP_TOTAL ? MWI_GF_TOTAL : 0;
    const uint8_t *p = d;
    for (size_t i = 0; i < count; i++) {
        size_t len = i + 1 < count ? frag : n - i * frag;
        int rc = mwi_gsend_own(e, flags, p + i * frag, len, (uint16_t)i, (uint16_t)count,
                               (uint32_t)n);
        if (rc)
            return rc; /* only MW_ENOMEM: the fragments sent are a message never completed */
    }
    e->stats.sent++;
    return 0;
}

void mwi_gsend_heartbeat(mwi_gengine *e)
{
    size_t n = e->view.n;
    uint64_t v[MW_GROUP_MAX_MEMBERS];
    mwi_gvector(e, v);
    uint16_t flags = (e->leaving ? MWI_GF_LEAVING : 0) | (e->ackreq ? MWI_GF_ACKREQ : 0);
    e->ackreq = false;
    int rc = mwi_gbegin(e, MWI_GT_HEARTBEAT, flags);
    if (!rc)
        rc = mw_buf_put_u64be(&e->scratch, e->streams[e->me].high);
    if (!rc)
        rc = mw_buf_put_u64be(&e->scratch, e->streams[e->me].stable);
    if (!rc)
        rc = mw_buf_put_u64be(&e->scratch, e->view.members[0].id);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, (uint16_t)n);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, 0);
    if (!rc)
        rc = mwi_gw_put_u64s(&e->scratch, v, n);
    if (!rc)
        mwi_gout_scratch(e);
    e->next_hb = e->now + e->conf.heartbeat_ms;
    e->since_ack = 0;
}

/* ------------------------------------------------------------------------------------ */
/* Receiving                                                                            */
/* ------------------------------------------------------------------------------------ */

static bool same_view(const mwi_gengine *e, const mwi_gmsg *m)
{
    return (e->state == MWI_GS_NORMAL || e->state == MWI_GS_FLUSHING) &&
           m->view.counter == e->vid.counter && m->view.proposer == e->vid.proposer;
}

/* A gap in stream s (known to go up to s->high): schedule a NACK a little later, so that
 * a datagram merely overtaken by the next one does not cost a request. */
static void note_gap(mwi_gengine *e, mwi_gstream *s)
{
    if (s->contig < s->high && !s->nack_due)
        s->nack_due = e->now + e->conf.retry_ms / 4 + 1;
}

static void on_data(mwi_gengine *e, int i, const mwi_gmsg *m, const uint8_t *d, size_t n)
{
    mwi_gstream *s = &e->streams[i];
    if (!store(e, s, m, d, n))
        return;
    e->since_ack++;
    note_gap(e, s);
    if (e->state == MWI_GS_FLUSHING && e->cut_have && !e->cut_reached)
        mwi_gview_check_cut(e);
}

static void on_heartbeat(mwi_gengine *e, int i, const mwi_gmsg *m)
{
    size_t n = e->view.n;
    if (m->u.hb.n != n)
        return;
    mwi_gstream *s = &e->streams[i];
    if (m->u.hb.high > s->high)
        s->high = m->u.hb.high;
    /* The sender's own idea of its stability is what its window was measured against:
     * taking it keeps our slots in step with what it may send, even when some member's
     * heartbeats never reached us. */
    if (m->u.hb.stable > s->stable && m->u.hb.stable <= s->contig)
        s->stable = m->u.hb.stable;
    if ((m->flags & MWI_GF_ACKREQ) && e->now >= e->next_ack_reply) {
        e->next_hb = e->now; /* the driver runs the timers right after this input */
        e->next_ack_reply = e->now + e->conf.retry_ms / 4 + 1;
    }
    for (size_t j = 0; j < n; j++) {
        uint64_t a = mwi_gw_u64(m->u.hb.acks, j);
        if (a > e->acks[i * n + j])
            e->acks[i * n + j] = a;
        /* A member that has more of stream j than we do proves those datagrams exist:
         * the tail of a failed sender's stream is found this way. */
        if ((int)j != e->me && a > e->streams[j].high)
            e->streams[j].high = a;
    }
    for (size_t j = 0; j < n; j++) {
        note_gap(e, &e->streams[j]);
        mwi_grestabilize(e, j);
    }
}

static void on_nack(mwi_gengine *e, const mwi_gmsg *m)
{
    int t = mwi_gindex(e, m->u.nack.target);
    if (t < 0)
        return;
    /* The sender answers at once. Others answer when it may be gone (suspected, or the
     * view is changing) or when the requester has asked twice without result. */
    if (t != e->me && e->state != MWI_GS_FLUSHING && m->u.nack.attempt < 2 &&
        !mwi_gsuspected(e, t))
        return;
    mwi_gstream *s = &e->streams[t];
    unsigned burst = 0;
    for (uint16_t r = 0; r < m->u.nack.n && burst < MWI_G_NACK_BURST; r++) {
        uint64_t first = mwi_gw_u64(m->u.nack.ranges, 2 * r);
        uint64_t last = mwi_gw_u64(m->u.nack.ranges, 2 * r + 1);
        if (first <= s->base)
            first = s->base + 1;
        if (last > s->base + s->cap)
            last = s->base + s->cap;
        for (uint64_t seq = first; seq <= last && burst < MWI_G_NACK_BURST; seq++) {
            mwi_gslot *slot = mwi_gslot_get(s, seq);
            if (!slot)
                continue;
            /* Several requesters ask for the same datagram: resend it once per half
             * retry interval at most. */
            if (slot->retx_ms && e->now < slot->retx_ms + e->conf.retry_ms / 2)
                continue;
            slot->retx_ms = e->now;
            mw_store_u16be(slot->dg + 4, slot->flags | MWI_GF_RETRANS);
            mwi_gout_push(e, slot->dg, slot->len);
            mw_store_u16be(slot->dg + 4, slot->flags);
            e->stats.retransmitted++;
            burst++;
        }
    }
}

int mwi_gengine_input(mwi_gengine *e, const uint8_t *d, size_t n, uint64_t now)
{
    e->now = now;
    mwi_gmsg m;
    int rc = mwi_gw_decode(&m, d, n);
    if (rc) {
        e->stats.malformed++;
        return rc;
    }
    if (m.sender == e->conf.id || e->state == MWI_GS_LEFT)
        return 0; /* our own datagrams come back through multicast loopback */
    int idx = same_view(e, &m) ? mwi_gindex(e, m.sender) : -1;
    if (idx >= 0)
        e->heard[idx] = now;
    switch (m.type) {
    case MWI_GT_DATA:
        if (idx >= 0)
            on_data(e, idx, &m, d, n);
        break;
    case MWI_GT_HEARTBEAT:
        if (idx >= 0)
            on_heartbeat(e, idx, &m);
        mwi_gview_heartbeat(e, &m, idx);
        break;
    case MWI_GT_NACK:
        if (idx >= 0)
            on_nack(e, &m);
        break;
    default:
        mwi_gview_input(e, &m, d, n);
        break;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Timers                                                                               */
/* ------------------------------------------------------------------------------------ */

/* Sends a NACK for stream t's missing datagrams, as far as our slots reach. */
static void send_nack(mwi_gengine *e, int t)
{
    mwi_gstream *s = &e->streams[t];
    uint64_t known = s->high;
    if (e->cut_have && e->cut[t] > known)
        known = e->cut[t];
    uint64_t last = MWI_MIN(known, s->base + s->cap);
    uint64_t ranges[2 * MWI_G_NACK_RANGES];
    size_t nr = 0;
    for (uint64_t seq = s->contig + 1; seq <= last && nr < MWI_G_NACK_RANGES; seq++) {
        if (mwi_gslot_get(s, seq))
            continue;
        uint64_t end = seq;
        while (end < last && !mwi_gslot_get(s, end + 1))
            end++;
        ranges[2 * nr] = seq;
        ranges[2 * nr + 1] = end;
        nr++;
        seq = end;
    }
    if (!nr)
        return;
    uint8_t attempt = s->nack_attempt > 255 ? 255 : (uint8_t)s->nack_attempt;
    int rc = mwi_gbegin(e, MWI_GT_NACK, 0);
    if (!rc)
        rc = mw_buf_put_u64be(&e->scratch, e->view.members[t].id);
    if (!rc)
        rc = mw_buf_put_u8(&e->scratch, attempt);
    if (!rc)
        rc = mw_buf_put_u8(&e->scratch, 0);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, (uint16_t)nr);
    if (!rc)
        rc = mwi_gw_put_u64s(&e->scratch, ranges, 2 * nr);
    if (!rc && !mwi_gout_scratch(e))
        e->stats.nacks_sent++;
    s->nack_attempt++;
}

static void nacks(mwi_gengine *e)
{
    for (size_t t = 0; t < e->view.n; t++) {
        if ((int)t == e->me)
            continue;
        mwi_gstream *s = &e->streams[t];
        note_gap(e, s);
        if (e->cut_have && e->cut[t] > s->contig && !s->nack_due)
            s->nack_due = e->now;
        if (s->nack_due && e->now >= s->nack_due) {
            send_nack(e, (int)t);
            s->nack_due = e->now + e->conf.retry_ms;
        }
    }
}

uint64_t mwi_gengine_periodic(mwi_gengine *e, uint64_t now)
{
    e->now = now;
    if (e->state == MWI_GS_NORMAL || e->state == MWI_GS_FLUSHING) {
        /* Acknowledge early when a quarter of the window has arrived since the last
         * heartbeat: senders then never wait a whole heartbeat interval for room. */
        if (now >= e->next_hb || e->since_ack >= e->conf.window / 4)
            mwi_gsend_heartbeat(e);
        for (size_t j = 0; j < e->view.n; j++)
            mwi_grestabilize(e, j);
        nacks(e);
    }
    mwi_gview_periodic(e);
    if (e->state == MWI_GS_NORMAL && e->conf.order == MW_GROUP_TOTAL && e->me == 0)
        mwi_gsequence(e);

    uint64_t next = now + 10 * (uint64_t)e->conf.heartbeat_ms;
    if (e->state == MWI_GS_NORMAL || e->state == MWI_GS_FLUSHING) {
        next = MWI_MIN(next, e->next_hb);
        for (size_t j = 0; j < e->view.n; j++) {
            if (e->streams[j].nack_due)
                next = MWI_MIN(next, e->streams[j].nack_due);
            if ((int)j != e->me && !mwi_gsuspected(e, (int)j))
                next = MWI_MIN(next, e->heard[j] + e->conf.fail_ms + 1);
        }
        if (e->n_pending)
            next = MWI_MIN(next, now + e->conf.retry_ms);
    }
    next = MWI_MIN(next, mwi_gview_deadline(e));
    return next;
}

/* ------------------------------------------------------------------------------------ */
/* Life cycle                                                                           */
/* ------------------------------------------------------------------------------------ */

int mwi_gengine_create(mwi_gengine **out, const mwi_gconf *conf, uint64_t now)
{
    if (!out || !conf || !conf->id)
        return MW_EINVAL;
    mwi_gengine *e = calloc(1, sizeof *e);
    if (!e)
        return MW_ENOMEM;
    e->conf = *conf;
    e->now = now;
    e->state = MWI_GS_JOINING;
    e->join_started = now;
    e->next_join = now;
    e->me = -1;
    size_t room = conf->max_datagram - MW_GROUP_HEADER_SIZE - MW_GROUP_DATA_HEADER;
    e->pending_cap = (room - MWI_G_ORDER_HEADER) / MWI_G_ORDER_ENTRY;
    e->pending = malloc(MWI_G_ORDER_HEADER + MWI_G_ORDER_ENTRY * e->pending_cap);
    if (!e->pending) {
        free(e);
        return MW_ENOMEM;
    }
    *out = e;
    return 0;
}

void mwi_gengine_destroy(mwi_gengine *e)
{
    if (!e)
        return;
    mwi_gstreams_free(e);
    mwi_gqueue_free(e);
    const uint8_t *d;
    size_t n;
    while (mwi_gengine_output(e, &d, &n)) {
    }
    free(e->out);
    free(e->pending);
    mw_buf_free(&e->reasm);
    mw_buf_free(&e->scratch);
    mw_buf_free(&e->last_install);
    free(e);
}

const mw_group_view *mwi_gengine_view(const mwi_gengine *e)
{
    return e->state == MWI_GS_NORMAL || e->state == MWI_GS_FLUSHING ? &e->view : NULL;
}

int mwi_gengine_leave(mwi_gengine *e, uint64_t now)
{
    e->now = now;
    if (e->leaving || e->state == MWI_GS_LEFT)
        return MW_ESTATE;
    return mwi_gview_leave(e);
}

int mwi_gengine_event(mwi_gengine *e, mw_group_event *ev)
{
    if (mwi_gqueue_pop(e, ev) == 0)
        return 0;
    if (e->state != MWI_GS_NORMAL && e->state != MWI_GS_FLUSHING)
        return MW_EAGAIN;
    return mwi_gdeliver_live(e, ev);
}

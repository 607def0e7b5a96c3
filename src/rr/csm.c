/* csm.c - the client's protocol state machine (see csm.h). */
#include <stdlib.h>
#include <string.h>

#include "rr/csm.h"

/* One outstanding call. */
struct mwi_rrc_call {
    uint64_t id;          /* request id */
    void *user;           /* the caller's pointer, handed back at completion */
    uint64_t deadline;    /* next retransmission or timeout (ns) */
    uint64_t interval;    /* per-attempt wait (ns) */
    size_t heap_i;        /* position in the deadline heap */
    uint32_t attempts;    /* transmissions so far (timeouts that resent something) */
    uint32_t max_attempts;
    int last_err;         /* the last transport error seen for this call, or 0 */
    uint32_t op, objnum, ifhash;
    uint8_t proto, sem;
    bool frag;            /* the request is fragmented */
    mw_buf req;           /* unfragmented: the whole datagram; fragmented: the payload */
    mwi_fragout out;      /* request fragments confirmed (frag only) */
    mwi_reasm in;         /* reply being reassembled (in.buf != NULL once begun) */
    mwi_rrc_call *next;   /* free list */
};

/* Buffers above this are freed when a call struct is recycled, so one huge call does not
 * pin its memory for the client's lifetime. */
#define KEEP_BUF_BYTES (256u * 1024)

static bool reliable(const mwi_rrc *m) { return m->cfg.max_datagram == 0; }

/* ---- table of outstanding calls: open addressing, linear probing, backward-shift
 * deletion (no tombstones, so lookups stay short under churn) ------------------------ */

static size_t slot_of(const mwi_rrc *m, uint64_t id)
{
    return (size_t)((id * 0x9E3779B97F4A7C15u) >> 32) & (m->nslots - 1);
}

static mwi_rrc_call *lookup(const mwi_rrc *m, uint64_t id)
{
    for (size_t i = slot_of(m, id);; i = (i + 1) & (m->nslots - 1)) {
        mwi_rrc_call *c = m->slots[i];
        if (!c || c->id == id)
            return c;
    }
}

static void table_put(mwi_rrc *m, mwi_rrc_call *c)
{
    size_t i = slot_of(m, c->id);
    while (m->slots[i])
        i = (i + 1) & (m->nslots - 1);
    m->slots[i] = c;
}

static int table_grow(mwi_rrc *m)
{
    size_t n = m->nslots * 2;
    mwi_rrc_call **old = m->slots, **s = calloc(n, sizeof *s);
    if (!s)
        return MW_ENOMEM;
    size_t oldn = m->nslots;
    m->slots = s;
    m->nslots = n;
    for (size_t i = 0; i < oldn; i++) {
        if (old[i])
            table_put(m, old[i]);
    }
    free(old);
    return 0;
}

static void table_del(mwi_rrc *m, uint64_t id)
{
    size_t mask = m->nslots - 1, i = slot_of(m, id);
    while (m->slots[i]->id != id)
        i = (i + 1) & mask;
    /* Shift later members of the probe run back into the hole when their home slot
     * allows it. */
    size_t j = i;
    for (;;) {
        m->slots[i] = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!m->slots[j])
                return;
            size_t home = slot_of(m, m->slots[j]->id);
            /* j's entry may move to i when home is not cyclically in (i, j]. */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
                break;
        }
        m->slots[i] = m->slots[j];
        i = j;
    }
}

/* ---- deadline heap ----------------------------------------------------------------- */

static void heap_swap(mwi_rrc *m, size_t a, size_t b)
{
    mwi_rrc_call *t = m->heap[a];
    m->heap[a] = m->heap[b];
    m->heap[b] = t;
    m->heap[a]->heap_i = a;
    m->heap[b]->heap_i = b;
}

static void heap_up(mwi_rrc *m, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (m->heap[p]->deadline <= m->heap[i]->deadline)
            break;
        heap_swap(m, i, p);
        i = p;
    }
}

static void heap_down(mwi_rrc *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < m->heap_len && m->heap[l]->deadline < m->heap[s]->deadline)
            s = l;
        if (r < m->heap_len && m->heap[r]->deadline < m->heap[s]->deadline)
            s = r;
        if (s == i)
            return;
        heap_swap(m, i, s);
        i = s;
    }
}

static void heap_fix(mwi_rrc *m, mwi_rrc_call *c)
{
    heap_up(m, c->heap_i);
    heap_down(m, c->heap_i);
}

static void heap_remove(mwi_rrc *m, mwi_rrc_call *c)
{
    size_t i = c->heap_i, last = --m->heap_len;
    if (i != last) {
        m->heap[i] = m->heap[last];
        m->heap[i]->heap_i = i;
        heap_fix(m, m->heap[i]);
    }
}

static void set_deadline(mwi_rrc *m, mwi_rrc_call *c, uint64_t t)
{
    c->deadline = t;
    heap_fix(m, c);
}

/* ---- life cycle -------------------------------------------------------------------- */

int mwi_rrc_init(mwi_rrc *m, const mwi_rrc_cfg *cfg, const mwi_rrc_io *io)
{
    memset(m, 0, sizeof *m);
    if (!io || !io->send || !io->done || cfg->max_message == 0)
        return MW_EINVAL;
    if (cfg->max_datagram && cfg->max_datagram < MW_RR_MIN_DATAGRAM)
        return MW_EINVAL;
    m->cfg = *cfg;
    if (m->cfg.window == 0)
        m->cfg.window = MW_RR_DEFAULT_WINDOW;
    m->io = *io;
    m->next_id = 1;
    m->low_id = 1;
    m->nslots = 16;
    m->heap_cap = 8;
    size_t scratch = cfg->max_datagram ? cfg->max_datagram : MW_RR_HEADER_SIZE;
    m->slots = calloc(m->nslots, sizeof *m->slots);
    m->heap = malloc(m->heap_cap * sizeof *m->heap);
    m->scratch = malloc(scratch);
    m->burst_idx = malloc(m->cfg.window * sizeof *m->burst_idx);
    if (!m->slots || !m->heap || !m->scratch || !m->burst_idx) {
        mwi_rrc_fini(m);
        return MW_ENOMEM;
    }
    return 0;
}

static void call_free(mwi_rrc_call *c)
{
    mw_buf_free(&c->req);
    mwi_fragout_free(&c->out);
    mwi_reasm_free(&c->in);
    free(c);
}

void mwi_rrc_fini(mwi_rrc *m)
{
    if (m->slots) {
        for (size_t i = 0; i < m->nslots; i++) {
            if (m->slots[i])
                call_free(m->slots[i]);
        }
    }
    while (m->free_list) {
        mwi_rrc_call *c = m->free_list;
        m->free_list = c->next;
        call_free(c);
    }
    free(m->slots);
    free(m->heap);
    free(m->scratch);
    free(m->burst_idx);
    memset(m, 0, sizeof *m);
}

/* ---- sending ----------------------------------------------------------------------- */

/* The implicit acknowledgement: the smallest id still outstanding. Ids complete out of
 * order, so low_id only advances past ids no longer in the table. */
static uint64_t ack_below(mwi_rrc *m)
{
    while (m->low_id < m->next_id && !lookup(m, m->low_id))
        m->low_id++;
    return m->low_id;
}

static void xmit(mwi_rrc *m, mwi_rrc_call *c, const uint8_t *d, size_t n)
{
    int rc = m->io.send(m->io.ctx, d, n);
    m->stats.sent++;
    if (rc && c)
        c->last_err = rc;
}

static void base_hdr(const mwi_rrc *m, const mwi_rrc_call *c, mwi_rr_hdr *h, uint8_t type)
{
    memset(h, 0, sizeof *h);
    h->type = type;
    h->inc = m->cfg.inc;
    h->id = c->id;
}

static void send_fragment(mwi_rrc *m, mwi_rrc_call *c, uint32_t i, uint16_t flags)
{
    mwi_rr_hdr h;
    base_hdr(m, c, &h, MWI_RR_REQUEST);
    h.flags = mwi_rr_flags(c->proto, c->sem) | flags;
    h.ack_below = ack_below(m);
    h.op = c->op;
    h.objnum = c->objnum;
    h.ifhash = c->ifhash;
    h.msglen = c->out.msglen;
    h.frag_index = i;
    h.frag_size = c->out.fsize;
    h.burst = c->out.burst;
    h.paylen = mwi_frag_len(c->out.msglen, c->out.fsize, i);
    mwi_rr_hdr_encode(m->scratch, &h);
    memcpy(m->scratch + MW_RR_HEADER_SIZE, c->req.data + (size_t)i * c->out.fsize, h.paylen);
    xmit(m, c, m->scratch, MW_RR_HEADER_SIZE + h.paylen);
}

static void send_burst(mwi_rrc *m, mwi_rrc_call *c, uint16_t flags)
{
    uint32_t k = mwi_fragout_burst(&c->out, m->burst_idx);
    if (k == 0) {
        /* Everything confirmed: probe with the last fragment; the server answers with
         * its status (or the reply, if it is ready). */
        send_fragment(m, c, c->out.nfrag - 1, flags | MWI_RR_F_RETRY | MWI_RR_F_ACKREQ);
        return;
    }
    for (uint32_t j = 0; j < k; j++)
        send_fragment(m, c, m->burst_idx[j], flags | (j + 1 == k ? MWI_RR_F_ACKREQ : 0));
}

static void send_request(mwi_rrc *m, mwi_rrc_call *c, bool retry)
{
    uint16_t flags = retry ? MWI_RR_F_RETRY : 0;
    if (c->frag) {
        send_burst(m, c, flags);
        return;
    }
    /* The datagram was built at start; only the flags and the acknowledgement change. */
    uint8_t *p = c->req.data;
    mw_store_u16be(p + 4, (uint16_t)(mwi_rr_flags(c->proto, c->sem) | flags));
    mw_store_u64be(p + 24, ack_below(m));
    xmit(m, c, p, c->req.len);
}

static void send_small(mwi_rrc *m, mwi_rrc_call *c, uint8_t type, uint16_t flags,
                       uint32_t msglen, uint32_t base, uint32_t burst, const uint8_t *payload,
                       size_t n)
{
    mwi_rr_hdr h;
    base_hdr(m, c, &h, type);
    h.flags = flags;
    h.msglen = msglen;
    h.frag_index = base;
    h.burst = burst;
    h.paylen = (uint32_t)n;
    mwi_rr_hdr_encode(m->scratch, &h);
    if (n && payload != m->scratch + MW_RR_HEADER_SIZE)
        memmove(m->scratch + MW_RR_HEADER_SIZE, payload, n);
    xmit(m, NULL, m->scratch, MW_RR_HEADER_SIZE + n);
}

/* Tells the server which reply fragments have arrived. */
static void send_status(mwi_rrc *m, mwi_rrc_call *c, uint32_t echo, uint16_t flags)
{
    size_t cap = m->cfg.max_datagram - MW_RR_HEADER_SIZE;
    if (cap > MWI_RR_STATUS_MAX_BYTES)
        cap = MWI_RR_STATUS_MAX_BYTES;
    uint32_t base;
    uint8_t *bm = m->scratch + MW_RR_HEADER_SIZE;
    size_t n = mwi_reasm_status(&c->in, bm, cap, &base);
    send_small(m, c, MWI_RR_STATUS, flags, c->in.msglen, base, echo, bm, n);
}

/* ---- calls ------------------------------------------------------------------------- */

static mwi_rrc_call *call_get(mwi_rrc *m)
{
    mwi_rrc_call *c = m->free_list;
    if (c) {
        m->free_list = c->next;
        return c;
    }
    return calloc(1, sizeof *c);
}

static void call_recycle(mwi_rrc *m, mwi_rrc_call *c)
{
    mwi_reasm_free(&c->in);
    if (c->req.cap > KEEP_BUF_BYTES)
        mw_buf_free(&c->req);
    if (c->out.bits_cap > KEEP_BUF_BYTES / 64)
        mwi_fragout_free(&c->out);
    mw_buf_reset(&c->req);
    c->next = m->free_list;
    m->free_list = c;
}

static void complete(mwi_rrc *m, mwi_rrc_call *c, int status, const uint8_t *reply, size_t n)
{
    table_del(m, c->id);
    heap_remove(m, c);
    m->outstanding--;
    if (status == 0)
        m->stats.replies++;
    else
        m->stats.failures++;
    if (status == MW_ETIMEDOUT)
        m->stats.timeouts++;
    m->io.done(m->io.ctx, c->id, c->user, status, reply, n);
    call_recycle(m, c);
}

int mwi_rrc_start(mwi_rrc *m, const mwi_rrc_spec *spec, const void *args, size_t n,
                  uint64_t now, void *user, uint64_t *id)
{
    if ((!args && n) || spec->proto < MW_RR_R || spec->proto > MW_RR_RRA ||
        spec->sem < MW_RR_MAYBE || spec->sem > MW_RR_AT_MOST_ONCE || spec->attempts == 0)
        return MW_EINVAL;
    if (n > m->cfg.max_message)
        return MW_EMSGSIZE;
    if ((m->outstanding + 1) * 2 > m->nslots && table_grow(m))
        return MW_ENOMEM;
    if (m->heap_len == m->heap_cap) {
        mwi_rrc_call **h = realloc(m->heap, 2 * m->heap_cap * sizeof *h);
        if (!h)
            return MW_ENOMEM;
        m->heap = h;
        m->heap_cap *= 2;
    }
    mwi_rrc_call *c = call_get(m);
    if (!c)
        return MW_ENOMEM;
    c->id = m->next_id;
    c->user = user;
    c->interval = spec->interval_ns;
    c->attempts = 1;
    c->max_attempts = spec->sem == MW_RR_MAYBE ? 1 : spec->attempts;
    c->last_err = 0;
    c->op = spec->op;
    c->objnum = spec->objnum;
    c->ifhash = spec->ifhash;
    c->proto = spec->proto;
    c->sem = spec->sem;
    size_t fsize = reliable(m) ? 0 : m->cfg.max_datagram - MW_RR_HEADER_SIZE;
    c->frag = !reliable(m) && n > fsize;
    int rc;
    if (c->frag) {
        rc = mw_buf_append(&c->req, args, n);
        if (rc == 0)
            rc = mwi_fragout_init(&c->out, (uint32_t)n, (uint32_t)fsize, m->cfg.window);
    } else {
        uint8_t *p;
        rc = mw_buf_extend(&c->req, MW_RR_HEADER_SIZE + n, &p);
        if (rc == 0) {
            mwi_rr_hdr h;
            base_hdr(m, c, &h, MWI_RR_REQUEST);
            h.flags = mwi_rr_flags(c->proto, c->sem);
            h.op = c->op;
            h.objnum = c->objnum;
            h.ifhash = c->ifhash;
            h.msglen = h.paylen = (uint32_t)n;
            mwi_rr_hdr_encode(p, &h);
            if (n)
                memcpy(p + MW_RR_HEADER_SIZE, args, n);
        }
    }
    if (rc) {
        call_recycle(m, c);
        return rc;
    }
    m->next_id++;
    table_put(m, c);
    m->outstanding++;
    c->heap_i = m->heap_len;
    m->heap[m->heap_len++] = c;
    /* R completes at the next timer run, so the callback never runs inside start. A
     * reliable transport needs no retransmission: one deadline covers all attempts. */
    if (c->proto == MW_RR_R)
        c->deadline = now;
    else if (reliable(m))
        c->deadline = now + c->interval * c->max_attempts;
    else
        c->deadline = now + c->interval;
    heap_up(m, c->heap_i);
    m->stats.calls++;
    send_request(m, c, false);
    if (id)
        *id = c->id;
    return 0;
}

/* ---- input ------------------------------------------------------------------------- */

/* A large message is moving: the timer starts again and the retries are given back, so
 * the retry limit bounds how long the peer may stay silent, not how many bursts a large
 * message may take. */
static void progress(mwi_rrc *m, mwi_rrc_call *c, uint64_t now)
{
    c->attempts = 1;
    set_deadline(m, c, now + c->interval);
}

static void on_reply(mwi_rrc *m, mwi_rrc_call *c, const mwi_rr_hdr *h, const uint8_t *pay,
                     uint64_t now)
{
    int status = mwi_rr_status_of(h->op);
    if (status == 0 && h->msglen > m->cfg.max_message)
        status = MW_EMSGSIZE;
    if (status == 0 && h->frag_size) {
        if (!c->in.buf && mwi_reasm_init(&c->in, h->msglen, h->frag_size) != 0) {
            complete(m, c, MW_ENOMEM, NULL, 0);
            return;
        }
        int added = mwi_reasm_add(&c->in, h, pay);
        if (added < 0) {
            m->stats.malformed++;
            return;
        }
        if (added > 0)
            progress(m, c, now);
        if (h->flags & MWI_RR_F_ACKREQ)
            send_status(m, c, h->burst, 0);
        if (!mwi_reasm_complete(&c->in))
            return;
        if (c->proto == MW_RR_RRA)
            send_small(m, c, MWI_RR_ACK, 0, 0, 0, 0, NULL, 0);
        complete(m, c, 0, c->in.buf, c->in.msglen);
        return;
    }
    if (c->proto == MW_RR_RRA)
        send_small(m, c, MWI_RR_ACK, 0, 0, 0, 0, NULL, 0);
    complete(m, c, status, status ? NULL : pay, status ? 0 : h->paylen);
}

static void on_status(mwi_rrc *m, mwi_rrc_call *c, const mwi_rr_hdr *h, const uint8_t *pay,
                      uint64_t now)
{
    if (!c->frag || h->msglen != c->out.msglen)
        return;
    uint32_t before = c->out.confirmed;
    bool next = mwi_fragout_status(&c->out, h->frag_index, pay, h->paylen, h->burst);
    if (next || c->out.confirmed > before)
        progress(m, c, now);
    if (next)
        send_burst(m, c, 0);
}

static void on_gone(mwi_rrc *m, mwi_rrc_call *c, const mwi_rr_hdr *h, uint64_t now)
{
    int status = mwi_rr_status_of(h->op);
    if (status >= 0)
        status = MW_ENOENT;
    /* At-least-once may execute again: start the exchange over. */
    if (c->sem == MW_RR_AT_LEAST_ONCE && c->attempts < c->max_attempts) {
        c->attempts++;
        m->stats.retransmissions++;
        mwi_reasm_free(&c->in);
        if (c->frag)
            (void)mwi_fragout_init(&c->out, c->out.msglen, c->out.fsize, m->cfg.window);
        set_deadline(m, c, now + c->interval);
        send_request(m, c, true);
        return;
    }
    complete(m, c, status, NULL, 0);
}

void mwi_rrc_input(mwi_rrc *m, const uint8_t *d, size_t n, uint64_t now)
{
    mwi_rr_hdr h;
    const uint8_t *pay;
    m->stats.received++;
    if (mwi_rr_decode(d, n, &h, &pay) != 0) {
        m->stats.malformed++;
        return;
    }
    if (h.inc != m->cfg.inc) {
        m->stats.stale++; /* for a former incarnation of this client */
        return;
    }
    mwi_rrc_call *c = lookup(m, h.id);
    if (!c || c->proto == MW_RR_R) {
        if (h.type == MWI_RR_REPLY || h.type == MWI_RR_GONE)
            m->stats.stale++;
        return;
    }
    switch (h.type) {
    case MWI_RR_REPLY:
        on_reply(m, c, &h, pay, now);
        break;
    case MWI_RR_STATUS:
        on_status(m, c, &h, pay, now);
        break;
    case MWI_RR_GONE:
        on_gone(m, c, &h, now);
        break;
    default:
        break; /* requests and acks are for servers */
    }
}

/* ---- time -------------------------------------------------------------------------- */

uint64_t mwi_rrc_next_deadline(const mwi_rrc *m)
{
    return m->heap_len ? m->heap[0]->deadline : UINT64_MAX;
}

uint64_t mwi_rrc_timer(mwi_rrc *m, uint64_t now)
{
    while (m->heap_len && m->heap[0]->deadline <= now) {
        mwi_rrc_call *c = m->heap[0];
        if (c->proto == MW_RR_R) {
            complete(m, c, c->last_err == MW_ECONNREFUSED ? 0 : c->last_err, NULL, 0);
            continue;
        }
        if (reliable(m) || c->attempts >= c->max_attempts) {
            int err = c->last_err == MW_ECONNREFUSED || c->last_err == MW_ECONNRESET
                          ? c->last_err
                          : MW_ETIMEDOUT;
            complete(m, c, err, NULL, 0);
            continue;
        }
        c->attempts++;
        m->stats.retransmissions++;
        set_deadline(m, c, now + c->interval);
        if (c->in.buf)
            send_status(m, c, 0, MWI_RR_F_PROBE); /* part of the reply is here */
        else
            send_request(m, c, true);
    }
    return mwi_rrc_next_deadline(m);
}

int mwi_rrc_cancel(mwi_rrc *m, uint64_t id, int status)
{
    mwi_rrc_call *c = lookup(m, id);
    if (!c)
        return MW_ENOENT;
    complete(m, c, status, NULL, 0);
    return 0;
}

void mwi_rrc_cancel_all(mwi_rrc *m, int status)
{
    while (m->heap_len)
        complete(m, m->heap[0], status, NULL, 0);
}

void mwi_rrc_note_error(mwi_rrc *m, int err)
{
    for (size_t i = 0; i < m->heap_len; i++)
        m->heap[i]->last_err = err;
}

void mwi_rrc_resend_all(mwi_rrc *m, uint64_t now, int err)
{
    /* Walk ids rather than the table: callbacks run here may add and remove calls. */
    uint64_t end = m->next_id;
    for (uint64_t id = ack_below(m); id < end; id++) {
        mwi_rrc_call *c = lookup(m, id);
        if (!c || c->proto == MW_RR_R)
            continue;
        if (c->sem == MW_RR_MAYBE) {
            complete(m, c, err, NULL, 0);
            continue;
        }
        m->stats.retransmissions++;
        send_request(m, c, true);
    }
    (void)now;
}

bool mwi_rrc_pending(const mwi_rrc *m, uint64_t id) { return lookup(m, id) != NULL; }

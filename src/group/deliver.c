/*
 * deliver.c - what reaches the application, and in which order.
 *
 * FIFO: a sender's messages are delivered in seq order as soon as they are complete;
 * senders take turns. TOTAL: the sequencer (the view's lowest id, members[0]) gives each
 * complete message a position by appending an order record (a CTRL datagram listing
 * (sender, seq) pairs) to its own stream; every member walks the sequencer's stream with
 * a cursor and delivers in record order. Order records travel in a reliable FIFO stream,
 * so they need nothing of their own: NACKs, retransmission, stability and the flush of a
 * view change cover them.
 *
 * Delivery is lazy: a message stays in its stream's slots until the application asks for
 * the next event, so a slow reader holds back acknowledgements of nothing (it received
 * everything) but holds slots, and a sender's window ends up bounding everybody's memory.
 *
 * At a view change (view.c) mwi_gdeliver_final delivers what remains up to the agreed cut
 * into the event queue, in an order every surviving member computes alike (see there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mw_impl.h"
#include "group/engine.h"

#define PAYLOAD_OFF (MW_GROUP_HEADER_SIZE + MW_GROUP_DATA_HEADER)

/* ------------------------------------------------------------------------------------ */
/* Event queue                                                                          */
/* ------------------------------------------------------------------------------------ */

static void qevent_free(mwi_gqevent *q)
{
    free(q->data);
    free(q->view);
    memset(q, 0, sizeof *q);
}

int mwi_gqueue_push(mwi_gengine *e, const mwi_gqevent *ev)
{
    if (e->q_len == e->q_cap) {
        size_t cap = e->q_cap ? 2 * e->q_cap : 16;
        mwi_gqevent *q = malloc(cap * sizeof *q);
        if (!q)
            return MW_ENOMEM;
        for (size_t i = 0; i < e->q_len; i++)
            q[i] = e->queue[(e->q_head + i) % e->q_cap];
        free(e->queue);
        e->queue = q;
        e->q_cap = cap;
        e->q_head = 0;
    }
    e->queue[(e->q_head + e->q_len) % e->q_cap] = *ev;
    e->q_len++;
    return 0;
}

int mwi_gqueue_pop(mwi_gengine *e, mw_group_event *ev)
{
    qevent_free(&e->current);
    if (!e->q_len)
        return MW_EAGAIN;
    e->current = e->queue[e->q_head];
    e->q_head = (e->q_head + 1) % e->q_cap;
    e->q_len--;
    const mwi_gqevent *q = &e->current;
    memset(ev, 0, sizeof *ev);
    ev->type = q->type;
    if (q->type == MW_GROUP_MESSAGE) {
        ev->sender = q->sender;
        ev->sender_name = q->name;
        ev->data = q->data ? q->data : (const uint8_t *)"";
        ev->len = q->len;
        ev->seq = q->seq;
        ev->gseq = q->gseq;
    } else if (q->type == MW_GROUP_VIEW) {
        ev->view = q->view;
    }
    return 0;
}

void mwi_gqueue_free(mwi_gengine *e)
{
    qevent_free(&e->current);
    while (e->q_len) {
        qevent_free(&e->queue[e->q_head]);
        e->q_head = (e->q_head + 1) % e->q_cap;
        e->q_len--;
    }
    free(e->queue);
    e->queue = NULL;
    e->q_cap = 0;
}

/* ------------------------------------------------------------------------------------ */
/* Messages in a stream                                                                 */
/* ------------------------------------------------------------------------------------ */

#define MSG_WAIT 0  /* not all of it is here (within the bound) */
#define MSG_READY 1 /* complete: fc fragments from the given seq */
#define MSG_BAD 2   /* the slot at seq cannot start a message: skip it */

/* Whether a whole message starts at seq of stream s, using only datagrams <= bound. */
static int message_at(mwi_gstream *s, uint64_t seq, uint64_t bound, uint16_t *fc)
{
    if (seq > bound)
        return MSG_WAIT;
    mwi_gslot *first = mwi_gslot_get(s, seq);
    if (!first)
        return MSG_WAIT;
    if (first->frag_index != 0 || (first->flags & MWI_GF_CTRL))
        return MSG_BAD;
    uint16_t count = first->frag_count;
    if (seq + count - 1 > bound)
        return MSG_WAIT;
    size_t total = 0;
    for (uint16_t k = 0; k < count; k++) {
        mwi_gslot *f = mwi_gslot_get(s, seq + k);
        if (!f)
            return MSG_WAIT;
        if (f->frag_index != k || f->frag_count != count || f->msg_len != first->msg_len ||
            (f->flags & MWI_GF_CTRL))
            return MSG_BAD;
        total += f->len - PAYLOAD_OFF;
    }
    if (total != first->msg_len)
        return MSG_BAD;
    *fc = count;
    return MSG_READY;
}

/* Points *data at the message's bytes: in its slot, or reassembled in e->reasm. */
static int message_bytes(mwi_gengine *e, mwi_gstream *s, uint64_t seq, uint16_t fc,
                         const uint8_t **data, size_t *len)
{
    mwi_gslot *first = mwi_gslot_get(s, seq);
    if (fc == 1) {
        *data = first->dg + PAYLOAD_OFF;
        *len = first->len - PAYLOAD_OFF;
        return 0;
    }
    mw_buf_reset(&e->reasm);
    int rc = mw_buf_reserve(&e->reasm, first->msg_len);
    if (rc)
        return rc;
    for (uint16_t k = 0; k < fc; k++) {
        mwi_gslot *f = mwi_gslot_get(s, seq + k);
        mw_buf_append(&e->reasm, f->dg + PAYLOAD_OFF, f->len - PAYLOAD_OFF);
    }
    *data = e->reasm.data;
    *len = e->reasm.len;
    return 0;
}

static void consume_message(mwi_gstream *s, uint64_t seq, uint16_t fc)
{
    for (uint16_t k = 0; k < fc; k++)
        mwi_gconsume(s, seq + k);
}

/*
 * The next message of stream j in seq order, skipping (consuming) order records and
 * malformed datagrams: MSG_READY with *seq and *fc, or MSG_WAIT.
 */
static int next_in_stream(mwi_gengine *e, size_t j, uint64_t *seq, uint16_t *fc)
{
    mwi_gstream *s = &e->streams[j];
    uint64_t bound = MWI_MIN(s->contig, s->limit);
    for (;;) {
        uint64_t next = s->done + 1;
        int r = message_at(s, next, bound, fc);
        if (r == MSG_READY) {
            *seq = next;
            return MSG_READY;
        }
        if (r == MSG_WAIT)
            return MSG_WAIT;
        if (!(mwi_gslot_get(s, next)->flags & MWI_GF_CTRL))
            e->stats.malformed++;
        mwi_gconsume(s, next);
    }
}

/* Fills ev for the message (j, seq, fc) and consumes it. */
static int hand_out(mwi_gengine *e, size_t j, uint64_t seq, uint16_t fc, uint64_t gseq,
                    mw_group_event *ev)
{
    mwi_gstream *s = &e->streams[j];
    memset(ev, 0, sizeof *ev);
    int rc = message_bytes(e, s, seq, fc, &ev->data, &ev->len);
    if (rc)
        return rc;
    ev->type = MW_GROUP_MESSAGE;
    ev->sender = e->view.members[j].id;
    ev->sender_name = e->view.members[j].name;
    ev->seq = seq;
    ev->gseq = gseq;
    consume_message(s, seq, fc);
    e->stats.delivered++;
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* FIFO                                                                                 */
/* ------------------------------------------------------------------------------------ */

static int fifo_next(mwi_gengine *e, mw_group_event *ev)
{
    size_t n = e->view.n;
    for (size_t k = 0; k < n; k++) {
        size_t j = (e->rr + k) % n;
        uint64_t seq;
        uint16_t fc;
        if (next_in_stream(e, j, &seq, &fc) == MSG_READY) {
            e->rr = (uint32_t)((j + 1) % n);
            return hand_out(e, j, seq, fc, 0, ev);
        }
    }
    return MW_EAGAIN;
}

/* ------------------------------------------------------------------------------------ */
/* Total order                                                                          */
/* ------------------------------------------------------------------------------------ */

/*
 * Moves the cursor along the sequencer's stream and delivers the next message in record
 * order. final (at the end of a view, everything up to the cut being here): an entry
 * whose message is not wholly within the cut is skipped instead of waited for; no member
 * can have it, since the cut covers every member's contiguous prefix.
 */
static int total_next(mwi_gengine *e, mw_group_event *ev, bool final)
{
    mwi_gstream *s0 = &e->streams[0];
    uint64_t bound0 = MWI_MIN(s0->contig, s0->limit);
    for (;;) {
        if (e->cseq > bound0)
            return MW_EAGAIN;
        mwi_gslot *rec = mwi_gslot_get(s0, e->cseq);
        if (!rec)
            return MW_EAGAIN; /* cannot happen: slots past the cursor are kept */
        if (!(rec->flags & MWI_GF_CTRL)) {
            e->cseq++; /* the sequencer's own message: a record will place it */
            continue;
        }
        const uint8_t *p = rec->dg + PAYLOAD_OFF;
        size_t plen = rec->len - PAYLOAD_OFF;
        uint64_t first;
        uint16_t count;
        if (mwi_gw_order_check(p, plen, &first, &count) ||
            (e->cidx == 0 && first != e->gseq_done + 1) || e->cidx >= count) {
            e->stats.malformed++;
            mwi_gconsume(s0, e->cseq++);
            e->cidx = 0;
            continue;
        }
        uint64_t id, seq;
        mwi_gw_order_entry(p, e->cidx, &id, &seq);
        int j = mwi_gindex(e, id);
        mwi_gstream *s = j >= 0 ? &e->streams[j] : NULL;
        uint16_t fc = 0;
        int r = s && seq > s->done ? message_at(s, seq, MWI_MIN(s->contig, s->limit), &fc)
                                   : MSG_BAD;
        if (r == MSG_WAIT && !final)
            return MW_EAGAIN;
        ++e->gseq_done;
        if (++e->cidx == count) {
            mwi_gconsume(s0, e->cseq++);
            e->cidx = 0;
        }
        if (r != MSG_READY) {
            if (!final)
                e->stats.malformed++;
            continue;
        }
        /* The sequencer orders each sender's messages in seq order, so anything still
         * unconsumed before seq is a datagram it skipped as malformed: skip it too. */
        while (s->done + 1 < seq && !(mwi_gslot_get(s, s->done + 1)->flags & MWI_GF_CTRL))
            mwi_gconsume(s, s->done + 1);
        /* gseq counts deliveries, not positions: an entry skipped (its message beyond the
         * cut) leaves no hole, and members that deliver the same sequence number it
         * alike. */
        return hand_out(e, (size_t)j, seq, fc, ++e->gseq_given, ev);
    }
}

int mwi_gdeliver_live(mwi_gengine *e, mw_group_event *ev)
{
    if (e->conf.order == MW_GROUP_TOTAL)
        return total_next(e, ev, false);
    return fifo_next(e, ev);
}

/* ------------------------------------------------------------------------------------ */
/* The end of a view                                                                    */
/* ------------------------------------------------------------------------------------ */

/* Copies a live event into the queue. */
static int queue_message(mwi_gengine *e, const mw_group_event *ev)
{
    mwi_gqevent q;
    memset(&q, 0, sizeof q);
    q.type = MW_GROUP_MESSAGE;
    q.sender = ev->sender;
    snprintf(q.name, sizeof q.name, "%s", ev->sender_name);
    q.seq = ev->seq;
    q.gseq = ev->gseq;
    q.len = ev->len;
    if (ev->len) {
        q.data = malloc(ev->len);
        if (!q.data)
            return MW_ENOMEM;
        memcpy(q.data, ev->data, ev->len);
    }
    int rc = mwi_gqueue_push(e, &q);
    if (rc)
        free(q.data);
    return rc;
}

int mwi_gdeliver_drain(mwi_gengine *e)
{
    mw_group_event ev;
    int rc;
    while ((rc = mwi_gdeliver_live(e, &ev)) == 0)
        if ((rc = queue_message(e, &ev)))
            return rc;
    return rc == MW_EAGAIN ? 0 : rc;
}

/*
 * Every surviving member calls this with the same cut, having received every stream up
 * to it, and computes the same sequence:
 *  FIFO:  each sender's remaining messages up to the cut, in seq order.
 *  TOTAL: first the remaining order records up to the cut, in order (entries for
 *         messages beyond the cut are skipped: no survivor has them); then the messages
 *         up to the cut that no record placed (sent or ordered too late), sender by sender
 *         in id order, each sender's in seq order. A new sequencer thus finishes the old
 *         one's work without a message of its own: the order is a function of the cut.
 * A message cut in the middle (a sender failed between its fragments) is dropped by all.
 */
int mwi_gdeliver_final(mwi_gengine *e, const uint64_t *cut)
{
    if (!cut)
        return 0;
    for (size_t j = 0; j < e->view.n; j++)
        e->streams[j].limit = cut[j];
    mw_group_event ev;
    int rc;
    if (e->conf.order == MW_GROUP_TOTAL) {
        while ((rc = total_next(e, &ev, true)) == 0)
            if ((rc = queue_message(e, &ev)))
                return rc;
        if (rc != MW_EAGAIN)
            return rc;
    }
    for (size_t j = 0; j < e->view.n; j++) {
        uint64_t seq;
        uint16_t fc;
        while (next_in_stream(e, j, &seq, &fc) == MSG_READY) {
            uint64_t gseq = e->conf.order == MW_GROUP_TOTAL ? ++e->gseq_given : 0;
            if ((rc = hand_out(e, j, seq, fc, gseq, &ev)) || (rc = queue_message(e, &ev)))
                return rc;
        }
    }
    return 0;
}

/*
 * A member excluded from its view (the others suspected it, or went on without it) ends
 * the view alone: nobody else installs the view it goes to next, so view synchrony asks
 * nothing of what it delivers now, but FIFO, total order and "a member delivers its own
 * messages" still hold. It delivers what it holds contiguously (past the freeze of its
 * first report: that bound only keeps members that stay together in step): FIFO, every
 * stream's complete messages; TOTAL, the group's order as far as the order records it
 * holds go (a prefix of what the others deliver, numbered alike), then its own
 * messages that are left, in seq order: the sequencer orders each sender's messages in
 * their seq order, so wherever the others place them, they come after that prefix and in
 * that order. Other senders' unordered messages are dropped: their place is not known.
 */
int mwi_gdeliver_alone(mwi_gengine *e)
{
    for (size_t j = 0; j < e->view.n; j++)
        e->streams[j].limit = e->streams[j].contig;
    int rc = mwi_gdeliver_drain(e);
    if (rc || e->conf.order != MW_GROUP_TOTAL || e->me < 0)
        return rc;
    mw_group_event ev;
    uint64_t seq;
    uint16_t fc;
    while (next_in_stream(e, (size_t)e->me, &seq, &fc) == MSG_READY) {
        uint64_t gseq = ++e->gseq_given;
        if ((rc = hand_out(e, (size_t)e->me, seq, fc, gseq, &ev)) ||
            (rc = queue_message(e, &ev)))
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* The sequencer                                                                        */
/* ------------------------------------------------------------------------------------ */

/* Multicasts the pending entries as one order record; keeps them if the window is full. */
static void emit_record(mwi_gengine *e)
{
    if (!e->n_pending)
        return;
    mwi_gstream *own = &e->streams[e->me];
    if (own->high + 1 - own->stable > e->conf.window)
        return;
    size_t len = MWI_G_ORDER_HEADER + MWI_G_ORDER_ENTRY * e->n_pending;
    uint8_t *rec = e->pending;
    mw_store_u64be(rec, e->order_next);
    mw_store_u16be(rec + 8, (uint16_t)e->n_pending);
    mw_store_u16be(rec + 10, 0);
    if (mwi_gsend_own(e, MWI_GF_TOTAL | MWI_GF_CTRL, rec, len, 0, 1, (uint32_t)len))
        return;
    e->order_next += e->n_pending;
    e->n_pending = 0;
}

void mwi_gsequence(mwi_gengine *e)
{
    size_t n = e->view.n;
    emit_record(e);
    if (e->n_pending)
        return; /* the window is full: order nothing more until it drains */
    for (size_t k = 0; k < n; k++) {
        size_t j = (e->order_rr + k) % n;
        mwi_gstream *s = &e->streams[j];
        if (s->ordered < s->base)
            s->ordered = s->base; /* freed: consumed, so ordered or skipped already */
        for (;;) {
            uint64_t x = s->ordered + 1;
            mwi_gslot *slot = mwi_gslot_get(s, x);
            if (!slot || x > s->contig)
                break;
            if (slot->flags & MWI_GF_CTRL) {
                s->ordered = x; /* our own records */
                continue;
            }
            uint16_t fc;
            int r = message_at(s, x, s->contig, &fc);
            if (r == MSG_WAIT)
                break;
            if (r == MSG_BAD) {
                s->ordered = x; /* receivers skip it too */
                continue;
            }
            if (e->n_pending == e->pending_cap) {
                emit_record(e);
                if (e->n_pending)
                    return;
            }
            uint8_t *entry = e->pending + MWI_G_ORDER_HEADER + MWI_G_ORDER_ENTRY * e->n_pending;
            mw_store_u64be(entry, e->view.members[j].id);
            mw_store_u64be(entry + 8, x);
            e->n_pending++;
            s->ordered = x + fc - 1;
        }
    }
    e->order_rr = (uint32_t)((e->order_rr + 1) % n);
    emit_record(e);
}

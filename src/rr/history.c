/* history.c - the server's request history: clients, entries, bounds and expiry. */
#include <stdlib.h>
#include <string.h>

#include "rr/history.h"

/* Age lists an entry can be on. */
#define L_NONE 0
#define L_RECEIVING 1
#define L_DONE 2
#define L_GONE 3

/* Reply buffers up to this size stay with a recycled entry, so the steady state of small
 * calls allocates nothing; larger ones are freed, so the free list cannot hoard memory. */
#define KEEP_REPLY_CAP 4096
/* Recycled entries kept at most; past a burst, the rest are freed. */
#define KEEP_FREE_ENTRIES 4096

static mwi_hlist *list_of(mwi_hist *h, uint8_t which)
{
    switch (which) {
    case L_RECEIVING:
        return &h->receiving;
    case L_DONE:
        return &h->done;
    case L_GONE:
        return &h->gone;
    default:
        return NULL;
    }
}

static void list_unlink(mwi_hist *h, mwi_hentry *e)
{
    mwi_hlist *l = list_of(h, e->list);
    if (!l)
        return;
    if (e->prev)
        e->prev->next = e->next;
    else
        l->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        l->tail = e->prev;
    e->prev = e->next = NULL;
    e->list = L_NONE;
}

static void list_append(mwi_hist *h, mwi_hentry *e, uint8_t which)
{
    list_unlink(h, e);
    mwi_hlist *l = list_of(h, which);
    e->list = which;
    e->prev = l->tail;
    e->next = NULL;
    if (l->tail)
        l->tail->next = e;
    else
        l->head = e;
    l->tail = e;
}

/* ---- hashing ----------------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdu;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53u;
    return x ^ (x >> 33);
}

static uint64_t client_hash(const mw_addr *a, uint64_t inc)
{
    uint64_t x = inc ^ ((uint64_t)a->port << 48) ^ ((uint64_t)a->family << 40);
    for (int i = 0; i < 16; i += 8) {
        uint64_t w;
        memcpy(&w, a->ip + i, 8);
        x = mix(x ^ w);
    }
    return x;
}

static size_t entry_bucket(const mwi_hist *h, const mwi_hclient *cl, uint64_t id)
{
    return (size_t)mix((uint64_t)(uintptr_t)cl ^ (id * 0x9E3779B97F4A7C15u)) &
           (h->nebuckets - 1);
}

static int grow_entries(mwi_hist *h)
{
    size_t n = h->nebuckets * 2;
    mwi_hentry **b = calloc(n, sizeof *b);
    if (!b)
        return MW_ENOMEM;
    mwi_hentry **old = h->ebuckets;
    size_t oldn = h->nebuckets;
    h->ebuckets = b;
    h->nebuckets = n;
    for (size_t i = 0; i < oldn; i++) {
        for (mwi_hentry *e = old[i], *nx; e; e = nx) {
            nx = e->hnext;
            size_t k = entry_bucket(h, e->cl, e->id);
            e->hnext = b[k];
            b[k] = e;
        }
    }
    free(old);
    h->struct_bytes += (n - oldn) * sizeof *b;
    return 0;
}

static int grow_clients(mwi_hist *h)
{
    size_t n = h->ncbuckets * 2;
    mwi_hclient **b = calloc(n, sizeof *b);
    if (!b)
        return MW_ENOMEM;
    mwi_hclient **old = h->cbuckets;
    size_t oldn = h->ncbuckets;
    h->cbuckets = b;
    h->ncbuckets = n;
    for (size_t i = 0; i < oldn; i++) {
        for (mwi_hclient *c = old[i], *nx; c; c = nx) {
            nx = c->hnext;
            size_t k = (size_t)client_hash(&c->ident, c->inc) & (n - 1);
            c->hnext = b[k];
            b[k] = c;
        }
    }
    free(old);
    h->struct_bytes += (n - oldn) * sizeof *b;
    return 0;
}

/* ---- life cycle -------------------------------------------------------------------- */

int mwi_hist_init(mwi_hist *h, const mwi_hist_cfg *cfg)
{
    memset(h, 0, sizeof *h);
    h->cfg = *cfg;
    h->nebuckets = 64;
    h->ncbuckets = 16;
    h->ebuckets = calloc(h->nebuckets, sizeof *h->ebuckets);
    h->cbuckets = calloc(h->ncbuckets, sizeof *h->cbuckets);
    if (!h->ebuckets || !h->cbuckets) {
        mwi_hist_fini(h);
        return MW_ENOMEM;
    }
    h->struct_bytes = h->nebuckets * sizeof *h->ebuckets + h->ncbuckets * sizeof *h->cbuckets;
    return 0;
}

static void entry_free(mwi_hentry *e)
{
    mwi_reasm_free(&e->in);
    mw_buf_free(&e->reply);
    mwi_fragout_free(&e->out);
    free(e);
}

void mwi_hist_fini(mwi_hist *h)
{
    if (h->ebuckets) {
        for (size_t i = 0; i < h->nebuckets; i++) {
            for (mwi_hentry *e = h->ebuckets[i], *nx; e; e = nx) {
                nx = e->hnext;
                entry_free(e);
            }
        }
    }
    if (h->cbuckets) {
        for (size_t i = 0; i < h->ncbuckets; i++) {
            for (mwi_hclient *c = h->cbuckets[i], *nx; c; c = nx) {
                nx = c->hnext;
                free(c);
            }
        }
    }
    while (h->efree) {
        mwi_hentry *e = h->efree;
        h->efree = e->hnext;
        entry_free(e);
    }
    while (h->cfree) {
        mwi_hclient *c = h->cfree;
        h->cfree = c->hnext;
        free(c);
    }
    free(h->ebuckets);
    free(h->cbuckets);
    memset(h, 0, sizeof *h);
}

/* ---- clients ----------------------------------------------------------------------- */

static void idle_unlink(mwi_hist *h, mwi_hclient *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        h->idle_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        h->idle_tail = c->prev;
    c->prev = c->next = NULL;
}

static void idle_append(mwi_hist *h, mwi_hclient *c)
{
    c->prev = h->idle_tail;
    c->next = NULL;
    if (h->idle_tail)
        h->idle_tail->next = c;
    else
        h->idle_head = c;
    h->idle_tail = c;
}

mwi_hclient *mwi_hist_client(mwi_hist *h, const mw_addr *ident, uint64_t inc, bool create,
                             uint64_t now)
{
    uint64_t hv = client_hash(ident, inc);
    mwi_hclient *c = h->cbuckets[hv & (h->ncbuckets - 1)];
    while (c && !(c->inc == inc && mw_addr_equal(&c->ident, ident)))
        c = c->hnext;
    if (c) {
        c->last_ns = now;
        if (c != h->idle_tail) {
            idle_unlink(h, c);
            idle_append(h, c);
        }
        return c;
    }
    if (!create)
        return NULL;
    if (h->nclients >= h->ncbuckets && grow_clients(h) != 0)
        return NULL;
    c = h->cfree;
    if (c) {
        h->cfree = c->hnext;
    } else {
        c = malloc(sizeof *c);
        if (!c)
            return NULL;
        h->struct_bytes += sizeof *c;
    }
    memset(c, 0, sizeof *c);
    c->ident = *ident;
    c->inc = inc;
    c->last_ns = now;
    size_t k = (size_t)hv & (h->ncbuckets - 1);
    c->hnext = h->cbuckets[k];
    h->cbuckets[k] = c;
    idle_append(h, c);
    h->nclients++;
    return c;
}

static void client_remove(mwi_hist *h, mwi_hclient *c)
{
    size_t k = (size_t)client_hash(&c->ident, c->inc) & (h->ncbuckets - 1);
    mwi_hclient **pp = &h->cbuckets[k];
    while (*pp != c)
        pp = &(*pp)->hnext;
    *pp = c->hnext;
    idle_unlink(h, c);
    h->nclients--;
    c->hnext = h->cfree;
    h->cfree = c;
}

/* ---- entries ----------------------------------------------------------------------- */

mwi_hentry *mwi_hist_find(mwi_hist *h, mwi_hclient *cl, uint64_t id)
{
    mwi_hentry *e = h->ebuckets[entry_bucket(h, cl, id)];
    while (e && !(e->cl == cl && e->id == id))
        e = e->hnext;
    return e;
}

/* Keeps the memory total in step with the entry's buffers. */
static void recount(mwi_hist *h, mwi_hentry *e)
{
    size_t cap = e->reply.cap + e->out.bits_cap;
    h->buf_bytes = h->buf_bytes - e->capmem + cap;
    e->capmem = cap;
}

static void uncharge(mwi_hist *h, mwi_hentry *e)
{
    h->reply_bytes -= e->charged;
    e->charged = 0;
}

void mwi_hist_remove(mwi_hist *h, mwi_hentry *e)
{
    mwi_hclient *cl = e->cl;
    mwi_hentry **pp = &h->ebuckets[entry_bucket(h, cl, e->id)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    if (e->cprev)
        e->cprev->cnext = e->cnext;
    else
        cl->first = e->cnext;
    if (e->cnext)
        e->cnext->cprev = e->cprev;
    else
        cl->last = e->cprev;
    cl->nentries--;
    list_unlink(h, e);
    if (e->in.buf) {
        h->reasm_bytes -= mwi_reasm_cost(e->in.msglen, e->in.fsize);
        mwi_reasm_free(&e->in);
    }
    uncharge(h, e);
    mw_buf_reset(&e->reply);
    if (e->reply.cap > KEEP_REPLY_CAP)
        mw_buf_free(&e->reply);
    if (e->out.bits_cap > 1024)
        mwi_fragout_free(&e->out);
    h->nentries--;
    if (h->nfree >= KEEP_FREE_ENTRIES) {
        h->buf_bytes -= e->capmem;
        h->struct_bytes -= sizeof *e;
        entry_free(e);
        return;
    }
    recount(h, e);
    h->nfree++;
    e->hnext = h->efree;
    h->efree = e;
}

static bool evict_one(mwi_hist *h)
{
    mwi_hentry *e = h->gone.head ? h->gone.head : h->done.head;
    if (!e)
        return false;
    mwi_hist_remove(h, e);
    h->evicted++;
    return true;
}

mwi_hentry *mwi_hist_add(mwi_hist *h, mwi_hclient *cl, uint64_t id, uint8_t state,
                         uint32_t msglen, uint32_t fsize, uint64_t now)
{
    size_t reasm_cost = state == MWI_H_RECEIVING ? mwi_reasm_cost(msglen, fsize) : 0;
    if (h->reasm_bytes + reasm_cost > h->cfg.max_reasm)
        return NULL;
    while (h->nentries >= h->cfg.max_entries) {
        if (!evict_one(h))
            return NULL;
    }
    if (h->nentries >= h->nebuckets && grow_entries(h) != 0)
        return NULL;
    mwi_hentry *e = h->efree;
    if (e) {
        h->efree = e->hnext;
        h->nfree--;
    } else {
        e = calloc(1, sizeof *e);
        if (!e)
            return NULL;
        h->struct_bytes += sizeof *e;
    }
    if (reasm_cost && mwi_reasm_init(&e->in, msglen, fsize) != 0) {
        e->hnext = h->efree;
        h->efree = e;
        h->nfree++;
        return NULL;
    }
    mwi_reasm in = e->in;
    /* Keep the recycled buffers; reset everything else. */
    mw_buf reply = e->reply;
    mwi_fragout out = e->out;
    size_t capmem = e->capmem;
    memset(e, 0, sizeof *e);
    e->reply = reply;
    e->out = out;
    e->in = in;
    e->capmem = capmem;
    e->cl = cl;
    e->id = id;
    e->state = state;
    e->t_ns = now;
    size_t k = entry_bucket(h, cl, id);
    e->hnext = h->ebuckets[k];
    h->ebuckets[k] = e;
    /* The client's list stays sorted by id; ids mostly arrive in order, so the search
     * from the tail is short. */
    mwi_hentry *after = cl->last;
    while (after && after->id > id)
        after = after->cprev;
    e->cprev = after;
    e->cnext = after ? after->cnext : cl->first;
    if (e->cnext)
        e->cnext->cprev = e;
    else
        cl->last = e;
    if (after)
        after->cnext = e;
    else
        cl->first = e;
    cl->nentries++;
    h->nentries++;
    if (state == MWI_H_RECEIVING) {
        h->reasm_bytes += reasm_cost;
        list_append(h, e, L_RECEIVING);
    }
    return e;
}

void mwi_hist_touch(mwi_hist *h, mwi_hentry *e, uint64_t now)
{
    e->t_ns = now;
    if (h->receiving.tail != e)
        list_append(h, e, L_RECEIVING);
}

void mwi_hist_executing(mwi_hist *h, mwi_hentry *e, mwi_reasm *in)
{
    if (e->in.buf) {
        h->reasm_bytes -= mwi_reasm_cost(e->in.msglen, e->in.fsize);
        *in = e->in;
        memset(&e->in, 0, sizeof e->in);
    } else {
        memset(in, 0, sizeof *in);
    }
    list_unlink(h, e);
    e->state = MWI_H_EXECUTING;
}

static void make_gone(mwi_hist *h, mwi_hentry *e, int status, uint64_t now, bool keep_time)
{
    uncharge(h, e);
    mw_buf_reset(&e->reply);
    e->reply_frag = false;
    e->state = MWI_H_GONE;
    e->status = status;
    if (!keep_time)
        e->t_ns = now;
    list_append(h, e, L_GONE);
}

bool mwi_hist_make_room(mwi_hist *h, size_t n)
{
    if (n > h->cfg.max_bytes)
        return false;
    while (h->reply_bytes + n > h->cfg.max_bytes && h->done.head) {
        mwi_hentry *e = h->done.head;
        make_gone(h, e, MW_ELIMIT, 0, true);
        h->evicted++;
    }
    return h->reply_bytes + n <= h->cfg.max_bytes;
}

void mwi_hist_done(mwi_hist *h, mwi_hentry *e, int status, uint64_t now)
{
    e->state = MWI_H_DONE;
    e->status = status;
    e->t_ns = now;
    uncharge(h, e);
    e->charged = e->reply.len;
    h->reply_bytes += e->charged;
    recount(h, e);
    /* A done entry without bytes (protocol R) is a marker like a gone one: evicted and
     * expired with them. */
    list_append(h, e, e->charged ? L_DONE : L_GONE);
}

void mwi_hist_gone(mwi_hist *h, mwi_hentry *e, int status, uint64_t now)
{
    make_gone(h, e, status, now, false);
}

void mwi_hist_ack(mwi_hist *h, mwi_hclient *cl, uint64_t floor)
{
    if (floor <= cl->floor)
        return;
    cl->floor = floor;
    while (cl->first && cl->first->id < floor)
        mwi_hist_remove(h, cl->first);
}

uint64_t mwi_hist_expire(mwi_hist *h, uint64_t now)
{
    uint64_t ttl = h->cfg.ttl_ns, next = UINT64_MAX;
    mwi_hlist *lists[3] = {&h->receiving, &h->done, &h->gone};
    for (int i = 0; i < 3; i++) {
        mwi_hentry *e;
        while ((e = lists[i]->head) && e->t_ns + ttl <= now) {
            mwi_hist_remove(h, e);
            h->expired++;
        }
        if (e && e->t_ns + ttl < next)
            next = e->t_ns + ttl;
    }
    /* A client is forgotten once silent for the TTL with nothing left in the history;
     * one that still has entries counts as heard from now. */
    mwi_hclient *c;
    while ((c = h->idle_head) && c->last_ns + ttl <= now) {
        if (c->nentries == 0) {
            client_remove(h, c);
        } else {
            c->last_ns = now;
            idle_unlink(h, c);
            idle_append(h, c);
            if (h->idle_head == c)
                break;
        }
    }
    if (c && c->last_ns + ttl < next)
        next = c->last_ns + ttl;
    return next;
}

size_t mwi_hist_memory(const mwi_hist *h)
{
    return h->struct_bytes + h->buf_bytes + h->reasm_bytes;
}

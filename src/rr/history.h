/*
 * history.h - the server's memory of requests: per client (identity and incarnation) the
 * largest implicit acknowledgement it sent, and per request an entry that is being
 * reassembled, executing, done with its reply, or gone (reply dropped, outcome kept).
 * Bounded in entries, reply bytes and reassembly bytes; entries and silent clients
 * expire after a time to live. No I/O, no clock: times are passed in.
 */
#ifndef MW_RR_HISTORY_H
#define MW_RR_HISTORY_H

#include "rr/frag.h"

/* Entry states. */
#define MWI_H_RECEIVING 1 /* fragments of the request are arriving */
#define MWI_H_EXECUTING 2 /* handed to the application; no reply yet */
#define MWI_H_DONE 3      /* replied; the reply is kept (or there is none: protocol R) */
#define MWI_H_GONE 4      /* replied, but the reply was dropped to respect the bounds */

typedef struct mwi_hentry mwi_hentry;
typedef struct mwi_hclient mwi_hclient;

/* A doubly linked list of entries, oldest first. */
typedef struct mwi_hlist {
    mwi_hentry *head, *tail;
} mwi_hlist;

struct mwi_hclient {
    mw_addr ident;             /* address (and UDP port) */
    uint64_t inc;              /* incarnation */
    uint64_t floor;            /* largest ack_below received: every id below has completed */
    uint64_t last_ns;          /* last heard from */
    mwi_hentry *first, *last;  /* its entries, by increasing id */
    uint32_t nentries;         /* their count */
    mwi_hclient *hnext;        /* hash chain */
    mwi_hclient *prev, *next;  /* in the idle list (least recently heard first) */
};

struct mwi_hentry {
    mwi_hclient *cl;           /* owner */
    uint64_t id;               /* request id */
    uint8_t state;             /* MWI_H_... */
    uint8_t proto, sem;        /* of the request */
    bool reply_frag;           /* DONE: reply is fragmented (reply holds the payload) */
    int status;                /* DONE/GONE: the reply's status */
    mw_addr route;             /* where the client was last heard from */
    uint64_t t_ns;             /* RECEIVING: last fragment; DONE/GONE: when replied */
    mwi_reasm in;              /* RECEIVING: the request */
    mw_buf reply;              /* DONE: the whole reply datagram/frame, or the payload if
                                  reply_frag */
    mwi_fragout out;           /* DONE with reply_frag: fragments confirmed */
    size_t charged;            /* reply bytes counted against the bound */
    size_t capmem;             /* buffer capacity counted in the memory total */
    mwi_hentry *hnext;         /* hash chain */
    mwi_hentry *cprev, *cnext; /* in the client's list */
    mwi_hentry *prev, *next;   /* in one age list (receiving, done or gone) */
    uint8_t list;              /* which age list: 0 none, 1 receiving, 2 done, 3 gone */
};

typedef struct mwi_hist_cfg {
    size_t max_entries;  /* entries of every state */
    size_t max_bytes;    /* reply bytes kept */
    size_t max_reasm;    /* reassembly bytes */
    uint64_t ttl_ns;     /* entries after their reply, partial requests after their last
                            fragment, clients after their last message */
} mwi_hist_cfg;

typedef struct mwi_hist {
    mwi_hist_cfg cfg;
    mwi_hentry **ebuckets;   /* entries by (client, id) */
    size_t nebuckets;        /* power of two */
    mwi_hclient **cbuckets;  /* clients by (identity, incarnation) */
    size_t ncbuckets;        /* power of two */
    mwi_hlist receiving, done, gone; /* entries by age, per kind */
    mwi_hclient *idle_head, *idle_tail; /* clients, least recently heard first */
    mwi_hentry *efree;       /* recycled entries */
    mwi_hclient *cfree;      /* recycled clients */
    size_t nentries, nclients;
    size_t nfree;            /* entries on efree */
    size_t reply_bytes;      /* bytes of replies kept */
    size_t reasm_bytes;      /* bytes of partial requests */
    size_t struct_bytes;     /* entries, clients and tables allocated (free lists too) */
    size_t buf_bytes;        /* capacity of reply buffers and bitmaps, kept or in use */
    uint64_t evicted, expired;
} mwi_hist;

int mwi_hist_init(mwi_hist *h, const mwi_hist_cfg *cfg);
void mwi_hist_fini(mwi_hist *h);

/* The client (ident, inc), or NULL; with create, made if missing (NULL on ENOMEM). Marks
 * it heard from at now. */
mwi_hclient *mwi_hist_client(mwi_hist *h, const mw_addr *ident, uint64_t inc, bool create,
                             uint64_t now);
/* The client's entry for id, or NULL. */
mwi_hentry *mwi_hist_find(mwi_hist *h, mwi_hclient *cl, uint64_t id);
/*
 * Adds an entry in state EXECUTING, or RECEIVING with its reassembly set up for a message
 * of msglen bytes in fragments of fsize (charged to the reassembly budget). At the entry
 * bound, the oldest gone or done entry is evicted first. NULL when the bounds cannot be
 * met (every entry busy, or the reassembly budget spent) or on ENOMEM.
 */
mwi_hentry *mwi_hist_add(mwi_hist *h, mwi_hclient *cl, uint64_t id, uint8_t state,
                         uint32_t msglen, uint32_t fsize, uint64_t now);
/* A RECEIVING entry made progress at now (its reassembly TTL starts again). */
void mwi_hist_touch(mwi_hist *h, mwi_hentry *e, uint64_t now);
/* RECEIVING -> EXECUTING: releases the reassembly budget; *in gets the reassembled
 * request (the caller frees it). */
void mwi_hist_executing(mwi_hist *h, mwi_hentry *e, mwi_reasm *in);
/*
 * Makes room for a reply of n bytes by dropping the replies of the oldest done entries
 * (they become GONE). False when n is over the bound by itself.
 */
bool mwi_hist_make_room(mwi_hist *h, size_t n);
/* EXECUTING -> DONE once the caller has put the reply into e->reply (and set
 * reply_frag / out): charges e->reply.len bytes (made room for first). */
void mwi_hist_done(mwi_hist *h, mwi_hentry *e, int status, uint64_t now);
/* EXECUTING (or DONE) -> GONE with status (the reply is not kept). */
void mwi_hist_gone(mwi_hist *h, mwi_hentry *e, int status, uint64_t now);
/* Removes an entry. */
void mwi_hist_remove(mwi_hist *h, mwi_hentry *e);
/* The client acknowledged every id below floor: removes those entries. */
void mwi_hist_ack(mwi_hist *h, mwi_hclient *cl, uint64_t floor);
/* Drops what has expired at now; returns the next time something will (UINT64_MAX when
 * nothing is waiting to expire). */
uint64_t mwi_hist_expire(mwi_hist *h, uint64_t now);
/* All bytes held: structures, reply buffers, reassembly. */
size_t mwi_hist_memory(const mwi_hist *h);

#endif

/*
 * ssm.h - the server's protocol state machine: duplicate filtering, the reply history,
 * reassembly of fragmented requests, fragment bursts of large replies, acknowledgements.
 * No I/O and no clock: datagrams (or frames) and the time go in; datagrams to send (io.send),
 * requests to execute (io.execute) and the next deadline come out. One machine per loop
 * thread; the loops of a server share nothing.
 */
#ifndef MW_RR_SSM_H
#define MW_RR_SSM_H

#include <stdatomic.h>

#include "rr/history.h"

/* A request handed out for execution: everything needed to send its reply later. */
typedef struct mwi_rrs_job {
    mw_addr ident;   /* the client's identity (UDP: address and port; TCP: address) */
    mw_addr route;   /* where the request came from (the reply's destination) */
    uint64_t inc;    /* the client's incarnation */
    uint64_t id;     /* request id */
    uint32_t op;     /* operationId */
    uint32_t objnum; /* object number */
    uint32_t ifhash; /* interface hash */
    uint8_t proto;   /* MW_RR_R... */
    uint8_t sem;     /* MW_RR_MAYBE... */
    bool entry;      /* the history has an entry for it */
} mwi_rrs_job;

typedef struct mwi_rrs_io {
    void *ctx;
    /* Sends one datagram or frame to `to`; an error is counted (send_errors). */
    int (*send)(void *ctx, const mw_addr *to, const uint8_t *d, size_t n);
    /* Execute job with args[0..n) (valid during the call only). The reply goes back
     * through mwi_rrs_reply, from inside this callback or later, exactly once. */
    void (*execute)(void *ctx, const mwi_rrs_job *job, const uint8_t *args, size_t n);
} mwi_rrs_io;

typedef struct mwi_rrs_cfg {
    uint32_t max_datagram; /* datagram size with header; 0: a reliable stream (TCP) */
    uint32_t max_message;  /* largest request or reply payload */
    uint32_t window;       /* reply fragments per burst */
    mwi_hist_cfg hist;     /* history bounds and TTL */
} mwi_rrs_cfg;

/* Counters, written by the machine's own thread only and readable from any thread. */
typedef struct mwi_rrs_stats {
    _Atomic uint64_t requests, retransmissions, duplicates, replies_resent, acks,
        malformed, oversize, send_errors, dropped;
    _Atomic uint64_t evicted, expired, entries, bytes, clients, reasm_bytes, memory;
} mwi_rrs_stats;

/* Adds n to a counter with a single writer: a plain load and store, no locked
 * instruction, still a clean read for other threads. */
#define MWI_STAT_ADD(field, n)                                                             \
    atomic_store_explicit(&(field), atomic_load_explicit(&(field), memory_order_relaxed) + (n), \
                          memory_order_relaxed)
#define MWI_STAT_SET(field, v) atomic_store_explicit(&(field), (v), memory_order_relaxed)
#define MWI_STAT_GET(field) atomic_load_explicit(&(field), memory_order_relaxed)

typedef struct mwi_rrs {
    mwi_rrs_cfg cfg;
    mwi_rrs_io io;
    mwi_hist hist;
    mw_buf out;          /* the datagram or frame being built */
    uint32_t *burst_idx; /* fragment indices of a burst */
    mwi_rrs_stats stats;
} mwi_rrs;

int mwi_rrs_init(mwi_rrs *s, const mwi_rrs_cfg *cfg, const mwi_rrs_io *io);
void mwi_rrs_fini(mwi_rrs *s);
/* Feeds one datagram or frame that came from route; ident is the sender's identity
 * (route itself for UDP; route without the port for TCP). */
void mwi_rrs_input(mwi_rrs *s, const mw_addr *route, const mw_addr *ident, const uint8_t *d,
                   size_t n, uint64_t now);
/* The reply to job: status 0 with body[0..n), or a negative status (body ignored).
 * Sends it (unless protocol R) and records it in the history as the semantics ask. */
void mwi_rrs_reply(mwi_rrs *s, const mwi_rrs_job *job, int status, const uint8_t *body,
                   size_t n, uint64_t now);
/* Gives up job without executing or answering it (the server is overloaded): its
 * history entry goes, so the client's retransmission is taken as new. */
void mwi_rrs_abandon(mwi_rrs *s, const mwi_rrs_job *job, uint64_t now);
/* Expires history; returns the next deadline (UINT64_MAX: none). */
uint64_t mwi_rrs_timer(mwi_rrs *s, uint64_t now);

#endif

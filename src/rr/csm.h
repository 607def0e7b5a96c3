/*
 * csm.h - the client's protocol state machine: calls, retransmission, fragment bursts,
 * reply reassembly, acknowledgements. It does no I/O and reads no clock: the caller feeds
 * it datagrams (or frames) and the time, and it answers with datagrams to send (through
 * io.send), completed calls (through io.done) and the time it next needs to run. The
 * public client (client.c) runs it over a real transport; the tests over a fake network
 * and a fake clock.
 */
#ifndef MW_RR_CSM_H
#define MW_RR_CSM_H

#include "rr/frag.h"

typedef struct mwi_rrc_call mwi_rrc_call;

/* Fixed settings. */
typedef struct mwi_rrc_cfg {
    uint64_t inc;          /* the client's incarnation */
    uint32_t max_datagram; /* datagram size, header included; 0: a reliable stream (TCP):
                              no fragmentation, no retransmission timers */
    uint32_t max_message;  /* largest request or reply payload */
    uint32_t window;       /* fragments per burst */
} mwi_rrc_cfg;

/* What the machine does to the world. */
typedef struct mwi_rrc_io {
    void *ctx;
    /* Sends one datagram or frame. An error is remembered by the calls (the last one is
     * reported when a call runs out of retries) and otherwise treated as a loss. */
    int (*send)(void *ctx, const uint8_t *d, size_t n);
    /* A call completed: runs exactly once per started call. reply[0..n) is valid during
     * the callback only. The callback may start and cancel calls. */
    void (*done)(void *ctx, uint64_t id, void *user, int status, const uint8_t *reply,
                 size_t n);
} mwi_rrc_io;

/* One call's parameters. */
typedef struct mwi_rrc_spec {
    uint32_t op;          /* operationId */
    uint32_t objnum;      /* object number */
    uint32_t ifhash;      /* interface hash */
    uint8_t proto;        /* MW_RR_R, MW_RR_RR, MW_RR_RRA */
    uint8_t sem;          /* MW_RR_MAYBE, ... */
    uint64_t interval_ns; /* wait per attempt */
    uint32_t attempts;    /* most transmissions, >= 1 (maybe: forced to 1) */
} mwi_rrc_spec;

typedef struct mwi_rrc {
    mwi_rrc_cfg cfg;
    mwi_rrc_io io;
    uint64_t next_id;        /* the next call's request id (from 1) */
    uint64_t low_id;         /* no call below this id is outstanding */
    mwi_rrc_call **slots;    /* open-addressing table of outstanding calls, by id */
    size_t nslots;           /* a power of two, at least twice the outstanding calls */
    size_t outstanding;      /* calls started and not completed */
    mwi_rrc_call **heap;     /* outstanding calls by deadline (a binary min-heap) */
    size_t heap_len, heap_cap;
    mwi_rrc_call *free_list; /* completed call structs kept for reuse */
    uint8_t *scratch;        /* one datagram being built (fragments, statuses, acks) */
    uint32_t *burst_idx;     /* fragment indices of a burst (window of them) */
    mw_rr_client_stats stats;
} mwi_rrc;

/* Sets m up. MW_ENOMEM, MW_EINVAL. */
int mwi_rrc_init(mwi_rrc *m, const mwi_rrc_cfg *cfg, const mwi_rrc_io *io);
/* Frees everything; outstanding calls are dropped without their callbacks (complete them
 * first with mwi_rrc_cancel_all). */
void mwi_rrc_fini(mwi_rrc *m);
/*
 * Starts a call: sends its request (or first burst) now. args is copied. *id gets the
 * request id. Protocol R calls complete at the next mwi_rrc_timer. On error (MW_EMSGSIZE
 * past max_message, MW_ENOMEM, MW_EINVAL) done never runs.
 */
int mwi_rrc_start(mwi_rrc *m, const mwi_rrc_spec *spec, const void *args, size_t n,
                  uint64_t now, void *user, uint64_t *id);
/* Feeds one received datagram or frame. */
void mwi_rrc_input(mwi_rrc *m, const uint8_t *d, size_t n, uint64_t now);
/* Runs what is due at `now` (retransmissions, timeouts, R completions) and returns the
 * next deadline (UINT64_MAX: none). */
uint64_t mwi_rrc_timer(mwi_rrc *m, uint64_t now);
/* The next deadline without running anything. */
uint64_t mwi_rrc_next_deadline(const mwi_rrc *m);
/* Completes call id now with status. MW_ENOENT if it is not outstanding. */
int mwi_rrc_cancel(mwi_rrc *m, uint64_t id, int status);
/* Completes every outstanding call with status. */
void mwi_rrc_cancel_all(mwi_rrc *m, int status);
/* A transport error not tied to one call (an ICMP port-unreachable): every outstanding
 * call remembers it as its last error. */
void mwi_rrc_note_error(mwi_rrc *m, int err);
/* Reliable transports, after reconnecting: resends the request of every outstanding
 * at-least-once and at-most-once call (marked RETRY); completes maybe calls with err. */
void mwi_rrc_resend_all(mwi_rrc *m, uint64_t now, int err);
/* True when call id is outstanding. */
bool mwi_rrc_pending(const mwi_rrc *m, uint64_t id);

#endif

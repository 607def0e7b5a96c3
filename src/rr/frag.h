/*
 * frag.h - fragmentation of messages larger than a datagram: the sender's side
 * (selective repeat in bursts) and the receiver's (reassembly and status bitmaps), as
 * docs/protocol.md's "UDP" section describes. No I/O: the state machines of client and
 * server decide when to send what these compute.
 */
#ifndef MW_RR_FRAG_H
#define MW_RR_FRAG_H

#include "rr/msg.h"

/* The most bitmap bytes a STATUS carries (32768 fragments): keeps a STATUS small and
 * within the smallest datagram size's reach of any message of up to 16 MiB at 512 bytes
 * per fragment. A larger message simply takes several statuses. */
#define MWI_RR_STATUS_MAX_BYTES 4096

/* Bitmap helpers: bit i is bit (7 - i % 8) of byte i / 8, as on the wire. */
static inline bool mwi_bit_get(const uint8_t *b, uint32_t i)
{
    return (b[i >> 3] >> (7 - (i & 7))) & 1;
}
static inline void mwi_bit_set(uint8_t *b, uint32_t i) { b[i >> 3] |= (uint8_t)(0x80u >> (i & 7)); }
static inline void mwi_bit_clear(uint8_t *b, uint32_t i)
{
    b[i >> 3] &= (uint8_t)~(0x80u >> (i & 7));
}

/* The sender of a fragmented message: which fragments the receiver has confirmed. */
typedef struct mwi_fragout {
    uint32_t msglen;    /* message length */
    uint32_t fsize;     /* bytes per fragment */
    uint32_t nfrag;     /* fragments */
    uint32_t window;    /* fragments per burst */
    uint32_t confirmed; /* fragments confirmed */
    uint32_t low;       /* every fragment below this one is confirmed */
    uint32_t burst;     /* the current burst's number (0 before the first) */
    uint8_t *bits;      /* confirmed fragments, nfrag bits (owned) */
    size_t bits_cap;    /* bytes allocated at bits (kept across reuse) */
} mwi_fragout;

/* Sets o up for a message of msglen bytes in fragments of fsize (msglen > fsize > 0).
 * Reuses o->bits when large enough. MW_ENOMEM. */
int mwi_fragout_init(mwi_fragout *o, uint32_t msglen, uint32_t fsize, uint32_t window);
/* Frees the bitmap. */
void mwi_fragout_free(mwi_fragout *o);
/* Starts a new burst: writes the indices of the lowest unconfirmed fragments (at most
 * window) to idx and returns their count (0 when all are confirmed). The burst number
 * advances even then. */
uint32_t mwi_fragout_burst(mwi_fragout *o, uint32_t *idx);
/*
 * Applies a STATUS: fragments below base have arrived, bitmap[0..nbytes) describes base
 * and on. For the current burst (echo == o->burst) the report replaces what was known;
 * for an older one it only adds. True when the sender should send its next burst: the
 * report answers the current burst and fragments remain unconfirmed.
 */
bool mwi_fragout_status(mwi_fragout *o, uint32_t base, const uint8_t *bitmap, size_t nbytes,
                        uint32_t echo);
static inline bool mwi_fragout_done(const mwi_fragout *o) { return o->confirmed == o->nfrag; }
/* Payload length of fragment i. */
static inline uint32_t mwi_frag_len(uint32_t msglen, uint32_t fsize, uint32_t i)
{
    uint32_t off = i * fsize;
    return msglen - off < fsize ? msglen - off : fsize;
}

/* The receiver of a fragmented message. */
typedef struct mwi_reasm {
    uint8_t *buf;    /* the message, msglen bytes (owned) */
    uint8_t *bits;   /* fragments received, nfrag bits (owned; after buf in one block) */
    uint32_t msglen; /* message length */
    uint32_t fsize;  /* bytes per fragment */
    uint32_t nfrag;  /* fragments */
    uint32_t have;   /* fragments received */
    uint32_t low;    /* every fragment below this one has been received */
    uint32_t high;   /* one past the highest fragment received */
} mwi_reasm;

/* Bytes mwi_reasm_init allocates for such a message (for memory budgets). */
size_t mwi_reasm_cost(uint32_t msglen, uint32_t fsize);
/* Sets r up (msglen > fsize > 0). MW_ENOMEM. */
int mwi_reasm_init(mwi_reasm *r, uint32_t msglen, uint32_t fsize);
void mwi_reasm_free(mwi_reasm *r);
/* Adds fragment h (already validated by mwi_rr_decode). 1 when new, 0 for a duplicate,
 * MW_EPROTO when its message length or fragment size differ from the first fragment's. */
int mwi_reasm_add(mwi_reasm *r, const mwi_rr_hdr *h, const uint8_t *payload);
static inline bool mwi_reasm_complete(const mwi_reasm *r) { return r->have == r->nfrag; }
/* Builds a STATUS bitmap into out[0..cap): *base gets the first index it describes (all
 * fragments below have arrived); returns its length in bytes. */
size_t mwi_reasm_status(const mwi_reasm *r, uint8_t *out, size_t cap, uint32_t *base);

#endif

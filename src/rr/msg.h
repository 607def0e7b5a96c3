/*
 * msg.h - the request-reply protocol's messages: the 64-byte header of docs/protocol.md,
 * encoded and decoded by direct stores and loads. Internal: mwi_ names, never installed.
 */
#ifndef MW_RR_MSG_H
#define MW_RR_MSG_H

#include <midway/rr.h>

#include "base/mw_impl.h"

/* Message types (header offset 3). */
#define MWI_RR_REQUEST 1
#define MWI_RR_REPLY 2
#define MWI_RR_ACK 3
#define MWI_RR_STATUS 4
#define MWI_RR_GONE 5

/* Flags (header offset 4). Protocol in bits 0-1, semantics in bits 2-3. */
#define MWI_RR_F_PROTO_MASK 0x0003
#define MWI_RR_F_SEM_SHIFT 2
#define MWI_RR_F_SEM_MASK 0x000C
#define MWI_RR_F_RETRY 0x0010  /* REQUEST: a retransmission */
#define MWI_RR_F_ACKREQ 0x0020 /* fragment: last of a burst, answer with STATUS */
#define MWI_RR_F_PROBE 0x0040  /* STATUS from a client: resend whatever the burst */

/* The header, decoded. Field names follow docs/protocol.md. */
typedef struct mwi_rr_hdr {
    uint8_t type;        /* MWI_RR_REQUEST... */
    uint16_t flags;      /* MWI_RR_F_... plus protocol and semantics */
    uint16_t hlen;       /* header length on the wire (64 for version 1) */
    uint64_t inc;        /* the client's incarnation */
    uint64_t id;         /* request id */
    uint64_t ack_below;  /* REQUEST: all of the client's calls below this have completed */
    uint32_t op;         /* REQUEST: operationId; REPLY/GONE: status as uint32 */
    uint32_t objnum;     /* REQUEST: object number */
    uint32_t ifhash;     /* REQUEST: interface hash */
    uint32_t msglen;     /* whole message's payload length */
    uint32_t frag_index; /* fragment index (STATUS: first index of the bitmap) */
    uint32_t frag_size;  /* payload bytes per fragment; 0: not fragmented */
    uint32_t burst;      /* burst number (STATUS: echoed) */
    uint32_t paylen;     /* payload bytes in this datagram or frame */
} mwi_rr_hdr;

static inline int mwi_rr_hdr_proto(const mwi_rr_hdr *h) { return h->flags & MWI_RR_F_PROTO_MASK; }
static inline int mwi_rr_hdr_sem(const mwi_rr_hdr *h)
{
    return (h->flags & MWI_RR_F_SEM_MASK) >> MWI_RR_F_SEM_SHIFT;
}
static inline uint16_t mwi_rr_flags(int proto, int sem)
{
    return (uint16_t)((unsigned)proto | (unsigned)sem << MWI_RR_F_SEM_SHIFT);
}

/* Writes the 64-byte header h to p (h->hlen is ignored: version 1 writes 64). */
static inline void mwi_rr_hdr_encode(uint8_t *p, const mwi_rr_hdr *h)
{
    mw_store_u16be(p, MW_RR_MAGIC);
    p[2] = MW_RR_VERSION;
    p[3] = h->type;
    mw_store_u16be(p + 4, h->flags);
    mw_store_u16be(p + 6, MW_RR_HEADER_SIZE);
    mw_store_u64be(p + 8, h->inc);
    mw_store_u64be(p + 16, h->id);
    mw_store_u64be(p + 24, h->ack_below);
    mw_store_u32be(p + 32, h->op);
    mw_store_u32be(p + 36, h->objnum);
    mw_store_u32be(p + 40, h->ifhash);
    mw_store_u32be(p + 44, h->msglen);
    mw_store_u32be(p + 48, h->frag_index);
    mw_store_u32be(p + 52, h->frag_size);
    mw_store_u32be(p + 56, h->burst);
    mw_store_u32be(p + 60, h->paylen);
}

/* Loads the 64 header bytes at p into h without any check (for answering a message that
 * will not be read further, such as an oversized TCP frame). */
void mwi_rr_hdr_peek(const uint8_t *p, mwi_rr_hdr *h);

/*
 * Decodes and validates the message d[0..n) (one datagram, or one whole TCP frame) as
 * docs/protocol.md's "Validity" says. *payload points at the payload inside d.
 * MW_EPROTO for anything malformed.
 */
int mwi_rr_decode(const uint8_t *d, size_t n, mwi_rr_hdr *h, const uint8_t **payload);

/*
 * TCP framing: given the first n bytes of the stream, the size of the frame they start.
 * 0 with *frame_len set; MW_EAGAIN when fewer than 64 bytes are there; MW_EPROTO for a
 * bad magic, version or header length; MW_EMSGSIZE (with *frame_len set) when the payload
 * is over max_payload.
 */
int mwi_rr_frame_len(const uint8_t *d, size_t n, size_t max_payload, size_t *frame_len);

/* Fragments a message of msglen bytes needs with fsize bytes per fragment (fsize > 0). */
static inline uint32_t mwi_rr_nfrag(uint32_t msglen, uint32_t fsize)
{
    return (uint32_t)(((uint64_t)msglen + fsize - 1) / fsize);
}

/* Status values travel as uint32 holding an int32. */
static inline int mwi_rr_status_of(uint32_t v) { return (int)(int32_t)v; }

#endif

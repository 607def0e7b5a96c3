/*
 * wire.h - the datagrams of the reliable group protocol (docs/group.md, "Wire format"):
 * encoders that append to an mw_buf, and one decoder that checks every length against the
 * datagram and points into it (no allocation, so hostile input costs nothing).
 *
 * All integers are big-endian. Every datagram starts with the 28-byte common header:
 * magic, version, type, flags, body length, sender id, and the sender's view id.
 */
#ifndef MW_GROUP_WIRE_H
#define MW_GROUP_WIRE_H

#include <midway/group.h>

/* Message types. */
#define MWI_GT_DATA                                                                            \
    1                      /* a datagram of a sender's stream: a message fragment or an        \
                              order record (flag CTRL) */
#define MWI_GT_HEARTBEAT 2 /* session message: highest seq sent, acknowledgements */
#define MWI_GT_NACK 3      /* negative acknowledgement: ranges of a stream to resend */
#define MWI_GT_JOIN 4      /* a joiner asks to be let in */
#define MWI_GT_LEAVE 5     /* a member asks to be let out */
#define MWI_GT_FLUSH 6     /* view change, phase 1: stop sending, report what you have */
#define MWI_GT_FLUSH_OK 7  /* the report: highest contiguous seq received per sender */
#define MWI_GT_CUT 8       /* phase 2: receive everything up to this cut */
#define MWI_GT_CUT_OK 9    /* everything up to the cut is here */
#define MWI_GT_INSTALL 10  /* phase 3: the new view */
#define MWI_GT_MAX 10

/* Flags. */
#define MWI_GF_TOTAL 0x0001    /* DATA: sent in a totally ordered group */
#define MWI_GF_CTRL 0x0002     /* DATA: the payload is an order record of the sequencer */
#define MWI_GF_RETRANS 0x0004  /* DATA: a retransmission */
#define MWI_GF_LEAVING 0x0008  /* HEARTBEAT: the sender is leaving or was excluded */
#define MWI_GF_DISSOLVE 0x0010 /* FLUSH, INSTALL: the view ends; members join merge_target */
#define MWI_GF_ACKREQ 0x0020   /* HEARTBEAT: the sender's window is full: acknowledge now */

/* Most NACK ranges in one datagram, and most datagrams one NACK makes a member resend. */
#define MWI_G_NACK_RANGES 32
#define MWI_G_NACK_BURST 256

/* Size of the fixed part of an order record's payload, and of one entry. */
#define MWI_G_ORDER_HEADER 12
#define MWI_G_ORDER_ENTRY 16

/* A view id: (counter, proposer) is unique. */
typedef struct mwi_gvid {
    uint32_t counter;  /* the view's number */
    uint64_t proposer; /* the member that installed it */
} mwi_gvid;

/* A proposal id: one attempt of one proposer to install view `counter`. */
typedef struct mwi_gpid {
    uint32_t counter;  /* the view it would install */
    uint32_t attempt;  /* the proposer's attempt, from 1 */
    uint64_t proposer; /* the member running it */
} mwi_gpid;

/* A decoded datagram. Pointers point into the datagram given to the decoder. Vectors are
 * raw big-endian arrays: read them with mwi_gw_u64(vec, i). */
typedef struct mwi_gmsg {
    uint8_t type;    /* MWI_GT_... */
    uint16_t flags;  /* MWI_GF_... */
    uint64_t sender; /* the member that sent it (for DATA: whose stream it belongs to) */
    mwi_gvid view;   /* the sender's view; 0,0 for a member with no view (JOIN) */
    union {
        struct {
            uint64_t seq;           /* position in the sender's stream, from 1 */
            uint16_t frag_index;    /* this fragment's index, from 0 */
            uint16_t frag_count;    /* fragments of the message, >= 1 */
            uint32_t msg_len;       /* bytes of the whole message */
            const uint8_t *payload; /* this fragment's bytes */
            size_t payload_len;
        } data;
        struct {
            uint64_t high;       /* the sender's highest seq sent */
            uint64_t stable;     /* every member has the sender's seqs <= stable */
            uint64_t leader;     /* the lowest id in the sender's view */
            uint16_t n;          /* acknowledgements: one per member of the view */
            const uint8_t *acks; /* n u64: highest contiguous seq received per member */
        } hb;
        struct {
            uint64_t target;       /* whose stream */
            uint8_t attempt;       /* how many times the requester asked already */
            uint16_t n;            /* ranges */
            const uint8_t *ranges; /* n pairs of u64: first, last (inclusive) */
        } nack;
        struct {
            uint64_t target;  /* the leader it wants to join; 0: any */
            uint32_t counter; /* the counter of the last view it was in (0: none) */
            uint8_t order;    /* MW_GROUP_FIFO or MW_GROUP_TOTAL */
            uint8_t name_len; /* its name */
            const uint8_t *name;
        } join;
        struct {
            mwi_gpid pid;           /* the proposal */
            uint64_t merge_target;  /* DISSOLVE: the leader to join; else 0 */
            uint16_t n_members;     /* ids of the proposed view */
            uint16_t n_flush;       /* ids expected to report */
            const uint8_t *members; /* n_members u64 */
            const uint8_t *flush;   /* n_flush u64 */
        } flush;
        struct {
            mwi_gpid pid;         /* FLUSH_OK, CUT: the proposal */
            uint16_t n;           /* one entry per member of the base view */
            const uint8_t *vec;   /* n u64: FLUSH_OK the report, CUT the cut */
            const uint8_t *floor; /* CUT: n u64, the least report (every member of the
                                     flush set has that much); NULL for FLUSH_OK */
        } vec;
        struct {
            mwi_gpid pid; /* CUT_OK: the proposal */
        } cut_ok;
        struct {
            mwi_gpid pid;           /* the proposal installed */
            uint64_t merge_target;  /* DISSOLVE: the leader to join */
            uint16_t n;             /* members of the new view */
            const uint8_t *members; /* n entries: id u64, name length u8, name */
            size_t members_len;     /* bytes of those entries */
        } install;
    } u;
} mwi_gmsg;

static inline uint64_t mwi_gw_u64(const uint8_t *vec, size_t i)
{
    return mw_load_u64be(vec + 8 * i);
}

/* Decodes and checks a datagram: magic, version, type, the body length against the
 * datagram, every count against the bytes present and against MW_GROUP_MAX_MEMBERS,
 * names within MW_GROUP_MAX_NAME. MW_EPROTO (magic, version, type, layout) or
 * MW_ETRUNCATED. */
int mwi_gw_decode(mwi_gmsg *m, const uint8_t *d, size_t n);

/* Reads the i-th member of an INSTALL (the list was checked by the decoder). *pos is a
 * cursor into u.install.members, 0 for the first. */
void mwi_gw_install_member(const mwi_gmsg *m, size_t *pos, mw_group_member *out);

/* Checks an order record (the payload of a CTRL datagram): 0 or MW_EPROTO. */
int mwi_gw_order_check(const uint8_t *p, size_t n, uint64_t *first_gseq, uint16_t *count);
/* The i-th entry of a checked order record: the sender's id and the message's seq. */
static inline void mwi_gw_order_entry(const uint8_t *p, size_t i, uint64_t *id, uint64_t *seq)
{
    *id = mw_load_u64be(p + MWI_G_ORDER_HEADER + MWI_G_ORDER_ENTRY * i);
    *seq = mw_load_u64be(p + MWI_G_ORDER_HEADER + MWI_G_ORDER_ENTRY * i + 8);
}

/* Encoders. Each appends one whole datagram to b (which should start empty), or returns
 * MW_ENOMEM / MW_EMSGSIZE and leaves b's length as it was. */
int mwi_gw_header(mw_buf *b, uint8_t type, uint16_t flags, uint64_t sender, mwi_gvid view);
/* Patches the body length of the datagram that starts at offset `start` of b. */
int mwi_gw_finish(mw_buf *b, size_t start);

int mwi_gw_put_pid(mw_buf *b, const mwi_gpid *pid);
int mwi_gw_put_u64s(mw_buf *b, const uint64_t *v, size_t n);

#endif

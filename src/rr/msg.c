/* msg.c - decoding and validating request-reply messages (docs/protocol.md). */
#include "rr/msg.h"

uint32_t mw_rr_interface_hash(const char *name)
{
    if (!name || !*name)
        return 0;
    /* FNV-1a: tiny, well known and specified in one line of the protocol document, so any
     * other implementation can compute the same value. */
    uint32_t h = 0x811C9DC5u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x01000193u;
    }
    return h;
}

/* The rules that need the fragment fields: a message is either whole (fragment size 0)
 * or a fragment with exactly the length its index implies. */
static int check_fragment(const mwi_rr_hdr *h)
{
    if (h->frag_size == 0)
        return (h->frag_index == 0 && h->paylen == h->msglen) ? 0 : MW_EPROTO;
    if (h->msglen <= h->frag_size)
        return MW_EPROTO;
    uint32_t nfrag = mwi_rr_nfrag(h->msglen, h->frag_size);
    if (h->frag_index >= nfrag)
        return MW_EPROTO;
    uint32_t want = h->frag_index + 1 < nfrag
                        ? h->frag_size
                        : h->msglen - (nfrag - 1) * h->frag_size;
    return h->paylen == want ? 0 : MW_EPROTO;
}

void mwi_rr_hdr_peek(const uint8_t *d, mwi_rr_hdr *h)
{
    h->type = d[3];
    h->flags = mw_load_u16be(d + 4);
    h->hlen = mw_load_u16be(d + 6);
    h->inc = mw_load_u64be(d + 8);
    h->id = mw_load_u64be(d + 16);
    h->ack_below = mw_load_u64be(d + 24);
    h->op = mw_load_u32be(d + 32);
    h->objnum = mw_load_u32be(d + 36);
    h->ifhash = mw_load_u32be(d + 40);
    h->msglen = mw_load_u32be(d + 44);
    h->frag_index = mw_load_u32be(d + 48);
    h->frag_size = mw_load_u32be(d + 52);
    h->burst = mw_load_u32be(d + 56);
    h->paylen = mw_load_u32be(d + 60);
}

int mwi_rr_decode(const uint8_t *d, size_t n, mwi_rr_hdr *h, const uint8_t **payload)
{
    if (n < MW_RR_HEADER_SIZE || mw_load_u16be(d) != MW_RR_MAGIC || d[2] != MW_RR_VERSION)
        return MW_EPROTO;
    mwi_rr_hdr_peek(d, h);
    if (h->hlen < MW_RR_HEADER_SIZE || h->hlen > n || n - h->hlen != h->paylen)
        return MW_EPROTO;
    *payload = d + h->hlen;
    switch (h->type) {
    case MWI_RR_REQUEST:
    case MWI_RR_REPLY:
        if (mwi_rr_hdr_proto(h) == 0 || mwi_rr_hdr_sem(h) == 0)
            return MW_EPROTO;
        if (h->type == MWI_RR_REPLY && mwi_rr_status_of(h->op) < 0 && h->paylen != 0)
            return MW_EPROTO;
        return check_fragment(h);
    case MWI_RR_ACK:
    case MWI_RR_GONE:
        return h->paylen == 0 ? 0 : MW_EPROTO;
    case MWI_RR_STATUS:
        return 0;
    default:
        return MW_EPROTO;
    }
}

int mwi_rr_frame_len(const uint8_t *d, size_t n, size_t max_payload, size_t *frame_len)
{
    if (n < MW_RR_HEADER_SIZE)
        return MW_EAGAIN;
    if (mw_load_u16be(d) != MW_RR_MAGIC || d[2] != MW_RR_VERSION)
        return MW_EPROTO;
    size_t hlen = mw_load_u16be(d + 6);
    if (hlen < MW_RR_HEADER_SIZE)
        return MW_EPROTO;
    size_t paylen = mw_load_u32be(d + 60);
    *frame_len = hlen + paylen;
    return paylen > max_payload ? MW_EMSGSIZE : 0;
}

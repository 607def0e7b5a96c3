/* frag.c - selective-repeat fragmentation: burst selection, status reports, reassembly. */
#include <stdlib.h>
#include <string.h>

#include "rr/frag.h"

static size_t bitmap_bytes(uint32_t nbits) { return ((size_t)nbits + 7) / 8; }

int mwi_fragout_init(mwi_fragout *o, uint32_t msglen, uint32_t fsize, uint32_t window)
{
    uint32_t nfrag = mwi_rr_nfrag(msglen, fsize);
    size_t nb = bitmap_bytes(nfrag);
    if (nb > o->bits_cap) {
        uint8_t *b = realloc(o->bits, nb);
        if (!b)
            return MW_ENOMEM;
        o->bits = b;
        o->bits_cap = nb;
    }
    memset(o->bits, 0, nb);
    o->msglen = msglen;
    o->fsize = fsize;
    o->nfrag = nfrag;
    o->window = window ? window : 1;
    o->confirmed = 0;
    o->low = 0;
    o->burst = 0;
    return 0;
}

void mwi_fragout_free(mwi_fragout *o)
{
    free(o->bits);
    o->bits = NULL;
    o->bits_cap = 0;
}

uint32_t mwi_fragout_burst(mwi_fragout *o, uint32_t *idx)
{
    o->burst++;
    uint32_t n = 0;
    for (uint32_t i = o->low; i < o->nfrag && n < o->window; i++) {
        if (!mwi_bit_get(o->bits, i))
            idx[n++] = i;
    }
    return n;
}

static void confirm(mwi_fragout *o, uint32_t i)
{
    if (!mwi_bit_get(o->bits, i)) {
        mwi_bit_set(o->bits, i);
        o->confirmed++;
    }
}

static void unconfirm(mwi_fragout *o, uint32_t i)
{
    if (mwi_bit_get(o->bits, i)) {
        mwi_bit_clear(o->bits, i);
        o->confirmed--;
    }
}

bool mwi_fragout_status(mwi_fragout *o, uint32_t base, const uint8_t *bitmap, size_t nbytes,
                        uint32_t echo)
{
    bool current = echo == o->burst;
    uint32_t below = base < o->nfrag ? base : o->nfrag;
    for (uint32_t i = 0; i < below; i++)
        confirm(o, i);
    /* A report for the current burst is the receiver's whole knowledge: what it lacks is
     * unconfirmed again (it may have restarted and lost what it had). Older reports may
     * be overtaken by later ones, so they only add. */
    uint64_t end = (uint64_t)base + (uint64_t)nbytes * 8;
    for (uint32_t i = below; i < o->nfrag; i++) {
        bool got = i < end && mwi_bit_get(bitmap, i - base);
        if (got)
            confirm(o, i);
        else if (current)
            unconfirm(o, i);
    }
    o->low = 0;
    while (o->low < o->nfrag && mwi_bit_get(o->bits, o->low))
        o->low++;
    return current && !mwi_fragout_done(o);
}

size_t mwi_reasm_cost(uint32_t msglen, uint32_t fsize)
{
    return (size_t)msglen + bitmap_bytes(mwi_rr_nfrag(msglen, fsize));
}

int mwi_reasm_init(mwi_reasm *r, uint32_t msglen, uint32_t fsize)
{
    memset(r, 0, sizeof *r);
    uint32_t nfrag = mwi_rr_nfrag(msglen, fsize);
    /* One block: the message, then its bitmap. calloc zeroes the bitmap (and, harmlessly,
     * the message), and the kernel's fresh pages cost nothing to zero. */
    uint8_t *p = calloc(1, mwi_reasm_cost(msglen, fsize));
    if (!p)
        return MW_ENOMEM;
    r->buf = p;
    r->bits = p + msglen;
    r->msglen = msglen;
    r->fsize = fsize;
    r->nfrag = nfrag;
    return 0;
}

void mwi_reasm_free(mwi_reasm *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

int mwi_reasm_add(mwi_reasm *r, const mwi_rr_hdr *h, const uint8_t *payload)
{
    if (h->msglen != r->msglen || h->frag_size != r->fsize)
        return MW_EPROTO;
    uint32_t i = h->frag_index;
    if (mwi_bit_get(r->bits, i))
        return 0;
    memcpy(r->buf + (size_t)i * r->fsize, payload, h->paylen);
    mwi_bit_set(r->bits, i);
    r->have++;
    if (i + 1 > r->high)
        r->high = i + 1;
    while (r->low < r->nfrag && mwi_bit_get(r->bits, r->low))
        r->low++;
    return 1;
}

size_t mwi_reasm_status(const mwi_reasm *r, uint8_t *out, size_t cap, uint32_t *base)
{
    *base = r->low;
    if (r->low >= r->nfrag)
        return 0;
    uint32_t span = (r->high > r->low ? r->high : r->low + 1) - r->low;
    size_t n = bitmap_bytes(span);
    if (n > cap)
        n = cap;
    memset(out, 0, n);
    uint64_t end = (uint64_t)r->low + n * 8;
    if (end > r->nfrag)
        end = r->nfrag;
    for (uint32_t i = r->low; i < end; i++) {
        if (mwi_bit_get(r->bits, i))
            mwi_bit_set(out, i - r->low);
    }
    return n;
}

/* reader.c - bounds-checked readers over borrowed bytes. */
#include <string.h>

#include "mw_impl.h"

void mw_reader_init(mw_reader *r, const void *data, size_t len)
{
    r->data = data;
    r->len = data ? len : 0;
    r->off = 0;
}

size_t mw_reader_remaining(const mw_reader *r) { return r->len - r->off; }

int mw_read_bytes(mw_reader *r, size_t n, const uint8_t **out)
{
    if (n > r->len - r->off)
        return MW_ETRUNCATED;
    *out = r->data + r->off;
    r->off += n;
    return 0;
}

int mw_read_copy(mw_reader *r, void *dst, size_t n)
{
    if (n > r->len - r->off)
        return MW_ETRUNCATED;
    if (n)
        memcpy(dst, r->data + r->off, n);
    r->off += n;
    return 0;
}

int mw_read_skip(mw_reader *r, size_t n)
{
    if (n > r->len - r->off)
        return MW_ETRUNCATED;
    r->off += n;
    return 0;
}

int mw_read_align(mw_reader *r, size_t base, size_t align)
{
    if (align == 0 || (align & (align - 1)) || base > r->off)
        return MW_EINVAL;
    size_t rel = r->off - base;
    return mw_read_skip(r, (align - (rel & (align - 1))) & (align - 1));
}

#define GET(bytes, expr)                                                                   \
    do {                                                                                   \
        if (r->len - r->off < (bytes))                                                     \
            return MW_ETRUNCATED;                                                          \
        const uint8_t *p = r->data + r->off;                                               \
        *v = expr;                                                                         \
        r->off += (bytes);                                                                 \
        return 0;                                                                          \
    } while (0)

static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int mw_read_u8(mw_reader *r, uint8_t *v) { GET(1, p[0]); }
int mw_read_u16be(mw_reader *r, uint16_t *v) { GET(2, mw_load_u16be(p)); }
int mw_read_u16le(mw_reader *r, uint16_t *v) { GET(2, (uint16_t)(p[0] | p[1] << 8)); }
int mw_read_u32be(mw_reader *r, uint32_t *v) { GET(4, mw_load_u32be(p)); }
int mw_read_u32le(mw_reader *r, uint32_t *v) { GET(4, le32(p)); }
int mw_read_u64be(mw_reader *r, uint64_t *v) { GET(8, mw_load_u64be(p)); }
int mw_read_u64le(mw_reader *r, uint64_t *v) { GET(8, (uint64_t)le32(p + 4) << 32 | le32(p)); }

/* buf.c - growable byte buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_impl.h"

void mw_buf_init(mw_buf *b) { memset(b, 0, sizeof *b); }

void mw_buf_free(mw_buf *b)
{
    size_t limit = b->limit;
    free(b->data);
    memset(b, 0, sizeof *b);
    b->limit = limit;
}

void mw_buf_reset(mw_buf *b) { b->len = 0; }

static int grow(mw_buf *b, size_t need)
{
    size_t limit = b->limit ? b->limit : SIZE_MAX;
    if (need > limit)
        return MW_ELIMIT;
    /* Double, so n appends cost O(n); start at 64 bytes to skip the tiny steps. */
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > limit)
        cap = limit;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return MW_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int mw_buf_reserve(mw_buf *b, size_t n)
{
    size_t need;
    if (!mwi_add_size(b->len, n, &need))
        return MW_ENOMEM;
    if (need <= b->cap)
        return 0;
    return grow(b, need);
}

int mw_buf_extend(mw_buf *b, size_t n, uint8_t **out)
{
    int rc = mw_buf_reserve(b, n);
    if (rc)
        return rc;
    uint8_t *p = b->data + b->len;
    if (n)
        memset(p, 0, n);
    b->len += n;
    if (out)
        *out = p;
    return 0;
}

int mw_buf_append(mw_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    int rc = mw_buf_reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int mw_buf_append_str(mw_buf *b, const char *s) { return mw_buf_append(b, s, strlen(s)); }

int mw_buf_printf(mw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MW_EINVAL;
    if ((size_t)n < sizeof small)
        return mw_buf_append(b, small, (size_t)n);
    int rc = mw_buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int mw_buf_pad(mw_buf *b, size_t base, size_t align)
{
    if (align == 0 || (align & (align - 1)) || base > b->len)
        return MW_EINVAL;
    size_t rel = b->len - base;
    size_t pad = (align - (rel & (align - 1))) & (align - 1);
    return mw_buf_extend(b, pad, NULL);
}

#define PUT(bytes, ...)                                                                    \
    do {                                                                                   \
        int rc_ = mw_buf_reserve(b, bytes);                                                \
        if (rc_)                                                                           \
            return rc_;                                                                    \
        uint8_t *p = b->data + b->len;                                                     \
        __VA_ARGS__;                                                                       \
        b->len += bytes;                                                                   \
        return 0;                                                                          \
    } while (0)

int mw_buf_put_u8(mw_buf *b, uint8_t v) { PUT(1, p[0] = v); }
int mw_buf_put_u16be(mw_buf *b, uint16_t v) { PUT(2, mw_store_u16be(p, v)); }
int mw_buf_put_u16le(mw_buf *b, uint16_t v) { PUT(2, p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8)); }
int mw_buf_put_u32be(mw_buf *b, uint32_t v) { PUT(4, mw_store_u32be(p, v)); }
int mw_buf_put_u32le(mw_buf *b, uint32_t v)
{
    PUT(4, for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)));
}
int mw_buf_put_u64be(mw_buf *b, uint64_t v) { PUT(8, mw_store_u64be(p, v)); }
int mw_buf_put_u64le(mw_buf *b, uint64_t v)
{
    PUT(8, for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)));
}

uint8_t *mw_buf_detach(mw_buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    size_t limit = b->limit;
    memset(b, 0, sizeof *b);
    b->limit = limit;
    return p;
}

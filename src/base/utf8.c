/* utf8.c - UTF-8 validation and exact conversion to and from Java's modified UTF-8. */
#include "mw_impl.h"

/* Decodes one UTF-8 character at s[i..n). Returns its length (1-4) and the code point
 * in *cp, or 0 if the bytes there are not well-formed UTF-8 (RFC 3629). */
static size_t utf8_next(const uint8_t *s, size_t n, size_t i, uint32_t *cp)
{
    uint8_t b = s[i];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t len;
    uint32_t c;
    uint8_t lo = 0x80, hi = 0xBF; /* the range allowed for the second byte */
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        c = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0; /* no overlongs */
        else if (b == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        c = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F; /* nothing past U+10FFFF */
    } else {
        return 0;
    }
    if (n - i < len)
        return 0;
    if (s[i + 1] < lo || s[i + 1] > hi)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i + k] & 0x3F);
    }
    *cp = c;
    return len;
}

int mw_utf8_validate(const char *str, size_t n, size_t *bad_off)
{
    const uint8_t *s = (const uint8_t *)str;
    size_t i = 0;
    while (i < n) {
        /* ASCII runs are the common case: skip them a byte at a time without decoding. */
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_next(s, n, i, &cp);
        if (k == 0) {
            if (bad_off)
                *bad_off = i;
            return MW_EUTF;
        }
        i += k;
    }
    return 0;
}

static size_t mutf8_units_len(uint32_t cp)
{
    if (cp == 0)
        return 2; /* C0 80 */
    if (cp < 0x80)
        return 1;
    if (cp < 0x800)
        return 2;
    if (cp < 0x10000)
        return 3;
    return 6; /* a surrogate pair, 3 bytes each */
}

int mw_mutf8_length(const char *str, size_t n, size_t *out_len, size_t *bad_off)
{
    const uint8_t *s = (const uint8_t *)str;
    size_t total = 0, i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_next(s, n, i, &cp);
        if (k == 0) {
            if (bad_off)
                *bad_off = i;
            return MW_EUTF;
        }
        total += mutf8_units_len(cp);
        i += k;
    }
    *out_len = total;
    return 0;
}

static uint8_t *put_unit(uint8_t *p, uint32_t u)
{
    if (u != 0 && u < 0x80) {
        *p++ = (uint8_t)u;
    } else if (u < 0x800) {
        *p++ = (uint8_t)(0xC0 | (u >> 6));
        *p++ = (uint8_t)(0x80 | (u & 0x3F));
    } else {
        *p++ = (uint8_t)(0xE0 | (u >> 12));
        *p++ = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
        *p++ = (uint8_t)(0x80 | (u & 0x3F));
    }
    return p;
}

int mw_mutf8_from_utf8(mw_buf *b, const char *str, size_t n, size_t *bad_off)
{
    size_t need;
    int rc = mw_mutf8_length(str, n, &need, bad_off);
    if (rc || need == 0)
        return rc;
    if ((rc = mw_buf_reserve(b, need)))
        return rc;
    const uint8_t *s = (const uint8_t *)str;
    uint8_t *p = b->data + b->len;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_next(s, n, i, &cp); /* validated above */
        if (cp >= 0x10000) {
            uint32_t v = cp - 0x10000;
            p = put_unit(p, 0xD800 | (v >> 10));
            p = put_unit(p, 0xDC00 | (v & 0x3FF));
        } else {
            p = put_unit(p, cp);
        }
        i += k;
    }
    b->len += need;
    return 0;
}

/* Decodes one UTF-16 code unit of modified UTF-8 at m[i..n): its length, or 0 if it is
 * not something Java's writeUTF produces. */
static size_t mutf8_unit(const uint8_t *m, size_t n, size_t i, uint32_t *u)
{
    uint8_t b = m[i];
    if (b != 0 && b < 0x80) {
        *u = b;
        return 1;
    }
    if ((b & 0xE0) == 0xC0) {
        if (n - i < 2 || (m[i + 1] & 0xC0) != 0x80)
            return 0;
        uint32_t v = (uint32_t)(b & 0x1F) << 6 | (m[i + 1] & 0x3F);
        if (v != 0 && v < 0x80)
            return 0; /* overlong: only U+0000 may use two bytes */
        *u = v;
        return 2;
    }
    if ((b & 0xF0) == 0xE0) {
        if (n - i < 3 || (m[i + 1] & 0xC0) != 0x80 || (m[i + 2] & 0xC0) != 0x80)
            return 0;
        uint32_t v = (uint32_t)(b & 0x0F) << 12 | (uint32_t)(m[i + 1] & 0x3F) << 6 |
                     (m[i + 2] & 0x3F);
        if (v < 0x800)
            return 0;
        *u = v;
        return 3;
    }
    return 0; /* NUL byte, continuation byte, or a 4-byte form */
}

static uint8_t *put_utf8(uint8_t *p, uint32_t cp)
{
    if (cp < 0x80) {
        *p++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *p++ = (uint8_t)(0xC0 | (cp >> 6));
        *p++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *p++ = (uint8_t)(0xE0 | (cp >> 12));
        *p++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        *p++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        *p++ = (uint8_t)(0xF0 | (cp >> 18));
        *p++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        *p++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        *p++ = (uint8_t)(0x80 | (cp & 0x3F));
    }
    return p;
}

int mw_mutf8_to_utf8(mw_buf *b, const uint8_t *m, size_t n, size_t *bad_off)
{
    /* Every modified UTF-8 form is at least as long as its UTF-8 form, so n bytes of
     * room suffice and the output can be written in one pass. */
    if (n == 0)
        return 0; /* b->data may still be NULL: nothing to point into */
    int rc = mw_buf_reserve(b, n);
    if (rc)
        return rc;
    uint8_t *start = b->data + b->len, *p = start;
    size_t i = 0;
    while (i < n) {
        uint32_t u, u2;
        size_t k = mutf8_unit(m, n, i, &u);
        if (k == 0)
            goto bad;
        if (u >= 0xDC00 && u <= 0xDFFF)
            goto bad; /* a low surrogate with no high one before it */
        if (u >= 0xD800 && u <= 0xDBFF) {
            size_t k2 = i + k < n ? mutf8_unit(m, n, i + k, &u2) : 0;
            if (k2 == 0 || u2 < 0xDC00 || u2 > 0xDFFF)
                goto bad;
            p = put_utf8(p, 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00));
            i += k + k2;
            continue;
        }
        p = put_utf8(p, u);
        i += k;
    }
    b->len += (size_t)(p - start);
    return 0;
bad:
    if (bad_off)
        *bad_off = i;
    return MW_EUTF;
}

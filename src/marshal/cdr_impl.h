/*
 * cdr_impl.h - what the two halves of the CDR codec share: cdr.c (values) and
 * cdr_typecode.c (the TypeCodes that make an `any` self-describing).
 *
 * Both halves work on one encoder or one decoder state. Positions are offsets into the
 * output buffer (encoding) or the input (decoding); alignment counts from `origin` /
 * `base`, which an encapsulation moves to its byte-order octet for its duration.
 * Errors are raised at the leaf with mwi_cdr_*_fail, which records code, offset and
 * detail; each enclosing frame then prepends its member name or index to the path on
 * the way out, so a successful call never pays for paths.
 */
#ifndef MW_CDR_IMPL_H
#define MW_CDR_IMPL_H

#include <string.h>

#include "marshal_impl.h"

/* A member path built from the innermost part outwards: text is buf[pos..]. */
typedef struct mwi_cdr_path {
    char buf[sizeof(((mw_marshal_error *)0)->path)];
    uint32_t pos;   /* start of the text in buf */
    bool truncated; /* outer parts were dropped for lack of room */
} mwi_cdr_path;

void mwi_cdr_path_reset(mwi_cdr_path *p);
/* Prepends ".name" (a member) or "[i]" (an element). */
void mwi_cdr_path_field(mwi_cdr_path *p, const char *name);
void mwi_cdr_path_index(mwi_cdr_path *p, uint64_t i);

/* An encoding in progress. */
typedef struct mwi_cdr_enc {
    mw_buf *buf;
    size_t start;       /* buf->len when this encoding began (errors count from it) */
    size_t origin;      /* offset in buf where alignment counts from */
    bool swap;          /* the wire order is not the host's */
    uint32_t depth;     /* constructed values entered */
    uint32_t max_depth; /* MW_EDEPTH past this */
    mw_marshal_error *err;
    mwi_cdr_path path;
    /* The complex TypeCodes written so far in the current top-level TypeCode, by type:
     * a type met again becomes an indirection. An open-addressing table (malloc'd by
     * cdr_typecode.c and freed when the top-level TypeCode is done); NULL when empty. */
    const mw_type **tc_keys;
    size_t *tc_pos;   /* offset of each one's TCKind in buf */
    size_t tc_cap;    /* slots, a power of two */
    size_t tc_used;
} mwi_cdr_enc;

/* One TypeCode seen while decoding an any's TypeCode: the target of indirections. */
typedef struct mwi_cdr_tc_entry {
    size_t pos;          /* offset of its TCKind in the input */
    const mw_type *type; /* what it was decoded to (NULL until it may be referred to) */
    size_t min_wire;     /* the fewest bytes a value of it takes (when complete) */
    bool complete;       /* false while its members are still being read */
} mwi_cdr_tc_entry;

/* A decoding in progress. */
typedef struct mwi_cdr_dec {
    const uint8_t *data;
    size_t end;  /* end of the region being read (an encapsulation ends early) */
    size_t off;  /* next byte */
    size_t base; /* where alignment counts from */
    bool swap;
    size_t len; /* the whole input's length */
    mw_arena *arena;
    uint32_t depth;
    uint32_t max_depth;
    mw_marshal_error *err;
    mwi_cdr_path path;
    /* the current top-level TypeCode's table (malloc'd, freed by the top-level call) */
    mwi_cdr_tc_entry *tc;
    size_t tc_count, tc_cap;
    /* arena space taken for strings and not used yet */
    char *pool;
    size_t pool_left;
    /* The arena is bounded (mwi_arena_bound) only when the first value whose C form
     * the input does not bound by itself is allocated: strings copy at most the bytes
     * they consume, so a value of strings and scalars never pays for the bound. */
    bool bounded;      /* the bound is in force; old_limit is the caller's limit */
    size_t old_limit;
    size_t pooled;     /* bytes taken for strings before the bound (align 1: exact) */
} mwi_cdr_dec;

/* The most members a union decoded from a TypeCode may have. */
#define MWI_CDR_MAX_UNION_CASES 4096

/* Record a failure (err may be NULL) and reset the path; returns code. */
int mwi_cdr_enc_fail(mwi_cdr_enc *e, int code, const char *fmt, ...) MW_PRINTF(3, 4);
int mwi_cdr_dec_fail(mwi_cdr_dec *d, int code, size_t offset, const char *fmt, ...)
    MW_PRINTF(4, 5);

/* Puts the arena bound in force (the slow path of mwi_cdr_dec_bound). */
void mwi_cdr_dec_bound_now(mwi_cdr_dec *d);
/* Call before allocating anything but string space. */
static inline void mwi_cdr_dec_bound(mwi_cdr_dec *d)
{
    if (!d->bounded)
        mwi_cdr_dec_bound_now(d);
}

/* The values half (cdr.c). */
int mwi_cdr_enc_value(mwi_cdr_enc *e, const mw_type *t, const void *v);
int mwi_cdr_dec_value(mwi_cdr_dec *d, const mw_type *t, void *v);
/* Reads a string into the arena (validated: NUL-terminated, no inner NUL, UTF-8 when
 * text is true, at most bound bytes when bound > 0). */
int mwi_cdr_dec_string(mwi_cdr_dec *d, uint32_t bound, bool text, char **out);

/* The TypeCode half (cdr_typecode.c). */
/* Writes the TypeCode of t (NULL: tk_null). */
int mwi_cdr_enc_typecode(mwi_cdr_enc *e, const mw_type *t);
/* Reads a TypeCode and builds the type it describes in the arena (NULL for tk_null and
 * tk_void: an empty any). Uses and resets d's indirection table. */
int mwi_cdr_dec_typecode(mwi_cdr_dec *d, const mw_type **out);
/* The byte length of t's TypeCode (its length does not depend on where it starts, as
 * long as that is a multiple of 4). */
int mwi_cdr_typecode_size(const mw_type *t, size_t *out);

/* ---- primitives, inline: the hot path -------------------------------------------- */

static inline uint16_t mwi_cdr_sw16(uint16_t v, bool swap)
{
    return swap ? __builtin_bswap16(v) : v;
}
static inline uint32_t mwi_cdr_sw32(uint32_t v, bool swap)
{
    return swap ? __builtin_bswap32(v) : v;
}
static inline uint64_t mwi_cdr_sw64(uint64_t v, bool swap)
{
    return swap ? __builtin_bswap64(v) : v;
}

/* memcpy of n bytes, inline for the short copies strings mostly are: two overlapping
 * loads and stores up to 16 bytes, never touching a byte outside either range; memcpy
 * beyond. CDR's and XDR's string encoders. */
static inline void mwi_copy_bytes(uint8_t *restrict dst, const uint8_t *restrict src, size_t n)
{
    if (n > 16) {
        memcpy(dst, src, n);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, src, 8);
        memcpy(&b, src + n - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, src, 4);
        memcpy(&b, src + n - 4, 4);
        memcpy(dst, &a, 4);
        memcpy(dst + n - 4, &b, 4);
    } else if (n) {
        uint8_t a = src[0], b = src[n / 2], c = src[n - 1];
        dst[0] = a;
        dst[n / 2] = b;
        dst[n - 1] = c;
    }
}

/* Copies n elements of k bytes (2, 4 or 8; any other k: a plain copy), reversing the
 * bytes of each; vectorised where the CPU allows (cdr.c). XDR uses it too. */
void mwi_swap_copy(void *restrict dst, const void *restrict src, size_t n, size_t k);

/* Makes room for n more bytes in the output (the slow path of mwi_cdr_put). */
int mwi_cdr_enc_grow(mwi_cdr_enc *e, size_t n);

/* Appends zeros up to the next multiple of a (a power of two) counted from the origin,
 * then n bytes whose place is returned through *out for the caller to fill. */
static inline int mwi_cdr_put(mwi_cdr_enc *e, size_t a, size_t n, uint8_t **out)
{
    mw_buf *b = e->buf;
    size_t pad = (size_t)(e->origin - b->len) & (a - 1), room = b->cap - b->len;
    uint8_t *p;
    if (room >= n + 8) {
        /* the common case: zero 8 bytes at once (padding is at most 7; the rest is
         * overwritten or lies beyond len) */
        p = b->data + b->len;
        memset(p, 0, 8);
    } else {
        if (room < pad + n || !b->data) {
            int rc = mwi_cdr_enc_grow(e, pad + n ? pad + n : 1);
            if (rc)
                return rc;
        }
        p = b->data + b->len;
        for (size_t i = 0; i < pad; i++)
            p[i] = 0;
    }
    b->len += pad + n;
    *out = p + pad;
    return 0;
}

static inline int mwi_cdr_put_u8(mwi_cdr_enc *e, uint8_t v)
{
    uint8_t *p;
    int rc = mwi_cdr_put(e, 1, 1, &p);
    if (!rc)
        *p = v;
    return rc;
}
static inline int mwi_cdr_put_u16(mwi_cdr_enc *e, uint16_t v)
{
    uint8_t *p;
    int rc = mwi_cdr_put(e, 2, 2, &p);
    if (!rc) {
        v = mwi_cdr_sw16(v, e->swap);
        memcpy(p, &v, 2);
    }
    return rc;
}
static inline int mwi_cdr_put_u32(mwi_cdr_enc *e, uint32_t v)
{
    uint8_t *p;
    int rc = mwi_cdr_put(e, 4, 4, &p);
    if (!rc) {
        v = mwi_cdr_sw32(v, e->swap);
        memcpy(p, &v, 4);
    }
    return rc;
}
static inline int mwi_cdr_put_u64(mwi_cdr_enc *e, uint64_t v)
{
    uint8_t *p;
    int rc = mwi_cdr_put(e, 8, 8, &p);
    if (!rc) {
        v = mwi_cdr_sw64(v, e->swap);
        memcpy(p, &v, 8);
    }
    return rc;
}

/* Skips to the next multiple of a counted from the base and returns the next n bytes,
 * or NULL when the region has fewer (nothing is consumed then). */
static inline const uint8_t *mwi_cdr_take(mwi_cdr_dec *d, size_t a, size_t n)
{
    size_t pad = (size_t)(d->base - d->off) & (a - 1);
    size_t left = d->end - d->off;
    if (left < pad || left - pad < n)
        return NULL;
    const uint8_t *p = d->data + d->off + pad;
    d->off += pad + n;
    return p;
}

/* The offset where a value aligned to a would start (for error reports). */
static inline size_t mwi_cdr_at(const mwi_cdr_dec *d, size_t a)
{
    size_t at = d->off + ((size_t)(d->base - d->off) & (a - 1));
    return at < d->end ? at : d->end;
}

static inline int mwi_cdr_get_u8(mwi_cdr_dec *d, uint8_t *v)
{
    const uint8_t *p = mwi_cdr_take(d, 1, 1);
    if (!p) {
        mwi_cdr_dec_fail(d, MW_ETRUNCATED, d->off, "input ends inside an octet");
        return MW_ETRUNCATED;
    }
    *v = *p;
    return 0;
}
static inline int mwi_cdr_get_u16(mwi_cdr_dec *d, uint16_t *v)
{
    const uint8_t *p = mwi_cdr_take(d, 2, 2);
    if (!p) {
        mwi_cdr_dec_fail(d, MW_ETRUNCATED, mwi_cdr_at(d, 2),
                                "input ends inside a 2-byte value");
        return MW_ETRUNCATED;
    }
    uint16_t x;
    memcpy(&x, p, 2);
    *v = mwi_cdr_sw16(x, d->swap);
    return 0;
}
static inline int mwi_cdr_get_u32(mwi_cdr_dec *d, uint32_t *v)
{
    const uint8_t *p = mwi_cdr_take(d, 4, 4);
    if (!p) {
        mwi_cdr_dec_fail(d, MW_ETRUNCATED, mwi_cdr_at(d, 4),
                                "input ends inside a 4-byte value");
        return MW_ETRUNCATED;
    }
    uint32_t x;
    memcpy(&x, p, 4);
    *v = mwi_cdr_sw32(x, d->swap);
    return 0;
}
static inline int mwi_cdr_get_u64(mwi_cdr_dec *d, uint64_t *v)
{
    const uint8_t *p = mwi_cdr_take(d, 8, 8);
    if (!p) {
        mwi_cdr_dec_fail(d, MW_ETRUNCATED, mwi_cdr_at(d, 8),
                                "input ends inside an 8-byte value");
        return MW_ETRUNCATED;
    }
    uint64_t x;
    memcpy(&x, p, 8);
    *v = mwi_cdr_sw64(x, d->swap);
    return 0;
}

/* Follows aliases without leaving the file (descriptors are checked: no alias cycles
 * beyond this bound). */
static inline const mw_type *mwi_cdr_resolve(const mw_type *t)
{
    for (int i = 0; t && t->kind == MW_K_ALIAS && i < MW_MARSHAL_MAX_DEPTH; i++)
        t = t->u.alias.target;
    return t && t->kind != MW_K_ALIAS ? t : NULL;
}

#endif

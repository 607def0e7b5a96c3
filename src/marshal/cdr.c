/*
 * cdr.c - CORBA Common Data Representation, as GIOP 1.2 carries it (CORBA 3.x, "General
 * Inter-ORB Protocol", "CDR Transfer Syntax"). This file does values; cdr_typecode.c
 * does the TypeCodes inside an `any`.
 *
 * Wire form of each kind of the type model:
 *   boolean, char, octet   1 octet (boolean only 0 or 1)
 *   short, unsigned short  2 octets, aligned 2
 *   long, unsigned long, float, enum    4 octets, aligned 4 (enum: the ordinal)
 *   long long, unsigned long long, double  8 octets, aligned 8
 *   string      unsigned long length counting the terminating NUL, the bytes, the NUL
 *               (UTF-8 text; no NUL inside; length 0 is malformed)
 *   sequence    unsigned long count, then the elements
 *   array       the elements only
 *   struct      the members in order;  alias: its target
 *   union       the discriminator, then the member its value selects (none if no case
 *               matches and there is no default)
 *   optional    a sequence<T, 1>: count 0 (absent) or 1 and the value
 *   any         a TypeCode (cdr_typecode.c), then the value
 *   object reference (Figure 4.13), as this IDL struct would be encoded:
 *       struct ObjectRef {            // repository id "IDL:midway/ObjectRef:1.0"
 *           octet family;             // 4 (IPv4), 6 (IPv6), 0 (nil: no address)
 *           sequence<octet, 16> address; // 4, 16 or 0 octets, network order
 *           unsigned short port;
 *           unsigned long long created_ms; // creation time of the creating process
 *           unsigned long object_number;
 *           string interface;         // "HelloApp::Hello"
 *       };
 *     An IPv6 scope id is local to a host and is not sent (it decodes as 0).
 * Primitives are aligned to their size counted from the start of the stream: for
 * encoding, opts->align_origin (an offset into the output buffer); for decoding, the
 * start of the data (or the byte-order octet of an encapsulation). Padding is written
 * as zeros and not checked when read. Multi-byte values are written in
 * opts->byte_order and read "receiver makes right" in the order the caller names.
 *
 * The size op measures an encoding that starts at the stream's origin (out->len ==
 * opts->align_origin); elsewhere the padding, and so the length, may differ.
 *
 * Not supported (MW_ENOTSUP): enums whose enumerator values are not 0, 1, 2... in
 * declaration order (CDR sends the ordinal). Invalid values given to the encoder
 * (an enum value outside its enum, a bound exceeded, a NULL sequence buffer with a
 * non-zero length, an object reference of an unknown address family) give MW_EINVAL.
 */
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdr_impl.h"

_Static_assert(sizeof(bool) == 1, "CDR bulk copies assume a one-byte bool");
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE single and double");

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_LITTLE 0
#else
#define HOST_LITTLE 1
#endif

/* ---- paths and failures ------------------------------------------------------------ */

void mwi_cdr_path_reset(mwi_cdr_path *p)
{
    p->pos = (uint32_t)sizeof p->buf - 1;
    p->buf[p->pos] = '\0';
    p->truncated = false;
}

static void path_prepend(mwi_cdr_path *p, const char *a, size_t na, const char *b, size_t nb)
{
    if (p->truncated || na + nb > p->pos) {
        p->truncated = true; /* the innermost parts are the useful ones: keep them */
        return;
    }
    p->pos -= (uint32_t)(na + nb);
    memcpy(p->buf + p->pos, a, na);
    memcpy(p->buf + p->pos + na, b, nb);
}

void mwi_cdr_path_field(mwi_cdr_path *p, const char *name)
{
    if (!name)
        name = "?";
    path_prepend(p, ".", 1, name, strlen(name));
}

void mwi_cdr_path_index(mwi_cdr_path *p, uint64_t i)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "[%llu]", (unsigned long long)i);
    path_prepend(p, tmp, (size_t)n, "", 0);
}

static void path_finish(const mwi_cdr_path *p, mw_marshal_error *err)
{
    if (!err)
        return;
    const char *s = p->buf + p->pos;
    if (*s == '.')
        s++;
    size_t k = 0, cap = sizeof err->path - 1;
    if (p->truncated)
        for (const char *dots = "..."; *dots && k < cap; dots++)
            err->path[k++] = *dots;
    while (*s && k < cap)
        err->path[k++] = *s++;
    err->path[k] = '\0';
}

static void fill_error(mw_marshal_error *err, int code, size_t offset, const char *fmt,
                       va_list ap) MW_PRINTF(4, 0);
static void fill_error(mw_marshal_error *err, int code, size_t offset, const char *fmt,
                       va_list ap)
{
    if (!err)
        return;
    err->code = code;
    err->offset = offset;
    err->path[0] = '\0';
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
}

int mwi_cdr_enc_fail(mwi_cdr_enc *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill_error(e->err, code, e->buf->len - e->start, fmt, ap);
    va_end(ap);
    mwi_cdr_path_reset(&e->path);
    return code;
}

int mwi_cdr_dec_fail(mwi_cdr_dec *d, int code, size_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill_error(d->err, code, offset, fmt, ap);
    va_end(ap);
    mwi_cdr_path_reset(&d->path);
    return code;
}

int mwi_cdr_enc_grow(mwi_cdr_enc *e, size_t n)
{
    int rc = mw_buf_reserve(e->buf, n);
    if (rc)
        return mwi_cdr_enc_fail(e, rc, "the output buffer cannot grow by %zu bytes", n);
    return 0;
}

/* ---- shared helpers ---------------------------------------------------------------- */

/* The wire size of a kind whose C form is its CDR form byte for byte (up to order), so
 * runs of it are copied in bulk; 0 for the others. Enums are left out: each value is
 * checked. */
static inline size_t bulk_size(mw_kind k)
{
    switch (k) {
    case MW_K_BOOLEAN: case MW_K_OCTET: case MW_K_CHAR: return 1;
    case MW_K_SHORT: case MW_K_USHORT: return 2;
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT: return 4;
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: return 8;
    default: return 0;
    }
}

/* Byte-reversing copies of n elements of 2, 4 or 8 bytes (CDR in the other order, XDR
 * on little-endian hosts). Each step swaps 32 bytes as independent element swaps, which
 * gcc's and clang's SLP vectorizer turn into one or two 32-byte byte shuffles in the AVX2
 * clone (chosen once, at load time, where the CPU has AVX2); the default clone does them
 * as independent bswaps. Baseline x86-64 (SSE2) has no byte shuffle, so without the clone
 * nothing is vectorised at all: the AVX2 clone runs at about memcpy's speed, the scalar
 * loop at a third to a half of it. */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define SWAP_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef SWAP_CLONES
#define SWAP_CLONES
#endif

typedef uint16_t u16_unaligned __attribute__((aligned(1), may_alias));
typedef uint32_t u32_unaligned __attribute__((aligned(1), may_alias));
typedef uint64_t u64_unaligned __attribute__((aligned(1), may_alias));

SWAP_CLONES static void swap_copy2(void *restrict dst, const void *restrict src, size_t n)
{
    u16_unaligned *d = dst;
    const u16_unaligned *s = src;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (size_t k = 0; k < 16; k++)
            d[i + k] = __builtin_bswap16(s[i + k]);
    for (; i < n; i++)
        d[i] = __builtin_bswap16(s[i]);
}

SWAP_CLONES static void swap_copy4(void *restrict dst, const void *restrict src, size_t n)
{
    u32_unaligned *d = dst;
    const u32_unaligned *s = src;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t k = 0; k < 8; k++)
            d[i + k] = __builtin_bswap32(s[i + k]);
    for (; i < n; i++)
        d[i] = __builtin_bswap32(s[i]);
}

SWAP_CLONES static void swap_copy8(void *restrict dst, const void *restrict src, size_t n)
{
    u64_unaligned *d = dst;
    const u64_unaligned *s = src;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t k = 0; k < 8; k++)
            d[i + k] = __builtin_bswap64(s[i + k]);
    for (; i < n; i++)
        d[i] = __builtin_bswap64(s[i]);
}

void mwi_swap_copy(void *restrict dst, const void *restrict src, size_t n, size_t k)
{
    switch (k) {
    case 2: swap_copy2(dst, src, n); break;
    case 4: swap_copy4(dst, src, n); break;
    case 8: swap_copy8(dst, src, n); break;
    default:
        if (n)
            memcpy(dst, src, n * k);
        break;
    }
}

/* Nested arrays of a bulk kind are one contiguous run: flattens them so a matrix of
 * shorts is one copy. Returns the innermost element type and multiplies *count. */
static const mw_type *flatten_array(const mw_type *elem, uint64_t *count)
{
    const mw_type *t = mwi_cdr_resolve(elem);
    uint64_t n = *count;
    while (t && t->kind == MW_K_ARRAY) {
        const mw_type *inner = mwi_cdr_resolve(t->u.arr.elem);
        if (!inner || (inner->kind != MW_K_ARRAY && !bulk_size(inner->kind)))
            break;
        n *= t->u.arr.count;
        t = inner;
    }
    if (t && bulk_size(t->kind)) {
        *count = n;
        return t;
    }
    return mwi_cdr_resolve(elem);
}

/* The ordinal of an enum value. CDR numbers enumerators 0, 1, 2... in declaration order,
 * so the value must be its own ordinal. */
static int enum_ordinal(const mw_type *t, int32_t v, uint32_t *ord)
{
    if (v >= 0 && (uint32_t)v < t->u.en.count && t->u.en.items[v].value == v) {
        *ord = (uint32_t)v;
        return 0;
    }
    return mwi_enum_find(t, v) ? MW_ENOTSUP : MW_EINVAL;
}

/* ---- encoding ---------------------------------------------------------------------- */

static inline __attribute__((always_inline)) int enc_string(mwi_cdr_enc *e, const mw_type *t,
                                                            const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    if (t->u.seq.bound && n > t->u.seq.bound)
        return mwi_cdr_enc_fail(e, MW_EINVAL, "string of %zu bytes exceeds its bound of %u",
                                n, t->u.seq.bound);
    if (n >= UINT32_MAX)
        return mwi_cdr_enc_fail(e, MW_ERANGE, "string of %zu bytes is too long for CDR", n);
    uint8_t *p;
    int rc = mwi_cdr_put(e, 4, 4 + n + 1, &p);
    if (rc)
        return rc;
    uint32_t len = mwi_cdr_sw32((uint32_t)(n + 1), e->swap);
    memcpy(p, &len, 4);
    mwi_copy_bytes(p + 4, (const uint8_t *)s, n + 1);
    return 0;
}

static int enc_enum(mwi_cdr_enc *e, const mw_type *t, int32_t v)
{
    uint32_t ord;
    int rc = enum_ordinal(t, v, &ord);
    if (rc == MW_ENOTSUP)
        return mwi_cdr_enc_fail(e, rc, "enum %s: CDR needs enumerator values 0, 1, 2...",
                                t->name ? t->name : "?");
    if (rc)
        return mwi_cdr_enc_fail(e, rc, "%d is not a value of enum %s", (int)v,
                                t->name ? t->name : "?");
    return mwi_cdr_put_u32(e, ord);
}

/* n elements of elem stored contiguously at data. */
static int enc_elems(mwi_cdr_enc *e, const mw_type *elem, const uint8_t *data, uint64_t n)
{
    size_t k = bulk_size(elem->kind);
    if (k) {
        size_t bytes;
        uint8_t *p;
        if (!mwi_mul_size((size_t)n, k, &bytes))
            return mwi_cdr_enc_fail(e, MW_ENOMEM, "%llu elements overflow the address space",
                                    (unsigned long long)n);
        int rc = mwi_cdr_put(e, k, bytes, &p);
        if (rc)
            return rc;
        if (e->swap && k > 1)
            mwi_swap_copy(p, data, (size_t)n, k);
        else if (bytes)
            memcpy(p, data, bytes);
        return 0;
    }
    for (uint64_t i = 0; i < n; i++) {
        int rc = mwi_cdr_enc_value(e, elem, data + i * elem->size);
        if (rc) {
            mwi_cdr_path_index(&e->path, i);
            return rc;
        }
    }
    return 0;
}

static int enc_objref(mwi_cdr_enc *e, const mw_objref *r)
{
    const mw_addr *a = &r->address;
    uint32_t alen;
    switch (a->family) {
    case MW_AF_INET4: alen = 4; break;
    case MW_AF_INET6: alen = 16; break;
    case 0: alen = 0; break;
    default:
        return mwi_cdr_enc_fail(e, MW_EINVAL, "object reference with address family %u",
                                a->family);
    }
    uint8_t *p;
    int rc = mwi_cdr_put(e, 1, 1, &p);
    if (rc)
        return rc;
    *p = a->family;
    if ((rc = mwi_cdr_put_u32(e, alen)) || (rc = mwi_cdr_put(e, 1, alen, &p)))
        return rc;
    memcpy(p, a->ip, alen);
    if ((rc = mwi_cdr_put_u16(e, a->port)) || (rc = mwi_cdr_put_u64(e, r->created_ms)) ||
        (rc = mwi_cdr_put_u32(e, r->object_number)))
        return rc;
    return enc_string(e, &mw_t_string, r->interface);
}

/* The members of a struct. Strings and 4-byte members, the common ones, are written
 * here: a branch per member predicts better than a jump through the kind table. */
static int enc_struct(mwi_cdr_enc *e, const mw_type *t, const uint8_t *v)
{
    const mw_field *f = t->u.st.fields, *end = f + t->u.st.count;
    for (; f < end; f++) {
        const mw_type *ft = f->type;
        const uint8_t *fp = v + f->offset;
        int rc;
        if (ft->kind == MW_K_STRING) {
            rc = enc_string(e, ft, *(char *const *)fp);
        } else if (ft->kind == MW_K_ULONG || ft->kind == MW_K_LONG || ft->kind == MW_K_FLOAT) {
            uint32_t x;
            memcpy(&x, fp, 4);
            rc = mwi_cdr_put_u32(e, x);
        } else {
            rc = mwi_cdr_enc_value(e, ft, fp);
        }
        if (rc) {
            mwi_cdr_path_field(&e->path, f->name);
            return rc;
        }
    }
    return 0;
}

static int enc_constructed(mwi_cdr_enc *e, const mw_type *t, const void *v)
{
    int rc;
    switch (t->kind) {
    case MW_K_STRUCT:
        return enc_struct(e, t, v);
    case MW_K_SEQUENCE: {
        const mw_seq *s = v;
        const mw_type *elem = mwi_cdr_resolve(t->u.seq.elem);
        if (t->u.seq.bound && s->len > t->u.seq.bound)
            return mwi_cdr_enc_fail(e, MW_EINVAL,
                                    "sequence of %u elements exceeds its bound of %u", s->len,
                                    t->u.seq.bound);
        if (s->len && !s->data)
            return mwi_cdr_enc_fail(e, MW_EINVAL, "sequence of %u elements without data",
                                    s->len);
        if (!elem)
            return mwi_cdr_enc_fail(e, MW_EINVAL, "sequence without an element type");
        if ((rc = mwi_cdr_put_u32(e, s->len)))
            return rc;
        return enc_elems(e, elem, s->data, s->len);
    }
    case MW_K_ARRAY: {
        uint64_t n = t->u.arr.count;
        const mw_type *elem = flatten_array(t->u.arr.elem, &n);
        if (!elem)
            return mwi_cdr_enc_fail(e, MW_EINVAL, "array without an element type");
        return enc_elems(e, elem, v, n);
    }
    case MW_K_UNION: {
        const mw_type *disc = t->u.un.disc;
        if ((rc = mwi_cdr_enc_value(e, disc, v)))
            return rc;
        const mw_case *c = mwi_union_case(t, mwi_load_int(disc, v));
        if (!c || !c->type || c->type->kind == MW_K_VOID)
            return 0;
        rc = mwi_cdr_enc_value(e, c->type, (const uint8_t *)v + t->u.un.value_offset);
        if (rc)
            mwi_cdr_path_field(&e->path, c->name);
        return rc;
    }
    case MW_K_OPTIONAL: {
        const void *p = *(const void *const *)v;
        if ((rc = mwi_cdr_put_u32(e, p ? 1 : 0)) || !p)
            return rc;
        return mwi_cdr_enc_value(e, t->u.alias.target, p);
    }
    case MW_K_ANY: {
        const mw_any *a = v;
        const mw_type *at = a->type ? mwi_cdr_resolve(a->type) : NULL;
        if (!at || at->kind == MW_K_VOID)
            return mwi_cdr_put_u32(e, 0); /* tk_null: the empty any */
        if (!a->value)
            return mwi_cdr_enc_fail(e, MW_EINVAL, "any with a type but no value");
        if ((rc = mwi_cdr_enc_typecode(e, a->type)))
            return rc;
        return mwi_cdr_enc_value(e, a->type, a->value);
    }
    default:
        return mwi_cdr_enc_fail(e, MW_EINVAL, "unknown kind %d", (int)t->kind);
    }
}

int mwi_cdr_enc_value(mwi_cdr_enc *e, const mw_type *t, const void *v)
{
    if (t && t->kind == MW_K_ALIAS)
        t = mwi_cdr_resolve(t);
    if (!t)
        return mwi_cdr_enc_fail(e, MW_EINVAL, "missing type or cycle of aliases");
    if (t->kind == MW_K_STRUCT) {
        if (e->depth >= e->max_depth)
            return mwi_cdr_enc_fail(e, MW_EDEPTH, "nesting deeper than %u", e->max_depth);
        e->depth++;
        int rc = enc_struct(e, t, v);
        e->depth--;
        return rc;
    }
    switch (t->kind) {
    case MW_K_VOID:
        return 0;
    case MW_K_BOOLEAN:
        return mwi_cdr_put_u8(e, *(const bool *)v ? 1 : 0);
    case MW_K_OCTET: case MW_K_CHAR:
        return mwi_cdr_put_u8(e, *(const uint8_t *)v);
    case MW_K_SHORT: case MW_K_USHORT: {
        uint16_t x;
        memcpy(&x, v, 2);
        return mwi_cdr_put_u16(e, x);
    }
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT: {
        uint32_t x;
        memcpy(&x, v, 4);
        return mwi_cdr_put_u32(e, x);
    }
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: {
        uint64_t x;
        memcpy(&x, v, 8);
        return mwi_cdr_put_u64(e, x);
    }
    case MW_K_STRING:
        return enc_string(e, t, *(char *const *)v);
    case MW_K_ENUM:
        return enc_enum(e, t, *(const int32_t *)v);
    case MW_K_OBJREF:
        return enc_objref(e, v);
    default:
        break;
    }
    if (e->depth >= e->max_depth)
        return mwi_cdr_enc_fail(e, MW_EDEPTH, "nesting deeper than %u", e->max_depth);
    e->depth++;
    int rc = enc_constructed(e, t, v);
    e->depth--;
    return rc;
}

/* ---- decoding ---------------------------------------------------------------------- */

/* True when the 8 bytes of x hold a zero byte or a byte >= 0x80. A zero byte borrows in
 * x - ones and sets its own high bit; a borrow carries into the byte above only from a
 * zero byte, which is reported anyway. */
static inline bool word_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    return ((x | (x - ones)) & highs) != 0;
}

/* Validates string bytes s[0..n) (the NUL excluded) as text: the common all-ASCII case
 * in one pass, eight bytes at a time; anything else through the full checks. avail: how
 * many bytes from s may be read (at least n + 1), so a short tail can be read as one
 * word and the bytes past it masked off. */
static int check_text(mwi_cdr_dec *d, const uint8_t *s, size_t n, size_t avail, bool text,
                      size_t at)
{
    size_t i = 0;
    uint64_t x;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        if (word_special(x))
            goto slow;
    }
    if (i < n) {
        if (avail - i >= 8) {
            /* the bytes past the string become 0x01, which is plain ASCII */
            memcpy(&x, s + i, 8);
            size_t keep = (n - i) * 8;
#if HOST_LITTLE
            uint64_t mask = ((uint64_t)1 << keep) - 1;
#else
            uint64_t mask = ~(~(uint64_t)0 >> keep);
#endif
            x = (x & mask) | (0x0101010101010101u & ~mask);
            if (word_special(x))
                goto slow;
        } else {
            for (; i < n; i++)
                if (s[i] == 0 || s[i] >= 0x80)
                    goto slow;
        }
    }
    return 0;
slow:;
    const uint8_t *nul = memchr(s, 0, n);
    if (nul)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at + (size_t)(nul - s),
                                "string holds a NUL before its end");
    size_t bad;
    if (text && mw_utf8_validate((const char *)s, n, &bad))
        return mwi_cdr_dec_fail(d, MW_EUTF, at + bad, "string is not valid UTF-8");
    return 0;
}

/* Strings are copied into chunks taken from the arena a few hundred bytes at a time
 * (never more than the input still holds), so a message of short strings costs one
 * arena call rather than one per string. */
#define STRING_CHUNK 512

/* Makes the pool hold at least len bytes (len <= what the input holds from off): a new
 * chunk of at most what the input still holds, and at least len. NULL when the arena
 * is exhausted. */
static inline char *pool_refill(mwi_cdr_dec *d, uint32_t len, size_t off)
{
    size_t chunk = MWI_MAX((size_t)len, MWI_MIN(d->end - off, (size_t)STRING_CHUNK));
    char *p = mw_arena_alloc(d->arena, chunk, 1);
    if (p) {
        d->pool = p;
        d->pool_left = chunk;
        d->pooled += chunk;
    }
    return p;
}

/* The bound mwi_arena_bound would have set when decoding began: MWI_ALLOC_FACTOR bytes
 * per input byte plus MWI_ALLOC_SLACK beyond what the arena held then (what it holds now
 * less the string space taken since), or the caller's tighter limit. */
void mwi_cdr_dec_bound_now(mwi_cdr_dec *d)
{
    size_t old = mw_arena_limit(d->arena), used = mw_arena_used(d->arena) - d->pooled, n,
           limit;
    d->bounded = true;
    d->old_limit = old;
    if (!mwi_mul_size(d->len, MWI_ALLOC_FACTOR, &n) || !mwi_add_size(n, MWI_ALLOC_SLACK, &n) ||
        !mwi_add_size(n, used, &limit))
        return;
    if (old == 0 || limit < old)
        mw_arena_set_limit(d->arena, limit);
}

/* Copies the len bytes of a CDR string (its NUL last, already checked) from s to dst
 * and says whether the bytes before the NUL are plain ASCII without NUL, the common
 * case. Overlapping word loads and stores, as memcpy does for short lengths, never
 * touch a byte outside either range. */
static inline bool copy_ascii(uint8_t *restrict dst, const uint8_t *restrict s, size_t len)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
#if HOST_LITTLE
    const uint64_t last8 = (uint64_t)1 << 56; /* the NUL, last of a word, made 0x01 */
    const uint32_t last4 = (uint32_t)1 << 24;
#else
    const uint64_t last8 = 1;
    const uint32_t last4 = 1;
#endif
    if (len >= 8) {
        uint64_t w, bad = 0;
        for (size_t i = 0; i + 8 < len; i += 8) {
            memcpy(&w, s + i, 8);
            memcpy(dst + i, &w, 8);
            bad |= w | (w - ones);
        }
        memcpy(&w, s + len - 8, 8);
        memcpy(dst + len - 8, &w, 8);
        w |= last8;
        bad |= w | (w - ones);
        return !(bad & highs);
    }
    if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + len - 4, 4);
        memcpy(dst, &a, 4);
        memcpy(dst + len - 4, &b, 4);
        b |= last4;
        return !(((a | (a - 0x01010101u)) | (b | (b - 0x01010101u))) & 0x80808080u);
    }
    /* 1 to 3 bytes, the last the NUL: these indexes cover them all */
    dst[0] = s[0];
    dst[len / 2] = s[len / 2];
    dst[len - 1] = 0;
    return len == 1 || ((uint8_t)(s[0] - 1) < 0x7f && (uint8_t)(s[len - 2] - 1) < 0x7f);
}

/* A string the fast path of dec_string did not take: malformed, truncated, not plain
 * ASCII, or the arena exhausted. Reports what is wrong, or decodes it. */
static __attribute__((noinline)) int dec_string_slow(mwi_cdr_dec *d, uint32_t bound,
                                                      bool text, char **out)
{
    const uint8_t *p = mwi_cdr_take(d, 4, 4);
    if (!p)
        return mwi_cdr_dec_fail(d, MW_ETRUNCATED, mwi_cdr_at(d, 4),
                                "input ends inside a string length");
    size_t at = (size_t)(p - d->data);
    uint32_t len;
    memcpy(&len, p, 4);
    len = mwi_cdr_sw32(len, d->swap);
    if (len == 0)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at, "string length 0 (CDR counts the NUL)");
    if (bound && len - 1 > bound)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at, "string of %u bytes exceeds its bound of %u",
                                len - 1, bound);
    if (d->end - d->off < len)
        return mwi_cdr_dec_fail(d, MW_ETRUNCATED, at,
                                "string of %u bytes, only %zu remain", len, d->end - d->off);
    const uint8_t *s = d->data + d->off;
    if (s[len - 1] != 0)
        return mwi_cdr_dec_fail(d, MW_EPROTO, d->off + len - 1, "string lacks its NUL");
    int rc = check_text(d, s, len - 1, d->end - d->off, text, d->off);
    if (rc)
        return rc;
    char *copy = len <= d->pool_left ? d->pool : pool_refill(d, len, d->off);
    if (!copy)
        return mwi_cdr_dec_fail(d, MW_ENOMEM, at, "arena exhausted by a %u-byte string", len);
    d->pool = copy + len;
    d->pool_left -= len;
    memcpy(copy, s, len);
    d->off += len;
    *out = copy;
    return 0;
}

/* A string: its length, then the bytes and their NUL, checked as text while they are
 * copied into the string pool. Anything out of the ordinary goes to dec_string_slow,
 * which starts again from the length. */
static inline __attribute__((always_inline)) int dec_string(mwi_cdr_dec *d, uint32_t bound,
                                                            bool text, char **out)
{
    size_t at = d->off + ((size_t)(d->base - d->off) & 3), end = d->end;
    if (at + 4 <= end) { /* at is at most 3 past off, which is at most end: no wrap */
        uint32_t len;
        memcpy(&len, d->data + at, 4);
        len = mwi_cdr_sw32(len, d->swap);
        size_t s_off = at + 4;
        const uint8_t *s = d->data + s_off;
        if (len != 0 && (!bound || len - 1 <= bound) && len <= end - s_off &&
            s[len - 1] == 0) {
            char *copy = len <= d->pool_left ? d->pool : pool_refill(d, len, s_off);
            if (copy && copy_ascii((uint8_t *)copy, s, len)) {
                d->pool = copy + len;
                d->pool_left -= len;
                d->off = s_off + len;
                *out = copy;
                return 0;
            }
        }
    }
    return dec_string_slow(d, bound, text, out);
}

int mwi_cdr_dec_string(mwi_cdr_dec *d, uint32_t bound, bool text, char **out)
{
    return dec_string(d, bound, text, out);
}

/* Reads n contiguous elements of a bulk kind into dst (which holds n * k bytes). */
static int dec_bulk(mwi_cdr_dec *d, const mw_type *elem, size_t k, uint8_t *dst, uint64_t n)
{
    size_t at = mwi_cdr_at(d, k);
    size_t bytes = (size_t)n * k; /* n < 2^32 elements or a checked array size */
    const uint8_t *p = mwi_cdr_take(d, k, bytes);
    if (!p)
        return mwi_cdr_dec_fail(d, MW_ETRUNCATED, at, "%llu elements need %zu bytes, %zu remain",
                                (unsigned long long)n, bytes, d->end - at);
    if (d->swap && k > 1)
        mwi_swap_copy(dst, p, (size_t)n, k);
    else if (bytes)
        memcpy(dst, p, bytes);
    if (elem->kind == MW_K_BOOLEAN)
        for (size_t i = 0; i < bytes; i++)
            if (p[i] > 1)
                return mwi_cdr_dec_fail(d, MW_EPROTO, at + i,
                                        "boolean octet %u is neither 0 nor 1", p[i]);
    return 0;
}

/* Storage for n values of t that the input must still hold: refused (before allocating)
 * when even their smallest encoding is longer than what remains. at: the offset of the
 * count or TypeCode that asked for them, for the report. */
static int alloc_for(mwi_cdr_dec *d, const mw_type *t, uint64_t n, size_t at, void **out)
{
    size_t min = mwi_min_wire_size(t, 1), bytes;
    if (min == 0)
        min = 1;
    if (n > (d->end - d->off) / min)
        return mwi_cdr_dec_fail(d, MW_ETRUNCATED, at,
                                "%llu values of %s need at least %zu bytes each, %zu remain",
                                (unsigned long long)n, mw_kind_name(t->kind), min,
                                d->end - d->off);
    if (n == 0) {
        *out = NULL;
        return 0;
    }
    void *p = NULL;
    mwi_cdr_dec_bound(d);
    if (mwi_mul_size((size_t)n, t->size, &bytes))
        p = mw_arena_alloc(d->arena, bytes, t->align ? t->align : 1);
    if (!p)
        return mwi_cdr_dec_fail(d, MW_ENOMEM, at, "arena exhausted by %llu values",
                                (unsigned long long)n);
    memset(p, 0, bytes);
    *out = p;
    return 0;
}

static int dec_elems(mwi_cdr_dec *d, const mw_type *elem, uint8_t *data, uint64_t n)
{
    size_t k = bulk_size(elem->kind);
    if (k)
        return dec_bulk(d, elem, k, data, n);
    for (uint64_t i = 0; i < n; i++) {
        int rc = mwi_cdr_dec_value(d, elem, data + i * elem->size);
        if (rc) {
            mwi_cdr_path_index(&d->path, i);
            return rc;
        }
    }
    return 0;
}

static int dec_objref(mwi_cdr_dec *d, mw_objref *r)
{
    memset(r, 0, sizeof *r);
    uint8_t family;
    uint32_t alen;
    int rc;
    size_t at = d->off;
    if ((rc = mwi_cdr_get_u8(d, &family)))
        return rc;
    uint32_t want = family == MW_AF_INET4 ? 4 : family == MW_AF_INET6 ? 16 : 0;
    if (family != 0 && want == 0)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at, "object reference address family %u",
                                family);
    at = mwi_cdr_at(d, 4);
    if ((rc = mwi_cdr_get_u32(d, &alen)))
        return rc;
    if (alen != want)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at,
                                "address of %u bytes for address family %u", alen, family);
    const uint8_t *ip = mwi_cdr_take(d, 1, alen);
    if (!ip)
        return mwi_cdr_dec_fail(d, MW_ETRUNCATED, d->off, "input ends inside an address");
    r->address.family = family;
    memcpy(r->address.ip, ip, alen);
    uint32_t objnum;
    if ((rc = mwi_cdr_get_u16(d, &r->address.port)) ||
        (rc = mwi_cdr_get_u64(d, &r->created_ms)) || (rc = mwi_cdr_get_u32(d, &objnum)))
        return rc;
    r->object_number = objnum;
    return mwi_cdr_dec_string(d, 0, true, &r->interface);
}

/* The members of a struct, the common kinds inline (as enc_struct). */
static int dec_struct(mwi_cdr_dec *d, const mw_type *t, uint8_t *v)
{
    const mw_field *f = t->u.st.fields, *end = f + t->u.st.count;
    for (; f < end; f++) {
        const mw_type *ft = f->type;
        uint8_t *fp = v + f->offset;
        int rc;
        if (ft->kind == MW_K_STRING) {
            rc = dec_string(d, ft->u.seq.bound, true, (char **)fp);
        } else if (ft->kind == MW_K_ULONG || ft->kind == MW_K_LONG || ft->kind == MW_K_FLOAT) {
            const uint8_t *p = mwi_cdr_take(d, 4, 4);
            if (p) {
                uint32_t x;
                memcpy(&x, p, 4);
                x = mwi_cdr_sw32(x, d->swap);
                memcpy(fp, &x, 4);
                continue;
            }
            rc = mwi_cdr_dec_fail(d, MW_ETRUNCATED, mwi_cdr_at(d, 4),
                                  "input ends inside a %s", mw_kind_name(ft->kind));
        } else {
            rc = mwi_cdr_dec_value(d, ft, fp);
        }
        if (rc) {
            mwi_cdr_path_field(&d->path, f->name);
            return rc;
        }
    }
    return 0;
}

static int dec_constructed(mwi_cdr_dec *d, const mw_type *t, void *v)
{
    int rc;
    switch (t->kind) {
    case MW_K_STRUCT:
        return dec_struct(d, t, v);
    case MW_K_SEQUENCE: {
        mw_seq *s = v;
        const mw_type *elem = mwi_cdr_resolve(t->u.seq.elem);
        size_t at = mwi_cdr_at(d, 4);
        uint32_t n;
        if ((rc = mwi_cdr_get_u32(d, &n)))
            return rc;
        if (t->u.seq.bound && n > t->u.seq.bound)
            return mwi_cdr_dec_fail(d, MW_EPROTO, at,
                                    "sequence of %u elements exceeds its bound of %u", n,
                                    t->u.seq.bound);
        if (!elem)
            return mwi_cdr_dec_fail(d, MW_EINVAL, at, "sequence without an element type");
        void *data;
        size_t k = bulk_size(elem->kind);
        if (k) {
            /* checked against the input first, so a huge count allocates nothing */
            size_t need = (size_t)n * k, left = d->end - d->off;
            if (need > left)
                return mwi_cdr_dec_fail(d, MW_ETRUNCATED, at,
                                        "sequence of %u elements needs %zu bytes, %zu remain",
                                        n, need, left);
            data = NULL;
            if (n)
                mwi_cdr_dec_bound(d);
            if (n && !(data = mw_arena_alloc(d->arena, need, k)))
                return mwi_cdr_dec_fail(d, MW_ENOMEM, at, "arena exhausted by %u elements",
                                        n);
        } else if ((rc = alloc_for(d, elem, n, at, &data))) {
            return rc;
        }
        s->len = n;
        s->data = data;
        return dec_elems(d, elem, data, n);
    }
    case MW_K_ARRAY: {
        uint64_t n = t->u.arr.count;
        const mw_type *elem = flatten_array(t->u.arr.elem, &n);
        if (!elem)
            return mwi_cdr_dec_fail(d, MW_EINVAL, d->off, "array without an element type");
        return dec_elems(d, elem, v, n);
    }
    case MW_K_UNION: {
        const mw_type *disc = t->u.un.disc;
        if ((rc = mwi_cdr_dec_value(d, disc, v)))
            return rc;
        const mw_case *c = mwi_union_case(t, mwi_load_int(disc, v));
        if (!c || !c->type || c->type->kind == MW_K_VOID)
            return 0;
        rc = mwi_cdr_dec_value(d, c->type, (uint8_t *)v + t->u.un.value_offset);
        if (rc)
            mwi_cdr_path_field(&d->path, c->name);
        return rc;
    }
    case MW_K_OPTIONAL: {
        size_t at = mwi_cdr_at(d, 4);
        uint32_t n;
        void *p;
        if ((rc = mwi_cdr_get_u32(d, &n)))
            return rc;
        if (n > 1)
            return mwi_cdr_dec_fail(d, MW_EPROTO, at, "optional value with %u elements", n);
        const mw_type *target = mwi_cdr_resolve(t->u.alias.target);
        if (!target)
            return mwi_cdr_dec_fail(d, MW_EINVAL, at, "optional without a type");
        if ((rc = alloc_for(d, target, n, at, &p)))
            return rc;
        *(void **)v = p;
        return p ? mwi_cdr_dec_value(d, target, p) : 0;
    }
    case MW_K_ANY: {
        mw_any *a = v;
        const mw_type *vt;
        void *p;
        size_t at = mwi_cdr_at(d, 4);
        a->type = NULL;
        a->value = NULL;
        mwi_cdr_dec_bound(d); /* TypeCodes become types in the arena */
        if ((rc = mwi_cdr_dec_typecode(d, &vt)) || !vt)
            return rc;
        if ((rc = alloc_for(d, vt, 1, at, &p)) || (rc = mwi_cdr_dec_value(d, vt, p)))
            return rc;
        a->type = vt;
        a->value = p;
        return 0;
    }
    default:
        return mwi_cdr_dec_fail(d, MW_EINVAL, d->off, "unknown kind %d", (int)t->kind);
    }
}

int mwi_cdr_dec_value(mwi_cdr_dec *d, const mw_type *t, void *v)
{
    if (t && t->kind == MW_K_ALIAS)
        t = mwi_cdr_resolve(t);
    if (!t)
        return mwi_cdr_dec_fail(d, MW_EINVAL, d->off, "missing type or cycle of aliases");
    if (t->kind == MW_K_STRUCT) {
        if (d->depth >= d->max_depth)
            return mwi_cdr_dec_fail(d, MW_EDEPTH, d->off, "nesting deeper than %u",
                                    d->max_depth);
        d->depth++;
        int rc = dec_struct(d, t, v);
        d->depth--;
        return rc;
    }
    const uint8_t *p;
    switch (t->kind) {
    case MW_K_VOID:
        return 0;
    case MW_K_BOOLEAN:
        if (!(p = mwi_cdr_take(d, 1, 1)))
            break;
        if (*p > 1)
            return mwi_cdr_dec_fail(d, MW_EPROTO, d->off - 1,
                                    "boolean octet %u is neither 0 nor 1", *p);
        *(bool *)v = *p;
        return 0;
    case MW_K_OCTET: case MW_K_CHAR:
        if (!(p = mwi_cdr_take(d, 1, 1)))
            break;
        *(uint8_t *)v = *p;
        return 0;
    case MW_K_SHORT: case MW_K_USHORT: {
        if (!(p = mwi_cdr_take(d, 2, 2)))
            break;
        uint16_t x;
        memcpy(&x, p, 2);
        x = mwi_cdr_sw16(x, d->swap);
        memcpy(v, &x, 2);
        return 0;
    }
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT: {
        if (!(p = mwi_cdr_take(d, 4, 4)))
            break;
        uint32_t x;
        memcpy(&x, p, 4);
        x = mwi_cdr_sw32(x, d->swap);
        memcpy(v, &x, 4);
        return 0;
    }
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: {
        if (!(p = mwi_cdr_take(d, 8, 8)))
            break;
        uint64_t x;
        memcpy(&x, p, 8);
        x = mwi_cdr_sw64(x, d->swap);
        memcpy(v, &x, 8);
        return 0;
    }
    case MW_K_STRING:
        return dec_string(d, t->u.seq.bound, true, (char **)v);
    case MW_K_ENUM: {
        size_t at = mwi_cdr_at(d, 4);
        uint32_t ord;
        int rc = mwi_cdr_get_u32(d, &ord);
        if (rc)
            return rc;
        if (ord >= t->u.en.count)
            return mwi_cdr_dec_fail(d, MW_EPROTO, at, "%u is not an ordinal of enum %s", ord,
                                    t->name ? t->name : "?");
        if (t->u.en.items[ord].value != (int32_t)ord)
            return mwi_cdr_dec_fail(d, MW_ENOTSUP, at,
                                    "enum %s: CDR needs enumerator values 0, 1, 2...",
                                    t->name ? t->name : "?");
        *(int32_t *)v = (int32_t)ord;
        return 0;
    }
    case MW_K_OBJREF:
        return dec_objref(d, v);
    default: {
        if (d->depth >= d->max_depth)
            return mwi_cdr_dec_fail(d, MW_EDEPTH, d->off, "nesting deeper than %u",
                                    d->max_depth);
        d->depth++;
        int rc = dec_constructed(d, t, v);
        d->depth--;
        return rc;
    }
    }
    size_t a = bulk_size(t->kind);
    return mwi_cdr_dec_fail(d, MW_ETRUNCATED, mwi_cdr_at(d, a),
                            "input ends inside a %s", mw_kind_name(t->kind));
}

/* ---- size -------------------------------------------------------------------------- */

static inline size_t align_up(size_t pos, size_t a) { return (pos + a - 1) & ~(a - 1); }

static int sz_value(const mw_type *t, const void *v, size_t *pos, uint32_t depth,
                    uint32_t max_depth);

static int sz_elems(const mw_type *elem, const uint8_t *data, uint64_t n, size_t *pos,
                    uint32_t depth, uint32_t max_depth)
{
    size_t k = bulk_size(elem->kind);
    if (k) {
        size_t bytes;
        if (!mwi_mul_size((size_t)n, k, &bytes) ||
            !mwi_add_size(align_up(*pos, k), bytes, pos))
            return MW_ENOMEM;
        return 0;
    }
    for (uint64_t i = 0; i < n; i++) {
        int rc = sz_value(elem, data + i * elem->size, pos, depth, max_depth);
        if (rc)
            return rc;
    }
    return 0;
}

static int sz_value(const mw_type *t, const void *v, size_t *pos, uint32_t depth,
                    uint32_t max_depth)
{
    t = mwi_cdr_resolve(t);
    if (!t)
        return MW_EINVAL;
    size_t k = bulk_size(t->kind);
    if (k) {
        *pos = align_up(*pos, k) + k;
        return 0;
    }
    switch (t->kind) {
    case MW_K_VOID:
        return 0;
    case MW_K_STRING: {
        const char *s = *(char *const *)v;
        size_t n = s ? strlen(s) : 0;
        if (t->u.seq.bound && n > t->u.seq.bound)
            return MW_EINVAL;
        if (n >= UINT32_MAX)
            return MW_ERANGE;
        *pos = align_up(*pos, 4) + 4 + n + 1;
        return 0;
    }
    case MW_K_ENUM: {
        uint32_t ord;
        int rc = enum_ordinal(t, *(const int32_t *)v, &ord);
        if (rc)
            return rc;
        *pos = align_up(*pos, 4) + 4;
        return 0;
    }
    case MW_K_OBJREF: {
        const mw_objref *r = v;
        uint8_t f = r->address.family;
        if (f != 0 && f != MW_AF_INET4 && f != MW_AF_INET6)
            return MW_EINVAL;
        size_t alen = f == MW_AF_INET4 ? 4 : f == MW_AF_INET6 ? 16 : 0;
        size_t p = align_up(*pos + 1, 4) + 4 + alen;
        p = align_up(p, 2) + 2;
        p = align_up(p, 8) + 8 + 4;
        *pos = align_up(p, 4) + 4 + (r->interface ? strlen(r->interface) : 0) + 1;
        return 0;
    }
    default:
        break;
    }
    if (depth >= max_depth)
        return MW_EDEPTH;
    depth++;
    int rc = 0;
    switch (t->kind) {
    case MW_K_STRUCT:
        for (uint32_t i = 0; i < t->u.st.count && !rc; i++) {
            const mw_field *f = &t->u.st.fields[i];
            rc = sz_value(f->type, (const uint8_t *)v + f->offset, pos, depth, max_depth);
        }
        return rc;
    case MW_K_SEQUENCE: {
        const mw_seq *s = v;
        const mw_type *elem = mwi_cdr_resolve(t->u.seq.elem);
        if ((t->u.seq.bound && s->len > t->u.seq.bound) || (s->len && !s->data) || !elem)
            return MW_EINVAL;
        *pos = align_up(*pos, 4) + 4;
        return sz_elems(elem, s->data, s->len, pos, depth, max_depth);
    }
    case MW_K_ARRAY: {
        uint64_t n = t->u.arr.count;
        const mw_type *elem = flatten_array(t->u.arr.elem, &n);
        return elem ? sz_elems(elem, v, n, pos, depth, max_depth) : MW_EINVAL;
    }
    case MW_K_UNION: {
        const mw_type *disc = t->u.un.disc;
        if ((rc = sz_value(disc, v, pos, depth, max_depth)))
            return rc;
        const mw_case *c = mwi_union_case(t, mwi_load_int(disc, v));
        if (!c || !c->type || c->type->kind == MW_K_VOID)
            return 0;
        return sz_value(c->type, (const uint8_t *)v + t->u.un.value_offset, pos, depth,
                        max_depth);
    }
    case MW_K_OPTIONAL: {
        const void *p = *(const void *const *)v;
        *pos = align_up(*pos, 4) + 4;
        return p ? sz_value(t->u.alias.target, p, pos, depth, max_depth) : 0;
    }
    case MW_K_ANY: {
        const mw_any *a = v;
        const mw_type *at = a->type ? mwi_cdr_resolve(a->type) : NULL;
        *pos = align_up(*pos, 4);
        if (!at || at->kind == MW_K_VOID) {
            *pos += 4;
            return 0;
        }
        if (!a->value)
            return MW_EINVAL;
        size_t tc;
        if ((rc = mwi_cdr_typecode_size(a->type, &tc)))
            return rc;
        *pos += tc;
        return sz_value(a->type, a->value, pos, depth, max_depth);
    }
    default:
        return MW_EINVAL;
    }
}

/* ---- entry points ------------------------------------------------------------------ */

/* Whether bytes in this order need swapping on this host. */
static int order_swap(int order, bool *swap)
{
    switch (order) {
    case MW_ORDER_NATIVE: *swap = false; return 0;
    case MW_ORDER_BIG: *swap = HOST_LITTLE; return 0;
    case MW_ORDER_LITTLE: *swap = !HOST_LITTLE; return 0;
    default: return MW_EINVAL;
    }
}

/* Inlined into the entry points: a Person is encoded in a few hundred instructions, and
 * a call's worth of argument shuffling is a visible part of that. */
static inline __attribute__((always_inline)) int
encode_at(const mw_type *t, const void *value, mw_buf *out, size_t origin, bool swap,
          uint32_t max_depth, mw_marshal_error *err)
{
    mwi_cdr_enc e;
    e.buf = out;
    e.start = out->len;
    e.origin = origin;
    e.swap = swap;
    e.depth = 0;
    e.max_depth = max_depth;
    e.err = err;
    e.tc_keys = NULL;
    e.tc_pos = NULL;
    e.tc_cap = e.tc_used = 0;
    mwi_cdr_path_reset(&e.path);
    /* A struct, the usual message, skips a level of dispatch (depth 0 < max_depth) */
    int rc;
    if (t->kind == MW_K_STRUCT) {
        e.depth = 1;
        rc = enc_struct(&e, t, value);
    } else {
        rc = mwi_cdr_enc_value(&e, t, value);
    }
    if (rc) {
        out->len = e.start;
        path_finish(&e.path, err);
    }
    return rc;
}

int mw_cdr_encode(const mw_type *t, const void *value, mw_buf *out,
                  const mw_marshal_opts *opts, mw_marshal_error *err)
{
    bool swap;
    if (!t || !value || !out)
        return mwi_marshal_fail(err, MW_EINVAL, 0, NULL, "missing type, value or buffer");
    if (order_swap(opts ? opts->byte_order : MW_ORDER_NATIVE, &swap))
        return mwi_marshal_fail(err, MW_EINVAL, 0, NULL, "unknown byte order %d",
                                opts->byte_order);
    return encode_at(t, value, out, opts ? opts->align_origin : 0, swap, mwi_max_depth(opts),
                     err);
}

static inline __attribute__((always_inline)) int
decode_at(const mw_type *t, const uint8_t *data, size_t len, size_t start, bool swap,
          void *value, mw_arena *arena, uint32_t max_depth, mw_marshal_error *err)
{
    mwi_cdr_dec d;
    d.data = data;
    d.end = len;
    d.len = len;
    d.off = start;
    d.base = 0;
    d.swap = swap;
    d.arena = arena;
    d.depth = 0;
    d.max_depth = max_depth;
    d.err = err;
    d.tc = NULL;
    d.tc_count = d.tc_cap = 0;
    d.pool = NULL;
    d.pool_left = 0;
    d.bounded = false;
    d.pooled = 0;
    mwi_cdr_path_reset(&d.path);
    /* A struct, the usual message, skips a level of dispatch (depth 0 < max_depth) */
    int rc;
    if (t->kind == MW_K_STRUCT) {
        d.depth = 1;
        rc = dec_struct(&d, t, value);
    } else {
        rc = mwi_cdr_dec_value(&d, t, value);
    }
    if (!rc && d.off != len)
        rc = mwi_cdr_dec_fail(&d, MW_EPROTO, d.off, "%zu bytes after the value",
                              len - d.off);
    if (d.tc)
        free(d.tc);
    if (d.bounded)
        mw_arena_set_limit(arena, d.old_limit);
    if (rc)
        path_finish(&d.path, err);
    return rc;
}

int mw_cdr_decode(const mw_type *t, const void *data, size_t len, void *value,
                  mw_arena *arena, const mw_marshal_opts *opts, mw_marshal_error *err)
{
    bool swap;
    if (!t || (!data && len) || !value || !arena)
        return mwi_marshal_fail(err, MW_EINVAL, 0, NULL, "missing type, data, value or arena");
    if (order_swap(opts ? opts->byte_order : MW_ORDER_NATIVE, &swap))
        return mwi_marshal_fail(err, MW_EINVAL, 0, NULL, "unknown byte order %d",
                                opts->byte_order);
    return decode_at(t, data ? data : (const void *)"", len, 0, swap, value, arena,
                     mwi_max_depth(opts), err);
}

int mw_cdr_size(const mw_type *t, const void *value, const mw_marshal_opts *opts,
                size_t *out)
{
    if (!t || !value || !out)
        return MW_EINVAL;
    size_t pos = 0;
    int rc = sz_value(t, value, &pos, 0, mwi_max_depth(opts));
    if (!rc)
        *out = pos;
    return rc;
}

int mw_cdr_encode_encapsulation(const mw_type *t, const void *value, mw_buf *out,
                                int byte_order, mw_marshal_error *err)
{
    bool swap;
    if (!t || !value || !out)
        return mwi_marshal_fail(err, MW_EINVAL, 0, NULL, "missing type, value or buffer");
    if (order_swap(byte_order, &swap))
        return mwi_marshal_fail(err, MW_EINVAL, 0, NULL, "unknown byte order %d", byte_order);
    size_t start = out->len;
    bool little = HOST_LITTLE != swap;
    int rc = mw_buf_put_u8(out, little ? 1 : 0);
    if (rc)
        return mwi_marshal_fail(err, rc, 0, NULL, "the output buffer cannot grow");
    rc = encode_at(t, value, out, start, swap, MW_MARSHAL_MAX_DEPTH, err);
    if (rc)
        out->len = start;
    return rc;
}

int mw_cdr_decode_encapsulation(const mw_type *t, const void *data, size_t len,
                                void *value, mw_arena *arena, mw_marshal_error *err)
{
    if (!t || (!data && len) || !value || !arena)
        return mwi_marshal_fail(err, MW_EINVAL, 0, NULL, "missing type, data, value or arena");
    if (len == 0)
        return mwi_marshal_fail(err, MW_ETRUNCATED, 0, NULL,
                                "an encapsulation starts with its byte-order octet");
    const uint8_t *p = data;
    if (p[0] > 1)
        return mwi_marshal_fail(err, MW_EPROTO, 0, NULL, "byte-order octet %u is neither 0 nor 1",
                                p[0]);
    bool swap = (p[0] == 1) != HOST_LITTLE;
    return decode_at(t, p, len, 1, swap, value, arena, MW_MARSHAL_MAX_DEPTH, err);
}

const mw_codec mw_codec_cdr = {
    .name = "cdr",
    .description = "CORBA CDR as in GIOP 1.2 (either byte order, TypeCodes for any)",
    .binary = true,
    .encode = mw_cdr_encode,
    .decode = mw_cdr_decode,
    .size = mw_cdr_size,
};

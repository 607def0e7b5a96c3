/*
 * xdr.c - XDR, the External Data Representation of RFC 4506 (ONC RPC, NFS).
 *
 * Every item is a multiple of four bytes, big-endian. The type model maps onto the RFC
 * (section numbers in brackets):
 *
 *   boolean                  bool [4.4]: 0 or 1; decoding refuses any other value
 *   octet, char, ushort      unsigned int [4.2]; decoding checks that the value fits the C
 *                            type (MW_ERANGE)
 *   short                    int [4.1], checked the same way
 *   long, unsigned long      int, unsigned int [4.1, 4.2]
 *   long long, unsigned ...  hyper, unsigned hyper [4.5]
 *   float, double            float, double [4.6, 4.7]: the IEEE bits, NaN payloads kept
 *   enum                     enum [4.3]: the enumerator's value (any int32); a value that is
 *                            not an enumerator is refused both ways
 *   string<bound>            string<bound> [4.11]: length, bytes, zero padding to 4. The
 *                            bytes must be UTF-8 without NUL, since they become C strings
 *   sequence<octet, bound>   variable-length opaque<bound> [4.10]
 *   octet[n]                 fixed-length opaque[n] [4.9]
 *   sequence<T, bound>       variable-length array T<bound> [4.13]
 *   T[n]                     fixed-length array T[n] [4.12]
 *   struct                   struct [4.14]
 *   union                    discriminated union [4.15]: the discriminant as int, unsigned
 *                            int, bool or enum (char, octet, short widened as above), then
 *                            the arm. A discriminant with no arm in a union with no default
 *                            is an error both ways (MW_EPROTO decoding, MW_EINVAL encoding):
 *                            XDR, unlike CORBA, has no implicit empty arm
 *   optional T               optional-data *T [4.19]: a bool, then T when it is TRUE
 *   typedef                  its target [4.18]
 *   void                     void [4.16]: nothing
 *   object reference         Midway's own struct (the RFC has no such type):
 *                              struct ObjectRef {
 *                                  unsigned int family;    0 unset, 4 IPv4, 6 IPv6
 *                                  opaque address<16>;     0, 4 or 16 bytes, as family says
 *                                  unsigned int port;      0..65535
 *                                  unsigned hyper created_ms;
 *                                  unsigned int object_number;
 *                                  string interface<>;
 *                              };
 *                            The IPv6 scope id is not sent: it names an interface of one
 *                            host and means nothing on another.
 *
 * Refused with MW_ENOTSUP: `any` (XDR is not self-describing, so there is no way to say
 * what type a value has; even an empty any is refused, since it is still an any) and
 * unions that switch on long long (RFC 4506 discriminants are 32-bit).
 *
 * Encoding refuses what decoding would refuse (a string or sequence over its bound, a
 * value that is not an enumerator, a discriminant with no arm: MW_EINVAL; a string that
 * is not UTF-8: MW_EUTF), so whatever we write we can read back. Since decoding also
 * insists on zero padding and canonical booleans, XDR is canonical here: a decoded value
 * re-encodes to exactly the input.
 *
 * Speed: scalars are stored after one inline capacity check, arrays of primitives are
 * converted in one tight byte-swapping loop, and member paths for error messages are
 * built only when something fails, while the recursion unwinds.
 */
#include <stdio.h>
#include <string.h>

#include "cdr_impl.h" /* mwi_swap_copy, the vectorised byte swap CDR uses too */
#include "marshal_impl.h"

/* ---- byte order --------------------------------------------------------------------- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static inline uint32_t be32(uint32_t v) { return v; }
static inline uint64_t be64(uint64_t v) { return v; }
#else
static inline uint32_t be32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint64_t be64(uint64_t v) { return __builtin_bswap64(v); }
#endif

static inline void st32(uint8_t *p, uint32_t v)
{
    v = be32(v);
    memcpy(p, &v, 4);
}
static inline void st64(uint8_t *p, uint64_t v)
{
    v = be64(v);
    memcpy(p, &v, 8);
}
static inline uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return be32(v);
}
static inline uint64_t ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return be64(v);
}

static inline size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

/* n big-endian items of k (4 or 8) bytes to or from the host's order: one vectorised
 * loop (mwi_swap_copy) instead of a load, swap and store per item. */
static inline void be_copy(void *restrict dst, const void *restrict src, size_t n, size_t k)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    memcpy(dst, src, n * k);
#else
    mwi_swap_copy(dst, src, n, k);
#endif
}

/* ---- shared checks ------------------------------------------------------------------ */

/* True when s[0..n) is ASCII without NUL: the common case, checked a word at a time with
 * overlapping loads instead of a byte loop, whose exit branch costs more than the check
 * for short strings. A zero byte borrows in w - ones and sets its own high bit, so
 * (w | (w - ones)) has a high bit set exactly when some byte is 0 or >= 0x80. */
static inline bool plain_ascii(const uint8_t *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t w, bad = 0;
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            bad |= (w | (w - ones)) & highs;
        }
        memcpy(&w, s + n - 8, 8);
        bad |= (w | (w - ones)) & highs;
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        bad = ((a | (a - 0x01010101u)) | (b | (b - 0x01010101u))) & 0x80808080u;
    } else if (n) {
        /* 1 to 3 bytes: these three indexes cover them all. */
        bad = (uint8_t)(s[0] - 1) >= 0x7f || (uint8_t)(s[n / 2] - 1) >= 0x7f ||
              (uint8_t)(s[n - 1] - 1) >= 0x7f;
    }
    return bad == 0;
}

/* Copies s[0..n) to dst and says whether the bytes are plain ASCII without NUL (see
 * plain_ascii): the check rides on the copy's loads. */
static inline bool copy_ascii(uint8_t *restrict dst, const uint8_t *restrict s, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    if (n >= 8) {
        uint64_t w, bad = 0;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&w, s + i, 8);
            memcpy(dst + i, &w, 8);
            bad |= w | (w - ones);
        }
        memcpy(&w, s + n - 8, 8);
        memcpy(dst + n - 8, &w, 8);
        bad |= w | (w - ones);
        return !(bad & highs);
    }
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(dst, &a, 4);
        memcpy(dst + n - 4, &b, 4);
        return !(((a | (a - 0x01010101u)) | (b | (b - 0x01010101u))) & 0x80808080u);
    }
    if (n == 0)
        return true;
    uint8_t a = s[0], b = s[n / 2], c = s[n - 1];
    dst[0] = a;
    dst[n / 2] = b;
    dst[n - 1] = c;
    return (uint8_t)(a - 1) < 0x7f && (uint8_t)(b - 1) < 0x7f && (uint8_t)(c - 1) < 0x7f;
}

static const mw_type *resolve(const mw_type *t)
{
    return t->kind == MW_K_ALIAS ? mw_type_resolve(t) : t;
}

static bool wide_disc(const mw_type *d)
{
    return d->kind == MW_K_LONGLONG || d->kind == MW_K_ULONGLONG;
}

/* The address length ObjectRef carries for a family; false for an unknown family. */
static bool addr_len(uint32_t family, uint32_t *len)
{
    switch (family) {
    case 0: *len = 0; return true;
    case MW_AF_INET4: *len = 4; return true;
    case MW_AF_INET6: *len = 16; return true;
    default: return false;
    }
}

static const char *type_name(const mw_type *t)
{
    return t->name ? t->name : mw_kind_name(t->kind);
}

/* Paths are built back to front as the recursion unwinds from a failure: the innermost
 * member is named first, and each enclosing level puts its own name in front. */
static void path_prepend(mw_marshal_error *err, const char *head)
{
    if (!err)
        return;
    size_t h = strlen(head), l = strlen(err->path), cap = sizeof err->path - 1;
    size_t dot = l && err->path[0] != '[';
    /* Too long: keep the outer names, which say more, and cut the tail. */
    if (h + dot > cap)
        h = cap, dot = 0, l = 0;
    else if (h + dot + l > cap)
        l = cap - h - dot;
    memmove(err->path + h + dot, err->path, l);
    memcpy(err->path, head, h);
    if (dot)
        err->path[h] = '.';
    err->path[h + dot + l] = '\0';
}

static void path_name(mw_marshal_error *err, const char *name)
{
    path_prepend(err, name ? name : "?");
}

static void path_index(mw_marshal_error *err, size_t i)
{
    if (!err)
        return;
    char head[24];
    snprintf(head, sizeof head, "[%zu]", i);
    path_prepend(err, head);
}

/* ---- encoding ----------------------------------------------------------------------- */

typedef struct enc {
    mw_buf *b;
    size_t start; /* where this encoding began in b, for offsets and rollback */
    uint32_t max_depth;
    mw_marshal_error *err;
} enc;

#define EFAIL(e, code, ...)                                                                \
    mwi_marshal_fail((e)->err, (code), (e)->b->len - (e)->start, NULL, __VA_ARGS__)

static int grow(enc *e, size_t n)
{
    int rc = mw_buf_reserve(e->b, n);
    return rc ? EFAIL(e, rc, "cannot grow the output by %zu bytes", n) : 0;
}

static inline int reserve(enc *e, size_t n)
{
    return e->b->cap - e->b->len >= n ? 0 : grow(e, n);
}

static inline int put32(enc *e, uint32_t v)
{
    int rc = reserve(e, 4);
    if (rc)
        return rc;
    st32(e->b->data + e->b->len, v);
    e->b->len += 4;
    return 0;
}

static inline int put64(enc *e, uint64_t v)
{
    int rc = reserve(e, 8);
    if (rc)
        return rc;
    st64(e->b->data + e->b->len, v);
    e->b->len += 8;
    return 0;
}

/* A string's length after the checks encoding and size share. */
static inline int string_len(const char *s, uint32_t bound, size_t *len, size_t *bad)
{
    size_t n = strlen(s);
    *len = n;
    *bad = 0;
    if (n > UINT32_MAX)
        return MW_EMSGSIZE;
    if (bound && n > bound)
        return MW_EINVAL;
    if (!plain_ascii((const uint8_t *)s, n) && mw_utf8_validate(s, n, bad))
        return MW_EUTF;
    return 0;
}

static int string_fail(enc *e, int rc, size_t n, size_t bad, uint32_t bound)
{
    switch (rc) {
    case MW_EMSGSIZE: return EFAIL(e, rc, "a string of %zu bytes is too long for XDR", n);
    case MW_EINVAL: return EFAIL(e, rc, "string of %zu bytes exceeds its bound %u", n, bound);
    default: return EFAIL(e, rc, "string is not UTF-8 (byte %zu)", bad);
    }
}

/* n bytes, then zero padding to a multiple of 4. */
static int put_bytes(enc *e, const void *data, size_t n)
{
    size_t padded = pad4(n);
    int rc = reserve(e, padded);
    if (rc)
        return rc;
    uint8_t *o = e->b->data + e->b->len;
    if (padded != n)
        memset(o + padded - 4, 0, 4); /* the last word, before the bytes overwrite its head */
    if (n)
        memcpy(o, data, n);
    e->b->len += padded;
    return 0;
}

/* A string in the order the checks of string_len report problems: the path for what
 * enc_string's fast path does not take. */
static __attribute__((noinline)) int enc_string_slow(enc *e, const char *s, uint32_t bound)
{
    size_t n, bad;
    int rc = string_len(s, bound, &n, &bad);
    if (rc)
        return string_fail(e, rc, n, bad, bound);
    size_t padded = pad4(n);
    if ((rc = reserve(e, 4 + padded)))
        return rc;
    uint8_t *o = e->b->data + e->b->len;
    st32(o, (uint32_t)n);
    if (padded != n)
        memset(o + padded, 0, 4); /* the last word, before the bytes overwrite its head */
    mwi_copy_bytes(o + 4, (const uint8_t *)s, n);
    e->b->len += 4 + padded;
    return 0;
}

/* Length, bytes and padding after one reservation; the bytes are checked for plain ASCII
 * as they are copied, and only other text is validated as UTF-8 (nothing is kept unless
 * it passes). */
static inline __attribute__((always_inline)) int enc_string(enc *e, const char *s,
                                                          uint32_t bound)
{
    if (!s)
        s = "";
    size_t n = strlen(s), padded = pad4(n);
    if (n <= UINT32_MAX && (!bound || n <= bound) && e->b->cap - e->b->len >= 4 + padded) {
        uint8_t *o = e->b->data + e->b->len;
        st32(o, (uint32_t)n);
        if (padded != n)
            memset(o + padded, 0, 4); /* the last word, before the bytes overwrite its head */
        size_t bad;
        if (!copy_ascii(o + 4, (const uint8_t *)s, n) && mw_utf8_validate(s, n, &bad))
            return string_fail(e, MW_EUTF, n, bad, bound);
        e->b->len += 4 + padded;
        return 0;
    }
    return enc_string_slow(e, s, bound);
}

static int enc_value(enc *e, const mw_type *t, const uint8_t *p, uint32_t depth);

/* n elements of type t at p: the body of a fixed or variable-length array or opaque. */
static int enc_items(enc *e, const mw_type *t, const uint8_t *p, uint32_t n, uint32_t depth)
{
    if (n == 0)
        return 0;
    if (!(t = resolve(t)))
        return EFAIL(e, MW_EINVAL, "typedef cycle");
    size_t bytes;
    int rc;
    uint8_t *o;
    switch (t->kind) {
    case MW_K_OCTET:
        return put_bytes(e, p, n);
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT:
        if (!mwi_mul_size(n, 4, &bytes))
            return EFAIL(e, MW_ENOMEM, "array too large");
        if ((rc = reserve(e, bytes)))
            return rc;
        o = e->b->data + e->b->len;
        be_copy(o, p, n, 4);
        e->b->len += bytes;
        return 0;
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE:
        if (!mwi_mul_size(n, 8, &bytes))
            return EFAIL(e, MW_ENOMEM, "array too large");
        if ((rc = reserve(e, bytes)))
            return rc;
        o = e->b->data + e->b->len;
        be_copy(o, p, n, 8);
        e->b->len += bytes;
        return 0;
    case MW_K_SHORT: case MW_K_USHORT: case MW_K_CHAR: case MW_K_BOOLEAN:
        if (!mwi_mul_size(n, 4, &bytes))
            return EFAIL(e, MW_ENOMEM, "array too large");
        if ((rc = reserve(e, bytes)))
            return rc;
        o = e->b->data + e->b->len;
        for (size_t i = 0; i < n; i++) {
            uint32_t v;
            if (t->kind == MW_K_SHORT) {
                int16_t s;
                memcpy(&s, p + 2 * i, 2);
                v = (uint32_t)(int32_t)s;
            } else if (t->kind == MW_K_USHORT) {
                uint16_t s;
                memcpy(&s, p + 2 * i, 2);
                v = s;
            } else if (t->kind == MW_K_CHAR) {
                v = p[i];
            } else {
                v = ((const bool *)p)[i];
            }
            st32(o + 4 * i, v);
        }
        e->b->len += bytes;
        return 0;
    default: {
        size_t es = t->size;
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = enc_value(e, t, p + i * es, depth))) {
                path_index(e->err, i);
                return rc;
            }
        }
        return 0;
    }
    }
}

/* The arm a union value selects, after the checks encoding and size share. */
static int union_arm(const mw_type *t, const uint8_t *p, int64_t *disc, const mw_case **arm)
{
    const mw_type *d = mw_type_resolve(t->u.un.disc);
    if (!d)
        return MW_EINVAL;
    if (wide_disc(d))
        return MW_ENOTSUP;
    int64_t v = mwi_load_int(d, p);
    if (d->kind == MW_K_ENUM && !mwi_enum_find(d, (int32_t)v))
        return MW_EINVAL;
    *disc = v;
    *arm = mwi_union_case(t, v);
    return *arm ? 0 : MW_EINVAL;
}

static bool arm_has_value(const mw_case *c)
{
    const mw_type *t = c->type ? mw_type_resolve(c->type) : NULL;
    return t && t->kind != MW_K_VOID;
}

static int enc_union(enc *e, const mw_type *t, const uint8_t *p, uint32_t depth)
{
    int64_t disc = 0;
    const mw_case *arm = NULL;
    int rc = union_arm(t, p, &disc, &arm);
    if (rc == MW_ENOTSUP)
        return EFAIL(e, rc, "XDR union discriminants are 32-bit; union %s switches on %s",
                     type_name(t), mw_kind_name(mw_type_resolve(t->u.un.disc)->kind));
    if (rc)
        return EFAIL(e, rc, "discriminant %lld of union %s selects no arm", (long long)disc,
                     type_name(t));
    if ((rc = put32(e, (uint32_t)disc)))
        return rc;
    if (!arm_has_value(arm))
        return 0;
    if ((rc = enc_value(e, arm->type, p + t->u.un.value_offset, depth + 1)))
        path_name(e->err, arm->name);
    return rc;
}

static int enc_objref(enc *e, const mw_objref *r)
{
    uint32_t alen;
    if (!addr_len(r->address.family, &alen)) {
        int rc = EFAIL(e, MW_EINVAL, "unknown address family %u", r->address.family);
        path_name(e->err, "address");
        return rc;
    }
    int rc = reserve(e, 4 + 4 + alen + 4 + 8 + 4);
    if (rc)
        return rc;
    uint8_t *o = e->b->data + e->b->len;
    st32(o, r->address.family);
    st32(o + 4, alen);
    memcpy(o + 8, r->address.ip, alen);
    o += 8 + alen;
    st32(o, r->address.port);
    st64(o + 4, r->created_ms);
    st32(o + 12, r->object_number);
    e->b->len += 4 + 4 + alen + 4 + 8 + 4;
    if ((rc = enc_string(e, r->interface, 0)))
        path_name(e->err, "interface");
    return rc;
}

static int enc_value(enc *e, const mw_type *t, const uint8_t *p, uint32_t depth)
{
    if (t->kind == MW_K_ALIAS && !(t = mw_type_resolve(t)))
        return EFAIL(e, MW_EINVAL, "typedef cycle");
    int rc;
    switch (t->kind) {
    case MW_K_VOID: return 0;
    case MW_K_BOOLEAN: return put32(e, *(const bool *)p ? 1 : 0);
    case MW_K_OCTET: case MW_K_CHAR: return put32(e, *p);
    case MW_K_SHORT: {
        int16_t v;
        memcpy(&v, p, 2);
        return put32(e, (uint32_t)(int32_t)v);
    }
    case MW_K_USHORT: {
        uint16_t v;
        memcpy(&v, p, 2);
        return put32(e, v);
    }
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT: {
        uint32_t v;
        memcpy(&v, p, 4);
        return put32(e, v);
    }
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: {
        uint64_t v;
        memcpy(&v, p, 8);
        return put64(e, v);
    }
    case MW_K_ENUM: {
        int32_t v;
        memcpy(&v, p, 4);
        if (!mwi_enum_find(t, v))
            return EFAIL(e, MW_EINVAL, "%d is not a value of enum %s", (int)v, type_name(t));
        return put32(e, (uint32_t)v);
    }
    case MW_K_STRING: return enc_string(e, *(char *const *)p, t->u.seq.bound);
    case MW_K_STRUCT:
        if (depth >= e->max_depth)
            return EFAIL(e, MW_EDEPTH, "nesting deeper than %u", e->max_depth);
        for (uint32_t i = 0; i < t->u.st.count; i++) {
            const mw_field *f = &t->u.st.fields[i];
            const mw_type *ft = f->type;
            /* The commonest members inline, without a call and a jump table. */
            if (ft->kind == MW_K_STRING) {
                rc = enc_string(e, *(char *const *)(p + f->offset), ft->u.seq.bound);
            } else if (ft->kind == MW_K_LONG || ft->kind == MW_K_ULONG) {
                uint32_t v;
                memcpy(&v, p + f->offset, 4);
                rc = put32(e, v);
            } else {
                rc = enc_value(e, ft, p + f->offset, depth + 1);
            }
            if (rc) {
                path_name(e->err, f->name);
                return rc;
            }
        }
        return 0;
    case MW_K_SEQUENCE: {
        const mw_seq *s = (const mw_seq *)p;
        if (depth >= e->max_depth)
            return EFAIL(e, MW_EDEPTH, "nesting deeper than %u", e->max_depth);
        if (t->u.seq.bound && s->len > t->u.seq.bound)
            return EFAIL(e, MW_EINVAL, "sequence of %u elements exceeds its bound %u", s->len,
                         t->u.seq.bound);
        if (s->len && !s->data)
            return EFAIL(e, MW_EINVAL, "sequence of %u elements without data", s->len);
        if ((rc = put32(e, s->len)))
            return rc;
        return enc_items(e, t->u.seq.elem, s->data, s->len, depth + 1);
    }
    case MW_K_ARRAY:
        if (depth >= e->max_depth)
            return EFAIL(e, MW_EDEPTH, "nesting deeper than %u", e->max_depth);
        return enc_items(e, t->u.arr.elem, p, t->u.arr.count, depth + 1);
    case MW_K_UNION:
        if (depth >= e->max_depth)
            return EFAIL(e, MW_EDEPTH, "nesting deeper than %u", e->max_depth);
        return enc_union(e, t, p, depth);
    case MW_K_OPTIONAL: {
        const uint8_t *v = *(const uint8_t *const *)p;
        if (depth >= e->max_depth)
            return EFAIL(e, MW_EDEPTH, "nesting deeper than %u", e->max_depth);
        if ((rc = put32(e, v != NULL)))
            return rc;
        return v ? enc_value(e, t->u.alias.target, v, depth + 1) : 0;
    }
    case MW_K_OBJREF: return enc_objref(e, (const mw_objref *)p);
    case MW_K_ANY:
        return EFAIL(e, MW_ENOTSUP, "XDR cannot carry an any: it has no way to describe a "
                                    "value's type");
    default: return EFAIL(e, MW_EINVAL, "unknown kind %d", (int)t->kind);
    }
}

int mw_xdr_encode(const mw_type *t, const void *value, mw_buf *out,
                  const mw_marshal_opts *opts, mw_marshal_error *err)
{
    if (!t || !out || (!value && t->size))
        return mwi_marshal_fail(err, MW_EINVAL, 0, NULL, "missing type, value or buffer");
    enc e = {out, out->len, mwi_max_depth(opts), err};
    int rc = enc_value(&e, t, value, 0);
    if (rc)
        out->len = e.start;
    return rc;
}

/* ---- size --------------------------------------------------------------------------- */

static int size_value(const mw_type *t, const uint8_t *p, uint32_t depth, uint32_t max_depth,
                      size_t *acc);

static inline int add(size_t *acc, size_t n)
{
    return mwi_add_size(*acc, n, acc) ? 0 : MW_EMSGSIZE;
}

static int size_items(const mw_type *t, const uint8_t *p, uint32_t n, uint32_t depth,
                      uint32_t max_depth, size_t *acc)
{
    if (n == 0)
        return 0;
    if (!(t = resolve(t)))
        return MW_EINVAL;
    size_t unit;
    switch (t->kind) {
    case MW_K_OCTET: return add(acc, pad4(n));
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT: case MW_K_SHORT: case MW_K_USHORT:
    case MW_K_CHAR: case MW_K_BOOLEAN:
        unit = 4;
        break;
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: unit = 8; break;
    default:
        for (uint32_t i = 0; i < n; i++) {
            int rc = size_value(t, p + (size_t)i * t->size, depth, max_depth, acc);
            if (rc)
                return rc;
        }
        return 0;
    }
    size_t bytes;
    return mwi_mul_size(n, unit, &bytes) ? add(acc, bytes) : MW_EMSGSIZE;
}

static int size_value(const mw_type *t, const uint8_t *p, uint32_t depth, uint32_t max_depth,
                      size_t *acc)
{
    if (!(t = resolve(t)))
        return MW_EINVAL;
    int rc;
    switch (t->kind) {
    case MW_K_VOID: return 0;
    case MW_K_BOOLEAN: case MW_K_OCTET: case MW_K_CHAR: case MW_K_SHORT: case MW_K_USHORT:
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT:
        return add(acc, 4);
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: return add(acc, 8);
    case MW_K_ENUM: {
        int32_t v;
        memcpy(&v, p, 4);
        return mwi_enum_find(t, v) ? add(acc, 4) : MW_EINVAL;
    }
    case MW_K_STRING: {
        const char *s = *(char *const *)p;
        size_t n, bad;
        if ((rc = string_len(s ? s : "", t->u.seq.bound, &n, &bad)))
            return rc;
        return add(acc, 4 + pad4(n));
    }
    case MW_K_STRUCT:
        if (depth >= max_depth)
            return MW_EDEPTH;
        for (uint32_t i = 0; i < t->u.st.count; i++) {
            const mw_field *f = &t->u.st.fields[i];
            if ((rc = size_value(f->type, p + f->offset, depth + 1, max_depth, acc)))
                return rc;
        }
        return 0;
    case MW_K_SEQUENCE: {
        const mw_seq *s = (const mw_seq *)p;
        if (depth >= max_depth)
            return MW_EDEPTH;
        if ((t->u.seq.bound && s->len > t->u.seq.bound) || (s->len && !s->data))
            return MW_EINVAL;
        if ((rc = add(acc, 4)))
            return rc;
        return size_items(t->u.seq.elem, s->data, s->len, depth + 1, max_depth, acc);
    }
    case MW_K_ARRAY:
        if (depth >= max_depth)
            return MW_EDEPTH;
        return size_items(t->u.arr.elem, p, t->u.arr.count, depth + 1, max_depth, acc);
    case MW_K_UNION: {
        int64_t disc;
        const mw_case *arm;
        if (depth >= max_depth)
            return MW_EDEPTH;
        if ((rc = union_arm(t, p, &disc, &arm)) || (rc = add(acc, 4)))
            return rc;
        if (!arm_has_value(arm))
            return 0;
        return size_value(arm->type, p + t->u.un.value_offset, depth + 1, max_depth, acc);
    }
    case MW_K_OPTIONAL: {
        const uint8_t *v = *(const uint8_t *const *)p;
        if (depth >= max_depth)
            return MW_EDEPTH;
        if ((rc = add(acc, 4)) || !v)
            return rc;
        return size_value(t->u.alias.target, v, depth + 1, max_depth, acc);
    }
    case MW_K_OBJREF: {
        const mw_objref *r = (const mw_objref *)p;
        uint32_t alen;
        size_t n, bad;
        if (!addr_len(r->address.family, &alen))
            return MW_EINVAL;
        if ((rc = string_len(r->interface ? r->interface : "", 0, &n, &bad)))
            return rc;
        return add(acc, 4 + 4 + alen + 4 + 8 + 4 + 4 + pad4(n));
    }
    case MW_K_ANY: return MW_ENOTSUP;
    default: return MW_EINVAL;
    }
}

static int xdr_size(const mw_type *t, const void *value, const mw_marshal_opts *opts,
                    size_t *out)
{
    if (!t || !out || (!value && t->size))
        return MW_EINVAL;
    size_t n = 0;
    int rc = size_value(t, value, 0, mwi_max_depth(opts), &n);
    if (rc == 0)
        *out = n;
    return rc;
}

/* ---- decoding ----------------------------------------------------------------------- */

typedef struct dec {
    const uint8_t *base; /* the input, for offsets */
    const uint8_t *p;    /* the next byte */
    const uint8_t *end;
    mw_arena *arena;
    char *pool;       /* arena space for strings not yet handed out */
    size_t pool_left; /* its size */
    uint32_t max_depth;
    mw_marshal_error *err;
    /* The arena is bounded (as mwi_arena_bound does) only when the first value whose C
     * form the input does not bound by itself is allocated: strings copy fewer bytes than
     * they consume, so a value of strings and scalars never pays for the bound. */
    bool bounded;
    size_t old_limit; /* the caller's limit, put back at the end when bounded */
    size_t pooled;    /* bytes taken for strings before the bound (align 1: exact) */
} dec;

/* The most string space taken from the arena at a time. */
#define STRING_POOL_MAX 1024

#define DFAIL(d, code, at, ...)                                                            \
    mwi_marshal_fail((d)->err, (code), (size_t)((at) - (d)->base), NULL, __VA_ARGS__)

static inline size_t avail(const dec *d) { return (size_t)(d->end - d->p); }

static int truncated(dec *d, const uint8_t *at, size_t need, const char *what)
{
    return DFAIL(d, MW_ETRUNCATED, at, "%s needs %zu bytes, %zu remain", what, need,
                 (size_t)(d->end - at));
}

static int too_deep(dec *d)
{
    return DFAIL(d, MW_EDEPTH, d->p, "nesting deeper than %u", d->max_depth);
}

/* The bound mwi_arena_bound would have set when decoding began: MWI_ALLOC_FACTOR bytes
 * per input byte plus MWI_ALLOC_SLACK beyond what the arena held then (what it holds now
 * less the string space taken since), or the caller's tighter limit. */
static void bound_now(dec *d)
{
    size_t old = mw_arena_limit(d->arena), used = mw_arena_used(d->arena) - d->pooled, n,
           limit, len = (size_t)(d->end - d->base);
    d->bounded = true;
    d->old_limit = old;
    if (!mwi_mul_size(len, MWI_ALLOC_FACTOR, &n) || !mwi_add_size(n, MWI_ALLOC_SLACK, &n) ||
        !mwi_add_size(n, used, &limit))
        return;
    if (old == 0 || limit < old)
        mw_arena_set_limit(d->arena, limit);
}

/* n bytes of arena for anything but strings (see pool_refill): the arena is bounded
 * first. */
static int dalloc(dec *d, size_t n, size_t align, const uint8_t *at, void **out)
{
    if (!d->arena)
        return DFAIL(d, MW_EINVAL, at, "decoding this value needs an arena");
    if (!d->bounded)
        bound_now(d);
    void *q = mw_arena_alloc(d->arena, n, align ? align : 1);
    if (!q)
        return DFAIL(d, MW_ENOMEM, at, "cannot allocate %zu bytes (the input bounds the arena)",
                     n);
    *out = q;
    return 0;
}

/* One 4-byte item decoded into a scalar or enum of 32 bits or less, with the range and
 * value checks of the mapping. */
static int dec_small(dec *d, const mw_type *t, uint8_t *p)
{
    if (avail(d) < 4)
        return truncated(d, d->p, 4, mw_kind_name(t->kind));
    uint32_t v = ld32(d->p);
    switch (t->kind) {
    case MW_K_BOOLEAN:
        if (v > 1)
            return DFAIL(d, MW_EPROTO, d->p, "boolean %u is neither 0 nor 1", v);
        *(bool *)p = v != 0;
        break;
    case MW_K_OCTET: case MW_K_CHAR:
        if (v > 0xff)
            return DFAIL(d, MW_ERANGE, d->p, "%u does not fit a%s %s", v,
                         t->kind == MW_K_OCTET ? "n" : "", mw_kind_name(t->kind));
        *p = (uint8_t)v;
        break;
    case MW_K_SHORT: {
        int32_t s = (int32_t)v;
        if (s < INT16_MIN || s > INT16_MAX)
            return DFAIL(d, MW_ERANGE, d->p, "%d does not fit a short", (int)s);
        int16_t h = (int16_t)s;
        memcpy(p, &h, 2);
        break;
    }
    case MW_K_USHORT: {
        if (v > UINT16_MAX)
            return DFAIL(d, MW_ERANGE, d->p, "%u does not fit an unsigned short", v);
        uint16_t h = (uint16_t)v;
        memcpy(p, &h, 2);
        break;
    }
    case MW_K_ENUM:
        if (!mwi_enum_find(t, (int32_t)v))
            return DFAIL(d, MW_EPROTO, d->p, "%d is not a value of enum %s", (int)(int32_t)v,
                         type_name(t));
        memcpy(p, &v, 4);
        break;
    default: /* long, unsigned long, float */
        memcpy(p, &v, 4);
        break;
    }
    d->p += 4;
    return 0;
}

static int bad_padding(dec *d, const uint8_t *s, size_t n)
{
    size_t i = n;
    while (i < pad4(n) - 1 && !s[i])
        i++;
    return DFAIL(d, MW_EPROTO, s + i, "padding byte is 0x%02x, not zero", s[i]);
}

/* The padding after n bytes at s must be zero: one masked load of the last word. */
static inline int check_padding(dec *d, const uint8_t *s, size_t n)
{
    size_t k = pad4(n) - n;
    if (k && (ld32(s + n + k - 4) & ((1u << (8 * k)) - 1)))
        return bad_padding(d, s, n);
    return 0;
}

/* Why the string pool could not be refilled. */
static __attribute__((noinline)) int pool_fail(dec *d, size_t want, const uint8_t *at)
{
    if (!d->arena)
        return DFAIL(d, MW_EINVAL, at, "decoding this value needs an arena");
    return DFAIL(d, MW_ENOMEM, at, "cannot allocate %zu bytes (the input bounds the arena)",
                 want);
}

/* Makes the string pool hold at least need bytes (need <= what the input holds): a new
 * chunk of at most what the input still holds. */
static inline int pool_refill(dec *d, size_t need, const uint8_t *at)
{
    /* A string's copy with its NUL is smaller than its encoding, so the strings still
     * to come fit in what is left of the input: the pool never needs more. */
    size_t want = MWI_MAX(need, MWI_MIN(avail(d), STRING_POOL_MAX));
    char *q = d->arena ? mw_arena_alloc(d->arena, want, 1) : NULL;
    if (!q)
        return pool_fail(d, want, at);
    d->pool = q;
    d->pool_left = want;
    d->pooled += want;
    return 0;
}

/* A string the fast path of dec_string did not take: too long, truncated, not plain
 * ASCII, bad padding, or the arena exhausted. Reports what is wrong, or decodes it. */
static __attribute__((noinline)) int dec_string_slow(dec *d, char **out, uint32_t bound)
{
    const uint8_t *at = d->p;
    if (avail(d) < 4)
        return truncated(d, at, 4, "string length");
    uint32_t n = ld32(at);
    if (bound && n > bound)
        return DFAIL(d, MW_EPROTO, at, "string of %u bytes exceeds its bound %u", n, bound);
    if (avail(d) - 4 < pad4(n))
        return truncated(d, at, 4 + pad4(n), "string");
    const uint8_t *s = at + 4;
    if (!plain_ascii(s, n)) {
        const uint8_t *z = memchr(s, 0, n);
        size_t bad;
        if (z)
            return DFAIL(d, MW_EPROTO, z, "NUL byte inside a string");
        if (mw_utf8_validate((const char *)s, n, &bad))
            return DFAIL(d, MW_EUTF, s + bad, "string is not UTF-8");
    }
    int rc = check_padding(d, s, n);
    if (rc)
        return rc;
    size_t need = (size_t)n + 1;
    if (d->pool_left < need && (rc = pool_refill(d, need, at)))
        return rc;
    char *c = d->pool;
    d->pool += need;
    d->pool_left -= need;
    memcpy(c, s, n);
    c[n] = '\0';
    *out = c;
    d->p = s + pad4(n);
    return 0;
}

/* A string: its length, the bytes checked as text while they are copied into the string
 * pool, the padding. Anything out of the ordinary goes to dec_string_slow, which starts
 * again from the length. */
static inline __attribute__((always_inline)) int dec_string(dec *d, char **out,
                                                          uint32_t bound)
{
    const uint8_t *at = d->p;
    if (avail(d) >= 4) {
        uint32_t n = ld32(at);
        size_t padded = pad4(n);
        const uint8_t *s = at + 4;
        if ((!bound || n <= bound) && avail(d) - 4 >= padded &&
            (d->pool_left > n || !pool_refill(d, (size_t)n + 1, at))) {
            char *c = d->pool;
            size_t k = padded - n;
            if (copy_ascii((uint8_t *)c, s, n) &&
                !(k && (ld32(s + padded - 4) & ((1u << (8 * k)) - 1)))) {
                c[n] = '\0';
                d->pool = c + n + 1;
                d->pool_left -= (size_t)n + 1;
                *out = c;
                d->p = s + padded;
                return 0;
            }
        }
    }
    return dec_string_slow(d, out, bound);
}

static int dec_value(dec *d, const mw_type *t, uint8_t *p, uint32_t depth);

/* The fewest wire bytes an element of t takes inside an array (octets: one, as opaque). */
static size_t elem_wire_min(const mw_type *t)
{
    switch (t->kind) {
    case MW_K_OCTET: return 1;
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: return 8;
    case MW_K_BOOLEAN: case MW_K_CHAR: case MW_K_SHORT: case MW_K_USHORT: case MW_K_LONG:
    case MW_K_ULONG: case MW_K_FLOAT: case MW_K_ENUM:
        return 4;
    default: {
        size_t m = mwi_min_wire_size(t, 4);
        return m ? m : 1;
    }
    }
}

/* n elements of the resolved type t into p. */
static int dec_items(dec *d, const mw_type *t, uint8_t *p, uint32_t n, uint32_t depth)
{
    if (n == 0)
        return 0;
    const uint8_t *in = d->p;
    size_t unit = elem_wire_min(t);
    if (t->kind == MW_K_OCTET) {
        if (avail(d) < pad4(n))
            return truncated(d, in, pad4(n), "opaque data");
        int rc = check_padding(d, in, n);
        if (rc)
            return rc;
        memcpy(p, in, n);
        d->p += pad4(n);
        return 0;
    }
    bool fixed = mwi_kind_is_scalar(t->kind);
    if (fixed && avail(d) / unit < n)
        return truncated(d, in, (size_t)n * unit, "array");
    switch (t->kind) {
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT:
        be_copy(p, in, n, 4);
        d->p += (size_t)n * 4;
        return 0;
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE:
        be_copy(p, in, n, 8);
        d->p += (size_t)n * 8;
        return 0;
    default: {
        size_t es = t->size;
        for (uint32_t i = 0; i < n; i++) {
            int rc = fixed ? dec_small(d, t, p + i * es) : dec_value(d, t, p + i * es, depth);
            if (rc) {
                path_index(d->err, i);
                return rc;
            }
        }
        return 0;
    }
    }
}

static int dec_sequence(dec *d, const mw_type *t, uint8_t *p, uint32_t depth)
{
    const uint8_t *at = d->p;
    if (avail(d) < 4)
        return truncated(d, at, 4, "sequence length");
    uint32_t n = ld32(at);
    if (t->u.seq.bound && n > t->u.seq.bound)
        return DFAIL(d, MW_EPROTO, at, "sequence of %u elements exceeds its bound %u", n,
                     t->u.seq.bound);
    d->p += 4;
    const mw_type *et = resolve(t->u.seq.elem);
    if (!et)
        return DFAIL(d, MW_EINVAL, at, "typedef cycle");
    /* Refuse a count the rest of the input cannot hold before allocating for it. */
    size_t unit = elem_wire_min(et), bytes;
    if (avail(d) / unit < n)
        return DFAIL(d, MW_ETRUNCATED, at, "%u elements need at least %zu bytes each, %zu "
                                           "remain", n, unit, avail(d));
    mw_seq *s = (mw_seq *)p;
    s->len = n;
    s->data = NULL;
    if (n == 0)
        return 0;
    if (!mwi_mul_size(n, et->size, &bytes))
        return DFAIL(d, MW_ENOMEM, at, "sequence too large");
    int rc = dalloc(d, bytes, et->align, at, &s->data);
    return rc ? rc : dec_items(d, et, s->data, n, depth + 1);
}

static int dec_union(dec *d, const mw_type *t, uint8_t *p, uint32_t depth)
{
    const uint8_t *at = d->p;
    const mw_type *dt = mw_type_resolve(t->u.un.disc);
    if (!dt)
        return DFAIL(d, MW_EINVAL, at, "typedef cycle");
    if (wide_disc(dt))
        return DFAIL(d, MW_ENOTSUP, at, "XDR union discriminants are 32-bit; union %s "
                                        "switches on %s", type_name(t), mw_kind_name(dt->kind));
    memset(p, 0, t->size);
    int rc = dec_small(d, dt, p);
    if (rc)
        return rc;
    int64_t disc = mwi_load_int(dt, p);
    const mw_case *arm = mwi_union_case(t, disc);
    if (!arm)
        return DFAIL(d, MW_EPROTO, at, "discriminant %lld selects no arm of union %s",
                     (long long)disc, type_name(t));
    if (!arm_has_value(arm))
        return 0;
    if ((rc = dec_value(d, arm->type, p + t->u.un.value_offset, depth + 1)))
        path_name(d->err, arm->name);
    return rc;
}

static int dec_optional(dec *d, const mw_type *t, uint8_t *p, uint32_t depth)
{
    const uint8_t *at = d->p;
    uint8_t **slot = (uint8_t **)p;
    *slot = NULL;
    if (avail(d) < 4)
        return truncated(d, at, 4, "optional-data flag");
    uint32_t flag = ld32(at);
    if (flag > 1)
        return DFAIL(d, MW_EPROTO, at, "optional-data flag %u is neither 0 nor 1", flag);
    d->p += 4;
    if (!flag)
        return 0;
    const mw_type *vt = resolve(t->u.alias.target);
    if (!vt)
        return DFAIL(d, MW_EINVAL, at, "typedef cycle");
    size_t min = mwi_min_wire_size(vt, 4);
    if (avail(d) < min)
        return truncated(d, d->p, min, "optional value");
    uint8_t *v;
    int rc = dalloc(d, vt->size, vt->align, at, (void **)&v);
    if (rc || (rc = dec_value(d, vt, v, depth + 1)))
        return rc;
    *slot = v;
    return 0;
}

static int dec_objref(dec *d, mw_objref *r)
{
    const uint8_t *at = d->p;
    memset(r, 0, sizeof *r);
    if (avail(d) < 8)
        return truncated(d, at, 8, "object reference");
    uint32_t family = ld32(at), alen = ld32(at + 4), want;
    int rc;
    if (!addr_len(family, &want)) {
        rc = DFAIL(d, MW_EPROTO, at, "unknown address family %u", family);
        path_name(d->err, "family");
        return rc;
    }
    if (alen != want) {
        rc = DFAIL(d, MW_EPROTO, at + 4, "%u address bytes for family %u", alen, family);
        path_name(d->err, "address");
        return rc;
    }
    if (avail(d) < 8 + alen + 16)
        return truncated(d, at, 8 + alen + 16, "object reference");
    const uint8_t *q = at + 8;
    memcpy(r->address.ip, q, alen);
    q += alen;
    uint32_t port = ld32(q);
    if (port > UINT16_MAX) {
        rc = DFAIL(d, MW_ERANGE, q, "port %u is above 65535", port);
        path_name(d->err, "port");
        return rc;
    }
    r->address.family = (uint8_t)family;
    r->address.port = (uint16_t)port;
    r->created_ms = ld64(q + 4);
    r->object_number = ld32(q + 12);
    d->p = q + 16;
    if ((rc = dec_string(d, &r->interface, 0)))
        path_name(d->err, "interface");
    return rc;
}

static int dec_value(dec *d, const mw_type *t, uint8_t *p, uint32_t depth)
{
    if (t->kind == MW_K_ALIAS && !(t = mw_type_resolve(t)))
        return DFAIL(d, MW_EINVAL, d->p, "typedef cycle");
    int rc;
    switch (t->kind) {
    case MW_K_VOID: return 0;
    case MW_K_BOOLEAN: case MW_K_OCTET: case MW_K_CHAR: case MW_K_SHORT: case MW_K_USHORT:
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT: case MW_K_ENUM:
        return dec_small(d, t, p);
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: {
        if (avail(d) < 8)
            return truncated(d, d->p, 8, mw_kind_name(t->kind));
        uint64_t v = ld64(d->p);
        memcpy(p, &v, 8);
        d->p += 8;
        return 0;
    }
    case MW_K_STRING: return dec_string(d, (char **)p, t->u.seq.bound);
    case MW_K_STRUCT:
        if (depth >= d->max_depth)
            return too_deep(d);
        for (uint32_t i = 0; i < t->u.st.count; i++) {
            const mw_field *f = &t->u.st.fields[i];
            const mw_type *ft = f->type;
            /* The commonest members inline, without a call and a jump table. */
            if (ft->kind == MW_K_STRING) {
                rc = dec_string(d, (char **)(p + f->offset), ft->u.seq.bound);
            } else if ((ft->kind == MW_K_LONG || ft->kind == MW_K_ULONG) && avail(d) >= 4) {
                uint32_t v = ld32(d->p);
                memcpy(p + f->offset, &v, 4);
                d->p += 4;
                rc = 0;
            } else {
                rc = dec_value(d, ft, p + f->offset, depth + 1);
            }
            if (rc) {
                path_name(d->err, f->name);
                return rc;
            }
        }
        return 0;
    case MW_K_SEQUENCE:
        return depth >= d->max_depth ? too_deep(d) : dec_sequence(d, t, p, depth);
    case MW_K_ARRAY: {
        if (depth >= d->max_depth)
            return too_deep(d);
        const mw_type *et = resolve(t->u.arr.elem);
        if (!et)
            return DFAIL(d, MW_EINVAL, d->p, "typedef cycle");
        return dec_items(d, et, p, t->u.arr.count, depth + 1);
    }
    case MW_K_UNION: return depth >= d->max_depth ? too_deep(d) : dec_union(d, t, p, depth);
    case MW_K_OPTIONAL:
        return depth >= d->max_depth ? too_deep(d) : dec_optional(d, t, p, depth);
    case MW_K_OBJREF: return dec_objref(d, (mw_objref *)p);
    case MW_K_ANY:
        return DFAIL(d, MW_ENOTSUP, d->p, "XDR cannot carry an any: it has no way to describe "
                                          "a value's type");
    default: return DFAIL(d, MW_EINVAL, d->p, "unknown kind %d", (int)t->kind);
    }
}

int mw_xdr_decode(const mw_type *t, const void *data, size_t len, void *value,
                  mw_arena *arena, const mw_marshal_opts *opts, mw_marshal_error *err)
{
    static const uint8_t none[1];
    if (!t || (!value && t->size) || (!data && len))
        return mwi_marshal_fail(err, MW_EINVAL, 0, NULL, "missing type, value or input");
    const uint8_t *in = data ? data : none;
    dec d = {in, in, in + len, arena, NULL, 0, mwi_max_depth(opts), err, false, 0, 0};
    int rc = dec_value(&d, t, value, 0);
    if (rc == 0 && d.p != d.end)
        rc = DFAIL(&d, MW_EPROTO, d.p, "%zu bytes after the value", avail(&d));
    if (d.bounded)
        mw_arena_set_limit(arena, d.old_limit);
    return rc;
}

const mw_codec mw_codec_xdr = {
    .name = "xdr",
    .description = "XDR (RFC 4506), the representation of ONC RPC and NFS",
    .binary = true,
    .encode = mw_xdr_encode,
    .decode = mw_xdr_decode,
    .size = xdr_size,
};

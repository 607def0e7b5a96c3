/*
 * java_stream.c - the Java Object Serialization Stream Protocol below the type mapping:
 * the writer (bytes, modified UTF-8, class descriptors, the handle table) and the
 * parser, which reads any well-formed stream into a graph of objects so that java.c can
 * map it onto a type whatever order, extra fields or back-references it holds.
 *
 * The parser follows the grammar of section 6.4.1 and the checks ObjectInputStream
 * makes: handles are checked against the table, a reference to a class descriptor must
 * name a complete one (so a descriptor cannot be its own superclass), TC_RESET is taken
 * only between top-level objects, primitive fields must come before object fields, and
 * every count is checked against the bytes that remain before anything is allocated for
 * it. It keeps the data of every class of an object's hierarchy, skips the optional data
 * of writeObject methods, class annotations and externalizable objects written in block
 * data mode, and refuses what cannot be skipped without the class (externalizable data
 * of protocol version 1) with MW_ENOTSUP.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "java_impl.h"

/* ---- facts about the JDK's classes ------------------------------------------------ */

/* serialVersionUIDs printed by the JDK (OpenJDK 17) with
 * ObjectStreamClass.lookup(c).getSerialVersionUID(); they have not changed since 1.1. */
const char *const mwi_java_pinned_array_names[] = {
    "[Z", "[B", "[C", "[S", "[I", "[J", "[F", "[D",
    "[Ljava.lang.String;", "[Ljava.lang.Object;", "[Ljava.lang.Integer;", "[[I", "[[S",
    NULL};
const int64_t mwi_java_pinned_array_suids[] = {
    (int64_t)0x578F203914B85DE2u, (int64_t)0xACF317F8060854E0u,
    (int64_t)0xB02666B0E25D84ACu, (int64_t)0xEF832E06E55DB0FAu,
    (int64_t)0x4DBA602676EAB2A5u, (int64_t)0x782004B512B17593u,
    (int64_t)0x0B9C818922E00C42u, (int64_t)0x3EA68C14AB635A1Eu,
    (int64_t)0xADD256E7E91D7B47u, (int64_t)0x90CE589F1073296Cu,
    (int64_t)0xFE97ADA00183E21Bu, (int64_t)0x17F7E44F198F893Cu,
    (int64_t)0x7CAE5DAE123B4435u};

static const mwi_jclass number_class = {"java.lang.Number", (int64_t)0x86AC951D0B94E08Bu,
                                        MWI_SC_SERIALIZABLE, 0, NULL, NULL};

#define BOXED(var, cname, suid, code, super)                                               \
    static const mwi_jfield var##_fields[] = {{"value", code, NULL, NULL, 0}};             \
    static const mwi_jclass var = {cname, (int64_t)(suid), MWI_SC_SERIALIZABLE, 1,          \
                                   var##_fields, super}
BOXED(boolean_class, "java.lang.Boolean", 0xCD207280D59CFAEEu, 'Z', NULL);
BOXED(byte_class, "java.lang.Byte", 0x9C4E6084EE50F51Cu, 'B', &number_class);
BOXED(character_class, "java.lang.Character", 0x348B47D96B1A2678u, 'C', NULL);
BOXED(short_class, "java.lang.Short", 0x684D37133460DA52u, 'S', &number_class);
BOXED(integer_class, "java.lang.Integer", 0x12E2A0A4F7818738u, 'I', &number_class);
BOXED(long_class, "java.lang.Long", 0x3B8BE490CC8F23DFu, 'J', &number_class);
BOXED(float_class, "java.lang.Float", 0xDAEDC9A2DB3CF0ECu, 'F', &number_class);
BOXED(double_class, "java.lang.Double", 0x80B3C24A296BFB04u, 'D', &number_class);
/* Midway's own boxes for unsigned values inside an any (serialVersionUID 1L). */
BOXED(ushort_class, "midway.UnsignedShort", 1, 'S', NULL);
BOXED(uint_class, "midway.UnsignedInteger", 1, 'I', NULL);
BOXED(ulong_class, "midway.UnsignedLong", 1, 'J', NULL);

const mwi_jclass mwi_java_enum_base = {"java.lang.Enum", 0,
                                       MWI_SC_SERIALIZABLE | MWI_SC_ENUM, 0, NULL, NULL};

/* midway.ObjectRef { long created; int objectNumber; int port; int scopeId;
 * byte[] address; String interfaceName; }, fields in Java's order. */
static const mwi_jfield objref_fields[] = {
    {"created", 'J', NULL, NULL, 0},     {"objectNumber", 'I', NULL, NULL, 0},
    {"port", 'I', NULL, NULL, 0},        {"scopeId", 'I', NULL, NULL, 0},
    {"address", '[', "[B", NULL, 0},     {"interfaceName", 'L', "Ljava/lang/String;", NULL, 0},
};
const mwi_jclass mwi_java_objref_class = {"midway.ObjectRef", 1, MWI_SC_SERIALIZABLE, 6,
                                          objref_fields, NULL};

const mwi_jclass *mwi_java_boxed_class(mw_kind k, bool is_unsigned)
{
    switch (k) {
    case MW_K_BOOLEAN: return &boolean_class;
    case MW_K_OCTET: return &byte_class;
    case MW_K_CHAR: return &character_class;
    case MW_K_SHORT: return &short_class;
    case MW_K_USHORT: return is_unsigned ? &ushort_class : &short_class;
    case MW_K_LONG: return &integer_class;
    case MW_K_ULONG: return is_unsigned ? &uint_class : &integer_class;
    case MW_K_LONGLONG: return &long_class;
    case MW_K_ULONGLONG: return is_unsigned ? &ulong_class : &long_class;
    case MW_K_FLOAT: return &float_class;
    case MW_K_DOUBLE: return &double_class;
    default: return NULL;
    }
}

size_t mwi_java_prim_width(char code)
{
    switch (code) {
    case 'B': case 'Z': return 1;
    case 'C': case 'S': return 2;
    case 'I': case 'F': return 4;
    case 'J': case 'D': return 8;
    default: return 0;
    }
}

/* ---- SHA-1, for the JDK's default serialVersionUID of array classes ----------------
 * libmidway links no crypto library, and this is the only digest the codec needs: a
 * handful of short inputs per stream, never anything secret. */

static uint32_t rol(uint32_t x, int n) { return x << n | x >> (32 - n); }

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = mw_load_u32be(p + 4 * i);
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20)
            f = (b & c) | (~b & d), k = 0x5A827999;
        else if (i < 40)
            f = b ^ c ^ d, k = 0x6ED9EBA1;
        else if (i < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
        else
            f = b ^ c ^ d, k = 0xCA62C1D6;
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

static void sha1(const uint8_t *m, size_t n, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    size_t full = n / 64 * 64;
    for (size_t i = 0; i < full; i += 64)
        sha1_block(h, m + i);
    uint8_t tail[128] = {0};
    size_t rest = n - full;
    memcpy(tail, m + full, rest);
    tail[rest] = 0x80;
    size_t tlen = rest + 9 <= 64 ? 64 : 128;
    mw_store_u64be(tail + tlen - 8, (uint64_t)n * 8);
    for (size_t i = 0; i < tlen; i += 64)
        sha1_block(h, tail + i);
    for (int i = 0; i < 5; i++)
        mw_store_u32be(out + 4 * i, h[i]);
}

int mwi_java_array_suid_computed(const char *name, int32_t mods, int64_t *out)
{
    /* ObjectStreamClass.computeDefaultSUID for an array class: writeUTF(name) and
     * writeInt(modifiers); arrays have no interfaces (they are skipped), fields,
     * constructors or methods to add. The hash's first 8 bytes, little-endian. */
    mw_buf b = {0};
    size_t n = strlen(name), m;
    int rc = mw_mutf8_length(name, n, &m, NULL);
    if (rc)
        return rc;
    if (m > 0xFFFF)
        return MW_ERANGE;
    if ((rc = mw_buf_put_u16be(&b, (uint16_t)m)) || (rc = mw_mutf8_from_utf8(&b, name, n, NULL)) ||
        (rc = mw_buf_put_u32be(&b, (uint32_t)mods))) {
        mw_buf_free(&b);
        return rc;
    }
    uint8_t d[20];
    sha1(b.data, b.len, d);
    mw_buf_free(&b);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | d[i];
    *out = (int64_t)v;
    return 0;
}

int mwi_java_array_suid(const char *name, int64_t *out)
{
    for (size_t i = 0; mwi_java_pinned_array_names[i]; i++)
        if (strcmp(mwi_java_pinned_array_names[i], name) == 0) {
            *out = mwi_java_pinned_array_suids[i];
            return 0;
        }
    /* public final abstract: what Class.getModifiers gives an array of a public class. */
    return mwi_java_array_suid_computed(name, 0x411, out);
}

/* ---- the handle map ------------------------------------------------------------------- */

static uint64_t key_hash(const mwi_jkey *k)
{
    uint64_t h = 1469598103934665603u ^ k->kind;
    uint64_t parts[3] = {(uint64_t)(uintptr_t)k->p, (uint64_t)(uintptr_t)k->q, k->aux};
    for (int i = 0; i < 3; i++) {
        h ^= parts[i];
        h *= 1099511628211u;
        h ^= h >> 29;
    }
    for (size_t i = 0; i < k->n; i++) {
        h ^= (uint8_t)k->s[i];
        h *= 1099511628211u;
    }
    return h ? h : 1;
}

static bool key_equal(const mwi_jkey *a, const mwi_jkey *b)
{
    return a->kind == b->kind && a->p == b->p && a->q == b->q && a->aux == b->aux && a->n == b->n &&
           (a->n == 0 || memcmp(a->s, b->s, a->n) == 0);
}

bool mwi_jmap_get(const mwi_jmap *m, const mwi_jkey *k, uint32_t *handle, void **val)
{
    if (!m->cap)
        return false;
    uint64_t h = key_hash(k);
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const mwi_jentry *e = &m->e[i];
        if (!e->hash)
            return false;
        if (e->hash == h && key_equal(&e->key, k)) {
            if (handle)
                *handle = e->handle;
            if (val)
                *val = e->val;
            return true;
        }
    }
}

static void place(mwi_jentry *tab, size_t cap, const mwi_jentry *e)
{
    size_t i = e->hash & (cap - 1);
    while (tab[i].hash)
        i = (i + 1) & (cap - 1);
    tab[i] = *e;
}

int mwi_jmap_put(mwi_jmap *m, const mwi_jkey *k, uint32_t handle, void *val)
{
    if ((m->count + 1) * 4 >= m->cap * 3) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        mwi_jentry *tab = calloc(cap, sizeof *tab);
        if (!tab)
            return MW_ENOMEM;
        for (size_t i = 0; i < m->cap; i++)
            if (m->e[i].hash)
                place(tab, cap, &m->e[i]);
        free(m->e);
        m->e = tab;
        m->cap = cap;
    }
    mwi_jentry e = {*k, key_hash(k), handle, val};
    place(m->e, m->cap, &e);
    m->count++;
    return 0;
}

void mwi_jmap_free(mwi_jmap *m)
{
    free(m->e);
    memset(m, 0, sizeof *m);
}

/* ---- the writer ------------------------------------------------------------------------ */

static int put(mwi_jwriter *w, const void *p, size_t n)
{
    if (w->out) {
        int rc = mw_buf_append(w->out, p, n);
        if (rc)
            return rc;
    }
    w->count += n;
    return 0;
}

int mwi_jw_u8(mwi_jwriter *w, uint8_t v) { return put(w, &v, 1); }

int mwi_jw_u16(mwi_jwriter *w, uint16_t v)
{
    uint8_t b[2];
    mw_store_u16be(b, v);
    return put(w, b, 2);
}

int mwi_jw_u32(mwi_jwriter *w, uint32_t v)
{
    uint8_t b[4];
    mw_store_u32be(b, v);
    return put(w, b, 4);
}

int mwi_jw_u64(mwi_jwriter *w, uint64_t v)
{
    uint8_t b[8];
    mw_store_u64be(b, v);
    return put(w, b, 8);
}

uint32_t mwi_jw_new_handle(mwi_jwriter *w) { return MWI_JAVA_BASE_HANDLE + w->next_handle++; }

int mwi_jw_reference(mwi_jwriter *w, uint32_t handle)
{
    int rc = mwi_jw_u8(w, MWI_TC_REFERENCE);
    return rc ? rc : mwi_jw_u32(w, handle);
}

/* Appends the modified UTF-8 form (m bytes, already measured). */
static int put_mutf8(mwi_jwriter *w, const char *s, size_t n, size_t m)
{
    if (w->out && n) {
        int rc = mw_mutf8_from_utf8(w->out, s, n, NULL);
        if (rc)
            return rc;
    }
    w->count += m;
    return 0;
}

int mwi_jw_utf(mwi_jwriter *w, const char *s, size_t n, size_t *bad_off)
{
    size_t m;
    int rc = mw_mutf8_length(s, n, &m, bad_off);
    if (rc)
        return rc;
    if (m > 0xFFFF)
        return MW_ERANGE;
    if ((rc = mwi_jw_u16(w, (uint16_t)m)))
        return rc;
    return put_mutf8(w, s, n, m);
}

int mwi_jw_string(mwi_jwriter *w, const char *s, size_t n, uint32_t *handle,
                  size_t *bad_off)
{
    size_t m;
    int rc = mw_mutf8_length(s, n, &m, bad_off);
    if (rc)
        return rc;
    /* ObjectOutputStream switches to the 8-byte length exactly above 0xFFFF. */
    if (m <= 0xFFFF)
        rc = mwi_jw_u8(w, MWI_TC_STRING);
    else
        rc = mwi_jw_u8(w, MWI_TC_LONGSTRING);
    if (rc)
        return rc;
    *handle = mwi_jw_new_handle(w);
    rc = m <= 0xFFFF ? mwi_jw_u16(w, (uint16_t)m) : mwi_jw_u64(w, m);
    return rc ? rc : put_mutf8(w, s, n, m);
}

/* className1: a field descriptor, shared by content as the JDK's interned strings are. */
static int type_string(mwi_jwriter *w, const char *sig)
{
    mwi_jkey k = {.kind = MWI_JK_TYPESTR, .s = sig, .n = strlen(sig)};
    uint32_t h;
    if (mwi_jmap_get(&w->handles, &k, &h, NULL))
        return mwi_jw_reference(w, h);
    int rc = mwi_jw_string(w, sig, k.n, &h, NULL);
    return rc ? rc : mwi_jmap_put(&w->handles, &k, h, NULL);
}

int mwi_jw_classdesc(mwi_jwriter *w, const mwi_jclass *c)
{
    int rc = 0;
    /* Iterative along the superclass chain: each class is a new descriptor followed by
     * its superclass's, ending in TC_NULL or a reference. */
    for (; c; c = c->super) {
        mwi_jkey k = {.kind = MWI_JK_DESC, .s = c->name, .n = strlen(c->name)};
        uint32_t h;
        if (mwi_jmap_get(&w->handles, &k, &h, NULL))
            return mwi_jw_reference(w, h);
        if ((rc = mwi_jw_u8(w, MWI_TC_CLASSDESC)) || (rc = mwi_jw_utf(w, c->name, k.n, NULL)) ||
            (rc = mwi_jw_u64(w, (uint64_t)c->suid)))
            return rc;
        if ((rc = mwi_jmap_put(&w->handles, &k, mwi_jw_new_handle(w), NULL)))
            return rc;
        if ((rc = mwi_jw_u8(w, c->flags)) || (rc = mwi_jw_u16(w, (uint16_t)c->nfields)))
            return rc;
        for (uint32_t i = 0; i < c->nfields; i++) {
            const mwi_jfield *f = &c->fields[i];
            if ((rc = mwi_jw_u8(w, (uint8_t)f->code)) ||
                (rc = mwi_jw_utf(w, f->name, strlen(f->name), NULL)))
                return rc;
            if (f->sig && (rc = type_string(w, f->sig)))
                return rc;
        }
        /* classAnnotation: nothing (what annotateClass writes by default). */
        if ((rc = mwi_jw_u8(w, MWI_TC_ENDBLOCKDATA)))
            return rc;
    }
    return mwi_jw_u8(w, MWI_TC_NULL);
}

void mwi_jw_free(mwi_jwriter *w) { mwi_jmap_free(&w->handles); }

/* ---- the parser ------------------------------------------------------------------------ */

static int fail(mwi_jparser *p, int code, size_t off, const char *fmt, ...) MW_PRINTF(4, 5);

static int fail(mwi_jparser *p, int code, size_t off, const char *fmt, ...)
{
    if (p->err) {
        char detail[sizeof p->err->detail];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
        mwi_marshal_fail(p->err, code, off, "", "%s", detail);
    }
    return code;
}

static int truncated(mwi_jparser *p, const char *what)
{
    return fail(p, MW_ETRUNCATED, p->r.off, "input ends inside %s", what);
}

static int rd_u8(mwi_jparser *p, uint8_t *v, const char *what)
{
    return mw_read_u8(&p->r, v) ? truncated(p, what) : 0;
}

static int rd_u16(mwi_jparser *p, uint16_t *v, const char *what)
{
    return mw_read_u16be(&p->r, v) ? truncated(p, what) : 0;
}

static int rd_u32(mwi_jparser *p, uint32_t *v, const char *what)
{
    return mw_read_u32be(&p->r, v) ? truncated(p, what) : 0;
}

static int rd_u64(mwi_jparser *p, uint64_t *v, const char *what)
{
    return mw_read_u64be(&p->r, v) ? truncated(p, what) : 0;
}

static int rd_bytes(mwi_jparser *p, uint64_t n, const uint8_t **out, const char *what)
{
    if (n > mw_reader_remaining(&p->r))
        return truncated(p, what);
    return mw_read_bytes(&p->r, (size_t)n, out) ? truncated(p, what) : 0;
}

/* A signed 32-bit count, checked: at least `unit` bytes each must remain. */
static int rd_count(mwi_jparser *p, size_t unit, uint32_t *n, const char *what)
{
    size_t off = p->r.off;
    uint32_t v;
    int rc = rd_u32(p, &v, what);
    if (rc)
        return rc;
    if (v > INT32_MAX)
        return fail(p, MW_EPROTO, off, "negative length %d for %s", (int32_t)v, what);
    if ((uint64_t)v * unit > mw_reader_remaining(&p->r))
        return fail(p, MW_ETRUNCATED, off, "%s of %u items does not fit in the %zu bytes left",
                    what, v, mw_reader_remaining(&p->r));
    *n = v;
    return 0;
}

/* Modified UTF-8 of n bytes, validated and converted to UTF-8 in the graph's arena. */
static int rd_text(mwi_jparser *p, uint64_t n, const char **s, size_t *len, const char *what)
{
    const uint8_t *m;
    size_t start = p->r.off;
    int rc = rd_bytes(p, n, &m, what);
    if (rc)
        return rc;
    size_t bad = 0;
    mw_buf_reset(&p->text);
    /* (Empty text skips the conversion: base's converter forms NULL + 0 on an empty
     * buffer, which UBSan reports.) */
    rc = n ? mw_mutf8_to_utf8(&p->text, m, (size_t)n, &bad) : 0;
    if (rc == MW_EUTF)
        return fail(p, rc, start + bad, "invalid modified UTF-8 in %s", what);
    if (rc)
        return fail(p, rc, start, "no memory for %s", what);
    char *c = mw_arena_strndup(p->arena, p->text.len ? (const char *)p->text.data : "",
                               p->text.len);
    if (!c)
        return fail(p, MW_ENOMEM, start, "no memory for %s", what);
    *s = c;
    *len = p->text.len;
    return 0;
}

static int rd_utf(mwi_jparser *p, const char **s, size_t *len, const char *what)
{
    uint16_t n;
    int rc = rd_u16(p, &n, what);
    return rc ? rc : rd_text(p, n, s, len, what);
}

static mwi_jnode *new_node(mwi_jparser *p, mwi_jnode_kind kind, size_t off)
{
    mwi_jnode *n = mw_arena_calloc(p->arena, 1, sizeof *n);
    if (n) {
        n->kind = (uint8_t)kind;
        n->off = off;
    }
    return n;
}

static int oom(mwi_jparser *p, size_t off) { return fail(p, MW_ENOMEM, off, "out of memory"); }

static int new_handle(mwi_jparser *p, mwi_jnode *n)
{
    if (p->nhandles == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        mwi_jnode **h = realloc(p->handles, cap * sizeof *h);
        if (!h)
            return oom(p, n->off);
        p->handles = h;
        p->cap = cap;
    }
    p->handles[p->nhandles++] = n;
    return 0;
}

static int rd_handle(mwi_jparser *p, size_t off, mwi_jnode **out)
{
    uint32_t h;
    int rc = rd_u32(p, &h, "a handle");
    if (rc)
        return rc;
    uint32_t i = h - MWI_JAVA_BASE_HANDLE;
    if (h < MWI_JAVA_BASE_HANDLE || i >= p->nhandles)
        return fail(p, MW_EPROTO, off, "handle 0x%08X out of range (%zu assigned)", h,
                    p->nhandles);
    *out = p->handles[i];
    return 0;
}

static int parse_object(mwi_jparser *p, uint32_t depth, mwi_jnode **out);

static int peek(mwi_jparser *p, uint8_t *tc, const char *what)
{
    if (!mw_reader_remaining(&p->r))
        return truncated(p, what);
    *tc = p->r.data[p->r.off];
    return 0;
}

/* contents endBlockData: class annotations, writeObject data, external data. */
static int skip_until_end(mwi_jparser *p, uint32_t depth, const char *what)
{
    for (;;) {
        size_t off = p->r.off;
        uint8_t tc = 0;
        int rc = peek(p, &tc, what);
        if (rc)
            return rc;
        if (tc == MWI_TC_ENDBLOCKDATA) {
            p->r.off++;
            return 0;
        }
        if (tc == MWI_TC_BLOCKDATA || tc == MWI_TC_BLOCKDATALONG) {
            p->r.off++;
            uint64_t n;
            if (tc == MWI_TC_BLOCKDATA) {
                uint8_t b;
                rc = rd_u8(p, &b, "block data");
                n = b;
            } else {
                uint32_t v;
                rc = rd_u32(p, &v, "block data");
                if (!rc && v > INT32_MAX)
                    return fail(p, MW_EPROTO, off, "negative block data length");
                n = v;
            }
            const uint8_t *skip;
            if (rc || (rc = rd_bytes(p, n, &skip, "block data")))
                return rc;
            continue;
        }
        mwi_jnode *ignored;
        if ((rc = parse_object(p, depth, &ignored)))
            return rc;
    }
}

static int parse_classdesc(mwi_jparser *p, uint32_t depth, uint32_t chain, mwi_jdesc **out);

/* The field descriptor string of an object field: a new string or a reference to one. */
static int parse_type_string(mwi_jparser *p, const char **sig, size_t *len)
{
    size_t off = p->r.off;
    uint8_t tc;
    int rc = rd_u8(p, &tc, "a field's type");
    if (rc)
        return rc;
    mwi_jnode *n;
    if (tc == MWI_TC_REFERENCE) {
        if ((rc = rd_handle(p, off, &n)))
            return rc;
        if (n->kind != MWI_JN_STRING)
            return fail(p, MW_EPROTO, off, "a field's type refers to something not a string");
    } else if (tc == MWI_TC_STRING || tc == MWI_TC_LONGSTRING) {
        if (!(n = new_node(p, MWI_JN_STRING, off)) || (rc = new_handle(p, n)))
            return rc ? rc : oom(p, off);
        uint64_t m;
        if (tc == MWI_TC_STRING) {
            uint16_t s;
            rc = rd_u16(p, &s, "a field's type");
            m = s;
        } else {
            rc = rd_u64(p, &m, "a field's type");
        }
        if (rc || (rc = rd_text(p, m, &n->u.str.s, &n->u.str.len, "a field's type")))
            return rc;
    } else {
        return fail(p, MW_EPROTO, off, "a field's type must be a string, not code 0x%02X", tc);
    }
    *sig = n->u.str.s;
    *len = n->u.str.len;
    return 0;
}

static int parse_fields(mwi_jparser *p, mwi_jdesc *d)
{
    size_t off = p->r.off;
    uint16_t count;
    int rc = rd_u16(p, &count, "a class descriptor");
    if (rc)
        return rc;
    if (count > INT16_MAX)
        return fail(p, MW_EPROTO, off, "negative field count");
    /* Each field takes at least 3 bytes: its code and an empty name's length. */
    if ((size_t)count * 3 > mw_reader_remaining(&p->r))
        return fail(p, MW_ETRUNCATED, off, "%u fields do not fit in the %zu bytes left",
                    count, mw_reader_remaining(&p->r));
    d->nfields = count;
    if (count && !(d->fields = mw_arena_calloc(p->arena, count, sizeof *d->fields)))
        return oom(p, off);
    bool seen_object = false;
    for (uint32_t i = 0; i < count; i++) {
        mwi_jdfield *f = &d->fields[i];
        size_t foff = p->r.off;
        uint8_t code;
        if ((rc = rd_u8(p, &code, "a field descriptor")) ||
            (rc = rd_utf(p, &f->name, &f->name_len, "a field name")))
            return rc;
        f->code = (char)code;
        size_t w = mwi_java_prim_width(f->code);
        if (w) {
            /* ObjectInputStream: "illegal field order". */
            if (seen_object)
                return fail(p, MW_EPROTO, foff, "primitive field %s after an object field",
                            f->name);
            f->slot = d->prim_size;
            d->prim_size += (uint32_t)w;
        } else if (code == 'L' || code == '[') {
            size_t slen = 0;
            if ((rc = parse_type_string(p, &f->sig, &slen)))
                return rc;
            if (slen < 2 || f->sig[0] != f->code)
                return fail(p, MW_EPROTO, foff, "field %s: type \"%s\" does not match code %c",
                            f->name, f->sig, code);
            seen_object = true;
            f->slot = d->nobjs++;
        } else {
            return fail(p, MW_EPROTO, foff, "unknown field type code 0x%02X", code);
        }
    }
    return 0;
}

static int finish_desc(mwi_jparser *p, uint32_t depth, uint32_t chain, mwi_jdesc *d)
{
    int rc = skip_until_end(p, depth + 1, "a class annotation");
    if (rc || (rc = parse_classdesc(p, depth, chain + 1, &d->super)))
        return rc;
    d->chain = d->super ? d->super->chain + 1 : 1;
    if (d->chain > p->max_depth)
        return fail(p, MW_EDEPTH, d->off, "class hierarchy deeper than %u", p->max_depth);
    d->complete = true;
    return 0;
}

/* classDesc. A superclass is not a nested object (an object at the deepest level still
 * has one), so the chain has its own bound, chain, besides the objects' depth. */
static int parse_classdesc(mwi_jparser *p, uint32_t depth, uint32_t chain, mwi_jdesc **out)
{
    size_t off = p->r.off;
    uint8_t tc;
    int rc = rd_u8(p, &tc, "a class descriptor");
    if (rc)
        return rc;
    *out = NULL;
    if (tc == MWI_TC_NULL)
        return 0;
    if (tc == MWI_TC_REFERENCE) {
        mwi_jnode *n;
        if ((rc = rd_handle(p, off, &n)))
            return rc;
        if (n->kind != MWI_JN_DESC)
            return fail(p, MW_EPROTO, off, "reference to something not a class descriptor");
        if (!n->desc->complete)
            return fail(p, MW_EPROTO, off, "reference to a class descriptor still being read");
        *out = n->desc;
        return 0;
    }
    if (tc != MWI_TC_CLASSDESC && tc != MWI_TC_PROXYCLASSDESC)
        return fail(p, MW_EPROTO, off, "expected a class descriptor, not code 0x%02X", tc);
    if (depth > p->max_depth || chain > p->max_depth)
        return fail(p, MW_EDEPTH, off, "nesting deeper than %u", p->max_depth);
    mwi_jnode *n = new_node(p, MWI_JN_DESC, off);
    mwi_jdesc *d = mw_arena_calloc(p->arena, 1, sizeof *d);
    if (!n || !d)
        return oom(p, off);
    n->desc = d;
    d->off = off;
    if (tc == MWI_TC_CLASSDESC) {
        uint64_t suid;
        if ((rc = rd_utf(p, &d->name, &d->name_len, "a class name")) ||
            (rc = rd_u64(p, &suid, "a class descriptor")) || (rc = new_handle(p, n)))
            return rc;
        d->suid = (int64_t)suid;
        if ((rc = rd_u8(p, &d->flags, "a class descriptor")))
            return rc;
        if ((d->flags & MWI_SC_SERIALIZABLE) && (d->flags & MWI_SC_EXTERNALIZABLE))
            return fail(p, MW_EPROTO, off, "class %s: serializable and externalizable flags "
                        "conflict", d->name);
        if ((rc = parse_fields(p, d)))
            return rc;
    } else {
        d->proxy = true;
        d->name = "";
        d->flags = MWI_SC_SERIALIZABLE;
        uint32_t count;
        if ((rc = new_handle(p, n)) || (rc = rd_count(p, 2, &count, "proxy interfaces")))
            return rc;
        for (uint32_t i = 0; i < count; i++) {
            const char *s;
            size_t len;
            if ((rc = rd_utf(p, &s, &len, "a proxy interface name")))
                return rc;
        }
    }
    if ((rc = finish_desc(p, depth, chain, d)))
        return rc;
    *out = d;
    return 0;
}

static int parse_string(mwi_jparser *p, uint8_t tc, size_t off, mwi_jnode **out)
{
    mwi_jnode *n = new_node(p, MWI_JN_STRING, off);
    int rc;
    if (!n || (rc = new_handle(p, n)))
        return n ? rc : oom(p, off);
    uint64_t m;
    if (tc == MWI_TC_STRING) {
        uint16_t s;
        rc = rd_u16(p, &s, "a string");
        m = s;
    } else {
        rc = rd_u64(p, &m, "a long string");
    }
    if (rc || (rc = rd_text(p, m, &n->u.str.s, &n->u.str.len, "a string")))
        return rc;
    *out = n;
    return 0;
}

static int parse_new_object(mwi_jparser *p, size_t off, uint32_t depth, mwi_jnode **out)
{
    mwi_jdesc *d;
    int rc = parse_classdesc(p, depth, 1, &d);
    if (rc)
        return rc;
    if (!d)
        return fail(p, MW_EPROTO, off, "object without a class descriptor");
    if (d->flags & MWI_SC_ENUM)
        return fail(p, MW_EPROTO, off, "TC_OBJECT of enum class %s", d->name);
    mwi_jnode *n = new_node(p, MWI_JN_OBJECT, off);
    if (!n || (rc = new_handle(p, n)))
        return n ? rc : oom(p, off);
    n->desc = d;
    *out = n;
    if (d->flags & MWI_SC_EXTERNALIZABLE) {
        /* Without SC_BLOCK_DATA (protocol version 1) only the class can tell where its
         * data ends. */
        if (!(d->flags & MWI_SC_BLOCK_DATA))
            return fail(p, MW_ENOTSUP, off, "externalizable class %s written with protocol "
                        "version 1", d->name);
        return skip_until_end(p, depth + 1, "externalizable data");
    }
    n->u.obj.nclasses = d->chain;
    n->u.obj.cls = mw_arena_calloc(p->arena, d->chain, sizeof *n->u.obj.cls);
    if (!n->u.obj.cls)
        return oom(p, off);
    uint32_t i = d->chain;
    for (const mwi_jdesc *c = d; c; c = c->super)
        n->u.obj.cls[--i].desc = c;
    for (i = 0; i < d->chain; i++) {
        mwi_jclassdata *cd = &n->u.obj.cls[i];
        const mwi_jdesc *c = cd->desc;
        if (!(c->flags & MWI_SC_SERIALIZABLE))
            continue;
        if ((rc = rd_bytes(p, c->prim_size, &cd->prim, "an object's primitive fields")))
            return rc;
        if (c->nobjs) {
            if (c->nobjs > mw_reader_remaining(&p->r))
                return truncated(p, "an object's fields");
            if (!(cd->objs = mw_arena_calloc(p->arena, c->nobjs, sizeof *cd->objs)))
                return oom(p, off);
            for (uint32_t j = 0; j < c->nobjs; j++)
                if ((rc = parse_object(p, depth + 1, &cd->objs[j])))
                    return rc;
        }
        if ((c->flags & MWI_SC_WRITE_METHOD) &&
            (rc = skip_until_end(p, depth + 1, "writeObject data")))
            return rc;
    }
    return 0;
}

static int parse_array(mwi_jparser *p, size_t off, uint32_t depth, mwi_jnode **out)
{
    mwi_jdesc *d;
    int rc = parse_classdesc(p, depth, 1, &d);
    if (rc)
        return rc;
    if (!d || d->name_len < 2 || d->name[0] != '[')
        return fail(p, MW_EPROTO, off, "array of class %s", d ? d->name : "null");
    mwi_jnode *n = new_node(p, MWI_JN_ARRAY, off);
    if (!n || (rc = new_handle(p, n)))
        return n ? rc : oom(p, off);
    n->desc = d;
    n->u.arr.elem = d->name[1];
    *out = n;
    size_t w = mwi_java_prim_width(n->u.arr.elem);
    if (w) {
        if ((rc = rd_count(p, w, &n->u.arr.len, "an array")))
            return rc;
        return rd_bytes(p, (uint64_t)n->u.arr.len * w, &n->u.arr.prim, "an array");
    }
    if (n->u.arr.elem != 'L' && n->u.arr.elem != '[')
        return fail(p, MW_EPROTO, off, "array class %s has an unknown element type", d->name);
    if ((rc = rd_count(p, 1, &n->u.arr.len, "an array")))
        return rc;
    if (n->u.arr.len &&
        !(n->u.arr.elems = mw_arena_calloc(p->arena, n->u.arr.len, sizeof *n->u.arr.elems)))
        return oom(p, off);
    for (uint32_t i = 0; i < n->u.arr.len; i++)
        if ((rc = parse_object(p, depth + 1, &n->u.arr.elems[i])))
            return rc;
    return 0;
}

static int parse_enum(mwi_jparser *p, size_t off, uint32_t depth, mwi_jnode **out)
{
    mwi_jdesc *d;
    int rc = parse_classdesc(p, depth, 1, &d);
    if (rc)
        return rc;
    if (!d || !(d->flags & MWI_SC_ENUM))
        return fail(p, MW_EPROTO, off, "enum constant of non-enum class %s",
                    d ? d->name : "null");
    mwi_jnode *n = new_node(p, MWI_JN_ENUM, off);
    if (!n || (rc = new_handle(p, n)))
        return n ? rc : oom(p, off);
    n->desc = d;
    *out = n;
    /* enumConstantName: a string, new or referred to (ObjectInputStream reads it with
     * readString, so nothing else may stand there; it is not a nested object). */
    size_t noff = p->r.off;
    uint8_t tc;
    if ((rc = rd_u8(p, &tc, "an enum constant")))
        return rc;
    if (tc == MWI_TC_STRING || tc == MWI_TC_LONGSTRING)
        return parse_string(p, tc, noff, &n->u.en.name);
    if (tc == MWI_TC_REFERENCE && !(rc = rd_handle(p, noff, &n->u.en.name)) &&
        n->u.en.name->kind == MWI_JN_STRING)
        return 0;
    return rc ? rc : fail(p, MW_EPROTO, noff, "an enum constant's name must be a string");
}

static int parse_object(mwi_jparser *p, uint32_t depth, mwi_jnode **out)
{
    size_t off = p->r.off;
    if (depth > p->max_depth)
        return fail(p, MW_EDEPTH, off, "nesting deeper than %u", p->max_depth);
    uint8_t tc;
    int rc = rd_u8(p, &tc, "an object");
    if (rc)
        return rc;
    *out = NULL;
    switch (tc) {
    case MWI_TC_NULL:
        return 0;
    case MWI_TC_REFERENCE:
        return rd_handle(p, off, out);
    case MWI_TC_OBJECT:
        return parse_new_object(p, off, depth, out);
    case MWI_TC_STRING: case MWI_TC_LONGSTRING:
        return parse_string(p, tc, off, out);
    case MWI_TC_ARRAY:
        return parse_array(p, off, depth, out);
    case MWI_TC_ENUM:
        return parse_enum(p, off, depth, out);
    case MWI_TC_CLASS: {
        mwi_jdesc *d;
        mwi_jnode *n;
        if ((rc = parse_classdesc(p, depth, 1, &d)))
            return rc;
        if (!(n = new_node(p, MWI_JN_CLASS, off)) || (rc = new_handle(p, n)))
            return rc ? rc : oom(p, off);
        n->desc = d;
        *out = n;
        return 0;
    }
    case MWI_TC_CLASSDESC: case MWI_TC_PROXYCLASSDESC: {
        mwi_jdesc *d;
        p->r.off = off;
        if ((rc = parse_classdesc(p, depth, 1, &d)))
            return rc;
        /* The descriptor's node is the handle just assigned to it. */
        for (size_t i = p->nhandles; i-- > 0;)
            if (p->handles[i]->kind == MWI_JN_DESC && p->handles[i]->desc == d) {
                *out = p->handles[i];
                break;
            }
        return 0;
    }
    case MWI_TC_RESET:
        /* ObjectInputStream: "unexpected reset; recursion depth". */
        return fail(p, MW_EPROTO, off, "TC_RESET inside an object");
    case MWI_TC_EXCEPTION:
        return fail(p, MW_EPROTO, off, "the writer failed (TC_EXCEPTION)");
    case MWI_TC_BLOCKDATA: case MWI_TC_BLOCKDATALONG:
        return fail(p, MW_EPROTO, off, "block data where an object was expected");
    case MWI_TC_ENDBLOCKDATA:
        return fail(p, MW_EPROTO, off, "TC_ENDBLOCKDATA where an object was expected");
    default:
        return fail(p, MW_EPROTO, off, "unknown type code 0x%02X", tc);
    }
}

int mwi_jparse(mwi_jparser *p, const uint8_t *data, size_t len, uint32_t max_depth,
               mw_marshal_error *err, mwi_jnode **root)
{
    memset(p, 0, sizeof *p);
    p->err = err;
    p->max_depth = max_depth;
    mw_reader_init(&p->r, data, len);
    /* The graph is at most a small multiple of the input (the largest node per input
     * byte is an empty string's: 3 bytes for a node and a handle). */
    size_t limit;
    if (!mwi_mul_size(len, 48, &limit) || !mwi_add_size(limit, 65536, &limit))
        limit = SIZE_MAX;
    if (mw_arena_create(&p->arena, limit))
        return fail(p, MW_ENOMEM, 0, "out of memory");
    uint16_t magic, version;
    int rc;
    if ((rc = rd_u16(p, &magic, "the stream header")))
        return rc;
    if (magic != MWI_JAVA_MAGIC)
        return fail(p, MW_EPROTO, 0, "not a Java serialization stream (magic 0x%04X)", magic);
    if ((rc = rd_u16(p, &version, "the stream header")))
        return rc;
    if (version != MWI_JAVA_VERSION)
        return fail(p, MW_EPROTO, 2, "stream version %u, not 5", version);
    uint8_t tc;
    while (!(rc = peek(p, &tc, "the stream")) && tc == MWI_TC_RESET) {
        p->r.off++;
        p->nhandles = 0;
    }
    if (rc || (rc = parse_object(p, 1, root)))
        return rc;
    if (mw_reader_remaining(&p->r))
        return fail(p, MW_EPROTO, p->r.off, "%zu bytes after the object",
                    mw_reader_remaining(&p->r));
    return 0;
}

void mwi_jparser_free(mwi_jparser *p)
{
    mw_arena_destroy(p->arena);
    free(p->handles);
    mw_buf_free(&p->text);
    memset(p, 0, sizeof *p);
}

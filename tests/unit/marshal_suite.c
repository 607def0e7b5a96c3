/* marshal_suite.c - random values and the checks every codec must pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "marshal/marshal_impl.h"
#include "marshal_suite.h"

/* ---- random values ------------------------------------------------------------------ */

static void gen(const mw_type *t, void *dst, mw_rng *r, mw_arena *a, unsigned flags, int depth);

static char *random_string(mw_rng *r, mw_arena *a, uint32_t bound)
{
    /* Up to 12 characters drawn from ASCII and 2-, 3- and 4-byte UTF-8 sequences, so
     * codecs that transcode (Java's modified UTF-8) are exercised. */
    static const char *const pieces[] = {"a", "Z", "0", " ", "<", "&", "\"", "\\", "/",
                                         "\xc3\xa9", "\xc2\xa3", "\xe2\x82\xac",
                                         "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\x7f", "\t"};
    size_t chars = mw_rng_below(r, 13);
    char *s = mw_arena_alloc(a, chars * 4 + 1, 1);
    size_t n = 0;
    for (size_t i = 0; i < chars; i++) {
        const char *p = pieces[mw_rng_below(r, sizeof pieces / sizeof *pieces)];
        size_t k = strlen(p);
        if (bound && n + k > bound)
            break;
        memcpy(s + n, p, k);
        n += k;
    }
    s[n] = '\0';
    return s;
}

static double random_double(mw_rng *r, unsigned flags)
{
    switch (mw_rng_below(r, 6)) {
    case 0: return 0.0;
    case 1: return -0.0;
    case 2: return (double)(int32_t)mw_rng_next(r);
    case 3: return mw_rng_unit(r) * 1e300;
    default: {
        uint64_t bits = mw_rng_next(r);
        double d;
        memcpy(&d, &bits, sizeof d);
        if ((flags & SUITE_FINITE) && (d != d || d - d != 0))
            return 1.5;
        /* Any NaN travels, but codecs need not keep a NaN's payload bits; use the one
         * quiet NaN so comparisons stay bitwise. */
        if (d != d)
            return __builtin_nan("");
        return d;
    }
    }
}

static const mw_type seq_long_t = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                   .align = _Alignof(mw_seq), .u.seq = {&mw_t_long, 0}};

static void gen_any(mw_any *any, mw_rng *r, mw_arena *a, unsigned flags, int depth)
{
    static const mw_type *const choices[] = {NULL,        &mw_t_long,  &mw_t_string,
                                             &mw_t_double, &seq_long_t, &mw_t_person};
    const mw_type *t = choices[mw_rng_below(r, 6)];
    any->type = t;
    any->value = NULL;
    if (t) {
        any->value = mw_arena_calloc(a, 1, t->size);
        gen(t, any->value, r, a, flags, depth + 1);
    }
}

static void gen(const mw_type *t, void *dst, mw_rng *r, mw_arena *a, unsigned flags, int depth)
{
    const mw_type *rt = mw_type_resolve(t);
    switch (rt->kind) {
    case MW_K_VOID: break;
    case MW_K_BOOLEAN: *(bool *)dst = mw_rng_below(r, 2); break;
    case MW_K_OCTET: *(uint8_t *)dst = (uint8_t)mw_rng_next(r); break;
    case MW_K_CHAR: *(char *)dst = (char)(0x20 + mw_rng_below(r, 0x5f)); break;
    case MW_K_SHORT: *(int16_t *)dst = (int16_t)mw_rng_next(r); break;
    case MW_K_USHORT: *(uint16_t *)dst = (uint16_t)mw_rng_next(r); break;
    case MW_K_LONG: *(int32_t *)dst = (int32_t)mw_rng_next(r); break;
    case MW_K_ULONG: *(uint32_t *)dst = (uint32_t)mw_rng_next(r); break;
    case MW_K_LONGLONG:
        *(int64_t *)dst = mw_rng_below(r, 4) ? (int64_t)mw_rng_next(r)
                                             : (mw_rng_below(r, 2) ? INT64_MIN : INT64_MAX);
        break;
    case MW_K_ULONGLONG:
        *(uint64_t *)dst = mw_rng_below(r, 4) ? mw_rng_next(r) : UINT64_MAX;
        break;
    case MW_K_FLOAT: {
        /* Build floats from their own bits so no double-to-float overflow makes an
         * infinity the flags forbid. */
        uint32_t bits = (uint32_t)mw_rng_next(r);
        float f;
        memcpy(&f, &bits, sizeof f);
        if (f != f)
            f = (flags & SUITE_FINITE) ? 0.5f : __builtin_nanf("");
        else if ((flags & SUITE_FINITE) && f - f != 0)
            f = -2.25f;
        *(float *)dst = f;
        break;
    }
    case MW_K_DOUBLE: *(double *)dst = random_double(r, flags); break;
    case MW_K_STRING: *(char **)dst = random_string(r, a, rt->u.seq.bound); break;
    case MW_K_ENUM:
        *(int32_t *)dst = rt->u.en.items[mw_rng_below(r, rt->u.en.count)].value;
        break;
    case MW_K_STRUCT:
        for (uint32_t i = 0; i < rt->u.st.count; i++)
            gen(rt->u.st.fields[i].type, (char *)dst + rt->u.st.fields[i].offset, r, a, flags,
                depth + 1);
        break;
    case MW_K_ARRAY:
        for (uint32_t i = 0; i < rt->u.arr.count; i++)
            gen(rt->u.arr.elem, (char *)dst + i * rt->u.arr.elem->size, r, a, flags, depth + 1);
        break;
    case MW_K_SEQUENCE: {
        mw_seq *s = dst;
        uint32_t max = depth > 4 ? 1 : 6;
        if (rt->u.seq.bound && rt->u.seq.bound < max)
            max = rt->u.seq.bound;
        s->len = (uint32_t)mw_rng_below(r, max + 1);
        s->data = mw_arena_calloc(a, s->len ? s->len : 1, rt->u.seq.elem->size);
        for (uint32_t i = 0; i < s->len; i++)
            gen(rt->u.seq.elem, (char *)s->data + i * rt->u.seq.elem->size, r, a, flags,
                depth + 1);
        break;
    }
    case MW_K_UNION: {
        /* Pick a case, or a discriminator value no case names (the default case). */
        const mw_type *d = mw_type_resolve(rt->u.un.disc);
        const mw_case *c = &rt->u.un.cases[mw_rng_below(r, rt->u.un.count)];
        int64_t label = c->label;
        if (c->is_default) {
            if (d->kind == MW_K_ENUM) {
                for (uint32_t i = 0; i < d->u.en.count; i++) {
                    label = d->u.en.items[i].value;
                    if (mwi_union_case(rt, label) == c)
                        break;
                }
            } else {
                for (label = 0; mwi_union_case(rt, label) != c; label++) {
                }
            }
        }
        memset(dst, 0, rt->size);
        mwi_store_int(rt->u.un.disc, dst, label);
        const mw_case *sel = mwi_union_case(rt, label);
        if (sel && sel->type)
            gen(sel->type, (char *)dst + rt->u.un.value_offset, r, a, flags, depth + 1);
        break;
    }
    case MW_K_OPTIONAL: {
        void **p = dst;
        *p = NULL;
        if (depth < 6 && mw_rng_below(r, 2)) {
            *p = mw_arena_calloc(a, 1, rt->u.alias.target->size);
            gen(rt->u.alias.target, *p, r, a, flags, depth + 1);
        }
        break;
    }
    case MW_K_ANY: gen_any(dst, r, a, flags, depth); break;
    case MW_K_OBJREF: {
        mw_objref *o = dst;
        memset(o, 0, sizeof *o);
        o->address.family = mw_rng_below(r, 2) ? MW_AF_INET4 : MW_AF_INET6;
        for (int i = 0; i < (o->address.family == MW_AF_INET4 ? 4 : 16); i++)
            o->address.ip[i] = (uint8_t)mw_rng_next(r);
        o->address.port = (uint16_t)mw_rng_next(r);
        o->created_ms = mw_rng_next(r) >> 20;
        o->object_number = (uint32_t)mw_rng_next(r);
        static const char *const ifaces[] = {"HelloApp::Hello", "Shapes::Square", "X"};
        const char *name = ifaces[mw_rng_below(r, 3)];
        o->interface = mw_arena_strndup(a, name, strlen(name));
        break;
    }
    default: break;
    }
}

void suite_random_value(const mw_type *t, void *dst, mw_rng *rng, mw_arena *arena,
                        unsigned flags)
{
    memset(dst, 0, t->size);
    gen(t, dst, rng, arena, flags, 0);
}

/* ---- checks ------------------------------------------------------------------------- */

static unsigned flags_for(const mw_codec *c)
{
    return strcmp(c->name, "json") == 0 ? SUITE_FINITE : 0;
}

/* Encodes one random value; false when the codec refuses the type. */
static bool encode_one(const mw_codec *c, const mw_type *t, mw_rng *r, mw_arena *a,
                       void *value, mw_buf *out)
{
    suite_random_value(t, value, r, a, flags_for(c));
    mw_marshal_error err = {0};
    int rc = c->encode(t, value, out, NULL, &err);
    if (rc == MW_ENOTSUP) {
        printf("  [%s does not support %s: %s]\n", c->name, t->name, err.detail);
        return false;
    }
    if (rc != 0)
        fail_msg("%s encode of %s: %s (%s at %s)", c->name, t->name, mw_strerror(rc),
                 err.detail, err.path);
    return true;
}

bool suite_check_roundtrip(const mw_codec *c, const mw_type *t, unsigned count, uint64_t seed)
{
    mw_rng r;
    mw_rng_seed(&r, seed);
    for (unsigned i = 0; i < count; i++) {
        mw_arena *a, *b;
        assert_int_equal(mw_arena_create(&a, 0), 0);
        assert_int_equal(mw_arena_create(&b, 0), 0);
        void *value = mw_arena_calloc(a, 1, t->size), *back = mw_arena_calloc(a, 1, t->size);
        mw_buf out = {0};
        out.len = 0;
        if (!encode_one(c, t, &r, a, value, &out)) {
            mw_buf_free(&out); /* a refusing codec may have grown it */
            mw_arena_destroy(a);
            mw_arena_destroy(b);
            return false;
        }
        size_t sz = 0;
        assert_int_equal(c->size(t, value, NULL, &sz), 0);
        assert_int_equal(sz, out.len);

        mw_marshal_error err = {0};
        int rc = c->decode(t, out.data, out.len, back, b, NULL, &err);
        if (rc != 0)
            fail_msg("%s decode of %s (value %u): %s (%s at offset %zu path %s)", c->name,
                     t->name, i, mw_strerror(rc), err.detail, err.offset, err.path);
        if (!mw_value_equal(t, value, back))
            fail_msg("%s: %s value %u changed in a round trip", c->name, t->name, i);
        /* What a decoder may allocate is bounded by its input. */
        assert_true(mw_arena_used(b) <= out.len * 16 + 4096);

        /* Re-encoding the decoded value gives the same bytes. */
        mw_buf again = {0};
        assert_int_equal(c->encode(t, back, &again, NULL, NULL), 0);
        assert_int_equal(again.len, out.len);
        assert_memory_equal(again.data, out.data, out.len);
        mw_buf_free(&again);
        mw_buf_free(&out);
        mw_arena_destroy(a);
        mw_arena_destroy(b);
    }
    return true;
}

static bool all_space(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
            return false;
    return true;
}

bool suite_check_truncation(const mw_codec *c, const mw_type *t, unsigned count, uint64_t seed)
{
    mw_rng r;
    mw_rng_seed(&r, seed);
    for (unsigned i = 0; i < count; i++) {
        mw_arena *a;
        assert_int_equal(mw_arena_create(&a, 0), 0);
        void *value = mw_arena_calloc(a, 1, t->size), *back = mw_arena_calloc(a, 1, t->size);
        mw_buf out = {0};
        if (!encode_one(c, t, &r, a, value, &out)) {
            mw_buf_free(&out); /* a refusing codec may have grown it */
            mw_arena_destroy(a);
            return false;
        }
        /* Every strict prefix must be refused (text formats may drop trailing space). */
        for (size_t n = 0; n < out.len; n++) {
            if (!c->binary && all_space(out.data + n, out.len - n))
                break;
            mw_arena *b;
            assert_int_equal(mw_arena_create(&b, 0), 0);
            /* A copy of exactly n bytes, so ASan sees any read past the end. */
            uint8_t *copy = test_malloc(n ? n : 1);
            memcpy(copy, out.data, n);
            mw_marshal_error err = {0};
            int rc = c->decode(t, copy, n, back, b, NULL, &err);
            if (rc == 0)
                fail_msg("%s accepted %s truncated to %zu of %zu bytes", c->name, t->name, n,
                         out.len);
            assert_int_equal(err.code, rc);
            if (c->binary)
                assert_true(err.offset <= n);
            test_free(copy);
            mw_arena_destroy(b);
        }
        mw_buf_free(&out);
        mw_arena_destroy(a);
    }
    return true;
}

bool suite_check_garbage(const mw_codec *c, const mw_type *t, unsigned count, uint64_t seed)
{
    /* Valid encodings with random bytes flipped: decoding may succeed or fail, but must
     * stay within its bounds (ASan, the arena bound) and report a consistent error. */
    mw_rng r;
    mw_rng_seed(&r, seed);
    for (unsigned i = 0; i < count; i++) {
        mw_arena *a;
        assert_int_equal(mw_arena_create(&a, 0), 0);
        void *value = mw_arena_calloc(a, 1, t->size), *back = mw_arena_calloc(a, 1, t->size);
        mw_buf out = {0};
        if (!encode_one(c, t, &r, a, value, &out)) {
            mw_buf_free(&out); /* a refusing codec may have grown it */
            mw_arena_destroy(a);
            return false;
        }
        for (int k = 0; k < 16 && out.len; k++) {
            uint8_t *copy = test_malloc(out.len);
            memcpy(copy, out.data, out.len);
            for (int flips = 1 + (int)mw_rng_below(&r, 3); flips > 0; flips--)
                copy[mw_rng_below(&r, out.len)] = (uint8_t)mw_rng_next(&r);
            mw_arena *b;
            assert_int_equal(mw_arena_create(&b, 0), 0);
            mw_marshal_error err = {0};
            int rc = c->decode(t, copy, out.len, back, b, NULL, &err);
            if (rc != 0)
                assert_int_equal(err.code, rc);
            assert_true(mw_arena_used(b) <= out.len * 16 + 4096);
            test_free(copy);
            mw_arena_destroy(b);
        }
        mw_buf_free(&out);
        mw_arena_destroy(a);
    }
    return true;
}

/* test_marshal_xdr.c - the XDR codec (RFC 4506): golden bytes for Person, PersonRecord and
 * a type using every XDR construct, round trips of random values, what it refuses, and
 * hostile input (truncation, huge lengths, bad values, nesting, bad UTF-8). The same bytes
 * are checked against libtirpc in tests/interop/tirpc/test_xdr_tirpc.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../interop/tirpc/xdr_every.h"
#include "marshal/example_types.h"
#include "marshal/marshal_impl.h"
#include "marshal_suite.h"

/* ---- building expected bytes by hand -------------------------------------------------- */

typedef struct wire {
    uint8_t b[1024];
    size_t n;
} wire;

static void w32(wire *w, uint32_t v)
{
    mw_store_u32be(w->b + w->n, v);
    w->n += 4;
}
static void w64(wire *w, uint64_t v)
{
    mw_store_u64be(w->b + w->n, v);
    w->n += 8;
}
static void wbytes(wire *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
    while (w->n % 4)
        w->b[w->n++] = 0;
}
static void wstr(wire *w, const char *s)
{
    w32(w, (uint32_t)strlen(s));
    wbytes(w, s, strlen(s));
}

/* A mutable copy of a literal, since the type model's strings are char *. The pool is
 * reused from the start when full, far more than one test needs at a time. */
static char *S(const char *s)
{
    static char pool[8192];
    static size_t used;
    size_t n = strlen(s) + 1;
    if (used + n > sizeof pool)
        used = 0;
    char *p = pool + used;
    memcpy(p, s, n);
    used += n;
    return p;
}

/* Encodes with the codec table and checks size == encoded length. */
static void encode_ok(const mw_type *t, const void *v, mw_buf *out)
{
    mw_marshal_error err = {0};
    int rc = mw_codec_xdr.encode(t, v, out, NULL, &err);
    if (rc)
        fail_msg("encode: %s (%s at %s)", mw_strerror(rc), err.detail, err.path);
    size_t sz = 0;
    assert_int_equal(mw_codec_xdr.size(t, v, NULL, &sz), 0);
    assert_int_equal(sz, out->len);
}

/* Decodes and expects code; returns the error for more checks. */
static mw_marshal_error decode_expect(const mw_type *t, const void *data, size_t len, int code)
{
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    void *v = mw_arena_calloc(a, 1, t->size);
    mw_marshal_error err = {0};
    int rc = mw_xdr_decode(t, data, len, v, a, NULL, &err);
    if (rc != code)
        fail_msg("decode gave %s, expected %s (%s at offset %zu, path %s)", mw_errname(rc),
                 mw_errname(code), err.detail, err.offset, err.path);
    if (rc)
        assert_int_equal(err.code, rc);
    mw_arena_destroy(a);
    return err;
}

/* ---- Person and PersonRecord ------------------------------------------------------------ */

static const uint8_t person_xdr[] = {
    0x00, 0x00, 0x00, 0x05, 'S', 'm', 'i', 't', 'h', 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x06, 'L', 'o', 'n', 'd', 'o', 'n', 0x00, 0x00,
    0x00, 0x00, 0x07, 0x8e, /* 1934 */
};

static void person_golden(void **state)
{
    (void)state;
    mw_person p = {S("Smith"), S("London"), 1934};
    mw_buf out = {0};
    encode_ok(&mw_t_person, &p, &out);
    assert_int_equal(out.len, sizeof person_xdr);
    assert_memory_equal(out.data, person_xdr, sizeof person_xdr);

    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_person back;
    assert_int_equal(mw_xdr_decode(&mw_t_person, out.data, out.len, &back, a, NULL, NULL), 0);
    assert_string_equal(back.name, "Smith");
    assert_string_equal(back.place, "London");
    assert_int_equal(back.year, 1934);
    assert_true(mw_value_equal(&mw_t_person, &p, &back));
    mw_arena_destroy(a);
    mw_buf_free(&out);
}

static void person_record_golden(void **state)
{
    (void)state;
    mw_person_record r = {7, S("Smith"), S("London"), 1934};
    wire w = {.n = 0};
    w32(&w, 7);
    wstr(&w, "Smith");
    wstr(&w, "London");
    w32(&w, 1934);
    mw_buf out = {0};
    encode_ok(&mw_t_person_record, &r, &out);
    assert_int_equal(out.len, w.n);
    assert_memory_equal(out.data, w.b, w.n);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_person_record back;
    assert_int_equal(mw_xdr_decode(&mw_t_person_record, w.b, w.n, &back, a, NULL, NULL), 0);
    assert_true(mw_value_equal(&mw_t_person_record, &r, &back));
    mw_arena_destroy(a);
    mw_buf_free(&out);
}

static void codec_registered(void **state)
{
    (void)state;
    assert_ptr_equal(mw_codec_find("xdr"), &mw_codec_xdr);
    assert_true(mw_codec_xdr.binary);
    assert_ptr_equal(mw_codec_xdr.encode, mw_xdr_encode);
    assert_ptr_equal(mw_codec_xdr.decode, mw_xdr_decode);
    assert_int_equal(mw_type_check(&ev_t_every), 0);
}

static void null_string_is_empty(void **state)
{
    (void)state;
    mw_person p = {NULL, S(""), 0};
    mw_buf out = {0};
    encode_ok(&mw_t_person, &p, &out);
    assert_int_equal(out.len, 12);
    static const uint8_t zeros[12] = {0};
    assert_memory_equal(out.data, zeros, 12);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_person back;
    assert_int_equal(mw_xdr_decode(&mw_t_person, out.data, out.len, &back, a, NULL, NULL), 0);
    assert_non_null(back.name); /* decoded strings are never NULL */
    assert_string_equal(back.name, "");
    mw_arena_destroy(a);
    mw_buf_free(&out);
}

/* ---- the every-construct type ----------------------------------------------------------- */

static ev_inner golden_maybe = {7, 8};
static uint8_t golden_var[] = {9, 8, 7};
static double golden_samples[] = {0.5, 1e10};
static ev_inner golden_inners[] = {{1, 2}, {3, 4}};
static bool golden_flags[] = {true, false, true};

static void golden_value(ev_every *v)
{
    memset(v, 0, sizeof *v);
    v->i = -2;
    v->u = 0xdeadbeefu;
    v->mode = EV_MODE_STOP;
    v->flag = true;
    v->h = -3;
    v->uh = 0x0102030405060708u;
    v->f = 1.5f;
    v->d = -2.25;
    memcpy(v->fixed, "\x01\x02\x03\x04\x05", 5);
    v->var = (mw_seq){3, golden_var};
    v->name = S("Ann");
    v->fixed_arr[0] = 1;
    v->fixed_arr[1] = -1;
    v->fixed_arr[2] = 2;
    v->samples = (mw_seq){2, golden_samples};
    v->inners = (mw_seq){2, golden_inners};
    v->inner = (ev_inner){-5, 6};
    v->choice.kind = 2;
    v->choice.u.text = S("hi");
    v->maybe = &golden_maybe;
    v->sh = -300;
    v->ush = 65000;
    v->oc = 200;
    v->ch = 'x';
    v->modes[0] = EV_MODE_IDLE;
    v->modes[1] = EV_MODE_RUN;
    v->flags = (mw_seq){3, golden_flags};
    assert_int_equal(mw_addr_parse(&v->ref.address, "10.0.0.1:7896", -1), 0);
    v->ref.created_ms = 1732190000123u;
    v->ref.object_number = 42;
    v->ref.interface = S("HelloApp::Hello");
}

/* Offsets of some items in the golden encoding, for hostile edits. */
static struct {
    size_t mode, flag, var, name, inners, choice, maybe, sh, oc, flags, ref, ref_port;
} at;

/* The golden bytes, written item by item from RFC 4506's rules. */
static void golden_wire(wire *w)
{
    w->n = 0;
    w32(w, (uint32_t)-2);
    w32(w, 0xdeadbeefu);
    at.mode = w->n;
    w32(w, 1000000);
    at.flag = w->n;
    w32(w, 1);
    w64(w, (uint64_t)-3);
    w64(w, 0x0102030405060708u);
    w32(w, 0x3fc00000u);          /* 1.5f */
    w64(w, 0xc002000000000000u);  /* -2.25 */
    wbytes(w, "\x01\x02\x03\x04\x05", 5); /* opaque[5]: 5 bytes and 3 of padding */
    at.var = w->n;
    w32(w, 3);
    wbytes(w, "\x09\x08\x07", 3);
    at.name = w->n;
    wstr(w, "Ann");
    w32(w, 1);
    w32(w, (uint32_t)-1);
    w32(w, 2);
    w32(w, 2);
    w64(w, 0x3fe0000000000000u); /* 0.5 */
    w64(w, 0x4202a05f20000000u); /* 1e10 */
    at.inners = w->n;
    w32(w, 2);
    w32(w, 1);
    w32(w, 2);
    w32(w, 3);
    w32(w, 4);
    w32(w, (uint32_t)-5);
    w32(w, 6);
    at.choice = w->n;
    w32(w, 2);
    wstr(w, "hi");
    at.maybe = w->n;
    w32(w, 1);
    w32(w, 7);
    w32(w, 8);
    at.sh = w->n;
    w32(w, (uint32_t)-300);
    w32(w, 65000);
    at.oc = w->n;
    w32(w, 200);
    w32(w, 'x');
    w32(w, (uint32_t)-1);
    w32(w, 7);
    at.flags = w->n;
    w32(w, 3);
    w32(w, 1);
    w32(w, 0);
    w32(w, 1);
    at.ref = w->n;
    w32(w, 4); /* family */
    w32(w, 4); /* address<16>: 4 bytes */
    wbytes(w, "\x0a\x00\x00\x01", 4);
    at.ref_port = w->n;
    w32(w, 7896);
    w64(w, 1732190000123u);
    w32(w, 42);
    wstr(w, "HelloApp::Hello");
}

static void every_golden(void **state)
{
    (void)state;
    ev_every v, back;
    golden_value(&v);
    wire w;
    golden_wire(&w);
    mw_buf out = {0};
    encode_ok(&ev_t_every, &v, &out);
    assert_int_equal(out.len, w.n);
    assert_memory_equal(out.data, w.b, w.n);

    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    assert_int_equal(mw_xdr_decode(&ev_t_every, w.b, w.n, &back, a, NULL, NULL), 0);
    assert_true(mw_value_equal(&ev_t_every, &v, &back));
    assert_string_equal(back.choice.u.text, "hi");
    assert_int_equal(back.maybe->b, 8);
    mw_arena_destroy(a);
    mw_buf_free(&out);
}

static void every_union_arms(void **state)
{
    (void)state;
    ev_every v;
    golden_value(&v);
    struct {
        int32_t kind;
        size_t arm_bytes;
    } arms[] = {{1, 4}, {2, 8}, {3, 0}, {4, 8}, {-77, 8}, {0, 8}};
    for (size_t i = 0; i < sizeof arms / sizeof *arms; i++) {
        memset(&v.choice, 0, sizeof v.choice);
        v.choice.kind = arms[i].kind;
        if (arms[i].kind == 1)
            v.choice.u.number = -9;
        else if (arms[i].kind == 2)
            v.choice.u.text = S("yo");
        else if (arms[i].kind == 4)
            v.choice.u.inner = (ev_inner){10, 11};
        else if (arms[i].kind != 3)
            v.choice.u.other = INT64_MIN;
        v.maybe = i % 2 ? NULL : &golden_maybe;
        mw_buf out = {0};
        encode_ok(&ev_t_every, &v, &out);
        wire w;
        golden_wire(&w);
        /* Bytes up to the union are unchanged; the discriminant, then the arm. */
        assert_memory_equal(out.data, w.b, at.choice);
        assert_int_equal(mw_load_u32be(out.data + at.choice), (uint32_t)arms[i].kind);
        size_t after = at.choice + 4 + arms[i].arm_bytes;
        assert_int_equal(mw_load_u32be(out.data + after), v.maybe ? 1 : 0);

        mw_arena *a;
        assert_int_equal(mw_arena_create(&a, 0), 0);
        ev_every back;
        assert_int_equal(mw_xdr_decode(&ev_t_every, out.data, out.len, &back, a, NULL, NULL),
                         0);
        assert_true(mw_value_equal(&ev_t_every, &v, &back));
        mw_arena_destroy(a);
        mw_buf_free(&out);
    }
}

static void floats_bitwise(void **state)
{
    (void)state;
    ev_every v, back;
    golden_value(&v);
    uint32_t fbits = 0x7fc12345u; /* a NaN with a payload */
    uint64_t dbits = 0x8000000000000000u; /* -0.0 */
    memcpy(&v.f, &fbits, 4);
    memcpy(&v.d, &dbits, 8);
    mw_buf out = {0};
    encode_ok(&ev_t_every, &v, &out);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    assert_int_equal(mw_xdr_decode(&ev_t_every, out.data, out.len, &back, a, NULL, NULL), 0);
    assert_memory_equal(&back.f, &fbits, 4);
    assert_memory_equal(&back.d, &dbits, 8);
    mw_arena_destroy(a);
    mw_buf_free(&out);
}

static void random_roundtrips(void **state)
{
    (void)state;
    /* Random values round-trip, size agrees, re-encoding is identical, every prefix is
     * refused, corrupted input stays in bounds. */
    const mw_type *types[] = {&ev_t_every, &mw_t_person, &mw_t_person_record, &mwi_t_basics,
                              &mwi_t_reading, &ev_t_choice};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        assert_true(suite_check_roundtrip(&mw_codec_xdr, types[i], 2000, 0x78647231 + i));
        assert_true(suite_check_truncation(&mw_codec_xdr, types[i], 10, 0x78647232 + i));
        assert_true(suite_check_garbage(&mw_codec_xdr, types[i], 300, 0x78647233 + i));
    }
}

/* ---- objref ------------------------------------------------------------------------------ */

typedef struct holder {
    mw_objref ref;
} holder;
static const mw_field holder_fields[] = {{"ref", &mw_t_objref, offsetof(holder, ref), 0}};
static const mw_type holder_t = {.kind = MW_K_STRUCT, .name = "Holder", .size = sizeof(holder),
                                 .align = alignof(holder), .u.st = {holder_fields, 1}};

static void objref_layout(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_addr addr;
    assert_int_equal(mw_addr_parse(&addr, "[2001:db8::7]:4242", -1), 0);
    holder h, back;
    assert_int_equal(mw_objref_make(&h.ref, &addr, "Shapes::Square", a), 0);
    mw_buf out = {0};
    encode_ok(&holder_t, &h, &out);
    wire w = {.n = 0};
    w32(&w, 6);
    w32(&w, 16);
    wbytes(&w, addr.ip, 16);
    w32(&w, 4242);
    w64(&w, h.ref.created_ms);
    w32(&w, h.ref.object_number);
    wstr(&w, "Shapes::Square");
    assert_int_equal(out.len, w.n);
    assert_memory_equal(out.data, w.b, w.n);
    assert_int_equal(mw_xdr_decode(&holder_t, out.data, out.len, &back, a, NULL, NULL), 0);
    assert_true(mw_objref_equal(&h.ref, &back.ref));

    /* An unset reference (family 0) has no address bytes. */
    memset(&h, 0, sizeof h);
    mw_buf_reset(&out);
    encode_ok(&holder_t, &h, &out);
    assert_int_equal(out.len, 4 + 4 + 4 + 8 + 4 + 4);
    assert_int_equal(mw_xdr_decode(&holder_t, out.data, out.len, &back, a, NULL, NULL), 0);
    assert_true(mw_objref_equal(&h.ref, &back.ref));

    /* Hostile: unknown family, address length not matching the family, port > 65535. */
    wire bad;
    golden_wire(&bad);
    mw_marshal_error err;
    mw_store_u32be(bad.b + at.ref, 5);
    err = decode_expect(&ev_t_every, bad.b, bad.n, MW_EPROTO);
    assert_string_equal(err.path, "ref.family");
    golden_wire(&bad);
    mw_store_u32be(bad.b + at.ref + 4, 16);
    err = decode_expect(&ev_t_every, bad.b, bad.n, MW_EPROTO);
    assert_string_equal(err.path, "ref.address");
    assert_int_equal(err.offset, at.ref + 4);
    golden_wire(&bad);
    mw_store_u32be(bad.b + at.ref_port, 65536);
    err = decode_expect(&ev_t_every, bad.b, bad.n, MW_ERANGE);
    assert_string_equal(err.path, "ref.port");
    assert_int_equal(err.offset, at.ref_port);

    mw_buf_free(&out);
    mw_arena_destroy(a);
}

/* ---- refusals ---------------------------------------------------------------------------- */

static void showcase_refused(void **state)
{
    (void)state;
    /* XDR has no any, and an empty any is still an any: Showcase is refused as a whole,
     * with the member named, and the output left as it was. */
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_rng r;
    mw_rng_seed(&r, 99);
    mw_ex_showcase s;
    suite_random_value(&mwi_t_showcase, &s, &r, a, 0);
    for (int empty = 0; empty < 2; empty++) {
        if (empty)
            s.extra = (mw_any){NULL, NULL};
        mw_buf out = {0};
        assert_int_equal(mw_buf_append(&out, "abc", 3), 0);
        mw_marshal_error err = {0};
        assert_int_equal(mw_xdr_encode(&mwi_t_showcase, &s, &out, NULL, &err), MW_ENOTSUP);
        assert_int_equal(err.code, MW_ENOTSUP);
        assert_string_equal(err.path, "extra");
        assert_non_null(strstr(err.detail, "any"));
        assert_int_equal(out.len, 3);
        size_t sz;
        assert_int_equal(mw_codec_xdr.size(&mwi_t_showcase, &s, NULL, &sz), MW_ENOTSUP);
        mw_buf_free(&out);
    }
    /* Decoding meets the any after the members before it. */
    typedef struct {
        int32_t x;
        mw_any a;
    } with_any;
    static const mw_field fields[] = {{"x", &mw_t_long, offsetof(with_any, x), 0},
                                      {"a", &mw_t_any, offsetof(with_any, a), 0}};
    static const mw_type with_any_t = {.kind = MW_K_STRUCT, .name = "WithAny",
                                       .size = sizeof(with_any), .align = alignof(with_any),
                                       .u.st = {fields, 2}};
    static const uint8_t in[] = {0, 0, 0, 1, 0, 0, 0, 0};
    mw_marshal_error err = decode_expect(&with_any_t, in, sizeof in, MW_ENOTSUP);
    assert_string_equal(err.path, "a");
    assert_int_equal(err.offset, 4);
    mw_arena_destroy(a);
}

/* union switch (long long): legal IDL, but XDR discriminants are 32-bit. */
typedef struct wide_union {
    int64_t d;
    int32_t v;
} wide_union;
static const mw_case wide_cases[] = {{"v", &mw_t_long, 1, false}};
static const mw_type wide_t = {.kind = MW_K_UNION, .name = "Wide", .size = sizeof(wide_union),
                               .align = alignof(wide_union),
                               .u.un = {&mw_t_longlong, offsetof(wide_union, v), wide_cases,
                                        1}};

/* union switch (unsigned int) { case 1: int v; case 2: void; }: no default. */
typedef struct strict_union {
    uint32_t d;
    int32_t v;
} strict_union;
static const mw_case strict_cases[] = {{"v", &mw_t_long, 1, false}, {NULL, NULL, 2, false}};
static const mw_type strict_t = {.kind = MW_K_UNION, .name = "Strict",
                                 .size = sizeof(strict_union), .align = alignof(strict_union),
                                 .u.un = {&mw_t_ulong, offsetof(strict_union, v), strict_cases,
                                          2}};

static void encode_refusals(void **state)
{
    (void)state;
    mw_buf out = {0};
    mw_marshal_error err;
    ev_every v;
    size_t sz;
    assert_int_equal(mw_buf_append(&out, "xy", 2), 0);
#define REFUSE(type, value, code, where)                                                   \
    do {                                                                                   \
        memset(&err, 0, sizeof err);                                                       \
        assert_int_equal(mw_xdr_encode(type, value, &out, NULL, &err), code);              \
        assert_int_equal(out.len, 2);                                                      \
        assert_string_equal(err.path, where);                                              \
        assert_int_equal(mw_codec_xdr.size(type, value, NULL, &sz), code);                 \
    } while (0)

    golden_value(&v);
    v.name = S("01234567890123456789012345678901234567890123456789012345678901234"); /* 65 */
    REFUSE(&ev_t_every, &v, MW_EINVAL, "name");
    golden_value(&v);
    v.name = S("bad \xff byte");
    REFUSE(&ev_t_every, &v, MW_EUTF, "name");
    golden_value(&v);
    v.mode = 3;
    REFUSE(&ev_t_every, &v, MW_EINVAL, "mode");
    golden_value(&v);
    v.modes[1] = 8;
    REFUSE(&ev_t_every, &v, MW_EINVAL, "modes[1]");
    golden_value(&v);
    v.var.len = 33;
    REFUSE(&ev_t_every, &v, MW_EINVAL, "var");
    golden_value(&v);
    v.choice.u.text = S("seventeen bytes!!");
    REFUSE(&ev_t_every, &v, MW_EINVAL, "choice.text");
    golden_value(&v);
    v.ref.address.family = 9;
    REFUSE(&ev_t_every, &v, MW_EINVAL, "ref.address");
    golden_value(&v);
    static ev_inner four[5];
    v.inners = (mw_seq){5, four};
    REFUSE(&ev_t_every, &v, MW_EINVAL, "inners");

    wide_union wu = {1, 5};
    REFUSE(&wide_t, &wu, MW_ENOTSUP, "");
    strict_union su = {3, 0};
    REFUSE(&strict_t, &su, MW_EINVAL, "");
    su.d = 2;
    mw_buf_reset(&out);
    encode_ok(&strict_t, &su, &out); /* the void arm: the discriminant alone */
    assert_int_equal(out.len, 4);
#undef REFUSE
    mw_buf_free(&out);
}

/* ---- hostile input ----------------------------------------------------------------------- */

static void every_truncation(void **state)
{
    (void)state;
    wire w;
    golden_wire(&w);
    for (size_t n = 0; n < w.n; n++) {
        uint8_t *copy = test_malloc(n ? n : 1);
        memcpy(copy, w.b, n);
        mw_marshal_error err = decode_expect(&ev_t_every, copy, n, MW_ETRUNCATED);
        assert_true(err.offset <= n);
        assert_true(err.path[0] != '\0');
        test_free(copy);
    }
    /* Precisely: the input ends inside the string of the union's arm. */
    mw_marshal_error err = decode_expect(&ev_t_every, w.b, at.choice + 9, MW_ETRUNCATED);
    assert_string_equal(err.path, "choice.text");
    assert_int_equal(err.offset, at.choice + 4);
    err = decode_expect(&ev_t_every, w.b, at.choice - 2, MW_ETRUNCATED);
    assert_string_equal(err.path, "inner.b");
    assert_int_equal(err.offset, at.choice - 4);
    /* A sequence whose elements cannot all fit is refused at its count. */
    err = decode_expect(&ev_t_every, w.b, at.inners + 4 + 12, MW_ETRUNCATED);
    assert_string_equal(err.path, "inners");
    assert_int_equal(err.offset, at.inners);
}

static void huge_lengths(void **state)
{
    (void)state;
    /* A string claiming 4 GB, in a 28-byte Person: refused before any allocation. */
    uint8_t in[sizeof person_xdr];
    memcpy(in, person_xdr, sizeof in);
    mw_store_u32be(in, 0xfffffffcu);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_person p;
    mw_marshal_error err = {0};
    assert_int_equal(mw_xdr_decode(&mw_t_person, in, sizeof in, &p, a, NULL, &err),
                     MW_ETRUNCATED);
    assert_int_equal(err.offset, 0);
    assert_string_equal(err.path, "name");
    assert_int_equal(mw_arena_used(a), 0);
    assert_int_equal(mw_arena_limit(a), 0); /* the decoder's bound is lifted again */

    /* A sequence of 2^31 doubles and one of 2^30 structs: the same. */
    wire w;
    golden_wire(&w);
    size_t samples = at.name + 8 + 12;
    mw_store_u32be(w.b + samples, 0x80000000u);
    ev_every v;
    assert_int_equal(mw_xdr_decode(&ev_t_every, w.b, w.n, &v, a, NULL, &err), MW_ETRUNCATED);
    assert_string_equal(err.path, "samples");
    assert_int_equal(err.offset, samples);
    golden_wire(&w);
    mw_store_u32be(w.b + at.flags, 0x40000000u);
    assert_int_equal(mw_xdr_decode(&ev_t_every, w.b, w.n, &v, a, NULL, &err), MW_ETRUNCATED);
    assert_string_equal(err.path, "flags");
    /* Two partial decodes of a few hundred bytes took about that much, not gigabytes. */
    assert_true(mw_arena_used(a) < 4 * w.n);

    /* Over the bound, even when the input could hold it. */
    golden_wire(&w);
    mw_store_u32be(w.b + at.inners, 5);
    err = decode_expect(&ev_t_every, w.b, w.n, MW_EPROTO);
    assert_string_equal(err.path, "inners");
    golden_wire(&w);
    mw_store_u32be(w.b + at.var, 33);
    err = decode_expect(&ev_t_every, w.b, w.n, MW_EPROTO);
    assert_string_equal(err.path, "var");
    golden_wire(&w);
    mw_store_u32be(w.b + at.name, 65);
    err = decode_expect(&ev_t_every, w.b, w.n, MW_EPROTO);
    assert_string_equal(err.path, "name");
    assert_int_equal(err.offset, at.name);
    mw_arena_destroy(a);
}

static void bad_values(void **state)
{
    (void)state;
    wire w;
    mw_marshal_error err;
    struct {
        size_t *off; /* item to overwrite */
        size_t delta;
        uint32_t value;
        int code;
        const char *path;
    } cases[] = {
        {&at.flag, 0, 2, MW_EPROTO, "flag"},                /* bool is 0 or 1 */
        {&at.mode, 0, 5, MW_EPROTO, "mode"},                /* not an enumerator */
        {&at.maybe, 0, 2, MW_EPROTO, "maybe"},              /* optional flag */
        {&at.flags, 8, 0xffffffffu, MW_EPROTO, "flags[1]"}, /* bool in an array */
        {&at.sh, 0, 32768, MW_ERANGE, "sh"},                /* short */
        {&at.sh, 0, 0xffff7fffu, MW_ERANGE, "sh"},          /* -32769 */
        {&at.sh, 4, 65536, MW_ERANGE, "ush"},
        {&at.oc, 0, 256, MW_ERANGE, "oc"},
        {&at.oc, 4, 0xffffff80u, MW_ERANGE, "ch"},
        {&at.name, 4, 0x416e6e01u, MW_EPROTO, "name"},   /* non-zero padding */
        {&at.var, 4, 0x09080701u, MW_EPROTO, "var"},     /* the same in opaque */
        {&at.name, 4, 0x41006e00u, MW_EPROTO, "name"},   /* NUL inside a string */
        {&at.name, 4, 0x41ff6e00u, MW_EUTF, "name"},     /* invalid UTF-8 */
        {&at.choice, 8, 0x68ff0000u, MW_EUTF, "choice.text"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        golden_wire(&w);
        size_t off = *cases[i].off + cases[i].delta;
        mw_store_u32be(w.b + off, cases[i].value);
        err = decode_expect(&ev_t_every, w.b, w.n, cases[i].code);
        assert_string_equal(err.path, cases[i].path);
        assert_true(err.offset >= off && err.offset < off + 4);
    }
    /* The bad UTF-8 byte and the NUL are pinpointed. */
    golden_wire(&w);
    mw_store_u32be(w.b + at.name + 4, 0x41ff6e00u);
    err = decode_expect(&ev_t_every, w.b, w.n, MW_EUTF);
    assert_int_equal(err.offset, at.name + 5);

    /* Trailing bytes. */
    golden_wire(&w);
    w32(&w, 0);
    err = decode_expect(&ev_t_every, w.b, w.n, MW_EPROTO);
    assert_int_equal(err.offset, w.n - 4);

    /* A discriminant with no arm and no default. */
    static const uint8_t strict_in[] = {0, 0, 0, 3};
    err = decode_expect(&strict_t, strict_in, 4, MW_EPROTO);
    assert_int_equal(err.offset, 0);
    static const uint8_t strict_void[] = {0, 0, 0, 2};
    decode_expect(&strict_t, strict_void, 4, 0);
    static const uint8_t wide_in[] = {0, 0, 0, 1, 0, 0, 0, 5};
    decode_expect(&wide_t, wide_in, 8, MW_ENOTSUP);
}

/* struct Crowd { Person people<>; } */
static const mw_type seq_person_t = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                     .align = alignof(mw_seq), .u.seq = {&mw_t_person, 0}};
static const mw_field crowd_fields[] = {{"people", &seq_person_t, 0, 0}};
static const mw_type crowd_t = {.kind = MW_K_STRUCT, .name = "Crowd", .size = sizeof(mw_seq),
                                .align = alignof(mw_seq), .u.st = {crowd_fields, 1}};

static void error_paths(void **state)
{
    (void)state;
    mw_person people[3] = {{S("A"), S("B"), 1}, {S("C"), S("D"), 2}, {S("Eve"), S("F"), 3}};
    mw_seq crowd = {3, people};
    mw_buf out = {0};
    encode_ok(&crowd_t, &crowd, &out);
    /* people[2].name is at 4 + 2 * (8 + 8 + 4) */
    size_t name2 = 4 + 2 * 20;
    assert_int_equal(mw_load_u32be(out.data + name2), 3);
    out.data[name2 + 5] = 0xc0; /* an overlong lead byte */
    mw_marshal_error err = decode_expect(&crowd_t, out.data, out.len, MW_EUTF);
    assert_string_equal(err.path, "people[2].name");
    assert_int_equal(err.offset, name2 + 5);
    mw_buf_free(&out);
}

/* struct Node { long value; Node *next; }: a list, nested two levels per node. */
typedef struct node {
    int32_t value;
    struct node *next;
} node;
static const mw_type node_t;
static const mw_type node_ptr_t = {.kind = MW_K_OPTIONAL, .size = sizeof(node *),
                                   .align = alignof(node *), .u.alias = {&node_t}};
static const mw_field node_fields[] = {{"value", &mw_t_long, offsetof(node, value), 0},
                                       {"next", &node_ptr_t, offsetof(node, next), 0}};
static const mw_type node_t = {.kind = MW_K_STRUCT, .name = "Node", .size = sizeof(node),
                               .align = alignof(node), .u.st = {node_fields, 2}};

static void nesting_limit(void **state)
{
    (void)state;
    node nodes[100];
    for (int i = 0; i < 100; i++) {
        nodes[i].value = i;
        nodes[i].next = i + 1 < 100 ? &nodes[i + 1] : NULL;
    }
    /* 20 nodes nest 40 levels: fine by default, too deep with a limit of 10. */
    nodes[19].next = NULL;
    mw_buf out = {0};
    encode_ok(&node_t, &nodes[0], &out);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    node back;
    assert_int_equal(mw_xdr_decode(&node_t, out.data, out.len, &back, a, NULL, NULL), 0);
    assert_true(mw_value_equal(&node_t, &nodes[0], &back));
    mw_marshal_opts opts = {.max_depth = 10};
    mw_marshal_error err = {0};
    assert_int_equal(mw_xdr_decode(&node_t, out.data, out.len, &back, a, &opts, &err),
                     MW_EDEPTH);
    assert_int_equal(err.offset, 5 * 8);
    assert_string_equal(err.path, "next.next.next.next.next");
    size_t sz;
    assert_int_equal(mw_codec_xdr.size(&node_t, &nodes[0], &opts, &sz), MW_EDEPTH);

    /* 100 nodes nest 200 levels: refused both ways. */
    nodes[19].next = &nodes[20];
    mw_buf_reset(&out);
    assert_int_equal(mw_xdr_encode(&node_t, &nodes[0], &out, NULL, &err), MW_EDEPTH);
    assert_int_equal(out.len, 0);

    /* Hostile: 100,000 levels of "present" flags never reach the stack's end. */
    size_t n = 100000 * 8;
    uint8_t *deep = test_malloc(n);
    for (size_t i = 0; i < n; i += 8) {
        mw_store_u32be(deep + i, 0);
        mw_store_u32be(deep + i + 4, 1);
    }
    assert_int_equal(mw_xdr_decode(&node_t, deep, n, &back, a, NULL, &err), MW_EDEPTH);
    test_free(deep);
    mw_arena_destroy(a);
    mw_buf_free(&out);
}

static void no_arena(void **state)
{
    (void)state;
    /* Values without pointers decode without an arena; strings need one. */
    static const uint8_t inner[] = {0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 9};
    ev_inner v;
    assert_int_equal(mw_xdr_decode(&ev_t_inner, inner, 8, &v, NULL, NULL, NULL), 0);
    assert_int_equal(v.a, -2);
    assert_int_equal(v.b, 9);
    mw_person p;
    assert_int_equal(mw_xdr_decode(&mw_t_person, person_xdr, sizeof person_xdr, &p, NULL, NULL,
                                   NULL),
                     MW_EINVAL);
    /* A caller's own arena limit stays in force, and comes back unchanged. */
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 8), 0);
    assert_int_equal(mw_xdr_decode(&mw_t_person, person_xdr, sizeof person_xdr, &p, a, NULL,
                                   NULL),
                     MW_ENOMEM);
    assert_int_equal(mw_arena_limit(a), 8);
    mw_arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(person_golden),      cmocka_unit_test(person_record_golden),
        cmocka_unit_test(codec_registered),   cmocka_unit_test(null_string_is_empty),
        cmocka_unit_test(every_golden),       cmocka_unit_test(every_union_arms),
        cmocka_unit_test(floats_bitwise),     cmocka_unit_test(random_roundtrips),
        cmocka_unit_test(objref_layout),      cmocka_unit_test(showcase_refused),
        cmocka_unit_test(encode_refusals),    cmocka_unit_test(every_truncation),
        cmocka_unit_test(huge_lengths),       cmocka_unit_test(bad_values),
        cmocka_unit_test(error_paths),        cmocka_unit_test(nesting_limit),
        cmocka_unit_test(no_arena),
    };
    return cmocka_run_group_tests_name("marshal_xdr", tests, NULL, NULL);
}

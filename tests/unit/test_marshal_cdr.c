/* test_marshal_cdr.c - the CORBA CDR codec: golden bytes (Figure 4.9's Person in both
 * byte orders, alignment from a stream origin, a hand-computed TypeCode for Person in an
 * any, a recursive TypeCode with an indirection, encapsulations), round trips of a fully
 * populated Showcase and of random values, and hostile input (every truncation, huge
 * lengths, bad values, bad TypeCodes, nesting, bad UTF-8) with offsets and paths. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "marshal/example_types.h"
#include "marshal/marshal_impl.h"
#include "marshal_suite.h"

/* ---- helpers ------------------------------------------------------------------------- */

/* A mutable copy of a literal (the model's strings are char *). */
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

static const mw_marshal_opts big = {.byte_order = MW_ORDER_BIG};
static const mw_marshal_opts little = {.byte_order = MW_ORDER_LITTLE};

/* Encodes, checks the size op against the length, and returns the bytes in out. */
static void encode_ok(const mw_type *t, const void *v, const mw_marshal_opts *o, mw_buf *out)
{
    mw_marshal_error err = {0};
    size_t before = out->len;
    int rc = mw_codec_cdr.encode(t, v, out, o, &err);
    if (rc)
        fail_msg("encode: %s (%s at %s)", mw_strerror(rc), err.detail, err.path);
    size_t sz = 0;
    assert_int_equal(mw_codec_cdr.size(t, v, o, &sz), 0);
    if (!o || o->align_origin == before)
        assert_int_equal(sz, out->len - before);
}

/* Decodes into a fresh arena (returned through *arena, or destroyed when NULL) and checks
 * the code; the error is returned for more checks. */
static mw_marshal_error decode_expect(const mw_type *t, const void *data, size_t len,
                                      const mw_marshal_opts *o, int code, void *value,
                                      mw_arena **arena)
{
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    void *v = value ? value : mw_arena_calloc(a, 1, t->size);
    /* an exact copy, so ASan sees any read past the end */
    uint8_t *copy = test_malloc(len ? len : 1);
    if (len)
        memcpy(copy, data, len);
    mw_marshal_error err = {0};
    int rc = mw_cdr_decode(t, copy, len, v, a, o, &err);
    test_free(copy);
    if (rc != code)
        fail_msg("decode gave %s, expected %s (%s at offset %zu, path %s)", mw_errname(rc),
                 mw_errname(code), err.detail, err.offset, err.path);
    if (rc)
        assert_int_equal(err.code, rc);
    assert_true(mw_arena_used(a) <= len * MWI_ALLOC_FACTOR + MWI_ALLOC_SLACK);
    if (arena)
        *arena = a;
    else
        mw_arena_destroy(a);
    return err;
}

/* Encodes with o, decodes with o, and checks the value and a byte-identical re-encoding. */
static void roundtrip(const mw_type *t, const void *v, const mw_marshal_opts *o)
{
    mw_buf out = {0}, again = {0};
    encode_ok(t, v, o, &out);
    mw_arena *a;
    void *back = calloc(1, t->size);
    decode_expect(t, out.data, out.len, o, 0, back, &a);
    assert_true(mw_value_equal(t, v, back));
    encode_ok(t, back, o, &again);
    assert_int_equal(again.len, out.len);
    assert_memory_equal(again.data, out.data, out.len);
    free(back);
    mw_arena_destroy(a);
    mw_buf_free(&out);
    mw_buf_free(&again);
}

static size_t find(const mw_buf *b, const void *needle, size_t n)
{
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, needle, n) == 0)
            return i;
    fail_msg("bytes not found");
    return 0;
}

/* ---- Person: Figures 4.8 and 4.9 --------------------------------------------------- */

/* Big-endian, as the figure draws it, but with the NUL the OMG spec counts. */
static const uint8_t person_be[] = {
    0x00, 0x00, 0x00, 0x06, 'S', 'm', 'i', 't', 'h', 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x07, 'L', 'o', 'n', 'd', 'o', 'n', 0x00, 0x00,
    0x00, 0x00, 0x07, 0x8e, /* 1934 */
};
static const uint8_t person_le[] = {
    0x06, 0x00, 0x00, 0x00, 'S', 'm', 'i', 't', 'h', 0x00, 0x00, 0x00,
    0x07, 0x00, 0x00, 0x00, 'L', 'o', 'n', 'd', 'o', 'n', 0x00, 0x00,
    0x8e, 0x07, 0x00, 0x00,
};

static void person_golden_both_orders(void **state)
{
    (void)state;
    mw_person p = {S("Smith"), S("London"), 1934};
    mw_buf out = {0};
    encode_ok(&mw_t_person, &p, &big, &out);
    assert_int_equal(out.len, 28);
    assert_memory_equal(out.data, person_be, sizeof person_be);
    mw_buf_reset(&out);
    encode_ok(&mw_t_person, &p, &little, &out);
    assert_memory_equal(out.data, person_le, sizeof person_le);
    mw_buf_free(&out);

    /* receiver makes right: each order decodes to the same Person */
    const uint8_t *forms[] = {person_be, person_le};
    const mw_marshal_opts *orders[] = {&big, &little};
    for (int i = 0; i < 2; i++) {
        mw_person back;
        mw_arena *a;
        decode_expect(&mw_t_person, forms[i], 28, orders[i], 0, &back, &a);
        assert_string_equal(back.name, "Smith");
        assert_string_equal(back.place, "London");
        assert_int_equal(back.year, 1934);
        assert_true(mw_value_equal(&mw_t_person, &p, &back));
        mw_arena_destroy(a);
    }
    /* the wrong order reads a huge string length and fails cleanly */
    decode_expect(&mw_t_person, person_be, 28, &little, MW_ETRUNCATED, NULL, NULL);

    /* native order is the host's */
    mw_buf nat = {0};
    encode_ok(&mw_t_person, &p, NULL, &nat);
    uint16_t one = 1;
    bool host_little = *(uint8_t *)&one == 1;
    assert_memory_equal(nat.data, host_little ? person_le : person_be, 28);
    mw_buf_free(&nat);
    assert_ptr_equal(mw_codec_find("cdr"), &mw_codec_cdr);
    assert_true(mw_codec_cdr.binary);
}

typedef struct od {
    uint8_t o;
    double d;
} od;
static const mw_field od_fields[] = {{"o", &mw_t_octet, offsetof(od, o), 0},
                                     {"d", &mw_t_double, offsetof(od, d), 0}};
static const mw_type od_t = {.kind = MW_K_STRUCT, .name = "OD", .size = sizeof(od),
                             .align = alignof(od), .u.st = {od_fields, 2}};

static void alignment_counts_from_the_stream_origin(void **state)
{
    (void)state;
    mw_person p = {S("Smith"), S("London"), 1934};
    /* a stream that starts after 5 bytes of something else: same bytes after them */
    mw_buf out = {0};
    assert_int_equal(mw_buf_append(&out, "GIOP!", 5), 0);
    mw_marshal_opts o = {.byte_order = MW_ORDER_BIG, .align_origin = 5};
    encode_ok(&mw_t_person, &p, &o, &out);
    assert_int_equal(out.len, 5 + 28);
    assert_memory_equal(out.data + 5, person_be, 28);

    /* the same 5 bytes inside the stream (origin 0): everything shifts to alignment */
    mw_buf_reset(&out);
    assert_int_equal(mw_buf_append(&out, "GIOP!", 5), 0);
    o.align_origin = 0;
    assert_int_equal(mw_cdr_encode(&mw_t_person, &p, &out, &o, NULL), 0);
    static const uint8_t shifted[] = {
        0x00, 0x00, 0x00,                                        /* pad to 8 */
        0x00, 0x00, 0x00, 0x06, 'S', 'm', 'i', 't', 'h', 0x00, /* 8..17 */
        0x00, 0x00,                                              /* pad to 20 */
        0x00, 0x00, 0x00, 0x07, 'L', 'o', 'n', 'd', 'o', 'n', 0x00, /* 20..30 */
        0x00,                                                    /* pad to 32 */
        0x00, 0x00, 0x07, 0x8e,
    };
    assert_int_equal(out.len, 5 + sizeof shifted);
    assert_memory_equal(out.data + 5, shifted, sizeof shifted);

    /* 8-byte alignment of a double, from an origin that is not a multiple of 8 */
    od v = {0xab, 1.5};
    static const uint8_t od_be[] = {0xab, 0, 0, 0, 0, 0, 0, 0,
                                    0x3f, 0xf8, 0, 0, 0, 0, 0, 0};
    mw_buf_reset(&out);
    assert_int_equal(mw_buf_append(&out, "abc", 3), 0);
    o.align_origin = 3;
    encode_ok(&od_t, &v, &o, &out);
    assert_int_equal(out.len, 3 + 16);
    assert_memory_equal(out.data + 3, od_be, 16);
    mw_buf_reset(&out);
    assert_int_equal(mw_buf_append(&out, "abcd", 4), 0);
    o.align_origin = 0; /* the octet at 4, the double at 8 */
    assert_int_equal(mw_cdr_encode(&od_t, &v, &out, &o, NULL), 0);
    static const uint8_t od_shifted[] = {0xab, 0, 0, 0, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0};
    assert_int_equal(out.len, 4 + sizeof od_shifted);
    assert_memory_equal(out.data + 4, od_shifted, sizeof od_shifted);
    mw_buf_free(&out);

    /* decoding aligns from the start of the data */
    od back;
    decode_expect(&od_t, od_be, sizeof od_be, &big, 0, &back, NULL);
    assert_int_equal(back.o, 0xab);
    assert_true(back.d == 1.5);
    /* without the padding the double is short */
    decode_expect(&od_t, od_be, 12, &big, MW_ETRUNCATED, NULL, NULL);
}

/* The TypeCode of Person in an any, computed by hand from the CORBA spec's layout. */
static const uint8_t person_any_be[] = {
    0x00, 0x00, 0x00, 0x0f,             /* tk_struct */
    0x00, 0x00, 0x00, 0x60,             /* encapsulation of 96 bytes: */
    0x00, 0x00, 0x00, 0x00,             /*   big-endian, padding */
    0x00, 0x00, 0x00, 0x0f, 'I', 'D', 'L', ':', 'P', 'e', 'r', 's', 'o', 'n', ':', '1', '.', '0',
    0x00, 0x00,                         /*   repository id, padding */
    0x00, 0x00, 0x00, 0x07, 'P', 'e', 'r', 's', 'o', 'n', 0x00, 0x00, /* name, padding */
    0x00, 0x00, 0x00, 0x03,             /*   3 members */
    0x00, 0x00, 0x00, 0x05, 'n', 'a', 'm', 'e', 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00, /* tk_string, unbounded */
    0x00, 0x00, 0x00, 0x06, 'p', 'l', 'a', 'c', 'e', 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x05, 'y', 'e', 'a', 'r', 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x05,             /* tk_ulong */
    /* the value: Figure 4.9 */
    0x00, 0x00, 0x00, 0x06, 'S', 'm', 'i', 't', 'h', 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x07, 'L', 'o', 'n', 'd', 'o', 'n', 0x00, 0x00,
    0x00, 0x00, 0x07, 0x8e,
};

static void person_in_an_any(void **state)
{
    (void)state;
    mw_person p = {S("Smith"), S("London"), 1934};
    mw_any any = {&mw_t_person, &p};
    mw_buf out = {0};
    encode_ok(&mw_t_any, &any, &big, &out);
    assert_int_equal(out.len, sizeof person_any_be);
    assert_memory_equal(out.data, person_any_be, sizeof person_any_be);

    mw_any back;
    mw_arena *a;
    decode_expect(&mw_t_any, person_any_be, sizeof person_any_be, &big, 0, &back, &a);
    assert_true(mw_value_equal(&mw_t_any, &any, &back));
    const mw_type *t = back.type;
    assert_int_equal(t->kind, MW_K_STRUCT);
    assert_string_equal(t->name, "Person");
    assert_int_equal(t->size, sizeof(mw_person));
    assert_int_equal(t->u.st.count, 3);
    assert_string_equal(t->u.st.fields[1].name, "place");
    assert_int_equal(t->u.st.fields[2].offset, offsetof(mw_person, year));
    assert_int_equal(mw_type_check(t), 0);
    mw_person *bp = back.value;
    assert_string_equal(bp->place, "London");
    mw_arena_destroy(a);

    /* the same any little-endian: the encapsulation says so in its first octet */
    mw_buf_reset(&out);
    encode_ok(&mw_t_any, &any, &little, &out);
    assert_int_equal(out.len, sizeof person_any_be);
    assert_int_equal(out.data[0], 0x0f);
    assert_int_equal(out.data[8], 1);
    mw_buf_free(&out);
    roundtrip(&mw_t_any, &any, &little);

    /* the empty any is tk_null */
    mw_any empty = {NULL, NULL};
    mw_buf e = {0};
    encode_ok(&mw_t_any, &empty, &big, &e);
    assert_int_equal(e.len, 4);
    assert_memory_equal(e.data, "\0\0\0\0", 4);
    mw_buf_free(&e);
    static const uint8_t tk_void[] = {0, 0, 0, 1};
    decode_expect(&mw_t_any, tk_void, 4, &big, 0, &back, NULL);
    assert_null(back.type);
}

/* ---- encapsulations ------------------------------------------------------------------ */

static void encapsulations(void **state)
{
    (void)state;
    mw_person p = {S("Smith"), S("London"), 1934};
    mw_buf out = {0};
    assert_int_equal(mw_buf_append(&out, "xy", 2), 0);
    assert_int_equal(mw_cdr_encode_encapsulation(&mw_t_person, &p, &out, MW_ORDER_BIG, NULL),
                     0);
    /* the byte-order octet, padding counted from it, then Figure 4.9 */
    assert_int_equal(out.len, 2 + 4 + 28);
    assert_memory_equal(out.data + 2, "\0\0\0\0", 4);
    assert_memory_equal(out.data + 6, person_be, 28);

    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_person back;
    assert_int_equal(
        mw_cdr_decode_encapsulation(&mw_t_person, out.data + 2, out.len - 2, &back, a, NULL), 0);
    assert_true(mw_value_equal(&mw_t_person, &p, &back));

    mw_buf le = {0};
    assert_int_equal(mw_cdr_encode_encapsulation(&mw_t_person, &p, &le, MW_ORDER_LITTLE, NULL),
                     0);
    assert_int_equal(le.data[0], 1);
    assert_memory_equal(le.data + 4, person_le, 28);
    assert_int_equal(mw_cdr_decode_encapsulation(&mw_t_person, le.data, le.len, &back, a, NULL),
                     0);
    assert_true(mw_value_equal(&mw_t_person, &p, &back));

    mw_marshal_error err = {0};
    le.data[0] = 2;
    assert_int_equal(mw_cdr_decode_encapsulation(&mw_t_person, le.data, le.len, &back, a, &err),
                     MW_EPROTO);
    assert_int_equal(err.offset, 0);
    assert_int_equal(mw_cdr_decode_encapsulation(&mw_t_person, le.data, 0, &back, a, &err),
                     MW_ETRUNCATED);
    le.data[0] = 1;
    for (size_t n = 1; n < le.len; n++)
        assert_int_not_equal(mw_cdr_decode_encapsulation(&mw_t_person, le.data, n, &back, a,
                                                         &err), 0);
    mw_arena_destroy(a);
    mw_buf_free(&out);
    mw_buf_free(&le);
}

/* ---- Showcase: every kind ------------------------------------------------------------ */

static const mw_type seq_long_t = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                   .align = alignof(mw_seq), .u.seq = {&mw_t_long, 0}};

static int32_t numbers[] = {1, -2, 3, 2147483647, (int32_t)0x80000000};
static uint8_t blob[] = {0, 1, 2, 0xfe, 0xff};
static mw_person people[3];
static mw_person owner;
static mw_person extra_person;
static int32_t extra_longs[] = {7, 8, 9};
static mw_seq extra_seq;
static char *tags[3];

/* A Showcase with every member set. reading_case picks the union's label (1, 2, 3, or
 * anything else for the default), extra 0/1/2 an empty any, a Person, a sequence<long>. */
static void make_showcase(mw_ex_showcase *s, mw_arena *a, int32_t reading_case, bool with_owner,
                          int extra)
{
    memset(s, 0, sizeof *s);
    s->basics = (mw_ex_basics){true, 200, 'q', -12345, 54321, -7, 4000000000u,
                               -1234567890123ll, 18000000000000000000ull, 2.5f, -0.1,
                               S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")};
    s->numbers = (mw_seq){5, numbers};
    tags[0] = S("red");
    tags[1] = NULL; /* encoded as "" */
    tags[2] = S("blue");
    s->tags = (mw_seq){3, tags};
    s->blob = (mw_seq){5, blob};
    int16_t m[2][3] = {{1, -2, 3}, {-4, 5, -32768}};
    memcpy(s->matrix, m, sizeof m);
    s->color = MW_EX_BLUE;
    s->reading.d = reading_case;
    if (reading_case == 1)
        s->reading.u.temperature = 21.5;
    else if (reading_case == 2 || reading_case == 3)
        s->reading.u.label = S("warm");
    else
        s->reading.u.color = MW_EX_GREEN;
    s->temperature = -40.0;
    owner = (mw_person){S("Owner"), S("Paris"), 1970};
    s->owner = with_owner ? &owner : NULL;
    people[0] = (mw_person){S("Smith"), S("London"), 1934};
    people[1] = (mw_person){S(""), S("Nowhere"), 0};
    people[2] = (mw_person){S("Bob"), S("Berlin"), 2001};
    s->people = (mw_seq){3, people};
    extra_person = (mw_person){S("Ada"), S("London"), 1815};
    extra_seq = (mw_seq){3, extra_longs};
    if (extra == 1)
        s->extra = (mw_any){&mw_t_person, &extra_person};
    else if (extra == 2)
        s->extra = (mw_any){&seq_long_t, &extra_seq};
    mw_addr addr;
    assert_int_equal(mw_addr_parse(&addr, "192.168.1.7:7896", -1), 0);
    assert_int_equal(mw_objref_make(&s->ref, &addr, "HelloApp::Hello", a), 0);
}

static void showcase_roundtrips(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    const int32_t cases[] = {1, 2, 3, 0, 99};
    for (size_t c = 0; c < 5; c++)
        for (int own = 0; own < 2; own++)
            for (int extra = 0; extra < 3; extra++) {
                mw_ex_showcase s;
                make_showcase(&s, a, cases[c], own, extra);
                roundtrip(&mwi_t_showcase, &s, &big);
                roundtrip(&mwi_t_showcase, &s, &little);
                roundtrip(&mwi_t_showcase, &s, NULL);
            }
    /* the two orders differ but hold the same value */
    mw_ex_showcase s;
    make_showcase(&s, a, 1, true, 1);
    mw_buf b = {0}, l = {0};
    encode_ok(&mwi_t_showcase, &s, &big, &b);
    encode_ok(&mwi_t_showcase, &s, &little, &l);
    assert_int_equal(b.len, l.len);
    assert_true(memcmp(b.data, l.data, b.len) != 0);
    mw_buf_free(&b);
    mw_buf_free(&l);

    /* an IPv6 reference and a nil one */
    mw_addr v6;
    assert_int_equal(mw_addr_parse(&v6, "[2001:db8::17]:443", -1), 0);
    assert_int_equal(mw_objref_make(&s.ref, &v6, "Shapes::Square", a), 0);
    roundtrip(&mwi_t_showcase, &s, &big);
    memset(&s.ref, 0, sizeof s.ref);
    roundtrip(&mwi_t_showcase, &s, &little);
    mw_arena_destroy(a);
}

static void showcase_in_an_any(void **state)
{
    /* every kind's TypeCode: struct, union with a default, enum, alias, bounded sequence,
     * array of arrays, optional, any, object reference */
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    for (int32_t rc = 0; rc < 4; rc++) {
        mw_ex_showcase s;
        make_showcase(&s, a, rc, rc % 2, rc % 3);
        mw_any any = {&mwi_t_showcase, &s};
        roundtrip(&mw_t_any, &any, &big);
        roundtrip(&mw_t_any, &any, &little);
    }
    mw_ex_showcase s;
    make_showcase(&s, a, 2, true, 1);
    mw_any any = {&mwi_t_showcase, &s};
    mw_buf out = {0};
    encode_ok(&mw_t_any, &any, &big, &out);
    mw_any back;
    mw_arena *b;
    decode_expect(&mw_t_any, out.data, out.len, &big, 0, &back, &b);
    const mw_type *t = back.type;
    assert_int_equal(t->kind, MW_K_STRUCT);
    assert_int_equal(t->size, sizeof(mw_ex_showcase));
    assert_int_equal(mw_type_check(t), 0);
    for (uint32_t i = 0; i < t->u.st.count; i++) {
        const mw_field *f = &t->u.st.fields[i], *g = &mwi_t_showcase.u.st.fields[i];
        assert_string_equal(f->name, g->name);
        assert_int_equal(f->offset, g->offset);
        assert_int_equal(f->type->kind, g->type->kind);
    }
    const mw_type *reading = t->u.st.fields[6].type;
    assert_string_equal(reading->name, "Reading");
    assert_int_equal(reading->u.un.count, 4);
    assert_true(reading->u.un.cases[3].is_default);
    assert_int_equal(reading->u.un.cases[2].label, 3);
    assert_string_equal(t->u.st.fields[7].type->name, "Celsius");
    assert_int_equal(t->u.st.fields[2].type->u.seq.bound, 3);
    assert_ptr_equal(t->u.st.fields[11].type, &mw_t_objref);
    const mw_type *color = t->u.st.fields[5].type;
    assert_string_equal(color->u.en.items[2].name, "BLUE");
    mw_arena_destroy(b);
    mw_buf_free(&out);
    mw_arena_destroy(a);
}

/* ---- recursive TypeCodes ------------------------------------------------------------- */

typedef struct node {
    int32_t v;
    mw_seq kids; /* struct node */
} node;
static const mw_type node_t;
static const mw_type node_seq = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                 .align = alignof(mw_seq), .u.seq = {&node_t, 0}};
static const mw_field node_fields[] = {{"v", &mw_t_long, offsetof(node, v), 0},
                                       {"kids", &node_seq, offsetof(node, kids), 0}};
static const mw_type node_t = {.kind = MW_K_STRUCT, .name = "Tree::Node", .size = sizeof(node),
                               .align = alignof(node), .u.st = {node_fields, 2}};

/* struct Node { long v; sequence<Node> kids; }: the sequence's element is an indirection
 * back to the struct's TCKind at offset 0, from the offset's own position (92). */
static const uint8_t node_tc_be[] = {
    0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x5c, /* tk_struct, 92 bytes */
    0x00, 0x00, 0x00, 0x00,                         /* big-endian, padding */
    0x00, 0x00, 0x00, 0x12, 'I', 'D', 'L', ':', 'T', 'r', 'e', 'e', '/', 'N', 'o', 'd', 'e',
    ':', '1', '.', '0', 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x05, 'N', 'o', 'd', 'e', 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02,                         /* 2 members */
    0x00, 0x00, 0x00, 0x02, 'v', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, /* v: tk_long */
    0x00, 0x00, 0x00, 0x05, 'k', 'i', 'd', 's', 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x10, /* tk_sequence, 16 bytes */
    0x00, 0x00, 0x00, 0x00,                         /* big-endian, padding */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa4, /* indirection, -92 */
    0x00, 0x00, 0x00, 0x00,                         /* unbounded */
};

static void recursive_typecode_uses_indirection(void **state)
{
    (void)state;
    node leaves[2] = {{2, {0, NULL}}, {3, {0, NULL}}};
    node mid = {1, {2, leaves}};
    node root = {0, {1, &mid}};
    mw_any any = {&node_t, &root};
    mw_buf out = {0};
    encode_ok(&mw_t_any, &any, &big, &out);
    assert_true(out.len > sizeof node_tc_be);
    assert_memory_equal(out.data, node_tc_be, sizeof node_tc_be);
    mw_buf_free(&out);
    roundtrip(&mw_t_any, &any, &big);
    roundtrip(&mw_t_any, &any, &little);

    /* decoded, the type refers to itself through its sequence */
    mw_buf enc = {0};
    encode_ok(&mw_t_any, &any, &little, &enc);
    mw_any back;
    mw_arena *a;
    decode_expect(&mw_t_any, enc.data, enc.len, &little, 0, &back, &a);
    const mw_type *t = back.type;
    assert_ptr_equal(t->u.st.fields[1].type->u.seq.elem, t);
    assert_string_equal(t->name, "Tree::Node");
    mw_arena_destroy(a);
    mw_buf_free(&enc);
}

static void bad_indirections_are_refused(void **state)
{
    (void)state;
    uint8_t b[sizeof node_tc_be + 8];
    memcpy(b, node_tc_be, sizeof node_tc_be);
    memset(b + sizeof node_tc_be, 0, 8); /* v = 0, no kids */
    decode_expect(&mw_t_any, b, sizeof b, &big, 0, NULL, NULL);

    /* pointing forward, into itself, before the start, at the middle of a TypeCode */
    const uint32_t offsets[] = {4, 0, 0xffffff00u, 0xffffffa8u, 0xffffffb0u};
    for (size_t i = 0; i < 5; i++) {
        mw_store_u32be(b + 92, offsets[i]);
        mw_marshal_error err =
            decode_expect(&mw_t_any, b, sizeof b, &big, MW_EPROTO, NULL, NULL);
        assert_int_equal(err.offset, 92);
    }

    /* a struct that contains itself directly has no finite C form */
    static const uint8_t selfish[] = {
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x28, /* tk_struct, 40 bytes */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* "", */
        0x00, 0x00, 0x00, 0x02, 'X', 0x00, 0x00, 0x00,                     /* "X" */
        0x00, 0x00, 0x00, 0x01,                                             /* 1 member */
        0x00, 0x00, 0x00, 0x02, 'x', 0x00, 0x00, 0x00,                     /* "x" */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xd4,                     /* -44 */
    };
    mw_marshal_error err = decode_expect(&mw_t_any, selfish, sizeof selfish, &big, MW_EPROTO,
                                         NULL, NULL);
    assert_string_equal(err.path, "x");
}

/* Writes TypeCodes by hand, big-endian, aligning from the current encapsulation. */
typedef struct tcw {
    uint8_t b[16384];
    size_t n, origin;
} tcw;

static void tw_u32(tcw *w, uint32_t v)
{
    while ((w->n - w->origin) % 4)
        w->b[w->n++] = 0;
    mw_store_u32be(w->b + w->n, v);
    w->n += 4;
}
static void tw_str(tcw *w, const char *s)
{
    tw_u32(w, (uint32_t)strlen(s) + 1);
    memcpy(w->b + w->n, s, strlen(s) + 1);
    w->n += strlen(s) + 1;
}
/* Level k of a DAG: a struct or union of two members "a" and "b" of level k-1, written
 * in full once and then as an indirection; level 0 is an octet. Returns the TCKind's
 * offset. */
static size_t tw_dag(tcw *w, int k, bool is_union)
{
    tw_u32(w, k == 0 ? 10 : is_union ? 16 : 15);
    size_t pos = w->n - 4;
    if (k == 0)
        return pos;
    tw_u32(w, 0);
    size_t len_at = w->n - 4, saved = w->origin;
    w->origin = w->n;
    w->b[w->n++] = 0; /* big-endian */
    tw_str(w, "");
    tw_str(w, "");
    if (is_union) {
        tw_u32(w, 3);           /* discriminator: long */
        tw_u32(w, 0xffffffffu); /* no default */
    }
    tw_u32(w, 2);
    if (is_union)
        tw_u32(w, 0);
    tw_str(w, "a");
    size_t inner = tw_dag(w, k - 1, is_union);
    if (is_union)
        tw_u32(w, 1);
    tw_str(w, "b");
    tw_u32(w, 0xffffffffu);
    tw_u32(w, (uint32_t)(int32_t)((int64_t)inner - (int64_t)w->n));
    mw_store_u32be(w->b + len_at, (uint32_t)(w->n - len_at - 4));
    w->origin = saved;
    return pos;
}

static void repeated_typecodes_stay_small(void **state)
{
    (void)state;
    /* Person appears in Showcase twice (owner, people): written once, then referred to */
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_showcase s;
    make_showcase(&s, a, 1, true, 0);
    mw_any any = {&mwi_t_showcase, &s};
    mw_buf out = {0};
    encode_ok(&mw_t_any, &any, &big, &out);
    size_t first = find(&out, "IDL:Person:1.0", 15), count = 0;
    for (size_t i = 0; i + 15 <= out.len; i++)
        count += memcmp(out.data + i, "IDL:Person:1.0", 15) == 0;
    assert_int_equal(count, 1);
    assert_true(first > 0);
    mw_buf_free(&out);
    mw_arena_destroy(a);

    /* 40 levels of unions of two copies of the level below: 2^40 paths, a few hundred
     * bytes. The value takes one path; re-encoding gives the same few hundred bytes. */
    tcw *w = calloc(1, sizeof *w);
    tw_dag(w, 40, true);
    for (int k = 0; k < 40; k++)
        tw_u32(w, 0); /* discriminator 0 at every level: member "a" */
    w->b[w->n++] = 0x5a;
    mw_any back;
    decode_expect(&mw_t_any, w->b, w->n, &big, 0, &back, &a);
    assert_true(w->n < 4000);
    mw_buf again = {0};
    encode_ok(&mw_t_any, &back, &big, &again);
    /* the same, but for the innermost "b": an octet is written as itself, not as an
     * indirection to the octet before it */
    assert_int_equal(again.len, w->n - 4);
    roundtrip(&mw_t_any, &back, &big);
    mw_buf_free(&again);
    mw_arena_destroy(a);

    /* the same with structs: every value would hold 2^40 octets, refused at once */
    memset(w, 0, sizeof *w);
    tw_dag(w, 40, false);
    decode_expect(&mw_t_any, w->b, w->n, &big, MW_ETRUNCATED, NULL, NULL);
    free(w);
}

/* ---- hostile input ------------------------------------------------------------------- */

static void every_truncation_fails_cleanly(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_showcase s;
    make_showcase(&s, a, 2, true, 1);
    const mw_marshal_opts *orders[] = {&big, &little};
    for (int o = 0; o < 2; o++) {
        mw_buf out = {0};
        encode_ok(&mwi_t_showcase, &s, orders[o], &out);
        for (size_t n = 0; n < out.len; n++) {
            mw_marshal_error err =
                decode_expect(&mwi_t_showcase, out.data, n, orders[o], MW_ETRUNCATED, NULL, NULL);
            assert_true(err.offset <= n);
        }
        /* and one byte too many */
        assert_int_equal(mw_buf_put_u8(&out, 0), 0);
        mw_marshal_error err =
            decode_expect(&mwi_t_showcase, out.data, out.len, orders[o], MW_EPROTO, NULL, NULL);
        assert_int_equal(err.offset, out.len - 1);
        mw_buf_free(&out);
    }
    for (size_t n = 0; n < 28; n++)
        decode_expect(&mw_t_person, person_be, n, &big, MW_ETRUNCATED, NULL, NULL);
    mw_arena_destroy(a);
}

static void huge_lengths_allocate_nothing(void **state)
{
    (void)state;
    /* a Person whose name claims 4 GiB */
    uint8_t p[28];
    memcpy(p, person_be, 28);
    mw_store_u32be(p, 0xffffffffu);
    mw_marshal_error err = decode_expect(&mw_t_person, p, 28, &big, MW_ETRUNCATED, NULL, NULL);
    assert_int_equal(err.offset, 0);
    assert_string_equal(err.path, "name");

    /* sequences of every element kind claiming 2^32-1 elements */
    static const mw_type seq_double = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                       .align = alignof(mw_seq), .u.seq = {&mw_t_double, 0}};
    static const mw_type seq_person = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                       .align = alignof(mw_seq), .u.seq = {&mw_t_person, 0}};
    static const mw_type seq_any = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                    .align = alignof(mw_seq), .u.seq = {&mw_t_any, 0}};
    const mw_type *seqs[] = {&seq_long_t, &seq_double, &seq_person, &seq_any};
    uint8_t h[64] = {0xff, 0xff, 0xff, 0xff};
    for (size_t i = 0; i < 4; i++) {
        mw_arena *a;
        err = decode_expect(seqs[i], h, sizeof h, &big, MW_ETRUNCATED, NULL, &a);
        assert_int_equal(err.offset, 0);
        assert_true(mw_arena_used(a) < 1024);
        mw_arena_destroy(a);
    }

    /* a TypeCode claiming a huge encapsulation, member count or array */
    static const uint8_t big_encap[] = {0, 0, 0, 0x0f, 0x7f, 0xff, 0xff, 0xff, 0};
    decode_expect(&mw_t_any, big_encap, sizeof big_encap, &big, MW_ETRUNCATED, NULL, NULL);
    static const uint8_t many_members[] = {
        0, 0, 0, 0x0f, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
        0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    decode_expect(&mw_t_any, many_members, sizeof many_members, &big, MW_ETRUNCATED, NULL,
                  NULL);
    static const uint8_t huge_array[] = {
        0, 0, 0, 20, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 10, 0x7f, 0xff, 0xff, 0xff};
    mw_arena *a;
    decode_expect(&mw_t_any, huge_array, sizeof huge_array, &big, MW_ETRUNCATED, NULL, &a);
    assert_true(mw_arena_used(a) < 1024);
    mw_arena_destroy(a);
}

static void bad_values_carry_offset_and_path(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_showcase s;
    make_showcase(&s, a, 2, true, 1);
    s.reading.u.label = S("L@bel");
    mw_buf out = {0};
    encode_ok(&mwi_t_showcase, &s, &big, &out);
    /* where the object reference starts: its family octet, before padding and the
     * address length that precede 192.168.1.7 */
    size_t ip = find(&out, "\xc0\xa8\x01\x07", 4), family = ip - 5;
    while (out.data[family] == 0)
        family--;
    size_t bob = find(&out, "Bob", 4), smith = find(&out, "Smith", 6);
    size_t blue_then_2 = find(&out, "\0\0\0\2\0\0\0\2", 8); /* color, reading.d */
    struct {
        const char *path;
        size_t at;    /* where to write */
        uint8_t byte; /* what */
        int code;
        int err_at; /* the expected offset, relative to at */
    } cases[] = {
        {"basics.flag", 0, 2, MW_EPROTO, 0},
        {"people[2].name", bob + 1, 0xff, MW_EUTF, 0},
        {"people[2].name", bob + 1, 0x00, MW_EPROTO, 0},     /* a NUL inside */
        {"people[2].name", bob + 3, 'x', MW_EPROTO, 0},      /* no NUL at the end */
        {"people[0].name", smith - 1, 0x00, MW_EPROTO, -3},  /* length 0 */
        {"reading.label", find(&out, "L@bel", 6) + 1, 0xc0, MW_EUTF, 0},
        {"basics.text", find(&out, "caf", 3) + 3, 0xe9, MW_EUTF, 0},
        {"tags", find(&out, "red", 4) - 5, 4, MW_EPROTO, -3}, /* 4 tags, bound 3 */
        {"color", blue_then_2 + 3, 3, MW_EPROTO, -3},
        {"owner", find(&out, "Owner", 6) - 5, 2, MW_EPROTO, -3}, /* 2 owners */
        {"ref", family, 5, MW_EPROTO, 0},
        {"ref", ip - 1, 16, MW_EPROTO, -3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *bad = malloc(out.len);
        memcpy(bad, out.data, out.len);
        bad[cases[i].at] = cases[i].byte;
        mw_marshal_error err =
            decode_expect(&mwi_t_showcase, bad, out.len, &big, cases[i].code, NULL, NULL);
        if (strcmp(err.path, cases[i].path) != 0)
            fail_msg("case %zu: path %s, expected %s (%s)", i, err.path, cases[i].path,
                     err.detail);
        assert_int_equal(err.offset, (size_t)((long)cases[i].at + cases[i].err_at));
        free(bad);
    }
    mw_buf_free(&out);
    mw_arena_destroy(a);

    /* strings: no NUL at the end */
    static const uint8_t no_nul[] = {0, 0, 0, 2, 'a', 'b'};
    char *str;
    decode_expect(&mw_t_string, no_nul, 6, &big, MW_EPROTO, &str, NULL);
    static const uint8_t ok[] = {0, 0, 0, 3, 'a', 'b', 0};
    decode_expect(&mw_t_string, ok, 7, &big, 0, &str, NULL);
    static const mw_type bounded = {.kind = MW_K_STRING, .size = sizeof(char *),
                                    .align = alignof(char *), .u.seq = {NULL, 1}};
    mw_marshal_error err = decode_expect(&bounded, ok, 7, &big, MW_EPROTO, &str, NULL);
    assert_int_equal(err.offset, 0);
}

static const mw_enumerator sparse_items[] = {{"ONE", 1}, {"TWO", 2}};
static const mw_type sparse_t = {.kind = MW_K_ENUM, .name = "Sparse", .size = 4, .align = 4,
                                 .u.en = {sparse_items, 2}};

static void invalid_values_are_refused_on_encode(void **state)
{
    (void)state;
    mw_buf out = {0};
    assert_int_equal(mw_buf_append(&out, "keep", 4), 0);
    mw_marshal_error err = {0};
    int32_t v = 1;
    assert_int_equal(mw_cdr_encode(&sparse_t, &v, &out, NULL, &err), MW_ENOTSUP);
    assert_int_equal(out.len, 4);
    size_t sz;
    assert_int_equal(mw_cdr_size(&sparse_t, &v, NULL, &sz), MW_ENOTSUP);
    mw_any any = {&sparse_t, &v};
    assert_int_equal(mw_cdr_encode(&mw_t_any, &any, &out, NULL, &err), MW_ENOTSUP);
    assert_int_equal(out.len, 4);

    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_showcase s;
    make_showcase(&s, a, 1, true, 1);
    s.color = 7;
    assert_int_equal(mw_cdr_encode(&mwi_t_showcase, &s, &out, NULL, &err), MW_EINVAL);
    assert_string_equal(err.path, "color");
    assert_int_equal(mw_cdr_size(&mwi_t_showcase, &s, NULL, &sz), MW_EINVAL);
    s.color = 0;
    s.people.data = NULL;
    assert_int_equal(mw_cdr_encode(&mwi_t_showcase, &s, &out, NULL, &err), MW_EINVAL);
    assert_string_equal(err.path, "people");
    s.people.data = people;
    s.ref.address.family = 5;
    assert_int_equal(mw_cdr_encode(&mwi_t_showcase, &s, &out, NULL, &err), MW_EINVAL);
    assert_string_equal(err.path, "ref");
    s.ref.address.family = MW_AF_INET4;
    s.extra.value = NULL;
    assert_int_equal(mw_cdr_encode(&mwi_t_showcase, &s, &out, NULL, &err), MW_EINVAL);
    assert_string_equal(err.path, "extra");
    assert_int_equal(out.len, 4);
    mw_marshal_opts bad = {.byte_order = 9};
    assert_int_equal(mw_cdr_encode(&mw_t_person, &owner, &out, &bad, &err), MW_EINVAL);
    mw_buf_free(&out);
    mw_arena_destroy(a);
}

static void unsupported_typecodes(void **state)
{
    (void)state;
    /* tk_objref (a CORBA interface), tk_wstring, tk_TypeCode, an unknown kind */
    static const uint8_t objref[] = {0, 0, 0, 14, 0, 0, 0, 4, 0, 0, 0, 0};
    decode_expect(&mw_t_any, objref, sizeof objref, &big, MW_ENOTSUP, NULL, NULL);
    static const uint8_t wstring[] = {0, 0, 0, 27, 0, 0, 0, 0};
    decode_expect(&mw_t_any, wstring, sizeof wstring, &big, MW_ENOTSUP, NULL, NULL);
    static const uint8_t typecode[] = {0, 0, 0, 12};
    decode_expect(&mw_t_any, typecode, sizeof typecode, &big, MW_ENOTSUP, NULL, NULL);
    static const uint8_t unknown[] = {0, 0, 0x10, 0};
    decode_expect(&mw_t_any, unknown, sizeof unknown, &big, MW_EPROTO, NULL, NULL);
    /* a basic value in an any: tk_double, then the double at 8 */
    static const uint8_t dbl[] = {0, 0, 0, 7, 0, 0, 0, 0, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0};
    mw_any back;
    mw_arena *a;
    decode_expect(&mw_t_any, dbl, sizeof dbl, &big, 0, &back, &a);
    assert_ptr_equal(back.type, &mw_t_double);
    assert_true(*(double *)back.value == 1.0);
    mw_arena_destroy(a);
}

static void nesting_past_the_limit(void **state)
{
    (void)state;
    /* an any holding an any ... 80 deep */
    mw_any chain[80];
    int32_t leaf = 42;
    for (int i = 0; i < 80; i++)
        chain[i] = i == 79 ? (mw_any){&mw_t_long, &leaf} : (mw_any){&mw_t_any, &chain[i + 1]};
    mw_buf out = {0};
    mw_marshal_error err = {0};
    assert_int_equal(mw_cdr_encode(&mw_t_any, chain, &out, NULL, &err), MW_EDEPTH);
    assert_int_equal(out.len, 0);
    mw_marshal_opts deep = {.byte_order = MW_ORDER_BIG, .max_depth = 200};
    assert_int_equal(mw_cdr_encode(&mw_t_any, chain, &out, &deep, &err), 0);
    decode_expect(&mw_t_any, out.data, out.len, &big, MW_EDEPTH, NULL, NULL);
    decode_expect(&mw_t_any, out.data, out.len, &deep, 0, NULL, NULL);
    mw_buf_free(&out);

    /* TypeCodes nested 100 deep: sequence<sequence<...<long>>> */
    uint8_t tc[100 * 16 + 4];
    size_t n = 4;
    mw_store_u32be(tc, 3); /* tk_long, innermost, built outwards */
    for (int i = 0; i < 100; i++) {
        memmove(tc + 12, tc, n);
        mw_store_u32be(tc, 19);
        mw_store_u32be(tc + 4, (uint32_t)(4 + n + 4));
        mw_store_u32be(tc + 8, 0);
        mw_store_u32be(tc + 12 + n, 0);
        n += 16;
    }
    uint8_t in[sizeof tc + 4] = {0};
    memcpy(in, tc, n);
    decode_expect(&mw_t_any, in, n + 4, &big, MW_EDEPTH, NULL, NULL);
    mw_marshal_opts shallow = {.byte_order = MW_ORDER_BIG, .max_depth = 2};
    mw_person p = {S("a"), S("b"), 1};
    assert_int_equal(mw_cdr_encode(&mw_t_person, &p, &out, &shallow, NULL), 0);
    mw_buf_free(&out);
}

/* ---- bulk arrays and sequences ------------------------------------------------------- */

static void bulk_sequences_in_both_orders(void **state)
{
    (void)state;
    static const mw_type seq_double = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                       .align = alignof(mw_seq), .u.seq = {&mw_t_double, 0}};
    static const mw_type seq_short = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                      .align = alignof(mw_seq), .u.seq = {&mw_t_short, 0}};
    static const mw_type seq_bool = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                     .align = alignof(mw_seq), .u.seq = {&mw_t_boolean, 0}};
    double d[1000];
    int16_t sh[999];
    bool bo[33];
    for (int i = 0; i < 1000; i++)
        d[i] = i * 1.25 - 300;
    for (int i = 0; i < 999; i++)
        sh[i] = (int16_t)(i * 77 - 30000);
    for (int i = 0; i < 33; i++)
        bo[i] = i % 3 == 0;
    mw_seq sd = {1000, d}, ss = {999, sh}, sb = {33, bo};
    roundtrip(&seq_double, &sd, &big);
    roundtrip(&seq_double, &sd, &little);
    roundtrip(&seq_short, &ss, &big);
    roundtrip(&seq_short, &ss, &little);
    roundtrip(&seq_bool, &sb, &big);

    /* the count, padding to 8, then each double big-endian */
    mw_buf out = {0};
    encode_ok(&seq_double, &sd, &big, &out);
    assert_int_equal(out.len, 8 + 8000);
    assert_int_equal(mw_load_u32be(out.data), 1000);
    for (int i = 0; i < 1000; i++) {
        double x;
        uint64_t bits = mw_load_u64be(out.data + 8 + 8 * i);
        memcpy(&x, &bits, 8);
        assert_true(x == d[i]);
    }
    mw_buf_free(&out);

    /* a boolean octet of 2 inside a bulk run */
    encode_ok(&seq_bool, &sb, &big, &out);
    out.data[4 + 17] = 2;
    mw_marshal_error err = decode_expect(&seq_bool, out.data, out.len, &big, MW_EPROTO, NULL,
                                         NULL);
    assert_int_equal(err.offset, 21);
    mw_buf_free(&out);
}

/* ---- unions with other discriminators, in anys --------------------------------------- */

typedef struct bunion {
    bool d;
    union {
        int64_t yes;
        char *no;
    } u;
} bunion;
static const mw_case bunion_cases[] = {{"yes", &mw_t_longlong, 1, false},
                                       {"no", &mw_t_string, 0, false}};
static const mw_type bunion_t = {
    .kind = MW_K_UNION, .name = "M::Maybe", .size = sizeof(bunion), .align = alignof(bunion),
    .u.un = {&mw_t_boolean, offsetof(bunion, u), bunion_cases, 2}};

typedef struct eunion {
    int32_t d; /* Color */
    union {
        uint8_t r;
        int16_t g;
    } u;
} eunion;
static const mw_case eunion_cases[] = {{"r", &mw_t_octet, MW_EX_RED, false},
                                       {"g", &mw_t_short, MW_EX_GREEN, false},
                                       {"nothing", NULL, 0, true}};
static const mw_type eunion_t = {
    .kind = MW_K_UNION, .name = "ByColor", .size = sizeof(eunion), .align = alignof(eunion),
    .u.un = {&mwi_t_color, offsetof(eunion, u), eunion_cases, 3}};

static void unions_in_anys(void **state)
{
    (void)state;
    bunion b1 = {true, {.yes = -5}}, b0 = {false, {.no = S("none")}};
    eunion e0 = {MW_EX_RED, {.r = 9}}, e1 = {MW_EX_GREEN, {.g = -9}}, e2 = {MW_EX_BLUE, {0}};
    void *vals[] = {&b1, &b0, &e0, &e1, &e2};
    const mw_type *types[] = {&bunion_t, &bunion_t, &eunion_t, &eunion_t, &eunion_t};
    for (int i = 0; i < 5; i++) {
        mw_any any = {types[i], vals[i]};
        roundtrip(types[i], vals[i], &big);
        roundtrip(&mw_t_any, &any, &big);
        roundtrip(&mw_t_any, &any, &little);
    }
    /* a boolean discriminator of 2 */
    mw_buf out = {0};
    encode_ok(&bunion_t, &b1, &big, &out);
    out.data[0] = 2;
    decode_expect(&bunion_t, out.data, out.len, &big, MW_EPROTO, NULL, NULL);
    mw_buf_free(&out);
}

/* ---- the shared conformance suite ---------------------------------------------------- */

static void conformance_suite(void **state)
{
    (void)state;
    const mw_type *types[] = {&mw_t_person, &mw_t_person_record, &mwi_t_showcase};
    for (size_t i = 0; i < 3; i++) {
        assert_true(suite_check_roundtrip(&mw_codec_cdr, types[i], 1000, 0x636472 + i));
        assert_true(suite_check_truncation(&mw_codec_cdr, types[i], 5, 0x636473 + i));
        assert_true(suite_check_garbage(&mw_codec_cdr, types[i], 300, 0x636474 + i));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(person_golden_both_orders),
        cmocka_unit_test(alignment_counts_from_the_stream_origin),
        cmocka_unit_test(person_in_an_any),
        cmocka_unit_test(encapsulations),
        cmocka_unit_test(showcase_roundtrips),
        cmocka_unit_test(showcase_in_an_any),
        cmocka_unit_test(recursive_typecode_uses_indirection),
        cmocka_unit_test(bad_indirections_are_refused),
        cmocka_unit_test(repeated_typecodes_stay_small),
        cmocka_unit_test(every_truncation_fails_cleanly),
        cmocka_unit_test(huge_lengths_allocate_nothing),
        cmocka_unit_test(bad_values_carry_offset_and_path),
        cmocka_unit_test(invalid_values_are_refused_on_encode),
        cmocka_unit_test(unsupported_typecodes),
        cmocka_unit_test(nesting_past_the_limit),
        cmocka_unit_test(bulk_sequences_in_both_orders),
        cmocka_unit_test(unions_in_anys),
        cmocka_unit_test(conformance_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

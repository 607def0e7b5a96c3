/* test_marshal_json.c - the JSON codec: golden text for Person and a full Showcase (the
 * mapping of docs/json-mapping.md, checked by jansson parsing what we write), exact 64-bit
 * integers both ways, shortest round-trip reals, base64 (RFC 4648 vectors), every union
 * case, any, optional, object references, what it refuses and where it says so (paths,
 * line/column/byte), nesting limits, the arena bound, and the shared conformance suite. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <math.h>

#include <cmocka.h>
#include <jansson.h>

#include "marshal/example_types.h"
#include "marshal/marshal_impl.h"
#include "marshal_suite.h"

/* ---- helpers ------------------------------------------------------------------------ */

/* A mutable copy of a literal, since the type model's strings are char *. */
static char *S(const char *s)
{
    static char pool[16384];
    static size_t used;
    size_t n = strlen(s) + 1;
    if (used + n > sizeof pool)
        used = 0;
    char *p = pool + used;
    memcpy(p, s, n);
    used += n;
    return p;
}

/* Encodes to a NUL-terminated string (caller frees), checking size == length. */
static char *encode_opts(const mw_type *t, const void *v, const mw_marshal_opts *o)
{
    mw_buf out = {0};
    mw_marshal_error err = {0};
    int rc = mw_codec_json.encode(t, v, &out, o, &err);
    if (rc)
        fail_msg("encode: %s (%s at %s)", mw_strerror(rc), err.detail, err.path);
    size_t sz = 0;
    assert_int_equal(mw_codec_json.size(t, v, o, &sz), 0);
    assert_int_equal(sz, out.len);
    assert_int_equal(mw_utf8_validate((const char *)out.data, out.len, NULL), 0);
    assert_int_equal(mw_buf_put_u8(&out, 0), 0);
    return (char *)mw_buf_detach(&out, NULL);
}

static char *encode(const mw_type *t, const void *v) { return encode_opts(t, v, NULL); }

/* Encodes and compares with the expected text. */
static void expect_text(const mw_type *t, const void *v, const char *want)
{
    char *got = encode(t, v);
    assert_string_equal(got, want);
    free(got);
}

/* Decodes text into v (arena a), expecting success. */
static void decode_ok(const mw_type *t, const char *text, void *v, mw_arena *a)
{
    mw_marshal_error err = {0};
    int rc = mw_json_decode(t, text, strlen(text), v, a, NULL, &err);
    if (rc)
        fail_msg("decode of %s: %s (%s at %s, offset %zu)", text, mw_strerror(rc), err.detail,
                 err.path, err.offset);
}

/* Decodes text (its exact bytes, in a heap copy so ASan sees overreads) and expects
 * code; path, when not NULL, must match, and detail must contain `in` when given. */
static mw_marshal_error decode_fail_n(const mw_type *t, const char *text, size_t n, int code,
                                      const char *path, const char *in)
{
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    void *v = mw_arena_calloc(a, 1, t->size);
    char *copy = test_malloc(n ? n : 1);
    memcpy(copy, text, n);
    mw_marshal_error err = {0};
    int rc = mw_json_decode(t, copy, n, v, a, NULL, &err);
    if (rc != code)
        fail_msg("decode of %.*s: %s, expected %s (%s at %s)", (int)n, text, mw_errname(rc),
                 mw_errname(code), err.detail, err.path);
    assert_int_equal(err.code, rc);
    if (path)
        assert_string_equal(err.path, path);
    if (in && !strstr(err.detail, in))
        fail_msg("detail \"%s\" does not mention \"%s\"", err.detail, in);
    test_free(copy);
    mw_arena_destroy(a);
    return err;
}

static mw_marshal_error decode_fail(const mw_type *t, const char *text, int code,
                                    const char *path, const char *in)
{
    return decode_fail_n(t, text, strlen(text), code, path, in);
}

/* Encode, check size, decode, compare, re-encode to the same bytes. */
static void roundtrip_opts(const mw_type *t, const void *v, const mw_marshal_opts *o)
{
    char *text = encode_opts(t, v, o);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    void *back = mw_arena_calloc(a, 1, t->size);
    decode_ok(t, text, back, a);
    if (!mw_value_equal(t, v, back))
        fail_msg("value changed in a round trip through %s", text);
    char *again = encode_opts(t, back, o);
    assert_string_equal(again, text);
    free(again);
    free(text);
    mw_arena_destroy(a);
}

static void roundtrip(const mw_type *t, const void *v) { roundtrip_opts(t, v, NULL); }

static mw_marshal_error encode_fail(const mw_type *t, const void *v, int code, const char *path)
{
    mw_buf out = {0};
    assert_int_equal(mw_buf_append(&out, "xyz", 3), 0);
    mw_marshal_error err = {0};
    int rc = mw_json_encode(t, v, &out, NULL, &err);
    if (rc != code)
        fail_msg("encode gave %s, expected %s (%s)", mw_errname(rc), mw_errname(code),
                 err.detail);
    assert_int_equal(err.code, rc);
    assert_int_equal(out.len, 3); /* restored */
    if (path)
        assert_string_equal(err.path, path);
    size_t sz;
    assert_int_equal(mw_codec_json.size(t, v, NULL, &sz), code);
    mw_buf_free(&out);
    return err;
}

/* ---- types used only here ----------------------------------------------------------- */

static const mw_type seq_ull = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                .align = alignof(mw_seq), .u.seq = {&mw_t_ulonglong, 0}};
static const mw_type seq_octet = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                  .align = alignof(mw_seq), .u.seq = {&mw_t_octet, 0}};
static const mw_type seq_octet_4 = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                    .align = alignof(mw_seq), .u.seq = {&mw_t_octet, 4}};
static const mw_type octets_3 = {.kind = MW_K_ARRAY, .size = 3, .align = 1,
                                 .u.arr = {&mw_t_octet, 3}};
static const mw_type string_5 = {.kind = MW_K_STRING, .size = sizeof(char *),
                                 .align = alignof(char *), .u.seq = {NULL, 5}};
static const mw_type seq_showcase = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                     .align = alignof(mw_seq), .u.seq = {&mwi_t_showcase, 0}};
static const mw_type seq_long = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                 .align = alignof(mw_seq), .u.seq = {&mw_t_long, 0}};

/* struct Node { sequence<Node> kids; }: nesting as deep as the input makes it. */
typedef struct node {
    mw_seq kids;
} node;
static const mw_type node_t;
static const mw_type node_seq = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                 .align = alignof(mw_seq), .u.seq = {&node_t, 0}};
static const mw_field node_fields[] = {{"kids", &node_seq, offsetof(node, kids), 0}};
static const mw_type node_t = {.kind = MW_K_STRUCT, .name = "Node", .size = sizeof(node),
                               .align = alignof(node), .u.st = {node_fields, 1}};

/* A struct the `any` mapping cannot name (not built in). */
typedef struct point {
    int32_t x, y;
} point;
static const mw_field point_fields[] = {{"x", &mw_t_long, offsetof(point, x), 0},
                                        {"y", &mw_t_long, offsetof(point, y), 0}};
static const mw_type point_t = {.kind = MW_K_STRUCT, .name = "Point", .size = sizeof(point),
                                .align = alignof(point), .u.st = {point_fields, 2}};

/* A run-time copy of Person's descriptor, as a TypeCode decoder would build it. */
static const mw_field person_copy_fields[] = {
    {"name", &mw_t_string, offsetof(mw_person, name), 0},
    {"place", &mw_t_string, offsetof(mw_person, place), 0},
    {"year", &mw_t_ulong, offsetof(mw_person, year), 0},
};
static const mw_type person_copy = {.kind = MW_K_STRUCT, .name = "Person",
                                    .size = sizeof(mw_person), .align = alignof(mw_person),
                                    .u.st = {person_copy_fields, 3}};

/* ---- Person (Figures 4.8-4.9) ------------------------------------------------------- */

static void person_golden(void **state)
{
    (void)state;
    mw_person p = {S("Smith"), S("London"), 1934};
    expect_text(&mw_t_person, &p, "{\"name\":\"Smith\",\"place\":\"London\",\"year\":1934}");
    mw_marshal_opts o = {.pretty = true};
    char *pretty = encode_opts(&mw_t_person, &p, &o);
    assert_string_equal(pretty, "{\n  \"name\": \"Smith\",\n  \"place\": \"London\",\n"
                                "  \"year\": 1934\n}");
    free(pretty);
    roundtrip(&mw_t_person, &p);
    roundtrip_opts(&mw_t_person, &p, &o);

    /* A real parser reads what we write as the object we mean. */
    char *text = encode(&mw_t_person, &p);
    json_error_t je;
    json_t *got = json_loads(text, 0, &je), *want = json_pack("{s:s,s:s,s:i}", "name",
                                                               "Smith", "place", "London",
                                                               "year", 1934);
    assert_non_null(got);
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    free(text);

    /* Whitespace, member order and escapes are the reader's business. */
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_person q;
    decode_ok(&mw_t_person,
              " {\r\n\t\"year\" : 1934 , \"place\":\"Lon\\u0064on\",\"name\":\"Sm\\/ith\"}\n",
              &q, a);
    assert_string_equal(q.name, "Sm/ith");
    assert_string_equal(q.place, "London");
    assert_int_equal(q.year, 1934);

    /* NULL strings encode as "", decoded strings are never NULL. */
    mw_person empty = {NULL, NULL, 0};
    expect_text(&mw_t_person, &empty, "{\"name\":\"\",\"place\":\"\",\"year\":0}");
    decode_ok(&mw_t_person, "{\"name\":\"\",\"place\":\"\",\"year\":0}", &q, a);
    assert_non_null(q.name);
    assert_string_equal(q.name, "");
    mw_arena_destroy(a);
}

static void person_errors(void **state)
{
    (void)state;
    decode_fail(&mw_t_person, "{\"name\":\"Smith\",\"place\":\"London\"}", MW_EPROTO, "$",
                "missing member \"year\"");
    decode_fail(&mw_t_person, "{\"name\":\"Smith\",\"place\":\"London\",\"year\":1,\"age\":3}",
                MW_EPROTO, "$", "unknown member \"age\"");
    /* A misspelt member is reported as unknown, by its name. */
    decode_fail(&mw_t_person, "{\"nmae\":\"Smith\",\"place\":\"London\",\"year\":1}", MW_EPROTO,
                "$", "unknown member \"nmae\"");
    mw_marshal_error e = decode_fail(
        &mw_t_person, "{\"name\":\"Smith\",\"name\":\"Jones\",\"place\":\"x\",\"year\":1}",
        MW_EPROTO, "", "duplicate");
    assert_int_equal(e.offset, 22); /* just after the second "name" */
    decode_fail(&mw_t_person, "{\"name\":1,\"place\":\"x\",\"year\":1}", MW_EPROTO, "$.name",
                "expected a string, found a number");
    decode_fail(&mw_t_person, "{\"name\":\"x\",\"place\":\"x\",\"year\":-1}", MW_ERANGE, "$.year",
                "-1 is out of range for unsigned long");
    decode_fail(&mw_t_person, "{\"name\":\"x\",\"place\":\"x\",\"year\":4294967296}", MW_ERANGE,
                "$.year", NULL);
    decode_fail(&mw_t_person, "{\"name\":\"x\",\"place\":\"x\",\"year\":1934.0}", MW_EPROTO,
                "$.year", "real");
    decode_fail(&mw_t_person, "{\"name\":\"x\",\"place\":\"x\",\"year\":\"1934\"}", MW_EPROTO,
                "$.year", "expected an integer, found a string");
    decode_fail(&mw_t_person, "[\"Smith\",\"London\",1934]", MW_EPROTO, "$",
                "expected an object, found an array");
    decode_fail(&mw_t_person, "null", MW_EPROTO, "$", NULL);
}

static void syntax_errors_carry_positions(void **state)
{
    (void)state;
    const char *doc = "{\"name\": \"Smith\",\n  \"place\" \"London\",\n  \"year\": 1934}";
    mw_marshal_error e = decode_fail(&mw_t_person, doc, MW_EPROTO, "", "line 2, column");
    assert_int_equal(e.offset, 36); /* after "London", which cannot follow "place" */
    e = decode_fail(&mw_t_person, "{\"name\":\"a\",\"place\":\"b\",\"year\":1} x", MW_EPROTO, "",
                    "end of file expected");
    assert_int_equal(e.offset, 35);
    decode_fail(&mw_t_person, "", MW_ETRUNCATED, "", NULL);
    decode_fail(&mw_t_person, "   ", MW_ETRUNCATED, "", NULL);
    decode_fail(&mw_t_person, "{\"name\":\"a\",", MW_ETRUNCATED, "", NULL);
    decode_fail(&mw_t_person, "{'name':'a'}", MW_EPROTO, "", NULL);
    decode_fail(&mw_t_person, "{\"name\":\"a\",}", MW_EPROTO, "", NULL);
    decode_fail_n(&mw_t_person, "{\"name\":\"a\"}\0", 13, MW_EPROTO, "", NULL);
    /* Raw invalid UTF-8: the offset is the bad byte itself. */
    e = decode_fail(&mw_t_person, "{\"name\":\"ab\xc3\x28\",\"place\":\"x\",\"year\":1}", MW_EUTF,
                    "", NULL);
    assert_int_equal(e.offset, 11);
    decode_fail(&mw_t_person, "{\"name\":\"\xed\xa0\x80\",\"place\":\"x\",\"year\":1}", MW_EUTF,
                "", NULL); /* an encoded surrogate */
    decode_fail(&mw_t_person, "{\"name\":\"\xc0\xaf\",\"place\":\"x\",\"year\":1}", MW_EUTF, "",
                NULL); /* overlong */
    decode_fail(&mw_t_person, "{\"name\":\"\\ud800\",\"place\":\"x\",\"year\":1}", MW_EUTF, "",
                NULL); /* a lone surrogate escape */
    decode_fail(&mw_t_person, "{\"name\":\"a\\u0000b\",\"place\":\"x\",\"year\":1}", MW_EPROTO,
                "$.name", "NUL");
    decode_fail(&mw_t_person, "{\"name\":\"a\tb\",\"place\":\"x\",\"year\":1}", MW_EPROTO, "",
                "control character");
    decode_fail(&mw_t_person, "{\"name\":\"a\",\"place\":\"x\",\"year\":1e400}", MW_ERANGE, "",
                NULL);
}

/* ---- Showcase: every kind ----------------------------------------------------------- */

static int32_t numbers[] = {1, -2, 3};
static uint8_t blob[] = {0, 1, 2, 0xff};

/* A fully populated Showcase. reading_case: 1 (temperature), 2 or 3 (label), anything
 * else (the default member, color). */
static void fill_showcase(mw_ex_showcase *s, mw_arena *a, int32_t reading_case, bool owner)
{
    memset(s, 0, sizeof *s);
    s->basics = (mw_ex_basics){true, 200, (char)0xe9, INT16_MIN, UINT16_MAX, INT32_MIN,
                               UINT32_MAX, INT64_MIN, UINT64_MAX, 3.14f, 0.1,
                               S("Gr\xc3\xbc\xc3\x9f" "e \"quoted\"\n")};
    s->numbers = (mw_seq){3, numbers};
    char **tags = mw_arena_calloc(a, 3, sizeof(char *));
    tags[0] = S("a");
    tags[1] = S("b");
    tags[2] = S("c");
    s->tags = (mw_seq){3, tags};
    s->blob = (mw_seq){4, blob};
    int16_t m[2][3] = {{1, 2, 3}, {4, 5, 6}};
    memcpy(s->matrix, m, sizeof m);
    s->color = MW_EX_BLUE;
    s->reading.d = reading_case;
    if (reading_case == 1)
        s->reading.u.temperature = 21.5;
    else if (reading_case == 2 || reading_case == 3)
        s->reading.u.label = S("warm");
    else
        s->reading.u.color = MW_EX_GREEN;
    s->temperature = -0.0;
    mw_person *o = mw_arena_calloc(a, 1, sizeof *o);
    *o = (mw_person){S("Smith"), S("London"), 1934};
    s->owner = owner ? o : NULL;
    mw_person *people = mw_arena_calloc(a, 2, sizeof *people);
    people[0] = *o;
    people[1] = (mw_person){S("Jones"), S("Paris"), 1950};
    s->people = (mw_seq){2, people};
    s->extra = (mw_any){&mw_t_person, o};
    mw_addr addr;
    assert_int_equal(mw_addr_parse(&addr, "127.0.0.1:6789", -1), 0);
    assert_int_equal(mw_objref_make(&s->ref, &addr, "HelloApp::Hello", a), 0);
}

static const char showcase_golden_text[] =
    "{\"basics\":{\"flag\":true,\"small\":200,\"letter\":\"\xc3\xa9\",\"s\":-32768,"
    "\"us\":65535,\"l\":-2147483648,\"ul\":4294967295,\"ll\":-9223372036854775808,"
    "\"ull\":18446744073709551615,\"f\":3.14,\"d\":0.1,"
    "\"text\":\"Gr\xc3\xbc\xc3\x9f" "e \\\"quoted\\\"\\n\"},"
    "\"numbers\":[1,-2,3],\"tags\":[\"a\",\"b\",\"c\"],\"blob\":\"AAEC/w==\","
    "\"matrix\":[[1,2,3],[4,5,6]],\"color\":\"BLUE\","
    "\"reading\":{\"_d\":1,\"temperature\":21.5},\"temperature\":-0.0,"
    "\"owner\":{\"name\":\"Smith\",\"place\":\"London\",\"year\":1934},"
    "\"people\":[{\"name\":\"Smith\",\"place\":\"London\",\"year\":1934},"
    "{\"name\":\"Jones\",\"place\":\"Paris\",\"year\":1950}],"
    "\"extra\":{\"type\":\"Person\",\"value\":{\"name\":\"Smith\",\"place\":\"London\","
    "\"year\":1934}},"
    "\"ref\":\"mwref:127.0.0.1:6789/1732190000123/7/HelloApp::Hello\"}";

static void showcase_golden(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_showcase s;
    fill_showcase(&s, a, 1, true);
    /* A fixed reference, so the text is fixed. */
    assert_int_equal(mw_objref_parse(&s.ref, "mwref:127.0.0.1:6789/1732190000123/7/HelloApp::Hello",
                                     a, NULL),
                     0);
    expect_text(&mwi_t_showcase, &s, showcase_golden_text);
    roundtrip(&mwi_t_showcase, &s);

    /* jansson reads it (as reals where integers pass long long) and agrees on values. */
    json_error_t je;
    json_t *j = json_loads(showcase_golden_text, JSON_DECODE_INT_AS_REAL, &je);
    assert_non_null(j);
    assert_true(json_real_value(json_object_get(json_object_get(j, "basics"), "ull")) ==
                18446744073709551615.0);
    assert_true(json_is_real(json_object_get(j, "temperature")));
    assert_true(signbit(json_real_value(json_object_get(j, "temperature"))));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "basics"),
                                                          "letter")),
                        "\xc3\xa9");
    json_decref(j);

    mw_ex_showcase back;
    decode_ok(&mwi_t_showcase, showcase_golden_text, &back, a);
    assert_int_equal(back.basics.ull, UINT64_MAX);
    assert_int_equal(back.basics.ll, INT64_MIN);
    assert_int_equal((unsigned char)back.basics.letter, 0xe9);
    assert_true(signbit(back.temperature));
    assert_int_equal(back.ref.object_number, 7);
    assert_string_equal(back.ref.interface, "HelloApp::Hello");
    assert_ptr_equal(back.extra.type, &mw_t_person);
    mw_arena_destroy(a);
}

static void showcase_every_case_roundtrips(void **state)
{
    (void)state;
    static const int32_t cases[] = {1, 2, 3, 0, 4, -7};
    static const char *const forms[] = {
        "\"reading\":{\"_d\":1,\"temperature\":21.5}", "\"reading\":{\"_d\":2,\"label\":\"warm\"}",
        "\"reading\":{\"_d\":3,\"label\":\"warm\"}", "\"reading\":{\"_d\":0,\"color\":\"GREEN\"}",
        "\"reading\":{\"_d\":4,\"color\":\"GREEN\"}", "\"reading\":{\"_d\":-7,\"color\":\"GREEN\"}"};
    mw_marshal_opts pretty = {.pretty = true};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (int owner = 0; owner < 2; owner++) {
            mw_arena *a;
            assert_int_equal(mw_arena_create(&a, 0), 0);
            mw_ex_showcase s;
            fill_showcase(&s, a, cases[i], owner);
            char *text = encode(&mwi_t_showcase, &s);
            assert_non_null(strstr(text, forms[i]));
            assert_non_null(strstr(text, owner ? "\"owner\":{\"name\"" : "\"owner\":null"));
            free(text);
            roundtrip(&mwi_t_showcase, &s);
            roundtrip_opts(&mwi_t_showcase, &s, &pretty);
            mw_arena_destroy(a);
        }
    }
}

static void showcase_any_and_empties(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_showcase s;
    fill_showcase(&s, a, 2, false);

    /* any holding a sequence<long> */
    mw_seq nums = {3, numbers};
    s.extra = (mw_any){&seq_long, &nums};
    char *text = encode(&mwi_t_showcase, &s);
    assert_non_null(strstr(text, "\"extra\":{\"type\":\"sequence<long>\",\"value\":[1,-2,3]}"));
    free(text);
    roundtrip(&mwi_t_showcase, &s);

    /* empty any, empty sequences, nil reference */
    s.extra = (mw_any){NULL, NULL};
    s.numbers = (mw_seq){0, NULL};
    s.tags = (mw_seq){0, NULL};
    s.blob = (mw_seq){0, NULL};
    s.people = (mw_seq){0, NULL};
    memset(&s.ref, 0, sizeof s.ref);
    text = encode(&mwi_t_showcase, &s);
    assert_non_null(strstr(text, "\"numbers\":[],\"tags\":[],\"blob\":\"\","));
    assert_non_null(strstr(text, "\"people\":[],\"extra\":null,\"ref\":null}"));
    free(text);
    roundtrip(&mwi_t_showcase, &s);
    mw_marshal_opts pretty = {.pretty = true};
    text = encode_opts(&mwi_t_showcase, &s, &pretty);
    assert_non_null(strstr(text, "\n  \"numbers\": [],\n  \"tags\": [],\n"));
    free(text);
    mw_arena_destroy(a);
}

static void showcase_pretty_layout(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_showcase s;
    fill_showcase(&s, a, 1, true);
    mw_marshal_opts pretty = {.pretty = true};
    char *text = encode_opts(&mwi_t_showcase, &s, &pretty);
    assert_non_null(strstr(text, "{\n  \"basics\": {\n    \"flag\": true,\n"));
    assert_non_null(strstr(text, "  \"matrix\": [\n    [\n      1,\n      2,\n"));
    assert_non_null(strstr(text, "  \"reading\": {\n    \"_d\": 1,\n    \"temperature\": 21.5\n  },"));
    assert_non_null(strstr(text, "    \"value\": {\n      \"name\": \"Smith\",\n"));
    /* The same value as the compact form, by jansson's reading. */
    char *compact = encode(&mwi_t_showcase, &s);
    json_error_t je;
    json_t *x = json_loads(text, JSON_DECODE_INT_AS_REAL, &je);
    json_t *y = json_loads(compact, JSON_DECODE_INT_AS_REAL, &je);
    assert_non_null(x);
    assert_non_null(y);
    assert_true(json_equal(x, y));
    json_decref(x);
    json_decref(y);
    free(compact);
    free(text);
    mw_arena_destroy(a);
}

static void showcase_errors_name_paths(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_showcase s;
    fill_showcase(&s, a, 1, true);
    mw_person people[3] = {{S("a"), S("b"), 1}, {S("c"), S("d"), 2}, {S("e"), S("f"), 3}};
    s.people = (mw_seq){3, people};
    char *text = encode(&mwi_t_showcase, &s);

    /* Replace pieces of a valid document and check where the error is reported. */
    struct {
        const char *from, *to, *path;
        int code;
    } cases[] = {
        {"\"name\":\"e\"", "\"name\":5", "$.people[2].name", MW_EPROTO},
        {"\"s\":-32768", "\"s\":-32769", "$.basics.s", MW_ERANGE},
        {"\"us\":65535", "\"us\":65536", "$.basics.us", MW_ERANGE},
        {"\"small\":200", "\"small\":256", "$.basics.small", MW_ERANGE},
        {"\"l\":-2147483648", "\"l\":-2147483649", "$.basics.l", MW_ERANGE},
        {"\"ll\":-9223372036854775808", "\"ll\":-9223372036854775809", "$.basics.ll",
         MW_ERANGE},
        {"\"ull\":18446744073709551615", "\"ull\":18446744073709551616", "$.basics.ull",
         MW_ERANGE},
        {"\"ull\":18446744073709551615", "\"ull\":-1", "$.basics.ull", MW_ERANGE},
        {"\"f\":3.14", "\"f\":3.5e38", "$.basics.f", MW_ERANGE},
        {"\"flag\":true", "\"flag\":1", "$.basics.flag", MW_EPROTO},
        {"\"letter\":\"\xc3\xa9\"", "\"letter\":\"\xe2\x82\xac\"", "$.basics.letter", MW_ERANGE},
        {"\"letter\":\"\xc3\xa9\"", "\"letter\":\"ab\"", "$.basics.letter", MW_EPROTO},
        {"\"letter\":\"\xc3\xa9\"", "\"letter\":\"\"", "$.basics.letter", MW_EPROTO},
        {"\"tags\":[\"a\",\"b\",\"c\"]", "\"tags\":[\"a\",\"b\",\"c\",\"d\"]", "$.tags", MW_EPROTO},
        {"\"tags\":[\"a\",\"b\",\"c\"]", "\"tags\":[\"a\",\"b\",7]", "$.tags[2]", MW_EPROTO},
        {"\"blob\":\"AAEC/w==\"", "\"blob\":\"AAEC/w=\"", "$.blob", MW_EPROTO},
        {"\"blob\":\"AAEC/w==\"", "\"blob\":[0,1,2,255]", "$.blob", MW_EPROTO},
        {"[[1,2,3],[4,5,6]]", "[[1,2,3],[4,5]]", "$.matrix[1]", MW_EPROTO},
        {"[[1,2,3],[4,5,6]]", "[[1,2,3],[4,5,6],[7,8,9]]", "$.matrix", MW_EPROTO},
        {"[[1,2,3],[4,5,6]]", "[[1,2,3],[4,5,40000]]", "$.matrix[1][2]", MW_ERANGE},
        {"\"color\":\"BLUE\"", "\"color\":\"PURPLE\"", "$.color", MW_EPROTO},
        {"\"color\":\"BLUE\"", "\"color\":2", "$.color", MW_EPROTO},
        {"{\"_d\":1,\"temperature\":21.5}", "{\"temperature\":21.5}", "$.reading", MW_EPROTO},
        {"{\"_d\":1,\"temperature\":21.5}", "{\"_d\":1}", "$.reading", MW_EPROTO},
        {"{\"_d\":1,\"temperature\":21.5}", "{\"_d\":1,\"label\":\"x\"}", "$.reading", MW_EPROTO},
        {"{\"_d\":1,\"temperature\":21.5}", "{\"_d\":2,\"label\":7}", "$.reading.label",
         MW_EPROTO},
        {"{\"_d\":1,\"temperature\":21.5}", "{\"_d\":\"1\",\"temperature\":1}", "$.reading._d",
         MW_EPROTO},
        {"{\"_d\":1,\"temperature\":21.5}", "{\"_d\":0,\"color\":\"RED\",\"x\":1}", "$.reading",
         MW_EPROTO},
        {"\"temperature\":-0.0", "\"temperature\":\"hot\"", "$.temperature", MW_EPROTO},
        {"\"owner\":{\"name\":\"Smith\",", "\"owner\":{\"name\":null,", "$.owner.name",
         MW_EPROTO},
        {"\"type\":\"Person\"", "\"type\":\"Nobody\"", "$.extra.type", MW_EPROTO},
        {"\"type\":\"Person\"", "\"type\":\"sequence<Nobody>\"", "$.extra.type", MW_EPROTO},
        {"\"type\":\"Person\"", "\"type\":\"long\"", "$.extra.value", MW_EPROTO},
        {"\"type\":\"Person\"", "\"kind\":\"Person\"", "$.extra", MW_EPROTO},
        {"\"ref\":\"mwref:127.0.0.1:6789", "\"ref\":\"mwref:127.0.0.1:67890", "$.ref", MW_EPROTO},
        {"\"ref\":\"mwref:127.0.0.1:6789", "\"ref\":\"mwref:127.0.0.1\\u0000:6789", "$.ref",
         MW_EPROTO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *at = strstr(text, cases[i].from);
        if (!at)
            fail_msg("case %zu: %s not in %s", i, cases[i].from, text);
        char doc[4096];
        snprintf(doc, sizeof doc, "%.*s%s%s", (int)(at - text), text, cases[i].to,
                 at + strlen(cases[i].from));
        decode_fail(&mwi_t_showcase, doc, cases[i].code, cases[i].path, NULL);
    }
    free(text);
    mw_arena_destroy(a);
}

/* ---- 64-bit integers -------------------------------------------------------------- */

static void integers_64_bit_exact(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    uint64_t u = UINT64_MAX, ub;
    int64_t i = INT64_MAX, ib;
    expect_text(&mw_t_ulonglong, &u, "18446744073709551615");
    expect_text(&mw_t_longlong, &i, "9223372036854775807");
    i = INT64_MIN;
    expect_text(&mw_t_longlong, &i, "-9223372036854775808");
    u = (uint64_t)INT64_MAX + 1;
    expect_text(&mw_t_ulonglong, &u, "9223372036854775808");

    decode_ok(&mw_t_ulonglong, "18446744073709551615", &ub, a);
    assert_true(ub == UINT64_MAX);
    decode_ok(&mw_t_ulonglong, "9223372036854775807", &ub, a);
    assert_true(ub == (uint64_t)INT64_MAX);
    decode_ok(&mw_t_ulonglong, "9223372036854775808", &ub, a);
    assert_true(ub == (uint64_t)INT64_MAX + 1);
    decode_ok(&mw_t_longlong, "9223372036854775807", &ib, a);
    assert_true(ib == INT64_MAX);
    decode_ok(&mw_t_longlong, "-9223372036854775808", &ib, a);
    assert_true(ib == INT64_MIN);
    decode_ok(&mw_t_longlong, " -0 ", &ib, a);
    assert_true(ib == 0);

    decode_fail(&mw_t_ulonglong, "18446744073709551616", MW_ERANGE, "$", "18446744073709551616");
    decode_fail(&mw_t_ulonglong, "99999999999999999999999999", MW_ERANGE, "$", NULL);
    decode_fail(&mw_t_ulonglong, "-1", MW_ERANGE, "$", NULL);
    decode_fail(&mw_t_ulonglong, "-18446744073709551615", MW_ERANGE, "$", NULL);
    decode_fail(&mw_t_longlong, "9223372036854775808", MW_ERANGE, "$", NULL);
    decode_fail(&mw_t_longlong, "-9223372036854775809", MW_ERANGE, "$", NULL);
    decode_fail(&mw_t_long, "18446744073709551615", MW_ERANGE, "$", "out of range for long");
    decode_fail(&mw_t_ulonglong, "1.8e19", MW_EPROTO, "$", "real");
    decode_fail(&mw_t_ulonglong, "018446744073709551615", MW_EPROTO, "", NULL);
    decode_fail(&mw_t_ulonglong, "18446744073709551615x", MW_EPROTO, "", NULL);
    decode_fail(&mw_t_string, "18446744073709551615", MW_EPROTO, "$",
                "expected a string, found a number");
    decode_fail(&mw_t_boolean, "18446744073709551615", MW_EPROTO, "$", "found a number");

    /* A big literal is a number for real targets too. */
    double d;
    float f;
    decode_ok(&mw_t_double, "18446744073709551615", &d, a);
    assert_true(d == 18446744073709551615.0);
    decode_ok(&mw_t_float, "-18446744073709551615", &f, a);
    assert_true(f == -18446744073709551615.0f);
    decode_fail(&mw_t_float, "1000000000000000000000000000000000000000", MW_ERANGE, "$", NULL);

    /* Many of them, placeholders 0..11, in one document, pretty or not. */
    uint64_t vals[12];
    for (int k = 0; k < 12; k++)
        vals[k] = UINT64_MAX - (uint64_t)k * 1000003;
    mw_seq seq = {12, vals};
    roundtrip(&seq_ull, &seq);
    mw_marshal_opts pretty = {.pretty = true};
    roundtrip_opts(&seq_ull, &seq, &pretty);

    /* A string that looks like a placeholder is refused, never read as a number. */
    decode_fail(&seq_ull, "[\"\\u00000\",18446744073709551615]", MW_EPROTO, "", "\\u0000");
    decode_fail(&seq_ull, "[\"\\u00000\"]", MW_EPROTO, "$[0]", "expected an integer");
    decode_fail(&seq_ull, "[\"\\u00001\", 1]", MW_EPROTO, "$[0]", NULL);

    /* Positions in errors are the input's, placeholders or not (same length inputs). */
    mw_marshal_error e1 = decode_fail(&seq_ull, "[18446744073709551615,\n x]", MW_EPROTO, "",
                                      "line 2, column 2");
    mw_marshal_error e2 = decode_fail(&seq_ull, "[-1844674407370955161,\n x]", MW_EPROTO, "",
                                      "line 2, column 2");
    assert_int_equal(e1.offset, e2.offset);
    assert_int_equal(e1.offset, 25);
    mw_arena_destroy(a);
}

static void integer_ranges(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    struct {
        const mw_type *t;
        const char *lo, *hi, *below, *above;
    } r[] = {
        {&mw_t_octet, "0", "255", "-1", "256"},
        {&mw_t_short, "-32768", "32767", "-32769", "32768"},
        {&mw_t_ushort, "0", "65535", "-1", "65536"},
        {&mw_t_long, "-2147483648", "2147483647", "-2147483649", "2147483648"},
        {&mw_t_ulong, "0", "4294967295", "-1", "4294967296"},
        {&mw_t_longlong, "-9223372036854775808", "9223372036854775807", "-9223372036854775809",
         "9223372036854775808"},
        {&mw_t_ulonglong, "0", "18446744073709551615", "-1", "18446744073709551616"},
    };
    for (size_t i = 0; i < sizeof r / sizeof *r; i++) {
        uint64_t v = 0;
        decode_ok(r[i].t, r[i].lo, &v, a);
        expect_text(r[i].t, &v, r[i].lo);
        decode_ok(r[i].t, r[i].hi, &v, a);
        expect_text(r[i].t, &v, r[i].hi);
        decode_fail(r[i].t, r[i].below, MW_ERANGE, "$", mw_kind_name(r[i].t->kind));
        decode_fail(r[i].t, r[i].above, MW_ERANGE, "$", mw_kind_name(r[i].t->kind));
    }
    mw_arena_destroy(a);
}

/* ---- reals ------------------------------------------------------------------------- */

static void reals_shortest_and_exact(void **state)
{
    (void)state;
    double d = 0.1;
    expect_text(&mw_t_double, &d, "0.1");
    d = 21;
    expect_text(&mw_t_double, &d, "21.0");
    d = -0.0;
    expect_text(&mw_t_double, &d, "-0.0");
    d = 1e300;
    expect_text(&mw_t_double, &d, "1e+300");
    d = 5e-324;
    expect_text(&mw_t_double, &d, "5e-324");
    d = 2.2250738585072009e-308; /* the largest subnormal */
    expect_text(&mw_t_double, &d, "2.225073858507201e-308");
    d = DBL_MAX;
    expect_text(&mw_t_double, &d, "1.7976931348623157e+308");
    d = 1.0 / 3;
    expect_text(&mw_t_double, &d, "0.3333333333333333");
    float f = 3.14f;
    expect_text(&mw_t_float, &f, "3.14");
    f = 0.1f;
    expect_text(&mw_t_float, &f, "0.1");
    f = FLT_MAX;
    expect_text(&mw_t_float, &f, "3.4028235e+38"); /* as Java prints it */
    f = 1e-45f;
    expect_text(&mw_t_float, &f, "1e-45");
    f = 16777216.0f;
    expect_text(&mw_t_float, &f, "16777216.0");

    /* Random bit patterns, every finite one bit-exact both ways. */
    mw_rng r;
    mw_rng_seed(&r, 42);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = mw_rng_next(&r);
        double x;
        float y;
        uint32_t b32 = (uint32_t)bits;
        memcpy(&x, &bits, sizeof x);
        memcpy(&y, &b32, sizeof y);
        if (isfinite(x))
            roundtrip(&mw_t_double, &x);
        if (isfinite(y))
            roundtrip(&mw_t_float, &y);
    }

    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    decode_ok(&mw_t_double, "-0", &d, a); /* the integer 0 has no sign */
    assert_false(signbit(d));
    decode_ok(&mw_t_double, "-0.0", &d, a);
    assert_true(signbit(d));
    decode_ok(&mw_t_double, "1E2", &d, a);
    assert_true(d == 100);
    decode_ok(&mw_t_float, "16777217", &f, a);
    assert_true(f == 16777216.0f);
    decode_ok(&mw_t_float, "3.4028235e38", &f, a); /* rounds to FLT_MAX */
    assert_true(f == FLT_MAX);
    decode_fail(&mw_t_float, "3.5e38", MW_ERANGE, "$", "float");
    decode_fail(&mw_t_double, "1e309", MW_ERANGE, "", NULL);
    decode_fail(&mw_t_double, "NaN", MW_EPROTO, "", NULL);
    decode_fail(&mw_t_double, "Infinity", MW_EPROTO, "", NULL);
    decode_fail(&mw_t_double, "-Infinity", MW_EPROTO, "", NULL);
    decode_fail(&mw_t_double, ".5", MW_EPROTO, "", NULL);
    decode_fail(&mw_t_double, "\"1.5\"", MW_EPROTO, "$", "expected a number");
    mw_arena_destroy(a);

    /* No JSON form for NaN or infinity. */
    d = NAN;
    encode_fail(&mw_t_double, &d, MW_ERANGE, "$");
    d = -INFINITY;
    encode_fail(&mw_t_double, &d, MW_ERANGE, "$");
    mw_arena *b;
    assert_int_equal(mw_arena_create(&b, 0), 0);
    mw_ex_showcase s;
    fill_showcase(&s, b, 1, true);
    s.basics.f = INFINITY;
    mw_marshal_error e = encode_fail(&mwi_t_showcase, &s, MW_ERANGE, "$.basics.f");
    assert_non_null(strstr(e.detail, "infinity"));
    s.basics.f = 0;
    s.reading.u.temperature = NAN;
    encode_fail(&mwi_t_showcase, &s, MW_ERANGE, "$.reading.temperature");
    mw_arena_destroy(b);
}

/* ---- chars and strings -------------------------------------------------------------- */

static void chars_and_strings(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    /* Every char value is a one-character string, ISO 8859-1 being U+0000..U+00FF. */
    for (int c = 0; c < 256; c++) {
        char ch = (char)c, back = 0;
        char *text = encode(&mw_t_char, &ch);
        decode_ok(&mw_t_char, text, &back, a);
        assert_int_equal((unsigned char)back, c);
        free(text);
    }
    char ch = 0;
    expect_text(&mw_t_char, &ch, "\"\\u0000\"");
    ch = '"';
    expect_text(&mw_t_char, &ch, "\"\\\"\"");
    ch = (char)0xff;
    expect_text(&mw_t_char, &ch, "\"\xc3\xbf\"");
    decode_ok(&mw_t_char, "\"\\u00e9\"", &ch, a);
    assert_int_equal((unsigned char)ch, 0xe9);
    decode_fail(&mw_t_char, "\"\\u0100\"", MW_ERANGE, "$", "ISO 8859-1");
    decode_fail(&mw_t_char, "\"\xf0\x9f\x98\x80\"", MW_ERANGE, "$", NULL);
    decode_fail(&mw_t_char, "\"\\u0000\\u0000\"", MW_EPROTO, "$", "one character");
    decode_fail(&mw_t_char, "65", MW_EPROTO, "$", NULL);

    char *s = S("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    expect_text(&mw_t_string, &s,
                "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    roundtrip(&mw_t_string, &s);
    char *back = NULL;
    decode_ok(&mw_t_string, "\"\\ud83d\\ude00 \\u20AC\"", &back, a);
    assert_string_equal(back, "\xf0\x9f\x98\x80 \xe2\x82\xac");

    /* The encoder never writes invalid UTF-8. */
    char *bad = S("ok\xc3(");
    mw_marshal_error e = encode_fail(&mw_t_string, &bad, MW_EUTF, "$");
    assert_non_null(strstr(e.detail, "byte 2"));
    mw_person p = {S("Smith"), S("Lon\xed\xa0\x80" "don"), 1};
    encode_fail(&mw_t_person, &p, MW_EUTF, "$.place");
    p.place = S("\xc0\x80");
    encode_fail(&mw_t_person, &p, MW_EUTF, "$.place");

    /* Bounded strings: bytes, both ways. */
    char *five = S("\xc3\xa9\xc3\xa9z");
    roundtrip(&string_5, &five);
    char *six = S("abcdef");
    encode_fail(&string_5, &six, MW_EINVAL, "$");
    decode_fail(&string_5, "\"abcdef\"", MW_EPROTO, "$", "bound");
    decode_fail(&string_5, "\"\xc3\xa9\xc3\xa9\xc3\xa9\"", MW_EPROTO, "$", "bound");
    mw_arena_destroy(a);
}

/* ---- octets: base64 ----------------------------------------------------------------- */

static void base64_octets(void **state)
{
    (void)state;
    /* RFC 4648 section 10 */
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"\"\"", "\"Zg==\"", "\"Zm8=\"", "\"Zm9v\"",
                                        "\"Zm9vYg==\"", "\"Zm9vYmE=\"", "\"Zm9vYmFy\""};
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    for (size_t i = 0; i < 7; i++) {
        mw_seq s = {(uint32_t)strlen(plain[i]), (void *)(uintptr_t)plain[i]};
        expect_text(&seq_octet, &s, coded[i]);
        mw_seq back;
        decode_ok(&seq_octet, coded[i], &back, a);
        assert_int_equal(back.len, strlen(plain[i]));
        if (back.len)
            assert_memory_equal(back.data, plain[i], back.len);
    }
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    mw_seq s = {256, all};
    roundtrip(&seq_octet, &s);
    uint8_t three[3] = {0xfb, 0xff, 0x00};
    expect_text(&octets_3, three, "\"+/8A\"");
    roundtrip(&octets_3, three);

    /* Strict: alphabet, padding, canonical bits, no whitespace, lengths. */
    static const char *const bad[] = {"\"Zg=\"",   "\"Zg\"",     "\"Z===\"",  "\"Zh==\"",
                                      "\"Zm9=\"",  "\"Zg==Zg==\"", "\"Zm9v\\n\"", "\"Zm-v\"",
                                      "\"Zm_v\"",  "\"====\"",   "\"Zg=a\"",  "\" Zm9v\"",
                                      "\"Zm9v=\"", "[102]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        decode_fail(&seq_octet, bad[i], MW_EPROTO, "$", NULL);
    decode_fail(&octets_3, "\"Zm9vYg==\"", MW_EPROTO, "$", "array holds 3");
    decode_fail(&octets_3, "\"Zm8=\"", MW_EPROTO, "$", NULL);
    decode_fail(&seq_octet_4, "\"Zm9vYmE=\"", MW_EPROTO, "$", "bound");
    mw_seq ok4;
    decode_ok(&seq_octet_4, "\"Zm9vYg==\"", &ok4, a);
    assert_int_equal(ok4.len, 4);
    mw_seq five = {5, all};
    encode_fail(&seq_octet_4, &five, MW_EINVAL, "$");
    mw_arena_destroy(a);
}

/* ---- any, optional, objref, enum ---------------------------------------------------- */

static void any_mapping(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    int32_t l = -5;
    uint64_t big = UINT64_MAX;
    char *str = S("hi");
    double dv = 2.5;
    mw_person p = {S("Smith"), S("London"), 1934};
    mw_any inner = {&mw_t_long, &l};
    struct {
        mw_any v;
        const char *text;
    } cases[] = {
        {{&mw_t_long, &l}, "{\"type\":\"long\",\"value\":-5}"},
        {{&mw_t_ulonglong, &big},
         "{\"type\":\"unsigned long long\",\"value\":18446744073709551615}"},
        {{&mw_t_string, &str}, "{\"type\":\"string\",\"value\":\"hi\"}"},
        {{&mwi_t_celsius, &dv}, "{\"type\":\"double\",\"value\":2.5}"},
        {{&mw_t_person, &p}, "{\"type\":\"Person\",\"value\":{\"name\":\"Smith\","
                             "\"place\":\"London\",\"year\":1934}}"},
        {{&person_copy, &p}, "{\"type\":\"Person\",\"value\":{\"name\":\"Smith\","
                             "\"place\":\"London\",\"year\":1934}}"},
        {{&mw_t_any, &inner}, "{\"type\":\"any\",\"value\":{\"type\":\"long\",\"value\":-5}}"},
        {{NULL, NULL}, "null"},
        {{&mw_t_void, NULL}, "null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        expect_text(&mw_t_any, &cases[i].v, cases[i].text);
        roundtrip(&mw_t_any, &cases[i].v);
    }
    mw_any back;
    decode_ok(&mw_t_any, "{\"value\":[1,2],\"type\":\"sequence<unsigned short>\"}", &back, a);
    assert_int_equal(back.type->kind, MW_K_SEQUENCE);
    assert_ptr_equal(back.type->u.seq.elem, &mw_t_ushort);
    assert_int_equal(((mw_seq *)back.value)->len, 2);
    decode_ok(&mw_t_any, "{\"type\":\"sequence<Person>\",\"value\":[]}", &back, a);
    assert_ptr_equal(back.type->u.seq.elem, &mw_t_person);

    /* Types the decoder could not rebuild from a name are refused when encoding. */
    point pt = {1, 2};
    mw_any unsupported = {&point_t, &pt};
    mw_marshal_error e = encode_fail(&mw_t_any, &unsupported, MW_ENOTSUP, "$");
    assert_non_null(strstr(e.detail, "Point"));
    int32_t color = MW_EX_RED;
    mw_any en = {&mwi_t_color, &color};
    encode_fail(&mw_t_any, &en, MW_ENOTSUP, "$");
    mw_any noval = {&mw_t_long, NULL};
    encode_fail(&mw_t_any, &noval, MW_EINVAL, "$");

    decode_fail(&mw_t_any, "{\"type\":\"long\"}", MW_EPROTO, "$", "missing member \"value\"");
    decode_fail(&mw_t_any, "{\"type\":\"sequence<sequence<long>>\",\"value\":[]}", MW_EPROTO,
                "$.type", "unknown type");
    decode_fail(&mw_t_any, "{\"type\":\"sequence<>\",\"value\":[]}", MW_EPROTO, "$.type", NULL);
    decode_fail(&mw_t_any, "{\"type\":\"Color\",\"value\":\"RED\"}", MW_EPROTO, "$.type", NULL);
    decode_fail(&mw_t_any, "{\"type\":5,\"value\":5}", MW_EPROTO, "$.type", NULL);
    decode_fail(&mw_t_any, "{\"type\":\"long\",\"value\":5,\"x\":1}", MW_EPROTO, "$",
                "unknown member \"x\"");
    decode_fail(&mw_t_any, "[]", MW_EPROTO, "$", NULL);
    mw_arena_destroy(a);
}

static void objrefs(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_objref r;
    assert_int_equal(
        mw_objref_parse(&r, "mwref:[::1]:80/1732190000123/42/Shapes::Sq%20are", a, NULL), 0);
    expect_text(&mw_t_objref, &r, "\"mwref:[::1]:80/1732190000123/42/Shapes::Sq%20are\"");
    roundtrip(&mw_t_objref, &r);
    mw_addr addr;
    assert_int_equal(mw_addr_parse(&addr, "10.0.0.1:7896", -1), 0);
    assert_int_equal(mw_objref_make(&r, &addr, "HelloApp::Hello", a), 0);
    roundtrip(&mw_t_objref, &r);

    mw_objref nil = {0};
    expect_text(&mw_t_objref, &nil, "null");
    mw_objref back;
    decode_ok(&mw_t_objref, "null", &back, a);
    assert_true(mw_value_equal(&mw_t_objref, &nil, &back));
    assert_non_null(back.interface);

    nil.object_number = 3;
    encode_fail(&mw_t_objref, &nil, MW_EINVAL, "$");
    r.interface = S("");
    encode_fail(&mw_t_objref, &r, MW_EINVAL, "$");
    r.interface = S("Bad\xff");
    encode_fail(&mw_t_objref, &r, MW_EUTF, "$");
    decode_fail(&mw_t_objref, "\"mwref:1.2.3.4:5/6/7/\"", MW_EPROTO, "$", "malformed");
    decode_fail(&mw_t_objref, "\"http://x\"", MW_EPROTO, "$", NULL);
    decode_fail(&mw_t_objref, "{}", MW_EPROTO, "$", NULL);
    mw_arena_destroy(a);
}

static void enums_and_optionals(void **state)
{
    (void)state;
    int32_t c = 7;
    encode_fail(&mwi_t_color, &c, MW_EINVAL, "$");
    c = MW_EX_GREEN;
    expect_text(&mwi_t_color, &c, "\"GREEN\"");
    decode_fail(&mwi_t_color, "\"green\"", MW_EPROTO, "$", "not an enumerator");
    decode_fail(&mwi_t_color, "1", MW_EPROTO, "$", NULL);

    /* A union with an enum discriminator written as the enumerator's name. */
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_reading rd = {.d = 5, .u.color = MW_EX_RED};
    expect_text(&mwi_t_reading, &rd, "{\"_d\":5,\"color\":\"RED\"}");
    mw_ex_reading back;
    decode_ok(&mwi_t_reading, "{\"color\":\"RED\",\"_d\":5}", &back, a);
    assert_int_equal(back.d, 5);
    assert_int_equal(back.u.color, MW_EX_RED);
    decode_fail(&mwi_t_reading, "{\"_d\":2147483648,\"color\":\"RED\"}", MW_ERANGE, "$._d",
                NULL);
    decode_fail(&mwi_t_reading, "{\"_d\":1,\"temperature\":1,\"_d\":1}", MW_EPROTO, "",
                "duplicate");
    mw_arena_destroy(a);
}

/* ---- hostile input ---------------------------------------------------------------- */

static void every_truncation_fails(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_ex_showcase s;
    fill_showcase(&s, a, 2, true);
    mw_marshal_opts pretty = {.pretty = true};
    for (int style = 0; style < 2; style++) {
        char *text = encode_opts(&mwi_t_showcase, &s, style ? &pretty : NULL);
        size_t len = strlen(text);
        for (size_t n = 0; n < len; n++) {
            mw_arena *b;
            assert_int_equal(mw_arena_create(&b, 0), 0);
            char *copy = test_malloc(n ? n : 1);
            memcpy(copy, text, n);
            mw_ex_showcase back;
            mw_marshal_error err = {0};
            int rc = mw_json_decode(&mwi_t_showcase, copy, n, &back, b, NULL, &err);
            if (rc == 0)
                fail_msg("accepted %zu of %zu bytes", n, len);
            assert_int_equal(err.code, rc);
            assert_true(err.offset <= n);
            test_free(copy);
            mw_arena_destroy(b);
        }
        free(text);
    }
    mw_arena_destroy(a);
}

static char *nest(const char *open, const char *inner, const char *close, int n)
{
    size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
    char *s = malloc((lo + lc) * (size_t)n + li + 1), *p = s;
    for (int i = 0; i < n; i++, p += lo)
        memcpy(p, open, lo);
    memcpy(p, inner, li);
    p += li;
    for (int i = 0; i < n; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

static void nesting_is_limited(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    /* Each level is a struct and a sequence: 31 levels fit in 64, 32 do not. */
    char *ok = nest("{\"kids\":[", "{\"kids\":[]}", "]}", 31);
    node n;
    decode_ok(&node_t, ok, &n, a);
    roundtrip(&node_t, &n);
    char *deep = nest("{\"kids\":[", "{\"kids\":[]}", "]}", 32);
    mw_marshal_error e = decode_fail(&node_t, deep, MW_EDEPTH, NULL, NULL);
    assert_memory_equal(e.path, "$...", 4); /* only the innermost part fits */
    assert_non_null(strstr(e.path, ".kids[0].kids[0]"));

    /* The encoder keeps the same limit. */
    node *levels = mw_arena_calloc(a, 33, sizeof(node));
    for (int i = 0; i < 32; i++)
        levels[i].kids = (mw_seq){1, &levels[i + 1]};
    encode_fail(&node_t, &levels[0], MW_EDEPTH, NULL);
    char *text = encode(&node_t, &levels[1]);
    free(text);

    /* A caller's own limit. */
    mw_marshal_opts o = {.max_depth = 3};
    node back;
    mw_marshal_error err;
    assert_int_equal(mw_json_decode(&node_t, ok, strlen(ok), &back, a, &o, &err), MW_EDEPTH);
    mw_ex_showcase s;
    fill_showcase(&s, a, 1, true);
    o.max_depth = 2;
    mw_buf out = {0};
    assert_int_equal(mw_json_encode(&mwi_t_showcase, &s, &out, &o, &err), MW_EDEPTH);
    assert_int_equal(out.len, 0);
    o.max_depth = 3;
    assert_int_equal(mw_json_encode(&mwi_t_showcase, &s, &out, &o, &err), 0);
    mw_buf_free(&out);

    /* Nesting past what the parser takes at all. */
    char *brackets = nest("[", "", "]", 5000);
    decode_fail(&seq_long, brackets, MW_EDEPTH, "", NULL);
    free(brackets);
    free(ok);
    free(deep);
    mw_arena_destroy(a);
}

static void allocation_is_bounded_by_input(void **state)
{
    (void)state;
    /* 2000 empty objects: 3 bytes each in the input, a whole Showcase each in C. The
     * sequence is refused before it is allocated. */
    size_t n = 2000, len = 0;
    char *text = malloc(n * 3 + 2);
    text[len++] = '[';
    for (size_t i = 0; i < n; i++) {
        memcpy(text + len, i ? ",{}" : "{}", i ? 3 : 2);
        len += i ? 3 : 2;
    }
    text[len++] = ']';
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_seq back;
    mw_marshal_error err;
    assert_int_equal(mw_json_decode(&seq_showcase, text, len, &back, a, NULL, &err), MW_ELIMIT);
    assert_true(mw_arena_used(a) <= len * 16 + 4096);
    assert_int_equal(mw_arena_limit(a), 0); /* the caller's (absent) limit is back */
    mw_arena_destroy(a);
    free(text);

    /* A caller's own, tighter limit holds too. */
    assert_int_equal(mw_arena_create(&a, 64), 0);
    mw_person p;
    const char *doc2 = "{\"name\":\"a string longer than sixty-four bytes, which is the "
                       "limit the caller set\",\"place\":\"x\",\"year\":1}";
    assert_int_equal(mw_json_decode(&mw_t_person, doc2, strlen(doc2), &p, a, NULL, &err),
                     MW_ELIMIT);
    assert_string_equal(err.path, "$.name");
    assert_int_equal(mw_arena_limit(a), 64);
    mw_arena_destroy(a);
}

static void bad_arguments(void **state)
{
    (void)state;
    mw_person p = {0};
    mw_buf out = {0};
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    assert_int_equal(mw_json_encode(NULL, &p, &out, NULL, NULL), MW_EINVAL);
    assert_int_equal(mw_json_encode(&mw_t_person, NULL, &out, NULL, NULL), MW_EINVAL);
    assert_int_equal(mw_json_decode(&mw_t_person, NULL, 3, &p, a, NULL, NULL), MW_EINVAL);
    assert_int_equal(mw_json_decode(&mw_t_person, "{}", 2, &p, NULL, NULL, NULL), MW_EINVAL);
    assert_int_equal(mw_json_decode(&mw_t_person, NULL, 0, &p, a, NULL, NULL), MW_ETRUNCATED);
    assert_ptr_equal(mw_codec_find("json"), &mw_codec_json);
    assert_false(mw_codec_json.binary);
    mw_arena_destroy(a);
}

/* ---- the shared conformance suite ----------------------------------------------------- */

static void conformance_suite(void **state)
{
    (void)state;
    for (const char *const *n = mw_builtin_type_names(); *n; n++) {
        const mw_type *t = mw_builtin_type(*n);
        assert_true(suite_check_roundtrip(&mw_codec_json, t, 300, 0x6a736f6e));
        assert_true(suite_check_truncation(&mw_codec_json, t, 4, 0x6a736f6f));
        assert_true(suite_check_garbage(&mw_codec_json, t, 60, 0x6a736f70));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(person_golden),
        cmocka_unit_test(person_errors),
        cmocka_unit_test(syntax_errors_carry_positions),
        cmocka_unit_test(showcase_golden),
        cmocka_unit_test(showcase_every_case_roundtrips),
        cmocka_unit_test(showcase_any_and_empties),
        cmocka_unit_test(showcase_pretty_layout),
        cmocka_unit_test(showcase_errors_name_paths),
        cmocka_unit_test(integers_64_bit_exact),
        cmocka_unit_test(integer_ranges),
        cmocka_unit_test(reals_shortest_and_exact),
        cmocka_unit_test(chars_and_strings),
        cmocka_unit_test(base64_octets),
        cmocka_unit_test(any_mapping),
        cmocka_unit_test(objrefs),
        cmocka_unit_test(enums_and_optionals),
        cmocka_unit_test(every_truncation_fails),
        cmocka_unit_test(nesting_is_limited),
        cmocka_unit_test(allocation_is_bounded_by_input),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(conformance_suite),
    };
    return cmocka_run_group_tests_name("marshal_json", tests, NULL, NULL);
}

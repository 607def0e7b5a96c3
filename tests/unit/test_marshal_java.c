/* test_marshal_java.c - the Java serialization codec: golden streams written by the
 * JDK's ObjectOutputStream (OpenJDK 17), round trips of every kind the mapping covers,
 * Java's rules for evolving classes, object identity through handles, and hostile input.
 * The live comparison with the JDK is tests/interop/java-serial/. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "marshal/example_types.h"
#include "marshal/java_impl.h"
#include "marshal_suite.h"

/* ---- helpers ------------------------------------------------------------------------ */

static uint8_t *unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *b = test_malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        b[i] = (uint8_t)v;
    }
    *len = n;
    return b;
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
    printf("%s", label);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

static void expect_hex(const mw_buf *b, const char *hex)
{
    size_t n;
    uint8_t *want = unhex(hex, &n);
    if (b->len != n || memcmp(b->data, want, n) != 0) {
        print_hex("want ", want, n);
        print_hex("got  ", b->data, b->len);
        fail_msg("bytes differ");
    }
    test_free(want);
}

/* Encodes, checks the size op agrees, and returns the bytes in out. */
static void encode_ok(const mw_type *t, const void *v, const mw_marshal_opts *o, mw_buf *out)
{
    mw_marshal_error err = {0};
    mw_buf_init(out);
    int rc = mw_java_encode(t, v, out, o, &err);
    if (rc)
        fail_msg("encode: %s at %s: %s", mw_errname(rc), err.path, err.detail);
    size_t size = 0;
    assert_int_equal(mw_codec_java.size(t, v, o, &size), 0);
    assert_int_equal(size, out->len);
}

static int decode(const mw_type *t, const void *data, size_t len, void *value, mw_arena *a,
                  const mw_marshal_opts *o, mw_marshal_error *err)
{
    memset(err, 0, sizeof *err);
    int rc = mw_java_decode(t, data, len, value, a, o, err);
    assert_int_equal(err->code, rc);
    return rc;
}

static int decode_hex(const mw_type *t, const char *hex, void *value, mw_arena *a,
                      mw_marshal_error *err)
{
    size_t n;
    uint8_t *b = unhex(hex, &n);
    int rc = decode(t, b, n, value, a, NULL, err);
    test_free(b);
    return rc;
}

static mw_arena *arena(void)
{
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    return a;
}

static char smith[] = "Smith", london[] = "London";

/* Person("Smith", "London", 1934), serialVersionUID 1L, as ObjectOutputStream writes it:
 * Figure 4.9 with its type markers. h0 is the class, h1 "Ljava/lang/String;" (shared by
 * both String fields: 71 00 7e 00 01), h2 the object, h3 and h4 the strings. */
static const char person_golden[] =
    "aced0005" "7372" "0006506572736f6e" "0000000000000001" "02" "0003"
    "49" "000479656172"
    "4c" "00046e616d65" "74" "00124c6a6176612f6c616e672f537472696e673b"
    "4c" "0005706c616365" "71007e0001"
    "78" "70"
    "0000078e" "740005536d697468" "7400064c6f6e646f6e";

/* ---- golden streams ---------------------------------------------------------------- */

static void person_is_figure_4_9(void **state)
{
    (void)state;
    mw_person p = {smith, london, 1934};
    mw_buf b;
    mw_marshal_opts o = {.java_suid = 1, .java_suid_set = true};
    encode_ok(&mw_t_person, &p, &o, &b);
    expect_hex(&b, person_golden);
    mw_buf_free(&b);
    /* Without java_suid_set the serialVersionUID is 1L as well. */
    encode_ok(&mw_t_person, &p, NULL, &b);
    expect_hex(&b, person_golden);
    /* The codec is registered under its name. */
    assert_ptr_equal(mw_codec_find("java"), &mw_codec_java);
    mw_buf_free(&b);
}

static void person_reads_the_jdk_bytes(void **state)
{
    (void)state;
    mw_arena *a = arena();
    mw_person p;
    mw_marshal_error err;
    assert_int_equal(decode_hex(&mw_t_person, person_golden, &p, a, &err), 0);
    assert_string_equal(p.name, "Smith");
    assert_string_equal(p.place, "London");
    assert_int_equal(p.year, 1934);
    mw_arena_destroy(a);
}

static void class_name_and_suid_options(void **state)
{
    (void)state;
    mw_person p = {smith, london, 1934};
    mw_marshal_opts o = {.java_class = "com.example.Person", .java_suid = -1,
                         .java_suid_set = true};
    mw_buf b;
    encode_ok(&mw_t_person, &p, &o, &b);
    const char *name = "com.example.Person";
    assert_int_equal(b.data[6], 0);
    assert_int_equal(b.data[7], strlen(name));
    assert_memory_equal(b.data + 8, name, strlen(name));
    for (int i = 0; i < 8; i++)
        assert_int_equal(b.data[8 + strlen(name) + i], 0xFF);
    /* Read back with the same options; the suid is checked only when given. */
    mw_arena *a = arena();
    mw_person q;
    mw_marshal_error err;
    assert_int_equal(decode(&mw_t_person, b.data, b.len, &q, a, &o, &err), 0);
    assert_true(mw_value_equal(&mw_t_person, &p, &q));
    mw_marshal_opts other = o;
    other.java_suid = 7;
    assert_int_equal(decode(&mw_t_person, b.data, b.len, &q, a, &other, &err), MW_EPROTO);
    assert_non_null(strstr(err.detail, "serialVersionUID"));
    other.java_suid_set = false;
    assert_int_equal(decode(&mw_t_person, b.data, b.len, &q, a, &other, &err), 0);
    /* Without java_class the class must be called Person. */
    assert_int_equal(decode(&mw_t_person, b.data, b.len, &q, a, NULL, &err), MW_EPROTO);
    assert_non_null(strstr(err.detail, "com.example.Person"));
    assert_int_equal(err.offset, 4);
    mw_buf_free(&b);
    mw_arena_destroy(a);
}

static const mw_enumerator color_items[] = {{"RED", 0}, {"GREEN", 1}, {"BLUE", 2}};
static const mw_type color_t = {.kind = MW_K_ENUM, .name = "Color", .size = sizeof(int32_t),
                                .align = alignof(int32_t), .u.en = {color_items, 3}};
#define SEQ(var, elem, bound)                                                              \
    static const mw_type var = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),             \
                                .align = alignof(mw_seq), .u.seq = {&elem, bound}}
SEQ(seq_long, mw_t_long, 0);
SEQ(seq_string, mw_t_string, 0);
SEQ(seq_person, mw_t_person, 0);

/* Top-level values other than classes, each as the JDK writes it. */
static void other_values_match_the_jdk(void **state)
{
    (void)state;
    mw_buf b;
    int32_t year = 1934;
    encode_ok(&mw_t_long, &year, NULL, &b); /* boxed: java.lang.Integer, Number */
    expect_hex(&b, "aced0005737200116a6176612e6c616e672e496e746567657212e2a0a4f781873802000149"
                   "000576616c7565787200106a6176612e6c616e672e4e756d62657286ac951d0b94e08b0200"
                   "0078700000078e");
    mw_buf_free(&b);
    double d = 1.5;
    encode_ok(&mw_t_double, &d, NULL, &b);
    expect_hex(&b, "aced0005737200106a6176612e6c616e672e446f75626c6580b3c24a296bfb040200014400"
                   "0576616c7565787200106a6176612e6c616e672e4e756d62657286ac951d0b94e08b020000"
                   "78703ff8000000000000");
    mw_buf_free(&b);
    bool yes = true;
    encode_ok(&mw_t_boolean, &yes, NULL, &b);
    expect_hex(&b, "aced0005737200116a6176612e6c616e672e426f6f6c65616ecd207280d59cfaee0200015a"
                   "000576616c7565787001");
    mw_buf_free(&b);
    char x = 'x';
    encode_ok(&mw_t_char, &x, NULL, &b);
    expect_hex(&b, "aced0005737200136a6176612e6c616e672e436861726163746572348b47d96b1a26780200"
                   "0143000576616c756578700078");
    mw_buf_free(&b);
    char *s = smith;
    encode_ok(&mw_t_string, &s, NULL, &b);
    expect_hex(&b, "aced0005740005536d697468");
    mw_buf_free(&b);
    int32_t ints[] = {1, -2, 3};
    mw_seq seq = {3, ints};
    encode_ok(&seq_long, &seq, NULL, &b);
    expect_hex(&b, "aced0005757200025b494dba602676eab2a502000078700000000300000001fffffffe00000003");
    mw_buf_free(&b);
    /* The same char * twice is one String and a back-reference, as with one Java String. */
    char a_[] = "a", b_[] = "b";
    char *strs[] = {a_, a_, b_};
    seq = (mw_seq){3, strs};
    encode_ok(&seq_string, &seq, NULL, &b);
    expect_hex(&b, "aced0005757200135b4c6a6176612e6c616e672e537472696e673badd256e7e91d7b470200"
                   "007870000000037400016171007e000274000162");
    mw_buf_free(&b);
    int32_t green = 1;
    encode_ok(&color_t, &green, NULL, &b);
    expect_hex(&b, "aced00057e720005436f6c6f7200000000000000001200007872000e6a6176612e6c616e67"
                   "2e456e756d00000000000000001200007870740005475245454e");
    mw_buf_free(&b);
}

static void other_values_read_back(void **state)
{
    (void)state;
    mw_arena *a = arena();
    mw_marshal_error err;
    int32_t i = 0;
    assert_int_equal(decode_hex(&mw_t_long, "aced0005737200116a6176612e6c616e672e496e7465676572"
                                "12e2a0a4f781873802000149000576616c7565787200106a6176612e6c61"
                                "6e672e4e756d62657286ac951d0b94e08b020000787000000" "78e",
                                &i, a, &err), 0);
    assert_int_equal(i, 1934);
    int32_t color = 0;
    assert_int_equal(decode_hex(&color_t, "aced00057e720005436f6c6f7200000000000000001200007872"
                                "000e6a6176612e6c616e672e456e756d0000000000000000120000787074"
                                "0005475245454e", &color, a, &err), 0);
    assert_int_equal(color, 1);
    mw_seq seq;
    assert_int_equal(decode_hex(&seq_string, "aced0005757200135b4c6a6176612e6c616e672e53747269"
                                "6e673badd256e7e91d7b470200007870000000037400016171007e000274"
                                "000162", &seq, a, &err), 0);
    assert_int_equal(seq.len, 3);
    char **strs = seq.data;
    assert_string_equal(strs[0], "a");
    assert_string_equal(strs[2], "b");
    /* A back-reference gives the same char *. */
    assert_ptr_equal(strs[0], strs[1]);
    mw_arena_destroy(a);
}

/* The JDK's serialVersionUIDs of array classes, and the default computation (SHA-1 of
 * the name and modifiers) that the codec uses for arrays of our own classes, agree. */
static void array_suids(void **state)
{
    (void)state;
    for (size_t i = 0; mwi_java_pinned_array_names[i]; i++) {
        int64_t computed;
        assert_int_equal(mwi_java_array_suid_computed(mwi_java_pinned_array_names[i], 0x411,
                                                      &computed), 0);
        assert_int_equal(computed, mwi_java_pinned_array_suids[i]);
    }
    /* Printed by the JDK for `public class Pub` and a package-private Priv. */
    int64_t v;
    assert_int_equal(mwi_java_array_suid("[LPub;", &v), 0);
    assert_int_equal((uint64_t)v, 0x17797EA6D5880A95u);
    assert_int_equal(mwi_java_array_suid_computed("[LPriv;", 0x410, &v), 0);
    assert_int_equal((uint64_t)v, 0x28B6A1A8C3901B2Eu);
}

/* ---- the Showcase: every kind ------------------------------------------------------- */

static char label_text[] = "warm", basics_text[] = "b\xC3\xA9" "ta \xF0\x9F\x98\x80",
            tag1[] = "t1", tag2[] = "t2", jones[] = "Jones", paris[] = "Paris";

static void make_showcase(mw_ex_showcase *s, mw_arena *a, int reading_case, bool owner,
                          int extra)
{
    static int32_t numbers[] = {7, -8, 2147483647};
    static uint8_t blob[] = {0, 1, 254, 255};
    static char *tags[] = {tag1, tag2, tag1};
    static mw_person people[] = {{jones, paris, 1950}, {smith, london, 1934}};
    static mw_person owner_p = {smith, london, 1934};
    static int32_t any_numbers[] = {1, 2, 3, 4};
    static mw_seq any_seq = {4, any_numbers};
    memset(s, 0, sizeof *s);
    s->basics = (mw_ex_basics){true, 200, 'q', -300, 65000, -70000, 4000000000u,
                               INT64_MIN, UINT64_MAX, 1.25f, -1e-300, basics_text};
    s->numbers = (mw_seq){3, numbers};
    s->tags = (mw_seq){3, tags};
    s->blob = (mw_seq){4, blob};
    for (int i = 0; i < 6; i++)
        s->matrix[i / 3][i % 3] = (int16_t)(i * 1000 - 2500);
    s->color = MW_EX_BLUE;
    s->reading.d = reading_case;
    if (reading_case == 1)
        s->reading.u.temperature = 21.5;
    else if (reading_case == 2 || reading_case == 3)
        s->reading.u.label = label_text;
    else
        s->reading.u.color = MW_EX_GREEN;
    s->temperature = -40.0;
    s->owner = owner ? &owner_p : NULL;
    s->people = (mw_seq){2, people};
    if (extra == 1)
        s->extra = (mw_any){&mw_t_person, &owner_p};
    else if (extra == 2)
        s->extra = (mw_any){&seq_long, &any_seq};
    mw_addr addr;
    assert_int_equal(mw_addr_parse(&addr, "192.0.2.7:7896", -1), 0);
    assert_int_equal(mw_objref_make(&s->ref, &addr, "HelloApp::Hello", a), 0);
}

static void roundtrip(const mw_type *t, const void *v, const mw_marshal_opts *o)
{
    mw_buf b, again;
    encode_ok(t, v, o, &b);
    mw_arena *a = arena();
    void *back = mw_arena_calloc(a, 1, t->size);
    mw_marshal_error err;
    int rc = decode(t, b.data, b.len, back, a, o, &err);
    if (rc)
        fail_msg("decode: %s at %zu %s: %s", mw_errname(rc), err.offset, err.path, err.detail);
    assert_true(mw_value_equal(t, v, back));
    /* What a decoder allocates is bounded by its input. */
    assert_true(mw_arena_used(a) <= b.len * MWI_ALLOC_FACTOR + MWI_ALLOC_SLACK);
    encode_ok(t, back, o, &again);
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);
    mw_buf_free(&again);
    mw_buf_free(&b);
    mw_arena_destroy(a);
}

static void showcase_roundtrips(void **state)
{
    (void)state;
    mw_arena *a = arena();
    int cases[] = {1, 2, 3, 0, 9};
    for (int c = 0; c < 5; c++)
        for (int owner = 0; owner < 2; owner++)
            for (int extra = 0; extra < 3; extra++) {
                mw_ex_showcase s;
                make_showcase(&s, a, cases[c], owner, extra);
                roundtrip(&mwi_t_showcase, &s, NULL);
            }
    mw_person p = {smith, london, 1934};
    roundtrip(&mw_t_person, &p, NULL);
    mw_person_record r = {42, smith, london, 1934};
    roundtrip(&mw_t_person_record, &r, NULL);
    mw_arena_destroy(a);
}

/* The mapping's shape: class names, field order, union and objref classes. */
static void showcase_shape(void **state)
{
    (void)state;
    mw_arena *a = arena();
    mw_ex_showcase s;
    make_showcase(&s, a, 2, true, 1);
    mw_buf b;
    encode_ok(&mwi_t_showcase, &s, NULL, &b);
    const char *expect[] = {"Showcase", "Basics", "[Ljava/lang/String;", "[[S", "LColor;",
                            "LReading;", "Ljava/lang/Object;", "Lmidway/ObjectRef;",
                            "[LPerson;", "midway.ObjectRef", "interfaceName", "discriminator",
                            "java.lang.Enum", "HelloApp::Hello"};
    for (size_t i = 0; i < sizeof expect / sizeof *expect; i++) {
        bool found = false;
        for (size_t k = 0; k + strlen(expect[i]) <= b.len && !found; k++)
            found = memcmp(b.data + k, expect[i], strlen(expect[i])) == 0;
        if (!found)
            fail_msg("no %s in the stream", expect[i]);
    }
    /* Showcase's fields in Java's order: the primitive temperature first, then the
     * objects sorted by name (basics, blob, color, extra, matrix, numbers, ...). */
    const uint8_t *p = b.data + 24; /* after the header, "sr", the name and the suid */
    assert_int_equal(p[0], MWI_SC_SERIALIZABLE);
    assert_int_equal(p[1] << 8 | p[2], 12);
    assert_int_equal(p[3], 'D');
    assert_memory_equal(p + 4, "\x00\x0btemperature", 13);
    assert_int_equal(p[17], 'L');
    assert_memory_equal(p + 18, "\x00\x06" "basics", 8);
    mw_buf_free(&b);
    mw_arena_destroy(a);
}

/* ---- identity ----------------------------------------------------------------------- */

static void strings_and_objects_keep_identity(void **state)
{
    (void)state;
    mw_person people[2] = {{smith, smith, 1}, {london, london, 2}};
    mw_seq seq = {2, people};
    mw_buf b;
    encode_ok(&seq_person, &seq, NULL, &b);
    /* "Smith" is written once: the second field is a TC_REFERENCE. */
    size_t count = 0;
    for (size_t k = 0; k + 5 <= b.len; k++)
        count += memcmp(b.data + k, "Smith", 5) == 0;
    assert_int_equal(count, 1);
    mw_arena *a = arena();
    mw_seq back;
    mw_marshal_error err;
    assert_int_equal(decode(&seq_person, b.data, b.len, &back, a, NULL, &err), 0);
    mw_person *q = back.data;
    assert_ptr_equal(q[0].name, q[0].place);
    assert_ptr_equal(q[1].name, q[1].place);
    assert_ptr_not_equal(q[0].name, q[1].name);
    mw_buf_free(&b);
    /* Equal text at two addresses is two strings, as two Java String objects are. */
    char other[] = "Smith";
    people[0].place = other;
    encode_ok(&seq_person, &seq, NULL, &b);
    count = 0;
    for (size_t k = 0; k + 5 <= b.len; k++)
        count += memcmp(b.data + k, "Smith", 5) == 0;
    assert_int_equal(count, 2);
    mw_buf_free(&b);
    mw_arena_destroy(a);
}

typedef struct node {
    int32_t value;
    struct node *next;
} node;
static const mw_type node_t;
static const mw_type opt_node = {.kind = MW_K_OPTIONAL, .size = sizeof(void *),
                                 .align = alignof(void *), .u.alias = {&node_t}};
static const mw_field node_fields[] = {{"value", &mw_t_long, offsetof(node, value), 0},
                                       {"next", &opt_node, offsetof(node, next), 0}};
static const mw_type node_t = {.kind = MW_K_STRUCT, .name = "test::Node", .size = sizeof(node),
                               .align = alignof(node), .u.st = {node_fields, 2}};

static void cycles_and_depth(void **state)
{
    (void)state;
    /* A cycle through a pointer is written with a back-reference (no endless loop)... */
    node n = {1, NULL};
    n.next = &n;
    mw_buf b;
    encode_ok(&node_t, &n, NULL, &b);
    assert_non_null(memmem(b.data, b.len, "test.Node", 9));
    /* ... but cannot be read into the type model. */
    mw_arena *a = arena();
    node back;
    mw_marshal_error err;
    assert_int_equal(decode(&node_t, b.data, b.len, &back, a, NULL, &err), MW_EPROTO);
    assert_non_null(strstr(err.detail, "cyclic"));
    assert_string_equal(err.path, "next");
    mw_buf_free(&b);

    /* A chain of 100 encodes with a deeper limit, and is refused at the default. */
    node chain[100];
    for (int i = 0; i < 100; i++)
        chain[i] = (node){i, i < 99 ? &chain[i + 1] : NULL};
    assert_int_equal(mw_java_encode(&node_t, chain, &b, NULL, &err), MW_EDEPTH);
    assert_int_equal(b.len, 0);
    mw_buf_free(&b);
    mw_marshal_opts deep = {.max_depth = 200};
    encode_ok(&node_t, chain, &deep, &b);
    assert_int_equal(decode(&node_t, b.data, b.len, &back, a, &deep, &err), 0);
    /* (mw_value_equal itself stops at depth 64.) */
    int count = 0;
    for (const node *q = &back; q; q = q->next)
        assert_int_equal(q->value, count++);
    assert_int_equal(count, 100);
    assert_int_equal(decode(&node_t, b.data, b.len, &back, a, NULL, &err), MW_EDEPTH);
    mw_buf_free(&b);
    /* Nested arrays "[[[[..." written by hand hit the limit in the parser. */
    mw_buf h = {0};
    assert_int_equal(mw_buf_append(&h, "\xac\xed\x00\x05", 4), 0);
    for (int i = 0; i < 80; i++) {
        assert_int_equal(mw_buf_append(&h, "\x75\x72\x00\x03[[I\x00\x00\x00\x00\x00\x00\x00"
                                       "\x00\x02\x00\x00\x78\x70\x00\x00\x00\x01", 24), 0);
    }
    assert_int_equal(decode(&seq_long, h.data, h.len, &back, a, NULL, &err), MW_EDEPTH);
    mw_buf_free(&h);
    mw_arena_destroy(a);
}

/* ---- evolving classes ----------------------------------------------------------------- */

typedef struct person_v2 {
    char *email;
    char *name;
    uint32_t year;
    double height;
    char *place;
} person_v2;
static const mw_field v2_fields[] = {
    {"email", &mw_t_string, offsetof(person_v2, email), 0},
    {"name", &mw_t_string, offsetof(person_v2, name), 0},
    {"year", &mw_t_ulong, offsetof(person_v2, year), 0},
    {"height", &mw_t_double, offsetof(person_v2, height), 0},
    {"place", &mw_t_string, offsetof(person_v2, place), 0},
};
static const mw_type person_v2_t = {.kind = MW_K_STRUCT, .name = "Person",
                                    .size = sizeof(person_v2), .align = alignof(person_v2),
                                    .u.st = {v2_fields, 5}};

typedef struct person_v0 {
    int64_t year;
} person_v0;
static const mw_field v0_fields[] = {{"year", &mw_t_longlong, offsetof(person_v0, year), 0}};
static const mw_type person_v0_t = {.kind = MW_K_STRUCT, .name = "Person",
                                    .size = sizeof(person_v0), .align = alignof(person_v0),
                                    .u.st = {v0_fields, 1}};

static void evolving_classes(void **state)
{
    (void)state;
    mw_arena *a = arena();
    mw_marshal_error err;
    /* A newer writer: extra fields are skipped, in whatever order they come. */
    char email[] = "s@example.org";
    person_v2 v2 = {email, smith, 1934, 1.8, london};
    mw_buf b;
    encode_ok(&person_v2_t, &v2, NULL, &b);
    mw_person p;
    assert_int_equal(decode(&mw_t_person, b.data, b.len, &p, a, NULL, &err), 0);
    assert_string_equal(p.name, "Smith");
    assert_string_equal(p.place, "London");
    assert_int_equal(p.year, 1934);
    mw_buf_free(&b);
    /* An older reader's view: members the stream lacks get their defaults. */
    person_v2 back;
    encode_ok(&mw_t_person, &p, NULL, &b);
    assert_int_equal(decode(&person_v2_t, b.data, b.len, &back, a, NULL, &err), 0);
    assert_string_equal(back.email, "");
    assert_true(back.height == 0.0);
    assert_string_equal(back.name, "Smith");
    /* A field whose primitive type changed is refused, with its name. */
    assert_int_equal(decode(&person_v0_t, b.data, b.len, &back, a, NULL, &err), MW_EPROTO);
    assert_string_equal(err.path, "year");
    mw_buf_free(&b);
    mw_arena_destroy(a);
}

/* ---- hostile input ------------------------------------------------------------------- */

static void every_truncation_fails(void **state)
{
    (void)state;
    mw_arena *a = arena();
    mw_ex_showcase s, back;
    make_showcase(&s, a, 2, true, 1);
    const mw_type *types[] = {&mw_t_person, &mwi_t_showcase};
    mw_person p = {smith, london, 1934};
    const void *values[] = {&p, &s};
    for (int t = 0; t < 2; t++) {
        mw_buf b;
        encode_ok(types[t], values[t], NULL, &b);
        for (size_t n = 0; n < b.len; n++) {
            uint8_t *copy = test_malloc(n ? n : 1);
            memcpy(copy, b.data, n);
            mw_arena *d = arena();
            mw_marshal_error err;
            int rc = decode(types[t], copy, n, &back, d, NULL, &err);
            if (rc != MW_ETRUNCATED)
                fail_msg("prefix of %zu bytes: %s (%s)", n, mw_errname(rc), err.detail);
            assert_true(err.offset <= n);
            mw_arena_destroy(d);
            test_free(copy);
        }
        /* A byte too many is refused as well. */
        assert_int_equal(mw_buf_put_u8(&b, MWI_TC_NULL), 0);
        mw_marshal_error err;
        assert_int_equal(decode(types[t], b.data, b.len, &back, a, NULL, &err), MW_EPROTO);
        assert_int_equal(err.offset, b.len - 1);
        mw_buf_free(&b);
    }
    mw_arena_destroy(a);
}

static void huge_lengths_allocate_nothing(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 1 << 20), 0);
    mw_marshal_error err;
    mw_seq seq;
    /* int[] of 2^31-1 elements in 12 bytes. */
    assert_int_equal(decode_hex(&seq_long, "aced0005757200025b494dba602676eab2a5020000787000"
                                "7fffffff00000001", &seq, a, &err), MW_ETRUNCATED);
    assert_int_equal(err.offset, 0x17);
    /* A negative length. */
    assert_int_equal(decode_hex(&seq_long, "aced0005757200025b494dba602676eab2a5020000787080"
                                "000000", &seq, a, &err), MW_EPROTO);
    /* String[] of 2^31-1 elements. */
    assert_int_equal(decode_hex(&seq_string, "aced0005757200135b4c6a6176612e6c616e672e537472"
                                "696e673badd256e7e91d7b4702000078707fffffff74", &seq, a, &err),
                     MW_ETRUNCATED);
    /* A TC_LONGSTRING of 2^63 bytes. */
    char *s;
    assert_int_equal(decode_hex(&mw_t_string, "aced00057c7fffffffffffffff41", &s, a, &err),
                     MW_ETRUNCATED);
    /* 32767 fields declared in a short class descriptor. */
    mw_person p;
    assert_int_equal(decode_hex(&mw_t_person, "aced00057372000650657273" "6f6e00000000000000010"
                                "27fff49000479656172", &p, a, &err), MW_ETRUNCATED);
    assert_true(mw_arena_used(a) < 4096);
    mw_arena_destroy(a);
}

/* Replaces `drop` bytes at off of the Person stream with hex and decodes it. */
static int person_patched(size_t off, size_t drop, const char *hex, mw_marshal_error *err,
                          mw_person *p, mw_arena *a)
{
    size_t n, k;
    uint8_t *b = unhex(person_golden, &n), *patch = unhex(hex, &k);
    uint8_t *m = test_malloc(n + k);
    memcpy(m, b, off);
    memcpy(m + off, patch, k);
    memcpy(m + off + k, b + off + drop, n - off - drop);
    int rc = decode(&mw_t_person, m, n + k - drop, p, a, NULL, err);
    test_free(m);
    test_free(patch);
    test_free(b);
    return rc;
}

static int person_with(size_t off, const char *hex, mw_marshal_error *err, mw_person *p,
                       mw_arena *a)
{
    return person_patched(off, 1, hex, err, p, a);
}

/* Offsets in person_golden. */
#define OFF_CLASS_END 0x49 /* the TC_ENDBLOCKDATA of Person's classAnnotation */
#define OFF_YEAR 0x4b      /* the year's value */
#define OFF_SMITH 0x4f     /* TC_STRING "Smith" */
#define OFF_PLACE_REF 0x44 /* TC_REFERENCE to "Ljava/lang/String;" */

static void malformed_streams(void **state)
{
    (void)state;
    mw_arena *a = arena();
    mw_marshal_error err;
    mw_person p;
    /* Invalid modified UTF-8 in "Smith": the offset of the bad byte. */
    assert_int_equal(person_with(OFF_SMITH + 4, "ff", &err, &p, a), MW_EUTF);
    assert_int_equal(err.offset, OFF_SMITH + 4);
    /* A bare NUL byte is not modified UTF-8 either (Java writes C0 80). */
    assert_int_equal(person_with(OFF_SMITH + 5, "00", &err, &p, a), MW_EUTF);
    assert_int_equal(err.offset, OFF_SMITH + 5);
    /* C0 80 is U+0000: valid Java, but a C string cannot hold it. */
    assert_int_equal(person_patched(OFF_SMITH + 1, 7, "0006536d69c08068", &err, &p, a), MW_EUTF);
    assert_string_equal(err.path, "name");
    /* A handle beyond those assigned. */
    assert_int_equal(person_with(OFF_PLACE_REF + 4, "09", &err, &p, a), MW_EPROTO);
    assert_int_equal(err.offset, OFF_PLACE_REF);
    assert_non_null(strstr(err.detail, "handle"));
    /* A handle that names an object of the wrong kind (the class, for a field's type). */
    assert_int_equal(person_with(OFF_PLACE_REF + 4, "00", &err, &p, a), MW_EPROTO);
    /* An unknown type code. */
    assert_int_equal(person_with(OFF_SMITH, "6f", &err, &p, a), MW_EPROTO);
    assert_int_equal(err.offset, OFF_SMITH);
    /* TC_RESET inside an object; TC_EXCEPTION. */
    assert_int_equal(person_with(OFF_SMITH, "79", &err, &p, a), MW_EPROTO);
    assert_int_equal(person_with(OFF_SMITH, "7b", &err, &p, a), MW_EPROTO);
    /* An int[] where the class has a String. */
    assert_int_equal(person_patched(OFF_SMITH, 8, "757200025b494dba602676eab2a50200007870"
                                    "000000010000002a", &err, &p, a), MW_EPROTO);
    assert_string_equal(err.path, "name");
    assert_int_equal(err.offset, OFF_SMITH);
    mw_arena_destroy(a);
}

static void grammar_is_followed(void **state)
{
    (void)state;
    mw_arena *a = arena();
    mw_marshal_error err;
    mw_person p;
    /* classAnnotation with block data and an object before TC_ENDBLOCKDATA: skipped. */
    assert_int_equal(person_with(OFF_CLASS_END, "7702abcd7a00000001ff7400017878", &err, &p,
                                 a), 0);
    assert_string_equal(p.place, "London");
    /* TC_RESET between the header and the object. */
    size_t n;
    uint8_t *b = unhex(person_golden, &n), *m = test_malloc(n + 2);
    memcpy(m, b, 4);
    m[4] = m[5] = MWI_TC_RESET;
    memcpy(m + 6, b + 4, n - 4);
    assert_int_equal(decode(&mw_t_person, m, n + 2, &p, a, NULL, &err), 0);
    /* A writeObject method's data (SC_WRITE_METHOD) after the fields: skipped. */
    memcpy(m, b, n);
    m[0x16] = MWI_SC_SERIALIZABLE | MWI_SC_WRITE_METHOD;
    m[n] = MWI_TC_BLOCKDATA;
    assert_int_equal(decode(&mw_t_person, m, n + 1, &p, a, NULL, &err), MW_ETRUNCATED);
    m[n] = MWI_TC_ENDBLOCKDATA;
    assert_int_equal(decode(&mw_t_person, m, n + 1, &p, a, NULL, &err), 0);
    assert_string_equal(p.place, "London");
    /* Bad magic, bad version. */
    memcpy(m, b, n);
    m[1] = 0xEE;
    assert_int_equal(decode(&mw_t_person, m, n, &p, a, NULL, &err), MW_EPROTO);
    m[1] = 0xED;
    m[3] = 4;
    assert_int_equal(decode(&mw_t_person, m, n, &p, a, NULL, &err), MW_EPROTO);
    assert_int_equal(err.offset, 2);
    /* A primitive field after an object field ("illegal field order"). */
    assert_int_equal(decode_hex(&mw_t_person, "aced00057372000650657273" "6f6e00000000000000010"
                                "200024c00046e616d6574" "00124c6a6176612f6c616e672f537472696e67"
                                "3b4900047965617278700000078e70", &p, a, &err), MW_EPROTO);
    assert_non_null(strstr(err.detail, "primitive field year after"));
    /* A class descriptor naming itself as its superclass. */
    assert_int_equal(decode_hex(&mw_t_person, "aced00057372000650657273" "6f6e00000000000000010"
                                "200007871007e0000", &p, a, &err), MW_EPROTO);
    assert_non_null(strstr(err.detail, "still being read"));
    test_free(m);
    test_free(b);
    mw_arena_destroy(a);
}

static void values_out_of_range(void **state)
{
    (void)state;
    mw_arena *a = arena();
    mw_marshal_error err;
    mw_buf b = {0};
    /* A Java char above U+00FF does not fit a C char. */
    char c;
    assert_int_equal(decode_hex(&mw_t_char, "aced0005737200136a6176612e6c616e672e43686172616374"
                                "6572348b47d96b1a267802000143000576616c7565787001" "00", &c, a,
                                &err), MW_ERANGE);
    /* A Boolean of 2. */
    bool yes;
    assert_int_equal(decode_hex(&mw_t_boolean, "aced0005737200116a6176612e6c616e672e426f6f6c65"
                                "616ecd207280d59cfaee0200015a000576616c7565787002", &yes, a,
                                &err), MW_EPROTO);
    assert_int_equal(err.offset, 0x2e);
    /* An enum constant the type lacks. */
    int32_t color;
    assert_int_equal(decode_hex(&color_t, "aced00057e720005436f6c6f7200000000000000001200007872"
                                "000e6a6176612e6c616e672e456e756d0000000000000000120000787074"
                                "0006505552504c45", &color, a, &err), MW_EPROTO);
    color = 7;
    assert_int_equal(mw_java_encode(&color_t, &color, &b, NULL, &err), MW_ERANGE);
    /* Invalid UTF-8 in a C string: the member's path. */
    mw_person p = {smith, london, 1934};
    char bad[] = "Lon\xFF";
    p.place = bad;
    assert_int_equal(mw_java_encode(&mw_t_person, &p, &b, NULL, &err), MW_EUTF);
    assert_string_equal(err.path, "place");
    assert_int_equal(b.len, 0);
    /* A sequence past its bound. */
    mw_ex_showcase s;
    make_showcase(&s, a, 1, false, 0);
    s.tags.len = 4;
    char *four[] = {tag1, tag2, tag1, tag2};
    s.tags.data = four;
    assert_int_equal(mw_java_encode(&mwi_t_showcase, &s, &b, NULL, &err), MW_ERANGE);
    assert_string_equal(err.path, "tags");
    /* A failed encode leaves the buffer's length as it was (its memory is the caller's). */
    assert_int_equal(b.len, 0);
    mw_buf_free(&b);
    mw_arena_destroy(a);
}

static void strings_long_and_null(void **state)
{
    (void)state;
    /* Past 65535 bytes of modified UTF-8 a string is a TC_LONGSTRING. */
    size_t n = 70000;
    char *big = test_malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    mw_buf b;
    encode_ok(&mw_t_string, &big, NULL, &b);
    assert_int_equal(b.data[4], MWI_TC_LONGSTRING);
    assert_int_equal(b.len, 4 + 1 + 8 + n);
    mw_arena *a = arena();
    char *back;
    mw_marshal_error err;
    assert_int_equal(decode(&mw_t_string, b.data, b.len, &back, a, NULL, &err), 0);
    assert_string_equal(back, big);
    mw_buf_free(&b);
    test_free(big);
    /* A NULL char * is written as "", and a Java null reads as "". */
    char *none = NULL;
    encode_ok(&mw_t_string, &none, NULL, &b);
    expect_hex(&b, "aced0005740000");
    mw_buf_free(&b);
    assert_int_equal(decode_hex(&mw_t_string, "aced000570", &back, a, &err), 0);
    assert_string_equal(back, "");
    mw_arena_destroy(a);
}

static const mw_type opt_long = {.kind = MW_K_OPTIONAL, .size = sizeof(void *),
                                 .align = alignof(void *), .u.alias = {&mw_t_long}};
static const mw_type opt_opt = {.kind = MW_K_OPTIONAL, .size = sizeof(void *),
                                .align = alignof(void *), .u.alias = {&opt_long}};

static void optional_any_and_unsupported(void **state)
{
    (void)state;
    mw_arena *a = arena();
    mw_marshal_error err;
    mw_buf b;
    /* An optional long is a java.lang.Integer or null. */
    int32_t v = 1934, *pv = &v, *back = NULL;
    encode_ok(&opt_long, &pv, NULL, &b);
    assert_non_null(memmem(b.data, b.len, "java.lang.Integer", 17));
    assert_int_equal(decode(&opt_long, b.data, b.len, &back, a, NULL, &err), 0);
    assert_int_equal(*back, 1934);
    mw_buf_free(&b);
    pv = NULL;
    encode_ok(&opt_long, &pv, NULL, &b);
    expect_hex(&b, "aced000570");
    mw_buf_free(&b);
    /* An optional optional would make null ambiguous. */
    mw_buf_init(&b);
    void *pp = NULL;
    assert_int_equal(mw_java_encode(&opt_opt, &pp, &b, NULL, &err), MW_ENOTSUP);
    mw_buf_free(&b);
    /* An any holding an unsigned value uses midway.UnsignedInteger, so it reads back
     * unsigned. */
    uint32_t u = 4000000000u;
    mw_any any = {&mw_t_ulong, &u}, out;
    encode_ok(&mw_t_any, &any, NULL, &b);
    assert_non_null(memmem(b.data, b.len, "midway.UnsignedInteger", 22));
    assert_int_equal(decode(&mw_t_any, b.data, b.len, &out, a, NULL, &err), 0);
    assert_ptr_equal(out.type, &mw_t_ulong);
    assert_true(mw_value_equal(&mw_t_any, &any, &out));
    mw_buf_free(&b);
    /* An any holding an enum could not be typed when read. */
    int32_t green = 1;
    any = (mw_any){&color_t, &green};
    assert_int_equal(mw_java_encode(&mw_t_any, &any, &b, NULL, &err), MW_ENOTSUP);
    mw_buf_free(&b);
    /* An any holding a class that is not a built-in type gets a struct type built from
     * its descriptor. */
    mw_person_record r = {1, smith, london, 1934};
    mw_marshal_opts o = {.java_class = "Visitor"};
    encode_ok(&mw_t_person_record, &r, &o, &b);
    assert_int_equal(decode(&mw_t_any, b.data, b.len, &out, a, NULL, &err), 0);
    assert_int_equal(out.type->kind, MW_K_STRUCT);
    assert_string_equal(out.type->name, "Visitor");
    assert_int_equal(out.type->u.st.count, 4);
    assert_string_equal(out.type->u.st.fields[0].name, "id");
    mw_buf_free(&b);
    mw_arena_destroy(a);
}

static void suite(void **state)
{
    (void)state;
    uint64_t seed = 0x6a617661; /* "java" */
    const mw_type *types[] = {&mw_t_person, &mw_t_person_record, &mwi_t_showcase};
    for (int i = 0; i < 3; i++) {
        assert_true(suite_check_roundtrip(&mw_codec_java, types[i], 200, seed + i));
        assert_true(suite_check_truncation(&mw_codec_java, types[i], 3, seed + 10 + i));
        assert_true(suite_check_garbage(&mw_codec_java, types[i], 60, seed + 20 + i));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(person_is_figure_4_9),
        cmocka_unit_test(person_reads_the_jdk_bytes),
        cmocka_unit_test(class_name_and_suid_options),
        cmocka_unit_test(other_values_match_the_jdk),
        cmocka_unit_test(other_values_read_back),
        cmocka_unit_test(array_suids),
        cmocka_unit_test(showcase_roundtrips),
        cmocka_unit_test(showcase_shape),
        cmocka_unit_test(strings_and_objects_keep_identity),
        cmocka_unit_test(cycles_and_depth),
        cmocka_unit_test(evolving_classes),
        cmocka_unit_test(every_truncation_fails),
        cmocka_unit_test(huge_lengths_allocate_nothing),
        cmocka_unit_test(malformed_streams),
        cmocka_unit_test(grammar_is_followed),
        cmocka_unit_test(values_out_of_range),
        cmocka_unit_test(strings_long_and_null),
        cmocka_unit_test(optional_any_and_unsupported),
        cmocka_unit_test(suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

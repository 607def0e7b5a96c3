/*
 * java_serial_peer.c - Midway's side of the Java serialization interop test:
 *   java_serial_peer encode person|household      writes the stream to stdout
 *   java_serial_peer decode person|household FILE prints the value as ReadPerson does
 *   java_serial_peer decode rich FILE             reads class RichPerson as a Person
 *   java_serial_peer encode showcaseN             writes Showcase variant N (1-3)
 *   java_serial_peer check showcaseN FILE         decodes FILE, says whether it equals N
 * Person and Household are the values WritePerson.java makes; their types are described
 * here as midl would generate them (Household.java's fields, in C order). The Showcase
 * variants cover every union case, the any, the optional and object references.
 */
#include <inttypes.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <midway/marshal.h>

#include "marshal/example_types.h"

typedef struct household {
    mw_person head;
    mw_person *spouse; /* optional: people[1] */
    mw_person *friend; /* optional: absent (null) */
    char *motto;
    char *nickname; /* the same char * as motto */
    mw_seq numbers; /* int32_t */
    mw_seq weights; /* double */
    mw_seq people;  /* mw_person */
    mw_seq tags;    /* char * */
    int32_t color;  /* Color */
    int64_t id;
    bool active;
} household;

static const mw_enumerator color_items[] = {{"RED", 0}, {"GREEN", 1}, {"BLUE", 2}};
static const mw_type color_t = {.kind = MW_K_ENUM, .name = "Color", .size = sizeof(int32_t),
                                .align = alignof(int32_t), .u.en = {color_items, 3}};
static const mw_type opt_person = {.kind = MW_K_OPTIONAL, .size = sizeof(void *),
                                   .align = alignof(void *), .u.alias = {&mw_t_person}};
#define SEQ(var, elem)                                                                     \
    static const mw_type var = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),             \
                                .align = alignof(mw_seq), .u.seq = {&elem, 0}}
SEQ(seq_long, mw_t_long);
SEQ(seq_double, mw_t_double);
SEQ(seq_person, mw_t_person);
SEQ(seq_string, mw_t_string);

#define F(name, type) {#name, &type, offsetof(household, name), 0}
static const mw_field household_fields[] = {
    F(head, mw_t_person),   F(spouse, opt_person),  F(friend, opt_person),
    F(motto, mw_t_string),  F(nickname, mw_t_string), F(numbers, seq_long),
    F(weights, seq_double), F(people, seq_person),  F(tags, seq_string),
    F(color, color_t),      F(id, mw_t_longlong),   F(active, mw_t_boolean),
};
/* A scoped IDL name: opts.java_class gives the Java class its own name. */
static const mw_type household_t = {
    .kind = MW_K_STRUCT, .name = "midway::test::Household", .size = sizeof(household),
    .align = alignof(household), .u.st = {household_fields, 12}};

static int32_t numbers[] = {1, -2, 2147483647};
static double weights[] = {1.5, -0.25, 1e300};
/* Writable text: -Wwrite-strings makes literals const, the model's strings are char *. */
static char smith_s[] = "Smith", london[] = "London", jones[] = "Jones", paris[] = "Paris",
            brown[] = "Brown", rome[] = "Rome", tag_a[] = "a", tag_b[] = "b";
static mw_person people[] = {{jones, paris, 1950}, {brown, rome, 1960}};
static char *tags[] = {tag_a, tag_b};
static char motto[] = "\xC3\x9Cn\xC3\xAF" "c\xC3\xB6" "d\xC3\xA9 \xF0\x9F\x98\x80 \xE0\xA0\x80 ok";

static void print_person(const mw_person *p)
{
    if (!p)
        printf("null");
    else
        printf("Person{name=%s, place=%s, year=%" PRId32 "}", p->name, p->place,
               (int32_t)p->year);
}

static void print_household(const household *h)
{
    printf("Household{active=%s, id=%" PRId64 ", color=%s, friend=", h->active ? "true" : "false",
           h->id, color_items[h->color].name);
    print_person(h->friend);
    printf(", head=");
    print_person(&h->head);
    printf(", motto=%s, nickname=%s, sameString=%s, numbers=[", h->motto, h->nickname,
           h->motto == h->nickname ? "true" : "false");
    for (uint32_t i = 0; i < h->numbers.len; i++)
        printf("%s%" PRId32, i ? ", " : "", ((int32_t *)h->numbers.data)[i]);
    printf("], people=[");
    for (uint32_t i = 0; i < h->people.len; i++) {
        printf("%s", i ? ", " : "");
        print_person(&((mw_person *)h->people.data)[i]);
    }
    printf("], spouse=");
    print_person(h->spouse);
    printf(", spouseIsPeople1=%s, tags=[",
           h->people.len > 1 && h->spouse == &((mw_person *)h->people.data)[1] ? "true"
                                                                              : "false");
    for (uint32_t i = 0; i < h->tags.len; i++)
        printf("%s%s", i ? ", " : "", ((char **)h->tags.data)[i]);
    printf("], weights=[");
    for (uint32_t i = 0; i < h->weights.len; i++) {
        uint64_t bits;
        memcpy(&bits, &((double *)h->weights.data)[i], 8);
        printf("%s%" PRIx64, i ? ", " : "", bits);
    }
    printf("]}\n");
}

static char label[] = "warm", text[] = "b\xC3\xA9ta \xF0\x9F\x98\x80";
static int32_t any_numbers[] = {1, 2, 3, 4};
static mw_seq any_seq = {4, any_numbers};
static uint8_t blob[] = {0, 1, 254, 255};
static mw_person owner = {smith_s, london, 1934};

/* Showcase variant n (1-3): the label case, an owner that is people[1] and an any that is
 * people[0]; the temperature case, no owner, an any holding sequence<long>; the default
 * case, an owner of its own, an empty any, one tag string twice, an IPv6 reference. */
static int make_showcase(int n, mw_ex_showcase *s, mw_arena *a)
{
    memset(s, 0, sizeof *s);
    s->basics = (mw_ex_basics){true, 200, 'q', -300, 65000, -70000, 4000000000u,
                               INT64_MIN, UINT64_MAX, 1.25f, -1e-300, text};
    s->numbers = (mw_seq){3, numbers};
    s->tags = (mw_seq){2, tags};
    if (n == 3) {
        static char *three[] = {tag_a, tag_b, tag_a};
        s->tags = (mw_seq){3, three};
    }
    s->blob = (mw_seq){4, blob};
    for (int i = 0; i < 6; i++)
        s->matrix[i / 3][i % 3] = (int16_t)(i * 1000 - 2500);
    s->color = MW_EX_BLUE;
    s->temperature = -40.0;
    s->people = (mw_seq){2, people};
    const char *where = "192.0.2.7:7896";
    if (n == 1) {
        s->reading.d = 2;
        s->reading.u.label = label;
        s->owner = &people[1];
        s->extra = (mw_any){&mw_t_person, &people[0]};
    } else if (n == 2) {
        s->reading.d = 1;
        s->reading.u.temperature = 21.5;
        s->extra = (mw_any){&seq_long, &any_seq};
    } else {
        s->reading.d = 9;
        s->reading.u.color = MW_EX_GREEN;
        s->owner = &owner;
        where = "[2001:db8::7]:443";
    }
    mw_addr addr;
    if (mw_addr_parse(&addr, where, -1))
        return 1;
    if (mw_objref_make(&s->ref, &addr, "HelloApp::Hello", a))
        return 1;
    s->ref.created_ms = 1732190000123; /* fixed, so the bytes are the same every run */
    s->ref.object_number = (uint32_t)(41 + n);
    return 0;
}

static int showcase(const char *cmd, int n, const char *file)
{
    mw_arena *a;
    mw_ex_showcase s;
    if (mw_arena_create(&a, 0) || make_showcase(n, &s, a))
        return 1;
    mw_marshal_error err = {0};
    if (strcmp(cmd, "encode") == 0) {
        mw_buf b = {0};
        int rc = mw_java_encode(&mwi_t_showcase, &s, &b, NULL, &err);
        if (rc) {
            fprintf(stderr, "encode: %s at %s: %s\n", mw_errname(rc), err.path, err.detail);
            return 1;
        }
        fwrite(b.data, 1, b.len, stdout);
        mw_buf_free(&b);
        mw_arena_destroy(a);
        return 0;
    }
    FILE *f = file ? fopen(file, "rb") : NULL;
    if (!f)
        return 1;
    mw_buf in = {0};
    uint8_t chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (mw_buf_append(&in, chunk, got))
            return 1;
    fclose(f);
    mw_ex_showcase back;
    int rc = mw_java_decode(&mwi_t_showcase, in.data, in.len, &back, a, NULL, &err);
    if (rc) {
        printf("decode: %s at byte %zu, %s: %s\n", mw_errname(rc), err.offset, err.path,
               err.detail);
        return 1;
    }
    printf("%s\n", mw_value_equal(&mwi_t_showcase, &s, &back) ? "equal" : "differs");
    mw_buf_free(&in);
    mw_arena_destroy(a);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: java_serial_peer encode person|household|showcase1-3\n"
                    "       java_serial_peer decode person|household|rich FILE\n"
                    "       java_serial_peer check showcase1-3 FILE\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    if (strncmp(argv[2], "showcase", 8) == 0 && argv[2][8] >= '1' && argv[2][8] <= '3')
        return showcase(argv[1], argv[2][8] - '0', argc > 3 ? argv[3] : NULL);
    bool is_rich = strcmp(argv[2], "rich") == 0;
    bool is_person = is_rich || strcmp(argv[2], "person") == 0;
    if (!is_person && strcmp(argv[2], "household") != 0)
        return usage();
    const mw_type *t = is_person ? &mw_t_person : &household_t;
    mw_marshal_opts opts = {.java_suid_set = true, .java_suid = 1};
    if (is_rich)
        opts.java_class = "RichPerson";
    if (!is_person) {
        opts.java_class = "Household";
        opts.java_suid = 0x4D49445741590001;
    }
    mw_marshal_error err = {0};
    if (strcmp(argv[1], "encode") == 0) {
        mw_person smith = {smith_s, london, 1934};
        household h = {
            .head = smith,
            .spouse = &people[1],
            .friend = NULL,
            .motto = motto,
            .nickname = motto,
            .numbers = {3, numbers},
            .weights = {3, weights},
            .people = {2, people},
            .tags = {2, tags},
            .color = 1,
            .id = -5,
            .active = true,
        };
        mw_buf b = {0};
        int rc = mw_java_encode(t, is_person ? (void *)&smith : (void *)&h, &b, &opts, &err);
        if (rc) {
            fprintf(stderr, "encode: %s at %s: %s\n", mw_errname(rc), err.path, err.detail);
            return 1;
        }
        size_t size = 0;
        if (mw_codec_java.size(t, is_person ? (void *)&smith : (void *)&h, &opts, &size) ||
            size != b.len) {
            fprintf(stderr, "size op says %zu, encode wrote %zu\n", size, b.len);
            return 1;
        }
        fwrite(b.data, 1, b.len, stdout);
        mw_buf_free(&b);
        return 0;
    }
    if (strcmp(argv[1], "decode") != 0 || argc < 4)
        return usage();
    FILE *f = fopen(argv[3], "rb");
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    mw_buf in = {0};
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (mw_buf_append(&in, chunk, n))
            return 1;
    fclose(f);
    mw_arena *arena;
    if (mw_arena_create(&arena, 0))
        return 1;
    household value;
    int rc = mw_java_decode(t, in.data, in.len, &value, arena, &opts, &err);
    if (rc) {
        fprintf(stderr, "decode: %s at byte %zu, %s: %s\n", mw_errname(rc), err.offset, err.path,
                err.detail);
        return 1;
    }
    if (is_person) {
        print_person((mw_person *)&value);
        printf("\n");
    } else {
        print_household(&value);
    }
    mw_arena_destroy(arena);
    mw_buf_free(&in);
    return 0;
}

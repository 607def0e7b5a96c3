/*
 * midway_side.c - Midway's half of the omniORB interop test (test_omniorb.sh; the other
 * half is omniorb_side.cc). The values are Person and Showcase (every kind of the type
 * model): a fixed set, then COUNT random values from SEED (marshal_suite.c).
 *
 *   midway_side write DIR SEED COUNT
 *       writes every value with our CDR codec into DIR/ours.T.FORM.ORDER (T Person or
 *       Showcase; FORM plain, the value itself, or any, an any holding it; ORDER be or
 *       le), and one line of text per value into DIR/expected.T.txt: the line
 *       omniorb_side must print for what it decodes.
 *   midway_side check DIR SEED COUNT T FORM ORDER
 *       reads what omniORB wrote for the same values (DIR/omni.T.FORM.ORDER) and checks
 *       each value:
 *         - we decode omniORB's bytes to the value we started from;
 *         - encoding what we decoded gives back our own bytes exactly;
 *         - omniORB's bytes are ours, with our length and:
 *             byte for byte when they hold no TypeCode encapsulation (omniorb_side
 *             zeroes its buffer, so omniORB's padding is zero like ours);
 *             else, in the host's byte order, differing only where ours is zero: the
 *             padding inside TypeCode encapsulations, which omniORB builds in buffers
 *             it does not clear;
 *             else (the other order, with TypeCodes) by the two checks above only:
 *             omniORB writes TypeCode encapsulations in the host's byte order whatever
 *             the order of the stream around them, which CDR allows (an encapsulation
 *             states its byte order in its first octet).
 *       Prints one line per file and up to 3 failures in detail; exits 1 on failure.
 *
 * A file of values is a series of records: a 4-byte little-endian length, that many
 * CDR bytes (the stream starts there: alignment counts from it), zeros up to a
 * multiple of 8.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/marshal_suite.h"
#include "marshal/example_types.h"
#include "marshal/marshal_impl.h"

/* ---- the values ------------------------------------------------------------------------ */

#define FIXED_PERSONS 4
#define FIXED_SHOWCASES 5

/* A writable copy of a literal (-Wwrite-strings makes literals const; the model's strings
 * are char *). Exits on lack of memory, like every failure to set a test up here. */
static char *S(mw_arena *a, const char *s)
{
    char *c = mw_arena_strndup(a, s, strlen(s));
    if (!c) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return c;
}

static void fixed_person(int i, mw_person *p, mw_arena *a)
{
    switch (i) {
    case 0: *p = (mw_person){S(a, "Smith"), S(a, "London"), 1934}; break; /* Figure 4.8 */
    case 1: *p = (mw_person){S(a, ""), S(a, ""), 0}; break;
    case 2:
        *p = (mw_person){S(a, "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m \xe4\xb8\xad \xf0\x9f\x98\x80"),
                         S(a, "S\xc3\xa3o Paulo"), UINT32_MAX};
        break;
    default: *p = (mw_person){NULL, S(a, "a place 17 bytes"), 1}; break; /* NULL travels as "" */
    }
}

static const mw_type seq_long = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                 .align = _Alignof(mw_seq), .u.seq = {&mw_t_long, 0}};

/* Every union case (two labels for one, and a discriminator no case names), every kind
 * an any holds in the random values, optional present and absent, IPv4, IPv6 and nil
 * references, float and integer extremes. */
static void fixed_showcase(int i, mw_ex_showcase *s, mw_arena *a)
{
    static int32_t numbers[] = {1, -2, 3, INT32_MIN, INT32_MAX};
    static uint8_t blob[] = {0, 1, 0xff};
    static int32_t answer = 42;
    mw_person *people = mw_arena_calloc(a, 4, sizeof *people);
    char **tags = mw_arena_calloc(a, 3, sizeof *tags);
    mw_seq *nums = mw_arena_calloc(a, 1, sizeof *nums);
    char **text = mw_arena_calloc(a, 1, sizeof *text);
    if (!people || !tags || !nums || !text) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    fixed_person(0, &people[0], a);
    people[1] = (mw_person){S(a, "Bob"), S(a, "Berlin"), 2001};
    people[2] = (mw_person){S(a, "Owner"), S(a, "Paris"), 1970};
    people[3] = (mw_person){S(a, "Ada"), S(a, "London"), 1815};
    tags[0] = S(a, "red");
    tags[1] = S(a, "");
    tags[2] = S(a, "blue");
    *nums = (mw_seq){5, numbers};
    *text = S(a, "caf\xc3\xa9");

    memset(s, 0, sizeof *s);
    s->basics = (mw_ex_basics){true, 200, 'q', -12345, 54321, -7, 4000000000u,
                               -1234567890123ll, 18000000000000000000ull, 2.5f, -0.1, *text};
    s->ref.interface = S(a, "HelloApp::Hello");
    s->ref.created_ms = 1732190000123ull;
    s->ref.object_number = 42;
    switch (i) {
    case 0: /* the value of the CDR engineer's first comparison */
        s->numbers = (mw_seq){3, numbers};
        memcpy(s->matrix, (int16_t[2][3]){{1, -2, 3}, {-4, 5, INT16_MIN}}, sizeof s->matrix);
        s->tags = (mw_seq){3, tags};
        s->blob = (mw_seq){3, blob};
        s->color = MW_EX_BLUE;
        s->reading.d = 2;
        s->reading.u.label = S(a, "warm");
        s->temperature = -40.0;
        s->owner = &people[2];
        s->people = (mw_seq){2, people};
        s->extra = (mw_any){&mw_t_person, &people[3]};
        s->ref.address = (mw_addr){.family = MW_AF_INET4, .port = 7896, .ip = {192, 168, 1, 7}};
        break;
    case 1: /* empty everything, case 1, an empty any, IPv6 */
        s->basics = (mw_ex_basics){false, 0, ' ', INT16_MIN, 0, INT32_MIN, 0, INT64_MIN, 0,
                                   -0.0f, -0.0, S(a, "")};
        s->reading.d = 1;
        s->reading.u.temperature = 21.5;
        s->temperature = __builtin_inf();
        s->ref.address = (mw_addr){.family = MW_AF_INET6, .port = 65535,
                                   .ip = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
        break;
    case 2: /* the default case by a label no case names; the any holds a long */
        s->basics = (mw_ex_basics){true, 255, '~', INT16_MAX, UINT16_MAX, INT32_MAX,
                                   UINT32_MAX, INT64_MAX, UINT64_MAX, __builtin_inff(),
                                   __builtin_nan(""), S(a, "\xf0\x9f\x98\x80")};
        s->numbers = (mw_seq){1, numbers + 1};
        s->color = MW_EX_GREEN;
        s->reading.d = -7;
        s->reading.u.color = MW_EX_RED;
        s->temperature = 3.141592653589793;
        s->owner = &people[2];
        s->extra = (mw_any){&mw_t_long, &answer};
        s->ref.address = (mw_addr){.family = MW_AF_INET4, .port = 1, .ip = {127, 0, 0, 1}};
        break;
    case 3: /* the second label of a case; a sequence<long> in the any; a nil reference */
        s->reading.d = 3;
        s->reading.u.label = S(a, "");
        s->people = (mw_seq){1, people + 1};
        s->extra = (mw_any){&seq_long, nums};
        s->ref = (mw_objref){.interface = S(a, "")};
        break;
    default: /* a string in the any, quotes and backslashes in text, NaN outside Basics */
        s->basics.text = S(a, "\"quoted\" \\ back\tslash\n");
        s->tags = (mw_seq){2, tags + 1};
        s->reading.d = 2;
        s->reading.u.label = S(a, "\xe2\x82\xac 5");
        s->temperature = -__builtin_nan("");
        s->people = (mw_seq){4, people};
        s->extra = (mw_any){&mw_t_string, text};
        break;
    }
}

typedef struct values {
    const mw_type *t;
    size_t n;
    void **v;
} values;

/* The fixed values of t, then count random ones from seed. Exits on lack of memory. */
static values make_values(const mw_type *t, uint64_t seed, unsigned count, mw_arena *a)
{
    bool person = t == &mw_t_person;
    size_t fixed = person ? FIXED_PERSONS : FIXED_SHOWCASES;
    values vs = {t, fixed + count, mw_arena_calloc(a, fixed + count, sizeof(void *))};
    mw_rng rng;
    mw_rng_seed(&rng, seed + (person ? 0 : 1));
    for (size_t i = 0; vs.v && i < vs.n; i++) {
        if (!(vs.v[i] = mw_arena_calloc(a, 1, t->size)))
            break;
        if (i >= fixed)
            suite_random_value(t, vs.v[i], &rng, a, 0);
        else if (person)
            fixed_person((int)i, vs.v[i], a);
        else
            fixed_showcase((int)i, vs.v[i], a);
    }
    if (!vs.v || !vs.v[vs.n - 1]) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return vs;
}

/* ---- the text form ----------------------------------------------------------------------- */

/* One line per value, the same as omniorb_side prints from omniORB's C++ types: structs
 * {name=value,...}, sequences, arrays and optionals [a,b], unions <discriminator:member>,
 * anys any(type:value) or any(), floats by their bits, strings quoted with \xHH for
 * anything outside printable ASCII (and for " and \). */
static void print_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            fputc(*p, f);
        else
            fprintf(f, "\\x%02x", *p);
    }
    fputc('"', f);
}

static void print_value(FILE *f, const mw_type *t, const void *v);

static void print_list(FILE *f, const mw_type *elem, const void *data, uint32_t n)
{
    fputc('[', f);
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        print_value(f, elem, (const char *)data + (size_t)i * elem->size);
    }
    fputc(']', f);
}

/* How omniorb_side names what an any holds. */
static void print_type_label(FILE *f, const mw_type *t)
{
    t = mw_type_resolve(t);
    if (t->kind == MW_K_STRUCT) {
        fputs(t->name, f);
    } else if (t->kind == MW_K_SEQUENCE) {
        fputs("sequence<", f);
        print_type_label(f, t->u.seq.elem);
        fputc('>', f);
    } else {
        fputs(mw_kind_name(t->kind), f);
    }
}

static void print_objref(FILE *f, const mw_objref *r)
{
    /* The fields of the wire form (cdr.c), as midway::ObjectRef declares them. */
    unsigned n = r->address.family == MW_AF_INET4 ? 4 : r->address.family == MW_AF_INET6 ? 16 : 0;
    fprintf(f, "{family=%u,address=", r->address.family);
    print_list(f, &mw_t_octet, r->address.ip, n);
    fprintf(f, ",port=%u,created_ms=%" PRIu64 ",object_number=%" PRIu32 ",interface=",
            r->address.port, r->created_ms, r->object_number);
    print_string(f, r->interface);
    fputc('}', f);
}

static void print_value(FILE *f, const mw_type *t, const void *v)
{
    switch (t->kind) {
    case MW_K_ALIAS: print_value(f, t->u.alias.target, v); break;
    case MW_K_BOOLEAN: fputs(*(const bool *)v ? "true" : "false", f); break;
    case MW_K_OCTET: fprintf(f, "%u", *(const uint8_t *)v); break;
    case MW_K_CHAR: fprintf(f, "%u", *(const unsigned char *)v); break;
    case MW_K_SHORT: fprintf(f, "%d", *(const int16_t *)v); break;
    case MW_K_USHORT: fprintf(f, "%u", *(const uint16_t *)v); break;
    case MW_K_LONG: case MW_K_ENUM: fprintf(f, "%" PRId32, *(const int32_t *)v); break;
    case MW_K_ULONG: fprintf(f, "%" PRIu32, *(const uint32_t *)v); break;
    case MW_K_LONGLONG: fprintf(f, "%" PRId64, *(const int64_t *)v); break;
    case MW_K_ULONGLONG: fprintf(f, "%" PRIu64, *(const uint64_t *)v); break;
    case MW_K_FLOAT: {
        uint32_t bits;
        memcpy(&bits, v, 4);
        fprintf(f, "0x%08" PRIx32, bits);
        break;
    }
    case MW_K_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, v, 8);
        fprintf(f, "0x%016" PRIx64, bits);
        break;
    }
    case MW_K_STRING: print_string(f, *(char *const *)v); break;
    case MW_K_STRUCT:
        fputc('{', f);
        for (uint32_t i = 0; i < t->u.st.count; i++) {
            const mw_field *m = &t->u.st.fields[i];
            fprintf(f, "%s%s=", i ? "," : "", m->name);
            print_value(f, m->type, (const char *)v + m->offset);
        }
        fputc('}', f);
        break;
    case MW_K_SEQUENCE: {
        const mw_seq *s = v;
        print_list(f, t->u.seq.elem, s->data, s->len);
        break;
    }
    case MW_K_ARRAY: print_list(f, t->u.arr.elem, v, t->u.arr.count); break;
    case MW_K_OPTIONAL: {
        const void *p = *(const void *const *)v;
        print_list(f, t->u.alias.target, p, p ? 1 : 0);
        break;
    }
    case MW_K_UNION: {
        int64_t d = mwi_load_int(t->u.un.disc, v);
        const mw_case *c = mwi_union_case(t, d);
        fputc('<', f);
        print_value(f, t->u.un.disc, v);
        if (c && c->type && mw_type_resolve(c->type)->kind != MW_K_VOID) {
            fputc(':', f);
            print_value(f, c->type, (const char *)v + t->u.un.value_offset);
        }
        fputc('>', f);
        break;
    }
    case MW_K_ANY: {
        const mw_any *a = v;
        fputs("any(", f);
        if (a->type && mw_type_resolve(a->type)->kind != MW_K_VOID) {
            print_type_label(f, a->type);
            fputc(':', f);
            print_value(f, a->type, a->value);
        }
        fputc(')', f);
        break;
    }
    case MW_K_OBJREF: print_objref(f, v); break;
    default: fprintf(f, "?%s", mw_kind_name(t->kind)); break;
    }
}

/* ---- records ------------------------------------------------------------------------------ */

static int encode(const mw_type *t, const void *v, int order, mw_buf *out)
{
    mw_marshal_opts o = {.byte_order = order};
    mw_marshal_error err = {0};
    mw_buf_reset(out);
    int rc = mw_cdr_encode(t, v, out, &o, &err);
    if (rc)
        fprintf(stderr, "encode: %s: %s at %s\n", mw_errname(rc), err.detail, err.path);
    return rc;
}

static int put_record(FILE *f, const mw_buf *b)
{
    static const uint8_t zeros[8];
    uint8_t len[4] = {(uint8_t)b->len, (uint8_t)(b->len >> 8), (uint8_t)(b->len >> 16),
                      (uint8_t)(b->len >> 24)};
    size_t pad = (8 - (4 + b->len) % 8) % 8;
    return fwrite(len, 1, 4, f) == 4 && fwrite(b->data, 1, b->len, f) == b->len &&
                   fwrite(zeros, 1, pad, f) == pad
               ? 0
               : -1;
}

/* The whole file; exits when it cannot be read. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    uint8_t *data = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            uint8_t *more = realloc(data, cap = cap ? 2 * cap : 65536);
            if (!more) {
                fprintf(stderr, "%s: out of memory\n", path);
                exit(2);
            }
            data = more;
        }
        n += got = fread(data + n, 1, cap - n, f);
    } while (got > 0);
    fclose(f);
    *len = n;
    return data;
}

/* The next record of data[*pos..len): its bytes and length; false at the end or when
 * the record is cut short. */
static bool next_record(const uint8_t *data, size_t len, size_t *pos, const uint8_t **rec,
                        size_t *rec_len)
{
    if (len - *pos < 4)
        return false;
    const uint8_t *p = data + *pos;
    size_t n = p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
    if (n > len - *pos - 4)
        return false;
    *rec = p + 4;
    *rec_len = n;
    *pos += 4 + n + (8 - (4 + n) % 8) % 8;
    if (*pos > len)
        *pos = len;
    return true;
}

/* ---- write ----------------------------------------------------------------------------- */

static const char *const forms[] = {"plain", "any"};
static const char *const orders[] = {"be", "le"};
static const int order_codes[] = {MW_ORDER_BIG, MW_ORDER_LITTLE};

static int write_all(const char *dir, const values *vs)
{
    char path[4096];
    mw_buf b;
    mw_buf_init(&b);
    snprintf(path, sizeof path, "%s/expected.%s.txt", dir, vs->t->name);
    FILE *txt = fopen(path, "w");
    if (!txt) {
        perror(path);
        return 1;
    }
    for (size_t i = 0; i < vs->n; i++) {
        print_value(txt, vs->t, vs->v[i]);
        fputc('\n', txt);
    }
    int bad = fclose(txt) != 0;
    for (int form = 0; form < 2; form++) {
        for (int order = 0; order < 2; order++) {
            snprintf(path, sizeof path, "%s/ours.%s.%s.%s", dir, vs->t->name, forms[form],
                     orders[order]);
            FILE *f = fopen(path, "wb");
            if (!f) {
                perror(path);
                return 1;
            }
            for (size_t i = 0; i < vs->n && !bad; i++) {
                mw_any any = {vs->t, vs->v[i]};
                bad = form ? encode(&mw_t_any, &any, order_codes[order], &b)
                           : encode(vs->t, vs->v[i], order_codes[order], &b);
                bad = bad || put_record(f, &b);
            }
            bad |= fclose(f) != 0;
        }
    }
    mw_buf_free(&b);
    return bad;
}

/* ---- check ----------------------------------------------------------------------------- */

static void hex_line(const char *label, const uint8_t *p, size_t n)
{
    printf("    %s (%zu bytes):", label, n);
    for (size_t i = 0; i < n; i++)
        printf(" %02x", p[i]);
    printf("\n");
}

/* Whether omniORB's encoding of value i holds a TypeCode with an encapsulation (those are
 * built in buffers omniORB does not clear, in the host's byte order): an any holding a
 * struct, or a Showcase whose extra holds a constructed type (the kinds from struct on;
 * the basic kinds' and string's TypeCodes have no encapsulation). */
static bool has_encapsulation(const values *vs, size_t i, bool any)
{
    if (any)
        return true;
    if (vs->t != &mwi_t_showcase)
        return false;
    const mw_type *x = ((const mw_ex_showcase *)vs->v[i])->extra.type;
    return x && x->kind >= MW_K_STRUCT;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_ORDER MW_ORDER_BIG
#else
#define HOST_ORDER MW_ORDER_LITTLE
#endif

/* How omniORB's bytes compared with ours. */
typedef struct tally {
    size_t exact;     /* byte for byte */
    size_t padding;   /* up to padding in TypeCode encapsulations */
    size_t by_value;  /* encapsulations in the other byte order: compared as values */
    size_t pad_bytes; /* bytes of padding that differ */
} tally;

/* Checks one value omniORB wrote; NULL when it is right, else what is wrong. */
static const char *check_one(const values *vs, size_t i, bool any, int order,
                             const uint8_t *omni, size_t omni_len, mw_buf *ours, mw_buf *again,
                             tally *tl)
{
    const mw_type *t = any ? &mw_t_any : vs->t;
    mw_any orig_any = {vs->t, vs->v[i]};
    const void *orig = any ? (const void *)&orig_any : vs->v[i];
    if (encode(t, orig, order, ours))
        return "we cannot encode the value";

    mw_arena *a;
    if (mw_arena_create(&a, 0))
        return "out of memory";
    const char *why = NULL;
    void *got = mw_arena_calloc(a, 1, t->size);
    mw_marshal_opts o = {.byte_order = order};
    mw_marshal_error err = {0};
    int rc = got ? mw_cdr_decode(t, omni, omni_len, got, a, &o, &err) : MW_ENOMEM;
    if (rc) {
        printf("    our decoder: %s: %s at byte %zu (%s)\n", mw_errname(rc), err.detail,
               err.offset, err.path);
        why = "we cannot decode omniORB's bytes";
    } else if (!mw_value_equal(t, orig, got)) {
        why = "we decode omniORB's bytes to another value";
    } else if (encode(t, got, order, again) || again->len != ours->len ||
               memcmp(again->data, ours->data, ours->len) != 0) {
        why = "encoding what we decoded does not give our bytes back";
    } else if (omni_len != ours->len) {
        why = "omniORB's encoding has another length";
    } else if (!has_encapsulation(vs, i, any)) {
        if (memcmp(omni, ours->data, omni_len) != 0)
            why = "omniORB's bytes differ from ours";
        tl->exact++;
    } else if (order == HOST_ORDER) {
        for (size_t k = 0; k < omni_len && !why; k++) {
            if (omni[k] != ours->data[k]) {
                tl->pad_bytes++;
                if (ours->data[k] != 0)
                    why = "omniORB's bytes differ from ours where ours are not padding";
            }
        }
        tl->padding++;
    } else {
        tl->by_value++;
    }
    mw_arena_destroy(a);
    return why;
}

static int check_file(const char *dir, const values *vs, const char *form, const char *order)
{
    bool any = strcmp(form, "any") == 0;
    int ord = strcmp(order, "be") == 0 ? MW_ORDER_BIG : MW_ORDER_LITTLE;
    char path[4096];
    snprintf(path, sizeof path, "%s/omni.%s.%s.%s", dir, vs->t->name, form, order);
    size_t len, pos = 0, n = 0, failed = 0;
    tally tl = {0};
    uint8_t *data = slurp(path, &len);
    mw_buf ours, again;
    mw_buf_init(&ours);
    mw_buf_init(&again);
    const uint8_t *rec;
    size_t rec_len;
    while (n < vs->n && next_record(data, len, &pos, &rec, &rec_len)) {
        const char *why = check_one(vs, n, any, ord, rec, rec_len, &ours, &again, &tl);
        if (why && ++failed <= 3) {
            printf("  value %zu: %s\n", n, why);
            printf("    the value: ");
            print_value(stdout, vs->t, vs->v[n]);
            printf("\n");
            hex_line("ours   ", ours.data, ours.len);
            hex_line("omniORB", rec, rec_len);
        }
        n++;
    }
    if (n != vs->n || pos != len) {
        printf("  %s holds %zu whole records and %zu bytes more; want %zu records\n", path, n,
               len - pos, vs->n);
        failed++;
    }
    printf("%s %s %s %s: %zu values, %zu wrong; omniORB's bytes are ours: %zu byte for byte",
           failed ? "FAIL" : "ok  ", vs->t->name, form, order, n, failed, tl.exact);
    if (tl.padding)
        printf(", %zu up to TypeCode padding (%zu bytes, zero in ours)", tl.padding,
               tl.pad_bytes);
    if (tl.by_value)
        printf(", %zu compared as values (omniORB's TypeCodes are in the host's order)",
               tl.by_value);
    printf("\n");
    mw_buf_free(&ours);
    mw_buf_free(&again);
    free(data);
    return failed != 0;
}

int main(int argc, char **argv)
{
    bool write = argc == 5 && strcmp(argv[1], "write") == 0;
    bool check = argc == 8 && strcmp(argv[1], "check") == 0;
    if (!write && !check) {
        fprintf(stderr, "usage: midway_side write DIR SEED COUNT\n"
                        "       midway_side check DIR SEED COUNT Person|Showcase plain|any be|le\n");
        return 2;
    }
    const char *dir = argv[2];
    uint64_t seed = strtoull(argv[3], NULL, 0);
    unsigned count = (unsigned)strtoul(argv[4], NULL, 0);
    mw_arena *a;
    if (mw_arena_create(&a, 0))
        return 2;
    int bad = 0;
    if (write) {
        values persons = make_values(&mw_t_person, seed, count, a);
        values showcases = make_values(&mwi_t_showcase, seed, count, a);
        bad = write_all(dir, &persons) || write_all(dir, &showcases);
    } else {
        const mw_type *t = mw_builtin_type(argv[5]);
        if (!t || (t != &mw_t_person && t != &mwi_t_showcase)) {
            fprintf(stderr, "unknown type %s\n", argv[5]);
            return 2;
        }
        values vs = make_values(t, seed, count, a);
        bad = check_file(dir, &vs, argv[6], argv[7]);
    }
    mw_arena_destroy(a);
    return bad;
}

/*
 * bench_marshal.c - how fast Midway's codecs are, against peers measured in the same run.
 *
 *   Person {"Smith", "London", 1934} (Figure 4.8): one encode and one decode ("a pair") in
 *   each of our five codecs, in libtirpc's XDR (hand-written xdr_ routines over xdrmem, as
 *   rpcgen would write them) and in protobuf-c (person.proto, compiled at build time).
 *   Bulk: a 1 MiB sequence<double> encoded and decoded in CDR (native and swapped byte
 *   order) and XDR, with libtirpc's xdr_array alongside, against memcpy of the same bytes.
 *
 * Every case first checks that what it decodes equals what it encoded, so a broken codec is
 * reported rather than timed. Decoding uses one arena reset before every decode, and
 * encoding one buffer reset before every encode: that is how a server loop would use them.
 * Each case is calibrated to a loop of at least --min-ms milliseconds; then --runs rounds
 * go through every case in turn, timing one loop of each. The tables give each case's
 * median with the min and max over the rounds, and ratios computed round by round (two
 * loops of a round ran seconds apart, so load from elsewhere mostly cancels) as their
 * median, min and max. --markdown prints the same tables for docs/performance.md.
 *
 * `bench_marshal --callgrind CASE --iters N` runs one case N times without timing, for
 * `valgrind --tool=callgrind` (bench/marshal/callgrind.sh turns two such runs into
 * instructions per pair). `--list` names the cases.
 */
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <midway/marshal.h>

#include "bench_common.h"

#ifdef MWB_HAVE_TIRPC
#include <rpc/rpc.h>
#endif
#ifdef MWB_HAVE_PROTOBUF_C
#include "person.pb-c.h"
#endif

#define PROG "bench_marshal" /* in messages */

#define RUNS_DEFAULT 7    /* timed runs per case; the median of an odd count is a run */
#define MIN_MS_DEFAULT 40 /* each run lasts at least this long once calibrated */
#define BULK_BYTES ((size_t)1 << 20) /* the bulk payload: 1 MiB of doubles */
#define BULK_COUNT (BULK_BYTES / sizeof(double))
#define NAME_MAX_LEN 255 /* the bound the libtirpc routines give xdr_string */

/* Keeps the compiler from deleting work whose result nobody reads. */
#define CLOBBER(p) __asm__ volatile("" : : "r"(p) : "memory")

/* ------------------------------------------------------------------------------------ */
/* Cases                                                                                */
/* ------------------------------------------------------------------------------------ */

typedef struct bcase bcase;
struct bcase {
    const char *name;  /* "person.cdr": what --callgrind and --list use */
    const char *label; /* what the table shows */
    bool bulk;         /* a 1 MiB bulk case (else a Person pair) */
    bool ours;         /* one of Midway's codecs (else a peer or the floor) */
    /* Prepares the case and checks one round trip; 0, or a negative value after writing
     * why into why[0..200). */
    int (*setup)(bcase *c, char *why);
    /* Runs n iterations; 0, or a negative value on the first failure. */
    int (*loop)(bcase *c, uint64_t n);
    void (*teardown)(bcase *c);
    /* Filled by setup. */
    const mw_codec *codec;
    mw_marshal_opts opts;
    size_t wire_bytes; /* the encoding's length */
    bool decode_only;  /* bulk: time decoding (else encoding) */
    /* Filled by the timed runs. */
    bool skipped;
    char why[200];
    bool selected;           /* chosen by --only */
    uint64_t iters;          /* iterations per timed loop, from calibration */
    double ns[MWB_MAX_RUNS]; /* per iteration, one per run */
    mwb_summary per_iter;    /* of ns */
};

static int g_runs = RUNS_DEFAULT; /* --runs */
static bool g_md;                 /* --markdown */

/* Shared state of the cases (one case runs at a time). */
static mw_buf g_buf;
static mw_arena *g_arena;
static char g_name[] = "Smith", g_place[] = "London";
static mw_person g_person = {g_name, g_place, 1934};
static mw_person g_person_out;
static mw_seq g_seq_in, g_seq_out;
static double *g_doubles;
static uint8_t *g_copy;
/* memcpy's destination: 8 bytes into a buffer, where a CDR or XDR sequence<double> puts its
 * payload after the count. Two blocks from malloc at the same page offset would make every
 * store alias the load 1 MiB before it (4K aliasing), slowing memcpy for a reason that has
 * nothing to do with copying. */
static uint8_t *g_floor;
#define FLOOR_OFFSET 8
static const mw_type t_seq_double = {.kind = MW_K_SEQUENCE,
                                     .size = sizeof(mw_seq),
                                     .align = alignof(mw_seq),
                                     .u.seq = {&mw_t_double, 0}};

/* Says why a codec failed the round trip check ("cdr encode failed: ..."). */
static int failf(char *why, const char *codec, const char *op, int e,
                 const mw_marshal_error *err)
{
    snprintf(why, 200, "%s %s failed: %s", codec, op,
             err && err->detail[0] ? err->detail : mw_strerror(e));
    return -1;
}

/* ---- Midway: Person ----------------------------------------------------------------- */

static int ours_person_loop(bcase *c, uint64_t n)
{
    const mw_codec *k = c->codec;
    for (uint64_t i = 0; i < n; i++) {
        mw_buf_reset(&g_buf);
        if (k->encode(&mw_t_person, &g_person, &g_buf, &c->opts, NULL) != 0)
            return -1;
        mw_arena_reset(g_arena);
        if (k->decode(&mw_t_person, g_buf.data, g_buf.len, &g_person_out, g_arena, &c->opts,
                      NULL) != 0)
            return -1;
        CLOBBER(&g_person_out);
    }
    return 0;
}

static int ours_person_setup(bcase *c, char *why)
{
    const char *name = strchr(c->name, '.') + 1;
    char codec_name[16];
    snprintf(codec_name, sizeof codec_name, "%.*s", (int)strcspn(name, "-"), name);
    c->codec = mw_codec_find(codec_name);
    if (!c->codec) {
        snprintf(why, 200, "the %s codec is not part of this build", codec_name);
        return -1;
    }
    if (strstr(c->name, "-be"))
        c->opts.byte_order = MW_ORDER_BIG;
    mw_marshal_error err = {0};
    mw_buf_reset(&g_buf);
    int e = c->codec->encode(&mw_t_person, &g_person, &g_buf, &c->opts, &err);
    if (e)
        return failf(why, codec_name, "encode", e, &err);
    c->wire_bytes = g_buf.len;
    mw_arena_reset(g_arena);
    memset(&g_person_out, 0, sizeof g_person_out);
    e = c->codec->decode(&mw_t_person, g_buf.data, g_buf.len, &g_person_out, g_arena, &c->opts,
                         &err);
    if (e)
        return failf(why, codec_name, "decode", e, &err);
    if (!mw_value_equal(&mw_t_person, &g_person, &g_person_out)) {
        snprintf(why, 200, "%s: the decoded Person differs from the encoded one", codec_name);
        return -1;
    }
    return 0;
}

/* ---- Midway: bulk sequence<double> ---------------------------------------------------- */

static int ours_bulk_encode_loop(bcase *c, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        mw_buf_reset(&g_buf);
        if (c->codec->encode(&t_seq_double, &g_seq_in, &g_buf, &c->opts, NULL) != 0)
            return -1;
        CLOBBER(g_buf.data);
    }
    return 0;
}

static int ours_bulk_decode_loop(bcase *c, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        mw_arena_reset(g_arena);
        if (c->codec->decode(&t_seq_double, g_buf.data, g_buf.len, &g_seq_out, g_arena,
                             &c->opts, NULL) != 0)
            return -1;
        CLOBBER(g_seq_out.data);
    }
    return 0;
}

static int ours_bulk_setup(bcase *c, char *why)
{
    bool xdr = strstr(c->name, "xdr") != NULL;
    c->codec = mw_codec_find(xdr ? "xdr" : "cdr");
    if (!c->codec) {
        snprintf(why, 200, "the %s codec is not part of this build", xdr ? "xdr" : "cdr");
        return -1;
    }
    if (strstr(c->name, "swapped")) {
        uint16_t probe = 1;
        bool little = *(uint8_t *)&probe == 1;
        c->opts.byte_order = little ? MW_ORDER_BIG : MW_ORDER_LITTLE;
    } else {
        c->opts.byte_order = MW_ORDER_NATIVE;
    }
    c->decode_only = strstr(c->name, ".dec") != NULL;
    mw_marshal_error err = {0};
    mw_buf_reset(&g_buf);
    int e = c->codec->encode(&t_seq_double, &g_seq_in, &g_buf, &c->opts, &err);
    if (e)
        return failf(why, c->codec->name, "encode", e, &err);
    c->wire_bytes = g_buf.len;
    mw_arena_reset(g_arena);
    e = c->codec->decode(&t_seq_double, g_buf.data, g_buf.len, &g_seq_out, g_arena, &c->opts,
                         &err);
    if (e)
        return failf(why, c->codec->name, "decode", e, &err);
    if (!mw_value_equal(&t_seq_double, &g_seq_in, &g_seq_out)) {
        snprintf(why, 200, "%s: the decoded sequence differs", c->codec->name);
        return -1;
    }
    return 0;
}

/* ---- the floor: memcpy ----------------------------------------------------------------- */

static int memcpy_setup(bcase *c, char *why)
{
    c->wire_bytes = BULK_BYTES;
    return 0;
}

static int memcpy_loop(bcase *c, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        memcpy(g_floor + FLOOR_OFFSET, g_doubles, BULK_BYTES);
        CLOBBER(g_floor);
    }
    return 0;
}

/* ---- libtirpc ------------------------------------------------------------------------- */

#ifdef MWB_HAVE_TIRPC
/* Person as rpcgen would declare and marshal it: struct { string name<>; string place<>;
 * unsigned int year; }. */
typedef struct tperson {
    char *name;
    char *place;
    u_int year;
} tperson;

static bool_t xdr_tperson(XDR *x, tperson *p)
{
    return xdr_string(x, &p->name, NAME_MAX_LEN) && xdr_string(x, &p->place, NAME_MAX_LEN) &&
           xdr_u_int(x, &p->year);
}

static char g_xdr_buf[512];
static char g_name_buf[NAME_MAX_LEN + 1], g_place_buf[NAME_MAX_LEN + 1];

/* One pair; caller_buffers: decode into the caller's buffers, else let libtirpc malloc
 * the strings and release them with xdr_free, as rpcgen's generated code does. */
static inline int tirpc_pair(bool caller_buffers, size_t *len)
{
    XDR x;
    tperson in = {g_person.name, g_person.place, g_person.year};
    xdrmem_create(&x, g_xdr_buf, sizeof g_xdr_buf, XDR_ENCODE);
    if (!xdr_tperson(&x, &in))
        return -1;
    u_int n = xdr_getpos(&x);
    xdr_destroy(&x);
    if (len)
        *len = n;
    tperson out = {0};
    if (caller_buffers) {
        out.name = g_name_buf;
        out.place = g_place_buf;
    }
    xdrmem_create(&x, g_xdr_buf, n, XDR_DECODE);
    bool_t ok = xdr_tperson(&x, &out);
    xdr_destroy(&x);
    int rc = ok && out.year == g_person.year ? 0 : -1;
    CLOBBER(&out);
    if (!caller_buffers)
        xdr_free((xdrproc_t)xdr_tperson, (char *)&out);
    return rc;
}

static int tirpc_setup(bcase *c, char *why)
{
    bool bufs = strstr(c->name, "-buf") != NULL;
    XDR x;
    tperson in = {g_person.name, g_person.place, g_person.year}, out = {0};
    xdrmem_create(&x, g_xdr_buf, sizeof g_xdr_buf, XDR_ENCODE);
    bool_t ok = xdr_tperson(&x, &in);
    c->wire_bytes = xdr_getpos(&x);
    xdr_destroy(&x);
    if (bufs) {
        out.name = g_name_buf;
        out.place = g_place_buf;
    }
    xdrmem_create(&x, g_xdr_buf, (u_int)c->wire_bytes, XDR_DECODE);
    ok = ok && xdr_tperson(&x, &out);
    xdr_destroy(&x);
    ok = ok && !strcmp(out.name, g_person.name) && !strcmp(out.place, g_person.place) &&
         out.year == g_person.year;
    if (!bufs)
        xdr_free((xdrproc_t)xdr_tperson, (char *)&out);
    if (!ok) {
        snprintf(why, 200, "libtirpc: the round trip failed");
        return -1;
    }
    return 0;
}

static int tirpc_loop(bcase *c, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (tirpc_pair(false, NULL) != 0)
            return -1;
    return 0;
}

static int tirpc_buf_loop(bcase *c, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (tirpc_pair(true, NULL) != 0)
            return -1;
    return 0;
}

/* Bulk: xdr_array of doubles, the same bytes as Midway's XDR sequence<double>, decoded
 * into a buffer the caller already has (libtirpc's fastest way). */
static char *g_tirpc_wire;
static u_int g_tirpc_wire_len;

static bool_t tirpc_bulk(XDR *x, double **data, u_int *count)
{
    return xdr_array(x, (char **)data, count, (u_int)BULK_COUNT, sizeof(double),
                     (xdrproc_t)xdr_double);
}

static int tirpc_bulk_setup(bcase *c, char *why)
{
    c->decode_only = strstr(c->name, ".dec") != NULL;
    if (!g_tirpc_wire && !(g_tirpc_wire = malloc(BULK_BYTES + 64))) {
        snprintf(why, 200, "out of memory");
        return -1;
    }
    XDR x;
    double *in = g_doubles;
    u_int count = (u_int)BULK_COUNT;
    xdrmem_create(&x, g_tirpc_wire, (u_int)(BULK_BYTES + 64), XDR_ENCODE);
    bool_t ok = tirpc_bulk(&x, &in, &count);
    g_tirpc_wire_len = xdr_getpos(&x);
    xdr_destroy(&x);
    c->wire_bytes = g_tirpc_wire_len;
    double *out = (double *)(void *)g_copy;
    u_int got = 0;
    xdrmem_create(&x, g_tirpc_wire, g_tirpc_wire_len, XDR_DECODE);
    ok = ok && tirpc_bulk(&x, &out, &got);
    xdr_destroy(&x);
    if (!ok || got != BULK_COUNT || memcmp(out, g_doubles, BULK_BYTES) != 0) {
        snprintf(why, 200, "libtirpc: the bulk round trip failed");
        return -1;
    }
    return 0;
}

static int tirpc_bulk_loop(bcase *c, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        XDR x;
        u_int count = (u_int)BULK_COUNT;
        double *p = c->decode_only ? (double *)(void *)g_copy : g_doubles;
        xdrmem_create(&x, g_tirpc_wire,
                      c->decode_only ? g_tirpc_wire_len : (u_int)(BULK_BYTES + 64),
                      c->decode_only ? XDR_DECODE : XDR_ENCODE);
        bool_t ok = tirpc_bulk(&x, &p, &count);
        xdr_destroy(&x);
        if (!ok)
            return -1;
        CLOBBER(p);
    }
    return 0;
}
#endif

/* ---- protobuf-c ----------------------------------------------------------------------- */

#ifdef MWB_HAVE_PROTOBUF_C
static uint8_t g_pb_buf[512];

/* A bump allocator reset before every decode: protobuf-c's counterpart of our arena. */
static alignas(16) uint8_t g_bump[4096];
static size_t g_bump_used;

static void *bump_alloc(void *data, size_t size)
{
    size_t start = (g_bump_used + 15) & ~(size_t)15;
    if (start + size > sizeof g_bump)
        return NULL;
    g_bump_used = start + size;
    return g_bump + start;
}

static void bump_free(void *data, void *p) {}

static ProtobufCAllocator g_bump_allocator = {bump_alloc, bump_free, NULL};

static inline int pb_pair(ProtobufCAllocator *a, size_t *len)
{
    Person in;
    person__init(&in);
    in.name = g_person.name;
    in.place = g_person.place;
    in.year = g_person.year;
    size_t n = person__get_packed_size(&in);
    if (n > sizeof g_pb_buf)
        return -1;
    person__pack(&in, g_pb_buf);
    if (len)
        *len = n;
    g_bump_used = 0;
    Person *out = person__unpack(a, n, g_pb_buf);
    if (!out)
        return -1;
    int rc = out->year == g_person.year ? 0 : -1;
    CLOBBER(out);
    if (a != &g_bump_allocator)
        person__free_unpacked(out, a);
    return rc;
}

static int pb_setup(bcase *c, char *why)
{
    ProtobufCAllocator *a = strstr(c->name, "-arena") ? &g_bump_allocator : NULL;
    Person in;
    person__init(&in);
    in.name = g_person.name;
    in.place = g_person.place;
    in.year = g_person.year;
    c->wire_bytes = person__get_packed_size(&in);
    person__pack(&in, g_pb_buf);
    g_bump_used = 0;
    Person *out = person__unpack(a, c->wire_bytes, g_pb_buf);
    bool ok = out && !strcmp(out->name, g_person.name) && !strcmp(out->place, g_person.place) &&
              out->year == g_person.year;
    if (out && !a)
        person__free_unpacked(out, NULL);
    if (!ok) {
        snprintf(why, 200, "protobuf-c: the round trip failed");
        return -1;
    }
    return 0;
}

static int pb_loop(bcase *c, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (pb_pair(NULL, NULL) != 0)
            return -1;
    return 0;
}

static int pb_arena_loop(bcase *c, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (pb_pair(&g_bump_allocator, NULL) != 0)
            return -1;
    return 0;
}
#endif

/* ---- the table of cases ----------------------------------------------------------------- */

#define OURS_PERSON(nm, lbl)                                                                   \
    {                                                                                          \
        .name = "person." nm, .label = lbl, .ours = true, .setup = ours_person_setup,          \
        .loop = ours_person_loop                                                               \
    }
#define OURS_BULK(nm, lbl, dec)                                                                \
    {                                                                                          \
        .name = "bulk." nm, .label = lbl, .bulk = true, .ours = true,                          \
        .setup = ours_bulk_setup, .loop = dec ? ours_bulk_decode_loop : ours_bulk_encode_loop  \
    }

static bcase cases[] = {
    OURS_PERSON("cdr", "midway cdr (native order)"),
    OURS_PERSON("cdr-be", "midway cdr (big-endian)"),
    OURS_PERSON("xdr", "midway xdr"),
    OURS_PERSON("json", "midway json"),
    OURS_PERSON("xml", "midway xml"),
    OURS_PERSON("java", "midway java serialization"),
#ifdef MWB_HAVE_TIRPC
    {.name = "person.tirpc",
     .label = "libtirpc xdr (rpcgen style: malloc, xdr_free)",
     .setup = tirpc_setup,
     .loop = tirpc_loop},
    {.name = "person.tirpc-buf",
     .label = "libtirpc xdr (decode into caller buffers)",
     .setup = tirpc_setup,
     .loop = tirpc_buf_loop},
#endif
#ifdef MWB_HAVE_PROTOBUF_C
    {.name = "person.protobuf-c",
     .label = "protobuf-c (malloc, free_unpacked)",
     .setup = pb_setup,
     .loop = pb_loop},
    {.name = "person.protobuf-c-arena",
     .label = "protobuf-c (bump allocator reset per pair)",
     .setup = pb_setup,
     .loop = pb_arena_loop},
#endif
    {.name = "bulk.memcpy",
     .label = "memcpy of the same bytes",
     .bulk = true,
     .setup = memcpy_setup,
     .loop = memcpy_loop},
    OURS_BULK("cdr-native.enc", "midway cdr native order, encode", false),
    OURS_BULK("cdr-native.dec", "midway cdr native order, decode", true),
    OURS_BULK("cdr-swapped.enc", "midway cdr swapped order, encode", false),
    OURS_BULK("cdr-swapped.dec", "midway cdr swapped order, decode", true),
    OURS_BULK("xdr.enc", "midway xdr, encode", false),
    OURS_BULK("xdr.dec", "midway xdr, decode", true),
#ifdef MWB_HAVE_TIRPC
    {.name = "bulk.tirpc.enc",
     .label = "libtirpc xdr_array, encode",
     .bulk = true,
     .setup = tirpc_bulk_setup,
     .loop = tirpc_bulk_loop},
    {.name = "bulk.tirpc.dec",
     .label = "libtirpc xdr_array, decode",
     .bulk = true,
     .setup = tirpc_bulk_setup,
     .loop = tirpc_bulk_loop},
#endif
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* ------------------------------------------------------------------------------------ */
/* Timing                                                                               */
/* ------------------------------------------------------------------------------------ */

/* The case's loop, as the timing loop calls it. */
static int case_loop(void *ctx, uint64_t n)
{
    bcase *c = ctx;
    return c->loop(c, n);
}

static bcase *find_case(const char *name)
{
    for (size_t i = 0; i < N_CASES; i++)
        if (!strcmp(cases[i].name, name))
            return &cases[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Output                                                                               */
/* ------------------------------------------------------------------------------------ */

static void print_machine(int runs, unsigned min_ms)
{
    if (g_md)
        printf("```\n");
    mwb_print_header("%d runs per case, each a loop of at least %u ms; median (min .. max)\n",
                     runs, min_ms);
#ifndef MWB_HAVE_TIRPC
    printf("peer libtirpc: skipped: %s\n", MWB_NO_TIRPC);
#endif
#ifndef MWB_HAVE_PROTOBUF_C
    printf("peer protobuf-c: skipped: %s\n", MWB_NO_PROTOBUF_C);
#endif
    if (g_md)
        printf("```\n");
}

/* True when --only chose at least one case of the group. */
static bool group_selected(bool bulk)
{
    for (size_t i = 0; i < N_CASES; i++)
        if (cases[i].selected && cases[i].bulk == bulk)
            return true;
    return false;
}

/* A case that was chosen and measured, or NULL. */
static const bcase *measured(const char *name)
{
    const bcase *c = find_case(name);
    return c && c->selected && !c->skipped ? c : NULL;
}

/* The ratio num/den of the per-iteration times, run by run (the two loops of a run were
 * timed seconds apart, so load from elsewhere mostly cancels): median, min and max. */
static mwb_summary run_ratio(const bcase *num, const bcase *den)
{
    return mwb_ratio(num->ns, den->ns, g_runs);
}

/* Tables as aligned text or in Markdown (--markdown, g_md): the label in 46 characters,
 * each cell in 22. */
static const int cell_widths[] = {22, 22, 22, 22, 22};

static mwb_table table(size_t ncols)
{
    mwb_table t = {g_md, 46, cell_widths, ncols};
    return t;
}

/* One row of cells formatted into fixed buffers. */
static void row(const mwb_table *t, const char *label, char cells[][48])
{
    const char *p[5];
    for (size_t i = 0; i < t->ncols; i++)
        p[i] = cells[i];
    mwb_table_row(t, label, p, NULL);
}

/* The peers' variants, each a column of the speed-up table. The rpcgen and malloc styles
 * are what most code does (and what the reference numbers measure); the others
 * are each peer at its fastest. */
static const char *const peer_cases[] = {"person.tirpc", "person.tirpc-buf",
                                         "person.protobuf-c", "person.protobuf-c-arena"};
static const char *const peer_heads[] = {"libtirpc", "libtirpc, buffers", "protobuf-c",
                                         "protobuf-c, bump"};

static void print_person_tables(void)
{
    if (!group_selected(false))
        return;
    static const char *const cols[] = {"Person encode + decode", "bytes", "ns per pair",
                                       "(min .. max)"};
    mwb_table t = table(3);
    mwb_table_head(&t, "Person {\"Smith\", \"London\", 1934}: one encode and one decode", cols);
    for (size_t i = 0; i < N_CASES; i++) {
        const bcase *c = &cases[i];
        if (c->bulk || !c->selected)
            continue;
        if (c->skipped) {
            mwb_table_skipped(&t, c->label, c->why);
            continue;
        }
        char cells[3][48];
        snprintf(cells[0], 48, "%zu", c->wire_bytes);
        snprintf(cells[1], 48, "%.1f", c->per_iter.median);
        snprintf(cells[2], 48, "(%.1f .. %.1f)", c->per_iter.min, c->per_iter.max);
        row(&t, c->label, cells);
    }

    const bcase *peer[4];
    const char *heads[5] = {"speed-up: peer's time / ours"};
    size_t np = 0;
    for (size_t j = 0; j < 4; j++)
        if ((peer[np] = measured(peer_cases[j])) != NULL)
            heads[1 + np++] = peer_heads[j];
    if (np == 0)
        return;
    t = table(np);
    mwb_table_head(
        &t, "Speed-up on Person: the peer's time over ours, run by run: median (min .. max)",
        heads);
    for (size_t i = 0; i < N_CASES; i++) {
        const bcase *c = &cases[i];
        if (c->bulk || !c->ours || c->skipped || !c->selected)
            continue;
        char cells[4][48];
        for (size_t j = 0; j < np; j++)
            mwb_fmt_summary(cells[j], 48, 2, "x", run_ratio(peer[j], c));
        row(&t, c->label, cells);
    }
}

static void print_bulk_table(void)
{
    if (!group_selected(true))
        return;
    const bcase *floor = measured("bulk.memcpy");
    static const char *const cols[] = {"1 MiB sequence<double>", "bytes", "MB/s",
                                       "(min .. max)", "% of memcpy"};
    mwb_table t = table(4);
    mwb_table_head(&t,
                   "Bulk: a sequence<double> of 1 MiB (131072 doubles); MB/s = 10^6 bytes of "
                   "payload per second",
                   cols);
    for (size_t i = 0; i < N_CASES; i++) {
        const bcase *c = &cases[i];
        if (!c->bulk || !c->selected)
            continue;
        if (c->skipped) {
            mwb_table_skipped(&t, c->label, c->why);
            continue;
        }
        /* Bytes per ns is GB/s; MB/s is that times 1000. The fastest run has the smallest
         * time, so min and max swap. */
        char cells[4][48] = {"", "", "", ""};
        snprintf(cells[0], 48, "%zu", c->wire_bytes);
        snprintf(cells[1], 48, "%.0f", (double)BULK_BYTES / c->per_iter.median * 1000.0);
        snprintf(cells[2], 48, "(%.0f .. %.0f)", (double)BULK_BYTES / c->per_iter.max * 1000.0,
                 (double)BULK_BYTES / c->per_iter.min * 1000.0);
        if (floor) {
            mwb_summary r = run_ratio(floor, c);
            mwb_summary pct = {100 * r.median, 100 * r.min, 100 * r.max};
            mwb_fmt_summary(cells[3], 48, 0, "%", pct);
        }
        row(&t, c->label, cells);
    }
}

/* The targets: our CDR and XDR at least twice as fast as libtirpc's XDR and
 * protobuf-c on Person (as most code uses them: rpcgen's style, protobuf-c's default
 * allocator), and bulk native-order CDR at half memcpy's bandwidth or more. */
static void print_targets(void)
{
    static const struct {
        const char *ours, *peer, *what;
        double target;
    } t[] = {
        {"person.cdr", "person.tirpc", "Person: libtirpc / midway cdr", 2.0},
        {"person.xdr", "person.tirpc", "Person: libtirpc / midway xdr", 2.0},
        {"person.cdr", "person.protobuf-c", "Person: protobuf-c / midway cdr", 2.0},
        {"person.xdr", "person.protobuf-c", "Person: protobuf-c / midway xdr", 2.0},
        {"bulk.cdr-native.enc", "bulk.memcpy", "bulk: cdr native encode / memcpy", 0.5},
        {"bulk.cdr-native.dec", "bulk.memcpy", "bulk: cdr native decode / memcpy", 0.5},
    };
    static const char *const cols[] = {"target", "ratio, run by run", "(min .. max)", "wanted",
                                       "verdict"};
    mwb_table tab = table(4);
    bool head = false;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const bcase *ours = measured(t[i].ours), *peer = measured(t[i].peer);
        if (!ours || !peer)
            continue;
        if (!head)
            mwb_table_head(
                &tab, "The issue's targets (speed ratios: the other's time over ours)", cols);
        head = true;
        mwb_summary r = run_ratio(peer, ours);
        char cells[4][48];
        snprintf(cells[0], 48, "%.2f", r.median);
        snprintf(cells[1], 48, "(%.2f .. %.2f)", r.min, r.max);
        snprintf(cells[2], 48, ">= %.2f", t[i].target);
        snprintf(cells[3], 48, "%s", r.median >= t[i].target ? "met" : "MISSED");
        row(&tab, t[i].what, cells);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Main                                                                                 */
/* ------------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_marshal [--runs N] [--min-ms MS] [--only PREFIX] [--markdown]\n"
               "       bench_marshal --list\n"
               "       bench_marshal --callgrind CASE [--iters N]\n"
               "\n"
               "Times Person encode+decode in Midway's codecs, libtirpc XDR and protobuf-c,\n"
               "and 1 MiB sequence<double> in CDR and XDR against memcpy. --list prints each\n"
               "case and its unit (pair or MiB); --callgrind runs one case N times (default\n"
               "10000 pairs or 10 MiB) without timing, for valgrind --tool=callgrind.\n");
}

static int init(void)
{
    if (mw_arena_create(&g_arena, 0) != 0 || mw_buf_reserve(&g_buf, BULK_BYTES + 64) != 0)
        return -1;
    g_doubles = malloc(BULK_BYTES);
    g_copy = malloc(BULK_BYTES);
    g_floor = malloc(BULK_BYTES + 64);
    if (!g_doubles || !g_copy || !g_floor)
        return -1;
    for (size_t i = 0; i < BULK_COUNT; i++)
        g_doubles[i] = (double)i * 1.000001 - 1000.5;
    g_seq_in.len = (uint32_t)BULK_COUNT;
    g_seq_in.data = g_doubles;
    /* Touch every page before anything is timed. */
    memset(g_copy, 0, BULK_BYTES);
    memset(g_floor, 0, BULK_BYTES + 64);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned min_ms = MIN_MS_DEFAULT;
    const char *only = "", *cg_case = NULL;
    long iters = 0;
    bool list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--runs"))
            g_runs = (int)mwb_parse_long(PROG, a, argv[++i], 1, MWB_MAX_RUNS);
        else if (!strcmp(a, "--min-ms"))
            min_ms = (unsigned)mwb_parse_long(PROG, a, argv[++i], 1, 60000);
        else if (!strcmp(a, "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(a, "--callgrind") && i + 1 < argc)
            cg_case = argv[++i];
        else if (!strcmp(a, "--iters"))
            iters = mwb_parse_long(PROG, a, argv[++i], 1, 1000000000L);
        else if (!strcmp(a, "--list"))
            list = true;
        else if (!strcmp(a, "--markdown"))
            g_md = true;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench_marshal: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (init() != 0) {
        fprintf(stderr, "bench_marshal: out of memory\n");
        return 1;
    }

    if (list) {
        for (size_t i = 0; i < N_CASES; i++)
            printf("%s %s\n", cases[i].name, cases[i].bulk ? "MiB" : "pair");
        return 0;
    }
    if (cg_case) {
        bcase *c = find_case(cg_case);
        if (!c) {
            fprintf(stderr, "bench_marshal: no case '%s' (see --list)\n", cg_case);
            return 2;
        }
        char why[200];
        if (c->setup(c, why) != 0) {
            fprintf(stderr, "bench_marshal: %s: %s\n", c->name, why);
            return 1;
        }
        if (c->loop(c, (uint64_t)(iters ? iters : c->bulk ? 10 : 10000)) != 0) {
            fprintf(stderr, "bench_marshal: %s failed while running\n", c->name);
            return 1;
        }
        return 0;
    }

    print_machine(g_runs, min_ms);
    fflush(stdout);
    /* Runs go round the cases (run 1 of every case, then run 2...), so a burst of load
     * from elsewhere on the machine lands on several cases rather than on one. Each case's
     * setup is repeated before its turn, as the cases share buffers. */
    for (size_t i = 0; i < N_CASES; i++) {
        bcase *c = &cases[i];
        c->selected = !strncmp(c->name, only, strlen(only));
        if (!c->selected)
            continue;
        if (c->setup(c, c->why) != 0)
            c->skipped = true;
        else if (mwb_calibrate(case_loop, c, min_ms, &c->iters) != 0) {
            snprintf(c->why, sizeof c->why, "failed while being timed");
            c->skipped = true;
        }
    }
    for (int r = 0; r < g_runs; r++) {
        for (size_t i = 0; i < N_CASES; i++) {
            bcase *c = &cases[i];
            if (!c->selected || c->skipped)
                continue;
            if (c->setup(c, c->why) != 0 ||
                mwb_time_loop(case_loop, c, c->iters, &c->ns[r], NULL) != 0) {
                snprintf(c->why, sizeof c->why, "failed while being timed");
                c->skipped = true;
            }
        }
    }
    for (size_t i = 0; i < N_CASES; i++)
        if (cases[i].selected && !cases[i].skipped)
            cases[i].per_iter = mwb_summarise(cases[i].ns, g_runs);
    print_person_tables();
    print_bulk_table();
    print_targets();
    mw_arena_destroy(g_arena);
    mw_buf_free(&g_buf);
    free(g_doubles);
    free(g_copy);
    free(g_floor);
#ifdef MWB_HAVE_TIRPC
    free(g_tirpc_wire);
#endif
    return 0;
}

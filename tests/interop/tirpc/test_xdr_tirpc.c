/*
 * test_xdr_tirpc.c - Midway's XDR codec against libtirpc's xdr_* routines, the XDR of
 * ONC RPC on Linux. For Person and for the every-construct type of xdr_every.h, the
 * libtirpc side is written by hand the way rpcgen would write it (its own C structs,
 * bool_t and enum_t included), and for fixed and a few thousand random values:
 *   - both encoders give the same bytes;
 *   - libtirpc decodes our bytes to the value we encoded, and we decode its bytes to it.
 *
 * `test_xdr_tirpc --bench` instead times a Person encode+decode pair on both sides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rpc/rpc.h>

#include "../../unit/marshal_suite.h"
#include "marshal/marshal_impl.h"
#include "xdr_every.h"

/* ---- the libtirpc side, as rpcgen would write it ---------------------------------------- */

/* xdr_union and xdr_array take xdrproc_t, declared variadic "because some take three
 * args": every XDR program casts its routines so. */
#define PROC(f) ((xdrproc_t)(void (*)(void))(f))

struct t_person {
    char *name;
    char *place;
    u_int year;
};

static bool_t x_person(XDR *x, struct t_person *p)
{
    return xdr_string(x, &p->name, ~0u) && xdr_string(x, &p->place, ~0u) &&
           xdr_u_int(x, &p->year);
}

struct t_inner {
    int a;
    u_int b;
};

static bool_t x_inner(XDR *x, struct t_inner *v)
{
    return xdr_int(x, &v->a) && xdr_u_int(x, &v->b);
}

static bool_t x_text16(XDR *x, char **s) { return xdr_string(x, s, 16); }

struct t_choice {
    int kind;
    union {
        int number;
        char *text;
        struct t_inner inner;
        quad_t other;
    } u;
};

static const struct xdr_discrim choice_arms[] = {
    {1, PROC(xdr_int)},  {2, PROC(x_text16)},       {3, PROC(xdr_void)},
    {4, PROC(x_inner)},  {__dontcare__, NULL_xdrproc_t},
};

static bool_t x_choice(XDR *x, struct t_choice *c)
{
    return xdr_union(x, &c->kind, (char *)&c->u, choice_arms, PROC(xdr_hyper));
}

struct t_ref {
    u_int family;
    struct {
        u_int len;
        char *val;
    } address;
    u_int port;
    u_quad_t created_ms;
    u_int object_number;
    char *interface;
};

static bool_t x_ref(XDR *x, struct t_ref *r)
{
    return xdr_u_int(x, &r->family) && xdr_bytes(x, &r->address.val, &r->address.len, 16) &&
           xdr_u_int(x, &r->port) && xdr_u_hyper(x, &r->created_ms) &&
           xdr_u_int(x, &r->object_number) && xdr_string(x, &r->interface, ~0u);
}

struct t_every {
    int i;
    u_int u;
    enum_t mode;
    bool_t flag;
    quad_t h;
    u_quad_t uh;
    float f;
    double d;
    char fixed[5];
    struct {
        u_int len;
        char *val;
    } var;
    char *name;
    int fixed_arr[3];
    struct {
        u_int len;
        double *val;
    } samples;
    struct {
        u_int len;
        struct t_inner *val;
    } inners;
    struct t_inner inner;
    struct t_choice choice;
    struct t_inner *maybe;
    short sh;
    u_short ush;
    u_char oc;
    u_char ch;
    enum_t modes[2];
    struct {
        u_int len;
        bool_t *val;
    } flags;
    struct t_ref ref;
};

static bool_t x_every(XDR *x, struct t_every *v)
{
    return xdr_int(x, &v->i) && xdr_u_int(x, &v->u) && xdr_enum(x, &v->mode) &&
           xdr_bool(x, &v->flag) && xdr_hyper(x, &v->h) && xdr_u_hyper(x, &v->uh) &&
           xdr_float(x, &v->f) && xdr_double(x, &v->d) && xdr_opaque(x, v->fixed, 5) &&
           xdr_bytes(x, &v->var.val, &v->var.len, 32) && xdr_string(x, &v->name, 64) &&
           xdr_vector(x, (char *)v->fixed_arr, 3, sizeof(int), PROC(xdr_int)) &&
           xdr_array(x, (char **)&v->samples.val, &v->samples.len, ~0u, sizeof(double),
                     PROC(xdr_double)) &&
           xdr_array(x, (char **)&v->inners.val, &v->inners.len, 4, sizeof(struct t_inner),
                     PROC(x_inner)) &&
           x_inner(x, &v->inner) && x_choice(x, &v->choice) &&
           xdr_pointer(x, (char **)&v->maybe, sizeof(struct t_inner), PROC(x_inner)) &&
           xdr_short(x, &v->sh) && xdr_u_short(x, &v->ush) && xdr_u_char(x, &v->oc) &&
           xdr_u_char(x, &v->ch) &&
           xdr_vector(x, (char *)v->modes, 2, sizeof(enum_t), PROC(xdr_enum)) &&
           xdr_array(x, (char **)&v->flags.val, &v->flags.len, ~0u, sizeof(bool_t),
                     PROC(xdr_bool)) &&
           x_ref(x, &v->ref);
}

/* ---- between the two representations ----------------------------------------------------- */

static void *copy_in(mw_arena *a, const void *p, size_t n)
{
    void *q = mw_arena_alloc(a, n ? n : 1, 0);
    if (n)
        memcpy(q, p, n);
    return q;
}

static char *str_in(mw_arena *a, const char *s) { return mw_arena_strndup(a, s, strlen(s)); }

/* Ours to theirs, for encoding: pointers share our data except where the element layout
 * differs (bool against bool_t), which is converted into arena. */
static void to_tirpc(const ev_every *v, struct t_every *t, mw_arena *a)
{
    memset(t, 0, sizeof *t);
    t->i = v->i;
    t->u = v->u;
    t->mode = v->mode;
    t->flag = v->flag;
    t->h = v->h;
    t->uh = v->uh;
    t->f = v->f;
    t->d = v->d;
    memcpy(t->fixed, v->fixed, 5);
    t->var.len = v->var.len;
    t->var.val = v->var.data;
    t->name = v->name;
    memcpy(t->fixed_arr, v->fixed_arr, sizeof t->fixed_arr);
    t->samples.len = v->samples.len;
    t->samples.val = v->samples.data;
    /* ev_inner and struct t_inner are both two 32-bit integers. */
    t->inners.len = v->inners.len;
    t->inners.val = v->inners.data;
    t->inner = (struct t_inner){v->inner.a, v->inner.b};
    t->choice.kind = v->choice.kind;
    switch (v->choice.kind) {
    case 1: t->choice.u.number = v->choice.u.number; break;
    case 2: t->choice.u.text = v->choice.u.text; break;
    case 3: break;
    case 4:
        t->choice.u.inner = (struct t_inner){v->choice.u.inner.a, v->choice.u.inner.b};
        break;
    default: t->choice.u.other = v->choice.u.other; break;
    }
    t->maybe = (struct t_inner *)v->maybe;
    t->sh = v->sh;
    t->ush = v->ush;
    t->oc = v->oc;
    t->ch = (u_char)v->ch;
    t->modes[0] = v->modes[0];
    t->modes[1] = v->modes[1];
    t->flags.len = v->flags.len;
    t->flags.val = mw_arena_calloc(a, v->flags.len + 1, sizeof(bool_t));
    for (u_int k = 0; k < v->flags.len; k++)
        t->flags.val[k] = ((const bool *)v->flags.data)[k];
    t->ref.family = v->ref.address.family;
    t->ref.address.len = v->ref.address.family == MW_AF_INET6   ? 16
                         : v->ref.address.family == MW_AF_INET4 ? 4
                                                                : 0;
    t->ref.address.val = copy_in(a, v->ref.address.ip, sizeof v->ref.address.ip);
    t->ref.port = v->ref.address.port;
    t->ref.created_ms = v->ref.created_ms;
    t->ref.object_number = v->ref.object_number;
    t->ref.interface = v->ref.interface;
}

/* Theirs to ours, after libtirpc decoded: everything copied into arena. */
static void from_tirpc(const struct t_every *t, ev_every *v, mw_arena *a)
{
    memset(v, 0, sizeof *v);
    v->i = t->i;
    v->u = t->u;
    v->mode = t->mode;
    v->flag = t->flag;
    v->h = t->h;
    v->uh = t->uh;
    v->f = t->f;
    v->d = t->d;
    memcpy(v->fixed, t->fixed, 5);
    v->var = (mw_seq){t->var.len, copy_in(a, t->var.val, t->var.len)};
    v->name = str_in(a, t->name);
    memcpy(v->fixed_arr, t->fixed_arr, sizeof v->fixed_arr);
    v->samples = (mw_seq){t->samples.len,
                          copy_in(a, t->samples.val, t->samples.len * sizeof(double))};
    v->inners = (mw_seq){t->inners.len,
                         copy_in(a, t->inners.val, t->inners.len * sizeof(struct t_inner))};
    v->inner = (ev_inner){t->inner.a, t->inner.b};
    v->choice.kind = t->choice.kind;
    switch (t->choice.kind) {
    case 1: v->choice.u.number = t->choice.u.number; break;
    case 2: v->choice.u.text = str_in(a, t->choice.u.text); break;
    case 3: break;
    case 4: v->choice.u.inner = (ev_inner){t->choice.u.inner.a, t->choice.u.inner.b}; break;
    default: v->choice.u.other = t->choice.u.other; break;
    }
    v->maybe = t->maybe ? copy_in(a, t->maybe, sizeof *v->maybe) : NULL;
    v->sh = t->sh;
    v->ush = t->ush;
    v->oc = t->oc;
    v->ch = (char)t->ch;
    v->modes[0] = t->modes[0];
    v->modes[1] = t->modes[1];
    bool *flags = mw_arena_calloc(a, t->flags.len + 1, sizeof(bool));
    for (u_int k = 0; k < t->flags.len; k++)
        flags[k] = t->flags.val[k] != 0;
    v->flags = (mw_seq){t->flags.len, flags};
    v->ref.address.family = (uint8_t)t->ref.family;
    if (t->ref.address.len) /* libtirpc leaves val NULL for no bytes */
        memcpy(v->ref.address.ip, t->ref.address.val, t->ref.address.len);
    v->ref.address.port = (uint16_t)t->ref.port;
    v->ref.created_ms = t->ref.created_ms;
    v->ref.object_number = t->ref.object_number;
    v->ref.interface = str_in(a, t->ref.interface);
}

/* ---- the cross-checks -------------------------------------------------------------------- */

static char tirpc_buf[1 << 16];

/* libtirpc's encoding of *obj with routine fn into tirpc_buf; its length in *np. */
#define TIRPC_ENCODE(fn, obj, np)                                                          \
    do {                                                                                   \
        XDR x_;                                                                            \
        xdrmem_create(&x_, tirpc_buf, sizeof tirpc_buf, XDR_ENCODE);                       \
        assert_true(fn(&x_, obj));                                                         \
        *(np) = xdr_getpos(&x_);                                                           \
        xdr_destroy(&x_);                                                                  \
    } while (0)

static void check_person(const mw_person *p)
{
    /* Encode on both sides: the same bytes. */
    mw_buf ours = {0};
    mw_marshal_error err = {0};
    assert_int_equal(mw_xdr_encode(&mw_t_person, p, &ours, NULL, &err), 0);
    struct t_person tp = {p->name, p->place, p->year};
    u_int n;
    TIRPC_ENCODE(x_person, &tp, &n);
    assert_int_equal(n, ours.len);
    assert_memory_equal(tirpc_buf, ours.data, n);

    /* libtirpc decodes ours; we decode libtirpc's. */
    XDR x;
    struct t_person back_t = {0};
    xdrmem_create(&x, (char *)ours.data, (u_int)ours.len, XDR_DECODE);
    assert_true(x_person(&x, &back_t));
    assert_int_equal(xdr_getpos(&x), ours.len);
    xdr_destroy(&x);
    mw_person from_t = {back_t.name, back_t.place, back_t.year};
    assert_true(mw_value_equal(&mw_t_person, p, &from_t));
    xdr_free(PROC(x_person), &back_t);

    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_person back;
    assert_int_equal(mw_xdr_decode(&mw_t_person, tirpc_buf, n, &back, a, NULL, &err), 0);
    assert_true(mw_value_equal(&mw_t_person, p, &back));
    mw_arena_destroy(a);
    mw_buf_free(&ours);
}

static void check_every(const ev_every *v)
{
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_buf ours = {0};
    mw_marshal_error err = {0};
    int rc = mw_xdr_encode(&ev_t_every, v, &ours, NULL, &err);
    if (rc)
        fail_msg("encode: %s (%s at %s)", mw_strerror(rc), err.detail, err.path);
    struct t_every tv;
    to_tirpc(v, &tv, a);
    u_int n;
    TIRPC_ENCODE(x_every, &tv, &n);
    assert_int_equal(n, ours.len);
    assert_memory_equal(tirpc_buf, ours.data, n);

    XDR x;
    struct t_every back_t;
    memset(&back_t, 0, sizeof back_t);
    xdrmem_create(&x, (char *)ours.data, (u_int)ours.len, XDR_DECODE);
    assert_true(x_every(&x, &back_t));
    assert_int_equal(xdr_getpos(&x), ours.len);
    xdr_destroy(&x);
    ev_every from_t;
    from_tirpc(&back_t, &from_t, a);
    assert_true(mw_value_equal(&ev_t_every, v, &from_t));
    xdr_free(PROC(x_every), &back_t);

    ev_every back;
    rc = mw_xdr_decode(&ev_t_every, tirpc_buf, n, &back, a, NULL, &err);
    if (rc)
        fail_msg("decode: %s (%s at %zu %s)", mw_strerror(rc), err.detail, err.offset,
                 err.path);
    assert_true(mw_value_equal(&ev_t_every, v, &back));
    mw_arena_destroy(a);
    mw_buf_free(&ours);
}

static char *S(mw_arena *a, const char *s) { return str_in(a, s); }

static void person_fixed(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_person people[] = {
        {S(a, "Smith"), S(a, "London"), 1934},
        {S(a, ""), S(a, "abcd"), 0},
        {S(a, "abc"), S(a, "Z\xc3\xbcrich"), UINT32_MAX},
        {NULL, NULL, 7}, /* NULL encodes as "" on our side */
    };
    for (size_t i = 0; i < sizeof people / sizeof *people; i++) {
        if (!people[i].name) {
            people[i].name = S(a, "");
            people[i].place = S(a, "");
        }
        check_person(&people[i]);
    }
    mw_arena_destroy(a);
}

static void person_random(void **state)
{
    (void)state;
    mw_rng r;
    mw_rng_seed(&r, 0x7469727063);
    for (int i = 0; i < 3000; i++) {
        mw_arena *a;
        assert_int_equal(mw_arena_create(&a, 0), 0);
        mw_person p;
        suite_random_value(&mw_t_person, &p, &r, a, 0);
        check_person(&p);
        mw_arena_destroy(a);
    }
}

static void every_random(void **state)
{
    (void)state;
    mw_rng r;
    mw_rng_seed(&r, 0x65766572);
    unsigned arms[6] = {0};
    for (int i = 0; i < 4000; i++) {
        mw_arena *a;
        assert_int_equal(mw_arena_create(&a, 0), 0);
        ev_every v;
        suite_random_value(&ev_t_every, &v, &r, a, 0);
        /* Wider than the suite draws: any octet for char, any int for the default arm. */
        v.ch = (char)mw_rng_next(&r);
        if (mwi_union_case(&ev_t_choice, v.choice.kind)->is_default) {
            int32_t k;
            do
                k = (int32_t)mw_rng_next(&r);
            while (k >= 1 && k <= 4);
            v.choice.kind = k;
        }
        arms[v.choice.kind >= 1 && v.choice.kind <= 4 ? v.choice.kind : 5]++;
        if (i % 7 == 0)
            v.ref.address.family = 0; /* an unset reference */
        check_every(&v);
        mw_arena_destroy(a);
    }
    for (int k = 1; k <= 5; k++)
        assert_true(arms[k] > 100);
}

static void every_extremes(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    ev_every v;
    mw_rng r;
    mw_rng_seed(&r, 1);
    suite_random_value(&ev_t_every, &v, &r, a, 0);
    v.i = INT32_MIN;
    v.u = UINT32_MAX;
    v.mode = EV_MODE_IDLE;
    v.h = INT64_MIN;
    v.uh = UINT64_MAX;
    v.sh = INT16_MIN;
    v.ush = UINT16_MAX;
    v.oc = 255;
    v.ch = (char)0x80;
    v.choice.kind = INT32_MIN;
    v.choice.u.other = INT64_MAX;
    v.maybe = NULL;
    v.name = S(a, "0123456789012345678901234567890123456789012345678901234567890123");
    check_every(&v);
    mw_arena_destroy(a);
}

/* ---- timing ------------------------------------------------------------------------------ */

static double time_ours(const mw_person *p, int iters)
{
    mw_buf b = {0};
    mw_arena *a;
    if (mw_arena_create(&a, 0))
        return -1;
    mw_person q;
    uint64_t t0 = mw_now_ns();
    for (int i = 0; i < iters; i++) {
        b.len = 0;
        mw_arena_reset(a);
        if (mw_xdr_encode(&mw_t_person, p, &b, NULL, NULL) ||
            mw_xdr_decode(&mw_t_person, b.data, b.len, &q, a, NULL, NULL))
            abort();
    }
    uint64_t t1 = mw_now_ns();
    mw_arena_destroy(a);
    mw_buf_free(&b);
    return (double)(t1 - t0) / iters;
}

static double time_tirpc(const mw_person *p, int iters)
{
    struct t_person tp = {p->name, p->place, p->year};
    char buf[256];
    uint64_t t0 = mw_now_ns();
    for (int i = 0; i < iters; i++) {
        XDR x;
        xdrmem_create(&x, buf, sizeof buf, XDR_ENCODE);
        if (!x_person(&x, &tp))
            abort();
        u_int n = xdr_getpos(&x);
        xdr_destroy(&x);
        struct t_person q = {NULL, NULL, 0};
        xdrmem_create(&x, buf, n, XDR_DECODE);
        if (!x_person(&x, &q))
            abort();
        xdr_destroy(&x);
        xdr_free(PROC(x_person), &q);
    }
    uint64_t t1 = mw_now_ns();
    return (double)(t1 - t0) / iters;
}

static int bench(void)
{
    char name[] = "Smith", place[] = "London";
    mw_person p = {name, place, 1934};
    /* Many short interleaved runs and the best of each side: on a busy machine the best
     * run is the one least disturbed. */
    enum { runs = 25 };
    const int iters = 400000;
    double ours[runs], theirs[runs];
    for (int r = 0; r < runs; r++) {
        ours[r] = time_ours(&p, iters);
        theirs[r] = time_tirpc(&p, iters);
    }
    double bo = ours[0], bt = theirs[0];
    for (int r = 1; r < runs; r++) {
        bo = ours[r] < bo ? ours[r] : bo;
        bt = theirs[r] < bt ? theirs[r] : bt;
    }
    printf("Person XDR encode+decode pair (best of %d x %d):\n", runs, iters);
    printf("  midway   %7.1f ns\n  libtirpc %7.1f ns\n  ratio    %7.2fx\n", bo, bt, bt / bo);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench") == 0)
        return bench();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(person_fixed),
        cmocka_unit_test(person_random),
        cmocka_unit_test(every_random),
        cmocka_unit_test(every_extremes),
    };
    return cmocka_run_group_tests_name("xdr_tirpc", tests, NULL, NULL);
}

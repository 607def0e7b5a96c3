/*
 * test_midl_generated.c - the code midl generates from the files of tests/midl/idl, compiled by
 * midway_idl() with the project's warnings and -Werror, as a user would use it:
 *   - every descriptor passes mw_type_check, and every registered codec's conformance
 *     checks (round trip, truncation, garbage) on random values;
 *   - the generated Person describes the same bytes as the hand-written mw_t_person;
 *   - explicit values of the Showcase, unions of every discriminator kind and recursive
 *     types round-trip through CDR and JSON;
 *   - constants have their values; operation and interface tables are what the IDL says;
 *   - proxies reach servants through the skeletons over a loopback binding that marshals
 *     with CDR as a real one would (in, inout, out, results, user exceptions, oneway,
 *     inheritance, operations a servant leaves out).
 */
#include <math.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <midway/rr.h>

#include "CosNaming.h"
#include "Everything.h"
#include "Hello.h"
#include "Person.h"
#include "marshal_suite.h"

/* The model's strings are char *; -Wwrite-strings makes literals const. Nothing here
 * writes through them. */
#define S(lit) ((char *)(uintptr_t)(lit))

/* Every named descriptor of the four files. */
static const mw_type *const all_types[] = {
    &Person_type,
    &People_type,
    &UnknownPerson_type,
    &PersonService_echo_in_type,
    &PersonService_update_out_type,
    &HelloApp_Hello_sayHello_out_type,
    &Common_Color_type,
    &Common_Point_type,
    &Common_Path_type,
    &Everything_Count_type,
    &Everything_Count2_type,
    &Everything_Celsius_type,
    &Everything_LongSeq_type,
    &Everything_Tags_type,
    &Everything_LongSeqSeq_type,
    &Everything_Grid_type,
    &Everything_Name_type,
    &Everything_ColorAlias_type,
    &Everything_Pair_type,
    &Everything_Triple_type,
    &Everything_Shape_type,
    &Everything_Basics_type,
    &Everything_Reading_type,
    &Everything_ByShape_type,
    &Everything_ByChar_type,
    &Everything_ByBool_type,
    &Everything_ByHuge_type,
    &Everything_ByInline_Side_type,
    &Everything_ByInline_type,
    &Everything_NodeSeq_type,
    &Everything_Node_type,
    &Everything_Tree_type,
    &Everything_Showcase_Inner_Mode_type,
    &Everything_Showcase_Inner_type,
    &Everything_Showcase_type,
    &Everything_NotFound_type,
    &Everything_Invalid_type,
    &Everything_Diamond_exchange_in_type,
    &Everything_Diamond_exchange_out_type,
    &Everything_Diamond_rotate_in_type,
    &Everything_Diamond_rotate_out_type,
    &Everything_Diamond_check_in_type,
    &Everything_Holder_type,
    &Everything_Keywords_type,
};
#define NTYPES (sizeof all_types / sizeof *all_types)

static void test_descriptors_check(void **state)
{
    (void)state;
    for (size_t i = 0; i < NTYPES; i++) {
        if (mw_type_check(all_types[i]) != 0)
            fail_msg("%s fails mw_type_check", all_types[i]->name);
    }
    /* an exception without members is a named void type */
    assert_int_equal(Everything_NotFound_type.kind, MW_K_VOID);
    assert_string_equal(Everything_NotFound_type.name, "Everything::NotFound");
}

/* Whether codec c can encode values of t (XDR has no any, no 64-bit discriminators). */
static bool supports(const mw_codec *c, const mw_type *t)
{
    mw_rng r;
    mw_rng_seed(&r, 1);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    void *v = mw_arena_calloc(a, 1, t->size);
    suite_random_value(t, v, &r, a, SUITE_FINITE);
    mw_buf b;
    mw_buf_init(&b);
    mw_marshal_error err = {0};
    int rc = c->encode(t, v, &b, NULL, &err);
    if (rc == MW_ENOTSUP)
        printf("  [%s does not support %s: %s]\n", c->name, t->name, err.detail);
    mw_buf_free(&b);
    mw_arena_destroy(a);
    return rc != MW_ENOTSUP;
}

static void test_conformance(void **state)
{
    (void)state;
    const mw_codec *const *codecs = mw_codec_list();
    for (size_t c = 0; codecs[c]; c++)
        for (size_t i = 0; i < NTYPES; i++) {
            if (all_types[i]->kind == MW_K_VOID)
                continue;
            uint64_t seed = 0x5eed0000u + i * 31 + c;
            if (!supports(codecs[c], all_types[i]))
                continue; /* the codec cannot carry this type (said why) */
            suite_check_roundtrip(codecs[c], all_types[i], 16, seed);
            /* A prefix of a number is a number in a text format: only composite values
             * must refuse every truncation. */
            mw_kind k = mw_type_resolve(all_types[i])->kind;
            if (k == MW_K_STRUCT || k == MW_K_UNION || k == MW_K_SEQUENCE || k == MW_K_ARRAY)
                suite_check_truncation(codecs[c], all_types[i], 2, seed);
            suite_check_garbage(codecs[c], all_types[i], 8, seed);
        }
}

/* The generated Person and the library's hand-written one give the same bytes. */
static void test_person_matches_builtin(void **state)
{
    (void)state;
    Person p = {.name = S("Smith"), .place = S("London"), .year = 1984};
    mw_person q = {.name = S("Smith"), .place = S("London"), .year = 1984};
    assert_int_equal(sizeof p, sizeof q);
    const mw_codec *const *codecs = mw_codec_list();
    for (size_t c = 0; codecs[c]; c++) {
        mw_buf a, b;
        mw_buf_init(&a);
        mw_buf_init(&b);
        assert_int_equal(codecs[c]->encode(&Person_type, &p, &a, NULL, NULL), 0);
        assert_int_equal(codecs[c]->encode(&mw_t_person, &q, &b, NULL, NULL), 0);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        mw_buf_free(&a);
        mw_buf_free(&b);
    }
}

/* Encodes v with codec c, decodes it, and checks the copy equals the original. */
static void roundtrip(const mw_codec *c, const mw_type *t, const void *v)
{
    mw_buf b;
    mw_buf_init(&b);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_marshal_error err = {0};
    int rc = c->encode(t, v, &b, NULL, &err);
    if (rc)
        fail_msg("%s: encoding %s: %s (%s)", c->name, t->name, err.detail, err.path);
    void *copy = mw_arena_calloc(a, 1, t->size);
    rc = c->decode(t, b.data, b.len, copy, a, NULL, &err);
    if (rc)
        fail_msg("%s: decoding %s: %s (%s)", c->name, t->name, err.detail, err.path);
    assert_true(mw_value_equal(t, v, copy));
    mw_arena_destroy(a);
    mw_buf_free(&b);
}

static void test_values_roundtrip(void **state)
{
    (void)state;
    int32_t numbers[] = {1, -2, 2147483647};
    char *tags[] = {S("red"), S("Ω"), S("")};
    uint8_t blob[] = {0, 255, 7};
    int32_t inner1[] = {1, 2, 3, 4}, inner2[] = {5};
    struct {
        uint32_t len;
        int32_t *data;
    } nested[] = {{4, inner1}, {1, inner2}, {0, NULL}};
    Common_Point pts[] = {{1, 2}, {-3, 4}};
    Everything_Showcase s = {
        .basics = {.flag = true,
                   .small = 200,
                   .letter = 'x',
                   .s = -32768,
                   .us = 65535,
                   .l = -7,
                   .ul = 4000000000u,
                   .ll = INT64_MIN,
                   .ull = UINT64_MAX,
                   .f = 1.5f,
                   .d = -0.25,
                   .text = S("text")},
        .numbers = {3, numbers},
        .tags = {3, tags},
        .blob = {3, blob},
        .matrix = {{1, 2, 3}, {4, 5, 6}},
        .grid = {{-1, -2, -3}, {-4, -5, -6}},
        .color = Common_BLUE,
        .reading = {._d = 3, ._u.label = S("three")},
        .temperature = 21.5,
        .nested = {3, (void *)nested},
        .points = {2, (struct Common_Point *)pts},
        .name = S("ten chars!"),
        .code = S("12345"),
        .quarter = {Everything_ITEM_COUNT, 0, 0, -1},
        .inner = {.x = 9, .mode = Everything_Showcase_Inner_OFF},
        .corners = {{0, 0}, {10, 10}},
        .path = {2, pts},
        .by_shape = {._d = Everything_TRIANGLE, ._u.side = 2.0},
    };
    assert_int_equal(mw_addr_parse(&s.basics.ref.address, "127.0.0.1:7896", 0), 0);
    s.basics.ref.object_number = 42;
    s.basics.ref.interface = S("Everything::Diamond");
    int32_t answer = 42;
    s.basics.extra = (mw_any){&mw_t_long, &answer};

    Everything_Reading readings[] = {{._d = 1, ._u.temperature = -40},
                                     {._d = 2, ._u.label = S("x")},
                                     {._d = 77, ._u.color = Common_GREEN}};
    Everything_ByChar bc = {._d = 'b', ._u.b = S("bee")};
    Everything_ByBool bb = {._d = false, ._u.no = S("no")};
    Everything_ByHuge bh = {._d = UINT64_MAX, ._u.top = 5};
    Everything_ByHuge bo = {._d = 3, ._u.other = 9};
    Everything_ByInline bi = {._d = Everything_ByInline_RIGHT, ._u.r = {{1, 2, 3}, {4, 5, 6}}};
    Everything_Node leaves[] = {{.name = S("leaf1")}, {.name = S("leaf2")}};
    Everything_Node root = {.name = S("root"), .children = {2, leaves}};
    Everything_Tree t2 = {.value = 2}, t1 = {.kids = {1, &t2}, .value = 1};
    Everything_Keywords kw = {.idl_int = 1, .idl_default = S("d"), .idl_register = 2.5};

    const char *names[] = {"cdr", "json", "xdr", "xml"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const mw_codec *c = mw_codec_find(names[i]);
        assert_non_null(c);
        if (strcmp(c->name, "json") == 0 || strcmp(c->name, "cdr") == 0)
            roundtrip(c, &Everything_Showcase_type, &s);
        for (size_t k = 0; k < 3; k++)
            roundtrip(c, &Everything_Reading_type, &readings[k]);
        roundtrip(c, &Everything_ByChar_type, &bc);
        roundtrip(c, &Everything_ByBool_type, &bb);
        if (strcmp(c->name, "xdr") != 0) { /* XDR discriminants are 32-bit */
            roundtrip(c, &Everything_ByHuge_type, &bh);
            roundtrip(c, &Everything_ByHuge_type, &bo);
        }
        roundtrip(c, &Everything_ByInline_type, &bi);
        roundtrip(c, &Everything_Node_type, &root);
        roundtrip(c, &Everything_Tree_type, &t1);
        roundtrip(c, &Everything_Keywords_type, &kw);
    }

    /* JSON names are the IDL's, escaped C names notwithstanding */
    mw_buf b;
    mw_buf_init(&b);
    assert_int_equal(mw_json_encode(&Everything_Keywords_type, &kw, &b, NULL, NULL), 0);
    assert_int_equal(mw_buf_append(&b, "", 1), 0);
    assert_string_equal((char *)b.data, "{\"int\":1,\"default\":\"d\",\"register\":2.5}");
    mw_buf_free(&b);

    /* a bounded string or sequence refuses what exceeds its bound */
    s.code = S("123456");
    mw_buf_init(&b);
    assert_int_not_equal(mw_cdr_encode(&Everything_Showcase_type, &s, &b, NULL, NULL), 0);
    mw_buf_free(&b);
}

static void test_constants(void **state)
{
    (void)state;
    assert_int_equal(MAX_ITEMS, 16);
    assert_true(BIGGEST == INT64_MAX);
    assert_true(SMALLEST == INT64_MIN);
    assert_true(ALL_ONES == UINT64_MAX);
    assert_true(MASK == UINT32_MAX);
    assert_int_equal(MINUS_ONE, -1);
    assert_int_equal(NEGATIVE, -14);
    assert_int_equal(BYTE, (0x7F & 0x3C) | 1);
    assert_int_equal(TOP_BIT, 32768);
    assert_int_equal(EXPRESSION, (((16 * 3 - 1) / 2 % 7) ^ 5) >> 1);
    assert_int_equal(OCTAL, 15);
    assert_true(fabs(PI - 3.14159265358979) < 1e-15);
    assert_true(HALF == 0.5f);
    assert_true(SCALED == 3.14159265358979 * 16);
    assert_true(YES);
    assert_int_equal(LETTER, 'A');
    assert_int_equal(NEWLINE, '\n');
    assert_string_equal(GREETING, "Hello, \"world\"\n again");
    assert_string_equal(SHORT_TEXT, "abc");
    assert_int_equal(Everything_DEFAULT_SHAPE, Everything_SQUARE);
    assert_int_equal(Everything_ITEM_COUNT, 17);
    assert_int_equal(sizeof(Everything_Showcase_Inner_Mode), 4);
}

static void test_tables(void **state)
{
    (void)state;
    assert_int_equal(HelloApp_Hello_sayHello_op.id, mw_rr_interface_hash("sayHello"));
    assert_true(HelloApp_Hello_shutdown_op.oneway);
    assert_null(HelloApp_Hello_shutdown_op.out);
    assert_string_equal(HelloApp_Hello_interface.repo_id, "IDL:HelloApp/Hello:1.0");
    assert_string_equal(Everything_Base_interface.repo_id,
                        "IDL:midway.example/Everything/Base:2.1");
    assert_string_equal(Everything_Left_interface.repo_id,
                        "IDL:midway.example/Everything/LeftSide:3.0");
    assert_string_equal(Everything_Invalid_exception.repo_id,
                        "IDL:midway.example/Everything/Invalid:1.0");
    /* the OMG's own ids */
    assert_string_equal(CosNaming_NamingContext_NotFound_exception.repo_id,
                        "IDL:omg.org/CosNaming/NamingContext/NotFound:1.0");
    assert_string_equal(CosNaming_NamingContextExt_interface.repo_id,
                        "IDL:omg.org/CosNaming/NamingContextExt:1.0");
    assert_int_equal(Everything_Diamond_interface.base_count, 2);
    assert_ptr_equal(Everything_Diamond_interface.bases[0], &Everything_Left_interface);
    /* Base's four (two accessors for counter, one for name, ping), left, right, and
     * Diamond's own eight: Base once, though inherited twice */
    assert_int_equal(Everything_Diamond_interface.op_count, 4 + 1 + 1 + 8);
    assert_int_equal(Everything_Diamond_exchange_op.raises_count, 2);
    assert_ptr_equal(Everything_Diamond_exchange_op.raises[1], &Everything_Invalid_exception);
    const mw_rmi_skeleton *sk[] = {&HelloApp_Hello_skeleton, &Everything_Diamond_skeleton,
                                   &PersonService_skeleton, &Everything_Empty_skeleton};
    for (size_t k = 0; k < sizeof sk / sizeof *sk; k++) {
        const mw_rmi_interface *itf = sk[k]->iface;
        assert_int_equal(sk[k]->count, itf->op_count);
        for (uint32_t i = 0; i < itf->op_count; i++) {
            const mw_rmi_operation *op = itf->ops[i];
            assert_int_equal(op->id, mw_rr_interface_hash(op->name));
            const mw_rmi_skel_entry *e = mw_rmi_skeleton_find(sk[k], op->id);
            assert_non_null(e);
            assert_ptr_equal(e->op, op);
            if (i)
                assert_true(sk[k]->entries[i - 1].op->id < sk[k]->entries[i].op->id);
        }
        assert_null(mw_rmi_skeleton_find(sk[k], 12345));
    }
}

/* ---- a loopback binding: marshals with CDR as a real binding would ------------------- */

typedef struct loop {
    const mw_rmi_skeleton *skel;
    const void *servant;
    void *self;
    mw_arena *server; /* the server side's arena, reset per call */
    unsigned calls;
} loop;

static void *decode(const mw_type *t, const mw_buf *b, void *into, mw_arena *a)
{
    mw_marshal_error err = {0};
    if (!into)
        into = mw_arena_calloc(a, 1, t->size ? t->size : 1);
    int rc = mw_cdr_decode(t, b->data, b->len, into, a, NULL, &err);
    if (rc)
        fail_msg("decoding %s: %s", t->name, err.detail);
    return into;
}

static int loop_invoke(mw_rmi_proxy *p, const mw_rmi_operation *op, const void *const *in,
                       void *out, mw_arena *arena)
{
    loop *l = p->ctx;
    l->calls++;
    mw_arena_reset(l->server);
    mw_buf req, rep;
    mw_buf_init(&req);
    mw_buf_init(&rep);
    /* the client marshals its arguments one by one, as they are laid out in op->in */
    void *args = NULL;
    if (op->in) {
        mw_marshal_opts o = {.align_origin = 0};
        for (uint32_t i = 0; i < op->in->u.st.count; i++)
            assert_int_equal(mw_cdr_encode(op->in->u.st.fields[i].type, in[i], &req, &o, NULL),
                             0);
        /* the server decodes them as one struct, which re-encodes to the same bytes */
        args = decode(op->in, &req, NULL, l->server);
        mw_buf again;
        mw_buf_init(&again);
        assert_int_equal(mw_cdr_encode(op->in, args, &again, NULL, NULL), 0);
        assert_int_equal(again.len, req.len);
        assert_memory_equal(again.data, req.data, req.len);
        mw_buf_free(&again);
    } else {
        assert_null(in);
    }
    const mw_rmi_skel_entry *e = mw_rmi_skeleton_find(l->skel, op->id);
    if (!e) {
        mw_buf_free(&req);
        return MW_ENOTSUP;
    }
    void *results = op->out ? mw_arena_calloc(l->server, 1, op->out->size) : NULL;
    mw_rmi_env env = {.arena = l->server};
    int rc = e->call(l->servant, l->self, args, results, &env);
    if (rc == MW_RMI_EUSER) {
        /* the exception travels by repository id; the client finds it in the raises list */
        const mw_rmi_exception *ex = NULL;
        for (uint32_t i = 0; i < op->raises_count; i++)
            if (strcmp(op->raises[i]->repo_id, env.exception->repo_id) == 0)
                ex = op->raises[i];
        assert_non_null(ex);
        p->exception = ex;
        if (ex->type->kind != MW_K_VOID) {
            assert_int_equal(mw_cdr_encode(ex->type, env.exception_value, &rep, NULL, NULL), 0);
            p->exception_value = decode(ex->type, &rep, NULL, arena);
        }
    } else if (rc == 0 && !op->oneway && op->out) {
        assert_int_equal(mw_cdr_encode(op->out, results, &rep, NULL, NULL), 0);
        decode(op->out, &rep, out, arena);
    }
    mw_buf_free(&req);
    mw_buf_free(&rep);
    return rc;
}

static const mw_rmi_binding loop_binding = {"loop", loop_invoke};

static mw_rmi_proxy loop_proxy(loop *l)
{
    assert_int_equal(mw_arena_create(&l->server, 0), 0);
    return (mw_rmi_proxy){.binding = &loop_binding, .ctx = l};
}

/* ---- Hello (the seeds' example) ------------------------------------------------------- */

typedef struct hello_state {
    bool shut;
} hello_state;

static int hello_say(void *self, char **result, mw_rmi_env *env)
{
    (void)self;
    *result = mw_arena_strndup(env->arena, "Hello world!", 12);
    return *result ? 0 : MW_ENOMEM;
}

static int hello_shutdown(void *self, mw_rmi_env *env)
{
    (void)env;
    ((hello_state *)self)->shut = true;
    return 0;
}

static void test_hello(void **state)
{
    (void)state;
    HelloApp_Hello_servant servant = {.sayHello = hello_say, .shutdown = hello_shutdown};
    hello_state hs = {0};
    loop l = {.skel = &HelloApp_Hello_skeleton, .servant = &servant, .self = &hs};
    mw_rmi_proxy p = loop_proxy(&l);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    char *answer = NULL;
    assert_int_equal(HelloApp_Hello_sayHello(&p, &answer, a), 0);
    assert_string_equal(answer, "Hello world!");
    assert_false(hs.shut);
    assert_int_equal(HelloApp_Hello_shutdown(&p, a), 0);
    assert_true(hs.shut);
    /* a proxy without a binding */
    mw_rmi_proxy none = {0};
    assert_int_equal(HelloApp_Hello_sayHello(&none, &answer, a), MW_ESTATE);
    mw_arena_destroy(a);
    mw_arena_destroy(l.server);
}

/* ---- PersonService -------------------------------------------------------------------- */

typedef struct registry {
    Person people[4];
    uint32_t n;
} registry;

static int ps_echo(void *self, const Person *p, Person *result, mw_rmi_env *env)
{
    (void)self, (void)env;
    *result = *p; /* the strings live in the request, valid until the reply is sent */
    return 0;
}

static int ps_update(void *self, Person *p, const char *place, mw_rmi_env *env)
{
    (void)self;
    p->place = mw_arena_strndup(env->arena, place, strlen(place));
    p->year++;
    return 0;
}

static int ps_add(void *self, const Person *p, mw_rmi_env *env)
{
    (void)env;
    registry *r = self;
    if (r->n == 4)
        return MW_ELIMIT;
    r->people[r->n++] = (Person){S("stored"), S("elsewhere"), p->year};
    return 0;
}

static int ps_find(void *self, const char *name, Person *result, mw_rmi_env *env)
{
    registry *r = self;
    for (uint32_t i = 0; i < r->n; i++)
        if (strcmp(r->people[i].name, name) == 0) {
            *result = r->people[i];
            return 0;
        }
    UnknownPerson *e = mw_arena_calloc(env->arena, 1, sizeof *e);
    e->name = mw_arena_strndup(env->arena, name, strlen(name));
    return mw_rmi_raise(env, &UnknownPerson_exception, e);
}

static int ps_all(void *self, People *result, mw_rmi_env *env)
{
    (void)env;
    registry *r = self;
    result->len = r->n;
    result->data = (struct Person *)r->people;
    return 0;
}

static int ps_count(void *self, uint32_t *result, mw_rmi_env *env)
{
    (void)env;
    *result = ((registry *)self)->n;
    return 0;
}

static void test_person_service(void **state)
{
    (void)state;
    PersonService_servant servant = {.echo = ps_echo,
                                     .update = ps_update,
                                     .add = ps_add,
                                     .find = ps_find,
                                     .all = ps_all,
                                     ._get_count = ps_count};
    registry reg = {.people = {{S("Smith"), S("London"), 1984}}, .n = 1};
    loop l = {.skel = &PersonService_skeleton, .servant = &servant, .self = &reg};
    mw_rmi_proxy p = loop_proxy(&l);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);

    Person in = {S("Jones"), S("Paris"), 1990}, out = {0};
    assert_int_equal(PersonService_echo(&p, &in, &out, a), 0);
    assert_true(mw_value_equal(&Person_type, &in, &out));

    assert_int_equal(PersonService_update(&p, &in, "Rome", a), 0);
    assert_string_equal(in.place, "Rome");
    assert_int_equal(in.year, 1991);

    assert_int_equal(PersonService_add(&p, &in, a), 0);
    uint32_t count = 0;
    assert_int_equal(PersonService__get_count(&p, &count, a), 0);
    assert_int_equal(count, 2);
    People all = {0};
    assert_int_equal(PersonService_all(&p, &all, a), 0);
    assert_int_equal(all.len, 2);
    assert_string_equal(all.data[1].name, "stored");

    assert_int_equal(PersonService_find(&p, "Smith", &out, a), 0);
    assert_int_equal(out.year, 1984);
    assert_null(p.exception);
    assert_int_equal(PersonService_find(&p, "Nobody", &out, a), MW_RMI_EUSER);
    assert_ptr_equal(p.exception, &UnknownPerson_exception);
    assert_string_equal(((UnknownPerson *)p.exception_value)->name, "Nobody");
    /* the next call clears it */
    assert_int_equal(PersonService_find(&p, "Smith", &out, a), 0);
    assert_null(p.exception);
    mw_arena_destroy(a);
    mw_arena_destroy(l.server);
}

/* ---- Diamond: inheritance, every direction, arrays, exceptions ---------------------- */

typedef struct diamond {
    int32_t counter;
    char last_message[32];
    Common_Color last_color;
} diamond;

static int d_get_name(void *self, char **result, mw_rmi_env *env)
{
    (void)self, (void)env;
    *result = S("diamond");
    return 0;
}

static int d_get_counter(void *self, int32_t *result, mw_rmi_env *env)
{
    (void)env;
    *result = ((diamond *)self)->counter;
    return 0;
}

static int d_set_counter(void *self, int32_t value, mw_rmi_env *env)
{
    (void)env;
    ((diamond *)self)->counter = value;
    return 0;
}

static int d_ping(void *self, int32_t x, int32_t *result, mw_rmi_env *env)
{
    (void)self, (void)env;
    *result = x + 1;
    return 0;
}

static int d_exchange(void *self, const Everything_Showcase *value, Everything_Reading *r,
                      Everything_Basics *b, Everything_LongSeq *nums,
                      Everything_Showcase *result, mw_rmi_env *env)
{
    (void)self;
    if (value->basics.l == -1)
        return mw_rmi_raise(env, &Everything_NotFound_exception, NULL);
    if (value->basics.l == -2) {
        static Everything_Invalid bad = {S("negative"), -2};
        return mw_rmi_raise(env, &Everything_Invalid_exception, &bad);
    }
    *result = *value;
    result->temperature = r->_d == 1 ? r->_u.temperature : -1;
    r->_d = 2;
    r->_u.label = S("seen");
    *b = value->basics;
    b->l = 1000;
    nums->len = 2;
    nums->data = mw_arena_calloc(env->arena, 2, sizeof *nums->data);
    nums->data[0] = 7;
    nums->data[1] = 8;
    return 0;
}

static int d_notify(void *self, const char *message, Common_Color c, mw_rmi_env *env)
{
    (void)env;
    diamond *d = self;
    snprintf(d->last_message, sizeof d->last_message, "%s", message);
    d->last_color = c;
    return 0;
}

static int d_rotate(void *self, const Everything_Grid *g, Everything_Pair *p,
                    Everything_Grid *result, mw_rmi_env *env)
{
    (void)self, (void)env;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            (*result)[i][j] = (*g)[1 - i][2 - j];
    int32_t t = (*p)[0];
    (*p)[0] = (*p)[1];
    (*p)[1] = t;
    return 0;
}

static int d_echo(void *self, const char *s, char **t, char **u, char **result, mw_rmi_env *env)
{
    (void)self, (void)env;
    *u = *t;         /* out gets the inout's old value */
    *t = S("new t"); /* static strings are fine too */
    *result = S(s);
    return 0;
}

static int d_check(void *self, bool b, char c, uint8_t o, float f, double d, uint16_t us,
                   int64_t ll, bool *result, mw_rmi_env *env)
{
    (void)self, (void)env;
    *result =
        b && c == 'q' && o == 255 && f == 0.5f && d == -1e300 && us == 65535 && ll == INT64_MIN;
    return 0;
}

static void test_diamond(void **state)
{
    (void)state;
    Everything_Diamond_servant servant = {
        ._get_name = d_get_name,
        ._get_counter = d_get_counter,
        ._set_counter = d_set_counter,
        .ping = d_ping,
        .exchange = d_exchange,
        .notify = d_notify,
        .rotate = d_rotate,
        .echo = d_echo,
        .check = d_check,
        /* left, right, lookup, nothing, count_all: not implemented */
    };
    diamond self = {0};
    loop l = {.skel = &Everything_Diamond_skeleton, .servant = &servant, .self = &self};
    mw_rmi_proxy p = loop_proxy(&l);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);

    /* attributes, and a base interface's proxy calling the derived object */
    char *name = NULL;
    assert_int_equal(Everything_Diamond__get_name(&p, &name, a), 0);
    assert_string_equal(name, "diamond");
    assert_int_equal(Everything_Left__set_counter(&p, 41, a), 0);
    int32_t counter = 0;
    assert_int_equal(Everything_Base__get_counter(&p, &counter, a), 0);
    assert_int_equal(counter, 41);
    int32_t pong = 0;
    assert_int_equal(Everything_Right_ping(&p, 1, &pong, a), 0);
    assert_int_equal(pong, 2);

    /* not implemented by the servant */
    assert_int_equal(Everything_Diamond_left(&p, a), MW_ENOTSUP);
    assert_int_equal(Everything_Diamond_nothing(&p, a), MW_ENOTSUP);

    /* in, inout, out and result */
    Everything_Showcase v = {.basics = {.l = 5, .text = S("t")},
                             .name = S("n"),
                             .code = S("c"),
                             .reading = {._d = 1}};
    assert_int_equal(mw_addr_parse(&v.basics.ref.address, "10.0.0.1:1", 0), 0);
    v.basics.ref.interface = S("I");
    Everything_Reading r = {._d = 1, ._u.temperature = 36.6};
    Everything_Basics b = {0};
    Everything_LongSeq nums = {0};
    Everything_Showcase res = {0};
    assert_int_equal(Everything_Diamond_exchange(&p, &v, &r, &b, &nums, &res, a), 0);
    assert_true(res.temperature == 36.6);
    assert_int_equal(r._d, 2);
    assert_string_equal(r._u.label, "seen");
    assert_int_equal(b.l, 1000);
    assert_string_equal(b.text, "t");
    assert_int_equal(nums.len, 2);
    assert_int_equal(nums.data[1], 8);

    /* user exceptions, with and without members */
    v.basics.l = -1;
    assert_int_equal(Everything_Diamond_exchange(&p, &v, &r, &b, &nums, &res, a), MW_RMI_EUSER);
    assert_ptr_equal(p.exception, &Everything_NotFound_exception);
    assert_null(p.exception_value);
    v.basics.l = -2;
    assert_int_equal(Everything_Diamond_exchange(&p, &v, &r, &b, &nums, &res, a), MW_RMI_EUSER);
    assert_ptr_equal(p.exception, &Everything_Invalid_exception);
    assert_string_equal(((Everything_Invalid *)p.exception_value)->reason, "negative");

    /* oneway */
    assert_int_equal(Everything_Diamond_notify(&p, "hi there", Common_GREEN, a), 0);
    assert_string_equal(self.last_message, "hi there");
    assert_int_equal(self.last_color, Common_GREEN);

    /* arrays: in, inout and result */
    Everything_Grid g = {{1, 2, 3}, {4, 5, 6}}, rot;
    Everything_Pair pair = {10, 20};
    assert_int_equal(Everything_Diamond_rotate(&p, &g, &pair, &rot, a), 0);
    assert_int_equal(rot[0][0], 6);
    assert_int_equal(rot[1][2], 1);
    assert_int_equal(pair[0], 20);
    assert_int_equal(pair[1], 10);

    /* strings in every direction */
    char *t = S("old t"), *u = NULL, *echoed = NULL;
    assert_int_equal(Everything_Diamond_echo(&p, "s", &t, &u, &echoed, a), 0);
    assert_string_equal(echoed, "s");
    assert_string_equal(t, "new t");
    assert_string_equal(u, "old t");

    /* every basic type as an argument */
    bool ok = false;
    assert_int_equal(
        Everything_Diamond_check(&p, true, 'q', 255, 0.5f, -1e300, 65535, INT64_MIN, &ok, a),
        0);
    assert_true(ok);
    mw_arena_destroy(a);
    mw_arena_destroy(l.server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptors_check),
        cmocka_unit_test(test_conformance),
        cmocka_unit_test(test_person_matches_builtin),
        cmocka_unit_test(test_values_roundtrip),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_hello),
        cmocka_unit_test(test_person_service),
        cmocka_unit_test(test_diamond),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

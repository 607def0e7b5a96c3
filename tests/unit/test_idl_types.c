/*
 * test_idl_types.c - the descriptors tools/midway/idl_types.c builds at run time from IDL
 * (for `midway encode/decode --idl`) against those midl generates from the same files
 * (tests/midl/idl, compiled here by midway_idl()):
 *   - every generated descriptor has a run-time twin of the same name, equal member for
 *     member (kind, name, size, alignment, offsets, bounds, enumerators, labels), with
 *     the same sharing of anonymous descriptors (equal types, one descriptor per file);
 *     and the run time builds no type that midl does not generate;
 *   - random values encode to the same bytes with either descriptor in every codec (or
 *     are refused alike), and bytes decoded with the run-time descriptor are the
 *     generated C value;
 *   - Person from Person.idl gives Figure 4.8's 28 bytes, as the built-in mw_t_person;
 *   - layouts the sample files do not reach (a typedef of a struct not yet defined, a
 *     type past 4 GiB), IDL errors, unreadable files, loads one after another, and the
 *     names offered for a --type that is not there.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/midway/idl_types.h"
#include "CosNaming.h"
#include "Everything.h"
#include "Hello.h"
#include "Person.h"
#include "marshal_suite.h"

#ifndef IDL_DIR
#error "IDL_DIR: the directory of tests/midl/idl"
#endif

/* Every named descriptor midl generates for the files of tests/midl/idl. */
static const mw_type *const generated[] = {
    /* Common.idl */
    &Common_Color_type,
    &Common_Path_type,
    &Common_Point_type,
    /* Person.idl */
    &People_type,
    &Person_type,
    &PersonService__get_count_out_type,
    &PersonService_add_in_type,
    &PersonService_all_out_type,
    &PersonService_echo_in_type,
    &PersonService_echo_out_type,
    &PersonService_find_in_type,
    &PersonService_find_out_type,
    &PersonService_update_in_type,
    &PersonService_update_out_type,
    &UnknownPerson_type,
    /* Hello.idl */
    &HelloApp_Hello_sayHello_out_type,
    /* Everything.idl */
    &Everything_Base__get_counter_out_type,
    &Everything_Base__get_name_out_type,
    &Everything_Base__set_counter_in_type,
    &Everything_Base_ping_in_type,
    &Everything_Base_ping_out_type,
    &Everything_Basics_type,
    &Everything_ByBool_type,
    &Everything_ByChar_type,
    &Everything_ByHuge_type,
    &Everything_ByInline_type,
    &Everything_ByInline_Side_type,
    &Everything_ByShape_type,
    &Everything_Celsius_type,
    &Everything_ColorAlias_type,
    &Everything_Count_type,
    &Everything_Count2_type,
    &Everything_Diamond_check_in_type,
    &Everything_Diamond_check_out_type,
    &Everything_Diamond_count_all_in_type,
    &Everything_Diamond_count_all_out_type,
    &Everything_Diamond_echo_in_type,
    &Everything_Diamond_echo_out_type,
    &Everything_Diamond_exchange_in_type,
    &Everything_Diamond_exchange_out_type,
    &Everything_Diamond_lookup_in_type,
    &Everything_Diamond_lookup_out_type,
    &Everything_Diamond_notify_in_type,
    &Everything_Diamond_rotate_in_type,
    &Everything_Diamond_rotate_out_type,
    &Everything_Grid_type,
    &Everything_Holder_type,
    &Everything_Invalid_type,
    &Everything_Keywords_type,
    &Everything_Later_get_out_type,
    &Everything_LongSeq_type,
    &Everything_LongSeqSeq_type,
    &Everything_Name_type,
    &Everything_Node_type,
    &Everything_NodeSeq_type,
    &Everything_NotFound_type,
    &Everything_Pair_type,
    &Everything_Reading_type,
    &Everything_Right_right_in_type,
    &Everything_Shape_type,
    &Everything_Showcase_type,
    &Everything_Showcase_Inner_type,
    &Everything_Showcase_Inner_Mode_type,
    &Everything_Tags_type,
    &Everything_Tree_type,
    &Everything_Triple_type,
    /* CosNaming.idl */
    &CosNaming_Binding_type,
    &CosNaming_BindingIterator_next_n_in_type,
    &CosNaming_BindingIterator_next_n_out_type,
    &CosNaming_BindingIterator_next_one_out_type,
    &CosNaming_BindingList_type,
    &CosNaming_BindingType_type,
    &CosNaming_Istring_type,
    &CosNaming_Name_type,
    &CosNaming_NameComponent_type,
    &CosNaming_NamingContextExt_Address_type,
    &CosNaming_NamingContextExt_InvalidAddress_type,
    &CosNaming_NamingContextExt_StringName_type,
    &CosNaming_NamingContextExt_URLString_type,
    &CosNaming_NamingContextExt_resolve_str_in_type,
    &CosNaming_NamingContextExt_resolve_str_out_type,
    &CosNaming_NamingContextExt_to_name_in_type,
    &CosNaming_NamingContextExt_to_name_out_type,
    &CosNaming_NamingContextExt_to_string_in_type,
    &CosNaming_NamingContextExt_to_string_out_type,
    &CosNaming_NamingContextExt_to_url_in_type,
    &CosNaming_NamingContextExt_to_url_out_type,
    &CosNaming_NamingContext_AlreadyBound_type,
    &CosNaming_NamingContext_CannotProceed_type,
    &CosNaming_NamingContext_InvalidName_type,
    &CosNaming_NamingContext_NotEmpty_type,
    &CosNaming_NamingContext_NotFound_type,
    &CosNaming_NamingContext_NotFoundReason_type,
    &CosNaming_NamingContext_bind_context_in_type,
    &CosNaming_NamingContext_bind_in_type,
    &CosNaming_NamingContext_bind_new_context_in_type,
    &CosNaming_NamingContext_bind_new_context_out_type,
    &CosNaming_NamingContext_list_in_type,
    &CosNaming_NamingContext_list_out_type,
    &CosNaming_NamingContext_new_context_out_type,
    &CosNaming_NamingContext_rebind_context_in_type,
    &CosNaming_NamingContext_rebind_in_type,
    &CosNaming_NamingContext_resolve_in_type,
    &CosNaming_NamingContext_resolve_out_type,
    &CosNaming_NamingContext_unbind_in_type,
};
#define NGENERATED (sizeof generated / sizeof *generated)

static const char *const files[] = {"Common.idl", "Person.idl", "Hello.idl", "Everything.idl",
                                    "CosNaming.idl"};
#define NFILES (sizeof files / sizeof *files)

/* The run-time types of every file, each file in its own arena. */
typedef struct loaded {
    mw_arena *arena[NFILES];
    idl_types *types[NFILES];
} loaded;

static int load_one(const char *name, mw_arena **arena, idl_types **out)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", IDL_DIR, name);
    assert_int_equal(mw_arena_create(arena, 0), 0);
    return idl_types_load(path, NULL, 0, *arena, out);
}

static int setup(void **state)
{
    loaded *l = calloc(1, sizeof *l);
    assert_non_null(l);
    for (size_t i = 0; i < NFILES; i++)
        assert_int_equal(load_one(files[i], &l->arena[i], &l->types[i]), 0);
    *state = l;
    return 0;
}

static int teardown(void **state)
{
    loaded *l = *state;
    for (size_t i = 0; i < NFILES; i++)
        mw_arena_destroy(l->arena[i]);
    free(l);
    return 0;
}

/* The run-time twin of a generated descriptor. Everything.idl's load comes first: it
 * holds Common.idl's types too, the ones its own types refer to, as the generated
 * Everything_types.c refers to Common_types.c's. */
static const mw_type *twin(const loaded *l, const mw_type *g)
{
    static const size_t order[] = {3, 0, 1, 2, 4};
    for (size_t k = 0; k < NFILES; k++) {
        const mw_type *r = idl_types_find(l->types[order[k]], g->name);
        if (r)
            return r;
    }
    return NULL;
}

/* ---- structural equality ------------------------------------------------------------ */

/* Pairs (generated, run-time) met so far: each side must always meet the same partner, so
 * sharing is the same on both sides, and recursion ends at a pair already met. */
typedef struct pairs {
    const mw_type *g[4096], *r[4096];
    size_t n;
    char why[512];
} pairs;

static bool str_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool differ(pairs *p, const char *what, const mw_type *g)
{
    snprintf(p->why, sizeof p->why, "%s differs (in %s, a %s)", what,
             g->name ? g->name : "an anonymous type", mw_kind_name(g->kind));
    return false;
}

static bool same(pairs *p, const mw_type *g, const mw_type *r)
{
    if (!g || !r)
        return g == r ? true : differ(p, "presence of a type", g ? g : r);
    for (size_t i = 0; i < p->n; i++) {
        if (p->g[i] == g || p->r[i] == r) {
            if (p->g[i] == g && p->r[i] == r)
                return true;
            return differ(p, "sharing of descriptors", g);
        }
    }
    assert_true(p->n < 4096);
    p->g[p->n] = g;
    p->r[p->n++] = r;
    if (g->kind != r->kind)
        return differ(p, "kind", g);
    if (!str_same(g->name, r->name) || !str_same(g->xml_name, r->xml_name))
        return differ(p, "name", g);
    if (g->size != r->size || g->align != r->align)
        return differ(p, "size or alignment", g);
    switch (g->kind) {
    case MW_K_STRUCT:
        if (g->u.st.count != r->u.st.count)
            return differ(p, "member count", g);
        for (uint32_t i = 0; i < g->u.st.count; i++) {
            const mw_field *a = &g->u.st.fields[i], *b = &r->u.st.fields[i];
            if (!str_same(a->name, b->name) || a->offset != b->offset || a->flags != b->flags)
                return differ(p, "a member's name, offset or flags", g);
            if (!same(p, a->type, b->type))
                return false;
        }
        return true;
    case MW_K_SEQUENCE:
    case MW_K_STRING:
        if (g->u.seq.bound != r->u.seq.bound)
            return differ(p, "bound", g);
        return same(p, g->u.seq.elem, r->u.seq.elem);
    case MW_K_ARRAY:
        if (g->u.arr.count != r->u.arr.count)
            return differ(p, "array length", g);
        return same(p, g->u.arr.elem, r->u.arr.elem);
    case MW_K_ENUM:
        if (g->u.en.count != r->u.en.count)
            return differ(p, "enumerator count", g);
        for (uint32_t i = 0; i < g->u.en.count; i++)
            if (!str_same(g->u.en.items[i].name, r->u.en.items[i].name) ||
                g->u.en.items[i].value != r->u.en.items[i].value)
                return differ(p, "an enumerator", g);
        return true;
    case MW_K_UNION:
        if (g->u.un.count != r->u.un.count || g->u.un.value_offset != r->u.un.value_offset)
            return differ(p, "case count or member offset", g);
        for (uint32_t i = 0; i < g->u.un.count; i++) {
            const mw_case *a = &g->u.un.cases[i], *b = &r->u.un.cases[i];
            if (!str_same(a->name, b->name) || a->label != b->label ||
                a->is_default != b->is_default)
                return differ(p, "a case", g);
            if (!same(p, a->type, b->type))
                return false;
        }
        return same(p, g->u.un.disc, r->u.un.disc);
    case MW_K_ALIAS:
    case MW_K_OPTIONAL:
        return same(p, g->u.alias.target, r->u.alias.target);
    default:
        return true;
    }
}

static void test_twins_are_equal(void **state)
{
    const loaded *l = *state;
    pairs *p = calloc(1, sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < NGENERATED; i++) {
        const mw_type *r = twin(l, generated[i]);
        if (!r)
            fail_msg("no run-time type %s", generated[i]->name);
        /* one set of pairs across all types: sharing holds between types too */
        if (!same(p, generated[i], r))
            fail_msg("%s: %s", generated[i]->name, p->why);
        if (r->kind != MW_K_VOID)
            assert_int_equal(mw_type_check(r), 0);
    }
    free(p);
}

/* Nothing is built that midl does not generate: each run-time type of a file is the twin
 * of a generated one. */
static void test_no_extra_types(void **state)
{
    const loaded *l = *state;
    for (size_t f = 0; f < NFILES; f++)
        for (size_t i = 0; i < idl_types_count(l->types[f]); i++) {
            const mw_type *r = idl_types_at(l->types[f], i);
            size_t k = 0;
            while (k < NGENERATED && strcmp(generated[k]->name, r->name) != 0)
                k++;
            if (k == NGENERATED)
                fail_msg("%s: run-time type %s is not generated", files[f], r->name);
        }
}

/* Layouts against the C compiler directly, for a few shapes the C rules make tricky. */
static void test_layout_is_c(void **state)
{
    const loaded *l = *state;
    const mw_type *t = twin(l, &Everything_Showcase_type);
    assert_int_equal(t->size, sizeof(Everything_Showcase));
    assert_int_equal(t->align, _Alignof(Everything_Showcase));
    assert_int_equal(t->u.st.fields[4].offset, offsetof(Everything_Showcase, matrix));
    assert_int_equal(t->u.st.fields[14].offset, offsetof(Everything_Showcase, inner));
    t = twin(l, &Everything_ByBool_type); /* a one-byte discriminator */
    assert_int_equal(t->size, sizeof(Everything_ByBool));
    assert_int_equal(t->u.un.value_offset, offsetof(Everything_ByBool, _u));
    t = twin(l, &Everything_ByHuge_type); /* a 64-bit discriminator, octet members */
    assert_int_equal(t->size, sizeof(Everything_ByHuge));
    assert_int_equal(t->u.un.value_offset, offsetof(Everything_ByHuge, _u));
    t = twin(l, &Everything_Diamond_check_in_type); /* bool, char, octet, float, ... */
    assert_int_equal(t->size, sizeof(Everything_Diamond_check_in));
    assert_int_equal(t->u.st.fields[6].offset, offsetof(Everything_Diamond_check_in, ll));
}

/* ---- the same bytes ----------------------------------------------------------------- */

static void test_same_bytes(void **state)
{
    const loaded *l = *state;
    const mw_codec *const *codecs = mw_codec_list();
    size_t compared[16] = {0};
    for (size_t i = 0; i < NGENERATED; i++) {
        const mw_type *g = generated[i], *r = twin(l, g);
        if (g->kind == MW_K_VOID)
            continue;
        for (size_t c = 0; codecs[c]; c++) {
            mw_rng rng;
            mw_rng_seed(&rng, 0x1d1000u + i * 7 + c);
            for (int round = 0; round < 4; round++) {
                mw_arena *a;
                assert_int_equal(mw_arena_create(&a, 0), 0);
                void *v = mw_arena_calloc(a, 1, g->size),
                     *back = mw_arena_calloc(a, 1, g->size);
                suite_random_value(g, v, &rng, a, SUITE_FINITE);
                mw_buf x, y;
                mw_buf_init(&x);
                mw_buf_init(&y);
                int rx = codecs[c]->encode(g, v, &x, NULL, NULL);
                int ry = codecs[c]->encode(r, v, &y, NULL, NULL);
                if (rx != ry)
                    fail_msg("%s %s: generated %s, run-time %s", codecs[c]->name, g->name,
                             mw_errname(rx), mw_errname(ry));
                if (rx == 0) {
                    if (x.len != y.len || memcmp(x.data, y.data, x.len) != 0)
                        fail_msg("%s %s: the bytes differ", codecs[c]->name, g->name);
                    /* decoded through the run-time descriptor: the generated C value */
                    mw_marshal_error err = {0};
                    int rc = codecs[c]->decode(r, y.data, y.len, back, a, NULL, &err);
                    if (rc)
                        fail_msg("%s %s: decode: %s", codecs[c]->name, g->name, err.detail);
                    assert_true(mw_value_equal(g, v, back));
                    compared[c] += round == 0;
                }
                mw_buf_free(&x);
                mw_buf_free(&y);
                mw_arena_destroy(a);
                if (rx)
                    break; /* the codec cannot carry this type (both say so) */
            }
        }
    }
    for (size_t c = 0; codecs[c] && c < 16; c++) {
        printf("  %s: the same bytes for %zu of %zu types\n", codecs[c]->name, compared[c],
               (size_t)NGENERATED);
        assert_true(compared[c] >= 10);
    }
}

/* Figure 4.8: Person from Person.idl is the built-in Person, byte for byte. */
static void test_person_is_figure_4_8(void **state)
{
    const loaded *l = *state;
    const mw_type *t = idl_types_find(l->types[1], "Person");
    assert_non_null(t);
    assert_ptr_equal(idl_types_find(l->types[1], "::Person"), t);
    static const uint8_t fig48[] = {0, 0, 0,   6,   'S', 'm', 'i', 't', 'h', 0, 0, 0, 0, 0,
                                    0, 7, 'L', 'o', 'n', 'd', 'o', 'n', 0,   0, 0, 0, 7, 0x8e};
    char name[] = "Smith", place[] = "London";
    mw_person p = {name, place, 1934};
    mw_marshal_opts big = {.byte_order = MW_ORDER_BIG};
    mw_buf a, b;
    mw_buf_init(&a);
    mw_buf_init(&b);
    assert_int_equal(mw_cdr_encode(t, &p, &a, &big, NULL), 0);
    assert_int_equal(mw_cdr_encode(&mw_t_person, &p, &b, &big, NULL), 0);
    assert_int_equal(a.len, sizeof fig48);
    assert_memory_equal(a.data, fig48, sizeof fig48);
    assert_memory_equal(b.data, fig48, sizeof fig48);
    mw_buf_free(&a);
    mw_buf_free(&b);
}

/* ---- what the sample files do not reach --------------------------------------------- */

/* Writes text to a temporary .idl file; its path goes to path (PATH_MAX bytes). */
static void temp_idl(char *path, size_t n, const char *text)
{
    snprintf(path, n, "%s/test_idl_types_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static int load_text(const char *text, mw_arena *arena, idl_types **out)
{
    char path[512];
    temp_idl(path, sizeof path, text);
    int rc = idl_types_load(path, NULL, 0, arena, out);
    unlink(path);
    return rc;
}

static void test_forward_typedef(void **state)
{
    (void)state;
    mw_arena *a;
    idl_types *t;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    /* A typedef of a struct only declared yet (allowed: C's incomplete type) takes the
     * struct's size once it is defined; a sequence of it points at the struct. */
    assert_int_equal(load_text("module M { struct A; typedef A B; typedef B C;\n"
                               "typedef sequence<C> CS; struct A { CS kids; octet o; }; };\n",
                               a, &t),
                     0);
    const mw_type *b = idl_types_find(t, "M::B"), *c = idl_types_find(t, "M::C");
    const mw_type *s = idl_types_find(t, "M::A"), *cs = idl_types_find(t, "M::CS");
    assert_non_null(b);
    assert_non_null(c);
    assert_non_null(s);
    assert_non_null(cs);
    assert_int_equal(s->size, sizeof(struct {
                         mw_seq kids;
                         uint8_t o;
                     }));
    assert_int_equal(b->size, s->size);
    assert_int_equal(c->size, s->size);
    assert_int_equal(c->align, s->align);
    assert_ptr_equal(mw_type_resolve(cs->u.alias.target->u.seq.elem), s);
    assert_int_equal(mw_type_check(s), 0);
    assert_int_equal(mw_type_check(c), 0);
    assert_int_equal(idl_types_count(t), 4);
    mw_arena_destroy(a);
}

static void test_too_large(void **state)
{
    (void)state;
    mw_arena *a;
    idl_types *t = NULL;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    printf("  (errors about types too large are expected)\n");
    fflush(stdout);
    assert_int_equal(load_text("typedef long Big[16777216];\ntypedef Big Huge[300];\n", a, &t),
                     MW_ERANGE);
    /* 33 members of 128 MiB (midl's largest array): the struct passes 4 GiB */
    char text[512] = "typedef long long Big[16777216];\nstruct S { Big m0";
    for (int i = 1; i < 33; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), ", m%d", i);
    strcat(text, "; };\n");
    assert_int_equal(load_text(text, a, &t), MW_ERANGE);
    mw_arena_destroy(a);
}

static void test_errors_and_reloads(void **state)
{
    (void)state;
    mw_arena *a;
    idl_types *t = NULL;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    printf("  (midl's diagnostics are expected)\n");
    fflush(stdout);
    assert_int_equal(load_text("struct S { long x }; struct T { undefined y; };\n", a, &t),
                     MW_EPROTO);
    /* more errors than midl reports: its fatal stop comes back as an error */
    char many[8192] = "";
    for (int i = 0; i < 60; i++)
        strcat(many, "struct { };\n");
    assert_int_equal(load_text(many, a, &t), MW_EPROTO);
    errno = 0;
    assert_int_not_equal(idl_types_load("/nonexistent/x.idl", NULL, 0, a, &t), 0);
    assert_int_equal(errno, ENOENT);
    /* after all that, a good file loads as if first */
    assert_int_equal(load_text("module M { enum E { A, B }; };\n", a, &t), 0);
    assert_int_equal(idl_types_count(t), 1);
    assert_string_equal(idl_types_at(t, 0)->name, "M::E");
    assert_null(idl_types_at(t, 1));
    /* #include through an include directory */
    char dir[] = "/tmp/test_idl_types_dir_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char inc[600], main_path[600];
    snprintf(inc, sizeof inc, "%s/inc.idl", dir);
    FILE *f = fopen(inc, "w");
    assert_non_null(f);
    fputs("module Lib { struct P { long x; }; };\n", f);
    fclose(f);
    temp_idl(main_path, sizeof main_path, "#include <inc.idl>\nstruct Q { Lib::P p; };\n");
    const char *dirs[] = {dir};
    assert_int_equal(idl_types_load(main_path, dirs, 1, a, &t), 0);
    assert_non_null(idl_types_find(t, "Lib::P"));
    assert_int_equal(idl_types_find(t, "Q")->size, 4);
    unlink(main_path);
    unlink(inc);
    rmdir(dir);
    mw_arena_destroy(a);
}

static void test_similar_names(void **state)
{
    const loaded *l = *state;
    const idl_types *ev = l->types[3];
    const char *out[4];
    assert_int_equal(idl_types_similar(l->types[1], "Persn", out, 4), 1);
    assert_string_equal(out[0], "Person");
    assert_true(idl_types_similar(l->types[1], "person", out, 4) >= 1);
    assert_string_equal(out[0], "Person");
    /* the right name in the wrong scope, or without one */
    assert_true(idl_types_similar(ev, "Showcase", out, 4) >= 1);
    assert_string_equal(out[0], "Everything::Showcase");
    assert_true(idl_types_similar(ev, "Common::Showcase", out, 4) >= 1);
    assert_string_equal(out[0], "Everything::Showcase");
    assert_true(idl_types_similar(ev, "Everything::Shwcase", out, 4) >= 1);
    assert_string_equal(out[0], "Everything::Showcase");
    assert_true(idl_types_similar(ev, "::Everything::Node", out, 4) >= 1);
    assert_string_equal(out[0], "Everything::Node");
    assert_int_equal(idl_types_similar(ev, "Zebra", out, 4), 0);
    assert_int_equal(idl_types_similar(ev, "Everything::Showcase", out, 0), 0);
    assert_null(idl_types_find(ev, "Showcase"));
    assert_null(idl_types_find(ev, "everything::showcase"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_twins_are_equal),      cmocka_unit_test(test_no_extra_types),
        cmocka_unit_test(test_layout_is_c),          cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_person_is_figure_4_8), cmocka_unit_test(test_similar_names),
    };
    const struct CMUnitTest alone[] = {
        cmocka_unit_test(test_forward_typedef),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_errors_and_reloads),
    };
    int failed = cmocka_run_group_tests_name("sample files", tests, setup, teardown);
    return failed + cmocka_run_group_tests_name("other IDL", alone, NULL, NULL);
}

/*
 * idl_types.c - mw_type descriptors from IDL at run time (idl_types.h): midl's front end
 * parses and resolves the file, then one walk over its program list builds a descriptor
 * per declaration, laid out as the C that midl generates (gen.c, gen_header.c,
 * gen_types.c).
 *
 * The walk follows the program list, which holds declarations in source order with
 * nested ones first: what a declaration uses was built before it, except a struct or
 * union declared forward, which may be used (only inside a sequence, where C holds a
 * pointer) before its body is seen. So every descriptor is made on first use, empty
 * until its declaration is built; a sequence only needs its element's address. Sizes come
 * from complete descriptors only, and a complete descriptor never changes.
 *
 * Scratch memory is midl's (xmalloc, freed all at once after the load, as the fuzz
 * target does); the descriptors and every name in them are in the caller's arena. midl
 * ends a run that has too many errors or no memory by calling its fatal hook, which here
 * jumps back to idl_types_load.
 */
#include "idl_types.h"

#include <errno.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "ast.h"

struct idl_types {
    const mw_type **v; /* named types, in declaration order */
    size_t n;
};

/* ------------------------------------------------------------------------------------ */
/* The table of descriptors made so far                                                 */
/* ------------------------------------------------------------------------------------ */

/*
 * Keyed by a string: "D<address>" for a declaration, "F<file>:<structure>" for an
 * anonymous type (a sequence, an array or a bounded string) used by a declaration of
 * that file. Equal anonymous types of one file share one descriptor, as in FOO_types.c,
 * where each gets one static (named from its structure: midl_seq_long).
 */
typedef struct entry {
    char *key; /* NULL: free slot */
    mw_type *type;
} entry;

typedef struct builder {
    mw_arena *arena;
    entry *tab;
    size_t cap, used;
    const mw_type **list; /* the named types, in order */
    size_t n, listcap;
    loc at; /* the declaration being built, for errors */
} builder;

static builder B;          /* one load at a time: midl's front end is global state too */
static jmp_buf fatal_jump; /* where a failure deep in the walk or in midl returns to */
static int fatal_code;     /* what it returns (0: midl's own fatal error) */
static int read_errno;     /* why the file could not be read (0: it was) */

MIDL_NORETURN static void fail(int code)
{
    fatal_code = code;
    longjmp(fatal_jump, 1);
}

static void midl_fatal(void)
{
    longjmp(fatal_jump, 1);
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static entry *lookup(const char *key)
{
    if ((B.used + 1) * 2 > B.cap) {
        size_t cap = B.cap ? B.cap * 2 : 256;
        entry *tab = xcalloc(cap, sizeof *tab);
        for (size_t j = 0; j < B.cap; j++)
            if (B.tab[j].key)
                for (size_t i = str_hash(B.tab[j].key) & (cap - 1);; i = (i + 1) & (cap - 1))
                    if (!tab[i].key) {
                        tab[i] = B.tab[j];
                        break;
                    }
        xfree(B.tab);
        B.tab = tab;
        B.cap = cap;
    }
    size_t i = str_hash(key) & (B.cap - 1);
    while (B.tab[i].key && strcmp(B.tab[i].key, key) != 0)
        i = (i + 1) & (B.cap - 1);
    if (!B.tab[i].key) {
        B.tab[i].key = xstrdup(key);
        B.used++;
    }
    return &B.tab[i];
}

static void *arena_calloc(size_t n, size_t size)
{
    void *p = mw_arena_calloc(B.arena, n ? n : 1, size);
    if (!p)
        fail(MW_ENOMEM);
    return p;
}

static const char *arena_str(const char *s)
{
    char *p = mw_arena_strndup(B.arena, s, strlen(s));
    if (!p)
        fail(MW_ENOMEM);
    return p;
}

static void add_named(const mw_type *t)
{
    if (B.n == B.listcap) {
        B.listcap = B.listcap ? B.listcap * 2 : 64;
        B.list = xrealloc(B.list, B.listcap * sizeof *B.list);
    }
    B.list[B.n++] = t;
}

/* ------------------------------------------------------------------------------------ */
/* Layout                                                                               */
/* ------------------------------------------------------------------------------------ */

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) / a * a;
}

/* A size past what mw_type holds: an error at the declaration being built. */
static uint32_t checked_size(uint64_t size, const char *what, const char *name)
{
    if (size > UINT32_MAX) {
        error_at(B.at, "%s%s%s%s is too large to represent (%llu bytes; at most 4 GiB)", what,
                 name ? " '" : "", name ? name : "", name ? "'" : "", (unsigned long long)size);
        fail(MW_ERANGE);
    }
    return (uint32_t)size;
}

/* The value of a member must be complete (known size): midl allows a struct or union
 * that is declared but not yet defined only inside a sequence, so this never fails on
 * what the front end accepted; it keeps a wrong layout from ever being made. */
static const mw_type *complete(const mw_type *t, const char *what)
{
    if (t->align == 0) {
        error_at(B.at, "'%s' has a type whose definition comes later", what);
        fail(MW_EPROTO);
    }
    return t;
}

static const mw_type *desc_of(const type *t, uint32_t file);
static mw_type *decl_desc(decl *d);

static const mw_type *basic(type_kind k)
{
    switch (k) {
    case TY_BOOLEAN:
        return &mw_t_boolean;
    case TY_OCTET:
        return &mw_t_octet;
    case TY_CHAR:
        return &mw_t_char;
    case TY_SHORT:
        return &mw_t_short;
    case TY_USHORT:
        return &mw_t_ushort;
    case TY_LONG:
        return &mw_t_long;
    case TY_ULONG:
        return &mw_t_ulong;
    case TY_LONGLONG:
        return &mw_t_longlong;
    case TY_ULONGLONG:
        return &mw_t_ulonglong;
    case TY_FLOAT:
        return &mw_t_float;
    case TY_DOUBLE:
        return &mw_t_double;
    case TY_STRING:
        return &mw_t_string;
    case TY_ANY:
        return &mw_t_any;
    case TY_OBJECT: /* CORBA::Object and every interface type */
        return &mw_t_objref;
    default:
        return &mw_t_void;
    }
}

/* The structure of an anonymous type, as a key: equal keys, equal types. */
static void anon_key(strbuf *b, const type *t)
{
    switch (t->kind) {
    case TY_SEQUENCE:
        sb_printf(b, "S%u(", t->bound);
        anon_key(b, t->elem);
        sb_putc(b, ')');
        break;
    case TY_ARRAY:
        sb_printf(b, "A%u(", t->bound);
        anon_key(b, t->elem);
        sb_putc(b, ')');
        break;
    case TY_STRING:
        sb_printf(b, "s%u", t->bound);
        break;
    case TY_NAMED:
        sb_printf(b, "N%p", (void *)t->decl);
        break;
    default:
        sb_printf(b, "b%d", (int)(t->kind == TY_OBJECT ? TY_OBJECT : t->kind));
        break;
    }
}

/* A sequence, an array or a bounded string (MW_K_STRING with u.seq.bound), shared
 * within its file. */
static const mw_type *anon(const type *t, uint32_t file)
{
    strbuf key = {0};
    sb_printf(&key, "F%u:", file);
    anon_key(&key, t);
    const mw_type *found = lookup(key.data)->type;
    if (found) {
        sb_free(&key);
        return found;
    }
    mw_type *d = arena_calloc(1, sizeof *d);
    switch (t->kind) {
    case TY_SEQUENCE:
        d->kind = MW_K_SEQUENCE;
        d->size = sizeof(mw_seq);
        d->align = alignof(mw_seq);
        d->u.seq.bound = t->bound;
        d->u.seq.elem = desc_of(t->elem, file); /* may be a struct not yet built */
        break;
    case TY_ARRAY: {
        const mw_type *elem = complete(desc_of(t->elem, file), "array element");
        d->kind = MW_K_ARRAY;
        d->size = checked_size((uint64_t)elem->size * t->bound, "an array", NULL);
        d->align = elem->align;
        d->u.arr.elem = elem;
        d->u.arr.count = t->bound;
        break;
    }
    default: /* a bounded string */
        d->kind = MW_K_STRING;
        d->size = sizeof(char *);
        d->align = alignof(char *);
        d->u.seq.bound = t->bound;
        break;
    }
    lookup(key.data)->type = d; /* again: the element's descriptors may have grown it */
    sb_free(&key);
    return d;
}

static const mw_type *desc_of(const type *t, uint32_t file)
{
    switch (t->kind) {
    case TY_SEQUENCE:
    case TY_ARRAY:
        return anon(t, file);
    case TY_STRING:
        return t->bound ? anon(t, file) : &mw_t_string;
    case TY_NAMED:
        return decl_desc(t->decl);
    default:
        return basic(t->kind);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Declarations                                                                         */
/* ------------------------------------------------------------------------------------ */

/* A struct's members, at their C offsets. */
static void fill_struct(mw_type *d, const char *scoped, const member *const *m, uint32_t n,
                        uint32_t file)
{
    mw_field *f = arena_calloc(n, sizeof *f);
    uint64_t size = 0, align = 1;
    for (uint32_t i = 0; i < n; i++) {
        const mw_type *t = complete(desc_of(m[i]->type, file), m[i]->name);
        uint64_t off = align_up(size, t->align);
        f[i] = (mw_field){arena_str(m[i]->name), t, checked_size(off, "struct", scoped), 0};
        size = off + t->size;
        if (t->align > align)
            align = t->align;
    }
    d->kind = MW_K_STRUCT;
    d->name = arena_str(scoped);
    d->size = checked_size(align_up(size, align), "struct", scoped);
    d->align = (uint32_t)align;
    d->u.st.fields = f;
    d->u.st.count = n;
}

static void build_struct(mw_type *d, const decl *s)
{
    const member **m = xmalloc((s->u.st.n + 1) * sizeof *m);
    for (uint32_t i = 0; i < s->u.st.n; i++)
        m[i] = &s->u.st.v[i];
    fill_struct(d, s->scoped, m, s->u.st.n, s->loc.file);
    xfree(m);
}

/*
 * struct { D _d; union { ... } _u; }: the members start at the discriminator's size
 * rounded up to the largest member alignment; the whole is rounded up to the larger of
 * that and the discriminator's alignment. One case per label, and one more (label 0)
 * for "default", in the order of the IDL, as gen_types.c writes them.
 */
static void build_union(mw_type *d, const decl *u)
{
    uint32_t file = u->loc.file, count = 0;
    const mw_type *disc = desc_of(u->u.un.disc, file);
    for (uint32_t i = 0; i < u->u.un.n; i++)
        count += u->u.un.v[i].nlabels + (u->u.un.v[i].is_default ? 1 : 0);
    mw_case *c = arena_calloc(count, sizeof *c);
    uint64_t msize = 0, malign = 1;
    uint32_t k = 0;
    for (uint32_t i = 0; i < u->u.un.n; i++) {
        const ucase *uc = &u->u.un.v[i];
        const mw_type *t = complete(desc_of(uc->m.type, file), uc->m.name);
        const char *name = arena_str(uc->m.name);
        for (uint32_t j = 0; j < uc->nlabels; j++)
            c[k++] = (mw_case){name, t, uc->labels[j], false};
        if (uc->is_default)
            c[k++] = (mw_case){name, t, 0, true};
        if (t->size > msize)
            msize = t->size;
        if (t->align > malign)
            malign = t->align;
    }
    uint64_t value_offset = align_up(disc->size, malign);
    uint64_t align = disc->align > malign ? disc->align : malign;
    d->kind = MW_K_UNION;
    d->name = arena_str(u->scoped);
    d->size = checked_size(align_up(value_offset + msize, align), "union", u->scoped);
    d->align = (uint32_t)align;
    d->u.un.disc = disc;
    d->u.un.value_offset = (uint32_t)value_offset;
    d->u.un.cases = c;
    d->u.un.count = count;
}

static void build_enum(mw_type *d, const decl *e)
{
    mw_enumerator *items = arena_calloc(e->u.en.n, sizeof *items);
    for (uint32_t i = 0; i < e->u.en.n; i++)
        items[i] = (mw_enumerator){arena_str(e->u.en.v[i]->name), (int32_t)i};
    d->kind = MW_K_ENUM;
    d->name = arena_str(e->scoped);
    d->size = sizeof(int32_t);
    d->align = alignof(int32_t);
    d->u.en.items = items;
    d->u.en.count = e->u.en.n;
}

/* A typedef has its target's representation. A typedef of a struct declared but not yet
 * defined gets its size when the struct does (finish_aliases). */
static void build_typedef(mw_type *d, const decl *td)
{
    const mw_type *target = desc_of(td->u.td.type, td->loc.file);
    d->kind = MW_K_ALIAS;
    d->name = arena_str(td->scoped);
    d->size = target->size;
    d->align = target->align;
    d->u.alias.target = target;
}

static void build_exception(mw_type *d, const decl *x)
{
    if (x->u.st.n) {
        build_struct(d, x);
        return;
    }
    /* No members: a named void type, as generated, so it is known by its name. */
    d->kind = MW_K_VOID;
    d->name = arena_str(x->scoped);
    d->size = 0;
    d->align = 1;
}

/* The descriptor of a declaration: the one its uses share, empty (align 0) until the
 * walk reaches the declaration and fills it in. */
static mw_type *decl_desc(decl *d)
{
    char key[32];
    snprintf(key, sizeof key, "D%p", (void *)d);
    entry *e = lookup(key);
    if (!e->type)
        e->type = arena_calloc(1, sizeof *e->type);
    return e->type;
}

/* Fills in the descriptor of d: what it uses is complete, by declare-before-use, except
 * structs and unions declared forward, which it only points to. */
static const mw_type *build_decl(decl *d)
{
    mw_type *t = decl_desc(d);
    loc saved = B.at;
    B.at = d->loc;
    switch (d->kind) {
    case DK_STRUCT:
        build_struct(t, d);
        break;
    case DK_UNION:
        build_union(t, d);
        break;
    case DK_ENUM:
        build_enum(t, d);
        break;
    case DK_TYPEDEF:
        build_typedef(t, d);
        break;
    case DK_EXCEPTION:
        build_exception(t, d);
        break;
    default:
        break;
    }
    B.at = saved;
    return t;
}

/* The argument structs of an operation that gen_types.c makes: "M::I::op_in" (in and
 * inout arguments) and "M::I::op_out" (the result "_result", then inout and out). */
static void build_operation(const decl *op, uint32_t file)
{
    uint32_t n = op->u.op.n, k = 0;
    const member **m = xmalloc((n + 2) * sizeof *m);
    for (uint32_t i = 0; i < n; i++)
        if (op->u.op.v[i].dir != DIR_OUT)
            m[k++] = &op->u.op.v[i].m;
    if (k) {
        char *name = xasprintf("%s_in", op->scoped);
        mw_type *t = arena_calloc(1, sizeof *t);
        fill_struct(t, name, m, k, file);
        add_named(t);
        xfree(name);
    }
    member result = {.name = "_result", .cname = "_result", .type = op->u.op.ret};
    k = 0;
    if (op->u.op.ret->kind != TY_VOID)
        m[k++] = &result;
    for (uint32_t i = 0; i < n; i++)
        if (op->u.op.v[i].dir != DIR_IN)
            m[k++] = &op->u.op.v[i].m;
    if (k) {
        char *name = xasprintf("%s_out", op->scoped);
        mw_type *t = arena_calloc(1, sizeof *t);
        fill_struct(t, name, m, k, file);
        add_named(t);
        xfree(name);
    }
    xfree(m);
}

/* Aliases of a struct that was only declared when the alias was built take its size
 * now; in program order, so an alias of such an alias follows. */
static void finish_aliases(void)
{
    for (size_t i = 0; i < B.n; i++) {
        mw_type *t = (mw_type *)(uintptr_t)B.list[i];
        if (t->kind == MW_K_ALIAS && t->align == 0) {
            t->size = t->u.alias.target->size;
            t->align = t->u.alias.target->align;
        }
    }
}

/* The walk over the program; may jump back to idl_types_load. */
static int build(idl_types **out)
{
    for (size_t i = 0; i < prog.n; i++) {
        const prog_item *it = &prog.v[i];
        decl *d = it->d;
        if (it->forward || d->invalid)
            continue;
        switch (d->kind) {
        case DK_STRUCT:
        case DK_UNION:
        case DK_ENUM:
        case DK_TYPEDEF:
        case DK_EXCEPTION:
            add_named(build_decl(d));
            break;
        case DK_INTERFACE:
            B.at = d->loc;
            for (uint32_t k = 0; k < d->u.itf.nops; k++)
                build_operation(d->u.itf.ops[k], d->loc.file);
            break;
        default:
            break;
        }
    }
    finish_aliases();
    idl_types *r = arena_calloc(1, sizeof *r);
    const mw_type **v = arena_calloc(B.n, sizeof *v);
    if (B.n)
        memcpy(v, B.list, B.n * sizeof *v);
    r->v = v;
    r->n = B.n;
    *out = r;
    return 0;
}

/* Reads and parses the file; may jump back to idl_types_load. */
static int load(const char *path, const char *const *dirs, size_t ndirs, idl_types **out)
{
    for (size_t i = 0; i < ndirs; i++)
        pp_add_include_dir(dirs[i]);
    uint32_t main_file;
    bool again;
    if (src_read(path, &main_file, &again) != 0) {
        read_errno = errno;
        return mw_error_from_errno(errno);
    }
    lex_begin(main_file);
    parse_program();
    if (error_count())
        return MW_EPROTO;
    return build(out);
}

int idl_types_load(const char *path, const char *const *include_dirs, size_t ndirs,
                   mw_arena *arena, idl_types **out)
{
    int rc;
    B = (builder){.arena = arena};
    fatal_code = read_errno = 0;
    diag_set_fatal(midl_fatal);
    if (setjmp(fatal_jump) == 0)
        rc = load(path, include_dirs, ndirs, out);
    else
        rc = fatal_code ? fatal_code : MW_EPROTO; /* midl: too many errors, or no memory */
    diag_set_fatal(NULL);
    /* Everything midl allocated, the table and the list included, goes at once. */
    lex_reset();
    pp_reset();
    resolve_reset();
    src_reset();
    ast_reset();
    xfree_all();
    B = (builder){0};
    if (read_errno)
        errno = read_errno;
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Lookup                                                                               */
/* ------------------------------------------------------------------------------------ */

size_t idl_types_count(const idl_types *t)
{
    return t->n;
}

const mw_type *idl_types_at(const idl_types *t, size_t i)
{
    return i < t->n ? t->v[i] : NULL;
}

const mw_type *idl_types_find(const idl_types *t, const char *name)
{
    if (name[0] == ':' && name[1] == ':')
        name += 2;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i]->name, name) == 0)
            return t->v[i];
    return NULL;
}

/* The part after the last "::". */
static const char *last_part(const char *s)
{
    const char *r = s;
    for (const char *p = s; *p; p++)
        if (p[0] == ':' && p[1] == ':')
            r = p + 2;
    return r;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

#define NAME_MAX_COMPARED 128 /* longer names are never "close": no one mistypes them */

/* Levenshtein distance, ASCII case ignored; SIZE_MAX past NAME_MAX_COMPARED. */
static size_t distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > NAME_MAX_COMPARED || m > NAME_MAX_COMPARED)
        return SIZE_MAX;
    size_t row[NAME_MAX_COMPARED + 1];
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diag + (lower(a[i - 1]) != lower(b[j - 1]));
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

/* How many edits still count as a slip for a name of this length. */
static size_t slack(const char *s)
{
    size_t n = strlen(s);
    return n <= 4 ? 1 : n <= 8 ? 2 : 3;
}

size_t idl_types_similar(const idl_types *t, const char *name, const char **out, size_t max)
{
    if (name[0] == ':' && name[1] == ':')
        name += 2;
    size_t found = 0, dist[16];
    if (max > 16)
        max = 16;
    const char *simple = last_part(name);
    for (size_t i = 0; i < t->n && max; i++) {
        const char *cand = t->v[i]->name;
        /* the whole name a few letters off, or the last part (another scope) */
        size_t d = distance(name, cand), ds = distance(simple, last_part(cand));
        if (d > slack(name))
            d = SIZE_MAX;
        if (ds <= slack(simple) && ds + 1 < d)
            d = ds + 1; /* a scope off ranks after the same scope a letter off */
        if (d == SIZE_MAX)
            continue;
        /* insert by distance, then declaration order */
        size_t at = found;
        while (at > 0 && dist[at - 1] > d)
            at--;
        if (at >= max)
            continue;
        size_t last = found < max ? found : max - 1;
        for (size_t k = last; k > at; k--) {
            out[k] = out[k - 1];
            dist[k] = dist[k - 1];
        }
        out[at] = cand;
        dist[at] = d;
        if (found < max)
            found++;
    }
    return found;
}

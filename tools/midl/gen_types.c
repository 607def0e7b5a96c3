/* gen_types.c - FOO_types.c: the mw_type descriptors of FOO.idl's types, written as the
 * hand-made ones of src/marshal/example_types.c are (designated initialisers, offsetof,
 * alignof), the argument and result structs of each operation, and the data-only tables
 * of operations, exceptions and interfaces (include/midway/rmi.h). */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* Static names already defined in this file. */
typedef struct name_set {
    char **v;
    size_t cap, n;
} name_set;

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Adds name; false when it was there already. */
static bool set_add(name_set *s, const char *name)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **v = xcalloc(cap, sizeof *v);
        for (size_t j = 0; j < s->cap; j++)
            if (s->v[j])
                for (size_t i = name_hash(s->v[j]) & (cap - 1);; i = (i + 1) & (cap - 1))
                    if (!v[i]) {
                        v[i] = s->v[j];
                        break;
                    }
        xfree(s->v);
        s->v = v;
        s->cap = cap;
    }
    for (size_t i = name_hash(name) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->v[i]) {
            s->v[i] = xstrdup(name);
            s->n++;
            return true;
        }
        if (strcmp(s->v[i], name) == 0)
            return false;
    }
}

static void set_free(name_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        xfree(s->v[i]);
    xfree(s->v);
    *s = (name_set){0};
}

typedef struct gen {
    strbuf *b;
    name_set done; /* static descriptors emitted */
    loc at;        /* the declaration being written, for C-name errors */
} gen;

/* A static name of this file (registered, so it cannot collide with a generated global). */
static char *static_name(gen *g, const char *cname, const char *suffix)
{
    char *n = xasprintf("midl_%s_%s", cname, suffix);
    cname_register(n, g->at, "generated table");
    return n;
}

/* Emits the static descriptor of an anonymous type (and of the anonymous types inside it,
 * first), once per file. */
static void anon(gen *g, const type *t)
{
    if (!type_is_anon(t))
        return;
    if (t->elem)
        anon(g, t->elem);
    const char *desc = c_desc(t) + 1; /* without '&' */
    if (!set_add(&g->done, desc))
        return;
    cname_register(xstrdup(desc), g->at, "generated descriptor");
    char *sz = c_sizeof(t), *al = c_alignof(t);
    const char *items[5];
    size_t n = 0;
    switch (t->kind) {
    case TY_SEQUENCE:
        items[n++] = ".kind = MW_K_SEQUENCE";
        items[n++] = ".size = sizeof(mw_seq)";
        items[n++] = ".align = alignof(mw_seq)";
        items[n++] = xasprintf(".u.seq = {%s, %u}", c_desc(t->elem), t->bound);
        break;
    case TY_STRING:
        items[n++] = ".kind = MW_K_STRING";
        items[n++] = ".size = sizeof(char *)";
        items[n++] = ".align = alignof(char *)";
        items[n++] = xasprintf(".u.seq = {NULL, %u}", t->bound);
        break;
    default:
        items[n++] = ".kind = MW_K_ARRAY";
        items[n++] = xasprintf(".size = sizeof(%s)", sz);
        items[n++] = xasprintf(".align = alignof(%s)", al);
        items[n++] = xasprintf(".u.arr = {%s, %u}", c_desc(t->elem), t->bound);
        break;
    }
    char *head = xasprintf("static const mw_type %s = {", desc);
    gen_init(g->b, head, items, n, "};");
    xfree(head);
    xfree(sz);
    xfree(al);
}

/* Descriptor of a struct-like list of members (structs, exceptions, argument lists). */
static void fields(gen *g, const char *cname, const char *scoped, const member *const *m,
                   uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        anon(g, m[i]->type);
    char *arr = static_name(g, cname, "fields");
    sb_printf(g->b, "static const mw_field %s[] = {\n", arr);
    for (uint32_t i = 0; i < n; i++) {
        strbuf line = {0};
        sb_puts(&line, "    {");
        c_string_literal(&line, m[i]->name, strlen(m[i]->name));
        sb_printf(&line, ", %s, offsetof(%s, %s), 0},", c_desc(m[i]->type), cname, m[i]->cname);
        if (line.len > 96) {
            sb_free(&line);
            sb_puts(&line, "    {");
            c_string_literal(&line, m[i]->name, strlen(m[i]->name));
            sb_printf(&line, ", %s,\n     offsetof(%s, %s), 0},", c_desc(m[i]->type), cname,
                      m[i]->cname);
        }
        sb_printf(g->b, "%s\n", sb_cstr(&line));
        sb_free(&line);
    }
    sb_puts(g->b, "};\n");
    strbuf name = {0};
    c_string_literal(&name, scoped, strlen(scoped));
    const char *items[] = {
        ".kind = MW_K_STRUCT",
        xasprintf(".name = %s", name.data),
        xasprintf(".size = sizeof(%s)", cname),
        xasprintf(".align = alignof(%s)", cname),
        xasprintf(".u.st = {%s, %u}", arr, n),
    };
    char *head = xasprintf("const mw_type %s_type = {", cname);
    gen_init(g->b, head, items, 5, "};");
    xfree(head);
    sb_free(&name);
}

static const member **struct_members(const decl *d)
{
    const member **v = xmalloc((d->u.st.n + 1) * sizeof *v);
    for (uint32_t i = 0; i < d->u.st.n; i++)
        v[i] = &d->u.st.v[i];
    return v;
}

static char *quoted(const char *s)
{
    strbuf b = {0};
    c_string_literal(&b, s, strlen(s));
    return b.data;
}

static void gen_union(gen *g, const decl *d)
{
    anon(g, d->u.un.disc);
    for (uint32_t i = 0; i < d->u.un.n; i++)
        anon(g, d->u.un.v[i].m.type);
    char *arr = static_name(g, d->cname, "cases");
    sb_printf(g->b, "static const mw_case %s[] = {\n", arr);
    uint32_t count = 0;
    for (uint32_t i = 0; i < d->u.un.n; i++) {
        const ucase *c = &d->u.un.v[i];
        char *name = quoted(c->m.name);
        for (uint32_t j = 0; j <= c->nlabels; j++) {
            if (j == c->nlabels && !c->is_default)
                break;
            sb_printf(g->b, "    {%s, %s, ", name, c_desc(c->m.type));
            if (j < c->nlabels)
                c_int64(g->b, c->labels[j]);
            else
                sb_putc(g->b, '0');
            sb_printf(g->b, ", %s},\n", j < c->nlabels ? "false" : "true");
            count++;
        }
        xfree(name);
    }
    sb_puts(g->b, "};\n");
    const char *items[] = {
        ".kind = MW_K_UNION",
        xasprintf(".name = %s", quoted(d->scoped)),
        xasprintf(".size = sizeof(%s)", d->cname),
        xasprintf(".align = alignof(%s)", d->cname),
        xasprintf(".u.un = {%s, offsetof(%s, _u), %s, %u}", c_desc(d->u.un.disc), d->cname, arr,
                  count),
        NULL,
        NULL,
        NULL,
    };
    size_t n = 5;
    if (strlen(items[4]) > 88) {
        /* too long for a line: one designator per member */
        items[4] = xasprintf(".u.un.disc = %s", c_desc(d->u.un.disc));
        items[5] = xasprintf(".u.un.value_offset = offsetof(%s, _u)", d->cname);
        items[6] = xasprintf(".u.un.cases = %s", arr);
        items[7] = xasprintf(".u.un.count = %u", count);
        n = 8;
    }
    char *head = xasprintf("const mw_type %s_type = {", d->cname);
    gen_init(g->b, head, items, n, "};");
    xfree(head);
}

static void gen_enum(gen *g, const decl *d)
{
    char *arr = static_name(g, d->cname, "items");
    sb_printf(g->b, "static const mw_enumerator %s[] = {\n", arr);
    for (uint32_t i = 0; i < d->u.en.n; i++)
        sb_printf(g->b, "    {%s, %s},\n", quoted(d->u.en.v[i]->name), d->u.en.v[i]->cname);
    sb_puts(g->b, "};\n");
    const char *items[] = {
        ".kind = MW_K_ENUM",
        xasprintf(".name = %s", quoted(d->scoped)),
        ".size = sizeof(int32_t)",
        ".align = alignof(int32_t)",
        xasprintf(".u.en = {%s, %u}", arr, d->u.en.n),
    };
    char *head = xasprintf("const mw_type %s_type = {", d->cname);
    gen_init(g->b, head, items, 5, "};");
    xfree(head);
}

static void gen_typedef(gen *g, const decl *d)
{
    anon(g, d->u.td.type);
    const char *items[] = {
        ".kind = MW_K_ALIAS",
        xasprintf(".name = %s", quoted(d->scoped)),
        xasprintf(".size = sizeof(%s)", d->cname),
        xasprintf(".align = alignof(%s)", d->cname),
        xasprintf(".u.alias = {%s}", c_desc(d->u.td.type)),
    };
    char *head = xasprintf("const mw_type %s_type = {", d->cname);
    gen_init(g->b, head, items, 5, "};");
    xfree(head);
}

static void gen_exception(gen *g, const decl *d)
{
    if (d->u.st.n) {
        const member **m = struct_members(d);
        fields(g, d->cname, d->scoped, m, d->u.st.n);
        xfree(m);
    } else {
        /* No members: a named void type, so the exception is known by its descriptor. */
        const char *items[] = {".kind = MW_K_VOID", xasprintf(".name = %s", quoted(d->scoped)),
                               ".size = 0", ".align = 1"};
        char *head = xasprintf("const mw_type %s_type = {", d->cname);
        gen_init(g->b, head, items, 4, "};");
        xfree(head);
    }
    const char *items[] = {xasprintf(".repo_id = %s", quoted(d->repo_id)),
                           xasprintf(".type = &%s_type", d->cname)};
    char *head = xasprintf("const mw_rmi_exception %s_exception = {", d->cname);
    gen_init(g->b, head, items, 2, "};");
    xfree(head);
}

/* The argument structs of an operation and its mw_rmi_operation. */
static void gen_operation(gen *g, const decl *op)
{
    uint32_t n = op->u.op.n;
    const member **m = xmalloc((n + 2) * sizeof *m);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (op->u.op.v[i].dir != DIR_OUT)
            m[k++] = &op->u.op.v[i].m;
    if (k) {
        char *c = xasprintf("%s_in", op->cname), *s = xasprintf("%s_in", op->scoped);
        fields(g, c, s, m, k);
    }
    member result = {.name = "_result", .cname = "_result", .type = op->u.op.ret};
    k = 0;
    if (op->u.op.ret->kind != TY_VOID)
        m[k++] = &result;
    for (uint32_t i = 0; i < n; i++)
        if (op->u.op.v[i].dir != DIR_IN)
            m[k++] = &op->u.op.v[i].m;
    if (k) {
        char *c = xasprintf("%s_out", op->cname), *s = xasprintf("%s_out", op->scoped);
        fields(g, c, s, m, k);
    }
    xfree(m);
    const char *raises = "NULL";
    if (op->u.op.nraises) {
        raises = static_name(g, op->cname, "raises");
        sb_printf(g->b, "static const mw_rmi_exception *const %s[] = {\n", raises);
        for (uint32_t i = 0; i < op->u.op.nraises; i++)
            sb_printf(g->b, "    &%s_exception,\n", op->u.op.raises[i]->cname);
        sb_puts(g->b, "};\n");
    }
    const char *items[] = {
        xasprintf(".name = %s", quoted(op->name)),
        xasprintf(".id = 0x%08Xu", op->u.op.id),
        xasprintf(".oneway = %s", op->u.op.oneway ? "true" : "false"),
        op_has_in(op) ? xasprintf(".in = &%s_in_type", op->cname) : ".in = NULL",
        op_has_out(op) ? xasprintf(".out = &%s_out_type", op->cname) : ".out = NULL",
        xasprintf(".raises = %s", raises),
        xasprintf(".raises_count = %u", op->u.op.nraises),
    };
    char *head = xasprintf("const mw_rmi_operation %s_op = {", op->cname);
    gen_init(g->b, head, items, 7, "};");
    xfree(head);
}

static void gen_interface(gen *g, const decl *d)
{
    for (uint32_t i = 0; i < d->u.itf.nops; i++) {
        g->at = d->u.itf.ops[i]->loc;
        gen_operation(g, d->u.itf.ops[i]);
    }
    g->at = d->loc;
    const char *ops = "NULL", *bases = "NULL";
    if (d->u.itf.nall) {
        ops = static_name(g, d->cname, "ops");
        sb_printf(g->b, "static const mw_rmi_operation *const %s[] = {\n", ops);
        for (uint32_t i = 0; i < d->u.itf.nall; i++)
            sb_printf(g->b, "    &%s_op,\n", d->u.itf.all[i]->cname);
        sb_puts(g->b, "};\n");
    }
    if (d->u.itf.nbases) {
        bases = static_name(g, d->cname, "bases");
        sb_printf(g->b, "static const mw_rmi_interface *const %s[] = {\n", bases);
        for (uint32_t i = 0; i < d->u.itf.nbases; i++)
            sb_printf(g->b, "    &%s_interface,\n", d->u.itf.bases[i]->cname);
        sb_puts(g->b, "};\n");
    }
    const char *items[] = {
        xasprintf(".name = %s", quoted(d->scoped)),
        xasprintf(".repo_id = %s", quoted(d->repo_id)),
        xasprintf(".bases = %s", bases),
        xasprintf(".base_count = %u", d->u.itf.nbases),
        xasprintf(".ops = %s", ops),
        xasprintf(".op_count = %u", d->u.itf.nall),
    };
    char *head = xasprintf("const mw_rmi_interface %s_interface = {", d->cname);
    gen_init(g->b, head, items, 6, "};");
    xfree(head);
}

void gen_types(const gen_opts *o, strbuf *out)
{
    gen g = {.b = out};
    gen_banner(out, o, "_types.c", "type descriptors and operation tables");
    sb_printf(out, "#include <stdalign.h>\n#include <stddef.h>\n\n#include \"%s.h\"\n",
              o->base);
    for (size_t i = 0; i < prog.n; i++) {
        const prog_item *it = &prog.v[i];
        const decl *d = it->d;
        if (!it->main_file || it->forward || d->invalid || d->kind == DK_CONST)
            continue; /* constants are macros in the header */
        g.at = d->loc;
        sb_printf(out, "\n/* %s %s */\n", decl_kind_name(d->kind), d->scoped);
        switch (d->kind) {
        case DK_STRUCT: {
            const member **m = struct_members(d);
            fields(&g, d->cname, d->scoped, m, d->u.st.n);
            xfree(m);
            break;
        }
        case DK_UNION:
            gen_union(&g, d);
            break;
        case DK_ENUM:
            gen_enum(&g, d);
            break;
        case DK_TYPEDEF:
            gen_typedef(&g, d);
            break;
        case DK_EXCEPTION:
            gen_exception(&g, d);
            break;
        case DK_INTERFACE:
            gen_interface(&g, d);
            break;
        default:
            break;
        }
    }
    set_free(&g.done);
}

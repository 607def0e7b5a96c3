/* gen_header.c - FOO.h: the C types, constants and descriptors of FOO.idl, and for each
 * interface its argument structs, servant struct, tables and proxy prototypes. */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

void gen_proto(strbuf *b, const char *head, const char *const *params, size_t n,
               const char *tail)
{
    size_t indent = strlen(head), col = indent;
    if (indent > 48)
        indent = 8;
    sb_puts(b, head);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(params[i]) + (i + 1 < n ? 1 : strlen(tail));
        if (i > 0 && col + 1 + len > 96) {
            sb_putc(b, '\n');
            for (size_t k = 0; k < indent; k++)
                sb_putc(b, ' ');
            col = indent;
        } else if (i > 0) {
            sb_putc(b, ' ');
            col++;
        }
        sb_puts(b, params[i]);
        col += strlen(params[i]);
        if (i + 1 < n) {
            sb_putc(b, ',');
            col++;
        }
    }
    sb_puts(b, tail);
    sb_putc(b, '\n');
}

char **op_params(const decl *op, size_t *n)
{
    char **v = xmalloc((op->u.op.n + 2) * sizeof *v);
    *n = 0;
    for (uint32_t i = 0; i < op->u.op.n; i++) {
        strbuf p = {0};
        c_param(&p, op->u.op.v[i].m.type, op->u.op.v[i].dir, op->u.op.v[i].m.cname);
        v[(*n)++] = p.data;
    }
    if (op->u.op.ret->kind != TY_VOID) {
        strbuf p = {0};
        c_param(&p, op->u.op.ret, DIR_OUT, "_result");
        v[(*n)++] = p.data;
    }
    return v;
}

void gen_proxy_proto(strbuf *b, const decl *itf, const decl *op, const char *tail)
{
    size_t n;
    char **v = op_params(op, &n);
    const char **all = xmalloc((n + 2) * sizeof *all);
    all[0] = "mw_rmi_proxy *_proxy";
    memcpy(all + 1, v, n * sizeof *v);
    all[n + 1] = "mw_arena *_arena";
    char *head = xasprintf("int %s_%s(", itf->cname, op->name);
    gen_proto(b, head, all, n + 2, tail);
    xfree(head);
    xfree(all);
}

static void emit_members(strbuf *b, const member *v, uint32_t n, const char *indent)
{
    for (uint32_t i = 0; i < n; i++) {
        sb_puts(b, indent);
        c_member(b, v[i].type, v[i].cname);
        sb_puts(b, ";\n");
    }
}

static void struct_type(strbuf *b, const decl *d, const member *v, uint32_t n)
{
    if (d->forwarded)
        sb_printf(b, "struct %s {\n", d->cname);
    else
        sb_printf(b, "typedef struct %s {\n", d->cname);
    emit_members(b, v, n, "    ");
    if (d->forwarded)
        sb_puts(b, "};\n");
    else
        sb_printf(b, "} %s;\n", d->cname);
}

static void label_comment(strbuf *b, const decl *u, const ucase *c)
{
    const type *disc = type_unalias(u->u.un.disc);
    sb_puts(b, " /* ");
    for (uint32_t j = 0; j < c->nlabels; j++) {
        sb_puts(b, j ? ", " : "case ");
        if (disc->kind == TY_NAMED && disc->decl->kind == DK_ENUM &&
            (uint64_t)c->labels[j] < disc->decl->u.en.n)
            sb_puts(b, disc->decl->u.en.v[c->labels[j]]->name);
        else if (disc->kind == TY_BOOLEAN)
            sb_puts(b, c->labels[j] ? "TRUE" : "FALSE");
        else if (disc->kind == TY_CHAR && c->labels[j] >= 0x20 && c->labels[j] < 0x7f &&
                 c->labels[j] != '\'' && c->labels[j] != '\\')
            sb_printf(b, "'%c'", (char)c->labels[j]);
        else if (type_is_unsigned(disc->kind))
            sb_printf(b, "%llu", (unsigned long long)c->labels[j]);
        else
            sb_printf(b, "%lld", (long long)c->labels[j]);
    }
    if (c->is_default)
        sb_puts(b, c->nlabels ? ", default" : "default");
    sb_puts(b, " */");
}

static void union_type(strbuf *b, const decl *d)
{
    if (d->forwarded)
        sb_printf(b, "struct %s {\n", d->cname);
    else
        sb_printf(b, "typedef struct %s {\n", d->cname);
    sb_printf(b, "    %s _d; /* discriminator */\n    union {\n", c_type(d->u.un.disc));
    for (uint32_t i = 0; i < d->u.un.n; i++) {
        sb_puts(b, "        ");
        c_member(b, d->u.un.v[i].m.type, d->u.un.v[i].m.cname);
        sb_putc(b, ';');
        label_comment(b, d, &d->u.un.v[i]);
        sb_putc(b, '\n');
    }
    sb_puts(b, "    } _u;\n");
    if (d->forwarded)
        sb_puts(b, "};\n");
    else
        sb_printf(b, "} %s;\n", d->cname);
}

static void enum_type(strbuf *b, const decl *d)
{
    sb_printf(b, "typedef int32_t %s;\nenum {\n", d->cname);
    for (uint32_t i = 0; i < d->u.en.n; i++)
        sb_printf(b, "    %s = %u,\n", d->u.en.v[i]->cname, i);
    sb_puts(b, "};\n");
}

static void typedef_type(strbuf *b, const decl *d)
{
    const type *t = d->u.td.type;
    if (t->kind == TY_SEQUENCE) {
        /* A named sequence gets a tag too, for debuggers and forward references. */
        sb_printf(b, "typedef struct %s {\n    uint32_t len;", d->cname);
        if (t->bound)
            sb_printf(b, " /* at most %u */", t->bound);
        sb_puts(b, "\n    ");
        c_seq_data(b, t->elem);
        sb_printf(b, ";\n} %s;\n", d->cname);
        return;
    }
    sb_puts(b, "typedef ");
    c_member(b, t, d->cname);
    sb_puts(b, ";\n");
}

static void comment(strbuf *b, const decl *d)
{
    sb_printf(b, "\n/* %s %s */\n", decl_kind_name(d->kind), d->scoped);
}

static void interface(strbuf *b, const decl *d)
{
    sb_printf(b, "\n/* ---- interface %s (%s) ", d->scoped, d->repo_id);
    for (size_t k = strlen(d->scoped) + strlen(d->repo_id) + 27; k < 92; k++)
        sb_putc(b, '-');
    sb_puts(b, " */\n");
    for (uint32_t i = 0; i < d->u.itf.nops; i++) {
        const decl *op = d->u.itf.ops[i];
        if (op_has_in(op)) {
            sb_printf(b, "\n/* the in and inout arguments of %s */\ntypedef struct %s_in {\n",
                      op->name, op->cname);
            for (uint32_t k = 0; k < op->u.op.n; k++)
                if (op->u.op.v[k].dir != DIR_OUT)
                    emit_members(b, &op->u.op.v[k].m, 1, "    ");
            sb_printf(b, "} %s_in;\nextern const mw_type %s_in_type;\n", op->cname, op->cname);
        }
        if (op_has_out(op)) {
            sb_printf(b,
                      "\n/* the result and the inout and out arguments of %s */\n"
                      "typedef struct %s_out {\n",
                      op->name, op->cname);
            if (op->u.op.ret->kind != TY_VOID) {
                sb_puts(b, "    ");
                c_member(b, op->u.op.ret, "_result");
                sb_puts(b, ";\n");
            }
            for (uint32_t k = 0; k < op->u.op.n; k++)
                if (op->u.op.v[k].dir != DIR_IN)
                    emit_members(b, &op->u.op.v[k].m, 1, "    ");
            sb_printf(b, "} %s_out;\nextern const mw_type %s_out_type;\n", op->cname,
                      op->cname);
        }
    }
    if (d->u.itf.nops) {
        sb_puts(b, "\n/* the operations (include/midway/rmi.h) */\n");
        for (uint32_t i = 0; i < d->u.itf.nops; i++)
            sb_printf(b, "extern const mw_rmi_operation %s_op;\n", d->u.itf.ops[i]->cname);
    }
    sb_printf(b,
              "\n/* the servant: the application's functions */\ntypedef struct %s_servant {\n",
              d->cname);
    if (!d->u.itf.nall)
        sb_puts(b, "    int (*_none)(void *_self); /* no operations: C needs a member */\n");
    for (uint32_t i = 0; i < d->u.itf.nall; i++) {
        const decl *op = d->u.itf.all[i];
        size_t n;
        char **v = op_params(op, &n);
        const char **all = xmalloc((n + 2) * sizeof *all);
        all[0] = "void *_self";
        memcpy(all + 1, v, n * sizeof *v);
        all[n + 1] = "mw_rmi_env *_env";
        char *head = xasprintf("    int (*%s)(", c_ident(op->name));
        gen_proto(b, head, all, n + 2, ");");
        xfree(head);
        xfree(all);
    }
    sb_printf(b, "} %s_servant;\n\n", d->cname);
    sb_printf(b, "extern const mw_rmi_interface %s_interface;\n", d->cname);
    sb_printf(b,
              "/* the dispatch table: operation id -> a function that calls the servant */\n"
              "extern const mw_rmi_skeleton %s_skeleton;\n",
              d->cname);
    if (!d->u.itf.nall)
        return;
    sb_puts(b, "\n/* the proxies */\n");
    for (uint32_t i = 0; i < d->u.itf.nall; i++)
        gen_proxy_proto(b, d, d->u.itf.all[i], ");");
}

void gen_header(const gen_opts *o, strbuf *b)
{
    char *guard = gen_guard(o);
    gen_banner(b, o, ".h",
               "C types, constants and type descriptors; for each interface its\n"
               " * argument structs, operation tables, servant struct and proxies");
    sb_puts(
        b, "/*\n"
           " * The C mapping (docs/midl.md): IDL integers are <stdint.h> types, boolean is\n"
           " * bool, string is char * (UTF-8, NUL-terminated), enums are int32_t, a sequence\n"
           " * is {uint32_t len; T *data;} (mw_seq's layout), arrays are C arrays, a union is\n"
           " * {discriminator _d; union {...} _u;}, any is mw_any, object references are\n"
           " * mw_objref. Decoded values live in the arena given to the decoder.\n");
    if (gen_needs_rmi())
        sb_puts(
            b,
            " *\n"
            " * SERVANTS. For interface I, I_servant holds one function per operation\n"
            " * (inherited ones included). Each gets the servant's self pointer, the in\n"
            " * arguments by value (by const pointer for strings, structs, unions, sequences,\n"
            " * arrays, any and object references), the inout and out arguments and the\n"
            " * result by pointer: allocate what they point to in _env->arena. Each returns\n"
            " * 0, a negative MW_E... code, or mw_rmi_raise(_env, &E_exception, &value) for "
            "an\n"
            " * exception E of its raises list. A NULL member answers MW_ENOTSUP.\n"
            " *\n"
            " * PROXIES. I_op(_proxy, arguments..., _arena) calls op on the object _proxy\n"
            " * refers to and blocks until the reply (a oneway operation: until the request\n"
            " * is sent). Results, and a raised exception's members, are allocated in _arena.\n"
            " * Returns 0, a negative MW_E... code, or MW_RMI_EUSER when the object raised an\n"
            " * exception (_proxy->exception says which, _proxy->exception_value holds it).\n");
    sb_puts(b, " */\n");
    sb_printf(b, "#ifndef %s\n#define %s\n\n#include <midway/marshal.h>\n", guard, guard);
    if (gen_needs_rmi())
        sb_puts(b, "#include <midway/rmi.h>\n");
    const uint32_t *inc;
    size_t ninc = pp_main_includes(&inc);
    if (ninc)
        sb_putc(b, '\n');
    for (size_t i = 0; i < ninc; i++) {
        const char *path = src_get(inc[i])->path;
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t len = strlen(base);
        if (len > 4 && strcmp(base + len - 4, ".idl") == 0)
            len -= 4;
        sb_printf(b, "#include \"%.*s.h\"\n", (int)len, base);
    }
    sb_puts(b, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
    for (size_t i = 0; i < prog.n; i++) {
        const prog_item *it = &prog.v[i];
        const decl *d = it->d;
        if (!it->main_file || d->invalid)
            continue;
        if (it->forward) {
            sb_printf(b,
                      "\n/* %s %s (declared forward) */\ntypedef struct %s %s;\n"
                      "extern const mw_type %s_type;\n",
                      decl_kind_name(d->kind), d->scoped, d->cname, d->cname, d->cname);
            continue;
        }
        switch (d->kind) {
        case DK_STRUCT:
            comment(b, d);
            struct_type(b, d, d->u.st.v, d->u.st.n);
            break;
        case DK_UNION:
            comment(b, d);
            union_type(b, d);
            break;
        case DK_ENUM:
            comment(b, d);
            enum_type(b, d);
            break;
        case DK_TYPEDEF:
            comment(b, d);
            typedef_type(b, d);
            break;
        case DK_CONST: {
            char *t = type_describe(d->u.cn.type);
            sb_printf(b, "\n/* const %s %s */\n#define %s ", t, d->scoped, d->cname);
            c_const_value(b, d);
            sb_putc(b, '\n');
            xfree(t);
            continue;
        }
        case DK_EXCEPTION:
            sb_printf(b, "\n/* exception %s (%s) */\n", d->scoped, d->repo_id);
            if (d->u.st.n)
                struct_type(b, d, d->u.st.v, d->u.st.n);
            sb_printf(b,
                      "extern const mw_type %s_type;\nextern const mw_rmi_exception "
                      "%s_exception;\n",
                      d->cname, d->cname);
            continue;
        case DK_INTERFACE:
            interface(b, d);
            continue;
        default:
            continue;
        }
        sb_printf(b, "extern const mw_type %s_type;\n", d->cname);
    }
    sb_printf(b, "\n#ifdef __cplusplus\n}\n#endif\n#endif /* %s */\n", guard);
    xfree(guard);
}

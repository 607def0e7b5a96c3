/* gen_server.c - FOO_server.c: for every interface of FOO.idl, one function per
 * operation that unpacks the decoded in struct into a call of the servant's function,
 * and the dispatch table (mw_rmi_skeleton) from operation id to those functions, sorted
 * by id for a binary search. */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static int by_id(const void *a, const void *b)
{
    uint32_t x = (*(const decl *const *)a)->u.op.id, y = (*(const decl *const *)b)->u.op.id;
    return x < y ? -1 : x > y;
}

static void skel(strbuf *b, const decl *itf, const decl *op)
{
    char *fn = xasprintf("midl_%s_%s_skel", itf->cname, op->name);
    char *head = xasprintf("\nstatic int %s(", fn);
    const char *params[] = {"const void *_servant", "void *_self", "void *_in", "void *_out",
                            "mw_rmi_env *_env"};
    gen_proto(b, head, params, 5, ")");
    sb_printf(b, "{\n    const %s_servant *_s = _servant;\n", itf->cname);
    bool in = op_has_in(op), out = op_has_out(op);
    if (in)
        sb_printf(b, "    const %s_in *_i = _in;\n", op->cname);
    if (out)
        sb_printf(b, "    %s_out *_o = _out;\n", op->cname);
    if (!in)
        sb_puts(b, "    (void)_in;\n");
    if (!out)
        sb_puts(b, "    (void)_out;\n");
    const char *fn_member = c_ident(op->name);
    sb_printf(b, "    if (!_s->%s)\n        return MW_ENOTSUP;\n", fn_member);
    const char **args = xmalloc((op->u.op.n + 3) * sizeof *args);
    size_t n = 0;
    args[n++] = "_self";
    for (uint32_t i = 0; i < op->u.op.n; i++) {
        const param *pm = &op->u.op.v[i];
        const char *f = pm->m.cname;
        if (pm->dir == DIR_INOUT) {
            /* the servant updates the value in place, in the out struct */
            if (type_is_array(pm->m.type))
                sb_printf(b, "    memcpy(&_o->%s, &_i->%s, sizeof _o->%s);\n", f, f, f);
            else
                sb_printf(b, "    _o->%s = _i->%s;\n", f, f);
        }
        if (pm->dir != DIR_IN)
            args[n++] = xasprintf("&_o->%s", f);
        else if (pass_of(pm->m.type) == PASS_POINTER)
            args[n++] = xasprintf("&_i->%s", f);
        else
            args[n++] = xasprintf("_i->%s", f);
    }
    if (op->u.op.ret->kind != TY_VOID)
        args[n++] = "&_o->_result";
    args[n++] = "_env";
    char *call = xasprintf("    return _s->%s(", fn_member);
    gen_proto(b, call, args, n, ");");
    sb_puts(b, "}\n");
    xfree(call);
    xfree(args);
    xfree(head);
}

static void skeleton(strbuf *b, const decl *d)
{
    sb_printf(b, "\n/* interface %s */\n", d->scoped);
    for (uint32_t k = 0; k < d->u.itf.nall; k++)
        skel(b, d, d->u.itf.all[k]);
    const char *entries = "NULL";
    if (d->u.itf.nall) {
        const decl **v = xmalloc(d->u.itf.nall * sizeof *v);
        memcpy(v, d->u.itf.all, d->u.itf.nall * sizeof *v);
        qsort(v, d->u.itf.nall, sizeof *v, by_id);
        entries = xasprintf("midl_%s_entries", d->cname);
        cname_register(entries, d->loc, "generated table");
        sb_printf(b,
                  "\n/* sorted by operation id */\nstatic const mw_rmi_skel_entry %s[] = {\n",
                  entries);
        for (uint32_t k = 0; k < d->u.itf.nall; k++) {
            strbuf line = {0};
            sb_printf(&line, "    {&%s_op, midl_%s_%s_skel},", v[k]->cname, d->cname,
                      v[k]->name);
            if (line.len > 96) {
                sb_free(&line);
                sb_printf(&line, "    {&%s_op,\n     midl_%s_%s_skel},", v[k]->cname, d->cname,
                          v[k]->name);
            }
            sb_printf(b, "%s\n", sb_cstr(&line));
            sb_free(&line);
        }
        sb_puts(b, "};\n");
        xfree(v);
    }
    const char *items[] = {xasprintf("&%s_interface", d->cname), entries,
                           xasprintf("%u", d->u.itf.nall)};
    char *head = xasprintf("const mw_rmi_skeleton %s_skeleton = {", d->cname);
    gen_init(b, head, items, 3, "};");
    xfree(head);
}

void gen_server(const gen_opts *o, strbuf *b)
{
    gen_banner(b, o, "_server.c", "skeletons");
    sb_printf(b, "#include <string.h>\n\n#include \"%s.h\"\n", o->base);
    bool any = false;
    for (size_t i = 0; i < prog.n; i++) {
        const prog_item *it = &prog.v[i];
        if (!it->main_file || it->forward || it->d->invalid || it->d->kind != DK_INTERFACE)
            continue;
        any = true;
        skeleton(b, it->d);
    }
    if (!any)
        sb_printf(b, "\n/* %s declares no interfaces. */\n", o->idl_name);
}

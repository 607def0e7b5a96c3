/* gen_client.c - FOO_client.c: a proxy function per operation of every interface of
 * FOO.idl (inherited operations included). A proxy points at its in arguments, calls
 * mw_rmi_invoke with the operation's table, and copies the results out of the decoded
 * out struct; marshalling is the binding's, driven by the descriptors. */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* Copies a result from the out struct to where the caller's pointer points. */
static void copy_out(strbuf *b, const type *t, const char *dst, const char *field)
{
    if (type_is_array(t))
        sb_printf(b, "        memcpy(%s, &_out.%s, sizeof *%s);\n", dst, field, dst);
    else
        sb_printf(b, "        *%s = _out.%s;\n", dst, field);
}

static void proxy(strbuf *b, const decl *itf, const decl *op)
{
    sb_putc(b, '\n');
    gen_proxy_proto(b, itf, op, ")");
    sb_puts(b, "{\n");
    const char *in = "NULL";
    if (op_has_in(op)) {
        in = "_in";
        strbuf init = {0};
        const char **items = xmalloc(op->u.op.n * sizeof *items);
        size_t n = 0;
        for (uint32_t i = 0; i < op->u.op.n; i++) {
            const param *pm = &op->u.op.v[i];
            if (pm->dir == DIR_OUT)
                continue;
            bool addr = pm->dir == DIR_IN && pass_of(pm->m.type) != PASS_POINTER;
            items[n++] = xasprintf("%s%s", addr ? "&" : "", pm->m.cname);
        }
        gen_init(&init, "    const void *const _in[] = {", items, n, "};");
        sb_puts(b, sb_cstr(&init));
        sb_free(&init);
        xfree(items);
    }
    if (!op_has_out(op)) {
        sb_printf(b, "    return mw_rmi_invoke(_proxy, &%s_op, %s, NULL, _arena);\n}\n",
                  op->cname, in);
        return;
    }
    sb_printf(b, "    %s_out _out;\n    memset(&_out, 0, sizeof _out);\n", op->cname);
    sb_printf(b, "    int _rc = mw_rmi_invoke(_proxy, &%s_op, %s, &_out, _arena);\n", op->cname,
              in);
    sb_puts(b, "    if (_rc == 0) {\n");
    if (op->u.op.ret->kind != TY_VOID)
        copy_out(b, op->u.op.ret, "_result", "_result");
    for (uint32_t i = 0; i < op->u.op.n; i++) {
        const param *pm = &op->u.op.v[i];
        if (pm->dir != DIR_IN)
            copy_out(b, pm->m.type, pm->m.cname, pm->m.cname);
    }
    sb_puts(b, "    }\n    return _rc;\n}\n");
}

void gen_client(const gen_opts *o, strbuf *b)
{
    gen_banner(b, o, "_client.c", "client proxies");
    sb_printf(b, "#include <string.h>\n\n#include \"%s.h\"\n", o->base);
    bool any = false;
    for (size_t i = 0; i < prog.n; i++) {
        const prog_item *it = &prog.v[i];
        const decl *d = it->d;
        if (!it->main_file || it->forward || d->invalid || d->kind != DK_INTERFACE)
            continue;
        any = true;
        sb_printf(b, "\n/* interface %s */\n", d->scoped);
        for (uint32_t k = 0; k < d->u.itf.nall; k++)
            proxy(b, d, d->u.itf.all[k]);
    }
    if (!any)
        sb_printf(b, "\n/* %s declares no interfaces. */\n", o->idl_name);
}

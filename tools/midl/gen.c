/* gen.c - the C spelling of IDL types, shared by the generators. The mapping (docs/midl.md):
 * numbers as <stdint.h> types, boolean as bool, string as char *, enums as int32_t,
 * sequences as {uint32_t len; T *data;} (the layout of mw_seq), arrays as C arrays,
 * structs as structs, unions as {discriminator _d; union {...} _u;}, any as mw_any,
 * object references as mw_objref. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static const char *scalar(type_kind k)
{
    switch (k) {
    case TY_BOOLEAN:
        return "bool";
    case TY_OCTET:
        return "uint8_t";
    case TY_CHAR:
        return "char";
    case TY_SHORT:
        return "int16_t";
    case TY_USHORT:
        return "uint16_t";
    case TY_LONG:
        return "int32_t";
    case TY_ULONG:
        return "uint32_t";
    case TY_LONGLONG:
        return "int64_t";
    case TY_ULONGLONG:
        return "uint64_t";
    case TY_FLOAT:
        return "float";
    case TY_DOUBLE:
        return "double";
    case TY_STRING:
        return "char *";
    case TY_ANY:
        return "mw_any";
    case TY_OBJECT:
        return "mw_objref";
    default:
        return "void";
    }
}

const char *c_type(const type *t)
{
    if (t->kind == TY_NAMED)
        return t->decl->cname;
    return scalar(t->kind);
}

/* Appends "TYPE NAME" with the right spacing ("char *x", "int32_t x"). */
static void join(strbuf *b, const char *ty, const char *name)
{
    sb_puts(b, ty);
    if (ty[strlen(ty) - 1] != '*')
        sb_putc(b, ' ');
    sb_puts(b, name);
}

/* The declaration of the pointer to a sequence's elements: "int32_t *data",
 * "struct M_Node *data" (the tag, so a struct can hold a sequence of itself). */
void c_seq_data(strbuf *b, const type *elem)
{
    if (elem->kind == TY_SEQUENCE) {
        c_member(b, elem, "*data");
        return;
    }
    if (elem->kind == TY_NAMED &&
        (elem->decl->kind == DK_STRUCT || elem->decl->kind == DK_UNION)) {
        sb_printf(b, "struct %s *data", elem->decl->cname);
        return;
    }
    join(b, c_type(elem), "*data");
}

void c_member(strbuf *b, const type *t, const char *name)
{
    strbuf dims = {0};
    while (t->kind == TY_ARRAY) {
        sb_printf(&dims, "[%u]", t->bound);
        t = t->elem;
    }
    char *full = xasprintf("%s%s", name, sb_cstr(&dims));
    if (t->kind == TY_SEQUENCE) {
        sb_puts(b, "struct { uint32_t len; ");
        c_seq_data(b, t->elem);
        sb_puts(b, "; } ");
        sb_puts(b, full);
    } else {
        join(b, c_type(t), full);
    }
    xfree(full);
    sb_free(&dims);
}

char *c_sizeof(const type *t)
{
    strbuf dims = {0};
    while (t->kind == TY_ARRAY) {
        sb_printf(&dims, "[%u]", t->bound);
        t = t->elem;
    }
    const char *base = t->kind == TY_SEQUENCE ? "mw_seq" : c_type(t);
    char *r = xasprintf("%s%s", base, sb_cstr(&dims));
    sb_free(&dims);
    return r;
}

char *c_alignof(const type *t)
{
    while (t->kind == TY_ARRAY)
        t = t->elem;
    return xstrdup(t->kind == TY_SEQUENCE ? "mw_seq" : c_type(t));
}

bool type_is_anon(const type *t)
{
    return t->kind == TY_SEQUENCE || t->kind == TY_ARRAY || (t->kind == TY_STRING && t->bound);
}

bool type_is_array(const type *t)
{
    return type_unalias(t)->kind == TY_ARRAY;
}

/* The static descriptor's name, from the type's structure, so equal types share one. */
static void anon_key(strbuf *b, const type *t)
{
    switch (t->kind) {
    case TY_SEQUENCE:
        if (t->bound)
            sb_printf(b, "seq%u_", t->bound);
        else
            sb_puts(b, "seq_");
        anon_key(b, t->elem);
        break;
    case TY_ARRAY:
        sb_printf(b, "arr%u_", t->bound);
        anon_key(b, t->elem);
        break;
    case TY_STRING:
        sb_puts(b, "string");
        if (t->bound)
            sb_printf(b, "%u", t->bound);
        break;
    case TY_NAMED:
        sb_puts(b, t->decl->cname);
        break;
    case TY_OBJECT:
        sb_puts(b, "objref");
        break;
    case TY_USHORT:
        sb_puts(b, "ushort");
        break;
    case TY_ULONG:
        sb_puts(b, "ulong");
        break;
    case TY_LONGLONG:
        sb_puts(b, "longlong");
        break;
    case TY_ULONGLONG:
        sb_puts(b, "ulonglong");
        break;
    default:
        sb_puts(b, type_describe(t));
        break;
    }
}

const char *c_desc(const type *t)
{
    type *m = (type *)(uintptr_t)t; /* the cache lives in the type */
    if (m->desc)
        return m->desc;
    if (t->kind == TY_STRING && !t->bound)
        return m->desc = "&mw_t_string";
    switch (t->kind) {
    case TY_NAMED:
        m->desc = xasprintf("&%s_type", t->decl->cname);
        break;
    case TY_OBJECT:
        m->desc = "&mw_t_objref";
        break;
    case TY_STRING:
    case TY_SEQUENCE:
    case TY_ARRAY: {
        strbuf b = {0};
        sb_puts(&b, "midl_");
        anon_key(&b, t);
        m->desc = xasprintf("&%s", b.data);
        sb_free(&b);
        break;
    }
    default: {
        strbuf b = {0};
        sb_puts(&b, "&mw_t_");
        anon_key(&b, t);
        m->desc = b.data;
        break;
    }
    }
    return m->desc;
}

pass_kind pass_of(const type *t)
{
    const type *u = type_unalias(t);
    if (u->kind == TY_STRING)
        return PASS_STRING;
    if (u->kind == TY_NAMED && u->decl->kind == DK_ENUM)
        return PASS_VALUE;
    if (u->kind <= TY_DOUBLE)
        return PASS_VALUE;
    return PASS_POINTER;
}

void c_param(strbuf *b, const type *t, pdir dir, const char *name)
{
    if (dir != DIR_IN) {
        char *p = xasprintf("*%s", name);
        join(b, c_type(t), p);
        xfree(p);
        return;
    }
    switch (pass_of(t)) {
    case PASS_VALUE:
        join(b, c_type(t), name);
        break;
    case PASS_STRING:
        sb_printf(b, "const char *%s", name);
        break;
    case PASS_POINTER:
        sb_printf(b, "const %s *%s", c_type(t), name);
        break;
    }
}

void c_string_literal(strbuf *b, const char *s, size_t n)
{
    sb_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            sb_printf(b, "\\%c", c);
        else if (c == '?' && i + 1 < n && s[i + 1] == '?')
            sb_puts(b, "\\?"); /* no trigraphs */
        else if (c >= 0x20 && c < 0x7f)
            sb_putc(b, (char)c);
        else
            sb_printf(b, "\\%03o", c); /* three digits: a following digit cannot join */
    }
    sb_putc(b, '"');
}

void c_int64(strbuf *b, int64_t v)
{
    if (v == INT64_MIN)
        sb_puts(b, "(-INT64_C(9223372036854775807) - 1)");
    else if (v > INT32_MAX || v < INT32_MIN)
        sb_printf(b, "INT64_C(%lld)", (long long)v);
    else
        sb_printf(b, "%lld", (long long)v);
}

static void put_i128(strbuf *b, i128 v)
{
    char buf[48], *e = buf + sizeof buf - 1;
    *e = 0;
    bool neg = v < 0;
    u128 u = neg ? (u128)(-(v + 1)) + 1 : (u128)v;
    do {
        *--e = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (neg)
        *--e = '-';
    sb_puts(b, e);
}

static void put_double(strbuf *b, double v, bool is_float)
{
    char buf[64];
    snprintf(buf, sizeof buf, is_float ? "%.9g" : "%.17g", v);
    sb_puts(b, buf);
    if (!strpbrk(buf, ".eEn"))
        sb_puts(b, ".0");
    if (is_float)
        sb_putc(b, 'f');
}

void c_const_value(strbuf *b, const decl *d)
{
    const cval *v = &d->u.cn.v;
    const type *t = type_unalias(d->u.cn.type);
    switch (v->kind) {
    case CV_INT:
        switch (t->kind) {
        case TY_LONGLONG:
            if (v->i == INT64_MIN)
                sb_puts(b, "(-INT64_C(9223372036854775807) - 1)");
            else {
                sb_puts(b, "INT64_C(");
                put_i128(b, v->i);
                sb_putc(b, ')');
            }
            break;
        case TY_ULONGLONG:
            sb_puts(b, "UINT64_C(");
            put_i128(b, v->i);
            sb_putc(b, ')');
            break;
        case TY_ULONG:
            sb_puts(b, "UINT32_C(");
            put_i128(b, v->i);
            sb_putc(b, ')');
            break;
        default:
            if (t->kind == TY_LONG && v->i == INT32_MIN) {
                sb_puts(b, "((int32_t)(-2147483647 - 1))");
                break;
            }
            sb_printf(b, "((%s)", scalar(t->kind));
            put_i128(b, v->i);
            sb_putc(b, ')');
            break;
        }
        break;
    case CV_FLOAT:
        put_double(b, v->f, t->kind == TY_FLOAT);
        break;
    case CV_BOOL:
        sb_puts(b, v->i ? "true" : "false");
        break;
    case CV_CHAR: {
        int c = (int)v->i;
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
            sb_printf(b, "'%c'", c);
        else
            sb_printf(b, "((char)%d)", c);
        break;
    }
    case CV_STRING:
        c_string_literal(b, v->s, v->slen);
        break;
    case CV_ENUM:
        sb_puts(b, v->item->cname);
        break;
    }
}

void gen_banner(strbuf *b, const gen_opts *o, const char *suffix, const char *what)
{
    sb_printf(b, "/* %s%s - generated by midl from %s. Do not edit.\n * %s. */\n", o->base,
              suffix, o->idl_name, what);
}

char *gen_guard(const gen_opts *o)
{
    strbuf b = {0};
    sb_puts(&b, "MIDL_");
    for (const char *s = o->base; *s; s++) {
        char c = *s;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            c = '_';
        sb_putc(&b, c);
    }
    sb_puts(&b, "_H");
    return b.data;
}

void gen_init(strbuf *b, const char *head, const char *const *items, size_t n, const char *tail)
{
    /* On one line when it fits; else, as clang-format lays it out, the items from the
     * next line on, indented by 4, wrapped at 96 columns. */
    size_t total = strlen(head) + strlen(tail);
    for (size_t i = 0; i < n; i++)
        total += strlen(items[i]) + 2;
    sb_puts(b, head);
    size_t col = 4;
    if (total <= 96) {
        col = 0;
    } else {
        sb_puts(b, "\n    ");
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]) + (i + 1 < n ? 1 : strlen(tail));
        if (i > 0 && col + 1 + len > 96) {
            sb_puts(b, "\n    ");
            col = 4;
        } else if (i > 0) {
            sb_putc(b, ' ');
            col++;
        }
        sb_puts(b, items[i]);
        col += strlen(items[i]);
        if (i + 1 < n) {
            sb_putc(b, ',');
            col++;
        }
    }
    sb_puts(b, tail);
    sb_putc(b, '\n');
}

bool gen_needs_rmi(void)
{
    for (size_t i = 0; i < prog.n; i++)
        if (prog.v[i].main_file && !prog.v[i].forward &&
            (prog.v[i].d->kind == DK_INTERFACE || prog.v[i].d->kind == DK_EXCEPTION))
            return true;
    return false;
}

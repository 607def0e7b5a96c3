/* ast.c - memory, strings, and the small helpers of the AST (types, declarations, the
 * program list). */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

/* ---- memory ------------------------------------------------------------------------- */

/* Every block carries a header linking it into one list, so xfree_all can release
 * everything at once: the fuzz target runs many inputs in one process. The command frees
 * little as it goes and leaves the rest to its exit, as compilers do. */
typedef union hdr {
    struct {
        union hdr *prev, *next;
    } l;
    max_align_t align; /* blocks stay aligned for any type */
} hdr;

static hdr blocks = {.l = {&blocks, &blocks}};

static void *check(void *p)
{
    if (!p) {
        fprintf(stderr, "midl: out of memory\n");
        diag_fatal();
    }
    return p;
}

static void *link_block(hdr *h)
{
    h->l.prev = &blocks;
    h->l.next = blocks.l.next;
    blocks.l.next->l.prev = h;
    blocks.l.next = h;
    return h + 1;
}

static void unlink_block(hdr *h)
{
    h->l.prev->l.next = h->l.next;
    h->l.next->l.prev = h->l.prev;
}

void *xmalloc(size_t n)
{
    if (n > SIZE_MAX - sizeof(hdr))
        check(NULL);
    return link_block(check(malloc(sizeof(hdr) + n)));
}

void *xcalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        check(NULL);
    void *p = xmalloc(n * size);
    memset(p, 0, n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    if (!p)
        return xmalloc(n);
    if (n > SIZE_MAX - sizeof(hdr))
        check(NULL);
    hdr *h = (hdr *)p - 1;
    unlink_block(h);
    hdr *r = realloc(h, sizeof(hdr) + n);
    if (!r) {
        link_block(h);
        check(NULL);
    }
    return link_block(r);
}

void xfree(void *p)
{
    if (!p)
        return;
    hdr *h = (hdr *)p - 1;
    unlink_block(h);
    free(h);
}

void xfree_all(void)
{
    while (blocks.l.next != &blocks) {
        hdr *h = blocks.l.next;
        unlink_block(h);
        free(h);
    }
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *r = xmalloc(n + 1);
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

char *xasprintf(const char *fmt, ...)
{
    strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return xstrdup("");
    b.data = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b.data, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return b.data;
}

static void sb_reserve(strbuf *b, size_t more)
{
    if (more > SIZE_MAX / 2 - b->len) {
        fprintf(stderr, "midl: out of memory\n");
        diag_fatal();
    }
    if (b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void sb_putn(strbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void sb_putc(strbuf *b, char c)
{
    sb_putn(b, &c, 1);
}
void sb_puts(strbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *sb_cstr(strbuf *b)
{
    return b->data ? b->data : "";
}

void sb_free(strbuf *b)
{
    xfree(b->data);
    *b = (strbuf){0};
}

int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y || !x)
            return x - y;
    }
}

/* ---- types -------------------------------------------------------------------------- */

static type basics[TY_OBJECT + 1];

void ast_reset(void)
{
    memset(basics, 0, sizeof basics);
}

type *type_basic(type_kind k)
{
    if (k > TY_OBJECT || k == TY_STRING)
        return type_new(k);
    basics[k].kind = k;
    return &basics[k];
}

type *type_new(type_kind k)
{
    type *t = xcalloc(1, sizeof *t);
    t->kind = k;
    return t;
}

const type *type_unalias(const type *t)
{
    /* Typedef chains are finite: each typedef names an earlier type. */
    while (t && t->kind == TY_NAMED && t->decl->kind == DK_TYPEDEF)
        t = t->decl->u.td.type;
    return t;
}

bool type_is_integer(type_kind k)
{
    switch (k) {
    case TY_OCTET:
    case TY_SHORT:
    case TY_USHORT:
    case TY_LONG:
    case TY_ULONG:
    case TY_LONGLONG:
    case TY_ULONGLONG:
        return true;
    default:
        return false;
    }
}

bool type_is_unsigned(type_kind k)
{
    return k == TY_OCTET || k == TY_USHORT || k == TY_ULONG || k == TY_ULONGLONG;
}

bool type_is_discriminator(const type *t)
{
    t = type_unalias(t);
    if (!t)
        return false;
    if (t->kind == TY_NAMED)
        return t->decl->kind == DK_ENUM;
    return type_is_integer(t->kind) || t->kind == TY_CHAR || t->kind == TY_BOOLEAN;
}

static void describe(strbuf *b, const type *t)
{
    static const char *const names[] = {
        [TY_VOID] = "void",
        [TY_BOOLEAN] = "boolean",
        [TY_OCTET] = "octet",
        [TY_CHAR] = "char",
        [TY_SHORT] = "short",
        [TY_USHORT] = "unsigned short",
        [TY_LONG] = "long",
        [TY_ULONG] = "unsigned long",
        [TY_LONGLONG] = "long long",
        [TY_ULONGLONG] = "unsigned long long",
        [TY_FLOAT] = "float",
        [TY_DOUBLE] = "double",
        [TY_ANY] = "any",
    };
    switch (t->kind) {
    case TY_STRING:
        if (t->bound)
            sb_printf(b, "string<%u>", t->bound);
        else
            sb_puts(b, "string");
        break;
    case TY_OBJECT:
        sb_puts(b, t->decl ? t->decl->scoped : "Object");
        break;
    case TY_SEQUENCE:
        sb_puts(b, "sequence<");
        describe(b, t->elem);
        if (t->bound)
            sb_printf(b, ", %u", t->bound);
        sb_putc(b, '>');
        break;
    case TY_ARRAY:
        describe(b, t->elem);
        sb_printf(b, "[%u]", t->bound);
        break;
    case TY_NAMED:
        sb_puts(b, t->decl->scoped);
        break;
    default:
        sb_puts(b, names[t->kind]);
        break;
    }
}

char *type_describe(const type *t)
{
    strbuf b = {0};
    describe(&b, t);
    return b.data ? b.data : xstrdup("");
}

/* ---- declarations and the program ----------------------------------------------------- */

decl *decl_new(decl_kind k, const char *name, loc l)
{
    decl *d = xcalloc(1, sizeof *d);
    d->kind = k;
    d->name = name;
    d->loc = l;
    return d;
}

const char *decl_kind_name(decl_kind k)
{
    static const char *const names[] = {
        [DK_MODULE] = "module",       [DK_INTERFACE] = "interface",
        [DK_STRUCT] = "struct",       [DK_UNION] = "union",
        [DK_ENUM] = "enum",           [DK_ENUMERATOR] = "enumerator",
        [DK_TYPEDEF] = "typedef",     [DK_CONST] = "constant",
        [DK_EXCEPTION] = "exception", [DK_OPERATION] = "operation",
        [DK_ATTRIBUTE] = "attribute",
    };
    return names[k];
}

program prog;

void prog_append(decl *d, bool forward, bool main_file)
{
    if (prog.n == prog.cap) {
        prog.cap = prog.cap ? prog.cap * 2 : 64;
        prog.v = xrealloc(prog.v, prog.cap * sizeof *prog.v);
    }
    prog.v[prog.n++] = (prog_item){d, forward, main_file};
}

bool op_has_in(const decl *op)
{
    for (uint32_t i = 0; i < op->u.op.n; i++)
        if (op->u.op.v[i].dir != DIR_OUT)
            return true;
    return false;
}

bool op_has_out(const decl *op)
{
    if (op->u.op.ret->kind != TY_VOID)
        return true;
    for (uint32_t i = 0; i < op->u.op.n; i++)
        if (op->u.op.v[i].dir != DIR_IN)
            return true;
    return false;
}

uint32_t fnv1a(const char *s)
{
    uint32_t h = 0x811C9DC5u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x01000193u;
    return h;
}

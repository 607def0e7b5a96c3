/* parser.c - recursive descent over CORBA IDL (CORBA 3.0, chapter 3, without value types
 * and components), resolving and checking as it goes: IDL declares before use, so a
 * name's meaning is fixed where it is written. After a syntax error the parser skips to
 * the next ';' or '}' of the same level and goes on, so one run reports several errors. */
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* Arrays whose elements number more than this are refused: C compilers and the 32-bit
 * sizes of mw_type would not cope, and no message should carry one. */
#define MAX_ARRAY_ELEMS (1u << 24)

static bool definition(parser *p);
static bool type_spec(parser *p, bool constr, type **out);
static bool struct_dcl(parser *p, type **out);
static bool union_dcl(parser *p, type **out);
static bool enum_dcl(parser *p, type **out);

/* ---- tokens --------------------------------------------------------------------------------
 */


void p_advance(parser *p)
{
    if (p->abort) {
        p->tok.kind = TK_EOF;
        return;
    }
    for (;;) {
        token t = lex_next();
        if (t.kind < TK_PRAGMA) {
            p->tok = t;
            return;
        }
        if (p->npending == p->cappending) {
            p->cappending = p->cappending ? p->cappending * 2 : 8;
            p->pending = xrealloc(p->pending, p->cappending * sizeof *p->pending);
        }
        p->pending[p->npending++] = t;
    }
}

bool p_accept(parser *p, tok_kind k)
{
    if (p->tok.kind == k) {
        p_advance(p);
        return true;
    }
    if (k == TK_GT && p->tok.kind == TK_SHR) {
        /* "sequence<sequence<long>>": the first '>' of '>>' closes the inner list. */
        p->tok.kind = TK_GT;
        p->tok.loc.col++;
        p->tok.loc.off++;
        return true;
    }
    return false;
}

static const char *tok_desc(const token *t)
{
    static char buf[96];
    switch (t->kind) {
    case TK_IDENT:
        snprintf(buf, sizeof buf, "identifier '%.60s'", t->text);
        break;
    case TK_INT:
    case TK_FLOAT:
        return "a number";
    case TK_CHAR:
        return "a character literal";
    case TK_STRING:
        return "a string literal";
    default:
        return tok_name(t->kind);
    }
    return buf;
}

void p_error_expected(parser *p, const char *what)
{
    if (!p->abort)
        error_at(p->tok.loc, "expected %s, found %s", what, tok_desc(&p->tok));
}

bool p_expect(parser *p, tok_kind k, const char *what)
{
    if (p_accept(p, k))
        return true;
    p_error_expected(p, what);
    return false;
}

bool p_enter(parser *p)
{
    if (p->depth >= MIDL_MAX_DEPTH) {
        if (!p->abort)
            error_at(p->tok.loc,
                     "nesting deeper than %d levels; the rest of the file is "
                     "not read",
                     MIDL_MAX_DEPTH);
        p->abort = true;
        p->tok.kind = TK_EOF;
        return false;
    }
    p->depth++;
    return true;
}

void p_leave(parser *p)
{
    p->depth--;
}

bool p_scoped_name(parser *p, scoped_name *out)
{
    *out = (scoped_name){.loc = p->tok.loc};
    size_t cap = 0;
    out->absolute = p_accept(p, TK_SCOPE);
    for (;;) {
        if (p->tok.kind != TK_IDENT) {
            p_error_expected(p, out->n ? "an identifier after '::'" : "a name");
            return false;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 4;
            out->parts = xrealloc(out->parts, cap * sizeof *out->parts);
        }
        out->parts[out->n++] = p->tok.text;
        p_advance(p);
        if (!p_accept(p, TK_SCOPE))
            return true;
    }
}

static bool ident(parser *p, token *out)
{
    if (p->tok.kind != TK_IDENT) {
        p_error_expected(p, "an identifier");
        return false;
    }
    *out = p->tok;
    p_advance(p);
    return true;
}

/* Skips to the end of the broken declaration: past the next ';' of this level, or past a
 * whole '{...}' block (and a ';' after it), or up to a '}' that closes this level. */
static void sync(parser *p)
{
    int depth = 0;
    for (;;) {
        switch (p->tok.kind) {
        case TK_EOF:
            return;
        case TK_LBRACE:
            depth++;
            break;
        case TK_RBRACE:
            if (depth == 0)
                return;
            p_advance(p);
            if (--depth == 0) {
                p_accept(p, TK_SEMI);
                return;
            }
            continue;
        case TK_SEMI:
            if (depth == 0) {
                p_advance(p);
                return;
            }
            break;
        default:
            break;
        }
        p_advance(p);
    }
}

/* A ';' that is missing is reported and taken as present: the next token most likely
 * starts the next declaration. */
static void expect_semi(parser *p, const char *after)
{
    if (!p_accept(p, TK_SEMI) && !p->abort)
        error_at(p->tok.loc, "expected ';' after %s, found %s", after, tok_desc(&p->tok));
}

/* The '}' closing a body opened at `open`. At the end of the file the error points at
 * the '{' that was never closed, which is where the mistake is. */
static bool expect_close(parser *p, loc open, const char *what, const char *name)
{
    if (p_accept(p, TK_RBRACE))
        return true;
    if (p->abort)
        return false;
    if (p->tok.kind == TK_EOF)
        error_at(open, "the %s '%s' is never closed: '}' missing before the end of the file",
                 what, name);
    else
        error_at(p->tok.loc, "expected '}' at the end of the %s '%s', found %s", what, name,
                 tok_desc(&p->tok));
    return false;
}

/* Annotations (IDL 4: "@name" or "@name(...)") are read and ignored, with a warning. */
static void annotations(parser *p)
{
    while (p->tok.kind == TK_AT) {
        loc l = p->tok.loc;
        p_advance(p);
        if (p->tok.kind == TK_IDENT)
            warning_at(l, "annotation '@%s' ignored", p->tok.text);
        else
            warning_at(l, "annotation ignored");
        if (p->tok.kind == TK_IDENT)
            p_advance(p);
        if (p->tok.kind == TK_LPAREN) {
            int depth = 0;
            do {
                depth += p->tok.kind == TK_LPAREN;
                depth -= p->tok.kind == TK_RPAREN;
                p_advance(p);
            } while (depth > 0 && p->tok.kind != TK_EOF && p->tok.kind != TK_SEMI);
        }
    }
}

/* ---- declarations ---------------------------------------------------------------------- */

static const char *make_repo_id(parser *p, const char *scoped)
{
    strbuf b = {0};
    sb_puts(&b, "IDL:");
    if (*p->prefix)
        sb_printf(&b, "%s/", p->prefix);
    for (const char *s = scoped; *s; s++) {
        if (s[0] == ':' && s[1] == ':') {
            sb_putc(&b, '/');
            s++;
        } else {
            sb_putc(&b, *s);
        }
    }
    sb_puts(&b, ":1.0");
    return b.data;
}

/* A new declaration named by `name`, in the current scope (not yet entered in it). */
static decl *new_decl(parser *p, decl_kind k, const token *name)
{
    decl *d = decl_new(k, name->text, name->loc);
    d->parent = p->owner;
    d->main_file = name->loc.file == 0;
    if (d->parent) {
        d->scoped = xasprintf("%s::%s", d->parent->scoped, d->name);
        d->cname = xasprintf("%s_%s", d->parent->cname, d->name);
    } else {
        d->scoped = d->name;
        d->cname = c_ident(d->name);
        if (strncmp(d->name, "midl_", 5) == 0)
            error_at(name->loc, "names starting with 'midl_' are reserved for the generated "
                                "code");
    }
    d->repo_id = make_repo_id(p, d->scoped);
    return d;
}

/* The C names a type declaration defines: the type, and its descriptor. */
static void register_type(decl *d)
{
    cname_register(d->cname, d->loc, decl_kind_name(d->kind));
    cname_register(xasprintf("%s_type", d->cname), d->loc, "type descriptor");
}

typedef struct saved_scope {
    scope *scope;
    decl *owner;
    const char *prefix;
} saved_scope;

static saved_scope enter_scope(parser *p, decl *d)
{
    saved_scope s = {p->scope, p->owner, p->prefix};
    p->scope = d->scope;
    p->owner = d;
    return s;
}

static void leave_scope(parser *p, saved_scope s)
{
    p->scope = s.scope;
    p->owner = s.owner;
    p->prefix = s.prefix;
}

/* ---- types ------------------------------------------------------------------------------ */

static type *named_type(decl *d)
{
    type *t = type_new(d->kind == DK_INTERFACE ? TY_OBJECT : TY_NAMED);
    t->decl = d;
    return t;
}

/* The type a resolved name denotes; NULL (reported) when it is no type. */
static type *type_of_decl(decl *d, loc l)
{
    switch (d->kind) {
    case DK_STRUCT:
    case DK_UNION:
    case DK_ENUM:
    case DK_TYPEDEF:
    case DK_INTERFACE:
        return named_type(d);
    case DK_EXCEPTION:
        error_at(l, "'%s' is an exception, which is not a type", d->scoped);
        return NULL;
    default:
        error_at(l, "'%s' is %s %s, not a type", d->scoped,
                 d->kind == DK_ENUMERATOR || d->kind == DK_OPERATION || d->kind == DK_ATTRIBUTE
                     ? "an"
                     : "a",
                 decl_kind_name(d->kind));
        return NULL;
    }
}

static bool sequence_type(parser *p, type **out);

/* base types, string<N>, scoped names; `seq_ok` also sequences. */
static bool simple_type(parser *p, bool seq_ok, type **out)
{
    token t = p->tok;
    switch (t.kind) {
    case TK_SHORT:
        p_advance(p);
        *out = type_basic(TY_SHORT);
        return true;
    case TK_FLOAT_KW:
        p_advance(p);
        *out = type_basic(TY_FLOAT);
        return true;
    case TK_DOUBLE:
        p_advance(p);
        *out = type_basic(TY_DOUBLE);
        return true;
    case TK_CHAR_KW:
        p_advance(p);
        *out = type_basic(TY_CHAR);
        return true;
    case TK_BOOLEAN:
        p_advance(p);
        *out = type_basic(TY_BOOLEAN);
        return true;
    case TK_OCTET:
        p_advance(p);
        *out = type_basic(TY_OCTET);
        return true;
    case TK_ANY:
        p_advance(p);
        *out = type_basic(TY_ANY);
        return true;
    case TK_OBJECT:
        p_advance(p);
        *out = type_basic(TY_OBJECT);
        return true;
    case TK_LONG:
        p_advance(p);
        if (p_accept(p, TK_LONG)) {
            *out = type_basic(TY_LONGLONG);
        } else if (p->tok.kind == TK_DOUBLE) {
            error_at(t.loc, "long double is not supported (no codec has a portable C "
                            "representation for it)");
            p_advance(p);
            *out = type_basic(TY_DOUBLE);
        } else {
            *out = type_basic(TY_LONG);
        }
        return true;
    case TK_UNSIGNED:
        p_advance(p);
        if (p_accept(p, TK_SHORT)) {
            *out = type_basic(TY_USHORT);
        } else if (p_accept(p, TK_LONG)) {
            *out = type_basic(p_accept(p, TK_LONG) ? TY_ULONGLONG : TY_ULONG);
        } else {
            p_error_expected(p, "'short' or 'long' after 'unsigned'");
            return false;
        }
        return true;
    case TK_STRING_KW:
    case TK_WSTRING: {
        p_advance(p);
        type *s = type_new(TY_STRING);
        if (t.kind == TK_WSTRING)
            error_at(t.loc, "wstring is not supported (midl maps string, UTF-8 in C)");
        if (p_accept(p, TK_LT)) {
            p->in_template++;
            bool ok = positive_int(p, &s->bound);
            p->in_template--;
            if (!ok || !p_expect(p, TK_GT, "'>'"))
                return false;
        }
        *out = s;
        return true;
    }
    case TK_WCHAR:
        error_at(t.loc, "wchar is not supported (midl maps char, one byte in C)");
        p_advance(p);
        *out = type_basic(TY_CHAR);
        return true;
    case TK_FIXED:
        error_at(t.loc, "fixed-point types are not supported");
        p_advance(p);
        if (p_accept(p, TK_LT)) {
            while (p->tok.kind != TK_GT && p->tok.kind != TK_EOF && p->tok.kind != TK_SEMI)
                p_advance(p);
            p_accept(p, TK_GT);
        }
        *out = type_basic(TY_DOUBLE);
        return true;
    case TK_VALUEBASE:
        error_at(t.loc, "ValueBase (value types) is not supported");
        p_advance(p);
        *out = type_basic(TY_ANY);
        return true;
    case TK_SEQUENCE:
        if (!seq_ok) {
            error_at(t.loc, "an anonymous sequence cannot be used here; name it with typedef "
                            "(the C mapping needs a type name)");
        }
        return sequence_type(p, out);
    case TK_IDENT:
    case TK_SCOPE: {
        scoped_name n;
        if (!p_scoped_name(p, &n))
            return false;
        decl *d = resolve_name(p->scope, &n);
        *out = d ? type_of_decl(d, n.loc) : NULL;
        if (!*out)
            *out = type_basic(TY_LONG); /* go on as if it were a type */
        return true;
    }
    default:
        p_error_expected(p, "a type");
        return false;
    }
}

static bool sequence_type(parser *p, type **out)
{
    p_advance(p); /* sequence */
    if (!p_expect(p, TK_LT, "'<' after 'sequence'") || !p_enter(p))
        return false;
    type *s = type_new(TY_SEQUENCE);
    p->in_template++;
    bool ok = simple_type(p, true, &s->elem);
    if (ok && p_accept(p, TK_COMMA))
        ok = positive_int(p, &s->bound);
    p->in_template--;
    p_leave(p);
    if (!ok || !p_expect(p, TK_GT, "'>'"))
        return false;
    *out = s;
    return true;
}

/* type_spec: simple types, sequences and (when constr) struct, union and enum
 * definitions. */
static bool type_spec(parser *p, bool constr, type **out)
{
    tok_kind k = p->tok.kind;
    if (k == TK_STRUCT || k == TK_UNION || k == TK_ENUM) {
        if (!constr)
            error_at(p->tok.loc, "a type cannot be defined here");
        if (!p_enter(p))
            return false;
        bool ok = k == TK_STRUCT  ? struct_dcl(p, out)
                  : k == TK_UNION ? union_dcl(p, out)
                                  : enum_dcl(p, out);
        p_leave(p);
        return ok;
    }
    return simple_type(p, true, out);
}

/* A name and its array dimensions; *out is base wrapped in the arrays. */
static bool declarator(parser *p, type *base, token *name, type **out)
{
    if (!ident(p, name))
        return false;
    uint32_t dims[64], n = 0;
    uint64_t elems = 1;
    loc at = p->tok.loc;
    while (p_accept(p, TK_LBRACKET)) {
        uint32_t d;
        if (!positive_int(p, &d) || !p_expect(p, TK_RBRACKET, "']'"))
            return false;
        if (n == 64) {
            error_at(at, "more than 64 array dimensions");
            return false;
        }
        dims[n++] = d;
        elems = elems * d > MAX_ARRAY_ELEMS ? (uint64_t)MAX_ARRAY_ELEMS + 1 : elems * d;
    }
    if (elems > MAX_ARRAY_ELEMS)
        error_at(at, "array of more than %u elements", MAX_ARRAY_ELEMS);
    type *t = base;
    while (n > 0) {
        type *a = type_new(TY_ARRAY);
        a->bound = dims[--n];
        a->elem = t;
        t = a;
    }
    *out = t;
    return true;
}

/* A struct, union or exception member must be complete: a struct or union still being
 * defined (or only forward declared) can be contained only through a sequence. */
static void check_complete(const type *t, loc l)
{
    for (int guard = 0; t && guard < 10000; guard++) {
        t = type_unalias(t);
        if (t->kind == TY_ARRAY) {
            t = t->elem;
            continue;
        }
        if (t->kind == TY_NAMED && (t->decl->kind == DK_STRUCT || t->decl->kind == DK_UNION) &&
            !t->decl->defined)
            error_at(l,
                     "'%s' is incomplete here: a %s can contain itself only through a "
                     "sequence",
                     t->decl->scoped, decl_kind_name(t->decl->kind));
        return;
    }
}

/* Checks a member name against earlier ones of the same struct, exception or union
 * (IDL: unique without case; C: unique after escaping). */
static void check_member_name(const member *v, uint32_t n, const member *m)
{
    for (uint32_t i = 0; i < n; i++) {
        if (ascii_casecmp(v[i].name, m->name) == 0) {
            error_at(m->loc,
                     strcmp(v[i].name, m->name) == 0
                         ? "duplicate member '%s'"
                         : "member '%s' differs only in case from an earlier one",
                     m->name);
            note_at(v[i].loc, "the earlier member '%s' is here", v[i].name);
            return;
        }
        if (strcmp(v[i].cname, m->cname) == 0) {
            error_at(m->loc, "member '%s' has the same C name as '%s' ('%s')", m->name,
                     v[i].name, m->cname);
            return;
        }
    }
}

static member make_member(const token *name, type *t)
{
    return (member){
        .name = name->text, .cname = c_ident(name->text), .type = t, .loc = name->loc};
}

/* members of a struct or exception: (type_spec declarators ';')* up to '}'. */
static void members(parser *p, decl *d)
{
    uint32_t cap = 0;
    for (;;) {
        flush_events(p);
        if (p->tok.kind == TK_RBRACE || p->tok.kind == TK_EOF)
            return;
        annotations(p);
        type *t;
        if (!type_spec(p, true, &t)) {
            sync(p);
            continue;
        }
        bool ok = true;
        do {
            token name;
            type *mt;
            if (!declarator(p, t, &name, &mt)) {
                ok = false;
                break;
            }
            check_complete(mt, name.loc);
            member m = make_member(&name, mt);
            check_member_name(d->u.st.v, d->u.st.n, &m);
            if (d->u.st.n == cap) {
                cap = cap ? cap * 2 : 8;
                d->u.st.v = xrealloc(d->u.st.v, cap * sizeof *d->u.st.v);
            }
            d->u.st.v[d->u.st.n++] = m;
        } while (p_accept(p, TK_COMMA));
        if (!ok)
            sync(p);
        else
            expect_semi(p, "a member");
    }
}

/* After "struct NAME" or "union NAME": the declaration to define, reusing a forward
 * declaration of the same scope. */
static decl *definable(parser *p, decl_kind k, const token *name)
{
    decl *old = scope_find_local(p->scope, name->text);
    if (old && old->kind == k && !old->defined && strcmp(old->name, name->text) == 0) {
        old->loc = name->loc;
        old->main_file = name->loc.file == 0;
        old->repo_id = make_repo_id(p, old->scoped);
        return old;
    }
    decl *d = new_decl(p, k, name);
    d->invalid = !scope_declare(p->scope, d);
    return d;
}

/* "struct NAME;" or "union NAME;": a forward declaration. */
static void forward_decl(parser *p, decl_kind k, const token *name)
{
    decl *old = scope_find_local(p->scope, name->text);
    if (old && old->kind == k && strcmp(old->name, name->text) == 0)
        return; /* again, or after the definition: nothing new */
    decl *d = new_decl(p, k, name);
    if (!scope_declare(p->scope, d))
        return;
    if (k != DK_INTERFACE) {
        d->forwarded = true;
        register_type(d);
        prog_append(d, true, d->main_file);
        p->forwards = xrealloc(p->forwards, (p->nforwards + 1) * sizeof *p->forwards);
        p->forwards[p->nforwards++] = d;
    }
}

static bool struct_dcl(parser *p, type **out)
{
    p_advance(p);
    token name;
    if (!ident(p, &name))
        return false;
    if (!out && p->tok.kind == TK_SEMI) {
        forward_decl(p, DK_STRUCT, &name);
        return true;
    }
    decl *d = definable(p, DK_STRUCT, &name);
    loc open = p->tok.loc;
    if (!p_expect(p, TK_LBRACE, "'{'"))
        return false;
    d->scope = scope_new(d, p->scope);
    saved_scope s = enter_scope(p, d);
    unsigned errors = error_count();
    members(p, d);
    leave_scope(p, s);
    if (!expect_close(p, open, "struct", d->name))
        return false;
    if (d->u.st.n == 0 && errors == error_count())
        error_at(name.loc, "struct '%s' has no members (IDL needs at least one)", d->name);
    if (!d->defined && !d->invalid) {
        d->defined = true;
        bool was_forward = false;
        for (size_t i = 0; i < p->nforwards; i++)
            was_forward |= p->forwards[i] == d;
        if (!was_forward)
            register_type(d);
        prog_append(d, false, d->main_file);
    }
    if (out)
        *out = named_type(d);
    return true;
}

static bool exception_dcl(parser *p)
{
    p_advance(p);
    token name;
    if (!ident(p, &name))
        return false;
    decl *d = new_decl(p, DK_EXCEPTION, &name);
    d->invalid = !scope_declare(p->scope, d);
    loc open = p->tok.loc;
    if (!p_expect(p, TK_LBRACE, "'{'"))
        return false;
    d->scope = scope_new(d, p->scope);
    saved_scope s = enter_scope(p, d);
    members(p, d);
    leave_scope(p, s);
    if (!expect_close(p, open, "exception", d->name))
        return false;
    d->defined = true;
    if (d->invalid)
        return true;
    if (d->u.st.n)
        cname_register(d->cname, d->loc, "exception");
    cname_register(xasprintf("%s_type", d->cname), d->loc, "type descriptor");
    cname_register(xasprintf("%s_exception", d->cname), d->loc, "exception descriptor");
    prog_append(d, false, d->main_file);
    return true;
}

static int64_t label_value(const cval *v)
{
    if (v->kind == CV_ENUM)
        return v->item->u.item.value;
    /* unsigned long long labels above 2^63 wrap, as mw_case.label stores them */
    return (int64_t)(uint64_t)v->i;
}

/* One "case ...: case ...: default: type name;" of a union. */
static bool union_case(parser *p, decl *d, uint32_t *cap, bool *seen_default, loc *default_at)
{
    ucase c = {0};
    uint32_t lcap = 0;
    while (p->tok.kind == TK_CASE || p->tok.kind == TK_DEFAULT) {
        loc l = p->tok.loc;
        if (p_accept(p, TK_DEFAULT)) {
            if (*seen_default || c.is_default) {
                error_at(l, "more than one default label");
                note_at(*default_at, "the first default label is here");
            }
            c.is_default = true;
            *seen_default = true;
            *default_at = l;
        } else {
            p_advance(p);
            cval v;
            loc at;
            if (!const_expr(p, d->u.un.disc, &v, &at))
                return false;
            int64_t lv = label_value(&v);
            bool dup = false;
            for (uint32_t i = 0; i < d->u.un.n && !dup; i++)
                for (uint32_t j = 0; j < d->u.un.v[i].nlabels && !dup; j++)
                    if (d->u.un.v[i].labels[j] == lv) {
                        error_at(at, "duplicate case label");
                        note_at(d->u.un.v[i].label_locs[j], "the same label is here");
                        dup = true;
                    }
            for (uint32_t j = 0; j < c.nlabels && !dup; j++)
                if (c.labels[j] == lv) {
                    error_at(at, "duplicate case label");
                    dup = true;
                }
            if (c.nlabels == lcap) {
                lcap = lcap ? lcap * 2 : 4;
                c.labels = xrealloc(c.labels, lcap * sizeof *c.labels);
                c.label_locs = xrealloc(c.label_locs, lcap * sizeof *c.label_locs);
            }
            c.label_locs[c.nlabels] = at;
            c.labels[c.nlabels++] = lv;
        }
        if (!p_expect(p, TK_COLON, "':' after the case label"))
            return false;
    }
    if (!c.nlabels && !c.is_default) {
        p_error_expected(p, "'case' or 'default'");
        return false;
    }
    annotations(p);
    type *t;
    token name;
    if (!type_spec(p, true, &t) || !declarator(p, t, &name, &t))
        return false;
    check_complete(t, name.loc);
    c.m = make_member(&name, t);
    for (uint32_t i = 0; i < d->u.un.n; i++)
        if (ascii_casecmp(d->u.un.v[i].m.name, c.m.name) == 0 ||
            strcmp(d->u.un.v[i].m.cname, c.m.cname) == 0) {
            error_at(name.loc, "duplicate union member '%s'", name.text);
            note_at(d->u.un.v[i].m.loc, "the earlier member is here");
            break;
        }
    if (d->u.un.n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        d->u.un.v = xrealloc(d->u.un.v, *cap * sizeof *d->u.un.v);
    }
    d->u.un.v[d->u.un.n++] = c;
    expect_semi(p, "a union member");
    return true;
}

static bool union_dcl(parser *p, type **out)
{
    p_advance(p);
    token name;
    if (!ident(p, &name))
        return false;
    if (!out && p->tok.kind == TK_SEMI) {
        forward_decl(p, DK_UNION, &name);
        return true;
    }
    decl *d = definable(p, DK_UNION, &name);
    if (!p_expect(p, TK_SWITCH, "'switch'") || !p_expect(p, TK_LPAREN, "'('"))
        return false;
    d->scope = scope_new(d, p->scope);
    saved_scope s = enter_scope(p, d);
    loc dl = p->tok.loc, open = dl;
    bool ok = type_spec(p, true, &d->u.un.disc) && p_expect(p, TK_RPAREN, "')'");
    open = p->tok.loc;
    ok = ok && p_expect(p, TK_LBRACE, "'{'");
    if (ok && !type_is_discriminator(d->u.un.disc)) {
        char *t = type_describe(d->u.un.disc);
        error_at(dl,
                 "a union cannot switch on %s (only integer, char, boolean and enum "
                 "types)",
                 t);
        xfree(t);
        d->u.un.disc = type_basic(TY_LONG);
    }
    uint32_t cap = 0;
    bool seen_default = false;
    loc default_at = {0};
    while (ok) {
        flush_events(p);
        if (p->tok.kind == TK_RBRACE || p->tok.kind == TK_EOF)
            break;
        if (!union_case(p, d, &cap, &seen_default, &default_at))
            sync(p);
    }
    leave_scope(p, s);
    if (!ok || !expect_close(p, open, "union", d->name))
        return false;
    if (d->u.un.n == 0)
        error_at(name.loc, "union '%s' has no cases", d->name);
    if (!d->defined && !d->invalid) {
        d->defined = true;
        bool was_forward = false;
        for (size_t i = 0; i < p->nforwards; i++)
            was_forward |= p->forwards[i] == d;
        if (!was_forward)
            register_type(d);
        prog_append(d, false, d->main_file);
    }
    if (out)
        *out = named_type(d);
    return true;
}

static bool enum_dcl(parser *p, type **out)
{
    p_advance(p);
    token name;
    if (!ident(p, &name))
        return false;
    decl *d = new_decl(p, DK_ENUM, &name);
    bool declared = scope_declare(p->scope, d);
    loc open = p->tok.loc;
    if (!p_expect(p, TK_LBRACE, "'{'"))
        return false;
    uint32_t cap = 0;
    do {
        annotations(p);
        token item;
        if (!ident(p, &item))
            return false;
        decl *e = new_decl(p, DK_ENUMERATOR, &item);
        e->u.item.en = d;
        e->u.item.value = d->u.en.n;
        if (scope_declare(p->scope, e) && declared)
            cname_register(e->cname, e->loc, "enumerator");
        if (d->u.en.n == cap) {
            cap = cap ? cap * 2 : 8;
            d->u.en.v = xrealloc(d->u.en.v, cap * sizeof *d->u.en.v);
        }
        d->u.en.v[d->u.en.n++] = e;
    } while (p_accept(p, TK_COMMA) && p->tok.kind != TK_RBRACE);
    if (!expect_close(p, open, "enum", d->name))
        return false;
    d->defined = true;
    if (declared)
        register_type(d);
    prog_append(d, false, d->main_file);
    if (out)
        *out = named_type(d);
    return true;
}

static bool typedef_dcl(parser *p)
{
    p_advance(p);
    type *t;
    if (!type_spec(p, true, &t))
        return false;
    do {
        token name;
        type *full;
        if (!declarator(p, t, &name, &full))
            return false;
        decl *d = new_decl(p, DK_TYPEDEF, &name);
        d->u.td.type = full;
        d->defined = true;
        /* An array of an incomplete struct has no size. */
        if (full->kind == TY_ARRAY)
            check_complete(full, name.loc);
        if (scope_declare(p->scope, d))
            register_type(d);
        prog_append(d, false, d->main_file);
    } while (p_accept(p, TK_COMMA));
    return true;
}

static bool const_dcl(parser *p)
{
    p_advance(p);
    type *t;
    if (!simple_type(p, false, &t))
        return false;
    token name;
    if (!ident(p, &name) || !p_expect(p, TK_EQ, "'=' in the constant declaration"))
        return false;
    decl *d = new_decl(p, DK_CONST, &name);
    d->u.cn.type = t;
    if (!const_expr(p, t, &d->u.cn.v, NULL)) {
        /* Declare it anyway (as 0) so later uses do not cascade into more errors. */
        d->u.cn.v = (cval){.kind = CV_INT};
        scope_declare(p->scope, d);
        return p->tok.kind == TK_SEMI;
    }
    d->defined = true;
    if (scope_declare(p->scope, d))
        cname_register(d->cname, d->loc, "constant");
    prog_append(d, false, d->main_file);
    return true;
}

/* ---- interfaces
 * ------------------------------------------------------------------------------ */

/* A parameter or attribute type: no anonymous sequences, no definitions. */
static bool param_type(parser *p, type **out)
{
    return simple_type(p, false, out);
}

static decl *new_op(parser *p, decl *itf, const token *name, type *ret)
{
    decl *d = new_decl(p, DK_OPERATION, name);
    d->u.op.ret = ret;
    d->u.op.itf = itf;
    d->u.op.id = fnv1a(d->name);
    d->defined = true;
    itf->u.itf.ops = xrealloc(itf->u.itf.ops, (itf->u.itf.nops + 1) * sizeof *itf->u.itf.ops);
    itf->u.itf.ops[itf->u.itf.nops++] = d;
    return d;
}

/* An operation or attribute named here must not redefine an inherited one. */
static void check_not_inherited(parser *p, const token *name)
{
    decl *old = scope_find_inherited(p->scope, name->text);
    if (old) {
        error_at(name->loc, "'%s' redefines the inherited %s '%s'", name->text,
                 decl_kind_name(old->kind), old->scoped);
        note_at(old->loc, "'%s' is declared here", old->scoped);
    }
}

static void add_param(decl *op, pdir dir, const token *name, type *t)
{
    param pm = {.dir = dir, .m = make_member(name, t)};
    for (uint32_t i = 0; i < op->u.op.n; i++)
        if (ascii_casecmp(op->u.op.v[i].m.name, name->text) == 0 ||
            strcmp(op->u.op.v[i].m.cname, pm.m.cname) == 0) {
            error_at(name->loc, "duplicate parameter '%s'", name->text);
            break;
        }
    op->u.op.v = xrealloc(op->u.op.v, (op->u.op.n + 1) * sizeof *op->u.op.v);
    op->u.op.v[op->u.op.n++] = pm;
}

static bool attr_dcl(parser *p, decl *itf)
{
    bool ro = p_accept(p, TK_READONLY);
    if (!p_expect(p, TK_ATTRIBUTE, "'attribute'"))
        return false;
    type *t;
    if (!param_type(p, &t))
        return false;
    do {
        token name;
        if (!ident(p, &name))
            return false;
        check_not_inherited(p, &name);
        decl *a = new_decl(p, DK_ATTRIBUTE, &name);
        a->u.attr.type = t;
        a->u.attr.readonly = ro;
        scope_declare(p->scope, a);
        token get = name;
        get.text = xasprintf("_get_%s", name.text);
        new_op(p, itf, &get, t);
        if (!ro) {
            token set = name;
            set.text = xasprintf("_set_%s", name.text);
            decl *op = new_op(p, itf, &set, type_basic(TY_VOID));
            token value = name;
            value.text = "value";
            add_param(op, DIR_IN, &value, t);
        }
    } while (p_accept(p, TK_COMMA));
    if (p->tok.kind == TK_IDENT &&
        (!strcmp(p->tok.text, "getraises") || !strcmp(p->tok.text, "setraises"))) {
        error_at(p->tok.loc, "getraises and setraises are not supported");
        return false;
    }
    return true;
}

static bool op_dcl(parser *p, decl *itf)
{
    loc at = p->tok.loc;
    bool oneway = p_accept(p, TK_ONEWAY);
    type *ret;
    if (p_accept(p, TK_VOID))
        ret = type_basic(TY_VOID);
    else if (!param_type(p, &ret))
        return false;
    token name;
    if (!ident(p, &name))
        return false;
    check_not_inherited(p, &name);
    decl *op = new_op(p, itf, &name, ret);
    op->u.op.oneway = oneway;
    scope_declare(p->scope, op);
    if (!p_expect(p, TK_LPAREN, "'(' after the operation name"))
        return false;
    if (!p_accept(p, TK_RPAREN)) {
        do {
            pdir dir;
            annotations(p);
            if (p_accept(p, TK_IN))
                dir = DIR_IN;
            else if (p_accept(p, TK_OUT))
                dir = DIR_OUT;
            else if (p_accept(p, TK_INOUT))
                dir = DIR_INOUT;
            else {
                p_error_expected(p, "'in', 'out' or 'inout'");
                return false;
            }
            type *t;
            token pname;
            if (!param_type(p, &t) || !ident(p, &pname))
                return false;
            add_param(op, dir, &pname, t);
        } while (p_accept(p, TK_COMMA));
        if (!p_expect(p, TK_RPAREN, "',' or ')'"))
            return false;
    }
    if (p_accept(p, TK_RAISES)) {
        if (!p_expect(p, TK_LPAREN, "'(' after 'raises'"))
            return false;
        do {
            scoped_name n;
            if (!p_scoped_name(p, &n))
                return false;
            decl *e = resolve_name(p->scope, &n);
            if (e && e->kind != DK_EXCEPTION) {
                error_at(n.loc, "'%s' is not an exception", e->scoped);
                continue;
            }
            if (!e)
                continue;
            bool dup = false;
            for (uint32_t i = 0; i < op->u.op.nraises; i++)
                dup |= op->u.op.raises[i] == e;
            if (dup) {
                error_at(n.loc, "'%s' is listed twice", e->scoped);
                continue;
            }
            op->u.op.raises =
                xrealloc(op->u.op.raises, (op->u.op.nraises + 1) * sizeof *op->u.op.raises);
            op->u.op.raises[op->u.op.nraises++] = e;
        } while (p_accept(p, TK_COMMA));
        if (!p_expect(p, TK_RPAREN, "',' or ')'"))
            return false;
    }
    if (p->tok.kind == TK_CONTEXT) {
        error_at(p->tok.loc, "context clauses are not supported");
        return false;
    }
    if (oneway) {
        if (ret->kind != TY_VOID)
            error_at(at, "a oneway operation must return void");
        for (uint32_t i = 0; i < op->u.op.n; i++)
            if (op->u.op.v[i].dir != DIR_IN)
                error_at(op->u.op.v[i].m.loc, "a oneway operation can have only in "
                                              "parameters");
        if (op->u.op.nraises)
            error_at(at, "a oneway operation cannot raise exceptions");
    }
    return true;
}

static int cmp_op_id(const void *a, const void *b)
{
    uint32_t x = (*(decl *const *)a)->u.op.id, y = (*(decl *const *)b)->u.op.id;
    return x < y ? -1 : x > y;
}

/* The interface's operations, inherited ones first; checks what inheritance may not do:
 * two different operations or attributes with the same name, or two operation ids that
 * collide. Registers the C names its generated code defines. */
static void finish_interface(decl *d)
{
    scope *names = scope_new(NULL, NULL);
    uint32_t cap = 0;
    for (uint32_t b = 0; b <= d->u.itf.nbases; b++) {
        decl **src = b < d->u.itf.nbases ? d->u.itf.bases[b]->u.itf.all : d->u.itf.ops;
        uint32_t n = b < d->u.itf.nbases ? d->u.itf.bases[b]->u.itf.nall : d->u.itf.nops;
        for (uint32_t i = 0; i < n; i++) {
            decl *op = src[i];
            decl *old = scope_find_local(names, op->name);
            if (old == op)
                continue; /* the same operation through two paths (a diamond) */
            if (old) {
                if (b < d->u.itf.nbases)
                    error_at(d->loc, "'%s' inherits both '%s' and '%s'", d->name, old->scoped,
                             op->scoped);
                continue;
            }
            scope_declare(names, op);
            if (d->u.itf.nall == cap) {
                cap = cap ? cap * 2 : 8;
                d->u.itf.all = xrealloc(d->u.itf.all, cap * sizeof *d->u.itf.all);
            }
            d->u.itf.all[d->u.itf.nall++] = op;
        }
    }
    /* Operation ids are hashes of the names: refuse the (unlikely) collision. */
    decl **byid = xmalloc((d->u.itf.nall + 1) * sizeof *byid);
    if (d->u.itf.nall)
        memcpy(byid, d->u.itf.all, d->u.itf.nall * sizeof *byid);
    qsort(byid, d->u.itf.nall, sizeof *byid, cmp_op_id);
    for (uint32_t i = 1; i < d->u.itf.nall; i++)
        if (byid[i - 1]->u.op.id == byid[i]->u.op.id)
            error_at(d->loc,
                     "the operation ids of '%s' and '%s' collide (FNV-1a of the "
                     "name); rename one",
                     byid[i - 1]->name, byid[i]->name);
    xfree(byid);

    cname_register(xasprintf("%s_servant", d->cname), d->loc, "servant struct");
    cname_register(xasprintf("%s_interface", d->cname), d->loc, "interface descriptor");
    cname_register(xasprintf("%s_skeleton", d->cname), d->loc, "skeleton");
    for (uint32_t i = 0; i < d->u.itf.nall; i++) {
        decl *op = d->u.itf.all[i];
        cname_register(xasprintf("%s_%s", d->cname, op->name), op->loc, "proxy function");
        if (op->u.op.itf != d)
            continue;
        cname_register(xasprintf("%s_op", op->cname), op->loc, "operation descriptor");
        if (op_has_in(op)) {
            cname_register(xasprintf("%s_in", op->cname), op->loc, "argument struct");
            cname_register(xasprintf("%s_in_type", op->cname), op->loc, "type descriptor");
        }
        if (op_has_out(op)) {
            cname_register(xasprintf("%s_out", op->cname), op->loc, "result struct");
            cname_register(xasprintf("%s_out_type", op->cname), op->loc, "type descriptor");
        }
    }
}

static bool export(parser *p, decl *itf);

static bool interface_dcl(parser *p)
{
    loc kw = p->tok.loc;
    if (p->tok.kind == TK_ABSTRACT || p->tok.kind == TK_LOCAL) {
        error_at(kw, "%s interfaces are not supported",
                 p->tok.kind == TK_ABSTRACT ? "abstract" : "local");
        p_advance(p);
    }
    if (!p_expect(p, TK_INTERFACE, "'interface'"))
        return false;
    token name;
    if (!ident(p, &name))
        return false;
    if (p->tok.kind == TK_SEMI) {
        forward_decl(p, DK_INTERFACE, &name);
        return true;
    }
    decl *d = definable(p, DK_INTERFACE, &name);
    uint32_t cap = 0;
    if (p_accept(p, TK_COLON)) {
        do {
            scoped_name n;
            if (!p_scoped_name(p, &n))
                return false;
            decl *b = resolve_name(p->scope, &n);
            if (!b)
                continue;
            if (b->kind != DK_INTERFACE) {
                error_at(n.loc, "'%s' is not an interface", b->scoped);
                continue;
            }
            if (!b->defined || b == d) {
                error_at(n.loc,
                         "'%s' is only forward declared; an interface can inherit only "
                         "from a defined one",
                         b->scoped);
                continue;
            }
            bool dup = false;
            for (uint32_t i = 0; i < d->u.itf.nbases; i++)
                dup |= d->u.itf.bases[i] == b;
            if (dup) {
                error_at(n.loc, "'%s' is inherited twice", b->scoped);
                continue;
            }
            if (d->u.itf.nbases == cap) {
                cap = cap ? cap * 2 : 4;
                d->u.itf.bases = xrealloc(d->u.itf.bases, cap * sizeof *d->u.itf.bases);
            }
            d->u.itf.bases[d->u.itf.nbases++] = b;
        } while (p_accept(p, TK_COMMA));
    }
    loc open = p->tok.loc;
    if (!p_expect(p, TK_LBRACE, "'{'"))
        return false;
    d->scope = scope_new(d, p->scope);
    saved_scope s = enter_scope(p, d);
    for (;;) {
        flush_events(p);
        if (p->tok.kind == TK_RBRACE || p->tok.kind == TK_EOF)
            break;
        if (!export(p, d))
            sync(p);
    }
    leave_scope(p, s);
    if (!expect_close(p, open, "interface", d->name))
        return false;
    if (!d->defined && !d->invalid) {
        d->defined = true;
        finish_interface(d);
        prog_append(d, false, d->main_file);
    }
    return true;
}

/* ---- definitions
 * ------------------------------------------------------------------------------ */

static bool type_dcl(parser *p)
{
    switch (p->tok.kind) {
    case TK_TYPEDEF:
        return typedef_dcl(p);
    case TK_STRUCT:
        return struct_dcl(p, NULL);
    case TK_UNION:
        return union_dcl(p, NULL);
    case TK_ENUM:
        return enum_dcl(p, NULL);
    default:
        error_at(p->tok.loc, "native types are not supported");
        return false;
    }
}

static bool export(parser *p, decl *itf)
{
    annotations(p);
    bool ok;
    const char *what;
    switch (p->tok.kind) {
    case TK_TYPEDEF:
    case TK_STRUCT:
    case TK_UNION:
    case TK_ENUM:
    case TK_NATIVE:
        what = "a type declaration";
        ok = type_dcl(p);
        break;
    case TK_CONST:
        what = "a constant";
        ok = const_dcl(p);
        break;
    case TK_EXCEPTION:
        what = "an exception";
        ok = exception_dcl(p);
        break;
    case TK_READONLY:
    case TK_ATTRIBUTE:
        what = "an attribute";
        ok = attr_dcl(p, itf);
        break;
    case TK_INTERFACE:
    case TK_MODULE:
        error_at(p->tok.loc, "a %s cannot be declared inside an interface",
                 p->tok.kind == TK_MODULE ? "module" : "interface");
        return false;
    default:
        what = "an operation";
        ok = op_dcl(p, itf);
        break;
    }
    if (ok)
        expect_semi(p, what);
    return ok;
}

static void definitions(parser *p, bool nested);

static bool module_dcl(parser *p)
{
    p_advance(p);
    token name;
    if (!ident(p, &name))
        return false;
    decl *d = scope_find_local(p->scope, name.text);
    if (!d || d->kind != DK_MODULE || strcmp(d->name, name.text) != 0) {
        d = new_decl(p, DK_MODULE, &name);
        scope_declare(p->scope, d);
        d->scope = scope_new(d, p->scope);
        d->defined = true;
    }
    loc open = p->tok.loc;
    if (!p_expect(p, TK_LBRACE, "'{'"))
        return false;
    saved_scope s = enter_scope(p, d);
    if (p_enter(p)) {
        definitions(p, true);
        p_leave(p);
    }
    leave_scope(p, s);
    return expect_close(p, open, "module", d->name);
}

static bool definition(parser *p)
{
    annotations(p);
    bool ok;
    const char *what;
    switch (p->tok.kind) {
    case TK_MODULE:
        what = "the module";
        ok = module_dcl(p);
        break;
    case TK_INTERFACE:
    case TK_ABSTRACT:
    case TK_LOCAL:
        what = "the interface";
        ok = interface_dcl(p);
        break;
    case TK_TYPEDEF:
    case TK_STRUCT:
    case TK_UNION:
    case TK_ENUM:
    case TK_NATIVE:
        what = "the type declaration";
        ok = type_dcl(p);
        break;
    case TK_CONST:
        what = "the constant";
        ok = const_dcl(p);
        break;
    case TK_EXCEPTION:
        what = "the exception";
        ok = exception_dcl(p);
        break;
    case TK_VALUETYPE:
    case TK_CUSTOM:
        error_at(p->tok.loc, "value types are not supported");
        return false;
    default:
        p_error_expected(p, "a definition (module, interface, struct, union, enum, typedef, "
                            "const or exception)");
        return false;
    }
    if (ok)
        expect_semi(p, what);
    return ok;
}

static void definitions(parser *p, bool nested)
{
    for (;;) {
        flush_events(p);
        if (p->tok.kind == TK_EOF)
            return;
        if (p->tok.kind == TK_RBRACE) {
            if (nested)
                return;
            error_at(p->tok.loc, "'}' without a matching '{'");
            p_advance(p);
            continue;
        }
        if (!definition(p))
            sync(p);
    }
}

void parse_program(void)
{
    parser p = {.scope = scope_global(), .prefix = ""};
    p_advance(&p);
    definitions(&p, false);
    flush_events(&p);
    for (size_t i = 0; i < p.nforwards; i++)
        if (!p.forwards[i]->defined && !p.abort)
            error_at(p.forwards[i]->loc, "%s '%s' is declared but never defined",
                     decl_kind_name(p.forwards[i]->kind), p.forwards[i]->scoped);
    xfree(p.pending);
    xfree(p.file_prefixes);
    xfree(p.forwards);
}

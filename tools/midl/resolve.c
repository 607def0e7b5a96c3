/* resolve.c - scopes and names by CORBA's rules (CORBA 3.0, 3.15-3.16): identifiers are
 * compared without case for collisions, a name must be spelled as declared, a name is
 * searched in the current scope, the interfaces it inherits from, then outward; and the C
 * identifiers the generated code defines, which must not collide either. */
#include <stdlib.h>
#include <string.h>

#include "ast.h"

struct scope {
    decl *owner; /* NULL: the global scope */
    scope *parent;
    decl **slots; /* open addressing, keyed by the lowercased name */
    size_t cap, n;
};

static scope *global;

/* Every scope made, to free them between fuzz runs. */
static scope **all_scopes;
static size_t nall_scopes;

static uint64_t hash_nocase(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        h = (h ^ c) * 1099511628211u;
    }
    return h;
}

scope *scope_new(decl *owner, scope *parent)
{
    scope *s = xcalloc(1, sizeof *s);
    s->owner = owner;
    s->parent = parent;
    all_scopes = xrealloc(all_scopes, (nall_scopes + 1) * sizeof *all_scopes);
    all_scopes[nall_scopes++] = s;
    return s;
}

scope *scope_global(void)
{
    if (!global)
        global = scope_new(NULL, NULL);
    return global;
}

scope *scope_parent(const scope *s)
{
    return s->parent;
}
decl *scope_owner(const scope *s)
{
    return s->owner;
}

decl *scope_find_local(const scope *s, const char *name)
{
    if (!s->cap)
        return NULL;
    for (size_t i = hash_nocase(name) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        decl *d = s->slots[i];
        if (!d)
            return NULL;
        if (ascii_casecmp(d->name, name) == 0)
            return d;
    }
}

static void insert(scope *s, decl *d)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        decl **slots = xcalloc(cap, sizeof *slots);
        for (size_t j = 0; j < s->cap; j++)
            if (s->slots[j])
                for (size_t i = hash_nocase(s->slots[j]->name) & (cap - 1);;
                     i = (i + 1) & (cap - 1))
                    if (!slots[i]) {
                        slots[i] = s->slots[j];
                        break;
                    }
        xfree(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    for (size_t i = hash_nocase(d->name) & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
        if (!s->slots[i]) {
            s->slots[i] = d;
            s->n++;
            return;
        }
}

bool scope_declare(scope *s, decl *d)
{
    decl *old = scope_find_local(s, d->name);
    if (old) {
        if (strcmp(old->name, d->name) == 0)
            error_at(d->loc, "redefinition of '%s'", d->name);
        else
            error_at(d->loc,
                     "'%s' collides with '%s' (IDL identifiers differ by more than "
                     "case)",
                     d->name, old->name);
        note_at(old->loc, "'%s' was declared here as %s %s", old->name,
                old->kind == DK_INTERFACE || old->kind == DK_ENUMERATOR ? "an" : "a",
                decl_kind_name(old->kind));
        return false;
    }
    insert(s, d);
    return true;
}

char *scoped_name_str(const scoped_name *name)
{
    strbuf b = {0};
    for (uint32_t i = 0; i < name->n; i++) {
        if (i || name->absolute)
            sb_puts(&b, "::");
        sb_puts(&b, name->parts[i]);
    }
    return b.data ? b.data : xstrdup("");
}

/* The interfaces an interface inherits from, each once, depth-first and left to right.
 * Marks (a stamp per walk) keep a lattice of diamonds linear, not exponential. */
static uint32_t stamp;

static size_t ancestors(const decl *itf, decl ***out)
{
    size_t n = 0, cap = 0, top = 0, scap = 0;
    decl **v = NULL, **stack = NULL;
    stamp++;
    for (uint32_t i = itf->u.itf.nbases; i-- > 0;) {
        if (top == scap)
            stack = xrealloc(stack, (scap = scap ? scap * 2 : 16) * sizeof *stack);
        stack[top++] = itf->u.itf.bases[i];
    }
    while (top) {
        decl *b = stack[--top];
        if (b->mark == stamp)
            continue;
        b->mark = stamp;
        if (n == cap)
            v = xrealloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
        v[n++] = b;
        for (uint32_t i = b->u.itf.nbases; i-- > 0;) {
            if (top == scap)
                stack = xrealloc(stack, (scap = scap ? scap * 2 : 16) * sizeof *stack);
            stack[top++] = b->u.itf.bases[i];
        }
    }
    xfree(stack);
    *out = v;
    return n;
}

static bool inherits(const decl *itf, const decl *base)
{
    decl **v;
    size_t n = ancestors(itf, &v);
    bool r = false;
    for (size_t i = 0; i < n && !r; i++)
        r = v[i] == base;
    xfree(v);
    return r;
}

/* Looks for `name` in s and, when s is an interface's scope, in the interfaces it
 * inherits from. Two declarations found through different bases, neither hiding the
 * other, make the name ambiguous (reported; the first is returned). */
static decl *lookup_in(const scope *s, const char *name, loc l)
{
    decl *d = scope_find_local(s, name);
    if (d || !s->owner || s->owner->kind != DK_INTERFACE)
        return d;
    decl **v;
    size_t n = ancestors(s->owner, &v);
    decl *found = NULL;
    for (size_t i = 0; i < n; i++) {
        decl *r = v[i]->scope ? scope_find_local(v[i]->scope, name) : NULL;
        if (!r || r == found)
            continue;
        if (!found) {
            found = r;
        } else if (!inherits(found->parent, r->parent) && !inherits(r->parent, found->parent)) {
            error_at(l, "'%s' is ambiguous: inherited as '%s' and as '%s'", name, found->scoped,
                     r->scoped);
            break;
        } else if (inherits(r->parent, found->parent)) {
            found = r; /* r's interface derives from found's: r hides it */
        }
    }
    xfree(v);
    return found;
}

/* An operation or attribute named `name` among those the interface inherits. */
decl *scope_find_inherited(const scope *s, const char *name)
{
    const decl *itf = s->owner;
    if (!itf || itf->kind != DK_INTERFACE)
        return NULL;
    decl **v;
    size_t n = ancestors(itf, &v);
    decl *found = NULL;
    for (size_t i = 0; i < n && !found; i++) {
        decl *d = v[i]->scope ? scope_find_local(v[i]->scope, name) : NULL;
        if (d && (d->kind == DK_OPERATION || d->kind == DK_ATTRIBUTE))
            found = d;
    }
    xfree(v);
    return found;
}

static void check_case(const decl *d, const char *as_written, loc l)
{
    if (strcmp(d->name, as_written) != 0) {
        error_at(l, "'%s' must be spelled '%s', as declared", as_written, d->name);
        note_at(d->loc, "'%s' is declared here", d->name);
    }
}

decl *resolve_name(scope *s, const scoped_name *name)
{
    decl *d = NULL;
    const char *first = name->parts[0];
    if (name->absolute) {
        d = lookup_in(scope_global(), first, name->loc);
    } else {
        for (const scope *c = s; c && !d; c = c->parent)
            d = lookup_in(c, first, name->loc);
    }
    if (!d) {
        error_at(name->loc, "'%s%s' is not declared", name->absolute ? "::" : "", first);
        return NULL;
    }
    check_case(d, first, name->loc);
    for (uint32_t i = 1; i < name->n; i++) {
        if (!d->scope) {
            if (d->kind == DK_INTERFACE || d->kind == DK_STRUCT || d->kind == DK_UNION)
                error_at(name->loc,
                         "'%s' is only forward declared here; its members are "
                         "not known yet",
                         d->scoped);
            else
                error_at(name->loc, "'%s' is %s %s, which has no members to name", d->scoped,
                         d->kind == DK_ENUM || d->kind == DK_ENUMERATOR ? "an" : "a",
                         decl_kind_name(d->kind));
            return NULL;
        }
        decl *next = lookup_in(d->scope, name->parts[i], name->loc);
        if (!next) {
            error_at(name->loc, "'%s' is not declared in '%s'", name->parts[i], d->scoped);
            return NULL;
        }
        check_case(next, name->parts[i], name->loc);
        d = next;
    }
    return d;
}

/* ---- C identifiers ----------------------------------------------------------------------- */

/* C11 and C23 keywords, C++ keywords (headers may be read by C++), and names the
 * generated files or the headers they include define. */
static const char *const reserved[] = {
    "alignas",
    "alignof",
    "and",
    "and_eq",
    "asm",
    "assert",
    "auto",
    "bitand",
    "bitor",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "char8_t",
    "char16_t",
    "char32_t",
    "class",
    "compl",
    "concept",
    "const",
    "const_cast",
    "consteval",
    "constexpr",
    "constinit",
    "continue",
    "co_await",
    "co_return",
    "co_yield",
    "decltype",
    "default",
    "delete",
    "do",
    "double",
    "dynamic_cast",
    "else",
    "enum",
    "errno",
    "explicit",
    "export",
    "extern",
    "false",
    "float",
    "for",
    "friend",
    "goto",
    "if",
    "inline",
    "int",
    "int8_t",
    "int16_t",
    "int32_t",
    "int64_t",
    "intptr_t",
    "long",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "not",
    "not_eq",
    "nullptr",
    "NULL",
    "offsetof",
    "operator",
    "or",
    "or_eq",
    "private",
    "protected",
    "public",
    "register",
    "reinterpret_cast",
    "requires",
    "restrict",
    "return",
    "short",
    "signed",
    "size_t",
    "sizeof",
    "static",
    "static_assert",
    "static_cast",
    "struct",
    "switch",
    "template",
    "this",
    "thread_local",
    "throw",
    "true",
    "try",
    "typedef",
    "typeid",
    "typename",
    "typeof",
    "typeof_unqual",
    "uint8_t",
    "uint16_t",
    "uint32_t",
    "uint64_t",
    "uintptr_t",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "wchar_t",
    "while",
    "xor",
    "xor_eq",
};

const char *c_ident(const char *name)
{
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (strcmp(reserved[i], name) == 0)
            return xasprintf("idl_%s", name);
    return name;
}

typedef struct cname_entry {
    const char *name;
    const char *what;
    loc loc;
} cname_entry;

static cname_entry *cnames;
static size_t ncnames, capcnames;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

void cname_register(const char *cname, loc l, const char *what)
{
    if ((ncnames + 1) * 2 > capcnames) {
        size_t cap = capcnames ? capcnames * 2 : 256;
        cname_entry *v = xcalloc(cap, sizeof *v);
        for (size_t j = 0; j < capcnames; j++)
            if (cnames[j].name)
                for (size_t i = hash(cnames[j].name) & (cap - 1);; i = (i + 1) & (cap - 1))
                    if (!v[i].name) {
                        v[i] = cnames[j];
                        break;
                    }
        xfree(cnames);
        cnames = v;
        capcnames = cap;
    }
    for (size_t i = hash(cname) & (capcnames - 1);; i = (i + 1) & (capcnames - 1)) {
        if (!cnames[i].name) {
            cnames[i] = (cname_entry){cname, what, l};
            ncnames++;
            return;
        }
        if (strcmp(cnames[i].name, cname) == 0) {
            error_at(l, "the C name '%s' of this %s is already the C name of a %s", cname, what,
                     cnames[i].what);
            note_at(cnames[i].loc, "that %s is declared here", cnames[i].what);
            return;
        }
    }
}

void resolve_reset(void)
{
    for (size_t i = 0; i < nall_scopes; i++) {
        xfree(all_scopes[i]->slots);
        xfree(all_scopes[i]);
    }
    xfree(all_scopes);
    all_scopes = NULL;
    nall_scopes = 0;
    global = NULL;
    stamp = 0;
    xfree(cnames);
    cnames = NULL;
    ncnames = capcnames = 0;
    xfree(prog.v);
    prog = (program){0};
}

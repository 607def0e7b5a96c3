/* types.c - the basic type descriptors and what every codec asks of a descriptor. */
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "marshal_impl.h"

#define BASIC(ident, k, ctype)                                                             \
    const mw_type ident = {.kind = k, .size = sizeof(ctype), .align = alignof(ctype)}

const mw_type mw_t_void = {.kind = MW_K_VOID, .size = 0, .align = 1};
BASIC(mw_t_boolean, MW_K_BOOLEAN, bool);
BASIC(mw_t_octet, MW_K_OCTET, uint8_t);
BASIC(mw_t_char, MW_K_CHAR, char);
BASIC(mw_t_short, MW_K_SHORT, int16_t);
BASIC(mw_t_ushort, MW_K_USHORT, uint16_t);
BASIC(mw_t_long, MW_K_LONG, int32_t);
BASIC(mw_t_ulong, MW_K_ULONG, uint32_t);
BASIC(mw_t_longlong, MW_K_LONGLONG, int64_t);
BASIC(mw_t_ulonglong, MW_K_ULONGLONG, uint64_t);
BASIC(mw_t_float, MW_K_FLOAT, float);
BASIC(mw_t_double, MW_K_DOUBLE, double);
BASIC(mw_t_string, MW_K_STRING, char *);
BASIC(mw_t_any, MW_K_ANY, mw_any);
const mw_type mw_t_objref = {.kind = MW_K_OBJREF,
                             .name = "midway::ObjectRef",
                             .size = sizeof(mw_objref),
                             .align = alignof(mw_objref)};

const char *mw_kind_name(mw_kind k)
{
    static const char *const names[MW_K_COUNT_] = {
        [MW_K_VOID] = "void",          [MW_K_BOOLEAN] = "boolean",
        [MW_K_OCTET] = "octet",        [MW_K_CHAR] = "char",
        [MW_K_SHORT] = "short",        [MW_K_USHORT] = "unsigned short",
        [MW_K_LONG] = "long",          [MW_K_ULONG] = "unsigned long",
        [MW_K_LONGLONG] = "long long", [MW_K_ULONGLONG] = "unsigned long long",
        [MW_K_FLOAT] = "float",        [MW_K_DOUBLE] = "double",
        [MW_K_STRING] = "string",      [MW_K_ANY] = "any",
        [MW_K_STRUCT] = "struct",      [MW_K_SEQUENCE] = "sequence",
        [MW_K_ARRAY] = "array",        [MW_K_ENUM] = "enum",
        [MW_K_UNION] = "union",        [MW_K_ALIAS] = "typedef",
        [MW_K_OPTIONAL] = "optional",  [MW_K_OBJREF] = "object reference",
    };
    return (unsigned)k < MW_K_COUNT_ ? names[k] : "?";
}

const mw_type *mw_type_resolve(const mw_type *t)
{
    /* Bounded, so a cycle of aliases in a run-time descriptor cannot loop forever. */
    for (int i = 0; t && t->kind == MW_K_ALIAS && i < MW_MARSHAL_MAX_DEPTH; i++)
        t = t->u.alias.target;
    return t && t->kind == MW_K_ALIAS ? NULL : t;
}

bool mwi_kind_is_discriminator(mw_kind k)
{
    switch (k) {
    case MW_K_BOOLEAN: case MW_K_CHAR: case MW_K_OCTET: case MW_K_SHORT: case MW_K_USHORT:
    case MW_K_LONG: case MW_K_ULONG: case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_ENUM:
        return true;
    default:
        return false;
    }
}

bool mwi_kind_is_scalar(mw_kind k)
{
    if (k == MW_K_FLOAT || k == MW_K_DOUBLE)
        return true;
    return k != MW_K_ENUM && mwi_kind_is_discriminator(k);
}

int64_t mwi_load_int(const mw_type *t, const void *p)
{
    switch (mw_type_resolve(t)->kind) {
    case MW_K_BOOLEAN: return *(const bool *)p;
    case MW_K_CHAR: return (unsigned char)*(const char *)p;
    case MW_K_OCTET: return *(const uint8_t *)p;
    case MW_K_SHORT: return *(const int16_t *)p;
    case MW_K_USHORT: return *(const uint16_t *)p;
    case MW_K_LONG: case MW_K_ENUM: return *(const int32_t *)p;
    case MW_K_ULONG: return *(const uint32_t *)p;
    case MW_K_LONGLONG: return *(const int64_t *)p;
    case MW_K_ULONGLONG: return (int64_t)*(const uint64_t *)p;
    default: return 0;
    }
}

void mwi_store_int(const mw_type *t, void *p, int64_t v)
{
    switch (mw_type_resolve(t)->kind) {
    case MW_K_BOOLEAN: *(bool *)p = v != 0; break;
    case MW_K_CHAR: *(char *)p = (char)v; break;
    case MW_K_OCTET: *(uint8_t *)p = (uint8_t)v; break;
    case MW_K_SHORT: *(int16_t *)p = (int16_t)v; break;
    case MW_K_USHORT: *(uint16_t *)p = (uint16_t)v; break;
    case MW_K_LONG: case MW_K_ENUM: *(int32_t *)p = (int32_t)v; break;
    case MW_K_ULONG: *(uint32_t *)p = (uint32_t)v; break;
    case MW_K_LONGLONG: *(int64_t *)p = v; break;
    case MW_K_ULONGLONG: *(uint64_t *)p = (uint64_t)v; break;
    default: break;
    }
}

const mw_case *mwi_union_case(const mw_type *u, int64_t disc)
{
    const mw_case *dflt = NULL;
    for (uint32_t i = 0; i < u->u.un.count; i++) {
        const mw_case *c = &u->u.un.cases[i];
        if (c->is_default)
            dflt = c;
        else if (c->label == disc)
            return c;
    }
    return dflt;
}

const mw_enumerator *mwi_enum_find(const mw_type *e, int32_t value)
{
    for (uint32_t i = 0; i < e->u.en.count; i++)
        if (e->u.en.items[i].value == value)
            return &e->u.en.items[i];
    return NULL;
}

const mw_enumerator *mwi_enum_find_name(const mw_type *e, const char *name, size_t len)
{
    for (uint32_t i = 0; i < e->u.en.count; i++) {
        const char *n = e->u.en.items[i].name;
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return &e->u.en.items[i];
    }
    return NULL;
}

static size_t min_wire(const mw_type *t, size_t unit, int depth)
{
    t = mw_type_resolve(t);
    if (!t || depth > MW_MARSHAL_MAX_DEPTH)
        return unit;
    switch (t->kind) {
    case MW_K_VOID: return 0;
    case MW_K_BOOLEAN: case MW_K_OCTET: case MW_K_CHAR: return unit;
    case MW_K_SHORT: case MW_K_USHORT: return MWI_MAX(2, unit);
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT: case MW_K_ENUM: return 4;
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: return 8;
    case MW_K_STRING: case MW_K_SEQUENCE: case MW_K_OPTIONAL: case MW_K_ANY: return 4;
    case MW_K_OBJREF: return 4;
    case MW_K_ARRAY: {
        size_t e = min_wire(t->u.arr.elem, unit, depth + 1), n;
        return mwi_mul_size(e, t->u.arr.count, &n) ? n : SIZE_MAX;
    }
    case MW_K_STRUCT: {
        size_t sum = 0;
        for (uint32_t i = 0; i < t->u.st.count; i++) {
            size_t f = min_wire(t->u.st.fields[i].type, unit, depth + 1);
            if (!mwi_add_size(sum, f, &sum))
                return SIZE_MAX;
        }
        return sum;
    }
    case MW_K_UNION: return min_wire(t->u.un.disc, unit, depth + 1);
    default: return unit;
    }
}

size_t mwi_min_wire_size(const mw_type *t, size_t unit) { return min_wire(t, unit, 0); }

int mwi_marshal_fail(mw_marshal_error *err, int code, size_t offset, const char *path,
                     const char *fmt, ...)
{
    if (err) {
        err->code = code;
        err->offset = offset;
        snprintf(err->path, sizeof err->path, "%s", path ? path : "");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->detail, sizeof err->detail, fmt, ap);
        va_end(ap);
    }
    return code;
}

size_t mwi_arena_bound(mw_arena *a, size_t len)
{
    size_t old = mw_arena_limit(a), used = mw_arena_used(a), n, limit;
    if (!mwi_mul_size(len, MWI_ALLOC_FACTOR, &n) || !mwi_add_size(n, MWI_ALLOC_SLACK, &n) ||
        !mwi_add_size(n, used, &limit))
        return old;
    /* A caller's own, tighter limit stays in force. */
    if (old == 0 || limit < old)
        mw_arena_set_limit(a, limit);
    return old;
}

/* ---- descriptor checking ------------------------------------------------------------ */

static int check(const mw_type *t, int depth);

static int check_named(const char *name) { return name && *name ? 0 : MW_EINVAL; }

static int check_struct(const mw_type *t, int depth)
{
    if (t->u.st.count == 0 || !t->u.st.fields || check_named(t->name))
        return MW_EINVAL;
    for (uint32_t i = 0; i < t->u.st.count; i++) {
        const mw_field *f = &t->u.st.fields[i];
        if (check_named(f->name) || !f->type || f->type->kind == MW_K_VOID)
            return MW_EINVAL;
        if ((uint64_t)f->offset + f->type->size > t->size)
            return MW_EINVAL;
        if (f->type->align && f->offset % f->type->align)
            return MW_EINVAL;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(t->u.st.fields[j].name, f->name) == 0)
                return MW_EINVAL;
        int rc = check(f->type, depth + 1);
        if (rc)
            return rc;
    }
    return 0;
}

static int check_union(const mw_type *t, int depth)
{
    const mw_type *d = mw_type_resolve(t->u.un.disc);
    if (!d || !mwi_kind_is_discriminator(d->kind) || check_named(t->name) || !t->u.un.cases)
        return MW_EINVAL;
    if (t->u.un.value_offset < d->size || t->u.un.value_offset > t->size)
        return MW_EINVAL;
    int defaults = 0;
    for (uint32_t i = 0; i < t->u.un.count; i++) {
        const mw_case *c = &t->u.un.cases[i];
        if (c->is_default)
            defaults++;
        for (uint32_t j = 0; j < i; j++)
            if (!c->is_default && !t->u.un.cases[j].is_default &&
                t->u.un.cases[j].label == c->label)
                return MW_EINVAL;
        if (c->type && c->type->kind != MW_K_VOID) {
            if (check_named(c->name) || t->u.un.value_offset + (uint64_t)c->type->size > t->size)
                return MW_EINVAL;
            int rc = check(c->type, depth + 1);
            if (rc)
                return rc;
        }
        if (d->kind == MW_K_ENUM && !c->is_default && !mwi_enum_find(d, (int32_t)c->label))
            return MW_EINVAL;
    }
    return defaults > 1 ? MW_EINVAL : 0;
}

static int check(const mw_type *t, int depth)
{
    if (!t || depth > MW_MARSHAL_MAX_DEPTH || (unsigned)t->kind >= MW_K_COUNT_)
        return MW_EINVAL;
    if (t->kind != MW_K_VOID && (t->align == 0 || (t->align & (t->align - 1))))
        return MW_EINVAL;
    switch (t->kind) {
    case MW_K_STRUCT: return check_struct(t, depth);
    case MW_K_UNION: return check_union(t, depth);
    case MW_K_SEQUENCE:
        if (t->size != sizeof(mw_seq) || !t->u.seq.elem || t->u.seq.elem->kind == MW_K_VOID)
            return MW_EINVAL;
        /* A sequence may contain its own struct (recursive types): depth bounds it. */
        return depth > 8 ? 0 : check(t->u.seq.elem, depth + 1);
    case MW_K_ARRAY:
        if (!t->u.arr.elem || t->u.arr.count == 0 ||
            (uint64_t)t->u.arr.elem->size * t->u.arr.count != t->size)
            return MW_EINVAL;
        return check(t->u.arr.elem, depth + 1);
    case MW_K_ENUM:
        if (t->u.en.count == 0 || check_named(t->name) || t->size != sizeof(int32_t))
            return MW_EINVAL;
        for (uint32_t i = 0; i < t->u.en.count; i++) {
            if (check_named(t->u.en.items[i].name))
                return MW_EINVAL;
            for (uint32_t j = 0; j < i; j++)
                if (strcmp(t->u.en.items[i].name, t->u.en.items[j].name) == 0 ||
                    t->u.en.items[i].value == t->u.en.items[j].value)
                    return MW_EINVAL;
        }
        return 0;
    case MW_K_ALIAS:
        if (check_named(t->name) || !t->u.alias.target || !mw_type_resolve(t))
            return MW_EINVAL;
        return check(t->u.alias.target, depth + 1);
    case MW_K_OPTIONAL:
        if (t->size != sizeof(void *) || !t->u.alias.target)
            return MW_EINVAL;
        return depth > 8 ? 0 : check(t->u.alias.target, depth + 1);
    default:
        return 0;
    }
}

int mw_type_check(const mw_type *t) { return check(t, 0); }

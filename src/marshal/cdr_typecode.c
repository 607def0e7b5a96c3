/*
 * cdr_typecode.c - CORBA TypeCodes in CDR (CORBA 3.x, GIOP "Pseudo-Object Types",
 * TypeCode): what makes an `any` self-describing.
 *
 * A TypeCode is its TCKind as an unsigned long, then its parameters: none for the basic
 * kinds, the bound (unsigned long) for tk_string, and for the others an encapsulation
 * (unsigned long length, byte-order octet, parameters aligned from that octet):
 *   tk_struct   repository id, name, member count, {member name, member TypeCode}
 *   tk_union    repository id, name, discriminator TypeCode, default index (long, -1
 *               for none), member count, {label, member name, member TypeCode}
 *   tk_enum     repository id, name, count, {enumerator name}
 *   tk_sequence element TypeCode, bound (0: unbounded)
 *   tk_array    element TypeCode, length
 *   tk_alias    repository id, name, target TypeCode
 * Repository ids are "IDL:" + the scoped name with "::" written "/" + ":1.0"
 * ("IDL:HelloApp/Person:1.0"); decoding turns them back into the scoped name.
 *
 * Mapping of the type model:
 *   optional T          tk_sequence of T, bound 1. A tk_sequence with bound 1 decodes
 *                       as an optional (the C forms differ, and optional is the usual
 *                       reason for that bound).
 *   object reference    tk_struct "IDL:midway/ObjectRef:1.0", the layout in cdr.c
 *   empty any           tk_null (tk_void decodes as empty too)
 *   union case without a member: member TypeCode tk_void
 * Union labels are values of the discriminator type; the default member's label is
 * written as zero and ignored when read (as omniORB does).
 *
 * Indirection: 0xffffffff, then a long offset from that long to the TCKind of a
 * TypeCode met earlier in the same top-level TypeCode. The encoder writes each complex
 * type once per top-level TypeCode and refers back to it after that (as omniORB does),
 * which also covers recursive types (a struct or union inside its own members). The
 * decoder accepts an indirection to any earlier complete TypeCode, and to an enclosing
 * struct or union only as the element of a sequence (the one place C can hold a type
 * inside itself). Because repeated TypeCodes can describe a type far larger than its
 * encoding, every decoded type's smallest value must fit in the input, and a decoded
 * union has at most MWI_CDR_MAX_UNION_CASES members (MW_ELIMIT), as each union value
 * looks its case up among them.
 *
 * Decoded types live in the arena. Their C layout follows the C rules (members at their
 * alignment, unions with the discriminator first), the layout midl generates, so a
 * decoded value compares equal (mw_value_equal) to the value that was sent.
 *
 * Not supported (MW_ENOTSUP on decode): tk_objref (CORBA interfaces), tk_TypeCode,
 * tk_Principal, tk_except, tk_longdouble, tk_wchar, tk_wstring, tk_fixed and the value
 * types.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "cdr_impl.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_LITTLE 0
#else
#define HOST_LITTLE 1
#endif

enum {
    TK_NULL = 0, TK_VOID = 1, TK_SHORT = 2, TK_LONG = 3, TK_USHORT = 4, TK_ULONG = 5,
    TK_FLOAT = 6, TK_DOUBLE = 7, TK_BOOLEAN = 8, TK_CHAR = 9, TK_OCTET = 10, TK_ANY = 11,
    TK_OBJREF = 14, TK_STRUCT = 15, TK_UNION = 16, TK_ENUM = 17, TK_STRING = 18,
    TK_SEQUENCE = 19, TK_ARRAY = 20, TK_ALIAS = 21, TK_LONGLONG = 23, TK_ULONGLONG = 24
};
#define TK_INDIRECT 0xffffffffu

static const char objref_repo_id[] = "IDL:midway/ObjectRef:1.0";

/* The TCKind of each basic kind of the model (0: not a basic kind). */
static uint32_t basic_tk(mw_kind k)
{
    switch (k) {
    case MW_K_VOID: return TK_VOID;
    case MW_K_BOOLEAN: return TK_BOOLEAN;
    case MW_K_OCTET: return TK_OCTET;
    case MW_K_CHAR: return TK_CHAR;
    case MW_K_SHORT: return TK_SHORT;
    case MW_K_USHORT: return TK_USHORT;
    case MW_K_LONG: return TK_LONG;
    case MW_K_ULONG: return TK_ULONG;
    case MW_K_LONGLONG: return TK_LONGLONG;
    case MW_K_ULONGLONG: return TK_ULONGLONG;
    case MW_K_FLOAT: return TK_FLOAT;
    case MW_K_DOUBLE: return TK_DOUBLE;
    case MW_K_ANY: return TK_ANY;
    default: return 0;
    }
}

/* ---- encoding ---------------------------------------------------------------------- */

static int put_string(mwi_cdr_enc *e, const char *s)
{
    return mwi_cdr_enc_value(e, &mw_t_string, &s);
}

/* The name without its scope: "Person" for "HelloApp::Person". */
static const char *simple_name(const char *name)
{
    if (!name)
        return "";
    const char *s = name;
    for (const char *p = name; *p; p++)
        if (p[0] == ':' && p[1] == ':')
            s = p + 2;
    return s;
}

/* "IDL:" + scoped name with "::" as "/" + ":1.0"; "" for an anonymous type. */
static int put_repo_id(mwi_cdr_enc *e, const char *name)
{
    if (!name || !*name)
        return put_string(e, "");
    size_t n = 0;
    for (const char *p = name; *p; p++, n++)
        if (p[0] == ':' && p[1] == ':')
            p++;
    size_t len = 4 + n + 4 + 1;
    if (len > UINT32_MAX)
        return mwi_cdr_enc_fail(e, MW_ERANGE, "type name too long");
    uint8_t *out;
    int rc = mwi_cdr_put(e, 4, 4 + len, &out);
    if (rc)
        return rc;
    uint32_t l = mwi_cdr_sw32((uint32_t)len, e->swap);
    memcpy(out, &l, 4);
    char *q = (char *)out + 4;
    memcpy(q, "IDL:", 4);
    q += 4;
    for (const char *p = name; *p; p++) {
        if (p[0] == ':' && p[1] == ':') {
            *q++ = '/';
            p++;
        } else {
            *q++ = *p;
        }
    }
    memcpy(q, ":1.0", 5);
    return 0;
}

/* An encapsulation is written in place: its length is patched in at the end. */
typedef struct encap {
    size_t len_at;      /* where the length goes */
    size_t saved_origin;
} encap;

static int encap_begin(mwi_cdr_enc *e, uint32_t kind, encap *c)
{
    int rc = mwi_cdr_put_u32(e, kind);
    if (!rc)
        rc = mwi_cdr_put_u32(e, 0);
    if (rc)
        return rc;
    c->len_at = e->buf->len - 4;
    c->saved_origin = e->origin;
    e->origin = e->buf->len;
    return mwi_cdr_put_u8(e, HOST_LITTLE != e->swap ? 1 : 0);
}

static int encap_end(mwi_cdr_enc *e, const encap *c)
{
    size_t n = e->buf->len - (c->len_at + 4);
    if (n > UINT32_MAX)
        return mwi_cdr_enc_fail(e, MW_ERANGE, "TypeCode too long");
    uint32_t l = mwi_cdr_sw32((uint32_t)n, e->swap);
    memcpy(e->buf->data + c->len_at, &l, 4);
    e->origin = c->saved_origin;
    return 0;
}

static int enc_tc(mwi_cdr_enc *e, const mw_type *t);

/* A union label: a value of the discriminator's type. */
static int put_label(mwi_cdr_enc *e, const mw_type *disc, int64_t label)
{
    switch (disc->kind) {
    case MW_K_BOOLEAN: case MW_K_CHAR: case MW_K_OCTET:
        return mwi_cdr_put_u8(e, (uint8_t)label);
    case MW_K_SHORT: case MW_K_USHORT:
        return mwi_cdr_put_u16(e, (uint16_t)label);
    case MW_K_LONG: case MW_K_ULONG: case MW_K_ENUM:
        return mwi_cdr_put_u32(e, (uint32_t)label);
    case MW_K_LONGLONG: case MW_K_ULONGLONG:
        return mwi_cdr_put_u64(e, (uint64_t)label);
    default:
        return mwi_cdr_enc_fail(e, MW_EINVAL, "union discriminator of kind %s",
                                mw_kind_name(disc->kind));
    }
}

static int enc_struct_params(mwi_cdr_enc *e, const mw_type *t)
{
    int rc;
    if ((rc = put_repo_id(e, t->name)) || (rc = put_string(e, simple_name(t->name))) ||
        (rc = mwi_cdr_put_u32(e, t->u.st.count)))
        return rc;
    for (uint32_t i = 0; i < t->u.st.count; i++) {
        const mw_field *f = &t->u.st.fields[i];
        if ((rc = put_string(e, f->name)) || (rc = enc_tc(e, f->type))) {
            mwi_cdr_path_field(&e->path, f->name);
            return rc;
        }
    }
    return 0;
}

static int enc_union_params(mwi_cdr_enc *e, const mw_type *t)
{
    const mw_type *disc = mwi_cdr_resolve(t->u.un.disc);
    int32_t dflt = -1;
    int rc;
    if (!disc)
        return mwi_cdr_enc_fail(e, MW_EINVAL, "union without a discriminator type");
    for (uint32_t i = 0; i < t->u.un.count; i++)
        if (t->u.un.cases[i].is_default)
            dflt = (int32_t)i;
    if ((rc = put_repo_id(e, t->name)) || (rc = put_string(e, simple_name(t->name))) ||
        (rc = enc_tc(e, t->u.un.disc)) || (rc = mwi_cdr_put_u32(e, (uint32_t)dflt)) ||
        (rc = mwi_cdr_put_u32(e, t->u.un.count)))
        return rc;
    for (uint32_t i = 0; i < t->u.un.count; i++) {
        const mw_case *c = &t->u.un.cases[i];
        int64_t label = c->is_default ? 0 : c->label;
        if (disc->kind == MW_K_ENUM && !c->is_default &&
            (label < 0 || label >= disc->u.en.count ||
             disc->u.en.items[label].value != (int32_t)label)) {
            bool known = label >= INT32_MIN && label <= INT32_MAX &&
                         mwi_enum_find(disc, (int32_t)label);
            return mwi_cdr_enc_fail(e, known ? MW_ENOTSUP : MW_EINVAL,
                                    "union %s: label %lld is not an ordinal of enum %s",
                                    t->name ? t->name : "?", (long long)label,
                                    disc->name ? disc->name : "?");
        }
        if ((rc = put_label(e, disc, label)) ||
            (rc = put_string(e, c->name ? c->name : "")) ||
            (rc = enc_tc(e, c->type ? c->type : &mw_t_void))) {
            mwi_cdr_path_field(&e->path, c->name);
            return rc;
        }
    }
    return 0;
}

static int enc_enum_params(mwi_cdr_enc *e, const mw_type *t)
{
    int rc;
    for (uint32_t i = 0; i < t->u.en.count; i++)
        if (t->u.en.items[i].value != (int32_t)i)
            return mwi_cdr_enc_fail(e, MW_ENOTSUP,
                                    "enum %s: CDR needs enumerator values 0, 1, 2...",
                                    t->name ? t->name : "?");
    if ((rc = put_repo_id(e, t->name)) || (rc = put_string(e, simple_name(t->name))) ||
        (rc = mwi_cdr_put_u32(e, t->u.en.count)))
        return rc;
    for (uint32_t i = 0; i < t->u.en.count && !rc; i++)
        rc = put_string(e, t->u.en.items[i].name);
    return rc;
}

/* The members of the object reference layout (cdr.c), as TypeCodes write them. */
static const mw_type objref_address = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                       .align = alignof(mw_seq), .u.seq = {&mw_t_octet, 16}};
static const struct {
    const char *name;
    const mw_type *type;
} objref_members[] = {
    {"family", &mw_t_octet},   {"address", &objref_address}, {"port", &mw_t_ushort},
    {"created_ms", &mw_t_ulonglong}, {"object_number", &mw_t_ulong},
    {"interface", &mw_t_string},
};

static int enc_objref_params(mwi_cdr_enc *e)
{
    int rc;
    if ((rc = put_string(e, objref_repo_id)) || (rc = put_string(e, "ObjectRef")) ||
        (rc = mwi_cdr_put_u32(e, (uint32_t)MWI_ARRAY_LEN(objref_members))))
        return rc;
    for (size_t i = 0; i < MWI_ARRAY_LEN(objref_members) && !rc; i++)
        if (!(rc = put_string(e, objref_members[i].name)))
            rc = enc_tc(e, objref_members[i].type);
    return rc;
}

/* ---- the table of complex TypeCodes already written -------------------------------- */

static size_t tc_slot(const mw_type *t, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 32) & (cap - 1);
}

static bool tc_written(const mwi_cdr_enc *e, const mw_type *t, size_t *pos)
{
    if (!e->tc_cap)
        return false;
    for (size_t i = tc_slot(t, e->tc_cap);; i = (i + 1) & (e->tc_cap - 1)) {
        if (!e->tc_keys[i])
            return false;
        if (e->tc_keys[i] == t) {
            *pos = e->tc_pos[i];
            return true;
        }
    }
}

static void tc_insert(const mw_type **keys, size_t *pos, size_t cap, const mw_type *t,
                      size_t p)
{
    size_t i = tc_slot(t, cap);
    while (keys[i])
        i = (i + 1) & (cap - 1);
    keys[i] = t;
    pos[i] = p;
}

static int tc_remember(mwi_cdr_enc *e, const mw_type *t, size_t p)
{
    if (2 * (e->tc_used + 1) > e->tc_cap) {
        size_t cap = e->tc_cap ? 2 * e->tc_cap : 32;
        const mw_type **keys = calloc(cap, sizeof *keys);
        size_t *pos = malloc(cap * sizeof *pos);
        if (!keys || !pos) {
            free(keys);
            free(pos);
            return mwi_cdr_enc_fail(e, MW_ENOMEM, "out of memory for TypeCodes");
        }
        for (size_t i = 0; i < e->tc_cap; i++)
            if (e->tc_keys[i])
                tc_insert(keys, pos, cap, e->tc_keys[i], e->tc_pos[i]);
        free(e->tc_keys);
        free(e->tc_pos);
        e->tc_keys = keys;
        e->tc_pos = pos;
        e->tc_cap = cap;
    }
    tc_insert(e->tc_keys, e->tc_pos, e->tc_cap, t, p);
    e->tc_used++;
    return 0;
}

static void tc_forget_all(mwi_cdr_enc *e)
{
    free(e->tc_keys);
    free(e->tc_pos);
    e->tc_keys = NULL;
    e->tc_pos = NULL;
    e->tc_cap = e->tc_used = 0;
}

static int enc_complex(mwi_cdr_enc *e, const mw_type *t)
{
    encap c;
    int rc;
    size_t target;
    if (tc_written(e, t, &target)) {
        /* a type met before, or one inside itself: refer back to it */
        uint8_t *p;
        if ((rc = mwi_cdr_put_u32(e, TK_INDIRECT)) || (rc = mwi_cdr_put(e, 4, 4, &p)))
            return rc;
        size_t here = (size_t)(p - e->buf->data);
        int64_t off = (int64_t)target - (int64_t)here;
        if (off < INT32_MIN)
            return mwi_cdr_enc_fail(e, MW_ERANGE, "TypeCode too long for an indirection");
        uint32_t l = mwi_cdr_sw32((uint32_t)(int32_t)off, e->swap);
        memcpy(p, &l, 4);
        return 0;
    }
    /* remembered as soon as its TCKind is written, so its members can refer to it */
    switch (t->kind) {
    case MW_K_STRUCT: case MW_K_UNION:
        if ((rc = encap_begin(e, t->kind == MW_K_STRUCT ? TK_STRUCT : TK_UNION, &c)) ||
            (rc = tc_remember(e, t, c.len_at - 4)))
            return rc;
        rc = t->kind == MW_K_STRUCT ? enc_struct_params(e, t) : enc_union_params(e, t);
        break;
    case MW_K_SEQUENCE: case MW_K_OPTIONAL: case MW_K_ARRAY:
        if ((rc = encap_begin(e, t->kind == MW_K_ARRAY ? TK_ARRAY : TK_SEQUENCE, &c)) ||
            (rc = tc_remember(e, t, c.len_at - 4)))
            return rc;
        if (t->kind == MW_K_SEQUENCE)
            rc = enc_tc(e, t->u.seq.elem);
        else if (t->kind == MW_K_OPTIONAL)
            rc = enc_tc(e, t->u.alias.target);
        else
            rc = enc_tc(e, t->u.arr.elem);
        if (!rc)
            rc = mwi_cdr_put_u32(e, t->kind == MW_K_SEQUENCE ? t->u.seq.bound
                                    : t->kind == MW_K_OPTIONAL ? 1
                                                               : t->u.arr.count);
        break;
    case MW_K_ENUM:
        if ((rc = encap_begin(e, TK_ENUM, &c)) || (rc = tc_remember(e, t, c.len_at - 4)))
            return rc;
        rc = enc_enum_params(e, t);
        break;
    case MW_K_ALIAS:
        if ((rc = encap_begin(e, TK_ALIAS, &c)) || (rc = tc_remember(e, t, c.len_at - 4)))
            return rc;
        if (!(rc = put_repo_id(e, t->name)) && !(rc = put_string(e, simple_name(t->name))))
            rc = enc_tc(e, t->u.alias.target);
        break;
    case MW_K_OBJREF:
        if ((rc = encap_begin(e, TK_STRUCT, &c)) || (rc = tc_remember(e, t, c.len_at - 4)))
            return rc;
        rc = enc_objref_params(e);
        break;
    default:
        return mwi_cdr_enc_fail(e, MW_EINVAL, "no TypeCode for kind %d", (int)t->kind);
    }
    return rc ? rc : encap_end(e, &c);
}

static int enc_tc(mwi_cdr_enc *e, const mw_type *t)
{
    if (!t)
        return mwi_cdr_enc_fail(e, MW_EINVAL, "missing type");
    if ((unsigned)t->kind >= MW_K_COUNT_)
        return mwi_cdr_enc_fail(e, MW_EINVAL, "unknown kind %d", (int)t->kind);
    uint32_t tk = basic_tk(t->kind);
    if (tk)
        return mwi_cdr_put_u32(e, tk);
    if (t->kind == MW_K_STRING) {
        int rc = mwi_cdr_put_u32(e, TK_STRING);
        return rc ? rc : mwi_cdr_put_u32(e, t->u.seq.bound);
    }
    if (e->depth >= e->max_depth)
        return mwi_cdr_enc_fail(e, MW_EDEPTH, "TypeCode nesting deeper than %u", e->max_depth);
    e->depth++;
    int rc = enc_complex(e, t);
    e->depth--;
    return rc;
}

int mwi_cdr_enc_typecode(mwi_cdr_enc *e, const mw_type *t)
{
    if (!t)
        return mwi_cdr_put_u32(e, TK_NULL);
    /* Indirections reach only inside one top-level TypeCode. */
    tc_forget_all(e);
    int rc = enc_tc(e, t);
    tc_forget_all(e);
    return rc;
}

int mwi_cdr_typecode_size(const mw_type *t, size_t *out)
{
    mw_buf b;
    mw_buf_init(&b);
    mwi_cdr_enc e;
    e.buf = &b;
    e.start = 0;
    e.origin = 0;
    e.swap = false;
    e.depth = 0;
    e.max_depth = MW_MARSHAL_MAX_DEPTH;
    e.err = NULL;
    e.tc_keys = NULL;
    e.tc_pos = NULL;
    e.tc_cap = e.tc_used = 0;
    mwi_cdr_path_reset(&e.path);
    int rc = mwi_cdr_enc_typecode(&e, t);
    *out = b.len;
    mw_buf_free(&b);
    return rc;
}

/* ---- decoding ---------------------------------------------------------------------- */

/* Where an encapsulation's caller left off. */
typedef struct outer {
    size_t end, base;
    bool swap;
} outer;

static int encap_enter(mwi_cdr_dec *d, outer *o)
{
    size_t at = mwi_cdr_at(d, 4);
    uint32_t len;
    int rc = mwi_cdr_get_u32(d, &len);
    if (rc)
        return rc;
    if (len > d->end - d->off)
        return mwi_cdr_dec_fail(d, MW_ETRUNCATED, at,
                                "encapsulation of %u bytes, only %zu remain", len,
                                d->end - d->off);
    if (len == 0)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at, "empty encapsulation");
    uint8_t order = d->data[d->off];
    if (order > 1)
        return mwi_cdr_dec_fail(d, MW_EPROTO, d->off, "byte-order octet %u is neither 0 nor 1",
                                order);
    o->end = d->end;
    o->base = d->base;
    o->swap = d->swap;
    d->end = d->off + len;
    d->base = d->off;
    d->swap = (order == 1) != HOST_LITTLE;
    d->off++;
    return 0;
}

static void encap_leave(mwi_cdr_dec *d, const outer *o)
{
    d->off = d->end; /* the encapsulation's length is authoritative */
    d->end = o->end;
    d->base = o->base;
    d->swap = o->swap;
}

/* Reserves the table entry of a TypeCode starting at pos; entries stay sorted by pos
 * because TypeCodes are met in the order they start. */
static int tc_add(mwi_cdr_dec *d, size_t pos, size_t *index)
{
    if (d->tc_count == d->tc_cap) {
        size_t cap = d->tc_cap ? d->tc_cap * 2 : 16;
        mwi_cdr_tc_entry *n = realloc(d->tc, cap * sizeof *n);
        if (!n) {
            mwi_cdr_dec_fail(d, MW_ENOMEM, pos, "out of memory for TypeCodes");
            return MW_ENOMEM;
        }
        d->tc = n;
        d->tc_cap = cap;
    }
    d->tc[d->tc_count] = (mwi_cdr_tc_entry){pos, NULL, 0, false};
    *index = d->tc_count++;
    return 0;
}

static const mwi_cdr_tc_entry *tc_find(const mwi_cdr_dec *d, size_t pos)
{
    size_t lo = 0, hi = d->tc_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->tc[mid].pos == pos)
            return &d->tc[mid];
        if (d->tc[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void *type_alloc(mwi_cdr_dec *d, size_t n, size_t at)
{
    void *p = mw_arena_calloc(d->arena, 1, n);
    if (!p)
        mwi_cdr_dec_fail(d, MW_ENOMEM, at, "arena exhausted by TypeCodes");
    return p;
}

/* True when s[0..n) is "A", or "A/B/C" (or with colons "A::B::C"): non-empty parts
 * free of ':' and '/'. Only such names survive name -> repository id -> name unchanged. */
static bool scoped_shape(const char *s, size_t n, bool colons)
{
    size_t part = 0;
    for (size_t i = 0; i < n; i++) {
        bool sep = colons ? s[i] == ':' && i + 1 < n && s[i + 1] == ':' : s[i] == '/';
        if (sep) {
            if (part == 0)
                return false;
            i += colons;
            part = 0;
        } else if (s[i] == ':' || s[i] == '/') {
            return false;
        } else {
            part++;
        }
    }
    return part > 0;
}

/* The scoped name a repository id stands for ("IDL:a/b/C:1.0" gives "a::b::C"); else
 * the TypeCode's name when it is one; else NULL (anonymous). The encoder writes the
 * repository id back from this name, so decoding what it wrote gives the same name. */
static int scoped_name(mwi_cdr_dec *d, const char *repo, const char *name, const char **out)
{
    const char *colon = strncmp(repo, "IDL:", 4) == 0 ? strrchr(repo, ':') : NULL;
    size_t n = colon && colon > repo + 4 ? (size_t)(colon - repo - 4) : 0;
    if (!n || !scoped_shape(repo + 4, n, false)) {
        *out = scoped_shape(name, strlen(name), true) ? name : NULL;
        return 0;
    }
    size_t slashes = 0;
    for (size_t i = 0; i < n; i++)
        slashes += repo[4 + i] == '/';
    char *s = mw_arena_alloc(d->arena, n + slashes + 1, 1);
    if (!s)
        return mwi_cdr_dec_fail(d, MW_ENOMEM, d->off, "arena exhausted by names");
    char *q = s;
    for (size_t i = 0; i < n; i++) {
        if (repo[4 + i] == '/') {
            *q++ = ':';
            *q++ = ':';
        } else {
            *q++ = repo[4 + i];
        }
    }
    *q = '\0';
    *out = s;
    return 0;
}

static inline size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

/* What a TypeCode decoded to. */
typedef struct tcres {
    const mw_type *type; /* NULL for tk_null */
    size_t min;          /* the fewest bytes a value of it takes (when complete) */
    bool complete;       /* false for an enclosing struct or union still being read */
} tcres;

static int dec_tc(mwi_cdr_dec *d, tcres *r);

static size_t add_sat(size_t a, size_t b)
{
    size_t s;
    return mwi_add_size(a, b, &s) ? s : SIZE_MAX;
}

/* A member's TypeCode, which must be a finished type with a value. */
static int dec_member_tc(mwi_cdr_dec *d, tcres *r, bool allow_void)
{
    size_t at = mwi_cdr_at(d, 4);
    int rc = dec_tc(d, r);
    if (rc)
        return rc;
    if (!r->complete)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at,
                                "a type contains itself other than through a sequence");
    if (!r->type || (!allow_void && r->type->kind == MW_K_VOID))
        return mwi_cdr_dec_fail(d, MW_EPROTO, at, "member TypeCode without a value");
    return 0;
}

static int dec_names(mwi_cdr_dec *d, const char **repo, const char **scoped)
{
    char *r, *n;
    int rc;
    if ((rc = mwi_cdr_dec_string(d, 0, true, &r)) || (rc = mwi_cdr_dec_string(d, 0, true, &n)))
        return rc;
    *repo = r;
    return scoped_name(d, r, n, scoped);
}

/* Reads a member count, refusing counts the encapsulation cannot hold at min bytes
 * each. */
static int dec_count(mwi_cdr_dec *d, size_t min, uint32_t *n)
{
    size_t at = mwi_cdr_at(d, 4);
    int rc = mwi_cdr_get_u32(d, n);
    if (rc)
        return rc;
    if (*n == 0)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at, "TypeCode with no members");
    if (*n > (d->end - d->off) / min)
        return mwi_cdr_dec_fail(d, MW_ETRUNCATED, at, "%u members cannot fit in %zu bytes",
                                *n, d->end - d->off);
    return 0;
}

static bool is_objref_layout(const mw_type *t)
{
    if (t->u.st.count != MWI_ARRAY_LEN(objref_members))
        return false;
    for (size_t i = 0; i < MWI_ARRAY_LEN(objref_members); i++) {
        const mw_type *want = objref_members[i].type, *got = t->u.st.fields[i].type;
        if (got->kind != want->kind)
            return false;
        if (got->kind == MW_K_SEQUENCE && mwi_cdr_resolve(got->u.seq.elem)->kind != MW_K_OCTET)
            return false;
    }
    return true;
}

static int dec_struct(mwi_cdr_dec *d, size_t entry, tcres *r)
{
    const char *repo, *scoped;
    uint32_t n;
    int rc;
    size_t at = d->off;
    if ((rc = dec_names(d, &repo, &scoped)) || (rc = dec_count(d, 9, &n)))
        return rc;
    mw_type *t = type_alloc(d, sizeof *t, at);
    mw_field *fields = t ? mw_arena_calloc(d->arena, n, sizeof *fields) : NULL;
    if (!fields)
        return t ? mwi_cdr_dec_fail(d, MW_ENOMEM, at, "arena exhausted by TypeCodes")
                 : MW_ENOMEM;
    t->kind = MW_K_STRUCT;
    t->name = scoped;
    d->tc[entry].type = t; /* its members may now refer to it */
    size_t size = 0, align = 1, min = 0;
    for (uint32_t i = 0; i < n; i++) {
        char *fname;
        tcres m;
        if ((rc = mwi_cdr_dec_string(d, 0, true, &fname)))
            return rc;
        if ((rc = dec_member_tc(d, &m, false))) {
            mwi_cdr_path_field(&d->path, fname);
            return rc;
        }
        size_t off = align_up(size, m.type->align);
        if (off + m.type->size > UINT32_MAX)
            return mwi_cdr_dec_fail(d, MW_EPROTO, d->off, "struct too large to represent");
        fields[i] = (mw_field){fname, m.type, (uint32_t)off, 0};
        size = off + m.type->size;
        align = MWI_MAX(align, m.type->align);
        min = add_sat(min, m.min);
    }
    size = align_up(size, align);
    if (size > UINT32_MAX)
        return mwi_cdr_dec_fail(d, MW_EPROTO, d->off, "struct too large to represent");
    t->size = (uint32_t)size;
    t->align = (uint32_t)align;
    t->u.st.fields = fields;
    t->u.st.count = n;
    r->type = t;
    r->min = min;
    /* Known by the name it stands for, whatever the version in the repository id, since
     * that name is what the encoder writes back as objref_repo_id. */
    if (scoped && strcmp(scoped, mw_t_objref.name) == 0) {
        if (!is_objref_layout(t))
            return mwi_cdr_dec_fail(d, MW_EPROTO, at, "%s with another layout", repo);
        r->type = &mw_t_objref;
        r->min = mwi_min_wire_size(&mw_t_objref, 1);
    }
    return 0;
}

/* A union label of the discriminator's type, as the int64 mwi_load_int gives. */
static int dec_label(mwi_cdr_dec *d, const mw_type *disc, bool is_default, int64_t *label)
{
    size_t at = d->off;
    uint8_t b = 0;
    uint16_t s = 0;
    uint32_t l = 0;
    uint64_t q = 0;
    int rc;
    switch (disc->kind) {
    case MW_K_BOOLEAN: case MW_K_CHAR: case MW_K_OCTET:
        if ((rc = mwi_cdr_get_u8(d, &b)))
            return rc;
        if (disc->kind == MW_K_BOOLEAN && b > 1 && !is_default)
            return mwi_cdr_dec_fail(d, MW_EPROTO, at, "boolean label %u", b);
        *label = b;
        return 0;
    case MW_K_SHORT: case MW_K_USHORT:
        if ((rc = mwi_cdr_get_u16(d, &s)))
            return rc;
        *label = disc->kind == MW_K_SHORT ? (int64_t)(int16_t)s : (int64_t)s;
        return 0;
    case MW_K_LONG: case MW_K_ULONG: case MW_K_ENUM:
        if ((rc = mwi_cdr_get_u32(d, &l)))
            return rc;
        if (disc->kind == MW_K_ENUM && l >= disc->u.en.count && !is_default)
            return mwi_cdr_dec_fail(d, MW_EPROTO, at, "label %u is not an ordinal of enum %s",
                                    l, disc->name ? disc->name : "?");
        *label = disc->kind == MW_K_LONG ? (int64_t)(int32_t)l : (int64_t)l;
        return 0;
    default:
        if ((rc = mwi_cdr_get_u64(d, &q)))
            return rc;
        *label = (int64_t)q;
        return 0;
    }
}

static int dec_union(mwi_cdr_dec *d, size_t entry, tcres *r)
{
    const char *repo, *scoped;
    const mw_type *disc;
    tcres dr;
    uint32_t n = 0, dflt_u = 0;
    int rc;
    size_t at = d->off;
    if ((rc = dec_names(d, &repo, &scoped)))
        return rc;
    size_t disc_at = mwi_cdr_at(d, 4);
    if ((rc = dec_member_tc(d, &dr, false)))
        return rc;
    disc = mwi_cdr_resolve(dr.type);
    if (!disc || !mwi_kind_is_discriminator(disc->kind))
        return mwi_cdr_dec_fail(d, MW_EPROTO, disc_at, "union discriminator of kind %s",
                                disc ? mw_kind_name(disc->kind) : "?");
    size_t dflt_at = mwi_cdr_at(d, 4);
    if ((rc = mwi_cdr_get_u32(d, &dflt_u)))
        return rc;
    size_t count_at = mwi_cdr_at(d, 4);
    if ((rc = dec_count(d, 10, &n)))
        return rc;
    if (n > MWI_CDR_MAX_UNION_CASES)
        return mwi_cdr_dec_fail(d, MW_ELIMIT, count_at, "union of %u members (at most %u)", n,
                                MWI_CDR_MAX_UNION_CASES);
    int32_t dflt = (int32_t)dflt_u;
    if (dflt < -1 || (dflt >= 0 && (uint32_t)dflt >= n))
        return mwi_cdr_dec_fail(d, MW_EPROTO, dflt_at, "default index %d of %u members",
                                (int)dflt, n);
    mw_type *t = type_alloc(d, sizeof *t, at);
    mw_case *cases = t ? mw_arena_calloc(d->arena, n, sizeof *cases) : NULL;
    if (!cases)
        return t ? mwi_cdr_dec_fail(d, MW_ENOMEM, at, "arena exhausted by TypeCodes")
                 : MW_ENOMEM;
    t->kind = MW_K_UNION;
    t->name = scoped;
    d->tc[entry].type = t;
    size_t malign = 1, msize = 0;
    for (uint32_t i = 0; i < n; i++) {
        mw_case *c = &cases[i];
        char *mname;
        tcres m;
        c->is_default = (int32_t)i == dflt;
        if ((rc = dec_label(d, disc, c->is_default, &c->label)) ||
            (rc = mwi_cdr_dec_string(d, 0, true, &mname)))
            return rc;
        if ((rc = dec_member_tc(d, &m, true))) {
            mwi_cdr_path_field(&d->path, mname);
            return rc;
        }
        if (c->is_default)
            c->label = 0;
        c->name = mname;
        c->type = m.type;
        malign = MWI_MAX(malign, m.type->align ? m.type->align : 1);
        msize = MWI_MAX(msize, m.type->size);
    }
    size_t value_offset = align_up(disc->size, malign);
    size_t align = MWI_MAX(malign, disc->align);
    size_t size = align_up(value_offset + msize, align);
    if (size > UINT32_MAX)
        return mwi_cdr_dec_fail(d, MW_EPROTO, d->off, "union too large to represent");
    t->size = (uint32_t)size;
    t->align = (uint32_t)align;
    t->u.un.disc = dr.type;
    t->u.un.value_offset = (uint32_t)value_offset;
    t->u.un.cases = cases;
    t->u.un.count = n;
    r->type = t;
    r->min = dr.min; /* a case may have no member */
    return 0;
}

static int dec_enum(mwi_cdr_dec *d, tcres *r)
{
    const char *repo, *scoped;
    uint32_t n;
    int rc;
    size_t at = d->off;
    if ((rc = dec_names(d, &repo, &scoped)) || (rc = dec_count(d, 5, &n)))
        return rc;
    mw_type *t = type_alloc(d, sizeof *t, at);
    mw_enumerator *items = t ? mw_arena_calloc(d->arena, n, sizeof *items) : NULL;
    if (!items)
        return t ? mwi_cdr_dec_fail(d, MW_ENOMEM, at, "arena exhausted by TypeCodes")
                 : MW_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        char *s;
        if ((rc = mwi_cdr_dec_string(d, 0, true, &s)))
            return rc;
        items[i] = (mw_enumerator){s, (int32_t)i};
    }
    t->kind = MW_K_ENUM;
    t->name = scoped;
    t->size = sizeof(int32_t);
    t->align = alignof(int32_t);
    t->u.en.items = items;
    t->u.en.count = n;
    r->type = t;
    r->min = 4;
    return 0;
}

/* tk_sequence and tk_array: the element may be an enclosing struct or union (a
 * recursive type) only in a sequence, whose C form holds a pointer. */
static int dec_seq_array(mwi_cdr_dec *d, bool array, tcres *r)
{
    size_t at = mwi_cdr_at(d, 4);
    tcres el;
    uint32_t bound = 0;
    int rc = dec_tc(d, &el);
    if (rc)
        return rc;
    const mw_type *elem = el.type;
    if (!elem || elem->kind == MW_K_VOID)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at, "element TypeCode without a value");
    if (array && !el.complete)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at, "an array contains its own type");
    size_t bound_at = mwi_cdr_at(d, 4);
    if ((rc = mwi_cdr_get_u32(d, &bound)))
        return rc;
    mw_type *t = type_alloc(d, sizeof *t, at);
    if (!t)
        return MW_ENOMEM;
    r->min = 4;
    if (array) {
        size_t min;
        if (bound == 0)
            return mwi_cdr_dec_fail(d, MW_EPROTO, bound_at, "array of length 0");
        if ((uint64_t)elem->size * bound > UINT32_MAX)
            return mwi_cdr_dec_fail(d, MW_EPROTO, bound_at,
                                    "array of %u elements too large to represent", bound);
        t->kind = MW_K_ARRAY;
        t->size = elem->size * bound;
        t->align = elem->align;
        t->u.arr.elem = elem;
        t->u.arr.count = bound;
        r->min = mwi_mul_size(el.min, bound, &min) ? min : SIZE_MAX;
    } else if (bound == 1) {
        t->kind = MW_K_OPTIONAL;
        t->size = sizeof(void *);
        t->align = alignof(void *);
        t->u.alias.target = elem;
    } else {
        t->kind = MW_K_SEQUENCE;
        t->size = sizeof(mw_seq);
        t->align = alignof(mw_seq);
        t->u.seq.elem = elem;
        t->u.seq.bound = bound;
    }
    r->type = t;
    return 0;
}

static int dec_alias(mwi_cdr_dec *d, tcres *r)
{
    const char *repo, *scoped;
    tcres target;
    int rc;
    size_t at = d->off;
    if ((rc = dec_names(d, &repo, &scoped)) || (rc = dec_member_tc(d, &target, false)))
        return rc;
    mw_type *t = type_alloc(d, sizeof *t, at);
    if (!t)
        return MW_ENOMEM;
    t->kind = MW_K_ALIAS;
    t->name = scoped ? scoped : "?"; /* an alias is a name: never anonymous */
    t->size = target.type->size;
    t->align = target.type->align;
    t->u.alias.target = target.type;
    r->type = t;
    r->min = target.min;
    return 0;
}

/* The type of a basic TCKind and the size of its value; NULL for the others. */
static const mw_type *basic_type(uint32_t tk, size_t *min)
{
    switch (tk) {
    case TK_VOID: *min = 0; return &mw_t_void;
    case TK_SHORT: *min = 2; return &mw_t_short;
    case TK_LONG: *min = 4; return &mw_t_long;
    case TK_USHORT: *min = 2; return &mw_t_ushort;
    case TK_ULONG: *min = 4; return &mw_t_ulong;
    case TK_FLOAT: *min = 4; return &mw_t_float;
    case TK_DOUBLE: *min = 8; return &mw_t_double;
    case TK_BOOLEAN: *min = 1; return &mw_t_boolean;
    case TK_CHAR: *min = 1; return &mw_t_char;
    case TK_OCTET: *min = 1; return &mw_t_octet;
    case TK_ANY: *min = 4; return &mw_t_any;
    case TK_LONGLONG: *min = 8; return &mw_t_longlong;
    case TK_ULONGLONG: *min = 8; return &mw_t_ulonglong;
    default: return NULL;
    }
}

static int dec_indirection(mwi_cdr_dec *d, size_t kind_at, tcres *r)
{
    size_t at = mwi_cdr_at(d, 4);
    uint32_t raw = 0;
    int rc = mwi_cdr_get_u32(d, &raw);
    if (rc)
        return rc;
    int64_t target = (int64_t)at + (int32_t)raw;
    const mwi_cdr_tc_entry *en =
        target >= 0 && (size_t)target < kind_at ? tc_find(d, (size_t)target) : NULL;
    if (!en || !en->type)
        return mwi_cdr_dec_fail(d, MW_EPROTO, at,
                                "indirection %d does not lead to an earlier TypeCode",
                                (int)(int32_t)raw);
    r->type = en->type;
    r->min = en->min_wire;
    r->complete = en->complete;
    return 0;
}

static int dec_tc(mwi_cdr_dec *d, tcres *r)
{
    size_t at = mwi_cdr_at(d, 4);
    uint32_t tk = 0;
    int rc = mwi_cdr_get_u32(d, &tk);
    if (rc)
        return rc;
    r->complete = true;
    r->min = 0;
    r->type = NULL;
    if (tk == TK_INDIRECT)
        return dec_indirection(d, at, r);
    size_t entry = 0;
    if ((rc = tc_add(d, at, &entry)))
        return rc;
    if (tk == TK_NULL)
        return 0;
    const mw_type *t = basic_type(tk, &r->min);
    if (!t && tk == TK_STRING) {
        uint32_t bound = 0;
        mw_type *s;
        if ((rc = mwi_cdr_get_u32(d, &bound)))
            return rc;
        if (bound == 0) {
            t = &mw_t_string;
        } else if ((s = type_alloc(d, sizeof *s, at))) {
            *s = mw_t_string;
            s->u.seq.bound = bound;
            t = s;
        } else {
            return MW_ENOMEM;
        }
        r->min = 4;
    }
    if (!t) {
        if (tk != TK_STRUCT && tk != TK_UNION && tk != TK_ENUM && tk != TK_SEQUENCE &&
            tk != TK_ARRAY && tk != TK_ALIAS)
            return mwi_cdr_dec_fail(d, tk == TK_OBJREF || tk < 0x30 ? MW_ENOTSUP : MW_EPROTO,
                                    at, "TypeCode kind %u is not supported", tk);
        if (d->depth >= d->max_depth)
            return mwi_cdr_dec_fail(d, MW_EDEPTH, at, "TypeCode nesting deeper than %u",
                                    d->max_depth);
        d->depth++;
        outer o = {0, 0, false};
        if ((rc = encap_enter(d, &o)))
            return rc;
        switch (tk) {
        case TK_STRUCT: rc = dec_struct(d, entry, r); break;
        case TK_UNION: rc = dec_union(d, entry, r); break;
        case TK_ENUM: rc = dec_enum(d, r); break;
        case TK_SEQUENCE: rc = dec_seq_array(d, false, r); break;
        case TK_ARRAY: rc = dec_seq_array(d, true, r); break;
        default: rc = dec_alias(d, r); break;
        }
        if (rc)
            return rc;
        encap_leave(d, &o);
        d->depth--;
        t = r->type;
        /* Every value must be in the input: a type whose smallest value is longer cannot
         * be used, and refusing it here keeps repeated TypeCodes (a struct of two of a
         * struct of two of ...) from describing values too large to walk. */
        if (r->min > d->len)
            return mwi_cdr_dec_fail(d, MW_ETRUNCATED, at,
                                    "a value of this type takes at least %zu bytes, the input "
                                    "has %zu",
                                    r->min, d->len);
    }
    d->tc[entry].type = t;
    d->tc[entry].min_wire = r->min;
    d->tc[entry].complete = true;
    r->type = t;
    return 0;
}

int mwi_cdr_dec_typecode(mwi_cdr_dec *d, const mw_type **out)
{
    tcres r;
    d->tc_count = 0;
    int rc = dec_tc(d, &r);
    if (rc)
        return rc;
    *out = r.type && r.type->kind != MW_K_VOID ? r.type : NULL;
    return 0;
}

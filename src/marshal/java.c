/*
 * java.c - the Java serialization codec (Figures 4.9 and 4.10): values of the type model
 * written and read as the Java Object Serialization Stream Protocol, so that
 * java.io.ObjectInputStream reads what we write and we read what ObjectOutputStream
 * writes. The stream itself (handles, descriptors, the parser) is java_stream.c; this
 * file maps types to Java classes. docs/java-serialization.md has the full story.
 *
 * THE MAPPING (typedefs are followed to what they name):
 *   struct            a serializable class (flags SC_SERIALIZABLE, no superclass). Its
 *                     name: opts->java_class for the top-level type, else the struct's
 *                     name with "::" as "."; serialVersionUID: opts->java_suid for the
 *                     top-level type when java_suid_set, else 1L. Fields are in Java's
 *                     order: primitives first, then objects, each sorted by name.
 *   boolean Z, octet B, char C (the byte's ISO 8859-1 code point), short S,
 *   unsigned short S, long I, unsigned long I, long long J, unsigned long long J,
 *   float F, double D: unsigned kinds keep their bits in the signed Java type of the
 *                     same width. Float and double keep their bits (NaN payloads too).
 *   string            java.lang.String (TC_LONGSTRING above 65535 bytes of modified
 *                     UTF-8); a NULL char * is written as "".
 *   enum              a Java enum: TC_ENUM, class flags SC_SERIALIZABLE|SC_ENUM,
 *                     serialVersionUID 0, superclass java.lang.Enum, the constant's name.
 *   sequence, array   a Java array: [I, [D, [Ljava.lang.String;, [LPerson;, [[S ... with
 *                     the JDK's serialVersionUID for the array class.
 *   optional          the object, or TC_NULL; a basic value is boxed (java.lang.Integer).
 *                     An optional optional or optional any is MW_ENOTSUP (null would be
 *                     ambiguous).
 *   any               a field of type java.lang.Object holding the value (basic values
 *                     boxed; unsigned ones in midway.UnsignedShort/Integer/Long), TC_NULL
 *                     when empty. An any holding an enum, union, optional or any is
 *                     MW_ENOTSUP: the stream could not tell its type back.
 *   union             a class named by the union with the fields `discriminator` (its
 *                     primitive, or its enum) and `value` (java.lang.Object: the boxed
 *                     member, or null when the case has none).
 *   object reference  midway.ObjectRef { long created; int objectNumber; int port;
 *                     int scopeId; byte[] address; String interfaceName; }.
 *   a top-level basic value is boxed, like an optional one.
 *
 * IDENTITY. Java writes an object it has already written as a TC_REFERENCE to its
 * handle. Our objects are identified the same way, by address: a string by the address
 * of its characters, a struct or array by its address and type, an enum constant by its
 * value. So the same char * in two fields is written once, equal text at two addresses
 * twice, as ObjectOutputStream does with two String objects. Decoding keeps sharing:
 * two references to one string give the same char *, to one object through optional
 * pointers the same pointer; a struct held inline is copied. A cycle is MW_EPROTO.
 *
 * READING follows ObjectInputStream's rules for an evolving class: fields are matched by
 * name (in any order) and by type code; fields the stream has and the type lacks are
 * skipped; members the stream lacks get a default (0, "", empty, absent, the first
 * enumerator). Class names must match; the serialVersionUID is checked only for the
 * top-level class when java_suid_set. A null where a string or sequence is expected
 * reads as "" or empty. An any is typed from the stream: boxed values, strings, arrays
 * of primitives or strings, midway.ObjectRef, built-in example types by class name,
 * and other classes with primitive, string and primitive-array fields (a struct type is
 * built in the arena).
 */
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "java_impl.h"

/* Members named in an error's path; deeper frames are counted, shown as "...". */
#define PATH_FRAMES 48

typedef struct frame {
    const char *name; /* NULL: an index */
    uint32_t index;
} frame;

/* What encoding and decoding share: the type-to-class cache and the error path. */
typedef struct ctx {
    const mw_type *top;
    const mw_marshal_opts *opts;
    mw_marshal_error *err;
    bool reported;      /* err is filled */
    uint32_t max_depth;
    mw_arena *scratch;  /* classes built for this call */
    mwi_jmap classes;   /* type -> mwi_jclass */
    frame fr[PATH_FRAMES];
    uint32_t nfr;
} ctx;

static void push_name(ctx *c, const char *name)
{
    if (c->nfr < PATH_FRAMES)
        c->fr[c->nfr] = (frame){name, 0};
    c->nfr++;
}

static void push_index(ctx *c, uint32_t i)
{
    if (c->nfr < PATH_FRAMES)
        c->fr[c->nfr] = (frame){NULL, i};
    c->nfr++;
}

static void pop(ctx *c) { c->nfr--; }

static void format_path(const ctx *c, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < c->nfr && i < PATH_FRAMES && len < size; i++) {
        int n = c->fr[i].name ? snprintf(buf + len, size - len, "%s%s", len ? "." : "",
                                         c->fr[i].name)
                              : snprintf(buf + len, size - len, "[%u]", c->fr[i].index);
        if (n > 0)
            len += (size_t)n;
    }
    if (c->nfr > PATH_FRAMES && len < size)
        snprintf(buf + len, size - len, "...");
}

static int ctx_fail(ctx *c, int code, size_t off, const char *fmt, ...) MW_PRINTF(4, 5);

static int ctx_fail(ctx *c, int code, size_t off, const char *fmt, ...)
{
    if (c->err && !c->reported) {
        char path[sizeof c->err->path], detail[sizeof c->err->detail];
        format_path(c, path, sizeof path);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
        mwi_marshal_fail(c->err, code, off, path, "%s", detail);
    }
    c->reported = true;
    return code;
}

static int ctx_init(ctx *c, const mw_type *t, const mw_marshal_opts *opts,
                    mw_marshal_error *err)
{
    memset(c, 0, sizeof *c);
    c->top = mw_type_resolve(t);
    c->opts = opts;
    c->err = err;
    c->max_depth = mwi_max_depth(opts);
    return mw_arena_create(&c->scratch, 0);
}

static void ctx_free(ctx *c)
{
    mwi_jmap_free(&c->classes);
    mw_arena_destroy(c->scratch);
}

/* ---- types as Java classes ------------------------------------------------------------ */

static bool is_basic(mw_kind k) { return k >= MW_K_BOOLEAN && k <= MW_K_DOUBLE; }

/* The primitive type code of a resolved basic type, else 0. */
static char prim_code(const mw_type *t)
{
    static const char codes[] = {
        [MW_K_BOOLEAN] = 'Z', [MW_K_OCTET] = 'B',    [MW_K_CHAR] = 'C',
        [MW_K_SHORT] = 'S',   [MW_K_USHORT] = 'S',   [MW_K_LONG] = 'I',
        [MW_K_ULONG] = 'I',   [MW_K_LONGLONG] = 'J', [MW_K_ULONGLONG] = 'J',
        [MW_K_FLOAT] = 'F',   [MW_K_DOUBLE] = 'D',
    };
    return is_basic(t->kind) ? codes[t->kind] : 0;
}

/* MW_ENOTSUP for optional targets whose absence Java could not tell from a value. */
static int optional_target_ok(ctx *c, const mw_type *target, size_t off)
{
    if (!target)
        return ctx_fail(c, MW_EINVAL, off, "optional of an unresolvable type");
    if (target->kind == MW_K_OPTIONAL || target->kind == MW_K_ANY ||
        target->kind == MW_K_VOID)
        return ctx_fail(c, MW_ENOTSUP, off, "an optional %s has no Java form (null would "
                        "be ambiguous)", mw_kind_name(target->kind));
    return 0;
}

/* The Java name of a named type, dotted. */
static int java_name(ctx *c, const mw_type *t, const char **out)
{
    if (t == c->top && t->kind == MW_K_STRUCT && c->opts && c->opts->java_class) {
        *out = c->opts->java_class;
        return 0;
    }
    const char *n = t->name;
    if (!strstr(n, "::")) {
        *out = n;
        return 0;
    }
    char *s = mw_arena_alloc(c->scratch, strlen(n) + 1, 1), *d = s;
    if (!s)
        return MW_ENOMEM;
    while (*n) {
        if (n[0] == ':' && n[1] == ':')
            *d++ = '.', n += 2;
        else
            *d++ = *n++;
    }
    *d = '\0';
    *out = s;
    return 0;
}

/* Appends the field descriptor of t ("I", "Ljava/lang/String;", "[LPerson;"). */
static int sig_of(ctx *c, const mw_type *t, mw_buf *b, uint32_t depth)
{
    t = mw_type_resolve(t);
    if (!t || depth > MW_MARSHAL_MAX_DEPTH)
        return ctx_fail(c, MW_EINVAL, 0, "type nested too deeply or unresolvable");
    char code = prim_code(t);
    if (code)
        return mw_buf_put_u8(b, (uint8_t)code);
    const char *name = NULL;
    int rc;
    switch (t->kind) {
    case MW_K_STRING: return mw_buf_append_str(b, "Ljava/lang/String;");
    case MW_K_ANY: return mw_buf_append_str(b, "Ljava/lang/Object;");
    case MW_K_OBJREF: return mw_buf_append_str(b, "Lmidway/ObjectRef;");
    case MW_K_STRUCT: case MW_K_UNION: case MW_K_ENUM:
        if ((rc = java_name(c, t, &name)))
            return rc;
        break;
    case MW_K_SEQUENCE: case MW_K_ARRAY:
        if ((rc = mw_buf_put_u8(b, '[')))
            return rc;
        return sig_of(c, t->kind == MW_K_ARRAY ? t->u.arr.elem : t->u.seq.elem, b, depth + 1);
    case MW_K_OPTIONAL: {
        const mw_type *target = mw_type_resolve(t->u.alias.target);
        if ((rc = optional_target_ok(c, target, 0)))
            return rc;
        if (!is_basic(target->kind))
            return sig_of(c, target, b, depth + 1);
        name = mwi_java_boxed_class(target->kind, false)->name;
        break;
    }
    default:
        return ctx_fail(c, MW_ENOTSUP, 0, "%s has no Java form", mw_kind_name(t->kind));
    }
    if ((rc = mw_buf_put_u8(b, 'L')))
        return rc;
    for (; *name; name++)
        if ((rc = mw_buf_put_u8(b, *name == '.' ? '/' : (uint8_t)*name)))
            return rc;
    return mw_buf_put_u8(b, ';');
}

/* sig_of as a string in the scratch arena; with dots, the class name of an array. */
static int sig_string(ctx *c, const mw_type *t, bool dotted, const char **out)
{
    mw_buf b = {0};
    int rc = sig_of(c, t, &b, 0);
    if (!rc) {
        char *s = mw_arena_strndup(c->scratch, (const char *)b.data, b.len);
        if (!s)
            rc = MW_ENOMEM;
        for (size_t i = 0; s && dotted && i < b.len; i++)
            if (s[i] == '/')
                s[i] = '.';
        *out = s;
    }
    mw_buf_free(&b);
    return rc;
}

/* The next UTF-16 code unit of UTF-8 text (0 at its end): Java sorts names by them. */
static uint32_t next_unit(const unsigned char **s, uint32_t *pending)
{
    if (*pending) {
        uint32_t u = *pending;
        *pending = 0;
        return u;
    }
    const unsigned char *p = *s;
    uint32_t cp;
    if (!p[0])
        return 0;
    if (p[0] >= 0xC0 && p[0] < 0xE0 && p[1])
        cp = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F), p += 2;
    else if (p[0] >= 0xE0 && p[0] < 0xF0 && p[1] && p[2])
        cp = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F), p += 3;
    else if (p[0] >= 0xF0 && p[1] && p[2] && p[3])
        cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
             (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F), p += 4;
    else
        cp = *p++;
    *s = p;
    if (cp >= 0x10000) {
        cp -= 0x10000;
        *pending = 0xDC00 | (cp & 0x3FF);
        return 0xD800 | cp >> 10;
    }
    return cp;
}

/* ObjectStreamField.compareTo: primitives first, then String.compareTo of the names. */
static int field_order(const void *x, const void *y)
{
    const mwi_jfield *a = x, *b = y;
    bool pa = mwi_java_prim_width(a->code) != 0, pb = mwi_java_prim_width(b->code) != 0;
    if (pa != pb)
        return pa ? -1 : 1;
    const unsigned char *s = (const unsigned char *)a->name, *t = (const unsigned char *)b->name;
    uint32_t ps = 0, pt = 0;
    for (;;) {
        uint32_t u = next_unit(&s, &ps), v = next_unit(&t, &pt);
        if (u != v)
            return u < v ? -1 : 1;
        if (!u)
            return 0;
    }
}

/* Describes one member as a field. */
static int member_field(ctx *c, mwi_jfield *f, const char *name, const mw_type *type,
                        uint32_t offset)
{
    const mw_type *r = mw_type_resolve(type);
    f->name = name;
    f->type = type;
    f->offset = offset;
    if (!r)
        return ctx_fail(c, MW_EINVAL, 0, "member %s has an unresolvable type", name);
    if ((f->code = prim_code(r)))
        return 0;
    int rc = sig_string(c, r, false, &f->sig);
    if (!rc)
        f->code = f->sig[0];
    return rc;
}

static int build_class(ctx *c, const mw_type *t, mwi_jclass *k)
{
    int rc;
    mwi_jfield *fields;
    switch (t->kind) {
    case MW_K_STRUCT:
        if ((rc = java_name(c, t, &k->name)))
            return rc;
        k->suid = t == c->top && c->opts && c->opts->java_suid_set ? c->opts->java_suid : 1;
        k->flags = MWI_SC_SERIALIZABLE;
        k->nfields = t->u.st.count;
        if (!(fields = mw_arena_calloc(c->scratch, k->nfields, sizeof *fields)))
            return MW_ENOMEM;
        for (uint32_t i = 0; i < k->nfields; i++) {
            const mw_field *m = &t->u.st.fields[i];
            if ((rc = member_field(c, &fields[i], m->name, m->type, m->offset)))
                return rc;
        }
        qsort(fields, k->nfields, sizeof *fields, field_order);
        k->fields = fields;
        return 0;
    case MW_K_UNION:
        if ((rc = java_name(c, t, &k->name)))
            return rc;
        k->suid = 1;
        k->flags = MWI_SC_SERIALIZABLE;
        k->nfields = 2;
        if (!(fields = mw_arena_calloc(c->scratch, 2, sizeof *fields)))
            return MW_ENOMEM;
        if ((rc = member_field(c, &fields[0], "discriminator", t->u.un.disc, 0)))
            return rc;
        fields[1] = (mwi_jfield){"value", 'L', "Ljava/lang/Object;", NULL,
                                 t->u.un.value_offset};
        k->fields = fields; /* already in Java's order either way */
        return 0;
    case MW_K_ENUM:
        k->flags = MWI_SC_SERIALIZABLE | MWI_SC_ENUM;
        k->super = &mwi_java_enum_base;
        return java_name(c, t, &k->name);
    case MW_K_SEQUENCE: case MW_K_ARRAY:
        k->flags = MWI_SC_SERIALIZABLE;
        if ((rc = sig_string(c, t, true, &k->name)))
            return rc;
        return mwi_java_array_suid(k->name, &k->suid);
    default:
        return ctx_fail(c, MW_ENOTSUP, 0, "%s has no Java class", mw_kind_name(t->kind));
    }
}

/* The class of a resolved struct, union, enum, sequence, array, objref or basic type. */
static int class_of(ctx *c, const mw_type *t, const mwi_jclass **out)
{
    if (is_basic(t->kind)) {
        *out = mwi_java_boxed_class(t->kind, false);
        return 0;
    }
    if (t->kind == MW_K_OBJREF) {
        *out = &mwi_java_objref_class;
        return 0;
    }
    mwi_jkey key = {.kind = MWI_JK_CLASS, .p = t};
    void *v;
    if (mwi_jmap_get(&c->classes, &key, NULL, &v)) {
        *out = v;
        return 0;
    }
    mwi_jclass *k = mw_arena_calloc(c->scratch, 1, sizeof *k);
    if (!k)
        return MW_ENOMEM;
    int rc = build_class(c, t, k);
    if (rc || (rc = mwi_jmap_put(&c->classes, &key, 0, k)))
        return rc;
    *out = k;
    return 0;
}

/* ---- encoding ------------------------------------------------------------------------- */

typedef struct enc {
    ctx c;
    mwi_jwriter w;
} enc;

#define E_FAIL(e, code, ...) ctx_fail(&(e)->c, code, (e)->w.count, __VA_ARGS__)

static int e_value(enc *e, const mw_type *t, const void *v, uint32_t depth, bool in_any);

static int e_prim(enc *e, mw_kind k, const void *v)
{
    uint32_t u32;
    uint64_t u64;
    switch (k) {
    case MW_K_BOOLEAN: return mwi_jw_u8(&e->w, *(const bool *)v ? 1 : 0);
    case MW_K_OCTET: return mwi_jw_u8(&e->w, *(const uint8_t *)v);
    case MW_K_CHAR: return mwi_jw_u16(&e->w, (unsigned char)*(const char *)v);
    case MW_K_SHORT: case MW_K_USHORT: return mwi_jw_u16(&e->w, *(const uint16_t *)v);
    case MW_K_LONG: case MW_K_ULONG: return mwi_jw_u32(&e->w, *(const uint32_t *)v);
    case MW_K_LONGLONG: case MW_K_ULONGLONG: return mwi_jw_u64(&e->w, *(const uint64_t *)v);
    case MW_K_FLOAT: memcpy(&u32, v, 4); return mwi_jw_u32(&e->w, u32);
    case MW_K_DOUBLE: memcpy(&u64, v, 8); return mwi_jw_u64(&e->w, u64);
    default: return E_FAIL(e, MW_EINVAL, "%s is not primitive", mw_kind_name(k));
    }
}

/* A back-reference when key was written before (*seen), else tc, the class descriptor
 * and a new handle (remembered under key unless key is NULL). */
static int e_header(enc *e, uint8_t tc, const mwi_jclass *cls, const mwi_jkey *key, bool *seen)
{
    uint32_t h;
    *seen = key && mwi_jmap_get(&e->w.handles, key, &h, NULL);
    if (*seen)
        return mwi_jw_reference(&e->w, h);
    int rc = mwi_jw_u8(&e->w, tc);
    if (rc || (rc = mwi_jw_classdesc(&e->w, cls)))
        return rc;
    h = mwi_jw_new_handle(&e->w);
    return key ? mwi_jmap_put(&e->w.handles, key, h, NULL) : 0;
}

static int e_string(enc *e, const char *s, uint32_t bound)
{
    const char *text = s ? s : "";
    size_t n = strlen(text), bad = 0;
    if (bound && n > bound)
        return E_FAIL(e, MW_ERANGE, "string of %zu bytes exceeds its bound %u", n, bound);
    mwi_jkey key = {.kind = MWI_JK_STRING, .p = s};
    uint32_t h;
    if (mwi_jmap_get(&e->w.handles, &key, &h, NULL))
        return mwi_jw_reference(&e->w, h);
    int rc = mwi_jw_string(&e->w, text, n, &h, &bad);
    if (rc == MW_EUTF)
        return E_FAIL(e, rc, "invalid UTF-8 at byte %zu of the string", bad);
    return rc ? rc : mwi_jmap_put(&e->w.handles, &key, h, NULL);
}

static int e_fields(enc *e, const mwi_jclass *cls, const char *base, uint32_t depth)
{
    for (uint32_t i = 0; i < cls->nfields; i++) {
        const mwi_jfield *f = &cls->fields[i];
        push_name(&e->c, f->name);
        int rc = f->sig ? e_value(e, f->type, base + f->offset, depth + 1, false)
                        : e_prim(e, mw_type_resolve(f->type)->kind, base + f->offset);
        if (rc)
            return rc;
        pop(&e->c);
    }
    return 0;
}

static int e_object(enc *e, const mw_type *t, const void *v, uint32_t depth)
{
    const mwi_jclass *cls;
    bool seen;
    int rc = class_of(&e->c, t, &cls);
    mwi_jkey key = {.kind = MWI_JK_OBJECT, .p = v, .q = t};
    if (rc || (rc = e_header(e, MWI_TC_OBJECT, cls, &key, &seen)) || seen)
        return rc;
    return e_fields(e, cls, v, depth);
}

static int e_boxed(enc *e, const mw_type *t, const void *v, bool in_any)
{
    const mwi_jclass *cls = mwi_java_boxed_class(t->kind, in_any);
    bool seen;
    /* The box's key differs from the plain value's by the low bit of the type. */
    mwi_jkey key = {.kind = MWI_JK_OBJECT, .p = v, .q = (const char *)t + in_any};
    int rc = e_header(e, MWI_TC_OBJECT, cls, &key, &seen);
    return rc || seen ? rc : e_prim(e, t->kind, v);
}

static int e_array(enc *e, const mw_type *t, const mw_type *elem, uint32_t len,
                   const void *data, uint32_t bound, uint32_t depth)
{
    if (bound && len > bound)
        return E_FAIL(e, MW_ERANGE, "sequence of %u exceeds its bound %u", len, bound);
    if (len > INT32_MAX)
        return E_FAIL(e, MW_ERANGE, "%u elements: a Java array holds at most 2^31-1", len);
    if (len && !data)
        return E_FAIL(e, MW_EINVAL, "sequence of %u elements without data", len);
    const mwi_jclass *cls;
    bool seen;
    int rc = class_of(&e->c, t, &cls);
    /* Empty sequences have no identity worth keeping (their data may all be NULL). */
    mwi_jkey key = {.kind = MWI_JK_ARRAY, .p = data, .q = t, .aux = len};
    if (rc || (rc = e_header(e, MWI_TC_ARRAY, cls, len ? &key : NULL, &seen)) || seen ||
        (rc = mwi_jw_u32(&e->w, len)))
        return rc;
    elem = mw_type_resolve(elem);
    size_t es = elem->size;
    char code = prim_code(elem);
    if (code) {
        size_t w = mwi_java_prim_width(code);
        if (!e->w.out) {
            e->w.count += (size_t)len * w;
            return 0;
        }
        if ((rc = mw_buf_reserve(e->w.out, (size_t)len * w)))
            return rc;
        for (uint32_t i = 0; i < len; i++)
            if ((rc = e_prim(e, elem->kind, (const char *)data + i * es)))
                return rc;
        return 0;
    }
    for (uint32_t i = 0; i < len; i++) {
        push_index(&e->c, i);
        if ((rc = e_value(e, elem, (const char *)data + i * es, depth + 1, false)))
            return rc;
        pop(&e->c);
    }
    return 0;
}

static int e_enum(enc *e, const mw_type *t, const void *v)
{
    int32_t value = *(const int32_t *)v;
    const mw_enumerator *en = mwi_enum_find(t, value);
    if (!en)
        return E_FAIL(e, MW_ERANGE, "%d is not a value of enum %s", value, t->name);
    const mwi_jclass *cls;
    mwi_jkey key = {.kind = MWI_JK_ENUM, .p = t, .aux = (uint32_t)value};
    uint32_t h;
    if (mwi_jmap_get(&e->w.handles, &key, &h, NULL))
        return mwi_jw_reference(&e->w, h);
    int rc = class_of(&e->c, t, &cls);
    if (rc || (rc = mwi_jw_u8(&e->w, MWI_TC_ENUM)) || (rc = mwi_jw_classdesc(&e->w, cls)) ||
        (rc = mwi_jmap_put(&e->w.handles, &key, mwi_jw_new_handle(&e->w), NULL)))
        return rc;
    /* ObjectOutputStream writes the name as a new string every time. */
    return mwi_jw_string(&e->w, en->name, strlen(en->name), &h, NULL);
}

static int e_any(enc *e, const mw_any *a, uint32_t depth)
{
    const mw_type *t = mw_type_resolve(a->type);
    if (!a->type || (t && t->kind == MW_K_VOID))
        return mwi_jw_u8(&e->w, MWI_TC_NULL);
    if (!t || !a->value)
        return E_FAIL(e, MW_EINVAL, "an any without %s", t ? "a value" : "a resolvable type");
    switch (t->kind) {
    case MW_K_ENUM: case MW_K_UNION: case MW_K_OPTIONAL: case MW_K_ANY:
        return E_FAIL(e, MW_ENOTSUP, "an any holding %s %s could not be typed when read",
                      t->kind == MW_K_ENUM ? "an" : "a", mw_kind_name(t->kind));
    default:
        return is_basic(t->kind) ? e_boxed(e, t, a->value, true)
                                 : e_value(e, t, a->value, depth, false);
    }
}

static int e_union(enc *e, const mw_type *t, const void *v, uint32_t depth)
{
    const mwi_jclass *cls;
    bool seen;
    int rc = class_of(&e->c, t, &cls);
    mwi_jkey key = {.kind = MWI_JK_OBJECT, .p = v, .q = t};
    if (rc || (rc = e_header(e, MWI_TC_OBJECT, cls, &key, &seen)) || seen)
        return rc;
    const mw_type *dt = mw_type_resolve(t->u.un.disc);
    push_name(&e->c, "discriminator");
    rc = dt->kind == MW_K_ENUM ? e_value(e, dt, v, depth + 1, false) : e_prim(e, dt->kind, v);
    if (rc)
        return rc;
    pop(&e->c);
    const mw_case *cs = mwi_union_case(t, mwi_load_int(dt, v));
    const mw_type *ct = cs ? mw_type_resolve(cs->type) : NULL;
    if (!ct || ct->kind == MW_K_VOID)
        return mwi_jw_u8(&e->w, MWI_TC_NULL);
    push_name(&e->c, cs->name);
    if ((rc = e_value(e, ct, (const char *)v + t->u.un.value_offset, depth + 1, false)))
        return rc;
    pop(&e->c);
    return 0;
}

static int e_objref(enc *e, const mw_type *t, const mw_objref *r, uint32_t depth)
{
    uint32_t alen = r->address.family == MW_AF_INET4 ? 4
                    : r->address.family == MW_AF_INET6 ? 16 : 0;
    if (r->address.family && !alen)
        return E_FAIL(e, MW_EINVAL, "address family %u", r->address.family);
    if (depth + 1 > e->c.max_depth)
        return E_FAIL(e, MW_EDEPTH, "nesting deeper than %u", e->c.max_depth);
    bool seen;
    mwi_jkey key = {.kind = MWI_JK_OBJECT, .p = r, .q = t};
    int rc = e_header(e, MWI_TC_OBJECT, &mwi_java_objref_class, &key, &seen);
    if (rc || seen)
        return rc;
    mwi_jclass bytes = {"[B", 0, MWI_SC_SERIALIZABLE, 0, NULL, NULL};
    if ((rc = mwi_java_array_suid("[B", &bytes.suid)) ||
        (rc = mwi_jw_u64(&e->w, r->created_ms)) || (rc = mwi_jw_u32(&e->w, r->object_number)) ||
        (rc = mwi_jw_u32(&e->w, r->address.port)) || (rc = mwi_jw_u32(&e->w, r->address.scope_id)))
        return rc;
    /* A new array each time, as a Java peer's InetAddress.getAddress() would give. */
    if ((rc = e_header(e, MWI_TC_ARRAY, &bytes, NULL, &seen)) || (rc = mwi_jw_u32(&e->w, alen)))
        return rc;
    for (uint32_t i = 0; i < alen; i++)
        if ((rc = mwi_jw_u8(&e->w, r->address.ip[i])))
            return rc;
    push_name(&e->c, "interfaceName");
    if ((rc = e_string(e, r->interface, 0)))
        return rc;
    pop(&e->c);
    return 0;
}

static int e_value(enc *e, const mw_type *t, const void *v, uint32_t depth, bool in_any)
{
    t = mw_type_resolve(t);
    if (!t)
        return E_FAIL(e, MW_EINVAL, "unresolvable type");
    if (depth > e->c.max_depth)
        return E_FAIL(e, MW_EDEPTH, "nesting deeper than %u", e->c.max_depth);
    if (is_basic(t->kind))
        return e_boxed(e, t, v, in_any);
    switch (t->kind) {
    case MW_K_STRING:
        return e_string(e, *(char *const *)v, t->u.seq.bound);
    case MW_K_STRUCT:
        return e_object(e, t, v, depth);
    case MW_K_SEQUENCE: {
        const mw_seq *s = v;
        return e_array(e, t, t->u.seq.elem, s->len, s->data, t->u.seq.bound, depth);
    }
    case MW_K_ARRAY:
        return e_array(e, t, t->u.arr.elem, t->u.arr.count, v, 0, depth);
    case MW_K_ENUM:
        return e_enum(e, t, v);
    case MW_K_OPTIONAL: {
        const mw_type *target = mw_type_resolve(t->u.alias.target);
        const void *p = *(void *const *)v;
        int rc = optional_target_ok(&e->c, target, e->w.count);
        if (rc)
            return rc;
        return p ? e_value(e, target, p, depth, false) : mwi_jw_u8(&e->w, MWI_TC_NULL);
    }
    case MW_K_ANY:
        return e_any(e, v, depth);
    case MW_K_UNION:
        return e_union(e, t, v, depth);
    case MW_K_OBJREF:
        return e_objref(e, t, v, depth);
    default:
        return E_FAIL(e, MW_ENOTSUP, "%s has no Java form", mw_kind_name(t->kind));
    }
}

/* Encodes into out, or only counts (out == NULL). */
static int encode(const mw_type *t, const void *value, mw_buf *out, size_t *count,
                  const mw_marshal_opts *opts, mw_marshal_error *err)
{
    if (!t || !value)
        return mwi_marshal_fail(err, MW_EINVAL, 0, "", "no type or no value");
    enc e;
    int rc = ctx_init(&e.c, t, opts, err);
    if (rc)
        return mwi_marshal_fail(err, rc, 0, "", "out of memory");
    memset(&e.w, 0, sizeof e.w);
    e.w.out = out;
    size_t start = out ? out->len : 0;
    if (!(rc = mwi_jw_u16(&e.w, MWI_JAVA_MAGIC)) && !(rc = mwi_jw_u16(&e.w, MWI_JAVA_VERSION)))
        rc = e_value(&e, t, value, 1, false);
    if (rc && !e.c.reported)
        ctx_fail(&e.c, rc, e.w.count, "%s", mw_strerror(rc));
    if (rc && out)
        out->len = start;
    if (!rc && count)
        *count = e.w.count;
    mwi_jw_free(&e.w);
    ctx_free(&e.c);
    return rc;
}

int mw_java_encode(const mw_type *t, const void *value, mw_buf *out,
                   const mw_marshal_opts *opts, mw_marshal_error *err)
{
    if (!out)
        return mwi_marshal_fail(err, MW_EINVAL, 0, "", "no output buffer");
    return encode(t, value, out, NULL, opts, err);
}

static int java_size(const mw_type *t, const void *value, const mw_marshal_opts *opts,
                     size_t *out)
{
    if (!out)
        return MW_EINVAL;
    return encode(t, value, NULL, out, opts, NULL);
}

/* ---- decoding --------------------------------------------------------------------------- */

typedef struct dec {
    ctx c;
    mwi_jparser p;
    mw_arena *arena;      /* the caller's: the value goes here */
    const uint8_t *base;  /* the input, for offsets */
    size_t work, work_limit;
} dec;

/* Marks a string node's memo (it holds the char *, not where one is stored). */
static const mw_type string_memo = {.kind = MW_K_STRING};

static int d_value(dec *d, const mw_type *t, mwi_jnode *n, size_t at, void *dst,
                   uint32_t depth);

static const char *node_what(const mwi_jnode *n)
{
    if (!n)
        return "null";
    switch (n->kind) {
    case MWI_JN_STRING: return "a string";
    case MWI_JN_OBJECT: return n->desc->name;
    case MWI_JN_ARRAY: return n->desc->name;
    case MWI_JN_ENUM: return n->desc->name;
    case MWI_JN_CLASS: return "a java.lang.Class";
    default: return "a class descriptor";
    }
}

static int d_mismatch(dec *d, mwi_jnode *n, size_t at, const char *want)
{
    return ctx_fail(&d->c, MW_EPROTO, n ? n->off : at, "found %s where %s was expected",
                    node_what(n), want);
}

static int d_prim(dec *d, const mw_type *t, const uint8_t *p, void *dst)
{
    size_t off = (size_t)(p - d->base);
    switch (t->kind) {
    case MW_K_BOOLEAN:
        if (p[0] > 1)
            return ctx_fail(&d->c, MW_EPROTO, off, "boolean %u is neither 0 nor 1", p[0]);
        *(bool *)dst = p[0];
        return 0;
    case MW_K_OCTET: *(uint8_t *)dst = p[0]; return 0;
    case MW_K_CHAR: {
        uint16_t u = mw_load_u16be(p);
        if (u > 0xFF)
            return ctx_fail(&d->c, MW_ERANGE, off, "char U+%04X does not fit a C char "
                            "(ISO 8859-1)", u);
        *(char *)dst = (char)u;
        return 0;
    }
    case MW_K_SHORT: case MW_K_USHORT: {
        uint16_t u = mw_load_u16be(p);
        memcpy(dst, &u, 2);
        return 0;
    }
    case MW_K_LONG: case MW_K_ULONG: case MW_K_FLOAT: {
        uint32_t u = mw_load_u32be(p);
        memcpy(dst, &u, 4);
        return 0;
    }
    case MW_K_LONGLONG: case MW_K_ULONGLONG: case MW_K_DOUBLE: {
        uint64_t u = mw_load_u64be(p);
        memcpy(dst, &u, 8);
        return 0;
    }
    default:
        return ctx_fail(&d->c, MW_EINVAL, off, "%s is not primitive", mw_kind_name(t->kind));
    }
}

static bool is_class(const mwi_jnode *n, mwi_jnode_kind kind, const char *name)
{
    return n && n->kind == kind && n->desc->name_len == strlen(name) &&
           memcmp(n->desc->name, name, n->desc->name_len) == 0;
}

static int check_class(dec *d, mwi_jnode *n, size_t at, mwi_jnode_kind kind, const char *name)
{
    return is_class(n, kind, name) ? 0 : d_mismatch(d, n, at, name);
}

/* The stream's field `name` of an object (searched from the most derived class up). */
static const mwi_jdfield *find_field(const mwi_jnode *n, const char *name, size_t len,
                                     const mwi_jclassdata **cd)
{
    for (uint32_t i = n->u.obj.nclasses; i-- > 0;) {
        const mwi_jclassdata *c = &n->u.obj.cls[i];
        if (!(c->desc->flags & MWI_SC_SERIALIZABLE))
            continue;
        for (uint32_t j = 0; j < c->desc->nfields; j++) {
            const mwi_jdfield *f = &c->desc->fields[j];
            if (f->name_len == len && memcmp(f->name, name, len) == 0) {
                *cd = c;
                return f;
            }
        }
    }
    return NULL;
}

static int fill_default(dec *d, const mw_type *t, void *dst, uint32_t depth);

/* Reads a member from a field of the stream: `want` is its primitive code or 0. */
static int d_field(dec *d, const mw_type *t, const mwi_jnode *n, const mwi_jclassdata *cd,
                   const mwi_jdfield *f, void *dst, uint32_t depth)
{
    char want = prim_code(t);
    if (want || mwi_java_prim_width(f->code)) {
        if (f->code != want)
            return ctx_fail(&d->c, MW_EPROTO, n->off, "field %s has type %c in the stream, "
                            "not %c", f->name, f->code, want ? want : 'L');
        return d_prim(d, t, cd->prim + f->slot, dst);
    }
    return d_value(d, t, cd->objs[f->slot], n->off, dst, depth + 1);
}

static int d_struct(dec *d, const mw_type *t, mwi_jnode *n, size_t at, void *dst,
                    uint32_t depth)
{
    const mwi_jclass *cls;
    int rc = class_of(&d->c, t, &cls);
    if (rc || (rc = check_class(d, n, at, MWI_JN_OBJECT, cls->name)))
        return rc;
    const mwi_jdesc *desc = n->desc;
    if (t == d->c.top && d->c.opts && d->c.opts->java_suid_set &&
        desc->suid != d->c.opts->java_suid)
        return ctx_fail(&d->c, MW_EPROTO, n->off, "class %s has serialVersionUID %lld, not "
                        "%lld", cls->name, (long long)desc->suid,
                        (long long)d->c.opts->java_suid);
    if (!n->u.obj.nclasses)
        return ctx_fail(&d->c, MW_EPROTO, n->off, "class %s is externalizable", cls->name);
    /* Where each member is in the stream, worked out once per class descriptor. Members
     * are taken in Java's order, the stream's, so that an object met inline first and
     * through a pointer later keeps its identity (the pointer points at it). */
    int32_t *map = desc->memo;
    if (desc->memo_type != t) {
        if (!(map = mw_arena_alloc(d->p.arena, 2 * sizeof *map * cls->nfields, 4)))
            return ctx_fail(&d->c, MW_ENOMEM, n->off, "out of memory");
        for (uint32_t i = 0; i < cls->nfields; i++) {
            const char *name = cls->fields[i].name;
            const mwi_jclassdata *cd;
            const mwi_jdfield *f = find_field(n, name, strlen(name), &cd);
            map[2 * i] = f ? (int32_t)(cd - n->u.obj.cls) : -1;
            map[2 * i + 1] = f ? (int32_t)(f - cd->desc->fields) : -1;
        }
        mwi_jdesc *w = n->desc;
        w->memo_type = t;
        w->memo = map;
    }
    n->state = 1;
    n->memo_type = t;
    n->memo = dst;
    for (uint32_t i = 0; i < cls->nfields; i++) {
        const mwi_jfield *m = &cls->fields[i];
        const mw_type *ft = mw_type_resolve(m->type);
        char *fdst = (char *)dst + m->offset;
        push_name(&d->c, m->name);
        if (map[2 * i] < 0) {
            rc = fill_default(d, ft, fdst, depth + 1);
        } else {
            const mwi_jclassdata *cd = &n->u.obj.cls[map[2 * i]];
            rc = d_field(d, ft, n, cd, &cd->desc->fields[map[2 * i + 1]], fdst, depth);
        }
        if (rc)
            return rc;
        pop(&d->c);
    }
    n->state = 2;
    return 0;
}

static int d_elems(dec *d, const mw_type *elem, mwi_jnode *n, void *data, uint32_t depth)
{
    size_t es = elem->size;
    char code = prim_code(elem);
    int rc;
    if (code) {
        size_t w = mwi_java_prim_width(code);
        for (uint32_t i = 0; i < n->u.arr.len; i++)
            if ((rc = d_prim(d, elem, n->u.arr.prim + i * w, (char *)data + i * es))) {
                push_index(&d->c, i);
                return rc;
            }
        return 0;
    }
    for (uint32_t i = 0; i < n->u.arr.len; i++) {
        push_index(&d->c, i);
        if ((rc = d_value(d, elem, n->u.arr.elems[i], n->off, (char *)data + i * es,
                          depth + 1)))
            return rc;
        pop(&d->c);
    }
    return 0;
}

static int d_array(dec *d, const mw_type *t, mwi_jnode *n, size_t at, void *dst,
                   uint32_t depth)
{
    bool seq = t->kind == MW_K_SEQUENCE;
    if (!n && seq) {
        *(mw_seq *)dst = (mw_seq){0, NULL};
        return 0;
    }
    const mwi_jclass *cls;
    int rc = class_of(&d->c, t, &cls);
    if (rc || (rc = check_class(d, n, at, MWI_JN_ARRAY, cls->name)))
        return rc;
    uint32_t len = n->u.arr.len;
    const mw_type *elem = mw_type_resolve(seq ? t->u.seq.elem : t->u.arr.elem);
    if (seq && t->u.seq.bound && len > t->u.seq.bound)
        return ctx_fail(&d->c, MW_EPROTO, n->off, "%u elements exceed the bound %u", len,
                        t->u.seq.bound);
    if (!seq && len != t->u.arr.count)
        return ctx_fail(&d->c, MW_EPROTO, n->off, "array of %u elements, %u expected", len,
                        t->u.arr.count);
    n->state = 1;
    n->memo_type = t;
    n->memo = dst;
    void *data = dst;
    if (seq) {
        data = len ? mw_arena_calloc(d->arena, len, elem->size) : NULL;
        if (len && !data)
            return ctx_fail(&d->c, MW_ENOMEM, n->off, "no memory for %u elements", len);
    }
    if ((rc = d_elems(d, elem, n, data, depth)))
        return rc;
    if (seq)
        *(mw_seq *)dst = (mw_seq){len, data};
    n->state = 2;
    return 0;
}

static int d_string(dec *d, const mw_type *t, mwi_jnode *n, size_t at, void *dst)
{
    const char *s;
    size_t len = 0;
    if (!n) {
        s = mw_arena_strndup(d->arena, "", 0);
    } else if (n->kind != MWI_JN_STRING) {
        return d_mismatch(d, n, at, "a string");
    } else if (n->memo_type == &string_memo) {
        s = n->memo;
        len = n->u.str.len;
    } else {
        len = n->u.str.len;
        const char *nul = memchr(n->u.str.s, 0, len);
        if (nul)
            return ctx_fail(&d->c, MW_EUTF, n->off, "U+0000 at character byte %zu cannot be "
                            "held in a C string", (size_t)(nul - n->u.str.s));
        s = mw_arena_strndup(d->arena, n->u.str.s, len);
        n->memo_type = &string_memo;
        n->memo = (void *)(uintptr_t)s;
    }
    if (!s)
        return ctx_fail(&d->c, MW_ENOMEM, at, "no memory for a string");
    if (t->u.seq.bound && len > t->u.seq.bound)
        return ctx_fail(&d->c, MW_EPROTO, n->off, "string of %zu bytes exceeds its bound %u",
                        len, t->u.seq.bound);
    *(const char **)dst = s;
    return 0;
}

static int d_enum(dec *d, const mw_type *t, mwi_jnode *n, size_t at, void *dst)
{
    const mwi_jclass *cls;
    int rc = class_of(&d->c, t, &cls);
    if (rc || (rc = check_class(d, n, at, MWI_JN_ENUM, cls->name)))
        return rc;
    const mwi_jnode *name = n->u.en.name;
    const mw_enumerator *en = mwi_enum_find_name(t, name->u.str.s, name->u.str.len);
    if (!en)
        return ctx_fail(&d->c, MW_EPROTO, name->off, "%s has no constant %s", t->name,
                        name->u.str.s);
    *(int32_t *)dst = en->value;
    return 0;
}

static int d_boxed(dec *d, const mw_type *t, mwi_jnode *n, size_t at, void *dst)
{
    const mwi_jclass *cls = mwi_java_boxed_class(t->kind, false);
    const mwi_jclass *ucls = mwi_java_boxed_class(t->kind, true);
    if (!is_class(n, MWI_JN_OBJECT, ucls->name)) {
        int rc = check_class(d, n, at, MWI_JN_OBJECT, cls->name);
        if (rc)
            return rc;
    }
    const mwi_jclassdata *cd;
    const mwi_jdfield *f = n->u.obj.nclasses ? find_field(n, "value", 5, &cd) : NULL;
    if (!f)
        return ctx_fail(&d->c, MW_EPROTO, n->off, "%s without its value", cls->name);
    return d_field(d, t, n, cd, f, dst, 0);
}

static int d_union(dec *d, const mw_type *t, mwi_jnode *n, size_t at, void *dst,
                   uint32_t depth)
{
    const mwi_jclass *cls;
    int rc = class_of(&d->c, t, &cls);
    if (rc || (rc = check_class(d, n, at, MWI_JN_OBJECT, cls->name)))
        return rc;
    const mwi_jclassdata *cd, *vcd;
    const mwi_jdfield *df = n->u.obj.nclasses ? find_field(n, "discriminator", 13, &cd) : NULL;
    const mwi_jdfield *vf = df ? find_field(n, "value", 5, &vcd) : NULL;
    if (!df)
        return ctx_fail(&d->c, MW_EPROTO, n->off, "union %s without its discriminator",
                        cls->name);
    if (vf && mwi_java_prim_width(vf->code))
        return ctx_fail(&d->c, MW_EPROTO, n->off, "union %s: value is primitive", cls->name);
    n->state = 1;
    n->memo_type = t;
    n->memo = dst;
    const mw_type *dt = mw_type_resolve(t->u.un.disc);
    push_name(&d->c, "discriminator");
    if ((rc = d_field(d, dt, n, cd, df, dst, depth)))
        return rc;
    pop(&d->c);
    const mw_case *cs = mwi_union_case(t, mwi_load_int(dt, dst));
    const mw_type *ct = cs ? mw_type_resolve(cs->type) : NULL;
    mwi_jnode *vn = vf ? vcd->objs[vf->slot] : NULL;
    if (!ct || ct->kind == MW_K_VOID) {
        if (vn)
            return ctx_fail(&d->c, MW_EPROTO, vn->off, "union %s: a value for a case "
                            "without a member", cls->name);
    } else {
        push_name(&d->c, cs->name);
        if ((rc = d_value(d, ct, vn, n->off, (char *)dst + t->u.un.value_offset, depth + 1)))
            return rc;
        pop(&d->c);
    }
    n->state = 2;
    return 0;
}

static int d_objref(dec *d, mwi_jnode *n, size_t at, mw_objref *r, uint32_t depth)
{
    int rc = check_class(d, n, at, MWI_JN_OBJECT, mwi_java_objref_class.name);
    if (rc)
        return rc;
    if (!n->u.obj.nclasses)
        return ctx_fail(&d->c, MW_EPROTO, n->off, "midway.ObjectRef is externalizable");
    memset(r, 0, sizeof *r);
    static const mw_type *const types[] = {&mw_t_ulonglong, &mw_t_ulong, &mw_t_long, &mw_t_ulong};
    uint64_t created = 0;
    uint32_t number = 0, scope = 0;
    int32_t port = 0;
    void *dsts[] = {&created, &number, &port, &scope};
    for (int i = 0; i < 4; i++) {
        const char *name = mwi_java_objref_class.fields[i].name;
        const mwi_jclassdata *cd;
        const mwi_jdfield *f = find_field(n, name, strlen(name), &cd);
        push_name(&d->c, name);
        if (f && (rc = d_field(d, types[i], n, cd, f, dsts[i], depth)))
            return rc;
        pop(&d->c);
    }
    if (port < 0 || port > 0xFFFF)
        return ctx_fail(&d->c, MW_ERANGE, n->off, "port %d", port);
    r->created_ms = created;
    r->object_number = number;
    r->address.port = (uint16_t)port;
    r->address.scope_id = scope;
    const mwi_jclassdata *cd;
    const mwi_jdfield *f = find_field(n, "address", 7, &cd);
    mwi_jnode *an = f && f->code == '[' ? cd->objs[f->slot] : NULL;
    if (an) {
        if ((rc = check_class(d, an, n->off, MWI_JN_ARRAY, "[B")))
            return rc;
        uint32_t len = an->u.arr.len;
        if (len != 4 && len != 16 && len != 0)
            return ctx_fail(&d->c, MW_EPROTO, an->off, "address of %u bytes", len);
        r->address.family = len == 4 ? MW_AF_INET4 : len == 16 ? MW_AF_INET6 : 0;
        memcpy(r->address.ip, an->u.arr.prim, len);
    }
    f = find_field(n, "interfaceName", 13, &cd);
    push_name(&d->c, "interfaceName");
    rc = d_string(d, &mw_t_string, f && f->code == 'L' ? cd->objs[f->slot] : NULL, n->off,
                  &r->interface);
    if (rc)
        return rc;
    pop(&d->c);
    return 0;
}

/* ---- an any's type, from the stream ---- */

#define SEQ_OF(var, elem_type)                                                            \
    static const mw_type var = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),            \
                                .align = alignof(mw_seq), .u.seq = {&elem_type, 0}}
SEQ_OF(seq_boolean, mw_t_boolean);
SEQ_OF(seq_octet, mw_t_octet);
SEQ_OF(seq_char, mw_t_char);
SEQ_OF(seq_short, mw_t_short);
SEQ_OF(seq_long, mw_t_long);
SEQ_OF(seq_longlong, mw_t_longlong);
SEQ_OF(seq_float, mw_t_float);
SEQ_OF(seq_double, mw_t_double);
SEQ_OF(seq_string, mw_t_string);

/* The type a field descriptor or an array class name names, when it is one without a
 * class of its own: a primitive, String, or an array of those. */
static const mw_type *simple_type(const char *sig, size_t len)
{
    static const struct {
        char code;
        const mw_type *type, *seq;
    } prims[] = {
        {'Z', &mw_t_boolean, &seq_boolean}, {'B', &mw_t_octet, &seq_octet},
        {'C', &mw_t_char, &seq_char},       {'S', &mw_t_short, &seq_short},
        {'I', &mw_t_long, &seq_long},       {'J', &mw_t_longlong, &seq_longlong},
        {'F', &mw_t_float, &seq_float},     {'D', &mw_t_double, &seq_double},
    };
    bool array = len >= 2 && sig[0] == '[';
    const char *s = array ? sig + 1 : sig;
    size_t n = array ? len - 1 : len;
    if (n == 1)
        for (size_t i = 0; i < MWI_ARRAY_LEN(prims); i++)
            if (prims[i].code == s[0])
                return array ? prims[i].seq : prims[i].type;
    if ((n == 18 && memcmp(s, "Ljava/lang/String;", 18) == 0) ||
        (n == 18 && memcmp(s, "Ljava.lang.String;", 18) == 0))
        return array ? &seq_string : &mw_t_string;
    return NULL;
}

/* A built-in example type named by the class name (dots as "::"). */
static const mw_type *builtin_for(const char *name, size_t len)
{
    char buf[128];
    size_t o = 0;
    for (size_t i = 0; i < len && o + 3 < sizeof buf; i++) {
        if (name[i] == '.')
            buf[o++] = ':', buf[o++] = ':';
        else
            buf[o++] = name[i];
    }
    buf[o] = '\0';
    const mw_type *t = o + 3 < sizeof buf ? mw_builtin_type(buf) : NULL;
    return t && t->kind == MW_K_STRUCT ? t : NULL;
}

/* A struct type for a class of primitive, String and primitive-array fields. */
static int build_struct(dec *d, mwi_jnode *n, const mw_type **out)
{
    const mwi_jdesc *desc = n->desc;
    if (desc->chain != 1 || !n->u.obj.nclasses)
        return ctx_fail(&d->c, MW_ENOTSUP, n->off, "an any holding %s (a subclass or an "
                        "externalizable class) has no type here", desc->name);
    mw_field *fields = mw_arena_calloc(d->arena, desc->nfields ? desc->nfields : 1,
                                       sizeof *fields);
    mw_type *t = mw_arena_calloc(d->arena, 1, sizeof *t);
    char *name = mw_arena_alloc(d->arena, 2 * desc->name_len + 1, 1);
    if (!fields || !t || !name)
        return ctx_fail(&d->c, MW_ENOMEM, n->off, "out of memory");
    size_t off = 0, align = 1, o = 0;
    for (uint32_t i = 0; i < desc->nfields; i++) {
        const mwi_jdfield *f = &desc->fields[i];
        const mw_type *ft = f->sig ? simple_type(f->sig, strlen(f->sig)) : simple_type(&f->code, 1);
        if (!ft)
            return ctx_fail(&d->c, MW_ENOTSUP, n->off, "an any holding %s: field %s of type "
                            "%s has no type here", desc->name, f->name, f->sig);
        off = (off + ft->align - 1) / ft->align * ft->align;
        fields[i] = (mw_field){mw_arena_strndup(d->arena, f->name, f->name_len), ft,
                               (uint32_t)off, 0};
        if (!fields[i].name)
            return ctx_fail(&d->c, MW_ENOMEM, n->off, "out of memory");
        off += ft->size;
        align = MWI_MAX(align, ft->align);
    }
    for (size_t i = 0; i < desc->name_len; i++) {
        if (desc->name[i] == '.')
            name[o++] = ':', name[o++] = ':';
        else
            name[o++] = desc->name[i];
    }
    name[o] = '\0';
    off = (off + align - 1) / align * align;
    if (off > UINT32_MAX)
        return ctx_fail(&d->c, MW_ENOTSUP, n->off, "class %s is too large", desc->name);
    *t = (mw_type){.kind = MW_K_STRUCT, .name = name, .size = (uint32_t)(off ? off : 1),
                   .align = (uint32_t)align, .u.st = {fields, desc->nfields}};
    *out = t;
    return 0;
}

static int any_type(dec *d, mwi_jnode *n, const mw_type **out)
{
    const mwi_jdesc *desc = n->desc;
    const mw_type *t = NULL;
    switch (n->kind) {
    case MWI_JN_STRING:
        t = &mw_t_string;
        break;
    case MWI_JN_ARRAY:
        t = simple_type(desc->name, desc->name_len);
        if (!t && desc->name_len > 3 && desc->name[1] == 'L') {
            const mw_type *elem = builtin_for(desc->name + 2, desc->name_len - 3);
            mw_type *s = elem ? mw_arena_calloc(d->arena, 1, sizeof *s) : NULL;
            if (s)
                *s = (mw_type){.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                               .align = alignof(mw_seq), .u.seq = {elem, 0}};
            else if (elem)
                return ctx_fail(&d->c, MW_ENOMEM, n->off, "out of memory");
            t = s;
        }
        break;
    case MWI_JN_OBJECT:
        for (mw_kind k = MW_K_BOOLEAN; k <= MW_K_DOUBLE && !t; k++) {
            static const mw_type *const basics[] = {
                [MW_K_BOOLEAN] = &mw_t_boolean, [MW_K_OCTET] = &mw_t_octet,
                [MW_K_CHAR] = &mw_t_char,       [MW_K_SHORT] = &mw_t_short,
                [MW_K_USHORT] = &mw_t_ushort,   [MW_K_LONG] = &mw_t_long,
                [MW_K_ULONG] = &mw_t_ulong,     [MW_K_LONGLONG] = &mw_t_longlong,
                [MW_K_ULONGLONG] = &mw_t_ulonglong, [MW_K_FLOAT] = &mw_t_float,
                [MW_K_DOUBLE] = &mw_t_double,
            };
            bool is_unsigned = k == MW_K_USHORT || k == MW_K_ULONG || k == MW_K_ULONGLONG;
            const char *name = mwi_java_boxed_class(k, is_unsigned)->name;
            if (strlen(name) == desc->name_len && memcmp(name, desc->name, desc->name_len) == 0)
                t = basics[k];
        }
        if (!t && strcmp(desc->name, mwi_java_objref_class.name) == 0)
            t = &mw_t_objref;
        if (!t)
            t = builtin_for(desc->name, desc->name_len);
        if (!t)
            return build_struct(d, n, out);
        break;
    default:
        break;
    }
    if (!t)
        return ctx_fail(&d->c, MW_ENOTSUP, n->off, "an any holding %s has no type here",
                        node_what(n));
    *out = t;
    return 0;
}

static int d_any(dec *d, mwi_jnode *n, mw_any *a, uint32_t depth)
{
    a->type = NULL;
    a->value = NULL;
    if (!n)
        return 0;
    const mw_type *t = NULL;
    int rc = any_type(d, n, &t);
    if (rc)
        return rc;
    void *v = mw_arena_alloc(d->arena, t->size, t->align);
    if (!v)
        return ctx_fail(&d->c, MW_ENOMEM, n->off, "out of memory");
    if ((rc = d_value(d, t, n, n->off, v, depth)))
        return rc;
    a->type = t;
    a->value = v;
    return 0;
}

static int d_optional(dec *d, const mw_type *t, mwi_jnode *n, size_t at, void **dst,
                      uint32_t depth)
{
    const mw_type *target = mw_type_resolve(t->u.alias.target);
    int rc = optional_target_ok(&d->c, target, n ? n->off : at);
    if (rc)
        return rc;
    *dst = NULL;
    if (!n)
        return 0;
    /* The same object met again through a pointer: the same pointer. */
    if (n->state == 2 && n->memo_type == target) {
        *dst = n->memo;
        return 0;
    }
    void *p = mw_arena_alloc(d->arena, target->size, target->align);
    if (!p)
        return ctx_fail(&d->c, MW_ENOMEM, n->off, "out of memory");
    if ((rc = d_value(d, target, n, at, p, depth)))
        return rc;
    *dst = p;
    return 0;
}

static int d_value(dec *d, const mw_type *t, mwi_jnode *n, size_t at, void *dst,
                   uint32_t depth)
{
    t = mw_type_resolve(t);
    if (!t)
        return ctx_fail(&d->c, MW_EINVAL, at, "unresolvable type");
    if (depth > d->c.max_depth)
        return ctx_fail(&d->c, MW_EDEPTH, n ? n->off : at, "nesting deeper than %u",
                        d->c.max_depth);
    if (++d->work > d->work_limit)
        return ctx_fail(&d->c, MW_ELIMIT, n ? n->off : at, "the object graph expands "
                        "past %zu values", d->work_limit);
    if (n && n->state == 1)
        return ctx_fail(&d->c, MW_EPROTO, n->off, "cyclic reference to %s", node_what(n));
    if (n && n->state == 2 && n->memo_type == t) {
        memcpy(dst, n->memo, t->size);
        return 0;
    }
    if (is_basic(t->kind))
        return d_boxed(d, t, n, at, dst);
    switch (t->kind) {
    case MW_K_STRING: return d_string(d, t, n, at, dst);
    case MW_K_STRUCT: return d_struct(d, t, n, at, dst, depth);
    case MW_K_SEQUENCE: case MW_K_ARRAY: return d_array(d, t, n, at, dst, depth);
    case MW_K_ENUM: return d_enum(d, t, n, at, dst);
    case MW_K_OPTIONAL: return d_optional(d, t, n, at, dst, depth);
    case MW_K_ANY: return d_any(d, n, dst, depth);
    case MW_K_UNION: return d_union(d, t, n, at, dst, depth);
    case MW_K_OBJREF: return d_objref(d, n, at, dst, depth);
    default:
        return ctx_fail(&d->c, MW_ENOTSUP, at, "%s has no Java form", mw_kind_name(t->kind));
    }
}

/* What a member missing from the stream gets, as ObjectInputStream leaves a field the
 * stream lacks at its default; decoded strings are never NULL, enums hold a valid value. */
static int fill_default(dec *d, const mw_type *t, void *dst, uint32_t depth)
{
    if (!t)
        return ctx_fail(&d->c, MW_EINVAL, 0, "unresolvable type");
    if (depth > d->c.max_depth)
        return ctx_fail(&d->c, MW_EDEPTH, 0, "default value nested too deeply");
    memset(dst, 0, t->size);
    int rc = 0;
    switch (t->kind) {
    case MW_K_STRING:
        if (!(*(char **)dst = mw_arena_strndup(d->arena, "", 0)))
            return ctx_fail(&d->c, MW_ENOMEM, 0, "out of memory");
        return 0;
    case MW_K_OBJREF: return fill_default(d, &mw_t_string, &((mw_objref *)dst)->interface, depth);
    case MW_K_ENUM: *(int32_t *)dst = t->u.en.items[0].value; return 0;
    case MW_K_STRUCT:
        for (uint32_t i = 0; !rc && i < t->u.st.count; i++)
            rc = fill_default(d, mw_type_resolve(t->u.st.fields[i].type),
                              (char *)dst + t->u.st.fields[i].offset, depth + 1);
        return rc;
    case MW_K_ARRAY: {
        const mw_type *e = mw_type_resolve(t->u.arr.elem);
        for (uint32_t i = 0; !rc && i < t->u.arr.count; i++)
            rc = fill_default(d, e, (char *)dst + (size_t)i * e->size, depth + 1);
        return rc;
    }
    case MW_K_UNION: {
        /* The first case with a label, else the default case with discriminator 0 (or
         * the enum's first value). */
        const mw_type *dt = mw_type_resolve(t->u.un.disc);
        const mw_case *cs = NULL;
        for (uint32_t i = 0; i < t->u.un.count && !cs; i++)
            if (!t->u.un.cases[i].is_default)
                cs = &t->u.un.cases[i];
        int64_t label = cs ? cs->label : dt->kind == MW_K_ENUM ? dt->u.en.items[0].value : 0;
        mwi_store_int(dt, dst, label);
        cs = mwi_union_case(t, label);
        const mw_type *ct = cs ? mw_type_resolve(cs->type) : NULL;
        return ct && ct->kind != MW_K_VOID
                   ? fill_default(d, ct, (char *)dst + t->u.un.value_offset, depth + 1)
                   : 0;
    }
    default:
        return 0;
    }
}

int mw_java_decode(const mw_type *t, const void *data, size_t len, void *value,
                   mw_arena *arena, const mw_marshal_opts *opts, mw_marshal_error *err)
{
    if (!t || (!data && len) || !value || !arena)
        return mwi_marshal_fail(err, MW_EINVAL, 0, "", "missing type, input, value or arena");
    dec d;
    memset(&d, 0, sizeof d);
    int rc = ctx_init(&d.c, t, opts, err);
    if (rc)
        return mwi_marshal_fail(err, rc, 0, "", "out of memory");
    size_t old = mwi_arena_bound(arena, len);
    d.arena = arena;
    d.base = data ? data : (const uint8_t *)"";
    /* Each value position takes at least a byte; an optional or an any maps its
     * object twice. More work than that is a graph re-expanded through references. */
    d.work_limit = 4 * len + 1024;
    mwi_jnode *root = NULL;
    rc = mwi_jparse(&d.p, d.base, len, d.c.max_depth, err, &root);
    if (rc)
        d.c.reported = true;
    else
        rc = d_value(&d, t, root, 4, value, 1);
    if (rc && !d.c.reported)
        ctx_fail(&d.c, rc, 0, "%s", mw_strerror(rc));
    mwi_jparser_free(&d.p);
    ctx_free(&d.c);
    mw_arena_set_limit(arena, old);
    return rc;
}

const mw_codec mw_codec_java = {
    .name = "java",
    .description = "Java Object Serialization Stream Protocol (ObjectOutputStream)",
    .binary = true,
    .encode = mw_java_encode,
    .decode = mw_java_decode,
    .size = java_size,
};

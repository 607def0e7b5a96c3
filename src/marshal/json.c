/*
 * json.c - the JSON codec (RFC 8259). The mapping from the type model is specified in
 * docs/json-mapping.md; in short: struct -> object, sequence/array -> array, octet
 * sequences and arrays -> base64 strings, integers -> exact numbers, enum -> name,
 * union -> {"_d": discriminator, "<member>": value}, optional -> value or null,
 * any -> {"type": "<name>", "value": ...} or null, object reference -> its printable form.
 *
 * Encoding writes text straight into the caller's mw_buf rather than building a jansson
 * tree: jansson's integers are long long and it has no raw numbers, so an unsigned long
 * long above INT64_MAX could not be written exactly; it writes -0.0 in a way that reads
 * back as the integer 0; and a tree would copy every string once more. The same writer
 * runs in a counting mode for the size operation, so size allocates nothing (except a
 * few bytes for an object reference's printable form).
 *
 * Decoding parses with jansson (strict syntax, UTF-8 checked, duplicate keys refused,
 * line/column/byte of syntax errors) and then walks the tree with the type, writing the
 * C value into caller storage and the arena. jansson refuses integer literals outside
 * long long ("too big integer"); when a parse fails that way the input is copied once,
 * each such literal is replaced by a placeholder string of the same length (so jansson's
 * positions still match the input), the copy is parsed again, and the walker reads the
 * literal's exact digits from the original text. See substitute_big_integers.
 *
 * Not supported (MW_ENOTSUP on encode): an `any` whose type is not a basic type, a
 * built-in type (mw_builtin_type) or a sequence of one of those, since the decoder must
 * rebuild the type from its name alone.
 */
#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "marshal_impl.h"

/* Room for the path while an error travels up; only its innermost part is kept beyond. */
#define PATH_ROOM 256
/* The discriminator's key in a union's object. IDL identifiers cannot begin with '_',
 * so no member name collides with it. */
#define UNION_DISC_KEY "_d"
/* Digits beyond this many make any integer literal larger than DBL_MAX. */
#define MAX_REAL_DIGITS 400

/* ------------------------------------------------------------------------------------ */
/* Errors and paths                                                                     */
/* ------------------------------------------------------------------------------------ */

/*
 * Why and where a walk stopped. The path is built while the error unwinds: each
 * container prepends its segment (".name", "[2]"), so successful walks pay nothing for
 * paths. tail[start..] holds the segments below the root.
 */
typedef struct failure {
    int code;
    char detail[160];
    char tail[PATH_ROOM];
    size_t start;
    bool cut; /* outer segments were dropped for room */
} failure;

static void failure_init(failure *f)
{
    f->code = 0;
    f->detail[0] = '\0';
    f->start = PATH_ROOM - 1;
    f->tail[f->start] = '\0';
    f->cut = false;
}

static int failf(failure *f, int code, const char *fmt, ...) MW_PRINTF(3, 4);
static int failf(failure *f, int code, const char *fmt, ...)
{
    failure_init(f);
    f->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return code;
}

static void path_prepend(failure *f, const char *seg, size_t n)
{
    if (f->cut || n > f->start) {
        f->cut = true;
        return;
    }
    f->start -= n;
    memcpy(f->tail + f->start, seg, n);
}

static void path_member(failure *f, const char *name)
{
    path_prepend(f, name, strlen(name));
    path_prepend(f, ".", 1);
}

static void path_index(failure *f, size_t i)
{
    char seg[32];
    int n = snprintf(seg, sizeof seg, "[%zu]", i);
    path_prepend(f, seg, (size_t)n);
}

/* Fills err from f: the path "$..." (its innermost part if too long), the detail. */
static int report(const failure *f, int rc, mw_marshal_error *err)
{
    if (!err)
        return rc;
    char path[sizeof err->path];
    const char *tail = f->tail + f->start;
    size_t n = strlen(tail);
    if (!f->cut && n + 2 <= sizeof path) {
        path[0] = '$';
        memcpy(path + 1, tail, n + 1);
    } else {
        size_t keep = MWI_MIN(n, sizeof path - 5);
        memcpy(path, "$...", 4);
        memcpy(path + 4, tail + (n - keep), keep + 1);
    }
    const char *detail = f->code == rc && f->detail[0] ? f->detail : mw_strerror(rc);
    return mwi_marshal_fail(err, rc, 0, path, "%s", detail);
}

/* Copies at most 40 bytes of s for an error message, printable ASCII only, so a detail
 * never carries control characters or a cut UTF-8 sequence. */
static const char *printable(const char *s, size_t n, char out[48])
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < 40; i++) {
        unsigned char c = (unsigned char)s[i];
        out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (k < n)
        out[k++] = '.', out[k++] = '.', out[k++] = '.';
    out[k] = '\0';
    return out;
}

/* ------------------------------------------------------------------------------------ */
/* Types an `any` can carry, by name                                                    */
/* ------------------------------------------------------------------------------------ */

static const mw_type *const basic_types[] = {
    &mw_t_boolean, &mw_t_octet,     &mw_t_char,  &mw_t_short,  &mw_t_ushort,
    &mw_t_long,    &mw_t_ulong,     &mw_t_longlong, &mw_t_ulonglong, &mw_t_float,
    &mw_t_double,  &mw_t_string,    &mw_t_any,   &mw_t_objref,
};

/* True when a and b describe the same layout and names. Past a small depth the rest is
 * assumed equal: recursive types would otherwise make this exponential, and the names
 * and offsets compared above that depth already pin the type. */
static bool same_type(const mw_type *a, const mw_type *b, int depth)
{
    a = mw_type_resolve(a);
    b = mw_type_resolve(b);
    if (!a || !b)
        return false;
    if (a == b || depth > 16)
        return true;
    if (a->kind != b->kind || a->size != b->size)
        return false;
    switch (a->kind) {
    case MW_K_STRUCT:
        if (a->u.st.count != b->u.st.count)
            return false;
        for (uint32_t i = 0; i < a->u.st.count; i++) {
            const mw_field *x = &a->u.st.fields[i], *y = &b->u.st.fields[i];
            if (strcmp(x->name, y->name) != 0 || x->offset != y->offset ||
                !same_type(x->type, y->type, depth + 1))
                return false;
        }
        return true;
    case MW_K_STRING:
        return a->u.seq.bound == b->u.seq.bound;
    case MW_K_SEQUENCE:
        return a->u.seq.bound == b->u.seq.bound &&
               same_type(a->u.seq.elem, b->u.seq.elem, depth + 1);
    case MW_K_ARRAY:
        return a->u.arr.count == b->u.arr.count &&
               same_type(a->u.arr.elem, b->u.arr.elem, depth + 1);
    case MW_K_OPTIONAL:
        return same_type(a->u.alias.target, b->u.alias.target, depth + 1);
    case MW_K_ENUM:
        if (a->u.en.count != b->u.en.count)
            return false;
        for (uint32_t i = 0; i < a->u.en.count; i++)
            if (a->u.en.items[i].value != b->u.en.items[i].value ||
                strcmp(a->u.en.items[i].name, b->u.en.items[i].name) != 0)
                return false;
        return true;
    case MW_K_UNION:
        if (a->u.un.count != b->u.un.count || a->u.un.value_offset != b->u.un.value_offset ||
            !same_type(a->u.un.disc, b->u.un.disc, depth + 1))
            return false;
        for (uint32_t i = 0; i < a->u.un.count; i++) {
            const mw_case *x = &a->u.un.cases[i], *y = &b->u.un.cases[i];
            bool xm = x->type && x->type->kind != MW_K_VOID;
            bool ym = y->type && y->type->kind != MW_K_VOID;
            if (x->label != y->label || x->is_default != y->is_default || xm != ym)
                return false;
            if (xm && (strcmp(x->name, y->name) != 0 || !same_type(x->type, y->type, depth + 1)))
                return false;
        }
        return true;
    default:
        return true;
    }
}

/* The name written for a non-sequence type an `any` may hold, or NULL. */
static const char *simple_type_name(const mw_type *t)
{
    switch (t->kind) {
    case MW_K_BOOLEAN: case MW_K_OCTET: case MW_K_CHAR: case MW_K_SHORT: case MW_K_USHORT:
    case MW_K_LONG: case MW_K_ULONG: case MW_K_LONGLONG: case MW_K_ULONGLONG:
    case MW_K_FLOAT: case MW_K_DOUBLE: case MW_K_STRING: case MW_K_ANY: case MW_K_OBJREF:
        return mw_kind_name(t->kind);
    default:
        break;
    }
    if (!t->name)
        return NULL;
    const mw_type *b = mw_builtin_type(t->name);
    return b && same_type(b, t, 0) ? t->name : NULL;
}

/* Writes the name of t (resolved) into buf; false when an `any` cannot carry t. */
static bool any_type_name(const mw_type *t, char *buf, size_t size)
{
    const char *name;
    if (t->kind == MW_K_SEQUENCE) {
        const mw_type *e = mw_type_resolve(t->u.seq.elem);
        name = e && e->kind != MW_K_SEQUENCE ? simple_type_name(e) : NULL;
        return name && (size_t)snprintf(buf, size, "sequence<%s>", name) < size;
    }
    name = simple_type_name(t);
    return name && (size_t)snprintf(buf, size, "%s", name) < size;
}

static const mw_type *simple_type_by_name(const char *name, size_t n)
{
    for (size_t i = 0; i < MWI_ARRAY_LEN(basic_types); i++) {
        const char *k = mw_kind_name(basic_types[i]->kind);
        if (strlen(k) == n && memcmp(k, name, n) == 0)
            return basic_types[i];
    }
    for (const char *const *b = mw_builtin_type_names(); *b; b++)
        if (strlen(*b) == n && memcmp(*b, name, n) == 0)
            return mw_builtin_type(*b);
    return NULL;
}

/* The type named by an any's "type" member; sequence types are made in the arena.
 * NULL with *nomem false for an unknown name. */
static const mw_type *type_by_name(const char *name, size_t n, mw_arena *arena, bool *nomem)
{
    static const char seq[] = "sequence<";
    *nomem = false;
    if (n > sizeof seq && memcmp(name, seq, sizeof seq - 1) == 0 && name[n - 1] == '>') {
        const mw_type *e = simple_type_by_name(name + sizeof seq - 1, n - sizeof seq);
        if (!e)
            return NULL;
        mw_type *t = mw_arena_calloc(arena, 1, sizeof *t);
        if (!t) {
            *nomem = true;
            return NULL;
        }
        t->kind = MW_K_SEQUENCE;
        t->size = sizeof(mw_seq);
        t->align = alignof(mw_seq);
        t->u.seq.elem = e;
        return t;
    }
    return simple_type_by_name(name, n);
}

/* ------------------------------------------------------------------------------------ */
/* Base64 (RFC 4648 section 4, padded)                                                  */
/* ------------------------------------------------------------------------------------ */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes s[0..n) (a multiple of 4 characters) into dst. Strict: only the alphabet,
 * '=' only as final padding, and the bits padding leaves over must be zero, so every
 * byte string has exactly one accepted form and re-encoding reproduces the input. */
static int b64_decode(const char *s, size_t n, uint8_t *dst, size_t *bad)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        size_t pad = 0;
        for (size_t k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)s[i + k];
            bool last = i + 4 == n;
            if (c == '=' && last && k >= 2 && (k == 3 || s[i + 3] == '=')) {
                v[k] = 0;
                pad++;
                continue;
            }
            v[k] = b64_value(c);
            if (v[k] < 0 || pad) {
                *bad = i + k;
                return MW_EPROTO;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff))) {
            *bad = i + 3 - pad;
            return MW_EPROTO;
        }
        dst[o++] = (uint8_t)(w >> 16);
        if (pad < 2)
            dst[o++] = (uint8_t)(w >> 8);
        if (pad < 1)
            dst[o++] = (uint8_t)w;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Encoding                                                                             */
/* ------------------------------------------------------------------------------------ */

typedef struct enc {
    mw_buf *out;        /* NULL: only count */
    size_t count;       /* bytes written so far in counting mode */
    bool pretty;        /* indent with two spaces */
    uint32_t indent;    /* current indentation level (pretty) */
    uint32_t max_depth; /* nesting limit */
    failure f;
} enc;

static int put(enc *e, const void *p, size_t n)
{
    if (e->out)
        return mw_buf_append(e->out, p, n);
    if (!mwi_add_size(e->count, n, &e->count))
        return failf(&e->f, MW_ELIMIT, "encoding larger than the address space");
    return 0;
}

static int put_str(enc *e, const char *s) { return put(e, s, strlen(s)); }

static int put_newline(enc *e)
{
    static const char spaces[] = "                                ";
    if (!e->pretty)
        return 0;
    int rc = put(e, "\n", 1);
    for (size_t n = (size_t)e->indent * 2; !rc && n;) {
        size_t k = MWI_MIN(n, sizeof spaces - 1);
        rc = put(e, spaces, k);
        n -= k;
    }
    return rc;
}

/* A JSON string from valid UTF-8 text; MW_EUTF for anything else, so the output is
 * always valid UTF-8. */
static int put_string(enc *e, const char *s, size_t n)
{
    size_t bad;
    if (mw_utf8_validate(s, n, &bad))
        return failf(&e->f, MW_EUTF, "invalid UTF-8 at byte %zu of the string", bad);
    int rc = put(e, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = put(e, s + run, i - run);
        run = i + 1;
        char esc[8];
        int k = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: k = snprintf(esc, sizeof esc, "\\u%04x", c); break;
        }
        if (!rc)
            rc = put(e, esc, (size_t)k);
    }
    if (!rc)
        rc = put(e, s + run, n - run);
    return rc ? rc : put(e, "\"", 1);
}

/* "name": with the space pretty output puts after the colon; the separator before it. */
static int put_key(enc *e, uint32_t index, const char *name)
{
    int rc = index ? put(e, ",", 1) : 0;
    if (!rc)
        rc = put_newline(e);
    if (!rc)
        rc = put_string(e, name, strlen(name));
    return rc ? rc : put(e, e->pretty ? ": " : ":", e->pretty ? 2 : 1);
}

static int put_open(enc *e, char c)
{
    e->indent++;
    return put(e, &c, 1);
}

static int put_close(enc *e, char c, size_t items)
{
    e->indent--;
    int rc = items ? put_newline(e) : 0;
    return rc ? rc : put(e, &c, 1);
}

/* v as a signed or (for the unsigned kinds) unsigned decimal integer. */
static int put_integer(enc *e, int64_t v, bool is_unsigned)
{
    char b[24];
    int n = is_unsigned ? snprintf(b, sizeof b, "%" PRIu64, (uint64_t)v)
                        : snprintf(b, sizeof b, "%" PRId64, v);
    return put(e, b, (size_t)n);
}

/* Converts to float as IEEE rounding does, refusing what would become infinite: past
 * FLT_MAX plus half an ulp a float has no finite value to round to. */
static bool to_float(double v, float *out)
{
    if (fabs(v) >= 0x1.ffffffp127)
        return false;
    *out = (float)v;
    return true;
}

/*
 * The %g text of the fewest significant digits that reads back to exactly v. For a
 * normal number a form shorter than FLT_DIG/DBL_DIG digits, if any, is what %g gives at
 * that precision (it drops trailing zeros), so the search starts there; a subnormal has
 * fewer significant bits and starts at one digit. 9/17 digits always round-trip. The
 * check reads back the way the decoder does (a double, then rounded to float). A '.'
 * or an exponent is always present so the number reads as a real (-0.0 keeps its sign).
 */
static int put_real(enc *e, double v, bool single)
{
    if (!isfinite(v))
        return failf(&e->f, MW_ERANGE, "%s has no JSON form", isnan(v) ? "NaN" : "infinity");
    char b[48];
    int n = 0;
    bool subnormal = v != 0 && fabs(v) < (single ? FLT_MIN : DBL_MIN);
    int first = subnormal ? 1 : single ? FLT_DIG : DBL_DIG;
    for (int prec = first; prec <= (single ? 9 : 17); prec++) {
        n = snprintf(b, sizeof b, "%.*g", prec, v);
        double back = strtod(b, NULL);
        float fb;
        if (single ? to_float(back, &fb) && fb == (float)v : back == v)
            break;
    }
    /* JSON's decimal point is '.', whatever the locale says. */
    const char *dp = localeconv()->decimal_point;
    if (dp && strcmp(dp, ".") != 0 && *dp) {
        char *at = strstr(b, dp);
        if (at) {
            size_t dl = strlen(dp);
            *at = '.';
            memmove(at + 1, at + dl, strlen(at + dl) + 1);
            n = (int)strlen(b);
        }
    }
    if (!strpbrk(b, ".e")) {
        memcpy(b + n, ".0", 3);
        n += 2;
    }
    return put(e, b, (size_t)n);
}

static int put_char(enc *e, char ch)
{
    unsigned char c = (unsigned char)ch;
    char u[2];
    if (c < 0x80) {
        u[0] = (char)c;
        return put_string(e, u, 1);
    }
    /* ISO 8859-1 is the first 256 code points of Unicode. */
    u[0] = (char)(0xc0 | c >> 6);
    u[1] = (char)(0x80 | (c & 0x3f));
    return put_string(e, u, 2);
}

static int put_base64(enc *e, const uint8_t *p, size_t n)
{
    char chunk[256];
    size_t k = 0;
    int rc = put(e, "\"", 1);
    for (size_t i = 0; i < n && !rc; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            w |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            w |= p[i + 2];
        chunk[k++] = b64_alphabet[w >> 18 & 63];
        chunk[k++] = b64_alphabet[w >> 12 & 63];
        chunk[k++] = i + 1 < n ? b64_alphabet[w >> 6 & 63] : '=';
        chunk[k++] = i + 2 < n ? b64_alphabet[w & 63] : '=';
        if (k + 4 > sizeof chunk) {
            rc = put(e, chunk, k);
            k = 0;
        }
    }
    if (!rc && k)
        rc = put(e, chunk, k);
    return rc ? rc : put(e, "\"", 1);
}

static int put_objref(enc *e, const mw_objref *r)
{
    const char *iface = r->interface ? r->interface : "";
    if (r->address.family == 0) {
        /* The nil reference. */
        if (r->created_ms || r->object_number || *iface)
            return failf(&e->f, MW_EINVAL, "object reference without an address");
        return put_str(e, "null");
    }
    size_t bad;
    if (!*iface)
        return failf(&e->f, MW_EINVAL, "object reference without an interface name");
    if (mw_utf8_validate(iface, strlen(iface), &bad))
        return failf(&e->f, MW_EUTF, "interface name: invalid UTF-8 at byte %zu", bad);
    /* The printable form is [A-Za-z0-9_:.-/[]%] only: nothing to escape in JSON. */
    int rc;
    if (e->out) {
        rc = put(e, "\"", 1);
        if (!rc)
            rc = mw_objref_format(r, e->out);
        if (!rc)
            rc = put(e, "\"", 1);
    } else {
        mw_buf tmp = {0};
        rc = mw_objref_format(r, &tmp);
        if (!rc)
            rc = put(e, NULL, tmp.len + 2); /* counting: only the length is used */
        mw_buf_free(&tmp);
    }
    if (rc == MW_EINVAL || rc == MW_ERANGE)
        return failf(&e->f, MW_EINVAL, "object reference with an unprintable address");
    return rc;
}

static int enc_value(enc *e, const mw_type *t, const void *v, uint32_t depth);

static int enc_elems(enc *e, const mw_type *elem, const void *data, size_t n, uint32_t depth)
{
    int rc = put_open(e, '[');
    for (size_t i = 0; i < n && !rc; i++) {
        rc = i ? put(e, ",", 1) : 0;
        if (!rc)
            rc = put_newline(e);
        if (!rc)
            rc = enc_value(e, elem, (const char *)data + i * elem->size, depth + 1);
        if (rc)
            path_index(&e->f, i);
    }
    return rc ? rc : put_close(e, ']', n);
}

static int enc_struct(enc *e, const mw_type *t, const void *v, uint32_t depth)
{
    int rc = put_open(e, '{');
    for (uint32_t i = 0; i < t->u.st.count && !rc; i++) {
        const mw_field *f = &t->u.st.fields[i];
        rc = put_key(e, i, f->name);
        if (!rc)
            rc = enc_value(e, f->type, (const char *)v + f->offset, depth + 1);
        if (rc)
            path_member(&e->f, f->name);
    }
    return rc ? rc : put_close(e, '}', t->u.st.count);
}

static bool case_has_member(const mw_case *c)
{
    return c && c->type && c->type->kind != MW_K_VOID;
}

static int enc_union(enc *e, const mw_type *t, const void *v, uint32_t depth)
{
    const mw_case *c = mwi_union_case(t, mwi_load_int(t->u.un.disc, v));
    int rc = put_open(e, '{');
    if (!rc)
        rc = put_key(e, 0, UNION_DISC_KEY);
    if (!rc && (rc = enc_value(e, t->u.un.disc, v, depth + 1)) != 0)
        path_member(&e->f, UNION_DISC_KEY);
    if (!rc && case_has_member(c)) {
        rc = put_key(e, 1, c->name);
        if (!rc && (rc = enc_value(e, c->type, (const char *)v + t->u.un.value_offset,
                                   depth + 1)) != 0)
            path_member(&e->f, c->name);
    }
    return rc ? rc : put_close(e, '}', 1);
}

static int enc_any(enc *e, const mw_any *a, uint32_t depth)
{
    const mw_type *t = mw_type_resolve(a->type);
    if (!a->type || (t && t->kind == MW_K_VOID))
        return put_str(e, "null");
    if (!t)
        return failf(&e->f, MW_EINVAL, "any: its type is an alias cycle");
    if (!a->value)
        return failf(&e->f, MW_EINVAL, "any: a type but no value");
    char name[128];
    if (!any_type_name(t, name, sizeof name))
        return failf(&e->f, MW_ENOTSUP,
                     "any holding %s%s%s: JSON carries only basic types, built-in types "
                     "and sequences of them",
                     mw_kind_name(t->kind), t->name ? " " : "", t->name ? t->name : "");
    int rc = put_open(e, '{');
    if (!rc)
        rc = put_key(e, 0, "type");
    if (!rc)
        rc = put_string(e, name, strlen(name));
    if (!rc)
        rc = put_key(e, 1, "value");
    if (!rc && (rc = enc_value(e, a->type, a->value, depth + 1)) != 0)
        path_member(&e->f, "value");
    return rc ? rc : put_close(e, '}', 1);
}

static int enc_value(enc *e, const mw_type *t, const void *v, uint32_t depth)
{
    t = mw_type_resolve(t);
    if (!t)
        return failf(&e->f, MW_EINVAL, "alias chain too long");
    switch (t->kind) {
    case MW_K_BOOLEAN: return put_str(e, *(const bool *)v ? "true" : "false");
    case MW_K_CHAR: return put_char(e, *(const char *)v);
    case MW_K_OCTET: case MW_K_USHORT: case MW_K_ULONG: case MW_K_ULONGLONG:
        return put_integer(e, mwi_load_int(t, v), true);
    case MW_K_SHORT: case MW_K_LONG: case MW_K_LONGLONG:
        return put_integer(e, mwi_load_int(t, v), false);
    case MW_K_FLOAT: return put_real(e, *(const float *)v, true);
    case MW_K_DOUBLE: return put_real(e, *(const double *)v, false);
    case MW_K_STRING: {
        const char *s = *(char *const *)v;
        size_t n = s ? strlen(s) : 0;
        if (t->u.seq.bound && n > t->u.seq.bound)
            return failf(&e->f, MW_EINVAL, "string of %zu bytes exceeds its bound %" PRIu32, n,
                         t->u.seq.bound);
        return put_string(e, s ? s : "", n);
    }
    case MW_K_ENUM: {
        const mw_enumerator *en = mwi_enum_find(t, *(const int32_t *)v);
        if (!en)
            return failf(&e->f, MW_EINVAL, "%" PRId32 " is not an enumerator of %s",
                         *(const int32_t *)v, t->name);
        return put_string(e, en->name, strlen(en->name));
    }
    case MW_K_OBJREF: return put_objref(e, v);
    case MW_K_VOID: return failf(&e->f, MW_EINVAL, "void has no value");
    default: break;
    }

    if (depth >= e->max_depth)
        return failf(&e->f, MW_EDEPTH, "nesting deeper than %" PRIu32, e->max_depth);
    switch (t->kind) {
    case MW_K_STRUCT: return enc_struct(e, t, v, depth);
    case MW_K_UNION: return enc_union(e, t, v, depth);
    case MW_K_ANY: return enc_any(e, v, depth);
    case MW_K_OPTIONAL: {
        const void *p = *(const void *const *)v;
        return p ? enc_value(e, t->u.alias.target, p, depth + 1) : put_str(e, "null");
    }
    case MW_K_ARRAY: {
        const mw_type *et = mw_type_resolve(t->u.arr.elem);
        if (et && et->kind == MW_K_OCTET)
            return put_base64(e, v, t->u.arr.count);
        return enc_elems(e, t->u.arr.elem, v, t->u.arr.count, depth);
    }
    case MW_K_SEQUENCE: {
        const mw_seq *s = v;
        const mw_type *et = mw_type_resolve(t->u.seq.elem);
        if (t->u.seq.bound && s->len > t->u.seq.bound)
            return failf(&e->f, MW_EINVAL, "%" PRIu32 " elements exceed the bound %" PRIu32,
                         s->len, t->u.seq.bound);
        if (s->len && !s->data)
            return failf(&e->f, MW_EINVAL, "sequence of %" PRIu32 " elements without data",
                         s->len);
        if (et && et->kind == MW_K_OCTET)
            return put_base64(e, s->data, s->len);
        return enc_elems(e, t->u.seq.elem, s->data, s->len, depth);
    }
    default:
        return failf(&e->f, MW_ENOTSUP, "kind %d has no JSON form", (int)t->kind);
    }
}

static void enc_init(enc *e, mw_buf *out, const mw_marshal_opts *opts)
{
    e->out = out;
    e->count = 0;
    e->pretty = opts && opts->pretty;
    e->indent = 0;
    e->max_depth = mwi_max_depth(opts);
    failure_init(&e->f);
}

int mw_json_encode(const mw_type *t, const void *value, mw_buf *out,
                   const mw_marshal_opts *opts, mw_marshal_error *err)
{
    if (!t || !value || !out)
        return mwi_marshal_fail(err, MW_EINVAL, 0, "", "missing argument");
    enc e;
    enc_init(&e, out, opts);
    size_t start = out->len;
    int rc = enc_value(&e, t, value, 0);
    if (rc) {
        out->len = start;
        return report(&e.f, rc, err);
    }
    return 0;
}

static int json_size(const mw_type *t, const void *value, const mw_marshal_opts *opts,
                     size_t *out)
{
    if (!t || !value || !out)
        return MW_EINVAL;
    enc e;
    enc_init(&e, NULL, opts);
    int rc = enc_value(&e, t, value, 0);
    if (!rc)
        *out = e.count;
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Integer literals jansson cannot hold                                                 */
/* ------------------------------------------------------------------------------------ */

typedef struct span {
    size_t off, len; /* an integer literal in the original input */
} span;

/* True for -?[1-9][0-9]* beyond long long: only well-formed JSON integers are replaced,
 * so the substitution can neither make a bad document good nor a good one bad. */
static bool integer_beyond_int64(const char *p, size_t n)
{
    bool neg = n && p[0] == '-';
    p += neg;
    n -= neg;
    if (n == 0 || p[0] < '1' || p[0] > '9')
        return false;
    for (size_t i = 1; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    if (n != 19)
        return n > 19;
    return memcmp(p, neg ? "9223372036854775808" : "9223372036854775807", 19) > 0;
}

static bool number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Where a value (and so a number) may begin in JSON. */
static bool value_boundary(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '[' || c == ',' || c == ':';
}

/*
 * Makes a copy of s[0..n) in which each integer literal outside long long is replaced
 * by the string "\u0000<k>" (k: its index in *spans) padded with spaces to the same
 * length. Such literals have at least 19 characters and a placeholder at most 18 (for k
 * below 10^10), so positions in the copy are positions in s. A placeholder cannot be
 * forged: a string starting with \u0000 and longer than one character is refused here,
 * before anything else (no string, char, name or key may hold such text anyway).
 * *count is 0 (and nothing allocated) when there is nothing to replace.
 */
static int substitute_big_integers(const char *s, size_t n, char **copy, span **spans,
                                   size_t *count, size_t *bad)
{
    size_t cap = 0;
    *copy = NULL;
    *spans = NULL;
    *count = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '"') {
            if (n - i >= 8 && memcmp(s + i + 1, "\\u0000", 6) == 0 && s[i + 7] != '"') {
                *bad = i;
                return MW_EPROTO;
            }
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            i++;
            continue;
        }
        if (!number_char(s[i]) || (i > 0 && !value_boundary(s[i - 1]))) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && number_char(s[j]))
            j++;
        if (integer_beyond_int64(s + i, j - i)) {
            if (*count == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                span *ns = realloc(*spans, ncap * sizeof *ns);
                if (!ns)
                    return MW_ENOMEM;
                *spans = ns;
                cap = ncap;
            }
            if (!*copy) {
                *copy = malloc(n);
                if (!*copy)
                    return MW_ENOMEM;
                memcpy(*copy, s, n);
            }
            char mark[32];
            int k = snprintf(mark, sizeof mark, "\"\\u0000%zu\"", *count);
            if (k < 0 || (size_t)k > j - i) {
                *bad = i;
                return MW_ELIMIT;
            }
            memcpy(*copy + i, mark, (size_t)k);
            memset(*copy + i + k, ' ', j - i - (size_t)k);
            (*spans)[(*count)++] = (span){i, j - i};
        }
        i = j;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Decoding                                                                             */
/* ------------------------------------------------------------------------------------ */

typedef struct dec {
    mw_arena *arena;
    uint32_t max_depth;
    const char *text;   /* the original input: digits of the literals in bigs */
    const span *bigs;   /* integer literals replaced by placeholders */
    size_t nbigs;
    failure f;
} dec;

/* The literal a placeholder stands for, or NULL when j is no placeholder. */
static const span *big_literal(const dec *d, const json_t *j)
{
    if (!d->nbigs || !json_is_string(j))
        return NULL;
    const char *s = json_string_value(j);
    size_t n = json_string_length(j), k = 0;
    if (n < 2 || s[0] != '\0')
        return NULL;
    for (size_t i = 1; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return NULL;
        k = k * 10 + (size_t)(s[i] - '0');
        if (k >= d->nbigs)
            return NULL;
    }
    return &d->bigs[k];
}

static const char *json_kind(const dec *d, const json_t *j)
{
    if (big_literal(d, j))
        return "a number";
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: case JSON_REAL: return "a number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return "null";
    }
}

static int expected(dec *d, const char *what, const json_t *j)
{
    return failf(&d->f, MW_EPROTO, "expected %s, found %s", what, json_kind(d, j));
}

static int alloc_failed(dec *d, size_t n)
{
    size_t limit = mw_arena_limit(d->arena), used = mw_arena_used(d->arena);
    if (limit && (used >= limit || n > limit - used))
        return failf(&d->f, MW_ELIMIT,
                     "decoding would allocate more than the input's size justifies");
    return failf(&d->f, MW_ENOMEM, "out of memory");
}

static int get_string(dec *d, const json_t *j, const char **s, size_t *n, const char *what)
{
    if (!json_is_string(j) || big_literal(d, j))
        return expected(d, what, j);
    *s = json_string_value(j);
    *n = json_string_length(j);
    return 0;
}

/* Integers arrive as jansson integers, or as placeholders for literals beyond long long,
 * read here from their digits without overflow. */
static int dec_integer(dec *d, const mw_type *t, const json_t *j, void *dst)
{
    int64_t min;
    uint64_t max;
    switch (t->kind) {
    case MW_K_OCTET: min = 0, max = UINT8_MAX; break;
    case MW_K_SHORT: min = INT16_MIN, max = INT16_MAX; break;
    case MW_K_USHORT: min = 0, max = UINT16_MAX; break;
    case MW_K_LONG: min = INT32_MIN, max = INT32_MAX; break;
    case MW_K_ULONG: min = 0, max = UINT32_MAX; break;
    case MW_K_LONGLONG: min = INT64_MIN, max = INT64_MAX; break;
    default: min = 0, max = UINT64_MAX; break;
    }
    bool neg = false, over = false;
    uint64_t mag = 0;
    const span *b = big_literal(d, j);
    if (json_is_integer(j)) {
        json_int_t v = json_integer_value(j);
        neg = v < 0;
        mag = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    } else if (b) {
        const char *p = d->text + b->off;
        neg = p[0] == '-';
        for (size_t i = neg; i < b->len && !over; i++) {
            unsigned digit = (unsigned)(p[i] - '0');
            over = mag > (UINT64_MAX - digit) / 10;
            mag = mag * 10 + digit;
        }
    } else if (json_is_real(j)) {
        return failf(&d->f, MW_EPROTO, "expected an integer, found a real number");
    } else {
        return expected(d, "an integer", j);
    }
    uint64_t neg_limit = (uint64_t)0 - (uint64_t)min; /* |min|, exact for INT64_MIN too */
    if (over || (neg && mag > neg_limit) || (!neg && mag > max)) {
        char q[48];
        return failf(&d->f, MW_ERANGE, "%s is out of range for %s",
                     b ? printable(d->text + b->off, b->len, q)
                       : (snprintf(q, sizeof q, "%s%" PRIu64, neg ? "-" : "", mag), q),
                     mw_kind_name(t->kind));
    }
    mwi_store_int(t, dst, neg ? (int64_t)((uint64_t)0 - mag) : (int64_t)mag);
    return 0;
}

static int dec_real(dec *d, bool single, const json_t *j, void *dst)
{
    const char *type = single ? "float" : "double";
    const span *b = big_literal(d, j);
    double v;
    float f = 0;
    if (json_is_integer(j)) {
        /* Straight from the integer: one rounding, as a reader of the text would do. */
        f = (float)json_integer_value(j);
        v = (double)json_integer_value(j);
    } else if (b) {
        char digits[MAX_REAL_DIGITS + 2];
        if (b->len > MAX_REAL_DIGITS)
            return failf(&d->f, MW_ERANGE, "%zu-digit integer is out of range for %s", b->len,
                         type);
        memcpy(digits, d->text + b->off, b->len);
        digits[b->len] = '\0';
        f = strtof(digits, NULL);
        v = single ? f : strtod(digits, NULL);
    } else if (json_is_real(j)) {
        v = json_real_value(j);
        if (single && !to_float(v, &f))
            return failf(&d->f, MW_ERANGE, "%g is out of range for float", v);
    } else {
        return expected(d, "a number", j);
    }
    /* jansson never yields NaN or infinity; a long literal can overflow. */
    if (!isfinite(v))
        return failf(&d->f, MW_ERANGE, "number out of range for %s", type);
    if (single)
        *(float *)dst = f;
    else
        *(double *)dst = v;
    return 0;
}

static int dec_char(dec *d, const json_t *j, char *dst)
{
    const char *s;
    size_t n;
    int rc = get_string(d, j, &s, &n, "a one-character string");
    if (rc)
        return rc;
    const unsigned char *u = (const unsigned char *)s;
    /* jansson hands over valid UTF-8 only, so the lead byte gives the length. */
    size_t clen = !n ? 0 : u[0] < 0x80 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
    if (n == 0 || clen != n)
        return failf(&d->f, MW_EPROTO, "expected one character, found a string of %zu bytes",
                     n);
    if (n == 1) {
        *dst = (char)u[0];
        return 0;
    }
    if (n == 2 && u[0] <= 0xc3) {
        *dst = (char)((u[0] & 0x1f) << 6 | (u[1] & 0x3f));
        return 0;
    }
    return failf(&d->f, MW_ERANGE, "character outside ISO 8859-1 (char holds U+0000..U+00FF)");
}

static int dec_string(dec *d, const mw_type *t, const json_t *j, char **dst)
{
    const char *s;
    size_t n, bad;
    int rc = get_string(d, j, &s, &n, "a string");
    if (rc)
        return rc;
    if (memchr(s, '\0', n))
        return failf(&d->f, MW_EPROTO, "a string cannot hold NUL (\\u0000)");
    if (t->u.seq.bound && n > t->u.seq.bound)
        return failf(&d->f, MW_EPROTO, "string of %zu bytes exceeds its bound %" PRIu32, n,
                     t->u.seq.bound);
    /* jansson checks UTF-8 too; checking again costs little and keeps the promise
     * independent of the parser. */
    if (mw_utf8_validate(s, n, &bad))
        return failf(&d->f, MW_EUTF, "invalid UTF-8 at byte %zu of the string", bad);
    char *c = mw_arena_strndup(d->arena, s, n);
    if (!c)
        return alloc_failed(d, n + 1);
    *dst = c;
    return 0;
}

static int dec_enum(dec *d, const mw_type *t, const json_t *j, int32_t *dst)
{
    const char *s;
    size_t n;
    int rc = get_string(d, j, &s, &n, "an enumerator name");
    if (rc)
        return rc;
    const mw_enumerator *en = mwi_enum_find_name(t, s, n);
    if (!en) {
        char q[48];
        return failf(&d->f, MW_EPROTO, "\"%s\" is not an enumerator of %s", printable(s, n, q),
                     t->name);
    }
    *dst = en->value;
    return 0;
}

/* Octets from a base64 string: into dst when want is its exact length (arrays),
 * else into the arena (sequences, checked against bound). */
static int dec_base64(dec *d, const json_t *j, uint8_t *dst, size_t want, uint32_t bound,
                      mw_seq *seq)
{
    const char *s;
    size_t n, m, bad = 0;
    int rc = get_string(d, j, &s, &n, "a base64 string");
    if (rc)
        return rc;
    if (n % 4)
        return failf(&d->f, MW_EPROTO, "base64 text of %zu characters (not a multiple of 4)",
                     n);
    m = n / 4 * 3 - (n && s[n - 1] == '=') - (n > 1 && s[n - 2] == '=');
    if (dst && m != want)
        return failf(&d->f, MW_EPROTO, "%zu octets where the array holds %zu", m, want);
    if (!dst && ((bound && m > bound) || m > UINT32_MAX))
        return failf(&d->f, MW_EPROTO, "%zu octets exceed the bound %" PRIu32, m, bound);
    if (!dst && m) {
        dst = mw_arena_alloc(d->arena, m, 1);
        if (!dst)
            return alloc_failed(d, m);
    }
    if (b64_decode(s, n, dst, &bad))
        return failf(&d->f, MW_EPROTO, "bad base64 character or padding at character %zu",
                     bad);
    if (seq) {
        seq->len = (uint32_t)m;
        seq->data = m ? dst : NULL;
    }
    return 0;
}

static int dec_value(dec *d, const mw_type *t, json_t *j, void *dst, uint32_t depth);

static int dec_elems(dec *d, const mw_type *elem, json_t *j, char *data, size_t n,
                     uint32_t depth)
{
    for (size_t i = 0; i < n; i++) {
        int rc = dec_value(d, elem, json_array_get(j, i), data + i * elem->size, depth + 1);
        if (rc) {
            path_index(&d->f, i);
            return rc;
        }
    }
    return 0;
}

static int dec_sequence(dec *d, const mw_type *t, json_t *j, mw_seq *s, uint32_t depth)
{
    const mw_type *elem = t->u.seq.elem, *et = mw_type_resolve(elem);
    if (!et)
        return failf(&d->f, MW_EINVAL, "alias chain too long");
    if (et->kind == MW_K_OCTET)
        return dec_base64(d, j, NULL, 0, t->u.seq.bound, s);
    if (!json_is_array(j))
        return expected(d, "an array", j);
    size_t n = json_array_size(j);
    if ((t->u.seq.bound && n > t->u.seq.bound) || n > UINT32_MAX)
        return failf(&d->f, MW_EPROTO, "%zu elements exceed the bound %" PRIu32, n,
                     t->u.seq.bound);
    s->len = 0;
    s->data = NULL;
    if (n == 0)
        return 0;
    /* n is what jansson parsed, so the input already holds n elements. */
    void *data = mw_arena_calloc(d->arena, n, elem->size);
    if (!data)
        return alloc_failed(d, n * elem->size);
    s->len = (uint32_t)n;
    s->data = data;
    return dec_elems(d, elem, j, data, n, depth);
}

/* The first key of object j that names none of the n keys, or NULL. */
static const char *unknown_key(json_t *j, const char *const *known, const mw_field *fields,
                               size_t n)
{
    const char *key;
    json_t *value;
    json_object_foreach(j, key, value)
    {
        size_t i = 0;
        while (i < n && strcmp(key, known ? known[i] : fields[i].name) != 0)
            i++;
        if (i == n)
            return key;
    }
    return NULL;
}

static int unknown_member(dec *d, const char *key, const char *where)
{
    char q[48];
    return failf(&d->f, MW_EPROTO, "unknown member \"%s\" in %s", printable(key, strlen(key), q),
                 where);
}

static int dec_struct(dec *d, const mw_type *t, json_t *j, char *dst, uint32_t depth)
{
    if (!json_is_object(j))
        return expected(d, "an object", j);
    const char *extra = NULL;
    if (json_object_size(j) != t->u.st.count &&
        (extra = unknown_key(j, NULL, t->u.st.fields, t->u.st.count)) != NULL)
        return unknown_member(d, extra, t->name);
    for (uint32_t i = 0; i < t->u.st.count; i++) {
        const mw_field *f = &t->u.st.fields[i];
        json_t *m = json_object_get(j, f->name);
        if (!m) {
            /* A misspelt member reads better as "unknown" than as "missing". */
            extra = unknown_key(j, NULL, t->u.st.fields, t->u.st.count);
            if (extra)
                return unknown_member(d, extra, t->name);
            return failf(&d->f, MW_EPROTO, "missing member \"%s\" of %s", f->name, t->name);
        }
        int rc = dec_value(d, f->type, m, dst + f->offset, depth + 1);
        if (rc) {
            path_member(&d->f, f->name);
            return rc;
        }
    }
    return 0;
}

static int dec_union(dec *d, const mw_type *t, json_t *j, char *dst, uint32_t depth)
{
    if (!json_is_object(j))
        return expected(d, "an object", j);
    json_t *dj = json_object_get(j, UNION_DISC_KEY);
    if (!dj)
        return failf(&d->f, MW_EPROTO, "missing the discriminator \"" UNION_DISC_KEY "\" of %s",
                     t->name);
    union {
        int64_t i;
        uint64_t u;
        double pad;
    } disc = {0};
    int rc = dec_value(d, t->u.un.disc, dj, &disc, depth + 1);
    if (rc) {
        path_member(&d->f, UNION_DISC_KEY);
        return rc;
    }
    int64_t label = mwi_load_int(t->u.un.disc, &disc);
    memset(dst, 0, t->size);
    mwi_store_int(t->u.un.disc, dst, label);
    const mw_case *c = mwi_union_case(t, label);
    bool member = case_has_member(c);
    const char *keys[2] = {UNION_DISC_KEY, member ? c->name : NULL};
    const char *extra = unknown_key(j, keys, NULL, member ? 2 : 1);
    if (extra)
        return unknown_member(d, extra, t->name);
    if (!member)
        return 0;
    json_t *mj = json_object_get(j, c->name);
    if (!mj)
        return failf(&d->f, MW_EPROTO, "missing member \"%s\" that the discriminator selects",
                     c->name);
    rc = dec_value(d, c->type, mj, dst + t->u.un.value_offset, depth + 1);
    if (rc)
        path_member(&d->f, c->name);
    return rc;
}

static int dec_any(dec *d, json_t *j, mw_any *dst, uint32_t depth)
{
    dst->type = NULL;
    dst->value = NULL;
    if (json_is_null(j))
        return 0;
    if (!json_is_object(j))
        return expected(d, "an object or null", j);
    static const char *const keys[2] = {"type", "value"};
    const char *extra = unknown_key(j, keys, NULL, 2);
    if (extra)
        return unknown_member(d, extra, "any");
    json_t *tj = json_object_get(j, "type"), *vj = json_object_get(j, "value");
    if (!tj || !vj)
        return failf(&d->f, MW_EPROTO, "missing member \"%s\" of any", tj ? "value" : "type");
    const char *name;
    size_t n;
    int rc = get_string(d, tj, &name, &n, "a type name");
    if (rc) {
        path_member(&d->f, "type");
        return rc;
    }
    bool nomem;
    const mw_type *t = type_by_name(name, n, d->arena, &nomem);
    if (!t) {
        char q[48];
        if (nomem)
            return alloc_failed(d, sizeof(mw_type));
        rc = failf(&d->f, MW_EPROTO, "unknown type \"%s\" (an any holds basic types, "
                                     "built-in types and sequences of them)",
                   printable(name, n, q));
        path_member(&d->f, "type");
        return rc;
    }
    void *value = mw_arena_calloc(d->arena, 1, t->size);
    if (!value)
        return alloc_failed(d, t->size);
    rc = dec_value(d, t, vj, value, depth + 1);
    if (rc) {
        path_member(&d->f, "value");
        return rc;
    }
    dst->type = t;
    dst->value = value;
    return 0;
}

static int dec_objref(dec *d, const json_t *j, mw_objref *dst)
{
    memset(dst, 0, sizeof *dst);
    if (json_is_null(j)) {
        /* The nil reference; its interface is "" like every decoded string. */
        dst->interface = mw_arena_strndup(d->arena, "", 0);
        return dst->interface ? 0 : alloc_failed(d, 1);
    }
    const char *s;
    size_t n, bad = 0;
    int rc = get_string(d, j, &s, &n, "an object reference or null");
    if (rc)
        return rc;
    if (memchr(s, '\0', n))
        return failf(&d->f, MW_EPROTO, "object reference holding NUL (\\u0000)");
    rc = mw_objref_parse(dst, s, d->arena, &bad);
    if (rc == MW_ENOMEM)
        return alloc_failed(d, n);
    if (rc)
        return failf(&d->f, MW_EPROTO, "malformed object reference (at character %zu)", bad);
    return 0;
}

static int dec_value(dec *d, const mw_type *t, json_t *j, void *dst, uint32_t depth)
{
    t = mw_type_resolve(t);
    if (!t)
        return failf(&d->f, MW_EINVAL, "alias chain too long");
    switch (t->kind) {
    case MW_K_BOOLEAN:
        if (!json_is_boolean(j))
            return expected(d, "true or false", j);
        *(bool *)dst = json_is_true(j);
        return 0;
    case MW_K_OCTET: case MW_K_SHORT: case MW_K_USHORT: case MW_K_LONG: case MW_K_ULONG:
    case MW_K_LONGLONG: case MW_K_ULONGLONG:
        return dec_integer(d, t, j, dst);
    case MW_K_FLOAT: return dec_real(d, true, j, dst);
    case MW_K_DOUBLE: return dec_real(d, false, j, dst);
    case MW_K_CHAR: return dec_char(d, j, dst);
    case MW_K_STRING: return dec_string(d, t, j, dst);
    case MW_K_ENUM: return dec_enum(d, t, j, dst);
    case MW_K_OBJREF: return dec_objref(d, j, dst);
    case MW_K_VOID: return failf(&d->f, MW_EINVAL, "void has no value");
    default: break;
    }

    if (depth >= d->max_depth)
        return failf(&d->f, MW_EDEPTH, "nesting deeper than %" PRIu32, d->max_depth);
    switch (t->kind) {
    case MW_K_STRUCT: return dec_struct(d, t, j, dst, depth);
    case MW_K_UNION: return dec_union(d, t, j, dst, depth);
    case MW_K_SEQUENCE: return dec_sequence(d, t, j, dst, depth);
    case MW_K_ANY: return dec_any(d, j, dst, depth);
    case MW_K_ARRAY: {
        const mw_type *et = mw_type_resolve(t->u.arr.elem);
        if (et && et->kind == MW_K_OCTET)
            return dec_base64(d, j, dst, t->u.arr.count, 0, NULL);
        if (!json_is_array(j))
            return expected(d, "an array", j);
        if (json_array_size(j) != t->u.arr.count)
            return failf(&d->f, MW_EPROTO, "%zu elements where the array holds %" PRIu32,
                         json_array_size(j), t->u.arr.count);
        return dec_elems(d, t->u.arr.elem, j, dst, t->u.arr.count, depth);
    }
    case MW_K_OPTIONAL: {
        void **p = dst;
        *p = NULL;
        if (json_is_null(j))
            return 0;
        const mw_type *target = t->u.alias.target;
        void *v = mw_arena_calloc(d->arena, 1, target->size);
        if (!v)
            return alloc_failed(d, target->size);
        int rc = dec_value(d, target, j, v, depth + 1);
        if (!rc)
            *p = v;
        return rc;
    }
    default:
        return failf(&d->f, MW_ENOTSUP, "kind %d has no JSON form", (int)t->kind);
    }
}

/* Maps a jansson parse error to a code, the input offset and a detail. */
static int syntax_error(const json_error_t *je, const char *data, size_t len,
                        mw_marshal_error *err)
{
    int rc;
    size_t off = je->position > 0 ? (size_t)je->position : 0, bad;
    switch (json_error_code(je)) {
    case json_error_out_of_memory: rc = MW_ENOMEM; break;
    case json_error_stack_overflow: rc = MW_EDEPTH; break;
    case json_error_premature_end_of_input: rc = MW_ETRUNCATED; break;
    case json_error_numeric_overflow: rc = MW_ERANGE; break;
    case json_error_invalid_utf8:
        rc = MW_EUTF;
        /* jansson points at the token; the first bad byte is more useful. */
        if (mw_utf8_validate(data, len, &bad))
            off = bad;
        break;
    case json_error_invalid_syntax:
        rc = strstr(je->text, "invalid Unicode") ? MW_EUTF : MW_EPROTO;
        break;
    default: rc = MW_EPROTO; break;
    }
    /* jansson quotes the offending token, which may hold any bytes of the input. */
    char text[sizeof je->text];
    snprintf(text, sizeof text, "%s", je->text);
    for (char *p = text; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    return mwi_marshal_fail(err, rc, MWI_MIN(off, len), "", "line %d, column %d: %s",
                            je->line, je->column, text);
}

int mw_json_decode(const mw_type *t, const void *data, size_t len, void *value,
                   mw_arena *arena, const mw_marshal_opts *opts, mw_marshal_error *err)
{
    if (!t || (!data && len) || !value || !arena)
        return mwi_marshal_fail(err, MW_EINVAL, 0, "", "missing argument");
    const char *text = len ? data : "";
    size_t old = mwi_arena_bound(arena, len);
    memset(value, 0, t->size);
    /* JSON_ALLOW_NUL: "\u0000" is a valid char value; strings holding it are refused
     * by the walker with a path, which says more than a parse error would. */
    const size_t flags = JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL;
    json_error_t je;
    char *copy = NULL;
    span *bigs = NULL;
    size_t nbigs = 0, bad = 0;
    int rc = 0;
    json_t *root = json_loadb(text, len, flags, &je);
    if (!root && json_error_code(&je) == json_error_numeric_overflow) {
        rc = substitute_big_integers(text, len, &copy, &bigs, &nbigs, &bad);
        if (rc == MW_ENOMEM)
            rc = mwi_marshal_fail(err, rc, 0, "", "out of memory");
        else if (rc)
            rc = mwi_marshal_fail(err, rc, bad, "",
                                  "a string starting with \\u0000 (NUL cannot be held)");
        else if (nbigs)
            root = json_loadb(copy, len, flags, &je);
    }
    if (!rc && !root)
        rc = syntax_error(&je, text, len, err);
    if (!rc) {
        dec d = {.arena = arena, .max_depth = mwi_max_depth(opts), .text = text,
                 .bigs = bigs, .nbigs = nbigs};
        failure_init(&d.f);
        rc = dec_value(&d, t, root, value, 0);
        if (rc)
            rc = report(&d.f, rc, err);
    }
    json_decref(root);
    free(copy);
    free(bigs);
    mw_arena_set_limit(arena, old);
    return rc;
}

const mw_codec mw_codec_json = {
    .name = "json",
    .description = "JSON (RFC 8259) through jansson; mapping in docs/json-mapping.md",
    .binary = false,
    .encode = mw_json_encode,
    .decode = mw_json_decode,
    .size = json_size,
};

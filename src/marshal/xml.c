/*
 * xml.c - the XML codec (Figures 4.10 and 4.11), written and read with libxml2.
 *
 * The mapping, in full in docs/xml-mapping.md: a struct is an element named after the
 * type (t->xml_name, else the name without scope) whose members are child elements in
 * declaration order, or attributes when flagged MW_FIELD_XML_ATTR; basic values are text
 * (booleans true/false, decimal integers, floating point as the shortest decimal that
 * reads back exactly, INF/-INF/NaN as in XML Schema); octet sequences and arrays are
 * base64; other sequences and arrays are repeated <item> elements; an enum is its
 * enumerator's name; a union is <_d> then the active member's element; an optional member
 * is present or absent; an object reference is its mwref: text; an any carries a "type"
 * attribute naming its type. With opts->xml_ns every element is in that namespace
 * (prefixed with opts->xml_prefix, attributes too, else as the default namespace).
 *
 * Decoding never loads a DTD or expands an entity: a document with a DOCTYPE is refused
 * (which rules out "billion laughs" and external entities), the network is never used,
 * element nesting is capped while parsing, and errors carry the element's path and line.
 *
 * Not supported (MW_ENOTSUP): a void or optional value at the root; an optional as the
 * element of a sequence or array, or inside another optional (its absence could not be
 * told from an empty item); MW_FIELD_XML_ATTR on a member that is not of a basic kind; an
 * any holding anything but a basic value, a sequence of basic values or a built-in type
 * (mw_builtin_type); text XML 1.0 cannot carry (control characters other than tab, LF and
 * CR, U+FFFE, U+FFFF, and the char 0).
 */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlwriter.h>

#include "xml_impl.h"

/* libxml2 spells strings unsigned; its BAD_CAST also drops const. */
#define XC (const xmlChar *)

/* ---- shared helpers ----------------------------------------------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* Numbers are written and read in the "C" locale whatever the application chose, so a
 * decimal comma never reaches the wire. (locale_t)0 if it could not be made. */
static locale_t c_locale;

static void init_libs(void)
{
    xmlInitParser();
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

void mwi_xml_init(void) { pthread_once(&init_once, init_libs); }

static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

void mwi_xml_quiet(mwi_xml_handlers *saved)
{
    mwi_xml_init();
    saved->generic = xmlGenericError;
    saved->generic_ctx = xmlGenericErrorContext;
    saved->structured = xmlStructuredError;
    saved->structured_ctx = xmlStructuredErrorContext;
    /* No global structured handler either: ours, on each context, must see the errors. */
    xmlSetGenericErrorFunc(NULL, silent);
    xmlSetStructuredErrorFunc(NULL, NULL);
}

void mwi_xml_restore(const mwi_xml_handlers *saved)
{
    xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
    xmlSetStructuredErrorFunc(saved->structured_ctx, saved->structured);
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s))
        (*s)++, (*n)--;
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/* Valid UTF-8 made only of characters XML 1.0 can carry: MW_EUTF or MW_ENOTSUP with
 * *bad at the first offending byte. */
static int xml_text_check(const char *s, size_t n, size_t *bad)
{
    if (mw_utf8_validate(s, n, bad))
        return MW_EUTF;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ctl = c < 0x20 && c != '\t' && c != '\n' && c != '\r';
        bool nonchar = c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
                       ((unsigned char)s[i + 2] & 0xFE) == 0xBE; /* U+FFFE, U+FFFF */
        if (ctl || nonchar) {
            *bad = i;
            return MW_ENOTSUP;
        }
    }
    return 0;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The base64 text of p[0..n) (RFC 4648, padded, one line) into out, NUL-terminated; out
 * has room for 4 * ceil(n / 3) + 1 bytes. */
static void b64_encode(const uint8_t *p, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = b64_alphabet[v >> 18 & 63];
        out[o++] = b64_alphabet[v >> 12 & 63];
        out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64_alphabet, c) : NULL;
    return p ? (int)(p - b64_alphabet) : -1;
}

/* Number formatting in the C locale. */
static void format_real(double d, bool is_float, char *buf, size_t size)
{
    if (d != d) {
        snprintf(buf, size, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d < 0 ? "-INF" : "INF");
        return;
    }
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    /* The shortest precision that reads back to the same value: 9 digits always do for
     * a float, 17 for a double. */
    for (int prec = 1; prec <= (is_float ? 9 : 17); prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (is_float ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d)
            break;
    }
    if (old)
        uselocale(old);
}

static double parse_real_c(const char *s, bool is_float, int *range_err)
{
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    errno = 0;
    double d = is_float ? (double)strtof(s, NULL) : strtod(s, NULL);
    /* ERANGE also flags subnormal results, which are exact values we wrote: only an
     * overflow to infinity is out of range. */
    *range_err = errno == ERANGE && isinf(d);
    if (old)
        uselocale(old);
    return d;
}

/* ---- encoding ----------------------------------------------------------------------- */

typedef struct enc {
    xmlTextWriterPtr w;
    const xmlChar *prefix; /* children and attributes qualified with it, or NULL */
    const char *ns;        /* namespace URI, declared on the root */
    uint32_t max_depth;
    mw_buf *out;
    int io_rc; /* why the output callback refused bytes */
    mw_marshal_error *err;
    char path[160];
    size_t plen;
} enc;

static int out_write(void *ctx, const char *p, int n)
{
    enc *e = ctx;
    int rc = mw_buf_append(e->out, p, (size_t)n);
    if (rc) {
        e->io_rc = rc;
        return -1;
    }
    return n;
}

static int out_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static int efail(enc *e, int code, const char *fmt, ...) MW_PRINTF(3, 4);
static int efail(enc *e, int code, const char *fmt, ...)
{
    char detail[sizeof e->err->detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return mwi_marshal_fail(e->err, code, 0, e->path, "%s", detail);
}

/* Maps a libxml2 writer result to ours. */
static int wrote(enc *e, int r)
{
    if (r >= 0)
        return 0;
    int code = e->io_rc ? e->io_rc : MW_ENOMEM;
    return efail(e, code, "writing the document failed: %s", mw_strerror(code));
}

static size_t path_push(enc *e, const char *name, size_t index)
{
    size_t old = e->plen;
    int w = index ? snprintf(e->path + old, sizeof e->path - old, "/%s[%zu]", name, index)
                  : snprintf(e->path + old, sizeof e->path - old, "/%s", name);
    if (w > 0)
        e->plen = MWI_MIN(old + (size_t)w, sizeof e->path - 1);
    return old;
}

static void path_pop(enc *e, size_t old)
{
    e->plen = old;
    e->path[old] = '\0';
}

static int start_elem(enc *e, const char *name, bool root)
{
    const xmlChar *uri = root && e->ns ? XC e->ns : NULL;
    if (!e->prefix && !uri)
        return wrote(e, xmlTextWriterStartElement(e->w, XC name));
    return wrote(e, xmlTextWriterStartElementNS(e->w, e->prefix, XC name, uri));
}

static int end_elem(enc *e) { return wrote(e, xmlTextWriterEndElement(e->w)); }

static int write_attr(enc *e, const char *name, const char *value)
{
    if (!e->prefix)
        return wrote(e, xmlTextWriterWriteAttribute(e->w, XC name, XC value));
    return wrote(e, xmlTextWriterWriteAttributeNS(e->w, e->prefix, XC name, NULL,
                                                   XC value));
}

static int write_text(enc *e, const char *s)
{
    return wrote(e, xmlTextWriterWriteString(e->w, XC s));
}

/* The text of a basic value, enum or string (not objref) into buf, or *text pointing at
 * the string itself. */
static int basic_text(enc *e, const mw_type *rt, const void *v, char *buf, size_t size,
                      const char **text)
{
    *text = buf;
    switch (rt->kind) {
    case MW_K_BOOLEAN: *text = *(const bool *)v ? "true" : "false"; return 0;
    case MW_K_OCTET: case MW_K_USHORT: case MW_K_ULONG: case MW_K_SHORT: case MW_K_LONG:
    case MW_K_LONGLONG:
        snprintf(buf, size, "%" PRId64, mwi_load_int(rt, v));
        return 0;
    case MW_K_ULONGLONG: snprintf(buf, size, "%" PRIu64, *(const uint64_t *)v); return 0;
    case MW_K_FLOAT: format_real(*(const float *)v, true, buf, size); return 0;
    case MW_K_DOUBLE: format_real(*(const double *)v, false, buf, size); return 0;
    case MW_K_CHAR: {
        /* A char is one ISO 8859-1 byte: the character with that code point. */
        unsigned char c = (unsigned char)*(const char *)v;
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r'))
            return efail(e, MW_ENOTSUP, "XML 1.0 cannot carry the char 0x%02X", c);
        if (c < 0x80) {
            buf[0] = (char)c;
            buf[1] = '\0';
        } else {
            buf[0] = (char)(0xC0 | c >> 6);
            buf[1] = (char)(0x80 | (c & 0x3F));
            buf[2] = '\0';
        }
        return 0;
    }
    case MW_K_ENUM: {
        int32_t x = *(const int32_t *)v;
        const mw_enumerator *en = mwi_enum_find(rt, x);
        if (!en)
            return efail(e, MW_EINVAL, "%" PRId32 " is not a value of enum %s", x,
                         rt->name ? rt->name : "?");
        *text = en->name;
        return 0;
    }
    case MW_K_STRING: {
        const char *s = *(char *const *)v;
        s = s ? s : "";
        size_t n = strlen(s), bad = 0;
        if (rt->u.seq.bound && n > rt->u.seq.bound)
            return efail(e, MW_EINVAL, "string of %zu bytes exceeds its bound %" PRIu32, n,
                         rt->u.seq.bound);
        int rc = xml_text_check(s, n, &bad);
        if (rc == MW_EUTF)
            return efail(e, rc, "string is not valid UTF-8 (byte %zu)", bad);
        if (rc)
            return efail(e, rc, "XML 1.0 cannot carry the character at byte %zu", bad);
        *text = s;
        return 0;
    }
    default: return efail(e, MW_ENOTSUP, "%s is not a basic kind", mw_kind_name(rt->kind));
    }
}

static int enc_content(enc *e, const mw_type *t, const void *v, uint32_t depth);

/* <name>value</name>; an optional member absent writes nothing. */
static int enc_member(enc *e, const char *name, const mw_type *t, const void *v,
                      uint32_t depth)
{
    const mw_type *rt = mw_type_resolve(t);
    if (rt->kind == MW_K_OPTIONAL) {
        const void *p = *(void *const *)v;
        if (mw_type_resolve(rt->u.alias.target)->kind == MW_K_OPTIONAL)
            return efail(e, MW_ENOTSUP, "an optional inside an optional has no XML form");
        if (!p)
            return 0;
        return enc_member(e, name, rt->u.alias.target, p, depth);
    }
    int rc = start_elem(e, name, false);
    if (!rc)
        rc = enc_content(e, t, v, depth);
    return rc ? rc : end_elem(e);
}

static int enc_struct(enc *e, const mw_type *rt, const void *v, uint32_t depth)
{
    /* Attributes belong to the start tag: all of them before any child element. */
    char buf[48];
    for (uint32_t i = 0; i < rt->u.st.count; i++) {
        const mw_field *f = &rt->u.st.fields[i];
        if (!(f->flags & MW_FIELD_XML_ATTR))
            continue;
        char at[80];
        snprintf(at, sizeof at, "@%s", f->name);
        size_t old = path_push(e, at, 0);
        if (!mwi_xml_name_ok(f->name))
            return efail(e, MW_EINVAL, "\"%s\" is not a usable XML name", f->name);
        if (!mwi_xml_attr_kind(f->type))
            return efail(e, MW_ENOTSUP, "member %s of kind %s cannot be an attribute",
                         f->name, mw_kind_name(mw_type_resolve(f->type)->kind));
        const char *text;
        int rc = basic_text(e, mw_type_resolve(f->type), (const char *)v + f->offset, buf,
                            sizeof buf, &text);
        if (!rc)
            rc = write_attr(e, f->name, text);
        if (rc)
            return rc;
        path_pop(e, old);
    }
    for (uint32_t i = 0; i < rt->u.st.count; i++) {
        const mw_field *f = &rt->u.st.fields[i];
        if (f->flags & MW_FIELD_XML_ATTR)
            continue;
        size_t old = path_push(e, f->name, 0);
        if (!mwi_xml_name_ok(f->name))
            return efail(e, MW_EINVAL, "\"%s\" is not a usable XML name", f->name);
        int rc = enc_member(e, f->name, f->type, (const char *)v + f->offset, depth + 1);
        if (rc)
            return rc;
        path_pop(e, old);
    }
    return 0;
}

static int enc_octets(enc *e, const uint8_t *p, size_t n)
{
    /* Written in slices so no buffer as large as the data is needed. */
    char text[4 * 64 + 1];
    int rc = write_text(e, "");
    for (size_t i = 0; !rc && i < n; i += 192) {
        b64_encode(p + i, MWI_MIN(n - i, (size_t)192), text);
        rc = write_text(e, text);
    }
    return rc;
}

static int enc_items(enc *e, const mw_type *elem, const void *data, uint32_t n,
                     uint32_t depth)
{
    const mw_type *re = mw_type_resolve(elem);
    if (re->kind == MW_K_OCTET)
        return enc_octets(e, data, n);
    if (re->kind == MW_K_OPTIONAL)
        return efail(e, MW_ENOTSUP, "a sequence or array of optional values has no XML form");
    if (n && !data)
        return efail(e, MW_EINVAL, "sequence of %" PRIu32 " elements has no data", n);
    for (uint32_t i = 0; i < n; i++) {
        size_t old = path_push(e, "item", (size_t)i + 1);
        int rc = start_elem(e, "item", false);
        if (!rc)
            rc = enc_content(e, elem, (const char *)data + (size_t)i * elem->size, depth + 1);
        if (!rc)
            rc = end_elem(e);
        if (rc)
            return rc;
        path_pop(e, old);
    }
    return 0;
}

static int enc_union(enc *e, const mw_type *rt, const void *v, uint32_t depth)
{
    const mw_type *d = mw_type_resolve(rt->u.un.disc);
    char buf[48];
    const char *text;
    size_t old = path_push(e, "_d", 0);
    int rc = basic_text(e, d, v, buf, sizeof buf, &text);
    if (!rc)
        rc = start_elem(e, "_d", false);
    if (!rc)
        rc = write_text(e, text);
    if (!rc)
        rc = end_elem(e);
    if (rc)
        return rc;
    path_pop(e, old);
    const mw_case *c = mwi_union_case(rt, mwi_load_int(d, v));
    if (!c || !c->type || c->type->kind == MW_K_VOID)
        return 0;
    old = path_push(e, c->name, 0);
    if (!mwi_xml_name_ok(c->name))
        return efail(e, MW_EINVAL, "\"%s\" is not a usable XML name", c->name);
    rc = enc_member(e, c->name, c->type, (const char *)v + rt->u.un.value_offset, depth + 1);
    if (!rc)
        path_pop(e, old);
    return rc;
}

static int enc_any(enc *e, const mw_any *a, uint32_t depth)
{
    char buf[40];
    const char *name = mwi_xml_any_type_name(a->type, buf, sizeof buf);
    if (!name)
        return efail(e, MW_ENOTSUP,
                     "an any holding %s: XML carries only basic values, sequences of them "
                     "and built-in types",
                     a->type->name ? a->type->name : mw_kind_name(a->type->kind));
    int rc = write_attr(e, "type", name);
    if (rc || strcmp(name, "void") == 0)
        return rc;
    if (!a->value)
        return efail(e, MW_EINVAL, "an any of type %s has no value", name);
    /* The built-in types have no attribute named "type", so the held value's own
     * attributes cannot collide with this one. */
    return enc_content(e, a->type, a->value, depth + 1);
}

static int enc_content(enc *e, const mw_type *t, const void *v, uint32_t depth)
{
    const mw_type *rt = mw_type_resolve(t);
    if (!rt)
        return efail(e, MW_EINVAL, "unresolvable type");
    if (depth > e->max_depth)
        return efail(e, MW_EDEPTH, "value nested deeper than %" PRIu32, e->max_depth);
    char buf[48];
    const char *text;
    int rc;
    switch (rt->kind) {
    case MW_K_STRUCT: return enc_struct(e, rt, v, depth);
    case MW_K_UNION: return enc_union(e, rt, v, depth);
    case MW_K_SEQUENCE: {
        const mw_seq *s = v;
        if (rt->u.seq.bound && s->len > rt->u.seq.bound)
            return efail(e, MW_EINVAL, "sequence of %" PRIu32 " exceeds its bound %" PRIu32,
                         s->len, rt->u.seq.bound);
        return enc_items(e, rt->u.seq.elem, s->data, s->len, depth);
    }
    case MW_K_ARRAY: return enc_items(e, rt->u.arr.elem, v, rt->u.arr.count, depth);
    case MW_K_ANY: return enc_any(e, v, depth);
    case MW_K_OBJREF: {
        mw_buf tmp = {0};
        rc = mw_objref_format(v, &tmp);
        if (!rc)
            rc = mw_buf_put_u8(&tmp, 0);
        if (rc) {
            mw_buf_free(&tmp);
            return efail(e, rc, "object reference cannot be formatted");
        }
        rc = write_text(e, (const char *)tmp.data);
        mw_buf_free(&tmp);
        return rc;
    }
    case MW_K_OPTIONAL:
        return efail(e, MW_ENOTSUP, "an optional value needs an enclosing struct or union");
    case MW_K_VOID: return efail(e, MW_ENOTSUP, "void has no XML form");
    default:
        rc = basic_text(e, rt, v, buf, sizeof buf, &text);
        return rc ? rc : write_text(e, text);
    }
}

static int write_document(enc *e, const mw_type *t, const void *value, const char *root,
                          bool pretty);

int mw_xml_encode(const mw_type *t, const void *value, mw_buf *out,
                  const mw_marshal_opts *opts, mw_marshal_error *err)
{
    if (!t || !value || !out)
        return mwi_marshal_fail(err, MW_EINVAL, 0, "", "missing type, value or buffer");
    if (mwi_xml_check_opts(opts))
        return mwi_marshal_fail(err, MW_EINVAL, 0, "", "xml_prefix must be a name and needs xml_ns");
    enc e = {.prefix = opts && opts->xml_prefix ? XC opts->xml_prefix : NULL,
             .ns = opts ? opts->xml_ns : NULL,
             .max_depth = mwi_max_depth(opts),
             .out = out,
             .err = err};
    const char *root = mwi_xml_root_name(t);
    path_push(&e, root, 0);
    if (!mwi_xml_name_ok(root))
        return efail(&e, MW_EINVAL, "\"%s\" is not a usable XML name", root);
    const mw_type *rt = mw_type_resolve(t);
    if (!rt || rt->kind == MW_K_VOID || rt->kind == MW_K_OPTIONAL)
        return efail(&e, MW_ENOTSUP, "the root of a document cannot be %s",
                     rt ? mw_kind_name(rt->kind) : "unresolved");

    size_t start = out->len;
    mwi_xml_handlers saved;
    mwi_xml_quiet(&saved);
    int rc = write_document(&e, t, value, root, opts && opts->pretty);
    mwi_xml_restore(&saved);
    if (rc) {
        out->len = start;
        return rc;
    }
    /* The writer ends the document with a newline; without it every strict prefix of
     * the document is incomplete, so a cut message can never pass for a whole one. */
    if (out->len > start && out->data[out->len - 1] == '\n')
        out->len--;
    return 0;
}

static int write_document(enc *e, const mw_type *t, const void *value, const char *root,
                          bool pretty)
{
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(out_write, out_close, e, NULL);
    if (!ob)
        return efail(e, MW_ENOMEM, "cannot create the XML writer");
    e->w = xmlNewTextWriter(ob); /* owns ob from here, even on failure */
    if (!e->w)
        return efail(e, MW_ENOMEM, "cannot create the XML writer");
    int rc = 0;
    if (pretty) {
        xmlTextWriterSetIndent(e->w, 1);
        xmlTextWriterSetIndentString(e->w, XC "  ");
    }
    rc = wrote(e, xmlTextWriterStartDocument(e->w, "1.0", "UTF-8", NULL));
    if (!rc)
        rc = start_elem(e, root, true);
    if (!rc)
        rc = enc_content(e, t, value, 0);
    if (!rc)
        rc = end_elem(e);
    if (!rc)
        rc = wrote(e, xmlTextWriterEndDocument(e->w));
    if (!rc)
        rc = wrote(e, xmlTextWriterFlush(e->w));
    xmlFreeTextWriter(e->w);
    if (!rc && e->io_rc)
        rc = efail(e, e->io_rc, "writing the document failed");
    return rc;
}

static int xml_size(const mw_type *t, const void *value, const mw_marshal_opts *opts,
                    size_t *outlen)
{
    /* XML's length depends on escaping and number formatting: writing it is the only
     * exact measure. */
    mw_buf b = {0};
    int rc = mw_xml_encode(t, value, &b, opts, NULL);
    if (!rc)
        *outlen = b.len;
    mw_buf_free(&b);
    return rc;
}

/* ---- parsing ------------------------------------------------------------------------ */

/* What the SAX hooks learn while libxml2 builds the tree. */
typedef struct parse_state {
    bool doctype;      /* a DOCTYPE was seen: parsing stopped there */
    bool too_deep;     /* elements nested past cap: parsing stopped */
    uint32_t depth;    /* current element nesting */
    uint32_t cap;      /* most nesting allowed */
    int code;          /* libxml2's first error, or 0 */
    int line;          /* its line */
    char msg[120];     /* its message */
} parse_state;

static void on_error(void *ctx, xmlErrorPtr e)
{
    parse_state *s = ((xmlParserCtxtPtr)ctx)->_private;
    if (s->code || e->level < XML_ERR_ERROR)
        return;
    s->code = e->code;
    s->line = e->line;
    snprintf(s->msg, sizeof s->msg, "%s", e->message ? e->message : "malformed XML");
    size_t n = strlen(s->msg);
    while (n && (s->msg[n - 1] == '\n' || s->msg[n - 1] == ' '))
        s->msg[--n] = '\0';
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    xmlParserCtxtPtr c = ctx;
    ((parse_state *)c->_private)->doctype = true;
    xmlStopParser(c);
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
                     int nb_defaulted, const xmlChar **attrs)
{
    xmlParserCtxtPtr c = ctx;
    parse_state *s = c->_private;
    if (++s->depth > s->cap) {
        s->too_deep = true;
        xmlStopParser(c);
        return;
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_ns, ns, nb_attrs, nb_defaulted,
                          attrs);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                   const xmlChar *uri)
{
    parse_state *s = ((xmlParserCtxtPtr)ctx)->_private;
    s->depth--;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

static bool bad_utf8_error(const parse_state *s)
{
    unsigned v;
    if (s->code == XML_ERR_INVALID_ENCODING || s->code == XML_ERR_UNKNOWN_ENCODING ||
        s->code == XML_ERR_UNSUPPORTED_ENCODING)
        return true;
    if (s->code != XML_ERR_INVALID_CHAR)
        return false;
    /* The same code covers control characters, which are valid UTF-8 that XML forbids;
     * malformed bytes and encoded surrogates are reported with these messages. */
    return strstr(s->msg, "UTF-8") ||
           (sscanf(s->msg, "Char 0x%X out of allowed range", &v) == 1 && v >= 0xD800 &&
            v <= 0xDFFF);
}

/* Parses data into *doc. Fails on anything but a well-formed, namespace-well-formed
 * document without DOCTYPE, nested at most cap deep. */
static int parse(const uint8_t *data, size_t len, uint32_t cap, xmlDocPtr *doc,
                 mw_marshal_error *err)
{
    parse_state s = {.cap = cap};
    xmlParserCtxtPtr c = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, NULL);
    if (!c)
        return mwi_marshal_fail(err, MW_ENOMEM, 0, "", "cannot create the XML parser");
    c->_private = &s;
    c->sax->serror = on_error;
    c->sax->internalSubset = on_doctype;
    c->sax->startElementNs = on_start;
    c->sax->endElementNs = on_end;
    /* No XML_PARSE_NOENT, DTDLOAD, DTDATTR or HUGE: entities stay unexpanded, no DTD is
     * read, libxml2's own limits stay on. NOBLANKS would drop whitespace-only strings. */
    xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                             XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    bool failed = false, at_end = false;
    for (size_t off = 0; off < len && !failed;) {
        size_t n = MWI_MIN(len - off, (size_t)1 << 28);
        failed = xmlParseChunk(c, (const char *)data + off, (int)n, 0) != 0 ||
                 !c->wellFormed || s.code;
        off += n;
    }
    if (!failed) {
        /* Everything so far was a valid beginning: an error now means the input ended
         * early. */
        at_end = true;
        failed = xmlParseChunk(c, NULL, 0, 1) != 0 || !c->wellFormed || s.code;
    }
    failed = failed || !c->nsWellFormed || s.doctype || s.too_deep || !c->myDoc;
    int rc = 0;
    if (s.doctype)
        rc = mwi_xml_fail(err, MW_EPROTO, data, len, c->input ? c->input->line : 0, "",
                          "DOCTYPE declarations are refused (no DTDs, no entities)");
    else if (s.too_deep || (s.code == XML_ERR_INTERNAL_ERROR && strstr(s.msg, "depth")))
        rc = mwi_xml_fail(err, MW_EDEPTH, data, len, c->input ? c->input->line : 0, "",
                          "elements nested deeper than %" PRIu32, MWI_MIN(cap, 256u));
    else if (failed && at_end)
        rc = mwi_xml_fail(err, MW_ETRUNCATED, data, len, s.line, "", "%s",
                          s.code ? s.msg : "the document ends early");
    else if (failed && bad_utf8_error(&s))
        rc = mwi_xml_fail(err, MW_EUTF, data, len, s.line, "", "%s", s.msg);
    else if (failed)
        rc = mwi_xml_fail(err, MW_EPROTO, data, len, s.line, "", "%s",
                          s.code ? s.msg : "malformed XML");
    if (rc)
        xmlFreeDoc(c->myDoc);
    else
        *doc = c->myDoc;
    c->myDoc = NULL;
    xmlFreeParserCtxt(c);
    return rc;
}

/* ---- decoding ----------------------------------------------------------------------- */

typedef struct dec {
    mw_arena *arena;
    mw_marshal_error *err;
    const char *ns; /* the namespace every element must be in, or NULL: none */
    const uint8_t *data;
    size_t len;
    uint32_t max_depth;
} dec;

static int dfail(dec *d, int code, const xmlNode *node, const char *child, const char *fmt,
                 ...) MW_PRINTF(5, 6);
static int dfail(dec *d, int code, const xmlNode *node, const char *child, const char *fmt,
                 ...)
{
    char path[160], detail[140];
    mwi_xml_path(node, path, sizeof path);
    if (child) {
        size_t n = strlen(path);
        snprintf(path + n, sizeof path - n, "/%s", child);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    long line = node->type == XML_ATTRIBUTE_NODE && node->parent ? xmlGetLineNo(node->parent)
                                                                : xmlGetLineNo(node);
    return mwi_xml_fail(d->err, code, d->data, d->len, line, path, "%s", detail);
}

static bool ns_is(const xmlNs *ns, const char *uri)
{
    return uri ? ns && xmlStrEqual(ns->href, XC uri) : !ns;
}

static bool attr_ns_ok(const dec *d, const xmlAttr *a)
{
    /* Attributes are accepted qualified (as written with a prefix) or not (as written
     * with a default namespace, which attributes do not inherit). */
    return !a->ns || (d->ns && xmlStrEqual(a->ns->href, XC d->ns));
}

static bool attr_ignored(const xmlAttr *a)
{
    return a->ns && xmlStrEqual(a->ns->href, XC MWI_XSI_NS) &&
           (xmlStrEqual(a->name, XC "schemaLocation") ||
            xmlStrEqual(a->name, XC "noNamespaceSchemaLocation"));
}

static bool all_space(const xmlChar *s)
{
    for (; s && *s; s++)
        if (!is_space((char)*s))
            return false;
    return true;
}

/* Moves *n to the first element at or after it (NULL: none), past comments, processing
 * instructions and whitespace; other text is an error. */
static int skip_to_elem(dec *d, const xmlNode *parent, const xmlNode **n)
{
    for (const xmlNode *c = *n; c; c = c->next) {
        switch (c->type) {
        case XML_ELEMENT_NODE: *n = c; return 0;
        case XML_TEXT_NODE: case XML_CDATA_SECTION_NODE:
            if (!all_space(c->content))
                return dfail(d, MW_EPROTO, parent, NULL, "unexpected text among elements");
            break;
        case XML_COMMENT_NODE: case XML_PI_NODE: break;
        default: return dfail(d, MW_EPROTO, parent, NULL, "unexpected node (type %d)", c->type);
        }
    }
    *n = NULL;
    return 0;
}

/* Checks that element c is in the document's namespace. */
static int elem_ns(dec *d, const xmlNode *c)
{
    if (ns_is(c->ns, d->ns))
        return 0;
    if (d->ns)
        return dfail(d, MW_EPROTO, c, NULL, "element <%s> is not in namespace %s", c->name,
                     d->ns);
    return dfail(d, MW_EPROTO, c, NULL, "element <%s> is in namespace %s; expected none",
                 c->name, c->ns->href);
}

/* Refuses attributes on an element that holds a value without any (any_host: the
 * element's "type" attribute belongs to an enclosing any). */
static int no_attrs(dec *d, const xmlNode *n, bool any_host)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (attr_ignored(a) ||
            (any_host && attr_ns_ok(d, a) && xmlStrEqual(a->name, XC "type")))
            continue;
        return dfail(d, MW_EPROTO, (const xmlNode *)a, NULL, "unknown attribute %s", a->name);
    }
    return 0;
}

/* The text of a list of nodes (an element's or an attribute's children): one piece is
 * used in place, several are joined in the arena. Elements are refused. */
static int node_text(dec *d, const xmlNode *owner, const xmlNode *first, const char **s,
                     size_t *n)
{
    size_t total = 0, pieces = 0;
    const xmlNode *one = NULL;
    for (const xmlNode *c = first; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            total += strlen((const char *)c->content);
            pieces++;
            one = c;
        } else if (c->type == XML_ELEMENT_NODE) {
            return dfail(d, MW_EPROTO, c, NULL, "unexpected element <%s> in a text value",
                         c->name);
        } else if (c->type != XML_COMMENT_NODE && c->type != XML_PI_NODE) {
            return dfail(d, MW_EPROTO, owner, NULL, "unexpected node (type %d)", c->type);
        }
    }
    if (pieces <= 1) {
        *s = one ? (const char *)one->content : "";
        *n = total;
        return 0;
    }
    char *buf = mw_arena_alloc(d->arena, total + 1, 1);
    if (!buf)
        return dfail(d, MW_ENOMEM, owner, NULL, "arena limit reached");
    size_t k = 0;
    for (const xmlNode *c = first; c; c = c->next)
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            size_t m = strlen((const char *)c->content);
            memcpy(buf + k, c->content, m);
            k += m;
        }
    buf[k] = '\0';
    *s = buf;
    *n = total;
    return 0;
}

/* [+-]?[0-9]+ (XML Schema's integer form, whitespace collapsed). */
static int parse_integer(const char *s, size_t n, bool *neg, uint64_t *mag)
{
    trim(&s, &n);
    *neg = false;
    if (n && (*s == '+' || *s == '-')) {
        *neg = *s == '-';
        s++, n--;
    }
    if (!n)
        return MW_EPROTO;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return MW_EPROTO;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned dg = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - dg) / 10)
            return MW_ERANGE;
        v = v * 10 + dg;
    }
    *mag = v;
    return 0;
}

static bool real_lexical(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (!digits)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i == n)
            return false;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        }
    }
    return i == n;
}

static int parse_real(dec *d, const xmlNode *node, const char *what, const char *s, size_t n,
                      bool is_float, double *out)
{
    trim(&s, &n);
    if (n == 3 && memcmp(s, "INF", 3) == 0)
        return *out = INFINITY, 0;
    if ((n == 4 && memcmp(s, "+INF", 4) == 0))
        return *out = INFINITY, 0;
    if (n == 4 && memcmp(s, "-INF", 4) == 0)
        return *out = -INFINITY, 0;
    if (n == 3 && memcmp(s, "NaN", 3) == 0)
        return *out = NAN, 0;
    if (!real_lexical(s, n))
        return dfail(d, MW_EPROTO, node, what, "\"%.*s\" is not a %s", (int)MWI_MIN(n, 40),
                     s, is_float ? "float" : "double");
    /* strtod needs a terminated copy; long forms (many leading zeros) go to the arena. */
    char small[64], *copy = small;
    if (n >= sizeof small && !(copy = mw_arena_alloc(d->arena, n + 1, 1)))
        return dfail(d, MW_ENOMEM, node, what, "arena limit reached");
    memcpy(copy, s, n);
    copy[n] = '\0';
    int range = 0;
    *out = parse_real_c(copy, is_float, &range);
    if (range)
        return dfail(d, MW_ERANGE, node, what, "%.40s is out of the range of a %s", copy,
                     is_float ? "float" : "double");
    return 0;
}

/* Decodes the text of a basic value, enum, string or object reference into dst. node and
 * what locate errors (what: an attribute's "@name", or NULL). */
static int dec_text(dec *d, const mw_type *rt, const char *s, size_t n, void *dst,
                    const xmlNode *node, const char *what)
{
    switch (rt->kind) {
    case MW_K_BOOLEAN: {
        const char *t = s;
        size_t m = n;
        trim(&t, &m);
        if ((m == 4 && memcmp(t, "true", 4) == 0) || (m == 1 && *t == '1'))
            *(bool *)dst = true;
        else if ((m == 5 && memcmp(t, "false", 5) == 0) || (m == 1 && *t == '0'))
            *(bool *)dst = false;
        else
            return dfail(d, MW_EPROTO, node, what, "\"%.*s\" is not a boolean",
                         (int)MWI_MIN(m, 40), t);
        return 0;
    }
    case MW_K_OCTET: case MW_K_SHORT: case MW_K_USHORT: case MW_K_LONG: case MW_K_ULONG:
    case MW_K_LONGLONG: case MW_K_ULONGLONG: {
        bool neg = false;
        uint64_t mag = 0;
        int rc = parse_integer(s, n, &neg, &mag);
        if (rc == MW_EPROTO)
            return dfail(d, rc, node, what, "\"%.*s\" is not an integer", (int)MWI_MIN(n, 40), s);
        static const uint64_t umax[MW_K_COUNT_] = {
            [MW_K_OCTET] = UINT8_MAX,     [MW_K_SHORT] = INT16_MAX, [MW_K_USHORT] = UINT16_MAX,
            [MW_K_LONG] = INT32_MAX,      [MW_K_ULONG] = UINT32_MAX,
            [MW_K_LONGLONG] = INT64_MAX,  [MW_K_ULONGLONG] = UINT64_MAX};
        bool is_signed = rt->kind == MW_K_SHORT || rt->kind == MW_K_LONG ||
                         rt->kind == MW_K_LONGLONG;
        uint64_t max = umax[rt->kind] + (neg && is_signed ? 1 : 0);
        if (!rc && neg && !is_signed && mag != 0)
            rc = MW_ERANGE;
        if (rc || mag > max)
            return dfail(d, MW_ERANGE, node, what, "%.*s is out of the range of %s",
                         (int)MWI_MIN(n, 40), s, mw_kind_name(rt->kind));
        if (rt->kind == MW_K_ULONGLONG)
            *(uint64_t *)dst = mag;
        else
            mwi_store_int(rt, dst, neg ? (int64_t)(0 - mag) : (int64_t)mag);
        return 0;
    }
    case MW_K_FLOAT: case MW_K_DOUBLE: {
        double v = 0;
        int rc = parse_real(d, node, what, s, n, rt->kind == MW_K_FLOAT, &v);
        if (rc)
            return rc;
        if (rt->kind == MW_K_FLOAT)
            *(float *)dst = (float)v;
        else
            *(double *)dst = v;
        return 0;
    }
    case MW_K_CHAR: {
        size_t bad;
        if (mw_utf8_validate(s, n, &bad))
            return dfail(d, MW_EUTF, node, what, "invalid UTF-8");
        /* Exactly one character (the text is valid UTF-8: its first byte gives the
         * length), no whitespace trimmed: a char may be a space. */
        const unsigned char *u = (const unsigned char *)s;
        size_t first = !n ? 0 : u[0] < 0x80 ? 1 : (u[0] & 0xE0) == 0xC0 ? 2
                                             : (u[0] & 0xF0) == 0xE0 ? 3 : 4;
        if (!n || first != n)
            return dfail(d, MW_EPROTO, node, what, "a char is exactly one character");
        unsigned cp = n == 1 ? u[0] : (unsigned)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
        if (n > 2 || cp > 0xFF)
            return dfail(d, MW_ERANGE, node, what, "a char holds only ISO 8859-1 characters");
        *(char *)dst = (char)cp;
        return 0;
    }
    case MW_K_ENUM: {
        trim(&s, &n);
        const mw_enumerator *en = mwi_enum_find_name(rt, s, n);
        if (!en)
            return dfail(d, MW_EPROTO, node, what, "\"%.*s\" is not an enumerator of %s",
                         (int)MWI_MIN(n, 40), s, rt->name ? rt->name : "the enum");
        *(int32_t *)dst = en->value;
        return 0;
    }
    case MW_K_STRING: {
        size_t bad;
        if (mw_utf8_validate(s, n, &bad))
            return dfail(d, MW_EUTF, node, what, "invalid UTF-8 at byte %zu", bad);
        if (rt->u.seq.bound && n > rt->u.seq.bound)
            return dfail(d, MW_EPROTO, node, what,
                         "string of %zu bytes exceeds its bound %" PRIu32, n, rt->u.seq.bound);
        char *p = mw_arena_strndup(d->arena, s, n);
        if (!p)
            return dfail(d, MW_ENOMEM, node, what, "arena limit reached");
        *(char **)dst = p;
        return 0;
    }
    case MW_K_OBJREF: {
        trim(&s, &n);
        char *copy = mw_arena_strndup(d->arena, s, n);
        if (!copy)
            return dfail(d, MW_ENOMEM, node, what, "arena limit reached");
        size_t bad = 0;
        if (mw_objref_parse(dst, copy, d->arena, &bad))
            return dfail(d, MW_EPROTO, node, what,
                         "not an object reference (mwref:...): error at character %zu", bad);
        return 0;
    }
    default:
        return dfail(d, MW_ENOTSUP, node, what, "%s has no text form", mw_kind_name(rt->kind));
    }
}

static int dec_value(dec *d, const mw_type *t, const xmlNode *node, void *dst, uint32_t depth,
                     bool any_host);

/* The member element c holds a value of type t (an optional: present). */
static int dec_member(dec *d, const mw_type *t, const xmlNode *c, void *dst, uint32_t depth)
{
    const mw_type *rt = mw_type_resolve(t);
    if (rt->kind != MW_K_OPTIONAL)
        return dec_value(d, t, c, dst, depth, false);
    const mw_type *target = rt->u.alias.target;
    if (mw_type_resolve(target)->kind == MW_K_OPTIONAL)
        return dfail(d, MW_ENOTSUP, c, NULL, "an optional inside an optional has no XML form");
    void *p = mw_arena_calloc(d->arena, 1, target->size);
    if (!p)
        return dfail(d, MW_ENOMEM, c, NULL, "arena limit reached");
    *(void **)dst = p;
    return dec_value(d, target, c, p, depth, false);
}

static bool is_optional(const mw_type *t) { return mw_type_resolve(t)->kind == MW_K_OPTIONAL; }

static int dec_attrs(dec *d, const mw_type *rt, const xmlNode *node, void *dst, bool any_host)
{
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        if (attr_ignored(a) ||
            (any_host && attr_ns_ok(d, a) && xmlStrEqual(a->name, XC "type")))
            continue;
        bool known = false;
        for (uint32_t i = 0; i < rt->u.st.count && !known; i++)
            known = (rt->u.st.fields[i].flags & MW_FIELD_XML_ATTR) &&
                    xmlStrEqual(a->name, XC rt->u.st.fields[i].name);
        if (!known || !attr_ns_ok(d, a))
            return dfail(d, MW_EPROTO, (const xmlNode *)a, NULL, "unknown attribute %s%s%s",
                         a->ns ? (const char *)a->ns->href : "", a->ns ? " " : "", a->name);
    }
    for (uint32_t i = 0; i < rt->u.st.count; i++) {
        const mw_field *f = &rt->u.st.fields[i];
        if (!(f->flags & MW_FIELD_XML_ATTR))
            continue;
        char what[80];
        snprintf(what, sizeof what, "@%s", f->name);
        if (!mwi_xml_attr_kind(f->type))
            return dfail(d, MW_ENOTSUP, node, what, "member %s of kind %s cannot be an attribute",
                         f->name, mw_kind_name(mw_type_resolve(f->type)->kind));
        const xmlAttr *found = NULL;
        for (const xmlAttr *a = node->properties; a; a = a->next) {
            if (!xmlStrEqual(a->name, XC f->name) || !attr_ns_ok(d, a))
                continue;
            if (found)
                return dfail(d, MW_EPROTO, node, what, "attribute %s given twice", f->name);
            found = a;
        }
        if (!found)
            return dfail(d, MW_EPROTO, node, what, "missing attribute %s", f->name);
        const char *s;
        size_t n;
        int rc = node_text(d, node, found->children, &s, &n);
        if (!rc)
            rc = dec_text(d, mw_type_resolve(f->type), s, n, (char *)dst + f->offset, node, what);
        if (rc)
            return rc;
    }
    return 0;
}

static int dec_struct(dec *d, const mw_type *rt, const xmlNode *node, void *dst,
                      uint32_t depth, bool any_host)
{
    int rc = dec_attrs(d, rt, node, dst, any_host);
    if (rc)
        return rc;
    /* Members come in declaration order (the schema's xsd:sequence); an optional one
     * may be skipped. */
    uint32_t next = 0, count = rt->u.st.count;
    const xmlNode *c = node->children;
    for (;; c = c->next) {
        if ((rc = skip_to_elem(d, node, &c)))
            return rc;
        if (!c)
            break;
        if ((rc = elem_ns(d, c)))
            return rc;
        uint32_t j = 0;
        while (j < count && ((rt->u.st.fields[j].flags & MW_FIELD_XML_ATTR) ||
                             !xmlStrEqual(c->name, XC rt->u.st.fields[j].name)))
            j++;
        if (j == count)
            return dfail(d, MW_EPROTO, c, NULL, "unknown element <%s>", c->name);
        const mw_field *f = &rt->u.st.fields[j];
        void *fdst = (char *)dst + f->offset;
        if (j < next) {
            bool seen = !is_optional(f->type) || *(void **)fdst;
            return dfail(d, MW_EPROTO, c, NULL, seen ? "duplicate element <%s>"
                                                     : "element <%s> out of order", c->name);
        }
        for (uint32_t k = next; k < j; k++) {
            const mw_field *g = &rt->u.st.fields[k];
            if (!(g->flags & MW_FIELD_XML_ATTR) && !is_optional(g->type))
                return dfail(d, MW_EPROTO, node, g->name, "missing element <%s> before <%s>",
                             g->name, c->name);
        }
        if ((rc = dec_member(d, f->type, c, fdst, depth + 1)))
            return rc;
        next = j + 1;
    }
    for (uint32_t k = next; k < count; k++) {
        const mw_field *g = &rt->u.st.fields[k];
        if (!(g->flags & MW_FIELD_XML_ATTR) && !is_optional(g->type))
            return dfail(d, MW_EPROTO, node, g->name, "missing element <%s>", g->name);
    }
    return 0;
}

static int dec_octets(dec *d, const xmlNode *node, const mw_type *rt, uint8_t **out,
                      uint32_t *count)
{
    const char *s;
    size_t n;
    int rc = node_text(d, node, node->children, &s, &n);
    if (rc)
        return rc;
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += !is_space(s[i]);
    if (chars % 4)
        return dfail(d, MW_EPROTO, node, NULL, "base64 text of %zu characters is cut short", chars);
    uint8_t *p = mw_arena_alloc(d->arena, chars / 4 * 3 + 1, 1);
    if (!p)
        return dfail(d, MW_ENOMEM, node, NULL, "arena limit reached");
    size_t o = 0, got = 0, pad = 0;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_space(s[i]))
            continue;
        int x = s[i] == '=' ? 0 : b64_value(s[i]);
        /* '=' only ends the text: the last one or two characters of the last group. */
        if (x < 0 || (s[i] == '=' ? got % 4 < 2 || got / 4 + 1 != chars / 4 : pad > 0))
            return dfail(d, MW_EPROTO, node, NULL, "invalid base64 text");
        pad += s[i] == '=';
        v = v << 6 | (uint32_t)x;
        if (++got % 4 == 0) {
            p[o++] = (uint8_t)(v >> 16);
            p[o++] = (uint8_t)(v >> 8);
            p[o++] = (uint8_t)v;
            v = 0;
        }
    }
    /* XML Schema's base64Binary has one spelling per value: the bits the padding leaves
     * over are zero ("xy==" keeps one byte, the next must be 0; "xyz=" keeps two). */
    if ((pad == 2 && p[o - 2]) || (pad == 1 && p[o - 1]))
        return dfail(d, MW_EPROTO, node, NULL, "base64 padding bits are not zero");
    o -= pad;
    uint32_t bound = rt->kind == MW_K_SEQUENCE ? rt->u.seq.bound : rt->u.arr.count;
    if (rt->kind == MW_K_ARRAY && o != bound)
        return dfail(d, MW_EPROTO, node, NULL, "%zu octets for an array of %" PRIu32, o, bound);
    if (bound && o > bound)
        return dfail(d, MW_EPROTO, node, NULL, "%zu octets exceed the bound %" PRIu32, o, bound);
    *out = p;
    *count = (uint32_t)o;
    return 0;
}

/* Sequences and arrays of anything but octets: <item> children. */
static int dec_items(dec *d, const mw_type *rt, const xmlNode *node, void *dst, uint32_t depth)
{
    bool is_seq = rt->kind == MW_K_SEQUENCE;
    const mw_type *elem = is_seq ? rt->u.seq.elem : rt->u.arr.elem;
    const mw_type *re = mw_type_resolve(elem);
    if (re->kind == MW_K_OCTET) {
        uint8_t *p = NULL;
        uint32_t n = 0;
        int rc = dec_octets(d, node, rt, &p, &n);
        if (rc)
            return rc;
        if (is_seq) {
            ((mw_seq *)dst)->len = n;
            ((mw_seq *)dst)->data = n ? p : NULL;
        } else {
            memcpy(dst, p, n);
        }
        return 0;
    }
    if (re->kind == MW_K_OPTIONAL)
        return dfail(d, MW_ENOTSUP, node, NULL, "a sequence or array of optional values has no XML form");
    /* Counted first, so the bound is checked before anything is allocated. */
    size_t n = 0;
    int rc;
    for (const xmlNode *c = node->children;; c = c->next) {
        if ((rc = skip_to_elem(d, node, &c)))
            return rc;
        if (!c)
            break;
        if ((rc = elem_ns(d, c)))
            return rc;
        if (!xmlStrEqual(c->name, XC "item"))
            return dfail(d, MW_EPROTO, c, NULL, "unexpected element <%s>; expected <item>", c->name);
        n++;
    }
    uint32_t limit = is_seq ? rt->u.seq.bound : rt->u.arr.count;
    if (!is_seq && n != limit)
        return dfail(d, MW_EPROTO, node, NULL, "%zu items for an array of %" PRIu32, n, limit);
    if (is_seq && ((limit && n > limit) || n > UINT32_MAX))
        return dfail(d, MW_EPROTO, node, NULL, "%zu items exceed the bound %" PRIu32, n, limit);
    char *base = dst;
    if (is_seq) {
        base = n ? mw_arena_calloc(d->arena, n, elem->size) : NULL;
        if (n && !base)
            return dfail(d, MW_ENOMEM, node, NULL, "arena limit reached (%zu items)", n);
        ((mw_seq *)dst)->len = (uint32_t)n;
        ((mw_seq *)dst)->data = base;
    }
    size_t i = 0;
    for (const xmlNode *c = node->children; i < n; c = c->next) {
        skip_to_elem(d, node, &c);
        if ((rc = dec_value(d, elem, c, base + i * elem->size, depth + 1, false)))
            return rc;
        i++;
    }
    return 0;
}

static int dec_union(dec *d, const mw_type *rt, const xmlNode *node, void *dst, uint32_t depth)
{
    const mw_type *disc = mw_type_resolve(rt->u.un.disc);
    const xmlNode *c = node->children;
    int rc = skip_to_elem(d, node, &c);
    if (rc)
        return rc;
    if (!c || !xmlStrEqual(c->name, XC "_d"))
        return dfail(d, MW_EPROTO, c ? c : node, c ? NULL : "_d", "a union starts with <_d>");
    const char *s;
    size_t n;
    if ((rc = elem_ns(d, c)) || (rc = no_attrs(d, c, false)) ||
        (rc = node_text(d, c, c->children, &s, &n)) || (rc = dec_text(d, disc, s, n, dst, c, NULL)))
        return rc;
    const mw_case *cs = mwi_union_case(rt, mwi_load_int(disc, dst));
    c = c->next;
    if ((rc = skip_to_elem(d, node, &c)))
        return rc;
    if (cs && cs->type && cs->type->kind != MW_K_VOID) {
        void *vdst = (char *)dst + rt->u.un.value_offset;
        if (c && xmlStrEqual(c->name, XC cs->name)) {
            if ((rc = elem_ns(d, c)) || (rc = dec_member(d, cs->type, c, vdst, depth + 1)))
                return rc;
            c = c->next;
            if ((rc = skip_to_elem(d, node, &c)))
                return rc;
        } else if (!is_optional(cs->type)) {
            return dfail(d, MW_EPROTO, node, cs->name, "missing element <%s> for this <_d>", cs->name);
        }
    }
    if (c)
        return dfail(d, MW_EPROTO, c, NULL, "unexpected element <%s> in the union", c->name);
    return 0;
}

static int dec_any(dec *d, const xmlNode *node, mw_any *dst, uint32_t depth)
{
    const xmlAttr *found = NULL;
    for (const xmlAttr *a = node->properties; a; a = a->next)
        if (xmlStrEqual(a->name, XC "type") && attr_ns_ok(d, a)) {
            if (found)
                return dfail(d, MW_EPROTO, node, "@type", "attribute type given twice");
            found = a;
        }
    if (!found)
        return dfail(d, MW_EPROTO, node, "@type", "an any needs a type attribute");
    const char *s;
    size_t n;
    int rc = node_text(d, node, found->children, &s, &n);
    if (rc)
        return rc;
    bool is_void;
    const mw_type *t = mwi_xml_any_type_lookup(s, n, &is_void);
    dst->type = NULL;
    dst->value = NULL;
    if (is_void) {
        const xmlNode *c = node->children;
        if ((rc = no_attrs(d, node, true)) || (rc = skip_to_elem(d, node, &c)))
            return rc;
        if (c)
            return dfail(d, MW_EPROTO, c, NULL, "an any of type void holds nothing");
        return 0;
    }
    if (!t)
        return dfail(d, MW_EPROTO, node, "@type", "unknown type \"%.*s\" in an any",
                     (int)MWI_MIN(n, 40), s);
    void *v = mw_arena_calloc(d->arena, 1, t->size);
    if (!v)
        return dfail(d, MW_ENOMEM, node, NULL, "arena limit reached");
    dst->type = t;
    dst->value = v;
    return dec_value(d, t, node, v, depth + 1, true);
}

/* Decodes the content (attributes, text, children) of element node as a value of t. */
static int dec_value(dec *d, const mw_type *t, const xmlNode *node, void *dst, uint32_t depth,
                     bool any_host)
{
    const mw_type *rt = mw_type_resolve(t);
    if (!rt)
        return dfail(d, MW_EINVAL, node, NULL, "unresolvable type");
    if (depth > d->max_depth)
        return dfail(d, MW_EDEPTH, node, NULL, "value nested deeper than %" PRIu32, d->max_depth);
    int rc;
    switch (rt->kind) {
    case MW_K_STRUCT: return dec_struct(d, rt, node, dst, depth, any_host);
    case MW_K_SEQUENCE: case MW_K_ARRAY:
        return (rc = no_attrs(d, node, any_host)) ? rc : dec_items(d, rt, node, dst, depth);
    case MW_K_UNION:
        return (rc = no_attrs(d, node, any_host)) ? rc : dec_union(d, rt, node, dst, depth);
    case MW_K_ANY: return dec_any(d, node, dst, depth);
    case MW_K_OPTIONAL:
        return dfail(d, MW_ENOTSUP, node, NULL, "an optional value needs an enclosing struct or union");
    case MW_K_VOID: return dfail(d, MW_ENOTSUP, node, NULL, "void has no XML form");
    default: {
        const char *s;
        size_t n;
        if ((rc = no_attrs(d, node, any_host)) || (rc = node_text(d, node, node->children, &s, &n)))
            return rc;
        return dec_text(d, rt, s, n, dst, node, NULL);
    }
    }
}

int mw_xml_decode(const mw_type *t, const void *data, size_t len, void *value, mw_arena *arena,
                  const mw_marshal_opts *opts, mw_marshal_error *err)
{
    if (!t || (!data && len) || !value || !arena)
        return mwi_marshal_fail(err, MW_EINVAL, 0, "", "missing type, input, value or arena");
    if (mwi_xml_check_opts(opts))
        return mwi_marshal_fail(err, MW_EINVAL, 0, "", "xml_prefix must be a name and needs xml_ns");
    const mw_type *rt = mw_type_resolve(t);
    if (!rt || rt->kind == MW_K_VOID || rt->kind == MW_K_OPTIONAL)
        return mwi_marshal_fail(err, MW_ENOTSUP, 0, "", "the root of a document cannot be %s",
                                rt ? mw_kind_name(rt->kind) : "unresolved");
    dec d = {.arena = arena, .err = err, .ns = opts ? opts->xml_ns : NULL, .data = data,
             .len = len, .max_depth = mwi_max_depth(opts)};
    size_t old_limit = mwi_arena_bound(arena, len);
    xmlDocPtr doc = NULL;
    /* A valid document nests elements about once per level of the type, plus leaves:
     * twice the limit stops hostile nesting while the tree is built, not after. */
    uint32_t cap = d.max_depth > UINT32_MAX / 2 - 8 ? UINT32_MAX : 2 * d.max_depth + 8;
    mwi_xml_handlers saved;
    mwi_xml_quiet(&saved);
    int rc = parse(data, len, cap, &doc, err);
    if (!rc && opts && opts->xml_validate)
        rc = mwi_xml_validate(doc, t, opts, data, len, err);
    mwi_xml_restore(&saved);
    if (!rc) {
        const xmlNode *root = xmlDocGetRootElement(doc);
        const char *name = mwi_xml_root_name(t);
        memset(value, 0, t->size);
        /* The root may also be unqualified, as Figure 4.11 writes it. */
        if (!xmlStrEqual(root->name, XC name))
            rc = dfail(&d, MW_EPROTO, root, NULL, "root element <%s>; expected <%s>", root->name, name);
        else if (!(d.ns && !root->ns))
            rc = elem_ns(&d, root);
        if (!rc)
            rc = dec_value(&d, t, root, value, 0, false);
    }
    xmlFreeDoc(doc);
    mw_arena_set_limit(arena, old_limit);
    return rc;
}

const mw_codec mw_codec_xml = {
    .name = "xml",
    .description = "XML (Figures 4.10-4.11) with an XML Schema per type (Figure 4.12)",
    .binary = false,
    .encode = mw_xml_encode,
    .decode = mw_xml_decode,
    .size = xml_size,
};

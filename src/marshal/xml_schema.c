/*
 * xml_schema.c - XML Schema (Figure 4.12) for the documents xml.c writes, validation of a
 * parsed document against it with libxml2's validator, and the naming rules (root name,
 * usable names, attribute kinds, error paths) the codec and the schema share.
 *
 * One global element (the root) and one named type per struct, union and enum ("Type"
 * appended to the root element name for the root struct, to the scoped name with "::"
 * as "." for the others: Figure 4.12's personType); sequences, arrays and bounded
 * strings get anonymous types in place; three helper types carry char ("midway.char"),
 * any ("midway.any") and object references ("midway.ObjectRef"). With opts->xml_ns the
 * schema has that targetNamespace, elementFormDefault="qualified", and
 * attributeFormDefault "qualified" when a prefix is used (attributes are then written
 * prefixed), "unqualified" for a default namespace (which attributes do not inherit).
 * What the schema cannot say is documented in docs/xml-mapping.md: it does not tie a
 * union's member to the value of <_d>, it counts a bounded string's maxLength in
 * characters where Midway counts bytes, and it lets an any hold anything.
 */
#include <inttypes.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlschemas.h>

#include "xml_impl.h"

#define XC (const xmlChar *)

/* ---- the mapping's names, shared with xml.c ------------------------------------- */

const char *mwi_xml_root_name(const mw_type *t)
{
    if (t->xml_name)
        return t->xml_name;
    if (t->name) {
        const char *s = strrchr(t->name, ':');
        return s ? s + 1 : t->name;
    }
    return "value";
}

static bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool mwi_xml_name_ok(const char *s)
{
    if (!s || !name_start(*s))
        return false;
    for (s++; *s; s++)
        if (!name_start(*s) && !(*s >= '0' && *s <= '9') && *s != '-' && *s != '.')
            return false;
    return true;
}

bool mwi_xml_attr_kind(const mw_type *t)
{
    const mw_type *r = mw_type_resolve(t);
    return r && (mwi_kind_is_scalar(r->kind) || r->kind == MW_K_STRING);
}

int mwi_xml_check_opts(const mw_marshal_opts *o)
{
    if (!o || !o->xml_prefix)
        return 0;
    const char *p = o->xml_prefix;
    if (!o->xml_ns || !mwi_xml_name_ok(p) || strchr(p, '.') || strcmp(p, "xml") == 0 ||
        strcmp(p, "xmlns") == 0)
        return MW_EINVAL;
    return 0;
}

static size_t item_index(const xmlNode *n)
{
    size_t i = 1;
    for (const xmlNode *s = n->prev; s; s = s->prev)
        if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, n->name))
            i++;
    return i;
}

static size_t path_into(const xmlNode *p, char *buf, size_t size)
{
    if (!p || p->type == XML_DOCUMENT_NODE)
        return 0;
    /* Root first; libxml2 nests elements at most 256 deep, which bounds the recursion. */
    size_t len = path_into(p->parent, buf, size);
    if (len >= size)
        return len;
    int w;
    if (p->type == XML_ATTRIBUTE_NODE)
        w = snprintf(buf + len, size - len, "/@%s", (const char *)p->name);
    else if (xmlStrEqual(p->name, XC "item"))
        w = snprintf(buf + len, size - len, "/item[%zu]", item_index(p));
    else
        w = snprintf(buf + len, size - len, "/%s", (const char *)p->name);
    return w < 0 ? size : len + (size_t)w;
}

void mwi_xml_path(const xmlNode *node, char *buf, size_t size)
{
    buf[0] = '\0';
    path_into(node, buf, size);
}

int mwi_xml_fail(mw_marshal_error *err, int code, const void *data, size_t len, long line,
                 const char *path, const char *fmt, ...)
{
    if (!err)
        return code;
    size_t off = 0;
    const uint8_t *p = data;
    for (long l = 1; l < line && off < len; off++)
        if (p[off] == '\n')
            l++;
    char detail[sizeof err->detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (line > 0)
        return mwi_marshal_fail(err, code, off, path, "line %ld: %s", line, detail);
    return mwi_marshal_fail(err, code, off, path, "%s", detail);
}

/* ---- the types an any may hold, and their names ------------------------------------ */

#define SEQ_OF(elem)                                                                       \
    {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq), .align = alignof(mw_seq),             \
     .u.seq = {&elem, 0}}
static const mw_type *const any_basic[] = {
    &mw_t_boolean, &mw_t_octet,     &mw_t_char,  &mw_t_short,  &mw_t_ushort, &mw_t_long,
    &mw_t_ulong,   &mw_t_longlong, &mw_t_ulonglong, &mw_t_float, &mw_t_double, &mw_t_string};
static const mw_type any_seq[] = {
    SEQ_OF(mw_t_boolean), SEQ_OF(mw_t_octet),     SEQ_OF(mw_t_char),      SEQ_OF(mw_t_short),
    SEQ_OF(mw_t_ushort),  SEQ_OF(mw_t_long),      SEQ_OF(mw_t_ulong),     SEQ_OF(mw_t_longlong),
    SEQ_OF(mw_t_ulonglong), SEQ_OF(mw_t_float),   SEQ_OF(mw_t_double),    SEQ_OF(mw_t_string)};
#define ANY_BASIC_COUNT (sizeof any_basic / sizeof any_basic[0])

static int any_basic_index(mw_kind k)
{
    for (size_t i = 0; i < ANY_BASIC_COUNT; i++)
        if (any_basic[i]->kind == k)
            return (int)i;
    return -1;
}

const char *mwi_xml_any_type_name(const mw_type *t, char *buf, size_t size)
{
    const mw_type *rt = mw_type_resolve(t);
    if (!rt || rt->kind == MW_K_VOID)
        return "void";
    if (any_basic_index(rt->kind) >= 0)
        return mw_kind_name(rt->kind);
    if (rt->kind == MW_K_SEQUENCE) {
        const mw_type *re = mw_type_resolve(rt->u.seq.elem);
        if (re && any_basic_index(re->kind) >= 0) {
            snprintf(buf, size, "sequence<%s>", mw_kind_name(re->kind));
            return buf;
        }
        return NULL;
    }
    const mw_type *b = rt->name ? mw_builtin_type(rt->name) : NULL;
    /* A descriptor rebuilt at run time (from a TypeCode) is accepted when it has the
     * built-in's name and layout: the reader will decode it with the built-in. */
    if (b && b->kind == rt->kind && b->size == rt->size)
        return rt->name;
    return NULL;
}

const mw_type *mwi_xml_any_type_lookup(const char *s, size_t n, bool *is_void)
{
    char name[40];
    *is_void = false;
    if (n >= sizeof name)
        return NULL;
    memcpy(name, s, n);
    name[n] = '\0';
    if (strcmp(name, "void") == 0) {
        *is_void = true;
        return NULL;
    }
    for (size_t i = 0; i < ANY_BASIC_COUNT; i++) {
        char seq[40];
        snprintf(seq, sizeof seq, "sequence<%s>", mw_kind_name(any_basic[i]->kind));
        if (strcmp(name, mw_kind_name(any_basic[i]->kind)) == 0)
            return any_basic[i];
        if (strcmp(name, seq) == 0)
            return &any_seq[i];
    }
    return mw_builtin_type(name);
}

/* ---- the schema --------------------------------------------------------------------- */

/* A named type of the schema and the name it got. */
typedef struct named {
    const mw_type *t;
    char name[128];
} named;

typedef struct sch {
    mw_buf *out;
    const char *qual; /* prefix for references to our own types, or NULL */
    named *types;     /* in order of first use; emitted in that order */
    size_t count, cap;
    bool need_char, need_any, need_objref;
    int rc; /* first error */
} sch;

/* The schema is always indented: it is read by people. */
static void line(sch *s, int indent, const char *fmt, ...) MW_PRINTF(3, 4);
static void line(sch *s, int indent, const char *fmt, ...)
{
    if (s->rc)
        return;
    for (int i = 0; i < indent && !s->rc; i++)
        s->rc = mw_buf_append(s->out, "  ", 2);
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!s->rc)
        s->rc = n < 0 || (size_t)n >= sizeof buf ? MW_EINVAL : mw_buf_append(s->out, buf, (size_t)n);
    if (!s->rc)
        s->rc = mw_buf_put_u8(s->out, '\n');
}

static int fail(sch *s, int code)
{
    if (!s->rc)
        s->rc = code;
    return s->rc;
}

/* s with &, <, > and " escaped, for an attribute value. */
static int append_escaped(mw_buf *b, const char *v)
{
    int rc = 0;
    for (; *v && !rc; v++) {
        switch (*v) {
        case '&': rc = mw_buf_append_str(b, "&amp;"); break;
        case '<': rc = mw_buf_append_str(b, "&lt;"); break;
        case '>': rc = mw_buf_append_str(b, "&gt;"); break;
        case '"': rc = mw_buf_append_str(b, "&quot;"); break;
        default: rc = mw_buf_put_u8(b, (uint8_t)*v); break;
        }
    }
    return rc;
}

/* The schema name of a struct, union or enum (registered on first use). */
static const char *type_name(sch *s, const mw_type *t, bool root)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->types[i].t == t)
            return s->types[i].name;
    char base[110];
    if (root && t->xml_name) {
        snprintf(base, sizeof base, "%s", t->xml_name);
    } else if (t->xml_name || t->name) {
        /* Scoped names keep their scope so two modules' Person do not collide. */
        const char *n = t->xml_name ? t->xml_name : t->name;
        size_t k = 0;
        for (; *n && k + 1 < sizeof base; n++) {
            if (n[0] == ':' && n[1] == ':') {
                base[k++] = '.';
                n++;
            } else {
                base[k++] = *n;
            }
        }
        base[k] = '\0';
    } else {
        fail(s, MW_EINVAL);
        return NULL;
    }
    if (!mwi_xml_name_ok(base)) {
        fail(s, MW_EINVAL);
        return NULL;
    }
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        named *p = realloc(s->types, cap * sizeof *p);
        if (!p) {
            fail(s, MW_ENOMEM);
            return NULL;
        }
        s->types = p;
        s->cap = cap;
    }
    named *e = &s->types[s->count++];
    e->t = t;
    snprintf(e->name, sizeof e->name, "%sType", base);
    /* Two descriptors with one name (one rebuilt at run time, say) get distinct types. */
    for (unsigned k = 2;; k++) {
        bool clash = false;
        for (size_t i = 0; i + 1 < s->count && !clash; i++)
            clash = strcmp(s->types[i].name, e->name) == 0;
        if (!clash)
            break;
        snprintf(e->name, sizeof e->name, "%sType%u", base, k);
    }
    return e->name;
}

static const char *qualify(sch *s, const char *name, char *buf, size_t size)
{
    if (!name)
        return NULL;
    if (s->qual)
        snprintf(buf, size, "%s:%s", s->qual, name);
    else
        snprintf(buf, size, "%s", name);
    return buf;
}

/* A reference to the type of rt ("xsd:int", "pers:personType"), or NULL when it needs an
 * anonymous type written in place. */
static const char *type_ref(sch *s, const mw_type *rt, char *buf, size_t size)
{
    switch (rt->kind) {
    case MW_K_BOOLEAN: return "xsd:boolean";
    case MW_K_OCTET: return "xsd:unsignedByte";
    case MW_K_SHORT: return "xsd:short";
    case MW_K_USHORT: return "xsd:unsignedShort";
    case MW_K_LONG: return "xsd:int";
    case MW_K_ULONG: return "xsd:unsignedInt";
    case MW_K_LONGLONG: return "xsd:long";
    case MW_K_ULONGLONG: return "xsd:unsignedLong";
    case MW_K_FLOAT: return "xsd:float";
    case MW_K_DOUBLE: return "xsd:double";
    case MW_K_STRING: return rt->u.seq.bound ? NULL : "xsd:string";
    case MW_K_CHAR: s->need_char = true; return qualify(s, "midway.char", buf, size);
    case MW_K_ANY: s->need_any = true; return qualify(s, "midway.any", buf, size);
    case MW_K_OBJREF: s->need_objref = true; return qualify(s, "midway.ObjectRef", buf, size);
    case MW_K_SEQUENCE: {
        const mw_type *re = mw_type_resolve(rt->u.seq.elem);
        return re->kind == MW_K_OCTET && !rt->u.seq.bound ? "xsd:base64Binary" : NULL;
    }
    case MW_K_STRUCT: case MW_K_UNION: case MW_K_ENUM:
        return qualify(s, type_name(s, rt, false), buf, size);
    default: return NULL;
    }
}

static void element(sch *s, int indent, const char *name, const mw_type *t, const char *occurs,
                    bool optional_ok, int depth);

/* The anonymous type of rt, written inside an element or attribute. */
static void anon_type(sch *s, int indent, const mw_type *rt, int depth)
{
    if (depth > MW_MARSHAL_MAX_DEPTH) {
        fail(s, MW_EDEPTH);
        return;
    }
    const mw_type *elem = rt->kind == MW_K_SEQUENCE ? rt->u.seq.elem : rt->u.arr.elem;
    bool octets = rt->kind != MW_K_STRING && mw_type_resolve(elem)->kind == MW_K_OCTET;
    if (rt->kind == MW_K_STRING || octets) {
        line(s, indent, "<xsd:simpleType>");
        line(s, indent + 1, "<xsd:restriction base=\"xsd:%s\">",
             octets ? "base64Binary" : "string");
        if (rt->kind == MW_K_ARRAY)
            line(s, indent + 2, "<xsd:length value=\"%" PRIu32 "\"/>", rt->u.arr.count);
        else
            line(s, indent + 2, "<xsd:maxLength value=\"%" PRIu32 "\"/>", rt->u.seq.bound);
        line(s, indent + 1, "</xsd:restriction>");
        line(s, indent, "</xsd:simpleType>");
        return;
    }
    char occurs[64];
    if (rt->kind == MW_K_ARRAY)
        snprintf(occurs, sizeof occurs, " minOccurs=\"%" PRIu32 "\" maxOccurs=\"%" PRIu32 "\"",
                 rt->u.arr.count, rt->u.arr.count);
    else if (rt->u.seq.bound)
        snprintf(occurs, sizeof occurs, " minOccurs=\"0\" maxOccurs=\"%" PRIu32 "\"",
                 rt->u.seq.bound);
    else
        snprintf(occurs, sizeof occurs, " minOccurs=\"0\" maxOccurs=\"unbounded\"");
    line(s, indent, "<xsd:complexType>");
    line(s, indent + 1, "<xsd:sequence>");
    element(s, indent + 2, "item", elem, occurs, false, depth + 1);
    line(s, indent + 1, "</xsd:sequence>");
    line(s, indent, "</xsd:complexType>");
}

/* <xsd:element name="name" type="..."/> for a member of type t. An optional (where
 * optional_ok) is the element with minOccurs="0". */
static void element(sch *s, int indent, const char *name, const mw_type *t, const char *occurs,
                    bool optional_ok, int depth)
{
    const mw_type *rt = mw_type_resolve(t);
    if (!rt || !mwi_xml_name_ok(name)) {
        fail(s, MW_EINVAL);
        return;
    }
    if (rt->kind == MW_K_OPTIONAL) {
        rt = mw_type_resolve(rt->u.alias.target);
        if (!optional_ok || !rt || rt->kind == MW_K_OPTIONAL) {
            fail(s, MW_ENOTSUP);
            return;
        }
        occurs = " minOccurs=\"0\"";
    }
    if (rt->kind == MW_K_VOID) {
        fail(s, MW_ENOTSUP);
        return;
    }
    char buf[160];
    const char *ref = type_ref(s, rt, buf, sizeof buf);
    if (ref) {
        line(s, indent, "<xsd:element name=\"%s\" type=\"%s\"%s/>", name, ref, occurs);
        return;
    }
    line(s, indent, "<xsd:element name=\"%s\"%s>", name, occurs);
    anon_type(s, indent + 1, rt, depth + 1);
    line(s, indent, "</xsd:element>");
}

static void attribute(sch *s, int indent, const mw_field *f)
{
    const mw_type *rt = mw_type_resolve(f->type);
    if (!mwi_xml_attr_kind(f->type)) {
        fail(s, MW_ENOTSUP);
        return;
    }
    if (!mwi_xml_name_ok(f->name)) {
        fail(s, MW_EINVAL);
        return;
    }
    char buf[160];
    const char *ref = type_ref(s, rt, buf, sizeof buf);
    if (ref) {
        line(s, indent, "<xsd:attribute name=\"%s\" type=\"%s\" use=\"required\"/>", f->name, ref);
        return;
    }
    line(s, indent, "<xsd:attribute name=\"%s\" use=\"required\">", f->name);
    anon_type(s, indent + 1, rt, 0);
    line(s, indent, "</xsd:attribute>");
}

static void struct_type(sch *s, const mw_type *t, const char *name)
{
    line(s, 1, "<xsd:complexType name=\"%s\">", name);
    bool elements = false;
    for (uint32_t i = 0; i < t->u.st.count; i++)
        elements |= !(t->u.st.fields[i].flags & MW_FIELD_XML_ATTR);
    if (elements) {
        line(s, 2, "<xsd:sequence>");
        for (uint32_t i = 0; i < t->u.st.count; i++) {
            const mw_field *f = &t->u.st.fields[i];
            if (!(f->flags & MW_FIELD_XML_ATTR))
                element(s, 3, f->name, f->type, "", true, 0);
        }
        line(s, 2, "</xsd:sequence>");
    }
    for (uint32_t i = 0; i < t->u.st.count; i++)
        if (t->u.st.fields[i].flags & MW_FIELD_XML_ATTR)
            attribute(s, 2, &t->u.st.fields[i]);
    line(s, 1, "</xsd:complexType>");
}

static void union_type(sch *s, const mw_type *t, const char *name)
{
    line(s, 1, "<xsd:complexType name=\"%s\">", name);
    line(s, 2, "<xsd:sequence>");
    element(s, 3, "_d", t->u.un.disc, "", false, 0);
    /* XML Schema 1.0 cannot tie the member to <_d>'s value: any one member may follow,
     * and none where some discriminator value selects no member. */
    bool members = false, may_be_empty = true;
    for (uint32_t i = 0; i < t->u.un.count; i++) {
        const mw_case *c = &t->u.un.cases[i];
        bool has = c->type && c->type->kind != MW_K_VOID;
        members |= has;
        if (c->is_default && has)
            may_be_empty = false;
    }
    for (uint32_t i = 0; i < t->u.un.count; i++) {
        const mw_case *c = &t->u.un.cases[i];
        if (!c->type || c->type->kind == MW_K_VOID)
            may_be_empty = true;
    }
    if (members) {
        line(s, 3, "<xsd:choice%s>", may_be_empty ? " minOccurs=\"0\"" : "");
        for (uint32_t i = 0; i < t->u.un.count; i++) {
            const mw_case *c = &t->u.un.cases[i];
            bool dup = false;
            for (uint32_t j = 0; j < i && !dup; j++)
                dup = t->u.un.cases[j].name && c->name &&
                      strcmp(t->u.un.cases[j].name, c->name) == 0;
            if (c->type && c->type->kind != MW_K_VOID && !dup)
                element(s, 4, c->name, c->type, "", true, 0);
        }
        line(s, 3, "</xsd:choice>");
    }
    line(s, 2, "</xsd:sequence>");
    line(s, 1, "</xsd:complexType>");
}

static void enum_type(sch *s, const mw_type *t, const char *name)
{
    /* xsd:token, like the decoder, ignores whitespace around the name. */
    line(s, 1, "<xsd:simpleType name=\"%s\">", name);
    line(s, 2, "<xsd:restriction base=\"xsd:token\">");
    for (uint32_t i = 0; i < t->u.en.count && !s->rc; i++) {
        mw_buf v = {0};
        int rc = append_escaped(&v, t->u.en.items[i].name);
        if (!rc)
            rc = mw_buf_put_u8(&v, 0);
        if (rc)
            fail(s, rc);
        else
            line(s, 3, "<xsd:enumeration value=\"%s\"/>", (const char *)v.data);
        mw_buf_free(&v);
    }
    line(s, 2, "</xsd:restriction>");
    line(s, 1, "</xsd:simpleType>");
}

static void helpers(sch *s)
{
    if (s->need_char) {
        /* One ISO 8859-1 character. */
        line(s, 1, "<xsd:simpleType name=\"midway.char\">");
        line(s, 2, "<xsd:restriction base=\"xsd:string\">");
        line(s, 3, "<xsd:length value=\"1\"/>");
        line(s, 3, "<xsd:pattern value=\"[&#x9;-&#xFF;]\"/>");
        line(s, 2, "</xsd:restriction>");
        line(s, 1, "</xsd:simpleType>");
    }
    if (s->need_any) {
        /* Text or elements, as the "type" attribute says; the schema cannot follow it. */
        line(s, 1, "<xsd:complexType name=\"midway.any\" mixed=\"true\">");
        line(s, 2, "<xsd:sequence>");
        line(s, 3, "<xsd:any processContents=\"skip\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>");
        line(s, 2, "</xsd:sequence>");
        line(s, 2, "<xsd:attribute name=\"type\" type=\"xsd:string\" use=\"required\"/>");
        line(s, 2, "<xsd:anyAttribute processContents=\"skip\"/>");
        line(s, 1, "</xsd:complexType>");
    }
    if (s->need_objref) {
        line(s, 1, "<xsd:simpleType name=\"midway.ObjectRef\">");
        line(s, 2, "<xsd:restriction base=\"xsd:token\">");
        line(s, 3, "<xsd:pattern value=\"mwref:\\S+\"/>");
        line(s, 2, "</xsd:restriction>");
        line(s, 1, "</xsd:simpleType>");
    }
}

int mw_xml_schema(const mw_type *t, mw_buf *out, const mw_marshal_opts *opts)
{
    if (!t || !out || mwi_xml_check_opts(opts))
        return MW_EINVAL;
    const mw_type *rt = mw_type_resolve(t);
    if (!rt)
        return MW_EINVAL;
    if (rt->kind == MW_K_VOID || rt->kind == MW_K_OPTIONAL)
        return MW_ENOTSUP;
    const char *ns = opts ? opts->xml_ns : NULL;
    const char *prefix = opts ? opts->xml_prefix : NULL;
    size_t start = out->len;
    /* References to our types need the target namespace's prefix: the document's own
     * (as in the figures) unless it is the schema's "xsd". */
    sch s = {.out = out,
             .qual = !ns ? NULL : prefix && strcmp(prefix, "xsd") != 0 ? prefix : "tns"};
    line(&s, 0, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    if (!ns) {
        line(&s, 0, "<xsd:schema xmlns:xsd=\"%s\">", MWI_XSD_NS);
    } else {
        mw_buf uri = {0};
        int rc = append_escaped(&uri, ns);
        if (!rc)
            rc = mw_buf_put_u8(&uri, 0);
        if (rc || uri.len > 300) {
            mw_buf_free(&uri);
            out->len = start;
            return rc ? rc : MW_EINVAL;
        }
        const char *u = (const char *)uri.data;
        line(&s, 0, "<xsd:schema xmlns:xsd=\"%s\" xmlns:%s=\"%s\" targetNamespace=\"%s\"",
             MWI_XSD_NS, s.qual, u, u);
        line(&s, 0, "            elementFormDefault=\"qualified\" attributeFormDefault=\"%s\">",
             prefix ? "qualified" : "unqualified");
        mw_buf_free(&uri);
    }
    const char *root = mwi_xml_root_name(t);
    if (rt->kind == MW_K_STRUCT || rt->kind == MW_K_UNION || rt->kind == MW_K_ENUM)
        type_name(&s, rt, true); /* the root's type is named first: personType */
    element(&s, 1, root, t, "", false, 0);
    /* Types are emitted in order of first use; emitting one may add more. */
    for (size_t i = 0; i < s.count && !s.rc; i++) {
        const mw_type *nt = s.types[i].t;
        if (nt->kind == MW_K_STRUCT)
            struct_type(&s, nt, s.types[i].name);
        else if (nt->kind == MW_K_UNION)
            union_type(&s, nt, s.types[i].name);
        else
            enum_type(&s, nt, s.types[i].name);
    }
    helpers(&s);
    line(&s, 0, "</xsd:schema>");
    free(s.types);
    if (s.rc)
        out->len = start;
    return s.rc;
}

/* ---- validation --------------------------------------------------------------------- */

typedef struct first_error {
    bool set;
    int line;
    const xmlNode *node;
    char msg[140];
} first_error;

static void keep_first(void *ctx, xmlErrorPtr e)
{
    first_error *f = ctx;
    if (f->set || e->level < XML_ERR_ERROR)
        return;
    f->set = true;
    f->line = e->line;
    f->node = e->node;
    snprintf(f->msg, sizeof f->msg, "%s", e->message ? e->message : "invalid");
    size_t n = strlen(f->msg);
    while (n && (f->msg[n - 1] == '\n' || f->msg[n - 1] == ' '))
        f->msg[--n] = '\0';
}

int mwi_xml_validate(xmlDoc *doc, const mw_type *t, const mw_marshal_opts *opts,
                     const void *data, size_t len, mw_marshal_error *err)
{
    mw_buf text = {0};
    int rc = mw_xml_schema(t, &text, opts);
    if (rc) {
        mw_buf_free(&text);
        return mwi_marshal_fail(err, rc, 0, "", "no schema for this type: %s", mw_strerror(rc));
    }
    /* The schema is compiled per call: validation is for checking documents, not for
     * the fast path. */
    first_error perr = {0}, verr = {0};
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt((const char *)text.data, (int)text.len);
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vc = NULL;
    if (pc) {
        xmlSchemaSetParserStructuredErrors(pc, keep_first, &perr);
        schema = xmlSchemaParse(pc);
    }
    if (schema)
        vc = xmlSchemaNewValidCtxt(schema);
    if (!vc) {
        rc = perr.set ? mwi_marshal_fail(err, MW_EINVAL, 0, "", "schema rejected: %s", perr.msg)
                      : mwi_marshal_fail(err, MW_ENOMEM, 0, "", "cannot compile the schema");
    } else {
        xmlSchemaSetValidStructuredErrors(vc, keep_first, &verr);
        int r = xmlSchemaValidateDoc(vc, doc);
        if (r != 0) {
            char path[160] = "";
            if (verr.node)
                mwi_xml_path(verr.node, path, sizeof path);
            rc = r > 0 || verr.set
                     ? mwi_xml_fail(err, MW_EPROTO, data, len, verr.line, path,
                                    "not valid: %s", verr.set ? verr.msg : "rejected by the schema")
                     : mwi_marshal_fail(err, MW_ENOMEM, 0, "", "the validator failed");
        }
    }
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
    mw_buf_free(&text);
    return rc;
}

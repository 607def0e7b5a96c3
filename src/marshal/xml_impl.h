/*
 * xml_impl.h - what the XML codec (xml.c) and its schema generator (xml_schema.c)
 * share: the naming rules of the mapping (docs/xml-mapping.md), libxml2 start-up, error
 * reporting by node, and validation of a parsed document against the generated schema.
 */
#ifndef MW_XML_IMPL_H
#define MW_XML_IMPL_H

#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "marshal_impl.h"

/* The XML Schema namespaces. */
#define MWI_XSD_NS "http://www.w3.org/2001/XMLSchema"
#define MWI_XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* Initialises libxml2 once per process (thread-safe); every entry point calls it. */
void mwi_xml_init(void);

/* libxml2 reports some errors (encoding conversion, I/O) through its per-thread global
 * handlers, which print to stderr by default. Every use of libxml2 runs between
 * mwi_xml_quiet, which silences them, and mwi_xml_restore, which puts back what the
 * application had. */
typedef struct mwi_xml_handlers {
    xmlGenericErrorFunc generic;
    void *generic_ctx;
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
} mwi_xml_handlers;
void mwi_xml_quiet(mwi_xml_handlers *saved);
void mwi_xml_restore(const mwi_xml_handlers *saved);

/* The name of the root element of a document of type t: t->xml_name, else t's name
 * without its scope ("HelloApp::Person" gives "Person"), else "value". */
const char *mwi_xml_root_name(const mw_type *t);

/* True when s can be an element or attribute name, and a schema type name: ASCII
 * letters, digits, '_', '-', '.', not starting with a digit, '-' or '.'. (A subset of
 * XML's NCName: IDL identifiers always fit.) */
bool mwi_xml_name_ok(const char *s);

/* True when a member of type t may be written as an attribute (MW_FIELD_XML_ATTR): the
 * basic kinds boolean, octet, char, the integers, float, double and string, through
 * aliases. */
bool mwi_xml_attr_kind(const mw_type *t);

/* The name an any's "type" attribute gives to values of type t ("long",
 * "sequence<long>", "Person", "void"), in buf if it must be built; NULL when an any
 * cannot carry t in XML (only basic kinds, sequences of them and built-in types). */
const char *mwi_xml_any_type_name(const mw_type *t, char *buf, size_t size);
/* The type such a name s[0..n) stands for, or NULL (*is_void set for "void"). */
const mw_type *mwi_xml_any_type_lookup(const char *s, size_t n, bool *is_void);

/* Checks opts' namespace settings: xml_prefix needs xml_ns, must be a name and may not
 * be "xml" or "xmlns". MW_EINVAL otherwise. */
int mwi_xml_check_opts(const mw_marshal_opts *opts);

/* Writes the path of node ("/person/name", "/Showcase/people/item[2]/name",
 * "/person/@id" for an attribute) into buf: local names, items numbered from 1 as in
 * XPath. */
void mwi_xml_path(const xmlNode *node, char *buf, size_t size);

/* Fills err for a failure at line `line` of the input data[0..len): err->offset is the
 * byte offset where that line starts, err->detail starts with "line N: ". Returns code. */
int mwi_xml_fail(mw_marshal_error *err, int code, const void *data, size_t len, long line,
                 const char *path, const char *fmt, ...) MW_PRINTF(7, 8);

/* Validates doc against the schema mw_xml_schema generates for t and opts. MW_EPROTO
 * with the validator's first error (its line, the element's path) in err. */
int mwi_xml_validate(xmlDoc *doc, const mw_type *t, const mw_marshal_opts *opts,
                     const void *data, size_t len, mw_marshal_error *err);

#endif

/* fuzz_xml.c - the XML decoder, as Person, as PersonRecord in Figure 4.11's namespace and
 * as Showcase. Whatever decodes must encode (compact and pretty, with size equal to the
 * length written), decode back to an equal value, and re-encode to the same text: from
 * its first encoding on, the mapping is canonical. Errors must be reported consistently. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <midway/marshal.h>

#include "marshal/example_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode_checked(const mw_type *t, const void *v, const mw_marshal_opts *o,
                           mw_buf *out)
{
    size_t sz = 0;
    if (mw_xml_encode(t, v, out, o, NULL) != 0 || mw_codec_xml.size(t, v, o, &sz) != 0 ||
        sz != out->len || mw_utf8_validate((const char *)out->data, out->len, NULL) != 0)
        abort();
}

static void one(const mw_type *t, const mw_marshal_opts *opts, const uint8_t *data,
                size_t size)
{
    mw_arena *a;
    if (mw_arena_create(&a, 0) != 0)
        return;
    void *v = mw_arena_calloc(a, 1, t->size), *back = mw_arena_calloc(a, 1, t->size);
    mw_marshal_error err;
    int rc = v && back ? mw_xml_decode(t, data, size, v, a, opts, &err) : -1;
    if (rc == 0) {
        /* A decoder allocates no more than its input justifies. */
        if (mw_arena_used(a) > size * 16 + 4096 + 2 * t->size + 64)
            abort();
        mw_marshal_opts o = opts ? *opts : (mw_marshal_opts){0};
        for (int style = 0; style < 2; style++) {
            o.pretty = style;
            mw_buf out = {0}, again = {0};
            /* Anything decoded is representable: the encoder must take it. */
            encode_checked(t, v, &o, &out);
            if (mw_xml_decode(t, out.data, out.len, back, a, &o, &err) != 0 ||
                !mw_value_equal(t, v, back))
                abort();
            encode_checked(t, back, &o, &again);
            if (again.len != out.len || memcmp(again.data, out.data, out.len) != 0)
                abort();
            mw_buf_free(&out);
            mw_buf_free(&again);
        }
    } else if (rc != -1 && (err.code != rc || err.offset > size)) {
        abort();
    }
    mw_arena_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const mw_marshal_opts ns = {.xml_ns = "http://www.cdk4.net/person",
                                       .xml_prefix = "pers"};
    one(&mw_t_person, NULL, data, size);
    one(&mw_t_person_record, &ns, data, size);
    one(&mwi_t_showcase, NULL, data, size);
    return 0;
}

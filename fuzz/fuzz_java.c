/* fuzz_java.c - the Java serialization decoder: any input decoded as Person and as
 * Showcase. What decodes must re-encode (with the size op agreeing), and the re-encoding
 * must decode to an equal value and encode to the same bytes again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <midway/marshal.h>

#include "marshal/example_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const mw_type *t, const uint8_t *data, size_t size)
{
    mw_arena *a;
    if (mw_arena_create(&a, 0))
        return;
    void *value = mw_arena_calloc(a, 1, t->size), *again = mw_arena_calloc(a, 1, t->size);
    mw_marshal_error err = {0};
    int rc = value && again ? mw_java_decode(t, data, size, value, a, NULL, &err) : MW_ENOMEM;
    if (rc) {
        /* A failure is reported consistently and points inside the input. */
        if (err.code != rc || err.offset > size)
            abort();
    } else {
        /* The decoder's allocation is bounded by its input. */
        if (mw_arena_used(a) > size * 16 + 4096 + 2 * t->size)
            abort();
        mw_buf b = {0}, c = {0};
        size_t n = 0;
        if (mw_java_encode(t, value, &b, NULL, NULL) || mw_codec_java.size(t, value, NULL, &n) ||
            n != b.len)
            abort();
        if (mw_java_decode(t, b.data, b.len, again, a, NULL, NULL) ||
            !mw_value_equal(t, value, again))
            abort();
        if (mw_java_encode(t, again, &c, NULL, NULL) || c.len != b.len ||
            memcmp(c.data, b.data, b.len) != 0)
            abort();
        mw_buf_free(&b);
        mw_buf_free(&c);
    }
    mw_arena_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(&mw_t_person, data, size);
    check(&mwi_t_showcase, data, size);
    return 0;
}

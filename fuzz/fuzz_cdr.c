/* fuzz_cdr.c - the CDR decoder: the input as Person, as Showcase and as a bare any
 * (TypeCodes straight from the input), in both byte orders, and as an encapsulation.
 * Whatever decodes must encode (size equal to the length written), decode back to an
 * equal value, and re-encode to the same bytes; whatever fails must say where. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <midway/marshal.h>

#include "marshal/example_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A decoded value must survive encode, decode, encode unchanged. */
static void reencode(const mw_type *t, const void *v, const mw_marshal_opts *o, mw_arena *a)
{
    mw_buf out = {0}, again = {0};
    size_t sz = 0;
    if (mw_cdr_encode(t, v, &out, o, NULL) != 0 || mw_cdr_size(t, v, o, &sz) != 0 ||
        sz != out.len)
        abort();
    void *back = mw_arena_calloc(a, 1, t->size);
    if (!back)
        abort();
    if (mw_cdr_decode(t, out.data, out.len, back, a, o, NULL) != 0 ||
        !mw_value_equal(t, v, back))
        abort();
    if (mw_cdr_encode(t, back, &again, o, NULL) != 0 || again.len != out.len ||
        memcmp(again.data, out.data, out.len) != 0)
        abort();
    mw_buf_free(&out);
    mw_buf_free(&again);
}

static void one(const mw_type *t, const uint8_t *data, size_t size, int order, bool encap)
{
    mw_arena *a;
    if (mw_arena_create(&a, 0) != 0)
        return;
    void *v = mw_arena_calloc(a, 1, t->size);
    mw_marshal_opts o = {.byte_order = order};
    mw_marshal_error err;
    int rc = !v ? -1
             : encap ? mw_cdr_decode_encapsulation(t, data, size, v, a, &err)
                     : mw_cdr_decode(t, data, size, v, a, &o, &err);
    if (rc == 0) {
        /* A decoder allocates no more than its input justifies. */
        if (mw_arena_used(a) > size * 16 + 4096 + t->size + 64)
            abort();
        if (encap) /* the order is the input's first octet */
            o.byte_order = data[0] ? MW_ORDER_LITTLE : MW_ORDER_BIG;
        reencode(t, v, &o, a);
    } else if (rc != -1 && (err.code != rc || err.offset > size)) {
        abort();
    }
    mw_arena_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mw_type *types[] = {&mw_t_person, &mwi_t_showcase, &mw_t_any};
    for (int i = 0; i < 3; i++) {
        one(types[i], data, size, MW_ORDER_BIG, false);
        one(types[i], data, size, MW_ORDER_LITTLE, false);
    }
    one(&mwi_t_showcase, data, size, 0, true);
    one(&mw_t_any, data, size, 0, true);
    return 0;
}

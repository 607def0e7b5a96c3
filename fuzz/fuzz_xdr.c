/* fuzz_xdr.c - the XDR decoder, as Person, PersonRecord, Showcase (refused at its any, but
 * everything before it is decoded), the every-construct type of the libtirpc cross-check,
 * and a recursive list. XDR as Midway decodes it is canonical (zero padding, booleans 0
 * or 1, exact lengths), so whatever decodes must re-encode to exactly the input, with
 * size equal to that length, and the decoder must stay within its allocation bound. */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <midway/marshal.h>

#include "../tests/interop/tirpc/xdr_every.h"
#include "marshal/example_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* struct Node { long value; Node *next; } */
typedef struct node {
    int32_t value;
    struct node *next;
} node;
static const mw_type node_t;
static const mw_type node_ptr_t = {.kind = MW_K_OPTIONAL, .size = sizeof(node *),
                                   .align = alignof(node *), .u.alias = {&node_t}};
static const mw_field node_fields[] = {{"value", &mw_t_long, offsetof(node, value), 0},
                                       {"next", &node_ptr_t, offsetof(node, next), 0}};
static const mw_type node_t = {.kind = MW_K_STRUCT, .name = "Node", .size = sizeof(node),
                               .align = alignof(node), .u.st = {node_fields, 2}};

static void one(const mw_type *t, const uint8_t *data, size_t size)
{
    mw_arena *a;
    if (mw_arena_create(&a, 0) != 0)
        return;
    void *v = mw_arena_calloc(a, 1, t->size);
    mw_marshal_error err;
    int rc = v ? mw_xdr_decode(t, data, size, v, a, NULL, &err) : -1;
    if (rc == 0) {
        if (mw_arena_used(a) > size * 16 + 4096 + t->size + 64)
            abort();
        mw_buf out = {0};
        size_t sz = 0;
        if (mw_xdr_encode(t, v, &out, NULL, NULL) != 0 || mw_codec_xdr.size(t, v, NULL, &sz) ||
            sz != out.len || out.len != size || memcmp(out.data, data, size) != 0)
            abort();
        mw_buf_free(&out);
    } else if (rc != -1 && (err.code != rc || err.offset > size)) {
        abort();
    }
    mw_arena_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(&mw_t_person, data, size);
    one(&mw_t_person_record, data, size);
    one(&mwi_t_showcase, data, size);
    one(&ev_t_every, data, size);
    one(&node_t, data, size);
    return 0;
}

/*
 * wire.c - the bodies of RMI requests and replies (docs/protocol.md, "Remote method
 * invocation"). Both are CDR encapsulations, as GIOP's bodies are close to: the sender
 * writes in its own byte order and says which in the first octet, so neither side swaps
 * bytes when both run on the same kind of machine.
 *
 * The fixed headers (16 bytes of request, 8 of reply) end on an 8-byte boundary, so the
 * CDR that follows can be decoded with alignment counted from its own first byte, which
 * is what mw_cdr_decode does: the padding comes out exactly as if counted from the
 * encapsulation's byte-order octet.
 */
#include <string.h>

#include "rmi/rmi_impl.h"

uint8_t mwi_rmi_host_order_octet(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first; /* 1 on a little-endian host */
}

/* Appends the byte-order octet and pad zeros up to `header` bytes. */
static int put_header(mw_buf *b, size_t header, uint8_t **at)
{
    int rc = mw_buf_extend(b, header, at);
    if (rc == 0)
        (*at)[0] = mwi_rmi_host_order_octet();
    return rc;
}

int mwi_rmi_request_encode(mw_buf *b, uint64_t created_ms, const mw_rmi_operation *op,
                           const void *const *in)
{
    size_t start = b->len;
    uint8_t *h;
    int rc = put_header(b, MWI_RMI_REQUEST_HEADER, &h);
    if (rc)
        return rc;
    memcpy(h + 8, &created_ms, 8); /* host order, which the octet announces */
    if (op->in) {
        /* The fields one by one, as the generated proxy hands them over: CDR puts no
         * bytes around a struct, so this is exactly the encoding of the in struct. */
        mw_marshal_opts o = {.byte_order = MW_ORDER_NATIVE, .align_origin = start};
        const mw_type *t = mw_type_resolve(op->in);
        for (uint32_t i = 0; rc == 0 && i < t->u.st.count; i++)
            rc = mw_cdr_encode(t->u.st.fields[i].type, in[i], b, &o, NULL);
    }
    if (rc)
        b->len = start;
    return rc;
}

static int order_of(uint8_t octet, int *order)
{
    if (octet > 1)
        return MW_EPROTO;
    *order = octet ? MW_ORDER_LITTLE : MW_ORDER_BIG;
    return 0;
}

static uint32_t load_u32(const uint8_t *p, int order)
{
    return order == MW_ORDER_BIG ? mw_load_u32be(p)
                                 : (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                       (uint32_t)p[3] << 24;
}

static uint64_t load_u64(const uint8_t *p, int order)
{
    if (order == MW_ORDER_BIG)
        return mw_load_u64be(p);
    return (uint64_t)load_u32(p, order) | (uint64_t)load_u32(p + 4, order) << 32;
}

int mwi_rmi_request_header(const uint8_t *p, size_t n, int *order, uint64_t *created)
{
    if (n < MWI_RMI_REQUEST_HEADER || order_of(p[0], order))
        return MW_EPROTO;
    *created = load_u64(p + 8, *order);
    return 0;
}

int mwi_rmi_request_args(const mw_rmi_operation *op, const uint8_t *p, size_t n, int order,
                         void *in, mw_arena *arena, mw_marshal_error *err)
{
    if (n < MWI_RMI_REQUEST_HEADER)
        return MW_EPROTO;
    p += MWI_RMI_REQUEST_HEADER;
    n -= MWI_RMI_REQUEST_HEADER;
    if (!op->in)
        return n == 0 ? 0 : MW_EPROTO;
    mw_marshal_opts o = {.byte_order = order};
    return mw_cdr_decode(op->in, p, n, in, arena, &o, err) ? MW_EPROTO : 0;
}

/* Appends the reply header with its status. */
static int reply_header(mw_buf *b, uint32_t status)
{
    uint8_t *h;
    int rc = put_header(b, MWI_RMI_REPLY_HEADER, &h);
    if (rc == 0)
        memcpy(h + 4, &status, 4);
    return rc;
}

int mwi_rmi_reply_encode_ok(mw_buf *b, const mw_rmi_operation *op, const void *out)
{
    size_t start = b->len;
    int rc = reply_header(b, MWI_RMI_NO_EXCEPTION);
    if (rc == 0 && op->out) {
        mw_marshal_opts o = {.byte_order = MW_ORDER_NATIVE, .align_origin = start};
        rc = mw_cdr_encode(op->out, out, b, &o, NULL);
    }
    if (rc)
        b->len = start;
    return rc;
}

int mwi_rmi_reply_encode_user(mw_buf *b, const mw_rmi_exception *ex, const void *value)
{
    size_t start = b->len;
    mw_marshal_opts o = {.byte_order = MW_ORDER_NATIVE, .align_origin = start};
    const char *id = ex->repo_id;
    int rc = reply_header(b, MWI_RMI_USER_EXCEPTION);
    if (rc == 0)
        rc = mw_cdr_encode(&mw_t_string, &id, b, &o, NULL);
    if (rc == 0 && ex->type && mw_type_resolve(ex->type)->kind != MW_K_VOID)
        rc = mw_cdr_encode(ex->type, value, b, &o, NULL);
    if (rc)
        b->len = start;
    return rc;
}

/* The exception of op's raises list whose repository id is id[0..len). */
static const mw_rmi_exception *find_raise(const mw_rmi_operation *op, const uint8_t *id,
                                          size_t len)
{
    for (uint32_t i = 0; i < op->raises_count; i++) {
        const char *r = op->raises[i]->repo_id;
        if (strlen(r) == len && memcmp(r, id, len) == 0)
            return op->raises[i];
    }
    return NULL;
}

/* Decodes a USER_EXCEPTION body's id and members (p, n: after the reply header). */
static int decode_user(const mw_rmi_operation *op, const uint8_t *p, size_t n, int order,
                       mw_arena *arena, const mw_rmi_exception **exo, void **exval,
                       mw_marshal_error *err)
{
    /* The id: a CDR string, its length counting the NUL. */
    if (n < 4)
        return MW_EPROTO;
    uint32_t len = load_u32(p, order);
    if (len == 0 || len > n - 4 || p[4 + len - 1] != 0)
        return MW_EPROTO;
    const mw_rmi_exception *ex = find_raise(op, p + 4, len - 1);
    if (!ex)
        return MW_EPROTO;
    const mw_type *t = ex->type ? mw_type_resolve(ex->type) : NULL;
    if (!t || t->kind == MW_K_VOID) {
        if (4 + (size_t)len != n)
            return MW_EPROTO;
        *exo = ex;
        *exval = NULL;
        return 0;
    }
    /* The members follow the id with their alignment counted from the encapsulation,
     * which the id's odd length has shifted: decode both together, as one struct
     * {string id; members}, from this 8-aligned point, and keep the members. */
    size_t ta = t->align ? t->align : 1;
    size_t al = MWI_MAX(ta, _Alignof(char *));
    size_t off = (sizeof(char *) + ta - 1) & ~(ta - 1);
    size_t size = (off + t->size + al - 1) & ~(al - 1);
    const mw_field fields[2] = {
        {.name = "id", .type = &mw_t_string, .offset = 0},
        {.name = "value", .type = ex->type, .offset = (uint32_t)off},
    };
    const mw_type wrap = {.kind = MW_K_STRUCT,
                          .name = "exception",
                          .size = (uint32_t)size,
                          .align = (uint32_t)al,
                          .u.st = {fields, 2}};
    uint8_t *v = mw_arena_calloc(arena, 1, size);
    if (!v)
        return MW_ENOMEM;
    mw_marshal_opts o = {.byte_order = order};
    if (mw_cdr_decode(&wrap, p, n, v, arena, &o, err))
        return MW_EPROTO;
    *exo = ex;
    *exval = v + off;
    return 0;
}

int mwi_rmi_reply_decode(const mw_rmi_operation *op, const uint8_t *p, size_t n, void *out,
                         mw_arena *arena, const mw_rmi_exception **ex, void **exval,
                         mw_marshal_error *err)
{
    int order;
    if (n < MWI_RMI_REPLY_HEADER || order_of(p[0], &order))
        return MW_EPROTO;
    uint32_t status = load_u32(p + 4, order);
    p += MWI_RMI_REPLY_HEADER;
    n -= MWI_RMI_REPLY_HEADER;
    if (status == MWI_RMI_NO_EXCEPTION) {
        if (!op->out)
            return n == 0 ? 0 : MW_EPROTO;
        mw_marshal_opts o = {.byte_order = order};
        return mw_cdr_decode(op->out, p, n, out, arena, &o, err) ? MW_EPROTO : 0;
    }
    if (status == MWI_RMI_USER_EXCEPTION) {
        int rc = decode_user(op, p, n, order, arena, ex, exval, err);
        return rc ? rc : MW_RMI_EUSER;
    }
    return MW_EPROTO;
}

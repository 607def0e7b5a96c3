/*
 * rmi_impl.h - what the RMI runtime's files share: the bodies of requests and replies
 * (wire.c; the bytes are in docs/protocol.md, "Remote method invocation"), and the
 * adapter's hook for state that lives as long as it (the naming context).
 */
#ifndef MW_RMI_IMPL_H
#define MW_RMI_IMPL_H

#include <midway/rmi.h>

#include "base/mw_impl.h"

/* A request body: byte order, 7 zero bytes, created_ms; then the in struct. */
#define MWI_RMI_REQUEST_HEADER 16
/* A reply body: byte order, 3 zero bytes, reply_status; then what the status says. */
#define MWI_RMI_REPLY_HEADER 8

/* reply_status values. System exceptions do not use the body: they travel as the status
 * of the request-reply protocol's REPLY, whose body is then empty. */
#define MWI_RMI_NO_EXCEPTION 0
#define MWI_RMI_USER_EXCEPTION 1

/* The encapsulation's byte-order octet of this host (0 big-endian, 1 little-endian). */
uint8_t mwi_rmi_host_order_octet(void);

/*
 * Appends a request body to b (empty or not: alignment counts from where it starts):
 * the header with created_ms, then the fields of op->in, field i read from in[i]. Returns
 * the encoder's error (MW_EINVAL for a value its type rejects, MW_ENOMEM...).
 */
int mwi_rmi_request_encode(mw_buf *b, uint64_t created_ms, const mw_rmi_operation *op,
                           const void *const *in);
/* Reads a request body's header: *order gets the MW_ORDER_* of the rest, *created
 * the target's creation time. MW_EPROTO when it is shorter than the header or its byte
 * order octet is neither 0 nor 1. */
int mwi_rmi_request_header(const uint8_t *p, size_t n, int *order, uint64_t *created);
/* Decodes the in struct of op that follows the header into in (op->in->size bytes),
 * pointers into arena. With op->in NULL the body must end after the header. MW_EPROTO
 * for anything that does not decode (with err's detail when err is given). */
int mwi_rmi_request_args(const mw_rmi_operation *op, const uint8_t *p, size_t n, int order,
                         void *in, mw_arena *arena, mw_marshal_error *err);

/* Appends a NO_EXCEPTION reply body with the out struct of op (NULL when none). */
int mwi_rmi_reply_encode_ok(mw_buf *b, const mw_rmi_operation *op, const void *out);
/* Appends a USER_EXCEPTION reply body: ex's repository id, then its members from value
 * (ignored when it has none). */
int mwi_rmi_reply_encode_user(mw_buf *b, const mw_rmi_exception *ex, const void *value);
/*
 * Decodes a reply body of op. NO_EXCEPTION: the out struct goes into out (op->out->size
 * bytes; ignored when op->out is NULL), returns 0. USER_EXCEPTION of one of op's raises:
 * *ex and *exval (its members in arena, NULL when none), returns MW_RMI_EUSER. Anything
 * else (a short or malformed body, an unknown status, an exception op does not raise):
 * MW_EPROTO.
 */
int mwi_rmi_reply_decode(const mw_rmi_operation *op, const uint8_t *p, size_t n, void *out,
                         mw_arena *arena, const mw_rmi_exception **ex, void **exval,
                         mw_marshal_error *err);

/* ---- the naming context's bindings and their store (naming.c, store.c) ----------- */

/* The longest name, in bytes: names are keys typed by people, not data. */
#define MWI_NAMING_MAX_NAME 512
/* The most bindings a context holds: the whole list must fit one reply (10,000 x 512
 * bytes stays inside the request-reply protocol's default 16 MiB). */
#define MWI_NAMING_MAX_BINDINGS 10000

/* A binding; name and ref.interface are malloc'd and owned by it. */
typedef struct mwi_binding {
    char *name;
    mw_objref ref;
} mwi_binding;

/* A valid name: 1 to MWI_NAMING_MAX_NAME bytes of UTF-8 without control characters (so
 * it prints on one line, and the store can separate fields with a tab). */
bool mwi_naming_valid_name(const char *s, size_t n);
/* Frees b[0..n) and b. */
void mwi_bindings_free(mwi_binding *b, size_t n);
/*
 * Reads a store: *out gets n bindings sorted by name (the caller frees them with
 * mwi_bindings_free). MW_ENOENT when the file does not exist; MW_EPROTO when it is not a
 * complete, well-formed store (the reason, with the line, logged at MW_LOG_ERROR);
 * MW_ELIMIT when it is too large; other I/O errors as MW_E... codes.
 */
int mwi_store_load(const char *path, mwi_binding **out, size_t *n);
/* Replaces the store with b[0..n) atomically: written to path.tmp, flushed to disk,
 * renamed over path, and the directory flushed, so that a crash at any point leaves the
 * old file or the new one. */
int mwi_store_save(const char *path, const mwi_binding *b, size_t n);

/* Runs fn(ctx) when the adapter is destroyed, after it has stopped serving (the naming
 * context frees its bindings so). MW_ENOMEM. */
int mwi_rmi_adapter_on_destroy(mw_rmi_adapter *a, void (*fn)(void *ctx), void *ctx);

#endif

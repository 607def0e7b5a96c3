/*
 * fuzz_rmi.c - the bodies of RMI requests and replies (src/rmi/wire.c, docs/protocol.md
 * "Remote method invocation"): what an object adapter decodes from any client and a proxy
 * from any server. The first input byte picks the decoder (even: a request's arguments,
 * odd: a reply with its user exceptions); the rest is the body. The operation carries the
 * built-in Showcase type (every kind, nesting, unions, any, object references) in and out,
 * and raises an exception with members and one without. Nothing may crash, read out of
 * bounds or leak; whatever decodes must encode again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmi/rmi_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const mw_rmi_exception ex_person = {.repo_id = "IDL:Fuzz/WithMembers:1.0",
                                           .type = &mw_t_person};
static const mw_rmi_exception ex_empty = {.repo_id = "IDL:Fuzz/Empty:1.0", .type = &mw_t_void};
static const mw_rmi_exception *const raises[] = {&ex_person, &ex_empty};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const mw_type *showcase = mw_builtin_type("Showcase");
    if (!showcase)
        return 0;
    const mw_rmi_operation op = {.name = "exchange",
                                 .id = 1,
                                 .in = showcase,
                                 .out = showcase,
                                 .raises = raises,
                                 .raises_count = 2};
    bool reply = data[0] & 1;
    data++;
    size--;
    mw_arena *arena;
    if (mw_arena_create(&arena, 0) != 0)
        return 0;
    void *value = mw_arena_calloc(arena, 1, showcase->size);
    mw_buf again;
    mw_buf_init(&again);
    if (value && !reply) {
        int order;
        uint64_t created;
        if (mwi_rmi_request_header(data, size, &order, &created) == 0 &&
            mwi_rmi_request_args(&op, data, size, order, value, arena, NULL) == 0) {
            const void *in[32];
            const mw_type *t = mw_type_resolve(showcase);
            for (uint32_t i = 0; i < t->u.st.count && i < 32; i++)
                in[i] = (const uint8_t *)value + t->u.st.fields[i].offset;
            if (mwi_rmi_request_encode(&again, created, &op, in) != 0)
                abort();
        }
    } else if (value) {
        const mw_rmi_exception *ex = NULL;
        void *exval = NULL;
        int rc = mwi_rmi_reply_decode(&op, data, size, value, arena, &ex, &exval, NULL);
        if (rc == 0 && mwi_rmi_reply_encode_ok(&again, &op, value) != 0)
            abort();
        if (rc == MW_RMI_EUSER) {
            if (!ex || (ex == &ex_person) != (exval != NULL))
                abort();
            if (mwi_rmi_reply_encode_user(&again, ex, exval) != 0)
                abort();
        }
    }
    mw_buf_free(&again);
    mw_arena_destroy(arena);
    return 0;
}

/*
 * proxy.c - the request-reply binding: what a generated proxy's mw_rmi_invoke reaches.
 * One request-reply client per proxy (a proxy is used by one thread at a time, as the
 * client is), its request and reply buffers kept between calls so that a warm proxy
 * allocates nothing but what the results need.
 */
#include <stdlib.h>
#include <string.h>

#include "rmi/rmi_impl.h"

typedef struct rr_proxy {
    mw_rmi_proxy pub;     /* first: the handle the application holds */
    mw_rr_client *client; /* one endpoint to the object's process */
    int protocol;         /* for two-way operations (0: the client's default, RR) */
    mw_buf req, rep;      /* reused by every call */
    char iface[];         /* the reference's interface name (pub.ref.interface) */
} rr_proxy;

static int rr_invoke(mw_rmi_proxy *p, const mw_rmi_operation *op, const void *const *in,
                     void *out, mw_arena *arena)
{
    rr_proxy *x = p->ctx;
    if (!x || !op || (op->in && !in) || (op->out && !op->oneway && (!out || !arena)))
        return MW_EINVAL;
    mw_buf_reset(&x->req);
    int rc = mwi_rmi_request_encode(&x->req, p->ref.created_ms, op, in);
    if (rc)
        return rc == MW_ENOMEM ? rc : MW_EINVAL;
    /* Oneway operations are the R protocol: sent once, no reply, the call completes
     * when the request has left. The others keep the proxy's protocol and semantics. */
    mw_rr_call_opts co = {.protocol = op->oneway ? MW_RR_R : x->protocol};
    rc = mw_rr_do_operation(x->client, &p->ref, op->id, x->req.data, x->req.len,
                            op->oneway ? NULL : &x->rep, &co);
    if (rc || op->oneway)
        return rc;
    const mw_rmi_exception *ex = NULL;
    void *exval = NULL;
    rc = mwi_rmi_reply_decode(op, x->rep.data, x->rep.len, out, arena, &ex, &exval, NULL);
    if (rc == MW_RMI_EUSER) {
        p->exception = ex;
        p->exception_value = exval;
    }
    /* A large reply's buffer is not worth keeping for the next, usually small, one. */
    if (x->rep.cap > (1u << 20))
        mw_buf_free(&x->rep);
    return rc;
}

const mw_rmi_binding mw_rmi_binding_rr = {.name = "rr", .invoke = rr_invoke};

int mw_rmi_proxy_open(mw_rmi_proxy **out, const mw_objref *ref, const mw_rmi_proxy_opts *opts)
{
    if (!out || !ref)
        return MW_EINVAL;
    const char *iface = ref->interface ? ref->interface : "";
    size_t n = strlen(iface);
    rr_proxy *x = calloc(1, sizeof *x + n + 1);
    if (!x)
        return MW_ENOMEM;
    memcpy(x->iface, iface, n + 1);
    x->pub.binding = &mw_rmi_binding_rr;
    x->pub.ctx = x;
    x->pub.ref = *ref;
    x->pub.ref.interface = x->iface;
    x->protocol = opts ? opts->rr.protocol : 0;
    if (x->protocol == MW_RR_R) {
        /* R for two-way operations would lose every result: refuse it at once. */
        free(x);
        return MW_EINVAL;
    }
    int rc = mw_rr_client_open(&x->client, &ref->address, opts ? &opts->rr : NULL);
    if (rc) {
        free(x);
        return rc;
    }
    *out = &x->pub;
    return 0;
}

void mw_rmi_proxy_close(mw_rmi_proxy *p)
{
    if (!p)
        return;
    rr_proxy *x = p->ctx;
    mw_rr_client_close(x->client);
    mw_buf_free(&x->req);
    mw_buf_free(&x->rep);
    free(x);
}

/*
 * adapter.c - the object adapter: a table of exported servants keyed by object number,
 * and one request-reply handler (the rr server's catch-all, since objects come and go
 * while it runs) that finds the object, checks that the reference is current, decodes
 * the arguments, calls the servant through the generated skeleton and marshals the
 * reply (wire.c).
 *
 * Objects are reference-counted so that unexport can promise what the header says: once
 * it returns, no call runs on the servant any more, and the application may free it. The
 * one exception is a servant unexporting itself from inside one of its own calls, which
 * must not wait for itself.
 */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "rmi/rmi_impl.h"

/* Object numbers below this are for well-known objects exported with a fixed number (the
 * naming context is 1); automatic numbers start here, so the two never meet. */
#define FIRST_AUTO_NUMBER 100
/* Call arenas kept for reuse: one per worker thread is enough to allocate nothing per
 * call; more would only hold memory. */
#define ARENA_CACHE 16

/* An exported object. */
typedef struct entry {
    uint32_t number;             /* object number */
    const mw_rmi_skeleton *skel; /* dispatch table */
    const void *servant;         /* the application's servant struct */
    void *self;                  /* its functions' first argument */
    uint32_t *hashes;            /* interface hashes it answers to: its own and its bases' */
    uint32_t nhashes;
    uint32_t refs; /* under mu: the table's reference + calls executing */
    bool gone;     /* under mu: unexported */
    bool waiting;  /* under mu: an unexport waits for the calls to end and
                      frees the entry itself */
} entry;

typedef struct cleanup {
    void (*fn)(void *ctx);
    void *ctx;
    struct cleanup *next;
} cleanup;

struct mw_rmi_adapter {
    mw_rr_server *rr;    /* the request-reply server underneath */
    mw_addr advertise;   /* the address put in references */
    uint64_t created_ms; /* this process's creation time, as references carry it */
    uv_mutex_t mu;       /* guards everything below */
    uv_cond_t cv;        /* calls ending (for unexport), stop */
    entry **objs;        /* sorted by number */
    size_t nobjs, cap;
    uint32_t next_number;          /* the next automatic number to try */
    bool stopped;                  /* mw_rmi_adapter_stop was called */
    mw_arena *arenas[ARENA_CACHE]; /* reset call arenas */
    size_t narenas;
    cleanup *cleanups; /* run by destroy */
};

/* The object whose call this thread is executing (NULL: none), for unexport. */
static _Thread_local entry *serving;

/* ---- the object table ------------------------------------------------------------- */

/* Index of number in a->objs, or of where it would go. Under mu. */
static size_t lower_bound(const mw_rmi_adapter *a, uint32_t number)
{
    size_t lo = 0, hi = a->nobjs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->objs[mid]->number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static entry *find(const mw_rmi_adapter *a, uint32_t number)
{
    size_t i = lower_bound(a, number);
    return i < a->nobjs && a->objs[i]->number == number ? a->objs[i] : NULL;
}

static void free_entry(entry *e)
{
    free(e->hashes);
    free(e);
}

/* Adds the hashes of iface and, recursively, of its bases (each once). A diamond
 * revisits a base, so duplicates are skipped. */
static int add_hashes(entry *e, const mw_rmi_interface *iface, uint32_t *cap, int depth)
{
    /* Interfaces are generated constants, but a cycle would still be a bug: bound it. */
    if (depth > 64)
        return MW_EDEPTH;
    uint32_t h = mw_rr_interface_hash(iface->name);
    bool seen = false;
    for (uint32_t i = 0; i < e->nhashes && !seen; i++)
        seen = e->hashes[i] == h;
    if (!seen) {
        if (e->nhashes == *cap) {
            uint32_t ncap = *cap ? 2 * *cap : 4;
            uint32_t *n = realloc(e->hashes, ncap * sizeof *n);
            if (!n)
                return MW_ENOMEM;
            e->hashes = n;
            *cap = ncap;
        }
        e->hashes[e->nhashes++] = h;
    }
    for (uint32_t i = 0; i < iface->base_count; i++) {
        int rc = add_hashes(e, iface->bases[i], cap, depth + 1);
        if (rc)
            return rc;
    }
    return 0;
}

static bool answers_to(const entry *e, uint32_t hash)
{
    for (uint32_t i = 0; i < e->nhashes; i++)
        if (e->hashes[i] == hash)
            return true;
    return false;
}

/* ---- a call's hold on its object and arena ------------------------------------- */

/* Takes a hold on object `number` (NULL: not exported) and a cached call arena (*ar,
 * NULL when none is cached), under one lock: a call costs two lock round trips in all. */
static entry *hold(mw_rmi_adapter *a, uint32_t number, mw_arena **ar)
{
    uv_mutex_lock(&a->mu);
    entry *e = find(a, number);
    if (e) {
        e->refs++;
        *ar = a->narenas ? a->arenas[--a->narenas] : NULL;
    }
    uv_mutex_unlock(&a->mu);
    return e;
}

/* Ends a call's hold on e and gives its arena back (reset; freed past the cache). */
static void release(mw_rmi_adapter *a, entry *e, mw_arena *ar)
{
    if (ar)
        mw_arena_reset(ar);
    uv_mutex_lock(&a->mu);
    if (ar && a->narenas < ARENA_CACHE) {
        a->arenas[a->narenas++] = ar;
        ar = NULL;
    }
    bool last = --e->refs == 0 && e->gone && !e->waiting;
    if (e->waiting)
        uv_cond_broadcast(&a->cv);
    uv_mutex_unlock(&a->mu);
    mw_arena_destroy(ar);
    if (last)
        free_entry(e);
}

/* ---- dispatch --------------------------------------------------------------------- */

/* True when ex is one of the exceptions op declares. */
static bool declared(const mw_rmi_operation *op, const mw_rmi_exception *ex)
{
    for (uint32_t i = 0; ex && i < op->raises_count; i++)
        if (op->raises[i] == ex || strcmp(op->raises[i]->repo_id, ex->repo_id) == 0)
            return true;
    return false;
}

/* Runs the servant's function and marshals its outcome into reply. */
static int invoke(const entry *e, const mw_rmi_skel_entry *se, const mw_rr_request *req,
                  int order, mw_arena *ar, mw_buf *reply)
{
    const mw_rmi_operation *op = se->op;
    void *in = NULL, *out = NULL;
    if (op->in && !(in = mw_arena_calloc(ar, 1, op->in->size)))
        return MW_ENOMEM;
    if (op->out && !(out = mw_arena_calloc(ar, 1, op->out->size)))
        return MW_ENOMEM;
    mw_marshal_error err = {0};
    if (mwi_rmi_request_args(op, req->args, req->args_len, order, in, ar, &err) != 0) {
        mwi_log(MW_LOG_WARN, "rmi", "%s: arguments do not decode at byte %zu: %s", op->name,
                err.offset + MWI_RMI_REQUEST_HEADER, err.detail);
        return MW_EPROTO;
    }
    /* The env's request is the rr request: const to us, opaque to the servant. */
    mw_rmi_env env = {.arena = ar, .request = (void *)(uintptr_t)req};
    entry *was = serving;
    serving = (entry *)(uintptr_t)e;
    int rc = se->call(e->servant, e->self, in, out, &env);
    serving = was;
    if (op->oneway)
        return rc; /* nothing goes back (the R protocol sends no reply) */
    if (rc == 0) {
        rc = mwi_rmi_reply_encode_ok(reply, op, out);
        if (rc && rc != MW_ENOMEM) {
            mwi_log(MW_LOG_WARN, "rmi", "%s: the servant's results do not encode: %s", op->name,
                    mw_strerror(rc));
            rc = MW_EPROTO;
        }
        return rc;
    }
    if (rc == MW_RMI_EUSER) {
        /* An exception outside the raises list could not be decoded by the caller: it is
         * the servant's bug, reported as a marshalling failure. */
        if (!declared(op, env.exception)) {
            mwi_log(MW_LOG_WARN, "rmi", "%s: the servant raised an undeclared exception",
                    op->name);
            return MW_EPROTO;
        }
        int erc = mwi_rmi_reply_encode_user(reply, env.exception, env.exception_value);
        return erc == 0 ? 0 : erc == MW_ENOMEM ? erc : MW_EPROTO;
    }
    return rc < 0 ? rc : MW_ESYS; /* servants return 0 or negative codes */
}

/* What a request for an exported object goes through before the servant runs. *ar is
 * the call's arena, created here if the cache had none. */
static int serve(mw_rmi_adapter *a, const entry *e, const mw_rr_request *req, mw_buf *reply,
                 mw_arena **ar)
{
    /* The reference's interface must be the object's or one of its bases' (a proxy
     * narrowed to a base interface may call a derived object). */
    if (req->interface_hash && !answers_to(e, req->interface_hash))
        return MW_ENOOBJECT;
    int order;
    uint64_t created;
    if (mwi_rmi_request_header(req->args, req->args_len, &order, &created) != 0)
        return MW_EPROTO;
    /* A reference made by an earlier process on this port names an object that is gone,
     * even if this process has one with the same number. 0: a bootstrap reference. */
    if (created != 0 && created != a->created_ms)
        return MW_ENOOBJECT;
    const mw_rmi_skel_entry *se = mw_rmi_skeleton_find(e->skel, req->operation);
    if (!se)
        return MW_EBADOP;
    if (!*ar && mw_arena_create(ar, 0) != 0)
        return MW_ENOMEM;
    return invoke(e, se, req, order, *ar, reply);
}

static int dispatch(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    mw_rmi_adapter *a = ctx;
    mw_arena *ar = NULL;
    entry *e = hold(a, req->object_number, &ar);
    if (!e)
        return MW_ENOOBJECT;
    int rc = serve(a, e, req, reply, &ar);
    if (rc)
        reply->len = 0;
    release(a, e, ar);
    return rc;
}

/* ---- the adapter ------------------------------------------------------------------ */

static bool is_wildcard(const mw_addr *x)
{
    size_t n = x->family == MW_AF_INET4 ? 4 : 16;
    for (size_t i = 0; i < n; i++)
        if (x->ip[i])
            return false;
    return true;
}

int mw_rmi_adapter_create(mw_rmi_adapter **out, const mw_addr *local,
                          const mw_rmi_adapter_opts *opts)
{
    if (!out)
        return MW_EINVAL;
    mw_rmi_adapter *a = calloc(1, sizeof *a);
    if (!a)
        return MW_ENOMEM;
    if (uv_mutex_init(&a->mu) != 0) {
        free(a);
        return MW_ESYS;
    }
    if (uv_cond_init(&a->cv) != 0) {
        uv_mutex_destroy(&a->mu);
        free(a);
        return MW_ESYS;
    }
    a->created_ms = mw_objref_process_time();
    a->next_number = FIRST_AUTO_NUMBER;
    int flags = opts ? opts->flags : 0;
    int rc = flags & ~MW_RMI_INLINE ? MW_EINVAL : 0;
    if (rc == 0)
        rc = mw_rr_server_create(&a->rr, local, opts ? &opts->rr : NULL);
    if (rc == 0)
        rc = mw_rr_server_handle_any(a->rr, dispatch, a,
                                     flags & MW_RMI_INLINE ? MW_RR_INLINE : 0);
    mw_addr bound;
    if (rc == 0)
        rc = mw_rr_server_addr(a->rr, &bound);
    if (rc) {
        mw_rmi_adapter_destroy(a);
        return rc;
    }
    if (opts && opts->advertise) {
        a->advertise = *opts->advertise;
        if (a->advertise.port == 0)
            a->advertise.port = bound.port;
    } else if (is_wildcard(&bound)) {
        mw_addr_loopback(&a->advertise, bound.family, bound.port);
    } else {
        a->advertise = bound;
    }
    *out = a;
    return 0;
}

int mw_rmi_adapter_export(mw_rmi_adapter *a, const mw_rmi_skeleton *skel, const void *servant,
                          void *self, uint32_t object_number, mw_objref *ref, mw_arena *arena)
{
    if (!a || !skel || !skel->iface || !skel->iface->name || !servant || !ref || !arena)
        return MW_EINVAL;
    const char *name = skel->iface->name;
    char *iface = mw_arena_strndup(arena, name, strlen(name));
    entry *e = calloc(1, sizeof *e);
    if (!iface || !e) {
        free(e);
        return MW_ENOMEM;
    }
    *e = (entry){.skel = skel, .servant = servant, .self = self, .refs = 1};
    uint32_t cap = 0;
    int rc = add_hashes(e, skel->iface, &cap, 0);
    if (rc) {
        free_entry(e);
        return rc;
    }
    uv_mutex_lock(&a->mu);
    if (object_number == 0) {
        /* The next free automatic number; numbers are not reused soon, so a reference to
         * an unexported object does not reach a newer one by accident. */
        object_number = a->next_number;
        while (find(a, object_number)) {
            if (++object_number == 0)
                object_number = FIRST_AUTO_NUMBER;
        }
        a->next_number = object_number + 1 ? object_number + 1 : FIRST_AUTO_NUMBER;
    } else if (find(a, object_number)) {
        rc = MW_EEXIST;
    }
    if (rc == 0 && a->nobjs == a->cap) {
        size_t ncap = a->cap ? 2 * a->cap : 16;
        entry **n = realloc(a->objs, ncap * sizeof *n);
        if (n) {
            a->objs = n;
            a->cap = ncap;
        } else {
            rc = MW_ENOMEM;
        }
    }
    if (rc == 0) {
        e->number = object_number;
        size_t at = lower_bound(a, object_number);
        memmove(&a->objs[at + 1], &a->objs[at], (a->nobjs - at) * sizeof *a->objs);
        a->objs[at] = e;
        a->nobjs++;
    }
    uv_mutex_unlock(&a->mu);
    if (rc) {
        free_entry(e);
        return rc;
    }
    ref->address = a->advertise;
    ref->created_ms = a->created_ms;
    ref->object_number = object_number;
    ref->interface = iface;
    return 0;
}

int mw_rmi_adapter_unexport(mw_rmi_adapter *a, const mw_objref *ref)
{
    if (!a || !ref)
        return MW_EINVAL;
    if (ref->created_ms != 0 && ref->created_ms != a->created_ms)
        return MW_ENOENT;
    uv_mutex_lock(&a->mu);
    size_t i = lower_bound(a, ref->object_number);
    if (i == a->nobjs || a->objs[i]->number != ref->object_number) {
        uv_mutex_unlock(&a->mu);
        return MW_ENOENT;
    }
    entry *e = a->objs[i];
    memmove(&a->objs[i], &a->objs[i + 1], (a->nobjs - i - 1) * sizeof *a->objs);
    a->nobjs--;
    e->gone = true;
    e->refs--;
    /* Wait for the calls executing on it, except the one this thread is in. */
    uint32_t mine = serving == e ? 1 : 0;
    e->waiting = true;
    while (e->refs > mine)
        uv_cond_wait(&a->cv, &a->mu);
    e->waiting = false;
    bool last = e->refs == 0;
    uv_mutex_unlock(&a->mu);
    if (last)
        free_entry(e); /* else this thread's call frees it when it ends (release) */
    return 0;
}

int mw_rmi_adapter_start(mw_rmi_adapter *a)
{
    return a ? mw_rr_server_start(a->rr) : MW_EINVAL;
}

void mw_rmi_adapter_stop(mw_rmi_adapter *a)
{
    if (!a)
        return;
    uv_mutex_lock(&a->mu);
    a->stopped = true;
    uv_cond_broadcast(&a->cv);
    uv_mutex_unlock(&a->mu);
}

int mw_rmi_adapter_wait(mw_rmi_adapter *a, int timeout_ms)
{
    if (!a)
        return MW_EINVAL;
    uint64_t deadline = timeout_ms < 0 ? 0 : mw_now_ns() + (uint64_t)timeout_ms * 1000000u;
    int rc = 0;
    uv_mutex_lock(&a->mu);
    while (!a->stopped) {
        if (timeout_ms < 0) {
            uv_cond_wait(&a->cv, &a->mu);
            continue;
        }
        uint64_t now = mw_now_ns();
        if (now >= deadline) {
            rc = MW_ETIMEDOUT;
            break;
        }
        (void)uv_cond_timedwait(&a->cv, &a->mu, deadline - now);
    }
    uv_mutex_unlock(&a->mu);
    return rc;
}

int mw_rmi_adapter_addr(mw_rmi_adapter *a, mw_addr *out)
{
    return a && out ? mw_rr_server_addr(a->rr, out) : MW_EINVAL;
}

int mwi_rmi_adapter_on_destroy(mw_rmi_adapter *a, void (*fn)(void *ctx), void *ctx)
{
    cleanup *c = malloc(sizeof *c);
    if (!c)
        return MW_ENOMEM;
    *c = (cleanup){.fn = fn, .ctx = ctx};
    uv_mutex_lock(&a->mu);
    c->next = a->cleanups;
    a->cleanups = c;
    uv_mutex_unlock(&a->mu);
    return 0;
}

void mw_rmi_adapter_destroy(mw_rmi_adapter *a)
{
    if (!a)
        return;
    /* First the server: calls being executed finish and their replies go out, so nothing
     * below is in use any more. */
    mw_rr_server_destroy(a->rr);
    while (a->cleanups) {
        cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->ctx);
        free(c);
    }
    for (size_t i = 0; i < a->nobjs; i++)
        free_entry(a->objs[i]);
    free(a->objs);
    for (size_t i = 0; i < a->narenas; i++)
        mw_arena_destroy(a->arenas[i]);
    uv_cond_destroy(&a->cv);
    uv_mutex_destroy(&a->mu);
    free(a);
}

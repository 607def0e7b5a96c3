/*
 * server.c - the public server: N loop threads (each a server_loop.c loop; with UDP each
 * has its own SO_REUSEPORT socket on the shared port, so the kernel spreads clients over
 * them and a client always meets the same loop and history), handlers registered by
 * operationId, a worker pool, and statistics summed over the loops.
 */
#include <stdlib.h>
#include <string.h>

#include "rr/server_impl.h"

/* Default worker threads: handlers that block (on I/O, a lock) still leave one free. */
#define DEFAULT_WORKERS 2
/* Most loop threads: beyond the cores of any machine this runs on. */
#define MAX_LOOPS 64

struct mw_rr_server {
    mwi_loop_cfg cfg;
    int nloops;          /* loops created */
    int nworkers;
    mwi_loop *loops;     /* nloops of them */
    mwi_dispatch dispatch; /* the handlers, sorted by operationId */
    size_t ops_cap;
    bool started;
};

int mw_rr_server_create(mw_rr_server **out, const mw_addr *local, const mw_rr_server_opts *opts)
{
    if (!out)
        return MW_EINVAL;
    mw_rr_server *s = calloc(1, sizeof *s);
    if (!s)
        return MW_ENOMEM;
    int rc = mwi_loop_cfg_from(opts, &s->cfg);
    int loops = opts && opts->loops ? opts->loops : 1;
    s->nworkers = opts && opts->workers ? opts->workers : DEFAULT_WORKERS;
    if (rc == 0 && (loops > MAX_LOOPS || s->nworkers > 1024))
        rc = MW_EINVAL;
    if (s->cfg.transport == MW_RR_TCP)
        loops = 1; /* one listener; connections share the loop's history */
    if (rc == 0 && !(s->loops = calloc((size_t)loops, sizeof *s->loops)))
        rc = MW_ENOMEM;
    if (rc == 0 && loops > 1)
        s->cfg.udp_flags = MW_UDP_REUSEPORT;
    /* The first loop binds (perhaps to port 0); the others join it on the port it got. */
    for (int i = 0; rc == 0 && i < loops; i++) {
        const mw_addr *where = i == 0 ? local : &s->loops[0].addr;
        rc = mwi_loop_init(&s->loops[i], &s->cfg, where, &s->dispatch);
        if (rc == 0)
            s->nloops = i + 1;
    }
    if (rc) {
        mw_rr_server_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Makes room for n handler slots. */
static int ops_reserve(mw_rr_server *s, size_t n)
{
    if (n <= s->ops_cap)
        return 0;
    size_t cap = s->ops_cap ? 2 * s->ops_cap : 8;
    while (cap < n)
        cap *= 2;
    mwi_op *ops = realloc(s->dispatch.ops, cap * sizeof *ops);
    if (!ops)
        return MW_ENOMEM;
    s->dispatch.ops = ops;
    s->ops_cap = cap;
    return 0;
}

int mw_rr_server_handle(mw_rr_server *s, uint32_t op, const char *name, mw_rr_handler_fn fn,
                        void *ctx, int flags)
{
    if (!s || !fn || (flags & ~MW_RR_INLINE))
        return MW_EINVAL;
    if (s->started)
        return MW_ESTATE;
    mwi_dispatch *d = &s->dispatch;
    size_t at = 0;
    while (at < d->nops && d->ops[at].op < op)
        at++;
    if (at < d->nops && d->ops[at].op == op)
        return MW_EEXIST;
    /* Room for one more operation and the catch-all slot that follows the table. */
    int rc = ops_reserve(s, d->nops + 2);
    if (rc)
        return rc;
    char *copy = NULL;
    if (name) {
        size_t n = strlen(name);
        if (!(copy = malloc(n + 1)))
            return MW_ENOMEM;
        memcpy(copy, name, n + 1);
    }
    memmove(&d->ops[at + 1], &d->ops[at], (mwi_dispatch_slots(d) - at) * sizeof *d->ops);
    d->ops[at] = (mwi_op){.op = op, .name = copy, .fn = fn, .ctx = ctx, .flags = flags};
    d->nops++;
    return 0;
}

int mw_rr_server_handle_any(mw_rr_server *s, mw_rr_handler_fn fn, void *ctx, int flags)
{
    if (!s || !fn || (flags & ~MW_RR_INLINE))
        return MW_EINVAL;
    if (s->started)
        return MW_ESTATE;
    mwi_dispatch *d = &s->dispatch;
    if (d->any)
        return MW_EEXIST;
    int rc = ops_reserve(s, d->nops + 1);
    if (rc)
        return rc;
    char *copy = malloc(2);
    if (!copy)
        return MW_ENOMEM;
    memcpy(copy, "*", 2);
    /* Kept past the sorted table, so lookups by operationId never meet it. */
    d->ops[d->nops] = (mwi_op){.op = 0, .name = copy, .fn = fn, .ctx = ctx, .flags = flags};
    d->any = true;
    return 0;
}

static void loop_main(void *arg) { mwi_loop_run(arg); }

int mw_rr_server_start(mw_rr_server *s)
{
    if (!s)
        return MW_EINVAL;
    if (s->started)
        return MW_ESTATE;
    /* Per-operation counters, now that the table is final. */
    for (int i = 0; i < s->nloops; i++) {
        mwi_loop *L = &s->loops[i];
        size_t slots = mwi_dispatch_slots(&s->dispatch);
        if (slots && !L->op_exec && !(L->op_exec = calloc(slots, sizeof *L->op_exec)))
            return MW_ENOMEM;
    }
    int rc = mwi_pool_create(&s->dispatch.pool, s->nworkers, &s->dispatch);
    if (rc)
        return rc;
    s->started = true;
    for (int i = 0; i < s->nloops; i++) {
        if ((rc = mw_thread_start(&s->loops[i].thread, loop_main, &s->loops[i])) != 0) {
            s->loops[i].thread = NULL;
            return rc; /* destroy stops the threads already running */
        }
    }
    return 0;
}

int mw_rr_server_addr(mw_rr_server *s, mw_addr *out)
{
    if (!s || !out)
        return MW_EINVAL;
    *out = s->loops[0].addr;
    return 0;
}

void mw_rr_server_stats_get(mw_rr_server *s, mw_rr_server_stats *out)
{
    if (!s || !out)
        return;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < s->nloops; i++)
        mwi_loop_stats_add(&s->loops[i], out);
}

int mw_rr_server_op_stats(mw_rr_server *s, size_t i, mw_rr_op_stats *out)
{
    if (!s || !out)
        return MW_EINVAL;
    if (i >= mwi_dispatch_slots(&s->dispatch))
        return MW_ENOENT;
    out->operation = s->dispatch.ops[i].op;
    out->name = s->dispatch.ops[i].name;
    out->executions = 0;
    for (int l = 0; l < s->nloops; l++) {
        if (s->loops[l].op_exec)
            out->executions += MWI_STAT_GET(s->loops[l].op_exec[i]);
    }
    return 0;
}

void mw_rr_server_destroy(mw_rr_server *s)
{
    if (!s)
        return;
    /* Handlers still running finish and hand their jobs back to the loops, which are
     * still running and send the replies; then the loops stop. */
    mwi_pool_stop(s->dispatch.pool);
    /* Every loop is asked first, so they wind down together rather than one by one. */
    for (int i = 0; i < s->nloops; i++) {
        if (s->loops[i].thread)
            mwi_loop_request_stop(&s->loops[i]);
    }
    for (int i = 0; i < s->nloops; i++) {
        if (s->loops[i].thread) {
            mw_thread_join(s->loops[i].thread);
            s->loops[i].thread = NULL;
        }
    }
    for (int i = 0; i < s->nloops; i++)
        mwi_loop_fini(&s->loops[i]);
    mwi_pool_destroy(s->dispatch.pool);
    for (size_t i = 0; i < mwi_dispatch_slots(&s->dispatch); i++)
        free(s->dispatch.ops[i].name);
    free(s->dispatch.ops);
    free(s->loops);
    free(s);
}

/*
 * server_impl.h - what the server files share: a loop (one libuv loop, its socket or
 * listener, its state machine and statistics), jobs (requests on their way through a
 * handler), the worker pool, and the two users of loops: mw_rr_server (loop threads,
 * handlers, workers) and mw_rr_port (one loop run by mw_rr_get_request on the caller's
 * thread).
 */
#ifndef MW_RR_SERVER_IMPL_H
#define MW_RR_SERVER_IMPL_H

#include <uv.h>

#include "rr/ssm.h"

typedef struct mwi_loop mwi_loop;
typedef struct mwi_pool mwi_pool;
typedef struct mwi_tconn mwi_tconn;

/* A request travelling from the loop to a handler (or the port's caller) and back. */
typedef struct mwi_job {
    mwi_rrs_job key;      /* what the state machine needs to send the reply */
    mw_rr_request req;    /* the view handed to the handler; req.args points into args */
    mw_buf args;          /* the arguments, copied */
    mw_buf reply;         /* the handler's reply body */
    int status;           /* the handler's result */
    int op_index;         /* index of the handler in the server's table */
    mwi_loop *loop;       /* the loop it came from and goes back to */
    struct mwi_job *next; /* in a queue or free list */
    struct mwi_job *all;  /* every job the loop allocated, so closing frees them all, even
                             those a port's caller took and never replied to */
} mwi_job;

/* A registered operation. */
typedef struct mwi_op {
    uint32_t op;          /* operationId */
    char *name;           /* for the statistics (owned) */
    mw_rr_handler_fn fn;
    void *ctx;
    int flags;            /* MW_RR_INLINE */
} mwi_op;

/* The handler table a loop dispatches on (NULL for a port). */
typedef struct mwi_dispatch {
    mwi_op *ops;          /* sorted by op */
    size_t nops;
    bool any;             /* ops[nops] (past the sorted table) is the catch-all handler of
                             mw_rr_server_handle_any, for operationIds with no handler */
    mwi_pool *pool;       /* where non-inline handlers run */
} mwi_dispatch;

/* Handler slots of a table: the sorted operations and the catch-all, if any. */
static inline size_t mwi_dispatch_slots(const mwi_dispatch *d)
{
    return d->nops + (d->any ? 1 : 0);
}

/* Settings of every loop, resolved from mw_rr_server_opts. */
typedef struct mwi_loop_cfg {
    int transport;        /* MW_RR_UDP or MW_RR_TCP */
    mwi_rrs_cfg sm;       /* the state machine's settings */
    int backlog;          /* TCP */
    int udp_flags;        /* MW_UDP_REUSEPORT when loops share a port */
    uint64_t spin_ns;     /* poll without sleeping this long after the last event */
} mwi_loop_cfg;

struct mwi_loop {
    uv_loop_t uv;
    mwi_loop_cfg cfg;
    const mwi_dispatch *dispatch; /* NULL: port mode, requests queue for get_request */
    mwi_rrs sm;
    mw_addr addr;           /* bound address */
    /* UDP */
    mw_udp *udp;
    uv_poll_t udp_poll;
    uint8_t *rx;            /* buffers for a batch of datagrams (server_loop.c) */
    bool rx_batch;          /* requests queue up: receive them in batches */
    uint32_t rx_probe;      /* single mode: events since the last batch tried */
    /* TCP */
    uv_tcp_t listener;
    mwi_tconn **conns;      /* by peer address */
    size_t nconn_buckets, nconns;
    mwi_tconn *conn_list;   /* all open connections */
    /* time and wake-ups */
    uv_timer_t tick;        /* history expiry */
    uv_async_t wake;        /* completions from workers, stop requests */
    bool handles_open;
    /* completions from workers, under mu */
    uv_mutex_t mu;
    mwi_job *done_head, *done_tail;
    bool stop;              /* under mu: close the loop */
    _Atomic bool stopping;  /* stop, readable without the lock (run_direct) */
    bool direct;            /* a server thread's UDP loop that waits in the receive */
    /* port mode: requests waiting for mw_rr_get_request */
    mwi_job *ready_head, *ready_tail;
    mwi_job *free_jobs;     /* recycled jobs (loop thread only) */
    mwi_job *all_jobs;      /* every job allocated (linked through all) */
    size_t njobs;           /* jobs allocated */
    size_t jobs_out;        /* jobs with a worker, in a queue, or with the port's caller */
    mw_buf inline_reply;    /* reply buffer of inline handlers */
    /* statistics the loop thread writes */
    _Atomic uint64_t *op_exec; /* per handler */
    _Atomic uint64_t executions, unknown_ops, jobs_bytes;
    uint64_t events;        /* I/O events handled (loop thread only), for spinning */
    mw_thread *thread;      /* server mode */
};

/* Sets up L bound to local (its port may be 0). MW_E... on failure, L then needs no
 * cleanup. */
int mwi_loop_init(mwi_loop *L, const mwi_loop_cfg *cfg, const mw_addr *local,
                  const mwi_dispatch *dispatch);
/* Closes every handle, runs the loop until they are closed, frees everything. Jobs still
 * with workers must have come back first. */
void mwi_loop_fini(mwi_loop *L);
/* Runs the loop until it is stopped, spinning first if configured (server threads). */
void mwi_loop_run(mwi_loop *L);
/* From any thread: asks the loop's uv_run to return (after sending queued replies). */
void mwi_loop_request_stop(mwi_loop *L);
/* Sends the reply of a job taken in port mode and recycles the job. */
void mwi_loop_reply(mwi_loop *L, mwi_job *job, int status, const uint8_t *body, size_t n);
/* Adds the loop's statistics to out. */
void mwi_loop_stats_add(mwi_loop *L, mw_rr_server_stats *out);
/* Resolves options into a loop configuration (and validates them). */
int mwi_loop_cfg_from(const mw_rr_server_opts *opts, mwi_loop_cfg *cfg);

/* The worker pool. */
int mwi_pool_create(mwi_pool **out, int nthreads, const mwi_dispatch *dispatch);
/* Queues a job; MW_ECLOSED once the pool is stopping. */
int mwi_pool_submit(mwi_pool *p, mwi_job *job);
/* Lets the workers finish the queued jobs and joins them; later submissions fail with
 * MW_ECLOSED. The pool stays allocated, so loops may still call mwi_pool_submit. */
void mwi_pool_stop(mwi_pool *p);
/* Stops (if needed) and frees the pool. */
void mwi_pool_destroy(mwi_pool *p);
/* A worker finished job: hands it back to its loop. */
void mwi_loop_complete(mwi_job *job);

#endif

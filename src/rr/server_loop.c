/*
 * server_loop.c - one server loop: a libuv loop around one UDP socket (or one TCP
 * listener and its connections), one server state machine, and the dispatch of requests
 * to handlers (inline, or through the worker pool), or to the port's queue.
 *
 * UDP goes through src/net's mw_udp under a uv_poll_t. While requests come one at a time
 * (the ping-pong case) a readiness event reads one datagram: one epoll_wait, one recvmsg
 * and one sendto per call, with no receive that only returns EAGAIN. When they queue up
 * (many clients) an event reads every datagram queued, up to RX_BATCH, in one recvmmsg,
 * so one wake-up and one receive serve several requests (on_udp). TCP uses libuv's
 * streams, which own the buffering of partial writes.
 *
 * A server's UDP loop thread goes one step further while no job is out with a worker
 * (run_direct): with nothing to wait for but datagrams, it waits in the receive itself,
 * one recvfrom (or recvmmsg) and one sendto per call and no epoll_wait, and runs the
 * history's timer itself. Once a request goes to a worker it hands over to libuv, whose
 * uv_async brings the completion, until no job is out again. A stop request wakes the
 * blocked receive by shutting down the socket's reading side.
 */
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "rr/server_impl.h"

/* Any UDP datagram fits, so none is ever truncated. */
#define RX_CAP MWI_DGRAM_CAP
/* Datagrams taken per readiness event in batch mode. With 8 clients on 2 CPUs a wake-up
 * found about 5 queued on average (measured); 8 buffers of 64 KiB are 512 KiB of address
 * space per loop, of which small requests touch a page each. */
#define RX_BATCH 8
/* In single mode, every RX_PROBE-th event tries a batch, to notice a queue building up. */
#define RX_PROBE 8
/* Receives in a row answered on the loop thread after which a server's UDP loop takes its
 * socket out of the epoll set (run_direct). */
#define DIRECT_STREAK 64
/* History expiry runs this often; TTLs are seconds, so precision does not matter. */
#define TICK_MS 250
/* Buffers larger than this are freed when a job is recycled. */
#define KEEP_JOB_BUF 65536
/* Requests a loop lets wait for workers (or for the port's caller) at most; beyond, new
 * ones are dropped unexecuted (their clients retransmit), so a flood of slow requests
 * cannot queue without bound. */
#define MAX_JOBS_OUT 8192
/* A TCP client that lets this much reply data pile up unread is disconnected. */
#define MAX_QUEUED_WRITES (64u << 20)

struct mwi_tconn {
    uv_tcp_t h;          /* the connection; h.data points here */
    mwi_loop *L;
    mw_addr peer;        /* the client's address and port: the route of its replies */
    mw_addr ident;       /* the same without the port: its identity */
    mw_buf rx;           /* bytes read: rx.data[off..rx.len) not yet parsed */
    size_t off;
    size_t queued;       /* bytes waiting in uv_write requests */
    bool closing;        /* uv_close called */
    bool listed;         /* in the hash and the list */
    mwi_tconn *hnext;    /* hash chain by peer */
    mwi_tconn *prev, *next; /* all connections */
};

typedef struct wreq {
    uv_write_t req;
    mwi_tconn *c;
    size_t n;
    uint8_t data[];
} wreq;

static int uv_err(int rc) { return rc < 0 ? mw_error_from_errno(-rc) : rc; }

/* ---- jobs -------------------------------------------------------------------------- */

static mwi_job *job_get(mwi_loop *L)
{
    if (L->jobs_out >= MAX_JOBS_OUT)
        return NULL;
    mwi_job *j = L->free_jobs;
    if (j) {
        L->free_jobs = j->next;
    } else {
        j = calloc(1, sizeof *j);
        if (!j)
            return NULL;
        j->all = L->all_jobs;
        L->all_jobs = j;
        L->njobs++;
        MWI_STAT_SET(L->jobs_bytes, L->njobs * sizeof *j);
    }
    L->jobs_out++;
    j->loop = L;
    j->next = NULL;
    mw_buf_reset(&j->args);
    mw_buf_reset(&j->reply);
    return j;
}

static void job_put(mwi_loop *L, mwi_job *j)
{
    L->jobs_out--;
    if (j->args.cap > KEEP_JOB_BUF)
        mw_buf_free(&j->args);
    if (j->reply.cap > KEEP_JOB_BUF)
        mw_buf_free(&j->reply);
    j->next = L->free_jobs;
    L->free_jobs = j;
}

static void job_free_all(mwi_job *j)
{
    while (j) {
        mwi_job *nx = j->all;
        mw_buf_free(&j->args);
        mw_buf_free(&j->reply);
        free(j);
        j = nx;
    }
}

/* ---- dispatch ---------------------------------------------------------------------- */

static int find_op(const mwi_dispatch *d, uint32_t op)
{
    size_t lo = 0, hi = d->nops;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->ops[mid].op < op)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->nops && d->ops[lo].op == op ? (int)lo : -1;
}

static void fill_req(mw_rr_request *r, const mwi_rrs_job *k, const uint8_t *args, size_t n)
{
    r->operation = k->op;
    r->object_number = k->objnum;
    r->interface_hash = k->ifhash;
    r->protocol = k->proto;
    r->semantics = k->sem;
    r->request_id = k->id;
    r->incarnation = k->inc;
    r->client = k->route;
    r->args = args;
    r->args_len = n;
}

static void count_exec(mwi_loop *L, int i)
{
    MWI_STAT_ADD(L->executions, 1);
    MWI_STAT_ADD(L->op_exec[i], 1);
}

static void sm_execute(void *ctx, const mwi_rrs_job *k, const uint8_t *args, size_t n)
{
    mwi_loop *L = ctx;
    const mwi_dispatch *D = L->dispatch;
    int i = -1;
    if (D) {
        i = find_op(D, k->op);
        if (i < 0 && D->any)
            i = (int)D->nops;
        if (i < 0) {
            MWI_STAT_ADD(L->unknown_ops, 1);
            mwi_rrs_reply(&L->sm, k, MW_ENOTSUP, NULL, 0, mw_now_ns());
            return;
        }
        const mwi_op *op = &D->ops[i];
        if (op->flags & MW_RR_INLINE) {
            /* On the loop thread, arguments read in place: no copy, no thread switch. */
            mw_rr_request req;
            fill_req(&req, k, args, n);
            mw_buf_reset(&L->inline_reply);
            int st = op->fn(op->ctx, &req, &L->inline_reply);
            count_exec(L, i);
            mwi_rrs_reply(&L->sm, k, st, L->inline_reply.data, L->inline_reply.len,
                          mw_now_ns());
            if (L->inline_reply.cap > KEEP_JOB_BUF)
                mw_buf_free(&L->inline_reply);
            return;
        }
    }
    mwi_job *job = job_get(L);
    if (!job || mw_buf_append(&job->args, args, n) != 0) {
        if (job)
            job_put(L, job);
        /* Overloaded (or out of memory): not executed, and its history entry goes with it,
         * or an at-most-once entry would wait forever. The client retransmits. */
        mwi_rrs_abandon(&L->sm, k, mw_now_ns());
        return;
    }
    job->key = *k;
    job->op_index = i;
    fill_req(&job->req, k, job->args.data, n);
    if (!D) {
        if (L->ready_tail)
            L->ready_tail->next = job;
        else
            L->ready_head = job;
        L->ready_tail = job;
        return;
    }
    if (mwi_pool_submit(D->pool, job) != 0) {
        job_put(L, job);
        mwi_rrs_reply(&L->sm, k, MW_ECLOSED, NULL, 0, mw_now_ns());
    }
}

void mwi_loop_complete(mwi_job *job)
{
    mwi_loop *L = job->loop;
    job->next = NULL;
    uv_mutex_lock(&L->mu);
    if (L->done_tail)
        L->done_tail->next = job;
    else
        L->done_head = job;
    L->done_tail = job;
    uv_mutex_unlock(&L->mu);
    uv_async_send(&L->wake);
}

void mwi_loop_reply(mwi_loop *L, mwi_job *job, int status, const uint8_t *body, size_t n)
{
    mwi_rrs_reply(&L->sm, &job->key, status, body, n, mw_now_ns());
    job_put(L, job);
}

/* ---- TCP connections --------------------------------------------------------------- */

static size_t conn_bucket(const mwi_loop *L, const mw_addr *a)
{
    uint32_t h = 2166136261u;
    const uint8_t *p = (const uint8_t *)a;
    for (size_t i = 0; i < sizeof *a; i++)
        h = (h ^ p[i]) * 16777619u;
    return h & (L->nconn_buckets - 1);
}

static mwi_tconn *conn_find(mwi_loop *L, const mw_addr *peer)
{
    if (!L->conns)
        return NULL;
    mwi_tconn *c = L->conns[conn_bucket(L, peer)];
    while (c && !mw_addr_equal(&c->peer, peer))
        c = c->hnext;
    return c;
}

static int conn_insert(mwi_loop *L, mwi_tconn *c)
{
    if (L->nconns + 1 > L->nconn_buckets) {
        size_t n = L->nconn_buckets ? L->nconn_buckets * 2 : 64;
        mwi_tconn **b = calloc(n, sizeof *b);
        if (!b)
            return MW_ENOMEM;
        mwi_tconn **old = L->conns;
        size_t oldn = L->nconn_buckets;
        L->conns = b;
        L->nconn_buckets = n;
        for (size_t i = 0; i < oldn; i++) {
            for (mwi_tconn *x = old[i], *nx; x; x = nx) {
                nx = x->hnext;
                size_t k = conn_bucket(L, &x->peer);
                x->hnext = b[k];
                b[k] = x;
            }
        }
        free(old);
    }
    size_t k = conn_bucket(L, &c->peer);
    c->hnext = L->conns[k];
    L->conns[k] = c;
    c->next = L->conn_list;
    if (c->next)
        c->next->prev = c;
    L->conn_list = c;
    L->nconns++;
    c->listed = true;
    return 0;
}

static void conn_free_cb(uv_handle_t *h)
{
    mwi_tconn *c = h->data;
    mw_buf_free(&c->rx);
    free(c);
}

static void conn_close(mwi_tconn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    mwi_loop *L = c->L;
    if (c->listed) {
        mwi_tconn **pp = &L->conns[conn_bucket(L, &c->peer)];
        while (*pp != c)
            pp = &(*pp)->hnext;
        *pp = c->hnext;
        if (c->prev)
            c->prev->next = c->next;
        else
            L->conn_list = c->next;
        if (c->next)
            c->next->prev = c->prev;
        L->nconns--;
        c->listed = false;
    }
    uv_close((uv_handle_t *)&c->h, conn_free_cb);
}

static void on_write(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    w->c->queued -= w->n;
    if (status < 0)
        conn_close(w->c);
    free(w);
}

static int tcp_send_to(mwi_loop *L, const mw_addr *to, const uint8_t *d, size_t n)
{
    mwi_tconn *c = conn_find(L, to);
    if (!c || c->closing)
        return MW_ECONNRESET;
    size_t done = 0;
    if (c->queued == 0) {
        /* Usually the whole frame goes at once and nothing is copied. */
        uv_buf_t b = uv_buf_init((char *)(uintptr_t)d, (unsigned)n);
        int r = uv_try_write((uv_stream_t *)&c->h, &b, 1);
        if (r >= 0 && (size_t)r == n)
            return 0;
        if (r < 0 && r != UV_EAGAIN) {
            conn_close(c);
            return uv_err(r);
        }
        done = r > 0 ? (size_t)r : 0;
    }
    size_t rest = n - done;
    if (c->queued + rest > MAX_QUEUED_WRITES) {
        conn_close(c);
        return MW_ECONNRESET;
    }
    wreq *w = malloc(sizeof *w + rest);
    if (!w) {
        conn_close(c); /* a frame cut short cannot be resumed */
        return MW_ENOMEM;
    }
    w->c = c;
    w->n = rest;
    memcpy(w->data, d + done, rest);
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)rest);
    int r = uv_write(&w->req, (uv_stream_t *)&c->h, &b, 1, on_write);
    if (r < 0) {
        free(w);
        conn_close(c);
        return uv_err(r);
    }
    c->queued += rest;
    return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    mwi_tconn *c = h->data;
    (void)suggested;
    if (mw_buf_reserve(&c->rx, 65536) != 0) {
        *buf = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS */
        return;
    }
    *buf = uv_buf_init((char *)c->rx.data + c->rx.len, (unsigned)(c->rx.cap - c->rx.len));
}

/* An oversized frame: answer a request with MW_EMSGSIZE before closing. */
static void refuse_frame(mwi_loop *L, mwi_tconn *c, const uint8_t *d)
{
    mwi_rr_hdr h;
    mwi_rr_hdr_peek(d, &h);
    MWI_STAT_ADD(L->sm.stats.oversize, 1);
    if (h.type != MWI_RR_REQUEST || mwi_rr_hdr_proto(&h) == MW_RR_R)
        return;
    mwi_rr_hdr r;
    memset(&r, 0, sizeof r);
    r.type = MWI_RR_REPLY;
    r.flags = h.flags & (MWI_RR_F_PROTO_MASK | MWI_RR_F_SEM_MASK);
    r.inc = h.inc;
    r.id = h.id;
    r.op = (uint32_t)MW_EMSGSIZE;
    uint8_t out[MW_RR_HEADER_SIZE];
    mwi_rr_hdr_encode(out, &r);
    (void)tcp_send_to(L, &c->peer, out, sizeof out);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    mwi_tconn *c = s->data;
    mwi_loop *L = c->L;
    (void)buf;
    L->events++;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    c->rx.len += (size_t)nread;
    while (!c->closing) {
        size_t avail = c->rx.len - c->off, flen;
        int rc = mwi_rr_frame_len(c->rx.data + c->off, avail, L->cfg.sm.max_message, &flen);
        if (rc == MW_EAGAIN)
            break;
        if (rc == MW_EMSGSIZE) {
            refuse_frame(L, c, c->rx.data + c->off);
            conn_close(c);
            return;
        }
        if (rc) {
            MWI_STAT_ADD(L->sm.stats.malformed, 1);
            conn_close(c);
            return;
        }
        if (avail < flen)
            break;
        mwi_rrs_input(&L->sm, &c->peer, &c->ident, c->rx.data + c->off, flen, mw_now_ns());
        c->off += flen;
    }
    if (c->off == c->rx.len) {
        c->off = 0;
        mw_buf_reset(&c->rx);
    } else if (c->off > 0) {
        memmove(c->rx.data, c->rx.data + c->off, c->rx.len - c->off);
        c->rx.len -= c->off;
        c->off = 0;
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    mwi_loop *L = server->data;
    if (status < 0)
        return;
    mwi_tconn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->L = L;
    uv_tcp_init(&L->uv, &c->h);
    c->h.data = c;
    struct sockaddr_storage ss;
    int len = sizeof ss;
    if (uv_accept(server, (uv_stream_t *)&c->h) != 0 ||
        uv_tcp_getpeername(&c->h, (struct sockaddr *)&ss, &len) != 0 ||
        mwi_addr_from_sockaddr(&c->peer, (struct sockaddr *)&ss, (socklen_t)len) != 0) {
        uv_close((uv_handle_t *)&c->h, conn_free_cb);
        return;
    }
    c->ident = c->peer;
    c->ident.port = 0;
    (void)uv_tcp_nodelay(&c->h, 1);
    if (conn_insert(L, c) != 0 || uv_read_start((uv_stream_t *)&c->h, on_alloc, on_read) != 0)
        conn_close(c);
}

/* ---- UDP --------------------------------------------------------------------------- */

/* Receives what is queued (waiting up to wait_ms for it; 0: not at all) and feeds it to
 * the state machine. 0, or the receive's error (MW_EAGAIN: nothing came). */
static int udp_receive(mwi_loop *L, int wait_ms)
{
    /* One system call per event, and none to find the queue empty: the poll is
     * level-triggered, so more waiting brings the loop straight back. recvmmsg costs more
     * than recvfrom for one datagram (it also looks for a second), so a batch is taken only
     * while batches find several: the mode follows the last batch, and single mode probes
     * with a batch now and then. The buffers stay untouched until every datagram of the
     * batch is handled. */
    mwi_dgram v[RX_BATCH];
    size_t want = 1, got;
    if (L->rx_batch || L->rx_probe % RX_PROBE == RX_PROBE - 1)
        want = RX_BATCH;
    for (size_t i = 0; i < want; i++)
        v[i].buf = L->rx + i * RX_CAP;
    int rc = mwi_udp_recv_many_wait(L->udp, v, want, &got, wait_ms);
    if (rc != 0)
        return rc;
    L->rx_probe++; /* counts receives that found something, not a spin's empty looks */
    L->events++;
    if (want > 1)
        L->rx_batch = got > 1;
    if (atomic_load_explicit(&L->stopping, memory_order_acquire))
        return 0; /* woken to stop: what came with the wake-up goes unanswered */
    for (size_t i = 0; i < got; i++)
        mwi_rrs_input(&L->sm, &v[i].from, &v[i].from, v[i].buf, v[i].len, mw_now_ns());
    return 0;
}

static void on_udp(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    (void)udp_receive(p->data, 0);
}

static int sm_send(void *ctx, const mw_addr *to, const uint8_t *d, size_t n)
{
    mwi_loop *L = ctx;
    if (L->cfg.transport == MW_RR_UDP)
        return mw_udp_sendto(L->udp, d, n, to);
    return tcp_send_to(L, to, d, n);
}

/* ---- loop life cycle --------------------------------------------------------------- */

static void close_walk(uv_handle_t *h, void *arg)
{
    mwi_loop *L = arg;
    if (uv_is_closing(h))
        return;
    if (h->type == UV_TCP && h != (uv_handle_t *)&L->listener) {
        conn_close(h->data);
        return;
    }
    uv_close(h, NULL);
}

static void close_all(mwi_loop *L)
{
    if (!L->handles_open)
        return;
    L->handles_open = false;
    uv_walk(&L->uv, close_walk, L);
}

static void drain_done(mwi_loop *L)
{
    uv_mutex_lock(&L->mu);
    mwi_job *j = L->done_head;
    L->done_head = L->done_tail = NULL;
    bool stop = L->stop;
    uv_mutex_unlock(&L->mu);
    while (j) {
        mwi_job *nx = j->next;
        count_exec(L, j->op_index);
        mwi_rrs_reply(&L->sm, &j->key, j->status, j->reply.data, j->reply.len, mw_now_ns());
        job_put(L, j);
        j = nx;
    }
    if (stop)
        close_all(L);
}

static void on_wake(uv_async_t *a)
{
    mwi_loop *L = a->data;
    L->events++;
    drain_done(L);
}

/* The UDP loop of a server thread (see the top of the file). */
static void run_direct(mwi_loop *L)
{
    const uint64_t tick = (uint64_t)TICK_MS * 1000000u;
    uint64_t now = mw_now_ns(), timer_due = now + tick, last = now, seen = L->events;
    bool polled = true;  /* the socket is in libuv's epoll set */
    uint32_t streak = 0; /* receives in a row with no job sent out */
    for (;;) {
        if (atomic_load_explicit(&L->stopping, memory_order_acquire)) {
            (void)uv_run(&L->uv, UV_RUN_DEFAULT); /* the async's stop closes every handle */
            return;
        }
        /* Low-latency mode: look without sleeping while requests (or completions) keep
         * coming. Only then is the clock read for it. */
        bool spin = false;
        if (L->cfg.spin_ns) {
            now = mw_now_ns();
            if (L->events != seen) {
                seen = L->events;
                last = now;
            }
            spin = now - last < L->cfg.spin_ns;
        }
        if (L->jobs_out) {
            /* A worker has a job: its completion comes through the uv_async, and requests
             * meanwhile through the poll. */
            streak = 0;
            if (!polled && uv_poll_start(&L->udp_poll, UV_READABLE, on_udp) == 0)
                polled = true;
            if (!uv_run(&L->uv, spin ? UV_RUN_NOWAIT : UV_RUN_ONCE))
                return;
            continue;
        }
        /* While every request is answered on this thread, the socket leaves the epoll
         * set: each datagram would otherwise also wake the epoll entry. Only after a run
         * of such requests, so that handlers on workers do not toggle it every call. */
        if (polled && streak >= DIRECT_STREAK && uv_poll_stop(&L->udp_poll) == 0)
            polled = false;
        if (!L->cfg.spin_ns)
            now = mw_now_ns();
        if (now >= timer_due) {
            (void)mwi_rrs_timer(&L->sm, now);
            timer_due = now + tick;
        }
        /* The wait is the kernel's receive timeout alone (set once, then left as it is),
         * and the stop's wake-up ends it at once. */
        int rc = udp_receive(L, spin ? 0 : TICK_MS);
        if (rc == 0) {
            streak++;
        } else if (rc != MW_EAGAIN) {
            /* A socket error: let the poll wait for the socket to recover, as on_udp does. */
            streak = 0;
            if (!polled && uv_poll_start(&L->udp_poll, UV_READABLE, on_udp) == 0)
                polled = true;
            if (!uv_run(&L->uv, UV_RUN_ONCE))
                return;
        }
    }
}

void mwi_loop_run(mwi_loop *L)
{
    if (L->direct) {
        run_direct(L);
        return;
    }
    if (!L->cfg.spin_ns) {
        (void)uv_run(&L->uv, UV_RUN_DEFAULT);
        return;
    }
    /* Low-latency mode: poll without sleeping while events keep coming, so the next
     * request is picked up without a wake-up; block once it has been quiet a while. */
    uint64_t seen = L->events, last = mw_now_ns();
    for (;;) {
        if (!uv_run(&L->uv, UV_RUN_NOWAIT))
            return; /* every handle closed: stopped */
        if (L->events != seen) {
            seen = L->events;
            last = mw_now_ns();
        } else if (mw_now_ns() - last >= L->cfg.spin_ns) {
            if (!uv_run(&L->uv, UV_RUN_ONCE))
                return;
            seen = L->events;
            last = mw_now_ns();
        }
    }
}

static void on_tick(uv_timer_t *t)
{
    mwi_loop *L = t->data;
    (void)mwi_rrs_timer(&L->sm, mw_now_ns());
}

void mwi_loop_request_stop(mwi_loop *L)
{
    uv_mutex_lock(&L->mu);
    L->stop = true;
    uv_mutex_unlock(&L->mu);
    atomic_store_explicit(&L->stopping, true, memory_order_release);
    uv_async_send(&L->wake);
    if (L->direct)
        mwi_udp_wake_receivers(L->udp);
}

int mwi_loop_cfg_from(const mw_rr_server_opts *opts, mwi_loop_cfg *cfg)
{
    mw_rr_server_opts o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    memset(cfg, 0, sizeof *cfg);
    cfg->transport = o.transport ? o.transport : MW_RR_UDP;
    size_t dgram = o.max_datagram ? o.max_datagram : MW_RR_DEFAULT_DATAGRAM;
    size_t maxmsg = o.max_message ? o.max_message : MW_RR_DEFAULT_MAX_MESSAGE;
    if ((cfg->transport != MW_RR_UDP && cfg->transport != MW_RR_TCP) ||
        dgram < MW_RR_MIN_DATAGRAM || dgram > MW_RR_MAX_DATAGRAM || maxmsg > MW_RR_MAX_MESSAGE ||
        o.window > 4096 || o.history_ttl_ms < 0 || o.loops < 0 || o.workers < 0 || o.backlog < 0)
        return MW_EINVAL;
    cfg->sm.max_datagram = cfg->transport == MW_RR_UDP ? (uint32_t)dgram : 0;
    cfg->sm.max_message = (uint32_t)maxmsg;
    cfg->sm.window = o.window ? o.window : MW_RR_DEFAULT_WINDOW;
    cfg->sm.hist.max_entries = o.history_entries ? o.history_entries : 65536;
    cfg->sm.hist.max_bytes = o.history_bytes ? o.history_bytes : 64u << 20;
    cfg->sm.hist.max_reasm = o.reassembly_bytes ? o.reassembly_bytes : 64u << 20;
    cfg->sm.hist.ttl_ns = (uint64_t)(o.history_ttl_ms ? o.history_ttl_ms : 60000) * 1000000u;
    cfg->backlog = o.backlog ? o.backlog : 128;
    cfg->spin_ns = (uint64_t)o.spin_us * 1000u;
    return 0;
}

static int open_udp(mwi_loop *L, const mw_addr *local)
{
    int rc = mw_udp_open(&L->udp, local, L->cfg.udp_flags);
    if (rc)
        return rc;
    if ((rc = mw_udp_set_nonblocking(L->udp, true)) != 0 ||
        (rc = mw_udp_local_addr(L->udp, &L->addr)) != 0)
        return rc;
    /* Bursts of fragments and many clients at once: a large receive buffer turns
     * overload into queueing rather than loss (the kernel caps it at rmem_max). */
    (void)mw_udp_set_buffers(L->udp, 4 << 20, 4 << 20);
    if (!(L->rx = malloc((size_t)RX_BATCH * RX_CAP)))
        return MW_ENOMEM;
    if ((rc = uv_poll_init_socket(&L->uv, &L->udp_poll, mw_udp_fd(L->udp))) != 0)
        return uv_err(rc);
    L->udp_poll.data = L;
#ifdef __linux__
    /* A server thread's loop waits in the receive (run_direct), which needs the descriptor
     * in blocking mode; libuv made it non-blocking, and every other receive passes
     * MSG_DONTWAIT. Only Linux wakes a receive blocked on an unconnected UDP socket for
     * the stop (mwi_udp_wake_receivers). */
    if (L->dispatch && (rc = mwi_set_nonblocking(mw_udp_fd(L->udp), false)) != 0)
        return rc;
    L->direct = L->dispatch != NULL;
#endif
    return uv_err(uv_poll_start(&L->udp_poll, UV_READABLE, on_udp));
}

static int open_tcp(mwi_loop *L, const mw_addr *local)
{
    struct sockaddr_storage ss;
    socklen_t len = mwi_addr_to_sockaddr(local, local->family, &ss);
    if (len == 0)
        return MW_EINVAL;
    int rc = uv_tcp_init(&L->uv, &L->listener);
    if (rc)
        return uv_err(rc);
    L->listener.data = L;
    if ((rc = uv_tcp_bind(&L->listener, (struct sockaddr *)&ss, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&L->listener, L->cfg.backlog, on_connection)) != 0)
        return uv_err(rc);
    int n = sizeof ss;
    if ((rc = uv_tcp_getsockname(&L->listener, (struct sockaddr *)&ss, &n)) != 0)
        return uv_err(rc);
    return mwi_addr_from_sockaddr(&L->addr, (struct sockaddr *)&ss, (socklen_t)n);
}

int mwi_loop_init(mwi_loop *L, const mwi_loop_cfg *cfg, const mw_addr *local,
                  const mwi_dispatch *dispatch)
{
    memset(L, 0, sizeof *L);
    L->cfg = *cfg;
    L->dispatch = dispatch;
    mw_addr any;
    if (!local) {
        mw_addr_any(&any, MW_AF_INET4, 0);
        local = &any;
    }
    if (local->family != MW_AF_INET4 && local->family != MW_AF_INET6)
        return MW_EINVAL;
    if (uv_loop_init(&L->uv) != 0)
        return MW_ESYS;
    if (uv_mutex_init(&L->mu) != 0) {
        uv_loop_close(&L->uv);
        return MW_ESYS;
    }
    mwi_rrs_io io = {.ctx = L, .send = sm_send, .execute = sm_execute};
    int rc = mwi_rrs_init(&L->sm, &cfg->sm, &io);
    L->handles_open = true;
    if (rc == 0 && (rc = uv_err(uv_async_init(&L->uv, &L->wake, on_wake))) == 0)
        L->wake.data = L;
    if (rc == 0 && (rc = uv_err(uv_timer_init(&L->uv, &L->tick))) == 0) {
        L->tick.data = L;
        rc = uv_err(uv_timer_start(&L->tick, on_tick, TICK_MS, TICK_MS));
    }
    if (rc == 0)
        rc = cfg->transport == MW_RR_UDP ? open_udp(L, local) : open_tcp(L, local);
    if (rc == 0 && dispatch && mwi_dispatch_slots(dispatch)) {
        L->op_exec = calloc(mwi_dispatch_slots(dispatch), sizeof *L->op_exec);
        if (!L->op_exec)
            rc = MW_ENOMEM;
    }
    if (rc)
        mwi_loop_fini(L);
    return rc;
}

void mwi_loop_fini(mwi_loop *L)
{
    drain_done(L);
    close_all(L);
    (void)uv_run(&L->uv, UV_RUN_DEFAULT); /* runs the close callbacks */
    (void)uv_loop_close(&L->uv);
    mw_udp_close(L->udp);
    L->udp = NULL;
    free(L->rx);
    free(L->conns);
    mwi_rrs_fini(&L->sm);
    job_free_all(L->all_jobs);
    L->all_jobs = L->free_jobs = L->ready_head = L->ready_tail = NULL;
    mw_buf_free(&L->inline_reply);
    free((void *)(uintptr_t)L->op_exec);
    L->op_exec = NULL;
    uv_mutex_destroy(&L->mu);
}

void mwi_loop_stats_add(mwi_loop *L, mw_rr_server_stats *out)
{
    mwi_rrs_stats *s = &L->sm.stats;
    out->requests += MWI_STAT_GET(s->requests);
    out->retransmissions += MWI_STAT_GET(s->retransmissions);
    out->duplicates += MWI_STAT_GET(s->duplicates);
    out->replies_resent += MWI_STAT_GET(s->replies_resent);
    out->acks += MWI_STAT_GET(s->acks);
    out->malformed += MWI_STAT_GET(s->malformed);
    out->oversize += MWI_STAT_GET(s->oversize);
    out->send_errors += MWI_STAT_GET(s->send_errors);
    out->history_evicted += MWI_STAT_GET(s->evicted);
    out->history_expired += MWI_STAT_GET(s->expired);
    out->history_entries += MWI_STAT_GET(s->entries);
    out->history_bytes += MWI_STAT_GET(s->bytes);
    out->clients += MWI_STAT_GET(s->clients);
    out->reassembly_bytes += MWI_STAT_GET(s->reasm_bytes);
    out->memory_bytes += MWI_STAT_GET(s->memory) + MWI_STAT_GET(L->jobs_bytes);
    out->executions += MWI_STAT_GET(L->executions);
    out->unknown_ops += MWI_STAT_GET(L->unknown_ops);
    out->dropped += MWI_STAT_GET(s->dropped);
}

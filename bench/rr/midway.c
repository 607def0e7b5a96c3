/*
 * midway.c - Midway's request-reply protocol as a system of bench_rr: an mw_rr_server with
 * a null and an echo operation (run on the loop thread, MW_RR_INLINE, as short handlers
 * should be; or on the worker pool), and one mw_rr_client per client thread calling
 * mw_rr_do_operation with the defaults: RR exchange, at-most-once semantics.
 *
 * The operation numbers are those of `midway rr serve` (1 null, 2 echo).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <midway/rr.h>

#include "bench_rr.h"

#define OP_NULL 1
#define OP_ECHO 2

static int null_op(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    return 0;
}

static int echo_op(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    return mw_buf_append(reply, req->args, req->args_len);
}

static int serve(const mwb_params *p, int ready_fd, char *why, int transport)
{
    mw_addr local, bound;
    mw_addr_loopback(&local, MW_AF_INET4, 0);
    mw_rr_server_opts o = {.transport = transport,
                           .loops = p->loops ? p->loops : 1,
                           .spin_us = p->spin_us};
    mw_rr_server *s = NULL;
    int flags = p->pool ? 0 : MW_RR_INLINE, e;
    if ((e = mw_rr_server_create(&s, &local, &o)) != 0 ||
        (e = mw_rr_server_handle(s, OP_NULL, "null", null_op, NULL, flags)) != 0 ||
        (e = mw_rr_server_handle(s, OP_ECHO, "echo", echo_op, NULL, flags)) != 0 ||
        (e = mw_rr_server_start(s)) != 0 || (e = mw_rr_server_addr(s, &bound)) != 0) {
        mw_rr_server_destroy(s);
        return mwb_fail(why, "mw_rr_server: %s", mw_strerror(e));
    }
    if (mwb_ready(ready_fd, bound.port, why) != 0)
        return -1;
    for (;;)
        pause(); /* the server's threads serve until the process is killed */
}

static int udp_serve(const mwb_params *p, int ready_fd, char *why)
{
    return serve(p, ready_fd, why, MW_RR_UDP);
}

static int tcp_serve(const mwb_params *p, int ready_fd, char *why)
{
    return serve(p, ready_fd, why, MW_RR_TCP);
}

typedef struct conn {
    mw_rr_client *c;
    mw_buf reply;
} conn;

static int open_conn(void **h, const mwb_params *p, uint16_t port, char *why, int transport)
{
    conn *k = calloc(1, sizeof *k);
    if (!k)
        return mwb_fail(why, "out of memory");
    mw_buf_init(&k->reply);
    mw_addr server;
    mw_addr_loopback(&server, MW_AF_INET4, port);
    mw_rr_client_opts o = {.transport = transport,
                           .spin_us = p->spin_us,
                           .semantics = p->maybe ? MW_RR_MAYBE : MW_RR_AT_MOST_ONCE,
                           .timeout_ms = MWB_CALL_TIMEOUT_MS / 5,
                           .retries = 4};
    int e = mw_rr_client_open(&k->c, &server, &o);
    if (e) {
        free(k);
        return mwb_fail(why, "mw_rr_client_open: %s", mw_strerror(e));
    }
    *h = k;
    return 0;
}

static int udp_open(void **h, const mwb_params *p, uint16_t port, char *why)
{
    return open_conn(h, p, port, why, MW_RR_UDP);
}

static int tcp_open(void **h, const mwb_params *p, uint16_t port, char *why)
{
    return open_conn(h, p, port, why, MW_RR_TCP);
}

static int call(void *h, int op, const uint8_t *req, size_t n, uint8_t *reply, size_t *got)
{
    conn *k = h;
    int e = mw_rr_do_operation(k->c, NULL, op == MWB_OP_NULL ? OP_NULL : OP_ECHO, req, n,
                               &k->reply, NULL);
    if (e || k->reply.len > MWB_MAX_REPLY)
        return -1;
    *got = k->reply.len;
    if (*got)
        memcpy(reply, k->reply.data, *got);
    return 0;
}

static void close_conn(void *h)
{
    conn *k = h;
    mw_rr_client_close(k->c);
    mw_buf_free(&k->reply);
    free(k);
}

const mwb_system mwb_midway_systems[] = {
    {.name = "midway-udp",
     .label = "Midway UDP",
     .udp = true,
     .ours = true,
     .serve = udp_serve,
     .open = udp_open,
     .call = call,
     .close = close_conn},
    {.name = "midway-tcp",
     .label = "Midway TCP",
     .ours = true,
     .serve = tcp_serve,
     .open = tcp_open,
     .call = call,
     .close = close_conn},
    {0},
};

/*
 * peers.c - the systems bench_rr measures Midway against, each doing the same work
 * (send some bytes, get the same bytes back) on 127.0.0.1:
 *
 *   raw-udp          the floor over UDP: recvfrom + sendto on the server, send + recv on
 *                    the client, plain blocking sockets, no header at all.
 *   raw-udp-spin     the floor of a low-latency mode: the same, but both receivers spin
 *                    on recv(MSG_DONTWAIT) instead of sleeping in the kernel.
 *   raw-udp-cspin    only the client spins (the server sleeps in recvfrom): what a
 *                    client-side spin alone can buy.
 *   raw-tcp          the floor over TCP: a 4-byte length, then the bytes; a server thread
 *                    per connection doing blocking recv + send.
 *   onc-udp/onc-tcp  ONC RPC from libtirpc with stubs rpcgen generated from mwb_rpc.x: the
 *                    null procedure 0, and procedure 1 echoing an opaque<>; svc_run server.
 *   zmq              ZeroMQ REQ/REP over TCP: one REP socket answering in a loop.
 *   nng              NNG req0/rep0 over TCP: one rep socket answering in a loop.
 *
 * Bench code, not library code: it calls the sockets API directly, and each server runs
 * until its process is killed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_rr.h"

#ifdef MWB_HAVE_TIRPC
#include "mwb_rpc.h"
#endif
#ifdef MWB_HAVE_ZMQ
#include <zmq.h>
#endif
#ifdef MWB_HAVE_NNG
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#endif

#define RAW_BUF (MWB_MAX_REPLY + 64) /* a server's receive buffer: any request fits */

int mwb_fail(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, MWB_WHY, fmt, ap);
    va_end(ap);
    return -1;
}

int mwb_ready(int ready_fd, uint16_t port, char *why)
{
    if (write(ready_fd, &port, sizeof port) != (ssize_t)sizeof port)
        return mwb_fail(why, "cannot tell the driver the port: %s", strerror(errno));
    return 0;
}

static void loopback(struct sockaddr_in *sa, uint16_t port)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* A socket of the type bound to 127.0.0.1 on a free port, which goes to *port. */
static int bound_socket(int type, uint16_t *port, char *why)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    loopback(&sa, 0);
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        return mwb_fail(why, "socket: %s", strerror(errno));
    int one = 1;
    if (type == SOCK_STREAM)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        mwb_fail(why, "bind 127.0.0.1: %s", strerror(errno));
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* A socket of the type connected to 127.0.0.1:port. */
static int connected_socket(int type, uint16_t port, char *why)
{
    struct sockaddr_in sa;
    loopback(&sa, port);
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        return mwb_fail(why, "socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        mwb_fail(why, "connect 127.0.0.1:%u: %s", port, strerror(errno));
        close(fd);
        return -1;
    }
    if (type == SOCK_STREAM) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    struct timeval tv = {MWB_CALL_TIMEOUT_MS / 1000, (MWB_CALL_TIMEOUT_MS % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------------------------ */
/* Raw UDP                                                                              */
/* ------------------------------------------------------------------------------------ */

static int raw_udp_serve_mode(int ready_fd, char *why, bool spin)
{
    uint16_t port;
    int fd = bound_socket(SOCK_DGRAM, &port, why);
    if (fd < 0)
        return -1;
    if (mwb_ready(ready_fd, port, why) != 0)
        return -1;
    static uint8_t buf[RAW_BUF];
    for (;;) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, spin ? MSG_DONTWAIT : 0,
                             (struct sockaddr *)&from, &flen);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            return mwb_fail(why, "recvfrom: %s", strerror(errno));
        }
        /* A client that has gone (ECONNREFUSED, ...) does not stop the server. */
        (void)sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
    }
}

static int raw_udp_serve(const mwb_params *p, int ready_fd, char *why)
{
    return raw_udp_serve_mode(ready_fd, why, false);
}

static int raw_udp_spin_serve(const mwb_params *p, int ready_fd, char *why)
{
    return raw_udp_serve_mode(ready_fd, why, true);
}

typedef struct raw_conn {
    int fd;
    bool spin;    /* the client spins on recv(MSG_DONTWAIT) */
    uint8_t *buf; /* TCP: request frame being built */
} raw_conn;

static int raw_open(void **h, int type, uint16_t port, bool spin, char *why)
{
    raw_conn *c = calloc(1, sizeof *c);
    if (!c)
        return mwb_fail(why, "out of memory");
    c->fd = connected_socket(type, port, why);
    c->spin = spin;
    if (c->fd < 0) {
        free(c);
        return -1;
    }
    if (type == SOCK_STREAM && !(c->buf = malloc(RAW_BUF))) {
        close(c->fd);
        free(c);
        return mwb_fail(why, "out of memory");
    }
    *h = c;
    return 0;
}

static int raw_udp_open(void **h, const mwb_params *p, uint16_t port, char *why)
{
    return raw_open(h, SOCK_DGRAM, port, false, why);
}

static int raw_udp_spin_open(void **h, const mwb_params *p, uint16_t port, char *why)
{
    return raw_open(h, SOCK_DGRAM, port, true, why);
}

static void raw_close(void *h)
{
    raw_conn *c = h;
    close(c->fd);
    free(c->buf);
    free(c);
}

static int raw_udp_call(void *h, int op, const uint8_t *req, size_t n, uint8_t *reply,
                        size_t *got)
{
    raw_conn *c = h;
    if (send(c->fd, req, n, 0) != (ssize_t)n)
        return -1;
    if (!c->spin) {
        ssize_t r = recv(c->fd, reply, MWB_MAX_REPLY, 0);
        if (r < 0)
            return -1;
        *got = (size_t)r;
        return 0;
    }
    uint64_t deadline = 0;
    for (unsigned i = 0;; i++) {
        ssize_t r = recv(c->fd, reply, MWB_MAX_REPLY, MSG_DONTWAIT);
        if (r >= 0) {
            *got = (size_t)r;
            return 0;
        }
        if (errno != EAGAIN && errno != EINTR)
            return -1;
        /* Look at the clock now and then only: the spin is the point. */
        if ((i & 1023) == 0) {
            uint64_t t = now_ns();
            if (!deadline)
                deadline = t + (uint64_t)MWB_CALL_TIMEOUT_MS * 1000000u;
            else if (t > deadline)
                return -1;
        }
    }
}

/* ------------------------------------------------------------------------------------ */
/* Raw TCP                                                                              */
/* ------------------------------------------------------------------------------------ */

/* Frames: a 4-byte big-endian length, then that many bytes. */
static size_t frame_len(const uint8_t *p)
{
    return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

/* Reads one whole frame into buf (RAW_BUF bytes); *n gets its total size, header
 * included. Usually one recv: the peer wrote the frame in one send. */
static int read_frame(int fd, uint8_t *buf, size_t *n)
{
    size_t have = 0;
    for (;;) {
        if (have >= 4) {
            size_t want = 4 + frame_len(buf);
            if (want > RAW_BUF)
                return -1;
            if (have >= want) {
                *n = want;
                return 0;
            }
        }
        ssize_t r = recv(fd, buf + have, RAW_BUF - have, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            return -1;
        }
        have += (size_t)r;
    }
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *raw_tcp_conn_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    uint8_t *buf = malloc(RAW_BUF);
    size_t n;
    while (buf && read_frame(fd, buf, &n) == 0 && write_all(fd, buf, n) == 0) {
    }
    free(buf);
    close(fd);
    return NULL;
}

static int raw_tcp_serve(const mwb_params *p, int ready_fd, char *why)
{
    uint16_t port;
    int lfd = bound_socket(SOCK_STREAM, &port, why);
    if (lfd < 0)
        return -1;
    if (listen(lfd, 64) != 0)
        return mwb_fail(why, "listen: %s", strerror(errno));
    if (mwb_ready(ready_fd, port, why) != 0)
        return -1;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return mwb_fail(why, "accept: %s", strerror(errno));
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t t;
        if (pthread_create(&t, NULL, raw_tcp_conn_thread, (void *)(intptr_t)fd) != 0)
            return mwb_fail(why, "pthread_create failed");
        pthread_detach(t);
    }
}

static int raw_tcp_open(void **h, const mwb_params *p, uint16_t port, char *why)
{
    return raw_open(h, SOCK_STREAM, port, false, why);
}

static int raw_tcp_call(void *h, int op, const uint8_t *req, size_t n, uint8_t *reply,
                        size_t *got)
{
    raw_conn *c = h;
    if (n + 4 > RAW_BUF)
        return -1;
    c->buf[0] = (uint8_t)(n >> 24);
    c->buf[1] = (uint8_t)(n >> 16);
    c->buf[2] = (uint8_t)(n >> 8);
    c->buf[3] = (uint8_t)n;
    memcpy(c->buf + 4, req, n);
    size_t fn;
    if (write_all(c->fd, c->buf, n + 4) != 0 || read_frame(c->fd, c->buf, &fn) != 0)
        return -1;
    *got = fn - 4;
    memcpy(reply, c->buf + 4, *got);
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* ONC RPC (libtirpc, rpcgen)                                                           */
/* ------------------------------------------------------------------------------------ */

#ifdef MWB_HAVE_TIRPC
/* The server procedures rpcgen's dispatcher (mwb_prog_1 in the generated mwb_rpc_svc.c)
 * calls. The echo's result points into its argument, which the dispatcher frees only
 * after sending the reply, so freeresult has nothing to free. */
bool_t mwb_rpc_null_1_svc(void *arg, void *res, struct svc_req *rq)
{
    return 1;
}

bool_t mwb_rpc_echo_1_svc(mwb_bytes *arg, mwb_bytes *res, struct svc_req *rq)
{
    *res = *arg;
    return 1;
}

int mwb_prog_1_freeresult(SVCXPRT *t, xdrproc_t f, caddr_t res)
{
    return 1;
}

/* Declared by rpcgen -m output, which has no header of its own. */
void mwb_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

#define ONC_BUF (MWB_MAX_REPLY + 1024) /* room for an opaque<65536> and RPC headers */

static int onc_serve(int ready_fd, char *why, bool udp)
{
    uint16_t port;
    int fd = bound_socket(udp ? SOCK_DGRAM : SOCK_STREAM, &port, why);
    if (fd < 0)
        return -1;
    if (!udp && listen(fd, 64) != 0)
        return mwb_fail(why, "listen: %s", strerror(errno));
    SVCXPRT *x =
        udp ? svcudp_bufcreate(fd, ONC_BUF, ONC_BUF) : svctcp_create(fd, ONC_BUF, ONC_BUF);
    if (!x)
        return mwb_fail(why, "libtirpc: svc%s_create failed", udp ? "udp" : "tcp");
    /* Protocol 0: not registered with rpcbind, which need not run here; clients are
     * given the port. */
    if (!svc_register(x, MWB_PROG, MWB_VERS, mwb_prog_1, 0))
        return mwb_fail(why, "libtirpc: svc_register failed");
    if (mwb_ready(ready_fd, port, why) != 0)
        return -1;
    svc_run();
    return mwb_fail(why, "libtirpc: svc_run returned");
}

static int onc_udp_serve(const mwb_params *p, int ready_fd, char *why)
{
    return onc_serve(ready_fd, why, true);
}

static int onc_tcp_serve(const mwb_params *p, int ready_fd, char *why)
{
    return onc_serve(ready_fd, why, false);
}

static int onc_open(void **h, uint16_t port, char *why, bool udp)
{
    struct sockaddr_in sa;
    loopback(&sa, port);
    /* Our own socket: with RPC_ANYSOCK libtirpc would bind a reserved port as root. */
    int fd = udp ? socket(AF_INET, SOCK_DGRAM, 0) : connected_socket(SOCK_STREAM, port, why);
    if (fd < 0)
        return mwb_fail(why, "socket: %s", strerror(errno));
    CLIENT *c;
    if (udp) {
        struct timeval retry = {0, 500000};
        c = clntudp_bufcreate(&sa, MWB_PROG, MWB_VERS, retry, &fd, ONC_BUF, ONC_BUF);
    } else {
        c = clnttcp_create(&sa, MWB_PROG, MWB_VERS, &fd, ONC_BUF, ONC_BUF);
    }
    if (!c) {
        close(fd);
        return mwb_fail(why, "libtirpc: %s", clnt_spcreateerror("clnt_create"));
    }
    /* The client destroys the socket with itself. */
    clnt_control(c, CLSET_FD_CLOSE, NULL);
    struct timeval total = {MWB_CALL_TIMEOUT_MS / 1000, (MWB_CALL_TIMEOUT_MS % 1000) * 1000};
    clnt_control(c, CLSET_TIMEOUT, (char *)&total);
    *h = c;
    return 0;
}

static int onc_udp_open(void **h, const mwb_params *p, uint16_t port, char *why)
{
    return onc_open(h, port, why, true);
}

static int onc_tcp_open(void **h, const mwb_params *p, uint16_t port, char *why)
{
    return onc_open(h, port, why, false);
}

static int onc_call(void *h, int op, const uint8_t *req, size_t n, uint8_t *reply, size_t *got)
{
    CLIENT *c = h;
    if (op == MWB_OP_NULL) {
        *got = 0;
        return mwb_rpc_null_1(NULL, NULL, c) == RPC_SUCCESS ? 0 : -1;
    }
    /* As rpcgen's users write it: the stub decodes into a result the caller frees. */
    mwb_bytes arg = {(u_int)n, (char *)(uintptr_t)req}, res = {0, NULL};
    if (mwb_rpc_echo_1(&arg, &res, c) != RPC_SUCCESS)
        return -1;
    *got = res.mwb_bytes_len;
    if (*got <= MWB_MAX_REPLY)
        memcpy(reply, res.mwb_bytes_val, *got);
    xdr_free((xdrproc_t)xdr_mwb_bytes, (char *)&res);
    return *got <= MWB_MAX_REPLY ? 0 : -1;
}

static void onc_close(void *h)
{
    clnt_destroy((CLIENT *)h);
}
#endif

/* ------------------------------------------------------------------------------------ */
/* ZeroMQ REQ/REP                                                                       */
/* ------------------------------------------------------------------------------------ */

#ifdef MWB_HAVE_ZMQ
static int zmq_serve(const mwb_params *p, int ready_fd, char *why)
{
    void *ctx = zmq_ctx_new();
    void *s = ctx ? zmq_socket(ctx, ZMQ_REP) : NULL;
    if (!s || zmq_bind(s, "tcp://127.0.0.1:*") != 0)
        return mwb_fail(why, "zmq: REP socket: %s", zmq_strerror(zmq_errno()));
    char ep[128];
    size_t len = sizeof ep;
    if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len) != 0 || !strrchr(ep, ':'))
        return mwb_fail(why, "zmq: no bound endpoint");
    if (mwb_ready(ready_fd, (uint16_t)atoi(strrchr(ep, ':') + 1), why) != 0)
        return -1;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0 || zmq_msg_send(&m, s, 0) < 0) {
            if (zmq_errno() == EINTR) {
                zmq_msg_close(&m);
                continue;
            }
            return mwb_fail(why, "zmq: %s", zmq_strerror(zmq_errno()));
        }
    }
}

typedef struct zmq_conn {
    void *ctx; /* one context per client, as one client process would have */
    void *s;
} zmq_conn;

static void zmq_conn_close(void *h)
{
    zmq_conn *c = h;
    if (c->s)
        zmq_close(c->s);
    if (c->ctx)
        zmq_ctx_term(c->ctx);
    free(c);
}

static int zmq_conn_open(void **h, const mwb_params *p, uint16_t port, char *why)
{
    zmq_conn *c = calloc(1, sizeof *c);
    if (!c)
        return mwb_fail(why, "out of memory");
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%u", port);
    int linger = 0, timeout = MWB_CALL_TIMEOUT_MS;
    if (!(c->ctx = zmq_ctx_new()) || !(c->s = zmq_socket(c->ctx, ZMQ_REQ)) ||
        zmq_setsockopt(c->s, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(c->s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
        zmq_connect(c->s, ep) != 0) {
        mwb_fail(why, "zmq: REQ socket: %s", zmq_strerror(zmq_errno()));
        zmq_conn_close(c);
        return -1;
    }
    *h = c;
    return 0;
}

static int zmq_conn_call(void *h, int op, const uint8_t *req, size_t n, uint8_t *reply,
                         size_t *got)
{
    zmq_conn *c = h;
    if (zmq_send(c->s, req, n, 0) < 0)
        return -1;
    int r = zmq_recv(c->s, reply, MWB_MAX_REPLY, 0);
    if (r < 0 || r > MWB_MAX_REPLY)
        return -1;
    *got = (size_t)r;
    return 0;
}
#endif

/* ------------------------------------------------------------------------------------ */
/* NNG req0/rep0                                                                        */
/* ------------------------------------------------------------------------------------ */

#ifdef MWB_HAVE_NNG
static int nng_serve(const mwb_params *p, int ready_fd, char *why)
{
    nng_socket s;
    nng_listener l;
    int port = 0, e;
    if ((e = nng_rep0_open(&s)) != 0 || (e = nng_listen(s, "tcp://127.0.0.1:0", &l, 0)) != 0 ||
        (e = nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port)) != 0)
        return mwb_fail(why, "nng: rep0 socket: %s", nng_strerror(e));
    if (mwb_ready(ready_fd, (uint16_t)port, why) != 0)
        return -1;
    for (;;) {
        nng_msg *m;
        if ((e = nng_recvmsg(s, &m, 0)) != 0)
            return mwb_fail(why, "nng: recv: %s", nng_strerror(e));
        if ((e = nng_sendmsg(s, m, 0)) != 0)
            nng_msg_free(m);
    }
}

static int nng_conn_open(void **h, const mwb_params *p, uint16_t port, char *why)
{
    nng_socket *s = malloc(sizeof *s);
    if (!s)
        return mwb_fail(why, "out of memory");
    char url[64];
    snprintf(url, sizeof url, "tcp://127.0.0.1:%u", port);
    int e;
    if ((e = nng_req0_open(s)) != 0) {
        free(s);
        return mwb_fail(why, "nng: req0 socket: %s", nng_strerror(e));
    }
    if ((e = nng_socket_set_ms(*s, NNG_OPT_RECVTIMEO, MWB_CALL_TIMEOUT_MS)) != 0 ||
        (e = nng_dial(*s, url, NULL, 0)) != 0) {
        nng_close(*s);
        free(s);
        return mwb_fail(why, "nng: dial %s: %s", url, nng_strerror(e));
    }
    *h = s;
    return 0;
}

static int nng_conn_call(void *h, int op, const uint8_t *req, size_t n, uint8_t *reply,
                         size_t *got)
{
    nng_socket *s = h;
    size_t sz = MWB_MAX_REPLY;
    if (nng_send(*s, (void *)(uintptr_t)req, n, 0) != 0 || nng_recv(*s, reply, &sz, 0) != 0)
        return -1;
    *got = sz;
    return 0;
}

static void nng_conn_close(void *h)
{
    nng_socket *s = h;
    nng_close(*s);
    free(s);
}
#endif

/* ------------------------------------------------------------------------------------ */
/* The list                                                                             */
/* ------------------------------------------------------------------------------------ */

const mwb_system mwb_peer_systems[] = {
    {.name = "raw-udp",
     .label = "raw UDP ping-pong (floor)",
     .udp = true,
     .serve = raw_udp_serve,
     .open = raw_udp_open,
     .call = raw_udp_call,
     .close = raw_close},
    {.name = "raw-udp-spin",
     .label = "raw UDP, both sides spin (floor)",
     .udp = true,
     .serve = raw_udp_spin_serve,
     .open = raw_udp_spin_open,
     .call = raw_udp_call,
     .close = raw_close},
    {.name = "raw-udp-cspin",
     .label = "raw UDP, client spins",
     .udp = true,
     .serve = raw_udp_serve,
     .open = raw_udp_spin_open,
     .call = raw_udp_call,
     .close = raw_close},
    {.name = "raw-tcp",
     .label = "raw TCP ping-pong (floor)",
     .serve = raw_tcp_serve,
     .open = raw_tcp_open,
     .call = raw_tcp_call,
     .close = raw_close},
#ifdef MWB_HAVE_TIRPC
    {.name = "onc-udp",
     .label = "ONC RPC UDP (libtirpc, rpcgen)",
     .udp = true,
     .serve = onc_udp_serve,
     .open = onc_udp_open,
     .call = onc_call,
     .close = onc_close},
    {.name = "onc-tcp",
     .label = "ONC RPC TCP (libtirpc, rpcgen)",
     .serve = onc_tcp_serve,
     .open = onc_tcp_open,
     .call = onc_call,
     .close = onc_close},
#endif
#ifdef MWB_HAVE_ZMQ
    {.name = "zmq",
     .label = "ZeroMQ REQ/REP (TCP)",
     .serve = zmq_serve,
     .open = zmq_conn_open,
     .call = zmq_conn_call,
     .close = zmq_conn_close},
#endif
#ifdef MWB_HAVE_NNG
    {.name = "nng",
     .label = "NNG req0/rep0 (TCP)",
     .serve = nng_serve,
     .open = nng_conn_open,
     .call = nng_conn_call,
     .close = nng_conn_close},
#endif
    {0},
};

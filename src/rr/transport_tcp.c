/* transport_tcp.c - the client's TCP transport: one persistent connection carrying
 * length-prefixed frames (the 64-byte header gives each frame's length). */
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "rr/transport.h"

/* Bytes read from the socket per system call when the buffer is empty: enough for many
 * small replies at once. */
#define READ_CHUNK 65536
/* How long a send may wait on a full socket buffer before the connection is given up. */
#define SEND_TIMEOUT_MS 10000

typedef struct tcp_t {
    mwi_ctrans base;
    mw_tcp *conn;       /* NULL while disconnected */
    mw_addr server;
    size_t max_message;
    mw_buf rx;          /* bytes read and not yet handed out: rx.data[off..rx.len) */
    size_t off;
    size_t consumed;    /* bytes of the frame handed out last, dropped at the next recv */
    uint8_t oversize[MW_RR_HEADER_SIZE]; /* the header of a refused oversized frame */
} tcp_t;

static void drop_conn(tcp_t *t)
{
    mw_tcp_close(t->conn);
    t->conn = NULL;
    mw_buf_reset(&t->rx);
    t->off = t->consumed = 0;
}

static int tcp_send(mwi_ctrans *base, const uint8_t *d, size_t n)
{
    tcp_t *t = (tcp_t *)base;
    if (!t->conn)
        return MW_ECONNRESET;
    int rc = mw_tcp_write_all(t->conn, d, n, SEND_TIMEOUT_MS);
    if (rc) {
        drop_conn(t);
        return rc == MW_ETIMEDOUT ? MW_ECONNRESET : rc;
    }
    return 0;
}

/* A whole frame at rx.data[off..): 0 with its length, MW_EAGAIN for more bytes, or the
 * error that ends the connection (MW_EMSGSIZE: a frame over the limit). */
static int frame_ready(tcp_t *t, size_t *len)
{
    int rc = mwi_rr_frame_len(t->rx.data + t->off, t->rx.len - t->off, t->max_message, len);
    if (rc)
        return rc;
    return t->rx.len - t->off >= *len ? 0 : MW_EAGAIN;
}

static int tcp_recv(mwi_ctrans *base, const uint8_t **d, size_t *n, uint64_t deadline,
                    uint32_t spin_us, bool try_first)
{
    tcp_t *t = (tcp_t *)base;
    (void)spin_us;
    (void)try_first;
    t->off += t->consumed;
    t->consumed = 0;
    if (t->off == t->rx.len) {
        mw_buf_reset(&t->rx);
        t->off = 0;
    }
    for (;;) {
        if (!t->conn)
            return MW_ECONNRESET;
        size_t len;
        int rc = frame_ready(t, &len);
        if (rc == 0) {
            *d = t->rx.data + t->off;
            *n = len;
            t->consumed = len;
            return 0;
        }
        if (rc == MW_EMSGSIZE) {
            /* Too large to read: hand out its header so the client can fail that call,
             * and give up the connection (the frame cannot be skipped cheaply). */
            memcpy(t->oversize, t->rx.data + t->off, MW_RR_HEADER_SIZE);
            drop_conn(t);
            *d = t->oversize;
            *n = MW_RR_HEADER_SIZE;
            return rc;
        }
        if (rc != MW_EAGAIN) {
            drop_conn(t);
            return rc;
        }
        /* Compact before growing, so the buffer stays the size of one frame. */
        if (t->off) {
            memmove(t->rx.data, t->rx.data + t->off, t->rx.len - t->off);
            t->rx.len -= t->off;
            t->off = 0;
        }
        if ((rc = mw_buf_reserve(&t->rx, READ_CHUNK)) != 0)
            return rc;
        size_t got;
        /* One blocking read with the kernel's receive timeout: a reply costs one system
         * call, waiting included. */
        rc = mwi_tcp_read_some_until(t->conn, t->rx.data + t->rx.len, t->rx.cap - t->rx.len,
                                     &got, deadline);
        if (rc == MW_ETIMEDOUT)
            return rc;
        if (rc) {
            drop_conn(t);
            return rc == MW_EEOF ? MW_ECONNRESET : rc;
        }
        t->rx.len += got;
    }
}

static int tcp_reconnect(mwi_ctrans *base, int timeout_ms)
{
    tcp_t *t = (tcp_t *)base;
    drop_conn(t);
    int rc = mw_tcp_connect(&t->conn, &t->server, timeout_ms);
    if (rc) {
        t->conn = NULL;
        return rc;
    }
    (void)mw_tcp_set_nodelay(t->conn, true);
    return 0;
}

static int tcp_fd(const mwi_ctrans *base) { return mw_tcp_fd(((const tcp_t *)base)->conn); }

static uint64_t tcp_next_due(const mwi_ctrans *base)
{
    (void)base;
    return UINT64_MAX;
}

static int tcp_local_addr(const mwi_ctrans *base, mw_addr *out)
{
    const tcp_t *t = (const tcp_t *)base;
    return t->conn ? mw_tcp_local_addr(t->conn, out) : MW_ESTATE;
}

static void tcp_close(mwi_ctrans *base)
{
    tcp_t *t = (tcp_t *)base;
    drop_conn(t);
    mw_buf_free(&t->rx);
    free(t);
}

static const mwi_ctrans_ops tcp_ops = {
    .name = "tcp",
    .reliable = true,
    .send = tcp_send,
    .recv = tcp_recv,
    .reconnect = tcp_reconnect,
    .fd = tcp_fd,
    .next_due = tcp_next_due,
    .local_addr = tcp_local_addr,
    .close = tcp_close,
};

int mwi_ctrans_tcp_open(mwi_ctrans **out, const mw_addr *server, size_t max_message,
                        int connect_timeout_ms)
{
    tcp_t *t = calloc(1, sizeof *t);
    if (!t)
        return MW_ENOMEM;
    t->base.ops = &tcp_ops;
    t->server = *server;
    t->max_message = max_message;
    int rc = tcp_reconnect(&t->base, connect_timeout_ms);
    if (rc) {
        tcp_close(&t->base);
        return rc;
    }
    *out = &t->base;
    return 0;
}

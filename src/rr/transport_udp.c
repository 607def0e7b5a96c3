/*
 * transport_udp.c - the client's UDP transport: one connected socket, in blocking mode, so
 * that a receive waits inside the kernel (mw_udp_recv_until): after a request, the reply
 * costs one system call, not a poll and then a receive.
 */
#include <stdlib.h>

#include "rr/transport.h"

/* Receive buffer: 64 KiB holds any UDP datagram, so a receive makes a single system call
 * (no peek for the length). */
#define RX_CAP 65536

typedef struct udp_t {
    mwi_ctrans base;
    mw_udp *sock;
    uint8_t rx[RX_CAP];
} udp_t;

int mwi_ms_until(uint64_t deadline, uint64_t now)
{
    if (deadline == UINT64_MAX)
        return MW_FOREVER;
    if (deadline <= now)
        return 0;
    uint64_t ms = (deadline - now + 999999) / 1000000;
    return ms > (uint64_t)INT32_MAX ? INT32_MAX : (int)ms;
}

static int udp_send(mwi_ctrans *t, const uint8_t *d, size_t n)
{
    /* The socket's timeout is 0, so a full send buffer fails at once, as it did when the
     * socket was non-blocking; the state machine counts it as a loss. */
    int rc = mw_udp_send(((udp_t *)t)->sock, d, n);
    return rc == MW_ETIMEDOUT ? MW_EAGAIN : rc;
}

static int udp_recv(mwi_ctrans *t, const uint8_t **d, size_t *n, uint64_t deadline,
                    uint32_t spin_us, bool try_first)
{
    udp_t *u = (udp_t *)t;
    int rc = MW_ETIMEDOUT;
    (void)try_first; /* one blocking receive both looks and waits */
    if (spin_us) {
        /* Low-latency mode: receive attempts that do not wait (a deadline of 0), for up to
         * spin_us but not past the deadline, so a reply is taken the moment it lands,
         * without a wake-up; then block as usual. */
        uint64_t now = mw_now_ns(), end = now + (uint64_t)spin_us * 1000u;
        if (end > deadline)
            end = deadline;
        while (rc == MW_ETIMEDOUT && now < end) {
            rc = mw_udp_recv_until(u->sock, u->rx, sizeof u->rx, n, NULL, 0);
            now = mw_now_ns();
        }
    }
    if (rc == MW_ETIMEDOUT)
        rc = mw_udp_recv_until(u->sock, u->rx, sizeof u->rx, n, NULL, deadline);
    if (rc == 0)
        *d = u->rx;
    return rc;
}

static int udp_reconnect(mwi_ctrans *t, int timeout_ms)
{
    (void)t;
    (void)timeout_ms;
    return MW_ENOTSUP;
}

static int udp_fd(const mwi_ctrans *t) { return mw_udp_fd(((const udp_t *)t)->sock); }

static uint64_t udp_next_due(const mwi_ctrans *t)
{
    (void)t;
    return UINT64_MAX;
}

static int udp_local_addr(const mwi_ctrans *t, mw_addr *out)
{
    return mw_udp_local_addr(((const udp_t *)t)->sock, out);
}

static void udp_close(mwi_ctrans *t)
{
    udp_t *u = (udp_t *)t;
    mw_udp_close(u->sock);
    free(u);
}

static const mwi_ctrans_ops udp_ops = {
    .name = "udp",
    .reliable = false,
    .send = udp_send,
    .recv = udp_recv,
    .reconnect = udp_reconnect,
    .fd = udp_fd,
    .next_due = udp_next_due,
    .local_addr = udp_local_addr,
    .close = udp_close,
};

bool mwi_ctrans_ops_valid(const mwi_ctrans_ops *ops)
{
    return ops && ops->name && ops->send && ops->recv && ops->reconnect && ops->fd &&
           ops->next_due && ops->local_addr && ops->close;
}

int mwi_ctrans_udp_open(mwi_ctrans **out, const mw_addr *server, const mw_addr *local,
                        size_t max_datagram, uint32_t window)
{
    udp_t *u = calloc(1, sizeof *u);
    if (!u)
        return MW_ENOMEM;
    u->base.ops = &udp_ops;
    mw_addr any;
    if (!local) {
        mw_addr_any(&any, server->family, 0);
        local = &any;
    }
    int rc = mw_udp_open(&u->sock, local, 0);
    if (rc == 0)
        rc = mw_udp_connect(u->sock, server);
    if (rc == 0)
        rc = mw_udp_set_timeout(u->sock, 0); /* sends never wait (receives have deadlines) */
    if (rc == 0) {
        /* Room for a few bursts of fragments; the kernel caps it at rmem_max, and a
         * smaller buffer only costs retransmissions. */
        size_t want = max_datagram * window * 4;
        if (want < 256 * 1024)
            want = 256 * 1024;
        if (want > 8u << 20)
            want = 8u << 20;
        (void)mw_udp_set_buffers(u->sock, (int)want, (int)want);
    }
    if (rc) {
        mw_udp_close(u->sock);
        free(u);
        return rc;
    }
    *out = &u->base;
    return 0;
}

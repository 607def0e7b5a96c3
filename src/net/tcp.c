/* tcp.c - TCP listeners and connections (Figures 4.5 and 4.6). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <unistd.h>

#include "net/sock.h"

/* A listening socket. Its descriptor is always non-blocking: a connection that resets
 * between poll and accept would otherwise leave accept blocked past the timeout. */
struct mw_tcp_listener {
    int fd; /* the listening socket */
};

/* A connection. The descriptor is in blocking mode, for callers who use it directly and
 * for our reads, which block in the kernel under its receive timeout (mwi_rx in sock.h:
 * one system call when data comes in time). Writes pass MSG_DONTWAIT and wait in poll
 * when the buffer is full. */
struct mw_tcp {
    int fd;               /* the connected socket */
    uint64_t rcvtimeo_us; /* SO_RCVTIMEO as mwi_rx last set it; 0: none (the default) */
};

static int wrap(mw_tcp **out, int fd)
{
    mw_tcp *c = malloc(sizeof *c);
    if (!c) {
        close(fd);
        return MW_ENOMEM;
    }
    c->fd = fd;
    c->rcvtimeo_us = 0; /* the kernel default: none (our listeners never set one) */
    *out = c;
    return 0;
}

int mw_tcp_listen(mw_tcp_listener **out, const mw_addr *local, int backlog)
{
    if (!out || !local || (local->family != MW_AF_INET4 && local->family != MW_AF_INET6))
        return MW_EINVAL;
    mw_tcp_listener *l = malloc(sizeof *l);
    if (!l)
        return MW_ENOMEM;
    int rc = mwi_socket(local->family, SOCK_STREAM, true, &l->fd);
    if (rc) {
        free(l);
        return rc;
    }
    if ((rc = mwi_setsockopt_int(l->fd, SOL_SOCKET, SO_REUSEADDR, 1)))
        goto fail;
    /* Dual-stack, as Java's ServerSocket: "::" takes IPv4 clients too, whatever the
     * host's net.ipv6.bindv6only says. */
    if (local->family == MW_AF_INET6 &&
        (rc = mwi_setsockopt_int(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, 0)))
        goto fail;
    if ((rc = mwi_bind(l->fd, local, local->family)))
        goto fail;
    if (listen(l->fd, backlog > 0 ? backlog : SOMAXCONN) < 0) {
        rc = mwi_errno();
        goto fail;
    }
    *out = l;
    return 0;
fail:
    close(l->fd);
    free(l);
    return rc;
}

void mw_tcp_listener_close(mw_tcp_listener *l)
{
    if (!l)
        return;
    close(l->fd);
    free(l);
}

int mw_tcp_listener_addr(mw_tcp_listener *l, mw_addr *out)
{
    if (!l || !out)
        return MW_EINVAL;
    return mwi_sockname(l->fd, out);
}

int mw_tcp_listener_fd(mw_tcp_listener *l) { return l ? l->fd : -1; }

/* accept(2) errors that concern only the connection being accepted, not the listener:
 * Linux passes pending network errors of the new socket up through accept, and the man
 * page says to treat them like EAGAIN and try again. */
static bool accept_retry(int e)
{
    switch (e) {
    case EINTR:
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
        return true;
    default:
        return false;
    }
}

int mw_tcp_accept(mw_tcp_listener *l, mw_tcp **out, mw_addr *peer, int timeout_ms)
{
    if (!l || !out)
        return MW_EINVAL;
    uint64_t deadline = mwi_deadline(timeout_ms);
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
        if (fd >= 0) {
            if (peer && mwi_addr_from_sockaddr(peer, (struct sockaddr *)&ss, len) != 0)
                *peer = (mw_addr){0};
            return wrap(out, fd);
        }
        if (!accept_retry(errno))
            return mwi_errno();
        if (errno == EINTR)
            continue;
        int rc = mwi_wait(l->fd, POLLIN, deadline);
        if (rc)
            return rc;
    }
}

int mw_tcp_connect(mw_tcp **out, const mw_addr *remote, int timeout_ms)
{
    if (!out || !remote || (remote->family != MW_AF_INET4 && remote->family != MW_AF_INET6))
        return MW_EINVAL;
    uint64_t deadline = mwi_deadline(timeout_ms);
    struct sockaddr_storage ss;
    socklen_t len = mwi_addr_to_sockaddr(remote, remote->family, &ss);
    int fd, rc;
    /* Non-blocking connect, so the timeout is ours and not the kernel's minutes of SYN
     * retries. */
    if ((rc = mwi_socket(remote->family, SOCK_STREAM, true, &fd)))
        return rc;
    if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
        /* EINTR leaves the connection going on asynchronously, like EINPROGRESS. */
        if (errno != EINPROGRESS && errno != EINTR) {
            rc = mwi_errno();
            goto fail;
        }
        if ((rc = mwi_wait(fd, POLLOUT, deadline)))
            goto fail;
        int err;
        if ((rc = mwi_getsockopt_int(fd, SOL_SOCKET, SO_ERROR, &err)))
            goto fail;
        if (err) {
            rc = mw_error_from_errno(err);
            goto fail;
        }
    }
    if ((rc = mwi_set_nonblocking(fd, false)))
        goto fail;
    return wrap(out, fd);
fail:
    close(fd);
    return rc;
}

void mw_tcp_close(mw_tcp *c)
{
    if (!c)
        return;
    close(c->fd);
    free(c);
}

void mw_tcp_abort(mw_tcp *c)
{
    if (!c)
        return;
    /* Linger on with a zero timeout makes close send RST and drop unsent data. */
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    (void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    mw_tcp_close(c);
}

int mw_tcp_fd(mw_tcp *c) { return c ? c->fd : -1; }

int mw_tcp_peer_addr(mw_tcp *c, mw_addr *out)
{
    if (!c || !out)
        return MW_EINVAL;
    return mwi_peername(c->fd, out);
}

int mw_tcp_local_addr(mw_tcp *c, mw_addr *out)
{
    if (!c || !out)
        return MW_EINVAL;
    return mwi_sockname(c->fd, out);
}

int mwi_tcp_write_all_until(mw_tcp *c, const void *data, size_t n, uint64_t deadline)
{
    const uint8_t *p = data;
    while (n > 0) {
        /* MSG_NOSIGNAL: a write to a reset peer is an EPIPE return, never a SIGPIPE that
         * kills a process which did not ask for it. */
        ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r >= 0) {
            p += r;
            n -= (size_t)r;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return mwi_errno();
        int rc = mwi_wait(c->fd, POLLOUT, deadline);
        if (rc)
            return rc;
    }
    return 0;
}

int mw_tcp_write_all(mw_tcp *c, const void *data, size_t n, int timeout_ms)
{
    if (!c || (!data && n))
        return MW_EINVAL;
    return mwi_tcp_write_all_until(c, data, n, mwi_deadline(timeout_ms));
}

/* One read of up to cap bytes, blocking or not (flags 0 or MSG_DONTWAIT): 0 with
 * *got > 0, MW_EEOF at end of stream, MW_EAGAIN when nothing came, MWI_INTERRUPTED after
 * a signal, or the error. */
static int read_once(mw_tcp *c, void *buf, size_t cap, size_t *got, int flags)
{
    ssize_t r = recv(c->fd, buf, cap, flags);
    if (r > 0) {
        *got = (size_t)r;
        return 0;
    }
    if (r == 0)
        return MW_EEOF;
    return errno == EINTR ? MWI_INTERRUPTED : mwi_errno();
}

/* One read of at least one byte by the deadline: as read_once, MW_ETIMEDOUT instead of
 * MW_EAGAIN. */
struct read_args {
    mw_tcp *c;
    void *buf;
    size_t cap, *got;
};

static int read_attempt(void *ctx, int flags)
{
    struct read_args *a = ctx;
    return read_once(a->c, a->buf, a->cap, a->got, flags);
}

static int read_until(mw_tcp *c, void *buf, size_t cap, size_t *got, uint64_t deadline)
{
    mwi_rx rx = {.fd = c->fd, .deadline = deadline, .timeo_us = &c->rcvtimeo_us};
    struct read_args a = {c, buf, cap, got};
    return mwi_rx_run(&rx, read_attempt, &a);
}

int mwi_tcp_read_exact_until(mw_tcp *c, void *buf, size_t n, uint64_t deadline)
{
    uint8_t *p = buf;
    size_t done = 0;
    while (done < n) {
        size_t got = 0;
        int rc = read_until(c, p + done, n - done, &got, deadline);
        if (rc == MW_EEOF)
            return done ? MW_ETRUNCATED : MW_EEOF;
        if (rc)
            return rc;
        done += got;
    }
    return 0;
}

int mw_tcp_read_exact(mw_tcp *c, void *buf, size_t n, int timeout_ms)
{
    if (!c || (!buf && n))
        return MW_EINVAL;
    return mwi_tcp_read_exact_until(c, buf, n, mwi_deadline(timeout_ms));
}

int mwi_tcp_read_some_until(mw_tcp *c, void *buf, size_t cap, size_t *n, uint64_t deadline)
{
    return read_until(c, buf, cap, n, deadline);
}

int mw_tcp_read_some(mw_tcp *c, void *buf, size_t cap, size_t *n, int timeout_ms)
{
    if (!c || !buf || !n || cap == 0)
        return MW_EINVAL;
    return read_until(c, buf, cap, n, mwi_deadline(timeout_ms));
}

int mw_tcp_shutdown_write(mw_tcp *c)
{
    if (!c)
        return MW_EINVAL;
    if (shutdown(c->fd, SHUT_WR) < 0)
        return mwi_errno();
    return 0;
}

int mw_tcp_set_nodelay(mw_tcp *c, bool on)
{
    if (!c)
        return MW_EINVAL;
    return mwi_setsockopt_int(c->fd, IPPROTO_TCP, TCP_NODELAY, on);
}

int mw_tcp_set_keepalive(mw_tcp *c, bool on, int idle_s)
{
    if (!c || idle_s < 0)
        return MW_EINVAL;
    int rc = mwi_setsockopt_int(c->fd, SOL_SOCKET, SO_KEEPALIVE, on);
    if (rc == 0 && on && idle_s > 0)
        rc = mwi_setsockopt_int(c->fd, IPPROTO_TCP, TCP_KEEPIDLE, idle_s);
    return rc;
}

/* udp.c - UDP datagram sockets (Figures 4.3 and 4.4). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/sock.h"

/* Settings every UDP socket gets, whatever it is later used for. */
static int set_defaults(int fd, int family, int flags)
{
    int rc;
    if (flags & MW_UDP_REUSEADDR) {
        if ((rc = mwi_setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1)))
            return rc;
    }
    if (flags & MW_UDP_REUSEPORT) {
        if ((rc = mwi_setsockopt_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)))
            return rc;
    }
    if (family == MW_AF_INET6) {
        /* Set either way: the system default (net.ipv6.bindv6only) varies by host. */
        rc = mwi_setsockopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, (flags & MW_UDP_V6ONLY) ? 1 : 0);
        if (rc)
            return rc;
    }
    /*
     * Linux delivers a group's datagrams to every socket bound to the port once any
     * socket on the host joined it (IP_MULTICAST_ALL defaults to 1), unlike other
     * systems and unlike what Java programs expect. Turn that off so a socket gets only
     * the groups it joined. Best effort: kernels without the option behave the old way.
     */
#ifdef IP_MULTICAST_ALL
    (void)mwi_setsockopt_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0);
#endif
#ifdef IPV6_MULTICAST_ALL
    if (family == MW_AF_INET6)
        (void)mwi_setsockopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0);
#endif
    /* TTL 1 is the kernel's default too, but Java sets it and so do we, so that a group's
     * datagrams never leave the link unless the caller asks. */
    if (family == MW_AF_INET4)
        rc = mwi_setsockopt_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, 1);
    else
        rc = mwi_setsockopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1);
    return rc;
}

int mw_udp_open(mw_udp **out, const mw_addr *local, int flags)
{
    if (!out)
        return MW_EINVAL;
    mw_addr any;
    if (!local) {
        mw_addr_any(&any, MW_AF_INET4, 0);
        local = &any;
    }
    if (local->family != MW_AF_INET4 && local->family != MW_AF_INET6)
        return MW_EINVAL;
    if (flags & ~(MW_UDP_REUSEADDR | MW_UDP_REUSEPORT | MW_UDP_V6ONLY))
        return MW_EINVAL;
    mw_udp *s = calloc(1, sizeof *s);
    if (!s)
        return MW_ENOMEM;
    s->family = local->family;
    s->timeout_ms = MW_FOREVER;
    int rc = mwi_socket(s->family, SOCK_DGRAM, false, &s->fd);
    if (rc) {
        free(s);
        return rc;
    }
    if ((rc = set_defaults(s->fd, s->family, flags)) || (rc = mwi_bind(s->fd, local, s->family))) {
        close(s->fd);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void mw_udp_close(mw_udp *s)
{
    if (!s)
        return;
    close(s->fd);
    free(s);
}

int mw_udp_local_addr(mw_udp *s, mw_addr *out)
{
    if (!s || !out)
        return MW_EINVAL;
    return mwi_sockname(s->fd, out);
}

int mw_udp_fd(mw_udp *s) { return s ? s->fd : -1; }

/* One send attempt after another until it goes or the socket's timeout runs out. */
static int send_loop(mw_udp *s, const void *data, size_t n, const struct sockaddr *sa,
                     socklen_t salen)
{
    if (n > MW_UDP_MAX_PAYLOAD)
        return MW_EMSGSIZE;
    uint64_t deadline = 0;
    bool have_deadline = false;
    for (;;) {
        ssize_t r = sendto(s->fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT, sa, salen);
        if (r >= 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno == EDESTADDRREQ)
            return MW_ESTATE;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return mwi_errno();
        if (s->nonblocking)
            return MW_EAGAIN;
        /* The deadline starts at the first full send buffer, so the common case reads
         * no clock. */
        if (!have_deadline) {
            deadline = mwi_deadline(s->timeout_ms);
            have_deadline = true;
        }
        int rc = mwi_wait(s->fd, POLLOUT, deadline);
        if (rc)
            return rc;
    }
}

int mw_udp_sendto(mw_udp *s, const void *data, size_t n, const mw_addr *to)
{
    if (!s || (!data && n) || !to)
        return MW_EINVAL;
    struct sockaddr_storage ss;
    socklen_t len = mwi_addr_to_sockaddr(to, s->family, &ss);
    if (len == 0)
        return MW_EINVAL;
    if (to->family == MW_AF_INET6 && s->family == MW_AF_INET4)
        return MW_EINVAL; /* an IPv4 socket cannot reach an IPv6 address */
    return send_loop(s, data, n, (struct sockaddr *)&ss, len);
}

int mw_udp_send(mw_udp *s, const void *data, size_t n)
{
    if (!s || (!data && n))
        return MW_EINVAL;
    if (!s->connected)
        return MW_ESTATE;
    return send_loop(s, data, n, NULL, 0);
}

/*
 * One receive attempt; flags is 0 (block, under the socket's receive timeout) or
 * MSG_DONTWAIT. With cap < 65536 a datagram could be longer than the buffer, and
 * recvfrom would cut it and drop the rest, so first peek at its real length
 * (MSG_PEEK|MSG_TRUNC returns it without taking the datagram off the queue; that peek is
 * the call that waits). With a buffer of 65536 or more every UDP payload fits and one
 * call does. MWI_INTERRUPTED after a signal.
 */
static int try_recv(mw_udp *s, void *buf, size_t cap, size_t *n, mw_addr *from, int flags)
{
    if (cap < 65536) {
        char dummy;
        ssize_t len = recv(s->fd, &dummy, 0, MSG_PEEK | MSG_TRUNC | flags);
        if (len < 0)
            return errno == EINTR ? MWI_INTERRUPTED : mwi_errno();
        if ((size_t)len > cap) {
            *n = (size_t)len;
            return MW_EMSGSIZE;
        }
        flags = MSG_DONTWAIT; /* it is queued: take it without waiting */
    }
    /* recvfrom rather than recvmsg: the kernel has no message header and vector to copy
     * in, and with no from, no address to copy out. MSG_TRUNC makes it return the
     * datagram's real length. */
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ssize_t len = recvfrom(s->fd, buf, cap, flags | MSG_TRUNC,
                           from ? (struct sockaddr *)&ss : NULL, from ? &sl : NULL);
    if (len < 0)
        return errno == EINTR ? MWI_INTERRUPTED : mwi_errno();
    *n = (size_t)len;
    if ((size_t)len > cap)
        return MW_EMSGSIZE; /* another reader took the peeked datagram: this one is cut */
    if (from && mwi_addr_from_sockaddr(from, (struct sockaddr *)&ss, sl) != 0)
        memset(from, 0, sizeof *from);
    return 0;
}

struct recv_args {
    mw_udp *s;
    void *buf;
    size_t cap, *n;
    mw_addr *from;
};

static int recv_attempt(void *ctx, int flags)
{
    struct recv_args *a = ctx;
    return try_recv(a->s, a->buf, a->cap, a->n, a->from, flags);
}

/* The receive of mw_udp_recvfrom and mw_udp_recv_until, against a deadline. */
static int recv_until(mw_udp *s, void *buf, size_t cap, size_t *n, mw_addr *from,
                      uint64_t deadline)
{
    int rc;
    if (s->nonblocking) {
        while ((rc = try_recv(s, buf, cap, n, from, MSG_DONTWAIT)) == MWI_INTERRUPTED)
            ;
        return rc;
    }
    mwi_rx rx = {.fd = s->fd, .deadline = deadline, .timeo_us = &s->rcvtimeo_us};
    struct recv_args a = {s, buf, cap, n, from};
    return mwi_rx_run(&rx, recv_attempt, &a);
}

int mw_udp_recvfrom(mw_udp *s, void *buf, size_t cap, size_t *n, mw_addr *from)
{
    if (!s || !n || (!buf && cap))
        return MW_EINVAL;
    return recv_until(s, buf, cap, n, from, s->nonblocking ? 0 : mwi_deadline(s->timeout_ms));
}

int mw_udp_recv_until(mw_udp *s, void *buf, size_t cap, size_t *n, mw_addr *from,
                      uint64_t deadline_ns)
{
    if (!s || !n || (!buf && cap))
        return MW_EINVAL;
    return recv_until(s, buf, cap, n, from, deadline_ns);
}

/* One receive of up to n (1..MWI_RECV_MANY_MAX) datagrams: flags is MSG_DONTWAIT, or 0 to
 * block (under the socket's receive timeout) until the first and take what else is queued
 * with it. MWI_INTERRUPTED after a signal. */
static int recv_batch(mw_udp *s, mwi_dgram *v, size_t n, size_t *got, int flags)
{
    struct mmsghdr mm[MWI_RECV_MANY_MAX];
    struct iovec iov[MWI_RECV_MANY_MAX];
    struct sockaddr_storage ss[MWI_RECV_MANY_MAX];
    *got = 0;
    if (n == 1) {
        /* one recvfrom: measured about 0.5 us cheaper than recvmmsg for one datagram. */
        int rc = try_recv(s, v[0].buf, MWI_DGRAM_CAP, &v[0].len, &v[0].from, flags);
        *got = rc == 0 ? 1 : 0;
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        iov[i] = (struct iovec){.iov_base = v[i].buf, .iov_len = MWI_DGRAM_CAP};
        mm[i].msg_hdr = (struct msghdr){.msg_name = &ss[i],
                                        .msg_namelen = sizeof ss[i],
                                        .msg_iov = &iov[i],
                                        .msg_iovlen = 1};
        mm[i].msg_len = 0;
    }
    /* With MSG_DONTWAIT recvmmsg returns what is queued: a count, or -1 with EAGAIN when
     * nothing is. MSG_WAITFORONE waits for the first only. An error met after the first
     * datagram waits for the next call. */
    int r = recvmmsg(s->fd, mm, (unsigned)n, flags ? flags : MSG_WAITFORONE, NULL);
    if (r < 0)
        return errno == EINTR ? MWI_INTERRUPTED : mwi_errno();
    for (int i = 0; i < r; i++) {
        v[i].len = mm[i].msg_len;
        if (mwi_addr_from_sockaddr(&v[i].from, (struct sockaddr *)&ss[i],
                                   mm[i].msg_hdr.msg_namelen) != 0)
            memset(&v[i].from, 0, sizeof v[i].from);
    }
    *got = (size_t)r;
    return 0;
}

int mwi_udp_recv_many(mw_udp *s, mwi_dgram *v, size_t n, size_t *got)
{
    return mwi_udp_recv_many_wait(s, v, n, got, 0);
}

int mwi_udp_recv_many_wait(mw_udp *s, mwi_dgram *v, size_t n, size_t *got, int wait_ms)
{
    if (n == 0 || wait_ms < 0)
        return MW_EINVAL;
    if (n > MWI_RECV_MANY_MAX)
        n = MWI_RECV_MANY_MAX;
    int rc, flags = MSG_DONTWAIT;
    if (wait_ms > 0) {
        if ((rc = mwi_set_rcvtimeo(s->fd, &s->rcvtimeo_us, (uint64_t)wait_ms * 1000u)) != 0)
            return rc;
        flags = 0;
    }
    /* After a signal, wait again for the whole time: a loop's tick, not a deadline. */
    while ((rc = recv_batch(s, v, n, got, flags)) == MWI_INTERRUPTED)
        ;
    return rc;
}

void mwi_udp_wake_receivers(mw_udp *s)
{
    /* Shutting down the reading side of a UDP socket, connected or not, ends every
     * blocked receive (they return 0) on Linux, which reports ENOTCONN for an unconnected
     * socket but wakes the waiters all the same. A receive that passes MSG_DONTWAIT still
     * finds nothing (EAGAIN). Sends go on working. */
    (void)shutdown(s->fd, SHUT_RD);
}

int mw_udp_set_timeout(mw_udp *s, int timeout_ms)
{
    if (!s)
        return MW_EINVAL;
    s->timeout_ms = timeout_ms < 0 ? MW_FOREVER : timeout_ms;
    return 0;
}

int mw_udp_set_nonblocking(mw_udp *s, bool on)
{
    if (!s)
        return MW_EINVAL;
    /* Mirror the mode on the descriptor so an event loop given mw_udp_fd sees it. */
    int rc = mwi_set_nonblocking(s->fd, on);
    if (rc == 0)
        s->nonblocking = on;
    return rc;
}

int mw_udp_connect(mw_udp *s, const mw_addr *peer)
{
    if (!s || !peer)
        return MW_EINVAL;
    struct sockaddr_storage ss;
    socklen_t len;
    if (peer->family == 0) {
        memset(&ss, 0, sizeof ss);
        ss.ss_family = AF_UNSPEC; /* connect(AF_UNSPEC) dissolves the association */
        len = sizeof(struct sockaddr);
    } else {
        if (peer->family == MW_AF_INET6 && s->family == MW_AF_INET4)
            return MW_EINVAL;
        len = mwi_addr_to_sockaddr(peer, s->family, &ss);
        if (len == 0)
            return MW_EINVAL;
    }
    mw_addr before;
    int rc = mwi_sockname(s->fd, &before);
    if (rc)
        return rc;
    while (connect(s->fd, (struct sockaddr *)&ss, len) < 0) {
        if (errno != EINTR)
            return mwi_errno();
    }
    s->connected = peer->family != 0;
    if (peer->family == 0) {
        /* Linux unbinds a port the kernel picked (bind to port 0) when the socket is
         * disconnected, and the socket would stop hearing anyone. Bind it back to the
         * same port, as the JDK does, on the address the kernel now reports. */
        mw_addr after;
        if ((rc = mwi_sockname(s->fd, &after)))
            return rc;
        if (after.port == 0 && before.port != 0) {
            after.port = before.port;
            if ((rc = mwi_bind(s->fd, &after, s->family)))
                return rc;
        }
    }
    return 0;
}

int mw_udp_set_buffers(mw_udp *s, int rcvbuf, int sndbuf)
{
    if (!s || rcvbuf < 0 || sndbuf < 0)
        return MW_EINVAL;
    int rc = 0;
    if (rcvbuf)
        rc = mwi_setsockopt_int(s->fd, SOL_SOCKET, SO_RCVBUF, rcvbuf);
    if (rc == 0 && sndbuf)
        rc = mwi_setsockopt_int(s->fd, SOL_SOCKET, SO_SNDBUF, sndbuf);
    return rc;
}

int mw_udp_wait_readable(mw_udp *s, int timeout_ms, uint32_t spin_us)
{
    if (!s)
        return MW_EINVAL;
    /* The spin and the sleep share one clock from the start of the call: the call
     * returns after max(spin, timeout) at most. */
    uint64_t start = mw_now_ns();
    uint64_t deadline = timeout_ms < 0 ? MWI_NO_DEADLINE : start + (uint64_t)timeout_ms * 1000000u;
    if (spin_us) {
        uint64_t spin_end = start + (uint64_t)spin_us * 1000u;
        do {
            struct pollfd p = {.fd = s->fd, .events = POLLIN};
            int r = poll(&p, 1, 0);
            if (r > 0)
                return (p.revents & POLLNVAL) ? MW_ECLOSED : 0;
            if (r < 0 && errno != EINTR)
                return mwi_errno();
        } while (mw_now_ns() < spin_end);
    }
    return mwi_wait(s->fd, POLLIN, deadline);
}

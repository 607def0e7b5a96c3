/* sock.c - descriptor helpers shared by the UDP, TCP and multicast code. */
#include <errno.h>
#include <fcntl.h>
#include <sys/time.h>
#include <time.h>

#include "net/sock.h"

uint64_t mwi_deadline(int timeout_ms)
{
    if (timeout_ms < 0)
        return MWI_NO_DEADLINE;
    return mw_now_ns() + (uint64_t)timeout_ms * 1000000u;
}

int mwi_wait(int fd, short events, uint64_t deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    for (;;) {
        struct timespec ts, *tsp = NULL;
        if (deadline != MWI_NO_DEADLINE) {
            uint64_t now = mw_now_ns();
            uint64_t left = deadline > now ? deadline - now : 0;
            ts.tv_sec = (time_t)(left / 1000000000u);
            ts.tv_nsec = (long)(left % 1000000000u);
            tsp = &ts;
        }
        /* ppoll takes nanoseconds, so a deadline is kept exactly, not rounded to ms. */
        p.revents = 0;
        int r = ppoll(&p, 1, tsp, NULL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return mwi_errno();
        }
        if (r == 0) {
            if (deadline == MWI_NO_DEADLINE || mw_now_ns() < deadline)
                continue; /* woke early (clock granularity): sleep the rest */
            return MW_ETIMEDOUT;
        }
        if (p.revents & POLLNVAL)
            return MW_ECLOSED;
        return 0;
    }
}

/* The coarsest jiffy: HZ=100. */
#define JIFFY_NS 10000000u

int mwi_set_rcvtimeo(int fd, uint64_t *cache, uint64_t us)
{
    if (*cache == us)
        return 0;
    struct timeval tv = {.tv_sec = (time_t)(us / 1000000u),
                         .tv_usec = (suseconds_t)(us % 1000000u)};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
        return mwi_errno();
    *cache = us;
    return 0;
}

/* Prepares the next attempt: waits in ppoll if that is the mode now, or sets the socket's
 * timeout if the cached one does not fit; sets rx->flags. */
static int rx_next(mwi_rx *rx)
{
    if (rx->poll) {
        int rc = mwi_wait(rx->fd, POLLIN, rx->deadline);
        rx->flags = MSG_DONTWAIT;
        return rc;
    }
    if (rx->deadline == MWI_NO_DEADLINE) {
        rx->flags = 0;
        return mwi_set_rcvtimeo(rx->fd, rx->timeo_us, 0); /* 0: no timeout */
    }
    uint64_t now = mw_now_ns();
    if (now >= rx->deadline) {
        rx->flags = MSG_DONTWAIT; /* one look, no wait */
        return 0;
    }
    uint64_t left = rx->deadline - now;
    if (left < MWI_RX_KERNEL_MIN_NS) {
        rx->poll = true;
        return rx_next(rx);
    }
    /* The longest kernel timeout that cannot end after the deadline (sock.h). */
    uint64_t most = (left - 2 * JIFFY_NS) / 9 * 8 / 1000;
    uint64_t have = *rx->timeo_us;
    rx->flags = 0;
    if (have != 0 && have <= most && have >= most - most / 8)
        return 0;
    return mwi_set_rcvtimeo(rx->fd, rx->timeo_us, most - most / 16);
}

/* The attempt found nothing: MW_ETIMEDOUT if it was the last look before the deadline,
 * else 0 (and later attempts wait in ppoll). */
static int rx_empty(mwi_rx *rx)
{
    if ((rx->flags & MSG_DONTWAIT) && rx->deadline != MWI_NO_DEADLINE &&
        mw_now_ns() >= rx->deadline)
        return MW_ETIMEDOUT;
    rx->poll = true;
    return 0;
}

int mwi_rx_run(mwi_rx *rx, mwi_rx_attempt_fn attempt, void *ctx)
{
    for (;;) {
        int rc = rx_next(rx);
        if (rc)
            return rc;
        rc = attempt(ctx, rx->flags);
        if (rc == MWI_INTERRUPTED)
            continue; /* the next round computes the time left */
        if (rc != MW_EAGAIN)
            return rc;
        if ((rc = rx_empty(rx)) != 0)
            return rc;
    }
}

int mwi_errno(void) { return mw_error_from_errno(errno); }

int mwi_set_nonblocking(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return mwi_errno();
    int want = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
    if (want != fl && fcntl(fd, F_SETFL, want) < 0)
        return mwi_errno();
    return 0;
}

int mwi_setsockopt_int(int fd, int level, int name, int value)
{
    if (setsockopt(fd, level, name, &value, sizeof value) < 0)
        return mwi_errno();
    return 0;
}

int mwi_getsockopt_int(int fd, int level, int name, int *value)
{
    socklen_t len = sizeof *value;
    *value = 0;
    if (getsockopt(fd, level, name, value, &len) < 0)
        return mwi_errno();
    return 0;
}

int mwi_socket(int family, int type, bool nonblocking, int *fd)
{
    int af;
    if (family == MW_AF_INET4)
        af = AF_INET;
    else if (family == MW_AF_INET6)
        af = AF_INET6;
    else
        return MW_EINVAL;
    int s = socket(af, type | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (s < 0)
        return mwi_errno();
    *fd = s;
    return 0;
}

int mwi_bind(int fd, const mw_addr *a, int sock_family)
{
    struct sockaddr_storage ss;
    socklen_t len = mwi_addr_to_sockaddr(a, sock_family, &ss);
    if (len == 0)
        return MW_EINVAL;
    if (bind(fd, (struct sockaddr *)&ss, len) < 0)
        return mwi_errno();
    return 0;
}

int mwi_sockname(int fd, mw_addr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return mwi_errno();
    return mwi_addr_from_sockaddr(out, (struct sockaddr *)&ss, len);
}

int mwi_peername(int fd, mw_addr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
        return mwi_errno();
    return mwi_addr_from_sockaddr(out, (struct sockaddr *)&ss, len);
}

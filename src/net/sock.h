/*
 * sock.h - what the files of src/net share: the socket handles' layouts, conversion
 * between mw_addr and struct sockaddr, deadlines, and waiting on one descriptor.
 * Internal: mwi_ names, never installed.
 */
#ifndef MW_NET_SOCK_H
#define MW_NET_SOCK_H

#include <poll.h>
#include <sys/socket.h>

#include <midway/net.h>

#include "base/mw_impl.h"

/* A UDP socket. The descriptor stays in blocking mode unless the caller asks for
 * non-blocking mode, so an event loop sees the mode it set. Receives block inside the
 * kernel under a receive timeout (mwi_rx below), so waiting and receiving are one system
 * call; sends pass MSG_DONTWAIT and wait in poll when the buffer is full. */
struct mw_udp {
    int fd;               /* the socket */
    int family;           /* MW_AF_INET4 or MW_AF_INET6, the socket's own family */
    int timeout_ms;       /* receive timeout; MW_FOREVER by default */
    bool nonblocking;     /* MW_EAGAIN instead of waiting */
    bool connected;       /* mw_udp_connect has set a peer */
    uint64_t rcvtimeo_us; /* SO_RCVTIMEO as mwi_rx last set it; 0: none (the default) */
};

/* No deadline: wait forever. */
#define MWI_NO_DEADLINE UINT64_MAX
/* What a blocking receive returns when a signal interrupted it: the caller computes the
 * time left and tries again (positive, so it is never taken for an MW_E... code). */
#define MWI_INTERRUPTED 1

/*
 * A receive that must end by a deadline, in one system call when data comes in time: the
 * descriptor stays blocking and the kernel's receive timeout (SO_RCVTIMEO) bounds the
 * blocking recv, instead of a poll followed by a non-blocking recv.
 *
 * The kernel's timeout is coarse: it runs on the jiffy timer wheel, so it may expire a
 * jiffy early, or late by a jiffy plus up to an eighth of its length (the wheel's coarser
 * levels). So the timeout set is shorter than the time left: at most 8/9 of what is left
 * after two jiffies of the coarsest kernels (10 ms, HZ=100), and the last stretch is
 * waited in ppoll, which keeps the deadline to the microsecond as before.
 *
 * Setting the option is a system call, so the value last set is cached on the handle and
 * kept while it stays between 7/8 of the most allowed and the most allowed: a client's
 * calls with one per-attempt timeout all reuse it.
 *
 * After an attempt that found nothing (the kernel's timeout ran out, or someone made the
 * descriptor non-blocking) the rest of the wait is in ppoll, so a deadline is never
 * overshot and never busy-waited. After EINTR the next attempt computes the time left
 * anew.
 *
 * Use: fill fd, deadline and timeo_us, and hand mwi_rx_run the receive to attempt.
 */
typedef struct mwi_rx {
    int fd;             /* the socket, in blocking mode */
    uint64_t deadline;  /* an mw_now_ns() instant, or MWI_NO_DEADLINE */
    uint64_t *timeo_us; /* the handle's cache of SO_RCVTIMEO (microseconds, 0: none) */
    bool poll;          /* wait in ppoll from now on */
    int flags;          /* for the next attempt: 0 (block) or MSG_DONTWAIT */
} mwi_rx;

/* Shortest time left for which a kernel timeout is used; below it ppoll waits (a timeout
 * of at least a millisecond remains after the margins). */
#define MWI_RX_KERNEL_MIN_NS (25u * 1000000u)

/* One receive attempt: flags is 0 (block, under the socket's timeout) or MSG_DONTWAIT.
 * Returns 0, MWI_INTERRUPTED after a signal, MW_EAGAIN when nothing came, or an error. */
typedef int (*mwi_rx_attempt_fn)(void *ctx, int flags);
/* Makes attempts until one receives or fails, or the deadline passes (MW_ETIMEDOUT);
 * MW_ECLOSED for a closed descriptor, or the error of setsockopt. */
int mwi_rx_run(mwi_rx *rx, mwi_rx_attempt_fn attempt, void *ctx);

/* Sets SO_RCVTIMEO on fd to us microseconds (0: none) unless *cache says it already is;
 * updates *cache. 0 or the error of setsockopt. */
int mwi_set_rcvtimeo(int fd, uint64_t *cache, uint64_t us);

/* The mw_now_ns() instant timeout_ms from now; MWI_NO_DEADLINE for a negative timeout. */
uint64_t mwi_deadline(int timeout_ms);
/* Waits until fd has one of events (POLLERR and POLLHUP count as ready: the next call on
 * the socket reports them), resuming after EINTR with the time left. A deadline already
 * past still checks once without sleeping. 0, MW_ETIMEDOUT, MW_ECLOSED (bad fd). */
int mwi_wait(int fd, short events, uint64_t deadline);
/* The current errno as an MW_E... code. */
int mwi_errno(void);
/* O_NONBLOCK on or off. */
int mwi_set_nonblocking(int fd, bool on);
/* setsockopt/getsockopt with an int value, errors mapped. */
int mwi_setsockopt_int(int fd, int level, int name, int value);
int mwi_getsockopt_int(int fd, int level, int name, int *value);
/* A new socket of an MW_AF_ family: close-on-exec always, SOCK_NONBLOCK if asked. */
int mwi_socket(int family, int type, bool nonblocking, int *fd);
/* Binds fd to a; errors mapped. */
int mwi_bind(int fd, const mw_addr *a, int sock_family);

/*
 * Fills ss from a and returns its length, or 0 when a is unset. sock_family is the
 * family of the socket it is for: an IPv4 address meant for an IPv6 socket becomes the
 * IPv4-mapped ::ffff:a.b.c.d, so a dual-stack socket can reach IPv4 peers.
 */
socklen_t mwi_addr_to_sockaddr(const mw_addr *a, int sock_family, struct sockaddr_storage *ss);
/* Fills a from sa; IPv4-mapped IPv6 addresses come back as IPv4, as Java reports them.
 * MW_EINVAL for other families. */
int mwi_addr_from_sockaddr(mw_addr *a, const struct sockaddr *sa, socklen_t len);
/* getsockname / getpeername into an mw_addr. */
int mwi_sockname(int fd, mw_addr *out);
int mwi_peername(int fd, mw_addr *out);

/* One slot of mwi_udp_recv_many. */
typedef struct mwi_dgram {
    uint8_t *buf; /* room for MWI_DGRAM_CAP bytes: any datagram fits, none is truncated */
    size_t len;   /* out: the datagram's length */
    mw_addr from; /* out: its sender (family 0 if the kernel gave none we know) */
} mwi_dgram;

/* Bytes of every mwi_dgram buffer: more than the largest UDP payload. */
#define MWI_DGRAM_CAP 65536
/* Most datagrams one mwi_udp_recv_many takes. */
#define MWI_RECV_MANY_MAX 16

/*
 * For event loops: takes the datagrams already queued, up to n (at most
 * MWI_RECV_MANY_MAX), in one system call (recvmmsg; recvfrom for n == 1, which costs
 * less), never waiting. 0 with *got >= 1, MW_EAGAIN when none is queued, or the socket's
 * error.
 */
int mwi_udp_recv_many(mw_udp *s, mwi_dgram *v, size_t n, size_t *got);
/*
 * The same, waiting up to wait_ms (0: not at all) for the first datagram in the receive
 * itself (recvfrom, or recvmmsg with MSG_WAITFORONE, under SO_RCVTIMEO): for a loop thread
 * that has nothing else to wait for, one system call where a readiness wait and a receive
 * were two. The wait is the kernel's timeout alone, so it may end a jiffy early or a few
 * milliseconds late: for a loop's periodic work, not for a caller's deadline (that is
 * mwi_rx). The descriptor must be in blocking mode. MW_EAGAIN when nothing came; after
 * mwi_udp_wake_receivers, at once 0 with one empty datagram whose sender is unset.
 */
int mwi_udp_recv_many_wait(mw_udp *s, mwi_dgram *v, size_t n, size_t *got, int wait_ms);
/* From any thread: ends a receive of mwi_udp_recv_many_wait blocked on s, and makes every
 * later waiting one return at once (shutdown of the reading side; datagrams may still queue, and
 * sends still work). For stopping a loop thread. Linux; other receives of the socket
 * (mwi_rx's waits in ppoll) do not see it. */
void mwi_udp_wake_receivers(mw_udp *s);

/* mw_tcp_read_exact and mw_tcp_write_all against an absolute deadline, so the UTF
 * framing can spend one timeout over the header and the body. */
int mwi_tcp_read_exact_until(mw_tcp *c, void *buf, size_t n, uint64_t deadline);
int mwi_tcp_write_all_until(mw_tcp *c, const void *data, size_t n, uint64_t deadline);
/* mw_tcp_read_some against an absolute deadline (the request-reply client's timers).
 * c, buf and n must be valid, cap > 0. */
int mwi_tcp_read_some_until(mw_tcp *c, void *buf, size_t cap, size_t *n, uint64_t deadline);

#endif

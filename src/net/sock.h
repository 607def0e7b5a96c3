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
 * non-blocking mode, so an event loop sees the mode it set; our own calls never block
 * inside the kernel: they pass MSG_DONTWAIT and wait in poll, which is how a timeout is
 * kept across EINTR. */
struct mw_udp {
    int fd;           /* the socket */
    int family;       /* MW_AF_INET4 or MW_AF_INET6, the socket's own family */
    int timeout_ms;   /* receive timeout; MW_FOREVER by default */
    bool nonblocking; /* MW_EAGAIN instead of waiting */
    bool connected;   /* mw_udp_connect has set a peer */
};

/* No deadline: wait forever. */
#define MWI_NO_DEADLINE UINT64_MAX

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

/* mw_tcp_read_exact and mw_tcp_write_all against an absolute deadline, so the UTF
 * framing can spend one timeout over the header and the body. */
int mwi_tcp_read_exact_until(mw_tcp *c, void *buf, size_t n, uint64_t deadline);
int mwi_tcp_write_all_until(mw_tcp *c, const void *data, size_t n, uint64_t deadline);

#endif

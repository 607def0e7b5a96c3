/*
 * midway/net.h - the API for the Internet protocols (seeds: "API for Internet Protocols",
 * Figures 4.3-4.6 and 4.20): addresses, UDP datagrams, TCP streams, Java-compatible
 * string framing, IP multicast.
 *
 * Handles (mw_udp, mw_tcp, mw_tcp_listener) are opaque and owned by the caller, who
 * closes each exactly once. A handle may be used by one thread at a time, except that
 * a send (mw_udp_sendto, mw_udp_send) and a receive (mw_udp_recvfrom, mw_udp_recv_until)
 * may run concurrently on one socket.
 *
 * Timeouts are in milliseconds: MW_FOREVER (negative) waits forever, 0 does not wait.
 * Every call resumes after EINTR, keeping its deadline.
 */
#ifndef MIDWAY_NET_H
#define MIDWAY_NET_H

#include <midway/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------ */
/* Addresses                                                                            */
/* ------------------------------------------------------------------------------------ */

#define MW_AF_INET4 4 /* IPv4 */
#define MW_AF_INET6 6 /* IPv6 */

/* An IP address and port. A plain value: copy it, compare it with mw_addr_equal. */
typedef struct mw_addr {
    uint8_t family;    /* MW_AF_INET4 or MW_AF_INET6; 0 for an unset address */
    uint8_t reserved;  /* zero */
    uint16_t port;     /* in host byte order */
    uint32_t scope_id; /* IPv6 scope (interface index) for link-local addresses, else 0 */
    uint8_t ip[16];    /* network byte order; IPv4 uses ip[0..4) */
} mw_addr;

/* Room for any string mw_addr_format writes, NUL included. */
#define MW_ADDR_STRLEN 64

/*
 * Parses a numeric address: "1.2.3.4:80", "[::1]:80", "[fe80::1%lo]:80". With
 * default_port >= 0 the port may be left out ("1.2.3.4", "::1", "[::1]"). No name
 * lookup: MW_EADDR for anything else, MW_ERANGE for a port above 65535.
 */
MW_API int mw_addr_parse(mw_addr *out, const char *text, int default_port);
/*
 * Like mw_addr_parse, but the host may be a name ("localhost:7896"), looked up with the
 * system resolver (blocking). family: 0 for either (IPv4 preferred), MW_AF_INET4 or
 * MW_AF_INET6. MW_ENOTFOUND for an unknown host.
 */
MW_API int mw_addr_resolve(mw_addr *out, const char *text, int default_port, int family);
/* Parses a decimal port 0..65535. MW_ERANGE or MW_EINVAL. */
MW_API int mw_port_parse(const char *text, uint16_t *port);
/* Writes "1.2.3.4:80" or "[::1]:80" into buf. MW_EINVAL for an unset address, MW_ERANGE
 * if buf is too small (MW_ADDR_STRLEN always suffices). */
MW_API int mw_addr_format(const mw_addr *a, char *buf, size_t size);
/* Writes the address without the port ("1.2.3.4", "::1"). */
MW_API int mw_addr_format_ip(const mw_addr *a, char *buf, size_t size);
/* The wildcard address (0.0.0.0 or ::) or the loopback (127.0.0.1 or ::1) with a port. */
MW_API void mw_addr_any(mw_addr *out, int family, uint16_t port);
MW_API void mw_addr_loopback(mw_addr *out, int family, uint16_t port);
/* True for IPv4 224.0.0.0/4 and IPv6 ff00::/8. */
MW_API bool mw_addr_is_multicast(const mw_addr *a);
/* Family, ip, port and scope all equal. */
MW_API bool mw_addr_equal(const mw_addr *a, const mw_addr *b);

/* ------------------------------------------------------------------------------------ */
/* UDP datagrams (Figures 4.3 and 4.4)                                                  */
/* ------------------------------------------------------------------------------------ */

typedef struct mw_udp mw_udp;

/* Flags for mw_udp_open. */
#define MW_UDP_REUSEADDR 0x1 /* SO_REUSEADDR: several sockets share a port (multicast) */
#define MW_UDP_REUSEPORT 0x2 /* SO_REUSEPORT: the kernel spreads datagrams over sockets */
#define MW_UDP_V6ONLY 0x4    /* an IPv6 socket refuses IPv4-mapped traffic */

/* The largest UDP payload: 65535 minus the IPv4 and UDP headers. */
#define MW_UDP_MAX_PAYLOAD 65507

/*
 * Opens a UDP socket bound to local (port 0: any free port; read it back with
 * mw_udp_local_addr). local == NULL binds the IPv4 wildcard on a free port, like Java's
 * DatagramSocket(). Errors: MW_EADDRINUSE, MW_EADDRNOTAVAIL, MW_EPERM, MW_ESYS.
 * The caller owns *out.
 */
MW_API int mw_udp_open(mw_udp **out, const mw_addr *local, int flags);
/* Closes the socket; NULL is ignored. */
MW_API void mw_udp_close(mw_udp *s);
MW_API int mw_udp_local_addr(mw_udp *s, mw_addr *out);
/* The file descriptor, for event loops. Still owned by s. Blocking receives wait in the
 * kernel under the descriptor's receive timeout (SO_RCVTIMEO), which they set as they
 * need: leave that option to them. */
MW_API int mw_udp_fd(mw_udp *s);

/*
 * Sends one datagram of n bytes to `to`. Does not block for long (UDP has no flow
 * control); MW_EMSGSIZE above MW_UDP_MAX_PAYLOAD or the path MTU limit for IPv6.
 * On a non-blocking socket with a full send buffer: MW_EAGAIN.
 */
MW_API int mw_udp_sendto(mw_udp *s, const void *data, size_t n, const mw_addr *to);
/*
 * Receives one datagram from anyone into buf[0..cap): *n gets its length, *from (if not
 * NULL) the sender. Blocks up to the socket's timeout (MW_ETIMEDOUT) or, non-blocking,
 * returns MW_EAGAIN at once. A datagram longer than cap is never truncated: the call
 * returns MW_EMSGSIZE, *n is its real length, and the datagram stays queued so the
 * caller can receive it again with a larger buffer (with cap >= 65536 no such check is
 * needed and the call makes one system call, waiting included).
 */
MW_API int mw_udp_recvfrom(mw_udp *s, void *buf, size_t cap, size_t *n, mw_addr *from);
/* A deadline that never comes: wait forever. */
#define MW_NO_DEADLINE UINT64_MAX
/*
 * Receives one datagram as mw_udp_recvfrom does, but waits until an absolute deadline
 * instead of for the socket's timeout: deadline_ns is an mw_now_ns() instant,
 * MW_NO_DEADLINE waits forever, and a deadline already past (0) takes a datagram only if
 * one is queued. MW_ETIMEDOUT when none came in time; in non-blocking mode MW_EAGAIN at
 * once, as mw_udp_recvfrom. For loops that keep one deadline over several receives
 * (retransmission timers). Blocks. The same never-truncate rule; with cap >= 65536 a
 * datagram that arrives in time costs one system call, waiting included.
 */
MW_API int mw_udp_recv_until(mw_udp *s, void *buf, size_t cap, size_t *n, mw_addr *from,
                             uint64_t deadline_ns);
/* Sets the receive timeout (Java's setSoTimeout): MW_FOREVER (the default) blocks. */
MW_API int mw_udp_set_timeout(mw_udp *s, int timeout_ms);
/* Non-blocking mode: receive and send return MW_EAGAIN instead of waiting. */
MW_API int mw_udp_set_nonblocking(mw_udp *s, bool on);
/* Connects the socket: only `peer` is heard from, and mw_udp_send sends to it. A peer
 * with family 0 disconnects. */
MW_API int mw_udp_connect(mw_udp *s, const mw_addr *peer);
/* Sends on a connected socket. MW_ESTATE when not connected; MW_ECONNREFUSED when an
 * earlier datagram drew an ICMP port-unreachable. */
MW_API int mw_udp_send(mw_udp *s, const void *data, size_t n);
/* Kernel buffer sizes (SO_RCVBUF / SO_SNDBUF); 0 leaves one unchanged. */
MW_API int mw_udp_set_buffers(mw_udp *s, int rcvbuf, int sndbuf);
/*
 * Waits until the socket is readable, first spinning for up to spin_us microseconds
 * with non-blocking checks (a low-latency mode), then sleeping up to timeout_ms.
 * 0 when readable, MW_ETIMEDOUT otherwise.
 */
MW_API int mw_udp_wait_readable(mw_udp *s, int timeout_ms, uint32_t spin_us);

/* ------------------------------------------------------------------------------------ */
/* IP multicast (Figure 4.20)                                                           */
/* ------------------------------------------------------------------------------------ */

/*
 * Joins group (IPv4 224.0.0.0/4 or IPv6 ff00::/8) on the interface named ifname
 * ("lo", "eth0"; NULL lets the kernel choose). The socket must be bound to the group's
 * port and family. MW_ENOTMCAST for a unicast address, MW_ENOENT for an unknown
 * interface, MW_EADDRNOTAVAIL when the interface cannot join.
 */
MW_API int mw_mcast_join(mw_udp *s, const mw_addr *group, const char *ifname);
/* Leaves a group joined with mw_mcast_join. */
MW_API int mw_mcast_leave(mw_udp *s, const mw_addr *group, const char *ifname);
/* Hop limit of datagrams sent to groups; 1 (the default, as in Java) stays on the link. */
MW_API int mw_mcast_set_ttl(mw_udp *s, int ttl);
/* Whether our own datagrams to a group come back to this host's members (default on). */
MW_API int mw_mcast_set_loopback(mw_udp *s, bool on);
/* The interface datagrams to groups leave by; NULL restores the kernel's choice. */
MW_API int mw_mcast_set_interface(mw_udp *s, const char *ifname);
/*
 * Convenience for a peer of Figure 4.20: opens a socket of the group's family bound to
 * the wildcard address on the group's port with MW_UDP_REUSEADDR (several peers on one
 * host), receiving only this group's datagrams, joins the group on ifname and sends to
 * it through ifname too. The caller owns *out.
 */
MW_API int mw_mcast_open(mw_udp **out, const mw_addr *group, const char *ifname);

/* ------------------------------------------------------------------------------------ */
/* TCP streams (Figures 4.5 and 4.6)                                                    */
/* ------------------------------------------------------------------------------------ */

typedef struct mw_tcp_listener mw_tcp_listener;
typedef struct mw_tcp mw_tcp;

/* Listens on local (port 0: any free port) with the given backlog (<= 0: a default).
 * SO_REUSEADDR is set so a restarted server can rebind at once. */
MW_API int mw_tcp_listen(mw_tcp_listener **out, const mw_addr *local, int backlog);
MW_API void mw_tcp_listener_close(mw_tcp_listener *l);
MW_API int mw_tcp_listener_addr(mw_tcp_listener *l, mw_addr *out);
MW_API int mw_tcp_listener_fd(mw_tcp_listener *l);
/* Accepts a connection, waiting up to timeout_ms (MW_ETIMEDOUT). *peer (if not NULL)
 * gets the client's address. The caller owns *out. */
MW_API int mw_tcp_accept(mw_tcp_listener *l, mw_tcp **out, mw_addr *peer, int timeout_ms);

/* Connects to remote, waiting up to timeout_ms. MW_ECONNREFUSED, MW_ETIMEDOUT,
 * MW_EUNREACH. The caller owns *out. */
MW_API int mw_tcp_connect(mw_tcp **out, const mw_addr *remote, int timeout_ms);
/* Closes the connection; NULL is ignored. */
MW_API void mw_tcp_close(mw_tcp *c);
/* Closes with a reset (SO_LINGER 0) instead of an orderly close, for tests of faults. */
MW_API void mw_tcp_abort(mw_tcp *c);
/* The descriptor, still owned by c. As with mw_udp_fd, reads set its SO_RCVTIMEO. */
MW_API int mw_tcp_fd(mw_tcp *c);
MW_API int mw_tcp_peer_addr(mw_tcp *c, mw_addr *out);
MW_API int mw_tcp_local_addr(mw_tcp *c, mw_addr *out);

/* Writes all n bytes, waiting up to timeout_ms in all. MW_ETIMEDOUT (some bytes may have
 * been written), MW_ECONNRESET when the peer has gone. Never raises SIGPIPE. */
MW_API int mw_tcp_write_all(mw_tcp *c, const void *data, size_t n, int timeout_ms);
/*
 * Reads exactly n bytes, waiting up to timeout_ms in all. MW_EEOF when the stream ended
 * cleanly before the first byte; MW_ETRUNCATED when it ended after some but not all;
 * MW_ECONNRESET when the peer reset; MW_ETIMEDOUT.
 */
MW_API int mw_tcp_read_exact(mw_tcp *c, void *buf, size_t n, int timeout_ms);
/* Reads what is available, at least 1 byte, at most cap: *n gets the count. MW_EEOF at
 * end of stream. */
MW_API int mw_tcp_read_some(mw_tcp *c, void *buf, size_t cap, size_t *n, int timeout_ms);
/* Half-close: no more writes from us; the peer reads end of stream, we can still read. */
MW_API int mw_tcp_shutdown_write(mw_tcp *c);
/* TCP_NODELAY (Nagle off). */
MW_API int mw_tcp_set_nodelay(mw_tcp *c, bool on);
/* SO_KEEPALIVE, with the idle time before the first probe (0 keeps the system's). */
MW_API int mw_tcp_set_keepalive(mw_tcp *c, bool on, int idle_s);

/* ------------------------------------------------------------------------------------ */
/* Java's writeUTF/readUTF framing                                                      */
/* ------------------------------------------------------------------------------------ */

/* The most bytes of modified UTF-8 that writeUTF can frame. */
#define MW_UTF_MAX 65535

/*
 * Writes s[0..n) (UTF-8) as DataOutputStream.writeUTF does: a 2-byte big-endian length,
 * then modified UTF-8. MW_EUTF for invalid UTF-8, MW_EMSGSIZE when the modified UTF-8 is
 * longer than 65535 bytes (nothing is written then), else as mw_tcp_write_all.
 */
MW_API int mw_tcp_write_utf(mw_tcp *c, const char *s, size_t n, int timeout_ms);
/*
 * Reads one string framed by writeUTF and appends it to out as UTF-8 (no NUL; the
 * length grows by at most 65535). MW_EUTF for invalid modified UTF-8 (the frame is
 * consumed), else as mw_tcp_read_exact.
 */
MW_API int mw_tcp_read_utf(mw_tcp *c, mw_buf *out, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* MIDWAY_NET_H */

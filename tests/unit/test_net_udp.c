/* test_net_udp.c - UDP sockets on loopback: echo, addresses, timeouts, deadlines, modes,
 * sizes. */
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <cmocka.h>

#include <midway/net.h>

#include "net/sock.h"

/* Every wait in these tests is bounded by this; a passing run waits far less. */
#define WAIT_MS 5000

static mw_udp *open_loopback(int family)
{
    mw_addr a;
    mw_addr_loopback(&a, family, 0);
    mw_udp *s = NULL;
    assert_int_equal(mw_udp_open(&s, &a, 0), 0);
    assert_int_equal(mw_udp_set_timeout(s, WAIT_MS), 0);
    return s;
}

static mw_addr local_of(mw_udp *s)
{
    mw_addr a;
    assert_int_equal(mw_udp_local_addr(s, &a), 0);
    assert_int_not_equal(a.port, 0);
    return a;
}

/* A port nobody listens on: bind one, read it, close it. */
static mw_addr dead_port(int family)
{
    mw_udp *s = open_loopback(family);
    mw_addr a = local_of(s);
    mw_udp_close(s);
    return a;
}

static uint64_t elapsed_ms(uint64_t start_ns) { return (mw_now_ns() - start_ns) / 1000000u; }

/* ---- echo through a server thread -------------------------------------------------- */

struct echo {
    mw_udp *sock;
    int count; /* datagrams to echo before returning */
    int rc;    /* first error, or 0 */
};

static void echo_server(void *arg)
{
    struct echo *e = arg;
    uint8_t buf[2048];
    for (int i = 0; i < e->count; i++) {
        size_t n;
        mw_addr from;
        int rc = mw_udp_recvfrom(e->sock, buf, sizeof buf, &n, &from);
        if (rc == 0)
            rc = mw_udp_sendto(e->sock, buf, n, &from);
        if (rc) {
            e->rc = rc;
            return;
        }
    }
}

static void echo_on(int family)
{
    mw_udp *server = open_loopback(family), *client = open_loopback(family);
    mw_addr server_addr = local_of(server);
    struct echo e = {server, 20, 0};
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, echo_server, &e), 0);
    for (int i = 0; i < 20; i++) {
        char msg[64], back[64];
        int len = snprintf(msg, sizeof msg, "message %d of 20", i);
        assert_int_equal(mw_udp_sendto(client, msg, (size_t)len, &server_addr), 0);
        size_t n;
        mw_addr from;
        assert_int_equal(mw_udp_recvfrom(client, back, sizeof back, &n, &from), 0);
        assert_int_equal(n, (size_t)len);
        assert_memory_equal(back, msg, n);
        assert_true(mw_addr_equal(&from, &server_addr));
    }
    mw_thread_join(t);
    assert_int_equal(e.rc, 0);
    mw_udp_close(client);
    mw_udp_close(server);
}

static void test_echo_ipv4(void **state)
{
    (void)state;
    echo_on(MW_AF_INET4);
}

static void test_echo_ipv6(void **state)
{
    (void)state;
    echo_on(MW_AF_INET6);
}

static void test_sender_address(void **state)
{
    (void)state;
    mw_udp *a = open_loopback(MW_AF_INET4), *b = open_loopback(MW_AF_INET4);
    mw_addr aa = local_of(a), ba = local_of(b);
    char fmt[MW_ADDR_STRLEN];
    assert_int_equal(mw_addr_format(&aa, fmt, sizeof fmt), 0);
    assert_memory_equal(fmt, "127.0.0.1:", 10);
    assert_int_equal(mw_udp_sendto(a, "hi", 2, &ba), 0);
    char buf[8];
    size_t n;
    mw_addr from;
    assert_int_equal(mw_udp_recvfrom(b, buf, sizeof buf, &n, &from), 0);
    assert_true(mw_addr_equal(&from, &aa));
    /* from is optional */
    assert_int_equal(mw_udp_sendto(a, "yo", 2, &ba), 0);
    assert_int_equal(mw_udp_recvfrom(b, buf, sizeof buf, &n, NULL), 0);
    assert_memory_equal(buf, "yo", 2);
    mw_udp_close(a);
    mw_udp_close(b);
}

static void test_dual_stack_socket_hears_ipv4(void **state)
{
    (void)state;
    /* An IPv6 wildcard socket without MW_UDP_V6ONLY takes IPv4 too, and reports and
     * answers IPv4 senders as IPv4 addresses. */
    mw_addr any6;
    mw_addr_any(&any6, MW_AF_INET6, 0);
    mw_udp *v6;
    assert_int_equal(mw_udp_open(&v6, &any6, 0), 0);
    assert_int_equal(mw_udp_set_timeout(v6, WAIT_MS), 0);
    mw_addr v6addr = local_of(v6), to;
    mw_addr_loopback(&to, MW_AF_INET4, v6addr.port);
    mw_udp *v4 = open_loopback(MW_AF_INET4);
    mw_addr v4addr = local_of(v4);
    assert_int_equal(mw_udp_sendto(v4, "four", 4, &to), 0);
    char buf[8];
    size_t n;
    mw_addr from;
    assert_int_equal(mw_udp_recvfrom(v6, buf, sizeof buf, &n, &from), 0);
    assert_int_equal(from.family, MW_AF_INET4);
    assert_true(mw_addr_equal(&from, &v4addr));
    assert_int_equal(mw_udp_sendto(v6, "back", 4, &from), 0);
    assert_int_equal(mw_udp_recvfrom(v4, buf, sizeof buf, &n, NULL), 0);
    assert_memory_equal(buf, "back", 4);
    /* An IPv4 socket cannot send to an IPv6 address. */
    assert_int_equal(mw_udp_sendto(v4, "x", 1, &v6addr), MW_EINVAL);
    mw_udp_close(v4);
    mw_udp_close(v6);
}

static void test_timeout(void **state)
{
    (void)state;
    mw_udp *s = open_loopback(MW_AF_INET4);
    char buf[16];
    size_t n;
    assert_int_equal(mw_udp_set_timeout(s, 150), 0);
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), MW_ETIMEDOUT);
    uint64_t ms = elapsed_ms(t0);
    assert_true(ms >= 150);
    assert_true(ms < 3000);
    /* 0 does not wait at all. */
    assert_int_equal(mw_udp_set_timeout(s, 0), 0);
    t0 = mw_now_ns();
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), MW_ETIMEDOUT);
    assert_true(elapsed_ms(t0) < 1000);
    /* A datagram already queued is returned even with timeout 0. */
    mw_addr self = local_of(s);
    assert_int_equal(mw_udp_sendto(s, "self", 4, &self), 0);
    assert_int_equal(mw_udp_wait_readable(s, WAIT_MS, 0), 0);
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), 0);
    assert_int_equal(n, 4);
    mw_udp_close(s);
}

static void test_nonblocking(void **state)
{
    (void)state;
    mw_udp *s = open_loopback(MW_AF_INET6);
    int fd = mw_udp_fd(s);
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    assert_int_equal(mw_udp_set_nonblocking(s, true), 0);
    assert_int_not_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0); /* event loops see it */
    char buf[16];
    size_t n;
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), MW_EAGAIN);
    assert_true(elapsed_ms(t0) < 1000);
    mw_addr self = local_of(s);
    assert_int_equal(mw_udp_sendto(s, "nb", 2, &self), 0);
    assert_int_equal(mw_udp_wait_readable(s, WAIT_MS, 0), 0);
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), MW_EAGAIN);
    assert_int_equal(mw_udp_set_nonblocking(s, false), 0);
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    assert_int_equal(mw_udp_set_timeout(s, 50), 0);
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), MW_ETIMEDOUT);
    mw_udp_close(s);
}

static void test_oversize_never_truncated(void **state)
{
    (void)state;
    mw_udp *a = open_loopback(MW_AF_INET4), *b = open_loopback(MW_AF_INET4);
    mw_addr aa = local_of(a), ba = local_of(b);
    uint8_t msg[1000];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 13);
    assert_int_equal(mw_udp_sendto(a, msg, sizeof msg, &ba), 0);
    uint8_t small[100], big[2000];
    size_t n = 0;
    mw_addr from;
    assert_int_equal(mw_udp_recvfrom(b, small, sizeof small, &n, &from), MW_EMSGSIZE);
    assert_int_equal(n, sizeof msg);
    /* Still queued: the same answer again, then the whole datagram with room for it. */
    n = 0;
    assert_int_equal(mw_udp_recvfrom(b, small, sizeof small, &n, NULL), MW_EMSGSIZE);
    assert_int_equal(n, sizeof msg);
    assert_int_equal(mw_udp_recvfrom(b, big, sizeof msg, &n, &from), 0); /* exact fit */
    assert_int_equal(n, sizeof msg);
    assert_memory_equal(big, msg, sizeof msg);
    assert_true(mw_addr_equal(&from, &aa));
    /* cap 0 with no buffer: fine for an empty datagram, refused for anything else. */
    assert_int_equal(mw_udp_sendto(a, NULL, 0, &ba), 0);
    assert_int_equal(mw_udp_recvfrom(b, NULL, 0, &n, NULL), 0);
    assert_int_equal(n, 0);
    assert_int_equal(mw_udp_sendto(a, "x", 1, &ba), 0);
    assert_int_equal(mw_udp_recvfrom(b, NULL, 0, &n, NULL), MW_EMSGSIZE);
    assert_int_equal(n, 1);
    assert_int_equal(mw_udp_recvfrom(b, big, sizeof big, &n, NULL), 0);
    assert_int_equal(n, 1);
    mw_udp_close(a);
    mw_udp_close(b);
}

static void test_largest_datagram(void **state)
{
    (void)state;
    mw_udp *a = open_loopback(MW_AF_INET4), *b = open_loopback(MW_AF_INET4);
    mw_addr ba = local_of(b);
    assert_int_equal(mw_udp_set_buffers(b, 1 << 20, 0), 0);
    uint8_t *msg = malloc(MW_UDP_MAX_PAYLOAD + 1), *buf = malloc(65536);
    assert_non_null(msg);
    assert_non_null(buf);
    for (size_t i = 0; i <= MW_UDP_MAX_PAYLOAD; i++)
        msg[i] = (uint8_t)(i ^ (i >> 8));
    assert_int_equal(mw_udp_sendto(a, msg, MW_UDP_MAX_PAYLOAD + 1, &ba), MW_EMSGSIZE);
    assert_int_equal(mw_udp_sendto(a, msg, MW_UDP_MAX_PAYLOAD, &ba), 0);
    assert_int_equal(mw_udp_sendto(a, msg, MW_UDP_MAX_PAYLOAD, &ba), 0);
    size_t n = 0;
    /* One byte short: refused with the real size. */
    assert_int_equal(mw_udp_recvfrom(b, buf, MW_UDP_MAX_PAYLOAD - 1, &n, NULL), MW_EMSGSIZE);
    assert_int_equal(n, MW_UDP_MAX_PAYLOAD);
    /* A 64 KiB buffer takes any datagram in one call. */
    assert_int_equal(mw_udp_recvfrom(b, buf, 65536, &n, NULL), 0);
    assert_int_equal(n, MW_UDP_MAX_PAYLOAD);
    assert_memory_equal(buf, msg, n);
    assert_int_equal(mw_udp_recvfrom(b, buf, MW_UDP_MAX_PAYLOAD, &n, NULL), 0);
    assert_int_equal(n, MW_UDP_MAX_PAYLOAD);
    assert_memory_equal(buf, msg, n);
    free(msg);
    free(buf);
    mw_udp_close(a);
    mw_udp_close(b);
}

static void test_connect_and_send(void **state)
{
    (void)state;
    mw_udp *a = open_loopback(MW_AF_INET4), *b = open_loopback(MW_AF_INET4),
           *c = open_loopback(MW_AF_INET4);
    mw_addr aa = local_of(a), ba = local_of(b);
    assert_int_equal(mw_udp_send(a, "x", 1), MW_ESTATE);
    assert_int_equal(mw_udp_connect(a, &ba), 0);
    assert_int_equal(mw_udp_send(a, "to b", 4), 0);
    char buf[16];
    size_t n;
    mw_addr from;
    assert_int_equal(mw_udp_recvfrom(b, buf, sizeof buf, &n, &from), 0);
    assert_int_equal(n, 4);
    assert_true(mw_addr_equal(&from, &aa));
    /* Connected, a hears only its peer: c's datagram is dropped, b's arrives. */
    assert_int_equal(mw_udp_sendto(c, "from c", 6, &aa), 0);
    assert_int_equal(mw_udp_sendto(b, "from b", 6, &aa), 0);
    assert_int_equal(mw_udp_recvfrom(a, buf, sizeof buf, &n, &from), 0);
    assert_int_equal(n, 6);
    assert_memory_equal(buf, "from b", 6);
    assert_true(mw_addr_equal(&from, &ba));
    /* Disconnect: c is heard again, and send needs a peer. */
    mw_addr none;
    memset(&none, 0, sizeof none);
    assert_int_equal(mw_udp_connect(a, &none), 0);
    assert_int_equal(mw_udp_send(a, "x", 1), MW_ESTATE);
    assert_int_equal(mw_udp_sendto(c, "again", 5, &aa), 0);
    assert_int_equal(mw_udp_recvfrom(a, buf, sizeof buf, &n, NULL), 0);
    assert_memory_equal(buf, "again", 5);
    mw_udp_close(a);
    mw_udp_close(b);
    mw_udp_close(c);
}

static void test_connected_refused(void **state)
{
    (void)state;
    mw_udp *a = open_loopback(MW_AF_INET4);
    mw_addr dead = dead_port(MW_AF_INET4);
    assert_int_equal(mw_udp_connect(a, &dead), 0);
    assert_int_equal(mw_udp_send(a, "anyone?", 7), 0);
    /* The ICMP port-unreachable comes back and the connected socket reports it. */
    char buf[16];
    size_t n;
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_udp_recvfrom(a, buf, sizeof buf, &n, NULL), MW_ECONNREFUSED);
    assert_true(elapsed_ms(t0) < WAIT_MS);
    /* The error is reported once; the socket stays usable. */
    assert_int_equal(mw_udp_set_timeout(a, 0), 0);
    assert_int_equal(mw_udp_recvfrom(a, buf, sizeof buf, &n, NULL), MW_ETIMEDOUT);
    mw_udp_close(a);
}

static void test_connected_send_reports_refused(void **state)
{
    (void)state;
    mw_udp *a = open_loopback(MW_AF_INET6);
    mw_addr dead = dead_port(MW_AF_INET6);
    assert_int_equal(mw_udp_connect(a, &dead), 0);
    assert_int_equal(mw_udp_send(a, "1", 1), 0);
    /* The pending error surfaces on the next call: wait for it, then send. */
    assert_int_equal(mw_udp_wait_readable(a, WAIT_MS, 0), 0);
    assert_int_equal(mw_udp_send(a, "2", 1), MW_ECONNREFUSED);
    mw_udp_close(a);
}

static void test_wait_readable(void **state)
{
    (void)state;
    mw_udp *s = open_loopback(MW_AF_INET4);
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_udp_wait_readable(s, 100, 2000), MW_ETIMEDOUT);
    uint64_t ms = elapsed_ms(t0);
    assert_true(ms >= 100 && ms < 3000);
    t0 = mw_now_ns();
    assert_int_equal(mw_udp_wait_readable(s, 0, 0), MW_ETIMEDOUT);
    assert_int_equal(mw_udp_wait_readable(s, 0, 5000), MW_ETIMEDOUT); /* spin only */
    assert_true(elapsed_ms(t0) < 1000);
    mw_addr self = local_of(s);
    assert_int_equal(mw_udp_sendto(s, "r", 1, &self), 0);
    assert_int_equal(mw_udp_wait_readable(s, WAIT_MS, 0), 0);
    assert_int_equal(mw_udp_wait_readable(s, 0, 1000), 0); /* found while spinning */
    assert_int_equal(mw_udp_wait_readable(s, WAIT_MS, 1000), 0);
    mw_udp_close(s);
}

/* A thread that sends one datagram after the main thread is already waiting. */
struct later {
    mw_udp *sock;
    mw_addr to;
    int rc;
};

static void send_later(void *arg)
{
    struct later *l = arg;
    l->rc = mw_udp_sendto(l->sock, "late", 4, &l->to);
}

static void test_blocking_receive_wakes(void **state)
{
    (void)state;
    /* Also the one concurrency the header allows: sendto and recvfrom together. */
    mw_udp *s = open_loopback(MW_AF_INET4);
    struct later l = {s, local_of(s), -1};
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, send_later, &l), 0);
    char buf[8];
    size_t n;
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), 0);
    assert_memory_equal(buf, "late", 4);
    mw_thread_join(t);
    assert_int_equal(l.rc, 0);
    mw_udp_close(s);
}

/* ---- receives against a deadline ---------------------------------------------------- */

static void test_recv_until(void **state)
{
    (void)state;
    mw_udp *s = open_loopback(MW_AF_INET4);
    mw_addr self = local_of(s);
    char buf[16];
    size_t n = 0;
    /* A deadline already past: one look, no wait. */
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_udp_recv_until(s, buf, sizeof buf, &n, NULL, 0), MW_ETIMEDOUT);
    assert_true(elapsed_ms(t0) < 1000);
    /* Long enough for the kernel's receive timeout, and short enough for a poll: the
     * deadline is kept either way, never cut short. */
    static const int waits_ms[] = {150, 10};
    for (size_t i = 0; i < sizeof waits_ms / sizeof waits_ms[0]; i++) {
        t0 = mw_now_ns();
        uint64_t deadline = t0 + (uint64_t)waits_ms[i] * 1000000u;
        assert_int_equal(mw_udp_recv_until(s, buf, sizeof buf, &n, NULL, deadline),
                         MW_ETIMEDOUT);
        assert_true(mw_now_ns() >= deadline);
        assert_true(elapsed_ms(t0) < 3000);
    }
    /* Queued: taken even with a past deadline, sender reported. */
    mw_addr from;
    assert_int_equal(mw_udp_sendto(s, "now", 3, &self), 0);
    assert_int_equal(mw_udp_wait_readable(s, WAIT_MS, 0), 0);
    assert_int_equal(mw_udp_recv_until(s, buf, sizeof buf, &n, &from, 0), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(buf, "now", 3);
    assert_true(mw_addr_equal(&from, &self));
    /* No deadline: waits for a datagram sent once the receive is blocked. */
    struct later l = {s, self, -1};
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, send_later, &l), 0);
    assert_int_equal(mw_udp_recv_until(s, buf, sizeof buf, &n, NULL, MW_NO_DEADLINE), 0);
    assert_memory_equal(buf, "late", 4);
    mw_thread_join(t);
    assert_int_equal(l.rc, 0);
    /* Never truncated, while waiting too: the real length, and the datagram stays. */
    assert_int_equal(mw_udp_sendto(s, "0123456789", 10, &self), 0);
    uint64_t far = mw_now_ns() + (uint64_t)WAIT_MS * 1000000u;
    assert_int_equal(mw_udp_recv_until(s, buf, 4, &n, NULL, far), MW_EMSGSIZE);
    assert_int_equal(n, 10);
    assert_int_equal(mw_udp_recv_until(s, buf, sizeof buf, &n, NULL, far), 0);
    assert_int_equal(n, 10);
    assert_memory_equal(buf, "0123456789", 10);
    /* Non-blocking mode wins over a deadline. */
    assert_int_equal(mw_udp_set_nonblocking(s, true), 0);
    t0 = mw_now_ns();
    assert_int_equal(mw_udp_recv_until(s, buf, sizeof buf, &n, NULL, far), MW_EAGAIN);
    assert_true(elapsed_ms(t0) < 1000);
    assert_int_equal(mw_udp_recv_until(NULL, buf, sizeof buf, &n, NULL, 0), MW_EINVAL);
    assert_int_equal(mw_udp_recv_until(s, buf, sizeof buf, NULL, NULL, 0), MW_EINVAL);
    mw_udp_close(s);
}

static void test_recv_many(void **state)
{
    (void)state;
    /* The event loops' batch receive: what is queued, in order, whole, with senders. */
    mw_udp *s = open_loopback(MW_AF_INET4), *a = open_loopback(MW_AF_INET4),
           *b = open_loopback(MW_AF_INET4);
    mw_addr sa = local_of(s), aa = local_of(a), ba = local_of(b);
    assert_int_equal(mw_udp_set_buffers(s, 1 << 20, 0), 0);
    uint8_t *mem = malloc(3 * MWI_DGRAM_CAP), *big = malloc(60000);
    assert_non_null(mem);
    assert_non_null(big);
    for (size_t i = 0; i < 60000; i++)
        big[i] = (uint8_t)(i * 7);
    mwi_dgram v[3];
    for (size_t i = 0; i < 3; i++)
        v[i].buf = mem + i * MWI_DGRAM_CAP;
    size_t got = 99;
    assert_int_equal(mwi_udp_recv_many(s, v, 3, &got), MW_EAGAIN); /* nothing queued */
    assert_int_equal(mwi_udp_recv_many(s, v, 0, &got), MW_EINVAL);
    /* Loopback queues a datagram before sendto returns. */
    assert_int_equal(mw_udp_sendto(a, "one", 3, &sa), 0);
    assert_int_equal(mw_udp_sendto(b, big, 60000, &sa), 0);
    assert_int_equal(mw_udp_sendto(a, "", 0, &sa), 0);
    assert_int_equal(mw_udp_sendto(b, "four", 4, &sa), 0);
    assert_int_equal(mwi_udp_recv_many(s, v, 3, &got), 0);
    assert_int_equal(got, 3);
    assert_int_equal(v[0].len, 3);
    assert_memory_equal(v[0].buf, "one", 3);
    assert_true(mw_addr_equal(&v[0].from, &aa));
    assert_int_equal(v[1].len, 60000);
    assert_memory_equal(v[1].buf, big, 60000);
    assert_true(mw_addr_equal(&v[1].from, &ba));
    assert_int_equal(v[2].len, 0);
    assert_true(mw_addr_equal(&v[2].from, &aa));
    /* The fourth stayed queued for the next call. */
    assert_int_equal(mwi_udp_recv_many(s, v, 3, &got), 0);
    assert_int_equal(got, 1);
    assert_int_equal(v[0].len, 4);
    assert_memory_equal(v[0].buf, "four", 4);
    assert_int_equal(mwi_udp_recv_many(s, v, 3, &got), MW_EAGAIN);
    free(mem);
    free(big);
    mw_udp_close(a);
    mw_udp_close(b);
    mw_udp_close(s);
}

#ifdef __linux__
/* A thread that wakes a receive blocked on sock once it has had time to block. */
static void wake_later(void *arg)
{
    mw_udp *s = arg;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    mwi_udp_wake_receivers(s);
}
#endif

static void test_recv_many_wait(void **state)
{
    (void)state;
    /* A server loop's wait: in the receive itself, up to a time, a batch taken whole, and
     * a stop that ends it from another thread. */
    mw_udp *s = open_loopback(MW_AF_INET4), *a = open_loopback(MW_AF_INET4);
    mw_addr sa = local_of(s), aa = local_of(a);
    uint8_t *mem = malloc(4 * MWI_DGRAM_CAP);
    assert_non_null(mem);
    mwi_dgram v[4];
    for (size_t i = 0; i < 4; i++)
        v[i].buf = mem + i * MWI_DGRAM_CAP;
    size_t got = 99;
    /* Nothing comes: it waits (the kernel's timeout may end a jiffy early), then says so,
     * for one slot and for several. */
    for (size_t n = 1; n <= 4; n += 3) {
        uint64_t t0 = mw_now_ns();
        assert_int_equal(mwi_udp_recv_many_wait(s, v, n, &got, 60), MW_EAGAIN);
        assert_int_equal(got, 0);
        assert_true(elapsed_ms(t0) >= 30);
        assert_true(elapsed_ms(t0) < 3000);
    }
    /* A datagram sent while the receive waits ends the wait. */
    struct later l = {a, sa, -1};
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, send_later, &l), 0);
    assert_int_equal(mwi_udp_recv_many_wait(s, v, 4, &got, WAIT_MS), 0);
    mw_thread_join(t);
    assert_int_equal(l.rc, 0);
    assert_int_equal(got, 1);
    assert_int_equal(v[0].len, 4);
    assert_memory_equal(v[0].buf, "late", 4);
    assert_true(mw_addr_equal(&v[0].from, &aa));
    /* Queued ones come in one receive, up to the slots given, in order. */
    static const char *const msgs[] = {"a", "bb", "ccc", "dddd", "eeeee"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(mw_udp_sendto(a, msgs[i], strlen(msgs[i]), &sa), 0);
    assert_int_equal(mwi_udp_recv_many_wait(s, v, 4, &got, WAIT_MS), 0);
    assert_int_equal(got, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(v[i].len, strlen(msgs[i]));
        assert_memory_equal(v[i].buf, msgs[i], v[i].len);
    }
    assert_int_equal(mwi_udp_recv_many_wait(s, v, 1, &got, WAIT_MS), 0);
    assert_int_equal(got, 1);
    assert_memory_equal(v[0].buf, "eeeee", 5);
    /* No wait: one look, as mwi_udp_recv_many. */
    assert_int_equal(mwi_udp_recv_many_wait(s, v, 4, &got, 0), MW_EAGAIN);
    assert_int_equal(mwi_udp_recv_many_wait(s, v, 0, &got, 10), MW_EINVAL);
    assert_int_equal(mwi_udp_recv_many_wait(s, v, 1, &got, -1), MW_EINVAL);
#ifdef __linux__
    /* The stop: a receive blocked for up to WAIT_MS returns at once with an empty datagram
     * from nobody, and so does every later waiting one (not MW_EAGAIN after its wait).
     * Sending still works. */
    assert_int_equal(mw_thread_start(&t, wake_later, s), 0);
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mwi_udp_recv_many_wait(s, v, 1, &got, WAIT_MS), 0);
    assert_true(elapsed_ms(t0) < WAIT_MS / 2);
    mw_thread_join(t);
    for (size_t n = 1; n <= 4; n += 3) {
        got = 99;
        assert_int_equal(mwi_udp_recv_many_wait(s, v, n, &got, 50), 0);
        assert_int_equal(got, 1);
        assert_int_equal(v[0].len, 0);
        assert_int_equal(v[0].from.family, 0);
    }
    assert_int_equal(mw_udp_sendto(s, "out", 3, &aa), 0);
    char buf[8];
    size_t n;
    assert_int_equal(mw_udp_set_timeout(a, WAIT_MS), 0);
    assert_int_equal(mw_udp_recvfrom(a, buf, sizeof buf, &n, NULL), 0);
    assert_int_equal(n, 3);
#endif
    free(mem);
    mw_udp_close(a);
    mw_udp_close(s);
}

static uint64_t rcvtimeo_us(mw_udp *s)
{
    struct timeval tv;
    socklen_t len = sizeof tv;
    assert_int_equal(getsockopt(mw_udp_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static void test_kernel_timeout_is_reused(void **state)
{
    (void)state;
    /* A timed receive waits in the kernel under SO_RCVTIMEO (one system call), set below
     * the time left so that it cannot overshoot the deadline, and kept for the next
     * receive with the same timeout instead of being set again. */
    mw_udp *s = open_loopback(MW_AF_INET4);
    mw_addr self = local_of(s);
    assert_int_equal(rcvtimeo_us(s), 0);
    assert_int_equal(mw_udp_set_timeout(s, 200), 0);
    char buf[8];
    size_t n;
    assert_int_equal(mw_udp_sendto(s, "a", 1, &self), 0);
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), 0);
    uint64_t first = rcvtimeo_us(s);
    assert_true(first > 0 && first < 200000);
    assert_int_equal(mw_udp_sendto(s, "b", 1, &self), 0);
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), 0);
    assert_int_equal(rcvtimeo_us(s), first);
    /* Waiting forever needs no kernel timeout. */
    assert_int_equal(mw_udp_set_timeout(s, MW_FOREVER), 0);
    assert_int_equal(mw_udp_sendto(s, "c", 1, &self), 0);
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), 0);
    assert_int_equal(rcvtimeo_us(s), 0);
    mw_udp_close(s);
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_descriptor_made_nonblocking_elsewhere(void **state)
{
    (void)state;
    /* An event loop given mw_udp_fd may set O_NONBLOCK itself (libuv's uv_poll does): a
     * blocking receive then still waits, in poll, without spinning, and keeps its
     * deadline. */
    mw_udp *s = open_loopback(MW_AF_INET4);
    int fd = mw_udp_fd(s);
    assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
    assert_int_equal(mw_udp_set_timeout(s, 300), 0);
    char buf[8];
    size_t n;
    uint64_t t0 = mw_now_ns(), cpu0 = thread_cpu_ns();
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), MW_ETIMEDOUT);
    uint64_t ms = elapsed_ms(t0);
    assert_true(ms >= 300 && ms < 3000);
    /* A few system calls' worth; a busy loop would take most of the 300 ms. */
    assert_true(thread_cpu_ns() - cpu0 < 20000000u);
    struct later l = {s, local_of(s), -1};
    mw_thread *t;
    assert_int_equal(mw_udp_set_timeout(s, WAIT_MS), 0);
    assert_int_equal(mw_thread_start(&t, send_later, &l), 0);
    assert_int_equal(mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL), 0);
    assert_memory_equal(buf, "late", 4);
    mw_thread_join(t);
    mw_udp_close(s);
}

static void test_open_options_and_errors(void **state)
{
    (void)state;
    mw_udp *s, *s2;
    assert_int_equal(mw_udp_open(&s, NULL, 0), 0); /* IPv4 wildcard, free port */
    mw_addr a = local_of(s);
    assert_int_equal(a.family, MW_AF_INET4);
    assert_memory_equal(a.ip, "\0\0\0\0", 4);
    mw_udp_close(s);
    mw_udp_close(NULL);

    mw_addr lo;
    mw_addr_loopback(&lo, MW_AF_INET4, 0);
    assert_int_equal(mw_udp_open(&s, &lo, 0), 0);
    lo = local_of(s);
    assert_int_equal(mw_udp_open(&s2, &lo, 0), MW_EADDRINUSE);
    mw_udp_close(s);
    /* Both asking for SO_REUSEADDR: they share the port. */
    mw_addr_any(&lo, MW_AF_INET4, 0);
    assert_int_equal(mw_udp_open(&s, &lo, MW_UDP_REUSEADDR), 0);
    lo = local_of(s);
    assert_int_equal(mw_udp_open(&s2, &lo, MW_UDP_REUSEADDR), 0);
    mw_udp_close(s2);
    mw_udp_close(s);
    assert_int_equal(mw_udp_open(&s, &lo, MW_UDP_REUSEPORT), 0);
    mw_udp_close(s);

    mw_addr foreign;
    assert_int_equal(mw_addr_parse(&foreign, "192.0.2.123:0", -1), 0); /* TEST-NET-1 */
    assert_int_equal(mw_udp_open(&s, &foreign, 0), MW_EADDRNOTAVAIL);
    mw_addr unset;
    memset(&unset, 0, sizeof unset);
    assert_int_equal(mw_udp_open(&s, &unset, 0), MW_EINVAL);
    assert_int_equal(mw_udp_open(&s, NULL, 0x100), MW_EINVAL);

    mw_addr six;
    mw_addr_any(&six, MW_AF_INET6, 0);
    assert_int_equal(mw_udp_open(&s, &six, MW_UDP_V6ONLY), 0);
    int v = 0;
    socklen_t len = sizeof v;
    assert_int_equal(getsockopt(mw_udp_fd(s), IPPROTO_IPV6, IPV6_V6ONLY, &v, &len), 0);
    assert_int_equal(v, 1);
    mw_udp_close(s);
}

static void test_buffers(void **state)
{
    (void)state;
    mw_udp *s = open_loopback(MW_AF_INET4);
    assert_int_equal(mw_udp_set_buffers(s, 100000, 50000), 0);
    int v = 0;
    socklen_t len = sizeof v;
    assert_int_equal(getsockopt(mw_udp_fd(s), SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
    assert_true(v >= 100000);
    assert_int_equal(getsockopt(mw_udp_fd(s), SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
    assert_true(v >= 50000);
    assert_int_equal(mw_udp_set_buffers(s, 0, 0), 0);
    assert_int_equal(mw_udp_set_buffers(s, -1, 0), MW_EINVAL);
    mw_udp_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_ipv4),
        cmocka_unit_test(test_echo_ipv6),
        cmocka_unit_test(test_sender_address),
        cmocka_unit_test(test_dual_stack_socket_hears_ipv4),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_nonblocking),
        cmocka_unit_test(test_oversize_never_truncated),
        cmocka_unit_test(test_largest_datagram),
        cmocka_unit_test(test_connect_and_send),
        cmocka_unit_test(test_connected_refused),
        cmocka_unit_test(test_connected_send_reports_refused),
        cmocka_unit_test(test_wait_readable),
        cmocka_unit_test(test_blocking_receive_wakes),
        cmocka_unit_test(test_recv_until),
        cmocka_unit_test(test_kernel_timeout_is_reused),
        cmocka_unit_test(test_recv_many),
        cmocka_unit_test(test_recv_many_wait),
        cmocka_unit_test(test_descriptor_made_nonblocking_elsewhere),
        cmocka_unit_test(test_open_options_and_errors),
        cmocka_unit_test(test_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_group_io.c - the group API over real multicast sockets on the loopback interface:
 * plain groups (IPv4; IPv6 where the kernel delivers multicast on lo), reliable groups of
 * three members in one process (total order, a clean leave), options and errors.
 * Linux delivers multicast over "lo" only when membership and outgoing interface both
 * name it, so every group here uses ifname "lo". Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <midway/group.h>

#define WAIT_MS 5000

/* A group address on a port that was free a moment ago. */
static mw_addr group_on_free_port(const char *ip)
{
    mw_addr any, local, group;
    int family = strchr(ip, ':') ? MW_AF_INET6 : MW_AF_INET4;
    mw_addr_any(&any, family, 0);
    mw_udp *s;
    assert_int_equal(mw_udp_open(&s, &any, 0), 0);
    assert_int_equal(mw_udp_local_addr(s, &local), 0);
    mw_udp_close(s);
    char text[MW_ADDR_STRLEN + 8];
    snprintf(text, sizeof text, family == MW_AF_INET6 ? "[%s]:%u" : "%s:%u", ip, local.port);
    assert_int_equal(mw_addr_parse(&group, text, -1), 0);
    return group;
}

static void test_plain_ipv4(void **state)
{
    (void)state;
    mw_addr group = group_on_free_port("239.77.2.1");
    mw_group_opts o = {.ifname = "lo", .ttl = 1};
    mw_group *a, *b;
    assert_int_equal(mw_group_open(&a, &group, &o), 0);
    assert_int_equal(mw_group_open(&b, &group, &o), 0);
    assert_int_equal(mw_group_set_ttl(a, 2), 0);
    assert_int_equal(mw_group_set_loopback(a, true), 0);
    assert_int_equal(mw_group_set_interface(a, "lo"), 0);
    assert_int_equal(mw_group_id(a), 0);
    assert_int_equal(mw_group_next_timeout(a), MW_FOREVER);
    mw_group_view v;
    assert_int_equal(mw_group_view_get(a, &v), MW_ENOTSUP);

    assert_int_equal(mw_group_send(a, "hello", 5, 0), 0);
    mw_group_event ev;
    for (int k = 0; k < 2; k++) { /* b hears it, and so does a (loopback) */
        mw_group *g = k ? a : b;
        assert_int_equal(mw_group_recv(g, &ev, WAIT_MS), 0);
        assert_int_equal(ev.type, MW_GROUP_MESSAGE);
        assert_int_equal(ev.len, 5);
        assert_memory_equal(ev.data, "hello", 5);
        assert_int_equal(ev.from.family, MW_AF_INET4);
        assert_non_null(strchr(ev.sender_name, ':'));
    }
    /* After leaving, b hears nothing more; a does. */
    assert_int_equal(mw_group_leave(b), 0);
    assert_int_equal(mw_group_leave(b), MW_ESTATE);
    assert_int_equal(mw_group_recv(b, &ev, 0), MW_ESTATE);
    assert_int_equal(mw_group_send(b, "again", 5, 0), 0); /* sending still works */
    assert_int_equal(mw_group_recv(a, &ev, WAIT_MS), 0);
    assert_memory_equal(ev.data, "again", 5);
    mw_group_stats st;
    mw_group_stats_get(a, &st);
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.delivered, 2);
    mw_group_close(b);
    mw_group_close(a);
}

static void test_plain_ipv6(void **state)
{
    (void)state;
    mw_addr group = group_on_free_port("ff12::6d77:2");
    mw_group_opts o = {.ifname = "lo"};
    mw_group *a;
    int rc = mw_group_open(&a, &group, &o);
    if (rc) {
        printf("skipped: IPv6 multicast on lo: %s\n", mw_strerror(rc));
        skip();
    }
    rc = mw_group_send(a, "six", 3, 0);
    if (rc) {
        mw_group_close(a);
        printf("skipped: sending IPv6 multicast on lo: %s\n", mw_strerror(rc));
        skip();
    }
    mw_group_event ev;
    rc = mw_group_recv(a, &ev, 500);
    if (rc == MW_ETIMEDOUT) {
        mw_group_close(a);
        printf("skipped: this kernel does not deliver IPv6 multicast on lo\n");
        skip();
    }
    assert_int_equal(rc, 0);
    assert_int_equal(ev.from.family, MW_AF_INET6);
    assert_memory_equal(ev.data, "six", 3);
    mw_group_close(a);
}

static void test_errors(void **state)
{
    (void)state;
    mw_addr unicast, group = group_on_free_port("239.77.2.2");
    mw_group *g;
    assert_int_equal(mw_addr_parse(&unicast, "127.0.0.1:5000", -1), 0);
    assert_int_equal(mw_group_open(&g, &unicast, NULL), MW_ENOTMCAST);
    mw_group_opts o = {.ifname = "lo", .reliable = true, .window = 4};
    assert_int_equal(mw_group_open(&g, &group, &o), MW_EINVAL); /* window too small */
    o.window = 16;
    o.max_message = 1 << 20; /* does not fit in half the window */
    assert_int_equal(mw_group_open(&g, &group, &o), MW_EINVAL);
    o.max_message = 0;
    o.order = 9;
    assert_int_equal(mw_group_open(&g, &group, &o), MW_EINVAL);
    o.order = 0;
    o.name = "a name that is longer than thirty-two bytes";
    assert_int_equal(mw_group_open(&g, &group, &o), MW_EINVAL);
    o.name = NULL;
    o.heartbeat_ms = 500;
    o.fail_ms = 600; /* not two heartbeats */
    assert_int_equal(mw_group_open(&g, &group, &o), MW_EINVAL);
    o.heartbeat_ms = o.fail_ms = 0;
    o.window = 0;
    o.ifname = "no-such-if0";
    assert_int_equal(mw_group_open(&g, &group, &o), MW_ENOENT);
    mw_group_fault f = {.drop = 1.5};
    o.ifname = "lo";
    o.fault = &f;
    assert_int_equal(mw_group_open(&g, &group, &o), MW_EINVAL);
    o.fault = NULL;

    /* A member alone: it founds the group, sends to itself; too large is refused. */
    o.join_ms = 50;
    o.name = "solo";
    assert_int_equal(mw_group_open(&g, &group, &o), 0);
    assert_int_not_equal(mw_group_id(g), 0);
    mw_group_view v;
    assert_int_equal(mw_group_view_get(g, &v), MW_ESTATE); /* still joining */
    static char big[MW_GROUP_DEFAULT_MAX_MESSAGE + 1];
    assert_int_equal(mw_group_send(g, big, sizeof big, 0), MW_EMSGSIZE);
    mw_group_event ev;
    assert_int_equal(mw_group_recv(g, &ev, WAIT_MS), 0);
    assert_int_equal(ev.type, MW_GROUP_VIEW);
    assert_int_equal(ev.view->n, 1);
    assert_string_equal(ev.view->members[0].name, "solo");
    assert_int_equal(mw_group_send(g, big, 100000, 1000), 0); /* 74 fragments */
    assert_int_equal(mw_group_recv(g, &ev, WAIT_MS), 0);
    assert_int_equal(ev.type, MW_GROUP_MESSAGE);
    assert_int_equal(ev.len, 100000);
    assert_int_equal(mw_group_leave(g), 0);
    assert_int_equal(mw_group_recv(g, &ev, WAIT_MS), 0);
    assert_int_equal(ev.type, MW_GROUP_LEFT);
    assert_int_equal(mw_group_recv(g, &ev, 0), MW_ECLOSED);
    assert_int_equal(mw_group_send(g, "x", 1, 0), MW_ESTATE);
    mw_group_close(g);
}

/* Three reliable members in one process, driven in turn. */
#define N 3
#define PER 5
typedef struct member {
    mw_group *g;
    size_t view_n; /* members of its latest view */
    int delivered;
    char seq[N * PER][16]; /* what it delivered, in order */
    bool left;
} member;

static void drive(member *m, int n)
{
    for (int i = 0; i < n; i++) {
        mw_group_event ev;
        while (!m[i].left && mw_group_recv(m[i].g, &ev, 2) == 0) {
            if (ev.type == MW_GROUP_VIEW)
                m[i].view_n = ev.view->n;
            else if (ev.type == MW_GROUP_LEFT)
                m[i].left = true;
            else if (m[i].delivered < N * PER)
                snprintf(m[i].seq[m[i].delivered++], 16, "%.*s", (int)ev.len, ev.data);
        }
    }
}

static void test_reliable_three_members(void **state)
{
    (void)state;
    mw_addr group = group_on_free_port("239.77.2.3");
    member m[N];
    memset(m, 0, sizeof m);
    for (int i = 0; i < N; i++) {
        char name[8];
        snprintf(name, sizeof name, "m%d", i);
        mw_group_opts o = {.ifname = "lo",
                           .reliable = true,
                           .order = MW_GROUP_TOTAL,
                           .name = name,
                           .id = 100 + (uint64_t)i,
                           .heartbeat_ms = 20,
                           .fail_ms = 1000,
                           .join_ms = 100,
                           .retry_ms = 5};
        assert_int_equal(mw_group_open(&m[i].g, &group, &o), 0);
        assert_true(mw_group_fd(m[i].g) >= 0);
    }
    uint64_t end = mw_now_ms() + 10000;
    for (;;) {
        drive(m, N);
        bool all = true;
        for (int i = 0; i < N; i++)
            all = all && m[i].view_n == N;
        if (all)
            break;
        assert_true(mw_now_ms() < end);
    }
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < PER; k++) {
            char msg[16];
            snprintf(msg, sizeof msg, "m%d:%d", i, k);
            assert_int_equal(mw_group_send(m[i].g, msg, strlen(msg), 1000), 0);
        }
    }
    for (;;) {
        drive(m, N);
        bool all = true;
        for (int i = 0; i < N; i++)
            all = all && m[i].delivered == N * PER;
        if (all)
            break;
        assert_true(mw_now_ms() < end);
    }
    for (int i = 1; i < N; i++)
        for (int k = 0; k < N * PER; k++)
            assert_string_equal(m[i].seq[k], m[0].seq[k]); /* one total order */
    mw_group_view v;
    assert_int_equal(mw_group_view_get(m[0].g, &v), 0);
    assert_int_equal(v.n, N);
    assert_int_equal(v.members[0].id, 100); /* sorted: the sequencer first */
    assert_true(mw_group_next_timeout(m[0].g) >= 0);
    assert_int_equal(mw_group_process(m[0].g), 0);

    /* m0, the sequencer, leaves: it gets MW_GROUP_LEFT, the others a view of 2. */
    assert_int_equal(mw_group_leave(m[0].g), 0);
    for (;;) {
        drive(m, N);
        if (m[0].left && m[1].view_n == 2 && m[2].view_n == 2)
            break;
        assert_true(mw_now_ms() < end);
    }
    mw_group_stats st;
    mw_group_stats_get(m[1].g, &st);
    assert_int_equal(st.sent, PER);
    assert_int_equal(st.delivered, N * PER);
    assert_true(st.views >= 2);
    assert_true(st.peak_buffered_bytes > 0);
    for (int i = 0; i < N; i++)
        mw_group_close(m[i].g);
}

/* Every public macro of group.h expands to what the documentation says. */
static void test_macros(void **state)
{
    (void)state;
    assert_int_equal(MW_GROUP_MAGIC, 0x4D47);
    assert_int_equal(MW_GROUP_VERSION, 1);
    assert_int_equal(MW_GROUP_HEADER_SIZE, 28);
    assert_int_equal(MW_GROUP_DATA_HEADER, 16);
    assert_int_equal(MW_GROUP_MAX_MEMBERS, 64);
    assert_int_equal(MW_GROUP_MAX_NAME, 32);
    assert_true(MW_GROUP_MIN_DATAGRAM <= MW_GROUP_DEFAULT_DATAGRAM);
    assert_true(MW_GROUP_DEFAULT_DATAGRAM <= MW_UDP_MAX_PAYLOAD);
    assert_true(MW_GROUP_DEFAULT_WINDOW <= MW_GROUP_MAX_WINDOW);
    /* The default message fits in half the default window of default datagrams. */
    size_t frag = MW_GROUP_DEFAULT_DATAGRAM - MW_GROUP_HEADER_SIZE - MW_GROUP_DATA_HEADER;
    assert_true((MW_GROUP_DEFAULT_MAX_MESSAGE + frag - 1) / frag <=
                MW_GROUP_DEFAULT_WINDOW / 2);
    assert_true(MW_GROUP_DEFAULT_FAIL_MS >= 2 * MW_GROUP_DEFAULT_HEARTBEAT_MS);
    assert_true(MW_GROUP_DEFAULT_JOIN_MS > 0 && MW_GROUP_DEFAULT_RETRY_MS > 0);
    assert_int_not_equal(MW_GROUP_FIFO, MW_GROUP_TOTAL);
    int types[] = {MW_GROUP_MESSAGE, MW_GROUP_VIEW, MW_GROUP_LEFT};
    assert_int_equal(types[0] + types[1] + types[2], 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_plain_ipv4),
        cmocka_unit_test(test_plain_ipv6),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_reliable_three_members),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_net_addr.c - address parsing, formatting, lookup and comparison. */
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <midway/net.h>

struct good {
    const char *text;
    int default_port;
    int family;
    const char *ip; /* mw_addr_format_ip of the result */
    uint16_t port;
    const char *formatted; /* mw_addr_format of the result */
};

static const struct good goods[] = {
    {"1.2.3.4:80", -1, 4, "1.2.3.4", 80, "1.2.3.4:80"},
    {"127.0.0.1:0", -1, 4, "127.0.0.1", 0, "127.0.0.1:0"},
    {"255.255.255.255:65535", -1, 4, "255.255.255.255", 65535, "255.255.255.255:65535"},
    {"0.0.0.0:7896", -1, 4, "0.0.0.0", 7896, "0.0.0.0:7896"},
    {"10.0.0.1:080", -1, 4, "10.0.0.1", 80, "10.0.0.1:80"}, /* leading zero: decimal */
    {"1.2.3.4", 6789, 4, "1.2.3.4", 6789, "1.2.3.4:6789"},
    {"1.2.3.4", 0, 4, "1.2.3.4", 0, "1.2.3.4:0"},
    {"[::1]:80", -1, 6, "::1", 80, "[::1]:80"},
    {"[::]:1", -1, 6, "::", 1, "[::]:1"},
    {"[2001:db8::1]:65535", -1, 6, "2001:db8::1", 65535, "[2001:db8::1]:65535"},
    {"[2001:DB8:0:0:0:0:0:1]:5", -1, 6, "2001:db8::1", 5, "[2001:db8::1]:5"},
    {"[::ffff:1.2.3.4]:9", -1, 6, "::ffff:1.2.3.4", 9, "[::ffff:1.2.3.4]:9"},
    {"[ff02::1]:7", -1, 6, "ff02::1", 7, "[ff02::1]:7"},
    {"[::1]", 443, 6, "::1", 443, "[::1]:443"},
    {"::1", 443, 6, "::1", 443, "[::1]:443"},
    {"2001:db8::2", 8, 6, "2001:db8::2", 8, "[2001:db8::2]:8"},
    {"[fe80::1%lo]:80", -1, 6, "fe80::1%lo", 80, "[fe80::1%lo]:80"},
    {"fe80::1%lo", 9, 6, "fe80::1%lo", 9, "[fe80::1%lo]:9"},
};

struct bad {
    const char *text;
    int default_port;
    int err;
};

static const struct bad bads[] = {
    {"", 80, MW_EADDR},
    {":80", -1, MW_EADDR},
    {"1.2.3.4", -1, MW_EADDR},          /* port required */
    {"1.2.3.4:", -1, MW_EADDR},
    {"1.2.3.4:x", -1, MW_EADDR},
    {"1.2.3.4:-1", -1, MW_EADDR},
    {"1.2.3.4:+80", -1, MW_EADDR},
    {"1.2.3.4: 80", -1, MW_EADDR},
    {" 1.2.3.4:80", -1, MW_EADDR},
    {"1.2.3.4:80 ", -1, MW_EADDR},
    {"1.2.3.4:80x", -1, MW_EADDR},
    {"1.2.3:80", -1, MW_EADDR},
    {"1.2.3.4.5:80", -1, MW_EADDR},
    {"256.1.1.1:80", -1, MW_EADDR},
    {"1.2.3.04x:80", -1, MW_EADDR},
    {"localhost:80", -1, MW_EADDR}, /* a name: parse does no lookup */
    {"example.com", 80, MW_EADDR},
    {"[::1]", -1, MW_EADDR},
    {"::1", -1, MW_EADDR},
    {"[::1]:", -1, MW_EADDR},
    {"[::1]80", -1, MW_EADDR},
    {"[::1", 80, MW_EADDR},
    {"::1]:80", -1, MW_EADDR},
    {"[]:80", -1, MW_EADDR},
    {"[1.2.3.4]:80", -1, MW_EADDR},
    {"[::g]:80", -1, MW_EADDR},
    {"[1::2::3]:80", -1, MW_EADDR},
    {"[fe80::1%]:80", -1, MW_EADDR},
    {"[fe80::1%no-such-if0]:80", -1, MW_EADDR},
    {"[fe80::1%4294967296]:80", -1, MW_EADDR},
    {"[fe80::1%0]:80", -1, MW_EADDR},
    {"[fe80::1%1x]:80", -1, MW_EADDR},
    {"1.2.3.4%lo:80", -1, MW_EADDR},
    {"1.2.3.4:65536", -1, MW_ERANGE},
    {"1.2.3.4:99999", -1, MW_ERANGE},
    {"1.2.3.4:99999999999999999999999", -1, MW_ERANGE},
    {"[::1]:65536", -1, MW_ERANGE},
    {"1.2.3.4", 65536, MW_ERANGE},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof goods / sizeof goods[0]; i++) {
        const struct good *g = &goods[i];
        mw_addr a;
        memset(&a, 0xEE, sizeof a);
        int rc = mw_addr_parse(&a, g->text, g->default_port);
        if (rc)
            fail_msg("parse \"%s\": %s", g->text, mw_errname(rc));
        assert_int_equal(a.family, g->family);
        assert_int_equal(a.port, g->port);
        assert_int_equal(a.reserved, 0);
        char ip[MW_ADDR_STRLEN], full[MW_ADDR_STRLEN];
        assert_int_equal(mw_addr_format_ip(&a, ip, sizeof ip), 0);
        assert_string_equal(ip, g->ip);
        assert_int_equal(mw_addr_format(&a, full, sizeof full), 0);
        assert_string_equal(full, g->formatted);
        /* What format writes parses back to the same address. */
        mw_addr back;
        assert_int_equal(mw_addr_parse(&back, full, -1), 0);
        assert_true(mw_addr_equal(&a, &back));
    }
}

static void test_parse_rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        mw_addr a;
        memset(&a, 0x5A, sizeof a);
        int rc = mw_addr_parse(&a, bads[i].text, bads[i].default_port);
        if (rc != bads[i].err)
            fail_msg("parse \"%s\" (default %d): %s, want %s", bads[i].text,
                     bads[i].default_port, mw_errname(rc), mw_errname(bads[i].err));
        /* The output is untouched on error. */
        assert_int_equal(a.family, 0x5A);
    }
    mw_addr a;
    assert_int_equal(mw_addr_parse(&a, NULL, 80), MW_EINVAL);
    assert_int_equal(mw_addr_parse(NULL, "1.2.3.4:5", 80), MW_EINVAL);
}

static void test_scope_and_bytes(void **state)
{
    (void)state;
    mw_addr a;
    assert_int_equal(mw_addr_parse(&a, "[fe80::1%lo]:80", -1), 0);
    assert_int_equal(a.scope_id, if_nametoindex("lo"));
    static const uint8_t fe80_1[16] = {0xfe, 0x80, [15] = 1};
    assert_memory_equal(a.ip, fe80_1, 16);
    char text[64];
    snprintf(text, sizeof text, "[fe80::1%%%u]:80", if_nametoindex("lo"));
    assert_int_equal(mw_addr_parse(&a, text, -1), 0);
    char buf[MW_ADDR_STRLEN];
    assert_int_equal(mw_addr_format(&a, buf, sizeof buf), 0);
    assert_string_equal(buf, "[fe80::1%lo]:80"); /* an index is written as its name */
    assert_int_equal(mw_addr_parse(&a, "[fe80::1%4242]:80", -1), 0);
    assert_int_equal(a.scope_id, 4242);
    /* an index with no interface behind it is written as a number */
    if (if_indextoname(4242, buf) == NULL) {
        assert_int_equal(mw_addr_format(&a, buf, sizeof buf), 0);
        assert_string_equal(buf, "[fe80::1%4242]:80");
    }
    assert_int_equal(mw_addr_parse(&a, "192.168.1.2:3", -1), 0);
    assert_memory_equal(a.ip, "\xC0\xA8\x01\x02", 4);
    assert_int_equal(a.scope_id, 0);
}

static void test_port_parse(void **state)
{
    (void)state;
    uint16_t p = 1;
    assert_int_equal(mw_port_parse("0", &p), 0);
    assert_int_equal(p, 0);
    assert_int_equal(mw_port_parse("65535", &p), 0);
    assert_int_equal(p, 65535);
    assert_int_equal(mw_port_parse("00080", &p), 0);
    assert_int_equal(p, 80);
    assert_int_equal(mw_port_parse("65536", &p), MW_ERANGE);
    assert_int_equal(mw_port_parse("4294967376", &p), MW_ERANGE); /* 2^32 + 80 */
    assert_int_equal(p, 80);
    assert_int_equal(mw_port_parse("", &p), MW_EINVAL);
    assert_int_equal(mw_port_parse("-1", &p), MW_EINVAL);
    assert_int_equal(mw_port_parse("8o", &p), MW_EINVAL);
    assert_int_equal(mw_port_parse(" 1", &p), MW_EINVAL);
    assert_int_equal(mw_port_parse(NULL, &p), MW_EINVAL);
}

static void test_format_limits(void **state)
{
    (void)state;
    mw_addr a;
    char buf[MW_ADDR_STRLEN];
    assert_int_equal(mw_addr_parse(&a, "1.2.3.4:80", -1), 0);
    assert_int_equal(mw_addr_format(&a, buf, 11), 0); /* "1.2.3.4:80" + NUL */
    assert_string_equal(buf, "1.2.3.4:80");
    assert_int_equal(mw_addr_format(&a, buf, 10), MW_ERANGE);
    assert_int_equal(mw_addr_format_ip(&a, buf, 8), 0);
    assert_int_equal(mw_addr_format_ip(&a, buf, 7), MW_ERANGE);
    /* The longest address still fits in MW_ADDR_STRLEN. */
    assert_int_equal(
        mw_addr_parse(&a, "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%4294967295]:65535",
                      -1),
        0);
    assert_int_equal(mw_addr_format(&a, buf, sizeof buf), 0);
    assert_true(strlen(buf) < MW_ADDR_STRLEN);
    mw_addr unset;
    memset(&unset, 0, sizeof unset);
    assert_int_equal(mw_addr_format(&unset, buf, sizeof buf), MW_EINVAL);
    assert_int_equal(mw_addr_format_ip(&unset, buf, sizeof buf), MW_EINVAL);
}

static void test_any_loopback_multicast_equal(void **state)
{
    (void)state;
    mw_addr a, b;
    char buf[MW_ADDR_STRLEN];
    mw_addr_any(&a, MW_AF_INET4, 5);
    assert_int_equal(mw_addr_format(&a, buf, sizeof buf), 0);
    assert_string_equal(buf, "0.0.0.0:5");
    mw_addr_any(&a, MW_AF_INET6, 6);
    assert_int_equal(mw_addr_format(&a, buf, sizeof buf), 0);
    assert_string_equal(buf, "[::]:6");
    mw_addr_loopback(&a, MW_AF_INET4, 7);
    assert_int_equal(mw_addr_format(&a, buf, sizeof buf), 0);
    assert_string_equal(buf, "127.0.0.1:7");
    mw_addr_loopback(&a, MW_AF_INET6, 8);
    assert_int_equal(mw_addr_format(&a, buf, sizeof buf), 0);
    assert_string_equal(buf, "[::1]:8");
    mw_addr_any(&a, 5, 9);
    assert_int_equal(a.family, 0);

    static const struct {
        const char *text;
        bool mcast;
    } mc[] = {
        {"224.0.0.0:1", true},   {"228.5.6.7:1", true},  {"239.255.255.255:1", true},
        {"223.255.255.255:1", false}, {"240.0.0.0:1", false}, {"127.0.0.1:1", false},
        {"[ff02::1]:1", true},   {"[ff12::1234]:1", true}, {"[fe80::1]:1", false},
        {"[::1]:1", false},
    };
    for (size_t i = 0; i < sizeof mc / sizeof mc[0]; i++) {
        assert_int_equal(mw_addr_parse(&a, mc[i].text, -1), 0);
        assert_int_equal(mw_addr_is_multicast(&a), mc[i].mcast);
    }
    memset(&a, 0, sizeof a);
    assert_false(mw_addr_is_multicast(&a));

    assert_int_equal(mw_addr_parse(&a, "1.2.3.4:5", -1), 0);
    assert_int_equal(mw_addr_parse(&b, "1.2.3.4:5", -1), 0);
    assert_true(mw_addr_equal(&a, &b));
    b.port = 6;
    assert_false(mw_addr_equal(&a, &b));
    assert_int_equal(mw_addr_parse(&b, "1.2.3.5:5", -1), 0);
    assert_false(mw_addr_equal(&a, &b));
    assert_int_equal(mw_addr_parse(&b, "[::ffff:1.2.3.4]:5", -1), 0);
    assert_false(mw_addr_equal(&a, &b)); /* different families */
    assert_int_equal(mw_addr_parse(&a, "[fe80::1%lo]:5", -1), 0);
    assert_int_equal(mw_addr_parse(&b, "[fe80::1]:5", -1), 0);
    assert_false(mw_addr_equal(&a, &b)); /* scope matters */
}

static void test_resolve_localhost(void **state)
{
    (void)state;
    mw_addr a;
    char buf[MW_ADDR_STRLEN];
    assert_int_equal(mw_addr_resolve(&a, "localhost:7896", -1, 0), 0);
    /* IPv4 is preferred when either family will do. */
    assert_int_equal(a.family, MW_AF_INET4);
    assert_int_equal(a.port, 7896);
    assert_int_equal(a.ip[0], 127);
    assert_int_equal(mw_addr_resolve(&a, "localhost", 99, MW_AF_INET4), 0);
    assert_int_equal(mw_addr_format(&a, buf, sizeof buf), 0);
    assert_string_equal(buf, "127.0.0.1:99");
    /* Numeric text never goes to the resolver and keeps its scope. */
    assert_int_equal(mw_addr_resolve(&a, "[fe80::1%lo]:3", -1, 0), 0);
    assert_int_equal(mw_addr_format(&a, buf, sizeof buf), 0);
    assert_string_equal(buf, "[fe80::1%lo]:3");
    assert_int_equal(mw_addr_resolve(&a, "10.1.2.3:4", -1, MW_AF_INET4), 0);
    assert_int_equal(mw_addr_resolve(&a, "10.1.2.3:4", -1, MW_AF_INET6), MW_EADDR);
    /* Same errors as parse for the shape of the text. */
    assert_int_equal(mw_addr_resolve(&a, "localhost:65536", -1, 0), MW_ERANGE);
    assert_int_equal(mw_addr_resolve(&a, "localhost", -1, 0), MW_EADDR);
    assert_int_equal(mw_addr_resolve(&a, "local host:80", -1, 0), MW_EADDR);
    assert_int_equal(mw_addr_resolve(&a, "[localhost]:80", -1, 0), MW_EADDR);
    assert_int_equal(mw_addr_resolve(&a, "localhost:80", -1, 7), MW_EINVAL);
}

static void test_resolve_unknown_host_is_fast(void **state)
{
    (void)state;
    /* RFC 6761 reserves .invalid: it never resolves, with or without DNS. */
    static const char *names[] = {"no-such-host.invalid:1", "x.y.INVALID.:2", "invalid:3"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        mw_addr a;
        memset(&a, 0x77, sizeof a);
        uint64_t t0 = mw_now_ms();
        assert_int_equal(mw_addr_resolve(&a, names[i], -1, 0), MW_ENOTFOUND);
        assert_true(mw_now_ms() - t0 < 1000);
        assert_int_equal(a.family, 0x77);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_scope_and_bytes),
        cmocka_unit_test(test_port_parse),
        cmocka_unit_test(test_format_limits),
        cmocka_unit_test(test_any_loopback_multicast_equal),
        cmocka_unit_test(test_resolve_localhost),
        cmocka_unit_test(test_resolve_unknown_host_is_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

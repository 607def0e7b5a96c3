/* test_net_utf.c - writeUTF/readUTF framing over TCP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <midway/net.h>

#define WAIT_MS 5000
#define S(lit) lit, sizeof(lit) - 1

struct conn {
    mw_tcp *c; /* the writing end */
    mw_tcp *s; /* the reading end */
};

static int setup(void **state)
{
    struct conn *k = calloc(1, sizeof *k);
    mw_addr a;
    mw_addr_loopback(&a, MW_AF_INET4, 0);
    mw_tcp_listener *l;
    if (!k || mw_tcp_listen(&l, &a, 4) || mw_tcp_listener_addr(l, &a))
        return -1;
    int rc = mw_tcp_connect(&k->c, &a, WAIT_MS);
    if (rc == 0)
        rc = mw_tcp_accept(l, &k->s, NULL, WAIT_MS);
    mw_tcp_listener_close(l);
    *state = k;
    return rc;
}

static int teardown(void **state)
{
    struct conn *k = *state;
    mw_tcp_close(k->c);
    mw_tcp_close(k->s);
    free(k);
    return 0;
}

/* Large frames go through a writer thread, so a small socket buffer cannot deadlock a
 * test that writes and reads on one thread. */
struct writer {
    mw_tcp *c;
    const char *s;
    size_t n;
    int rc;
};

static void write_utf_thread(void *arg)
{
    struct writer *w = arg;
    w->rc = mw_tcp_write_utf(w->c, w->s, w->n, WAIT_MS);
}

static void round_trip(struct conn *k, const char *s, size_t n)
{
    struct writer w = {k->c, s, n, -1};
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, write_utf_thread, &w), 0);
    mw_buf out = {0};
    assert_int_equal(mw_buf_append_str(&out, ">"), 0);
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), 0);
    mw_thread_join(t);
    assert_int_equal(w.rc, 0);
    assert_int_equal(out.len, 1 + n);
    assert_int_equal(out.data[0], '>'); /* appended, not replaced */
    if (n)
        assert_memory_equal(out.data + 1, s, n);
    mw_buf_free(&out);
}

static void test_round_trips(void **state)
{
    struct conn *k = *state;
    round_trip(k, S(""));
    round_trip(k, S("hello, world"));
    round_trip(k, S("nul\x00inside"));
    round_trip(k, S("\x00"));
    round_trip(k, S("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC"));
    round_trip(k, S("\xF0\x9F\x98\x80"));
    round_trip(k, S("mixed \xF0\x9F\x98\x80\x00\xF4\x8F\xBF\xBF end"));
}

static void test_wire_bytes_are_javas(void **state)
{
    struct conn *k = *state;
    assert_int_equal(mw_tcp_write_utf(k->c, S("a\x00\xF0\x9F\x98\x80"), WAIT_MS), 0);
    static const uint8_t want[] = {0x00, 0x09, 'a',  0xC0, 0x80, 0xED,
                                   0xA0, 0xBD, 0xED, 0xB8, 0x80};
    uint8_t got[sizeof want];
    assert_int_equal(mw_tcp_read_exact(k->s, got, sizeof got, WAIT_MS), 0);
    assert_memory_equal(got, want, sizeof want);
    /* and the empty string is just a zero length */
    assert_int_equal(mw_tcp_write_utf(k->c, "", 0, WAIT_MS), 0);
    assert_int_equal(mw_tcp_read_exact(k->s, got, 2, WAIT_MS), 0);
    assert_memory_equal(got, "\0\0", 2);
}

static void test_size_limit(void **state)
{
    struct conn *k = *state;
    char *s = malloc(65536 * 2);
    assert_non_null(s);
    /* Exactly 65535 bytes of modified UTF-8: the largest frame there is. */
    memset(s, 'a', 65535);
    round_trip(k, s, 65535);
    for (size_t i = 0; i < 21845; i++)
        memcpy(s + 3 * i, "\xE2\x82\xAC", 3); /* 21845 x 3 = 65535 */
    round_trip(k, s, 21845 * 3);

    /* One byte more, nothing written: the next frame is the first one the reader sees. */
    memset(s, 'a', 65536);
    assert_int_equal(mw_tcp_write_utf(k->c, s, 65536, WAIT_MS), MW_EMSGSIZE);
    /* Short in UTF-8 but too long in modified UTF-8: NUL takes 2 bytes, an emoji 6. */
    memset(s, 0, 32768);
    assert_int_equal(mw_tcp_write_utf(k->c, s, 32768, WAIT_MS), MW_EMSGSIZE);
    round_trip(k, s, 32767); /* 65534 bytes */
    for (size_t i = 0; i < 10923; i++)
        memcpy(s + 4 * i, "\xF0\x9F\x98\x80", 4); /* 43692 bytes, 65538 modified */
    assert_int_equal(mw_tcp_write_utf(k->c, s, 4 * 10923, WAIT_MS), MW_EMSGSIZE);
    round_trip(k, s, 4 * 10922); /* 65532 modified */
    assert_int_equal(mw_tcp_write_utf(k->c, S("next"), WAIT_MS), 0);
    mw_buf out = {0};
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), 0);
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.data, "next", 4);
    mw_buf_free(&out);
    free(s);
}

static void test_invalid_utf8_is_not_written(void **state)
{
    struct conn *k = *state;
    assert_int_equal(mw_tcp_write_utf(k->c, S("bad \xED\xA0\x80 surrogate"), WAIT_MS), MW_EUTF);
    assert_int_equal(mw_tcp_write_utf(k->c, S("\xC0\x80"), WAIT_MS), MW_EUTF);
    assert_int_equal(mw_tcp_write_utf(k->c, S("\xE2\x82"), WAIT_MS), MW_EUTF);
    assert_int_equal(mw_tcp_write_utf(k->c, S("ok"), WAIT_MS), 0);
    mw_buf out = {0};
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), 0);
    assert_int_equal(out.len, 2);
    assert_memory_equal(out.data, "ok", 2);
    mw_buf_free(&out);
}

static void test_invalid_frame_is_consumed(void **state)
{
    struct conn *k = *state;
    static const struct {
        const char *bytes;
        size_t len;
    } frames[] = {
        {S("\x00\x03" "a\x00" "b")},                  /* bare NUL */
        {S("\x00\x04\xF0\x9F\x98\x80")},              /* 4-byte form */
        {S("\x00\x03\xED\xA0\xBD")},                  /* unpaired high surrogate */
        {S("\x00\x02\xC1\x81")},                      /* overlong */
        {S("\x00\x02" "a\xC3")},                      /* truncated inside the frame */
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        assert_int_equal(mw_tcp_write_all(k->c, frames[i].bytes, frames[i].len, WAIT_MS), 0);
        assert_int_equal(mw_tcp_write_utf(k->c, S("after"), WAIT_MS), 0);
        mw_buf out = {0};
        assert_int_equal(mw_buf_append_str(&out, "keep"), 0);
        assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), MW_EUTF);
        assert_int_equal(out.len, 4); /* nothing appended */
        assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), 0);
        assert_int_equal(out.len, 9);
        assert_memory_equal(out.data, "keepafter", 9);
        mw_buf_free(&out);
    }
    /* A big invalid frame (past the stack buffer) is consumed whole as well. */
    uint8_t *big = malloc(2 + 5000);
    assert_non_null(big);
    mw_store_u16be(big, 5000);
    memset(big + 2, 'x', 5000);
    big[2 + 4000] = 0;
    assert_int_equal(mw_tcp_write_all(k->c, big, 2 + 5000, WAIT_MS), 0);
    assert_int_equal(mw_tcp_write_utf(k->c, S("after"), WAIT_MS), 0);
    mw_buf out = {0};
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), MW_EUTF);
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), 0);
    assert_int_equal(out.len, 5);
    mw_buf_free(&out);
    free(big);
}

static void test_output_limit_consumes_frame(void **state)
{
    struct conn *k = *state;
    mw_buf out = {0};
    out.limit = 4;
    assert_int_equal(mw_tcp_write_utf(k->c, S("too long"), WAIT_MS), 0);
    assert_int_equal(mw_tcp_write_utf(k->c, S("fits"), WAIT_MS), 0);
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), MW_ELIMIT);
    assert_int_equal(out.len, 0);
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), 0);
    assert_memory_equal(out.data, "fits", 4);
    mw_buf_free(&out);
}

static void test_end_of_stream(void **state)
{
    struct conn *k = *state;
    mw_buf out = {0};
    /* header announces 10 bytes, 3 arrive, then the stream ends */
    assert_int_equal(mw_tcp_write_all(k->c, "\x00\x0A" "abc", 5, WAIT_MS), 0);
    assert_int_equal(mw_tcp_shutdown_write(k->c), 0);
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), MW_ETRUNCATED);
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), MW_EEOF);
    assert_int_equal(out.len, 0);
    mw_buf_free(&out);
}

static void test_end_inside_header(void **state)
{
    struct conn *k = *state;
    mw_buf out = {0};
    assert_int_equal(mw_tcp_write_all(k->c, "\x00", 1, WAIT_MS), 0);
    assert_int_equal(mw_tcp_shutdown_write(k->c), 0);
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), MW_ETRUNCATED);
    mw_buf_free(&out);
}

static void test_end_after_header(void **state)
{
    struct conn *k = *state;
    mw_buf out = {0};
    assert_int_equal(mw_tcp_write_all(k->c, "\x00\x05", 2, WAIT_MS), 0);
    assert_int_equal(mw_tcp_shutdown_write(k->c), 0);
    assert_int_equal(mw_tcp_read_utf(k->s, &out, WAIT_MS), MW_ETRUNCATED);
    mw_buf_free(&out);
}

static void test_timeout(void **state)
{
    struct conn *k = *state;
    mw_buf out = {0};
    uint64_t t0 = mw_now_ns();
    assert_int_equal(mw_tcp_read_utf(k->s, &out, 100), MW_ETIMEDOUT);
    uint64_t ms = (mw_now_ns() - t0) / 1000000u;
    assert_true(ms >= 100 && ms < 3000);
    /* one timeout covers header and body together */
    assert_int_equal(mw_tcp_write_all(k->c, "\x00\x05" "ab", 4, WAIT_MS), 0);
    t0 = mw_now_ns();
    assert_int_equal(mw_tcp_read_utf(k->s, &out, 100), MW_ETIMEDOUT);
    ms = (mw_now_ns() - t0) / 1000000u;
    assert_true(ms >= 100 && ms < 3000);
    mw_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wire_bytes_are_javas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_is_not_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_frame_is_consumed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_limit_consumes_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_of_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_inside_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_after_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

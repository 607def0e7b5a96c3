/* test_base_utf8.c - UTF-8 validation and Java's modified UTF-8 both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <midway/base.h>

struct bad {
    const char *bytes;
    size_t len;
    size_t off; /* where the error must be reported */
    const char *why;
};
#define S(lit) lit, sizeof(lit) - 1

static void test_validate_accepts(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } good[] = {
        {S("")},
        {S("plain ascii")},
        {S("\x00")},                    /* NUL is valid UTF-8 */
        {S("\xC2\x80")},                /* U+0080, smallest 2-byte */
        {S("\xC3\xA9t\xC3\xA9")},       /* été */
        {S("\xDF\xBF")},                /* U+07FF */
        {S("\xE0\xA0\x80")},            /* U+0800, smallest 3-byte */
        {S("\xE2\x82\xAC")},            /* € */
        {S("\xED\x9F\xBF")},            /* U+D7FF, just below the surrogates */
        {S("\xEE\x80\x80")},            /* U+E000, just above */
        {S("\xEF\xBF\xBF")},            /* U+FFFF */
        {S("\xF0\x90\x80\x80")},        /* U+10000 */
        {S("\xF0\x9F\x98\x80")},        /* U+1F600 */
        {S("\xF4\x8F\xBF\xBF")},        /* U+10FFFF, the last code point */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t off = 999;
        if (mw_utf8_validate(good[i].bytes, good[i].len, &off) != 0)
            fail_msg("case %zu rejected at %zu", i, off);
    }
    assert_int_equal(mw_utf8_validate(NULL, 0, NULL), 0);
}

static void test_validate_rejects(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        {S("\xC0\x80"), 0, "overlong NUL (fine in modified UTF-8, not in UTF-8)"},
        {S("\xC1\xBF"), 0, "overlong 2-byte"},
        {S("\xE0\x80\x80"), 0, "overlong 3-byte"},
        {S("\xE0\x9F\xBF"), 0, "overlong 3-byte, top"},
        {S("\xF0\x80\x80\x80"), 0, "overlong 4-byte"},
        {S("\xF0\x8F\xBF\xBF"), 0, "overlong 4-byte, top"},
        {S("\xED\xA0\x80"), 0, "high surrogate U+D800"},
        {S("\xED\xBF\xBF"), 0, "low surrogate U+DFFF"},
        {S("\xED\xA0\xBD\xED\xB8\x80"), 0, "CESU-8 pair"},
        {S("\xF4\x90\x80\x80"), 0, "U+110000"},
        {S("\xF5\x80\x80\x80"), 0, "lead byte F5"},
        {S("\xF8\x88\x80\x80\x80"), 0, "5-byte form"},
        {S("\xFF"), 0, "FF"},
        {S("\xFE"), 0, "FE"},
        {S("\x80"), 0, "lone continuation"},
        {S("ab\xBF"), 2, "continuation after ASCII"},
        {S("\xC3"), 0, "truncated 2-byte"},
        {S("\xE2\x82"), 0, "truncated 3-byte"},
        {S("\xF0\x9F\x98"), 0, "truncated 4-byte"},
        {S("xyz\xE2\x82"), 3, "truncated at the end after text"},
        {S("\xE2\x28\xA1"), 0, "bad continuation"},
        {S("\xC3\xA9\xC3"), 2, "good char then truncated"},
        {S("ok\xC3\xA9ok\xED\xA0\x80"), 6, "surrogate after text"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t off = 999;
        int rc = mw_utf8_validate(bad[i].bytes, bad[i].len, &off);
        if (rc != MW_EUTF || off != bad[i].off)
            fail_msg("%s: rc %s off %zu, want MW_EUTF at %zu", bad[i].why, mw_errname(rc), off,
                     bad[i].off);
        /* bad_off is optional */
        assert_int_equal(mw_utf8_validate(bad[i].bytes, bad[i].len, NULL), MW_EUTF);
    }
}

/* UTF-8 and its exact modified UTF-8 form as java.io.DataOutputStream writes it. */
static const struct {
    const char *utf8;
    size_t ulen;
    const char *mutf8;
    size_t mlen;
} pairs[] = {
    {S(""), S("")},
    {S("A"), S("A")},
    {S("\x00"), S("\xC0\x80")},
    {S("a\x00z"), S("a\xC0\x80z")},
    {S("\x7F"), S("\x7F")},
    {S("\xC2\x80"), S("\xC2\x80")},
    {S("\xC3\xA9"), S("\xC3\xA9")},
    {S("\xDF\xBF"), S("\xDF\xBF")},
    {S("\xE0\xA0\x80"), S("\xE0\xA0\x80")},
    {S("\xE2\x82\xAC"), S("\xE2\x82\xAC")},
    {S("\xEF\xBF\xBF"), S("\xEF\xBF\xBF")},
    {S("\xF0\x90\x80\x80"), S("\xED\xA0\x80\xED\xB0\x80")},
    {S("\xF0\x9F\x98\x80"), S("\xED\xA0\xBD\xED\xB8\x80")},
    {S("\xF4\x8F\xBF\xBF"), S("\xED\xAF\xBF\xED\xBF\xBF")},
    {S("hi \xF0\x9F\x98\x80\x00!"), S("hi \xED\xA0\xBD\xED\xB8\x80\xC0\x80!")},
};
#define NPAIRS (sizeof pairs / sizeof pairs[0])

static void test_to_modified(void **state)
{
    (void)state;
    for (size_t i = 0; i < NPAIRS; i++) {
        size_t len = 0;
        assert_int_equal(mw_mutf8_length(pairs[i].utf8, pairs[i].ulen, &len, NULL), 0);
        assert_int_equal(len, pairs[i].mlen);
        mw_buf b = {0};
        assert_int_equal(mw_buf_append_str(&b, "pre"), 0);
        assert_int_equal(mw_mutf8_from_utf8(&b, pairs[i].utf8, pairs[i].ulen, NULL), 0);
        assert_int_equal(b.len, 3 + pairs[i].mlen);
        assert_memory_equal(b.data, "pre", 3);
        if (pairs[i].mlen)
            assert_memory_equal(b.data + 3, pairs[i].mutf8, pairs[i].mlen);
        mw_buf_free(&b);
    }
}

static void test_from_modified(void **state)
{
    (void)state;
    for (size_t i = 0; i < NPAIRS; i++) {
        mw_buf b = {0};
        assert_int_equal(mw_buf_append_str(&b, "pre"), 0);
        int rc = mw_mutf8_to_utf8(&b, (const uint8_t *)pairs[i].mutf8, pairs[i].mlen, NULL);
        assert_int_equal(rc, 0);
        assert_int_equal(b.len, 3 + pairs[i].ulen);
        if (pairs[i].ulen)
            assert_memory_equal(b.data + 3, pairs[i].utf8, pairs[i].ulen);
        mw_buf_free(&b);
    }
}

static void test_from_utf8_rejects_invalid(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        {S("ab\xED\xA0\x80"), 2, "surrogate in UTF-8"},
        {S("\xF4\x90\x80\x80"), 0, "above U+10FFFF"},
        {S("\xC0\x80"), 0, "overlong NUL is not UTF-8 input"},
        {S("xy\xE2\x82"), 2, "truncated"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mw_buf b = {0};
        assert_int_equal(mw_buf_append_str(&b, "keep"), 0);
        size_t off = 999, len = 777;
        assert_int_equal(mw_mutf8_length(bad[i].bytes, bad[i].len, &len, &off), MW_EUTF);
        assert_int_equal(off, bad[i].off);
        assert_int_equal(len, 777); /* untouched on error */
        off = 999;
        assert_int_equal(mw_mutf8_from_utf8(&b, bad[i].bytes, bad[i].len, &off), MW_EUTF);
        assert_int_equal(off, bad[i].off);
        assert_int_equal(b.len, 4); /* nothing appended */
        assert_memory_equal(b.data, "keep", 4);
        mw_buf_free(&b);
    }
}

static void test_to_utf8_rejects_what_java_never_writes(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        {S("\x00"), 0, "bare NUL byte"},
        {S("ab\x00"), 2, "bare NUL byte after text"},
        {S("\xF0\x9F\x98\x80"), 0, "4-byte UTF-8 form"},
        {S("x\xF0\x9F\x98\x80"), 1, "4-byte UTF-8 form after text"},
        {S("\xED\xA0\xBD"), 0, "unpaired high surrogate at the end"},
        {S("\xED\xA0\xBD" "a"), 0, "high surrogate followed by ASCII"},
        {S("\xED\xA0\xBD\xED\xA0\xBD"), 0, "two high surrogates"},
        {S("\xED\xB8\x80"), 0, "lone low surrogate"},
        {S("ab\xED\xB8\x80"), 2, "lone low surrogate after text"},
        {S("\xED\xA0\xBD\xC3\xA9"), 0, "high surrogate then a 2-byte char"},
        {S("\xC1\x81"), 0, "overlong C1 81 ('A')"},
        {S("\xC0\x81"), 0, "overlong U+0001"},
        {S("\xE0\x81\x81"), 0, "3-byte overlong"},
        {S("\xE0\x80\x80"), 0, "3-byte overlong NUL"},
        {S("\xC3"), 0, "truncated 2-byte"},
        {S("\xE2\x82"), 0, "truncated 3-byte"},
        {S("ok\xE2"), 2, "truncated 3-byte after text"},
        {S("\xED\xA0\xBD\xED\xB8"), 0, "pair with truncated low half"},
        {S("\x80"), 0, "lone continuation"},
        {S("\xC3\x41"), 0, "bad continuation"},
        {S("\xF8\x80\x80\x80\x80"), 0, "5-byte form"},
        {S("\xFF"), 0, "FF"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mw_buf b = {0};
        assert_int_equal(mw_buf_append_str(&b, "keep"), 0);
        size_t off = 999;
        int rc = mw_mutf8_to_utf8(&b, (const uint8_t *)bad[i].bytes, bad[i].len, &off);
        if (rc != MW_EUTF || off != bad[i].off)
            fail_msg("%s: rc %s off %zu, want MW_EUTF at %zu", bad[i].why, mw_errname(rc), off,
                     bad[i].off);
        assert_int_equal(b.len, 4);
        assert_memory_equal(b.data, "keep", 4);
        assert_int_equal(mw_mutf8_to_utf8(&b, (const uint8_t *)bad[i].bytes, bad[i].len, NULL),
                         MW_EUTF);
        mw_buf_free(&b);
    }
}

/* A reference encoder kept separate from the library: code point to UTF-8, and to the
 * modified UTF-8 Java writes (UTF-16 units, each in 1, 2 or 3 bytes, U+0000 in 2). */
static size_t ref_utf8(uint32_t cp, uint8_t *p)
{
    if (cp < 0x80) {
        p[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (uint8_t)(0xC0 | cp >> 6);
        p[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (uint8_t)(0xE0 | cp >> 12);
        p[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        p[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    p[0] = (uint8_t)(0xF0 | cp >> 18);
    p[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    p[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    p[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static size_t ref_java_unit(uint32_t u, uint8_t *p)
{
    if (u >= 1 && u <= 0x7F) {
        p[0] = (uint8_t)u;
        return 1;
    }
    if (u <= 0x7FF) {
        p[0] = (uint8_t)(0xC0 | (u >> 6));
        p[1] = (uint8_t)(0x80 | (u & 0x3F));
        return 2;
    }
    p[0] = (uint8_t)(0xE0 | (u >> 12));
    p[1] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
    p[2] = (uint8_t)(0x80 | (u & 0x3F));
    return 3;
}

static size_t ref_mutf8(uint32_t cp, uint8_t *p)
{
    if (cp < 0x10000)
        return ref_java_unit(cp, p);
    uint32_t v = cp - 0x10000;
    size_t k = ref_java_unit(0xD800 | (v >> 10), p);
    return k + ref_java_unit(0xDC00 | (v & 0x3FF), p + k);
}

static uint32_t random_code_point(mw_rng *r)
{
    /* Weighted to every encoded length, never a surrogate. */
    for (;;) {
        uint32_t cp;
        switch (mw_rng_below(r, 5)) {
        case 0:
            cp = (uint32_t)mw_rng_below(r, 0x80);
            break;
        case 1:
            cp = 0x80 + (uint32_t)mw_rng_below(r, 0x800 - 0x80);
            break;
        case 2:
            cp = 0x800 + (uint32_t)mw_rng_below(r, 0x10000 - 0x800);
            break;
        case 3:
            cp = 0x10000 + (uint32_t)mw_rng_below(r, 0x110000 - 0x10000);
            break;
        default:
            cp = 0; /* NUL deserves its own share */
            break;
        }
        if (cp < 0xD800 || cp > 0xDFFF)
            return cp;
    }
}

static void test_round_trip_random_strings(void **state)
{
    (void)state;
    mw_rng r;
    mw_rng_seed(&r, 20240607);
    uint8_t utf8[64 * 4], mutf8[64 * 6];
    for (int iter = 0; iter < 5000; iter++) {
        size_t chars = (size_t)mw_rng_below(&r, 64);
        size_t ul = 0, ml = 0;
        for (size_t k = 0; k < chars; k++) {
            uint32_t cp = random_code_point(&r);
            ul += ref_utf8(cp, utf8 + ul);
            ml += ref_mutf8(cp, mutf8 + ml);
        }
        assert_int_equal(mw_utf8_validate((const char *)utf8, ul, NULL), 0);
        size_t len;
        assert_int_equal(mw_mutf8_length((const char *)utf8, ul, &len, NULL), 0);
        assert_int_equal(len, ml);
        assert_true(ul <= ml);

        mw_buf m = {0}, u = {0};
        assert_int_equal(mw_mutf8_from_utf8(&m, (const char *)utf8, ul, NULL), 0);
        assert_int_equal(m.len, ml);
        if (ml)
            assert_memory_equal(m.data, mutf8, ml);
        assert_int_equal(mw_mutf8_to_utf8(&u, m.data, m.len, NULL), 0);
        assert_int_equal(u.len, ul);
        if (ul)
            assert_memory_equal(u.data, utf8, ul);
        mw_buf_free(&m);
        mw_buf_free(&u);
    }
}

static void test_output_limit(void **state)
{
    (void)state;
    /* A buffer limit is honoured: MW_ELIMIT and nothing appended. */
    mw_buf b = {0};
    b.limit = 4;
    assert_int_equal(mw_mutf8_from_utf8(&b, S("\xF0\x9F\x98\x80"), NULL), MW_ELIMIT);
    assert_int_equal(b.len, 0);
    assert_int_equal(mw_mutf8_from_utf8(&b, S("\x00\x00"), NULL), 0);
    assert_int_equal(b.len, 4);
    mw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_accepts),
        cmocka_unit_test(test_validate_rejects),
        cmocka_unit_test(test_to_modified),
        cmocka_unit_test(test_from_modified),
        cmocka_unit_test(test_from_utf8_rejects_invalid),
        cmocka_unit_test(test_to_utf8_rejects_what_java_never_writes),
        cmocka_unit_test(test_round_trip_random_strings),
        cmocka_unit_test(test_output_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_base_arena.c - region allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <midway/base.h>

static void test_many_allocations_stay_intact(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    enum { N = 20000 };
    static uint8_t *ptrs[N];
    size_t total = 0;
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % 97;
        ptrs[i] = mw_arena_alloc(a, n, 1);
        assert_non_null(ptrs[i]);
        memset(ptrs[i], (int)(i & 0xFF), n);
        total += n;
    }
    /* Nothing overlapped: every allocation still holds its own pattern. */
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % 97;
        for (size_t k = 0; k < n; k++)
            assert_int_equal(ptrs[i][k], (uint8_t)(i & 0xFF));
    }
    assert_true(mw_arena_used(a) >= total);
    /* A big allocation past the block size works too. */
    uint8_t *big = mw_arena_alloc(a, 3u << 20, 0);
    assert_non_null(big);
    memset(big, 1, 3u << 20);
    mw_arena_destroy(a);
    mw_arena_destroy(NULL);
}

static void test_alignment(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    static const size_t aligns[] = {1, 2, 4, 8, 16};
    for (int round = 0; round < 200; round++) {
        for (size_t k = 0; k < sizeof aligns / sizeof aligns[0]; k++) {
            assert_non_null(mw_arena_alloc(a, 1 + (size_t)round % 5, 1)); /* misalign */
            void *p = mw_arena_alloc(a, 3, aligns[k]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % aligns[k], 0);
        }
        void *p = mw_arena_alloc(a, 7, 0); /* 0 means 16 */
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
    }
    /* Not a power of two, or above 16: refused. */
    assert_null(mw_arena_alloc(a, 8, 3));
    assert_null(mw_arena_alloc(a, 8, 32));
    /* Zero bytes still give distinct pointers. */
    void *z1 = mw_arena_alloc(a, 0, 1), *z2 = mw_arena_alloc(a, 0, 1);
    assert_non_null(z1);
    assert_non_null(z2);
    assert_ptr_not_equal(z1, z2);
    mw_arena_destroy(a);
}

static void test_limit_enforced(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 1000), 0);
    size_t got = 0;
    for (;;) {
        void *p = mw_arena_alloc(a, 10, 1);
        if (!p)
            break;
        got += 10;
        assert_true(got <= 1000);
    }
    assert_true(got >= 900); /* the limit is what is handed out, not much less */
    assert_true(mw_arena_used(a) <= 1000);
    assert_null(mw_arena_alloc(a, 1000, 1));
    assert_null(mw_arena_strndup(a, "0123456789abcdef", 16));

    /* A single request above the limit fails at once, whatever the arena holds. */
    mw_arena *b;
    assert_int_equal(mw_arena_create(&b, 100), 0);
    assert_null(mw_arena_alloc(b, 101, 1));
    assert_non_null(mw_arena_alloc(b, 100, 1));
    assert_null(mw_arena_alloc(b, 1, 1));
    /* Raising the limit lets allocation go on; reset gives everything back. */
    mw_arena_set_limit(b, 0);
    assert_non_null(mw_arena_alloc(b, 5000, 1));
    mw_arena_set_limit(b, 50);
    mw_arena_reset(b);
    assert_int_equal(mw_arena_used(b), 0);
    assert_non_null(mw_arena_alloc(b, 50, 1));
    assert_null(mw_arena_alloc(b, 1, 1));
    mw_arena_destroy(b);
    mw_arena_destroy(a);
}

static void test_calloc_zeroes_and_checks(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    /* Dirty the memory, reset, then calloc must hand back zeros. */
    uint8_t *d = mw_arena_alloc(a, 512, 1);
    assert_non_null(d);
    memset(d, 0xFF, 512);
    mw_arena_reset(a);
    uint32_t *v = mw_arena_calloc(a, 100, sizeof *v);
    assert_non_null(v);
    assert_int_equal((uintptr_t)v % 16, 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(v[i], 0);
    /* count * size that overflows is refused, not wrapped to a small allocation. */
    assert_null(mw_arena_calloc(a, SIZE_MAX / 2 + 1, 2));
    assert_null(mw_arena_calloc(a, SIZE_MAX, SIZE_MAX));
    assert_null(mw_arena_calloc(a, (size_t)1 << 40, (size_t)1 << 40));
    assert_null(mw_arena_alloc(a, SIZE_MAX, 1));
    assert_null(mw_arena_alloc(a, SIZE_MAX - 8, 16));
    mw_arena_destroy(a);
}

static void test_strndup(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    char *s = mw_arena_strndup(a, "hello world", 5);
    assert_non_null(s);
    assert_string_equal(s, "hello");
    char *e = mw_arena_strndup(a, NULL, 0);
    assert_non_null(e);
    assert_string_equal(e, "");
    assert_null(mw_arena_strndup(a, "x", SIZE_MAX));
    mw_arena_destroy(a);
}

static void test_reset_reuses(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 1000; i++) {
            char *p = mw_arena_alloc(a, 64, 8);
            assert_non_null(p);
            memset(p, round, 64);
        }
        assert_true(mw_arena_used(a) >= 64000);
        mw_arena_reset(a);
        assert_int_equal(mw_arena_used(a), 0);
    }
    /* Reset of a fresh arena is harmless. */
    mw_arena *b;
    assert_int_equal(mw_arena_create(&b, 10), 0);
    mw_arena_reset(b);
    assert_int_equal(mw_arena_used(b), 0);
    mw_arena_destroy(b);
    mw_arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_allocations_stay_intact),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_limit_enforced),
        cmocka_unit_test(test_calloc_zeroes_and_checks),
        cmocka_unit_test(test_strndup),
        cmocka_unit_test(test_reset_reuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

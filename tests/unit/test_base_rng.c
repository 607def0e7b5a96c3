/* test_base_rng.c - the seeded generator, secure random bytes, and the clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <midway/base.h>

static void test_same_seed_same_sequence(void **state)
{
    (void)state;
    mw_rng a, b, c;
    mw_rng_seed(&a, 12345);
    mw_rng_seed(&b, 12345);
    mw_rng_seed(&c, 12346);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = mw_rng_next(&a);
        assert_true(x == mw_rng_next(&b));
        differ += x != mw_rng_next(&c);
    }
    assert_true(differ > 990);
}

static void test_known_values(void **state)
{
    (void)state;
    /* splitmix64 seeding then xoshiro256**: the first outputs for seed 0 are fixed on
     * every machine, so fault-injection runs replay anywhere. Computed independently
     * from the reference algorithms. */
    mw_rng r;
    mw_rng_seed(&r, 0);
    assert_true(r.s[0] == 0xe220a8397b1dcdafull);
    assert_true(r.s[1] == 0x6e789e6aa1b965f4ull);
    assert_true(r.s[2] == 0x06c45d188009454full);
    assert_true(r.s[3] == 0xf88bb8a8724c81ecull);
    assert_true(mw_rng_next(&r) == 0x99ec5f36cb75f2b4ull);
    assert_true(mw_rng_next(&r) == 0xbf6e1f784956452aull);
    assert_true(mw_rng_next(&r) == 0x1a5f849d4933e6e0ull);
}

static void test_below_in_range_and_covers(void **state)
{
    (void)state;
    mw_rng r;
    mw_rng_seed(&r, 7);
    assert_true(mw_rng_below(&r, 0) == 0);
    for (int i = 0; i < 100; i++)
        assert_true(mw_rng_below(&r, 1) == 0);
    int seen[10] = {0};
    for (int i = 0; i < 10000; i++) {
        uint64_t v = mw_rng_below(&r, 10);
        assert_true(v < 10);
        seen[v]++;
    }
    /* Uniform enough: each of 10 values near 1000 of 10000. */
    for (int k = 0; k < 10; k++)
        assert_true(seen[k] > 800 && seen[k] < 1200);
    uint64_t big = (UINT64_MAX / 3) * 2; /* where naive modulo is most biased */
    for (int i = 0; i < 1000; i++)
        assert_true(mw_rng_below(&r, big) < big);
    for (int i = 0; i < 1000; i++) {
        double u = mw_rng_unit(&r);
        assert_true(u >= 0.0 && u < 1.0);
    }
}

static void test_random_bytes(void **state)
{
    (void)state;
    uint8_t a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    assert_int_equal(mw_random_bytes(a, sizeof a), 0);
    assert_int_equal(mw_random_bytes(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(mw_random_bytes(a, 0), 0);
    static uint8_t big[1 << 20];
    assert_int_equal(mw_random_bytes(big, sizeof big), 0);
}

static void test_clocks(void **state)
{
    (void)state;
    uint64_t t0 = mw_now_ns();
    uint64_t prev = t0;
    for (int i = 0; i < 1000; i++) {
        uint64_t t = mw_now_ns();
        assert_true(t >= prev);
        prev = t;
    }
    uint64_t m0 = mw_now_ms();
    mw_sleep_ms(20);
    uint64_t m1 = mw_now_ms();
    assert_true(m1 - m0 >= 19);
    assert_true(m1 - m0 < 5000);
    /* The wall clock is after 2020-01-01. */
    assert_true(mw_wall_ms() > 1577836800000ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_sequence),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_below_in_range_and_covers),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

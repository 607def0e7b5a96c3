/* test_base_buf.c - growable buffers and bounds-checked readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <midway/base.h>

static void test_zeroed_struct_is_empty(void **state)
{
    (void)state;
    mw_buf b = {0};
    assert_int_equal(b.len, 0);
    assert_int_equal(mw_buf_append(&b, "abc", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "abc", 3);
    mw_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    /* Free leaves it reusable, and freeing twice is harmless. */
    assert_int_equal(mw_buf_append_str(&b, "x"), 0);
    mw_buf_free(&b);
    mw_buf_free(&b);
}

static void test_growth_keeps_content(void **state)
{
    (void)state;
    mw_buf b;
    mw_buf_init(&b);
    for (uint32_t i = 0; i < 100000; i++)
        assert_int_equal(mw_buf_put_u8(&b, (uint8_t)(i * 7)), 0);
    assert_int_equal(b.len, 100000);
    assert_true(b.cap >= b.len);
    for (uint32_t i = 0; i < 100000; i++)
        assert_int_equal(b.data[i], (uint8_t)(i * 7));
    /* reset forgets the content but keeps the allocation */
    size_t cap = b.cap;
    mw_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap);
    assert_non_null(b.data);
    mw_buf_free(&b);
}

static void test_reserve_and_extend(void **state)
{
    (void)state;
    mw_buf b = {0};
    assert_int_equal(mw_buf_reserve(&b, 1000), 0);
    assert_true(b.cap >= 1000);
    assert_int_equal(b.len, 0);
    assert_int_equal(mw_buf_append(&b, "ab", 2), 0);
    uint8_t *p = NULL;
    assert_int_equal(mw_buf_extend(&b, 5, &p), 0);
    assert_ptr_equal(p, b.data + 2);
    assert_int_equal(b.len, 7);
    for (int i = 0; i < 5; i++)
        assert_int_equal(p[i], 0);
    assert_int_equal(mw_buf_extend(&b, 0, NULL), 0);
    assert_int_equal(b.len, 7);
    /* A size that cannot be added to len is refused, not wrapped. */
    assert_int_equal(mw_buf_reserve(&b, SIZE_MAX), MW_ENOMEM);
    assert_int_equal(b.len, 7);
    /* Appending nothing from NULL is fine. */
    assert_int_equal(mw_buf_append(&b, NULL, 0), 0);
    mw_buf_free(&b);
}

static void test_limit(void **state)
{
    (void)state;
    mw_buf b = {0};
    b.limit = 100;
    assert_int_equal(mw_buf_extend(&b, 100, NULL), 0);
    assert_int_equal(b.len, 100);
    assert_true(b.cap <= 100);
    assert_int_equal(mw_buf_put_u8(&b, 1), MW_ELIMIT);
    assert_int_equal(mw_buf_append(&b, "xy", 2), MW_ELIMIT);
    assert_int_equal(mw_buf_printf(&b, "%d", 5), MW_ELIMIT);
    assert_int_equal(b.len, 100);
    /* The limit survives free and detach. */
    mw_buf_free(&b);
    assert_int_equal(b.limit, 100);
    assert_int_equal(mw_buf_reserve(&b, 101), MW_ELIMIT);
    assert_int_equal(mw_buf_append(&b, "abc", 3), 0);
    size_t len;
    free(mw_buf_detach(&b, &len));
    assert_int_equal(b.limit, 100);
    assert_int_equal(mw_buf_reserve(&b, 101), MW_ELIMIT);
    mw_buf_free(&b);
}

static void test_pad(void **state)
{
    (void)state;
    mw_buf b = {0};
    assert_int_equal(mw_buf_pad(&b, 0, 8), 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(mw_buf_put_u8(&b, 0xAA), 0);
    assert_int_equal(mw_buf_pad(&b, 0, 4), 0);
    assert_int_equal(b.len, 4);
    assert_int_equal(mw_buf_pad(&b, 0, 4), 0); /* already aligned: no change */
    assert_int_equal(b.len, 4);
    assert_int_equal(mw_buf_put_u8(&b, 0xBB), 0);
    assert_int_equal(mw_buf_pad(&b, 0, 8), 0);
    assert_int_equal(b.len, 8);
    for (size_t i = 1; i < 8; i++)
        if (i != 4)
            assert_int_equal(b.data[i], 0);
    /* Counting from a base: CDR aligns relative to the start of the message body. */
    assert_int_equal(mw_buf_put_u8(&b, 1), 0); /* len 9; relative to base 3 that is 6 */
    assert_int_equal(mw_buf_pad(&b, 3, 4), 0);
    assert_int_equal(b.len, 11);
    assert_int_equal(mw_buf_pad(&b, 0, 1), 0);
    assert_int_equal(b.len, 11);
    assert_int_equal(mw_buf_pad(&b, 0, 3), MW_EINVAL);
    assert_int_equal(mw_buf_pad(&b, 0, 0), MW_EINVAL);
    assert_int_equal(mw_buf_pad(&b, 12, 4), MW_EINVAL); /* base past the end */
    mw_buf_free(&b);
}

static void test_put_both_byte_orders(void **state)
{
    (void)state;
    mw_buf b = {0};
    assert_int_equal(mw_buf_put_u8(&b, 0x01), 0);
    assert_int_equal(mw_buf_put_u16be(&b, 0x0203), 0);
    assert_int_equal(mw_buf_put_u16le(&b, 0x0203), 0);
    assert_int_equal(mw_buf_put_u32be(&b, 0x04050607), 0);
    assert_int_equal(mw_buf_put_u32le(&b, 0x04050607), 0);
    assert_int_equal(mw_buf_put_u64be(&b, 0x08090A0B0C0D0E0Full), 0);
    assert_int_equal(mw_buf_put_u64le(&b, 0x08090A0B0C0D0E0Full), 0);
    static const uint8_t want[] = {
        0x01,       0x02, 0x03, 0x03, 0x02, 0x04, 0x05, 0x06, 0x07, 0x07, 0x06,
        0x05,       0x04, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x0F,
        0x0E,       0x0D, 0x0C, 0x0B, 0x0A, 0x09, 0x08,
    };
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    /* The inline load/store helpers agree. */
    assert_int_equal(mw_load_u16be(b.data + 1), 0x0203);
    assert_int_equal(mw_load_u32be(b.data + 5), 0x04050607);
    assert_true(mw_load_u64be(b.data + 13) == 0x08090A0B0C0D0E0Full);
    uint8_t st[8];
    mw_store_u16be(st, 0xBEEF);
    assert_int_equal(st[0], 0xBE);
    assert_int_equal(st[1], 0xEF);
    mw_store_u32be(st, 0xDEADBEEF);
    assert_memory_equal(st, "\xDE\xAD\xBE\xEF", 4);
    mw_store_u64be(st, 0x0102030405060708ull);
    assert_memory_equal(st, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    mw_buf_free(&b);
}

static void test_detach(void **state)
{
    (void)state;
    mw_buf b = {0};
    assert_int_equal(mw_buf_append_str(&b, "hello"), 0);
    size_t len = 0;
    uint8_t *p = mw_buf_detach(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 5);
    assert_memory_equal(p, "hello", 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(p);
    /* Detaching an empty buffer gives NULL and length 0. */
    assert_null(mw_buf_detach(&b, &len));
    assert_int_equal(len, 0);
    assert_int_equal(mw_buf_append_str(&b, "again"), 0);
    free(mw_buf_detach(&b, NULL));
}

static void test_printf(void **state)
{
    (void)state;
    mw_buf b = {0};
    assert_int_equal(mw_buf_printf(&b, "%s=%d", "x", 42), 0);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "x=42", 4);
    assert_int_equal(mw_buf_printf(&b, "%s", ""), 0);
    assert_int_equal(b.len, 4);
    /* Longer than the internal stack buffer: the slow path. */
    char big[1000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(mw_buf_printf(&b, "[%s]", big), 0);
    assert_int_equal(b.len, 4 + 1 + 999 + 1);
    assert_int_equal(b.data[4], '[');
    assert_int_equal(b.data[5], 'q');
    assert_int_equal(b.data[1003], 'q');
    assert_int_equal(b.data[1004], ']');
    mw_buf_free(&b);
}

/* ---- readers ---------------------------------------------------------------------- */

static const uint8_t sample[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};

static void test_reads_values(void **state)
{
    (void)state;
    mw_reader r;
    mw_reader_init(&r, sample, sizeof sample);
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    assert_int_equal(mw_read_u8(&r, &u8), 0);
    assert_int_equal(u8, 0x01);
    assert_int_equal(mw_read_u16be(&r, &u16), 0);
    assert_int_equal(u16, 0x0203);
    assert_int_equal(mw_read_u16le(&r, &u16), 0);
    assert_int_equal(u16, 0x0504);
    assert_int_equal(mw_reader_remaining(&r), 4);
    mw_reader_init(&r, sample, sizeof sample);
    assert_int_equal(mw_read_u32be(&r, &u32), 0);
    assert_int_equal(u32, 0x01020304);
    assert_int_equal(mw_read_u32le(&r, &u32), 0);
    assert_int_equal(u32, 0x08070605);
    mw_reader_init(&r, sample, sizeof sample);
    assert_int_equal(mw_read_u64be(&r, &u64), 0);
    assert_true(u64 == 0x0102030405060708ull);
    mw_reader_init(&r, sample + 1, 8);
    assert_int_equal(mw_read_u64le(&r, &u64), 0);
    assert_true(u64 == 0x0908070605040302ull);
    assert_int_equal(mw_reader_remaining(&r), 0);

    mw_reader_init(&r, sample, sizeof sample);
    const uint8_t *p;
    assert_int_equal(mw_read_bytes(&r, 3, &p), 0);
    assert_ptr_equal(p, sample); /* zero-copy */
    uint8_t dst[3];
    assert_int_equal(mw_read_copy(&r, dst, 3), 0);
    assert_memory_equal(dst, sample + 3, 3);
    assert_int_equal(mw_read_skip(&r, 2), 0);
    assert_int_equal(r.off, 8);
    assert_int_equal(mw_read_copy(&r, dst, 0), 0);
    assert_int_equal(mw_read_bytes(&r, 1, &p), 0);
    assert_int_equal(*p, 0x09);
}

/* One kind of read of `width` bytes, applied to a reader; 0 or an error. */
typedef int (*read_fn)(mw_reader *r);
static int rd_u8(mw_reader *r) { uint8_t v; return mw_read_u8(r, &v); }
static int rd_u16be(mw_reader *r) { uint16_t v; return mw_read_u16be(r, &v); }
static int rd_u16le(mw_reader *r) { uint16_t v; return mw_read_u16le(r, &v); }
static int rd_u32be(mw_reader *r) { uint32_t v; return mw_read_u32be(r, &v); }
static int rd_u32le(mw_reader *r) { uint32_t v; return mw_read_u32le(r, &v); }
static int rd_u64be(mw_reader *r) { uint64_t v; return mw_read_u64be(r, &v); }
static int rd_u64le(mw_reader *r) { uint64_t v; return mw_read_u64le(r, &v); }
static int rd_bytes5(mw_reader *r) { const uint8_t *p; return mw_read_bytes(r, 5, &p); }
static int rd_copy5(mw_reader *r) { uint8_t d[5]; return mw_read_copy(r, d, 5); }
static int rd_skip5(mw_reader *r) { return mw_read_skip(r, 5); }

static void test_every_read_at_every_truncation(void **state)
{
    (void)state;
    static const struct {
        read_fn fn;
        size_t width;
    } reads[] = {
        {rd_u8, 1},    {rd_u16be, 2}, {rd_u16le, 2},  {rd_u32be, 4},  {rd_u32le, 4},
        {rd_u64be, 8}, {rd_u64le, 8}, {rd_bytes5, 5}, {rd_copy5, 5},  {rd_skip5, 5},
    };
    uint8_t data[16];
    memset(data, 0x5A, sizeof data);
    for (size_t k = 0; k < sizeof reads / sizeof reads[0]; k++) {
        /* Every start offset and every length short of what the read needs. */
        for (size_t start = 0; start <= 4; start++) {
            for (size_t have = 0; have < reads[k].width; have++) {
                mw_reader r;
                mw_reader_init(&r, data, start + have);
                r.off = start;
                assert_int_equal(reads[k].fn(&r), MW_ETRUNCATED);
                assert_int_equal(r.off, start);
                assert_int_equal(mw_reader_remaining(&r), have);
            }
            mw_reader r;
            mw_reader_init(&r, data, start + reads[k].width);
            r.off = start;
            assert_int_equal(reads[k].fn(&r), 0);
            assert_int_equal(r.off, start + reads[k].width);
        }
    }
    /* Huge counts do not wrap around. */
    mw_reader r;
    mw_reader_init(&r, data, sizeof data);
    r.off = 3;
    const uint8_t *p;
    assert_int_equal(mw_read_bytes(&r, SIZE_MAX, &p), MW_ETRUNCATED);
    assert_int_equal(mw_read_skip(&r, SIZE_MAX - 1), MW_ETRUNCATED);
    assert_int_equal(r.off, 3);
    /* A NULL reader is empty. */
    mw_reader_init(&r, NULL, 10);
    assert_int_equal(mw_reader_remaining(&r), 0);
    assert_int_equal(rd_u8(&r), MW_ETRUNCATED);
}

static void test_read_align(void **state)
{
    (void)state;
    uint8_t data[16] = {0};
    mw_reader r;
    mw_reader_init(&r, data, sizeof data);
    assert_int_equal(mw_read_align(&r, 0, 4), 0);
    assert_int_equal(r.off, 0);
    r.off = 1;
    assert_int_equal(mw_read_align(&r, 0, 4), 0);
    assert_int_equal(r.off, 4);
    r.off = 5;
    assert_int_equal(mw_read_align(&r, 0, 8), 0);
    assert_int_equal(r.off, 8);
    r.off = 5;
    assert_int_equal(mw_read_align(&r, 2, 4), 0); /* relative 3 -> 4: absolute 6 */
    assert_int_equal(r.off, 6);
    assert_int_equal(mw_read_align(&r, 0, 3), MW_EINVAL);
    assert_int_equal(mw_read_align(&r, 0, 0), MW_EINVAL);
    assert_int_equal(mw_read_align(&r, 7, 4), MW_EINVAL); /* base past the position */
    /* Padding that runs past the end is a truncation, and the reader stays put. */
    mw_reader_init(&r, data, 10);
    r.off = 9;
    assert_int_equal(mw_read_align(&r, 0, 8), MW_ETRUNCATED);
    assert_int_equal(r.off, 9);
}

static void test_buf_and_reader_round_trip(void **state)
{
    (void)state;
    mw_buf b = {0};
    for (uint32_t i = 0; i < 1000; i++) {
        assert_int_equal(mw_buf_put_u32be(&b, i * 2654435761u), 0);
        assert_int_equal(mw_buf_put_u64le(&b, (uint64_t)i << 40 | i), 0);
        assert_int_equal(mw_buf_put_u16le(&b, (uint16_t)i), 0);
    }
    mw_reader r;
    mw_reader_init(&r, b.data, b.len);
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t a;
        uint64_t c;
        uint16_t d;
        assert_int_equal(mw_read_u32be(&r, &a), 0);
        assert_int_equal(a, i * 2654435761u);
        assert_int_equal(mw_read_u64le(&r, &c), 0);
        assert_true(c == ((uint64_t)i << 40 | i));
        assert_int_equal(mw_read_u16le(&r, &d), 0);
        assert_int_equal(d, (uint16_t)i);
    }
    assert_int_equal(mw_reader_remaining(&r), 0);
    mw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zeroed_struct_is_empty),
        cmocka_unit_test(test_growth_keeps_content),
        cmocka_unit_test(test_reserve_and_extend),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_pad),
        cmocka_unit_test(test_put_both_byte_orders),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_reads_values),
        cmocka_unit_test(test_every_read_at_every_truncation),
        cmocka_unit_test(test_read_align),
        cmocka_unit_test(test_buf_and_reader_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_group_wire.c - the group protocol's datagrams (docs/group.md, "Wire format"):
 * every type decodes to what was encoded; every truncation, stray byte, bad count and
 * out-of-range field is refused; the order record and INSTALL member helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "group/wire.h"

static const mwi_gvid VIEW = {7, 0x1122334455667788ull};

/* Starts a datagram of `type` from sender 42 in VIEW. */
static void begin(mw_buf *b, uint8_t type, uint16_t flags)
{
    mw_buf_init(b);
    assert_int_equal(mwi_gw_header(b, type, flags, 42, VIEW), 0);
}

static void finish(mw_buf *b)
{
    assert_int_equal(mwi_gw_finish(b, 0), 0);
}

/* Every proper prefix of a valid datagram, and the datagram with a byte appended (its
 * length field fixed up, so the body is one byte too long), are refused. */
static void check_refusals(const mw_buf *b)
{
    mwi_gmsg m;
    for (size_t n = 0; n < b->len; n++)
        assert_int_not_equal(mwi_gw_decode(&m, b->data, n), 0);
    uint8_t longer[4096];
    assert_true(b->len + 1 <= sizeof longer);
    memcpy(longer, b->data, b->len);
    longer[b->len] = 0;
    mw_store_u16be(longer + 6, (uint16_t)(b->len + 1 - MW_GROUP_HEADER_SIZE));
    assert_int_equal(mwi_gw_decode(&m, longer, b->len + 1), MW_EPROTO);
}

static void test_header(void **state)
{
    (void)state;
    mw_buf b;
    begin(&b, MWI_GT_LEAVE, 0);
    finish(&b);
    assert_int_equal(b.len, MW_GROUP_HEADER_SIZE);
    static const uint8_t want[] = {0x4D, 0x47, 1,    5,    0,    0,    0,    0,   0, 0,
                                   0,    0,    0,    0,    0,    42,   0,    0,   0, 7,
                                   0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    assert_memory_equal(b.data, want, sizeof want);
    mwi_gmsg m;
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), 0);
    assert_int_equal(m.type, MWI_GT_LEAVE);
    assert_int_equal(m.sender, 42);
    assert_int_equal(m.view.counter, 7);
    assert_int_equal(m.view.proposer, 0x1122334455667788ull);
    check_refusals(&b);

    uint8_t bad[MW_GROUP_HEADER_SIZE];
    memcpy(bad, b.data, sizeof bad);
    bad[0] = 'X'; /* magic */
    assert_int_equal(mwi_gw_decode(&m, bad, sizeof bad), MW_EPROTO);
    memcpy(bad, b.data, sizeof bad);
    bad[2] = 2; /* version */
    assert_int_equal(mwi_gw_decode(&m, bad, sizeof bad), MW_EPROTO);
    for (int t = 0; t < 256; t += 11) {
        memcpy(bad, b.data, sizeof bad);
        bad[3] = (uint8_t)t;
        int rc = mwi_gw_decode(&m, bad, sizeof bad);
        if (t == 0 || t > MWI_GT_MAX)
            assert_int_equal(rc, MW_EPROTO);
    }
    memcpy(bad, b.data, sizeof bad);
    memset(bad + 8, 0, 8); /* sender 0 */
    assert_int_equal(mwi_gw_decode(&m, bad, sizeof bad), MW_EPROTO);
    memcpy(bad, b.data, sizeof bad);
    mw_store_u16be(bad + 6, 5); /* says 5 bytes follow: none do */
    assert_int_equal(mwi_gw_decode(&m, bad, sizeof bad), MW_ETRUNCATED);
    mw_buf_free(&b);
}

static void test_data(void **state)
{
    (void)state;
    mw_buf b;
    begin(&b, MWI_GT_DATA, MWI_GF_TOTAL | MWI_GF_RETRANS);
    mw_buf_put_u64be(&b, 9);
    mw_buf_put_u16be(&b, 1);
    mw_buf_put_u16be(&b, 3);
    mw_buf_put_u32be(&b, 10);
    mw_buf_append(&b, "abcd", 4);
    finish(&b);
    mwi_gmsg m;
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), 0);
    assert_int_equal(m.flags, MWI_GF_TOTAL | MWI_GF_RETRANS);
    assert_int_equal(m.u.data.seq, 9);
    assert_int_equal(m.u.data.frag_index, 1);
    assert_int_equal(m.u.data.frag_count, 3);
    assert_int_equal(m.u.data.msg_len, 10);
    assert_int_equal(m.u.data.payload_len, 4);
    assert_memory_equal(m.u.data.payload, "abcd", 4);

    /* seq 0, index >= count, count 0, payload longer than the message. */
    size_t body = MW_GROUP_HEADER_SIZE;
    uint8_t d[64];
    memcpy(d, b.data, b.len);
    memset(d + body, 0, 8);
    assert_int_equal(mwi_gw_decode(&m, d, b.len), MW_EPROTO);
    memcpy(d, b.data, b.len);
    mw_store_u16be(d + body + 8, 3);
    assert_int_equal(mwi_gw_decode(&m, d, b.len), MW_EPROTO);
    memcpy(d, b.data, b.len);
    mw_store_u16be(d + body + 8, 0);
    mw_store_u16be(d + body + 10, 0);
    assert_int_equal(mwi_gw_decode(&m, d, b.len), MW_EPROTO);
    memcpy(d, b.data, b.len);
    mw_store_u32be(d + body + 12, 3);
    assert_int_equal(mwi_gw_decode(&m, d, b.len), MW_EPROTO);
    mw_buf_free(&b);
}

static void test_heartbeat_and_vectors(void **state)
{
    (void)state;
    mw_buf b;
    uint64_t acks[3] = {5, 6, UINT64_MAX};
    begin(&b, MWI_GT_HEARTBEAT, MWI_GF_LEAVING);
    mw_buf_put_u64be(&b, 100);
    mw_buf_put_u64be(&b, 90);
    mw_buf_put_u64be(&b, 3);
    mw_buf_put_u16be(&b, 3);
    mw_buf_put_u16be(&b, 0);
    mwi_gw_put_u64s(&b, acks, 3);
    finish(&b);
    mwi_gmsg m;
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), 0);
    assert_int_equal(m.u.hb.high, 100);
    assert_int_equal(m.u.hb.stable, 90);
    assert_int_equal(m.u.hb.leader, 3);
    assert_int_equal(m.u.hb.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(mwi_gw_u64(m.u.hb.acks, i), acks[i]);
    check_refusals(&b);
    /* A count past MW_GROUP_MAX_MEMBERS is refused even if the bytes were there. */
    uint8_t big[MW_GROUP_HEADER_SIZE + 28 + 8 * 65];
    memset(big, 0, sizeof big);
    memcpy(big, b.data, MW_GROUP_HEADER_SIZE + 24);
    mw_store_u16be(big + MW_GROUP_HEADER_SIZE + 24, 65);
    mw_store_u16be(big + 6, sizeof big - MW_GROUP_HEADER_SIZE);
    assert_int_equal(mwi_gw_decode(&m, big, sizeof big), MW_EPROTO);
    mw_buf_free(&b);

    /* CUT: a proposal id and two vectors; FLUSH_OK: one (or none, from a joiner). */
    mwi_gpid pid = {8, 2, 42};
    begin(&b, MWI_GT_CUT, 0);
    mwi_gw_put_pid(&b, &pid);
    mw_buf_put_u16be(&b, 2);
    mw_buf_put_u16be(&b, 0);
    mwi_gw_put_u64s(&b, acks, 2);
    mwi_gw_put_u64s(&b, acks + 1, 2);
    finish(&b);
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), 0);
    assert_int_equal(m.u.vec.pid.counter, 8);
    assert_int_equal(m.u.vec.pid.attempt, 2);
    assert_int_equal(m.u.vec.pid.proposer, 42);
    assert_int_equal(mwi_gw_u64(m.u.vec.vec, 1), 6);
    assert_int_equal(mwi_gw_u64(m.u.vec.floor, 0), 6);
    check_refusals(&b);
    mw_buf_free(&b);
    begin(&b, MWI_GT_FLUSH_OK, 0);
    mwi_gw_put_pid(&b, &pid);
    mw_buf_put_u32be(&b, 0);
    finish(&b);
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), 0);
    assert_int_equal(m.u.vec.n, 0);
    assert_null(m.u.vec.floor);
    check_refusals(&b);
    mw_buf_free(&b);
}

static void test_nack_join_flush(void **state)
{
    (void)state;
    mw_buf b;
    mwi_gmsg m;
    uint64_t ranges[4] = {3, 5, 9, 9};
    begin(&b, MWI_GT_NACK, 0);
    mw_buf_put_u64be(&b, 77);
    mw_buf_put_u8(&b, 2);
    mw_buf_put_u8(&b, 0);
    mw_buf_put_u16be(&b, 2);
    mwi_gw_put_u64s(&b, ranges, 4);
    finish(&b);
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), 0);
    assert_int_equal(m.u.nack.target, 77);
    assert_int_equal(m.u.nack.attempt, 2);
    assert_int_equal(m.u.nack.n, 2);
    assert_int_equal(mwi_gw_u64(m.u.nack.ranges, 3), 9);
    check_refusals(&b);
    mw_store_u16be(b.data + MW_GROUP_HEADER_SIZE + 10, 0); /* no ranges */
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), MW_EPROTO);
    mw_buf_free(&b);

    begin(&b, MWI_GT_JOIN, 0);
    mw_buf_put_u64be(&b, 0);
    mw_buf_put_u32be(&b, 12);
    mw_buf_put_u8(&b, MW_GROUP_TOTAL);
    mw_buf_put_u8(&b, 5);
    mw_buf_append(&b, "alice", 5);
    finish(&b);
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), 0);
    assert_int_equal(m.u.join.counter, 12);
    assert_int_equal(m.u.join.order, MW_GROUP_TOTAL);
    assert_int_equal(m.u.join.name_len, 5);
    assert_memory_equal(m.u.join.name, "alice", 5);
    check_refusals(&b);
    mw_buf_free(&b);
    begin(&b, MWI_GT_JOIN, 0);
    mw_buf_put_u64be(&b, 0);
    mw_buf_put_u32be(&b, 0);
    mw_buf_put_u8(&b, 1);
    mw_buf_put_u8(&b, 33); /* longer than MW_GROUP_MAX_NAME */
    mw_buf_append(&b, "0123456789012345678901234567890123", 33);
    finish(&b);
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), MW_EPROTO);
    mw_buf_free(&b);

    mwi_gpid pid = {3, 1, 42};
    uint64_t members[2] = {42, 50}, flush[1] = {42};
    begin(&b, MWI_GT_FLUSH, MWI_GF_DISSOLVE);
    mwi_gw_put_pid(&b, &pid);
    mw_buf_put_u64be(&b, 11);
    mw_buf_put_u16be(&b, 2);
    mw_buf_put_u16be(&b, 1);
    mwi_gw_put_u64s(&b, members, 2);
    mwi_gw_put_u64s(&b, flush, 1);
    finish(&b);
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), 0);
    assert_int_equal(m.u.flush.merge_target, 11);
    assert_int_equal(m.u.flush.n_members, 2);
    assert_int_equal(m.u.flush.n_flush, 1);
    assert_int_equal(mwi_gw_u64(m.u.flush.members, 1), 50);
    assert_int_equal(mwi_gw_u64(m.u.flush.flush, 0), 42);
    check_refusals(&b);
    mw_buf_free(&b);
}

static void test_install_and_order_record(void **state)
{
    (void)state;
    mw_buf b;
    mwi_gmsg m;
    mwi_gpid pid = {4, 1, 42};
    begin(&b, MWI_GT_INSTALL, 0);
    mwi_gw_put_pid(&b, &pid);
    mw_buf_put_u64be(&b, 0);
    mw_buf_put_u16be(&b, 2);
    mw_buf_put_u16be(&b, 0);
    mw_buf_put_u64be(&b, 42);
    mw_buf_put_u8(&b, 1);
    mw_buf_append(&b, "a", 1);
    mw_buf_put_u64be(&b, 50);
    mw_buf_put_u8(&b, 0);
    finish(&b);
    assert_int_equal(mwi_gw_decode(&m, b.data, b.len), 0);
    size_t pos = 0;
    mw_group_member mm;
    mwi_gw_install_member(&m, &pos, &mm);
    assert_int_equal(mm.id, 42);
    assert_string_equal(mm.name, "a");
    mwi_gw_install_member(&m, &pos, &mm);
    assert_int_equal(mm.id, 50);
    assert_string_equal(mm.name, "");
    assert_int_equal(pos, m.u.install.members_len);
    check_refusals(&b);
    mw_buf_free(&b);

    uint8_t rec[MWI_G_ORDER_HEADER + 2 * MWI_G_ORDER_ENTRY];
    mw_store_u64be(rec, 5);
    mw_store_u16be(rec + 8, 2);
    mw_store_u16be(rec + 10, 0);
    for (int i = 0; i < 2; i++) {
        mw_store_u64be(rec + 12 + 16 * i, 100 + (uint64_t)i);
        mw_store_u64be(rec + 20 + 16 * i, 7 + (uint64_t)i);
    }
    uint64_t first, id, seq;
    uint16_t count;
    assert_int_equal(mwi_gw_order_check(rec, sizeof rec, &first, &count), 0);
    assert_int_equal(first, 5);
    assert_int_equal(count, 2);
    mwi_gw_order_entry(rec, 1, &id, &seq);
    assert_int_equal(id, 101);
    assert_int_equal(seq, 8);
    assert_int_equal(mwi_gw_order_check(rec, sizeof rec - 1, &first, &count), MW_EPROTO);
    mw_store_u16be(rec + 8, 3); /* more entries than bytes */
    assert_int_equal(mwi_gw_order_check(rec, sizeof rec, &first, &count), MW_EPROTO);
    mw_store_u16be(rec + 8, 0);
    assert_int_equal(mwi_gw_order_check(rec, MWI_G_ORDER_HEADER, &first, &count), MW_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_data),
        cmocka_unit_test(test_heartbeat_and_vectors),
        cmocka_unit_test(test_nack_join_flush),
        cmocka_unit_test(test_install_and_order_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* wire.c - encoding and checking the group protocol's datagrams (docs/group.md). */
#include <string.h>

#include "base/mw_impl.h"
#include "group/wire.h"

/* Offsets of the common header. */
#define OFF_MAGIC 0
#define OFF_VERSION 2
#define OFF_TYPE 3
#define OFF_FLAGS 4
#define OFF_LENGTH 6
#define OFF_SENDER 8
#define OFF_VIEW_COUNTER 16
#define OFF_VIEW_PROPOSER 20

int mwi_gw_header(mw_buf *b, uint8_t type, uint16_t flags, uint64_t sender, mwi_gvid view)
{
    uint8_t *p;
    int rc = mw_buf_extend(b, MW_GROUP_HEADER_SIZE, &p);
    if (rc)
        return rc;
    mw_store_u16be(p + OFF_MAGIC, MW_GROUP_MAGIC);
    p[OFF_VERSION] = MW_GROUP_VERSION;
    p[OFF_TYPE] = type;
    mw_store_u16be(p + OFF_FLAGS, flags);
    mw_store_u16be(p + OFF_LENGTH, 0);
    mw_store_u64be(p + OFF_SENDER, sender);
    mw_store_u32be(p + OFF_VIEW_COUNTER, view.counter);
    mw_store_u64be(p + OFF_VIEW_PROPOSER, view.proposer);
    return 0;
}

int mwi_gw_finish(mw_buf *b, size_t start)
{
    size_t body = b->len - start - MW_GROUP_HEADER_SIZE;
    if (b->len - start > MW_UDP_MAX_PAYLOAD)
        return MW_EMSGSIZE;
    mw_store_u16be(b->data + start + OFF_LENGTH, (uint16_t)body);
    return 0;
}

int mwi_gw_put_pid(mw_buf *b, const mwi_gpid *pid)
{
    int rc = mw_buf_put_u32be(b, pid->counter);
    if (!rc)
        rc = mw_buf_put_u32be(b, pid->attempt);
    if (!rc)
        rc = mw_buf_put_u64be(b, pid->proposer);
    return rc;
}

int mwi_gw_put_u64s(mw_buf *b, const uint64_t *v, size_t n)
{
    uint8_t *p;
    int rc = mw_buf_extend(b, 8 * n, &p);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        mw_store_u64be(p + 8 * i, v[i]);
    return 0;
}

/* Reads a proposal id. */
static int read_pid(mw_reader *r, mwi_gpid *pid)
{
    int rc = mw_read_u32be(r, &pid->counter);
    if (!rc)
        rc = mw_read_u32be(r, &pid->attempt);
    if (!rc)
        rc = mw_read_u64be(r, &pid->proposer);
    return rc;
}

/* Reads a count of members (at most MW_GROUP_MAX_MEMBERS) and points at n u64 after it
 * is checked by the caller with read_u64s. */
static int read_u64s(mw_reader *r, size_t n, const uint8_t **out)
{
    if (n > MW_GROUP_MAX_MEMBERS)
        return MW_EPROTO;
    return mw_read_bytes(r, 8 * n, out);
}

static int decode_body(mwi_gmsg *m, mw_reader *r)
{
    int rc;
    uint16_t reserved;
    switch (m->type) {
    case MWI_GT_DATA:
        if ((rc = mw_read_u64be(r, &m->u.data.seq)) ||
            (rc = mw_read_u16be(r, &m->u.data.frag_index)) ||
            (rc = mw_read_u16be(r, &m->u.data.frag_count)) ||
            (rc = mw_read_u32be(r, &m->u.data.msg_len)))
            return rc;
        if (m->u.data.seq == 0 || m->u.data.frag_count == 0 ||
            m->u.data.frag_index >= m->u.data.frag_count)
            return MW_EPROTO;
        m->u.data.payload_len = mw_reader_remaining(r);
        if (m->u.data.payload_len > m->u.data.msg_len)
            return MW_EPROTO;
        return mw_read_bytes(r, m->u.data.payload_len, &m->u.data.payload);
    case MWI_GT_HEARTBEAT:
        if ((rc = mw_read_u64be(r, &m->u.hb.high)) ||
            (rc = mw_read_u64be(r, &m->u.hb.stable)) ||
            (rc = mw_read_u64be(r, &m->u.hb.leader)) || (rc = mw_read_u16be(r, &m->u.hb.n)) ||
            (rc = mw_read_u16be(r, &reserved)))
            return rc;
        return read_u64s(r, m->u.hb.n, &m->u.hb.acks);
    case MWI_GT_NACK: {
        uint8_t reserved8;
        if ((rc = mw_read_u64be(r, &m->u.nack.target)) ||
            (rc = mw_read_u8(r, &m->u.nack.attempt)) || (rc = mw_read_u8(r, &reserved8)) ||
            (rc = mw_read_u16be(r, &m->u.nack.n)))
            return rc;
        if (m->u.nack.n == 0 || m->u.nack.n > MWI_G_NACK_RANGES)
            return MW_EPROTO;
        return mw_read_bytes(r, 16u * m->u.nack.n, &m->u.nack.ranges);
    }
    case MWI_GT_JOIN:
        if ((rc = mw_read_u64be(r, &m->u.join.target)) ||
            (rc = mw_read_u32be(r, &m->u.join.counter)) ||
            (rc = mw_read_u8(r, &m->u.join.order)) || (rc = mw_read_u8(r, &m->u.join.name_len)))
            return rc;
        if (m->u.join.name_len > MW_GROUP_MAX_NAME)
            return MW_EPROTO;
        return mw_read_bytes(r, m->u.join.name_len, &m->u.join.name);
    case MWI_GT_LEAVE:
        return 0;
    case MWI_GT_FLUSH:
        if ((rc = read_pid(r, &m->u.flush.pid)) ||
            (rc = mw_read_u64be(r, &m->u.flush.merge_target)) ||
            (rc = mw_read_u16be(r, &m->u.flush.n_members)) ||
            (rc = mw_read_u16be(r, &m->u.flush.n_flush)) ||
            (rc = read_u64s(r, m->u.flush.n_members, &m->u.flush.members)))
            return rc;
        if (m->u.flush.n_flush == 0)
            return MW_EPROTO;
        return read_u64s(r, m->u.flush.n_flush, &m->u.flush.flush);
    case MWI_GT_FLUSH_OK:
    case MWI_GT_CUT:
        if ((rc = read_pid(r, &m->u.vec.pid)) || (rc = mw_read_u16be(r, &m->u.vec.n)) ||
            (rc = mw_read_u16be(r, &reserved)) ||
            (rc = read_u64s(r, m->u.vec.n, &m->u.vec.vec)))
            return rc;
        if (m->type == MWI_GT_CUT)
            return read_u64s(r, m->u.vec.n, &m->u.vec.floor);
        return 0;
    case MWI_GT_CUT_OK:
        return read_pid(r, &m->u.cut_ok.pid);
    case MWI_GT_INSTALL: {
        if ((rc = read_pid(r, &m->u.install.pid)) ||
            (rc = mw_read_u64be(r, &m->u.install.merge_target)) ||
            (rc = mw_read_u16be(r, &m->u.install.n)) || (rc = mw_read_u16be(r, &reserved)))
            return rc;
        if (m->u.install.n > MW_GROUP_MAX_MEMBERS)
            return MW_EPROTO;
        size_t start = r->off;
        for (uint16_t i = 0; i < m->u.install.n; i++) {
            uint8_t len;
            if ((rc = mw_read_skip(r, 8)) || (rc = mw_read_u8(r, &len)))
                return rc;
            if (len > MW_GROUP_MAX_NAME)
                return MW_EPROTO;
            if ((rc = mw_read_skip(r, len)))
                return rc;
        }
        m->u.install.members = r->data + start;
        m->u.install.members_len = r->off - start;
        return 0;
    }
    default:
        return MW_EPROTO;
    }
}

int mwi_gw_decode(mwi_gmsg *m, const uint8_t *d, size_t n)
{
    memset(m, 0, sizeof *m);
    if (n < MW_GROUP_HEADER_SIZE)
        return MW_ETRUNCATED;
    if (mw_load_u16be(d + OFF_MAGIC) != MW_GROUP_MAGIC || d[OFF_VERSION] != MW_GROUP_VERSION)
        return MW_EPROTO;
    m->type = d[OFF_TYPE];
    if (m->type == 0 || m->type > MWI_GT_MAX)
        return MW_EPROTO;
    m->flags = mw_load_u16be(d + OFF_FLAGS);
    size_t body = mw_load_u16be(d + OFF_LENGTH);
    if (body != n - MW_GROUP_HEADER_SIZE)
        return body > n - MW_GROUP_HEADER_SIZE ? MW_ETRUNCATED : MW_EPROTO;
    m->sender = mw_load_u64be(d + OFF_SENDER);
    m->view.counter = mw_load_u32be(d + OFF_VIEW_COUNTER);
    m->view.proposer = mw_load_u64be(d + OFF_VIEW_PROPOSER);
    if (m->sender == 0)
        return MW_EPROTO;
    mw_reader r;
    mw_reader_init(&r, d + MW_GROUP_HEADER_SIZE, body);
    int rc = decode_body(m, &r);
    if (rc)
        return rc;
    /* Bytes after the body are a layout error: each type's body has a known length. */
    return mw_reader_remaining(&r) ? MW_EPROTO : 0;
}

void mwi_gw_install_member(const mwi_gmsg *m, size_t *pos, mw_group_member *out)
{
    const uint8_t *p = m->u.install.members + *pos;
    out->id = mw_load_u64be(p);
    size_t len = p[8];
    memcpy(out->name, p + 9, len);
    out->name[len] = '\0';
    *pos += 9 + len;
}

int mwi_gw_order_check(const uint8_t *p, size_t n, uint64_t *first_gseq, uint16_t *count)
{
    if (n < MWI_G_ORDER_HEADER)
        return MW_EPROTO;
    *first_gseq = mw_load_u64be(p);
    *count = mw_load_u16be(p + 8);
    if (*first_gseq == 0 || *count == 0 ||
        n != MWI_G_ORDER_HEADER + (size_t)MWI_G_ORDER_ENTRY * *count)
        return MW_EPROTO;
    return 0;
}

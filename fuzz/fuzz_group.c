/*
 * fuzz_group.c - the group protocol's decoder and engine against arbitrary datagrams.
 *
 * Two engines (ids 1 and 2) first form a view on a perfect simulated network, so the
 * fuzzed datagrams meet an engine with streams, acknowledgements and a sequencer. The
 * input is a mode byte, then datagrams, each a big-endian u16 length and its bytes. With
 * mode bit 0 set, each datagram of at least a header's length gets the engine's current
 * view id and sender 2 (the other member) patched in, so that mutations reach the
 * per-type logic instead of being dropped as foreign; bit 1 makes the engine leave at
 * the end; bit 2 picks total order. Between datagrams the clock moves (by the mode byte's
 * upper bits plus a little) and timers run. Every event is taken, every output drained.
 * Nothing may crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "group/engine.h"

static void make(mwi_gengine **e, uint64_t id, int order)
{
    mw_group_opts o;
    memset(&o, 0, sizeof o);
    o.reliable = true;
    o.order = order;
    o.id = id;
    o.max_datagram = 512;
    o.window = 16;
    o.max_message = 2000;
    o.heartbeat_ms = 10;
    o.fail_ms = 100;
    o.join_ms = 20;
    o.retry_ms = 4;
    mwi_gconf c;
    if (mwi_gconf_init(&c, &o) || mwi_gengine_create(e, &c, 0))
        *e = NULL;
}

/* Moves every datagram of `from` to `to` (a perfect network) and drains events. */
static void pass(mwi_gengine *from, mwi_gengine *to, uint64_t now)
{
    const uint8_t *d;
    size_t n;
    while (mwi_gengine_output(from, &d, &n))
        if (to)
            mwi_gengine_input(to, d, n, now);
    mw_group_event ev;
    while (mwi_gengine_event(from, &ev) == 0) {
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    int order = (mode & 4) ? MW_GROUP_TOTAL : MW_GROUP_FIFO;
    mwi_gengine *a = NULL, *b = NULL;
    make(&a, 1, order);
    make(&b, 2, order);
    if (!a || !b)
        goto out;
    /* Form the view {1, 2}, and let b send a message into it. */
    uint64_t now = 0;
    for (int step = 0; step < 200; step++, now += 2) {
        mwi_gengine_periodic(a, now);
        mwi_gengine_periodic(b, now);
        pass(a, b, now);
        pass(b, a, now);
        const mw_group_view *v = mwi_gengine_view(a);
        if (v && v->n == 2 && step > 50)
            break;
    }
    mwi_gengine_send(b, "seed", 4, now);
    pass(b, a, now);

    mwi_gmsg m;
    static uint8_t buf[65536];
    size_t off = 1;
    for (int count = 0; off + 2 <= size && count < 200; count++) {
        size_t n = mw_load_u16be(data + off);
        off += 2;
        if (n > size - off)
            n = size - off;
        memcpy(buf, data + off, n);
        off += n;
        mwi_gw_decode(&m, buf, n);
        if ((mode & 1) && n >= MW_GROUP_HEADER_SIZE && a->state != MWI_GS_JOINING) {
            mw_store_u64be(buf + 8, 2);
            mw_store_u32be(buf + 16, a->vid.counter);
            mw_store_u64be(buf + 20, a->vid.proposer);
        }
        now += (mode >> 4) + (n & 7);
        mwi_gengine_input(a, buf, n, now);
        mwi_gengine_periodic(a, now);
        pass(a, NULL, now);
    }
    if (mode & 2)
        mwi_gengine_leave(a, now);
    for (int step = 0; step < 20; step++) {
        now += 10;
        mwi_gengine_periodic(a, now);
        pass(a, NULL, now);
    }
out:
    mwi_gengine_destroy(a);
    mwi_gengine_destroy(b);
    return 0;
}

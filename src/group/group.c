/*
 * group.c - the public group API (midway/group.h): plain IP multicast groups over
 * src/net's multicast sockets, and the thin I/O driver of reliable groups, which feeds
 * the protocol engine (engine.h) with datagrams from the socket and the monotonic clock,
 * and multicasts what the engine puts out. No system call here: src/net does them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mw_impl.h"
#include "group/engine.h"

#define RX_BUF 65536 /* any datagram fits */
#define RX_BATCH 256 /* datagrams read per pump before timers run */
#define SOCK_RCVBUF                                                                            \
    (4 << 20) /* room for bursts of a full window from several senders                         \
                 (the kernel may grant less: loss is repaired anyway) */
#define SOCK_SNDBUF (1 << 20)

struct mw_group {
    mw_udp *sock;                   /* bound to the group's port, joined */
    mw_addr group;                  /* where datagrams go */
    char ifname[64];                /* the interface joined on ("" for the kernel's choice) */
    bool reliable;                  /* false: plain multicast */
    mwi_gengine *eng;               /* reliable groups: the protocol */
    uint64_t deadline;              /* when the engine next needs to run */
    uint32_t leave_ms;              /* how long close waits for a clean leave */
    bool plain_left;                /* plain: the membership was dropped */
    uint8_t *rx;                    /* receive buffer */
    char from_text[MW_ADDR_STRLEN]; /* plain: the last sender, formatted */
    bool fault_on;                  /* fault injection */
    mw_group_fault fault;
    mw_rng rng;
    uint8_t *held; /* a datagram held back to be reordered */
    size_t held_len;
    bool held_old;        /* held since an earlier pump: release it now */
    bool closed;          /* reliable: MW_GROUP_LEFT was handed out */
    mw_group_stats plain; /* statistics of plain groups (and driver counters) */
};

/* ------------------------------------------------------------------------------------ */
/* Driving the engine                                                                   */
/* ------------------------------------------------------------------------------------ */

static void flush_out(mw_group *g)
{
    const uint8_t *d;
    size_t n;
    while (mwi_gengine_output(g->eng, &d, &n)) {
        if (mw_udp_sendto(g->sock, d, n, &g->group) != 0)
            g->plain.send_errors++; /* lost, as if the network dropped it */
    }
}

static void feed(mw_group *g, const uint8_t *d, size_t n, uint64_t now)
{
    mwi_gengine_input(g->eng, d, n, now);
}

/* One received datagram, through the fault injector if any. */
static void receive(mw_group *g, size_t n, uint64_t now)
{
    if (!g->fault_on) {
        feed(g, g->rx, n, now);
        return;
    }
    if (mw_rng_unit(&g->rng) < g->fault.drop) {
        g->plain.injected_drops++;
        return;
    }
    int copies = mw_rng_unit(&g->rng) < g->fault.duplicate ? 2 : 1;
    if (!g->held && mw_rng_unit(&g->rng) < g->fault.reorder) {
        g->held = malloc(n);
        if (g->held) {
            memcpy(g->held, g->rx, n);
            g->held_len = n;
            g->held_old = false;
            return;
        }
    }
    for (int k = 0; k < copies; k++)
        feed(g, g->rx, n, now);
    if (g->held) {
        feed(g, g->held, g->held_len, now); /* overtaken by the one just fed */
        free(g->held);
        g->held = NULL;
    }
}

/* Reads what is queued (waiting up to wait_ms for the first datagram, never past the
 * engine's deadline), runs the engine's timers and sends what it put out. */
static int pump(mw_group *g, int wait_ms)
{
    uint64_t now = mw_now_ms();
    if (wait_ms != 0) {
        uint64_t until = g->deadline;
        if (wait_ms > 0 && now + (uint64_t)wait_ms < until)
            until = now + (uint64_t)wait_ms;
        if (until > now) {
            uint64_t span = until - now;
            mw_udp_wait_readable(g->sock, span > 0x7fffffff ? 0x7fffffff : (int)span, 0);
        }
    }
    for (int k = 0; k < RX_BATCH; k++) {
        size_t n;
        int rc = mw_udp_recvfrom(g->sock, g->rx, RX_BUF, &n, NULL);
        if (rc == MW_ETIMEDOUT || rc == MW_EAGAIN)
            break;
        if (rc)
            return rc;
        g->plain.datagrams_in++;
        receive(g, n, mw_now_ms());
    }
    now = mw_now_ms();
    if (g->held) {
        if (g->held_old) {
            feed(g, g->held, g->held_len, now);
            free(g->held);
            g->held = NULL;
        } else {
            g->held_old = true;
        }
    }
    g->deadline = mwi_gengine_periodic(g->eng, now);
    if (g->held && g->deadline > now + 1)
        g->deadline = now + 1;
    flush_out(g);
    return 0;
}

/* Milliseconds left until the absolute time `end` (UINT64_MAX: forever). */
static int left_ms(uint64_t end)
{
    if (end == UINT64_MAX)
        return MW_FOREVER;
    uint64_t now = mw_now_ms();
    if (now >= end)
        return 0;
    return end - now > 0x7fffffff ? 0x7fffffff : (int)(end - now);
}

static uint64_t end_of(int timeout_ms)
{
    return timeout_ms < 0 ? UINT64_MAX : mw_now_ms() + (uint64_t)timeout_ms;
}

/* ------------------------------------------------------------------------------------ */
/* Opening and closing                                                                  */
/* ------------------------------------------------------------------------------------ */

int mw_group_open(mw_group **out, const mw_addr *group, const mw_group_opts *opts)
{
    if (!out || !group)
        return MW_EINVAL;
    if (!mw_addr_is_multicast(group))
        return MW_ENOTMCAST;
    mw_group_opts none;
    if (!opts) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    if (opts->ttl < 0 || opts->ttl > 255 || (opts->ifname && strlen(opts->ifname) >= 64))
        return MW_EINVAL;
    if (opts->fault &&
        (opts->fault->drop < 0 || opts->fault->drop > 1 || opts->fault->duplicate < 0 ||
         opts->fault->duplicate > 1 || opts->fault->reorder < 0 || opts->fault->reorder > 1))
        return MW_EINVAL;
    mwi_gconf conf;
    int rc = 0;
    if (opts->reliable && (rc = mwi_gconf_init(&conf, opts)))
        return rc;
    mw_group *g = calloc(1, sizeof *g);
    if (!g)
        return MW_ENOMEM;
    g->reliable = opts->reliable;
    g->rx = malloc(RX_BUF);
    if (!g->rx) {
        rc = MW_ENOMEM;
        goto fail;
    }
    if (opts->ifname)
        snprintf(g->ifname, sizeof g->ifname, "%s", opts->ifname);
    if (opts->fault) {
        g->fault = *opts->fault;
        g->fault_on = true;
        mw_rng_seed(&g->rng, g->fault.seed);
    }
    if ((rc = mw_mcast_open(&g->sock, group, opts->ifname)))
        goto fail;
    g->group = *group;
    mw_addr local;
    if ((rc = mw_udp_local_addr(g->sock, &local)))
        goto fail;
    g->group.port = local.port; /* the port the kernel picked, for a group on port 0 */
    if ((rc = mw_mcast_set_ttl(g->sock, opts->ttl ? opts->ttl : 1)) ||
        (rc = mw_mcast_set_loopback(g->sock, opts->loopback >= 0)) ||
        (rc = mw_udp_set_timeout(g->sock, g->reliable ? 0 : MW_FOREVER)))
        goto fail;
    mw_udp_set_buffers(g->sock, SOCK_RCVBUF, SOCK_SNDBUF); /* best effort */
    if (g->reliable) {
        while (!conf.id && (rc = mw_random_bytes(&conf.id, sizeof conf.id)) == 0) {
        }
        if (rc)
            goto fail;
        if (!conf.name[0])
            snprintf(conf.name, sizeof conf.name, "%016llx", (unsigned long long)conf.id);
        g->leave_ms = opts->leave_ms ? opts->leave_ms : conf.fail_ms;
        uint64_t now = mw_now_ms();
        if ((rc = mwi_gengine_create(&g->eng, &conf, now)))
            goto fail;
        g->deadline = mwi_gengine_periodic(g->eng, now);
        flush_out(g);
    }
    *out = g;
    return 0;
fail:
    mw_udp_close(g->sock);
    free(g->rx);
    free(g);
    return rc;
}

void mw_group_close(mw_group *g)
{
    if (!g)
        return;
    if (g->reliable && !g->closed) {
        /* Leave cleanly so the others need not wait for the failure detector, and
         * whatever we sent is delivered to them all. */
        uint64_t end = end_of((int)g->leave_ms);
        mw_group_event ev;
        mw_group_leave(g);
        while (!g->closed && mw_group_recv(g, &ev, left_ms(end)) == 0) {
        }
    }
    if (!g->plain_left)
        mw_mcast_leave(g->sock, &g->group, g->ifname[0] ? g->ifname : NULL);
    mwi_gengine_destroy(g->eng);
    mw_udp_close(g->sock);
    free(g->held);
    free(g->rx);
    free(g);
}

/* ------------------------------------------------------------------------------------ */
/* Sending and receiving                                                                */
/* ------------------------------------------------------------------------------------ */

int mw_group_send(mw_group *g, const void *data, size_t n, int timeout_ms)
{
    if (!g || (!data && n))
        return MW_EINVAL;
    if (!g->reliable) {
        int rc = mw_udp_sendto(g->sock, data, n, &g->group);
        if (rc == 0) {
            g->plain.sent++;
            g->plain.datagrams_out++;
        }
        return rc;
    }
    uint64_t end = end_of(timeout_ms);
    for (;;) {
        int rc = mwi_gengine_send(g->eng, data, n, mw_now_ms());
        if (rc != MW_EAGAIN) {
            flush_out(g);
            if (rc == 0)
                g->deadline = mw_now_ms(); /* a sequencer orders it at the next pump */
            return rc;
        }
        int wait = left_ms(end);
        if (wait == 0)
            return timeout_ms == 0 ? MW_EAGAIN : MW_ETIMEDOUT;
        if ((rc = pump(g, wait)))
            return rc;
    }
}

int mw_group_recv(mw_group *g, mw_group_event *ev, int timeout_ms)
{
    if (!g || !ev)
        return MW_EINVAL;
    if (!g->reliable) {
        if (g->plain_left)
            return MW_ESTATE;
        size_t n;
        mw_addr from;
        int rc = mw_udp_set_timeout(g->sock, timeout_ms);
        if (!rc)
            rc = mw_udp_recvfrom(g->sock, g->rx, RX_BUF, &n, &from);
        if (rc)
            return rc;
        g->plain.datagrams_in++;
        g->plain.delivered++;
        memset(ev, 0, sizeof *ev);
        ev->type = MW_GROUP_MESSAGE;
        ev->from = from;
        if (mw_addr_format(&from, g->from_text, sizeof g->from_text))
            g->from_text[0] = '\0';
        ev->sender_name = g->from_text;
        ev->data = g->rx;
        ev->len = n;
        return 0;
    }
    if (g->closed)
        return MW_ECLOSED;
    uint64_t end = end_of(timeout_ms);
    for (;;) {
        if (mwi_gengine_event(g->eng, ev) == 0) {
            if (ev->type == MW_GROUP_LEFT)
                g->closed = true;
            return 0;
        }
        int wait = left_ms(end);
        int rc = pump(g, wait);
        if (rc)
            return rc;
        if (mwi_gengine_event(g->eng, ev) == 0) {
            if (ev->type == MW_GROUP_LEFT)
                g->closed = true;
            return 0;
        }
        if (wait == 0)
            return MW_ETIMEDOUT;
    }
}

int mw_group_leave(mw_group *g)
{
    if (!g)
        return MW_EINVAL;
    if (!g->reliable) {
        if (g->plain_left)
            return MW_ESTATE;
        g->plain_left = true;
        return mw_mcast_leave(g->sock, &g->group, g->ifname[0] ? g->ifname : NULL);
    }
    uint64_t now = mw_now_ms();
    int rc = mwi_gengine_leave(g->eng, now);
    if (rc == 0) {
        g->deadline = mwi_gengine_periodic(g->eng, now);
        flush_out(g);
    }
    return rc;
}

int mw_group_process(mw_group *g)
{
    if (!g)
        return MW_EINVAL;
    return g->reliable ? pump(g, 0) : 0;
}

int mw_group_fd(const mw_group *g)
{
    return g ? mw_udp_fd(g->sock) : -1;
}

int mw_group_next_timeout(const mw_group *g)
{
    if (!g || !g->reliable)
        return MW_FOREVER;
    return left_ms(g->deadline);
}

/* ------------------------------------------------------------------------------------ */
/* Inspection and settings                                                              */
/* ------------------------------------------------------------------------------------ */

int mw_group_view_get(const mw_group *g, mw_group_view *out)
{
    if (!g || !out)
        return MW_EINVAL;
    if (!g->reliable)
        return MW_ENOTSUP;
    const mw_group_view *v = mwi_gengine_view(g->eng);
    if (!v)
        return MW_ESTATE;
    *out = *v;
    return 0;
}

uint64_t mw_group_id(const mw_group *g)
{
    return g && g->reliable ? g->eng->conf.id : 0;
}

int mw_group_local_addr(const mw_group *g, mw_addr *out)
{
    if (!g || !out)
        return MW_EINVAL;
    return mw_udp_local_addr(g->sock, out);
}

void mw_group_stats_get(const mw_group *g, mw_group_stats *out)
{
    if (!g || !out)
        return;
    *out = g->plain;
    if (g->reliable) {
        const mw_group_stats *s = &g->eng->stats;
        out->sent = s->sent;
        out->delivered = s->delivered;
        out->datagrams_out = s->datagrams_out;
        out->retransmitted = s->retransmitted;
        out->nacks_sent = s->nacks_sent;
        out->duplicates = s->duplicates;
        out->malformed = s->malformed;
        out->out_of_window = s->out_of_window;
        out->views = s->views;
        out->window_full = s->window_full;
        out->buffered_bytes = s->buffered_bytes;
        out->peak_buffered_bytes = s->peak_buffered_bytes;
    }
}

int mw_group_set_ttl(mw_group *g, int ttl)
{
    return g ? mw_mcast_set_ttl(g->sock, ttl) : MW_EINVAL;
}

int mw_group_set_loopback(mw_group *g, bool on)
{
    return g ? mw_mcast_set_loopback(g->sock, on) : MW_EINVAL;
}

int mw_group_set_interface(mw_group *g, const char *ifname)
{
    return g ? mw_mcast_set_interface(g->sock, ifname) : MW_EINVAL;
}

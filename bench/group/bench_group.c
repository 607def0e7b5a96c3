/*
 * bench_group.c - how fast Midway's group communication is, against the floor (raw IP
 * multicast, Figure 4.20) measured in the same run: one sender and 3 receivers, each its
 * own process, in one group on the loopback interface.
 *
 *   raw     plain datagrams on a multicast socket (src/net), no protocol: what the kernel
 *           delivers; lost datagrams are simply not counted;
 *   fifo    the reliable protocol, FIFO order: every message reaches every receiver;
 *   total   the same in total order, the sequencer being one of the receivers (so every
 *           message takes one more hop before it can be delivered);
 * each with no loss and with 5% of the datagrams every process receives dropped (the
 * group's fault injector; for raw, the receiver drops them likewise).
 *
 * A run has two phases. Throughput: the sender sends --messages messages of --size bytes
 * back to back (the reliable sender waits for room in its window); the rate is the
 * messages the slowest receiver delivered divided by the time from the first send to its
 * last delivery. Latency: the sender sends --paced messages one every --gap us; each
 * carries its send time (CLOCK_MONOTONIC is one clock for all processes), and each
 * receiver's p50 and p99 delivery latency is taken; the table shows the medians over
 * receivers. Peak memory is the most any member's protocol buffers held (mw_group_stats),
 * next to the bound the configuration sets (members x 2 x window x datagram).
 *
 * Runs go round the cells (run 1 of every cell, then run 2 ...), so a burst of load
 * from elsewhere lands on several cells; the table shows each cell's median over the runs
 * with the min and max, and the ratio to raw of the same loss (median of per-run ratios).
 *
 *   bench_group [--runs N] [--messages N] [--size B] [--paced N] [--gap US] [--only SUB]
 *               [--markdown]
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <midway/group.h>

#define RECEIVERS 3
#define MAX_RUNS 99
#define GROUP_IP "239.77.9.9"
#define SENDER_ID 4 /* receivers are 1..3: receiver 1 is the sequencer */
#define WINDOW 512
#define DATAGRAM MW_GROUP_DEFAULT_DATAGRAM
#define PHASE_TIMEOUT_MS 20000
#define HEADER 16 /* phase u32, seq u32, send time u64 */

typedef struct cell {
    const char *kind; /* raw, fifo, total */
    double loss;
} cell;

static const cell cells[] = {
    {"raw", 0}, {"fifo", 0}, {"total", 0}, {"raw", 0.05}, {"fifo", 0.05}, {"total", 0.05},
};
#define N_CELLS (sizeof cells / sizeof cells[0])

typedef struct opts {
    int runs, messages, size, paced, gap_us;
    const char *only;
    bool markdown;
} opts;

/* What a receiver reports at the end of a run. */
typedef struct report {
    int received;          /* phase-1 messages delivered */
    uint64_t last_ns;      /* when it delivered its last phase-1 message */
    double p50_us, p99_us; /* phase-2 delivery latency */
    uint64_t peak_bytes;   /* its protocol buffers' peak */
    int ok;                /* 1 if the run completed */
} report;

typedef struct result {
    double rate;           /* messages/s at the slowest receiver */
    double delivered;      /* the share of the messages the slowest receiver delivered */
    double p50_us, p99_us; /* medians over receivers */
    uint64_t peak_bytes;   /* the most any member held */
    bool ok;
} result;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint16_t free_port(void)
{
    mw_addr any, local;
    mw_udp *s;
    mw_addr_any(&any, MW_AF_INET4, 0);
    if (mw_udp_open(&s, &any, 0))
        return 0;
    mw_udp_local_addr(s, &local);
    mw_udp_close(s);
    return local.port;
}

static bool reliable_kind(const cell *c)
{
    return strcmp(c->kind, "raw") != 0;
}

static int open_member(const cell *c, const mw_addr *group, uint64_t id, uint64_t seed,
                       mw_group **out)
{
    mw_group_fault fault = {.seed = seed, .drop = c->loss};
    mw_group_opts o = {.ifname = "lo",
                       .reliable = true,
                       .order = strcmp(c->kind, "total") ? MW_GROUP_FIFO : MW_GROUP_TOTAL,
                       .id = id,
                       .window = WINDOW,
                       .max_datagram = DATAGRAM,
                       .heartbeat_ms = 50,
                       .join_ms = 100,
                       .fault = c->loss > 0 ? &fault : NULL};
    return mw_group_open(out, group, &o);
}

/* ------------------------------------------------------------------------------------ */
/* Receivers                                                                            */
/* ------------------------------------------------------------------------------------ */

/* Whether the parent closed our control pipe (the run is over). */
static bool told_to_stop(int ctl)
{
    struct pollfd p = {.fd = ctl, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

static void lat_stats(double *lat, int n, report *r)
{
    if (n == 0)
        return;
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    r->p50_us = lat[n / 2];
    r->p99_us = lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
}

/* One delivered (or received) message: accounts for it. Returns its phase. */
static int account(const uint8_t *d, size_t n, report *r, double *lat, int *nlat, int cap)
{
    if (n < HEADER)
        return 0;
    uint32_t phase = mw_load_u32be(d);
    uint64_t sent = mw_load_u64be(d + 8);
    uint64_t now = mw_now_ns();
    if (phase == 1) {
        r->received++;
        r->last_ns = now;
    } else if (phase == 2 && *nlat < cap) {
        lat[(*nlat)++] = (double)(now - sent) / 1000.0;
    }
    return (int)phase;
}

static void receiver(const cell *c, const mw_addr *group, int index, const opts *o, int up,
                     int ctl)
{
    report r;
    memset(&r, 0, sizeof r);
    double *lat = calloc((size_t)o->paced, sizeof *lat);
    int nlat = 0;
    if (!lat)
        _exit(1);
    if (!reliable_kind(c)) {
        mw_udp *s;
        if (mw_mcast_open(&s, group, "lo"))
            _exit(1);
        mw_udp_set_buffers(s, 4 << 20, 0);
        mw_udp_set_timeout(s, 50);
        mw_rng rng;
        mw_rng_seed(&rng, (uint64_t)index + 1);
        if (write(up, "R", 1) != 1)
            _exit(1);
        uint8_t buf[65536];
        uint64_t end = mw_now_ms() + PHASE_TIMEOUT_MS;
        while (mw_now_ms() < end) {
            size_t n;
            int rc = mw_udp_recvfrom(s, buf, sizeof buf, &n, NULL);
            if (rc == 0 && (c->loss == 0 || mw_rng_unit(&rng) >= c->loss) &&
                account(buf, n, &r, lat, &nlat, o->paced) == 3)
                break;
            if (told_to_stop(ctl))
                break;
        }
        mw_udp_close(s);
        r.ok = 1;
    } else {
        mw_group *g;
        if (open_member(c, group, (uint64_t)index + 1, (uint64_t)index + 11, &g))
            _exit(1);
        bool ready = false, done = false;
        uint64_t end = mw_now_ms() + 2 * PHASE_TIMEOUT_MS;
        while (!told_to_stop(ctl) && mw_now_ms() < end) {
            mw_group_event ev;
            if (mw_group_recv(g, &ev, 5) != 0)
                continue;
            if (ev.type == MW_GROUP_VIEW && ev.view->n == RECEIVERS + 1 && !ready) {
                ready = true;
                if (write(up, "R", 1) != 1)
                    _exit(1);
            } else if (ev.type == MW_GROUP_MESSAGE && ev.sender == SENDER_ID && !done &&
                       account(ev.data, ev.len, &r, lat, &nlat, o->paced) == 2 &&
                       nlat == o->paced) {
                mw_group_stats st;
                mw_group_stats_get(g, &st);
                r.peak_bytes = st.peak_buffered_bytes;
                r.ok = 1;
                lat_stats(lat, nlat, &r);
                if (write(up, &r, sizeof r) != sizeof r)
                    _exit(1);
                done = true; /* go on taking part until the parent ends the run */
            }
        }
        mw_group_close(g);
        free(lat);
        _exit(done ? 0 : 1);
    }
    lat_stats(lat, nlat, &r);
    if (write(up, &r, sizeof r) != sizeof r)
        _exit(1);
    free(lat);
    _exit(0);
}

/* ------------------------------------------------------------------------------------ */
/* The sender                                                                           */
/* ------------------------------------------------------------------------------------ */

static void fill(uint8_t *m, int size, uint32_t phase, uint32_t seq)
{
    memset(m, 0x5a, (size_t)size);
    mw_store_u32be(m, phase);
    mw_store_u32be(m + 4, seq);
    mw_store_u64be(m + 8, mw_now_ns());
}

/* Sends one message on a reliable group, taking events (our own deliveries) while the
 * window is full. */
static int send_reliable(mw_group *g, const uint8_t *m, int size)
{
    uint64_t end = mw_now_ms() + PHASE_TIMEOUT_MS;
    for (;;) {
        int rc = mw_group_send(g, m, (size_t)size, 0);
        if (rc != MW_EAGAIN)
            return rc;
        mw_group_event ev;
        mw_group_recv(g, &ev, 1);
        if (mw_now_ms() > end)
            return MW_ETIMEDOUT;
    }
}

/* Waits for a byte or a report from every receiver, driving g meanwhile (if any). */
static bool collect(int *up, void *out, size_t size, mw_group *g)
{
    uint64_t end = mw_now_ms() + 2 * PHASE_TIMEOUT_MS;
    for (int i = 0; i < RECEIVERS; i++) {
        size_t got = 0;
        while (got < size) {
            if (mw_now_ms() > end)
                return false;
            if (g) {
                mw_group_event ev;
                mw_group_recv(g, &ev, 0);
            }
            struct pollfd p = {.fd = up[i], .events = POLLIN};
            if (poll(&p, 1, g ? 1 : 100) <= 0)
                continue;
            ssize_t n = read(up[i], (char *)out + i * size + got, size - got);
            if (n <= 0)
                return false;
            got += (size_t)n;
        }
    }
    return true;
}

static result run_cell(const cell *c, const opts *o)
{
    result res;
    memset(&res, 0, sizeof res);
    mw_addr group;
    char text[64];
    snprintf(text, sizeof text, "%s:%u", GROUP_IP, free_port());
    if (mw_addr_parse(&group, text, -1))
        return res;
    int up[RECEIVERS], ctl[RECEIVERS];
    pid_t pids[RECEIVERS];
    for (int i = 0; i < RECEIVERS; i++) {
        int u[2], k[2];
        if (pipe(u) || pipe(k))
            return res;
        pids[i] = fork();
        if (pids[i] == 0) {
            close(u[0]);
            close(k[1]);
            receiver(c, &group, i, o, u[1], k[0]);
        }
        close(u[1]);
        close(k[0]);
        up[i] = u[0];
        ctl[i] = k[1];
    }
    mw_group *g = NULL;
    mw_udp *raw = NULL;
    uint8_t *m = calloc(1, (size_t)o->size);
    char ready[RECEIVERS];
    report reports[RECEIVERS];
    bool ok = m != NULL;
    if (ok && reliable_kind(c))
        ok = open_member(c, &group, SENDER_ID, 99, &g) == 0;
    else if (ok) {
        ok = mw_mcast_open(&raw, &group, "lo") == 0;
        if (ok)
            mw_udp_set_buffers(raw, 0, 4 << 20);
    }
    ok = ok && collect(up, ready, 1, g);
    uint64_t t0 = mw_now_ns();
    for (int i = 0; ok && i < o->messages; i++) {
        fill(m, o->size, 1, (uint32_t)i);
        ok = (g ? send_reliable(g, m, o->size)
                : mw_udp_sendto(raw, m, (size_t)o->size, &group)) == 0;
    }
    for (int i = 0; ok && i < o->paced; i++) {
        uint64_t next = mw_now_ns() + (uint64_t)o->gap_us * 1000;
        fill(m, o->size, 2, (uint32_t)i);
        ok = (g ? send_reliable(g, m, o->size)
                : mw_udp_sendto(raw, m, (size_t)o->size, &group)) == 0;
        while (ok && mw_now_ns() < next) {
            mw_group_event ev;
            if (g)
                mw_group_recv(g, &ev, 0);
        }
    }
    for (int i = 0; ok && raw && i < 20; i++) { /* the end, for raw receivers */
        fill(m, o->size, 3, 0);
        mw_udp_sendto(raw, m, (size_t)o->size, &group);
    }
    ok = ok && collect(up, reports, sizeof *reports, g);
    for (int i = 0; i < RECEIVERS; i++)
        close(ctl[i]);
    if (ok) {
        double p50[RECEIVERS], p99[RECEIVERS];
        int slowest = o->messages;
        uint64_t last = 0;
        for (int i = 0; i < RECEIVERS; i++) {
            ok = ok && reports[i].ok;
            if (reports[i].received < slowest)
                slowest = reports[i].received;
            if (reports[i].last_ns > last)
                last = reports[i].last_ns;
            p50[i] = reports[i].p50_us;
            p99[i] = reports[i].p99_us;
            if (reports[i].peak_bytes > res.peak_bytes)
                res.peak_bytes = reports[i].peak_bytes;
        }
        res.rate = last > t0 ? slowest / ((double)(last - t0) / 1e9) : 0;
        res.delivered = (double)slowest / o->messages;
        res.p50_us = median(p50, RECEIVERS);
        res.p99_us = median(p99, RECEIVERS);
        if (g) {
            mw_group_stats st;
            mw_group_stats_get(g, &st);
            if (st.peak_buffered_bytes > res.peak_bytes)
                res.peak_bytes = st.peak_buffered_bytes;
        }
        res.ok = ok;
    }
    for (int i = 0; i < RECEIVERS; i++) {
        int status;
        uint64_t end = mw_now_ms() + 5000;
        while (waitpid(pids[i], &status, WNOHANG) == 0) {
            if (g) {
                mw_group_event ev;
                mw_group_recv(g, &ev, 1);
            } else {
                mw_sleep_ms(1);
            }
            if (mw_now_ms() > end) {
                kill(pids[i], SIGKILL);
                waitpid(pids[i], &status, 0);
                break;
            }
        }
        close(up[i]);
    }
    mw_group_close(g);
    mw_udp_close(raw);
    free(m);
    return res;
}

/* ------------------------------------------------------------------------------------ */
/* The table                                                                            */
/* ------------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_group [--runs N] [--messages N] [--size B] [--paced N] [--gap US]\n"
            "                   [--only SUBSTRING] [--markdown]\n");
}

int main(int argc, char **argv)
{
    opts o = {.runs = 5, .messages = 20000, .size = 64, .paced = 1000, .gap_us = 200};
    static const struct option lopts[] = {{"runs", required_argument, NULL, 'r'},
                                          {"messages", required_argument, NULL, 'n'},
                                          {"size", required_argument, NULL, 's'},
                                          {"paced", required_argument, NULL, 'p'},
                                          {"gap", required_argument, NULL, 'g'},
                                          {"only", required_argument, NULL, 'o'},
                                          {"markdown", no_argument, NULL, 'm'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o.runs = atoi(optarg);
            break;
        case 'n':
            o.messages = atoi(optarg);
            break;
        case 's':
            o.size = atoi(optarg);
            break;
        case 'p':
            o.paced = atoi(optarg);
            break;
        case 'g':
            o.gap_us = atoi(optarg);
            break;
        case 'o':
            o.only = optarg;
            break;
        case 'm':
            o.markdown = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (o.runs < 1 || o.runs > MAX_RUNS || o.messages < 1 || o.size < HEADER ||
        o.size > 60000 || o.paced < 1 || o.gap_us < 0) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    static result r[N_CELLS][MAX_RUNS];
    for (int run = 0; run < o.runs; run++) {
        for (size_t k = 0; k < N_CELLS; k++) {
            char name[32];
            snprintf(name, sizeof name, "%s %g%%", cells[k].kind, cells[k].loss * 100);
            if (o.only && !strstr(name, o.only))
                continue;
            r[k][run] = run_cell(&cells[k], &o);
            fprintf(stderr, "run %d %-10s %s\n", run + 1, name, r[k][run].ok ? "" : "FAILED");
        }
    }
    const uint64_t bound = (uint64_t)(RECEIVERS + 1) * 2 * WINDOW * DATAGRAM;
    printf("%s1 sender, %d receivers (processes) on lo; %d messages of %d bytes; latency: %d "
           "messages %d us apart; %d runs\n",
           o.markdown ? "" : "# ", RECEIVERS, o.messages, o.size, o.paced, o.gap_us, o.runs);
    printf(o.markdown
               ? "\n| cell | msgs/s median (min-max) | delivered | vs raw (min-max) | p50 us "
                 "| p99 us | peak buffers KiB | bound KiB |\n"
                 "|---|---:|---:|---:|---:|---:|---:|---:|\n"
               : "%-10s %-26s %10s %-18s %8s %8s %9s %9s\n",
           "cell", "msgs/s median (min-max)", "delivered", "vs raw (min-max)", "p50 us",
           "p99 us", "peak KiB", "bound KiB");
    for (size_t k = 0; k < N_CELLS; k++) {
        char name[32];
        snprintf(name, sizeof name, "%s %g%%", cells[k].kind, cells[k].loss * 100);
        if (o.only && !strstr(name, o.only))
            continue;
        double rate[MAX_RUNS], ratio[MAX_RUNS], p50[MAX_RUNS], p99[MAX_RUNS], dl[MAX_RUNS];
        uint64_t peak = 0;
        int n = 0, nr = 0;
        size_t raw = k - k % 3; /* the raw cell of the same loss */
        for (int run = 0; run < o.runs; run++) {
            if (!r[k][run].ok)
                continue;
            rate[n] = r[k][run].rate;
            dl[n] = r[k][run].delivered * 100;
            p50[n] = r[k][run].p50_us;
            p99[n] = r[k][run].p99_us;
            if (r[k][run].peak_bytes > peak)
                peak = r[k][run].peak_bytes;
            if (r[raw][run].ok && r[raw][run].rate > 0)
                ratio[nr++] = r[k][run].rate / r[raw][run].rate;
            n++;
        }
        if (!n) {
            printf(o.markdown ? "| %s | failed | | | | | | |\n" : "%-10s failed\n", name);
            continue;
        }
        double lo = rate[0], hi = rate[0];
        for (int i = 1; i < n; i++) {
            lo = rate[i] < lo ? rate[i] : lo;
            hi = rate[i] > hi ? rate[i] : hi;
        }
        double rmed = median(rate, n), p50m = median(p50, n), p99m = median(p99, n);
        double dlm = median(dl, n);
        char rates[64], ratios[64] = "";
        snprintf(rates, sizeof rates, "%.0f (%.0f-%.0f)", rmed, lo, hi);
        if (nr && k != raw) {
            double rl = ratio[0], rh = ratio[0];
            for (int i = 1; i < nr; i++) {
                rl = ratio[i] < rl ? ratio[i] : rl;
                rh = ratio[i] > rh ? ratio[i] : rh;
            }
            snprintf(ratios, sizeof ratios, "%.2f (%.2f-%.2f)", median(ratio, nr), rl, rh);
        }
        char peaks[32] = "-", bounds[32] = "-";
        if (reliable_kind(&cells[k])) {
            snprintf(peaks, sizeof peaks, "%.0f", peak / 1024.0);
            snprintf(bounds, sizeof bounds, "%.0f", bound / 1024.0);
        }
        printf(o.markdown ? "| %s | %s | %.1f%% | %s | %.0f | %.0f | %s | %s |\n"
                          : "%-10s %-26s %9.1f%% %-18s %8.0f %8.0f %9s %9s\n",
               name, rates, dlm, ratios, p50m, p99m, peaks, bounds);
    }
    return 0;
}

/*
 * bench_rr.c - how fast Midway's request-reply protocol is, against the floor (raw UDP and
 * TCP ping-pong) and the peers people use (ONC RPC, ZeroMQ, NNG), measured in the same run
 * doing the same work:
 *
 *   null    an empty request and an empty reply;
 *   echo    the CDR bytes of Person {"Smith", "London", 1934} sent and echoed back.
 *
 * A measurement ("a run of a cell") forks a server process and a client process, each
 * pinned with sched_setaffinity as the cell says (both on one CPU, on different CPUs, or
 * left to the kernel), lets the client's threads (1 or 8 concurrent clients, each with its
 * own connection) warm up, then has them make calls back to back for --ms milliseconds.
 * Each client times every call; calls/s is the clients' calls over the interval, p50 and
 * p99 come from one histogram of all calls (log-linear, 1/64 resolution). Every reply is
 * checked against the request; a wrong or missing reply is an error, counted and shown.
 * CPU time per call is what the client and the server processes (every thread of both)
 * used over the interval, over its calls: the client reads its own clock and the
 * server's (clock_getcpuclockid). Time another process holds the CPU counts for nobody.
 *
 * Runs go round the cells (run 1 of every cell, then run 2...), so a burst of load from
 * elsewhere on the machine lands on several cells rather than on one. A table gives each
 * cell's median over the runs with the min and max; a ratio is the median of the per-run
 * ratios (the two cells of a run were measured seconds apart), with their min and max.
 *
 *   bench_rr [--runs N] [--ms MS] [--warmup MS] [--only SUBSTRING] [--markdown] [--list]
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <midway/marshal.h>

#include "bench_common.h"
#include "bench_rr.h"

#define PROG "bench_rr" /* in messages */

#define RUNS_DEFAULT 5       /* runs per cell; the median of an odd count is a run */
#define MS_DEFAULT 250       /* timed part of a run */
#define WARMUP_DEFAULT 50    /* calls before the timed part: connections, caches, clocks */
#define MANY 8               /* the "8 concurrent clients" of the issue */
#define SPIN_US 100          /* Midway's low-latency mode: spin this long before sleeping */
#define SERVER_READY_MS 5000 /* a server that is not listening by then has failed */

/* ------------------------------------------------------------------------------------ */
/* Latency histogram                                                                    */
/* ------------------------------------------------------------------------------------ */

/* Log-linear: values below 64 ns exactly, above in 64 steps per power of two (within
 * 1.6%). 64 powers of two cover any uint64_t. */
#define HSUB 64
#define HBUCKETS (64 * HSUB)

typedef struct hist {
    uint64_t n[HBUCKETS];
    uint64_t total;
} hist;

static unsigned hbucket(uint64_t v)
{
    if (v < HSUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 6 */
    unsigned m = (unsigned)(v >> (e - 6)) & (HSUB - 1);
    return (e - 5) * HSUB + m;
}

/* The middle of bucket i's range of values. */
static double hvalue(unsigned i)
{
    if (i < HSUB)
        return i;
    unsigned e = i / HSUB + 5, m = i % HSUB;
    double lo = ldexp((double)(HSUB + m), (int)e - 6);
    return lo + ldexp(1.0, (int)e - 6) / 2;
}

static void hadd(hist *h, uint64_t v)
{
    h->n[hbucket(v)]++;
    h->total++;
}

static void hmerge(hist *into, const hist *h)
{
    for (unsigned i = 0; i < HBUCKETS; i++)
        into->n[i] += h->n[i];
    into->total += h->total;
}

/* The q-quantile (0 < q < 1) in ns. */
static double hquantile(const hist *h, double q)
{
    uint64_t want = (uint64_t)ceil(q * (double)h->total), seen = 0;
    if (want == 0)
        want = 1;
    for (unsigned i = 0; i < HBUCKETS; i++) {
        seen += h->n[i];
        if (seen >= want)
            return hvalue(i);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Cells                                                                                */
/* ------------------------------------------------------------------------------------ */

enum { PLACE_SAME, PLACE_DIFF, PLACE_FREE };

/* A group of cells: a number of clients and a placement, shown as one table per work. */
typedef struct scenario {
    const char *key;   /* "1c.same": the start of its cells' names */
    const char *title; /* the table's heading */
    int clients;
    int place;
    bool echo;               /* also the Person echo (else null only) */
    const char *const *rows; /* systems, by name (with variants: "midway-udp+ll") */
} scenario;

static const char *const rows_1same[] = {
    "raw-udp",    "raw-tcp",         "onc-udp",          "onc-tcp",    "zmq", "nng",
    "midway-udp", "midway-udp+pool", "midway-udp+maybe", "midway-tcp", NULL};
static const char *const rows_1diff[] = {
    "raw-udp", "raw-udp-spin", "raw-udp-cspin", "raw-tcp",       "onc-udp",    "onc-tcp",
    "zmq",     "nng",          "midway-udp",    "midway-udp+ll", "midway-tcp", NULL};
static const char *const rows_many[] = {"raw-udp", "raw-tcp",    "onc-udp",    "onc-tcp", "zmq",
                                        "nng",     "midway-udp", "midway-tcp", NULL};
static const char *const rows_free[] = {"raw-udp", "onc-udp", "midway-udp", "midway-udp+2loops",
                                        NULL};

static const scenario scenarios[] = {
    {"1c.same", "1 client; client and server pinned to one CPU", 1, PLACE_SAME, true,
     rows_1same},
    {"1c.diff", "1 client; client and server pinned to different CPUs", 1, PLACE_DIFF, true,
     rows_1diff},
    {"8c.same", "8 concurrent clients; clients and server pinned to one CPU", MANY, PLACE_SAME,
     true, rows_many},
    {"8c.diff", "8 concurrent clients; server on one CPU, the clients on the other", MANY,
     PLACE_DIFF, true, rows_many},
    {"8c.free", "8 concurrent clients; no pinning (server threads spread by the kernel)", MANY,
     PLACE_FREE, false, rows_free},
};
#define N_SCENARIOS (sizeof scenarios / sizeof scenarios[0])

typedef struct cell {
    const scenario *sc;
    const char *row;       /* the row's name in the scenario ("midway-udp+ll") */
    const mwb_system *sys; /* NULL when the system is not part of this build */
    int op;                /* MWB_OP_NULL or MWB_OP_ECHO */
    mwb_params params;
    char name[64]; /* "1c.same.null.raw-udp" */
    char label[64];
    bool selected, skipped;
    char why[MWB_WHY];
    int runs;                                                       /* runs done */
    double cps[MWB_MAX_RUNS], p50[MWB_MAX_RUNS], p99[MWB_MAX_RUNS]; /* calls/s; us */
    double cpu[MWB_MAX_RUNS]; /* us of CPU per call, client and server processes together */
    uint64_t errors;                                /* failed calls, over all runs */
    mwb_summary cps_sum, p50_sum, p99_sum, cpu_sum; /* of cps, p50, p99 and cpu */
} cell;

#define MAX_CELLS 128
static cell g_cells[MAX_CELLS];
static size_t g_ncells;

static int g_ms = MS_DEFAULT, g_warmup = WARMUP_DEFAULT;
static bool g_markdown;       /* --markdown: tables for docs/performance.md */
static uint8_t g_person[256]; /* the CDR bytes of Person */
static size_t g_person_len;
static int g_cpu[2] = {-1, -1}; /* the two CPUs used for pinning */

static const mwb_system *find_system(const char *name)
{
    for (const mwb_system *s = mwb_peer_systems; s->name; s++)
        if (!strcmp(s->name, name))
            return s;
    for (const mwb_system *s = mwb_midway_systems; s->name; s++)
        if (!strcmp(s->name, name))
            return s;
    return NULL;
}

/* Why a system in the rows is missing from this build. */
static const char *missing_reason(const char *name)
{
#ifndef MWB_HAVE_TIRPC
    if (!strncmp(name, "onc-", 4))
        return MWB_NO_TIRPC;
#endif
#ifndef MWB_HAVE_ZMQ
    if (!strcmp(name, "zmq"))
        return MWB_NO_ZMQ;
#endif
#ifndef MWB_HAVE_NNG
    if (!strcmp(name, "nng"))
        return MWB_NO_NNG;
#endif
    return "not part of this build";
}

static void build_cells(void)
{
    for (size_t s = 0; s < N_SCENARIOS; s++) {
        const scenario *sc = &scenarios[s];
        for (int op = MWB_OP_NULL; op <= (sc->echo ? MWB_OP_ECHO : MWB_OP_NULL); op++) {
            for (const char *const *r = sc->rows; *r; r++) {
                cell *c = &g_cells[g_ncells++];
                char base[32];
                const char *plus = strchr(*r, '+');
                snprintf(base, sizeof base, "%.*s", plus ? (int)(plus - *r) : (int)strlen(*r),
                         *r);
                c->sc = sc;
                c->row = *r;
                c->op = op;
                c->sys = find_system(base);
                snprintf(c->name, sizeof c->name, "%s.%s.%s", sc->key,
                         op == MWB_OP_NULL ? "null" : "echo", *r);
                const char *suffix = "";
                if (plus && !strcmp(plus, "+ll")) {
                    c->params.spin_us = SPIN_US;
                    suffix = ", low-latency";
                } else if (plus && !strcmp(plus, "+2loops")) {
                    c->params.loops = 2;
                    suffix = ", 2 loops";
                } else if (plus && !strcmp(plus, "+maybe")) {
                    c->params.maybe = true;
                    suffix = ", maybe";
                } else if (plus && !strcmp(plus, "+pool")) {
                    c->params.pool = true;
                    suffix = ", worker pool";
                }
                if (c->sys)
                    snprintf(c->label, sizeof c->label, "%s%s", c->sys->label, suffix);
                else
                    snprintf(c->label, sizeof c->label, "%s%s", base, suffix);
                if (!c->sys) {
                    c->skipped = true;
                    snprintf(c->why, sizeof c->why, "%s", missing_reason(base));
                }
            }
        }
    }
}

static cell *find_cell(const scenario *sc, int op, const char *row)
{
    for (size_t i = 0; i < g_ncells; i++)
        if (g_cells[i].sc == sc && g_cells[i].op == op && !strcmp(g_cells[i].row, row))
            return &g_cells[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* One run of one cell                                                                  */
/* ------------------------------------------------------------------------------------ */

/* What the client process sends back to the driver. */
typedef struct result {
    int ok;
    double cps, p50_us, p99_us, cpu_us;
    uint64_t calls, errors;
    char why[MWB_WHY];
} result;

typedef struct client_thread {
    const cell *c;
    uint16_t port;
    pthread_barrier_t *barrier;
    hist *h;
    uint64_t calls, errors, t_end;
    int failed;
    char why[MWB_WHY];
} client_thread;

static uint64_t g_t_start; /* the timed part's start, set by the barrier's last thread */
/* CPU time of the client process and the server process together (ns) at the start and
 * at the end of the timed part, read by the barriers' last threads; 0 if a clock could
 * not be read (the server gone). */
static clockid_t g_server_clock;
static uint64_t g_cpu_start, g_cpu_end;

static uint64_t cpu_both_ns(void)
{
    struct timespec a, b;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) != 0 ||
        clock_gettime(g_server_clock, &b) != 0)
        return 0;
    return (uint64_t)(a.tv_sec + b.tv_sec) * 1000000000u + (uint64_t)a.tv_nsec +
           (uint64_t)b.tv_nsec;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Makes one call and checks its reply; the call's time in ns, or 0 on failure. */
static uint64_t one_call(const cell *c, void *h, uint8_t *reply)
{
    const uint8_t *req = c->op == MWB_OP_ECHO ? g_person : NULL;
    size_t n = c->op == MWB_OP_ECHO ? g_person_len : 0, got = 0;
    uint64_t t0 = now_ns();
    int e = c->sys->call(h, c->op, req ? req : (const uint8_t *)"", n, reply, &got);
    uint64_t t1 = now_ns();
    if (e != 0 || got != n || (n && memcmp(reply, req, n) != 0))
        return 0;
    return t1 > t0 ? t1 - t0 : 1;
}

static void *client_main(void *arg)
{
    client_thread *t = arg;
    const cell *c = t->c;
    void *h = NULL;
    uint8_t *reply = malloc(MWB_MAX_REPLY);
    if (!reply)
        t->failed = mwb_fail(t->why, "out of memory");
    else if (c->sys->open(&h, &c->params, t->port, t->why) != 0)
        t->failed = -1;
    if (!t->failed) {
        uint64_t until = now_ns() + (uint64_t)g_warmup * 1000000u;
        while (now_ns() < until)
            if (one_call(c, h, reply) == 0)
                t->errors++;
    }
    /* Everyone meets here, failed or not, so the others are not left waiting. */
    if (pthread_barrier_wait(t->barrier) == PTHREAD_BARRIER_SERIAL_THREAD) {
        g_cpu_start = cpu_both_ns();
        g_t_start = now_ns();
    }
    pthread_barrier_wait(t->barrier);
    if (!t->failed) {
        t->errors = 0;
        uint64_t end = g_t_start + (uint64_t)g_ms * 1000000u, now = g_t_start;
        while (now < end) {
            uint64_t dt = one_call(c, h, reply);
            now = now_ns();
            if (dt) {
                hadd(t->h, dt);
                t->calls++;
            } else {
                t->errors++;
            }
        }
        t->t_end = now;
    }
    /* Everyone meets again, so the CPU time taken stops before any connection closes. */
    if (pthread_barrier_wait(t->barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
        g_cpu_end = cpu_both_ns();
    if (!t->failed)
        c->sys->close(h);
    free(reply);
    return NULL;
}

static void pin(int place, bool server)
{
    if (place == PLACE_FREE || g_cpu[0] < 0)
        return;
    mwb_pin_cpu(place == PLACE_DIFF && server ? g_cpu[1] : g_cpu[0]);
}

/* The client process: runs the clients, writes a result to fd. */
static void client_process(const cell *c, uint16_t port, pid_t server, int fd)
{
    result r = {0};
    /* The server's CPU clock: the CPU time of all its threads, read from here. */
    if (clock_getcpuclockid(server, &g_server_clock) != 0) {
        mwb_fail(r.why, "clock_getcpuclockid of the server failed");
        if (write(fd, &r, sizeof r) < 0)
            _exit(1);
        _exit(1);
    }
    int n = c->sc->clients;
    client_thread t[MANY];
    pthread_t tid[MANY];
    pthread_barrier_t barrier;
    hist *all = calloc((size_t)n + 1, sizeof(hist));
    if (!all) {
        mwb_fail(r.why, "out of memory");
        goto out;
    }
    pthread_barrier_init(&barrier, NULL, (unsigned)n);
    memset(t, 0, sizeof t);
    for (int i = 0; i < n; i++) {
        t[i].c = c;
        t[i].port = port;
        t[i].barrier = &barrier;
        t[i].h = &all[i + 1];
        if (pthread_create(&tid[i], NULL, client_main, &t[i]) != 0) {
            /* The barrier would wait for ever: give up on the whole process. */
            mwb_fail(r.why, "pthread_create failed");
            if (write(fd, &r, sizeof r) < 0)
                _exit(1);
            _exit(1);
        }
    }
    uint64_t t_end = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(tid[i], NULL);
        if (t[i].failed && !r.why[0])
            snprintf(r.why, sizeof r.why, "%s", t[i].why);
        hmerge(&all[0], t[i].h);
        r.calls += t[i].calls;
        r.errors += t[i].errors;
        if (t[i].t_end > t_end)
            t_end = t[i].t_end;
    }
    if (!r.why[0] && (g_cpu_start == 0 || g_cpu_end < g_cpu_start))
        snprintf(r.why, sizeof r.why, "the CPU clocks could not be read (server gone?)");
    if (!r.why[0] && r.calls == 0)
        snprintf(r.why, sizeof r.why, "no call succeeded (%llu failed)",
                 (unsigned long long)r.errors);
    if (!r.why[0]) {
        r.ok = 1;
        r.cps = (double)r.calls / ((double)(t_end - g_t_start) / 1e9);
        r.p50_us = hquantile(&all[0], 0.50) / 1000.0;
        r.p99_us = hquantile(&all[0], 0.99) / 1000.0;
        r.cpu_us = (double)(g_cpu_end - g_cpu_start) / 1000.0 / (double)r.calls;
    }
out:
    free(all);
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(1);
    _exit(0);
}

/* Reads n bytes from fd within timeout_ms. 0, or -1 on timeout, error or end of file. */
static int read_within(int fd, void *buf, size_t n, int timeout_ms)
{
    uint8_t *p = buf;
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
    while (n) {
        uint64_t now = now_ns();
        if (now >= deadline)
            return -1;
        struct pollfd pfd = {fd, POLLIN, 0};
        int rc = poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void reap(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

/* One run of the cell; fills its slot r, or marks the cell skipped with the reason. */
static void measure(cell *c, int run)
{
    int sp[2] = {-1, -1}, cp[2] = {-1, -1};
    pid_t server = -1, client = -1;
    result r = {0};
    fflush(stdout);
    fflush(stderr);
    if (pipe(sp) != 0 || pipe(cp) != 0) {
        mwb_fail(c->why, "pipe: %s", strerror(errno));
        goto fail;
    }
    if ((server = fork()) == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(sp[0]);
        pin(c->sc->place, true);
        char why[MWB_WHY] = "";
        c->sys->serve(&c->params, sp[1], why);
        /* It returned: it failed. Port 0 then the reason. */
        uint16_t zero = 0;
        if (write(sp[1], &zero, sizeof zero) < 0 || write(sp[1], why, sizeof why) < 0)
            _exit(1);
        _exit(1);
    }
    close(sp[1]);
    sp[1] = -1;
    uint16_t port = 0;
    if (server < 0 || read_within(sp[0], &port, sizeof port, SERVER_READY_MS) != 0) {
        mwb_fail(c->why, "the server did not start");
        goto fail;
    }
    if (port == 0) {
        char why[MWB_WHY] = "";
        read_within(sp[0], why, sizeof why, 1000);
        why[MWB_WHY - 1] = '\0';
        mwb_fail(c->why, "server: %s", why[0] ? why : "failed");
        goto fail;
    }
    if ((client = fork()) == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(cp[0]);
        pin(c->sc->place, false);
        client_process(c, port, server, cp[1]);
    }
    close(cp[1]);
    cp[1] = -1;
    int limit = g_warmup + g_ms + 2 * MWB_CALL_TIMEOUT_MS + 10000;
    if (client < 0 || read_within(cp[0], &r, sizeof r, limit) != 0) {
        mwb_fail(c->why, "the client process failed or hung");
        goto fail;
    }
    if (!r.ok) {
        r.why[MWB_WHY - 1] = '\0';
        mwb_fail(c->why, "%s", r.why);
        goto fail;
    }
    c->cps[run] = r.cps;
    c->p50[run] = r.p50_us;
    c->p99[run] = r.p99_us;
    c->cpu[run] = r.cpu_us;
    c->errors += r.errors;
    c->runs = run + 1;
    goto done;
fail:
    c->skipped = true;
done:
    reap(client);
    reap(server);
    for (int i = 0; i < 2; i++) {
        if (sp[i] >= 0)
            close(sp[i]);
        if (cp[i] >= 0)
            close(cp[i]);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Statistics and output                                                                */
/* ------------------------------------------------------------------------------------ */

static bool usable(const cell *c)
{
    return c && c->selected && !c->skipped && c->runs > 0;
}

/*
 * The ratio a/b of two cells' calls/s (or of their p50 with p50 set), as the median of
 * the per-run ratios, with min and max. false when either cell has no numbers.
 */
static bool ratio(const cell *a, const cell *b, bool p50, mwb_summary *r)
{
    if (!usable(a) || !usable(b))
        return false;
    int n = a->runs < b->runs ? a->runs : b->runs;
    *r = p50 ? mwb_ratio(a->p50, b->p50, n) : mwb_ratio(a->cps, b->cps, n);
    return true;
}

static void print_machine(int runs)
{
    mwb_print_header("%d runs per cell, each %d ms of calls after %d ms of warm-up;\n"
                     "median (min .. max) of the runs\n",
                     runs, g_ms, g_warmup);
    if (g_cpu[1] >= 0)
        printf("pinning: one CPU = server and clients on CPU %d; different CPUs = server on "
               "CPU %d, clients on CPU %d\n",
               g_cpu[0], g_cpu[1], g_cpu[0]);
    else
        printf("pinning: only one CPU is available: the different-CPU cells are skipped\n");
    printf("work: null = empty request and reply; echo = the %zu CDR bytes of Person "
           "{\"Smith\", \"London\", 1934} and back\n",
           g_person_len);
    printf("Midway: mw_rr_do_operation, RR exchange, at-most-once, handlers on the loop thread "
           "(MW_RR_INLINE),\n1 loop thread; rows say where they differ (worker pool, maybe "
           "semantics, low-latency = client and server spin %u us, 2 loops)\n",
           SPIN_US);
#ifndef MWB_HAVE_TIRPC
    printf("peer ONC RPC: skipped: %s\n", MWB_NO_TIRPC);
#endif
#ifndef MWB_HAVE_ZMQ
    printf("peer ZeroMQ: skipped: %s\n", MWB_NO_ZMQ);
#endif
#ifndef MWB_HAVE_NNG
    printf("peer NNG: skipped: %s\n", MWB_NO_NNG);
#endif
}

/* The floor a cell is compared with in its table: raw ping-pong of its transport. */
static const cell *floor_of(const cell *c)
{
    if (!c->sys || !strncmp(c->sys->name, "raw-", 4))
        return NULL;
    const char *f = c->sys->udp ? (c->params.spin_us ? "raw-udp-spin" : "raw-udp") : "raw-tcp";
    const cell *fc = find_cell(c->sc, c->op, f);
    return fc && fc->sys && fc != c ? fc : NULL;
}

static void print_tables(void)
{
    static const int widths[] = {25, 24, 24, 22, 10};
    static const char *const heads[] = {"",
                                        "calls/s (min .. max)",
                                        "p50 us (min .. max)",
                                        "p99 us (min .. max)",
                                        "CPU us/call (min..max)",
                                        "floor/this"};
    static const char *const heads_md[] = {"system",
                                           "calls/s (min .. max)",
                                           "p50 µs (min .. max)",
                                           "p99 µs (min .. max)",
                                           "CPU µs/call (min .. max)",
                                           "floor/this"};
    mwb_table t = {g_markdown, 44, widths, 5};
    for (size_t s = 0; s < N_SCENARIOS; s++) {
        const scenario *sc = &scenarios[s];
        for (int op = MWB_OP_NULL; op <= (sc->echo ? MWB_OP_ECHO : MWB_OP_NULL); op++) {
            bool any = false;
            for (size_t i = 0; i < g_ncells; i++)
                any =
                    any || (g_cells[i].sc == sc && g_cells[i].op == op && g_cells[i].selected);
            if (!any)
                continue;
            char title[160];
            snprintf(title, sizeof title, "%s; %s", sc->title,
                     op == MWB_OP_NULL ? "null operation" : "Person echo");
            mwb_table_head(&t, title, g_markdown ? heads_md : heads);
            for (size_t i = 0; i < g_ncells; i++) {
                cell *c = &g_cells[i];
                if (c->sc != sc || c->op != op || !c->selected)
                    continue;
                if (c->skipped || c->runs == 0) {
                    mwb_table_skipped(&t, c->label, c->why);
                    continue;
                }
                char fr[32] = "", a[64], b[64], d[64], e[64], note[48];
                mwb_summary r;
                const cell *f = floor_of(c);
                if (f && ratio(f, c, false, &r))
                    snprintf(fr, sizeof fr, "%.2fx", r.median);
                snprintf(note, sizeof note, "%llu failed calls", (unsigned long long)c->errors);
                const char *cells[] = {mwb_fmt_summary(a, sizeof a, 0, "", c->cps_sum),
                                       mwb_fmt_summary(b, sizeof b, 1, "", c->p50_sum),
                                       mwb_fmt_summary(d, sizeof d, 1, "", c->p99_sum),
                                       mwb_fmt_summary(e, sizeof e, 1, "", c->cpu_sum), fr};
                mwb_table_row(&t, c->label, cells, c->errors ? note : NULL);
            }
        }
    }
    printf("\n(floor/this: the floor's calls/s over this row's, over the same transport: raw "
           "UDP, or\nraw UDP with both sides spinning for the low-latency rows, or raw TCP)\n");
}

/* One line of the targets table. */
typedef struct target {
    const char *what;
    const char *sc; /* scenario key */
    int op;
    const char *a, *b; /* rows: the ratio is a / b */
    bool p50;          /* ratio of p50 latencies (else of calls/s) */
    double goal;       /* the target */
    bool at_most;      /* the ratio must be <= goal (else >= goal) */
} target;

static const target targets[] = {
    {"floor / Midway UDP, calls/s", "1c.same", MWB_OP_NULL, "raw-udp", "midway-udp", false,
     1.25, true},
    {"floor / Midway UDP, calls/s", "1c.same", MWB_OP_ECHO, "raw-udp", "midway-udp", false,
     1.25, true},
    {"Midway UDP / ONC RPC UDP", "1c.same", MWB_OP_NULL, "midway-udp", "onc-udp", false, 1.0,
     false},
    {"Midway UDP / ONC RPC UDP", "1c.same", MWB_OP_ECHO, "midway-udp", "onc-udp", false, 1.0,
     false},
    {"Midway UDP / ZeroMQ", "1c.same", MWB_OP_NULL, "midway-udp", "zmq", false, 1.5, false},
    {"Midway UDP / ZeroMQ", "1c.same", MWB_OP_ECHO, "midway-udp", "zmq", false, 1.5, false},
    {"Midway UDP / NNG", "1c.same", MWB_OP_NULL, "midway-udp", "nng", false, 1.5, false},
    {"Midway UDP / NNG", "1c.same", MWB_OP_ECHO, "midway-udp", "nng", false, 1.5, false},
    {"low-latency p50 / spinning floor p50", "1c.diff", MWB_OP_NULL, "midway-udp+ll",
     "raw-udp-spin", true, 2.0, true},
    {"low-latency p50 / spinning floor p50", "1c.diff", MWB_OP_ECHO, "midway-udp+ll",
     "raw-udp-spin", true, 2.0, true},
    {"low-latency calls/s / ONC RPC UDP", "1c.diff", MWB_OP_NULL, "midway-udp+ll", "onc-udp",
     false, 3.0, false},
    {"low-latency calls/s / ONC RPC UDP", "1c.diff", MWB_OP_ECHO, "midway-udp+ll", "onc-udp",
     false, 3.0, false},
    {"Midway UDP / ONC RPC UDP", "8c.same", MWB_OP_NULL, "midway-udp", "onc-udp", false, 1.0,
     false},
    {"Midway TCP / ONC RPC TCP", "8c.same", MWB_OP_NULL, "midway-tcp", "onc-tcp", false, 1.0,
     false},
    {"Midway UDP / ZeroMQ", "8c.same", MWB_OP_NULL, "midway-udp", "zmq", false, 2.0, false},
    {"Midway UDP / ONC RPC UDP", "8c.diff", MWB_OP_NULL, "midway-udp", "onc-udp", false, 1.0,
     false},
    {"Midway TCP / ONC RPC TCP", "8c.diff", MWB_OP_NULL, "midway-tcp", "onc-tcp", false, 1.0,
     false},
    {"Midway UDP / ZeroMQ", "8c.diff", MWB_OP_NULL, "midway-udp", "zmq", false, 2.0, false},
    {"Midway UDP / ONC RPC UDP", "8c.diff", MWB_OP_ECHO, "midway-udp", "onc-udp", false, 1.0,
     false},
    {"Midway TCP / ONC RPC TCP", "8c.diff", MWB_OP_ECHO, "midway-tcp", "onc-tcp", false, 1.0,
     false},
    {"Midway UDP / ZeroMQ", "8c.diff", MWB_OP_ECHO, "midway-udp", "zmq", false, 2.0, false},
    {"2 loops / 1 loop (SO_REUSEPORT)", "8c.free", MWB_OP_NULL, "midway-udp+2loops",
     "midway-udp", false, 1.0, false},
};
#define N_TARGETS (sizeof targets / sizeof targets[0])

static const scenario *find_scenario(const char *key)
{
    for (size_t s = 0; s < N_SCENARIOS; s++)
        if (!strcmp(scenarios[s].key, key))
            return &scenarios[s];
    return NULL;
}

/*
 * The same comparison read from the p50 latencies, for one client: for a calls/s ratio
 * a/b, p50(b)/p50(a) (a client calling back to back makes 1/latency calls a second). A
 * median latency shrugs off the moments when another process has the CPU, which calls/s
 * over a fixed interval does not: on a busy machine it is the steadier reading. With
 * several clients the latency also holds their queueing, whose shape differs from one
 * system to the next, so there is no such reading.
 */
static bool ratio_by_p50(const cell *a, const cell *b, mwb_summary *r)
{
    if (!usable(a) || !usable(b))
        return false;
    int n = a->runs < b->runs ? a->runs : b->runs;
    *r = mwb_ratio(b->p50, a->p50, n);
    return true;
}

/*
 * The same comparison read from the CPU time per call (both processes, every thread): for
 * a calls/s ratio a/b, cpu(b)/cpu(a). Time another process holds the CPU is nobody's CPU
 * time here, so this is the steadiest reading of the work a call costs; it says nothing
 * of waiting (a wake-up across CPUs) and would count a spin as work, so the spinning rows
 * and the loop-scaling row (which is about using more CPU) have none.
 */
static bool ratio_by_cpu(const cell *a, const cell *b, mwb_summary *r)
{
    if (!usable(a) || !usable(b) || a->params.spin_us || b->params.spin_us ||
        a->params.loops != b->params.loops)
        return false;
    int n = a->runs < b->runs ? a->runs : b->runs;
    *r = mwb_ratio(b->cpu, a->cpu, n);
    return true;
}

static void print_targets(void)
{
    printf(
        "\nThe issue's targets: ratios in this run (median of the per-run ratios, min .. "
        "max);\n'by p50' reads a 1-client calls/s ratio from the median latencies instead, "
        "'by CPU'\nfrom the CPU time per call (client and server processes together)\n");
    if (g_markdown)
        printf("\n| cells | work | ratio | median (min .. max) | target | | by p50 | | by CPU "
               "| |\n|---|---|---|---:|---|---|---:|---|---:|---|\n");
    else
        printf("  %-8s %-5s %-38s %22s %9s %7s %22s %7s %22s\n", "cells", "work", "ratio",
               "median (min .. max)", "target", "", "by p50 (min .. max)", "",
               "by CPU (min .. max)");
    for (size_t i = 0; i < N_TARGETS; i++) {
        const target *t = &targets[i];
        const scenario *sc = find_scenario(t->sc);
        const cell *a = find_cell(sc, t->op, t->a), *b = find_cell(sc, t->op, t->b);
        if (!a || !b || !a->selected || !b->selected)
            continue;
        mwb_summary m;
        char r[64] = "n/a", rp[64] = "", rc[64] = "", goal[16];
        const char *verdict = "", *verdict_p = "", *verdict_c = "";
        snprintf(goal, sizeof goal, "%s %.2f", t->at_most ? "<=" : ">=", t->goal);
        if (ratio(a, b, t->p50, &m)) {
            mwb_fmt_summary(r, sizeof r, 2, "", m);
            verdict =
                (t->at_most ? m.median <= t->goal : m.median >= t->goal) ? "met" : "MISSED";
        }
        if (!t->p50 && sc->clients == 1 && ratio_by_p50(a, b, &m)) {
            mwb_fmt_summary(rp, sizeof rp, 2, "", m);
            verdict_p =
                (t->at_most ? m.median <= t->goal : m.median >= t->goal) ? "met" : "MISSED";
        }
        if (!t->p50 && ratio_by_cpu(a, b, &m)) {
            mwb_fmt_summary(rc, sizeof rc, 2, "", m);
            verdict_c =
                (t->at_most ? m.median <= t->goal : m.median >= t->goal) ? "met" : "MISSED";
        }
        const char *work = t->op == MWB_OP_NULL ? "null" : "echo";
        if (g_markdown)
            printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", t->sc, work,
                   t->what, r, goal, verdict, rp, verdict_p, rc, verdict_c);
        else
            printf("  %-8s %-5s %-38s %22s %9s %-7s %22s %-7s %22s %s\n", t->sc, work, t->what,
                   r, goal, verdict, rp, verdict_p, rc, verdict_c);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Main                                                                                 */
/* ------------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: bench_rr [--runs N] [--ms MS] [--warmup MS] [--only SUBSTRING] [--markdown]\n"
        "       bench_rr --list\n"
        "\n"
        "Calls/s, p50/p99 latency and CPU time per call of Midway's request-reply\n"
        "protocol against raw\n"
        "UDP/TCP ping-pong, ONC RPC, ZeroMQ and NNG, 1 and %d clients, pinned to one\n"
        "CPU and to different CPUs. Defaults: --runs %d --ms %d --warmup %d (about two\n"
        "minutes); longer runs: --runs 9 --ms 1000. --only keeps the cells whose name\n"
        "contains SUBSTRING (names: --list). --markdown prints the tables in Markdown.\n",
        MANY, RUNS_DEFAULT, MS_DEFAULT, WARMUP_DEFAULT);
}

/* The two CPUs to pin to: the first two this process may run on. */
static void pick_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return;
    int k = 0;
    for (int i = 0; i < CPU_SETSIZE && k < 2; i++)
        if (CPU_ISSET(i, &set))
            g_cpu[k++] = i;
}

static int make_person(void)
{
    char name[] = "Smith", place[] = "London";
    mw_person p = {name, place, 1934};
    mw_buf b;
    mw_buf_init(&b);
    mw_marshal_opts o = {0};
    int e = mw_cdr_encode(&mw_t_person, &p, &b, &o, NULL);
    if (e == 0 && b.len <= sizeof g_person) {
        memcpy(g_person, b.data, b.len);
        g_person_len = b.len;
    }
    mw_buf_free(&b);
    return e == 0 && g_person_len ? 0 : -1;
}

int main(int argc, char **argv)
{
    int runs = RUNS_DEFAULT;
    const char *only = "";
    bool list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--runs"))
            runs = (int)mwb_parse_long(PROG, a, argv[++i], 1, MWB_MAX_RUNS);
        else if (!strcmp(a, "--ms"))
            g_ms = (int)mwb_parse_long(PROG, a, argv[++i], 10, 600000);
        else if (!strcmp(a, "--warmup"))
            g_warmup = (int)mwb_parse_long(PROG, a, argv[++i], 0, 60000);
        else if (!strcmp(a, "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(a, "--list"))
            list = true;
        else if (!strcmp(a, "--markdown"))
            g_markdown = true;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench_rr: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    if (make_person() != 0) {
        fprintf(stderr, "bench_rr: cannot encode Person in CDR\n");
        return 1;
    }
    pick_cpus();
    build_cells();
    if (list) {
        for (size_t i = 0; i < g_ncells; i++)
            printf("%s%s\n", g_cells[i].name, g_cells[i].skipped ? " (skipped)" : "");
        return 0;
    }
    for (size_t i = 0; i < g_ncells; i++) {
        cell *c = &g_cells[i];
        c->selected = strstr(c->name, only) != NULL;
        if (c->selected && !c->skipped && c->sc->place == PLACE_DIFF && g_cpu[1] < 0) {
            c->skipped = true;
            snprintf(c->why, sizeof c->why, "only one CPU is available");
        }
    }
    print_machine(runs);
    fflush(stdout);
    for (int r = 0; r < runs; r++)
        for (size_t i = 0; i < g_ncells; i++)
            if (g_cells[i].selected && !g_cells[i].skipped)
                measure(&g_cells[i], r);
    for (size_t i = 0; i < g_ncells; i++) {
        cell *c = &g_cells[i];
        if (!c->selected || c->skipped || c->runs == 0)
            continue;
        c->cps_sum = mwb_summarise(c->cps, c->runs);
        c->p50_sum = mwb_summarise(c->p50, c->runs);
        c->p99_sum = mwb_summarise(c->p99, c->runs);
        c->cpu_sum = mwb_summarise(c->cpu, c->runs);
    }
    print_tables();
    print_targets();
    return 0;
}

/*
 * bench_rmi.c - what remote method invocation costs on top of the request-reply protocol
 * it runs over: a call through a proxy that midl generated, dispatched by the object
 * adapter to a servant, against a hand-written request-reply call doing the same work,
 * measured in the same run (the target: the proxy adds under 5%).
 *
 *   null    nothing in, nothing out: Bench::ping() against an empty request and reply;
 *   person  Person {"Smith", "London", 1934} sent and returned: Bench::echo(p) against a
 *           call whose client encodes the Person with CDR and decodes the reply, and whose
 *           handler decodes it into an arena and encodes it back. The hand-written side is
 *           what a careful programmer would write without a stub compiler.
 *
 * Both sides use one server in this process (the adapter's, or a plain rr server with
 * the same options: one loop, two workers, the handler on a worker as the adapter's is),
 * one client endpoint and one arena reset per call, over UDP and TCP on loopback. The
 * whole process is pinned to one CPU (--cpu; the last one by default), so that both sides
 * meet the same thread switches and a busy machine disturbs them alike.
 *
 * Each case is calibrated to a loop of at least --min-ms milliseconds; the runs go round
 * the cases (run 1 of every case, then run 2...), so a burst of load from elsewhere lands
 * on several cases rather than one. The table gives each case's median over the runs with
 * the min and max; the overhead is the median of the per-run ratios rmi / rr - 1 (the two
 * cases of a run were measured moments apart), with their min and max.
 *
 *   bench_rmi [--runs N] [--min-ms MS] [--cpu N|-1] [--only SUBSTRING] [--list]
 *
 * Times on a busy machine wander; instruction counts do not. `bench_rmi --callgrind CASE
 * --iters N` makes N calls of one case without timing them, for valgrind's callgrind:
 * bench/rmi/callgrind.sh turns two such runs into instructions per call (client and
 * server threads together, user space), for every case.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <midway/rmi.h>

#include "bench.h"

#ifndef MWB_BUILD_TYPE
#define MWB_BUILD_TYPE ""
#endif

#define RUNS_DEFAULT 21 /* runs per case; the median of an odd count is a run */
#define MIN_MS_DEFAULT                                                                         \
    50 /* each run lasts at least this long once calibrated: short                             \
          runs, many of them, so that an rmi run and its rr run are                            \
          measured close together even on a busy machine */
#define MAX_RUNS 99
#define WORKERS 2      /* server worker threads, both sides */
#define TARGET_PCT 5.0 /* the target for what the proxy adds */

#define OP_NULL 1 /* the hand-written server's operations */
#define OP_ECHO 2

/* ------------------------------------------------------------------------------------ */
/* The two servers                                                                      */
/* ------------------------------------------------------------------------------------ */

static int rr_null(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    (void)req;
    (void)reply;
    return 0;
}

/* The hand-written echo: decode the Person into an arena, encode it back. The arena is
 * per call, as the adapter's is; a real handler could not share one between workers. */
static int rr_echo(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    mw_arena *a;
    if (mw_arena_create(&a, 0) != 0)
        return MW_ENOMEM;
    mw_person p;
    int rc = mw_cdr_decode(&mw_t_person, req->args, req->args_len, &p, a, NULL, NULL);
    if (rc == 0)
        rc = mw_cdr_encode(&mw_t_person, &p, reply, NULL, NULL);
    mw_arena_destroy(a);
    return rc;
}

static int bench_ping(void *self, mw_rmi_env *env)
{
    (void)self;
    (void)env;
    return 0;
}

static int bench_echo(void *self, const Person *p, Person *result, mw_rmi_env *env)
{
    (void)self;
    (void)env;
    *result = *p; /* its strings are in the call's arena already */
    return 0;
}

static const Bench_servant bench_servant = {.ping = bench_ping, .echo = bench_echo};

typedef struct servers {
    int transport;
    mw_rr_server *rr;    /* the hand-written side */
    mw_rmi_adapter *rmi; /* the generated side */
    mw_addr rr_addr;
    mw_objref ref; /* the Bench object */
    mw_arena *ref_arena;
} servers;

static int servers_start(servers *s, int transport)
{
    memset(s, 0, sizeof *s);
    s->transport = transport;
    mw_addr local;
    mw_addr_parse(&local, "127.0.0.1:0", 0);
    mw_rr_server_opts so = {.transport = transport, .workers = WORKERS};
    int rc = mw_rr_server_create(&s->rr, &local, &so);
    rc = rc ? rc : mw_rr_server_handle(s->rr, OP_NULL, "null", rr_null, NULL, 0);
    rc = rc ? rc : mw_rr_server_handle(s->rr, OP_ECHO, "echo", rr_echo, NULL, 0);
    rc = rc ? rc : mw_rr_server_start(s->rr);
    rc = rc ? rc : mw_rr_server_addr(s->rr, &s->rr_addr);
    mw_rmi_adapter_opts ao = {.rr = so};
    rc = rc ? rc : mw_rmi_adapter_create(&s->rmi, &local, &ao);
    rc = rc ? rc : mw_arena_create(&s->ref_arena, 0);
    rc = rc ? rc
            : mw_rmi_adapter_export(s->rmi, &Bench_skeleton, &bench_servant, NULL, 0, &s->ref,
                                    s->ref_arena);
    rc = rc ? rc : mw_rmi_adapter_start(s->rmi);
    return rc;
}

static void servers_stop(servers *s)
{
    mw_rr_server_destroy(s->rr);
    mw_rmi_adapter_destroy(s->rmi);
    mw_arena_destroy(s->ref_arena);
}

/* ------------------------------------------------------------------------------------ */
/* Cases                                                                                */
/* ------------------------------------------------------------------------------------ */

static char smith[] = "Smith", london[] = "London";
static const mw_person person = {.name = smith, .place = london, .year = 1934};
static const Person person_idl = {.name = smith, .place = london, .year = 1934};

typedef struct bcase {
    const char *name;  /* "udp.person.rmi" */
    const char *label; /* what the table shows */
    int transport;
    bool person; /* the Person echo (else null) */
    bool rmi;    /* through the generated proxy (else hand-written rr) */
    /* state */
    mw_rr_client *client;
    mw_rmi_proxy *proxy;
    mw_arena *arena;
    mw_buf req, rep;
    uint64_t iters;       /* calls per run, from calibration */
    double ns[MAX_RUNS];  /* wall-clock ns per call, per run */
    double cpu[MAX_RUNS]; /* CPU ns per call (client and server threads), per run */
    double median, min, max;
    double cpu_median;
    bool selected;
    int errors;
} bcase;

static bcase cases[] = {
    {.name = "udp.null.rr",
     .label = "UDP null, hand-written rr call",
     .transport = MW_RR_UDP,
     .person = false,
     .rmi = false},
    {.name = "udp.null.rmi",
     .label = "UDP null, generated proxy (Bench::ping)",
     .transport = MW_RR_UDP,
     .person = false,
     .rmi = true},
    {.name = "udp.person.rr",
     .label = "UDP Person echo, hand-written rr + CDR",
     .transport = MW_RR_UDP,
     .person = true,
     .rmi = false},
    {.name = "udp.person.rmi",
     .label = "UDP Person echo, generated proxy",
     .transport = MW_RR_UDP,
     .person = true,
     .rmi = true},
    {.name = "tcp.null.rr",
     .label = "TCP null, hand-written rr call",
     .transport = MW_RR_TCP,
     .person = false,
     .rmi = false},
    {.name = "tcp.null.rmi",
     .label = "TCP null, generated proxy (Bench::ping)",
     .transport = MW_RR_TCP,
     .person = false,
     .rmi = true},
    {.name = "tcp.person.rr",
     .label = "TCP Person echo, hand-written rr + CDR",
     .transport = MW_RR_TCP,
     .person = true,
     .rmi = false},
    {.name = "tcp.person.rmi",
     .label = "TCP Person echo, generated proxy",
     .transport = MW_RR_TCP,
     .person = true,
     .rmi = true},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* One call of the case; 0 when the reply was right. */
static int call_once(bcase *c)
{
    mw_arena_reset(c->arena);
    if (c->rmi) {
        if (!c->person)
            return Bench_ping(c->proxy, c->arena);
        Person r;
        int rc = Bench_echo(c->proxy, &person_idl, &r, c->arena);
        return rc ? rc : r.year == 1934 ? 0 : MW_EPROTO;
    }
    if (!c->person)
        return mw_rr_do_operation(c->client, NULL, OP_NULL, NULL, 0, NULL, NULL);
    mw_buf_reset(&c->req);
    int rc = mw_cdr_encode(&mw_t_person, &person, &c->req, NULL, NULL);
    rc = rc ? rc
            : mw_rr_do_operation(c->client, NULL, OP_ECHO, c->req.data, c->req.len, &c->rep,
                                 NULL);
    mw_person r;
    rc = rc ? rc
            : mw_cdr_decode(&mw_t_person, c->rep.data, c->rep.len, &r, c->arena, NULL, NULL);
    return rc ? rc : r.year == 1934 ? 0 : MW_EPROTO;
}

static int case_open(bcase *c, const servers *s)
{
    int rc = mw_arena_create(&c->arena, 0);
    mw_rr_client_opts co = {.transport = c->transport};
    if (rc == 0 && c->rmi) {
        mw_rmi_proxy_opts po = {.rr = co};
        rc = mw_rmi_proxy_open(&c->proxy, &s->ref, &po);
    } else if (rc == 0) {
        rc = mw_rr_client_open(&c->client, &s->rr_addr, &co);
    }
    /* the first call checks the reply and warms connections and caches */
    for (int i = 0; rc == 0 && i < 200; i++)
        rc = call_once(c);
    return rc;
}

static void case_close(bcase *c)
{
    mw_rmi_proxy_close(c->proxy);
    mw_rr_client_close(c->client);
    mw_arena_destroy(c->arena);
    mw_buf_free(&c->req);
    mw_buf_free(&c->rep);
}

/* CPU time of the whole process (this client and the servers' threads), ns. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wall-clock ns per call over iters calls; *cpu (if not NULL) the CPU ns per call. */
static double time_calls(bcase *c, uint64_t iters, double *cpu)
{
    uint64_t c0 = cpu_ns(), t0 = mw_now_ns();
    for (uint64_t i = 0; i < iters; i++)
        if (call_once(c) != 0)
            c->errors++;
    uint64_t t1 = mw_now_ns(), c1 = cpu_ns();
    if (cpu)
        *cpu = (double)(c1 - c0) / (double)iters;
    return (double)(t1 - t0) / (double)iters;
}

static void calibrate(bcase *c, unsigned min_ms)
{
    uint64_t n = 64;
    for (;;) {
        double ns = time_calls(c, n, NULL);
        if (ns * (double)n >= min_ms * 1e6 || n > (1u << 30)) {
            c->iters = n;
            return;
        }
        double want = min_ms * 1e6 / (ns > 1 ? ns : 1) * 1.1;
        n = want > (double)(n * 8) ? n * 8 : (uint64_t)want + 1;
    }
}

/* ------------------------------------------------------------------------------------ */
/* Statistics and output                                                                */
/* ------------------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void summarise(const double *v, int n, double *med, double *lo, double *hi)
{
    double s[MAX_RUNS];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    *med = s[n / 2];
    *lo = s[0];
    *hi = s[n - 1];
}

static bcase *find_case(const char *name)
{
    for (size_t i = 0; i < N_CASES; i++)
        if (!strcmp(cases[i].name, name))
            return &cases[i];
    return NULL;
}

static void print_machine(int runs, unsigned min_ms, long cpu)
{
    char model[128] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                snprintf(model, sizeof model, "%s", strchr(line, ':') + 2);
                model[strcspn(model, "\n")] = '\0';
                break;
            }
        fclose(f);
    }
    double load[3] = {0, 0, 0};
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = load[1] = load[2] = 0;
        fclose(f);
    }
    printf("machine: %s, %ld CPUs online, load average %.2f %.2f %.2f\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
    printf(
        "build: %s%s; %d runs per case, each a loop of at least %u ms; median (min .. max)\n",
        MWB_BUILD_TYPE[0] ? MWB_BUILD_TYPE : "no CMAKE_BUILD_TYPE",
#ifdef __OPTIMIZE__
        "",
#else
        " (WARNING: built without optimisation; use make bench)",
#endif
        runs, min_ms);
    printf("server: one loop, %d workers, in this process; one client, calls back to back; ",
           WORKERS);
    if (cpu >= 0)
        printf("all pinned to CPU %ld\n", cpu);
    else
        printf("not pinned\n");
}

/* The median, min and max over the runs of 100 * (rmi / rr - 1) of one measure. */
static void overhead(const double *rmi, const double *rr, int runs, double *med, double *lo,
                     double *hi)
{
    double pct[MAX_RUNS];
    for (int r = 0; r < runs; r++)
        pct[r] = 100.0 * (rmi[r] / rr[r] - 1.0);
    summarise(pct, runs, med, lo, hi);
}

static void print_tables(int runs)
{
    printf(
        "\nCalls over loopback: wall-clock microseconds per call, median (min .. max) of the\n"
        "runs; CPU microseconds per call (client and server threads together), median\n");
    printf("  %-44s %9s %21s %8s\n", "", "wall", "(min .. max)", "CPU");
    for (size_t i = 0; i < N_CASES; i++) {
        const bcase *c = &cases[i];
        if (!c->selected)
            continue;
        printf("  %-44s %9.2f   (%7.2f .. %7.2f) %8.2f%s\n", c->label, c->median / 1000,
               c->min / 1000, c->max / 1000, c->cpu_median / 1000,
               c->errors ? "  WRONG REPLIES" : "");
    }
    printf(
        "\nWhat the generated proxy and the adapter add to the hand-written call: the\n"
        "median of the per-run rmi / rr - 1 (min .. max); target: under %.0f%% of the call\n",
        TARGET_PCT);
    printf("  %-12s %10s %21s %10s %21s\n", "", "wall", "(min .. max)", "CPU", "(min .. max)");
    for (size_t i = 0; i < N_CASES; i++) {
        const bcase *rmi = &cases[i];
        if (!rmi->rmi || !rmi->selected)
            continue;
        char base[32], rr_name[40];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(rmi->name) - 4), rmi->name);
        snprintf(rr_name, sizeof rr_name, "%.31s.rr", base);
        const bcase *rr = find_case(rr_name);
        if (!rr || !rr->selected)
            continue;
        double w, wlo, whi, c, clo, chi;
        overhead(rmi->ns, rr->ns, runs, &w, &wlo, &whi);
        overhead(rmi->cpu, rr->cpu, runs, &c, &clo, &chi);
        printf(
            "  %-12s %+9.1f%%   (%+7.1f%% .. %+7.1f%%) %+9.1f%%   (%+7.1f%% .. %+7.1f%%)  %s\n",
            base, w, wlo, whi, c, clo, chi, w < TARGET_PCT ? "meets" : "OVER");
    }
    printf("  (a busy machine shows in the min .. max; the CPU measure is the steadier one)\n");
}

/* ------------------------------------------------------------------------------------ */
/* Main                                                                                 */
/* ------------------------------------------------------------------------------------ */

static int parse_num(const char *opt, const char *text, long min, long max, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < min || v > max) {
        fprintf(stderr, "bench_rmi: %s needs a number from %ld to %ld\n", opt, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    long runs = RUNS_DEFAULT, min_ms = MIN_MS_DEFAULT, iters = 0;
    long cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
    const char *only = NULL, *cg_case = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--list")) {
            for (size_t k = 0; k < N_CASES; k++)
                printf("%s\n", cases[k].name);
            return 0;
        } else if (!strcmp(a, "--runs") && i + 1 < argc) {
            if (parse_num(a, argv[++i], 1, MAX_RUNS, &runs))
                return 2;
        } else if (!strcmp(a, "--min-ms") && i + 1 < argc) {
            if (parse_num(a, argv[++i], 1, 60000, &min_ms))
                return 2;
        } else if (!strcmp(a, "--only") && i + 1 < argc) {
            only = argv[++i];
        } else if (!strcmp(a, "--cpu") && i + 1 < argc) {
            if (parse_num(a, argv[++i], -1, 1023, &cpu))
                return 2;
        } else if (!strcmp(a, "--callgrind") && i + 1 < argc) {
            cg_case = argv[++i];
        } else if (!strcmp(a, "--iters") && i + 1 < argc) {
            if (parse_num(a, argv[++i], 1, 100000000, &iters))
                return 2;
        } else {
            fprintf(stderr, "usage: bench_rmi [--runs N] [--min-ms MS] [--cpu N|-1] "
                            "[--only SUBSTRING] [--list]\n");
            return !strcmp(a, "--help") ? 0 : 2;
        }
    }
    if (cg_case && !find_case(cg_case)) {
        fprintf(stderr, "bench_rmi: no case '%s' (see --list)\n", cg_case);
        return 2;
    }
    if (cg_case) {
        cpu = -1; /* callgrind runs one thread at a time anyway */
    } else if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((int)cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            fprintf(stderr, "bench_rmi: cannot pin to CPU %ld; not pinned\n", cpu);
            cpu = -1;
        }
    }
    if (!cg_case)
        print_machine((int)runs, (unsigned)min_ms, cpu);

    servers udp, tcp;
    int rc = servers_start(&udp, MW_RR_UDP);
    rc = rc ? rc : servers_start(&tcp, MW_RR_TCP);
    if (rc) {
        fprintf(stderr, "bench_rmi: starting the servers: %s\n", mw_strerror(rc));
        return 1;
    }
    int status = 0;
    if (cg_case) {
        bcase *c = find_case(cg_case);
        if ((rc = case_open(c, c->transport == MW_RR_UDP ? &udp : &tcp)) == 0) {
            (void)time_calls(c, (uint64_t)(iters ? iters : 1000), NULL);
            case_close(c);
        }
        servers_stop(&udp);
        servers_stop(&tcp);
        if (rc || c->errors)
            fprintf(stderr, "bench_rmi: %s: %s\n", c->name,
                    rc ? mw_strerror(rc) : "wrong replies");
        return rc || c->errors;
    }
    for (size_t i = 0; i < N_CASES; i++) {
        bcase *c = &cases[i];
        c->selected = !only || strstr(c->name, only);
        if (!c->selected)
            continue;
        if ((rc = case_open(c, c->transport == MW_RR_UDP ? &udp : &tcp)) != 0) {
            fprintf(stderr, "bench_rmi: %s: %s\n", c->name, mw_strerror(rc));
            c->selected = false;
            status = 1;
            continue;
        }
        calibrate(c, (unsigned)min_ms);
    }
    for (int r = 0; r < runs; r++)
        for (size_t i = 0; i < N_CASES; i++)
            if (cases[i].selected)
                cases[i].ns[r] = time_calls(&cases[i], cases[i].iters, &cases[i].cpu[r]);
    for (size_t i = 0; i < N_CASES; i++) {
        bcase *c = &cases[i];
        if (c->selected) {
            summarise(c->ns, (int)runs, &c->median, &c->min, &c->max);
            double lo, hi;
            summarise(c->cpu, (int)runs, &c->cpu_median, &lo, &hi);
            if (c->errors)
                status = 1;
        }
    }
    print_tables((int)runs);
    for (size_t i = 0; i < N_CASES; i++)
        if (cases[i].selected)
            case_close(&cases[i]);
    servers_stop(&udp);
    servers_stop(&tcp);
    return status;
}

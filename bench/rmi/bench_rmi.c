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
 *   bench_rmi [--runs N] [--min-ms MS] [--cpu N|-1] [--only SUBSTRING] [--inline] [--list]
 *
 * --inline runs the handlers of both sides on the loop thread instead (MW_RR_INLINE, and
 * the adapter's MW_RMI_INLINE): what a short servant costs without the thread switches.
 *
 * Times on a busy machine wander; instruction counts do not. `bench_rmi --callgrind CASE
 * --iters N` makes N calls of one case without timing them, for valgrind's callgrind:
 * bench/rmi/callgrind.sh turns two such runs into instructions per call (client and
 * server threads together, user space), for every case.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <midway/rmi.h>

#include "bench.h"
#include "bench_common.h"

#define PROG "bench_rmi" /* in messages */

/* Each run lasts at least MIN_MS_DEFAULT ms once calibrated: short runs, many of them, so that
 * an rmi run and its rr run are measured close together even on a busy machine. */
#define MIN_MS_DEFAULT 50
#define RUNS_DEFAULT 21 /* runs per case; the median of an odd count is a run */
#define WORKERS 2       /* server worker threads, both sides */

static bool g_inline; /* --inline: handlers on the loop thread, both sides */
#define TARGET_PCT 5.0  /* the target for what the proxy adds */

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
    int hflags = g_inline ? MW_RR_INLINE : 0;
    rc = rc ? rc : mw_rr_server_handle(s->rr, OP_NULL, "null", rr_null, NULL, hflags);
    rc = rc ? rc : mw_rr_server_handle(s->rr, OP_ECHO, "echo", rr_echo, NULL, hflags);
    rc = rc ? rc : mw_rr_server_start(s->rr);
    rc = rc ? rc : mw_rr_server_addr(s->rr, &s->rr_addr);
    mw_rmi_adapter_opts ao = {.rr = so, .flags = g_inline ? MW_RMI_INLINE : 0};
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
    uint64_t iters;             /* calls per run, from calibration */
    double ns[MWB_MAX_RUNS];    /* wall-clock ns per call, per run */
    double cpu[MWB_MAX_RUNS];   /* CPU ns per call (client and server threads), per run */
    mwb_summary wall, cpu_time; /* of ns and of cpu */
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

/* n calls of the case, as the timing loop runs them; a wrong reply is counted, not fatal. */
static int calls_loop(void *ctx, uint64_t n)
{
    bcase *c = ctx;
    for (uint64_t i = 0; i < n; i++)
        if (call_once(c) != 0)
            c->errors++;
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Statistics and output                                                                */
/* ------------------------------------------------------------------------------------ */

static bcase *find_case(const char *name)
{
    for (size_t i = 0; i < N_CASES; i++)
        if (!strcmp(cases[i].name, name))
            return &cases[i];
    return NULL;
}

static void print_machine(int runs, unsigned min_ms, long cpu)
{
    mwb_print_header("%d runs per case, each a loop of at least %u ms; median (min .. max)\n",
                     runs, min_ms);
    printf("server: one loop, %d workers, handlers %s, in this process; one client, calls back "
           "to back; ",
           WORKERS, g_inline ? "on the loop thread (--inline)" : "on a worker");
    if (cpu >= 0)
        printf("all pinned to CPU %ld\n", cpu);
    else
        printf("not pinned\n");
}

/* The median, min and max over the runs of 100 * (rmi / rr - 1) of one measure. */
static mwb_summary overhead(const double *rmi, const double *rr, int runs)
{
    mwb_summary r = mwb_ratio(rmi, rr, runs);
    mwb_summary pct = {100.0 * (r.median - 1.0), 100.0 * (r.min - 1.0), 100.0 * (r.max - 1.0)};
    return pct;
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
        printf("  %-44s %9.2f   (%7.2f .. %7.2f) %8.2f%s\n", c->label, c->wall.median / 1000,
               c->wall.min / 1000, c->wall.max / 1000, c->cpu_time.median / 1000,
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
        mwb_summary w = overhead(rmi->ns, rr->ns, runs), c = overhead(rmi->cpu, rr->cpu, runs);
        printf(
            "  %-12s %+9.1f%%   (%+7.1f%% .. %+7.1f%%) %+9.1f%%   (%+7.1f%% .. %+7.1f%%)  %s\n",
            base, w.median, w.min, w.max, c.median, c.min, c.max,
            w.median < TARGET_PCT ? "meets" : "OVER");
    }
    printf("  (a busy machine shows in the min .. max; the CPU measure is the steadier one)\n");
}

/* ------------------------------------------------------------------------------------ */
/* Main                                                                                 */
/* ------------------------------------------------------------------------------------ */

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
            runs = mwb_parse_long(PROG, a, argv[++i], 1, MWB_MAX_RUNS);
        } else if (!strcmp(a, "--min-ms") && i + 1 < argc) {
            min_ms = mwb_parse_long(PROG, a, argv[++i], 1, 60000);
        } else if (!strcmp(a, "--inline")) {
            g_inline = true;
        } else if (!strcmp(a, "--only") && i + 1 < argc) {
            only = argv[++i];
        } else if (!strcmp(a, "--cpu") && i + 1 < argc) {
            cpu = mwb_parse_long(PROG, a, argv[++i], -1, 1023);
        } else if (!strcmp(a, "--callgrind") && i + 1 < argc) {
            cg_case = argv[++i];
        } else if (!strcmp(a, "--iters") && i + 1 < argc) {
            iters = mwb_parse_long(PROG, a, argv[++i], 1, 100000000);
        } else {
            fprintf(stderr, "usage: bench_rmi [--runs N] [--min-ms MS] [--cpu N|-1] "
                            "[--only SUBSTRING] [--inline] [--list]\n");
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
        if (mwb_pin_cpu((int)cpu) != 0) {
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
            (void)calls_loop(c, (uint64_t)(iters ? iters : 1000));
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
        (void)mwb_calibrate(calls_loop, c, (unsigned)min_ms, &c->iters);
    }
    for (int r = 0; r < runs; r++)
        for (size_t i = 0; i < N_CASES; i++)
            if (cases[i].selected)
                (void)mwb_time_loop(calls_loop, &cases[i], cases[i].iters, &cases[i].ns[r],
                                    &cases[i].cpu[r]);
    for (size_t i = 0; i < N_CASES; i++) {
        bcase *c = &cases[i];
        if (c->selected) {
            c->wall = mwb_summarise(c->ns, (int)runs);
            c->cpu_time = mwb_summarise(c->cpu, (int)runs);
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

/*
 * cmd_rr.c - `midway rr`: the request-reply protocol (include/midway/rr.h) from the shell.
 *
 *   serve   a demo server with four operations: null, echo, increment (a counter: the
 *           non-idempotent operation that shows at-most-once at work) and stats;
 *   ping    many calls from one or more clients, with calls/s and latency percentiles;
 *   call    one call, its result printed.
 *
 * The demo operations' arguments and results are text, so that `call` can show them as
 * they are: echo returns its argument; increment takes a decimal delta (none: 1) and
 * returns the counter's new value in decimal; stats returns a JSON object.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <midway/rr.h>

#include "cli.h"

#define RR_DEFAULT_PORT 7899    /* the demo server's port when --port is not given */
#define RR_DEFAULT_CALLS 1000   /* ping -n */
#define RR_MAX_CALLS 10000000   /* ping keeps every call's time: 80 MB at most */
#define RR_MAX_CLIENTS 256      /* ping -c */
#define RR_MAX_SIZE (16u << 20) /* ping --size: MW_RR_DEFAULT_MAX_MESSAGE */
#define RR_MAX_DELTA_TEXT 24    /* "-9223372036854775808" and a NUL fit */

/* The demo server's operations: operationIds and names, in the order stats lists them. */
#define RR_OP_NULL 1
#define RR_OP_ECHO 2
#define RR_OP_INCREMENT 3
#define RR_OP_STATS 4

static const struct {
    uint32_t id;
    const char *name;
} rr_ops[] = {
    {RR_OP_NULL, "null"},
    {RR_OP_ECHO, "echo"},
    {RR_OP_INCREMENT, "increment"},
    {RR_OP_STATS, "stats"},
};
#define RR_NOPS (sizeof rr_ops / sizeof rr_ops[0])

/* Long options shared by the client verbs. */
enum {
    OPT_UDP = 256,
    OPT_TCP,
    OPT_PROTOCOL,
    OPT_SEMANTICS,
    OPT_TIMEOUT,
    OPT_RETRIES,
    OPT_SPIN,
    OPT_JSON,
    OPT_SIZE,
    OPT_OP,
    OPT_PORT,
    OPT_BIND,
    OPT_LOOPS,
    OPT_DROP,
    OPT_DUPLICATE,
    OPT_REORDER,
    OPT_SEED,
};

static const char *const protocol_names[] = {NULL, "r", "rr", "rra"};
static const char *const semantics_names[] = {NULL, "maybe", "at-least-once", "at-most-once"};

static int parse_choice(const char *opt, const char *text, const char *const *names, int n,
                        int *out)
{
    for (int i = 1; i < n; i++)
        if (!strcmp(text, names[i])) {
            *out = i;
            return CLI_EXIT_OK;
        }
    cli_errorf("%s: unknown value '%s'", opt, text);
    return CLI_EXIT_USAGE;
}

/* An operation by name, or by number for operations the demo server does not have. */
static int parse_op(const char *text, uint32_t *out, bool numbers)
{
    for (size_t i = 0; i < RR_NOPS; i++)
        if (!strcmp(text, rr_ops[i].name)) {
            *out = rr_ops[i].id;
            return CLI_EXIT_OK;
        }
    char *end;
    unsigned long v = numbers && text[0] >= '0' && text[0] <= '9' ? strtoul(text, &end, 10) : 0;
    if (numbers && text[0] >= '0' && text[0] <= '9' && *end == '\0' && v <= UINT32_MAX) {
        *out = (uint32_t)v;
        return CLI_EXIT_OK;
    }
    cli_errorf("unknown operation '%s' (null, echo, increment, stats%s)", text,
               numbers ? " or a number" : "");
    return CLI_EXIT_USAGE;
}

static const char *op_name(uint32_t op)
{
    for (size_t i = 0; i < RR_NOPS; i++)
        if (rr_ops[i].id == op)
            return rr_ops[i].name;
    return "other";
}

/* ------------------------------------------------------------------------------------ */
/* rr serve                                                                             */
/* ------------------------------------------------------------------------------------ */

typedef struct demo {
    mw_rr_server *server;
    atomic_llong counter; /* increment's counter */
} demo;

static int op_null(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    return 0;
}

static int op_echo(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    return mw_buf_append(reply, req->args, req->args_len);
}

/* Parses a decimal int64 from args[0..n); empty means 1. */
static int parse_delta(const uint8_t *args, size_t n, long long *out)
{
    if (n == 0) {
        *out = 1;
        return 0;
    }
    char text[RR_MAX_DELTA_TEXT];
    if (n >= sizeof text)
        return MW_EINVAL;
    memcpy(text, args, n);
    text[n] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return MW_EINVAL;
    *out = v;
    return 0;
}

static int op_increment(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    demo *d = ctx;
    long long delta;
    if (parse_delta(req->args, req->args_len, &delta) != 0)
        return MW_EINVAL;
    long long now = atomic_fetch_add(&d->counter, delta) + delta;
    return mw_buf_printf(reply, "%lld", now);
}

/* Appends the server's statistics as one JSON object: each operation's executions under
 * its name, then the protocol's counters. */
static int stats_json(demo *d, mw_buf *out)
{
    mw_rr_server_stats st;
    mw_rr_server_stats_get(d->server, &st);
    int e = mw_buf_append_str(out, "{");
    mw_rr_op_stats os;
    for (size_t i = 0; e == 0 && mw_rr_server_op_stats(d->server, i, &os) == 0; i++)
        e = mw_buf_printf(out, "\"%s\":%" PRIu64 ",", os.name, os.executions);
    if (e == 0)
        e = mw_buf_printf(out,
                          "\"counter\":%lld,\"requests\":%" PRIu64 ",\"executions\":%" PRIu64
                          ",\"retransmissions\":%" PRIu64 ",\"duplicates_filtered\":%" PRIu64
                          ",\"replies_resent\":%" PRIu64 ",\"acks\":%" PRIu64
                          ",\"unknown_ops\":%" PRIu64 ",\"malformed\":%" PRIu64
                          ",\"history_entries\":%" PRIu64 ",\"history_bytes\":%" PRIu64
                          ",\"history_evicted\":%" PRIu64 ",\"history_expired\":%" PRIu64
                          ",\"clients\":%" PRIu64 "}",
                          (long long)atomic_load(&d->counter), st.requests, st.executions,
                          st.retransmissions, st.duplicates, st.replies_resent, st.acks,
                          st.unknown_ops, st.malformed, st.history_entries, st.history_bytes,
                          st.history_evicted, st.history_expired, st.clients);
    return e;
}

static int op_stats(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    return stats_json(ctx, reply);
}

/* What serve prints when it is stopped: the statistics, for people. */
static void print_final_stats(demo *d)
{
    mw_rr_server_stats st;
    mw_rr_server_stats_get(d->server, &st);
    mw_buf line;
    mw_buf_init(&line);
    mw_buf_append_str(&line, "executions:");
    mw_rr_op_stats os;
    for (size_t i = 0; mw_rr_server_op_stats(d->server, i, &os) == 0; i++)
        mw_buf_printf(&line, "%s %s %" PRIu64, i ? "," : "", os.name, os.executions);
    cli_emit(&line);
    printf("counter: %lld\n", (long long)atomic_load(&d->counter));
    printf("requests: %" PRIu64 "\n", st.requests);
    printf("retransmissions: %" PRIu64 "\n", st.retransmissions);
    printf("duplicates filtered: %" PRIu64 "\n", st.duplicates);
    printf("replies resent: %" PRIu64 "\n", st.replies_resent);
    printf("acknowledgements: %" PRIu64 "\n", st.acks);
    printf("history size: %" PRIu64 " entries, %" PRIu64 " bytes\n", st.history_entries,
           st.history_bytes);
    fflush(stdout);
    mw_buf_free(&line);
}

/* What cli_open_server needs to create the server. */
typedef struct server_ctx {
    mw_rr_server **out;
    const mw_rr_server_opts *opts;
} server_ctx;

static int open_server(void *ctx, const mw_addr *local)
{
    const server_ctx *c = ctx;
    return mw_rr_server_create(c->out, local, c->opts);
}

static int rr_serve(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"udp", no_argument, NULL, OPT_UDP},
        {"tcp", no_argument, NULL, OPT_TCP},
        {"port", required_argument, NULL, OPT_PORT},
        {"bind", required_argument, NULL, OPT_BIND},
        {"loops", required_argument, NULL, OPT_LOOPS},
        {"spin", required_argument, NULL, OPT_SPIN},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    uint16_t port = RR_DEFAULT_PORT;
    const char *bind_text = NULL;
    mw_rr_server_opts so = {.transport = MW_RR_UDP};
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        switch (c) {
        case OPT_UDP:
            so.transport = MW_RR_UDP;
            break;
        case OPT_TCP:
            so.transport = MW_RR_TCP;
            break;
        case OPT_PORT:
            rc = cli_parse_port("--port", optarg, &port);
            break;
        case OPT_BIND:
            bind_text = optarg;
            break;
        case OPT_LOOPS:
            rc = cli_parse_int("--loops", optarg, 1, 64, &so.loops);
            break;
        case OPT_SPIN: {
            int us = 0;
            rc = cli_parse_int("--spin", optarg, 0, 1000000, &us);
            so.spin_us = (uint32_t)us;
            break;
        }
        default:
            return rc;
        }
        if (rc)
            return rc;
    }
    if ((rc = cli_operands(v, argc, argv, 0, "no arguments")) != 0)
        return rc;

    /* SIGTERM and SIGINT are taken by cli_wait_stop below: block them before the server
     * starts its threads, which inherit the mask. */
    sigset_t stop;
    cli_block_stop_signals(&stop);

    demo d = {0};
    atomic_init(&d.counter, 0);
    server_ctx sc = {&d.server, &so};
    if ((rc = cli_open_server(bind_text, port, "bind", open_server, &sc)) != 0)
        return rc;
    int e = 0;
    /* The short handlers run on the loop thread; stats, which reads every counter, on
     * the worker pool. */
    e = e ? e : mw_rr_server_handle(d.server, RR_OP_NULL, "null", op_null, &d, MW_RR_INLINE);
    e = e ? e : mw_rr_server_handle(d.server, RR_OP_ECHO, "echo", op_echo, &d, MW_RR_INLINE);
    e = e ? e
          : mw_rr_server_handle(d.server, RR_OP_INCREMENT, "increment", op_increment, &d,
                                MW_RR_INLINE);
    e = e ? e : mw_rr_server_handle(d.server, RR_OP_STATS, "stats", op_stats, &d, 0);
    e = e ? e : mw_rr_server_start(d.server);
    mw_addr local;
    e = e ? e : mw_rr_server_addr(d.server, &local);
    if (e) {
        mw_rr_server_destroy(d.server);
        return cli_fail(e, "start");
    }
    cli_print_listening(&local);
    printf("transport %s; operations: 1 null, 2 echo, 3 increment, 4 stats\n",
           so.transport == MW_RR_TCP ? "TCP" : "UDP");
    fflush(stdout);

    cli_wait_stop(&stop);
    print_final_stats(&d);
    mw_rr_server_destroy(d.server);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Client options (ping and call)                                                       */
/* ------------------------------------------------------------------------------------ */

typedef struct client_cfg {
    mw_addr server;
    char server_text[MW_ADDR_STRLEN];
    mw_rr_client_opts co;
    mw_rr_fault fault; /* --drop, --duplicate, --reorder, --seed */
    bool faulty;       /* one of them was given */
} client_cfg;

/* Parses a probability in [0, 1]. */
static int parse_probability(const char *opt, const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v >= 0 && v <= 1)) {
        cli_errorf("%s: '%s' is not a probability from 0 to 1", opt, text);
        return CLI_EXIT_USAGE;
    }
    *out = v;
    return CLI_EXIT_OK;
}

/* Handles an option shared by the client verbs; false when c is not one of them. */
static bool client_option(int c, client_cfg *cfg, int *rc)
{
    switch (c) {
    case OPT_UDP:
        cfg->co.transport = MW_RR_UDP;
        return true;
    case OPT_TCP:
        cfg->co.transport = MW_RR_TCP;
        return true;
    case OPT_PROTOCOL:
        *rc = parse_choice("--protocol", optarg, protocol_names, 4, &cfg->co.protocol);
        return true;
    case OPT_SEMANTICS:
        *rc = parse_choice("--semantics", optarg, semantics_names, 4, &cfg->co.semantics);
        return true;
    case OPT_TIMEOUT:
        *rc = cli_parse_int("--timeout", optarg, 1, 3600000, &cfg->co.timeout_ms);
        return true;
    case OPT_RETRIES:
        /* 0 in mw_rr_client_opts means the library's default and a negative count means
         * none, so --retries 0 is passed on as -1. */
        *rc = cli_parse_int("--retries", optarg, 0, 1000, &cfg->co.retries);
        if (*rc == CLI_EXIT_OK && cfg->co.retries == 0)
            cfg->co.retries = -1;
        return true;
    case OPT_SPIN: {
        int us = 0;
        *rc = cli_parse_int("--spin", optarg, 0, 1000000, &us);
        cfg->co.spin_us = (uint32_t)us;
        return true;
    }
    case OPT_DROP:
        cfg->faulty = true;
        *rc = parse_probability("--drop", optarg, &cfg->fault.drop);
        return true;
    case OPT_DUPLICATE:
        cfg->faulty = true;
        *rc = parse_probability("--duplicate", optarg, &cfg->fault.duplicate);
        return true;
    case OPT_REORDER:
        cfg->faulty = true;
        *rc = parse_probability("--reorder", optarg, &cfg->fault.reorder);
        return true;
    case OPT_SEED: {
        int seed = 0;
        cfg->faulty = true;
        *rc = cli_parse_int("--seed", optarg, 0, 0x7fffffff, &seed);
        cfg->fault.seed = (uint64_t)seed;
        return true;
    }
    default:
        return false;
    }
}

/* Fills in the defaults and resolves HOST:PORT. */
static int client_setup(client_cfg *cfg, const char *target)
{
    int rc = cli_resolve(target, -1, 0, &cfg->server);
    if (rc)
        return rc;
    if (cfg->server.port == 0) {
        cli_errorf("%s: cannot call port 0", target);
        return CLI_EXIT_USAGE;
    }
    cli_format_addr(&cfg->server, cfg->server_text);
    if (!cfg->co.transport)
        cfg->co.transport = MW_RR_UDP;
    if (cfg->faulty && cfg->co.transport != MW_RR_UDP) {
        cli_errorf("--drop, --duplicate, --reorder and --seed are for UDP only");
        return CLI_EXIT_USAGE;
    }
    if (cfg->faulty)
        cfg->co.fault = &cfg->fault; /* copied by mw_rr_client_open */
    if (!cfg->co.protocol)
        cfg->co.protocol = MW_RR_RR;
    if (!cfg->co.semantics)
        cfg->co.semantics = MW_RR_AT_MOST_ONCE;
    if (!cfg->co.timeout_ms)
        cfg->co.timeout_ms = MW_RR_DEFAULT_TIMEOUT_MS;
    if (!cfg->co.retries)
        cfg->co.retries = MW_RR_DEFAULT_RETRIES;
    return CLI_EXIT_OK;
}

static const char *transport_name(const client_cfg *cfg)
{
    return cfg->co.transport == MW_RR_TCP ? "tcp" : "udp";
}

/* The message for a failed call: what failed, and for a timeout how long it waited. */
static int call_failed(const client_cfg *cfg, int e, const char *what)
{
    char detail[MW_ADDR_STRLEN + 96];
    if (e == MW_ETIMEDOUT && cfg->co.semantics != MW_RR_MAYBE)
        snprintf(detail, sizeof detail, "%s: no reply from %s after %d attempts of %d ms", what,
                 cfg->server_text, (cfg->co.retries < 0 ? 0 : cfg->co.retries) + 1,
                 cfg->co.timeout_ms);
    else if (e == MW_ETIMEDOUT)
        snprintf(detail, sizeof detail, "%s: no reply from %s within %d ms", what,
                 cfg->server_text, cfg->co.timeout_ms);
    else
        snprintf(detail, sizeof detail, "%s (%s)", what, cfg->server_text);
    return cli_fail(e, detail);
}

/* ------------------------------------------------------------------------------------ */
/* rr ping                                                                              */
/* ------------------------------------------------------------------------------------ */

typedef struct pinger {
    const client_cfg *cfg;
    mw_rr_client *client;
    uint32_t op;
    const uint8_t *args; /* the request's arguments (echo checks they come back) */
    size_t args_len;
    uint64_t *ns; /* each successful call's time, in ns */
    size_t calls, ok, errors;
    int first_error;
    mw_rr_client_stats st;
} pinger;

static void ping_thread(void *arg)
{
    pinger *p = arg;
    mw_buf reply;
    mw_buf_init(&reply);
    for (size_t i = 0; i < p->calls; i++) {
        uint64_t t0 = mw_now_ns();
        int e = mw_rr_do_operation(p->client, NULL, p->op, p->args, p->args_len, &reply, NULL);
        uint64_t t1 = mw_now_ns();
        /* An echo must come back as sent (protocol R has no reply to check). */
        if (e == 0 && p->op == RR_OP_ECHO && p->cfg->co.protocol != MW_RR_R &&
            (reply.len != p->args_len ||
             (reply.len && memcmp(reply.data, p->args, reply.len) != 0)))
            e = MW_EPROTO;
        if (e) {
            if (!p->errors)
                p->first_error = e;
            p->errors++;
            continue;
        }
        p->ns[p->ok++] = t1 - t0;
    }
    mw_buf_free(&reply);
    mw_rr_client_stats_get(p->client, &p->st);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted[0..n), in microseconds (nearest rank). */
static double quantile_us(const uint64_t *sorted, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)(q * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)sorted[rank - 1] / 1000.0;
}

static int rr_ping_args(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},
        {"clients", required_argument, NULL, 'c'},
        {"udp", no_argument, NULL, OPT_UDP},
        {"tcp", no_argument, NULL, OPT_TCP},
        {"size", required_argument, NULL, OPT_SIZE},
        {"protocol", required_argument, NULL, OPT_PROTOCOL},
        {"semantics", required_argument, NULL, OPT_SEMANTICS},
        {"op", required_argument, NULL, OPT_OP},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"retries", required_argument, NULL, OPT_RETRIES},
        {"spin", required_argument, NULL, OPT_SPIN},
        {"drop", required_argument, NULL, OPT_DROP},
        {"duplicate", required_argument, NULL, OPT_DUPLICATE},
        {"reorder", required_argument, NULL, OPT_REORDER},
        {"seed", required_argument, NULL, OPT_SEED},
        {"json", no_argument, NULL, OPT_JSON},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    client_cfg cfg = {0};
    int count = RR_DEFAULT_CALLS, clients = 1, size = 0;
    bool json = false, size_given = false;
    uint32_t op = RR_OP_NULL;
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        if (client_option(c, &cfg, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        switch (c) {
        case 'n':
            rc = cli_parse_int("-n", optarg, 1, RR_MAX_CALLS, &count);
            break;
        case 'c':
            rc = cli_parse_int("-c", optarg, 1, RR_MAX_CLIENTS, &clients);
            break;
        case OPT_SIZE:
            rc = cli_parse_int("--size", optarg, 0, (long)RR_MAX_SIZE, &size);
            size_given = true;
            break;
        case OPT_OP:
            rc = parse_op(optarg, &op, false);
            break;
        case OPT_JSON:
            json = true;
            break;
        default:
            return rc;
        }
        if (rc)
            return rc;
    }
    if ((rc = cli_operands(v, argc, argv, 1, "HOST:PORT")) != 0)
        return rc;
    if (op == RR_OP_STATS) {
        cli_errorf("--op: stats is not for pinging (use 'midway rr call HOST:PORT stats')");
        return CLI_EXIT_USAGE;
    }
    if (op == RR_OP_INCREMENT && size_given) {
        cli_errorf("--size: increment takes no payload (it adds 1 per call)");
        return CLI_EXIT_USAGE;
    }
    if ((rc = client_setup(&cfg, argv[optind])) != 0)
        return rc;
    if (clients > count)
        clients = count;

    uint8_t *args = NULL;
    uint64_t *ns = malloc(sizeof *ns * (size_t)count);
    pinger *ps = calloc((size_t)clients, sizeof *ps);
    mw_thread **ts = calloc((size_t)clients, sizeof *ts);
    if (size && (args = malloc((size_t)size)))
        for (int i = 0; i < size; i++)
            args[i] = (uint8_t)('a' + i % 26);
    if (!ns || !ps || !ts || (size && !args)) {
        rc = cli_fail(MW_ENOMEM, NULL);
        goto out;
    }
    /* Each client gets its own socket (or connection) and its share of the calls. */
    size_t at = 0;
    for (int i = 0; i < clients; i++) {
        pinger *p = &ps[i];
        p->cfg = &cfg;
        p->op = op;
        p->args = args;
        p->args_len = (size_t)size;
        p->calls = (size_t)(count / clients + (i < count % clients));
        p->ns = ns + at;
        at += p->calls;
        int e = mw_rr_client_open(&p->client, &cfg.server, &cfg.co);
        if (e) {
            rc = call_failed(&cfg, e, "connect");
            goto out;
        }
    }
    uint64_t t0 = mw_now_ns();
    for (int i = 0; i < clients; i++) {
        int e = mw_thread_start(&ts[i], ping_thread, &ps[i]);
        if (e) {
            rc = cli_fail(e, "start a client thread");
            goto out;
        }
    }
    for (int i = 0; i < clients; i++) {
        mw_thread_join(ts[i]);
        ts[i] = NULL;
    }
    double secs = (double)(mw_now_ns() - t0) / 1e9;

    /* Gather: the successful calls' times side by side, then sorted. */
    size_t ok = 0, errors = 0;
    int first_error = 0;
    uint64_t retrans = 0, timeouts = 0;
    for (int i = 0; i < clients; i++) {
        memmove(ns + ok, ps[i].ns, sizeof *ns * ps[i].ok);
        ok += ps[i].ok;
        errors += ps[i].errors;
        if (!first_error)
            first_error = ps[i].first_error;
        retrans += ps[i].st.retransmissions;
        timeouts += ps[i].st.timeouts;
    }
    qsort(ns, ok, sizeof *ns, cmp_u64);
    double cps = secs > 0 ? (double)ok / secs : 0;
    double p50 = quantile_us(ns, ok, 0.50), p90 = quantile_us(ns, ok, 0.90),
           p99 = quantile_us(ns, ok, 0.99), p999 = quantile_us(ns, ok, 0.999);
    double min = ok ? (double)ns[0] / 1000.0 : 0, max = ok ? (double)ns[ok - 1] / 1000.0 : 0;
    const char *proto = protocol_names[cfg.co.protocol],
               *sem = semantics_names[cfg.co.semantics];
    if (json) {
        printf(
            "{\"server\":\"%s\",\"transport\":\"%s\",\"protocol\":\"%s\",\"semantics\":\"%s\","
            "\"op\":\"%s\",\"size\":%d,\"clients\":%d,\"calls\":%d,\"replies\":%zu,"
            "\"errors\":%zu,\"seconds\":%.6f,\"calls_per_sec\":%.1f,\"min_us\":%.1f,"
            "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
            "\"max_us\":%.1f,\"retransmissions\":%" PRIu64 ",\"timeouts\":%" PRIu64
            ",\"first_error\":",
            cfg.server_text, transport_name(&cfg), proto, sem, op_name(op), size, clients,
            count, ok, errors, secs, cps, min, p50, p90, p99, p999, max, retrans, timeouts);
        if (first_error)
            printf("\"%s\"}\n", mw_errname(first_error));
        else
            printf("null}\n");
    } else {
        printf("%d calls to %s: %s over %s, %s, %s, %d bytes, %d client%s\n", count,
               cfg.server_text, op_name(op), cfg.co.transport == MW_RR_TCP ? "TCP" : "UDP",
               cfg.co.protocol == MW_RR_R     ? "R"
               : cfg.co.protocol == MW_RR_RRA ? "RRA"
                                              : "RR",
               sem, size, clients, clients == 1 ? "" : "s");
        printf("%zu ok, %zu failed in %.3f s: %.0f calls/s\n", ok, errors, secs, cps);
        if (ok)
            printf("latency us: min %.1f, p50 %.1f, p90 %.1f, p99 %.1f, p99.9 %.1f, max %.1f\n",
                   min, p50, p90, p99, p999, max);
        printf("retransmissions: %" PRIu64 ", timeouts: %" PRIu64 "\n", retrans, timeouts);
    }
    fflush(stdout);
    if (errors) {
        char what[64];
        snprintf(what, sizeof what, "%zu of %d calls failed, the first", errors, count);
        rc = call_failed(&cfg, first_error, what);
    }
out:
    for (int i = 0; ps && i < clients; i++) {
        if (ts && ts[i])
            mw_thread_join(ts[i]);
        mw_rr_client_close(ps[i].client);
    }
    free(ts);
    free(ps);
    free(ns);
    free(args);
    return rc;
}

/* The tool's options are long ones (cli_getopt); ping also takes ping's own -n and -c,
 * handed to getopt as --count and --clients. */
static int rr_ping(const cli_verb *v, int argc, char **argv)
{
    char **args = malloc(sizeof *args * ((size_t)argc + 1));
    if (!args)
        return cli_fail(MW_ENOMEM, NULL);
    memcpy(args, argv, sizeof *args * ((size_t)argc + 1));
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (!strcmp(argv[i], "-n"))
            args[i] = (char *)(uintptr_t) "--count";
        else if (!strcmp(argv[i], "-c"))
            args[i] = (char *)(uintptr_t) "--clients";
    }
    int rc = rr_ping_args(v, argc, args);
    free(args);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* rr call                                                                              */
/* ------------------------------------------------------------------------------------ */

static int rr_call(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"udp", no_argument, NULL, OPT_UDP},
        {"tcp", no_argument, NULL, OPT_TCP},
        {"protocol", required_argument, NULL, OPT_PROTOCOL},
        {"semantics", required_argument, NULL, OPT_SEMANTICS},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"retries", required_argument, NULL, OPT_RETRIES},
        {"spin", required_argument, NULL, OPT_SPIN},
        {"drop", required_argument, NULL, OPT_DROP},
        {"duplicate", required_argument, NULL, OPT_DUPLICATE},
        {"reorder", required_argument, NULL, OPT_REORDER},
        {"seed", required_argument, NULL, OPT_SEED},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    client_cfg cfg = {0};
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        if (!client_option(c, &cfg, &rc))
            return rc;
        if (rc)
            return rc;
    }
    int n = argc - optind;
    if (n < 2 || n > 3)
        return cli_usage_error(v, "expected HOST:PORT OP [ARG]");
    uint32_t op;
    if ((rc = parse_op(argv[optind + 1], &op, true)) != 0)
        return rc;
    const char *arg = n == 3 ? argv[optind + 2] : "";
    if ((op == RR_OP_NULL || op == RR_OP_STATS) && n == 3)
        return cli_usage_error(v, "%s takes no argument", op_name(op));
    if (op == RR_OP_INCREMENT) {
        long long delta;
        if (parse_delta((const uint8_t *)arg, strlen(arg), &delta) != 0) {
            cli_errorf("increment: '%s' is not a whole number", arg);
            return CLI_EXIT_USAGE;
        }
    }
    if ((rc = client_setup(&cfg, argv[optind])) != 0)
        return rc;

    mw_rr_client *client = NULL;
    int e = mw_rr_client_open(&client, &cfg.server, &cfg.co);
    if (e)
        return call_failed(&cfg, e, "connect");
    mw_buf reply;
    mw_buf_init(&reply);
    e = mw_rr_do_operation(client, NULL, op, arg, strlen(arg), &reply, NULL);
    if (e) {
        char what[64];
        snprintf(what, sizeof what, "%s", op_name(op));
        if (!strcmp(what, "other"))
            snprintf(what, sizeof what, "operation %" PRIu32, op);
        rc = call_failed(&cfg, e, what);
    } else if (cfg.co.protocol == MW_RR_R) {
        printf("sent (protocol R: no reply)\n");
    } else if (op == RR_OP_NULL) {
        printf("ok\n");
    } else {
        cli_print_message("", reply.data, reply.len);
    }
    fflush(stdout);
    mw_buf_free(&reply);
    mw_rr_client_close(client);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* The command                                                                          */
/* ------------------------------------------------------------------------------------ */

#define CLIENT_OPTIONS_HELP                                                                    \
    "  --udp, --tcp      transport (default UDP)\n"                                            \
    "  --protocol P      exchange protocol: r (request only), rr (request, reply;\n"           \
    "                    the default) or rra (request, reply, acknowledgement)\n"              \
    "  --semantics S     maybe, at-least-once or at-most-once (the default)\n"                 \
    "  --timeout MS      wait for a reply per attempt (default 500); a call gives up\n"        \
    "                    after --retries retransmissions\n"                                    \
    "  --retries N       retransmissions after the first attempt (default 4; 0: none;\n"      \
    "                    --semantics maybe never retransmits)\n"                               \
    "  --spin US         low-latency mode: spin this long on the socket before\n"              \
    "                    sleeping (UDP; default 0, off)\n"                                     \
    "  --drop P, --duplicate P, --reorder P\n"                                                 \
    "                    UDP fault injection: the probability that each datagram\n"            \
    "                    the client sends or receives is lost, delivered twice or\n"           \
    "                    overtaken by the next one (default 0)\n"                              \
    "  --seed N          seed of the fault injector's random numbers (default 0)\n"

static const cli_verb rr_verbs[] = {
    {
        .name = "serve",
        .summary = "demo server: null, echo, increment and stats operations",
        .synopsis = "[--udp|--tcp] [--port P] [--bind HOST] [--loops N] [--spin US]",
        .help = "Serves four operations over the request-reply protocol: 1 null (empty\n"
                "reply), 2 echo (returns its argument), 3 increment (adds its argument, a\n"
                "decimal number, default 1, to a counter and returns the new value) and\n"
                "4 stats (a JSON object: each operation's executions under its name, the\n"
                "counter, retransmissions, duplicates filtered, history size, ...).\n"
                "When ready, prints 'listening on ADDR:PORT'. On SIGTERM or SIGINT prints\n"
                "how often each operation executed, the retransmissions, the duplicates\n"
                "filtered and the reply history's size, and exits with status 0.\n"
                "\n"
                "Options:\n"
                "  --udp, --tcp      transport (default UDP)\n"
                "  --port P          port to listen on (default 7899; 0: any free port)\n"
                "  --bind HOST       local address (default: every IPv6 and IPv4 address)\n"
                "  --loops N         UDP: N loop threads sharing the port (SO_REUSEPORT)\n"
                "  --spin US         low-latency mode: each loop thread polls without\n"
                "                    sleeping for US microseconds after its last request\n"
                "                    (a core per loop while it spins; default 0)\n",
        .run = rr_serve,
    },
    {
        .name = "ping",
        .summary = "many calls; calls/s and latency percentiles",
        .synopsis =
            "HOST:PORT [-n N] [-c CLIENTS] [--udp|--tcp] [--size BYTES]\n"
            "       [--protocol r|rr|rra] [--semantics maybe|at-least-once|at-most-once]\n"
            "       [--op null|echo|increment] [--timeout MS] [--retries N] [--spin US]\n"
            "       [--drop P] [--duplicate P] [--reorder P] [--seed N] [--json]",
        .help = "Makes N calls of an operation of 'midway rr serve', spread over CLIENTS\n"
                "concurrent clients (threads, each with its own socket or connection), and\n"
                "prints the calls/s and the latency percentiles of the calls that\n"
                "succeeded. With --json prints one JSON object instead, with calls_per_sec,\n"
                "p50_us, p99_us, errors and more. Exits with status 1 if any call failed\n"
                "(the summary is printed first).\n"
                "\n"
                "Options:\n"
                "  -n, --count N     calls in all (default 1000)\n"
                "  -c, --clients N   concurrent clients (default 1)\n"
                "  --op OP           null (default), echo or increment\n"
                "  --size BYTES      bytes of arguments per request (default 0); echo\n"
                "                    checks that they come back\n" CLIENT_OPTIONS_HELP
                "  --json            print one JSON object\n",
        .run = rr_ping,
    },
    {
        .name = "call",
        .summary = "one call, its result printed",
        .synopsis =
            "HOST:PORT OP [ARG] [--udp|--tcp] [--protocol P] [--semantics S]\n"
            "       [--timeout MS] [--retries N] [--spin US] [--drop P] [--duplicate P]\n"
            "       [--reorder P] [--seed N]",
        .help = "Calls operation OP (null, echo, increment, stats, or an operationId) of\n"
                "'midway rr serve' with ARG as its argument and prints the result: 'ok'\n"
                "for null, the echoed text, the counter's new value, or the statistics as\n"
                "JSON. Exits with status 1 if the call fails (timeout, refused, an error\n"
                "status from the server).\n"
                "\n"
                "Options:\n" CLIENT_OPTIONS_HELP,
        .run = rr_call,
    },
    {0},
};

const cli_command cli_cmd_rr = {
    .name = "rr",
    .summary = "request-reply protocol: demo server, ping, one call",
    .handler = cli_run_verbs,
    .verbs = rr_verbs,
};

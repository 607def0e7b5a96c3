/*
 * cmd_group.c - `midway group`: be a member of a multicast group, plain (Figure 4.20) or
 * reliable and ordered (midway/group.h), or send plain datagrams to one.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <midway/group.h>

#include "cli.h"

#define SLICE_MS 100          /* longest wait between looks at the stop flag */
#define SEND_TIMEOUT_MS 30000 /* longest wait for room in the window, per message */
#define MAX_SENDS 65536       /* --send options kept */
#define FAULTS_ENV "MIDWAY_GROUP_FAULTS"
#define LOG_ENV "MIDWAY_GROUP_LOG" /* "info" or "debug": the protocol's log on stderr */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* MIDWAY_GROUP_LOG's logger: the protocol's messages on stderr, with the time in ms. */
static void log_line(void *ctx, mw_log_level level, const char *subsystem, const char *message)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    (void)ctx;
    fprintf(stderr, "%llu midway[%s] %s: %s\n", (unsigned long long)mw_now_ms(), subsystem,
            names[level & 3], message);
}

/* Parses MIDWAY_GROUP_FAULTS: "drop=0.2,dup=0.1,reorder=0.1,seed=7" (any subset). */
static int parse_faults(const char *text, mw_group_fault *f)
{
    memset(f, 0, sizeof *f);
    f->seed = 1;
    char *copy = strdup(text), *save = NULL;
    if (!copy)
        return MW_ENOMEM;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *end;
        if (!eq) {
            rc = MW_EINVAL;
            break;
        }
        *eq = '\0';
        const char *val = eq + 1;
        if (!strcmp(tok, "seed")) {
            f->seed = strtoull(val, &end, 10);
        } else {
            double p = strtod(val, &end);
            if (p < 0 || p > 1)
                rc = MW_EINVAL;
            else if (!strcmp(tok, "drop"))
                f->drop = p;
            else if (!strcmp(tok, "dup"))
                f->duplicate = p;
            else if (!strcmp(tok, "reorder"))
                f->reorder = p;
            else
                rc = MW_EINVAL;
        }
        if (!rc && (*val == '\0' || *end != '\0'))
            rc = MW_EINVAL;
    }
    free(copy);
    return rc;
}

/* Prints "view COUNTER: NAME NAME ..." (names in id order: the first is the sequencer). */
static void print_view(const mw_group_view *v)
{
    mw_buf line;
    mw_buf_init(&line);
    int e = mw_buf_printf(&line, "view %u:", v->counter);
    for (size_t i = 0; !e && i < v->n; i++) {
        e = mw_buf_append(&line, " ", 1);
        if (!e)
            e = cli_escape(&line, v->members[i].name, strlen(v->members[i].name));
    }
    if (!e)
        cli_emit(&line);
    mw_buf_free(&line);
}

/* Prints "SENDER<TAB>MESSAGE", both escaped so the line stays one line. */
static void print_message(const mw_group_event *ev)
{
    mw_buf line;
    mw_buf_init(&line);
    const char *name = ev->sender_name ? ev->sender_name : "?";
    int e = cli_escape(&line, name, strlen(name));
    if (!e)
        e = mw_buf_append(&line, "\t", 1);
    if (!e)
        e = cli_escape(&line, ev->data, ev->len);
    if (!e)
        cli_emit(&line);
    mw_buf_free(&line);
}

/* ------------------------------------------------------------------------------------ */
/* group join                                                                           */
/* ------------------------------------------------------------------------------------ */

typedef struct join_args {
    const char *group_text;
    mw_addr group;
    bool reliable;
    int order;
    const char *name;
    int count;   /* 0: no limit */
    int members; /* send once the view has this many (reliable); 0: at once */
    int timeout; /* negative: none */
    int fail_ms; /* reliable: failure-detection timeout; 0: the default */
    const char *ifname;
    const char **sends;
    int n_sends;
} join_args;

static int run_join(const join_args *a)
{
    mw_group_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.reliable = a->reliable;
    opts.order = a->order;
    opts.name = a->name;
    opts.ifname = a->ifname;
    opts.fail_ms = (uint32_t)a->fail_ms;
    mw_group_fault fault;
    const char *faults = getenv(FAULTS_ENV);
    if (faults && *faults) {
        if (parse_faults(faults, &fault)) {
            cli_errorf("%s=%s: expected drop=P,dup=P,reorder=P,seed=N", FAULTS_ENV, faults);
            return CLI_EXIT_USAGE;
        }
        opts.fault = &fault;
    }
    const char *log = getenv(LOG_ENV);
    if (log && (!strcmp(log, "info") || !strcmp(log, "debug")))
        mw_log_set(log_line, NULL, !strcmp(log, "debug") ? MW_LOG_DEBUG : MW_LOG_INFO);
    mw_group *g = NULL;
    int e = mw_group_open(&g, &a->group, &opts);
    if (e) {
        char what[MW_ADDR_STRLEN + 64];
        snprintf(what, sizeof what, "join %s on %s", a->group_text,
                 a->ifname ? a->ifname : "default");
        return cli_fail(e, what);
    }
    mw_addr local, shown = a->group;
    char text[MW_ADDR_STRLEN];
    if (mw_group_local_addr(g, &local) == 0)
        shown.port = local.port;
    cli_format_addr(&shown, text);
    fprintf(stderr, "joined %s on %s%s\n", text,
            a->ifname ? a->ifname : "the default interface",
            a->reliable ? (a->order == MW_GROUP_TOTAL ? " (reliable, total order)"
                                                      : " (reliable, FIFO order)")
                        : "");
    fflush(stderr);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int rc = CLI_EXIT_OK, delivered = 0;
    bool may_send = !a->reliable; /* a plain member sends at once, like Figure 4.20 */
    int next = 0;                 /* the next --send message */
    uint64_t stuck_since = 0;     /* when sending last made progress (0: it did) */
    uint64_t deadline = a->timeout >= 0 ? mw_now_ms() + (uint64_t)a->timeout : UINT64_MAX;
    for (;;) {
        /* A reliable member sends once it is in a view (of --members members). Sends
         * never wait here: while the window is full (our own messages count until we
         * deliver them too), the loop goes on delivering, which frees it. */
        if (!may_send && a->members <= 1) {
            mw_group_view v;
            may_send = mw_group_view_get(g, &v) == 0;
        }
        while (may_send && next < a->n_sends && !stop_signal) {
            e = mw_group_send(g, a->sends[next], strlen(a->sends[next]), 0);
            if (e == MW_EAGAIN) {
                if (!stuck_since)
                    stuck_since = mw_now_ms();
                else if (mw_now_ms() - stuck_since > SEND_TIMEOUT_MS) {
                    rc = cli_fail(MW_ETIMEDOUT, "send");
                    goto out;
                }
                break;
            }
            if (e) {
                rc = cli_fail(e, "send");
                goto out;
            }
            next++;
            stuck_since = 0;
        }
        if (a->count && delivered >= a->count)
            break;
        if (stop_signal)
            break;
        uint64_t now = mw_now_ms();
        if (now >= deadline) {
            if (a->count) {
                char what[96];
                snprintf(what, sizeof what, "delivered %d of %d messages within %d ms",
                         delivered, a->count, a->timeout);
                rc = cli_fail(MW_ETIMEDOUT, what);
            }
            break;
        }
        int slice = deadline - now < SLICE_MS ? (int)(deadline - now) : SLICE_MS;
        if (stuck_since)
            slice = 1; /* come back soon to send the rest */
        mw_group_event ev;
        e = mw_group_recv(g, &ev, slice);
        if (e == MW_ETIMEDOUT)
            continue;
        if (e) {
            rc = cli_fail(e, "receive");
            break;
        }
        if (ev.type == MW_GROUP_MESSAGE) {
            print_message(&ev);
            delivered++;
        } else if (ev.type == MW_GROUP_VIEW) {
            print_view(ev.view);
            if (a->members > 1 && (int)ev.view->n >= a->members)
                may_send = true;
        } else {
            break; /* left */
        }
    }
out:
    mw_group_close(g); /* a reliable member leaves cleanly */
    return rc;
}

static int group_join(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"reliable", no_argument, NULL, 'r'},
        {"order", required_argument, NULL, 'o'},
        {"name", required_argument, NULL, 'n'},
        {"count", required_argument, NULL, 'c'},
        {"send", required_argument, NULL, 's'},
        {"if", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 't'},
        {"members", required_argument, NULL, 'm'},
        {"fail-ms", required_argument, NULL, 'f'},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    join_args a;
    memset(&a, 0, sizeof a);
    a.timeout = -1;
    a.sends = calloc(MAX_SENDS, sizeof *a.sends);
    if (!a.sends)
        return cli_fail(MW_ENOMEM, NULL);
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        switch (c) {
        case 'r':
            a.reliable = true;
            break;
        case 'o':
            if (!strcmp(optarg, "fifo"))
                a.order = MW_GROUP_FIFO;
            else if (!strcmp(optarg, "total"))
                a.order = MW_GROUP_TOTAL;
            else
                rc = cli_usage_error(v, "--order: '%s': expected fifo or total", optarg);
            a.reliable = true; /* ordering needs the reliable protocol */
            break;
        case 'n':
            if (strlen(optarg) > MW_GROUP_MAX_NAME || !*optarg)
                rc = cli_usage_error(v, "--name: 1 to %d bytes", MW_GROUP_MAX_NAME);
            a.name = optarg;
            break;
        case 'c':
            rc = cli_parse_int("--count", optarg, 1, 0x7fffffff, &a.count);
            break;
        case 's':
            if (a.n_sends == MAX_SENDS)
                rc = cli_usage_error(v, "--send: at most %d messages", MAX_SENDS);
            else
                a.sends[a.n_sends++] = optarg;
            break;
        case 'i':
            a.ifname = optarg;
            break;
        case 't':
            rc = cli_parse_int("--timeout", optarg, 0, 0x7fffffff, &a.timeout);
            break;
        case 'm':
            rc = cli_parse_int("--members", optarg, 1, MW_GROUP_MAX_MEMBERS, &a.members);
            break;
        case 'f':
            /* At least two heartbeats per timeout (mw_group_opts). */
            rc = cli_parse_int("--fail-ms", optarg, 2 * MW_GROUP_DEFAULT_HEARTBEAT_MS, 3600000,
                               &a.fail_ms);
            break;
        default:
            free(a.sends);
            return rc;
        }
        if (rc) {
            free(a.sends);
            return rc;
        }
    }
    if ((rc = cli_operands(v, argc, argv, 1, "GROUP:PORT")) == 0) {
        a.group_text = argv[optind];
        rc = cli_resolve_group(a.group_text, &a.group);
    }
    if (!rc && a.members && !a.reliable)
        rc = cli_usage_error(v, "--members needs --reliable");
    if (!rc && a.fail_ms && !a.reliable)
        rc = cli_usage_error(v, "--fail-ms needs --reliable");
    if (!rc)
        rc = run_join(&a);
    free(a.sends);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* group send                                                                           */
/* ------------------------------------------------------------------------------------ */

static int group_send(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"if", required_argument, NULL, 'i'},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    const char *ifname = NULL;
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        if (c != 'i')
            return rc;
        ifname = optarg;
    }
    if (argc - optind < 2)
        return cli_usage_error(v, "expected GROUP:PORT and at least one MSG");
    const char *group_text = argv[optind];
    mw_addr group;
    if ((rc = cli_resolve_group(group_text, &group)) != 0)
        return rc;
    if (group.port == 0)
        return cli_usage_error(v, "%s: cannot send to port 0", group_text);
    /* A plain member that sends and leaves: its datagrams are raw, as Figure 4.20's. */
    mw_group_opts gopts;
    memset(&gopts, 0, sizeof gopts);
    gopts.ifname = ifname;
    mw_group *g = NULL;
    int e = mw_group_open(&g, &group, &gopts);
    if (e)
        return cli_fail(e, group_text);
    for (int i = optind + 1; i < argc && !rc; i++)
        if ((e = mw_group_send(g, argv[i], strlen(argv[i]), 0)))
            rc = cli_fail(e, group_text);
    mw_group_close(g);
    return rc;
}

static const cli_verb group_verbs[] = {
    {
        .name = "join",
        .summary = "be a member of a group: plain, or reliable and ordered, with views",
        .synopsis = "GROUP:PORT [--reliable] [--order fifo|total] [--name N] [--count N]\n"
                    "    [--send MSG ...] [--if IFNAME] [--timeout MS] [--members N]\n"
                    "    [--fail-ms MS]",
        .help = "Joins the multicast GROUP (IPv4 224.0.0.0/4 or [IPv6 ff00::/8]) on PORT and\n"
                "prints one line per delivered message, 'SENDER<TAB>MESSAGE' (control bytes\n"
                "and backslashes escaped), and, in reliable groups, one line per view,\n"
                "'view COUNTER: NAME ...' (members in id order; the first is the sequencer).\n"
                "Once joined it prints 'joined GROUP:PORT on IFNAME' on stderr.\n"
                "\n"
                "Without --reliable the group is plain IP multicast, as in Figure 4.20: each\n"
                "datagram is one message, the sender is shown as ADDR:PORT, and the book's\n"
                "Java MulticastPeer can be a member. With --reliable (docs/group.md) messages\n"
                "are never lost or duplicated, each sender's arrive in order, views change as\n"
                "members join, leave or fail, and the member delivers its own messages too.\n"
                "\n"
                "Options:\n"
                "  --reliable        the reliable protocol (FIFO order unless --order)\n"
                "  --order ORDER     fifo: each sender's messages in order; total: the same\n"
                "                    order at every member (implies --reliable)\n"
                "  --name N          this member's name (default: its id in hex)\n"
                "  --count N         exit after N delivered messages (own included)\n"
                "  --send MSG        send MSG (repeat for more): a plain member sends at\n"
                "                    once, a reliable one once it is in a view\n"
                "  --members N       reliable: send only once the view has N members\n"
                "  --fail-ms MS      reliable: a member not heard from for MS ms is taken\n"
                "                    for failed (default 1000, at least 200); a member\n"
                "                    starved of CPU that long is excluded and comes back as\n"
                "                    a new member, so raise it on loaded machines\n"
                "  --if IFNAME       interface to join on and send through (\"lo\" for\n"
                "                    members on one machine without a network)\n"
                "  --timeout MS      stop after MS milliseconds: with --count, an error\n"
                "                    (status 1) unless N messages came; without, a normal end\n"
                "\n"
                "A reliable member leaves cleanly on exit, on SIGTERM and on SIGINT.\n"
                "Environment: MIDWAY_GROUP_FAULTS=drop=P,dup=P,reorder=P,seed=N drops,\n"
                "duplicates and reorders received datagrams (for tests and demonstrations).\n",
        .run = group_join,
    },
    {
        .name = "send",
        .summary = "send plain datagrams to a group",
        .synopsis = "GROUP:PORT MSG ... [--if IFNAME]",
        .help = "Sends each MSG in one datagram, with no header, to the multicast GROUP on\n"
                "PORT: plain members (midway group join without --reliable, midway mcast\n"
                "join, the Java MulticastPeer) receive them. Members on this host receive\n"
                "them too.\n"
                "\n"
                "Options:\n"
                "  --if IFNAME       interface to send through (default: the kernel's\n"
                "                    choice)\n",
        .run = group_send,
    },
    {0},
};

const cli_command cli_cmd_group = {
    .name = "group",
    .summary = "group communication: plain or reliable, ordered multicast with views",
    .handler = cli_run_verbs,
    .verbs = group_verbs,
};

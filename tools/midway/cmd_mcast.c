/* cmd_mcast.c - `midway mcast`: join an IP multicast group or send to one (Figure 4.20),
 * through the plain groups of midway/group.h. */
#include <stdlib.h>
#include <string.h>

#include <midway/group.h>

#include "cli.h"

/* Joins a plain (unreliable, unordered) group of midway/group.h on ifname (NULL: the
 * default interface). CLI_EXIT_OK, or the exit code after the error is reported: an
 * unknown interface by name, other errors as `what`. */
static int open_group(mw_group **g, const mw_addr *group, const char *ifname, const char *what)
{
    mw_group_opts gopts = {.ifname = ifname};
    int e = mw_group_open(g, group, &gopts);
    if (e == MW_ENOENT && ifname) {
        cli_errorf("no network interface named '%s'", ifname);
        return CLI_EXIT_ERROR;
    }
    return e ? cli_fail(e, what) : CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* mcast join                                                                           */
/* ------------------------------------------------------------------------------------ */

static int mcast_join(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'c'},
        {"if", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 't'},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    int count = 0;    /* 0: no limit */
    int timeout = -1; /* negative: wait forever */
    const char *ifname = NULL;
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        switch (c) {
        case 'c':
            rc = cli_parse_int("--count", optarg, 1, 0x7fffffff, &count);
            break;
        case 'i':
            ifname = optarg;
            break;
        case 't':
            rc = cli_parse_int("--timeout", optarg, 0, 0x7fffffff, &timeout);
            break;
        default:
            return rc;
        }
        if (rc)
            return rc;
    }
    if ((rc = cli_operands(v, argc, argv, 1, "GROUP:PORT")) != 0)
        return rc;
    const char *group_text = argv[optind];
    mw_addr group;
    if ((rc = cli_resolve_group(group_text, &group)) != 0)
        return rc;

    /* A plain group: IP multicast as the figure uses it. */
    mw_group *g = NULL;
    char joining[MW_ADDR_STRLEN + 64];
    snprintf(joining, sizeof joining, "join %s on %s", group_text, ifname ? ifname : "default");
    if ((rc = open_group(&g, &group, ifname, joining)) != CLI_EXIT_OK)
        return rc;
    int e;
    /* With port 0 the socket got a free port: say which, so senders can find us. The
     * line goes to stderr because stdout carries only the messages. */
    mw_addr local;
    char text[MW_ADDR_STRLEN];
    if ((e = mw_group_local_addr(g, &local)) != 0) {
        rc = cli_fail(e, "local address");
        goto out;
    }
    group.port = local.port;
    cli_format_addr(&group, text);
    fprintf(stderr, "joined %s on %s\n", text, ifname ? ifname : "the default interface");
    fflush(stderr);

    uint64_t deadline = timeout >= 0 ? mw_now_ms() + (uint64_t)timeout : 0;
    for (int received = 0; count == 0 || received < count;) {
        int left = MW_FOREVER;
        if (timeout >= 0) {
            uint64_t now = mw_now_ms();
            left = now >= deadline ? 0 : (int)(deadline - now);
        }
        mw_group_event ev;
        e = mw_group_recv(g, &ev, left);
        if (e == MW_ETIMEDOUT && count == 0)
            break; /* --timeout without --count: listen for that long, then stop */
        if (e == MW_ETIMEDOUT) {
            char what[96];
            snprintf(what, sizeof what, "received %d of %d messages within %d ms", received,
                     count, timeout);
            rc = cli_fail(e, what);
            goto out;
        }
        if (e) {
            rc = cli_fail(e, "receive");
            goto out;
        }
        if (ev.type != MW_GROUP_MESSAGE)
            continue;
        char prefix[MW_ADDR_STRLEN + 2];
        cli_format_addr(&ev.from, text);
        snprintf(prefix, sizeof prefix, "%s\t", text);
        cli_print_message(prefix, ev.data, ev.len);
        received++;
    }
out:
    mw_group_close(g);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* mcast send                                                                           */
/* ------------------------------------------------------------------------------------ */

static int mcast_send(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"if", required_argument, NULL, 'i'},
        {"ttl", required_argument, NULL, 'T'},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    const char *ifname = NULL;
    int ttl = -1; /* negative: the default, 1 */
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        switch (c) {
        case 'i':
            ifname = optarg;
            break;
        case 'T':
            rc = cli_parse_int("--ttl", optarg, 0, 255, &ttl);
            break;
        default:
            return rc;
        }
        if (rc)
            return rc;
    }
    if ((rc = cli_operands(v, argc, argv, 2, "GROUP:PORT MSG")) != 0)
        return rc;
    const char *group_text = argv[optind];
    const char *msg = argv[optind + 1];
    mw_addr group;
    if ((rc = cli_resolve_group(group_text, &group)) != 0)
        return rc;
    if (group.port == 0)
        return cli_usage_error(v, "%s: cannot send to port 0", group_text);

    /* The sender is a member of a plain group too, as the figure's peer is: it joins,
     * sends, and leaves. */
    mw_group *g = NULL;
    int e;
    if ((rc = open_group(&g, &group, ifname, group_text)) != CLI_EXIT_OK)
        return rc;
    if (ttl >= 0 && (e = mw_group_set_ttl(g, ttl)) != 0)
        rc = cli_fail(e, "--ttl");
    else if ((e = mw_group_send(g, msg, strlen(msg), 0)) != 0)
        rc = cli_fail(e, group_text);
    mw_group_close(g);
    return rc;
}

static const cli_verb mcast_verbs[] = {
    {
        .name = "join",
        .summary = "join a group and print what is sent to it (Figure 4.20)",
        .synopsis = "GROUP:PORT [--count N] [--if IFNAME] [--timeout MS]",
        .help = "Joins the multicast GROUP (IPv4 224.0.0.0/4 or [IPv6 ff00::/8]) on PORT\n"
                "(0: a free port) and prints each datagram as 'SENDER_ADDR<TAB>MSG' on\n"
                "stdout (control bytes and backslashes escaped). Once joined, it prints\n"
                "'joined GROUP:PORT on IFNAME' on stderr.\n"
                "\n"
                "Options:\n"
                "  --count N         exit after N messages\n"
                "  --if IFNAME       interface to join on (default: the kernel's choice)\n"
                "  --timeout MS      stop after MS milliseconds: with --count, an error\n"
                "                    (status 1) unless N messages came; without, a normal\n"
                "                    end (default: wait forever)\n",
        .run = mcast_join,
    },
    {
        .name = "send",
        .summary = "send one datagram to a group",
        .synopsis = "GROUP:PORT MSG [--if IFNAME] [--ttl N]",
        .help = "Sends MSG in one datagram to the multicast GROUP on PORT. Members on this\n"
                "host receive it too.\n"
                "\n"
                "Options:\n"
                "  --if IFNAME       interface to send through (default: the kernel's\n"
                "                    choice)\n"
                "  --ttl N           hop limit, 0 to 255 (default 1: this link only)\n",
        .run = mcast_send,
    },
    {0},
};

const cli_command cli_cmd_mcast = {
    .name = "mcast",
    .summary = "IP multicast: join a group, send to a group",
    .handler = cli_run_verbs,
    .verbs = mcast_verbs,
};

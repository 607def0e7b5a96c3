/* cmd_udp.c - `midway udp`: the UDP echo server and client of Figures 4.3 and 4.4. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define UDP_DEFAULT_PORT 6789 /* the port of Figure 4.4 */
#define UDP_BUF_SIZE 65536    /* any datagram fits, so recvfrom never reports EMSGSIZE */

/*
 * Opens the socket a server listens on: the address --bind names, or by default the IPv6
 * wildcard, which also takes IPv4 traffic (dual stack), falling back to the IPv4 wildcard
 * on hosts without IPv6.
 */
static int open_server(const char *bind_text, uint16_t port, mw_udp **out)
{
    mw_addr local;
    if (bind_text) {
        int rc = cli_resolve(bind_text, port, 0, &local);
        if (rc)
            return rc;
        int e = mw_udp_open(out, &local, 0);
        return e ? cli_fail(e, bind_text) : CLI_EXIT_OK;
    }
    mw_addr_any(&local, MW_AF_INET6, port);
    int e = mw_udp_open(out, &local, 0);
    if (e == 0)
        return CLI_EXIT_OK;
    if (e == MW_EADDRINUSE || e == MW_EPERM)
        return cli_fail(e, "bind");
    mw_addr_any(&local, MW_AF_INET4, port);
    e = mw_udp_open(out, &local, 0);
    return e ? cli_fail(e, "bind") : CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* udp serve                                                                            */
/* ------------------------------------------------------------------------------------ */

static int udp_serve(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"count", required_argument, NULL, 'c'},
        {"bind", required_argument, NULL, 'b'},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    uint16_t port = UDP_DEFAULT_PORT;
    int count = 0; /* 0: serve until killed */
    const char *bind_text = NULL;
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        switch (c) {
        case 'p':
            rc = cli_parse_port("--port", optarg, &port);
            break;
        case 'c':
            rc = cli_parse_int("--count", optarg, 1, 0x7fffffff, &count);
            break;
        case 'b':
            bind_text = optarg;
            break;
        default: /* CLI_OPT_EXIT */
            return rc;
        }
        if (rc)
            return rc;
    }
    if ((rc = cli_operands(v, argc, argv, 0, "no arguments")) != 0)
        return rc;

    mw_udp *s = NULL;
    if ((rc = open_server(bind_text, port, &s)) != 0)
        return rc;
    uint8_t *buf = malloc(UDP_BUF_SIZE);
    if (!buf) {
        mw_udp_close(s);
        return cli_fail(MW_ENOMEM, NULL);
    }
    mw_addr local;
    char text[MW_ADDR_STRLEN];
    int e = mw_udp_local_addr(s, &local);
    if (e) {
        rc = cli_fail(e, "local address");
        goto out;
    }
    cli_format_addr(&local, text);
    printf("listening on %s\n", text);
    fflush(stdout);

    for (int served = 0; count == 0 || served < count; served++) {
        size_t n;
        mw_addr from;
        e = mw_udp_recvfrom(s, buf, UDP_BUF_SIZE, &n, &from);
        if (e) {
            rc = cli_fail(e, "receive");
            goto out;
        }
        /* Log before replying: once a client has its reply, the log line is out. */
        char prefix[MW_ADDR_STRLEN + 8];
        cli_format_addr(&from, text);
        snprintf(prefix, sizeof prefix, "from %s: ", text);
        cli_print_message(prefix, buf, n);
        e = mw_udp_sendto(s, buf, n, &from);
        if (e) /* one unreachable client does not stop the server */
            cli_fail(e, "reply");
    }
out:
    free(buf);
    mw_udp_close(s);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* udp send                                                                             */
/* ------------------------------------------------------------------------------------ */

static int udp_send(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"timeout", required_argument, NULL, 't'},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    int timeout = CLI_DEFAULT_TIMEOUT_MS;
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        switch (c) {
        case 't':
            rc = cli_parse_int("--timeout", optarg, 0, 0x7fffffff, &timeout);
            break;
        default:
            return rc;
        }
        if (rc)
            return rc;
    }
    if ((rc = cli_operands(v, argc, argv, 2, "HOST:PORT MSG")) != 0)
        return rc;
    const char *dest_text = argv[optind];
    const char *msg = argv[optind + 1];

    mw_addr dest, local;
    if ((rc = cli_resolve(dest_text, -1, 0, &dest)) != 0)
        return rc;
    if (dest.port == 0)
        return cli_usage_error(v, "%s: cannot send to port 0", dest_text);

    mw_udp *s = NULL;
    uint8_t *buf = NULL;
    mw_addr_any(&local, dest.family, 0);
    int e = mw_udp_open(&s, &local, 0);
    if (e)
        return cli_fail(e, "open socket");
    if (!(buf = malloc(UDP_BUF_SIZE))) {
        rc = cli_fail(MW_ENOMEM, NULL);
        goto out;
    }
    if ((e = mw_udp_set_timeout(s, timeout)) != 0) {
        rc = cli_fail(e, "set timeout");
        goto out;
    }
    if ((e = mw_udp_sendto(s, msg, strlen(msg), &dest)) != 0) {
        rc = cli_fail(e, dest_text);
        goto out;
    }
    /* Like Figure 4.3, the first datagram that comes back is the reply. */
    size_t n;
    e = mw_udp_recvfrom(s, buf, UDP_BUF_SIZE, &n, NULL);
    if (e == MW_ETIMEDOUT) {
        char what[MW_ADDR_STRLEN + 64];
        char text[MW_ADDR_STRLEN];
        cli_format_addr(&dest, text);
        snprintf(what, sizeof what, "no reply from %s within %d ms", text, timeout);
        rc = cli_fail(e, what);
    } else if (e) {
        rc = cli_fail(e, "receive");
    } else {
        cli_print_message("Reply: ", buf, n);
    }
out:
    free(buf);
    mw_udp_close(s);
    return rc;
}

static const cli_verb udp_verbs[] = {
    {
        .name = "serve",
        .summary = "UDP echo server (Figure 4.4)",
        .synopsis = "[--port P] [--count N] [--bind HOST]",
        .help = "Echoes every datagram back to its sender. When ready, prints\n"
                "'listening on ADDR:PORT'; then prints 'from ADDR: MSG' for each datagram\n"
                "(control bytes and backslashes escaped as \\n, \\xNN, \\\\).\n"
                "\n"
                "Options:\n"
                "  --port P          port to listen on (default 6789; 0: any free port)\n"
                "  --count N         exit after echoing N datagrams (default: run until\n"
                "                    killed)\n"
                "  --bind HOST       local address to listen on (default: every IPv6 and\n"
                "                    IPv4 address)\n",
        .run = udp_serve,
    },
    {
        .name = "send",
        .summary = "send a datagram and print the reply (Figure 4.3)",
        .synopsis = "HOST:PORT MSG [--timeout MS]",
        .help = "Sends MSG in one datagram to HOST:PORT (a name, an IPv4 address or\n"
                "[IPv6]), waits for one datagram in reply and prints 'Reply: MSG'.\n"
                "Exits with status 1 if no reply comes in time.\n"
                "\n"
                "Options:\n"
                "  --timeout MS      how long to wait for the reply (default 2000)\n",
        .run = udp_send,
    },
    {0},
};

const cli_command cli_cmd_udp = {
    .name = "udp",
    .summary = "UDP datagrams: echo server and request-reply client",
    .handler = cli_run_verbs,
    .verbs = udp_verbs,
};

/* cmd_udp.c - `midway udp`: the UDP echo server and client of Figures 4.3 and 4.4. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define UDP_DEFAULT_PORT 6789 /* the port of Figure 4.4 */
#define UDP_BUF_SIZE 65536    /* any datagram fits, so recvfrom never reports EMSGSIZE */

/* Opens the server's socket on local, for cli_open_server. */
static int open_socket(void *ctx, const mw_addr *local)
{
    return mw_udp_open(ctx, local, 0);
}

/* ------------------------------------------------------------------------------------ */
/* udp serve                                                                            */
/* ------------------------------------------------------------------------------------ */

static int udp_serve(const cli_verb *v, int argc, char **argv)
{
    cli_serve_opts o = {.port = UDP_DEFAULT_PORT};
    int rc;
    if (!cli_serve_options(v, argc, argv, 0x7fffffff, &o, &rc))
        return rc;

    mw_udp *s = NULL;
    if ((rc = cli_open_server(o.bind_text, o.port, "bind", open_socket, &s)) != 0)
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
    cli_print_listening(&local);

    for (int served = 0; o.count == 0 || served < o.count; served++) {
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
    int timeout;
    const char *dest_text, *msg;
    int rc;
    if (!cli_send_options(v, argc, argv, &timeout, &dest_text, &msg, &rc))
        return rc;
    mw_addr dest, local;
    if ((rc = cli_resolve_dest(v, dest_text, "send to", &dest)) != 0)
        return rc;

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

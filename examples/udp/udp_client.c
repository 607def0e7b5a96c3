/*
 * Figure 4.3 - UDP client sends a message to the server and gets a reply.
 *
 *   udp_client MESSAGE HOST [--port PORT] [--timeout MS]
 *
 * The figure's UDPClient over midway/net.h, step for step: open a datagram socket on any
 * free port, send MESSAGE to port 6789 of HOST, receive one datagram and print it as
 * "Reply: ...". Two departures from the figure, both about things going wrong:
 *  - the wait for the reply is bounded (--timeout, 5000 ms by default): UDP may lose the
 *    request or the reply, and then the figure's client waits forever;
 *  - errors go to stderr with a non-zero exit status, labelled as in the figure
 *    ("Socket:", "IO:").
 * Only the bytes received are printed (the figure prints its whole 1000-byte buffer).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <midway/net.h>

static const char *prog = "udp_client";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s MESSAGE HOST [--port PORT] [--timeout MS]\n"
            "  Sends MESSAGE in one datagram to HOST (default port 6789) and prints the\n"
            "  reply as \"Reply: ...\". --timeout bounds the wait for the reply (default\n"
            "  5000 ms; -1 waits forever). Put -- before a MESSAGE that starts with '-'.\n",
            prog);
}

/* Prints "udp_client: WHAT: reason" on stderr, like the figure's catch clauses. */
static void fail(const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, mw_strerror(err));
}

static int parse_ms(const char *text, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < -1 || v > 86400000)
        return MW_EINVAL;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    uint16_t server_port = 6789;
    int timeout_ms = 5000;
    static const struct option options[] = {{"port", required_argument, NULL, 'p'},
                                            {"timeout", required_argument, NULL, 't'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "p:t:h", options, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (mw_port_parse(optarg, &server_port) != 0) {
                fprintf(stderr, "%s: bad port '%s'\n", prog, optarg);
                return 2;
            }
            break;
        case 't':
            if (parse_ms(optarg, &timeout_ms) != 0) {
                fprintf(stderr, "%s: bad timeout '%s'\n", prog, optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    /* args give message contents and server hostname */
    const char *message = argv[optind];
    const char *host = argv[optind + 1];
    setvbuf(stdout, NULL, _IOLBF, 0); /* a watcher sees each line as it is printed */

    int status = 1;
    mw_udp *a_socket = NULL;
    mw_addr a_host;
    int err = mw_addr_resolve(&a_host, host, server_port, 0);
    if (err != 0) {
        fprintf(stderr, "%s: Socket: %s: %s\n", prog, host, mw_strerror(err));
        goto finally;
    }
    /* new DatagramSocket(): any free port, of the server's address family */
    mw_addr any;
    mw_addr_any(&any, a_host.family, 0);
    err = mw_udp_open(&a_socket, &any, 0);
    if (err != 0) {
        fail("Socket", err);
        goto finally;
    }
    err = mw_udp_sendto(a_socket, message, strlen(message), &a_host);
    if (err != 0) {
        fail("IO", err);
        goto finally;
    }
    /* A buffer for the largest datagram, so a reply is never cut short. */
    static uint8_t buffer[65536];
    size_t length;
    err = mw_udp_set_timeout(a_socket, timeout_ms);
    if (err == 0)
        err = mw_udp_recvfrom(a_socket, buffer, sizeof buffer, &length, NULL);
    if (err == MW_ETIMEDOUT) {
        char where[MW_ADDR_STRLEN];
        mw_addr_format(&a_host, where, sizeof where);
        fprintf(stderr, "%s: IO: %s (no reply from %s within %d ms)\n", prog, mw_strerror(err),
                where, timeout_ms);
        goto finally;
    }
    if (err != 0) {
        fail("IO", err);
        goto finally;
    }
    fputs("Reply: ", stdout);
    fwrite(buffer, 1, length, stdout);
    fputc('\n', stdout);
    status = 0;
finally:
    mw_udp_close(a_socket);
    return status;
}

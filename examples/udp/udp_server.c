/*
 * Figure 4.4 - UDP server repeatedly receives a request and sends it back to the client.
 *
 *   udp_server [--port PORT] [--bind IP] [--count N] [--verbose]
 *
 * The figure's UDPServer over midway/net.h: bind port 6789, then forever receive a
 * datagram and send the same bytes back to where it came from. Additions:
 *  - the first line printed is the bound address, "listening on 0.0.0.0:6789", so that
 *    with --port 0 (any free port) a script can read the port back;
 *  - --bind IP binds one address instead of the wildcard (127.0.0.1 stays on loopback);
 *  - --count N exits after echoing N datagrams (for tests); --verbose prints each echo;
 *  - a reply that cannot be sent is reported and the server goes on (the reply is lost,
 *    as UDP may lose any datagram); a failed receive ends the server, as in the figure.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <midway/net.h>

static const char *prog = "udp_server";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [--port PORT] [--bind IP] [--count N] [--verbose]\n"
            "  Echoes every datagram back to its sender. PORT defaults to 6789 (0: any\n"
            "  free port; the first line printed says which). IP defaults to 0.0.0.0.\n"
            "  --count N exits after N datagrams; --verbose prints each one.\n",
            prog);
}

static void fail(const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, mw_strerror(err));
}

int main(int argc, char **argv)
{
    uint16_t port = 6789;
    const char *bind_ip = "0.0.0.0";
    unsigned long count = 0; /* 0: forever */
    bool verbose = false;
    static const struct option options[] = {
        {"port", required_argument, NULL, 'p'},  {"bind", required_argument, NULL, 'b'},
        {"count", required_argument, NULL, 'n'}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "p:b:n:vh", options, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (mw_port_parse(optarg, &port) != 0) {
                fprintf(stderr, "%s: bad port '%s'\n", prog, optarg);
                return 2;
            }
            break;
        case 'b':
            bind_ip = optarg;
            break;
        case 'n':
            count = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *optarg == '-' || *end != '\0' || count == 0) {
                fprintf(stderr, "%s: bad count '%s'\n", prog, optarg);
                return 2;
            }
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* a watcher sees each line as it is printed */

    int status = 1;
    mw_udp *a_socket = NULL;
    mw_addr local;
    int err = mw_addr_parse(&local, bind_ip, port);
    if (err != 0) {
        fprintf(stderr, "%s: Socket: %s: %s\n", prog, bind_ip, mw_strerror(err));
        goto finally;
    }
    /* new DatagramSocket(6789) */
    err = mw_udp_open(&a_socket, &local, 0);
    if (err == 0)
        err = mw_udp_local_addr(a_socket, &local);
    if (err != 0) {
        fail("Socket", err);
        goto finally;
    }
    char text[MW_ADDR_STRLEN];
    mw_addr_format(&local, text, sizeof text);
    printf("listening on %s\n", text);

    /* Room for the largest datagram: the echo is never cut short. */
    static uint8_t buffer[65536];
    for (unsigned long i = 0; count == 0 || i < count; i++) {
        size_t length;
        mw_addr client;
        err = mw_udp_recvfrom(a_socket, buffer, sizeof buffer, &length, &client);
        if (err != 0) {
            fail("IO", err);
            goto finally;
        }
        mw_addr_format(&client, text, sizeof text);
        err = mw_udp_sendto(a_socket, buffer, length, &client);
        if (err != 0) {
            fprintf(stderr, "%s: IO: reply to %s: %s\n", prog, text, mw_strerror(err));
            continue;
        }
        if (verbose) {
            printf("echoed %zu bytes to %s: ", length, text);
            fwrite(buffer, 1, length, stdout);
            fputc('\n', stdout);
        }
    }
    status = 0;
finally:
    mw_udp_close(a_socket);
    return status;
}

/*
 * Figure 4.5 - TCP client makes connection to server, sends request and receives reply.
 *
 *   tcp_client MESSAGE HOST [--port PORT] [--timeout MS]
 *
 * The figure's TCPClient over midway/net.h: connect to port 7896 of HOST, send MESSAGE
 * as DataOutputStream.writeUTF does (a 2-byte length, then Java's modified UTF-8), read
 * one string back as readUTF does and print it as "Received: ...". So this client talks
 * to the book's Java TCPServer as well as to tcp_server.
 * Departures from the figure: the connect and each read and write are bounded
 * (--timeout, 5000 ms by default), and errors go to stderr with a non-zero exit status,
 * labelled as in the figure ("Sock:" for an unknown host, "EOF:", "IO:").
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <midway/net.h>

static const char *prog = "tcp_client";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s MESSAGE HOST [--port PORT] [--timeout MS]\n"
            "  Connects to HOST (default port 7896), sends MESSAGE with Java's writeUTF\n"
            "  framing, reads the reply with readUTF's and prints \"Received: ...\".\n"
            "  --timeout bounds the connect and each read or write (default 5000 ms; -1\n"
            "  waits forever). Put -- before a MESSAGE that starts with '-'.\n",
            prog);
}

/* The figure's catch clauses: EOFException is "EOF:", any other IOException "IO:". */
static void fail(int err)
{
    const char *what = err == MW_EEOF || err == MW_ETRUNCATED ? "EOF" : "IO";
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
    uint16_t server_port = 7896;
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
    /* arguments supply message and hostname of destination */
    const char *message = argv[optind];
    const char *host = argv[optind + 1];
    setvbuf(stdout, NULL, _IOLBF, 0); /* a watcher sees each line as it is printed */

    int status = 1;
    mw_tcp *s = NULL;
    mw_buf data;
    mw_buf_init(&data);
    /* s = new Socket(args[1], serverPort) */
    mw_addr server;
    int err = mw_addr_resolve(&server, host, server_port, 0);
    if (err != 0) {
        fprintf(stderr, "%s: Sock: %s: %s\n", prog, host, mw_strerror(err));
        goto finally;
    }
    err = mw_tcp_connect(&s, &server, timeout_ms);
    if (err != 0) {
        char where[MW_ADDR_STRLEN];
        mw_addr_format(&server, where, sizeof where);
        fprintf(stderr, "%s: IO: %s: %s\n", prog, where, mw_strerror(err));
        goto finally;
    }
    err = mw_tcp_write_utf(s, message, strlen(message), timeout_ms); /* out.writeUTF */
    if (err == 0)
        err = mw_tcp_read_utf(s, &data, timeout_ms); /* String data = in.readUTF() */
    if (err != 0) {
        fail(err);
        goto finally;
    }
    fputs("Received: ", stdout);
    if (data.len != 0) /* data.data is NULL for an empty string */
        fwrite(data.data, 1, data.len, stdout);
    fputc('\n', stdout);
    status = 0;
finally:
    mw_buf_free(&data);
    mw_tcp_close(s);
    return status;
}

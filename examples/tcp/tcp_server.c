/*
 * Figure 4.6 - TCP server makes a connection for each client and then echoes the
 * client's request.
 *
 *   tcp_server [--port PORT] [--bind IP] [--count N] [--timeout MS] [--verbose]
 *
 * The figure's TCPServer over midway/net.h: listen on port 7896 and, for each client
 * accepted, start a thread (the figure's Connection) that reads one string with Java's
 * readUTF framing, writes it back with writeUTF's, and closes the connection. Errors are
 * printed to stderr with the figure's labels ("Listen:", "Connection:", "EOF:", "IO:").
 * Additions:
 *  - the first line printed is the bound address, "listening on 0.0.0.0:7896", so that
 *    with --port 0 (any free port) a script can read the port back;
 *  - --bind IP listens on one address instead of the wildcard;
 *  - each connection's read and write are bounded (--timeout, 30000 ms by default), so a
 *    silent client cannot hold a thread forever;
 *  - --count N stops after N connections, once their threads have finished (for tests);
 *    --verbose prints each echo.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <midway/net.h>

static const char *prog = "tcp_server";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [--port PORT] [--bind IP] [--count N] [--timeout MS] [--verbose]\n"
            "  Echoes one writeUTF string per connection, one thread per connection.\n"
            "  PORT defaults to 7896 (0: any free port; the first line printed says\n"
            "  which), IP to 0.0.0.0. --timeout bounds each connection's read and write\n"
            "  (default 30000 ms; -1 waits forever). --count N exits after N connections;\n"
            "  --verbose prints each echo.\n",
            prog);
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

/* The figure's Connection: one client, served by its own thread, which frees it. */
struct connection {
    mw_tcp *client_socket;       /* owned by the connection's thread */
    char client[MW_ADDR_STRLEN]; /* the client's address, for messages */
    int timeout_ms;              /* bound on the read and on the write */
    bool verbose;                /* print the echo */
};

/* Connection.run(): an echo server. */
static void connection_run(void *arg)
{
    struct connection *c = arg;
    mw_buf data;
    mw_buf_init(&data);
    int err = mw_tcp_read_utf(c->client_socket, &data, c->timeout_ms); /* in.readUTF() */
    if (err == 0)                                                      /* out.writeUTF(data) */
        err = mw_tcp_write_utf(c->client_socket, data.len ? (const char *)data.data : "",
                               data.len, c->timeout_ms);
    if (err == MW_EEOF || err == MW_ETRUNCATED)
        fprintf(stderr, "%s: EOF: %s (from %s)\n", prog, mw_strerror(err), c->client);
    else if (err != 0)
        fprintf(stderr, "%s: IO: %s (from %s)\n", prog, mw_strerror(err), c->client);
    else if (c->verbose) {
        flockfile(stdout); /* one line, not interleaved with other threads' */
        printf("echoed to %s: ", c->client);
        if (data.len != 0) /* data.data is NULL for an empty string */
            fwrite(data.data, 1, data.len, stdout);
        fputc('\n', stdout);
        funlockfile(stdout);
    }
    /* finally: clientSocket.close() */
    mw_buf_free(&data);
    mw_tcp_close(c->client_socket);
    free(c);
}

/* new Connection(clientSocket): starts the connection's thread. On success the thread
 * owns client_socket; on failure it is closed here. */
static int connection_start(mw_tcp *client_socket, const mw_addr *peer, int timeout_ms,
                            bool verbose, mw_thread **thread)
{
    struct connection *c = malloc(sizeof *c);
    if (c == NULL) {
        mw_tcp_close(client_socket);
        return MW_ENOMEM;
    }
    c->client_socket = client_socket;
    mw_addr_format(peer, c->client, sizeof c->client);
    c->timeout_ms = timeout_ms;
    c->verbose = verbose;
    int err = mw_thread_start(thread, connection_run, c);
    if (err != 0) {
        mw_tcp_close(client_socket);
        free(c);
    }
    return err;
}

int main(int argc, char **argv)
{
    uint16_t server_port = 7896;
    const char *bind_ip = "0.0.0.0";
    unsigned long count = 0; /* 0: forever */
    int timeout_ms = 30000;
    bool verbose = false;
    static const struct option options[] = {{"port", required_argument, NULL, 'p'},
                                            {"bind", required_argument, NULL, 'b'},
                                            {"count", required_argument, NULL, 'n'},
                                            {"timeout", required_argument, NULL, 't'},
                                            {"verbose", no_argument, NULL, 'v'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "p:b:n:t:vh", options, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (mw_port_parse(optarg, &server_port) != 0) {
                fprintf(stderr, "%s: bad port '%s'\n", prog, optarg);
                return 2;
            }
            break;
        case 'b':
            bind_ip = optarg;
            break;
        case 'n':
            count = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *optarg == '-' || *end != '\0' || count == 0 ||
                count > 1000000) {
                fprintf(stderr, "%s: bad count '%s' (1 to 1000000)\n", prog, optarg);
                return 2;
            }
            break;
        case 't':
            if (parse_ms(optarg, &timeout_ms) != 0) {
                fprintf(stderr, "%s: bad timeout '%s'\n", prog, optarg);
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
    mw_tcp_listener *listen_socket = NULL;
    /* With --count, the threads are joined before exit rather than detached, so the
     * process does not end in the middle of an echo. */
    mw_thread **threads = NULL;
    unsigned long started = 0;
    if (count != 0 && (threads = calloc(count, sizeof *threads)) == NULL) {
        fprintf(stderr, "%s: %s\n", prog, mw_strerror(MW_ENOMEM));
        goto finally;
    }
    /* ServerSocket listenSocket = new ServerSocket(serverPort) */
    mw_addr local;
    int err = mw_addr_parse(&local, bind_ip, server_port);
    if (err == 0)
        err = mw_tcp_listen(&listen_socket, &local, 0);
    if (err == 0)
        err = mw_tcp_listener_addr(listen_socket, &local);
    if (err != 0) {
        fprintf(stderr, "%s: Listen: %s: %s\n", prog, bind_ip, mw_strerror(err));
        goto finally;
    }
    char text[MW_ADDR_STRLEN];
    mw_addr_format(&local, text, sizeof text);
    printf("listening on %s\n", text);

    while (count == 0 || started < count) {
        mw_tcp *client_socket;
        mw_addr client;
        err = mw_tcp_accept(listen_socket, &client_socket, &client, MW_FOREVER);
        if (err == MW_ECONNRESET) /* the client gave up before we accepted it */
            continue;
        if (err != 0) {
            fprintf(stderr, "%s: Listen: %s\n", prog, mw_strerror(err));
            goto finally;
        }
        mw_thread *thread;
        err = connection_start(client_socket, &client, timeout_ms, verbose, &thread);
        if (err != 0) {
            fprintf(stderr, "%s: Connection: %s\n", prog, mw_strerror(err));
            continue;
        }
        if (threads != NULL)
            threads[started] = thread;
        else
            mw_thread_detach(thread);
        started++;
    }
    status = 0;
finally:
    for (unsigned long i = 0; threads != NULL && i < started; i++)
        mw_thread_join(threads[i]);
    free(threads);
    mw_tcp_listener_close(listen_socket);
    return status;
}

/* cmd_tcp.c - `midway tcp`: the writeUTF echo server and client of Figures 4.5 and 4.6. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define TCP_DEFAULT_PORT 7896      /* the port of Figure 4.6 */
#define TCP_WRITE_TIMEOUT_MS 30000 /* a client that stops reading loses its connection */

/* Opens the listening socket on local, for cli_open_server. */
static int open_listener(void *ctx, const mw_addr *local)
{
    return mw_tcp_listen(ctx, local, 0);
}

/* ------------------------------------------------------------------------------------ */
/* tcp serve                                                                            */
/* ------------------------------------------------------------------------------------ */

/* One client connection, owned by the thread that serves it. */
typedef struct conn {
    mw_tcp *tcp;               /* the connection; closed by serve_conn */
    char peer[MW_ADDR_STRLEN]; /* the client's address, for the log */
} conn;

/* The Connection thread of Figure 4.6: echoes each string the client writes with
 * writeUTF until the client closes. Frees c. */
static void serve_conn(void *arg)
{
    conn *c = arg;
    mw_buf msg;
    mw_buf_init(&msg);
    char prefix[MW_ADDR_STRLEN + 8];
    snprintf(prefix, sizeof prefix, "from %s: ", c->peer);
    for (;;) {
        mw_buf_reset(&msg);
        int e = mw_tcp_read_utf(c->tcp, &msg, MW_FOREVER);
        if (e == MW_EEOF)
            break;
        if (e) {
            cli_fail(e, c->peer);
            break;
        }
        cli_print_message(prefix, msg.data, msg.len);
        e = mw_tcp_write_utf(c->tcp, (const char *)msg.data, msg.len, TCP_WRITE_TIMEOUT_MS);
        if (e) {
            cli_fail(e, c->peer);
            break;
        }
    }
    mw_buf_free(&msg);
    mw_tcp_close(c->tcp);
    free(c);
}

static int tcp_serve(const cli_verb *v, int argc, char **argv)
{
    cli_serve_opts o = {.port = TCP_DEFAULT_PORT};
    int rc;
    if (!cli_serve_options(v, argc, argv, 1000000, &o, &rc))
        return rc;

    mw_tcp_listener *l = NULL;
    if ((rc = cli_open_server(o.bind_text, o.port, "listen", open_listener, &l)) != 0)
        return rc;
    /* With --count the connections' threads are joined before exiting. */
    mw_thread **threads = NULL;
    if (o.count && !(threads = calloc((size_t)o.count, sizeof *threads))) {
        mw_tcp_listener_close(l);
        return cli_fail(MW_ENOMEM, NULL);
    }
    int started = 0;
    mw_addr local;
    int e = mw_tcp_listener_addr(l, &local);
    if (e) {
        rc = cli_fail(e, "local address");
        goto out;
    }
    cli_print_listening(&local);

    for (int accepted = 0; o.count == 0 || accepted < o.count; accepted++) {
        mw_tcp *tcp;
        mw_addr peer;
        e = mw_tcp_accept(l, &tcp, &peer, MW_FOREVER);
        if (e) {
            rc = cli_fail(e, "accept");
            goto out;
        }
        conn *cn = malloc(sizeof *cn);
        if (!cn) {
            cli_fail(MW_ENOMEM, "new connection");
            mw_tcp_close(tcp);
            continue;
        }
        cn->tcp = tcp;
        cli_format_addr(&peer, cn->peer);
        mw_thread *t;
        e = mw_thread_start(&t, serve_conn, cn);
        if (e) { /* the thread never ran: the connection is still ours */
            cli_fail(e, "new connection");
            mw_tcp_close(tcp);
            free(cn);
            continue;
        }
        if (threads)
            threads[started++] = t;
        else
            mw_thread_detach(t);
    }
out:
    mw_tcp_listener_close(l);
    for (int i = 0; i < started; i++)
        mw_thread_join(threads[i]);
    free(threads);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* tcp send                                                                             */
/* ------------------------------------------------------------------------------------ */

/* Milliseconds left until deadline (never negative). */
static int remaining_ms(uint64_t deadline)
{
    uint64_t now = mw_now_ms();
    return now >= deadline ? 0 : (int)(deadline - now);
}

static int tcp_send(const cli_verb *v, int argc, char **argv)
{
    int timeout;
    const char *dest_text, *msg;
    int rc;
    if (!cli_send_options(v, argc, argv, &timeout, &dest_text, &msg, &rc))
        return rc;
    size_t len = strlen(msg), mlen, bad;
    if (mw_mutf8_length(msg, len, &mlen, &bad) != 0)
        return cli_usage_error(v, "MSG is not valid UTF-8 (byte %zu)", bad);
    if (mlen > MW_UTF_MAX)
        return cli_usage_error(v, "MSG is too long for writeUTF (%zu bytes, at most %d)", mlen,
                               MW_UTF_MAX);

    mw_addr dest;
    if ((rc = cli_resolve_dest(v, dest_text, "connect to", &dest)) != 0)
        return rc;

    uint64_t deadline = mw_now_ms() + (uint64_t)timeout;
    mw_tcp *tcp = NULL;
    mw_buf reply;
    mw_buf_init(&reply);
    int e = mw_tcp_connect(&tcp, &dest, timeout);
    if (e)
        return cli_fail(e, dest_text);
    if ((e = mw_tcp_write_utf(tcp, msg, len, remaining_ms(deadline))) != 0) {
        rc = cli_fail(e, "send");
    } else if ((e = mw_tcp_read_utf(tcp, &reply, remaining_ms(deadline))) != 0) {
        rc = cli_fail(e, e == MW_EEOF ? "the server closed the connection without replying"
                                      : "reply");
    } else {
        cli_print_message("Received: ", reply.data, reply.len);
    }
    mw_buf_free(&reply);
    mw_tcp_close(tcp);
    return rc;
}

static const cli_verb tcp_verbs[] = {
    {
        .name = "serve",
        .summary = "writeUTF echo server, one thread per connection (Figure 4.6)",
        .synopsis = "[--port P] [--count N] [--bind HOST]",
        .help = "Accepts connections and echoes each string a client writes with Java's\n"
                "writeUTF framing (2-byte length, modified UTF-8) until the client closes.\n"
                "When ready, prints 'listening on ADDR:PORT'; then prints 'from ADDR: MSG'\n"
                "for each string (control bytes and backslashes escaped).\n"
                "\n"
                "Options:\n"
                "  --port P          port to listen on (default 7896; 0: any free port)\n"
                "  --count N         exit after N connections have been served (default:\n"
                "                    run until killed)\n"
                "  --bind HOST       local address to listen on (default: every IPv6 and\n"
                "                    IPv4 address)\n",
        .run = tcp_serve,
    },
    {
        .name = "send",
        .summary = "send a string with writeUTF and print the reply (Figure 4.5)",
        .synopsis = "HOST:PORT MSG [--timeout MS]",
        .help = "Connects to HOST:PORT, writes MSG (UTF-8) as writeUTF does, reads one\n"
                "string framed the same way and prints 'Received: MSG'. Exits with status\n"
                "1 if the connection fails or no reply comes in time.\n"
                "\n"
                "Options:\n"
                "  --timeout MS      time allowed for connecting, sending and the reply\n"
                "                    together (default 2000)\n",
        .run = tcp_send,
    },
    {0},
};

const cli_command cli_cmd_tcp = {
    .name = "tcp",
    .summary = "TCP streams: writeUTF/readUTF echo server and client",
    .handler = cli_run_verbs,
    .verbs = tcp_verbs,
};

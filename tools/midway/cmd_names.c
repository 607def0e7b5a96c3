/*
 * cmd_names.c - `midway names`: the naming service (include/midway/rmi.h) from the shell.
 *
 *   (none), serve   runs a naming server: `midway names [--port P] [--store FILE]`;
 *   list            the bound names;
 *   resolve NAME    the reference bound to NAME, in its printable form;
 *   bind NAME REF   binds (or with --rebind replaces) NAME;
 *   unbind NAME     removes NAME.
 *
 * The client verbs find the server as every Midway client does: --names HOST:PORT, else
 * $MIDWAY_NAMES, else 127.0.0.1:7900.
 */
#include <stdlib.h>
#include <string.h>

#include <midway/rmi.h>

#include "cli.h"

enum {
    OPT_PORT = 256,
    OPT_BIND,
    OPT_STORE,
    OPT_NAMES,
    OPT_REBIND,
};

/* ------------------------------------------------------------------------------------ */
/* serve                                                                                */
/* ------------------------------------------------------------------------------------ */

/* The server's log: the naming context's changes and lookups on stdout, one line each,
 * errors (a corrupt store's reason) on stderr. */
static void names_log(void *ctx, mw_log_level level, const char *subsystem, const char *msg)
{
    (void)ctx;
    if (level <= MW_LOG_ERROR) {
        cli_errorf("%s", msg);
        return;
    }
    if (strcmp(subsystem, "naming") == 0) {
        mw_buf line;
        mw_buf_init(&line);
        if (cli_escape(&line, msg, strlen(msg)) == 0)
            cli_emit(&line);
        mw_buf_free(&line);
    }
}

/* Creates the adapter on local, for cli_open_server. */
static int open_adapter(void *ctx, const mw_addr *local)
{
    return mw_rmi_adapter_create(ctx, local, NULL);
}

static int names_serve(const cli_verb *v, int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, OPT_PORT},
        {"bind", required_argument, NULL, OPT_BIND},
        {"store", required_argument, NULL, OPT_STORE},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    uint16_t port = MW_RMI_NAMES_PORT;
    const char *bind_text = NULL, *store = NULL;
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        switch (c) {
        case OPT_PORT:
            rc = cli_parse_port("--port", optarg, &port);
            break;
        case OPT_BIND:
            bind_text = optarg;
            break;
        case OPT_STORE:
            store = optarg;
            if (!*store)
                rc = cli_usage_error(v, "--store: empty file name");
            break;
        default:
            return rc;
        }
        if (rc)
            return rc;
    }
    if ((rc = cli_operands(v, argc, argv, 0, "no arguments")) != 0)
        return rc;

    /* SIGTERM and SIGINT are taken by cli_wait_stop below: block them before the adapter
     * starts its threads, which inherit the mask. */
    sigset_t stop;
    cli_block_stop_signals(&stop);

    mw_log_set(names_log, NULL, MW_LOG_INFO);
    mw_rmi_adapter *a = NULL;
    if ((rc = cli_open_server(bind_text, port, "bind", open_adapter, &a)) != 0)
        return rc;
    int e = mw_rmi_naming_serve(a, store);
    if (e) {
        mw_rmi_adapter_destroy(a);
        if (e == MW_EPROTO)
            cli_errorf("%s: not a valid naming store; move it away or repair it", store);
        else
            cli_fail(e, store ? store : "naming context");
        return CLI_EXIT_ERROR;
    }
    mw_addr local;
    e = mw_rmi_adapter_start(a);
    e = e ? e : mw_rmi_adapter_addr(a, &local);
    if (e) {
        mw_rmi_adapter_destroy(a);
        return cli_fail(e, "start");
    }
    cli_print_listening(&local);
    if (store) {
        mw_arena *arena;
        char **names;
        uint32_t n = 0;
        char self[MW_ADDR_STRLEN + 16];
        snprintf(self, sizeof self, "127.0.0.1:%u", local.port);
        if (mw_arena_create(&arena, 0) == 0) {
            /* Ask ourselves, through the network like any client, how much was loaded. */
            if (mw_rmi_list(self, &names, &n, arena) == 0)
                printf("store %s: %u binding%s\n", store, n, n == 1 ? "" : "s");
            mw_arena_destroy(arena);
        }
    }
    fflush(stdout);

    cli_wait_stop(&stop);
    mw_rmi_adapter_destroy(a);
    mw_log_set(NULL, NULL, MW_LOG_ERROR);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Client verbs                                                                         */
/* ------------------------------------------------------------------------------------ */

/* Parses the client verbs' options (--names, and --rebind where allowed) and checks that
 * n operands follow. */
static int client_args(const cli_verb *v, int argc, char **argv, int n, const char *names,
                       const char **server, bool *rebind)
{
    static const struct option opts[] = {
        {"names", required_argument, NULL, OPT_NAMES},
        {"rebind", no_argument, NULL, OPT_REBIND},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    int c, rc = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, &rc)) != -1) {
        switch (c) {
        case OPT_NAMES:
            *server = optarg;
            break;
        case OPT_REBIND:
            if (!rebind)
                return cli_usage_error(v, "unknown option '--rebind'");
            *rebind = true;
            break;
        default:
            return rc;
        }
    }
    return cli_operands(v, argc, argv, n, names);
}

/* The message for a failed call: which server, and why. */
static int call_failed(int e, const char *server, const char *name)
{
    const char *where = server ? server : getenv(MW_RMI_NAMES_ENV);
    if (e == MW_ENOENT && name) {
        cli_errorf("%s: not bound", name);
        return CLI_EXIT_ERROR;
    }
    if (e == MW_EEXIST && name) {
        cli_errorf("%s: already bound (use --rebind to replace it)", name);
        return CLI_EXIT_ERROR;
    }
    if (e == MW_EINVAL && name) {
        cli_errorf("%s: not a valid name (1 to 512 bytes, no control characters)", name);
        return CLI_EXIT_ERROR;
    }
    if (e == MW_EADDR || e == MW_ERANGE) {
        cli_errorf("%s: malformed address (expected HOST:PORT)", where ? where : "?");
        return CLI_EXIT_USAGE;
    }
    return cli_fail(e, where && *where ? where : "127.0.0.1:7900");
}

static int names_list(const cli_verb *v, int argc, char **argv)
{
    const char *server = NULL;
    int rc = client_args(v, argc, argv, 0, "no arguments", &server, NULL);
    if (rc)
        return rc;
    mw_arena *arena;
    int e = mw_arena_create(&arena, 0);
    char **names = NULL;
    uint32_t n = 0;
    e = e ? e : mw_rmi_list(server, &names, &n, arena);
    if (e == 0) {
        for (uint32_t i = 0; i < n; i++)
            cli_print_message("", names[i], strlen(names[i]));
    } else {
        rc = call_failed(e, server, NULL);
    }
    mw_arena_destroy(arena);
    return rc;
}

static int names_resolve(const cli_verb *v, int argc, char **argv)
{
    const char *server = NULL;
    int rc = client_args(v, argc, argv, 1, "NAME", &server, NULL);
    if (rc)
        return rc;
    const char *name = argv[optind];
    mw_arena *arena;
    int e = mw_arena_create(&arena, 0);
    mw_objref ref;
    e = e ? e : mw_rmi_resolve(server, name, &ref, arena);
    mw_buf line;
    mw_buf_init(&line);
    if (e == 0 && (e = mw_objref_format(&ref, &line)) == 0)
        cli_emit(&line);
    if (e)
        rc = call_failed(e, server, name);
    mw_buf_free(&line);
    mw_arena_destroy(arena);
    return rc;
}

static int names_bind(const cli_verb *v, int argc, char **argv)
{
    const char *server = NULL;
    bool rebind = false;
    int rc = client_args(v, argc, argv, 2, "NAME REF", &server, &rebind);
    if (rc)
        return rc;
    const char *name = argv[optind], *text = argv[optind + 1];
    mw_arena *arena;
    int e = mw_arena_create(&arena, 0);
    if (e)
        return cli_fail(e, NULL);
    mw_objref ref;
    size_t bad = 0;
    if (mw_objref_parse(&ref, text, arena, &bad) != 0) {
        mw_arena_destroy(arena);
        return cli_usage_error(v,
                               "'%s' is not an object reference (at character %zu; "
                               "expected mwref:HOST:PORT/TIME/NUMBER/INTERFACE)",
                               text, bad + 1);
    }
    e = mw_rmi_bind(server, name, &ref, rebind);
    mw_arena_destroy(arena);
    if (e)
        return call_failed(e, server, name);
    printf("%s %s\n", rebind ? "rebound" : "bound", name);
    fflush(stdout);
    return CLI_EXIT_OK;
}

static int names_unbind(const cli_verb *v, int argc, char **argv)
{
    const char *server = NULL;
    int rc = client_args(v, argc, argv, 1, "NAME", &server, NULL);
    if (rc)
        return rc;
    const char *name = argv[optind];
    int e = mw_rmi_unbind(server, name);
    if (e)
        return call_failed(e, server, name);
    printf("unbound %s\n", name);
    fflush(stdout);
    return CLI_EXIT_OK;
}

#define NAMES_OPTION_HELP                                                                      \
    "  --names HOST:PORT the naming server (default: $MIDWAY_NAMES, else\n"                    \
    "                    127.0.0.1:7900)\n"

static const cli_verb names_verbs[] = {
    {
        .name = "serve",
        .summary = "run a naming server (the default verb)",
        .synopsis = "[--port P] [--bind HOST] [--store FILE]",
        .help = "Serves a naming context (the IDL interface midway::NamingContext: bind,\n"
                "rebind, resolve, unbind, list) over the request-reply protocol on UDP.\n"
                "When ready, prints 'listening on ADDR:PORT' (and with --store how many\n"
                "bindings it loaded); then one line per change or lookup. With --store the\n"
                "bindings are loaded from FILE at start and every change is written to it\n"
                "atomically before it is acknowledged; a corrupt FILE is refused (exit 1).\n"
                "On SIGTERM or SIGINT prints 'stopped by ...' and exits with status 0.\n"
                "\n"
                "  --port P          UDP port (default 7900; 0: any free port)\n"
                "  --bind HOST       address to listen on (default: every address)\n"
                "  --store FILE      keep the bindings in FILE\n",
        .run = names_serve,
    },
    {
        .name = "list",
        .summary = "print the bound names, one a line",
        .synopsis = "[--names HOST:PORT]",
        .help = "Prints every bound name, one a line, in byte order.\n\n" NAMES_OPTION_HELP,
        .run = names_list,
    },
    {
        .name = "resolve",
        .summary = "print the object reference bound to a name",
        .synopsis = "NAME [--names HOST:PORT]",
        .help = "Prints the reference bound to NAME (mwref:HOST:PORT/TIME/NUMBER/INTERFACE).\n"
                "Exit status 1 when NAME is not bound.\n\n" NAMES_OPTION_HELP,
        .run = names_resolve,
    },
    {
        .name = "bind",
        .summary = "bind a name to an object reference",
        .synopsis = "NAME REF [--rebind] [--names HOST:PORT]",
        .help = "Binds NAME to REF (mwref:HOST:PORT/TIME/NUMBER/INTERFACE) and prints\n"
                "'bound NAME'. Exit status 1 when NAME is bound already, unless --rebind.\n"
                "\n"
                "  --rebind          replace an existing binding\n" NAMES_OPTION_HELP,
        .run = names_bind,
    },
    {
        .name = "unbind",
        .summary = "remove a name",
        .synopsis = "NAME [--names HOST:PORT]",
        .help = "Removes NAME and prints 'unbound NAME'. Exit status 1 when NAME is not\n"
                "bound.\n\n" NAMES_OPTION_HELP,
        .run = names_unbind,
    },
    {0},
};

/* `midway names` alone, or followed by options, is `midway names serve`. */
static int names_handler(const cli_command *self, int argc, char **argv)
{
    bool implicit = argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "--help") != 0 &&
                                 strcmp(argv[1], "-h") != 0);
    if (!implicit)
        return cli_run_verbs(self, argc, argv);
    char **args = malloc(sizeof *args * ((size_t)argc + 2));
    if (!args)
        return cli_fail(MW_ENOMEM, NULL);
    args[0] = argv[0];
    args[1] = (char *)(uintptr_t) "serve";
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    args[argc + 1] = NULL;
    int rc = cli_run_verbs(self, argc + 1, args);
    free(args);
    return rc;
}

const cli_command cli_cmd_names = {
    .name = "names",
    .summary = "naming service: run a server, list, resolve, bind, unbind",
    .handler = names_handler,
    .verbs = names_verbs,
};

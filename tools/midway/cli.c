/* cli.c - option parsing, messages and verb dispatch shared by the midway commands. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The "command verb" named in error messages. The tool runs one verb per process, so a
 * single value is enough. */
static const char *g_context = "";

void cli_set_context(const char *context)
{
    g_context = context ? context : "";
}

static void vprint_error(const char *fmt, va_list ap) MW_PRINTF(1, 0);

static void vprint_error(const char *fmt, va_list ap)
{
    /* One buffer, one fputs: the line reaches stderr whole even with threads around. */
    char line[1024];
    int n = snprintf(line, sizeof line, "midway: %s%s", g_context, *g_context ? ": " : "");
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    fprintf(stderr, "%s\n", line);
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint_error(fmt, ap);
    va_end(ap);
}

int cli_fail(int err, const char *what)
{
    if (what)
        cli_errorf("%s: %s", what, mw_strerror(err));
    else
        cli_errorf("%s", mw_strerror(err));
    return CLI_EXIT_ERROR;
}

int cli_usage_error(const cli_verb *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint_error(fmt, ap);
    va_end(ap);
    if (v)
        cli_verb_usage(v, stderr, false);
    return CLI_EXIT_USAGE;
}

/* ------------------------------------------------------------------------------------ */
/* Usage                                                                                */
/* ------------------------------------------------------------------------------------ */

void cli_verb_usage(const cli_verb *v, FILE *f, bool full)
{
    fprintf(f, "usage: midway %s %s\n", g_context, v->synopsis);
    if (full) {
        fprintf(f, "\n%s", v->help);
        fprintf(f, "  -h, --help        print this help and exit\n");
    } else {
        fprintf(f, "Try 'midway %s --help'.\n", g_context);
    }
}

void cli_command_usage(const cli_command *c, FILE *f)
{
    fprintf(f, "usage: midway %s <verb> [options] [args]\n\n%s\n\nVerbs:\n", c->name,
            c->summary);
    for (const cli_verb *v = c->verbs; v && v->name; v++)
        fprintf(f, "  %-8s %s\n", v->name, v->summary);
    fprintf(f, "\nRun 'midway %s <verb> --help' for the options of a verb.\n", c->name);
}

int cli_run_verbs(const cli_command *self, int argc, char **argv)
{
    cli_set_context(self->name);
    if (argc < 2) {
        cli_errorf("missing verb");
        cli_command_usage(self, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        cli_command_usage(self, stdout);
        return CLI_EXIT_OK;
    }
    const cli_verb *v = self->verbs;
    while (v && v->name && strcmp(v->name, name) != 0)
        v++;
    if (!v || !v->name) {
        cli_errorf("unknown verb '%s'", name);
        cli_command_usage(self, stderr);
        return CLI_EXIT_USAGE;
    }

    /* argv[0] of the verb is its full name, which getopt puts in its own messages. */
    size_t clen = strlen(self->name) + 1 + strlen(v->name) + 1;
    char *context = malloc(clen);
    char *prog = malloc(clen + sizeof "midway ");
    char **args = malloc(sizeof *args * (size_t)argc);
    if (!context || !prog || !args) {
        free(context);
        free(prog);
        free(args);
        return cli_fail(MW_ENOMEM, NULL);
    }
    snprintf(context, clen, "%s %s", self->name, v->name);
    snprintf(prog, clen + sizeof "midway ", "midway %s", context);
    args[0] = prog;
    for (int i = 2; i < argc; i++)
        args[i - 1] = argv[i];
    args[argc - 1] = NULL;

    cli_set_context(context);
    int rc = v->run(v, argc - 1, args);
    cli_set_context(NULL);
    free(args);
    free(prog);
    free(context);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Options and values                                                                   */
/* ------------------------------------------------------------------------------------ */

int cli_getopt(const cli_verb *v, int argc, char **argv, const struct option *opts,
               int *exit_code)
{
    return cli_getopt_short(v, argc, argv, "", opts, exit_code);
}

int cli_getopt_short(const cli_verb *v, int argc, char **argv, const char *shortopts,
                     const struct option *opts, int *exit_code)
{
    /* Options are long but for -h (and a verb's own short ones). The leading ':' tells a
     * missing value (':') from an unknown option ('?'); opterr = 0 because we word the
     * messages. */
    char spec[32];
    snprintf(spec, sizeof spec, ":h%s", shortopts);
    opterr = 0;
    int c = getopt_long(argc, argv, spec, opts, NULL);
    if (c == 'h') {
        cli_verb_usage(v, stdout, true);
        *exit_code = CLI_EXIT_OK;
        return CLI_OPT_EXIT;
    }
    if (c != '?' && c != ':')
        return c;
    /* After an error getopt_long has stepped past the offending word. */
    const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    if (c == ':')
        *exit_code = cli_usage_error(v, "option '%s' needs a value", word);
    else if (optopt == 0)
        *exit_code = cli_usage_error(v, "unknown option '%s'", word);
    else if (!strncmp(word, "--", 2))
        *exit_code = cli_usage_error(v, "option '%s' takes no value", word);
    else
        *exit_code = cli_usage_error(v, "unknown option '-%c'", optopt);
    return CLI_OPT_EXIT;
}

int cli_operands(const cli_verb *v, int argc, char **argv, int n, const char *names)
{
    int have = argc - optind;
    if (have < n)
        return cli_usage_error(v, "missing argument%s (expected %s)", n - have > 1 ? "s" : "",
                               names);
    if (have > n)
        return cli_usage_error(v, "unexpected argument '%s'", argv[optind + n]);
    return CLI_EXIT_OK;
}

int cli_parse_int(const char *opt, const char *text, long min, long max, int *out)
{
    char *end;
    errno = 0;
    long val = strtol(text, &end, 10);
    if (!(isdigit((unsigned char)text[0]) || text[0] == '-') || *end != '\0') {
        cli_errorf("%s: '%s' is not a number", opt, text);
        return CLI_EXIT_USAGE;
    }
    if (errno == ERANGE || val < min || val > max) {
        cli_errorf("%s: %s is out of range (%ld to %ld)", opt, text, min, max);
        return CLI_EXIT_USAGE;
    }
    *out = (int)val;
    return CLI_EXIT_OK;
}

int cli_parse_port(const char *opt, const char *text, uint16_t *out)
{
    int e = mw_port_parse(text, out);
    if (e == MW_ERANGE) {
        cli_errorf("%s: port %s is out of range (0 to 65535)", opt, text);
        return CLI_EXIT_USAGE;
    }
    if (e) {
        cli_errorf("%s: '%s' is not a port number", opt, text);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

int cli_resolve(const char *text, int default_port, int family, mw_addr *out)
{
    int e = mw_addr_resolve(out, text, default_port, family);
    switch (e) {
    case 0:
        return CLI_EXIT_OK;
    case MW_ERANGE:
        cli_errorf("%s: port out of range (0 to 65535)", text);
        return CLI_EXIT_USAGE;
    case MW_EADDR:
    case MW_EINVAL:
        cli_errorf("%s: malformed address (expected HOST:PORT, [IPv6]:PORT)", text);
        return CLI_EXIT_USAGE;
    default:
        /* MW_ENOTFOUND and resolver failures are facts about the world, not the command
         * line. */
        return cli_fail(e, text);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Servers and clients                                                                  */
/* ------------------------------------------------------------------------------------ */

int cli_open_server(const char *bind_text, uint16_t port, const char *what, cli_open_fn open,
                    void *ctx)
{
    mw_addr local;
    if (bind_text) {
        int rc = cli_resolve(bind_text, port, 0, &local);
        if (rc)
            return rc;
        int e = open(ctx, &local);
        return e ? cli_fail(e, bind_text) : CLI_EXIT_OK;
    }
    mw_addr_any(&local, MW_AF_INET6, port);
    int e = open(ctx, &local);
    if (e == 0)
        return CLI_EXIT_OK;
    /* The port is taken or not ours to have: IPv4 would say the same. */
    if (e == MW_EADDRINUSE || e == MW_EPERM)
        return cli_fail(e, what);
    mw_addr_any(&local, MW_AF_INET4, port);
    e = open(ctx, &local);
    return e ? cli_fail(e, what) : CLI_EXIT_OK;
}

bool cli_serve_options(const cli_verb *v, int argc, char **argv, int max_count,
                       cli_serve_opts *o, int *exit_code)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"count", required_argument, NULL, 'c'},
        {"bind", required_argument, NULL, 'b'},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    o->count = 0;
    o->bind_text = NULL;
    int c;
    *exit_code = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, exit_code)) != -1) {
        switch (c) {
        case 'p':
            *exit_code = cli_parse_port("--port", optarg, &o->port);
            break;
        case 'c':
            *exit_code = cli_parse_int("--count", optarg, 1, max_count, &o->count);
            break;
        case 'b':
            o->bind_text = optarg;
            break;
        default: /* CLI_OPT_EXIT */
            return false;
        }
        if (*exit_code)
            return false;
    }
    *exit_code = cli_operands(v, argc, argv, 0, "no arguments");
    return *exit_code == CLI_EXIT_OK;
}

void cli_print_listening(const mw_addr *local)
{
    char text[MW_ADDR_STRLEN];
    cli_format_addr(local, text);
    printf("listening on %s\n", text);
    fflush(stdout);
}

void cli_block_stop_signals(sigset_t *stop)
{
    sigemptyset(stop);
    sigaddset(stop, SIGTERM);
    sigaddset(stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, stop, NULL);
}

void cli_wait_stop(const sigset_t *stop)
{
    int sig = 0;
    while (sigwait(stop, &sig) != 0) {
    }
    printf("stopped by %s\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    fflush(stdout);
}

bool cli_send_options(const cli_verb *v, int argc, char **argv, int *timeout,
                      const char **dest_text, const char **msg, int *exit_code)
{
    static const struct option opts[] = {
        {"timeout", required_argument, NULL, 't'},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    *timeout = CLI_DEFAULT_TIMEOUT_MS;
    int c;
    *exit_code = CLI_EXIT_OK;
    while ((c = cli_getopt(v, argc, argv, opts, exit_code)) != -1) {
        switch (c) {
        case 't':
            *exit_code = cli_parse_int("--timeout", optarg, 0, 0x7fffffff, timeout);
            break;
        default: /* CLI_OPT_EXIT */
            return false;
        }
        if (*exit_code)
            return false;
    }
    if ((*exit_code = cli_operands(v, argc, argv, 2, "HOST:PORT MSG")) != 0)
        return false;
    *dest_text = argv[optind];
    *msg = argv[optind + 1];
    return true;
}

int cli_resolve_dest(const cli_verb *v, const char *text, const char *action, mw_addr *out)
{
    int rc = cli_resolve(text, -1, 0, out);
    if (rc)
        return rc;
    if (out->port == 0)
        return cli_usage_error(v, "%s: cannot %s port 0", text, action);
    return CLI_EXIT_OK;
}

int cli_resolve_group(const char *text, mw_addr *group)
{
    int rc = cli_resolve(text, -1, 0, group);
    if (rc)
        return rc;
    if (!mw_addr_is_multicast(group)) {
        cli_errorf("%s: %s (IPv4 224.0.0.0/4 or IPv6 ff00::/8)", text,
                   mw_strerror(MW_ENOTMCAST));
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Output                                                                               */
/* ------------------------------------------------------------------------------------ */

void cli_format_addr(const mw_addr *a, char buf[MW_ADDR_STRLEN])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    mw_addr shown = *a;
    if (a->family == MW_AF_INET6 && !memcmp(a->ip, mapped, sizeof mapped)) {
        shown.family = MW_AF_INET4;
        shown.scope_id = 0;
        memmove(shown.ip, a->ip + 12, 4);
        memset(shown.ip + 4, 0, 12);
    }
    if (mw_addr_format(&shown, buf, MW_ADDR_STRLEN) != 0)
        snprintf(buf, MW_ADDR_STRLEN, "?");
}

int cli_escape(mw_buf *b, const void *data, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        char esc[4];
        size_t len = 2;
        esc[0] = '\\';
        switch (c) {
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            if (c >= 0x20 && c != 0x7f) {
                esc[0] = (char)c;
                len = 1;
            } else {
                esc[1] = 'x';
                esc[2] = hex[c >> 4];
                esc[3] = hex[c & 15];
                len = 4;
            }
        }
        int e = mw_buf_append(b, esc, len);
        if (e)
            return e;
    }
    return 0;
}

void cli_emit(mw_buf *b)
{
    if (mw_buf_append(b, "\n", 1) != 0)
        return;
    fwrite(b->data, 1, b->len, stdout);
    fflush(stdout);
}

void cli_print_message(const char *prefix, const void *data, size_t n)
{
    mw_buf line;
    mw_buf_init(&line);
    if (mw_buf_append_str(&line, prefix) == 0 && cli_escape(&line, data, n) == 0)
        cli_emit(&line);
    else
        cli_fail(MW_ENOMEM, "printing a message");
    mw_buf_free(&line);
}

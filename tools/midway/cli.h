/*
 * cli.h - what every command of the `midway` tool shares: the command and verb tables,
 * option parsing, error messages and exit codes, and the scaffolding of its servers
 * (--bind, dual stack, "listening on", stopping on a signal) and clients.
 *
 * The tool is `midway <command> <verb> [options] [args]`. A command (udp, tcp, mcast, ...)
 * lives in its own file cmd_<name>.c and exports one `const cli_command cli_cmd_<name>`;
 * main.c lists the commands once (CLI_COMMANDS). Adding a command is one file plus one
 * word in that list; CMake picks up every cmd_*.c by itself.
 *
 * Messages: errors go to stderr as "midway: <command verb>: <what>: <mw_strerror text>";
 * results go to stdout, one line each, flushed at once so scripts can read them live.
 */
#ifndef MIDWAY_CLI_H
#define MIDWAY_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include <midway/net.h>

/* Exit codes of every command. */
#define CLI_EXIT_OK 0    /* the command did what was asked */
#define CLI_EXIT_ERROR 1 /* a runtime failure: timeout, refused, unknown host, ... */
#define CLI_EXIT_USAGE 2 /* the command line is wrong: unknown option, bad value, ... */

/* The default --timeout of client verbs, in milliseconds. */
#define CLI_DEFAULT_TIMEOUT_MS 2000

typedef struct cli_verb cli_verb;
typedef struct cli_command cli_command;

/* One verb of a command ("serve" of "udp"). */
struct cli_verb {
    const char *name;     /* "serve" */
    const char *summary;  /* one line, shown in the command's list of verbs */
    const char *synopsis; /* the arguments after "midway udp serve" */
    const char *help;     /* the body of --help: what it does, its output, each option */
    /* Runs the verb. argv[0] is the full name ("midway udp serve"), argv[argc] is NULL.
     * Returns a CLI_EXIT_... code. */
    int (*run)(const cli_verb *v, int argc, char **argv);
};

/* One command: an entry of main.c's table. */
struct cli_command {
    const char *name;    /* "udp" */
    const char *summary; /* one line, shown by `midway --help` */
    /* Runs `midway <name> ...`: argv[0] is the command's name, argv[1] (if any) its verb.
     * Commands made of verbs use cli_run_verbs; a command may also parse argv itself. */
    int (*handler)(const cli_command *self, int argc, char **argv);
    const cli_verb *verbs; /* for cli_run_verbs: ends with an entry whose name is NULL */
};

/* The handler of commands made of verbs: picks self->verbs by argv[1], answers
 * `midway <cmd> --help` and `midway <cmd> help`, and reports unknown verbs (exit 2). */
int cli_run_verbs(const cli_command *self, int argc, char **argv);

/* Prints the command's usage (its list of verbs) to f. */
void cli_command_usage(const cli_command *c, FILE *f);
/* Prints the verb's usage to f: the synopsis, and the full help when full is true. */
void cli_verb_usage(const cli_verb *v, FILE *f, bool full);

/* ------------------------------------------------------------------------------------ */
/* Option parsing                                                                       */
/* ------------------------------------------------------------------------------------ */

/* Put this entry in every verb's option table, before the terminating zero entry. */
/* clang-format off */
#define CLI_OPTION_HELP {"help", no_argument, NULL, 'h'}
/* clang-format on */

/* cli_getopt returned something the verb must not handle; *exit_code says how to end. */
#define CLI_OPT_EXIT (-2)

/*
 * getopt_long over the verb's arguments, options and operands in any order ("--" ends the
 * options). Returns the next option's val, -1 when done (operands are then
 * argv[optind..argc)), or CLI_OPT_EXIT after handling --help/-h (usage to stdout,
 * *exit_code 0) or a bad option (message and usage to stderr, *exit_code 2).
 */
int cli_getopt(const cli_verb *v, int argc, char **argv, const struct option *opts,
               int *exit_code);
/* cli_getopt for a verb that also has short options: shortopts in getopt's form, after
 * the ':' and 'h' that cli_getopt passes ("I:" for -I DIR). */
int cli_getopt_short(const cli_verb *v, int argc, char **argv, const char *shortopts,
                     const struct option *opts, int *exit_code);

/* Checks that exactly n operands remain after the options (names: how the synopsis calls
 * them, for the message). CLI_EXIT_OK, or CLI_EXIT_USAGE after printing why. */
int cli_operands(const cli_verb *v, int argc, char **argv, int n, const char *names);

/* Parses a decimal integer in [min, max] given to option opt ("--count"). CLI_EXIT_OK,
 * or CLI_EXIT_USAGE after printing why. */
int cli_parse_int(const char *opt, const char *text, long min, long max, int *out);
/* Parses --port: 0..65535. */
int cli_parse_port(const char *opt, const char *text, uint16_t *out);

/*
 * Resolves "HOST:PORT" (names allowed, IPv6 in brackets) with mw_addr_resolve.
 * default_port < 0 makes the port mandatory. CLI_EXIT_OK; CLI_EXIT_USAGE for a malformed
 * address or a port out of range; CLI_EXIT_ERROR when the host is unknown. The message is
 * printed.
 */
int cli_resolve(const char *text, int default_port, int family, mw_addr *out);

/* ------------------------------------------------------------------------------------ */
/* Servers and clients                                                                  */
/* ------------------------------------------------------------------------------------ */

/* Opens a server on local (the socket, listener or server is the callback's to keep in
 * ctx); 0 or a negative MW_E... code. */
typedef int (*cli_open_fn)(void *ctx, const mw_addr *local);

/*
 * Opens a server through open: on bind_text's address (--bind HOST, resolved with port)
 * when given, else on the IPv6 wildcard, which also takes IPv4 traffic (dual stack),
 * falling back to the IPv4 wildcard on hosts without IPv6. what names the failure when
 * no --bind was given ("bind", "listen"). CLI_EXIT_OK, or an exit code after printing why.
 */
int cli_open_server(const char *bind_text, uint16_t port, const char *what, cli_open_fn open,
                    void *ctx);

/* What the options of an echo server verb (udp serve, tcp serve) ask for. */
typedef struct cli_serve_opts {
    uint16_t port;         /* --port P; the caller sets the default */
    int count;             /* --count N; 0: serve until killed */
    const char *bind_text; /* --bind HOST; NULL: every address */
} cli_serve_opts;

/* Parses --port P, --count N (1..max_count) and --bind HOST, and checks there are no
 * operands. true to go on; false when the verb is done (after --help, *exit_code 0, or a
 * usage error, *exit_code 2). */
bool cli_serve_options(const cli_verb *v, int argc, char **argv, int max_count,
                       cli_serve_opts *o, int *exit_code);

/* Prints "listening on ADDR:PORT" to stdout, flushed: the line scripts wait for. */
void cli_print_listening(const mw_addr *local);

/* Blocks SIGTERM and SIGINT in the calling thread (call it before starting threads, which
 * inherit the mask) and fills stop with them, for cli_wait_stop. */
void cli_block_stop_signals(sigset_t *stop);
/* Waits for one of the signals of stop and prints "stopped by SIGTERM" (or SIGINT). */
void cli_wait_stop(const sigset_t *stop);

/* Parses the options of a send verb (--timeout MS, default CLI_DEFAULT_TIMEOUT_MS) and its
 * two operands HOST:PORT MSG. true to go on; false when the verb is done, as
 * cli_serve_options. */
bool cli_send_options(const cli_verb *v, int argc, char **argv, int *timeout,
                      const char **dest_text, const char **msg, int *exit_code);
/* Resolves HOST:PORT (the port required, and not 0: "cannot <action> port 0", a usage
 * error) as cli_resolve does. */
int cli_resolve_dest(const cli_verb *v, const char *text, const char *action, mw_addr *out);
/* Resolves GROUP:PORT (the port required) and checks that it is a multicast group (else
 * a one-line usage error). */
int cli_resolve_group(const char *text, mw_addr *group);

/* ------------------------------------------------------------------------------------ */
/* Messages                                                                             */
/* ------------------------------------------------------------------------------------ */

/* Sets the context of error messages ("udp send"); cli_run_verbs does it. */
void cli_set_context(const char *context);

/* Prints "midway: <context>: <what>: <mw_strerror(err)>" to stderr and returns
 * CLI_EXIT_ERROR. what may be NULL. */
int cli_fail(int err, const char *what);
/* Prints "midway: <context>: <formatted text>" to stderr. */
void cli_errorf(const char *fmt, ...) MW_PRINTF(1, 2);
/* Prints "midway: <context>: <formatted text>" and the synopsis of v to stderr and
 * returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_verb *v, const char *fmt, ...) MW_PRINTF(2, 3);

/* Formats an address for people: IPv4-mapped IPv6 addresses ("[::ffff:1.2.3.4]:5") are
 * shown as IPv4 ("1.2.3.4:5"). buf has MW_ADDR_STRLEN bytes. */
void cli_format_addr(const mw_addr *a, char buf[MW_ADDR_STRLEN]);

/*
 * Appends a received message to b so that it stays on one line and reads back exactly:
 * backslash and control bytes are escaped (\\, \n, \r, \t, \xNN); every other byte,
 * UTF-8 included, is copied as is. MW_ENOMEM.
 */
int cli_escape(mw_buf *b, const void *data, size_t n);

/* Writes the line b[0..len) and a newline to stdout in one call (so lines from several
 * threads never mix), then flushes. */
void cli_emit(mw_buf *b);
/* Prints "<prefix><escaped message>" as one line to stdout, flushed. */
void cli_print_message(const char *prefix, const void *data, size_t n);

#endif

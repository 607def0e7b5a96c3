/*
 * main.c - the `midway` command-line tool: `midway <command> <verb> [options] [args]`.
 *
 * Each command lives in cmd_<name>.c and exports `const cli_command cli_cmd_<name>`.
 * To add one, write that file and add its name to CLI_COMMANDS below.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef PROJECT_VERSION
#define PROJECT_VERSION "unknown"
#endif

/* Every command, in the order `midway --help` lists them. */
#define CLI_COMMANDS(X)                                                                        \
    X(udp)                                                                                     \
    X(tcp)                                                                                     \
    X(mcast)                                                                                   \
    X(encode)                                                                                  \
    X(decode)                                                                                  \
    X(rr)                                                                                      \
    X(group)                                                                                   \
    X(names)

#define CLI_DECLARE(name) extern const cli_command cli_cmd_##name;
CLI_COMMANDS(CLI_DECLARE)
#undef CLI_DECLARE

#define CLI_ENTRY(name) &cli_cmd_##name,
static const cli_command *const commands[] = {CLI_COMMANDS(CLI_ENTRY)};
#undef CLI_ENTRY

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: midway <command> <verb> [options] [args]\n"
               "       midway help [<command>]\n"
               "       midway --version\n"
               "\n"
               "Midway's command-line tool: talk to and test interprocess-communication\n"
               "peers from the shell.\n"
               "\n"
               "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\n"
               "Run 'midway <command> --help' for its verbs and 'midway <command> <verb>\n"
               "--help' for a verb's options. Exit status: 0 success, 1 runtime error,\n"
               "2 usage error.\n");
}

static const cli_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i]->name, name))
            return commands[i];
    return NULL;
}

static bool is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "help");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (is_help(name)) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            /* `midway help udp` is `midway udp --help`. */
            const cli_command *c = find(argv[2]);
            if (!c) {
                fprintf(stderr, "midway: help: unknown command '%s'\n", argv[2]);
                usage(stderr);
                return CLI_EXIT_USAGE;
            }
            char help[] = "--help";
            char *args[] = {argv[2], help, NULL};
            return c->handler(c, 2, args);
        }
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("midway %s\n", PROJECT_VERSION);
        return CLI_EXIT_OK;
    }
    const cli_command *c = find(name);
    if (!c) {
        if (name[0] == '-')
            fprintf(stderr, "midway: unknown option '%s'\n", name);
        else
            fprintf(stderr, "midway: unknown command '%s'\n", name);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return c->handler(c, argc - 1, argv + 1);
}

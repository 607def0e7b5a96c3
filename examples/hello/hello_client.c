/*
 * The client of the seeds' IDL example (HelloClient.java), over the code midl generates
 * from Hello.idl.
 *
 *   hello_client [--names HOST:PORT] [--tcp]
 *
 * Line by line what HelloClient.java does: find the naming service (its
 * resolve_initial_references("NameService") is --names HOST:PORT, else $MIDWAY_NAMES,
 * else 127.0.0.1:7900), resolve "Hello", check that the object is a HelloApp::Hello (the
 * narrow), print the reference, call sayHello and print the answer, call shutdown.
 * Errors are printed as "ERROR : <reason>" and the exit status is 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <midway/rmi.h>

#include "Hello.h"

static const char *prog = "hello_client";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [--names HOST:PORT] [--tcp]\n"
            "  Resolves \"Hello\" in the naming service (--names, else $MIDWAY_NAMES, else\n"
            "  127.0.0.1:7900), calls sayHello and prints the answer, then calls\n"
            "  shutdown. --tcp calls the object over TCP (its server must use --tcp).\n",
            prog);
}

static int error(const char *what, int err)
{
    printf("ERROR : %s: %s\n", what, mw_strerror(err));
    return 1;
}

int main(int argc, char **argv)
{
    const char *names = NULL;
    int transport = MW_RR_UDP;
    static const struct option options[] = {{"names", required_argument, NULL, 'n'},
                                            {"tcp", no_argument, NULL, 't'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "n:th", options, NULL)) != -1) {
        switch (opt) {
        case 'n':
            names = optarg;
            break;
        case 't':
            transport = MW_RR_TCP;
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

    mw_arena *arena;
    int rc = mw_arena_create(&arena, 0);
    if (rc)
        return error("arena", rc);
    int status = 0;
    mw_rmi_proxy *hello = NULL;
    mw_buf text;
    mw_buf_init(&text);

    /* resolve the Object Reference in Naming */
    mw_objref ref;
    if ((rc = mw_rmi_resolve(names, "Hello", &ref, arena)) != 0) {
        status = error("resolve \"Hello\" in the naming service", rc);
        goto out;
    }
    /* narrow: the reference must be to a HelloApp::Hello */
    if (strcmp(ref.interface, HelloApp_Hello_interface.name) != 0) {
        printf("ERROR : \"Hello\" is a %s, not a %s\n", ref.interface,
               HelloApp_Hello_interface.name);
        status = 1;
        goto out;
    }
    mw_rmi_proxy_opts po = {.rr = {.transport = transport}};
    if ((rc = mw_rmi_proxy_open(&hello, &ref, &po)) != 0) {
        status = error("open a proxy", rc);
        goto out;
    }
    if ((rc = mw_objref_format(&ref, &text)) != 0 || (rc = mw_buf_put_u8(&text, 0)) != 0) {
        status = error("format the reference", rc);
        goto out;
    }
    printf("Obtained a handle on server object: %s\n", (const char *)text.data);
    fflush(stdout);

    char *answer = NULL;
    if ((rc = HelloApp_Hello_sayHello(hello, &answer, arena)) != 0) {
        status = error("sayHello", rc);
        goto out;
    }
    printf("%s\n", answer);
    fflush(stdout);

    if ((rc = HelloApp_Hello_shutdown(hello, arena)) != 0)
        status = error("shutdown", rc);
out:
    mw_rmi_proxy_close(hello);
    mw_buf_free(&text);
    mw_arena_destroy(arena);
    return status;
}

/*
 * The server of the seeds' IDL example (Hello.idl): a Hello servant exported by an object
 * adapter and bound as "Hello" in the naming service.
 *
 *   hello_server [--names HOST:PORT] [--port P] [--bind IP] [--tcp]
 *
 * What the book's CORBA HelloServer does: make the servant, get a reference for it, bind
 * the reference in the naming service under "Hello", then serve calls until a client
 * calls shutdown (a oneway operation). Then it removes its binding, so the name does not
 * outlive the object, and exits with status 0.
 *
 * The first line printed is "listening on ADDR:PORT"; the second the reference it bound.
 * The naming service is found from --names, else $MIDWAY_NAMES, else 127.0.0.1:7900.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <midway/rmi.h>

#include "Hello.h"

static const char *prog = "hello_server";

/* ---- the servant: the application's part ------------------------------------------- */

static int say_hello(void *self, char **result, mw_rmi_env *env)
{
    (void)self;
    static const char text[] = "Hello world !!";
    /* Results live in the call's arena: the runtime marshals them, then frees it. */
    *result = mw_arena_strndup(env->arena, text, sizeof text - 1);
    return *result ? 0 : MW_ENOMEM;
}

static int shutdown_server(void *self, mw_rmi_env *env)
{
    (void)env;
    mw_rmi_adapter_stop(self); /* main's mw_rmi_adapter_wait returns */
    return 0;
}

static const HelloApp_Hello_servant hello_servant = {
    .sayHello = say_hello,
    .shutdown = shutdown_server,
};

/* ---- the process ------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [--names HOST:PORT] [--port P] [--bind IP] [--tcp]\n"
            "  Serves the Hello object of Hello.idl and binds it as \"Hello\" in the\n"
            "  naming service (--names, else $MIDWAY_NAMES, else 127.0.0.1:7900).\n"
            "  P defaults to 0 (any free port); IP to 0.0.0.0. --tcp serves over TCP\n"
            "  (clients must then use --tcp too). Exits when a client calls shutdown.\n",
            prog);
}

static int fail(const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, mw_strerror(err));
    return 1;
}

int main(int argc, char **argv)
{
    const char *names = NULL, *bind_ip = "0.0.0.0";
    uint16_t port = 0;
    int transport = MW_RR_UDP;
    static const struct option options[] = {
        {"names", required_argument, NULL, 'n'}, {"port", required_argument, NULL, 'p'},
        {"bind", required_argument, NULL, 'b'},  {"tcp", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "n:p:b:th", options, NULL)) != -1) {
        switch (opt) {
        case 'n':
            names = optarg;
            break;
        case 'p':
            if (mw_port_parse(optarg, &port) != 0) {
                fprintf(stderr, "%s: bad port '%s'\n", prog, optarg);
                return 2;
            }
            break;
        case 'b':
            bind_ip = optarg;
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

    mw_addr local;
    int rc = mw_addr_parse(&local, bind_ip, 0);
    if (rc) {
        fprintf(stderr, "%s: bad address '%s'\n", prog, bind_ip);
        return 2;
    }
    local.port = port;
    mw_rmi_adapter *adapter;
    mw_rmi_adapter_opts ao = {.rr = {.transport = transport}};
    if ((rc = mw_rmi_adapter_create(&adapter, &local, &ao)) != 0)
        return fail("create the object adapter", rc);
    mw_arena *arena;
    if ((rc = mw_arena_create(&arena, 0)) != 0) {
        mw_rmi_adapter_destroy(adapter);
        return fail("arena", rc);
    }

    /* The servant and its remote object reference. */
    mw_objref ref;
    rc = mw_rmi_adapter_export(adapter, &HelloApp_Hello_skeleton, &hello_servant, adapter, 0,
                               &ref, arena);
    rc = rc ? rc : mw_rmi_adapter_start(adapter);
    mw_addr bound;
    rc = rc ? rc : mw_rmi_adapter_addr(adapter, &bound);
    mw_buf text;
    mw_buf_init(&text);
    rc = rc ? rc : mw_objref_format(&ref, &text);
    rc = rc ? rc : mw_buf_put_u8(&text, 0);
    int status = 0;
    if (rc) {
        status = fail("export", rc);
        goto out;
    }
    char addr[MW_ADDR_STRLEN];
    mw_addr_format(&bound, addr, sizeof addr);
    printf("listening on %s\n", addr);
    fflush(stdout);

    /* Bind it in the naming service: rebind, so that a restarted server replaces the
     * reference of its former self. */
    if ((rc = mw_rmi_bind(names, "Hello", &ref, true)) != 0) {
        status = fail("bind \"Hello\" in the naming service", rc);
        goto out;
    }
    printf("bound \"Hello\" to %s\n", (const char *)text.data);
    printf("HelloServer ready and waiting ...\n");
    fflush(stdout);

    (void)mw_rmi_adapter_wait(adapter, MW_FOREVER);

    /* shutdown was called: take the name back, then stop serving. */
    rc = mw_rmi_unbind(names, "Hello");
    if (rc && rc != MW_ENOENT)
        fprintf(stderr, "%s: unbind \"Hello\": %s\n", prog, mw_strerror(rc));
    printf("HelloServer exiting ...\n");
    fflush(stdout);
out:
    mw_buf_free(&text);
    mw_rmi_adapter_destroy(adapter);
    mw_arena_destroy(arena);
    return status;
}

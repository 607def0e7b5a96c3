/*
 * The Person of Figures 4.8-4.9 served over RMI: a PersonService (Person.idl) that echoes
 * a Person, updates one, and keeps a small register, bound as "PersonService" in the
 * naming service.
 *
 *   person_server [--names HOST:PORT] [--port P] [--bind IP]
 *
 * Prints "listening on ADDR:PORT" first, then the reference it bound; one line per call
 * it serves; exits with status 0 when a client calls shutdown (oneway).
 *
 * The adapter runs one worker thread, so the servant's functions never run at the same
 * time and the register needs no lock. A busier service would use more workers and a
 * mutex.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <midway/rmi.h>

#include "Person.h"

static const char *prog = "person_server";

/* The register: people as they were added, the strings owned here. */
#define MAX_PEOPLE 64

typedef struct service {
    mw_rmi_adapter *adapter;
    Person people[MAX_PEOPLE];
    uint32_t count;
} service;

static char *keep(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void show(const char *what, const Person *p)
{
    printf("%s Person{name: \"%s\", place: \"%s\", year: %u}\n", what, p->name, p->place,
           p->year);
    fflush(stdout);
}

static int ps_echo(void *self, const Person *p, Person *result, mw_rmi_env *env)
{
    (void)self;
    (void)env;
    show("echo", p);
    *result = *p; /* p's strings live in the call's arena, as the result's must */
    return 0;
}

static int ps_update(void *self, Person *p, const char *place, mw_rmi_env *env)
{
    (void)self;
    show("update", p);
    p->place = mw_arena_strndup(env->arena, place, strlen(place));
    return p->place ? 0 : MW_ENOMEM;
}

static int ps_add(void *self, const Person *p, mw_rmi_env *env)
{
    (void)env;
    service *s = self;
    show("add", p);
    uint32_t i = 0;
    while (i < s->count && strcmp(s->people[i].name, p->name) != 0)
        i++;
    if (i == MAX_PEOPLE)
        return MW_ELIMIT;
    Person copy = {.name = keep(p->name), .place = keep(p->place), .year = p->year};
    if (!copy.name || !copy.place) {
        free(copy.name);
        free(copy.place);
        return MW_ENOMEM;
    }
    if (i < s->count) {
        free(s->people[i].name);
        free(s->people[i].place);
    } else {
        s->count++;
    }
    s->people[i] = copy;
    return 0;
}

static int ps_find(void *self, const char *name, Person *result, mw_rmi_env *env)
{
    service *s = self;
    printf("find \"%s\"\n", name);
    fflush(stdout);
    for (uint32_t i = 0; i < s->count; i++) {
        if (strcmp(s->people[i].name, name) == 0) {
            *result = s->people[i]; /* static enough: marshalled before anything changes */
            return 0;
        }
    }
    /* The user exception of the IDL's raises clause, its member in the call's arena. */
    UnknownPerson *e = mw_arena_calloc(env->arena, 1, sizeof *e);
    if (!e || !(e->name = mw_arena_strndup(env->arena, name, strlen(name))))
        return MW_ENOMEM;
    return mw_rmi_raise(env, &UnknownPerson_exception, e);
}

static int ps_all(void *self, People *result, mw_rmi_env *env)
{
    (void)env;
    service *s = self;
    printf("all\n");
    fflush(stdout);
    result->len = s->count;
    result->data = s->people;
    return 0;
}

static int ps_count(void *self, uint32_t *result, mw_rmi_env *env)
{
    (void)env;
    *result = ((service *)self)->count;
    return 0;
}

static int ps_shutdown(void *self, mw_rmi_env *env)
{
    (void)env;
    printf("shutdown\n");
    fflush(stdout);
    mw_rmi_adapter_stop(((service *)self)->adapter);
    return 0;
}

static const PersonService_servant person_servant = {
    .echo = ps_echo,
    .update = ps_update,
    .add = ps_add,
    .find = ps_find,
    .all = ps_all,
    ._get_count = ps_count,
    .shutdown = ps_shutdown,
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [--names HOST:PORT] [--port P] [--bind IP]\n"
            "  Serves a PersonService (Person.idl) bound as \"PersonService\" in the naming\n"
            "  service (--names, else $MIDWAY_NAMES, else 127.0.0.1:7900). P defaults to\n"
            "  0 (any free port), IP to 0.0.0.0. Exits when a client calls shutdown.\n",
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
    static const struct option options[] = {{"names", required_argument, NULL, 'n'},
                                            {"port", required_argument, NULL, 'p'},
                                            {"bind", required_argument, NULL, 'b'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "n:p:b:h", options, NULL)) != -1) {
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
    if (mw_addr_parse(&local, bind_ip, 0) != 0) {
        fprintf(stderr, "%s: bad address '%s'\n", prog, bind_ip);
        return 2;
    }
    local.port = port;

    service s = {0};
    mw_rmi_adapter_opts ao = {.rr = {.workers = 1}};
    int rc = mw_rmi_adapter_create(&s.adapter, &local, &ao);
    if (rc)
        return fail("create the object adapter", rc);
    mw_arena *arena = NULL;
    mw_objref ref;
    mw_addr bound;
    mw_buf text;
    mw_buf_init(&text);
    rc = mw_arena_create(&arena, 0);
    rc = rc ? rc
            : mw_rmi_adapter_export(s.adapter, &PersonService_skeleton, &person_servant, &s, 0,
                                    &ref, arena);
    rc = rc ? rc : mw_rmi_adapter_start(s.adapter);
    rc = rc ? rc : mw_rmi_adapter_addr(s.adapter, &bound);
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
    if ((rc = mw_rmi_bind(names, "PersonService", &ref, true)) != 0) {
        status = fail("bind \"PersonService\" in the naming service", rc);
        goto out;
    }
    printf("bound \"PersonService\" to %s\n", (const char *)text.data);
    fflush(stdout);

    (void)mw_rmi_adapter_wait(s.adapter, MW_FOREVER);
    rc = mw_rmi_unbind(names, "PersonService");
    if (rc && rc != MW_ENOENT)
        fprintf(stderr, "%s: unbind: %s\n", prog, mw_strerror(rc));
out:
    /* Destroying the adapter first: no call can be running on the register after it. */
    mw_rmi_adapter_destroy(s.adapter);
    for (uint32_t i = 0; i < s.count; i++) {
        free(s.people[i].name);
        free(s.people[i].place);
    }
    mw_buf_free(&text);
    mw_arena_destroy(arena);
    return status;
}

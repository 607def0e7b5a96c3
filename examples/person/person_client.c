/*
 * A client of person_server (Person.idl): each operation once, each result printed.
 *
 *   person_client [--names HOST:PORT] [--shutdown]
 *
 * Finds "PersonService" in the naming service (--names, else $MIDWAY_NAMES, else
 * 127.0.0.1:7900), then: echo a Person; update one (an inout argument); add two people;
 * find one, then someone unknown (the user exception UnknownPerson, with its member);
 * list everyone; read the count attribute. With --shutdown it then stops the server.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <midway/rmi.h>

#include "Person.h"

static const char *prog = "person_client";

static void show(const char *what, const Person *p)
{
    printf("%sPerson{name: \"%s\", place: \"%s\", year: %u}\n", what, p->name, p->place,
           p->year);
}

static int error(const char *what, int err)
{
    printf("ERROR : %s: %s\n", what, mw_strerror(err));
    return 1;
}

static int session(mw_rmi_proxy *ps, mw_arena *a)
{
    char smith[] = "Smith", london[] = "London", jones[] = "Jones", oslo[] = "Oslo";
    Person p = {.name = smith, .place = london, .year = 1984}, r;
    int rc;
    if ((rc = PersonService_echo(ps, &p, &r, a)) != 0)
        return error("echo", rc);
    show("echo: ", &r);

    Person moving = p;
    if ((rc = PersonService_update(ps, &moving, "Paris", a)) != 0)
        return error("update", rc);
    show("update to Paris: ", &moving);

    Person q = {.name = jones, .place = oslo, .year = 1990};
    if ((rc = PersonService_add(ps, &p, a)) != 0 || (rc = PersonService_add(ps, &q, a)) != 0)
        return error("add", rc);
    printf("added Smith and Jones\n");

    if ((rc = PersonService_find(ps, "Jones", &r, a)) != 0)
        return error("find", rc);
    show("find Jones: ", &r);

    rc = PersonService_find(ps, "Nobody", &r, a);
    if (rc == MW_RMI_EUSER && ps->exception == &UnknownPerson_exception) {
        const UnknownPerson *e = ps->exception_value;
        printf("find Nobody: raised UnknownPerson{name: \"%s\"}\n", e->name);
    } else {
        return error("find Nobody should raise UnknownPerson", rc ? rc : MW_EPROTO);
    }

    People all;
    if ((rc = PersonService_all(ps, &all, a)) != 0)
        return error("all", rc);
    printf("all: %u people\n", all.len);
    for (uint32_t i = 0; i < all.len; i++)
        show("  ", &all.data[i]);
    uint32_t count = 0;
    if ((rc = PersonService__get_count(ps, &count, a)) != 0)
        return error("count", rc);
    printf("count: %u\n", count);
    return 0;
}

int main(int argc, char **argv)
{
    const char *names = NULL;
    bool stop = false;
    static const struct option options[] = {{"names", required_argument, NULL, 'n'},
                                            {"shutdown", no_argument, NULL, 's'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "n:sh", options, NULL)) != -1) {
        switch (opt) {
        case 'n':
            names = optarg;
            break;
        case 's':
            stop = true;
            break;
        case 'h':
            printf("usage: %s [--names HOST:PORT] [--shutdown]\n", prog);
            return 0;
        default:
            fprintf(stderr, "usage: %s [--names HOST:PORT] [--shutdown]\n", prog);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "usage: %s [--names HOST:PORT] [--shutdown]\n", prog);
        return 2;
    }
    mw_arena *a;
    int rc = mw_arena_create(&a, 0);
    if (rc)
        return error("arena", rc);
    mw_objref ref;
    mw_rmi_proxy *ps = NULL;
    int status = 0;
    if ((rc = mw_rmi_resolve(names, "PersonService", &ref, a)) != 0)
        status = error("resolve \"PersonService\"", rc);
    else if ((rc = mw_rmi_proxy_open(&ps, &ref, NULL)) != 0)
        status = error("open a proxy", rc);
    else
        status = session(ps, a);
    if (status == 0 && stop && (rc = PersonService_shutdown(ps, a)) != 0)
        status = error("shutdown", rc);
    fflush(stdout);
    mw_rmi_proxy_close(ps);
    mw_arena_destroy(a);
    return status;
}

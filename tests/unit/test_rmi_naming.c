/*
 * test_rmi_naming.c - the naming service: bind, rebind, resolve, unbind and list through
 * the one-call conveniences and through the proxies midl generates from
 * idl/midway/naming.idl (as any client would); its exceptions with their values; names it
 * refuses; finding it (--names, MIDWAY_NAMES, the default); the store: its exact text,
 * bindings surviving a restart, corrupt files refused, and a server killed with SIGKILL
 * during a burst of binds restarting with a consistent store that holds every
 * acknowledged binding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <midway/rmi.h>

#include "naming.h"

#define WAIT_MS 10000

static char hello_iface[] = "HelloApp::Hello";

typedef struct server {
    mw_rmi_adapter *adapter;
    char names[64]; /* "127.0.0.1:PORT" */
} server;

static int start_server(server *s, const char *store)
{
    mw_addr local;
    assert_int_equal(mw_addr_parse(&local, "127.0.0.1:0", 0), 0);
    assert_int_equal(mw_rmi_adapter_create(&s->adapter, &local, NULL), 0);
    int rc = mw_rmi_naming_serve(s->adapter, store);
    if (rc) {
        mw_rmi_adapter_destroy(s->adapter);
        s->adapter = NULL;
        return rc;
    }
    assert_int_equal(mw_rmi_adapter_start(s->adapter), 0);
    mw_addr bound;
    assert_int_equal(mw_rmi_adapter_addr(s->adapter, &bound), 0);
    snprintf(s->names, sizeof s->names, "127.0.0.1:%u", bound.port);
    return 0;
}

/* A reference to some object elsewhere (what servers bind). */
static mw_objref some_ref(uint16_t port, uint32_t number)
{
    mw_objref r = {
        .created_ms = 1732190000123u, .object_number = number, .interface = hello_iface};
    assert_int_equal(mw_addr_parse(&r.address, "127.0.0.1:1", 0), 0);
    r.address.port = port;
    return r;
}

static void make_temp_dir(char *buf, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, n, "%s/mw-naming-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(buf));
}

static void remove_dir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* ---- the operations ---------------------------------------------------------------- */

static void bind_resolve_unbind(void **state)
{
    (void)state;
    server s;
    assert_int_equal(start_server(&s, NULL), 0);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_objref r1 = some_ref(4000, 100), r2 = some_ref(4001, 101), got;

    assert_int_equal(mw_rmi_resolve(s.names, "Hello", &got, a), MW_ENOENT);
    assert_int_equal(mw_rmi_bind(s.names, "Hello", &r1, false), 0);
    assert_int_equal(mw_rmi_resolve(s.names, "Hello", &got, a), 0);
    assert_true(mw_objref_equal(&got, &r1));
    assert_int_equal(got.created_ms, r1.created_ms);
    /* bind refuses a taken name; rebind replaces */
    assert_int_equal(mw_rmi_bind(s.names, "Hello", &r2, false), MW_EEXIST);
    assert_int_equal(mw_rmi_resolve(s.names, "Hello", &got, a), 0);
    assert_true(mw_objref_equal(&got, &r1));
    assert_int_equal(mw_rmi_bind(s.names, "Hello", &r2, true), 0);
    assert_int_equal(mw_rmi_resolve(s.names, "Hello", &got, a), 0);
    assert_true(mw_objref_equal(&got, &r2));
    /* rebind of a new name binds it */
    assert_int_equal(mw_rmi_bind(s.names, "Ärger/zwei", &r1, true), 0);
    assert_int_equal(mw_rmi_bind(s.names, "Alpha", &r1, false), 0);

    /* list: every name, in byte order */
    char **names = NULL;
    uint32_t n = 0;
    assert_int_equal(mw_rmi_list(s.names, &names, &n, a), 0);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "Alpha");
    assert_string_equal(names[1], "Hello");
    assert_string_equal(names[2], "Ärger/zwei");

    assert_int_equal(mw_rmi_unbind(s.names, "Hello"), 0);
    assert_int_equal(mw_rmi_unbind(s.names, "Hello"), MW_ENOENT);
    assert_int_equal(mw_rmi_resolve(s.names, "Hello", &got, a), MW_ENOENT);
    assert_int_equal(mw_rmi_list(s.names, &names, &n, a), 0);
    assert_int_equal(n, 2);

    /* names the service refuses: empty, control characters, too long */
    assert_int_equal(mw_rmi_bind(s.names, "", &r1, false), MW_EINVAL);
    assert_int_equal(mw_rmi_bind(s.names, "two\nlines", &r1, false), MW_EINVAL);
    assert_int_equal(mw_rmi_bind(s.names, "tab\there", &r1, false), MW_EINVAL);
    char longest[514];
    memset(longest, 'n', 513);
    longest[513] = 0;
    assert_int_equal(mw_rmi_bind(s.names, longest, &r1, false), MW_EINVAL);
    longest[512] = 0;
    assert_int_equal(mw_rmi_bind(s.names, longest, &r1, false), 0);
    assert_int_equal(mw_rmi_resolve(s.names, longest, &got, a), 0);
    /* a reference without an address */
    mw_objref none = r1;
    none.address.family = 0;
    assert_int_equal(mw_rmi_bind(s.names, "nowhere", &none, false), MW_EINVAL);

    mw_arena_destroy(a);
    mw_rmi_adapter_destroy(s.adapter);
}

/* The exceptions, with their values, through the generated proxies. */
static void exceptions_through_proxies(void **state)
{
    (void)state;
    server s;
    assert_int_equal(start_server(&s, NULL), 0);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_objref nc;
    assert_int_equal(mw_rmi_names_locate(&nc, s.names, a), 0);
    assert_int_equal(nc.object_number, MW_RMI_NAMING_OBJECT);
    assert_int_equal(nc.created_ms, 0);
    assert_string_equal(nc.interface, "midway::NamingContext");
    mw_rmi_proxy *p;
    assert_int_equal(mw_rmi_proxy_open(&p, &nc, NULL), 0);

    mw_objref r = some_ref(4000, 100), got;
    assert_int_equal(midway_NamingContext_resolve(p, "Nobody", &got, a), MW_RMI_EUSER);
    assert_ptr_equal(p->exception, &midway_NotFound_exception);
    assert_string_equal(((midway_NotFound *)p->exception_value)->name, "Nobody");
    assert_int_equal(midway_NamingContext_unbind(p, "Nobody", a), MW_RMI_EUSER);
    assert_ptr_equal(p->exception, &midway_NotFound_exception);

    assert_int_equal(midway_NamingContext_bind(p, "Hello", &r, a), 0);
    assert_int_equal(midway_NamingContext_bind(p, "Hello", &r, a), MW_RMI_EUSER);
    assert_ptr_equal(p->exception, &midway_AlreadyBound_exception);
    assert_string_equal(((midway_AlreadyBound *)p->exception_value)->name, "Hello");
    assert_int_equal(midway_NamingContext_resolve(p, "Hello", &got, a), 0);
    assert_null(p->exception);
    assert_true(mw_objref_equal(&got, &r));
    midway_NameList list;
    assert_int_equal(midway_NamingContext_list(p, &list, a), 0);
    assert_int_equal(list.len, 1);
    assert_string_equal(list.data[0], "Hello");
    mw_rmi_proxy_close(p);

    /* a second naming context in the same adapter: the number is taken */
    assert_int_equal(mw_rmi_naming_serve(s.adapter, NULL), MW_EEXIST);
    mw_arena_destroy(a);
    mw_rmi_adapter_destroy(s.adapter);
}

static void locate(void **state)
{
    (void)state;
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_objref r;
    char want[MW_ADDR_STRLEN];
    /* the default: 127.0.0.1:7900 */
    unsetenv(MW_RMI_NAMES_ENV);
    assert_int_equal(mw_rmi_names_locate(&r, NULL, a), 0);
    assert_int_equal(mw_addr_format(&r.address, want, sizeof want), 0);
    assert_string_equal(want, "127.0.0.1:7900");
    /* MIDWAY_NAMES, with or without a port */
    setenv(MW_RMI_NAMES_ENV, "127.0.0.2:1234", 1);
    assert_int_equal(mw_rmi_names_locate(&r, NULL, a), 0);
    assert_int_equal(mw_addr_format(&r.address, want, sizeof want), 0);
    assert_string_equal(want, "127.0.0.2:1234");
    setenv(MW_RMI_NAMES_ENV, "[::1]", 1);
    assert_int_equal(mw_rmi_names_locate(&r, NULL, a), 0);
    assert_int_equal(r.address.port, MW_RMI_NAMES_PORT);
    /* an explicit --names wins */
    assert_int_equal(mw_rmi_names_locate(&r, "localhost:99", a), 0);
    assert_int_equal(r.address.port, 99);
    unsetenv(MW_RMI_NAMES_ENV);
    assert_int_not_equal(mw_rmi_names_locate(&r, "1.2.3.4:99999", a), 0);
    assert_int_not_equal(mw_rmi_names_locate(&r, "[::1", a), 0);
    /* nobody there: a timeout or refusal, in bounded time */
    uint64_t t0 = mw_now_ms();
    int rc = mw_rmi_resolve("127.0.0.1:9", "Hello", &r, a);
    assert_true(rc == MW_ETIMEDOUT || rc == MW_ECONNREFUSED);
    assert_true(mw_now_ms() - t0 < 5000);
    mw_arena_destroy(a);
}

/* ---- the store --------------------------------------------------------------------- */

static void store_survives_restart(void **state)
{
    (void)state;
    char dir[256], path[300];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/names", dir);
    server s;
    /* a new store is written at start */
    assert_int_equal(start_server(&s, path), 0);
    assert_string_equal(read_text(path), "midway-names\t1\nend\t0\n");
    mw_objref r1 = some_ref(4000, 100), r2 = some_ref(4001, 7);
    assert_int_equal(mw_rmi_bind(s.names, "Hello", &r1, false), 0);
    assert_int_equal(mw_rmi_bind(s.names, "Bank account", &r2, false), 0);
    assert_int_equal(mw_rmi_bind(s.names, "gone", &r2, false), 0);
    assert_int_equal(mw_rmi_unbind(s.names, "gone"), 0);
    /* the text: sorted, one binding a line, the count at the end */
    assert_string_equal(read_text(path),
                        "midway-names\t1\n"
                        "Bank account\tmwref:127.0.0.1:4001/1732190000123/7/HelloApp::Hello\n"
                        "Hello\tmwref:127.0.0.1:4000/1732190000123/100/HelloApp::Hello\n"
                        "end\t2\n");
    mw_rmi_adapter_destroy(s.adapter);

    /* a new server process on the same store */
    assert_int_equal(start_server(&s, path), 0);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    mw_objref got;
    assert_int_equal(mw_rmi_resolve(s.names, "Hello", &got, a), 0);
    assert_true(mw_objref_equal(&got, &r1));
    assert_int_equal(mw_rmi_resolve(s.names, "Bank account", &got, a), 0);
    assert_true(mw_objref_equal(&got, &r2));
    assert_int_equal(mw_rmi_resolve(s.names, "gone", &got, a), MW_ENOENT);
    mw_arena_destroy(a);
    mw_rmi_adapter_destroy(s.adapter);

    /* an unwritable place fails at start, not at the first bind */
    char bad[320];
    snprintf(bad, sizeof bad, "%s/no/such/dir/names", dir);
    assert_int_not_equal(start_server(&s, bad), 0);
    remove_dir(dir);
}

static char logged[512];

static void keep_log(void *ctx, mw_log_level level, const char *subsystem, const char *msg)
{
    (void)ctx;
    (void)level;
    (void)subsystem;
    snprintf(logged, sizeof logged, "%s", msg);
}

static void corrupt_stores(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *why; /* part of the logged reason */
    } cases[] = {
        {"", "empty file"},
        {"midway-names\t2\nend\t0\n", "line 1"},
        {"hello\n", "line 1"},
        {"midway-names\t1\n", "no end line"},
        {"midway-names\t1\nend\t0", "no newline"},
        {"midway-names\t1\nend\t1\n", "count"},
        {"midway-names\t1\nA\tmwref:127.0.0.1:1/1/1/X\n", "no end line"},
        {"midway-names\t1\nA mwref:127.0.0.1:1/1/1/X\nend\t1\n", "line 2"},
        {"midway-names\t1\nA\tmwref:127.0.0.1/1/1/X\nend\t1\n", "line 2"},
        {"midway-names\t1\nB\tmwref:127.0.0.1:1/1/1/X\nA\tmwref:127.0.0.1:1/1/1/X\nend\t2\n",
         "line 3"},
        {"midway-names\t1\nA\tmwref:127.0.0.1:1/1/1/X\nA\tmwref:127.0.0.1:1/1/1/X\nend\t2\n",
         "repeated"},
        {"midway-names\t1\nend\t0\nmore\n", "after the end"},
        {"midway-names\t1\n\tmwref:127.0.0.1:1/1/1/X\nend\t1\n", "name"},
        {"midway-names\t1\n\xff\tmwref:127.0.0.1:1/1/1/X\nend\t1\n", "name"},
        {"midway-names\t1\nend\t99999999999999999999\n", "count"},
    };
    char dir[256], path[300];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/names", dir);
    mw_log_set(keep_log, NULL, MW_LOG_ERROR);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(path, cases[i].text);
        logged[0] = 0;
        server s;
        if (start_server(&s, path) != MW_EPROTO)
            fail_msg("case %zu was accepted", i);
        if (!strstr(logged, cases[i].why) || !strstr(logged, path))
            fail_msg("case %zu logged \"%s\"", i, logged);
        /* the file is left as it was, for its owner to look at */
        assert_string_equal(read_text(path), cases[i].text);
    }
    /* a good one with a valid binding loads */
    write_text(path, "midway-names\t1\nA\tmwref:[::1]:1/1/1/X%20Y\nend\t1\n");
    server s;
    assert_int_equal(start_server(&s, path), 0);
    mw_rmi_adapter_destroy(s.adapter);
    mw_log_set(NULL, NULL, MW_LOG_ERROR);
    remove_dir(dir);
}

/* A naming server in a child process, killed with SIGKILL while a client binds as fast
 * as it can; restarted on the same store, it must load it, and hold every binding the
 * client was told had succeeded (and at most the one being made when it died). */
typedef struct burst {
    const char *names;
    atomic_int acked; /* binds that succeeded */
    atomic_bool stop;
    int rounds_base; /* names of this round start here */
} burst;

static void binder(void *arg)
{
    burst *b = arg;
    mw_arena *a;
    if (mw_arena_create(&a, 0) != 0)
        return;
    mw_objref nc;
    mw_rmi_proxy *p = NULL;
    mw_rmi_proxy_opts o = {.rr = {.timeout_ms = 100, .retries = 2}};
    if (mw_rmi_names_locate(&nc, b->names, a) == 0 && mw_rmi_proxy_open(&p, &nc, &o) == 0) {
        mw_objref r = some_ref(4000, 100);
        for (int i = 0; !atomic_load(&b->stop); i++) {
            char name[32];
            snprintf(name, sizeof name, "n%06d", b->rounds_base + i);
            if (midway_NamingContext_bind(p, name, &r, a) != 0)
                break;
            atomic_fetch_add(&b->acked, 1);
            mw_arena_reset(a);
        }
    }
    mw_rmi_proxy_close(p);
    mw_arena_destroy(a);
}

static void killed_during_burst(void **state)
{
    (void)state;
    char dir[256], path[300];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/names", dir);
    int total = 0;
    for (int round = 0; round < 3; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            server s;
            if (start_server(&s, path) != 0)
                _exit(3);
            ssize_t w = write(fds[1], s.names, strlen(s.names) + 1);
            (void)w;
            (void)mw_rmi_adapter_wait(s.adapter, MW_FOREVER);
            _exit(0);
        }
        close(fds[1]);
        char names[64] = {0};
        ssize_t got = read(fds[0], names, sizeof names - 1);
        close(fds[0]);
        assert_true(got > 0);

        burst b = {.names = names, .rounds_base = round * 100000};
        atomic_init(&b.acked, 0);
        atomic_init(&b.stop, false);
        mw_thread *t;
        assert_int_equal(mw_thread_start(&t, binder, &b), 0);
        /* let a few dozen binds through, then kill it in the middle of the next ones */
        uint64_t deadline = mw_now_ms() + WAIT_MS;
        while (atomic_load(&b.acked) < 20 + 10 * round && mw_now_ms() < deadline)
            mw_sleep_ms(1);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        atomic_store(&b.stop, true);
        mw_thread_join(t);
        int acked = atomic_load(&b.acked);
        assert_true(acked >= 20 + 10 * round);

        /* restart here: the store loads, and holds what was acknowledged */
        server s;
        assert_int_equal(start_server(&s, path), 0);
        mw_arena *a;
        assert_int_equal(mw_arena_create(&a, 0), 0);
        char **list;
        uint32_t n;
        assert_int_equal(mw_rmi_list(s.names, &list, &n, a), 0);
        assert_true((int)n >= total + acked);
        assert_true((int)n <= total + acked + 1);
        for (int i = 0; i < acked; i++) {
            char name[32];
            snprintf(name, sizeof name, "n%06d", round * 100000 + i);
            mw_objref r;
            assert_int_equal(mw_rmi_resolve(s.names, name, &r, a), 0);
        }
        total = (int)n;
        mw_arena_destroy(a);
        mw_rmi_adapter_destroy(s.adapter);
    }
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bind_resolve_unbind),
        cmocka_unit_test(exceptions_through_proxies),
        cmocka_unit_test(locate),
        cmocka_unit_test(store_survives_restart),
        cmocka_unit_test(corrupt_stores),
        cmocka_unit_test(killed_during_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

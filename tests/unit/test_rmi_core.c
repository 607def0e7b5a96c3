/*
 * test_rmi_core.c - the RMI runtime end to end over loopback: an object adapter serving
 * the generated skeletons of rmi_test.idl, generated proxies over the request-reply
 * binding (UDP and TCP); results, inout and out arguments, user exceptions with their
 * values, every system exception (unknown object, unknown operation, wrong interface,
 * stale reference, malformed bodies, a dead server), oneway calls, inheritance, many
 * concurrent clients, unexport, the bytes of the bodies against docs/protocol.md, and
 * the request-reply catch-all handler the adapter is built on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <midway/rmi.h>

#include "rmi_test.h"

/* Interface names to put in references (mw_objref.interface is not const). */
static char account_name[] = "RmiTest::Account";
static char savings_name[] = "RmiTest::Savings";
static char unrelated_name[] = "RmiTest::Unrelated";

/* Every blocking wait here ends within this; a passing run waits far less. */
#define WAIT_MS 10000

/* ---- the servant ------------------------------------------------------------------- */

typedef struct account {
    _Atomic uint64_t balance;
    atomic_int pausing; /* 1 while pause runs, 2 once it has returned */
    atomic_uint notes;
    atomic_bool frozen;
    mw_rmi_adapter *adapter; /* for close and stop */
    mw_objref ref;           /* its own reference, for close */
} account;

static int acc_balance(void *self, uint64_t *result, mw_rmi_env *env)
{
    (void)env;
    *result = atomic_load(&((account *)self)->balance);
    return 0;
}

static int acc_deposit(void *self, uint64_t amount, mw_rmi_env *env)
{
    (void)env;
    atomic_fetch_add(&((account *)self)->balance, amount);
    return 0;
}

static int acc_withdraw(void *self, uint64_t amount, mw_rmi_env *env)
{
    account *a = self;
    if (atomic_load(&a->frozen))
        return mw_rmi_raise(env, &RmiTest_Frozen_exception, NULL);
    uint64_t b = atomic_load(&a->balance);
    if (amount > b) {
        RmiTest_Overdrawn *o = mw_arena_calloc(env->arena, 1, sizeof *o);
        if (!o)
            return MW_ENOMEM;
        o->balance = b;
        o->owner = mw_arena_strndup(env->arena, "Smith", 5);
        return mw_rmi_raise(env, &RmiTest_Overdrawn_exception, o);
    }
    atomic_fetch_sub(&a->balance, amount);
    return 0;
}

static int acc_echo(void *self, const char *s, int32_t *n, double *d, char **result,
                    mw_rmi_env *env)
{
    (void)self;
    *n = *n * 2;
    *d = 0.5;
    *result = mw_arena_strndup(env->arena, s, strlen(s));
    return *result ? 0 : MW_ENOMEM;
}

static int acc_older(void *self, const RmiTest_Person *p, int16_t years, RmiTest_Person *result,
                     mw_rmi_env *env)
{
    (void)self;
    (void)env;
    *result = *p; /* the strings live in the call's arena already */
    result->year = (uint32_t)((int32_t)p->year - years);
    return 0;
}

static int acc_reverse(void *self, const RmiTest_Longs *v, RmiTest_Longs *result,
                       mw_rmi_env *env)
{
    (void)self;
    result->len = v->len;
    result->data = v->len ? mw_arena_calloc(env->arena, v->len, sizeof(int32_t)) : NULL;
    if (v->len && !result->data)
        return MW_ENOMEM;
    for (uint32_t i = 0; i < v->len; i++)
        result->data[i] = v->data[v->len - 1 - i];
    return 0;
}

static int acc_note(void *self, const char *text, mw_rmi_env *env)
{
    (void)env;
    (void)text;
    atomic_fetch_add(&((account *)self)->notes, 1);
    return 0;
}

static int acc_notes(void *self, uint32_t *result, mw_rmi_env *env)
{
    (void)env;
    *result = atomic_load(&((account *)self)->notes);
    return 0;
}

static int acc_fail(void *self, int32_t code, mw_rmi_env *env)
{
    (void)self;
    (void)env;
    return code;
}

static int acc_close(void *self, mw_rmi_env *env)
{
    (void)env;
    account *a = self;
    /* An object unexporting itself from inside its own call must not wait for itself. */
    return mw_rmi_adapter_unexport(a->adapter, &a->ref);
}

static int acc_stop(void *self, mw_rmi_env *env)
{
    (void)env;
    mw_rmi_adapter_stop(((account *)self)->adapter);
    return 0;
}

static int acc_pause(void *self, uint32_t ms, mw_rmi_env *env)
{
    (void)env;
    account *a = self;
    atomic_store(&a->pausing, 1);
    mw_sleep_ms(ms);
    atomic_store(&a->pausing, 2);
    return 0;
}

static int sav_rate(void *self, double *result, mw_rmi_env *env)
{
    (void)self;
    (void)env;
    *result = 0.025;
    return 0;
}

static const RmiTest_Account_servant account_servant = {
    .balance = acc_balance,
    .deposit = acc_deposit,
    .withdraw = acc_withdraw,
    .echo = acc_echo,
    .older = acc_older,
    .reverse = acc_reverse,
    .note = acc_note,
    .notes = acc_notes,
    .fail = acc_fail,
    .close = acc_close,
    .stop = acc_stop,
    .pause = acc_pause,
};

static const RmiTest_Savings_servant savings_servant = {
    .balance = acc_balance,
    .deposit = acc_deposit,
    .withdraw = acc_withdraw,
    .echo = acc_echo,
    .older = acc_older,
    .reverse = acc_reverse,
    .note = acc_note,
    .notes = acc_notes,
    .fail = acc_fail,
    .close = acc_close,
    .stop = acc_stop,
    .rate = sav_rate,
};

/* ---- fixtures ---------------------------------------------------------------------- */

typedef struct fixture {
    int transport;
    mw_rmi_adapter *adapter;
    mw_arena *arena; /* references and results */
    account acc;
} fixture;

static void start_adapter_flags(fixture *f, int transport, int flags)
{
    f->transport = transport;
    mw_addr local;
    assert_int_equal(mw_addr_parse(&local, "127.0.0.1:0", 0), 0);
    mw_rmi_adapter_opts o = {.rr = {.transport = transport, .workers = 4}, .flags = flags};
    assert_int_equal(mw_rmi_adapter_create(&f->adapter, &local, &o), 0);
    assert_int_equal(mw_arena_create(&f->arena, 0), 0);
    f->acc.adapter = f->adapter;
    assert_int_equal(mw_rmi_adapter_export(f->adapter, &RmiTest_Account_skeleton,
                                           &account_servant, &f->acc, 0, &f->acc.ref, f->arena),
                     0);
    assert_int_equal(mw_rmi_adapter_start(f->adapter), 0);
}

static void start_adapter(fixture *f, int transport)
{
    start_adapter_flags(f, transport, 0);
}

static void stop_adapter(fixture *f)
{
    mw_rmi_adapter_destroy(f->adapter);
    mw_arena_destroy(f->arena);
}

static mw_rmi_proxy *open_proxy(const fixture *f, const mw_objref *ref, int timeout_ms)
{
    mw_rmi_proxy_opts o = {.rr = {.transport = f->transport, .timeout_ms = timeout_ms}};
    mw_rmi_proxy *p = NULL;
    assert_int_equal(mw_rmi_proxy_open(&p, ref, &o), 0);
    return p;
}

/* ---- calls ------------------------------------------------------------------------- */

/* flags: the adapter's (MW_RMI_INLINE runs the servant on the loop thread). */
static void calls_over(int transport, int flags)
{
    fixture f = {0};
    start_adapter_flags(&f, transport, flags);
    /* The reference names this process, its adapter and the interface. */
    mw_addr bound;
    assert_int_equal(mw_rmi_adapter_addr(f.adapter, &bound), 0);
    assert_int_equal(f.acc.ref.address.port, bound.port);
    assert_int_equal(f.acc.ref.created_ms, mw_objref_process_time());
    assert_string_equal(f.acc.ref.interface, "RmiTest::Account");
    assert_true(f.acc.ref.object_number >= 100);

    mw_rmi_proxy *p = open_proxy(&f, &f.acc.ref, 0);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    uint64_t bal = 1;
    assert_int_equal(RmiTest_Account_balance(p, &bal, a), 0);
    assert_int_equal(bal, 0);
    assert_int_equal(RmiTest_Account_deposit(p, 250, a), 0);
    assert_int_equal(RmiTest_Account_balance(p, &bal, a), 0);
    assert_int_equal(bal, 250);

    /* in, inout, out and the result */
    int32_t n = 21;
    double d = 0;
    char *r = NULL;
    assert_int_equal(RmiTest_Account_echo(p, "héllo", &n, &d, &r, a), 0);
    assert_string_equal(r, "héllo");
    assert_int_equal(n, 42);
    assert_true(d == 0.5);

    /* structs and sequences */
    char smith[] = "Smith", london[] = "London";
    RmiTest_Person in = {.name = smith, .place = london, .year = 1984}, out = {0};
    assert_int_equal(RmiTest_Account_older(p, &in, 10, &out, a), 0);
    assert_string_equal(out.name, "Smith");
    assert_string_equal(out.place, "London");
    assert_int_equal(out.year, 1974);
    int32_t vals[5] = {1, -2, 3, -4, 5};
    RmiTest_Longs seq = {.len = 5, .data = vals}, rev = {0};
    assert_int_equal(RmiTest_Account_reverse(p, &seq, &rev, a), 0);
    assert_int_equal(rev.len, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rev.data[i], vals[4 - i]);
    RmiTest_Longs empty = {0};
    assert_int_equal(RmiTest_Account_reverse(p, &empty, &rev, a), 0);
    assert_int_equal(rev.len, 0);

    /* a large argument: fragmented over UDP */
    size_t big = 100000;
    int32_t *many = calloc(big, sizeof *many);
    assert_non_null(many);
    for (size_t i = 0; i < big; i++)
        many[i] = (int32_t)i;
    seq = (RmiTest_Longs){.len = (uint32_t)big, .data = many};
    assert_int_equal(RmiTest_Account_reverse(p, &seq, &rev, a), 0);
    assert_int_equal(rev.len, big);
    assert_int_equal(rev.data[0], big - 1);
    assert_int_equal(rev.data[big - 1], 0);
    free(many);

    mw_rmi_proxy_close(p);
    mw_arena_destroy(a);
    stop_adapter(&f);
}

static void calls_udp(void **state)
{
    (void)state;
    calls_over(MW_RR_UDP, 0);
}

static void calls_tcp(void **state)
{
    (void)state;
    calls_over(MW_RR_TCP, 0);
}

static void calls_inline(void **state)
{
    (void)state;
    calls_over(MW_RR_UDP, MW_RMI_INLINE);
    calls_over(MW_RR_TCP, MW_RMI_INLINE);
}

/* ---- exceptions -------------------------------------------------------------------- */

static void user_exceptions(void **state)
{
    (void)state;
    fixture f = {0};
    start_adapter(&f, MW_RR_UDP);
    mw_rmi_proxy *p = open_proxy(&f, &f.acc.ref, 0);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    assert_int_equal(RmiTest_Account_deposit(p, 100, a), 0);
    assert_int_equal(RmiTest_Account_withdraw(p, 30, a), 0);
    assert_null(p->exception);

    /* an exception with members: decoded into the caller's arena */
    assert_int_equal(RmiTest_Account_withdraw(p, 1000, a), MW_RMI_EUSER);
    assert_ptr_equal(p->exception, &RmiTest_Overdrawn_exception);
    const RmiTest_Overdrawn *o = p->exception_value;
    assert_non_null(o);
    assert_int_equal(o->balance, 70);
    assert_string_equal(o->owner, "Smith");

    /* an exception without members */
    atomic_store(&f.acc.frozen, true);
    assert_int_equal(RmiTest_Account_withdraw(p, 1, a), MW_RMI_EUSER);
    assert_ptr_equal(p->exception, &RmiTest_Frozen_exception);
    assert_null(p->exception_value);

    /* the next successful call clears it */
    uint64_t bal = 0;
    assert_int_equal(RmiTest_Account_balance(p, &bal, a), 0);
    assert_null(p->exception);
    assert_int_equal(bal, 70);

    /* a servant's own error code travels as a system exception */
    assert_int_equal(RmiTest_Account_fail(p, MW_EPERM, a), MW_EPERM);
    assert_int_equal(RmiTest_Account_fail(p, 7, a), MW_ESYS); /* not a code: ESYS */
    mw_rmi_proxy_close(p);
    mw_arena_destroy(a);
    stop_adapter(&f);
}

static void system_exceptions(void **state)
{
    (void)state;
    fixture f = {0};
    start_adapter(&f, MW_RR_UDP);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    uint64_t bal;

    /* no such object number */
    mw_objref ref = f.acc.ref;
    ref.object_number = 4242;
    mw_rmi_proxy *p = open_proxy(&f, &ref, 0);
    assert_int_equal(RmiTest_Account_balance(p, &bal, a), MW_ENOOBJECT);
    mw_rmi_proxy_close(p);

    /* a reference from an earlier incarnation of the server on the same port */
    ref = f.acc.ref;
    ref.created_ms -= 1000;
    p = open_proxy(&f, &ref, 0);
    assert_int_equal(RmiTest_Account_balance(p, &bal, a), MW_ENOOBJECT);
    mw_rmi_proxy_close(p);

    /* an interface the object does not have */
    ref = f.acc.ref;
    ref.interface = unrelated_name;
    p = open_proxy(&f, &ref, 0);
    assert_int_equal(RmiTest_Unrelated_nothing(p, a), MW_ENOOBJECT);
    mw_rmi_proxy_close(p);

    /* the right interface but an operation it does not have */
    p = open_proxy(&f, &f.acc.ref, 0);
    assert_int_equal(mw_rmi_invoke(p, &RmiTest_Unrelated_nothing_op, NULL, NULL, a), MW_EBADOP);
    assert_int_equal(mw_rmi_invoke(p, &RmiTest_Savings_rate_op, NULL, &(double){0}, a),
                     MW_EBADOP);
    /* a bootstrap reference (creation time 0) matches any incarnation */
    ref = f.acc.ref;
    ref.created_ms = 0;
    mw_rmi_proxy *boot = open_proxy(&f, &ref, 0);
    assert_int_equal(RmiTest_Account_balance(boot, &bal, a), 0);
    mw_rmi_proxy_close(boot);

    /* unexported: gone */
    assert_int_equal(mw_rmi_adapter_unexport(f.adapter, &f.acc.ref), 0);
    assert_int_equal(mw_rmi_adapter_unexport(f.adapter, &f.acc.ref), MW_ENOENT);
    assert_int_equal(RmiTest_Account_balance(p, &bal, a), MW_ENOOBJECT);
    mw_rmi_proxy_close(p);
    mw_arena_destroy(a);
    stop_adapter(&f);
}

static void dead_server(void **state)
{
    (void)state;
    for (int t = MW_RR_UDP; t <= MW_RR_TCP; t++) {
        fixture f = {0};
        start_adapter(&f, t);
        mw_rmi_proxy *p = open_proxy(&f, &f.acc.ref, 50);
        mw_arena *a;
        assert_int_equal(mw_arena_create(&a, 0), 0);
        uint64_t bal;
        assert_int_equal(RmiTest_Account_balance(p, &bal, a), 0);
        mw_rmi_adapter_destroy(f.adapter);
        /* the caller learns within timeout x (retries + 1), never hangs */
        uint64_t t0 = mw_now_ms();
        int rc = RmiTest_Account_balance(p, &bal, a);
        uint64_t took = mw_now_ms() - t0;
        assert_true(rc == MW_ETIMEDOUT || rc == MW_ECONNREFUSED || rc == MW_ECONNRESET);
        assert_true(took < 2000);
        /* a oneway call to a dead server fails only if the send does */
        (void)RmiTest_Account_note(p, "anyone?", a);
        mw_rmi_proxy_close(p);
        mw_arena_destroy(a);
        mw_arena_destroy(f.arena);
    }
}

/* ---- oneway, inheritance, stop ------------------------------------------------------ */

static void oneway_calls(void **state)
{
    (void)state;
    fixture f = {0};
    start_adapter(&f, MW_RR_UDP);
    mw_rmi_proxy *p = open_proxy(&f, &f.acc.ref, 0);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(RmiTest_Account_note(p, "remember", a), 0);
    /* oneway calls return once sent; they run on the server's workers in some order */
    uint32_t n = 0;
    uint64_t deadline = mw_now_ms() + WAIT_MS;
    while (n < 20 && mw_now_ms() < deadline) {
        assert_int_equal(RmiTest_Account_notes(p, &n, a), 0);
        if (n < 20)
            mw_sleep_ms(5);
    }
    assert_int_equal(n, 20);

    /* stop from a servant: what a oneway shutdown does */
    assert_int_equal(mw_rmi_adapter_wait(f.adapter, 10), MW_ETIMEDOUT);
    assert_int_equal(RmiTest_Account_stop(p, a), 0);
    assert_int_equal(mw_rmi_adapter_wait(f.adapter, WAIT_MS), 0);
    /* serving goes on until destroy */
    assert_int_equal(RmiTest_Account_notes(p, &n, a), 0);
    mw_rmi_proxy_close(p);
    mw_arena_destroy(a);
    stop_adapter(&f);
}

static void inheritance(void **state)
{
    (void)state;
    fixture f = {0};
    start_adapter(&f, MW_RR_UDP);
    account sav = {.adapter = f.adapter};
    assert_int_equal(mw_rmi_adapter_export(f.adapter, &RmiTest_Savings_skeleton,
                                           &savings_servant, &sav, 0, &sav.ref, f.arena),
                     0);
    assert_string_equal(sav.ref.interface, "RmiTest::Savings");
    assert_int_not_equal(sav.ref.object_number, f.acc.ref.object_number);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    /* a derived proxy */
    mw_rmi_proxy *p = open_proxy(&f, &sav.ref, 0);
    double rate = 0;
    assert_int_equal(RmiTest_Savings_rate(p, &rate, a), 0);
    assert_true(rate == 0.025);
    assert_int_equal(RmiTest_Savings_deposit(p, 5, a), 0);
    mw_rmi_proxy_close(p);
    /* a base proxy on the derived object (a reference narrowed to the base) */
    mw_objref base = sav.ref;
    base.interface = account_name;
    p = open_proxy(&f, &base, 0);
    uint64_t bal = 0;
    assert_int_equal(RmiTest_Account_balance(p, &bal, a), 0);
    assert_int_equal(bal, 5);
    mw_rmi_proxy_close(p);
    /* but not a derived proxy on a base object */
    mw_objref wider = f.acc.ref;
    wider.interface = savings_name;
    p = open_proxy(&f, &wider, 0);
    assert_int_equal(RmiTest_Savings_rate(p, &rate, a), MW_ENOOBJECT);
    mw_rmi_proxy_close(p);
    mw_arena_destroy(a);
    stop_adapter(&f);
}

static void export_numbers(void **state)
{
    (void)state;
    fixture f = {0};
    start_adapter(&f, MW_RR_UDP);
    account other = {.adapter = f.adapter};
    mw_objref r7, again;
    assert_int_equal(mw_rmi_adapter_export(f.adapter, &RmiTest_Account_skeleton,
                                           &account_servant, &other, 7, &r7, f.arena),
                     0);
    assert_int_equal(r7.object_number, 7);
    assert_int_equal(mw_rmi_adapter_export(f.adapter, &RmiTest_Account_skeleton,
                                           &account_servant, &other, 7, &again, f.arena),
                     MW_EEXIST);
    assert_int_equal(mw_rmi_adapter_export(NULL, &RmiTest_Account_skeleton, &account_servant,
                                           &other, 0, &again, f.arena),
                     MW_EINVAL);
    /* after start too, and automatic numbers are not reused after unexport */
    mw_objref ra, rb;
    assert_int_equal(mw_rmi_adapter_export(f.adapter, &RmiTest_Account_skeleton,
                                           &account_servant, &other, 0, &ra, f.arena),
                     0);
    assert_int_equal(mw_rmi_adapter_unexport(f.adapter, &ra), 0);
    assert_int_equal(mw_rmi_adapter_export(f.adapter, &RmiTest_Account_skeleton,
                                           &account_servant, &other, 0, &rb, f.arena),
                     0);
    assert_int_not_equal(ra.object_number, rb.object_number);
    /* the printable form of a reference (Figure 4.13) */
    mw_buf text;
    mw_buf_init(&text);
    assert_int_equal(mw_objref_format(&r7, &text), 0);
    assert_int_equal(mw_buf_put_u8(&text, 0), 0);
    assert_non_null(strstr((const char *)text.data, "/7/RmiTest::Account"));
    assert_memory_equal(text.data, "mwref:127.0.0.1:", 16);
    mw_buf_free(&text);

    /* a servant that unexports itself from inside its call */
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    other.ref = rb;
    mw_rmi_proxy *p = open_proxy(&f, &rb, 0);
    assert_int_equal(RmiTest_Account_close(p, a), 0);
    uint64_t bal;
    assert_int_equal(RmiTest_Account_balance(p, &bal, a), MW_ENOOBJECT);
    mw_rmi_proxy_close(p);
    mw_arena_destroy(a);
    stop_adapter(&f);
}

/* ---- many clients ------------------------------------------------------------------- */

#define CLIENTS 8
#define CALLS_PER_CLIENT 200

typedef struct worker {
    const fixture *f;
    int failures;
} worker;

static void client_thread(void *arg)
{
    worker *w = arg;
    mw_rmi_proxy_opts o = {.rr = {.transport = w->f->transport}};
    mw_rmi_proxy *p = NULL;
    mw_arena *a = NULL;
    if (mw_rmi_proxy_open(&p, &w->f->acc.ref, &o) != 0 || mw_arena_create(&a, 0) != 0) {
        w->failures++;
        mw_rmi_proxy_close(p);
        return;
    }
    for (int i = 0; i < CALLS_PER_CLIENT; i++) {
        int32_t n = i;
        double d;
        char *r;
        if (RmiTest_Account_deposit(p, 1, a) != 0)
            w->failures++;
        if (RmiTest_Account_echo(p, "x", &n, &d, &r, a) != 0 || n != 2 * i || strcmp(r, "x"))
            w->failures++;
        mw_arena_reset(a);
    }
    mw_arena_destroy(a);
    mw_rmi_proxy_close(p);
}

static void many_clients(void **state)
{
    (void)state;
    for (int t = MW_RR_UDP; t <= MW_RR_TCP; t++) {
        fixture f = {0};
        start_adapter(&f, t);
        worker w[CLIENTS];
        mw_thread *th[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            w[i] = (worker){.f = &f};
            assert_int_equal(mw_thread_start(&th[i], client_thread, &w[i]), 0);
        }
        for (int i = 0; i < CLIENTS; i++) {
            mw_thread_join(th[i]);
            assert_int_equal(w[i].failures, 0);
        }
        /* at-most-once: every deposit executed exactly once */
        assert_int_equal(atomic_load(&f.acc.balance), CLIENTS * CALLS_PER_CLIENT);
        stop_adapter(&f);
    }
}

/* ---- the bytes --------------------------------------------------------------------- */

/* A request-reply handler that keeps the body of the requests it gets: echo's in
 * captured, note's (oneway, so the test cannot wait for a reply) in noted. */
static mw_buf captured, noted;
static atomic_bool note_seen;

static int capture(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    if (req->operation == RmiTest_Account_note_op.id) {
        int rc = mw_buf_append(&noted, req->args, req->args_len);
        atomic_store(&note_seen, true);
        return rc;
    }
    mw_buf_reset(&captured);
    /* answer as an adapter would: little-endian NO_EXCEPTION, the string "hi" */
    /* clang-format off */
    static const uint8_t answer[] = {1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'h', 'i', 0};
    /* clang-format on */
    if (mw_buf_append(&captured, req->args, req->args_len))
        return MW_ENOMEM;
    return mw_buf_append(reply, answer, sizeof answer);
}

static void wire_format(void **state)
{
    (void)state;
    mw_rr_server *s;
    mw_addr local;
    assert_int_equal(mw_addr_parse(&local, "127.0.0.1:0", 0), 0);
    assert_int_equal(mw_rr_server_create(&s, &local, NULL), 0);
    assert_int_equal(mw_rr_server_handle_any(s, capture, NULL, 0), 0);
    assert_int_equal(mw_rr_server_start(s), 0);
    mw_objref ref = {
        .created_ms = 0x0102030405060708u, .object_number = 9, .interface = account_name};
    assert_int_equal(mw_rr_server_addr(s, &ref.address), 0);
    mw_rmi_proxy *p;
    assert_int_equal(mw_rmi_proxy_open(&p, &ref, NULL), 0);
    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);

    /* echo("abc", n = 7): the encapsulation in this (little-endian) host's order */
    int32_t n = 7;
    double d = 1;
    char *r = NULL;
    assert_int_equal(RmiTest_Account_echo(p, "abc", &n, &d, &r, a), MW_EPROTO);
    /* clang-format off */
    static const uint8_t req[] = {
        1, 0, 0, 0, 0, 0, 0, 0,             /* byte order: little; 7 zero bytes */
        8, 7, 6, 5, 4, 3, 2, 1,             /* created_ms */
        4, 0, 0, 0, 'a', 'b', 'c', 0,       /* s: length with the NUL, the bytes */
        7, 0, 0, 0,                         /* n */
    };
    /* clang-format on */
    assert_int_equal(captured.len, sizeof req);
    assert_memory_equal(captured.data, req, sizeof req);
    /* the capture answered a string but echo's out struct also holds n and d: the reply
     * ends too soon, which the caller sees as a marshalling failure */

    /* a oneway request: note("") has no reply */
    assert_int_equal(RmiTest_Account_note(p, "", a), 0);
    /* clang-format off */
    static const uint8_t note_req[] = {1, 0, 0, 0, 0, 0, 0, 0, 8, 7, 6, 5,
                                       4, 3, 2, 1, 1, 0, 0, 0, 0};
    /* clang-format on */
    uint64_t deadline = mw_now_ms() + WAIT_MS;
    while (!atomic_load(&note_seen) && mw_now_ms() < deadline)
        mw_sleep_ms(2);
    assert_true(atomic_load(&note_seen));
    assert_int_equal(noted.len, sizeof note_req);
    assert_memory_equal(noted.data, note_req, sizeof note_req);
    mw_rmi_proxy_close(p);
    mw_arena_destroy(a);
    mw_rr_server_destroy(s);
    mw_buf_free(&captured);
    mw_buf_free(&noted);
}

/* Raw requests to a real adapter: the byte order octet is honoured, malformed bodies are
 * refused with MW_EPROTO, and replies have the documented layout. */
static void raw_bodies(void **state)
{
    (void)state;
    fixture f = {0};
    start_adapter(&f, MW_RR_UDP);
    atomic_store(&f.acc.balance, 0x0A0B0C0D);
    mw_rr_client *c;
    assert_int_equal(mw_rr_client_open(&c, &f.acc.ref.address, NULL), 0);
    mw_buf rep;
    mw_buf_init(&rep);
    uint32_t bal_op = RmiTest_Account_balance_op.id, dep_op = RmiTest_Account_deposit_op.id;

    /* big-endian request for balance(): created_ms 0 */
    /* clang-format off */
    static const uint8_t be[16] = {0};
    /* clang-format on */
    assert_int_equal(mw_rr_do_operation(c, &f.acc.ref, bal_op, be, 16, &rep, NULL), 0);
    /* clang-format off */
    static const uint8_t host_reply[] = {1, 0, 0, 0, 0, 0, 0, 0, /* little, NO_EXCEPTION */
                                         0x0D, 0x0C, 0x0B, 0x0A, 0, 0, 0, 0};
    /* clang-format on */
    assert_int_equal(rep.len, sizeof host_reply);
    assert_memory_equal(rep.data, host_reply, sizeof host_reply);

    /* big-endian deposit(0x100): the server decodes the other byte order */
    /* clang-format off */
    static const uint8_t dep[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0, 0, 0, 0, 0, 0, 1, 0};
    /* clang-format on */
    assert_int_equal(mw_rr_do_operation(c, &f.acc.ref, dep_op, dep, sizeof dep, &rep, NULL), 0);
    assert_int_equal(rep.len, 8); /* a void operation: the header alone */
    assert_int_equal(atomic_load(&f.acc.balance), 0x0A0B0D0D);

    /* malformed: too short, bad byte order, trailing bytes, truncated argument */
    assert_int_equal(mw_rr_do_operation(c, &f.acc.ref, bal_op, be, 15, &rep, NULL), MW_EPROTO);
    uint8_t bad[16] = {2};
    assert_int_equal(mw_rr_do_operation(c, &f.acc.ref, bal_op, bad, 16, &rep, NULL), MW_EPROTO);
    assert_int_equal(mw_rr_do_operation(c, &f.acc.ref, bal_op, dep, sizeof dep, &rep, NULL),
                     MW_EPROTO);
    assert_int_equal(mw_rr_do_operation(c, &f.acc.ref, dep_op, dep, 20, &rep, NULL), MW_EPROTO);
    /* no reference: object 0, which no one exports */
    assert_int_equal(mw_rr_do_operation(c, NULL, bal_op, be, 16, &rep, NULL), MW_ENOOBJECT);

    /* a user exception's reply: status 1, the id, the members aligned from the start */
    atomic_store(&f.acc.balance, 3);
    /* clang-format off */
    static const uint8_t wd[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 9, 0, 0, 0, 0, 0, 0, 0};
    /* clang-format on */
    assert_int_equal(mw_rr_do_operation(c, &f.acc.ref, RmiTest_Account_withdraw_op.id, wd,
                                        sizeof wd, &rep, NULL),
                     0);
    const char *id = RmiTest_Overdrawn_exception.repo_id; /* "IDL:RmiTest/Overdrawn:1.0" */
    size_t idl = strlen(id) + 1;                          /* 26 with the NUL */
    assert_int_equal(idl, 26);
    assert_true(rep.len >= 12 + idl + 2 + 8 + 4 + 6);
    /* clang-format off */
    static const uint8_t head[] = {1, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0};
    /* clang-format on */
    assert_memory_equal(rep.data, head, 12);
    assert_memory_equal(rep.data + 12, id, idl);
    /* 12 + 26 = 38: the unsigned long long balance is aligned to 40 */
    /* clang-format off */
    static const uint8_t members[] = {0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0,
                                      'S', 'm', 'i', 't', 'h', 0};
    /* clang-format on */
    assert_int_equal(rep.len, 38 + sizeof members);
    assert_memory_equal(rep.data + 38, members, sizeof members);

    mw_rr_client_close(c);
    mw_buf_free(&rep);
    stop_adapter(&f);
}

/* ---- the request-reply catch-all --------------------------------------------------- */

static int h_any(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    return mw_buf_printf(reply, "any %u", req->operation);
}

static int h_seven(void *ctx, const mw_rr_request *req, mw_buf *reply)
{
    (void)ctx;
    (void)req;
    return mw_buf_append_str(reply, "seven");
}

static void rr_catch_all(void **state)
{
    (void)state;
    for (int flags = 0; flags <= MW_RR_INLINE; flags += MW_RR_INLINE) {
        mw_rr_server *s;
        mw_addr local;
        assert_int_equal(mw_addr_parse(&local, "127.0.0.1:0", 0), 0);
        assert_int_equal(mw_rr_server_create(&s, &local, NULL), 0);
        assert_int_equal(mw_rr_server_handle_any(NULL, h_any, NULL, 0), MW_EINVAL);
        assert_int_equal(mw_rr_server_handle_any(s, NULL, NULL, 0), MW_EINVAL);
        assert_int_equal(mw_rr_server_handle_any(s, h_any, NULL, 0x100), MW_EINVAL);
        /* specific handlers around it, before and after */
        assert_int_equal(mw_rr_server_handle(s, 9, "nine", h_seven, NULL, flags), 0);
        assert_int_equal(mw_rr_server_handle_any(s, h_any, NULL, flags), 0);
        assert_int_equal(mw_rr_server_handle_any(s, h_any, NULL, flags), MW_EEXIST);
        for (uint32_t op = 1; op <= 12; op++)
            if (op != 9 && op != 4)
                assert_int_equal(mw_rr_server_handle(s, op * 7, "x", h_seven, NULL, flags), 0);
        assert_int_equal(mw_rr_server_start(s), 0);
        assert_int_equal(mw_rr_server_handle_any(s, h_any, NULL, 0), MW_ESTATE);
        assert_int_equal(mw_rr_server_addr(s, &local), 0);
        mw_rr_client *c;
        assert_int_equal(mw_rr_client_open(&c, &local, NULL), 0);
        mw_buf b;
        mw_buf_init(&b);
        assert_int_equal(mw_rr_do_operation(c, NULL, 14, NULL, 0, &b, NULL), 0);
        assert_int_equal(b.len, 5);
        assert_memory_equal(b.data, "seven", 5);
        assert_int_equal(mw_rr_do_operation(c, NULL, 9, NULL, 0, &b, NULL), 0);
        assert_memory_equal(b.data, "seven", 5);
        const uint32_t others[] = {0, 15, 28, 0xFFFFFFFFu};
        for (size_t i = 0; i < 4; i++) {
            char want[32];
            snprintf(want, sizeof want, "any %u", others[i]);
            assert_int_equal(mw_rr_do_operation(c, NULL, others[i], NULL, 0, &b, NULL), 0);
            assert_int_equal(b.len, strlen(want));
            assert_memory_equal(b.data, want, b.len);
        }
        /* statistics: the catch-all last, named "*" */
        mw_rr_op_stats st;
        size_t n = 0;
        while (mw_rr_server_op_stats(s, n, &st) == 0)
            n++;
        assert_int_equal(n, 12);
        assert_int_equal(mw_rr_server_op_stats(s, 11, &st), 0);
        assert_string_equal(st.name, "*");
        assert_int_equal(st.executions, 4);
        assert_int_equal(mw_rr_server_op_stats(s, 0, &st), 0);
        assert_int_equal(st.operation, 7);
        mw_rr_server_stats ss;
        mw_rr_server_stats_get(s, &ss);
        assert_int_equal(ss.unknown_ops, 0);
        mw_buf_free(&b);
        mw_rr_client_close(c);
        mw_rr_server_destroy(s);
    }
}

/* Unexport waits for the calls executing on the object, so the servant may be freed. */
typedef struct pauser {
    const fixture *f;
    int rc;
} pauser;

static void pause_call(void *arg)
{
    pauser *x = arg;
    mw_rmi_proxy_opts o = {.rr = {.transport = x->f->transport, .timeout_ms = 2000}};
    mw_rmi_proxy *p = NULL;
    mw_arena *a = NULL;
    x->rc = mw_rmi_proxy_open(&p, &x->f->acc.ref, &o);
    if (x->rc == 0)
        x->rc = mw_arena_create(&a, 0);
    if (x->rc == 0)
        x->rc = RmiTest_Account_pause(p, 300, a);
    mw_arena_destroy(a);
    mw_rmi_proxy_close(p);
}

static void unexport_waits(void **state)
{
    (void)state;
    fixture f = {0};
    start_adapter(&f, MW_RR_UDP);
    pauser x = {.f = &f};
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, pause_call, &x), 0);
    uint64_t deadline = mw_now_ms() + WAIT_MS;
    while (atomic_load(&f.acc.pausing) == 0 && mw_now_ms() < deadline)
        mw_sleep_ms(1);
    assert_int_equal(atomic_load(&f.acc.pausing), 1);
    assert_int_equal(mw_rmi_adapter_unexport(f.adapter, &f.acc.ref), 0);
    /* the call in progress finished before unexport returned, and got its reply */
    assert_int_equal(atomic_load(&f.acc.pausing), 2);
    mw_thread_join(t);
    assert_int_equal(x.rc, 0);
    stop_adapter(&f);
}

/* Proxy and adapter options: RRA and other semantics, an advertised address, R refused. */
static void options(void **state)
{
    (void)state;
    mw_addr local, adv;
    assert_int_equal(mw_addr_parse(&local, "127.0.0.1:0", 0), 0);
    assert_int_equal(mw_addr_parse(&adv, "127.0.0.1:0", 0), 0);
    mw_rmi_adapter_opts ao = {.advertise = &adv, .flags = 0x100};
    fixture f = {.transport = MW_RR_UDP};
    assert_int_equal(mw_rmi_adapter_create(&f.adapter, &local, &ao), MW_EINVAL);
    assert_null(f.adapter);
    ao.flags = 0;
    assert_int_equal(mw_rmi_adapter_create(&f.adapter, &local, &ao), 0);
    assert_int_equal(mw_arena_create(&f.arena, 0), 0);
    f.acc.adapter = f.adapter;
    assert_int_equal(mw_rmi_adapter_export(f.adapter, &RmiTest_Account_skeleton,
                                           &account_servant, &f.acc, 0, &f.acc.ref, f.arena),
                     0);
    assert_int_equal(mw_rmi_adapter_start(f.adapter), 0);
    mw_addr bound;
    assert_int_equal(mw_rmi_adapter_addr(f.adapter, &bound), 0);
    /* an advertised port 0 means the bound port */
    assert_int_equal(f.acc.ref.address.port, bound.port);

    mw_arena *a;
    assert_int_equal(mw_arena_create(&a, 0), 0);
    const int protos[] = {MW_RR_RRA, MW_RR_RR, MW_RR_RR};
    const int sems[] = {MW_RR_AT_MOST_ONCE, MW_RR_AT_LEAST_ONCE, MW_RR_MAYBE};
    for (int i = 0; i < 3; i++) {
        mw_rmi_proxy_opts po = {.rr = {.protocol = protos[i], .semantics = sems[i]}};
        mw_rmi_proxy *p;
        assert_int_equal(mw_rmi_proxy_open(&p, &f.acc.ref, &po), 0);
        assert_int_equal(RmiTest_Account_deposit(p, 1, a), 0);
        assert_int_equal(RmiTest_Account_note(p, "x", a), 0);
        mw_rmi_proxy_close(p);
    }
    assert_int_equal(atomic_load(&f.acc.balance), 3);
    /* R for every call would lose the results: refused */
    mw_rmi_proxy_opts r = {.rr = {.protocol = MW_RR_R}};
    mw_rmi_proxy *p = NULL;
    assert_int_equal(mw_rmi_proxy_open(&p, &f.acc.ref, &r), MW_EINVAL);
    assert_int_equal(mw_rmi_proxy_open(NULL, &f.acc.ref, NULL), MW_EINVAL);
    mw_rmi_proxy_close(NULL);
    mw_rmi_adapter_destroy(NULL);
    mw_arena_destroy(a);
    stop_adapter(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rr_catch_all),      cmocka_unit_test(calls_udp),
        cmocka_unit_test(calls_tcp),         cmocka_unit_test(calls_inline),
        cmocka_unit_test(user_exceptions),
        cmocka_unit_test(system_exceptions), cmocka_unit_test(dead_server),
        cmocka_unit_test(oneway_calls),      cmocka_unit_test(inheritance),
        cmocka_unit_test(export_numbers),    cmocka_unit_test(many_clients),
        cmocka_unit_test(wire_format),       cmocka_unit_test(raw_bodies),
        cmocka_unit_test(unexport_waits),    cmocka_unit_test(options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

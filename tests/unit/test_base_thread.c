/* test_base_thread.c - joinable and detached threads. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include <midway/base.h>

static void add_one(void *arg) { atomic_fetch_add((atomic_int *)arg, 1); }

static void test_start_join(void **state)
{
    (void)state;
    atomic_int counter = 0;
    mw_thread *t[16];
    for (int i = 0; i < 16; i++)
        assert_int_equal(mw_thread_start(&t[i], add_one, &counter), 0);
    for (int i = 0; i < 16; i++)
        mw_thread_join(t[i]);
    /* join waits for the function to finish */
    assert_int_equal(atomic_load(&counter), 16);
}

/* A detached thread signals when it has run; the test waits for that, bounded. */
struct done {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int count;
};

static void mark_done(void *arg)
{
    struct done *d = arg;
    pthread_mutex_lock(&d->mu);
    d->count++;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void test_detach(void **state)
{
    (void)state;
    struct done d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    for (int i = 0; i < 8; i++) {
        mw_thread *t;
        assert_int_equal(mw_thread_start(&t, mark_done, &d), 0);
        mw_thread_detach(t);
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&d.mu);
    while (d.count < 8) {
        if (pthread_cond_timedwait(&d.cv, &d.mu, &until) != 0)
            break;
    }
    int count = d.count;
    pthread_mutex_unlock(&d.mu);
    assert_int_equal(count, 8);
}

static void test_join_after_thread_finished(void **state)
{
    (void)state;
    /* The thread is likely done before the join: the handle must still be valid. */
    atomic_int counter = 0;
    mw_thread *t;
    assert_int_equal(mw_thread_start(&t, add_one, &counter), 0);
    uint64_t give_up = mw_now_ms() + 10000;
    while (atomic_load(&counter) == 0 && mw_now_ms() < give_up)
        mw_sleep_ms(1); /* polling the condition, bounded; not a sleep standing in for it */
    mw_thread_join(t);
    assert_int_equal(atomic_load(&counter), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_join),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_join_after_thread_finished),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

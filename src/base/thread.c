/* thread.c - joinable and detachable threads over pthreads. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "mw_impl.h"

struct mw_thread {
    pthread_t tid;
    void (*fn)(void *);
    void *arg;
    /* Two owners: the creator's handle and the running thread. The last to let go frees
     * it, so a detached thread cleans up after itself and a joined one after the join. */
    atomic_int refs;
};

static void release(mw_thread *t)
{
    if (atomic_fetch_sub(&t->refs, 1) == 1)
        free(t);
}

static void *trampoline(void *p)
{
    mw_thread *t = p;
    t->fn(t->arg);
    release(t);
    return NULL;
}

int mw_thread_start(mw_thread **out, void (*fn)(void *arg), void *arg)
{
    mw_thread *t = malloc(sizeof *t);
    if (!t)
        return MW_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    atomic_init(&t->refs, 2);
    int e = pthread_create(&t->tid, NULL, trampoline, t);
    if (e) {
        free(t);
        return e == EAGAIN ? MW_ELIMIT : MW_ESYS;
    }
    *out = t;
    return 0;
}

void mw_thread_join(mw_thread *t)
{
    pthread_join(t->tid, NULL);
    release(t);
}

void mw_thread_detach(mw_thread *t)
{
    pthread_detach(t->tid);
    release(t);
}

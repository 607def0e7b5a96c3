/*
 * pool.c - the worker threads that run handlers: one queue under a mutex, workers
 * waiting on a condition variable, each finished job handed back to the loop it came
 * from (which sends the reply: the loop thread alone touches the state machine).
 */
#include <stdlib.h>

#include "rr/server_impl.h"

struct mwi_pool {
    uv_mutex_t mu;
    uv_cond_t cv;
    mwi_job *head, *tail;   /* queued jobs */
    bool stop;              /* no more jobs; workers exit once the queue is empty */
    int nthreads;
    uv_thread_t *threads;
    const mwi_dispatch *dispatch;
};

static void worker(void *arg)
{
    mwi_pool *p = arg;
    for (;;) {
        uv_mutex_lock(&p->mu);
        while (!p->head && !p->stop)
            uv_cond_wait(&p->cv, &p->mu);
        mwi_job *job = p->head;
        if (job) {
            p->head = job->next;
            if (!p->head)
                p->tail = NULL;
        }
        uv_mutex_unlock(&p->mu);
        if (!job)
            return; /* stopping and nothing left */
        const mwi_op *op = &p->dispatch->ops[job->op_index];
        mw_buf_reset(&job->reply);
        job->status = op->fn(op->ctx, &job->req, &job->reply);
        mwi_loop_complete(job);
    }
}

int mwi_pool_create(mwi_pool **out, int nthreads, const mwi_dispatch *dispatch)
{
    mwi_pool *p = calloc(1, sizeof *p);
    if (!p)
        return MW_ENOMEM;
    p->threads = calloc((size_t)nthreads, sizeof *p->threads);
    if (!p->threads || uv_mutex_init(&p->mu) != 0) {
        free(p->threads);
        free(p);
        return MW_ENOMEM;
    }
    if (uv_cond_init(&p->cv) != 0) {
        uv_mutex_destroy(&p->mu);
        free(p->threads);
        free(p);
        return MW_ESYS;
    }
    p->dispatch = dispatch;
    for (int i = 0; i < nthreads; i++) {
        if (uv_thread_create(&p->threads[i], worker, p) != 0) {
            p->nthreads = i;
            mwi_pool_destroy(p);
            return MW_ESYS;
        }
        p->nthreads = i + 1;
    }
    *out = p;
    return 0;
}

int mwi_pool_submit(mwi_pool *p, mwi_job *job)
{
    job->next = NULL;
    uv_mutex_lock(&p->mu);
    if (p->stop) {
        uv_mutex_unlock(&p->mu);
        return MW_ECLOSED;
    }
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    uv_cond_signal(&p->cv);
    uv_mutex_unlock(&p->mu);
    return 0;
}

void mwi_pool_stop(mwi_pool *p)
{
    if (!p)
        return;
    uv_mutex_lock(&p->mu);
    bool was = p->stop;
    p->stop = true;
    uv_cond_broadcast(&p->cv);
    uv_mutex_unlock(&p->mu);
    if (was)
        return;
    for (int i = 0; i < p->nthreads; i++)
        uv_thread_join(&p->threads[i]);
}

void mwi_pool_destroy(mwi_pool *p)
{
    if (!p)
        return;
    mwi_pool_stop(p);
    uv_cond_destroy(&p->cv);
    uv_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}

/*
 * port.c - getRequest and sendReply (Figure 13): a server loop with no threads of its
 * own, run by mw_rr_get_request on the caller's thread until a request is ready.
 */
#include <stddef.h>
#include <stdlib.h>

#include "rr/server_impl.h"

struct mw_rr_port {
    mwi_loop loop;
    uv_timer_t timer;   /* the timeout of mw_rr_get_request */
    bool timed_out;
    bool timer_open;
};

int mw_rr_port_open(mw_rr_port **out, const mw_addr *local, const mw_rr_server_opts *opts)
{
    if (!out)
        return MW_EINVAL;
    mwi_loop_cfg cfg;
    int rc = mwi_loop_cfg_from(opts, &cfg);
    if (rc)
        return rc;
    mw_rr_port *p = calloc(1, sizeof *p);
    if (!p)
        return MW_ENOMEM;
    if ((rc = mwi_loop_init(&p->loop, &cfg, local, NULL)) != 0) {
        free(p);
        return rc;
    }
    uv_timer_init(&p->loop.uv, &p->timer);
    p->timer.data = p;
    p->timer_open = true;
    *out = p;
    return 0;
}

void mw_rr_port_close(mw_rr_port *p)
{
    if (!p)
        return;
    mwi_loop_fini(&p->loop); /* closes the timer with every other handle */
    free(p);
}

int mw_rr_port_addr(mw_rr_port *p, mw_addr *out)
{
    if (!p || !out)
        return MW_EINVAL;
    *out = p->loop.addr;
    return 0;
}

static void on_timeout(uv_timer_t *t)
{
    mw_rr_port *p = t->data;
    p->timed_out = true;
}

int mw_rr_get_request(mw_rr_port *p, const mw_rr_request **req, int timeout_ms)
{
    if (!p || !req)
        return MW_EINVAL;
    mwi_loop *L = &p->loop;
    if (!L->ready_head) {
        if (timeout_ms == 0) {
            (void)uv_run(&L->uv, UV_RUN_NOWAIT);
        } else {
            p->timed_out = false;
            if (timeout_ms > 0)
                uv_timer_start(&p->timer, on_timeout, (uint64_t)timeout_ms, 0);
            /* uv_run caches the time; refresh it so the timeout counts from now. */
            uv_update_time(&L->uv);
            while (!L->ready_head && !p->timed_out)
                (void)uv_run(&L->uv, UV_RUN_ONCE);
            uv_timer_stop(&p->timer);
        }
    }
    mwi_job *job = L->ready_head;
    if (!job)
        return MW_ETIMEDOUT;
    L->ready_head = job->next;
    if (!L->ready_head)
        L->ready_tail = NULL;
    job->next = NULL;
    *req = &job->req;
    return 0;
}

int mw_rr_send_reply(mw_rr_port *p, const mw_rr_request *req, int status, const void *reply,
                     size_t n)
{
    if (!p || !req || (!reply && n))
        return MW_EINVAL;
    mwi_job *job = (mwi_job *)((char *)(uintptr_t)req - offsetof(mwi_job, req));
    if (job->loop != &p->loop)
        return MW_EINVAL;
    int rc = status == 0 && n > p->loop.cfg.sm.max_message ? MW_EMSGSIZE : 0;
    mwi_loop_reply(&p->loop, job, status, reply, n);
    return rc;
}

void mw_rr_port_stats(mw_rr_port *p, mw_rr_server_stats *out)
{
    if (!p || !out)
        return;
    *out = (mw_rr_server_stats){0};
    mwi_loop_stats_add(&p->loop, out);
}

/*
 * view.c - membership: joining, leaving, failure detection, the view change protocol and
 * merging groups that formed apart. docs/group.md tells the protocol in prose; this file
 * says why each rule is there.
 *
 * A view change is run by a proposer: the view's lowest member that is not suspected
 * (the "acting leader"). Three phases, each retried every retry_ms until answered:
 *   FLUSH    (proposal id, proposed members, the members expected to report: the flush
 *            set = the current view less the suspected). A member stops sending, freezes
 *            live delivery at what it has received (its "limit"), and answers FLUSH_OK
 *            with its contiguous prefix of every stream.
 *   CUT      the maximum of the reports, stream by stream. Members fetch what they lack
 *            (NACKs; during a change any member that has a datagram resends it) and
 *            answer CUT_OK once they hold every stream up to the cut.
 *   INSTALL  the new view. Each member delivers what remains up to the cut
 *            (deliver.c, in an order all compute alike), then the view.
 * Why it is view-synchronous: a member delivers live only up to its received prefix, and
 * after reporting only up to that report; the cut is at least every report, and every
 * member of the flush set holds the whole cut before anyone installs. So whatever one
 * survivor delivered, every survivor holds and delivers before the new view.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mw_impl.h"
#include "group/engine.h"

#define SUBSYS "group"

static bool pid_eq(mwi_gpid a, mwi_gpid b)
{
    return a.counter == b.counter && a.attempt == b.attempt && a.proposer == b.proposer;
}

static bool vid_eq(mwi_gvid a, mwi_gvid b)
{
    return a.counter == b.counter && a.proposer == b.proposer;
}

static bool in_view_state(const mwi_gengine *e)
{
    return e->state == MWI_GS_NORMAL || e->state == MWI_GS_FLUSHING;
}

/* The lowest member we do not suspect is the one to run view changes. */
static bool acting_leader(const mwi_gengine *e)
{
    for (int i = 0; i < e->me; i++)
        if (!mwi_gsuspected(e, i))
            return false;
    return true;
}

static bool id_in(const uint8_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (mwi_gw_u64(ids, i) == id)
            return true;
    return false;
}

static bool is_leaver(const mwi_gengine *e, uint64_t id)
{
    if (id == e->conf.id)
        return e->leaving;
    for (size_t i = 0; i < e->n_leavers; i++)
        if (e->leavers[i] == id)
            return true;
    return false;
}

/* ------------------------------------------------------------------------------------ */
/* Entering and leaving views                                                           */
/* ------------------------------------------------------------------------------------ */

static void reset_change(mwi_gengine *e)
{
    mwi_gpid keep = e->prop.pid;
    memset(&e->prop, 0, sizeof e->prop);
    e->prop.pid = keep;
    e->in_change = false;
    e->frozen = false;
    e->cut_have = false;
    e->cut_reached = false;
    e->n_cutrec = 0;
}

/* Remembers the view we are leaving, so its late heartbeats are not a foreign group. */
static void remember_view(mwi_gengine *e)
{
    if (!in_view_state(e))
        return;
    memmove(&e->old_views[1], &e->old_views[0], (MWI_G_OLD_VIEWS - 1) * sizeof e->old_views[0]);
    e->old_views[0] = e->vid;
}

static bool is_old_view(const mwi_gengine *e, mwi_gvid v)
{
    for (size_t i = 0; i < MWI_G_OLD_VIEWS; i++)
        if (vid_eq(e->old_views[i], v))
            return true;
    return false;
}

static int cmp_member(const void *a, const void *b)
{
    uint64_t x = ((const mw_group_member *)a)->id, y = ((const mw_group_member *)b)->id;
    return x < y ? -1 : x > y;
}

/* Installs a view of n members (sorted here) made by proposal pid and queues its event. */
static int enter_view(mwi_gengine *e, const mw_group_member *members, size_t n, mwi_gpid pid)
{
    remember_view(e);
    e->view.counter = pid.counter;
    e->view.proposer = pid.proposer;
    e->view.n = n;
    memcpy(e->view.members, members, n * sizeof *members);
    qsort(e->view.members, n, sizeof *members, cmp_member);
    e->vid = (mwi_gvid){pid.counter, pid.proposer};
    if (pid.counter > e->last_counter)
        e->last_counter = pid.counter; /* a view we found later must have a new id */
    e->state = MWI_GS_NORMAL;
    reset_change(e);
    memset(&e->prop.pid, 0, sizeof e->prop.pid);
    e->n_leavers = 0;
    e->merge_target = 0;
    /* Joiners that made it in are no longer waiting. */
    size_t k = 0;
    for (size_t i = 0; i < e->n_joiners; i++) {
        bool in = false;
        for (size_t j = 0; j < n; j++)
            in = in || members[j].id == e->joiners[i].id;
        if (!in) {
            e->joiners[k] = e->joiners[i];
            e->joiner_counter[k] = e->joiner_counter[i];
            e->joiner_heard[k++] = e->joiner_heard[i];
        }
    }
    e->n_joiners = k;
    int rc = mwi_gstreams_reset(e);
    if (rc)
        return rc;
    e->next_hb = e->now; /* our first heartbeat tells the others we are in */
    e->stats.views++;
    mwi_gqevent ev;
    memset(&ev, 0, sizeof ev);
    ev.type = MW_GROUP_VIEW;
    ev.view = malloc(sizeof *ev.view);
    if (!ev.view)
        return MW_ENOMEM;
    *ev.view = e->view;
    rc = mwi_gqueue_push(e, &ev);
    if (rc)
        free(ev.view);
    mwi_log(MW_LOG_INFO, SUBSYS, "%s: view %u.%llx (attempt %u) of %zu members", e->conf.name,
            pid.counter, (unsigned long long)pid.proposer, pid.attempt, n);
    return rc;
}

int mwi_gview_found(mwi_gengine *e)
{
    mw_group_member self;
    memset(&self, 0, sizeof self);
    self.id = e->conf.id;
    memcpy(self.name, e->conf.name, sizeof self.name);
    mwi_gpid pid = {e->last_counter + 1, 1, e->conf.id};
    mw_buf_reset(&e->last_install);
    return enter_view(e, &self, 1, pid);
}

/* Out of the view and back to looking for a group (target: the leader to ask). */
static void to_joining(mwi_gengine *e, uint64_t target)
{
    mwi_log(MW_LOG_INFO, SUBSYS, "%s: leaves view %u.%llx to join %llx", e->conf.name,
            e->vid.counter, (unsigned long long)e->vid.proposer, (unsigned long long)target);
    remember_view(e);
    mwi_gstreams_free(e);
    e->view.n = 0;
    e->me = -1;
    e->vid = (mwi_gvid){0, 0};
    e->state = MWI_GS_JOINING;
    reset_change(e);
    e->join_started = e->now;
    memset(e->join_pid, 0, sizeof e->join_pid);
    e->join_target = target;
    e->join_heard = e->now;
    e->next_join = e->now;
    e->merge_target = 0;
    e->n_joiners = 0;
    e->n_leavers = 0;
    mw_buf_reset(&e->last_install);
}

static void to_left(mwi_gengine *e)
{
    mwi_gstreams_free(e);
    e->view.n = 0;
    e->me = -1;
    e->state = MWI_GS_LEFT;
    reset_change(e);
    mwi_gqevent ev;
    memset(&ev, 0, sizeof ev);
    ev.type = MW_GROUP_LEFT;
    mwi_gqueue_push(e, &ev);
}

/* We are out of the view without having asked (suspected by the others, or the
 * proposer did not hear us). Unless the view already ended at a cut we reached (cut_done),
 * we end it alone, delivering what we hold (our own messages all: deliver.c). Then a
 * member that wanted to leave is done, and any other carries on alone until the merge
 * rule brings it back into the group. */
static void excluded(mwi_gengine *e, bool cut_done)
{
    mwi_log(MW_LOG_INFO, SUBSYS, "%s: excluded from view %u", e->conf.name, e->vid.counter);
    if (!cut_done)
        mwi_gdeliver_alone(e);
    if (e->leaving)
        to_left(e);
    else
        mwi_gview_found(e);
}

int mwi_gview_leave(mwi_gengine *e)
{
    e->leaving = true;
    if (e->state == MWI_GS_JOINING) {
        to_left(e);
        return 0;
    }
    if (e->view.n == 1) {
        uint64_t v[MW_GROUP_MAX_MEMBERS];
        mwi_gvector(e, v);
        mwi_gdeliver_final(e, v);
        to_left(e);
        return 0;
    }
    e->next_leave = e->now;
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Messages of the view change                                                          */
/* ------------------------------------------------------------------------------------ */

static void send_flush(mwi_gengine *e)
{
    mwi_gprop *p = &e->prop;
    uint64_t members[MW_GROUP_MAX_MEMBERS], flush[MW_GROUP_MAX_MEMBERS];
    size_t nf = 0;
    for (size_t i = 0; i < p->n_members; i++)
        members[i] = p->members[i].id;
    for (size_t i = 0; i < e->view.n; i++)
        if (p->in_flush[i])
            flush[nf++] = e->view.members[i].id;
    int rc = mwi_gbegin(e, MWI_GT_FLUSH, p->dissolve ? MWI_GF_DISSOLVE : 0);
    if (!rc)
        rc = mwi_gw_put_pid(&e->scratch, &p->pid);
    if (!rc)
        rc = mw_buf_put_u64be(&e->scratch, p->merge_target);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, (uint16_t)p->n_members);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, (uint16_t)nf);
    if (!rc)
        rc = mwi_gw_put_u64s(&e->scratch, members, p->n_members);
    if (!rc)
        rc = mwi_gw_put_u64s(&e->scratch, flush, nf);
    if (!rc)
        mwi_gout_scratch(e);
}

/* FLUSH_OK (v) or CUT (v and v2): a proposal id and one u64 per member of the view in
 * each vector. */
static void send_vec(mwi_gengine *e, uint8_t type, mwi_gpid pid, const uint64_t *v,
                     const uint64_t *v2)
{
    int rc = mwi_gbegin(e, type, 0);
    if (!rc)
        rc = mwi_gw_put_pid(&e->scratch, &pid);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, (uint16_t)e->view.n);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, 0);
    if (!rc)
        rc = mwi_gw_put_u64s(&e->scratch, v, e->view.n);
    if (!rc && v2)
        rc = mwi_gw_put_u64s(&e->scratch, v2, e->view.n);
    if (!rc)
        mwi_gout_scratch(e);
}

static void send_flush_ok(mwi_gengine *e)
{
    uint64_t v[MW_GROUP_MAX_MEMBERS];
    mwi_gvector(e, v);
    send_vec(e, MWI_GT_FLUSH_OK, e->cur, v, NULL);
}

static void send_cut_ok(mwi_gengine *e)
{
    int rc = mwi_gbegin(e, MWI_GT_CUT_OK, 0);
    if (!rc)
        rc = mwi_gw_put_pid(&e->scratch, &e->cur);
    if (!rc)
        mwi_gout_scratch(e);
    e->next_cut_ok = e->now + e->conf.heartbeat_ms;
}

static void send_simple(mwi_gengine *e, uint8_t type)
{
    if (!mwi_gbegin(e, type, 0))
        mwi_gout_scratch(e);
}

static void send_join(mwi_gengine *e)
{
    uint64_t target =
        e->join_target && e->now <= e->join_heard + e->conf.fail_ms ? e->join_target : 0;
    size_t len = strlen(e->conf.name);
    int rc = mwi_gbegin(e, MWI_GT_JOIN, 0);
    if (!rc)
        rc = mw_buf_put_u64be(&e->scratch, target);
    if (!rc)
        rc = mw_buf_put_u32be(&e->scratch, e->last_counter);
    if (!rc)
        rc = mw_buf_put_u8(&e->scratch, (uint8_t)e->conf.order);
    if (!rc)
        rc = mw_buf_put_u8(&e->scratch, (uint8_t)len);
    if (!rc)
        rc = mw_buf_append(&e->scratch, e->conf.name, len);
    if (!rc)
        mwi_gout_scratch(e);
    e->next_join = e->now + e->conf.heartbeat_ms;
}

/* Resends the INSTALL that made our view, for members that missed it (at most once per
 * retry interval). */
static void resend_install(mwi_gengine *e)
{
    if (!e->last_install.len || e->now < e->install_resent + e->conf.retry_ms)
        return;
    mwi_log(MW_LOG_DEBUG, SUBSYS, "%s: resends the INSTALL of view %u.%llx", e->conf.name,
            e->install_pid.counter, (unsigned long long)e->install_pid.proposer);
    mwi_gout_push(e, e->last_install.data, e->last_install.len);
    e->install_resent = e->now;
}

/* ------------------------------------------------------------------------------------ */
/* Participant                                                                          */
/* ------------------------------------------------------------------------------------ */

/* Follows proposal pid: stop sending, freeze live delivery at our first report. */
static void accept_proposal(mwi_gengine *e, mwi_gpid pid)
{
    e->state = MWI_GS_FLUSHING;
    e->in_change = true;
    e->cur = pid;
    e->cut_have = false;
    e->cut_reached = false;
    if (!e->frozen) {
        /* Only the first report of a view freezes: every later cut is at least every
         * report we make, so delivering up to the first is safe whichever proposal
         * ends up installed. */
        for (size_t j = 0; j < e->view.n; j++)
            e->streams[j].limit = e->streams[j].contig;
        e->frozen = true;
    }
}

void mwi_gview_check_cut(mwi_gengine *e)
{
    if (!e->in_change || !e->cut_have || e->cut_reached)
        return;
    for (size_t j = 0; j < e->view.n; j++)
        if (e->streams[j].contig < e->cut[j])
            return;
    e->cut_reached = true;
    /* Keep the cut: its INSTALL may come even after we followed a later proposal. */
    size_t k = e->n_cutrec < MWI_G_CUT_RECORDS ? e->n_cutrec++ : MWI_G_CUT_RECORDS - 1;
    if (k == MWI_G_CUT_RECORDS - 1 && e->n_cutrec == MWI_G_CUT_RECORDS) {
        memmove(&e->cutrec_pid[0], &e->cutrec_pid[1], k * sizeof e->cutrec_pid[0]);
        memmove(&e->cutrec[0], &e->cutrec[1], k * sizeof e->cutrec[0]);
    }
    e->cutrec_pid[k] = e->cur;
    memcpy(e->cutrec[k], e->cut, sizeof e->cut);
    if (e->prop.active && pid_eq(e->prop.pid, e->cur))
        e->prop.got_cut[e->me] = true;
    send_cut_ok(e);
}

/* A joiner named in a proposal confirms it wants in, so that no view is installed with
 * a member that has meanwhile gone elsewhere. It answers one proposer at a time, and
 * stops its clock for founding a group of its own while it waits for the INSTALL. */
static void joiner_flush(mwi_gengine *e, const mwi_gmsg *m)
{
    mwi_gpid pid = m->u.flush.pid;
    /* Named as a member, not among those who must report: we are a joiner of it. */
    if (e->leaving || pid.proposer != m->sender || pid.counter <= e->last_counter ||
        !id_in(m->u.flush.members, m->u.flush.n_members, e->conf.id) ||
        id_in(m->u.flush.flush, m->u.flush.n_flush, e->conf.id))
        return; /* (a counter not above ours: the leader has our JOIN, it will retry) */
    mwi_gpid last = e->join_pid[0];
    bool busy = last.proposer && last.proposer != pid.proposer &&
                e->now <= e->join_pid_at[0] + e->conf.fail_ms;
    if (busy)
        return;
    if (!pid_eq(last, pid)) {
        memmove(&e->join_pid[1], &e->join_pid[0],
                (MWI_G_CUT_RECORDS - 1) * sizeof e->join_pid[0]);
        memmove(&e->join_pid_at[1], &e->join_pid_at[0],
                (MWI_G_CUT_RECORDS - 1) * sizeof e->join_pid_at[0]);
        e->join_pid[0] = pid;
        mwi_log(MW_LOG_DEBUG, SUBSYS, "%s: confirms view %u attempt %u of %llx", e->conf.name,
                pid.counter, pid.attempt, (unsigned long long)pid.proposer);
    }
    e->join_pid_at[0] = e->now;
    e->join_started = e->now;
    int rc = mwi_gbegin(e, MWI_GT_FLUSH_OK, 0);
    if (!rc)
        rc = mwi_gw_put_pid(&e->scratch, &pid);
    if (!rc)
        rc = mw_buf_put_u32be(&e->scratch, 0); /* no vector: n = 0, reserved */
    if (!rc)
        mwi_gout_scratch(e);
}

/* Whether we confirmed proposal pid as a joiner, lately. */
static bool confirmed(const mwi_gengine *e, mwi_gpid pid)
{
    for (size_t k = 0; k < MWI_G_CUT_RECORDS; k++)
        if (pid_eq(e->join_pid[k], pid) &&
            e->now <= e->join_pid_at[k] + 4 * (uint64_t)e->conf.fail_ms)
            return true;
    return false;
}

static void on_flush(mwi_gengine *e, const mwi_gmsg *m)
{
    if (e->state == MWI_GS_JOINING) {
        joiner_flush(e, m);
        return;
    }
    if (!in_view_state(e))
        return;
    if (!vid_eq(m->view, e->vid)) {
        /* A member still in the view we replaced: it missed our INSTALL. */
        if (vid_eq(m->view, e->install_base))
            resend_install(e);
        return;
    }
    mwi_gpid pid = m->u.flush.pid;
    int pi = mwi_gindex(e, m->sender);
    if (pi < 0 || pid.proposer != m->sender || pid.counter <= e->vid.counter)
        return;
    if (e->in_change && pid_eq(pid, e->cur)) {
        send_flush_ok(e); /* our answer was lost */
        return;
    }
    /* Concurrent proposers: the lower id wins; a proposer abandons when it sees a lower
     * one; a follower switches to a lower one, to a later attempt of the same, or away
     * from one it suspects. */
    if (e->prop.active) {
        if (pid.proposer > e->conf.id)
            return;
        e->prop.active = false;
    } else if (e->in_change) {
        bool take = pid.proposer == e->cur.proposer ? pid.attempt > e->cur.attempt
                                                    : pid.proposer < e->cur.proposer;
        int ci = mwi_gindex(e, e->cur.proposer);
        if (!take && !(ci >= 0 && mwi_gsuspected(e, ci)))
            return;
    }
    if (!id_in(m->u.flush.flush, m->u.flush.n_flush, e->conf.id)) {
        excluded(e, false);
        return;
    }
    accept_proposal(e, pid);
    send_flush_ok(e);
}

/*
 * The cut arrived with its floor: every member of the flush set has each stream up to
 * the floor, and the members outside it will not be in the next view, so up to the floor
 * is stable for what is left of this view. Raising stability (after moving what we may
 * deliver into the queue) frees the slots that receiving up to the cut may need: the
 * cut is at most a window past the floor.
 */
static void apply_floor(mwi_gengine *e, const uint64_t *floor)
{
    mwi_gdeliver_drain(e);
    for (size_t j = 0; j < e->view.n; j++) {
        mwi_gstream *s = &e->streams[j];
        if (floor[j] > s->stable && floor[j] <= s->contig)
            s->stable = floor[j];
        mwi_grestabilize(e, j);
    }
}

static void on_cut(mwi_gengine *e, const mwi_gmsg *m)
{
    if (!in_view_state(e) || !vid_eq(m->view, e->vid) || !e->in_change ||
        !pid_eq(m->u.vec.pid, e->cur) || m->sender != e->cur.proposer ||
        m->u.vec.n != e->view.n)
        return;
    if (e->cut_reached) {
        send_cut_ok(e); /* our answer was lost */
        return;
    }
    if (!e->cut_have) {
        uint64_t floor[MW_GROUP_MAX_MEMBERS];
        for (size_t j = 0; j < e->view.n; j++) {
            e->cut[j] = mwi_gw_u64(m->u.vec.vec, j);
            floor[j] = mwi_gw_u64(m->u.vec.floor, j);
        }
        e->cut_have = true;
        apply_floor(e, floor);
    }
    mwi_gview_check_cut(e);
}

/* Applies an INSTALL (received, or made by us as proposer). */
static void on_install(mwi_gengine *e, const mwi_gmsg *m, const uint8_t *d, size_t n)
{
    mw_group_member members[MW_GROUP_MAX_MEMBERS];
    size_t count = m->u.install.n, pos = 0;
    bool listed = false;
    for (size_t i = 0; i < count; i++) {
        mwi_gw_install_member(m, &pos, &members[i]);
        listed = listed || members[i].id == e->conf.id;
    }
    mwi_gpid pid = m->u.install.pid;
    bool dissolve = (m->flags & MWI_GF_DISSOLVE) != 0;
    if (e->state == MWI_GS_JOINING) {
        /* Only the proposal we confirmed: an old INSTALL resent by a member of a view
         * we never entered must not put us there. */
        if (!listed || e->leaving || !confirmed(e, pid)) {
            mwi_log(MW_LOG_DEBUG, SUBSYS, "%s: ignores INSTALL %u.%u of %llx (listed %d)",
                    e->conf.name, pid.counter, pid.attempt, (unsigned long long)pid.proposer,
                    listed);
            return;
        }
    } else if (in_view_state(e)) {
        if (!vid_eq(m->view, e->vid) || pid.counter <= e->vid.counter)
            return;
        size_t k = 0;
        while (k < e->n_cutrec && !pid_eq(e->cutrec_pid[k], pid))
            k++;
        if (k == e->n_cutrec) {
            /* We never reached its cut: the proposer did not count on us. */
            if (!listed && !dissolve)
                excluded(e, false);
            return;
        }
        mwi_gdeliver_final(e, e->cutrec[k]);
        if (dissolve) {
            to_joining(e, m->u.install.merge_target);
            return;
        }
        if (!listed) {
            excluded(e, true);
            return;
        }
    } else {
        return;
    }
    mwi_gvid base = m->view;
    if (enter_view(e, members, count, pid))
        return;
    mw_buf_reset(&e->last_install);
    if (mw_buf_append(&e->last_install, d, n) == 0) {
        e->install_pid = pid;
        e->install_base = base;
        e->install_resent = 0;
    }
}

static void on_join(mwi_gengine *e, const mwi_gmsg *m)
{
    if (!in_view_state(e))
        return;
    if (mwi_gindex(e, m->sender) >= 0) {
        /* It is in our view but missed the INSTALL: any member that has it resends it
         * (the leader it aims at may be the one that failed). */
        resend_install(e);
        return;
    }
    if (!acting_leader(e))
        return;
    if (m->u.join.target && m->u.join.target != e->conf.id)
        return;
    if (m->u.join.order != e->conf.order) {
        mwi_log(MW_LOG_WARN, SUBSYS, "a member asks to join with another order: ignored");
        return;
    }
    size_t i = 0;
    while (i < e->n_joiners && e->joiners[i].id != m->sender)
        i++;
    if (i == e->n_joiners) {
        if (e->n_joiners + e->view.n >= MW_GROUP_MAX_MEMBERS)
            return; /* full: it stays out */
        e->n_joiners++;
    }
    e->joiners[i].id = m->sender;
    memcpy(e->joiners[i].name, m->u.join.name, m->u.join.name_len);
    e->joiners[i].name[m->u.join.name_len] = '\0';
    e->joiner_heard[i] = e->now;
    e->joiner_counter[i] = m->u.join.counter;
    /* It was in a view with a counter at least that of our proposal since it asked:
     * propose again above it (it would refuse). */
    mwi_gprop *p = &e->prop;
    if (p->active && p->phase == 1 && m->u.join.counter >= p->pid.counter)
        for (size_t k = p->n_old; k < p->n_members; k++)
            if (p->members[k].id == m->sender)
                p->restart = true;
}

static void on_leave(mwi_gengine *e, const mwi_gmsg *m)
{
    if (!in_view_state(e) || !vid_eq(m->view, e->vid) || mwi_gindex(e, m->sender) < 0)
        return;
    if (!is_leaver(e, m->sender) && e->n_leavers < MW_GROUP_MAX_MEMBERS)
        e->leavers[e->n_leavers++] = m->sender;
}

/* ------------------------------------------------------------------------------------ */
/* Proposer                                                                             */
/* ------------------------------------------------------------------------------------ */

/* Whether the view must change: someone suspected, leaving or joining, or a merge. */
static bool change_needed(const mwi_gengine *e)
{
    if (e->merge_target || e->n_joiners || e->leaving)
        return true;
    for (size_t i = 0; i < e->view.n; i++)
        if (mwi_gsuspected(e, (int)i) || is_leaver(e, e->view.members[i].id))
            return true;
    return false;
}

/* Starts (or restarts with the current suspicions) a proposal for the next view. */
static void start_proposal(mwi_gengine *e)
{
    mwi_gprop *p = &e->prop;
    /* The counter passes every joiner's last one too, so that counters only grow at
     * every member, across merges. Attempts grow for as long as this view lasts. */
    uint32_t counter = e->vid.counter;
    for (size_t i = 0; i < e->n_joiners; i++)
        if (e->joiner_counter[i] > counter)
            counter = e->joiner_counter[i];
    mwi_gpid pid = {counter + 1, 1, e->conf.id};
    if (p->pid.proposer == pid.proposer)
        pid.attempt = p->pid.attempt + 1;
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->active = true;
    p->phase = 1;
    p->started = e->now;
    p->next_retry = e->now;
    p->dissolve = e->merge_target != 0;
    p->merge_target = e->merge_target;
    for (size_t i = 0; i < e->view.n; i++) {
        p->in_flush[i] = !mwi_gsuspected(e, (int)i);
        if (!p->in_flush[i])
            mwi_log(MW_LOG_INFO, SUBSYS, "%s: leaves out %s (silent for %llu ms%s)",
                    e->conf.name, e->view.members[i].name,
                    (unsigned long long)(e->now - e->heard[i]),
                    e->forced_out[i] ? ", did not answer" : "");
        if (p->in_flush[i] && !p->dissolve && !is_leaver(e, e->view.members[i].id))
            p->members[p->n_members++] = e->view.members[i];
    }
    p->n_old = p->n_members;
    for (size_t i = 0; !p->dissolve && i < e->n_joiners; i++)
        if (p->n_members < MW_GROUP_MAX_MEMBERS)
            p->members[p->n_members++] = e->joiners[i];
    mwi_log(MW_LOG_INFO, SUBSYS, "%s: proposing view %u.%llx (attempt %u) of %zu members",
            e->conf.name, pid.counter, (unsigned long long)pid.proposer, pid.attempt,
            p->n_members);
    /* We follow our own proposal like everybody else. */
    accept_proposal(e, pid);
    mwi_gvector(e, p->cut);
    mwi_gvector(e, p->floor);
    p->got_ok[e->me] = true;
}

static bool all(const mwi_gengine *e, const bool *got)
{
    for (size_t i = 0; i < e->view.n; i++)
        if (e->prop.in_flush[i] && !got[i])
            return false;
    return true;
}

static bool joiners_ok(const mwi_gprop *p)
{
    for (size_t k = p->n_old; k < p->n_members; k++)
        if (!p->joiner_ok[k])
            return false;
    return true;
}

/* Forgets a joiner (it went elsewhere, or did not answer). */
static void drop_joiner(mwi_gengine *e, uint64_t id)
{
    for (size_t i = 0; i < e->n_joiners; i++) {
        if (e->joiners[i].id == id) {
            e->joiners[i] = e->joiners[e->n_joiners - 1];
            e->joiner_heard[i] = e->joiner_heard[e->n_joiners - 1];
            e->joiner_counter[i] = e->joiner_counter[e->n_joiners - 1];
            e->n_joiners--;
            return;
        }
    }
}

static void install(mwi_gengine *e)
{
    mwi_gprop *p = &e->prop;
    int rc = mwi_gbegin(e, MWI_GT_INSTALL, p->dissolve ? MWI_GF_DISSOLVE : 0);
    if (!rc)
        rc = mwi_gw_put_pid(&e->scratch, &p->pid);
    if (!rc)
        rc = mw_buf_put_u64be(&e->scratch, p->merge_target);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, (uint16_t)p->n_members);
    if (!rc)
        rc = mw_buf_put_u16be(&e->scratch, 0);
    for (size_t i = 0; !rc && i < p->n_members; i++) {
        size_t len = strlen(p->members[i].name);
        rc = mw_buf_put_u64be(&e->scratch, p->members[i].id);
        if (!rc)
            rc = mw_buf_put_u8(&e->scratch, (uint8_t)len);
        if (!rc)
            rc = mw_buf_append(&e->scratch, p->members[i].name, len);
    }
    if (!rc)
        rc = mwi_gw_finish(&e->scratch, 0);
    if (rc)
        return;
    mw_buf copy;
    mw_buf_init(&copy);
    if (mw_buf_append(&copy, e->scratch.data, e->scratch.len))
        return;
    /* A proposer that leaves cannot resend it later: it sends it three times now. */
    bool leaving = is_leaver(e, e->conf.id) || p->dissolve;
    for (int k = 0; k < (leaving ? 3 : 1); k++)
        mwi_gout_push(e, copy.data, copy.len);
    mwi_gmsg m;
    if (mwi_gw_decode(&m, copy.data, copy.len) == 0)
        on_install(e, &m, copy.data, copy.len);
    mw_buf_free(&copy);
}

static void proposer_periodic(mwi_gengine *e)
{
    mwi_gprop *p = &e->prop;
    if (p->restart)
        start_proposal(e);
    for (size_t i = 0; i < e->view.n; i++) {
        if (p->in_flush[i] && mwi_gsuspected(e, (int)i)) {
            mwi_log(MW_LOG_INFO, SUBSYS, "%s: suspects %s during view change %u", e->conf.name,
                    e->view.members[i].name, p->pid.counter);
            start_proposal(e); /* without it */
            break;
        }
    }
    /* A member that keeps sending heartbeats but never answers is left out too. */
    if (e->now > p->started + 2 * (uint64_t)e->conf.fail_ms) {
        const bool *got = p->phase == 1 ? p->got_ok : p->got_cut;
        for (size_t i = 0; i < e->view.n; i++)
            if (p->in_flush[i] && !got[i]) {
                mwi_log(MW_LOG_INFO, SUBSYS, "%s: %s did not answer view %u (phase %d)",
                        e->conf.name, e->view.members[i].name, p->pid.counter, p->phase);
                e->forced_out[i] = true;
            }
        for (size_t k = p->n_old; k < p->n_members; k++)
            if (!p->joiner_ok[k])
                drop_joiner(e, p->members[k].id);
        start_proposal(e);
    }
    if (p->phase == 1 && all(e, p->got_ok) && joiners_ok(p)) {
        p->phase = 2;
        p->next_retry = e->now;
        memcpy(e->cut, p->cut, sizeof e->cut);
        e->cut_have = true;
        apply_floor(e, p->floor);
        mwi_gview_check_cut(e);
    }
    if (p->phase == 2 && all(e, p->got_cut)) {
        install(e);
        return;
    }
    if (e->now >= p->next_retry) {
        if (p->phase == 1)
            send_flush(e);
        else
            send_vec(e, MWI_GT_CUT, p->pid, p->cut, p->floor);
        p->next_retry = e->now + e->conf.retry_ms;
    }
}

static void on_flush_ok(mwi_gengine *e, const mwi_gmsg *m)
{
    mwi_gprop *p = &e->prop;
    int i = mwi_gindex(e, m->sender);
    if (p->active && p->phase == 1 && i < 0 && m->u.vec.n == 0 &&
        pid_eq(m->u.vec.pid, p->pid)) {
        for (size_t k = p->n_old; k < p->n_members; k++)
            if (p->members[k].id == m->sender)
                p->joiner_ok[k] = true; /* a joiner confirms */
        return;
    }
    if (!p->active || p->phase != 1 || !vid_eq(m->view, e->vid) ||
        !pid_eq(m->u.vec.pid, p->pid) || i < 0 || !p->in_flush[i] || m->u.vec.n != e->view.n)
        return;
    if (p->got_ok[i])
        return;
    p->got_ok[i] = true;
    for (size_t j = 0; j < e->view.n; j++) {
        uint64_t v = mwi_gw_u64(m->u.vec.vec, j);
        if (v > p->cut[j])
            p->cut[j] = v;
        if (v < p->floor[j])
            p->floor[j] = v;
    }
}

static void on_cut_ok(mwi_gengine *e, const mwi_gmsg *m)
{
    mwi_gprop *p = &e->prop;
    if (in_view_state(e) && e->last_install.len && pid_eq(m->u.cut_ok.pid, e->install_pid)) {
        resend_install(e); /* it is waiting for the INSTALL we already applied */
        return;
    }
    int i = mwi_gindex(e, m->sender);
    if (!p->active || p->phase != 2 || !vid_eq(m->view, e->vid) ||
        !pid_eq(m->u.cut_ok.pid, p->pid) || i < 0 || !p->in_flush[i])
        return;
    p->got_cut[i] = true;
}

/* ------------------------------------------------------------------------------------ */
/* Entry points                                                                         */
/* ------------------------------------------------------------------------------------ */

void mwi_gview_input(mwi_gengine *e, const mwi_gmsg *m, const uint8_t *d, size_t n)
{
    switch (m->type) {
    case MWI_GT_JOIN:
        on_join(e, m);
        break;
    case MWI_GT_LEAVE:
        on_leave(e, m);
        break;
    case MWI_GT_FLUSH:
        on_flush(e, m);
        break;
    case MWI_GT_FLUSH_OK:
        on_flush_ok(e, m);
        break;
    case MWI_GT_CUT:
        on_cut(e, m);
        break;
    case MWI_GT_CUT_OK:
        on_cut_ok(e, m);
        break;
    case MWI_GT_INSTALL:
        on_install(e, m, d, n);
        break;
    default:
        break;
    }
}

void mwi_gview_heartbeat(mwi_gengine *e, const mwi_gmsg *m, int idx)
{
    if (idx >= 0)
        return; /* a member of our view: engine.c took it */
    if (m->flags & MWI_GF_LEAVING)
        return;
    if (e->state == MWI_GS_JOINING) {
        /* A group exists: ask its leader, the lowest one heard lately. A group whose
         * leader is us counts us in already (we missed its INSTALL): we ask one of its
         * members, which resends it. */
        uint64_t leader = m->u.hb.leader == e->conf.id ? m->sender : m->u.hb.leader;
        bool stale = e->now > e->join_heard + e->conf.fail_ms;
        if (!e->join_target || stale || leader <= e->join_target) {
            e->join_target = leader;
            e->join_heard = e->now;
        }
        return;
    }
    if (!in_view_state(e))
        return;
    if (mwi_gindex(e, m->sender) >= 0) {
        if (vid_eq(m->view, e->install_base))
            resend_install(e); /* a member of our view still in the previous one */
        return;
    }
    if (is_old_view(e, m->view) || vid_eq(m->view, e->vid))
        return;
    /* A joiner we were about to let in founded a group of its own: forget it (the merge
     * rule brings it back), and do not wait for it in a proposal. */
    for (size_t i = 0; i < e->n_joiners; i++) {
        if (e->joiners[i].id == m->sender) {
            drop_joiner(e, m->sender);
            for (size_t k = e->prop.n_old; e->prop.active && k < e->prop.n_members; k++)
                if (e->prop.members[k].id == m->sender && e->prop.phase == 1)
                    start_proposal(e);
            break;
        }
    }
    /* Merge: two groups formed apart (started together, or split by a partition). The
     * group whose leader has the higher id dissolves and its members join the other, so
     * the groups end up as one led by the lowest id. */
    if (e->state == MWI_GS_NORMAL && acting_leader(e) && m->u.hb.leader < e->conf.id) {
        mwi_log(MW_LOG_INFO, SUBSYS, "%s: hears view %u.%llx led by %llx from %llx: merging",
                e->conf.name, m->view.counter, (unsigned long long)m->view.proposer,
                (unsigned long long)m->u.hb.leader, (unsigned long long)m->sender);
        if (e->view.n == 1) {
            /* Alone, it ends its view without a flush: what it sent there (after an
             * exclusion, say) is delivered here first, like any member's own messages. */
            mwi_gdeliver_alone(e);
            to_joining(e, m->u.hb.leader);
        } else {
            e->merge_target = m->u.hb.leader;
        }
    }
}

void mwi_gview_periodic(mwi_gengine *e)
{
    if (e->state == MWI_GS_JOINING) {
        if (e->now >= e->next_join)
            send_join(e);
        bool heard = e->join_target && e->now <= e->join_heard + e->conf.fail_ms;
        if (!heard && e->now >= e->join_started + e->conf.join_ms) {
            mwi_log(MW_LOG_DEBUG, SUBSYS, "%s: founds a group (target %llx heard %llu ms ago)",
                    e->conf.name, (unsigned long long)e->join_target,
                    (unsigned long long)(e->now - e->join_heard));
            mwi_gview_found(e); /* nobody answered: we are the group */
        }
        return;
    }
    if (!in_view_state(e))
        return;
    if (e->leaving && e->now >= e->next_leave && !e->prop.active) {
        send_simple(e, MWI_GT_LEAVE);
        e->next_leave = e->now + e->conf.heartbeat_ms;
    }
    if (e->cut_reached && e->now >= e->next_cut_ok)
        send_cut_ok(e);
    mwi_gview_check_cut(e);
    size_t k = 0;
    for (size_t i = 0; i < e->n_joiners; i++) {
        if (e->now <= e->joiner_heard[i] + e->conf.fail_ms) {
            e->joiner_heard[k] = e->joiner_heard[i];
            e->joiner_counter[k] = e->joiner_counter[i];
            e->joiners[k++] = e->joiners[i];
        }
    }
    e->n_joiners = k;
    if (e->prop.active) {
        proposer_periodic(e);
        return;
    }
    if (!acting_leader(e))
        return;
    if (e->state == MWI_GS_NORMAL) {
        if (change_needed(e)) {
            start_proposal(e);
            proposer_periodic(e);
        }
    } else if (e->in_change) {
        /* We follow a proposal whose proposer went silent: take over. */
        int ci = mwi_gindex(e, e->cur.proposer);
        if (ci < 0 || mwi_gsuspected(e, ci)) {
            start_proposal(e);
            proposer_periodic(e);
        }
    }
}

uint64_t mwi_gview_deadline(const mwi_gengine *e)
{
    uint64_t next = UINT64_MAX;
    if (e->state == MWI_GS_JOINING) {
        next = MWI_MIN(e->next_join, e->join_started + e->conf.join_ms);
        if (e->join_target)
            next = MWI_MIN(next, MWI_MAX(e->join_heard + e->conf.fail_ms + 1,
                                         e->join_started + e->conf.join_ms));
        return next;
    }
    if (!in_view_state(e))
        return next;
    if (e->prop.active)
        next = MWI_MIN(next, MWI_MIN(e->prop.next_retry,
                                     e->prop.started + 2 * (uint64_t)e->conf.fail_ms + 1));
    if (e->cut_reached)
        next = MWI_MIN(next, e->next_cut_ok);
    if (e->leaving)
        next = MWI_MIN(next, e->next_leave);
    return next;
}

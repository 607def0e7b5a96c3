/*
 * engine.h - the reliable group protocol engine (docs/group.md). It does no I/O and
 * reads no clock: datagrams and the time go in (mwi_gengine_input, mwi_gengine_periodic),
 * datagrams to multicast, events to deliver and the next deadline come out
 * (mwi_gengine_output, mwi_gengine_event, the return value of mwi_gengine_periodic). The
 * driver (group.c) owns the socket and the clock; the unit tests drive it with a fake
 * network and a fake clock.
 *
 * Files: engine.c (streams, heartbeats and stability, NACKs and retransmission, sending,
 * the periodic step), view.c (membership: join, leave, failure detection, the view
 * change protocol, merging), deliver.c (FIFO and total-order delivery, the sequencer, the
 * delivery that ends a view, the event queue).
 *
 * Naming: functions shared between these files are mwi_g*; the engine's types are
 * internal (never in a public header).
 */
#ifndef MW_GROUP_ENGINE_H
#define MW_GROUP_ENGINE_H

#include <midway/group.h>

#include "group/wire.h"

/* Member states. */
#define MWI_GS_JOINING 1  /* looking for a group; no view */
#define MWI_GS_NORMAL 2   /* in a view */
#define MWI_GS_FLUSHING 3 /* in a view that is changing: no new messages may be sent */
#define MWI_GS_LEFT 4     /* out of the group for good */

/* Cut records kept for INSTALLs that may still arrive (see view.c). */
#define MWI_G_CUT_RECORDS 4
/* Views remembered so that their late heartbeats are not taken for a foreign group. */
#define MWI_G_OLD_VIEWS 4

/* The engine's configuration: the public options with the defaults applied. */
typedef struct mwi_gconf {
    uint64_t id;                      /* this member's id, not 0 */
    char name[MW_GROUP_MAX_NAME + 1]; /* its name */
    int order;                        /* MW_GROUP_FIFO or MW_GROUP_TOTAL */
    size_t max_datagram;              /* datagram size, headers included */
    uint32_t window;                  /* flow-control window, in datagrams */
    size_t max_message;               /* largest message sent */
    uint32_t heartbeat_ms;            /* session message interval */
    uint32_t fail_ms;                 /* failure-detection timeout */
    uint32_t join_ms;                 /* join wait before founding a group */
    uint32_t retry_ms;                /* NACK and control retry interval */
} mwi_gconf;

/* Fills c from the public options (NULL: defaults), checking them: MW_EINVAL. The id is
 * left 0 when opts gives none (the driver draws a random one). */
int mwi_gconf_init(mwi_gconf *c, const mw_group_opts *opts);

/* One datagram of a sender's stream, held for delivery and for retransmission. */
typedef struct mwi_gslot {
    uint8_t *dg;         /* the whole datagram as received or sent; NULL: empty slot */
    uint64_t seq;        /* its seq */
    uint64_t retx_ms;    /* when it was last retransmitted by us (0: never) */
    uint32_t len;        /* bytes of dg */
    uint16_t flags;      /* MWI_GF_... of the datagram */
    uint16_t frag_index; /* fragment index */
    uint16_t frag_count; /* fragments of its message */
    uint32_t msg_len;    /* bytes of its message */
    bool consumed;       /* delivered, or skipped, or (CTRL) processed */
} mwi_gslot;

/* One sender's stream as this member sees it. Slots hold the seqs (base, base + cap]. */
typedef struct mwi_gstream {
    uint64_t base;         /* every seq <= base was consumed and is stable: freed */
    uint64_t contig;       /* every seq <= contig has been received (own stream: sent) */
    uint64_t high;         /* the highest seq known to exist */
    uint64_t done;         /* every seq <= done has been consumed */
    uint64_t stable;       /* every member has received every seq <= stable */
    uint64_t limit;        /* while the view changes, nothing past this is delivered live */
    uint64_t ordered;      /* sequencer: every message <= ordered has an order entry */
    uint64_t nack_due;     /* when to send the next NACK for a gap; 0: no gap */
    uint32_t nack_attempt; /* NACKs sent for the current gap */
    uint32_t cap;          /* slots */
    mwi_gslot *slots;      /* cap slots; seq s lives in slots[s % cap] */
} mwi_gstream;

/* A view change this member runs as proposer. */
typedef struct mwi_gprop {
    bool active;   /* running */
    bool restart;  /* start again at the next step (a joiner's counter moved) */
    int phase;     /* 1: waiting for FLUSH_OKs, 2: waiting for CUT_OKs */
    mwi_gpid pid;  /* its id */
    bool dissolve; /* the view ends; its members join merge_target's group */
    uint64_t merge_target;
    size_t n_members; /* the proposed view: members of the current view first, */
    size_t n_old;     /* ... n_old of them, then joiners */
    mw_group_member members[MW_GROUP_MAX_MEMBERS];
    bool joiner_ok[MW_GROUP_MAX_MEMBERS]; /* by position in members: the joiner answered */
    bool in_flush[MW_GROUP_MAX_MEMBERS];  /* by index in the current view: must report */
    bool got_ok[MW_GROUP_MAX_MEMBERS];    /* FLUSH_OK received (by index) */
    bool got_cut[MW_GROUP_MAX_MEMBERS];   /* CUT_OK received (by index) */
    uint64_t cut[MW_GROUP_MAX_MEMBERS];   /* the max of the reports so far (by index) */
    uint64_t floor[MW_GROUP_MAX_MEMBERS]; /* the min of the reports so far (by index) */
    uint64_t started;                     /* when this attempt started */
    uint64_t next_retry;                  /* when to multicast the phase's message again */
} mwi_gprop;

/* An event waiting in the queue (the end of a view, views, leaving). */
typedef struct mwi_gqevent {
    int type;                         /* MW_GROUP_... */
    uint64_t sender;                  /* MESSAGE */
    char name[MW_GROUP_MAX_NAME + 1]; /* MESSAGE: the sender's name */
    uint8_t *data;                    /* MESSAGE: owned copy */
    size_t len;
    uint64_t seq, gseq;  /* MESSAGE */
    mw_group_view *view; /* VIEW: owned copy */
} mwi_gqevent;

/* A datagram waiting to be multicast. */
typedef struct mwi_gout {
    uint8_t *data; /* owned */
    size_t len;
} mwi_gout;

typedef struct mwi_gengine {
    mwi_gconf conf; /* configuration */
    uint64_t now;   /* the time of the current call, in ms */
    int state;      /* MWI_GS_... */
    bool leaving;   /* mwi_gengine_leave was called */

    /* The view. */
    mw_group_view view;   /* members sorted by id */
    mwi_gvid vid;         /* its id */
    int me;               /* our index in view.members */
    mwi_gstream *streams; /* view.n streams, by member index */
    size_t n_streams;     /* how many streams are allocated */
    uint64_t *acks;       /* view.n x view.n: acks[m * n + s] = member m's contig of s */
    uint64_t *heard;      /* view.n: when each member was last heard in this view */
    bool forced_out[MW_GROUP_MAX_MEMBERS]; /* excluded from proposals for not answering */
    mwi_gvid old_views[MWI_G_OLD_VIEWS];   /* views we were in before this one */
    uint32_t last_counter;                 /* the counter of the last view we were in */
    uint64_t next_hb;                      /* when the next heartbeat is due */
    bool ackreq;                           /* our next heartbeat asks for acknowledgements */
    uint64_t next_ackreq;    /* not before (a full window asks at most this often) */
    uint64_t next_ack_reply; /* when we may answer an ACKREQ again */
    uint32_t since_ack;      /* data datagrams received since our last heartbeat */

    /* Joining. */
    uint64_t join_started;                   /* when we started looking for a group */
    uint64_t join_target;                    /* the lowest leader heard (0: none) */
    uint64_t join_heard;                     /* when a group's heartbeat was last heard */
    uint64_t next_join;                      /* when the next JOIN is due */
    mwi_gpid join_pid[MWI_G_CUT_RECORDS];    /* proposals we confirmed as a joiner, */
    uint64_t join_pid_at[MWI_G_CUT_RECORDS]; /* ... and when (the latest first) */

    /* Requests a leader acts on at the next view change. */
    size_t n_joiners;
    mw_group_member joiners[MW_GROUP_MAX_MEMBERS];
    uint64_t joiner_heard[MW_GROUP_MAX_MEMBERS];
    uint32_t joiner_counter[MW_GROUP_MAX_MEMBERS]; /* the last view counter each saw */
    size_t n_leavers;
    uint64_t leavers[MW_GROUP_MAX_MEMBERS];
    uint64_t merge_target; /* a lower leader heard: dissolve into its group */
    uint64_t next_leave;   /* when to repeat our LEAVE */

    /* View change: as proposer. */
    mwi_gprop prop;
    /* As participant. */
    bool in_change;                     /* we reported to a proposal of this view */
    mwi_gpid cur;                       /* the proposal we follow */
    bool frozen;                        /* limits set at our first report in this view */
    bool cut_have;                      /* cur's cut received */
    bool cut_reached;                   /* ... and everything up to it is here (CUT_OK sent) */
    uint64_t cut[MW_GROUP_MAX_MEMBERS]; /* cur's cut */
    uint64_t next_cut_ok;               /* when to repeat CUT_OK */
    size_t n_cutrec; /* proposals whose cut we reached: their INSTALL is accepted */
    mwi_gpid cutrec_pid[MWI_G_CUT_RECORDS];
    uint64_t cutrec[MWI_G_CUT_RECORDS][MW_GROUP_MAX_MEMBERS];
    /* The INSTALL that made the current view, kept to resend to those who missed it. */
    mw_buf last_install;
    mwi_gpid install_pid;    /* its proposal */
    mwi_gvid install_base;   /* the view it replaced */
    uint64_t install_resent; /* when we last resent it */

    /* Total order. */
    uint64_t cseq;       /* next seq of the sequencer's stream the cursor looks at */
    uint32_t cidx;       /* next entry of the order record at cseq */
    uint64_t gseq_done;  /* total-order positions passed (delivered or skipped) */
    uint64_t gseq_given; /* messages delivered in total order in this view: the last gseq */
    uint64_t order_next; /* sequencer: the next position to assign */
    size_t n_pending;    /* sequencer: entries in the order record being filled */
    uint8_t *pending;    /* that record (MWI_G_ORDER_HEADER + entries) */
    size_t pending_cap;  /* entries that fit in one record */
    uint32_t order_rr;   /* sequencer: the stream to scan first */

    /* Delivery. */
    uint32_t rr;        /* FIFO: the stream to try first */
    mw_buf reasm;       /* a fragmented message being delivered */
    mwi_gqevent *queue; /* events materialised at view changes */
    size_t q_head, q_len, q_cap;
    mwi_gqevent current;                  /* the last event handed out from the queue */
    char cur_name[MW_GROUP_MAX_NAME + 1]; /* the name of the last live event's sender */

    /* Output. */
    mwi_gout *out;
    size_t out_head, out_len, out_cap;
    mwi_gout out_current; /* the last datagram handed out */
    mw_buf scratch;       /* encoding */

    mw_group_stats stats;
} mwi_gengine;

/* ---- the engine's interface (engine.c) ---------------------------------------------- */

/* Creates an engine that starts looking for a group at time now. conf->id must be set.
 * MW_EINVAL, MW_ENOMEM. */
int mwi_gengine_create(mwi_gengine **out, const mwi_gconf *conf, uint64_t now);
void mwi_gengine_destroy(mwi_gengine *e);
/* One received datagram (borrowed). 0, or MW_EPROTO / MW_ETRUNCATED for a datagram that
 * was dropped as malformed (counted). Datagrams of other groups or views are ignored. */
int mwi_gengine_input(mwi_gengine *e, const uint8_t *d, size_t n, uint64_t now);
/* An application message (borrowed): 0, MW_EAGAIN (window full, joining, view
 * changing), MW_EMSGSIZE, MW_ESTATE (leaving or left), MW_ENOMEM. */
int mwi_gengine_send(mwi_gengine *e, const void *d, size_t n, uint64_t now);
/* Starts leaving: MW_ESTATE when already leaving or left. */
int mwi_gengine_leave(mwi_gengine *e, uint64_t now);
/* Runs timers. Returns the time by which it must be called again (may be <= now when
 * work is pending, e.g. after input). Call it after every batch of input. */
uint64_t mwi_gengine_periodic(mwi_gengine *e, uint64_t now);
/* The next datagram to multicast: true and *d, *n (valid until the next call on e). */
bool mwi_gengine_output(mwi_gengine *e, const uint8_t **d, size_t *n);
/* The next event: 0 and *ev (valid until the next call on e), or MW_EAGAIN. */
int mwi_gengine_event(mwi_gengine *e, mw_group_event *ev);
/* The current view, or NULL while joining or after leaving. */
const mw_group_view *mwi_gengine_view(const mwi_gengine *e);

/* ---- shared between the engine's files --------------------------------------------- */

/* engine.c */
int mwi_gout_push(mwi_gengine *e, const uint8_t *d, size_t n);
/* Multicasts the datagram in e->scratch. */
int mwi_gout_scratch(mwi_gengine *e);
/* Starts a datagram of ours in e->scratch (header with our id and view). */
int mwi_gbegin(mwi_gengine *e, uint8_t type, uint16_t flags);
/* Index of member id in the view; -1 if not a member. */
int mwi_gindex(const mwi_gengine *e, uint64_t id);
/* True when member i has been silent for longer than fail_ms. */
bool mwi_gsuspected(const mwi_gengine *e, int i);
/* The slot of seq in stream s, or NULL if it is not held. */
mwi_gslot *mwi_gslot_get(mwi_gstream *s, uint64_t seq);
/* Marks seq consumed and moves s->done over the consumed prefix. */
void mwi_gconsume(mwi_gstream *s, uint64_t seq);
/* Appends a datagram of our own stream (payload with the given flags); MW_EAGAIN when the
 * window is full. */
int mwi_gsend_own(mwi_gengine *e, uint16_t flags, const uint8_t *payload, size_t n,
                  uint16_t frag_index, uint16_t frag_count, uint32_t msg_len);
/* Frees every stream and sets up n empty ones for the view in e->view. MW_ENOMEM. */
int mwi_gstreams_reset(mwi_gengine *e);
void mwi_gstreams_free(mwi_gengine *e);
/* Our contig for every member of the view, in view order (own stream: highest sent). */
void mwi_gvector(const mwi_gengine *e, uint64_t *v);
void mwi_gsend_heartbeat(mwi_gengine *e);
/* Recomputes stream j's stability and frees what every member has and we consumed. */
void mwi_grestabilize(mwi_gengine *e, size_t j);

/* view.c */
void mwi_gview_input(mwi_gengine *e, const mwi_gmsg *m, const uint8_t *d, size_t n);
void mwi_gview_heartbeat(mwi_gengine *e, const mwi_gmsg *m, int idx);
void mwi_gview_periodic(mwi_gengine *e);
uint64_t mwi_gview_deadline(const mwi_gengine *e);
/* Starts leaving (view.c's part of mwi_gengine_leave). */
int mwi_gview_leave(mwi_gengine *e);
/* Founds a one-member view (nobody heard, or excluded by the others). */
int mwi_gview_found(mwi_gengine *e);
/* The view's cut check after new data arrived during a change. */
void mwi_gview_check_cut(mwi_gengine *e);

/* deliver.c */
/* The next live delivery (bounded by each stream's limit): 0 and *ev, or MW_EAGAIN. */
int mwi_gdeliver_live(mwi_gengine *e, mw_group_event *ev);
/* Moves every live delivery (up to the limits) into the queue. */
int mwi_gdeliver_drain(mwi_gengine *e);
/* Ends the view: delivers everything up to cut (NULL: nothing more) into the queue. */
int mwi_gdeliver_final(mwi_gengine *e, const uint64_t *cut);
/* Ends the view for a member excluded from it: delivers into the queue what it holds that
 * keeps FIFO and total order (its own messages all). */
int mwi_gdeliver_alone(mwi_gengine *e);
/* Sequencer: gives new complete messages their order entries and multicasts records. */
void mwi_gsequence(mwi_gengine *e);
/* Queues an event (the queue takes data and view). MW_ENOMEM. */
int mwi_gqueue_push(mwi_gengine *e, const mwi_gqevent *ev);
void mwi_gqueue_free(mwi_gengine *e);
int mwi_gqueue_pop(mwi_gengine *e, mw_group_event *ev);

#endif

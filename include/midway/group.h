/*
 * midway/group.h - group communication (seeds: "Group communication", Figure 4.20 and
 * the discussion of what unreliable, unordered IP multicast does to replicated services):
 * plain IP multicast groups, and reliable, ordered multicast with membership views.
 *
 * TWO KINDS OF GROUP, ONE HANDLE
 *   plain      (opts.reliable false) IP multicast as in Figure 4.20: every datagram sent
 *              to the group is one message, with no header of ours, so the book's Java
 *              MulticastPeer and `midway mcast` are members like any other. Messages may
 *              be lost, duplicated or reordered; there are no views.
 *   reliable   (opts.reliable true) the protocol of docs/group.md over the same kind of
 *              socket: per-sender sequence numbers, negative acknowledgements and
 *              retransmission (by the sender or any member that has the message),
 *              periodic session messages that reveal tail loss and carry
 *              acknowledgements, stability, a flow-control window, fragmentation;
 *              FIFO order per sender, or one total order through a sequencer; views
 *              (join, leave, failure detection by heartbeats) delivered in order with the
 *              messages.
 *
 * DELIVERY. mw_group_recv hands out the next event: a message (its sender and bytes), a
 * new view, or (after mw_group_leave) the end of membership. A member receives its own
 * messages too (in the order the group delivers them). The guarantee across view changes
 * (docs/group.md, "Guarantees"): VIEW-SYNCHRONOUS DELIVERY. If a member delivers message
 * m in view V and then installs view V', every member that also installs V' directly
 * after V delivers m in V before V'. With total order every such member delivers the
 * messages of V in the same order; with FIFO order each member delivers each sender's
 * messages in the order they were sent. A message from a member that failed is delivered
 * by all surviving members or by none of them.
 *
 * THREADS AND BLOCKING. A group is used by one thread at a time. Nothing runs in the
 * background: the protocol advances inside mw_group_recv, mw_group_send,
 * mw_group_process, mw_group_leave and mw_group_close, so a member must call one of them
 * regularly (at least every heartbeat interval) or it stops acknowledging and is
 * eventually suspected of failure. mw_group_fd and mw_group_next_timeout let an event
 * loop drive it (call mw_group_process when either fires).
 *
 * Conventions (docs/conventions.md): functions return 0 or a negative MW_E... code; the
 * caller owns the handle and closes it once; timeouts are milliseconds, MW_FOREVER waits
 * forever, 0 does not wait.
 */
#ifndef MIDWAY_GROUP_H
#define MIDWAY_GROUP_H

#include <midway/base.h>
#include <midway/net.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------ */
/* Limits and defaults                                                                  */
/* ------------------------------------------------------------------------------------ */

/* The most members in one view: bounds every vector in the protocol's control messages
 * (a heartbeat carries one acknowledgement per member). */
#define MW_GROUP_MAX_MEMBERS 64
/* The longest member name, in bytes (UTF-8, no NUL). */
#define MW_GROUP_MAX_NAME 32

/* Wire constants (docs/group.md). */
#define MW_GROUP_MAGIC 0x4D47   /* "MG", the first two bytes of every datagram */
#define MW_GROUP_VERSION 1      /* the protocol version this library speaks */
#define MW_GROUP_HEADER_SIZE 28 /* bytes of the common header */
#define MW_GROUP_DATA_HEADER 16 /* bytes a data datagram adds before its payload */

/* Datagram size of reliable groups, headers included: 1400 bytes fit an Ethernet frame
 * with room for IP options and tunnels, so no datagram is fragmented by IP. */
#define MW_GROUP_DEFAULT_DATAGRAM 1400
#define MW_GROUP_MIN_DATAGRAM 256
/* The flow-control window: a sender has at most this many datagrams (fragments) that
 * some member may not have yet; receivers keep twice as many slots per sender. */
#define MW_GROUP_DEFAULT_WINDOW 512
#define MW_GROUP_MAX_WINDOW 65536
/* The largest message a member sends by default; it must fit in half the window. */
#define MW_GROUP_DEFAULT_MAX_MESSAGE (256u << 10)
/* Timing defaults, in milliseconds. */
#define MW_GROUP_DEFAULT_HEARTBEAT_MS 100 /* session messages (heartbeats) */
#define MW_GROUP_DEFAULT_FAIL_MS 1000     /* silence after which a member is suspected */
#define MW_GROUP_DEFAULT_JOIN_MS 500      /* a joiner that hears no group makes its own */
#define MW_GROUP_DEFAULT_RETRY_MS 20      /* NACK and control retransmission interval */

/* Orders (mw_group_opts.order). */
#define MW_GROUP_FIFO 1  /* each sender's messages in the order sent (the default) */
#define MW_GROUP_TOTAL 2 /* every member delivers every message in the same order */

/* ------------------------------------------------------------------------------------ */
/* Options, views, events                                                               */
/* ------------------------------------------------------------------------------------ */

/*
 * Fault injection for tests and demonstrations: every datagram this member receives meets
 * these faults, decided by an mw_rng seeded with `seed`. Probabilities are in [0, 1]. A
 * zeroed struct injects nothing.
 */
typedef struct mw_group_fault {
    uint64_t seed;    /* seed of the generator */
    double drop;      /* probability a received datagram is lost */
    double duplicate; /* probability a received datagram is processed twice */
    double reorder;   /* probability a datagram is held back until the next one passes */
} mw_group_fault;

/* Options of mw_group_open; NULL or zeroed fields take the defaults. All members of a
 * reliable group must agree on order, and should agree on the timing. */
typedef struct mw_group_opts {
    const char *ifname;          /* interface to join on and send through; NULL: the
                                    kernel's choice. On Linux, members on one machine with
                                    no network need "lo" */
    int ttl;                     /* hop limit of sent datagrams; 0: 1 (this link only) */
    int loopback;                /* 0: on (members on this host hear us), 1: on, -1: off */
    bool reliable;               /* false: a plain IP multicast group */
    int order;                   /* reliable: MW_GROUP_FIFO (default) or MW_GROUP_TOTAL */
    const char *name;            /* reliable: this member's name (copied, at most
                                    MW_GROUP_MAX_NAME bytes); NULL: the id in hex */
    uint64_t id;                 /* reliable: this member's id, unique in the group; 0:
                                    random. The lowest id of a view is its sequencer */
    size_t max_datagram;         /* reliable: datagram size, headers included: 1400 */
    uint32_t window;             /* reliable: flow-control window in datagrams: 512 */
    size_t max_message;          /* reliable: largest message sent: 256 KiB */
    uint32_t heartbeat_ms;       /* reliable: session message interval: 100 */
    uint32_t fail_ms;            /* reliable: failure-detection timeout: 1000 */
    uint32_t join_ms;            /* reliable: join wait before founding a group: 500 */
    uint32_t retry_ms;           /* reliable: NACK and control retry interval: 20 */
    uint32_t leave_ms;           /* reliable: how long mw_group_close waits for a clean
                                    leave: 0 means fail_ms */
    const mw_group_fault *fault; /* inject faults on receipt (copied); NULL: none */
} mw_group_opts;

/* A member as views name it. */
typedef struct mw_group_member {
    uint64_t id;                      /* its id */
    char name[MW_GROUP_MAX_NAME + 1]; /* its name, NUL-terminated */
} mw_group_member;

/* A view: the members of the group as one installation of the protocol agreed. */
typedef struct mw_group_view {
    uint32_t counter;  /* grows at every view change a member sees (merges included) */
    uint64_t proposer; /* the member that installed it; (counter, proposer) is unique */
    size_t n;          /* number of members */
    mw_group_member members[MW_GROUP_MAX_MEMBERS]; /* sorted by id; members[0] is the
                                                      coordinator and the sequencer */
} mw_group_view;

/* Event types. */
#define MW_GROUP_MESSAGE 1 /* a message was delivered */
#define MW_GROUP_VIEW 2    /* a new view was installed (reliable groups) */
#define MW_GROUP_LEFT 3    /* this member has left the group (after mw_group_leave) */

/* An event, owned by the group: valid until the next call on the group. */
typedef struct mw_group_event {
    int type;                  /* MW_GROUP_MESSAGE, MW_GROUP_VIEW or MW_GROUP_LEFT */
    uint64_t sender;           /* MESSAGE: the sender's id (0 in plain groups) */
    const char *sender_name;   /* MESSAGE: its name; plain groups: its "ip:port" */
    mw_addr from;              /* MESSAGE in plain groups: the source address */
    const uint8_t *data;       /* MESSAGE: the message */
    size_t len;                /* MESSAGE: its length */
    uint64_t seq;              /* MESSAGE (reliable): the sender's sequence number of the
                                  message's first datagram, from 1 in each view */
    uint64_t gseq;             /* MESSAGE (total order): the position in the view's total
                                  order, from 1; 0 otherwise */
    const mw_group_view *view; /* VIEW: the new view */
} mw_group_event;

/* What a member has done so far. Counters only grow; "now" values are current. */
typedef struct mw_group_stats {
    uint64_t sent;                /* messages sent */
    uint64_t delivered;           /* messages delivered (own included) */
    uint64_t datagrams_out;       /* datagrams sent, control and retransmissions included */
    uint64_t datagrams_in;        /* datagrams received (before fault injection) */
    uint64_t retransmitted;       /* data datagrams sent again after a NACK */
    uint64_t nacks_sent;          /* NACK datagrams sent */
    uint64_t duplicates;          /* data datagrams received twice (dropped) */
    uint64_t malformed;           /* datagrams dropped as malformed or foreign */
    uint64_t out_of_window;       /* data datagrams dropped for lack of buffer room */
    uint64_t views;               /* views installed */
    uint64_t window_full;         /* sends refused or delayed by the flow-control window */
    uint64_t send_errors;         /* datagrams the socket refused (counted as lost) */
    uint64_t injected_drops;      /* datagrams dropped by fault injection */
    uint64_t buffered_bytes;      /* now: bytes of datagrams held for delivery or
                                     retransmission */
    uint64_t peak_buffered_bytes; /* the most buffered_bytes ever held */
} mw_group_stats;

/* ------------------------------------------------------------------------------------ */
/* Groups                                                                               */
/* ------------------------------------------------------------------------------------ */

typedef struct mw_group mw_group;

/*
 * Joins the multicast group `group` (IPv4 224.0.0.0/4 or IPv6 ff00::/8; port 0 picks a
 * free port, read back with mw_group_local_addr) with options opts (NULL: a plain group,
 * the defaults). The socket is bound to the group's port with SO_REUSEADDR, so several
 * members can share a host. A reliable member starts by looking for the group: its first
 * event is a MW_GROUP_VIEW once it has joined (or founded the group, if it heard nobody
 * for join_ms). Does not block. Errors: MW_EINVAL (bad options), MW_ENOTMCAST, MW_ENOENT
 * (no such interface), socket errors, MW_ENOMEM. The caller owns *out.
 */
MW_API int mw_group_open(mw_group **out, const mw_addr *group, const mw_group_opts *opts);

/*
 * Leaves the group (if still a member: a reliable member leaves cleanly, waiting up to
 * leave_ms for the others to install a view without it; events meanwhile are
 * discarded), drops the multicast membership and frees everything. NULL is ignored.
 */
MW_API void mw_group_close(mw_group *g);

/*
 * Multicasts data[0..n) to the group (borrowed for the call). Plain groups: one datagram
 * (MW_EMSGSIZE past MW_UDP_MAX_PAYLOAD). Reliable groups: the message gets the next
 * sequence number and is fragmented as needed (MW_EMSGSIZE past max_message); while the
 * window is full, or while the member is joining or the view is changing, the call
 * drives the protocol and waits up to timeout_ms: MW_EAGAIN with timeout 0,
 * MW_ETIMEDOUT when the wait ran out. MW_ESTATE after mw_group_leave. Events that arrive
 * meanwhile are kept for mw_group_recv (they are not taken for you: a member's own
 * messages hold their buffers until it delivers them too, so a member that sends more
 * than twice the window without calling mw_group_recv waits until it does).
 */
MW_API int mw_group_send(mw_group *g, const void *data, size_t n, int timeout_ms);

/*
 * Waits up to timeout_ms for the next event and points *ev at it (valid until the next
 * call on g). 0, MW_ETIMEDOUT, MW_ECLOSED once a reliable member has left (after its
 * MW_GROUP_LEFT event), or a socket error.
 */
MW_API int mw_group_recv(mw_group *g, mw_group_event *ev, int timeout_ms);

/*
 * Reliable groups: starts leaving. The others install a view without this member after
 * delivering everything it sent; mw_group_recv then returns the last messages and a
 * MW_GROUP_LEFT event. Plain groups: drops the multicast membership at once (no more
 * messages arrive; sending still works). Does not block. MW_ESTATE if already left.
 */
MW_API int mw_group_leave(mw_group *g);

/* Drives the protocol without waiting (for event loops): receives what is queued,
 * sends what is due. Events stay queued for mw_group_recv. */
MW_API int mw_group_process(mw_group *g);
/* The socket's descriptor, for event loops. Still owned by g. */
MW_API int mw_group_fd(const mw_group *g);
/* Milliseconds until the protocol next needs to run (0: now); MW_FOREVER for plain
 * groups. */
MW_API int mw_group_next_timeout(const mw_group *g);

/* The current view (reliable groups): MW_ESTATE while joining or after leaving, MW_ENOTSUP
 * for plain groups. */
MW_API int mw_group_view_get(const mw_group *g, mw_group_view *out);
/* This member's id (0 for plain groups). */
MW_API uint64_t mw_group_id(const mw_group *g);
/* The socket's local address (the port, when the group's was 0). */
MW_API int mw_group_local_addr(const mw_group *g, mw_addr *out);
MW_API void mw_group_stats_get(const mw_group *g, mw_group_stats *out);

/* Plain IP multicast settings of the group's socket (as in mw_mcast_set_*): the hop
 * limit, whether our datagrams come back to members on this host, the interface
 * datagrams leave by. */
MW_API int mw_group_set_ttl(mw_group *g, int ttl);
MW_API int mw_group_set_loopback(mw_group *g, bool on);
MW_API int mw_group_set_interface(mw_group *g, const char *ifname);

#ifdef __cplusplus
}
#endif
#endif /* MIDWAY_GROUP_H */

/*
 * midway/rr.h - the request-reply protocol (seeds: "Client-server communication",
 * Figures 12-15): the book's three primitives doOperation, getRequest and sendReply;
 * the R, RR and RRA exchange protocols; maybe, at-least-once and at-most-once
 * invocation semantics; over UDP (with fragmentation) or TCP (with framing).
 *
 * THE PIECES
 *   mw_rr_client   one client endpoint: one socket to one server, any number of calls
 *                  outstanding on it. mw_rr_do_operation is the blocking primitive;
 *                  mw_rr_call_async with mw_rr_client_poll / mw_rr_client_wait the
 *                  asynchronous form. Single-threaded: no locks, no background thread.
 *   mw_rr_port     the book's server side: mw_rr_get_request and mw_rr_send_reply on the
 *                  caller's thread (blocking, like Figure 13's primitives).
 *   mw_rr_server   a server on libuv: handlers registered by operationId, run on a pool
 *                  of worker threads (or on the loop thread for short handlers), N loop
 *                  threads sharing a UDP port with SO_REUSEPORT, statistics.
 *
 * MESSAGES (Figure 14) carry messageType, requestId, the remote object reference (as its
 * object number and a 32-bit hash of its interface name), operationId and the arguments:
 * opaque bytes the caller marshalled (with CDR, usually). The bytes on the wire are
 * specified in docs/protocol.md, section "Request-reply protocol". A message identifier
 * is the requestId plus the client's identity: its address and port (UDP; over TCP only
 * the address, since a reconnection changes the port) and a random 64-bit incarnation
 * chosen when the client opens, so a restarted client never meets its former self's
 * history.
 *
 * SEMANTICS
 *   maybe          sent once, no retransmission, no duplicate filtering on the server:
 *                  the call executes once or not at all (or, if the network duplicates
 *                  the datagram, more than once); the caller sees MW_ETIMEDOUT.
 *   at-least-once  retransmitted until a reply arrives or the retries run out; the
 *                  server executes every copy it receives.
 *   at-most-once   retransmitted likewise; the server filters duplicates and answers them
 *                  from a reply history, so the operation executes at most once per call.
 *                  A duplicate of a request still executing is not executed again; the
 *                  reply goes out once, when ready. History entries are dropped on the
 *                  client's acknowledgement (RRA's ack, or RR's implicit ack: every
 *                  request carries the id below which all of the client's calls have
 *                  completed), after a time to live, and when the history's bounds in
 *                  entries or bytes are reached (oldest first). A duplicate that arrives
 *                  after its entry has expired is not recognised; choose the TTL longer
 *                  than timeout x (retries + 1). Duplicates of acknowledged requests are
 *                  recognised as long as the server remembers the client (TTL).
 *                  Execution is at most once per server process: a restarted server has
 *                  no history.
 *
 * ERRORS. Every function returns 0 or a negative MW_E... code (docs/conventions.md). A
 * call's result is either a local error (MW_ETIMEDOUT, MW_EMSGSIZE, MW_ECONNREFUSED,
 * MW_ECONNRESET, ...) or the status the server sent: a handler's own negative code,
 * MW_ENOTSUP for an operationId nobody registered, MW_EMSGSIZE for a request or reply
 * over the server's limit, MW_ELIMIT when an at-most-once reply was discarded from the
 * history (to keep it bounded) before the client got it, MW_ENOENT when the server has no
 * record of a call whose reply the client was still fetching (it restarted).
 *
 * CALLBACKS. When a function that takes a callback returns an error, the callback never
 * runs. When it returns 0, the callback runs exactly once.
 *
 * TIME. Timeouts are int milliseconds (MW_FOREVER waits forever, 0 does not wait).
 */
#ifndef MIDWAY_RR_H
#define MIDWAY_RR_H

#include <midway/base.h>
#include <midway/marshal.h>
#include <midway/net.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------ */
/* Constants                                                                            */
/* ------------------------------------------------------------------------------------ */

/* Exchange protocols (Figure 15). 0 in an options struct means "the default". */
#define MW_RR_R 1   /* request only: no reply, the call completes once the request is sent */
#define MW_RR_RR 2  /* request, reply (the default) */
#define MW_RR_RRA 3 /* request, reply, acknowledgement of the reply */

/* Invocation semantics. 0 in an options struct means "the default". */
#define MW_RR_MAYBE 1         /* no retransmission, no filtering */
#define MW_RR_AT_LEAST_ONCE 2 /* retransmission; every copy executes */
#define MW_RR_AT_MOST_ONCE 3  /* retransmission, duplicate filtering, reply history (default) */

/* Transports. */
#define MW_RR_UDP 1 /* datagrams; messages larger than a datagram are fragmented (default) */
#define MW_RR_TCP 2 /* one persistent connection, length-prefixed frames */

/* Wire constants (docs/protocol.md). */
#define MW_RR_MAGIC 0x4D57   /* "MW", the first two bytes of every message */
#define MW_RR_VERSION 1      /* the protocol version this library speaks */
#define MW_RR_HEADER_SIZE 64 /* bytes of the fixed header of version 1 */

/* UDP datagram sizes (header included): the default is 8 KiB, as Java's default
 * DatagramPacket buffers; the largest is what one UDP datagram can carry; the smallest
 * keeps the header a small share. */
#define MW_RR_DEFAULT_DATAGRAM 8192
#define MW_RR_MIN_DATAGRAM 512
#define MW_RR_MAX_DATAGRAM MW_UDP_MAX_PAYLOAD
/* The largest message body (arguments or result) either side accepts by default:
 * large enough for any sensible RPC, small enough that one peer cannot make the other
 * reserve unbounded memory. Past it both sides get MW_EMSGSIZE. */
#define MW_RR_DEFAULT_MAX_MESSAGE (16u << 20)
/* The largest configurable message body. */
#define MW_RR_MAX_MESSAGE (1u << 30)
/* Fragments a sender sends before waiting for the receiver's status report: 16 x 8 KiB
 * stays well inside Linux's default 208 KiB socket receive buffer. */
#define MW_RR_DEFAULT_WINDOW 16
/* Default per-attempt timeout and retransmission count of a call. */
#define MW_RR_DEFAULT_TIMEOUT_MS 500
#define MW_RR_DEFAULT_RETRIES 4

/* A 32-bit FNV-1a hash of an interface name ("HelloApp::Hello"), the form in which a
 * request carries the interface of its remote object reference. NULL or "" gives 0. */
MW_API uint32_t mw_rr_interface_hash(const char *name);

/* ------------------------------------------------------------------------------------ */
/* Fault injection                                                                      */
/* ------------------------------------------------------------------------------------ */

/*
 * A fault-injection wrapper for UDP transports, for tests and demonstrations: every
 * datagram the client sends or receives meets these faults, decided by an mw_rng seeded
 * with `seed`, so a run is reproducible (given the same timing). Probabilities are in
 * [0, 1]. A zeroed struct injects nothing.
 */
typedef struct mw_rr_fault {
    uint64_t seed;      /* seed of the generator */
    double drop;        /* probability a datagram is lost */
    double duplicate;   /* probability a datagram is delivered twice */
    double reorder;     /* probability a datagram is held back until the next one in the
                           same direction has passed it (or delay_ms, if none comes) */
    double delay;       /* probability a datagram is delayed */
    uint32_t delay_ms;  /* a delayed datagram waits a uniform time in [0, delay_ms] ms;
                           0 means 10 ms */
} mw_rr_fault;

/* ------------------------------------------------------------------------------------ */
/* Calls: options and statistics                                                        */
/* ------------------------------------------------------------------------------------ */

/* Per-call options; NULL or zeroed fields take the client's defaults. */
typedef struct mw_rr_call_opts {
    int protocol;   /* MW_RR_R, MW_RR_RR or MW_RR_RRA; 0: the client's default */
    int semantics;  /* MW_RR_MAYBE, ..._AT_LEAST_ONCE, ..._AT_MOST_ONCE; 0: default */
    int timeout_ms; /* wait for a reply per attempt; 0: the client's default */
    int retries;    /* retransmissions after the first attempt; 0: the client's default;
                       negative: none (maybe semantics never retransmit) */
} mw_rr_call_opts;

/* Client options; NULL or a zeroed struct gives the defaults. */
typedef struct mw_rr_client_opts {
    int transport;            /* MW_RR_UDP (default) or MW_RR_TCP */
    int protocol;             /* default exchange protocol: MW_RR_RR */
    int semantics;            /* default semantics: MW_RR_AT_MOST_ONCE */
    int timeout_ms;           /* default per-attempt timeout: MW_RR_DEFAULT_TIMEOUT_MS */
    int retries;              /* default retransmissions: MW_RR_DEFAULT_RETRIES (0);
                                 negative: none */
    size_t max_datagram;      /* UDP datagram size, header included: 8192 */
    size_t max_message;       /* largest request or reply body: MW_RR_DEFAULT_MAX_MESSAGE */
    uint32_t window;          /* fragments per burst: MW_RR_DEFAULT_WINDOW */
    uint32_t spin_us;         /* low-latency mode: spin this long on the socket before
                                 sleeping (UDP); 0 (default) never spins */
    int connect_timeout_ms;   /* TCP connection set-up: 0 means the call's timeout */
    const mw_addr *local;     /* address to bind (UDP); NULL: the wildcard, any port */
    const mw_rr_fault *fault; /* UDP only: wrap the socket in the fault injector (copied) */
    uint64_t incarnation;     /* 0: random (the normal case); tests may fix it */
} mw_rr_client_opts;

/* What a client has done so far. */
typedef struct mw_rr_client_stats {
    uint64_t calls;           /* calls started */
    uint64_t replies;         /* calls completed with a reply (or sent, for R) */
    uint64_t failures;        /* calls completed with an error, timeouts included */
    uint64_t timeouts;        /* calls that ran out of retries */
    uint64_t retransmissions; /* requests (or fragment bursts) sent again after a timeout */
    uint64_t stale;           /* replies for no outstanding call (late or duplicated) */
    uint64_t malformed;       /* datagrams or frames dropped as malformed */
    uint64_t reconnects;      /* TCP connections re-established */
    uint64_t sent;            /* datagrams or frames sent */
    uint64_t received;        /* datagrams or frames received */
} mw_rr_client_stats;

/* ------------------------------------------------------------------------------------ */
/* The client: doOperation and asynchronous calls                                       */
/* ------------------------------------------------------------------------------------ */

typedef struct mw_rr_client mw_rr_client;

/*
 * Opens a client for the server at `server`. UDP: opens a socket connected to the server
 * (so only the server is heard from, and an ICMP port-unreachable is seen). TCP: connects
 * at once (blocking, up to the connect timeout). When the connection fails, the client
 * reconnects once and resends its outstanding at-least-once and at-most-once calls (maybe
 * calls fail with MW_ECONNRESET); if it cannot reconnect, the outstanding calls fail with
 * the error (MW_ECONNREFUSED...) and the next call tries again. Picks the incarnation. Errors: MW_EINVAL (bad options), MW_ENOMEM, socket errors, and for TCP
 * MW_ECONNREFUSED / MW_ETIMEDOUT. The caller owns *out and closes it with
 * mw_rr_client_close.
 */
MW_API int mw_rr_client_open(mw_rr_client **out, const mw_addr *server,
                             const mw_rr_client_opts *opts);
/*
 * Closes the client. Calls still outstanding complete first: their callbacks run, inside
 * this function, with MW_ECANCELED. NULL is ignored. Never call it from a callback.
 */
MW_API void mw_rr_client_close(mw_rr_client *c);

/*
 * doOperation (Figure 13): sends a request for operation `op` on the remote object `ref`
 * (NULL: object 0, no interface) with arguments args[0..n) and blocks until the reply
 * arrives, retransmitting after each timeout up to the retry limit (maybe semantics: no
 * retransmission). On success the reply's body replaces reply's content (reply may be
 * NULL to discard it; with protocol R there is none and the call returns once the
 * request is sent). args is borrowed for the call. Errors: a local error (MW_ETIMEDOUT
 * when the retries ran out, MW_EMSGSIZE for arguments over max_message, MW_ECONNREFUSED
 * when the server's port was closed at the last attempt, MW_ECONNRESET, MW_ELIMIT when
 * the reply does not fit reply->limit) or the server's status (see ERRORS above); on
 * error reply->len is 0. Blocks up to about timeout x (retries + 1) (longer while a large
 * message keeps making progress). Callbacks of asynchronous calls outstanding on the
 * same client may run inside.
 */
MW_API int mw_rr_do_operation(mw_rr_client *c, const mw_objref *ref, uint32_t op,
                              const void *args, size_t n, mw_buf *reply,
                              const mw_rr_call_opts *opts);

/*
 * A call's completion: status is 0 or the call's error (as mw_rr_do_operation's);
 * reply[0..n) is the reply body, valid only during the callback (NULL, 0 on error and
 * for protocol R). The callback runs on the thread driving the client, inside
 * mw_rr_client_poll, mw_rr_client_wait, mw_rr_client_wait_all, mw_rr_do_operation,
 * mw_rr_client_cancel or mw_rr_client_close. It may start new calls; it must not close
 * the client.
 */
typedef void (*mw_rr_done_fn)(void *ctx, uint64_t call_id, int status, const uint8_t *reply,
                              size_t n);

/*
 * Starts a call without waiting: sends the request now and returns. args is copied.
 * *call_id (if not NULL) gets the call's requestId, unique within this client. On 0 the
 * callback runs exactly once, later, from one of the functions listed at mw_rr_done_fn
 * (never from inside mw_rr_call_async itself); on an error it never runs. Errors:
 * MW_EINVAL, MW_EMSGSIZE, MW_ENOMEM, and over TCP the reconnection's error. Does not
 * block, except over TCP: on a full send buffer (up to 10 s, then the connection is
 * given up) and to reconnect a failed connection (up to the connect timeout).
 */
MW_API int mw_rr_call_async(mw_rr_client *c, const mw_objref *ref, uint32_t op,
                            const void *args, size_t n, const mw_rr_call_opts *opts,
                            mw_rr_done_fn done, void *ctx, uint64_t *call_id);
/*
 * Drives the client: receives replies, retransmits what is due, runs completion
 * callbacks. Waits up to timeout_ms for at least one call to complete. *completed (if not
 * NULL) gets the number of callbacks run. 0 when at least one ran, MW_ETIMEDOUT when none
 * did in time, MW_ENOENT (at once) when no call is outstanding.
 */
MW_API int mw_rr_client_poll(mw_rr_client *c, int timeout_ms, size_t *completed);
/* Drives the client until call `call_id` has completed (its callback has run): 0,
 * MW_ETIMEDOUT (still outstanding), MW_ENOENT (no such call outstanding). */
MW_API int mw_rr_client_wait(mw_rr_client *c, uint64_t call_id, int timeout_ms);
/* Drives the client until no call is outstanding: 0 or MW_ETIMEDOUT. */
MW_API int mw_rr_client_wait_all(mw_rr_client *c, int timeout_ms);
/* Ends an outstanding call: its callback runs now with MW_ECANCELED. The server may
 * still execute it. MW_ENOENT if no such call is outstanding. */
MW_API int mw_rr_client_cancel(mw_rr_client *c, uint64_t call_id);
/* Calls outstanding (started, callback not yet run). */
MW_API size_t mw_rr_client_outstanding(const mw_rr_client *c);
/*
 * For the caller's own event loop: the descriptor that becomes readable when a reply may
 * be waiting, and the milliseconds until the client next needs to run (a retransmission
 * or timeout; MW_FOREVER when nothing is outstanding). When either fires, call
 * mw_rr_client_poll(c, 0, NULL).
 */
MW_API int mw_rr_client_fd(const mw_rr_client *c);
MW_API int mw_rr_client_next_timeout(const mw_rr_client *c);
/* The client's statistics and identity. */
MW_API void mw_rr_client_stats_get(const mw_rr_client *c, mw_rr_client_stats *out);
MW_API uint64_t mw_rr_client_incarnation(const mw_rr_client *c);
/* The client's local address (UDP: its socket; TCP: the current connection's). */
MW_API int mw_rr_client_local_addr(const mw_rr_client *c, mw_addr *out);

/* ------------------------------------------------------------------------------------ */
/* The server side: requests, options, statistics                                      */
/* ------------------------------------------------------------------------------------ */

/* A request as the server sees it. Borrowed: valid during the handler, or from
 * mw_rr_get_request until the matching mw_rr_send_reply. */
typedef struct mw_rr_request {
    uint32_t operation;      /* operationId */
    uint32_t object_number;  /* the target's object number (0: the server itself) */
    uint32_t interface_hash; /* mw_rr_interface_hash of its interface (0: none given) */
    int protocol;            /* MW_RR_R, MW_RR_RR or MW_RR_RRA */
    int semantics;           /* MW_RR_MAYBE, MW_RR_AT_LEAST_ONCE or MW_RR_AT_MOST_ONCE */
    uint64_t request_id;     /* the client's requestId */
    uint64_t incarnation;    /* the client's incarnation */
    mw_addr client;          /* the client's address and port */
    const uint8_t *args;     /* the arguments, as marshalled by the client */
    size_t args_len;         /* their length */
} mw_rr_request;

/* Server options (mw_rr_server_create and mw_rr_port_open); NULL or zeroed fields take
 * the defaults. */
typedef struct mw_rr_server_opts {
    int transport;            /* MW_RR_UDP (default) or MW_RR_TCP */
    int loops;                /* loop threads (UDP: each with its own SO_REUSEPORT socket
                                 on the same port, the kernel spreading clients over
                                 them); default 1. TCP always uses one. Ignored by ports. */
    int workers;              /* worker threads for handlers; default 2. Ignored by ports. */
    size_t max_datagram;      /* UDP datagram size, header included: 8192 */
    size_t max_message;       /* largest request or reply body: MW_RR_DEFAULT_MAX_MESSAGE */
    uint32_t window;          /* reply fragments per burst: MW_RR_DEFAULT_WINDOW */
    size_t history_entries;   /* most entries in the reply history (per loop): 65536 */
    size_t history_bytes;     /* most reply bytes it holds (per loop): 64 MiB */
    int history_ttl_ms;       /* an entry's (and a silent client's) time to live: 60 s */
    size_t reassembly_bytes;  /* most bytes of partly received requests (per loop): 64 MiB */
    int backlog;              /* TCP listen backlog; 0: a default */
    uint32_t spin_us;         /* low-latency mode: a loop thread polls without sleeping
                                 for this long after its last event before it blocks;
                                 0 (default) always blocks. Costs a core per loop while
                                 spinning. Ignored by ports. */
} mw_rr_server_opts;

/* Server statistics, summed over loops. Counters only grow; "now" values are current. */
typedef struct mw_rr_server_stats {
    uint64_t requests;         /* complete requests received, duplicates included */
    uint64_t executions;       /* handler runs (all operations) */
    uint64_t retransmissions;  /* requests the client marked as retransmissions */
    uint64_t duplicates;       /* duplicates filtered (at-most-once: not executed again) */
    uint64_t replies_resent;   /* replies (or fragment bursts) resent from the history */
    uint64_t acks;             /* RRA acknowledgements received */
    uint64_t unknown_ops;      /* requests for an operationId with no handler */
    uint64_t malformed;        /* datagrams or frames dropped as malformed */
    uint64_t oversize;         /* requests refused with MW_EMSGSIZE */
    uint64_t send_errors;      /* replies the socket refused (full buffer, gone client) */
    uint64_t history_evicted;  /* entries dropped (or emptied) to keep the bounds */
    uint64_t history_expired;  /* entries dropped at their TTL */
    uint64_t history_entries;  /* now: entries in the reply history */
    uint64_t history_bytes;    /* now: reply bytes the history holds */
    uint64_t clients;          /* now: clients the server remembers */
    uint64_t reassembly_bytes; /* now: bytes of partly received requests */
    uint64_t memory_bytes;     /* now: all protocol state (history, reassembly, pools):
                                  stays flat in a long run */
    uint64_t dropped;          /* requests dropped unexecuted because the server was full
                                  (history of executing entries, reassembly budget, worker
                                  queue); their clients retransmit */
} mw_rr_server_stats;

/* One registered operation's counters. */
typedef struct mw_rr_op_stats {
    uint32_t operation;  /* operationId */
    const char *name;    /* the name given at registration (owned by the server) */
    uint64_t executions; /* handler runs */
} mw_rr_op_stats;

/* ------------------------------------------------------------------------------------ */
/* getRequest and sendReply (Figure 13)                                                 */
/* ------------------------------------------------------------------------------------ */

typedef struct mw_rr_port mw_rr_port;

/*
 * Opens a server port on `local` (port 0: any free port; read it back with
 * mw_rr_port_addr). Nothing runs in the background: the protocol advances inside
 * mw_rr_get_request and mw_rr_send_reply, on the caller's thread. The caller owns *out.
 */
MW_API int mw_rr_port_open(mw_rr_port **out, const mw_addr *local,
                           const mw_rr_server_opts *opts);
/* Closes the port; requests not yet replied to are dropped. NULL is ignored. */
MW_API void mw_rr_port_close(mw_rr_port *p);
MW_API int mw_rr_port_addr(mw_rr_port *p, mw_addr *out);
/*
 * getRequest: blocks up to timeout_ms for the next request to execute. Duplicates are
 * handled inside (at-most-once ones answered from the history, or held while the
 * original is still waiting for its reply). *req points at a request owned by the port,
 * valid until mw_rr_send_reply for it. Several requests may be taken before replying.
 * 0, MW_ETIMEDOUT, or a socket error.
 */
MW_API int mw_rr_get_request(mw_rr_port *p, const mw_rr_request **req, int timeout_ms);
/*
 * sendReply: sends the reply for req with status (0, or a negative MW_E... code the
 * client receives as its call's result; the body is then ignored) and body
 * reply[0..n) (borrowed), records it in the history (at-most-once), and releases req.
 * Call it once for every request taken, protocol R included (nothing is sent for R).
 * MW_EMSGSIZE when n exceeds max_message (the client then receives MW_EMSGSIZE; req is
 * released). Does not block.
 */
MW_API int mw_rr_send_reply(mw_rr_port *p, const mw_rr_request *req, int status,
                            const void *reply, size_t n);
MW_API void mw_rr_port_stats(mw_rr_port *p, mw_rr_server_stats *out);

/* ------------------------------------------------------------------------------------ */
/* The server                                                                           */
/* ------------------------------------------------------------------------------------ */

typedef struct mw_rr_server mw_rr_server;

/*
 * A handler: executes one request and appends the reply body to `reply` (empty on
 * entry). Returns 0, or a negative MW_E... code that the client receives as its call's
 * result (the reply body is then not sent). Handlers run concurrently on the worker
 * threads (or on a loop thread, with MW_RR_INLINE), so they must be thread-safe.
 */
typedef int (*mw_rr_handler_fn)(void *ctx, const mw_rr_request *req, mw_buf *reply);

/* Handler flags. */
#define MW_RR_INLINE 0x1 /* run on the loop thread: for short handlers that never block;
                            saves two thread switches per call */

/*
 * Creates a server bound to `local` (port 0: any free port). It does not run until
 * mw_rr_server_start. The caller owns *out and destroys it with mw_rr_server_destroy.
 * Errors: MW_EINVAL, MW_ENOMEM, socket errors (MW_EADDRINUSE...).
 */
MW_API int mw_rr_server_create(mw_rr_server **out, const mw_addr *local,
                               const mw_rr_server_opts *opts);
/*
 * Registers fn for operationId op, with a name for the statistics (copied). Only before
 * mw_rr_server_start. MW_EEXIST if op already has a handler, MW_ESTATE once started.
 */
MW_API int mw_rr_server_handle(mw_rr_server *s, uint32_t op, const char *name,
                               mw_rr_handler_fn fn, void *ctx, int flags);
/*
 * Registers fn as the catch-all handler: it runs for every operationId with no handler of
 * its own (instead of the MW_ENOTSUP answer), so a dispatcher whose operations are not
 * known in advance (the RMI object adapter: objects are exported after start) needs one
 * registration. Its statistics appear last in mw_rr_server_op_stats, named "*". Only
 * before mw_rr_server_start: MW_EEXIST if one is registered, MW_ESTATE once started.
 */
MW_API int mw_rr_server_handle_any(mw_rr_server *s, mw_rr_handler_fn fn, void *ctx,
                                   int flags);
/* Starts the loop and worker threads; returns at once. MW_ESTATE if already started. */
MW_API int mw_rr_server_start(mw_rr_server *s);
/* The bound address (with the port the kernel picked). */
MW_API int mw_rr_server_addr(mw_rr_server *s, mw_addr *out);
/* Statistics; safe from any thread while the server runs. */
MW_API void mw_rr_server_stats_get(mw_rr_server *s, mw_rr_server_stats *out);
/* The i-th registered operation's counters (0 <= i < count); MW_ENOENT past the end. */
MW_API int mw_rr_server_op_stats(mw_rr_server *s, size_t i, mw_rr_op_stats *out);
/*
 * Stops the threads (requests being executed finish first; their replies are sent),
 * closes the sockets and frees everything. Clients then see timeouts (UDP) or
 * connection resets (TCP). NULL is ignored. Blocks until the threads have ended.
 */
MW_API void mw_rr_server_destroy(mw_rr_server *s);

#ifdef __cplusplus
}
#endif
#endif /* MIDWAY_RR_H */

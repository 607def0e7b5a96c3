/*
 * rr_sim.h - a simulated world for the request-reply state machines: a fake clock, a fake
 * network that drops, duplicates and reorders datagrams with a seeded generator, one
 * server machine and several client machines. Deterministic: the same seed gives the same
 * run on every machine.
 */
#ifndef RR_SIM_H
#define RR_SIM_H

#include "rr/csm.h"
#include "rr/ssm.h"

#define SIM_MAX_CLIENTS 16

/* Operations of the simulated server. */
#define OP_INCREMENT 1 /* counter++, reply: the new value, 8 bytes big-endian */
#define OP_ECHO 2      /* reply: the arguments */
#define OP_NULL 3      /* reply: nothing */
#define OP_BIG 4       /* reply: big_reply zero bytes */

typedef struct sim_event sim_event;

typedef struct sim_result {
    int status;     /* the call's completion status; 1 while outstanding */
    uint64_t value; /* OP_INCREMENT: the counter value received */
    size_t len;     /* reply length */
    bool echo_ok;   /* OP_ECHO: the reply equals the arguments */
} sim_result;

typedef struct sim {
    uint64_t now;             /* the fake clock, ns */
    mw_rng rng;               /* decides every fault */
    double drop, dup, reorder; /* fault probabilities */
    uint64_t latency_ns;      /* every datagram's base delay */
    uint64_t jitter_ns;       /* a reordered datagram's extra delay, up to this */
    double slow;              /* probability a handler runs long (deferred reply) */
    uint64_t slow_ns;         /* how long */
    double abandon;           /* probability the server drops a request unexecuted (full) */
    sim_event *events;        /* pending datagrams and deferred replies */
    size_t nevents, cap_events;
    uint64_t seq;             /* tie-breaker: equal times keep their order */
    mwi_rrs server;
    bool server_up;
    mwi_rrs_cfg server_cfg;
    int nclients;
    mwi_rrc clients[SIM_MAX_CLIENTS];
    mw_addr client_addr[SIM_MAX_CLIENTS];
    mw_addr server_addr;
    /* The workload: calls per client lane, run `lanes` at a time per client. */
    mwi_rrc_spec spec;
    uint32_t op;
    size_t arg_len;           /* OP_ECHO argument size */
    uint8_t *arg;             /* OP_ECHO argument bytes (pattern) */
    int total_calls;          /* to start, over all clients */
    int started, completed;
    int lanes;                /* concurrent calls per client */
    sim_result *results;      /* by (client, request id) -> index; see sim.c */
    int *result_of_id[SIM_MAX_CLIENTS]; /* request id -> index in results */
    size_t big_reply;         /* OP_BIG's reply size */
    uint64_t restart_at;      /* restart the server once the clock passes this (0: never) */
    uint64_t counter;         /* OP_INCREMENT's state */
    uint64_t executions;      /* handler runs */
    uint64_t server_sent;     /* datagrams the server sent */
    uint64_t max_entries_seen, max_bytes_seen; /* history high-water marks */
} sim;

/* Sets up a world with nclients clients and the given configurations (client cfg's
 * incarnation is replaced per client). */
void sim_init(sim *s, uint64_t seed, int nclients, const mwi_rrc_cfg *ccfg,
              const mwi_rrs_cfg *scfg);
void sim_fini(sim *s);
/* Runs the workload: total calls, `lanes` outstanding per client; returns when every call
 * completed, or fails the test past limit_ns of simulated time. */
void sim_run(sim *s, int total, int lanes, uint64_t limit_ns);
/* Restarts the server: a new machine with an empty history. */
void sim_restart_server(sim *s);

#endif

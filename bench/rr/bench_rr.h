/*
 * bench_rr.h - what the request-reply benchmark's driver (bench_rr.c) and its systems
 * (peers.c: raw sockets, ONC RPC, ZeroMQ, NNG; midway.c: Midway's request-reply protocol)
 * share.
 *
 * A system is a server, run in a process of its own, and a client connection, opened once
 * per client thread in another process. Every system does the same work: a call sends
 * the request bytes (empty for the null operation, the CDR bytes of Person for the echo)
 * and gets the same bytes back.
 */
#ifndef MWB_BENCH_RR_H
#define MWB_BENCH_RR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MWB_WHY 200              /* room for a one-line reason */
#define MWB_MAX_REPLY 65536      /* the largest reply a client accepts */
#define MWB_CALL_TIMEOUT_MS 2000 /* a call that takes longer counts as an error */

/* The work of one call. */
#define MWB_OP_NULL 0 /* empty request, empty reply */
#define MWB_OP_ECHO 1 /* the request's bytes come back */

/* What a system's server and client are told about the cell being measured. */
typedef struct mwb_params {
    int loops;        /* Midway: server loop threads (SO_REUSEPORT); 0: one */
    uint32_t spin_us; /* Midway: the client's low-latency spin; 0: off */
    bool pool;        /* Midway: handlers on the worker pool (else on the loop thread) */
    bool maybe;       /* Midway: maybe semantics (else at-most-once, the default) */
} mwb_params;

typedef struct mwb_system mwb_system;
struct mwb_system {
    const char *name;  /* "raw-udp": what --only matches */
    const char *label; /* what the table shows */
    bool udp;          /* a datagram transport (else a stream) */
    bool ours;         /* Midway (else the floor or a peer) */
    /*
     * Runs in the server process, pinned already: listens on 127.0.0.1 (any free port),
     * writes the port as a uint16_t to ready_fd, and serves until the process is killed.
     * Returns only on failure: a negative value, after writing why[0..MWB_WHY).
     */
    int (*serve)(const mwb_params *p, int ready_fd, char *why);
    /* In a client thread: connects to 127.0.0.1:port. 0, or negative after writing why. */
    int (*open)(void **h, const mwb_params *p, uint16_t port, char *why);
    /*
     * One call: operation op (MWB_OP_NULL or MWB_OP_ECHO) with req[0..n); the reply goes to
     * reply[0..MWB_MAX_REPLY) and its length to *got. 0, or negative on failure (a
     * timeout, a reset, an error reply).
     */
    int (*call)(void *h, int op, const uint8_t *req, size_t n, uint8_t *reply, size_t *got);
    void (*close)(void *h);
};

/* The systems of peers.c, and of midway.c; each list ends with a NULL name. */
extern const mwb_system mwb_peer_systems[];
extern const mwb_system mwb_midway_systems[];

/* Writes why[0..MWB_WHY) like snprintf and returns -1. */
int mwb_fail(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends the port to the driver; 0 or -1 (writing why). */
int mwb_ready(int ready_fd, uint16_t port, char *why);

#endif

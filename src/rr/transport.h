/*
 * transport.h - the client's transports: a const table of operations per kind (UDP, TCP,
 * and the fault-injecting wrapper around UDP), so the client drives every one the same
 * way. A transport carries whole messages: datagrams, or frames cut from a stream.
 */
#ifndef MW_RR_TRANSPORT_H
#define MW_RR_TRANSPORT_H

#include "rr/msg.h"

typedef struct mwi_ctrans mwi_ctrans;

typedef struct mwi_ctrans_ops {
    const char *name; /* "udp", "tcp", "fault" */
    bool reliable;    /* a stream: no loss, no fragmentation, connection failures */
    /* Sends one message. MW_ECONNREFUSED after an ICMP port-unreachable (UDP);
     * MW_ECONNRESET when the connection is down (TCP). */
    int (*send)(mwi_ctrans *t, const uint8_t *d, size_t n);
    /*
     * Receives one message, waiting until deadline (mw_now_ns time; UINT64_MAX: forever;
     * past: no wait), first spinning up to spin_us. try_first: a message is likely
     * waiting, so try before waiting (a hint; the UDP and TCP transports ignore it: their
     * one blocking receive looks and waits at once). 0 with *d, *n pointing into the
     * transport's buffer
     * (valid until the next recv); MW_ETIMEDOUT; MW_ECONNREFUSED (UDP, ICMP);
     * MW_ECONNRESET, MW_EEOF or MW_EPROTO (TCP: the connection is down); MW_EMSGSIZE
     * (TCP: a frame over the limit; the connection is down and *d, *n give the frame's
     * 64-byte header, so its call can be failed).
     */
    int (*recv)(mwi_ctrans *t, const uint8_t **d, size_t *n, uint64_t deadline,
                uint32_t spin_us, bool try_first);
    /* Reliable only: drops the connection (if any) and connects again. */
    int (*reconnect)(mwi_ctrans *t, int timeout_ms);
    /* The descriptor to watch for input, or -1. */
    int (*fd)(const mwi_ctrans *t);
    /* The next time the transport needs to run by itself (held datagrams), or
     * UINT64_MAX. */
    uint64_t (*next_due)(const mwi_ctrans *t);
    int (*local_addr)(const mwi_ctrans *t, mw_addr *out);
    void (*close)(mwi_ctrans *t);
} mwi_ctrans_ops;

struct mwi_ctrans {
    const mwi_ctrans_ops *ops;
};

/* Opens a UDP transport connected to server. max_datagram sizes the socket buffers. */
int mwi_ctrans_udp_open(mwi_ctrans **out, const mw_addr *server, const mw_addr *local,
                        size_t max_datagram, uint32_t window);
/* Opens a TCP transport and connects (blocking up to connect_timeout_ms). Frames carry
 * at most max_message payload bytes. */
int mwi_ctrans_tcp_open(mwi_ctrans **out, const mw_addr *server, size_t max_message,
                        int connect_timeout_ms);
/* Wraps inner (which it then owns) in the fault injector. */
int mwi_ctrans_fault_open(mwi_ctrans **out, mwi_ctrans *inner, const mw_rr_fault *cfg);
/* Checks that a table fills every slot. */
bool mwi_ctrans_ops_valid(const mwi_ctrans_ops *ops);

/* Milliseconds from now until deadline, rounded up, for APIs that take ms. */
int mwi_ms_until(uint64_t deadline, uint64_t now);

#endif

/*
 * fuzz_rr.c - the request-reply protocol's decoders and state machines. The input is a
 * sequence of datagrams, each a 2-byte big-endian length and that many bytes, alternately
 * fed to a server machine (which executes requests with an echo handler) and to a client
 * machine with calls outstanding; every 16th datagram also advances time and runs both
 * timers, and the TCP framing check sees every datagram. Neither machine may crash, read
 * out of bounds, leak, or hold more than its configured budgets.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rr/csm.h"
#include "rr/ssm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mwi_rrs *server;

static int send_to(void *ctx, const mw_addr *to, const uint8_t *d, size_t n)
{
    (void)ctx, (void)to, (void)d, (void)n;
    return 0;
}

static int send_one(void *ctx, const uint8_t *d, size_t n)
{
    (void)ctx, (void)d, (void)n;
    return 0;
}

static void execute(void *ctx, const mwi_rrs_job *job, const uint8_t *args, size_t n)
{
    (void)ctx;
    mwi_rrs_reply(server, job, job->op == 7 ? MW_EPERM : 0, args, n, 0);
}

static void done(void *ctx, uint64_t id, void *user, int status, const uint8_t *r, size_t n)
{
    (void)ctx, (void)id, (void)user, (void)status;
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i += 64)
        sink ^= r[i]; /* the reply must be readable */
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mwi_rrs s;
    mwi_rrs_cfg scfg = {.max_datagram = 600, .max_message = 1u << 16, .window = 4,
                        .hist = {.max_entries = 64, .max_bytes = 1u << 16,
                                 .max_reasm = 1u << 18, .ttl_ns = 1000}};
    mwi_rrs_io sio = {.send = send_to, .execute = execute};
    if (mwi_rrs_init(&s, &scfg, &sio) != 0)
        return 0;
    server = &s;
    mwi_rrc c;
    /* Incarnation 1 and small request ids, so crafted replies can match calls. */
    mwi_rrc_cfg ccfg = {.inc = 1, .max_datagram = 600, .max_message = 1u << 16, .window = 4};
    mwi_rrc_io cio = {.send = send_one, .done = done};
    if (mwi_rrc_init(&c, &ccfg, &cio) != 0) {
        mwi_rrs_fini(&s);
        return 0;
    }
    uint8_t big[2000];
    memset(big, 'a', sizeof big);
    mwi_rrc_spec sp = {.op = 1, .proto = MW_RR_RRA, .sem = MW_RR_AT_MOST_ONCE,
                       .interval_ns = 100, .attempts = 3};
    for (int i = 0; i < 4; i++) {
        sp.sem = (uint8_t)(1 + i % 3);
        (void)mwi_rrc_start(&c, &sp, big, i == 3 ? sizeof big : 8, 0, NULL, NULL);
    }
    mw_addr from;
    mw_addr_loopback(&from, MW_AF_INET4, 5000);
    uint64_t now = 0;
    size_t k = 0;
    while (size >= 2) {
        size_t n = (size_t)data[0] << 8 | data[1];
        data += 2;
        size -= 2;
        if (n > size)
            n = size;
        if (k & 1)
            mwi_rrc_input(&c, data, n, now);
        else
            mwi_rrs_input(&s, &from, &from, data, n, now);
        size_t flen;
        (void)mwi_rr_frame_len(data, n, 1u << 16, &flen);
        if (++k % 16 == 0) {
            now += 60;
            mwi_rrs_timer(&s, now);
            mwi_rrc_timer(&c, now);
        }
        if (s.hist.reasm_bytes > scfg.hist.max_reasm || s.hist.nentries > scfg.hist.max_entries ||
            s.hist.reply_bytes > scfg.hist.max_bytes)
            abort();
        data += n;
        size -= n;
    }
    mwi_rrc_cancel_all(&c, MW_ECANCELED);
    mwi_rrc_fini(&c);
    mwi_rrs_fini(&s);
    return 0;
}

/* objref.c - remote object references (Figure 4.13): making them unique over space and
 * time, and their printable form. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "marshal_impl.h"

static _Atomic uint64_t process_time; /* 0 until the first reference is made */
static atomic_uint_fast32_t next_object = 1;

uint64_t mw_objref_process_time(void)
{
    uint64_t t = atomic_load(&process_time);
    if (t)
        return t;
    /* The first caller's clock reading wins; every thread then sees the same time. */
    uint64_t expected = 0, now = mw_wall_ms();
    if (now == 0)
        now = 1; /* 0 means "not yet set" (and, on the wire, a bootstrap reference) */
    return atomic_compare_exchange_strong(&process_time, &expected, now) ? now : expected;
}

int mw_objref_make(mw_objref *out, const mw_addr *process_addr, const char *interface,
                   mw_arena *arena)
{
    if (!out || !process_addr || !interface || !arena)
        return MW_EINVAL;
    char *iface = mw_arena_strndup(arena, interface, strlen(interface));
    if (!iface)
        return MW_ENOMEM;
    out->address = *process_addr;
    out->created_ms = mw_objref_process_time();
    out->object_number = (uint32_t)atomic_fetch_add(&next_object, 1);
    out->interface = iface;
    return 0;
}

static bool plain_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == ':' || c == '.' || c == '-';
}

int mw_objref_format(const mw_objref *r, mw_buf *out)
{
    char addr[MW_ADDR_STRLEN];
    int rc = mw_addr_format(&r->address, addr, sizeof addr);
    if (rc)
        return rc;
    size_t start = out->len;
    rc = mw_buf_printf(out, "mwref:%s/%" PRIu64 "/%" PRIu32 "/", addr, r->created_ms,
                       r->object_number);
    for (const unsigned char *p = (const unsigned char *)(r->interface ? r->interface : "");
         !rc && *p; p++)
        rc = plain_char(*p) ? mw_buf_put_u8(out, *p) : mw_buf_printf(out, "%%%02X", *p);
    if (rc)
        out->len = start;
    return rc;
}

static int parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0 || n > 20)
        return MW_EPROTO;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return MW_EPROTO;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10)
            return MW_EPROTO;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int mw_objref_parse(mw_objref *out, const char *text, mw_arena *arena, size_t *bad_off)
{
    static const char prefix[] = "mwref:";
    size_t off = 0, n = strlen(text);
    const char *s = text;
#define FAIL(at)                                                                           \
    do {                                                                                   \
        if (bad_off)                                                                       \
            *bad_off = (at);                                                               \
        return MW_EPROTO;                                                                  \
    } while (0)
    if (strncmp(s, prefix, sizeof prefix - 1) != 0)
        FAIL(0);
    off = sizeof prefix - 1;

    /* address up to the first '/': IPv6 addresses are bracketed and contain no '/' */
    const char *slash = memchr(s + off, '/', n - off);
    if (!slash || (size_t)(slash - (s + off)) >= MW_ADDR_STRLEN)
        FAIL(off);
    char addr[MW_ADDR_STRLEN];
    memcpy(addr, s + off, (size_t)(slash - (s + off)));
    addr[slash - (s + off)] = '\0';
    mw_objref r;
    memset(&r, 0, sizeof r);
    if (mw_addr_parse(&r.address, addr, -1) != 0)
        FAIL(off);
    off = (size_t)(slash - s) + 1;

    uint64_t v;
    slash = memchr(s + off, '/', n - off);
    if (!slash || parse_u64(s + off, (size_t)(slash - (s + off)), UINT64_MAX, &v))
        FAIL(off);
    r.created_ms = v;
    off = (size_t)(slash - s) + 1;

    slash = memchr(s + off, '/', n - off);
    if (!slash || parse_u64(s + off, (size_t)(slash - (s + off)), UINT32_MAX, &v))
        FAIL(off);
    r.object_number = (uint32_t)v;
    off = (size_t)(slash - s) + 1;

    if (off == n)
        FAIL(off); /* an object reference names its interface */
    char *iface = mw_arena_alloc(arena, n - off + 1, 1);
    if (!iface)
        return MW_ENOMEM;
    size_t k = 0;
    for (size_t i = off; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                FAIL(i);
            iface[k++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (plain_char(c)) {
            iface[k++] = (char)c;
        } else {
            FAIL(i);
        }
    }
    iface[k] = '\0';
    size_t bad;
    if (mw_utf8_validate(iface, k, &bad) || memchr(iface, '\0', k))
        FAIL(off);
#undef FAIL
    r.interface = iface;
    *out = r;
    return 0;
}

bool mw_objref_equal(const mw_objref *a, const mw_objref *b)
{
    return mw_addr_equal(&a->address, &b->address) && a->created_ms == b->created_ms &&
           a->object_number == b->object_number &&
           strcmp(a->interface ? a->interface : "", b->interface ? b->interface : "") == 0;
}

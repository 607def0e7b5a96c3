/* addr.c - IPv4 and IPv6 addresses: parsing, formatting, name lookup, sockaddr. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/sock.h"

/* Longest host part we accept: a DNS name is at most 253 characters, and an IPv6
 * literal with an interface name fits well within that. */
#define HOST_MAX 255

int mw_port_parse(const char *text, uint16_t *port)
{
    if (!text || !port || !*text)
        return MW_EINVAL;
    uint32_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return MW_EINVAL;
        /* Keep accumulating after 65535 only far enough to know it is too big, so a long
         * run of digits cannot overflow. */
        if (v <= 65535)
            v = v * 10 + (uint32_t)(*p - '0');
    }
    if (v > 65535)
        return MW_ERANGE;
    *port = (uint16_t)v;
    return 0;
}

/*
 * Splits text into host and port. Accepted shapes: "host:port", "host",
 * "[v6]:port", "[v6]", and a bare IPv6 literal "a::b" (two or more colons, so it
 * cannot carry a port). *has_port tells whether a port was written; *bracketed whether
 * the host was in brackets (then it must be an IPv6 literal).
 */
static int split_host_port(const char *text, char host[HOST_MAX + 1], uint16_t *port,
                           bool *has_port, bool *bracketed)
{
    const char *h, *port_text = NULL;
    size_t hlen;
    *has_port = false;
    *bracketed = false;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close)
            return MW_EADDR;
        h = text + 1;
        hlen = (size_t)(close - h);
        if (close[1] == ':')
            port_text = close + 2;
        else if (close[1] != '\0')
            return MW_EADDR;
        *bracketed = true;
    } else {
        const char *colon = strchr(text, ':');
        h = text;
        hlen = strlen(text);
        if (colon && !strchr(colon + 1, ':')) {
            hlen = (size_t)(colon - text);
            port_text = colon + 1;
        }
    }
    if (hlen == 0 || hlen > HOST_MAX)
        return MW_EADDR;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    if (port_text) {
        int rc = mw_port_parse(port_text, port);
        if (rc == MW_EINVAL)
            return MW_EADDR;
        if (rc)
            return rc;
        *has_port = true;
    }
    return 0;
}

/* Parses a numeric host (no port): IPv4 dotted quad, or IPv6 with an optional "%scope"
 * that is an interface name or index. */
static int parse_ip(mw_addr *out, char *host, bool bracketed)
{
    memset(out, 0, sizeof *out);
    char *pct = strchr(host, '%');
    if (!bracketed && !pct && inet_pton(AF_INET, host, out->ip) == 1) {
        out->family = MW_AF_INET4;
        return 0;
    }
    if (pct)
        *pct = '\0';
    int ok = inet_pton(AF_INET6, host, out->ip) == 1;
    if (pct)
        *pct = '%';
    if (!ok)
        return MW_EADDR;
    out->family = MW_AF_INET6;
    if (pct) {
        const char *scope = pct + 1;
        uint64_t idx = 0;
        if (*scope >= '0' && *scope <= '9') {
            for (const char *p = scope; *p; p++) {
                if (*p < '0' || *p > '9')
                    return MW_EADDR;
                idx = idx * 10 + (uint64_t)(*p - '0');
                if (idx > UINT32_MAX)
                    return MW_EADDR;
            }
        } else if (*scope) {
            idx = if_nametoindex(scope);
        }
        if (idx == 0)
            return MW_EADDR;
        out->scope_id = (uint32_t)idx;
    }
    return 0;
}

static int check_default_port(int default_port)
{
    if (default_port < 0)
        return MW_EADDR; /* a port was required and is missing */
    if (default_port > 65535)
        return MW_ERANGE;
    return 0;
}

int mw_addr_parse(mw_addr *out, const char *text, int default_port)
{
    if (!out || !text)
        return MW_EINVAL;
    char host[HOST_MAX + 1];
    uint16_t port = 0;
    bool has_port, bracketed;
    int rc = split_host_port(text, host, &port, &has_port, &bracketed);
    if (rc)
        return rc;
    if (!has_port) {
        if ((rc = check_default_port(default_port)))
            return rc;
        port = (uint16_t)default_port;
    }
    mw_addr a;
    if ((rc = parse_ip(&a, host, bracketed)))
        return rc;
    a.port = port;
    *out = a;
    return 0;
}

/* Host names as the resolver will take them: letters, digits, '-', '_' and '.', so
 * nothing odd (spaces, '%', '/') ever reaches getaddrinfo. */
static bool plausible_name(const char *host)
{
    size_t n = strlen(host);
    if (n == 0 || n > 253 + 1)
        return false;
    for (const char *p = host; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

/* RFC 6761 section 6.4: resolver libraries should answer names under "invalid." with a
 * negative answer at once. glibc asks the network anyway, which on a host without DNS
 * can take many seconds; answering here keeps "unknown host" fast and deterministic. */
static bool is_invalid_tld(const char *host)
{
    size_t n = strlen(host);
    if (n && host[n - 1] == '.')
        n--;
    static const char tld[] = "invalid";
    size_t t = sizeof tld - 1;
    if (n < t || strncasecmp(host + n - t, tld, t) != 0)
        return false;
    return n == t || host[n - t - 1] == '.';
}

static int gai_to_mw(int gai)
{
    switch (gai) {
    case EAI_NONAME:
    case EAI_AGAIN:
    case EAI_FAIL:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY:
#endif
        return MW_ENOTFOUND;
    case EAI_MEMORY:
        return MW_ENOMEM;
    case EAI_FAMILY:
        return MW_ENOTSUP;
    case EAI_SYSTEM:
        return mwi_errno();
    default:
        return MW_ESYS;
    }
}

int mw_addr_resolve(mw_addr *out, const char *text, int default_port, int family)
{
    if (!out || !text)
        return MW_EINVAL;
    if (family != 0 && family != MW_AF_INET4 && family != MW_AF_INET6)
        return MW_EINVAL;
    char host[HOST_MAX + 1];
    uint16_t port = 0;
    bool has_port, bracketed;
    int rc = split_host_port(text, host, &port, &has_port, &bracketed);
    if (rc)
        return rc;
    if (!has_port) {
        if ((rc = check_default_port(default_port)))
            return rc;
        port = (uint16_t)default_port;
    }
    mw_addr a;
    rc = parse_ip(&a, host, bracketed);
    if (rc == 0) {
        if (family && a.family != family)
            return MW_EADDR; /* a literal of the other family cannot be looked up */
        a.port = port;
        *out = a;
        return 0;
    }
    if (bracketed || !plausible_name(host))
        return MW_EADDR;
    if (is_invalid_tld(host))
        return MW_ENOTFOUND;

    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = family == MW_AF_INET4 ? AF_INET : family == MW_AF_INET6 ? AF_INET6 : AF_UNSPEC;
    /* One socket type, or every address comes back once per type. No AI_ADDRCONFIG: it
     * ignores loopback, so "localhost" would fail on a host with only a loopback. */
    hints.ai_socktype = SOCK_DGRAM;
    int gai = getaddrinfo(host, NULL, &hints, &res);
    if (gai != 0)
        return gai_to_mw(gai);
    /* IPv4 first when either will do: Java's default preference, and the family every
     * peer we test against listens on. */
    const struct addrinfo *pick = NULL;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            pick = ai;
            break;
        }
        if (ai->ai_family == AF_INET6 && !pick)
            pick = ai;
    }
    rc = pick ? mwi_addr_from_sockaddr(&a, pick->ai_addr, pick->ai_addrlen) : MW_ENOTFOUND;
    freeaddrinfo(res);
    if (rc)
        return rc;
    a.port = port;
    *out = a;
    return 0;
}

int mw_addr_format_ip(const mw_addr *a, char *buf, size_t size)
{
    if (!a || !buf)
        return MW_EINVAL;
    char tmp[MW_ADDR_STRLEN];
    if (a->family == MW_AF_INET4) {
        if (!inet_ntop(AF_INET, a->ip, tmp, sizeof tmp))
            return MW_ESYS;
    } else if (a->family == MW_AF_INET6) {
        if (!inet_ntop(AF_INET6, a->ip, tmp, INET6_ADDRSTRLEN))
            return MW_ESYS;
        if (a->scope_id) {
            /* An interface name reads better and parses back to the same index; a
             * number is the fallback for an interface that has gone. */
            char ifname[IF_NAMESIZE];
            size_t used = strlen(tmp);
            if (if_indextoname(a->scope_id, ifname))
                snprintf(tmp + used, sizeof tmp - used, "%%%s", ifname);
            else
                snprintf(tmp + used, sizeof tmp - used, "%%%u", (unsigned)a->scope_id);
        }
    } else {
        return MW_EINVAL;
    }
    size_t n = strlen(tmp);
    if (n + 1 > size)
        return MW_ERANGE;
    memcpy(buf, tmp, n + 1);
    return 0;
}

int mw_addr_format(const mw_addr *a, char *buf, size_t size)
{
    char ip[MW_ADDR_STRLEN];
    int rc = mw_addr_format_ip(a, ip, sizeof ip);
    if (rc)
        return rc;
    char tmp[MW_ADDR_STRLEN + 8];
    int n = a->family == MW_AF_INET6 ? snprintf(tmp, sizeof tmp, "[%s]:%u", ip, a->port)
                                     : snprintf(tmp, sizeof tmp, "%s:%u", ip, a->port);
    if (n < 0)
        return MW_ESYS;
    if ((size_t)n + 1 > size)
        return MW_ERANGE;
    memcpy(buf, tmp, (size_t)n + 1);
    return 0;
}

void mw_addr_any(mw_addr *out, int family, uint16_t port)
{
    memset(out, 0, sizeof *out);
    if (family != MW_AF_INET4 && family != MW_AF_INET6)
        return;
    out->family = (uint8_t)family;
    out->port = port;
}

void mw_addr_loopback(mw_addr *out, int family, uint16_t port)
{
    mw_addr_any(out, family, port);
    if (family == MW_AF_INET4) {
        out->ip[0] = 127;
        out->ip[3] = 1;
    } else if (family == MW_AF_INET6) {
        out->ip[15] = 1;
    }
}

bool mw_addr_is_multicast(const mw_addr *a)
{
    if (!a)
        return false;
    if (a->family == MW_AF_INET4)
        return (a->ip[0] & 0xF0) == 0xE0;
    if (a->family == MW_AF_INET6)
        return a->ip[0] == 0xFF;
    return false;
}

bool mw_addr_equal(const mw_addr *a, const mw_addr *b)
{
    if (a->family != b->family)
        return false;
    if (a->family == 0)
        return true;
    size_t n = a->family == MW_AF_INET4 ? 4 : 16;
    return a->port == b->port && a->scope_id == b->scope_id && memcmp(a->ip, b->ip, n) == 0;
}

socklen_t mwi_addr_to_sockaddr(const mw_addr *a, int sock_family, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (!a)
        return 0;
    if (a->family == MW_AF_INET4 && sock_family != MW_AF_INET6) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(a->port);
        memcpy(&sin->sin_addr, a->ip, 4);
        return sizeof *sin;
    }
    if (a->family == MW_AF_INET4 || a->family == MW_AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(a->port);
        if (a->family == MW_AF_INET4) {
            /* The IPv4 wildcard stays the IPv6 wildcard: binding "any" on a dual-stack
             * socket means both families, not ::ffff:0.0.0.0. */
            static const uint8_t zero[4];
            if (memcmp(a->ip, zero, 4) != 0) {
                sin6->sin6_addr.s6_addr[10] = 0xFF;
                sin6->sin6_addr.s6_addr[11] = 0xFF;
                memcpy(&sin6->sin6_addr.s6_addr[12], a->ip, 4);
            }
        } else {
            memcpy(&sin6->sin6_addr, a->ip, 16);
            sin6->sin6_scope_id = a->scope_id;
        }
        return sizeof *sin6;
    }
    return 0;
}

int mwi_addr_from_sockaddr(mw_addr *a, const struct sockaddr *sa, socklen_t len)
{
    memset(a, 0, sizeof *a);
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
        a->family = MW_AF_INET4;
        a->port = ntohs(sin->sin_port);
        memcpy(a->ip, &sin->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
        a->port = ntohs(sin6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            a->family = MW_AF_INET4;
            memcpy(a->ip, &sin6->sin6_addr.s6_addr[12], 4);
        } else {
            a->family = MW_AF_INET6;
            memcpy(a->ip, &sin6->sin6_addr, 16);
            a->scope_id = sin6->sin6_scope_id;
        }
        return 0;
    }
    return MW_EINVAL;
}

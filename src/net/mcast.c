/* mcast.c - IP multicast membership and sending options (Figure 4.20). */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "net/sock.h"

/* The index of interface ifname; 0 for NULL (the kernel chooses). MW_ENOENT when there
 * is no such interface. */
static int if_index(const char *ifname, unsigned *idx)
{
    *idx = 0;
    if (!ifname)
        return 0;
    if (!*ifname)
        return MW_ENOENT;
    *idx = if_nametoindex(ifname);
    return *idx ? 0 : MW_ENOENT;
}

static int check_group(mw_udp *s, const mw_addr *group)
{
    if (!s || !group)
        return MW_EINVAL;
    if (!mw_addr_is_multicast(group))
        return MW_ENOTMCAST;
    if (group->family != s->family)
        return MW_EINVAL;
    return 0;
}

static int membership(mw_udp *s, const mw_addr *group, const char *ifname, bool join)
{
    int rc = check_group(s, group);
    if (rc)
        return rc;
    unsigned idx;
    if ((rc = if_index(ifname, &idx)))
        return rc;
    int r;
    if (group->family == MW_AF_INET4) {
        /* ip_mreqn names the interface by index; the older ip_mreq needs one of its
         * addresses, and "lo" or an unnumbered link may have none that fits. */
        struct ip_mreqn mr;
        memset(&mr, 0, sizeof mr);
        memcpy(&mr.imr_multiaddr, group->ip, 4);
        mr.imr_ifindex = (int)idx;
        r = setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mr,
                       sizeof mr);
    } else {
        struct ipv6_mreq mr;
        memset(&mr, 0, sizeof mr);
        memcpy(&mr.ipv6mr_multiaddr, group->ip, 16);
        /* A scope written in the group ("ff02::1%lo") names the interface too. */
        mr.ipv6mr_interface = idx ? idx : group->scope_id;
        r = setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &mr,
                       sizeof mr);
    }
    if (r == 0)
        return 0;
    if (join && errno == EADDRINUSE)
        return MW_EEXIST; /* already a member on that interface */
    if (errno == ENODEV)
        return MW_EADDRNOTAVAIL; /* the interface exists but cannot join (no route) */
    return mwi_errno();
}

int mw_mcast_join(mw_udp *s, const mw_addr *group, const char *ifname)
{
    return membership(s, group, ifname, true);
}

int mw_mcast_leave(mw_udp *s, const mw_addr *group, const char *ifname)
{
    return membership(s, group, ifname, false);
}

int mw_mcast_set_ttl(mw_udp *s, int ttl)
{
    if (!s)
        return MW_EINVAL;
    if (ttl < 0 || ttl > 255)
        return MW_ERANGE;
    if (s->family == MW_AF_INET4)
        return mwi_setsockopt_int(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl);
    return mwi_setsockopt_int(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl);
}

int mw_mcast_set_loopback(mw_udp *s, bool on)
{
    if (!s)
        return MW_EINVAL;
    if (s->family == MW_AF_INET4)
        return mwi_setsockopt_int(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, on);
    return mwi_setsockopt_int(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, on);
}

int mw_mcast_set_interface(mw_udp *s, const char *ifname)
{
    if (!s)
        return MW_EINVAL;
    unsigned idx;
    int rc = if_index(ifname, &idx);
    if (rc)
        return rc;
    if (s->family == MW_AF_INET4) {
        /* ip_mreqn again: by index, with no address, and index 0 resets the choice. */
        struct ip_mreqn mr;
        memset(&mr, 0, sizeof mr);
        mr.imr_ifindex = (int)idx;
        if (setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof mr) < 0)
            return mwi_errno();
        return 0;
    }
    return mwi_setsockopt_int(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)idx);
}

int mw_mcast_open(mw_udp **out, const mw_addr *group, const char *ifname)
{
    if (!out || !group)
        return MW_EINVAL;
    if (!mw_addr_is_multicast(group))
        return MW_ENOTMCAST;
    unsigned idx;
    int rc = if_index(ifname, &idx);
    if (rc)
        return rc;
    mw_addr local;
    mw_addr_any(&local, group->family, group->port);
    /* V6ONLY keeps an IPv6 group's socket from also taking IPv4 unicast on the port. */
    int flags = MW_UDP_REUSEADDR | (group->family == MW_AF_INET6 ? MW_UDP_V6ONLY : 0);
    mw_udp *s;
    if ((rc = mw_udp_open(&s, &local, flags)))
        return rc;
    if ((rc = mw_mcast_join(s, group, ifname)) ||
        (ifname && (rc = mw_mcast_set_interface(s, ifname)))) {
        mw_udp_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

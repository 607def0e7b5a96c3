/*
 * Figure 4.20 - Multicast peer joins a group and sends and receives datagrams.
 *
 *   multicast_peer MESSAGE [GROUP] [--port PORT] [--if IFNAME] [--count N] [--timeout MS]
 *
 * The figure's MulticastPeer over a plain (unreliable, unordered) group of
 * midway/group.h: join GROUP (default 228.5.6.7) on port 6789, send MESSAGE to the
 * group, print the next three datagrams received from the group as "Received:..."
 * (our own message comes back too), and leave the group.
 * Additions:
 *  - --if IFNAME names the interface used both to join and to send. On Linux, multicast
 *    between processes of one machine without a network needs "--if lo";
 *  - --count N receives N datagrams instead of three;
 *  - --timeout MS bounds each wait for a datagram (default: wait forever, as the figure);
 *  - errors go to stderr with a non-zero exit status, labelled as in the figure.
 * Only the bytes received are printed (the figure prints its whole 1000-byte buffer).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <midway/group.h>
#include <midway/net.h>

static const char *prog = "multicast_peer";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s MESSAGE [GROUP] [--port PORT] [--if IFNAME] [--count N]\n"
            "       [--timeout MS]\n"
            "  Joins GROUP (default 228.5.6.7) on PORT (default 6789), sends MESSAGE to it,\n"
            "  prints the next N (default 3) datagrams as \"Received:...\" and leaves.\n"
            "  --if names the interface to join and send on (\"lo\" for one machine).\n"
            "  --timeout bounds each wait for a datagram (default -1: forever).\n",
            prog);
}

static void fail(const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, mw_strerror(err));
}

static int parse_ms(const char *text, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < -1 || v > 86400000)
        return MW_EINVAL;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    uint16_t port = 6789;
    const char *ifname = NULL;
    unsigned long count = 3;
    int timeout_ms = MW_FOREVER;
    static const struct option options[] = {
        {"port", required_argument, NULL, 'p'},  {"if", required_argument, NULL, 'i'},
        {"count", required_argument, NULL, 'n'}, {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "p:i:n:t:h", options, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (mw_port_parse(optarg, &port) != 0 || port == 0) {
                fprintf(stderr, "%s: bad port '%s'\n", prog, optarg);
                return 2;
            }
            break;
        case 'i':
            ifname = optarg;
            break;
        case 'n':
            count = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *optarg == '-' || *end != '\0') {
                fprintf(stderr, "%s: bad count '%s'\n", prog, optarg);
                return 2;
            }
            break;
        case 't':
            if (parse_ms(optarg, &timeout_ms) != 0) {
                fprintf(stderr, "%s: bad timeout '%s'\n", prog, optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind < 1 || argc - optind > 2) {
        usage(stderr);
        return 2;
    }
    /* args give message contents & destination multicast group (e.g. "228.5.6.7") */
    const char *message = argv[optind];
    const char *group_name = argc - optind == 2 ? argv[optind + 1] : "228.5.6.7";
    setvbuf(stdout, NULL, _IOLBF, 0); /* a watcher sees each line as it is printed */

    int status = 1;
    mw_group *s = NULL;
    mw_addr group; /* InetAddress group = InetAddress.getByName(args[1]) */
    int err = mw_addr_resolve(&group, group_name, port, 0);
    if (err == 0 && !mw_addr_is_multicast(&group))
        err = MW_ENOTMCAST;
    if (err != 0) {
        fprintf(stderr, "%s: Socket: %s: %s\n", prog, group_name, mw_strerror(err));
        goto finally;
    }
    /* s = new MulticastSocket(6789); s.joinGroup(group): a plain IP multicast group,
     * unreliable and unordered, as in the figure */
    mw_group_opts opts = {.ifname = ifname};
    err = mw_group_open(&s, &group, &opts);
    if (err == MW_ENOENT) {
        fprintf(stderr, "%s: Socket: no network interface named '%s'\n", prog, ifname);
        goto finally;
    }
    if (err != 0) {
        fprintf(stderr, "%s: Socket: join %s on %s: %s\n", prog, group_name,
                ifname ? ifname : "the default interface", mw_strerror(err));
        goto finally;
    }
    err = mw_group_send(s, message, strlen(message), timeout_ms); /* s.send(messageOut) */
    if (err != 0) {
        fail("IO", err);
        goto finally;
    }
    /* get messages from others in group */
    for (unsigned long i = 0; i < count;) {
        mw_group_event ev; /* DatagramPacket messageIn; s.receive(messageIn) */
        err = mw_group_recv(s, &ev, timeout_ms);
        if (err == MW_ETIMEDOUT) {
            fprintf(stderr, "%s: IO: %s (received %lu of %lu messages within %d ms each)\n",
                    prog, mw_strerror(err), i, count, timeout_ms);
            goto finally;
        }
        if (err != 0) {
            fail("IO", err);
            goto finally;
        }
        if (ev.type != MW_GROUP_MESSAGE)
            continue;
        fputs("Received:", stdout);
        fwrite(ev.data, 1, ev.len, stdout);
        fputc('\n', stdout);
        i++;
    }
    err = mw_group_leave(s); /* s.leaveGroup(group) */
    if (err != 0) {
        fail("IO", err);
        goto finally;
    }
    status = 0;
finally:
    mw_group_close(s);
    return status;
}

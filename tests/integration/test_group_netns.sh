#!/usr/bin/env bash
# test_group_netns.sh BUILD_DIR - reliable group communication between several hosts for
# real: three network namespaces ("hosts"), each with a veth link to a bridge in a fourth
# namespace, addresses 10.250.0.1-3/24 and a multicast route; a `midway group join`
# member on each host; totally ordered messages between them; then the member of host 3
# is killed and the other two install a view without it.
#
# Everything is created inside namespaces this script makes (nothing is added to the
# namespace it runs in, so no traffic can leave them) and removed on exit. Without the
# right to create namespaces (not root, no `ip`, a container that forbids it) it prints
# "SKIP: <reason>" and exits 0.
set -uo pipefail
BUILD=$(cd "${1:?usage: test_group_netns.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/../interop/lib.sh"
MW=$BUILD/bin/midway
[ -x "$MW" ] || {
    echo "FAIL: $MW is not built"
    exit 1
}

TAG="mwg$$"
BRNS="$TAG-br"
HOSTS=("$TAG-h1" "$TAG-h2" "$TAG-h3")
CREATED=()

netns_cleanup()
{
    mw_cleanup # the members first: they run inside the namespaces
    local status=$? ns
    for ns in "${CREATED[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    exit "$status"
}
trap netns_cleanup EXIT

if ! command -v ip >/dev/null 2>&1; then
    echo "SKIP: the ip command (iproute2) is not installed"
    exit 0
fi
if ! err=$(ip netns add "$BRNS" 2>&1); then
    echo "SKIP: cannot create network namespaces (${err:-ip netns add failed}; needs root)"
    exit 0
fi
CREATED+=("$BRNS")

# in NS CMD...: runs CMD inside namespace NS, failing the test loudly if it fails.
in_ns()
{
    local ns=$1
    shift
    if ! ip netns exec "$ns" "$@"; then
        echo "FAIL: in $ns: $*"
        exit 1
    fi
}

in_ns "$BRNS" ip link set lo up
in_ns "$BRNS" ip link add br0 type bridge
# Without a multicast querier on the segment, IGMP snooping would drop group traffic.
in_ns "$BRNS" ip link set br0 type bridge mcast_snooping 0
in_ns "$BRNS" ip link set br0 up
for i in 1 2 3; do
    ns=${HOSTS[$((i - 1))]}
    if ! err=$(ip netns add "$ns" 2>&1); then
        echo "FAIL: ip netns add $ns: $err"
        exit 1
    fi
    CREATED+=("$ns")
    in_ns "$ns" ip link set lo up
    # The pair is made inside the host and its other end moved straight to the bridge's
    # namespace: it never exists in ours.
    in_ns "$ns" ip link add eth0 type veth peer name "port$i" netns "$BRNS"
    in_ns "$ns" ip addr add "10.250.0.$i/24" dev eth0
    in_ns "$ns" ip link set eth0 up
    in_ns "$ns" ip route add 224.0.0.0/4 dev eth0
    in_ns "$BRNS" ip link set "port$i" master br0
    in_ns "$BRNS" ip link set "port$i" up
done
echo "hosts ${HOSTS[*]} on bridge br0 in $BRNS (10.250.0.1-3)"

# The hosts reach each other (unicast), proving the links are up before multicast runs.
reaches() { timeout -k 5 10 ip netns exec "${HOSTS[0]}" ping -c 1 -W 5 "$1" >/dev/null 2>&1; }
if command -v ping >/dev/null 2>&1; then
    for i in 2 3; do
        mw_check "host 1 reaches 10.250.0.$i" reaches "10.250.0.$i"
    done
fi

GROUP=239.77.1.1:45678 # each namespace has its own ports: no collision is possible
K=20
sends() { local i; for ((i = 1; i <= $2; i++)); do printf -- '--send\n%s-%d\n' "$1" "$i"; done; }
seq_of() { local i; for ((i = 1; i <= $2; i++)); do echo "$1-$i"; done; }
from() { awk -F'\t' -v s="$2" '$1 == s { print $2 }' "$(mw_out "$1")"; }

# --- three hosts, total order ------------------------------------------------------------
for i in 1 2 3; do
    mapfile -t args < <(sends "h$i" "$K")
    mw_start "h$i" 60 ip netns exec "${HOSTS[$((i - 1))]}" "$MW" group join "$GROUP" \
        --if eth0 --order total --name "h$i" --members 3 --count $((3 * K)) \
        --timeout 30000 "${args[@]}"
done
for i in 1 2 3; do
    mw_check "host $i delivers all $((3 * K)) messages" mw_wait_exit "h$i"
done
for i in 1 2 3; do
    for s in h1 h2 h3; do
        mw_expect_eq "host $i got $s's messages once each, in order" "$(seq_of "$s" "$K")" \
            "$(from "h$i" "$s")"
    done
    mw_expect_eq "hosts 1 and $i delivered the same sequence" \
        "$(grep -v '^view ' "$(mw_out h1)")" "$(grep -v '^view ' "$(mw_out "h$i")")"
done

# --- a host's member dies: the other two go on ---------------------------------------------
GROUP=239.77.1.2:45679
for i in 1 2; do
    mw_start "f$i" 60 ip netns exec "${HOSTS[$((i - 1))]}" "$MW" group join "$GROUP" \
        --if eth0 --order total --name "f$i" --timeout 30000
done
ip netns exec "${HOSTS[2]}" "$MW" group join "$GROUP" --if eth0 --order total --name f3 \
    --timeout 30000 >"$(mw_out f3)" 2>"$(mw_err f3)" &
MW_PID[f3]=$!
for i in 1 2; do
    mw_wait_line "f$i" '^view [0-9]+: f[123] f[123] f[123]$' 20 || exit 1
done
kill -KILL "${MW_PID[f3]}"
mw_wait_exit f3 2>/dev/null
for i in 1 2; do
    mw_check "host $i installs a view without the dead member" \
        mw_wait_line "f$i" '^view [0-9]+: f[12] f[12]$' 20
done
mw_finish

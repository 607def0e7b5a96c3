#!/usr/bin/env bash
# test_cli_group.sh BUILD_DIR - `midway group` as real processes on loopback: 3 to 5
# members exchanging messages in plain, reliable FIFO and totally ordered groups; a run
# with injected loss, duplication and reordering; a member killed (SIGKILL) mid-stream,
# after which the others install a view without it, agree on what they delivered of its
# messages, and go on.
#
# Members send only once their view is complete (--members), so each delivers every
# message. Every process runs under `timeout`; every wait is a bounded polling loop.
set -uo pipefail
BUILD=$(cd "${1:?usage: test_cli_group.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/../interop/lib.sh"
MW=$BUILD/bin/midway
[ -x "$MW" ] || {
    echo "FAIL: $MW is not built"
    exit 1
}

# messages NAME: the message lines (not the view lines) NAME printed.
messages() { grep -v '^view ' "$(mw_out "$1")"; }
# from NAME SENDER: the messages NAME delivered from SENDER, one per line.
from() { awk -F'\t' -v s="$2" '$1 == s { print $2 }' "$(mw_out "$1")"; }
# seq PREFIX N: PREFIX-1 ... PREFIX-N, one per line.
seq_of() { local i; for ((i = 1; i <= $2; i++)); do echo "$1-$i"; done; }
# sends PREFIX N: --send PREFIX-1 ... --send PREFIX-N
sends() { local i; for ((i = 1; i <= $2; i++)); do printf -- '--send\n%s-%d\n' "$1" "$i"; done; }

# group_run ORDER NAMES... : every member sends K messages and delivers all of them.
group_run()
{
    local order=$1 port name
    shift
    local names=("$@") n=$#
    port=$(mw_free_udp_port)
    for name in "${names[@]}"; do
        mapfile -t args < <(sends "$name" "$K")
        mw_start "$name" 60 "$MW" group join "239.77.0.1:$port" --if lo --order "$order" \
            --name "$name" --members "$n" --count $((n * K)) --timeout 30000 "${args[@]}"
    done
    for name in "${names[@]}"; do
        mw_check "$order: $name delivers $((n * K)) messages and exits 0" mw_wait_exit "$name"
    done
    for name in "${names[@]}"; do
        local s
        for s in "${names[@]}"; do
            mw_expect_eq "$order: $name got $s's messages once each, in order" \
                "$(seq_of "$s" "$K")" "$(from "$name" "$s")"
        done
        mw_check "$order: $name printed a view of $n members" \
            grep -qE "^view [0-9]+:( [a-z0-9]+){$n}\$" "$(mw_out "$name")"
    done
}

# --- plain multicast: raw datagrams, sender shown as its address ------------------------
PORT=$(mw_free_udp_port)
for name in p1 p2; do
    mw_start "$name" 30 "$MW" group join "239.77.0.2:$PORT" --if lo --count 2 --timeout 20000
    mw__wait "$name" 10 "$(mw_err "$name")" -F "joined 239.77.0.2:$PORT on lo" || exit 1
done
mw_check "group send: two plain datagrams" \
    timeout 10 "$MW" group send "239.77.0.2:$PORT" "hello group" "tab	and \\ back" --if lo
for name in p1 p2; do
    mw_check "plain: $name exits after 2 datagrams" mw_wait_exit "$name"
    mw_expect_eq "plain: $name printed SENDER<TAB>MESSAGE, escaped" \
        "$(printf 'hello group\ntab\\tand \\\\ back')" "$(cut -f2- "$(mw_out "$name")")"
    mw_check "plain: $name shows the sender as ADDR:PORT" \
        grep -qE '^[0-9.]+:[0-9]+	hello group$' "$(mw_out "$name")"
done

# --- reliable: 5 members, total order; 4 members, FIFO ----------------------------------
K=4
group_run total ta tb tc td te
for name in tb tc td te; do
    mw_expect_eq "total: ta and $name delivered the same sequence" \
        "$(messages ta)" "$(messages "$name")"
done
K=25
group_run fifo fa fb fc fd

# --- injected faults: 20% loss, 10% duplication, 20% reordering at every member ---------
K=40
seed=1
for name in xa xb xc xd; do
    seed=$((seed + 1))
    export MIDWAY_GROUP_FAULTS="drop=0.2,dup=0.1,reorder=0.2,seed=$seed"
    PORTX=${PORTX:-$(mw_free_udp_port)}
    mapfile -t args < <(sends "$name" "$K")
    mw_start "$name" 60 "$MW" group join "239.77.0.3:$PORTX" --if lo --order total \
        --name "$name" --members 4 --count $((4 * K)) --timeout 30000 "${args[@]}"
done
unset MIDWAY_GROUP_FAULTS
for name in xa xb xc xd; do
    mw_check "faults: $name delivers all $((4 * K)) messages" mw_wait_exit "$name"
done
for name in xa xb xc xd; do
    for s in xa xb xc xd; do
        mw_expect_eq "faults: $name got $s's messages once each, in order" \
            "$(seq_of "$s" "$K")" "$(from "$name" "$s")"
    done
    mw_expect_eq "faults: xa and $name delivered the same sequence" \
        "$(messages xa)" "$(messages "$name")"
done

# --- a member killed mid-stream -----------------------------------------------------------
# ka..kc send 30 each; kd sends 3000 and is killed (SIGKILL) once ka has delivered 50 of
# them, while many are in flight (every member drops 10% of what it receives). The
# survivors must then install a view of 3, agree on which of kd's messages were
# delivered (a prefix kd-1..kd-M, the same M everywhere), and deliver everything else.
K=30
export MIDWAY_GROUP_FAULTS="drop=0.1,seed=9"
PORTK=$(mw_free_udp_port)
for name in ka kb kc; do
    mapfile -t args < <(sends "$name" "$K")
    mw_start "$name" 60 "$MW" group join "239.77.0.4:$PORTK" --if lo --order total \
        --name "$name" --members 4 --timeout 40000 "${args[@]}"
done
# Started directly, not under `timeout`, so that SIGKILL reaches the member itself (its
# --timeout bounds it).
mapfile -t args < <(sends kd 3000)
"$MW" group join "239.77.0.4:$PORTK" --if lo --order total --name kd --members 4 \
    --timeout 40000 "${args[@]}" >"$(mw_out kd)" 2>"$(mw_err kd)" &
MW_PID[kd]=$!
unset MIDWAY_GROUP_FAULTS
mw_wait_line ka $'^kd\tkd-50$' 20 || exit 1
kill -KILL "${MW_PID[kd]}"
mw_wait_exit kd 2>/dev/null
mw_expect_eq "kill: kd died of SIGKILL" 137 $?
for name in ka kb kc; do
    # The view without kd, then every survivor's 30 messages.
    mw_wait_line "$name" '^view [0-9]+: k[abc] k[abc] k[abc]$' 20 || exit 1
    for s in ka kb kc; do
        mw_wait_line "$name" "^$s	$s-$K\$" 20 || exit 1
    done
done
for name in ka kb kc; do
    kill -TERM "${MW_PID[$name]}"
done
for name in ka kb kc; do
    mw_check "kill: $name ends cleanly on SIGTERM" mw_wait_exit "$name"
done
# What each survivor delivered up to and including the view of 3 (a later view appears
# when the first of them leaves: that part is not compared).
upto_three() { awk '{ print } /^view [0-9]+: k[abc] k[abc] k[abc]$/ { exit }' "$(mw_out "$1")"; }
M=$(from ka kd | wc -l)
mw_check "kill: kd was killed mid-stream (ka delivered $M of its 3000 messages)" \
    test "$M" -ge 50 -a "$M" -lt 3000
for name in ka kb kc; do
    mw_expect_eq "kill: $name delivered kd-1..kd-$M, no gap" "$(seq_of kd "$M")" \
        "$(from "$name" kd)"
    for s in ka kb kc; do
        mw_expect_eq "kill: $name got all of $s's messages in order" "$(seq_of "$s" "$K")" \
            "$(from "$name" "$s")"
    done
done
for name in kb kc; do
    mw_expect_eq "kill: ka and $name agree up to the view without kd (view synchrony)" \
        "$(upto_three ka | grep -v '^view ')" "$(upto_three "$name" | grep -v '^view ')"
done

# --- usage errors ---------------------------------------------------------------------------
"$MW" group join 10.1.2.3:5000 >/dev/null 2>&1
mw_expect_eq "join of a unicast address: status 2" 2 $?
"$MW" group join 239.1.1.1:5000 --order random >/dev/null 2>&1
mw_expect_eq "--order random: status 2" 2 $?
"$MW" group join 239.1.1.1:5000 --members 3 >/dev/null 2>&1
mw_expect_eq "--members without --reliable: status 2" 2 $?
MIDWAY_GROUP_FAULTS=drop=2 "$MW" group join 239.1.1.1:5000 --reliable >/dev/null 2>&1
mw_expect_eq "MIDWAY_GROUP_FAULTS out of range: status 2" 2 $?
"$MW" group send 239.1.1.1:5000 >/dev/null 2>&1
mw_expect_eq "group send without a message: status 2" 2 $?
mw_check "group join --help" "$MW" group join --help
mw_finish

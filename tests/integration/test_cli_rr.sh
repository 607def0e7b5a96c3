#!/usr/bin/env bash
# test_cli_rr.sh BUILD_DIR - the `midway rr` command: a demo server (`rr serve`, UDP and
# TCP) pinged with every exchange protocol and invocation semantics, `--json` output
# parsed with python3, single calls and their results, the statistics both as the stats
# operation's JSON and as what the server prints on SIGTERM, and the errors: no server,
# a server that never answers, an unknown operation, bad command lines.
#
# Servers listen on port 0 and the test reads the port from their 'listening on' line.
# Every command runs under `timeout`; background processes are killed on exit; waits are
# bounded polling loops.
set -u

BUILD=${1:?usage: test_cli_rr.sh BUILD_DIR}
MW=$BUILD/bin/midway
if [ ! -x "$MW" ]; then
    echo "FAIL: $MW is not built"
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to parse the JSON output"
    exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_cli_rr.XXXXXX")
BG_PIDS=()
cleanup() {
    for p in "${BG_PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILS=0
CHECKS=0
ok() {
    CHECKS=$((CHECKS + 1))
    echo "ok    $*"
}
bad() {
    CHECKS=$((CHECKS + 1))
    FAILS=$((FAILS + 1))
    echo "FAIL  $*"
}
show() {
    for f in "$TMP/$1".out "$TMP/$1".err; do
        [ -s "$f" ] && sed "s|^|      ${f##*/}: |" "$f"
    done
    return 0
}

# run NAME CMD...: runs CMD (bounded to 60 s) with stdout and stderr in $TMP/NAME.{out,err};
# RC gets its exit status.
run() {
    local name=$1
    shift
    timeout 60 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    RC=$?
}

# start NAME CMD...: starts CMD in the background (bounded to 120 s); PID gets its pid.
start() {
    local name=$1
    shift
    timeout 120 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    PID=$!
    BG_PIDS+=("$PID")
}

# wait_line FILE REGEX: polls (at most 10 s) until FILE has a line matching REGEX.
wait_line() {
    local i
    for ((i = 0; i < 200; i++)); do
        LINE=$(grep -m1 -E -- "$2" "$1" 2>/dev/null) && return 0
        sleep 0.05
    done
    LINE=
    return 1
}

# wait_exit PID: waits (at most 10 s) for a background process to end; RC gets its status.
wait_exit() {
    local i
    for ((i = 0; i < 200; i++)); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1"
            RC=$?
            return 0
        fi
        sleep 0.05
    done
    RC=124
    return 1
}

# start_server NAME CMD...: starts a server, waits for 'listening on ADDR:PORT'; PORT and
# PID get its port and pid.
start_server() {
    local name=$1
    start "$@"
    if wait_line "$TMP/$name.out" '^listening on .*:[0-9]+$'; then
        PORT=${LINE##*:}
        ok "$name: prints '$LINE'"
        return 0
    fi
    bad "$name: no 'listening on' line"
    show "$name"
    return 1
}

# expect_out NAME TEXT DESC: exit status 0 and stdout exactly TEXT.
expect_out() {
    local got
    got=$(cat "$TMP/$1.out")
    if [ "$RC" -eq 0 ] && [ "$got" = "$2" ]; then
        ok "$3"
    else
        bad "$3 (exit $RC, stdout '$got', expected '$2')"
        show "$1"
    fi
}

# expect_fail NAME CODE DESC [REGEX]: exit status CODE, a 'midway: ' message on stderr
# (matching REGEX if given).
expect_fail() {
    local first
    first=$(grep -m1 '^midway: ' "$TMP/$1.err")
    if [ "$RC" -eq "$2" ] && [[ $first == "midway: "* ]] &&
        { [ -z "${4:-}" ] || grep -Eq -- "$4" "$TMP/$1.err"; }; then
        ok "$3 -> exit $2: $first"
    else
        bad "$3 (exit $RC, expected $2${4:+ and /$4/}, stderr '$first')"
        show "$1"
    fi
}

# json_check NAME DESC PYTHON-EXPR: stdout of run NAME is one JSON object `j` for which
# the expression is true.
json_check() {
    if python3 - "$TMP/$1.out" "$3" <<'EOF'; then
import json, sys
text = open(sys.argv[1]).read()
lines = [l for l in text.splitlines() if l.strip()]
if len(lines) != 1:
    print("      expected one line of JSON, got %d" % len(lines))
    sys.exit(1)
j = json.loads(lines[0])
if not isinstance(j, dict):
    sys.exit(1)
ok = eval(sys.argv[2], {"j": j})
if not ok:
    print("      " + lines[0])
sys.exit(0 if ok else 1)
EOF
        ok "$2"
    else
        bad "$2"
        show "$1"
    fi
}

have_ipv6() { grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; }

echo "# midway: $MW"

# --- help -------------------------------------------------------------------------------

for args in "rr --help" "help rr" "rr serve --help" "rr ping --help" "rr call --help" \
    "rr ping -h"; do
    # shellcheck disable=SC2086
    run help "$MW" $args
    if [ "$RC" -eq 0 ] && grep -q '^usage: midway' "$TMP/help.out" && [ ! -s "$TMP/help.err" ]; then
        ok "midway $args: usage on stdout, exit 0"
    else
        bad "midway $args: exit $RC"
        show help
    fi
done
run list "$MW" --help
if grep -Eq '^  rr +request-reply' "$TMP/list.out"; then ok "midway --help lists rr"; else bad "midway --help does not list rr"; show list; fi

# --- usage errors: exit 2 ---------------------------------------------------------------

for args in "rr" "rr frobnicate" "rr serve --bogus" "rr serve extra" "rr ping" \
    "rr call" "rr call 127.0.0.1:9" "rr call 127.0.0.1:9 null extra more" \
    "rr ping 127.0.0.1:9 --bogus" "rr ping 127.0.0.1:9 --protocol" \
    "rr call 127.0.0.1:9 stats extra"; do
    # shellcheck disable=SC2086
    run usage "$MW" $args
    if [ "$RC" -eq 2 ] && [ ! -s "$TMP/usage.out" ] && grep -q 'usage: midway' "$TMP/usage.err"; then
        ok "midway $args: $(head -n1 "$TMP/usage.err") -> exit 2"
    else
        bad "midway $args: exit $RC, expected 2 with usage on stderr"
        show usage
    fi
done

check_value_error() {
    local desc=$1
    shift
    run value "$MW" "$@"
    expect_fail value 2 "$desc"
    if [ "$RC" -eq 2 ] && [ ! -s "$TMP/value.out" ]; then ok "$desc: nothing on stdout"; else bad "$desc: stdout not empty"; fi
}
check_value_error "--protocol bogus" rr ping 127.0.0.1:9 --protocol rrr
check_value_error "--semantics bogus" rr ping 127.0.0.1:9 --semantics exactly-once
check_value_error "--op bogus" rr ping 127.0.0.1:9 --op frob
check_value_error "--op stats is not for ping" rr ping 127.0.0.1:9 --op stats
check_value_error "-n 0" rr ping 127.0.0.1:9 -n 0
check_value_error "-c 0" rr ping 127.0.0.1:9 -c 0
check_value_error "-n not a number" rr ping 127.0.0.1:9 -n many
check_value_error "--timeout 0" rr ping 127.0.0.1:9 --timeout 0
check_value_error "--retries 0" rr ping 127.0.0.1:9 --retries 0
check_value_error "--size negative" rr ping 127.0.0.1:9 --size -1
check_value_error "--size with increment" rr ping 127.0.0.1:9 --op increment --size 4
check_value_error "port out of range" rr call 127.0.0.1:70000 null
check_value_error "no port" rr call 127.0.0.1 null
check_value_error "port 0" rr call 127.0.0.1:0 null
check_value_error "unknown operation name" rr call 127.0.0.1:9 frob
check_value_error "increment of a word" rr call 127.0.0.1:9 increment three
check_value_error "--port out of range" rr serve --port 70000
check_value_error "--loops 0" rr serve --loops 0

# --- runtime errors: exit 1 -------------------------------------------------------------

# A port that was free a moment ago: a server's, after the server is gone.
if start_server probe "$MW" rr serve --port 0 --bind 127.0.0.1; then
    DEAD=$PORT
    kill "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    run dead_udp "$MW" rr call "127.0.0.1:$DEAD" null --timeout 200 --retries 1
    expect_fail dead_udp 1 "rr call to a UDP port with no server" 'refused|timed out'
    run dead_tcp "$MW" rr call "127.0.0.1:$DEAD" null --tcp --timeout 500
    expect_fail dead_tcp 1 "rr call to a TCP port with no server" 'refused|timed out'
    run dead_ping "$MW" rr ping "127.0.0.1:$DEAD" -n 3 --timeout 200 --retries 1
    expect_fail dead_ping 1 "rr ping of a UDP port with no server" 'refused|timed out'
fi

# A peer that receives and never answers: the client times out.
start silent python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
time.sleep(100)'
SILENT_PID=$PID
if wait_line "$TMP/silent.out" '^listening on .*:[0-9]+$'; then
    SILENT=${LINE##*:}
    T0=$(date +%s%N)
    run silent_call "$MW" rr call "127.0.0.1:$SILENT" null --timeout 150 --retries 2
    T1=$(date +%s%N)
    expect_fail silent_call 1 "rr call to a server that never answers" 'timed out'
    if grep -q 'after 3 attempts of 150 ms' "$TMP/silent_call.err"; then ok "the message gives the attempts"; else bad "no attempts in: $(cat "$TMP/silent_call.err")"; fi
    ms=$(((T1 - T0) / 1000000))
    if [ "$ms" -ge 400 ] && [ "$ms" -lt 5000 ]; then ok "3 attempts of 150 ms took ${ms} ms"; else bad "3 attempts of 150 ms took ${ms} ms"; fi
    run silent_maybe "$MW" rr call "127.0.0.1:$SILENT" echo hi --semantics maybe --timeout 150
    expect_fail silent_maybe 1 "maybe call to a server that never answers" 'timed out'
    run silent_ping "$MW" rr ping "127.0.0.1:$SILENT" -n 2 --timeout 100 --retries 1 --json
    expect_fail silent_ping 1 "rr ping of a server that never answers" 'timed out'
    json_check silent_ping "ping --json still prints the object: errors 2, no replies" \
        'j["errors"] == 2 and j["replies"] == 0 and j["first_error"] == "MW_ETIMEDOUT"'
    # Protocol R expects no reply: sending is all there is.
    run silent_r "$MW" rr call "127.0.0.1:$SILENT" null --protocol r
    expect_out silent_r "sent (protocol R: no reply)" "protocol R completes without a reply"
    kill "$SILENT_PID" 2>/dev/null
else
    bad "python3 silent peer did not start"
    show silent
fi

# --- UDP: every protocol and semantics --------------------------------------------------

if start_server udp "$MW" rr serve --port 0; then
    SERVER=$PID
    UDP=$PORT
    for proto in r rr rra; do
        for sem in maybe at-least-once at-most-once; do
            run ping "$MW" rr ping "127.0.0.1:$UDP" -n 200 --protocol "$proto" --semantics "$sem" --json
            if [ "$RC" -eq 0 ]; then ok "udp ping --protocol $proto --semantics $sem: exit 0"; else bad "udp ping $proto $sem: exit $RC"; show ping; fi
            json_check ping "udp $proto/$sem: 200 replies, no errors, calls/s and p50 <= p99" \
                "j['calls'] == 200 and j['replies'] == 200 and j['errors'] == 0 and j['calls_per_sec'] > 0 and 0 < j['p50_us'] <= j['p99_us'] and j['protocol'] == '$proto' and j['semantics'] == '$sem'"
        done
    done
    run ping_c "$MW" rr ping "127.0.0.1:$UDP" -n 400 -c 4 --op echo --size 100 --json
    json_check ping_c "udp ping -c 4 --op echo --size 100: 400 replies, echoes checked" \
        "j['clients'] == 4 and j['replies'] == 400 and j['errors'] == 0 and j['op'] == 'echo'"
    # Larger than one 8 KiB datagram: fragmented both ways.
    run ping_big "$MW" rr ping "127.0.0.1:$UDP" -n 20 --op echo --size 100000 --json
    json_check ping_big "udp echo of 100000 bytes (fragmented): 20 replies" \
        "j['replies'] == 20 and j['errors'] == 0 and j['size'] == 100000"
    run ping_text "$MW" rr ping "127.0.0.1:$UDP" -n 50
    if [ "$RC" -eq 0 ] && grep -Eq '^50 ok, 0 failed in [0-9.]+ s: [0-9]+ calls/s$' "$TMP/ping_text.out" &&
        grep -Eq '^latency us: min [0-9.]+, p50 [0-9.]+, p90 [0-9.]+, p99 [0-9.]+' "$TMP/ping_text.out"; then
        ok "udp ping without --json: calls/s and percentiles"
    else
        bad "udp ping text output"
        show ping_text
    fi
    run inc_ping "$MW" rr ping "127.0.0.1:$UDP" -n 10 --op increment --json
    json_check inc_ping "udp ping --op increment: 10 replies" "j['replies'] == 10 and j['op'] == 'increment'"
    run call_v4 "$MW" rr call "127.0.0.1:$UDP" echo "hello, request-reply"
    expect_out call_v4 "hello, request-reply" "rr call echo over IPv4"
    if have_ipv6; then
        run call_v6 "$MW" rr call "[::1]:$UDP" echo "hello over IPv6"
        expect_out call_v6 "hello over IPv6" "rr call echo over IPv6"
    fi
    run unknown_op "$MW" rr call "127.0.0.1:$UDP" 99
    expect_fail unknown_op 1 "rr call of operation 99" 'not supported'
    run echo_empty "$MW" rr call "127.0.0.1:$UDP" echo
    expect_out echo_empty "" "rr call echo with no argument echoes nothing"
    run stats "$MW" rr call "127.0.0.1:$UDP" stats
    json_check stats "stats: each operation under its name" \
        "all(k in j for k in ('null', 'echo', 'increment', 'stats', 'retransmissions', 'duplicates_filtered', 'history_entries')) and j['increment'] >= 10 and j['null'] >= 1800"
    kill -TERM "$SERVER"
    if wait_exit "$SERVER" && [ "$RC" -eq 0 ]; then ok "udp serve exits 0 on SIGTERM"; else bad "udp serve on SIGTERM: exit $RC"; show udp; fi
fi

# --- Exact statistics: a fresh server, a known sequence of calls --------------------------

if start_server exact "$MW" rr serve --port 0 --bind 127.0.0.1; then
    SERVER=$PID
    A=127.0.0.1:$PORT
    for i in 1 2 3; do run n$i "$MW" rr call "$A" null; expect_out n$i ok "null call $i prints ok"; done
    run e1 "$MW" rr call "$A" echo one --protocol rra
    expect_out e1 one "echo with RRA"
    run e2 "$MW" rr call "$A" echo two --semantics at-least-once
    expect_out e2 two "echo at-least-once"
    run i1 "$MW" rr call "$A" increment 5
    expect_out i1 5 "increment 5 from 0 gives 5"
    run i2 "$MW" rr call "$A" increment
    expect_out i2 6 "increment (by 1) gives 6"
    run i3 "$MW" rr call "$A" increment -- -10
    expect_out i3 -4 "increment -10 gives -4"
    run i4 "$MW" rr call "$A" increment --protocol rra
    expect_out i4 -3 "increment with RRA gives -3"
    run st "$MW" rr call "$A" stats
    json_check st "stats: null 3, echo 2, increment 4, counter -3, nothing retransmitted" \
        "j['null'] == 3 and j['echo'] == 2 and j['increment'] == 4 and j['counter'] == -3 and j['retransmissions'] == 0 and j['duplicates_filtered'] == 0 and j['history_entries'] >= 0"
    kill -TERM "$SERVER"
    if wait_exit "$SERVER" && [ "$RC" -eq 0 ]; then ok "serve exits 0 on SIGTERM"; else bad "serve on SIGTERM: exit $RC"; fi
    if grep -qx 'executions: null 3, echo 2, increment 4, stats 1' "$TMP/exact.out"; then ok "SIGTERM prints each operation's executions"; else bad "SIGTERM executions line"; show exact; fi
    for re in '^retransmissions: 0$' '^duplicates filtered: 0$' '^history size: [0-9]+ entries, [0-9]+ bytes$' \
        '^counter: -3$' '^stopped by SIGTERM$'; do
        if grep -Eq -- "$re" "$TMP/exact.out"; then ok "SIGTERM output has /$re/"; else bad "SIGTERM output lacks /$re/"; show exact; fi
    done
fi

# --- Faults: at-most-once keeps a non-idempotent counter exact ---------------------------

if start_server faults "$MW" rr serve --port 0 --bind 127.0.0.1; then
    SERVER=$PID
    A=127.0.0.1:$PORT
    run f_rr "$MW" rr ping "$A" --op increment -n 150 --drop 0.2 --duplicate 0.2 --reorder 0.1 \
        --seed 7 --timeout 20 --retries 12 --json
    json_check f_rr "RR under 20% loss and duplication: 150 replies" "j['replies'] == 150 and j['errors'] == 0 and j['retransmissions'] > 0"
    run f_rra "$MW" rr ping "$A" --op increment -n 150 --protocol rra --drop 0.2 --duplicate 0.2 \
        --seed 8 --timeout 20 --retries 12 --json
    json_check f_rra "RRA under 20% loss and duplication: 150 replies" "j['replies'] == 150 and j['errors'] == 0"
    run f_st "$MW" rr call "$A" stats
    json_check f_st "at-most-once: 300 executions, counter 300, duplicates filtered" \
        "j['increment'] == 300 and j['counter'] == 300 and j['duplicates_filtered'] > 0 and j['retransmissions'] > 0"
    run f_tcp "$MW" rr call "$A" null --tcp --drop 0.5
    expect_fail f_tcp 2 "fault injection with --tcp is a usage error"
    run f_p "$MW" rr ping "$A" --drop 1.5
    expect_fail f_p 2 "--drop 1.5 is a usage error"
    kill -TERM "$SERVER"
    if wait_exit "$SERVER" && [ "$RC" -eq 0 ]; then ok "faults server exits 0 on SIGTERM"; else bad "faults server on SIGTERM: exit $RC"; fi
    if grep -Eq '^duplicates filtered: [1-9][0-9]*$' "$TMP/faults.out"; then ok "SIGTERM shows the duplicates filtered"; else bad "no duplicates in SIGTERM output"; show faults; fi
fi

# --- TCP ----------------------------------------------------------------------------------

if start_server tcp "$MW" rr serve --tcp --port 0; then
    SERVER=$PID
    TCP=$PORT
    for proto in r rr rra; do
        for sem in maybe at-least-once at-most-once; do
            run tping "$MW" rr ping "127.0.0.1:$TCP" --tcp -n 200 --protocol "$proto" --semantics "$sem" --json
            json_check tping "tcp $proto/$sem: 200 replies, no errors" \
                "j['transport'] == 'tcp' and j['replies'] == 200 and j['errors'] == 0 and 0 < j['p50_us'] <= j['p99_us']"
        done
    done
    run tping_c "$MW" rr ping "127.0.0.1:$TCP" --tcp -n 400 -c 8 --op echo --size 70000 --json
    json_check tping_c "tcp ping -c 8 echo of 70000 bytes: 400 replies" \
        "j['clients'] == 8 and j['replies'] == 400 and j['errors'] == 0"
    run tcall "$MW" rr call "127.0.0.1:$TCP" increment 7 --tcp
    expect_out tcall 7 "tcp call increment 7"
    run tstats "$MW" rr call "127.0.0.1:$TCP" stats --tcp
    json_check tstats "tcp stats: increment counted" "j['increment'] == 1 and j['counter'] == 7"
    kill -TERM "$SERVER"
    if wait_exit "$SERVER" && [ "$RC" -eq 0 ]; then ok "tcp serve exits 0 on SIGTERM"; else bad "tcp serve on SIGTERM: exit $RC"; show tcp; fi
    if grep -Eq '^executions: null [0-9]+, echo 400, increment 1, stats 1$' "$TMP/tcp.out"; then ok "tcp serve's SIGTERM statistics"; else bad "tcp serve's SIGTERM statistics"; show tcp; fi
fi

# --- SO_REUSEPORT loops -------------------------------------------------------------------

if start_server loops "$MW" rr serve --port 0 --loops 2 --bind 127.0.0.1; then
    SERVER=$PID
    run lping "$MW" rr ping "127.0.0.1:$PORT" -n 400 -c 4 --json
    json_check lping "serve --loops 2: 4 clients, 400 replies" "j['replies'] == 400 and j['errors'] == 0"
    kill -INT "$SERVER"
    if wait_exit "$SERVER" && [ "$RC" -eq 0 ]; then ok "serve --loops 2 exits 0 on SIGINT"; else bad "serve --loops 2 on SIGINT: exit $RC"; show loops; fi
    if grep -Eq '^executions: null 400, echo 0, increment 0, stats 0$' "$TMP/loops.out"; then ok "executions summed over loops"; else bad "executions over loops"; show loops; fi
fi

echo "# $CHECKS checks"
echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" -eq 0 ]

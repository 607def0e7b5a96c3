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
. "$(dirname "$0")/../lib.sh"
MW=$BUILD/bin/midway
mw_need_built "$MW"
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to parse the JSON output"
    exit 0
fi

MW_RUN_SECONDS=60

# json_check NAME DESC PYTHON-EXPR: stdout of run NAME is one JSON object `j` for which
# the expression is true.
json_check() {
    if python3 - "$MW_TMP/$1.out" "$3" <<'EOF'; then
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
        mw_pass "$2"
    else
        mw_fail "$2"
        mw_show "$1"
    fi
}

echo "# midway: $MW"

# --- help -------------------------------------------------------------------------------

for args in "rr --help" "help rr" "rr serve --help" "rr ping --help" "rr call --help" \
    "rr ping -h"; do
    # shellcheck disable=SC2086
    mw_expect_help "$MW" $args
done
mw_run list "$MW" --help
if grep -Eq '^  rr +request-reply' "$MW_TMP/list.out"; then mw_pass "midway --help lists rr"; else mw_fail "midway --help does not list rr"; mw_show list; fi

# --- usage errors: exit 2 ---------------------------------------------------------------

for args in "rr" "rr frobnicate" "rr serve --bogus" "rr serve extra" "rr ping" \
    "rr call" "rr call 127.0.0.1:9" "rr call 127.0.0.1:9 null extra more" \
    "rr ping 127.0.0.1:9 --bogus" "rr ping 127.0.0.1:9 --protocol" \
    "rr call 127.0.0.1:9 stats extra"; do
    # shellcheck disable=SC2086
    mw_expect_usage "$MW" $args
done

mw_expect_value_error "--protocol bogus" "$MW" rr ping 127.0.0.1:9 --protocol rrr
mw_expect_value_error "--semantics bogus" "$MW" rr ping 127.0.0.1:9 --semantics exactly-once
mw_expect_value_error "--op bogus" "$MW" rr ping 127.0.0.1:9 --op frob
mw_expect_value_error "--op stats is not for ping" "$MW" rr ping 127.0.0.1:9 --op stats
mw_expect_value_error "-n 0" "$MW" rr ping 127.0.0.1:9 -n 0
mw_expect_value_error "-c 0" "$MW" rr ping 127.0.0.1:9 -c 0
mw_expect_value_error "-n not a number" "$MW" rr ping 127.0.0.1:9 -n many
mw_expect_value_error "--timeout 0" "$MW" rr ping 127.0.0.1:9 --timeout 0
mw_expect_value_error "--retries -1" "$MW" rr ping 127.0.0.1:9 --retries -1
mw_expect_value_error "--size negative" "$MW" rr ping 127.0.0.1:9 --size -1
mw_expect_value_error "--size with increment" "$MW" rr ping 127.0.0.1:9 --op increment --size 4
mw_expect_value_error "port out of range" "$MW" rr call 127.0.0.1:70000 null
mw_expect_value_error "no port" "$MW" rr call 127.0.0.1 null
mw_expect_value_error "port 0" "$MW" rr call 127.0.0.1:0 null
mw_expect_value_error "unknown operation name" "$MW" rr call 127.0.0.1:9 frob
mw_expect_value_error "increment of a word" "$MW" rr call 127.0.0.1:9 increment three
mw_expect_value_error "--port out of range" "$MW" rr serve --port 70000
mw_expect_value_error "--loops 0" "$MW" rr serve --loops 0
mw_expect_value_error "--spin negative" "$MW" rr serve --spin -5

# --- runtime errors: exit 1 -------------------------------------------------------------

# A port that was free a moment ago: a server's, after the server is gone.
if mw_start_server probe 120 "$MW" rr serve --port 0 --bind 127.0.0.1; then
    DEAD=$MW_PORT
    kill "${MW_PID[probe]}" 2>/dev/null
    mw_wait_exit probe 2>/dev/null
    mw_run dead_udp "$MW" rr call "127.0.0.1:$DEAD" null --timeout 200 --retries 1
    mw_expect_fail dead_udp 1 "rr call to a UDP port with no server" 'refused|timed out'
    mw_run dead_tcp "$MW" rr call "127.0.0.1:$DEAD" null --tcp --timeout 500
    mw_expect_fail dead_tcp 1 "rr call to a TCP port with no server" 'refused|timed out'
    mw_run dead_ping "$MW" rr ping "127.0.0.1:$DEAD" -n 3 --timeout 200 --retries 1
    mw_expect_fail --any-stdout dead_ping 1 "rr ping of a UDP port with no server" 'refused|timed out'
fi

# A peer that receives and never answers: the client times out.
mw_start silent 120 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
time.sleep(100)'
if mw_listening silent; then
    SILENT=$MW_PORT
    T0=$(date +%s%N)
    mw_run silent_call "$MW" rr call "127.0.0.1:$SILENT" null --timeout 150 --retries 2
    T1=$(date +%s%N)
    mw_expect_fail silent_call 1 "rr call to a server that never answers" 'timed out'
    if grep -q 'after 3 attempts of 150 ms' "$MW_TMP/silent_call.err"; then mw_pass "the message gives the attempts"; else mw_fail "no attempts in: $(cat "$MW_TMP/silent_call.err")"; fi
    ms=$(((T1 - T0) / 1000000))
    if [ "$ms" -ge 400 ] && [ "$ms" -lt 5000 ]; then mw_pass "3 attempts of 150 ms took ${ms} ms"; else mw_fail "3 attempts of 150 ms took ${ms} ms"; fi
    # --retries 0: one attempt, no retransmission.
    mw_run silent_once "$MW" rr call "127.0.0.1:$SILENT" null --timeout 150 --retries 0
    mw_expect_fail silent_once 1 "rr call with --retries 0 to a server that never answers" 'timed out'
    if grep -q 'after 1 attempts of 150 ms' "$MW_TMP/silent_once.err"; then mw_pass "--retries 0 makes one attempt"; else mw_fail "--retries 0: $(cat "$MW_TMP/silent_once.err")"; fi
    mw_run silent_maybe "$MW" rr call "127.0.0.1:$SILENT" echo hi --semantics maybe --timeout 150
    mw_expect_fail silent_maybe 1 "maybe call to a server that never answers" 'timed out'
    mw_run silent_ping "$MW" rr ping "127.0.0.1:$SILENT" -n 2 --timeout 100 --retries 1 --json
    mw_expect_fail --any-stdout silent_ping 1 "rr ping of a server that never answers" 'timed out'
    json_check silent_ping "ping --json still prints the object: errors 2, no replies" \
        'j["errors"] == 2 and j["replies"] == 0 and j["first_error"] == "MW_ETIMEDOUT"'
    # Protocol R expects no reply: sending is all there is.
    mw_run silent_r "$MW" rr call "127.0.0.1:$SILENT" null --protocol r
    mw_expect_out silent_r "sent (protocol R: no reply)" "protocol R completes without a reply"
    kill "${MW_PID[silent]}" 2>/dev/null
else
    mw_fail "python3 silent peer did not start"
fi

# --- UDP: every protocol and semantics --------------------------------------------------

if mw_start_server udp 120 "$MW" rr serve --port 0; then
    UDP=$MW_PORT
    for proto in r rr rra; do
        for sem in maybe at-least-once at-most-once; do
            mw_run ping "$MW" rr ping "127.0.0.1:$UDP" -n 200 --protocol "$proto" --semantics "$sem" --json
            if [ "$MW_RC" -eq 0 ]; then mw_pass "udp ping --protocol $proto --semantics $sem: exit 0"; else mw_fail "udp ping $proto $sem: exit $MW_RC"; mw_show ping; fi
            json_check ping "udp $proto/$sem: 200 replies, no errors, calls/s and p50 <= p99" \
                "j['calls'] == 200 and j['replies'] == 200 and j['errors'] == 0 and j['calls_per_sec'] > 0 and 0 < j['p50_us'] <= j['p99_us'] and j['protocol'] == '$proto' and j['semantics'] == '$sem'"
        done
    done
    mw_run ping_c "$MW" rr ping "127.0.0.1:$UDP" -n 400 -c 4 --op echo --size 100 --json
    json_check ping_c "udp ping -c 4 --op echo --size 100: 400 replies, echoes checked" \
        "j['clients'] == 4 and j['replies'] == 400 and j['errors'] == 0 and j['op'] == 'echo'"
    # Larger than one 8 KiB datagram: fragmented both ways.
    mw_run ping_big "$MW" rr ping "127.0.0.1:$UDP" -n 20 --op echo --size 100000 --json
    json_check ping_big "udp echo of 100000 bytes (fragmented): 20 replies" \
        "j['replies'] == 20 and j['errors'] == 0 and j['size'] == 100000"
    mw_run ping_text "$MW" rr ping "127.0.0.1:$UDP" -n 50
    if [ "$MW_RC" -eq 0 ] && grep -Eq '^50 ok, 0 failed in [0-9.]+ s: [0-9]+ calls/s$' "$MW_TMP/ping_text.out" &&
        grep -Eq '^latency us: min [0-9.]+, p50 [0-9.]+, p90 [0-9.]+, p99 [0-9.]+' "$MW_TMP/ping_text.out"; then
        mw_pass "udp ping without --json: calls/s and percentiles"
    else
        mw_fail "udp ping text output"
        mw_show ping_text
    fi
    mw_run inc_ping "$MW" rr ping "127.0.0.1:$UDP" -n 10 --op increment --json
    json_check inc_ping "udp ping --op increment: 10 replies" "j['replies'] == 10 and j['op'] == 'increment'"
    mw_run call_v4 "$MW" rr call "127.0.0.1:$UDP" echo "hello, request-reply"
    mw_expect_out call_v4 "hello, request-reply" "rr call echo over IPv4"
    if mw_have_ipv6; then
        mw_run call_v6 "$MW" rr call "[::1]:$UDP" echo "hello over IPv6"
        mw_expect_out call_v6 "hello over IPv6" "rr call echo over IPv6"
    fi
    mw_run unknown_op "$MW" rr call "127.0.0.1:$UDP" 99
    mw_expect_fail unknown_op 1 "rr call of operation 99" 'not supported'
    mw_run echo_empty "$MW" rr call "127.0.0.1:$UDP" echo
    mw_expect_out echo_empty "" "rr call echo with no argument echoes nothing"
    mw_run stats "$MW" rr call "127.0.0.1:$UDP" stats
    json_check stats "stats: each operation under its name" \
        "all(k in j for k in ('null', 'echo', 'increment', 'stats', 'retransmissions', 'duplicates_filtered', 'history_entries')) and j['increment'] >= 10 and j['null'] >= 1800"
    kill -TERM "${MW_PID[udp]}"
    mw_expect_exit udp "udp serve exits 0 on SIGTERM"
fi

# --- UDP low-latency mode: both sides spin, two loop threads ----------------------------

if mw_start_server spin 120 "$MW" rr serve --port 0 --bind 127.0.0.1 --spin 200 --loops 2; then
    mw_run spin_ping "$MW" rr ping "127.0.0.1:$MW_PORT" -n 300 -c 2 --op echo --size 64 --spin 200 --json
    json_check spin_ping "spinning server and clients: 300 echoes, no errors" \
        "j['replies'] == 300 and j['errors'] == 0 and j['clients'] == 2"
    # A spinning loop still stops at once: SIGTERM, the statistics, exit 0.
    kill -TERM "${MW_PID[spin]}"
    mw_expect_exit spin "spinning udp serve exits 0 on SIGTERM"
fi

# --- Exact statistics: a fresh server, a known sequence of calls --------------------------

if mw_start_server exact 120 "$MW" rr serve --port 0 --bind 127.0.0.1; then
    A=127.0.0.1:$MW_PORT
    for i in 1 2 3; do mw_run n$i "$MW" rr call "$A" null; mw_expect_out n$i ok "null call $i prints ok"; done
    mw_run e1 "$MW" rr call "$A" echo one --protocol rra
    mw_expect_out e1 one "echo with RRA"
    mw_run e2 "$MW" rr call "$A" echo two --semantics at-least-once
    mw_expect_out e2 two "echo at-least-once"
    mw_run i1 "$MW" rr call "$A" increment 5
    mw_expect_out i1 5 "increment 5 from 0 gives 5"
    mw_run i2 "$MW" rr call "$A" increment
    mw_expect_out i2 6 "increment (by 1) gives 6"
    mw_run i3 "$MW" rr call "$A" increment -- -10
    mw_expect_out i3 -4 "increment -10 gives -4"
    mw_run i4 "$MW" rr call "$A" increment --protocol rra
    mw_expect_out i4 -3 "increment with RRA gives -3"
    mw_run st "$MW" rr call "$A" stats
    json_check st "stats: null 3, echo 2, increment 4, counter -3, nothing retransmitted" \
        "j['null'] == 3 and j['echo'] == 2 and j['increment'] == 4 and j['counter'] == -3 and j['retransmissions'] == 0 and j['duplicates_filtered'] == 0 and j['history_entries'] >= 0"
    kill -TERM "${MW_PID[exact]}"
    mw_expect_exit exact "serve exits 0 on SIGTERM"
    if grep -qx 'executions: null 3, echo 2, increment 4, stats 1' "$MW_TMP/exact.out"; then mw_pass "SIGTERM prints each operation's executions"; else mw_fail "SIGTERM executions line"; mw_show exact; fi
    for re in '^retransmissions: 0$' '^duplicates filtered: 0$' '^history size: [0-9]+ entries, [0-9]+ bytes$' \
        '^counter: -3$' '^stopped by SIGTERM$'; do
        if grep -Eq -- "$re" "$MW_TMP/exact.out"; then mw_pass "SIGTERM output has /$re/"; else mw_fail "SIGTERM output lacks /$re/"; mw_show exact; fi
    done
fi

# --- Faults: at-most-once keeps a non-idempotent counter exact ---------------------------

if mw_start_server faults 120 "$MW" rr serve --port 0 --bind 127.0.0.1; then
    A=127.0.0.1:$MW_PORT
    mw_run f_rr "$MW" rr ping "$A" --op increment -n 150 --drop 0.2 --duplicate 0.2 --reorder 0.1 \
        --seed 7 --timeout 20 --retries 12 --json
    json_check f_rr "RR under 20% loss and duplication: 150 replies" "j['replies'] == 150 and j['errors'] == 0 and j['retransmissions'] > 0"
    mw_run f_rra "$MW" rr ping "$A" --op increment -n 150 --protocol rra --drop 0.2 --duplicate 0.2 \
        --seed 8 --timeout 20 --retries 12 --json
    json_check f_rra "RRA under 20% loss and duplication: 150 replies" "j['replies'] == 150 and j['errors'] == 0"
    mw_run f_st "$MW" rr call "$A" stats
    json_check f_st "at-most-once: 300 executions, counter 300, duplicates filtered" \
        "j['increment'] == 300 and j['counter'] == 300 and j['duplicates_filtered'] > 0 and j['retransmissions'] > 0"
    mw_run f_tcp "$MW" rr call "$A" null --tcp --drop 0.5
    mw_expect_fail f_tcp 2 "fault injection with --tcp is a usage error"
    mw_run f_p "$MW" rr ping "$A" --drop 1.5
    mw_expect_fail f_p 2 "--drop 1.5 is a usage error"
    kill -TERM "${MW_PID[faults]}"
    mw_expect_exit faults "faults server exits 0 on SIGTERM"
    if grep -Eq '^duplicates filtered: [1-9][0-9]*$' "$MW_TMP/faults.out"; then mw_pass "SIGTERM shows the duplicates filtered"; else mw_fail "no duplicates in SIGTERM output"; mw_show faults; fi
fi

# --- TCP ----------------------------------------------------------------------------------

if mw_start_server tcp 120 "$MW" rr serve --tcp --port 0; then
    TCP=$MW_PORT
    for proto in r rr rra; do
        for sem in maybe at-least-once at-most-once; do
            mw_run tping "$MW" rr ping "127.0.0.1:$TCP" --tcp -n 200 --protocol "$proto" --semantics "$sem" --json
            json_check tping "tcp $proto/$sem: 200 replies, no errors" \
                "j['transport'] == 'tcp' and j['replies'] == 200 and j['errors'] == 0 and 0 < j['p50_us'] <= j['p99_us']"
        done
    done
    mw_run tping_c "$MW" rr ping "127.0.0.1:$TCP" --tcp -n 400 -c 8 --op echo --size 70000 --json
    json_check tping_c "tcp ping -c 8 echo of 70000 bytes: 400 replies" \
        "j['clients'] == 8 and j['replies'] == 400 and j['errors'] == 0"
    mw_run tcall "$MW" rr call "127.0.0.1:$TCP" increment 7 --tcp
    mw_expect_out tcall 7 "tcp call increment 7"
    mw_run tstats "$MW" rr call "127.0.0.1:$TCP" stats --tcp
    json_check tstats "tcp stats: increment counted" "j['increment'] == 1 and j['counter'] == 7"
    kill -TERM "${MW_PID[tcp]}"
    mw_expect_exit tcp "tcp serve exits 0 on SIGTERM"
    if grep -Eq '^executions: null [0-9]+, echo 400, increment 1, stats 1$' "$MW_TMP/tcp.out"; then mw_pass "tcp serve's SIGTERM statistics"; else mw_fail "tcp serve's SIGTERM statistics"; mw_show tcp; fi
fi

# --- SO_REUSEPORT loops -------------------------------------------------------------------

if mw_start_server loops 120 "$MW" rr serve --port 0 --loops 2 --bind 127.0.0.1; then
    mw_run lping "$MW" rr ping "127.0.0.1:$MW_PORT" -n 400 -c 4 --json
    json_check lping "serve --loops 2: 4 clients, 400 replies" "j['replies'] == 400 and j['errors'] == 0"
    kill -INT "${MW_PID[loops]}"
    mw_expect_exit loops "serve --loops 2 exits 0 on SIGINT"
    if grep -Eq '^executions: null 400, echo 0, increment 0, stats 0$' "$MW_TMP/loops.out"; then mw_pass "executions summed over loops"; else mw_fail "executions over loops"; mw_show loops; fi
fi

mw_finish

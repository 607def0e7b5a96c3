#!/usr/bin/env bash
# test_cli_net.sh BUILD_DIR - the `midway` tool's udp, tcp and mcast commands, run against
# each other as real processes on loopback: round trips, output formats, exit codes, help.
#
# Servers listen on port 0 and the test reads the port from their 'listening on' line.
# Every command runs under `timeout`; background processes are killed on exit; waits are
# bounded polling loops.
set -u

BUILD=${1:?usage: test_cli_net.sh BUILD_DIR}
MW=$BUILD/bin/midway
if [ ! -x "$MW" ]; then
    echo "FAIL: $MW is not built"
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_cli_net.XXXXXX")
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
# show NAME: the output files of a run, after a failure.
show() {
    for f in "$TMP/$1".out "$TMP/$1".err; do
        [ -s "$f" ] && sed "s|^|      ${f##*/}: |" "$f"
    done
    return 0
}

# run NAME CMD...: runs CMD (bounded to 20 s) with stdout and stderr in $TMP/NAME.{out,err};
# RC gets its exit status.
run() {
    local name=$1
    shift
    timeout 20 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    RC=$?
}

# start NAME CMD...: starts CMD in the background (bounded to 60 s); PID gets its pid.
start() {
    local name=$1
    shift
    timeout 60 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    PID=$!
    BG_PIDS+=("$PID")
}

# wait_line FILE REGEX: polls (at most 10 s) until FILE has a line matching REGEX; LINE
# gets the first such line.
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

# start_server NAME CMD...: starts a server and waits for its 'listening on ADDR:PORT'
# line; PORT gets the port. Fails the check (and returns 1) if the line never comes.
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

# expect_out NAME TEXT DESC: the run's exit status is 0 and its stdout is exactly TEXT.
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

# expect_fail NAME CODE DESC: the run exited with CODE, printed nothing on stdout and a
# message starting with 'midway: ' on stderr.
expect_fail() {
    local first
    first=$(grep -m1 '^midway: ' "$TMP/$1.err")
    if [ "$RC" -eq "$2" ] && [ ! -s "$TMP/$1.out" ] && [[ $first == "midway: "* ]]; then
        ok "$3 -> exit $2: $first"
    else
        bad "$3 (exit $RC, expected $2, stderr '$first')"
        show "$1"
    fi
}

# expect_one_line NAME: stderr is exactly one line (a value error, not a usage dump).
expect_one_line() {
    local n
    n=$(wc -l <"$TMP/$1.err")
    if [ "$n" -eq 1 ]; then
        ok "$1: one line on stderr"
    else
        bad "$1: $n lines on stderr, expected 1"
        show "$1"
    fi
}

have_ipv6() { grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; }

echo "# midway: $MW"

# --- help and version ------------------------------------------------------------------

for args in "--help" "help" "-h" "help udp" "help tcp" "help mcast" \
    "udp --help" "tcp --help" "mcast --help" \
    "udp serve --help" "udp send --help" "tcp serve --help" "tcp send --help" \
    "mcast join --help" "mcast send --help" "udp send -h"; do
    # shellcheck disable=SC2086
    run help "$MW" $args
    if [ "$RC" -eq 0 ] && grep -q '^usage: midway' "$TMP/help.out" && [ ! -s "$TMP/help.err" ]; then
        ok "midway $args: usage on stdout, exit 0"
    else
        bad "midway $args: exit $RC"
        show help
    fi
done

run version "$MW" --version
if [ "$RC" -eq 0 ] && grep -Eq '^midway [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/version.out"; then
    ok "midway --version: $(cat "$TMP/version.out")"
else
    bad "midway --version (exit $RC)"
    show version
fi

# --- usage errors: usage on stderr, exit 2 ----------------------------------------------

for args in "" "frobnicate" "--bogus" "udp" "udp frobnicate" "udp serve --bogus" \
    "udp serve extra" "udp send" "udp send 127.0.0.1:9" "tcp send 127.0.0.1:9" \
    "udp serve --port" "udp send 127.0.0.1:9 x --timeout" "mcast join" "mcast send 228.5.6.7:9"; do
    # shellcheck disable=SC2086
    run usage "$MW" $args
    if [ "$RC" -eq 2 ] && [ ! -s "$TMP/usage.out" ] && grep -q 'usage: midway' "$TMP/usage.err"; then
        ok "midway $args: $(head -n1 "$TMP/usage.err") -> exit 2"
    else
        bad "midway $args: exit $RC, expected 2 with usage on stderr"
        show usage
    fi
done

# --- bad values: one line on stderr, exit 2 ---------------------------------------------

check_value_error() {
    local desc=$1
    shift
    run value "$MW" "$@"
    expect_fail value 2 "$desc"
    [ "$RC" -eq 2 ] && expect_one_line value
}
check_value_error "bad address (no port)" udp send 127.0.0.1 hello
check_value_error "bad address (unclosed bracket)" udp send '[::1:80' hello
check_value_error "bad address (garbage port)" tcp send 127.0.0.1:http80 hello
check_value_error "port out of range in HOST:PORT" udp send 127.0.0.1:70000 hello
check_value_error "port out of range in HOST:PORT (tcp)" tcp send 127.0.0.1:70000 hello
check_value_error "--port out of range" udp serve --port 70000
check_value_error "--port out of range (tcp)" tcp serve --port 70000
check_value_error "--port not a number" tcp serve --port seven
check_value_error "--timeout negative" udp send 127.0.0.1:9 hello --timeout -5
check_value_error "--count zero" udp serve --count 0
check_value_error "--ttl out of range" mcast send 228.5.6.7:9 hi --ttl 300
check_value_error "mcast join of a unicast address" mcast join 127.0.0.1:5000
check_value_error "mcast send to a unicast address" mcast send 10.1.2.3:5000 hi

# --- runtime errors: exit 1 -------------------------------------------------------------

T0=$(date +%s%N)
run unknown_host "$MW" udp send no-such-host.invalid:6789 hello
T1=$(date +%s%N)
expect_fail unknown_host 1 "udp send to an unknown host"
ms=$(((T1 - T0) / 1000000))
if [ "$ms" -lt 5000 ]; then ok "unknown host fails fast (${ms} ms)"; else bad "unknown host took ${ms} ms"; fi
run unknown_host_tcp "$MW" tcp send no-such-host.invalid:7896 hello
expect_fail unknown_host_tcp 1 "tcp send to an unknown host"

# A port that was free a moment ago: a server's, after the server is gone.
if start_server probe "$MW" udp serve --port 0 --bind 127.0.0.1; then
    DEAD_PORT=$PORT
    kill "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    T0=$(date +%s%N)
    run no_server "$MW" udp send "127.0.0.1:$DEAD_PORT" hello --timeout 300
    T1=$(date +%s%N)
    expect_fail no_server 1 "udp send to a port with no server"
    if grep -q 'timed out' "$TMP/no_server.err"; then ok "the message says it timed out"; else bad "no 'timed out' in: $(cat "$TMP/no_server.err")"; fi
    ms=$(((T1 - T0) / 1000000))
    if [ "$ms" -ge 250 ] && [ "$ms" -lt 5000 ]; then ok "--timeout 300 waited ${ms} ms"; else bad "--timeout 300 waited ${ms} ms"; fi
    run no_server_tcp "$MW" tcp send "127.0.0.1:$DEAD_PORT" hello --timeout 1000
    expect_fail no_server_tcp 1 "tcp send to a port with no server"
fi

run bad_if "$MW" mcast join 228.5.6.7:0 --if no-such-if0 --timeout 100
expect_fail bad_if 1 "mcast join on an unknown interface"

# --- UDP round trips --------------------------------------------------------------------

if start_server udp_serve "$MW" udp serve --port 0 --count 2; then
    SERVER=$PID
    run udp_v4 "$MW" udp send "127.0.0.1:$PORT" "hello over IPv4"
    expect_out udp_v4 "Reply: hello over IPv4" "udp send 127.0.0.1:$PORT"
    if have_ipv6; then
        run udp_v6 "$MW" udp send "[::1]:$PORT" "hello over IPv6" --timeout 2000
        expect_out udp_v6 "Reply: hello over IPv6" "udp send [::1]:$PORT"
    else
        echo "skip  udp send [::1]: this host has no IPv6 loopback"
        run udp_v6 "$MW" udp send "localhost:$PORT" "hello over IPv6"
    fi
    if wait_exit "$SERVER" && [ "$RC" -eq 0 ]; then
        ok "udp serve --count 2 exits 0 after two datagrams"
    else
        bad "udp serve --count 2 did not exit cleanly (status $RC)"
        show udp_serve
    fi
    if grep -Eq '^from 127\.0\.0\.1:[0-9]+: hello over IPv4$' "$TMP/udp_serve.out"; then
        ok "udp serve logs 'from 127.0.0.1:PORT: hello over IPv4'"
    else
        bad "udp serve log lacks the IPv4 datagram"
        show udp_serve
    fi
    if have_ipv6; then
        if grep -Eq '^from \[::1\]:[0-9]+: hello over IPv6$' "$TMP/udp_serve.out"; then
            ok "udp serve logs 'from [::1]:PORT: hello over IPv6'"
        else
            bad "udp serve log lacks the IPv6 datagram"
            show udp_serve
        fi
    fi
fi

if have_ipv6 && start_server udp_serve6 "$MW" udp serve --port 0 --bind ::1 --count 1; then
    SERVER=$PID
    if [[ $LINE == "listening on [::1]:"* ]]; then ok "udp serve --bind ::1 listens on [::1]"; else bad "udp serve --bind ::1: $LINE"; fi
    run udp_v6b "$MW" udp send "[::1]:$PORT" $'tab\there, backslash \\ end'
    expect_out udp_v6b 'Reply: tab\there, backslash \\ end' "udp send escapes control bytes and backslashes"
    if wait_exit "$SERVER" && [ "$RC" -eq 0 ]; then
        ok "udp serve --count 1 exits 0"
    else
        bad "udp serve --bind ::1 --count 1 did not exit cleanly (status $RC)"
        show udp_serve6
    fi
fi

# --- TCP round trips --------------------------------------------------------------------

# Latin-1 accents, CJK, and U+1D11E (4 bytes in UTF-8, a surrogate pair in modified UTF-8).
MSG=$'h\xc3\xa9llo w\xc3\xb6rld \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9d\x84\x9e'
if start_server tcp_serve "$MW" tcp serve --port 0 --count 2; then
    SERVER=$PID
    run tcp_v4 "$MW" tcp send "127.0.0.1:$PORT" "$MSG"
    expect_out tcp_v4 "Received: $MSG" "tcp send 127.0.0.1:$PORT with a non-ASCII message"
    if have_ipv6; then
        run tcp_v6 "$MW" tcp send "[::1]:$PORT" "plain ascii" --timeout 3000
        expect_out tcp_v6 "Received: plain ascii" "tcp send [::1]:$PORT"
    else
        run tcp_v6 "$MW" tcp send "localhost:$PORT" "plain ascii" --timeout 3000
        expect_out tcp_v6 "Received: plain ascii" "tcp send localhost:$PORT"
    fi
    if wait_exit "$SERVER" && [ "$RC" -eq 0 ]; then
        ok "tcp serve --count 2 exits 0 after two connections"
    else
        bad "tcp serve --count 2 did not exit cleanly (status $RC)"
        show tcp_serve
    fi
    if grep -E '^from 127\.0\.0\.1:[0-9]+: ' "$TMP/tcp_serve.out" | grep -Fq ": $MSG"; then
        ok "tcp serve logs the message as sent"
    else
        bad "tcp serve log lacks the message"
        show tcp_serve
    fi
fi

run tcp_bad_utf8 "$MW" tcp send 127.0.0.1:9 $'bad \xff byte'
expect_fail tcp_bad_utf8 2 "tcp send of a message that is not UTF-8"

# --- multicast --------------------------------------------------------------------------

start mcast_join "$MW" mcast join 228.5.6.7:0 --if lo --count 2 --timeout 10000
JOINER=$PID
if wait_line "$TMP/mcast_join.err" '^joined 228\.5\.6\.7:[0-9]+ on lo$'; then
    ok "mcast join prints '$LINE'"
    MPORT=${LINE% on lo}
    MPORT=${MPORT##*:}
    run mcast_send1 "$MW" mcast send "228.5.6.7:$MPORT" "first message" --if lo
    expect_out mcast_send1 "" "mcast send #1 exits 0, prints nothing"
    run mcast_send2 "$MW" mcast send "228.5.6.7:$MPORT" "second message" --if lo --ttl 1
    expect_out mcast_send2 "" "mcast send #2 (--ttl 1) exits 0, prints nothing"
    if wait_exit "$JOINER" && [ "$RC" -eq 0 ]; then
        ok "mcast join --count 2 exits 0 after two messages"
    else
        bad "mcast join --count 2: status $RC"
        show mcast_join
    fi
    if [ "$(wc -l <"$TMP/mcast_join.out")" -eq 2 ] &&
        sed -n 1p "$TMP/mcast_join.out" | grep -Eq $'^[0-9.]+:[0-9]+\tfirst message$' &&
        sed -n 2p "$TMP/mcast_join.out" | grep -Eq $'^[0-9.]+:[0-9]+\tsecond message$'; then
        ok "mcast join prints 'SENDER_ADDR<TAB>MSG' for both messages"
    else
        bad "mcast join output"
        show mcast_join
    fi
else
    bad "mcast join: no 'joined' line"
    show mcast_join
fi

run mcast_timeout "$MW" mcast join 228.5.6.7:0 --if lo --count 1 --timeout 200
expect_fail mcast_timeout 1 "mcast join --count 1 --timeout 200 with no sender"
run mcast_listen "$MW" mcast join 228.5.6.7:0 --if lo --timeout 100
if [ "$RC" -eq 0 ]; then ok "mcast join --timeout without --count ends with exit 0"; else bad "mcast join --timeout 100: exit $RC"; show mcast_listen; fi

echo "# $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]

#!/usr/bin/env bash
# test_cli_net.sh BUILD_DIR - the `midway` tool's udp, tcp and mcast commands, run against
# each other as real processes on loopback: round trips, output formats, exit codes, help.
#
# Servers listen on port 0 and the test reads the port from their 'listening on' line.
# Every command runs under `timeout`; background processes are killed on exit; waits are
# bounded polling loops.
set -u

BUILD=${1:?usage: test_cli_net.sh BUILD_DIR}
. "$(dirname "$0")/../lib.sh"
MW=$BUILD/bin/midway
mw_need_built "$MW"

echo "# midway: $MW"

# --- help and version ------------------------------------------------------------------

for args in "--help" "help" "-h" "help udp" "help tcp" "help mcast" \
    "udp --help" "tcp --help" "mcast --help" \
    "udp serve --help" "udp send --help" "tcp serve --help" "tcp send --help" \
    "mcast join --help" "mcast send --help" "udp send -h"; do
    # shellcheck disable=SC2086
    mw_expect_help "$MW" $args
done

mw_run version "$MW" --version
if [ "$MW_RC" -eq 0 ] && grep -Eq '^midway [0-9]+\.[0-9]+\.[0-9]+$' "$MW_TMP/version.out"; then
    mw_pass "midway --version: $(cat "$MW_TMP/version.out")"
else
    mw_fail "midway --version (exit $MW_RC)"
    mw_show version
fi

# --- usage errors: usage on stderr, exit 2 ----------------------------------------------

for args in "" "frobnicate" "--bogus" "udp" "udp frobnicate" "udp serve --bogus" \
    "udp serve extra" "udp send" "udp send 127.0.0.1:9" "tcp send 127.0.0.1:9" \
    "udp serve --port" "udp send 127.0.0.1:9 x --timeout" "mcast join" "mcast send 228.5.6.7:9"; do
    # shellcheck disable=SC2086
    mw_expect_usage "$MW" $args
done

# --- bad values: one line on stderr, exit 2 ---------------------------------------------

mw_expect_value_error "bad address (no port)" "$MW" udp send 127.0.0.1 hello
mw_expect_value_error "bad address (unclosed bracket)" "$MW" udp send '[::1:80' hello
mw_expect_value_error "bad address (garbage port)" "$MW" tcp send 127.0.0.1:http80 hello
mw_expect_value_error "port out of range in HOST:PORT" "$MW" udp send 127.0.0.1:70000 hello
mw_expect_value_error "port out of range in HOST:PORT (tcp)" "$MW" tcp send 127.0.0.1:70000 hello
mw_expect_value_error "--port out of range" "$MW" udp serve --port 70000
mw_expect_value_error "--port out of range (tcp)" "$MW" tcp serve --port 70000
mw_expect_value_error "--port not a number" "$MW" tcp serve --port seven
mw_expect_value_error "--timeout negative" "$MW" udp send 127.0.0.1:9 hello --timeout -5
mw_expect_value_error "--count zero" "$MW" udp serve --count 0
mw_expect_value_error "--ttl out of range" "$MW" mcast send 228.5.6.7:9 hi --ttl 300
mw_expect_value_error "mcast join of a unicast address" "$MW" mcast join 127.0.0.1:5000
mw_expect_value_error "mcast send to a unicast address" "$MW" mcast send 10.1.2.3:5000 hi

# --- runtime errors: exit 1 -------------------------------------------------------------

T0=$(date +%s%N)
mw_run unknown_host "$MW" udp send no-such-host.invalid:6789 hello
T1=$(date +%s%N)
mw_expect_fail unknown_host 1 "udp send to an unknown host"
ms=$(((T1 - T0) / 1000000))
if [ "$ms" -lt 5000 ]; then mw_pass "unknown host fails fast (${ms} ms)"; else mw_fail "unknown host took ${ms} ms"; fi
mw_run unknown_host_tcp "$MW" tcp send no-such-host.invalid:7896 hello
mw_expect_fail unknown_host_tcp 1 "tcp send to an unknown host"

# A port that was free a moment ago: a server's, after the server is gone.
if mw_start_server probe 60 "$MW" udp serve --port 0 --bind 127.0.0.1; then
    DEAD_PORT=$MW_PORT
    kill "${MW_PID[probe]}" 2>/dev/null
    mw_wait_exit probe 2>/dev/null
    T0=$(date +%s%N)
    mw_run no_server "$MW" udp send "127.0.0.1:$DEAD_PORT" hello --timeout 300
    T1=$(date +%s%N)
    mw_expect_fail no_server 1 "udp send to a port with no server"
    if grep -q 'timed out' "$MW_TMP/no_server.err"; then mw_pass "the message says it timed out"; else mw_fail "no 'timed out' in: $(cat "$MW_TMP/no_server.err")"; fi
    ms=$(((T1 - T0) / 1000000))
    if [ "$ms" -ge 250 ] && [ "$ms" -lt 5000 ]; then mw_pass "--timeout 300 waited ${ms} ms"; else mw_fail "--timeout 300 waited ${ms} ms"; fi
    mw_run no_server_tcp "$MW" tcp send "127.0.0.1:$DEAD_PORT" hello --timeout 1000
    mw_expect_fail no_server_tcp 1 "tcp send to a port with no server"
fi

mw_run bad_if "$MW" mcast join 228.5.6.7:0 --if no-such-if0 --timeout 100
mw_expect_fail bad_if 1 "mcast join on an unknown interface"

# --- UDP round trips --------------------------------------------------------------------

if mw_start_server udp_serve 60 "$MW" udp serve --port 0 --count 2; then
    mw_run udp_v4 "$MW" udp send "127.0.0.1:$MW_PORT" "hello over IPv4"
    mw_expect_out udp_v4 "Reply: hello over IPv4" "udp send 127.0.0.1:$MW_PORT"
    if mw_have_ipv6; then
        mw_run udp_v6 "$MW" udp send "[::1]:$MW_PORT" "hello over IPv6" --timeout 2000
        mw_expect_out udp_v6 "Reply: hello over IPv6" "udp send [::1]:$MW_PORT"
    else
        echo "skip udp send [::1]: this host has no IPv6 loopback"
        mw_run udp_v6 "$MW" udp send "localhost:$MW_PORT" "hello over IPv6"
    fi
    mw_expect_exit udp_serve "udp serve --count 2 exits 0 after two datagrams"
    if grep -Eq '^from 127\.0\.0\.1:[0-9]+: hello over IPv4$' "$MW_TMP/udp_serve.out"; then
        mw_pass "udp serve logs 'from 127.0.0.1:PORT: hello over IPv4'"
    else
        mw_fail "udp serve log lacks the IPv4 datagram"
        mw_show udp_serve
    fi
    if mw_have_ipv6; then
        if grep -Eq '^from \[::1\]:[0-9]+: hello over IPv6$' "$MW_TMP/udp_serve.out"; then
            mw_pass "udp serve logs 'from [::1]:PORT: hello over IPv6'"
        else
            mw_fail "udp serve log lacks the IPv6 datagram"
            mw_show udp_serve
        fi
    fi
fi

if mw_have_ipv6 && mw_start_server udp_serve6 60 "$MW" udp serve --port 0 --bind ::1 --count 1; then
    if [[ $MW_LINE == "listening on [::1]:"* ]]; then mw_pass "udp serve --bind ::1 listens on [::1]"; else mw_fail "udp serve --bind ::1: $MW_LINE"; fi
    mw_run udp_v6b "$MW" udp send "[::1]:$MW_PORT" $'tab\there, backslash \\ end'
    mw_expect_out udp_v6b 'Reply: tab\there, backslash \\ end' "udp send escapes control bytes and backslashes"
    mw_expect_exit udp_serve6 "udp serve --count 1 exits 0"
fi

# --- TCP round trips --------------------------------------------------------------------

# Latin-1 accents, CJK, and U+1D11E (4 bytes in UTF-8, a surrogate pair in modified UTF-8).
MSG=$'h\xc3\xa9llo w\xc3\xb6rld \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9d\x84\x9e'
if mw_start_server tcp_serve 60 "$MW" tcp serve --port 0 --count 2; then
    mw_run tcp_v4 "$MW" tcp send "127.0.0.1:$MW_PORT" "$MSG"
    mw_expect_out tcp_v4 "Received: $MSG" "tcp send 127.0.0.1:$MW_PORT with a non-ASCII message"
    if mw_have_ipv6; then
        mw_run tcp_v6 "$MW" tcp send "[::1]:$MW_PORT" "plain ascii" --timeout 3000
        mw_expect_out tcp_v6 "Received: plain ascii" "tcp send [::1]:$MW_PORT"
    else
        mw_run tcp_v6 "$MW" tcp send "localhost:$MW_PORT" "plain ascii" --timeout 3000
        mw_expect_out tcp_v6 "Received: plain ascii" "tcp send localhost:$MW_PORT"
    fi
    mw_expect_exit tcp_serve "tcp serve --count 2 exits 0 after two connections"
    if grep -E '^from 127\.0\.0\.1:[0-9]+: ' "$MW_TMP/tcp_serve.out" | grep -Fq ": $MSG"; then
        mw_pass "tcp serve logs the message as sent"
    else
        mw_fail "tcp serve log lacks the message"
        mw_show tcp_serve
    fi
fi

mw_run tcp_bad_utf8 "$MW" tcp send 127.0.0.1:9 $'bad \xff byte'
mw_expect_fail tcp_bad_utf8 2 "tcp send of a message that is not UTF-8"

# --- multicast --------------------------------------------------------------------------

mw_start mcast_join 60 "$MW" mcast join 228.5.6.7:0 --if lo --count 2 --timeout 10000
if mw_wait_err_line mcast_join '^joined 228\.5\.6\.7:[0-9]+ on lo$'; then
    mw_pass "mcast join prints '$MW_LINE'"
    MPORT=${MW_LINE% on lo}
    MPORT=${MPORT##*:}
    mw_run mcast_send1 "$MW" mcast send "228.5.6.7:$MPORT" "first message" --if lo
    mw_expect_out mcast_send1 "" "mcast send #1 exits 0, prints nothing"
    mw_run mcast_send2 "$MW" mcast send "228.5.6.7:$MPORT" "second message" --if lo --ttl 1
    mw_expect_out mcast_send2 "" "mcast send #2 (--ttl 1) exits 0, prints nothing"
    mw_expect_exit mcast_join "mcast join --count 2 exits 0 after two messages"
    if [ "$(wc -l <"$MW_TMP/mcast_join.out")" -eq 2 ] &&
        sed -n 1p "$MW_TMP/mcast_join.out" | grep -Eq $'^[0-9.]+:[0-9]+\tfirst message$' &&
        sed -n 2p "$MW_TMP/mcast_join.out" | grep -Eq $'^[0-9.]+:[0-9]+\tsecond message$'; then
        mw_pass "mcast join prints 'SENDER_ADDR<TAB>MSG' for both messages"
    else
        mw_fail "mcast join output"
        mw_show mcast_join
    fi
else
    mw_fail "mcast join: no 'joined' line"
fi

mw_run mcast_timeout "$MW" mcast join 228.5.6.7:0 --if lo --count 1 --timeout 200
mw_expect_fail mcast_timeout 1 "mcast join --count 1 --timeout 200 with no sender"
mw_run mcast_listen "$MW" mcast join 228.5.6.7:0 --if lo --timeout 100
if [ "$MW_RC" -eq 0 ]; then mw_pass "mcast join --timeout without --count ends with exit 0"; else mw_fail "mcast join --timeout 100: exit $MW_RC"; mw_show mcast_listen; fi

mw_finish

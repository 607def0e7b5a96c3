#!/usr/bin/env bash
# test_examples.sh BUILD_DIR - runs the C programs of the figures against each other on
# loopback, with free ports, and checks what a user would check: the reply is the
# message, servers serve several clients, failures are reported clearly with a non-zero
# exit status.
set -uo pipefail
BUILD=$(cd "${1:?usage: test_examples.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"
BIN=$BUILD/bin

# --- Figures 4.3 and 4.4: UDP client and echo server -----------------------------------
echo "== UDP (Figures 4.3, 4.4)"
mw_start udp 60 "$BIN/udp_server" --port 0 --bind 127.0.0.1 --verbose --count 3
port=$(mw_port_of udp) || exit 1
for msg in "Hello, Midway" "héllo wörld € 😀" ""; do
    got=$(timeout -k 5 20 "$BIN/udp_client" --port "$port" -- "$msg" 127.0.0.1)
    mw_expect_eq "udp_client '$msg': the reply is the message" "Reply: $msg" "$got"
done
mw_check "udp_server --count 3 exits with status 0 after 3 datagrams" mw_wait_exit udp
mw_check "udp_server --verbose printed each echo" \
    test "$(grep -c '^echoed [0-9]* bytes to 127\.0\.0\.1:' "$(mw_out udp)")" -eq 3
mw_check "udp_server counted the bytes, not the characters" \
    grep -q '^echoed 22 bytes to .*: héllo wörld € 😀$' "$(mw_out udp)"

# A port where nobody answers: the client gives up after its timeout.
mw_start lonely 20 "$BIN/udp_server" --port 0 --bind 127.0.0.1
port=$(mw_port_of lonely) || exit 1
kill "${MW_PID[lonely]}"
mw_wait_exit lonely
timeout -k 5 20 "$BIN/udp_client" --timeout 300 hello 127.0.0.1 --port "$port" \
    >"$MW_TMP/noreply.out" 2>"$MW_TMP/noreply.err"
mw_expect_eq "udp_client without a server exits with status 1" 1 "$?"
mw_check "... and says it timed out" grep -q "IO: timed out" "$MW_TMP/noreply.err"

# Two servers on one port: the second reports the clash.
mw_start udp1 30 "$BIN/udp_server" --port 0 --bind 127.0.0.1
port=$(mw_port_of udp1) || exit 1
timeout -k 5 20 "$BIN/udp_server" --port "$port" --bind 127.0.0.1 \
    >"$MW_TMP/clash.out" 2>"$MW_TMP/clash.err"
mw_expect_eq "a second udp_server on a busy port exits with status 1" 1 "$?"
mw_check "... and says the address is in use" \
    grep -q "address already in use" "$MW_TMP/clash.err"

timeout -k 5 20 "$BIN/udp_client" >/dev/null 2>"$MW_TMP/usage.err"
mw_expect_eq "udp_client without arguments exits with status 2" 2 "$?"
mw_check "... and prints its usage" grep -q "^usage: udp_client MESSAGE HOST" \
    "$MW_TMP/usage.err"

# --- Figures 4.5 and 4.6: TCP client and threaded echo server ---------------------------
echo "== TCP (Figures 4.5, 4.6)"
mw_start tcp 120 "$BIN/tcp_server" --port 0 --bind 127.0.0.1 --verbose
port=$(mw_port_of tcp) || exit 1
for msg in "Hello, Midway" "héllo wörld € 😀" ""; do
    got=$(timeout -k 5 20 "$BIN/tcp_client" --port "$port" -- "$msg" 127.0.0.1)
    mw_expect_eq "tcp_client '$msg': the reply is the message" "Received: $msg" "$got"
done

# One thread per connection: a client that says nothing does not hold up the others.
exec 3<>"/dev/tcp/127.0.0.1/$port"
for i in 1 2 3 4 5 6 7 8; do
    mw_start "client$i" 20 "$BIN/tcp_client" "client number $i" 127.0.0.1 --port "$port"
done
all_back=true
for i in 1 2 3 4 5 6 7 8; do
    mw_wait_exit "client$i" || all_back=false
    [ "$(cat "$(mw_out "client$i")")" = "Received: client number $i" ] || all_back=false
done
mw_check "8 concurrent clients get their own messages back while one is silent" $all_back
# The silent client hangs up: the server reports the end of stream, as the figure's EOF:.
exec 3>&-
mw_check "tcp_server reports a client that hung up without a request (EOF:)" \
    mw_wait_err tcp "tcp_server: EOF: end of stream (from 127.0.0.1:" 10
got=$(timeout -k 5 20 "$BIN/tcp_client" "still serving" 127.0.0.1 --port "$port")
mw_expect_eq "tcp_server goes on serving afterwards" "Received: still serving" "$got"

# writeUTF frames at most 65535 bytes: a longer message is refused, nothing is sent.
big=$(head -c 70000 /dev/zero | tr '\0' a)
timeout -k 5 20 "$BIN/tcp_client" "$big" 127.0.0.1 --port "$port" >/dev/null \
    2>"$MW_TMP/big.err"
mw_expect_eq "tcp_client with a 70000-byte message exits with status 1" 1 "$?"
mw_check "... and says the message is too large" grep -q "message too large" \
    "$MW_TMP/big.err"

mw_start tcp2 60 "$BIN/tcp_server" --port 0 --bind 127.0.0.1 --count 2
port2=$(mw_port_of tcp2) || exit 1
timeout -k 5 20 "$BIN/tcp_client" one 127.0.0.1 --port "$port2" >/dev/null
timeout -k 5 20 "$BIN/tcp_client" two 127.0.0.1 --port "$port2" >/dev/null
mw_check "tcp_server --count 2 exits with status 0 after 2 connections" mw_wait_exit tcp2
timeout -k 5 20 "$BIN/tcp_client" hello 127.0.0.1 --port "$port2" >/dev/null \
    2>"$MW_TMP/refused.err"
mw_expect_eq "tcp_client without a server exits with status 1" 1 "$?"
mw_check "... and says the connection was refused" grep -q "connection refused" \
    "$MW_TMP/refused.err"
timeout -k 5 20 "$BIN/tcp_client" hello no-such-host.invalid >/dev/null 2>"$MW_TMP/host.err"
mw_expect_eq "tcp_client to an unknown host exits with status 1" 1 "$?"
mw_check "... and says the host was not found (Sock:)" \
    grep -q "Sock: no-such-host.invalid: host not found" "$MW_TMP/host.err"

# --- Figure 4.20: multicast peers --------------------------------------------------------
echo "== Multicast (Figure 4.20)"
# A peer hears only what is sent after it joined, so each peer is started once the
# previous one has printed its own message (it has joined). p3 uses the default group.
PORT=$(mw_free_udp_port)
PEER=("$BIN/multicast_peer" --port "$PORT" --if lo --timeout 10000)
mw_start p1 30 "${PEER[@]}" "one" 228.5.6.7
mw_wait_text p1 "Received:one" || exit 1
mw_start p2 30 "${PEER[@]}" --count 2 "two: é € 😀" 228.5.6.7
mw_wait_text p2 "Received:two: é € 😀" || exit 1
mw_start p3 30 "${PEER[@]}" --count 1 "three"
for p in p1 p2 p3; do
    mw_check "multicast_peer $p exits with status 0" mw_wait_exit $p
done
mw_expect_eq "p1 received its own message and those of p2 and p3" \
    "$(printf '%s\n' "Received:one" "Received:two: é € 😀" "Received:three")" \
    "$(cat "$(mw_out p1)")"
mw_expect_eq "p2 received its own message and that of p3" \
    "$(printf '%s\n' "Received:two: é € 😀" "Received:three")" "$(cat "$(mw_out p2)")"
mw_expect_eq "p3 received its own message" "Received:three" "$(cat "$(mw_out p3)")"

timeout -k 5 20 "$BIN/multicast_peer" alone 228.5.6.7 --port "$(mw_free_udp_port)" --if lo \
    --timeout 300 >"$MW_TMP/alone.out" 2>"$MW_TMP/alone.err"
mw_expect_eq "a peer alone in its group exits with status 1 after its timeout" 1 "$?"
mw_check "... having received its own message" grep -qx "Received:alone" "$MW_TMP/alone.out"
mw_check "... and says it timed out after 1 of 3" \
    grep -q "timed out (received 1 of 3" "$MW_TMP/alone.err"
timeout -k 5 20 "$BIN/multicast_peer" hello 127.0.0.1 --if lo >/dev/null 2>"$MW_TMP/uni.err"
mw_expect_eq "multicast_peer with a unicast group exits with status 1" 1 "$?"
mw_check "... and says it is not a multicast group" \
    grep -q "not a multicast group address" "$MW_TMP/uni.err"

mw_finish

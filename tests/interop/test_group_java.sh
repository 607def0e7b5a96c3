#!/usr/bin/env bash
# test_group_java.sh BUILD_DIR - the book's Java MulticastPeer (Figure 4.20) and our
# `midway group join` (a plain group: no header, one datagram per message) in one
# multicast group on the loopback interface, each printing the other's messages; and
# `midway group send`, which the Java peer hears too.
#
# A peer hears only what is sent after it joined, so each step waits for proof of the
# previous peer's membership (it printed its own message) before the next one sends:
#   1. midway joins and sends; it delivers its own message (1 of 3).
#   2. Java joins and sends; it receives its own (1 of 3), midway receives it (2 of 3).
#   3. midway group send sends two: Java receives both (3 of 3), midway the first (3).
set -uo pipefail
BUILD=$(cd "${1:?usage: test_group_java.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/lib.sh"
mw_need_java
mw_java_classes || exit 1
MW=$BUILD/bin/midway

GROUP=228.5.6.7
PORT=$(mw_free_udp_port)
echo "group $GROUP port $PORT on lo"

mw_start c1 60 "$MW" group join "$GROUP:$PORT" --if lo --count 3 --timeout 20000 \
    --send "hello from midway"
mw_wait_line c1 $'\thello from midway$' || exit 1
mw_start java 60 "${MW_JAVA[@]}" -Dmidway.if=lo -Dmidway.timeout=10000 \
    MulticastPeer "héllo from Java ☕" "$GROUP" "$PORT"
mw_wait_text java "Received:héllo from Java ☕" || exit 1
mw_wait_line c1 $'\théllo from Java ☕$' || exit 1
mw_check "midway group send: two datagrams" \
    timeout -k 5 10 "$MW" group send "$GROUP:$PORT" "second from midway" "third from midway" --if lo

mw_check "midway group join ends with status 0 after 3 messages" mw_wait_exit c1
mw_check "Java MulticastPeer ends after 3 messages" mw_wait_exit java
mw_expect_eq "midway delivered its own, Java's and the first sent message" \
    "$(printf '%s\n' "hello from midway" "héllo from Java ☕" "second from midway")" \
    "$(cut -f2- "$(mw_out c1)")"
mw_check "midway names each sender by ADDR:PORT" \
    test "$(grep -cE $'^[0-9.]+:[0-9]+\t' "$(mw_out c1)")" -eq 3
mw_expect_eq "Java MulticastPeer printed its own and midway's messages" \
    "$(printf '%s\n' "Received:héllo from Java ☕" "Received:second from midway" \
        "Received:third from midway")" "$(cat "$(mw_out java)")"
mw_finish

#!/usr/bin/env bash
# test_multicast.sh BUILD_DIR - Figure 4.20 across languages: the book's Java
# MulticastPeer and our multicast_peer in one group on the loopback interface, each
# printing the other's messages.
#
# A peer sends its message right after joining, so a peer only hears those who send
# after it joined. Each step below waits for the previous peer to print its own message
# (proof that it has joined) before starting the next, so no message can be missed:
#   1. c1 (C) joins and sends; receives its own.
#   2. java joins and sends; receives its own, c1 receives it (c1: 2 of 3).
#   3. c2 (C, --count 1) sends; c1 (3 of 3) and java (2 of 3) receive it.
#   4. c3 (C, --count 1) sends; java receives it (3 of 3).
set -uo pipefail
BUILD=$(cd "${1:?usage: test_multicast.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/lib.sh"
mw_need_java
mw_java_classes || exit 1

GROUP=228.5.6.7
PORT=$(mw_free_udp_port)
C_PEER=("$BUILD/bin/multicast_peer" --port "$PORT" --if lo --timeout 10000)
echo "group $GROUP port $PORT on lo"

mw_start c1 60 "${C_PEER[@]}" "hello from C" "$GROUP"
mw_wait_text c1 "Received:hello from C" || exit 1
mw_start java 60 "${MW_JAVA[@]}" -Dmidway.if=lo -Dmidway.timeout=10000 \
    MulticastPeer "héllo from Java ☕" "$GROUP" "$PORT"
mw_wait_text java "Received:héllo from Java ☕" || exit 1
mw_start c2 60 "${C_PEER[@]}" --count 1 "second from C 😀" "$GROUP"
mw_check "c2 ends after receiving its own message" mw_wait_exit c2
mw_start c3 60 "${C_PEER[@]}" --count 1 "third from C" "$GROUP"
mw_check "c3 ends after receiving its own message" mw_wait_exit c3

mw_check "multicast_peer c1 ends with status 0 after 3 messages" mw_wait_exit c1
mw_check "Java MulticastPeer ends after 3 messages" mw_wait_exit java
mw_expect_eq "multicast_peer printed its own, Java's and c2's messages" \
    "$(printf '%s\n' "Received:hello from C" "Received:héllo from Java ☕" \
        "Received:second from C 😀")" "$(cat "$(mw_out c1)")"
mw_expect_eq "Java MulticastPeer printed its own and both C peers' messages" \
    "$(printf '%s\n' "Received:héllo from Java ☕" "Received:second from C 😀" \
        "Received:third from C")" "$(cat "$(mw_out java)")"
mw_finish

#!/usr/bin/env bash
# test_udp.sh BUILD_DIR java-client|c-client - Figures 4.3 and 4.4 across languages:
#   java-client: the book's Java UDPClient against our udp_server;
#   c-client:    our udp_client against the book's Java UDPServer.
# The client must print "Reply: MESSAGE" for an ASCII message and for one whose UTF-8 has
# 2-, 3- and 4-byte characters (UDP carries the bytes as they are).
set -uo pipefail
BUILD=$(cd "${1:?usage: test_udp.sh BUILD_DIR java-client|c-client}" && pwd)
MODE=${2:?usage: test_udp.sh BUILD_DIR java-client|c-client}
. "$(dirname "$0")/lib.sh"
mw_need_java
mw_java_classes || exit 1

MESSAGES=("Hello from Midway" "héllo wörld: é ü € 😀 (2, 3 and 4 bytes of UTF-8)")

case $MODE in
java-client)
    mw_start server 120 "$BUILD/bin/udp_server" --port 0 --bind 127.0.0.1 --verbose
    port=$(mw_port_of server) || exit 1
    for msg in "${MESSAGES[@]}"; do
        got=$(timeout -k 5 30 "${MW_JAVA[@]}" -Dmidway.timeout=5000 UDPClient "$msg" 127.0.0.1 \
            "$port")
        mw_expect_eq "Java UDPClient gets its message back from udp_server: $msg" \
            "Reply: $msg" "$got"
        bytes=$(printf '%s' "$msg" | wc -c)
        mw_check "udp_server reports echoing the $bytes bytes" \
            mw_wait_substr server "echoed $bytes bytes to 127.0.0.1:" 5
    done
    ;;
c-client)
    mw_start server 120 "${MW_JAVA[@]}" UDPServer 0
    port=$(mw_port_of server) || exit 1
    for msg in "${MESSAGES[@]}"; do
        got=$(timeout -k 5 30 "$BUILD/bin/udp_client" --timeout 5000 --port "$port" -- "$msg" \
            127.0.0.1)
        status=$?
        mw_expect_eq "udp_client gets its message back from Java UDPServer: $msg" \
            "Reply: $msg" "$got"
        mw_expect_eq "udp_client exits with status 0" 0 "$status"
    done
    ;;
*)
    echo "unknown mode $MODE"
    exit 2
    ;;
esac
mw_finish

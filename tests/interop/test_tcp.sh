#!/usr/bin/env bash
# test_tcp.sh BUILD_DIR java-client|c-client - Figures 4.5 and 4.6 across languages:
#   java-client: the book's Java TCPClient against our tcp_server;
#   c-client:    our tcp_client against the book's Java TCPServer.
# Both sides frame strings with DataOutputStream.writeUTF / DataInputStream.readUTF: a
# 2-byte length and Java's modified UTF-8, in which a character outside the BMP (the
# emoji) is two 3-byte surrogates rather than UTF-8's 4 bytes; Java's readUTF rejects the
# 4-byte form. The messages: ASCII; 2-, 3- and 4-byte UTF-8 characters; empty; long.
set -uo pipefail
BUILD=$(cd "${1:?usage: test_tcp.sh BUILD_DIR java-client|c-client}" && pwd)
MODE=${2:?usage: test_tcp.sh BUILD_DIR java-client|c-client}
. "$(dirname "$0")/lib.sh"
mw_need_java
mw_java_classes || exit 1

long=$(printf 'ab€%.0s' $(seq 10000)) # 50000 bytes of modified UTF-8, near the 65535 limit
MESSAGES=("Hello from Midway" "héllo wörld: é ü € 😀 (2, 3 and 4 bytes of UTF-8)" "" "$long")
LABELS=("ASCII" "é (2 bytes), € (3 bytes), 😀 (4 bytes, a surrogate pair)" "empty"
    "long (50000 bytes)")

case $MODE in
java-client)
    mw_start server 120 "$BUILD/bin/tcp_server" --port 0 --bind 127.0.0.1 --verbose
    port=$(mw_port_of server) || exit 1
    for i in "${!MESSAGES[@]}"; do
        msg=${MESSAGES[$i]}
        got=$(timeout -k 5 30 "${MW_JAVA[@]}" -Dmidway.timeout=5000 TCPClient "$msg" 127.0.0.1 \
            "$port")
        mw_expect_eq "Java TCPClient gets its string back from tcp_server: ${LABELS[$i]}" \
            "Received: $msg" "$got"
    done
    mw_check "tcp_server reports no error" test ! -s "$(mw_err server)"
    ;;
c-client)
    mw_start server 120 "${MW_JAVA[@]}" TCPServer 0
    port=$(mw_port_of server) || exit 1
    for i in "${!MESSAGES[@]}"; do
        msg=${MESSAGES[$i]}
        got=$(timeout -k 5 30 "$BUILD/bin/tcp_client" --timeout 5000 --port "$port" -- "$msg" \
            127.0.0.1)
        status=$?
        mw_expect_eq "tcp_client gets its string back from Java TCPServer: ${LABELS[$i]}" \
            "Received: $msg" "$got"
        mw_expect_eq "tcp_client exits with status 0" 0 "$status"
    done
    # The Java server prints "EOF:..." or "IO:..." when it cannot read what we sent.
    mw_check "Java TCPServer reports no error" \
        test "$(grep -v '^listening on' "$(mw_out server)")" = ""
    ;;
*)
    echo "unknown mode $MODE"
    exit 2
    ;;
esac
mw_finish

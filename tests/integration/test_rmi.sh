#!/usr/bin/env bash
# test_rmi.sh BUILD_DIR - remote method invocation as processes on loopback: the naming
# server (`midway names`), the seeds' Hello example (hello_server, hello_client over UDP
# and TCP, found through --names and MIDWAY_NAMES), the Person example, the `midway names`
# client verbs, bindings surviving a restart of the naming server, a corrupt store
# refused, and clear failures when nothing answers.
set -uo pipefail
BUILD=$(cd "${1:?usage: test_rmi.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"
BIN=$BUILD/bin
STORE=$MW_TMP/names.store

# --- the naming server -------------------------------------------------------------------
echo "== midway names"
mw_start names 120 "$BIN/midway" names --port 0 --store "$STORE"
port=$(mw_port_of names) || exit 1
NAMES=127.0.0.1:$port
mw_check "names prints 'listening on' first" \
    test "$(head -n 1 "$(mw_out names)" | cut -d' ' -f1-2)" = "listening on"
mw_check "names with a new store says it holds nothing" \
    mw_wait_text names "store $STORE: 0 bindings"
mw_expect_eq "names list is empty" "" "$(timeout -k 5 20 "$BIN/midway" names list --names "$NAMES")"

# --- Hello (the seeds' IDL example) ------------------------------------------------------
echo "== hello_server and hello_client (Hello.idl, HelloClient.java)"
mw_start hello 60 "$BIN/hello_server" --names "$NAMES" --bind 127.0.0.1
mw_wait_text hello "HelloServer ready and waiting ..." || exit 1
ref=$(sed -nE 's/^bound "Hello" to (mwref:.*)$/\1/p' "$(mw_out hello)")
mw_check "hello_server printed the reference it bound" \
    grep -Eq '^mwref:127\.0\.0\.1:[0-9]+/[0-9]+/[0-9]+/HelloApp::Hello$' <<<"$ref"
mw_expect_eq "names list shows Hello" "Hello" \
    "$(timeout -k 5 20 "$BIN/midway" names list --names "$NAMES")"
mw_expect_eq "names resolve Hello gives the server's reference" "$ref" \
    "$(timeout -k 5 20 "$BIN/midway" names resolve Hello --names "$NAMES")"
mw_check "the naming server logged the bind" mw_wait_text names "rebind Hello $ref"

timeout -k 5 20 "$BIN/hello_client" --names "$NAMES" >"$MW_TMP/client.out" 2>"$MW_TMP/client.err"
mw_expect_eq "hello_client exits with status 0" 0 "$?"
mw_expect_eq "hello_client prints the handle, then the answer" \
    "Obtained a handle on server object: $ref
Hello world !!" "$(cat "$MW_TMP/client.out")"
mw_check "hello_server exits with status 0 after shutdown" mw_wait_exit hello
mw_check "... saying so" grep -qx "HelloServer exiting ..." "$(mw_out hello)"
timeout -k 5 20 "$BIN/midway" names resolve Hello --names "$NAMES" >/dev/null \
    2>"$MW_TMP/gone.err"
mw_expect_eq "the server took its name back: resolve Hello exits with status 1" 1 "$?"
mw_check "... not bound" grep -q "Hello: not bound" "$MW_TMP/gone.err"

# MIDWAY_NAMES instead of --names, and TCP for the object itself
echo "== the same over TCP, the naming server found through MIDWAY_NAMES"
MIDWAY_NAMES=$NAMES mw_start hello_tcp 60 "$BIN/hello_server" --tcp --bind 127.0.0.1
mw_wait_text hello_tcp "HelloServer ready and waiting ..." || exit 1
got=$(MIDWAY_NAMES=$NAMES timeout -k 5 20 "$BIN/hello_client" --tcp)
mw_expect_eq "hello_client --tcp exits with status 0" 0 "$?"
mw_expect_eq "... and prints the answer" "Hello world !!" "$(tail -n 1 <<<"$got")"
mw_check "hello_server --tcp exits with status 0 after shutdown" mw_wait_exit hello_tcp

# Nobody bound, nobody there
timeout -k 5 20 "$BIN/hello_client" --names "$NAMES" >"$MW_TMP/nohello.out" 2>&1
mw_expect_eq "hello_client with no Hello bound exits with status 1" 1 "$?"
mw_check "... and prints ERROR : ... no such entry" \
    grep -q '^ERROR : resolve "Hello" in the naming service: no such entry$' \
    "$MW_TMP/nohello.out"
timeout -k 5 20 "$BIN/hello_client" --names 127.0.0.1:9 >"$MW_TMP/nonames.out" 2>&1
mw_expect_eq "hello_client with no naming server exits with status 1" 1 "$?"
mw_check "... and says why" grep -Eq '^ERROR : .*(refused|timed out)' "$MW_TMP/nonames.out"

# A stale binding: the server was killed, so its name outlived it
mw_start hello_dead 60 "$BIN/hello_server" --names "$NAMES" --bind 127.0.0.1
mw_wait_text hello_dead "HelloServer ready and waiting ..." || exit 1
# (the server itself, not the timeout wrapper mw_start put around it)
{
    pkill -KILL -P "${MW_PID[hello_dead]}"
    mw_wait_exit hello_dead
} 2>/dev/null
start=$(date +%s)
timeout -k 5 30 "$BIN/hello_client" --names "$NAMES" >"$MW_TMP/dead.out" 2>&1
mw_expect_eq "hello_client calling a dead server exits with status 1" 1 "$?"
mw_check "... says the call failed" grep -Eq '^ERROR : sayHello: .*(refused|timed out)' \
    "$MW_TMP/dead.out"
mw_check "... within seconds" test $(($(date +%s) - start)) -lt 10

# A reference from an earlier incarnation: a new server on the same port refuses it
mw_start names_b 60 "$BIN/midway" names --port 0 --bind 127.0.0.1
port_b=$(mw_port_of names_b) || exit 1
mw_start hello_v1 60 "$BIN/hello_server" --names "$NAMES" --bind 127.0.0.1
hello_port=$(mw_port_of hello_v1) || exit 1
mw_wait_text hello_v1 "HelloServer ready and waiting ..." || exit 1
{
    pkill -KILL -P "${MW_PID[hello_v1]}"
    mw_wait_exit hello_v1
} 2>/dev/null
mw_start hello_v2 60 "$BIN/hello_server" --names "127.0.0.1:$port_b" --bind 127.0.0.1 \
    --port "$hello_port"
mw_wait_text hello_v2 "HelloServer ready and waiting ..." || exit 1
timeout -k 5 20 "$BIN/hello_client" --names "$NAMES" >"$MW_TMP/stale.out" 2>&1
mw_expect_eq "a reference to the killed server's object, now on a new server, fails" 1 "$?"
mw_check "... with no such remote object" \
    grep -q '^ERROR : sayHello: no such remote object$' "$MW_TMP/stale.out"
got=$(timeout -k 5 20 "$BIN/hello_client" --names "127.0.0.1:$port_b")
mw_expect_eq "the new server's own reference works" "Hello world !!" "$(tail -n 1 <<<"$got")"
mw_check "... and it exits after shutdown" mw_wait_exit hello_v2
kill -TERM "${MW_PID[names_b]}"
mw_expect_exit names_b "the second naming server exits with status 0 on SIGTERM" 20

timeout -k 5 20 "$BIN/midway" names unbind Hello --names "$NAMES" >/dev/null
mw_expect_eq "names unbind removes the stale binding" 0 "$?"

# --- Person (Figures 4.8-4.9 over RMI) -----------------------------------------------------
echo "== person_server and person_client"
mw_start person 60 "$BIN/person_server" --names "$NAMES" --bind 127.0.0.1
mw_wait_line person '^bound "PersonService" to mwref:' || exit 1
timeout -k 5 20 "$BIN/person_client" --names "$NAMES" --shutdown >"$MW_TMP/person_client.out" 2>&1
mw_expect_eq "person_client exits with status 0" 0 "$?"
mw_expect_eq "person_client's session" \
    'echo: Person{name: "Smith", place: "London", year: 1984}
update to Paris: Person{name: "Smith", place: "Paris", year: 1984}
added Smith and Jones
find Jones: Person{name: "Jones", place: "Oslo", year: 1990}
find Nobody: raised UnknownPerson{name: "Nobody"}
all: 2 people
  Person{name: "Smith", place: "London", year: 1984}
  Person{name: "Jones", place: "Oslo", year: 1990}
count: 2' "$(cat "$MW_TMP/person_client.out")"
mw_check "person_server exits with status 0 after shutdown" mw_wait_exit person
mw_check "... having served each call" grep -qx 'find "Nobody"' "$(mw_out person)"

# --- midway names: the client verbs -------------------------------------------------------
echo "== midway names bind, resolve, unbind, list"
r1="mwref:127.0.0.1:4000/1732190000123/100/HelloApp::Hello"
r2="mwref:[::1]:4001/1732190000999/7/Bank::Account"
mw_expect_eq "bind prints 'bound NAME'" "bound Hello" \
    "$(timeout -k 5 20 "$BIN/midway" names bind Hello "$r1" --names "$NAMES")"
timeout -k 5 20 "$BIN/midway" names bind Hello "$r2" --names "$NAMES" >/dev/null \
    2>"$MW_TMP/taken.err"
mw_expect_eq "bind of a taken name exits with status 1" 1 "$?"
mw_check "... and says to use --rebind" grep -q "already bound (use --rebind" \
    "$MW_TMP/taken.err"
mw_expect_eq "bind --rebind replaces it" "rebound Hello" \
    "$(timeout -k 5 20 "$BIN/midway" names bind --rebind Hello "$r2" --names "$NAMES")"
mw_expect_eq "resolve gives the new reference" "$r2" \
    "$(MIDWAY_NAMES=$NAMES timeout -k 5 20 "$BIN/midway" names resolve Hello)"
timeout -k 5 20 "$BIN/midway" names bind "Bank account" "$r1" --names "$NAMES" >/dev/null
timeout -k 5 20 "$BIN/midway" names bind "Zürich" "$r1" --names "$NAMES" >/dev/null
mw_expect_eq "list prints every name in byte order" "Bank account
Hello
Zürich" "$(timeout -k 5 20 "$BIN/midway" names list --names "$NAMES")"
timeout -k 5 20 "$BIN/midway" names bind Bad not-a-ref --names "$NAMES" >/dev/null \
    2>"$MW_TMP/badref.err"
mw_expect_eq "bind of a malformed reference exits with status 2" 2 "$?"
timeout -k 5 20 "$BIN/midway" names bind "" "$r1" --names "$NAMES" >/dev/null 2>&1
mw_expect_eq "bind of an empty name exits with status 1" 1 "$?"
mw_expect_eq "unbind prints 'unbound NAME'" "unbound Zürich" \
    "$(timeout -k 5 20 "$BIN/midway" names unbind "Zürich" --names "$NAMES")"
timeout -k 5 20 "$BIN/midway" names unbind "Zürich" --names "$NAMES" >/dev/null 2>&1
mw_expect_eq "unbind of an unknown name exits with status 1" 1 "$?"
timeout -k 5 20 "$BIN/midway" names list --names "$NAMES" extra >/dev/null 2>&1
mw_expect_eq "list with an operand exits with status 2" 2 "$?"
timeout -k 5 20 "$BIN/midway" names resolve Hello --names "[::1" >/dev/null 2>&1
mw_expect_eq "a malformed --names exits with status 2" 2 "$?"

# --- the store ----------------------------------------------------------------------------
echo "== the store survives a restart; a corrupt one is refused"
kill -TERM "${MW_PID[names]}"
mw_expect_exit names "names exits with status 0 on SIGTERM" 20
mw_check "... saying so" grep -qx "stopped by SIGTERM" "$(mw_out names)"
mw_check "the store holds the two bindings" \
    test "$(cat "$STORE")" = "midway-names	1
Bank account	$r1
Hello	$r2
end	2"
mw_start names2 60 "$BIN/midway" names --port 0 --store "$STORE"
port=$(mw_port_of names2) || exit 1
mw_check "the restarted server loaded them" mw_wait_text names2 "store $STORE: 2 bindings"
mw_expect_eq "and resolves them" "$r2" \
    "$(timeout -k 5 20 "$BIN/midway" names resolve Hello --names "127.0.0.1:$port")"
kill -TERM "${MW_PID[names2]}"
mw_expect_exit names2 "the restarted server exits with status 0 on SIGTERM" 20

head -n 2 "$STORE" >"$MW_TMP/cut.store"
timeout -k 5 20 "$BIN/midway" names --port 0 --store "$MW_TMP/cut.store" \
    >"$MW_TMP/cut.out" 2>"$MW_TMP/cut.err"
mw_expect_eq "names with a cut store exits with status 1" 1 "$?"
mw_check "... naming the file and the problem" \
    grep -q "naming store $MW_TMP/cut.store, line 2: no end line" "$MW_TMP/cut.err"
mw_check "... and prints no 'listening on'" test ! -s "$MW_TMP/cut.out"
mw_check "... leaving the file as it was" cmp -s "$MW_TMP/cut.store" <(head -n 2 "$STORE")

# Two naming servers on one port: the second reports the clash.
mw_start names3 60 "$BIN/midway" names --port 0 --bind 127.0.0.1
port=$(mw_port_of names3) || exit 1
timeout -k 5 20 "$BIN/midway" names --port "$port" --bind 127.0.0.1 >/dev/null 2>"$MW_TMP/clash.err"
mw_expect_eq "a second naming server on a busy port exits with status 1" 1 "$?"
mw_check "... and says the address is in use" grep -q "address already in use" \
    "$MW_TMP/clash.err"

mw_finish

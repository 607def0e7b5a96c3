#!/usr/bin/env bash
# demo.sh BUILD_DIR - what `make demo` runs: each figure of the seeds played on loopback
# with free ports, showing what each side sent and received.
#
# Each step is a function that prints a heading and what happened, and returns non-zero
# when something did not happen as it should. The list of steps is at the bottom: a new
# layer adds its function and appends it to STEPS. Helpers for steps:
#   start NAME SECONDS CMD...  runs CMD in the background for at most SECONDS; its output
#                              goes to $(out NAME) and $(err NAME)
#   port_of NAME               waits for NAME's "listening on ADDR:PORT" line; prints PORT
#   wait_line NAME REGEX       waits (10 s at most) for a line of NAME's output
#   finish NAME                waits for NAME to end (bounded by its SECONDS); its status
#   show CMD...                prints "$ CMD" as a user would type it
#   say TEXT                   prints an indented line of the story
# Background processes are killed at the end of each step and when the script exits.
set -uo pipefail

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || {
    echo "usage: demo.sh BUILD_DIR (the directory 'make' built into)" >&2
    exit 2
}
BIN=$BUILD/bin
TMP=$(mktemp -d "${TMPDIR:-/tmp}/midway-demo.XXXXXX")
declare -A PID=()

stop_all()
{
    local name
    for name in "${!PID[@]}"; do
        kill "${PID[$name]}" 2>/dev/null
        wait "${PID[$name]}" 2>/dev/null
        unset "PID[$name]"
    done
}
trap 'stop_all; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

out() { echo "$TMP/$1.out"; }
err() { echo "$TMP/$1.err"; }
say() { printf '  %s\n' "$*"; }
# show CMD...: prints the command as a user would type it: program name without its
# directory, arguments quoted only where the shell needs it.
show()
{
    local line=${1##*/} arg
    shift
    for arg in "$@"; do
        if [[ "$arg" =~ ^[A-Za-z0-9_.,:/=+-]+$ ]]; then
            line+=" $arg"
        else
            line+=" '${arg//\'/\'\\\'\'}'"
        fi
    done
    printf '  $ %s\n' "$line"
}

start()
{
    local name=$1 seconds=$2
    shift 2
    show "$@"
    timeout "$seconds" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    PID[$name]=$!
}

# Explains a failure: what NAME printed on both channels.
explain()
{
    say "-- $1 printed:"
    sed 's/^/     | /' "$TMP/$1.out" "$TMP/$1.err"
}

wait_line()
{
    local name=$1 regex=$2 tries=200
    while ((tries-- > 0)); do
        grep -Eq -- "$regex" "$TMP/$name.out" 2>/dev/null && return 0
        if ! kill -0 "${PID[$name]:-0}" 2>/dev/null; then
            grep -Eq -- "$regex" "$TMP/$name.out" 2>/dev/null && return 0
            break
        fi
        sleep 0.05
    done
    say "FAILED: $name did not print a line matching /$regex/"
    explain "$name"
    return 1
}

port_of()
{
    wait_line "$1" '^listening on .*:[0-9]+$' >&2 || return 1
    sed -nE 's/^listening on .*:([0-9]+)$/\1/p' "$TMP/$1.out" | head -n 1
}

finish()
{
    local name=$1 status
    wait "${PID[$name]}"
    status=$?
    unset "PID[$name]"
    if [ $status -ne 0 ]; then
        say "FAILED: $name exited with status $status"
        explain "$name"
    fi
    return $status
}

# run NAME CMD...: runs CMD in the foreground (20 s at most), shown as typed.
run()
{
    local name=$1
    shift
    show "$@"
    timeout 20 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local status=$?
    if [ $status -ne 0 ]; then
        say "FAILED: $name exited with status $status"
        explain "$name"
    fi
    return $status
}

# expect WANT GOT: the step fails unless they are equal.
expect()
{
    [ "$1" == "$2" ] && return 0
    say "FAILED: expected '$1', got '$2'"
    return 1
}

# A UDP port that was free a moment ago, for a multicast group's port.
free_udp_port()
{
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 30000))
    fi
}

# --- Steps ----------------------------------------------------------------------------

step_udp()
{
    echo "== Figures 4.3 and 4.4: a UDP client sends a datagram, the server echoes it"
    start udp_server 30 "$BIN/udp_server" --port 0 --bind 127.0.0.1 --verbose --count 1
    local port
    port=$(port_of udp_server) || return 1
    say "server is $(head -n 1 "$(out udp_server)")"
    local msg="Hello over UDP"
    run udp_client "$BIN/udp_client" --port "$port" "$msg" 127.0.0.1 || return 1
    finish udp_server || return 1
    say "client sent:     $msg"
    say "server echoed:   $(sed -nE 's/^echoed ([0-9]+) bytes to ([^ ]+): (.*)$/\3  (\1 bytes, to \2)/p' \
        "$(out udp_server)")"
    say "client received: $(cat "$(out udp_client)")"
    expect "Reply: $msg" "$(cat "$(out udp_client)")"
}

step_tcp()
{
    echo "== Figures 4.5 and 4.6: TCP clients send a string (Java's writeUTF), a thread"
    echo "   per connection echoes it"
    start tcp_server 30 "$BIN/tcp_server" --port 0 --bind 127.0.0.1 --verbose --count 2
    local port
    port=$(port_of tcp_server) || return 1
    say "server is $(head -n 1 "$(out tcp_server)")"
    local msg1="Hello over TCP" msg2="Grüße, € and 😀 in Java's modified UTF-8"
    run tcp_client1 "$BIN/tcp_client" --port "$port" "$msg1" 127.0.0.1 || return 1
    run tcp_client2 "$BIN/tcp_client" --port "$port" "$msg2" 127.0.0.1 || return 1
    finish tcp_server || return 1
    say "client 1 sent:     $msg1"
    say "client 2 sent:     $msg2"
    sed -nE 's/^echoed to ([^ ]+): (.*)$/  server echoed:     \2  (to \1)/p' "$(out tcp_server)"
    say "client 1 received: $(cat "$(out tcp_client1)")"
    say "client 2 received: $(cat "$(out tcp_client2)")"
    expect "Received: $msg1" "$(cat "$(out tcp_client1)")" &&
        expect "Received: $msg2" "$(cat "$(out tcp_client2)")"
}

step_multicast()
{
    local port
    port=$(free_udp_port)
    echo "== Figure 4.20: three peers join group 228.5.6.7 (port $port) on lo; each sends one"
    echo "   message and prints what it receives (a peer hears what is sent after it joins)"
    local peer=("$BIN/multicast_peer" --port "$port" --if lo --timeout 10000)
    start peer_a 30 "${peer[@]}" "A says hello" 228.5.6.7
    wait_line peer_a '^Received:A says hello$' || return 1
    start peer_b 30 "${peer[@]}" --count 2 "B says hello" 228.5.6.7
    wait_line peer_b '^Received:B says hello$' || return 1
    start peer_c 30 "${peer[@]}" --count 1 "C says hello" 228.5.6.7
    local p ok=0
    for p in peer_a peer_b peer_c; do
        finish $p || ok=1
    done
    [ $ok -eq 0 ] || return 1
    for p in a b c; do
        say "peer ${p^^} sent:     ${p^^} says hello"
        sed 's/^Received:/    peer '"${p^^}"' received: /' "$(out peer_$p)"
    done
    expect "$(printf 'Received:%s\n' "A says hello" "B says hello" "C says hello")" \
        "$(cat "$(out peer_a)")"
}

step_marshal()
{
    local mw=$BIN/midway fmt opts raw
    local person='{"name":"Smith","place":"London","year":1934}'
    echo "== Figures 4.8-4.12: one Person {Smith, London, 1934} in five external data"
    echo "   representations, each decoded back"
    for fmt in cdr xdr json xml java; do
        raw=()
        [ "$fmt" = java ] && raw=(--java-class Person --java-suid 1)
        opts=("${raw[@]}")
        case $fmt in cdr | xdr | java) opts+=(--hex) ;; esac
        echo "-- $fmt"
        show "$mw" encode --type Person --to "$fmt" "${opts[@]}"
        timeout 20 "$mw" encode --type Person --to "$fmt" "${opts[@]}" <<<"$person" \
            >"$TMP/m_$fmt.out" 2>"$TMP/m_$fmt.err" || { explain "m_$fmt"; return 1; }
        sed 's/^/     /' "$TMP/m_$fmt.out"
        # Decode what was written and compare with the JSON we started from.
        local back
        back=$(timeout 20 "$mw" encode --type Person --to "$fmt" "${raw[@]}" <<<"$person" |
            timeout 20 "$mw" decode --type Person --from "$fmt" "${raw[@]}" 2>&1 |
            tr -d ' \n')
        expect "$person" "$back" || return 1
    done
    echo "-- the XML Schema of Figure 4.12, for the record form <person id=...>"
    show "$mw" encode --type PersonRecord --xsd
    timeout 20 "$mw" encode --type PersonRecord --xsd | sed 's/^/     /'
    say "CDR is Figure 4.8's 28 bytes with the NUL of each string counted, as the OMG"
    say "specification has it; the Java bytes are what java.io.ObjectOutputStream writes"
}

step_rr()
{
    local mw=$BIN/midway
    echo "== Figures 12-15: request-reply. A server keeps a counter; a client increments it"
    echo "   200 times with RR and 200 times with RRA, at-most-once, while 10% of its datagrams"
    echo "   are lost, 10% duplicated and 10% reordered (seeded fault injection)"
    if [ ! -x "$mw" ]; then
        say "FAILED: $mw is missing; build first (make)"
        return 1
    fi
    start rr_server 60 "$mw" rr serve --port 0 --bind 127.0.0.1
    local port
    port=$(port_of rr_server) || return 1
    say "server is $(head -n 1 "$(out rr_server)")"
    local faults=(--op increment -n 200 --drop 0.1 --duplicate 0.1 --reorder 0.1
        --timeout 20 --retries 10)
    run rr_rr "$mw" rr ping "127.0.0.1:$port" --protocol rr --seed 1 "${faults[@]}" || return 1
    sed 's/^/    /' "$(out rr_rr)"
    run rr_rra "$mw" rr ping "127.0.0.1:$port" --protocol rra --seed 2 "${faults[@]}" || return 1
    sed 's/^/    /' "$(out rr_rra)"
    run rr_stats "$mw" rr call "127.0.0.1:$port" stats || return 1
    say "the stats operation answers: $(cat "$(out rr_stats)")"
    kill -TERM "${PID[rr_server]}"
    finish rr_server || return 1
    say "the server, stopped with SIGTERM, prints:"
    sed -n '/^stopped by/,$p' "$(out rr_server)" | sed 's/^/    | /'
    local counter retrans dups
    counter=$(sed -nE 's/^counter: (-?[0-9]+)$/\1/p' "$(out rr_server)")
    retrans=$(sed -nE 's/^retransmissions: ([0-9]+)$/\1/p' "$(out rr_server)")
    dups=$(sed -nE 's/^duplicates filtered: ([0-9]+)$/\1/p' "$(out rr_server)")
    say "400 calls, counter $counter: $retrans requests were retransmitted and $dups duplicates"
    say "filtered, yet every increment executed exactly once (at-most-once)"
    expect 400 "$counter"
}

step_rmi()
{
    local mw=$BIN/midway exe
    echo "== Remote method invocation: the seeds' Hello.idl and HelloClient.java. A naming"
    echo "   service starts; hello_server exports a Hello object and binds it as \"Hello\";"
    echo "   hello_client resolves it, calls sayHello, then shutdown (oneway)"
    for exe in midway hello_server hello_client; do
        if [ ! -x "$BIN/$exe" ]; then
            say "FAILED: $BIN/$exe is missing; build first (make)"
            return 1
        fi
    done
    start names 60 "$mw" names --port 0 --bind 127.0.0.1
    local port
    port=$(port_of names) || return 1
    local names=127.0.0.1:$port
    say "the naming service is $(head -n 1 "$(out names)")"
    start hello 60 "$BIN/hello_server" --names "$names" --bind 127.0.0.1
    wait_line hello '^HelloServer ready and waiting' || return 1
    say "hello_server prints:"
    sed 's/^/    | /' "$(out hello)"
    run names_list "$mw" names list --names "$names" || return 1
    say "the naming service holds: $(paste -sd, "$(out names_list)")"
    run hello_client "$BIN/hello_client" --names "$names" || return 1
    say "hello_client prints:"
    sed 's/^/    | /' "$(out hello_client)"
    finish hello || return 1
    say "after shutdown, hello_server takes its name back and exits:"
    sed -n '$p' "$(out hello)" | sed 's/^/    | /'
    kill -TERM "${PID[names]}"
    finish names || return 1
    say "the naming service saw, one line per call:"
    sed -n '2,$p' "$(out names)" | sed 's/^/    | /'
    local ref
    ref=$(sed -nE 's/^bound "Hello" to (mwref:.*)$/\1/p' "$(out hello)")
    expect "Obtained a handle on server object: $ref
Hello world !!" "$(cat "$(out hello_client)")"
}

step_group()
{
    local port
    port=$(free_udp_port)
    echo "== Group communication: alice, bob and carol join a reliable, totally ordered group"
    echo "   (239.77.7.7 port $port on lo); once the view has all three each sends two messages;"
    echo "   carol leaves after her first two deliveries (docs/group.md)"
    local join=("$BIN/midway" group join "239.77.7.7:$port" --if lo --order total --members 3
        --timeout 15000)
    start alice 30 "${join[@]}" --name alice --count 6 --send "alice: hello" --send "alice: bye"
    start bob 30 "${join[@]}" --name bob --count 6 --send "bob: hello" --send "bob: bye"
    start carol 30 "${join[@]}" --name carol --count 2 --send "carol: hello" --send "carol: bye"
    local p ok=0
    for p in carol alice bob; do
        finish $p || ok=1
    done
    [ $ok -eq 0 ] || return 1
    for p in alice bob carol; do
        say "$p printed (views, then 'SENDER<TAB>MESSAGE' in delivery order):"
        sed 's/^/      /' "$(out $p)"
    done
    # One total order: alice and bob delivered the same six messages in the same order,
    # carol the first two of it (all of hers reached the others: she left cleanly).
    local order
    order=$(grep -v '^view' "$(out alice)")
    expect "$order" "$(grep -v '^view' "$(out bob)")" || return 1
    expect "$(head -n 2 <<<"$order")" "$(grep -v '^view' "$(out carol)")" || return 1
    expect 2 "$(grep -c $'^carol\tcarol: ' <<<"$order")"
}

# --- Run --------------------------------------------------------------------------------

STEPS=(step_udp step_tcp step_multicast step_marshal step_rr step_rmi step_group)

for exe in udp_client udp_server tcp_client tcp_server multicast_peer; do
    if [ ! -x "$BIN/$exe" ]; then
        echo "demo: $BIN/$exe is missing; build first (make)" >&2
        exit 1
    fi
done

failed=()
for step in "${STEPS[@]}"; do
    if "$step"; then
        say "ok"
    else
        failed+=("$step")
    fi
    stop_all
    echo
done
if [ ${#failed[@]} -ne 0 ]; then
    echo "demo: ${#failed[@]} of ${#STEPS[@]} steps failed: ${failed[*]}"
    exit 1
fi
echo "demo: all ${#STEPS[@]} steps passed"

# lib.sh - helpers for the scripts that test Midway's programs as processes (integration/,
# interop/). Source it after setting BUILD (the build directory); every background process
# is killed when the script exits, however it exits.
#
# Processes. A process has a NAME; its stdout goes to $(mw_out NAME), its stderr to
# $(mw_err NAME), both in $MW_TMP.
#   mw_start NAME SECONDS CMD...  runs CMD in the background, sent SIGTERM after SECONDS
#                                 and SIGKILL $MW_KILL_AFTER (5) seconds after any SIGTERM
#                                 it ignores; ${MW_PID[NAME]} is its pid (of `timeout`, which
#                                 passes signals on to CMD: CMD must not fork)
#   mw_run NAME CMD...            runs CMD in the foreground (at most $MW_RUN_SECONDS, 20 by
#                                 default, then SIGTERM, SIGKILL if need be); MW_RC gets its
#                                 exit status, which it returns
#   mw_wait_exit NAME [S]         waits for NAME to end (at most S seconds if given, else
#                                 until its SECONDS and the SIGKILL after them are past);
#                                 MW_RC gets its status, which it returns. If NAME is still
#                                 running then, it says so, shows NAME's output and kills it:
#                                 MW_RC is 124
#   mw_show NAME                  prints what NAME wrote (binary as hex), after a failure
#
# Every wait is bounded: a process that does not end when told to is killed with SIGKILL
# and reported, so a hang fails the script within seconds instead of stalling the run
# (mw_cleanup too: a process still there MW_KILL_AFTER seconds after the SIGTERM of the
# script's end is killed, and fails a script that had passed).
#
# Bounded waits. Each polls until a line matches, NAME ends (then one last look) or S
# seconds (default 10) pass; MW_LINE gets the first matching line. On failure it says why
# and shows what NAME printed.
#   mw_wait_line NAME REGEX [S]      a line of NAME's stdout matches REGEX (grep -E)
#   mw_wait_text NAME LINE [S]       a line of NAME's stdout equals LINE
#   mw_wait_substr NAME TEXT [S]     a line of NAME's stdout contains TEXT
#   mw_wait_err NAME TEXT [S]        a line of NAME's stderr contains TEXT
#   mw_wait_err_line NAME REGEX [S]  a line of NAME's stderr matches REGEX
#   mw_listening NAME [S]            NAME printed "listening on ADDR:PORT": MW_LINE gets that
#                                    line, MW_PORT the port
#   mw_port_of NAME                  the same, printing PORT (for port=$(mw_port_of NAME))
#
# Checks. Each prints "ok   DESC" or "FAIL DESC" (and why) and counts it.
#   mw_pass DESC / mw_fail DESC   counts a check decided by the caller
#   mw_check DESC CMD...          passes if CMD succeeds
#   mw_expect_eq DESC WANT GOT    passes if the two strings are equal
#   mw_finish                     prints "N passed, M failed"; exits 1 if anything failed
#                                 (a sanitizer report on any process's stderr too), else 0
#
# The midway command and the examples, run by mw_run or mw_start under NAME:
#   mw_start_server NAME SECONDS CMD...     mw_start, then a check that it printed its
#                                           "listening on" line (MW_PORT, MW_LINE)
#   mw_expect_exit NAME DESC [S]            NAME ends (within S seconds, default 10) with
#                                           status 0
#   mw_expect_out NAME TEXT DESC            exit status 0 and stdout exactly TEXT
#   mw_expect_fail [--any-stdout] [--one-line] NAME CODE DESC [REGEX]
#                                           exit status CODE, nothing on stdout (unless
#                                           --any-stdout) and a line "midway: ..." on stderr
#                                           (matching REGEX if given; with --one-line, the
#                                           only line: a value error, not a usage dump)
#   mw_expect_help CMD ARGS...              exit 0, usage on stdout, nothing on stderr
#   mw_expect_usage CMD ARGS...             exit 2, nothing on stdout, usage on stderr
#   mw_expect_value_error DESC CMD...       exit 2, nothing on stdout, one "midway: " line
#
# Environment.
#   mw_need_built FILE            fails the script at once if FILE is not an executable
#   mw_have_ipv6                  succeeds if this host has an IPv6 loopback
#   mw_free_udp_port              prints a UDP port that was free a moment ago

MW_TMP=$(mktemp -d "${TMPDIR:-/tmp}/midway-test.XXXXXX")
declare -A MW_PID=()
declare -A MW_DEADLINE=() # by NAME: the $SECONDS by which mw_start's timeout has ended it
MW_KILL_AFTER=5           # seconds from an unheeded SIGTERM to SIGKILL
MW_FAILED=0
MW_PASSED=0
MW_RC=0
MW_LINE=
MW_PORT=

# The EXIT trap: kills the background processes and removes $MW_TMP. Returns the script's
# exit status, or 1 instead of 0 if a process had to be killed. A script with its own EXIT
# trap calls it first and exits with what it returns.
mw_cleanup()
{
    local status=$? name pid tries=$(((MW_KILL_AFTER + 5) * 20)) left
    for pid in "${MW_PID[@]}"; do
        kill "$pid" 2>/dev/null
    done
    # mw_start's timeout kills what ignores the SIGTERM; this bounds the rest (a process
    # started otherwise) and a timeout that would not end.
    while ((tries-- > 0)); do
        left=
        for pid in "${MW_PID[@]}"; do
            kill -0 "$pid" 2>/dev/null && left=1
        done
        [ -n "$left" ] || break
        sleep 0.05
    done
    for name in "${!MW_PID[@]}"; do
        pid=${MW_PID[$name]}
        kill -0 "$pid" 2>/dev/null || continue
        echo "FAIL $name did not end on SIGTERM: killed"
        mw__kill "$pid"
        [ "$status" -ne 0 ] || status=1
    done
    for pid in "${MW_PID[@]}"; do
        wait "$pid" 2>/dev/null
    done
    rm -rf "$MW_TMP"
    return "$status"
}
trap 'mw_cleanup; exit $?' EXIT
trap 'exit 130' INT TERM

mw_out() { echo "$MW_TMP/$1.out"; }
mw_err() { echo "$MW_TMP/$1.err"; }

# --- processes ---------------------------------------------------------------------------

# Kills pid and its children (a timeout wrapper and its CMD) with SIGKILL.
mw__kill()
{
    pkill -KILL -P "$1" 2>/dev/null
    kill -KILL "$1" 2>/dev/null
}

mw_start()
{
    local name=$1 seconds=$2
    shift 2
    # timeout passes the signals the script sends (kill -TERM ${MW_PID[NAME]}, mw_cleanup's)
    # on to CMD, ends CMD after SECONDS, and kills it (-k) if it ignores the SIGTERM.
    # --foreground: timeout passes a signal to CMD alone, as sent. Without it, timeout also
    # sends it to its process group and follows it with SIGCONT to both; a SIGCONT that
    # lands while a sanitizer build's exit runs LeakSanitizer, which stops the process with
    # PTRACE_ATTACH, discards that attach's SIGSTOP, and the leak check then waits for the
    # stop forever in a process that has SIGTERM blocked (a server that stops on SIGTERM).
    timeout --foreground -k "$MW_KILL_AFTER" "$seconds" "$@" \
        >"$MW_TMP/$name.out" 2>"$MW_TMP/$name.err" &
    MW_PID[$name]=$!
    MW_DEADLINE[$name]=$((SECONDS + seconds + MW_KILL_AFTER + 2))
}

mw_run()
{
    local name=$1
    shift
    timeout -k "$MW_KILL_AFTER" "${MW_RUN_SECONDS:-20}" "$@" \
        >"$MW_TMP/$name.out" 2>"$MW_TMP/$name.err"
    MW_RC=$?
    return $MW_RC
}

mw_wait_exit()
{
    local name=$1 seconds=${2:-}
    local pid=${MW_PID[$name]:-}
    if [ -z "$pid" ]; then
        echo "mw_wait_exit: no process $name"
        MW_RC=127
        return $MW_RC
    fi
    # Without S: as long as mw_start's timeout lets it live (30 s for a process started
    # otherwise).
    [ -n "$seconds" ] || seconds=$((${MW_DEADLINE[$name]:-$((SECONDS + 30))} - SECONDS))
    ((seconds > 0)) || seconds=1
    local tries=$((seconds * 20))
    while kill -0 "$pid" 2>/dev/null; do
        if ((tries-- <= 0)); then
            echo "$name still running after ${seconds}s: killed"
            mw_show "$name"
            mw__kill "$pid"
            wait "$pid" 2>/dev/null
            unset "MW_PID[$name]" "MW_DEADLINE[$name]"
            MW_RC=124
            return $MW_RC
        fi
        sleep 0.05
    done
    wait "$pid"
    MW_RC=$?
    unset "MW_PID[$name]" "MW_DEADLINE[$name]"
    return $MW_RC
}

# Text as it is, at most 50 lines; anything else as hex, at most 8 lines.
mw_show()
{
    local f n
    for f in "$MW_TMP/$1.out" "$MW_TMP/$1.err"; do
        [ -s "$f" ] || continue
        if grep -q '[^[:print:][:space:]]' "$f"; then
            od -A x -t x1z -v "$f" | head -n 8
        else
            head -n 50 "$f"
            n=$(wc -l <"$f")
            [ "$n" -le 50 ] || echo "... ($n lines)"
        fi | sed "s|^|     ${f##*/}: |"
    done
    return 0
}

# --- bounded waits -----------------------------------------------------------------------

# mw__wait NAME SECONDS FILE GREP_ARGS...: polls FILE until grep finds a match, NAME ends
# (then one last look), or SECONDS pass.
mw__wait()
{
    local name=$1 seconds=$2 file=$3
    shift 3
    local tries=$((seconds * 20))
    while ((tries-- > 0)); do
        MW_LINE=$(grep -m1 "$@" "$file" 2>/dev/null) && return 0
        if ! kill -0 "${MW_PID[$name]:-0}" 2>/dev/null; then
            MW_LINE=$(grep -m1 "$@" "$file" 2>/dev/null) && return 0
            echo "$name ended without printing: ${*: -1}"
            mw_show "$name"
            return 1
        fi
        sleep 0.05
    done
    MW_LINE=
    echo "$name did not print within ${seconds}s: ${*: -1}"
    mw_show "$name"
    return 1
}

mw_wait_line() { mw__wait "$1" "${3:-10}" "$MW_TMP/$1.out" -E -- "$2"; }
mw_wait_text() { mw__wait "$1" "${3:-10}" "$MW_TMP/$1.out" -Fx -- "$2"; }
mw_wait_substr() { mw__wait "$1" "${3:-10}" "$MW_TMP/$1.out" -F -- "$2"; }
mw_wait_err() { mw__wait "$1" "${3:-10}" "$MW_TMP/$1.err" -F -- "$2"; }
mw_wait_err_line() { mw__wait "$1" "${3:-10}" "$MW_TMP/$1.err" -E -- "$2"; }

mw_listening()
{
    mw_wait_line "$1" '^listening on .*:[0-9]+$' "${2:-10}" || return 1
    MW_PORT=${MW_LINE##*:}
}

mw_port_of()
{
    mw_listening "$1" >&2 || return 1
    echo "$MW_PORT"
}

# --- checks ------------------------------------------------------------------------------

mw_pass()
{
    echo "ok   $*"
    MW_PASSED=$((MW_PASSED + 1))
}

mw_fail()
{
    echo "FAIL $*"
    MW_FAILED=$((MW_FAILED + 1))
}

mw_check()
{
    local desc=$1
    shift
    if "$@"; then
        mw_pass "$desc"
    else
        mw_fail "$desc"
    fi
}

# A long string cut to its first 200 characters, with its length.
mw__clip()
{
    if [ ${#1} -le 200 ]; then
        printf '%s' "$1"
    else
        printf '%s... (%d characters)' "${1:0:200}" ${#1}
    fi
}

mw_expect_eq()
{
    local desc=$1 want=$2 got=$3
    if [ "$want" == "$got" ]; then
        mw_pass "$desc"
    else
        mw_fail "$desc"
        echo "     want: $(mw__clip "$want")"
        echo "     got:  $(mw__clip "$got")"
    fi
}

mw_finish()
{
    # A sanitizer report fails the test even if the program was killed before its failure
    # showed in what it printed.
    local report
    for report in $(grep -lE "runtime error:|ERROR: (Address|Leak|Thread)Sanitizer" \
        "$MW_TMP"/*.err 2>/dev/null); do
        mw_fail "sanitizer report from $(basename "$report" .err):"
        cat "$report"
    done
    echo "$MW_PASSED passed, $MW_FAILED failed"
    [ "$MW_FAILED" -eq 0 ] || exit 1
    exit 0
}

# --- the midway command and the examples -------------------------------------------------

mw_start_server()
{
    local name=$1
    mw_start "$@"
    if mw_listening "$name"; then
        mw_pass "$name: prints '$MW_LINE'"
        return 0
    fi
    mw_fail "$name: no 'listening on' line"
    return 1
}

mw_expect_exit()
{
    if mw_wait_exit "$1" "${3:-10}"; then
        mw_pass "$2"
    else
        mw_fail "$2 (status $MW_RC)"
        [ "$MW_RC" -eq 124 ] || mw_show "$1" # (mw_wait_exit showed it)
    fi
}

mw_expect_out()
{
    local name=$1 want=$2 desc=$3 got
    got=$(cat "$MW_TMP/$name.out")
    if [ "$MW_RC" -eq 0 ] && [ "$got" = "$want" ]; then
        mw_pass "$desc"
    else
        mw_fail "$desc (exit $MW_RC, stdout '$got', expected '$want')"
        mw_show "$name"
    fi
}

mw_expect_fail()
{
    local any_stdout=false one_line=false
    while [[ $1 == --* ]]; do
        case $1 in
        --any-stdout) any_stdout=true ;;
        --one-line) one_line=true ;;
        esac
        shift
    done
    local name=$1 code=$2 desc=$3 regex=${4:-} first lines why=
    first=$(grep -m1 '^midway: ' "$MW_TMP/$name.err")
    lines=$(wc -l <"$MW_TMP/$name.err")
    if [ "$MW_RC" -ne "$code" ] || [ -z "$first" ]; then
        why=" (exit $MW_RC, expected $code; stderr '$first')"
    elif ! $any_stdout && [ -s "$MW_TMP/$name.out" ]; then
        why=": something on stdout"
    elif $one_line && [ "$lines" -ne 1 ]; then
        why=": $lines lines on stderr, expected 1"
    elif [ -n "$regex" ] && ! grep -qE -- "$regex" "$MW_TMP/$name.err"; then
        why=": stderr does not match /$regex/: '$first'"
    fi
    if [ -n "$why" ]; then
        mw_fail "$desc$why"
        mw_show "$name"
        return 1
    fi
    mw_pass "$desc -> exit $code: $first"
}

mw_expect_help()
{
    local desc="${1##*/}${2:+ ${*:2}}"
    mw_run help "$@"
    if [ "$MW_RC" -eq 0 ] && grep -q '^usage: midway' "$MW_TMP/help.out" &&
        [ ! -s "$MW_TMP/help.err" ]; then
        mw_pass "$desc: usage on stdout, exit 0"
    else
        mw_fail "$desc: exit $MW_RC"
        mw_show help
    fi
}

mw_expect_usage()
{
    local desc="${1##*/}${2:+ ${*:2}}"
    mw_run usage "$@"
    if [ "$MW_RC" -eq 2 ] && [ ! -s "$MW_TMP/usage.out" ] &&
        grep -q 'usage: midway' "$MW_TMP/usage.err"; then
        mw_pass "$desc: $(head -n1 "$MW_TMP/usage.err") -> exit 2"
    else
        mw_fail "$desc: exit $MW_RC, expected 2 with usage on stderr"
        mw_show usage
    fi
}

mw_expect_value_error()
{
    local desc=$1
    shift
    mw_run value "$@"
    mw_expect_fail --one-line value 2 "$desc"
}

# --- environment -------------------------------------------------------------------------

mw_need_built()
{
    if [ ! -x "$1" ]; then
        echo "FAIL: $1 is not built"
        exit 1
    fi
}

mw_have_ipv6() { grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; }

# For programs that cannot take port 0 (every peer of a multicast group must know the
# group's port in advance).
mw_free_udp_port()
{
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 30000))
    fi
}

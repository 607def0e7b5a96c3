# lib.sh - helpers for the scripts that run the examples against each other and against
# the book's Java programs. Source it after setting BUILD (the build directory).
#
#   mw_start NAME SECONDS CMD...  runs CMD in the background, killed after SECONDS at most;
#                                 its stdout goes to $(mw_out NAME), stderr to $(mw_err NAME)
#   mw_wait_line NAME REGEX [S]   waits (at most S seconds, default 10) until a line of
#                                 NAME's stdout matches REGEX (grep -E)
#   mw_wait_text NAME LINE [S]    the same for a line equal to LINE
#   mw_wait_substr NAME TEXT [S]  the same for TEXT anywhere in a line
#   mw_wait_err NAME TEXT [S]     the same for TEXT anywhere in a line of NAME's stderr
#   mw_port_of NAME               waits for NAME's "listening on ADDR:PORT" line, prints PORT
#   mw_wait_exit NAME             waits for NAME to end (bounded by its SECONDS); its status
#   mw_check DESC CMD...          runs CMD; prints "ok DESC" or "FAIL DESC" and counts failures
#   mw_expect_eq DESC WANT GOT    compares two strings the same way
#   mw_finish                     prints the tally; exits 1 if anything failed (a
#                                 sanitizer report on a background program's stderr too)
#
# Every background process is killed when the script exits, however it exits.

MW_TMP=$(mktemp -d "${TMPDIR:-/tmp}/midway-test.XXXXXX")
declare -A MW_PID=()
MW_FAILED=0
MW_PASSED=0

mw_cleanup()
{
    local pid
    for pid in "${MW_PID[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${MW_PID[@]}"; do
        wait "$pid" 2>/dev/null
    done
    rm -rf "$MW_TMP"
}
trap mw_cleanup EXIT
trap 'exit 130' INT TERM

mw_out() { echo "$MW_TMP/$1.out"; }
mw_err() { echo "$MW_TMP/$1.err"; }

mw_start()
{
    local name=$1 seconds=$2
    shift 2
    # timeout forwards the TERM of our cleanup to CMD, and bounds CMD if we hang.
    timeout "$seconds" "$@" >"$MW_TMP/$name.out" 2>"$MW_TMP/$name.err" &
    MW_PID[$name]=$!
}

# Shows what a process printed, for a failure's diagnosis.
mw_show()
{
    local name=$1
    echo "---- $name stdout:"
    cat "$MW_TMP/$name.out" 2>/dev/null
    echo "---- $name stderr:"
    cat "$MW_TMP/$name.err" 2>/dev/null
    echo "----"
}

# mw__wait NAME SECONDS FILE GREP_ARGS...: polls FILE until grep finds a match, NAME ends
# (then one last look), or SECONDS pass.
mw__wait()
{
    local name=$1 seconds=$2 file=$3
    shift 3
    local tries=$((seconds * 20))
    while ((tries-- > 0)); do
        grep -q "$@" "$file" 2>/dev/null && return 0
        if ! kill -0 "${MW_PID[$name]:-0}" 2>/dev/null; then
            grep -q "$@" "$file" 2>/dev/null && return 0
            echo "$name ended without printing: ${*: -1}"
            mw_show "$name"
            return 1
        fi
        sleep 0.05
    done
    echo "$name did not print within ${seconds}s: ${*: -1}"
    mw_show "$name"
    return 1
}

mw_wait_line() { mw__wait "$1" "${3:-10}" "$MW_TMP/$1.out" -E -- "$2"; }
mw_wait_text() { mw__wait "$1" "${3:-10}" "$MW_TMP/$1.out" -Fx -- "$2"; }
mw_wait_substr() { mw__wait "$1" "${3:-10}" "$MW_TMP/$1.out" -F -- "$2"; }
mw_wait_err() { mw__wait "$1" "${3:-10}" "$MW_TMP/$1.err" -F -- "$2"; }

mw_port_of()
{
    local name=$1
    mw_wait_line "$name" '^listening on .*:[0-9]+$' >&2 || return 1
    sed -nE 's/^listening on .*:([0-9]+)$/\1/p' "$MW_TMP/$name.out" | head -n 1
}

mw_wait_exit()
{
    local name=$1
    wait "${MW_PID[$name]}"
    local status=$?
    unset "MW_PID[$name]"
    return $status
}

mw_check()
{
    local desc=$1
    shift
    if "$@"; then
        echo "ok   $desc"
        MW_PASSED=$((MW_PASSED + 1))
    else
        echo "FAIL $desc"
        MW_FAILED=$((MW_FAILED + 1))
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
        echo "ok   $desc"
        MW_PASSED=$((MW_PASSED + 1))
    else
        echo "FAIL $desc"
        echo "     want: $(mw__clip "$want")"
        echo "     got:  $(mw__clip "$got")"
        MW_FAILED=$((MW_FAILED + 1))
    fi
}

mw_finish()
{
    # A sanitizer report from a background program fails the test even if the program
    # was killed before its failure showed in what it printed.
    local report
    for report in $(grep -lE "runtime error:|ERROR: (Address|Leak|Thread)Sanitizer" \
        "$MW_TMP"/*.err 2>/dev/null); do
        echo "FAIL sanitizer report from $(basename "$report" .err):"
        cat "$report"
        MW_FAILED=$((MW_FAILED + 1))
    done
    echo "$MW_PASSED passed, $MW_FAILED failed"
    [ "$MW_FAILED" -eq 0 ] || exit 1
    exit 0
}

# A UDP port that was free a moment ago, for programs that cannot take port 0 (every
# peer of a multicast group must know the group's port in advance).
mw_free_udp_port()
{
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 30000))
    fi
}

# --- Java -------------------------------------------------------------------------------

MW_JAVA_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/java"
MW_CLASSES="$BUILD/tests/interop/classes"

# Prints "SKIP: ..." and exits 0 when no JDK is installed; under CI a JDK is required
# (scripts/install-deps.sh installs one), so there it is a failure instead.
mw_need_java()
{
    local tool
    for tool in java javac; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            if [ "${CI:-}" = true ]; then
                echo "FAIL: $tool not found; CI must have a JDK (scripts/install-deps.sh)"
                exit 1
            fi
            echo "SKIP: $tool not found (install default-jdk-headless)"
            exit 0
        fi
    done
}

# Compiles the Java programs into $MW_CLASSES unless they are up to date. Compiles into
# a fresh directory and renames it, so a concurrent script never sees half the classes.
mw_java_classes()
{
    local stale=0 src
    if [ ! -f "$MW_CLASSES/.stamp" ]; then
        stale=1
    else
        for src in "$MW_JAVA_SRC"/*.java; do
            [ "$src" -nt "$MW_CLASSES/.stamp" ] && stale=1
        done
    fi
    [ "$stale" -eq 0 ] && return 0
    mkdir -p "$(dirname "$MW_CLASSES")"
    local fresh
    fresh=$(mktemp -d "$MW_CLASSES.new.XXXXXX") || return 1
    if ! timeout 120 javac -Xlint:all -Werror -encoding UTF-8 -d "$fresh" \
        "$MW_JAVA_SRC"/*.java; then
        echo "javac failed"
        rm -rf "$fresh"
        return 1
    fi
    touch "$fresh/.stamp"
    rm -rf "$MW_CLASSES.old.$$"
    [ -d "$MW_CLASSES" ] && mv "$MW_CLASSES" "$MW_CLASSES.old.$$"
    mv -T "$fresh" "$MW_CLASSES"
    rm -rf "$MW_CLASSES.old.$$"
}

# The java command with the compiled classes and UTF-8 for arguments and output, as an
# array so that it can follow `timeout`: timeout 30 "${MW_JAVA[@]}" UDPClient ...
MW_JAVA=(env LC_ALL=C.UTF-8 java -cp "$MW_CLASSES")

# lib.sh - tests/lib.sh (processes, bounded waits, checks; see there) and helpers for the
# scripts that run our programs against the book's Java programs. Source it after setting
# BUILD (the build directory).
#
#   mw_need_java                  skips the script when no JDK is installed (fails under CI)
#   mw_java_classes               compiles the Java programs into $MW_CLASSES if stale
#   "${MW_JAVA[@]}" CLASS ARGS... the java command, with the classes and UTF-8

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

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
    if ! timeout -k 5 120 javac -Xlint:all -Werror -encoding UTF-8 -d "$fresh" \
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

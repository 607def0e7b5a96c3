#!/usr/bin/env bash
# test_midl.sh BUILD_DIR - midl as a user runs it:
#   golden files  each tests/midl/idl/X.idl gives exactly golden/X.h, X_types.c,
#                 X_client.c and X_server.c (and nothing on stderr)
#   diagnostics   each tests/midl/errors/X.idl gives exactly errors/X.err: the messages,
#                 then "exit status: N"; nothing is written when there are errors
#   hostile input deep nesting, binary garbage, NUL bytes, huge files, include cycles:
#                 a diagnostic or success, never a crash, in bounded time
#   command line  --help, --version, bad usage, -o creating directories, --depfile
#
# MIDL_REGENERATE=1 makes it rewrite golden/ and errors/*.err from what midl prints now,
# instead of comparing (review the diff before committing: docs/midl.md).
set -u

BUILD=${1:?usage: test_midl.sh BUILD_DIR}
MIDL=$BUILD/bin/midl
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$MIDL" ]; then
    echo "FAIL: $MIDL is not built"
    exit 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_midl.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
REGEN=${MIDL_REGENERATE:-0}

FAILS=0
CHECKS=0
ok() {
    CHECKS=$((CHECKS + 1))
    echo "ok    $*"
}
bad() {
    CHECKS=$((CHECKS + 1))
    FAILS=$((FAILS + 1))
    echo "FAIL  $*"
}
# runs midl under a time limit; RC gets the status (124: timed out)
midl() {
    timeout 60 "$MIDL" "$@"
    RC=$?
}

# ---- golden files ------------------------------------------------------------------------

for idl in "$HERE"/idl/*.idl; do
    name=$(basename "$idl" .idl)
    out=$TMP/golden/$name
    mkdir -p "$out"
    (cd "$HERE/idl" && timeout 60 "$MIDL" -o "$out" -I . "$name.idl") 2>"$out.stderr"
    rc=$?
    if [ "$REGEN" = 1 ]; then
        cp "$out"/* "$HERE/golden/"
        echo "regenerated golden/$name.*"
        continue
    fi
    if [ $rc -ne 0 ] || [ -s "$out.stderr" ]; then
        bad "$name.idl: exit status $rc, stderr:"
        head -n 20 "$out.stderr" | sed 's/^/      /'
        continue
    fi
    for suffix in .h _types.c _client.c _server.c; do
        f=$name$suffix
        if [ ! -f "$HERE/golden/$f" ]; then
            bad "golden/$f is missing (MIDL_REGENERATE=1 makes it)"
        elif diff -u "$HERE/golden/$f" "$out/$f" >"$TMP/diff"; then
            ok "$name.idl -> $f as golden"
        else
            bad "$name.idl -> $f differs from golden/$f:"
            head -n 40 "$TMP/diff" | sed 's/^/      /'
        fi
    done
done

# ---- diagnostics ---------------------------------------------------------------------------

for idl in "$HERE"/errors/*.idl; do
    name=$(basename "$idl" .idl)
    out=$TMP/errors/$name
    mkdir -p "$out"
    (cd "$HERE/errors" && timeout 60 "$MIDL" -o "$out" "$name.idl") 2>"$out.err"
    rc=$?
    echo "exit status: $rc" >>"$out.err"
    if [ "$REGEN" = 1 ]; then
        cp "$out.err" "$HERE/errors/$name.err"
        echo "regenerated errors/$name.err"
        continue
    fi
    if diff -u "$HERE/errors/$name.err" "$out.err" >"$TMP/diff"; then
        ok "$name.idl: diagnostics as errors/$name.err"
    else
        bad "$name.idl: diagnostics differ from errors/$name.err:"
        head -n 40 "$TMP/diff" | sed 's/^/      /'
    fi
    if [ $rc -ne 0 ] && [ -n "$(ls -A "$out")" ]; then
        bad "$name.idl: files written despite errors: $(ls "$out")"
    fi
done
if [ "$REGEN" = 1 ]; then
    exit 0
fi

# ---- hostile input ---------------------------------------------------------------------------

# expect_fail NAME FILE: midl refuses FILE with a diagnostic (status 1) and no crash
expect_fail() {
    midl -o "$TMP/hostile" "$2" 2>"$TMP/hostile.err"
    local lines
    lines=$(wc -l <"$TMP/hostile.err")
    if [ $RC -eq 1 ] && grep -q "error" "$TMP/hostile.err" && [ "$lines" -lt 400 ]; then
        ok "$1: refused ($(grep -m1 error "$TMP/hostile.err" | cut -c1-90))"
    else
        bad "$1: exit status $RC, $lines lines on stderr"
        tail -n 5 "$TMP/hostile.err" | cut -c1-200 | sed 's/^/      /'
    fi
}
# expect_ok NAME FILE: midl compiles FILE
expect_ok() {
    midl -o "$TMP/hostile" "$2" 2>"$TMP/hostile.err"
    if [ $RC -eq 0 ]; then
        ok "$1: compiled"
    else
        bad "$1: exit status $RC"
        head -n 5 "$TMP/hostile.err" | cut -c1-200 | sed 's/^/      /'
    fi
}
repeat() { # repeat N TEXT
    local i
    for ((i = 0; i < $1; i++)); do printf '%s' "$2"; done
}

H=$TMP/h
mkdir -p "$H"
{ repeat 5000 "module m { "; echo "struct s { long x; };"; repeat 5000 "}; "; } >"$H/modules.idl"
expect_fail "5000 nested modules" "$H/modules.idl"
{ printf 'const long c = '; repeat 100000 "("; echo "1"; repeat 100000 ")"; echo ";"; } >"$H/parens.idl"
expect_fail "100000 nested parentheses" "$H/parens.idl"
{ printf 'typedef '; repeat 10000 "sequence<"; printf 'long'; repeat 10000 ">"; echo " s;"; } >"$H/seqs.idl"
expect_fail "10000 nested sequences" "$H/seqs.idl"
{ printf 'const long c = '; repeat 100000 "-"; echo "1;"; } >"$H/unary.idl"
expect_fail "100000 unary minus signs" "$H/unary.idl"
{ repeat 1000 "#if 1
"; } >"$H/ifs.idl"
expect_fail "1000 unclosed #if" "$H/ifs.idl"
head -c 200000 /dev/urandom >"$H/random.idl"
expect_fail "200 KB of random bytes" "$H/random.idl"
printf 'struct a { long x; };\0\0\0 struct b { long y; };\n' >"$H/nul.idl"
expect_fail "NUL bytes" "$H/nul.idl"
{ printf 'struct s { long '; repeat 100000 "x"; echo "; };"; } >"$H/ident.idl"
expect_ok "a 100000-character identifier" "$H/ident.idl"
{ printf 'const string s = "'; repeat 100000 "abcdefghij"; echo '";'; } >"$H/string.idl"
expect_ok "a 1 MB string constant" "$H/string.idl"
{
    echo "module big {"
    for ((i = 0; i < 20000; i++)); do
        echo "struct s$i { long a; string b; sequence<long> c; };"
    done
    echo "interface I {"
    for ((i = 0; i < 2000; i++)); do echo "s$i op$i(in s$i x, out long y);"; done
    echo "}; };"
} >"$H/huge.idl"
start=$(date +%s)
expect_ok "20000 structs and a 2000-operation interface" "$H/huge.idl"
echo "      ($(($(date +%s) - start)) s, $(wc -c <"$H/huge.idl") bytes)"
{
    echo "interface L0 { void op0(); typedef long T; };"
    echo "interface R0 { void r0(); };"
    for ((i = 1; i < 60; i++)); do
        echo "interface L$i : L$((i - 1)), R$((i - 1)) { void l$i(); };"
        echo "interface R$i : L$((i - 1)), R$((i - 1)) { void r$i(); T t$i(); };"
    done
} >"$H/lattice.idl"
start=$(date +%s)
expect_ok "60 levels of diamond inheritance (2^60 paths)" "$H/lattice.idl"
echo "      ($(($(date +%s) - start)) s)"
{ echo '#include "cycle_b.idl"'; echo 'struct A { long a; };'; } >"$H/cycle_a.idl"
{ echo '#include "cycle_a.idl"'; echo 'struct B { long b; };'; } >"$H/cycle_b.idl"
expect_ok "two files that include each other" "$H/cycle_a.idl"
{ echo '#include "self.idl"'; echo 'struct S { long s; };'; } >"$H/self.idl"
expect_ok "a file that includes itself" "$H/self.idl"
for ((i = 0; i < 80; i++)); do echo "#include \"chain$((i + 1)).idl\"" >"$H/chain$i.idl"; done
echo "struct End { long e; };" >"$H/chain80.idl"
expect_fail "80 levels of #include" "$H/chain0.idl"
{ repeat 200 "struct x { long y; }; "; } >"$H/redefined.idl"
midl -o "$TMP/hostile" "$H/redefined.idl" 2>"$TMP/hostile.err"
if [ $RC -eq 1 ] && grep -q "too many errors" "$TMP/hostile.err"; then
    ok "200 redefinitions: stops after too many errors"
else
    bad "200 redefinitions: exit status $RC, no 'too many errors'"
fi

# ---- the command line --------------------------------------------------------------------------

midl --help >"$TMP/out" 2>&1
if [ $RC -eq 0 ] && grep -q "^usage: midl" "$TMP/out"; then ok "--help"; else bad "--help: $RC"; fi
midl --version >"$TMP/out" 2>&1
if [ $RC -eq 0 ] && grep -q "^midl " "$TMP/out"; then ok "--version"; else bad "--version: $RC"; fi
midl >"$TMP/out" 2>&1
if [ $RC -eq 2 ] && grep -q "usage" "$TMP/out"; then ok "no file: usage, status 2"; else bad "no file: $RC"; fi
midl --bogus x.idl >"$TMP/out" 2>&1
if [ $RC -eq 2 ] && grep -q "unknown option" "$TMP/out"; then ok "unknown option: status 2"; else bad "unknown option: $RC"; fi
midl -o >"$TMP/out" 2>&1
if [ $RC -eq 2 ]; then ok "-o without a directory: status 2"; else bad "-o without a directory: $RC"; fi
midl "$TMP/none.idl" >"$TMP/out" 2>&1
if [ $RC -eq 1 ] && grep -q "cannot read" "$TMP/out"; then ok "missing file: status 1"; else bad "missing file: $RC"; fi
midl "$TMP" >"$TMP/out" 2>&1
if [ $RC -eq 1 ]; then ok "a directory as input: status 1"; else bad "a directory as input: $RC"; fi
midl -o "$TMP/new/nested/dir" --depfile "$TMP/deps.d" -I "$HERE/idl" "$HERE/idl/Everything.idl" 2>"$TMP/out"
if [ $RC -eq 0 ] && [ -f "$TMP/new/nested/dir/Everything_server.c" ]; then
    ok "-o creates the output directory"
else
    bad "-o creates the output directory: $RC"
fi
if grep -q "Everything_types.c" "$TMP/deps.d" && grep -q "/Common.idl" "$TMP/deps.d"; then
    ok "--depfile lists the outputs and the included file"
else
    bad "--depfile: $(cat "$TMP/deps.d" 2>/dev/null)"
fi
(cd "$HERE/idl" && timeout 60 "$MIDL" -o "$TMP/incl" Everything.idl) 2>"$TMP/out"
if [ -f "$TMP/incl/Everything.h" ]; then
    ok "without -I, includes are found beside the including file"
else
    bad "without -I: $(head -n 1 "$TMP/out")"
fi
midl -o "$TMP/fail" "$HERE/errors/semantic.idl" 2>/dev/null
if [ $RC -eq 1 ] && [ ! -e "$TMP/fail" ]; then
    ok "nothing is written (not even the directory) when there are errors"
else
    bad "after errors: status $RC, $(ls "$TMP/fail" 2>&1)"
fi

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]

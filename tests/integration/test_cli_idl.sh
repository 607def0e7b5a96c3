#!/usr/bin/env bash
# test_cli_idl.sh BUILD_DIR - `midway encode/decode --idl FILE --type M::T` as a user runs
# them: Person from tests/midl/idl/Person.idl gives the built-in Person's bytes in every
# format (Figure 4.8's 28 in CDR); every type of tests/midl/idl/Everything.idl (and of the
# Common.idl it includes) round-trips JSON -> format -> JSON through every codec, XDR
# refusing cleanly what it cannot carry (an any, a 64-bit discriminator); nested modules,
# #include with -I, the XML schema of an IDL type checked by xmllint; IDL errors printed
# exactly as midl prints them (exit 1); an unknown --type answered with the close names
# (exit 2); usage errors (exit 2).
#
# Values are compared with python3's json module, which keeps 64-bit integers exact.
# Every command runs under `timeout`.
set -u

BUILD=${1:?usage: test_cli_idl.sh BUILD_DIR}
MW=$BUILD/bin/midway
MIDL=$BUILD/bin/midl
HERE=$(cd "$(dirname "$0")" && pwd)
IDL=$HERE/../midl/idl
ERRORS=$HERE/../midl/errors
for exe in "$MW" "$MIDL"; do
    if [ ! -x "$exe" ]; then
        echo "FAIL: $exe is not built"
        exit 1
    fi
done
for tool in python3 od; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed (scripts/install-deps.sh)"
        exit 0
    fi
done
PY=$(python3 -c 'import sys; print(sys.executable)')
PY="$PY -S"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_cli_idl.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

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
# show NAME: the output files of a run, after a failure (binary output as hex).
show() {
    local f
    for f in "$TMP/$1".out "$TMP/$1".err; do
        [ -s "$f" ] || continue
        if grep -q '[^[:print:][:space:]]' "$f"; then
            od -A x -t x1z -v "$f" | head -n 8 | sed "s|^|      ${f##*/}: |"
        else
            head -n 20 "$f" | sed "s|^|      ${f##*/}: |"
        fi
    done
    return 0
}
# run NAME INPUT_FILE CMD...: stdin from INPUT_FILE, stdout and stderr in $TMP/NAME.{out,err},
# exit status in RC.
run() {
    local name=$1 input=$2
    shift 2
    timeout -k 5 20 "$@" <"$input" >"$TMP/$name.out" 2>"$TMP/$name.err"
    RC=$?
}
# run_in DIR NAME INPUT_FILE CMD...: run, from directory DIR (diagnostics name files as
# given, so midl and midway must be given the same relative names).
run_in() {
    local dir=$1 name=$2 input=$3
    shift 3
    (cd "$dir" && timeout -k 5 20 "$@") <"$input" >"$TMP/$name.out" 2>"$TMP/$name.err"
    RC=$?
}
same_json() {
    $PY -c 'import json, sys
a, b = (json.load(open(f, encoding="utf-8")) for f in sys.argv[1:3])
sys.exit(0 if a == b else 1)' "$1" "$2" 2>/dev/null
}
hex() {
    od -A n -t x1 -v "$1" | tr -d ' \n'
}
# expect_fail NAME CODE DESC [PATTERN]: exit CODE, nothing on stdout, stderr's first line
# starting with 'midway: ' and stderr matching the extended regex PATTERN if given.
expect_fail() {
    local name=$1 code=$2 desc=$3 pattern=${4:-}
    local first
    first=$(head -n1 "$TMP/$name.err")
    if [ "$RC" -ne "$code" ] || [ -s "$TMP/$name.out" ] || [[ $first != "midway: "* ]]; then
        bad "$desc (exit $RC, expected $code; stderr '$first')"
        show "$name"
    elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$TMP/$name.err"; then
        bad "$desc: stderr does not match /$pattern/: '$first'"
    else
        ok "$desc -> exit $code: $first"
    fi
}

# --- Person.idl: the built-in Person's bytes, Figure 4.8 -------------------------------
PERSON='{"name":"Smith","place":"London","year":1934}'
echo "$PERSON" >"$TMP/person.json"
CDR_BE=00000006536d697468000000000000074c6f6e646f6e00000000078e
run fig48 "$TMP/person.json" "$MW" encode --idl "$IDL/Person.idl" --type Person --to cdr
if [ "$RC" -eq 0 ] && [ "$(hex "$TMP/fig48.out")" = "$CDR_BE" ]; then
    ok "encode --idl Person.idl --type Person --to cdr: the 28 bytes of Figure 4.8"
else
    bad "encode --idl Person.idl --type Person --to cdr (exit $RC): $(hex "$TMP/fig48.out")"
    show fig48
fi
for fmt in cdr xdr json xml java; do
    run "p_idl_$fmt" "$TMP/person.json" "$MW" encode --idl "$IDL/Person.idl" --type Person \
        --to "$fmt"
    run "p_builtin_$fmt" "$TMP/person.json" "$MW" encode --type Person --to "$fmt"
    if [ "$RC" -eq 0 ] && [ -s "$TMP/p_idl_$fmt.out" ] &&
        cmp -s "$TMP/p_idl_$fmt.out" "$TMP/p_builtin_$fmt.out"; then
        ok "Person from Person.idl and the built-in Person: the same $fmt bytes"
    else
        bad "Person from Person.idl and the built-in Person differ in $fmt"
        show "p_idl_$fmt"
    fi
done
cp "$TMP/fig48.out" "$TMP/person.cdr"
run p_dec "$TMP/person.cdr" "$MW" decode --idl "$IDL/Person.idl" --type ::Person --from cdr
if [ "$RC" -eq 0 ] && same_json "$TMP/p_dec.out" "$TMP/person.json"; then
    ok "decode --idl Person.idl --type ::Person --from cdr: Smith, London, 1934"
else
    bad "decode --idl Person.idl --type ::Person --from cdr (exit $RC)"
    show p_dec
fi
run p_xsd /dev/null "$MW" encode --idl "$IDL/Person.idl" --type Person --xsd
run p_xsd_builtin /dev/null "$MW" encode --type Person --xsd
if [ "$RC" -eq 0 ] && [ -s "$TMP/p_xsd.out" ] && cmp -s "$TMP/p_xsd.out" "$TMP/p_xsd_builtin.out"
then
    ok "encode --idl Person.idl --type Person --xsd: the built-in Person's schema"
else
    bad "--xsd of Person from Person.idl differs from the built-in one"
    show p_xsd
fi

# --- Everything.idl: every type through every codec -----------------------------------
# One value per type (unions on each kind of discriminator, recursive types, a type in a
# struct in a module, an enum declared in a union's switch, the included Common.idl's
# types, an operation's argument structs), written by python.
$PY - "$TMP" >"$TMP/types.txt" <<'EOF'
import json, sys
d = sys.argv[1]
P = {"name": "Smith", "place": "London", "year": 1934}
basics = {"flag": True, "small": 200, "letter": "A", "s": -32768, "us": 65535,
          "l": -2147483648, "ul": 4294967295, "ll": -9223372036854775808,
          "ull": 18446744073709551615, "f": 1.5, "d": 3.141592653589793,
          "text": "h\u00e9llo \u20ac \U0001F600",
          "extra": {"type": "Person", "value": P},
          "ref": "mwref:192.168.1.20:6789/1732190000123/42/Everything::Diamond"}
showcase = {
    "basics": basics,
    "numbers": [1, -2, 2147483647], "tags": ["red", "\u03a9", ""], "blob": "AP8H",
    "matrix": [[1, 2, 3], [-4, -5, -6]], "grid": [[0, 0, 0], [1, 1, 1]],
    "color": "BLUE", "reading": {"_d": 3, "label": "three"}, "temperature": 21.5,
    "nested": [[1, 2, 3, 4], [5], []], "points": [{"x": 1, "y": 2}, {"x": -3, "y": 4}],
    "name": "ten chars!", "code": "12345", "quarter": [17, 0, 0, -1],
    "inner": {"x": 9, "mode": "OFF"},
    "corners": [{"x": 0, "y": 0}, {"x": 10, "y": 10}],
    "path": [{"x": 5, "y": 6}],
    "by_shape": {"_d": "TRIANGLE", "side": 2.0},
}
values = {
    "Common::Color": "GREEN",
    "Common::Point": {"x": -1, "y": 2147483647},
    "Common::Path": [{"x": 1, "y": 2}, {"x": 3, "y": 4}],
    "Everything::Count": -7,
    "Everything::Count2": 2147483647,
    "Everything::Celsius": -40.25,
    "Everything::LongSeq": [1, 2, 3],
    "Everything::Tags": ["a", "b", "c"],
    "Everything::LongSeqSeq": [[1], [], [2, 3]],
    "Everything::Grid": [[1, 2, 3], [4, 5, 6]],
    "Everything::Name": "bounded",
    "Everything::ColorAlias": "RED",
    "Everything::Pair": [1, -1],
    "Everything::Triple": [1, 2, 3],
    "Everything::Shape": "TRIANGLE",
    "Everything::Basics": basics,
    "Everything::Reading": {"_d": 1, "temperature": 36.6},
    "Everything::ByShape": {"_d": "CIRCLE", "radius": 0.5},
    "Everything::ByChar": {"_d": "b", "b": "bee"},
    "Everything::ByBool": {"_d": False, "no": "nope"},
    "Everything::ByHuge": {"_d": 18446744073709551615, "top": 5},
    "Everything::ByInline::Side": "RIGHT",
    "Everything::ByInline": {"_d": "RIGHT", "r": [[1, 2, 3], [4, 5, 6]]},
    "Everything::NodeSeq": [{"name": "leaf", "children": []}],
    "Everything::Node": {"name": "root", "children": [
        {"name": "a", "children": [{"name": "a1", "children": []}]},
        {"name": "b", "children": []}]},
    "Everything::Tree": {"kids": [{"kids": [], "value": 2}, {"kids": [], "value": 3}],
                         "value": 1},
    "Everything::Showcase::Inner::Mode": "ON",
    "Everything::Showcase::Inner": {"x": 1, "mode": "OFF"},
    "Everything::Showcase": showcase,
    "Everything::Invalid": {"reason": "bad", "code": 7},
    "Everything::Diamond::rotate_in": {"g": [[1, 2, 3], [4, 5, 6]], "p": [7, 8]},
    "Everything::Diamond::echo_out": {"_result": "r", "t": "t", "u": "u"},
    "Everything::Holder": {"ref": "mwref:[::1]:80/1/0/Everything::Later"},
    "Everything::Keywords": {"int": 1, "default": "d", "register": 2.5},
}
for name, v in values.items():
    with open(f"{d}/{name.replace('::', '.')}.json", "w", encoding="utf-8") as f:
        json.dump(v, f, ensure_ascii=False)
print("\n".join(values))
EOF

# Every value type of the file has a value above (exceptions without members have none).
"$MW" encode --idl "$IDL/Everything.idl" --list-types 2>"$TMP/list.err" |
    grep -v -e '::_get_\|::_set_\|_in$\|_out$' -e '^Everything::NotFound$' >"$TMP/listed.txt"
missing=$(grep -vxF -f "$TMP/types.txt" "$TMP/listed.txt" | tr '\n' ' ')
if [ -s "$TMP/listed.txt" ] && [ -z "$missing" ]; then
    ok "--list-types of Everything.idl: $(wc -l <"$TMP/listed.txt") types, each with a value here"
else
    bad "types of Everything.idl without a value in this test: $missing"
fi

# XDR has no `any` and only 32-bit discriminators: it refuses those types, in one line.
refused() { # FORMAT TYPE
    [ "$1" = xdr ] && case $2 in
        Everything::Basics | Everything::Showcase) return 0 ;;
        Everything::ByHuge) return 0 ;;
        *) return 1 ;;
        esac
}
rt_ok=0
while read -r type; do
    value="$TMP/${type//::/.}.json"
    for fmt in cdr xdr json xml java; do
        name="rt_${fmt}"
        run "$name" "$value" "$MW" encode --idl "$IDL/Everything.idl" --type "$type" --to "$fmt"
        if refused "$fmt" "$type"; then
            if [ "$RC" -eq 1 ] && [ ! -s "$TMP/$name.out" ] &&
                [ "$(wc -l <"$TMP/$name.err")" -eq 1 ] &&
                grep -q "^midway: encode $fmt: " "$TMP/$name.err"; then
                ok "encode --type $type --to $fmt refused: $(cat "$TMP/$name.err")"
            else
                bad "encode --type $type --to $fmt: exit $RC, expected a one-line refusal"
                show "$name"
            fi
            continue
        fi
        if [ "$RC" -ne 0 ] || [ ! -s "$TMP/$name.out" ]; then
            bad "encode --idl Everything.idl --type $type --to $fmt: exit $RC"
            show "$name"
            continue
        fi
        cp "$TMP/$name.out" "$TMP/$name.enc"
        run "${name}_back" "$TMP/$name.enc" "$MW" decode --idl "$IDL/Everything.idl" \
            --type "$type" --from "$fmt"
        if [ "$RC" -eq 0 ] && same_json "$TMP/${name}_back.out" "$value"; then
            rt_ok=$((rt_ok + 1))
        else
            bad "round trip JSON -> $fmt -> JSON: $type (decode exit $RC)"
            show "${name}_back"
        fi
    done
done <"$TMP/types.txt"
ok "$rt_ok round trips JSON -> format -> JSON of Everything.idl's types gave the value back"

# The XML schema of an IDL type validates what encode --to xml writes for it.
if command -v xmllint >/dev/null; then
    for type in Everything::Showcase Everything::Node Everything::ByInline; do
        value="$TMP/${type//::/.}.json"
        run xsd /dev/null "$MW" encode --idl "$IDL/Everything.idl" --type "$type" --xsd
        cp "$TMP/xsd.out" "$TMP/schema.xsd"
        run xsd_doc "$value" "$MW" encode --idl "$IDL/Everything.idl" --type "$type" --to xml
        cp "$TMP/xsd_doc.out" "$TMP/doc.xml"
        if timeout -k 5 20 xmllint --noout --schema "$TMP/schema.xsd" "$TMP/doc.xml" \
            >"$TMP/xmllint.out" 2>&1; then
            ok "xmllint --schema (encode --idl --xsd) validates encode --to xml: $type"
        else
            bad "xmllint rejects $type against its --xsd"
            sed 's/^/      /' "$TMP/xmllint.out" | head -n 10
        fi
    done
else
    echo "note  xmllint is not installed (libxml2-utils): schema checks not run"
fi

# A value that does not fit the type names the member, as for built-in types.
$PY -c 'import json, sys
v = json.load(open(sys.argv[1])); v["code"] = "123456"
json.dump(v, open(sys.argv[2], "w"))' "$TMP/Everything.Showcase.json" "$TMP/long_code.json"
run bound "$TMP/long_code.json" "$MW" encode --idl "$IDL/Everything.idl" \
    --type Everything::Showcase --to cdr
expect_fail bound 1 "encode of a Showcase whose string<5> holds 6 bytes" 'at \$\.code$'

# --- nested modules and #include -I -----------------------------------------------------
mkdir -p "$TMP/inc" "$TMP/src"
cat >"$TMP/inc/geo.idl" <<'EOF'
// geo.idl - included through -I
#ifndef GEO_IDL
#define GEO_IDL
module Geo {
    module Units {
        enum Unit { METRE, FOOT };
        struct Length { double value; Unit unit; };
    };
    typedef sequence<Units::Length, 4> Lengths;
};
#endif
EOF
cat >"$TMP/src/map.idl" <<'EOF'
#include <geo.idl>
module Maps {
    module Inner {
        module Deepest {
            struct Place {
                string<16> name;
                Geo::Lengths sides;
                Geo::Units::Length height;
                short tile[2][2];
            };
        };
    };
};
EOF
echo '{"name":"Kew","sides":[{"value":1.5,"unit":"METRE"},{"value":3,"unit":"FOOT"}],
"height":{"value":0.25,"unit":"FOOT"},"tile":[[1,2],[3,-4]]}' >"$TMP/place.json"
T=Maps::Inner::Deepest::Place
for fmt in cdr xdr json xml java; do
    run nest "$TMP/place.json" "$MW" encode --idl "$TMP/src/map.idl" -I "$TMP/inc" --type "$T" \
        --to "$fmt"
    cp "$TMP/nest.out" "$TMP/nest.enc"
    run nest_back "$TMP/nest.enc" "$MW" decode --idl "$TMP/src/map.idl" -I"$TMP/inc" \
        --type "::$T" --from "$fmt"
    if [ "$RC" -eq 0 ] && same_json "$TMP/nest_back.out" "$TMP/place.json"; then
        ok "three nested modules and a type from an #include (-I): $T through $fmt"
    else
        bad "$T through $fmt (decode exit $RC)"
        show nest
        show nest_back
    fi
done
echo '{"value":2,"unit":"FOOT"}' >"$TMP/length.json"
run inc_type "$TMP/length.json" "$MW" encode --idl "$TMP/src/map.idl" -I "$TMP/inc" \
    --type Geo::Units::Length --to cdr --hex
if [ "$RC" -eq 0 ] && [ "$(tr -d '\n' <"$TMP/inc_type.out")" = 400000000000000000000001 ]
then
    ok "a type declared in the included file: Geo::Units::Length (2.0, FOOT) in CDR"
else
    bad "Geo::Units::Length from the included file (exit $RC)"
    show inc_type
fi
# Without -I the #include is not found: midl's diagnostic, exit 1.
(cd "$TMP/src" && timeout -k 5 20 "$MIDL" -o "$TMP/gen" map.idl) >/dev/null 2>"$TMP/midl_inc.err"
run_in "$TMP/src" noinc "$TMP/place.json" "$MW" encode --idl map.idl --type "$T" --to cdr
if [ "$RC" -eq 1 ] && [ -s "$TMP/noinc.err" ] && cmp -s "$TMP/noinc.err" "$TMP/midl_inc.err"; then
    ok "an #include not found without -I: exit 1, midl's diagnostic: $(head -n1 "$TMP/noinc.err")"
else
    bad "#include without -I: exit $RC, stderr differs from midl's"
    show noinc
fi

# --- IDL errors: exactly midl's diagnostics, exit 1 ---------------------------------------
# tests/midl/errors holds every diagnostic midl gives; each file must give the same text.
for idl in "$ERRORS"/*.idl; do
    base=${idl##*/}
    (cd "$ERRORS" && timeout -k 5 20 "$MIDL" -o "$TMP/gen" "$base") >/dev/null 2>"$TMP/midl.err"
    midl_rc=$?
    [ $midl_rc -eq 1 ] || continue # warnings.idl compiles
    run_in "$ERRORS" idl_err "$TMP/person.json" "$MW" encode --idl "$base" --type T --to cdr
    if [ "$RC" -eq 1 ] && [ ! -s "$TMP/idl_err.out" ] && cmp -s "$TMP/idl_err.err" "$TMP/midl.err"
    then
        ok "errors/$base: exit 1 with midl's $(grep -c ': error: ' "$TMP/midl.err") errors, as midl prints them"
    else
        bad "errors/$base: exit $RC, stderr differs from midl's:"
        diff "$TMP/midl.err" "$TMP/idl_err.err" | head -n 10 | sed 's/^/      /'
    fi
done
printf 'module M {\n    struct P { long x }\n};\n' >"$TMP/src/broken.idl"
run_in "$TMP/src" syntax "$TMP/person.json" "$MW" decode --idl broken.idl --type M::P --from cdr
if [ "$RC" -eq 1 ] && [ "$(head -n1 "$TMP/syntax.err")" = \
    "broken.idl:2:23: error: expected ';' after a member, found '}'" ] &&
    [ "$(sed -n 3p "$TMP/syntax.err")" = "                      ^" ]; then
    ok "a syntax error: exit 1, $(head -n1 "$TMP/syntax.err"), the line and a caret"
else
    bad "a syntax error (exit $RC)"
    show syntax
fi
# Warnings are printed, and the command goes on.
run_in "$ERRORS" warn "$TMP/person.json" "$MW" encode --idl warnings.idl --list-types
if [ "$RC" -eq 0 ] && grep -q "^Annotated$" "$TMP/warn.out" &&
    grep -q "warnings.idl:2:2: warning: unknown #pragma" "$TMP/warn.err"; then
    ok "IDL warnings are printed as midl prints them, and the command goes on"
else
    bad "IDL warnings (exit $RC)"
    show warn
fi
run noidl "$TMP/person.json" "$MW" encode --idl "$TMP/absent.idl" --type T --to cdr
expect_fail noidl 1 "encode --idl of a file that does not exist" "cannot read .*absent.idl"

# --- an unknown --type: the close names, exit 2 ---------------------------------------------
usage_fail() { # NAME DESC PATTERN ARGS...
    local name=$1 desc=$2 pattern=$3
    shift 3
    run "$name" "$TMP/person.json" "$MW" "$@"
    if [ "$RC" -eq 2 ] && [ ! -s "$TMP/$name.out" ] && grep -q '^usage: midway' "$TMP/$name.err" &&
        grep -qE -- "$pattern" "$TMP/$name.err"; then
        ok "$desc -> exit 2: $(head -n1 "$TMP/$name.err")"
    else
        bad "$desc: exit $RC, expected 2 and /$pattern/"
        show "$name"
    fi
}
usage_fail t1 "--type Persn" "did you mean Person\?" \
    encode --idl "$IDL/Person.idl" --type Persn --to cdr
usage_fail t2 "--type Showcase without its module" "did you mean Everything::Showcase" \
    decode --idl "$IDL/Everything.idl" --type Showcase --from cdr
usage_fail t3 "--type in the wrong case" "did you mean Everything::Node" \
    encode --idl "$IDL/Everything.idl" --type everything::node --to json
usage_fail t4 "--type far from every name" "it declares Person, People, UnknownPerson" \
    encode --idl "$IDL/Person.idl" --type Zebra --to cdr
usage_fail t5 "--type of a built-in type not in the IDL file" "unknown type 'PersonRecord' in" \
    encode --idl "$IDL/Person.idl" --type PersonRecord --to cdr
usage_fail t6 "--type of an exception without members" "without members" \
    encode --idl "$IDL/Everything.idl" --type Everything::NotFound --to cdr
usage_fail u1 "-I without --idl" "-I applies to --idl only" \
    encode -I "$IDL" --type Person --to cdr
usage_fail u2 "two --idl files" "one --idl file at a time" \
    encode --idl "$IDL/Person.idl" --idl "$IDL/Hello.idl" --type Person --to cdr
usage_fail u3 "--idl without --type" "--type is required" encode --idl "$IDL/Person.idl" --to cdr
usage_fail u4 "--idl with -I but no directory" "needs a value" \
    encode --idl "$IDL/Person.idl" --type Person --to cdr -I
# Usage errors come before the IDL is read: a broken file does not hide them.
usage_fail u5 "a usage error and a broken IDL file" "--to FORMAT is required" \
    encode --idl "$TMP/src/broken.idl" --type M::P
if [ ! -s "$TMP/u5.err" ] || ! grep -q "error: expected" "$TMP/u5.err"; then
    ok "... and the IDL file was not read"
else
    bad "the IDL file was read before the usage error"
fi

# --- --help says how ----------------------------------------------------------------------
run help /dev/null "$MW" encode --help
if [ "$RC" -eq 0 ] && grep -q -- "--idl FILE" "$TMP/help.out" && grep -q -- "-I DIR" "$TMP/help.out"
then
    ok "encode --help describes --idl and -I"
else
    bad "encode --help (exit $RC) does not describe --idl"
fi

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]

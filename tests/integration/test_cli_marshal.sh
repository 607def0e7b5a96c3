#!/usr/bin/env bash
# test_cli_marshal.sh BUILD_DIR - `midway encode` and `midway decode` as a user runs them:
# Figure 4.8's CDR bytes and RFC 4506's XDR bytes for Person, JSON -> format -> JSON round
# trips for every codec and built-in type, the XML schema checked by xmllint against the
# documents `encode --to xml` writes, and what bad input, bad usage and --help give.
#
# Values are compared with python3's json module, which keeps 64-bit integers exact (jq
# turns them into doubles). Every command runs under `timeout`.
set -u

BUILD=${1:?usage: test_cli_marshal.sh BUILD_DIR}
MW=$BUILD/bin/midway
if [ ! -x "$MW" ]; then
    echo "FAIL: $MW is not built"
    exit 1
fi
for tool in python3 od; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed (scripts/install-deps.sh)"
        exit 0
    fi
done

# The interpreter itself rather than a version manager's shim, which costs a fraction of a
# second per start; -S skips site packages (only the standard library is used).
PY=$(python3 -c 'import sys; print(sys.executable)')
PY="$PY -S"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_cli_marshal.XXXXXX")
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

# run NAME INPUT_FILE CMD...: runs CMD with stdin from INPUT_FILE (/dev/null for none),
# stdout and stderr in $TMP/NAME.{out,err}; RC gets its exit status.
run() {
    local name=$1 input=$2
    shift 2
    timeout 20 "$@" <"$input" >"$TMP/$name.out" 2>"$TMP/$name.err"
    RC=$?
}

# same_json A B: the two files hold equal JSON values.
same_json() {
    $PY -c 'import json, sys
a, b = (json.load(open(f, encoding="utf-8")) for f in sys.argv[1:3])
sys.exit(0 if a == b else 1)' "$1" "$2" 2>/dev/null
}

# expect_fail NAME CODE DESC [PATTERN]: exit CODE, nothing on stdout, stderr starting with
# 'midway: ' (and matching the extended regex PATTERN if given). For CODE 1, stderr must be
# one line: a value error, not a usage dump.
expect_fail() {
    local name=$1 code=$2 desc=$3 pattern=${4:-}
    local first lines
    first=$(head -n1 "$TMP/$name.err")
    lines=$(wc -l <"$TMP/$name.err")
    if [ "$RC" -ne "$code" ] || [ -s "$TMP/$name.out" ] || [[ $first != "midway: "* ]]; then
        bad "$desc (exit $RC, expected $code; stderr '$first')"
        show "$name"
    elif [ "$code" -eq 1 ] && [ "$lines" -ne 1 ]; then
        bad "$desc: $lines lines on stderr, expected 1"
        show "$name"
    elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$TMP/$name.err"; then
        bad "$desc: stderr does not match /$pattern/: '$first'"
    else
        ok "$desc -> exit $code: $first"
    fi
}

# hex FILE: the file's bytes as lowercase hex on one line (what `xxd -p` gives, unwrapped).
hex() {
    od -A n -t x1 -v "$1" | tr -d ' \n'
}

# expect_hex NAME HEX DESC: exit 0 and stdout's bytes are HEX.
expect_hex() {
    local got
    got=$(hex "$TMP/$1.out")
    if [ "$RC" -eq 0 ] && [ "$got" = "$2" ]; then
        ok "$3"
    else
        bad "$3 (exit $RC)"
        echo "      got:      $got"
        echo "      expected: $2"
        show "$1"
    fi
}

# --- values -----------------------------------------------------------------------------
PERSON='{"name":"Smith","place":"London","year":1934}'
echo "$PERSON" >"$TMP/person.json"
echo '{"id":7,"name":"Smith","place":"London","year":1934}' >"$TMP/record.json"
# Showcase with every member set: a union on each of its three kinds of case, the owner
# present and absent, an any holding a Person, a sequence<long> and nothing, 64-bit
# extremes, non-ASCII text.
$PY - "$TMP" <<'EOF'
import json, sys
d = sys.argv[1]
base = {
    "basics": {"flag": True, "small": 200, "letter": "A", "s": -32768, "us": 65535,
               "l": -2147483648, "ul": 4294967295, "ll": -9223372036854775808,
               "ull": 18446744073709551615, "f": 1.5, "d": 3.141592653589793,
               "text": "h\u00e9llo w\u00f6rld \u20ac \U0001F600"},
    "numbers": [1, -2, 3, 2147483647],
    "tags": ["red", "green", "blue"],
    "blob": "AAEC/w==",
    "matrix": [[1, 2, 3], [-4, -5, -6]],
    "color": "BLUE",
    "reading": {"_d": 2, "label": "warm"},
    "temperature": -40.25,
    "owner": {"name": "Smith", "place": "London", "year": 1934},
    "people": [{"name": "Smith", "place": "London", "year": 1934},
               {"name": "Jones", "place": "Paris", "year": 1950}],
    "extra": {"type": "Person", "value": {"name": "Any", "place": "Where", "year": 1}},
    "ref": "mwref:192.168.1.20:6789/1732190000123/42/HelloApp::Hello",
}
variants = {
    "showcase": {},
    "showcase2": {"reading": {"_d": 1, "temperature": 21.5}, "owner": None,
                  "extra": {"type": "sequence<long>", "value": [1, 2, -3]},
                  "people": [], "numbers": [], "tags": [], "blob": ""},
    "showcase3": {"reading": {"_d": 9, "color": "GREEN"}, "extra": None,
                  "ref": "mwref:[::1]:80/1/0/Empty"},
}
for name, changes in variants.items():
    v = dict(base)
    v.update(changes)
    with open(f"{d}/{name}.json", "w", encoding="utf-8") as f:
        json.dump(v, f, ensure_ascii=False)
EOF

# --- Figure 4.8: Person in CDR, and in XDR --------------------------------------------
# CDR (big-endian): length 6 counting the NUL, "Smith\0", 2 bytes padding to 4, length 7,
# "London\0", 1 byte padding, 1934 = 0x78e.
CDR_BE=00000006536d697468000000000000074c6f6e646f6e00000000078e
CDR_LE=06000000536d697468000000070000004c6f6e646f6e00008e070000
# XDR (RFC 4506): length 5 without a NUL, the bytes padded to 4, length 6, "London" padded,
# 1934 as an unsigned int.
XDR=00000005536d69746800000000000006
XDR=${XDR}4c6f6e646f6e00000000078e

run cdr "$TMP/person.json" "$MW" encode --type Person --to cdr
expect_hex cdr "$CDR_BE" "encode --type Person --to cdr: the 28 bytes of Figure 4.8"
cp "$TMP/cdr.out" "$TMP/person.cdr"
run cdr_hex "$TMP/person.json" "$MW" encode --type Person --to cdr --hex
if [ "$RC" -eq 0 ] && [ "$(tr -d '\n' <"$TMP/cdr_hex.out")" = "$CDR_BE" ]; then
    ok "encode --hex prints the same bytes as hex"
else
    bad "encode --hex (exit $RC)"
    show cdr_hex
fi
run cdr_big "$TMP/person.json" "$MW" encode --type Person --to cdr --byte-order big
expect_hex cdr_big "$CDR_BE" "encode --to cdr --byte-order big is the default"
run cdr_le "$TMP/person.json" "$MW" encode --type Person --to cdr --byte-order little
expect_hex cdr_le "$CDR_LE" "encode --to cdr --byte-order little: the same value, little-endian"
cp "$TMP/cdr_le.out" "$TMP/person_le.cdr"
run xdr "$TMP/person.json" "$MW" encode --type Person --to xdr
expect_hex xdr "$XDR" "encode --type Person --to xdr: RFC 4506 bytes"

# Decoding the golden bytes gives the value back, in either order.
$PY -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$CDR_BE" \
    >"$TMP/golden.cdr"
run dec_cdr "$TMP/golden.cdr" "$MW" decode --type Person --from cdr
if [ "$RC" -eq 0 ] && same_json "$TMP/dec_cdr.out" "$TMP/person.json"; then
    ok "decode --from cdr of Figure 4.8's bytes gives Smith, London, 1934"
else
    bad "decode --from cdr of the golden bytes (exit $RC)"
    show dec_cdr
fi
run dec_le "$TMP/person_le.cdr" "$MW" decode --type Person --from cdr --byte-order little
if [ "$RC" -eq 0 ] && same_json "$TMP/dec_le.out" "$TMP/person.json"; then
    ok "decode --from cdr --byte-order little reads the little-endian bytes"
else
    bad "decode --byte-order little (exit $RC)"
    show dec_le
fi
printf '%s\n' "$CDR_BE" >"$TMP/golden.hex"
run dec_hex "$TMP/golden.hex" "$MW" decode --type Person --from cdr --hex
if [ "$RC" -eq 0 ] && same_json "$TMP/dec_hex.out" "$TMP/person.json"; then
    ok "decode --hex reads hex text"
else
    bad "decode --hex (exit $RC)"
    show dec_hex
fi
if $PY -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMP/dec_cdr.out" &&
    [ "$(wc -l <"$TMP/dec_cdr.out")" -gt 1 ]; then
    ok "decode writes indented JSON"
else
    bad "decode output is not indented JSON"
    show dec_cdr
fi

# --- round trips: JSON -> format -> JSON for every codec and type ---------------------
# XDR has no way to describe the type of an `any`, so it refuses Showcase (whose `extra`
# member is one): that refusal must be a clean one-line error.
unsupported() {
    [ "$1" = xdr ] && [[ $2 == Showcase ]]
}
roundtrip() { # FORMAT TYPE VALUE_NAME [OPTIONS...]
    local fmt=$1 type=$2 value=$3
    shift 3
    local name="rt_${fmt}_${value}"
    run "$name" "$TMP/$value.json" "$MW" encode --type "$type" --to "$fmt" "$@"
    if unsupported "$fmt" "$type"; then
        expect_fail "$name" 1 "encode --type $type --to $fmt refuses what $fmt cannot carry"
        return
    fi
    if [ "$RC" -ne 0 ] || [ ! -s "$TMP/$name.out" ]; then
        bad "encode --type $type --to $fmt $* ($value): exit $RC"
        show "$name"
        return
    fi
    cp "$TMP/$name.out" "$TMP/$name.enc"
    run "${name}_back" "$TMP/$name.enc" "$MW" decode --type "$type" --from "$fmt" "$@"
    if [ "$RC" -eq 0 ] && same_json "$TMP/${name}_back.out" "$TMP/$value.json"; then
        ok "round trip JSON -> $fmt -> JSON: $type ($value${*:+, $*}, $(wc -c <"$TMP/$name.enc") bytes)"
    else
        bad "round trip JSON -> $fmt -> JSON: $type ($value${*:+, $*}): decode exit $RC"
        show "${name}_back"
    fi
}
for fmt in cdr xdr json xml java; do
    roundtrip "$fmt" Person person
    roundtrip "$fmt" PersonRecord record
    for v in showcase showcase2 showcase3; do
        roundtrip "$fmt" Showcase "$v"
    done
done
roundtrip cdr Showcase showcase --byte-order little
roundtrip cdr Showcase showcase --byte-order native
roundtrip json Showcase showcase --pretty
roundtrip xml Showcase showcase --pretty
roundtrip xml PersonRecord record --xml-ns http://www.cdk5.net/person --xml-prefix pers
roundtrip xml PersonRecord record --xml-ns http://www.cdk5.net/person
roundtrip java Person person --java-class cdk.Person --java-suid -42

# Options that change the bytes must be given again to read them back.
run java_cls "$TMP/person.json" "$MW" encode --type Person --to java --java-class cdk.Person
cp "$TMP/java_cls.out" "$TMP/person_cls.java"
run java_wrong "$TMP/person_cls.java" "$MW" decode --type Person --from java
expect_fail java_wrong 1 "decode --from java of another class name" "at byte [0-9]+"

# --- the XML schema (Figure 4.12) validates what encode --to xml writes -----------------
sed 's|<year>1934</year>|<year>-1</year>|' "$TMP/rt_xml_person.enc" >"$TMP/bad.xml"
if command -v xmllint >/dev/null; then
    xsd_check() { # TYPE VALUE_NAME [XML OPTIONS...]
        local type=$1 value=$2
        shift 2
        run xsd "$TMP/person.json" "$MW" encode --type "$type" --xsd "$@"
        cp "$TMP/xsd.out" "$TMP/schema.xsd"
        run xsd_doc "$TMP/$value.json" "$MW" encode --type "$type" --to xml "$@"
        cp "$TMP/xsd_doc.out" "$TMP/doc.xml"
        if timeout 20 xmllint --noout --schema "$TMP/schema.xsd" "$TMP/doc.xml" \
            >"$TMP/xmllint.out" 2>&1; then
            ok "xmllint --schema validates encode --to xml: $type ($value${*:+, $*})"
        else
            bad "xmllint --schema rejects $type ($value) $*"
            sed 's/^/      /' "$TMP/xmllint.out" | head -n 10
        fi
    }
    xsd_check Person person
    xsd_check PersonRecord record --xml-ns http://www.cdk5.net/person --xml-prefix pers
    xsd_check PersonRecord record --xml-ns http://www.cdk5.net/person
    for v in showcase showcase2 showcase3; do
        xsd_check Showcase "$v"
    done
    # And the schema is strict enough to catch a wrong document.
    run xsd "$TMP/person.json" "$MW" encode --type Person --xsd
    cp "$TMP/xsd.out" "$TMP/schema.xsd"
    if ! xmllint --noout --schema "$TMP/schema.xsd" "$TMP/bad.xml" >/dev/null 2>&1; then
        ok "xmllint --schema rejects a Person whose year is -1"
    else
        bad "the Person schema accepts year -1"
    fi
else
    echo "note  xmllint is not installed (libxml2-utils): schema checks not run"
fi
run xsd_val "$TMP/bad.xml" "$MW" decode --type Person --from xml --validate
expect_fail xsd_val 1 "decode --from xml --validate of a year -1" "/Person/year"

# --- bad input: one line, exit 1, where it stopped -------------------------------------
# Every truncation of the CDR bytes fails cleanly, naming a byte offset within the input.
trunc_ok=1
for ((n = 0; n < 28; n++)); do
    head -c "$n" "$TMP/person.cdr" >"$TMP/trunc.cdr"
    run trunc "$TMP/trunc.cdr" "$MW" decode --type Person --from cdr
    off=$(sed -n 's/.* at byte \([0-9]*\).*/\1/p' "$TMP/trunc.err")
    if [ "$RC" -ne 1 ] || [ -s "$TMP/trunc.out" ] || [ "$(wc -l <"$TMP/trunc.err")" -ne 1 ] ||
        [ -z "$off" ] || [ "$off" -gt "$n" ]; then
        bad "decode --from cdr of the first $n bytes (exit $RC)"
        show trunc
        trunc_ok=0
        break
    fi
done
[ $trunc_ok = 1 ] && ok "decode --from cdr of each of the 28 truncations: exit 1, one line 'at byte N'"
head -c 17 "$TMP/person.cdr" >"$TMP/trunc.cdr"
run trunc17 "$TMP/trunc.cdr" "$MW" decode --type Person --from cdr
expect_fail trunc17 1 "decode --from cdr of 17 of the 28 bytes" \
    "^midway: decode cdr: .* at byte [0-9]+"
cat "$TMP/person.cdr" >"$TMP/long.cdr"
printf '\0' >>"$TMP/long.cdr"
run trailing "$TMP/long.cdr" "$MW" decode --type Person --from cdr
expect_fail trailing 1 "decode --from cdr with a trailing byte" "at byte 28"
head -c 21 "$TMP/rt_xdr_person.enc" >"$TMP/trunc.xdr"
run trunc_xdr "$TMP/trunc.xdr" "$MW" decode --type Person --from xdr
expect_fail trunc_xdr 1 "decode --from xdr of 21 of the 28 bytes" \
    "^midway: decode xdr: .* at byte [0-9]+"
head -c 40 "$TMP/rt_java_person.enc" >"$TMP/trunc.java"
run trunc_java "$TMP/trunc.java" "$MW" decode --type Person --from java
expect_fail trunc_java 1 "decode --from java of 40 bytes" "^midway: decode java: .* at byte"
printf '%s\n' "0000000" >"$TMP/odd.hex"
run odd_hex "$TMP/odd.hex" "$MW" decode --type Person --from cdr --hex
expect_fail odd_hex 1 "decode --hex of an odd number of digits" "odd"
printf 'zz\n' >"$TMP/bad.hex"
run bad_hex "$TMP/bad.hex" "$MW" decode --type Person --from cdr --hex
expect_fail bad_hex 1 "decode --hex of text that is not hex" "hex"

# JSON input that does not fit the type names the member.
echo '{"name":"Smith","place":"London","year":"1934"}' >"$TMP/bad1.json"
run bad_json1 "$TMP/bad1.json" "$MW" encode --type Person --to cdr
expect_fail bad_json1 1 "encode of a string year" '^midway: decode json: .* at \$\.year$'
echo '{"name":"Smith","place":"London","year":-1}' >"$TMP/bad2.json"
run bad_json2 "$TMP/bad2.json" "$MW" encode --type Person --to xdr
expect_fail bad_json2 1 "encode of year -1" 'at \$\.year$'
$PY -c 'import json, sys
v = json.load(open(sys.argv[1])); v["people"][1]["name"] = 5
json.dump(v, open(sys.argv[2], "w"))' "$TMP/showcase.json" "$TMP/bad3.json"
run bad_json3 "$TMP/bad3.json" "$MW" encode --type Showcase --to cdr
expect_fail bad_json3 1 "encode of a Showcase with a number as a name" \
    'at \$\.people\[1\]\.name$'
echo '{"name":"Smith","place":"London"}' >"$TMP/bad4.json"
run bad_json4 "$TMP/bad4.json" "$MW" encode --type Person --to cdr
expect_fail bad_json4 1 "encode of a Person without its year" "year"
printf '{"name":"Smith",' >"$TMP/bad5.json"
run bad_json5 "$TMP/bad5.json" "$MW" encode --type Person --to cdr
expect_fail bad_json5 1 "encode of truncated JSON" "^midway: decode json: "
run bad_json6 /dev/null "$MW" decode --type Person --from json
expect_fail bad_json6 1 "decode --from json of empty input" "^midway: decode json: "
sed 's|<year>1934</year>|<year>19x4</year>|' "$TMP/rt_xml_person.enc" >"$TMP/bad.xml"
run bad_xml "$TMP/bad.xml" "$MW" decode --type Person --from xml
expect_fail bad_xml 1 "decode --from xml of year 19x4" '^midway: decode xml: .* at /Person/year$'

# --- usage: exit 2 with the synopsis; --help and --list-types -------------------------
# A wrong command line shows the synopsis; a bad option value is one line (as in every
# midway command).
usage_fail() { # DESC ARGS...
    local desc=$1
    shift
    run usage "$TMP/person.json" "$MW" "$@"
    if [ "$RC" -eq 2 ] && [ ! -s "$TMP/usage.out" ] && grep -q '^midway: ' "$TMP/usage.err" &&
        grep -q '^usage: midway' "$TMP/usage.err"; then
        ok "$desc -> exit 2: $(head -n1 "$TMP/usage.err")"
    else
        bad "$desc: exit $RC, expected 2 with usage on stderr"
        show usage
    fi
}
usage_fail "encode --type Nobody (unknown type)" encode --type Nobody --to cdr
usage_fail "decode --type Nobody (unknown type)" decode --type Nobody --from cdr
usage_fail "encode without --type" encode --to cdr
usage_fail "encode without --to" encode --type Person
usage_fail "encode --to yaml (unknown format)" encode --type Person --to yaml
usage_fail "encode --from (decode's option)" encode --type Person --from cdr
usage_fail "decode --to (encode's option)" decode --type Person --to cdr
usage_fail "decode --xsd" decode --type Person --xsd
usage_fail "encode --byte-order sideways" encode --type Person --to cdr --byte-order sideways
usage_fail "encode --to xdr --byte-order little" encode --type Person --to xdr --byte-order little
usage_fail "encode --to cdr --xml-ns" encode --type Person --to cdr --xml-ns urn:x
usage_fail "encode --xml-prefix without --xml-ns" encode --type Person --to xml --xml-prefix p
run suid "$TMP/person.json" "$MW" encode --type Person --to java --java-suid twelve
expect_fail suid 2 "encode --java-suid twelve" "not a number"
run suid2 "$TMP/person.json" "$MW" encode --type Person --to java --java-suid 9223372036854775808
expect_fail suid2 2 "encode --java-suid 2^63" "out of range"
usage_fail "encode with an operand" encode --type Person --to cdr person.json
usage_fail "encode --bogus" encode --type Person --to cdr --bogus

for args in "encode --help" "decode --help" "help encode" "help decode"; do
    # shellcheck disable=SC2086
    run help /dev/null "$MW" $args
    if [ "$RC" -eq 0 ] && grep -q "^usage: midway ${args##* }\|^usage: midway ${args%% *}" \
        "$TMP/help.out" && grep -q -- '--type T' "$TMP/help.out"; then
        ok "midway $args: usage and options on stdout, exit 0"
    else
        bad "midway $args: exit $RC"
        show help
    fi
done
run top_help /dev/null "$MW" --help
if grep -qE '^  encode ' "$TMP/top_help.out" && grep -qE '^  decode ' "$TMP/top_help.out"; then
    ok "midway --help lists encode and decode"
else
    bad "midway --help does not list encode and decode"
    show top_help
fi
run types /dev/null "$MW" encode --list-types
if [ "$RC" -eq 0 ] && [ "$(tr '\n' ' ' <"$TMP/types.out")" = "Person PersonRecord Showcase " ]; then
    ok "encode --list-types: Person PersonRecord Showcase"
else
    bad "encode --list-types (exit $RC)"
    show types
fi

echo "# $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]

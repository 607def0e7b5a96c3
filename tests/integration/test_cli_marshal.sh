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
. "$(dirname "$0")/../lib.sh"
MW=$BUILD/bin/midway
mw_need_built "$MW"
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

# same_json A B: the two files hold equal JSON values.
same_json() {
    $PY -c 'import json, sys
a, b = (json.load(open(f, encoding="utf-8")) for f in sys.argv[1:3])
sys.exit(0 if a == b else 1)' "$1" "$2" 2>/dev/null
}

# expect_fail NAME CODE DESC [PATTERN]: exit CODE, nothing on stdout, a 'midway: ' line on
# stderr (matching the extended regex PATTERN if given). For CODE 1, that is the only line:
# a value error, not a usage dump.
expect_fail() {
    if [ "$2" -eq 1 ]; then
        mw_expect_fail --one-line "$@"
    else
        mw_expect_fail "$@"
    fi
}

# hex FILE: the file's bytes as lowercase hex on one line (what `xxd -p` gives, unwrapped).
hex() {
    od -A n -t x1 -v "$1" | tr -d ' \n'
}

# expect_hex NAME HEX DESC: exit 0 and stdout's bytes are HEX.
expect_hex() {
    local got
    got=$(hex "$MW_TMP/$1.out")
    if [ "$MW_RC" -eq 0 ] && [ "$got" = "$2" ]; then
        mw_pass "$3"
    else
        mw_fail "$3 (exit $MW_RC)"
        echo "      got:      $got"
        echo "      expected: $2"
        mw_show "$1"
    fi
}

# --- values -----------------------------------------------------------------------------
PERSON='{"name":"Smith","place":"London","year":1934}'
echo "$PERSON" >"$MW_TMP/person.json"
echo '{"id":7,"name":"Smith","place":"London","year":1934}' >"$MW_TMP/record.json"
# Showcase with every member set: a union on each of its three kinds of case, the owner
# present and absent, an any holding a Person, a sequence<long> and nothing, 64-bit
# extremes, non-ASCII text.
$PY - "$MW_TMP" <<'EOF'
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

mw_run cdr "$MW" encode --type Person --to cdr <"$MW_TMP/person.json"
expect_hex cdr "$CDR_BE" "encode --type Person --to cdr: the 28 bytes of Figure 4.8"
cp "$MW_TMP/cdr.out" "$MW_TMP/person.cdr"
mw_run cdr_hex "$MW" encode --type Person --to cdr --hex <"$MW_TMP/person.json"
if [ "$MW_RC" -eq 0 ] && [ "$(tr -d '\n' <"$MW_TMP/cdr_hex.out")" = "$CDR_BE" ]; then
    mw_pass "encode --hex prints the same bytes as hex"
else
    mw_fail "encode --hex (exit $MW_RC)"
    mw_show cdr_hex
fi
mw_run cdr_big "$MW" encode --type Person --to cdr --byte-order big <"$MW_TMP/person.json"
expect_hex cdr_big "$CDR_BE" "encode --to cdr --byte-order big is the default"
mw_run cdr_le "$MW" encode --type Person --to cdr --byte-order little <"$MW_TMP/person.json"
expect_hex cdr_le "$CDR_LE" "encode --to cdr --byte-order little: the same value, little-endian"
cp "$MW_TMP/cdr_le.out" "$MW_TMP/person_le.cdr"
mw_run xdr "$MW" encode --type Person --to xdr <"$MW_TMP/person.json"
expect_hex xdr "$XDR" "encode --type Person --to xdr: RFC 4506 bytes"

# Decoding the golden bytes gives the value back, in either order.
$PY -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$CDR_BE" \
    >"$MW_TMP/golden.cdr"
mw_run dec_cdr "$MW" decode --type Person --from cdr <"$MW_TMP/golden.cdr"
if [ "$MW_RC" -eq 0 ] && same_json "$MW_TMP/dec_cdr.out" "$MW_TMP/person.json"; then
    mw_pass "decode --from cdr of Figure 4.8's bytes gives Smith, London, 1934"
else
    mw_fail "decode --from cdr of the golden bytes (exit $MW_RC)"
    mw_show dec_cdr
fi
mw_run dec_le "$MW" decode --type Person --from cdr --byte-order little <"$MW_TMP/person_le.cdr"
if [ "$MW_RC" -eq 0 ] && same_json "$MW_TMP/dec_le.out" "$MW_TMP/person.json"; then
    mw_pass "decode --from cdr --byte-order little reads the little-endian bytes"
else
    mw_fail "decode --byte-order little (exit $MW_RC)"
    mw_show dec_le
fi
printf '%s\n' "$CDR_BE" >"$MW_TMP/golden.hex"
mw_run dec_hex "$MW" decode --type Person --from cdr --hex <"$MW_TMP/golden.hex"
if [ "$MW_RC" -eq 0 ] && same_json "$MW_TMP/dec_hex.out" "$MW_TMP/person.json"; then
    mw_pass "decode --hex reads hex text"
else
    mw_fail "decode --hex (exit $MW_RC)"
    mw_show dec_hex
fi
if $PY -c 'import json, sys; json.load(open(sys.argv[1]))' "$MW_TMP/dec_cdr.out" &&
    [ "$(wc -l <"$MW_TMP/dec_cdr.out")" -gt 1 ]; then
    mw_pass "decode writes indented JSON"
else
    mw_fail "decode output is not indented JSON"
    mw_show dec_cdr
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
    mw_run "$name" "$MW" encode --type "$type" --to "$fmt" "$@" <"$MW_TMP/$value.json"
    if unsupported "$fmt" "$type"; then
        expect_fail "$name" 1 "encode --type $type --to $fmt refuses what $fmt cannot carry"
        return
    fi
    if [ "$MW_RC" -ne 0 ] || [ ! -s "$MW_TMP/$name.out" ]; then
        mw_fail "encode --type $type --to $fmt $* ($value): exit $MW_RC"
        mw_show "$name"
        return
    fi
    cp "$MW_TMP/$name.out" "$MW_TMP/$name.enc"
    mw_run "${name}_back" "$MW" decode --type "$type" --from "$fmt" "$@" <"$MW_TMP/$name.enc"
    if [ "$MW_RC" -eq 0 ] && same_json "$MW_TMP/${name}_back.out" "$MW_TMP/$value.json"; then
        mw_pass "round trip JSON -> $fmt -> JSON: $type ($value${*:+, $*}, $(wc -c <"$MW_TMP/$name.enc") bytes)"
    else
        mw_fail "round trip JSON -> $fmt -> JSON: $type ($value${*:+, $*}): decode exit $MW_RC"
        mw_show "${name}_back"
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
mw_run java_cls "$MW" encode --type Person --to java --java-class cdk.Person <"$MW_TMP/person.json"
cp "$MW_TMP/java_cls.out" "$MW_TMP/person_cls.java"
mw_run java_wrong "$MW" decode --type Person --from java <"$MW_TMP/person_cls.java"
expect_fail java_wrong 1 "decode --from java of another class name" "at byte [0-9]+"

# --- the XML schema (Figure 4.12) validates what encode --to xml writes -----------------
sed 's|<year>1934</year>|<year>-1</year>|' "$MW_TMP/rt_xml_person.enc" >"$MW_TMP/bad.xml"
if command -v xmllint >/dev/null; then
    xsd_check() { # TYPE VALUE_NAME [XML OPTIONS...]
        local type=$1 value=$2
        shift 2
        mw_run xsd "$MW" encode --type "$type" --xsd "$@" <"$MW_TMP/person.json"
        cp "$MW_TMP/xsd.out" "$MW_TMP/schema.xsd"
        mw_run xsd_doc "$MW" encode --type "$type" --to xml "$@" <"$MW_TMP/$value.json"
        cp "$MW_TMP/xsd_doc.out" "$MW_TMP/doc.xml"
        if timeout -k 5 20 xmllint --noout --schema "$MW_TMP/schema.xsd" "$MW_TMP/doc.xml" \
            >"$MW_TMP/xmllint.out" 2>&1; then
            mw_pass "xmllint --schema validates encode --to xml: $type ($value${*:+, $*})"
        else
            mw_fail "xmllint --schema rejects $type ($value) $*"
            sed 's/^/     /' "$MW_TMP/xmllint.out" | head -n 10
        fi
    }
    xsd_check Person person
    xsd_check PersonRecord record --xml-ns http://www.cdk5.net/person --xml-prefix pers
    xsd_check PersonRecord record --xml-ns http://www.cdk5.net/person
    for v in showcase showcase2 showcase3; do
        xsd_check Showcase "$v"
    done
    # And the schema is strict enough to catch a wrong document.
    mw_run xsd "$MW" encode --type Person --xsd <"$MW_TMP/person.json"
    cp "$MW_TMP/xsd.out" "$MW_TMP/schema.xsd"
    if ! xmllint --noout --schema "$MW_TMP/schema.xsd" "$MW_TMP/bad.xml" >/dev/null 2>&1; then
        mw_pass "xmllint --schema rejects a Person whose year is -1"
    else
        mw_fail "the Person schema accepts year -1"
    fi
else
    echo "note xmllint is not installed (libxml2-utils): schema checks not run"
fi
mw_run xsd_val "$MW" decode --type Person --from xml --validate <"$MW_TMP/bad.xml"
expect_fail xsd_val 1 "decode --from xml --validate of a year -1" "/Person/year"

# --- bad input: one line, exit 1, where it stopped -------------------------------------
# Every truncation of the CDR bytes fails cleanly, naming a byte offset within the input.
trunc_ok=1
for ((n = 0; n < 28; n++)); do
    head -c "$n" "$MW_TMP/person.cdr" >"$MW_TMP/trunc.cdr"
    mw_run trunc "$MW" decode --type Person --from cdr <"$MW_TMP/trunc.cdr"
    off=$(sed -n 's/.* at byte \([0-9]*\).*/\1/p' "$MW_TMP/trunc.err")
    if [ "$MW_RC" -ne 1 ] || [ -s "$MW_TMP/trunc.out" ] || [ "$(wc -l <"$MW_TMP/trunc.err")" -ne 1 ] ||
        [ -z "$off" ] || [ "$off" -gt "$n" ]; then
        mw_fail "decode --from cdr of the first $n bytes (exit $MW_RC)"
        mw_show trunc
        trunc_ok=0
        break
    fi
done
[ $trunc_ok = 1 ] && mw_pass "decode --from cdr of each of the 28 truncations: exit 1, one line 'at byte N'"
head -c 17 "$MW_TMP/person.cdr" >"$MW_TMP/trunc.cdr"
mw_run trunc17 "$MW" decode --type Person --from cdr <"$MW_TMP/trunc.cdr"
expect_fail trunc17 1 "decode --from cdr of 17 of the 28 bytes" \
    "^midway: decode cdr: .* at byte [0-9]+"
cat "$MW_TMP/person.cdr" >"$MW_TMP/long.cdr"
printf '\0' >>"$MW_TMP/long.cdr"
mw_run trailing "$MW" decode --type Person --from cdr <"$MW_TMP/long.cdr"
expect_fail trailing 1 "decode --from cdr with a trailing byte" "at byte 28"
head -c 21 "$MW_TMP/rt_xdr_person.enc" >"$MW_TMP/trunc.xdr"
mw_run trunc_xdr "$MW" decode --type Person --from xdr <"$MW_TMP/trunc.xdr"
expect_fail trunc_xdr 1 "decode --from xdr of 21 of the 28 bytes" \
    "^midway: decode xdr: .* at byte [0-9]+"
head -c 40 "$MW_TMP/rt_java_person.enc" >"$MW_TMP/trunc.java"
mw_run trunc_java "$MW" decode --type Person --from java <"$MW_TMP/trunc.java"
expect_fail trunc_java 1 "decode --from java of 40 bytes" "^midway: decode java: .* at byte"
printf '%s\n' "0000000" >"$MW_TMP/odd.hex"
mw_run odd_hex "$MW" decode --type Person --from cdr --hex <"$MW_TMP/odd.hex"
expect_fail odd_hex 1 "decode --hex of an odd number of digits" "odd"
printf 'zz\n' >"$MW_TMP/bad.hex"
mw_run bad_hex "$MW" decode --type Person --from cdr --hex <"$MW_TMP/bad.hex"
expect_fail bad_hex 1 "decode --hex of text that is not hex" "hex"

# JSON input that does not fit the type names the member.
echo '{"name":"Smith","place":"London","year":"1934"}' >"$MW_TMP/bad1.json"
mw_run bad_json1 "$MW" encode --type Person --to cdr <"$MW_TMP/bad1.json"
expect_fail bad_json1 1 "encode of a string year" '^midway: decode json: .* at \$\.year$'
echo '{"name":"Smith","place":"London","year":-1}' >"$MW_TMP/bad2.json"
mw_run bad_json2 "$MW" encode --type Person --to xdr <"$MW_TMP/bad2.json"
expect_fail bad_json2 1 "encode of year -1" 'at \$\.year$'
$PY -c 'import json, sys
v = json.load(open(sys.argv[1])); v["people"][1]["name"] = 5
json.dump(v, open(sys.argv[2], "w"))' "$MW_TMP/showcase.json" "$MW_TMP/bad3.json"
mw_run bad_json3 "$MW" encode --type Showcase --to cdr <"$MW_TMP/bad3.json"
expect_fail bad_json3 1 "encode of a Showcase with a number as a name" \
    'at \$\.people\[1\]\.name$'
echo '{"name":"Smith","place":"London"}' >"$MW_TMP/bad4.json"
mw_run bad_json4 "$MW" encode --type Person --to cdr <"$MW_TMP/bad4.json"
expect_fail bad_json4 1 "encode of a Person without its year" "year"
printf '{"name":"Smith",' >"$MW_TMP/bad5.json"
mw_run bad_json5 "$MW" encode --type Person --to cdr <"$MW_TMP/bad5.json"
expect_fail bad_json5 1 "encode of truncated JSON" "^midway: decode json: "
mw_run bad_json6 "$MW" decode --type Person --from json </dev/null
expect_fail bad_json6 1 "decode --from json of empty input" "^midway: decode json: "
sed 's|<year>1934</year>|<year>19x4</year>|' "$MW_TMP/rt_xml_person.enc" >"$MW_TMP/bad.xml"
mw_run bad_xml "$MW" decode --type Person --from xml <"$MW_TMP/bad.xml"
expect_fail bad_xml 1 "decode --from xml of year 19x4" '^midway: decode xml: .* at /Person/year$'

# --- usage: exit 2 with the synopsis; --help and --list-types -------------------------
# A wrong command line shows the synopsis; a bad option value is one line (as in every
# midway command).
usage_fail() { # DESC ARGS...
    local desc=$1
    shift
    mw_run usage "$MW" "$@" <"$MW_TMP/person.json"
    if [ "$MW_RC" -eq 2 ] && [ ! -s "$MW_TMP/usage.out" ] && grep -q '^midway: ' "$MW_TMP/usage.err" &&
        grep -q '^usage: midway' "$MW_TMP/usage.err"; then
        mw_pass "$desc -> exit 2: $(head -n1 "$MW_TMP/usage.err")"
    else
        mw_fail "$desc: exit $MW_RC, expected 2 with usage on stderr"
        mw_show usage
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
mw_run suid "$MW" encode --type Person --to java --java-suid twelve <"$MW_TMP/person.json"
expect_fail suid 2 "encode --java-suid twelve" "not a number"
mw_run suid2 "$MW" encode --type Person --to java --java-suid 9223372036854775808 <"$MW_TMP/person.json"
expect_fail suid2 2 "encode --java-suid 2^63" "out of range"
usage_fail "encode with an operand" encode --type Person --to cdr person.json
usage_fail "encode --bogus" encode --type Person --to cdr --bogus

for args in "encode --help" "decode --help" "help encode" "help decode"; do
    # shellcheck disable=SC2086
    mw_run help "$MW" $args </dev/null
    if [ "$MW_RC" -eq 0 ] && grep -q "^usage: midway ${args##* }\|^usage: midway ${args%% *}" \
        "$MW_TMP/help.out" && grep -q -- '--type T' "$MW_TMP/help.out"; then
        mw_pass "midway $args: usage and options on stdout, exit 0"
    else
        mw_fail "midway $args: exit $MW_RC"
        mw_show help
    fi
done
mw_run top_help "$MW" --help </dev/null
if grep -qE '^  encode ' "$MW_TMP/top_help.out" && grep -qE '^  decode ' "$MW_TMP/top_help.out"; then
    mw_pass "midway --help lists encode and decode"
else
    mw_fail "midway --help does not list encode and decode"
    mw_show top_help
fi
mw_run types "$MW" encode --list-types </dev/null
if [ "$MW_RC" -eq 0 ] && [ "$(tr '\n' ' ' <"$MW_TMP/types.out")" = "Person PersonRecord Showcase " ]; then
    mw_pass "encode --list-types: Person PersonRecord Showcase"
else
    mw_fail "encode --list-types (exit $MW_RC)"
    mw_show types
fi

mw_finish

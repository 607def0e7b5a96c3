#!/usr/bin/env bash
# java-serial.sh BUILD_DIR PEER - Midway's Java serialization codec against the JDK's
# java.io.ObjectOutputStream and ObjectInputStream, for Person (Figure 4.9) and a nested
# Household (objects, null, a String and an object written twice, arrays, an enum).
# For each: our bytes must equal the JDK's byte for byte, the JDK must read ours, and we
# must read the JDK's, both printing the same fields. Then three Showcase values (every
# kind: unions, an any, an optional, fixed arrays, object references): the JDK reads
# ours into Java classes and writes them again, which must give our bytes back, and we
# must read what it wrote as the value we started from.
set -uo pipefail
if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
    echo "SKIP: no JDK"
    exit 0
fi
BUILD=$(cd "${1:?usage: java-serial.sh BUILD_DIR PEER}" && pwd)
PEER=${2:?usage: java-serial.sh BUILD_DIR PEER}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"

CLASSES="$BUILD/tests/interop/java-serial/classes"
rm -rf "$CLASSES" && mkdir -p "$CLASSES"
if ! timeout 120 javac -Xlint:all -Werror -encoding UTF-8 -d "$CLASSES" "$HERE"/*.java "$HERE"/midway/*.java; then
    echo "FAIL javac"
    exit 1
fi
jrun() { LC_ALL=C.UTF-8 timeout 60 java -cp "$CLASSES" "$@"; }

# Shows where two streams part, for a failure's diagnosis.
show_diff()
{
    echo "     JDK:  $(od -An -tx1 -v "$1" | tr -s ' \n' ' ')"
    echo "     ours: $(od -An -tx1 -v "$2" | tr -s ' \n' ' ')"
    cmp "$1" "$2"
}

for case in person household; do
    jdk="$MW_TMP/jdk-$case.bin"
    ours="$MW_TMP/ours-$case.bin"
    mw_check "$case: ObjectOutputStream writes" jrun WritePerson "$case" "$jdk"
    mw_check "$case: java_serial_peer writes (size op agrees)" \
        bash -c '"$0" encode "$1" >"$2"' "$PEER" "$case" "$ours"
    if cmp -s "$jdk" "$ours"; then
        mw_check "$case: our $(wc -c <"$ours") bytes equal ObjectOutputStream's" true
    else
        mw_check "$case: our bytes equal ObjectOutputStream's" false
        show_diff "$jdk" "$ours"
    fi
    want=$(jrun ReadPerson "$jdk")
    mw_expect_eq "$case: ObjectInputStream reads ours" "$want" "$(jrun ReadPerson "$ours" 2>&1)"
    mw_expect_eq "$case: we read ObjectOutputStream's" "$want" "$("$PEER" decode "$case" "$jdk" 2>&1)"
done

for case in showcase1 showcase2 showcase3; do
    ours="$MW_TMP/ours-$case.bin"
    again="$MW_TMP/jdk-$case.bin"
    mw_check "$case: java_serial_peer writes" bash -c '"$0" encode "$1" >"$2"' "$PEER" "$case" "$ours"
    mw_check "$case: ObjectInputStream reads ours, ObjectOutputStream writes it again" \
        jrun Reserialize "$ours" "$again"
    if cmp -s "$ours" "$again"; then
        mw_check "$case: the JDK writes our $(wc -c <"$ours") bytes back unchanged" true
    else
        mw_check "$case: the JDK writes our bytes back unchanged" false
        show_diff "$again" "$ours"
    fi
    mw_expect_eq "$case: we read the JDK's as the value we wrote" equal \
        "$("$PEER" check "$case" "$again" 2>&1)"
done

# A class that grew fields of library classes (writeObject data, a Class, a proxy, an
# externalizable object, an enum): we skip what our Person lacks, as ObjectInputStream does.
rich="$MW_TMP/jdk-rich.bin"
mw_check "rich: ObjectOutputStream writes" jrun WritePerson rich "$rich"
mw_expect_eq "rich: we read it as our Person" "Person{name=Smith, place=London, year=1934}" \
    "$("$PEER" decode rich "$rich" 2>&1)"

# What the figure shows, independently of both implementations.
mw_expect_eq "person: the fields of Figure 4.9" "Person{name=Smith, place=London, year=1934}" \
    "$(jrun ReadPerson "$MW_TMP/ours-person.bin")"
mw_finish

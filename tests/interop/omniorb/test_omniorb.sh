#!/usr/bin/env bash
# test_omniorb.sh BUILD_DIR MIDWAY_SIDE OMNIORB_SIDE - our CDR codec against omniORB's.
#
# The values: Person (Figure 4.8) and Showcase (every kind of the type model: unions,
# enums, typedefs, arrays, bounded sequences, an optional, an any, an object reference),
# a fixed set and a few hundred random ones (seeded; OMNIORB_SEED and OMNIORB_COUNT
# override). Each travels plain and in an any, big- and little-endian:
#   1. midway_side writes them with our codec;
#   2. omniorb_side decodes them with omniORB into the C++ types omniidl generated from
#      example_types.idl and prints each as text, which must be the text midway_side
#      prints from the values themselves; an any's TypeCode must be equal to omniidl's;
#   3. omniorb_side encodes the same values with omniORB (an any with omniidl's own
#      TypeCodes, indirections included), and midway_side checks that we decode them to
#      the values we started from, that encoding those gives our bytes back, and that
#      omniORB's bytes are ours up to padding (see midway_side.c for the detail).
set -uo pipefail
BUILD=$(cd "${1:?usage: test_omniorb.sh BUILD_DIR MIDWAY_SIDE OMNIORB_SIDE}" && pwd)
OURS=${2:?usage: test_omniorb.sh BUILD_DIR MIDWAY_SIDE OMNIORB_SIDE}
OMNI=${3:?usage: test_omniorb.sh BUILD_DIR MIDWAY_SIDE OMNIORB_SIDE}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"

SEED=${OMNIORB_SEED:-20241121}
COUNT=${OMNIORB_COUNT:-300}
echo "seed $SEED, $COUNT random values of each type"
DIR=$MW_TMP

# omniORB reads a configuration file if one exists; this one makes its defaults explicit
# and keeps a stray /etc/omniORB.cfg out of the test.
: >"$DIR/omniORB.cfg"
export OMNIORB_CONFIG=$DIR/omniORB.cfg

mw_check "our codec writes the values" timeout 60 "$OURS" write "$DIR" "$SEED" "$COUNT"
mw_check "omniORB decodes every value and encodes it again" timeout 60 "$OMNI" "$DIR"

for t in Person Showcase; do
    for form in plain any; do
        for order in be le; do
            got=$DIR/omni.$t.$form.$order.txt
            if cmp -s "$DIR/expected.$t.txt" "$got"; then
                mw_check "omniORB reads our $t ($form, $order) as the values we wrote" true
            else
                mw_check "omniORB reads our $t ($form, $order) as the values we wrote" false
                line=$(cmp "$DIR/expected.$t.txt" "$got" 2>&1 | sed -n 's/.*line \([0-9]*\).*/\1/p')
                echo "     first difference, value $((${line:-1} - 1)):"
                echo "     want: $(sed -n "${line:-1}p" "$DIR/expected.$t.txt" | cut -c 1-1000)"
                echo "     got:  $(sed -n "${line:-1}p" "$got" | cut -c 1-1000)"
            fi
            mw_check "we read omniORB's $t ($form, $order)" \
                timeout 60 "$OURS" check "$DIR" "$SEED" "$COUNT" "$t" "$form" "$order"
        done
    done
done
mw_finish

# callgrind_lib.sh - what the benchmarks' callgrind scripts (bench/<name>/callgrind.sh) share.
# shellcheck shell=bash
# Source it from the repository's root after `set -euo pipefail`:
#
#   mwb_callgrind_bench BUILD_DIR TARGET  sets bench to BUILD_DIR/bench/TARGET, building it
#                                         if needed; exits 1 if valgrind is not installed
#   mwb_collected CASE N                  the instructions callgrind counted for N
#                                         iterations of CASE (TARGET --callgrind CASE)

mwb_callgrind_bench() {
  bench=$1/bench/$2
  if ! command -v valgrind >/dev/null; then
    echo "callgrind: valgrind is not installed (Debian: valgrind)"
    exit 1
  fi
  if [ ! -x "$bench" ]; then
    cmake --build "$1" --target "$2" >/dev/null
  fi
}

mwb_collected() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" --callgrind "$1" \
    --iters "$2" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

#!/usr/bin/env bash
# make bench: builds the benchmarks (target `benchmarks`) and runs each bench program in
# bench/<name>/ in turn. Each prints its own table: medians of several runs with min and
# max, and ratios against the floor and the peers measured in the same run.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
cmake --build "$build" -j "$(nproc)" --target benchmarks
found=0
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b"
  echo
done
[ $found = 1 ] || { echo "bench: no benchmarks built"; exit 1; }

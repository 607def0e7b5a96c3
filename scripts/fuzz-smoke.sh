#!/usr/bin/env bash
# make fuzz-smoke: builds every libFuzzer target in fuzz/ with clang under ASan and UBSan
# and runs each for FUZZ_SECONDS (default 30) from its seed corpus. Fails on any crash,
# leak or sanitizer report. The seed corpus in the repository is never modified: new
# inputs go to a scratch copy.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-30}
build=build-fuzz
CC=clang cmake -S . -B "$build" -DMW_FUZZ=ON -DMW_SANITIZE=address,undefined \
  -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
targets=$(ls fuzz/fuzz_*.c 2>/dev/null | xargs -n1 basename | sed 's/\.c$//')
if [ -z "$targets" ]; then
  echo "fuzz-smoke: no fuzz targets"; exit 1
fi
cmake --build "$build" -j "$(nproc)" --target $targets >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
status=0
for t in $targets; do
  name=${t#fuzz_}
  mkdir -p "$work/$name"
  [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/$name/" 2>/dev/null || true
  printf 'fuzz-smoke: %-14s %ss ... ' "$name" "$secs"
  if "$build/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$work/" "$work/$name" >"$work/$name.log" 2>&1; then
    echo "ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name.log" | grep -o '[0-9]*$') runs)"
  else
    echo "FAILED"; tail -40 "$work/$name.log"; status=1
    mkdir -p fuzz-failures && cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* fuzz-failures/ 2>/dev/null || true
  fi
done
exit $status

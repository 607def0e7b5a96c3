#!/usr/bin/env bash
# callgrind.sh [BUILD_DIR] [CASE_PREFIX] - instructions per Person pair (or per MiB for the
# bulk cases) of every case of bench_marshal, counted by valgrind's callgrind. Unlike
# times, these counts do not depend on the machine's load.
#
# Each case runs twice under callgrind, with N1 and N2 iterations; the difference of the
# two totals divided by N2 - N1 is the cost of one iteration, with start-up (dynamic
# loading, libxml2's initialisation, the first growth of buffers and arenas) cancelled
# out exactly.
#
# Caveat for the bulk cases: valgrind replaces memcpy and memmove with its own simple
# loops, so bulk counts describe that replacement rather than glibc's vector code; compare
# bulk cases by the MB/s of bench_marshal instead.
set -euo pipefail
build=${1:-build}
prefix=${2:-}
cd "$(dirname "$0")/../.."
. bench/common/callgrind_lib.sh
mwb_callgrind_bench "$build" bench_marshal

printf '%-28s %18s\n' "case" "instructions"
"$bench" --list | while read -r name unit; do
  [[ $name == "$prefix"* ]] || continue
  if [ "$unit" = pair ]; then n1=1000 n2=6000; else n1=2 n2=7; fi
  a=$(mwb_collected "$name" $n1)
  b=$(mwb_collected "$name" $n2)
  if [ -z "$a" ] || [ -z "$b" ]; then
    printf '%-28s %18s\n' "$name" "failed"
    continue
  fi
  printf '%-28s %18s per %s\n' "$name" "$(( (b - a) / (n2 - n1) ))" "$unit"
done

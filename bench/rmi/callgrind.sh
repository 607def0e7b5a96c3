#!/usr/bin/env bash
# callgrind.sh [BUILD_DIR] [CASE_SUBSTRING] - instructions per call of every case of
# bench_rmi, counted by valgrind's callgrind over all of the process's threads (the client
# and the in-process servers), user space only. Unlike times, these counts do not depend
# on the machine's load, so they show what the generated proxy and the object adapter add
# to a hand-written request-reply call even on a busy machine.
#
# Each case runs twice, with N1 and N2 calls; the difference of the two totals divided by
# N2 - N1 is the cost of one call, with start-up (threads, sockets, the first growth of
# buffers and arenas) cancelled out.
set -euo pipefail
build=${1:-build}
only=${2:-}
cd "$(dirname "$0")/../.."
. bench/common/callgrind_lib.sh
mwb_callgrind_bench "$build" bench_rmi
N1=200
N2=1200

declare -A per=()
printf 'instructions per call (user space, client and server threads), callgrind\n'
for c in $("$bench" --list); do
  [[ -z "$only" || "$c" == *"$only"* ]] || continue
  a=$(mwb_collected "$c" $N1)
  b=$(mwb_collected "$c" $N2)
  per[$c]=$(((b - a) / (N2 - N1)))
  printf '  %-16s %9d\n' "$c" "${per[$c]}"
done
printf '\nwhat rmi adds to rr, in instructions per call\n'
for c in "${!per[@]}"; do
  [[ "$c" == *.rmi ]] || continue
  rr=${c%.rmi}.rr
  [ -n "${per[$rr]:-}" ] || continue
  d=$((per[$c] - per[$rr]))
  printf '  %-12s %+7d (%+.1f%% of the rr call'"'"'s user-space instructions)\n' "${c%.rmi}" "$d" \
    "$(echo "scale=3; 100 * $d / ${per[$rr]}" | bc)"
done | sort

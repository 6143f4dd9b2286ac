#!/usr/bin/env bash
# Throughput and memory of dsmc on two-phase commit at N = 7 and 8, at 1 and
# 2 threads. Prints distinct states, transitions, wall time, the part of it
# spent checking liveness (`decides`), exploration states/s, peak RSS and
# bytes per state. Numbers, not assertions: machines here are shared
# and noisy; the performance issue compares against Stateright in one run.
#
#   bench/2pc.sh            # N = 7 and 8
#   bench/2pc.sh 6 7        # other sizes
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
sizes=("${@:-7 8}")
[ $# -eq 0 ] && sizes=(7 8)
printf '%-4s %-8s %12s %14s %9s %10s %12s %10s %8s\n' N threads states transitions time_s live_s states/s rss_MiB B/state
for n in "${sizes[@]}"; do
  for threads in 1 2; do
    out=$(mktemp)
    /usr/bin/time -f '%M %e' -o "$out.time" \
      target/release/dsmc check specs/2pc.ds -D "N=$n" --threads "$threads" --format json > "$out"
    read -r rss_kib wall < "$out.time"
    states=$(grep -o '"states":[0-9]*' "$out" | cut -d: -f2)
    transitions=$(grep -o '"transitions":[0-9]*' "$out" | cut -d: -f2)
    live=$(grep -o '"liveness_s":[0-9.e-]*' "$out" | cut -d: -f2)
    awk -v n="$n" -v t="$threads" -v s="$states" -v tr="$transitions" -v w="$wall" -v l="$live" -v r="$rss_kib" 'BEGIN {
      printf "%-4s %-8s %12d %14d %9.2f %10.2f %12d %10.1f %8.0f\n", n, t, s, tr, w, l, s / (w - l), r / 1024, r * 1024 / s }'
    rm -f "$out" "$out.time"
  done
done

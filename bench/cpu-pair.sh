#!/usr/bin/env bash
# Gateway CPU per request, two builds side by side: both launched at once against one FastUpstream, then short wrk
# points alternating A, B, A, B... so that both meet the same background load (a shared, busy machine).
#   bench/cpu-pair.sh A-dir B-dir [pairs] [warmup-seconds] [seconds] [concurrency]
# Build directories and prerequisites as for bench/cpu-ab.sh. Prints each point and the medians.
# A_OPTS / B_OPTS in the environment add JVM options to one side only (e.g. B_OPTS=-Xmn170m with A-dir = B-dir).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
A=$1; B=$2; PAIRS=${3:-10}; WARM=${4:-20}; SECS=${5:-5}; C=${6:-32}
work=$(mktemp -d)
tck=$(getconf CLK_TCK)
java -cp "target/test-classes:$(cat target/bench/cp-test.txt)" dev.caravan.bench.FastUpstream 1 > "$work/upstream.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -qs "fast upstream on" "$work/upstream.log" && break; sleep 0.2; done
upstream=$(sed -n 's/fast upstream on //p' "$work/upstream.log")
declare -A gw url
for side in A B; do
  dir=$A; [ "$side" = B ] && dir=$B
  opts=${A_OPTS:-}; [ "$side" = B ] && opts=${B_OPTS:-}
  port=$((10000 + RANDOM % 20000)); mgmt=$((port + 1))  # below the kernel's ephemeral ports (32768-), which clients take
  (cd "$dir" && OPENAI_BASE_URL=$upstream OPENAI_API_KEY=bench exec java -Xmx256m -Xmn170m -XX:+UseSerialGC -XX:+UseTransparentHugePages -Dcaravan.http.worker-threads=1100 $opts \
    -Dcamel.server.port=$port -Dcamel.server.host=127.0.0.1 -Dcamel.management.port=$mgmt \
    -Dcamel.management.host=127.0.0.1 -Dcaravan.ledger.data-dir="$work/data-$side" \
    -cp "caravan.jar:$(cat "$repo/target/bench/cp-runtime.txt")" dev.caravan.Caravan) > "$work/gw-$side.log" 2>&1 &
  gw[$side]=$!; pids+=($!)
  url[$side]=http://127.0.0.1:$port/v1/chat/completions
done
for side in A B; do
  for _ in $(seq 300); do
    curl -sf -o /dev/null -H 'content-type: application/json' -H 'Authorization: Bearer bench' \
      -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}' "${url[$side]}" && break; sleep 0.1
  done
done
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
for side in A B A B; do wrk -t2 -c"$C" -d"$((WARM / 2))s" -s "$repo/bench/wrk/post.lua" "${url[$side]}" > /dev/null; done
for p in $(seq "$PAIRS"); do
  for side in A B; do
    c0=$(cpu ${gw[$side]})
    out=$(wrk -t2 -c"$C" -d"${SECS}s" -s "$repo/bench/wrk/post.lua" "${url[$side]}" | sed -n 's/^BENCH_JSON //p')
    c1=$(cpu ${gw[$side]})
    req=$(echo "$out" | sed 's/.*"requests":\([0-9]*\).*/\1/')
    p50=$(echo "$out" | sed 's/.*"p50_us":\([0-9]*\).*/\1/')
    p99=$(echo "$out" | sed 's/.*"p99_us":\([0-9]*\).*/\1/')
    errs=$(echo "$out" | sed 's/.*"status_errors":\([0-9]*\).*/\1/')
    us=$(( (c1 - c0) * 1000000 / tck / req ))
    echo "pair $p $side: $((req / SECS)) req/s, p50 ${p50} us, p99 ${p99} us, non-2xx $errs, ${us} us/request, load $(cut -d' ' -f1 /proc/loadavg)"
    echo "$side $us $((req / SECS)) $p50 $p99" >> "$work/points"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for side in A B; do
  n=$(awk -v s="$side" '$1 == s' "$work/points" | wc -l)
  us=$(awk -v s="$side" '$1 == s {print $2}' "$work/points" | median)
  rps=$(awk -v s="$side" '$1 == s {print $3}' "$work/points" | median)
  p99=$(awk -v s="$side" '$1 == s {print $5}' "$work/points" | median)
  echo "median $side: $us us/request, $rps req/s, p99 $p99 us over $n points"
done

#!/usr/bin/env bash
# Gateway CPU per request, A/B of two builds back to back (bench/results/2026-11-25-cpu-per-request.md).
#   bench/cpu-ab.sh A-dir B-dir [rounds] [warmup-seconds] [seconds] [concurrency]
# A build directory holds caravan.jar and the application.properties, routes/ and config/ it goes with (the gateway
# reads those from its working directory; without application.properties it runs with Camel's defaults), e.g.:
#   mkdir -p /tmp/a && cp target/caravan-*-SNAPSHOT.jar /tmp/a/caravan.jar &&
#   git archive HEAD application.properties routes config | tar -x -C /tmp/a
# Warm up for at least 45 s (the fourth argument): the gateway reaches its steady speed about a minute after launch.
# Needs target/bench/cp-runtime.txt and cp-test.txt (bench/run.sh writes them) and target/test-classes (FastUpstream).
# Each round launches A, then B, each on a fresh data directory, against one FastUpstream: wrk warm-up, then a
# measured wrk run; CPU = utime+stime of the gateway's JVM (/proc/<pid>/stat) over the measured run / its requests.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
A=$1; B=$2; ROUNDS=${3:-3}; WARM=${4:-15}; SECS=${5:-15}; C=${6:-32}
work=$(mktemp -d)
tck=$(getconf CLK_TCK)
java -cp "target/test-classes:$(cat target/bench/cp-test.txt)" dev.caravan.bench.FastUpstream 1 > "$work/upstream.log" 2>&1 &
up=$!
trap 'kill $up 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -qs "fast upstream on" "$work/upstream.log" && break; sleep 0.2; done
upstream=$(sed -n 's/fast upstream on //p' "$work/upstream.log")
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
for r in $(seq "$ROUNDS"); do
  for side in A B; do
    dir=$A; [ "$side" = B ] && dir=$B
    port=$((10000 + RANDOM % 20000)); mgmt=$((port + 1))  # below the kernel's ephemeral ports (32768-), which clients take
    rm -rf "$work/data"
    (cd "$dir" && OPENAI_BASE_URL=$upstream OPENAI_API_KEY=bench exec java -Xmx256m -Xmn170m -XX:+UseSerialGC -XX:+UseTransparentHugePages -Dcaravan.http.worker-threads=1100 \
      -Dcamel.server.port=$port -Dcamel.server.host=127.0.0.1 -Dcamel.management.port=$mgmt \
      -Dcamel.management.host=127.0.0.1 -Dcaravan.ledger.data-dir="$work/data" \
      -cp "caravan.jar:$(cat "$repo/target/bench/cp-runtime.txt")" dev.caravan.Caravan) > "$work/gw-$side-$r.log" 2>&1 &
    gw=$!
    url=http://127.0.0.1:$port/v1/chat/completions
    for _ in $(seq 200); do
      curl -sf -o /dev/null -H 'content-type: application/json' -H 'Authorization: Bearer bench' \
        -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}' "$url" && break; sleep 0.1
    done
    wrk -t2 -c"$C" -d"${WARM}s" -s "$repo/bench/wrk/post.lua" "$url" > /dev/null
    c0=$(cpu $gw)
    out=$(wrk -t2 -c"$C" -d"${SECS}s" -s "$repo/bench/wrk/post.lua" "$url" | sed -n 's/^BENCH_JSON //p')
    c1=$(cpu $gw)
    req=$(echo "$out" | sed 's/.*"requests":\([0-9]*\).*/\1/')
    p50=$(echo "$out" | sed 's/.*"p50_us":\([0-9]*\).*/\1/')
    errs=$(echo "$out" | sed 's/.*"status_errors":\([0-9]*\).*/\1/')
    us=$(( (c1 - c0) * 1000000 / tck / req ))
    echo "round $r $side: $req requests ($((req / SECS)) req/s, p50 ${p50} us, non-2xx $errs), CPU $(( (c1 - c0) * 1000 / tck )) ms, ${us} us/request, load $(cut -d' ' -f1 /proc/loadavg)"
    kill $gw; wait $gw 2>/dev/null || true
  done
done

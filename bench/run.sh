#!/usr/bin/env bash
# Caravan's benchmark: fake OpenAI upstream + load generator + the gateway, all on 127.0.0.1.
#   bench/run.sh            full run (about 3-4 minutes), results in bench/results/<date-time>.md and .json
#   bench/run.sh --quick    smoke run (seconds, tiny scale, Java load generator), results in target/bench/
#   bench/run.sh --floors   the platform's floors (about 8 minutes): wrk against servers that only answer or only
#                           forward, beside the gateway and the direct call; results in bench/results/<date-time>-floors.md
# Further options (e.g. --seconds 5, --streams 500, --jfr, --gateway-opt -Xmx256m) are listed in bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

MVN="mvn -q ${MVN_FLAGS:--o}"
quick=false
floors=false
for a in "$@"; do [ "$a" = "--quick" ] && quick=true; [ "$a" = "--floors" ] && floors=true; done

if ! $quick && ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[bench] wrk is missing; installing Debian's wrk"
    (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null 2>&1 || true
  fi
  command -v wrk >/dev/null 2>&1 || echo "[bench] no wrk: the Java load generator measures instead"
fi

mkdir -p target/bench
echo "[bench] building (mvn package, tests skipped)"
$MVN package -DskipTests
jar=$(ls target/caravan-*.jar | grep -v -e sources -e javadoc | head -1)
$MVN dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=target/bench/cp-runtime.txt >/dev/null
$MVN dependency:build-classpath -DincludeScope=test -Dmdep.outputFile=target/bench/cp-test.txt >/dev/null

if $floors; then
  rest=()
  for a in "$@"; do [ "$a" = "--floors" ] || rest+=("$a"); done
  exec timeout 900 java -cp "target/test-classes:target/classes:$(cat target/bench/cp-test.txt)" dev.caravan.bench.Floors \
    --gateway-cp "$jar:$(cat target/bench/cp-runtime.txt)" "${rest[@]}"
fi
exec timeout 900 java -cp "target/test-classes:target/classes:$(cat target/bench/cp-test.txt)" dev.caravan.bench.Bench \
  --gateway-cp "$jar:$(cat target/bench/cp-runtime.txt)" "$@"

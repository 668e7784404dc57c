#!/usr/bin/env bash
# JMH microbenchmarks of the provider codecs (request encoding, answer decoding, stream event decoding).
#   bench/jmh.sh                 build the gateway and bench/jmh together, run every benchmark (about 2 minutes)
#   bench/jmh.sh OpenAiCodec     only the benchmarks matching a regular expression; any JMH option works too,
#                                e.g. bench/jmh.sh -wi 1 -i 2 -f 1 for a short run, -h for JMH's help
# Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q ${MVN_FLAGS:--o} -f bench/pom.xml package -Dmaven.test.skip=true
exec java -jar bench/jmh/target/benchmarks.jar "$@"

#!/bin/sh
# Runs one benchmark of the harness: bench/run.sh <benchmark> [options]   (bench/README.md)
#   overhead | drain | fanout | reload | keepalive-stop | eventbus-stop | cluster-leave | start | cluster-form | rolling-reload | memory | upgrade | jfr-top FILE | cleanup
# Runs from the repository root. Every process it starts carries BENCH_TAG=<uuid> in its
# environment; `bench/run.sh cleanup --tag <uuid>` kills what a killed run left behind.
set -eu
cd "$(dirname "$0")/.."

if [ ! -f example-app/target/example-app.jar ]; then
  echo "example-app/target/example-app.jar is missing: run 'mvn -B -q install -DskipTests' first" >&2
  exit 2
fi
if [ ! -f bench/target/quiesce-bench.jar ] || [ -n "$(find bench/src bench/pom.xml -newer bench/target/quiesce-bench.jar -print -quit)" ]; then
  echo "building bench/target/quiesce-bench.jar" >&2
  mvn -B -o -q -pl bench package
fi
case "${1:-}" in
  overhead|memory)
    command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; } ;;
esac

BENCH_TAG="${BENCH_TAG:-$(cat /proc/sys/kernel/random/uuid)}"
export BENCH_TAG
exec java -Dlogback.configurationFile=bench/conf/bench-logback.xml -jar bench/target/quiesce-bench.jar "$@"

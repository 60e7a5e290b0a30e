#!/bin/sh
# The example's "cache" child: the workers depend on it (processes[0].dependsOn), so it starts
# first and stops last. It warms up, logs "cache ready" (its readiness line), serves until TERM or
# INT, then flushes for CACHE_FLUSH_SECONDS and exits 0. HUP (its reload, "signal:HUP") is logged
# and it carries on. Every line carries a timestamp.
#
# Environment:
#   CACHE_WARMUP_SECONDS  time before "cache ready" (default 0.1; fractions allowed)
#   CACHE_FLUSH_SECONDS   clean-up time on TERM/INT (default 0.5)

name="cache-${QUIESCE_INSTANCE:-$$}"

log() {
  echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) $name pid=$$: $*"
}

stop() {
  log "got $1, flushing for ${CACHE_FLUSH_SECONDS:-0.5}s"
  sleep "${CACHE_FLUSH_SECONDS:-0.5}"
  log "clean exit"
  exit 0
}

trap 'stop TERM' TERM
trap 'stop INT' INT
trap 'log "got HUP, reloading"' HUP

log "warming up"
sleep "${CACHE_WARMUP_SECONDS:-0.1}"
log "cache ready"
while :; do
  # sleep in the background and wait, so a signal is handled at once, not after the sleep
  sleep 1 &
  wait $!
done

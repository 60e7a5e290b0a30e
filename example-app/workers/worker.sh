#!/bin/sh
# The example's worker child process. It works in a loop, logs every signal it receives with
# a timestamp, and on TERM or INT spends its clean-up time, logs a clean exit, and exits 0.
#
# Environment:
#   WORKER_CLEANUP_SECONDS  clean-up time on TERM/INT (default 1; fractions allowed, e.g. 0.5)
#   WORKER_IGNORE_TERM      1: log TERM and carry on (to see the process manager escalate to KILL)
#   WORKER_NAME             name used in the log lines (default: <group>-<instance>, from the
#                           QUIESCE_GROUP and QUIESCE_INSTANCE the process manager sets)

name="${WORKER_NAME:-${QUIESCE_GROUP:-worker}-${QUIESCE_INSTANCE:-$$}}"
cleanup="${WORKER_CLEANUP_SECONDS:-1}"

log() {
  echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) $name pid=$$: $*"
}

stop() {
  log "got $1, cleaning up for ${cleanup}s"
  sleep "$cleanup"
  log "clean exit"
  exit 0
}

trap 'stop TERM' TERM
trap 'stop INT' INT
trap 'log "got HUP, reloading my settings"' HUP
if [ "${WORKER_IGNORE_TERM:-0}" = 1 ]; then
  trap 'log "got TERM, ignoring it"' TERM
fi

log "started"
jobs=0
while :; do
  # sleep in the background and wait, so a signal is handled at once, not after the sleep
  sleep 1 &
  wait $!
  jobs=$((jobs + 1))
done

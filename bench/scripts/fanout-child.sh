#!/bin/bash
# A child of the fan-out benchmark (bench/run.sh fanout). Logs "start", then on TERM logs the
# moment it received the signal, spends FANOUT_CLEANUP seconds cleaning up (default 1), logs
# "exit" and exits 0. Timestamps are bash's $EPOCHREALTIME (microseconds, no fork: `date` would
# add a fork and exec per line to what is measured). Lines go to $FANOUT_LOG, appended
# (O_APPEND: a short line is written whole even with 200 writers).
#
# FANOUT_SLEEP=fork (default): the clean-up is `sleep N`, a process of its own, as most scripts do.
# FANOUT_SLEEP=builtin: the clean-up waits inside bash (`read -t N` on a pipe nobody writes to),
# so that 200 children waking at once do not also fork 200 processes on the same cores.
log="${FANOUT_LOG:?FANOUT_LOG is not set}"
cleanup="${FANOUT_CLEANUP:-1}"
if [ "${FANOUT_SLEEP:-fork}" = builtin ]; then
  exec 3<> <(:)
fi

on_term() {
  echo "term $EPOCHREALTIME $$" >> "$log"
  if [ "${FANOUT_SLEEP:-fork}" = builtin ]; then
    read -r -t "$cleanup" -u 3
  else
    sleep "$cleanup"
  fi
  echo "exit $EPOCHREALTIME $$" >> "$log"
  exit 0
}
trap on_term TERM

echo "start $EPOCHREALTIME $$" >> "$log"
while :; do
  # sleep in the background and wait, so TERM is handled at once, not after the sleep
  sleep 3600 &
  wait $!
done

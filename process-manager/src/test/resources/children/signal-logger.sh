#!/bin/sh
# A test child for the process manager. It logs each signal it receives, with a timestamp in ms,
# to $CHILD_LOG_DIR/<its pid>.log, one line per event: "<epoch ms> start child <instance>",
# "<epoch ms> signal TERM", "<epoch ms> ready", "<epoch ms> exit 0".
#
# Behaviour, from the environment:
#   CHILD_IGNORE="TERM INT"   signals that are logged and otherwise ignored
#   CHILD_CLEANUP=1           seconds of "clean-up" after TERM, INT or QUIT before exiting 0
#   CHILD_GRANDCHILD=1        also start a grandchild (this script again, role "grandchild")
#   CHILD_GRANDCHILD_IGNORE   CHILD_IGNORE for the grandchild
#   CHILD_READY_AFTER=0.3     after this many seconds print "ready to serve" on stdout
#   CHILD_EXIT_AFTER=0.1      exit on its own after this many seconds, with CHILD_EXIT_CODE (0)
#   CHILD_CLOSE_STDOUT=1      close stdout at once (and say so on stderr)
#   CHILD_BIG_LINE=10485760   first write one line of this many bytes to stdout
#   CHILD_ESCAPE=setsid       also start a descendant (role "escapee") that leaves the group with setsid
#   CHILD_ESCAPE=daemon       the same as a daemon does it: setsid, fork, and the intermediate exits at once
#                             (the escapee's parent is gone and its session leader too)
#   CHILD_ESCAPE=setsid-bare  also start "sleep 3600" in a session of its own with an empty environment
#                             (no QUIESCE_CHILD_ID), logged as "escapee-pid <pid>": once this child has
#                             exited, only the descendants known from a scan lead to it
# Every test sets QUIESCE_TEST_TAG so that it can find exactly its own processes.
ROLE=${CHILD_ROLE:-child}
LOG="$CHILD_LOG_DIR/$$.log"
SLEEPER=

log() { echo "$(date +%s%3N) $*" >> "$LOG"; }

# KILL, not TERM: a signal that reaches the sleeper between its fork and its exec of sleep is
# caught by the shell's handler it still has there, and lost. When the signal came between
# "sleep 3600 &" and "SLEEPER=$!", the new sleeper is only in $!.
stop_sleeper() {
  if [ "$SLEEPER" = pending ]; then
    if [ "$!" != "$PREVIOUS_JOB" ]; then SLEEPER=$!; else SLEEPER=; fi
  fi
  if [ -n "$SLEEPER" ]; then kill -KILL "$SLEEPER" 2>/dev/null; SLEEPER=; fi
}

on_signal() {
  log "signal $1"
  case " $CHILD_IGNORE " in *" $1 "*) return ;; esac
  case "$1" in
    TERM|INT|QUIT)
      stop_sleeper
      if [ -n "$CHILD_CLEANUP" ]; then sleep "$CHILD_CLEANUP"; fi
      log "exit 0"
      exit 0 ;;
  esac
}

for s in HUP INT TERM USR1 USR2 WINCH QUIT ALRM; do
  trap "on_signal $s" "$s"
done
log "start $ROLE ${QUIESCE_INSTANCE:-}"

if [ "$CHILD_GRANDCHILD" = 1 ]; then
  CHILD_ROLE=grandchild CHILD_GRANDCHILD= CHILD_READY_AFTER= CHILD_EXIT_AFTER= \
    CHILD_IGNORE="$CHILD_GRANDCHILD_IGNORE" sh "$0" &
fi
case "$CHILD_ESCAPE" in
  setsid)
    CHILD_ROLE=escapee CHILD_ESCAPE= CHILD_GRANDCHILD= CHILD_READY_AFTER= CHILD_EXIT_AFTER= CHILD_IGNORE= \
      setsid sh "$0" &
    ;;
  daemon)
    CHILD_ROLE=escapee CHILD_ESCAPE= CHILD_GRANDCHILD= CHILD_READY_AFTER= CHILD_EXIT_AFTER= CHILD_IGNORE= \
      setsid sh -c 'sh "$1" </dev/null >/dev/null 2>&1 & exit 0' sh "$0" </dev/null >/dev/null 2>&1 &
    ;;
  setsid-bare)
    setsid env -i sleep 3600 </dev/null >/dev/null 2>&1 &
    log "escapee-pid $!"
    ;;
esac
if [ -n "$CHILD_CLOSE_STDOUT" ]; then
  exec 1>&-
  echo "stdout closed" >&2
fi
if [ -n "$CHILD_BIG_LINE" ]; then
  head -c "$CHILD_BIG_LINE" /dev/zero | tr '\0' x
  echo
  echo "after the big line"
fi
if [ -n "$CHILD_READY_AFTER" ]; then
  sleep "$CHILD_READY_AFTER"
  log ready
  echo "ready to serve"
fi
if [ -n "$CHILD_EXIT_AFTER" ]; then
  sleep "$CHILD_EXIT_AFTER"
  log "exit ${CHILD_EXIT_CODE:-0}"
  exit "${CHILD_EXIT_CODE:-0}"
fi
while :; do
  PREVIOUS_JOB=$!
  SLEEPER=pending
  sleep 3600 &
  SLEEPER=$!
  wait "$SLEEPER"
  stop_sleeper
done

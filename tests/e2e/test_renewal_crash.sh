#!/usr/bin/env bash
# kill -9 at every step of a renewal's journal, and a restart that finishes
# it: exactly one live token of the name, the old one deleted, one create
# in all (never two twins), every copy holding the new value.  The daemon
# kills itself (SIGKILL) right after the journal of the point was written
# (TW_RENEWAL_CRASH_AFTER, agent/rotate/rotate.h): deterministic, no timing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/renewal_lib.sh"

e2e_diagnose() {
  cat "$E2E_TMP/tw.log" 2>/dev/null
  sim GET /_sim/tokens | jq -c --arg n "$NAME" '.[] | select(.name == $n)'
  sim GET /_sim/writes
}
running() { kill -0 "$1" 2>/dev/null; }

# crash_at POINT STEP [COPIES [BETWEEN]]: a world of its own; the daemon
# dies at POINT with its journal at STEP (and its copies' states, in order,
# COPIES); the command BETWEEN runs; a restart finishes the renewal.
DELETES=1
crash_at() (
  local point=$1 step=$2 copies=${3:-} between=${4:-true} pid code live
  E2E_TMP=$(mktemp -d /tmp/tw-e2e.XXXXXX)
  E2E_PIDS=()
  trap e2e_cleanup EXIT
  world
  TW_RENEWAL_CRASH_AFTER=$point "$TW_BIN" -c "$CFG" run 2>>"$E2E_TMP/tw.log" &
  pid=$!
  E2E_PIDS+=("$pid")
  wait_for 60 "the daemon to die at $point" eval '! running '"$pid"
  set +e
  wait "$pid"
  code=$?
  set -e
  [[ $code -eq 137 ]] || fail "$point: the daemon exited $code, not killed (137)"
  [[ $(journal_step) == "$step" ]] || fail "$point: the journal says $(journal_step), not $step"
  if [[ -n $copies ]]; then
    [[ $(jq -r '[.copies[].state] | join(" ")' "$(journal)") == "$copies" ]] ||
      fail "$point: the journal's copies are $(jq -r '[.copies[].state] | join(" ")' "$(journal)"), not $copies"
  fi
  [[ $(stat -c %a "$(journal)") == 600 && $(stat -c %a "$STATE") == 700 ]] ||
    fail "$point: journal $(stat -c %a "$(journal)"), state_dir $(stat -c %a "$STATE")"

  $between
  start_daemon "$CFG"
  wait_for 60 "the restarted daemon to finish the renewal ($point)" renewal_over
  live=$(sim GET /_sim/tokens | jq -r --arg n "$NAME" '[.[] | select(.name == $n and .live_value)] | length')
  [[ $live -eq 1 ]] || fail "$point: $live live tokens named $NAME"
  [[ $(writes created) -eq 1 && $(writes deleted) -eq $DELETES ]] ||
    fail "$point: Astro writes $(sim GET /_sim/writes): one create and $DELETES deletes expected"
  [[ $(named) != "${TWIN:-}" ]] || fail "$point: the twin whose value was lost was kept"
  assert_all_current
  wait_for 30 "the restarted daemon's log of the renewal ($point)" logged "renewal finished"
  pass "kill -9 after $point (journal: $step${4:+, then $between}): the restart finishes with one live token, every copy current"
)

# Copies in configuration order: 0 github (unreadable), 1 gitlab, 2 vault,
# 3 kubernetes, 4 file.
crash_at intent intent
crash_at issuing issuing
crash_at issued issued
# The create went through but its answer was lost with the process: a twin
# in Astro whose value nobody has.  The restart deletes it and issues again.
TWIN=clrenewtwin00000000000001
lost_twin() {
  sim PUT "/_sim/tokens/$TWIN" '{"id":"'$TWIN'","name":"'$NAME'","description":"GitHub Actions deploys to prod","scope":"WORKSPACE","startAt":"@+0s","createdAt":"@+0s","updatedAt":"@+0s","endAt":"@+90d","expiryPeriodInDays":90,"roles":[{"entityType":"WORKSPACE","entityId":"'$WS'","role":"WORKSPACE_AUTHOR"}]}' >/dev/null
  sim POST "/_sim/tokens/$TWIN/credential" >/dev/null
}
DELETES=2 crash_at issuing issuing "" lost_twin
P=pending W=writing D=delivered
# GitHub's write journaled, not sent
crash_at writing:0 issued "$W $P $P $P $P"
# GitHub holds the value, the journal does not know
crash_at wrote:0 issued "$W $P $P $P $P"
# mid-delivery: two copies written, three to go
crash_at copy:1 issued "$D $D $P $P $P"
# Vault's write journaled, not sent (cas)
crash_at writing:2 issued "$D $D $W $P $P"
# Kubernetes holds the value, the journal does not know
crash_at wrote:3 issued "$D $D $D $W $P"
crash_at delivered delivered
crash_at verified verified

# kill -9 from outside while the Vault write is in flight (the store holds
# the request): the journal says "writing"; the restart finds Vault without
# the value and writes it, against the version of the intent.
(
  E2E_TMP=$(mktemp -d /tmp/tw-e2e.XXXXXX)
  E2E_PIDS=()
  trap e2e_cleanup EXIT
  world
  store vault POST /_store/faults '{"type":"hang","match":"/v1/secret/data/ci/astro","method":"POST","hang_ms":15000,"count":1}' >/dev/null
  copies_are() { [[ $(jq -r '[.copies[].state] | join(" ")' "$(journal)" 2>/dev/null) == "$1" ]]; }
  start_daemon "$CFG"
  wait_for 60 "the Vault write in flight" copies_are "delivered delivered writing pending pending"
  stop_daemon KILL
  [[ $(copy_value vault) == "$OLD_VALUE" ]] || fail "the hung write landed"
  store vault DELETE /_store/faults >/dev/null
  start_daemon "$CFG"
  wait_for 60 "the restarted daemon to finish the renewal" renewal_over
  [[ $(writes created) -eq 1 && $(writes deleted) -eq 1 ]] || fail "Astro writes $(sim GET /_sim/writes)"
  assert_all_current
  pass "kill -9 from outside during the Vault write: the restart writes it and finishes, one live token"
)

#!/usr/bin/env bash
# The audit trail end to end: the daemon sees the organization change under
# it (tw-astrosim's control routes), records each change once in state_dir,
# counts it in /metrics, survives a restart without replaying, and
# `tokenwatch audit` shows it to a reviewer in every format.
source "$(dirname "$0")/lib.sh"

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"
state=$E2E_TMP/state
cfg=$E2E_TMP/tw.ini
cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
max_retries = 0
[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $state
log_level = info
INI

e2e_diagnose() { cat "$E2E_TMP/tw.log"; }
has_event() { # KIND TOKEN
  [[ -f $state/audit.jsonl ]] &&
    jq -se --arg k "$1" --arg t "$2" 'any(.[]; .event == $k and .token_id == $t)' \
      "$state/audit.jsonl" >/dev/null 2>&1
}
# Waits until the audit file holds an event of kind $1 for token $2.
wait_event() { wait_for 20 "a $1 event for $2 in the audit file" has_event "$1" "$2"; }
sim() { curl -fsS -X "$1" "$SIM_URL/_sim/tokens/$2" ${3:+--data-binary "$3"} >/dev/null; }

start_daemon "$cfg"
wait_file "$state/audit-listing.json"
[[ ! -s $state/audit.jsonl ]] || fail "the first collection is a baseline, not a burst of events"
pass "the first collection is a baseline"

# A token in use is deleted; a new one appears without expiry.  (The deleted
# token created others: they are orphaned now, creator_departed events.)
used=clvsd9cpht7cbds8ee1qfi2dl # ci-org-automation, last used 10 minutes ago
new=cnewe2etoken0000000000001
sim DELETE "$used"
sim PUT "$new" '{"id":"'$new'","name":"e2e-new","scope":"WORKSPACE","roles":[{"entityType":"WORKSPACE","entityId":"cwuo8oc09zcke5raw4y1tgy5c","role":"WORKSPACE_AUTHOR"}]}'
wait_event deleted "$used"
wait_event created "$new"
jq -se --arg t "$used" 'any(.[]; .token_id == $t and .severity == "critical" and (.detail | test("failing now")))' \
  "$state/audit.jsonl" >/dev/null || fail "a token deleted while in use is critical"
jq -se --arg t "$new" 'any(.[]; .token_id == $t and .event == "created" and .severity == "warning" and .detail == "no expiry")' \
  "$state/audit.jsonl" >/dev/null || fail "a new token without expiry is a warning"
grep -q 'msg="token change".*event=deleted.*severity=critical' "$E2E_TMP/tw.log" ||
  fail "the critical change is not in the log"
pass "deleted-while-used is critical, a new token without expiry warns"

sim PUT "$new" '{"id":"'$new'","name":"e2e-renamed","scope":"WORKSPACE","roles":[{"entityType":"WORKSPACE","entityId":"cwuo8oc09zcke5raw4y1tgy5c","role":"WORKSPACE_OWNER"}]}'
wait_event renamed "$new"
wait_event roles_changed "$new"
pass "renamed and re-roled"

metrics=$(curl -fsS "http://127.0.0.1:$(cat "$E2E_TMP/port")/metrics")
grep -qx 'astro_token_events_total{event="deleted",severity="critical"} 1' <<<"$metrics" ||
  fail "deleted counter: $metrics"
grep -qx 'astro_token_events_total{event="created",severity="warning"} 1' <<<"$metrics" ||
  fail "created counter"
grep -qx 'astro_token_events_total{event="expired",severity="critical"} 0' <<<"$metrics" ||
  fail "zero counters are exported"
promtool check metrics <<<"$metrics" || fail "promtool check metrics"
pass "astro_token_events_total counts each event"

# The live status page (/) lists the trail's changes of the last 30 days (the
# page is made once per cycle: wait for the one after the last change).
page() { curl -fsS --compressed "$URL/" || true; }
shows_rename() { page | grep -q 'e2e-renamed'; }
wait_for 10 "the rename on the status page" shows_rename
page >"$E2E_TMP/status.html"
grep -q 'Changes in the last 30 days' "$E2E_TMP/status.html" || fail "no changes section on the status page"
grep -q 'No change history yet' "$E2E_TMP/status.html" && fail "the status page says there is no history"
grep -q "$used" "$E2E_TMP/status.html" || fail "the deletion is not on the status page"
grep -q 'roles_changed' "$E2E_TMP/status.html" || fail "the role change is not on the status page"
pass "the status page shows the changes the trail recorded"

# A restart neither replays nor loses: a change made while down is seen once.
stop_daemon
lines=$(wc -l <"$state/audit.jsonl")
sim DELETE "$new"
start_daemon "$cfg"
wait_event deleted "$new"
# Three more cycles must add nothing.
cycles=$(wait_cycles "$URL" 0)
wait_cycles "$URL" $((cycles + 2)) >/dev/null
[[ $(wc -l <"$state/audit.jsonl") -eq $((lines + 1)) ]] || {
  cat "$state/audit.jsonl" >&2
  fail "the restart replayed or lost events"
}
pass "a restart records the change made while down, and nothing twice"
stop_daemon

# The reviewer's command, in every format, filtered.
"$TW_BIN" -c "$cfg" audit --format json >"$E2E_TMP/a.json"
jq -e --arg u "$used" --arg n "$new" \
  '[.events[] | select(.token_id == $u or .token_id == $n) | .event] == ["deleted","created","roles_changed","renamed","deleted"]' \
  "$E2E_TMP/a.json" >/dev/null ||
  { cat "$E2E_TMP/a.json" >&2; fail "audit --format json"; }
jq -e --arg n "$new" 'any(.events[]; .event == "renamed" and .token_id == $n and .before == "e2e-new" and .after == "e2e-renamed")' \
  "$E2E_TMP/a.json" >/dev/null || fail "renamed before/after"
"$TW_BIN" -c "$cfg" audit --token "$new" --format csv >"$E2E_TMP/a.csv"
# the events block: up to the blank line before where the usage comes from
[[ $(sed '/^\r$/q' "$E2E_TMP/a.csv" | grep -vc $'^\r$') -eq 5 ]] || { cat "$E2E_TMP/a.csv" >&2; fail "audit --token"; }
! grep -q "$used" "$E2E_TMP/a.csv" || fail "audit --token shows other tokens"
"$TW_BIN" -c "$cfg" audit --format markdown | grep -q '^| .* | deleted | critical | ci-org-automation' ||
  fail "audit --format markdown"
"$TW_BIN" -c "$cfg" audit | grep -q 'pipelines that use it are failing now' || fail "audit table"
total=$(jq '.events | length' "$E2E_TMP/a.json")
jq -e --arg u "$used" 'any(.events[]; .event == "creator_departed")' "$E2E_TMP/a.json" >/dev/null ||
  fail "tokens created by the deleted token are orphaned now"
"$TW_BIN" -c "$cfg" audit --since 1h --format json | jq -e --argjson n "$total" '.events | length == $n' >/dev/null ||
  fail "audit --since 1h"
# --since counts whole seconds back from now: the last event leaves the
# last second once a second has passed
none_since_1s() {
  "$TW_BIN" -c "$cfg" audit --since 1s --format json | jq -e '.events | length == 0' >/dev/null
}
wait_for 5 "audit --since 1s to leave out the events of before" none_since_1s
if grep -rqF "$(cat "$SIM_CRED")" "$state" "$E2E_TMP/tw.log" "$E2E_TMP"/a.*; then
  fail "the credential leaked into the audit trail"
fi
pass "tokenwatch audit: json, csv, markdown, table, --token, --since"

# A malformed line is skipped and reported, never fatal.
printf '{"event":\n' >>"$state/audit.jsonl"
"$TW_BIN" -c "$cfg" audit --format json 2>"$E2E_TMP/err" |
  jq -e --argjson n "$total" '.skipped_lines == 1 and (.events | length) == $n' >/dev/null ||
  fail "a malformed line"
grep -q '1 malformed line' "$E2E_TMP/err" || fail "the malformed line is not reported"
pass "a malformed audit line is skipped and reported"

#!/usr/bin/env bash
# The Astro audit logs end to end: the real daemon reads
# tw-astrosim's audit logs on its own thread, /metrics shows who uses each
# token, a restart continues from the cursor without counting anything twice,
# `tokenwatch audit` shows the usage and the lifecycle actors, a 403 turns
# enabled = auto off with one log line, and SIGTERM stops a long backfill fast.
source "$(dirname "$0")/lib.sh"

base=$(date -u +%Y-%m-%dT%H:%M:%SZ)
base_s=$(date -u -d "$base" +%s)
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" \
  --audit-fixture "$TW_SOURCE_DIR/tests/fixtures/demo-audit.ndjson" --base-time "$base" \
  --audit-window-ms 2000 # the daemon starts four times here: keep the sim's 2 calls a window short
state=$E2E_TMP/state
cfg=$E2E_TMP/tw.ini
write_cfg() { # $1: the sim's URL, $2: its credential, $3: [audit_logs] lines
  cat >"$cfg" <<INI
[astro]
api_url = $1
token_file = $2
max_retries = 0
[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $state
[audit_logs]
interval = 60s
$3
INI
}
write_cfg "$SIM_URL" "$SIM_CRED" "metrics_sources = true"

# the port file, not $URL: a reload with listen = 127.0.0.1:0 moves the server
url() { echo "http://127.0.0.1:$(cat "$E2E_TMP/port")"; }
metrics() { curl -fsS "$(url)/metrics"; }
e2e_diagnose() {
  metrics | grep -E 'audit_log|usage' || true
  cat "$E2E_TMP/tw.log"
}
shows() { metrics | grep -qE "$1"; }
# Waits until /metrics has a line matching the regex $1.
wait_metric() { wait_for 20 "a metric line matching $1" shows "$1"; }
# The value of the sample $1 (exact name and labels) on the page.
value() { metrics | awk -v k="$1" '$1 == k { print $2 }'; }
count_log() { grep -c -- "$1" "$E2E_TMP/tw.log" || true; }

cicd=cl4kkvmqolewvmtye5npp4wkt # used 4 times in the fixture, from 2 addresses
start_daemon "$cfg"
wait_metric '^tokenwatch_audit_log_last_success_timestamp_seconds [0-9]+$'
# every per-token series carries the token's organization
org=$(metrics | sed -n 's/^astro_token_info{token_id="[^"]*",organization="\([^"]*\)".*/\1/p' | head -n1)
[[ -n $org ]] || fail "no organization label on astro_token_info"
wait_metric "^astro_token_usage_calls\\{token_id=\"$cicd\",organization=\"$org\"\\} 4$"
page=$(metrics)
expect() { grep -qxF "$1" <<<"$page" || fail "missing: $1"; }
expect "astro_token_last_seen_timestamp_seconds{token_id=\"$cicd\",organization=\"$org\"} $((base_s - 3600))"
expect "astro_token_usage_sources{token_id=\"$cicd\",organization=\"$org\",kind=\"ip\"} 2"
expect "astro_token_usage_sources{token_id=\"$cicd\",organization=\"$org\",kind=\"user_agent\"} 2"
expect "astro_token_usage_source_info{token_id=\"$cicd\",organization=\"$org\",kind=\"ip\",source=\"198.51.100.77\"} 1"
expect "astro_token_usage_source_info{token_id=\"$cicd\",organization=\"$org\",kind=\"user_agent\",source=\"docker/24.0.7 go/go1.20.10\"} 1"
expect 'tokenwatch_audit_log_enabled 1'
expect 'tokenwatch_audit_log_entries_total 17'
expect 'tokenwatch_audit_log_skipped_total{reason="malformed"} 1'
expect 'tokenwatch_audit_log_fetch_failures_total 0'
! grep -q 'clunknowntoken0000000000z' <<<"$page" || fail "an unlisted token has usage series"
promtool check metrics <<<"$page" || fail "promtool check metrics"
[[ -s $state/audit-usage.json ]] || fail "the cursor and usage index are not persisted"
pass "usage per token on /metrics, from the audit logs"

# A restart continues from the cursor: the old entries are not counted
# again, an entry logged while the agent was down is (dated a minute before
# the first read: within the overlap read again for late entries).
stop_daemon
curl -fsS -X POST "$SIM_URL/_sim/audit-logs" --data-binary \
  '{"subjectId":"'$cicd'","subjectType":"SERVICEKEY","organizationId":"cm9r8jgormxbek92l8s8wppie","timestamp":"@-1m","sourceIp":"203.0.113.99","userAgent":"ci \"runner\" \\ 2","method":"GET","path":"/v1/organizations/cm9r8jgormxbek92l8s8wppie/deployments","responseStatus":200}' \
  >/dev/null
reads=$(count_log 'msg="audit logs read"')
start_daemon "$cfg"
read_again() { (($(count_log 'msg="audit logs read"') > reads)); }
wait_for 20 "the audit logs read after the restart" read_again
wait_metric "^astro_token_usage_calls\\{token_id=\"$cicd\",organization=\"$org\"\\} 5$"
page=$(metrics)
expect 'tokenwatch_audit_log_entries_total 1'
expect "astro_token_usage_sources{token_id=\"$cicd\",organization=\"$org\",kind=\"ip\"} 3"
expect "astro_token_usage_source_info{token_id=\"$cicd\",organization=\"$org\",kind=\"user_agent\",source=\"ci \\\"runner\\\" \\\\ 2\"} 1"
promtool check metrics <<<"$page" || fail "promtool check metrics: a hostile user agent"
pass "a restart counts nothing twice and takes what came meanwhile"

# The reviewer's command: who uses each token, who changed it.
"$TW_BIN" -c "$cfg" audit --format json >"$E2E_TMP/a.json"
jq -e --arg t "$cicd" '.usage[] | select(.token_id == $t) | .calls == 5 and .image_pushes == 1
    and (.source_ips[0] | .value == "203.0.113.10" and .count == 3)' "$E2E_TMP/a.json" >/dev/null ||
  { cat "$E2E_TMP/a.json" >&2; fail "audit --format json: usage"; }
jq -e '[.lifecycle[] | .action] | index("rotated") != null and index("deleted") != null' \
  "$E2E_TMP/a.json" >/dev/null || fail "audit --format json: lifecycle actors"
jq -e '.lifecycle[] | select(.action == "rotated") | .actor_type == "token" and .source_ip == "192.0.2.44"' \
  "$E2E_TMP/a.json" >/dev/null || fail "a rotation by a token names the token"
"$TW_BIN" -c "$cfg" audit --token "$cicd" --format json |
  jq -e --arg t "$cicd" '(.usage | length) == 1 and all(.lifecycle[]; .token_id == $t)' >/dev/null ||
  fail "audit --token filters the usage and the lifecycle"
"$TW_BIN" -c "$cfg" audit --format csv | grep -q "^usage,$cicd," || fail "audit --format csv: usage"
"$TW_BIN" -c "$cfg" audit --format markdown | grep -q '^## Who uses each token' ||
  fail "audit --format markdown: usage"
"$TW_BIN" -c "$cfg" audit | grep -q '203.0.113.10 (3)' || fail "audit table: top source IPs"
"$TW_BIN" -c "$cfg" audit --since 30m --format json |
  jq -e --arg t "$cicd" '[.usage[].token_id] == [$t] and (.lifecycle | length) == 0' >/dev/null ||
  fail "audit --since keeps the tokens seen since"
if grep -rqF "$(cat "$SIM_CRED")" "$state" "$E2E_TMP/tw.log" "$E2E_TMP"/a.*; then
  fail "the credential leaked"
fi
pass "tokenwatch audit shows usage and lifecycle actors in every format"

# A reload to enabled = false applies at once: no usage series, enabled 0.
write_cfg "$SIM_URL" "$SIM_CRED" "enabled = false"
kill -HUP "$DAEMON_PID"
wait_metric '^tokenwatch_audit_log_enabled 0$'
! metrics | grep -q '^astro_token_usage_calls{' || fail "usage series after enabled = false"
grep -q 'msg="configuration reloaded"' "$E2E_TMP/tw.log" || fail "no reload"
pass "a reload to enabled = false turns the usage off"

# A state file that does not parse: the command says so naming the file,
# leaves it in place and reads the audit logs itself; the daemon moves it
# aside and logs it.
stop_daemon
cp "$state/audit-usage.json" "$E2E_TMP/good.json"
printf '{"v":1,' >"$state/audit-usage.json"
write_cfg "$SIM_URL" "$SIM_CRED" ""
"$TW_BIN" -c "$cfg" audit --format json >"$E2E_TMP/bad.json" 2>"$E2E_TMP/err" ||
  fail "a bad audit-usage.json is fatal to the audit command"
grep -q "cannot read the daemon's audit-log usage.*file=audit-usage.json" "$E2E_TMP/err" ||
  fail "the warning does not name the file"
jq -e --arg t "$cicd" '.usage_source[0].source == "audit_logs" and any(.usage[]; .token_id == $t)' \
  "$E2E_TMP/bad.json" >/dev/null || fail "a bad state file: the audit logs are not read instead"
[[ $(cat "$state/audit-usage.json") == '{"v":1,' ]] || fail "the audit command touched the state file"
pass "a bad state file: the audit command says so and reads the audit logs itself"

# The daemon moves it aside, says so, and reads the audit logs again.
start_daemon "$cfg"
wait_metric "^astro_token_usage_calls\\{token_id=\"$cicd\",organization=\"$org\"\\} 5$"
grep -q 'msg="the audit-log state file did not parse: moved aside.*file=' "$E2E_TMP/tw.log" ||
  fail "the quarantined state file is not logged"
ls "$state" | grep -q '^audit-usage.json.' || fail "the bad state file was not kept aside"
stop_daemon
pass "the daemon quarantines a bad state file, logs it and reads again"

# enabled = auto and a credential that is not an Organization Owner: off,
# with one log line however many cycles pass.
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --audit-forbidden
rm -rf "$state"
: >"$E2E_TMP/tw.log"
write_cfg "$SIM_URL" "$SIM_CRED" "enabled = auto"
start_daemon "$cfg"
wait_metric '^tokenwatch_audit_log_enabled 0$'
# three more cycles, then the 403 must still be one line
cycles=$(wait_cycles "$(url)" 0)
wait_cycles "$(url)" $((cycles + 2)) >/dev/null
[[ $(count_log 'may not read the Astro audit logs') -eq 1 ]] ||
  { cat "$E2E_TMP/tw.log" >&2; fail "the 403 is not one log line"; }
[[ $(count_log 'level=error') -eq 0 ]] || fail "a 403 under auto is an error"
[[ -z $(value 'tokenwatch_audit_log_last_success_timestamp_seconds') ]] ||
  fail "no success yet"
stop_daemon
pass "enabled = auto: a 403 turns it off with one log line"

write_cfg "$SIM_URL" "$SIM_CRED" "enabled = true"
: >"$E2E_TMP/tw.log"
start_daemon "$cfg"
wait_metric '^tokenwatch_audit_log_fetch_failures_total 1$'
grep -q 'level=error msg="cannot read the Astro audit logs: retried next interval".*403' \
  "$E2E_TMP/tw.log" || fail "enabled = true: the 403 is not logged as an error"
[[ $(value 'tokenwatch_audit_log_enabled') == 1 ]] || fail "enabled = true stays on"
stop_daemon
pass "enabled = true: a 403 is an error, retried"

# A 401 is an error, logged, counted, retried next interval; the token
# collection goes on.
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" \
  --audit-fixture "$TW_SOURCE_DIR/tests/fixtures/demo-audit.ndjson"
curl -fsS -X POST "$SIM_URL/_sim/faults" \
  --data-binary '{"type":"status","status":401,"match":"audit-logs","count":1}' >/dev/null
rm -rf "$state"
: >"$E2E_TMP/tw.log"
write_cfg "$SIM_URL" "$SIM_CRED" ""
start_daemon "$cfg"
wait_metric '^tokenwatch_audit_log_fetch_failures_total 1$'
grep -q 'level=error msg="cannot read the Astro audit logs: retried next interval".*401' \
  "$E2E_TMP/tw.log" || fail "the 401 is not logged"
# the collection goes on: two more cycles
cycles=$(wait_cycles "$(url)" 0)
wait_cycles "$(url)" $((cycles + 1)) >/dev/null
[[ $(value 'tokenwatch_audit_log_enabled') == 1 ]] || fail "a 401 turned the audit logs off"
stop_daemon
pass "a 401 is logged and counted, never fatal"

# SIGTERM during a long backfill: the daemon stops within a second.
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --audit-generate 2000000
rm -rf "$state"
: >"$E2E_TMP/tw.log"
write_cfg "$SIM_URL" "$SIM_CRED" "backfill = 90d"
start_daemon "$cfg"
wait_cycles "$(url)" 0 >/dev/null
# the backfill is in flight: the sim is streaming the audit logs
backfilling() {
  curl -fsS "$SIM_URL/_sim/requests" | jq -e 'any(.[]; .path | contains("audit-logs"))' >/dev/null
}
wait_for 20 "the backfill request" backfilling
[[ $(count_log 'msg="audit logs read"') -eq 0 ]] || fail "the backfill was too short to test"
t0=$(date +%s%N)
kill "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
ms=$((($(date +%s%N) - t0) / 1000000))
((ms < 1000)) || fail "SIGTERM took ${ms} ms during a backfill"
grep -q 'msg=stopping' "$E2E_TMP/tw.log" || fail "no clean stop"
pass "SIGTERM stops a backfill in flight (${ms} ms)"

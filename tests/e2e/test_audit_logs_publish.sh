#!/usr/bin/env bash
# The audit logs' results reach /metrics and the status page as soon as the
# reader has them, not at the next collection cycle: with [agent] interval =
# 1h the first cycle publishes before the reader's first fetch ends, and the
# page is made again when it does.
source "$(dirname "$0")/lib.sh"

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" \
  --audit-fixture "$TW_SOURCE_DIR/tests/fixtures/demo-audit.ndjson" --audit-window-ms 2000
cfg=$E2E_TMP/tw.ini
cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
[agent]
interval = 1h
listen = 127.0.0.1:0
state_dir = $E2E_TMP/state
[audit]
interval = 60s
INI
"$TW_BIN" -c "$cfg" run --port-file "$E2E_TMP/port" 2>"$E2E_TMP/tw.log" &
E2E_PIDS+=($!)
wait_file "$E2E_TMP/port"
URL="http://127.0.0.1:$(cat "$E2E_TMP/port")"
cicd=cl4kkvmqolewvmtye5npp4wkt # used 4 times in the fixture, from 2 addresses

e2e_diagnose() { cat "$E2E_TMP/tw.log"; }
has_metric() { curl -fsS "$URL/metrics" 2>/dev/null | grep -qE "$1"; }
# Waits (up to 20 s) until /metrics has a line matching the regex $1 (the
# next cycle is an hour away).
wait_metric() { wait_for 20 "a metric line matching $1" has_metric "$1"; }
wait_metric '^tokenwatch_audit_log_enabled 1$'
wait_metric "^astro_token_usage_calls\\{token_id=\"$cicd\",organization=\"[^\"]*\"\\} 4$"
wait_metric '^tokenwatch_audit_log_last_success_timestamp_seconds [0-9]+$'
[[ $(grep -c 'msg="cycle finished"' "$E2E_TMP/tw.log") -eq 1 ]] || fail "more than one cycle ran"
pass "the audit logs' usage reaches /metrics before the next cycle"

curl -fsS "$URL/" >"$E2E_TMP/status.html"
grep -qF 'Who uses each token' "$E2E_TMP/status.html" || fail "the status page has no usage section"
grep -qF '203.0.113.10' "$E2E_TMP/status.html" || fail "the status page does not show the usage"
! grep -qF 'No audit-log usage' "$E2E_TMP/status.html" || fail "the status page says there is no usage"
pass "and the status page shows it"

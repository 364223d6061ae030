#!/usr/bin/env bash
# Two organizations watched by one agent: two tw-astrosim
# processes, one [astro.NAME] each.  Both are collected and labelled; when one
# stops answering, its collection health goes to 0 and its last good tokens
# stay, while the other keeps updating; report --organization filters.
source "$(dirname "$0")/lib.sh"

BASE=2026-12-01T00:00:00Z
DEMO=$(jq -r .organization.id "$TW_SOURCE_DIR/tests/fixtures/demo-org.json")
CLEAN=$(jq -r .organization.id "$TW_SOURCE_DIR/tests/fixtures/clean-org.json")
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --base-time "$BASE" \
  --audit-fixture "$TW_SOURCE_DIR/tests/fixtures/demo-audit.ndjson"
DEMO_URL=$SIM_URL DEMO_CRED=$SIM_CRED
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/clean-org.json" --base-time "$BASE"
CLEAN_URL=$SIM_URL CLEAN_CRED=$SIM_CRED CLEAN_PID=$SIM_PID
# The clean organization's audit logs: its token called twice.
CLEAN_TOKEN=$(jq -r '.tokens[0].id' "$TW_SOURCE_DIR/tests/fixtures/clean-org.json")
for ts in @-2h @-1h; do
  curl -fsS -X POST "$CLEAN_URL/_sim/audit-logs" --data-binary \
    '{"subjectId":"'"$CLEAN_TOKEN"'","subjectType":"SERVICEKEY","timestamp":"'"$ts"'","sourceIp":"192.0.2.7","userAgent":"clean-ci","method":"GET","path":"/v1/organizations/x/deployments","responseStatus":200}' \
    >/dev/null
done
n_demo=$(jq '.tokens | length' "$TW_SOURCE_DIR/tests/fixtures/demo-org.json")
n_clean=$(jq '.tokens | length' "$TW_SOURCE_DIR/tests/fixtures/clean-org.json")

cfg=$E2E_TMP/tw.ini
cat >"$cfg" <<INI
[astro.demo]
api_url = $DEMO_URL
token_file = $DEMO_CRED
display_name = Demo Org
max_retries = 0

[astro.clean]
api_url = $CLEAN_URL
token_env = TW_CLEAN_TOKEN
organization_id = $CLEAN
max_retries = 0
request_timeout = 2s

[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $E2E_TMP/state
log_level = warn
INI
chmod 600 "$cfg"

# Two organizations with the same id are refused, naming the line.
dup=$E2E_TMP/dup.ini
printf '[astro.a]\norganization_id = %s\n[astro.b]\norganization_id = %s\n' "$CLEAN" "$CLEAN" >"$dup"
set +e
"$TW_BIN" -c "$dup" check-config >"$E2E_TMP/dup.out" 2>&1
code=$?
set -e
[[ $code -eq 2 ]] || fail "duplicate organization id: exit $code, want 2"
grep -qF "$dup:4: [astro.b] organization_id: organization $CLEAN is already watched by [astro.a]" \
  "$E2E_TMP/dup.out" || { cat "$E2E_TMP/dup.out" >&2; fail "duplicate organization id message"; }
pass "two organizations with the same id are a config error naming the line"

export TW_CLEAN_TOKEN
TW_CLEAN_TOKEN=$(cat "$CLEAN_CRED")
start_daemon "$cfg"

scrape() { curl -fsS "$URL/metrics" >"$E2E_TMP/m" 2>/dev/null; }
has() { grep -qxF "$1" "$E2E_TMP/m"; }
count_org() { grep -c "^astro_token_info{token_id=\"[^\"]*\",organization=\"$1\"" "$E2E_TMP/m" || true; }
e2e_diagnose() { cat "$E2E_TMP/tw.log"; }
shows() { scrape && has "$1"; }
wait_metrics() { wait_for 20 "$2 ($1)" shows "$1"; } # LINE WHAT

wait_metrics "tokenwatch_collection_success{organization=\"$DEMO\"} 1" "the demo organization"
wait_metrics "tokenwatch_collection_success{organization=\"$CLEAN\"} 1" "the clean organization"
[[ $(count_org "$DEMO") -eq $n_demo ]] || fail "demo tokens: $(count_org "$DEMO"), want $n_demo"
[[ $(count_org "$CLEAN") -eq $n_clean ]] || fail "clean tokens: $(count_org "$CLEAN"), want $n_clean"
grep -q "organization=\"$DEMO\",.*organization_name=\"Demo Org\"" "$E2E_TMP/m" ||
  fail "the display name is not on astro_token_info"
grep -q "^astro_token_expiry_timestamp_seconds{token_id=\"[^\"]*\",organization=\"$DEMO\"}" "$E2E_TMP/m" ||
  fail "per-token series lack the organization label"
pass "both organizations collected, each token labelled with its organization"
# Every organization's audit logs are read, each with its own cursor and file.
wait_metrics "astro_token_usage_calls{token_id=\"cl4kkvmqolewvmtye5npp4wkt\",organization=\"$DEMO\"} 4" \
  "the demo organization's audit-log usage"
wait_metrics "astro_token_usage_calls{token_id=\"$CLEAN_TOKEN\",organization=\"$CLEAN\"} 2" \
  "the clean organization's audit-log usage"
[[ -s $E2E_TMP/state/audit-usage.demo.json && -s $E2E_TMP/state/audit-usage.clean.json ]] ||
  fail "no state file per organization"
jq -e --arg o "$CLEAN" '.organization.id == $o' "$E2E_TMP/state/audit-usage.clean.json" >/dev/null ||
  fail "the clean organization's state file does not name it"
"$TW_BIN" -c "$cfg" audit --format json >"$E2E_TMP/audit.json"
jq -e --arg t "$CLEAN_TOKEN" '[.usage[].token_id] | index($t) != null and index("cl4kkvmqolewvmtye5npp4wkt") != null' \
  "$E2E_TMP/audit.json" >/dev/null || fail "tokenwatch audit lacks an organization's usage"
pass "the audit logs of every organization are read, one cursor and file each"
if grep -qF "$TW_CLEAN_TOKEN" "$E2E_TMP/m" "$E2E_TMP/tw.log"; then fail "a credential leaked"; fi

# The clean organization's API goes away: its health drops, its last good
# tokens stay, and the demo organization goes on updating.
kill "$CLEAN_PID"
wait "$CLEAN_PID" 2>/dev/null || true
wait_metrics "tokenwatch_collection_success{organization=\"$CLEAN\"} 0" "the failing organization's health"
has "tokenwatch_collection_success{organization=\"$DEMO\"} 1" || fail "the demo organization failed too"
[[ $(count_org "$CLEAN") -eq $n_clean ]] || fail "the failing organization's tokens went: $(count_org "$CLEAN")"
[[ $(count_org "$DEMO") -eq $n_demo ]] || fail "demo tokens after the outage: $(count_org "$DEMO")"
demo_ts() { metric "$URL" "tokenwatch_last_success_timestamp_seconds{organization=\"$DEMO\"}"; }
ts0=$(demo_ts)
[[ -n $ts0 ]] || fail "no last success of the demo organization"
demo_updated() { (($(demo_ts) > ts0)); }
wait_for 20 "the demo organization to go on updating (last success $ts0)" demo_updated
scrape
has "tokenwatch_collection_success{organization=\"$CLEAN\"} 0" || fail "the failing organization recovered"
grep -q "organization=astro.clean" "$E2E_TMP/tw.log" || fail "the log does not name the failing organization"
pass "a failing organization keeps its last good tokens and does not hold back the other"

# report: every organization, or one.
run_report() { # OUT ARGS...
  local out=$1
  shift
  set +e
  "$TW_BIN" -c "$cfg" report --format json --now "$BASE" --fail-on never "$@" >"$out" 2>"$out.err"
  REPORT_CODE=$?
  set -e
}
run_report "$E2E_TMP/demo.json" --organization demo
[[ $REPORT_CODE -eq 0 ]] || { cat "$E2E_TMP/demo.json.err" >&2; fail "report --organization demo exited $REPORT_CODE"; }
[[ $(jq '.tokens | length' "$E2E_TMP/demo.json") -eq $n_demo ]] || fail "report --organization demo tokens"
jq -e --arg o "$DEMO" '.organization_id == $o' "$E2E_TMP/demo.json" >/dev/null ||
  fail "report --organization demo names another organization"
jq -e --arg o "$DEMO" 'all(.tokens[]; .organization_id == $o and .organization == "Demo Org")' \
  "$E2E_TMP/demo.json" >/dev/null || fail "report tokens lack their organization"
"$TW_BIN" -c "$cfg" report --format csv --now "$BASE" --fail-on never --organization "Demo Org" >"$E2E_TMP/demo.csv"
head -1 "$E2E_TMP/demo.csv" | grep -q ',organization_id' || fail "the CSV report has no organization column"
# organization_id, then usage_source (the last column)
[[ $(grep -c ",$DEMO," "$E2E_TMP/demo.csv") -eq $n_demo ]] || fail "CSV rows without their organization"
pass "report --organization demo covers only that organization, each token naming it"
run_report "$E2E_TMP/all.json"
[[ $REPORT_CODE -eq 3 ]] || fail "report over a failing organization exited $REPORT_CODE, want 3"
[[ $(jq '.tokens | length' "$E2E_TMP/all.json") -eq $n_demo ]] || fail "report over both organizations"
jq -e '.complete == false and ([.listing_errors[]?, .errors[]? | tostring] | any(test("clean")))' \
  "$E2E_TMP/all.json" >/dev/null || fail "the incomplete report does not name the failing organization"
set +e
"$TW_BIN" -c "$cfg" report --format markdown --now "$BASE" --fail-on never >"$E2E_TMP/all.md" 2>/dev/null
set -e
grep -q '^| Severity | Organization | Token |' "$E2E_TMP/all.md" || fail "markdown: no organization column"
[[ $(grep -c '^| [a-z-]* | Demo Org | ' "$E2E_TMP/all.md") -eq $n_demo ]] || fail "markdown rows lack their organization"
set +e
"$TW_BIN" -c "$cfg" report --format table --now "$BASE" --fail-on never >"$E2E_TMP/all.table" 2>/dev/null
set -e
grep -q '^SEVERITY  *ORGANIZATION  *TOKEN' "$E2E_TMP/all.table" || fail "table: no organization column"
[[ $(grep -c '^[a-z-]*  *Demo Org  ' "$E2E_TMP/all.table") -eq $n_demo ]] || fail "table rows lack their organization"
set +e
"$TW_BIN" -c "$cfg" report --format html --now "$BASE" --fail-on never >"$E2E_TMP/all.html" 2>/dev/null
set -e
grep -q '<th>Severity</th><th>Organization</th><th>Token</th>' "$E2E_TMP/all.html" || fail "html: no organization column"
[[ $(grep -o '<td data-l="Organization">Demo Org</td>' "$E2E_TMP/all.html" | wc -l) -eq $n_demo ]] ||
  fail "html rows lack their organization"
pass "a report over every organization names the failing one and exits 3"
run_report "$E2E_TMP/none.json" --organization nope
[[ $REPORT_CODE -eq 2 ]] || fail "report --organization nope exited $REPORT_CODE, want 2"
pass "report --organization with an unknown name exits 2"

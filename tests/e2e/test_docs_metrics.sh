#!/usr/bin/env bash
# The metrics reference is true: the real daemon runs with as much switched on
# as a test can (two organizations, the Astro audit logs with source labels,
# creator names, a generic and an Alertmanager-format sink delivering to a
# local receiver, staged notices), and every family its /metrics serves must
# be documented in docs/metrics.md (with its type and labels) and named in
# tokenwatch(8); every family docs/metrics.md lists must be one the source
# names (tests/e2e/docs_metrics.py).  And proof that the check catches a
# family missing from either document, a missing label, and a made-up family.
#
# A new feature with families of its own: switch it on in the configuration
# below, so that its families are served here and checked.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 not installed"

doc=$TW_SOURCE_DIR/docs/metrics.md
man=$TW_SOURCE_DIR/man/tokenwatch.8.scd
check() { python3 "$TW_SOURCE_DIR/tests/e2e/docs_metrics.py" "$1" "$2" "$3" "$TW_SOURCE_DIR"; }

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" \
  --audit-fixture "$TW_SOURCE_DIR/tests/fixtures/demo-audit.ndjson"
url_one=$SIM_URL cred_one=$SIM_CRED
start_sim --generate-tokens 8
url_two=$SIM_URL cred_two=$SIM_CRED

# A webhook receiver on 127.0.0.1:0 that answers 200 and counts the POSTs.
start_receiver rx <<'PY'
def record(headers, body):
    return "post\n"
PY
rx="http://127.0.0.1:$(cat "$E2E_TMP/rx.port")"

cfg=$E2E_TMP/tw.ini
cat >"$cfg" <<INI
[astro.one]
api_url = $url_one
token_file = $cred_one
display_name = Demo organization
[astro.two]
api_url = $url_two
token_file = $cred_two
[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $E2E_TMP/state
log_level = warn
metrics_creator_names = true
[policy]
expiry_notify_at = 60d, 30d, 7d, 1d
[audit_logs]
interval = 60s
metrics_sources = true
[webhook.generic]
url = $rx
format = generic
[webhook.am]
url = $rx
format = alertmanager
INI
chmod 600 "$cfg"
start_daemon "$cfg"
e2e_diagnose() { curl -fsS "$URL/metrics" | grep -v '^astro_token' || true; cat "$E2E_TMP/tw.log"; }
shows() { curl -fsS "$URL/metrics" | grep -qE "$1"; }
wait_cycles "$URL" 2 >/dev/null
wait_for 20 "the audit logs read" shows '^tokenwatch_audit_log_last_success_timestamp_seconds [0-9]'
wait_for 20 "source labels" shows '^astro_token_usage_source_info\{'
wait_for 20 "a delivered notification" \
  shows '^tokenwatch_notifications_total\{sink="generic",event="firing",outcome="success"\} [1-9]'
wait_for 20 "an alert batch delivered" \
  shows '^tokenwatch_notifications_total\{sink="am",event="alerts",outcome="success"\} [1-9]'
curl -fsS "$URL/metrics" >"$E2E_TMP/page"
n=$(grep -c '^# HELP ' "$E2E_TMP/page")
((n >= 30)) || fail "only $n families on the page"

check "$E2E_TMP/page" "$doc" "$man" >"$E2E_TMP/problems" ||
  { cat "$E2E_TMP/problems" >&2; fail "the metrics reference is out of date"; }
pass "each of the $n families served is in docs/metrics.md (type, labels) and tokenwatch(8)"
pass "each family docs/metrics.md lists is named in the source"

# The check catches each kind of gap.
expect_problem() { # WHAT DOC MAN WANT
  if check "$E2E_TMP/page" "$2" "$3" >"$E2E_TMP/out"; then fail "$1: the check passed"; fi
  grep -qxF -- "$4" "$E2E_TMP/out" || fail "$1: want '$4', got: $(cat "$E2E_TMP/out")"
}
grep -v '^| `tokenwatch_cycles_total`' "$doc" >"$E2E_TMP/doc1"
expect_problem "a family not documented" "$E2E_TMP/doc1" "$man" \
  "tokenwatch_cycles_total: served, not in docs/metrics.md"
sed 's/\*tokenwatch_cycles_total\*/tokenwatch_cycles_total/g' "$man" >"$E2E_TMP/man1"
expect_problem "a family not in tokenwatch(8)" "$doc" "$E2E_TMP/man1" \
  "tokenwatch_cycles_total: served, not in tokenwatch(8)"
sed '/^| `astro_token_role_info`/s/`entity_name`, //' "$doc" >"$E2E_TMP/doc2"
expect_problem "a label not documented" "$E2E_TMP/doc2" "$man" \
  "astro_token_role_info: served with label entity_name, not documented"
sed '/^| `tokenwatch_cycles_total`/s/| counter |/| gauge |/' "$doc" >"$E2E_TMP/doc3"
expect_problem "a wrong type" "$E2E_TMP/doc3" "$man" \
  "tokenwatch_cycles_total: served as counter, documented as gauge"
{ cat "$doc"; echo '| `astro_token_bogus_seconds` | gauge | `token_id` | made up |'; } >"$E2E_TMP/doc4"
expect_problem "a family the code cannot emit" "$E2E_TMP/doc4" "$man" \
  "astro_token_bogus_seconds: in docs/metrics.md, but no source file names it"
pass "the check catches a missing family, label or type, and a made-up family"

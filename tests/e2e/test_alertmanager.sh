#!/usr/bin/env bash
# Alerts end to end: `tokenwatch run` against the demo organization with a
# real Alertmanager (Debian's prometheus-alertmanager, clustering off) and a
# generic webhook receiver.  Alertmanager must show exactly one alert per
# active finding (the daemon's own astro_token_finding series are the
# oracle), the daemon is killed with -9 mid-delivery and restarted (nothing
# lost, nothing finished sent twice), and a token fixed in the test API
# server resolves its alert.
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/alertmanager_lib.sh"

FIXED=clmpwmallz0kxoyxsdt0l0g0u # legacy-airflow-sync: expired

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"

am_start

# A slow generic receiver that records each Idempotency-Key (one line per POST).
start_receiver rx <<'PY'
import time
def record(headers, body):
    time.sleep(0.05)
    return headers.get("Idempotency-Key", "-") + "\n"
PY

cfg=$E2E_TMP/tw.ini
am_tw_config "$cfg" "" "[webhook.hook]
url = http://127.0.0.1:$(cat "$E2E_TMP/rx.port")/hook
format = generic"


ready() { curl -fs "http://127.0.0.1:$(cat "$E2E_TMP/port")/readyz" >/dev/null 2>&1; }

start_daemon "$cfg"
# kill -9 as soon as the generic receiver got its first notification
poll 20 test -s "$E2E_TMP/rx.out" || { cat "$E2E_TMP/tw.log" >&2; fail "no notification arrived"; }
stop_daemon KILL
before=$(wc -l <"$E2E_TMP/rx.out")
pass "daemon killed with -9 after $before notification(s)"

start_daemon "$cfg"
wait_for 20 "the daemon's first page" ready
want=$(expected)
n_want=$(grep -c . <<<"$want" || true)
[[ $n_want -gt 5 ]] || fail "expected the demo organization's findings in the metrics, got $n_want"
converged() { [[ $(alerts) == "$want" && $(sort -u "$E2E_TMP/rx.out" | wc -l) -ge $n_want ]]; }
poll 30 converged || true
diff -u <(echo "$want") <(alerts) || fail "Alertmanager's alerts differ from the active findings"
pass "Alertmanager shows exactly the $n_want active findings"

curl -fs "$AM/api/v2/alerts" | jq -e --arg org "$(jq -r .organization.id "$TW_SOURCE_DIR/tests/fixtures/demo-org.json")" '
  all(.[]; .labels.alertname == "TokenwatchFinding" and .labels.organization_id == $org
            and (.labels.token_name | length) > 0 and (.annotations.summary | length) > 0)' >/dev/null ||
  fail "alert labels or annotations missing"
pass "alerts carry alertname, organization_id, token_name and a summary"

# every notification answered (none still queued or in flight) before counting
drained() {
  [[ $(metric "$URL" 'tokenwatch_notification_queue_length{sink="hook"}') == 0 ]]
}
wait_for 30 "the generic sink's queue to drain" drained
total=$(wc -l <"$E2E_TMP/rx.out")
distinct=$(sort -u "$E2E_TMP/rx.out" | wc -l)
[[ $distinct -eq $n_want ]] || fail "generic receiver got $distinct distinct notifications, want $n_want"
[[ $total -le $((distinct + 1)) ]] || fail "$((total - distinct)) notifications sent twice after kill -9"
pass "after kill -9 and restart: $distinct notifications, $((total - distinct)) repeated (the one in flight at most)"

# Fix a token in the test API: its alert resolves, the others stay.
grep -q "^$FIXED " <<<"$want" || fail "token $FIXED has no finding to fix"
curl -fs -X DELETE "$SIM_URL/_sim/tokens/$FIXED" >/dev/null || fail "sim refused DELETE"
want_after=$(grep -v "^$FIXED " <<<"$want")
resolved() { [[ $(alerts) == "$want_after" ]]; }
poll 30 resolved || true
diff -u <(echo "$want_after") <(alerts) || fail "the fixed token's alert did not resolve"
pass "deleting token $FIXED resolved its alert"

! grep -qF "$(cat "$SIM_CRED")" "$E2E_TMP/tw.log" || fail "the credential leaked into the log"
! grep -q "rx.port\|/hook" "$E2E_TMP/tw.log" || fail "a webhook URL leaked into the log"

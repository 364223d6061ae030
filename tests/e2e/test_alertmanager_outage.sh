#!/usr/bin/env bash
# An API outage with a real Alertmanager (issue 9 item 1): every token
# listing answers HTTP 500 for a while.  The notifier keeps running on the
# last good data: Alertmanager's endsAt keeps moving past the outage (so an
# outage longer than the alert lifetime closes nothing: the lifetime is
# 3 x interval, at least 180 s, and each cycle renews it), a token that
# expires during the outage is escalated to expired, nothing resolves, and
# the log says once which data it runs on.  After recovery only the token
# really deleted meanwhile resolves.
source "$(dirname "$0")/lib.sh"

AM_BIN=${TW_ALERTMANAGER_BIN:-/usr/bin/prometheus-alertmanager}
[[ -x $AM_BIN ]] || fail "$AM_BIN not installed (Debian package prometheus-alertmanager)"
command -v jq >/dev/null || fail "jq not installed"

GONE=clmpwmallz0kxoyxsdt0l0g0u  # legacy-airflow-sync: deleted during the outage
SOON=clqkvpeo5bejp2xnyl5y1i7zx  # dbt-cloud-trigger: made to expire during the outage

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"
# SOON expires 25 s from now: expiring (critical) now, expired during the outage.
soon_end=$(date -u -d '+25 seconds' +%Y-%m-%dT%H:%M:%SZ)
jq -c --arg id "$SOON" --arg e "$soon_end" '.tokens[] | select(.id == $id) | .endAt = $e' \
  "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" |
  curl -fs -X PUT --data-binary @- "$SIM_URL/_sim/tokens/$SOON" >/dev/null || fail "sim refused PUT"

AM_PORT=$(free_port)
mkdir -p "$E2E_TMP/am"
printf 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n' >"$E2E_TMP/am.yml"
"$AM_BIN" --config.file="$E2E_TMP/am.yml" --storage.path="$E2E_TMP/am" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= 2>"$E2E_TMP/am.log" &
E2E_PIDS+=($!)
AM="http://127.0.0.1:$AM_PORT"
for i in $(seq 200); do curl -fs "$AM/-/ready" >/dev/null 2>&1 && break; sleep 0.05; done
curl -fs "$AM/-/ready" >/dev/null || { cat "$E2E_TMP/am.log" >&2; fail "alertmanager did not start"; }

cfg=$E2E_TMP/tw.ini
cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
max_retries = 0
[agent]
interval = 2s
state_dir = $E2E_TMP/state
listen = 127.0.0.1:0
log_level = warn
[webhook.am]
url = $AM
format = alertmanager
INI
chmod 600 "$cfg"
"$TW_BIN" -c "$cfg" run --port-file "$E2E_TMP/port" 2>>"$E2E_TMP/tw.log" &
E2E_PIDS+=($!)
wait_file "$E2E_TMP/port"
METRICS="http://127.0.0.1:$(cat "$E2E_TMP/port")/metrics"

# "token_id finding severity" per active finding, from the daemon's metrics.
expected() {
  curl -fs "$METRICS" |
    sed -n 's/^astro_token_finding{token_id="\([^"]*\)",finding="\([^"]*\)",severity="\([^"]*\)"} 1$/\1 \2 \3/p' | sort
}
alerts() {
  curl -fs "$AM/api/v2/alerts?active=true&silenced=false&inhibited=false" |
    jq -r '.[] | .labels | "\(.token_id) \(.finding) \(.severity)"' | sort
}
# The earliest endsAt of the active alerts, in Unix seconds.
min_ends() {
  curl -fs "$AM/api/v2/alerts?active=true" | jq '[.[] | .endsAt | sub("\\.[0-9]+";"") | fromdateiso8601] | min'
}
sent() {
  curl -fs "$METRICS" | sed -n 's/^tokenwatch_notifications_total{sink="am",event="alerts",outcome="success"} //p'
}

for i in $(seq 300); do
  want=$(expected)
  [[ -n $want && $(alerts) == "$want" ]] && break
  sleep 0.1
done
[[ $(alerts) == "$want" ]] || { diff -u <(echo "$want") <(alerts); fail "alerts never matched the findings"; }
grep -q "^$SOON expiring critical" <<<"$want" || fail "$SOON is not expiring (critical): $want"
grep -q "^$GONE " <<<"$want" || fail "$GONE has no finding"
n_want=$(grep -c . <<<"$want")
pass "Alertmanager shows the $n_want active findings"

# The outage: every token listing fails; GONE is deleted meanwhile.
curl -fs -X POST --data '{"type":"status","status":500,"match":"/tokens"}' "$SIM_URL/_sim/faults" >/dev/null ||
  fail "sim refused the fault"
curl -fs -X DELETE "$SIM_URL/_sim/tokens/$GONE" >/dev/null || fail "sim refused DELETE"
outage_start=$(date +%s)
ends0=$(min_ends)
sent0=$(sent)

# SOON expires during the outage: escalated on the old data.
want_outage=$(sed "s/^$SOON expiring critical$/$SOON expired critical/" <<<"$want" | sort)
for i in $(seq 600); do [[ $(alerts) == "$want_outage" ]] && break; sleep 0.1; done
diff -u <(echo "$want_outage") <(alerts) || fail "during the outage the alerts should be the old findings, $SOON expired"
pass "during the outage nothing resolved and $SOON was escalated to expired"

# Each cycle renews the lifetime: no alert can lapse however long the outage.
for i in $(seq 300); do
  (( $(min_ends) > ends0 + 4 )) && break
  sleep 0.1
done
ends1=$(min_ends)
(( ends1 > ends0 + 4 )) || fail "endsAt not renewed during the outage ($ends0 -> $ends1)"
(( ends1 > outage_start + 170 )) || fail "an alert would lapse within the outage (endsAt $ends1)"
(( $(sent) > sent0 )) || fail "tokenwatch_notifications_total stopped during the outage"
pass "endsAt renewed every cycle during the outage ($ends0 -> $ends1), metrics moving"
grep -c "notifications run on data from an earlier collection" "$E2E_TMP/tw.log" | grep -qx 1 ||
  fail "the log should say once that notifications run on old data"
pass "the log says once which data notifications run on"

# Recovery: only the token really gone resolves.
curl -fs -X DELETE "$SIM_URL/_sim/faults" >/dev/null || fail "sim refused to clear faults"
want_after=$(grep -v "^$GONE " <<<"$want_outage")
for i in $(seq 300); do [[ $(alerts) == "$want_after" ]] && break; sleep 0.1; done
diff -u <(echo "$want_after") <(alerts) || fail "after recovery only $GONE should have resolved"
[[ $(expected) == "$want_after" ]] || fail "the metrics disagree with the alerts after recovery"
pass "after recovery only the deleted token $GONE resolved"

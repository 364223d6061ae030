#!/usr/bin/env bash
# An API outage with a real Alertmanager: every token
# listing answers HTTP 500 for a while.  The notifier keeps running on the
# last good data: Alertmanager's endsAt keeps moving past the outage (so an
# outage longer than the alert lifetime closes nothing: the lifetime is
# 3 x interval, at least 180 s, and each cycle renews it), a token that
# expires during the outage is escalated to expired, nothing resolves, and
# the log says once which data it runs on.  After recovery only the token
# really deleted meanwhile resolves.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/alertmanager_lib.sh"

GONE=clmpwmallz0kxoyxsdt0l0g0u  # legacy-airflow-sync: deleted during the outage
SOON=clqkvpeo5bejp2xnyl5y1i7zx  # dbt-cloud-trigger: made to expire during the outage

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"

am_start

cfg=$E2E_TMP/tw.ini
am_tw_config "$cfg" "max_retries = 0" ""
start_daemon "$cfg"
METRICS=$URL/metrics

# The earliest endsAt of the active alerts, in Unix seconds.
min_ends() {
  curl -fs "$AM/api/v2/alerts?active=true" | jq '[.[] | .endsAt | sub("\\.[0-9]+";"") | fromdateiso8601] | min'
}
sent() {
  curl -fs "$METRICS" | sed -n 's/^tokenwatch_notifications_total{sink="am",event="alerts",outcome="success"} //p'
}

matched() { # sets want
  want=$(expected)
  [[ -n $want && $(alerts) == "$want" ]]
}
poll 30 matched || true
[[ $(alerts) == "$want" ]] || { diff -u <(echo "$want") <(alerts); fail "alerts never matched the findings"; }
grep -q "^$SOON expiring critical" <<<"$want" || fail "$SOON is not expiring (critical): $want"
grep -q "^$GONE " <<<"$want" || fail "$GONE has no finding"
n_want=$(grep -c . <<<"$want")
pass "Alertmanager shows the $n_want active findings"

# SOON now expires in 15 s: still expiring (critical) when the outage starts,
# expired during it.  The outage starts once the daemon has seen the change.
soon_epoch=$(($(date +%s) + 15))
jq -c --arg id "$SOON" --arg e "$(date -u -d "@$soon_epoch" +%Y-%m-%dT%H:%M:%SZ)" \
  '.tokens[] | select(.id == $id) | .endAt = $e' "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" |
  curl -fs -X PUT --data-binary @- "$SIM_URL/_sim/tokens/$SOON" >/dev/null || fail "sim refused PUT"
soon_seen() {
  curl -fs "$METRICS" | awk -v id="$SOON" -v want="$soon_epoch" \
    'index($1, "astro_token_expiry_timestamp_seconds{token_id=\"" id "\",") == 1 && $2 + 0 == want { ok = 1 }
     END { exit !ok }'
}
wait_for 10 "the daemon to see $SOON's new expiry" soon_seen
(($(date +%s) < soon_epoch - 2)) || fail "too slow: $SOON expired before the outage"

# The outage: every token listing fails; GONE is deleted meanwhile.
curl -fs -X POST --data '{"type":"status","status":500,"match":"/tokens"}' "$SIM_URL/_sim/faults" >/dev/null ||
  fail "sim refused the fault"
curl -fs -X DELETE "$SIM_URL/_sim/tokens/$GONE" >/dev/null || fail "sim refused DELETE"
outage_start=$(date +%s)
ends0=$(min_ends)
sent0=$(sent)

# SOON expires during the outage: escalated on the old data.
want_outage=$(sed "s/^$SOON expiring critical$/$SOON expired critical/" <<<"$want" | sort)
outage_alerts() { [[ $(alerts) == "$want_outage" ]]; }
poll 60 outage_alerts || true
diff -u <(echo "$want_outage") <(alerts) || fail "during the outage the alerts should be the old findings, $SOON expired"
pass "during the outage nothing resolved and $SOON was escalated to expired"

# Each cycle renews the lifetime: no alert can lapse however long the outage.
renewed() { (($(min_ends) > ends0 + 4)); }
poll 30 renewed || true
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
recovered() { [[ $(alerts) == "$want_after" ]]; }
poll 30 recovered || true
diff -u <(echo "$want_after") <(alerts) || fail "after recovery only $GONE should have resolved"
[[ $(expected) == "$want_after" ]] || fail "the metrics disagree with the alerts after recovery"
pass "after recovery only the deleted token $GONE resolved"

# SOON expired during the outage while in use (used an hour before): once
# fresh data shows it, the token change reaches Alertmanager as its own alert.
expired_alert() {
  curl -fs "$AM/api/v2/alerts?active=true" |
    jq -e --arg id "$SOON" 'any(.[]; .labels.alertname == "TokenExpiredWhileInUse" and
      .labels.token_id == $id and .labels.event == "expired" and .labels.severity == "critical")' >/dev/null
}
wait_for 30 "a TokenExpiredWhileInUse alert for $SOON" expired_alert
pass "the token that expired while in use is a TokenExpiredWhileInUse alert"

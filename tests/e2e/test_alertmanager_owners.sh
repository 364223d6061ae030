#!/usr/bin/env bash
# Owner labels routed by a real Alertmanager: `tokenwatch run`
# against the demo organization, Alertmanager's routing tree sending
# team="data-platform" alerts to a webhook receiver and everything else to a
# blackhole.  The receiver must get exactly the active findings of the
# tokens whose owner (astro_token_owner_info, the daemon's own page) is
# data-platform, each alert carrying team and the configured repo label.
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/alertmanager_lib.sh"

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"

# A receiver that appends each notification's alerts as JSON lines.
start_receiver rx <<'PY'
import json
def record(headers, body):
    return "".join(json.dumps(a["labels"], sort_keys=True) + "\n"
                   for a in json.loads(body).get("alerts", []))
PY

# A generic receiver recording "token_id finding" per notification.
start_receiver gx <<'PY'
import json
def record(headers, body):
    b = json.loads(body)
    return "%s %s\n" % (b["token"]["id"], b["finding"]["kind"])
PY

# Alertmanager with a routing tree on the owner label.
cat >"$E2E_TMP/am.yml" <<YML
route:
  receiver: blackhole
  group_by: [token_id, finding]
  group_wait: 0s
  group_interval: 1s
  routes:
    - receiver: data-platform
      matchers: ['team="data-platform"']
receivers:
  - name: blackhole
  - name: data-platform
    webhook_configs:
      - url: http://127.0.0.1:$(cat "$E2E_TMP/rx.port")/
        send_resolved: false
YML
am_start "$E2E_TMP/am.yml"

cfg=$E2E_TMP/tw.ini
am_tw_config "$cfg" "" "[owners]
labels = team, repo
token legacy-* = data-platform
[webhook.team]
url = http://127.0.0.1:$(cat "$E2E_TMP/gx.port")/hook
format = generic
min_severity = warning
teams = Data-Platform"
start_daemon "$cfg"
metrics() { curl -fs "$URL/metrics" || true; }
has_findings() { metrics | grep -q '^astro_token_finding{'; }
wait_for 20 "the daemon's findings" has_findings

# The oracle: data-platform's tokens from the owner series, their findings.
owned=$(metrics | sed -n 's/^astro_token_owner_info{token_id="\([^"]*\)",organization="[^"]*",team="data-platform",.*} 1$/\1/p' | sort -u)
[[ -n $owned ]] || { metrics | grep owner_info >&2; fail "no token owned by data-platform"; }
want=$(metrics |
  sed -n 's/^astro_token_finding{token_id="\([^"]*\)",organization="[^"]*",finding="\([^"]*\)",severity="[^"]*"} 1$/\1 \2/p' |
  grep -F -f <(sed 's/$/ /' <<<"$owned") | sort)
n_want=$(grep -c . <<<"$want" || true)
[[ $n_want -gt 0 ]] || fail "data-platform has no active findings in the demo organization"
got() { jq -r '"\(.token_id) \(.finding)"' "$E2E_TMP/rx.out" | sort -u; }
got_want() { [[ $(got) == "$want" ]]; }
poll 30 got_want || true
diff -u <(echo "$want") <(got) || { cat "$E2E_TMP/tw.log" >&2; fail "the team route got other alerts than data-platform's findings"; }
pass "Alertmanager routed exactly data-platform's $n_want findings on the team label"

jq -e -s 'all(.[]; .team == "data-platform" and .alertname == "TokenwatchFinding")' \
  "$E2E_TMP/rx.out" >/dev/null || fail "an alert without team=data-platform reached the route"
jq -e -s 'any(.[]; .token_name == "legacy-airflow-sync")' "$E2E_TMP/rx.out" >/dev/null ||
  fail "the [owners] rule's token was not routed"
pass "every routed alert carries team=data-platform, the rule's token included"
# [webhook.team] teams = Data-Platform: the same findings, by tokenwatch's own routing
# (the generic sink sends warning and critical findings alike, as the route does)
gotg() { awk '{print $1, $2}' "$E2E_TMP/gx.out" | sort -u; }
gotg_want() { [[ $(gotg) == "$want" ]]; }
poll 30 gotg_want || true
diff -u <(echo "$want") <(gotg) || fail "the teams= sink got other findings than data-platform's"
pass "a sink with teams = Data-Platform got exactly data-platform's $n_want findings"
# every active alert carries a team label when its token has an owner
curl -fs "$AM/api/v2/alerts" | jq -e 'map(select(.labels.team != null)) | length > 0' >/dev/null ||
  fail "no alert carries a team label"
pass "Alertmanager holds alerts labelled by team"
echo "all Alertmanager owner routing checks passed"

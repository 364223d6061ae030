#!/usr/bin/env bash
# Two agents, as Prometheus users run HA: two `tokenwatch run` with the same
# configuration, each with its own state_dir, against one tw-astrosim, both
# sending to a real two-node Alertmanager cluster (Debian's
# prometheus-alertmanager, gossip on loopback) whose one receiver records
# every notification.  One notification per finding reaches the receiver
# (Alertmanager de-duplicates the two agents' identical alerts, and its
# cluster the two nodes' notifications); stopping one agent resolves
# nothing: the other keeps every alert alive past what the stopped one had
# promised.
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/alertmanager_lib.sh"

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"

# The receiver: one line per alert of each notification, "status token finding".
start_receiver rx <<'PY'
import json
def record(headers, body):
    return "".join("%s %s %s\n" % (a.get("status"), a.get("labels", {}).get("token_id"),
                                   a.get("labels", {}).get("finding"))
                   for a in json.loads(body).get("alerts", []))
PY

# The cluster: one group per finding, sent once (repeats and re-flushes an
# hour away); the second node waits 3 s for the first's notification log.
cat >"$E2E_TMP/am.yml" <<YML
route:
  receiver: rx
  group_by: ['token_id', 'finding']
  group_wait: 1s
  group_interval: 1h
  repeat_interval: 1h
receivers:
  - name: rx
    webhook_configs:
      - url: http://127.0.0.1:$(cat "$E2E_TMP/rx.port")/
        send_resolved: true
YML
g1=$(free_port) g2=$(free_port)
AMS=()
for n in 1 2; do
  web=$(free_port)
  own=$([[ $n == 1 ]] && echo "$g1" || echo "$g2")
  peer=$([[ $n == 1 ]] && echo "$g2" || echo "$g1")
  mkdir -p "$E2E_TMP/am$n"
  "$AM_BIN" --config.file="$E2E_TMP/am.yml" --storage.path="$E2E_TMP/am$n" \
    --web.listen-address="127.0.0.1:$web" --cluster.listen-address="127.0.0.1:$own" \
    --cluster.advertise-address="127.0.0.1:$own" --cluster.peer="127.0.0.1:$peer" \
    --cluster.peer-timeout=3s --cluster.pushpull-interval=2s --cluster.settle-timeout=10s \
    2>"$E2E_TMP/am$n.log" &
  E2E_PIDS+=($!)
  AMS+=("http://127.0.0.1:$web")
done
# Both nodes up and each seeing two members.
in_cluster() { # AM
  [[ $(curl -fs "$1/api/v2/status" 2>/dev/null | jq -r '.cluster.status + " " + (.cluster.peers | length | tostring)') == "ready 2" ]]
}
for am in "${AMS[@]}"; do
  poll 30 in_cluster "$am" || { cat "$E2E_TMP"/am*.log >&2; fail "the Alertmanager cluster did not form ($am)"; }
done
pass "a two-node Alertmanager cluster gossips on loopback"

# Two agents, one configuration, a state_dir each.
start_agent() { # NAME
  cat >"$E2E_TMP/$1.ini" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
[agent]
interval = 2s
state_dir = $E2E_TMP/state-$1
listen = 127.0.0.1:0
log_level = warn
[audit]
enabled = false
[webhook.am]
url = ${AMS[0]},${AMS[1]}
format = alertmanager
INI
  chmod 600 "$E2E_TMP/$1.ini"
  "$TW_BIN" -c "$E2E_TMP/$1.ini" run --port-file "$E2E_TMP/$1.port" 2>>"$E2E_TMP/$1.log" &
  E2E_PIDS+=($!)
  wait_file "$E2E_TMP/$1.port"
}
start_agent a
A=${E2E_PIDS[-1]}
start_agent b

# The active findings, from agent a's own metrics (the oracle).
cp "$E2E_TMP/a.port" "$E2E_TMP/port"
some_findings() {
  want=$(expected)
  (($(grep -c . <<<"$want" || true) > 5))
}
poll 20 some_findings || true
n_want=$(grep -c . <<<"$want" || true)
((n_want > 5)) || fail "expected the demo organization's findings, got $n_want"

# Done when every finding was notified and each node's de-duplication ran
# for every group (its notification log was queried once per group).
nflog_queries() { curl -fs "$1/metrics" | awk '$1 == "alertmanager_nflog_queries_total" { print $2 }'; }
sent() { curl -fs "$1/metrics" | awk '$1 == "alertmanager_notifications_total{integration=\"webhook\"}" { print $2 }'; }
firing() { awk '$1 == "firing" { print $2 " " $3 }' "$E2E_TMP/rx.out" | sort; }
all_notified() {
  [[ $(firing | sort -u | wc -l) -eq $n_want ]] &&
    (($(nflog_queries "${AMS[0]}") >= n_want && $(nflog_queries "${AMS[1]}") >= n_want))
}
poll 60 all_notified || true
diff -u <(cut -d' ' -f1,2 <<<"$want" | sort -u) <(firing | sort -u) ||
  { cat "$E2E_TMP"/am*.log >&2; fail "the receiver did not get every finding"; }
dups=$(firing | uniq -d)
[[ -z $dups ]] || fail "notified more than once: $dups"
total=$(($(sent "${AMS[0]}") + $(sent "${AMS[1]}")))
[[ $total -eq $n_want ]] || fail "the cluster sent $total notifications for $n_want findings"
pass "two agents, two Alertmanagers: one notification per finding ($n_want)"

# Agent a stops (as systemd stops it).  Agent b keeps every alert alive past
# the end agent a had promised (its last post + 180 s at most): nothing
# resolves, on either node.
kill_time=$(date +%s)
kill "$A"
wait "$A" 2>/dev/null || true
promise=$((kill_time + 180))
kept() { # AM: every alert active and ending after the stopped agent's promise
  curl -fs "$1/api/v2/alerts?active=true&silenced=false&inhibited=false" |
    jq -e --argjson p "$promise" --argjson n "$n_want" '
      [.[] | select(.labels.alertname == "TokenwatchFinding")] |
      length == $n and all(.[]; .status.state == "active" and (.endsAt | sub("\\.[0-9]+"; "") | fromdateiso8601) > $p)' \
      >/dev/null
}
both_kept() { kept "${AMS[0]}" && kept "${AMS[1]}"; }
poll 30 both_kept || fail "after agent a stopped, an alert is not kept alive by agent b"
! grep -q '^resolved ' "$E2E_TMP/rx.out" || fail "stopping one agent resolved: $(grep '^resolved ' "$E2E_TMP/rx.out")"
pass "stopping one agent resolves nothing: the other keeps all $n_want alerts alive"

for f in "$E2E_TMP"/a.log "$E2E_TMP"/b.log; do
  ! grep -qF "$(cat "$SIM_CRED")" "$f" || fail "the credential leaked into $f"
done

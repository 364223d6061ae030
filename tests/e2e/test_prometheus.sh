#!/usr/bin/env bash
# A real Prometheus scrapes tokenwatch, which watches the test Astro API
# server's demo organization (plus one token with a hostile name):
#   up == 1, one astro_token_info per token, the page promtool-clean,
#   SIGHUP with a bad config (kept, reload metric 0) and a good one,
#   an API outage keeps the old data with tokenwatch_collection_success 0,
#   SIGTERM stops the agent.
source "$(dirname "$0")/lib.sh"

src=$TW_SOURCE_DIR tw=$TW_BIN
prometheus=${PROMETHEUS:-/usr/bin/prometheus}
[ -x "$prometheus" ] || { echo "prometheus not installed"; exit 1; }
tmp=$E2E_TMP

fail() {
        echo "FAIL: $*"
        echo "--- tokenwatch log (last 30 lines)"; tail -n 30 "$tmp/tw.log" 2>/dev/null || true
        exit 1
}
quiet() { "$@" >/dev/null 2>&1; }

# query EXPR: the first sample's value of an instant query, or "none".
query() {
        curl -fsS --get --data-urlencode "query=$1" "http://127.0.0.1:$prom_port/api/v1/query" |
                python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
query_is() { [ "$(query "$1")" = "$2" ]; }

# --- the test Astro API server, with a hostile token added
start_sim --fixture "$src/tests/fixtures/demo-org.json"
sim_port=${SIM_URL##*:}
wait_file "$SIM_CRED"
hostile='{"id":"hostile-1","name":"evil \"quote\" \\back\\slash\nnewline } # \ud83d\ude80","scope":"WORKSPACE","kind":"STANDARD","startAt":"@-1d","createdAt":"@-1d","updatedAt":"@-1d","endAt":"@+3d","roles":[{"entityType":"WORKSPACE","entityId":"ws-x","role":"WORKSPACE_MEMBER"}],"createdBy":{"id":"u-x","subjectType":"USER"}}'
curl -fsS -X PUT --data "$hostile" "http://127.0.0.1:$sim_port/_sim/tokens/hostile-1" >/dev/null
n_tokens=$(( $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tokens"]))' \
        "$src/tests/fixtures/demo-org.json") + 1 ))

# --- tokenwatch
write_config() { # LISTEN [EXTRA]
        cat >"$tmp/tw.ini" <<INI
[astro]
api_url = http://127.0.0.1:$sim_port
token_file = $SIM_CRED
max_retries = 0
[agent]
interval = 1s
listen = $1
log_level = info
state_dir = $tmp/state
${2:-}
INI
}
write_config 127.0.0.1:0
"$tw" -c "$tmp/tw.ini" run 2>"$tmp/tw.log" &
tw_pid=$!
E2E_PIDS+=("$tw_pid")
wait_for 60 "tokenwatch's serving line" quiet grep -q 'msg="serving metrics"' "$tmp/tw.log"
tw_port=$(sed -n 's/.*msg="serving metrics".* port=\([0-9]*\).*/\1/p' "$tmp/tw.log" | head -n 1)
[ -n "$tw_port" ] || fail "no port in the serving line"
wait_for 60 "readyz" quiet curl -fsS "http://127.0.0.1:$tw_port/readyz"

curl -fsS "http://127.0.0.1:$tw_port/metrics" >"$tmp/page.prom"
grep -q 'token_id="hostile-1"' "$tmp/page.prom" || fail "hostile token missing from the page"
lint=$(promtool check metrics <"$tmp/page.prom" 2>&1) || fail "promtool: $lint"
[ -z "$lint" ] || fail "promtool check metrics is not silent: $lint"
! grep -q '@' "$tmp/page.prom" || fail "an e-mail address leaked into the page"

# --- Prometheus
prom_port=$(free_port)
cat >"$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tokenwatch
    static_configs:
      - targets: ["127.0.0.1:$tw_port"]
YML
"$prometheus" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
        --web.listen-address="127.0.0.1:$prom_port" --log.level=warn 2>"$tmp/prom.log" &
E2E_PIDS+=($!)
wait_for 60 "Prometheus ready" quiet curl -fsS "http://127.0.0.1:$prom_port/-/ready"
wait_for 60 "up == 1" quiet query_is 'up{job="tokenwatch"}' 1
wait_for 60 "one astro_token_info per token" quiet query_is 'count(astro_token_info)' "$n_tokens"
hostile_name_intact() {
        curl -fsS --get --data-urlencode 'query=astro_token_info{token_id="hostile-1"}' \
                "http://127.0.0.1:$prom_port/api/v1/query" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
sys.exit(0 if r and r[0]["metric"]["token_name"] == "evil \"quote\" \\back\\slash\nnewline } # \U0001F680" else 1)'
}
wait_for 60 "the hostile name, intact in Prometheus" quiet hostile_name_intact
query_is 'tokenwatch_collection_success' 1 || fail "collection_success not 1"

# --- SIGHUP: a bad config is refused, a good one taken
write_config "127.0.0.1:$tw_port" "bogus_key = 1"
kill -HUP "$tw_pid"
wait_for 60 "reload failure in Prometheus" quiet query_is 'tokenwatch_config_last_reload_success' 0
query_is 'up{job="tokenwatch"}' 1 || fail "scrapes failed after a bad reload"
write_config "127.0.0.1:$tw_port" "metrics_creator_names = true"
kill -HUP "$tw_pid"
wait_for 60 "reload success in Prometheus" quiet query_is 'tokenwatch_config_last_reload_success' 1
creator_names_on() { curl -fsS "http://127.0.0.1:$tw_port/metrics" | grep -q 'creator_name='; }
wait_for 60 "creator names after the reload" quiet creator_names_on

# --- an API outage: old data stays, the self-metrics say so
curl -fsS -X POST --data '[{"type":"status","status":503}]' "http://127.0.0.1:$sim_port/_sim/faults" >/dev/null
wait_for 60 "collection_success 0" quiet query_is 'tokenwatch_collection_success' 0
query_is 'count(astro_token_info)' "$n_tokens" || fail "the outage dropped the token series"
query_is 'up{job="tokenwatch"}' 1 || fail "tokenwatch stopped answering during the outage"
curl -fsS -X DELETE "http://127.0.0.1:$sim_port/_sim/faults" >/dev/null
wait_for 60 "recovery" quiet query_is 'tokenwatch_collection_success' 1

# --- SIGTERM
kill -TERM "$tw_pid"
gone() { ! kill -0 "$tw_pid" 2>/dev/null; }
poll 5 gone || fail "tokenwatch did not stop within 5 s of SIGTERM"
wait "$tw_pid" || fail "tokenwatch exited non-zero after SIGTERM"
echo "Prometheus scraped tokenwatch: up, $n_tokens tokens, reload and outage behave"

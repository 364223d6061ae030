#!/usr/bin/env bash
# Signals and the cycle deadline against a hung API: tw-astrosim answers every
# request after 30 s, far longer than the test waits.  SIGHUP must reload and
# SIGTERM must stop while a collection hangs, and [agent] cycle_timeout must
# end a hung collection (the listings fail, nothing else does).
source "$(dirname "$0")/lib.sh"

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --latency-ms 30000
cfg=$E2E_TMP/tw.ini
write_config() { # EXTRA-AGENT-LINES
  cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
max_retries = 0
request_timeout = 120s
[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $E2E_TMP/state
log_level = info
$1
INI
}
e2e_diagnose() { cat "$E2E_TMP/tw.log"; }
# Waits (up to 10 s, far less than the sim's 30 s) for a log line.
wait_log() { wait_for 10 "$2" grep -q "$1" "$E2E_TMP/tw.log"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
in_flight() { curl -fsS "$SIM_URL/_sim/stats" | jq -e '.max_in_flight >= 1' >/dev/null; }

write_config ""
"$TW_BIN" -c "$cfg" run --port-file "$E2E_TMP/port" 2>"$E2E_TMP/tw.log" &
pid=$!
E2E_PIDS+=("$pid")
wait_file "$E2E_TMP/port"
wait_for 10 "the collection to reach the API" in_flight

# SIGHUP while the collection hangs: reloaded now, not after 30 s.
write_config "metrics_creator_names = true"
kill -HUP "$pid"
wait_log 'msg="configuration reloaded"' "SIGHUP was not honoured during a hung collection"
pass "SIGHUP reloads during a hung collection"

# SIGTERM while the next collection hangs: the process ends now.
kill -TERM "$pid"
poll 10 gone "$pid" || fail "SIGTERM was not honoured during a hung collection"
wait "$pid" || fail "the daemon exited non-zero after SIGTERM"
pass "SIGTERM stops during a hung collection"

# The cycle deadline ends a hung collection: the listings fail with the reason.
: >"$E2E_TMP/tw.log"
write_config "cycle_timeout = 2s"
"$TW_BIN" -c "$cfg" run --port-file "$E2E_TMP/port2" 2>"$E2E_TMP/tw.log" &
pid=$!
E2E_PIDS+=("$pid")
wait_log "the collection's deadline passed" "cycle_timeout did not end the hung collection"
wait_log 'msg="cycle failed: serving the last good data"' "the deadline did not end the cycle"
curl -fsS "http://127.0.0.1:$(cat "$E2E_TMP/port2")/metrics" >"$E2E_TMP/metrics2"
grep -qx 'tokenwatch_collection_success{organization="[^"]*"} 0' "$E2E_TMP/metrics2" ||
  fail "a collection cut by its deadline counts as failed"
kill -TERM "$pid"
wait "$pid" || fail "exit after SIGTERM"
pass "cycle_timeout ends a hung collection; the listings fail, the agent goes on"

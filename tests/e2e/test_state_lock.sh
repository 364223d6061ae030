#!/usr/bin/env bash
# One daemon per state directory: a second `run` (or `run --once`) on the
# same state_dir exits non-zero at once, naming the directory and the PID
# holding it; the read-only commands (report, audit) still work beside the
# daemon; another state_dir runs beside it; once the first stops, the
# directory is free again.
source "$(dirname "$0")/lib.sh"

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"
state=$E2E_TMP/state
write_cfg() { # $1: file, $2: state_dir
  cat >"$1" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $2
[audit]
enabled = false
INI
}
write_cfg "$E2E_TMP/a.ini" "$state"
"$TW_BIN" -c "$E2E_TMP/a.ini" run --port-file "$E2E_TMP/a.port" 2>"$E2E_TMP/a.log" &
A=$!
E2E_PIDS+=("$A")
wait_file "$E2E_TMP/a.port"
[[ $(cat "$state/tokenwatch.lock") == "$A" ]] || fail "the lock file does not hold the daemon's PID"

# Runs "$@" in the background, its stderr to file $1, and waits (up to
# 10 s) for it to exit; sets CODE.
exited() { ! kill -0 "$1" 2>/dev/null; }
run_bounded() {
  local log=$1 pid
  shift
  "$@" 2>"$log" &
  pid=$!
  if ! poll 10 exited "$pid"; then
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    fail "a second daemon on $state is still running after 10 s"
  fi
  set +e
  wait "$pid"
  CODE=$?
  set -e
}
run_bounded "$E2E_TMP/b.log" "$TW_BIN" -c "$E2E_TMP/a.ini" run --port-file "$E2E_TMP/b.port"
[[ $CODE -ne 0 ]] || fail "a second daemon on the same state_dir exited 0"
grep -q "another tokenwatch daemon runs on this state directory.*state_dir=$state.*pid=$A" \
  "$E2E_TMP/b.log" || { cat "$E2E_TMP/b.log" >&2; fail "the refusal does not name the directory and the PID"; }
[[ ! -s $E2E_TMP/b.port ]] || fail "the second daemon served"
pass "a second daemon on the same state_dir exits $CODE, naming the directory and PID $A"

run_bounded "$E2E_TMP/once.log" "$TW_BIN" -c "$E2E_TMP/a.ini" run --once
[[ $CODE -ne 0 ]] && grep -q "pid=$A" "$E2E_TMP/once.log" || fail "run --once wrote beside the daemon (exit $CODE)"
pass "run --once (it writes state) is refused too"

"$TW_BIN" -c "$E2E_TMP/a.ini" report --format json --fail-on never >/dev/null 2>"$E2E_TMP/r.log" ||
  { cat "$E2E_TMP/r.log" >&2; fail "report beside the daemon"; }
"$TW_BIN" -c "$E2E_TMP/a.ini" audit --format json >/dev/null 2>"$E2E_TMP/au.log" ||
  { cat "$E2E_TMP/au.log" >&2; fail "audit beside the daemon"; }
pass "the read-only commands run beside the daemon"

write_cfg "$E2E_TMP/c.ini" "$E2E_TMP/other"
"$TW_BIN" -c "$E2E_TMP/c.ini" run --port-file "$E2E_TMP/c.port" 2>"$E2E_TMP/c.log" &
C=$!
E2E_PIDS+=("$C")
wait_file "$E2E_TMP/c.port"
kill -0 "$C" || fail "a daemon on another state_dir did not run"
pass "a daemon on another state_dir runs beside it"

kill "$A"
wait "$A" 2>/dev/null || true
"$TW_BIN" -c "$E2E_TMP/a.ini" run --port-file "$E2E_TMP/d.port" 2>"$E2E_TMP/d.log" &
E2E_PIDS+=($!)
wait_file "$E2E_TMP/d.port"
pass "the state_dir is free once its daemon stopped"

# Shared helpers for the shell end-to-end tests (sourced, not run).
# Every test gets a private temporary directory and kills what it started.
set -euo pipefail

: "${TW_SOURCE_DIR:?run through ctest}" "${TW_BIN:?}" "${TW_SIM_BIN:?}"
E2E_TMP=$(mktemp -d /tmp/tw-e2e.XXXXXX)
E2E_PIDS=()
# What a one-shot report reads of the audit logs is kept under here, not in
# the home of whoever runs the tests.
export XDG_CACHE_HOME=$E2E_TMP/cache

e2e_cleanup() {
  local pid
  for pid in "${E2E_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${E2E_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

# The one wait of the shell tests.  poll SECONDS CMD [ARGS...] runs the
# command every 0.05 s until it succeeds (status 0), or returns 1 once
# SECONDS have passed: a deadline, never a timing assertion.  No test sleeps a
# fixed time and then checks that nothing happened: it waits for a positive
# signal that the daemon got past the point where it would have happened
# (wait_cycles: more collection cycles over), then checks.
poll() {
  local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
  shift
  until "$@"; do
    ((${EPOCHREALTIME/./} < deadline)) || return 1
    sleep 0.05
  done
}
# wait_for SECONDS WHAT CMD [ARGS...]: poll, and fail the test naming WHAT
# when the deadline passes (after e2e_diagnose, when the test defines one
# to print what helps, e.g. the daemon's log).
wait_for() {
  local secs=$1 what=$2
  shift 2
  poll "$secs" "$@" && return 0
  if declare -F e2e_diagnose >/dev/null; then e2e_diagnose >&2 || true; fi
  fail "timed out after ${secs}s waiting for $what"
}

# Waits until file $1 exists and is not empty.
wait_file() { wait_for 10 "$1" test -s "$1"; }

# metric URL SERIES: the value of the sample named exactly SERIES ("name" or
# "name{labels}", no space in them) on URL/metrics; empty when absent.
metric() { curl -fsS "$1/metrics" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'; }
# cycles_above URL N: true once the daemon at URL has finished more than N
# collection cycles (tokenwatch_cycles_total).
cycles_above() {
  local v
  v=$(metric "$1" tokenwatch_cycles_total)
  [[ -n $v ]] && ((v > $2))
}
# wait_cycles URL N: waits until cycle N + 1 of the daemon at URL is over
# (then every notification of cycle N is queued), and prints the count.
wait_cycles() {
  wait_for 30 "cycle $(($2 + 1)) of the daemon at $1" cycles_above "$1" "$2"
  metric "$1" tokenwatch_cycles_total
}

# Starts tw-astrosim with extra arguments; sets SIM_URL and SIM_CRED.
start_sim() {
  local dir=$E2E_TMP/sim.$RANDOM
  mkdir -p "$dir"
  "$TW_SIM_BIN" --port 0 --port-file "$dir/port" --credential-file "$dir/cred" "$@" 2>"$dir/log" &
  E2E_PIDS+=($!)
  SIM_PID=$!
  wait_file "$dir/port"
  SIM_URL="http://127.0.0.1:$(cat "$dir/port")"
  SIM_CRED=$dir/cred
}

# start_daemon CONFIG: `tokenwatch -c CONFIG run` in the background, its
# log appended to $E2E_TMP/tw.log; sets DAEMON_PID, and URL once it serves.
start_daemon() {
  rm -f "$E2E_TMP/port"
  "$TW_BIN" -c "$1" run --port-file "$E2E_TMP/port" 2>>"$E2E_TMP/tw.log" &
  DAEMON_PID=$!
  E2E_PIDS+=("$DAEMON_PID")
  wait_file "$E2E_TMP/port"
  URL="http://127.0.0.1:$(cat "$E2E_TMP/port")"
}
# stop_daemon [SIGNAL]: stops it and waits for the exit.
stop_daemon() {
  kill -"${1:-TERM}" "$DAEMON_PID"
  wait "$DAEMON_PID" 2>/dev/null || true
}

# Free TCP port on loopback for programs that cannot bind port 0 themselves.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

# Compares file $2 with golden $1 (under tests/golden); TW_UPDATE_GOLDEN=1 rewrites it.
golden() {
  local g=$TW_SOURCE_DIR/tests/golden/$1
  if [[ ${TW_UPDATE_GOLDEN:-0} == 1 ]]; then
    cp "$2" "$g"
    echo "updated $g"
    return 0
  fi
  [[ -f $g ]] || fail "golden file $g missing (run with TW_UPDATE_GOLDEN=1)"
  diff -u "$g" "$2" || fail "$1 differs from its golden file (TW_UPDATE_GOLDEN=1 rewrites it)"
}

# start_receiver NAME: a webhook receiver on 127.0.0.1:0 appending, for
# each POST, what record(headers, body) returns to $E2E_TMP/NAME.out;
# record is Python read from stdin.  Its port is in $E2E_TMP/NAME.port.
start_receiver() {
  {
    cat
    cat <<'PY'
import http.server, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        text = record(self.headers, self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with open(sys.argv[2], "a") as f:
            f.write(text)
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
  } >"$E2E_TMP/$1.py"
  touch "$E2E_TMP/$1.out"
  python3 "$E2E_TMP/$1.py" "$E2E_TMP/$1.port" "$E2E_TMP/$1.out" &
  E2E_PIDS+=($!)
  wait_file "$E2E_TMP/$1.port"
}

# Shared helpers for the shell end-to-end tests (sourced, not run).
# Every test gets a private temporary directory and kills what it started.
set -euo pipefail

: "${TW_SOURCE_DIR:?run through ctest}" "${TW_BIN:?}" "${TW_SIM_BIN:?}"
E2E_TMP=$(mktemp -d /tmp/tw-e2e.XXXXXX)
E2E_PIDS=()

e2e_cleanup() {
  local pid
  for pid in "${E2E_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${E2E_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

# Waits until file $1 exists and is not empty (up to ~10 s).
wait_file() {
  local i
  for i in $(seq 200); do [[ -s $1 ]] && return 0; sleep 0.05; done
  fail "timed out waiting for $1"
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

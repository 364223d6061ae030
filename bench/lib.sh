# Shared by bench/metrics.sh and bench/report.sh (sourced): a temporary
# directory, processes killed on exit, and tw-astrosim with generated data.
B=${BUILD:-build-bench}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

wait_file() { for _ in $(seq 3000); do [[ -s $1 ]] && return 0; sleep 0.1; done; echo "timeout: $1" >&2; exit 1; }

# start_sim DIR TOKENS WORKSPACES: tw-astrosim on 127.0.0.1:0 (pid in $sim),
# its port in DIR/sim.port, its credential in DIR/cred.
start_sim() {
  mkdir -p "$1"
  "$B/tests/tw-astrosim" --port 0 --port-file "$1/sim.port" --credential-file "$1/cred" \
    --generate-tokens "$2" --generate-workspaces "$3" 2>"$1/sim.log" &
  sim=$!
  pids+=($sim)
  wait_file "$1/sim.port"
}

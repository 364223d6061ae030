# Shared by the bench/*.sh scripts (sourced): a temporary directory,
# processes killed on exit, tw-astrosim with generated data, the daemon.
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

# start_tokenwatch DIR: the daemon (interval 5 s, workspaces = *) against the
# tw-astrosim of DIR, log in DIR/tw.log at $TW_LOG_LEVEL (warn); its pid in
# $tw and its URL in $tw_url once /readyz answers (the first cycle is done).
start_tokenwatch() {
  local d=$1
  cat >"$d/tw.ini" <<INI
[astro]
api_url = http://127.0.0.1:$(cat "$d/sim.port")
token_file = $d/cred
rate_limit = 25
[agent]
listen = 127.0.0.1:0
interval = 5s
state_dir = $d/state
log_level = ${TW_LOG_LEVEL:-warn}
INI
  "$B/tokenwatch" -c "$d/tw.ini" run --port-file "$d/tw.port" 2>"$d/tw.log" &
  tw=$!
  pids+=($tw)
  wait_file "$d/tw.port"
  tw_url="http://127.0.0.1:$(cat "$d/tw.port")"
  for _ in $(seq 600); do curl -fs "$tw_url/readyz" >/dev/null && break; sleep 0.1; done
}

# CPU time (user + system) of a process, in clock ticks.
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# Peak resident set size (VmHWM) of a process, in MB.
peak_rss_mb() { awk '/VmHWM/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
# Seconds per tick over n cycles: ticks_to_s TICKS CYCLES.
ticks_per_cycle() { awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.3f", t/hz/n}'; }

# scrape_loop URL...: a gzip and a plain scrape of each URL, then 0.1 s of
# rest, until killed (run it in the background; its pid joins $pids).
scrape_loop() {
  while :; do
    for u in "$@"; do
      curl -fs -o /dev/null -H 'Accept-Encoding: gzip' "$u" || true
      curl -fs -o /dev/null "$u" || true
    done
    sleep 0.1
  done
}

#!/usr/bin/env bash
# Benchmarks (never part of the test suite).  Usage: bench/run.sh [collect|metrics|peer|report|all]
#   collect: 10,000 tokens in 500 workspaces behind 20 ms of latency and a
#            server enforcing 25 requests/s; tokenwatch at rate_limit = 20.
#            Prints requests, wall time, the rate-limit bound, their ratio,
#            429s and peak RSS, once with workspaces = * and once listed.
#   metrics: see bench/metrics.sh.
#   peer:    see bench/peer.sh (the daemon beside a Python exporter).
#   report:  see bench/report.sh (peak RSS of report --format json and table).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null

tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT

if [[ $what == collect || $what == all ]]; then
  build-bench/tests/tw-astrosim --port 0 --port-file "$tmp/port" --credential-file "$tmp/cred" \
    --generate-tokens 10000 --generate-workspaces 500 --latency-ms 20 --rate-limit 25 2>"$tmp/sim.log" &
  pids+=($!)
  for _ in $(seq 200); do [[ -s $tmp/port ]] && break; sleep 0.05; done
  url="http://127.0.0.1:$(cat "$tmp/port")"
  echo "== collect: 10,000 tokens, 500 workspaces, 20 ms latency, server limit 25 req/s, rate_limit 20"
  build-bench/bench/bench_collect "$url" "$tmp/cred" all 20
  build-bench/bench/bench_collect "$url" "$tmp/cred" listed 20
  echo "server: $(curl -fsS "$url/_sim/stats")"
fi
if [[ $what == metrics || $what == all ]] && [[ -x bench/metrics.sh ]]; then
  bench/metrics.sh
fi
if [[ $what == peer || $what == all ]]; then
  bench/peer.sh
fi
if [[ $what == report || $what == all ]]; then
  bench/report.sh
fi

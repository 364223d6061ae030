#!/usr/bin/env bash
# Benchmark: a 90-day audit-log backfill of N generated entries (default
# 1,000,000), streamed from tw-astrosim (gzip, generated while sent) through
# the collector.  Prints entries/s and peak RSS above idle (target: <= 50 MB).
#   bench/audit_logs.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j2 --target tw-astrosim bench_audit_logs >/dev/null

tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
now=2026-05-28T20:26:40Z
build-bench/tests/tw-astrosim --port 0 --port-file "$tmp/port" --credential-file "$tmp/cred" \
  --fixture tests/fixtures/demo-org.json --base-time "$now" --audit-generate "$n" 2>"$tmp/sim.log" &
pid=$!
for _ in $(seq 200); do [[ -s $tmp/port ]] && break; sleep 0.05; done
echo "== audit logs: $n generated entries over 90 days, one backfill"
build-bench/bench/bench_audit_logs "http://127.0.0.1:$(cat "$tmp/port")" "$tmp/cred" "$now" \
  tests/fixtures/demo-org.json

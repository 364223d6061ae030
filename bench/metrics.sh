#!/usr/bin/env bash
# Metrics endpoint benchmark: the daemon against tw-astrosim holding N tokens.
#   wrk against /metrics (plain and gzip) at 10,000 tokens: requests/s, p99
#   daemon peak RSS (VmHWM) at 10,000 and 100,000 tokens
#   CPU per collection cycle (user+sys over several cycles)
# Run by bench/run.sh after it builds build-bench; never part of the tests.
#   SIZES="tokens:workspaces:cycles ..." picks the runs, WRK=0 skips wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

run_one() { # tokens workspaces cycles
  local n=$1 ws=$2 cycles=$3 d=$tmp/$1
  start_sim "$d" "$n" "$ws"
  cat >"$d/tw.ini" <<INI
[astro]
api_url = http://127.0.0.1:$(cat "$d/sim.port")
token_file = $d/cred
rate_limit = 25
[agent]
listen = 127.0.0.1:0
interval = 5s
state_dir = $d/state
log_level = warn
INI
  "$B/tokenwatch" -c "$d/tw.ini" run --port-file "$d/tw.port" 2>"$d/tw.log" &
  local tw=$!
  pids+=($tw)
  wait_file "$d/tw.port"
  local url="http://127.0.0.1:$(cat "$d/tw.port")"
  for _ in $(seq 600); do curl -fs "$url/readyz" >/dev/null && break; sleep 0.1; done
  local c0 c1
  c0=$(awk '{print $14+$15}' /proc/$tw/stat)
  sleep $((cycles * 5))
  c1=$(awk '{print $14+$15}' /proc/$tw/stat)
  local tck
  tck=$(getconf CLK_TCK)
  local size gz
  size=$(curl -fs "$url/metrics" | wc -c)
  gz=$(curl -fs -H 'Accept-Encoding: gzip' "$url/metrics" | wc -c)
  echo "tokens=$n page_bytes=$size gzip_bytes=$gz cpu_per_cycle_s=$(awk -v a="$c0" -v b="$c1" -v t="$tck" -v n="$cycles" 'BEGIN{printf "%.3f", (b-a)/t/n}')" \
       "peak_rss_mb=$(awk '/VmHWM/{printf "%.1f", $2/1024}' /proc/$tw/status)"
  if [[ $n -eq 10000 && ${WRK:-1} != 0 ]]; then
    echo "-- wrk plain (4 connections, 10 s)"
    wrk -t2 -c4 -d10s --latency "$url/metrics" | grep -E "Requests/sec|99%|50%"
    echo "-- wrk gzip (4 connections, 10 s)"
    wrk -t2 -c4 -d10s --latency -H 'Accept-Encoding: gzip' "$url/metrics" | grep -E "Requests/sec|99%|50%"
    echo "-- wrk plain (1 connection, 10 s)"
    wrk -t1 -c1 -d10s --latency "$url/metrics" | grep -E "Requests/sec|99%|50%"
    echo "-- wrk gzip (1 connection, 10 s)"
    wrk -t1 -c1 -d10s --latency -H 'Accept-Encoding: gzip' "$url/metrics" | grep -E "Requests/sec|99%|50%"
  fi
  kill "$tw"
}

echo "== metrics: daemon against tw-astrosim"
for s in ${SIZES:-10000:500:4 100000:2000:2}; do
  IFS=: read -r n ws cycles <<<"$s"
  run_one "$n" "$ws" "$cycles"
done

#!/usr/bin/env bash
# Metrics endpoint benchmark: the daemon against tw-astrosim holding N tokens.
#   wrk against /metrics (plain and gzip) at 10,000 tokens: requests/s, p99
#   CPU per collection cycle (user+sys over several cycles, nothing scraping;
#   STATUS=1: with the status page open, / fetched every 2 s, as a browser
#   showing it would: it is then rendered each cycle, else only on request)
#   daemon peak RSS (VmHWM) at 10,000 and 100,000 tokens, after as many
#   cycles again with a gzip and a plain scrape every 0.1 s (SCRAPE=0: not)
# Run by bench/run.sh after it builds build-bench; never part of the tests.
#   SIZES="tokens:workspaces:cycles ..." picks the runs, WRK=0 skips wrk,
#   BUILD the build (build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

run_one() { # tokens workspaces cycles
  local n=$1 ws=$2 cycles=$3 d=$tmp/$1
  start_sim "$d" "$n" "$ws"
  start_tokenwatch "$d"
  local url=$tw_url
  local c0 c1
  local viewer=
  if [[ ${STATUS:-0} != 0 ]]; then
    (while :; do curl -fs -o /dev/null -H 'Accept-Encoding: gzip' "$url/" || true; sleep 2; done) &
    viewer=$!
    pids+=($viewer)
    sleep 5 # from now on the page is watched
  fi
  c0=$(cpu_ticks "$tw")
  sleep $((cycles * 5))
  c1=$(cpu_ticks "$tw")
  [[ -z $viewer ]] || kill "$viewer"
  if [[ ${SCRAPE:-1} != 0 ]]; then
    scrape_loop "$url/metrics" &
    local scraper=$!
    pids+=($scraper)
    sleep $((cycles * 5))
    kill "$scraper"
  fi
  local size gz
  size=$(curl -fs "$url/metrics" | wc -c)
  gz=$(curl -fs -H 'Accept-Encoding: gzip' "$url/metrics" | wc -c)
  echo "tokens=$n page_bytes=$size gzip_bytes=$gz cpu_per_cycle_s=$(ticks_per_cycle $((c1 - c0)) "$cycles")" \
       "peak_rss_mb=$(peak_rss_mb "$tw")"
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

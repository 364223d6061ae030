#!/usr/bin/env bash
# tokenwatch beside a plain Python exporter doing the same cycle
# (bench/peer/exporter.py), both against one tw-astrosim, in one run.
#   CPU per cycle: user+sys from /proc/PID/stat between the end of a cycle
#   and the end of the CYCLES-th cycle after it (the first cycle, start-up,
#   is left out), with nothing scraping.
#   Peak RSS: VmHWM after SCRAPE_CYCLES more cycles with a gzip and a plain
#   scrape of each /metrics every 0.1 s (so it covers both phases).
# Never part of the tests.  BUILD picks the build (build-bench), TOKENS and
# WORKSPACES the data (10000, 500), PEER_GZIP_LEVEL the peer's gzip level
# (9, gzip.compress's default).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
n=${TOKENS:-10000} ws=${WORKSPACES:-500} cycles=${CYCLES:-6} scrape_cycles=${SCRAPE_CYCLES:-3}
d=$tmp/peer

start_sim "$d" "$n" "$ws"
TW_LOG_LEVEL=info start_tokenwatch "$d"
python3 bench/peer/exporter.py --api-url "http://127.0.0.1:$(cat "$d/sim.port")" \
  --credential-file "$d/cred" --port-file "$d/py.port" --interval 5 \
  --gzip-level "${PEER_GZIP_LEVEL:-9}" >"$d/py.log" 2>&1 &
py=$!
pids+=($py)
wait_file "$d/py.port"
py_url="http://127.0.0.1:$(cat "$d/py.port")"

done_cycles() { grep -c "$2" "$1" || true; }
tw_done() { done_cycles "$d/tw.log" 'cycle finished\|cycle failed'; }
py_done() { done_cycles "$d/py.log" 'cycle finished'; }

# Polls both logs; takes each process's CPU as its first counted cycle
# begins (the end of its cycle `first`) and ends (cycle first + cycles).
first=2
declare -A c0 c1
while [[ -z ${c1[tw]:-} || -z ${c1[py]:-} ]]; do
  for who in tw py; do
    pid=$tw
    [[ $who == py ]] && pid=$py
    k=$("${who}_done")
    if [[ -z ${c0[$who]:-} && $k -ge $first ]]; then
      c0[$who]=$(cpu_ticks "$pid")
      [[ $k -gt $first ]] && { echo "$who: missed the start of a cycle" >&2; exit 1; }
    elif [[ -n ${c0[$who]:-} && -z ${c1[$who]:-} && $k -ge $((first + cycles)) ]]; then
      c1[$who]=$(cpu_ticks "$pid")
    fi
  done
  sleep 0.05
done

scrape_loop "$tw_url/metrics" "$py_url/metrics" &
pids+=($!)
sleep $((scrape_cycles * 5))

for who in tw py; do
  pid=$tw url=$tw_url name=tokenwatch
  [[ $who == py ]] && pid=$py url=$py_url name=python
  printf 'tokens=%s %-10s cycles=%s cpu_per_cycle_s=%s peak_rss_mb=%s page_bytes=%s gzip_bytes=%s\n' \
    "$n" "$name" "$cycles" "$(ticks_per_cycle $((c1[$who] - c0[$who])) "$cycles")" \
    "$(peak_rss_mb "$pid")" "$(curl -fs "$url/metrics" | wc -c)" \
    "$(curl -fs -H 'Accept-Encoding: gzip' "$url/metrics" | wc -c)"
done
echo "tokenwatch/python CPU per cycle: $(awk -v a=$((c1[tw] - c0[tw])) -v b=$((c1[py] - c0[py])) \
  'BEGIN{printf "%.2f", a/b}')"

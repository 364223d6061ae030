#!/usr/bin/env bash
# Report benchmark: peak RSS and wall time of `tokenwatch report` per format
# against tw-astrosim holding 10,000 and 100,000 generated tokens.
#   Each row: one report to stdout (redirected to a file) or, for JSON, also
#   with --output FILE, measured by /usr/bin/time (maximum resident set
#   size, elapsed: collection included).
# Run by bench/run.sh after it builds build-bench; never part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
FORMATS=${FORMATS:-json table}
SIZES=${SIZES:-10000:500 100000:2000}

run_size() { # tokens workspaces
  local n=$1 ws=$2 d=$tmp/$1
  start_sim "$d" "$n" "$ws"
  cat >"$d/tw.ini" <<INI
[astro]
api_url = http://127.0.0.1:$(cat "$d/sim.port")
token_file = $d/cred
rate_limit = 1000
[agent]
log_level = warn
INI
  for f in $FORMATS; do
    for to in stdout file; do
      [[ $to == file && $f != json ]] && continue
      local args=(--format "$f" --fail-on never)
      [[ $to == file ]] && args+=(--output "$d/out.$f")
      /usr/bin/time -f "%M %e" -o "$d/time" "$B/tokenwatch" -c "$d/tw.ini" report "${args[@]}" \
        >"$d/stdout" 2>"$d/tw.log" || { cat "$d/tw.log" >&2; exit 1; }
      [[ $to == stdout ]] && mv "$d/stdout" "$d/out.$f"
      read -r kb secs <"$d/time"
      printf 'tokens=%s format=%s to=%s output_mb=%.1f peak_rss_mb=%.1f wall_s=%s\n' "$n" "$f" \
        "$to" "$(awk -v b="$(stat -c %s "$d/out.$f")" 'BEGIN{print b/1048576}')" \
        "$(awk -v k="$kb" 'BEGIN{print k/1024}')" "$secs"
    done
  done
  kill "$sim"
}

echo "== report: tokenwatch report against tw-astrosim (peak RSS by /usr/bin/time)"
for s in $SIZES; do run_size "${s%%:*}" "${s##*:}"; done

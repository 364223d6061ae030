#!/usr/bin/env bash
# The main job on a bundled demo organization: installs what building and
# running needs (not the tests' dependencies), builds, starts the test Astro
# API server with the demo organization on a free loopback port, and prints
# tokenwatch's report.
#   scripts/demo.sh                      # table
#   scripts/demo.sh --format markdown    # any report option
#   scripts/demo.sh --serve              # the daemon: live status page and metrics, until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
sim_pid=
cleanup() {
  [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Runs a build step with its progress on one line (make's "[ 42%]") instead
# of a silent wait; its whole output only if it fails.
progress() { # label command...
  local label=$1 line pct last=-1 rc
  shift
  if [[ -t 2 ]]; then printf '%s ...' "$label" >&2; else printf '%s ...\n' "$label" >&2; fi
  set +e
  "$@" 2>&1 | tee "$work/build.log" | while IFS= read -r line; do
    [[ $line =~ ^\[\ *([0-9]+)%\] ]] || continue
    pct=${BASH_REMATCH[1]}
    ((pct > last)) || continue # each target counts from its own start: show the most
    if [[ -t 2 ]]; then
      printf '\r%s %3d%%' "$label" "$pct" >&2
    elif ((pct / 25 > last / 25)); then
      printf '%s %3d%%\n' "$label" "$pct" >&2
    fi
    last=$pct
  done
  rc=${PIPESTATUS[0]}
  set -e
  if [[ -t 2 ]]; then printf '\r%s done\n' "$label" >&2; fi
  if ((rc != 0)); then
    cat "$work/build.log" >&2
    exit "$rc"
  fi
}

scripts/install-deps.sh
progress "Configuring the build in build/" \
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTW_WERROR=OFF
progress "Building tokenwatch and the demo Astro API server" \
  cmake --build build -j"$(nproc)" --target tokenwatch tw-astrosim

build/tests/tw-astrosim --fixture tests/fixtures/demo-org.json --port 0 \
  --port-file "$work/port" --credential-file "$work/token" 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.05; done
[[ -s $work/port ]] || { cat "$work/sim.log" >&2; exit 1; }

cat >"$work/demo.ini" <<INI
; Demo: the bundled demo organization on the test Astro API server.
[astro]
api_url = http://127.0.0.1:$(cat "$work/port")
token_file = $work/token
[agent]
log_level = warn
INI

if [[ ${1:-} == --serve ]]; then
  cat >>"$work/demo.ini" <<INI
interval = 30s
listen = 127.0.0.1:0
state_dir = $work/state
INI
  build/tokenwatch -c "$work/demo.ini" run --port-file "$work/tw.port" 2>"$work/tw.log" &
  tw_pid=$!
  trap 'kill "$tw_pid" 2>/dev/null || true; wait "$tw_pid" 2>/dev/null || true; cleanup' EXIT
  for _ in $(seq 200); do [[ -s $work/tw.port ]] && break; sleep 0.05; done
  [[ -s $work/tw.port ]] || { cat "$work/tw.log" >&2; exit 1; }
  url="http://127.0.0.1:$(cat "$work/tw.port")"
  echo "tokenwatch is watching the demo organization (Ctrl-C stops it):"
  echo "  status page  $url/"
  echo "  metrics      $url/metrics"
  echo "  health       $url/healthz   readiness $url/readyz"
  echo "  audit trail  build/tokenwatch -c $work/demo.ini audit"
  wait "$tw_pid"
  exit 0
fi

set +e
build/tokenwatch -c "$work/demo.ini" report "$@"
code=$?
set -e
echo "tokenwatch exited with $code (0 fine, 1 findings at or above --fail-on, 2 config, 3 incomplete)" >&2
# The demo organization is full of findings on purpose: that is success here.
[[ $code -eq 0 || $code -eq 1 ]]

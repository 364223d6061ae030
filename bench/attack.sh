#!/usr/bin/env bash
# The metrics endpoint under hostile clients: authorised
# scrape latency while a slowloris or a wrong-password flood runs, all on
# loopback.  Usage: [SCRAPES=40] bench/attack.sh [BUILD_DIR]   (default build-bench, Release)
# Prints one line per scenario (see bench/bench_attack.c); never part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
if [[ $build == build-bench ]]; then
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-bench -j"$(nproc)" --target bench_attack >/dev/null
fi
bin=$build/bench/bench_attack
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
rc=0
"$bin" slowloris 300 1 "${SCRAPES:-40}" || rc=1
"$bin" slowloris 300 30 "${SCRAPES:-40}" || rc=1
"$bin" slowloris 1000 250 "${SCRAPES:-40}" || rc=1
"$bin" flood 48 1 "${SCRAPES:-40}" || rc=1
"$bin" flood 48 48 "${SCRAPES:-40}" || rc=1
exit $rc

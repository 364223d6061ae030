#!/usr/bin/env bash
# The whole test suite, as CI runs it on a fresh Debian 12 machine: installs the
# dependencies, builds with warnings as errors, runs every test (unit,
# integration against local servers, real Prometheus/Alertmanager/promtool),
# then builds and runs everything again under AddressSanitizer + UBSan, and
# fuzzes each parser for TW_FUZZ_SECONDS (default 10) in a clang build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test

jobs=$(nproc)
echo "== clang-format check"
scripts/format.sh --check

echo "== build (optimised, so -Wformat-truncation and friends see everything; warnings are errors)"
cmake -S . -B build-ci -DTW_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-ci -j"$jobs"
echo "== tests"
ctest --test-dir build-ci --output-on-failure -j"$jobs" --timeout 600

echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B build-asan -DTW_WERROR=ON -DTW_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests under sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 900

echo "== fuzzing (libFuzzer + ASan + UBSan, ${TW_FUZZ_SECONDS:-10} s per target)"
scripts/fuzz.sh -t "${TW_FUZZ_SECONDS:-10}" -j"$jobs"

#!/usr/bin/env bash
# Fuzzes the targets of tests/fuzz with libFuzzer, ASan and UBSan, in a
# separate clang build (build-fuzz: CMake cannot mix two C compilers in one
# build, and the shipped build stays gcc).  Each target starts from its
# committed corpus (tests/fuzz/corpus/NAME); what it discovers stays in
# build-fuzz/tests/fuzz/corpus/NAME, crashes in build-fuzz/tests/fuzz/artifacts.
#
#   scripts/fuzz.sh [-t SECONDS] [-j JOBS] [NAME...]
#
# SECONDS per target (default 10, what scripts/test.sh runs); JOBS targets at a
# time (default: the number of CPUs).  NAME: e.g. astro_page (default: all).
# Prints the executions each target ran; exits non-zero when one failed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=10
jobs=$(nproc)
while getopts "t:j:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-j JOBS] [NAME...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
cc=$(command -v clang-14 || command -v clang || true)
if [[ -z $cc ]]; then
  echo "fuzz: clang is not installed (scripts/install-deps.sh installs clang-14)" >&2
  exit 1
fi

cmake -S . -B build-fuzz -DCMAKE_C_COMPILER="$cc" -DTW_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTW_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_targets >/dev/null
regex=""
if (($#)); then
  regex="^fuzz_($(IFS='|'; echo "$*"))\$"
fi
status=0
ctest --test-dir build-fuzz -L fuzz ${regex:+-R "$regex"} -j"$jobs" --output-on-failure \
  --timeout $((seconds + 300)) || status=$?
# libFuzzer's final stats, one line per target
awk '/Testing: fuzz_/ { name = $NF }
     /stat::number_of_executed_units/ { printf "%-28s %12d executions\n", name, $2 }' \
  build-fuzz/Testing/Temporary/LastTest.log
exit $status

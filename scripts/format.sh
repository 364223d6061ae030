#!/usr/bin/env bash
# clang-format over the C sources: --check fails on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find lib core agent collectors exporters tests bench -name '*.[ch]')
((${#files[@]})) || exit 0
if [[ ${1:-} == --check ]]; then
  clang-format --dry-run -Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi

#!/usr/bin/env bash
# No call loops between the source files of twcore (tests/lint/call_cycles.py),
# and the check itself catches a loop: two objects that call each other.
set -euo pipefail
src=${TW_SOURCE_DIR:?}
build=${TW_BINARY_DIR:?}
python3 "$src/tests/lint/call_cycles.py" "$build" "$src"

# Self-test: a fake build and source tree where a.c and b.c call each other.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/x" "$tmp/build/CMakeFiles/twcore.dir/x"
printf 'void b(void);\nvoid a(void) { b(); }\n' >"$tmp/src/x/a.c"
printf 'void a(void);\nvoid b(void) { a(); }\n' >"$tmp/src/x/b.c"
for f in a b; do cc -c -o "$tmp/build/CMakeFiles/twcore.dir/x/$f.c.o" "$tmp/src/x/$f.c"; done
if out=$(python3 "$src/tests/lint/call_cycles.py" "$tmp/build" "$tmp/src"); then
  echo "FAIL: a loop between x/a.c and x/b.c was not reported" >&2
  exit 1
fi
[[ $out == "call loop: x/a <-> x/b" ]] || { echo "FAIL: unexpected report: $out" >&2; exit 1; }
echo "ok: no call loops, and the check catches one"

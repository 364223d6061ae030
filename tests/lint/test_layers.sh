# The include direction of every source file (scripts/check-layers.sh), and
# proof that the check itself catches each kind of violation.
set -euo pipefail
: "${TW_SOURCE_DIR:?run through ctest}"
check=$TW_SOURCE_DIR/scripts/check-layers.sh
tmp=$(mktemp -d /tmp/tw-layers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The real tree is clean.
if ! out=$("$check" "$TW_SOURCE_DIR"); then
  echo "$out" >&2
  fail "the tree breaks the layering"
fi
echo "ok - the tree includes one way"

# Each violation below must be reported with its file and line.
cases=(
  "core/a.c|#include \"exporters/metrics/metrics.h\"|core/ must not include exporters/"
  "lib/a.c|#include \"core/config/config.h\"|lib/ must not include core/"
  "exporters/a.c|#include \"collectors/astro/astro.h\"|exporters/ must not include collectors/"
  "collectors/a.h|#include \"exporters/report/report.h\"|collectors/ must not include exporters/"
  "collectors/a.c|#include \"agent/daemon/daemon.h\"|collectors/ must not include agent/"
  "core/a.c|#include <microhttpd.h>|core/ must not include <microhttpd.h>"
  "core/a.c|#include \"config.h\"|include with the folder"
  "core/a.c|#include \"core/config/config_internal.h\"|core/config/config_internal.h is private to core/config/"
  "agent/cmd/a.c|#include \"agent/daemon/daemon_internal.h\"|agent/daemon/daemon_internal.h is private to agent/daemon/"
)
for c in "${cases[@]}"; do
  IFS='|' read -r file line want <<<"$c"
  rm -rf "$tmp/tree" && mkdir -p "$tmp/tree/$(dirname "$file")"
  printf '/* x */\n%s\n' "$line" >"$tmp/tree/$file"
  if out=$("$check" "$tmp/tree"); then
    fail "not caught: $file: $line"
  fi
  [[ $out == *"$file:2: $want"* ]] || fail "wrong message for $file: $out"
  echo "ok - caught $file: $line"
done

# Allowed directions pass.
rm -rf "$tmp/tree" && mkdir -p "$tmp/tree/agent" "$tmp/tree/exporters"
printf '#include "collectors/astro/astro.h"\n#include "exporters/report/report.h"\n' >"$tmp/tree/agent/a.c"
printf '#include "core/config/config.h"\n#include "lib/buf.h"\n' >"$tmp/tree/exporters/a.c"
mkdir -p "$tmp/tree/core/config"
printf '#include "core/config/config_internal.h"\n' >"$tmp/tree/core/config/a.c"
"$check" "$tmp/tree" >/dev/null || fail "an allowed include was refused"
echo "ok - allowed directions pass"

#!/usr/bin/env bash
# promtool judges the metrics page (the renderer's golden page, hostile token
# names included) and the alerting rules with their unit tests.
set -euo pipefail

src=${TW_SOURCE_DIR:?TW_SOURCE_DIR unset}
command -v promtool >/dev/null || { echo "promtool not installed (Debian package prometheus)"; exit 1; }

page=$src/tests/golden/metrics-small.prom
grep -q 'evil \\"quote\\"' "$page"   # the hostile name is in it
lint=$(promtool check metrics <"$page" 2>&1) || { echo "$lint"; exit 1; }
if [ -n "$lint" ]; then
        echo "promtool check metrics is not silent:"
        echo "$lint"
        exit 1
fi
promtool check rules "$src/etc/prometheus/tokenwatch-rules.yml"
(cd "$src/tests/prometheus" && promtool test rules rules-test.yml)
echo "promtool: metrics, rules and rule tests pass"

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
# Every dashboard query parses: each becomes a recording rule (Grafana's
# variables replaced by what they may hold) that promtool checks.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jq -r '.panels[].targets[]?.expr // empty' "$src/etc/grafana/tokenwatch-dashboard.json" |
  sed -e 's/\$__rate_interval/5m/g' -e 's/\$[a-z_]*/.*/g' |
  jq -R -s '{groups: [{name: "dashboard", rules: [split("\n")[] | select(length > 0) | {record: "dashboard:query", expr: .}]}]}' \
    >"$tmp/dashboard.json"
[[ $(jq '.groups[0].rules | length' "$tmp/dashboard.json") -gt 10 ]] || { echo "no dashboard queries found"; exit 1; }
promtool check rules "$tmp/dashboard.json"
echo "promtool: metrics, rules, rule tests and dashboard queries pass"

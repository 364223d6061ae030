#!/usr/bin/env bash
# Owners end to end: [owners] rules over the demo organization,
# the owner in the JSON report, `report --group-by team`, and a rule naming
# a workspace the organization does not have, reported with its line.
source "$(dirname "$0")/lib.sh"

BASE=2026-12-01T00:00:00Z
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --base-time "$BASE"
cfg=$E2E_TMP/owners.ini
cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
[agent]
log_level = warn
[owners]
labels = team, repo
token legacy-* = legacy, legacy@acme.com
workspace cwunknown000000000000000000 = ghost
INI

set +e
"$TW_BIN" -c "$cfg" report --format json --now "$BASE" --fail-on never --group-by team \
  >"$E2E_TMP/r.json" 2>"$E2E_TMP/r.err"
code=$?
set -e
[[ $code -eq 0 ]] || { cat "$E2E_TMP/r.err" >&2; fail "report --group-by team exited $code"; }
pass "report --group-by team runs"

jq -e '.tokens[] | select(.name == "legacy-airflow-sync") | .owner |
       .team == "legacy" and .source == "rule" and .contact == "legacy@acme.com"' \
  "$E2E_TMP/r.json" >/dev/null || fail "a token-name rule gives the owner"
pass "a token-name rule gives the owner, its source and contact"
jq -e '[.tokens[].owner.source] | all(. == "description" or . == "rule" or . == "workspace"
       or . == "creator" or . == "none")' "$E2E_TMP/r.json" >/dev/null || fail "owner sources"
jq -e '[.tokens[] | select(.owner.source == "workspace")] | length > 0' "$E2E_TMP/r.json" \
  >/dev/null || fail "no workspace-named owner"
pass "every token has an owner object with a known source"
# grouped: teams in order, tokens without one last
jq -e '[.tokens[].owner.team] as $t | ($t | map(select(. != null))) as $named |
       $named == ($named | sort) and ($t | index(null) // ($t | length)) >= ($named | length)' \
  "$E2E_TMP/r.json" >/dev/null || fail "tokens are not grouped by team"
pass "--group-by team orders the tokens by team, unowned last"

line=$(grep -n '^workspace cwunknown' "$cfg" | cut -d: -f1)
grep -q "owners.ini:$line: \[owners\] workspace cwunknown000000000000000000: no such workspace" \
  "$E2E_TMP/r.err" || { cat "$E2E_TMP/r.err" >&2; fail "the unknown workspace rule is not reported"; }
pass "a rule naming no workspace of the organization is reported with its line"

"$TW_BIN" -c "$cfg" report --format table --now "$BASE" --fail-on never --group-by team \
  >"$E2E_TMP/r.txt" 2>/dev/null
grep -q "legacy (rule)" "$E2E_TMP/r.txt" || fail "the table shows the owner"
pass "the table shows the owner and its source"

set +e
"$TW_BIN" -c "$cfg" report --group-by owner >/dev/null 2>"$E2E_TMP/bad.err"
code=$?
set -e
[[ $code -eq 2 ]] || fail "--group-by owner exited $code, want 2"
pass "an unknown --group-by is a usage error"

printf '[owners]\ntoken ci-[a = x\n' >"$E2E_TMP/bad.ini"
set +e
"$TW_BIN" -c "$E2E_TMP/bad.ini" check-config 2>"$E2E_TMP/bad.err"
code=$?
set -e
[[ $code -eq 2 ]] && grep -q "bad.ini:2: \[owners\] token ci-\[a: the glob" "$E2E_TMP/bad.err" ||
  fail "a bad glob is a config error naming its line"
pass "a rule that cannot match is a config error naming its line"
echo "all owner checks passed"

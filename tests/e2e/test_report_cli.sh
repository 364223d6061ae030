#!/usr/bin/env bash
# The report command end to end: the demo organization's report in every
# format against golden files, and the exit-code matrix.
source "$(dirname "$0")/lib.sh"

BASE=2026-12-01T00:00:00Z
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --base-time "$BASE"
cfg=$E2E_TMP/demo.ini
cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
[agent]
log_level = error
INI

# Golden reports: the sim's relative times are resolved against BASE and the
# report evaluates at BASE, so the output is the same on any day.
for f in json csv markdown table; do
  set +e
  "$TW_BIN" -c "$cfg" report --format "$f" --now "$BASE" --fail-on never >"$E2E_TMP/out.$f" 2>"$E2E_TMP/err.$f"
  code=$?
  set -e
  [[ $code -eq 0 ]] || { cat "$E2E_TMP/err.$f" >&2; fail "report --format $f exited $code"; }
  golden "demo-report.$f" "$E2E_TMP/out.$f"
  if grep -qF "$(cat "$SIM_CRED")" "$E2E_TMP/out.$f" "$E2E_TMP/err.$f"; then
    fail "the credential leaked into report --format $f"
  fi
  pass "demo report --format $f matches its golden file"
done
jq -e '.complete == true and (.tokens | length) > 20' "$E2E_TMP/out.json" >/dev/null ||
  fail "demo JSON report incomplete"

# --output writes the file and nothing to stdout
"$TW_BIN" -c "$cfg" report --format json --now "$BASE" --fail-on never -o "$E2E_TMP/r.json" >"$E2E_TMP/stdout"
[[ ! -s $E2E_TMP/stdout ]] && cmp -s "$E2E_TMP/r.json" "$E2E_TMP/out.json" || fail "--output"
pass "--output writes the report to a file"
[[ $(stat -c %a "$E2E_TMP/r.json") == 600 ]] || fail "--output file mode $(stat -c %a "$E2E_TMP/r.json")"
pass "--output writes a private (0600) file"

expect_exit() { # expected description command...
  local want=$1 what=$2
  shift 2
  set +e
  "$@" >"$E2E_TMP/x.out" 2>"$E2E_TMP/x.err"
  local got=$?
  set -e
  [[ $got -eq $want ]] || { cat "$E2E_TMP/x.err" >&2; fail "$what: exit $got, want $want"; }
  pass "$what exits $want"
}

# The exit-code matrix: 2 (config/credential) > 3 (incomplete) > 1 (findings) > 0.
expect_exit 1 "findings at critical (default --fail-on)" "$TW_BIN" -c "$cfg" report --now "$BASE"
expect_exit 1 "--fail-on warning" "$TW_BIN" -c "$cfg" report --now "$BASE" --fail-on warning
expect_exit 0 "--fail-on never" "$TW_BIN" -c "$cfg" report --now "$BASE" --fail-on never

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/clean-org.json" --base-time "$BASE"
clean=$E2E_TMP/clean.ini
printf '[astro]\napi_url = %s\ntoken_file = %s\n[agent]\nlog_level = error\n' "$SIM_URL" "$SIM_CRED" >"$clean"
expect_exit 0 "a clean organization at --fail-on warning" "$TW_BIN" -c "$clean" report --now "$BASE" --fail-on warning
# 30 days later its tokens are expiring: --now asks what will be wrong then
expect_exit 1 "the clean organization 80 days later" "$TW_BIN" -c "$clean" report --now 2027-02-19T00:00:00Z --fail-on warning
# the same faulted server: incomplete beats findings
curl -fsS -X POST "$SIM_URL/_sim/faults" -d '[{"type":"status","match":"/users","status":503}]' >/dev/null
expect_exit 3 "an incomplete collection (users 503)" "$TW_BIN" -c "$clean" report --now 2027-02-19T00:00:00Z --fail-on warning
jq -e '.complete == false and (.errors[0].listing == "users")' <("$TW_BIN" -c "$clean" report --format json --fail-on never 2>/dev/null || true) >/dev/null ||
  fail "the partial report names the failed listing"
pass "the partial report is printed with complete=false and the failed listing"

bad=$E2E_TMP/bad.ini
printf '[astro]\napi_url = %s\ntoken_file = %s\nrate_limit = fast\n' "$SIM_URL" "$SIM_CRED" >"$bad"
expect_exit 2 "a bad config (beats an incomplete collection)" "$TW_BIN" -c "$bad" report
grep -q "bad.ini:4: \[astro\] rate_limit: expected a number" "$E2E_TMP/x.err" || fail "config error names file, line and key"
expect_exit 2 "check-config on a bad file" "$TW_BIN" -c "$bad" check-config
expect_exit 0 "check-config on the documented example" "$TW_BIN" -c "$TW_SOURCE_DIR/etc/tokenwatch.ini" check-config
expect_exit 2 "an unknown command" "$TW_BIN" -c "$bad" frobnicate
grep -q "unknown command 'frobnicate'" "$E2E_TMP/x.err" || fail "unknown command message"
expect_exit 0 "--version" "$TW_BIN" --version

open=$E2E_TMP/open-token
cp "$SIM_CRED" "$open"
chmod 644 "$open"
printf '[astro]\napi_url = %s\ntoken_file = %s\n' "$SIM_URL" "$open" >"$E2E_TMP/open.ini"
expect_exit 2 "a world-readable token file" "$TW_BIN" -c "$E2E_TMP/open.ini" report
grep -q "readable or writable by group or others" "$E2E_TMP/x.err" || fail "token file message"
printf '[astro]\napi_url = %s\n' "$SIM_URL" >"$E2E_TMP/notoken.ini"
expect_exit 2 "no credential at all" env -u ASTRO_API_TOKEN "$TW_BIN" -c "$E2E_TMP/notoken.ini" report
curl -fsS -X DELETE "$SIM_URL/_sim/faults" >/dev/null
# ASTRO_API_TOKEN works, and never shows up in the output
ASTRO_API_TOKEN=$(cat "$SIM_CRED") expect_exit 0 "ASTRO_API_TOKEN from the environment" \
  "$TW_BIN" -c "$E2E_TMP/notoken.ini" report --fail-on never
! grep -qF "$(cat "$SIM_CRED")" "$E2E_TMP/x.out" "$E2E_TMP/x.err" || fail "credential leaked"
echo "all report CLI checks passed"

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
state_dir = $E2E_TMP/no-state
# the goldens do not depend on the clock: no audit logs read now
[audit_logs]
enabled = false
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

# The audit sections: a state_dir with an audit trail (one change older than
# 30 days, one malformed line) and the audit-log collector's usage file.
state=$E2E_TMP/state
mkdir -p "$state"
cp "$TW_SOURCE_DIR/tests/fixtures/report-state/audit.jsonl" "$state/"
# the usage file names the organization and API URL it belongs to, and is
# fresh: the daemon read the audit logs up to a minute ago
jq -c --arg u "$SIM_URL" '.organization.apiUrl = $u | .cursor.to = ((now - 60) * 1000 | floor)' \
  "$TW_SOURCE_DIR/tests/fixtures/report-state/audit-usage.json" >"$state/audit-usage.json"
acfg=$E2E_TMP/audit.ini
printf '[astro]\napi_url = %s\ntoken_file = %s\n[agent]\nlog_level = warn\nstate_dir = %s\n' "$SIM_URL" "$SIM_CRED" "$state" >"$acfg"
"$TW_BIN" -c "$acfg" report --format json --now "$BASE" --fail-on never >"$E2E_TMP/a.json" 2>"$E2E_TMP/a.err"
jq -e '(.events | length) == 3 and .events_since == "2026-11-01T00:00:00Z"
  and .events[0].event == "created" and .events[2].token_name == "<img src=x onerror=alert(1)> | @channel"' "$E2E_TMP/a.json" >/dev/null ||
  fail "the JSON report's events are the last 30 days of the trail"
grep -q "malformed lines in the audit trail skipped" "$E2E_TMP/a.err" || fail "the malformed line is reported"
jq -e '.tokens[] | select(.id == "clb80bc9a0fs4e24zumipju47")
  | (.events | length) == 1 and .usage.calls == 96 and .usage.suggested_role == "WORKSPACE_AUTHOR"
    and .usage.image_pushes == 12 and .usage.source_ips[0].value == "10.20.0.15"
    and (.findings[] | select(.kind == "over_privileged")
         | (.message | test("allowed by WORKSPACE_AUTHOR")) and (.fix | test("--role WORKSPACE_AUTHOR$")))' "$E2E_TMP/a.json" >/dev/null ||
  fail "ml-platform-owner: usage, and the least role in its over_privileged finding"
jq -e '.tokens[] | select(.id == "clvq1zxzf1eas1v6a29ybbgat")
  | .usage.suggested_role == null
    and (.findings[] | select(.kind == "new_source") | .severity == "warning" and (.message | test("203.0.113.66")))' "$E2E_TMP/a.json" >/dev/null ||
  fail "break-glass-admin: a new source IP, no role suggestion (an unknown operation)"
jq -e '[.tokens[] | select(.usage == null)] | length > 20' "$E2E_TMP/a.json" >/dev/null || fail "tokens without usage have usage null"
jq -e '.tokens[] | select(.id == "clb80bc9a0fs4e24zumipju47") | .changed_by
  | length == 2 and .[0].action == "created" and .[0].actor_name == "jane.doe@demo-org.example"
    and .[1].action == "rotated" and .[1].actor_name == "raj.patel@demo-org.example"' "$E2E_TMP/a.json" >/dev/null ||
  fail "ml-platform-owner: who created and rotated it, names from the users listing"
pass "JSON report: events, usage, new_source and the least role from a state_dir"
"$TW_BIN" -c "$acfg" report --format markdown --now "$BASE" --fail-on never >"$E2E_TMP/a.md" 2>/dev/null
for want in "## Changes in the last 30 days" "3 changes since 2026-11-01, newest first." \
  "&lt;img src=x onerror=alert(1)&gt; \| \@channel (clgonegonegonegonegone001)" "## Who uses each token" \
  "From the Astro audit logs: 2 of " "&lt;script&gt;alert('ua')&lt;/script&gt; \| \@here (12)" \
  "| rotated | ml-platform-owner (clb80bc9a0fs4e24zumipju47) | user raj.patel\@demo-org.example (cu6mg0gx3xxqu1bg4psm0zkrn) | 198.51.100.23 | &lt;svg onload=alert(3)&gt; | 200 |"; do
  grep -qF -- "$want" "$E2E_TMP/a.md" || fail "Markdown report lacks: $want"
done
"$TW_BIN" -c "$acfg" report --format html --now "$BASE" --fail-on never >"$E2E_TMP/a.html" 2>/dev/null
grep -qF 'Who uses each token</h2>' "$E2E_TMP/a.html" && grep -qF 'Changes in the last 30 days</h2>' "$E2E_TMP/a.html" ||
  fail "HTML report lacks the audit sections"
! grep -qE "<img src=x|<script>alert|<svg onload" "$E2E_TMP/a.html" || fail "hostile audit strings unescaped in HTML"
pass "Markdown and HTML reports: the audit sections, hostile strings escaped"
jq -e '.usage_source | length == 1 and .[0].source == "daemon"
  and (.[0].text | startswith("the daemon'"'"'s index as of "))' "$E2E_TMP/a.json" >/dev/null ||
  fail "the report does not say the usage is the daemon's"
# A usage file of another organization's API is left out of the report: the
# report reads the audit logs itself (the sim's are empty).
jq -c '.organization.apiUrl = "https://api.other.example" | .cursor.to = ((now - 60) * 1000 | floor)' \
  "$TW_SOURCE_DIR/tests/fixtures/report-state/audit-usage.json" >"$state/audit-usage.json"
"$TW_BIN" -c "$acfg" report --format json --now "$BASE" --fail-on never >"$E2E_TMP/o.json" 2>"$E2E_TMP/o.err"
jq -e '[.tokens[] | select(.usage != null)] | length == 0' "$E2E_TMP/o.json" >/dev/null ||
  fail "another organization's usage is in the report"
jq -e '.usage_source[0].source == "audit_logs"' "$E2E_TMP/o.json" >/dev/null ||
  fail "another organization's usage file: the audit logs are not read instead"
pass "a usage file of another organization is left out of the report"
echo '{"v":1,"usage":{"broken":' >"$state/audit-usage.json"
rm "$state"/audit.jsonl
"$TW_BIN" -c "$acfg" report --format markdown --now "$BASE" --fail-on never >"$E2E_TMP/b.md" 2>"$E2E_TMP/b.err" ||
  fail "a corrupt usage file is fatal"
grep -q "cannot read the daemon's audit-log usage: the audit logs are read instead.*file=audit-usage.json" "$E2E_TMP/b.err" ||
  fail "no warning for a corrupt usage file"
grep -qF "No change history yet" "$E2E_TMP/b.md" || fail "without a trail the report says there is no history"
# (read by the report just before, and kept)
grep -qF "Usage data: audit logs read by an earlier one-shot command, 30 days to " "$E2E_TMP/b.md" ||
  fail "a corrupt usage file: the audit logs are not read instead"
[[ $(cat "$state/audit-usage.json") == '{"v":1,"usage":{"broken":' ]] || fail "the report touched the daemon's file"
# [audit_logs] enabled = false: no usage at all, and no call
printf '[audit_logs]\nenabled = false\n' >>"$acfg"
"$TW_BIN" -c "$acfg" report --format markdown --now "$BASE" --fail-on never >"$E2E_TMP/b.md" 2>/dev/null
grep -qF "No audit-log usage" "$E2E_TMP/b.md" && ! grep -qF "Usage data:" "$E2E_TMP/b.md" ||
  fail "enabled = false: the report has usage"
pass "a corrupt usage file warns, the audit logs are read instead; no trail: no history yet"

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
# The documented example is valid; what it lacks here is its credential.
example=$TW_SOURCE_DIR/etc/tokenwatch.ini
expect_exit 2 "check-config on the documented example, without its token file" "$TW_BIN" -c "$example" check-config
grep -qF "$example: the configuration is valid" "$E2E_TMP/x.out" || fail "the example does not parse"
grep -qF "$example:$(grep -n '^token_file' "$example" | cut -d: -f1): [astro] token_file: /etc/tokenwatch/astro-api-token does not exist: put the Astro API token there" "$E2E_TMP/x.err" &&
  grep -qxF "1 problem: fix it and run check-config again" "$E2E_TMP/x.err" ||
  { cat "$E2E_TMP/x.err" >&2; fail "the example's one problem is its missing token file"; }
expect_exit 2 "an unknown command" "$TW_BIN" -c "$bad" frobnicate
grep -q "unknown command 'frobnicate'" "$E2E_TMP/x.err" || fail "unknown command message"
expect_exit 0 "--version" "$TW_BIN" --version

# run without its credential is a configuration error at start, not a
# daemon serving "no data yet" forever (timeout: that regression hangs).
printf '[astro]\napi_url = %s\ntoken_file = %s\n[agent]\nlisten = 127.0.0.1:0\nstate_dir = %s\n' \
  "$SIM_URL" "$E2E_TMP/no-such-token" "$E2E_TMP/run-state" >"$E2E_TMP/run-notoken.ini"
expect_exit 2 "run with a missing token file" timeout 20 "$TW_BIN" -c "$E2E_TMP/run-notoken.ini" run
grep -qF "[astro] token_file $E2E_TMP/no-such-token: No such file or directory" "$E2E_TMP/x.err" ||
  { cat "$E2E_TMP/x.err" >&2; fail "run names the missing token file"; }

# A format that does not exist: the CLI's error style (not a log line),
# listing every format; each one listed works.
expect_exit 2 "report --format pdf" "$TW_BIN" -c "$cfg" report --format pdf
grep -qx "tokenwatch: report --format takes table, json, csv, markdown (or md) or html, not 'pdf'" "$E2E_TMP/x.err" ||
  { cat "$E2E_TMP/x.err" >&2; fail "report --format pdf message"; }
for f in $(sed -e 's/.*takes //' -e "s/, not .*//" -e 's/[(),]/ /g' -e 's/ or / /g' "$E2E_TMP/x.err"); do
  "$TW_BIN" -c "$cfg" report --format "$f" --now "$BASE" --fail-on never >/dev/null 2>&1 || fail "listed report format $f fails"
done
pass "every format report --format lists works"
expect_exit 2 "audit --format html" "$TW_BIN" -c "$acfg" audit --format html
grep -qx "tokenwatch: audit --format takes table, json, csv or markdown (or md), not 'html'" "$E2E_TMP/x.err" ||
  { cat "$E2E_TMP/x.err" >&2; fail "audit --format html message"; }
cp "$TW_SOURCE_DIR/tests/fixtures/report-state/audit.jsonl" "$state/"
rm -f "$state/audit-usage.json"
for f in $(sed -e 's/.*takes //' -e "s/, not .*//" -e 's/[(),]/ /g' -e 's/ or / /g' "$E2E_TMP/x.err"); do
  "$TW_BIN" -c "$acfg" audit --format "$f" >"$E2E_TMP/audit.$f" 2>"$E2E_TMP/audit.$f.err" ||
    { cat "$E2E_TMP/audit.$f.err" >&2; fail "listed audit format $f fails"; }
  [[ -s $E2E_TMP/audit.$f ]] || fail "audit --format $f printed nothing"
done
pass "every format audit --format lists works"
expect_exit 2 "report --group-by owner" "$TW_BIN" -c "$cfg" report --group-by owner
grep -qx "tokenwatch: --group-by takes none or team, not 'owner'" "$E2E_TMP/x.err" || fail "--group-by message"

open=$E2E_TMP/open-token
cp "$SIM_CRED" "$open"
chmod 644 "$open"
printf '[astro]\napi_url = %s\ntoken_file = %s\n' "$SIM_URL" "$open" >"$E2E_TMP/open.ini"
expect_exit 2 "a world-readable token file" "$TW_BIN" -c "$E2E_TMP/open.ini" report
grep -q "readable or writable by group or others" "$E2E_TMP/x.err" || fail "token file message"
printf '[astro]\napi_url = %s\n' "$SIM_URL" >"$E2E_TMP/notoken.ini"
expect_exit 2 "no credential at all" env -u ASTRO_API_TOKEN "$TW_BIN" -c "$E2E_TMP/notoken.ini" report
# A credential the API refuses (a JWT with another signature) is a
# credential error: exit 2 and one line that says what to do.
sed 's/\.[^.]*$/.d3Jvbmc/' "$SIM_CRED" >"$E2E_TMP/refused-token"
chmod 600 "$E2E_TMP/refused-token"
printf '[astro]\napi_url = %s\ntoken_file = %s\n' "$SIM_URL" "$E2E_TMP/refused-token" >"$E2E_TMP/refused.ini"
expect_exit 2 "a credential the API refuses (401)" "$TW_BIN" -c "$E2E_TMP/refused.ini" report
[[ $(wc -l <"$E2E_TMP/x.err") -eq 1 ]] || { cat "$E2E_TMP/x.err" >&2; fail "a 401 is said in one line"; }
grep -qF 'the Astro API refused the credential in [astro] token_file (HTTP 401' "$E2E_TMP/x.err" &&
  grep -qF 'create a new API token and put it in [astro] token_file' "$E2E_TMP/x.err" || fail "401 message"
# Not a JWT: not an Astro API token (not "no organization id").
echo "astro-raw-T0KEN" >"$E2E_TMP/raw-token"
chmod 600 "$E2E_TMP/raw-token"
printf '[astro]\napi_url = %s\ntoken_file = %s\norganization_id = cm9r8jgormxbek92l8s8wppie\n' "$SIM_URL" "$E2E_TMP/raw-token" >"$E2E_TMP/raw.ini"
expect_exit 2 "a credential that is not a JWT" "$TW_BIN" -c "$E2E_TMP/raw.ini" report
grep -qF "is not an Astro API token" "$E2E_TMP/x.err" || fail "non-JWT message"
! grep -qF "astro-raw-T0KEN" "$E2E_TMP/x.err" || fail "the raw credential leaked"
# An API host that does not resolve or refuses connections: the listings
# fail after one quick retry, in one line naming [astro] api_url.
for url in https://api.tokenwatch-e2e.invalid "http://127.0.0.1:$(free_port)"; do
  printf '[astro]\napi_url = %s\ntoken_file = %s\n' "$url" "$SIM_CRED" >"$E2E_TMP/unreach.ini"
  expect_exit 3 "an unreachable API host ($url)" "$TW_BIN" -c "$E2E_TMP/unreach.ini" report
  [[ $(wc -l <"$E2E_TMP/x.err") -eq 1 ]] && grep -qF '(after 2 attempts)' "$E2E_TMP/x.err" &&
    grep -qF '[astro] api_url' "$E2E_TMP/x.err" || { cat "$E2E_TMP/x.err" >&2; fail "unreachable host message"; }
done
curl -fsS -X DELETE "$SIM_URL/_sim/faults" >/dev/null
# ASTRO_API_TOKEN works, and never shows up in the output
ASTRO_API_TOKEN=$(cat "$SIM_CRED") expect_exit 0 "ASTRO_API_TOKEN from the environment" \
  "$TW_BIN" -c "$E2E_TMP/notoken.ini" report --fail-on never
! grep -qF "$(cat "$SIM_CRED")" "$E2E_TMP/x.out" "$E2E_TMP/x.err" || fail "credential leaked"
echo "all report CLI checks passed"

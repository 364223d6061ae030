#!/usr/bin/env bash
# A one-shot review reads the Astro audit logs itself: with an Organization
# Owner credential and an empty state_dir, `report` shows who uses each token
# and the least-privilege suggestion, in at most two audit-log calls, without
# writing into state_dir; beside a daemon with a fresh index it uses that and
# makes no call; a credential that may not read them (403) under
# enabled = auto is one line, and the report and exit code are as without
# audit logs.
source "$(dirname "$0")/lib.sh"

base=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ORG=$(jq -r .organization.id "$TW_SOURCE_DIR/tests/fixtures/demo-org.json")
# the sim's 2 audit-log calls per 2 s instead of per minute: the calls are
# counted from its request log, not waited out
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" \
  --audit-fixture "$TW_SOURCE_DIR/tests/fixtures/demo-audit.ndjson" --base-time "$base" \
  --audit-window-ms 2000
# ml-platform-owner holds WORKSPACE_OWNER and only ever lists deployments
owner=clb80bc9a0fs4e24zumipju47
ws=cw3o4xl6i4zxikm1ipfezar7z
for ts in @-3d @-2h; do
  curl -fsS -X POST "$SIM_URL/_sim/audit-logs" --data-binary \
    '{"subjectId":"'$owner'","subjectType":"SERVICEKEY","organizationId":"'$ORG'","timestamp":"'$ts'","sourceIp":"192.0.2.31","userAgent":"ml-ci","method":"GET","path":"/v1/organizations/'$ORG'/deployments?workspaceIds='$ws'","responseStatus":200}' \
    >/dev/null
done

state=$E2E_TMP/state
mkdir -p "$state"
cfg=$E2E_TMP/tw.ini
write_cfg() { # $1: the sim's URL, $2: its credential, $3: [audit_logs] enabled
  cat >"$cfg" <<INI
[astro]
api_url = $1
token_file = $2
max_retries = 0
[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $state
log_level = info
[audit_logs]
enabled = $3
INI
}
write_cfg "$SIM_URL" "$SIM_CRED" true

audit_calls() {
  curl -fsS "$SIM_URL/_sim/requests" | jq '[.[] | select(.path | contains("audit-logs"))] | length'
}
# report FILE [ARGS...]: a JSON report into FILE, its log into FILE.err
report() {
  local out=$1
  shift
  "$TW_BIN" -c "$cfg" report --format json --fail-on never "$@" >"$out" 2>"$out.err" ||
    { cat "$out.err" >&2; fail "report exited $?"; }
}
# shows_usage FILE: ml-platform-owner's usage and the least role in its
# over_privileged finding
shows_usage() {
  jq -e --arg t "$owner" '.tokens[] | select(.id == $t)
    | .usage.calls == 2 and .usage.suggested_role == "WORKSPACE_MEMBER"
      and .usage.source_ips[0].value == "192.0.2.31"
      and any(.findings[]; .kind == "over_privileged"
              and (.message | test("every operation it performed is allowed by WORKSPACE_MEMBER")))' \
    "$1" >/dev/null
}

# An empty state_dir: the report reads the audit logs itself.
report "$E2E_TMP/now.json"
shows_usage "$E2E_TMP/now.json" || { cat "$E2E_TMP/now.json.err" >&2; fail "no usage or suggestion read now"; }
jq -e '.usage_source | length == 1 and .[0].source == "audit_logs"
  and (.[0].text | test("^audit logs read now, 30 days to "))' "$E2E_TMP/now.json" >/dev/null ||
  fail "the report does not say the audit logs were read now"
calls=$(audit_calls)
((calls >= 1 && calls <= 2)) || fail "$calls audit-log calls"
[[ -z $(ls -A "$state") ]] || fail "the one-shot report wrote into state_dir: $(ls -A "$state")"
! grep -q 'Reading the Astro audit logs' "$E2E_TMP/now.json.err" || fail "progress on a stderr that is no terminal"
kept=$XDG_CACHE_HOME/tokenwatch/audit-usage.$ORG.json
[[ $(stat -c %a "$kept") == 600 ]] || fail "what the report read is not kept private"
if grep -rqF "$(cat "$SIM_CRED")" "$E2E_TMP/now.json" "$E2E_TMP/now.json.err" "$XDG_CACHE_HOME"; then
  fail "the credential leaked"
fi
pass "an empty state_dir: usage and the least role read now, $calls audit-log call(s), state_dir untouched"

# Again: what the first read kept, no call.
curl -fsS -X DELETE "$SIM_URL/_sim/stats" >/dev/null
report "$E2E_TMP/kept.json"
shows_usage "$E2E_TMP/kept.json" || fail "no usage from what was kept"
jq -e '.usage_source[0].source == "kept"' "$E2E_TMP/kept.json" >/dev/null || fail "not the kept usage"
[[ $(audit_calls) -eq 0 ]] || fail "the kept usage made audit-log calls"
# audit too, the tokens named (no daemon's listing here: listed now)
"$TW_BIN" -c "$cfg" audit --format json >"$E2E_TMP/kept-audit.json" 2>"$E2E_TMP/kept-audit.err" ||
  { cat "$E2E_TMP/kept-audit.err" >&2; fail "audit with the kept usage"; }
jq -e --arg t "$owner" '.usage_source[0].source == "kept"
  and any(.usage[]; .token_id == $t and .token_name == "ml-platform-owner" and .calls == 2)' \
  "$E2E_TMP/kept-audit.json" >/dev/null || fail "audit: the kept usage, its tokens named"
[[ $(audit_calls) -eq 0 ]] || fail "audit with the kept usage made audit-log calls"
pass "a second report, and audit, use what the first kept, no call"

# On a terminal, progress on stderr (another window: read again).
script -qec "$TW_BIN -c $cfg report --since 45d --format json --fail-on never -o $E2E_TMP/tty.json" \
  /dev/null >"$E2E_TMP/tty.out" </dev/null || fail "report on a terminal"
grep -qE $'Reading the Astro audit logs: [0-9]+ entries, [0-9.]+ (bytes|kB)\r?$' "$E2E_TMP/tty.out" ||
  { cat -v "$E2E_TMP/tty.out" >&2; fail "no progress line on a terminal"; }
jq -e '.usage_source[0].text | test("^audit logs read now, 45 days to ")' "$E2E_TMP/tty.json" >/dev/null ||
  fail "--since 45d is not the window read"
pass "on a terminal: a progress line on stderr; --since chooses the window"

# A daemon with a fresh index: the report (run beside it: no lock) uses it
# and makes no audit-log call.
rm -rf "$XDG_CACHE_HOME"
start_daemon "$cfg"
wait_file "$state/audit-usage.json"
curl -fsS -X DELETE "$SIM_URL/_sim/stats" >/dev/null
report "$E2E_TMP/daemon.json"
stop_daemon
shows_usage "$E2E_TMP/daemon.json" || fail "no usage from the daemon's index"
jq -e '.usage_source[0].source == "daemon" and (.usage_source[0].text | test("^the daemon.s index as of "))' \
  "$E2E_TMP/daemon.json" >/dev/null || fail "the report does not say the usage is the daemon's"
[[ $(audit_calls) -eq 0 ]] || fail "the report made audit-log calls beside a fresh daemon index"
[[ ! -e $XDG_CACHE_HOME ]] || fail "the report kept a copy of the daemon's index"
"$TW_BIN" -c "$cfg" audit --format json >"$E2E_TMP/audit.json" 2>"$E2E_TMP/audit.err" || fail "audit"
jq -e --arg t "$owner" 'any(.usage[]; .token_id == $t) and .usage_source[0].source == "daemon"' \
  "$E2E_TMP/audit.json" >/dev/null || fail "audit does not use the daemon's index"
[[ $(audit_calls) -eq 0 ]] || fail "audit made audit-log calls beside a fresh daemon index"
pass "a fresh daemon index: report and audit use it, no audit-log call"

# A credential that may not read the audit logs (403).
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --base-time "$base" --audit-forbidden
rm -rf "$state" "$XDG_CACHE_HOME"
mkdir -p "$state"
# status COMMAND...: runs it, prints its exit code
status() {
  set +e
  "$@"
  echo $?
  set -e
}
write_cfg "$SIM_URL" "$SIM_CRED" false
off=$(status "$TW_BIN" -c "$cfg" report --format json --now "$base" -o "$E2E_TMP/off.json" 2>/dev/null)
write_cfg "$SIM_URL" "$SIM_CRED" auto
auto=$(status "$TW_BIN" -c "$cfg" report --format json --now "$base" -o "$E2E_TMP/auto.json" 2>"$E2E_TMP/auto.err")
[[ $auto == "$off" ]] || fail "a 403 under auto: exit $auto, without audit logs $off"
same() { jq -S 'del(.generated_at, .collected_at)' "$1"; }
diff <(same "$E2E_TMP/off.json") <(same "$E2E_TMP/auto.json") >&2 ||
  fail "a 403 under auto: the report differs from one without audit logs"
[[ $(grep -c 'may not read the Astro audit logs' "$E2E_TMP/auto.err") -eq 1 ]] ||
  { cat "$E2E_TMP/auto.err" >&2; fail "a 403 under auto is not said once"; }
grep -q 'level=warn msg="usage is not included: .*(403); an Organization Owner credential would include it' \
  "$E2E_TMP/auto.err" || fail "the 403 line does not say which role would include the usage"
! grep -q 'level=error' "$E2E_TMP/auto.err" || fail "a 403 under auto is an error"
[[ -z $(ls -A "$state") ]] || fail "the one-shot report wrote into state_dir"
pass "a 403 under auto: exit $auto as without audit logs, said once"

# Under true: an error line, and the report says why the usage is missing.
write_cfg "$SIM_URL" "$SIM_CRED" true
on=$(status "$TW_BIN" -c "$cfg" report --format markdown --now "$base" -o "$E2E_TMP/on.md" 2>"$E2E_TMP/on.err")
[[ $on == "$off" ]] || fail "a 403 under true changed the exit code: $on, want $off"
[[ $(grep -c 'may not read the Astro audit logs' "$E2E_TMP/on.err") -eq 1 ]] ||
  { cat "$E2E_TMP/on.err" >&2; fail "a 403 under true is not said once"; }
grep -q 'level=error' "$E2E_TMP/on.err" || fail "a 403 under true is not an error"
grep -qF 'Usage data: not included: the credential may not read the Astro audit logs (403); an Organization Owner credential would include it' \
  "$E2E_TMP/on.md" || fail "a 403 under true: no note in the report"
pass "a 403 under true: an error line and a note in the report, exit $on"

#!/usr/bin/env bash
# A store conflict: someone writes the Vault copy while a renewal is under
# way.  The daemon stops before overwriting it, says so (log, trail, the
# failure metrics with the next attempt), and deletes nothing; `tokenwatch
# rotate` is refused beside the daemon; with adopt = true it finishes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/renewal_lib.sh"

world
# A webhook receiver on 127.0.0.1:0 that keeps each POST's body, one a line.
start_receiver rx <<'PY'
def record(headers, body):
    return body.decode("utf-8", "replace").replace("\n", " ") + "\n"
PY
printf '\n[webhook.ops]\nurl = http://127.0.0.1:%s\nformat = generic\n' "$(cat "$E2E_TMP/rx.port")" >>"$CFG"
chmod 600 "$CFG" # an inline URL
received() { grep -q -- "$1" "$E2E_TMP/rx.out" 2>/dev/null; }
e2e_diagnose() {
  cat "$E2E_TMP/tw.log" 2>/dev/null
  sim GET /_sim/writes
  jq -c '.copies' "$(journal)" 2>/dev/null
}
copy_states() { jq -r '[.copies[].state] | join(" ")' "$(journal)"; }

# The renewal has issued (the journal holds the intent's versions) when the
# daemon dies; then someone writes the Vault secret by hand.
TW_RENEWAL_CRASH_AFTER=issued "$TW_BIN" -c "$CFG" run 2>>"$E2E_TMP/tw.log" &
pid=$!
E2E_PIDS+=("$pid")
wait_for 60 "the daemon to die after issue" eval '! kill -0 '"$pid"' 2>/dev/null'
set +e
wait "$pid"
code=$?
set -e
[[ $code -eq 137 ]] || fail "the daemon exited $code, not killed after issue (137)"
HAND=written-by-hand-not-a-token
store vault POST /_store/put '{"at":"'"${STORE_AT[vault]}"'","value":"'"$HAND"'"}' >/dev/null
NEW=$(jq -r .new_id "$(journal)")
[[ -n $NEW && $NEW != null ]] || fail "no new token in the journal"

start_daemon "$CFG"
wait_for 60 "the renewal's failure in the log" logged '"renewal failed" token_id='"$TOK"
grep -F '"renewal failed"' "$E2E_TMP/tw.log" | grep -qF '[deliver.vault] changed since the renewal began: someone else wrote it' ||
  fail "the log does not say which copy conflicts"
[[ $(copy_value vault) == "$HAND" ]] || fail "the Vault copy was overwritten"
new_value=$(sim POST "/_sim/tokens/$NEW/credential")
for k in github gitlab; do [[ $(copy_value $k) == "$new_value" ]] || fail "copy $k was not delivered"; done
for k in kubernetes file; do [[ $(copy_value $k) == "$OLD_VALUE" ]] || fail "copy $k was written after the conflict"; done
[[ $(copy_states) == "delivered delivered conflict pending pending" ]] || fail "journal copies: $(copy_states)"
[[ $(writes deleted) -eq 0 ]] || fail "a token was deleted after a conflict"
pass "a conflict on the Vault copy stops the delivery there: not overwritten, nothing deleted"

now=$(date +%s)
wait_for 30 "tokenwatch_renewals_total{result=\"failure\"} 1" \
  test "$(metric "$URL" 'tokenwatch_renewals_total{result="failure"}')" = 1
next=$(metric "$URL" "tokenwatch_renewal_next_attempt_timestamp_seconds{token_id=\"$TOK\"}")
[[ -n $next ]] && ((next >= now + 3600 - 120 && next <= now + 3600 + 120)) ||
  fail "the next attempt is $next, not an hour after $now"
[[ $(metric "$URL" 'tokenwatch_renewals_total{result="success"}') == 0 ]] || fail "a success counted"
"$TW_BIN" -c "$CFG" audit --format json >"$E2E_TMP/audit.json"
jq -e --arg id "$TOK" '[.events[] | select(.event == "renewal_failed" and .token_id == $id
  and .severity == "critical" and (.detail | contains("[deliver.vault]")))] | length == 1' \
  "$E2E_TMP/audit.json" >/dev/null || { jq .events "$E2E_TMP/audit.json" >&2; fail "no renewal_failed in the trail"; }
wait_for 30 "the sink to receive renewal_failed" received '"renewal_failed"'
grep -F '"renewal_failed"' "$E2E_TMP/rx.out" | grep -qF '[deliver.vault]' || fail "the notification does not name the copy"
! grep -qF -- "$OLD_VALUE" "$E2E_TMP/rx.out" && ! grep -qF -- "$new_value" "$E2E_TMP/rx.out" || fail "a notification holds a value"
pass "metrics: one failure, the next attempt an hour on; renewal_failed (critical) in the trail and at the sink"

set +e
"$TW_BIN" -c "$CFG" rotate "$NAME" >"$E2E_TMP/rotate.out" 2>"$E2E_TMP/rotate.err"
code=$?
set -e
[[ $code -eq 2 ]] && grep -qF "another tokenwatch (pid $DAEMON_PID) holds the state directory" "$E2E_TMP/rotate.err" ||
  { cat "$E2E_TMP/rotate.err" >&2; fail "rotate beside the daemon exited $code"; }
pass "tokenwatch rotate is refused beside the daemon (exit 2, naming its PID)"

# The operator checks the Vault secret and lets the renewal take it over.
stop_daemon
sed -i '/^\[deliver\.vault\]$/a adopt = true' "$CFG"
"$TW_BIN" -c "$CFG" rotate "$NAME" >"$E2E_TMP/rotate.out" 2>"$E2E_TMP/rotate.err" ||
  { cat "$E2E_TMP/rotate.out" "$E2E_TMP/rotate.err" >&2; fail "rotate with adopt = true exited $?"; }
grep -qF "renewed $NAME ($TOK): replaced by $NEW; 5 copies hold the new value" "$E2E_TMP/rotate.out" &&
  grep -qxF "finished: the old token is deleted" "$E2E_TMP/rotate.out" ||
  { cat "$E2E_TMP/rotate.out" >&2; fail "rotate's output"; }
renewal_over || fail "the renewal is not over after rotate"
[[ $(named) == "$NEW" && $(writes created) -eq 1 ]] || fail "not the journal's twin: $(named), $(sim GET /_sim/writes)"
assert_all_current "$NEW"
"$TW_BIN" -c "$CFG" audit --format json >"$E2E_TMP/audit.json"
jq -e --arg old "$TOK" --arg new "$NEW" '[.events[] | select(.event == "renewed" and .token_id == $old
  and .replaced_by == $new)] | length == 1' "$E2E_TMP/audit.json" >/dev/null || fail "rotate left no renewed in the trail"
received '"renewed"' || fail "rotate sent no renewed notification to the sink"
pass "with adopt = true, tokenwatch rotate resumes the journal (backoff ignored) and finishes: every copy current, the sink told"

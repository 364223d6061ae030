#!/usr/bin/env bash
# Renewal end to end: the real daemon renews ci-deploy-prod, three days from
# expiry, into a GitHub, GitLab, Vault and Kubernetes fake and a file; the
# dry run before writes nothing; the metrics, the trail and the logs say
# what happened and never hold a value; a copy set back by hand is a
# stale_copy in `report`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/renewal_lib.sh"

world
e2e_diagnose() {
  cat "$E2E_TMP/tw.log" 2>/dev/null
  sim GET /_sim/tokens | jq -c --arg n "$NAME" '.[] | select(.name == $n)'
}

# --- check-config --online: may the managing credential manage tokens? ---
"$TW_BIN" -c "$CFG" check-config --online >"$E2E_TMP/cc.out" 2>"$E2E_TMP/cc.err" ||
  { cat "$E2E_TMP/cc.err" >&2; fail "check-config --online"; }
grep -qF "[rotation] token_file $E2E_TMP/owner-cred: ORGANIZATION_OWNER (break-glass-admin): may manage every token" \
  "$E2E_TMP/cc.out" || { cat "$E2E_TMP/cc.out" >&2; fail "check-config does not say the credential's permission"; }
sed "s|^token_file = $E2E_TMP/owner-cred|token_file = $SIM_CRED|" "$CFG" >"$E2E_TMP/member.ini"
set +e
"$TW_BIN" -c "$E2E_TMP/member.ini" check-config --online >"$E2E_TMP/cc.out" 2>"$E2E_TMP/cc.err"
code=$?
set -e
[[ $code -eq 2 ]] && grep -qF "[rotation] token_file: [rotation] token_file $SIM_CRED (tokenwatch-agent) may not manage tokens: it needs ORGANIZATION_OWNER" \
  "$E2E_TMP/cc.err" || { cat "$E2E_TMP/cc.err" >&2; fail "check-config --online with a member's credential exited $code"; }
! grep -qF -- "$OLD_VALUE" "$E2E_TMP/cc.out" "$E2E_TMP/cc.err" || fail "check-config shows a value"
pass "check-config --online says the managing credential's permission, and which one a member's lacks (exit 2)"

# --- rotate --dry-run: the plan, and nothing written anywhere -------------
store_writes() { local k n=0; for k in "${KINDS[@]}"; do n=$((n + $(store "$k" GET /_store/stats | jq .writes))); done; echo $n; }
before_writes=$(store_writes)
cp -p "$FILE_COPY" "$E2E_TMP/file.before"
"$TW_BIN" -c "$CFG" rotate "$NAME" --dry-run >"$E2E_TMP/plan" 2>"$E2E_TMP/plan.err" ||
  { cat "$E2E_TMP/plan.err" >&2; fail "rotate --dry-run exited $?"; }
for want in "id            $TOK" "name          $NAME" "scope         WORKSPACE" \
  "WORKSPACE:$WS=WORKSPACE_AUTHOR" "Strategy        replace" "permission    ORGANIZATION_OWNER" \
  "[deliver.github] github" "[deliver.gitlab] gitlab" "[deliver.vault] vault" \
  "[deliver.kubernetes] kubernetes" "[deliver.file] file" "PUT ${STORE_URL[github]}/repos/acme/dags/actions/secrets/ASTRO_API_TOKEN" \
  "options.cas = that version" "metadata.resourceVersion as the precondition" \
  "DELETE $SIM_URL/v1/organizations/"; do
  grep -qF -- "$want" "$E2E_TMP/plan" || { cat "$E2E_TMP/plan" >&2; fail "the plan lacks: $want"; }
done
! grep -qF -- "$OLD_VALUE" "$E2E_TMP/plan" "$E2E_TMP/plan.err" || fail "the plan shows the token's value"
[[ $(sim GET /_sim/writes | jq -c .) == '{"created":0,"rotated":0,"roles_set":0,"updated":0,"deleted":0}' ]] ||
  fail "the dry run wrote to Astro: $(sim GET /_sim/writes)"
[[ $(store_writes) -eq $before_writes ]] || fail "the dry run wrote to a store"
cmp -s "$FILE_COPY" "$E2E_TMP/file.before" && [[ $(stat -c %Y "$FILE_COPY") == $(stat -c %Y "$E2E_TMP/file.before") ]] ||
  fail "the dry run touched the file copy"
[[ ! -e $(journal) ]] || fail "the dry run wrote a journal"
pass "rotate --dry-run prints the token, the strategy, each copy's calls and the permission, and writes nothing"

# --- off by default: the daemon watches, and renews nothing ---------------
sed '/^enabled = true$/d' "$CFG" >"$E2E_TMP/off.ini"
start_daemon "$E2E_TMP/off.ini"
wait_cycles "$URL" 2 >/dev/null
[[ $(sim GET /_sim/writes | jq '[.[]] | add') == 0 && $(store_writes) -eq $before_writes ]] ||
  fail "[rotation] without enabled = true wrote: $(sim GET /_sim/writes)"
! grep -q '^astro_token_renewal_timestamp_seconds{' <<<"$(curl -fsS "$URL/metrics")" ||
  fail "a renewal time while renewals are off"
stop_daemon
pass "without enabled = true the daemon renews nothing (three cycles) and shows no renewal time"

# --- the daemon renews it --------------------------------------------------
start_daemon "$CFG"
wait_for 60 "the renewal to finish" renewal_over
NEW=$(named)
assert_all_current "$NEW"
[[ $(writes created) == 1 && $(writes deleted) == 1 && $(writes rotated) == 0 ]] ||
  fail "Astro writes: $(sim GET /_sim/writes)"
sim GET /_sim/tokens | jq -e --arg id "$TOK" 'all(.[]; .id != $id)' >/dev/null || fail "the old token is still listed"
# the daemon's next cycle takes the renewal thread's news
wait_for 30 "the renewal's log line" logged \
  "token renewed: every copy holds the new value\" token_id=$TOK new_token_id=$NEW strategy=replace copies=5"
pass "the daemon replaced $TOK by $NEW, wrote all five copies and deleted the old token"

# --- the metrics -----------------------------------------------------------
wait_for 30 "tokenwatch_renewals_total{result=\"success\"} 1" \
  test "$(metric "$URL" 'tokenwatch_renewals_total{result="success"}')" = 1
[[ $(metric "$URL" 'tokenwatch_renewals_total{result="failure"}') == 0 ]] || fail "a failure counted"
info_of() { grep -q "^astro_token_info{token_id=\"$1\"" <<<"$(curl -fsS "$URL/metrics")"; }
wait_for 30 "$NEW on the metrics page" info_of "$NEW"
org=$(curl -fsS "$URL/metrics" | sed -n "s/^astro_token_info{token_id=\"$NEW\",organization=\"\([^\"]*\)\".*/\1/p")
new_end=$(date -u -d "$(sim GET /_sim/tokens | jq -r --arg id "$NEW" '.[] | select(.id == $id) | .endAt')" +%s)
# the new token's renewal time: endAt - 30d ([rotation] before's default)
wait_for 30 "astro_token_renewal_timestamp_seconds of $NEW" \
  test "$(metric "$URL" "astro_token_renewal_timestamp_seconds{token_id=\"$NEW\",organization=\"$org\"}")" = $((new_end - 30 * 86400))
! grep -q '^tokenwatch_renewal_next_attempt_timestamp_seconds{' <<<"$(curl -fsS "$URL/metrics")" ||
  fail "a next attempt after a renewal that did not fail"
pass "metrics: renewals_total{result=\"success\"} 1, the new token renews at endAt - 30d, no next attempt"

# --- the trail -------------------------------------------------------------
"$TW_BIN" -c "$CFG" audit --format json >"$E2E_TMP/audit.json"
jq -e --arg old "$TOK" --arg new "$NEW" \
  '[.events[] | select(.event == "renewed" and .token_id == $old and .replaced_by == $new)] | length == 1' \
  "$E2E_TMP/audit.json" >/dev/null || { jq .events "$E2E_TMP/audit.json" >&2; fail "the trail lacks renewed, replaced_by $NEW"; }
pass "the trail links $TOK to $NEW (renewed, replaced_by)"

# --- no value anywhere -----------------------------------------------------
NEW_VALUE=$(sim POST "/_sim/tokens/$NEW/credential")
curl -fsS "$URL/metrics" >"$E2E_TMP/page"
for v in "$NEW_VALUE" "$OLD_VALUE"; do
  ! grep -rqF -- "$v" "$E2E_TMP/tw.log" "$E2E_TMP/page" "$E2E_TMP/audit.json" "$STATE" ||
    fail "a token value is in the log, the metrics, the trail or state_dir"
done
[[ -z $(find "$STATE" -name 'renewal-*') ]] || fail "a journal is left: $(ls "$STATE")"
pass "no value in the log, the metrics, the trail or state_dir; the journal is gone"

# --- a copy set back by hand is a stale_copy ------------------------------
stop_daemon
store vault POST /_store/put '{"at":"'"${STORE_AT[vault]}"'","value":"'"$OLD_VALUE"'"}' >/dev/null
"$TW_BIN" -c "$CFG" report --format json --fail-on never >"$E2E_TMP/report.json" 2>"$E2E_TMP/report.err" ||
  { cat "$E2E_TMP/report.err" >&2; fail "report"; }
jq -e --arg id "$NEW" '[.tokens[] | select(.id == $id) | .findings[] | select(.kind == "stale_copy"
  and .severity == "critical" and (.message | contains("[deliver.vault]")))] | length == 1' \
  "$E2E_TMP/report.json" >/dev/null || { jq . "$E2E_TMP/report.json" | head -80 >&2; fail "report finds no stale_copy"; }
pass "report finds the Vault copy set back to the old value: stale_copy"

# --- tokenwatch rotate --strategy rotate: in place, by hand ----------------
store vault POST /_store/put '{"at":"'"${STORE_AT[vault]}"'","value":"'"$NEW_VALUE"'"}' >/dev/null
"$TW_BIN" -c "$CFG" rotate "$NAME" --strategy rotate >"$E2E_TMP/rotate.out" 2>"$E2E_TMP/rotate.err" ||
  { cat "$E2E_TMP/rotate.out" "$E2E_TMP/rotate.err" >&2; fail "rotate --strategy rotate"; }
grep -qF "renewed $NAME ($NEW): rotated in place as $NEW; 5 copies hold the new value" "$E2E_TMP/rotate.out" ||
  { cat "$E2E_TMP/rotate.out" >&2; fail "rotate's output"; }
[[ $(named) == "$NEW" && $(writes rotated) == 1 && $(writes created) == 1 ]] || fail "Astro writes: $(sim GET /_sim/writes)"
ROTATED=$(sim POST "/_sim/tokens/$NEW/credential")
[[ $ROTATED != "$NEW_VALUE" ]] || fail "the value did not change"
assert_all_current "$NEW"
[[ -z $(find "$STATE" -name 'renewal-*') ]] || fail "a journal is left after rotate"
pass "rotate --strategy rotate renews $NEW in place by hand, though it is not due"

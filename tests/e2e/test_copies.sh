#!/usr/bin/env bash
# Where the copies of a token live, and whether they are current, end to end:
# tw-astrosim and tw-storesim (GitHub, GitLab, Vault, Kubernetes) and a file.
# Copies holding the token's value are clean; a rotation in the sim makes
# them stale in the daemon's /metrics without reading the stores again (the
# last check is kept: GitHub's updated_at and the other copies' JWT iat
# predate it); a value written by hand clears one in `report`; a missing
# Secret is missing_copy; stores refusing the credential are check errors
# (metrics, log, evaluation errors), never findings, and check-config
# --online names the permission; no value or credential appears anywhere.
source "$(dirname "$0")/lib.sh"
: "${TW_STORESIM_BIN:?run through ctest}"
umask 077

FIX=$TW_SOURCE_DIR/tests/fixtures/copies-org.json
ORG=clcop1org000000000000000a
ADMIN=clcop1tok000000000000002a
PROD=clcop1tok000000000000003a
DEV=clcop1tok000000000000004a
start_sim --fixture "$FIX"

# A token's value from the sim, into a file (never on a command line).
sim_value() { curl -fsS -X POST -o "$2" "$SIM_URL/_sim/tokens/$1/credential"; }
sim_value "$ADMIN" "$E2E_TMP/admin"
sim_value "$PROD" "$E2E_TMP/v0"

# start_store KIND [--read-credential-file FILE]: a store fake; its URL in
# $E2E_TMP/store-KIND/url, its credential in $E2E_TMP/store-KIND/cred.
start_store() {
  local kind=$1 dir=$E2E_TMP/store-$1
  shift
  mkdir -p "$dir"
  printf 'store-%s-credential-0123456789' "$kind" >"$dir/cred"
  "$TW_STORESIM_BIN" --kind "$kind" --port 0 --port-file "$dir/port" \
    --credential-file "$dir/cred" "$@" 2>"$dir/log" &
  E2E_PIDS+=($!)
  wait_file "$dir/port"
  echo "http://127.0.0.1:$(cat "$dir/port")" >"$dir/url"
}
store_url() { cat "$E2E_TMP/store-$1/url"; }
# store_put KIND LOCATOR FILE: writes FILE's content into the store "by hand".
store_put() {
  jq -n --arg at "$2" --rawfile v "$3" '{at: $at, value: $v}' >"$E2E_TMP/put.json"
  curl -fsS -X POST --data-binary @"$E2E_TMP/put.json" "$(store_url "$1")/_store/put" >/dev/null
  rm -f "$E2E_TMP/put.json"
}
store_requests() { curl -fsS "$(store_url "$1")/_store/stats" | jq -r .requests; }

printf 'gitlab-developer-credential-0123' >"$E2E_TMP/gitlab-read"
start_store github
start_store gitlab --read-credential-file "$E2E_TMP/gitlab-read"
start_store vault
start_store kubernetes
printf 'a-credential-github-does-not-know' >"$E2E_TMP/wrong-cred"

# The copies of ci-deploy-prod, as the pipelines would have them: its value.
t0=$(date +%s)
store_put github repo:acme/dags:ASTRO_API_TOKEN "$E2E_TMP/v0"
store_put gitlab project:acme/dags:ASTRO_API_TOKEN "$E2E_TMP/v0"
store_put vault secret:ci/astro:token "$E2E_TMP/v0"
store_put kubernetes airflow:astro-api:token "$E2E_TMP/v0"
cp "$E2E_TMP/v0" "$E2E_TMP/runner-token"

cfg=$E2E_TMP/tw.ini
cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
max_retries = 0
[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $E2E_TMP/state
[policy]
max_organization_role = ORGANIZATION_OWNER
[deliver]
check_interval = 60s
[deliver.gh]
token = ci-deploy-prod
type = github
api_url = $(store_url github)
credential_file = $E2E_TMP/store-github/cred
repository = acme/dags
secret = ASTRO_API_TOKEN
[deliver.gl]
token = ci-deploy-prod
type = gitlab
api_url = $(store_url gitlab)
credential_file = $E2E_TMP/store-gitlab/cred
project = acme/dags
variable = ASTRO_API_TOKEN
[deliver.vault]
token = $PROD
type = vault
api_url = $(store_url vault)
credential_file = $E2E_TMP/store-vault/cred
path = ci/astro
key = token
[deliver.k8s]
token = ci-deploy-prod
type = kubernetes
api_url = $(store_url kubernetes)
credential_file = $E2E_TMP/store-kubernetes/cred
namespace = airflow
secret = astro-api
key = token
[deliver.runner]
token = ci-deploy-prod
type = file
path = $E2E_TMP/runner-token
; ci-deploy-dev: a Secret nobody created, and two stores refusing the credential
[deliver.k8s-dev]
token = ci-deploy-dev
type = kubernetes
api_url = $(store_url kubernetes)
credential_file = $E2E_TMP/store-kubernetes/cred
namespace = airflow
secret = astro-api-dev
key = token
[deliver.gh-dev]
token = ci-deploy-dev
type = github
api_url = $(store_url github)
credential_file = $E2E_TMP/wrong-cred
repository = acme/dev
secret = ASTRO_API_TOKEN
[deliver.gl-dev]
token = ci-deploy-dev
type = gitlab
api_url = $(store_url gitlab)
credential_file = $E2E_TMP/gitlab-read
project = acme/dev
variable = ASTRO_API_TOKEN
INI

# The report, once: every copy of ci-deploy-prod is current.
rc=0
"$TW_BIN" -c "$cfg" report --format json --fail-on critical >"$E2E_TMP/r1.json" 2>"$E2E_TMP/r1.log" ||
  rc=$?
((rc == 3)) || { cat "$E2E_TMP/r1.log" >&2; fail "report: exit $rc, want 3 (copies not checked)"; }
kinds() { jq -r --arg t "$2" '.tokens[] | select(.id == $t) | .findings[] | .kind' "$1"; }
[[ -z $(kinds "$E2E_TMP/r1.json" "$PROD") ]] ||
  fail "current copies have findings: $(kinds "$E2E_TMP/r1.json" "$PROD")"
[[ $(kinds "$E2E_TMP/r1.json" "$DEV") == missing_copy ]] ||
  fail "the missing Secret: $(kinds "$E2E_TMP/r1.json" "$DEV")"
jq -e --arg t "$DEV" '.tokens[] | select(.id == $t) | .findings[0] | .severity == "critical"
    and (.message | contains("[deliver.k8s-dev] Kubernetes Secret airflow/astro-api-dev, key token does not exist"))' \
  "$E2E_TMP/r1.json" >/dev/null || fail "missing_copy: $(jq -c '.tokens[].findings' "$E2E_TMP/r1.json")"
jq -e '[.evaluation_errors[] | select(startswith("copy [deliver.gh-dev]") and contains("401"))] | length == 1' \
  "$E2E_TMP/r1.json" >/dev/null || fail "the refused credential: $(jq -c .evaluation_errors "$E2E_TMP/r1.json")"
jq -e '[.evaluation_errors[] | select(startswith("copy [deliver.gl-dev]") and contains("403"))] | length == 1' \
  "$E2E_TMP/r1.json" >/dev/null || fail "the Developer's credential: $(jq -c .evaluation_errors "$E2E_TMP/r1.json")"
grep -q 'msg="cannot check a copy" deliver=gh-dev' "$E2E_TMP/r1.log" || fail "the failed check is not logged"
pass "report: current copies are clean, a missing Secret is missing_copy, refused credentials are errors"

# The daemon: the same, on /metrics.
url() { echo "http://127.0.0.1:$(cat "$E2E_TMP/port")"; }
metrics() { curl -fsS "$(url)/metrics"; }
value() { metrics | awk -v k="$1" '$1 == k { print $2 }'; }
is() { [[ $(value "$1") == "$2" ]]; }
e2e_diagnose() {
  metrics | grep -E 'copy|finding\{' || true
  cat "$E2E_TMP/tw.log"
}
stale() { echo "astro_token_copy_stale{token_id=\"$1\",deliver=\"$2\",organization=\"$ORG\"}"; }
start_daemon "$cfg"
for d in gh gl vault k8s runner; do
  wait_for 20 "[deliver.$d] current" is "$(stale "$PROD" "$d")" 0
done
is "$(stale "$DEV" k8s-dev)" 1 || fail "the missing Secret is not stale"
is "astro_token_finding{token_id=\"$DEV\",organization=\"$ORG\",finding=\"missing_copy\",severity=\"critical\"}" 1 ||
  fail "no missing_copy on /metrics"
is 'tokenwatch_copy_check_success{deliver="gh"}' 1 || fail "gh: check_success"
is 'tokenwatch_copy_check_success{deliver="gh-dev"}' 0 || fail "gh-dev: check_success"
is 'tokenwatch_copy_check_success{deliver="gl-dev"}' 0 || fail "gl-dev: check_success"
is 'tokenwatch_copy_check_failures_total{deliver="gh-dev"}' 1 || fail "gh-dev: failures"
[[ -z $(value "$(stale "$DEV" gh-dev)") ]] || fail "a copy that cannot be read has a stale series"
updated=$(value "astro_token_copy_updated_timestamp_seconds{token_id=\"$PROD\",deliver=\"gh\",organization=\"$ORG\"}")
((updated == t0 || updated == t0 + 1)) || fail "the GitHub secret's updated_at: $updated, written at $t0"
! grep -q '^astro_token_finding{.*finding="stale_copy"' <<<"$(metrics)" || fail "a stale_copy before any rotation"
[[ $(grep -c 'msg="cannot check a copy" deliver=gh-dev type=github' "$E2E_TMP/tw.log") == 1 ]] ||
  fail "the failed check is not logged once"
pass "run: the copies' state on /metrics"

# ci-deploy-prod is rotated in Astro (the sim): every copy now predates its
# value.  The daemon judges its kept checks again: no store is read.
past() { (($(date +%s) >= $1)); }
# the sim's clock counts whole seconds from its start: up to 2 s behind
wait_for 20 "10 s after the copies were written" past $((t0 + 10))
gh_requests=$(store_requests github)
printf 'Authorization: Bearer %s' "$(cat "$E2E_TMP/admin")" >"$E2E_TMP/admin-header"
curl -fsS -X POST -H @"$E2E_TMP/admin-header" \
  "$SIM_URL/v1/organizations/$ORG/tokens/$PROD/rotate" | jq -j .token >"$E2E_TMP/v1"
[[ -s $E2E_TMP/v1 ]] || fail "no new value from the rotation"
for d in gh gl vault k8s runner; do
  wait_for 20 "[deliver.$d] stale after the rotation" is "$(stale "$PROD" "$d")" 1
done
is "astro_token_finding{token_id=\"$PROD\",organization=\"$ORG\",finding=\"stale_copy\",severity=\"critical\"}" 1 ||
  fail "no stale_copy finding on /metrics"
[[ $(store_requests github) == "$gh_requests" ]] || fail "the stores were read again before check_interval"
page=$(metrics)
promtool check metrics <<<"$page" || fail "promtool check metrics"
pass "run: a rotation makes every copy stale, judged from the kept checks"

# One copy written by hand with the new value: the report reads the stores
# and finds it current, the other four stale.
store_put vault secret:ci/astro:token "$E2E_TMP/v1"
rc=0
"$TW_BIN" -c "$cfg" report --format json >"$E2E_TMP/r2.json" 2>"$E2E_TMP/r2.log" || rc=$?
((rc == 3)) || fail "report: exit $rc"
jq -e --arg t "$PROD" '.tokens[] | select(.id == $t) | .findings[] | select(.kind == "stale_copy")
    | .severity == "critical"
    and (.message | startswith("Token \"ci-deploy-prod\" has 4 stale copies: [deliver.gh] GitHub secret ASTRO_API_TOKEN of repository acme/dags was last written on "))
    and (.message | contains("[deliver.gl] GitLab variable ASTRO_API_TOKEN of project acme/dags holds a value of this token issued on "))
    and (.message | contains("[deliver.k8s] Kubernetes Secret airflow/astro-api, key token holds a value"))
    and (.message | contains("[deliver.runner] file "))
    and (.message | contains("[deliver.vault]") | not)
    and (.fix | startswith("gh secret set ASTRO_API_TOKEN --repo acme/dags; glab variable update ASTRO_API_TOKEN --repo acme/dags; kubectl -n airflow patch secret astro-api"))' \
  "$E2E_TMP/r2.json" >/dev/null || fail "stale_copy: $(jq -c --arg t "$PROD" '.tokens[] | select(.id == $t) | .findings' "$E2E_TMP/r2.json")"
"$TW_BIN" -c "$cfg" report >"$E2E_TMP/r2.txt" 2>/dev/null || true
grep -q 'stale_copy' "$E2E_TMP/r2.txt" || fail "the table report has no stale_copy"
pass "report: a copy written by hand is current again, the others are stale"

# A reload reads every store again: the daemon sees the copy written by hand.
is "$(stale "$PROD" vault)" 1 || fail "the daemon read the stores before check_interval"
gh_requests=$(store_requests github)
kill -HUP "$DAEMON_PID"
wait_for 20 "[deliver.vault] current after the reload" is "$(stale "$PROD" vault)" 0
(($(store_requests github) > gh_requests)) || fail "the reload did not read the GitHub store again"
is "$(stale "$PROD" gh)" 1 || fail "[deliver.gh] after the reload"
pass "run: a reload checks every copy again"

# check-config --online: one read of each store, the refusals explained.
rc=0
"$TW_BIN" -c "$cfg" check-config --online >"$E2E_TMP/cc.out" 2>"$E2E_TMP/cc.err" || rc=$?
((rc == 2)) || fail "check-config --online: exit $rc"
grep -q "^$cfg:[0-9]*: \[deliver.gh-dev\] credential_file: GitHub secret ASTRO_API_TOKEN of repository acme/dev: .*HTTP 401.*Secrets: read" \
  "$E2E_TMP/cc.err" || { cat "$E2E_TMP/cc.err" >&2; fail "check-config: the refused GitHub credential"; }
grep -q "\[deliver.gl-dev\] credential_file: .*HTTP 403.*Maintainer role" "$E2E_TMP/cc.err" ||
  fail "check-config: the GitLab Developer's credential"
grep -q "^\[deliver.gh\] GitHub secret ASTRO_API_TOKEN of repository acme/dags: readable; it exists" \
  "$E2E_TMP/cc.out" || { cat "$E2E_TMP/cc.out" >&2; fail "check-config: a readable copy"; }
grep -q "^\[deliver.vault\] .*it exists, holding token $PROD" "$E2E_TMP/cc.out" || fail "check-config: vault"
grep -q "^\[deliver.k8s-dev\] .*does not exist yet" "$E2E_TMP/cc.out" || fail "check-config: the missing Secret"
pass "check-config --online reads each store and names the missing permission"

# What only a store can judge, and a credential file that is not there: the
# line and key, from check-config, and run and report refuse to start.
bad=$E2E_TMP/bad.ini
{
  sed -n '1,/^\[deliver\]/p' "$cfg"
  cat <<INI
check_interval = 60s
[deliver.typo]
token = ci-deploy-prod
type = github
credential_file = $E2E_TMP/no-such-file
repository = acme/dags
secret = 1-NOT-A-NAME
INI
} >"$bad"
rc=0
"$TW_BIN" -c "$bad" check-config >"$E2E_TMP/bad.out" 2>"$E2E_TMP/bad.err" || rc=$?
((rc == 2)) || fail "check-config of a bad copy: exit $rc"
grep -q "^$bad:[0-9]*: \[deliver.typo\] secret: must be a GitHub secret name" "$E2E_TMP/bad.err" ||
  { cat "$E2E_TMP/bad.err" >&2; fail "check-config: the secret's name"; }
grep -q "^$bad:[0-9]*: \[deliver.typo\] credential_file: $E2E_TMP/no-such-file does not exist" \
  "$E2E_TMP/bad.err" || fail "check-config: the credential file"
rc=0
"$TW_BIN" -c "$bad" report >/dev/null 2>"$E2E_TMP/bad.log" || rc=$?
((rc == 2)) && grep -q 'secret: must be a GitHub secret name' "$E2E_TMP/bad.log" ||
  fail "report with a bad copy: exit $rc"
rc=0
"$TW_BIN" -c "$bad" run --once >/dev/null 2>"$E2E_TMP/bad.log" || rc=$?
((rc == 2)) && grep -q 'secret: must be a GitHub secret name' "$E2E_TMP/bad.log" ||
  fail "run with a bad copy: exit $rc"
pass "check-config, run and report refuse what the store would refuse"

# No value and no credential anywhere tokenwatch wrote.
page=$(metrics)
for secret in v0 v1 admin store-github/cred store-gitlab/cred store-vault/cred \
  store-kubernetes/cred gitlab-read wrong-cred; do
  s=$(cat "$E2E_TMP/$secret")
  for f in r1.json r1.log r2.json r2.log r2.txt cc.out cc.err tw.log; do
    ! grep -qF -- "$s" "$E2E_TMP/$f" || fail "$secret appears in $f"
  done
  ! grep -qF -- "$s" <<<"$page" || fail "$secret appears on /metrics"
  ! grep -rqF -- "$s" "$E2E_TMP/state" || fail "$secret appears in the state directory"
done
pass "no value or credential in the reports, the log, the metrics or the state"
stop_daemon

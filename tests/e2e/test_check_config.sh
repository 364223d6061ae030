#!/usr/bin/env bash
# check-config end to end, offline and --online against tw-astrosim: what it
# says when everything is in order (the credential's expiry, the API's
# organization and the credential's role, each webhook host), the requests it
# makes (two cheap GETs per organization, nothing to a webhook), and each
# problem with its file:line and exit 2.
source "$(dirname "$0")/lib.sh"

BASE=2026-12-01T00:00:00Z
ORG=$(jq -r .organization.id "$TW_SOURCE_DIR/tests/fixtures/demo-org.json")
CRED_ID=$(jq -r .credential_token_id "$TW_SOURCE_DIR/tests/fixtures/demo-org.json")
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --base-time "$BASE"

# check-config run as root checks the files as the service's user would
# read them: theirs, in directories it may pass.
if [[ $(id -u) == 0 ]] && getent passwd tokenwatch >/dev/null; then
  own() {
    chown tokenwatch "$@"
    chmod 711 "$E2E_TMP" "$(dirname "$1")"
  }
else
  own() { :; }
fi
own "$SIM_CRED"

# A webhook whose URL points at the sim itself: the probe must not send it
# anything (the path is the secret).
printf 'http://127.0.0.1:%s/hook/T0K3N-in-the-path\n' "${SIM_URL##*:}" >"$E2E_TMP/hook-url"
chmod 600 "$E2E_TMP/hook-url"
own "$E2E_TMP/hook-url"
cfg=$E2E_TMP/tw.ini
cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
[agent]
state_dir = $E2E_TMP/state
[webhook.local]
url_file = $E2E_TMP/hook-url
INI

run_cc() { # expected-exit args...
  local want=$1
  shift
  set +e
  "$TW_BIN" -c "$cfg" check-config "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
  local got=$?
  set -e
  [[ $got -eq $want ]] || { cat "$E2E_TMP/out" "$E2E_TMP/err" >&2; fail "check-config $*: exit $got, want $want"; }
}
has() { grep -qF -- "$1" "$2" || { cat "$2" >&2; fail "missing: $1"; }; }

run_cc 0
has "$cfg: the configuration is valid" "$E2E_TMP/out"
has "[astro] token_file $SIM_CRED: belongs to " "$E2E_TMP/out"
has "[astro] credential: an Astro API token (id $CRED_ID) of organization $ORG; expires " "$E2E_TMP/out"
has "[webhook.local] url_file $E2E_TMP/hook-url: belongs to " "$E2E_TMP/out"
has "OK: checked the configuration, the credential of 1 organization and the files of 1 webhook, offline" "$E2E_TMP/out"
[[ ! -s $E2E_TMP/err ]] || fail "problems on a good config: $(cat "$E2E_TMP/err")"
[[ $(curl -fsS "$SIM_URL/_sim/requests" | jq length) == 0 ]] || fail "offline check-config called the API"
pass "offline: the credential (its id, organization and expiry) and the webhook file"

curl -fsS -X DELETE "$SIM_URL/_sim/stats" >/dev/null
run_cc 0 --online
cat "$E2E_TMP/out"
has "[astro] $SIM_URL: reachable; organization $ORG \"Demo Org\"" "$E2E_TMP/out"
has "[astro] role: an Organization API token with role ORGANIZATION_MEMBER: lists every token of the organization; audit logs: no (they need an Organization Owner); rotation: no" "$E2E_TMP/out"
has "[webhook.local] 127.0.0.1: resolves, accepts connections (plain http, nothing sent)" "$E2E_TMP/out"
has "OK: checked the configuration, the credential and API of 1 organization, and the files and hosts of 1 webhook, online" "$E2E_TMP/out"
curl -fsS "$SIM_URL/_sim/requests" | jq -r '.[].path' | sort >"$E2E_TMP/requests"
printf '/v1/organizations/%s\n/v1/organizations/%s/tokens/%s\n' "$ORG" "$ORG" "$CRED_ID" | sort >"$E2E_TMP/want"
diff -u "$E2E_TMP/want" "$E2E_TMP/requests" || fail "--online made other requests than the two cheap GETs"
! grep -qF "T0K3N" "$E2E_TMP/out" "$E2E_TMP/err" || fail "the webhook URL's path was printed"
pass "--online: reachable, the organization's id and name, the role and what it enables; two GETs; the webhook host got nothing"

# [audit_logs] enabled = on with a credential that cannot read the audit logs.
printf '[audit_logs]\nenabled = on\n' >>"$cfg"
run_cc 2 --online
has "$cfg: [audit_logs] enabled: on, but the audit logs need an Organization Owner credential" "$E2E_TMP/err"
pass "--online: [audit_logs] enabled = on needs an Organization Owner"

# An Organization Owner credential: audit logs and rotation enabled.
jq --arg id "$CRED_ID" '(.tokens[] | select(.id == $id) | .roles[0].role) = "ORGANIZATION_OWNER"' \
  "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" >"$E2E_TMP/owner-org.json"
start_sim --fixture "$E2E_TMP/owner-org.json" --base-time "$BASE"
own "$SIM_CRED"
sed -i -e "s|^api_url = .*|api_url = $SIM_URL|" -e "s|^token_file = .*|token_file = $SIM_CRED|" "$cfg"
run_cc 0 --online
has "role ORGANIZATION_OWNER: lists every token of the organization; audit logs: yes; rotation: every token" "$E2E_TMP/out"
pass "--online: an Organization Owner credential enables the audit logs and rotation"

# A credential the API refuses: exit 2, one problem at the token_file line.
sed 's/\.[^.]*$/.d3Jvbmc/' "$SIM_CRED" >"$E2E_TMP/refused"
chmod 600 "$E2E_TMP/refused"
own "$E2E_TMP/refused"
sed -i "s|^token_file = .*|token_file = $E2E_TMP/refused|" "$cfg"
run_cc 2 --online
has "$cfg:3: the Astro API refused the credential in [astro] token_file (HTTP 401" "$E2E_TMP/err"
has "1 problem: fix it and run check-config again" "$E2E_TMP/err"
pass "--online: a refused credential is a problem at the token_file line"

# The API host does not resolve, or refuses connections: fail fast (one
# quick retry), naming [astro] api_url and its line.
sed -i "s|^token_file = .*|token_file = $SIM_CRED|" "$cfg"
for url in https://api.tokenwatch-e2e.invalid "http://127.0.0.1:$(free_port)"; do
  sed -i "s|^api_url = .*|api_url = $url|" "$cfg"
  run_cc 0 # offline: the network is not looked at
  run_cc 2 --online
  has "$cfg:2: " "$E2E_TMP/err"
  has "(after 2 attempts)" "$E2E_TMP/err"
  has "[astro] api_url" "$E2E_TMP/err"
done
pass "--online: an unresolvable or refusing API host fails at once, naming [astro] api_url"

# Offline problems, every one listed with its line, exit 2.
sed -i "s|^api_url = .*|api_url = $SIM_URL|" "$cfg"
chmod 644 "$E2E_TMP/hook-url"
sed -i "s|^token_file = .*|token_file = $E2E_TMP/no-such-token|" "$cfg"
run_cc 2
has "$cfg:3: [astro] token_file: $E2E_TMP/no-such-token does not exist: put the Astro API token there" "$E2E_TMP/err"
has "$cfg:7: [webhook.local] url_file: $E2E_TMP/hook-url has mode 0644: group or others may read or write the webhook URL" "$E2E_TMP/err"
has "2 problems: fix them and run check-config again" "$E2E_TMP/err"
pass "offline: a missing token file and a 0644 webhook file, both listed, exit 2"

echo "all check-config checks passed"

# Helpers for the Alertmanager end-to-end tests (sourced after lib.sh).

AM_BIN=${TW_ALERTMANAGER_BIN:-/usr/bin/prometheus-alertmanager}
[[ -x $AM_BIN ]] || fail "$AM_BIN not installed (Debian package prometheus-alertmanager)"
command -v jq >/dev/null || fail "jq not installed"

# Starts Alertmanager on loopback (its own storage, no cluster) with the
# configuration file $1, by default a receiver that sends nothing; sets AM
# to its URL.
am_start() {
  local port yml=${1:-$E2E_TMP/am.yml}
  port=$(free_port)
  mkdir -p "$E2E_TMP/am"
  [[ -n ${1:-} ]] ||
    printf 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n' >"$yml"
  "$AM_BIN" --config.file="$yml" --storage.path="$E2E_TMP/am" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= 2>"$E2E_TMP/am.log" &
  E2E_PIDS+=($!)
  AM="http://127.0.0.1:$port"
  poll 10 am_ready || { cat "$E2E_TMP/am.log" >&2; fail "alertmanager did not start"; }
}
am_ready() { curl -fs "$AM/-/ready" >/dev/null 2>&1; }

# Writes the daemon's config to $1 (mode 0600): the test API (with the
# [astro] lines in $2), a 2 s interval, Alertmanager as [webhook.am], and the
# sections in $3.
am_tw_config() {
  cat >"$1" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
$2
[agent]
interval = 2s
state_dir = $E2E_TMP/state
listen = 127.0.0.1:0
log_level = warn
[webhook.am]
url = $AM
format = alertmanager
$3
INI
  chmod 600 "$1"
}

# "token_id finding severity" per active finding, from the daemon's metrics
# (the daemon's port is in $E2E_TMP/port).  Empty, not a failure, while the
# daemon has no page yet (503 before its first collection): callers poll, and
# under set -e a failing $(expected) would end the test without a word.
expected() {
  { curl -fs "http://127.0.0.1:$(cat "$E2E_TMP/port")/metrics" || true; } |
    sed -n 's/^astro_token_finding{token_id="\([^"]*\)",organization="[^"]*",finding="\([^"]*\)",severity="\([^"]*\)"} 1$/\1 \2 \3/p' | sort
}

# The same from Alertmanager's active finding alerts (token changes are
# alerts of their own: TokenDeletedWhileInUse, TokenChange, ...).
alerts() {
  { curl -fs "$AM/api/v2/alerts?active=true&silenced=false&inhibited=false" || echo '[]'; } |
    jq -r '.[] | .labels | select(.alertname == "TokenwatchFinding") |
      "\(.token_id) \(.finding) \(.severity)"' | sort
}

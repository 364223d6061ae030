#!/usr/bin/env bash
# The status page costs nothing while nobody watches it: cycles with only
# /metrics scraped render no page; a request for / gets a page rendered for
# it (the current data, not an old page and not the index of links); while
# someone has it open (it reloads itself every interval) it is rendered each
# cycle.  The daemon logs "status page rendered" at debug level.
source "$(dirname "$0")/lib.sh"

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"
cfg=$E2E_TMP/tw.ini
cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $E2E_TMP/state
log_level = debug
INI
chmod 600 "$cfg"
e2e_diagnose() { cat "$E2E_TMP/tw.log"; }
renders() { grep -c 'status page rendered' "$E2E_TMP/tw.log" || true; }

start_daemon "$cfg"
wait_cycles "$URL" 2 >/dev/null
[[ $(renders) == 0 ]] || fail "the status page was rendered with nobody asking ($(renders) times)"
pass "three cycles, /metrics scraped, no status page rendered"

curl -fsS "$URL/" -o "$E2E_TMP/page.html"
grep -qF 'The last collection succeeded.' "$E2E_TMP/page.html" ||
  { head -c 2000 "$E2E_TMP/page.html" >&2; fail "/ is not the status page of the current data"; }
grep -qF 'dbt-cloud-trigger' "$E2E_TMP/page.html" || fail "/ lacks the demo's tokens"
((n = $(renders))) && ((n >= 1)) || fail "no render logged for the request"
pass "a request for / gets a page rendered for it"

# Watched: each later cycle renders it again without a request.
c=$(metric "$URL" tokenwatch_cycles_total)
wait_cycles "$URL" $((c + 1)) >/dev/null
(($(renders) >= n + 2)) || fail "the watched page was not rendered each cycle ($(renders) after $n)"
pass "a watched page is rendered every cycle"

#!/usr/bin/env bash
# The daemon's live status page (/): the HTML report's view of the current
# evaluation, rendered once per cycle, reloading itself every interval (a
# <meta> refresh: the page's policy allows no script), with one time for the
# data and its age when rendered, and whether and why the last collection
# failed (an HTTP 500 on the token listing, a credential file gone, an API
# that refuses connections), behind the same auth as /metrics; loaded in headless
# Chromium (no console errors, every token id in the DOM, the failure in
# its header) with screenshots of both states in $TW_BINARY_DIR/test-artifacts/.
# Chromium comes from `scripts/install-deps.sh --test`.
source "$(dirname "$0")/lib.sh"
: "${TW_BINARY_DIR:?}"

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"
cfg=$E2E_TMP/tw.ini
token=$E2E_TMP/token # the daemon's copy of the credential, taken away below
install -m 600 "$SIM_CRED" "$token"
# "scrape-pw" at bcrypt cost 4 (tests/fuzz/fuzz_basic_auth.c)
HASH='$2b$04$bEczGDjbaIhZVJ4pC3iUuecUpXHMoazIAHC1I4sujVAr4r91SYv42'
write_config() { # EXTRA
  cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $token
max_retries = 0
display_name = Demo Org
[agent]
interval = 1s
listen = 127.0.0.1:0
state_dir = $E2E_TMP/state
log_level = warn
$1
INI
  chmod 600 "$cfg"
}
e2e_diagnose() { cat "$E2E_TMP/tw.log"; }
page_has() { curl -fs ${2:-} "$URL/" 2>/dev/null | grep -qF "$1"; }
# Waits until / holds text $1 ($2: curl options).
wait_page() { wait_for 20 "/ to show: $1" page_has "$1" "${2:-}"; }

command -v chromium >/dev/null || fail "chromium missing (scripts/install-deps.sh --test installs it)"
art=$TW_BINARY_DIR/test-artifacts
mkdir -p "$art"
rm -f "$art"/status-page*
# shot NAME: a screenshot of / in $art/NAME.png and its DOM
# in $E2E_TMP/NAME.dom, Chromium's log (console messages) in $E2E_TMP/NAME.log.
shot() {
  local profile
  for what in "--screenshot=$art/$1.png" --dump-dom; do
    profile=$(mktemp -d "$E2E_TMP/profile.XXXXXX")
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --disable-default-apps --user-data-dir="$profile" --enable-logging=stderr --v=0 \
      --hide-scrollbars --window-size=1280,1600 "$what" "$URL/" >"$E2E_TMP/$1.dom" \
      2>>"$E2E_TMP/$1.log" || { tail -20 "$E2E_TMP/$1.log" >&2; fail "chromium $what"; }
  done
  [[ $(head -c 8 "$art/$1.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
    fail "$1.png is not a PNG"
  ! grep -E ':CONSOLE(:|\()' "$E2E_TMP/$1.log" || fail "the status page logs console errors"
}

write_config ""
start_daemon "$cfg"
wait_page "The last collection succeeded."
curl -fsS -D "$E2E_TMP/headers" "$URL/" -o "$E2E_TMP/page.html"
page=$E2E_TMP/page.html
grep -qi '^content-type: text/html; charset=utf-8' "$E2E_TMP/headers" || fail "/ is not HTML"
# Real headers, not only the <meta> policy (which cannot forbid framing).
meta=$(sed -n 's/.*http-equiv="Content-Security-Policy" content="\([^"]*\)".*/\1/p' "$E2E_TMP/page.html")
[[ -n $meta ]] || fail "no <meta> policy"
grep -qiF "content-security-policy: $meta; frame-ancestors 'none'" "$E2E_TMP/headers" ||
  { cat "$E2E_TMP/headers" >&2; fail "no Content-Security-Policy header matching the page's"; }
for h in 'x-content-type-options: nosniff' 'cache-control: no-store' 'referrer-policy: no-referrer'; do
  grep -qi "^$h" "$E2E_TMP/headers" || fail "/ lacks $h"
done
curl -fsS -D "$E2E_TMP/mheaders" "$URL/metrics" -o /dev/null
grep -qi "^content-security-policy: default-src 'none'.*frame-ancestors 'none'" "$E2E_TMP/mheaders" ||
  fail "/metrics lacks the policy header"
for link in metrics healthz readyz; do
  grep -qF "<a href=\"$link\">" "$page" || fail "/ does not link $link"
done
"$TW_BIN" -c "$cfg" report --format json --fail-on never >"$E2E_TMP/report.json" 2>/dev/null
n=0
while read -r id; do
  grep -qF -- "$id" "$page" || fail "token $id is not on the status page"
  n=$((n + 1))
done < <(jq -r '.tokens[].id' "$E2E_TMP/report.json")
((n > 20)) || fail "only $n tokens"
! grep -qF "$(cat "$SIM_CRED")" "$page" || fail "the credential leaked into the status page"
pass "/ is the live view: every one of the $n tokens, links"

# It reloads itself at the collection interval (1s here), says how old
# its data was when it was rendered, and gives the data one time.
grep -qF '<meta http-equiv="refresh" content="1">' "$page" || fail "/ does not reload itself every 1s"
grep -qF 'Live view: the page reloads itself every 1 second.' "$page" || fail "/ does not say how often it reloads"
grep -qE 'was collected <time>[0-9TZ:-]+</time>, [a-z0-9 ]+ before this page was rendered\.' "$page" ||
  fail "/ does not say the data's age when rendered"
[[ $(grep -o '<time>' "$page" | wc -l) -eq 1 ]] || fail "/ gives the data more than one time"
! grep -qE '<dt>(Generated|Complete)</dt>|\(now\)' "$page" || fail "/ still shows Generated/Complete/(now)"
grep -qF '<title>Token security review: Demo Org</title>' "$page" || fail "/ lacks the display name"
pass "/ reloads itself every interval and shows the data's one time and its age"

shot status-page
while read -r id; do
  grep -qF -- "$id" "$E2E_TMP/status-page.dom" || fail "token $id is not in the DOM"
done < <(jq -r '.tokens[].id' "$E2E_TMP/report.json")
grep -qF 'The last collection succeeded.' "$E2E_TMP/status-page.dom" || fail "the DOM lacks the live banner"
pass "Chromium renders / without console errors; the DOM holds every token id; $art/status-page.png"

# A failing API: the page says so in its header, with the reason, over the
# last good data.
curl -fs -X POST --data '{"type":"status","status":500,"match":"/tokens"}' "$SIM_URL/_sim/faults" >/dev/null ||
  fail "sim refused the fault"
wait_page "The last collection failed</strong>: tokens "
curl -fs "$URL/" -o "$page"
grep -qE '<section class="live crit">.*The last collection failed</strong>: tokens [^<]*: HTTP 500: injected fault' \
  <(tr -d '\n' <"$page") || fail "the failure's reason is not in the page's header"
grep -qF "$(jq -r '.tokens[0].id' "$E2E_TMP/report.json")" "$page" || fail "the last good data left the page"
! grep -qF '<dt>Complete</dt>' "$page" || fail "a failed collection still says Complete"
shot status-page-failed
grep -qF 'HTTP 500: injected fault' "$E2E_TMP/status-page-failed.dom" || fail "the DOM lacks the failure's reason"
curl -fs -X DELETE "$SIM_URL/_sim/faults" >/dev/null
wait_page "The last collection succeeded."
pass "a failed collection is said in the header with its reason, over the last good data; $art/status-page-failed.png"

# A credential that cannot be read: the reason says which.
mv "$token" "$token.away"
wait_page "The last collection failed</strong>: the Astro API credential: [astro] token_file $token"
mv "$token.away" "$token"
wait_page "The last collection succeeded."
pass "a credential that cannot be read is said with its reason"

# Behind the same basic auth as /metrics.
stop_daemon
write_config "[web.basic_auth_users]
prometheus = $HASH"
start_daemon "$cfg"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/") == 401 ]] || fail "/ answers without credentials"
wait_page "The last collection succeeded." "-u prometheus:scrape-pw"
pass "/ is behind the same basic auth as /metrics"

# An API that refuses connections: the reason names it.
sim_port=${SIM_URL##*:}
kill "$SIM_PID"
wait "$SIM_PID" 2>/dev/null || true
wait_page "The last collection failed</strong>: connection: Failed to connect to 127.0.0.1 port $sim_port" \
  "-u prometheus:scrape-pw"
pass "a refused connection is said with its reason"

# [web] status_page = false: / is gone, /metrics stays.
stop_daemon
write_config "[web]
status_page = false"
start_daemon "$cfg"
# The API is down by now: a served page of self-metrics is enough.
metrics_ready() { curl -fsS "$URL/metrics" 2>/dev/null | grep -q '^tokenwatch_collection_success'; }
wait_for 20 "/metrics without the status page" metrics_ready
[[ $(curl -s -o "$E2E_TMP/off.html" -w '%{http_code}' "$URL/") == 404 ]] || fail "/ answers with status_page = false"
! grep -q 'Live view' "$E2E_TMP/off.html" || fail "the status page is served with status_page = false"
pass "[web] status_page = false turns the status page off"

#!/usr/bin/env bash
# The daemon's live status page (/): the HTML report's view of the current
# evaluation, rendered once per cycle, with how old the data is and whether
# the last collection failed, behind the same auth as /metrics; loaded in
# headless Chromium (no console errors, every token id in the DOM, a
# screenshot in $TW_BINARY_DIR/test-artifacts/).
source "$(dirname "$0")/lib.sh"
: "${TW_BINARY_DIR:?}"

start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"
cfg=$E2E_TMP/tw.ini
# "scrape-pw" at bcrypt cost 4 (tests/fuzz/fuzz_basic_auth.c)
HASH='$2b$04$bEczGDjbaIhZVJ4pC3iUuecUpXHMoazIAHC1I4sujVAr4r91SYv42'
write_config() { # EXTRA
  cat >"$cfg" <<INI
[astro]
api_url = $SIM_URL
token_file = $SIM_CRED
max_retries = 0
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

write_config ""
start_daemon "$cfg"
wait_page "The last collection succeeded."
curl -fsS -D "$E2E_TMP/headers" "$URL/" -o "$E2E_TMP/page.html"
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
  grep -qF "<a href=\"$link\">" "$E2E_TMP/page.html" || fail "/ does not link $link"
done
"$TW_BIN" -c "$cfg" report --format json --fail-on never >"$E2E_TMP/report.json" 2>/dev/null
n=0
while read -r id; do
  grep -qF -- "$id" "$E2E_TMP/page.html" || fail "token $id is not on the status page"
  n=$((n + 1))
done < <(jq -r '.tokens[].id' "$E2E_TMP/report.json")
((n > 20)) || fail "only $n tokens"
! grep -qF "$(cat "$SIM_CRED")" "$E2E_TMP/page.html" || fail "the credential leaked into the status page"
pass "/ is the live view: every one of the $n tokens, data age, links"

command -v chromium >/dev/null || fail "chromium missing (scripts/install-deps.sh installs it)"
art=$TW_BINARY_DIR/test-artifacts
mkdir -p "$art"
profile=$(mktemp -d "$E2E_TMP/profile.XXXXXX")
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-default-apps --user-data-dir="$profile" --enable-logging=stderr --v=0 \
  --hide-scrollbars --window-size=1280,2400 --screenshot="$art/status-page.png" \
  "$URL/" >/dev/null 2>"$E2E_TMP/shot.log" || { tail -20 "$E2E_TMP/shot.log" >&2; fail "chromium screenshot"; }
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-default-apps --user-data-dir="$profile" --enable-logging=stderr --v=0 \
  --dump-dom "$URL/" >"$E2E_TMP/dom" 2>"$E2E_TMP/dom.log" || { tail -20 "$E2E_TMP/dom.log" >&2; fail "chromium"; }
! grep -E ':CONSOLE(:|\()' "$E2E_TMP/dom.log" || fail "the status page logs console errors"
while read -r id; do
  grep -qF -- "$id" "$E2E_TMP/dom" || fail "token $id is not in the DOM"
done < <(jq -r '.tokens[].id' "$E2E_TMP/report.json")
grep -q 'Live view' "$E2E_TMP/dom" || fail "the DOM lacks the live banner"
[[ $(head -c 8 "$art/status-page.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
  fail "the screenshot is not a PNG"
pass "Chromium renders / without console errors; the DOM holds every token id; $art/status-page.png"

# A failing API: the page says so, and keeps the last good data.
curl -fs -X POST --data '{"type":"status","status":500,"match":"/tokens"}' "$SIM_URL/_sim/faults" >/dev/null ||
  fail "sim refused the fault"
wait_page "The last collection failed"
grep -qF "$(jq -r '.tokens[0].id' "$E2E_TMP/report.json")" <(curl -fs "$URL/") ||
  fail "the last good data left the page"
curl -fs -X DELETE "$SIM_URL/_sim/faults" >/dev/null
wait_page "The last collection succeeded."
pass "a failed collection is said on the page, over the last good data"

# Behind the same basic auth as /metrics.
stop_daemon
write_config "[web.basic_auth_users]
prometheus = $HASH"
start_daemon "$cfg"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/") == 401 ]] || fail "/ answers without credentials"
wait_page "Live view" "-u prometheus:scrape-pw"
pass "/ is behind the same basic auth as /metrics"

# [web] status_page = false: / is gone, /metrics stays.
stop_daemon
write_config "[web]
status_page = false"
start_daemon "$cfg"
metrics_ready() { curl -fsS "$URL/metrics" 2>/dev/null | grep -q '^astro_token_info{'; }
wait_for 20 "/metrics without the status page" metrics_ready
[[ $(curl -s -o "$E2E_TMP/off.html" -w '%{http_code}' "$URL/") == 404 ]] || fail "/ answers with status_page = false"
! grep -q 'Live view' "$E2E_TMP/off.html" || fail "the status page is served with status_page = false"
pass "[web] status_page = false turns the status page off"

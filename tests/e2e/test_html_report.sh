#!/usr/bin/env bash
# The HTML report end to end: the demo organization's page against its
# golden file, then loaded by a real browser (headless Chromium): no console
# error (a Content-Security-Policy violation is one), every token id of the
# JSON report in the DOM, screenshots (desktop, phone) and a PDF (print) kept
# in $TW_BINARY_DIR/test-artifacts/ for a person to look at.
source "$(dirname "$0")/lib.sh"
: "${TW_BINARY_DIR:?}"

BASE=2026-12-01T00:00:00Z
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --base-time "$BASE"
cfg=$E2E_TMP/demo.ini
printf '[astro]\napi_url = %s\ntoken_file = %s\n[agent]\nlog_level = error\n[audit_logs]\nenabled = false\n' \
  "$SIM_URL" "$SIM_CRED" >"$cfg"

html=$E2E_TMP/demo-report.html
"$TW_BIN" -c "$cfg" report --format html --now "$BASE" --fail-on never -o "$html"
"$TW_BIN" -c "$cfg" report --format json --now "$BASE" --fail-on never >"$E2E_TMP/demo.json"
golden demo-report.html "$html"
! grep -qF "$(cat "$SIM_CRED")" "$html" || fail "the credential leaked into the HTML report"
pass "demo report --format html matches its golden file"

command -v chromium >/dev/null || fail "chromium missing (scripts/install-deps.sh installs it)"
art=$TW_BINARY_DIR/test-artifacts
mkdir -p "$art"
cp "$html" "$art/demo-report.html"

# One headless Chromium run on file $1 with extra flags; stdout to $2, the
# browser's log (console messages included) to $2.log.  Nothing leaves the
# machine: the page's CSP allows no fetch and background networking is off.
browse() {
  local page=$1 out=$2 profile
  shift 2
  profile=$(mktemp -d "$E2E_TMP/profile.XXXXXX")
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --user-data-dir="$profile" --enable-logging=stderr --v=0 \
    "$@" "file://$page" >"$out" 2>"$out.log" || { tail -20 "$out.log" >&2; fail "chromium $*"; }
}

console_errors() { grep -E ':CONSOLE(:|\()' "$1" || true; }

browse "$html" "$E2E_TMP/dom" --dump-dom
[[ -z $(console_errors "$E2E_TMP/dom.log") ]] ||
  { console_errors "$E2E_TMP/dom.log" >&2; fail "the page logs console errors"; }
grep -q '<h2 id="tokens">Tokens' "$E2E_TMP/dom" || fail "the DOM lacks the tokens table"
n=0
while read -r id; do
  grep -qF -- "$id" "$E2E_TMP/dom" || fail "token $id is not in the DOM"
  n=$((n + 1))
done < <(jq -r '.tokens[].id' "$E2E_TMP/demo.json")
((n > 20)) || fail "only $n token ids in the JSON report"
[[ $(grep -o '<tr id="t[0-9]*"' "$E2E_TMP/dom" | wc -l) -eq $n ]] || fail "not one row per token"
pass "Chromium renders the page without console errors; the DOM holds all $n token ids"

# The console check catches what the CSP refuses (so a clean log means something).
sed 's|</body>|<img src="data:,x"><p onclick="x()">x</p></body>|' "$html" >"$E2E_TMP/bad.html"
browse "$E2E_TMP/bad.html" "$E2E_TMP/bad" --dump-dom
console_errors "$E2E_TMP/bad.log" | grep -q 'Content Security Policy' ||
  fail "a CSP violation did not show up as a console error"
pass "a CSP violation shows up as a console error"

browse "$html" "$E2E_TMP/shot" --hide-scrollbars --window-size=1280,2400 \
  --screenshot="$art/demo-report.png"
browse "$html" "$E2E_TMP/phone" --hide-scrollbars --window-size=412,1800 \
  --screenshot="$art/demo-report-phone.png"
browse "$html" "$E2E_TMP/pdf" --no-pdf-header-footer --print-to-pdf="$art/demo-report.pdf"
for f in demo-report.png demo-report-phone.png; do
  [[ $(head -c 8 "$art/$f" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$f is not a PNG"
done
[[ $(head -c 5 "$art/demo-report.pdf") == %PDF- ]] || fail "the printed page is not a PDF"
pass "screenshots and a printed PDF in $art"
echo "all HTML report checks passed"

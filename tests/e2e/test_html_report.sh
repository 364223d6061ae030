#!/usr/bin/env bash
# The HTML report end to end: the demo organization's page against its
# golden file, then loaded by a real browser (headless Chromium): no console
# error (a Content-Security-Policy violation is one), every token id of the
# JSON report in the DOM, every critical or warning token on the timeline
# numbered and listed under it, counts that agree with the JSON report, and
# screenshots (desktop, phone), a PDF (print) and its pages as PNG kept in
# $TW_BINARY_DIR/test-artifacts/ for a person to look at.  Chromium and
# pdftoppm come from `scripts/install-deps.sh --test`.
source "$(dirname "$0")/lib.sh"
: "${TW_BINARY_DIR:?}"

BASE=2026-12-01T00:00:00Z
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" --base-time "$BASE"
cfg=$E2E_TMP/demo.ini
printf '[astro]\napi_url = %s\ntoken_file = %s\ndisplay_name = Demo Org\n[agent]\nlog_level = error\n[audit_logs]\nenabled = false\n' \
  "$SIM_URL" "$SIM_CRED" >"$cfg"

html=$E2E_TMP/demo-report.html
"$TW_BIN" -c "$cfg" report --format html --now "$BASE" --fail-on never -o "$html"
"$TW_BIN" -c "$cfg" report --format json --now "$BASE" --fail-on never >"$E2E_TMP/demo.json"
golden demo-report.html "$html"
! grep -qF "$(cat "$SIM_CRED")" "$html" || fail "the credential leaked into the HTML report"
pass "demo report --format html matches its golden file"

grep -qF '<title>Token security review: Demo Org</title>' "$html" || fail "the title lacks the display name"
grep -qF '<h1>Token security review: <bdi>Demo Org</bdi></h1>' "$html" || fail "the heading lacks the display name"
for s in summary expiries findings workspaces tokens changes usage suppressions; do
  grep -qF "<li><a href=\"#$s\">" "$html" || fail "the table of contents lacks #$s"
  grep -qE "<h2 id=\"$s\">" "$html" || fail "the table of contents links #$s, which is no section"
done
# Counts that name the same quantity say the same number.
n_org=$(jq '[.tokens[] | select(.scope == "ORGANIZATION")] | length' "$E2E_TMP/demo.json")
grep -qF "$n_org ORGANIZATION" "$html" || fail "the Tokens card does not say $n_org ORGANIZATION"
grep -qF "<bdi>Organization-scoped tokens</bdi></td><td class=\"num\" data-l=\"Tokens\">$n_org</td>" "$html" ||
  fail "the By workspace row of organization-scoped tokens does not say $n_org"
n_expiring=$(jq '[.tokens[] | select(any(.findings[]; .kind == "expiring" and (.suppressed | not)))] | length' \
  "$E2E_TMP/demo.json")
grep -qF "($n_expiring of them with an active expiring finding)" "$html" ||
  fail "the timeline's caption does not say the $n_expiring tokens with an expiring finding"
grep -qF "<li><a href=\"#findings\">Findings ($(jq '[.tokens[].findings[] | select(.suppressed | not)] | length' \
  "$E2E_TMP/demo.json"))</a></li>" "$html" || fail "the table of contents miscounts the findings"
pass "title, table of contents and counts agree with the JSON report"

command -v chromium >/dev/null || fail "chromium missing (scripts/install-deps.sh --test installs it)"
command -v pdftoppm >/dev/null || fail "pdftoppm missing (scripts/install-deps.sh --test installs poppler-utils)"
art=$TW_BINARY_DIR/test-artifacts
mkdir -p "$art"
rm -f "$art"/demo-report*
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
dom=$E2E_TMP/dom
[[ -z $(console_errors "$dom.log") ]] ||
  { console_errors "$dom.log" >&2; fail "the page logs console errors"; }
grep -q '<h2 id="tokens">Tokens' "$dom" || fail "the DOM lacks the tokens table"
n=0
while read -r id; do
  grep -qF -- "$id" "$dom" || fail "token $id is not in the DOM"
  n=$((n + 1))
done < <(jq -r '.tokens[].id' "$E2E_TMP/demo.json")
((n > 20)) || fail "only $n token ids in the JSON report"
[[ $(grep -o '<tr id="t[0-9]*"' "$dom" | wc -l) -eq $n ]] || fail "not one row per token"
pass "Chromium renders the page without console errors; the DOM holds all $n token ids"

# The timeline: each token with an active finding that expired or expires
# within 90 days has a numbered dot, and the list under the chart gives that
# number the token's name; numbers run 1..n without gaps.
flagged=$(jq -r '(.generated_at | fromdateiso8601) as $now | .tokens[]
  | select(.expires_at != null and (.expires_at | fromdateiso8601) <= $now + 90 * 86400)
  | select(any(.findings[]; .suppressed | not)) | [.id, .name] | @tsv' "$E2E_TMP/demo.json")
[[ -n $flagged ]] || fail "the demo has no critical or warning token on the timeline"
nums=()
while IFS=$'\t' read -r id name; do
  row=$(grep -oE "<tr id=\"t[0-9]+\">.*$id" "$dom" | grep -oE '^<tr id="t[0-9]+"' | grep -oE '[0-9]+')
  [[ -n $row ]] || fail "no row for token $id"
  dot=$(grep -oE "<a href=\"#t$row\"><title>[^<]*</title><circle class=\"(crit|warn)\"[^>]*>(</circle>)?<text class=\"n (crit|warn)\"[^>]*>[0-9]+</text>" "$dom" |
    grep -oE '>[0-9]+</text>$' | grep -oE '[0-9]+') || fail "token $name ($id) has no numbered dot"
  grep -qF "<li><span class=\"badge crit\">$dot</span> <a href=\"#t$row\"><bdi>$name</bdi></a>" "$dom" ||
    grep -qF "<li><span class=\"badge warn\">$dot</span> <a href=\"#t$row\"><bdi>$name</bdi></a>" "$dom" ||
    fail "dot $dot ($name) is not listed under the timeline"
  nums+=("$dot")
done <<<"$flagged"
[[ $(printf '%s\n' "${nums[@]}" | sort -n | tr '\n' ' ') == "$(seq -s ' ' 1 ${#nums[@]}) " ]] ||
  fail "the timeline's numbers are not 1..${#nums[@]}: ${nums[*]}"
[[ $(grep -o '<li><span class="badge ' "$dom" | wc -l) -eq ${#nums[@]} ]] ||
  fail "the timeline lists other tokens than the ${#nums[@]} flagged ones"
! grep -qF 'not drawn: too many' "$dom" || fail "a flagged token's dot is hidden"
pass "the timeline numbers and lists all ${#nums[@]} critical and warning tokens on it"

# The console check catches what the CSP refuses (so a clean log means something).
sed 's|</body>|<img src="data:,x"><p onclick="x()">x</p></body>|' "$html" >"$E2E_TMP/bad.html"
browse "$E2E_TMP/bad.html" "$E2E_TMP/bad" --dump-dom
console_errors "$E2E_TMP/bad.log" | grep -q 'Content Security Policy' ||
  fail "a CSP violation did not show up as a console error"
pass "a CSP violation shows up as a console error"

browse "$html" "$E2E_TMP/shot" --hide-scrollbars --window-size=1280,6400 \
  --screenshot="$art/demo-report.png"
browse "$html" "$E2E_TMP/phone" --hide-scrollbars --window-size=412,1800 \
  --screenshot="$art/demo-report-phone.png"
browse "$html" "$E2E_TMP/pdf" --no-pdf-header-footer --print-to-pdf="$art/demo-report.pdf"
[[ $(head -c 5 "$art/demo-report.pdf") == %PDF- ]] || fail "the printed page is not a PDF"
pdftoppm -r 80 -png "$art/demo-report.pdf" "$art/demo-report-print" || fail "pdftoppm"
for f in "$art"/demo-report.png "$art"/demo-report-phone.png "$art"/demo-report-print-*.png; do
  [[ $(head -c 8 "$f" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$f is not a PNG"
done
prints=("$art"/demo-report-print-*.png)
pages=${#prints[@]}
((pages >= 2 && pages <= 8)) || fail "the printed report has $pages pages"
# On paper every token row and the timeline's list are there (the text layer).
pdftotext -layout "$art/demo-report.pdf" "$E2E_TMP/print.txt" 2>/dev/null || fail "pdftotext"
while IFS=$'\t' read -r _ name; do
  grep -qF -- "$name" "$E2E_TMP/print.txt" || fail "the printout lacks $name"
done <<<"$flagged"
pass "screenshots, a printed PDF ($pages pages) and its pages as PNG in $art"
echo "all HTML report checks passed"

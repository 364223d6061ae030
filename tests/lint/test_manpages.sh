#!/usr/bin/env bash
# tokenwatch(8) documents every option and command `tokenwatch --help` lists:
# each option as "*--long*" / "*-x*", each command as a term line "*command*"
# (man/tokenwatch.8.scd).  And proof that the check catches a missing one.
set -euo pipefail
: "${TW_SOURCE_DIR:?run through ctest}" "${TW_BIN:?}"
tmp=$(mktemp -d /tmp/tw-manpages.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Prints what help text $1 lists that page $2 lacks, one per line.
missing() {
  local help=$1 page=$2 opt cmd
  # options: every --long anywhere, every -x that starts an option line
  { grep -oE -- '--[a-z][a-z-]*' "$help" || true; } | sort -u | while read -r opt; do
    grep -qF -- "*$opt*" "$page" || echo "option $opt"
  done
  { grep -oE -- '^ +-[a-zA-Z],' "$help" || true; } | tr -d ' ,' | sort -u | while read -r opt; do
    grep -qF -- "*$opt*" "$page" || echo "option $opt"
  done
  # commands: the indented first words of the Commands: block
  awk '/^Commands:/ {in_cmds = 1; next} /^$/ {in_cmds = 0} in_cmds {print $1}' "$help" |
    while read -r cmd; do
      grep -qE -- "^\*$cmd\*" "$page" || echo "command $cmd"
    done
}

page=$TW_SOURCE_DIR/man/tokenwatch.8.scd
"$TW_BIN" --help >"$tmp/help"
n=$(grep -cE -- '--[a-z]' "$tmp/help")
((n >= 10)) || fail "--help lists only $n option lines?"
missing "$tmp/help" "$page" >"$tmp/missing"
[[ ! -s $tmp/missing ]] || { cat "$tmp/missing" >&2; fail "tokenwatch(8) lacks what --help lists"; }
echo "ok - tokenwatch(8) documents every option and command of --help"

# The check catches a new option, a new short option and a new command.
cp "$tmp/help" "$tmp/help2"
sed -i 's/^Options:$/Options:\n  -Z, --zap-cache     a new option/' "$tmp/help2"
sed -i 's/^Commands:$/Commands:\n  frobnicate          a new command/' "$tmp/help2"
missing "$tmp/help2" "$page" >"$tmp/missing2"
for want in "option --zap-cache" "option -Z" "command frobnicate"; do
  grep -qxF -- "$want" "$tmp/missing2" || fail "the check missed '$want': $(cat "$tmp/missing2")"
done
grep -v -- '--once' "$page" >"$tmp/page"
missing "$tmp/help" "$tmp/page" | grep -qxF -- "option --once" || fail "the check missed a removed option"
echo "ok - the check catches undocumented options and commands"

# The page is valid scdoc (the build renders it too when scdoc is installed).
if command -v scdoc >/dev/null; then
  for p in "$TW_SOURCE_DIR"/man/*.scd; do
    scdoc <"$p" >"$tmp/page.roff" || fail "scdoc rejects $p"
  done
  echo "ok - scdoc accepts every page"
fi

#!/usr/bin/env bash
# scripts/install-deps.sh installs what building and running needs, and with
# --test also what the tests need; the demo asks for the former only and
# scripts/test.sh for both.  Run against stub dpkg-query (nothing installed)
# and apt-get (records what it is asked), so nothing is installed here.
set -euo pipefail
: "${TW_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d /tmp/tw-install-deps.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$tmp/bin"
printf '#!/bin/sh\nexit 1\n' >"$tmp/bin/dpkg-query"
printf '#!/bin/sh\necho "$*" >>"%s/apt"\n' "$tmp" >"$tmp/bin/apt-get"
printf '#!/bin/sh\necho 0\n' >"$tmp/bin/id"
chmod +x "$tmp/bin/"*

# What install-deps.sh [args] asks apt-get to install, one package a line.
asked() {
  rm -f "$tmp/apt"
  PATH=$tmp/bin:$PATH bash "$TW_SOURCE_DIR/scripts/install-deps.sh" "$@" 2>"$tmp/err" ||
    fail "install-deps.sh $*: $(cat "$tmp/err")"
  grep '^install ' "$tmp/apt" | tr ' ' '\n' | grep -v -- '^-' | grep -vx install | sort
}

asked >"$tmp/build"
asked --test >"$tmp/all"
for p in build-essential cmake pkg-config libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev \
  libinih-dev zlib1g-dev libgnutls28-dev libcrypt-dev scdoc dpkg-dev file ca-certificates tzdata; do
  grep -qx "$p" "$tmp/build" || fail "building and running lacks $p"
done
for p in libcmocka-dev prometheus prometheus-alertmanager wrk chromium clang-14 libfuzzer-14-dev \
  lintian clang-format jq; do
  ! grep -qx "$p" "$tmp/build" || fail "building and running installs the tests' $p"
  grep -qx "$p" "$tmp/all" || fail "--test lacks $p"
done
comm -23 "$tmp/build" "$tmp/all" | grep -q . && fail "--test does not include the build packages"
echo "ok - install-deps.sh: build and run ($(wc -l <"$tmp/build") packages), --test adds the tests' ($(wc -l <"$tmp/all") in all)"

set +e
PATH=$tmp/bin:$PATH bash "$TW_SOURCE_DIR/scripts/install-deps.sh" --frobnicate 2>/dev/null
code=$?
set -e
[[ $code -eq 2 ]] || fail "an unknown option exits $code, want 2"

grep -qx 'scripts/install-deps.sh' "$TW_SOURCE_DIR/scripts/demo.sh" || fail "the demo does not install the build packages only"
grep -qx 'scripts/install-deps.sh --test' "$TW_SOURCE_DIR/scripts/test.sh" || fail "scripts/test.sh does not install the tests' packages"
echo "ok - the demo installs what building needs, scripts/test.sh the rest"

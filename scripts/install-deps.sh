#!/usr/bin/env bash
# Installs everything tokenwatch needs to build, run and test on Debian 12.
# Idempotent; run as root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev libinih-dev
  zlib1g-dev libgnutls28-dev libcrypt-dev libsodium-dev
  libcmocka-dev
  prometheus prometheus-alertmanager wrk gnutls-bin openssl curl jq python3 clang-format
  clang-14 libfuzzer-14-dev
  scdoc dpkg-dev lintian systemd chromium
  tzdata
  buildah iproute2 python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages (${missing[*]}): run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

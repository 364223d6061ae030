#!/usr/bin/env bash
# Installs what tokenwatch needs on Debian 12.  Idempotent; run as root.
#   scripts/install-deps.sh          building and running it: the agent, the
#                                    demo (scripts/demo.sh) and the package
#   scripts/install-deps.sh --test   also what the tests need (scripts/test.sh):
#                                    cmocka, Prometheus, Alertmanager, Chromium,
#                                    clang and libFuzzer, lintian, buildah, ...
set -euo pipefail

# Building, running, the man pages and the package (dpkg-shlibdeps, file).
build=(
  build-essential cmake pkg-config ca-certificates tzdata
  libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev libinih-dev
  zlib1g-dev libgnutls28-dev libcrypt-dev libsodium-dev
  scdoc dpkg-dev file
)
# The tests: unit tests, real servers, browsers, linters, fuzzing, benchmarks,
# the container image (buildah, iproute2) and the Kubernetes manifests.
test=(
  libcmocka-dev git
  prometheus prometheus-alertmanager wrk gnutls-bin openssl curl jq python3 clang-format
  clang-14 libfuzzer-14-dev
  lintian systemd chromium poppler-utils
  buildah iproute2 python3-yaml
)

case ${1:-} in
  "") packages=("${build[@]}") what="building and running tokenwatch" ;;
  --test) packages=("${build[@]}" "${test[@]}") what="building tokenwatch and running its tests" ;;
  *)
    echo "usage: $0 [--test]" >&2
    exit 2
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages for $what (${missing[*]}): run as root" >&2
  exit 1
fi
echo "install-deps: installing ${#missing[@]} packages for $what: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

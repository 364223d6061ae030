#!/usr/bin/env bash
# deploy/kubernetes: the generated manifests are what scripts/gen-kubernetes.sh
# makes; every manifest parses and agrees with the others, the daemon's
# defaults and the image (tests/lint/kubernetes_check.py); promtool accepts the
# rules the PrometheusRule carries. And proof that the check catches drift.
set -euo pipefail
: "${TW_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d /tmp/tw-kubernetes.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

py=
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import yaml' 2>/dev/null; then py=$p; break; fi
done
[[ -n $py ]] || fail "no python3 with PyYAML (scripts/install-deps.sh installs python3-yaml)"
command -v promtool >/dev/null || fail "promtool missing (scripts/install-deps.sh installs prometheus)"
check=$TW_SOURCE_DIR/tests/lint/kubernetes_check.py
manifests=$TW_SOURCE_DIR/deploy/kubernetes

bash "$TW_SOURCE_DIR/scripts/gen-kubernetes.sh" --check || fail "generated manifests are stale"
pass "prometheusrule.yaml and configmap.yaml are what scripts/gen-kubernetes.sh makes"
"$py" "$check" "$TW_SOURCE_DIR" "$manifests" "$tmp/rules.yml" || fail "deploy/kubernetes is inconsistent"
pass "every manifest parses; names, labels, ports, probes, mounts and security settings agree"
promtool check rules "$tmp/rules.yml" >"$tmp/promtool.out" 2>&1 || { cat "$tmp/promtool.out" >&2; fail "promtool check rules"; }
pass "promtool check rules on the PrometheusRule's rules: $(grep -o 'SUCCESS.*' "$tmp/promtool.out")"

# Drift the check must catch: file | sed expression | a word of the message.
mutants=(
  'deployment.yaml|s#path: /healthz#path: /health#|livenessProbe'
  'deployment.yaml|s#containerPort: 9842#containerPort: 9843#|port metrics'
  'deployment.yaml|s#readOnlyRootFilesystem: true#readOnlyRootFilesystem: false#|read-only'
  'deployment.yaml|s#fsGroup: 65532#fsGroup: 1000#|fsGroup'
  'deployment.yaml|s#mountPath: /run/secrets/tokenwatch#mountPath: /run/secrets/astro#|token_file'
  'deployment.yaml|s#replicas: 1#replicas: 2#|replicas'
  'service.yaml|s#targetPort: metrics#targetPort: http#|port metrics'
  'service.yaml|s#^  name: tokenwatch$#  name: tokenwatch-metrics#|the rules look for job'
  'servicemonitor.yaml|s#path: /metrics#path: /stats#|endpoints'
  'networkpolicy.yaml|s#port: 443#port: 8443#|egress'
  'configmap.yaml|s#listen = :9842#listen = 127.0.0.1:9842#|etc/container/tokenwatch.ini'
  'prometheusrule.yaml|s#for: 15m#for: 1h#|etc/prometheus/tokenwatch-rules.yml'
  'secret.yaml.example|s#REPLACE-WITH-AN-ASTRO-API-TOKEN#eyJhbGciOiJSUzI1NiJ9.e30.c2ln#|placeholder'
  'kustomization.yaml|/- networkpolicy.yaml/d|resources'
  'kustomization.yaml|s#newTag: .*#newTag: "9.9.9"#|image tag'
)
for m in "${mutants[@]}"; do
  IFS='|' read -r file expr want <<<"$m"
  rm -rf "$tmp/m" && cp -r "$manifests" "$tmp/m"
  sed -i "$expr" "$tmp/m/$file"
  cmp -s "$manifests/$file" "$tmp/m/$file" && fail "mutant '$m' changed nothing"
  if "$py" "$check" "$TW_SOURCE_DIR" "$tmp/m" 2>"$tmp/err"; then fail "the check missed: $m"; fi
  grep -q -- "$want" "$tmp/err" || { cat "$tmp/err" >&2; fail "the check caught '$m' without saying '$want'"; }
done
pass "the check catches ${#mutants[@]} kinds of drift"

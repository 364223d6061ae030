#!/usr/bin/env bash
# The OCI image end to end. scripts/image.sh builds it from the binary under
# test; `buildah run` (chroot isolation, host network) runs it against
# tw-astrosim with the shipped container config (api_url aside), the token
# mounted the way a Kubernetes Secret volume with fsGroup lays it out
# (root:65532 0440) and the state volume the way an emptyDir does (root, 2777):
#   - the image: under 30 MB; entrypoint, command, port, user and labels; no file
#     but the binary, the libraries it links, the CA bundle, zoneinfo, passwd,
#     group, nsswitch.conf, the config and copyright files; only
#     /var/lib/tokenwatch writable by the tokenwatch user;
#   - `report --format json` inside lists every token of the organization;
#   - the daemon inside serves /metrics on :9842 to the host, as uid 65532
#     without capabilities, logs logfmt to stderr, keeps its state in the
#     volume and stops within 5 s of SIGTERM;
#   - its TLS stack reads the CA bundle and verifies: a self-signed server is
#     refused as such.
# It runs in a network namespace of its own: :9842 is free and nothing it
# starts is reachable from outside the test.
set -euo pipefail
if [[ -z ${TW_IMAGE_NETNS:-} ]]; then
  if ! command -v buildah >/dev/null; then
    echo "skip - buildah is not installed (scripts/install-deps.sh installs it): the image is not tested"
    exit 0
  fi
  [[ $(id -u) -eq 0 ]] || { echo "FAIL: the image test needs root (buildah, a network namespace)" >&2; exit 1; }
  exec unshare --net env TW_IMAGE_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
source "$(dirname "$0")/lib.sh"
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs} BUILDAH_ISOLATION=chroot

TW_UID=65532 MAX_BYTES=30000000
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
name=localhost/tokenwatch-e2e-$$
version=$("$TW_BIN" --version | awk '{print $2}')
image=$name:$version
ctr=tokenwatch-e2e-$$
image_cleanup() {
  buildah rm "$ctr" >/dev/null 2>&1 || true
  buildah rmi "$image" >/dev/null 2>&1 || true
  e2e_cleanup
}
trap image_cleanup EXIT

t0=$EPOCHREALTIME
bash "$TW_SOURCE_DIR/scripts/image.sh" --binary "$TW_BIN" --tag "$name" --no-latest >"$E2E_TMP/build.log" 2>&1 ||
  { cat "$E2E_TMP/build.log" >&2; fail "scripts/image.sh"; }
pass "scripts/image.sh built $image in $(since "$t0") s: $(tail -1 "$E2E_TMP/build.log")"

# The image's configuration and size.
buildah inspect --type image "$image" >"$E2E_TMP/inspect.json"
jq -r .Manifest "$E2E_TMP/inspect.json" >"$E2E_TMP/manifest.json"
size=$(jq '[.layers[].size] | add' "$E2E_TMP/manifest.json")
if ldd "$TW_BIN" | grep -qE 'lib(a|ub|t)san'; then
  echo "skip - size: $size bytes with a sanitizer runtime; the target applies to the normal build"
else
  ((size < MAX_BYTES)) || fail "the image is $size bytes, over $MAX_BYTES"
  pass "the image is $size bytes uncompressed (target: under $MAX_BYTES)"
fi
jq -e --arg v "$version" --arg u "$TW_UID:$TW_UID" '.OCIv1.config
  | .Entrypoint == ["/usr/bin/tokenwatch"] and .Cmd == ["-c", "/etc/tokenwatch/tokenwatch.ini", "run"]
    and .ExposedPorts == {"9842/tcp": {}} and .User == $u and .StopSignal == "SIGTERM"
    and .Labels["org.opencontainers.image.version"] == $v
    and (.Labels["org.opencontainers.image.revision"] | test("^[0-9a-f]{40}$|^unknown$"))
    and (.Labels["org.opencontainers.image.source"] | length > 0)
    and (.Labels["org.opencontainers.image.licenses"] | length > 0)' "$E2E_TMP/inspect.json" >/dev/null ||
  { jq .OCIv1.config "$E2E_TMP/inspect.json" >&2; fail "image config"; }
mapfile -t argv < <(jq -r '.OCIv1.config | (.Entrypoint + .Cmd)[]' "$E2E_TMP/inspect.json")
pass "entrypoint, command, port 9842, user $TW_UID, stop signal and OCI labels"

# Its files, from a fresh working container (before any run adds mount points).
buildah from --quiet --name "$ctr" "$image" >/dev/null
mnt=$(buildah mount "$ctr")
(cd "$mnt" && find . -mindepth 1 -printf '%y %U:%G %m %P\n' | sort -k4) >"$E2E_TMP/files"
cp "$mnt/etc/passwd" "$mnt/etc/group" "$E2E_TMP/"
buildah umount "$ctr" >/dev/null
unexpected=$(awk '$1 != "d" {print $4}' "$E2E_TMP/files" | grep -vxE \
  'usr/bin/tokenwatch|lib(64)?/([a-z0-9_]+-linux-gnu/)?[^/]+\.so[.0-9]*|etc/(passwd|group|nsswitch\.conf)|etc/ssl/certs/ca-certificates\.crt|etc/tokenwatch/tokenwatch\.ini|usr/share/zoneinfo/.+|usr/share/doc/[^/]+/copyright' || true)
[[ -z $unexpected ]] || fail "unexpected files in the image: $unexpected"
grep -qx "d $TW_UID:$TW_UID 700 var/lib/tokenwatch" "$E2E_TMP/files" || fail "/var/lib/tokenwatch is not 0700 tokenwatch's"
# Owned by the tokenwatch user or group, or writable by others: only its home.
awk -v u="$TW_UID" '$1 != "l" && ($2 ~ "(^|:)" u "(:|$)" || $3 ~ /[2367]$/)' "$E2E_TMP/files" |
  grep -vx "d $TW_UID:$TW_UID 700 var/lib/tokenwatch" && fail "more than /var/lib/tokenwatch is writable by the tokenwatch user"
grep -qx "tokenwatch:x:$TW_UID:$TW_UID:tokenwatch:/var/lib/tokenwatch:/sbin/nologin" "$E2E_TMP/passwd" &&
  grep -qx "tokenwatch:x:$TW_UID:" "$E2E_TMP/group" || fail "no tokenwatch user and group $TW_UID"
ldd "$TW_BIN" | awk '$2 == "=>" {n = split($3, p, "/"); print p[n]} $1 ~ /^\// {n = split($1, p, "/"); print p[n]}' |
  sort >"$E2E_TMP/linked"
awk '$4 ~ /^lib/ && $1 == "f" {n = split($4, p, "/"); print p[n]}' "$E2E_TMP/files" | sort >"$E2E_TMP/libs"
diff -u "$E2E_TMP/linked" "$E2E_TMP/libs" || fail "the image's libraries are not exactly those the binary links"
pass "no shell, no package manager: the binary, its $(wc -l <"$E2E_TMP/libs") libraries (ldd's list exactly), CA bundle, zoneinfo, passwd/group, config, copyrights"

# The volumes, laid out as Kubernetes does: the Secret root:fsGroup 0440, the
# emptyDir root:fsGroup 2777; the shipped config with the simulator's URL.
start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json"
mkdir -m 0755 "$E2E_TMP/secret" "$E2E_TMP/state"
install -m 0440 -o 0 -g "$TW_UID" "$SIM_CRED" "$E2E_TMP/secret/astro-api-token"
chown "0:$TW_UID" "$E2E_TMP/state" && chmod 2777 "$E2E_TMP/state"
sed "s|^api_url = .*|api_url = $SIM_URL|" "$TW_SOURCE_DIR/etc/container/tokenwatch.ini" >"$E2E_TMP/tokenwatch.ini"
grep -q '^listen = :9842$' "$E2E_TMP/tokenwatch.ini" || fail "the container config does not listen on :9842"
run_args=(--network host
  -v "$E2E_TMP/tokenwatch.ini:/etc/tokenwatch/tokenwatch.ini:ro"
  -v "$E2E_TMP/secret:/run/secrets/tokenwatch:ro"
  -v "$E2E_TMP/state:/var/lib/tokenwatch")
[[ -n ${ASAN_OPTIONS:-} ]] && run_args+=(-e "ASAN_OPTIONS=$ASAN_OPTIONS")

# The report from inside lists every token of the organization.
jq -r '.tokens[].id' "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" | sort >"$E2E_TMP/want-ids"
buildah run "${run_args[@]}" "$ctr" -- "${argv[0]}" -c /etc/tokenwatch/tokenwatch.ini report --format json --fail-on never \
  >"$E2E_TMP/report.json" 2>"$E2E_TMP/report.err" || { cat "$E2E_TMP/report.err" >&2; fail "report inside the image"; }
jq -r '.tokens[].id' "$E2E_TMP/report.json" | sort >"$E2E_TMP/report-ids"
diff -u "$E2E_TMP/want-ids" "$E2E_TMP/report-ids" || fail "the report inside the image does not list every token"
jq -e '.complete == true' "$E2E_TMP/report.json" >/dev/null || fail "the report inside the image is incomplete"
pass "report --format json inside the image lists all $(wc -l <"$E2E_TMP/want-ids") tokens"

# The daemon, started with the image's own entrypoint and command.
buildah run "${run_args[@]}" "$ctr" -- "${argv[@]}" 2>"$E2E_TMP/daemon.log" &
daemon=$!
E2E_PIDS+=("$daemon")
ready() {
  curl -fs http://127.0.0.1:9842/readyz >/dev/null && return 0
  kill -0 "$daemon" 2>/dev/null || { cat "$E2E_TMP/daemon.log" >&2; fail "the daemon in the image exited"; }
  return 1
}
poll 10 ready || true
curl -fsS http://127.0.0.1:9842/metrics >"$E2E_TMP/metrics" || { cat "$E2E_TMP/daemon.log" >&2; fail "no /metrics"; }
grep -oE '^astro_token_info\{[^}]*token_id="[^"]+"' "$E2E_TMP/metrics" | grep -oE 'token_id="[^"]+"' |
  cut -d'"' -f2 | sort -u >"$E2E_TMP/metric-ids"
diff -u "$E2E_TMP/want-ids" "$E2E_TMP/metric-ids" || fail "/metrics from the image lacks tokens"
curl -fsS http://127.0.0.1:9842/healthz >/dev/null || fail "/healthz"
pass "the daemon in the image serves /readyz, /healthz and /metrics with every token on :9842"

pid=$(ss -Hltnp 'sport = :9842' | grep -oE 'pid=[0-9]+' | head -1 | cut -d= -f2)
[[ -n $pid ]] || fail "no process listens on :9842"
[[ $(readlink "/proc/$pid/exe") == */usr/bin/tokenwatch ]] || fail "pid $pid on :9842 is not tokenwatch"
grep -qP "^Uid:\t$TW_UID\t$TW_UID\t$TW_UID\t$TW_UID$" "/proc/$pid/status" &&
  grep -qP "^Gid:\t$TW_UID\t$TW_UID\t$TW_UID\t$TW_UID$" "/proc/$pid/status" ||
  fail "the daemon does not run as $TW_UID: $(grep -E '^(Uid|Gid)' "/proc/$pid/status")"
grep -qx $'CapEff:\t0000000000000000' "/proc/$pid/status" || fail "the daemon has capabilities"
ss -Hltn 'sport = :9842' | grep -q '0.0.0.0:9842' || fail "listen = :9842 does not bind every IPv4 address"
pass "the daemon runs as uid/gid $TW_UID without capabilities, bound to 0.0.0.0:9842"

[[ -d $E2E_TMP/state/state ]] && [[ $(stat -c '%u %a' "$E2E_TMP/state/state") =~ ^$TW_UID\ [0-9]?700$ ]] ||
  fail "state_dir was not created 0700 by tokenwatch in the volume"
[[ -s $E2E_TMP/state/state/audit-listing.json ]] || fail "no state written in the volume"
grep -qE '^ts=[^ ]+ level=info msg="cycle finished"' "$E2E_TMP/daemon.log" || fail "no logfmt on stderr"
pass "state in the volume ($(cd "$E2E_TMP/state/state" && echo *)), logfmt on stderr"

t0=$EPOCHREALTIME
kill -TERM "$pid"
exited() { ! kill -0 "$daemon" 2>/dev/null; }
poll 5 exited || fail "the daemon in the image still runs 5 s after SIGTERM"
wait "$daemon" || fail "the daemon exited $? on SIGTERM"
pass "SIGTERM: stopped in $(since "$t0") s, exit 0"

# TLS: a self-signed server on loopback is refused for its certificate, which
# takes the CA bundle being read (a missing one is a different error).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
  -keyout "$E2E_TMP/tls.key" -out "$E2E_TMP/tls.crt" 2>/dev/null
openssl s_server -quiet -accept 127.0.0.1:8443 -cert "$E2E_TMP/tls.crt" -key "$E2E_TMP/tls.key" -www \
  >/dev/null 2>&1 </dev/null &
E2E_PIDS+=($!)
listening() { ss -Hltn 'sport = :8443' | grep -q .; }
poll 5 listening || true
cat >"$E2E_TMP/tls.ini" <<'INI'
[astro]
api_url = https://localhost:8443
token_file = /run/secrets/tokenwatch/astro-api-token
max_retries = 0
[agent]
state_dir = /var/lib/tokenwatch/state
INI
set +e
buildah run "${run_args[@]}" -v "$E2E_TMP/tls.ini:/etc/tokenwatch/tls.ini:ro" "$ctr" -- "${argv[0]}" \
  -c /etc/tokenwatch/tls.ini report --format json >/dev/null 2>"$E2E_TMP/tls.err"
code=$?
set -e
[[ $code -eq 3 ]] && grep -q "SSL certificate problem: self-signed certificate" "$E2E_TMP/tls.err" ||
  { cat "$E2E_TMP/tls.err" >&2; fail "TLS from the image: exit $code, not a refused self-signed certificate"; }
pass "TLS from the image: the CA bundle is read and a self-signed server is refused"

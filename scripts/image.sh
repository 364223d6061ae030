#!/usr/bin/env bash
# Builds the tokenwatch OCI image with buildah, from scratch (distroless style).
#
#   bash scripts/image.sh                        Release build in build-image/, then
#                                                localhost/tokenwatch:<version> and :latest
#   bash scripts/image.sh --binary FILE --tag NAME [--no-latest]
#
# The image holds: the binary (stripped), exactly the shared libraries it links
# (the DT_NEEDED closure as the dynamic loader resolves it, read with ldd, and
# the loader itself: tokenwatch dlopens nothing, see docs/kubernetes.md), the CA
# bundle libcurl was built to read, the zoneinfo digests read, /etc/passwd,
# /etc/group and /etc/nsswitch.conf with the tokenwatch user (65532), an empty
# /var/lib/tokenwatch owned by it, the container config
# (etc/container/tokenwatch.ini) and the copyright files of the Debian packages
# those files come from. No shell, no package manager.
#
# Needs root (buildah mount) and buildah; STORAGE_DRIVER defaults to vfs, which
# works on any kernel. Prints the image name and size as its last line.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}

UID_TW=65532
binary='' tag=localhost/tokenwatch latest=1
while (($#)); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --no-latest) latest=0; shift ;;
    -h | --help) sed -n '2,17p' "$0" | cut -c3-; exit 0 ;;
    *) echo "image.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
command -v buildah >/dev/null || { echo "image.sh: buildah is not installed (apt install buildah)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "image.sh: run as root, or under 'buildah unshare'" >&2; exit 1; }

if [[ -z $binary ]]; then
  cmake -S "$src" -B "$src/build-image" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$src/build-image" --target tokenwatch -j"$(nproc)" >/dev/null
  binary=$src/build-image/tokenwatch
fi
[[ -x $binary ]] || { echo "image.sh: $binary is not an executable" >&2; exit 1; }
version=$("$binary" --version | awk '{print $2}')
revision=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)
epoch=$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)

stage=$(mktemp -d /tmp/tw-image.XXXXXX)
ctr=
cleanup() {
  [[ -n $ctr ]] && buildah rm "$ctr" >/dev/null 2>&1
  rm -rf "$stage"
}
trap cleanup EXIT
root=$stage/root
mkdir -p "$root"/{usr/bin,etc/tokenwatch,etc/ssl/certs,usr/share/doc,var/lib/tokenwatch}

# file SRC DEST: copies SRC (symlinks followed) to DEST inside the image and
# remembers SRC for the copyright files.
owners=()
file() {
  mkdir -p "$root$(dirname "$2")"
  cp -L "$1" "$root$2"
  owners+=("$1")
}

strip --strip-unneeded -o "$root/usr/bin/tokenwatch" "$binary"
owners+=("$binary")

# The libraries: every line of ldd is "soname => path" or the loader's path.
ldd_out=$(ldd "$binary")
if grep -q "not found" <<<"$ldd_out"; then
  echo "image.sh: $binary has unresolved libraries:" >&2
  grep "not found" <<<"$ldd_out" >&2
  exit 1
fi
while read -r path; do
  file "$path" "$path"
done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$ldd_out")

# The CA bundle where this libcurl looks for it (CURLOPT_CAINFO's default).
ca=$(curl-config --ca 2>/dev/null || true)
ca=${ca:-/etc/ssl/certs/ca-certificates.crt}
file "$ca" "$ca"
# Time zones for digests (lib/tz reads TW_TZ_DIR), aliases kept as symlinks;
# not right/, the leap-second variants no POSIX clock matches.
tzdir=$(sed -n 's/^#define TW_TZ_DIR "\(.*\)"$/\1/p' "$src/lib/tz/tzif.h")
mkdir -p "$root$tzdir"
cp -a "$tzdir/." "$root$tzdir/"
rm -rf "$root$tzdir/right"
owners+=("$tzdir/UTC")

printf 'root:x:0:0:root:/root:/sbin/nologin\ntokenwatch:x:%d:%d:tokenwatch:/var/lib/tokenwatch:/sbin/nologin\n' \
  "$UID_TW" "$UID_TW" >"$root/etc/passwd"
printf 'root:x:0:\ntokenwatch:x:%d:\n' "$UID_TW" >"$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
install -m 0644 "$src/etc/container/tokenwatch.ini" "$root/etc/tokenwatch/tokenwatch.ini"

# Licences of what the image redistributes: each package's copyright file.
if command -v dpkg-query >/dev/null; then
  pkgs=(ca-certificates)
  for f in "${owners[@]}"; do
    p=$(dpkg-query -S "$f" 2>/dev/null || dpkg-query -S "$(readlink -f "$f")" 2>/dev/null || true)
    [[ -n $p ]] && pkgs+=("${p%%:*}")
  done
  for p in $(printf '%s\n' "${pkgs[@]}" | sort -u); do
    if [[ -f /usr/share/doc/$p/copyright ]]; then
      mkdir -p "$root/usr/share/doc/$p"
      cp /usr/share/doc/"$p"/copyright "$root/usr/share/doc/$p/"
    fi
  done
fi
mkdir -p "$root/usr/share/doc/tokenwatch"
cp "$src/packaging/deb/copyright" "$root/usr/share/doc/tokenwatch/"

chown -R 0:0 "$root"
chmod -R u+rwX,go+rX,go-w "$root"
chown "$UID_TW:$UID_TW" "$root/var/lib/tokenwatch"
chmod 0700 "$root/var/lib/tokenwatch"

ctr=$(buildah from --quiet scratch)
mnt=$(buildah mount "$ctr")
cp -a "$root/." "$mnt/"
buildah umount "$ctr" >/dev/null

source_url=${TW_IMAGE_SOURCE:-$(git -C "$src" remote get-url origin 2>/dev/null ||
  sed -n 's/.*CPACK_DEBIAN_PACKAGE_HOMEPAGE "\(.*\)".*/\1/p' "$src/CMakeLists.txt")}
buildah config \
  --entrypoint '["/usr/bin/tokenwatch"]' \
  --cmd '["-c", "/etc/tokenwatch/tokenwatch.ini", "run"]' \
  --env PATH=/usr/bin \
  --user "$UID_TW:$UID_TW" \
  --workingdir /var/lib/tokenwatch \
  --port 9842/tcp \
  --stop-signal SIGTERM \
  --created-by "scripts/image.sh (buildah from scratch)" \
  --label org.opencontainers.image.title=tokenwatch \
  --label "org.opencontainers.image.description=Watches the API tokens of an Astro organization" \
  --label "org.opencontainers.image.source=$source_url" \
  --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.revision=$revision" \
  --label org.opencontainers.image.licenses=NOASSERTION \
  "$ctr"

buildah commit --quiet --format oci --timestamp "$epoch" "$ctr" "$tag:$version" >/dev/null
((latest)) && buildah tag "$tag:$version" "$tag:latest"
# The size: the sum of the (uncompressed) layers.
size=$(buildah inspect --type image --format '{{.Manifest}}' "$tag:$version" | jq '[.layers[].size] | add')
echo "$tag:$version $size bytes ($((size / 1000000)) MB uncompressed)"

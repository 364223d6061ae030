#!/usr/bin/env bash
# The Debian package end to end: build it with CPack, list its contents
# against the expected set, run the maintainer scripts against stubs
# (postinst; postrm purge in a root of its own), extract it into a temporary
# root and run the shipped binary on the shipped conffile, create the
# sysusers.d user and the tmpfiles.d directory inside that root, check the
# unit's text and `systemd-analyze verify` it, build it again from a plain
# configure without the tests' dependencies, and let lintian judge it.
source "$(dirname "$0")/lib.sh"
: "${TW_BINARY_DIR:?}"

for tool in dpkg-deb dpkg-shlibdeps scdoc; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/install-deps.sh installs it)"
done

version=$("$TW_BIN" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
deb=$TW_BINARY_DIR/packages/tokenwatch_${version}_${arch}.deb
rm -f "$deb"
cmake --build "$TW_BINARY_DIR" --target package >"$E2E_TMP/cpack.log" 2>&1 ||
  { cat "$E2E_TMP/cpack.log" >&2; fail "cmake --build --target package"; }
[[ -f $deb ]] || fail "no $deb"
pass "cmake --build --target package made $(basename "$deb")"

# Contents: every file with its mode and owner; directories are implied.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $1, $2, $6}' | sort >"$E2E_TMP/contents"
sort >"$E2E_TMP/expected" <<LIST
-rw-r----- root/root ./etc/tokenwatch/tokenwatch.ini
-rw-r--r-- root/root ./lib/systemd/system/tokenwatch.service
-rwxr-xr-x root/root ./usr/bin/tokenwatch
-rw-r--r-- root/root ./usr/lib/sysusers.d/tokenwatch.conf
-rw-r--r-- root/root ./usr/lib/tmpfiles.d/tokenwatch.conf
-rw-r--r-- root/root ./usr/share/doc/tokenwatch/changelog.gz
-rw-r--r-- root/root ./usr/share/doc/tokenwatch/copyright
-rw-r--r-- root/root ./usr/share/lintian/overrides/tokenwatch
-rw-r--r-- root/root ./usr/share/man/man5/tokenwatch.ini.5.gz
-rw-r--r-- root/root ./usr/share/man/man8/tokenwatch.8.gz
-rw-r--r-- root/root ./usr/share/tokenwatch/tokenwatch-dashboard.json
-rw-r--r-- root/root ./usr/share/tokenwatch/tokenwatch-rules.yml
LIST
diff -u "$E2E_TMP/expected" "$E2E_TMP/contents" || fail "package contents differ from the expected set"
pass "package contents are the expected set"

# Control: a conffile, shlibdeps-computed dependencies, the maintainer scripts.
ctl=$E2E_TMP/control
dpkg-deb -e "$deb" "$ctl"
[[ $(cat "$ctl/conffiles") == /etc/tokenwatch/tokenwatch.ini ]] || fail "conffiles: $(cat "$ctl/conffiles")"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libcurl4 libcjson1 libmicrohttpd12 libinih1 libgnutls30; do
  [[ $depends == *"$lib ("* ]] || fail "Depends lacks $lib (shlibdeps): $depends"
done
grep -q 'dpkg-statoverride --update --add root tokenwatch 0640 /etc/tokenwatch/tokenwatch.ini' "$ctl/postinst" ||
  fail "postinst does not give the conffile to group tokenwatch"
for s in postinst prerm postrm; do sh -n "$ctl/$s" || fail "$s: syntax"; done
pass "control: conffile, computed Depends ($depends), maintainer scripts"

# The postinst, run against stub commands that log their arguments: with
# systemd it applies the shipped sysusers.d/tmpfiles.d entries, without it
# adduser and install; either way the conffile goes to group tokenwatch once.
postinst_calls() { # $1: "systemd" or "plain"; $2: does a statoverride exist (0/1)
  local stubs=$E2E_TMP/stubs.$1 c
  rm -rf "$stubs" && mkdir -p "$stubs"
  for c in systemd-sysusers systemd-tmpfiles adduser install getent dpkg-statoverride systemctl deb-systemd-invoke; do
    [[ $1 == plain && $c == systemd-* ]] && continue
    printf '#!/bin/sh\necho "%s $*" >>"%s/log"\n' "$c" "$stubs" >"$stubs/$c"
    chmod +x "$stubs/$c"
  done
  # "dpkg-statoverride --list" and "getent" fail: nothing there yet
  printf '#!/bin/sh\necho "dpkg-statoverride $*" >>"%s/log"\n[ "$1" = --list ] && exit %s\nexit 0\n' \
    "$stubs" "$2" >"$stubs/dpkg-statoverride"
  printf '#!/bin/sh\nexit 2\n' >"$stubs/getent"
  PATH=$stubs /bin/sh "$ctl/postinst" configure "" || fail "postinst ($1) failed"
  cat "$stubs/log"
}
calls=$(postinst_calls systemd 1)
for want in "systemd-sysusers tokenwatch.conf" "systemd-tmpfiles --create tokenwatch.conf" \
  "dpkg-statoverride --update --add root tokenwatch 0640 /etc/tokenwatch/tokenwatch.ini"; do
  grep -qxF -- "$want" <<<"$calls" || fail "postinst with systemd: no '$want' in: $calls"
done
calls=$(postinst_calls plain 0)
grep -q '^adduser --system --group .* tokenwatch$' <<<"$calls" || fail "postinst without systemd: $calls"
grep -qxF "install -d -m 0700 -o tokenwatch -g tokenwatch /var/lib/tokenwatch" <<<"$calls" ||
  fail "postinst without systemd makes no state dir: $calls"
! grep -q -- '--add' <<<"$calls" || fail "postinst overrode an administrator's statoverride: $calls"
pass "postinst: sysusers.d/tmpfiles.d or adduser, and one statoverride (stub commands)"

# postrm purge, in a root of its own (DPKG_ROOT) with stub commands: it
# removes the state directory, and leaves the files an administrator put
# in /etc/tokenwatch/ (the Astro API token) in place, saying so and naming
# them; an empty /etc/tokenwatch/ goes silently.
purge() { # $1: the root
  local stubs=$E2E_TMP/stubs.purge c
  rm -rf "$stubs" && mkdir -p "$stubs"
  for c in dpkg-statoverride systemctl deb-systemd-helper; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/log"\nexit 0\n' "$c" "$stubs" >"$stubs/$c"
    chmod +x "$stubs/$c"
  done
  DPKG_ROOT=$1 PATH=$stubs:/usr/bin:/bin /bin/sh "$ctl/postrm" purge 2>"$E2E_TMP/purge.err" ||
    fail "postrm purge failed"
}
proot=$E2E_TMP/purge-root
mkdir -p "$proot/etc/tokenwatch" "$proot/var/lib/tokenwatch"
echo "secret-T0KEN" >"$proot/etc/tokenwatch/astro-api-token"
echo "https://hooks.example/T0KEN" >"$proot/etc/tokenwatch/ops-url"
purge "$proot"
[[ ! -e $proot/var/lib/tokenwatch ]] || fail "purge kept the state directory"
[[ -f $proot/etc/tokenwatch/astro-api-token ]] || fail "purge removed the administrator's token file"
cat "$E2E_TMP/purge.err"
grep -qF "tokenwatch: purge leaves $proot/etc/tokenwatch/ in place" "$E2E_TMP/purge.err" &&
  grep -qxF "  $proot/etc/tokenwatch/astro-api-token" "$E2E_TMP/purge.err" &&
  grep -qxF "  $proot/etc/tokenwatch/ops-url" "$E2E_TMP/purge.err" &&
  grep -qF "rm -r $proot/etc/tokenwatch" "$E2E_TMP/purge.err" || fail "purge does not say what it left"
! grep -qF "T0KEN" "$E2E_TMP/purge.err" || fail "purge printed a secret"
rm "$proot/etc/tokenwatch/"*
purge "$proot"
[[ ! -e $proot/etc/tokenwatch ]] && [[ ! -s $E2E_TMP/purge.err ]] || fail "purge of an empty /etc/tokenwatch"
pass "postrm purge: state removed; the administrator's token stays, named in the output"

# The changelog names the version being packaged.
top=$(cat "$TW_SOURCE_DIR/packaging/deb/changelog")
[[ $(head -1 <<<"$top") == "tokenwatch ($version) "* ]] ||
  fail "packaging/deb/changelog's first entry is not version $version"

root=$E2E_TMP/root
dpkg-deb -x "$deb" "$root"
[[ $("$root/usr/bin/tokenwatch" --version) == "tokenwatch $version" ]] || fail "--version from the package"
# The shipped conffile is valid; all it lacks is the credential the
# administrator puts in place.
set +e
"$root/usr/bin/tokenwatch" -c "$root/etc/tokenwatch/tokenwatch.ini" check-config >"$E2E_TMP/cc" 2>"$E2E_TMP/cc.err"
code=$?
set -e
[[ $code -eq 2 ]] && grep -qF "the configuration is valid" "$E2E_TMP/cc" &&
  grep -qF "[astro] token_file: /etc/tokenwatch/astro-api-token does not exist" "$E2E_TMP/cc.err" &&
  grep -qxF "1 problem: fix it and run check-config again" "$E2E_TMP/cc.err" ||
  { cat "$E2E_TMP/cc" "$E2E_TMP/cc.err" >&2; fail "check-config on the shipped conffile (exit $code)"; }
pass "the extracted binary runs: the shipped conffile is valid and asks for its token file"
cmp -s "$root/etc/tokenwatch/tokenwatch.ini" "$TW_SOURCE_DIR/etc/tokenwatch.ini" ||
  fail "the conffile is not etc/tokenwatch.ini"
for page in man8/tokenwatch.8 man5/tokenwatch.ini.5; do
  gzip -t "$root/usr/share/man/$page.gz" || fail "$page.gz"
  # not zcat | grep -q: grep stops at the match, and zcat's SIGPIPE fails the
  # pipe (pipefail) once a page is longer than what one write takes
  zcat "$root/usr/share/man/$page.gz" >"$E2E_TMP/page"
  grep -q '^\.TH' "$E2E_TMP/page" || fail "$page is not a man page"
done
pass "man pages are gzipped roff"

# sysusers.d and tmpfiles.d, applied inside the extracted root.
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
  systemd-sysusers --root="$root" "$root/usr/lib/sysusers.d/tokenwatch.conf" 2>/dev/null
  uid=$(awk -F: '$1 == "tokenwatch" {print $3}' "$root/etc/passwd")
  [[ -n $uid ]] || fail "sysusers.d made no tokenwatch user"
  awk -F: '$1 == "tokenwatch" && $3 < 1000 && $7 == "/usr/sbin/nologin" {ok=1} END {exit !ok}' "$root/etc/passwd" ||
    fail "tokenwatch is not a system user without a shell: $(grep tokenwatch "$root/etc/passwd")"
  systemd-tmpfiles --root="$root" --create "$root/usr/lib/tmpfiles.d/tokenwatch.conf"
  [[ $(stat -c '%a %u' "$root/var/lib/tokenwatch") == "700 $uid" ]] ||
    fail "/var/lib/tokenwatch: $(stat -c '%a %u' "$root/var/lib/tokenwatch"), want 700 $uid"
  pass "sysusers.d makes system user tokenwatch ($uid), tmpfiles.d /var/lib/tokenwatch 0700"
else
  echo "skip - systemd-sysusers/systemd-tmpfiles not installed"
fi

# The unit: it runs the packaged binary; systemd-analyze verify judges it.
unit=$root/lib/systemd/system/tokenwatch.service
# Its comment is the package's: no by-hand install steps, and the token
# goes where the shipped conffile's token_file says.
token_file=$(sed -n 's/^token_file = //p' "$root/etc/tokenwatch/tokenwatch.ini")
[[ -n $token_file ]] || fail "the conffile names no token_file"
diff -u "$TW_SOURCE_DIR/packaging/deb/unit-header" <(sed '/^\[Unit\]$/,$d' "$unit") ||
  fail "the packaged unit's comment is not packaging/deb/unit-header"
grep -qxF "#   install -m 0600 -o tokenwatch /path/to/token $token_file" "$unit" ||
  fail "the packaged unit's comment does not put the token at $token_file"
! grep -qE 'useradd|Install to|/etc/systemd/system' "$unit" || fail "the packaged unit keeps the by-hand steps"
grep -qxF "#   install -m 0600 -o tokenwatch /path/to/token $token_file" "$TW_SOURCE_DIR/etc/systemd/tokenwatch.service" ||
  fail "etc/systemd/tokenwatch.service does not put the token at $token_file"
pass "the packaged unit's comment is the package's, with the conffile's token path"

grep -q '^ExecStart=/usr/bin/tokenwatch -c /etc/tokenwatch/tokenwatch.ini run$' "$unit" ||
  fail "the unit does not run /usr/bin/tokenwatch"
! grep -q /usr/local "$unit" || fail "the packaged unit still names /usr/local"
if command -v systemd-analyze >/dev/null; then
  # verify checks that ExecStart's binary exists and Documentation's man page
  # is found: point both at the extracted root (only the binary's path changes).
  mkdir -p "$E2E_TMP/unit"
  sed "s#/usr/bin/tokenwatch#$root/usr/bin/tokenwatch#g" "$unit" >"$E2E_TMP/unit/tokenwatch.service"
  MANPATH=$root/usr/share/man systemd-analyze verify "$E2E_TMP/unit/tokenwatch.service" \
    >"$E2E_TMP/verify" 2>&1 || { cat "$E2E_TMP/verify" >&2; fail "systemd-analyze verify"; }
  [[ ! -s $E2E_TMP/verify ]] || { cat "$E2E_TMP/verify" >&2; fail "systemd-analyze verify warns"; }
  pass "systemd-analyze verify tokenwatch.service: clean"
else
  fail "systemd-analyze missing (package systemd)"
fi

# From a fresh build directory, configured as the README says (no build
# type) and without the tests' dependencies (cmocka hidden from
# pkg-config): a Release build, fortified, and the package builds.
fresh=$E2E_TMP/fresh pc=$E2E_TMP/pkgconfig
mkdir -p "$pc"
for d in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
  [[ -d $d ]] && find "$d" -maxdepth 1 -name '*.pc' ! -name cmocka.pc -exec ln -sf {} "$pc/" \;
done
PKG_CONFIG_LIBDIR=$pc cmake -S "$TW_SOURCE_DIR" -B "$fresh" >"$E2E_TMP/fresh.log" 2>&1 ||
  { cat "$E2E_TMP/fresh.log" >&2; fail "a plain configure"; }
grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$fresh/CMakeCache.txt" || fail "no build type given is not Release"
grep -qF "cmocka not found: no tests" "$E2E_TMP/fresh.log" || fail "the configure did not do without cmocka"
PKG_CONFIG_LIBDIR=$pc cmake --build "$fresh" --target package -j2 >>"$E2E_TMP/fresh.log" 2>&1 ||
  { tail -30 "$E2E_TMP/fresh.log" >&2; fail "cmake --build --target package from a plain configure"; }
[[ -x $fresh/tests/tw-astrosim ]] || fail "the demo's API server is not built without cmocka"
fdeb=$fresh/packages/tokenwatch_${version}_${arch}.deb
dpkg-deb -x "$fdeb" "$E2E_TMP/froot"
readelf -W --dyn-syms "$E2E_TMP/froot/usr/bin/tokenwatch" >"$E2E_TMP/fsyms"
grep -qE '__(memcpy|snprintf|vsnprintf|fprintf)_chk@' "$E2E_TMP/fsyms" ||
  fail "the Release package's binary is not built with _FORTIFY_SOURCE"
pass "a plain configure builds a fortified Release package, without the tests' dependencies"

# lintian: no error or warning that is not overridden with a reason.  A
# sanitizer build is not what ships: its binary is judged differently.
if grep -q '^TW_SANITIZE:BOOL=ON' "$TW_BINARY_DIR/CMakeCache.txt"; then
  echo "skip - lintian on a sanitizer build"
elif command -v lintian >/dev/null; then
  lintian --fail-on error,warning "$deb" >"$E2E_TMP/lintian" 2>&1 ||
    { cat "$E2E_TMP/lintian" >&2; fail "lintian"; }
  ! grep -E '^[EW]: ' "$E2E_TMP/lintian" || fail "lintian tags"
  pass "lintian: clean (overrides in packaging/deb/lintian-overrides)"
else
  fail "lintian missing (scripts/install-deps.sh --test installs it)"
fi
echo "all package checks passed"

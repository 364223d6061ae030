#!/usr/bin/env bash
# The cost of glib's GTimeZone in place of lib/tz (the decision is written in
# lib/tz/tzif.h): builds this commit twice in Release, as it is and with
# lib/tz/tzif.c + posix.c replaced by the same API over GTimeZone (below),
# then prints the stripped binary sizes, the shared libraries glib adds (a
# from-scratch image ships them), and the idle daemon's VmRSS (five runs
# each: one collection of the demo organization, a digest sink whose zone is
# loaded, then idle).  Needs libglib2.0-dev (measurement only).  Never part
# of the tests.  Usage: bench/tz_glib.sh
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT

for v in base glib; do
  mkdir -p "$tmp/$v"
  git archive HEAD | tar -x -C "$tmp/$v"
done
rm "$tmp/glib/lib/tz/posix.c"
sed -i 's/^pkg_check_modules(LIBCRYPT .*/&\npkg_check_modules(GLIB REQUIRED IMPORTED_TARGET glib-2.0)/;
        s/PkgConfig::LIBCRYPT$/PkgConfig::LIBCRYPT PkgConfig::GLIB/;
        s/PkgConfig::LIBCRYPT /PkgConfig::LIBCRYPT PkgConfig::GLIB /' "$tmp/glib/CMakeLists.txt"
cat >"$tmp/glib/lib/tz/tzif.c" <<'PROTO'
/* Prototype for the measurement in lib/tz/tzif.h: the same API over GTimeZone. */
#include "lib/tz/tzif.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tw_tz {
        GTimeZone *z;
};

int tw_tz_parse(const void *data, size_t len, struct tw_tz **ret)
{
        (void)data;
        (void)len;
        (void)ret;
        return -ENOTSUP; /* GTimeZone reads files only */
}

bool tw_tz_name_ok(const char *z)
{
        static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+.-";
        size_t n = z ? strlen(z) : 0;

        return n && n <= 255 && z[0] != '/' && !strstr(z, "..") && strspn(z, ok) == n;
}

int tw_tz_load(const char *dir, const char *zone, struct tw_tz **ret)
{
        char path[4096];
        struct tw_tz *tz;
        GTimeZone *z;

        if (!zone || !ret || !tw_tz_name_ok(zone))
                return -EINVAL;
        snprintf(path, sizeof(path), "%s/%s", dir ? dir : TW_TZ_DIR, zone);
        z = g_time_zone_new_identifier(path);
        if (!z)
                return -ENOENT;
        tz = calloc(1, sizeof(*tz));
        if (!tz) {
                g_time_zone_unref(z);
                return -ENOMEM;
        }
        tz->z = z;
        *ret = tz;
        return 0;
}

void tw_tz_free(struct tw_tz *tz)
{
        if (!tz)
                return;
        g_time_zone_unref(tz->z);
        free(tz);
}

int tw_tz_offset(const struct tw_tz *tz, int64_t t, int32_t *ret_offset, bool *ret_dst)
{
        int i;

        if (t < -TW_TZ_TIME_MAX || t > TW_TZ_TIME_MAX)
                return -ERANGE;
        if (!tz) {
                if (ret_offset)
                        *ret_offset = 0;
                if (ret_dst)
                        *ret_dst = false;
                return 0;
        }
        i = g_time_zone_find_interval(tz->z, G_TIME_TYPE_UNIVERSAL, t);
        if (ret_offset)
                *ret_offset = g_time_zone_get_offset(tz->z, i);
        if (ret_dst)
                *ret_dst = g_time_zone_is_dst(tz->z, i);
        return 0;
}

int tw_tz_local_to_utc(const struct tw_tz *tz, int64_t local, int64_t *ret_utc)
{
        gint64 t = local;
        int i;

        if (local < -TW_TZ_TIME_MAX || local > TW_TZ_TIME_MAX)
                return -ERANGE;
        if (!tz) {
                *ret_utc = local;
                return 0;
        }
        i = g_time_zone_adjust_time(tz->z, G_TIME_TYPE_STANDARD, &t);
        *ret_utc = t - g_time_zone_get_offset(tz->z, i);
        return 0;
}
PROTO
for v in base glib; do
  cmake -S "$tmp/$v" -B "$tmp/$v/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$tmp/$v/build" -j"$(nproc)" --target tokenwatch tw-astrosim >/dev/null
  strip -o "$tmp/$v/tokenwatch" "$tmp/$v/build/tokenwatch"
  echo "$v: stripped tokenwatch $(stat -c %s "$tmp/$v/tokenwatch") bytes," \
    "$(ldd "$tmp/$v/tokenwatch" | grep -c '=>') shared libraries"
done
libs() { ldd "$1" | awk '$2 == "=>" {print $3}' | sort; }
comm -13 <(libs "$tmp/base/tokenwatch") <(libs "$tmp/glib/tokenwatch") | while read -r l; do
  echo "glib adds: $l $(stat -L -c %s "$l") bytes"
done

# idle_rss BINARY: VmRSS of the daemon after its first cycle, idle.
idle_rss() {
  local d
  d=$(mktemp -d "$tmp/run.XXXXXX")
  "$tmp/base/build/tests/tw-astrosim" --fixture "$src/tests/fixtures/demo-org.json" --port 0 \
    --port-file "$d/simport" --credential-file "$d/cred" 2>/dev/null &
  local sim=$!
  pids+=($sim)
  for _ in $(seq 200); do [[ -s $d/simport ]] && break; sleep 0.05; done
  mkdir -m 700 "$d/state"
  cat >"$d/tw.ini" <<INI
[astro]
api_url = http://127.0.0.1:$(cat "$d/simport")
token_file = $d/cred
[agent]
interval = 1h
listen = 127.0.0.1:0
state_dir = $d/state
[webhook.ops]
url = http://127.0.0.1:9/hook
events = off
digest = daily 09:00 Europe/Berlin
INI
  chmod 600 "$d/tw.ini"
  "$1" -c "$d/tw.ini" run --port-file "$d/port" 2>"$d/log" &
  local tw=$!
  pids+=($tw)
  for _ in $(seq 200); do grep -qs 'cycle finished' "$d/log" && [[ -s $d/port ]] && break; sleep 0.05; done
  curl -fsS "http://127.0.0.1:$(cat "$d/port")/metrics" >/dev/null
  sleep 2 # idle
  awk '/VmRSS/ {print $2}' "/proc/$tw/status"
  kill "$tw" "$sim"
  wait "$tw" "$sim" 2>/dev/null || true
}
for v in base glib; do
  rss=$(for _ in 1 2 3 4 5; do idle_rss "$tmp/$v/build/tokenwatch"; done | sort -n | tr '\n' ' ')
  echo "$v: idle VmRSS kB, five runs sorted (the third is the median): $rss"
done

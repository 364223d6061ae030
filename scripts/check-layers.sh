#!/usr/bin/env bash
# The layering rule, checked mechanically (as git's and the kernel's builds do):
#
#   agent/  ->  collectors/, exporters/  ->  core/  ->  lib/
#
# A file may include headers of its own folder and of the folders below it;
# a header named *_internal.h is private to its own folder (tests aside).
# collectors/ and exporters/ are peers and never include each other; only
# agent/ (the program) meets both.  lib/ and core/ do no network or HTTP
# serving of their own: libmicrohttpd stays in exporters/, and libcurl in lib/'s
# one HTTP client.
#   scripts/check-layers.sh [ROOT]     exit 0 clean, 1 with one line per violation
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

declare -A allowed=(
  [lib]="lib"
  [core]="core lib"
  [collectors]="collectors core lib"
  [exporters]="exporters core lib"
  [agent]="agent collectors exporters core lib"
)
# System headers a layer must not use: the pure layers stay pure.
declare -A forbidden_sys=(
  [core]="curl/curl.h microhttpd.h"
  [collectors]="microhttpd.h"
)

bad=0
for layer in lib core collectors exporters agent; do
  [[ -d $layer ]] || continue
  while IFS= read -r -d '' file; do
    lineno=0
    while IFS= read -r line; do
      lineno=$((lineno + 1))
      if [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"(([a-z_]+)/[^\"]+)\" ]]; then
        header=${BASH_REMATCH[1]}
        target=${BASH_REMATCH[2]}
        if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
          echo "$file:$lineno: $layer/ must not include $target/ (${line#*#include })"
          bad=1
        elif [[ $header == *_internal.h && ${header%/*} != "${file%/*}" ]]; then
          echo "$file:$lineno: ${header} is private to ${header%/*}/"
          bad=1
        fi
      elif [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"[^/\"]+\" ]]; then
        echo "$file:$lineno: include with the folder, e.g. \"$layer/x.h\" (${line#*#include })"
        bad=1
      elif [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
        sys=${BASH_REMATCH[1]}
        if [[ " ${forbidden_sys[$layer]:-} " == *" $sys "* ]]; then
          echo "$file:$lineno: $layer/ must not include <$sys>"
          bad=1
        fi
      fi
    done <"$file"
  done < <(find "$layer" -name '*.[ch]' -print0 | sort -z)
done
exit $bad

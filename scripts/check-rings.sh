#!/usr/bin/env bash
# Each ring links and includes only the rings below it (docs/architecture.md).
#   scripts/check-rings.sh BUILD_DIR
# (a) The rings under networking (document, api, openapi, core, admission,
#     base, runtime) hold no socket, libcurl or OpenSSL SSL-layer symbol, defined
#     or undefined: `render`/`validate` and the work queue must run without
#     a network stack, and a stray include of client code would show here.
# (b) #include "ring/..." in src/<ring>/ names only that ring or one below.
# Registered as the ctest test `rings` (label unit), so it runs in every
# build's unit run; it fails naming the library, object and symbol, or the
# file, line and include.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$1
src="$(cd "$(dirname "$0")/.." && pwd)/src"
failures=0

# ------------------------------------------------------------- symbols --

no_network_libs=(mb_document mb_api mb_openapi mb_core mb_admission mb_base mb_runtime)
# Whole names only: C symbols are unmangled, so `bind` cannot be std::bind.
forbidden='^(socket|connect|bind|listen|accept|accept4|getaddrinfo|curl_.*|SSL_.*)$'

for lib in "${no_network_libs[@]}"; do
  file=$(find "$build" -name "lib$lib.a" -print -quit)
  if [ -z "$file" ]; then
    echo "rings: lib$lib.a not found under $build (build it first)" >&2
    failures=$((failures + 1))
    continue
  fi
  # nm -A prints "archive:object: [address] type symbol" per line.
  while read -r object type symbol; do
    if [ "$type" = U ]; then kind=undefined; else kind="defined ($type)"; fi
    echo "rings: lib$lib.a: $object: $kind symbol $symbol" >&2
    failures=$((failures + 1))
  done < <(nm -A "$file" 2>/dev/null | awk -v re="$forbidden" '
    $NF ~ re { split($1, where, ":"); print where[2], $(NF - 1), $NF }')
done

# ------------------------------------------------------------ includes --

# What each ring may include besides itself: the rings below it, all the way
# down. crds is the embedded CRD data, under core.
declare -A below=(
  [document]=""
  [crds]=""
  [api]="document"
  [openapi]="document"
  [core]="api openapi document crds"
  [admission]="core api openapi document crds base"
  [base]="document"
  [runtime]="base document"
  [http]="base document"
  [kube]="document base runtime"
  [sidecar]="document crds api openapi core base"
  [controller]="document crds api openapi core admission base runtime http kube sidecar"
  [cli]="document crds api openapi core admission base runtime http kube sidecar controller"
)

for dir in "$src"/*/; do
  ring=$(basename "$dir")
  if [ -z "${below[$ring]+set}" ]; then
    echo "rings: src/$ring/ is in no ring; add it to the table in $0" >&2
    failures=$((failures + 1))
    continue
  fi
  allowed=" $ring ${below[$ring]} "
  while IFS=: read -r file line target; do
    if [ -z "${below[$target]+set}" ]; then continue; fi  # not a ring (e.g. a system header in quotes)
    if [[ "$allowed" != *" $target "* ]]; then
      echo "rings: ${file#"$src"/}:$line includes \"$target/...\": $ring may include only $ring${below[$ring]:+ and ${below[$ring]}}" >&2
      failures=$((failures + 1))
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/' --include='*.h' --include='*.cc' --include='*.in' "$dir" |
    sed -E 's/^([^:]+):([0-9]+):.*#[[:space:]]*include[[:space:]]+"([a-z_]+)\/.*/\1:\2:\3/')
done

if [ "$failures" -ne 0 ]; then
  echo "rings: $failures violation(s)" >&2
  exit 1
fi
echo "rings: ${#no_network_libs[@]} libraries without networking symbols; includes in src/ follow the rings"

#!/usr/bin/env bash
# Helm for the chart (deploy/helm/modelbooster): built from the Go module
# proxy at the version pinned in test/peers/helm/go.mod, like the other test
# peers (scripts/testenv.sh), because Debian 12 packages no Helm and the
# workplace fetches nothing but registry packages. Built once per version,
# cached outside the repository, then reused.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/helm.sh --path
       scripts/helm.sh [--] HELM-ARGS...
       scripts/helm.sh --help

Builds Helm (helm.sh/helm/v3/cmd/helm, the version pinned in
test/peers/helm/go.mod) unless it is cached, then:

  --path        prints the binary's absolute path and nothing else on stdout
  HELM-ARGS...  runs it with these arguments, e.g.
                  scripts/helm.sh lint --strict deploy/helm/modelbooster
                  scripts/helm.sh install modelbooster deploy/helm/modelbooster \
                    -n modelbooster-system --create-namespace
                (a leading -- is dropped, so scripts/helm.sh -- --help shows
                Helm's own help)
  --help        this text (builds nothing)

The binary is cached in
  ${XDG_CACHE_HOME:-~/.cache}/modelbooster/helm/<version>/bin/helm
and built when absent (needs Go and the module proxy; cold: about 6 min of
CPU and 860 MB, so some 3 min on 2 idle cores, 9 min measured on a busy
machine); one build per version at a time, later callers wait and reuse
it.
`helm version` reports the pinned version. Progress goes to stderr.

Environment:
  XDG_CACHE_HOME  cache root (default: ~/.cache)
  GO              go command (default: go)
EOF
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module_dir="$repo_root/test/peers/helm"
go_cmd="${GO:-go}"

log() { printf 'helm.sh: %s\n' "$*" >&2; }
die() { printf 'helm.sh: error: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  --help | -h)
    usage
    exit 0
    ;;
  "")
    usage >&2
    exit 2
    ;;
esac

# The version is read from the pinned go.mod, so the cache key follows it.
mod_version() { # go.mod module
  awk -v m="$2" '$1 == m && $2 ~ /^v[0-9]/ { print $2; exit }' "$1"
}
helm_version=$(mod_version "$module_dir/go.mod" helm.sh/helm/v3)
[[ -n $helm_version ]] || die "cannot read the helm.sh/helm/v3 version from $module_dir/go.mod"
cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/modelbooster/helm/$helm_version"
bin_dir="$cache_dir/bin"
helm_bin="$bin_dir/helm"

build_helm() {
  [[ -x $helm_bin ]] && return 0
  mkdir -p "$cache_dir"
  # One build per version at a time: a second caller waits, then reuses the
  # first's. The lock is held until this shell exits.
  local fd
  exec {fd}>"$cache_dir/.build.lock"
  if ! flock -n "$fd"; then
    log "another build of helm $helm_version is running; waiting for it"
    flock "$fd"
  fi
  [[ -x $helm_bin ]] && return 0
  command -v "$go_cmd" >/dev/null ||
    die "go not found (need Go >= $(awk '$1=="go"{print $2}' "$module_dir/go.mod") to build helm)"
  # Build into a temporary directory and rename it at the end: a bin/ dir
  # only ever exists complete. Leftovers of interrupted builds go first
  # (safe: we hold the build lock).
  rm -rf "$cache_dir"/bin.tmp.*
  local tmp
  tmp=$(mktemp -d "$cache_dir/bin.tmp.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  # What Helm's own Makefile sets for a release build: the version (else
  # `helm version` says only "v3.22"), no "+unreleased" metadata, and the
  # Kubernetes version that `helm template` and `helm lint` assume
  # (.Capabilities.KubeVersion) from the client-go it is built with, major
  # 0 -> 1. The git commit is not known from a module download; it stays
  # empty.
  local client_go k8s_minor
  client_go=$(cd "$module_dir" && mod_version go.mod k8s.io/client-go)
  [[ $client_go =~ ^v0\.([0-9]+)\. ]] || die "cannot read the k8s.io/client-go version from $module_dir/go.mod"
  k8s_minor=${BASH_REMATCH[1]}
  local v=helm.sh/helm/v3/internal/version
  local ldflags="-s -w -X $v.version=$helm_version -X $v.metadata= -X $v.gitTreeState=clean"
  ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$k8s_minor"
  ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$k8s_minor"
  log "building helm $helm_version (cold: about 6 min of CPU, 860 MB of memory)"
  local start=$SECONDS
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$cache_dir/build-time.txt")
  (
    cd "$module_dir"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly"
    "${timer[@]}" nice -n 10 "$go_cmd" build -trimpath -ldflags "$ldflags" -o "$tmp/" helm.sh/helm/v3/cmd/helm
  ) || die "building helm $helm_version failed"
  [[ -x $tmp/helm ]] || die "build did not produce helm"
  # A binary that does not report the pinned version was not built as meant.
  local reported
  reported=$("$tmp/helm" version --template '{{.Version}}') || die "the built helm does not run"
  [[ $reported == "$helm_version" ]] || die "the built helm reports version '$reported', not $helm_version"
  chmod 755 "$tmp"
  rm -rf "$bin_dir"
  mv -T "$tmp" "$bin_dir"
  trap - EXIT
  log "built helm $helm_version in $((SECONDS - start)) s into $bin_dir"
  if [[ -f $cache_dir/build-time.txt ]]; then
    grep -E 'Elapsed|Maximum resident' "$cache_dir/build-time.txt" | sed 's/^\s*/helm.sh:   /' >&2 || true
  fi
}

build_helm
if [[ $1 == --path ]]; then
  (($# == 1)) || die "--path takes no arguments"
  printf '%s\n' "$helm_bin"
  exit 0
fi
[[ $1 == -- ]] && shift
exec "$helm_bin" "$@"

#!/usr/bin/env bash
# Packages the Helm chart deploy/helm/modelbooster as a .tgz, optionally with
# a Kthena release's child-kind CRDs for standalone.enabled (trying the
# controller where no Kthena runs). The CRDs are the serving stack's, so
# the repository holds no copy: they are taken from the Kthena source given
# at packaging time, into a copy of the chart, never into the tree.
set -euo pipefail

usage() {
  cat <<'EOF_USAGE'
Usage: scripts/chart-package.sh [--serving-stack-crds KTHENA_SRC] [--destination DIR]

Packages deploy/helm/modelbooster with `helm package` (Helm from
scripts/helm.sh) and prints the archive's path as the last line.

  --serving-stack-crds KTHENA_SRC
        also put the child-kind CRDs of that Kthena source tree
        (KTHENA_SRC/charts/kthena/charts/*/crds/*.yaml: ModelServing,
        ModelServer, ModelRoute, AutoscalingPolicy, and on v0.1.0
        AutoscalingPolicyBinding; never its ModelBooster CRD, which is ours)
        into the archive, for `--set standalone.enabled=true`. For example
          scripts/chart-package.sh --serving-stack-crds ../shared/kthena/v1.0.0
        The archive is then named modelbooster-<version>-standalone.tgz.
  --destination DIR
        where the archive goes (default: build/chart)
  --help
        this text
EOF_USAGE
}

repo_root=$(cd "$(dirname "$0")/.." && pwd)
kthena_src=""
dest=$repo_root/build/chart
while (($#)); do
  case $1 in
    --serving-stack-crds) kthena_src=${2:?--serving-stack-crds needs a directory}; shift 2 ;;
    --destination) dest=${2:?--destination needs a directory}; shift 2 ;;
    --help | -h) usage; exit 0 ;;
    *) echo "chart-package: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

helm=$("$repo_root/scripts/helm.sh" --path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$repo_root/deploy/helm/modelbooster" "$work/modelbooster"
suffix=""
if [[ -n $kthena_src ]]; then
  [[ -d $kthena_src ]] || { echo "chart-package: $kthena_src is not a directory" >&2; exit 1; }
  mkdir "$work/modelbooster/serving-stack-crds"
  n=0
  for f in "$kthena_src"/charts/kthena/charts/*/crds/*.yaml; do
    [[ -f $f ]] || continue
    [[ $(yq -r '.kind' "$f") == CustomResourceDefinition ]] || continue
    [[ $(yq -r '.spec.names.kind' "$f") == ModelBooster ]] && continue
    cp "$f" "$work/modelbooster/serving-stack-crds/"
    n=$((n + 1))
  done
  ((n > 0)) || { echo "chart-package: no child-kind CRD under $kthena_src/charts/kthena/charts/*/crds" >&2; exit 1; }
  echo "chart-package: $n serving-stack CRDs from $kthena_src: $(cd "$work/modelbooster/serving-stack-crds" && ls | tr '\n' ' ')" >&2
  suffix=-standalone
fi
mkdir -p "$dest"
"$helm" package "$work/modelbooster" --destination "$work/out" >/dev/null
archive=$(ls "$work"/out/*.tgz)
target=$dest/$(basename "$archive" .tgz)$suffix.tgz
mv "$archive" "$target"
echo "$target"

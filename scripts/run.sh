#!/usr/bin/env bash
# The main job on one machine, from a fresh clone: installs dependencies,
# builds modelbooster, and renders the example boosters: every object the
# controller will create for them, without a cluster. Then, when the local
# control plane can be built here, starts it (etcd, kube-apiserver,
# kube-controller-manager), installs the CRDs, applies the examples and shows
# them as `kubectl get` does.
#
#   scripts/run.sh                  render + local control plane
#   scripts/run.sh --render-only    no cluster
#   scripts/run.sh FILE             render FILE instead of the examples
set -euo pipefail
cd "$(dirname "$0")/.."

render_only=0
files=()
for arg in "$@"; do
  case "$arg" in
    --render-only) render_only=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) files+=("$arg") ;;
  esac
done
[ ${#files[@]} -gt 0 ] || files=(examples/*.yaml)

scripts/install-deps.sh
cmake -S . -B build/run -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMB_BUILD_TESTS=OFF -DMB_BUILD_BENCH=OFF >/dev/null
cmake --build build/run --target modelbooster
mb=build/run/src/modelbooster

for f in "${files[@]}"; do
  echo "### modelbooster render -f $f"
  "$mb" render -f "$f"
done

[ $render_only = 1 ] && exit 0

echo "### local control plane (scripts/testenv.sh up)"
scripts/testenv.sh up
eval "$(scripts/testenv.sh env)"
kubectl apply -f "${files[@]}" >/dev/null
echo "### kubectl get modelboosters -A"
kubectl get modelboosters -A
cat <<MSG

The control plane keeps running. Point kubectl at it with
  eval "\$(scripts/testenv.sh env)"
and stop it with
  scripts/testenv.sh down
MSG

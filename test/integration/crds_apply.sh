#!/usr/bin/env bash
# Every CRD in deploy/crds and every manifest in examples/ applies cleanly.
source "$(dirname "$0")/lib.sh"
mb_require_cluster
mb_install_crds
note "applied and Established: ${#MB_CRD_FILES[@]} CRD file(s)"

shopt -s nullglob
examples=("$MB_REPO_ROOT"/examples/*.yaml "$MB_REPO_ROOT"/examples/*.yml)
shopt -u nullglob
((${#examples[@]})) || fail "examples/ has no *.yaml files yet: nothing to apply, so this test cannot pass"

# Applied as a user would (the examples name their own namespace, e.g.
# default); everything applied is deleted again when the test ends.
applied=()
cleanup_examples() {
  local f
  for f in "${applied[@]}"; do kubectl delete -f "$f" --ignore-not-found --wait=false >/dev/null 2>&1 || true; done
}
trap 'cleanup_examples; _mb_cleanup' EXIT
for f in "${examples[@]}"; do
  rel=${f#"$MB_REPO_ROOT"/}
  out=$(kubectl apply -f "$f" 2>&1) || fail "kubectl apply -f $rel failed:
$out"
  applied+=("$f")
  note "applied $rel: $(tr '\n' ' ' <<<"$out")"
done
# Every example must have created at least one ModelBooster.
n=$(kubectl get "modelboosters.$MB_GROUP" -A -o name | wc -l)
((n > 0)) || fail "examples/ created no ModelBooster"
note "$n ModelBooster(s) exist after applying ${#examples[@]} example file(s)"

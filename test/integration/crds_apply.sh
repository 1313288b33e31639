#!/usr/bin/env bash
# Every CRD in deploy/crds and every manifest in examples/ applies cleanly.
source "$(dirname "$0")/lib.sh"
mb_require_cluster
mb_install_crds
note "applied and Established: ${#MB_CRD_FILES[@]} CRD file(s)"
mb_new_namespace

shopt -s nullglob
examples=("$MB_REPO_ROOT"/examples/*.yaml "$MB_REPO_ROOT"/examples/*.yml)
shopt -u nullglob
((${#examples[@]})) || fail "examples/ has no *.yaml files yet: nothing to apply, so this test cannot pass"

for f in "${examples[@]}"; do
  # Examples carry no namespace of their own; each goes into the test namespace.
  out=$(kubectl apply -n "$MB_NS" -f "$f" 2>&1) || fail "kubectl apply -f ${f#"$MB_REPO_ROOT"/} failed:
$out"
  note "applied ${f#"$MB_REPO_ROOT"/}"
done
n=$(kubectl get modelboosters.$MB_GROUP -n "$MB_NS" -o name | wc -l)
((n > 0)) || fail "examples/ created no ModelBooster"
note "$n ModelBooster(s) created from ${#examples[@]} example file(s)"

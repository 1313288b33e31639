#!/usr/bin/env bash
# Everything `modelbooster render` produces is accepted by the real API
# server's CRD schemas (structural schema, CEL rules): every example and
# every golden output, applied with a server-side dry run.
#   render_dry_run.sh MODELBOOSTER_BINARY
source "$(dirname "$0")/lib.sh"
mb_require_cluster
mb_new_namespace
mb=${1:?usage: render_dry_run.sh MODELBOOSTER_BINARY}

# Our objects into this test's namespace (kubectl refuses a mismatch).
retarget() { sed -E "s/^(\s+)namespace: (default|demo)$/\1namespace: $MB_NS/"; }

checked=0
for f in "$MB_REPO_ROOT"/examples/*.yaml; do
  # Examples carry no uid; the API server requires one in ownerReferences.
  sed -E "s/^  namespace: default$/  namespace: default\n  uid: 00000000-0000-4000-8000-000000000042/" "$f" |
    "$mb" render -f - | retarget >"$MB_TMP/out.yaml" || fail "render $f"
  out=$(kubectl apply --dry-run=server -f "$MB_TMP/out.yaml" 2>&1) || fail "$(basename "$f"): $out"
  checked=$((checked + 1))
done
for f in "$MB_REPO_ROOT"/test/golden/*/expected.yaml; do
  retarget <"$f" >"$MB_TMP/out.yaml"
  out=$(kubectl apply --dry-run=server -f "$MB_TMP/out.yaml" 2>&1) || fail "$(basename "$(dirname "$f")"): $out"
  checked=$((checked + 1))
done
((checked > 10)) || fail "only $checked files were checked"
note "$checked rendered files accepted by the API server"

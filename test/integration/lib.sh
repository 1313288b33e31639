# Shared helpers for the integration tests (sourced, not run).
# The tests talk to the control plane that scripts/testenv.sh started:
#   scripts/testenv.sh up && eval "$(scripts/testenv.sh env)"
# Each test gets a fresh namespace that is deleted when it ends; when a test
# fails, the tail of the control plane's logs is printed.
set -euo pipefail

MB_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MB_TEST_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
MB_NS=""
MB_CLUSTER_OK=0
MB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mb-it-XXXXXX")

# The group/version/kind the CRD and example tests expect.
MB_GROUP=workload.serving.volcano.sh
MB_VERSION=v1alpha1
MB_CRD=modelboosters.$MB_GROUP

fail() {
  printf 'FAIL [%s]: %s\n' "$MB_TEST_NAME" "$*" >&2
  exit 1
}

note() { printf '[%s] %s\n' "$MB_TEST_NAME" "$*"; }

_mb_cleanup() {
  local rc=$?
  if ((rc != 0 && MB_CLUSTER_OK)); then
    printf '\n----- control plane logs (scripts/testenv.sh logs) -----\n' >&2
    "$MB_REPO_ROOT/scripts/testenv.sh" logs 30 >&2 || true
    printf -- '----- end of logs -----\n' >&2
  fi
  if [[ -n $MB_NS ]]; then
    kubectl delete namespace "$MB_NS" --wait=false --ignore-not-found >/dev/null 2>&1 || true
  fi
  rm -rf "$MB_TMP"
  if ((rc == 0)); then printf 'PASS [%s]\n' "$MB_TEST_NAME"; fi
  exit "$rc"
}
trap _mb_cleanup EXIT

# Fail clearly unless a control plane is configured and answering.
mb_require_cluster() {
  command -v kubectl >/dev/null || fail "kubectl is not installed"
  [[ -n ${KUBECONFIG:-} ]] ||
    fail "KUBECONFIG is not set. Start the control plane first:
    scripts/testenv.sh up && eval \"\$(scripts/testenv.sh env)\""
  [[ -f $KUBECONFIG ]] || fail "KUBECONFIG=$KUBECONFIG does not exist (is the control plane up?)"
  local out
  out=$(kubectl get --raw /readyz 2>&1) || fail "the API server at KUBECONFIG=$KUBECONFIG does not answer: $out"
  [[ $out == ok ]] || fail "the API server is not ready: $out"
  MB_CLUSTER_OK=1
}

# Create a fresh namespace for this test; it is deleted on exit.
mb_new_namespace() {
  local base
  base=$(tr -c 'a-z0-9\n' '-' <<<"${MB_TEST_NAME,,}" | cut -c1-40)
  MB_NS="it-${base%-}-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
  kubectl create namespace "$MB_NS" >/dev/null || fail "cannot create namespace $MB_NS"
  note "namespace $MB_NS"
}

# Set MB_CRD_FILES to the CRD files of the repository; fail (never pass
# silently) when there are none.
mb_crd_files() {
  shopt -s nullglob
  MB_CRD_FILES=("$MB_REPO_ROOT"/deploy/crds/*.yaml "$MB_REPO_ROOT"/deploy/crds/*.yml)
  shopt -u nullglob
  ((${#MB_CRD_FILES[@]})) ||
    fail "deploy/crds/ has no *.yaml files yet: the CRDs are not written, so this test cannot pass"
}

# Apply every CRD of deploy/crds (server-side, idempotent) and wait until
# each one is Established, then check the ModelBooster CRD is among them.
mb_install_crds() {
  local args=() f
  mb_crd_files
  for f in "${MB_CRD_FILES[@]}"; do args+=(-f "$f"); done
  kubectl apply --server-side --force-conflicts "${args[@]}" >"$MB_TMP/crd-apply.log" 2>&1 ||
    fail "kubectl apply of deploy/crds failed:
$(cat "$MB_TMP/crd-apply.log")"
  kubectl wait --for condition=established --timeout=60s "${args[@]}" >"$MB_TMP/crd-wait.log" 2>&1 ||
    fail "CRDs did not become Established:
$(cat "$MB_TMP/crd-wait.log")"
  kubectl get crd "$MB_CRD" >/dev/null 2>&1 ||
    fail "deploy/crds does not define the CRD $MB_CRD"
}

# Run a command that must fail; its combined output goes to stdout.
mb_expect_failure() {
  local out
  if out=$("$@" 2>&1); then
    printf '%s\n' "$out"
    fail "expected this command to be refused, but it succeeded: $*"
  fi
  printf '%s\n' "$out"
}

# mb_wait_gone <seconds> <kubectl get args...>: wait until the object is gone.
mb_wait_gone() {
  local timeout=$1
  shift
  local deadline=$((SECONDS + timeout))
  while kubectl get "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

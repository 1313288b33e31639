#!/usr/bin/env bash
# docs/migration.md, step by step, on the Kthena v1.0.0 stack: a cluster
# where Kthena's own booster controller (and its ModelBooster CRD) made the
# children of a v1.0-shaped booster moves to modelbooster. Its CRD is
# replaced by ours, its booster controller is stopped, ours starts: the
# booster is adopted, Active=True, and its ModelServing, ModelServer and
# ModelRoute are the same objects (same uid): nothing is recreated. Where our
# pod template differs from theirs (docs/migration.md, docs/deviations.md)
# the update makes Kthena's ModelServing controller roll the pods, as for
# any template change: the pods before and after are printed, not compared.
# Replaces the cluster-wide ModelBooster CRD for a while: runs alone
# (RESOURCE_LOCK in CMakeLists.txt) and puts ours back in any case.
source "$(dirname "$0")/lib.sh"
e2e_setup
[[ $MB_STACK == v1.0.0 ]] || skip "migration from Kthena's own booster controller is a v1.0.0 scenario (stack here: $MB_STACK)"
src=${MODELBOOSTER_TESTENV_KTHENA_SRC:?scripts/testenv.sh env sets MODELBOOSTER_TESTENV_KTHENA_SRC}
bin=${MODELBOOSTER_TESTENV_KTHENA_BIN:?scripts/testenv.sh env sets MODELBOOSTER_TESTENV_KTHENA_BIN}
their_crd=$src/charts/kthena/charts/workload/crds/workload.serving.volcano.sh_modelboosters.yaml
our_crd=$MB_REPO_ROOT/deploy/crds/workload.serving.volcano.sh_modelboosters.yaml
[[ -f $their_crd ]] || fail "Kthena's ModelBooster CRD is not at $their_crd"
# The booster below has Kthena v1.0's shape (spec.backend); our CRD must
# accept it, or there is nothing to adopt.
yq -e '.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.backend' "$our_crd" >/dev/null 2>&1 ||
  skip "our ModelBooster CRD ($our_crd) has no spec.backend (the v1.0 booster shape) in this build"

theirs_pid=""
restore() {
  [[ -n $theirs_pid ]] && kill -TERM "$theirs_pid" 2>/dev/null && wait "$theirs_pid" 2>/dev/null
  kubectl apply --server-side --force-conflicts -f "$our_crd" >/dev/null 2>&1 ||
    printf 'WARNING: could not put our ModelBooster CRD back\n' >&2
  kubectl wait --for condition=established --timeout=60s -f "$our_crd" >/dev/null 2>&1 || true
}
on_exit restore

# 1. The cluster before: Kthena v1.0.0's own ModelBooster CRD and its
# booster controller (the rest of the stack is the testenv's).
kubectl apply --server-side --force-conflicts -f "$their_crd" >/dev/null || fail "cannot install Kthena's ModelBooster CRD"
wait_for -t 60 bash -c "kubectl get crd $K_MB -o json | jq -e '.status.conditions[]? | select(.type==\"Established\" and .status==\"True\")' >/dev/null &&
  ! kubectl get crd $K_MB -o json | jq -e '.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.backends' >/dev/null" ||
  fail "Kthena's ModelBooster CRD did not replace ours"
"$bin/kthena-controller-manager" --kubeconfig "$KUBECONFIG" --controllers=modelbooster --enable-webhook=false \
  >"$MB_TMP/kthena-booster-controller.log" 2>&1 &
theirs_pid=$!
CTL_LOGS+=("$MB_TMP/kthena-booster-controller.log")

B=migrated
apply_yaml <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: $B
  namespace: $MB_NS
spec:
  backend:
    name: gpu
    type: vLLM
    modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
    cacheURI: hostpath:///mnt/models
    replicas: 1
    workers:
      - type: server
        image: vllm/vllm-openai:v0.10.1
        replicas: 1
        pods: 1
        resources:
          limits: {nvidia.com/gpu: "1"}
YAML
wait_for -t 90 exists "$K_MS" "$B-gpu" || fail "Kthena's booster controller made no ModelServing $B-gpu:
$(tail -n 30 "$MB_TMP/kthena-booster-controller.log")"
wait_for -t 90 bash -c "[[ \$(kubectl -n $MB_NS get $K_MS $B-gpu -o jsonpath='{.status.conditions[?(@.type==\"Available\")].status}') == True ]]" ||
  fail "ModelServing $B-gpu made by Kthena's booster controller did not become Available"
declare -A uid_before=()
for obj in "$K_MS $B-gpu" "$K_SRV $B-gpu" "$K_RT $B"; do
  read -r kind name <<<"$obj"
  wait_for -t 30 exists "$kind" "$name" || fail "Kthena's booster controller made no $kind $name"
  uid_before[$obj]=$(uid_of "$kind" "$name")
done
note "before: Kthena's booster controller made $(names "$K_MS") / $(names "$K_SRV") / $(names "$K_RT")"

# 2. Migrate (docs/migration.md): stop their booster controller, replace the
# CRD with ours (stored boosters stay), start ours.
kill -TERM "$theirs_pid"
wait "$theirs_pid" 2>/dev/null || true
theirs_pid=""
# The pods as their controller left them: it updates the ModelServing a few
# times after creating it, and Kthena rolls the pods for that; wait until
# the ModelServing controller has caught up (observed generation, one
# revision, Available) and the pods are Ready, so that what is printed
# below is what ours found.
settled() {
  k get "$K_MS" "$B-gpu" -o json | jq -e '.metadata.generation == .status.observedGeneration
    and .status.currentRevision == .status.updateRevision
    and any(.status.conditions[]?; .type == "Available" and .status == "True")' >/dev/null &&
    [[ -z $(k get pods -l "modelserving.volcano.sh/name=$B-gpu" -o json |
      jq -r '.items[] | select(.metadata.deletionTimestamp != null or all(.status.conditions[]?; .type != "Ready" or .status != "True")) | .metadata.name') ]]
}
wait_for -t 60 settled || fail "ModelServing $B-gpu did not settle after their booster controller stopped: $(jp "$K_MS" "$B-gpu" '{.status}')"
pod_uids() { k get pods -l "modelserving.volcano.sh/name=$B-gpu" -o json | jq -c '[.items[].metadata.uid] | sort'; }
pods_before=$(pod_uids)
note "their booster controller stopped; pods $pods_before"
kubectl apply --server-side --force-conflicts -f "$our_crd" >/dev/null || fail "cannot install our CRD"
wait_for -t 60 bash -c "kubectl get crd $K_MB -o json | jq -e '.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.backends' >/dev/null" ||
  fail "our CRD did not replace Kthena's"
ctl_start main
wait_cond "$B" Active True 120

# 3. The same objects, now ours: same uids, our labels and revision.
for obj in "${!uid_before[@]}"; do
  read -r kind name <<<"$obj"
  expect_eq "$(uid_of "$kind" "$name")" "${uid_before[$obj]}" "$kind $name must be adopted, not recreated"
done
expect_eq "$(jp "$K_MS" "$B-gpu" "{.metadata.ownerReferences[0].uid}")" "$(uid_of "$K_MB" "$B")" "ModelServing owner"
ctl_idle
w=$(writes)
sleep 5
ctl_idle
expect_eq "$(writes)" "$w" "no writes once the adopted booster is in step"
wait_for -t 90 bash -c "[[ \$(kubectl -n $MB_NS get $K_MS $B-gpu -o jsonpath='{.status.conditions[?(@.type==\"Available\")].status}') == True ]]" ||
  fail "ModelServing $B-gpu is not Available after the migration"
note "after: $B Active=True; ModelServing, ModelServer and ModelRoute kept their uids; pods $pods_before -> $(pod_uids)"

#!/usr/bin/env bash
# The examples, as a new user applies them, on the real serving stack
# (scripts/testenv.sh up --stack <tag>): Kthena's own ModelServing
# controller turns our ModelServings into pods, kube-scheduler binds them to
# simulated KWOK nodes with the GPUs or NPUs they ask for, KWOK runs them, the
# ModelServings become Available and every booster Active=True. Deleting the
# boosters removes every child and every pod. The time from `kubectl apply`
# to Active is printed per example (docs/testing.md records it).
source "$(dirname "$0")/lib.sh"
e2e_setup
# Pod IPs come from KWOK's pod CIDR (MODELBOOSTER_TESTENV_POD_CIDR, an
# octet-aligned range on loopback): its fixed octets, e.g. "127.20.".
cidr=${MODELBOOSTER_TESTENV_POD_CIDR:-127.20.0.0/16}
ip_prefix=$(cut -d. -f1-$((${cidr#*/} / 8)) <<<"${cidr%/*}").
[[ $MB_STACK != none ]] || skip "no serving stack in this control plane (MODELBOOSTER_TESTENV_STACK=$MB_STACK): nothing to run on"
ACTIVE_TIMEOUT=${MB_E2E_ACTIVE_TIMEOUT:-180}

# The cache volume two examples name (pvc://model-cache): a statically bound
# claim, as a cluster administrator would provide it.
apply_yaml <<YAML
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $MB_NS-model-cache
spec:
  capacity: {storage: 1Ti}
  accessModes: [ReadWriteMany]
  persistentVolumeReclaimPolicy: Delete
  storageClassName: ""
  hostPath: {path: /var/lib/model-cache}
  claimRef: {namespace: $MB_NS, name: model-cache}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: model-cache
  namespace: $MB_NS
spec:
  accessModes: [ReadWriteMany]
  storageClassName: ""
  volumeName: $MB_NS-model-cache
  resources: {requests: {storage: 1Ti}}
YAML
# testenv runs no pvc-protection or pv-protection controller, so nothing
# would ever lift the kubernetes.io/pvc-protection and pv-protection
# finalizers the API server's admission adds: the claim, and with it the
# namespace, would stay Terminating for good. Lift them at exit (every pod
# is gone by then, or the test failed).
on_exit 'kubectl -n "$MB_NS" patch pvc model-cache --type=merge -p "{\"metadata\":{\"finalizers\":null}}" >/dev/null 2>&1
  kubectl delete pv "$MB_NS-model-cache" --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl patch pv "$MB_NS-model-cache" --type=merge -p "{\"metadata\":{\"finalizers\":null}}" >/dev/null 2>&1'

wait_for -t 60 bash -c "[[ \$(kubectl -n $MB_NS get pvc model-cache -o jsonpath='{.status.phase}') == Bound ]]" ||
  fail "PVC model-cache was not bound: $(k get pvc model-cache -o yaml)"

ctl_start main

# Whole-node examples first: the multi-node one needs two GPU nodes with all
# 8 devices free, and the scheduler spreads the small pods over every node
# (least-allocated scoring) if they come first.
examples=()
for f in "$MB_REPO_ROOT"/examples/*multi-node*.yaml; do examples+=("$f"); done
for f in "$MB_REPO_ROOT"/examples/*.yaml; do [[ $f == *multi-node* ]] || examples+=("$f"); done
((${#examples[@]} >= 5)) || fail "expected at least 5 examples, found ${#examples[@]}"

declare -A applied_at=() booster_of=()
for f in "${examples[@]}"; do
  name=$(awk '/^metadata:/ {m=1; next} m && /^  name:/ {print $2; exit}' "$f")
  [[ -n $name ]] || fail "cannot read the booster name of $f"
  sed -E "s/^  namespace: default$/  namespace: $MB_NS/" "$f" | apply_yaml
  applied_at[$name]=$(date +%s.%N)
  booster_of[$name]=$(basename "$f")
  if [[ $f == *multi-node* ]]; then
    wait_for -t 60 bash -c "[[ -n \$(kubectl -n $MB_NS get pods -o jsonpath='{.items[*].spec.nodeName}') &&
      -z \$(kubectl -n $MB_NS get pods -o json | jq -r '.items[] | select((.spec.nodeName // \"\") == \"\") | .metadata.name') ]]" ||
      fail "the pods of $(basename "$f") were not scheduled: $(k get pods -o wide)"
  fi
done
note "applied ${#examples[@]} examples: ${!booster_of[*]}"

report="$MB_TMP/time-to-active.txt"
for name in "${!booster_of[@]}"; do
  wait_cond "$name" Active True "$ACTIVE_TIMEOUT"
  secs=$(awk -v a="${applied_at[$name]}" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  printf '%-40s %-28s %6s s\n' "${booster_of[$name]}" "$name" "$secs" | tee -a "$report"
done

# Each ModelServing's pods were made by Kthena's controller (owned by the
# ModelServing), are Running and Ready on a KWOK node, with an IP; the
# ModelServing is Available.
for ms in $(names "$K_MS"); do
  replicas=$(jp "$K_MS" "$ms" '{.spec.replicas}')
  pods=$(k get pods -l "modelserving.volcano.sh/name=$ms" -o json)
  n=$(jq '.items | length' <<<"$pods")
  if ((replicas > 0)); then
    ((n > 0)) || fail "ModelServing $ms (replicas $replicas) has no pods"
    expect_eq "$(jp "$K_MS" "$ms" '{.status.conditions[?(@.type=="Available")].status}')" True "ModelServing $ms Available"
  fi
  bad=$(jq -r --arg ms "$ms" --arg prefix "$ip_prefix" '.items[] | select(
      (.status.phase != "Running")
      or ([.status.conditions[]? | select(.type == "Ready" and .status == "True")] | length == 0)
      or ((.spec.nodeName // "") | startswith("kwok-") | not)
      or ((.status.podIP // "") | startswith($prefix) | not)
      or ([.metadata.ownerReferences[]? | select(.kind == "ModelServing" and .name == $ms)] | length == 0))
    | "\(.metadata.name) phase=\(.status.phase) node=\(.spec.nodeName) ip=\(.status.podIP)"' <<<"$pods")
  [[ -z $bad ]] || fail "pods of ModelServing $ms not Running/Ready on a KWOK node, or not owned by it:
$bad"
  note "ModelServing $ms: $n pod(s) Running and Ready on $(jq -r '[.items[].spec.nodeName] | unique | join(",")' <<<"$pods")"
done
# Accelerator pods landed where the devices are.
npu_on_gpu=$(k get pods -o json | jq -r '.items[] | select(any(.spec.containers[].resources.limits // {} | keys[]; startswith("huawei.com/ascend")))
  | select((.spec.nodeName // "") | startswith("kwok-npu-") | not) | .metadata.name')
[[ -z $npu_on_gpu ]] || fail "Ascend pods not on Ascend nodes: $npu_on_gpu"

# Deleting the boosters removes every child and, through Kthena's
# controller and the garbage collector, every pod.
k delete "$K_MB" --all --wait=false >/dev/null
IFS=, eval 'kinds="${K_CHILDREN[*]}"'
wait_for -t 120 bash -c "[[ -z \$(kubectl -n $MB_NS get $kinds,pods -o name 2>/dev/null) ]]" ||
  fail "children or pods left after deleting the boosters: $(k get "$kinds",pods -o name)"
note "all boosters deleted: no child and no pod left"
note "time from apply to Active=True ($MB_STACK):"
cat "$report"

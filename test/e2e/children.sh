#!/usr/bin/env bash
# Scenario 1: a new booster gets all its children, with the right names, the
# five labels and one controller ownerReference; Initialized=True and
# Active=False naming the ModelServings; `kubectl wait` works on it.
# On the real serving stack the ModelServings would be Available within
# seconds, so the workers select the test's node pool (lib.sh, pool_open),
# which no node joins: the pods stay Pending and Active=False is a state, not
# a race. The autoscaling children are the profile's: on v0.1 an
# AutoscalingPolicy and a Binding, on v1.0 one AutoscalingPolicy with a
# homogeneousTarget.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

B=llm
apply_yaml <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: $B
  namespace: $MB_NS
spec:
  name: llm-served
  backends:
    - name: a
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 3
      routeWeight: 70
      autoscalingPolicy:
        metrics:
          - metricName: kthena:num_requests_waiting
            targetValue: 5
      workers:
        - image: vllm/vllm-openai:v0.10.1
          config:
            max-model-len: 4096
          nodeSelector:
            $MB_POOL_KEY: "true"
    - name: b
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 2
      maxReplicas: 2
      routeWeight: 30
      workers:
        - image: vllm/vllm-openai:v0.10.1
          nodeSelector:
            $MB_POOL_KEY: "true"
YAML
UID_B=$(uid_of "$K_MB" "$B")
[[ -n $UID_B ]] || fail "booster $B was not created"

kubectl wait --for=condition=Initialized "$K_MB/$B" -n "$MB_NS" --timeout=30s >/dev/null ||
  fail "kubectl wait --for=condition=Initialized did not succeed within 30 s; status: $(jp "$K_MB" "$B" '{.status}')"
# The short name works for users too.
kubectl wait --for=condition=Initialized "mb/$B" -n "$MB_NS" --timeout=5s >/dev/null ||
  fail "kubectl wait --for=condition=Initialized mb/$B failed"
note "Initialized=True"

# Children: names per kind.
expect_eq "$(names "$K_MS")" "$B-a $B-b" "ModelServings in the namespace"
expect_eq "$(names "$K_SRV")" "$B-a $B-b" "ModelServers in the namespace"
expect_eq "$(names "$K_RT")" "$B" "ModelRoutes in the namespace"
expect_eq "$(names "$K_ASP")" "$B-a" "AutoscalingPolicies (backend-level on backend a only)"
if [[ $MB_PROFILE == v0.1 ]]; then
  expect_eq "$(names "$K_ASPB")" "$B-a" "AutoscalingPolicyBindings (backend-level on backend a only)"
fi
expect_eq "$(children "$UID_B")" \
  "modelservings/$B-a modelservings/$B-b modelservers/$B-a modelservers/$B-b modelroutes/$B $(scaling_children "$B-a")" \
  "children carrying the label $L_UID=$UID_B"
n_children=$(wc -w <<<"$(children "$UID_B")")

# Labels and the owner on every child.
check_child() { # kind name backend
  local kind=$1 name=$2 backend=$3 obj
  obj=$(k get "$kind" "$name" -o json) || fail "$kind $name is missing"
  local what="$kind/$name"
  expect_eq "$(jq -r --arg k "$L_NAME" '.metadata.labels[$k] // "<absent>"' <<<"$obj")" "$B" "$what label $L_NAME"
  expect_eq "$(jq -r --arg k "$L_BACKEND" '.metadata.labels[$k] // "<absent>"' <<<"$obj")" "$backend" "$what label $L_BACKEND"
  expect_eq "$(jq -r --arg k "$L_MANAGED" '.metadata.labels[$k] // "<absent>"' <<<"$obj")" "$MB_GROUP" "$what label $L_MANAGED"
  expect_eq "$(jq -r --arg k "$L_UID" '.metadata.labels[$k] // "<absent>"' <<<"$obj")" "$UID_B" "$what label $L_UID"
  local rev
  rev=$(jq -r --arg k "$L_REVISION" '.metadata.labels[$k] // ""' <<<"$obj")
  [[ $rev =~ ^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$ && ${#rev} -le 63 ]] ||
    fail "$what label $L_REVISION is '$rev', expected a short hash"
  expect_eq "$(jq -cS '.metadata.ownerReferences' <<<"$obj")" \
    "[{\"apiVersion\":\"$MB_GROUP/v1alpha1\",\"blockOwnerDeletion\":true,\"controller\":true,\"kind\":\"ModelBooster\",\"name\":\"$B\",\"uid\":\"$UID_B\"}]" \
    "$what ownerReferences (exactly one, the booster, controller and blockOwnerDeletion)"
}
for n in a b; do
  check_child "$K_MS" "$B-$n" "$n"
  check_child "$K_SRV" "$B-$n" "$n"
done
check_child "$K_RT" "$B" ""
check_child "$K_ASP" "$B-a" "a"
if [[ $MB_PROFILE == v0.1 ]]; then check_child "$K_ASPB" "$B-a" "a"; fi
note "names, labels and owners of $n_children children are right"

# A few fields that tie the children together.
expect_eq "$(jp "$K_RT" "$B" '{.spec.modelName}')" "llm-served" "ModelRoute spec.modelName (spec.name)"
expect_eq "$(jp "$K_RT" "$B" '{range .spec.rules[0].targetModels[*]}{.modelServerName}={.weight} {end}')" \
  "$B-a=70 $B-b=30 " "ModelRoute targets of rule default"
expect_eq "$(jp "$K_MS" "$B-a" '{.spec.replicas}')" "1" "ModelServing $B-a spec.replicas (minReplicas)"
expect_eq "$(jp "$K_MS" "$B-b" '{.spec.replicas}')" "2" "ModelServing $B-b spec.replicas"
if [[ $MB_PROFILE == v0.1 ]]; then
  expect_eq "$(jp "$K_ASPB" "$B-a" '{.spec.policyRef.name} {.spec.scalingConfiguration.target.targetRef.name} {.spec.scalingConfiguration.minReplicas} {.spec.scalingConfiguration.maxReplicas}')" \
    "$B-a $B-a 1 3" "AutoscalingPolicyBinding $B-a policyRef / target / min / max"
  expect_eq "$(jp "$K_ASP" "$B-a" '{.spec.metrics[0].metricName}')" "kthena:num_requests_waiting" "AutoscalingPolicy $B-a metric"
else
  # v1.0: the policy itself targets the ModelServing, with the bounds and
  # where each metric is scraped.
  expect_eq "$(k get "$K_ASP" "$B-a" -o json | jq -c '.spec.homogeneousTarget | {kind: .target.targetRef.kind, name: .target.targetRef.name, min: .minReplicas, max: .maxReplicas, sources: (.target.metricSources | keys)}')" \
    "{\"kind\":\"ModelServing\",\"name\":\"$B-a\",\"min\":1,\"max\":3,\"sources\":[\"kthena:num_requests_waiting\"]}" \
    "AutoscalingPolicy $B-a homogeneousTarget (target, bounds, metric sources)"
  expect_eq "$(k get "$K_ASP" "$B-a" -o json | jq -c '[.spec.metrics[] | {name, targetValue: (.targetValue | tostring)}]')" \
    '[{"name":"kthena:num_requests_waiting","targetValue":"5"}]' "AutoscalingPolicy $B-a metrics"
  expect_eq "$(jp "$K_ASP" "$B-a" '{.spec.heterogeneousTarget}')" "" "AutoscalingPolicy $B-a has no heterogeneousTarget (backend level)"
fi

# Status: Initialized=True, Active=False naming both ModelServings, Failed=False.
wait_cond "$B" Active False
# The pods Kthena made for them wait for a node of the pool.
wait_for bash -c "[[ -n \$(kubectl -n $MB_NS get pods -l modelserving.volcano.sh/name=$B-b -o name) ]]" ||
  fail "Kthena made no pod for ModelServing $B-b"
expect_eq "$(k get pods -o json | jq -r '[.items[] | select(.status.phase != "Pending" or (.spec.nodeName // "") != "")] | length')" "0" \
  "pods scheduled although no node is in the pool"
msg=$(cond "$B" Active message)
[[ $msg == *"$B-a"* && $msg == *"$B-b"* ]] ||
  fail "Active=False message should name the ModelServings not yet available ($B-a, $B-b): '$msg'"
[[ -n $(cond "$B" Active reason) ]] || fail "Active=False has no reason"
expect_eq "$(cond "$B" Failed)" "False" "condition Failed"
expect_eq "$(jp "$K_MB" "$B" '{.status.observedGeneration}')" "$(jp "$K_MB" "$B" '{.metadata.generation}')" \
  "status.observedGeneration vs metadata.generation"
for t in Initialized Active Failed; do
  expect_eq "$(cond "$B" "$t" observedGeneration)" "1" "condition $t observedGeneration"
  [[ -n $(cond "$B" "$t" lastTransitionTime) ]] || fail "condition $t has no lastTransitionTime"
done
note "Active=False: $msg"

# Events: one Normal Created per child.
ctl_idle
created=$(events_for "$B" Created | grep -c '^Normal Created' || true)
expect_eq "$created" "$n_children" "Normal Created events on the booster (one per child)"


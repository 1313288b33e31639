#!/usr/bin/env bash
# Scenario 4: children that are no longer desired are deleted, exactly those:
# a removed backend; an autoscaling policy taken away; a switch between
# model-level and backend-level autoscaling (and back).
# The autoscaling children are the profile's (lib.sh, scaling_children): on
# v0.1 an AutoscalingPolicy and a Binding per scope, on v1.0 one
# AutoscalingPolicy (homogeneousTarget at backend level, heterogeneousTarget
# at model level) under the name the Binding had.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

B=prune
POLICY='
        metrics:
          - metricName: kthena:num_requests_waiting
            targetValue: 5'

# booster MODE BACKENDS...: MODE is none, backend or model.
booster() {
  local mode=$1 be
  shift
  cat <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: $B
  namespace: $MB_NS
spec:
YAML
  if [[ $mode == model ]]; then
    printf '  autoscalingPolicy:%s\n' "${POLICY//        /    }"
  fi
  echo "  backends:"
  for be in "$@"; do
    cat <<YAML
    - name: $be
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      workers:
        - image: vllm/vllm-openai:v0.10.1
YAML
    case $mode in
      none) printf '      minReplicas: 1\n      maxReplicas: 1\n' ;;
      backend) printf '      minReplicas: 1\n      maxReplicas: 3\n      autoscalingPolicy:%s\n' "$POLICY" ;;
      model) printf '      minReplicas: 1\n      maxReplicas: 3\n      scalingCost: 10\n' ;;
    esac
  done
}

UID_B=""
wait_children() { # EXPECTED
  local deadline=$((SECONDS + WAIT_TIMEOUT))
  while [[ $(children "$UID_B") != "$1" ]]; do
    ctl_check_alive
    ((SECONDS < deadline)) || return 0
    sleep 0.25
  done
}
# child_uids: "plural/name=uid" of the booster's children, one per line.
child_uids() {
  local IFS=,
  k get "${K_CHILDREN[*]}" -l "$L_UID=$UID_B" -o json |
    jq -r '.items[] | "\(.kind)/\(.metadata.name)=\(.metadata.uid)"' | sort
}
BEFORE=""
expect_children() {
  local step=$1 want=$2 got
  wait_children "$want"
  got=$(children "$UID_B")
  [[ $got == "$want" ]] || fail "$step: the booster's children are not the desired ones
    expected: $want
    actual:   $got
    status:   $(jp "$K_MB" "$B" '{.status.conditions}')"
  wait_for cond_is "$B" Initialized True || fail "$step: Initialized is not True: $(jp "$K_MB" "$B" '{.status.conditions}')"
  wait_for bash -c "[[ \$(kubectl -n $MB_NS get $K_MB $B -o jsonpath='{.status.observedGeneration}') == \$(kubectl -n $MB_NS get $K_MB $B -o jsonpath='{.metadata.generation}') ]]" ||
    fail "$step: status.observedGeneration does not follow metadata.generation"
  expect_eq "$(cond "$B" Failed)" "False" "$step: Failed"
  # Exactly the no-longer-desired children went: every child that is still
  # desired kept its uid (it was not deleted and recreated).
  ctl_idle
  local now line recreated=""
  now=$(child_uids)
  while read -r line; do
    [[ -n $line ]] || continue
    local key=${line%%=*}
    local old
    old=$(grep -F "$key=" <<<"$BEFORE" | head -n1 || true)
    [[ -z $old || $old == "$line" ]] || recreated+=" $key"
  done <<<"$now"
  [[ -z $recreated ]] || fail "$step: still-desired children were deleted and recreated (new uid):$recreated"
  BEFORE=$now
  note "$step: children = $got"
}

# backend_targets POLICY BACKEND: the backend-level policy (v1.0) or binding
# (v0.1) POLICY targets the ModelServing of BACKEND within [1, 3].
backend_targets() {
  local got
  if [[ $MB_PROFILE == v0.1 ]]; then
    got=$(jp "$K_ASPB" "$1" '{.spec.scalingConfiguration.target.targetRef.name} {.spec.scalingConfiguration.minReplicas}-{.spec.scalingConfiguration.maxReplicas}')
  else
    got=$(jp "$K_ASP" "$1" '{.spec.homogeneousTarget.target.targetRef.name} {.spec.homogeneousTarget.minReplicas}-{.spec.homogeneousTarget.maxReplicas}')
  fi
  expect_eq "$got" "$B-$2 1-3" "backend-level autoscaling $1: target and bounds"
}

base() { # backends...: serving, server per backend and the route, as `children` prints them
  local out="" be
  for be in "$@"; do out+="modelservings/$B-$be "; done
  for be in "$@"; do out+="modelservers/$B-$be "; done
  echo "${out}modelroutes/$B"
}

# 1. Two backends, no autoscaling.
booster none a b | apply_yaml
wait_for bash -c "[[ -n \$(kubectl -n $MB_NS get $K_MB $B -o jsonpath='{.metadata.uid}') ]]"
UID_B=$(uid_of "$K_MB" "$B")
expect_children "two backends" "$(base a b)"
ms_a=$(uid_of "$K_MS" "$B-a")

# 2. Remove backend b: its ModelServing and ModelServer go, the rest stays.
booster none a | apply_yaml
expect_children "backend b removed" "$(base a)"
expect_eq "$(jp "$K_RT" "$B" '{range .spec.rules[*].targetModels[*]}{.modelServerName} {end}')" "$B-a " \
  "ModelRoute targets after removing backend b"
ctl_idle
[[ -n $(events_for "$B" Deleted | grep -F "ModelServing $MB_NS/$B-b") ]] ||
  fail "no Normal Deleted event for ModelServing $B-b: $(events_for "$B")"

# 3. Backend-level autoscaling on a: policy and binding <booster>-a.
booster backend a | apply_yaml
expect_children "backend-level autoscaling on a" "$(base a) $(scaling_children "$B-a")"
backend_targets "$B-a" a

# 4. Autoscaling taken away: the policy and the binding are deleted.
booster none a | apply_yaml
expect_children "autoscaling removed" "$(base a)"

# 5. Backend-level on a and b, then a switch to model-level: the
#    backend-level policies and bindings go, <booster> ones come.
booster backend a b | apply_yaml
expect_children "backend-level autoscaling on a and b" "$(base a b) $(scaling_children "$B-a" "$B-b")"
backend_targets "$B-a" a
backend_targets "$B-b" b
booster model a b | apply_yaml
expect_children "switch to model-level autoscaling" "$(base a b) $(scaling_children "$B")"
if [[ $MB_PROFILE == v0.1 ]]; then
  expect_eq "$(jp "$K_ASPB" "$B" '{range .spec.optimizerConfiguration.params[*]}{.target.targetRef.name} {end}')" "$B-a $B-b " \
    "model-level binding targets"
else
  expect_eq "$(jp "$K_ASP" "$B" '{range .spec.heterogeneousTarget.params[*]}{.target.targetRef.name}:{.cost}:{.minReplicas}-{.maxReplicas} {end}')" \
    "$B-a:10:1-3 $B-b:10:1-3 " "model-level policy heterogeneousTarget params (target:cost:min-max)"
  expect_eq "$(jp "$K_ASP" "$B" '{.spec.homogeneousTarget}')" "" "model-level policy has no homogeneousTarget"
fi

# 6. And back to backend-level.
booster backend a b | apply_yaml
expect_children "switch back to backend-level autoscaling" "$(base a b) $(scaling_children "$B-a" "$B-b")"
backend_targets "$B-a" a

# 7. Model-level, then none at all.
booster model a b | apply_yaml
expect_children "model-level again" "$(base a b) $(scaling_children "$B")"
booster none a b | apply_yaml
expect_children "autoscaling removed from model level" "$(base a b)"

# The ModelServing of backend a lived through all of it (never replaced).
expect_eq "$(uid_of "$K_MS" "$B-a")" "$ms_a" "uid of ModelServing $B-a (kept across every step)"

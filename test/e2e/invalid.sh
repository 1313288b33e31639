#!/usr/bin/env bash
# Scenario 7: a booster that passes the CRD schema but fails the
# controller's validation: Failed=True with the field path in the message,
# Initialized=False, a Warning event with the same text, no children, no
# retries; fixing the spec clears Failed and creates the children.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

# Two invalid boosters: a vLLM backend with two server workers; and
# minReplicas != maxReplicas without autoscaling.
apply_yaml <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: two-workers
  namespace: $MB_NS
spec:
  backends:
    - name: gpu
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 1
      workers:
        - type: server
          image: vllm/vllm-openai:v0.10.1
        - type: server
          image: vllm/vllm-openai:v0.10.1
---
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: no-scaler
  namespace: $MB_NS
spec:
  backends:
    - name: gpu
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 3
      workers:
        - image: vllm/vllm-openai:v0.10.1
YAML

check_invalid() { # booster field-path
  local b=$1 path=$2 msg
  wait_cond "$b" Failed True
  msg=$(cond "$b" Failed message)
  [[ $msg == *"$path"* ]] || fail "booster $b: the Failed message should name the field $path: '$msg'"
  [[ -n $(cond "$b" Failed reason) ]] || fail "booster $b: Failed=True has no reason"
  expect_eq "$(cond "$b" Initialized)" "False" "booster $b: Initialized with an invalid spec"
  expect_eq "$(cond "$b" Active)" "False" "booster $b: Active with an invalid spec"
  expect_eq "$(jp "$K_MB" "$b" '{.status.observedGeneration}')" "$(jp "$K_MB" "$b" '{.metadata.generation}')" \
    "booster $b: observedGeneration of an invalid spec"
  note "$b: Failed=True: $msg"
}
check_invalid two-workers "spec.backends[0].workers"
check_invalid no-scaler "spec.backends[0]"
msg=$(cond no-scaler Failed message)
[[ $msg == *minReplicas* || $msg == *maxReplicas* ]] || fail "booster no-scaler: the Failed message should talk about minReplicas/maxReplicas: '$msg'"

ctl_idle
for b in two-workers no-scaler; do
  expect_eq "$(children "$(uid_of "$K_MB" "$b")")" "" "children of the invalid booster $b"
  ev=$(events_for "$b" | grep '^Warning ' || true)
  [[ -n $ev ]] || fail "no Warning event on the invalid booster $b"
  [[ $ev == *"$(cond "$b" Failed message)"* ]] ||
    fail "the Warning event on $b should carry the text of the Failed condition
    event:     $ev
    condition: $(cond "$b" Failed message)"
done
expect_eq "$(names "$K_MS") $(names "$K_SRV") $(names "$K_RT")" "  " "children in the namespace with only invalid boosters"

# Not retried until the spec changes: no reconcile, no write for 5 s.
r0=$(reconciles)
w0=$(writes)
q0=$(metric workqueue_retries_total)
sleep 5
expect_eq "$(reconciles)/$(writes)/$(metric workqueue_retries_total)" "$r0/$w0/$q0" \
  "reconciles/writes/retries while only invalid boosters exist (an invalid spec must not be retried)"
note "invalid boosters are not retried"

# Fix them: Failed=False, Initialized=True, children appear.
k patch "$K_MB" two-workers --type=json -p '[{"op":"remove","path":"/spec/backends/0/workers/1"}]' >/dev/null
k patch "$K_MB" no-scaler --type=merge -p '{"spec":{"backends":[{"name":"gpu","type":"vLLM","modelURI":"hf://Qwen/Qwen2.5-0.5B-Instruct","minReplicas":3,"maxReplicas":3,"workers":[{"image":"vllm/vllm-openai:v0.10.1"}]}]}}' >/dev/null
for b in two-workers no-scaler; do
  wait_cond "$b" Failed False
  wait_cond "$b" Initialized True
  expect_eq "$(children "$(uid_of "$K_MB" "$b")")" "modelservings/$b-gpu modelservers/$b-gpu modelroutes/$b" \
    "children of $b once its spec is fixed"
  expect_eq "$(jp "$K_MB" "$b" '{.status.observedGeneration}')" "$(jp "$K_MB" "$b" '{.metadata.generation}')" \
    "booster $b: observedGeneration after the fix"
  note "$b fixed: Failed=False ($(cond "$b" Failed reason)), children created"
done
expect_eq "$(jp "$K_MS" no-scaler-gpu '{.spec.replicas}')" "3" "replicas of no-scaler-gpu after the fix"

# Break a working booster: Failed=True again, and its children are left as
# they were (nothing written, nothing deleted).
rv=$(jp "$K_MS" two-workers-gpu '{.metadata.resourceVersion}')
k patch "$K_MB" two-workers --type=json -p '[{"op":"replace","path":"/spec/backends/0/type","value":"vLLMDisaggregated"}]' >/dev/null
wait_cond two-workers Failed True
check_invalid two-workers "spec.backends[0].workers"
ctl_idle
expect_eq "$(jp "$K_MS" two-workers-gpu '{.metadata.resourceVersion}')" "$rv" \
  "ModelServing of a booster whose new spec is invalid (must not be written)"

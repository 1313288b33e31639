#!/usr/bin/env bash
# Scenario 2: playing the serving stack (Available=True and replicas on each
# ModelServing) makes the booster Active=True with backendStatuses; a
# ModelServing losing Available makes it Active=False again.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

B=act
apply_yaml <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: $B
  namespace: $MB_NS
spec:
  backends:
    - name: small
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 1
      workers:
        - image: vllm/vllm-openai:v0.10.1
    - name: big
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 2
      maxReplicas: 2
      workers:
        - image: vllm/vllm-openai:v0.10.1
YAML
wait_cond "$B" Initialized True
wait_cond "$B" Active False
init_ltt=$(cond "$B" Initialized lastTransitionTime)
expect_eq "$(jp "$K_MB" "$B" '{.status.backendStatuses}' | jq -c .)" \
  '[{"name":"small","replicas":0},{"name":"big","replicas":0}]' "backendStatuses before any ModelServing reports"

# One of two available: still Active=False, naming only the other.
set_serving_available "$B-small" 1
wait_for bash -c "[[ \$(kubectl -n $MB_NS get $K_MB $B -o jsonpath='{.status.backendStatuses[0].replicas}') == 1 ]]" ||
  fail "backendStatuses[0].replicas did not follow ModelServing $B-small status.replicas=1: $(jp "$K_MB" "$B" '{.status}')"
expect_eq "$(cond "$B" Active)" "False" "Active with one of two ModelServings available"
msg=$(cond "$B" Active message)
[[ $msg == *"$B-big"* && $msg != *"$B-small"* ]] ||
  fail "Active=False message should name only $B-big (not yet available), not $B-small: '$msg'"
note "one available: Active=False, '$msg'"

# Both available: Active=True, backendStatuses = [{name, replicas}].
set_serving_available "$B-big" 2
wait_cond "$B" Active True
expect_eq "$(jp "$K_MB" "$B" '{.status.backendStatuses}' | jq -c .)" \
  '[{"name":"small","replicas":1},{"name":"big","replicas":2}]' "status.backendStatuses"
kubectl wait --for=condition=Active "mb/$B" -n "$MB_NS" --timeout=5s >/dev/null || fail "kubectl wait --for=condition=Active failed"
expect_eq "$(cond "$B" Initialized)" "True" "Initialized once Active"
expect_eq "$(cond "$B" Failed)" "False" "Failed once Active"
expect_eq "$(cond "$B" Initialized lastTransitionTime)" "$init_ltt" \
  "Initialized lastTransitionTime must not move while its status stays True"
ctl_idle
expect_eq "$(metric modelbooster_boosters 'condition="Active"' 'status="True"')" "1" \
  "gauge modelbooster_boosters{condition=Active,status=True}"
note "both available: Active=True, backendStatuses $(jp "$K_MB" "$B" '{.status.backendStatuses}')"

# Replicas reported by the serving stack change: backendStatuses follows.
set_serving_available "$B-big" 3
wait_for bash -c "[[ \$(kubectl -n $MB_NS get $K_MB $B -o jsonpath='{.status.backendStatuses[1].replicas}') == 3 ]]" ||
  fail "backendStatuses[1].replicas did not follow ModelServing $B-big status.replicas=3: $(jp "$K_MB" "$B" '{.status}')"

# A ModelServing loses Available: Active=False again, naming it.
k patch "$K_MS" "$B-big" --subresource=status --type=merge -p \
  '{"status":{"conditions":[{"type":"Available","status":"False","reason":"PodsNotReady","message":"0/3","lastTransitionTime":"2026-01-01T00:01:00Z"}]}}' >/dev/null
wait_cond "$B" Active False
msg=$(cond "$B" Active message)
[[ $msg == *"$B-big"* && $msg != *"$B-small"* ]] || fail "Active=False message should name $B-big only: '$msg'"
note "$B-big unavailable again: Active=False, '$msg'"

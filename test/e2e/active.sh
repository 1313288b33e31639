#!/usr/bin/env bash
# Scenario 2: the serving stack reporting Available=True and replicas on
# each ModelServing makes the booster Active=True with backendStatuses; a
# ModelServing losing Available makes it Active=False again.
# The stack is the real one (lib.sh, "serving stack"): Kthena's ModelServing
# controller makes the pods and writes the ModelServings' status. Backend
# `small` can run anywhere; backend `big` selects the test's node pool, so
# its pods stay Pending (and its ModelServing not Available) until a node
# joins the pool. To lose Available again one of big's pods fails (lib.sh,
# pod_fail: patching its Ready condition to False or deleting it does not
# make Kthena drop Available).
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

B=act
booster() { # BIG-REPLICAS
  cat <<YAML
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
      minReplicas: $1
      maxReplicas: $1
      workers:
        - image: vllm/vllm-openai:v0.10.1
          nodeSelector:
            $MB_POOL_KEY: "true"
YAML
}
booster 2 | apply_yaml
wait_cond "$B" Initialized True
init_ltt=$(cond "$B" Initialized lastTransitionTime)

# backendStatuses is [{name, replicas}] with each ModelServing's
# status.replicas as the serving stack reports it (0 before it reports).
reported() { jp "$K_MS" "$1" '{.status.replicas}' | sed 's/^$/0/'; }
statuses() { jp "$K_MB" "$B" '{.status.backendStatuses}' | jq -c .; }
statuses_are() { [[ $(statuses) == "[{\"name\":\"small\",\"replicas\":$1},{\"name\":\"big\",\"replicas\":$2}]" ]]; }
statuses_follow() { statuses_are "$(reported "$B-small")" "$(reported "$B-big")"; }

# One of two available: still Active=False, naming only the other.
wait_for ms_available "$B-small" ||
  fail "ModelServing $B-small did not become Available on the serving stack: $(jp "$K_MS" "$B-small" '{.status}'); pods: $(k get pods -o wide)"
wait_for bash -c "[[ \$(kubectl -n $MB_NS get $K_MS $B-small -o jsonpath='{.status.replicas}') == 1 && \$(kubectl -n $MB_NS get $K_MS $B-big -o jsonpath='{.status.replicas}') == 2 ]]" ||
  fail "the serving stack did not report status.replicas 1 and 2: $(jp "$K_MS" "$B-small" '{.status}') / $(jp "$K_MS" "$B-big" '{.status}')"
wait_for statuses_are 1 2 ||
  fail "backendStatuses $(statuses) did not follow the ModelServings' status.replicas (small $(reported "$B-small"), big $(reported "$B-big"))"
ms_available "$B-big" && fail "ModelServing $B-big is Available although its pods have no node: $(k get pods -o wide)"
wait_cond "$B" Active False
msg=$(cond "$B" Active message)
[[ $msg == *"$B-big"* && $msg != *"$B-small"* ]] ||
  fail "Active=False message should name only $B-big (not yet available), not $B-small: '$msg'"
note "one available: Active=False, '$msg', backendStatuses $(statuses)"

# Both available (a node joins the pool, big's pods run): Active=True.
pool_open
wait_cond "$B" Active True
expect_eq "$(ms_cond "$B-big" Available)" "True" "ModelServing $B-big Available once the booster is Active"
wait_for statuses_are 1 2 || fail "status.backendStatuses: $(statuses), expected small 1, big 2"
kubectl wait --for=condition=Active "mb/$B" -n "$MB_NS" --timeout=5s >/dev/null || fail "kubectl wait --for=condition=Active failed"
expect_eq "$(cond "$B" Initialized)" "True" "Initialized once Active"
expect_eq "$(cond "$B" Failed)" "False" "Failed once Active"
expect_eq "$(cond "$B" Initialized lastTransitionTime)" "$init_ltt" \
  "Initialized lastTransitionTime must not move while its status stays True"
ctl_idle
expect_eq "$(metric modelbooster_boosters 'condition="Active"' 'status="True"')" "1" \
  "gauge modelbooster_boosters{condition=Active,status=True}"
note "both available: Active=True, backendStatuses $(statuses)"

# The replicas the serving stack reports change (big goes to 3 serving
# groups): backendStatuses follows the ModelServing's status, which Kthena
# writes after our update of its spec.
booster 3 | apply_yaml
wait_for bash -c "[[ \$(kubectl -n $MB_NS get $K_MS $B-big -o jsonpath='{.status.replicas}') == 3 ]]" ||
  fail "the serving stack did not report status.replicas 3 for $B-big: $(jp "$K_MS" "$B-big" '{.status}')"
wait_for statuses_are 1 3 ||
  fail "backendStatuses[1].replicas did not follow ModelServing $B-big status.replicas=3: $(jp "$K_MB" "$B" '{.status}')"
wait_cond "$B" Active True
wait_for statuses_follow || fail "backendStatuses $(statuses) vs status.replicas small $(reported "$B-small"), big $(reported "$B-big")"
note "big at 3 replicas: backendStatuses $(statuses)"

# A ModelServing loses Available: the engine of one of big's pods crashes
# (phase Failed) and no node is left in the pool for a replacement.
# Active=False, naming it.
pool_close
pods=$(pods_of "$B-big")
victim=${pods%% *}
[[ -n $victim ]] || fail "ModelServing $B-big has no pods"
pod_fail "$victim"
wait_for ms_not_available "$B-big" ||
  fail "ModelServing $B-big stayed Available after its pod $victim failed: $(jp "$K_MS" "$B-big" '{.status}')"
wait_cond "$B" Active False
msg=$(cond "$B" Active message)
[[ $msg == *"$B-big"* && $msg != *"$B-small"* ]] || fail "Active=False message should name $B-big only: '$msg'"
expect_eq "$(cond "$B" Initialized lastTransitionTime)" "$init_ltt" "Initialized lastTransitionTime after Active went back to False"
ctl_idle
expect_eq "$(metric modelbooster_boosters 'condition="Active"' 'status="True"')" "0" \
  "gauge modelbooster_boosters{condition=Active,status=True} once Active=False"
note "$B-big unavailable again: Active=False, '$msg'"

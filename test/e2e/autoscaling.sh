#!/usr/bin/env bash
# Backend-level autoscaling with Kthena's real autoscaler. A booster's one
# backend scales on kthena:num_requests_waiting (target 10 per replica,
# bounds 1-3): the test raises the waiting-requests gauge of the fake
# engine behind its pod (the runtime sidecar renames it and the autoscaler
# scrapes the sidecar on :8100) and Kthena scales the ModelServing up to the
# bound; the gauge back at 0 scales it down to the minimum. Meanwhile our
# controller writes no ModelServing (the audit log is the count): replicas
# are the autoscaler's. On v1.0.0, lowering maxReplicas below the
# autoscaler's choice costs exactly one ModelServing write of ours, the
# clamp, and the autoscaler then stays inside the new bound.
#
# The policy asks for no stabilization and no rate limit, so that each step
# takes one autoscaler period (15 s in both releases) rather than minutes.
# On v0.1.0 it runs in Kthena's namespace (lib.sh, autoscaler_setup).
source "$(dirname "$0")/lib.sh"
autoscaler_setup as
B=$AUTOSCALED
MS=$B-gpu
{
  booster_head "$B" 1 3
  cat <<YAML
      autoscalingPolicy:
$(fast_scaling_policy 8)
      workers:
        - image: vllm/vllm-openai:v0.10.1
YAML
} | apply_yaml
wait_cond "$B" Active True 60
first=$(pods_of "$MS")
first_uid=$(uid_of pods "$first")
wait_for -t 60 agent_serving "$first" || fail "the pod agent does not serve pod $first"
note "Active; pod $first served by the pod agent"

t0=$(now_utc)
engine_set "$first" '{"waiting": 25}'
note "waiting requests on $first: 25 (target 10 per replica): the autoscaler should ask for 3"
wait_replicas "$MS" 3 90
note "Kthena's autoscaler scaled $MS to 3"
wait_for -t 60 bash -c "[[ \$(kubectl -n $MB_NS get $K_MB $B -o jsonpath='{.status.backendStatuses[0].replicas}') == 3 ]]" ||
  fail "backendStatuses of $B did not follow its ModelServing to 3 replicas: $(jp "$K_MB" "$B" '{.status.backendStatuses}')"

engine_set "$first" '{"waiting": 0}'
note "waiting requests back to 0: the autoscaler should go back to the minimum, 1"
wait_replicas "$MS" 1 90
note "Kthena's autoscaler scaled $MS down to 1"
t1=$(now_utc)
ours=$(audit_controller_writes "$t0" "$t1" | grep -F " modelservings/" || true)
[[ -z $ours ]] || fail "our controller wrote the ModelServing while the autoscaler owned its replicas:
$ours"
theirs=$(audit_writes_of kthena-controller-manager modelservings "$t0" "$t1" | grep -v '/status/' | wc -l)
note "up to 3 and down to 1: $theirs ModelServing write(s) by Kthena's autoscaler, 0 by our controller"

if [[ $MB_STACK == v0.1.0 ]]; then
  # Its scaler keeps the bounds of the Binding it first saw: after a change
  # it would set its old maximum again and our clamp would undo it on every
  # period (docs/stacks.md). What is checked: the controller says so.
  k patch "$K_MB" "$B" --type=json -p '[{"op":"replace","path":"/spec/backends/0/maxReplicas","value":2}]' >/dev/null
  caveat() { events_for "$B" ServingStackCaveat | grep -F "AutoscalingPolicyBinding $MB_NS/$MS changed, but Kthena v0.1.0's autoscaler keeps"; }
  wait_for -t 30 caveat || fail "no ServingStackCaveat Event for the changed Binding: $(events_for "$B")"
  note "v0.1.0: maxReplicas 3 -> 2 is a Warning Event: $(caveat | head -n1 | cut -c1-120)..."
  note "v0.1.0: the clamp under a changed bound is not checked (its autoscaler keeps a Binding's first bounds)"
  exit 0
fi

# The clamp: load for 3, then the booster's maximum lowered to 2.
engine_set "$first" '{"waiting": 25}'
wait_replicas "$MS" 3 90
t2=$(now_utc)
k patch "$K_MB" "$B" --type=json -p '[{"op":"replace","path":"/spec/backends/0/maxReplicas","value":2}]' >/dev/null
wait_replicas "$MS" 2 30
note "maxReplicas 3 -> 2: $MS clamped to 2"
sleep 35 # two autoscaler periods under the same load
expect_eq "$(jp "$K_MS" "$MS" '{.spec.replicas}')" 2 "replicas of $MS two autoscaler periods after the clamp"
ours=$(audit_controller_writes "$t2" "$(now_utc)" | grep -F " modelservings/" || true)
expect_eq "$(grep -c . <<<"$ours")" 1 "our ModelServing writes after lowering maxReplicas (only the clamp):
$ours"
expect_eq "$(uid_of pods "$first")" "$first_uid" "uid of pod $first (a bound changed: no pod is restarted)"
note "after the clamp: 1 ModelServing write of ours, the autoscaler stayed at 2 for 35 s, pod $first never restarted"

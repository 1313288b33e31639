#!/usr/bin/env bash
# Dynamic LoRA when the engines misbehave, on a running backend of three
# pods: one engine answers every adapter load with 500, one hangs on it, one
# is healthy. An adapter added to the booster is loaded on the healthy pod
# within seconds although the hanging one holds its call (bounded by the
# client's load timeout, 300 s); the failing pod's error shows in
# status.backendStatuses[].loraPods and a LoraAdapterFailed Event; the
# booster stays reconciled (its status keeps being written). Once the
# engines recover, the backoff brings every pod to the adapter.
source "$(dirname "$0")/lib.sh"
e2e_setup
pod_agent_enable
ctl_start main

lora_adapter_dirs faults-base faults-new
B=lfx
# The pods run once every child is written (see e2e.lora_dynamic).
MB_IN_POOL=1 MB_REPLICAS=3 runtime_lora_booster "$B" "[{name: faults-base, artifactURL: \"$(adapter_url faults-base)\"}]" |
  apply_yaml
wait_cond "$B" Initialized True 60
pool_open
wait_cond "$B" Active True 90
wait_pods_ready "$B-gpu"
read -r failing hanging healthy <<<"$(pods_of "$B-gpu")"
[[ -n $healthy ]] || fail "expected 3 pods of $B-gpu: $(pods_of "$B-gpu")"
for p in "$failing" "$hanging" "$healthy"; do
  wait_for -t 90 agent_serving "$p" || fail "the pod agent did not start $p"
done
engine_set "$failing" '{"fail_lora": 500}'
engine_set "$hanging" '{"hang_lora": true}'
note "engines: $failing answers 500 to loads, $hanging hangs on them, $healthy is healthy"

lists() { curl -fsS -m 5 "$(engine_url "$1")/v1/models" | jq -e --arg a "$2" 'any(.data[]; .id == $a)' >/dev/null; }
t0=$(date +%s.%N)
k patch "$K_MB" "$B" --type=json -p "[{\"op\":\"add\",\"path\":\"/spec/backends/0/loraAdapters/-\",\"value\":{\"name\":\"faults-new\",\"artifactURL\":\"$(adapter_url faults-new)\"}}]" >/dev/null
wait_for -t 30 lists "$healthy" faults-new || fail "faults-new not loaded on the healthy pod $healthy within 30 s"
note "faults-new loaded on $healthy $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s after the patch, while $hanging hangs"

pod_error() { k get "$K_MB" "$B" -o json | jq -r --arg p "$1" '.status.backendStatuses[0].loraPods[]? | select(.name == $p) | .error // ""'; }
has_error() { [[ -n $(pod_error "$failing") ]]; }
wait_for -t 30 has_error || fail "status shows no error for $failing: $(jp "$K_MB" "$B" '{.status.backendStatuses[0].loraPods}')"
note "status of $failing: $(pod_error "$failing")"
failed_event() { events_for "$B" LoraAdapterFailed | grep -q "$failing"; }
wait_for -t 30 failed_event || fail "no LoraAdapterFailed Event names $failing: $(events_for "$B")"
# The reconcile is not held up: the healthy pod's adapters are in status.
healthy_reported() { k get "$K_MB" "$B" -o json | jq -e --arg p "$healthy" '.status.backendStatuses[0].loraPods[]? | select(.name == $p) | .loaded | index("faults-new")' >/dev/null; }
wait_for -t 30 healthy_reported || fail "status does not show faults-new on $healthy: $(jp "$K_MB" "$B" '{.status.backendStatuses[0].loraPods}')"
lists "$hanging" faults-new && fail "the hanging engine of $hanging lists faults-new"

# Recovery: the failing engine answers again (retried after its backoff),
# the hanging one lets its load through.
engine_set "$failing" '{"fail_lora": 0}'
engine_set "$hanging" '{"hang_lora": false}'
all_loaded() { lists "$failing" faults-new && lists "$hanging" faults-new; }
wait_for -t 60 all_loaded || fail "after recovery faults-new is not on every pod: status $(jp "$K_MB" "$B" '{.status.backendStatuses[0].loraPods}')"
cleared() { [[ -z $(pod_error "$failing") ]]; }
wait_for -t 30 cleared || fail "the error of $failing stays in status after its load succeeded: $(pod_error "$failing")"
note "after recovery: faults-new on all three pods, no error in status"

#!/usr/bin/env bash
# Dynamic LoRA on many pods at once: an adapter added to a running backend
# of MB_E2E_LORA_PODS replicas (default 6) is loaded on every pod, through
# each pod's own runtime sidecar, with no pod restarted; printed: the time
# from the patch until every engine lists it, and until the router answers
# every request for it from the booster's pods. The controller's LoRA
# threads (--lora-sync-threads, default 4) work on the pods side by side.
source "$(dirname "$0")/lib.sh"
e2e_setup
pod_agent_enable
ctl_start main

N=${MB_E2E_LORA_PODS:-6}
# Adapter names no other scenario uses: Kthena v0.1.0's router keys LoRA
# routes by adapter name cluster-wide, and deleting a ModelRoute drops its
# adapters' routes whoever set them last, so a previous scenario's namespace
# going away would take ours (docs/stacks.md).
lora_adapter_dirs fleet-sql fleet-chat

B=lf
# The pods run once every child is written (see e2e.lora_dynamic).
MB_IN_POOL=1 MB_REPLICAS=$N runtime_lora_booster "$B" "[{name: fleet-sql, artifactURL: \"$(adapter_url fleet-sql)\"}]" | apply_yaml
wait_cond "$B" Initialized True 60
pool_open
wait_cond "$B" Active True 90
wait_pods_ready "$B-gpu"
read -r -a pods <<<"$(pods_of "$B-gpu")"
((${#pods[@]} == N)) || fail "expected $N pods of $B-gpu, got ${#pods[@]}: ${pods[*]}"
declare -A uid=()
for p in "${pods[@]}"; do
  wait_for -t 90 agent_serving "$p" || fail "the pod agent did not start $p"
  uid[$p]=$(uid_of pods "$p")
done
lists_chat() { curl -fsS -m 5 "$(engine_url "$1")/v1/models" | jq -e 'any(.data[]; .id == "fleet-chat")' >/dev/null; }
all_list_chat() {
  local p
  for p in "${pods[@]}"; do lists_chat "$p" || return 1; done
}
note "$N pods serving fleet-sql; adding fleet-chat"

t0=$(date +%s.%N)
k patch "$K_MB" "$B" --type=json -p "[{\"op\":\"add\",\"path\":\"/spec/backends/0/loraAdapters/-\",\"value\":{\"name\":\"fleet-chat\",\"artifactURL\":\"$(adapter_url fleet-chat)\"}}]" >/dev/null
wait_for -t 90 all_list_chat || {
  missing=""
  for p in "${pods[@]}"; do lists_chat "$p" || missing+=" $p"; done
  fail "fleet-chat not loaded within 90 s on:$missing; status $(jp "$K_MB" "$B" '{.status.backendStatuses[0].loraPods}')"
}
t1=$(date +%s.%N)
# The router answers the new adapter, every time from one of the pods.
# Which pods it picks is its scheduler's business (v1.0.0 scores pods; it
# need not spread a short burst over all six).
router_answers() {
  router_burst $((N * 8)) /v1/completions fleet-chat "$MB_TMP/chat.out"
  local code by model
  while read -r code by model; do
    [[ $code == 200 && $model == fleet-chat && " ${pods[*]} " == *" $by "* ]] || return 1
  done <"$MB_TMP/chat.out"
}
wait_for -t 60 router_answers ||
  fail "the router does not answer fleet-chat from the booster's pods: $(awk '{print $1, $2}' "$MB_TMP/chat.out" | sort | uniq -c | xargs)"
t2=$(date +%s.%N)
answering=$(awk '{print $2}' "$MB_TMP/chat.out" | sort -u | wc -l)
for p in "${pods[@]}"; do expect_eq "$(uid_of pods "$p")" "${uid[$p]}" "uid of pod $p (no restart)"; done
note "fleet-chat loaded on all $N pods $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s after the patch, answered through the router after $(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s ($((N * 8)) requests, by $answering of the pods); no pod restarted"

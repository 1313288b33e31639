#!/usr/bin/env bash
# Dynamic LoRA (docs/controller.md): a vLLM backend with
# VLLM_ALLOW_RUNTIME_LORA_UPDATING=true takes adapter changes on its running
# pods, without a restart, through Kthena's real runtime sidecar (run by the
# pod agent next to a fake engine), and Kthena's real router sends requests
# for a new adapter to the pod once its engine lists it:
#   - an adapter added: loaded on the running pod (same pod uid, same
#     ModelServing revision), answered through the router, in status and an
#     Event;
#   - an adapter removed: unloaded, the router answers 404 for it;
#   - an adapter the sidecar cannot fetch: the pod's error in status and a
#     Warning Event, the other adapters keep working;
#   - any other change rebuilds the template with the spec's adapters.
source "$(dirname "$0")/lib.sh"
e2e_setup
pod_agent_enable
ctl_start main

lora_adapter_dirs sql chat

B=ld
# The pod runs once every child is written (Kthena v0.1.0's router never
# routes to pods that were Ready before their ModelServer existed; see
# e2e.routing and e2e.server_recreated).
MB_IN_POOL=1
runtime_lora_booster "$B" "[{name: sql, artifactURL: \"$(adapter_url sql)\"}]" | apply_yaml
wait_cond "$B" Initialized True 60
pool_open
wait_cond "$B" Active True 60
wait_pods_ready "$B-gpu"
pod=$(pods_of "$B-gpu")
[[ $(wc -w <<<"$pod") == 1 ]] || fail "expected one pod of $B-gpu, got: $pod"
wait_for -t 60 agent_serving "$pod" || fail "the pod agent did not start $pod"
pod_uid=$(uid_of pods "$pod")
revision=$(jp "$K_MS" "$B-gpu" "{.metadata.labels.workload\.serving\.volcano\.sh/revision}")
engine_models() { curl -fsS -m 5 "$(engine_url "$pod")/v1/models" | jq -c '[.data[].id] | sort'; }
lists() { [[ $(engine_models) == "$1" ]]; }
# The base model's served name (the booster's model name) and sql, from the
# template's --lora-modules.
base=$B
wait_for -t 30 lists "$(jq -cn --arg b "$base" '[$b, "sql"] | sort')" ||
  fail "the engine should list the base model and sql (from its template): $(engine_models)"

# ---------------------------------------------------------- an adapter added
t0=$(date +%s.%N)
k patch "$K_MB" "$B" --type=json -p "[{\"op\":\"add\",\"path\":\"/spec/backends/0/loraAdapters/-\",\"value\":{\"name\":\"chat\",\"artifactURL\":\"$(adapter_url chat)\"}}]" >/dev/null
wait_for -t 60 lists "$(jq -cn --arg b "$base" '[$b, "chat", "sql"] | sort')" ||
  fail "chat was not loaded on $pod: the engine lists $(engine_models); status $(jp "$K_MB" "$B" '{.status.backendStatuses}')"
t1=$(date +%s.%N)
note "chat loaded on the running pod $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s after the patch"
expect_eq "$(uid_of pods "$pod")" "$pod_uid" "the pod was not restarted (same uid)"
expect_eq "$(jp "$K_MS" "$B-gpu" "{.metadata.labels.workload\.serving\.volcano\.sh/revision}")" "$revision" \
  "the ModelServing's template kept its revision"
expect_eq "$(jp "$K_RT" "$B" '{.spec.loraAdapters}')" '["chat","sql"]' "the ModelRoute lists both adapters"
routed() { [[ $(answered_by /v1/completions "$1") == "$pod" ]]; }
wait_for -t 30 routed chat || fail "the router does not send chat to $pod: $(router_request /v1/completions "$(completion_body /v1/completions chat)")"
note "the router answers chat from $pod"
status_loaded() { [[ $(jp "$K_MB" "$B" '{.status.backendStatuses[0].loraPods[0].loaded}') == "$1" ]]; }
wait_for -t 30 status_loaded '["chat","sql"]' || fail "status does not show the pod's adapters: $(jp "$K_MB" "$B" '{.status.backendStatuses}')"
wait_for -t 30 bash -c "kubectl -n $MB_NS get events --field-selector involvedObject.name=$B,reason=LoraAdaptersSynced -o name | grep -q ." ||
  fail "no LoraAdaptersSynced Event"

# -------------------------------------------------------- an adapter removed
k patch "$K_MB" "$B" --type=json -p '[{"op":"remove","path":"/spec/backends/0/loraAdapters/0"}]' >/dev/null
wait_for -t 60 lists "$(jq -cn --arg b "$base" '[$b, "chat"] | sort')" || fail "sql was not unloaded: $(engine_models)"
# The route no longer lists sql and no pod serves it: not answered (the
# router's code for a model no route names).
not_routed() { [[ $(router_request /v1/completions "$(completion_body /v1/completions sql)" | cut -d' ' -f1) != 200 ]]; }
wait_for -t 30 not_routed || fail "the router still answers sql: $(router_request /v1/completions "$(completion_body /v1/completions sql)")"
note "sql after its removal: $(router_request /v1/completions "$(completion_body /v1/completions sql)" | cut -c1-160)"
expect_eq "$(uid_of pods "$pod")" "$pod_uid" "still the same pod after the unload"

# ------------------------------------------- an adapter that cannot be fetched
k patch "$K_MB" "$B" --type=json -p '[{"op":"add","path":"/spec/backends/0/loraAdapters/-","value":{"name":"broken","artifactURL":"pvc://no/such/dir"}}]' >/dev/null
has_error() { [[ $(jp "$K_MB" "$B" '{.status.backendStatuses[0].loraPods[0].error}') == *broken* ]]; }
wait_for -t 60 has_error || fail "the failed load is not in status: $(jp "$K_MB" "$B" '{.status.backendStatuses}')"
note "status: $(jp "$K_MB" "$B" '{.status.backendStatuses[0].loraPods[0].error}' | cut -c1-200)"
wait_for -t 30 bash -c "kubectl -n $MB_NS get events --field-selector involvedObject.name=$B,reason=LoraAdapterFailed -o name | grep -q ." ||
  fail "no LoraAdapterFailed Event"
wait_for -t 30 routed chat || fail "chat stopped answering while broken failed"
expect_eq "$(cond "$B" Active)" "True" "the booster stays Active"

# ------------------------------------------- any other change: a new template
k patch "$K_MB" "$B" --type=json -p '[{"op":"remove","path":"/spec/backends/0/loraAdapters/1"},{"op":"replace","path":"/spec/backends/0/workers/0/image","value":"vllm/vllm-openai:v0.10.2"}]' >/dev/null
rebuilt() { [[ $(jp "$K_MS" "$B-gpu" "{.metadata.labels.workload\.serving\.volcano\.sh/revision}") != "$revision" ]]; }
wait_for -t 30 rebuilt || fail "an image change did not rebuild the template"
template_adapters() { k get "$K_MS" "$B-gpu" -o json | jq -c '.metadata.annotations["workload.serving.volcano.sh/lora-adapters"] | fromjson | map(.name)'; }
expect_eq "$(template_adapters)" '["chat"]' "the rebuilt template holds the spec's adapters"
ctl_stop main

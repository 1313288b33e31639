#!/usr/bin/env bash
# Requests end to end through Kthena's real router: a booster becomes
# Active; requests for its model sent to the router are answered by one of
# its pods (the pod agent's fake engine on the pod's IP names the pod in
# system_fingerprint), on /v1/chat/completions and /v1/completions,
# streamed too; a model nobody serves is refused by the router. The runtime
# sidecar, started with the arguments our controller wrote into the pod's
# runtime container, serves the engine's metrics renamed to kthena:*.
# Prints the time from Active=True to the first answered request.
source "$(dirname "$0")/lib.sh"
e2e_setup
pod_agent_enable
ctl_start main

B=req
small_booster "$B" 2 | apply_yaml
wait_cond "$B" Active True 60
t_active=$(date +%s%N)
model=$(jp "$K_RT" "$B" '{.spec.modelName}')
[[ -n $model ]] || fail "ModelRoute $B has no modelName"
pods=" $(pods_of "$B-gpu") "
note "Active=True; model '$model'; pods:$pods"

# The first answered request: the router learns the pods from the API
# server at once (KWOK makes them Ready), the pod agent needs a moment to
# start their engines; until then the router answers an error.
first="" tries=0
deadline=$((SECONDS + 60))
while ((SECONDS < deadline)); do
  tries=$((tries + 1))
  if first=$(answered_by /v1/chat/completions "$model") && [[ -n $first ]]; then break; fi
  first=""
  sleep 0.2
done
t_first=$(date +%s%N)
[[ -n $first ]] || fail "no request for '$model' answered within 60 s of Active: last $(router_request /v1/chat/completions "$(completion_body /v1/chat/completions "$model")")
pod agent log: $(tail -n 20 "$MODELBOOSTER_TESTENV_DIR/logs/pod-agent.log")"
ms=$(((t_first - t_active) / 1000000))
note "first request answered $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s after Active=True (attempt $tries), by pod $first"
[[ $pods == *" $first "* ]] || fail "answered by '$first', which is not a pod of ModelServing $B-gpu:$pods"

# Both OpenAI endpoints, each answered by a pod of the booster with the
# model it asked for.
for path in /v1/chat/completions /v1/completions; do
  for i in 1 2 3 4 5 6; do
    r=$(router_request "$path" "$(completion_body "$path" "$model")")
    [[ ${r%% *} == 200 ]] || fail "POST $path for '$model': $r"
    by=$(jq -r .system_fingerprint <<<"${r#* }")
    [[ $pods == *" $by "* ]] || fail "POST $path answered by '$by', not a pod of $B-gpu:$pods"
    expect_eq "$(jq -r .model <<<"${r#* }")" "$model" "model in the answer to POST $path"
    if [[ $path == */chat/completions ]]; then
      expect_eq "$(jq -r .object <<<"${r#* }")" chat.completion "object of a chat completion"
    else
      expect_eq "$(jq -r .object <<<"${r#* }")" text_completion "object of a completion"
    fi
  done
  note "POST $path: 200 from pods of $B-gpu"
done

# Streaming goes through as server-sent events from the pod.
curl -sS -m 10 -N -H 'Content-Type: application/json' \
  --data "{\"model\":\"$model\",\"prompt\":\"hello\",\"max_tokens\":3,\"stream\":true}" \
  "$MB_ROUTER/v1/completions" >"$MB_TMP/stream" || fail "streamed completion failed"
grep -q '^data: \[DONE\]' "$MB_TMP/stream" || fail "no [DONE] in the streamed answer: $(head -c 400 "$MB_TMP/stream")"
by=$(grep '^data: {' "$MB_TMP/stream" | head -n1 | sed 's/^data: //' | jq -r .system_fingerprint)
[[ $pods == *" $by "* ]] || fail "stream answered by '$by', not a pod of $B-gpu"
note "streamed completion: $(grep -c '^data: ' "$MB_TMP/stream") events from $by"

# A model that no ModelRoute names: the router refuses it itself.
r=$(router_request /v1/completions "$(completion_body /v1/completions "no-such-$model")")
expect_eq "${r%% *}" 404 "router's answer for a model no route names ($r)"

# The runtime sidecar runs with the runtime container's own arguments
# (engine, metrics path, pod, model; only host and the engine's host
# changed to the pod IP): it reads the engine's metrics and renames them.
for p in $pods; do
  rport=$(k get pod "$p" -o json | jq -r '.spec.containers[] | select(.name == "runtime") | .ports[0].containerPort')
  metrics=$(curl -fsS -m 5 "http://$(pod_ip "$p"):$rport/metrics") || fail "runtime sidecar of $p: /metrics failed"
  grep -q '^kthena:num_requests_waiting' <<<"$metrics" ||
    fail "runtime sidecar of $p serves no kthena:num_requests_waiting: $(head -c 300 <<<"$metrics")"
done
note "runtime sidecars serve kthena:num_requests_waiting from the engines' vllm:num_requests_waiting"

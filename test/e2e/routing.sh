#!/usr/bin/env bash
# What our ModelRoute and ModelServers make Kthena's real router do with
# requests (pods served by the pod agent's fake engines, test/podagent):
# - weights: two backends 80/20; over 1,000 requests the split stays within
#   0.05 of 0.80 (printed);
# - LoRA: a request for an adapter reaches only pods of backends that carry
#   it, and names the adapter (the router does not rewrite an adapter's
#   model to the ModelServer's);
# - modelMatch: a booster's spec.modelMatch (a header exact match and a uri
#   prefix) gates its model's requests; the multi-backend default rule's
#   body.model sends the model's own requests there and adapters elsewhere;
# - multi-node: only the entry pod of a 2-pod group gets traffic (the
#   ModelServer selects modelserving.volcano.sh/entry=true; the worker pod
#   runs a Ray worker, for which the pod agent starts nothing);
# - prefill/decode: every request is a prefill step on a prefill pod and
#   then a decode step on a decode pod of the same serving group (pdGroup),
#   answered by the decode pod (NIXL-style kv_transfer_params passed on).
source "$(dirname "$0")/lib.sh"
e2e_setup
pod_agent_enable
ctl_start main

N=${MB_E2E_ROUTING_REQUESTS:-1000}
TOLERANCE=0.05 # |share - 0.80|; the standard deviation over 1,000 is 0.0126

lora() { # NAME
  printf '        - name: %s\n          artifactURL: hf://example/%s\n' "$1" "$1"
}
{
  cat <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata: {name: w, namespace: $MB_NS}
spec:
  backends:
    - name: a
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 2
      maxReplicas: 2
      routeWeight: 80
      loraAdapters:
$(lora only-a)
$(lora both)
      workers:
        - image: vllm/vllm-openai:v0.10.1
          nodeSelector: {$MB_POOL_KEY: "true"}
    - name: b
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 1
      routeWeight: 20
      loraAdapters:
$(lora both)
      workers:
        - image: vllm/vllm-openai:v0.10.1
          nodeSelector: {$MB_POOL_KEY: "true"}
---
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata: {name: m, namespace: $MB_NS}
spec:
  modelMatch:
    headers:
      x-tenant: {exact: gold}
    uri: {prefix: /v1/chat}
  backends:
    - name: gpu
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 1
      workers:
        - image: vllm/vllm-openai:v0.10.1
          nodeSelector: {$MB_POOL_KEY: "true"}
---
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata: {name: mn, namespace: $MB_NS}
spec:
  backends:
    - name: gpu
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 1
      workers:
        - image: vllm/vllm-openai:v0.10.1
          pods: 2
          nodeSelector: {$MB_POOL_KEY: "true"}
---
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata: {name: pd, namespace: $MB_NS}
spec:
  backends:
    - name: gpu
      type: vLLMDisaggregated
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 2
      maxReplicas: 2
      workers:
        - type: prefill
          image: vllm/vllm-openai:v0.10.1
          replicas: 1
          nodeSelector: {$MB_POOL_KEY: "true"}
          config:
            kv-transfer-config: '{"kv_connector":"NixlConnector","kv_role":"kv_producer"}'
        - type: decode
          image: vllm/vllm-openai:v0.10.1
          replicas: 1
          nodeSelector: {$MB_POOL_KEY: "true"}
          config:
            kv-transfer-config: '{"kv_connector":"NixlConnector","kv_role":"kv_consumer"}'
YAML
} | apply_yaml
# The pods run only once every child is written (a node joins the test's
# pool then): in a cluster pods take far longer to become Ready than the
# controller to write its children, here KWOK makes them Ready in tens of
# milliseconds. Kthena v0.1.0's router never routes to pods that were
# Ready before their ModelServer existed (e2e.server_recreated).
for b in w m mn pd; do wait_cond "$b" Initialized True 60; done
for b in w m mn pd; do
  for kind in "$K_MS" "$K_SRV" "$K_RT"; do
    [[ -n $(k get "$kind" -l "$L_NAME=$b" -o name) ]] || fail "booster $b has no $kind yet"
  done
done
pool_open
for b in w m mn pd; do wait_cond "$b" Active True 90; done
note "all four boosters Active"

# Wait until the router answers each model (the pod agent starts engines
# a moment after the pods are Ready).
serves() { # PATH MODEL [CURL ARGS]
  local by
  by=$(answered_by "$@") && [[ -n $by ]]
}
wait_for -t 60 serves /v1/completions w || fail "model w not answered within 60 s"
wait_for -t 60 serves /v1/chat/completions m -H 'x-tenant: gold' || fail "model m not answered within 60 s"
wait_for -t 60 serves /v1/completions mn || fail "model mn not answered within 60 s"
wait_for -t 60 serves /v1/completions pd || fail "model pd not answered within 60 s"
# Every pod's engine up before counting (else the router's retries to a
# pod that is still starting would move requests to the others).
for p in $(pods_of w-a) $(pods_of w-b) $(pods_of pd-gpu); do
  wait_for -t 60 agent_serving "$p" || fail "the pod agent did not start pod $p: $(tail -n 5 "$MODELBOOSTER_TESTENV_DIR/logs/pod-agent.log")"
done

# member SET POD: POD is one of the space-separated names in SET.
member() { [[ " $1 " == *" $2 "* ]]; }
A=$(pods_of w-a) B_=$(pods_of w-b)

# --- weights ---------------------------------------------------------------
t0=$SECONDS
router_burst "$N" /v1/completions w "$MB_TMP/w.out"
ok=$(awk '$1 == 200' "$MB_TMP/w.out" | wc -l)
expect_eq "$ok" "$N" "requests for w answered 200 ($(awk '$1 != 200' "$MB_TMP/w.out" | sort | uniq -c | head -3))"
na=0 nb=0
while read -r code by model; do
  if member "$A" "$by"; then
    na=$((na + 1))
  elif member "$B_" "$by"; then
    nb=$((nb + 1))
  else
    fail "a request for w answered by '$by', a pod of neither backend (a: $A; b: $B_)"
  fi
  [[ $model == w ]] || fail "a request for w answered with model '$model'"
done <"$MB_TMP/w.out"
share=$(awk -v a="$na" -v n="$N" 'BEGIN { printf "%.3f", a / n }')
note "weights 80/20 over $N requests in $((SECONDS - t0)) s: backend a $na ($share), backend b $nb; tolerance ±$TOLERANCE"
awk -v s="$share" -v t="$TOLERANCE" 'BEGIN { exit !(s >= 0.80 - t && s <= 0.80 + t) }' ||
  fail "backend a got $share of the requests, outside 0.80 ± $TOLERANCE"
# Within a backend the router's scoring picks the pod; nothing is asserted
# about it (one request at a time: its least-latency plugin scores a pod
# that served nothing in the last metrics period as "uninitialized", 50 of
# 100, so the warm pod keeps the traffic; scheduler/plugins/least_latency.go).
note "per pod: $(awk '{print $2}' "$MB_TMP/w.out" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}' | sed 's/, $//')"

# --- LoRA adapters -----------------------------------------------------------
router_burst 100 /v1/completions only-a "$MB_TMP/only-a.out"
while read -r code by model; do
  [[ $code == 200 ]] || fail "a request for adapter only-a: HTTP $code"
  member "$A" "$by" || fail "a request for adapter only-a (only backend a carries it) answered by '$by' (a: $A)"
  [[ $model == only-a ]] || fail "a request for adapter only-a answered with model '$model'"
done <"$MB_TMP/only-a.out"
router_burst 200 /v1/completions both "$MB_TMP/both.out"
nba=0 nbb=0
while read -r code by model; do
  [[ $code == 200 ]] || fail "a request for adapter both: HTTP $code"
  [[ $model == both ]] || fail "a request for adapter both answered with model '$model'"
  if member "$A" "$by"; then nba=$((nba + 1)); elif member "$B_" "$by"; then nbb=$((nbb + 1)); else fail "adapter both answered by '$by'"; fi
done <"$MB_TMP/both.out"
((nba > 0 && nbb > 0)) || fail "adapter both (on a and b, 80/20) reached only one backend: a $nba, b $nbb"
note "LoRA: 100 requests for only-a all on backend a; 200 for both: a $nba, b $nbb; each answered under the adapter's name"
r=$(router_request /v1/completions "$(completion_body /v1/completions not-an-adapter)")
expect_eq "${r%% *}" 404 "router's answer for an adapter no route names ($r)"

# --- modelMatch --------------------------------------------------------------
M=$(pods_of m-gpu)
by=$(answered_by /v1/chat/completions m -H 'x-tenant: gold') || fail "m with x-tenant: gold on /v1/chat/completions was not answered"
member "$M" "$by" || fail "m answered by '$by', not a pod of m-gpu ($M)"
for args in "" "-H x-tenant:silver"; do
  # shellcheck disable=SC2086 # the words of $args are curl arguments
  r=$(router_request /v1/chat/completions "$(completion_body /v1/chat/completions m)" $args)
  expect_eq "${r%% *}" 404 "model m with headers '${args:-none}' (modelMatch wants x-tenant: gold): $r"
done
r=$(router_request /v1/completions "$(completion_body /v1/completions m)" -H 'x-tenant: gold')
expect_eq "${r%% *}" 404 "model m on /v1/completions (modelMatch uri prefix /v1/chat): $r"
note "modelMatch: header exact x-tenant=gold and uri prefix /v1/chat required for m (200 with both, 404 without either)"

# --- multi-node: entry pods only ----------------------------------------------
entry=$(names pods "modelserving.volcano.sh/name=mn-gpu,modelserving.volcano.sh/entry=true")
all=$(pods_of mn-gpu)
[[ $(wc -w <<<"$all") == 2 && $(wc -w <<<"$entry") == 1 ]] || fail "mn-gpu should have 2 pods, 1 entry: all '$all', entry '$entry'"
worker=$(tr ' ' '\n' <<<"$all" | grep -vx "$entry")
[[ -n $(pod_ip "$worker") ]] || fail "worker pod $worker has no IP"
router_burst 50 /v1/completions mn "$MB_TMP/mn.out"
bad=$(awk -v e="$entry" '$1 != 200 || $2 != e' "$MB_TMP/mn.out" | head -3)
[[ -z $bad ]] || fail "requests for mn not all answered by the entry pod $entry: $bad"
grep -q "skip  $MB_NS/$worker: nothing to run" "$MODELBOOSTER_TESTENV_DIR/logs/pod-agent.log" ||
  fail "the pod agent should have started nothing for the worker pod $worker"
if [[ -n ${MODELBOOSTER_TESTENV_ROUTER_DEBUG:-} ]]; then
  dump=$(curl -fsS "$MODELBOOSTER_TESTENV_ROUTER_DEBUG/debug/config_dump/namespaces/$MB_NS/modelservers/mn-gpu") ||
    fail "the router's debug endpoint does not answer"
  grep -q "$entry" <<<"$dump" || fail "the router's ModelServer mn-gpu does not list the entry pod $entry: $dump"
  ! grep -q "$worker" <<<"$dump" || fail "the router's ModelServer mn-gpu lists the worker pod $worker: $dump"
fi
note "multi-node: 50 requests all on the entry pod $entry; the worker pod $worker is not among the router's pods"

# --- prefill/decode ------------------------------------------------------------
PRE=$(names pods "modelserving.volcano.sh/name=pd-gpu,modelserving.volcano.sh/role=prefill")
DEC=$(names pods "modelserving.volcano.sh/name=pd-gpu,modelserving.volcano.sh/role=decode")
[[ $(wc -w <<<"$PRE") == 2 && $(wc -w <<<"$DEC") == 2 ]] || fail "pd-gpu: expected 2 prefill and 2 decode pods: '$PRE' / '$DEC'"
for p in $PRE $DEC; do engine_reset "$p"; done
NPD=40
router_burst "$NPD" /v1/completions pd "$MB_TMP/pd.out"
while read -r code by model; do
  [[ $code == 200 ]] || fail "a request for pd: HTTP $code"
  member "$DEC" "$by" || fail "a request for pd answered by '$by', not a decode pod ($DEC)"
done <"$MB_TMP/pd.out"
group() { jp pods "$1" '{.metadata.labels.modelserving\.volcano\.sh/group-name}'; }
pre_steps=0 dec_steps=0
for p in $PRE; do
  s=$(engine_state "$p") || fail "no state from the engine of $p"
  expect_eq "$(jq .counters.decode_steps <<<"$s")" 0 "decode steps on prefill pod $p"
  pre_steps=$((pre_steps + $(jq .counters.prefill_steps <<<"$s")))
  jq -e '[.requests[] | select(.step == "prefill") | .max_tokens] | all(. == 1)' <<<"$s" >/dev/null ||
    fail "prefill steps on $p did not ask for max_tokens 1"
done
for p in $DEC; do
  s=$(engine_state "$p") || fail "no state from the engine of $p"
  expect_eq "$(jq .counters.prefill_steps <<<"$s")" 0 "prefill steps on decode pod $p"
  dec_steps=$((dec_steps + $(jq .counters.decode_steps <<<"$s")))
  g=$(group "$p")
  for rp in $(jq -r '.requests[] | select(.step == "decode") | .remote_pod' <<<"$s" | sort -u); do
    member "$PRE" "$rp" || fail "decode pod $p got KV from '$rp', not a prefill pod"
    expect_eq "$(group "$rp")" "$g" "serving group of the prefill pod $rp that decode pod $p (group $g) took its KV from"
  done
done
expect_eq "$pre_steps" "$NPD" "prefill steps over all prefill pods"
expect_eq "$dec_steps" "$NPD" "decode steps over all decode pods"
note "prefill/decode: $NPD requests = $pre_steps prefill steps + $dec_steps decode steps, each decode paired with the prefill pod of its own group"

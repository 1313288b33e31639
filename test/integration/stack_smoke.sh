#!/usr/bin/env bash
# The Kthena serving stack of scripts/testenv.sh works end to end, without
# modelbooster: a ModelServing written by hand becomes a Pod made by
# Kthena's own ModelServing controller, bound by kube-scheduler (profile
# volcano) to a KWOK GPU node, Running and Ready with a loopback pod IP, and
# the ModelServing reports Available=True. Also: the ModelServing webhook is
# live as the tag's chart registers it, the child CRDs are the tag's, and the
# ModelBooster CRD is ours, not Kthena's.
# Skips (exit 0) when MODELBOOSTER_TESTENV_STACK is none or unset.
source "$(dirname "$0")/lib.sh"

stack=${MODELBOOSTER_TESTENV_STACK:-none}
if [[ $stack == none ]]; then
  note "SKIP: no serving stack (MODELBOOSTER_TESTENV_STACK=${MODELBOOSTER_TESTENV_STACK:-<unset>}); run scripts/testenv.sh up --stack v1.0.0 or v0.1.0"
  exit 0
fi
[[ $stack == v1.0.0 || $stack == v0.1.0 ]] || fail "unknown MODELBOOSTER_TESTENV_STACK=$stack (expected v1.0.0, v0.1.0 or none)"
command -v jq >/dev/null || fail "jq is required"
mb_require_cluster
mb_new_namespace

crd_json() { kubectl get crd "$1" -o json; }

# The CRDs are the stack's own ----------------------------------------------
ms_required=$(crd_json modelservings.workload.serving.volcano.sh |
  jq -c '.spec.versions[0].schema.openAPIV3Schema.properties.spec.required // []')
binding_served=no
kubectl get crd autoscalingpolicybindings.workload.serving.volcano.sh >/dev/null 2>&1 && binding_served=yes
if [[ $stack == v0.1.0 ]]; then
  [[ $ms_required == *'"schedulerName"'* ]] || fail "v0.1.0's ModelServing CRD requires spec.schedulerName; the served one requires $ms_required"
  [[ $binding_served == yes ]] || fail "v0.1.0 serves AutoscalingPolicyBinding; it is not installed"
else
  [[ $ms_required != *'"schedulerName"'* ]] || fail "v1.0.0's ModelServing CRD does not require spec.schedulerName; the served one does"
  [[ $binding_served == no ]] || fail "v1.0.0 has no AutoscalingPolicyBinding kind, but its CRD is installed (from deploy/crds, by mb_install_crds?)"
fi
# Exactly the tag's chart CRDs (deploy/crds holds older copies of the child
# kinds: applying them, as mb_install_crds does, replaces these).
src=${MODELBOOSTER_TESTENV_KTHENA_SRC:-}
[[ -n $src && -d $src/charts/kthena/charts ]] ||
  fail "MODELBOOSTER_TESTENV_KTHENA_SRC='$src' is not Kthena's source (eval \"\$(scripts/testenv.sh env)\")"
command -v yq >/dev/null || fail "yq is required"
# One yq and one kubectl call: each costs about half a second.
want_all=$(yq -S -c '{(.metadata.name): .spec.versions}' "$src"/charts/kthena/charts/{workload,networking}/crds/*.yaml |
  jq -S -c -s 'add')
served_all=$(kubectl get crd -o json | jq -S -c '[.items[] | {(.metadata.name): .spec.versions}] | add')
n=0
for name in $(jq -r 'keys[]' <<<"$want_all"); do
  [[ $name == "$MB_CRD" ]] && continue
  want=$(jq -S -c --arg n "$name" '.[$n]' <<<"$want_all")
  got=$(jq -S -c --arg n "$name" '.[$n]' <<<"$served_all")
  [[ $got != null ]] || fail "CRD $name of Kthena $stack is not installed"
  [[ $want == "$got" ]] ||
    fail "the served CRD $name is not Kthena $stack's chart CRD; was it replaced from deploy/crds (mb_install_crds, crds_apply)?"
  n=$((n + 1))
done
note "$n child CRDs are Kthena $stack's (ModelServing spec.required=$ms_required, AutoscalingPolicyBinding served: $binding_served)"

# The ModelBooster CRD is ours: its schema is the one in deploy/crds --------
ours=$MB_REPO_ROOT/deploy/crds/workload.serving.volcano.sh_modelboosters.yaml
[[ -f $ours ]] || fail "$ours does not exist"
served=$(crd_json "$MB_CRD")
part_of=$(jq -r '.metadata.labels["app.kubernetes.io/part-of"] // ""' <<<"$served")
[[ $part_of == modelbooster ]] || fail "the served $MB_CRD is not ours (label app.kubernetes.io/part-of='$part_of')"
jq -e '.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.backends.type == "array"' <<<"$served" >/dev/null ||
  fail "the served $MB_CRD has no spec.backends array"
# Ours accepts v1.0's spec.backend too (docs/migration.md): what tells it
# from Kthena's is the label and the schema, compared whole below.
want=$(yq -S -c '.spec.versions' "$ours")
got=$(jq -S -c '.spec.versions' <<<"$served")
[[ $want == "$got" ]] || fail "the served $MB_CRD's versions differ from $ours"
note "the ModelBooster CRD is ours (label part-of=modelbooster, spec.backends, same schema as deploy/crds)"

# A ModelServing as Kthena $stack takes it --------------------------------------
# One role, no workers; an init container (as our pods have) and a GPU.
modelserving() { # name
  local sched=""
  # v0.1.0 requires it (and its webhook accepts only volcano); v1.0.0 defaults
  # it to volcano: leave it out there and check the default.
  [[ $stack == v0.1.0 ]] && sched="schedulerName: volcano"
  cat <<EOF
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelServing
metadata:
  name: $1
  namespace: $MB_NS
spec:
  $sched
  replicas: 1
  template:
    roles:
      - name: engine
        replicas: 1
        workerReplicas: 0
        entryTemplate:
          metadata:
            labels:
              app: smoke
          spec:
            initContainers:
              - name: downloader
                image: ghcr.io/volcano-sh/downloader:latest
                args: ["--source", "hf://Qwen/Qwen2.5-0.5B-Instruct", "--output-dir", "/models/qwen"]
            containers:
              - name: engine
                image: vllm/vllm-openai:v0.10.1
                command: ["python3", "-m", "vllm.entrypoints.openai.api_server"]
                args: ["--model", "/models/qwen", "--host", "0.0.0.0", "--port", "8000"]
                ports:
                  - name: http
                    containerPort: 8000
                resources:
                  requests:
                    cpu: "1"
                    memory: 2Gi
                    nvidia.com/gpu: "1"
                  limits:
                    nvidia.com/gpu: "1"
EOF
}

# The webhook (as the tag's chart registers it) ---------------------------------
# <name>-<replicas>-<role>-<roleReplicas>-<workerReplicas> is longer than 63
# characters, which Kthena's ModelServing webhook refuses.
long="smoke-$(printf 'x%.0s' {1..52})"
modelserving "$long" >"$MB_TMP/long.yaml"
if [[ $stack == v1.0.0 ]]; then
  out=$(mb_expect_failure kubectl apply --dry-run=server -f "$MB_TMP/long.yaml")
  [[ $out == *'admission webhook "validate-workload-ai-v1alpha1-modelserving.volcano.sh" denied the request'* ]] ||
    fail "the long-named ModelServing was refused, but not by Kthena's webhook: $out"
  note "webhook live: ${#long}-character name refused by validate-workload-ai-v1alpha1-modelserving.volcano.sh"
else
  # v0.1.0's chart registers no ModelServing webhook (its binary serves one
  # at /validate-workload-ai-v1alpha1-modelServing that nothing calls), so
  # the API server takes the name; Kthena's controller would then fail to
  # make pods. Pinned here so that a change in what testenv registers shows.
  out=$(kubectl apply --dry-run=server -f "$MB_TMP/long.yaml" 2>&1) ||
    fail "v0.1.0's chart registers no ModelServing webhook, yet the long-named ModelServing was refused: $out"
  kubectl get validatingwebhookconfigurations -o json |
    jq -e '[.items[].webhooks[].rules[]? | select(.resources | index("modelservings"))] | length == 0' >/dev/null ||
    fail "a webhook for modelservings is registered on v0.1.0, whose chart registers none"
  note "v0.1.0: no ModelServing webhook registered (as its chart); the ${#long}-character name is accepted"
fi

# The real thing: Pod, scheduling, KWOK, status ---------------------------------
ms=smoke
modelserving "$ms" >"$MB_TMP/ms.yaml"
start=$SECONDS
kubectl apply -f "$MB_TMP/ms.yaml" >/dev/null || fail "cannot create ModelServing $ms"

pod=""
deadline=$((SECONDS + 60))
until [[ -n $pod ]]; do
  pod=$(kubectl get pods -n "$MB_NS" -l "modelserving.volcano.sh/name=$ms" -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)
  [[ -n $pod ]] && break
  ((SECONDS < deadline)) || fail "Kthena's ModelServing controller made no pod for $ms in 60 s"
  sleep 0.5
done
note "Kthena made pod $pod after $((SECONDS - start)) s"

kubectl wait -n "$MB_NS" --for=condition=Ready "pod/$pod" --timeout=60s >/dev/null ||
  fail "pod $pod is not Ready after 60 s: $(kubectl get pod -n "$MB_NS" "$pod" -o jsonpath='{.status}')"
p=$(kubectl get pod -n "$MB_NS" "$pod" -o json)
phase=$(jq -r .status.phase <<<"$p")
ip=$(jq -r '.status.podIP // ""' <<<"$p")
node=$(jq -r '.spec.nodeName // ""' <<<"$p")
sched=$(jq -r .spec.schedulerName <<<"$p")
init=$(jq -r '.status.initContainerStatuses[0].state.terminated.reason // ""' <<<"$p")
gpu=$(jq -r '.spec.containers[0].resources.limits["nvidia.com/gpu"] // ""' <<<"$p")
[[ $phase == Running ]] || fail "pod $pod phase is $phase, not Running"
# In the pod CIDR testenv gave KWOK (MODELBOOSTER_TESTENV_POD_CIDR, on
# loopback), compared as 32-bit numbers under its mask.
cidr=${MODELBOOSTER_TESTENV_POD_CIDR:-127.20.0.0/16}
ip_number() { local IFS=. a b c d; read -r a b c d <<<"$1"; echo $(((a << 24) | (b << 16) | (c << 8) | d)); }
bits=${cidr#*/}
mask=$(((0xffffffff << (32 - bits)) & 0xffffffff))
[[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] && (((($(ip_number "$ip") ^ $(ip_number "${cidr%/*}")) & mask) == 0)) ||
  fail "pod $pod IP '$ip' is not in KWOK's pod CIDR $cidr"
[[ $sched == volcano ]] || fail "pod $pod asks for scheduler '$sched', not volcano"
[[ $init == Completed ]] || fail "pod $pod's init container is not Completed ('$init')"
[[ $gpu == 1 ]] || fail "pod $pod does not ask for nvidia.com/gpu: 1 ('$gpu')"
[[ $node == kwok-gpu-* ]] || fail "pod $pod is on node '$node', not a kwok GPU node"
kwok=$(kubectl get node "$node" -o jsonpath='{.metadata.annotations.kwok\.x-k8s\.io/node}')
[[ $kwok == fake ]] || fail "node $node is not a KWOK node (annotation kwok.x-k8s.io/node='$kwok')"
note "pod $pod Running and Ready on $node (scheduler $sched), IP $ip, init container Completed"

# Every KWOK node heartbeats through its Lease, renewed well inside the node
# lifecycle controller's grace period (a late status-only heartbeat once
# left a test's pods NotReady for good: scripts/testenv.sh, kwok_stages).
leases=$(kubectl get leases -n kube-node-lease -o json)
now=$(date +%s)
for n in $(kubectl get nodes -l type=kwok -o jsonpath='{.items[*].metadata.name}'); do
  lease=$(jq -c --arg n "$n" '.items[] | select(.metadata.name == $n) | {holder: .spec.holderIdentity, renew: .spec.renewTime, duration: .spec.leaseDurationSeconds}' <<<"$leases")
  [[ -n $lease ]] || fail "node $n has no Lease in kube-node-lease: KWOK does not heartbeat it through a lease"
  renew=$(jq -r '.renew // ""' <<<"$lease")
  duration=$(jq -r '.duration // 0' <<<"$lease")
  [[ -n $renew ]] && age=$((now - $(date -d "$renew" +%s))) || fail "the Lease of node $n was never renewed: $lease"
  ((age <= duration)) || fail "the Lease of node $n was renewed $age s ago, more than its duration ($duration s): $lease"
done
note "every KWOK node holds a Lease renewed within its ${duration} s"

kubectl wait -n "$MB_NS" --for=condition=Available "modelserving/$ms" --timeout=60s >/dev/null ||
  fail "ModelServing $ms has no Available=True after 60 s: $(kubectl get modelserving -n "$MB_NS" "$ms" -o jsonpath='{.status}')"
note "ModelServing $ms Available=True $((SECONDS - start)) s after it was created"

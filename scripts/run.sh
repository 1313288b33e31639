#!/usr/bin/env bash
# The main job on one machine, from a fresh clone: installs dependencies,
# builds modelbooster, starts a local control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, simulated GPU and Ascend nodes)
# with the real Kthena serving stack (v1.0.0 by default: its CRDs,
# ModelServing controller, autoscaler, router and webhooks), starts the
# controller with its admission webhooks (registered as the Helm chart
# registers them, with a url on loopback), shows an invalid booster refused
# at apply, applies an example booster and shows what it became: the
# children, the pods Kthena's ModelServing controller made from them, the
# booster Active, and who answers requests for its model and adapters
# through Kthena's router (testenv's pod agent runs the pods' engines).
#
#   scripts/run.sh [FILE]               run (default example: examples/multi-backend-lora-autoscaling.yaml)
#   scripts/run.sh --stack v0.1.0 ...   the older Kthena release instead
#   scripts/run.sh --render-only        no cluster: print what the controller would create for every example
#   scripts/run.sh --stop               stop the controller and the control plane
set -euo pipefail
cd "$(dirname "$0")/.."

mode=run
file=examples/multi-backend-lora-autoscaling.yaml
stack=${MODELBOOSTER_TESTENV_STACK:-v1.0.0}
while (($#)); do
  case "$1" in
    --render-only) mode=render ;;
    --stop) mode=stop ;;
    --stack)
      stack=${2:?--stack needs v1.0.0 or v0.1.0}
      shift
      ;;
    -h | --help)
      sed -n '2,17p' "$0"
      exit 0
      ;;
    *) file=$1 ;;
  esac
  shift
done

state=${MODELBOOSTER_TESTENV_DIR:-$PWD/.testenv-state}
pidfile=$state/controller.pid

webhooks=$state/webhooks.json

# The webhook configurations go with the controller: with failurePolicy
# Fail, left behind they would refuse every booster.
stop_controller() {
  if [[ -f $webhooks ]]; then
    kubectl --kubeconfig "$state/kubeconfig" delete -f "$webhooks" --ignore-not-found >/dev/null 2>&1 || true
    rm -f "$webhooks"
  fi
  if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill -TERM "$(cat "$pidfile")"
    echo "run: stopped the controller"
  fi
  rm -f "$pidfile"
}

if [[ $mode == stop ]]; then
  stop_controller
  scripts/testenv.sh down
  exit 0
fi

scripts/install-deps.sh
cmake -S . -B build/run -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMB_BUILD_TESTS=OFF -DMB_BUILD_BENCH=OFF >/dev/null
cmake --build build/run --target modelbooster
mb=$PWD/build/run/src/modelbooster

if [[ $mode == render ]]; then
  for f in examples/*.yaml; do
    echo "### modelbooster render -f $f"
    "$mb" render -f "$f"
  done
  exit 0
fi

echo "### local control plane with Kthena $stack"
scripts/testenv.sh up --stack "$stack"
eval "$(scripts/testenv.sh env)"

echo "### controller, with its admission webhooks registered as the chart registers them (url on loopback)"
stop_controller
source scripts/lib/webhooks.sh
webhook_certs "$state/webhook-certs"
"$mb" controller --metrics-bind-address 127.0.0.1:8080 --health-probe-bind-address 127.0.0.1:8081 \
  --webhook-port 9443 --tls-cert-file "$state/webhook-certs/tls.crt" \
  --tls-private-key-file "$state/webhook-certs/tls.key" \
  >"$state/controller.log" 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 1 100); do
  curl -sf 127.0.0.1:8081/readyz >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf 127.0.0.1:8081/readyz || { cat "$state/controller.log"; exit 1; }
grep -m1 'serving stack' "$state/controller.log" || true
chart_webhooks "$webhooks" modelbooster modelbooster-system 9443 "$state/webhook-certs/ca.crt"
kubectl apply -f "$webhooks"

name=$(kubectl create -f "$file" --dry-run=client -o jsonpath='{.metadata.name}')
ns=$(kubectl create -f "$file" --dry-run=client -o jsonpath='{.metadata.namespace}')
ns=${ns:-default}
# The examples that cache weights on a claim name pvc://model-cache: a
# statically bound volume, as a cluster administrator would provide it.
if grep -q 'pvc://model-cache' "$file"; then
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: $ns-model-cache}
spec:
  capacity: {storage: 1Ti}
  accessModes: [ReadWriteMany]
  storageClassName: ""
  hostPath: {path: /var/lib/model-cache}
  claimRef: {namespace: $ns, name: model-cache}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: model-cache, namespace: $ns}
spec:
  accessModes: [ReadWriteMany]
  storageClassName: ""
  volumeName: $ns-model-cache
  resources: {requests: {storage: 1Ti}}
YAML
fi

echo "### an invalid booster (two server workers): refused by the validating webhook"
refused=0
for _ in $(seq 1 50); do # until the API server's webhook informer has the configuration
  if ! kubectl apply --dry-run=server -f - >"$state/refused.txt" 2>&1 <<YAML; then
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: invalid-example, namespace: $ns}
spec:
  backends:
    - name: gpu
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 1
      workers:
        - {type: server, image: vllm/vllm-openai:v0.10.1}
        - {type: server, image: vllm/vllm-openai:v0.10.1}
YAML
    refused=1
    break
  fi
  sleep 0.2
done
cat "$state/refused.txt"
((refused)) || { echo "run: the invalid booster was not refused" >&2; exit 1; }
echo

# The pod agent of testenv runs Kthena's runtime sidecar and a fake engine
# for the pods of labelled namespaces (docs/testing.md), so that requests
# through Kthena's router get answers.
if [[ -n ${MODELBOOSTER_TESTENV_POD_AGENT_SELECTOR:-} ]]; then
  kubectl label namespace "$ns" --overwrite "$MODELBOOSTER_TESTENV_POD_AGENT_SELECTOR" >/dev/null
fi

echo "### kubectl apply -f $file"
kubectl apply -f "$file"
start=$SECONDS
kubectl wait -n "$ns" --for=condition=Initialized "mb/$name" --timeout=60s
kubectl wait -n "$ns" --for=condition=Active "mb/$name" --timeout=180s
echo "Active after $((SECONDS - start)) s"

kinds=modelboosters,modelservings,modelservers,modelroutes,autoscalingpolicies
[[ $stack == v0.1.0 ]] && kinds+=,autoscalingpolicybindings
echo
echo "### kubectl get $kinds -n $ns"
kubectl get "$kinds" -n "$ns"
echo
echo "### pods made by Kthena's ModelServing controller, on simulated nodes"
kubectl get pods -n "$ns" -o wide
echo
echo "### conditions of modelbooster $ns/$name"
kubectl get mb "$name" -n "$ns" \
  -o jsonpath='{range .status.conditions[*]}{.type}={.status}  {.reason}: {.message}{"\n"}{end}'

# Requests for the model and for each adapter, through Kthena's router: who
# answered (the fake engine names its pod; the pod's backend label says
# which backend), counted over 100 requests each.
router=${MODELBOOSTER_TESTENV_ROUTER:-}
if [[ -n $router ]]; then
  model=$(kubectl get modelroutes.networking.serving.volcano.sh "$name" -n "$ns" -o jsonpath='{.spec.modelName}')
  read -r -a adapters <<<"$(kubectl get modelroutes.networking.serving.volcano.sh "$name" -n "$ns" -o jsonpath='{.spec.loraAdapters[*]}')"
  declare -A backend_of=()
  while read -r pod backend; do backend_of[$pod]=$backend; done < <(kubectl get pods -n "$ns" \
    -l "workload.serving.volcano.sh/model-name=$name" \
    -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.labels.workload\.serving\.volcano\.sh/backend-name}{"\n"}{end}')
  # Until the pod agent has started the engines, the router has no answer.
  for _ in $(seq 1 100); do
    curl -sf -m 5 -o /dev/null -H 'Content-Type: application/json' \
      -d "{\"model\":\"$model\",\"prompt\":\"hi\",\"max_tokens\":4}" "$router/v1/completions" && break
    sleep 0.3
  done
  echo
  echo "### 100 requests each through Kthena's router ($router/v1/completions): answered by"
  for m in "$model" "${adapters[@]}"; do
    declare -A count=()
    for _ in $(seq 1 100); do
      by=$(curl -s -m 5 -H 'Content-Type: application/json' \
        -d "{\"model\":\"$m\",\"prompt\":\"hi\",\"max_tokens\":4}" "$router/v1/completions" |
        jq -r '.system_fingerprint // empty' 2>/dev/null || true)
      key="no answer"
      [[ -n $by ]] && key=${backend_of[$by]:-pod $by}
      count[$key]=$((${count[$key]:-0} + 1))
    done
    line=""
    for k in "${!count[@]}"; do line+="  $k: ${count[$k]}"; done
    printf '  %-14s%s\n' "$m" "$line"
  done
  cat <<MSG
Try one yourself:
  curl -s $router/v1/completions -H 'Content-Type: application/json' \\
    -d '{"model":"$model","prompt":"hello","max_tokens":8}'
MSG
fi
cat <<MSG

The controller (log: $state/controller.log, metrics: http://127.0.0.1:8080/metrics)
and the control plane keep running. Use them with
  eval "\$(scripts/testenv.sh env)"; kubectl get mb -A
The nodes are simulated (KWOK), and so are the engines: a pod agent runs
Kthena's real runtime sidecar and a fake engine for each pod, answering
with the pod's name (docs/testing.md). Stop everything with
  scripts/run.sh --stop
MSG

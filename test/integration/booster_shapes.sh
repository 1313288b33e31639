#!/usr/bin/env bash
# Both ModelBooster shapes on a real API server with our CRD: Kthena v1.0's
# spec.backend (with replicas) is accepted like spec.backends[]; the CEL
# rules refuse both shapes at once, neither, and replicas together with
# minReplicas/maxReplicas; `kubectl get` shows the backend of either shape.
source "$(dirname "$0")/lib.sh"
MB_TEST_NAME=booster_shapes
mb_require_cluster
mb_install_crds
mb_new_namespace

single() { # name extra-backend-lines
  cat <<YAML
apiVersion: $MB_GROUP/$MB_VERSION
kind: ModelBooster
metadata:
  name: $1
spec:
  backend:
    name: solo
    type: vLLM
    modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
$2
    workers:
      - type: server
        tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
YAML
}
list='  backends:
    - name: a
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 1
      workers: [{type: server}]'

accepted() { # name yaml
  local out
  out=$(kubectl create -n "$MB_NS" -f - <<<"$2" 2>&1) || fail "$1 was refused:
$out"
  note "accepted: $1"
}
refused() { # name phrase field yaml
  local out
  out=$(mb_expect_failure kubectl create -n "$MB_NS" -f - <<<"$4")
  grep -qF "$2" <<<"$out" || fail "$1: the refusal does not say '$2':
$out"
  grep -qF "$3" <<<"$out" || fail "$1: the refusal does not name $3:
$out"
  note "refused: $1 ($3)"
}

accepted "spec.backend with replicas" "$(single v1 '    replicas: 2
    runtimeClassName: nvidia')"
accepted "spec.backend with replicas 0" "$(single zero '    replicas: 0')"
accepted "spec.backend with minReplicas and maxReplicas" "$(single bounds '    minReplicas: 1
    maxReplicas: 3
    autoscalingPolicy: {metrics: [{metricName: kthena:num_requests_waiting, targetValue: 10}]}')"
refused "replicas with minReplicas" "set either replicas or minReplicas and maxReplicas" "spec.backend.replicas" \
  "$(single mixed '    replicas: 2
    minReplicas: 1')"
refused "spec.backend without replicas" "set replicas (a fixed number of serving groups)" "spec.backend.replicas" \
  "$(single none '    minReplicas: 1')"
refused "both shapes" "set exactly one of backends" "spec" "$(single both '    replicas: 1')
$list"
refused "neither shape" "set exactly one of backends" "spec" "apiVersion: $MB_GROUP/$MB_VERSION
kind: ModelBooster
metadata:
  name: neither
spec:
  name: neither"
refused "replicas in spec.backends[]" "unknown field" "replicas" "apiVersion: $MB_GROUP/$MB_VERSION
kind: ModelBooster
metadata:
  name: item
spec:
${list/minReplicas: 1
      maxReplicas: 1/replicas: 1}"
accepted "spec.backends[]" "apiVersion: $MB_GROUP/$MB_VERSION
kind: ModelBooster
metadata:
  name: list
spec:
$list"

# The Backends column reads either shape.
table=$(kubectl get "modelboosters.$MB_GROUP" -n "$MB_NS" 2>&1) || fail "kubectl get failed: $table"
printf '%s\n' "$table" | sed 's/^/    /'
grep -Eq '^v1 +.* solo ' <<<"$table" || fail "the Backends column does not show spec.backend.name (solo)"
grep -Eq '^list +.* a ' <<<"$table" || fail "the Backends column does not show spec.backends[0].name (a)"
note "kubectl get shows the backend of both shapes"

#!/usr/bin/env bash
# The main job on one machine, from a fresh clone: installs dependencies,
# builds modelbooster, starts a local control plane (etcd, kube-apiserver,
# kube-controller-manager), starts the controller, applies an example
# booster and shows what was created and the booster's conditions.
#
#   scripts/run.sh [FILE]          run (default example: examples/multi-backend-lora-autoscaling.yaml)
#   scripts/run.sh --render-only   no cluster: print what the controller would create for every example
#   scripts/run.sh --stop          stop the controller and the control plane
set -euo pipefail
cd "$(dirname "$0")/.."

mode=run
file=examples/multi-backend-lora-autoscaling.yaml
for arg in "$@"; do
  case "$arg" in
    --render-only) mode=render ;;
    --stop) mode=stop ;;
    -h | --help)
      sed -n '2,10p' "$0"
      exit 0
      ;;
    *) file=$arg ;;
  esac
done

state=${MODELBOOSTER_TESTENV_DIR:-$PWD/.testenv}
pidfile=$state/controller.pid

stop_controller() {
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

echo "### local control plane"
scripts/testenv.sh up
eval "$(scripts/testenv.sh env)"

echo "### controller"
stop_controller
"$mb" controller --metrics-bind-address 127.0.0.1:8080 --health-probe-bind-address 127.0.0.1:8081 \
  >"$state/controller.log" 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 1 100); do
  curl -sf 127.0.0.1:8081/readyz >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf 127.0.0.1:8081/readyz || { cat "$state/controller.log"; exit 1; }

echo "### kubectl apply -f $file"
kubectl apply -f "$file"
name=$(kubectl apply -f "$file" --dry-run=client -o jsonpath='{.metadata.name}')
ns=$(kubectl apply -f "$file" --dry-run=client -o jsonpath='{.metadata.namespace}')
ns=${ns:-default}
kubectl wait -n "$ns" --for=condition=Initialized "mb/$name" --timeout=60s

echo
echo "### kubectl get modelboosters,modelservings,modelservers,modelroutes,autoscalingpolicies,autoscalingpolicybindings -n $ns"
kubectl get modelboosters,modelservings,modelservers,modelroutes,autoscalingpolicies,autoscalingpolicybindings -n "$ns"
echo
echo "### conditions of modelbooster $ns/$name"
kubectl get mb "$name" -n "$ns" \
  -o jsonpath='{range .status.conditions[*]}{.type}={.status}  {.reason}: {.message}{"\n"}{end}'
cat <<MSG

The controller (log: $state/controller.log, metrics: http://127.0.0.1:8080/metrics)
and the control plane keep running. Use them with
  eval "\$(scripts/testenv.sh env)"; kubectl get mb -A
Nothing serves the models here: no GPUs and no Kthena serving stack, so
Active stays False. Stop everything with
  scripts/run.sh --stop
MSG

#!/usr/bin/env bash
# Scale benchmark: 1,000 boosters created at once against the local control
# plane. Usage: bench/scale/run.sh [N]   (default 1000)
# Starts the control plane if needed, runs the controller with a QPS budget
# big enough not to be the bottleneck, and prints the numbers recorded in
# docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMB_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench --target modelbooster mb_scale_bench
scripts/testenv.sh up
eval "$(scripts/testenv.sh env)"
log=$(mktemp)
build/bench/src/modelbooster controller --workers 8 --kube-api-qps 1000 --kube-api-burst 2000 \
  --metrics-bind-address 127.0.0.1:18180 --health-probe-bind-address 127.0.0.1:18181 >"$log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
until curl -sf 127.0.0.1:18181/readyz >/dev/null; do sleep 0.2; done
build/bench/bench/mb_scale_bench "$n" "$pid" http://127.0.0.1:18180/metrics examples/multi-backend-lora-autoscaling.yaml

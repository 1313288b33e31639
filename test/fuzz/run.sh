#!/usr/bin/env bash
# Fuzz for a while (default 600 s): scripts/../test/fuzz/run.sh [SECONDS]
# Builds with clang + libFuzzer + ASan/UBSan into build/fuzz; the working
# corpus lives in build/fuzz/corpus (seeded from examples and golden inputs).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMB_BUILD_FUZZ=ON \
  -DMB_SANITIZE=address,undefined -DMB_BUILD_BENCH=OFF >/dev/null
cmake --build build/fuzz --target render_fuzzer
mkdir -p build/fuzz/corpus
cp examples/*.yaml build/fuzz/corpus/
for d in test/golden/*/; do cp "$d/input.yaml" "build/fuzz/corpus/golden-$(basename "$d").yaml"; done
build/fuzz/test/fuzz/render_fuzzer -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
  -artifact_prefix=build/fuzz/ build/fuzz/corpus

#!/usr/bin/env bash
# Replays the seed corpus (examples, golden inputs, saved crashers) once.
set -euo pipefail
fuzzer=$1
src=$2
files=("$src"/examples/*.yaml "$src"/test/golden/*/input.yaml)
[ -d "$src/test/fuzz/regressions" ] && files+=("$src"/test/fuzz/regressions/*)
exec "$fuzzer" -runs=0 "${files[@]}"

#!/usr/bin/env bash
# The CLI as a user runs it: exit codes (0 ok, 1 invalid input, 2 usage),
# nothing on stdout when input is invalid, --help everywhere, and the CRDs
# printed by `modelbooster crds` identical to deploy/crds.
set -uo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
passes=0

check() {  # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" = "$3" ]; then
    passes=$((passes + 1))
  else
    echo "FAIL: $1: exit status $3, expected $2"
    failures=$((failures + 1))
  fi
}
contains() {  # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then
    passes=$((passes + 1))
  else
    echo "FAIL: $1: $2 lacks: $3"; sed 's/^/    /' "$2" | head -20
    failures=$((failures + 1))
  fi
}
empty() {  # empty NAME FILE
  if [ ! -s "$2" ]; then passes=$((passes + 1)); else echo "FAIL: $1: $2 not empty"; failures=$((failures + 1)); fi
}

for f in "$src"/examples/*.yaml; do
  "$bin" render -f "$f" >"$tmp/out" 2>"$tmp/err"; check "render $(basename "$f")" 0 $?
  empty "render $(basename "$f") stderr" "$tmp/err"
  "$bin" validate -f "$f" >"$tmp/out" 2>"$tmp/err"; check "validate $(basename "$f")" 0 $?
  empty "validate prints nothing" "$tmp/out"
done

"$bin" render -f - -o json <"$src/examples/sglang.yaml" >"$tmp/out" 2>"$tmp/err"; check "render stdin json" 0 $?
contains "json is a List" "$tmp/out" '"kind": "List"'

sed 's/maxReplicas: 1$/maxReplicas: 0/' "$src/examples/vllm-single-gpu.yaml" >"$tmp/bad.yaml"
"$bin" render -f "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"; check "render invalid" 1 $?
empty "invalid: no partial output" "$tmp/out"
contains "invalid: names the field" "$tmp/err" "spec.backends[0].maxReplicas"
contains "invalid: names the file" "$tmp/err" "$tmp/bad.yaml: document 1 (ModelBooster default/qwen-7b): line"
"$bin" validate -f "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"; check "validate invalid" 1 $?

# Several JSON objects in one file are all read (kubectl does); garbage
# after one is an error, not silently dropped.
json_in="$src/test/golden/json-input/input.yaml"
{ cat "$json_in"; sed 's/"json-model"/"json-model-2"/' "$json_in"; } >"$tmp/two.json"
"$bin" render -f "$tmp/two.json" >"$tmp/out" 2>"$tmp/err"; check "two JSON objects in one file" 0 $?
contains "two JSON objects: the second is rendered" "$tmp/out" "name: json-model-2-gpu"
{ cat "$src/test/golden/json-input/input.yaml"; echo ' garbage'; } >"$tmp/trailing.json"
"$bin" validate -f "$tmp/trailing.json" >"$tmp/out" 2>"$tmp/err"; check "garbage after a JSON object" 1 $?
contains "garbage after a JSON object: says where" "$tmp/err" "line $(($(wc -l <"$json_in") + 1)), column 2: invalid JSON"

printf 'spec: [unclosed\n' >"$tmp/broken.yaml"
"$bin" render -f "$tmp/broken.yaml" >"$tmp/out" 2>"$tmp/err"; check "malformed yaml" 1 $?
contains "malformed: line" "$tmp/err" "line 1"
printf '{"apiVersion": 1,' >"$tmp/broken.json"
"$bin" render -f "$tmp/broken.json" >"$tmp/out" 2>"$tmp/err"; check "malformed json" 1 $?
contains "malformed json: message" "$tmp/err" "invalid JSON"

# Many mistakes are reported in linear time (matching each error with its
# line, and with the schema's errors, was quadratic: 5 s for 40,000). The
# check is the growth from 10,000 to 40,000 unknown keys, not a duration, so
# that it holds in sanitizer builds too: about 4x when linear, 16x before.
wide() {  # wide N: a booster with N unknown keys; prints the milliseconds validate took
  { printf 'apiVersion: workload.serving.volcano.sh/v1alpha1\nkind: ModelBooster\nmetadata: {name: m}\nspec:\n'
    seq -f '  u%.0f: 1' 1 "$1"; } >"$tmp/wide.yaml"
  local start end
  start=$(date +%s%N)
  "$bin" validate -f "$tmp/wide.yaml" >"$tmp/out" 2>"$tmp/err"
  end=$(date +%s%N)
  echo $(((end - start) / 1000000 + 1))
}
small=$(wide 10000)
large=$(wide 40000)
contains "40,000 unknown keys: reported" "$tmp/err" "errors; nothing was rendered"
if ((large < 10 * small)); then
  passes=$((passes + 1))
else
  echo "FAIL: 4x the unknown keys took $((large / small))x the time ($small ms, $large ms): not linear"
  failures=$((failures + 1))
fi

# An endless input is refused at the size limit, not read into memory.
timeout 20 "$bin" validate -f /dev/zero >"$tmp/out" 2>"$tmp/err"; check "endless input" 1 $?
contains "endless input: names the limit" "$tmp/err" "larger than 16 MiB"
# Output that cannot be written is a failure, not a truncated success.
if [ -w /dev/full ]; then
  "$bin" render -f "$src/examples/sglang.yaml" >/dev/full 2>"$tmp/err"; check "stdout full" 3 $?
  contains "stdout full: says so" "$tmp/err" "cannot write to standard output"
  "$bin" render --help >/dev/full 2>"$tmp/err"; check "help to a full stdout" 3 $?
  "$bin" --version >/dev/full 2>"$tmp/err"; check "--version to a full stdout" 3 $?
fi

"$bin" render -f "$tmp/does-not-exist.yaml" >"$tmp/out" 2>"$tmp/err"; check "missing file" 2 $?
contains "missing file: says so" "$tmp/err" "cannot read"
"$bin" render -f "$tmp" >"$tmp/out" 2>"$tmp/err"; check "directory" 2 $?
"$bin" render >"$tmp/out" 2>"$tmp/err"; check "render without -f" 2 $?
"$bin" render -f x -o xml >"$tmp/out" 2>"$tmp/err"; check "bad -o" 2 $?
"$bin" frobnicate >"$tmp/out" 2>"$tmp/err"; check "unknown command" 2 $?
contains "unknown command: named" "$tmp/err" 'unknown command "frobnicate"'
"$bin" render -f "$src/examples/sglang.yaml" --sglang-image 'a b' >"$tmp/out" 2>"$tmp/err"; check "image with a blank" 2 $?
empty "image with a blank: no output" "$tmp/out"
"$bin" render -f "$src/examples/sglang.yaml" --runtime-image '' >"$tmp/out" 2>"$tmp/err"; check "empty image" 2 $?
"$bin" >"$tmp/out" 2>"$tmp/err"; check "no command" 2 $?

for sub in "" render validate crds version; do
  # shellcheck disable=SC2086
  "$bin" $sub --help >"$tmp/out" 2>&1; check "help $sub" 0 $?
  contains "help $sub" "$tmp/out" "Usage"
done
# render and controller take the same conversion flags, so a file rendered
# with the controller's flags shows what the controller writes.
conversion_flags() { "$bin" "$1" --help | sed -n '/^Conversion:/,/^$/p' | grep -oE -- '--[a-z-]+' | sort; }
if [ -n "$(conversion_flags render)" ] && [ "$(conversion_flags render)" = "$(conversion_flags controller)" ]; then
  passes=$((passes + 1))
else
  echo "FAIL: render and controller differ in conversion flags:"
  diff <(conversion_flags render) <(conversion_flags controller) | sed 's/^/    /'
  failures=$((failures + 1))
fi
"$bin" render -f "$src/examples/vllm-pd-ascend-mooncake.yaml" --npu-chip-name Ascend910B >"$tmp/out" 2>"$tmp/err"
check "render --npu-chip-name" 0 $?
contains "render --npu-chip-name" "$tmp/out" "- Ascend910B"

"$bin" version >"$tmp/out"; check version 0 $?
contains version "$tmp/out" "modelbooster "
"$bin" --version >"$tmp/out"; check --version 0 $?

# The embedded CRDs are exactly the files under deploy/crds, in order.
"$bin" crds >"$tmp/crds.yaml"; check crds 0 $?
: >"$tmp/expected.yaml"
first=1
for f in "$src"/deploy/crds/*.yaml; do
  [ $first = 1 ] || echo '---' >>"$tmp/expected.yaml"
  first=0
  cat "$f" >>"$tmp/expected.yaml"
done
if [ "$first" = 1 ]; then
  echo "FAIL: deploy/crds has no CRDs"; failures=$((failures + 1))
elif diff -u "$tmp/expected.yaml" "$tmp/crds.yaml" >"$tmp/diff"; then
  passes=$((passes + 1))
else
  echo "FAIL: modelbooster crds differs from deploy/crds (rebuild after editing a CRD)"; head -40 "$tmp/diff"
  failures=$((failures + 1))
fi
count=$(grep -c '^kind: CustomResourceDefinition' "$tmp/crds.yaml")
check "one CRD (ModelBooster; the child kinds belong to the serving stack)" 1 "$count"

echo "$passes passed, $failures failed"
[ "$failures" = 0 ]

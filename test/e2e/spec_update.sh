#!/usr/bin/env bash
# Scenario 3: a spec change (an image, an engine flag) updates the
# ModelServing in place; status.observedGeneration follows metadata.generation.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

B=upd
small_booster "$B" | apply_yaml
wait_cond "$B" Initialized True
MS=$B-gpu
ms_uid=$(uid_of "$K_MS" "$MS")

# engine JQ: a field of the engine container (docs/conversion.md: the engine container) of
# the ModelServing's first role.
engine() {
  k get "$K_MS" "$MS" -o json |
    jq -r "[.spec.template.roles[0].entryTemplate.spec.containers[] | select(.name == \"engine\")][0] | $1"
}
engine_cmd() { engine '((.command // []) + (.args // [])) | join(" ")'; }
expect_eq "$(engine .image)" "vllm/vllm-openai:v0.10.1" "engine image before the change"
[[ $(engine_cmd) == *"--max-model-len 4096"* ]] || fail "engine command lacks --max-model-len 4096: $(engine_cmd)"

observed() { [[ $(jp "$K_MB" "$B" '{.status.observedGeneration}') == "$1" ]]; }
gen=$(jp "$K_MB" "$B" '{.metadata.generation}')
wait_for observed "$gen" || fail "status.observedGeneration is not $gen"

# 1. The image and a config flag.
k patch "$K_MB" "$B" --type=json -p '[
  {"op":"replace","path":"/spec/backends/0/workers/0/image","value":"vllm/vllm-openai:v0.10.2"},
  {"op":"replace","path":"/spec/backends/0/workers/0/config/max-model-len","value":8192}]' >/dev/null
gen2=$(jp "$K_MB" "$B" '{.metadata.generation}')
((gen2 > gen)) || fail "metadata.generation did not grow on a spec change ($gen -> $gen2)"
wait_for bash -c "[[ \$(kubectl -n $MB_NS get $K_MS $MS -o json | jq -r '.spec.template.roles[0].entryTemplate.spec.containers[].image' | grep -c v0.10.2) -ge 1 ]]" ||
  fail "ModelServing $MS was not updated to image vllm/vllm-openai:v0.10.2: images $(k get "$K_MS" "$MS" -o json | jq -c '[.spec.template.roles[0].entryTemplate.spec.containers[].image]')"
expect_eq "$(engine .image)" "vllm/vllm-openai:v0.10.2" "engine image after the change"
[[ $(engine_cmd) == *"--max-model-len 8192"* ]] || fail "engine command lacks --max-model-len 8192 after the change: $(engine_cmd)"
[[ $(engine_cmd) != *"4096"* ]] || fail "engine command still has the old value 4096: $(engine_cmd)"
wait_for observed "$gen2" ||
  fail "status.observedGeneration is $(jp "$K_MB" "$B" '{.status.observedGeneration}'), metadata.generation is $gen2"
for t in Initialized Active Failed; do
  expect_eq "$(cond "$B" "$t" observedGeneration)" "$gen2" "condition $t observedGeneration after the change"
done
expect_eq "$(uid_of "$K_MS" "$MS")" "$ms_uid" "ModelServing uid (updated in place, not replaced)"
expect_eq "$(cond "$B" Initialized)" "True" "Initialized after the change"
note "image and max-model-len updated in place; observedGeneration $gen2"

# 2. A new flag (a string value that is empty: the flag stands alone).
k patch "$K_MB" "$B" --type=json -p '[{"op":"add","path":"/spec/backends/0/workers/0/config/enforce-eager","value":""}]' >/dev/null
gen3=$(jp "$K_MB" "$B" '{.metadata.generation}')
wait_for bash -c "kubectl -n $MB_NS get $K_MS $MS -o json | grep -q -- --enforce-eager" ||
  fail "ModelServing $MS did not get --enforce-eager: $(engine_cmd)"
wait_for observed "$gen3" ||
  fail "status.observedGeneration is $(jp "$K_MB" "$B" '{.status.observedGeneration}'), metadata.generation is $gen3"
ctl_idle
[[ -n $(events_for "$B" Updated | grep "^Normal Updated .*ModelServing") ]] ||
  fail "no Normal Updated event on the booster for ModelServing $MS: $(events_for "$B")"

# 3. A metadata-only change (an annotation) does not bump the generation
#    and changes nothing.
rv=$(jp "$K_MS" "$MS" '{.metadata.resourceVersion}')
k annotate "$K_MB" "$B" e2e/touched=yes >/dev/null
ctl_idle
expect_eq "$(jp "$K_MS" "$MS" '{.metadata.resourceVersion}')" "$rv" "ModelServing resourceVersion after a booster annotation"
expect_eq "$(jp "$K_MB" "$B" '{.status.observedGeneration}')" "$gen3" "observedGeneration after an annotation"
note "observedGeneration follows generation ($gen -> $gen2 -> $gen3)"

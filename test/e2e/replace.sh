#!/usr/bin/env bash
# Scenario 6: immutable fields. Changing spec.name (ModelRoute modelName is
# immutable) replaces the ModelRoute, with a Normal Event reason Replaced;
# toggling gangScheduling.enabled replaces the ModelServing.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

B=repl
small_booster "$B" | apply_yaml
wait_cond "$B" Initialized True
MS=$B-gpu

field_is() { [[ $(jp "$1" "$2" "$3") == "$4" ]]; }
new_uid() { local u; u=$(uid_of "$1" "$2") && [[ -n $u && $u != "$3" ]]; }

# 1. spec.name: m-one -> m-two.
k patch "$K_MB" "$B" --type=merge -p '{"spec":{"name":"m-one"}}' >/dev/null
wait_for field_is "$K_RT" "$B" '{.spec.modelName}' m-one ||
  fail "ModelRoute $B spec.modelName did not become m-one (it is '$(jp "$K_RT" "$B" '{.spec.modelName}')'); booster: $(jp "$K_MB" "$B" '{.status.conditions}')"
wait_cond "$B" Initialized True
ctl_idle
rt_uid=$(uid_of "$K_RT" "$B")
srv_uid=$(uid_of "$K_SRV" "$MS")
replaced_before=$(events_for "$B" Replaced | grep -c . || true)

k patch "$K_MB" "$B" --type=merge -p '{"spec":{"name":"m-two"}}' >/dev/null
wait_for field_is "$K_RT" "$B" '{.spec.modelName}' m-two ||
  fail "ModelRoute $B spec.modelName did not become m-two (it is '$(jp "$K_RT" "$B" '{.spec.modelName}')'); booster: $(jp "$K_MB" "$B" '{.status.conditions}')"
new_uid "$K_RT" "$B" "$rt_uid" || fail "ModelRoute $B has the same uid after a modelName change: it was not replaced"
wait_for field_is "$K_SRV" "$MS" '{.spec.model}' m-two || fail "ModelServer $MS spec.model did not follow spec.name"
expect_eq "$(uid_of "$K_SRV" "$MS")" "$srv_uid" "ModelServer uid (spec.model is mutable: updated, not replaced)"
wait_cond "$B" Initialized True
expect_eq "$(cond "$B" Failed)" "False" "Failed after the ModelRoute replacement"
expect_eq "$(jp "$K_MB" "$B" '{.status.observedGeneration}')" "$(jp "$K_MB" "$B" '{.metadata.generation}')" "observedGeneration"
ctl_idle
ev=$(events_for "$B" Replaced | grep '^Normal Replaced .*ModelRoute' || true)
[[ -n $ev ]] || fail "no Normal event with reason Replaced naming the ModelRoute on the booster; events: $(events_for "$B")"
[[ $ev == *modelName* ]] || fail "the Replaced event should say why (spec.modelName): '$ev'"
note "ModelRoute replaced (uid $rt_uid -> $(uid_of "$K_RT" "$B")): $ev"
expect_eq "$(children "$(uid_of "$K_MB" "$B")")" "modelservings/$MS modelservers/$MS modelroutes/$B" "children after the replacement"

if [[ $MB_PROFILE == v1.0 ]]; then
  # 2'. On Kthena v1.0 every ModelServing that goes to Volcano is gang
  # scheduled with each role at its replicas, gangPolicy or not: the opt-in
  # changes nothing there, so toggling it must not replace the ModelServing
  # (which would delete every pod). docs/stacks.md.
  ms_uid=$(uid_of "$K_MS" "$MS")
  for enabled in true false; do
    k patch "$K_MB" "$B" --type=json -p "[{\"op\":\"add\",\"path\":\"/spec/backends/0/gangScheduling\",\"value\":{\"enabled\":$enabled}}]" >/dev/null ||
      fail "cannot set gangScheduling.enabled=$enabled"
    wait_for bash -c "[[ \$(kubectl -n $MB_NS get $K_MB $B -o jsonpath='{.status.observedGeneration}') == \$(kubectl -n $MB_NS get $K_MB $B -o jsonpath='{.metadata.generation}') ]]" ||
      fail "booster $B did not observe its new generation"
    ctl_idle
    expect_eq "$(uid_of "$K_MS" "$MS")" "$ms_uid" "ModelServing $MS uid after gangScheduling.enabled=$enabled (v1.0: no replacement)"
    expect_eq "$(cond "$B" Initialized)" "True" "Initialized after gangScheduling.enabled=$enabled"
  done
  [[ -z $(events_for "$B" Replaced | grep 'ModelServing') ]] ||
    fail "the ModelServing was replaced on v1.0 for a gang toggle: $(events_for "$B" Replaced)"
  note "v1.0: gangScheduling toggled on and off, ModelServing kept (uid $ms_uid)"
else
# 2. gangScheduling on: the ModelServing is replaced and gets a gangPolicy.
ms_uid=$(uid_of "$K_MS" "$MS")
k patch "$K_MB" "$B" --type=json -p '[{"op":"add","path":"/spec/backends/0/gangScheduling","value":{"enabled":true}}]' >/dev/null
wait_for new_uid "$K_MS" "$MS" "$ms_uid" ||
  fail "ModelServing $MS was not replaced when gangScheduling was turned on; booster: $(jp "$K_MB" "$B" '{.status.conditions}')"
wait_for bash -c "[[ -n \$(kubectl -n $MB_NS get $K_MS $MS -o jsonpath='{.spec.template.gangPolicy}') ]]" ||
  fail "ModelServing $MS has no gangPolicy after gangScheduling was turned on"
expect_eq "$(jp "$K_MS" "$MS" '{.spec.template.gangPolicy.minRoleReplicas}' | jq -c .)" '{"leader":1}' "gangPolicy.minRoleReplicas"
wait_cond "$B" Initialized True
ctl_idle
[[ -n $(events_for "$B" Replaced | grep '^Normal Replaced .*ModelServing') ]] ||
  fail "no Normal Replaced event naming the ModelServing: $(events_for "$B")"
note "gangScheduling on: ModelServing replaced with a gangPolicy"

# 3. gangScheduling off: replaced again, without a gangPolicy.
ms_uid=$(uid_of "$K_MS" "$MS")
k patch "$K_MB" "$B" --type=json -p '[{"op":"replace","path":"/spec/backends/0/gangScheduling","value":{"enabled":false}}]' >/dev/null
wait_for new_uid "$K_MS" "$MS" "$ms_uid" ||
  fail "ModelServing $MS was not replaced when gangScheduling was turned off"
wait_for bash -c "[[ -z \$(kubectl -n $MB_NS get $K_MS $MS -o jsonpath='{.spec.template.gangPolicy}') ]]" ||
  fail "ModelServing $MS still has a gangPolicy after gangScheduling was turned off"
wait_cond "$B" Initialized True
expect_eq "$(cond "$B" Failed)" "False" "Failed after the ModelServing replacements"
ctl_idle
expect_eq "$(children "$(uid_of "$K_MB" "$B")")" "modelservings/$MS modelservers/$MS modelroutes/$B" "children at the end"
note "gangScheduling off: ModelServing replaced without a gangPolicy"
fi

#!/usr/bin/env bash
# The serving-stack profile on the real stack: with --serving-stack auto the
# controller detects the release from discovery and says so in its log, in
# /readyz and in a metric; told a profile whose kinds the server does not
# serve, it does not hang: the missing kind is named in the log, /readyz
# answers 503 naming it, and a booster that needs it is Failed with the same
# message and gets no children.
source "$(dirname "$0")/lib.sh"
e2e_setup
[[ $MB_STACK != none ]] || skip "no serving stack in this control plane: nothing to detect"

# 1. auto: the right profile.
ctl_start main
log=${CTL_LOG[main]}
grep -q "serving stack.*profile=$MB_PROFILE.*chosen_by=auto" "$log" ||
  fail "the start-up log does not name profile $MB_PROFILE chosen by auto:
$(grep -i 'serving stack' "$log")"
[[ $(readyz main) == *"serving stack $MB_PROFILE (auto)"* ]] || fail "/readyz does not name the profile: '$(readyz main)'"
expect_eq "$(metric modelbooster_serving_stack_info "profile=\"$MB_PROFILE\"" 'source="auto"')" 1 \
  "modelbooster_serving_stack_info{profile=$MB_PROFILE,source=auto}"
note "auto on $MB_STACK: profile $MB_PROFILE in the log, /readyz ('$(readyz main)') and metrics"
ctl_stop main

# 2. A profile the server cannot satisfy: v0.1 on a v1.0 server (no
# AutoscalingPolicyBinding kind). On a v0.1 server every v1.0 kind is served,
# so this part is a v1.0.0 scenario.
if [[ $MB_STACK == v1.0.0 ]]; then
  hport=$(free_port)
  mport=$(free_port)
  "$MB_BIN" controller --kubeconfig "$(ctl_kubeconfig)" --namespace "$MB_NS" --config-namespace "$MB_NS" \
    --metrics-bind-address "127.0.0.1:$mport" --health-probe-bind-address "127.0.0.1:$hport" \
    --serving-stack v0.1 >"$MB_TMP/missing.log" 2>&1 &
  CTL_PID[missing]=$!
  CTL_LOG[missing]=$MB_TMP/missing.log
  CTL_LOGS+=("$MB_TMP/missing.log")
  CTL_HEALTH[missing]=$hport
  CTL_METRICS[missing]=$mport
  # It answers (it did not hang waiting for a cache of a kind nobody serves)...
  wait_for -t 30 bash -c "curl -s -o /dev/null http://127.0.0.1:$hport/readyz" || fail "/readyz never answered:
$(tail -n 20 "$MB_TMP/missing.log")"
  # (The first answers may still say "discovering the serving stack": wait
  # for the verdict of discovery, which must come without a hang.)
  wait_for -t 30 bash -c "[[ \$(curl -s http://127.0.0.1:$hport/readyz) != *discovering* ]]" ||
    fail "/readyz still says '$(curl -s "http://127.0.0.1:$hport/readyz")' 30 s after the start"
  # ...with 503 naming the missing kind.
  code=$(curl -s -o "$MB_TMP/readyz" -w '%{http_code}' "http://127.0.0.1:$hport/readyz")
  expect_eq "$code" 503 "/readyz with a kind missing"
  grep -q AutoscalingPolicyBinding "$MB_TMP/readyz" || fail "/readyz does not name the missing kind: $(cat "$MB_TMP/readyz")"
  grep -qi 'AutoscalingPolicyBinding' "$MB_TMP/missing.log" || fail "the log does not name the missing kind"
  note "v0.1 on a v1.0 server: /readyz 503 '$(head -c 200 "$MB_TMP/readyz")'"
  # A booster that needs the missing kind: Failed, naming it, and no child.
  B=needs-binding
  autoscaled_booster "$B" | apply_yaml
  wait_cond "$B" Failed True
  msg=$(cond "$B" Failed message)
  [[ $msg == *AutoscalingPolicyBinding* ]] || fail "Failed message does not name the missing kind: '$msg'"
  expect_eq "$(children "$(uid_of "$K_MB" "$B")")" "" "children of a booster whose kinds are missing"
  note "booster $B: Failed=True '$msg', no child written"
  ctl_stop missing
fi

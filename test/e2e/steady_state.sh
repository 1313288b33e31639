#!/usr/bin/env bash
# Scenario 10: steady state costs zero writes. 20 boosters (some with
# backend-level autoscaling, half of them Active); once all are Initialized
# and the controller is idle, for MB_E2E_STEADY_SECONDS (default 120) the
# controller's rest_client_requests_total for write verbs does not move, and
# the API server's audit log shows no write request from the controller's
# user agent in the namespace, although unrelated events (annotations and
# foreign labels on boosters and children, no-op status writes by the
# serving stack) keep it reconciling.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

STEADY=${MB_E2E_STEADY_SECONDS:-120}
N=20

booster() { # name autoscaled
  if (($2)); then autoscaled_booster "$1" "max-model-len: 4096"; else small_booster "$1"; fi
}
for i in $(seq 1 $N); do
  booster "steady-$i" $((i % 3 == 0))
  echo ---
done | apply_yaml

all_initialized() {
  [[ $(k get "$K_MB" -o json | jq '[.items[] | select(any(.status.conditions[]?; .type == "Initialized" and .status == "True"))] | length') == "$N" ]]
}
wait_for -t 60 all_initialized ||
  fail "not all $N boosters are Initialized after 60 s: $(k get "$K_MB" --no-headers | awk '$2 != "True"' | head)"
note "$N boosters Initialized"

# Half of them become Active (the serving stack reports Available).
for i in $(seq 1 2 $N); do set_serving_available "steady-$i-gpu" 1; done
for i in $(seq 1 2 $N); do wait_cond "steady-$i" Active True; done
# The autoscaler of steady-3 picks 2 replicas (inside [1, 4]).
k patch "$K_MS" steady-3-gpu --type=merge -p '{"spec":{"replicas":2}}' >/dev/null
ctl_idle
sleep 3 # let asynchronous event writes drain
ctl_idle

w0=$(writes)
by_verb0=$(writes_by_verb)
r0=$(reconciles)
gets0=$(metric rest_client_requests_total 'verb="get"')
t0=$(now_utc)
note "steady window of $STEADY s starts: writes so far: $by_verb0"

# Unrelated events during the window: booster annotations and labels,
# foreign annotations/labels on children, the same status written again.
touch_all() { # round
  local i
  for i in $(seq 1 $N); do
    k annotate "$K_MB" "steady-$i" --overwrite "e2e.example.com/round=$1" >/dev/null
  done
  for i in $(seq 1 4 $N); do
    k annotate "$K_MS" "steady-$i-gpu" --overwrite "e2e.example.com/round=$1" >/dev/null
    k label "$K_SRV" "steady-$i-gpu" --overwrite "e2e.example.com/round=r$1" >/dev/null
    k annotate "$K_RT" "steady-$i" --overwrite "e2e.example.com/round=$1" >/dev/null
  done
  for i in $(seq 1 2 $N); do set_serving_available "steady-$i-gpu" 1; done
  k annotate "$K_ASPB" steady-3-gpu --overwrite "e2e.example.com/round=$1" >/dev/null
}
end=$((SECONDS + STEADY))
round=0
while ((SECONDS < end)); do
  ctl_check_alive
  if ((round < 3 && SECONDS >= end - STEADY + round * STEADY / 3)); then
    round=$((round + 1))
    touch_all "$round"
    note "round $round of unrelated events sent"
  fi
  w=$(writes)
  ((w == w0)) || break
  sleep 1
done
sleep 1
ctl_idle
t1=$(now_utc)
w1=$(writes)
r1=$(reconciles)
gets1=$(metric rest_client_requests_total 'verb="get"')
((r1 > r0)) || fail "the unrelated events did not cause any reconcile ($r0 -> $r1): the test did not exercise the steady state"
audit=$(audit_controller_writes "$t0" "$t1")
if ((w1 != w0)) || [[ -n $audit ]]; then
  fail "the controller wrote in steady state (window $t0 .. $t1, $((r1 - r0)) reconciles):
    rest_client_requests_total writes before: $by_verb0
    rest_client_requests_total writes after:  $(writes_by_verb)
    audit log, controller writes in the window:
$(head -n 30 <<<"$audit")"
fi
((gets1 == gets0)) || fail "the controller sent $((gets1 - gets0)) GET requests in steady state (all reads must come from the cache)"
expect_eq "$(jp "$K_MS" steady-3-gpu '{.spec.replicas}')" "2" "the autoscaler's replicas of steady-3-gpu"
note "steady state: no write in $STEADY s ($((r1 - r0)) reconciles of unrelated events, 0 GETs)"

#!/usr/bin/env bash
# Scenario 10: steady state costs zero writes. 20 boosters (some with
# backend-level autoscaling, half of them Active); once all are Initialized
# and the controller is idle, for MB_E2E_STEADY_SECONDS (default 120) the
# controller's rest_client_requests_total for write verbs does not move, and
# the API server's audit log shows no write request from the controller's
# user agent in the namespace, although unrelated events (annotations and
# foreign labels on boosters and children, status writes on ModelServings
# that change nothing a booster reports) keep it reconciling.
# The serving stack is the real one: the odd boosters' pods run and their
# ModelServings become Available through Kthena; the even ones select the
# test's node pool, which no node joins, so they stay Active=False (lib.sh,
# pool_open). Kthena's autoscaler leaves the autoscaled replicas alone (no
# metric can be scraped: no engine listens on the pods' IPs).
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

STEADY=${MB_E2E_STEADY_SECONDS:-120}
N=20

booster() { # name autoscaled pending
  if (($2)); then
    MB_IN_POOL=$3 autoscaled_booster "$1" "max-model-len: 4096"
  else
    MB_IN_POOL=$3 small_booster "$1"
  fi
}
for i in $(seq 1 $N); do
  booster "steady-$i" $((i % 3 == 0)) $((i % 2 == 0))
  echo ---
done | apply_yaml

all_initialized() {
  [[ $(k get "$K_MB" -o json | jq '[.items[] | select(any(.status.conditions[]?; .type == "Initialized" and .status == "True"))] | length') == "$N" ]]
}
wait_for -t 60 all_initialized ||
  fail "not all $N boosters are Initialized after 60 s: $(k get "$K_MB" --no-headers | awk '$2 != "True"' | head)"
note "$N boosters Initialized"

# Half of them become Active (Kthena runs their pods and reports Available).
for i in $(seq 1 2 $N); do wait_cond "steady-$i" Active True 60; done
# The autoscaler of steady-3 picks 2 replicas (inside [1, 4]): Kthena makes
# a second serving group and reports 2 replicas, backendStatuses follows.
k patch "$K_MS" steady-3-gpu --type=merge -p '{"spec":{"replicas":2}}' >/dev/null
wait_for bash -c "[[ \$(kubectl -n $MB_NS get $K_MB steady-3 -o jsonpath='{.status.backendStatuses[0].replicas}') == 2 ]]" ||
  fail "backendStatuses of steady-3 did not follow its ModelServing to 2 replicas: $(jp "$K_MB" steady-3 '{.status}')"
wait_cond steady-3 Active True
# Everything the serving stack reports is in the boosters' status: each
# backendStatuses is its ModelServing's status.replicas, odd ones Active.
in_step() {
  local st
  st=$(k get "$K_MB,$K_MS" -o json | jq -r '
    ([.items[] | select(.kind == "ModelServing") | {key: .metadata.name, value: (.status.replicas // 0)}] | from_entries) as $r
    | [.items[] | select(.kind == "ModelBooster")
       | select(.status.backendStatuses[0].replicas != $r[.metadata.name + "-gpu"]) | .metadata.name] | join(" ")')
  [[ -z $st ]]
}
wait_for in_step || fail "backendStatuses do not match the ModelServings' status.replicas"
for i in $(seq 2 2 $N); do expect_eq "$(cond "steady-$i" Active)" "False" "steady-$i (pods Pending): Active"; done
ctl_idle
# Events are sent asynchronously: wait for the one per child created.
child_count() {
  local IFS=,
  k get "${K_CHILDREN[*]}" -o name | wc -l
}
events_sent() { audit_controller_writes | grep -c ' create events/' || true; }
want_events=$(child_count)
all_events() { (($(events_sent) >= want_events)); }
wait_for all_events || fail "the controller sent $(events_sent) Event creates, expected $want_events (one per child)"
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
  for i in $(seq 1 2 $N); do status_noise "steady-$i-gpu" "$1"; done
  k annotate "$K_ASP" steady-3-gpu --overwrite "e2e.example.com/round=$1" >/dev/null
  if [[ $MB_PROFILE == v0.1 ]]; then k annotate "$K_ASPB" steady-3-gpu --overwrite "e2e.example.com/round=$1" >/dev/null; fi
}
# status_noise MODELSERVING ROUND: a status write on the ModelServing that
# changes nothing a booster reports (one more condition, E2ENoise, whose
# message names the round), as another writer of status could make. Kthena
# may write its own status again afterwards: more unrelated events.
status_noise() {
  local patch
  patch=$(k get "$K_MS" "$1" -o json | jq -c --arg r "$2" '{status: {conditions:
    ([.status.conditions[]? | select(.type != "E2ENoise")]
     + [{type: "E2ENoise", status: "True", reason: "Round", message: ("round " + $r), lastTransitionTime: "2026-01-01T00:00:00Z"}])}}')
  k patch "$K_MS" "$1" --subresource=status --type=merge -p "$patch" >/dev/null || fail "cannot write the status of ModelServing $1"
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
for i in $(seq 1 $N); do
  expect_eq "$(cond "steady-$i" Active)" "$( ((i % 2)) && echo True || echo False)" "steady-$i: Active after the window"
done
note "steady state: no write in $STEADY s ($((r1 - r0)) reconciles of unrelated events, 0 GETs)"

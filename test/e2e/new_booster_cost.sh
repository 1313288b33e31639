#!/usr/bin/env bash
# Scenario 1b (docs/controller.md): a new booster costs one create
# per child plus at most two status writes before its ModelServings are
# available, and no update or delete. Counted per request in the API
# server's audit log, over 20 boosters applied at once.
# On the real serving stack the ModelServings would become Available within
# seconds (and Active=True is one more, legitimate, status write), so the
# pods wait for the test's node pool, which no node joins (lib.sh,
# pool_open): the window "before its ModelServings are available" lasts the
# whole test. It still includes the serving stack's own status writes on the
# ModelServings (Kthena reports status.replicas, which backendStatuses shows).
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main --kube-api-qps 500 --kube-api-burst 1000

N=${MB_E2E_COST_BOOSTERS:-20}
for i in $(seq 1 $N); do
  MB_IN_POOL=1 small_booster "cost-$i"
  echo ---
done | apply_yaml
for i in $(seq 1 $N); do wait_cond "cost-$i" Initialized True; done
# Kthena has reported every ModelServing (status.replicas 1, not Available)
# and the controller has shown it in backendStatuses: nothing more to come.
reported() {
  [[ $(k get "$K_MB" -o json | jq '[.items[] | select(.status.backendStatuses[0].replicas == 1)] | length') == "$N" ]]
}
wait_for reported || fail "not every booster shows backendStatuses replicas 1 from its ModelServing: $(k get "$K_MB" -o json | jq -c '[.items[] | {n: .metadata.name, b: .status.backendStatuses}]')"
ctl_idle
for i in $(seq 1 "$N"); do expect_eq "$(cond "cost-$i" Active)" "False" "cost-$i: Active while its pods are Pending"; done
# Events are sent asynchronously: wait for the one per child created.
event_creates() { audit_controller_writes | grep -c ' create events/' || true; }
all_events() { (($(event_creates) >= 3 * N)); }
wait_for all_events || fail "the controller sent $(event_creates) Event creates, expected at least $((3 * N)) (one per child)"

writes=$(audit_controller_writes)
[[ -n $writes ]] || fail "no write of the controller in the audit log: is the audit log of this control plane at $(audit_log)?"
problems=""
for i in $(seq 1 $N); do
  b=cost-$i
  for child in "modelservings/$b-gpu" "modelservers/$b-gpu" "modelroutes/$b"; do
    n=$(grep -c " create $child " <<<"$writes" || true)
    ok=$(grep -c " create $child 201\$" <<<"$writes" || true)
    ((ok == 1)) || problems+="
  $child: $ok successful creates (expected 1)"
    ((n == 1)) || problems+="
  $child: $n create requests (expected 1):
$(grep " create $child " <<<"$writes" | sed 's/^/      /')
    the controller's reconciles of $b (end time, duration):
$(grep "booster=$MB_NS/$b " "${CTL_LOG[main]}" | grep -v '^$' | awk '{print "      " $1, $NF}')"
  done
  st=$(grep -c " update modelboosters/status/$b 200\$" <<<"$writes" || true)
  ((st >= 1 && st <= 2)) || problems+="
  booster $b: $st successful status writes (expected 1 or 2)"
done
others=$(grep -v -E ' create (modelservings|modelservers|modelroutes|events)/| update modelboosters/status/' <<<"$writes" || true)
[[ -z $others ]] || problems+="
  unexpected writes:
$others"
[[ -z $problems ]] || fail "a new booster must cost one create per child and at most two status writes:$problems"
note "$N new boosters: $(grep -c ' create ' <<<"$writes") creates (children and events), $(grep -c ' update ' <<<"$writes") status writes, nothing else"

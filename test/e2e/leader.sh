#!/usr/bin/env bash
# Scenario 12: two replicas with --leader-elect share a Lease: only the
# leader writes (the standby sends no successful write); after the leader is
# killed (SIGKILL, so the lease is not released) the standby takes over
# within the lease duration (15 s) plus a margin and reconciles a new
# booster. A SIGTERM then releases the lease.
source "$(dirname "$0")/lib.sh"
e2e_setup

# The default name, the one the chart's Role grants (MB_E2E_AS_CHART=1);
# the namespace is the test's own.
LEASE=modelbooster-controller
LE=(--leader-elect --leader-election-namespace "$MB_NS" --leader-election-id "$LEASE")
ctl_start one "${LE[@]}"
ctl_start two "${LE[@]}"

holder() { k get lease "$LEASE" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null || true; }
one_leader() {
  local a b
  a=$(readyz one)
  b=$(readyz two)
  [[ ($a == "ok: leading"* && $b == "ok: standby"*) || ($a == "ok: standby"* && $b == "ok: leading"*) ]]
}
wait_for -t 30 one_leader || fail "expected one replica leading and one standby; /readyz: one='$(readyz one)' two='$(readyz two)'"
if [[ $(readyz one) == "ok: leading"* ]]; then L=one S=two; else L=two S=one; fi
[[ -n $(holder) ]] || fail "Lease $MB_NS/$LEASE has no holderIdentity while $L says it is leading"
note "leader: $L (lease holder $(holder)), standby: $S"

small_booster le-1 | apply_yaml
wait_cond le-1 Initialized True
CTL=$L ctl_idle
sleep 1
ok_creates_leader=$(CTL=$L metric rest_client_requests_total 'verb="create"' 'code="2')
((ok_creates_leader >= 3)) || fail "the leader $L made $ok_creates_leader successful creates; expected at least the 3 children of le-1"
standby_writes=$(CTL=$S writes 2)
expect_eq "$standby_writes" "0" "successful writes by the standby $S (rest_client_requests_total, 2xx): $(CTL=$S writes_by_verb)"
expect_eq "$(CTL=$S reconciles)" "0" "reconciles run by the standby $S"
note "only the leader writes: leader creates=$ok_creates_leader, standby writes=0"
le1_children=$(k get "$K_MS,$K_SRV,$K_RT" -o json | jq -c '[.items[] | .metadata.uid] | sort')

# Kill the leader; the lease is not released, so the standby must wait for
# it to expire: within 15 s (lease duration) + 2 s (retry) + a margin.
old_holder=$(holder)
ctl_kill "$L"
killed_at=$SECONDS
small_booster le-2 | apply_yaml
wait_for -t 25 bash -c "[[ \$(curl -sS http://127.0.0.1:${CTL_HEALTH[$S]}/readyz) == 'ok: leading'* ]]" ||
  fail "the standby $S did not take over within 25 s of the leader's death (readyz: '$(readyz "$S")', lease holder: '$(holder)')"
took=$((SECONDS - killed_at))
new_holder=$(holder)
[[ -n $new_holder && $new_holder != "$old_holder" ]] ||
  fail "the Lease holder did not change after the takeover ('$old_holder' -> '$new_holder')"
wait_cond le-2 Initialized True 20
expect_eq "$(children "$(uid_of "$K_MB" le-2)")" "modelservings/le-2-gpu modelservers/le-2-gpu modelroutes/le-2" "children of le-2 made by the new leader"
note "$S took over $took s after the leader was killed (lease holder $new_holder) and reconciled le-2"
CTL=$S ctl_idle
expect_eq "$(k get "$K_MS,$K_SRV,$K_RT" -l "$L_NAME=le-1" -o json | jq -c '[.items[] | .metadata.uid] | sort')" "$le1_children" \
  "uids of le-1's children after the takeover (the new leader must not recreate them)"

# A clean stop releases the lease (holderIdentity cleared) and exits 0.
ctl_stop "$S"
released() { [[ -z $(holder) ]]; }
wait_for -t 5 released || fail "after SIGTERM the leader did not release the Lease (holderIdentity still '$(holder)')"
note "lease released on SIGTERM"

#!/usr/bin/env bash
# --namespace names the namespaces to watch (repeated or comma-separated):
# boosters in each of them are reconciled, a booster elsewhere is not
# touched, and a relist of one namespace keeps the other's cache.
source "$(dirname "$0")/lib.sh"
e2e_setup
NS_B=$(extra_namespace b)
NS_C=$(extra_namespace c)
# ctl_start already passes --namespace $MB_NS; one more makes two.
ctl_start main --namespace "$NS_B"

small_booster one | apply_yaml
MB_NS=$NS_B small_booster two | apply_yaml
MB_NS=$NS_C small_booster three | apply_yaml
wait_cond one Initialized True
MB_NS=$NS_B wait_cond two Initialized True
expect_eq "$(MB_NS=$NS_B names "$K_MS")" "two-gpu" "ModelServings in the second watched namespace"
ctl_idle
expect_eq "$(MB_NS=$NS_C jp "$K_MB" three '{.status}')" "" "status of a booster in an unwatched namespace"
expect_eq "$(MB_NS=$NS_C names "$K_MS")" "" "ModelServings in an unwatched namespace"
note "boosters in $MB_NS and $NS_B reconciled; $NS_C left alone"

# Drift in the second namespace is still seen (its watch is live).
MB_NS=$NS_B k patch "$K_SRV" two-gpu --type=merge -p '{"spec":{"model":"hand-edited"}}' >/dev/null
wait_for bash -c "[[ \$(kubectl -n $NS_B get $K_SRV two-gpu -o jsonpath='{.spec.model}') != hand-edited ]]" ||
  fail "a hand edit in the second watched namespace was not put back"
note "drift in $NS_B corrected"

#!/usr/bin/env bash
# Scenario 11: the controller is killed (SIGKILL) mid-way through the
# creation of 200 boosters and started again while they keep coming.
# Afterwards every booster has exactly its children (counted per kind by the
# label model-uid): none missing, none extra, each owned by its booster; all
# boosters Initialized.
source "$(dirname "$0")/lib.sh"
e2e_setup

N=${MB_E2E_RESTART_BOOSTERS:-200}
BATCH=5
KILL_AT=$((N / 3))
# A faster client than the default 20 QPS, so that the test takes seconds.
QPS=(--kube-api-qps 100 --kube-api-burst 200)
ctl_start main "${QPS[@]}"

booster() { # name autoscaled
  if (($2)); then autoscaled_booster "$1"; else small_booster "$1"; fi
}
autoscaled() { (($1 % 4 == 0)); }

applied=0
killed=0
start=$SECONDS
for ((i = 1; i <= N; i += BATCH)); do
  for ((j = i; j < i + BATCH && j <= N; j++)); do
    booster "r-$j" "$(autoscaled "$j" && echo 1 || echo 0)"
    echo ---
  done | apply_yaml
  applied=$((i + BATCH - 1 < N ? i + BATCH - 1 : N))
  if ((!killed && applied >= KILL_AT)); then
    busy=$(metric workqueue_depth)
    done_so_far=$(k get "$K_MB" -o json | jq '[.items[] | select(any(.status.conditions[]?; .type == "Initialized" and .status == "True"))] | length')
    ctl_kill main
    killed=1
    note "killed the controller after $applied boosters were applied ($done_so_far Initialized, $busy queued)"
    ctl_start main "${QPS[@]}"
  fi
done
note "$N boosters applied in $((SECONDS - start)) s"

initialized() {
  k get "$K_MB" -o json | jq '[.items[] | select(any(.status.conditions[]?; .type == "Initialized" and .status == "True"
      and .observedGeneration == 1))] | length'
}
all_initialized() { [[ $(initialized) == "$N" ]]; }
# Budgets are generous: in CI this runs right after steady_state, with
# Kthena's controller still writing the status of hundreds of ModelServings.
wait_for -t 300 all_initialized ||
  fail "only $(initialized) of $N boosters are Initialized 300 s after the restart; e.g.: $(k get "$K_MB" -o json | jq -r '[.items[] | select(all(.status.conditions[]?; .type != "Initialized" or .status != "True")) | .metadata.name] | .[:10] | join(" ")')"
note "all $N boosters Initialized $((SECONDS - start)) s after the first apply"
# Drained, not idle: Kthena's status writes for $N ModelServings wake the
# controller again and again (each a no-op reconcile), and on a loaded
# machine it never stays quiet for a whole second, as ctl_idle asks.
drained() { [[ $(metric workqueue_depth) == 0 && $(metric controller_runtime_active_workers) == 0 ]]; }
wait_for -t 300 drained || fail "the controller's queue did not drain within 300 s (depth $(metric workqueue_depth))"
note "controller queue drained $((SECONDS - start)) s after the first apply"

# Children per booster and kind, from one list per kind.
boosters=$(k get "$K_MB" -o json | jq -c '[.items[] | {name: .metadata.name, uid: .metadata.uid}]')
expected_kinds() { # i
  if ! autoscaled "$1"; then
    echo "ModelRoute ModelServer ModelServing"
  elif [[ $MB_PROFILE == v0.1 ]]; then
    echo "AutoscalingPolicy AutoscalingPolicyBinding ModelRoute ModelServer ModelServing"
  else
    echo "AutoscalingPolicy ModelRoute ModelServer ModelServing"
  fi
}
IFS=, eval 'kinds="${K_CHILDREN[*]}"'
# Every object of the five kinds in the namespace, as
#   <model-uid label> <kind> <name> <controller owner uid> <controller owner kind>
k get "$kinds" -o json | jq -r --arg l "$L_UID" '.items[]
  | [(.metadata.labels[$l] // "-"), .kind, .metadata.name,
     ([.metadata.ownerReferences[]? | select(.controller)] | (.[0].uid // "-") + " " + (.[0].kind // "-") + " " + (length | tostring))]
  | join(" ")' | sort >"$MB_TMP/children.txt"
total=$(wc -l <"$MB_TMP/children.txt")

problems=""
declare -A uid_of_name=()
while read -r name uid; do uid_of_name[$name]=$uid; done < <(jq -r '.[] | "\(.name) \(.uid)"' <<<"$boosters")
expect_eq "${#uid_of_name[@]}" "$N" "number of boosters"
want_total=0
for ((i = 1; i <= N; i++)); do
  b=r-$i
  uid=${uid_of_name[$b]:-}
  [[ -n $uid ]] || {
    problems+="
  booster $b is missing"
    continue
  }
  got=$(awk -v u="$uid" '$1 == u {print $2}' "$MB_TMP/children.txt" | sort | xargs)
  want=$(expected_kinds "$i")
  want_total=$((want_total + $(wc -w <<<"$want")))
  [[ $got == "$want" ]] || problems+="
  $b: children by kind are '$got', expected '$want'"
  bad=$(awk -v u="$uid" -v b="$b" '$1 == u && !($4 == u && $5 == "ModelBooster" && $6 == 1 && ($3 == b || $3 == b "-gpu")) {print $2 "/" $3}' "$MB_TMP/children.txt" | xargs)
  [[ -z $bad ]] || problems+="
  $b: children with a wrong name or owner: $bad"
done
jq -r '.[].uid' <<<"$boosters" | sort -u >"$MB_TMP/uids.txt"
strays=$(awk '{print $1}' "$MB_TMP/children.txt" | sort -u | comm -23 - "$MB_TMP/uids.txt" | xargs)
[[ -z $strays ]] || problems+="
  children whose model-uid is no booster's: $strays"
[[ -z $problems ]] || fail "after the restart the children are not exactly the desired ones:$(head -n 40 <<<"$problems")"
expect_eq "$total" "$want_total" "number of child objects in the namespace"
not_failed=$(k get "$K_MB" -o json | jq '[.items[] | select(any(.status.conditions[]?; .type == "Failed" and .status == "False"))] | length')
expect_eq "$not_failed" "$N" "boosters with Failed=False"
note "every booster has exactly its children ($total objects), none missing, none extra"

#!/usr/bin/env bash
# Scenario 9: deleting the booster lets the garbage collector remove every
# child (background and foreground cascading deletion), and the controller
# does not fight it (it creates nothing for a booster being deleted).
# On the real serving stack the booster is Active first (Kthena runs its
# pods), and the pods Kthena made for its ModelServings go too (they are
# the ModelServings' dependents, so the same garbage collection).
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

booster() { # name
  cat <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: $1
  namespace: $MB_NS
spec:
  backends:
    - name: a
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 2
      autoscalingPolicy:
        metrics:
          - metricName: kthena:num_requests_waiting
            targetValue: 5
      workers:
        - image: vllm/vllm-openai:v0.10.1
    - name: b
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 1
      workers:
        - image: vllm/vllm-openai:v0.10.1
YAML
}

for mode in background foreground; do
  b=gc-$mode
  booster "$b" | apply_yaml
  wait_cond "$b" Initialized True
  uid=$(uid_of "$K_MB" "$b")
  want="modelservings/$b-a modelservings/$b-b modelservers/$b-a modelservers/$b-b modelroutes/$b $(scaling_children "$b-a")"
  expect_eq "$(children "$uid")" "$want" "$mode: children before the deletion"
  wait_cond "$b" Active True
  pods=$(k get pods -l "$L_UID=$uid" -o name | wc -l)
  expect_eq "$pods" "2" "$mode: pods of the booster's ModelServings (one per backend) once Active"
  ctl_idle

  t0=$(now_utc)
  start=$SECONDS
  k delete "$K_MB" "$b" --cascade="$mode" --wait=false >/dev/null
  deadline=$((SECONDS + 60))
  while [[ -n $(children "$uid") ]]; do
    ctl_check_alive
    ((SECONDS < deadline)) || fail "$mode: 60 s after the booster was deleted, these children remain: $(children "$uid")
    booster $b: deletionTimestamp=$(jp "$K_MB" "$b" '{.metadata.deletionTimestamp}') finalizers=$(jp "$K_MB" "$b" '{.metadata.finalizers}')
    the controller's writes in the namespace since the deletion (count, verb, resource):
$(audit_controller_writes "$t0" | awk '{split($3, r, "/"); print $2, r[1], $4}' | sort | uniq -c)"
    sleep 0.5
  done
  wait_for -t 30 gone "$K_MB" "$b" || fail "$mode: booster $b is still there 30 s after its children went"
  note "$mode: every child removed $((SECONDS - start)) s after the booster was deleted"
  ctl_idle # the audit log is written before a response: what it shows now is all
  late=$(audit_controller_writes "$t0" | grep -v -E ' (events|modelboosters/status)/' || true)
  if [[ $mode == foreground ]]; then
    # The booster exists, with a deletionTimestamp, until the garbage
    # collector has removed its children: the controller must not give it
    # new children meanwhile (a status write is tolerated).
    [[ -z $late ]] || fail "$mode: the controller wrote children of booster $b while it was being deleted (deletionTimestamp set): it must leave a terminating booster to the garbage collector:
$late"
  elif [[ -n $late ]]; then
    # Background: the booster is gone at once; a child written from a stale
    # cache is collected again (checked above), so this is only reported.
    note "$mode: note: the controller wrote $(wc -l <<<"$late") child(ren) after the booster was deleted (stale cache): $(awk '{print $2, $3}' <<<"$late" | xargs)"
  fi
  # Nothing of the booster is left, even after those late writes.
  no_children() { [[ -z $(children "$1") ]]; }
  wait_for -t 60 no_children "$uid" ||
    fail "$mode: children of the deleted booster $b remain: $(children "$uid")"
  no_pods() { [[ -z $(k get pods -l "$L_UID=$1" -o name) ]]; }
  wait_for -t 60 no_pods "$uid" || fail "$mode: pods of the deleted booster $b remain: $(k get pods -l "$L_UID=$uid" -o wide)"
  note "$mode: the pods of its ModelServings are gone too"
done

#!/usr/bin/env bash
# Scenario 5: drift correction. A child edited by hand is put back; a deleted
# child is recreated; with backend-level autoscaling the autoscaler owns
# ModelServing.spec.replicas: a value inside [min, max] is left alone, one
# outside is clamped. Fields set by others (annotations, labels) are kept.
# On the real serving stack Kthena's autoscaler runs too: it leaves replicas
# inside the bounds alone (it scrapes no metric here: no engine listens on
# the pods' IPs) and also clamps replicas outside them, every 15 s; so the
# clamping is checked in the audit log to be the controller's own write.
# Every replica is a serving group with a pod here, so the far-out value is
# 10 (it was 1000 when nothing turned ModelServings into pods).
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

B=drift
apply_yaml <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: $B
  namespace: $MB_NS
spec:
  backends:
    - name: fixed
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 2
      maxReplicas: 2
      workers:
        - image: vllm/vllm-openai:v0.10.1
    - name: scaled
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 3
      autoscalingPolicy:
        metrics:
          - metricName: kthena:num_requests_waiting
            targetValue: 5
      workers:
        - image: vllm/vllm-openai:v0.10.1
YAML
wait_cond "$B" Initialized True
UID_B=$(uid_of "$K_MB" "$B")

# field_is KIND NAME JSONPATH VALUE
field_is() { [[ $(jp "$1" "$2" "$3") == "$4" ]]; }
# put_back WHAT KIND NAME JSONPATH VALUE: wait until the field is VALUE again.
put_back() {
  wait_for field_is "$2" "$3" "$4" "$5" ||
    fail "$1: $2 $3 $4 was not put back to '$5' (it is '$(jp "$2" "$3" "$4")')"
  note "$1: put back"
}

# 1. ModelServer spec.model edited by hand.
model=$(jp "$K_SRV" "$B-fixed" '{.spec.model}')
k patch "$K_SRV" "$B-fixed" --type=merge -p '{"spec":{"model":"hand-edited"}}' >/dev/null
put_back "ModelServer spec.model edited" "$K_SRV" "$B-fixed" '{.spec.model}' "$model"

# 2. ModelServing engine image edited by hand (deep in the template).
img_path='{.spec.template.roles[0].entryTemplate.spec.containers[?(@.name=="engine")].image}'
img=$(jp "$K_MS" "$B-fixed" "$img_path")
[[ -n $img ]] || fail "ModelServing $B-fixed has no container named engine"
k patch "$K_MS" "$B-fixed" --type=json \
  -p "[{\"op\":\"replace\",\"path\":\"/spec/template/roles/0/entryTemplate/spec/containers/$(k get "$K_MS" "$B-fixed" -o json | jq '.spec.template.roles[0].entryTemplate.spec.containers | map(.name) | index("engine")')/image\",\"value\":\"evil/image:1\"}]" >/dev/null
put_back "ModelServing engine image edited" "$K_MS" "$B-fixed" "$img_path" "$img"

# 3. ModelRoute target weight edited by hand.
k patch "$K_RT" "$B" --type=json -p '[{"op":"replace","path":"/spec/rules/0/targetModels/0/weight","value":1}]' >/dev/null
put_back "ModelRoute weight edited" "$K_RT" "$B" '{.spec.rules[0].targetModels[0].weight}' "100"

# 4. Replicas of a backend without autoscaling: we own them.
k patch "$K_MS" "$B-fixed" --type=merge -p '{"spec":{"replicas":5}}' >/dev/null
put_back "ModelServing spec.replicas of a fixed backend edited" "$K_MS" "$B-fixed" '{.spec.replicas}' "2"

# 5. One of our labels removed: the object leaves the controller's
#    label-filtered watch; it must still be found and labelled again.
k label "$K_SRV" "$B-scaled" "$L_UID-" >/dev/null
put_back "ModelServer label $L_UID removed" "$K_SRV" "$B-scaled" "{.metadata.labels.workload\.serving\.volcano\.sh/model-uid}" "$UID_B"
k label "$K_SRV" "$B-fixed" "$L_MANAGED-" >/dev/null
put_back "ModelServer label $L_MANAGED removed (the object left the watch's label selector)" \
  "$K_SRV" "$B-fixed" "{.metadata.labels.workload\.serving\.volcano\.sh/managed-by}" "$MB_GROUP"

# 5b. Our ownerReference removed by hand: the child still carries this
#     booster's model-uid label, so it is ours (not "owned by someone
#     else"); the reference is put back, or garbage collection would leak it.
#     The watch event names no owner any more: the previous one is enqueued.
k patch "$K_SRV" "$B-fixed" --type=json -p '[{"op":"remove","path":"/metadata/ownerReferences"}]' >/dev/null
put_back "ModelServer ownerReference removed" "$K_SRV" "$B-fixed" '{.metadata.ownerReferences[0].uid}' "$UID_B"

# 6. Fields others own are kept: an annotation and a foreign label.
k annotate "$K_MS" "$B-fixed" example.com/note=kept >/dev/null
k label "$K_MS" "$B-fixed" example.com/team=kept >/dev/null
k patch "$K_SRV" "$B-fixed" --type=merge -p '{"spec":{"model":"again-hand-edited"}}' >/dev/null
put_back "ModelServer spec.model edited again" "$K_SRV" "$B-fixed" '{.spec.model}' "$model"
ctl_idle
expect_eq "$(jp "$K_MS" "$B-fixed" '{.metadata.annotations.example\.com/note}')" "kept" "a foreign annotation on the ModelServing"
expect_eq "$(jp "$K_MS" "$B-fixed" '{.metadata.labels.example\.com/team}')" "kept" "a foreign label on the ModelServing"

# 7. Deleted children are recreated (new uid).
deleted=("$K_RT $B" "$K_MS $B-scaled" "$K_ASP $B-scaled")
if [[ $MB_PROFILE == v0.1 ]]; then deleted+=("$K_ASPB $B-scaled"); fi
for obj in "${deleted[@]}"; do
  read -r kind name <<<"$obj"
  old=$(uid_of "$kind" "$name")
  k delete "$kind" "$name" --wait=true >/dev/null
  wait_for bash -c "u=\$(kubectl -n $MB_NS get $kind $name -o jsonpath='{.metadata.uid}' 2>/dev/null) && [[ -n \$u && \$u != $old ]]" ||
    fail "$kind $name was deleted by hand and not recreated"
  note "$kind $name deleted by hand: recreated"
done
wait_cond "$B" Initialized True
expect_eq "$(cond "$B" Failed)" "False" "Failed after drift corrections"

# 8. Backend-level autoscaling: the autoscaler owns spec.replicas of
#    $B-scaled (min 1, max 3).
scaled_replicas() { jp "$K_MS" "$B-scaled" '{.spec.replicas}'; }
expect_eq "$(scaled_replicas)" "1" "spec.replicas of $B-scaled at creation (minReplicas)"
reconciled_since() { (($(reconciles) > $1)); }
for inside in 2 3; do
  r0=$(reconciles)
  k patch "$K_MS" "$B-scaled" --type=merge -p "{\"spec\":{\"replicas\":$inside}}" >/dev/null
  # The change reached the controller (a child event enqueues the booster).
  wait_for reconciled_since "$r0" || fail "no reconcile after spec.replicas of $B-scaled was set to $inside"
  ctl_idle
  expect_eq "$(scaled_replicas)" "$inside" "spec.replicas set by the autoscaler to $inside (inside [1, 3]) must be left alone"
  note "autoscaler's replicas=$inside left alone"
done
# A spec change elsewhere in the booster must not reset the autoscaler's choice.
k patch "$K_MB" "$B" --type=json -p '[{"op":"replace","path":"/spec/backends/1/workers/0/image","value":"vllm/vllm-openai:v0.10.2"}]' >/dev/null
wait_for field_is "$K_MS" "$B-scaled" "$img_path" "vllm/vllm-openai:v0.10.2" || fail "$B-scaled was not updated to the new image"
ctl_idle
expect_eq "$(scaled_replicas)" "3" "spec.replicas of $B-scaled after an image change (the autoscaler's 3 must survive)"
# clamped_by_us SINCE: the controller wrote the ModelServing since SINCE.
clamped_by_us() { audit_controller_writes "$1" | grep -qE " (update|patch) modelservings/$B-scaled 200\$"; }
for pair in "7 3" "0 1" "10 3"; do
  read -r outside clamped <<<"$pair"
  for attempt in 1 2 3; do
    t0=$(now_utc)
    k patch "$K_MS" "$B-scaled" --type=merge -p "{\"spec\":{\"replicas\":$outside}}" >/dev/null
    put_back "autoscaled replicas=$outside (outside [1, 3]) clamped" "$K_MS" "$B-scaled" '{.spec.replicas}' "$clamped"
    clamped_by_us "$t0" && break
    # Kthena's autoscaler got there first (its 15 s tick fell just after
    # the patch): the controller had nothing left to do. Once more.
    ((attempt < 3)) || fail "replicas=$outside: the controller never clamped them itself in 3 attempts (someone else always did first): $(audit_controller_writes "$t0")"
    note "replicas=$outside were clamped by another writer before the controller; again"
  done
done

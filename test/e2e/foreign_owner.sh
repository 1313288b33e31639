#!/usr/bin/env bash
# Scenario 8: a ModelServing named <booster>-<backend> that is not ours (made
# by hand without an owner, or controlled by some other object) is never
# touched; the booster says Failed=True and who owns it. Deleting the
# intruder, as the message advises, lets the booster recover.
# On the real serving stack Kthena's ModelServing controller runs the
# intruders too (pods, and status writes that move their resourceVersion),
# so "untouched" is: metadata and spec as made, and no write of the
# controller to them in the API server's audit log.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main
t_start=$(now_utc)

hand_serving() { # name [ownerReferences JSON] [labels JSON]
  local owners=${2:-[]} labels=${3:-{\}}
  k apply -f - >"$MB_TMP/hand.out" 2>&1 <<YAML || fail "cannot create the hand-made ModelServing $1: $(cat "$MB_TMP/hand.out")"
apiVersion: $MB_GROUP/v1alpha1
kind: ModelServing
metadata:
  name: $1
  labels: $labels
  ownerReferences: $owners
spec:
  replicas: 2
  schedulerName: volcano
  template:
    roles:
      - name: leader
        replicas: 1
        workerReplicas: 0
        entryTemplate:
          spec:
            containers:
              - name: engine
                image: example/hand-made:1
YAML
}

# 1. Made by hand, no owner, no labels.
hand_serving byhand-gpu
# 2. Controlled by another object (a ConfigMap), carrying our managed-by
#    label, so that it is in the controller's cache.
k create configmap other-owner >/dev/null
cm_uid=$(uid_of configmap other-owner)
hand_serving other-gpu \
  "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"other-owner\",\"uid\":\"$cm_uid\",\"controller\":true}]" \
  "{\"$L_MANAGED\":\"$MB_GROUP\"}"
# What we compare: everything but the status and the resourceVersion.
mine() { k get "$K_MS" "$1" -o json | jq -c '.metadata | {generation, labels, annotations, finalizers, owners: .ownerReferences}'; }
spec_of() { k get "$K_MS" "$1" -o json | jq -cS '.spec'; }
before_byhand="$(mine byhand-gpu) $(spec_of byhand-gpu)"
before_other="$(mine other-gpu) $(spec_of other-gpu)"

small_booster byhand | apply_yaml
small_booster other | apply_yaml

wait_cond byhand Failed True
msg=$(cond byhand Failed message)
[[ $msg == *"ModelServing"* && $msg == *"byhand-gpu"* ]] || fail "the Failed message should name the ModelServing byhand-gpu: '$msg'"
[[ $msg == *"no controller"* || $msg == *"not owned"* || $msg == *"no owner"* ]] ||
  fail "the Failed message should say that byhand-gpu has no owner (made by hand): '$msg'"
note "byhand: Failed=True: $msg"
wait_cond other Failed True
msg=$(cond other Failed message)
[[ $msg == *"other-gpu"* && $msg == *"ConfigMap"* && $msg == *"other-owner"* ]] ||
  fail "the Failed message should say that other-gpu belongs to ConfigMap other-owner: '$msg'"
note "other: Failed=True: $msg"
for b in byhand other; do
  expect_eq "$(cond "$b" Initialized)" "False" "booster $b: Initialized while a child belongs to someone else"
  expect_eq "$(cond "$b" Active)" "False" "booster $b: Active while a child belongs to someone else"
done

ctl_idle
expect_eq "$(mine byhand-gpu) $(spec_of byhand-gpu)" "$before_byhand" "the hand-made ModelServing byhand-gpu must be untouched"
expect_eq "$(mine other-gpu) $(spec_of other-gpu)" "$before_other" "the ModelServing other-gpu controlled by a ConfigMap must be untouched"
# (A create refused with 409 AlreadyExists changes nothing: the hand-made one
# carries no label, so it is not in the controller's cache, and a create is
# how the controller finds it; it is retried with backoff.)
touched=$(audit_controller_writes "$t_start" | grep -E ' modelservings/(byhand|other)-gpu 2[0-9][0-9]$' || true)
[[ -z $touched ]] || fail "the controller wrote the foreign ModelServings:
$touched"
ev=$(events_for byhand | grep '^Warning ' || true)
[[ $ev == *byhand-gpu* ]] || fail "no Warning event on booster byhand naming byhand-gpu: $(events_for byhand)"
note "the foreign ModelServings are untouched"

# Deleting the intruders, as the Failed message advises: the boosters
# recover (their own ModelServing is created, Failed=False).
k delete "$K_MS" byhand-gpu other-gpu --wait=true >/dev/null
for b in byhand other; do
  wait_for -t 30 cond_is "$b" Failed False ||
    fail "booster $b: the conflicting ModelServing $b-gpu was deleted (as the Failed message advises) but the booster did not recover within 30 s (a failure must be retried with backoff, docs/controller.md): Failed=$(cond "$b" Failed): $(cond "$b" Failed message); ModelServing $b-gpu exists: $(exists "$K_MS" "$b-gpu" && echo yes || echo no)"
  wait_cond "$b" Initialized True
  expect_eq "$(jp "$K_MS" "$b-gpu" '{.metadata.ownerReferences[0].uid}')" "$(uid_of "$K_MB" "$b")" "owner of the new $b-gpu"
  note "$b recovered after the intruder was deleted"
done

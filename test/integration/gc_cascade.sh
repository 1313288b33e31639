#!/usr/bin/env bash
# The garbage collector deletes dependents of a deleted owner, in background
# and in foreground cascading deletion.
source "$(dirname "$0")/lib.sh"
mb_require_cluster
mb_new_namespace

owned_by() { # dependent owner
  local uid
  uid=$(kubectl get configmap "$2" -n "$MB_NS" -o jsonpath='{.metadata.uid}')
  kubectl apply -n "$MB_NS" -f - >/dev/null <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: $1
  ownerReferences:
    - apiVersion: v1
      kind: ConfigMap
      name: $2
      uid: $uid
      blockOwnerDeletion: true
data:
  role: dependent
YAML
}

for mode in background foreground; do
  kubectl create configmap "owner-$mode" -n "$MB_NS" >/dev/null
  owned_by "dependent-$mode" "owner-$mode"
  start=$SECONDS
  kubectl delete configmap "owner-$mode" -n "$MB_NS" --cascade="$mode" --wait=false >/dev/null
  mb_wait_gone 60 configmap "dependent-$mode" -n "$MB_NS" ||
    fail "$mode: dependent-$mode still exists 60 s after its owner was deleted (is the garbage collector running?)"
  mb_wait_gone 30 configmap "owner-$mode" -n "$MB_NS" ||
    fail "$mode: owner-$mode was not removed"
  note "$mode: dependent removed $((SECONDS - start)) s after the owner was deleted"
done

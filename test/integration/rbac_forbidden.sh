#!/usr/bin/env bash
# RBAC is on: a ServiceAccount token with no grants is refused a write; the
# same token may write once a Role allows it.
source "$(dirname "$0")/lib.sh"
mb_require_cluster
mb_new_namespace

kubectl create serviceaccount nobody -n "$MB_NS" >/dev/null
token=$(kubectl create token nobody -n "$MB_NS" --duration=10m) || fail "kubectl create token failed"

# A kubeconfig with the token only (the admin one also carries a client cert).
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' |
  base64 -d >"$MB_TMP/ca.crt"
sa_kc=$MB_TMP/sa.kubeconfig
kubectl config --kubeconfig="$sa_kc" set-cluster c --server="$server" --certificate-authority="$MB_TMP/ca.crt" >/dev/null
kubectl config --kubeconfig="$sa_kc" set-credentials sa --token="$token" >/dev/null
kubectl config --kubeconfig="$sa_kc" set-context c --cluster=c --user=sa --namespace="$MB_NS" >/dev/null
kubectl config --kubeconfig="$sa_kc" use-context c >/dev/null
as_sa() { kubectl --kubeconfig="$sa_kc" "$@"; }

user="system:serviceaccount:$MB_NS:nobody"
who=$(as_sa auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1) || fail "the token is not accepted: $who"
[[ $who == "$user" ]] || fail "the token authenticates as '$who', want '$user'"

out=$(mb_expect_failure as_sa create configmap denied --from-literal=k=v)
grep -qi 'forbidden' <<<"$out" || fail "the write was refused, but not as Forbidden:
$out"
grep -qF "$user" <<<"$out" || fail "the refusal does not name $user:
$out"
note "refused: $out"

kubectl create role cm-writer -n "$MB_NS" --verb=create --resource=configmaps >/dev/null
kubectl create rolebinding cm-writer -n "$MB_NS" --role=cm-writer --serviceaccount="$MB_NS:nobody" >/dev/null
deadline=$((SECONDS + 15))
until out=$(as_sa create configmap allowed --from-literal=k=v 2>&1); do
  ((SECONDS < deadline)) || fail "the write is still refused 15 s after a Role allowed it:
$out"
  sleep 0.5
done
note "allowed once a Role grants create configmaps"

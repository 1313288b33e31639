#!/usr/bin/env bash
# The controller as the Helm chart installs it, proven on the real API
# server's audit log:
#   - `helm install` of deploy/helm/modelbooster into the test namespace (its
#     ServiceAccount, ClusterRole, Role and bindings, ConfigMap, Service;
#     its Deployment makes no pod: this control plane runs no Deployment
#     controller);
#   - the controller runs out of process as that ServiceAccount (a token from
#     `kubectl create token`), with leader election as the chart turns it on,
#     and the chart's webhook configurations registered with a url on
#     loopback in place of the Service (and for this namespace only);
#   - a scenario that uses every permission: boosters reconciled, updated and
#     pruned, children owned by someone else (the 409 path reads them),
#     the webhooks refusing a bad booster, a restart (the same Event again:
#     409, get, patch);
#   - the audit log: every request the ServiceAccount made was allowed, and
#     every verb the chart grants was used.
source "$(dirname "$0")/lib.sh"
# This scenario installs the chart and takes its identity itself; a second
# release from MB_E2E_AS_CHART=1 would own the same ConfigMap and fail.
MB_E2E_AS_CHART=0
e2e_setup
for c in yq openssl; do command -v "$c" >/dev/null || fail "$c is not installed"; done
helm=$("$MB_REPO_ROOT/scripts/helm.sh" --path) || fail "cannot build or find helm (scripts/helm.sh)"
t_start=$(now_utc)

# ------------------------------------------------------------- install --
release=mb-${MB_NS: -6}
chart=$MB_REPO_ROOT/deploy/helm/modelbooster
# The chart's own webhook configurations would point every namespace at a
# Service nobody serves: they are registered below, for this namespace.
"$helm" install "$release" "$chart" -n "$MB_NS" --set fullnameOverride="$release" --set webhook.enabled=false \
  --wait=false >"$MB_TMP/helm.out" 2>&1 || fail "helm install failed: $(cat "$MB_TMP/helm.out")"
on_exit "'$helm' uninstall '$release' -n '$MB_NS' >/dev/null 2>&1"
sa=$release
note "helm install $release: $(kubectl get clusterrole,role,rolebinding,clusterrolebinding,serviceaccount -n "$MB_NS" -o name 2>/dev/null | grep -c "$release") RBAC objects"

# A kubeconfig holding only the ServiceAccount's token.
token=$(kubectl create token "$sa" -n "$MB_NS" --duration=2h) || fail "kubectl create token failed"
server=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$MB_TMP/ca.crt"
sa_kubeconfig=$MB_TMP/sa.kubeconfig
KUBECONFIG=$sa_kubeconfig kubectl config set-cluster e2e --server="$server" --certificate-authority="$MB_TMP/ca.crt" \
  --embed-certs >/dev/null
KUBECONFIG=$sa_kubeconfig kubectl config set-credentials sa --token="$token" >/dev/null
KUBECONFIG=$sa_kubeconfig kubectl config set-context e2e --cluster=e2e --user=sa >/dev/null
KUBECONFIG=$sa_kubeconfig kubectl config use-context e2e >/dev/null
user="system:serviceaccount:$MB_NS:$sa"
[[ $(KUBECONFIG=$sa_kubeconfig kubectl auth whoami -o jsonpath='{.status.userInfo.username}' 2>/dev/null) == "$user" ]] ||
  fail "the token does not authenticate as $user"

# Webhook certificate for 127.0.0.1, and the chart's webhook configurations
# with a url in place of the Service (scripts/lib/webhooks.sh, as
# scripts/run.sh registers them), for this namespace only.
source "$MB_REPO_ROOT/scripts/lib/webhooks.sh"
certs=$MB_TMP/certs
webhook_certs "$certs" || fail "openssl could not make the webhook certificate"
wport=$(free_port)
chart_webhooks "$MB_TMP/webhooks.json" "$release" "$MB_NS" "$wport" "$certs/ca.crt" "$MB_NS" ||
  fail "cannot render the chart's webhook configurations"
kubectl apply -f "$MB_TMP/webhooks.json" >/dev/null || fail "cannot register the chart's webhook configurations"
on_exit "kubectl delete -f '$MB_TMP/webhooks.json' --ignore-not-found >/dev/null 2>&1"

start_as_chart() {
  MB_CTL_KUBECONFIG=$sa_kubeconfig ctl_start main --leader-elect --webhook-port "$wport" \
    --tls-cert-file "$certs/tls.crt" --tls-private-key-file "$certs/tls.key"
}
start_as_chart

# ------------------------------------------------------------ scenario --
# Children made by someone else, named as the booster `taken` wants them:
# the ModelServing and the ModelRoute as `render` makes them, without our
# labels and owner. The controller's create gets 409 and it reads them (get).
small_booster taken >"$MB_TMP/taken.yaml"
"$MB_BIN" render -f "$MB_TMP/taken.yaml" --serving-stack "$MB_PROFILE" -o json |
  jq -c '.items[] | select(.kind == "ModelServing" or .kind == "ModelRoute")
         | del(.metadata.labels, .metadata.ownerReferences)' >"$MB_TMP/foreign.json"
k apply -f "$MB_TMP/foreign.json" >/dev/null || fail "cannot create the foreign children"
apply_yaml <"$MB_TMP/taken.yaml"
wait_cond taken Failed True

# A booster with autoscaling: created, updated, its policy pruned.
autoscaled_booster m | apply_yaml
wait_cond m Initialized True
k patch "$K_MB" m --type=json -p '[{"op":"replace","path":"/spec/backends/0/maxReplicas","value":3}]' >/dev/null
observed() { [[ $(jp "$K_MB" m '{.status.observedGeneration}') == "$(jp "$K_MB" m '{.metadata.generation}')" ]]; }
wait_for -t 30 observed || fail "booster m: the update was not reconciled"
# Drift on a ModelServer (a label of ours taken off: put back with an
# update) and a new model name (the ModelRoute's modelName is immutable:
# the route is deleted and made again).
k label "$K_SRV" m-gpu "$L_NAME-" >/dev/null
wait_for -t 30 bash -c "[[ -n \$(kubectl -n $MB_NS get $K_SRV m-gpu -o jsonpath='{.metadata.labels.workload\.serving\.volcano\.sh/model-name}') ]]" ||
  fail "the label taken off ModelServer m-gpu was not put back"
route_uid=$(uid_of "$K_RT" m)
k patch "$K_MB" m --type=merge -p '{"spec":{"name":"another-model"}}' >/dev/null
wait_for -t 30 bash -c "u=\$(kubectl -n $MB_NS get $K_RT m -o jsonpath='{.metadata.uid}'); [[ -n \$u && \$u != $route_uid ]]" ||
  fail "the ModelRoute m was not replaced after its model name changed"
small_booster m | apply_yaml
wait_for -t 30 bash -c "[[ -z \$(kubectl -n $MB_NS get $K_ASP -l $L_NAME=m -o name) ]]" ||
  fail "the autoscaling policy of m was not pruned"

# The validating webhook refuses a bad booster at apply (one the CRD's
# schema lets through: two server workers).
out=$(two_servers_booster bad | kubectl apply -f - 2>&1) && fail "a booster with two server workers was stored: $out"
[[ $out == *"spec.backends[0].workers"* && $out == *"exactly one worker of type server"* ]] ||
  fail "not refused by our webhook: $out"

# A restart: the same Warning on `taken` again, which the recorder finds
# already there (create 409, get, patch).
ctl_stop main
start_as_chart
wait_for -t 30 bash -c "[[ \$(kubectl -n $MB_NS get events --field-selector involvedObject.name=taken -o jsonpath='{.items[*].count}') =~ [2-9] ]]" ||
  note "(no repeated Event counted on taken)"
ctl_idle
ctl_stop main
t_end=$(now_utc)

# ---------------------------------------------------------- audit log --
f=$(audit_log)
grep -F "\"username\":\"$user\"" "$f" | jq -c --arg u "$user" --arg since "$t_start" --arg until "$t_end" '
  select(.user.username == $u and .requestReceivedTimestamp >= $since and .requestReceivedTimestamp <= $until)
  | {verb, code: .responseStatus.code, uri: .requestURI,
     key: (if .objectRef then "\(.objectRef.apiGroup // "")|\(.objectRef.resource)\(if .objectRef.subresource then "/" + .objectRef.subresource else "" end)"
           else "nonResourceURL|\(.requestURI)" end)}' >"$MB_TMP/requests.json"
[[ -s $MB_TMP/requests.json ]] || fail "the audit log holds no request of $user"
note "$(wc -l <"$MB_TMP/requests.json") requests by $user"
forbidden=$(jq -r 'select(.code == 403) | "\(.verb) \(.uri)"' "$MB_TMP/requests.json" | sort | uniq -c)
[[ -z $forbidden ]] || fail "the chart's RBAC refused requests the controller made:
$forbidden"

# What the chart grants, rule by rule: "group|resource verb" for each.
"$helm" get manifest "$release" -n "$MB_NS" | yq -c 'select(.kind == "ClusterRole" or .kind == "Role") | .rules[]' \
  >"$MB_TMP/rules.json"
used=$(jq -r '"\(.key) \(.verb)"' "$MB_TMP/requests.json" | sort -u)
unused=()
table=()
while read -r rule; do
  mapfile -t verbs < <(jq -r '.verbs[]' <<<"$rule")
  mapfile -t keys < <(jq -r 'if .nonResourceURLs then .nonResourceURLs[] | "nonResourceURL|" + .
                             else .apiGroups[] as $g | .resources[] | "\($g)|\(.)" end' <<<"$rule")
  for verb in "${verbs[@]}"; do
    hit=""
    for key in "${keys[@]}"; do
      if grep -qxF "$key $verb" <<<"$used"; then hit=$key; break; fi
    done
    if [[ -n $hit ]]; then table+=("$verb ${keys[*]}: used (${hit})"); else unused+=("$verb on ${keys[*]}"); fi
  done
done <"$MB_TMP/rules.json"
printf '  granted and used: %s\n' "${table[@]}"
((${#unused[@]} == 0)) || fail "the chart grants verbs the controller never used in this run:
$(printf '  %s\n' "${unused[@]}")"
note "every request allowed; every granted verb used"

#!/usr/bin/env bash
# The admission webhooks on the real API server, registered with the chart's
# own webhook configurations (`helm template` of deploy/helm/modelbooster,
# scripts/lib/webhooks.sh), with a url on loopback in place of the Service,
# and only for this test's namespace:
#   - `kubectl apply` of an invalid booster is refused by our webhook, with
#     every field error named, and nothing is stored;
#   - the mutating webhook's defaults appear on a stored booster;
#   - a certificate rotated on disk is picked up without a restart: after
#     the files (and the caBundle) change to a new CA, the API server still
#     reaches the webhook, and the controller's pid is the same.
source "$(dirname "$0")/lib.sh"
e2e_setup
for c in openssl yq; do command -v "$c" >/dev/null || fail "$c is not installed"; done

# Two CAs, each with a serving certificate for 127.0.0.1
# (scripts/lib/webhooks.sh); the controller reads the files in $certs.
source "$MB_REPO_ROOT/scripts/lib/webhooks.sh"
webhook_certs "$MB_TMP/one" || fail "openssl: certificates one"
webhook_certs "$MB_TMP/two" || fail "openssl: certificates two"
certs=$MB_TMP/served
mkdir -p "$certs"
cp "$MB_TMP/one/tls.crt" "$MB_TMP/one/tls.key" "$certs/"

wport=$(free_port)
ctl_start main --webhook-port "$wport" --tls-cert-file "$certs/tls.crt" --tls-private-key-file "$certs/tls.key"
pid=${CTL_PID[main]}

# register CA: the chart's two webhook configurations, trusting that CA.
register() {
  chart_webhooks "$MB_TMP/webhooks.json" "mb-${MB_NS: -6}" "$MB_NS" "$wport" "$MB_TMP/$1/ca.crt" "$MB_NS" ||
    fail "cannot render the chart's webhook configurations"
  kubectl apply -f "$MB_TMP/webhooks.json" >/dev/null || fail "cannot register the webhooks"
}
on_exit "kubectl delete -f '$MB_TMP/webhooks.json' --ignore-not-found >/dev/null 2>&1"
register one

invalid_booster() { two_servers_booster "$1"; }

# expect_refused NAME: kubectl apply of the invalid booster fails, our
# webhook says why (both field errors), and nothing is stored.
# kubectl prints a 422 with causes as "The request is invalid:" and one
# line per field (the webhook's name is in the Status message, which it
# shows only without causes); the webhook's own count says who refused.
expect_refused() {
  local out rc=0 denied
  denied=$(metric modelbooster_webhook_admissions_total 'webhook="validate"' 'outcome="denied"')
  out=$(invalid_booster "$1" | kubectl apply -f - 2>&1) || rc=$?
  ((rc != 0)) || fail "kubectl apply of an invalid booster succeeded: $out"
  (($(metric modelbooster_webhook_admissions_total 'webhook="validate"' 'outcome="denied"') > denied)) ||
    fail "the refusal is not our webhook's (its denied count did not move): $out"
  [[ $out == *"needs exactly one worker of type server"* ]] || fail "the refusal does not say what is wrong: $out"
  for field in 'spec.backends[0].workers' 'spec.backends[0].maxReplicas'; do
    [[ $out == *"$field"* ]] || fail "the refusal does not name $field: $out"
  done
  gone "$K_MB" "$1" || fail "a refused booster was stored"
  note "refused at apply: ${out:0:300}"
}

# The API server reaches the webhook once its configuration is in its
# informer: the first attempts may still go through unchecked.
ready() { ! invalid_booster probe | kubectl apply --dry-run=server -f - >/dev/null 2>&1; }
wait_for -t 30 ready || fail "the webhook never refused a dry-run apply of an invalid booster"
expect_refused bad

# The mutating webhook: a worker without type, replicas and pods is stored
# with them.
apply_yaml <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: plain
  namespace: $MB_NS
spec:
  backends:
    - name: gpu
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: 1
      maxReplicas: 1
      workers:
        - image: vllm/vllm-openai:v0.10.1
YAML
expect_eq "$(jp "$K_MB" plain '{.spec.backends[0].workers[0].type}/{.spec.backends[0].workers[0].replicas}/{.spec.backends[0].workers[0].pods}')" \
  "server/1/1" "the mutating webhook's defaults on the stored booster"
wait_cond plain Initialized True

# Rotation: new files from another CA, and the configurations' caBundle
# with it. The API server now trusts only CA two: a refusal from our
# webhook proves the server serves the new certificate.
cp "$MB_TMP/two/tls.key" "$certs/tls.key.new" && mv "$certs/tls.key.new" "$certs/tls.key"
cp "$MB_TMP/two/tls.crt" "$certs/tls.crt.new" && mv "$certs/tls.crt.new" "$certs/tls.crt"
register two
served_by_two() {
  curl -sS --cacert "$MB_TMP/two/ca.crt" -o /dev/null -X POST -d '{}' "https://127.0.0.1:$wport/validate-modelbooster"
}
wait_for -t 30 served_by_two || fail "the webhook still serves the old certificate after the files changed"
wait_for -t 30 ready || fail "after the rotation the API server cannot reach the webhook"
expect_refused bad-after-rotation
expect_eq "${CTL_PID[main]}" "$pid" "the controller was restarted"
ctl_check_alive
ctl_stop main

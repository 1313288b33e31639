#!/usr/bin/env bash
# The control plane answers, runs the pinned Kubernetes version, and the
# audit log records write requests (later tests count writes with it).
source "$(dirname "$0")/lib.sh"
mb_require_cluster
mb_new_namespace

want=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$MB_REPO_ROOT/test/peers/go.mod")
got=$(kubectl get --raw /version | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')
[[ $got == "$want" ]] || fail "API server reports version '$got', test/peers/go.mod pins '$want'"
note "kube-apiserver $got"

kubectl create configmap audit-probe -n "$MB_NS" --from-literal=k=v >/dev/null
audit=${MODELBOOSTER_TESTENV_AUDIT_LOG:-$(dirname "$KUBECONFIG")/audit.log}
[[ -f $audit ]] || fail "no audit log at $audit"
grep -q "\"verb\":\"create\".*\"namespace\":\"$MB_NS\",\"name\":\"audit-probe\"" "$audit" ||
  fail "the audit log $audit has no create of configmap $MB_NS/audit-probe"
note "audit log records writes: $audit"

# Every port the control plane listens on lies below the kernel's ephemeral
# range, so that no outgoing connection's source port can take one before
# its server binds it (that lost kube-controller-manager its port in CI).
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range
for url in "$MODELBOOSTER_TESTENV_APISERVER" "$MODELBOOSTER_TESTENV_ETCD" \
  "${MODELBOOSTER_TESTENV_ROUTER:-}" "${MODELBOOSTER_TESTENV_ROUTER_DEBUG:-}"; do
  [[ -n $url ]] || continue
  port=${url##*:}
  port=${port%%/*}
  ((port < ephemeral_low)) ||
    fail "$url listens on $port, inside the ephemeral port range (from $ephemeral_low)"
done
note "control-plane ports below the ephemeral range ($ephemeral_low)"

# One shell can go from one control plane to the next: `env` unsets what
# this one does not have (v0.1.0 has no router debug port, and e2e.routing
# once used the URL a v1.0.0 run had left in scripts/test.sh's shell).
got=$(MODELBOOSTER_TESTENV_ROUTER_DEBUG=http://stale MODELBOOSTER_TESTENV_KTHENA_BIN=/stale bash -c '
  eval "$("$1/scripts/testenv.sh" env)"
  echo "${MODELBOOSTER_TESTENV_ROUTER_DEBUG-unset} ${MODELBOOSTER_TESTENV_KTHENA_BIN-unset}"' _ "$MB_REPO_ROOT")
[[ $got != *stale* ]] || fail "scripts/testenv.sh env leaves variables of another control plane set: $got"
note "env replaces or unsets what another control plane left: $got"

# Shared helpers for the end-to-end controller tests (sourced, not run).
#
# Each test runs the real `modelbooster controller` binary (its path is the
# script's first argument; ctest passes $<TARGET_FILE:modelbooster>) against
# the control plane of scripts/testenv.sh:
#   scripts/testenv.sh up && eval "$(scripts/testenv.sh env)"
#   bash test/e2e/<scenario>.sh build/src/modelbooster
# Every test gets a fresh namespace; the controllers it starts watch only
# that namespace (--namespace, --config-namespace), listen on free ports of
# 127.0.0.1, log to temporary files (printed when the test fails) and are
# stopped with SIGTERM at the end, which must make them exit 0.
set -euo pipefail

MB_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MB_TEST_NAME=e2e.$(basename "${BASH_SOURCE[1]:-$0}" .sh)
MB_BIN=${1:-${MB_BIN:-}}
MB_NS=""
MB_CLUSTER_OK=0
MB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mb-e2e-XXXXXX")
MB_GROUP=workload.serving.volcano.sh
MB_NET_GROUP=networking.serving.volcano.sh
L_NAME=$MB_GROUP/model-name
L_BACKEND=$MB_GROUP/backend-name
L_MANAGED=$MB_GROUP/managed-by
L_UID=$MB_GROUP/model-uid
L_REVISION=$MB_GROUP/revision
# Fully qualified plurals, so that no other API group's short names interfere.
K_MB=modelboosters.$MB_GROUP
K_MS=modelservings.$MB_GROUP
K_SRV=modelservers.$MB_NET_GROUP
K_RT=modelroutes.$MB_NET_GROUP
K_ASP=autoscalingpolicies.$MB_GROUP
K_ASPB=autoscalingpolicybindings.$MB_GROUP
# The serving stack the control plane runs (scripts/testenv.sh up --stack)
# and the controller's profile for it: v1.0 serves no AutoscalingPolicyBinding.
MB_STACK=${MODELBOOSTER_TESTENV_STACK:-none}
case $MB_STACK in
  v0.1.0) MB_PROFILE=v0.1 K_CHILDREN=("$K_MS" "$K_SRV" "$K_RT" "$K_ASP" "$K_ASPB") ;;
  *) MB_PROFILE=v1.0 K_CHILDREN=("$K_MS" "$K_SRV" "$K_RT" "$K_ASP") ;;
esac
WRITE_VERBS=(create update update_status patch apply delete)
WAIT_TIMEOUT=${WAIT_TIMEOUT:-30}

declare -A CTL_PID=() CTL_LOG=() CTL_METRICS=() CTL_HEALTH=()
CTL_RUNS=0
CTL_LOGS=() # every log file, in start order (printed on failure)

fail() {
  printf '\nFAIL [%s]: %s\n' "$MB_TEST_NAME" "$*" >&2
  exit 1
}

# skip REASON: the scenario cannot run here (no serving stack, a feature
# not in this build): exit 77, which CTest reports as skipped
# (SKIP_RETURN_CODE in CMakeLists.txt), never as passed.
MB_SKIPPED=0
skip() {
  printf 'SKIP [%s]: %s\n' "$MB_TEST_NAME" "$*"
  MB_SKIPPED=1
  exit 77
}

note() { printf '[%s +%ss] %s\n' "$MB_TEST_NAME" "$SECONDS" "$*"; }

k() { kubectl -n "$MB_NS" "$@"; }

# Commands run at exit before the namespace goes (cluster-wide objects a
# test made, a CRD to put back): on_exit 'CMD'. They cannot change the
# test's result.
MB_EXIT_HOOKS=()
on_exit() { MB_EXIT_HOOKS+=("$1"); }

_e2e_cleanup() {
  local rc=$? id hook
  trap - EXIT
  set +e
  for hook in "${MB_EXIT_HOOKS[@]}"; do eval "$hook"; done
  for id in "${!CTL_PID[@]}"; do
    if ! _ctl_stop "$id"; then
      printf '\nFAIL [%s]: %s\n' "$MB_TEST_NAME" "$CTL_STOP_MSG" >&2
      ((rc == 0)) && rc=1
    fi
  done
  if ((rc == 77 && MB_SKIPPED)); then
    : # skipped: nothing to show
  elif ((rc != 0)); then
    local f
    for f in "${CTL_LOGS[@]}"; do
      printf '\n----- controller log %s (last 60 lines) -----\n' "$(basename "$f")" >&2
      tail -n 60 "$f" >&2
    done
    if [[ -n $MB_NS ]] && ((MB_CLUSTER_OK)); then
      printf '\n----- events in %s -----\n' "$MB_NS" >&2
      kubectl -n "$MB_NS" get events --sort-by=.lastTimestamp 2>&1 | tail -n 30 >&2
      # Pods that went NotReady under a running test (a node that missed
      # its heartbeat: docs/testing.md, "Heartbeats through node Leases")
      # look like a controller that lost them; these two tables tell the
      # two apart.
      local ready='.status.conditions[?(@.type=="Ready")]'
      printf '\n----- pods in %s -----\n' "$MB_NS" >&2
      kubectl -n "$MB_NS" get pods --no-headers 2>&1 -o "custom-columns=NAME:.metadata.name,PHASE:.status.phase,READY:$ready.status,REASON:$ready.reason,NODE:.spec.nodeName,IP:.status.podIP" |
        tail -n 20 >&2
      printf -- '----- nodes -----\n' >&2
      kubectl get nodes -l type=kwok --no-headers 2>&1 -o "custom-columns=NAME:.metadata.name,READY:$ready.status,HEARTBEAT:$ready.lastHeartbeatTime,TRANSITION:$ready.lastTransitionTime" >&2
    fi
    printf -- '----- end -----\n' >&2
  fi
  if [[ -n $MB_NS ]] && [[ -z ${MB_E2E_KEEP_NAMESPACE:-} ]]; then
    local ns own=("$MB_NS") extra=()
    ((MB_KEEP_NAMESPACE)) && own=()
    [[ -f $MB_TMP/extra-namespaces ]] && mapfile -t extra <"$MB_TMP/extra-namespaces"
    for ns in "${own[@]}" "${extra[@]}"; do
      kubectl delete namespace "$ns" --wait=false --ignore-not-found >/dev/null 2>&1
    done
  fi
  rm -rf "$MB_TMP"
  if ((rc == 0)); then printf 'PASS [%s] in %s s\n' "$MB_TEST_NAME" "$SECONDS"; fi
  exit "$rc"
}
trap _e2e_cleanup EXIT

# ----------------------------------------------------------- set-up --

# extra_namespace SUFFIX: make namespace $MB_NS-SUFFIX, deleted at exit.
# Called as NS=$(extra_namespace x), so it runs in a subshell: the names are
# kept in a file, not in a variable of the test's shell.
extra_namespace() {
  local ns="$MB_NS-$1"
  kubectl create namespace "$ns" >/dev/null || fail "cannot create namespace $ns"
  echo "$ns" >>"$MB_TMP/extra-namespaces"
  echo "$ns"
}

# Check the binary and the cluster, and make a fresh namespace.
e2e_setup() {
  [[ -n $MB_BIN ]] || fail "usage: bash $0 <path to the modelbooster binary>"
  [[ -x $MB_BIN ]] || fail "$MB_BIN is not an executable (build it: ninja -C build modelbooster)"
  for c in kubectl curl jq; do command -v "$c" >/dev/null || fail "$c is not installed"; done
  [[ -n ${KUBECONFIG:-} && -f ${KUBECONFIG:-} ]] ||
    fail "KUBECONFIG is not set or missing. Start the control plane first:
    scripts/testenv.sh up && eval \"\$(scripts/testenv.sh env)\""
  local out
  out=$(kubectl get --raw /readyz 2>&1) || fail "the API server at KUBECONFIG=$KUBECONFIG does not answer: $out"
  [[ $out == ok ]] || fail "the API server is not ready: $out"
  kubectl get crd "$K_MB" >/dev/null 2>&1 || fail "the ModelBooster CRD is not installed (scripts/testenv.sh up installs it)"
  # The child kinds are the serving stack's (Kthena installs their CRDs);
  # without them no scenario can run.
  kubectl get crd "$K_MS" >/dev/null 2>&1 ||
    skip "no serving stack in this control plane (no ModelServing CRD; MODELBOOSTER_TESTENV_STACK=$MB_STACK): scripts/testenv.sh up --stack v1.0.0|v0.1.0"
  MB_CLUSTER_OK=1
  if [[ -n ${MB_E2E_NAMESPACE:-} ]]; then
    _use_namespace "$MB_E2E_NAMESPACE"
  else
    local base
    base=$(tr -c 'a-z0-9\n' '-' <<<"${MB_TEST_NAME#e2e.}" | cut -c1-30)
    MB_NS="e2e-${base%-}-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
    kubectl create namespace "$MB_NS" >/dev/null || fail "cannot create namespace $MB_NS"
  fi
  MB_POOL_KEY=e2e.modelbooster.io/$MB_NS
  note "namespace $MB_NS"
  if [[ ${MB_E2E_AS_CHART:-0} == 1 ]]; then _as_chart_identity; fi
}

# autoscaler_setup PREFIX: e2e_setup, the pod agent and controller `main`
# for a scenario of Kthena's autoscaler, and a booster name PREFIX-<random>
# in AUTOSCALED. Kthena v0.1.0's autoscaler reads Bindings only in its own
# namespace, so there the scenario runs in that one (docs/stacks.md,
# "Autoscaling"); the random name because that autoscaler keeps a scaler
# per Binding name for as long as it runs, and the namespace is shared.
autoscaler_setup() {
  [[ $MB_STACK == v0.1.0 ]] && MB_E2E_NAMESPACE=${MODELBOOSTER_TESTENV_KTHENA_NAMESPACE:-kthena-system}
  e2e_setup
  pod_agent_enable
  ctl_start main
  AUTOSCALED=$1-$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
}

# MB_E2E_NAMESPACE=NS e2e_setup: the test runs in the existing namespace NS
# instead of a fresh one (Kthena v0.1.0's autoscaler acts only in its own
# namespace). At exit the boosters the test made there are deleted, and
# their children with them (foreground), not the namespace; the pod agent's
# label comes off again.
_use_namespace() {
  MB_NS=$1
  kubectl get namespace "$MB_NS" >/dev/null 2>&1 || fail "namespace $MB_NS does not exist"
  [[ -z $(kubectl get "$K_MB" -n "$MB_NS" -o name 2>/dev/null) ]] ||
    fail "namespace $MB_NS already has ModelBoosters; a test that shares a namespace needs it without any"
  MB_KEEP_NAMESPACE=1
  on_exit "kubectl delete '$K_MB' --all -n '$MB_NS' --cascade=foreground --wait=true --timeout=60s >/dev/null 2>&1"
  local sel=${MODELBOOSTER_TESTENV_POD_AGENT_SELECTOR-}
  [[ -n $sel ]] && on_exit "kubectl label namespace '$MB_NS' '${sel%%=*}-' >/dev/null 2>&1"
}
MB_KEEP_NAMESPACE=0

# MB_E2E_AS_CHART=1: every controller a test starts runs as the Helm
# chart's ServiceAccount with only the chart's RBAC. The chart is installed
# into the test namespace (the release namespace, so its Role covers the
# ConfigMap and the Lease the controllers use there), without its webhook
# configurations; the test's own kubectl calls stay the admin's. The
# Deployment makes no pod here (the control plane runs no Deployment
# controller).
MB_CTL_KUBECONFIG=""
_as_chart_identity() {
  local helm release token server
  command -v yq >/dev/null || fail "yq is not installed"
  helm=$("$MB_REPO_ROOT/scripts/helm.sh" --path) || fail "cannot build or find helm (scripts/helm.sh)"
  release=mbid-${MB_NS: -6}
  "$helm" install "$release" "$MB_REPO_ROOT/deploy/helm/modelbooster" -n "$MB_NS" --set fullnameOverride="$release" \
    --set webhook.enabled=false --wait=false >"$MB_TMP/helm-identity.out" 2>&1 ||
    fail "helm install failed: $(cat "$MB_TMP/helm-identity.out")"
  on_exit "'$helm' uninstall '$release' -n '$MB_NS' >/dev/null 2>&1"
  token=$(kubectl create token "$release" -n "$MB_NS" --duration=2h) || fail "kubectl create token failed"
  server=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
  kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' |
    base64 -d >"$MB_TMP/identity-ca.crt"
  MB_CTL_KUBECONFIG=$MB_TMP/identity.kubeconfig
  KUBECONFIG=$MB_CTL_KUBECONFIG kubectl config set-cluster e2e --server="$server" \
    --certificate-authority="$MB_TMP/identity-ca.crt" --embed-certs >/dev/null
  KUBECONFIG=$MB_CTL_KUBECONFIG kubectl config set-credentials sa --token="$token" >/dev/null
  KUBECONFIG=$MB_CTL_KUBECONFIG kubectl config set-context e2e --cluster=e2e --user=sa >/dev/null
  KUBECONFIG=$MB_CTL_KUBECONFIG kubectl config use-context e2e >/dev/null
  note "controllers run as system:serviceaccount:$MB_NS:$release (the chart's RBAC)"
}

# The kubeconfig the controllers get: the admin's, or the chart identity's.
ctl_kubeconfig() { echo "${MB_CTL_KUBECONFIG:-$KUBECONFIG}"; }

# A free TCP port on 127.0.0.1, distinct from the ones handed out before.
_used_ports=" "
free_port() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000)) # below the ephemeral range
    [[ $_used_ports == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      _used_ports+="$p "
      echo "$p"
      return 0
    fi
  done
  fail "no free port found"
}

# ------------------------------------------------------- controllers --

# ctl_start ID [extra controller flags...]: start a controller instance in
# the background and wait until its /readyz answers 200. Retries with other
# ports when a port was taken in between. CTL_METRICS_ADDR overrides the
# metrics address (0 turns the server off).
ctl_start() {
  local id=$1 attempt
  shift
  [[ -z ${CTL_PID[$id]:-} ]] || fail "controller $id is already running"
  for attempt in 1 2 3; do
    local mport hport log
    mport=$(free_port)
    hport=$(free_port)
    CTL_RUNS=$((CTL_RUNS + 1))
    log="$MB_TMP/controller-$id-$CTL_RUNS.log"
    CTL_LOGS+=("$log")
    "$MB_BIN" controller --kubeconfig "$(ctl_kubeconfig)" --namespace "$MB_NS" --config-namespace "$MB_NS" \
      --metrics-bind-address "${CTL_METRICS_ADDR:-127.0.0.1:$mport}" --health-probe-bind-address "127.0.0.1:$hport" \
      -v 1 "$@" >"$log" 2>&1 &
    CTL_PID[$id]=$!
    CTL_LOG[$id]=$log
    CTL_METRICS[$id]=$mport
    CTL_HEALTH[$id]=$hport
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
      if ! kill -0 "${CTL_PID[$id]}" 2>/dev/null; then
        local rc=0
        wait "${CTL_PID[$id]}" || rc=$?
        unset "CTL_PID[$id]"
        if grep -q 'cannot serve' "$log" && ((attempt < 3)); then
          note "controller $id: a port was taken, retrying"
          continue 2
        fi
        fail "controller $id exited with code $rc during start-up:
$(tail -n 30 "$log")"
      fi
      if curl -fsS -o /dev/null "http://127.0.0.1:$hport/readyz" 2>/dev/null; then
        note "controller $id started (pid ${CTL_PID[$id]}, metrics :$mport, health :$hport)"
        return 0
      fi
      sleep 0.1
    done
    fail "controller $id: /readyz did not answer 200 within 30 s:
$(tail -n 30 "$log")"
  done
}

# ctl_stop ID: SIGTERM, wait (bounded), expect exit code 0.
ctl_stop() {
  _ctl_stop "$1" || fail "$CTL_STOP_MSG
$(tail -n 20 "${CTL_LOG[$1]}")"
  [[ -z $CTL_STOP_MSG ]] || note "$CTL_STOP_MSG"
}

# _ctl_stop ID: as ctl_stop, but sets CTL_STOP_MSG and returns 1 instead of
# failing the test (the exit trap uses it).
CTL_STOP_MSG=""
_ctl_stop() {
  local id=$1 pid=${CTL_PID[$1]:-} i rc=0
  CTL_STOP_MSG=""
  [[ -n $pid ]] || return 0
  unset "CTL_PID[$id]"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 450; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    CTL_STOP_MSG="controller $id did not exit within 45 s of SIGTERM"
    return 1
  fi
  wait "$pid" 2>/dev/null || rc=$?
  if ((rc != 0)); then
    CTL_STOP_MSG="controller $id exited with code $rc after SIGTERM (expected 0)"
    return 1
  fi
  CTL_STOP_MSG="controller $id stopped cleanly (exit 0)"
}

# ctl_kill ID: SIGKILL, as a crash or a node loss would.
ctl_kill() {
  local id=$1 pid=${CTL_PID[$1]:-}
  [[ -n $pid ]] || fail "controller $id is not running"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  unset "CTL_PID[$id]"
  note "controller $id killed (SIGKILL)"
}

# Fail at once when a controller that should run has died.
ctl_check_alive() {
  local id
  for id in "${!CTL_PID[@]}"; do
    kill -0 "${CTL_PID[$id]}" 2>/dev/null && continue
    local rc=0
    wait "${CTL_PID[$id]}" || rc=$?
    unset "CTL_PID[$id]"
    fail "controller $id died unexpectedly (exit code $rc)"
  done
}

# readyz ID: the body of /readyz ("ok: leading; serving stack v1.0 (auto)",
# "ok: standby; ...", ...).
readyz() { curl -sS "http://127.0.0.1:${CTL_HEALTH[$1]}/readyz" 2>/dev/null || true; }

# metric NAME [LABEL-FRAGMENT...]: the sum of the series of metric NAME whose
# labels contain every fragment (e.g. 'verb="create"'), read from the
# /metrics of controller $CTL (default: main). 0 when no series matches.
metric() {
  local id=${CTL:-main} name=$1
  shift
  local port=${CTL_METRICS[$id]:-}
  [[ -n $port ]] || fail "metric: no controller $id"
  local body
  body=$(curl -fsS "http://127.0.0.1:$port/metrics") || fail "cannot read /metrics of controller $id"
  local IFS=$'\x1f'
  awk -v want="$name" -v frags="$*" '
    BEGIN { n = split(frags, f, "\x1f"); sum = 0 }
    /^#/ || NF < 2 { next }
    {
      series = $1; labels = ""
      i = index(series, "{")
      if (i > 0) { labels = substr(series, i); series = substr(series, 1, i - 1) }
      if (series != want) next
      for (j = 1; j <= n; j++) if (f[j] != "" && index(labels, f[j]) == 0) next
      sum += $NF
    }
    END { if (sum == int(sum)) printf "%d\n", sum; else print sum }' <<<"$body"
}

# writes [CODE-PREFIX]: rest_client_requests_total summed over the write
# verbs (create, update, update_status, patch, apply, delete) of $CTL.
writes() {
  local v total=0 n code=${1:-}
  for v in "${WRITE_VERBS[@]}"; do
    if [[ -n $code ]]; then
      n=$(metric rest_client_requests_total "verb=\"$v\"" "code=\"$code")
    else
      n=$(metric rest_client_requests_total "verb=\"$v\"")
    fi
    total=$((total + n))
  done
  echo "$total"
}

# One line per write verb, for messages.
writes_by_verb() {
  local v out=""
  for v in "${WRITE_VERBS[@]}"; do out+="$v=$(metric rest_client_requests_total "verb=\"$v\"") "; done
  echo "$out"
}

reconciles() { metric controller_runtime_reconcile_total; }

# ctl_idle [ID]: wait until the controller has nothing queued or running and
# finished no reconcile for 1 s.
ctl_idle() {
  local id=${1:-${CTL:-main}} deadline=$((SECONDS + WAIT_TIMEOUT)) last now
  last=$(CTL=$id reconciles)
  while ((SECONDS < deadline)); do
    ctl_check_alive
    sleep 1
    now=$(CTL=$id reconciles)
    if [[ $now == "$last" && $(CTL=$id metric workqueue_depth) == 0 &&
      $(CTL=$id metric controller_runtime_active_workers) == 0 ]]; then
      return 0
    fi
    last=$now
  done
  fail "controller $id did not become idle within ${WAIT_TIMEOUT}s"
}

# wait_for [-t SECONDS] CMD...: run CMD until it succeeds; return 1 after the
# timeout (default $WAIT_TIMEOUT). Fails at once if a controller died.
wait_for() {
  local timeout=$WAIT_TIMEOUT
  if [[ $1 == -t ]]; then
    timeout=$2
    shift 2
  fi
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ctl_check_alive
    ((SECONDS < deadline)) || return 1
    sleep 0.25
  done
}

# ------------------------------------------------------------ objects --

# jp KIND NAME JSONPATH: a field of an object in the test namespace ("" if
# the object or the field is missing).
jp() { k get "$1" "$2" -o "jsonpath=$3" 2>/dev/null || true; }

exists() { k get "$1" "$2" >/dev/null 2>&1; }
gone() { ! k get "$1" "$2" >/dev/null 2>&1; }

uid_of() { jp "$1" "$2" '{.metadata.uid}'; }

# cond BOOSTER TYPE [FIELD]: the status (or FIELD, e.g. message) of a condition.
cond() {
  local field=${3:-status}
  jp "$K_MB" "$1" "{.status.conditions[?(@.type==\"$2\")].$field}"
}

cond_is() { [[ $(cond "$1" "$2") == "$3" ]]; }

# wait_cond BOOSTER TYPE STATUS [TIMEOUT]: wait, or fail with the status.
wait_cond() {
  wait_for -t "${4:-$WAIT_TIMEOUT}" cond_is "$1" "$2" "$3" ||
    fail "booster $1: condition $2 is not $3 (it is '$(cond "$1" "$2")', message: '$(cond "$1" "$2" message)'); status: $(jp "$K_MB" "$1" '{.status}')"
}

# names KIND [SELECTOR]: sorted names of the objects of KIND in the namespace.
names() {
  if [[ -n ${2:-} ]]; then
    k get "$1" -l "$2" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort | xargs
  else
    k get "$1" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort | xargs
  fi
}

# children UID: "plural/name" of every child carrying the booster's model-uid
# label, by kind (ModelServing, ModelServer, ModelRoute, AutoscalingPolicy,
# AutoscalingPolicyBinding) then name, on one line.
children() {
  local IFS=,
  k get "${K_CHILDREN[*]}" -l "$L_UID=$1" -o json |
    jq -r '
      {ModelServing: [0, "modelservings"], ModelServer: [1, "modelservers"], ModelRoute: [2, "modelroutes"],
       AutoscalingPolicy: [3, "autoscalingpolicies"], AutoscalingPolicyBinding: [4, "autoscalingpolicybindings"]} as $k
      | [.items[] | {o: $k[.kind][0], s: "\($k[.kind][1])/\(.metadata.name)", n: .metadata.name}]
      | sort_by(.o, .n) | map(.s) | join(" ")'
}

expect_eq() { # actual expected message
  [[ $1 == "$2" ]] || fail "$3
    expected: '$2'
    actual:   '$1'"
}

# ------------------------------------------------------ serving stack --
# The control plane runs the real serving stack (docs/testing.md, "The
# Kthena serving stack"): Kthena's ModelServing controller turns every
# ModelServing into pods, kube-scheduler binds them to KWOK nodes, KWOK makes
# them Running and Ready, and Kthena writes the ModelServing's status
# (Available=True once the pods of every serving group are Ready). Tests do
# not write that status; they decide whether a ModelServing can become
# Available through scheduling:
# - MB_IN_POOL=1 small_booster|autoscaled_booster ...: the worker selects
#   nodes labelled $MB_POOL_KEY=true. That key is this test's own (it names
#   the namespace, so tests in parallel do not share it) and no node carries
#   it until pool_open: the pods stay Pending, the ModelServing is never
#   Available, and the booster stays Active=False for as long as the test
#   wants, without racing the stack.
# - pool_open [NODE]: a node joins the pool; the Pending pods are scheduled
#   on it and become Ready. pool_close [NODE] takes it out again (running
#   pods stay: there is no eviction). The label comes off at exit.
# - To make an Available ModelServing lose Available: pod_fail one of its
#   pods (an engine that crashed: phase Failed, through the status
#   subresource; KWOK leaves a Failed pod alone). Kthena marks its serving
#   group not ready at once and the ModelServing turns Available=False, on
#   both releases; pool_close first, so that a replacement pod, should
#   Kthena make one, stays Pending. What does NOT work: patching a Running
#   pod's Ready condition to False (Kthena's ModelServing controller only
#   re-evaluates a group when a pod becomes Running and Ready, fails,
#   restarts a container or is deleted: the ModelServing stays Available,
#   checked on v1.0.0); deleting a pod (Kthena v0.1.0 neither recreates it
#   nor drops Available: checked, 55 s with one of two pods gone and
#   availableReplicas still 2).
MB_POOL_KEY="" # set by e2e_setup: e2e.modelbooster.io/<namespace>
MB_POOL_NODES=" "

# The first KWOK node, for pool_open without an argument.
_pool_default_node() {
  kubectl get nodes -l type=kwok -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort | head -n1
}

pool_open() {
  local node=${1:-$(_pool_default_node)}
  [[ -n $node ]] || fail "pool_open: no KWOK node in this cluster (is the serving stack up? MODELBOOSTER_TESTENV_STACK=$MB_STACK)"
  if [[ $MB_POOL_NODES != *" $node "* ]]; then
    MB_POOL_NODES+="$node "
    on_exit "kubectl label node '$node' '$MB_POOL_KEY-' >/dev/null 2>&1"
  fi
  kubectl label node "$node" --overwrite "$MB_POOL_KEY=true" >/dev/null || fail "cannot label node $node with $MB_POOL_KEY"
  note "node $node joined the pool $MB_POOL_KEY"
}

pool_close() {
  local node=${1:-$(_pool_default_node)}
  kubectl label node "$node" "$MB_POOL_KEY-" >/dev/null || fail "cannot remove the label $MB_POOL_KEY from node $node"
  note "node $node left the pool $MB_POOL_KEY"
}

# _pool_selector: the worker's nodeSelector when MB_IN_POOL=1 (YAML at the
# indentation of a worker's keys in booster_head).
_pool_selector() {
  if [[ ${MB_IN_POOL:-0} == 1 ]]; then
    printf '          nodeSelector:\n            %s: "true"\n' "$MB_POOL_KEY"
  fi
}

# pod_fail POD: the pod's engine crashed (phase Failed).
pod_fail() {
  k patch pod "$1" --subresource=status --type=merge \
    -p '{"status":{"phase":"Failed","reason":"E2EEngineCrashed","message":"made Failed by the test"}}' >/dev/null ||
    fail "cannot set pod $1 Failed"
}

# ms_cond NAME TYPE: the status of a condition of a ModelServing.
ms_cond() { jp "$K_MS" "$1" "{.status.conditions[?(@.type==\"$2\")].status}"; }
ms_available() { [[ $(ms_cond "$1" Available) == True ]]; }
ms_not_available() { exists "$K_MS" "$1" && [[ $(ms_cond "$1" Available) != True ]]; }

# pods_of MODELSERVING: names of the pods Kthena made for a ModelServing.
pods_of() { names pods "modelserving.volcano.sh/name=$1"; }

# wait_pods_ready MODELSERVING [TIMEOUT]: every pod of it is Ready, or fail
# naming the ones that are not and why. Kthena keeps a ModelServing
# Available when a Running pod turns NotReady, and the controller loads LoRA
# adapters on Ready pods only, so scenarios that count pods check this
# first.
_pods_not_ready() {
  k get pods -l "modelserving.volcano.sh/name=$1" -o json |
    jq -r '.items[] | (.status.conditions // [] | map(select(.type == "Ready")) | first) as $r
      | select(($r.status // "") != "True") | "\(.metadata.name) (\($r.reason // .status.phase))"' | xargs
}
_pods_all_ready() { [[ -n $(pods_of "$1") && -z $(_pods_not_ready "$1") ]]; }
wait_pods_ready() {
  wait_for -t "${2:-$WAIT_TIMEOUT}" _pods_all_ready "$1" ||
    fail "pods of $1 not Ready: $(_pods_not_ready "$1")"
}

# scaling_children NAME...: the autoscaling children named NAME... as
# `children` prints them: an AutoscalingPolicy each, plus an
# AutoscalingPolicyBinding each on v0.1 (v1.0 has no Binding kind).
scaling_children() {
  local n out=""
  for n in "$@"; do out+="autoscalingpolicies/$n "; done
  if [[ $MB_PROFILE == v0.1 ]]; then
    for n in "$@"; do out+="autoscalingpolicybindings/$n "; done
  fi
  echo "${out% }"
}

# booster_meta NAME: a booster's first lines, up to `spec:`.
booster_meta() {
  cat <<YAML
apiVersion: $MB_GROUP/v1alpha1
kind: ModelBooster
metadata:
  name: $1
  namespace: $MB_NS
spec:
YAML
}

# booster_head NAME MIN MAX: a booster with one vLLM backend `gpu`, up to
# its replica bounds; the caller appends the rest of the backend.
booster_head() {
  booster_meta "$1"
  cat <<YAML
  backends:
    - name: gpu
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
      minReplicas: $2
      maxReplicas: $3
YAML
}

# small_booster NAME [MIN MAX]: the smallest useful booster (one vLLM
# backend `gpu`, one server worker, no autoscaling), as YAML. With
# MB_IN_POOL=1 its pods need a node of the test's pool (see pool_open).
small_booster() {
  booster_head "$1" "${2:-1}" "${3:-${2:-1}}"
  cat <<YAML
      workers:
        - type: server
          image: vllm/vllm-openai:v0.10.1
          config:
            max-model-len: 4096
YAML
  _pool_selector
}

# lora_adapter_dirs NAME...: an adapter directory each under $MB_TMP, which
# the runtime sidecar copies (Kthena's pvc:// downloader reads /<path> and
# runs rsync; the sidecar sees the host's files read-only); adapter_url NAME
# is its artifactURL.
lora_adapter_dirs() {
  local a
  for a in "$@"; do
    mkdir -p "$MB_TMP/adapters/$a"
    echo '{"r": 8}' >"$MB_TMP/adapters/$a/adapter_config.json"
  done
}
adapter_url() { echo "pvc://${MB_TMP#/}/adapters/$1"; }

# runtime_lora_booster NAME ADAPTERS_YAML [IMAGE]: one vLLM backend `gpu`
# that loads LoRA adapters at run time (VLLM_ALLOW_RUNTIME_LORA_UPDATING),
# with `loraAdapters: ADAPTERS_YAML`, as YAML; MB_REPLICAS replicas
# (default 1). MB_IN_POOL=1 as for small_booster.
runtime_lora_booster() {
  booster_head "$1" "${MB_REPLICAS:-1}" "${MB_REPLICAS:-1}"
  cat <<YAML
      env:
        - name: VLLM_ALLOW_RUNTIME_LORA_UPDATING
          value: "true"
      loraAdapters: $2
      workers:
        - type: server
          image: ${3:-vllm/vllm-openai:v0.10.1}
YAML
  _pool_selector
}

# two_servers_booster NAME: a booster the CRD's schema accepts and our
# validation refuses (a vLLM backend with two server workers, and
# minReplicas 1 < maxReplicas 3 without autoscaling), as YAML.
two_servers_booster() {
  booster_head "$1" 1 3
  cat <<YAML
      workers:
        - type: server
          image: vllm/vllm-openai:v0.10.1
        - type: server
          image: vllm/vllm-openai:v0.10.1
YAML
}

# autoscaled_booster NAME [WORKER_CONFIG]: one vLLM backend `gpu` with
# backend-level autoscaling (1-4 replicas on the waiting-requests metric),
# as YAML; WORKER_CONFIG, when given, becomes the worker's `config` entry
# (`key: value`). MB_IN_POOL=1 as for small_booster.
autoscaled_booster() {
  booster_head "$1" 1 4
  cat <<YAML
      autoscalingPolicy:
        metrics:
          - metricName: kthena:num_requests_waiting
            targetValue: 5
      workers:
        - image: vllm/vllm-openai:v0.10.1
YAML
  if [ -n "${2:-}" ]; then
    printf '          config:\n            %s\n' "$2"
  fi
  _pool_selector
}

# fast_scaling_policy INDENT: an autoscalingPolicy body (YAML, each line
# indented by INDENT spaces) on kthena:num_requests_waiting, 10 per replica,
# without stabilization, rate limits or tolerance: Kthena's autoscaler then
# goes to ceil(waiting / 10) within its bounds at its next period (15 s).
fast_scaling_policy() {
  sed "s/^/$(printf '%*s' "$1" '')/" <<'YAML'
tolerancePercent: 0
metrics:
  - metricName: kthena:num_requests_waiting
    targetValue: 10
behavior:
  scaleUp:
    stablePolicy: {instances: 100, percent: 1000, period: 0s, stabilizationWindow: 0s, selectPolicy: Or}
    panicPolicy: {percent: 1000, period: 0s, panicThresholdPercent: 1000, panicModeHold: 0s}
  scaleDown: {instances: 100, percent: 100, period: 0s, stabilizationWindow: 0s, selectPolicy: Or}
YAML
}

# wait_replicas SERVING N TIMEOUT: until ModelServing SERVING asks for N
# replicas (fails with what it asks for instead).
wait_replicas() {
  local got
  _replicas_are() { got=$(jp "$K_MS" "$1" '{.spec.replicas}'); [[ $got == "$2" ]]; }
  wait_for -t "$3" _replicas_are "$1" "$2" ||
    fail "ModelServing $1 asks for ${got:-no} replicas, not $2, after $3 s"
}

apply_yaml() { # YAML on stdin
  local out
  out=$(kubectl apply -f - 2>&1) || fail "kubectl apply failed: $out"
}

# Events on an object of the namespace with the given reason, as
# "type reason message" lines.
events_for() { # OBJECT-NAME [REASON]
  k get events --field-selector "involvedObject.name=$1${2:+,reason=$2}" \
    -o jsonpath='{range .items[*]}{.type} {.reason} {.message}{"\n"}{end}' 2>/dev/null || true
}

# ------------------------------------------------------------- audit --

# The API server's audit log (scripts/testenv.sh writes one JSON line per
# request). The controller sends the user agent "modelbooster-controller".
audit_log() {
  local f=${MODELBOOSTER_TESTENV_AUDIT_LOG:-}
  if [[ -z $f && -n ${MODELBOOSTER_TESTENV_DIR:-} ]]; then f=$MODELBOOSTER_TESTENV_DIR/audit.log; fi
  [[ -n $f ]] || fail "MODELBOOSTER_TESTENV_AUDIT_LOG is not set (eval \"\$(scripts/testenv.sh env)\")"
  [[ -r $f ]] || fail "cannot read the audit log $f"
  echo "$f"
}

# now_utc: an RFC 3339 timestamp with microseconds, comparable (as a string)
# with the audit log's requestReceivedTimestamp.
now_utc() { date -u +%Y-%m-%dT%H:%M:%S.%6NZ; }

# audit_controller_writes [SINCE [UNTIL]]: the controller's write requests
# (create, update, patch, delete) in the test namespace, one per line:
#   <time> <verb> <resource>[/<subresource>]/<name> <code>
audit_controller_writes() {
  local f since=${1:-} until=${2:-9999}
  f=$(audit_log)
  grep -F "\"namespace\":\"$MB_NS\"" "$f" | grep -F 'modelbooster-controller' |
    jq -r --arg ns "$MB_NS" --arg since "$since" --arg until "$until" '
      select((.userAgent // "") | contains("modelbooster-controller"))
      | select(.objectRef.namespace == $ns)
      | select(.verb == "create" or .verb == "update" or .verb == "patch" or .verb == "delete"
               or .verb == "deletecollection")
      | select(.requestReceivedTimestamp >= $since and .requestReceivedTimestamp < $until)
      | "\(.requestReceivedTimestamp) \(.verb) \(.objectRef.resource)\(if .objectRef.subresource then "/" + .objectRef.subresource else "" end)/\(.objectRef.name // "") \(.responseStatus.code)"'
}

# audit_writes_of USER RESOURCE [SINCE [UNTIL]]: write requests on RESOURCE
# in the test namespace by users whose name contains USER (e.g. Kthena's
# ServiceAccount kthena-controller-manager), in the same line format as
# audit_controller_writes.
audit_writes_of() {
  local f user=$1 resource=$2 since=${3:-} until=${4:-9999}
  f=$(audit_log)
  grep -F "\"namespace\":\"$MB_NS\"" "$f" | grep -F "$user" |
    jq -r --arg ns "$MB_NS" --arg u "$user" --arg r "$resource" --arg since "$since" --arg until "$until" '
      select((.user.username // "") | contains($u))
      | select(.objectRef.namespace == $ns and .objectRef.resource == $r)
      | select(.verb == "create" or .verb == "update" or .verb == "patch" or .verb == "delete")
      | select(.requestReceivedTimestamp >= $since and .requestReceivedTimestamp < $until)
      | "\(.requestReceivedTimestamp) \(.verb) \(.objectRef.resource)\(if .objectRef.subresource then "/" + .objectRef.subresource else "" end)/\(.objectRef.name // "") \(.responseStatus.code)"'
}

# ------------------------------------------------ requests, pod agent --
# With a stack, scripts/testenv.sh runs the pod agent (test/podagent): for
# every Running serving pod in a namespace labelled
# $MODELBOOSTER_TESTENV_POD_AGENT_SELECTOR, Kthena's real runtime sidecar
# and a fake vLLM/SGLang engine on the pod's IP, so that requests sent to
# Kthena's router (MODELBOOSTER_TESTENV_ROUTER) reach "the pod". Each fake
# engine answers with the pod's name in system_fingerprint and has a control
# API on its port (/fake/state, /fake/reset; docs/testing.md).

# pod_agent_enable: the pod agent serves this test's namespace (skips the
# test when the environment has no router or no pod agent).
pod_agent_enable() {
  [[ -n ${MODELBOOSTER_TESTENV_ROUTER:-} ]] ||
    skip "no Kthena router in this environment (MODELBOOSTER_TESTENV_ROUTER unset; scripts/testenv.sh up --stack v1.0.0|v0.1.0)"
  [[ -n ${MODELBOOSTER_TESTENV_POD_AGENT_DIR:-} ]] || skip "no pod agent in this environment (MODELBOOSTER_TESTENV_POD_AGENT_DIR unset)"
  local sel=${MODELBOOSTER_TESTENV_POD_AGENT_SELECTOR-}
  if [[ -n $sel ]]; then
    kubectl label namespace "$MB_NS" --overwrite "$sel" >/dev/null || fail "cannot label namespace $MB_NS with $sel"
  fi
  MB_ROUTER=$MODELBOOSTER_TESTENV_ROUTER
}

# router_request PATH JSON [CURL ARGS...]: POST JSON to the router; prints
# "<http code> <body>" on one line (the body is compact JSON when it is JSON).
router_request() {
  local path=$1 data=$2 out code
  shift 2
  out=$(curl -sS -m 10 -o "$MB_TMP/router-body" -w '%{http_code}' -H 'Content-Type: application/json' \
    "$@" --data "$data" "$MB_ROUTER$path" 2>&1) || out="000"
  code=${out: -3}
  printf '%s %s\n' "$code" "$(jq -c . "$MB_TMP/router-body" 2>/dev/null || tr -d '\n' <"$MB_TMP/router-body")"
}

# completion_body PATH MODEL: a small request body for /v1/chat/completions
# or /v1/completions.
completion_body() {
  if [[ $1 == */chat/completions ]]; then
    printf '{"model":"%s","messages":[{"role":"user","content":"hello"}],"max_tokens":4}' "$2"
  else
    printf '{"model":"%s","prompt":"hello","max_tokens":4}' "$2"
  fi
}

# answered_by PATH MODEL [CURL ARGS...]: the pod that answered one request
# (its system_fingerprint), or nothing when the request was not answered 200.
answered_by() {
  local r
  r=$(router_request "$1" "$(completion_body "$1" "$2")" "${@:3}")
  [[ ${r%% *} == 200 ]] || return 1
  jq -r '.system_fingerprint // empty' <<<"${r#* }"
}

# router_burst N PATH MODEL OUT [CONFIG LINES...]: N requests on one
# keep-alive connection (one curl, a config file of N requests; extra lines
# in curl's config syntax, e.g. 'header = "x-tenant: gold"', go into each);
# OUT gets one line per request: "<http code> <system_fingerprint or -> <model or ->".
router_burst() {
  local n=$1 path=$2 model=$3 out=$4 i body cfg="$MB_TMP/burst.cfg"
  shift 4
  # The body as a quoted string of curl's config syntax (JSON's escapes).
  body=$(jq -Rn --arg b "$(completion_body "$path" "$model")" '$b')
  local a
  for ((i = 0; i < n; i++)); do
    ((i > 0)) && echo next
    printf 'url = "%s%s"\nheader = "Content-Type: application/json"\ndata = %s\nwrite-out = "\\n%%{http_code}\\n"\n' \
      "$MB_ROUTER" "$path" "$body"
    for a in "$@"; do printf '%s\n' "$a"; done
  done >"$cfg"
  curl -sS -m 300 -K "$cfg" >"$MB_TMP/burst.raw" 2>"$MB_TMP/burst.err" || true
  # Each response: a body line (JSON, or text) then the code line; one jq
  # for all of them (a jq per line would cost more than the requests).
  awk 'NR % 2 == 1 { body = $0; next } { print $0 "\t" body }' "$MB_TMP/burst.raw" |
    jq -rR 'index("\t") as $i | .[:$i] as $code | (.[$i + 1:] | fromjson? // {}) as $b
      | "\($code) \(($b | objects | .system_fingerprint) // "-") \(($b | objects | .model) // "-")"' >"$out"
  local got
  got=$(wc -l <"$out")
  ((got == n)) || fail "router_burst: $got answers to $n requests ($(tail -c 300 "$MB_TMP/burst.err"))"
}

# pod_ip POD / engine_url POD: where the pod agent runs the pod's fake engine.
pod_ip() { jp pods "$1" '{.status.podIP}'; }
engine_port() {
  local f="$MODELBOOSTER_TESTENV_POD_AGENT_DIR/pods/$MB_NS/$1/engine.json"
  [[ -f $f ]] && jq -r .port "$f"
}
engine_url() { echo "http://$(pod_ip "$1"):$(engine_port "$1")"; }

# engine_state POD: the fake engine's /fake/state (JSON: knobs, counters,
# the last requests).
engine_state() { curl -fsS -m 5 "$(engine_url "$1")/fake/state"; }
engine_set() { # POD JSON
  curl -fsS -m 5 -H 'Content-Type: application/json' --data "$2" "$(engine_url "$1")/fake/state" >/dev/null ||
    fail "cannot set the fake engine's state of pod $1"
}
engine_reset() { curl -fsS -m 5 -X POST "$(engine_url "$1")/fake/reset" >/dev/null || fail "cannot reset the fake engine of pod $1"; }

# agent_serving POD: the pod agent has announced the pod's processes (both
# answering /health).
agent_serving() {
  grep -q "start  *$MB_NS/$1 on .*answering /health after" "$MODELBOOSTER_TESTENV_DIR/logs/pod-agent.log" 2>/dev/null
}

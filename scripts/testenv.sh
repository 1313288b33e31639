#!/usr/bin/env bash
# A real local Kubernetes control plane (etcd + kube-apiserver +
# kube-controller-manager) on 127.0.0.1 for the integration tests.
# The binaries are built from the pinned Go module in testenv/ and cached
# by version outside the repository. See docs/testing.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/testenv.sh <command>

Commands:
  build   Build (or reuse) etcd, kube-apiserver and kube-controller-manager
          from testenv/go.mod; cached under
          ${XDG_CACHE_HOME:-~/.cache}/modelbooster/testenv/<k8s>-etcd<etcd>/bin/
  up      build, create PKI, start etcd + kube-apiserver, write an admin
          kubeconfig, install deploy/crds/*.yaml, start
          kube-controller-manager (garbagecollector,namespace). No-op if
          already running.
  down    Stop the processes that `up` started and remove the state dir.
  env     Print export lines; use: eval "$(scripts/testenv.sh env)"
  logs    Print the tail of each component's log (LINES=n, default 40).
  status  Say whether the control plane is up.
  restart-apiserver
          Stop kube-apiserver and start it again with the same arguments
          (for tests of watch resumption).
  --help  This text.

Environment:
  MODELBOOSTER_TESTENV_DIR  state dir (default: <repo>/.testenv)
  XDG_CACHE_HOME            binary cache root (default: ~/.cache)
  GO                        go command (default: go)
EOF
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module_dir="$repo_root/testenv"
state_dir="${MODELBOOSTER_TESTENV_DIR:-$repo_root/.testenv}"
go_cmd="${GO:-go}"
components=(etcd kube-apiserver kube-controller-manager)

log() { printf 'testenv: %s\n' "$*" >&2; }
die() { printf 'testenv: error: %s\n' "$*" >&2; exit 1; }

# Versions are read from the pinned go.mod, so the cache key follows it.
mod_version() {
  awk -v m="$1" '$1 == m && $2 ~ /^v[0-9]/ { print $2; exit }' "$module_dir/go.mod"
}
k8s_version=$(mod_version k8s.io/kubernetes)
etcd_version=$(mod_version go.etcd.io/etcd/server/v3)
[[ -n $k8s_version && -n $etcd_version ]] || die "cannot read versions from $module_dir/go.mod"
cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/modelbooster/testenv/${k8s_version}-etcd${etcd_version}"
bin_dir="$cache_dir/bin"

have_binaries() {
  local c
  for c in "${components[@]}"; do [[ -x $bin_dir/$c ]] || return 1; done
}

cmd_build() {
  if have_binaries; then
    log "binaries for kubernetes $k8s_version / etcd $etcd_version are cached in $bin_dir"
    return 0
  fi
  command -v "$go_cmd" >/dev/null || die "go not found (need Go >= $(awk '$1=="go"{print $2}' "$module_dir/go.mod"))"
  mkdir -p "$cache_dir"
  # One build per version at a time; a second caller waits, then reuses it.
  exec 8>"$cache_dir/.build.lock"
  if ! flock -n 8; then
    log "another build of $k8s_version is running; waiting for it"
    flock 8
  fi
  if have_binaries; then
    log "binaries for kubernetes $k8s_version / etcd $etcd_version are cached in $bin_dir"
    return 0
  fi
  # Build into a temporary directory and rename it at the end: a bin/ dir
  # only ever exists complete. Leftovers of interrupted builds go first
  # (safe: we hold the build lock).
  rm -rf "$cache_dir"/bin.tmp.*
  local tmp c
  tmp=$(mktemp -d "$cache_dir/bin.tmp.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  local minor=${k8s_version#v1.}
  minor=${minor%%.*}
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  log "building kubernetes $k8s_version and etcd $etcd_version (cold: about 4 min on 2 cores, 2-3 GB of memory)"
  local start=$SECONDS
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$cache_dir/build-time.txt")
  (
    cd "$module_dir"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly"
    "${timer[@]}" nice -n 10 "$go_cmd" build -trimpath -ldflags "$ldflags" -o "$tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      go.etcd.io/etcd/server/v3
  )
  # go names the binary of .../server/v3 after "server".
  mv "$tmp/server" "$tmp/etcd"
  for c in "${components[@]}"; do [[ -x $tmp/$c ]] || die "build did not produce $c"; done
  chmod 755 "$tmp"
  rm -rf "$bin_dir"
  mv -T "$tmp" "$bin_dir"
  trap - EXIT
  log "built in $((SECONDS - start)) s into $bin_dir"
  if [[ -f $cache_dir/build-time.txt ]]; then
    grep -E 'Elapsed|Maximum resident' "$cache_dir/build-time.txt" | sed 's/^\s*/testenv:   /' >&2 || true
  fi
}

# ---------------------------------------------------------------- state --

marker="$state_dir/.modelbooster-testenv"
lock_root="${XDG_CACHE_HOME:-$HOME/.cache}/modelbooster/testenv"

# One `up`/`down` at a time on this machine (they are quick).
take_lock() {
  mkdir -p "$lock_root"
  exec 9>"$lock_root/.updown.lock"
  flock 9
}

# A pid file holds "<pid> <path of the executable>"; a pid only counts as
# ours while /proc/<pid>/exe still points at that executable, so a reused
# pid is never signalled.
pid_alive() { # component
  local f="$state_dir/pids/$1.pid" pid exe
  [[ -f $f ]] || return 1
  read -r pid exe <"$f" || return 1
  [[ -n $pid && -n $exe ]] || return 1
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]]
}

all_alive() {
  local c
  for c in "${components[@]}"; do pid_alive "$c" || return 1; done
}

stop_component() { # component
  local c=$1 f="$state_dir/pids/$1.pid" pid exe i
  pid_alive "$c" || return 0
  read -r pid exe <"$f"
  log "stopping $c (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "$c" || return 0
    sleep 0.1
  done
  log "$c (pid $pid) did not exit after 10 s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_alive "$c" || return 0
    sleep 0.1
  done
  log "warning: $c (pid $pid) is still running"
}

stop_all() {
  local i
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do stop_component "${components[i]}"; done
}

remove_state_dir() {
  [[ -e $state_dir ]] || return 0
  [[ -f $marker ]] || die "$state_dir exists but was not made by testenv.sh; not removing it"
  rm -rf "$state_dir"
}

# Start a component in its own session, output to its log; record its pid.
start_component() { # component args...
  local c=$1
  shift
  local exe="$bin_dir/$c"
  # 8>&- 9>&-: the daemons must not inherit (and so hold) the script's locks.
  # Keep the exact arguments: restart-apiserver starts the same process again.
  printf '%s\0' "$@" >"$state_dir/pids/$c.args"
  setsid "$exe" "$@" </dev/null >>"$state_dir/logs/$c.log" 2>&1 8>&- 9>&- &
  echo "$! $exe" >"$state_dir/pids/$c.pid"
}

# A free TCP port on 127.0.0.1 (random, probed; distinct within one `up`).
used_ports=" "
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    [[ $used_ports == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      used_ports+="$p "
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# Poll until `check` succeeds; fail early if the component died.
wait_for() { # component description timeout_s check-command...
  local c=$1 what=$2 timeout=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$c" || die "$c exited while waiting for $what (see $state_dir/logs/$c.log)"
    ((SECONDS < deadline)) || die "timed out after ${timeout}s waiting for $what"
    sleep 0.2
  done
}

# ------------------------------------------------------------------ PKI --

make_pki() {
  local d="$state_dir/pki"
  mkdir -p "$d"
  (
    cd "$d"
    umask 077
    local days=7
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
      -keyout ca.key -out ca.crt -subj "/CN=modelbooster-testenv-ca" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    sign() { # name subject extensions
      openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      printf '%b' "$3" >"$1.ext"
      openssl x509 -req -sha256 -days "$days" -in "$1.csr" -CA ca.crt -CAkey ca.key \
        -CAcreateserial -out "$1.crt" -extfile "$1.ext" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    sign serving "/CN=127.0.0.1" \
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
    sign admin "/O=system:masters/CN=testenv-admin" \
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() { # server-url
  local kc="$state_dir/kubeconfig" pki="$state_dir/pki"
  (
    umask 077
    kubectl config --kubeconfig="$kc" set-cluster testenv --server="$1" \
      --certificate-authority="$pki/ca.crt" --embed-certs=true >/dev/null
    kubectl config --kubeconfig="$kc" set-credentials testenv-admin \
      --client-certificate="$pki/admin.crt" --client-key="$pki/admin.key" --embed-certs=true >/dev/null
    kubectl config --kubeconfig="$kc" set-context testenv --cluster=testenv \
      --user=testenv-admin --namespace=default >/dev/null
    kubectl config --kubeconfig="$kc" use-context testenv >/dev/null
  )
}

# ------------------------------------------------------------------- up --

up_t0=0
# log with the time since `up` started, e.g. "[+2.1s] ..."
step() {
  local ms=$((($(date +%s%N) - up_t0) / 1000000))
  log "[+$((ms / 1000)).$(((ms % 1000) / 100))s] $*"
}

up_ok=0
on_up_exit() {
  ((up_ok)) && return 0
  log "up failed; stopping what was started. Last log lines:"
  cmd_logs 20 >&2 || true
  stop_all
  log "state (logs, pki) kept in $state_dir; 'scripts/testenv.sh down' removes it"
}

cmd_up() {
  local c
  up_t0=$(date +%s%N)
  for c in kubectl openssl curl setsid flock; do
    command -v "$c" >/dev/null || die "$c is required (scripts/install-deps.sh installs openssl and curl)"
  done
  take_lock
  if [[ -f $marker ]] && all_alive; then
    log "already up (state dir $state_dir); nothing started"
    log "use: eval \"\$(scripts/testenv.sh env)\""
    return 0
  fi
  if [[ -e $state_dir ]]; then
    [[ -f $marker ]] || [[ -z $(ls -A "$state_dir") ]] ||
      die "$state_dir exists but was not made by testenv.sh; set MODELBOOSTER_TESTENV_DIR elsewhere"
    if [[ -f $marker ]]; then
      log "found a stale or partial control plane in $state_dir; cleaning it up"
      stop_all
      remove_state_dir
    fi
  fi

  cmd_build

  mkdir -p "$state_dir"/{pids,logs}
  : >"$marker"
  trap on_up_exit EXIT

  make_pki
  local pki="$state_dir/pki"
  local etcd_port etcd_peer_port api_port kcm_port
  etcd_port=$(free_port)
  etcd_peer_port=$(free_port)
  api_port=$(free_port)
  kcm_port=$(free_port)

  # etcd ------------------------------------------------------------------
  step "starting etcd $etcd_version on 127.0.0.1:$etcd_port"
  start_component etcd \
    --name=testenv --data-dir="$state_dir/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" \
    --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster="testenv=http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster-state=new --unsafe-no-fsync --log-level=warn
  wait_for etcd "etcd /health" 30 \
    bash -c "curl -fsS http://127.0.0.1:$etcd_port/health | grep -q '\"health\":\"true\"'"

  # kube-apiserver --------------------------------------------------------
  cat >"$state_dir/audit-policy.yaml" <<'YAML'
# Every request at level Metadata (who, verb, resource, response code),
# one line per request: the RequestReceived stage is left out.
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
YAML
  local api_url="https://127.0.0.1:$api_port"
  step "starting kube-apiserver $k8s_version on $api_url"
  start_component kube-apiserver \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --tls-cert-file="$pki/serving.crt" --tls-private-key-file="$pki/serving.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$pki/sa.pub" \
    --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --authorization-mode=RBAC \
    --endpoint-reconciler-type=none \
    --disable-admission-plugins=ServiceAccount \
    --audit-policy-file="$state_dir/audit-policy.yaml" \
    --audit-log-path="$state_dir/audit.log" \
    --audit-log-maxbackup=0
  wait_for kube-apiserver "kube-apiserver /readyz" 90 \
    bash -c "curl -fsS --cacert '$pki/ca.crt' --cert '$pki/admin.crt' --key '$pki/admin.key' '$api_url/readyz' | grep -qx ok"
  step "kube-apiserver ready"
  write_kubeconfig "$api_url"
  export KUBECONFIG="$state_dir/kubeconfig"

  cat >"$state_dir/testenv.env" <<EOF
KUBECONFIG=$state_dir/kubeconfig
MODELBOOSTER_TESTENV_DIR=$state_dir
MODELBOOSTER_TESTENV_APISERVER=$api_url
MODELBOOSTER_TESTENV_AUDIT_LOG=$state_dir/audit.log
MODELBOOSTER_TESTENV_BIN=$bin_dir
MODELBOOSTER_TESTENV_ETCD=http://127.0.0.1:$etcd_port
EOF

  # CRDs (before the controller manager: its garbage collector discovers
  # resource types at start and only every 30 s after that) ---------------
  local crds=()
  shopt -s nullglob
  crds=("$repo_root"/deploy/crds/*.yaml "$repo_root"/deploy/crds/*.yml)
  shopt -u nullglob
  if ((${#crds[@]})); then
    local args=() f
    for f in "${crds[@]}"; do args+=(-f "$f"); done
    step "installing ${#crds[@]} CRD file(s) from deploy/crds"
    kubectl apply --server-side --force-conflicts "${args[@]}" >"$state_dir/logs/crds.log" 2>&1 ||
      { cat "$state_dir/logs/crds.log" >&2; die "kubectl apply of deploy/crds failed"; }
    kubectl wait --for condition=established --timeout=60s "${args[@]}" >>"$state_dir/logs/crds.log" 2>&1 ||
      { cat "$state_dir/logs/crds.log" >&2; die "CRDs did not become Established"; }
  else
    step "no deploy/crds/*.yaml yet; no CRDs installed"
  fi

  # kube-controller-manager -----------------------------------------------
  step "starting kube-controller-manager (garbage collector, namespace)"
  start_component kube-controller-manager \
    --kubeconfig="$state_dir/kubeconfig" \
    --controllers=garbage-collector-controller,namespace-controller \
    --leader-elect=false \
    --use-service-account-credentials=false \
    --bind-address=127.0.0.1 --secure-port="$kcm_port" \
    --cert-dir="$state_dir/kcm-certs"
  wait_for kube-controller-manager "kube-controller-manager /healthz" 60 \
    bash -c "curl -fsSk https://127.0.0.1:$kcm_port/healthz | grep -qx ok"
  # The garbage collector only deletes once its informers have synced.
  wait_for kube-controller-manager "the garbage collector to sync" 60 \
    grep -q "Proceeding to collect garbage" "$state_dir/logs/kube-controller-manager.log"
  step "kube-controller-manager ready, garbage collector synced"

  up_ok=1
  trap - EXIT
  local ms=$((($(date +%s%N) - up_t0) / 1000000))
  log "up in $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s: kubernetes $k8s_version, etcd $etcd_version, $api_url"
  log "state, logs and audit log in $state_dir"
  log "use: eval \"\$(scripts/testenv.sh env)\""
}

# ------------------------------------------------------ other commands --

cmd_down() {
  take_lock
  if [[ ! -e $state_dir ]]; then
    log "nothing to stop ($state_dir does not exist)"
    return 0
  fi
  [[ -f $marker ]] || die "$state_dir exists but was not made by testenv.sh; not touching it"
  stop_all
  remove_state_dir
  log "down; removed $state_dir"
}

# Stops kube-apiserver and starts it again with the same arguments (same
# port, same etcd): what tests of watch resumption need.
cmd_restart_apiserver() {
  take_lock
  [[ -f $marker ]] && all_alive || die "the control plane is not up (run: scripts/testenv.sh up)"
  local -a args
  mapfile -d '' args <"$state_dir/pids/kube-apiserver.args"
  local api_url pki="$state_dir/pki"
  api_url=$(grep MODELBOOSTER_TESTENV_APISERVER "$state_dir/testenv.env" | cut -d= -f2)
  up_t0=$(date +%s%N)
  stop_component kube-apiserver
  step "restarting kube-apiserver on $api_url"
  start_component kube-apiserver "${args[@]}"
  wait_for kube-apiserver "kube-apiserver /readyz" 90 \
    bash -c "curl -fsS --cacert '$pki/ca.crt' --cert '$pki/admin.crt' --key '$pki/admin.key' '$api_url/readyz' | grep -qx ok"
  step "kube-apiserver ready again"
}

cmd_env() {
  [[ -f $marker && -f $state_dir/testenv.env ]] && all_alive ||
    die "the control plane is not up (run: scripts/testenv.sh up)"
  local k v
  while IFS='=' read -r k v; do
    printf 'export %s=%q\n' "$k" "$v"
  done <"$state_dir/testenv.env"
}

cmd_logs() { # [lines]
  local n=${1:-${LINES:-40}} c f
  if [[ ! -d $state_dir/logs ]]; then
    echo "testenv: no logs ($state_dir/logs does not exist)"
    return 0
  fi
  for c in "${components[@]}"; do
    f="$state_dir/logs/$c.log"
    [[ -f $f ]] || continue
    if pid_alive "$c"; then echo "===== $c (running) $f"; else echo "===== $c (not running) $f"; fi
    tail -n "$n" "$f"
  done
}

cmd_status() {
  if [[ -f $marker ]] && all_alive; then
    log "up: $(grep MODELBOOSTER_TESTENV_APISERVER "$state_dir/testenv.env" | cut -d= -f2) (state dir $state_dir)"
  else
    log "not up"
    return 1
  fi
}

main() {
  case "${1:-}" in
    build) cmd_build ;;
    up) cmd_up ;;
    down) cmd_down ;;
    env) cmd_env ;;
    logs) cmd_logs "${2:-}" ;;
    status) cmd_status ;;
    restart-apiserver) cmd_restart_apiserver ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

# main and exit on one line: when main starts, bash has read the whole file,
# so editing this script while a long `build` runs cannot change what runs.
main "$@"; exit

#!/usr/bin/env bash
# A real local Kubernetes control plane (etcd + kube-apiserver +
# kube-controller-manager) on 127.0.0.1 for the integration tests, and on
# top of it, unless --stack none, the Kthena serving stack of one release
# (its ModelServing controller, autoscaler, router and webhooks) with
# kube-scheduler and KWOK, so that ModelServings really become Pods that are
# scheduled onto simulated GPU/NPU nodes and run.
# The binaries are built from pinned sources (test/peers/go.mod,
# test/peers/kwok/go.mod, the Kthena tag's commit) and cached by version
# outside the repository. See docs/testing.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/testenv.sh <command> [--stack v1.0.0|v0.1.0|none]

Commands:
  build   Build (or reuse) etcd, kube-apiserver, kube-controller-manager and
          kube-scheduler from test/peers/go.mod; cached under
          ${XDG_CACHE_HOME:-~/.cache}/modelbooster/testenv/<k8s>-etcd<etcd>/bin/
          With a stack also KWOK (test/peers/kwok/go.mod; cached under
          .../modelbooster/kwok/<version>/bin/), Kthena's
          kthena-controller-manager and kthena-router for the tag (cached
          under .../modelbooster/kthena/<tag>-<commit>/bin/) and a Python
          virtual environment with the tag's runtime sidecar requirements
          from PyPI (.../modelbooster/pyenv/<tag>-<hash>/).
  up      build, create PKI, start etcd + kube-apiserver, write an admin
          kubeconfig, install our ModelBooster CRD
          (deploy/crds/workload.serving.volcano.sh_modelboosters.yaml), start
          kube-controller-manager (garbage collector, namespace). With a
          stack, first also install Kthena's own child CRDs of the tag (not
          its ModelBooster CRD), and add: kube-controller-manager's node
          lifecycle controller; kube-scheduler (profiles default-scheduler
          and volcano); KWOK with 3 GPU and 3 Ascend NPU nodes;
          kthena-controller-manager (ModelServing controller, autoscaler,
          webhooks) and kthena-router, each with its own ServiceAccount and
          in a private mount namespace; Kthena's webhook configurations
          (without its ModelBooster webhooks); last the pod agent
          (test/podagent/agent.py), which runs Kthena's runtime sidecar and
          a fake vLLM/SGLang engine on the IP of every Running serving pod
          in the pod CIDR (in namespaces with the pod agent's label).
          Waits until each is healthy.
          No-op if already running with the same stack; an error if running
          with another one.
  down    Stop the processes that `up` started (the pod agent and what it
          started included) and remove the state dir.
  env     Print export lines; use: eval "$(scripts/testenv.sh env)". With a
          stack they include MODELBOOSTER_TESTENV_ROUTER (the router's
          base URL) and MODELBOOSTER_TESTENV_POD_AGENT_DIR.
  logs    Print the tail of each component's log, the pod agent's too
          (LINES=n, default 40).
  status  Say whether the control plane (and the stack, pod agent
          included) is up.
  restart-apiserver
          Stop kube-apiserver and start it again with the same arguments
          (for tests of watch resumption).
  --help  This text.

Options (build, up):
  --stack TAG   Kthena release to run: v1.0.0 (default), v0.1.0, or none
                (the control plane only, as before the stacks existed).

Environment:
  MODELBOOSTER_TESTENV_STACK  default for --stack (v1.0.0 if unset)
  MODELBOOSTER_TESTENV_DIR    state dir (default: <repo>/.testenv-state)
  MODELBOOSTER_TESTENV_POD_CIDR
                              pod IPs KWOK hands out and the pod agent
                              serves: 127.N.0.0/16 (default 127.20.0.0/16);
                              two environments side by side need two ranges
                              and two state dirs
  MODELBOOSTER_TESTENV_POD_AGENT_SELECTOR
                              the namespace label the pod agent serves
                              (default modelbooster.testenv/pod-agent=enabled;
                              empty: every namespace)
  MODELBOOSTER_TESTENV_PYTHON Python 3 for the sidecar's venv (default python3)
  KTHENA_SRC                  Kthena source checkout at the tag's commit;
                              otherwise <repo>/../shared/kthena/<tag>, else a
                              shallow git clone into the cache
  XDG_CACHE_HOME              binary cache root (default: ~/.cache)
  GO                          go command (default: go)
EOF
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module_dir="$repo_root/test/peers"
kwok_module_dir="$module_dir/kwok"
state_dir="${MODELBOOSTER_TESTENV_DIR:-$repo_root/.testenv-state}"
go_cmd="${GO:-go}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/modelbooster"
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler)
control_plane=(etcd kube-apiserver kube-controller-manager)
# In start order; `down` stops them in reverse.
stack_components=(kube-scheduler kwok kthena-controller-manager kthena-router pod-agent)

# The Kthena releases a stack can be, each pinned to its commit.
declare -A kthena_commits=(
  [v1.0.0]=2d67015a015f7fddb8b078e6a7e712eb35325246
  [v0.1.0]=f4305628734de0ec6d55d2c1ea8e0c970e7a4082
)
kthena_tags=(v1.0.0 v0.1.0)
default_stack=v1.0.0
# KWOK gives pods IPs from this range (loopback: all of 127.0.0.0/8 is on
# lo); the pod agent serves pods with an IP in it. Two environments on one
# machine need two ranges (and two state dirs).
pod_cidr=${MODELBOOSTER_TESTENV_POD_CIDR:-127.20.0.0/16}
# The pod agent serves pods only in namespaces with this label (empty: in
# every namespace); a test opts in by labelling its namespace.
pod_agent_selector=${MODELBOOSTER_TESTENV_POD_AGENT_SELECTOR-modelbooster.testenv/pod-agent=enabled}
kthena_namespace=kthena-system
kthena_repo_url=https://github.com/volcano-sh/kthena

log() { printf 'testenv: %s\n' "$*" >&2; }
die() { printf 'testenv: error: %s\n' "$*" >&2; exit 1; }

# Versions are read from the pinned go.mod files, so the cache keys follow them.
mod_version() { # go.mod module
  awk -v m="$2" '$1 == m && $2 ~ /^v[0-9]/ { print $2; exit }' "$1"
}
k8s_version=$(mod_version "$module_dir/go.mod" k8s.io/kubernetes)
etcd_version=$(mod_version "$module_dir/go.mod" go.etcd.io/etcd/server/v3)
[[ -n $k8s_version && -n $etcd_version ]] || die "cannot read versions from $module_dir/go.mod"
cache_dir="$cache_root/testenv/${k8s_version}-etcd${etcd_version}"
bin_dir="$cache_dir/bin"
kwok_version=$(mod_version "$kwok_module_dir/go.mod" sigs.k8s.io/kwok)
[[ -n $kwok_version ]] || die "cannot read the kwok version from $kwok_module_dir/go.mod"
kwok_cache="$cache_root/kwok/$kwok_version"
kwok_bin="$kwok_cache/bin"

# ---------------------------------------------------------------- stack --

stack=""
components=()
kthena_commit="" kthena_cache="" kthena_bin="" kthena_charts=""

# Select the stack: sets `stack`, `components` and the Kthena cache paths.
set_stack() { # v1.0.0|v0.1.0|none
  local s=$1
  if [[ $s != none && -z ${kthena_commits[$s]+set} ]]; then
    local list
    list=$(printf '%s, ' "${kthena_tags[@]}")
    die "unknown stack '$s': supported are ${list%, } (Kthena releases) and none"
  fi
  stack=$s
  components=("${control_plane[@]}")
  kthena_commit="" kthena_cache="" kthena_bin="" kthena_charts=""
  [[ $s == none ]] && return 0
  components+=("${stack_components[@]}")
  kthena_commit=${kthena_commits[$s]}
  kthena_cache="$cache_root/kthena/${s}-${kthena_commit:0:12}"
  kthena_bin="$kthena_cache/bin"
  kthena_charts="$kthena_cache/src/charts/kthena/charts"
  pyenv_requirements="$(kthena_requirements_source)"
  pyenv_dir="$cache_root/pyenv/${s}-$(pyenv_key)"
}

# The pod agent runs Kthena's runtime sidecar from the tag's source, in a
# virtual environment with the tag's python/kthena/runtime/requirements.txt
# from PyPI, cached by tag and by a hash of that file and the interpreter.
pyenv_python=${MODELBOOSTER_TESTENV_PYTHON:-python3}
pyenv_requirements="" pyenv_dir=""
kthena_requirements_source() {
  local f
  for f in "$kthena_cache/src" "${KTHENA_SRC:-}" "$repo_root/../shared/kthena/$stack"; do
    [[ -n $f && -f $f/python/kthena/runtime/requirements.txt ]] && { echo "$f/python/kthena/runtime/requirements.txt"; return; }
  done
}
pyenv_key() {
  if [[ -n $pyenv_requirements ]]; then
    { cat "$pyenv_requirements"; "$pyenv_python" -c 'import sys; print(sys.version)' 2>/dev/null; } |
      sha256sum | cut -c1-12
  else
    echo unknown
  fi
}

# The stack of the control plane in the state dir ("none" for one started
# before stacks existed).
recorded_stack() {
  if [[ -f $state_dir/stack ]]; then cat "$state_dir/stack"; else echo none; fi
}

# Where the executable of a component is.
component_exe() { # component
  case $1 in
    kwok) echo "$kwok_bin/kwok" ;;
    kthena-*) echo "$kthena_bin/$1" ;;
    # The pod agent is a Python script; its pid shows the interpreter.
    pod-agent) echo "$pyenv_dir/bin/python" ;;
    *) echo "$bin_dir/$1" ;;
  esac
}

# -------------------------------------------------------------- builds --

have_binaries() {
  local c
  for c in "${binaries[@]}"; do [[ -x $bin_dir/$c ]] || return 1; done
}

# needs_build WHAT HAVE_FN CACHE_DIR BIN_DIR: 1 (nothing to do) when HAVE_FN
# finds WHAT in BIN_DIR, before or after waiting for another build of it;
# else 0, holding CACHE_DIR's build lock until this shell exits. One build
# per version at a time: a second caller waits, then reuses the first's.
needs_build() {
  local what=$1 have=$2 cache=$3 bin=$4 fd
  if "$have"; then
    log "$what is cached in $bin"
    return 1
  fi
  mkdir -p "$cache"
  exec {fd}>"$cache/.build.lock"
  if ! flock -n "$fd"; then
    log "another build of $what is running; waiting for it"
    flock "$fd"
  fi
  if "$have"; then
    log "$what is cached in $bin"
    return 1
  fi
}

build_kubernetes() {
  needs_build "kubernetes $k8s_version / etcd $etcd_version" have_binaries "$cache_dir" "$bin_dir" || return 0
  command -v "$go_cmd" >/dev/null || die "go not found (need Go >= $(awk '$1=="go"{print $2}' "$module_dir/go.mod"))"
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
      k8s.io/kubernetes/cmd/kube-scheduler \
      go.etcd.io/etcd/server/v3
  )
  # go names the binary of .../server/v3 after "server".
  mv "$tmp/server" "$tmp/etcd"
  for c in "${binaries[@]}"; do [[ -x $tmp/$c ]] || die "build did not produce $c"; done
  chmod 755 "$tmp"
  rm -rf "$bin_dir"
  mv -T "$tmp" "$bin_dir"
  trap - EXIT
  log "built in $((SECONDS - start)) s into $bin_dir"
  if [[ -f $cache_dir/build-time.txt ]]; then
    grep -E 'Elapsed|Maximum resident' "$cache_dir/build-time.txt" | sed 's/^\s*/testenv:   /' >&2 || true
  fi
}

# KWOK's stages, in the order they are concatenated into its --config.
# Nodes heartbeat through their Lease, as kubelets do (KWOK renews it every
# quarter of --node-lease-duration-seconds from a controller of its own), and
# post their status only every 10 minutes. The status-only heartbeat
# (node/heartbeat, every 20-25 s from the workers that also move pods) was
# once late past the node lifecycle controller's 50 s grace on 2 busy cores:
# the controller marked the node's pods NotReady, and KWOK never makes a
# Running pod Ready again (e2e.lora_faults failed in CI on v0.1.0).
kwok_stages=(node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml)
kwok_node_lease_s=40

# A cached build counts only if its stages file holds today's stage list (a
# cache from before a change of kwok_stages is rebuilt).
have_kwok() {
  [[ -x $kwok_bin/kwok && -s $kwok_bin/kwok-stages.yaml ]] &&
    grep -qxF "# stages: ${kwok_stages[*]}" "$kwok_bin/kwok-stages.yaml"
}

# KWOK from its own wrapper module (test/peers/kwok): its k8s.io/* requirements
# cannot change the Kubernetes build. The stages ship in the module.
build_kwok() {
  needs_build "kwok $kwok_version" have_kwok "$kwok_cache" "$kwok_bin" || return 0
  command -v "$go_cmd" >/dev/null || die "go not found (needed to build kwok)"
  rm -rf "$kwok_cache"/bin.tmp.*
  local tmp f stage_root
  tmp=$(mktemp -d "$kwok_cache/bin.tmp.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  log "building kwok $kwok_version (cold: about 70 s on 2 cores)"
  local start=$SECONDS
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$kwok_cache/build-time.txt")
  (
    cd "$kwok_module_dir"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly"
    "${timer[@]}" nice -n 10 "$go_cmd" build -trimpath -ldflags "-s -w" -o "$tmp/" sigs.k8s.io/kwok/cmd/kwok
  )
  [[ -x $tmp/kwok ]] || die "build did not produce kwok"
  stage_root=$(cd "$kwok_module_dir" && GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -mod=readonly" \
    "$go_cmd" list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
  {
    echo "# KWOK $kwok_version stages from $stage_root, concatenated by scripts/testenv.sh"
    echo "# stages: ${kwok_stages[*]}"
    for f in "${kwok_stages[@]}"; do
      [[ -f $stage_root/$f ]] || die "kwok stage $stage_root/$f not found"
      echo "---"
      cat "$stage_root/$f"
    done
  } >"$tmp/kwok-stages.yaml"
  chmod 755 "$tmp"
  rm -rf "$kwok_bin"
  mv -T "$tmp" "$kwok_bin"
  trap - EXIT
  log "built kwok in $((SECONDS - start)) s into $kwok_bin"
}

have_kthena() {
  [[ -x $kthena_bin/kthena-controller-manager && -x $kthena_bin/kthena-router &&
    -d $kthena_charts/workload/crds && -d $kthena_charts/networking/crds ]]
}

# Why a directory is not a Kthena source tree at the pinned commit; empty
# when it is one.
kthena_src_problem() { # dir
  local d=$1 head
  [[ -d $d ]] || { echo "does not exist"; return; }
  [[ -f $d/go.mod ]] && grep -q '^module github.com/volcano-sh/kthena$' "$d/go.mod" ||
    { echo "has no go.mod of module github.com/volcano-sh/kthena"; return; }
  [[ -d $d/cmd/kthena-controller-manager && -d $d/cmd/kthena-router && -d $d/charts/kthena/charts/workload/crds ]] ||
    { echo "lacks cmd/kthena-controller-manager, cmd/kthena-router or charts/kthena/charts/workload/crds"; return; }
  if [[ -e $d/.git ]] && head=$(git -C "$d" rev-parse HEAD 2>/dev/null); then
    [[ $head == "$kthena_commit" ]] || { echo "is a git checkout at $head, not $stack's commit $kthena_commit"; return; }
  fi
}

# Sets kthena_src to the first usable source: $KTHENA_SRC, then
# <repo>/../shared/kthena/<tag>, then a shallow clone into the cache.
find_kthena_src() {
  local tried=() problem shared
  kthena_src=""
  if [[ -n ${KTHENA_SRC:-} ]]; then
    problem=$(kthena_src_problem "$KTHENA_SRC")
    if [[ -z $problem ]]; then kthena_src=$KTHENA_SRC; return 0; fi
    tried+=("\$KTHENA_SRC=$KTHENA_SRC: $problem")
  else
    tried+=("\$KTHENA_SRC: not set")
  fi
  shared=$(realpath -m "$repo_root/../shared/kthena/$stack")
  problem=$(kthena_src_problem "$shared")
  if [[ -z $problem ]]; then kthena_src=$shared; return 0; fi
  tried+=("$shared: $problem")
  local clone="$kthena_cache/clone"
  rm -rf "$clone"
  log "cloning $kthena_repo_url at $stack into $clone"
  if GIT_TERMINAL_PROMPT=0 timeout 300 git clone --quiet --depth 1 --branch "$stack" \
    "$kthena_repo_url" "$clone" >"$kthena_cache/clone.log" 2>&1; then
    problem=$(kthena_src_problem "$clone")
    if [[ -z $problem ]]; then kthena_src=$clone; return 0; fi
    tried+=("git clone --depth 1 --branch $stack $kthena_repo_url: the clone $problem")
  else
    tried+=("git clone --depth 1 --branch $stack $kthena_repo_url: failed ($(tail -n 1 "$kthena_cache/clone.log"))")
  fi
  rm -rf "$clone"
  local msg="no Kthena $stack source (commit $kthena_commit) found. Tried, in order:" i
  for ((i = 0; i < ${#tried[@]}; i++)); do msg+=$'\n'"  $((i + 1)). ${tried[i]}"; done
  msg+=$'\n'"Point KTHENA_SRC at a checkout of $kthena_repo_url at $stack, or use --stack none."
  die "$msg"
}

# kthena-controller-manager and kthena-router of the tag, built from a
# writable copy of the source outside the repository (the build may write
# go.mod/go.sum). up reads the tag's CRDs and chart templates from that copy.
build_kthena() {
  needs_build "kthena $stack" have_kthena "$kthena_cache" "$kthena_bin" || return 0
  command -v "$go_cmd" >/dev/null || die "go not found (needed to build kthena)"
  find_kthena_src
  rm -rf "$kthena_cache"/bin.tmp.* "$kthena_cache/src"
  cp -r "$kthena_src" "$kthena_cache/src"
  chmod -R u+w "$kthena_cache/src"
  printf 'tag %s\ncommit %s\nsource %s\n' "$stack" "$kthena_commit" "$kthena_src" >"$kthena_cache/source.txt"
  local tmp c
  tmp=$(mktemp -d "$kthena_cache/bin.tmp.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  log "building kthena $stack from $kthena_src (cold: about 2 min per tag on 2 cores)"
  local start=$SECONDS
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$kthena_cache/build-time.txt")
  (
    cd "$kthena_cache/src"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod"
    "${timer[@]}" nice -n 10 "$go_cmd" build -trimpath -ldflags "-s -w" -o "$tmp/" \
      ./cmd/kthena-controller-manager ./cmd/kthena-router
  )
  for c in kthena-controller-manager kthena-router; do [[ -x $tmp/$c ]] || die "build did not produce $c"; done
  chmod 755 "$tmp"
  rm -rf "$kthena_bin"
  mv -T "$tmp" "$kthena_bin"
  trap - EXIT
  log "built kthena $stack in $((SECONDS - start)) s into $kthena_bin"
}

have_pyenv() { [[ -x $pyenv_dir/bin/python && -f $pyenv_dir/.complete ]]; }

# The runtime sidecar's virtual environment (python3-venv; packages from
# PyPI through pip as configured on the machine). Made in a temporary
# directory and renamed when complete; the sidecar is run through
# <venv>/bin/python, which finds its site-packages relative to itself, so
# the rename is safe (pip's own scripts are not used afterwards).
build_pyenv() {
  local cache=$cache_root/pyenv
  pyenv_requirements=$(kthena_requirements_source)
  [[ -n $pyenv_requirements ]] || die "no python/kthena/runtime/requirements.txt in Kthena $stack's source"
  pyenv_dir="$cache/${stack}-$(pyenv_key)"
  needs_build "the runtime sidecar's Python environment ($stack)" have_pyenv "$cache" "$pyenv_dir" || return 0
  command -v "$pyenv_python" >/dev/null || die "$pyenv_python not found (the pod agent needs Python 3 with venv)"
  rm -rf "$pyenv_dir" "$cache/${stack}-"*.tmp.*
  local tmp start=$SECONDS
  tmp=$(mktemp -d "$pyenv_dir.tmp.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  log "making the runtime sidecar's virtual environment for $stack ($pyenv_requirements) in $pyenv_dir"
  "$pyenv_python" -m venv "$tmp" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  nice -n 10 "$tmp/bin/python" -m pip install --quiet --disable-pip-version-check -r "$pyenv_requirements" ||
    die "pip install -r $pyenv_requirements failed"
  cp "$pyenv_requirements" "$tmp/requirements.txt"
  : >"$tmp/.complete"
  mv -T "$tmp" "$pyenv_dir"
  trap - EXIT
  log "made it in $((SECONDS - start)) s"
}

# One Go build at a time (the machine may have few cores).
cmd_build() {
  build_kubernetes
  [[ $stack == none ]] && return 0
  build_kwok
  build_kthena
  build_pyenv
}

# ---------------------------------------------------------------- state --

marker="$state_dir/.modelbooster-testenv"
lock_root="$cache_root/testenv"

# One `up`/`down` at a time on this machine.
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
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]] || return 1
  # The pod agent's executable is a Python interpreter: any Python
  # process could have been given the pid, so its script must match too.
  [[ $1 != pod-agent ]] || tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qx "$repo_root/test/podagent/agent.py"
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
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do
    stop_component "${components[i]}"
    if [[ ${components[i]} == pod-agent ]]; then stop_agent_children; fi
  done
}

# The pod agent stops its children (sidecars, fake engines) when it gets
# TERM, and the kernel sends them TERM when it dies (pdeathsig); should any
# be left, its children file names them as "<pid> <executable>".
stop_agent_children() {
  local f="$state_dir/podagent/children" pid exe left=()
  [[ -f $f ]] || return 0
  while read -r pid exe; do
    if [[ -n $pid && $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]]; then left+=("$pid"); fi
  done <"$f"
  ((${#left[@]})) || return 0
  log "stopping ${#left[@]} process(es) the pod agent left: ${left[*]}"
  kill -TERM "${left[@]}" 2>/dev/null || true
  sleep 2
  while read -r pid exe; do
    if [[ -n $pid && $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
  done <"$f"
  return 0
}

remove_state_dir() {
  [[ -e $state_dir ]] || return 0
  [[ -f $marker ]] || die "$state_dir exists but was not made by testenv.sh; not removing it"
  rm -rf "$state_dir"
}

# Start a component in its own session, output to its log; record its pid.
# With IN_CLUSTER=1 it runs as if in a pod (scripts/lib/incluster-exec.sh: a
# private mount namespace with a ServiceAccount directory); extra
# environment comes as NAME=value words before "--".
start_component() { # component [NAME=value... --] args...
  local c=$1
  shift
  local envs=()
  while [[ ${1:-} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
    envs+=("$1")
    shift
  done
  [[ ${1:-} == -- ]] && shift
  local exe launcher=()
  # The canonical path: /proc/<pid>/exe shows it so even when the cache
  # is reached through a symlink.
  exe=$(readlink -f "$(component_exe "$c")")
  if ((${IN_CLUSTER:-0})); then
    launcher=("$repo_root/scripts/lib/incluster-exec.sh" "$state_dir/kthena/$c")
  fi
  # 6>&- ... 9>&-: the daemons must not inherit (and so hold) the script's locks.
  # Keep the exact arguments: restart-apiserver starts the same process again.
  printf '%s\0' "$@" >"$state_dir/pids/$c.args"
  setsid env "${envs[@]}" "${launcher[@]}" "$exe" "$@" </dev/null >>"$state_dir/logs/$c.log" 2>&1 6>&- 7>&- 8>&- 9>&- &
  local pid=$!
  echo "$pid $exe" >"$state_dir/pids/$c.pid"
  # setsid, env, the wrapper and unshare all exec, so the pid becomes the
  # binary itself; wait for that, so that pid_alive means "running".
  local i
  for ((i = 0; i < 100; i++)); do
    pid_alive "$c" && return 0
    [[ -e /proc/$pid ]] || break
    sleep 0.05
  done
  pid_alive "$c" || die "$c did not start (see $state_dir/logs/$c.log)"
}

# A free TCP port on 127.0.0.1 (random, probed; distinct within one `up`).
# Drawn from 10000-19999: below the kernel's ephemeral range (32768+ by
# default), where the source ports of the apiserver's many etcd connections
# come from, so a port picked before the apiserver starts cannot be taken as
# one (a CI run lost kube-controller-manager's port that way), and apart
# from the e2e suite's 20000-31999.
used_ports=" "
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % 10000))
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

# A kubeconfig for the API server: the admin's client certificate, or the
# given bearer token (written directly: four `kubectl config` calls cost
# about a second).
write_kubeconfig() { # server-url [file token]
  local server=$1 kc=${2:-$state_dir/kubeconfig} token=${3:-} pki="$state_dir/pki" user
  if [[ -n $token ]]; then
    user="    token: $token"
  else
    user="    client-certificate-data: $(base64 -w0 "$pki/admin.crt")
    client-key-data: $(base64 -w0 "$pki/admin.key")"
  fi
  (
    umask 077
    cat >"$kc" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: testenv-user
  user:
$user
contexts:
- name: testenv
  context:
    cluster: testenv
    user: testenv-user
    namespace: default
current-context: testenv
EOF
  )
}

# --------------------------------------------------- Kthena's templates --

# The chart values testenv installs with, as the conditions the templates
# test. Webhooks are registered as in the chart's "manual" certificate mode
# (we bring the CA); no cert-manager, no Gateway API.
chart_conditions='.Values.controllerManager.webhook.enabled|1;and .Values.kthenaRouter.enabled .Values.kthenaRouter.webhook.enabled|1;eq .Values.global.certManagementMode "cert-manager"|0;eq .Values.global.certManagementMode "manual"|1;.Values.global.certManager.enabled|0;not .Values.global.certManager.enabled|1;.Values.kthenaRouter.gatewayAPI.enabled|0;.Values.kthenaRouter.gatewayAPI.inferenceExtension|0'

# Render one of Kthena's chart templates (helm is not available). Only the
# constructs those templates use are understood; any other template
# expression is an error, so a changed chart is noticed, not misrendered.
render_chart_template() { # file chart-name (the subchart's name: workload or networking)
  awk -v name="$2" -v ns="$kthena_namespace" -v conds="$chart_conditions" '
    function directive(line) {
      if (line !~ /^[ \t]*\{\{-?[ \t]/ || line !~ /[ \t]-?\}\}[ \t]*$/) return ""
      sub(/^[ \t]*\{\{-?[ \t]+/, "", line)
      sub(/[ \t]+-?\}\}[ \t]*$/, "", line)
      return line
    }
    function fail(msg) { printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; bad = 1; exit 3 }
    BEGIN {
      n = split(conds, items, ";")
      for (i = 1; i <= n; i++) { p = index(items[i], "|"); C[substr(items[i], 1, p - 1)] = substr(items[i], p + 1) + 0 }
      depth = 0; on[0] = 1
    }
    {
      d = directive($0)
      if (d ~ /^if /) {
        c = substr(d, 4)
        if (!(c in C)) fail("unknown template condition: " c)
        depth++; parent[depth] = on[depth - 1]; taken[depth] = C[c]; on[depth] = parent[depth] && C[c]
        next
      }
      if (d == "else") { on[depth] = parent[depth] && !taken[depth]; next }
      if (d == "end") { if (depth == 0) fail("unbalanced end"); depth--; next }
      if (!on[depth]) next
      if (d ~ /^include "kthena\.labels"/) next
      line = $0
      gsub(/\{\{ include "kthena\.name" \. \}\}/, name, line)
      gsub(/\{\{ \.Release\.Namespace \}\}/, ns, line)
      gsub(/\{\{ \.Values\.kthenaRouter\.webhook\.servicePort \}\}/, "443", line)
      gsub(/\{\{ required "[^"]*" \.Values\.[A-Za-z.]*caBundle \| quote \}\}/, "\"\"", line)
      gsub(/\{\{ required "[^"]*" \.Values\.[A-Za-z.]*caBundle \}\}/, "\"\"", line)
      if (line ~ /\{\{/) fail("unknown template expression: " line)
      print line
    }
    END { if (!bad && depth != 0) { printf "%s: unbalanced if/end\n", FILENAME > "/dev/stderr"; exit 3 } }
  ' "$1"
}

# A chart template as JSON.
chart_json() { # file chart-name
  local out
  out=$(render_chart_template "$1" "$2") || die "cannot render $1"
  yq . <<<"$out" || die "rendered $1 is not YAML"
}

# Kthena's webhook configuration as its chart registers it, pointed at
# https://127.0.0.1:<port><path> with our CA, failurePolicy Fail, minus the
# webhooks for ModelBoosters (ours replace them; in v0.1.0 they are the
# "model" webhooks). Prints nothing when no webhook is left.
webhook_json() { # file chart-name port
  local ca
  ca=$(base64 -w0 "$state_dir/pki/ca.crt")
  chart_json "$1" "$2" | jq -c --arg base "https://127.0.0.1:$3" --arg ca "$ca" '
    .webhooks |= (map(select([.rules[].resources[]] | any(. == "modelboosters" or . == "models") | not))
      | map(.failurePolicy = "Fail" | .clientConfig = {url: ($base + .clientConfig.service.path), caBundle: $ca}))
    | .metadata.labels["app.kubernetes.io/managed-by"] = "modelbooster-testenv"
    | select(.webhooks | length > 0)'
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

# Install CRD files server-side and wait until they are Established.
install_crds() { # files...
  local args=() f
  for f in "$@"; do args+=(-f "$f"); done
  kubectl apply --server-side --force-conflicts "${args[@]}" >>"$state_dir/logs/crds.log" 2>&1 ||
    { cat "$state_dir/logs/crds.log" >&2; die "kubectl apply of the CRDs failed"; }
  # Polled: kubectl (1.32) wait fails at once, instead of waiting, on a CRD
  # whose status has no conditions yet.
  local deadline=$((SECONDS + 60))
  until kubectl wait --for condition=established --timeout=10s "${args[@]}" >>"$state_dir/logs/crds.log" 2>&1; do
    pid_alive kube-apiserver || die "kube-apiserver exited while waiting for the CRDs (see $state_dir/logs/kube-apiserver.log)"
    ((SECONDS < deadline)) || { cat "$state_dir/logs/crds.log" >&2; die "CRDs did not become Established in 60 s"; }
    sleep 0.2
  done
}

# Simulated nodes KWOK manages (annotation kwok.x-k8s.io/node: fake).
# GPU nodes: nvidia.com/gpu 8. Ascend nodes: huawei.com/ascend-1980 8 and
# the label our NPU pods are pinned to (src/core/pod.cc, default chip of
# --npu-chip-name).
gpu_nodes=3
npu_nodes=3
npu_chip_label=node.kubernetes.io/npu.chip.name
npu_chip=Ascend910
node_json() { # name kind(gpu|npu)
  local name=$1 kind=$2 accel labels
  if [[ $kind == gpu ]]; then
    accel='"nvidia.com/gpu": "8"'
    labels='"nvidia.com/gpu.present": "true"'
  else
    accel='"huawei.com/ascend-1980": "8"'
    labels="\"$npu_chip_label\": \"$npu_chip\""
  fi
  local res="\"cpu\": \"64\", \"memory\": \"512Gi\", \"pods\": \"110\", \"ephemeral-storage\": \"1Ti\", $accel"
  cat <<EOF
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "$name",
   "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
   "labels": {"kubernetes.io/hostname": "$name", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "type": "kwok", "modelbooster.testenv/accelerator": "$kind", $labels}},
 "spec": {},
 "status": {"capacity": {$res}, "allocatable": {$res}}}
EOF
}

nodes_untainted() {
  local out
  out=$(kubectl get nodes -l type=kwok -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.taints[*].key}{"\n"}{end}')
  [[ $(wc -l <<<"$out") -eq $((gpu_nodes + npu_nodes)) ]] && ! grep -q 'not-ready\|unreachable' <<<"$out"
}

# Identity for a Kthena component: ServiceAccount (made by the caller's
# RBAC objects), a 24 h token, the files a pod would see under
# /var/run/secrets/kubernetes.io/serviceaccount, and a kubeconfig.
write_incluster_identity() { # component api_url
  local c=$1 d="$state_dir/kthena/$1" token
  mkdir -p "$d/serviceaccount" "$d/mnt"
  token=$(kubectl -n "$kthena_namespace" create token "$c" --duration=24h) || die "cannot mint a token for $c"
  (
    umask 077
    printf '%s' "$token" >"$d/serviceaccount/token"
    cp "$state_dir/pki/ca.crt" "$d/serviceaccount/ca.crt"
    printf '%s' "$kthena_namespace" >"$d/serviceaccount/namespace"
  )
  write_kubeconfig "$2" "$d/kubeconfig" "$token"
}

# RBAC of Kthena's chart for the tag: ServiceAccounts, ClusterRoles (the
# controller manager's without any rule on modelboosters: ours is the only
# booster controller) and their bindings.
kthena_rbac_json() {
  local sa crb cm_role router_role
  cm_role=$(chart_json "$kthena_charts/workload/templates/kthena-controller-manager/rbac/cluster-role.yaml" workload |
    jq -c '.rules |= (map(.resources |= map(select(. != "modelboosters" and (startswith("modelboosters/") | not))))
                     | map(select(.resources | length > 0)))')
  jq -e '[.rules[].resources[]] | any(test("modelbooster")) | not' <<<"$cm_role" >/dev/null ||
    die "the rendered ClusterRole still has a rule on modelboosters"
  router_role=$(chart_json "$kthena_charts/networking/templates/kthena-router/rbac/cluster-role.yaml" networking)
  local items=("$cm_role" "$router_role") c
  for c in kthena-controller-manager kthena-router; do
    items+=("{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"$c\",\"namespace\":\"$kthena_namespace\"}}")
    items+=("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"$c\"},
      \"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"$c\"},
      \"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"$c\",\"namespace\":\"$kthena_namespace\"}]}")
  done
  printf '%s\n' "${items[@]}" | jq -s '{apiVersion: "v1", kind: "List", items: .}'
}

# Small objects `up` dry-runs (server-side) to prove the CRDs and webhooks
# answer end to end. Written to the state dir for reference.
probe_modelserving() { # name
  local sched=""
  [[ $stack == v0.1.0 ]] && sched="  schedulerName: volcano"
  cat <<EOF
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelServing
metadata:
  name: $1
  namespace: $kthena_namespace
spec:
$sched
  replicas: 1
  template:
    roles:
      - name: engine
        replicas: 1
        workerReplicas: 0
        entryTemplate:
          spec:
            containers:
              - name: engine
                image: registry.k8s.io/pause:3.10
EOF
}

probe_modelroute() { # name regex
  cat <<EOF
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata:
  name: $1
  namespace: $kthena_namespace
spec:
  modelName: probe
  rules:
    - name: default
      modelMatch:
        uri:
          regex: "$2"
      targetModels:
        - modelServerName: probe
EOF
}

probe_modelserver() {
  cat <<EOF
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata:
  name: probe
  namespace: $kthena_namespace
spec:
  inferenceEngine: vLLM
  workloadSelector:
    matchLabels:
      app: probe
EOF
}

probe_autoscalingpolicy() {
  cat <<EOF
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: AutoscalingPolicy
metadata:
  name: probe
  namespace: $kthena_namespace
spec:
  metrics:
    - name: kthena:num_requests_waiting
      targetValue: "10"
  homogeneousTarget:
    target:
      targetRef:
        kind: ModelServing
        name: probe
    minReplicas: 1
    maxReplicas: 2
EOF
}

dry_run() { # file
  kubectl apply --dry-run=server -o json -f "$1"
}

# Succeeds when the API server refuses the object through the named webhook.
denied_by_webhook() { # webhook-name file
  local out
  if out=$(kubectl apply --dry-run=server -f "$2" 2>&1); then return 1; fi
  [[ $out == *"admission webhook \"$1\" denied the request"* ]]
}

mutated_by_webhook() { # file
  dry_run "$1" | jq -e '.spec.behavior != null' >/dev/null
}

start_stack() { # api_url
  local api_url=$1 pki="$state_dir/pki" api_port=${1##*:}
  local sched_port kwok_port cm_port router_port router_wh_port router_debug_port what
  sched_port=$(free_port)
  kwok_port=$(free_port)
  cm_port=$(free_port)
  router_port=$(free_port)
  router_wh_port=$(free_port)
  router_debug_port=$(free_port)

  # kube-scheduler ----------------------------------------------------------
  cat >"$state_dir/kube-scheduler.yaml" <<EOF
# Two profiles: Kthena v1.0 pods ask for schedulerName volcano (and v0.1's
# webhook accepts only that); with no Volcano installed, a default profile
# of that name binds them.
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: $state_dir/kubeconfig
leaderElection:
  leaderElect: false
profiles:
  - schedulerName: default-scheduler
  - schedulerName: volcano
EOF
  step "starting kube-scheduler $k8s_version (profiles default-scheduler, volcano) on 127.0.0.1:$sched_port"
  start_component kube-scheduler \
    --config="$state_dir/kube-scheduler.yaml" \
    --bind-address=127.0.0.1 --secure-port="$sched_port" \
    --tls-cert-file="$pki/serving.crt" --tls-private-key-file="$pki/serving.key"
  wait_for kube-scheduler "kube-scheduler /readyz" 60 \
    bash -c "curl -fsS --cacert '$pki/ca.crt' https://127.0.0.1:$sched_port/readyz | grep -qx ok"
  step "kube-scheduler ready"

  # KWOK and its nodes -----------------------------------------------------
  step "starting kwok $kwok_version (pod CIDR $pod_cidr, node IP 127.0.0.9) on 127.0.0.1:$kwok_port"
  start_component kwok \
    --kubeconfig="$state_dir/kubeconfig" \
    --config="$kwok_bin/kwok-stages.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds="$kwok_node_lease_s" \
    --cidr="$pod_cidr" --node-ip=127.0.0.9 \
    --server-address="127.0.0.1:$kwok_port"
  wait_for kwok "kwok /healthz" 60 curl -fsS "http://127.0.0.1:$kwok_port/healthz"
  local i nodes=()
  for ((i = 0; i < gpu_nodes; i++)); do nodes+=("$(node_json "kwok-gpu-$i" gpu)"); done
  for ((i = 0; i < npu_nodes; i++)); do nodes+=("$(node_json "kwok-npu-$i" npu)"); done
  printf '%s\n' "${nodes[@]}" | jq -s '{apiVersion: "v1", kind: "List", items: .}' >"$state_dir/nodes.json"
  kubectl create -f "$state_dir/nodes.json" >/dev/null || die "cannot create the kwok nodes"
  wait_for kwok "kwok to report the nodes Ready" 60 \
    kubectl wait --for=condition=Ready nodes -l type=kwok --timeout=1s
  # The API server taints every new node not-ready; the node lifecycle
  # controller lifts the taint once the node reports Ready.
  wait_for kube-controller-manager "the not-ready taint to be removed from the nodes" 60 nodes_untainted
  step "$gpu_nodes GPU + $npu_nodes Ascend kwok nodes Ready and untainted"

  # Kthena identities --------------------------------------------------------
  kubectl create namespace "$kthena_namespace" >/dev/null
  kthena_rbac_json >"$state_dir/kthena/rbac.json"
  kubectl apply --server-side -f "$state_dir/kthena/rbac.json" >/dev/null || die "cannot apply Kthena's RBAC"
  write_incluster_identity kthena-controller-manager "$api_url"
  write_incluster_identity kthena-router "$api_url"
  local router_cfg="$state_dir/kthena/kthena-router/etc-config"
  mkdir -p "$router_cfg"
  chart_json "$kthena_charts/networking/templates/kthena-router/component/configmap.yaml" networking |
    jq -er '.data.routerConfiguration' >"$router_cfg/routerConfiguration.yaml" ||
    die "no routerConfiguration in Kthena's router ConfigMap"
  local incluster_env=(KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$api_port"
    POD_NAMESPACE="$kthena_namespace")

  # kthena-controller-manager -------------------------------------------------
  local cm_args=(--kubeconfig="$state_dir/kthena/kthena-controller-manager/kubeconfig" --v=2
    --tls-cert-file="$pki/serving.crt" --tls-private-key-file="$pki/serving.key" --port="$cm_port")
  if [[ $stack == v0.1.0 ]]; then
    what="all controllers: v0.1.0 has no --controllers; RBAC refuses the booster controller its modelboosters"
  else
    # As the chart passes them; the certificate files exist, so it neither
    # makes a Secret nor patches the webhook configurations.
    cm_args+=(--controllers=modelserving,autoscaler
      --cert-secret-name=kthena-controller-manager-webhook-certs
      --service-name=kthena-controller-manager-webhook)
    what="controllers modelserving,autoscaler"
  fi
  step "starting kthena-controller-manager $stack ($what), webhooks on https://127.0.0.1:$cm_port"
  IN_CLUSTER=1 start_component kthena-controller-manager "${incluster_env[@]}" -- "${cm_args[@]}"
  wait_for kthena-controller-manager "kthena-controller-manager webhook /healthz" 60 \
    curl -fsS --cacert "$pki/ca.crt" "https://127.0.0.1:$cm_port/healthz"
  wait_for kthena-controller-manager "the ModelServing controller's caches to sync" 60 \
    grep -q "initial sync has been done" "$state_dir/logs/kthena-controller-manager.log"
  step "kthena-controller-manager ready"

  # kthena-router ------------------------------------------------------------
  local router_args=(--port="$router_port" --enable-webhook=true --webhook-port="$router_wh_port"
    --webhook-tls-cert-file="$pki/serving.crt" --webhook-tls-private-key-file="$pki/serving.key")
  local router_env=(ACCESS_LOG_ENABLED=true ACCESS_LOG_FORMAT=text ACCESS_LOG_OUTPUT=stdout)
  if [[ $stack == v0.1.0 ]]; then
    router_env+=(ENABLE_FAIRNESS_SCHEDULING=false)
  else
    router_args+=(--debug-port="$router_debug_port" --enable-gateway-api=false
      --cert-secret-name=kthena-router-webhook-certs --webhook-service-name=kthena-router-webhook)
    # The chart drains for up to 5m; down gives 10 s before KILL.
    router_env+=(DRAIN_TIMEOUT=5s)
  fi
  step "starting kthena-router $stack on http://127.0.0.1:$router_port, webhooks on https://127.0.0.1:$router_wh_port"
  IN_CLUSTER=1 start_component kthena-router "${incluster_env[@]}" "${router_env[@]}" -- "${router_args[@]}"
  wait_for kthena-router "kthena-router webhook /healthz" 60 \
    curl -fsS --cacert "$pki/ca.crt" "https://127.0.0.1:$router_wh_port/healthz"
  wait_for kthena-router "kthena-router /readyz (caches synced)" 60 \
    curl -fsS "http://127.0.0.1:$router_port/readyz"
  step "kthena-router ready"

  # Webhook configurations, as the chart registers them --------------------------
  local wh=() f j
  for f in mutating-webhook validating-webhook; do
    j=$(webhook_json "$kthena_charts/workload/templates/kthena-controller-manager/component/$f.yaml" workload "$cm_port")
    [[ -n $j ]] && wh+=("$j")
  done
  j=$(webhook_json "$kthena_charts/networking/templates/kthena-router/component/validating-webhook.yaml" networking "$router_wh_port")
  [[ -n $j ]] && wh+=("$j")
  printf '%s\n' "${wh[@]}" | jq -s '{apiVersion: "v1", kind: "List", items: .}' >"$state_dir/kthena/webhooks.json"
  kubectl apply --server-side -f "$state_dir/kthena/webhooks.json" >/dev/null || die "cannot register Kthena's webhooks"
  step "registered $(jq '[.items[].webhooks[]] | length' "$state_dir/kthena/webhooks.json") webhooks: $(jq -r '[.items[].webhooks[].name] | join(", ")' "$state_dir/kthena/webhooks.json")"

  # End to end: the API server calls the webhooks and the CRDs take the objects ----
  local p="$state_dir/kthena/probes"
  mkdir -p "$p"
  probe_modelserving probe >"$p/modelserving.yaml"
  probe_modelserver >"$p/modelserver.yaml"
  if [[ $stack == v1.0.0 ]]; then
    # <name>-1-engine-1-0 longer than 63 characters: refused by the webhook.
    probe_modelserving "probe-$(printf 'a%.0s' {1..55})" >"$p/modelserving-long-name.yaml"
    probe_modelroute probe '(' >"$p/modelroute-bad-regex.yaml"
    probe_modelroute probe '^/v1/.*' >"$p/modelroute.yaml"
    probe_autoscalingpolicy >"$p/autoscalingpolicy.yaml"
    wait_for kthena-controller-manager "the API server to call the ModelServing webhook" 30 \
      denied_by_webhook validate-workload-ai-v1alpha1-modelserving.volcano.sh "$p/modelserving-long-name.yaml"
    wait_for kthena-controller-manager "the API server to call the AutoscalingPolicy mutating webhook" 30 \
      mutated_by_webhook "$p/autoscalingpolicy.yaml"
    wait_for kthena-router "the API server to call the ModelRoute webhook" 30 \
      denied_by_webhook validate-modelroute.volcano.sh "$p/modelroute-bad-regex.yaml"
    for f in modelserving modelserver modelroute autoscalingpolicy; do
      dry_run "$p/$f.yaml" >/dev/null 2>"$p/$f.err" || die "a valid $f is refused: $(cat "$p/$f.err")"
    done
  else
    # v0.1.0's chart registers no ModelServing webhook, and its other
    # webhooks' rules name API groups that do not exist (registry.kthena.ai,
    # registry.volcano.sh, networking.volcano.sh): nothing is called. The
    # dry runs check the CRDs.
    for f in modelserving modelserver; do
      dry_run "$p/$f.yaml" >/dev/null 2>"$p/$f.err" || die "a valid $f is refused: $(cat "$p/$f.err")"
    done
  fi
  step "Kthena $stack answers: a valid ModelServing passes a server-side dry run"

  # The pod agent (test/podagent): Kthena's runtime sidecar and a fake
  # engine on the IP of each serving pod -------------------------------------
  local agent_dir="$state_dir/podagent" where=""
  mkdir -p "$agent_dir"
  [[ -n $pod_agent_selector ]] && where=", in namespaces labelled $pod_agent_selector"
  step "starting the pod agent (serving pods with an IP in $pod_cidr$where; Kthena $stack's runtime sidecar from $kthena_cache/src/python)"
  start_component pod-agent -- "$repo_root/test/podagent/agent.py" \
    --kubeconfig="$state_dir/kubeconfig" --state-dir="$agent_dir" --pod-cidr="$pod_cidr" \
    --kthena-python="$kthena_cache/src/python" --python="$pyenv_dir/bin/python" \
    --namespace-selector="$pod_agent_selector"
  wait_for pod-agent "the pod agent to start watching" 30 grep -q "pod agent up" "$state_dir/logs/pod-agent.log"
  step "pod agent up"

  cat >>"$state_dir/testenv.env" <<EOF
MODELBOOSTER_TESTENV_KTHENA_BIN=$kthena_bin
MODELBOOSTER_TESTENV_KTHENA_SRC=$kthena_cache/src
MODELBOOSTER_TESTENV_KTHENA_NAMESPACE=$kthena_namespace
MODELBOOSTER_TESTENV_KTHENA_ROUTER=http://127.0.0.1:$router_port
MODELBOOSTER_TESTENV_ROUTER=http://127.0.0.1:$router_port
MODELBOOSTER_TESTENV_POD_AGENT_DIR=$agent_dir
MODELBOOSTER_TESTENV_POD_AGENT_SELECTOR=$pod_agent_selector
EOF
  if [[ $stack != v0.1.0 ]]; then
    echo "MODELBOOSTER_TESTENV_ROUTER_DEBUG=http://127.0.0.1:$router_debug_port" >>"$state_dir/testenv.env"
  fi
}

cmd_up() {
  local c requested=$stack running
  up_t0=$(date +%s%N)
  for c in kubectl openssl curl setsid flock; do
    command -v "$c" >/dev/null || die "$c is required (scripts/install-deps.sh installs openssl and curl)"
  done
  if [[ $stack != none ]]; then
    # A range of loopback addresses that leaves out 127.0.0.x, where the
    # control plane listens and KWOK puts its node IP (127.0.0.9).
    [[ $pod_cidr =~ ^127\.([0-9]{1,3})\.0\.0/(1[6-9]|2[0-4])$ ]] && ((BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= 255)) ||
      die "MODELBOOSTER_TESTENV_POD_CIDR=$pod_cidr: expected 127.N.0.0/16 (N 1-255; prefix 16-24), e.g. 127.21.0.0/16"
    for c in jq yq unshare base64 git setpriv chroot; do
      command -v "$c" >/dev/null || die "$c is required for --stack $stack (Debian: apt-get install jq yq util-linux git)"
    done
  fi
  take_lock
  if [[ -f $marker ]]; then
    running=$(recorded_stack)
    set_stack "$running"
    if all_alive; then
      [[ $running == "$requested" ]] ||
        die "already up with stack '$running' (state dir $state_dir); run 'scripts/testenv.sh down' first, then up --stack $requested"
      log "already up with stack $running (state dir $state_dir); nothing started"
      log "use: eval \"\$(scripts/testenv.sh env)\""
      return 0
    fi
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
  set_stack "$requested"

  cmd_build

  mkdir -p "$state_dir"/{pids,logs}
  : >"$marker"
  echo "$stack" >"$state_dir/stack"
  [[ $stack != none ]] && mkdir -p "$state_dir/kthena"
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
MODELBOOSTER_TESTENV_STACK=$stack
MODELBOOSTER_TESTENV_POD_CIDR=$pod_cidr
EOF

  # CRDs (before the controller manager: its garbage collector discovers
  # resource types at start and only every 30 s after that) ---------------
  # Ours: only the ModelBooster CRD. The stack's child kinds come from its
  # own chart, minus its ModelBooster CRD (ours replaces it).
  local crds=() ours="$repo_root/deploy/crds/workload.serving.volcano.sh_modelboosters.yaml"
  if [[ -f $ours ]]; then
    crds+=("$ours")
  else
    log "warning: $ours does not exist; no ModelBooster CRD installed"
  fi
  if [[ $stack != none ]]; then
    local files=("$kthena_charts"/workload/crds/*.yaml "$kthena_charts"/networking/crds/*.yaml) names i
    mapfile -t names < <(yq -r .metadata.name "${files[@]}")
    ((${#names[@]} == ${#files[@]})) || die "cannot read the CRD names in $kthena_charts/*/crds"
    for ((i = 0; i < ${#files[@]}; i++)); do
      [[ ${names[i]} == modelboosters.workload.serving.volcano.sh ]] && continue
      crds+=("${files[i]}")
    done
  fi
  if ((${#crds[@]})); then
    step "installing ${#crds[@]} CRD(s): $(yq -r .spec.names.kind "${crds[@]}" | paste -sd, | sed 's/,/, /g')"
    install_crds "${crds[@]}"
  fi

  # kube-controller-manager -----------------------------------------------
  local controllers=garbage-collector-controller,namespace-controller
  # With nodes: the node lifecycle controller lifts the not-ready taint when
  # a node reports Ready (and taints it again if KWOK stops reporting).
  # The persistent-volume binder binds the claims examples name (pvc://...).
  [[ $stack != none ]] && controllers+=,node-lifecycle-controller,persistentvolume-binder-controller
  step "starting kube-controller-manager ($controllers)"
  start_component kube-controller-manager \
    --kubeconfig="$state_dir/kubeconfig" \
    --controllers="$controllers" \
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

  [[ $stack != none ]] && start_stack "$api_url"

  up_ok=1
  trap - EXIT
  local ms=$((($(date +%s%N) - up_t0) / 1000000))
  log "up in $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s: kubernetes $k8s_version, etcd $etcd_version, stack $stack, $api_url"
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
  set_stack "$(recorded_stack)"
  stop_all
  remove_state_dir
  log "down; removed $state_dir"
}

# Stops kube-apiserver and starts it again with the same arguments (same
# port, same etcd): what tests of watch resumption need. The other
# components stay up and reconnect.
cmd_restart_apiserver() {
  take_lock
  set_stack "$(recorded_stack)"
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
  set_stack "$(recorded_stack)"
  [[ -f $marker && -f $state_dir/testenv.env ]] && all_alive ||
    die "the control plane is not up (run: scripts/testenv.sh up)"
  local k v
  while IFS='=' read -r k v; do
    printf 'export %s=%q\n' "$k" "$v"
  done <"$state_dir/testenv.env"
  # A control plane started before stacks existed has no stack line.
  grep -q '^MODELBOOSTER_TESTENV_STACK=' "$state_dir/testenv.env" || echo "export MODELBOOSTER_TESTENV_STACK=none"
  # What this control plane does not have is unset, so that one shell can
  # go from one stack to the next (scripts/test.sh does): v0.1.0 has no
  # router debug port, and a URL left from a v1.0.0 run was used.
  for k in KTHENA_BIN KTHENA_SRC KTHENA_NAMESPACE KTHENA_ROUTER ROUTER ROUTER_DEBUG POD_AGENT_DIR; do
    grep -q "^MODELBOOSTER_TESTENV_$k=" "$state_dir/testenv.env" || echo "unset MODELBOOSTER_TESTENV_$k"
  done
}

cmd_logs() { # [lines]
  local n=${1:-${LINES:-40}} c f
  if [[ ! -d $state_dir/logs ]]; then
    echo "testenv: no logs ($state_dir/logs does not exist)"
    return 0
  fi
  [[ -n $stack ]] || set_stack "$(recorded_stack)"
  for c in "${components[@]}"; do
    f="$state_dir/logs/$c.log"
    [[ -f $f ]] || continue
    if pid_alive "$c"; then echo "===== $c (running) $f"; else echo "===== $c (not running) $f"; fi
    tail -n "$n" "$f"
  done
}

cmd_status() {
  set_stack "$(recorded_stack)"
  if [[ -f $marker ]] && all_alive; then
    log "up: $(grep MODELBOOSTER_TESTENV_APISERVER "$state_dir/testenv.env" | cut -d= -f2), stack $stack: ${components[*]} (state dir $state_dir)"
  else
    log "not up"
    if [[ -f $marker ]]; then
      local c
      for c in "${components[@]}"; do
        if pid_alive "$c"; then log "  $c: running"; else log "  $c: not running"; fi
      done
    fi
    return 1
  fi
}

# --stack for build and up; the environment gives the default.
parse_stack_option() { # args...
  local s=${MODELBOOSTER_TESTENV_STACK:-$default_stack}
  while (($#)); do
    case $1 in
      --stack)
        (($# >= 2)) || die "--stack needs a value: ${kthena_tags[*]} or none"
        s=$2
        shift 2
        ;;
      --stack=*)
        s=${1#--stack=}
        shift
        ;;
      *)
        usage >&2
        exit 2
        ;;
    esac
  done
  set_stack "$s"
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    build) parse_stack_option "$@" && cmd_build ;;
    up) parse_stack_option "$@" && cmd_up ;;
    down) cmd_down ;;
    env) cmd_env ;;
    logs) cmd_logs "${1:-}" ;;
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

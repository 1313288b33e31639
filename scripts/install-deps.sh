#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the local control
# plane need. Idempotent: when everything is present it only checks (no apt).
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  # core: JSON tokenizer, YAML parser/emitter, CLI, formatting/logging
  libboost-json1.81-dev libyaml-dev libcli11-dev libfmt-dev libspdlog-dev
  libre2-dev  # CRD schema patterns, matched in the API server's own regexp dialect
  # kube ring: HTTP/TLS
  libcurl4-openssl-dev libssl-dev
  # tests, benchmarks, fuzzing, tooling
  libgoogle-perftools-dev  # tcmalloc for the binary (allocation-heavy render/reconcile)
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format clang-tidy libclang-rt-14-dev
  # local control plane: PKI, probes; the Kthena stack: JSON/YAML on the
  # command line (jq, yq), its source when ../shared has none (git);
  # private mount namespaces for its in-cluster files (util-linux: unshare)
  openssl curl ca-certificates jq yq git util-linux
  umoci  # the controller's OCI image without a container daemon (scripts/image.sh)
  # the pod agent (test/podagent): a virtual environment for Kthena's runtime
  # sidecar from PyPI, and rsync, which the sidecar's pvc:// downloader runs
  python3-venv rsync
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages present"
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-deps: Go is needed to build the test control plane (kube-apiserver, etcd)." >&2
  echo "install-deps: install Go 1.24 or newer (Debian: golang-go from backports) and retry." >&2
  exit 1
fi

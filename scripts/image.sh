#!/usr/bin/env bash
# Builds the controller's OCI image without a container daemon: a root
# filesystem holding only the stripped binary, the shared libraries ldd says
# it loads (at the paths the loader looks them up under) and a few files in
# /etc, turned into a one-layer image with umoci (Debian package) and written
# as an oci-archive (the OCI image layout directory as one tar file).
# See docs/adr/0006-container-image.md. The archive's absolute path is the
# last line on stdout; progress goes to stderr.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/image.sh [--binary PATH] [--output PATH] [--source URL]

Builds the modelbooster controller image as an OCI archive (oci-archive: the
OCI image layout as one tar file) and prints the archive's absolute path as
the last line on stdout. Progress goes to stderr. Must run as root (the
files in the image are owned by root; umoci records owners as it finds
them). Needs umoci, ldd, strip and tar; no container daemon.

Options:
  --binary PATH  package this modelbooster binary (a copy of it is stripped).
                 Without it, configure and build a Release binary in
                 build/image (cmake -G Ninja -DCMAKE_BUILD_TYPE=Release
                 -DMB_BUILD_TESTS=OFF -DMB_BUILD_BENCH=OFF; ninja modelbooster)
                 and package build/image/src/modelbooster.
  --output PATH  where to write the archive (default:
                 build/image/modelbooster-<version>.oci.tar). Replaced if it
                 exists.
  --source URL   set the label org.opencontainers.image.source to URL (not
                 set otherwise: the repository has no canonical URL).
  -h, --help     this text.

The image: entrypoint /usr/local/bin/modelbooster, cmd controller, user
65532:65532 (nonroot), tag and labels org.opencontainers.image.version and
version set to the version `modelbooster version` prints, label
org.opencontainers.image.revision to its git revision.

Environment:
  SOURCE_DATE_EPOCH  time stamp of the files and the image (default 0), so
                     the same binary always gives the same image digest.
EOF
}

log() { printf 'image: %s\n' "$*" >&2; }
die() { printf 'image: error: %s\n' "$*" >&2; exit 1; }

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=""
output=""
source_url=""
while (($#)); do
  case $1 in
    --binary) binary=${2:?--binary needs a path}; shift ;;
    --output) output=${2:?--output needs a path}; shift ;;
    --source) source_url=${2:?--source needs a URL}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

[[ $(id -u) -eq 0 ]] || die "run as root: the image's files must be owned by root, and umoci records the owners it finds"
for tool in umoci ldd strip tar; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs it)"
done
umask 022
epoch=${SOURCE_DATE_EPOCH:-0}
[[ $epoch =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be seconds since 1970, not '$epoch'"
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

if [[ -z $binary ]]; then
  build_dir=$repo_root/build/image
  log "building a Release binary in $build_dir"
  # Build output would mix with the path on stdout.
  cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMB_BUILD_TESTS=OFF -DMB_BUILD_BENCH=OFF >&2
  ninja -C "$build_dir" modelbooster >&2
  binary=$build_dir/src/modelbooster
fi
[[ -f $binary && -x $binary ]] || die "no executable at $binary"
binary=$(realpath "$binary")

# The version comes from the binary itself, so the label cannot disagree
# with what the image runs: "modelbooster 0.1.0 (<git describe>)".
version_line=$("$binary" version) || die "$binary version failed"
[[ $version_line =~ ^modelbooster\ ([^ ]+)\ \(([^\)]*)\)$ ]] ||
  die "unexpected output of '$binary version': $version_line"
version=${BASH_REMATCH[1]}
revision=${BASH_REMATCH[2]}
# umoci refuses tags that OCI does not allow; say so before building.
[[ $version =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || die "version '$version' is not a valid image tag"

if [[ -z $output ]]; then
  output=$repo_root/build/image/modelbooster-$version.oci.tar
fi
[[ ! -d $output ]] || die "--output $output is a directory; name the archive file"
mkdir -p "$(dirname "$output")"
output=$(realpath -m "$output")

work=$(mktemp -d "${TMPDIR:-/tmp}/modelbooster-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
layout=$work/layout
mkdir -p "$rootfs"

log "packaging $binary (modelbooster $version, $revision)"
install -D -m 0755 "$binary" "$rootfs/usr/local/bin/modelbooster"
strip --strip-unneeded "$rootfs/usr/local/bin/modelbooster"

# Each library goes where ldd found it (the path the loader searches, such
# as /lib/x86_64-linux-gnu/libc.so.6) as a regular file: the image then
# needs no symlinks, no /lib -> usr/lib and no ld.so.cache, because those
# directories are the loader's built-in search path. The loader itself sits
# at the binary's PT_INTERP path, which ldd prints without "=>".
# Without the caller's LD_LIBRARY_PATH or LD_PRELOAD: the image has neither,
# so a library found only through them would not load there.
ldd_out=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd "$binary") || die "ldd $binary failed: is it a dynamic executable for this machine?"
if grep -q 'not found' <<<"$ldd_out"; then
  die "$binary needs libraries this machine lacks: $(grep 'not found' <<<"$ldd_out" | tr -s ' \t' ' ')"
fi
libs=()
loader=""
while read -r first arrow path _; do
  if [[ $arrow == "=>" ]]; then
    libs+=("$path")
  elif [[ $first == /* ]]; then
    libs+=("$first")
    loader=$first
  fi
  # Anything else is the vDSO, which the kernel maps: there is no file.
done <<<"$ldd_out"
[[ -n $loader ]] || die "ldd named no dynamic loader for $binary"
for lib in "${libs[@]}"; do
  install -D -m 0644 "$(realpath "$lib")" "$rootfs$lib"
done
# The kernel opens the loader like an executable.
chmod 0755 "$rootfs$loader"
log "${#libs[@]} libraries (with the loader): ${libs[*]}"

# A passwd and group entry for the user the image runs as: the controller
# looks its home up (getpwuid) when HOME is unset, to find ~/.kube/config.
mkdir -p "$rootfs/etc/ssl/certs"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$rootfs/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' >"$rootfs/etc/group"
# glibc's built-in order without this file asks DNS before /etc/hosts;
# Kubernetes writes hostAliases into /etc/hosts, so files go first. The files
# and dns services live inside libc.so.6 since glibc 2.34: no libnss_*.so.
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$rootfs/etc/nsswitch.conf"
# libcurl's default CA bundle (Debian's path), used when a kubeconfig names
# an HTTPS server without certificate-authority data.
ca=/etc/ssl/certs/ca-certificates.crt
[[ -f $ca ]] || die "$ca not found (Debian package ca-certificates)"
install -m 0644 "$ca" "$rootfs$ca"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/nsswitch.conf"
find "$rootfs" -exec touch -h -d "@$epoch" {} +
log "rootfs: $(du -sb "$rootfs" | cut -f1) bytes in $(find "$rootfs" -type f | wc -l) files"

tag=$version
umoci init --layout "$layout" >&2
umoci new --image "$layout:$tag" >&2
umoci insert --image "$layout:$tag" --history.created "$created" \
  --history.created_by "scripts/image.sh (modelbooster $version, $revision)" "$rootfs" / >&2
labels=(
  --config.label "org.opencontainers.image.version=$version"
  --config.label "version=$version"
  --config.label "org.opencontainers.image.revision=$revision"
  --config.label "org.opencontainers.image.title=modelbooster"
  --config.label "org.opencontainers.image.created=$created"
)
if [[ -n $source_url ]]; then
  labels+=(--config.label "org.opencontainers.image.source=$source_url")
fi
# umoci new already recorded linux and this machine's architecture, which
# is the binary's (ldd ran it). No PATH or other environment: nothing in the
# image is meant to be found through it.
umoci config --image "$layout:$tag" --no-history --created "$created" \
  --config.user 65532:65532 --config.workingdir / \
  --config.entrypoint /usr/local/bin/modelbooster --config.cmd controller \
  "${labels[@]}" >&2
# Each umoci step wrote a new config and manifest; keep only the last.
umoci gc --layout "$layout" >&2

# Sorted names, fixed times and owners: the same image gives the same tar.
tmp_out=$(mktemp "$output.XXXXXX")
trap 'rm -rf "$work" "$tmp_out"' EXIT
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --mode=a+rX,go-w --format=gnu \
  -C "$layout" -cf "$tmp_out" oci-layout index.json blobs
chmod 0644 "$tmp_out"
mv -f "$tmp_out" "$output"
log "wrote $(stat -c %s "$output") bytes"
echo "$output"

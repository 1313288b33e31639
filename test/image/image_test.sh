#!/usr/bin/env bash
# The container image as a cluster would get it: scripts/image.sh packages
# the binary under test into an oci-archive; the archive must be a plain tar
# of an OCI image layout whose blobs match their digests and whose config
# says user 65532, the binary's version and the entrypoint. Unpacked with
# umoci, the entrypoint must run from the image's rootfs as uid 65532 (chroot:
# no container runtime runs on this kind of machine) and render a booster
# as the host binary does; without one of its libraries it must not run (so
# a missing library fails this test); the rootfs must hold nothing but the
# binary, its libraries and the chosen /etc files; the archive must stay
# within 30 MB.
#   image_test.sh BINARY SOURCE_DIR
set -uo pipefail
bin=$1
src=$2

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root: scripts/image.sh must own the image's files as root, and chroot needs root"
  exit 77
fi
for tool in umoci jq tar chroot sha256sum readelf; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (scripts/install-deps.sh)"; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
passes=0
pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass; else fail "$1: got '$3', expected '$2'"; fi
}
contains() {  # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then
    pass
  else
    fail "$1: $2 lacks: $3"; sed 's/^/    /' "$2" | head -20
  fi
}
# What the loader loads, as scripts/image.sh asks (no LD_LIBRARY_PATH).
deps() { env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd "$bin"; }
in_image() {  # in_image ROOTFS ARGS...: the entrypoint as the image's user
  local root=$1
  shift
  chroot --userspec=65532:65532 "$root" /usr/local/bin/modelbooster "$@"
}

# ------------------------------------------------------------ the archive --

start=$SECONDS
archive_given=$tmp/x.oci.tar
"$src/scripts/image.sh" --binary "$bin" --output "$archive_given" >"$tmp/image.out" 2>"$tmp/image.err"
rc=$?
check "image.sh exit status" 0 "$rc"
if [ "$rc" != 0 ]; then
  sed 's/^/    /' "$tmp/image.err"
  echo "$passes passed, $failures failed"
  exit 1
fi
echo "image.sh took $((SECONDS - start)) s"
archive=$(tail -n 1 "$tmp/image.out")
check "last line is the archive's absolute path" "$archive_given" "$archive"
[ -f "$archive" ] || { fail "no archive at '$archive'"; echo "$passes passed, $failures failed"; exit 1; }

# One uncompressed tar ("ustar" at offset 257) of an OCI layout, nothing else.
check "archive is a tar" ustar "$(dd if="$archive" bs=1 skip=257 count=5 2>/dev/null)"
tar -tf "$archive" >"$tmp/entries" || fail "tar cannot list $archive"
unexpected=$(grep -vE '^(\./)?(oci-layout|index\.json|blobs/|blobs/sha256/|blobs/sha256/[0-9a-f]{64})$' "$tmp/entries")
check "archive holds only an OCI layout" "" "$unexpected"
layout=$tmp/layout
mkdir "$layout"
tar -xf "$archive" -C "$layout" || fail "tar cannot extract $archive"
check "oci-layout" 1.0.0 "$(jq -r .imageLayoutVersion "$layout/oci-layout" 2>/dev/null)"
for blob in "$layout"/blobs/sha256/*; do
  check "blob $(basename "$blob") matches its digest" "$(basename "$blob")" "$(sha256sum "$blob" | cut -d' ' -f1)"
done
blob() { cat "$layout/blobs/sha256/${1#sha256:}"; }

# ------------------------------------------------------------- the config --

version_line=$("$bin" version)
version=$(awk '{ print $2 }' <<<"$version_line")
revision=$(sed -E 's/.*\((.*)\)$/\1/' <<<"$version_line")
check "index: one image" 1 "$(jq '.manifests | length' "$layout/index.json")"
check "index: tagged with the version" "$version" \
  "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$layout/index.json")"
manifest=$(jq -r '.manifests[0].digest' "$layout/index.json")
blob "$manifest" >"$tmp/manifest.json"
blob "$(jq -r .config.digest "$tmp/manifest.json")" >"$tmp/config.json"
check "one layer" 1 "$(jq '.layers | length' "$tmp/manifest.json")"
check "layer media type" application/vnd.oci.image.layer.v1.tar+gzip "$(jq -r '.layers[0].mediaType' "$tmp/manifest.json")"
cfg() { jq -c "$1" "$tmp/config.json"; }
check "config user" '"65532:65532"' "$(cfg .config.User)"
check "config entrypoint" '["/usr/local/bin/modelbooster"]' "$(cfg .config.Entrypoint)"
check "config cmd" '["controller"]' "$(cfg .config.Cmd)"
check "config os" '"linux"' "$(cfg .os)"
check "label org.opencontainers.image.version = modelbooster version" "\"$version\"" \
  "$(cfg '.config.Labels["org.opencontainers.image.version"]')"
check "label version = modelbooster version" "\"$version\"" "$(cfg .config.Labels.version)"
check "label org.opencontainers.image.revision" "\"$revision\"" \
  "$(cfg '.config.Labels["org.opencontainers.image.revision"]')"

# Same binary, same archive: the script is idempotent and reproducible.
sum1=$(sha256sum "$archive" | cut -d' ' -f1)
"$src/scripts/image.sh" --binary "$bin" --output "$archive_given" >"$tmp/image2.out" 2>"$tmp/image2.err" ||
  fail "second image.sh run: $(tail -3 "$tmp/image2.err")"
check "a second run writes the same archive" "$sum1" "$(sha256sum "$archive" | cut -d' ' -f1)"

# ------------------------------------------------------------- the rootfs --

bundle=$tmp/bundle
umoci unpack --image "$layout:$version" "$bundle" >"$tmp/unpack.out" 2>&1 ||
  { fail "umoci unpack"; sed 's/^/    /' "$tmp/unpack.out"; }
rootfs=$bundle/rootfs

# Exactly: the binary, each library ldd names for it (the loader among them)
# and the /etc files ADR 0006 chose. Every directory leads to one of them.
{
  echo usr/local/bin/modelbooster
  echo etc/passwd
  echo etc/group
  echo etc/nsswitch.conf
  echo etc/ssl/certs/ca-certificates.crt
  deps | awk '$2 == "=>" { print substr($3, 2) } $1 ~ /^\// { print substr($1, 2) }'
} | sort -u >"$tmp/expected"
(cd "$rootfs" && find . -mindepth 1 ! -type d | sed 's|^\./||' | sort) >"$tmp/actual"
extra=$(comm -13 "$tmp/expected" "$tmp/actual")
missing=$(comm -23 "$tmp/expected" "$tmp/actual")
check "rootfs: nothing unexpected (such as a shell)" "" "$extra"
check "rootfs: nothing missing" "" "$missing"
while read -r dir; do
  grep -q "^${dir}/" "$tmp/actual" || fail "rootfs: directory /$dir leads to no expected file"
done < <(cd "$rootfs" && find . -mindepth 1 -type d | sed 's|^\./||')
check "rootfs: no symlinks" "" "$(find "$rootfs" -type l)"
check "rootfs: everything owned by root" "" "$(find "$rootfs" ! -uid 0 -o ! -gid 0)"
check "rootfs: nothing writable by the user, setuid or setgid" "" "$(find "$rootfs" -perm /6022)"
check "rootfs: no shell" "" "$(find "$rootfs" -name sh -o -name bash -o -name busybox)"
contains "passwd: nonroot is 65532" "$rootfs/etc/passwd" "nonroot:x:65532:65532:"
contains "group: nonroot is 65532" "$rootfs/etc/group" "nonroot:x:65532:"
if readelf -S "$rootfs/usr/local/bin/modelbooster" | grep -qE '\.symtab|\.debug_'; then
  fail "the image's binary is not stripped"
else
  pass
fi

# ----------------------------------------------------- the entrypoint runs --

in_image "$rootfs" version >"$tmp/out" 2>"$tmp/err"
check "version in the image" 0 $?
check "version in the image prints the binary's" "$version_line" "$(cat "$tmp/out")"
in_image "$rootfs" controller --help >"$tmp/out" 2>"$tmp/err"
check "controller --help in the image" 0 $?
contains "controller --help in the image" "$tmp/out" "--kubeconfig"
# The core in the image renders a booster byte for byte as on the host.
example=$src/examples/multi-backend-lora-autoscaling.yaml
install -m 0644 "$example" "$rootfs/booster.yaml"
in_image "$rootfs" render -f /booster.yaml >"$tmp/out" 2>"$tmp/err"
check "render in the image" 0 $?
"$bin" render -f "$example" >"$tmp/host.out"
if cmp -s "$tmp/host.out" "$tmp/out"; then pass; else fail "render in the image differs from the host's"; fi
rm "$rootfs/booster.yaml"

# The controller resolves a kubeconfig's server name with glibc's
# getaddrinfo (libcurl's threaded resolver) inside the image: a name only
# /etc/hosts knows reaches the connect, which a closed port refuses.
resolve=$tmp/resolve
cp -a "$rootfs" "$resolve"
echo '127.0.0.1 mb-image-test.invalid' >"$resolve/etc/hosts"
cat >"$resolve/kubeconfig" <<'EOF'
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://mb-image-test.invalid:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
EOF
chmod 0644 "$resolve/kubeconfig"
timeout 10 chroot --userspec=65532:65532 "$resolve" /usr/local/bin/modelbooster controller \
  --kubeconfig /kubeconfig >"$tmp/controller.out" 2>&1
if grep -qi 'resolve' "$tmp/controller.out" || ! grep -qiE 'connect|refused' "$tmp/controller.out"; then
  fail "controller in the image: the server name from /etc/hosts was not resolved"
  sed 's/^/    /' "$tmp/controller.out" | head -10
else
  pass
fi

# Negative control: without libcurl the entrypoint must not start, or this
# test could not see a library missing from the image.
broken=$tmp/broken
cp -a "$rootfs" "$broken"
libcurl=$(deps | awk '$1 ~ /^libcurl\./ { print $3 }')
if [ -z "$libcurl" ]; then
  fail "negative control: the binary links no libcurl"
else
  rm "$broken$libcurl"
  in_image "$broken" version >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" != 0 ]; then pass; else fail "negative control: version ran without $libcurl"; fi
  contains "negative control: the loader names libcurl" "$tmp/err" "$(basename "$libcurl")"
fi

# ------------------------------------------------------------------ size --

archive_bytes=$(stat -c %s "$archive")
rootfs_bytes=$(du -sb "$rootfs" | cut -f1)
binary_bytes=$(stat -c %s "$rootfs/usr/local/bin/modelbooster")
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }
echo "archive: $archive_bytes bytes ($(mb "$archive_bytes"))"
echo "rootfs: $rootfs_bytes bytes ($(mb "$rootfs_bytes")); stripped binary $binary_bytes bytes ($(mb "$binary_bytes")), libraries and /etc $((rootfs_bytes - binary_bytes)) bytes ($(mb $((rootfs_bytes - binary_bytes))))"
limit=31457280
if ((archive_bytes <= limit)); then pass; else fail "archive is $archive_bytes bytes, over the $limit-byte (30 MB) limit"; fi

echo "$passes passed, $failures failed"
[ "$failures" = 0 ]

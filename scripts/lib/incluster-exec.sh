#!/bin/sh
# Runs a program as if it were in a pod, without touching the host's files:
#   scripts/lib/incluster-exec.sh <dir> <program> [args...]
# It first re-executes itself under `unshare --mount --propagation private`,
# so every mount below exists only in that new, private mount namespace and
# disappears with the process. The host's /run, /var/run and /etc are never
# written: writes land in a tmpfs that only this process sees.
#
# <dir> (in the testenv state dir) holds
#   serviceaccount/   token, ca.crt, namespace: shown at
#                     /var/run/secrets/kubernetes.io/serviceaccount (what
#                     rest.InClusterConfig() and Kthena's namespace lookup read)
#   etc-config/       optional: shown at /etc/config (kthena-router reads
#                     /etc/config/routerConfiguration.yaml, a fixed path)
#   mnt/              an empty directory; the private tmpfs is mounted on it
# Every step is an `exec` (unshare execs too), so the pid scripts/testenv.sh
# recorded becomes the program itself (its pid file check reads
# /proc/<pid>/exe).
set -eu

if [ "${1:-}" != --in-private-namespace ]; then
  exec unshare --mount --propagation private -- "$0" --in-private-namespace "$@"
fi
shift
dir=$1
shift
[ -d "$dir/serviceaccount" ] || { echo "incluster-exec: $dir/serviceaccount missing" >&2; exit 1; }

# Refuse to mount anything unless this mount namespace is provably not the
# one we were started from (for example when --in-private-namespace was
# passed by hand). An unreadable namespace link counts as "the same".
self_ns=$(readlink /proc/self/ns/mnt 2>/dev/null || true)
parent_ns=$(readlink "/proc/$PPID/ns/mnt" 2>/dev/null || true)
if [ -z "$self_ns" ] || [ -z "$parent_ns" ] || [ "$self_ns" = "$parent_ns" ]; then
  echo "incluster-exec: not in a private mount namespace (self '$self_ns', parent '$parent_ns'); not mounting anything" >&2
  exit 1
fi
# No mount event may propagate back, whatever unshare's default was.
mount --make-rprivate /

scratch="$dir/mnt"
mount -t tmpfs -o mode=0700,size=16m testenv-incluster "$scratch"

# Show <d> as an overlay: the host's files read through, writes go to the
# tmpfs. Mounts below <d> (for example a container runtime's bind-mounted
# /etc/hosts) would be hidden by the overlay, so they are bound back on top.
overlay() { # d
  d=$1
  n=0
  subs=$(awk -v d="$d/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo)
  for m in $subs; do
    n=$((n + 1))
    if [ -d "$m" ]; then mkdir -p "$scratch/sub$n"; else : >"$scratch/sub$n"; fi
    mount --bind "$m" "$scratch/sub$n"
  done
  mkdir -p "$scratch/upper$d" "$scratch/work$d"
  mount -t overlay testenv-incluster -o "lowerdir=$d,upperdir=$scratch/upper$d,workdir=$scratch/work$d" "$d"
  n=0
  for m in $subs; do
    n=$((n + 1))
    mount --bind "$scratch/sub$n" "$m"
  done
}

# /var/run is a symlink to /run on Debian; resolve it rather than assume.
run=$(readlink -f /var/run)
overlay "$run"
mkdir -p "$run/secrets/kubernetes.io/serviceaccount"
mount --bind "$dir/serviceaccount" "$run/secrets/kubernetes.io/serviceaccount"
mount -o remount,bind,ro "$run/secrets/kubernetes.io/serviceaccount"

if [ -d "$dir/etc-config" ]; then
  overlay /etc
  mkdir -p /etc/config
  mount --bind "$dir/etc-config" /etc/config
  mount -o remount,bind,ro /etc/config
fi

exec "$@"

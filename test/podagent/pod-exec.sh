#!/bin/sh
# Runs one container's program of a simulated pod with a filesystem of its
# own, without writing to the host's real paths:
#   test/podagent/pod-exec.sh <container dir> [<host dir>=<mount path>...] -- <program> [args...]
# As scripts/lib/incluster-exec.sh does for Kthena's components, it first
# re-executes itself under `unshare --mount --propagation private`, so that
# every mount below exists only in that private mount namespace and goes
# away with the process. Then:
#   - a tmpfs on <container dir>/mnt holds the container's writable layer;
#   - the root is an overlay whose lower layer is the host's / (read
#     through: programs, the Kthena source, the virtual environment, and
#     the directories tests offer as pvc:// sources) and whose upper layer
#     is that tmpfs: whatever the program writes outside its volumes (the
#     downloader's /tmp/kthena.log, say) lands there, never on the host;
#   - /proc, /dev and /sys are the host's (bound recursively);
#   - each <host dir>=<mount path> pair is one of the container's
#     volumeMounts, a directory under the testenv state dir bound at the
#     pod's mount path (so a LoRA download into the cache mount path is
#     visible on the host, in the pod's directory, as a volume would be);
#   - chroot into that root and exec the program.
# Every step execs, so the pid the pod agent recorded becomes the program.
set -eu

if [ "${1:-}" != --in-private-namespace ]; then
  exec unshare --mount --propagation private -- "$0" --in-private-namespace "$@"
fi
shift
dir=$1
shift

# Refuse to mount anything unless this mount namespace is provably not the
# one we were started from (an unreadable namespace link counts as "the same").
self_ns=$(readlink /proc/self/ns/mnt 2>/dev/null || true)
parent_ns=$(readlink "/proc/$PPID/ns/mnt" 2>/dev/null || true)
if [ -z "$self_ns" ] || [ -z "$parent_ns" ] || [ "$self_ns" = "$parent_ns" ]; then
  echo "pod-exec: not in a private mount namespace (self '$self_ns', parent '$parent_ns'); not mounting anything" >&2
  exit 1
fi
mount --make-rprivate /

scratch="$dir/mnt"
mkdir -p "$scratch"
mount -t tmpfs -o mode=0755,size=256m pod-agent-layer "$scratch"
mkdir -p "$scratch/upper" "$scratch/work" "$scratch/root"
root="$scratch/root"
mount -t overlay pod-agent-root -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$root"
for d in proc dev sys; do
  mount --rbind "/$d" "$root/$d"
done

while [ $# -gt 0 ] && [ "$1" != -- ]; do
  host=${1%%=*}
  path=${1#*=}
  shift
  case $path in
    /*) ;;
    *) echo "pod-exec: mount path '$path' is not absolute" >&2; exit 1 ;;
  esac
  [ -d "$host" ] || { echo "pod-exec: volume directory $host missing" >&2; exit 1; }
  mkdir -p "$root$path"
  mount --bind "$host" "$root$path"
done
[ "${1:-}" = -- ] || { echo "pod-exec: missing -- before the program" >&2; exit 1; }
shift

exec chroot "$root" "$@"

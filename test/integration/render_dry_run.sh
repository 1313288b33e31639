#!/usr/bin/env bash
# Everything `modelbooster render` produces is accepted by the real serving
# stack the control plane runs (Kthena's own CRDs and admission webhooks,
# scripts/testenv.sh --stack), with strict field validation, and the API
# server stores it as we sent it: nothing pruned, nothing rewritten (defaults
# the server adds are fine). Every example and every golden output of the
# profile that matches the running stack.
#   render_dry_run.sh MODELBOOSTER_BINARY
source "$(dirname "$0")/lib.sh"
mb_require_cluster
mb_new_namespace
mb=${1:?usage: render_dry_run.sh MODELBOOSTER_BINARY}

stack=${MODELBOOSTER_TESTENV_STACK:-none}
case $stack in
  v1.0.0) profile=v1.0 golden=expected.yaml ;;
  v0.1.0) profile=v0.1 golden=expected-v0.1.yaml ;;
  *)
    note "no serving stack in this control plane (MODELBOOSTER_TESTENV_STACK=$stack): nothing to check against"
    exit 0
    ;;
esac

# Our objects into this test's namespace (kubectl refuses a mismatch).
retarget() { sed -E "s/^(\s+)namespace: (default|demo)$/\1namespace: $MB_NS/"; }

# sent ⊆ stored: every field we sent is stored with the same value; lists
# keep their length and order. Prints the first path that differs.
subset_jq='
def diff(a; b; p):
  if (a|type) == "object" then
    if (b|type) != "object" then p
    else first((a|keys_unsorted[]) as $k | if (b|has($k)) then diff(a[$k]; b[$k]; p + "." + $k) else p + "." + $k + " (pruned)" end) // empty
    end
  elif (a|type) == "array" then
    if (b|type) != "array" or (a|length) != (b|length) then p + " (list changed)"
    else first(range(a|length) as $i | diff(a[$i]; b[$i]; p + "[\($i)]")) // empty
    end
  elif a == b then empty
  else p + " (" + (a|tojson) + " stored as " + (b|tojson) + ")"
  end;
[range($sent|length) as $i | $sent[$i] as $s | ($stored[$i]) as $t
  | diff($s.spec; $t.spec; "\($s.kind) \($s.metadata.name): spec") ] | .[0] // empty
'

check_file() { # label file
  local out sent stored diff
  out=$(kubectl apply --dry-run=server --validate=strict -o json -f "$2" 2>&1) || fail "$1 ($profile): $out"
  sent=$(yq_to_json "$2")
  stored=$(as_array <<<"$out")
  diff=$(jq -rn --argjson sent "$sent" --argjson stored "$stored" "$subset_jq") || fail "$1: jq failed"
  [[ -z $diff ]] || fail "$1 ($profile): the API server did not store what we sent: $diff"
}

# The objects of a YAML file as JSON, exactly as read (no server involved).
yq_to_json() { kubectl create --dry-run=client -o json -f "$1" | as_array; }
# One JSON array of objects from kubectl's output (one object, several, or a List).
as_array() { jq -s -c '[.[] | if .kind == "List" then .items[] else . end]'; }

checked=0
for f in "$MB_REPO_ROOT"/examples/*.yaml; do
  # Examples carry no uid; the API server requires one in ownerReferences.
  sed -E "s/^  namespace: default$/  namespace: default\n  uid: 00000000-0000-4000-8000-000000000042/" "$f" >"$MB_TMP/in.yaml"
  "$mb" render --serving-stack "$profile" -f "$MB_TMP/in.yaml" | retarget >"$MB_TMP/out.yaml" || fail "render $f"
  check_file "$(basename "$f")" "$MB_TMP/out.yaml"
  checked=$((checked + 1))
done
for f in "$MB_REPO_ROOT"/test/golden/*/"$golden"; do
  case_dir=$(dirname "$f")
  retarget <"$f" >"$MB_TMP/out.yaml"
  check_file "$(basename "$case_dir")" "$MB_TMP/out.yaml"
  checked=$((checked + 1))
done
((checked > 10)) || fail "only $checked files were checked"
note "$checked rendered files ($profile) accepted by $stack's CRDs and webhooks with --validate=strict, and stored as sent"

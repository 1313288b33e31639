#!/usr/bin/env bash
# A ModelBooster that breaks one schema rule is refused by the API server,
# and the error names the field.  Usage: schema_reject.sh pattern|enum|minmax|cel
source "$(dirname "$0")/lib.sh"
case=${1:?usage: schema_reject.sh pattern|enum|minmax|cel}
MB_TEST_NAME="schema_reject_$case"
mb_require_cluster
mb_install_crds
mb_new_namespace

# A minimal ModelBooster (docs/crds.md); each case changes one field.
booster() { # name type modelURI minReplicas maxReplicas
  cat <<YAML
apiVersion: $MB_GROUP/$MB_VERSION
kind: ModelBooster
metadata:
  name: $1
spec:
  backends:
    - name: main
      type: $2
      modelURI: "$3"
      minReplicas: $4
      maxReplicas: $5
      workers:
        - type: server
          image: vllm/vllm-openai:v0.9.1
          replicas: 1
          pods: 1
YAML
}

# The unchanged booster must be accepted, or the refusals below prove nothing.
out=$(booster valid vLLM hf://Qwen/Qwen2.5-0.5B-Instruct 1 2 | kubectl create -n "$MB_NS" -f - 2>&1) ||
  fail "the minimal valid ModelBooster used as a base was refused:
$out"

case $case in
  pattern) name=bad-uri; args=(vLLM ftp://x 1 2); field='spec.backends[0].modelURI'; also='ftp://x' ;;
  enum) name=bad-type; args=(Foo hf://a/b 1 2); field='spec.backends[0].type'; also='Foo' ;;
  minmax) name=bad-min; args=(vLLM hf://a/b -1 2); field='spec.backends[0].minReplicas'; also='' ;;
  # CEL rule on each backend: self.minReplicas <= self.maxReplicas
  cel) name=bad-range; args=(vLLM hf://a/b 5 2); field='spec.backends[0]'; also='minReplicas' ;;
  *) fail "unknown case '$case'" ;;
esac

out=$(booster "$name" "${args[@]}" | mb_expect_failure kubectl create -n "$MB_NS" -f -)
printf '%s\n' "$out" | sed 's/^/    /'
grep -qi 'invalid' <<<"$out" || fail "the refusal is not a validation error (Invalid):
$out"
grep -qF "$field" <<<"$out" || fail "the error does not name the field $field:
$out"
[[ -z $also ]] || grep -qF "$also" <<<"$out" || fail "the error does not mention '$also':
$out"
! kubectl get "modelboosters.$MB_GROUP" "$name" -n "$MB_NS" >/dev/null 2>&1 ||
  fail "the invalid ModelBooster $name exists after the refusal"
note "refused, naming $field"

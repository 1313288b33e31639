#!/usr/bin/env bash
# `kubectl explain` shows the CRD's descriptions.
source "$(dirname "$0")/lib.sh"
mb_require_cluster
mb_install_crds

out=$(kubectl explain modelbooster.spec.backends 2>&1) || fail "kubectl explain failed:
$out"
# The text under DESCRIPTION: up to the next heading.
desc=$(awk '/^DESCRIPTION:/ { on = 1; next } on && /^[A-Z]+:/ { exit } on' <<<"$out" | tr -s ' \n' ' ')
desc=${desc# }
desc=${desc% }
[[ -n $desc && $desc != "<empty>" ]] || fail "spec.backends has no description in the CRD schema:
$out"
note "spec.backends: $desc"

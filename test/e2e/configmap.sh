#!/usr/bin/env bash
# The ConfigMap model-booster-controller-config overrides the image flags,
# and a change to it re-renders every booster (docs/controller.md);
# deleting it falls back to the flags.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main --runtime-image flag/runtime:1 --downloader-image flag/downloader:1

for b in cfg1 cfg2; do small_booster "$b" | apply_yaml; done
for b in cfg1 cfg2; do wait_cond "$b" Initialized True; done

# image BOOSTER CONTAINER-LIST CONTAINER-NAME: the image in the booster's ModelServing.
image() {
  k get "$K_MS" "$1-gpu" -o json |
    jq -r "[.spec.template.roles[0].entryTemplate.spec.$2[] | select(.name | test(\"$3\"))][0].image"
}
runtime_is() { [[ $(image "$1" containers '^runtime$') == "$2" ]]; }
downloader_is() { [[ $(image "$1" initContainers 'model-downloader$') == "$2" ]]; }

expect_eq "$(image cfg1 containers '^runtime$')" "flag/runtime:1" "runtime image from --runtime-image"
expect_eq "$(image cfg1 initContainers 'model-downloader$')" "flag/downloader:1" "downloader image from --downloader-image"

# Applied, not created: under the chart's identity (MB_E2E_AS_CHART=1) the
# chart has already made this ConfigMap, without data, which must leave the
# flags in force as no ConfigMap does (checked above).
k create configmap model-booster-controller-config \
  --from-literal=model_serving_runtime_image=cm/runtime:2 \
  --from-literal=model_serving_downloader_image=cm/downloader:2 --dry-run=client -o yaml | k apply -f - >/dev/null
for b in cfg1 cfg2; do
  wait_for runtime_is "$b" cm/runtime:2 || fail "$b: runtime image is $(image "$b" containers '^runtime$'), expected cm/runtime:2 from the ConfigMap"
  wait_for downloader_is "$b" cm/downloader:2 || fail "$b: downloader image not taken from the ConfigMap"
done
note "a ConfigMap change re-rendered both boosters"

k delete configmap model-booster-controller-config >/dev/null
for b in cfg1 cfg2; do
  wait_for runtime_is "$b" flag/runtime:1 || fail "$b: runtime image did not fall back to the flag after the ConfigMap was deleted"
done
ctl_stop main

#!/usr/bin/env bash
# A LoRA adapter loaded at run time through Kthena's real runtime sidecar
# (POST /v1/load_lora_adapter {lora_name, source, output_dir}), as Kthena's
# dynamic LoRA loading does: the sidecar downloads `source` (here pvc://, a
# directory the test made, copied by Kthena's downloader with rsync) into
# `output_dir`, then asks the engine on the pod's localhost to load it from
# that path (/v1/load_lora_adapter {lora_name, lora_path: output_dir}).
#
# The backend loads adapters at run time (VLLM_ALLOW_RUNTIME_LORA_UPDATING):
# its runtime container mounts the weights volume where the engine reads
# it, so the sidecar's download into the cache mount path reaches the
# engine. (Kthena's own template, and ours before, mounted nothing there:
# the engine answered 404 to every such load.) e2e.lora_dynamic drives the
# same calls through the controller.
source "$(dirname "$0")/lib.sh"
e2e_setup
pod_agent_enable
# The controller's own LoRA sync is off: it would unload an adapter its
# booster does not list, the one this test loads by hand.
ctl_start main --lora-sync-threads 0

B=ls
runtime_lora_booster "$B" "[]" | apply_yaml
wait_cond "$B" Active True 60
pod=$(pods_of "$B-gpu")
wait_for -t 60 agent_serving "$pod" || fail "the pod agent did not start $pod"
podjson=$(k get pod "$pod" -o json)
cache=$(jq -r '[.spec.containers[] | select(.name == "engine") | .volumeMounts[] | select(.name | endswith("-weights"))][0].mountPath' <<<"$podjson")
[[ -n $cache && $cache != null ]] || fail "no cache volume mount on the engine container of $pod"
rport=$(jq -r '.spec.containers[] | select(.name == "runtime") | .ports[0].containerPort' <<<"$podjson")
ip=$(pod_ip "$pod")

# The adapter the test offers as a PVC path (Kthena's downloader reads
# pvc://<dir> from /<dir>; the sidecar sees the host's files read-only).
src="$MB_TMP/adapters/sql-lora"
mkdir -p "$src"
echo '{"r": 8, "lora_alpha": 16}' >"$src/adapter_config.json"
echo weights >"$src/adapter_model.safetensors"
out="$cache/sql-lora"

code=$(curl -sS -m 60 -o "$MB_TMP/load.out" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data "{\"lora_name\":\"sql-lora\",\"source\":\"pvc://${src#/}\",\"output_dir\":\"$out\"}" \
  "http://$ip:$rport/v1/load_lora_adapter") || fail "the runtime sidecar of $pod does not answer"
note "sidecar load_lora_adapter (source pvc://${src#/}, output_dir $out): HTTP $code $(head -c 300 "$MB_TMP/load.out")"
runtime_log="$MODELBOOSTER_TESTENV_POD_AGENT_DIR/pods/$MB_NS/$pod/runtime.log"
grep -q "Starting file sync from $src to $out" "$runtime_log" ||
  fail "the sidecar did not run Kthena's pvc:// downloader: $(tail -n 20 "$runtime_log")"
[[ ! -e $out ]] || fail "the download reached the host's real $out"
note "Kthena's downloader copied the adapter with rsync inside the sidecar's own filesystem (not on the host)"

models=$(curl -fsS -m 5 "$(engine_url "$pod")/v1/models" | jq -c '[.data[].id]')
if [[ $code == 200 ]] && jq -e 'index("sql-lora") != null' <<<"$models" >/dev/null; then
  note "the engine lists sql-lora: $models"
  exit 0
fi
mounts=$(jq -c '[.spec.containers[] | select(.name == "runtime") | (.volumeMounts // [])[] | .mountPath]' <<<"$podjson")
fail "the adapter was not loaded (sidecar HTTP $code; runtime container mounts $mounts; engine models $models)"

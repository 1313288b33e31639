#!/usr/bin/env bash
# The operator's endpoints as Prometheus and the kubelet read them:
# /healthz and /readyz answer, /metrics carries every metric name the
# contract lists (docs/controller.md) with real values after a
# reconcile, in Prometheus text format; "0" turns the metrics server off.
source "$(dirname "$0")/lib.sh"
e2e_setup
ctl_start main

small_booster ep | apply_yaml
wait_cond ep Initialized True
ctl_idle

health=${CTL_HEALTH[main]}
metrics=${CTL_METRICS[main]}
expect_eq "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$health/healthz")" "200" "/healthz status"
expect_eq "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$health/readyz")" "200" "/readyz status"
[[ $(readyz main) == "ok: leading; serving stack v"* ]] || fail "/readyz does not name the serving stack: '$(readyz main)'"

body=$(curl -fsS -D "$MB_TMP/metrics.headers" "http://127.0.0.1:$metrics/metrics") || fail "cannot read /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$MB_TMP/metrics.headers" ||
  fail "/metrics is not Prometheus text format: $(grep -i content-type "$MB_TMP/metrics.headers")"
for name in controller_runtime_reconcile_total controller_runtime_reconcile_errors_total \
  controller_runtime_reconcile_time_seconds workqueue_depth workqueue_adds_total \
  workqueue_queue_duration_seconds workqueue_work_duration_seconds workqueue_retries_total \
  rest_client_requests_total modelbooster_serving_stack_info modelbooster_serving_stack_kind_served; do
  grep -q "^# TYPE $name " <<<"$body" || fail "/metrics has no metric $name"
done
note "every metric name of the contract is exported"
(($(metric controller_runtime_reconcile_total) >= 1)) || fail "controller_runtime_reconcile_total is 0 after a reconcile"
(($(metric workqueue_adds_total) >= 1)) || fail "workqueue_adds_total is 0 after a booster was added"
(($(metric rest_client_requests_total 'verb="create"' 'code="201"') >= 3)) ||
  fail "rest_client_requests_total counts fewer than the 3 creates of the booster's children"
grep -q '_count' <<<"$(grep '^controller_runtime_reconcile_time_seconds' <<<"$body")" ||
  fail "controller_runtime_reconcile_time_seconds is not a histogram"
grep -qE '^[a-z_]+\{[^}]*condition="Initialized"[^}]*status="True"[^}]*\} 1$|^[a-z_]+\{[^}]*type="Initialized"[^}]*status="True"[^}]*\} 1$' <<<"$body" ||
  fail "no booster gauge by condition with Initialized=True = 1:
$(grep -i initialized <<<"$body")"
note "metrics carry values: reconciles $(metric controller_runtime_reconcile_total), booster gauge by condition present"

# "0" disables the metrics server; health keeps answering.
ctl_stop main
CTL_METRICS_ADDR=0 ctl_start off
expect_eq "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:${CTL_HEALTH[off]}/healthz")" "200" "/healthz with metrics off"
if curl -fsS -o /dev/null "http://127.0.0.1:${CTL_METRICS[off]}/metrics" 2>/dev/null; then
  fail "--metrics-bind-address 0 still serves /metrics"
fi
ctl_stop off

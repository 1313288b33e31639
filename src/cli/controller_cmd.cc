#include <memory>

#include "base/log.h"
#include "base/stop_signals.h"
#include "cli/commands.h"
#include "cli/conversion_flags.h"
#include "controller/manager.h"

namespace mb::cli {

Action addController(CLI::App& app) {
  auto o = std::make_shared<controller::ManagerOptions>();
  auto logFormat = std::make_shared<std::string>("text");
  auto verbosity = std::make_shared<int>(0);
  CLI::App* cmd = app.add_subcommand(
      "controller",
      "Run the ModelBooster controller: watch ModelBoosters and keep their ModelServing, ModelServer, ModelRoute and "
      "autoscaling objects in step. Configuration: --kubeconfig, else KUBECONFIG, else the in-cluster service "
      "account, else ~/.kube/config. Stops cleanly on SIGTERM.");
  cmd->add_option("--kubeconfig", o->kube.kubeconfig, "Path to a kubeconfig file");
  cmd->add_option("--context", o->kube.context, "kubeconfig context to use (default: current-context)");
  cmd->add_option("--master", o->kube.master, "API server URL; overrides the kubeconfig's server");
  cmd->add_option("--namespace", o->watchNamespaces,
                  "Watch only these namespaces (repeat the flag or separate with commas; default: all namespaces)")
      ->delimiter(',');
  cmd->add_option("--workers", o->workers, "Boosters reconciled in parallel")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--lora-sync-threads", o->loraSyncThreads,
                  "Threads that load and unload LoRA adapters on running pods through their runtime sidecars, for "
                  "vLLM backends with VLLM_ALLOW_RUNTIME_LORA_UPDATING=true (needs list/watch on pods); 0 turns it "
                  "off, and an adapter change then rolls the backend's pods")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  cmd->add_flag("--leader-elect", o->leaderElect, "Elect a leader among replicas with a Lease; only it reconciles");
  cmd->add_option("--leader-election-namespace", o->leaderElectionNamespace,
                  "Namespace of the Lease (default: the controller's namespace)");
  cmd->add_option("--leader-election-id", o->leaderElectionId, "Name of the Lease")->capture_default_str();
  cmd->add_option("--metrics-bind-address", o->metricsAddress, "Prometheus metrics at /metrics; \"0\" disables")
      ->capture_default_str();
  cmd->add_option("--health-probe-bind-address", o->healthAddress, "/healthz and /readyz; \"0\" disables")
      ->capture_default_str();
  cmd->add_option("--kube-api-qps", o->qps, "Client-side limit on API requests per second")->capture_default_str();
  cmd->add_option("--kube-api-burst", o->burst, "Burst above --kube-api-qps")->capture_default_str();
  cmd->add_option("--webhook-port", o->webhookPort,
                  "HTTPS port of the admission webhooks /validate-modelbooster and /mutate-modelbooster, served when "
                  "--tls-cert-file and --tls-private-key-file are given; 0 disables them")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  auto* cert = cmd->add_option("--tls-cert-file", o->tlsCertFile,
                               "PEM certificate (chain) of the webhook server; re-read when the file changes");
  auto* key = cmd->add_option("--tls-private-key-file", o->tlsKeyFile,
                              "PEM private key of --tls-cert-file; re-read when the file changes");
  cert->needs(key);
  key->needs(cert);
  addConversionFlags(*cmd, o->config, ConversionFlagsFor::Controller, &o->servingStack);
  cmd->add_option("--config-namespace", o->configNamespace,
                  "Namespace of the ConfigMap model-booster-controller-config (default: $POD_NAMESPACE or default)");
  cmd->add_option("--log-format", *logFormat, "Log lines as text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("-v,--v", *verbosity, "Log verbosity: 0 info, 1 or more debug")->capture_default_str();
  return [cmd, o, logFormat, verbosity]() -> int {
    if (!cmd->parsed()) return -1;
    // Before any thread exists (logging's included), so every thread
    // inherits the blocked signals.
    base::StopSignals signals;
    base::configureLogging(*logFormat == "json" ? base::LogFormat::Json : base::LogFormat::Text, *verbosity);
    return controller::runManager(*o, signals);
  };
}

}  // namespace mb::cli

// Everything `modelbooster controller` runs: watchers filling the caches,
// the work queue and workers, leader election, metrics and health
// endpoints, configuration from flags and the ConfigMap, graceful shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "base/clock.h"
#include "core/conversion_options.h"
#include "kube/client.h"
#include "kube/rest_config.h"

namespace mb::controller {

struct ManagerOptions {
  kube::LoadOptions kube;                    // --kubeconfig, --context, --master
  std::vector<std::string> watchNamespaces;  // --namespace (repeatable, comma-separated); empty = all
  int workers = 4;                           // --workers
  bool leaderElect = false;                  // --leader-elect
  std::string leaderElectionNamespace;       // default: the controller's namespace
  std::string leaderElectionId = "modelbooster-controller";
  std::string metricsAddress = ":8080";    // --metrics-bind-address ("0" disables)
  std::string healthAddress = ":8081";     // --health-probe-bind-address
  double qps = 20;                         // --kube-api-qps
  int burst = 30;                          // --kube-api-burst
  core::ConversionOptions config;          // images and knobs from flags
  std::string servingStack = "auto";       // --serving-stack: auto | v1.0 | v0.1
  std::string configNamespace;             // where model-booster-controller-config lives
  std::chrono::seconds shutdownGrace{30};  // bound on in-flight reconciles at SIGTERM
  // While a child kind the serving stack needs is missing, discovery runs
  // again this often (on `clock`); the start-up discovery retries failures
  // from 1 s, doubling up to this.
  std::chrono::seconds discoveryPeriod{30};
  // The one clock of the queue, the workers and discovery (RealClock when null).
  base::Clock* clock = nullptr;
  // Tests: talk to this client instead of one built from `kube`.
  kube::Client* client = nullptr;
};

// Runs until `stop` becomes true (SIGTERM). Returns the process exit code:
// 0 after a clean stop, 1 when start-up failed (the message is logged).
// Losing leadership, or a shutdown that outlasts its bound, ends the process
// at once (_Exit: 1 and 0), without waiting for in-flight reconciles.
int runManager(const ManagerOptions& options, const std::atomic<bool>& stop);

}  // namespace mb::controller

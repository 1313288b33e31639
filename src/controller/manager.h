// Everything `modelbooster controller` runs: watchers filling the caches,
// the work queue and workers, leader election, metrics and health
// endpoints, configuration from flags and the ConfigMap, graceful shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/stop_signals.h"
#include "core/conversion_options.h"
#include "kube/client.h"
#include "kube/rest_config.h"
#include "sidecar/runtime_client.h"

namespace mb::controller {

struct ManagerOptions {
  kube::LoadOptions kube;                    // --kubeconfig, --context, --master
  std::vector<std::string> watchNamespaces;  // --namespace (repeatable, comma-separated); empty = all
  int workers = 4;                           // --workers
  // Dynamic LoRA: threads that call the serving pods' runtime sidecars
  // (0 turns it off: no pod watch, adapter changes roll the pods).
  int loraSyncThreads = 4;  // --lora-sync-threads
  sidecar::RuntimeClientTimeouts loraTimeouts;
  // The calls to pods; null: libcurl (tests pass a fake).
  sidecar::RuntimeClient* runtimeClient = nullptr;
  bool leaderElect = false;             // --leader-elect
  std::string leaderElectionNamespace;  // default: the controller's namespace
  std::string leaderElectionId = "modelbooster-controller";
  std::string metricsAddress = ":8080";  // --metrics-bind-address ("0" disables)
  std::string healthAddress = ":8081";   // --health-probe-bind-address
  // The admission webhooks: served on this port when both files are set.
  int webhookPort = 8443;                  // --webhook-port (0 disables)
  std::string tlsCertFile;                 // --tls-cert-file
  std::string tlsKeyFile;                  // --tls-private-key-file
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
  // The Lease's timings (tests shorten them).
  std::chrono::milliseconds leaseDuration{15000};
  std::chrono::milliseconds renewDeadline{10000};
  std::chrono::milliseconds retryPeriod{2000};
};

// The controller with its seams injected: the API client, the one clock of
// the queue, the workers, discovery and every wait of the manager (no real
// sleeps: tests drive it with a FakeClock), and the metrics registry (one of
// its own when null). Steps: serve the endpoints, discover the serving
// stack, start the watches, wait for the caches, lead (or not), supervise,
// shut down.
class Manager {
 public:
  Manager(kube::Client& client, base::Clock& clock, ManagerOptions options, base::Registry* registry = nullptr);
  // Stops and joins whatever run() left running (after run() returned
  // without draining: leadership lost, or the shutdown bound passed).
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Runs until `stop` becomes true and wake() is called (or leadership is
  // lost). Returns the process exit code: 0 after a clean stop (in-flight
  // reconciles drained, the lease released), 1 when start-up failed (the
  // message is logged) or leadership was lost. When mustExitAtOnce() is true
  // afterwards, reconciles may still be writing and the caller must end the
  // process now (runManager: _Exit), without destroying the Manager.
  int run(const std::atomic<bool>& stop);
  // Leadership lost (code 1), or reconciles still running at the shutdown
  // bound (code 0): nothing may wait for in-flight work any more.
  bool mustExitAtOnce() const;
  // `stop` may have changed: the manager's waits look again. Thread-safe;
  // not async-signal-safe (runManager calls it from base::StopSignals'
  // thread, not a handler).
  void wake();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Loads the configuration, builds the client, runs a Manager on the real
// clock until `signals` asks it to stop. Losing leadership, or a shutdown
// that outlasts its bound, ends the process at once (_Exit: 1 and 0),
// without waiting for in-flight reconciles; otherwise returns
// Manager::run's exit code.
int runManager(const ManagerOptions& options, base::StopSignals& signals);

}  // namespace mb::controller

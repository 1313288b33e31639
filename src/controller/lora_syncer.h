// Dynamic LoRA: brings every running entry pod of a backend that loads
// adapters at run time (core/dynamic_lora.h) to the adapters its booster
// wants, through the pod's runtime sidecar, off the reconcile workers.
//
// A reconcile says what each booster wants (want()); the syncer's own
// threads, a fixed number of them, sync one pod at a time: read what the
// engine serves (/v1/models), unload and load what differs
// (core::planLora), read it again. Every call has a timeout
// (sidecar::RuntimeClientTimeouts), so a slow or dead sidecar holds one
// syncer thread for at most that long and never a reconcile worker. A pod
// that failed is tried again after a backoff of its own (2 s doubling to
// 5 min); others go on. When a pod's outcome changes the booster is
// requeued (Notify), and its next reconcile reports it in status and
// Events (report(), takeOutcomes()).
//
// The syncer keeps no state that matters across restarts: a new leader
// reads what each engine serves and plans from that.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "core/lora_plan.h"
#include "sidecar/runtime_client.h"

namespace mb::controller {

struct LoraPodTarget {
  std::string pod;  // the pod's name
  // Changes when the pod could have lost its adapters: uid, IP and the
  // engine's restart count. A pod synced for one identity is synced again
  // for the next.
  std::string identity;
  sidecar::PodEndpoint endpoint;
};

struct LoraBackendWant {
  std::string backend;
  std::string baseModel;  // the served model name, never taken for an adapter
  std::vector<core::DesiredAdapter> adapters;
  std::vector<LoraPodTarget> pods;  // its running entry pods with an IP
};

struct LoraPodReport {
  std::string backend;
  std::string pod;
  std::vector<std::string> loaded;  // the adapters the engine listed last
  bool inSync = false;              // serves exactly what is wanted
  std::string error;                // the last failure, "" after a success
  int failures = 0;                 // in a row
};

// What happened on a pod since the booster's last reconcile: one Event each.
struct LoraOutcome {
  std::string backend;
  std::string pod;
  bool ok = false;
  std::string message;
};

class LoraSyncer {
 public:
  struct Options {
    size_t threads = 4;
    std::chrono::milliseconds initialBackoff{2000};
    std::chrono::milliseconds maxBackoff{300000};
  };
  using Notify = std::function<void(const std::string& boosterKey)>;

  LoraSyncer(sidecar::RuntimeClient& client, base::Clock& clock, Options options, Notify notify);
  ~LoraSyncer();
  LoraSyncer(const LoraSyncer&) = delete;
  LoraSyncer& operator=(const LoraSyncer&) = delete;

  // Starts the threads; stop() (or the destructor) waits for the calls in
  // flight, each bounded by its timeout.
  void start();
  void stop();

  // Replaces what the booster wants and queues every pod not in sync for
  // it (unless it waits for its backoff). Returns when the next retry is
  // due, if one is: the reconciler comes back then.
  std::optional<base::TimePoint> want(const std::string& boosterKey, std::vector<LoraBackendWant> backends);
  // The booster is gone, or has no backend that loads at run time.
  void forget(const std::string& boosterKey);

  std::vector<LoraPodReport> report(const std::string& boosterKey) const;
  std::vector<LoraOutcome> takeOutcomes(const std::string& boosterKey);

  // Pods queued or being synced (tests, metrics).
  size_t busy() const;

 private:
  struct PodState {
    LoraPodTarget target;
    const LoraBackendWant* want = nullptr;  // into Booster::backends
    std::string syncedFor;                  // wantKey() this pod was last brought to
    bool queued = false;
    bool running = false;
    base::TimePoint nextAttempt{};
    LoraPodReport report;
  };
  struct Booster {
    std::vector<LoraBackendWant> backends;
    std::map<std::string, PodState> pods;  // by pod name
    std::vector<LoraOutcome> outcomes;
  };
  struct Task {
    std::string booster;
    std::string pod;
  };

  static std::string wantKey(const LoraBackendWant& want, const LoraPodTarget& target);
  void run();
  // True when the booster should hear about it (its report changed).
  bool sync(const Task& task);
  std::chrono::milliseconds backoff(int failures) const;

  sidecar::RuntimeClient& client_;
  base::Clock& clock_;
  Options options_;
  Notify notify_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, Booster> boosters_;
  std::deque<Task> queue_;
  size_t running_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace mb::controller

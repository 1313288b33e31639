// Keeps a Store in step with the API server: list (paged), then watch from
// the list's resourceVersion; bookmarks keep the version fresh; 410 Gone
// relists and swaps the store atomically; a dropped stream re-watches from
// the last version after a capped, jittered backoff.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "base/clock.h"
#include "kube/client.h"
#include "kube/store.h"

namespace mb::kube {

struct WatcherConfig {
  Resource resource;
  std::string ns;  // "" = all namespaces
  std::string labelSelector;
  std::string fieldSelector;
  int64_t pageSize = 500;
  int watchTimeoutSeconds = 300;
  std::chrono::milliseconds initialBackoff{200};
  std::chrono::milliseconds maxBackoff{30000};
  // Seeds the backoff jitter; unset, std::random_device does, so that
  // replicas differ. Tests set it to get the same waits every run.
  std::optional<uint64_t> jitterSeed;
};

// What changed, for whoever maps objects to work (e.g. the owner's key).
struct Change {
  enum class Type { Applied, Deleted };
  Type type;
  ObjectPtr object;    // the new object, or the deleted one
  ObjectPtr previous;  // for Applied: what the store held before, if anything
};

class Watcher {
 public:
  enum class State { Empty, Listing, Watching, Backoff, Stopped };

  // Backoff waits run on `clock`.
  Watcher(Client& client, base::Clock& clock, WatcherConfig config, Store& store,
          std::function<void(const Change&)> onChange = {});

  // Runs until stop(); call from a dedicated thread.
  void run();
  // Before run(): skip the initial list and watch from `resourceVersion`,
  // trusting the store to be current as of that version (a restart of the
  // watch loop with its cache intact). A stale version leads to a relist.
  void resumeFrom(std::string resourceVersion);
  void stop();

  State state() const { return state_.load(); }
  std::string resourceVersion() const;
  // Counters for tests and metrics.
  uint64_t relists() const { return relists_.load(); }
  uint64_t rewatches() const { return rewatches_.load(); }

 private:
  bool listAll();
  // Returns true when a relist is needed (410), false to re-watch.
  bool watchOnce();
  void backoff();
  // The next backoff wait: the current step times a jitter in [0.5, 1.5).
  std::chrono::milliseconds jittered();
  void resetBackoff() { backoff_ = config_.initialBackoff; }
  void setResourceVersion(std::string rv);

  Client& client_;
  base::Clock& clock_;
  WatcherConfig config_;
  Store& store_;
  Store::Writer writer_;
  std::function<void(const Change&)> onChange_;

  std::atomic<State> state_{State::Empty};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> relists_{0};
  std::atomic<uint64_t> rewatches_{0};
  bool resume_ = false;
  std::chrono::milliseconds backoff_;
  std::mt19937_64 rng_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;  // stop() interrupts backoff sleeps
  std::string resourceVersion_;   // guarded by mutex_
};

}  // namespace mb::kube

// Records Kubernetes Events on objects (what `kubectl describe` shows).
// Identical events (same object, type, reason, message) are aggregated: the
// existing Event's count is bumped instead of a new one being created. Events
// are sent from a background thread through a bounded queue, so a reconcile
// never waits on them and a flood is dropped (and counted), not buffered
// without limit.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "kube/client.h"

namespace mb::kube {

struct ObjectRef {
  std::string apiVersion;
  std::string kind;
  std::string ns;
  std::string name;
  std::string uid;
};

ObjectRef refTo(const document::Value& object);

class EventRecorder {
 public:
  // Timestamps come from `clock`'s wall time; aggregation ages and flush()
  // bounds run on its steady time.
  EventRecorder(Client& client, base::Clock& clock, std::string component, std::string instance,
                size_t maxQueued = 1000);
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void normal(const ObjectRef& object, const std::string& reason, const std::string& message) {
    record(object, "Normal", reason, message);
  }
  void warning(const ObjectRef& object, const std::string& reason, const std::string& message) {
    record(object, "Warning", reason, message);
  }
  void record(const ObjectRef& object, const std::string& type, const std::string& reason, const std::string& message);

  // Waits until everything queued so far has been sent (tests, shutdown),
  // at most `bound`; false when events were still waiting then.
  bool flush(std::chrono::milliseconds bound = std::chrono::milliseconds::max());
  uint64_t dropped() const { return dropped_.load(); }

 private:
  struct Pending {
    ObjectRef object;
    std::string type, reason, message;
  };
  struct Sent {
    std::string name;  // the Event object's name
    int64_t count = 0;
    base::TimePoint last;
  };
  void loop();
  void send(const Pending& p);
  // Forgets Events not repeated for longer than the API server keeps them
  // (an hour by default): the map would otherwise grow with every distinct
  // message for the life of the process. A repeat after that makes (or
  // adopts) the Event again.
  void forgetOld(base::TimePoint now);

  Client& client_;
  base::Clock& clock_;
  const std::string component_;
  const std::string instance_;
  const size_t maxQueued_;
  std::atomic<uint64_t> dropped_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Pending> queue_;         // guarded by mutex_
  bool busy_ = false;                 // guarded by mutex_
  bool stopping_ = false;             // guarded by mutex_
  std::map<std::string, Sent> sent_;  // aggregation key -> Event; only the sender thread touches it
  base::TimePoint lastForget_{};      // sender thread only
  std::thread thread_;
};

}  // namespace mb::kube

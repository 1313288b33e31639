// An EventSink that keeps what it is given, for tests that assert the
// Events a user would see on a booster (`kubectl describe`).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "controller/event_sink.h"

namespace mb::controller::testing {

class RecordingEventSink final : public EventSink {
 public:
  // "<type> <reason> <namespace>/<name>: <message>"
  void emit(const kube::ObjectRef& object, const std::string& type, const std::string& reason,
            const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(type + " " + reason + " " + object.ns + "/" + object.name + ": " + message);
  }
  std::vector<std::string> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mu_);
    events_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;  // guarded by mu_
};

}  // namespace mb::controller::testing

// Where the reconciler sends the Kubernetes Events it emits on a booster
// (Created, Updated, Replaced, Deleted, ChildOwnedByOther, InvalidSpec,
// APIError, ...). The manager plugs in the kube event recorder; reconciler
// tests plug in a fake that records them, and assert what a user would see
// in `kubectl describe`.
#pragma once

#include <string>

#include "kube/events.h"

namespace mb::controller {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // `type` is "Normal" or "Warning".
  virtual void emit(const kube::ObjectRef& object, const std::string& type, const std::string& reason,
                    const std::string& message) = 0;
};

// Events through kube::EventRecorder (aggregated, sent in the background).
class RecorderEventSink final : public EventSink {
 public:
  explicit RecorderEventSink(kube::EventRecorder& recorder) : recorder_(recorder) {}
  void emit(const kube::ObjectRef& object, const std::string& type, const std::string& reason,
            const std::string& message) override {
    recorder_.record(object, type, reason, message);
  }

 private:
  kube::EventRecorder& recorder_;
};

}  // namespace mb::controller

#include "controller/status.h"

#include "document/value.h"

namespace mb::controller {
namespace {

const api::Condition* find(const api::ModelBoosterStatus& s, const std::string& type) {
  for (const auto& c : s.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

api::Condition condition(const api::ModelBoosterStatus& current, std::string type, bool status, std::string reason,
                         std::string message, int64_t generation, const std::string& now) {
  api::Condition c;
  c.type = std::move(type);
  c.status = status ? "True" : "False";
  c.reason = std::move(reason);
  c.message = std::move(message);
  c.observedGeneration = generation;
  const api::Condition* old = find(current, c.type);
  c.lastTransitionTime = (old != nullptr && old->status == c.status) ? old->lastTransitionTime : now;
  return c;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

api::ModelBoosterStatus nextStatus(const api::ModelBoosterStatus& current, const Observed& o, const std::string& now) {
  api::ModelBoosterStatus s;
  s.observedGeneration = o.generation;
  bool failed = !o.failedReason.empty();
  if (failed) {
    s.conditions.push_back(condition(current, "Initialized", o.childrenWritten,
                                     o.childrenWritten ? "ChildrenReady" : o.failedReason,
                                     o.childrenWritten ? "every child of this generation is in place"
                                                       : "children were not written: " + o.failedMessage,
                                     o.generation, now));
  } else {
    s.conditions.push_back(condition(current, "Initialized", true, "ChildrenReady",
                                     "every child of this generation is in place", o.generation, now));
  }
  const bool allScaledToZero = o.servings > 0 && o.scaledToZero.size() == o.servings;
  if (o.notAvailable.empty() && o.childrenWritten && allScaledToZero) {
    s.conditions.push_back(condition(current, "Active", false, "ScaledToZero",
                                     "every backend is at 0 replicas: nothing serves until one is scaled up",
                                     o.generation, now));
  } else if (o.notAvailable.empty() && o.childrenWritten) {
    s.conditions.push_back(condition(
        current, "Active", true, "AllAvailable",
        o.scaledToZero.empty() ? "every ModelServing is available"
                               : "every ModelServing is available, but " + joined(o.scaledToZero) + " at 0 replicas",
        o.generation, now));
  } else {
    std::string message = o.childrenWritten ? "ModelServings not yet available: " + joined(o.notAvailable)
                                            : "the children are not in place";
    s.conditions.push_back(condition(current, "Active", false,
                                     o.childrenWritten ? "ModelServingsNotAvailable" : "NotInitialized", message,
                                     o.generation, now));
  }
  s.conditions.push_back(condition(current, "Failed", failed, failed ? o.failedReason : "Reconciled",
                                   failed ? o.failedMessage : "the last reconcile succeeded", o.generation, now));
  s.backendStatuses = o.backends;
  return s;
}

bool sameStatus(const api::ModelBoosterStatus& a, const api::ModelBoosterStatus& b) {
  return document::equal(api::encode(a), api::encode(b));
}

}  // namespace mb::controller

#include "controller/child_status.h"

#include <charconv>

#include "kube/object_meta.h"

namespace mb::controller {
namespace {

const document::Value* at(const document::Value& v, std::initializer_list<const char*> keys) {
  const document::Value* cur = &v;
  for (const char* k : keys) {
    cur = cur->find(k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

template <typename T>
T number(const document::Value* v, T absent) {
  T n = absent;
  if (v != nullptr && v->isNumber()) std::from_chars(v->text().data(), v->text().data() + v->text().size(), n);
  return n;
}

}  // namespace

bool available(const document::Value& serving) {
  const document::Value* conditions = at(serving, {"status", "conditions"});
  if (conditions == nullptr || !conditions->isArray()) return false;
  for (const auto& c : conditions->items()) {
    if (kube::textOf(c.find("type")) == "Available") return kube::textOf(c.find("status")) == "True";
  }
  return false;
}

int64_t specReplicas(const document::Value& serving) { return number<int64_t>(at(serving, {"spec", "replicas"}), -1); }

int32_t statusReplicas(const document::Value& serving) {
  return number<int32_t>(at(serving, {"status", "replicas"}), 0);
}

int32_t availableReplicas(const document::Value& serving) {
  return number<int32_t>(at(serving, {"status", "availableReplicas"}), 0);
}

void observeServings(const kube::Store& servings, const std::string& ns, const api::ModelBooster& booster,
                     const std::vector<api::DesiredChild>& desired, Observed& observed) {
  for (const auto& child : desired) {
    if (child.kind != api::ChildKind::ModelServing) continue;
    observed.servings++;
    const std::string& servingName = child.name;
    kube::ObjectPtr live = servings.get(kube::objectKey(ns, servingName));
    // A ModelServing at 0 replicas (a backend at minReplicas 0, or scaled
    // to zero by the autoscaler) has nothing to make available; Kthena
    // writes no status for it at all. It does not hold the booster back.
    if (live != nullptr && specReplicas(*live) == 0) {
      observed.scaledToZero.push_back(servingName);
    } else if (live == nullptr || !available(*live)) {
      observed.notAvailable.push_back(servingName);
    }
    observed.backends.push_back(
        api::BackendStatus{booster.spec.backends[child.backend].name, live != nullptr ? statusReplicas(*live) : 0});
  }
}

}  // namespace mb::controller

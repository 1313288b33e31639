#include "controller/child_sync.h"

#include <charconv>

namespace mb::controller {
namespace {

const doc::Value* path(const doc::Value& v, std::initializer_list<const char*> keys) {
  const doc::Value* cur = &v;
  for (const char* k : keys) {
    cur = cur->find(k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

int64_t asInt(const doc::Value* v, int64_t fallback) {
  if (v == nullptr || !v->isNumber()) return fallback;
  int64_t n = fallback;
  std::from_chars(v->text().data(), v->text().data() + v->text().size(), n);
  return n;
}

bool sameOrAbsent(const doc::Value* a, const doc::Value* b) {
  if (a == nullptr || b == nullptr) return (a == nullptr || a->isNull()) && (b == nullptr || b->isNull());
  return doc::equal(*a, *b);
}

// True when every reference in `wanted` is in `refs` exactly. References
// other tools added (without `controller: true`) are theirs, not drift.
bool containsAll(const doc::Value* refs, const doc::Value& wanted) {
  for (const auto& w : wanted.items()) {
    bool found = false;
    if (refs != nullptr) {
      for (const auto& r : refs->items()) found = found || doc::equal(r, w);
    }
    if (!found) return false;
  }
  return true;
}

std::string uidOf(const doc::Value& ref) {
  const doc::Value* uid = ref.find("uid");
  return uid != nullptr && uid->isString() ? uid->text() : std::string();
}

// `refs` with ours in place of any older version of them (same uid), and
// everyone else's kept in their order.
doc::Value withOwners(const doc::Value* refs, const doc::Value& ours) {
  doc::Value out = doc::Value::array();
  if (refs != nullptr) {
    for (const auto& r : refs->items()) {
      bool replaced = false;
      for (const auto& o : ours.items()) replaced = replaced || uidOf(r) == uidOf(o);
      if (!replaced) out.push(r);
    }
  }
  for (const auto& o : ours.items()) out.push(o);
  return out;
}

}  // namespace

SyncPlan planChild(api::ChildKind kind, const doc::Value& desired, const doc::Value& live,
                   const ReplicaBounds& replicas) {
  SyncPlan plan;
  // Immutable fields: the API rejects an update, so the child is replaced.
  if (kind == api::ChildKind::ModelRoute &&
      !sameOrAbsent(path(desired, {"spec", "modelName"}), path(live, {"spec", "modelName"}))) {
    plan.op = SyncPlan::Op::Replace;
    plan.reason = "spec.modelName changed (immutable)";
    return plan;
  }
  if (kind == api::ChildKind::ModelServing && !sameOrAbsent(path(desired, {"spec", "template", "gangPolicy"}),
                                                            path(live, {"spec", "template", "gangPolicy"}))) {
    plan.op = SyncPlan::Op::Replace;
    plan.reason = "spec.template.gangPolicy changed (immutable once set)";
    return plan;
  }

  doc::Value desiredSpec = *path(desired, {"spec"});
  const doc::Value* liveSpec = path(live, {"spec"});
  int64_t liveReplicas = asInt(liveSpec != nullptr ? liveSpec->find("replicas") : nullptr, -1);
  if (kind == api::ChildKind::ModelServing && replicas.autoscaled && liveReplicas >= 0) {
    // Leave the autoscaler's choice alone unless it is out of range.
    int64_t clamped = std::min(std::max(liveReplicas, replicas.min), replicas.max);
    desiredSpec.put("replicas", doc::Value::integer(clamped));
  }

  bool specDiffers = liveSpec == nullptr || !doc::isSubset(desiredSpec, *liveSpec);
  const doc::Value* desiredLabels = path(desired, {"metadata", "labels"});
  const doc::Value* liveLabels = path(live, {"metadata", "labels"});
  bool labelsDiffer =
      desiredLabels != nullptr && (liveLabels == nullptr || !doc::isSubset(*desiredLabels, *liveLabels));
  const doc::Value* desiredOwners = path(desired, {"metadata", "ownerReferences"});
  const doc::Value* liveOwners = path(live, {"metadata", "ownerReferences"});
  bool ownersDiffer = desiredOwners != nullptr && !containsAll(liveOwners, *desiredOwners);
  if (!specDiffers && !labelsDiffer && !ownersDiffer) return plan;

  // Update the live object (keeping resourceVersion, status and fields set
  // by others on metadata) with our spec, labels and owner.
  plan.op = SyncPlan::Op::Update;
  plan.object = live;
  plan.object.erase("status");
  doc::Value* meta = plan.object.find("metadata");
  if (desiredLabels != nullptr) {
    doc::Value* labels = meta->find("labels");
    if (labels == nullptr || !labels->isObject()) labels = &meta->put("labels", doc::Value::object());
    for (const auto& m : desiredLabels->members()) labels->put(m.key, m.value);
  }
  if (ownersDiffer) meta->put("ownerReferences", withOwners(liveOwners, *desiredOwners));
  plan.object.put("spec", std::move(desiredSpec));
  return plan;
}

}  // namespace mb::controller

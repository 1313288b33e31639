#include "controller/child_sync.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace mb::controller {
namespace {
// The metadata maps the controller owns keys of: its labels, and the
// annotations it writes (the template's LoRA adapters, core/dynamic_lora.h).
constexpr const char* kOwnedMetadata[] = {"labels", "annotations"};
}  // namespace

namespace {

const document::Value* path(const document::Value& v, std::initializer_list<const char*> keys) {
  const document::Value* cur = &v;
  for (const char* k : keys) {
    cur = cur->find(k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

int64_t asInt(const document::Value* v, int64_t fallback) {
  if (v == nullptr || !v->isNumber()) return fallback;
  int64_t n = fallback;
  std::from_chars(v->text().data(), v->text().data() + v->text().size(), n);
  return n;
}

bool sameOrAbsent(const document::Value* a, const document::Value* b) {
  if (a == nullptr || b == nullptr) return (a == nullptr || a->isNull()) && (b == nullptr || b->isNull());
  return document::equal(*a, *b);
}

// True when every reference in `wanted` is in `refs` exactly. References
// other tools added (without `controller: true`) are theirs, not drift.
bool containsAll(const document::Value* refs, const document::Value& wanted) {
  for (const auto& w : wanted.items()) {
    bool found = false;
    if (refs != nullptr) {
      for (const auto& r : refs->items()) found = found || document::equal(r, w);
    }
    if (!found) return false;
  }
  return true;
}

std::string uidOf(const document::Value& ref) {
  const document::Value* uid = ref.find("uid");
  return uid != nullptr && uid->isString() ? uid->text() : std::string();
}

// `refs` with ours in place of any older version of them (same uid), and
// everyone else's kept in their order.
document::Value withOwners(const document::Value* refs, const document::Value& ours) {
  document::Value out = document::Value::array();
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

// `desired` cut down to what `stored` kept of it (see serverView).
document::Value project(const document::Value& desired, const document::Value& stored) {
  if (desired.isObject() && stored.isObject()) {
    document::Value out = document::Value::object();
    for (const auto& m : desired.members()) {
      const document::Value* kept = stored.find(m.key);
      if (kept != nullptr) out.set(m.key, project(m.value, *kept));  // absent: pruned
    }
    return out;
  }
  if (desired.isArray() && stored.isArray() && desired.items().size() == stored.items().size()) {
    document::Value out = document::Value::array();
    for (size_t i = 0; i < desired.items().size(); ++i) out.push(project(desired.items()[i], stored.items()[i]));
    return out;
  }
  return stored;
}

// Puts `stored`'s value at spec.<keys...> into `view` (or removes it there).
void takeWhole(document::Value& view, const document::Value& stored, std::initializer_list<const char*> keys) {
  std::vector<const char*> k(keys);
  const document::Value* value = path(stored, keys);
  document::Value* cur = &view;
  for (size_t i = 0; i + 1 < k.size(); ++i) {
    document::Value* next = cur->find(k[i]);
    if (next == nullptr || !next->isObject()) {
      if (value == nullptr) return;
      next = &cur->put(k[i], document::Value::object());
    }
    cur = next;
  }
  if (value != nullptr) {
    cur->put(k.back(), *value);
  } else {
    cur->erase(k.back());
  }
}

}  // namespace

document::Value serverView(api::ChildKind kind, const document::Value& desired, const document::Value& stored) {
  document::Value view = document::Value::object();
  document::Value meta = document::Value::object();
  for (const char* map : kOwnedMetadata) {
    if (const document::Value* ours = path(desired, {"metadata", map}); ours != nullptr) {
      const document::Value* kept = path(stored, {"metadata", map});
      meta.put(map, kept != nullptr ? project(*ours, *kept) : document::Value::object());
    }
  }
  if (!meta.members().empty()) view.set("metadata", std::move(meta));
  const document::Value* spec = path(desired, {"spec"});
  const document::Value* keptSpec = path(stored, {"spec"});
  view.set("spec", spec != nullptr && keptSpec != nullptr ? project(*spec, *keptSpec) : document::Value::object());
  if (kind == api::ChildKind::ModelRoute) takeWhole(view, stored, {"spec", "modelName"});
  if (kind == api::ChildKind::ModelServing) takeWhole(view, stored, {"spec", "template", "gangPolicy"});
  return view;
}

bool keptAsSent(const document::Value& view, const document::Value& desired) {
  auto same = [](const document::Value* a, const document::Value* b) {
    return a == nullptr ? b == nullptr : b != nullptr && document::equal(*a, *b);
  };
  return same(path(view, {"spec"}), path(desired, {"spec"})) &&
         same(path(view, {"metadata", "labels"}), path(desired, {"metadata", "labels"})) &&
         same(path(view, {"metadata", "annotations"}), path(desired, {"metadata", "annotations"}));
}

namespace {

// True when `gang` is {minRoleReplicas: {<role>: <its replicas>}} for
// exactly the roles of `spec`.
bool isImplicitGang(const document::Value& gang, const document::Value* roles) {
  const document::Value* minRoles = gang.find("minRoleReplicas");
  if (minRoles == nullptr || !minRoles->isObject() || roles == nullptr || !roles->isArray()) return false;
  if (gang.members().size() != 1 || minRoles->members().size() != roles->items().size()) return false;
  for (const auto& role : roles->items()) {
    const document::Value* name = role.find("name");
    const document::Value* min = name != nullptr && name->isString() ? minRoles->find(name->text()) : nullptr;
    if (min == nullptr || asInt(min, -1) != asInt(role.find("replicas"), 1)) return false;
  }
  return true;
}

}  // namespace

bool keepImplicitGangPolicy(const document::Value& desired, const document::Value& live, document::Value& out) {
  const document::Value* roles = path(desired, {"spec", "template", "roles"});
  const document::Value* want = path(desired, {"spec", "template", "gangPolicy"});
  const document::Value* have = path(live, {"spec", "template", "gangPolicy"});
  if ((want == nullptr) == (have == nullptr)) return false;
  // One side has none, the other the gang the stack applies anyway.
  if (!isImplicitGang(want != nullptr ? *want : *have, roles)) return false;
  out = desired;
  document::Value* tmpl = out.find("spec")->find("template");
  if (have != nullptr) {
    tmpl->put("gangPolicy", *have);
  } else {
    tmpl->erase("gangPolicy");
  }
  return true;
}

SyncPlan planChild(api::ChildKind kind, const document::Value& desired, const document::Value& live,
                   const ReplicaBounds& replicas, const document::Value* expected) {
  SyncPlan plan;
  // What the live object should look like in the fields we own: the
  // server's version of what we last wrote, or what we want.
  const document::Value& want = expected != nullptr ? *expected : desired;
  // Immutable fields: the API rejects an update, so the child is replaced.
  if (kind == api::ChildKind::ModelRoute &&
      !sameOrAbsent(path(want, {"spec", "modelName"}), path(live, {"spec", "modelName"}))) {
    plan.op = SyncPlan::Op::Replace;
    plan.reason = "spec.modelName changed (immutable)";
    return plan;
  }
  if (kind == api::ChildKind::ModelServing &&
      !sameOrAbsent(path(want, {"spec", "template", "gangPolicy"}), path(live, {"spec", "template", "gangPolicy"}))) {
    plan.op = SyncPlan::Op::Replace;
    plan.reason = "spec.template.gangPolicy changed (immutable once set)";
    return plan;
  }

  const document::Value* wantSpec = path(want, {"spec"});
  const document::Value* liveSpec = path(live, {"spec"});
  int64_t liveReplicas = asInt(liveSpec != nullptr ? liveSpec->find("replicas") : nullptr, -1);
  std::optional<int64_t> clamped;
  if (kind == api::ChildKind::ModelServing && replicas.autoscaled && liveReplicas >= 0) {
    // Leave the autoscaler's choice alone unless it is out of range.
    clamped = std::min(std::max(liveReplicas, replicas.min), replicas.max);
  }

  bool specDiffers = liveSpec == nullptr;
  if (!specDiffers && wantSpec != nullptr) {
    if (clamped) {
      document::Value w = *wantSpec;
      w.put("replicas", document::Value::integer(*clamped));
      specDiffers = !document::isSubset(w, *liveSpec);
    } else {
      specDiffers = !document::isSubset(*wantSpec, *liveSpec);
    }
  }
  // Our labels and annotations: the live object holds ours (others may add
  // their own beside them).
  bool labelsDiffer = false;
  for (const char* map : kOwnedMetadata) {
    const document::Value* wantMap = path(want, {"metadata", map});
    const document::Value* liveMap = path(live, {"metadata", map});
    labelsDiffer =
        labelsDiffer || (wantMap != nullptr && (liveMap == nullptr || !document::isSubset(*wantMap, *liveMap)));
  }
  const document::Value* desiredOwners = path(desired, {"metadata", "ownerReferences"});
  const document::Value* liveOwners = path(live, {"metadata", "ownerReferences"});
  bool ownersDiffer = desiredOwners != nullptr && !containsAll(liveOwners, *desiredOwners);
  if (!specDiffers && !labelsDiffer && !ownersDiffer) return plan;

  // Update the live object (keeping resourceVersion, status and fields set
  // by others on metadata) with our spec, labels and owner.
  plan.op = SyncPlan::Op::Update;
  plan.object = live;
  plan.object.erase("status");
  document::Value* meta = plan.object.find("metadata");
  for (const char* map : kOwnedMetadata) {
    const document::Value* ours = path(desired, {"metadata", map});
    if (ours == nullptr) continue;
    document::Value* theirs = meta->find(map);
    if (theirs == nullptr || !theirs->isObject()) theirs = &meta->put(map, document::Value::object());
    for (const auto& m : ours->members()) theirs->put(m.key, m.value);
  }
  if (ownersDiffer) meta->put("ownerReferences", withOwners(liveOwners, *desiredOwners));
  document::Value desiredSpec = *path(desired, {"spec"});
  if (clamped) desiredSpec.put("replicas", document::Value::integer(*clamped));
  plan.object.put("spec", std::move(desiredSpec));
  return plan;
}

std::string WrittenChildren::keyOf(api::ChildKind kind, const std::string& ns, const std::string& name) {
  return std::string(api::kindInfo(kind).name) + " " + ns + "/" + name;
}

kube::ObjectPtr WrittenChildren::expectedFor(const std::string& key, uint64_t desiredHash) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.desiredHash != desiredHash) return nullptr;
  return it->second.expected;
}

void WrittenChildren::remember(const std::string& key, uint64_t desiredHash, kube::ObjectPtr expected,
                               std::string uid) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[key] = Entry{desiredHash, std::move(expected), std::move(uid)};
}

void WrittenChildren::forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(key);
}

void WrittenChildren::forget(const std::string& key, const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && (uid.empty() || it->second.uid.empty() || it->second.uid == uid)) entries_.erase(it);
}

size_t WrittenChildren::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace mb::controller

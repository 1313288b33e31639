#include "kube/store.h"

#include <charconv>
#include <set>

#include "kube/object_meta.h"

namespace mb::kube {

void trimForCache(document::Value& object) {
  if (document::Value* meta = object.find("metadata")) meta->erase("managedFields");
}

std::string objectKey(const std::string& ns, const std::string& name) { return ns.empty() ? name : ns + "/" + name; }

std::string objectKey(const document::Value& object) { return objectKey(namespaceOf(object), nameOf(object)); }

std::string controllerUid(const document::Value& object) {
  const document::Value* ref = controllerReference(object);
  return ref != nullptr ? textOf(ref->find("uid")) : std::string();
}

ObjectPtr Store::get(const std::string& key) const {
  std::shared_lock lock(mutex_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::list() const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [k, v] : objects_) out.push_back(v);
  return out;
}

std::vector<ObjectPtr> Store::ownedBy(const std::string& ownerUid) const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  auto [first, last] = byOwner_.equal_range(ownerUid);
  for (auto it = first; it != last; ++it) {
    auto obj = objects_.find(it->second);
    if (obj != objects_.end()) out.push_back(obj->second);
  }
  return out;
}

size_t Store::size() const {
  std::shared_lock lock(mutex_);
  return objects_.size();
}

bool Store::synced() const {
  std::shared_lock lock(mutex_);
  if (namespaces_.empty()) return synced_;
  for (const auto& [ns, listed] : namespaces_) {
    if (!listed) return false;
  }
  return true;
}

void Store::expectNamespace(const std::string& ns) {
  std::unique_lock lock(mutex_);
  namespaces_.emplace(ns, false);
}

void Store::indexLocked(const std::string& key, const ObjectPtr& object) {
  std::string uid = controllerUid(*object);
  if (!uid.empty()) byOwner_.emplace(uid, key);
}

void Store::unindexLocked(const std::string& key, const ObjectPtr& object) {
  std::string uid = controllerUid(*object);
  auto [first, last] = byOwner_.equal_range(uid);
  for (auto it = first; it != last; ++it) {
    if (it->second == key) {
      byOwner_.erase(it);
      return;
    }
  }
}

ObjectPtr Store::Writer::apply(ObjectPtr object) {
  std::string key = objectKey(*object);
  std::unique_lock lock(store_.mutex_);
  ObjectPtr previous;
  auto it = store_.objects_.find(key);
  if (it != store_.objects_.end()) {
    previous = it->second;
    store_.unindexLocked(key, previous);
    it->second = object;
  } else {
    store_.objects_.emplace(key, object);
  }
  store_.indexLocked(key, object);
  return previous;
}

namespace {

bool parseRevision(const document::Value& o, uint64_t& out) {
  const std::string& t = resourceVersionOf(o);
  if (t.empty()) return false;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && p == t.data() + t.size();
}

}  // namespace

bool Store::Writer::applyIfNewer(ObjectPtr object) {
  std::string key = objectKey(*object);
  std::unique_lock lock(store_.mutex_);
  auto it = store_.objects_.find(key);
  if (it != store_.objects_.end()) {
    uint64_t have = 0;
    uint64_t offered = 0;
    if (!parseRevision(*it->second, have) || !parseRevision(*object, offered) || offered <= have) return false;
    store_.unindexLocked(key, it->second);
    it->second = object;
  } else {
    // Deleted since (the watch saw the DELETED event before our write's
    // answer was recorded): the write is older than the deletion.
    auto gone = store_.deleted_.find(key);
    uint64_t offered = 0;
    if (gone != store_.deleted_.end() && (!parseRevision(*object, offered) || offered <= gone->second)) return false;
    store_.objects_.emplace(key, object);
  }
  store_.indexLocked(key, object);
  return true;
}

ObjectPtr Store::Writer::remove(const std::string& key, const document::Value* deleted) {
  constexpr size_t kMaxRemembered = 4096;
  std::unique_lock lock(store_.mutex_);
  auto it = store_.objects_.find(key);
  ObjectPtr previous = it != store_.objects_.end() ? it->second : nullptr;
  uint64_t revision = 0;
  uint64_t seen = 0;
  if (deleted != nullptr && parseRevision(*deleted, seen)) revision = seen;
  if (previous != nullptr && parseRevision(*previous, seen)) revision = std::max(revision, seen);
  if (store_.deleted_.size() >= kMaxRemembered) store_.deleted_.erase(store_.deleted_.begin());
  store_.deleted_[key] = revision;
  if (previous == nullptr) return nullptr;
  store_.unindexLocked(key, previous);
  store_.objects_.erase(it);
  return previous;
}

std::vector<ObjectPtr> Store::Writer::replace(std::vector<ObjectPtr> objects, const std::string& ns) {
  std::map<std::string, ObjectPtr> fresh;
  for (auto& o : objects) {
    std::string key = objectKey(*o);
    fresh[key] = std::move(o);
  }
  const std::string prefix = ns + "/";
  auto inScope = [&](const std::string& key) { return ns.empty() || key.compare(0, prefix.size(), prefix) == 0; };
  std::unique_lock lock(store_.mutex_);
  std::vector<ObjectPtr> gone;
  for (const auto& [key, old] : store_.objects_) {
    if (inScope(key) && !fresh.contains(key)) gone.push_back(old);
    // Other namespaces belong to other watchers' lists: keep them.
    if (!inScope(key)) fresh.emplace(key, old);
  }
  std::multimap<std::string, std::string> index;
  for (const auto& [key, object] : fresh) {
    std::string uid = controllerUid(*object);
    if (!uid.empty()) index.emplace(uid, key);
  }
  store_.objects_.swap(fresh);
  store_.byOwner_.swap(index);
  store_.synced_ = true;
  if (auto it = store_.namespaces_.find(ns); it != store_.namespaces_.end()) it->second = true;
  return gone;
}

}  // namespace mb::kube

#include "controller/event_routing.h"

#include "kube/object_meta.h"

namespace mb::controller {

std::string boosterOwnerKey(const document::Value& child) {
  // Kubernetes allows one controller reference per object.
  const document::Value* ref = kube::controllerReference(child);
  if (ref == nullptr || kube::textOf(ref->find("kind")) != "ModelBooster") return {};
  return kube::objectKey(kube::namespaceOf(child), kube::textOf(ref->find("name")));
}
std::vector<std::string> keysForBooster(const kube::Change& change) {
  if (change.object == nullptr) return {};
  return {kube::objectKey(*change.object)};
}

std::vector<std::string> keysForChild(const kube::Change& change) {
  std::vector<std::string> keys;
  std::string owner = change.object != nullptr ? boosterOwnerKey(*change.object) : std::string();
  if (!owner.empty()) keys.push_back(owner);
  if (change.previous != nullptr) {
    std::string before = boosterOwnerKey(*change.previous);
    if (!before.empty() && before != owner) keys.push_back(before);
  }
  return keys;
}

std::vector<std::string> keysForEveryBooster(const kube::Store& boosters) {
  std::vector<std::string> keys;
  for (const auto& b : boosters.list()) keys.push_back(kube::objectKey(*b));
  return keys;
}

void EventRouter::add(const std::vector<std::string>& keys) {
  for (const auto& key : keys) queue_.add(key);
}

void EventRouter::boosterChanged(const kube::Change& change) { add(keysForBooster(change)); }

void EventRouter::childChanged(api::ChildKind kind, const kube::Change& change) {
  if (change.type == kube::Change::Type::Deleted && change.object != nullptr) {
    const document::Value& gone = *change.object;
    written_.forget(WrittenChildren::keyOf(kind, kube::namespaceOf(gone), kube::nameOf(gone)), kube::uidOf(gone));
  }
  add(keysForChild(change));
}

void EventRouter::everyBooster() { add(keysForEveryBooster(boosters_)); }

}  // namespace mb::controller

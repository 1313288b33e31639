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

namespace {

// What of a pod the LoRA syncer looks at (lora_targets.cc): its phase,
// readiness, IP, entry label, restarts and deletion. Status updates that change nothing
// of it (conditions, probe times) concern no booster.
std::string podSignature(const document::Value& pod) {
  const document::Value* meta = pod.find("metadata");
  const document::Value* status = pod.find("status");
  auto text = [](const document::Value* v, std::string_view key) {
    const document::Value* f = v != nullptr ? v->find(key) : nullptr;
    return f != nullptr && (f->isString() || f->isNumber()) ? f->text() : std::string();
  };
  const document::Value* labels = meta != nullptr ? meta->find("labels") : nullptr;
  std::string ready;
  if (const document::Value* cs = status != nullptr ? status->find("conditions") : nullptr; cs != nullptr) {
    for (const auto& c : cs->items()) {
      if (text(&c, "type") == "Ready") ready = text(&c, "status");
    }
  }
  std::string sig = text(status, "phase") + "|" + ready + "|" + text(status, "podIP") + "|" +
                    text(labels, "modelserving.volcano.sh/entry") + "|" +
                    (meta != nullptr && meta->find("deletionTimestamp") != nullptr ? "deleting" : "");
  if (const document::Value* cs = status != nullptr ? status->find("containerStatuses") : nullptr; cs != nullptr) {
    for (const auto& c : cs->items()) sig += "|" + text(&c, "name") + "=" + text(&c, "restartCount");
  }
  return sig;
}

}  // namespace

std::vector<std::string> keysForPod(const kube::Change& change) {
  if (change.object == nullptr) return {};
  if (change.type == kube::Change::Type::Applied && change.previous != nullptr &&
      podSignature(*change.previous) == podSignature(*change.object)) {
    return {};
  }
  const document::Value* meta = change.object->find("metadata");
  const document::Value* labels = meta != nullptr ? meta->find("labels") : nullptr;
  const document::Value* booster = labels != nullptr ? labels->find("workload.serving.volcano.sh/model-name") : nullptr;
  if (booster == nullptr || !booster->isString() || booster->text().empty()) return {};
  return {kube::namespaceOf(*change.object) + "/" + booster->text()};
}

void EventRouter::podChanged(const kube::Change& change) { add(keysForPod(change)); }

void EventRouter::everyBooster() { add(keysForEveryBooster(boosters_)); }

}  // namespace mb::controller

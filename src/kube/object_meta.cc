#include "kube/object_meta.h"

namespace mb::kube {
namespace {

const document::Value* metaField(const document::Value& object, const char* key) {
  const document::Value* meta = object.find("metadata");
  return meta != nullptr ? meta->find(key) : nullptr;
}

}  // namespace

const std::string& textOf(const document::Value* v) {
  static const std::string kEmpty;
  return v != nullptr && v->isString() ? v->text() : kEmpty;
}

const std::string& nameOf(const document::Value& object) { return textOf(metaField(object, "name")); }
const std::string& namespaceOf(const document::Value& object) { return textOf(metaField(object, "namespace")); }
const std::string& uidOf(const document::Value& object) { return textOf(metaField(object, "uid")); }
const std::string& resourceVersionOf(const document::Value& object) {
  return textOf(metaField(object, "resourceVersion"));
}

const std::string& labelOf(const document::Value& object, std::string_view key) {
  const document::Value* labels = metaField(object, "labels");
  return textOf(labels != nullptr ? labels->find(key) : nullptr);
}

void forEachOwnerReference(const document::Value& object, const std::function<bool(const document::Value&)>& visit) {
  const document::Value* refs = metaField(object, "ownerReferences");
  if (refs == nullptr || !refs->isArray()) return;
  for (const auto& ref : refs->items()) {
    if (!visit(ref)) return;
  }
}

const document::Value* controllerReference(const document::Value& object) {
  const document::Value* found = nullptr;
  forEachOwnerReference(object, [&](const document::Value& ref) {
    const document::Value* controller = ref.find("controller");
    if (controller != nullptr && controller->isBool() && controller->asBool()) found = &ref;
    return found == nullptr;
  });
  return found;
}

}  // namespace mb::kube

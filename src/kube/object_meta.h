// Reading an object's metadata from its document: name, namespace, uid,
// resourceVersion, labels, and the owner references (the controller one,
// or a walk over all of them). Absent or mistyped fields read as empty,
// never as an error: these are the objects the API server sent. The one
// place for these reads (the store, the reconciler, the manager).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "document/value.h"

namespace mb::kube {

// The string at `v`, or "" when `v` is null or not a string.
const std::string& textOf(const document::Value* v);

const std::string& nameOf(const document::Value& object);
const std::string& namespaceOf(const document::Value& object);
const std::string& uidOf(const document::Value& object);
const std::string& resourceVersionOf(const document::Value& object);
// metadata.labels[key], or "".
const std::string& labelOf(const document::Value& object, std::string_view key);

// Calls `visit` with each entry of metadata.ownerReferences, in order,
// until it returns false; nothing when the field is absent or not a list.
void forEachOwnerReference(const document::Value& object, const std::function<bool(const document::Value&)>& visit);
// The ownerReference with controller: true, or null.
const document::Value* controllerReference(const document::Value& object);

}  // namespace mb::kube

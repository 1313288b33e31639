// The parts of metav1.ObjectMeta, OwnerReference and Condition we read and write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "document/field_error.h"
#include "document/value.h"

namespace mb::api {

struct OwnerReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
  bool blockOwnerDeletion = false;
};

// One label, annotation or selector entry. The key is usually a literal,
// which document::Text references instead of copying. An aggregate, not a
// std::pair: pair's forwarding constructor would hide that a literal is
// constant, and every key would be copied.
struct StringPair {
  document::Text key;
  std::string value;
};
using StringPairs = std::vector<StringPair>;

struct ObjectMeta {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string resourceVersion;
  int64_t generation = 0;
  StringPairs labels;
  StringPairs annotations;
  std::vector<OwnerReference> ownerReferences;
  // Everything else the server sets (creationTimestamp, managedFields, ...),
  // kept so that a decoded object encodes back whole.
  document::Value extra = document::Value::object();

  const std::string* label(std::string_view key) const;
  // The owner reference with controller: true, if any.
  const OwnerReference* controllerRef() const;
};

struct Condition {
  std::string type;
  std::string status;  // True, False, Unknown
  int64_t observedGeneration = 0;
  std::string lastTransitionTime;
  std::string reason;
  std::string message;
};

ObjectMeta decodeObjectMeta(const document::Value& value, const document::Path& path, document::Errors& errors);
document::Value encode(const ObjectMeta& meta);
Condition decodeCondition(const document::Value& value, const document::Path& path, document::Errors& errors);
document::Value encode(const Condition& condition);
document::Value encode(const OwnerReference& ref);

}  // namespace mb::api

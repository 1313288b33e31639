#include "core/admission_defaults.h"

#include <string>

#include "core/defaults.h"

namespace mb::core {
namespace {

bool missing(const document::Value& object, std::string_view key) {
  const document::Value* v = object.find(key);
  return v == nullptr || v->isNull();
}

// `pointer` + "/" + `token` as RFC 6901 writes it ("~" and "/" escaped).
std::string childPointer(const std::string& pointer, std::string_view token) {
  std::string out = pointer;
  out.push_back('/');
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class Patch {
 public:
  // "add" sets a member whether or not it exists (RFC 6902 4.1), so it also
  // replaces a null or an empty string.
  void add(const std::string& pointer, document::Value value) {
    ops_.push(document::Value::object({{"op", "add"}, {"path", pointer}, {"value", std::move(value)}}));
  }
  document::Value take() && { return std::move(ops_); }

 private:
  document::Value ops_ = document::Value::array();
};

void defaultWorker(const document::Value& worker, const std::string& at, Patch& patch) {
  if (!worker.isObject()) return;
  const document::Value* type = worker.find("type");
  if (type == nullptr || type->isNull() || (type->isString() && type->text().empty())) {
    patch.add(childPointer(at, "type"), "server");
  }
  if (missing(worker, "replicas")) patch.add(childPointer(at, "replicas"), document::Value::integer(1));
  if (missing(worker, "pods")) patch.add(childPointer(at, "pods"), document::Value::integer(1));
}

void defaultBackend(const document::Value& backend, const std::string& at, bool modelLevel, Patch& patch) {
  if (!backend.isObject()) return;
  if (modelLevel && missing(backend, "scaleToZeroGracePeriod")) {
    patch.add(childPointer(at, "scaleToZeroGracePeriod"), kDefaultScaleToZeroGracePeriod);
  }
  const document::Value* workers = backend.find("workers");
  if (workers == nullptr || !workers->isArray()) return;
  const std::string list = childPointer(at, "workers");
  for (size_t i = 0; i < workers->items().size(); ++i) {
    defaultWorker(workers->items()[i], childPointer(list, std::to_string(i)), patch);
  }
}

}  // namespace

document::Value admissionDefaultsPatch(const document::Value& booster) {
  Patch patch;
  const document::Value* spec = booster.find("spec");
  if (spec == nullptr || !spec->isObject()) return std::move(patch).take();
  const document::Value* policy = spec->find("autoscalingPolicy");
  const bool modelLevel = policy != nullptr && policy->isObject();
  if (modelLevel && missing(*spec, "costExpansionRatePercent")) {
    patch.add("/spec/costExpansionRatePercent", document::Value::integer(kDefaultCostExpansionRatePercent));
  }
  if (const document::Value* list = spec->find("backends"); list != nullptr && list->isArray()) {
    for (size_t i = 0; i < list->items().size(); ++i) {
      defaultBackend(list->items()[i], "/spec/backends/" + std::to_string(i), modelLevel, patch);
    }
  }
  if (const document::Value* single = spec->find("backend"); single != nullptr) {
    defaultBackend(*single, "/spec/backend", modelLevel, patch);
  }
  return std::move(patch).take();
}

}  // namespace mb::core

#include "api/object_meta.h"

#include "api/object_reader.h"

namespace mb::api {
namespace {

void readStringPairs(ObjectReader& r, std::string_view key, StringPairs& out) {
  document::Value map;
  r.stringMap(key, map);
  for (const auto& m : map.members()) out.push_back({m.key, m.value.text()});
}

document::Value encodePairs(const StringPairs& pairs) {
  document::Value v = document::Value::object();
  for (const auto& [k, val] : pairs) v.set(k, document::Value(val));
  return v;
}

bool decodeOwnerRef(const document::Value& v, const document::Path& p, document::Errors& errors, OwnerReference& out) {
  ObjectReader r(v, p, errors);
  r.string("apiVersion", out.apiVersion);
  r.string("kind", out.kind);
  r.string("name", out.name);
  r.string("uid", out.uid);
  std::optional<bool> controller;
  std::optional<bool> block;
  r.boolean("controller", controller);
  r.boolean("blockOwnerDeletion", block);
  out.controller = controller.value_or(false);
  out.blockOwnerDeletion = block.value_or(false);
  r.finish();
  return r.ok();
}

}  // namespace

const std::string* ObjectMeta::label(std::string_view key) const {
  for (const auto& [k, v] : labels) {
    if (k == key) return &v;
  }
  return nullptr;
}

const OwnerReference* ObjectMeta::controllerRef() const {
  for (const auto& ref : ownerReferences) {
    if (ref.controller) return &ref;
  }
  return nullptr;
}

ObjectMeta decodeObjectMeta(const document::Value& value, const document::Path& path, document::Errors& errors) {
  ObjectMeta meta;
  ObjectReader r(value, path, errors);
  r.string("name", meta.name);
  r.string("namespace", meta.namespace_);
  r.string("uid", meta.uid);
  r.string("resourceVersion", meta.resourceVersion);
  std::optional<int64_t> generation;
  r.int64("generation", generation);
  meta.generation = generation.value_or(0);
  readStringPairs(r, "labels", meta.labels);
  readStringPairs(r, "annotations", meta.annotations);
  r.list("ownerReferences", meta.ownerReferences, decodeOwnerRef);
  for (const char* key : {"generateName", "selfLink", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "finalizers", "managedFields"}) {
    if (const document::Value* v = r.take(key)) meta.extra.set(std::string_view(key), *v);
  }
  r.finish();
  return meta;
}

document::Value encode(const OwnerReference& ref) {
  return document::Value::object({{"apiVersion", ref.apiVersion},
                                  {"kind", ref.kind},
                                  {"name", ref.name},
                                  {"uid", ref.uid},
                                  {"controller", document::Value::boolean(ref.controller)},
                                  {"blockOwnerDeletion", document::Value::boolean(ref.blockOwnerDeletion)}});
}

document::Value encode(const ObjectMeta& meta) {
  document::Value v = document::Value::object();
  v.set("name", meta.name);
  if (!meta.namespace_.empty()) v.set("namespace", meta.namespace_);
  if (!meta.uid.empty()) v.set("uid", meta.uid);
  if (!meta.resourceVersion.empty()) v.set("resourceVersion", meta.resourceVersion);
  if (meta.generation != 0) v.set("generation", document::Value::integer(meta.generation));
  if (!meta.labels.empty()) v.set("labels", encodePairs(meta.labels));
  if (!meta.annotations.empty()) v.set("annotations", encodePairs(meta.annotations));
  if (!meta.ownerReferences.empty()) {
    document::Value& refs = v.set("ownerReferences", document::Value::array());
    for (const auto& ref : meta.ownerReferences) refs.push(encode(ref));
  }
  for (const auto& m : meta.extra.members()) v.set(m.key, m.value);
  return v;
}

Condition decodeCondition(const document::Value& value, const document::Path& path, document::Errors& errors) {
  Condition c;
  ObjectReader r(value, path, errors);
  r.string("type", c.type);
  r.string("status", c.status);
  std::optional<int64_t> gen;
  r.int64("observedGeneration", gen);
  c.observedGeneration = gen.value_or(0);
  r.string("lastTransitionTime", c.lastTransitionTime);
  r.string("reason", c.reason);
  r.string("message", c.message);
  r.finish();
  return c;
}

document::Value encode(const Condition& c) {
  document::Value v = document::Value::object({{"type", c.type}, {"status", c.status}});
  if (c.observedGeneration != 0) v.set("observedGeneration", document::Value::integer(c.observedGeneration));
  v.set("lastTransitionTime", c.lastTransitionTime);
  v.set("reason", c.reason);
  v.set("message", c.message);
  return v;
}

}  // namespace mb::api

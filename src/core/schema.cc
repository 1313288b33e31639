#include "core/schema.h"

#include <stdexcept>
#include <string_view>

#include "api/schema_check.h"
#include "crds/crds.h"
#include "doc/parse.h"

namespace mb::core {
namespace {

// Parsed once; the CRD is compiled in, so failing to find the schema is a
// build defect, not bad input.
const doc::Value& boosterSchema() {
  static const doc::Value schema = [] {
    for (const auto& file : crds::all()) {
      if (file.name != "workload.serving.volcano.sh_modelboosters.yaml") continue;
      std::vector<doc::Value> docs;
      doc::ParseError error;
      if (!doc::parseYaml(file.content, docs, error) || docs.empty()) break;
      const doc::Value* versions = docs[0].find("spec") != nullptr ? docs[0].find("spec")->find("versions") : nullptr;
      if (versions == nullptr || !versions->isArray() || versions->items().empty()) break;
      const doc::Value* schemaNode = versions->items()[0].find("schema");
      const doc::Value* open = schemaNode != nullptr ? schemaNode->find("openAPIV3Schema") : nullptr;
      if (open != nullptr) return *open;
    }
    throw std::logic_error("the ModelBooster CRD compiled into this binary has no openAPIV3Schema");
  }();
  return schema;
}

bool covers(std::string_view outer, std::string_view inner) {
  if (inner.substr(0, outer.size()) != outer) return false;
  return inner.size() == outer.size() || outer.empty() || inner[outer.size()] == '.' || inner[outer.size()] == '[';
}

}  // namespace

void checkBoosterSchema(const doc::Value& document, api::Errors& errors) {
  api::checkSchema(boosterSchema(), document, errors);
}

api::Errors mergeSchemaErrors(const api::Errors& ours, const api::Errors& schema) {
  api::Errors out = ours;
  for (const auto& e : schema.list()) {
    bool said = false;
    for (const auto& o : ours.list()) said = said || (!o.field.empty() && covers(o.field, e.field));
    if (!said) out.add(e.field, e.message, e.mark);
  }
  return out;
}

}  // namespace mb::core

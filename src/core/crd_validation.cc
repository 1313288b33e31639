#include "core/crd_validation.h"

#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "crds/crds.h"
#include "document/parse.h"
#include "openapi/schema_check.h"

namespace mb::core {
namespace {

// Parsed once; the CRD is compiled in, so failing to find the schema is a
// build defect, not bad input.
const document::Value& boosterSchema() {
  static const document::Value schema = [] {
    for (const auto& file : crds::all()) {
      if (file.name != "workload.serving.volcano.sh_modelboosters.yaml") continue;
      std::vector<document::Value> docs;
      document::ParseError error;
      if (!document::parseYaml(file.content, docs, error) || docs.empty()) break;
      const document::Value* versions =
          docs[0].find("spec") != nullptr ? docs[0].find("spec")->find("versions") : nullptr;
      if (versions == nullptr || !versions->isArray() || versions->items().empty()) break;
      const document::Value* schemaNode = versions->items()[0].find("schema");
      const document::Value* open = schemaNode != nullptr ? schemaNode->find("openAPIV3Schema") : nullptr;
      if (open != nullptr) return *open;
    }
    throw std::logic_error("the ModelBooster CRD compiled into this binary has no openAPIV3Schema");
  }();
  return schema;
}

}  // namespace

void checkBoosterSchema(const document::Value& document, document::Errors& errors) {
  openapi::checkSchema(boosterSchema(), document, errors);
}

void pruneBoosterNulls(document::Value& document) { openapi::pruneNulls(boosterSchema(), document); }

document::Errors mergeSchemaErrors(const document::Errors& ours, const document::Errors& schema) {
  // A schema error is dropped when our errors name its field or one of the
  // fields it is inside: look up each enclosing path (linear in the number
  // of errors; a file with 40,000 unknown keys has as many of both).
  std::unordered_set<std::string_view> said;
  for (const auto& o : ours.list()) {
    if (!o.field.empty()) said.insert(o.field);
  }
  document::Errors out = ours;
  for (const auto& e : schema.list()) {
    std::string_view field = e.field;
    bool covered = false;
    for (size_t end = field.size(); end > 0 && !covered;) {
      std::string_view outer = field.substr(0, end);
      covered = said.contains(outer);
      // The next enclosing field ends before the last '.' or '['.
      size_t cut = outer.find_last_of(".[");
      end = cut == std::string_view::npos ? 0 : cut;
    }
    if (!covered) out.add(e.field, e.message, e.mark);
  }
  return out;
}

}  // namespace mb::core

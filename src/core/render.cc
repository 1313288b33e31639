#include "core/render.h"

#include <map>

#include "api/model_booster.h"
#include "core/check_booster.h"
#include "core/convert.h"
#include "document/parse.h"

namespace mb::core {
namespace {

std::string describe(const document::Value& d, size_t index) {
  std::string out = "document " + std::to_string(index);
  const document::Value* kind = d.find("kind");
  const document::Value* meta = d.find("metadata");
  const document::Value* name = meta != nullptr ? meta->find("name") : nullptr;
  const document::Value* ns = meta != nullptr ? meta->find("namespace") : nullptr;
  if (kind != nullptr && kind->isString()) {
    out += " (" + kind->text();
    if (name != nullptr && name->isString()) {
      out += " ";
      if (ns != nullptr && ns->isString() && !ns->text().empty()) out += ns->text() + "/";
      out += name->text();
    }
    out += ")";
  }
  return out;
}

// "ModelServing ns/name" for each object a booster becomes.
std::vector<std::string> childKeys(const api::Children& c) {
  std::vector<std::string> keys;
  auto add = [&](api::ChildKind kind, const api::ObjectMeta& m) {
    keys.push_back(std::string(api::kindInfo(kind).name) + " " + m.namespace_ + "/" + m.name);
  };
  for (const auto& o : c.servings) add(api::ChildKind::ModelServing, o.metadata);
  for (const auto& o : c.servers) add(api::ChildKind::ModelServer, o.metadata);
  add(api::ChildKind::ModelRoute, c.route.metadata);
  for (const auto& o : c.policies) add(api::ChildKind::AutoscalingPolicy, o.metadata);
  for (const auto& o : c.bindings) add(api::ChildKind::AutoscalingPolicyBinding, o.metadata);
  return keys;
}

std::string_view nameOf(const document::Value& d) {
  const document::Value* meta = d.find("metadata");
  const document::Value* name = meta != nullptr ? meta->find("name") : nullptr;
  return name != nullptr && name->isString() ? std::string_view(name->text()) : std::string_view();
}

bool isChildKind(const std::string& kind) { return api::childKindNamed(kind).has_value(); }

bool isOurGroup(const document::Value& d) {
  const document::Value* apiVersion = d.find("apiVersion");
  return apiVersion != nullptr && apiVersion->isString() &&
         apiVersion->text().rfind(std::string(api::kWorkloadGroup) + "/", 0) == 0;
}

}  // namespace

bool render(std::string_view input, const ConversionOptions& config, OutputFormat format, bool emit,
            RenderResult& result) {
  std::vector<document::Value> documents;
  document::ParseError parseError;
  if (!document::parseDocuments(input, documents, parseError)) {
    result.errors.push_back(parseError.str());
    return false;
  }
  // A v1 List (kubectl get -o json/yaml) contributes its items.
  std::vector<document::Value*> flat;
  for (auto& d : documents) {
    const document::Value* kind = d.find("kind");
    const document::Value* items = d.find("items");
    if (kind != nullptr && kind->isString() && kind->text() == "List" && items != nullptr && items->isArray()) {
      for (auto& item : d.find("items")->items()) flat.push_back(&item);
    } else {
      flat.push_back(&d);
    }
  }

  std::vector<document::Value> objects;
  // Which document makes each object: two boosters must not make the same
  // one (booster `a` with backend `b-c` and booster `a-b` with backend `c`
  // both make `a-b-c`), or one would overwrite the other in the cluster.
  std::map<std::string, std::string> madeBy;
  for (size_t i = 0; i < flat.size(); ++i) {
    document::Value& d = *flat[i];
    std::string where = describe(d, i + 1);
    const document::Value* kind = d.find("kind");
    bool booster = kind != nullptr && kind->isString() && kind->text() == "ModelBooster";
    if (!d.isObject()) {
      result.errors.push_back(where + ": must be an object (a Kubernetes manifest), not " +
                              document::Value::kindArticle(d.kind()));
      continue;
    }
    if (!booster && (!isOurGroup(d) || (kind != nullptr && kind->isString() && isChildKind(kind->text())))) {
      result.notes.push_back("skipping " + where + ": not a ModelBooster");
      continue;
    }
    document::Errors errors;
    api::Children children;
    std::vector<document::FieldError> caveats;
    // A document of our group that is not a booster gets the decoder's
    // complaint about its kind, not the booster schema's.
    bool converted =
        booster ? checkBooster(d, config, children, errors, &caveats) : convertDocument(d, config, children, errors);
    if (!converted || !errors.empty()) {
      // Rules are checked on typed fields that keep only their block's
      // line; the field's own line is in the document. Each lookup scans the
      // keys on its path, so past a thousand errors (a generated file full
      // of unknown keys) the marks are left as they are.
      constexpr size_t kRefinedErrors = 1000;
      size_t refined = 0;
      for (document::FieldError e : errors.list()) {
        const document::Value* at =
            e.field.empty() || refined++ >= kRefinedErrors ? nullptr : document::findField(d, e.field);
        if (at != nullptr && at->mark().line != 0) e.mark = at->mark();
        result.errors.push_back(where + ": " + e.str());
      }
      continue;
    }
    bool clash = false;
    // The same booster twice (a file concatenated with itself) is named as
    // such, not as a clash of its children.
    std::string self = "ModelBooster " + children.route.metadata.namespace_ + "/" + std::string(nameOf(d));
    if (auto [it, fresh] = madeBy.emplace(self, where); !fresh) {
      result.errors.push_back(where + ": the same ModelBooster as " + it->second + "; remove one of them");
      continue;
    }
    for (const auto& key : childKeys(children)) {
      auto [it, fresh] = madeBy.emplace(key, where);
      if (!fresh) {
        std::string message = where;
        message.append(": makes ").append(key).append(", which ").append(it->second);
        message.append(" makes too; rename a booster or a backend (children are named <booster>-<backend>)");
        result.errors.push_back(std::move(message));
        clash = true;
        break;
      }
    }
    if (clash) continue;
    for (document::FieldError c : caveats) {
      const document::Value* at = document::findField(d, c.field);
      if (at != nullptr && at->mark().line != 0) c.mark = at->mark();
      result.warnings.push_back(where + ": " + c.str());
    }
    ++result.boosters;
    if (emit) {
      for (auto& o : std::move(children).objects()) objects.push_back(std::move(o));
    }
  }
  if (result.errors.empty() && result.boosters == 0) {
    result.errors.push_back("no ModelBooster found in the input (apiVersion " + std::string(api::kWorkloadApiVersion) +
                            ", kind ModelBooster)");
  }
  if (!result.errors.empty()) return false;
  if (!emit) return true;
  if (format == OutputFormat::Json) {
    document::Value list =
        document::Value::object({{"apiVersion", "v1"}, {"kind", "List"}, {"items", document::Value::array()}});
    list.find("items")->items() = std::move(objects);
    document::writeJson(list, result.output, 4);
    result.output.push_back('\n');
  } else {
    std::vector<const document::Value*> docs;
    docs.reserve(objects.size());
    for (const auto& o : objects) docs.push_back(&o);
    result.output = document::toYaml(docs);
  }
  return true;
}

}  // namespace mb::core

#include "core/lora_plan.h"

#include <set>

#include "core/pod.h"
#include "core/rules.h"
#include "document/parse.h"
#include "document/value.h"

namespace mb::core {

std::optional<std::vector<ServedModel>> parseModelList(std::string_view body, std::string& error) {
  document::Value v;
  document::ParseError parseError;
  if (!document::parseJson(body, v, parseError)) {
    error = "the model list is not JSON: " + parseError.message;
    return std::nullopt;
  }
  const document::Value* data = v.find("data");
  if (data == nullptr || !data->isArray()) {
    error = "the model list has no \"data\" array";
    return std::nullopt;
  }
  std::vector<ServedModel> models;
  for (const auto& item : data->items()) {
    const document::Value* id = item.find("id");
    if (id == nullptr || !id->isString()) {
      error = "a model in the list has no string \"id\"";
      return std::nullopt;
    }
    ServedModel m{id->text(), "", ""};
    if (const document::Value* root = item.find("root"); root != nullptr && root->isString()) m.root = root->text();
    if (const document::Value* parent = item.find("parent"); parent != nullptr && parent->isString()) {
      m.parent = parent->text();
    }
    models.push_back(std::move(m));
  }
  return models;
}

std::vector<DesiredAdapter> desiredAdapters(const api::ModelBooster& booster, const api::Backend& backend,
                                            const ConversionOptions& config) {
  BackendContext ctx(booster, backend, config);
  std::vector<DesiredAdapter> out;
  out.reserve(backend.loraAdapters.size());
  for (size_t i = 0; i < backend.loraAdapters.size(); ++i) {
    out.push_back({backend.loraAdapters[i].name, backend.loraAdapters[i].artifactURL, ctx.loraPaths[i]});
  }
  return out;
}

std::string servedBaseModel(const api::ModelBooster& booster, const api::Backend& backend) {
  return servedModelName(backend, booster.modelName());
}

LoraPlan planLora(const std::vector<DesiredAdapter>& desired, const std::vector<ServedModel>& served,
                  std::string_view baseModel) {
  LoraPlan plan;
  std::set<std::string, std::less<>> loadedAsWanted;
  for (const auto& m : served) {
    // vLLM names the base model as an adapter's parent; an entry without
    // one is a base model unless it is not the name the booster serves.
    bool adapter = !m.parent.empty() ? m.id != m.parent : m.id != baseModel;
    if (!adapter) continue;
    const DesiredAdapter* want = nullptr;
    for (const auto& d : desired) {
      if (d.name == m.id) want = &d;
    }
    if (want != nullptr && (m.root.empty() || m.root == want->outputDir)) {
      loadedAsWanted.insert(m.id);
    } else {
      plan.unload.push_back(m.id);
    }
  }
  for (const auto& d : desired) {
    if (!loadedAsWanted.contains(d.name)) plan.load.push_back(d);
  }
  return plan;
}

}  // namespace mb::core

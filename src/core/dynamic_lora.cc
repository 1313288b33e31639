#include "core/dynamic_lora.h"

#include <algorithm>

#include "core/convert.h"
#include "core/pod.h"
#include "document/field_error.h"
#include "document/parse.h"
#include "document/value.h"

namespace mb::core {

bool loadsLoraAtRuntime(const api::Backend& backend) {
  if (backend.type != "vLLM") return false;
  const std::string* value = backend.envValue(kRuntimeLoraEnv);
  if (value == nullptr) return false;
  // vLLM reads it with envs' boolean parsing: "true" or "1", any case.
  std::string v = *value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v == "true" || v == "1";
}

std::string encodeTemplateAdapters(const std::vector<api::LoraAdapter>& adapters) {
  document::Value list = document::Value::array();
  for (const auto& a : adapters) {
    list.push(document::Value::object({{"name", a.name}, {"artifactURL", a.artifactURL}}));
  }
  return document::toJson(list);
}

std::optional<std::vector<api::LoraAdapter>> decodeTemplateAdapters(std::string_view text) {
  document::Value v;
  document::ParseError error;
  if (!document::parseJson(text, v, error) || !v.isArray()) return std::nullopt;
  std::vector<api::LoraAdapter> adapters;
  for (const auto& item : v.items()) {
    const document::Value* name = item.find("name");
    const document::Value* url = item.find("artifactURL");
    if (name == nullptr || url == nullptr || !name->isString() || !url->isString()) return std::nullopt;
    adapters.push_back({name->text(), url->text()});
  }
  return adapters;
}

namespace {

bool sameAdapters(const std::vector<api::LoraAdapter>& a, const std::vector<api::LoraAdapter>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const auto& x, const auto& y) { return x.name == y.name && x.artifactURL == y.artifactURL; });
}

std::string labelValue(const api::ObjectMeta& meta, std::string_view key) {
  for (const auto& [k, v] : meta.labels) {
    if (k == key) return v;
  }
  return "";
}

}  // namespace

std::vector<size_t> pinLoraTemplates(const api::ModelBooster& booster, const ConversionOptions& config,
                                     const ExistingServingLookup& existing, api::Children& children) {
  std::vector<size_t> pinned;
  const auto& backends = booster.spec.backends;
  for (size_t i = 0; i < backends.size() && i < children.servings.size(); ++i) {
    const api::Backend& backend = backends[i];
    if (!loadsLoraAtRuntime(backend)) continue;
    api::ModelServing& desired = children.servings[i];
    std::optional<ExistingServing> current = existing(desired.metadata.name);
    if (!current || current->templateAdapters.empty()) continue;
    std::optional<std::vector<api::LoraAdapter>> built = decodeTemplateAdapters(current->templateAdapters);
    if (!built || sameAdapters(*built, backend.loraAdapters)) continue;
    // The booster as it would be with the template's adapters. It must
    // convert cleanly (the template's adapters met the rules when they were
    // written; the profile or the other backends may have changed since).
    api::ModelBooster withTemplate = booster;
    withTemplate.spec.backends[i].loraAdapters = *built;
    api::Children rebuilt;
    document::Errors errors;
    if (!convert(std::move(withTemplate), config, rebuilt, errors) || rebuilt.servings.size() <= i) continue;
    if (labelValue(rebuilt.servings[i].metadata, kLabelRevision) != current->revision) continue;
    desired = std::move(rebuilt.servings[i]);
    pinned.push_back(i);
  }
  return pinned;
}

}  // namespace mb::core

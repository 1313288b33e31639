// ModelRoute: one per booster; weights across backends, LoRA adapter rules.
#include <set>

#include "core/convert.h"
#include "core/pod.h"

namespace mb::core {

api::ModelRoute buildModelRoute(const api::ModelBooster& booster) {
  const auto& spec = booster.spec;
  const std::string& name = booster.metadata.name;
  api::ModelRoute route;
  route.spec.modelName = booster.modelName();
  std::set<std::string> adapters;
  for (const auto& b : spec.backends) {
    for (const auto& l : b.loraAdapters) adapters.insert(l.name);
  }
  route.spec.loraAdapters.assign(adapters.begin(), adapters.end());

  auto target = [&](const api::Backend& b) {
    return api::TargetModel{name + "-" + b.name, static_cast<uint32_t>(b.routeWeight.value_or(100))};
  };
  api::Rule rule;
  rule.name = "default";
  rule.modelMatch = spec.modelMatch;
  for (const auto& b : spec.backends) rule.targetModels.push_back(target(b));
  if (spec.backends.size() > 1) {
    // Several backends: the default rule must only take requests for the
    // model itself, so that adapter requests reach the adapter rules.
    if (!rule.modelMatch.isObject()) rule.modelMatch = document::Value::object();
    rule.modelMatch.put("body", document::Value::object({{"model", booster.modelName()}}));
  }
  route.spec.rules.push_back(std::move(rule));
  if (spec.backends.size() > 1) {
    for (const auto& adapter : adapters) {
      api::Rule r;
      r.name = adapter;
      r.modelMatch = document::Value::object({{"body", document::Value::object({{"model", adapter}})}});
      for (const auto& b : spec.backends) {
        for (const auto& l : b.loraAdapters) {
          if (l.name == adapter) {
            r.targetModels.push_back(target(b));
            break;
          }
        }
      }
      route.spec.rules.push_back(std::move(r));
    }
  }
  std::string revision = revisionHash(api::encodeSpec(route.spec));
  route.metadata = childMeta(booster, name, childLabels(booster, "", revision));
  return route;
}

}  // namespace mb::core

#include "core/convert.h"

#include "core/defaults.h"
#include "core/pod.h"
#include "core/validate.h"

namespace mb::core {

bool convert(api::ModelBooster booster, const Config& config, api::Children& out, api::Errors& errors) {
  out = api::Children{};
  applyDefaults(booster);
  validate(booster, config.profile(), errors);
  if (!errors.empty()) return false;
  api::Children children;
  children.servings.reserve(booster.spec.backends.size());
  children.servers.reserve(booster.spec.backends.size());
  // Derived once per backend; every builder reads the same context.
  std::vector<BackendContext> contexts;
  contexts.reserve(booster.spec.backends.size());
  for (const auto& backend : booster.spec.backends) contexts.emplace_back(booster, backend, config);
  for (const auto& ctx : contexts) {
    children.servings.push_back(buildModelServing(ctx));
    children.servers.push_back(buildModelServer(ctx));
  }
  children.route = buildModelRoute(booster);
  buildAutoscaling(booster, contexts, children);
  out = std::move(children);
  return true;
}

bool convertDocument(const doc::Value& document, const Config& config, api::Children& out, api::Errors& errors) {
  api::ModelBooster booster = api::decodeModelBooster(document, errors);
  if (!errors.empty()) return false;
  return convert(std::move(booster), config, out, errors);
}

}  // namespace mb::core

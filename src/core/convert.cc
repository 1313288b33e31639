#include "core/convert.h"

#include "core/defaults.h"
#include "core/pod.h"
#include "core/validate.h"

namespace mb::core {
namespace {

bool isDns1035Label(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() < 'a' || s.front() > 'z' || s.back() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// The ModelServing webhook's name rule (StackProfile::servingNameWebhook),
// checked on the roles as built, with the largest replica count the
// autoscaler may set: an update it makes later must pass too.
void checkServingNames(const std::vector<BackendContext>& contexts, const std::vector<api::ModelServing>& servings,
                       document::Errors& errors) {
  for (size_t i = 0; i < servings.size(); ++i) {
    const api::Backend& b = contexts[i].backend;
    const int64_t replicas = std::max<int64_t>(b.maxReplicas.value_or(1), b.minReplicas.value_or(1));
    for (const auto& role : servings[i].spec.templateGroup.roles) {
      std::string name = servings[i].metadata.name + "-" + std::to_string(replicas) + "-" + role.name + "-" +
                         std::to_string(role.replicas) + "-" + std::to_string(role.workerReplicas);
      if (isDns1035Label(name)) continue;
      document::Path root;
      document::Path spec = root.child("spec");
      document::Path backends = spec.child("backends");
      document::Path backend = backends.index(i);
      std::string why = name.size() > 63 ? "is " + std::to_string(name.size()) + " characters (at most 63)"
                                         : "does not start with a letter";
      std::string message = "\"";
      message.append(servings[i].metadata.name)
          .append("\": the ")
          .append(contexts[i].config.profile().release)
          .append(" ModelServing webhook refuses it, because the name it derives, \"")
          .append(name)
          .append("\", ")
          .append(why)
          .append(" (a DNS-1035 label); ")
          .append(name.size() > 63 ? "shorten the booster or backend name" : "start the booster name with a letter");
      errors.add(backend.child("name"), std::move(message), b.mark);
      break;
    }
  }
}

// The policies buildAutoscaling writes decide it: a model-level policy
// targets every backend, a backend-level one its own backend (both levels
// at once is invalid); bounds as the policy's targets have them.
api::ReplicaOwnership replicaOwnership(const api::ModelBoosterSpec& spec, const api::Backend& backend) {
  api::ReplicaOwnership r;
  r.autoscaled = spec.autoscalingPolicy.has_value() || backend.autoscalingPolicy.has_value();
  r.min = backend.minReplicas.value_or(0);
  r.max = backend.maxReplicas.value_or(0);
  return r;
}

}  // namespace

bool convert(api::ModelBooster booster, const ConversionOptions& config, api::Children& out, document::Errors& errors) {
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
    children.servingReplicas.push_back(replicaOwnership(booster.spec, ctx.backend));
  }
  if (config.profile().servingNameWebhook) {
    checkServingNames(contexts, children.servings, errors);
    if (!errors.empty()) return false;
  }
  children.route = buildModelRoute(booster);
  buildAutoscaling(booster, contexts, children);
  out = std::move(children);
  return true;
}

bool convertDocument(const document::Value& document, const ConversionOptions& config, api::Children& out,
                     document::Errors& errors) {
  api::ModelBooster booster = api::decodeModelBooster(document, errors);
  if (!errors.empty()) return false;
  return convert(std::move(booster), config, out, errors);
}

}  // namespace mb::core

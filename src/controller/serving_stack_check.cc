#include "controller/serving_stack_check.h"

#include <algorithm>

#include "base/metrics.h"
#include "kube/resource.h"

namespace mb::controller {
namespace {

std::string groupVersion(std::string_view group, std::string_view version) {
  return std::string(group) + "/" + std::string(version);
}

std::string resourceName(const api::KindInfo& k) {
  return std::string(k.plural) + "." + std::string(k.group) + "/" + std::string(k.version);
}

}  // namespace

bool Discovery::serves(std::string_view group, std::string_view version, std::string_view plural) const {
  auto it = served.find(groupVersion(group, version));
  return it != served.end() && it->second.contains(std::string(plural));
}

std::string Discovery::errors() const {
  std::string out;
  for (const auto& [gv, e] : failed) {
    if (!out.empty()) out += "; ";
    out.append(gv).append(": ").append(e);
  }
  return out;
}

Discovery discover(kube::Client& client) {
  std::vector<std::pair<std::string, std::string>> groupVersions;
  auto add = [&](std::string group, std::string version) {
    std::pair<std::string, std::string> gv{std::move(group), std::move(version)};
    if (std::find(groupVersions.begin(), groupVersions.end(), gv) == groupVersions.end()) groupVersions.push_back(gv);
  };
  for (const auto& k : api::kChildKinds) add(std::string(k.group), std::string(k.version));
  kube::Resource boosters = kube::resources::modelBoosters();
  add(boosters.group, boosters.version);

  Discovery d;
  for (const auto& [group, version] : groupVersions) {
    std::string gv = groupVersion(group, version);
    auto resources = client.serverResources(group, version);
    if (!resources) {
      if (resources.error().is(kube::ErrorKind::NotFound)) {
        d.served[gv];  // not served at all
      } else {
        d.failed[gv] = resources.error().str();
      }
      continue;
    }
    std::set<std::string>& names = d.served[gv];
    for (const auto& r : *resources) names.insert(r.name);
  }
  return d;
}

std::string_view sourceName(StackSource source) { return source == StackSource::Flag ? "flag" : "auto"; }

Result<StackChoice, std::string> chooseStack(std::string_view flag, const Discovery& discovery) {
  if (flag != "auto") {
    auto stack = api::parseServingStack(flag);
    if (!stack) return err("--serving-stack " + std::string(flag) + " is not auto, v1.0 or v0.1");
    return StackChoice{*stack, StackSource::Flag};
  }
  const api::KindInfo& binding = api::kindInfo(api::ChildKind::AutoscalingPolicyBinding);
  std::string gv = groupVersion(binding.group, binding.version);
  if (auto it = discovery.failed.find(gv); it != discovery.failed.end()) {
    return err("cannot tell the serving stack: discovery of " + gv + " failed: " + it->second);
  }
  return StackChoice{discovery.serves(binding) ? api::ServingStack::V0_1 : api::ServingStack::V1_0, StackSource::Auto};
}

bool StackCheck::serves(api::ChildKind kind) const {
  return std::find(served.begin(), served.end(), kind) != served.end();
}

std::string StackCheck::label() const {
  return "serving stack " + std::string(profile().name) + " (" + std::string(sourceName(source)) + ")";
}

StackCheck checkStack(StackChoice choice, const Discovery& discovery) {
  StackCheck c;
  c.stack = choice.stack;
  c.source = choice.source;
  for (api::ChildKind kind : c.profile().kinds) {
    (discovery.serves(api::kindInfo(kind)) ? c.served : c.missing).push_back(kind);
  }
  return c;
}

std::string kindList(std::span<const api::ChildKind> kinds) {
  std::string out;
  for (api::ChildKind k : kinds) out += (out.empty() ? "" : ",") + std::string(api::kindInfo(k).name);
  return out.empty() ? "-" : out;
}

std::string missingMessage(const StackCheck& check, std::span<const api::ChildKind> kinds) {
  std::string what;
  for (size_t i = 0; i < kinds.size(); ++i) {
    const api::KindInfo& k = api::kindInfo(kinds[i]);
    if (i > 0) what += i + 1 == kinds.size() ? " or " : ", ";
    what += std::string(k.name) + " (" + resourceName(k) + ")";
  }
  std::string message = check.label() + " is incomplete: the API server does not serve " + what + "; install the " +
                        std::string(check.profile().release) + " CRDs";
  // Named by the flag, and another stack would not need the kind: perhaps
  // the flag names the wrong one.
  bool otherStackWouldDo = false;
  for (const auto& p : api::allProfiles()) {
    if (p.stack == check.stack) continue;
    for (api::ChildKind k : kinds) otherStackWouldDo = otherStackWouldDo || !p.writes(k);
  }
  if (check.source == StackSource::Flag && otherStackWouldDo) {
    message += ", or name the installed stack with --serving-stack (auto detects it)";
  }
  return message;
}

Readiness readiness(const StackCheck* check, const std::string& discoveryError, bool cachesSynced, bool leading) {
  if (check == nullptr) {
    return {503, discoveryError.empty() ? "discovering the serving stack\n"
                                        : "discovering the serving stack: " + discoveryError + "\n"};
  }
  if (!check->complete()) return {503, missingMessage(*check, check->missing) + "\n"};
  if (!cachesSynced) return {503, "caches not synced; " + check->label() + "\n"};
  // A standby replica is ready too: it is healthy and waiting for the lease.
  return {200, std::string(leading ? "ok: leading; " : "ok: standby; ") + check->label() + "\n"};
}

void exportStackMetrics(base::Registry& registry, const StackCheck& check) {
  registry
      .gauge("modelbooster_serving_stack_info",
             "The serving stack the children are written for, and how it was chosen.", {"profile", "source"})
      .gauge({std::string(check.profile().name), std::string(sourceName(check.source))})
      .set(1);
  base::Family& served = registry.gauge(
      "modelbooster_serving_stack_kind_served",
      "1 when the API server serves this child kind of the serving stack (watched), 0 when it is missing.", {"kind"});
  for (api::ChildKind kind : check.profile().kinds) {
    served.gauge({std::string(api::kindInfo(kind).name)}).set(check.serves(kind) ? 1 : 0);
  }
}

void ServingStackState::set(StackCheck check) {
  std::lock_guard<std::mutex> lock(mu_);
  check_ = std::move(check);
  discoveryError_.clear();
}

void ServingStackState::setDiscoveryError(std::string error) {
  std::lock_guard<std::mutex> lock(mu_);
  discoveryError_ = std::move(error);
}

std::optional<StackCheck> ServingStackState::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return check_;
}

std::string ServingStackState::discoveryError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return discoveryError_;
}

std::string ServingStackState::blockingMessage(const std::set<api::ChildKind>& needed) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!check_) return {};
  std::vector<api::ChildKind> missing;
  for (api::ChildKind kind : check_->missing) {
    if (needed.contains(kind)) missing.push_back(kind);
  }
  return missing.empty() ? std::string() : missingMessage(*check_, missing);
}

}  // namespace mb::controller

// Which serving stack the controller writes for, and which of that stack's
// child kinds the API server serves: decided from API discovery at start-up
// (or named by --serving-stack), checked again while a kind is missing.
// Pure functions over discovery results, plus the thread-safe holder that
// the manager, the reconciler, /readyz and /metrics share.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/serving_stack.h"
#include "base/result.h"
#include "kube/client.h"

namespace mb::base {
class Registry;
}

namespace mb::controller {

// What discovery said about the group/versions the child kinds (and the
// ModelBooster kind) live in.
struct Discovery {
  // "group/version" -> the resource names (plurals) it serves. A
  // group/version the server answered 404 for is here with no names.
  std::map<std::string, std::set<std::string>> served;
  // "group/version" -> why it could not be asked (no answer, 403, 5xx):
  // its kinds are neither known to be served nor known to be missing.
  std::map<std::string, std::string> failed;

  bool serves(std::string_view group, std::string_view version, std::string_view plural) const;
  bool serves(const api::KindInfo& kind) const { return serves(kind.group, kind.version, kind.plural); }
  // Every group/version answered (200 or 404).
  bool complete() const { return failed.empty(); }
  // "workload.serving.volcano.sh/v1alpha1: ..." for each failed one.
  std::string errors() const;
};

// Asks the server about every group/version of api::kChildKinds and of the
// ModelBooster kind, one request each.
Discovery discover(kube::Client& client);

enum class StackSource : uint8_t { Flag, Auto };
std::string_view sourceName(StackSource source);  // "flag" | "auto"

struct StackChoice {
  api::ServingStack stack = api::kDefaultServingStack;
  StackSource source = StackSource::Auto;
};

// --serving-stack: "v1.0" and "v0.1" are taken as they are; "auto" is v0.1
// when the server serves autoscalingpolicybindings.workload.serving.volcano.sh
// (only Kthena v0.1 has that kind), else v1.0 (STACKS.md). An error when the
// flag names no stack, or with "auto" when the bindings' group/version could
// not be asked.
Result<StackChoice, std::string> chooseStack(std::string_view flag, const Discovery& discovery);

// The chosen stack and which of its child kinds the server serves.
struct StackCheck {
  api::ServingStack stack = api::kDefaultServingStack;
  StackSource source = StackSource::Auto;
  std::vector<api::ChildKind> served;   // in the profile's order
  std::vector<api::ChildKind> missing;  // in the profile's order

  const api::StackProfile& profile() const { return api::profileOf(stack); }
  bool complete() const { return missing.empty(); }
  bool serves(api::ChildKind kind) const;
  // "serving stack v1.0 (auto)"
  std::string label() const;
};

StackCheck checkStack(StackChoice choice, const Discovery& discovery);

// "ModelServing,ModelServer" ("-" when empty): for log fields.
std::string kindList(std::span<const api::ChildKind> kinds);

// What to tell a person about `kinds` (missing ones): each kind with its
// resource and group/version, the stack, and what to install. For the log,
// /readyz and the Failed condition of the boosters that need them.
//   serving stack v1.0 (auto) is incomplete: the API server does not serve
//   AutoscalingPolicy (autoscalingpolicies.workload.serving.volcano.sh/v1alpha1);
//   install the Kthena v1.0.0 CRDs
// With --serving-stack naming a stack that needs a kind another stack does
// not, it adds that the flag may name the wrong stack.
std::string missingMessage(const StackCheck& check, std::span<const api::ChildKind> kinds);

// The /readyz answer. `check` is null until discovery has answered
// (`discoveryError` then says why not, if it failed).
struct Readiness {
  int status = 503;
  std::string body;
};
Readiness readiness(const StackCheck* check, const std::string& discoveryError, bool cachesSynced, bool leading);

// modelbooster_serving_stack_info{profile,source} 1 and
// modelbooster_serving_stack_kind_served{kind} 0|1 for the profile's kinds.
void exportStackMetrics(base::Registry& registry, const StackCheck& check);

// The current check, shared between the manager (which writes it after
// discovery and when a missing kind appears) and its readers.
class ServingStackState {
 public:
  void set(StackCheck check);
  void setDiscoveryError(std::string error);
  // Empty until the first discovery answered.
  std::optional<StackCheck> get() const;
  std::string discoveryError() const;
  // For a booster whose children are of `needed` kinds: "" when the server
  // serves them all, else missingMessage() for those it does not.
  std::string blockingMessage(const std::set<api::ChildKind>& needed) const;

 private:
  mutable std::mutex mu_;
  std::optional<StackCheck> check_;  // guarded by mu_
  std::string discoveryError_;       // guarded by mu_
};

}  // namespace mb::controller

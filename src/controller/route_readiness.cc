#include "controller/route_readiness.h"

#include <set>

#include "controller/child_status.h"
#include "kube/object_meta.h"

namespace mb::controller {
namespace {

// A ModelServing that can answer: asked for replicas and has a serving
// group available.
bool ready(const kube::Store& servings, const std::string& ns, const std::string& name) {
  kube::ObjectPtr live = servings.get(kube::objectKey(ns, name));
  return live != nullptr && specReplicas(*live) != 0 && availableReplicas(*live) > 0;
}

}  // namespace

std::vector<std::string> weighRouteByReadiness(std::vector<api::DesiredChild>& desired, const kube::Store& servings,
                                               const std::string& ns) {
  std::set<std::string> servingNames;
  api::DesiredChild* route = nullptr;
  for (auto& d : desired) {
    if (d.kind == api::ChildKind::ModelServing) servingNames.insert(d.name);
    if (d.kind == api::ChildKind::ModelRoute) route = &d;
  }
  std::set<std::string> zeroed;
  document::Value* rules =
      route != nullptr && route->object.find("spec") != nullptr ? route->object.find("spec")->find("rules") : nullptr;
  if (rules == nullptr || !rules->isArray()) return {};
  for (auto& rule : rules->items()) {
    document::Value* targets = rule.find("targetModels");
    if (targets == nullptr || !targets->isArray() || targets->items().size() < 2) continue;
    std::vector<document::Value*> idle;
    bool anyReady = false;
    for (auto& t : targets->items()) {
      const document::Value* server = t.find("modelServerName");
      const std::string name = server != nullptr && server->isString() ? server->text() : "";
      const document::Value* weight = t.find("weight");
      const bool weighed = weight == nullptr || !weight->isNumber() || weight->text() != "0";
      // A target that is not one of our servings is left as the spec says.
      if (!servingNames.contains(name) || ready(servings, ns, name)) {
        anyReady = anyReady || weighed;
      } else {
        idle.push_back(&t);
      }
    }
    if (!anyReady) continue;
    for (document::Value* t : idle) {
      t->put("weight", document::Value::integer(0));
      zeroed.insert(t->find("modelServerName")->text());
    }
  }
  return {zeroed.begin(), zeroed.end()};
}

}  // namespace mb::controller

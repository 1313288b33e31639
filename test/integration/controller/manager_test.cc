// The Manager in-process against the real control plane (scripts/testenv.sh
// up): a booster created in a fresh namespace gets its children, each with
// the booster as its controller owner. The same through the binary, with
// Kthena's controllers, is test/e2e/children.sh.
#include "controller/manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "../kube/fixture.h"
#include "controller/caches.h"
#include "kube/resource.h"

namespace mb::controller {
namespace {

using kube::test::eventually;
using kube::test::json;
using kube::test::str;

class ManagerIntegrationTest : public kube::test::KubeTest {};

// The controller ownerReference's uid, or "".
std::string controllerUid(const document::Value& object) {
  const document::Value* refs = object.find("metadata")->find("ownerReferences");
  if (refs == nullptr || !refs->isArray()) return {};
  for (const auto& r : refs->items()) {
    const document::Value* c = r.find("controller");
    if (c != nullptr && c->isBool() && c->asBool()) return str(r, {"uid"});
  }
  return {};
}

TEST_F(ManagerIntegrationTest, ABoosterGetsItsChildrenWithOwnerReferences) {
  ManagerOptions options;
  options.watchNamespaces = {ns_};
  options.configNamespace = ns_;
  options.metricsAddress = "0";
  options.healthAddress = "0";
  options.workers = 1;
  Manager manager(*client_, base::RealClock::instance(), options);
  std::atomic<bool> stop{false};
  std::atomic<int> exitCode{-1};
  std::thread running([&] { exitCode = manager.run(stop); });

  auto created = client_->create(kube::resources::modelBoosters(), ns_, json(R"({
    "apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
    "metadata":{"name":"it"},
    "spec":{"backends":[{"name":"a","type":"vLLM","modelURI":"hf://Qwen/Qwen2.5-0.5B-Instruct",
      "minReplicas":1,"maxReplicas":1,"workers":[{"image":"vllm/vllm-openai:v0.10.1"}]}]}})"));
  ASSERT_TRUE(created) << created.error().str();
  const std::string uid = str(*created, {"metadata", "uid"});

  struct Expected {
    kube::Resource resource;
    const char* name;
  };
  for (const Expected& e : {Expected{resourceOf(api::ChildKind::ModelServing), "it-a"},
                            Expected{resourceOf(api::ChildKind::ModelServer), "it-a"},
                            Expected{resourceOf(api::ChildKind::ModelRoute), "it"}}) {
    std::string owner;
    EXPECT_TRUE(eventually(
        [&] {
          auto child = client_->get(e.resource, ns_, e.name);
          if (child) owner = controllerUid(*child);
          return owner == uid;
        },
        std::chrono::seconds(60)))
        << e.resource.plural << " " << e.name << ": controller owner " << owner << ", want " << uid;
  }
  std::string initialized;
  EXPECT_TRUE(eventually(
      [&] {
        auto b = client_->get(kube::resources::modelBoosters(), ns_, "it");
        if (!b) return false;
        const document::Value* conditions = b->find("status") ? b->find("status")->find("conditions") : nullptr;
        if (conditions == nullptr || !conditions->isArray()) return false;
        for (const auto& c : conditions->items()) {
          if (str(c, {"type"}) == "Initialized") initialized = str(c, {"status"});
        }
        return initialized == "True";
      },
      std::chrono::seconds(60)))
      << "Initialized=" << initialized;

  stop = true;
  manager.wake();
  running.join();
  EXPECT_EQ(exitCode, 0);
}

}  // namespace
}  // namespace mb::controller

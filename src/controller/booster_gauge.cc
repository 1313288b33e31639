#include "controller/booster_gauge.h"

#include "kube/object_meta.h"

namespace mb::controller {

std::map<std::pair<std::string, std::string>, int> countByCondition(const std::vector<kube::ObjectPtr>& boosters) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const char* c : {"Initialized", "Active", "Failed"}) {
    for (const char* s : {"True", "False"}) counts[{c, s}] = 0;
  }
  for (const auto& b : boosters) {
    const document::Value* status = b->find("status");
    const document::Value* conditions = status != nullptr ? status->find("conditions") : nullptr;
    if (conditions == nullptr || !conditions->isArray()) continue;
    for (const auto& c : conditions->items()) counts[{kube::textOf(c.find("type")), kube::textOf(c.find("status"))}]++;
  }
  return counts;
}

BoosterGauge::BoosterGauge(base::Registry& registry, const kube::Store& boosters)
    : family_(
          registry.gauge("modelbooster_boosters", "ModelBoosters by condition and status.", {"condition", "status"})),
      boosters_(boosters),
      hook_(registry.onCollect([this] { collect(); })) {}

void BoosterGauge::collect() {
  for (const auto& [k, n] : countByCondition(boosters_.list())) family_.gauge({k.first, k.second}).set(n);
}

}  // namespace mb::controller

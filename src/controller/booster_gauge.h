// modelbooster_boosters{condition,status}: the boosters in the cache by the
// status of each of their conditions, counted when the registry is scraped.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/metrics.h"
#include "kube/store.h"

namespace mb::controller {

// (condition, status) -> boosters; Initialized, Active and Failed with True
// and False are always there (at 0), so the series exist before any booster.
std::map<std::pair<std::string, std::string>, int> countByCondition(const std::vector<kube::ObjectPtr>& boosters);

class BoosterGauge {
 public:
  // `registry` and `boosters` outlive the gauge.
  BoosterGauge(base::Registry& registry, const kube::Store& boosters);

 private:
  void collect();

  base::Family& family_;
  const kube::Store& boosters_;
  base::CollectHook hook_;
};

}  // namespace mb::controller

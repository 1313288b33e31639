// The booster's status as a function of what the reconcile found. Pure, so
// "no change, no write" and "lastTransitionTime only moves when the status
// does" are unit-tested.
#pragma once

#include <string>
#include <vector>

#include "api/model_booster.h"

namespace mb::controller {

struct Observed {
  int64_t generation = 0;
  // Set when the booster cannot become active: invalid spec, a child owned
  // by someone else, an API error. A sentence a user can act on.
  std::string failedReason;
  std::string failedMessage;
  bool childrenWritten = false;           // every child of this generation is in place
  std::vector<std::string> notAvailable;  // ModelServings without Available=True
  std::vector<std::string> scaledToZero;  // ModelServings at spec.replicas 0 (not counted as unavailable)
  size_t servings = 0;                    // the booster's ModelServings
  std::vector<api::BackendStatus> backends;
};

// The new status, keeping lastTransitionTime of conditions whose status is
// unchanged. `now` is an RFC 3339 time.
api::ModelBoosterStatus nextStatus(const api::ModelBoosterStatus& current, const Observed& observed,
                                   const std::string& now);

// Equal apart from nothing: used to skip status writes that change nothing.
bool sameStatus(const api::ModelBoosterStatus& a, const api::ModelBoosterStatus& b);

}  // namespace mb::controller

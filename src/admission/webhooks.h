// The two ModelBooster admission webhooks (docs/controller.md, "Admission
// webhooks"), as functions from the request body to the response body, so
// that the server, the unit tests, the fuzz target and the benchmark call
// the same code:
//   /validate-modelbooster: core::checkBooster, the check behind `render`
//     and the reconciler, under the serving-stack profile in force; a
//     booster it refuses is denied with every field error;
//   /mutate-modelbooster: core::admissionDefaultsPatch as a JSONPatch.
// A body that is not an AdmissionReview v1 gets a denial that says so.
#pragma once

#include <string>
#include <string_view>

#include "core/conversion_options.h"

namespace mb::admission {

inline constexpr std::string_view kValidatePath = "/validate-modelbooster";
inline constexpr std::string_view kMutatePath = "/mutate-modelbooster";

struct Answer {
  // allowed, denied (the booster is invalid) or malformed (the review is).
  enum class Outcome { Allowed, Denied, Malformed };
  Outcome outcome = Outcome::Allowed;
  std::string body;  // the AdmissionReview v1 response, JSON
};

Answer validateBooster(std::string_view body, const core::ConversionOptions& options);
Answer mutateBooster(std::string_view body);

const char* outcomeName(Answer::Outcome outcome);

}  // namespace mb::admission

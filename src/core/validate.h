// Every rule a booster must satisfy before conversion (docs/conversion.md),
// reported all at once with field paths. The admission webhook, `validate`,
// `render` and the controller all call this one function.
#pragma once

#include "api/model_booster.h"
#include "api/serving_stack.h"
#include "document/field_error.h"

namespace mb::core {

// Expects defaults applied (see defaults.h). Rules that only one serving
// stack imposes (v0.1's scheduler name) follow `profile`.
void validate(const api::ModelBooster& booster, const api::StackProfile& profile, document::Errors& errors);

}  // namespace mb::core

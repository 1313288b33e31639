// Every rule a booster must satisfy before conversion (CONVERSION.md),
// reported all at once with field paths. The admission webhook, `validate`,
// `render` and the controller all call this one function.
#pragma once

#include "api/field_error.h"
#include "api/model_booster.h"

namespace mb::core {

// Expects defaults applied (see defaults.h).
void validate(const api::ModelBooster& booster, api::Errors& errors);

}  // namespace mb::core

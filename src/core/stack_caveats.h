// What the serving stack in force will do with a valid booster that the
// booster itself does not say: where Kthena's autoscaler, as released,
// ignores or freezes what a policy asks (docs/stacks.md, "Autoscaling").
// These are warnings, not errors: the booster is valid and its children are
// exactly what the spec asks for. `render` and `validate` print them, the
// validating webhook returns them as admission warnings (kubectl prints
// "Warning: ..."), and the controller sends each as a Warning Event when it
// first sees a generation.
#pragma once

#include <vector>

#include "api/model_booster.h"
#include "api/serving_stack.h"
#include "document/field_error.h"

namespace mb::core {

// Kthena's autoscaler evaluates every 15 s in both releases
// (AutoscalingSyncPeriodSeconds); a stabilization window that long or
// longer still holds the previous period's result.
inline constexpr double kAutoscalerPeriodSeconds = 15;

// One entry per field whose effect the stack changes, in field order. A
// decoded booster is enough (defaults change none of these fields).
std::vector<document::FieldError> stackCaveats(const api::ModelBooster& booster, const api::StackProfile& profile);

}  // namespace mb::core

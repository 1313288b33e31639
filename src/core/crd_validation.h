// The ModelBooster CRD's schema applied offline: what the API server would
// refuse (unknown fields, wrong types, enums, patterns, lengths, list sizes)
// is refused by `validate` and `render` too, before any of our own rules.
#pragma once

#include "document/field_error.h"
#include "document/value.h"

namespace mb::core {

// Checks a ModelBooster document against deploy/crds' openAPIV3Schema
// (compiled in). Errors name the field path.
void checkBoosterSchema(const document::Value& document, document::Errors& errors);

// Removes the null fields the API server would drop on create (see
// api::pruneNulls), so that render shows what the controller will see.
void pruneBoosterNulls(document::Value& document);

// `ours` (decoding and validation) followed by the schema's errors that say
// something new: one at a field that `ours` already reports, or inside it,
// is the same complaint in other words.
document::Errors mergeSchemaErrors(const document::Errors& ours, const document::Errors& schema);

}  // namespace mb::core

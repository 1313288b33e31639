// One ModelBooster document through every check a booster meets before it
// is stored and reconciled: the CRD's schema (what the API server refuses)
// and then decoding, defaults, our rules and conversion. The one entry
// point behind `render`, `validate` and the validating webhook, so the
// three cannot disagree.
#pragma once

#include <vector>

#include "api/children.h"
#include "core/conversion_options.h"
#include "document/field_error.h"
#include "document/value.h"

namespace mb::core {

// Drops the null fields the API server drops, checks the schema, converts.
// True when `document` is a valid booster; then `children` holds what the
// controller writes. Otherwise `errors` lists every error, the schema's
// merged in where they say something our rules do not.
// `caveats`, when given, gets what the serving stack will do differently
// (core/stack_caveats.h) for a valid booster, and stays empty otherwise.
bool checkBooster(document::Value& document, const ConversionOptions& config, api::Children& children,
                  document::Errors& errors, std::vector<document::FieldError>* caveats = nullptr);

}  // namespace mb::core

// ModelBooster -> its five kinds of children. Pure: no I/O, no clock, no
// randomness; the same input gives byte-identical output.
#pragma once

#include <vector>

#include "api/children.h"
#include "api/model_booster.h"
#include "core/conversion_options.h"
#include "document/field_error.h"
#include "document/value.h"

namespace mb::core {

// Applies defaults, validates, converts. On any error `errors` lists them
// all and `out` is left empty: never a half-built set of children.
bool convert(api::ModelBooster booster, const ConversionOptions& config, api::Children& out, document::Errors& errors);

// Decode + convert, for callers holding a parsed document (render, webhook).
bool convertDocument(const document::Value& document, const ConversionOptions& config, api::Children& out,
                     document::Errors& errors);

// Builders for each child kind (serving.cc, server.cc, route.cc, autoscaling.cc).
struct BackendContext;
api::ModelServing buildModelServing(const BackendContext& ctx);
api::ModelServer buildModelServer(const BackendContext& ctx);
api::ModelRoute buildModelRoute(const api::ModelBooster& booster);
// `backends` holds one context per backend, in the booster's order.
void buildAutoscaling(const api::ModelBooster& booster, const std::vector<BackendContext>& backends,
                      api::Children& out);

}  // namespace mb::core

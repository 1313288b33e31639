#include "core/check_booster.h"

#include "core/convert.h"
#include "core/crd_validation.h"

namespace mb::core {

bool checkBooster(document::Value& document, const ConversionOptions& config, api::Children& children,
                  document::Errors& errors) {
  pruneBoosterNulls(document);
  document::Errors schemaErrors;
  checkBoosterSchema(document, schemaErrors);
  bool converted = convertDocument(document, config, children, errors);
  if (!schemaErrors.empty()) errors = mergeSchemaErrors(errors, schemaErrors);
  return converted && errors.empty();
}

}  // namespace mb::core

#include "core/check_booster.h"

#include "core/convert.h"
#include "core/crd_validation.h"
#include "core/stack_caveats.h"

namespace mb::core {

bool checkBooster(document::Value& document, const ConversionOptions& config, api::Children& children,
                  document::Errors& errors, std::vector<document::FieldError>* caveats) {
  pruneBoosterNulls(document);
  document::Errors schemaErrors;
  checkBoosterSchema(document, schemaErrors);
  api::ModelBooster booster = api::decodeModelBooster(document, errors);
  std::vector<document::FieldError> found;
  if (errors.empty() && caveats != nullptr) found = stackCaveats(booster, config.profile());
  bool converted = errors.empty() && convert(std::move(booster), config, children, errors);
  if (!schemaErrors.empty()) errors = mergeSchemaErrors(errors, schemaErrors);
  bool valid = converted && errors.empty();
  if (caveats != nullptr) *caveats = valid ? std::move(found) : std::vector<document::FieldError>{};
  return valid;
}

}  // namespace mb::core

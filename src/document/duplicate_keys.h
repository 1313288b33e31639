// Finds a repeated key in an object's members without quadratic cost on
// large (possibly hostile) objects.
#pragma once

#include <optional>
#include <string>

#include "document/value.h"

namespace mb::document {

std::optional<std::string> findDuplicateKey(const Value::Object& members);

}  // namespace mb::document

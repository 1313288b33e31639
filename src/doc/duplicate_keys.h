// Finds a repeated key in an object's members without quadratic cost on
// large (possibly hostile) objects.
#pragma once

#include <optional>
#include <string>

#include "doc/value.h"

namespace mb::doc {

std::optional<std::string> findDuplicateKey(const Value::Object& members);

}  // namespace mb::doc

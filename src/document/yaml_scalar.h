// How a plain YAML scalar resolves, shared by the reader and the writer (the
// writer quotes any string that would otherwise read back as something else).
#pragma once

#include <string>
#include <string_view>

namespace mb::document {

enum class ScalarKind { Null, Bool, Number, String, Unrepresentable };

struct ResolvedScalar {
  ScalarKind kind = ScalarKind::String;
  bool boolean = false;
  std::string number;  // JSON literal for numbers
};

ResolvedScalar resolvePlainScalar(std::string_view text);

}  // namespace mb::document

// Text in, children out: the whole offline pipeline behind `render` and
// `validate` (parse every document, convert every ModelBooster, print).
// Output is produced only when every booster is valid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/conversion_options.h"

namespace mb::core {

enum class OutputFormat { Yaml, Json };

struct RenderResult {
  std::string output;               // empty unless everything converted
  std::vector<std::string> errors;  // one line each, naming document, field and line
  std::vector<std::string> notes;   // e.g. documents skipped as not ModelBoosters
  // What the serving stack will do differently (core/stack_caveats.h), one
  // line each like the errors; the boosters are valid all the same.
  std::vector<std::string> warnings;
  size_t boosters = 0;
};

// `render` with `emit` false only validates.
bool render(std::string_view input, const ConversionOptions& config, OutputFormat format, bool emit,
            RenderResult& result);

}  // namespace mb::core

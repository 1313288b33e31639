// The conversion knobs (core::ConversionOptions) as command-line flags. `render` and
// `controller` register the same set, so a file rendered with the
// controller's flags gives exactly the objects the controller writes.
#pragma once

#include <CLI/CLI.hpp>

#include "core/conversion_options.h"

namespace mb::cli {

enum class ConversionFlagsFor { Render, Controller };

// `servingStack` (controller only) receives --serving-stack: "auto" (detect
// from the API server), "v1.0" or "v0.1". `render` writes the flag into
// `config.stack`, with no "auto": offline there is no server to ask.
void addConversionFlags(CLI::App& cmd, core::ConversionOptions& config, ConversionFlagsFor who,
                        std::string* servingStack = nullptr);

}  // namespace mb::cli

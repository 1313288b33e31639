// The conversion knobs (core::Config) as command-line flags. `render` and
// `controller` register the same set, so a file rendered with the
// controller's flags gives exactly the objects the controller writes.
#pragma once

#include <CLI/CLI.hpp>

#include "core/config.h"

namespace mb::cli {

enum class ConfigFlagsFor { Render, Controller };

void addConfigFlags(CLI::App& cmd, core::Config& config, ConfigFlagsFor who);

}  // namespace mb::cli

// Subcommands of the `modelbooster` binary; each registers its flags on
// the CLI11 app and returns the action to run after parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace mb::cli {

using Action = std::function<int()>;

Action addRender(CLI::App& app);
Action addValidate(CLI::App& app);
Action addCrds(CLI::App& app);
Action addController(CLI::App& app);

}  // namespace mb::cli

#include <memory>

#include "cli/commands.h"
#include "cli/input.h"
#include "core/conversion_options.h"

namespace mb::cli {

int runRender(const std::string& file, const std::string& output, const core::ConversionOptions& config, bool emit);

Action addValidate(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check the ModelBoosters in a file against every rule the controller applies; prints nothing when valid.\n" +
          std::string("Exit status: 0 valid, ") + kExitStatusHelp + ".");
  cmd->add_option("-f,--filename", *file, "YAML or JSON file with one or more ModelBoosters; - for stdin")->required();
  return [cmd, file]() -> int {
    if (!cmd->parsed()) return -1;
    return runRender(*file, "yaml", core::ConversionOptions{}, false);
  };
}

}  // namespace mb::cli

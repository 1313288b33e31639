#include <memory>

#include "cli/commands.h"
#include "cli/conversion_flags.h"
#include "cli/input.h"
#include "core/conversion_options.h"

namespace mb::cli {

int runRender(const std::string& file, const std::string& output, const core::ConversionOptions& config, bool emit);

Action addValidate(CLI::App& app) {
  struct Flags {
    std::string file;
    core::ConversionOptions config;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check the ModelBoosters in a file against every rule the controller applies, under the same conversion flags; "
      "prints nothing when valid, except warnings (on stderr) where the serving stack will not do what a booster "
      "asks.\n" +
          std::string("Exit status: 0 valid, ") + kExitStatusHelp + ".");
  cmd->add_option("-f,--filename", flags->file, "YAML or JSON file with one or more ModelBoosters; - for stdin")
      ->required();
  addConversionFlags(*cmd, flags->config, ConversionFlagsFor::Render);
  return [cmd, flags]() -> int {
    if (!cmd->parsed()) return -1;
    return runRender(flags->file, "yaml", flags->config, false);
  };
}

}  // namespace mb::cli

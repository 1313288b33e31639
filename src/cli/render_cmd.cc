#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/conversion_flags.h"
#include "cli/input.h"
#include "core/render.h"
#include "document/parse.h"

namespace mb::cli {
namespace {

struct RenderFlags {
  std::string file;
  std::string output = "yaml";
  core::ConversionOptions config;
};

void printErrors(const std::string& file, const core::RenderResult& r) {
  for (const auto& note : r.notes) std::cerr << file << ": " << note << "\n";
  for (const auto& w : r.warnings) std::cerr << file << ": warning: " << w << "\n";
  for (const auto& e : r.errors) std::cerr << file << ": " << e << "\n";
}

}  // namespace

int runRender(const std::string& file, const std::string& output, const core::ConversionOptions& config, bool emit) {
  std::string input;
  std::string error;
  ReadStatus read = readInput(file, document::Limits{}.maxBytes, input, error);
  if (read != ReadStatus::Ok) {
    std::cerr << "error: " << error << "\n";
    return read == ReadStatus::TooLarge ? kExitInvalid : kExitUsage;
  }
  core::RenderResult result;
  std::string name = file == "-" ? "<stdin>" : file;
  bool ok =
      core::render(input, config, output == "json" ? core::OutputFormat::Json : core::OutputFormat::Yaml, emit, result);
  printErrors(name, result);
  if (!ok) {
    std::cerr << name << ": " << result.errors.size() << (result.errors.size() == 1 ? " error" : " errors")
              << "; nothing was rendered\n";
    return kExitInvalid;
  }
  std::cout << result.output;
  return kExitOk;
}

Action addRender(CLI::App& app) {
  auto flags = std::make_shared<RenderFlags>();
  CLI::App* cmd = app.add_subcommand(
      "render", "Print every object the controller would create for the ModelBoosters in a file, without a cluster.\n" +
                    std::string("Exit status: 0 rendered, ") + kExitStatusHelp + ".");
  cmd->add_option("-f,--filename", flags->file, "YAML or JSON file with one or more ModelBoosters; - for stdin")
      ->required();
  cmd->add_option("-o,--output", flags->output, "Output format: yaml (documents separated by ---) or json (a v1 List)")
      ->check(CLI::IsMember({"yaml", "json"}))
      ->capture_default_str();
  addConversionFlags(*cmd, flags->config, ConversionFlagsFor::Render);
  return [cmd, flags]() -> int {
    if (!cmd->parsed()) return -1;
    return runRender(flags->file, flags->output, flags->config, true);
  };
}

}  // namespace mb::cli

// libFuzzer target over the whole offline pipeline: parse (JSON or YAML),
// decode, default, validate, convert and write both output formats. Any
// crash, sanitizer report, or an output that does not parse back, is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/render.h"
#include "document/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  mb::core::ConversionOptions config;
  mb::core::RenderResult yaml;
  bool ok = mb::core::render(input, config, mb::core::OutputFormat::Yaml, true, yaml);
  if (!ok) return 0;
  // What we print must read back: the output is input to kubectl.
  std::vector<mb::document::Value> docs;
  mb::document::ParseError error;
  if (!mb::document::parseYaml(yaml.output, docs, error)) std::abort();
  mb::core::RenderResult json;
  if (!mb::core::render(input, config, mb::core::OutputFormat::Json, true, json)) std::abort();
  mb::document::Value list;
  if (!mb::document::parseJson(json.output, list, error)) std::abort();
  return 0;
}

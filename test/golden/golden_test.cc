// Golden tests: every test/golden/<case>/input.yaml renders, under each
// serving-stack profile, to exactly expected.yaml (v1.0, the default) and
// expected-v0.1.yaml, or, for invalid input, fails with exactly errors.txt /
// errors-v0.1.txt. Expected files are reviewed like code and only rewritten
// by --update.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/render.h"

namespace {

namespace fs = std::filesystem;
bool gUpdate = false;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeFile(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

struct GoldenCase {
  std::string name;
  mb::api::ServingStack stack;
};

// "expected.yaml" for the default stack, "expected-v0.1.yaml" for another.
std::string fileFor(const char* base, const char* ext, mb::api::ServingStack stack) {
  if (stack == mb::api::kDefaultServingStack) return std::string(base) + ext;
  return std::string(base) + "-" + std::string(mb::api::profileOf(stack).name) + ext;
}

// gtest prints a parameter with this (it would dump its bytes otherwise).
void PrintTo(const GoldenCase& c, std::ostream* os) {
  *os << c.name << " (" << mb::api::profileOf(c.stack).name << ")";
}

class Golden : public testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, RendersExactly) {
  fs::path dir = fs::path(MB_GOLDEN_DIR) / GetParam().name;
  mb::core::ConversionOptions config;
  config.stack = GetParam().stack;
  std::string input = readFile(dir / "input.yaml");
  mb::core::RenderResult result;
  bool ok = mb::core::render(input, config, mb::core::OutputFormat::Yaml, true, result);
  std::string actual;
  fs::path expectedPath;
  fs::path otherPath;
  if (ok) {
    actual = result.output;
    expectedPath = dir / fileFor("expected", ".yaml", config.stack);
    otherPath = dir / fileFor("errors", ".txt", config.stack);
  } else {
    for (const auto& e : result.errors) actual += e + "\n";
    expectedPath = dir / fileFor("errors", ".txt", config.stack);
    otherPath = dir / fileFor("expected", ".yaml", config.stack);
  }
  if (gUpdate) {
    fs::remove(otherPath);
    writeFile(expectedPath, actual);
    return;
  }
  ASSERT_TRUE(fs::exists(expectedPath)) << expectedPath << " is missing; "
                                        << (ok ? "render succeeded" : "render failed")
                                        << ". Run mb_golden_tests --update and review the diff.";
  EXPECT_EQ(readFile(expectedPath), actual) << "in " << dir << " (regenerate with mb_golden_tests --update)";
  // Determinism: a second render is byte-identical.
  mb::core::RenderResult again;
  mb::core::render(input, config, mb::core::OutputFormat::Yaml, true, again);
  EXPECT_EQ(result.output, again.output);
}

std::vector<GoldenCase> cases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(MB_GOLDEN_DIR)) {
    if (entry.is_directory() && fs::exists(entry.path() / "input.yaml")) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  std::vector<GoldenCase> out;
  for (const auto& profile : mb::api::allProfiles()) {
    for (const auto& n : names) out.push_back({n, profile.stack});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<GoldenCase>& param) {
                           std::string name =
                               param.param.name + "_" + std::string(mb::api::profileOf(param.param.stack).name);
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--update") gUpdate = true;
  }
  return RUN_ALL_TESTS();
}

// Golden tests: every test/golden/<case>/input.yaml renders to exactly
// expected.yaml (or, for invalid input, fails with exactly errors.txt).
// Expected files are reviewed like code and only rewritten by --update.
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

class Golden : public testing::TestWithParam<std::string> {};

TEST_P(Golden, RendersExactly) {
  fs::path dir = fs::path(MB_GOLDEN_DIR) / GetParam();
  std::string input = readFile(dir / "input.yaml");
  mb::core::RenderResult result;
  bool ok = mb::core::render(input, mb::core::Config{}, mb::core::OutputFormat::Yaml, true, result);
  std::string actual;
  fs::path expectedPath;
  if (ok) {
    actual = result.output;
    expectedPath = dir / "expected.yaml";
  } else {
    for (const auto& e : result.errors) actual += e + "\n";
    expectedPath = dir / "errors.txt";
  }
  if (gUpdate) {
    fs::remove(dir / "expected.yaml");
    fs::remove(dir / "errors.txt");
    writeFile(expectedPath, actual);
    return;
  }
  ASSERT_TRUE(fs::exists(expectedPath)) << expectedPath << " is missing; "
                                        << (ok ? "render succeeded" : "render failed")
                                        << ". Run mb_golden_tests --update and review the diff.";
  EXPECT_EQ(readFile(expectedPath), actual) << "in " << dir << " (regenerate with mb_golden_tests --update)";
  // Determinism: a second render is byte-identical.
  mb::core::RenderResult again;
  mb::core::render(input, mb::core::Config{}, mb::core::OutputFormat::Yaml, true, again);
  EXPECT_EQ(result.output, again.output);
}

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(MB_GOLDEN_DIR)) {
    if (entry.is_directory() && fs::exists(entry.path() / "input.yaml")) out.push_back(entry.path().filename());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
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

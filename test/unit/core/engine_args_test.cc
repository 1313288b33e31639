#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>

#include "core/engine_args.h"
#include "document/parse.h"

namespace mb::core {
namespace {

std::vector<std::string> argsFor(std::string_view yaml) {
  std::vector<document::Value> docs;
  document::ParseError err;
  EXPECT_TRUE(document::parseYaml(yaml, docs, err)) << err.str();
  std::vector<std::string> args;
  appendConfigArgs(docs.at(0), args);
  return args;
}

TEST(ConfigArgs, SortedFlagsWithValuesAsWritten) {
  auto args = argsFor(
      "max_model_len: 32768\ngpu-memory-utilization: 0.90\ntrust-remote-code: \"\"\nenforce-eager: true\n"
      "big: 1000000\nexp: 1e6\nhf-overrides: {rope_scaling: {factor: 4.0}}\nlist: [1, \"a\"]\n");
  std::vector<std::string> expected = {"--big",
                                       "1000000",
                                       "--enforce-eager",
                                       "true",
                                       "--exp",
                                       "1e6",
                                       "--gpu-memory-utilization",
                                       "0.90",
                                       "--hf-overrides",
                                       R"({"rope_scaling":{"factor":4.0}})",
                                       "--list",
                                       R"([1,"a"])",
                                       "--max-model-len",
                                       "32768",
                                       "--trust-remote-code"};
  EXPECT_EQ(args, expected);
}

// Runs `bash -c '<script> "$@"'`-style: the joined string is what bash
// parses, and printf shows each word it produced on its own line.
std::vector<std::string> wordsAfterBash(const std::string& joined) {
  std::string cmd = "bash -c " + shellQuote("printf '%s\\0' " + joined);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  std::vector<std::string> words;
  size_t start = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\0') {
      words.push_back(out.substr(start, i - start));
      start = i + 1;
    }
  }
  return words;
}

TEST(ConfigArgs, DollarsAreEscapedForTheKubelet) {
  // The kubelet turns $$ into $ and expands $(VAR): doubling keeps values as written.
  auto args = argsFor("a: 'cost$$5 $(HOME) $x'\nb: {k: '$(v)'}\n");
  std::vector<std::string> expected = {"--a", "cost$$$$5 $$(HOME) $$x", "--b", R"x({"k":"$$(v)"})x"};
  EXPECT_EQ(args, expected);
}

TEST(ShellQuote, EveryValueReachesTheEngineAsOneUnchangedArgument) {
  std::vector<std::string> words = {"--chat-template",
                                    "{% if x %}it's \"quoted\"; rm -rf / {% endif %}",
                                    "--a",
                                    "two words",
                                    "--b",
                                    "semi;colon",
                                    "--c",
                                    "$HOME and `id` and $(id)",
                                    "--d",
                                    "",
                                    "--e",
                                    "back\\slash",
                                    "--f",
                                    "new\nline",
                                    "--g",
                                    "'",
                                    "--h",
                                    R"({"kv_connector":"NixlConnector","kv_role":"kv_both"})",
                                    "--i",
                                    "plain-value_1.0:/x"};
  EXPECT_EQ(wordsAfterBash(shellJoin(words)), words);
}

TEST(ShellQuote, LeavesSafeWordsBare) {
  EXPECT_EQ(shellQuote("--max-model-len"), "--max-model-len");
  EXPECT_EQ(shellQuote("/models/abc"), "/models/abc");
  EXPECT_EQ(shellQuote("--ray_address=$(ENTRY_ADDRESS)"), "'--ray_address=$(ENTRY_ADDRESS)'");
  EXPECT_EQ(shellQuote(""), "''");
  EXPECT_EQ(shellQuote("it's"), "'it'\\''s'");
}

TEST(ShellQuote, KubeletReferencesStayExpandableInsideQuotedWords) {
  // The kubelet replaces $(POD_IP) before bash runs; simulate that. An
  // undefined reference is left alone by the kubelet and stays inert.
  std::string quoted = shellQuote("addr=$(POD_IP) x");
  EXPECT_EQ(quoted, "'addr=$(POD_IP) x'");
  std::string expanded = quoted;
  expanded.replace(expanded.find("$(POD_IP)"), 9, "10.0.0.7");
  EXPECT_EQ(wordsAfterBash(expanded), std::vector<std::string>{"addr=10.0.0.7 x"});
}

}  // namespace
}  // namespace mb::core

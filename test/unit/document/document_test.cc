#include <gtest/gtest.h>

#include "document/parse.h"

namespace mb::document {
namespace {

Value yaml1(std::string_view text) {
  std::vector<Value> docs;
  ParseError err;
  EXPECT_TRUE(parseYaml(text, docs, err)) << err.str();
  EXPECT_EQ(docs.size(), 1u);
  return docs.empty() ? Value() : docs[0];
}

Value json1(std::string_view text) {
  Value v;
  ParseError err;
  EXPECT_TRUE(parseJson(text, v, err)) << err.str();
  return v;
}

TEST(Json, KeepsNumberLiteralsAsWritten) {
  Value v = json1(R"({"a": 1000000, "b": 0.9, "c": 1e6, "d": -0, "e": 12345678901234567890123})");
  EXPECT_EQ(v.find("a")->text(), "1000000");
  EXPECT_EQ(v.find("b")->text(), "0.9");
  EXPECT_EQ(v.find("c")->text(), "1e6");
  EXPECT_EQ(v.find("d")->text(), "-0");
  EXPECT_EQ(v.find("e")->text(), "12345678901234567890123");
}

TEST(Json, KeepsMemberOrder) {
  Value v = json1(R"({"z": 1, "a": 2, "m": 3})");
  ASSERT_EQ(v.members().size(), 3u);
  EXPECT_EQ(v.members()[0].key, "z");
  EXPECT_EQ(v.members()[2].key, "m");
}

TEST(Json, RejectsDuplicateKeys) {
  Value v;
  ParseError err;
  EXPECT_FALSE(parseJson(R"({"a": 1, "a": 2})", v, err));
  EXPECT_NE(err.message.find("duplicate key \"a\""), std::string::npos);
}

TEST(Json, RejectsDuplicateKeysInLargeObjects) {
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\": 1,";
  text += "\"k42\": 2}";
  Value v;
  ParseError err;
  EXPECT_FALSE(parseJson(text, v, err));
  EXPECT_NE(err.message.find("k42"), std::string::npos);
}

TEST(Json, ReportsSyntaxErrorPosition) {
  Value v;
  ParseError err;
  EXPECT_FALSE(parseJson("{\n  \"a\": 1,\n  \"b\": }", v, err));
  EXPECT_EQ(err.mark.line, 3u);
  EXPECT_NE(err.str().find("line 3"), std::string::npos);
}

TEST(Json, BoundsNesting) {
  std::string deep(10000, '[');
  Value v;
  ParseError err;
  EXPECT_FALSE(parseJson(deep, v, err));
  EXPECT_NE(err.message.find("nesting deeper than"), std::string::npos);
}

TEST(Json, RejectsInvalidUtf8) {
  Value v;
  ParseError err;
  EXPECT_FALSE(parseJson("{\"a\": \"\xff\xfe\"}", v, err));
}

TEST(Json, BoundsSize) {
  Limits limits;
  limits.maxBytes = 10;
  Value v;
  ParseError err;
  EXPECT_FALSE(parseJson(R"({"a": "0123456789"})", v, err, limits));
  EXPECT_NE(err.message.find("limit"), std::string::npos);
}

// Anything after the first JSON value was silently dropped (a second
// booster in the same file, or garbage), and `validate` said all was well.
TEST(Json, TrailingContentIsAnErrorWithItsPosition) {
  Value v;
  ParseError err;
  EXPECT_FALSE(parseJson("{\"a\": 1}\n  garbage", v, err));
  EXPECT_EQ(err.mark.line, 2U);
  EXPECT_EQ(err.mark.column, 3U);
  EXPECT_NE(err.message.find("after the JSON value"), std::string::npos) << err.message;
  EXPECT_TRUE(parseJson("{\"a\": 1}\n \t\r\n", v, err)) << err.str();
}

// Like kubectl: a file may hold several JSON values one after another.
TEST(Json, DocumentsMayBeAStreamOfValues) {
  std::vector<Value> docs;
  ParseError err;
  ASSERT_TRUE(parseDocuments("{\"a\": 1}\n{\"b\": 2} [3]", docs, err)) << err.str();
  ASSERT_EQ(docs.size(), 3U);
  EXPECT_EQ(docs[1].find("b")->text(), "2");
  docs.clear();
  EXPECT_FALSE(parseDocuments("{\"a\": 1}\n{\"b\": }", docs, err));
  EXPECT_EQ(err.mark.line, 2U) << err.str();
}

// `{a: b}` is a YAML flow mapping, not broken JSON: kubectl reads it.
TEST(Json, FlowMappingThatIsNotJsonIsReadAsYaml) {
  std::vector<Value> docs;
  ParseError err;
  ASSERT_TRUE(parseDocuments("{apiVersion: v1, kind: List}\n", docs, err)) << err.str();
  ASSERT_EQ(docs.size(), 1U);
  EXPECT_EQ(docs[0].find("kind")->text(), "List");
  // Broken JSON that is no YAML either reports the JSON error.
  docs.clear();
  EXPECT_FALSE(parseDocuments("{\"a\": [1, }", docs, err));
  EXPECT_NE(err.message.find("JSON"), std::string::npos) << err.message;
}

// libyaml reports bad bytes by offset only; they were put at line 1.
TEST(Yaml, BadBytesAreReportedWhereTheyAre) {
  std::vector<Value> docs;
  ParseError err;
  EXPECT_FALSE(parseYaml("a: 1\nb: 2\nc: caf\xe9\n", docs, err));
  EXPECT_EQ(err.mark.line, 3U) << err.str();
  EXPECT_EQ(err.mark.column, 7U) << err.str();
}

TEST(Yaml, ResolvesScalarsLikeKubectl) {
  Value v = yaml1(
      "a: 32768\nb: 0.9\nc: yes\nd: off\ne: ~\nf: '123'\ng: \"true\"\nh: 0x1F\ni: 1_000\nj: text\nk: .5\nl: 1e6\n"
      "m: !!str 42\n");
  EXPECT_TRUE(v.find("a")->isNumber());
  EXPECT_EQ(v.find("a")->text(), "32768");
  EXPECT_EQ(v.find("b")->text(), "0.9");
  EXPECT_TRUE(v.find("c")->isBool());
  EXPECT_TRUE(v.find("c")->asBool());
  EXPECT_FALSE(v.find("d")->asBool());
  EXPECT_TRUE(v.find("e")->isNull());
  EXPECT_TRUE(v.find("f")->isString());
  EXPECT_TRUE(v.find("g")->isString());
  EXPECT_EQ(v.find("h")->text(), "31");
  EXPECT_EQ(v.find("i")->text(), "1000");
  EXPECT_TRUE(v.find("j")->isString());
  EXPECT_EQ(v.find("k")->text(), "0.5");
  EXPECT_EQ(v.find("l")->text(), "1e6");
  EXPECT_TRUE(v.find("m")->isString());
  EXPECT_EQ(v.find("m")->text(), "42");
}

// kubectl's YAML reader (sigs.k8s.io/yaml) drops `_` and parses integers
// with Go's base prefixes (0x, 0o, 0b, leading 0); digits that are not valid
// octal fall through to its float pattern.
// kubectl removes underscores before reading any number, floats included.
TEST(Yaml, UnderscoresInNumbersLikeKubectl) {
  Value v = yaml1("a: 1_0.0\nb: 16_384.5\nc: 1e_3\nd: 0_\ne: _1\n");
  EXPECT_EQ(v.find("a")->text(), "10.0");
  EXPECT_EQ(v.find("b")->text(), "16384.5");
  EXPECT_EQ(v.find("c")->text(), "1e3");
  EXPECT_EQ(v.find("d")->text(), "0");
  EXPECT_TRUE(v.find("d")->isNumber());
  EXPECT_TRUE(v.find("e")->isString());
}

TEST(Yaml, ResolvesGoIntegerPrefixesLikeKubectl) {
  Value v = yaml1("a: 0o17\nb: 0O17\nc: 0b101\nd: -0B11\ne: 017\nf: 08\ng: 0x_1F\nh: 0b\ni: 0o8\n");
  EXPECT_EQ(v.find("a")->text(), "15");
  EXPECT_EQ(v.find("b")->text(), "15");
  EXPECT_EQ(v.find("c")->text(), "5");
  EXPECT_EQ(v.find("d")->text(), "-3");
  EXPECT_EQ(v.find("e")->text(), "15");
  EXPECT_TRUE(v.find("f")->isNumber());
  EXPECT_EQ(v.find("f")->text(), "8");
  EXPECT_EQ(v.find("g")->text(), "31");
  EXPECT_TRUE(v.find("h")->isString());
  EXPECT_TRUE(v.find("i")->isString());
}

TEST(Yaml, ReadsSeveralDocumentsAndSkipsEmptyOnes) {
  std::vector<Value> docs;
  ParseError err;
  ASSERT_TRUE(parseYaml("a: 1\n---\n---\nb: 2\n...\n", docs, err)) << err.str();
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].find("b")->text(), "2");
}

TEST(Yaml, RecordsLines) {
  Value v = yaml1("a: 1\nb:\n  c: 2\n");
  EXPECT_EQ(v.find("b")->find("c")->mark().line, 3u);
}

TEST(Yaml, RejectsDuplicateKeysWithLine) {
  std::vector<Value> docs;
  ParseError err;
  EXPECT_FALSE(parseYaml("spec:\n  a: 1\n  a: 2\n", docs, err));
  EXPECT_NE(err.message.find("duplicate key \"a\""), std::string::npos);
  EXPECT_EQ(err.mark.line, 2u);
}

TEST(Yaml, ReportsSyntaxErrorsWithLine) {
  std::vector<Value> docs;
  ParseError err;
  EXPECT_FALSE(parseYaml("a: 1\nb: [1, 2\nc: 3\n", docs, err));
  EXPECT_NE(err.str().find("line"), std::string::npos);
  EXPECT_NE(err.message.find("invalid YAML"), std::string::npos);
}

TEST(Yaml, ExpandsAliasesButStopsBillionLaughs) {
  Value v = yaml1("base: &b {x: 1}\ncopy: *b\n");
  EXPECT_EQ(v.find("copy")->find("x")->text(), "1");

  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c, ++prev) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  std::vector<Value> docs;
  ParseError err;
  EXPECT_FALSE(parseYaml(bomb, docs, err));
  EXPECT_NE(err.message.find("aliases included"), std::string::npos);
}

TEST(Yaml, BoundsNestingWithoutRecursion) {
  std::string deep(100000, '[');
  std::vector<Value> docs;
  ParseError err;
  EXPECT_FALSE(parseYaml(deep, docs, err));
}

TEST(Yaml, RejectsMergeKeysAndComplexKeys) {
  std::vector<Value> docs;
  ParseError err;
  EXPECT_FALSE(parseYaml("a: &a {x: 1}\nb:\n  <<: *a\n", docs, err));
  EXPECT_NE(err.message.find("merge keys"), std::string::npos);
  EXPECT_FALSE(parseYaml("? [a, b]\n: 1\n", docs, err));
}

TEST(Yaml, RejectsInfinityWithAHint) {
  std::vector<Value> docs;
  ParseError err;
  EXPECT_FALSE(parseYaml("a: .inf\n", docs, err));
  EXPECT_NE(err.message.find("quote it"), std::string::npos);
}

TEST(Writers, YamlRoundTripsTrickyStrings) {
  Value v = Value::object();
  for (const char* s : {"true",
                        "yes",
                        "on",
                        "8100",
                        "0x10",
                        "0o17",
                        "16_384.5",
                        "0b101",
                        "08",
                        "1e6",
                        "",
                        "null",
                        "~",
                        "a: b",
                        "- x",
                        "#c",
                        " lead",
                        "trail ",
                        "multi\nline\n",
                        "quote's",
                        "dq\"",
                        "ünïcödé",
                        "$(POD_NAME).$(NAMESPACE)",
                        "*",
                        "&a",
                        "{x}",
                        "[1]",
                        "@at",
                        "`tick`",
                        "%pct",
                        "tab\there"}) {
    v.set(std::string("k") + std::to_string(v.members().size()), Value(s));
  }
  v.set("num", Value::number("0.9"));
  v.set("bool", Value::boolean(false));
  v.set("nil", Value::null());
  v.set("empty-list", Value::array());
  v.set("empty-map", Value::object());
  std::string yaml = toYaml(v);
  Value back = yaml1(yaml);
  EXPECT_TRUE(equal(v, back)) << yaml;
  Value fromJson = json1(toJson(v, 2));
  EXPECT_TRUE(equal(v, fromJson));
}

TEST(Writers, JsonEscapesControlCharacters) {
  Value v = Value::object({{"a", Value(std::string("x\x01y\n\"\\"))}});
  EXPECT_EQ(toJson(v), R"({"a":"x\u0001y\n\"\\"})");
}

TEST(Writers, YamlUsesLiteralBlocksForScripts) {
  std::string yaml = toYaml(Value::object({{"script", "line 1\nline 2\n"}}));
  EXPECT_NE(yaml.find("script: |"), std::string::npos) << yaml;
}

TEST(Compare, SubsetIgnoresServerDefaultsButNotChanges) {
  Value desired = json1(R"({"spec": {"replicas": 1, "template": {"a": [1, 2]}}})");
  Value live = json1(R"({"spec": {"replicas": 1.0, "template": {"a": [1, 2], "b": "defaulted"}}, "status": {}})");
  EXPECT_TRUE(isSubset(desired, live));
  Value edited = json1(R"({"spec": {"replicas": 2, "template": {"a": [1, 2]}}})");
  EXPECT_FALSE(isSubset(desired, edited));
  Value shorter = json1(R"({"spec": {"replicas": 1, "template": {"a": [1]}}})");
  EXPECT_FALSE(isSubset(desired, shorter));
}

}  // namespace
}  // namespace mb::document

// The document node itself: payload switching, shared (copy-on-write)
// subtrees and their cached JSON and hash, and the key string type.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "document/parse.h"

namespace mb::document {
namespace {

Value sample() {
  return Value::object({{"name", "engine"},
                        {"args", Value::array({"--port", Value::integer(8000)})},
                        {"env", Value::array({Value::object({{"name", "A"}, {"value", "x\"y"}})})}});
}

TEST(Value, SwitchingKindsKeepsNoStalePayload) {
  Value v = "text";
  v.push(Value::integer(1));
  EXPECT_TRUE(v.isArray());
  EXPECT_EQ(v.text(), "");
  v.set("k", Value::boolean(true));
  EXPECT_TRUE(v.isObject());
  EXPECT_TRUE(v.items().empty());
  EXPECT_TRUE(v.find("k")->asBool());
}

TEST(Value, MoveAssigningAChildIntoItsParentIsSafe) {
  Value v = Value::array({Value::array({"inner"})});
  v = std::move(v.items()[0]);
  ASSERT_TRUE(v.isArray());
  EXPECT_EQ(v.items()[0].text(), "inner");
}

TEST(Value, SharedCopiesReadLikeTheOriginal) {
  Value shared = Value::shared(sample());
  Value copy = shared;
  EXPECT_NE(copy.sharedNode(), nullptr);
  EXPECT_EQ(copy.sharedNode(), shared.sharedNode());
  EXPECT_TRUE(copy.isObject());
  EXPECT_EQ(copy.find("name")->text(), "engine");
  EXPECT_TRUE(equal(copy, sample()));
  EXPECT_EQ(toJson(copy), toJson(sample()));
  EXPECT_EQ(toJson(copy, 2), toJson(sample(), 2));
  EXPECT_EQ(toYaml(copy), toYaml(sample()));
}

TEST(Value, WritingToASharedCopyDetachesOnlyThatCopy) {
  Value shared = Value::shared(sample());
  Value copy = shared;
  copy.set("image", "vllm");
  EXPECT_EQ(copy.sharedNode(), nullptr);
  EXPECT_NE(copy.find("image"), nullptr);
  EXPECT_EQ(shared.find("image"), nullptr);
  Value other = shared;
  other.find("args")->push("--x");
  EXPECT_EQ(shared.find("args")->items().size(), 2u);
  EXPECT_EQ(other.find("args")->items().size(), 3u);
}

TEST(Value, PutEraseAndMutableAccessOnASharedCopyDetachIt) {
  Value shared = Value::shared(sample());
  Value a = shared;
  a.put("name", "runtime");
  Value b = shared;
  EXPECT_TRUE(b.erase("args"));
  Value c = shared;
  c.members().clear();
  Value d = shared;
  d.find("env")->items()[0].put("value", "changed");
  EXPECT_EQ(a.find("name")->text(), "runtime");
  EXPECT_EQ(b.find("args"), nullptr);
  EXPECT_TRUE(c.members().empty());
  EXPECT_EQ(d.find("env")->items()[0].find("value")->text(), "changed");
  EXPECT_TRUE(equal(shared, sample()));  // the original never changed
}

TEST(Value, SharedSubtreesInsideDocumentsWriteAndHashLikeCopies) {
  Value part = Value::shared(sample());
  Value withShared = Value::object({{"a", part}, {"b", part}});
  Value plain = Value::object({{"a", sample()}, {"b", sample()}});
  EXPECT_EQ(toJson(withShared), toJson(plain));
  EXPECT_EQ(toJson(withShared), toJson(withShared));  // second time from the cache
  EXPECT_EQ(hashValue(withShared), hashValue(plain));
  EXPECT_EQ(hashValue(withShared), hashValue(withShared));
  EXPECT_EQ(nodeHash(part), nodeHash(sample()));
}

TEST(Value, HashSeesEveryDifference) {
  EXPECT_NE(hashValue(Value::array({"ab", "c"})), hashValue(Value::array({"a", "bc"})));
  EXPECT_NE(hashValue(Value("1")), hashValue(Value::integer(1)));
  EXPECT_NE(hashValue(Value::array({"a", "b"})), hashValue(Value::array({"b", "a"})));
  EXPECT_NE(hashValue(Value::object({{"a", "b"}})), hashValue(Value::object({{"b", "a"}})));
  EXPECT_NE(hashValue(Value::object()), hashValue(Value::array()));
  EXPECT_NE(hashValue(Value::boolean(true)), hashValue(Value::boolean(false)));
  EXPECT_NE(hashValue(sample(), 1), hashValue(sample(), 2));
}

TEST(Value, SharedCachesFillSafelyFromManyThreads) {
  Value shared = Value::shared(sample());
  const std::string expected = toJson(sample());
  std::vector<std::thread> threads;
  std::vector<std::string> out(4);
  for (size_t i = 0; i < out.size(); ++i) {
    threads.emplace_back([&, i] {
      Value copy = shared;
      out[i] = toJson(Value::array({copy}));
      (void)hashValue(copy);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : out) EXPECT_EQ(s, "[" + expected + "]");
}

TEST(Text, LiteralsInlineAndLongCopies) {
  Text literal = "workload.serving.volcano.sh/model-uid";
  EXPECT_EQ(literal.size(), 37u);
  EXPECT_EQ(literal, "workload.serving.volcano.sh/model-uid");
  std::string longText(100, 'x');
  Text owned = std::string_view(longText);
  longText[0] = 'y';  // owned text is a copy
  EXPECT_EQ(owned.view(), std::string(100, 'x'));
  Text shortText = std::string_view("fourteen-chars");
  EXPECT_EQ(shortText.view(), "fourteen-chars");
  Text copy = owned;
  Text moved = std::move(copy);
  EXPECT_EQ(moved, owned);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  copy = literal;
  EXPECT_EQ(copy, literal);
  EXPECT_TRUE(Text("a") < Text("b"));
  EXPECT_EQ("x" + Text("y"), "xy");
}

}  // namespace
}  // namespace mb::document

namespace mb::document {
namespace {

TEST(Writers, LiteralKeysThatNeedEscapingAreEscaped) {
  Value v =
      Value::object({{"plain", Value::integer(1)}, {"quo\"te", Value::integer(2)}, {"back\\slash", Value::integer(3)}});
  EXPECT_EQ(toJson(v), R"({"plain":1,"quo\"te":2,"back\\slash":3})");
  EXPECT_EQ(toJson(v, 1), "{\n \"plain\": 1,\n \"quo\\\"te\": 2,\n \"back\\\\slash\": 3\n}");
}

TEST(Json, StringsAndKeysArrivingInPartsAreWhole) {
  // Escapes and long strings make the parser hand text over in parts.
  std::string longText(20000, 'x');
  for (size_t i = 0; i < longText.size(); i += 97) longText[i] = '\n';
  std::string json = "{\"k\\u0065y\":\"a\\\"b\",\"" + std::string(5000, 'k') + "\":" + toJson(Value(longText)) +
                     ",\"n\":12345678901234567890}";
  Value v;
  ParseError err;
  ASSERT_TRUE(parseJson(json, v, err)) << err.str();
  EXPECT_EQ(v.find("key")->text(), "a\"b");
  EXPECT_EQ(v.find(std::string(5000, 'k'))->text(), longText);
  EXPECT_EQ(v.find("n")->text(), "12345678901234567890");
  Value again;
  ASSERT_TRUE(parseJson(toJson(v), again, err));
  EXPECT_TRUE(equal(v, again));
}

}  // namespace
}  // namespace mb::document

#include <gtest/gtest.h>

#include "doc/parse.h"
#include "kube/store.h"
#include "kube/watch_decoder.h"

namespace mb::kube {
namespace {

const std::string kStream =
    R"({"type":"ADDED","object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"1"}}})"
    "\n"
    R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"5"}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"6"},"data":{"k":"\n"}}})"
    "\n"
    R"({"type":"DELETED","object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"7"}}})"
    "\n";

std::vector<std::string> decodeInChunks(const std::string& stream, size_t chunk) {
  WatchDecoder d;
  std::vector<std::string> seen;
  for (size_t i = 0; i < stream.size(); i += chunk) {
    d.feed(std::string_view(stream).substr(i, chunk), [&](WatchEvent&& e) {
      const char* names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
      seen.push_back(std::string(names[static_cast<int>(e.type)]) + "@" +
                     e.object.find("metadata")->find("resourceVersion")->text());
      return true;
    });
  }
  return seen;
}

TEST(WatchDecoder, EventsSurviveAnySplitOfTheStream) {
  std::vector<std::string> expected = {"ADDED@1", "BOOKMARK@5", "MODIFIED@6", "DELETED@7"};
  for (size_t chunk : std::initializer_list<size_t>{1, 2, 3, 7, 64, 4096}) {
    EXPECT_EQ(decodeInChunks(kStream, chunk), expected) << "chunk size " << chunk;
  }
}

TEST(WatchDecoder, ErrorEventStopsWithTheStatus) {
  WatchDecoder d;
  std::string stream = R"x({"type":"ERROR","object":{"kind":"Status","status":"Failure","reason":"Expired",)x"
                       R"x("message":"too old resource version: 1 (50)","code":410}})x"
                       "\n";
  EXPECT_FALSE(d.feed(stream, [](WatchEvent&&) { return true; }));
  ASSERT_TRUE(d.error().has_value());
  EXPECT_TRUE(d.error()->is(ErrorKind::Gone));
  EXPECT_EQ(d.error()->httpStatus, 410);
}

TEST(WatchDecoder, BadJsonAndConsumerStop) {
  WatchDecoder bad;
  EXPECT_FALSE(bad.feed("{not json}\n", [](WatchEvent&&) { return true; }));
  EXPECT_TRUE(bad.error().has_value());
  WatchDecoder stopping;
  int n = 0;
  EXPECT_FALSE(stopping.feed(kStream, [&](WatchEvent&&) { return ++n < 2; }));
  EXPECT_EQ(n, 2);
  EXPECT_TRUE(stopping.stoppedByConsumer());
}

ObjectPtr object(const std::string& ns, const std::string& name, const std::string& ownerUid = "") {
  std::string json = R"({"metadata":{"name":")" + name + R"(","namespace":")" + ns + R"(")";
  if (!ownerUid.empty()) json += R"(,"ownerReferences":[{"uid":")" + ownerUid + R"(","controller":true}])";
  json += "}}";
  doc::Value v;
  doc::ParseError e;
  EXPECT_TRUE(doc::parseJson(json, v, e));
  return std::make_shared<const doc::Value>(std::move(v));
}

TEST(Store, OwnerIndexFollowsApplyRemoveAndReplace) {
  Store store;
  Store::Writer w(store);
  EXPECT_FALSE(store.synced());
  w.apply(object("n", "a", "u1"));
  w.apply(object("n", "b", "u1"));
  w.apply(object("n", "c", "u2"));
  EXPECT_EQ(store.ownedBy("u1").size(), 2u);
  w.apply(object("n", "b", "u2"));  // re-owned
  EXPECT_EQ(store.ownedBy("u1").size(), 1u);
  EXPECT_EQ(store.ownedBy("u2").size(), 2u);
  w.remove("n/c");
  EXPECT_EQ(store.ownedBy("u2").size(), 1u);
  EXPECT_EQ(store.get("n/c"), nullptr);

  auto gone = w.replace({object("n", "a", "u1"), object("n", "d", "u3")});
  EXPECT_TRUE(store.synced());
  ASSERT_EQ(gone.size(), 1u);  // b vanished while "disconnected"
  EXPECT_EQ(objectKey(*gone[0]), "n/b");
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.ownedBy("u2").size(), 0u);
  EXPECT_EQ(store.ownedBy("u3").size(), 1u);
}

ObjectPtr versioned(const std::string& name, const std::string& rv) {
  doc::Value v;
  doc::ParseError e;
  EXPECT_TRUE(doc::parseJson(
      R"({"metadata":{"name":")" + name + R"(","namespace":"n","resourceVersion":")" + rv + R"("}})", v, e));
  return std::make_shared<const doc::Value>(std::move(v));
}

// What the reconciler records after its own writes must never replace a
// newer object the watch already delivered.
TEST(Store, ApplyIfNewerNeverGoesBack) {
  Store store;
  Store::Writer w(store);
  EXPECT_TRUE(w.applyIfNewer(versioned("a", "10")));  // absent: recorded
  EXPECT_FALSE(w.applyIfNewer(versioned("a", "10")));
  EXPECT_FALSE(w.applyIfNewer(versioned("a", "9")));
  EXPECT_TRUE(w.applyIfNewer(versioned("a", "11")));
  EXPECT_EQ(store.get("n/a")->find("metadata")->find("resourceVersion")->text(), "11");
  w.apply(versioned("b", "opaque"));
  EXPECT_FALSE(w.applyIfNewer(versioned("b", "12"))) << "not comparable: keep what the watch gave";
}

}  // namespace
}  // namespace mb::kube

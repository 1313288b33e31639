#include "kube/store.h"

#include <gtest/gtest.h>

#include "document/parse.h"

namespace mb::kube {
namespace {

ObjectPtr object(const std::string& ns, const std::string& name, const std::string& ownerUid = "") {
  std::string json = R"({"metadata":{"name":")" + name + R"(","namespace":")" + ns + R"(")";
  if (!ownerUid.empty()) json += R"(,"ownerReferences":[{"uid":")" + ownerUid + R"(","controller":true}])";
  json += "}}";
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(json, v, e));
  return std::make_shared<const document::Value>(std::move(v));
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
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(
      R"({"metadata":{"name":")" + name + R"(","namespace":"n","resourceVersion":")" + rv + R"("}})", v, e));
  return std::make_shared<const document::Value>(std::move(v));
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

// Our write's answer recorded after the watch delivered the deletion must
// not bring the object back: a resurrected booster would get children for
// an owner that no longer exists, which the garbage collector deletes,
// which enqueues the booster again, for ever.
TEST(Store, AWriteRecordedAfterTheDeletionDoesNotResurrect) {
  Store store;
  Store::Writer w(store);
  w.apply(versioned("a", "10"));
  // We write (the server answers with rv 11); the object is then deleted
  // (rv 12) and the watch removes it before our answer is recorded.
  w.remove("n/a", versioned("a", "12").get());
  EXPECT_FALSE(w.applyIfNewer(versioned("a", "11")));
  EXPECT_EQ(store.get("n/a"), nullptr);
  // A new object of the same name is newer than the deletion.
  EXPECT_TRUE(w.applyIfNewer(versioned("a", "13")));
  EXPECT_NE(store.get("n/a"), nullptr);
}

TEST(Store, DeletionOfAnUncachedObjectIsRememberedToo) {
  Store store;
  Store::Writer w(store);
  EXPECT_EQ(w.remove("n/b", versioned("b", "20").get()), nullptr);
  EXPECT_FALSE(w.applyIfNewer(versioned("b", "19")));
  EXPECT_EQ(store.size(), 0U);
}

// With --namespace a,b one watcher per namespace fills the same store: a
// relist of one namespace must not drop the other's objects, and the store
// is synced once both have listed.
TEST(Store, ARelistOfOneNamespaceKeepsTheOthers) {
  Store store;
  store.expectNamespace("a");
  store.expectNamespace("b");
  Store::Writer w(store);
  w.replace({object("a", "x", "u1")}, "a");
  EXPECT_FALSE(store.synced()) << "b has not listed yet";
  w.replace({object("b", "y", "u1"), object("b", "z", "u2")}, "b");
  EXPECT_TRUE(store.synced());
  EXPECT_EQ(store.size(), 3u);
  auto gone = w.replace({object("a", "w", "u2")}, "a");
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(objectKey(*gone[0]), "a/x");
  EXPECT_NE(store.get("b/y"), nullptr);
  EXPECT_EQ(store.ownedBy("u1").size(), 1u);  // b/y
  EXPECT_EQ(store.ownedBy("u2").size(), 2u);  // a/w, b/z
  // A namespace named like another's prefix is not in its scope.
  w.apply(object("ab", "v"));
  w.replace({}, "a");
  EXPECT_NE(store.get("ab/v"), nullptr);
}

}  // namespace
}  // namespace mb::kube

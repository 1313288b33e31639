#include <gtest/gtest.h>

#include "document/parse.h"
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

}  // namespace
}  // namespace mb::kube

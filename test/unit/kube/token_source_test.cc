// Token files re-read when they change, at most once per interval on the
// clock, keeping the last good token through a half-written rotation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "config_test_util.h"
#include "kube/token_source.h"

namespace mb::kube {
namespace {

namespace fs = std::filesystem;
using namespace test;  // NOLINT(google-build-using-namespace): the shared fixtures
using ::testing::AllOf;
using ::testing::HasSubstr;

// ------------------------------------------------------------ TokenSource --

TEST(TokenSource, ReReadsOnlyAfterTheInterval) {
  TempDir dir;
  auto path = dir.write("token", "one\n");
  base::FakeClock clock;
  TokenSource source("", path, clock, std::chrono::seconds(10));
  EXPECT_EQ(source.token(), "one");

  dir.write("token", "two-two\n");
  clock.advance(std::chrono::seconds(9));
  EXPECT_EQ(source.token(), "one");  // not checked yet
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(source.token(), "two-two");
  EXPECT_FALSE(source.lastError());
}

TEST(TokenSource, KeepsTheLastGoodTokenWhenTheFileIsEmptyOrGone) {
  TempDir dir;
  auto path = dir.write("token", "good");
  TokenSource source("", path, stoppedClock(), std::chrono::seconds(10));
  EXPECT_EQ(source.token(), "good");

  dir.write("token", "  \n");  // caught mid-rotation
  source.refreshForTest();
  EXPECT_EQ(source.token(), "good");
  EXPECT_THAT(source.lastError().value_or(""), HasSubstr("is empty"));

  fs::remove(path);
  source.refreshForTest();
  EXPECT_EQ(source.token(), "good");
  EXPECT_THAT(source.lastError().value_or(""), AllOf(HasSubstr(path), HasSubstr("No such file")));

  dir.write("token", "back");
  source.refreshForTest();
  EXPECT_EQ(source.token(), "back");
  EXPECT_FALSE(source.lastError());
}

TEST(TokenSource, InitialTokenUntilTheFileCanBeRead) {
  TempDir dir;
  TokenSource source("initial", dir.path("later"), stoppedClock(), std::chrono::seconds(10));
  EXPECT_EQ(source.token(), "initial");
  dir.write("later", "from-file");
  source.refreshForTest();
  EXPECT_EQ(source.token(), "from-file");
}

}  // namespace
}  // namespace mb::kube

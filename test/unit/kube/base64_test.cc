// Base64 as kubeconfig *-data fields carry it.
#include <gtest/gtest.h>

#include <string>

#include "config_test_util.h"
#include "kube/base64.h"

namespace mb::kube {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the shared fixtures

// ---------------------------------------------------------------- base64 --

TEST(Base64, DecodesPaddedUnpaddedAndWrapped) {
  EXPECT_EQ(decodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(decodeBase64("aGVsbG8"), "hello");
  EXPECT_EQ(decodeBase64("aGVs\nbG8h"),
            "hell"
            "o!");
  EXPECT_EQ(decodeBase64(" aG Vs\r\n bA== \n"), "hell");
  EXPECT_EQ(decodeBase64(""), "");
  EXPECT_EQ(decodeBase64("/+8="), std::string("\xff\xef", 2));
  EXPECT_EQ(decodeBase64(kCaB64), kCaPem);
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(decodeBase64("aGVsbG8*"));   // not in the alphabet
  EXPECT_FALSE(decodeBase64("aGVsbG8_"));   // URL-safe alphabet is not kubeconfig's
  EXPECT_FALSE(decodeBase64("aGV=sbG8"));   // data after padding
  EXPECT_FALSE(decodeBase64("aGVsb"));      // 5 symbols: a dangling 6 bits
  EXPECT_FALSE(decodeBase64("aGVsbG8=="));  // padding beyond the quantum
  EXPECT_FALSE(decodeBase64("aGVsbA="));    // padding short of the quantum
  EXPECT_FALSE(decodeBase64("aGVsbA==="));  // three pads
  EXPECT_FALSE(decodeBase64("===="));
}

}  // namespace
}  // namespace mb::kube

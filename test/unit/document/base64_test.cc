// Base64 as kubeconfig *-data fields and admission patches carry it.
#include "document/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace mb::document {
namespace {

TEST(Base64, DecodesPaddedUnpaddedAndWrapped) {
  EXPECT_EQ(decodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(decodeBase64("aGVsbG8"), "hello");
  EXPECT_EQ(decodeBase64("aGVs\nbG8h"),
            "hell"
            "o!");
  EXPECT_EQ(decodeBase64(" aG Vs\r\n bA== \n"), "hell");
  EXPECT_EQ(decodeBase64(""), "");
  EXPECT_EQ(decodeBase64("/+8="), std::string("\xff\xef", 2));
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

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(encodeBase64(""), "");
  EXPECT_EQ(encodeBase64("h"), "aA==");
  EXPECT_EQ(encodeBase64("he"), "aGU=");
  EXPECT_EQ(encodeBase64("hel"), "aGVs");
  EXPECT_EQ(encodeBase64("hello"), "aGVsbG8=");
  EXPECT_EQ(encodeBase64(std::string("\xff\xef", 2)), "/+8=");
}

TEST(Base64, EveryByteRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::string part = all.substr(0, n);
    EXPECT_EQ(decodeBase64(encodeBase64(part)), part) << n;
  }
}

}  // namespace
}  // namespace mb::document

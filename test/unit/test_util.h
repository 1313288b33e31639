// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "api/model_booster.h"
#include "document/parse.h"

namespace mb::test {

inline document::Value parseOne(std::string_view text) {
  std::vector<document::Value> docs;
  document::ParseError err;
  EXPECT_TRUE(document::parseDocuments(text, docs, err)) << err.str();
  return docs.empty() ? document::Value() : docs[0];
}

inline std::string readSource(const std::string& relative) {
  std::ifstream in(std::string(MB_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace mb::test

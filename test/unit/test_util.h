// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "api/model_booster.h"
#include "doc/parse.h"

namespace mb::test {

inline doc::Value parseOne(std::string_view text) {
  std::vector<doc::Value> docs;
  doc::ParseError err;
  EXPECT_TRUE(doc::parseDocuments(text, docs, err)) << err.str();
  return docs.empty() ? doc::Value() : docs[0];
}

inline std::string readSource(const std::string& relative) {
  std::ifstream in(std::string(MB_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace mb::test

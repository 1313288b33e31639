// Reading JSON and YAML text into documents, and writing documents back.
// Input is untrusted: every failure is a ParseError with a position, depth
// and size are bounded, and nothing here recurses on the input's nesting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "document/value.h"

namespace mb::document {

struct ParseError {
  std::string message;
  Mark mark;  // line 0 when the position is unknown
  std::string str() const;
};

// Line and column (from 1) of byte `offset` in `text`, for parsers that
// report positions as offsets.
Mark markAt(std::string_view text, size_t offset);

struct Limits {
  size_t maxBytes = 16u << 20;  // refuse larger inputs outright
  size_t maxDepth = 128;        // nesting of lists and objects
  size_t maxNodes = 2'000'000;  // values, counting alias expansions (YAML bombs)
};

// One JSON text; anything but blanks after it is an error. Duplicate object
// keys are errors (kubectl strict mode).
bool parseJson(std::string_view text, Value& out, ParseError& error, const Limits& limits = {});
// JSON values one after another (blanks between them), as kubectl reads a
// file of concatenated objects.
bool parseJsonStream(std::string_view text, std::vector<Value>& out, ParseError& error, const Limits& limits = {});

// Every document of a YAML stream; empty documents are skipped. Plain
// scalars resolve the way kubectl's YAML decoder does (YAML 1.1 booleans
// such as `yes`/`on`, integers, floats, null), quoted scalars are strings.
bool parseYaml(std::string_view text, std::vector<Value>& out, ParseError& error, const Limits& limits = {});

// A JSON stream when the text starts (after blanks) with `{` or `[` and is
// one, else YAML (which includes flow collections that are not JSON).
bool parseDocuments(std::string_view text, std::vector<Value>& out, ParseError& error, const Limits& limits = {});

// Writers. `indent` 0 writes compact JSON.
void writeJson(const Value& value, std::string& out, int indent = 0);
// One JSON string literal (quotes included), escaped per RFC 8259.
void writeJsonString(std::string_view text, std::string& out);
std::string toJson(const Value& value, int indent = 0);
// Block-style YAML as kubectl prints it; documents separated by `---`.
std::string toYaml(const std::vector<const Value*>& documents);
std::string toYaml(const Value& document);

}  // namespace mb::document

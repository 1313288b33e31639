// The offline openAPIV3Schema checker (src/openapi/schema_check.h): one test
// per rule on small hand-written schemas, each naming the exact field path
// and a key phrase of the message; then the real ModelBooster CRD schema
// against the shipped examples and golden inputs (no false positives) and
// against mistakes inside the embedded Kubernetes types that decoding passes
// through unchecked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "document/field_error.h"
#include "document/parse.h"
#include "openapi/schema_check.h"
#include "test_util.h"

namespace {

using mb::document::FieldError;
using mb::document::Value;
using testing::HasSubstr;

using Errs = std::vector<mb::document::FieldError>;

std::string dump(const Errs& errs) {
  std::string out = std::to_string(errs.size()) + " error(s):\n";
  for (const auto& e : errs) out += "  " + e.str() + "\n";
  return out;
}

Value yaml(std::string_view text) {
  std::vector<Value> docs;
  mb::document::ParseError error;
  EXPECT_TRUE(mb::document::parseYaml(text, docs, error)) << error.str() << " in " << text;
  return docs.empty() ? Value() : docs[0];
}

Value json(std::string_view text) {
  Value v;
  mb::document::ParseError error;
  EXPECT_TRUE(mb::document::parseJson(text, v, error)) << error.str() << " in " << text;
  return v;
}

Errs check(const Value& schema, const Value& value) {
  mb::document::Errors errors;
  mb::openapi::checkSchema(schema, value, errors);
  return errors.list();
}

// Schema and value both as JSON.
Errs checkJson(std::string_view schema, std::string_view value) { return check(json(schema), json(value)); }

const mb::document::FieldError* errorAt(const Errs& errs, std::string_view path) {
  for (const auto& e : errs) {
    if (e.field == path) return &e;
  }
  return nullptr;
}

#define EXPECT_NO_ERRORS(errs) EXPECT_TRUE((errs).empty()) << dump(errs)

#define EXPECT_ONE_ERROR(errs, path, phrase)                         \
  do {                                                               \
    ASSERT_EQ((errs).size(), 1u) << dump(errs);                      \
    EXPECT_EQ((errs)[0].field, path) << dump(errs);                  \
    EXPECT_THAT((errs)[0].message, HasSubstr(phrase)) << dump(errs); \
  } while (0)

#define EXPECT_ERROR_AT(errs, path, phrase)                                       \
  do {                                                                            \
    const mb::document::FieldError* found_ = errorAt(errs, path);                 \
    ASSERT_NE(found_, nullptr) << "no error at " << (path) << "; " << dump(errs); \
    EXPECT_THAT(found_->message, HasSubstr(phrase)) << dump(errs);                \
  } while (0)

// ------------------------------------------------------------------ types

TEST(SchemaCheck, TypeMismatchNamesBothTypes) {
  Errs errs = checkJson(R"({"type": "object", "properties": {"n": {"type": "integer"}}})", R"({"n": "3"})");
  EXPECT_ONE_ERROR(errs, "n", "must be an integer, not a string");
}

TEST(SchemaCheck, EachTypeAcceptsItsKindOnly) {
  EXPECT_NO_ERRORS(checkJson(R"({"type": "string"})", R"("x")"));
  EXPECT_NO_ERRORS(checkJson(R"({"type": "integer"})", "-12"));
  EXPECT_NO_ERRORS(checkJson(R"({"type": "number"})", "0.5"));
  EXPECT_NO_ERRORS(checkJson(R"({"type": "number"})", "7"));
  EXPECT_NO_ERRORS(checkJson(R"({"type": "boolean"})", "false"));
  EXPECT_NO_ERRORS(checkJson(R"({"type": "array"})", "[]"));
  EXPECT_NO_ERRORS(checkJson(R"({"type": "object"})", "{}"));
  EXPECT_ONE_ERROR(checkJson(R"({"type": "string"})", "1"), "", "must be a string, not a number");
  EXPECT_ONE_ERROR(checkJson(R"({"type": "number"})", R"("1")"), "", "must be a number, not a string");
  EXPECT_ONE_ERROR(checkJson(R"({"type": "boolean"})", R"("true")"), "", "must be true or false, not a string");
  EXPECT_ONE_ERROR(checkJson(R"({"type": "array"})", "{}"), "", "must be a list, not an object");
  EXPECT_ONE_ERROR(checkJson(R"({"type": "object"})", "[]"), "", "must be an object, not a list");
}

// The API server takes integral floats as integers (JSON cannot tell them
// apart), as the decoder does.
TEST(SchemaCheck, IntegerValueMayBeWrittenAsAFloat) {
  EXPECT_ONE_ERROR(checkJson(R"({"type": "integer"})", "2.5"), "", "must be an integer, not 2.5");
  EXPECT_NO_ERRORS(checkJson(R"({"type": "integer"})", "1.0"));
  EXPECT_NO_ERRORS(checkJson(R"({"type": "integer"})", "1e3"));
  EXPECT_ONE_ERROR(checkJson(R"({"type": "integer"})", "1e300"), "", "must be an integer");
}

// A null object field that is not nullable is dropped by the API server
// before validation; a null where a value is needed (a list item, the
// document) is a type error.
TEST(SchemaCheck, NullFieldsArePrunedNullItemsAreErrors) {
  EXPECT_NO_ERRORS(checkJson(R"({"type": "object", "properties": {"a": {"type": "integer"}}})", R"({"a": null})"));
  EXPECT_ONE_ERROR(checkJson(R"({"type": "array", "items": {"type": "integer"}})", "[1, null]"), "[1]",
                   "must be an integer, not null");
  EXPECT_NO_ERRORS(
      checkJson(R"({"type": "object", "properties": {"a": {"type": "integer", "nullable": true}}})", R"({"a": null})"));
  // A schema without a type (preserve-unknown) takes anything, null too.
  EXPECT_NO_ERRORS(checkJson(R"({"x-kubernetes-preserve-unknown-fields": true})", "null"));
}

// render must show what the controller sees: the API server drops null
// fields it declares as non-nullable before storing the booster.
TEST(SchemaCheck, PruneNullsDropsDeclaredNonNullableNulls) {
  Value schema = json(R"({"type": "object", "properties": {
      "a": {"type": "integer"}, "b": {"type": "integer", "nullable": true},
      "list": {"type": "array", "items": {"type": "object", "properties": {"c": {"type": "string"}}}},
      "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}})");
  Value v = json(R"({"a": null, "b": null, "list": [{"c": null}], "free": {"d": null}, "undeclared": null})");
  mb::openapi::pruneNulls(schema, v);
  EXPECT_EQ(mb::document::toJson(v), R"({"b":null,"list":[{}],"free":{"d":null},"undeclared":null})");
}

TEST(SchemaCheck, Int32FormatRange) {
  const char* schema = R"({"type": "integer", "format": "int32"})";
  EXPECT_NO_ERRORS(checkJson(schema, "2147483647"));
  EXPECT_NO_ERRORS(checkJson(schema, "-2147483648"));
  EXPECT_ONE_ERROR(checkJson(schema, "2147483648"), "", "must be between -2147483648 and 2147483647");
  EXPECT_ONE_ERROR(checkJson(schema, "-2147483649"), "", "must be between -2147483648 and 2147483647");
}

TEST(SchemaCheck, Int64FormatRange) {
  const char* schema = R"({"type": "integer", "format": "int64"})";
  EXPECT_NO_ERRORS(checkJson(schema, "9223372036854775807"));
  EXPECT_ONE_ERROR(checkJson(schema, "9223372036854775808"), "",
                   "must be between -9223372036854775808 and 9223372036854775807");
}

TEST(SchemaCheck, IntOrString) {
  const char* schema = R"({"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]})";
  EXPECT_NO_ERRORS(checkJson(schema, "8"));
  EXPECT_NO_ERRORS(checkJson(schema, R"("500m")"));
  EXPECT_ONE_ERROR(checkJson(schema, "0.5"), "", "must be an integer or a string, not 0.5");
  EXPECT_ONE_ERROR(checkJson(schema, "[1]"), "", "must be an integer or a string, not a list");
  EXPECT_ONE_ERROR(checkJson(schema, "null"), "", "must be an integer or a string, not null");
}

TEST(SchemaCheck, AnyOfChecksBranchTypes) {
  const char* schema = R"({"anyOf": [{"type": "boolean"}, {"type": "string"}]})";
  EXPECT_NO_ERRORS(checkJson(schema, "true"));
  EXPECT_NO_ERRORS(checkJson(schema, R"("x")"));
  EXPECT_ONE_ERROR(checkJson(schema, "3"), "", "must be true or false or a string, not a number");
}

TEST(SchemaCheck, AllOfChecksBranchTypes) {
  const char* schema = R"({"allOf": [{"type": "string"}, {"maxLength": 1}]})";
  EXPECT_NO_ERRORS(checkJson(schema, R"("long, but branches are only type-checked")"));
  EXPECT_ONE_ERROR(checkJson(schema, "3"), "", "must be a string, not a number");
}

// ------------------------------------------------------------------ objects

TEST(SchemaCheck, UnknownFieldIsReportedAtItsPath) {
  Errs errs = checkJson(R"({"type": "object", "properties": {"limits": {"type": "object"}}})",
                        R"({"limits": {}, "limts": {}})");
  EXPECT_ONE_ERROR(errs, "limts", "unknown field \"limts\"");
}

TEST(SchemaCheck, ObjectWithoutPropertiesTakesNoKeys) {
  // The API server prunes every key of such an object; strict validation
  // reports them.
  Errs errs = checkJson(R"({"type": "object", "properties": {"gang": {"type": "object"}}})", R"({"gang": {"on": 1}})");
  EXPECT_ONE_ERROR(errs, "gang.on", "unknown field \"on\"");
}

TEST(SchemaCheck, AdditionalPropertiesSchemaChecksEachValue) {
  Errs errs =
      checkJson(R"({"type": "object", "additionalProperties": {"type": "string"}})", R"({"pool": "a", "zone": 3})");
  EXPECT_ONE_ERROR(errs, "zone", "must be a string, not a number");
}

TEST(SchemaCheck, AdditionalPropertiesTrueAndFalse) {
  EXPECT_NO_ERRORS(checkJson(R"({"type": "object", "additionalProperties": true})", R"({"anything": [1, {}]})"));
  Errs errs = checkJson(R"({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false})",
                        R"({"a": "x", "b": "y"})");
  EXPECT_ONE_ERROR(errs, "b", "unknown field \"b\"");
}

TEST(SchemaCheck, PreserveUnknownFieldsStillChecksDeclaredProperties) {
  const char* schema = R"({"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                           "properties": {"port": {"type": "integer"}}})";
  EXPECT_NO_ERRORS(checkJson(schema, R"({"port": 80, "extra": {"deep": ["anything"]}})"));
  EXPECT_ONE_ERROR(checkJson(schema, R"({"port": "80", "extra": 1})"), "port", "must be an integer, not a string");
}

TEST(SchemaCheck, EmbeddedResourceAllowsTypeMetaAndMetadata) {
  const char* schema = R"({"type": "object", "properties": {"template": {"type": "object",
      "x-kubernetes-embedded-resource": true, "properties": {"spec": {"type": "object"}}}}})";
  EXPECT_NO_ERRORS(checkJson(schema, R"({"template": {"apiVersion": "v1", "kind": "Pod",
      "metadata": {"labels": {"a": "b"}}, "spec": {}}})"));
  Errs errs = checkJson(schema, R"({"template": {"kind": "Pod", "spec": {}, "status": {}}})");
  EXPECT_ONE_ERROR(errs, "template.status", "unknown field \"status\"");
}

TEST(SchemaCheck, RootMetadataWithoutPropertiesIsNotDescended) {
  const char* schema = R"({"type": "object", "properties": {"metadata": {"type": "object"},
                           "spec": {"type": "object", "properties": {"metadata": {"type": "object"}}}}})";
  EXPECT_NO_ERRORS(checkJson(schema, R"({"metadata": {"name": "a", "labels": {"x": "y"}}})"));
  EXPECT_ONE_ERROR(checkJson(schema, R"({"metadata": "a"})"), "metadata", "must be an object, not a string");
  // Below the root, metadata is an ordinary field.
  Errs errs = checkJson(schema, R"({"spec": {"metadata": {"name": "a"}}})");
  EXPECT_ONE_ERROR(errs, "spec.metadata.name", "unknown field \"name\"");
}

TEST(SchemaCheck, Required) {
  Errs errs = checkJson(R"({"type": "object", "required": ["name", "key"],
                            "properties": {"name": {"type": "string"}, "key": {"type": "string"}}})",
                        R"({"name": "a"})");
  EXPECT_ONE_ERROR(errs, "key", "is required");
}

TEST(SchemaCheck, MaxAndMinProperties) {
  const char* schema = R"({"type": "object", "minProperties": 1, "maxProperties": 2,
                           "additionalProperties": {"type": "string"}})";
  EXPECT_NO_ERRORS(checkJson(schema, R"({"a": "1", "b": "2"})"));
  EXPECT_ONE_ERROR(checkJson(schema, R"({"a": "1", "b": "2", "c": "3"})"), "", "must be at most 2 entries, not 3");
  EXPECT_ONE_ERROR(checkJson(schema, "{}"), "", "must be at least 1 entry, not 0");
}

// ------------------------------------------------------------------ arrays

TEST(SchemaCheck, ItemsAreCheckedWithIndexedPaths) {
  Errs errs = checkJson(R"({"type": "object", "properties": {"env": {"type": "array", "items": {"type": "object",
                            "properties": {"name": {"type": "string"}}}}}})",
                        R"({"env": [{"name": "A"}, {"name": 1}, {"nme": "C"}]})");
  ASSERT_EQ(errs.size(), 2u) << dump(errs);
  EXPECT_ERROR_AT(errs, "env[1].name", "must be a string, not a number");
  EXPECT_ERROR_AT(errs, "env[2].nme", "unknown field \"nme\"");
}

TEST(SchemaCheck, MaxAndMinItems) {
  const char* schema = R"({"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "integer"}})";
  EXPECT_NO_ERRORS(checkJson(schema, "[1, 2]"));
  EXPECT_ONE_ERROR(checkJson(schema, "[1, 2, 3]"), "", "must be at most 2 items, not 3");
  EXPECT_ONE_ERROR(checkJson(schema, "[]"), "", "must be at least 1 item, not 0");
}

// ------------------------------------------------------------------ strings

TEST(SchemaCheck, MaxLengthCountsCodePoints) {
  const char* schema = R"({"type": "string", "maxLength": 3})";
  EXPECT_NO_ERRORS(checkJson(schema, "\"\xc2\xb5\xc2\xb5\xc2\xb5\""));  // three µ, six bytes
  EXPECT_ONE_ERROR(checkJson(schema, "\"\xc2\xb5\xc2\xb5\xc2\xb5\xc2\xb5\""), "",
                   "must be at most 3 characters, not 4");
  EXPECT_ONE_ERROR(checkJson(schema, R"("abcd")"), "", "must be at most 3 characters");
}

TEST(SchemaCheck, MinLength) {
  EXPECT_ONE_ERROR(checkJson(R"({"type": "string", "minLength": 1})", R"("")"), "",
                   "must be at least 1 character, not 0");
}

TEST(SchemaCheck, Pattern) {
  const char* schema = R"({"type": "string", "pattern": "^[a-z]+-[0-9]+$"})";
  EXPECT_NO_ERRORS(checkJson(schema, R"("gpu-1")"));
  EXPECT_ONE_ERROR(checkJson(schema, R"("GPU")"), "", "must match ^[a-z]+-[0-9]+$, not \"GPU\"");
  EXPECT_ONE_ERROR(checkJson(schema, R"("gpu-")"), "", "must match");
}

// Patterns a user knows by name are described, not shown.
TEST(SchemaCheck, WellKnownPatternsAreNamed) {
  const char* label = R"({"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"})";
  EXPECT_ONE_ERROR(checkJson(label, R"("GPU")"), "",
                   "must be a DNS label (lower-case letters, digits and '-'), not \"GPU\"");
}

TEST(SchemaCheck, PatternIsSearchedNotAnchored) {
  // Kubernetes (Go's regexp MatchString) finds the pattern anywhere.
  EXPECT_NO_ERRORS(checkJson(R"({"type": "string", "pattern": "[0-9]"})", R"("abc1def")"));
  EXPECT_ONE_ERROR(checkJson(R"({"type": "string", "pattern": "[0-9]"})", R"("abc")"), "", "must match [0-9]");
}

TEST(SchemaCheck, PatternWithMicroSignMatchesUtf8Bytes) {
  // The CRDs' Go-duration pattern has "µs" (U+00B5, two UTF-8 bytes) in an
  // alternation; std::regex matches it byte by byte.
  Value schema = yaml("type: string\npattern: ^([0-9]+(\\.[0-9]+)?(ns|us|\xc2\xb5s|ms|s|m|h))+$\n");
  for (const char* ok : {"1\xc2\xb5s", "1.5h", "1m30s", "250ms", "10us", "3ns"}) {
    EXPECT_NO_ERRORS(check(schema, Value(ok))) << ok;
  }
  for (const char* bad : {"1\xc2\xb5", "1\xc2s", "1\xb5s", "1xs", "m", "1 s", ""}) {
    Errs errs = check(schema, Value(bad));
    EXPECT_EQ(errs.size(), 1u) << bad << ": " << dump(errs);
  }
}

TEST(SchemaCheck, PatternOnHugeStringDoesNotOverflowTheStack) {
  // The backtracking executor recursed once per character and crashed on
  // strings of about 100 kB; a quantity has a pattern and no maxLength.
  const char* schema =
      R"({"type": "string", "pattern": "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE])?$"})";
  EXPECT_NO_ERRORS(check(json(schema), Value(std::string(1'000'000, '7'))));
  EXPECT_EQ(check(json(schema), Value(std::string(1'000'000, '7') + "x")).size(), 1u);
}

TEST(SchemaCheck, PatternThatDoesNotCompileIsSkipped) {
  EXPECT_NO_ERRORS(checkJson(R"({"type": "string", "pattern": "([a-z"})", R"("anything")"));
}

TEST(SchemaCheck, TooLongStringIsNotAlsoMatched) {
  Errs errs = checkJson(R"({"type": "string", "maxLength": 2, "pattern": "^a+$"})", R"("bbb")");
  EXPECT_ONE_ERROR(errs, "", "must be at most 2 characters");
}

// ------------------------------------------------------------------ numbers

TEST(SchemaCheck, MinimumAndMaximum) {
  const char* schema = R"({"type": "integer", "minimum": 0, "maximum": 100})";
  EXPECT_NO_ERRORS(checkJson(schema, "0"));
  EXPECT_NO_ERRORS(checkJson(schema, "100"));
  EXPECT_ONE_ERROR(checkJson(schema, "101"), "", "must be between 0 and 100, not 101");
  EXPECT_ONE_ERROR(checkJson(schema, "-1"), "", "must be between 0 and 100, not -1");
  EXPECT_ONE_ERROR(checkJson(R"({"type": "integer", "minimum": 110})", "109"), "", "must be at least 110, not 109");
  EXPECT_ONE_ERROR(checkJson(R"({"type": "integer", "maximum": 5})", "6"), "", "must be at most 5, not 6");
}

TEST(SchemaCheck, ExclusiveMinimumAndMaximum) {
  const char* schema = R"({"type": "number", "minimum": 0, "exclusiveMinimum": true,
                           "maximum": 1, "exclusiveMaximum": true})";
  EXPECT_NO_ERRORS(checkJson(schema, "0.5"));
  EXPECT_ONE_ERROR(checkJson(schema, "0"), "", "must be greater than 0, not 0");
  EXPECT_ONE_ERROR(checkJson(schema, "1.0"), "", "must be less than 1, not 1.0");
  EXPECT_ONE_ERROR(checkJson(schema, "-1e400"), "", "must be greater than 0");
}

TEST(SchemaCheck, BoundsCompareLargeIntegersExactly) {
  // 2^53 + 1 and 2^53 are the same double.
  EXPECT_ONE_ERROR(checkJson(R"({"type": "integer", "maximum": 9007199254740992})", "9007199254740993"), "",
                   "must be at most 9007199254740992");
}

// ------------------------------------------------------------------ enum

TEST(SchemaCheck, EnumListsTheAllowedValues) {
  const char* schema = R"({"type": "string", "enum": ["Exists", "Equal"]})";
  EXPECT_NO_ERRORS(checkJson(schema, R"("Equal")"));
  EXPECT_ONE_ERROR(checkJson(schema, R"("Sometimes")"), "", "must be one of: Exists, Equal; not \"Sometimes\"");
}

TEST(SchemaCheck, EnumOfNumbersComparesLiterals) {
  const char* schema = R"({"type": "integer", "enum": [1, 2]})";
  EXPECT_NO_ERRORS(checkJson(schema, "2"));
  EXPECT_ONE_ERROR(checkJson(schema, "3"), "", "must be one of: 1, 2; not 3");
}

// ------------------------------------------------------------------ general

TEST(SchemaCheck, RootErrorHasEmptyPath) {
  Errs errs = checkJson(R"({"type": "object"})", R"("x")");
  EXPECT_ONE_ERROR(errs, "", "must be an object, not a string");
}

TEST(SchemaCheck, ErrorsCarryTheValueMark) {
  Value schema = json(R"({"type": "object", "properties": {"a": {"type": "object",
      "properties": {"b": {"type": "integer"}}}}})");
  Errs errs = check(schema, yaml("a:\n  b: x\n  c: 1\n"));
  ASSERT_EQ(errs.size(), 2u) << dump(errs);
  EXPECT_EQ(errs[0].field, "a.b");
  EXPECT_EQ(errs[0].mark.line, 2u);
  EXPECT_EQ(errs[1].field, "a.c");
  EXPECT_EQ(errs[1].mark.line, 3u);
}

TEST(SchemaCheck, IgnoredKeywordsDoNothing) {
  Errs errs = checkJson(R"({"type": "object", "description": "d", "title": "t", "example": {"a": 1},
      "x-kubernetes-validations": [{"rule": "false", "message": "never"}],
      "properties": {"list": {"type": "array", "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object", "x-kubernetes-map-type": "atomic",
          "properties": {"name": {"type": "string", "default": 5}}}},
        "when": {"type": "string", "format": "date-time"}}})",
                        R"({"list": [{"name": "a"}, {"name": "a"}], "when": "not a time"})");
  EXPECT_NO_ERRORS(errs);
}

TEST(SchemaCheck, ReportsEveryViolation) {
  Errs errs = checkJson(R"({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"},
                            "b": {"type": "integer", "maximum": 1}, "c": {"type": "string", "enum": ["x"]}}})",
                        R"({"b": 2, "c": "y", "d": 0})");
  ASSERT_EQ(errs.size(), 4u) << dump(errs);
  EXPECT_ERROR_AT(errs, "a", "is required");
  EXPECT_ERROR_AT(errs, "b", "must be at most 1");
  EXPECT_ERROR_AT(errs, "c", "must be one of: x");
  EXPECT_ERROR_AT(errs, "d", "unknown field \"d\"");
}

// ------------------------------------------------------- the ModelBooster CRD

const Value& crdSchema() {
  static const Value crd =
      mb::test::parseOne(mb::test::readSource("deploy/crds/workload.serving.volcano.sh_modelboosters.yaml"));
  static const Value empty;
  const Value* spec = crd.find("spec");
  const Value* versions = spec != nullptr ? spec->find("versions") : nullptr;
  if (versions == nullptr || versions->items().empty()) return empty;
  const Value* schema = versions->items()[0].find("schema");
  const Value* open = schema != nullptr ? schema->find("openAPIV3Schema") : nullptr;
  return open != nullptr ? *open : empty;
}

Errs checkCrd(std::string_view text) {
  std::vector<Value> docs;
  mb::document::ParseError error;
  EXPECT_TRUE(mb::document::parseDocuments(text, docs, error)) << error.str();
  EXPECT_EQ(docs.size(), 1u);
  if (docs.empty()) return {};
  return check(crdSchema(), docs[0]);
}

constexpr const char* kBase = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata:
  name: base
  namespace: demo
spec:
  backends:
    - name: gpu
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-7B-Instruct
      minReplicas: 1
      maxReplicas: 1
      env:
        - name: HF_TOKEN
          valueFrom:
            secretKeyRef:
              name: hf-token
              key: token
      envFrom:
        - secretRef:
            name: s3-credentials
      workers:
        - type: server
          image: vllm/vllm-openai:v0.10.1
          tolerations:
            - key: nvidia.com/gpu
              operator: Exists
              effect: NoSchedule
          resources:
            limits:
              nvidia.com/gpu: "1"
          config:
            max-model-len: 4096
)";

// kBase with the first `from` replaced by `to`.
std::string edit(std::string_view from, std::string_view to) {
  std::string text = kBase;
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Every .yaml file directly under `dir` (relative to the source tree).
std::vector<std::filesystem::path> yamlFiles(const std::filesystem::path& dir, bool goldenInputs) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  fs::path root = fs::path(MB_SOURCE_DIR) / dir;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (goldenInputs) {
      if (!entry.is_directory() || entry.path().filename().string().starts_with("invalid-")) continue;
      fs::path input = entry.path() / "input.yaml";
      if (fs::exists(input)) out.push_back(input);
    } else if (entry.path().extension() == ".yaml") {
      out.push_back(entry.path());
    }
  }
  return out;
}

TEST(SchemaCheckCrd, SchemaIsFound) {
  const Value& schema = crdSchema();
  ASSERT_TRUE(schema.isObject());
  EXPECT_NE(schema.find("properties"), nullptr);
}

TEST(SchemaCheckCrd, BaseBoosterPasses) { EXPECT_NO_ERRORS(checkCrd(kBase)); }

TEST(SchemaCheckCrd, ShippedExamplesPass) {
  auto files = yamlFiles("examples", false);
  EXPECT_GT(files.size(), 0u);
  for (const auto& file : files) {
    Errs errs = checkCrd(mb::test::readSource(std::filesystem::relative(file, MB_SOURCE_DIR).string()));
    EXPECT_TRUE(errs.empty()) << file << ": " << dump(errs);
  }
}

TEST(SchemaCheckCrd, GoldenInputsPass) {
  auto files = yamlFiles("test/golden", true);
  EXPECT_GT(files.size(), 20u);
  for (const auto& file : files) {
    Errs errs = checkCrd(mb::test::readSource(std::filesystem::relative(file, MB_SOURCE_DIR).string()));
    EXPECT_TRUE(errs.empty()) << file << ": " << dump(errs);
  }
}

// The decoder's errors in these goldens are schema errors too: the checker
// must report each at the same path.
void expectGoldenErrorPaths(const std::string& name) {
  std::string input = mb::test::readSource("test/golden/" + name + "/input.yaml");
  std::string expected = mb::test::readSource("test/golden/" + name + "/errors.txt");
  Errs errs = checkCrd(input);
  size_t lines = 0;
  size_t pos = 0;
  while (pos < expected.size()) {
    size_t end = expected.find('\n', pos);
    if (end == std::string::npos) end = expected.size();
    std::string_view line(expected.data() + pos, end - pos);
    pos = end + 1;
    size_t at = line.find(": line ");
    if (at == std::string_view::npos) continue;
    line.remove_prefix(at + 7);
    size_t fieldStart = line.find(": ");
    if (fieldStart == std::string_view::npos) continue;
    line.remove_prefix(fieldStart + 2);
    std::string_view field = line.substr(0, line.find(": "));
    ++lines;
    EXPECT_NE(errorAt(errs, field), nullptr) << name << ": no error at " << field << "; " << dump(errs);
  }
  EXPECT_GT(lines, 0u) << name;
}

TEST(SchemaCheckCrd, AgreesWithDecoderOnUnknownFieldsGolden) { expectGoldenErrorPaths("invalid-unknown-fields"); }

TEST(SchemaCheckCrd, AgreesWithDecoderOnWrongTypesGolden) { expectGoldenErrorPaths("invalid-wrong-types"); }

TEST(SchemaCheckCrd, UnknownFieldInResources) {
  Errs errs = checkCrd(edit("            limits:\n", "            limts:\n"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].resources.limts", "unknown field \"limts\"");
}

TEST(SchemaCheckCrd, ResourceLimitsMustBeAMap) {
  Errs errs = checkCrd(edit("            limits:\n              nvidia.com/gpu: \"1\"\n", "            limits: 5\n"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].resources.limits", "must be an object, not a number");
}

TEST(SchemaCheckCrd, ResourceQuantityPattern) {
  EXPECT_NO_ERRORS(checkCrd(edit("nvidia.com/gpu: \"1\"", "nvidia.com/gpu: 1")));
  EXPECT_NO_ERRORS(checkCrd(edit("nvidia.com/gpu: \"1\"", "memory: 64Gi")));
  Errs errs = checkCrd(edit("nvidia.com/gpu: \"1\"", "nvidia.com/gpu: one"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].resources.limits.nvidia.com/gpu",
                   "must be a quantity such as 2, 500m or 16Gi, not \"one\"");
  errs = checkCrd(edit("nvidia.com/gpu: \"1\"", "nvidia.com/gpu: 0.5"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].resources.limits.nvidia.com/gpu",
                   "must be an integer or a string, not 0.5");
}

TEST(SchemaCheckCrd, UnknownFieldInToleration) {
  Errs errs = checkCrd(edit("              operator: Exists", "              operatr: Exists"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].tolerations[0].operatr", "unknown field \"operatr\"");
}

TEST(SchemaCheckCrd, TolerationOperatorEnum) {
  Errs errs = checkCrd(edit("operator: Exists", "operator: Sometimes"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].tolerations[0].operator", "must be one of: \"\", Exists, Equal");
}

TEST(SchemaCheckCrd, TolerationSecondsIsAnInteger) {
  Errs errs = checkCrd(edit("effect: NoSchedule", "effect: NoExecute\n              tolerationSeconds: 1h"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].tolerations[0].tolerationSeconds",
                   "must be an integer, not a string");
}

TEST(SchemaCheckCrd, UnknownFieldInEnvFrom) {
  Errs errs = checkCrd(edit("        - secretRef:\n", "        - bogus: 1\n          secretRef:\n"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].envFrom[0].bogus", "unknown field \"bogus\"");
}

TEST(SchemaCheckCrd, UnknownFieldInSecretKeyRef) {
  Errs errs = checkCrd(edit("              key: token\n", "              key: token\n              bogus: x\n"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].env[0].valueFrom.secretKeyRef.bogus", "unknown field \"bogus\"");
}

TEST(SchemaCheckCrd, SecretKeyRefKeyIsRequired) {
  Errs errs = checkCrd(edit("              key: token\n", ""));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].env[0].valueFrom.secretKeyRef.key", "is required");
}

TEST(SchemaCheckCrd, ModelURIMaxLength) {
  std::string uri = "hf://" + std::string(2044, 'a');  // 2049 characters
  Errs errs = checkCrd(edit("hf://Qwen/Qwen2.5-7B-Instruct", uri));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].modelURI", "must be at most 2048 characters, not 2049");
  EXPECT_NO_ERRORS(checkCrd(edit("hf://Qwen/Qwen2.5-7B-Instruct", uri.substr(0, 2048))));
}

TEST(SchemaCheckCrd, ModelURIPattern) {
  Errs errs = checkCrd(edit("hf://Qwen", "http://Qwen"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].modelURI", "must match ^(hf://|s3://|pvc://|ms://).+");
}

TEST(SchemaCheckCrd, EnvMaxItems) {
  std::string env = "      env:\n";
  for (int i = 0; i < 129; ++i) env += "        - name: V" + std::to_string(i) + "\n          value: x\n";
  size_t from = std::string_view(kBase).find("      env:\n");
  size_t to = std::string_view(kBase).find("      envFrom:\n");
  ASSERT_NE(from, std::string::npos);
  std::string text = std::string(kBase).replace(from, to - from, env);
  Errs errs = checkCrd(text);
  EXPECT_ONE_ERROR(errs, "spec.backends[0].env", "must be at most 128 items, not 129");
}

TEST(SchemaCheckCrd, BackendNamePatternAndTypeEnum) {
  Errs errs = checkCrd(edit("- name: gpu", "- name: GPU"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].name", "must be a DNS label");
  errs = checkCrd(edit("type: vLLM", "type: vllm"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].type", "must be one of: vLLM, vLLMDisaggregated, SGLang");
}

TEST(SchemaCheckCrd, ReplicasRange) {
  Errs errs = checkCrd(edit("maxReplicas: 1", "maxReplicas: 1000001"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].maxReplicas", "must be between 1 and 1000000, not 1000001");
  errs = checkCrd(edit("maxReplicas: 1", "maxReplicas: 3000000000"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].maxReplicas", "must be between -2147483648 and 2147483647");
}

TEST(SchemaCheckCrd, DurationPatternTakesMicroSign) {
  EXPECT_NO_ERRORS(
      checkCrd(edit("      minReplicas: 1\n", "      minReplicas: 1\n      scaleToZeroGracePeriod: 1\xc2\xb5s\n")));
  Errs errs =
      checkCrd(edit("      minReplicas: 1\n", "      minReplicas: 1\n      scaleToZeroGracePeriod: 5 minutes\n"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].scaleToZeroGracePeriod", "must be a duration such as 30s");
}

TEST(SchemaCheckCrd, EngineConfigAndMetadataAreNotChecked) {
  std::string text = edit("            max-model-len: 4096\n",
                          "            max-model-len: 4096\n            anything: {nested: [1, 2]}\n");
  text.replace(text.find("  namespace: demo\n"), 17, "  namespace: demo\n  labels: {a: b}\n  annotations: {c: d}\n");
  EXPECT_NO_ERRORS(checkCrd(text));
}

TEST(SchemaCheckCrd, SpecIsRequiredAndUnknownTopLevelFieldsAreReported) {
  Errs errs = checkCrd(
      "apiVersion: workload.serving.volcano.sh/v1alpha1\nkind: ModelBooster\nmetadata: {name: a}\n"
      "sepc: {}\n");
  ASSERT_EQ(errs.size(), 2u) << dump(errs);
  EXPECT_ERROR_AT(errs, "spec", "is required");
  EXPECT_ERROR_AT(errs, "sepc", "unknown field \"sepc\"");
}

}  // namespace

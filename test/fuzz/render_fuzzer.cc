// libFuzzer target over the whole offline pipeline: parse (JSON or YAML),
// decode, default, validate, convert and write both output formats; and the
// admission path: the input as an AdmissionReview body, and every document
// it holds as the object of one. Any crash, sanitizer report, or an output
// that does not parse back (a review answer, a patch), is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "admission/webhooks.h"
#include "core/render.h"
#include "document/base64.h"
#include "document/parse.h"

namespace {

// An answer must be an AdmissionReview with a response.allowed, and a
// patch must be base64 of a JSON array.
void checkAnswer(const mb::admission::Answer& a) {
  mb::document::Value v;
  mb::document::ParseError error;
  if (!mb::document::parseJson(a.body, v, error)) std::abort();
  const mb::document::Value* r = v.find("response");
  if (r == nullptr || r->find("allowed") == nullptr || !r->find("allowed")->isBool()) std::abort();
  if (const mb::document::Value* patch = r->find("patch")) {
    auto bytes = mb::document::decodeBase64(patch->text());
    mb::document::Value ops;
    if (!bytes || !mb::document::parseJson(*bytes, ops, error) || !ops.isArray()) std::abort();
  }
}

void admit(std::string_view input) {
  mb::core::ConversionOptions config;
  checkAnswer(mb::admission::validateBooster(input, config));
  checkAnswer(mb::admission::mutateBooster(input));
  std::vector<mb::document::Value> docs;
  mb::document::ParseError error;
  if (!mb::document::parseDocuments(input, docs, error)) return;
  for (const auto& d : docs) {
    std::string object;
    mb::document::writeJson(d, object);
    std::string review = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"f",)"
                         R"("kind":{"group":"workload.serving.volcano.sh","version":"v1alpha1","kind":"ModelBooster"},)"
                         R"("operation":"CREATE","name":"","namespace":"n","object":)" +
                         object + "}}";
    checkAnswer(mb::admission::validateBooster(review, config));
    checkAnswer(mb::admission::mutateBooster(review));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  admit(input);
  mb::core::ConversionOptions config;
  mb::core::RenderResult yaml;
  bool ok = mb::core::render(input, config, mb::core::OutputFormat::Yaml, true, yaml);
  if (!ok) return 0;
  // What we print must read back: the output is input to kubectl.
  std::vector<mb::document::Value> docs;
  mb::document::ParseError error;
  if (!mb::document::parseYaml(yaml.output, docs, error)) std::abort();
  mb::core::RenderResult json;
  if (!mb::core::render(input, config, mb::core::OutputFormat::Json, true, json)) std::abort();
  mb::document::Value list;
  if (!mb::document::parseJson(json.output, list, error)) std::abort();
  return 0;
}

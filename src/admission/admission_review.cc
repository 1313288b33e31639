#include "admission/admission_review.h"

#include "document/base64.h"
#include "document/parse.h"

namespace mb::admission {
namespace {

constexpr std::string_view kReviewApiVersion = "admission.k8s.io/v1";

// The string at `key`, "" when absent; false when present but not a string.
bool stringAt(const document::Value& object, std::string_view key, std::string& out) {
  const document::Value* v = object.find(key);
  if (v == nullptr || v->isNull()) return true;
  if (!v->isString()) return false;
  out = v->text();
  return true;
}

}  // namespace

Result<AdmissionRequest, std::string> decodeReview(std::string_view body, std::string& uid) {
  document::Value review;
  document::ParseError parseError;
  if (!document::parseJson(body, review, parseError)) {
    return err("the request body is not an AdmissionReview: not JSON (" + parseError.str() + ")");
  }
  if (!review.isObject()) return err(std::string("the request body is not an AdmissionReview: not a JSON object"));
  document::Value* request = review.find("request");
  if (request != nullptr && request->isObject()) (void)stringAt(*request, "uid", uid);
  std::string apiVersion;
  std::string kind;
  if (!stringAt(review, "apiVersion", apiVersion) || !stringAt(review, "kind", kind) || kind != "AdmissionReview") {
    return err("the request body is not an AdmissionReview (kind must be AdmissionReview, apiVersion " +
               std::string(kReviewApiVersion) + ")");
  }
  if (apiVersion != kReviewApiVersion) {
    return err("AdmissionReview " + (apiVersion.empty() ? std::string("without apiVersion") : apiVersion) +
               " is not served: this webhook speaks " + std::string(kReviewApiVersion) +
               " (admissionReviewVersions: [v1])");
  }
  if (request == nullptr || !request->isObject()) return err(std::string("the AdmissionReview has no request"));
  AdmissionRequest out;
  if (!stringAt(*request, "uid", out.uid) || out.uid.empty()) {
    return err(std::string("the AdmissionReview's request.uid is missing or not a string"));
  }
  const document::Value* kindOf = request->find("kind");
  if (kindOf == nullptr || !kindOf->isObject() || !stringAt(*kindOf, "group", out.group) ||
      !stringAt(*kindOf, "version", out.version) || !stringAt(*kindOf, "kind", out.kind)) {
    return err(std::string("the AdmissionReview's request.kind must be an object {group, version, kind}"));
  }
  if (!stringAt(*request, "operation", out.operation) || !stringAt(*request, "namespace", out.ns) ||
      !stringAt(*request, "name", out.name)) {
    return err(std::string("the AdmissionReview's request.operation, namespace and name must be strings"));
  }
  if (const document::Value* dryRun = request->find("dryRun"); dryRun != nullptr && dryRun->isBool()) {
    out.dryRun = dryRun->asBool();
  }
  if (document::Value* object = request->find("object"); object != nullptr) out.object = std::move(*object);
  return out;
}

std::string encodeReview(const AdmissionResponse& response) {
  document::Value r =
      document::Value::object({{"uid", response.uid}, {"allowed", document::Value::boolean(response.allowed)}});
  if (!response.allowed) {
    document::Value status = document::Value::object({{"status", "Failure"},
                                                      {"code", document::Value::integer(response.code)},
                                                      {"reason", response.reason},
                                                      {"message", response.message}});
    if (!response.causes.empty()) {
      document::Value causes = document::Value::array();
      for (const auto& c : response.causes) {
        causes.push(
            document::Value::object({{"reason", "FieldValueInvalid"}, {"field", c.field}, {"message", c.message}}));
      }
      status.set("details", document::Value::object({{"causes", std::move(causes)}}));
    }
    r.set("status", std::move(status));
  }
  if (response.patch.isArray() && !response.patch.items().empty()) {
    std::string patch;
    document::writeJson(response.patch, patch);
    r.set("patchType", "JSONPatch");
    r.set("patch", document::encodeBase64(patch));
  }
  if (!response.warnings.empty()) {
    document::Value warnings = document::Value::array();
    for (const auto& w : response.warnings) warnings.push(w);
    r.set("warnings", std::move(warnings));
  }
  document::Value review = document::Value::object(
      {{"apiVersion", std::string(kReviewApiVersion)}, {"kind", "AdmissionReview"}, {"response", std::move(r)}});
  std::string out;
  document::writeJson(review, out);
  return out;
}

}  // namespace mb::admission

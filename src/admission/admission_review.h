// The AdmissionReview v1 contract (admission.k8s.io/v1): what the API server
// sends a webhook and what it accepts back. Pure: text in, text out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "document/value.h"

namespace mb::admission {

// The parts of request a ModelBooster webhook reads.
struct AdmissionRequest {
  std::string uid;
  std::string group;      // request.kind.group
  std::string version;    // request.kind.version
  std::string kind;       // request.kind.kind
  std::string operation;  // CREATE, UPDATE, DELETE, CONNECT
  std::string ns;         // request.namespace
  std::string name;       // request.name ("" on a create with generateName)
  bool dryRun = false;
  document::Value object;  // request.object (null for DELETE)
};

struct Cause {
  std::string field;
  std::string message;
};

struct AdmissionResponse {
  std::string uid;  // the request's; "" when the request had none
  bool allowed = true;
  // A denial's status: HTTP-like code (422 invalid, 400 bad request), its
  // reason word, the message kubectl prints, and one cause per field.
  int code = 0;
  std::string reason;
  std::string message;
  std::vector<Cause> causes;
  // JSON Patch operations (an array); sent base64-encoded when not empty.
  document::Value patch;
  // response.warnings: shown by kubectl as "Warning: ..." whether or not
  // the request is allowed.
  std::vector<std::string> warnings;
};

// Reads an AdmissionReview v1 request. The error is a sentence for a
// denial: what is wrong with the review and what was expected. `uid` gets
// request.uid whenever it could be read, so that even a denial of a
// malformed review answers the request it belongs to.
Result<AdmissionRequest, std::string> decodeReview(std::string_view body, std::string& uid);

// The AdmissionReview v1 JSON that answers `response`.
std::string encodeReview(const AdmissionResponse& response);

}  // namespace mb::admission

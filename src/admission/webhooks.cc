#include "admission/webhooks.h"

#include <utility>

#include "admission/admission_review.h"
#include "api/serving_stack.h"
#include "core/admission_defaults.h"
#include "core/check_booster.h"
#include "document/field_error.h"

namespace mb::admission {
namespace {

constexpr size_t kMaxMessageErrors = 50;  // kubectl prints the message whole

Answer malformed(std::string uid, std::string why) {
  AdmissionResponse r;
  r.uid = std::move(uid);
  r.allowed = false;
  r.code = 400;
  r.reason = "BadRequest";
  r.message = std::move(why);
  return Answer{Answer::Outcome::Malformed, encodeReview(r)};
}

Answer allowed(AdmissionResponse r) {
  r.allowed = true;
  return Answer{Answer::Outcome::Allowed, encodeReview(r)};
}

// A review this webhook must look at: a ModelBooster of our group being
// created or updated; anything else is let through untouched (the
// configuration's rules should not send it, and refusing would block it).
bool concernsABooster(const AdmissionRequest& request) {
  return request.group == api::kWorkloadGroup && request.kind == "ModelBooster" &&
         (request.operation == "CREATE" || request.operation == "UPDATE") && request.object.isObject();
}

// A booster being deleted may still be updated (finalizers removed, labels
// changed) whatever its spec: refusing would keep it from going away.
bool beingDeleted(const document::Value& object) {
  const document::Value* meta = object.find("metadata");
  const document::Value* ts = meta != nullptr ? meta->find("deletionTimestamp") : nullptr;
  return ts != nullptr && !ts->isNull();
}

std::string invalidMessage(const AdmissionRequest& request, const document::Errors& errors) {
  std::string name = request.name;
  if (name.empty()) {
    const document::Value* meta = request.object.find("metadata");
    const document::Value* n = meta != nullptr ? meta->find("name") : nullptr;
    if (n != nullptr && n->isString()) name = n->text();
  }
  // As the API server words its own validation errors.
  std::string message = "ModelBooster." + std::string(api::kWorkloadGroup) + " \"" + name + "\" is invalid: ";
  size_t shown = 0;
  for (const auto& e : errors.list()) {
    if (shown == kMaxMessageErrors) {
      message += "; and " + std::to_string(errors.size() - shown) + " more";
      break;
    }
    if (shown++ > 0) message += "; ";
    message += e.field.empty() ? e.message : e.field + ": " + e.message;
  }
  return message;
}

}  // namespace

const char* outcomeName(Answer::Outcome outcome) {
  switch (outcome) {
    case Answer::Outcome::Allowed:
      return "allowed";
    case Answer::Outcome::Denied:
      return "denied";
    case Answer::Outcome::Malformed:
      return "malformed";
  }
  return "unknown";
}

Answer validateBooster(std::string_view body, const core::ConversionOptions& options) {
  std::string uid;
  auto request = decodeReview(body, uid);
  if (!request) return malformed(uid, request.error());
  AdmissionResponse r;
  r.uid = request->uid;
  if (!concernsABooster(*request) || beingDeleted(request->object)) return allowed(std::move(r));
  api::Children children;
  document::Errors errors;
  std::vector<document::FieldError> caveats;
  if (core::checkBooster(request->object, options, children, errors, &caveats)) {
    for (const auto& c : caveats) r.warnings.push_back(c.field + ": " + c.message);
    return allowed(std::move(r));
  }
  r.allowed = false;
  r.code = 422;
  r.reason = "Invalid";
  r.message = invalidMessage(*request, errors);
  for (const auto& e : errors.list()) r.causes.push_back(Cause{e.field, e.message});
  return Answer{Answer::Outcome::Denied, encodeReview(r)};
}

Answer mutateBooster(std::string_view body) {
  std::string uid;
  auto request = decodeReview(body, uid);
  if (!request) return malformed(uid, request.error());
  AdmissionResponse r;
  r.uid = request->uid;
  if (concernsABooster(*request) && !beingDeleted(request->object)) {
    r.patch = core::admissionDefaultsPatch(request->object);
  }
  return allowed(std::move(r));
}

}  // namespace mb::admission

#include "kube/errors.h"

#include <charconv>

#include "document/parse.h"

namespace mb::kube {
namespace {

ErrorKind kindFor(int status, std::string_view reason) {
  if (reason == "NotFound") return ErrorKind::NotFound;
  if (reason == "AlreadyExists") return ErrorKind::AlreadyExists;
  if (reason == "Conflict") return ErrorKind::Conflict;
  if (reason == "Invalid") return ErrorKind::Invalid;
  if (reason == "Forbidden") return ErrorKind::Forbidden;
  if (reason == "Unauthorized") return ErrorKind::Unauthorized;
  if (reason == "Expired" || reason == "Gone") return ErrorKind::Gone;
  if (reason == "TooManyRequests") return ErrorKind::TooManyRequests;
  if (reason == "Timeout" || reason == "ServerTimeout") return ErrorKind::Timeout;
  switch (status) {
    case 400:
      return ErrorKind::BadRequest;
    case 401:
      return ErrorKind::Unauthorized;
    case 403:
      return ErrorKind::Forbidden;
    case 404:
      return ErrorKind::NotFound;
    case 409:
      return ErrorKind::Conflict;
    case 410:
      return ErrorKind::Gone;
    case 422:
      return ErrorKind::Invalid;
    case 429:
      return ErrorKind::TooManyRequests;
    case 504:
      return ErrorKind::Timeout;
    default:
      return status >= 500 ? ErrorKind::ServerError : ErrorKind::Other;
  }
}

std::string textOf(const document::Value& v, std::string_view key) {
  const document::Value* f = v.find(key);
  return f != nullptr && f->isString() ? f->text() : std::string();
}

}  // namespace

const char* errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound:
      return "NotFound";
    case ErrorKind::AlreadyExists:
      return "AlreadyExists";
    case ErrorKind::Conflict:
      return "Conflict";
    case ErrorKind::Invalid:
      return "Invalid";
    case ErrorKind::BadRequest:
      return "BadRequest";
    case ErrorKind::Forbidden:
      return "Forbidden";
    case ErrorKind::Unauthorized:
      return "Unauthorized";
    case ErrorKind::Gone:
      return "Gone";
    case ErrorKind::TooManyRequests:
      return "TooManyRequests";
    case ErrorKind::Timeout:
      return "Timeout";
    case ErrorKind::ServerError:
      return "ServerError";
    case ErrorKind::Connection:
      return "Connection";
    case ErrorKind::Other:
      return "Other";
  }
  return "Other";
}

std::string ApiError::str() const {
  std::string out = errorKindName(kind);
  if (httpStatus != 0) out += " (" + std::to_string(httpStatus) + ")";
  if (!message.empty()) out += ": " + message;
  return out;
}

ApiError errorFromStatus(const document::Value& status) {
  ApiError e;
  e.reason = textOf(status, "reason");
  e.message = textOf(status, "message");
  if (const document::Value* code = status.find("code"); code != nullptr && code->isNumber()) {
    std::from_chars(code->text().data(), code->text().data() + code->text().size(), e.httpStatus);
  }
  e.kind = kindFor(e.httpStatus, e.reason);
  if (const document::Value* details = status.find("details")) {
    if (const document::Value* causes = details->find("causes"); causes != nullptr && causes->isArray()) {
      for (const auto& c : causes->items()) {
        e.causes.push_back(StatusCause{textOf(c, "reason"), textOf(c, "message"), textOf(c, "field")});
      }
    }
    if (const document::Value* retry = details->find("retryAfterSeconds"); retry != nullptr && retry->isNumber()) {
      int64_t s = 0;
      std::from_chars(retry->text().data(), retry->text().data() + retry->text().size(), s);
      e.retryAfter = std::chrono::seconds(s);
    }
  }
  return e;
}

ApiError errorFromResponse(int httpStatus, std::string_view body) {
  document::Value status;
  document::ParseError parseError;
  ApiError e;
  if (!body.empty() && body.front() == '{' && document::parseJson(body, status, parseError) &&
      textOf(status, "kind") == "Status") {
    e = errorFromStatus(status);
  } else {
    // Not a Status (a proxy, or an empty body): keep a short excerpt.
    e.message = std::string(body.substr(0, 512));
  }
  e.httpStatus = httpStatus;
  e.kind = kindFor(httpStatus, e.reason);
  if (e.message.empty()) e.message = "HTTP " + std::to_string(httpStatus);
  return e;
}

ApiError connectionError(std::string message) {
  ApiError e;
  e.kind = ErrorKind::Connection;
  e.message = std::move(message);
  return e;
}

ApiError timeoutError(std::string message) {
  ApiError e;
  e.kind = ErrorKind::Timeout;
  e.message = std::move(message);
  return e;
}

}  // namespace mb::kube

// API errors as values the caller can branch on (NotFound, Conflict, ...),
// decoded from the API server's Status object and HTTP status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "document/value.h"

namespace mb::kube {

enum class ErrorKind {
  NotFound,
  AlreadyExists,
  Conflict,         // 409 on update: stale resourceVersion
  Invalid,          // 422, with causes
  BadRequest,       // 400
  Forbidden,        // 403 (RBAC)
  Unauthorized,     // 401
  Gone,             // 410 / Expired: the resourceVersion is too old
  TooManyRequests,  // 429, honour retryAfter
  Timeout,          // 504 from the server, or our own request timeout
  ServerError,      // other 5xx
  Connection,       // no HTTP response (refused, TLS, reset)
  Other,
};

const char* errorKindName(ErrorKind kind);

struct StatusCause {
  std::string reason;
  std::string message;
  std::string field;
};

struct ApiError {
  ErrorKind kind = ErrorKind::Other;
  int httpStatus = 0;  // 0 when there was no response
  std::string reason;  // Status.reason, e.g. "AlreadyExists"
  std::string message;
  std::vector<StatusCause> causes;
  std::optional<std::chrono::seconds> retryAfter;

  // "NotFound (404): modelboosters.workload... \"x\" not found"
  std::string str() const;
  bool is(ErrorKind k) const { return kind == k; }
};

template <class T>
using ApiResult = Result<T, ApiError>;

// Builds the error for a non-2xx response from its status and body (a
// metav1.Status when the server could say more).
ApiError errorFromResponse(int httpStatus, std::string_view body);
// The error carried by a watch ERROR event's Status object.
ApiError errorFromStatus(const document::Value& status);
ApiError connectionError(std::string message);
ApiError timeoutError(std::string message);

}  // namespace mb::kube

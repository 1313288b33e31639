// What a route answers, for both servers (plain HTTP and TLS), and the
// status line and header block that go before its body.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mb::http {

struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  // Sent after Content-Type and Content-Length (e.g. {"Allow", "POST"}).
  // Names and values with CR or LF are dropped, so a handler cannot split
  // the response.
  std::vector<std::pair<std::string, std::string>> headers;
};

// "Not Found" for 404; "Error" for a code without a phrase here.
const char* reasonPhrase(int status);

// The status line and headers of `response`, ending in the blank line; the
// body is written after it, not copied into it. `close` adds
// `Connection: close`; `keepAlive10` adds `Connection: keep-alive` (an
// HTTP/1.0 client that asked to keep the connection).
std::string responseHead(const HttpResponse& response, bool close, bool keepAlive10 = false);

}  // namespace mb::http

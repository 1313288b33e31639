#include "http/http_response.h"

namespace mb::http {
namespace {

bool safeHeaderText(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

}  // namespace

const char* reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

std::string responseHead(const HttpResponse& response, bool close, bool keepAlive10) {
  std::string head;
  head.reserve(128);
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += reasonPhrase(response.status);
  head += "\r\nContent-Type: ";
  head += safeHeaderText(response.contentType) ? response.contentType : std::string("application/octet-stream");
  head += "\r\nContent-Length: ";
  head += std::to_string(response.body.size());
  head += "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || !safeHeaderText(name) || !safeHeaderText(value)) continue;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (close) {
    head += "Connection: close\r\n";
  } else if (keepAlive10) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  return head;
}

}  // namespace mb::http

#include "http/http_request.h"

#include <algorithm>
#include <utility>

namespace mb::http {
namespace {

// A chunk-size line (size and extensions): Go's and nginx's bound as well.
constexpr size_t kMaxChunkLine = 4096;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

// tchar of RFC 9110 5.6.2: the characters of methods, field names, codings.
bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), isTokenChar); }

// field-value characters: VCHAR, obs-text, SP and HTAB; no NUL, CR, LF or other controls.
bool isFieldValueChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(element) for each non-empty element of a comma-separated list
// (RFC 9110 5.6.1: empty elements are allowed and ignored).
template <class Fn>
void forEachListElement(std::string_view list, Fn fn) {
  while (true) {
    size_t comma = list.find(',');
    std::string_view element = trimOws(list.substr(0, comma));
    if (!element.empty()) fn(element);
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

RequestError error(RequestErrorKind kind, std::string message) { return RequestError{kind, std::move(message)}; }

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (equalsIgnoreCase(h.name, name)) return &h.value;
  }
  return nullptr;
}

int RequestError::status() const {
  switch (kind) {
    case RequestErrorKind::BadRequest:
      return 400;
    case RequestErrorKind::LengthRequired:
      return 411;
    case RequestErrorKind::ContentTooLarge:
      return 413;
    case RequestErrorKind::UriTooLong:
      return 414;
    case RequestErrorKind::HeaderFieldsTooLarge:
      return 431;
    case RequestErrorKind::NotImplemented:
      return 501;
    case RequestErrorKind::VersionNotSupported:
      return 505;
  }
  return 400;
}

RequestParser::RequestParser(RequestLimits limits) : limits_(limits) {}

HttpRequest RequestParser::take() {
  HttpRequest out = std::move(request_);
  request_ = HttpRequest{};
  state_ = State::RequestLine;
  started_ = false;
  line_.clear();
  headBytes_ = 0;
  trailerBytes_ = 0;
  remaining_ = 0;
  return out;
}

Result<size_t, RequestError> RequestParser::fail(RequestErrorKind kind, std::string message) {
  state_ = State::Failed;
  error_ = error(kind, std::move(message));
  return err(error_);
}

Result<bool, RequestError> RequestParser::readLine(std::string_view data, size_t& pos, size_t limit,
                                                   RequestErrorKind tooLong) {
  size_t lf = data.find('\n', pos);
  size_t end = lf == std::string_view::npos ? data.size() : lf + 1;
  if (line_.size() + (end - pos) > limit) {
    return err(error(tooLong, tooLong == RequestErrorKind::UriTooLong   ? "request line too long"
                              : tooLong == RequestErrorKind::BadRequest ? "chunk size line too long"
                                                                        : "header fields too large"));
  }
  line_.append(data.substr(pos, end - pos));
  pos = end;
  if (lf == std::string_view::npos) return false;
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r')
    return err(error(RequestErrorKind::BadRequest, "line ends in a bare LF"));
  line_.resize(line_.size() - 2);
  return true;
}

Result<Unit, RequestError> RequestParser::requestLine() {
  using K = RequestErrorKind;
  std::string_view line = line_;
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return err(error(K::BadRequest, "request line is not METHOD SP TARGET SP VERSION"));
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!isToken(method)) return err(error(K::BadRequest, "method is not a token"));
  if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return err(error(K::BadRequest, "request target has a byte that is not visible ASCII"));
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return err(error(K::BadRequest, "malformed HTTP version"));
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return err(error(K::VersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are served"));
  }
  // origin-form ("/path?query"), asterisk-form (OPTIONS *) or absolute-form
  // ("http://host/path?query", which a server must accept: RFC 9112 3.2.2).
  std::string_view pathAndQuery;
  if (target.front() == '/' || (target == "*" && method == "OPTIONS")) {
    pathAndQuery = target;
  } else {
    size_t scheme = target.find("://");
    std::string_view name = target.substr(0, scheme);
    if (scheme == std::string_view::npos || !(equalsIgnoreCase(name, "http") || equalsIgnoreCase(name, "https"))) {
      return err(error(K::BadRequest, "request target is not a path or an http(s) URL"));
    }
    size_t slash = target.find('/', scheme + 3);
    size_t question = target.find('?', scheme + 3);
    size_t authorityEnd = std::min(slash, question);
    if (authorityEnd == scheme + 3) return err(error(K::BadRequest, "request target URL has no host"));
    pathAndQuery = authorityEnd == std::string_view::npos ? std::string_view("/") : target.substr(authorityEnd);
  }
  request_.method = method;
  request_.target = target;
  size_t question = pathAndQuery.find('?');
  request_.path = pathAndQuery.substr(0, question);
  if (request_.path.empty()) request_.path = "/";  // "http://host?q"
  if (question != std::string_view::npos) request_.query = pathAndQuery.substr(question + 1);
  request_.minorVersion = version[7] - '0';
  return Unit{};
}

Result<Unit, RequestError> RequestParser::fieldLine(bool trailer) {
  using K = RequestErrorKind;
  std::string_view line = line_;
  if (line.front() == ' ' || line.front() == '\t') {
    return err(error(K::BadRequest, "obsolete line folding in a header field"));
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return err(error(K::BadRequest, "header line without a colon"));
  std::string_view name = line.substr(0, colon);
  if (!isToken(name)) {
    return err(error(K::BadRequest, "header field name is not a token (or has whitespace before the colon)"));
  }
  std::string_view value = trimOws(line.substr(colon + 1));
  if (!std::all_of(value.begin(), value.end(), isFieldValueChar)) {
    return err(error(K::BadRequest, "header field value has a control byte"));
  }
  if (!trailer) request_.headers.push_back(HttpHeader{std::string(name), std::string(value)});
  return Unit{};
}

Result<Unit, RequestError> RequestParser::endOfHeaders() {
  using K = RequestErrorKind;
  HttpRequest& r = request_;
  const bool http11 = r.minorVersion == 1;
  int hosts = 0;
  bool close = false;
  bool keepAlive = false;
  bool hasLength = false;
  bool lengthInvalid = false;
  bool lengthTooLarge = false;
  bool lengthsDiffer = false;
  uint64_t length = 0;
  std::vector<std::string_view> codings;
  bool hasTransferEncoding = false;
  for (const HttpHeader& h : r.headers) {
    if (equalsIgnoreCase(h.name, "host")) {
      ++hosts;
    } else if (equalsIgnoreCase(h.name, "connection")) {
      forEachListElement(h.value, [&](std::string_view option) {
        if (equalsIgnoreCase(option, "close")) close = true;
        if (equalsIgnoreCase(option, "keep-alive")) keepAlive = true;
      });
    } else if (equalsIgnoreCase(h.name, "content-length")) {
      int elements = 0;
      forEachListElement(h.value, [&](std::string_view text) {
        ++elements;
        // 1*DIGIT, nothing else: no sign, no spaces inside, no hex. A number
        // over the limit (however many digits) is too large, not malformed.
        uint64_t v = 0;
        bool over = false;
        for (char c : text) {
          if (c < '0' || c > '9') {
            lengthInvalid = true;
            return;
          }
          if (!over) {
            v = v * 10 + static_cast<uint64_t>(c - '0');
            if (v > limits_.maxBodyBytes) over = true;
          }
        }
        if (over) {
          lengthTooLarge = true;
        } else if (hasLength && v != length) {
          lengthsDiffer = true;
        }
        hasLength = true;
        length = v;
      });
      if (elements == 0) lengthInvalid = true;
    } else if (equalsIgnoreCase(h.name, "transfer-encoding")) {
      hasTransferEncoding = true;
      forEachListElement(h.value, [&](std::string_view coding) { codings.push_back(coding); });
    } else if (equalsIgnoreCase(h.name, "expect")) {
      if (http11 && equalsIgnoreCase(h.value, "100-continue")) r.expectContinue = true;
    }
  }
  if (http11 && hosts != 1) return err(error(K::BadRequest, "an HTTP/1.1 request needs exactly one Host header"));
  if (hosts > 1) return err(error(K::BadRequest, "more than one Host header"));
  r.keepAlive = !close && (http11 || keepAlive);

  if (hasTransferEncoding) {
    if (hasLength || lengthInvalid || lengthTooLarge) {
      return err(error(K::BadRequest, "both Content-Length and Transfer-Encoding"));
    }
    if (!http11) return err(error(K::BadRequest, "Transfer-Encoding in an HTTP/1.0 request"));
    if (codings.empty() || !equalsIgnoreCase(codings.back(), "chunked")) {
      return err(error(K::BadRequest, "Transfer-Encoding does not end in chunked"));
    }
    if (codings.size() > 1) {
      for (size_t i = 0; i + 1 < codings.size(); ++i) {
        if (equalsIgnoreCase(codings[i], "chunked")) return err(error(K::BadRequest, "chunked applied twice"));
      }
      return err(error(K::NotImplemented, "transfer codings other than chunked are not supported"));
    }
    state_ = State::ChunkSize;
    return Unit{};
  }
  if (lengthInvalid) return err(error(K::BadRequest, "Content-Length is not a decimal number"));
  if (lengthTooLarge) return err(error(K::ContentTooLarge, "request body is larger than the limit"));
  if (lengthsDiffer) return err(error(K::BadRequest, "Content-Length values differ"));
  if (!hasLength) {
    if (r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
      return err(error(K::LengthRequired, "a " + r.method + " request needs Content-Length or chunked encoding"));
    }
    state_ = State::Complete;
    return Unit{};
  }
  if (length == 0) {
    state_ = State::Complete;
    return Unit{};
  }
  // The one copy of the body: from the caller's buffer straight into its
  // final place, reserved once so it never moves while it grows. Reserving
  // the declared size costs address space, not memory, until bytes arrive.
  r.body.reserve(length);
  remaining_ = length;
  state_ = State::Body;
  return Unit{};
}

Result<Unit, RequestError> RequestParser::chunkSizeLine() {
  using K = RequestErrorKind;
  std::string_view line = line_;
  size_t i = 0;
  uint64_t size = 0;
  bool over = false;
  const uint64_t room = limits_.maxBodyBytes - request_.body.size();
  for (; i < line.size() && hexValue(line[i]) >= 0; ++i) {
    if (!over) {
      size = size * 16 + static_cast<uint64_t>(hexValue(line[i]));
      if (size > room) over = true;
    }
  }
  if (i == 0) return err(error(K::BadRequest, "chunk size is not a hexadecimal number"));
  std::string_view rest = line.substr(i);
  // chunk-ext: BWS ";" ... ; the extensions themselves are ignored.
  std::string_view afterWs = trimOws(rest);
  if (!rest.empty() && (afterWs.empty() || afterWs.front() != ';')) {
    return err(error(K::BadRequest, "chunk size is followed by something other than an extension"));
  }
  if (!std::all_of(rest.begin(), rest.end(), isFieldValueChar)) {
    return err(error(K::BadRequest, "chunk extension has a control byte"));
  }
  if (over) return err(error(K::ContentTooLarge, "request body is larger than the limit"));
  if (size == 0) {
    state_ = State::Trailers;
  } else {
    remaining_ = size;
    state_ = State::ChunkData;
  }
  return Unit{};
}

Result<size_t, RequestError> RequestParser::feed(std::string_view data) {
  using K = RequestErrorKind;
  if (state_ == State::Failed) return err(error_);
  size_t pos = 0;
  if (!data.empty() && state_ != State::Complete) started_ = true;
  while (pos < data.size() && state_ != State::Complete) {
    switch (state_) {
      case State::RequestLine:
      case State::Headers: {
        const bool first = state_ == State::RequestLine;
        size_t before = pos;
        size_t budget = limits_.maxHeaderBytes - headBytes_;
        auto got = readLine(data, pos, budget, first ? K::UriTooLong : K::HeaderFieldsTooLarge);
        if (!got) return fail(got.error().kind, got.error().message);
        headBytes_ += pos - before;
        if (!*got) break;
        if (first && line_.empty()) break;  // RFC 9112 2.2: empty lines before a request line are ignored
        auto done = first ? requestLine() : line_.empty() ? endOfHeaders() : fieldLine(false);
        if (!done) return fail(done.error().kind, done.error().message);
        if (first) state_ = State::Headers;
        line_.clear();
        break;
      }
      case State::Body:
      case State::ChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size() - pos));
        request_.body.append(data.substr(pos, n));
        pos += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = state_ == State::Body ? State::Complete : State::ChunkDataEnd;
        break;
      }
      case State::ChunkSize:
      case State::ChunkDataEnd: {
        auto got = readLine(data, pos, kMaxChunkLine, K::BadRequest);
        if (!got) return fail(got.error().kind, got.error().message);
        if (!*got) break;
        if (state_ == State::ChunkDataEnd) {
          if (!line_.empty()) return fail(K::BadRequest, "chunk data is longer than its size");
          state_ = State::ChunkSize;
        } else {
          auto done = chunkSizeLine();
          if (!done) return fail(done.error().kind, done.error().message);
        }
        line_.clear();
        break;
      }
      case State::Trailers: {
        size_t before = pos;
        auto got = readLine(data, pos, limits_.maxHeaderBytes - trailerBytes_, K::HeaderFieldsTooLarge);
        if (!got) return fail(got.error().kind, got.error().message);
        trailerBytes_ += pos - before;
        if (!*got) break;
        if (line_.empty()) {
          state_ = State::Complete;
        } else {
          auto done = fieldLine(true);
          if (!done) return fail(done.error().kind, done.error().message);
        }
        line_.clear();
        break;
      }
      case State::Complete:
      case State::Failed:
        break;
    }
  }
  return pos;
}

}  // namespace mb::http

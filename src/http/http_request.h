// HTTP/1.1 requests (RFC 9112) parsed from bytes as they arrive: pure, no
// sockets. The parser takes any split of the stream (one byte at a time,
// several pipelined requests in one buffer) and stops at the end of each
// request, so the caller hands the rest to the next one.
//
// Strict where leniency lets two parsers disagree about where a request
// ends (request smuggling): lines end in CRLF, no whitespace before a
// field's colon, no obsolete line folding, no NUL or other control bytes in
// the head, both Content-Length and Transfer-Encoding is an error, as is a
// Content-Length that is not a plain decimal number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace mb::http {

struct HttpHeader {
  std::string name;   // as sent; compare case-insensitively
  std::string value;  // without leading and trailing whitespace
};

struct HttpRequest {
  std::string method;               // case-sensitive, as HTTP says: "POST"
  std::string target;               // the request-target as sent: "/validate?timeout=10s"
  std::string path;                 // before '?': "/validate"
  std::string query;                // after '?', without it: "timeout=10s"
  int minorVersion = 1;             // HTTP/1.<minorVersion>
  std::vector<HttpHeader> headers;  // in order; trailers of a chunked body are not kept
  std::string body;                 // decoded (without the chunked framing)
  // The connection stays open after the answer: HTTP/1.1 unless
  // `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
  bool keepAlive = true;
  bool expectContinue = false;  // HTTP/1.1 `Expect: 100-continue`

  // The first header of that name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

// What is wrong with a request, by the answer HTTP prescribes. The
// connection cannot be trusted after any of them: answer and close.
enum class RequestErrorKind {
  BadRequest,            // 400: malformed
  LengthRequired,        // 411: POST/PUT/PATCH with neither Content-Length nor chunked
  ContentTooLarge,       // 413: body (declared or received) over the limit
  UriTooLong,            // 414: request line over the head limit
  HeaderFieldsTooLarge,  // 431: header block (or trailers) over the head limit
  NotImplemented,        // 501: a transfer coding other than chunked
  VersionNotSupported,   // 505: HTTP/x.y other than 1.0 and 1.1
};

struct RequestError {
  RequestErrorKind kind = RequestErrorKind::BadRequest;
  std::string message;  // for the response body and the log; never echoes the request's bytes
  int status() const;
};

struct RequestLimits {
  size_t maxHeaderBytes = size_t{16} * 1024;  // request line and header fields, CRLFs included
  size_t maxBodyBytes = size_t{8} * 1024 * 1024;
};

class RequestParser {
 public:
  explicit RequestParser(RequestLimits limits = {});

  // Takes bytes of the current request from the front of `data` and returns
  // how many it took: all of them, or fewer once the request is complete
  // (the rest belongs to the next request). After an error every call
  // returns that error again.
  Result<size_t, RequestError> feed(std::string_view data);

  // Some byte of the current request has been taken.
  bool started() const { return started_; }
  // The header block is complete (method, path, headers and keepAlive are
  // final); the body may still be coming.
  bool headersComplete() const { return state_ >= State::Body; }
  bool complete() const { return state_ == State::Complete; }

  // The request so far; complete when complete().
  const HttpRequest& request() const { return request_; }
  // Moves the complete request out and readies the parser for the next one
  // on the same connection.
  HttpRequest take();

 private:
  enum class State { RequestLine, Headers, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Complete, Failed };

  // Appends to line_ up to and including the next LF in `data` from `pos`.
  // Returns true with line_ holding the line (CRLF stripped) when one is
  // complete; false when `data` ran out first. `limit` bounds line_.
  Result<bool, RequestError> readLine(std::string_view data, size_t& pos, size_t limit, RequestErrorKind tooLong);
  Result<Unit, RequestError> requestLine();
  Result<Unit, RequestError> fieldLine(bool trailer);
  Result<Unit, RequestError> endOfHeaders();
  Result<Unit, RequestError> chunkSizeLine();
  Result<size_t, RequestError> fail(RequestErrorKind kind, std::string message);

  RequestLimits limits_;
  State state_ = State::RequestLine;
  bool started_ = false;
  HttpRequest request_;
  std::string line_;      // the line being read
  size_t headBytes_ = 0;  // of the request line and header fields so far
  size_t trailerBytes_ = 0;
  uint64_t remaining_ = 0;  // Content-Length or chunk bytes still to come
  RequestError error_;      // when state_ == Failed
};

}  // namespace mb::http

// The incremental HTTP/1.1 request parser: framing, limits, adversarial input,
// any split of the stream.
#include "http/http_request.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace mb::http {
namespace {

using K = RequestErrorKind;

constexpr RequestLimits kSmall{.maxHeaderBytes = 256, .maxBodyBytes = 64};

// Feeds `input` in pieces of `step` bytes (all at once when 0) and returns
// the complete request, or the error.
Result<HttpRequest, RequestError> parse(std::string_view input, size_t step = 0, RequestLimits limits = {}) {
  RequestParser p(limits);
  size_t pos = 0;
  while (pos < input.size() && !p.complete()) {
    size_t n = step == 0 ? input.size() - pos : std::min(step, input.size() - pos);
    auto fed = p.feed(input.substr(pos, n));
    if (!fed) return err(fed.error());
    pos += *fed;
    if (*fed < n) {
      EXPECT_TRUE(p.complete()) << "took fewer bytes than given without completing";
    }
  }
  if (!p.complete()) return err(RequestError{K::BadRequest, "incomplete (test)"});
  EXPECT_EQ(pos, input.size()) << "bytes left after the request";
  return p.take();
}

K kindOf(std::string_view input, RequestLimits limits = {}) {
  auto r = parse(input, 0, limits);
  EXPECT_FALSE(r.ok()) << "parsed: " << input;
  return r.ok() ? K::BadRequest : r.error().kind;
}

void expectSame(const HttpRequest& a, const HttpRequest& b) {
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.query, b.query);
  EXPECT_EQ(a.minorVersion, b.minorVersion);
  ASSERT_EQ(a.headers.size(), b.headers.size());
  for (size_t i = 0; i < a.headers.size(); ++i) {
    EXPECT_EQ(a.headers[i].name, b.headers[i].name);
    EXPECT_EQ(a.headers[i].value, b.headers[i].value);
  }
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.keepAlive, b.keepAlive);
  EXPECT_EQ(a.expectContinue, b.expectContinue);
}

const std::string kPost =
    "POST /validate?timeout=10s HTTP/1.1\r\n"
    "Host: webhook.svc:443\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "{\"kind\":\"AR\"}";

const std::string kChunked =
    "POST /mutate HTTP/1.1\r\n"
    "Host: h\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "1;ext=\"v\" ; other\r\n \r\n"
    "A\r\n0123456789\r\n"
    "0\r\n"
    "X-Trailer: t\r\n"
    "\r\n";

TEST(HttpRequestTest, ParsesRequestLineHeadersAndBody) {
  auto r = parse(kPost);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->target, "/validate?timeout=10s");
  EXPECT_EQ(r->path, "/validate");
  EXPECT_EQ(r->query, "timeout=10s");
  EXPECT_EQ(r->minorVersion, 1);
  ASSERT_EQ(r->headers.size(), 3u);
  EXPECT_EQ(r->headers[1].name, "Content-Type");
  EXPECT_EQ(r->headers[1].value, "application/json");
  EXPECT_EQ(r->body, "{\"kind\":\"AR\"}");
  EXPECT_TRUE(r->keepAlive);
  EXPECT_FALSE(r->expectContinue);
}

TEST(HttpRequestTest, HeaderNamesAreCaseInsensitiveAndValuesTrimmed) {
  auto r = parse("GET / HTTP/1.1\r\nhOsT:  \t example \t\r\nX-Empty:\r\nx-dup: 1\r\nX-Dup: 2\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_NE(r->header("HOST"), nullptr);
  EXPECT_EQ(*r->header("host"), "example");
  EXPECT_EQ(*r->header("x-empty"), "");
  EXPECT_EQ(*r->header("X-DUP"), "1");  // the first
  EXPECT_EQ(r->header("missing"), nullptr);
}

TEST(HttpRequestTest, QueryIsSplitOffThePath) {
  auto plain = parse("GET /a/b HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->path, "/a/b");
  EXPECT_EQ(plain->query, "");
  auto empty = parse("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->path, "/a");
  EXPECT_EQ(empty->query, "");
  auto twice = parse("GET /a?x=1?y=2 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->path, "/a");
  EXPECT_EQ(twice->query, "x=1?y=2");
}

TEST(HttpRequestTest, AbsoluteAndAsteriskFormTargets) {
  auto url = parse("POST https://Webhook.svc:443/validate?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->path, "/validate");
  EXPECT_EQ(url->query, "q=1");
  auto bare = parse("GET http://host HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->path, "/");
  auto star = parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(star.ok());
  EXPECT_EQ(star->path, "*");
  EXPECT_EQ(kindOf("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("GET ftp://host/x HTTP/1.1\r\nHost: h\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("GET validate HTTP/1.1\r\nHost: h\r\n\r\n"), K::BadRequest);
}

TEST(HttpRequestTest, AnySplitOfTheStreamGivesTheSameRequest) {
  for (const std::string& input : {kPost, kChunked}) {
    auto whole = parse(input);
    ASSERT_TRUE(whole.ok()) << whole.error().message;
    for (size_t step : {1u, 2u, 3u, 7u, 64u}) {
      SCOPED_TRACE("step " + std::to_string(step));
      auto pieces = parse(input, step);
      ASSERT_TRUE(pieces.ok()) << pieces.error().message;
      expectSame(*whole, *pieces);
    }
    for (size_t cut = 1; cut < input.size(); ++cut) {
      SCOPED_TRACE("cut at " + std::to_string(cut));
      RequestParser p;
      auto first = p.feed(std::string_view(input).substr(0, cut));
      ASSERT_TRUE(first.ok());
      ASSERT_EQ(*first, cut);
      ASSERT_FALSE(p.complete());
      auto second = p.feed(std::string_view(input).substr(cut));
      ASSERT_TRUE(second.ok()) << second.error().message;
      ASSERT_TRUE(p.complete());
      expectSame(*whole, p.take());
    }
  }
}

TEST(HttpRequestTest, ChunkedBodyIsDecodedAndTrailersDropped) {
  auto r = parse(kChunked);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "hello 0123456789");
  EXPECT_EQ(r->header("x-trailer"), nullptr);
  EXPECT_EQ(*r->header("transfer-encoding"), "chunked");
  auto upper = parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_TRUE(upper.ok()) << upper.error().message;
  EXPECT_EQ(upper->body, "0123456789");
}

TEST(HttpRequestTest, PipelinedRequestsInOneBuffer) {
  const std::string second = "GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  const std::string both = kPost + kChunked + second;
  RequestParser p;
  std::string_view rest = both;
  std::vector<HttpRequest> got;
  while (!rest.empty()) {
    auto fed = p.feed(rest);
    ASSERT_TRUE(fed.ok()) << fed.error().message;
    rest.remove_prefix(*fed);
    ASSERT_TRUE(p.complete());
    got.push_back(p.take());
    EXPECT_FALSE(p.started());
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].path, "/validate");
  EXPECT_EQ(got[0].body, "{\"kind\":\"AR\"}");
  EXPECT_EQ(got[1].path, "/mutate");
  EXPECT_EQ(got[1].body, "hello 0123456789");
  EXPECT_EQ(got[2].path, "/healthz");
  EXPECT_FALSE(got[2].keepAlive);
}

TEST(HttpRequestTest, CompleteParserTakesNothingUntilTaken) {
  RequestParser p;
  auto fed = p.feed(kPost + "GET");
  ASSERT_TRUE(fed.ok());
  EXPECT_EQ(*fed, kPost.size());
  auto again = p.feed("GET");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
  EXPECT_EQ(p.take().path, "/validate");
}

TEST(HttpRequestTest, KeepAliveFollowsVersionAndConnection) {
  auto keep = [](const std::string& text) {
    auto r = parse(text);
    EXPECT_TRUE(r.ok()) << text;
    return r.ok() && r->keepAlive;
  };
  EXPECT_TRUE(keep("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(keep("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"));
}

TEST(HttpRequestTest, Http11NeedsExactlyOneHost) {
  EXPECT_EQ(kindOf("GET / HTTP/1.1\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), K::BadRequest);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\n\r\n").ok());
}

TEST(HttpRequestTest, ExpectContinueIsSeenWithTheHeaders) {
  RequestParser p;
  auto fed = p.feed("POST /v HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n");
  ASSERT_TRUE(fed.ok());
  EXPECT_TRUE(p.started());
  EXPECT_TRUE(p.headersComplete());
  EXPECT_FALSE(p.complete());
  EXPECT_TRUE(p.request().expectContinue);
  EXPECT_EQ(p.request().path, "/v");
  ASSERT_TRUE(p.feed("abc").ok());
  EXPECT_TRUE(p.complete());
  auto old = parse("POST /v HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->expectContinue);  // not for HTTP/1.0
}

TEST(HttpRequestTest, LeadingEmptyLinesAreIgnored) {
  auto r = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->method, "GET");
}

TEST(HttpRequestTest, BodyLengthRules) {
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\n\r\n"), K::LengthRequired);
  EXPECT_EQ(kindOf("PUT / HTTP/1.1\r\nHost: h\r\n\r\n"), K::LengthRequired);
  EXPECT_EQ(kindOf("PATCH / HTTP/1.0\r\n\r\n"), K::LengthRequired);
  auto get = parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->body, "");
  auto empty = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->body, "");
  auto same = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2, 02\r\n\r\nab");
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_EQ(same->body, "ab");
}

TEST(HttpRequestTest, MalformedContentLengthIs400) {
  for (const char* value : {"-1", "+5", "5 5", "0x10", "", ",", "1e3", "5;", "٣", "5\t,\t6"}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(kindOf(std::string("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ") + value + "\r\n\r\n"),
              K::BadRequest);
  }
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"), K::BadRequest);
}

TEST(HttpRequestTest, HugeContentLengthIs413BeforeAnyBody) {
  for (const char* value : {"65", "18446744073709551615", "18446744073709551616", "99999999999999999999999999999999",
                            "00000000000000000000000000000000065"}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(kindOf(std::string("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ") + value + "\r\n\r\n", kSmall),
              K::ContentTooLarge);
  }
  auto atLimit = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 64\r\n\r\n" + std::string(64, 'x'), 0, kSmall);
  ASSERT_TRUE(atLimit.ok()) << atLimit.error().message;
  EXPECT_EQ(atLimit->body.size(), 64u);
}

TEST(HttpRequestTest, TransferEncodingRules) {
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
            K::BadRequest);
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n"),
            K::BadRequest);
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), K::NotImplemented);
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
            K::NotImplemented);
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), K::BadRequest);
}

TEST(HttpRequestTest, BadChunksAre400) {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const char* chunks :
       {"\r\n", "x\r\n", "-1\r\n", "0x5\r\nhello\r\n0\r\n\r\n", " 5\r\nhello\r\n0\r\n\r\n", "5 \r\nhello\r\n0\r\n\r\n",
        "5x\r\nhello\r\n0\r\n\r\n", "3\r\nhello\r\n0\r\n\r\n", "5\r\nhello0\r\n\r\n", "5\nhello\r\n0\r\n\r\n",
        "5;a\x01\r\nhello\r\n0\r\n\r\n", "0\r\nbad trailer\r\n\r\n"}) {
    SCOPED_TRACE(chunks);
    EXPECT_EQ(kindOf(head + chunks), K::BadRequest);
  }
  EXPECT_EQ(kindOf(head + std::string(5000, '1')), K::BadRequest);  // chunk size line over 4 KiB
}

TEST(HttpRequestTest, ChunkedBodyOverTheLimitIs413) {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(kindOf(head + "41\r\n", kSmall), K::ContentTooLarge);
  EXPECT_EQ(kindOf(head + "ffffffffffffffffffffffffffffffff\r\n", kSmall), K::ContentTooLarge);
  EXPECT_EQ(kindOf(head + "40\r\n" + std::string(64, 'x') + "\r\n1\r\n", kSmall), K::ContentTooLarge);
  auto atLimit =
      parse(head + "20\r\n" + std::string(32, 'x') + "\r\n20\r\n" + std::string(32, 'y') + "\r\n0\r\n\r\n", 0, kSmall);
  ASSERT_TRUE(atLimit.ok()) << atLimit.error().message;
  EXPECT_EQ(atLimit->body.size(), 64u);
  EXPECT_EQ(kindOf(head + "0\r\nX: " + std::string(300, 'a') + "\r\n\r\n", kSmall), K::HeaderFieldsTooLarge);
}

TEST(HttpRequestTest, MalformedHeaderLinesAre400) {
  for (const char* line : {"NoColon", "Name : v", "Name\t: v", ": v", " folded: v", "\tfolded", "Na(me: v",
                           "Name: a\rb", "Name: a\x7f", "Na\xc3\xa9: v"}) {
    SCOPED_TRACE(line);
    EXPECT_EQ(kindOf(std::string("GET / HTTP/1.1\r\nHost: h\r\n") + line + "\r\n\r\n"), K::BadRequest);
  }
  EXPECT_EQ(kindOf("GET / HTTP/1.1\r\nHost: h\r\nX: 1\r\n continued\r\n\r\n"), K::BadRequest);
  auto obsText = parse("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n");
  ASSERT_TRUE(obsText.ok());  // obs-text is allowed in values
  EXPECT_EQ(*obsText->header("x"), "caf\xc3\xa9");
}

TEST(HttpRequestTest, NulBytesAreRejectedInTheHeadOnly) {
  using namespace std::string_literals;
  EXPECT_EQ(kindOf("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"s), K::BadRequest);
  EXPECT_EQ(kindOf("GE\0T / HTTP/1.1\r\nHost: h\r\n\r\n"s), K::BadRequest);
  EXPECT_EQ(kindOf("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n"s), K::BadRequest);
  EXPECT_EQ(kindOf("GET / HTTP/1.1\r\nHost: h\r\nX\0: a\r\n\r\n"s), K::BadRequest);
  EXPECT_EQ(kindOf("GET / HTTP/1.1\0\r\nHost: h\r\n\r\n"s), K::BadRequest);
  auto body = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\na\0b"s);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->body, "a\0b"s);
}

TEST(HttpRequestTest, LinesEndInCrlf) {
  EXPECT_EQ(kindOf("GET / HTTP/1.1\nHost: h\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("GET / HTTP/1.1\r\nHost: h\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("GET / HTTP/1.1\r\nHost: h\r\n\n"), K::BadRequest);
  EXPECT_EQ(kindOf("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), K::BadRequest);
  EXPECT_EQ(kindOf("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n"), K::BadRequest);
}

TEST(HttpRequestTest, MalformedRequestLinesAre400) {
  for (const char* line :
       {"GET /", "GET  / HTTP/1.1", "GET / HTTP/1.1 ", " GET / HTTP/1.1", "GET / http/1.1", "GET / HTTP/1.1x",
        "GET / HTTP/11", "GET / HTTP/1.", "G(T / HTTP/1.1", "GET /\xff HTTP/1.1", "GET /a\tb HTTP/1.1", "/ HTTP/1.1"}) {
    SCOPED_TRACE(line);
    EXPECT_EQ(kindOf(std::string(line) + "\r\nHost: h\r\n\r\n"), K::BadRequest);
  }
}

TEST(HttpRequestTest, OtherHttpVersionsAre505) {
  EXPECT_EQ(kindOf("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), K::VersionNotSupported);
  EXPECT_EQ(kindOf("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), K::VersionNotSupported);
  EXPECT_EQ(kindOf("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), K::VersionNotSupported);
}

TEST(HttpRequestTest, HeadLimits) {
  RequestLimits limits{.maxHeaderBytes = 100, .maxBodyBytes = 10};
  const std::string line = "GET / HTTP/1.1\r\n";  // 16 bytes
  const std::string host = "Host: h\r\n";         // 9
  // 16 + 9 + 73 + 2 == 100 with the line "X: " + 68 bytes + CRLF (73).
  const std::string exact = line + host + "X: " + std::string(68, 'a') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), 100u);
  EXPECT_TRUE(parse(exact, 0, limits).ok());
  EXPECT_EQ(kindOf(line + host + "X: " + std::string(69, 'a') + "\r\n\r\n", limits), K::HeaderFieldsTooLarge);
  EXPECT_EQ(kindOf("GET /" + std::string(200, 'a') + " HTTP/1.1\r\n", limits), K::UriTooLong);
  // Without a line end the limit still holds: the parser does not wait forever.
  EXPECT_EQ(kindOf(line + host + std::string(200, 'a'), limits), K::HeaderFieldsTooLarge);
  EXPECT_EQ(kindOf(std::string(200, '\n')), K::BadRequest);
  EXPECT_EQ(kindOf(std::string(20000, 'A')), K::UriTooLong);
  std::string manyCrlf;
  for (int i = 0; i < 60; ++i) manyCrlf += "\r\n";
  EXPECT_EQ(kindOf(manyCrlf + line + host + "\r\n", limits), K::UriTooLong);
}

TEST(HttpRequestTest, DefaultHeadLimitIs16KiB) {
  const std::string start = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
  const size_t fill = size_t{16} * 1024 - start.size() - 4;
  EXPECT_TRUE(parse(start + std::string(fill, 'a') + "\r\n\r\n").ok());
  EXPECT_EQ(kindOf(start + std::string(fill + 1, 'a') + "\r\n\r\n"), K::HeaderFieldsTooLarge);
}

TEST(HttpRequestTest, ErrorsAreStickyAndMapToStatusCodes) {
  RequestParser p;
  auto first = p.feed("GET / HTTP/1.1\r\nBad\r\n");
  ASSERT_FALSE(first.ok());
  auto again = p.feed("Host: h\r\n\r\n");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, K::BadRequest);
  EXPECT_EQ(RequestError{K::BadRequest}.status(), 400);
  EXPECT_EQ(RequestError{K::LengthRequired}.status(), 411);
  EXPECT_EQ(RequestError{K::ContentTooLarge}.status(), 413);
  EXPECT_EQ(RequestError{K::UriTooLong}.status(), 414);
  EXPECT_EQ(RequestError{K::HeaderFieldsTooLarge}.status(), 431);
  EXPECT_EQ(RequestError{K::NotImplemented}.status(), 501);
  EXPECT_EQ(RequestError{K::VersionNotSupported}.status(), 505);
}

TEST(HttpRequestTest, TakeReadiesTheParserForTheNextRequest) {
  RequestParser p;
  ASSERT_TRUE(p.feed(kChunked).ok());
  HttpRequest first = p.take();
  EXPECT_FALSE(p.started());
  EXPECT_FALSE(p.headersComplete());
  ASSERT_TRUE(p.feed(kPost).ok());
  ASSERT_TRUE(p.complete());
  HttpRequest second = p.take();
  EXPECT_EQ(first.body, "hello 0123456789");
  EXPECT_EQ(second.body, "{\"kind\":\"AR\"}");
  EXPECT_EQ(second.headers.size(), 3u);
}

// The body goes from the caller's buffer into its final place once: with a
// Content-Length it is reserved up front, so it never moves while it grows,
// and take() moves it out.
TEST(HttpRequestTest, ContentLengthBodyIsCopiedOnce) {
  const size_t size = size_t{100} * 1024;
  const std::string body(size, 'b');
  RequestParser p;
  ASSERT_TRUE(p.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n").ok());
  ASSERT_TRUE(p.feed(std::string_view(body).substr(0, 1)).ok());
  const char* where = p.request().body.data();
  EXPECT_GE(p.request().body.capacity(), size);
  for (size_t i = 1; i < size; i += 1000) {
    ASSERT_TRUE(p.feed(std::string_view(body).substr(i, std::min<size_t>(1000, size - i))).ok());
    ASSERT_EQ(p.request().body.data(), where);
  }
  ASSERT_TRUE(p.complete());
  HttpRequest r = p.take();
  EXPECT_EQ(r.body.data(), where);
  EXPECT_EQ(r.body, body);
}

// Random bytes, and random mutations of valid requests: never a crash, a
// hang or a read out of bounds (the sanitizer builds run this too).
TEST(HttpRequestTest, SurvivesRandomInput) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    std::string input = round % 2 == 0 ? kPost : kChunked;
    if (round % 4 < 2) {
      for (int m = 0; m < 3; ++m) input[static_cast<size_t>(rng()) % input.size()] = static_cast<char>(byte(rng));
    } else {
      input.resize(static_cast<size_t>(rng()) % 200);
      for (char& c : input) c = static_cast<char>(byte(rng));
    }
    RequestParser p(kSmall);
    std::string_view rest = input;
    while (!rest.empty()) {
      size_t n = std::min<size_t>(rest.size(), 1 + static_cast<size_t>(rng()) % 16);
      auto fed = p.feed(rest.substr(0, n));
      if (!fed) break;
      ASSERT_LE(*fed, n);
      rest.remove_prefix(*fed);
      if (p.complete()) (void)p.take();
    }
  }
}

}  // namespace
}  // namespace mb::http

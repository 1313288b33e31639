// The plain-HTTP server for /metrics and /healthz, still answering after the
// bind address code moved to listen_address.cc.
#include "http/http_server.h"

#include <gtest/gtest.h>

#include "curl_client.h"

namespace mb::http {
namespace {

TEST(HttpServerTest, AnswersGetAndRefusesOtherMethods) {
  HttpServer server("127.0.0.1:0", {{"/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; }}});
  ASSERT_TRUE(server.start().ok());
  ASSERT_GT(server.port(), 0);
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  test::Curl curl;
  auto ok = curl.request(base + "/healthz?verbose=1", "GET", "");
  ASSERT_EQ(ok.code, CURLE_OK) << ok.error;
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
  EXPECT_EQ(curl.request(base + "/missing", "GET", "").status, 404);
  EXPECT_EQ(curl.post(base + "/healthz", "x").status, 405);
  server.stop();
}

TEST(HttpServerTest, BadAddressesAreErrors) {
  HttpServer noPort("127.0.0.1", {});
  auto a = noPort.start();
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().find("must look like :8080"), std::string::npos) << a.error();
  HttpServer badHost("example.com:80", {});
  auto b = badHost.start();
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().find("is not an IPv4 address"), std::string::npos) << b.error();
  HttpServer disabled("0", {});
  EXPECT_TRUE(disabled.start().ok());
}

}  // namespace
}  // namespace mb::http

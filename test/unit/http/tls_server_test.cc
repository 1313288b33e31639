// The webhook's HTTPS server on 127.0.0.1:0 with certificates made in the
// test, driven by libcurl (verifying against the test's CA) and by a raw TLS
// client for what curl will not send. The only waits are socket reads with
// the server's own (short) timeouts.
#include "http/tls_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "curl_client.h"
#include "test_pki.h"

namespace mb::http {
namespace {

using namespace std::chrono_literals;
using test::Curl;
using test::ServerCert;
using test::TempDir;
using test::TestCa;
using test::TlsClient;
using test::writeFile;
using SteadyClock = std::chrono::steady_clock;

HttpResponse echo(const HttpRequest& r) {
  return HttpResponse{200, "application/json",
                      "{\"path\":\"" + r.path + "\",\"bytes\":" + std::to_string(r.body.size()) + ",\"body\":\"" +
                          (r.body.size() <= 64 ? r.body : "...") + "\"}"};
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerCert s = caOne.issue();
    writeFile(certFile, s.certPem);
    writeFile(keyFile, s.keyPem);
    writeFile(caOneFile, caOne.pem());
    writeFile(caTwoFile, caTwo.pem());
  }

  TlsServerOptions options() const {
    TlsServerOptions o;
    o.address = "127.0.0.1:0";
    o.certFile = certFile;
    o.keyFile = keyFile;
    return o;
  }

  void start(TlsServerOptions o, std::map<std::string, TlsServer::Handler> routes = {}) {
    routes.emplace("/validate", echo);
    routes.emplace("/mutate", echo);
    routes.emplace("/throw", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
    server = std::make_unique<TlsServer>(std::move(o), std::move(routes));
    auto started = server->start();
    ASSERT_TRUE(started.ok()) << started.error();
    ASSERT_GT(server->port(), 0);
  }
  void start() { start(options()); }

  std::string url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(server->port()) + path;
  }

  TempDir dir;
  std::string certFile = dir.file("tls.crt");
  std::string keyFile = dir.file("tls.key");
  std::string caOneFile = dir.file("ca-one.crt");
  std::string caTwoFile = dir.file("ca-two.crt");
  TestCa caOne{"ca-one"};
  TestCa caTwo{"ca-two"};
  std::unique_ptr<TlsServer> server;
};

TEST_F(TlsServerTest, AnswersAPostVerifiedAgainstTheCa) {
  start();
  Curl curl(caOneFile);
  auto r = curl.post(url("/validate?timeout=10s"), R"({"kind":"AdmissionReview"})", {"Content-Type: application/json"});
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"path":"/validate","bytes":26,"body":"{"kind":"AdmissionReview"}"})");
  EXPECT_NE(r.headers.find("Content-Type: application/json\r\n"), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("Content-Length: " + std::to_string(r.body.size()) + "\r\n"), std::string::npos);
  EXPECT_EQ(r.headers.find("Connection: close"), std::string::npos) << r.headers;
}

TEST_F(TlsServerTest, KeepsOneConnectionForSeveralRequests) {
  start();
  Curl curl(caOneFile);
  for (int i = 0; i < 4; ++i) {
    auto r = curl.post(url(i % 2 == 0 ? "/validate" : "/mutate"), "{\"n\":" + std::to_string(i) + "}");
    ASSERT_EQ(r.code, CURLE_OK) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.connects, i == 0 ? 1 : 0) << "request " << i;
  }
  EXPECT_EQ(server->stats().connectionsAccepted, 1u);
  EXPECT_EQ(server->stats().requests, 4u);
}

TEST_F(TlsServerTest, UnknownPathIs404AndOtherMethodsAre405) {
  start();
  Curl curl(caOneFile);
  auto missing = curl.post(url("/nope"), "{}");
  ASSERT_EQ(missing.code, CURLE_OK) << missing.error;
  EXPECT_EQ(missing.status, 404);
  auto get = curl.request(url("/validate"), "GET", "");
  ASSERT_EQ(get.code, CURLE_OK) << get.error;
  EXPECT_EQ(get.status, 405);
  EXPECT_NE(get.headers.find("Allow: POST\r\n"), std::string::npos) << get.headers;
  auto put = curl.request(url("/validate"), "PUT", "{}");
  ASSERT_EQ(put.code, CURLE_OK) << put.error;
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.connects, 0);  // still the first connection: these answers keep it
}

TEST_F(TlsServerTest, BodyOverTheLimitIs413AndCloses) {
  TlsServerOptions o = options();
  o.maxBodyBytes = 1024;
  start(o);
  Curl curl(caOneFile);
  auto small = curl.post(url("/validate"), std::string(1024, 'x'));
  ASSERT_EQ(small.code, CURLE_OK) << small.error;
  EXPECT_EQ(small.status, 200);
  auto big = curl.post(url("/validate"), std::string(4096, 'x'), {"Expect:"});
  ASSERT_EQ(big.code, CURLE_OK) << big.error;
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.headers.find("Connection: close\r\n"), std::string::npos) << big.headers;
  // With Expect: 100-continue the answer comes before the body is sent.
  auto expecting = curl.post(url("/validate"), std::string(size_t{64} * 1024, 'x'), {"Expect: 100-continue"});
  ASSERT_EQ(expecting.code, CURLE_OK) << expecting.error;
  EXPECT_EQ(expecting.status, 413);
  EXPECT_EQ(expecting.headers.find("100 Continue"), std::string::npos) << expecting.headers;
}

TEST_F(TlsServerTest, ExpectContinueGetsTheBody) {
  start();
  Curl curl(caOneFile);
  const std::string body(size_t{2} * 1024 * 1024, 'b');
  auto r = curl.post(url("/validate"), body, {"Expect: 100-continue"});
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("HTTP/1.1 100 Continue"), std::string::npos) << r.headers;
  EXPECT_NE(r.body.find("\"bytes\":2097152"), std::string::npos) << r.body;
  auto refused = curl.post(url("/nope"), body, {"Expect: 100-continue"});
  ASSERT_EQ(refused.code, CURLE_OK) << refused.error;
  EXPECT_EQ(refused.status, 404);
}

TEST_F(TlsServerTest, MalformedRequestIs400AndCloses) {
  start();
  TlsClient client(server->port(), caOneFile);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("POST /validate HTTP/1.1\r\nHost: x\r\nNoColonHere\r\nContent-Length: 2\r\n\r\nhi"));
  std::string answer = client.readToEnd();  // ends: the server closed
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("header line without a colon"), std::string::npos) << answer;
}

TEST_F(TlsServerTest, PostWithoutALengthIs411) {
  start();
  TlsClient client(server->port(), caOneFile);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("POST /validate HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string answer = client.readToEnd();
  EXPECT_EQ(answer.rfind("HTTP/1.1 411 Length Required\r\n", 0), 0u) << answer;
}

TEST_F(TlsServerTest, ChunkedBodiesAndPipelinedRequests) {
  start();
  TlsClient client(server->port(), caOneFile);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send(
      "POST /validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
      "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
      "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye"));
  std::string first = client.readResponse();
  std::string second = client.readResponse();
  std::string third = client.readResponse();
  EXPECT_EQ(first.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << first;
  EXPECT_NE(first.find(R"("path":"/validate","bytes":5,"body":"abcde")"), std::string::npos) << first;
  EXPECT_NE(second.find(R"("path":"/mutate","bytes":2,"body":"hi")"), std::string::npos) << second;
  EXPECT_NE(third.find(R"("body":"bye")"), std::string::npos) << third;
  EXPECT_NE(third.find("Connection: close\r\n"), std::string::npos) << third;
  EXPECT_EQ(client.readToEnd(), "");
  EXPECT_EQ(server->stats().connectionsAccepted, 1u);
}

TEST_F(TlsServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  start();
  TlsClient client(server->port(), caOneFile);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.send("POST /validate HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\na"
                  "POST /validate HTTP/1.0\r\nContent-Length: 1\r\n\r\nb"));
  std::string kept = client.readResponse();
  EXPECT_NE(kept.find("Connection: keep-alive\r\n"), std::string::npos) << kept;
  std::string closed = client.readResponse();
  EXPECT_NE(closed.find("Connection: close\r\n"), std::string::npos) << closed;
  EXPECT_EQ(client.readToEnd(), "");
}

TEST_F(TlsServerTest, AHandlerThatThrowsIs500) {
  start();
  Curl curl(caOneFile);
  auto r = curl.post(url("/throw"), "{}");
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 500);
  auto after = curl.post(url("/validate"), "{}");
  EXPECT_EQ(after.status, 200);
}

TEST_F(TlsServerTest, AStalledRequestIsCutAfterRequestTimeout) {
  TlsServerOptions o = options();
  o.requestTimeout = 300ms;
  start(o);
  const auto begin = SteadyClock::now();
  TlsClient client(server->port(), caOneFile);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf"));
  std::string answer = client.readToEnd();
  const auto elapsed = SteadyClock::now() - begin;
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << answer;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 5s);
  EXPECT_EQ(server->stats().requestTimeouts, 1u);
}

TEST_F(TlsServerTest, ASilentClientIsCutAfterRequestTimeout) {
  TlsServerOptions o = options();
  o.requestTimeout = 300ms;
  start(o);
  // Connected and never sent a byte: not even the handshake.
  int fd = test::connectTcp(server->port());
  const auto begin = SteadyClock::now();
  EXPECT_EQ(test::readToEnd(fd), "");
  EXPECT_LT(SteadyClock::now() - begin, 5s);
  ::close(fd);
  EXPECT_EQ(server->stats().handshakeFailures, 0u);  // no byte: a probe, not a failed handshake
}

TEST_F(TlsServerTest, AnIdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  TlsServerOptions o = options();
  o.idleTimeout = 300ms;
  o.requestTimeout = 30s;
  start(o);
  TlsClient client(server->port(), caOneFile);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na"));
  EXPECT_NE(client.readResponse().find("200 OK"), std::string::npos);
  const auto begin = SteadyClock::now();
  EXPECT_EQ(client.readToEnd(), "");
  EXPECT_LT(SteadyClock::now() - begin, 5s);
  EXPECT_EQ(server->stats().requestTimeouts, 0u);
}

TEST_F(TlsServerTest, StopEndsOpenConnectionsPromptly) {
  TlsServerOptions o = options();
  o.requestTimeout = 60s;
  o.idleTimeout = 60s;
  start(o);
  TlsClient idle(server->port(), caOneFile);
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na"));
  EXPECT_NE(idle.readResponse().find("200 OK"), std::string::npos);
  TlsClient halfway(server->port(), caOneFile);
  ASSERT_TRUE(halfway.connected());
  ASSERT_TRUE(halfway.send("POST /validate HTTP/1.1\r\nHost: x\r\n"));
  TlsClient fresh(server->port(), caOneFile);
  ASSERT_TRUE(fresh.connected());
  int silent = test::connectTcp(server->port());

  const auto begin = SteadyClock::now();
  server->stop();
  EXPECT_LT(SteadyClock::now() - begin, 2s);
  EXPECT_EQ(server->stats().activeConnections, 0u);
  EXPECT_EQ(idle.readToEnd(), "");
  EXPECT_EQ(halfway.readToEnd(), "");
  EXPECT_EQ(fresh.readToEnd(), "");
  EXPECT_EQ(test::readToEnd(silent), "");
  ::close(silent);
  server->stop();  // idempotent
}

TEST_F(TlsServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  TlsServerOptions o = options();
  o.maxConnections = 1;
  start(o);
  TlsClient first(server->port(), caOneFile);
  ASSERT_TRUE(first.connected());
  TlsClient second(server->port(), caOneFile);
  EXPECT_FALSE(second.connected());
  EXPECT_EQ(server->stats().connectionsRejected, 1u);
  ASSERT_TRUE(first.send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\na"));
  EXPECT_NE(first.readToEnd().find("200 OK"), std::string::npos);
}

TEST_F(TlsServerTest, APlaintextClientIsAFailedHandshake) {
  start();
  int fd = test::connectTcp(server->port());
  const std::string request = "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  std::string answer = test::readToEnd(fd);  // a TLS alert at most, then the end
  ::close(fd);
  EXPECT_EQ(answer.find("HTTP/1.1"), std::string::npos);
  EXPECT_EQ(server->stats().handshakeFailures, 1u);
  // The server is none the worse for it.
  Curl curl(caOneFile);
  EXPECT_EQ(curl.post(url("/validate"), "{}").status, 200);
}

TEST_F(TlsServerTest, AClientThatEndsMidRequestIsCounted) {
  start();
  TlsClient client(server->port(), caOneFile);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf"));
  client.shutdownWrite();             // the end of the stream, without close_notify, inside the request
  EXPECT_EQ(client.readToEnd(), "");  // the server counts, then closes
  EXPECT_EQ(server->stats().clientResets, 1u);
  EXPECT_EQ(server->stats().requestTimeouts, 0u);
}

// The process keeps SIGPIPE's default disposition (it would end the test):
// the server writes a large answer to a client that has closed, so its
// later sends fail with EPIPE.
TEST_F(TlsServerTest, AnAnswerToAClosedClientRaisesNoSigpipe) {
  std::promise<void> entered;
  std::promise<void> go;
  std::shared_future<void> released = go.get_future().share();
  start(options(), {{"/big", [&entered, released](const HttpRequest&) {
                       entered.set_value();
                       released.wait();
                       return HttpResponse{200, "application/octet-stream", std::string(4 << 20, 'z')};
                     }}});
  // TLS 1.2: no session tickets after the handshake, so closing sends a FIN
  // (unread tickets would make it a reset, which the server reads first).
  auto client = std::make_unique<TlsClient>(server->port(), caOneFile, TLS1_2_VERSION);
  ASSERT_TRUE(client->connected());
  ASSERT_TRUE(client->send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  entered.get_future().wait();
  client.reset();  // gone while the handler runs
  go.set_value();
  server->awaitActiveConnectionsForTest(0);
  EXPECT_EQ(server->stats().requests, 1u);
  EXPECT_EQ(server->stats().clientResets, 1u);
}

TEST_F(TlsServerTest, Tls11IsRefused) {
  start();
  TlsClient old(server->port(), caOneFile, TLS1_1_VERSION);
  EXPECT_FALSE(old.connected());
  TlsClient tls12(server->port(), caOneFile, TLS1_2_VERSION);
  EXPECT_TRUE(tls12.connected());
  ASSERT_TRUE(tls12.send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\na"));
  EXPECT_NE(tls12.readToEnd().find("200 OK"), std::string::npos);
  EXPECT_EQ(server->stats().handshakeFailures, 1u);
}

TEST_F(TlsServerTest, ServesConcurrentClients) {
  start();
  std::vector<std::thread> clients;
  clients.reserve(4);
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      Curl curl(caOneFile);
      for (int i = 0; i < 5; ++i) {
        auto r = curl.post(url("/validate"), "{\"client\":" + std::to_string(t) + "}");
        if (r.code == CURLE_OK && r.status == 200) ++ok;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(server->stats().connectionsAccepted, 4u);
}

TEST_F(TlsServerTest, ARotatedCertificateIsServedWithoutARestart) {
  start();
  TlsClient before(server->port(), caOneFile);  // a connection from before the rotation
  ASSERT_TRUE(before.connected());
  {
    Curl curl(caOneFile);
    auto r = curl.post(url("/validate"), "{}");
    ASSERT_EQ(r.code, CURLE_OK) << r.error;
  }
  ServerCert next = caTwo.issue();
  writeFile(certFile, next.certPem);
  writeFile(keyFile, next.keyPem);

  Curl trustsTwo(caTwoFile);
  auto r = trustsTwo.post(url("/validate"), "{}");
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  Curl trustsOne(caOneFile);
  auto refused = trustsOne.post(url("/validate"), "{}");
  EXPECT_EQ(refused.code, CURLE_PEER_FAILED_VERIFICATION) << refused.error;
  EXPECT_EQ(server->stats().certificateReloads, 1u);
  EXPECT_EQ(server->stats().certificateReloadFailures, 0u);

  // The connection from before keeps its context.
  ASSERT_TRUE(before.send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na"));
  EXPECT_NE(before.readResponse().find("200 OK"), std::string::npos);
}

TEST_F(TlsServerTest, AHalfRotatedPairKeepsServingTheOldCertificate) {
  start();
  ServerCert next = caTwo.issue();
  writeFile(certFile, next.certPem);  // the key is not there yet

  Curl trustsOne(caOneFile);
  auto old = trustsOne.post(url("/validate"), "{}");
  ASSERT_EQ(old.code, CURLE_OK) << old.error;
  EXPECT_EQ(old.status, 200);
  Curl trustsTwo(caTwoFile);
  EXPECT_EQ(trustsTwo.post(url("/validate"), "{}").code, CURLE_PEER_FAILED_VERIFICATION);
  EXPECT_EQ(server->stats().certificateReloadFailures, 1u);  // two connections, one report
  EXPECT_EQ(server->stats().certificateReloads, 0u);

  writeFile(keyFile, next.keyPem);
  Curl trustsTwoAgain(caTwoFile);
  auto now = trustsTwoAgain.post(url("/validate"), "{}");
  ASSERT_EQ(now.code, CURLE_OK) << now.error;
  EXPECT_EQ(now.status, 200);
  EXPECT_EQ(server->stats().certificateReloads, 1u);
}

TEST_F(TlsServerTest, StartFailsNamingAMissingOrGarbageFile) {
  TlsServerOptions missing = options();
  missing.certFile = dir.file("absent.crt");
  TlsServer a(missing, {{"/validate", echo}});
  auto ra = a.start();
  ASSERT_FALSE(ra.ok());
  EXPECT_NE(ra.error().find(dir.file("absent.crt")), std::string::npos) << ra.error();

  writeFile(dir.file("garbage.key"), "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n");
  TlsServerOptions garbage = options();
  garbage.keyFile = dir.file("garbage.key");
  TlsServer b(garbage, {{"/validate", echo}});
  auto rb = b.start();
  ASSERT_FALSE(rb.ok());
  EXPECT_NE(rb.error().find("private key " + dir.file("garbage.key")), std::string::npos) << rb.error();

  TlsServerOptions badAddress = options();
  badAddress.address = "127.0.0.1:http";
  TlsServer c(badAddress, {{"/validate", echo}});
  auto rc = c.start();
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.error().find("no valid port"), std::string::npos) << rc.error();
}

TEST_F(TlsServerTest, AddressZeroDisablesTheServer) {
  TlsServerOptions o = options();
  o.address = "0";
  o.certFile = dir.file("absent.crt");
  TlsServer s(o, {});
  EXPECT_TRUE(s.disabled());
  EXPECT_TRUE(s.start().ok());
  EXPECT_EQ(s.port(), 0);
}

TEST_F(TlsServerTest, CountsIntoTheRegistry) {
  base::Registry registry;
  TlsServerOptions o = options();
  o.registry = &registry;
  start(o);
  Curl curl(caOneFile);
  EXPECT_EQ(curl.post(url("/validate"), "{}").status, 200);
  EXPECT_EQ(curl.post(url("/validate"), "{}").status, 200);
  EXPECT_EQ(curl.post(url("/random/path/123"), "{}").status, 404);
  ServerCert next = caOne.issue();
  writeFile(certFile, next.certPem);
  writeFile(keyFile, next.keyPem);
  Curl again(caOneFile);
  EXPECT_EQ(again.post(url("/mutate"), "{}").status, 200);
  const std::string text = registry.text();
  EXPECT_NE(text.find("controller_runtime_webhook_requests_total{webhook=\"/validate\",code=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("controller_runtime_webhook_requests_total{webhook=\"other\",code=\"404\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("modelbooster_webhook_certificate_reloads_total{result=\"success\"} 1\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("/random"), std::string::npos) << text;
}

}  // namespace
}  // namespace mb::http

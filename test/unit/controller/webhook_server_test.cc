// The controller's webhook server end to end on loopback: an AdmissionReview
// POSTed over TLS (verified against the test's CA, as the API server does
// with the caBundle) is answered by the admission functions, under the
// conversion options the manager hands it, and counted.
#include "controller/webhook_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "../http/curl_client.h"
#include "../http/test_pki.h"
#include "document/parse.h"

namespace mb::controller {
namespace {

constexpr const char* kReview = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
  "uid":"u-7","kind":{"group":"workload.serving.volcano.sh","version":"v1alpha1","kind":"ModelBooster"},
  "name":"m","namespace":"n","operation":"CREATE","object":{"apiVersion":"workload.serving.volcano.sh/v1alpha1",
  "kind":"ModelBooster","metadata":{"name":"m","namespace":"n"},"spec":{"backends":[{"name":"a","type":"vLLM",
  "modelURI":"hf://org/model","minReplicas":1,"maxReplicas":MAX,"workers":[{"image":"vllm/vllm-openai:v0.10.1"}]}]}}}})";

std::string review(const std::string& max) {
  std::string r = kReview;
  r.replace(r.find("MAX"), 3, max);
  return r;
}

class WebhookServerTest : public ::testing::Test {
 protected:
  WebhookServerTest() {
    http::test::ServerCert cert = ca_.issue();
    http::test::writeFile(dir_.file("tls.crt"), cert.certPem);
    http::test::writeFile(dir_.file("tls.key"), cert.keyPem);
    http::test::writeFile(dir_.file("ca.crt"), ca_.pem());
  }
  std::string url(const char* path) const { return "https://127.0.0.1:" + std::to_string(server_->port()) + path; }
  void start() {
    server_ =
        std::make_unique<WebhookServer>(WebhookServerOptions{"127.0.0.1:0", dir_.file("tls.crt"), dir_.file("tls.key")},
                                        registry_, base::RealClock::instance(), [this] {
                                          ++optionsAsked_;
                                          return core::ConversionOptions{};
                                        });
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error();
  }
  document::Value response(const http::test::CurlResult& r) {
    EXPECT_EQ(r.code, CURLE_OK) << r.error;
    EXPECT_EQ(r.status, 200);
    document::Value v;
    document::ParseError e;
    EXPECT_TRUE(document::parseJson(r.body, v, e)) << e.str() << r.body;
    return *v.find("response");
  }

  http::test::TempDir dir_;
  http::test::TestCa ca_{"webhook-test-ca"};
  base::Registry registry_;
  std::atomic<int> optionsAsked_{0};
  std::unique_ptr<WebhookServer> server_;
};

TEST_F(WebhookServerTest, ValidatesAndMutatesOverTlsAndCountsTheOutcomes) {
  start();
  http::test::Curl curl(dir_.file("ca.crt"));
  document::Value ok = response(curl.post(url("/validate-modelbooster"), review("1")));
  EXPECT_TRUE(ok.find("allowed")->asBool());
  EXPECT_EQ(ok.find("uid")->text(), "u-7");
  document::Value bad = response(curl.post(url("/validate-modelbooster"), review("0")));
  EXPECT_FALSE(bad.find("allowed")->asBool());
  EXPECT_NE(bad.find("status")->find("message")->text().find("spec.backends[0].maxReplicas"), std::string::npos);
  document::Value mutated = response(curl.post(url("/mutate-modelbooster"), review("1")));
  EXPECT_EQ(mutated.find("patchType")->text(), "JSONPatch");
  document::Value malformed = response(curl.post(url("/mutate-modelbooster"), "{"));
  EXPECT_FALSE(malformed.find("allowed")->asBool());
  EXPECT_EQ(optionsAsked_, 2) << "each validation reads the manager's options (the stack in force)";

  std::string metrics = registry_.text();
  for (const char* series : {R"(modelbooster_webhook_admissions_total{webhook="validate",outcome="allowed"} 1)",
                             R"(modelbooster_webhook_admissions_total{webhook="validate",outcome="denied"} 1)",
                             R"(modelbooster_webhook_admissions_total{webhook="mutate",outcome="allowed"} 1)",
                             R"(modelbooster_webhook_admissions_total{webhook="mutate",outcome="malformed"} 1)",
                             R"(controller_runtime_webhook_latency_seconds_count{webhook="validate"} 2)"}) {
    EXPECT_NE(metrics.find(series), std::string::npos) << series << "\n" << metrics;
  }
  server_->stop();
}

TEST_F(WebhookServerTest, AMissingCertificateFailsStartNamingTheFile) {
  server_ =
      std::make_unique<WebhookServer>(WebhookServerOptions{"127.0.0.1:0", dir_.file("none.crt"), dir_.file("tls.key")},
                                      registry_, base::RealClock::instance(), [] { return core::ConversionOptions{}; });
  auto started = server_->start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("none.crt"), std::string::npos) << started.error();
}

}  // namespace
}  // namespace mb::controller

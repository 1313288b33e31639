// Admission webhook latency (issue 12): 1,000 AdmissionReviews of the
// three-backend booster (bench/three-backends.yaml) POSTed to the
// controller's WebhookServer over one TLS keep-alive connection on
// loopback, as the API server's client sends them; p50/p90/p99/max of the
// round trip, for each webhook, plus the first request (TLS handshake
// included) and the handler alone. Prints a table for docs/benchmarks.md.
//   build/bench/mb_webhook_bench [requests]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../test/unit/http/curl_client.h"
#include "../test/unit/http/test_pki.h"
#include "admission/webhooks.h"
#include "controller/webhook_server.h"
#include "document/parse.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string reviewOf(const mb::document::Value& booster) {
  mb::document::Value review = mb::document::Value::object(
      {{"apiVersion", "admission.k8s.io/v1"},
       {"kind", "AdmissionReview"},
       {"request",
        mb::document::Value::object({{"uid", "0b6a1f3e-0000-4000-8000-000000000001"},
                                     {"kind", mb::document::Value::object({{"group", "workload.serving.volcano.sh"},
                                                                           {"version", "v1alpha1"},
                                                                           {"kind", "ModelBooster"}})},
                                     {"name", "llama-70b"},
                                     {"namespace", "bench"},
                                     {"operation", "CREATE"},
                                     {"object", booster}})}});
  std::string out;
  mb::document::writeJson(review, out);
  return out;
}

struct Stats {
  double p50, p90, p99, max;
};

Stats stats(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * static_cast<double>(us.size())))];
  };
  return Stats{at(0.50), at(0.90), at(0.99), us.back()};
}

void row(const char* what, const Stats& s) {
  std::printf("| %-46s | %8.0f | %8.0f | %8.0f | %8.0f |\n", what, s.p50, s.p90, s.p99, s.max);
}

}  // namespace

int main(int argc, char** argv) {
  int requests = argc > 1 ? std::atoi(argv[1]) : 1000;
  std::ifstream in(std::string(MB_SOURCE_DIR) + "/bench/three-backends.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<mb::document::Value> docs;
  mb::document::ParseError e;
  if (!mb::document::parseYaml(ss.str(), docs, e) || docs.empty()) {
    std::fprintf(stderr, "cannot read the booster: %s\n", e.str().c_str());
    return 1;
  }
  const std::string body = reviewOf(docs.front());

  mb::http::test::TempDir dir;
  mb::http::test::TestCa ca("bench-ca");
  mb::http::test::ServerCert cert = ca.issue();
  mb::http::test::writeFile(dir.file("tls.crt"), cert.certPem);
  mb::http::test::writeFile(dir.file("tls.key"), cert.keyPem);
  mb::http::test::writeFile(dir.file("ca.crt"), ca.pem());
  mb::base::Registry registry;
  mb::controller::WebhookServer server({"127.0.0.1:0", dir.file("tls.crt"), dir.file("tls.key")}, registry,
                                       mb::base::RealClock::instance(), [] { return mb::core::ConversionOptions{}; });
  if (auto started = server.start(); !started) {
    std::fprintf(stderr, "%s\n", started.error().c_str());
    return 1;
  }
  const std::string base = "https://127.0.0.1:" + std::to_string(server.port());

  std::printf("AdmissionReview of %zu bytes, %d requests per webhook, one keep-alive connection\n\n", body.size(),
              requests);
  std::printf("| %-46s | %8s | %8s | %8s | %8s |\n", "µs", "p50", "p90", "p99", "max");
  std::printf("|%s|---------:|---------:|---------:|---------:|\n", std::string(48, '-').c_str());
  for (const char* path : {"/validate-modelbooster", "/mutate-modelbooster"}) {
    mb::http::test::Curl curl(dir.file("ca.crt"));
    std::vector<double> us;
    double first = 0;
    for (int i = 0; i <= requests; ++i) {
      auto t0 = Clock::now();
      mb::http::test::CurlResult r = curl.post(base + path, body, {"Content-Type: application/json"});
      double took = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
      if (r.code != CURLE_OK || r.status != 200 || r.body.find("\"allowed\":true") == std::string::npos) {
        std::fprintf(stderr, "%s: %s %ld %s\n", path, r.error.c_str(), r.status, r.body.substr(0, 300).c_str());
        return 1;
      }
      if (i == 0) {
        first = took;
      } else {
        us.push_back(took);
      }
    }
    row((std::string(path) + " round trip").c_str(), stats(us));
    std::printf("| %-46s | %8.0f |          |          |          |\n",
                (std::string(path) + " first (TLS handshake)").c_str(), first);
  }
  std::vector<double> handler;
  for (int i = 0; i < requests; ++i) {
    auto t0 = Clock::now();
    mb::admission::Answer a = mb::admission::validateBooster(body, {});
    handler.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (a.outcome != mb::admission::Answer::Outcome::Allowed) return 1;
  }
  row("validateBooster alone (in process)", stats(handler));
  server.stop();
  return 0;
}

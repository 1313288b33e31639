// Shared by the C++ integration tests: a client for the real control plane
// named by KUBECONFIG (scripts/testenv.sh env), and a fresh namespace per
// test, deleted afterwards.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "document/parse.h"
#include "kube/client.h"
#include "kube/factory.h"
#include "kube/rest_config.h"

namespace mb::kube::test {

inline RestConfig adminConfig() {
  const char* kubeconfig = std::getenv("KUBECONFIG");
  if (kubeconfig == nullptr || *kubeconfig == '\0') {
    ADD_FAILURE() << "KUBECONFIG is not set: start the control plane with scripts/testenv.sh up and "
                     "eval \"$(scripts/testenv.sh env)\"";
    return {};
  }
  auto config = loadConfig(LoadOptions{});
  if (!config) {
    ADD_FAILURE() << "cannot load KUBECONFIG: " << config.error().message;
    return {};
  }
  return *config;
}

inline document::Value json(std::string_view text) {
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(text, v, e)) << e.str() << "\n" << text;
  return v;
}

inline std::string str(const document::Value& v, std::initializer_list<const char*> path) {
  const document::Value* cur = &v;
  for (const char* p : path) {
    cur = cur->find(p);
    if (cur == nullptr) return {};
  }
  return cur->isString() || cur->isNumber() ? cur->text() : std::string();
}

// Polls `condition` until true or `timeout`.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

class KubeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = adminConfig();
    ASSERT_FALSE(config_.server.empty());
    client_ = makeClient(config_, base::RealClock::instance());
    std::random_device rd;
    ns_ = "mb-it-" + std::to_string(rd() % 1000000000);
    auto created =
        client_->create(resources::namespaces(), "",
                        json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + ns_ + "\"}}"));
    ASSERT_TRUE(created) << created.error().str();
  }
  void TearDown() override {
    if (client_ && !ns_.empty()) {
      (void)client_->remove(resources::namespaces(), "", ns_);
    }
  }

  RestConfig config_;
  std::unique_ptr<Client> client_;
  std::string ns_;
};

}  // namespace mb::kube::test

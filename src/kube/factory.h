// Builds the REST client from a loaded RestConfig.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "kube/client.h"
#include "kube/config.h"

namespace mb::kube {

struct ClientHooks {
  std::function<void()> throttle;                                    // client-side QPS limit
  std::function<void(const std::string& verb, int code)> onRequest;  // metrics
};

std::unique_ptr<Client> makeClient(const RestConfig& config, ClientHooks hooks = {});

}  // namespace mb::kube

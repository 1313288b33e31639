// Builds the REST client from a loaded RestConfig.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/metrics.h"
#include "kube/client.h"
#include "kube/rest_config.h"

namespace mb::kube {

struct ClientHooks {
  std::function<void()> throttle;                                    // client-side QPS limit
  std::function<void(const std::string& verb, int code)> onRequest;  // metrics
};

// `clock` times the re-reads of a token file.
std::unique_ptr<Client> makeClient(const RestConfig& config, base::Clock& clock, ClientHooks hooks = {});

// The usual hooks: a token bucket at config.qps/config.burst on `clock`
// (shared by all callers of the client) and
// rest_client_requests_total{verb,code} in `registry` (may be null).
ClientHooks standardHooks(const RestConfig& config, base::Registry* registry, base::Clock& clock);

}  // namespace mb::kube

#include "kube/factory.h"

#include "base/token_bucket.h"
#include "kube/client_impl.h"
#include "kube/token_source.h"

namespace mb::kube {

std::unique_ptr<Client> makeClient(const RestConfig& config, base::Clock& clock, ClientHooks hooks) {
  ClientOptions o;
  o.server = config.server;
  o.caPem = config.caPem;
  o.insecureSkipTlsVerify = config.insecureSkipTlsVerify;
  o.clientCertPem = config.clientCertPem;
  o.clientKeyPem = config.clientKeyPem;
  o.bearerToken = TokenSource::provider(config, clock);
  o.userAgent = config.userAgent;
  o.throttle = std::move(hooks.throttle);
  o.onRequest = std::move(hooks.onRequest);
  return std::make_unique<ClientImpl>(std::move(o));
}

}  // namespace mb::kube

namespace mb::kube {

ClientHooks standardHooks(const RestConfig& config, base::Registry* registry, base::Clock& clock) {
  ClientHooks hooks;
  auto bucket = std::make_shared<base::TokenBucket>(config.qps, config.burst, clock);
  hooks.throttle = [bucket] { bucket->wait(); };
  if (registry != nullptr) {
    base::Family* requests =
        &registry->counter("rest_client_requests_total",
                           "Requests to the API server, by verb and HTTP code (0: no response).", {"verb", "code"});
    hooks.onRequest = [requests](const std::string& verb, int code) {
      requests->counter({verb, std::to_string(code)}).inc();
    };
  }
  return hooks;
}

}  // namespace mb::kube

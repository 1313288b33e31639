#include "kube/factory.h"

#include "kube/client_impl.h"

namespace mb::kube {

std::unique_ptr<Client> makeClient(const RestConfig& config, ClientHooks hooks) {
  ClientOptions o;
  o.server = config.server;
  o.caPem = config.caPem;
  o.insecureSkipTlsVerify = config.insecureSkipTlsVerify;
  o.clientCertPem = config.clientCertPem;
  o.clientKeyPem = config.clientKeyPem;
  o.bearerToken = TokenSource::provider(config);
  o.userAgent = config.userAgent;
  o.throttle = std::move(hooks.throttle);
  o.onRequest = std::move(hooks.onRequest);
  return std::make_unique<ClientImpl>(std::move(o));
}

}  // namespace mb::kube

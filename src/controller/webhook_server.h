// The admission webhooks served by the controller: admission::validateBooster
// and admission::mutateBooster behind an http::TlsServer on --webhook-port,
// with the certificate files re-read when they change. Validation uses the
// manager's conversion options, so the serving-stack profile in force (and
// the ConfigMap's images) decide what is valid, exactly as in a reconcile.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/result.h"
#include "core/conversion_options.h"

namespace mb::http {
class TlsServer;
}

namespace mb::controller {

struct WebhookServerOptions {
  std::string address;   // ":8443"
  std::string certFile;  // --tls-cert-file
  std::string keyFile;   // --tls-private-key-file
};

class WebhookServer {
 public:
  WebhookServer(WebhookServerOptions options, base::Registry& registry, base::Clock& clock,
                std::function<core::ConversionOptions()> conversionOptions);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Loads the certificate and listens; the error names what failed.
  Result<Unit, std::string> start();
  void stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mb::controller

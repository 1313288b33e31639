#include "controller/webhook_server.h"

#include <map>
#include <utility>

#include "admission/webhooks.h"
#include "base/log.h"
#include "http/tls_server.h"

namespace mb::controller {

struct WebhookServer::Impl {
  Impl(WebhookServerOptions o, base::Registry& reg, base::Clock& clk, std::function<core::ConversionOptions()> conv)
      : options(std::move(o)),
        clock(clk),
        conversionOptions(std::move(conv)),
        admissions(reg.counter("modelbooster_webhook_admissions_total",
                               "Admission reviews answered, by webhook and outcome (allowed, denied, malformed)",
                               {"webhook", "outcome"})),
        latency(reg.histogram("controller_runtime_webhook_latency_seconds",
                              "Time to answer an admission review, from its last byte to the answer", {"webhook"},
                              {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1})) {}

  // Every answer is an AdmissionReview (200): a denial is not an HTTP error.
  http::HttpResponse answer(const char* webhook, base::TimePoint started, admission::Answer a) {
    admissions.counter({webhook, admission::outcomeName(a.outcome)}).inc();
    latency.histogram({webhook}).observe(std::chrono::duration<double>(clock.now() - started).count());
    if (a.outcome == admission::Answer::Outcome::Malformed) {
      base::logWarning("a malformed admission review was refused", {{"webhook", webhook}});
    }
    return http::HttpResponse{200, "application/json", std::move(a.body), {}};
  }

  WebhookServerOptions options;
  base::Clock& clock;
  std::function<core::ConversionOptions()> conversionOptions;
  base::Family& admissions;
  base::Family& latency;
  std::unique_ptr<http::TlsServer> server;  // after what its handlers use
};

WebhookServer::WebhookServer(WebhookServerOptions options, base::Registry& registry, base::Clock& clock,
                             std::function<core::ConversionOptions()> conversionOptions)
    : impl_(std::make_unique<Impl>(std::move(options), registry, clock, std::move(conversionOptions))) {
  http::TlsServerOptions o;
  o.address = impl_->options.address;
  o.certFile = impl_->options.certFile;
  o.keyFile = impl_->options.keyFile;
  o.registry = &registry;
  Impl* self = impl_.get();
  std::map<std::string, http::TlsServer::Handler> routes{
      {std::string(admission::kValidatePath),
       [self](const http::HttpRequest& r) {
         base::TimePoint started = self->clock.now();
         return self->answer("validate", started, admission::validateBooster(r.body, self->conversionOptions()));
       }},
      {std::string(admission::kMutatePath), [self](const http::HttpRequest& r) {
         base::TimePoint started = self->clock.now();
         return self->answer("mutate", started, admission::mutateBooster(r.body));
       }}};
  impl_->server = std::make_unique<http::TlsServer>(std::move(o), std::move(routes));
}

WebhookServer::~WebhookServer() = default;

Result<Unit, std::string> WebhookServer::start() {
  auto started = impl_->server->start();
  if (!started) return err(started.error());
  base::logInfo("serving the admission webhooks",
                {{"port", std::to_string(impl_->server->port())},
                 {"paths", std::string(admission::kValidatePath) + "," + std::string(admission::kMutatePath)},
                 {"certificate", impl_->options.certFile}});
  return Unit{};
}

void WebhookServer::stop() { impl_->server->stop(); }

int WebhookServer::port() const { return impl_->server->port(); }

}  // namespace mb::controller

// An HTTPS (HTTP/1.1 over TLS) server for the admission webhooks: the API
// server POSTs an AdmissionReview and waits (10 s by default) for the JSON
// answer, over keep-alive connections from Go's net/http client, verifying
// our certificate against the webhook's caBundle.
//
// One thread per connection, at most maxConnections of them (a connection
// beyond that is accepted and closed at once). A request must arrive whole
// within requestTimeout of its first byte (the first request of a
// connection: of the accept, handshake included), a keep-alive connection
// idle for idleTimeout is closed, so a slow or silent client costs one
// thread for a bounded time. The certificate files are re-read when they
// change (CertificateFiles), before each new connection.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/result.h"
#include "http/certificate_files.h"
#include "http/http_request.h"
#include "http/http_response.h"

namespace mb::http {

struct TlsServerOptions {
  // As HttpServer's: ":8443", "127.0.0.1:0" (any free port); "0" disables.
  std::string address = ":8443";
  std::string certFile;  // PEM chain, leaf first
  std::string keyFile;   // PEM private key
  size_t maxBodyBytes = size_t{8} * 1024 * 1024;
  size_t maxConnections = 64;
  base::Duration idleTimeout = std::chrono::seconds(30);
  base::Duration requestTimeout = std::chrono::seconds(5);
  // When set: controller_runtime_webhook_requests_total{webhook,code} and
  // modelbooster_webhook_{tls_handshake_failures,connections_rejected,
  // connection_errors{reason},certificate_reloads{result}}_total.
  base::Registry* registry = nullptr;
  CertificateFilesOptions certificates;  // the stat and clock seams
};

class TlsServer {
 public:
  // Called on the connection's thread; may run concurrently with itself.
  // An exception is answered with 500 (and logged).
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Counters since construction, also without a registry.
  struct Stats {
    uint64_t connectionsAccepted = 0;  // served by a thread
    uint64_t connectionsRejected = 0;  // closed at once: maxConnections reached
    uint64_t handshakeFailures = 0;
    uint64_t clientResets = 0;     // reset, TLS error or end of stream inside a request
    uint64_t requestTimeouts = 0;  // a request not complete within requestTimeout
    uint64_t requests = 0;         // answered, errors included
    uint64_t certificateReloads = 0;
    uint64_t certificateReloadFailures = 0;  // once per distinct change of the files
    uint64_t activeConnections = 0;
  };

  // `routes`: path -> handler for POST. Another method on a known path is
  // 405 (Allow: POST), an unknown path 404; a malformed request 400 (or
  // 411, 413, 414, 431, 501, 505) and the connection is closed.
  TlsServer(TlsServerOptions options, std::map<std::string, Handler> routes);
  ~TlsServer();  // stop()
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // Loads the certificate (the error names the file and OpenSSL's reason),
  // binds and starts accepting on a background thread.
  Result<Unit, std::string> start();
  // Closes the listener, ends every open connection at its next wait (a
  // handler already running is waited for), joins every thread. Idempotent.
  void stop();

  int port() const { return port_; }
  bool disabled() const { return options_.address == "0"; }
  Stats stats() const;
  // Blocks until exactly `n` connection threads are running: lets a test
  // read final counts of connections it has ended.
  void awaitActiveConnectionsForTest(size_t n);

 private:
  struct Connection {
    std::thread thread;
    bool finished = false;  // guarded by mu_
  };
  struct Metrics;

  void acceptLoop();
  void reapFinished();
  void finished(std::list<Connection>::iterator connection);
  void serveConnection(int fd, base::TimePoint acceptedAt);
  HttpResponse dispatch(const HttpRequest& request);
  void noteCertificates(const CertificateFiles::Current& current);
  void countRequest(const std::string& path, int status);

  TlsServerOptions options_;
  std::map<std::string, Handler> routes_;
  CertificateFiles certificates_;
  std::unique_ptr<Metrics> metrics_;

  int listenFd_ = -1;
  int port_ = 0;
  // Written once by stop() and never drained: every wait polls its read end.
  int stopPipe_[2] = {-1, -1};
  // A connection thread that ends writes a byte, for the accept loop to join it.
  int reapPipe_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::mutex stopMu_;  // serializes start() and stop()
  std::thread acceptThread_;

  std::mutex mu_;
  std::list<Connection> connections_;  // guarded by mu_
  size_t active_ = 0;                  // guarded by mu_: connection threads not yet finished
  std::condition_variable activeChanged_;

  std::atomic<uint64_t> accepted_{0}, rejected_{0}, handshakeFailures_{0}, resets_{0}, timeouts_{0}, requests_{0},
      reloads_{0}, reloadFailures_{0}, activeGauge_{0};
};

}  // namespace mb::http

// A small HTTP/1.1 server for /metrics, /healthz and /readyz: GET only, one
// request per connection, bounded request size and read time, so a
// misbehaving scraper cannot hold a worker. Not for untrusted traffic at
// volume (the admission webhook gets its own TLS server).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "base/result.h"
#include "http/http_response.h"

namespace mb::http {

class HttpServer {
 public:
  using Handler = std::function<HttpResponse()>;

  // `address` as in controller flags: ":8080", "127.0.0.1:8080", ":0" (any
  // free port), or "0" to disable.
  HttpServer(std::string address, std::map<std::string, Handler> routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on a background thread.
  Result<Unit, std::string> start();
  void stop();
  int port() const { return port_; }
  bool disabled() const { return address_ == "0"; }

 private:
  void serve();
  void handle(int fd);

  std::string address_;
  std::map<std::string, Handler> routes_;
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mb::http

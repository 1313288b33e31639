#include "http/http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "http/listen_address.h"

namespace mb::http {
namespace {

void writeAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

HttpServer::HttpServer(std::string address, std::map<std::string, Handler> routes)
    : address_(std::move(address)), routes_(std::move(routes)) {}

HttpServer::~HttpServer() { stop(); }

Result<Unit, std::string> HttpServer::start() {
  if (disabled()) return Unit{};
  auto listener = listenOn(address_, 64);
  if (!listener) return err(std::move(listener).error());
  listenFd_ = listener->fd;
  port_ = listener->port;
  thread_ = std::thread([this] { serve(); });
  return Unit{};
}

void HttpServer::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listenFd_ >= 0) {
    ::close(listenFd_);
    listenFd_ = -1;
  }
}

void HttpServer::serve() {
  while (!stop_) {
    pollfd p{listenFd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;  // wake up to notice stop_
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval timeout{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    handle(fd);
    ::close(fd);
  }
}

void HttpServer::handle(int fd) {
  std::string request;
  char buf[1024];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  size_t lineEnd = request.find("\r\n");
  std::string line = request.substr(0, lineEnd);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return;
  std::string method = line.substr(0, sp1);
  std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));
  HttpResponse response;
  auto route = routes_.find(path);
  if (route == routes_.end()) {
    response = HttpResponse{404, "text/plain; charset=utf-8", "not found\n"};
  } else if (method != "GET" && method != "HEAD") {
    response = HttpResponse{405, "text/plain; charset=utf-8", "GET only\n"};
  } else {
    response = route->second();
  }
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + reasonPhrase(response.status) +
                     "\r\nContent-Type: " + response.contentType +
                     "\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n";
  writeAll(fd, head + (method == "HEAD" ? std::string() : response.body));
}

}  // namespace mb::http

#include "http/tls_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "base/log.h"
#include "http/listen_address.h"

namespace mb::http {
namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = base::TimePoint;

// Bodies up to this size go out in one TLS record with the head: copying a
// few KiB costs less than a second record and packet.
constexpr size_t kInlineBodyBytes = 4096;
// After an error answer the client may still be sending the request we
// refused; reading (and dropping) it for a while before closing keeps the
// kernel from answering it with a reset that could destroy our answer.
constexpr auto kMaxDrainTime = std::chrono::seconds(1);
constexpr size_t kMaxDrainBytes = size_t{256} * 1024;

// ---------------------------------------------------------------- BIO --
//
// SIGPIPE: writing to a socket the peer has reset raises SIGPIPE, whose
// default action ends the process. A library may not change the process's
// signal dispositions (signal(SIGPIPE, SIG_IGN) would change them for the
// whole controller), and blocking SIGPIPE per thread with pthread_sigmask
// leaves the signal pending on a thread that may later unblock it. OpenSSL's
// socket BIO writes with write(2), so connections get this BIO instead: the
// same as a socket BIO, but it sends with send(MSG_NOSIGNAL), which reports
// EPIPE without raising the signal, for this socket only.

struct SocketState {
  int fd = -1;
  bool eof = false;    // the peer ended its side (what BIO_eof reports)
  size_t bytesIn = 0;  // raw bytes received, handshake included
  int lastErrno = 0;
};

SocketState& socketOf(BIO* bio) { return *static_cast<SocketState*>(BIO_get_data(bio)); }

bool wouldBlock(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

int bioWrite(BIO* bio, const char* data, size_t len, size_t* written) {
  SocketState& s = socketOf(bio);
  BIO_clear_retry_flags(bio);
  ssize_t n = ::send(s.fd, data, len, MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<size_t>(n);
    return 1;
  }
  s.lastErrno = errno;
  if (wouldBlock(s.lastErrno)) BIO_set_retry_write(bio);
  return 0;
}

int bioRead(BIO* bio, char* data, size_t len, size_t* readBytes) {
  SocketState& s = socketOf(bio);
  BIO_clear_retry_flags(bio);
  ssize_t n = ::recv(s.fd, data, len, 0);
  if (n > 0) {
    s.bytesIn += static_cast<size_t>(n);
    *readBytes = static_cast<size_t>(n);
    return 1;
  }
  if (n == 0) {
    s.eof = true;
    return 0;
  }
  s.lastErrno = errno;
  if (wouldBlock(s.lastErrno)) BIO_set_retry_read(bio);
  return 0;
}

long bioCtrl(BIO* bio, int cmd, long /*num*/, void* /*ptr*/) {  // NOLINT(google-runtime-int): OpenSSL's signature
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;  // send(2) does not buffer
    case BIO_CTRL_EOF:
      return socketOf(bio).eof ? 1 : 0;
    default:
      return 0;
  }
}

BIO_METHOD* noSignalSocketMethod() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mb socket (MSG_NOSIGNAL)");
    if (m == nullptr) return m;
    BIO_meth_set_write_ex(m, bioWrite);
    BIO_meth_set_read_ex(m, bioRead);
    BIO_meth_set_ctrl(m, bioCtrl);
    return m;
  }();
  return method;
}

std::string opensslError(int lastErrno) {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : "OpenSSL error " + std::to_string(ERR_GET_REASON(e));
  }
  if (out.empty()) out = lastErrno != 0 ? std::strerror(lastErrno) : "connection closed";
  return out;
}

// -------------------------------------------------------- connection --

enum class Io {
  Ok,
  Closed,   // the peer ended the stream (close_notify or end of TCP stream)
  Timeout,  // the deadline passed
  Stopped,  // the server is stopping
  Failed,   // reset, TLS error
};

// One accepted socket and its TLS state. Every wait polls the socket and the
// server's stop pipe, so stop() ends it at its next wait.
class Session {
 public:
  Session(int fd, int stopFd) : stopFd_(stopFd) { socket_.fd = fd; }
  ~Session() {
    if (ssl_ != nullptr) SSL_free(ssl_);  // frees the BIO too
    ::close(socket_.fd);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool attach(SSL_CTX* ctx) {
    BIO_METHOD* method = noSignalSocketMethod();
    if (method == nullptr) return false;
    ssl_ = SSL_new(ctx);
    if (ssl_ == nullptr) return false;
    BIO* bio = BIO_new(method);
    if (bio == nullptr) return false;
    BIO_set_data(bio, &socket_);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl_, bio, bio);
    SSL_set_accept_state(ssl_);
    return true;
  }

  Io handshake(TimePoint deadline) {
    return drive([this] { return SSL_do_handshake(ssl_); }, deadline);
  }

  Result<size_t, Io> read(char* buf, size_t cap, TimePoint deadline) {
    size_t n = 0;
    Io io = drive([&] { return SSL_read_ex(ssl_, buf, cap, &n); }, deadline);
    if (io != Io::Ok) return err(io);
    return n;
  }

  Io write(std::string_view data, TimePoint deadline) {
    while (!data.empty()) {
      size_t n = 0;
      Io io = drive([&] { return SSL_write_ex(ssl_, data.data(), data.size(), &n); }, deadline);
      if (io != Io::Ok) return io;
      data.remove_prefix(n);
    }
    return Io::Ok;
  }

  // close_notify and FIN; with `drain`, then reads and drops what the client
  // still sends until it closes, `kMaxDrainBytes`, or `deadline`.
  void close(bool drain, TimePoint deadline) {
    if (!fatal_) {
      ERR_clear_error();
      SSL_shutdown(ssl_);  // sends close_notify; the peer's is not waited for
      ERR_clear_error();
    }
    ::shutdown(socket_.fd, SHUT_WR);
    if (!drain) return;
    std::array<char, 4096> sink{};
    size_t dropped = 0;
    while (dropped < kMaxDrainBytes) {
      ssize_t n = ::recv(socket_.fd, sink.data(), sink.size(), 0);
      if (n > 0) {
        dropped += static_cast<size_t>(n);
      } else if (n == 0 || !wouldBlock(errno) || wait(POLLIN, deadline) != Io::Ok) {
        return;
      }
    }
  }

  size_t bytesIn() const { return socket_.bytesIn; }
  const std::string& lastError() const { return lastError_; }

 private:
  Io wait(short events, TimePoint deadline) {
    while (true) {
      int timeoutMs = -1;
      if (deadline != TimePoint::max()) {
        auto now = SteadyClock::now();
        if (now >= deadline) return Io::Timeout;
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
        timeoutMs = static_cast<int>(std::min<decltype(ms)>(ms, INT_MAX));
      }
      std::array<pollfd, 2> fds{pollfd{socket_.fd, events, 0}, pollfd{stopFd_, POLLIN, 0}};
      int n = ::poll(fds.data(), fds.size(), timeoutMs);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Io::Failed;
      }
      if (fds[1].revents != 0) return Io::Stopped;
      if (fds[0].revents != 0) return Io::Ok;  // readable, writable, or an error the next call reports
    }
  }

  // Runs one OpenSSL call on the non-blocking socket until it completes,
  // waiting for the socket as it asks.
  template <class Call>
  Io drive(Call call, TimePoint deadline) {
    while (true) {
      ERR_clear_error();
      socket_.lastErrno = 0;
      int ret = call();
      if (ret == 1) return Io::Ok;
      Io waited = Io::Ok;
      switch (SSL_get_error(ssl_, ret)) {
        case SSL_ERROR_WANT_READ:
          waited = wait(POLLIN, deadline);
          break;
        case SSL_ERROR_WANT_WRITE:
          waited = wait(POLLOUT, deadline);
          break;
        case SSL_ERROR_ZERO_RETURN:
          return Io::Closed;
        default:
          fatal_ = true;
          lastError_ = opensslError(socket_.lastErrno);
          if (socket_.eof && socket_.lastErrno == 0 && ERR_peek_error() == 0) return Io::Closed;
          return Io::Failed;
      }
      if (waited != Io::Ok) return waited;
    }
  }

  SocketState socket_;
  int stopFd_;
  SSL* ssl_ = nullptr;
  bool fatal_ = false;  // after a fatal error SSL_shutdown must not be called
  std::string lastError_;
};

HttpResponse textResponse(int status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body)};
}

// The answer to a request that gets none from a handler, or nullopt.
std::optional<HttpResponse> routeError(const std::map<std::string, TlsServer::Handler>& routes,
                                       const HttpRequest& request) {
  if (!routes.contains(request.path)) return textResponse(404, "not found\n");
  if (request.method != "POST") {
    HttpResponse r = textResponse(405, "method not allowed: POST only\n");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  return std::nullopt;
}

}  // namespace

// ------------------------------------------------------------ metrics --

struct TlsServer::Metrics {
  explicit Metrics(base::Registry& r)
      : requests(r.counter("controller_runtime_webhook_requests_total",
                           "Webhook requests answered, by path and HTTP status code.", {"webhook", "code"})),
        handshakeFailures(r.counter("modelbooster_webhook_tls_handshake_failures_total",
                                    "Webhook connections whose TLS handshake failed.")
                              .counter({})),
        rejected(r.counter("modelbooster_webhook_connections_rejected_total",
                           "Webhook connections closed at once because the connection limit was reached.")
                     .counter({})),
        connectionErrors(r.counter("modelbooster_webhook_connection_errors_total",
                                   "Webhook connections ended by a client reset or a request timeout.", {"reason"})),
        reloads(r.counter("modelbooster_webhook_certificate_reloads_total",
                          "Reloads of the webhook's serving certificate after its files changed.", {"result"})) {}

  base::Family& requests;
  base::Counter& handshakeFailures;
  base::Counter& rejected;
  base::Family& connectionErrors;
  base::Family& reloads;
};

// ------------------------------------------------------------- server --

TlsServer::TlsServer(TlsServerOptions options, std::map<std::string, Handler> routes)
    : options_(std::move(options)),
      routes_(std::move(routes)),
      certificates_(options_.certFile, options_.keyFile, options_.certificates),
      metrics_(options_.registry != nullptr ? std::make_unique<Metrics>(*options_.registry) : nullptr) {}

TlsServer::~TlsServer() { stop(); }

Result<Unit, std::string> TlsServer::start() {
  std::lock_guard<std::mutex> lock(stopMu_);
  if (disabled()) return Unit{};
  if (acceptThread_.joinable() || stopping_)
    return err("the TLS server on " + options_.address + " was started before");
  auto loaded = certificates_.load();
  if (!loaded) return err(std::move(loaded).error());
  auto listener = listenOn(options_.address, 128, /*nonBlocking=*/true);
  if (!listener) return err(std::move(listener).error());
  if (::pipe2(stopPipe_, O_CLOEXEC) != 0 || ::pipe2(reapPipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::string why = std::strerror(errno);
    ::close(listener->fd);
    for (int* fd : {&stopPipe_[0], &stopPipe_[1], &reapPipe_[0], &reapPipe_[1]}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
    return err("cannot create the TLS server's pipes: " + why);
  }
  listenFd_ = listener->fd;
  port_ = listener->port;
  acceptThread_ = std::thread([this] { acceptLoop(); });
  return Unit{};
}

void TlsServer::stop() {
  std::lock_guard<std::mutex> lock(stopMu_);
  stopping_ = true;
  if (stopPipe_[1] >= 0) {
    char byte = 1;
    while (::write(stopPipe_[1], &byte, 1) < 0 && errno == EINTR) {
    }
  }
  if (acceptThread_.joinable()) acceptThread_.join();
  if (listenFd_ >= 0) {
    ::close(listenFd_);
    listenFd_ = -1;
  }
  // No thread adds connections now; each one sees the stop pipe at its next
  // wait. The list nodes keep their addresses across the swap.
  std::list<Connection> all;
  {
    std::lock_guard<std::mutex> connectionsLock(mu_);
    all.swap(connections_);
  }
  for (Connection& c : all) c.thread.join();
  for (int* fd : {&stopPipe_[0], &stopPipe_[1], &reapPipe_[0], &reapPipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

TlsServer::Stats TlsServer::stats() const {
  Stats s;
  s.connectionsAccepted = accepted_.load();
  s.connectionsRejected = rejected_.load();
  s.handshakeFailures = handshakeFailures_.load();
  s.clientResets = resets_.load();
  s.requestTimeouts = timeouts_.load();
  s.requests = requests_.load();
  s.certificateReloads = reloads_.load();
  s.certificateReloadFailures = reloadFailures_.load();
  s.activeConnections = activeGauge_.load();
  return s;
}

void TlsServer::awaitActiveConnectionsForTest(size_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  activeChanged_.wait(lock, [&] { return active_ == n; });
}

void TlsServer::acceptLoop() {
  while (true) {
    std::array<pollfd, 3> fds{pollfd{listenFd_, POLLIN, 0}, pollfd{stopPipe_[0], POLLIN, 0},
                              pollfd{reapPipe_[0], POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      base::logError("webhook server: poll failed; no longer accepting", {{"error", std::strerror(errno)}});
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[2].revents != 0) reapFinished();
    if (fds[0].revents == 0) continue;
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors or memory: the listener stays readable, so back
        // off (still woken by stop()) rather than spin.
        pollfd stopFd{stopPipe_[0], POLLIN, 0};
        if (::poll(&stopFd, 1, 100) > 0) return;
      }
      continue;  // EAGAIN, ECONNABORTED, EINTR: the client is gone
    }
    const TimePoint acceptedAt = SteadyClock::now();
    std::lock_guard<std::mutex> lock(mu_);
    if (active_ >= options_.maxConnections) {
      // Counted before the close: the client sees the close, and whoever it
      // tells must find the count already there.
      ++rejected_;
      if (metrics_) metrics_->rejected.inc();
      ::close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto it = connections_.emplace(connections_.end());
    try {
      // The thread marks itself finished under mu_, so not before this
      // assignment is done.
      it->thread = std::thread([this, fd, acceptedAt, it] {
        try {
          serveConnection(fd, acceptedAt);
        } catch (const std::exception& e) {
          base::logError("webhook connection failed", {{"error", e.what()}});
        }
        finished(it);
      });
    } catch (const std::system_error& e) {
      connections_.erase(it);
      ++rejected_;
      if (metrics_) metrics_->rejected.inc();
      ::close(fd);
      base::logError("webhook server: cannot start a connection thread", {{"error", e.what()}});
      continue;
    }
    ++active_;
    ++accepted_;
    ++activeGauge_;
  }
}

void TlsServer::finished(std::list<Connection>::iterator connection) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    connection->finished = true;
    --active_;
    --activeGauge_;
  }
  activeChanged_.notify_all();
  char byte = 1;
  // A full pipe already has the accept loop's attention.
  while (::write(reapPipe_[1], &byte, 1) < 0 && errno == EINTR) {
  }
}

void TlsServer::reapFinished() {
  std::array<char, 64> drain{};
  while (::read(reapPipe_[0], drain.data(), drain.size()) > 0) {
  }
  std::list<Connection> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      if (it->finished) done.splice(done.end(), connections_, it);
      it = next;
    }
  }
  for (Connection& c : done) c.thread.join();
}

void TlsServer::noteCertificates(const CertificateFiles::Current& current) {
  switch (current.event) {
    case CertificateFiles::Event::None:
      return;
    case CertificateFiles::Event::Reloaded:
      ++reloads_;
      if (metrics_) metrics_->reloads.counter({"success"}).inc();
      base::logInfo(current.message);
      return;
    case CertificateFiles::Event::ReloadFailed:
      ++reloadFailures_;
      if (metrics_) metrics_->reloads.counter({"failure"}).inc();
      base::logWarning(current.message);
      return;
  }
}

void TlsServer::countRequest(const std::string& path, int status) {
  ++requests_;
  if (!metrics_) return;
  // Only the routes' paths as label values: any other path is a client's
  // choice, and label values are series.
  const std::string& label = routes_.contains(path) ? path : std::string("other");
  metrics_->requests.counter({label, std::to_string(status)}).inc();
}

HttpResponse TlsServer::dispatch(const HttpRequest& request) {
  if (auto early = routeError(routes_, request)) return std::move(*early);
  try {
    return routes_.find(request.path)->second(request);
  } catch (const std::exception& e) {
    base::logError("webhook handler threw", {{"path", request.path}, {"error", e.what()}});
  } catch (...) {
    base::logError("webhook handler threw", {{"path", request.path}});
  }
  return textResponse(500, "internal error\n");
}

void TlsServer::serveConnection(int fd, TimePoint acceptedAt) {
  Session session(fd, stopPipe_[0]);
  CertificateFiles::Current current = certificates_.current();
  noteCertificates(current);
  if (!current.context || !session.attach(current.context.get())) return;

  const auto requestTimeout = options_.requestTimeout;
  // The first request, handshake included, within requestTimeout of the accept.
  TimePoint deadline = acceptedAt + requestTimeout;
  switch (session.handshake(deadline)) {
    case Io::Ok:
      break;
    case Io::Stopped:
      return;
    case Io::Closed:
    case Io::Timeout:
    case Io::Failed:
      // A client that connects and closes without a byte (a TCP probe) did
      // not fail a handshake.
      if (session.bytesIn() > 0) {
        ++handshakeFailures_;
        if (metrics_) metrics_->handshakeFailures.inc();
        base::logDebug("webhook TLS handshake failed", {{"error", session.lastError()}});
      }
      return;
  }

  auto connectionError = [&](const char* reason, std::atomic<uint64_t>& counter) {
    ++counter;
    if (metrics_) metrics_->connectionErrors.counter({reason}).inc();
  };
  auto answerAndClose = [&](const HttpResponse& response, bool drain) {
    const auto now = SteadyClock::now();
    std::string head = responseHead(response, /*close=*/true);
    head += response.body;  // error answers are short
    if (session.write(head, now + requestTimeout) == Io::Ok) {
      session.close(drain, now + std::min<base::Duration>(requestTimeout, kMaxDrainTime));
    }
  };

  RequestParser parser(RequestLimits{.maxBodyBytes = options_.maxBodyBytes});
  // Bytes go from the socket into `buffer`, and from there once into the
  // request (its body included). `unread` is the part of `buffer` not fed
  // yet: what follows a request that ended inside one read (pipelining) is
  // fed from there after the answer, not copied aside.
  std::array<char, size_t{16} * 1024> buffer{};
  std::string_view unread;
  bool firstRequest = true;
  TimePoint idleSince = acceptedAt;
  while (true) {
    bool continued = false;
    while (!parser.complete()) {
      if (unread.empty()) {
        const bool idle = !parser.started() && !firstRequest;
        auto got = session.read(buffer.data(), buffer.size(), idle ? idleSince + options_.idleTimeout : deadline);
        if (!got) {
          switch (got.error()) {
            case Io::Timeout:
              if (idle) break;  // an idle keep-alive connection: closed quietly
              connectionError("request_timeout", timeouts_);
              if (parser.started()) answerAndClose(textResponse(408, "request not complete in time\n"), false);
              break;
            case Io::Closed:
              if (parser.started()) connectionError("reset", resets_);
              break;
            case Io::Failed:
              connectionError("reset", resets_);
              break;
            case Io::Ok:
            case Io::Stopped:
              break;
          }
          return;
        }
        unread = std::string_view(buffer.data(), *got);
      }
      if (!parser.started() && !firstRequest) deadline = SteadyClock::now() + requestTimeout;
      auto fed = parser.feed(unread);
      if (!fed) {
        const RequestError& e = fed.error();
        countRequest(parser.request().path, e.status());
        answerAndClose(textResponse(e.status(), std::string(reasonPhrase(e.status())) + ": " + e.message + "\n"), true);
        return;
      }
      unread.remove_prefix(*fed);
      const HttpRequest& partial = parser.request();
      if (!continued && partial.expectContinue && parser.headersComplete() && !parser.complete()) {
        // The client waits for a word before sending the body: refuse now
        // what would be refused anyway, or ask for the body.
        if (auto early = routeError(routes_, partial)) {
          countRequest(partial.path, early->status);
          answerAndClose(*early, true);
          return;
        }
        if (session.write("HTTP/1.1 100 Continue\r\n\r\n", deadline) != Io::Ok) return;
        continued = true;
      }
    }

    HttpRequest request = parser.take();
    HttpResponse response = dispatch(request);
    countRequest(request.path, response.status);
    const bool keepAlive = request.keepAlive && !stopping_;
    std::string head = responseHead(response, !keepAlive, keepAlive && request.minorVersion == 0);
    const TimePoint writeDeadline = SteadyClock::now() + requestTimeout;
    Io wrote = Io::Ok;
    if (response.body.size() <= kInlineBodyBytes) {
      head += response.body;
      wrote = session.write(head, writeDeadline);
    } else {
      wrote = session.write(head, writeDeadline);
      if (wrote == Io::Ok) wrote = session.write(response.body, writeDeadline);
    }
    if (wrote != Io::Ok) {
      if (wrote == Io::Failed || wrote == Io::Closed) connectionError("reset", resets_);
      return;
    }
    if (!keepAlive) {
      session.close(false, writeDeadline);
      return;
    }
    firstRequest = false;
    idleSince = SteadyClock::now();
  }
}

}  // namespace mb::http

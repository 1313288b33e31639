// Bind addresses as the controller flags spell them (":8080",
// "127.0.0.1:8443", "localhost:0"; port 0 for any free port) and the
// listening socket for one. Shared by HttpServer and TlsServer. IPv4 only.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace mb::http {

struct BindAddress {
  uint32_t ipv4 = 0;  // host byte order; 0 is INADDR_ANY
  uint16_t port = 0;
};

// "" and "0.0.0.0" are every interface, "localhost" is 127.0.0.1; the port
// is 0-65535 in decimal digits. The error quotes `address`.
Result<BindAddress, std::string> parseBindAddress(const std::string& address);

struct Listener {
  int fd = -1;   // the caller closes it
  int port = 0;  // the bound port (the one chosen when asked for 0)
};

// A TCP socket (close-on-exec, SO_REUSEADDR) bound to `address` and
// listening with `backlog`; non-blocking when `nonBlocking`.
Result<Listener, std::string> listenOn(const std::string& address, int backlog, bool nonBlocking = false);

}  // namespace mb::http

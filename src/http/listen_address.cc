#include "http/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace mb::http {

Result<BindAddress, std::string> parseBindAddress(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return err("bind address \"" + address + "\" must look like :8080 or 127.0.0.1:8080");
  }
  std::string host = address.substr(0, colon);
  std::string_view portText = std::string_view(address).substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (portText.empty() || ec != std::errc() || end != portText.data() + portText.size() || port > 65535) {
    return err("bind address \"" + address + "\" has no valid port");
  }
  BindAddress out;
  out.port = static_cast<uint16_t>(port);
  if (host.empty() || host == "0.0.0.0") {
    out.ipv4 = INADDR_ANY;
  } else if (host == "localhost") {
    out.ipv4 = INADDR_LOOPBACK;
  } else {
    in_addr parsed{};
    if (inet_pton(AF_INET, host.c_str(), &parsed) != 1) {
      return err("bind address \"" + address + "\": \"" + host + "\" is not an IPv4 address");
    }
    out.ipv4 = ntohl(parsed.s_addr);
  }
  return out;
}

Result<Listener, std::string> listenOn(const std::string& address, int backlog, bool nonBlocking) {
  auto parsed = parseBindAddress(address);
  if (!parsed) return err(std::move(parsed).error());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(parsed->port);
  addr.sin_addr.s_addr = htonl(parsed->ipv4);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return err(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||  // NOLINT
      ::listen(fd, backlog) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return err("cannot listen on " + address + ": " + why);
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);  // NOLINT
  return Listener{fd, ntohs(addr.sin_port)};
}

}  // namespace mb::http

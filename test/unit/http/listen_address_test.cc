// Bind addresses as the flags spell them, shared by both servers.
#include "http/listen_address.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

namespace mb::http {
namespace {

TEST(ListenAddressTest, ParsesHostAndPort) {
  auto any = parseBindAddress(":8443");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->ipv4, INADDR_ANY);
  EXPECT_EQ(any->port, 8443);
  auto loopback = parseBindAddress("127.0.0.1:0");
  ASSERT_TRUE(loopback.ok());
  EXPECT_EQ(loopback->ipv4, INADDR_LOOPBACK);
  EXPECT_EQ(loopback->port, 0);
  auto localhost = parseBindAddress("localhost:65535");
  ASSERT_TRUE(localhost.ok());
  EXPECT_EQ(localhost->ipv4, INADDR_LOOPBACK);
  EXPECT_EQ(localhost->port, 65535);
  auto all = parseBindAddress("0.0.0.0:80");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->ipv4, INADDR_ANY);
  auto other = parseBindAddress("10.1.2.3:1");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->ipv4, 0x0a010203u);
}

TEST(ListenAddressTest, RejectsWhatIsNotAnAddress) {
  for (const char* bad : {"8443", ":", ":x", ":80x", ": 80", ":-1", ":65536", ":99999999999", "host:80", "::1:80"}) {
    SCOPED_TRACE(bad);
    auto r = parseBindAddress(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find(bad), std::string::npos) << r.error();
  }
}

TEST(ListenAddressTest, ListensOnAFreePort) {
  auto l = listenOn("127.0.0.1:0", 8);
  ASSERT_TRUE(l.ok()) << l.error();
  EXPECT_GT(l->port, 0);
  auto taken = listenOn("127.0.0.1:" + std::to_string(l->port), 8);
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().find("cannot listen on 127.0.0.1:"), std::string::npos) << taken.error();
  ::close(l->fd);
}

}  // namespace
}  // namespace mb::http

#include "http/dns_resolver.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "testing/dns_server.h"
#include "testing/fakes.h"

namespace cairn::http {
namespace {

using ::cairn::testing::DnsTestServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class DnsResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CAIRN_ASSERT_OK_AND_ASSIGN(dns_, DnsTestServer::Start());
    CAIRN_ASSERT_OK_AND_ASSIGN(resolver_, DnsResolver::Create({.server = dns_->address()}));
  }

  std::unique_ptr<DnsTestServer> dns_;
  std::unique_ptr<DnsResolver> resolver_;
};

TEST_F(DnsResolverTest, TxtRecords) {
  dns_->AddTxt("_acme-challenge.example.test", "first");
  dns_->AddTxt("_acme-challenge.example.test", "second");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto records, resolver_->LookupTxt("_acme-challenge.example.test"));
  EXPECT_THAT(records, UnorderedElementsAre("first", "second"));
}

TEST_F(DnsResolverTest, TxtRecordOfSeveralStringsIsConcatenated) {
  dns_->AddTxtStrings("multi.test", {"abc", "def", "ghi"});
  dns_->AddTxt("multi.test", "other");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto records, resolver_->LookupTxt("multi.test"));
  EXPECT_THAT(records, UnorderedElementsAre("abcdefghi", "other"));
}

TEST_F(DnsResolverTest, LongTxtRecordOverTcp) {
  // 6 x 300 bytes: over 512 bytes, so the UDP answer is truncated and c-ares retries on TCP.
  std::vector<std::string> want;
  for (char c = 'a'; c < 'g'; ++c) {
    want.push_back(std::string(300, c));
    dns_->AddTxt("long.test", want.back());
  }
  CAIRN_ASSERT_OK_AND_ASSIGN(auto records, resolver_->LookupTxt("long.test"));
  EXPECT_THAT(records, ::testing::UnorderedElementsAreArray(want));
}

TEST_F(DnsResolverTest, NameIsCaseInsensitiveAndMayEndWithADot) {
  dns_->AddTxt("example.test", "v");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto records, resolver_->LookupTxt("Example.TEST."));
  EXPECT_THAT(records, ElementsAre("v"));
  EXPECT_THAT(dns_->queries(), ElementsAre("Example.TEST TXT"));
}

TEST_F(DnsResolverTest, Addresses) {
  dns_->AddA("host.test", "127.0.0.1");
  dns_->AddA("host.test", "192.0.2.7");
  dns_->AddAaaa("host.test", "2001:db8::1");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto addrs, resolver_->LookupAddresses("host.test"));
  EXPECT_THAT(addrs, ElementsAre("127.0.0.1", "192.0.2.7", "2001:db8::1"));
}

TEST_F(DnsResolverTest, OnlyOneFamilyIsEnough) {
  dns_->AddAaaa("v6.test", "::1");
  dns_->AddA("v4.test", "10.1.2.3");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto v6, resolver_->LookupAddresses("v6.test"));
  EXPECT_THAT(v6, ElementsAre("::1"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto v4, resolver_->LookupAddresses("v4.test"));
  EXPECT_THAT(v4, ElementsAre("10.1.2.3"));
}

TEST_F(DnsResolverTest, CnamesAreFollowed) {
  dns_->AddCname("www.test", "mid.test");
  dns_->AddCname("mid.test", "real.test");
  dns_->AddA("real.test", "127.0.0.9");
  dns_->AddCname("_acme-challenge.alias.test", "_acme-challenge.delegated.test");
  dns_->AddTxt("_acme-challenge.delegated.test", "delegated");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto addrs, resolver_->LookupAddresses("www.test"));
  EXPECT_THAT(addrs, ElementsAre("127.0.0.9"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto txt, resolver_->LookupTxt("_acme-challenge.alias.test"));
  EXPECT_THAT(txt, ElementsAre("delegated"));
}

TEST_F(DnsResolverTest, NxdomainIsNotFoundNamingNameAndType) {
  auto txt = resolver_->LookupTxt("missing.test");
  EXPECT_EQ(txt.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(txt.status().message(), HasSubstr("no TXT records for missing.test"));
  EXPECT_THAT(txt.status().message(), HasSubstr("NXDOMAIN"));

  auto addrs = resolver_->LookupAddresses("missing.test");
  EXPECT_EQ(addrs.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(addrs.status().message(), HasSubstr("no A/AAAA records for missing.test"));
}

TEST_F(DnsResolverTest, NoDataIsNotFound) {
  dns_->AddA("host.test", "127.0.0.1");
  dns_->AddTxt("txt-only.test", "x");
  auto txt = resolver_->LookupTxt("host.test");
  EXPECT_EQ(txt.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(txt.status().message(), HasSubstr("no TXT records for host.test"));
  EXPECT_THAT(txt.status().message(), ::testing::Not(HasSubstr("NXDOMAIN")));
  auto addrs = resolver_->LookupAddresses("txt-only.test");
  EXPECT_EQ(addrs.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(addrs.status().message(), HasSubstr("no A/AAAA records for txt-only.test"));
}

TEST_F(DnsResolverTest, RefusedAndServfailAreUnavailable) {
  dns_->AddTxt("example.test", "v");
  for (auto mode : {DnsTestServer::Mode::kRefuse, DnsTestServer::Mode::kServfail}) {
    dns_->SetMode(mode);
    auto txt = resolver_->LookupTxt("example.test");
    EXPECT_EQ(txt.status().code(), StatusCode::kUnavailable) << txt.status();
    EXPECT_THAT(txt.status().message(),
                HasSubstr(mode == DnsTestServer::Mode::kRefuse ? "REFUSED" : "SERVFAIL"));
    auto addrs = resolver_->LookupAddresses("example.test");
    EXPECT_EQ(addrs.status().code(), StatusCode::kUnavailable) << addrs.status();
  }
}

TEST_F(DnsResolverTest, SilentServerTimesOut) {
  dns_->AddTxt("example.test", "v");
  dns_->SetMode(DnsTestServer::Mode::kDrop);
  CAIRN_ASSERT_OK_AND_ASSIGN(
      auto resolver,
      DnsResolver::Create(
          {.server = dns_->address(), .timeout = std::chrono::milliseconds(300), .tries = 2}));
  auto txt = resolver->LookupTxt("example.test");
  EXPECT_EQ(txt.status().code(), StatusCode::kDeadlineExceeded) << txt.status();
  EXPECT_THAT(txt.status().message(), HasSubstr("timed out"));
  auto addrs = resolver->LookupAddresses("example.test");
  EXPECT_EQ(addrs.status().code(), StatusCode::kDeadlineExceeded) << addrs.status();
  EXPECT_GE(dns_->queries().size(), 3u);  // TXT, A, AAAA, at least once each
}

TEST_F(DnsResolverTest, NothingListeningIsUnavailable) {
  // Take a free UDP port and release it: nothing answers there (ICMP port unreachable).
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  CAIRN_ASSERT_OK_AND_ASSIGN(
      auto resolver,
      DnsResolver::Create({.server = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port)),
                           .timeout = std::chrono::seconds(2)}));
  auto txt = resolver->LookupTxt("example.test");
  EXPECT_FALSE(txt.ok());
  EXPECT_TRUE(txt.status().code() == StatusCode::kUnavailable ||
              txt.status().code() == StatusCode::kDeadlineExceeded)
      << txt.status();
}

TEST_F(DnsResolverTest, MalformedNamesAreRejectedWithoutAQuery) {
  for (std::string name :
       {std::string(""), std::string("."), std::string("a..b"), std::string("has space.test"),
        std::string("*.example.test"), std::string(64, 'a') + ".test", std::string("x\0y", 3),
        std::string(250, 'a') + ".test"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(resolver_->LookupTxt(name).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(resolver_->LookupAddresses(name).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(dns_->queries().empty());
}

TEST(DnsResolverCreateTest, ServerForms) {
  for (std::string ok : {"127.0.0.1", "127.0.0.1:5353", "[::1]:53", "[::1]", "::1", ""}) {
    SCOPED_TRACE(ok);
    CAIRN_EXPECT_OK(DnsResolver::Create({.server = ok}));
  }
  for (std::string bad : {"localhost:53", "dns.example:53", "127.0.0.1:0", "127.0.0.1:65536",
                          "127.0.0.1:", "127.0.0.1:x", "[::1", "[::1]x", "[::1]:", "1.2.3"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(DnsResolver::Create({.server = bad}).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(DnsResolver::Create({.timeout = Duration::zero()}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DnsResolver::Create({.tries = 0}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DnsResolverTest, ConcurrentLookupsOnOneResolver) {
  for (int i = 0; i < 8; ++i) {
    dns_->AddA("h" + std::to_string(i) + ".test", "127.0.0." + std::to_string(i + 1));
  }
  std::vector<std::thread> threads;
  std::vector<std::string> got(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto addrs = resolver_->LookupAddresses("h" + std::to_string(i) + ".test");
      if (addrs.ok() && addrs->size() == 1) got[i] = (*addrs)[0];
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(got[i], "127.0.0." + std::to_string(i + 1));
}

}  // namespace
}  // namespace cairn::http

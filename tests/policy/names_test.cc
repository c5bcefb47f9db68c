#include "policy/names.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn::policy {
namespace {

TEST(IpAddressTest, ParsesAndFormatsLikeGo) {
  const struct {
    std::string in, want;
    bool v4;
  } cases[] = {
      {"1.2.3.4", "1.2.3.4", true},
      {"::ffff:1.2.3.4", "1.2.3.4", true},  // IPv4-mapped is IPv4
      {"::FFFF:10.0.0.1", "10.0.0.1", true},
      {"2001:DB8::1", "2001:db8::1", false},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", false},     // first longest run
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", false},  // no "::" for one group
      {"::", "::", false},
      {"::1", "::1", false},
      {"1::", "1::", false},
      {"::1.2.3.4", "::102:304", false},  // IPv4-compatible is plain IPv6 in Go
      {"64:ff9b::192.0.2.129", "64:ff9b::c000:281", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto ip = ParseIpAddress(c.in);
    ASSERT_TRUE(ip.has_value());
    EXPECT_EQ(ip->v4, c.v4);
    EXPECT_EQ(ip->ToString(), c.want);
  }
  for (const std::string& bad :
       std::vector<std::string>{"", "1.2.3", "01.2.3.4", "1.2.3.256", "fe80::1%eth0", "[::1]",
                                "1.2.3.4 ", "example.com", std::string("1.2.3.4\0x", 9)}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseIpAddress(bad).has_value());
  }
}

TEST(IpNetworkTest, ParsesCidrsAndContains) {
  const struct {
    std::string cidr, canonical;
  } cases[] = {
      {"10.0.0.1/8", "10.0.0.0/8"},
      {"2001:db8::1/32", "2001:db8::/32"},
      {"::ffff:10.0.0.0/104", "10.0.0.0/8"},  // IPv4-mapped range is an IPv4 range
      {"::ffff:0:0/96", "0.0.0.0/0"},
      {"::ffff:10.0.0.0/80", "::/80"},  // bytes 10-11 masked away: a plain IPv6 range
      {"0.0.0.0/0", "0.0.0.0/0"},
      {"10.0.0.0/008", "10.0.0.0/8"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.cidr);
    auto net = ParseCidr(c.cidr);
    ASSERT_TRUE(net.has_value());
    EXPECT_EQ(net->ToString(), c.canonical);
  }
  for (const std::string& bad :
       std::vector<std::string>{"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0", "::/129",
                                "10.0.0/8", "x/8", "10.0.0.0/8/8"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseCidr(bad).has_value());
  }

  auto v4 = ParseCidr("10.0.0.0/8");
  EXPECT_TRUE(v4->Contains(*ParseIpAddress("10.255.0.1")));
  EXPECT_TRUE(v4->Contains(*ParseIpAddress("::ffff:10.1.2.3")));
  EXPECT_FALSE(v4->Contains(*ParseIpAddress("11.0.0.1")));
  EXPECT_FALSE(ParseCidr("::/0")->Contains(*ParseIpAddress("1.2.3.4")));
  EXPECT_FALSE(ParseCidr("0.0.0.0/0")->Contains(*ParseIpAddress("::1")));
  EXPECT_TRUE(ParseCidr("2001:db8::/32")->Contains(*ParseIpAddress("2001:db8:ffff::1")));
  EXPECT_FALSE(ParseCidr("2001:db8::/32")->Contains(*ParseIpAddress("2001:db9::1")));

  EXPECT_EQ(ParseIpOrCidr("192.168.1.1")->ToString(), "192.168.1.1/32");
  EXPECT_EQ(ParseIpOrCidr("::ffff:192.168.1.1")->ToString(), "192.168.1.1/32");
  EXPECT_EQ(ParseIpOrCidr("2001:db8::1")->ToString(), "2001:db8::1/128");
  EXPECT_FALSE(ParseIpOrCidr("example.com").has_value());
}

TEST(SplitHostPortTest, MatchesGo) {
  EXPECT_EQ(SplitHostPort("host:80"), std::make_pair(std::string("host"), std::string("80")));
  EXPECT_EQ(SplitHostPort("[::1]:443"), std::make_pair(std::string("::1"), std::string("443")));
  EXPECT_EQ(SplitHostPort("host:"), std::make_pair(std::string("host"), std::string("")));
  EXPECT_FALSE(SplitHostPort("host").has_value());
  EXPECT_FALSE(SplitHostPort("a:b:c").has_value());
  EXPECT_FALSE(SplitHostPort("[::1]").has_value());
  EXPECT_FALSE(SplitHostPort("[::1]x:80").has_value());
}

TEST(ParseUrlTest, MatchesGoUrlParse) {
  const struct {
    std::string in;
    bool ok;
    std::string scheme, host;
  } cases[] = {
      {"https://www.example.com:8443/path?q#f", true, "https", "www.example.com:8443"},
      {"HTTPS://Example.COM", true, "https", "Example.COM"},
      {"spiffe://trust.example/ns/default/sa/x", true, "spiffe", "trust.example"},
      {"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", true, "urn", ""},
      {"mailto:joe@example.com", true, "mailto", ""},
      {"http://user:pw@host.example/", true, "http", "host.example"},
      {"http://[::1]:80/", true, "http", "[::1]:80"},
      {"host:8080", true, "host", ""},  // a scheme, like Go
      {"foo.example.com", true, "", ""},
      {"//host.example/x", true, "", "host.example"},
      {"http://host:port/", false, "", ""},
      {"http://a b/", false, "", ""},
      {"http://[1.2.3.4]/", false, "", ""},
      {"http://[::1/", false, "", ""},
      {"1http://x", false, "", ""},  // no scheme, colon in first segment
      {"://x", false, "", ""},
      {"http://x/%zz", false, "", ""},
      {"http://x/\n", false, "", ""},
      {"http://b%41d.com/", false, "", ""},  // %-escapes in a host only for non-ASCII
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto url = ParseUrl(c.in);
    ASSERT_EQ(url.has_value(), c.ok);
    if (!c.ok) continue;
    EXPECT_EQ(url->scheme, c.scheme);
    EXPECT_EQ(url->host, c.host);
  }
}

TEST(ClassifyNameTest, MatchesStepSplitSans) {
  EXPECT_EQ(ClassifyName("1.2.3.4"), NameKind::kIp);
  EXPECT_EQ(ClassifyName("::1"), NameKind::kIp);
  EXPECT_EQ(ClassifyName("https://example.com"), NameKind::kUri);
  EXPECT_EQ(ClassifyName("mailto:a@example.com"), NameKind::kUri);
  EXPECT_EQ(ClassifyName("host:8080"), NameKind::kUri);
  EXPECT_EQ(ClassifyName("a@example.com"), NameKind::kEmail);
  EXPECT_EQ(ClassifyName("user@host:22"), NameKind::kEmail);
  EXPECT_EQ(ClassifyName("www.example.com"), NameKind::kDns);
  EXPECT_EQ(ClassifyName("My Service"), NameKind::kDns);
  EXPECT_EQ(ClassifyName("*.example.com"), NameKind::kDns);
}

TEST(ParseMailboxTest, MatchesGoRfc2821Parser) {
  auto plain = ParseMailbox("john.doe+tag@example.com");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->local, "john.doe+tag");
  EXPECT_EQ(plain->domain, "example.com");
  auto quoted = ParseMailbox("\"john doe\"@example.com");
  ASSERT_TRUE(quoted.has_value());
  EXPECT_EQ(quoted->local, "john doe");
  auto escaped = ParseMailbox("jo\\@hn@example.com");
  ASSERT_TRUE(escaped.has_value());
  EXPECT_EQ(escaped->local, "jo@hn");
  auto no_domain = ParseMailbox("john@");
  ASSERT_TRUE(no_domain.has_value());
  EXPECT_EQ(no_domain->domain, "");
  for (std::string bad :
       {"", "@example.com", "john", ".john@x.com", "john.@x.com", "jo..hn@x.com", "john@x.com.",
        "john@a..b", "bücher@example.com", "john@例.jp", "\"unterminated@x.com"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseMailbox(bad).has_value());
  }
}

TEST(ReverseLabelsTest, MatchesGo) {
  auto labels = ReverseLabels("foo.example.com");
  ASSERT_TRUE(labels.has_value());
  EXPECT_EQ(*labels, (std::vector<std::string_view>{"com", "example", "foo"}));
  auto leading = ReverseLabels(".example.com");  // a leading dot yields no label
  ASSERT_TRUE(leading.has_value());
  EXPECT_EQ(leading->size(), 2u);
  EXPECT_TRUE(ReverseLabels("")->empty());
  EXPECT_FALSE(ReverseLabels("example.com.").has_value());
  EXPECT_FALSE(ReverseLabels(".").has_value());
  EXPECT_FALSE(ReverseLabels("a..b").has_value());
  EXPECT_FALSE(ReverseLabels("a b.com").has_value());
  EXPECT_FALSE(ReverseLabels("bücher.com").has_value());
}

TEST(GoQuoteTest, QuotesLikeStrconv) {
  EXPECT_EQ(GoQuote("abc"), "\"abc\"");
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("a\nb\t"), "\"a\\nb\\t\"");
  EXPECT_EQ(GoQuote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("bücher"), "\"bücher\"");
  EXPECT_EQ(GoQuote("\xff"), "\"\\xff\"");
}

}  // namespace
}  // namespace cairn::policy

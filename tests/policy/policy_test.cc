// Configuration parsing (ca.json "policy") and the SSH policy.

#include "policy/policy.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "testing/fakes.h"

namespace cairn::policy {
namespace {

using nlohmann::json;

TEST(PoliciesTest, AbsentOrEmptyMeansNoPolicy) {
  for (const char* text :
       {"null", "{}", R"({"x509": null, "ssh": null})", R"({"x509": {}, "ssh": {}})",
        R"({"x509": {"allow": {"dns": []}, "deny": {}}})",
        R"({"x509": {"allowWildcardNames": true}})",
        R"({"ssh": {"user": {"allow": {"principal": []}}, "host": null}})"}) {
    SCOPED_TRACE(text);
    CAIRN_ASSERT_OK_AND_ASSIGN(Policies p, Policies::FromJson(json::parse(text)));
    EXPECT_TRUE(p.empty());
    EXPECT_TRUE(p.x509.empty());
    EXPECT_TRUE(p.ssh.empty());
    CAIRN_EXPECT_OK(p.x509.Check(X509Names{.common_name = "x", .dns = {"*.anything"}}));
    CAIRN_EXPECT_OK(p.ssh.CheckUser({"root"}));
    CAIRN_EXPECT_OK(p.ssh.CheckHost({"host"}));
  }
}

TEST(PoliciesTest, ParsesBothParts) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Policies p, Policies::FromJson(json::parse(R"({
    "x509": {"allow": {"dns": ["*.example.com"]}},
    "ssh": {"user": {"allow": {"principal": ["alice"]}}}
  })")));
  EXPECT_FALSE(p.empty());
  CAIRN_EXPECT_OK(p.x509.Check(X509Names{.dns = {"www.example.com"}}));
  EXPECT_EQ(p.x509.Check(X509Names{.dns = {"www.example.org"}}).code(),
            StatusCode::kPermissionDenied);
  CAIRN_EXPECT_OK(p.ssh.CheckUser({"alice"}));
  EXPECT_EQ(p.ssh.CheckUser({"bob"}).message(), R"(principal name "bob" not allowed)");
}

TEST(PoliciesTest, KeysMatchCaseInsensitivelyAndUnknownKeysAreIgnored) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Policies p, Policies::FromJson(json::parse(R"({
    "X509": {"Allow": {"DNS": ["*.example.com"], "principal": ["ignored"], "extra": 1},
             "AllowWildcardNames": true},
    "comment": "ignored"
  })")));
  CAIRN_EXPECT_OK(p.x509.Check(X509Names{.dns = {"*.example.com"}}));
  EXPECT_EQ(p.x509.Check(X509Names{.dns = {"example.com"}}).code(), StatusCode::kPermissionDenied);
}

struct BadConfig {
  std::string x509;     // the "x509" object
  std::string message;  // exact expected message
};

TEST(X509PolicyConfigTest, RejectsBadEntriesNamingThem) {
  const std::vector<BadConfig> cases = {
      {R"({"allow": {"dns": ["*"]}})",
       R"(x509 policy: cannot parse permitted domain constraint "*": domain constraint "*" can not be converted to ASCII: idna: disallowed rune U+002A)"},
      {R"({"allow": {"dns": [""]}})",
       R"(x509 policy: cannot parse permitted domain constraint "": constraint "" can not be empty or white space string)"},
      {R"({"allow": {"dns": [".example.com"]}})",
       R"(x509 policy: cannot parse permitted domain constraint ".example.com": domain constraint ".example.com" with wildcard should start with *)"},
      {R"({"allow": {"dns": ["x.*.example.com"]}})",
       R"(x509 policy: cannot parse permitted domain constraint "x.*.example.com": domain constraint "x.*.example.com" can only have wildcard as starting character)"},
      {R"({"allow": {"dns": ["*xx.example.com"]}})",
       R"(x509 policy: cannot parse permitted domain constraint "*xx.example.com": wildcard character in domain constraint "*xx.example.com" can only be used to match (full) labels)"},
      {R"({"allow": {"dns": ["a..example.com"]}})",
       R"(x509 policy: cannot parse permitted domain constraint "a..example.com": domain constraint "a..example.com" cannot have empty labels)"},
      {R"({"deny": {"dns": ["example.com."]}})",
       R"(x509 policy: cannot parse excluded domain constraint "example.com.": cannot parse domain constraint "example.com.")"},
      {R"({"allow": {"dns": ["ok.example.com", "_bad.example.com"]}})",
       R"(x509 policy: cannot parse permitted domain constraint "_bad.example.com": domain constraint "_bad.example.com" can not be converted to ASCII: idna: disallowed rune U+005F)"},
      {R"({"allow": {"ip": ["10.0.0.0/33"]}})",
       R"(x509 policy: cannot parse permitted constraint "10.0.0.0/33" as IP nor CIDR)"},
      {R"({"deny": {"ip": ["not-an-ip"]}})",
       R"(x509 policy: cannot parse excluded constraint "not-an-ip" as IP nor CIDR)"},
      {R"({"allow": {"ip": ["01.2.3.4"]}})",
       R"(x509 policy: cannot parse permitted constraint "01.2.3.4" as IP nor CIDR)"},
      {R"({"allow": {"email": ["*@example.com"]}})",
       R"(x509 policy: cannot parse permitted email constraint "*@example.com": email constraint "*@example.com" cannot contain asterisk wildcard)"},
      {R"({"allow": {"email": [".example.com"]}})",
       R"(x509 policy: cannot parse permitted email constraint ".example.com": email constraint ".example.com" cannot start with period)"},
      {R"({"allow": {"email": ["@.example.com"]}})",
       R"(x509 policy: cannot parse permitted email constraint "@.example.com": email constraint "@.example.com" cannot start with period)"},
      {R"({"deny": {"email": ["a@b@c.com"]}})",
       R"(x509 policy: cannot parse excluded email constraint "a@b@c.com": email constraint "a@b@c.com" contains too many @ characters)"},
      {R"({"allow": {"email": ["@"]}})",
       R"(x509 policy: cannot parse permitted email constraint "@": email constraint "@" can not be empty or white space string)"},
      {R"({"allow": {"email": ["mail@xn--bla.local"]}})",
       R"(x509 policy: cannot parse permitted email constraint "mail@xn--bla.local": email constraint "mail@xn--bla.local" domain part "xn--bla.local" cannot be converted to ASCII: idna: invalid label "Ȃ")"},
      {R"({"allow": {"uri": ["https://example.com"]}})",
       R"(x509 policy: cannot parse permitted URI domain constraint "https://example.com": URI domain constraint "https://example.com" contains scheme (not supported yet))"},
      {R"({"allow": {"uri": ["example.com:443"]}})",
       R"(x509 policy: cannot parse permitted URI domain constraint "example.com:443": URI domain constraint "example.com:443" cannot contain port)"},
      {R"({"allow": {"uri": ["127.0.0.1"]}})",
       R"(x509 policy: cannot parse permitted URI domain constraint "127.0.0.1": URI domain constraint "127.0.0.1" cannot be an IP)"},
      {R"({"allow": {"uri": ["::1"]}})",
       R"(x509 policy: cannot parse permitted URI domain constraint "::1": URI domain constraint "::1" cannot be an IP)"},
      {R"({"allow": {"uri": ["[::1]"]}})",
       R"(x509 policy: cannot parse permitted URI domain constraint "[::1]": URI domain constraint "[::1]" contains invalid square brackets)"},
      {R"({"deny": {"uri": [".example.com"]}})",
       R"(x509 policy: cannot parse excluded URI domain constraint ".example.com": URI domain constraint ".example.com" with wildcard should start with *)"},
      {R"({"allow": {"uri": ["**.example.com"]}})",
       R"(x509 policy: cannot parse permitted URI domain constraint "**.example.com": URI domain constraint "**.example.com" can only have wildcard as starting character)"},
      {R"({"allow": {"cn": ["*"]}})",
       R"(x509 policy: cannot parse permitted common name constraint "*": wildcard constraint "*" is not supported)"},
      {R"({"deny": {"cn": ["  "]}})",
       R"(x509 policy: cannot parse excluded common name constraint "  ": constraint "  " can not be empty or white space string)"},
      // JSON shape errors.
      {R"({"allow": {"dns": "example.com"}})",
       "x509 policy: x509.allow.dns must be an array of strings"},
      {R"({"allow": {"ip": [10]}})", "x509 policy: x509.allow.ip must be an array of strings"},
      {R"({"deny": []})", "x509 policy: x509.deny must be an object"},
      {R"({"allowWildcardNames": "yes"})",
       "x509 policy: x509.allowWildcardNames must be a boolean"},
      {R"([])", "x509 policy: must be an object"},
  };
  for (const BadConfig& c : cases) {
    SCOPED_TRACE(c.x509);
    Result<X509Policy> p = X509Policy::FromJson(json::parse(c.x509));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(p.status().message(), c.message);
  }
}

TEST(X509PolicyConfigTest, AcceptsGoodEntries) {
  CAIRN_ASSERT_OK_AND_ASSIGN(X509Policy p, X509Policy::FromJson(json::parse(R"({
    "allow": {"dns": ["  *.Example.COM  ", "host.example.org", "*.例.jp", "*.example.com"],
              "ip": ["10.0.0.0/8", "192.168.1.1", "2001:db8::/32", "::1"],
              "email": ["@example.com", "example.org", "Admin@Example.NET"],
              "uri": ["*.example.com", "example.org"],
              "cn": ["My Service"]},
    "deny": {"dns": ["bad.example.com"]}
  })")));
  EXPECT_FALSE(p.empty());
  CAIRN_EXPECT_OK(
      p.Check(X509Names{.common_name = "My Service",
                        .dns = {"www.example.com", "host.example.org", "a.例.jp"},
                        .ips = {"10.9.8.7", "192.168.1.1", "2001:db8::42", "::1"},
                        .emails = {"x@example.com", "y@example.org", "admin@example.net"},
                        .uris = {"https://a.example.com/x", "spiffe://example.org/y"}}));
}

TEST(X509PolicyConfigTest, BoundsInput) {
  json many = json::array();
  for (size_t i = 0; i <= kMaxRulesPerList; ++i) many.push_back("h" + std::to_string(i) + ".com");
  Result<X509Policy> p = X509Policy::FromJson(json{{"allow", {{"dns", many}}}});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "x509 policy: x509.allow.dns has more than 4096 entries");

  Result<X509Policy> q = X509Policy::FromJson(
      json{{"deny", {{"email", json::array({std::string(kMaxRuleLength + 1, 'a')})}}}});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(),
            "x509 policy: x509.deny.email has an entry longer than 1024 bytes");

  // Oversized names to check are refused, not processed.
  CAIRN_ASSERT_OK_AND_ASSIGN(X509Policy r,
                             X509Policy::FromJson(json::parse(R"({"deny": {"dns": ["x.com"]}})")));
  EXPECT_EQ(r.Check(X509Names{.dns = {std::string(5000, 'a')}}).code(),
            StatusCode::kInvalidArgument);
}

// ---- SSH ----

SshPolicy MakeSsh(const char* text) {
  Result<SshPolicy> p = SshPolicy::FromJson(json::parse(text));
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : SshPolicy();
}

struct SshCase {
  std::string name;
  std::string policy;  // the "ssh" object
  SshCertType type;
  std::vector<std::string> principals;
  StatusCode want;
  std::string message;  // exact, when want != kOk
};

constexpr auto kUser = SshCertType::kUser;
constexpr auto kHost = SshCertType::kHost;
constexpr StatusCode kOk = StatusCode::kOk;
constexpr StatusCode kDenied = StatusCode::kPermissionDenied;
constexpr StatusCode kBad = StatusCode::kInvalidArgument;

TEST(SshPolicyTest, UserAndHostRules) {
  const char kUsers[] = R"({"user": {"allow": {"principal": ["alice", "bob"]}}})";
  const char kAnyUser[] =
      R"({"user": {"allow": {"principal": ["*"]}, "deny": {"principal": ["root"]}}})";
  const char kUserEmail[] = R"({"user": {"allow": {"email": ["@example.com"]}}})";
  const char kHosts[] = R"({"host": {"allow": {"dns": ["*.example.com"], "ip": ["10.0.0.0/8"]}}})";
  const char kBoth[] = R"({"user": {"allow": {"principal": ["alice"]}},
                           "host": {"deny": {"dns": ["bad.example.com"]}}})";
  const std::vector<SshCase> cases = {
      {"user allowed", kUsers, kUser, {"alice", "bob"}, kOk, ""},
      {"user case-insensitive", kUsers, kUser, {"ALICE"}, kOk, ""},
      {"user not allowed",
       kUsers,
       kUser,
       {"alice", "mallory"},
       kDenied,
       R"(principal name "mallory" not allowed)"},
      {"user email needs email rule",
       kUsers,
       kUser,
       {"alice@example.com"},
       kDenied,
       R"(email name "alice@example.com" not allowed)"},
      {"user principal with dot",
       R"({"user": {"allow": {"principal": ["h.slatman"]}}})",
       kUser,
       {"h.slatman"},
       kOk,
       ""},
      {"user ip refused",
       kUsers,
       kUser,
       {"alice", "10.0.0.1", "::ffff:10.0.0.2"},
       kBad,
       "IP principals [10.0.0.1 10.0.0.2] not expected in SSH user certificate "},
      {"user uri refused",
       kUsers,
       kUser,
       {"https://example.com", "10.0.0.1"},
       kBad,
       "URL principals [https://example.com] not expected in SSH user certificate "},
      {"star allows any principal", kAnyUser, kUser, {"anyone"}, kOk, ""},
      {"deny beats star",
       kAnyUser,
       kUser,
       {"anyone", "Root"},
       kDenied,
       R"(principal name "Root" not allowed)"},
      {"star does not cover emails",
       kAnyUser,
       kUser,
       {"a@example.com"},
       kDenied,
       R"(email name "a@example.com" not allowed)"},
      {"user email allowed", kUserEmail, kUser, {"alice@example.com"}, kOk, ""},
      {"user email other domain",
       kUserEmail,
       kUser,
       {"alice@example.org"},
       kDenied,
       R"(email name "alice@example.org" not allowed)"},
      {"user name needs principal rule",
       kUserEmail,
       kUser,
       {"alice"},
       kDenied,
       R"(principal name "alice" not allowed)"},
      {"user deny only",
       R"({"user": {"deny": {"principal": ["root"]}}})",
       kUser,
       {"alice"},
       kOk,
       ""},
      {"user deny only denies",
       R"({"user": {"deny": {"principal": ["root"]}}})",
       kUser,
       {"root"},
       kDenied,
       R"(principal name "root" not allowed)"},
      {"host allowed", kHosts, kHost, {"web.example.com", "10.1.1.1"}, kOk, ""},
      {"host dns not allowed",
       kHosts,
       kHost,
       {"web.example.org"},
       kDenied,
       R"(dns name "web.example.org" not allowed)"},
      {"host short name is a dns name",
       kHosts,
       kHost,
       {"web"},
       kDenied,
       R"(dns name "web" not allowed)"},
      {"host ip not allowed",
       kHosts,
       kHost,
       {"11.0.0.1"},
       kDenied,
       R"(ip name "11.0.0.1" not allowed)"},
      {"host uri refused",
       kHosts,
       kHost,
       {"https://web.example.com"},
       kBad,
       "URL principals [https://web.example.com] not expected in SSH host certificate "},
      // step-ca: host principals are never "principal" names, so principal rules cannot allow
      // them (they only switch the policy on).
      {"host principal rules do not match",
       R"({"host": {"allow": {"principal": ["web"]}}})",
       kHost,
       {"web"},
       kDenied,
       R"(dns name "web" not allowed)"},
      {"host wildcard one label",
       kHosts,
       kHost,
       {"a.b.example.com"},
       kDenied,
       R"(dns name "a.b.example.com" not allowed)"},
      {"only user rules refuse hosts",
       kUsers,
       kHost,
       {"web.example.com"},
       kDenied,
       "authority not allowed to sign SSH host certificates when SSH user certificate policy is "
       "active"},
      {"only host rules refuse users",
       kHosts,
       kUser,
       {"alice"},
       kDenied,
       "authority not allowed to sign SSH user certificates when SSH host certificate policy is "
       "active"},
      {"both: user", kBoth, kUser, {"alice"}, kOk, ""},
      {"both: host deny-only", kBoth, kHost, {"good.example.com"}, kOk, ""},
      {"both: host denied",
       kBoth,
       kHost,
       {"bad.example.com"},
       kDenied,
       R"(dns name "bad.example.com" not allowed)"},
  };
  for (const SshCase& c : cases) {
    SCOPED_TRACE(c.name);
    const SshPolicy p = MakeSsh(c.policy.c_str());
    const Status s = p.Check(c.type, c.principals);
    EXPECT_EQ(s.code(), c.want) << s;
    if (c.want != kOk) {
      EXPECT_EQ(s.message(), c.message);
    }
  }
}

TEST(SshPolicyTest, CheckUserAndCheckHostAreShortcuts) {
  const SshPolicy p = MakeSsh(R"({"user": {"allow": {"principal": ["alice"]}},
                                  "host": {"allow": {"dns": ["*.example.com"]}}})");
  CAIRN_EXPECT_OK(p.CheckUser({"alice"}));
  CAIRN_EXPECT_OK(p.CheckHost({"a.example.com"}));
  EXPECT_FALSE(p.CheckUser({"a.example.com"}).ok());
  EXPECT_FALSE(p.CheckHost({"alice"}).ok());
}

TEST(SshPolicyTest, RejectsBadConfig) {
  const struct {
    std::string text, message;
  } cases[] = {
      {R"({"host": {"allow": {"ip": ["bad"]}}})",
       R"(ssh host policy: cannot parse permitted constraint "bad" as IP nor CIDR)"},
      {R"({"user": {"deny": {"email": ["*@x.com"]}}})",
       R"(ssh user policy: cannot parse excluded email constraint "*@x.com": email constraint "*@x.com" cannot contain asterisk wildcard)"},
      {R"({"user": {"allow": {"principal": "alice"}}})",
       "ssh user policy: ssh.user.allow.principal must be an array of strings"},
      {R"({"host": []})", "ssh host policy: ssh.host must be an object"},
      {R"("ssh")", "ssh policy: must be an object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Result<SshPolicy> p = SshPolicy::FromJson(json::parse(c.text));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(p.status().message(), c.message);
  }
  Result<Policies> whole =
      Policies::FromJson(json::parse(R"({"x509": {"allow": {"dns": ["*"]}}})"));
  ASSERT_FALSE(whole.ok());
  EXPECT_NE(whole.status().message().find(R"(permitted domain constraint "*")"), std::string::npos);
  EXPECT_FALSE(Policies::FromJson(json::parse("[]")).ok());
}

}  // namespace
}  // namespace cairn::policy

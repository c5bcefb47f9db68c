// X.509 name-policy semantics, checked through the ca.json-facing API (policy/policy.h), with
// the expectations of step-ca's policy/engine_test.go where it has a matching case.

#include "policy/engine.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "testing/fakes.h"

namespace cairn::policy {
namespace {

struct X509Case {
  std::string name;
  std::string policy;  // the "x509" object
  X509Names names;
  StatusCode want;
  std::string message;  // exact, when want != kOk
};

constexpr StatusCode kOk = StatusCode::kOk;
constexpr StatusCode kDenied = StatusCode::kPermissionDenied;
constexpr StatusCode kBad = StatusCode::kInvalidArgument;

X509Names Dns(std::vector<std::string> dns) { return X509Names{.dns = std::move(dns)}; }
X509Names Ips(std::vector<std::string> ips) { return X509Names{.ips = std::move(ips)}; }
X509Names Emails(std::vector<std::string> e) { return X509Names{.emails = std::move(e)}; }
X509Names Uris(std::vector<std::string> u) { return X509Names{.uris = std::move(u)}; }
X509Names Cn(std::string cn, std::vector<std::string> dns = {}) {
  return X509Names{.common_name = std::move(cn), .dns = std::move(dns)};
}

void RunCases(const std::vector<X509Case>& cases) {
  for (const X509Case& c : cases) {
    SCOPED_TRACE(c.name);
    nlohmann::json j = nlohmann::json::parse(c.policy);
    CAIRN_ASSERT_OK_AND_ASSIGN(X509Policy policy, X509Policy::FromJson(j));
    const Status s = policy.Check(c.names);
    EXPECT_EQ(s.code(), c.want) << s;
    if (c.want != kOk) {
      EXPECT_EQ(s.message(), c.message);
    }
  }
}

const char kAllowWild[] = R"({"allow": {"dns": ["*.example.com"]}})";
const char kAllowExact[] = R"({"allow": {"dns": ["example.com"]}})";

TEST(X509PolicyDnsTest, WildcardAndExactMatching) {
  RunCases({
      {"wildcard matches one label", kAllowWild, Dns({"www.example.com"}), kOk, ""},
      {"wildcard does not match apex", kAllowWild, Dns({"example.com"}), kDenied,
       R"(dns name "example.com" not allowed)"},
      {"wildcard does not match deeper", kAllowWild, Dns({"a.b.example.com"}), kDenied,
       R"(dns name "a.b.example.com" not allowed)"},
      {"wildcard does not match other domain", kAllowWild, Dns({"www.example.org"}), kDenied,
       R"(dns name "www.example.org" not allowed)"},
      {"suffix is label-aligned", kAllowWild, Dns({"www.badexample.com"}), kDenied,
       R"(dns name "www.badexample.com" not allowed)"},
      {"exact matches", kAllowExact, Dns({"example.com"}), kOk, ""},
      {"exact does not match subdomain", kAllowExact, Dns({"www.example.com"}), kDenied,
       R"(dns name "www.example.com" not allowed)"},
      {"all names must be allowed", kAllowWild, Dns({"a.example.com", "b.example.org"}), kDenied,
       R"(dns name "b.example.org" not allowed)"},
      {"case-insensitive name", kAllowWild, Dns({"WWW.Example.COM"}), kOk, ""},
      {"case-insensitive constraint", R"({"allow": {"dns": ["*.EXAMPLE.com"]}})",
       Dns({"www.example.com"}), kOk, ""},
      {"leading dot name never matches", kAllowWild, Dns({".example.com"}), kDenied,
       R"(dns name ".example.com" not allowed)"},
  });
}

TEST(X509PolicyDnsTest, InternationalizedNames) {
  RunCases({
      {"unicode name vs wildcard", kAllowWild, Dns({"bücher.example.com"}), kOk, ""},
      {"unicode name vs punycode rule", R"({"allow": {"dns": ["xn--bcher-kva.example.com"]}})",
       Dns({"bücher.example.com"}), kOk, ""},
      {"punycode name vs unicode rule", R"({"allow": {"dns": ["bücher.example.com"]}})",
       Dns({"xn--bcher-kva.example.com"}), kOk, ""},
      {"upper-case unicode name", R"({"allow": {"dns": ["bücher.example.com"]}})",
       Dns({"BÜCHER.example.com"}), kOk, ""},
      {"different unicode name", R"({"allow": {"dns": ["bücher.example.com"]}})",
       Dns({"bucher.example.com"}), kDenied, R"(dns name "bucher.example.com" not allowed)"},
      {"unicode rule with unicode TLD", R"({"allow": {"dns": ["*.例.jp"]}})",
       Dns({"www.xn--fsq.jp"}), kOk, ""},
      {"deny matches the other spelling", R"({"deny": {"dns": ["bücher.example.com"]}})",
       Dns({"xn--bcher-kva.example.com"}), kDenied,
       R"(dns name "xn--bcher-kva.example.com" not allowed)"},
      {"invalid punycode label", kAllowWild, Dns({"xn--bla.example.com"}), kBad,
       R"(cannot parse dns domain "xn--bla.example.com")"},
  });
}

TEST(X509PolicyDnsTest, UnparsableNames) {
  RunCases({
      {"trailing dot", kAllowWild, Dns({"www.example.com."}), kBad,
       R"(cannot parse dns domain "www.example.com.")"},
      {"empty label", kAllowWild, Dns({"www..example.com"}), kBad,
       R"(cannot parse dns domain "www..example.com")"},
      {"underscore (STD3)", kAllowWild, Dns({"_acme.example.com"}), kBad,
       R"(cannot parse dns domain "_acme.example.com")"},
      {"space", kAllowWild, Dns({"a b.example.com"}), kBad,
       R"(cannot parse dns domain "a b.example.com")"},
      {"asterisk inside", kAllowWild, Dns({"a.*.example.com"}), kBad,
       R"(cannot parse dns domain "a.*.example.com")"},
      {"lone asterisk", kAllowWild, Dns({"*"}), kBad, R"(cannot parse dns domain "*")"},
      {"hyphen rules", kAllowWild, Dns({"-x.example.com"}), kBad,
       R"(cannot parse dns domain "-x.example.com")"},
  });
}

TEST(X509PolicyDnsTest, LiteralWildcardNames) {
  const char kAllowWildcardNames[] =
      R"({"allow": {"dns": ["*.example.com"]}, "allowWildcardNames": true})";
  RunCases({
      {"refused by default", kAllowWild, Dns({"*.example.com"}), kDenied,
       R"(dns name "*.example.com" not allowed)"},
      {"allowed with allowWildcardNames", kAllowWildcardNames, Dns({"*.example.com"}), kOk, ""},
      {"still one label only", kAllowWildcardNames, Dns({"*.sub.example.com"}), kDenied,
       R"(dns name "*.sub.example.com" not allowed)"},
      {"exact rule does not cover wildcard",
       R"({"allow": {"dns": ["example.com"]}, "allowWildcardNames": true})", Dns({"*.example.com"}),
       kDenied, R"(dns name "*.example.com" not allowed)"},
      {"deny rule catches wildcard when allowed",
       R"({"deny": {"dns": ["*.example.com"]}, "allowWildcardNames": true})",
       Dns({"*.example.com"}), kDenied, R"(dns name "*.example.com" not allowed)"},
      // step-ca quirk: with deny rules only, literal wildcards pass even without the flag.
      {"deny-only policy lets wildcard through", R"({"deny": {"dns": ["*.example.com"]}})",
       Dns({"*.example.com"}), kOk, ""},
      {"double wildcard", kAllowWildcardNames, Dns({"**.example.com"}), kBad,
       R"(cannot parse dns domain "**.example.com")"},
  });
}

TEST(X509PolicyTest, AllowDenyAndTypeInteraction) {
  const char kAllowDeny[] =
      R"({"allow": {"dns": ["*.example.com"]}, "deny": {"dns": ["bad.example.com"]}})";
  const char kDenyOnly[] = R"({"deny": {"dns": ["*.bad.com"]}})";
  RunCases({
      {"deny beats allow", kAllowDeny, Dns({"bad.example.com"}), kDenied,
       R"(dns name "bad.example.com" not allowed)"},
      {"allowed beside deny", kAllowDeny, Dns({"good.example.com"}), kOk, ""},
      {"deny-only denies match", kDenyOnly, Dns({"host.bad.com"}), kDenied,
       R"(dns name "host.bad.com" not allowed)"},
      {"deny-only allows others", kDenyOnly, Dns({"host.good.com"}), kOk, ""},
      {"deny-only allows other types", kDenyOnly,
       X509Names{.ips = {"10.0.0.1"}, .emails = {"a@bad.com"}, .uris = {"https://x.bad.com"}}, kOk,
       ""},
      {"allow dns rejects ip", kAllowWild,
       X509Names{.dns = {"a.example.com"}, .ips = {"127.0.0.1"}}, kDenied,
       R"(ip name "127.0.0.1" not allowed)"},
      {"allow dns rejects email", kAllowWild, Emails({"a@example.com"}), kDenied,
       R"(email name "a@example.com" not allowed)"},
      {"allow dns rejects uri", kAllowWild, Uris({"https://www.example.com"}), kDenied,
       R"(uri name "https://www.example.com" not allowed)"},
      {"allow ip rejects dns", R"({"allow": {"ip": ["10.0.0.0/8"]}})", Dns({"a.example.com"}),
       kDenied, R"(dns name "a.example.com" not allowed)"},
      // A type with only deny rules is open while another type has allow rules.
      {"type with only deny rules is open",
       R"({"allow": {"dns": ["*.example.com"]}, "deny": {"ip": ["10.0.0.0/8"]}})",
       Ips({"192.168.0.1"}), kOk, ""},
      {"type with only deny rules still denies",
       R"({"allow": {"dns": ["*.example.com"]}, "deny": {"ip": ["10.0.0.0/8"]}})",
       Ips({"10.0.0.1"}), kDenied, R"(ip name "10.0.0.1" not allowed)"},
      {"empty policy allows anything", "{}",
       X509Names{
           .common_name = "anything at all", .dns = {"*.x", "bad..name"}, .ips = {"not-an-ip"}},
       kOk, ""},
      {"empty lists are no policy", R"({"allow": {"dns": []}, "deny": {"ip": []}})",
       Dns({"*.example.com"}), kOk, ""},
      {"SANs are checked before the CN", kAllowWild, Cn("other.org", {"x.example.org"}), kDenied,
       R"(dns name "x.example.org" not allowed)"},
  });
}

TEST(X509PolicyTest, IpAddresses) {
  const char kV4[] = R"({"allow": {"ip": ["10.0.0.0/8"]}})";
  const char kV6[] = R"({"allow": {"ip": ["2001:db8::/32"]}})";
  RunCases({
      {"v4 in range", kV4, Ips({"10.1.2.3"}), kOk, ""},
      {"v4 out of range", kV4, Ips({"11.0.0.1"}), kDenied, R"(ip name "11.0.0.1" not allowed)"},
      {"v4-mapped v6 in v4 range", kV4, Ips({"::ffff:10.1.2.3"}), kOk, ""},
      {"v4-mapped v6 named as v4", kV4, Ips({"::ffff:11.0.0.1"}), kDenied,
       R"(ip name "11.0.0.1" not allowed)"},
      {"v4-mapped range holds v4", R"({"allow": {"ip": ["::ffff:10.0.0.0/104"]}})",
       Ips({"10.200.0.1"}), kOk, ""},
      {"single v4 address", R"({"allow": {"ip": ["192.168.1.1"]}})", Ips({"192.168.1.1"}), kOk, ""},
      {"single v4 address only", R"({"allow": {"ip": ["192.168.1.1"]}})", Ips({"192.168.1.2"}),
       kDenied, R"(ip name "192.168.1.2" not allowed)"},
      {"v6 in range", kV6, Ips({"2001:DB8:0:0::5"}), kOk, ""},
      {"v6 out of range, canonical name", kV6, Ips({"2001:0db9:0::1"}), kDenied,
       R"(ip name "2001:db9::1" not allowed)"},
      {"single v6 address", R"({"allow": {"ip": ["2001:db8::1"]}})", Ips({"2001:db8::2"}), kDenied,
       R"(ip name "2001:db8::2" not allowed)"},
      {"v6 range does not hold v4", R"({"allow": {"ip": ["::/0"]}})", Ips({"1.2.3.4"}), kDenied,
       R"(ip name "1.2.3.4" not allowed)"},
      {"deny inside allow",
       R"({"allow": {"ip": ["10.0.0.0/24"]}, "deny": {"ip": ["10.0.0.128/25"]}})",
       Ips({"10.0.0.5", "10.0.0.200"}), kDenied, R"(ip name "10.0.0.200" not allowed)"},
      {"not an ip", kV4, Ips({"ten.dot"}), kBad, R"(cannot parse ip name "ten.dot")"},
  });
}

TEST(X509PolicyTest, EmailAddresses) {
  const char kDomain[] = R"({"allow": {"email": ["@example.com"]}})";
  const char kMailbox[] = R"({"allow": {"email": ["john@example.com"]}})";
  RunCases({
      {"@domain matches mailbox", kDomain, Emails({"john@example.com"}), kOk, ""},
      {"@domain case-insensitive host", kDomain, Emails({"john@EXAMPLE.com"}), kOk, ""},
      {"@domain excludes subdomains", kDomain, Emails({"john@sub.example.com"}), kDenied,
       R"(email name "john@sub.example.com" not allowed)"},
      {"bare domain form", R"({"allow": {"email": ["example.com"]}})", Emails({"jane@example.com"}),
       kOk, ""},
      {"specific mailbox", kMailbox, Emails({"john@example.com"}), kOk, ""},
      {"specific mailbox other local", kMailbox, Emails({"jane@example.com"}), kDenied,
       R"(email name "jane@example.com" not allowed)"},
      {"specific mailbox host case", kMailbox, Emails({"john@Example.COM"}), kOk, ""},
      // step lower-cases the whole constraint, and local parts compare exactly.
      {"local part is exact", kMailbox, Emails({"John@example.com"}), kDenied,
       R"(email name "John@example.com" not allowed)"},
      {"idn constraint", R"({"allow": {"email": ["@例.jp"]}})", Emails({"mail@xn--fsq.jp"}), kOk,
       ""},
      {"non-ascii local part", kDomain, Emails({"bücher@example.com"}), kBad,
       R"(cannot parse email rfc822Name "bücher@example.com")"},
      {"invalid punycode host", kDomain, Emails({"mail@xn---bla.jp"}), kBad,
       R"(cannot parse email domain "mail@xn---bla.jp")"},
      {"deny domain", R"({"deny": {"email": ["@bad.com"]}})", Emails({"x@bad.com"}), kDenied,
       R"(email name "x@bad.com" not allowed)"},
      {"deny domain not subdomain", R"({"deny": {"email": ["@bad.com"]}})",
       Emails({"x@sub.bad.com"}), kOk, ""},
  });
}

TEST(X509PolicyTest, Uris) {
  const char kWild[] = R"({"allow": {"uri": ["*.example.com"]}})";
  RunCases({
      {"host matches wildcard", kWild, Uris({"https://www.example.com/path"}), kOk, ""},
      {"port ignored", kWild, Uris({"https://www.example.com:8443/x"}), kOk, ""},
      {"any scheme", kWild, Uris({"spiffe://www.example.com/ns/x"}), kOk, ""},
      {"apex not matched", kWild, Uris({"https://example.com"}), kDenied,
       R"(uri name "https://example.com" not allowed)"},
      {"exact host, case", R"({"allow": {"uri": ["example.com"]}})", Uris({"https://EXAMPLE.com"}),
       kOk, ""},
      {"no host", kWild, Uris({"urn:uuid:1234"}), kBad,
       R"(error matching uri name "urn:uuid:1234" to constraint)"},
      {"ip host", kWild, Uris({"https://127.0.0.1/"}), kBad,
       R"(error matching uri name "https://127.0.0.1/" to constraint)"},
      {"ipv6 host with port", kWild, Uris({"https://[::1]:8443/"}), kBad,
       R"(error matching uri name "https://[::1]:8443/" to constraint)"},
      {"asterisk host", kWild, Uris({"https://*.example.com"}), kBad,
       R"(error matching uri name "https://*.example.com" to constraint)"},
      {"deny-only still evaluates", R"({"deny": {"uri": ["*.bad.com"]}})", Uris({"urn:x"}), kBad,
       R"(error matching uri name "urn:x" to constraint)"},
      {"deny host", R"({"deny": {"uri": ["*.bad.com"]}})", Uris({"https://www.bad.com"}), kDenied,
       R"(uri name "https://www.bad.com" not allowed)"},
      {"unparsable uri", kWild, Uris({"https://a b/"}), kBad,
       R"(cannot parse uri name "https://a b/")"},
  });
}

TEST(X509PolicyTest, CommonName) {
  const char kCn[] = R"({"allow": {"cn": ["My Service"]}})";
  const char kDnsAndCn[] = R"({"allow": {"dns": ["*.example.com"], "cn": ["My Service"]}})";
  RunCases({
      {"cn rule, case-insensitive", kCn, Cn("my service"), kOk, ""},
      {"cn rule no match", kCn, Cn("Other"), kDenied, R"(cn name "Other" not allowed)"},
      {"cn-only allow rejects dns SANs", kCn, Cn("My Service", {"a.example.com"}), kDenied,
       R"(dns name "a.example.com" not allowed)"},
      {"cn rule or dns rule", kDnsAndCn, Cn("www.example.com", {"www.example.com"}), kOk, ""},
      {"cn via cn rule beside dns", kDnsAndCn, Cn("My Service", {"www.example.com"}), kOk, ""},
      {"cn classified as dns", kAllowWild, Cn("www.example.com", {"www.example.com"}), kOk, ""},
      {"cn dns not allowed", kAllowWild, Cn("other.org", {"www.example.com"}), kDenied,
       R"(cn name "other.org" not allowed)"},
      {"cn with spaces cannot be a dns name", kAllowWild, Cn("Some Service"), kBad,
       R"(cannot parse cn domain "Some Service")"},
      {"cn classified as ip", R"({"allow": {"ip": ["10.0.0.0/8"]}})", Cn("10.1.2.3"), kOk, ""},
      {"cn ip canonical name", R"({"allow": {"ip": ["10.0.0.0/8"]}})", Cn("::ffff:11.0.0.1"),
       kDenied, R"(cn name "11.0.0.1" not allowed)"},
      {"cn classified as email", R"({"allow": {"email": ["@example.com"]}})",
       Cn("john@example.com"), kOk, ""},
      {"cn classified as uri", R"({"allow": {"uri": ["*.example.com"]}})",
       Cn("https://www.example.com"), kOk, ""},
      {"cn ip with only dns rules", kAllowWild, Cn("10.0.0.1", {"a.example.com"}), kDenied,
       R"(cn name "10.0.0.1" not allowed)"},
      {"empty cn not checked", kAllowWild, Cn("", {"a.example.com"}), kOk, ""},
      // step-ca quirk: a cn deny rule alone does not stop a CN that its SAN type allows.
      {"cn deny alone falls through", R"({"deny": {"cn": ["forbidden"]}})", Cn("forbidden"), kOk,
       ""},
      {"cn deny with dns allow",
       R"({"allow": {"dns": ["*.example.com"]}, "deny": {"cn": ["forbidden"]}})", Cn("forbidden"),
       kDenied, R"(cn name "forbidden" not allowed)"},
      {"cn deny of unparsable name", R"({"deny": {"cn": ["this name is not allowed"]}})",
       Cn("this name is not allowed"), kBad,
       R"(cannot parse cn domain "this name is not allowed")"},
      {"cn deny other name", R"({"deny": {"cn": ["this name is not allowed"]}})",
       Cn("some other name"), kOk, ""},
  });
}

TEST(X509PolicyTest, DeniedStatusCarriesStepPublicMessage) {
  CAIRN_ASSERT_OK_AND_ASSIGN(X509Policy policy,
                             X509Policy::FromJson(nlohmann::json::parse(kAllowWild)));
  const Status s = policy.Check(Dns({"www.example.org"}));
  ASSERT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(
      s.public_message(),
      R"(The request was forbidden by the certificate authority: dns name "www.example.org" not allowed)");
}

TEST(X509PolicyTest, CheckSansClassifiesAndSkipsCn) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      X509Policy policy, X509Policy::FromJson(nlohmann::json::parse(
                             R"({"allow": {"dns": ["*.example.com"], "ip": ["10.0.0.0/8"]}})")));
  CAIRN_EXPECT_OK(policy.CheckSans({"www.example.com", "10.0.0.1"}));
  Status s = policy.CheckSans({"www.example.com", "192.168.0.1"});
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), R"(ip name "192.168.0.1" not allowed)");
  s = policy.CheckSans({"a@example.com"});
  EXPECT_EQ(s.message(), R"(email name "a@example.com" not allowed)");
  s = policy.CheckSans({"https://www.example.com"});
  EXPECT_EQ(s.message(), R"(uri name "https://www.example.com" not allowed)");
}

TEST(NameEngineTest, DefaultIsEmptyAndAllowsAll) {
  NameEngine engine;
  EXPECT_TRUE(engine.empty());
  CAIRN_EXPECT_OK(engine.CheckX509(X509Names{.common_name = "x", .dns = {"*.any"}}));
  CAIRN_EXPECT_OK(engine.CheckSshPrincipals(SshCertType::kUser, {"10.0.0.1"}));
}

TEST(NameEngineTest, DirectOptionsWithoutCnVerification) {
  EngineOptions options;
  options.permitted.dns_domains = {"*.example.com"};
  CAIRN_ASSERT_OK_AND_ASSIGN(NameEngine engine, NameEngine::Create(options));
  EXPECT_FALSE(engine.empty());
  // verify_subject_common_name is off: the CN is not looked at.
  CAIRN_EXPECT_OK(engine.CheckX509(Cn("not checked", {"a.example.com"})));
  options.verify_subject_common_name = true;
  CAIRN_ASSERT_OK_AND_ASSIGN(NameEngine with_cn, NameEngine::Create(options));
  EXPECT_EQ(with_cn.CheckX509(Cn("other.org", {"a.example.com"})).message(),
            R"(cn name "other.org" not allowed)");
}

}  // namespace
}  // namespace cairn::policy

// Bad input the authority refuses before it signs anything (docs/security.md): huge SAN lists and
// overlong names. End to end (POST /sign against cairn-ca): tests/integration/bad_input_http.py.

#include <string>
#include <vector>

#include "authority/internal/sign_util.h"
#include "store/store.h"
#include "templates/x509_template.h"
#include "testing/fakes.h"

namespace cairn::authority::internal {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> Names(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back("h" + std::to_string(i) + ".example.com");
  return out;
}

TEST(CheckNameBoundsTest, SanCountIsBoundedAcrossKinds) {
  const size_t max = templates::kMaxTemplateSans;
  pki::CertificateTemplate t;
  t.sans.dns = Names(max);
  CAIRN_EXPECT_OK(CheckNameBounds(t));

  struct Case {
    const char* name;
    pki::CertificateTemplate tmpl;
  } cases[] = {
      {"one DNS name too many", {}},
      {"split over DNS, IP, e-mail and URI", {}},
      {"other SANs count too", {}},
  };
  cases[0].tmpl.sans.dns = Names(max + 1);
  cases[1].tmpl.sans.dns = Names(max - 2);
  cases[1].tmpl.sans.ips = {"10.0.0.1"};
  cases[1].tmpl.sans.emails = {"a@example.com"};
  cases[1].tmpl.sans.uris = {"https://example.com"};
  cases[2].tmpl.sans.dns = Names(max);
  cases[2].tmpl.other_sans.push_back({"registeredID", "1.2.3", ""});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Status s = CheckNameBounds(c.tmpl);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(s.public_message(), HasSubstr("more than " + std::to_string(max)));
  }
}

TEST(CheckNameBoundsTest, EveryNameIsBoundedByWhatTheStoreRecords) {
  const std::string longest(store::kMaxTextField, 'a');
  const std::string too_long(store::kMaxTextField + 1, 'a');
  using Setter = void (*)(pki::CertificateTemplate&, const std::string&);
  struct Case {
    const char* name;
    Setter set;
    const char* what;
  } cases[] = {
      {"common name", [](auto& t, const auto& v) { t.subject.common_name = v; },
       "subject attribute"},
      {"organization",
       [](auto& t, const auto& v) {
         t.subject.organization = {"ok", v};
       },
       "subject attribute"},
      {"serial number attribute", [](auto& t, const auto& v) { t.subject.serial_number = v; },
       "subject attribute"},
      {"extra name",
       [](auto& t, const auto& v) {
         t.subject.extra_names = {{"2.5.4.42", v}};
       },
       "subject attribute"},
      {"DNS name",
       [](auto& t, const auto& v) {
         t.sans.dns = {"ok.example.com", v};
       },
       "subject alternative name"},
      {"e-mail address", [](auto& t, const auto& v) { t.sans.emails = {v}; },
       "subject alternative name"},
      {"URI", [](auto& t, const auto& v) { t.sans.uris = {v}; }, "subject alternative name"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    pki::CertificateTemplate ok;
    c.set(ok, longest);
    CAIRN_EXPECT_OK(CheckNameBounds(ok));
    pki::CertificateTemplate bad;
    c.set(bad, too_long);
    Status s = CheckNameBounds(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(s.public_message(), HasSubstr(std::string(c.what) + " is longer than " +
                                              std::to_string(store::kMaxTextField) + " bytes"));
  }
}

}  // namespace
}  // namespace cairn::authority::internal

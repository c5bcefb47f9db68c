#include "config/claims.h"

#include "testing/fakes.h"

namespace cairn::config {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;
using OJson = nlohmann::ordered_json;

Claims MustParse(const char* text) {
  auto c = ParseClaims(OJson::parse(text));
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : Claims{};
}

TEST(ParseClaimsTest, ReadsEveryClaim) {
  Claims c = MustParse(R"({
    "minTLSCertDuration": "1m", "maxTLSCertDuration": "48h", "defaultTLSCertDuration": "1h30m",
    "minUserSSHCertDuration": "2m", "maxUserSSHCertDuration": "12h",
    "defaultUserSSHCertDuration": "8h", "minHostSSHCertDuration": "3m",
    "maxHostSSHCertDuration": "2160h", "defaultHostSSHCertDuration": "720h",
    "enableSSHCA": true, "disableRenewal": false, "allowRenewalAfterExpiry": true,
    "disableSmallstepExtensions": true, "someFutureClaim": "ignored"})");
  EXPECT_EQ(c.min_tls_cert_duration, minutes(1));
  EXPECT_EQ(c.max_tls_cert_duration, hours(48));
  EXPECT_EQ(c.default_tls_cert_duration, minutes(90));
  EXPECT_EQ(c.min_user_ssh_cert_duration, minutes(2));
  EXPECT_EQ(c.max_user_ssh_cert_duration, hours(12));
  EXPECT_EQ(c.default_user_ssh_cert_duration, hours(8));
  EXPECT_EQ(c.min_host_ssh_cert_duration, minutes(3));
  EXPECT_EQ(c.max_host_ssh_cert_duration, hours(2160));
  EXPECT_EQ(c.default_host_ssh_cert_duration, hours(720));
  EXPECT_EQ(c.enable_ssh_ca, true);
  EXPECT_EQ(c.disable_renewal, false);
  EXPECT_EQ(c.allow_renewal_after_expiry, true);
  EXPECT_EQ(c.disable_smallstep_extensions, true);
}

TEST(ParseClaimsTest, AbsentAndNullAreUnset) {
  EXPECT_EQ(MustParse("null"), Claims{});
  EXPECT_EQ(MustParse("{}"), Claims{});
  EXPECT_EQ(MustParse(R"({"minTLSCertDuration": null, "enableSSHCA": null})"), Claims{});
}

TEST(ParseClaimsTest, AcceptsGoSpellings) {
  // step-ca's Duration also takes integer nanoseconds; Go matches keys ignoring case.
  Claims c = MustParse(R"({"minTLSCertDuration": 30000000000, "MaxTlsCertDuration": "5m0s"})");
  EXPECT_EQ(c.min_tls_cert_duration, seconds(30));
  EXPECT_EQ(c.max_tls_cert_duration, minutes(5));
}

TEST(ParseClaimsTest, RejectsMalformedValues) {
  struct Case {
    const char* json;
    const char* want;
  } cases[] = {
      {R"({"maxTLSCertDuration": "1d"})", "claims.maxTLSCertDuration"},  // no day unit in Go
      {R"({"minTLSCertDuration": "five minutes"})", "claims.minTLSCertDuration"},
      {R"({"minTLSCertDuration": 1.5})", "duration string"},
      {R"({"minTLSCertDuration": true})", "duration string"},
      {R"({"enableSSHCA": "true"})", "claims.enableSSHCA must be true or false"},
      {R"({"disableRenewal": 1})", "claims.disableRenewal"},
      {R"(["minTLSCertDuration"])", "claims must be an object"},
      {R"("24h")", "claims must be an object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    auto r = ParseClaims(OJson::parse(c.json));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.want));
  }
}

TEST(ResolveClaimsTest, BuiltinsMatchStepCa) {
  EffectiveClaims b = ResolveClaims({}, {});
  EXPECT_EQ(b, BuiltinClaims());
  EXPECT_EQ(b.min_tls_cert_duration, minutes(5));
  EXPECT_EQ(b.max_tls_cert_duration, hours(24));
  EXPECT_EQ(b.default_tls_cert_duration, hours(24));
  EXPECT_EQ(b.min_user_ssh_cert_duration, minutes(5));
  EXPECT_EQ(b.max_user_ssh_cert_duration, hours(24));
  EXPECT_EQ(b.default_user_ssh_cert_duration, hours(16));
  EXPECT_EQ(b.min_host_ssh_cert_duration, minutes(5));
  EXPECT_EQ(b.max_host_ssh_cert_duration, hours(720));
  EXPECT_EQ(b.default_host_ssh_cert_duration, hours(720));
  EXPECT_FALSE(b.enable_ssh_ca);
  EXPECT_FALSE(b.disable_renewal);
  EXPECT_FALSE(b.allow_renewal_after_expiry);
  EXPECT_FALSE(b.disable_smallstep_extensions);
  CAIRN_EXPECT_OK(ValidateClaims(b));
}

// The TLS triple (min, default, max) for a provisioner's and the authority's claims.
struct ResolveCase {
  const char* name;
  const char* provisioner;
  const char* authority;
  Duration min, def, max;
  bool valid;
};

class ResolveClaimsTableTest : public ::testing::TestWithParam<ResolveCase> {};

TEST_P(ResolveClaimsTableTest, Resolves) {
  const ResolveCase& c = GetParam();
  EffectiveClaims e = ResolveClaims(MustParse(c.provisioner), MustParse(c.authority));
  EXPECT_EQ(e.min_tls_cert_duration, c.min);
  EXPECT_EQ(e.default_tls_cert_duration, c.def);
  EXPECT_EQ(e.max_tls_cert_duration, c.max);
  EXPECT_EQ(ValidateClaims(e).ok(), c.valid) << ValidateClaims(e);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ResolveClaimsTableTest,
    ::testing::Values(
        ResolveCase{"nothing_set", "{}", "{}", minutes(5), hours(24), hours(24), true},
        ResolveCase{"provisioner_wins", R"({"maxTLSCertDuration": "2h",
                    "defaultTLSCertDuration": "1h"})",
                    R"({"maxTLSCertDuration": "48h"})", minutes(5), hours(1), hours(2), true},
        ResolveCase{"authority_fills_in", R"({"minTLSCertDuration": "1s"})",
                    R"({"maxTLSCertDuration": "48h", "defaultTLSCertDuration": "12h"})", seconds(1),
                    hours(12), hours(48), true},
        // Setting only a default above the max raises the max (step-ca's Claimer)...
        ResolveCase{"default_raises_max", R"({"defaultTLSCertDuration": "72h"})", "{}", minutes(5),
                    hours(72), hours(72), true},
        // ... and only a default below the min lowers the min.
        ResolveCase{"default_lowers_min", R"({"defaultTLSCertDuration": "2m"})", "{}", minutes(2),
                    minutes(2), hours(24), true},
        // The same rule applies at the authority level, then the provisioner inherits.
        ResolveCase{"authority_default_raises_max", "{}", R"({"defaultTLSCertDuration": "168h"})",
                    minutes(5), hours(168), hours(168), true},
        // An explicit max below the default is inconsistent.
        ResolveCase{"max_below_default", R"({"maxTLSCertDuration": "1h"})", "{}", minutes(5),
                    hours(24), hours(1), false},
        ResolveCase{"min_and_default_above_builtin_max", R"({"minTLSCertDuration": "25h",
                    "defaultTLSCertDuration": "25h"})",
                    "{}", hours(25), hours(25), hours(25), true},
        ResolveCase{"min_above_authority_max", R"({"minTLSCertDuration": "48h"})",
                    R"({"maxTLSCertDuration": "36h"})", hours(48), hours(24), hours(36), false},
        ResolveCase{"zero_min", R"({"minTLSCertDuration": "0s"})", "{}", Duration::zero(),
                    hours(24), hours(24), false}),
    [](const ::testing::TestParamInfo<ResolveCase>& p) { return std::string(p.param.name); });

TEST(ResolveClaimsTest, FlagsAndSshFollowTheSamePrecedence) {
  EffectiveClaims e =
      ResolveClaims(MustParse(R"({"disableRenewal": false, "defaultUserSSHCertDuration": "48h"})"),
                    MustParse(R"({"enableSSHCA": true, "disableRenewal": true,
                    "maxHostSSHCertDuration": "1440h"})"));
  EXPECT_TRUE(e.enable_ssh_ca);     // from the authority
  EXPECT_FALSE(e.disable_renewal);  // the provisioner overrides the authority
  EXPECT_EQ(e.default_user_ssh_cert_duration, hours(48));
  EXPECT_EQ(e.max_user_ssh_cert_duration, hours(48));  // raised to the default
  EXPECT_EQ(e.max_host_ssh_cert_duration, hours(1440));
  EXPECT_EQ(e.default_host_ssh_cert_duration, hours(720));
}

TEST(ValidateClaimsTest, NamesTheBrokenRule) {
  EffectiveClaims e = BuiltinClaims();
  e.max_tls_cert_duration = hours(1);
  Status s = ValidateClaims(e);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("maxTLSCertDuration (1h0m0s) cannot be less than "
                                     "defaultTLSCertDuration (24h0m0s)"));
  e = BuiltinClaims();
  e.default_tls_cert_duration = minutes(1);
  EXPECT_THAT(ValidateClaims(e).message(), HasSubstr("defaultTLSCertDuration (1m0s) cannot be "
                                                     "less than minTLSCertDuration (5m0s)"));
}

}  // namespace
}  // namespace cairn::config

#include "provisioner/audiences.h"

#include "testing/fakes.h"

namespace cairn::provisioner {
namespace {

TEST(AudiencesTest, FromDnsNames) {
  Audiences a = Audiences::FromDnsNames({"ca.example.com", "::1"});
  EXPECT_THAT(a.sign, ::testing::Contains("https://ca.example.com/1.0/sign"));
  EXPECT_THAT(a.sign, ::testing::Contains("https://ca.example.com/sign"));
  EXPECT_THAT(a.sign, ::testing::Contains("https://[::1]/1.0/sign"));
  EXPECT_THAT(a.sign, ::testing::Contains("step-certificate-authority"));
  EXPECT_THAT(a.revoke, ::testing::Contains("https://ca.example.com/1.0/revoke"));
  EXPECT_THAT(a.renew, ::testing::Contains("https://ca.example.com/renew"));
  EXPECT_THAT(a.renew, ::testing::Not(::testing::Contains("step-certificate-authority")));
}

TEST(AudiencesTest, StripPort) {
  EXPECT_EQ(StripPort("https://ca.example.com:9000/1.0/sign"), "https://ca.example.com/1.0/sign");
  EXPECT_EQ(StripPort("https://ca.example.com/1.0/sign"), "https://ca.example.com/1.0/sign");
  EXPECT_EQ(StripPort("https://[::1]:8443/sign#x5c/a"), "https://[::1]/sign#x5c/a");
  EXPECT_EQ(StripPort("step-certificate-authority"), "step-certificate-authority");
}

TEST(AudiencesTest, MatchesIgnoringPort) {
  Audiences a = Audiences::FromDnsNames({"ca.example.com"});
  EXPECT_TRUE(MatchesAudience({"https://ca.example.com:9000/1.0/sign"}, a.sign));
  EXPECT_TRUE(MatchesAudience({"other", "https://ca.example.com/sign"}, a.sign));
  EXPECT_FALSE(MatchesAudience({"https://evil.example.com/1.0/sign"}, a.sign));
  EXPECT_FALSE(MatchesAudience({"https://ca.example.com/1.0/revoke"}, a.sign));
  EXPECT_FALSE(MatchesAudience({}, a.sign));
}

TEST(AudiencesTest, Fragments) {
  EXPECT_EQ(ExtractFragment({"https://ca/1.0/sign#x5c/prov"}), "x5c/prov");
  EXPECT_EQ(ExtractFragment({"https://ca/1.0/sign"}), "");
  Audiences a = Audiences::FromDnsNames({"ca"}).WithFragment("x5c/prov");
  EXPECT_TRUE(MatchesAudience({"https://ca:1/1.0/sign#x5c/prov"}, a.sign));
  EXPECT_FALSE(MatchesAudience({"https://ca/1.0/sign"}, a.sign));
}

}  // namespace
}  // namespace cairn::provisioner

#include "provisioner/jwk/jwk_provisioner.h"

#include "jose/jws.h"
#include "jose/jwt.h"
#include "testing/fakes.h"

namespace cairn::provisioner {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class JwkProvisionerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CAIRN_ASSERT_OK_AND_ASSIGN(key_, jose::Jwk::Generate("EC", "P-256"));
    config::ProvisionerConfig pc;
    pc.type = "JWK";
    pc.name = "admin";
    pc.raw = nlohmann::ordered_json::parse(
        R"({"type":"JWK","name":"admin","encryptedKey":"eyJhbGciOiJQQkVTMi1IUzI1NitBMTI4S1cifQ.a.b.c.d"})");
    pc.raw["key"] = nlohmann::ordered_json::parse(key_.PublicKey().ToJsonString(false));
    CAIRN_ASSERT_OK_AND_ASSIGN(prov_, JwkProvisioner::Create(pc, config::Claims{}));
    audiences_ = Audiences::FromDnsNames({"ca.example.com"});
  }

  // Token returns a token signed by the provisioner key with `claims` merged over good ones.
  std::string Token(nlohmann::json overrides = nlohmann::json::object(),
                    const jose::Jwk* key = nullptr) {
    int64_t t = ToUnixSeconds(now_);
    nlohmann::json claims = {{"iss", "admin"},
                             {"sub", "svc.example.com"},
                             {"aud", "https://ca.example.com:9000/1.0/sign"},
                             {"iat", t},
                             {"nbf", t},
                             {"exp", t + 300},
                             {"jti", "abc"},
                             {"sans", {"svc.example.com", "10.0.0.1"}}};
    for (auto it = overrides.begin(); it != overrides.end(); ++it) {
      if (it.value().is_null()) {
        claims.erase(it.key());
      } else {
        claims[it.key()] = it.value();
      }
    }
    auto tok = jose::SignJwt(claims, key ? *key : key_, {{"kid", key_.kid()}});
    EXPECT_TRUE(tok.ok()) << tok.status();
    return tok.value_or("");
  }

  Result<SignPlan> Sign(const std::string& token) {
    auto jws = jose::ParseCompact(token);
    if (!jws.ok()) return jws.status();
    return prov_->AuthorizeSign({.now = now_}, *jws, audiences_);
  }

  Time now_ = FromUnixSeconds(1795327452);
  jose::Jwk key_;
  std::unique_ptr<JwkProvisioner> prov_;
  Audiences audiences_;
};

TEST_F(JwkProvisionerTest, Identity) {
  EXPECT_EQ(prov_->type(), Type::kJwk);
  EXPECT_EQ(prov_->token_lookup_id(), "admin:" + key_.kid());
  EXPECT_EQ(prov_->id(), prov_->token_lookup_id());
  ASSERT_TRUE(prov_->encrypted_key().has_value());
  EXPECT_EQ(prov_->encrypted_key()->first, key_.kid());
  auto ext = prov_->Extension();
  EXPECT_EQ(ext.type, 1);
  EXPECT_EQ(ext.name, "admin");
  EXPECT_EQ(ext.credential_id, key_.kid());
}

TEST_F(JwkProvisionerTest, GoodTokenGivesPlan) {
  auto plan = Sign(Token());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->subject, "svc.example.com");
  EXPECT_EQ(plan->token_id, "abc");
  EXPECT_THAT(plan->sans, ::testing::ElementsAre("svc.example.com", "10.0.0.1"));
  EXPECT_THAT(plan->allowed_common_names, ::testing::Contains("10.0.0.1"));
  EXPECT_EQ(plan->claims.default_tls_cert_duration, std::chrono::hours(24));
}

TEST_F(JwkProvisionerTest, SansDefaultToSubject) {
  auto plan = Sign(Token({{"sans", nullptr}}));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->sans, ::testing::ElementsAre("svc.example.com"));
}

TEST_F(JwkProvisionerTest, RefusesBadTokens) {
  auto other = jose::Jwk::Generate("EC", "P-256");
  ASSERT_TRUE(other.ok());
  int64_t t = ToUnixSeconds(now_);
  struct Case {
    const char* name;
    std::string token;
  } cases[] = {
      {"wrong issuer", Token({{"iss", "someone"}})},
      {"wrong audience", Token({{"aud", "https://evil.example.com/1.0/sign"}})},
      {"revoke audience for sign", Token({{"aud", "https://ca.example.com/1.0/revoke"}})},
      {"expired past leeway", Token({{"exp", t - 61}, {"nbf", t - 600}})},
      {"not yet valid past leeway", Token({{"nbf", t + 61}, {"exp", t + 600}})},
      {"issued in the future", Token({{"iat", t + 120}})},
      {"empty subject", Token({{"sub", ""}})},
      {"signed by another key", Token({}, &*other)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto plan = Sign(c.token);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), StatusCode::kUnauthenticated);
  }
}

TEST_F(JwkProvisionerTest, LeewayEdgesAccepted) {
  int64_t t = ToUnixSeconds(now_);
  EXPECT_TRUE(Sign(Token({{"exp", t - 59}, {"nbf", t - 600}})).ok());
  EXPECT_TRUE(Sign(Token({{"nbf", t + 59}, {"exp", t + 600}})).ok());
}

TEST_F(JwkProvisionerTest, RevokeUsesRevokeAudience) {
  auto jws =
      jose::ParseCompact(Token({{"aud", "https://ca.example.com/1.0/revoke"}, {"sub", "1234"}}));
  ASSERT_TRUE(jws.ok());
  auto plan = prov_->AuthorizeRevoke({.now = now_}, *jws, audiences_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->serial, "1234");
  auto sign_aud = jose::ParseCompact(Token({{"sub", "1234"}}));
  EXPECT_FALSE(prov_->AuthorizeRevoke({.now = now_}, *sign_aud, audiences_).ok());
}

}  // namespace
}  // namespace cairn::provisioner

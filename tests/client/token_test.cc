#include "client/token.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "testing/fakes.h"

namespace cairn::client {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

const Time kNow = FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z

jose::Jwk ProvisionerKey(std::string_view kty = "EC", std::string_view crv = "") {
  auto key = jose::Jwk::Generate(kty, crv);
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

JwkTokenRequest BasicRequest() {
  JwkTokenRequest r;
  r.subject = "internal.example.com";
  r.issuer = "admin";
  r.audience = "https://ca.example.com:9000/1.0/sign";
  r.kid = "the-provisioner-kid";
  r.root_fingerprint = std::string(64, 'a');
  return r;
}

bool IsLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(SignTokenTest, HeaderAndClaimsAreStepsShape) {
  jose::Jwk key = ProvisionerKey();
  testing::FakeRandom random(7);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignToken(BasicRequest(), key, kNow, random));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto decoded, jose::DecodeUnverified(token));
  const auto& [header, claims] = decoded;

  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["kid"], "the-provisioner-kid");
  EXPECT_EQ(header["typ"], "JWT");
  EXPECT_EQ(header.size(), 3u) << header.dump();

  EXPECT_EQ(claims["iss"], "admin");
  EXPECT_EQ(claims["sub"], "internal.example.com");
  ASSERT_TRUE(claims["aud"].is_string()) << "step forces a single audience to a string";
  EXPECT_EQ(claims["aud"], "https://ca.example.com:9000/1.0/sign");
  EXPECT_EQ(claims["iat"], ToUnixSeconds(kNow));
  EXPECT_EQ(claims["nbf"], ToUnixSeconds(kNow));
  EXPECT_EQ(claims["exp"], ToUnixSeconds(kNow) + 300);
  std::string jti = claims["jti"].get<std::string>();
  EXPECT_EQ(jti.size(), 64u);
  EXPECT_TRUE(IsLowerHex(jti)) << jti;
  EXPECT_EQ(claims["sha"], std::string(64, 'a'));
  EXPECT_EQ(claims["sans"], nlohmann::json::array({"internal.example.com"}));
  EXPECT_FALSE(claims.contains("cnf"));
  EXPECT_FALSE(claims.contains("user"));

  // The token verifies with the provisioner's public key, and only with it.
  CAIRN_EXPECT_OK(jose::VerifyJwt(token, key.PublicKey()));
  EXPECT_FALSE(jose::VerifyJwt(token, ProvisionerKey().PublicKey()).ok());
}

TEST(SignTokenTest, ExplicitSansConfirmationAndUserData) {
  jose::Jwk key = ProvisionerKey();
  testing::FakeRandom random(1);
  JwkTokenRequest r = BasicRequest();
  r.sans = {"1.1.1.1", "hello.example.com"};
  r.confirmation = "PJLNhtQoBE1yGN_ZKzr4Y2U5pyqIGiyyszkoz2raDOw";
  r.user_data = {{"field", "value"}};
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignToken(r, key, kNow, random));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto decoded, jose::DecodeUnverified(token));
  const auto& claims = decoded.second;
  EXPECT_EQ(claims["sans"], nlohmann::json::array({"1.1.1.1", "hello.example.com"}));
  EXPECT_EQ(claims["cnf"], nlohmann::json({{"x5rt#S256", r.confirmation}}));
  EXPECT_EQ(claims["user"], nlohmann::json({{"field", "value"}}));
}

TEST(SignTokenTest, EachTokenHasItsOwnId) {
  jose::Jwk key = ProvisionerKey();
  testing::FakeRandom random(3);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string a, SignToken(BasicRequest(), key, kNow, random));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string b, SignToken(BasicRequest(), key, kNow, random));
  EXPECT_NE(jose::DecodeUnverified(a)->second["jti"], jose::DecodeUnverified(b)->second["jti"]);
}

TEST(SignTokenTest, KidDefaultsToTheKeyKidThenItsThumbprint) {
  jose::Jwk key = ProvisionerKey();  // Generate sets kid = thumbprint
  testing::FakeRandom random;
  JwkTokenRequest r = BasicRequest();
  r.kid.clear();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignToken(r, key, kNow, random));
  EXPECT_EQ(jose::DecodeUnverified(token)->first["kid"], key.Thumbprint());

  key.set_kid("");
  CAIRN_ASSERT_OK_AND_ASSIGN(token, SignToken(r, key, kNow, random));
  EXPECT_EQ(jose::DecodeUnverified(token)->first["kid"], key.Thumbprint());
}

TEST(SignTokenTest, AlgorithmFollowsTheKey) {
  struct Case {
    const char* kty;
    const char* crv;
    const char* alg;
  } cases[] = {{"EC", "P-256", "ES256"},
               {"EC", "P-384", "ES384"},
               {"OKP", "Ed25519", "EdDSA"},
               {"RSA", "", "RS256"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.alg);
    jose::Jwk key = ProvisionerKey(c.kty, c.crv);
    testing::FakeRandom random;
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignToken(BasicRequest(), key, kNow, random));
    EXPECT_EQ(jose::DecodeUnverified(token)->first["alg"], c.alg);
    CAIRN_EXPECT_OK(jose::VerifyJwt(token, key.PublicKey()));
  }
}

TEST(SignTokenTest, RefusesPublicKeysAndMissingClaims) {
  jose::Jwk key = ProvisionerKey();
  testing::FakeRandom random;
  EXPECT_FALSE(SignToken(BasicRequest(), key.PublicKey(), kNow, random).ok());
  for (auto field :
       {&JwkTokenRequest::subject, &JwkTokenRequest::issuer, &JwkTokenRequest::audience}) {
    JwkTokenRequest r = BasicRequest();
    r.*field = "";
    EXPECT_EQ(SignToken(r, key, kNow, random).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(SignTokenTest, ShaClaimLeftOutWithoutRoot) {
  jose::Jwk key = ProvisionerKey();
  testing::FakeRandom random;
  JwkTokenRequest r = BasicRequest();
  r.root_fingerprint.clear();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignToken(r, key, kNow, random));
  EXPECT_FALSE(jose::DecodeUnverified(token)->second.contains("sha"));
}

TEST(RevokeTokenTest, SerialSubjectRevokeAudienceNoSans) {
  jose::Jwk key = ProvisionerKey();
  testing::FakeRandom random;
  JwkTokenRequest r = BasicRequest();
  r.subject = "308893286343609293989051180431574390766";
  r.audience = "https://ca.example.com:9000/1.0/revoke";
  r.sans = {"ignored.example.com"};
  r.confirmation = "ignored";
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, RevokeToken(r, key, kNow, random));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto decoded, jose::DecodeUnverified(token));
  const auto& claims = decoded.second;
  EXPECT_EQ(claims["sub"], "308893286343609293989051180431574390766");
  EXPECT_EQ(claims["aud"], "https://ca.example.com:9000/1.0/revoke");
  EXPECT_FALSE(claims.contains("sans"));
  EXPECT_FALSE(claims.contains("cnf"));
  EXPECT_EQ(claims["jti"].get<std::string>().size(), 64u);
  EXPECT_EQ(decoded.first["kid"], "the-provisioner-kid");
  CAIRN_EXPECT_OK(jose::VerifyJwt(token, key.PublicKey()));
}

TEST(RenewTokenTest, X5cInsecureHeaderAndClaims) {
  jose::Jwk key = ProvisionerKey();
  std::vector<std::string> chain = {"leaf-der-bytes", "intermediate-der-bytes"};
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, RenewToken(chain, "internal.example.com", key,
                                                           "https://ca.example.com/renew", kNow));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto decoded, jose::DecodeUnverified(token));
  const auto& [header, claims] = decoded;
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["typ"], "JWT");
  EXPECT_EQ(header["kid"], key.Thumbprint());
  EXPECT_EQ(header["x5cInsecure"],
            nlohmann::json::array({Base64Encode(chain[0]), Base64Encode(chain[1])}));
  EXPECT_EQ(claims["iss"], "step-ca-client/1.0");
  EXPECT_EQ(claims["sub"], "internal.example.com");
  EXPECT_EQ(claims["aud"], "https://ca.example.com/renew");
  EXPECT_EQ(claims["iat"], ToUnixSeconds(kNow));
  EXPECT_EQ(claims["nbf"], ToUnixSeconds(kNow));
  EXPECT_EQ(claims["exp"], ToUnixSeconds(kNow) + 300);
  EXPECT_FALSE(claims.contains("jti"));
  CAIRN_EXPECT_OK(jose::VerifyJwt(token, key.PublicKey()));
}

TEST(RenewTokenTest, RefusesEmptyChain) {
  jose::Jwk key = ProvisionerKey();
  EXPECT_FALSE(RenewToken({}, "cn", key, "https://ca/renew", kNow).ok());
  EXPECT_FALSE(RenewToken({"der"}, "cn", key.PublicKey(), "https://ca/renew", kNow).ok());
}

TEST(AdminTokenTest, X5cHeaderAndStepAdminClaims) {
  jose::Jwk key = ProvisionerKey();
  testing::FakeRandom random;
  std::vector<std::string> chain = {"leaf-der-bytes", "intermediate-der-bytes"};
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string token,
      AdminToken(chain, "step", key, "https://ca.example.com/admin/acme/eab/acme", kNow, random));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto decoded, jose::DecodeUnverified(token));
  const auto& [header, claims] = decoded;
  EXPECT_EQ(header["x5c"], nlohmann::json::array({Base64Encode(chain[0]), Base64Encode(chain[1])}));
  EXPECT_FALSE(header.contains("x5cInsecure"));
  EXPECT_EQ(claims["iss"], "step-admin-client/1.0");
  EXPECT_EQ(claims["sub"], "step");
  EXPECT_EQ(claims["aud"], "https://ca.example.com/admin/acme/eab/acme");
  EXPECT_EQ(claims["exp"], ToUnixSeconds(kNow) + 300);
  EXPECT_EQ(claims["jti"].get<std::string>().size(), 64u);
  CAIRN_EXPECT_OK(jose::VerifyJwt(token, key.PublicKey()));
  // Each token is unique: the CA accepts an admin token once.
  EXPECT_NE(*AdminToken(chain, "step", key, "https://ca/admin/admins", kNow, random),
            *AdminToken(chain, "step", key, "https://ca/admin/admins", kNow, random));
  EXPECT_FALSE(AdminToken({}, "step", key, "https://ca/admin/admins", kNow, random).ok());
  EXPECT_FALSE(AdminToken(chain, "", key, "https://ca/admin/admins", kNow, random).ok());
  EXPECT_FALSE(AdminToken(chain, "step", key.PublicKey(), "https://ca/admin", kNow, random).ok());
}

TEST(ResolveTokenTimesTest, Table) {
  struct Case {
    const char* name;
    std::optional<Duration> nbf;  // relative to now
    std::optional<Duration> exp;
    bool ok;
    Duration want_nbf;
    Duration want_exp;
  } cases[] = {
      {"defaults", std::nullopt, std::nullopt, true, Duration(0), minutes(5)},
      {"not-after only", std::nullopt, minutes(30), true, Duration(0), minutes(30)},
      {"not-before only", minutes(30), std::nullopt, true, minutes(30), minutes(35)},
      {"both", minutes(30), minutes(35), true, minutes(30), minutes(35)},
      {"minimum validity", std::nullopt, seconds(10), true, Duration(0), seconds(10)},
      {"maximum validity", std::nullopt, hours(1), true, Duration(0), hours(1)},
      {"too short", std::nullopt, seconds(9), false, {}, {}},
      {"too long", std::nullopt, hours(1) + seconds(1), false, {}, {}},
      {"delay too long", minutes(31), std::nullopt, false, {}, {}},
      {"after before before", minutes(10), minutes(5), false, {}, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<Time> nbf, exp;
    if (c.nbf) nbf = kNow + *c.nbf;
    if (c.exp) exp = kNow + *c.exp;
    auto t = ResolveTokenTimes(kNow, nbf, exp);
    ASSERT_EQ(t.ok(), c.ok) << t.status();
    if (!c.ok) {
      EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    EXPECT_EQ(t->issued_at, kNow);
    EXPECT_EQ(t->not_before, kNow + c.want_nbf);
    EXPECT_EQ(t->expiry, kNow + c.want_exp);
  }
}

TEST(ResolveTokenTimesTest, TokenCarriesRequestedWindow) {
  jose::Jwk key = ProvisionerKey();
  testing::FakeRandom random;
  JwkTokenRequest r = BasicRequest();
  r.not_before = kNow + minutes(30);
  r.not_after = kNow + minutes(35);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignToken(r, key, kNow, random));
  auto claims = jose::DecodeUnverified(token)->second;
  EXPECT_EQ(claims["iat"], ToUnixSeconds(kNow));
  EXPECT_EQ(claims["nbf"], ToUnixSeconds(kNow) + 1800);
  EXPECT_EQ(claims["exp"], ToUnixSeconds(kNow) + 2100);

  r.not_after = kNow + hours(2);
  auto bad = SignToken(r, key, kNow, random);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("too long"));
}

TEST(TokenAudienceTest, BuildsStepsAudiences) {
  EXPECT_EQ(*TokenAudience("ca.example.com:9000", TokenType::kSign),
            "https://ca.example.com:9000/1.0/sign");
  EXPECT_EQ(*TokenAudience("https://ca.example.com/some/path", TokenType::kRevoke),
            "https://ca.example.com/1.0/revoke");
  EXPECT_EQ(*TokenAudience("https://127.0.0.1:8443", TokenType::kRenew),
            "https://127.0.0.1:8443/1.0/renew");
  EXPECT_FALSE(TokenAudience("http://ca.example.com", TokenType::kSign).ok());
}

TEST(CsrFingerprintTest, IsBase64UrlSha256) {
  EXPECT_EQ(CsrFingerprint("abc"), Base64UrlEncode(crypto::Sha256("abc")));
  EXPECT_EQ(CsrFingerprint("abc").size(), 43u);
}

TEST(ParseKeyFileTest, PlainJwk) {
  jose::Jwk key = ProvisionerKey();
  std::string text = key.ToJsonString(true);
  EXPECT_FALSE(KeyFileIsEncrypted(text));
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk got, ParseKeyFile(text, ""));
  EXPECT_EQ(got.Thumbprint(), key.Thumbprint());
  EXPECT_EQ(got.kid(), key.kid());
  // A public JWK cannot sign.
  EXPECT_FALSE(ParseKeyFile(key.PublicKey().ToJsonString(false), "").ok());
}

TEST(ParseKeyFileTest, EncryptedJwkCompactAndJson) {
  jose::Jwk key = ProvisionerKey();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string compact, jose::EncryptJwk(key, "pass", 1000));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string json,
                             jose::EncryptPbes2Json(key.ToJsonString(true), "pass", 1000));
  for (const std::string& text : {compact, json}) {
    EXPECT_TRUE(KeyFileIsEncrypted(text));
    EXPECT_EQ(ParseKeyFile(text, "").status().code(), StatusCode::kFailedPrecondition);
    EXPECT_FALSE(ParseKeyFile(text, "wrong").ok());
    CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk got, ParseKeyFile(text, "pass"));
    EXPECT_EQ(got.Thumbprint(), key.Thumbprint());
  }
}

TEST(ParseKeyFileTest, PemKeys) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto pk, crypto::PrivateKey::Generate({}));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string plain, pk.ToPem());
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string encrypted, pk.ToPem("secret"));
  EXPECT_FALSE(KeyFileIsEncrypted(plain));
  EXPECT_TRUE(KeyFileIsEncrypted(encrypted));
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk a, ParseKeyFile(plain, ""));
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk b, ParseKeyFile(encrypted, "secret"));
  EXPECT_EQ(a.Thumbprint(), b.Thumbprint());
  EXPECT_TRUE(a.is_private());
}

TEST(SshSignTokenTest, ClaimsAreStepsSshShape) {
  jose::Jwk key = ProvisionerKey();
  testing::FakeRandom random(3);
  JwkTokenRequest r = BasicRequest();
  r.subject = "jane@example.com";
  CAIRN_ASSERT_OK_AND_ASSIGN(r.audience, SshTokenAudience("ca.example.com:9000"));
  EXPECT_EQ(r.audience, "https://ca.example.com:9000/1.0/ssh/sign");
  SshTokenClaims ssh;
  ssh.key_id = "jane@example.com";
  ssh.principals = DefaultSshPrincipals("jane@example.com", /*host=*/false);
  ssh.valid_before = "2h";
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SshSignToken(r, ssh, key, kNow, random));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto decoded, jose::DecodeUnverified(token));
  const auto& [header, claims] = decoded;
  EXPECT_EQ(header["kid"], "the-provisioner-kid");
  EXPECT_EQ(claims["aud"], "https://ca.example.com:9000/1.0/ssh/sign");
  EXPECT_EQ(claims["sub"], "jane@example.com");
  EXPECT_EQ(claims["iss"], "admin");
  EXPECT_EQ(claims["jti"].get<std::string>().size(), 64u);
  EXPECT_FALSE(claims.contains("sans")) << "SSH tokens carry principals, not sans";
  EXPECT_EQ(claims["step"], nlohmann::json::parse(R"({"ssh": {
      "certType": "user", "keyID": "jane@example.com",
      "principals": ["jane", "jane@example.com"],
      "validAfter": "", "validBefore": "2h"}})"));
  CAIRN_EXPECT_OK(jose::VerifyJwt(token, key.PublicKey()));
}

TEST(SshSignTokenTest, HostTokenAndBadType) {
  jose::Jwk key = ProvisionerKey("OKP", "Ed25519");
  testing::FakeRandom random(4);
  JwkTokenRequest r = BasicRequest();
  SshTokenClaims ssh{.cert_type = "host",
                     .key_id = "internal.example.com",
                     .principals = DefaultSshPrincipals("internal.example.com", true)};
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SshSignToken(r, ssh, key, kNow, random));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto decoded, jose::DecodeUnverified(token));
  EXPECT_EQ(decoded.second["step"]["ssh"]["certType"], "host");
  EXPECT_EQ(decoded.second["step"]["ssh"]["principals"],
            nlohmann::json::array({"internal.example.com"}));
  ssh.cert_type = "admin";
  EXPECT_EQ(SshSignToken(r, ssh, key, kNow, random).status().code(), StatusCode::kInvalidArgument);
  r.subject.clear();
  ssh.cert_type = "user";
  EXPECT_EQ(SshSignToken(r, ssh, key, kNow, random).status().code(), StatusCode::kInvalidArgument);
}

TEST(SshPrincipalsTest, StepsDefaults) {
  struct Case {
    const char* subject;
    bool host;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {"jane", false, {"jane"}},
      {"jane@example.com", false, {"jane", "jane@example.com"}},
      {"Jane.Doe@Example.com", false, {"janedoe", "Jane.Doe@Example.com"}},
      {"a+b@x@example.com", false, {"a_b_x", "a+b@x@example.com"}},
      {"host.example.com", true, {"host.example.com"}},
      {"Jane@example.com", true, {"Jane@example.com"}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DefaultSshPrincipals(c.subject, c.host), c.want) << c.subject;
  }
}

}  // namespace
}  // namespace cairn::client

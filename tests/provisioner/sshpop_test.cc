#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/log.h"
#include "config/config.h"
#include "crypto/key.h"
#include "crypto/signer.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "jose/jwt.h"
#include "provisioner/collection.h"
#include "provisioner/sshpop/sshpop_provisioner.h"
#include "ssh/certificate.h"
#include "testing/fakes.h"

namespace cairn::provisioner {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kRenewAud[] = "https://ca.example.com/1.0/ssh/renew#sshpop/sshpop";
constexpr char kRekeyAud[] = "https://ca.example.com/1.0/ssh/rekey#sshpop/sshpop";
constexpr char kRevokeAud[] = "https://ca.example.com/1.0/ssh/revoke#sshpop/sshpop";

// An SSH CA (user, host and a stranger's key), certificates it signs, and SSHPOP tokens made
// as step makes them.
class SshPopTest : public ::testing::Test {
 protected:
  SshPopTest()
      : user_ca_(crypto::PrivateKey::Generate({}).value()),
        host_ca_(crypto::PrivateKey::Generate({}).value()),
        other_ca_(crypto::PrivateKey::Generate({}).value()),
        subject_(crypto::PrivateKey::Generate({}).value()) {}

  void SetUp() override { Build(nlohmann::ordered_json::object()); }

  void Build(nlohmann::ordered_json claims) {
    config::ProvisionerConfig pc;
    pc.type = "SSHPOP";
    pc.name = "sshpop";
    pc.raw = {{"type", "SSHPOP"}, {"name", "sshpop"}, {"claims", claims}};
    pc.claims = config::ParseClaims(claims).value();
    SshCaKeys keys;
    keys.user_keys.push_back(ssh::PublicKey::FromCrypto(user_ca_.public_key()).value());
    keys.host_keys.push_back(ssh::PublicKey::FromCrypto(host_ca_.public_key()).value());
    auto p = SshPopProvisioner::Create(pc, config::Claims{}, keys);
    ASSERT_TRUE(p.ok()) << p.status();
    p_ = std::move(p).value();
  }

  // Cert is a certificate for `key` of `type`, signed by `ca`, valid [now-1h, now+`life`).
  ssh::Certificate Cert(ssh::CertType type, const crypto::PrivateKey& ca,
                        const crypto::PrivateKey& key, Duration life = hours(24)) {
    const Time now = clock_.Now();
    ssh::CertificateTemplate t{.key = ssh::PublicKey::FromCrypto(key.public_key()).value()};
    t.serial = 1234567890123456789ull;
    t.type = type;
    t.key_id = "web1";
    t.principals = {"web1.example.com"};
    t.valid_after = static_cast<uint64_t>(ToUnixSeconds(now - hours(1)));
    t.valid_before = static_cast<uint64_t>(ToUnixSeconds(now + life));
    crypto::KeySigner signer(ca);
    return ssh::SignCertificate(t, signer, random_).value();
  }
  ssh::Certificate HostCert() { return Cert(ssh::CertType::kHost, host_ca_, subject_); }

  nlohmann::json Claims(const std::string& aud, const std::string& sub = "1234567890123456789") {
    const int64_t t = ToUnixSeconds(clock_.Now());
    return {{"iss", "sshpop"},
            {"sub", sub},
            {"aud", aud},
            {"iat", t},
            {"nbf", t},
            {"exp", t + 300},
            {"jti", "0123456789abcdef"}};
  }

  // Token signs `claims` with `key` and puts `cert` in the sshpop header.
  std::string Token(const ssh::Certificate& cert, const crypto::PrivateKey& key,
                    const nlohmann::json& claims) {
    jose::Jwk jwk = jose::Jwk::FromPkey(key.get(), true).value();
    return jose::SignJwt(claims, jwk, {{"sshpop", Base64Encode(cert.Marshal())}}).value();
  }
  std::string Token(const std::string& aud) { return Token(HostCert(), subject_, Claims(aud)); }

  jose::ParsedJws Parse(const std::string& token) { return jose::ParseCompact(token).value(); }

  TokenContext Ctx() { return {.now = clock_.Now(), .rejection = &rejection_}; }

  testing::FakeClock clock_;
  testing::FakeRandom random_;
  crypto::PrivateKey user_ca_, host_ca_, other_ca_, subject_;
  Audiences audiences_ = Audiences::FromDnsNames({"ca.example.com"});
  std::unique_ptr<SshPopProvisioner> p_;
  TokenRejection rejection_ = TokenRejection::kNone;
};

TEST_F(SshPopTest, IdentifiesAsStepDoes) {
  EXPECT_EQ(p_->type(), Type::kSshPop);
  EXPECT_EQ(p_->token_lookup_id(), "sshpop/sshpop");
  EXPECT_EQ(p_->id(), "sshpop/sshpop");
}

TEST_F(SshPopTest, AcceptsARenewTokenAndReturnsTheCertificate) {
  ssh::Certificate cert = HostCert();
  auto plan =
      p_->AuthorizeSshRenew(Ctx(), Parse(Token(cert, subject_, Claims(kRenewAud))), audiences_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(plan->cert.has_value());
  EXPECT_EQ(plan->cert->Marshal(), cert.Marshal());
  EXPECT_EQ(plan->token_id, "0123456789abcdef");
  EXPECT_EQ(plan->token_claims["iss"], "sshpop");
  // The port of the CA's URL does not matter, as for every step audience.
  auto ported = p_->AuthorizeSshRenew(
      Ctx(),
      Parse(
          Token(cert, subject_, Claims("https://ca.example.com:9000/1.0/ssh/renew#sshpop/sshpop"))),
      audiences_);
  EXPECT_TRUE(ported.ok()) << ported.status();
}

TEST_F(SshPopTest, AcceptsRekeyAndRevokeTokens) {
  auto rekey = p_->AuthorizeSshRekey(Ctx(), Parse(Token(kRekeyAud)), audiences_);
  ASSERT_TRUE(rekey.ok()) << rekey.status();
  auto revoke = p_->AuthorizeSshRevoke(Ctx(), Parse(Token(kRevokeAud)), audiences_);
  ASSERT_TRUE(revoke.ok()) << revoke.status();
  EXPECT_EQ(revoke->serial, "1234567890123456789");
  EXPECT_EQ(revoke->token_id, "0123456789abcdef");
  // A user certificate may be revoked (only renew and rekey are for hosts).
  ssh::Certificate user = Cert(ssh::CertType::kUser, user_ca_, subject_);
  EXPECT_TRUE(
      p_->AuthorizeSshRevoke(Ctx(), Parse(Token(user, subject_, Claims(kRevokeAud))), audiences_)
          .ok());
}

TEST_F(SshPopTest, RevokeSubjectMustBeTheCertificateSerial) {
  auto r = p_->AuthorizeSshRevoke(
      Ctx(), Parse(Token(HostCert(), subject_, Claims(kRevokeAud, "42"))), audiences_);
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(SshPopTest, UserCertificatesAreNotRenewedNorRekeyed) {
  ssh::Certificate user = Cert(ssh::CertType::kUser, user_ca_, subject_);
  EXPECT_EQ(
      p_->AuthorizeSshRenew(Ctx(), Parse(Token(user, subject_, Claims(kRenewAud))), audiences_)
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      p_->AuthorizeSshRekey(Ctx(), Parse(Token(user, subject_, Claims(kRekeyAud))), audiences_)
          .status()
          .code(),
      StatusCode::kInvalidArgument);
}

TEST_F(SshPopTest, RefusesBrokenTokens) {
  crypto::PrivateKey stranger = crypto::PrivateKey::Generate({}).value();
  crypto::PrivateKey ed = crypto::PrivateKey::Generate({.type = crypto::KeyType::kEd25519}).value();
  const ssh::Certificate host = HostCert();
  nlohmann::json no_sub = Claims(kRenewAud);
  no_sub.erase("sub");
  nlohmann::json other_iss = Claims(kRenewAud);
  other_iss["iss"] = "admin";
  nlohmann::json expired = Claims(kRenewAud);
  expired["exp"] = ToUnixSeconds(clock_.Now() - minutes(2));
  nlohmann::json future = Claims(kRenewAud);
  future["nbf"] = ToUnixSeconds(clock_.Now() + minutes(2));
  auto with_header = [&](nlohmann::json header) {
    jose::Jwk jwk = jose::Jwk::FromPkey(subject_.get(), true).value();
    return jose::SignJwt(Claims(kRenewAud), jwk, std::move(header)).value();
  };
  const std::string hmac = [&] {
    jose::Jwk k = jose::Jwk::FromSymmetric(std::string(32, 'k')).value();
    return jose::SignCompact(Claims(kRenewAud).dump(), k,
                             {{"sshpop", Base64Encode(host.Marshal())}}, "HS256")
        .value();
  }();
  ssh::PublicKey plain_key = ssh::PublicKey::FromCrypto(subject_.public_key()).value();
  struct Case {
    const char* name;
    std::string token;
    TokenRejection why;
  };
  std::vector<Case> cases = {
      {"signed by another CA",
       Token(Cert(ssh::CertType::kHost, other_ca_, subject_), subject_, Claims(kRenewAud)),
       TokenRejection::kSignature},
      {"host certificate signed by the user CA",
       Token(Cert(ssh::CertType::kHost, user_ca_, subject_), subject_, Claims(kRenewAud)),
       TokenRejection::kSignature},
      {"token signed by another key", Token(host, stranger, Claims(kRenewAud)),
       TokenRejection::kSignature},
      {"alg of another key type (EdDSA for an EC certificate)", Token(host, ed, Claims(kRenewAud)),
       TokenRejection::kSignature},
      {"HMAC", hmac, TokenRejection::kSignature},
      {"rekey audience", Token(host, subject_, Claims(kRekeyAud)), TokenRejection::kAudience},
      {"no fragment", Token(host, subject_, Claims("https://ca.example.com/1.0/ssh/renew")),
       TokenRejection::kAudience},
      {"another provisioner's fragment",
       Token(host, subject_, Claims("https://ca.example.com/1.0/ssh/renew#sshpop/other")),
       TokenRejection::kAudience},
      {"another CA",
       Token(host, subject_, Claims("https://evil.example.com/1.0/ssh/renew#sshpop/sshpop")),
       TokenRejection::kAudience},
      {"wrong issuer", Token(host, subject_, other_iss), TokenRejection::kClaims},
      {"no subject", Token(host, subject_, no_sub), TokenRejection::kClaims},
      {"expired token", Token(host, subject_, expired), TokenRejection::kExpired},
      {"token not yet valid", Token(host, subject_, future), TokenRejection::kNotYetValid},
      {"missing sshpop header", with_header(nullptr), TokenRejection::kMalformed},
      {"sshpop header not a string", with_header({{"sshpop", 42}}), TokenRejection::kMalformed},
      {"sshpop header not base64", with_header({{"sshpop", "!!not base64!!"}}),
       TokenRejection::kMalformed},
      {"sshpop header of garbage", with_header({{"sshpop", Base64Encode("garbage bytes")}}),
       TokenRejection::kMalformed},
      {"sshpop header with a plain key",
       with_header({{"sshpop", Base64Encode(plain_key.Marshal())}}), TokenRejection::kMalformed},
  };
  for (const Case& c : cases) {
    rejection_ = TokenRejection::kNone;
    auto jws = jose::ParseCompact(c.token);
    ASSERT_TRUE(jws.ok()) << c.name << ": " << jws.status();
    auto r = p_->AuthorizeSshRenew(Ctx(), *jws, audiences_);
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << c.name << ": " << r.status();
    EXPECT_EQ(rejection_, c.why) << c.name;
  }
  // Within the minute of leeway a token still passes.
  nlohmann::json late = Claims(kRenewAud);
  late["exp"] = ToUnixSeconds(clock_.Now() - seconds(50));
  EXPECT_TRUE(p_->AuthorizeSshRenew(Ctx(), Parse(Token(host, subject_, late)), audiences_).ok());
}

TEST_F(SshPopTest, ExpiredCertificatesRenewOnlyWhenTheClaimsAllow) {
  ssh::Certificate expired = Cert(ssh::CertType::kHost, host_ca_, subject_, -minutes(10));
  // Rekey and revoke need a valid certificate.
  EXPECT_EQ(
      p_->AuthorizeSshRekey(Ctx(), Parse(Token(expired, subject_, Claims(kRekeyAud))), audiences_)
          .status()
          .code(),
      StatusCode::kUnauthenticated);
  EXPECT_EQ(rejection_, TokenRejection::kExpired);
  EXPECT_EQ(
      p_->AuthorizeSshRevoke(Ctx(), Parse(Token(expired, subject_, Claims(kRevokeAud))), audiences_)
          .status()
          .code(),
      StatusCode::kUnauthenticated);
  // Renew: the claims decide.
  auto renew = [&] {
    return p_->AuthorizeSshRenew(Ctx(), Parse(Token(expired, subject_, Claims(kRenewAud))),
                                 audiences_);
  };
  EXPECT_EQ(renew().status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(renew().status().public_message().find("expired"), std::string::npos);
  Build({{"allowRenewalAfterExpiry", true}});
  EXPECT_TRUE(renew().ok()) << renew().status();
  Build({{"disableRenewal", true}});
  EXPECT_EQ(p_->AuthorizeSshRenew(Ctx(), Parse(Token(kRenewAud)), audiences_).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(SshPopTest, CertificatesNotYetValidAreRefused) {
  ssh::CertificateTemplate t{.key = ssh::PublicKey::FromCrypto(subject_.public_key()).value()};
  t.serial = 7;
  t.type = ssh::CertType::kHost;
  t.key_id = "web1";
  t.principals = {"web1"};
  t.valid_after = static_cast<uint64_t>(ToUnixSeconds(clock_.Now() + hours(1)));
  t.valid_before = static_cast<uint64_t>(ToUnixSeconds(clock_.Now() + hours(2)));
  crypto::KeySigner signer(host_ca_);
  ssh::Certificate future = ssh::SignCertificate(t, signer, random_).value();
  for (const char* aud : {kRenewAud, kRekeyAud}) {
    nlohmann::json c = Claims(aud);
    auto jws = Parse(Token(future, subject_, c));
    auto r = std::string(aud) == kRenewAud ? p_->AuthorizeSshRenew(Ctx(), jws, audiences_)
                                           : p_->AuthorizeSshRekey(Ctx(), jws, audiences_);
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << aud;
  }
}

TEST_F(SshPopTest, CollectionServesSshPopProvisionersByTheirFragment) {
  nlohmann::json ca = {
      {"root", "root.crt"},
      {"crt", "int.crt"},
      {"key", "int.key"},
      {"address", ":443"},
      {"dnsNames", {"ca.example.com"}},
      {"authority", {{"provisioners", {{{"type", "sshpop"}, {"name", "sshpop"}}}}}}};
  auto cfg = config::ParseCaConfig(ca.dump(), "ca.json");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  NullLogger log;
  SshCaKeys keys;
  keys.host_keys.push_back(ssh::PublicKey::FromCrypto(host_ca_.public_key()).value());
  auto coll = Collection::Build(*cfg, log, "", {}, keys);
  ASSERT_TRUE(coll.ok()) << coll.status();
  auto [entries, next] = (*coll)->Find("", 10);
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_NE(entries[0].provisioner, nullptr) << "served, not listed as uninitialized";
  EXPECT_FALSE(entries[0].json->contains("state"));
  const std::string token = Token(kRenewAud);
  auto jws = Parse(token);
  auto claims = nlohmann::json::parse(jws.payload);
  const Provisioner* p = (*coll)->LoadByToken(jws.header, claims);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->type(), Type::kSshPop);
  EXPECT_TRUE(p->AuthorizeSshRenew(Ctx(), jws, (*coll)->audiences()).ok());
  // The keys given to Build are the ones it verifies with: without them, nothing passes.
  auto bare = Collection::Build(*cfg, log);
  ASSERT_TRUE(bare.ok());
  const Provisioner* q = (*bare)->LoadByToken(jws.header, claims);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->AuthorizeSshRenew(Ctx(), jws, (*bare)->audiences()).status().code(),
            StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace cairn::provisioner

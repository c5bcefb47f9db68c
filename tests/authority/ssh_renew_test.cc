// SSHPOP renewals, rekeys and revocations through the Authority (authority/ssh_renew.cc and
// the SSHPOP path of RevokeSsh), over a MemoryStore and a FakeClock.

#include "authority/authority.h"
#include "authority/ssh_ca_fixture.h"
#include "base/encoding.h"
#include "base/file.h"
#include "crypto/key.h"
#include "crypto/signer.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "pki/builder.h"
#include "ssh/certificate.h"
#include "ssh/key.h"
#include "store/memory_store.h"
#include "testing/fakes.h"

namespace cairn::authority {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr char kAud[] = "https://ca.example.com/1.0/ssh/";

// A CA with SSH user and host keys, a JWK provisioner "admin" with enableSSHCA (to issue the
// first certificates) and an SSHPOP provisioner "sshpop".
class SshRenewTest : public SshCaTest {
 protected:
  void SetUp() override {
    SshCaTest::SetUp();
    config_json_["authority"]["provisioners"].push_back(
        {{"type", "SSHPOP"}, {"name", "sshpop"}, {"claims", {{"enableSSHCA", true}}}});
    Rebuild();
  }

  nlohmann::json& SshPopClaims() { return config_json_["authority"]["provisioners"][1]["claims"]; }

  // Issue signs a certificate of `type` for `key` through the JWK provisioner.
  ssh::Certificate Issue(const crypto::PrivateKey& key, const std::string& type) {
    std::string ott =
        JwkToken("web1.example.com", std::string(kAud) + "sign",
                 {{"ssh", {{"certType", type}, {"principals", {"web1.example.com", "10.0.0.5"}}}}});
    SshSignRequest req{
        .public_key = Base64Encode(ssh::PublicKey::FromCrypto(key.public_key())->Marshal()),
        .ott = ott,
        .cert_type = type};
    auto issued = authority_->SignSsh(req);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued->cert;
  }

  // PopToken is the SSHPOP token step makes: `cert` in the sshpop header, signed by `key`.
  std::string PopToken(const ssh::Certificate& cert, const crypto::PrivateKey& key,
                       const std::string& op, std::string sub = "") {
    const int64_t t = ToUnixSeconds(clock_.Now());
    nlohmann::json claims = {{"iss", "sshpop"},
                             {"sub", sub.empty() ? std::to_string(cert.serial()) : sub},
                             {"aud", std::string(kAud) + op + "#sshpop/sshpop"},
                             {"iat", t},
                             {"nbf", t},
                             {"exp", t + 300},
                             {"jti", *random_.Hex(32)}};
    jose::Jwk jwk = jose::Jwk::FromPkey(key.get(), true).value();
    return jose::SignJwt(claims, jwk, {{"sshpop", Base64Encode(cert.Marshal())}}).value();
  }

  static std::string KeyB64(const crypto::PrivateKey& key) {
    return Base64Encode(ssh::PublicKey::FromCrypto(key.public_key())->Marshal());
  }

  crypto::PrivateKey host_key_ = crypto::PrivateKey::Generate({}).value();
};

TEST_F(SshRenewTest, RenewKeepsTheCertificateButNumbersAndDatesItAnew) {
  const ssh::Certificate old = Issue(host_key_, "host");
  clock_.Advance(hours(5));
  CAIRN_ASSERT_OK_AND_ASSIGN(SshIssued renewed,
                             authority_->RenewSsh(PopToken(old, host_key_, "renew")));
  const ssh::Certificate& c = renewed.cert;
  CAIRN_EXPECT_OK(c.Verify());
  EXPECT_EQ(c.signature_key(), *host_ca_);
  EXPECT_EQ(c.key(), old.key());
  EXPECT_EQ(c.type(), ssh::CertType::kHost);
  EXPECT_EQ(c.key_id(), old.key_id());
  EXPECT_EQ(c.principals(), old.principals());
  EXPECT_EQ(c.critical_options(), old.critical_options());
  EXPECT_EQ(c.extensions(), old.extensions());
  EXPECT_NE(c.serial(), old.serial());
  EXPECT_NE(c.nonce(), old.nonce());
  // The same validity length, from now − backdate.
  EXPECT_EQ(c.valid_before() - c.valid_after(), old.valid_before() - old.valid_after());
  EXPECT_EQ(c.valid_after(), static_cast<uint64_t>(ToUnixSeconds(clock_.Now() - minutes(1))));
  // Recorded under the SSHPOP provisioner.
  auto rec = store_.GetSshCertificate(std::to_string(c.serial()));
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->cert, c.Marshal());
  EXPECT_EQ((*rec)->provisioner_name, "sshpop");
  EXPECT_EQ(renewed.provisioner, "sshpop");
  // The renewed certificate renews in turn.
  CAIRN_EXPECT_OK(authority_->RenewSsh(PopToken(c, host_key_, "renew")).status());
}

TEST_F(SshRenewTest, ATokenWorksOnce) {
  const ssh::Certificate old = Issue(host_key_, "host");
  const std::string token = PopToken(old, host_key_, "renew");
  CAIRN_ASSERT_OK(authority_->RenewSsh(token).status());
  auto again = authority_->RenewSsh(token);
  EXPECT_EQ(again.status().code(), StatusCode::kUnauthenticated) << again.status();
  EXPECT_EQ(store_.ListSshCertificates("", 10)->size(), 2u) << "the original and one renewal";
}

TEST_F(SshRenewTest, RekeyCertifiesTheNewKey) {
  const ssh::Certificate old = Issue(host_key_, "host");
  auto new_key = crypto::PrivateKey::Generate({.type = crypto::KeyType::kEd25519}).value();
  CAIRN_ASSERT_OK_AND_ASSIGN(
      SshIssued rekeyed, authority_->RekeySsh(PopToken(old, host_key_, "rekey"), KeyB64(new_key)));
  const ssh::Certificate& c = rekeyed.cert;
  EXPECT_EQ(c.key(), ssh::PublicKey::FromCrypto(new_key.public_key()).value());
  EXPECT_EQ(c.type_name(), "ssh-ed25519-cert-v01@openssh.com");
  EXPECT_EQ(c.principals(), old.principals());
  EXPECT_EQ(c.key_id(), old.key_id());
  EXPECT_EQ(c.valid_before() - c.valid_after(), old.valid_before() - old.valid_after());
  EXPECT_NE(c.serial(), old.serial());
  CAIRN_EXPECT_OK(c.Verify());
  EXPECT_TRUE(store_.GetSshCertificate(std::to_string(c.serial()))->has_value());
  // A renew token does not rekey, and a malformed key is a bad request.
  EXPECT_EQ(
      authority_->RekeySsh(PopToken(old, host_key_, "renew"), KeyB64(new_key)).status().code(),
      StatusCode::kUnauthenticated);
  EXPECT_EQ(authority_->RekeySsh(PopToken(old, host_key_, "rekey"), "AAAA").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(authority_->RekeySsh(PopToken(old, host_key_, "rekey"), "!!").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SshRenewTest, RekeyKeepsTheProvisionersDurations) {
  const ssh::Certificate old = Issue(host_key_, "host");  // 30 days
  SshPopClaims()["maxHostSSHCertDuration"] = "24h";
  SshPopClaims()["defaultHostSSHCertDuration"] = "24h";
  Rebuild();
  auto new_key = crypto::PrivateKey::Generate({}).value();
  EXPECT_EQ(
      authority_->RekeySsh(PopToken(old, host_key_, "rekey"), KeyB64(new_key)).status().code(),
      StatusCode::kPermissionDenied);
  // Renewal copies the old length without that check, as step-ca does.
  CAIRN_EXPECT_OK(authority_->RenewSsh(PopToken(old, host_key_, "renew")).status());
}

TEST_F(SshRenewTest, RevokedCertificatesAreRefused) {
  const ssh::Certificate old = Issue(host_key_, "host");
  const std::string serial = std::to_string(old.serial());
  // The SSHPOP token's subject must be the certificate's serial.
  EXPECT_EQ(authority_->RevokeSsh({.serial = "42", .ott = PopToken(old, host_key_, "revoke", "42")})
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(
      authority_->RevokeSsh({.serial = "42", .ott = PopToken(old, host_key_, "revoke")}).code(),
      StatusCode::kPermissionDenied);
  CAIRN_ASSERT_OK(authority_->RevokeSsh(
      {.serial = serial, .ott = PopToken(old, host_key_, "revoke"), .reason_code = 1}));
  auto rev = store_.GetSshRevocation(serial);
  ASSERT_TRUE(rev.ok() && rev->has_value());
  EXPECT_EQ((*rev)->provisioner_id, "sshpop/sshpop");

  auto renew = authority_->RenewSsh(PopToken(old, host_key_, "renew"));
  EXPECT_EQ(renew.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(renew.status().public_message().find("revoked"), std::string::npos);
  auto new_key = crypto::PrivateKey::Generate({}).value();
  EXPECT_EQ(
      authority_->RekeySsh(PopToken(old, host_key_, "rekey"), KeyB64(new_key)).status().code(),
      StatusCode::kUnauthenticated);
  EXPECT_EQ(
      authority_->RevokeSsh({.serial = serial, .ott = PopToken(old, host_key_, "revoke")}).code(),
      StatusCode::kInvalidArgument)
      << "already revoked";
  EXPECT_EQ(store_.ListSshCertificates("", 10)->size(), 1u) << "nothing new was issued";
}

TEST_F(SshRenewTest, UserCertificatesAreNotRenewed) {
  const ssh::Certificate user = Issue(host_key_, "user");
  EXPECT_EQ(authority_->RenewSsh(PopToken(user, host_key_, "renew")).status().code(),
            StatusCode::kInvalidArgument);
  auto new_key = crypto::PrivateKey::Generate({}).value();
  EXPECT_EQ(
      authority_->RekeySsh(PopToken(user, host_key_, "rekey"), KeyB64(new_key)).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.ListSshCertificates("", 10)->size(), 1u);
}

TEST_F(SshRenewTest, ExpiredCertificatesRenewOnlyWhenAllowed) {
  const ssh::Certificate old = Issue(host_key_, "host");
  clock_.Advance(hours(24 * 31));
  auto r = authority_->RenewSsh(PopToken(old, host_key_, "renew"));
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  auto new_key = crypto::PrivateKey::Generate({}).value();
  EXPECT_EQ(
      authority_->RekeySsh(PopToken(old, host_key_, "rekey"), KeyB64(new_key)).status().code(),
      StatusCode::kUnauthenticated)
      << "rekey needs a valid certificate";
  SshPopClaims()["allowRenewalAfterExpiry"] = true;
  Rebuild();
  CAIRN_ASSERT_OK_AND_ASSIGN(SshIssued renewed,
                             authority_->RenewSsh(PopToken(old, host_key_, "renew")));
  EXPECT_GT(renewed.cert.valid_before(), static_cast<uint64_t>(ToUnixSeconds(clock_.Now())));
}

TEST_F(SshRenewTest, GarbageAndForeignTokensAreRefused) {
  const ssh::Certificate old = Issue(host_key_, "host");
  EXPECT_EQ(authority_->RenewSsh("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(authority_->RenewSsh("not.a.token").status().code(), StatusCode::kUnauthenticated);
  // A JWK token for /ssh/renew finds no provisioner that renews.
  std::string jwk_token = JwkToken(std::to_string(old.serial()), std::string(kAud) + "renew");
  EXPECT_EQ(authority_->RenewSsh(jwk_token).status().code(), StatusCode::kUnauthenticated);
  // The certificate's key must sign the token.
  auto stranger = crypto::PrivateKey::Generate({}).value();
  EXPECT_EQ(authority_->RenewSsh(PopToken(old, stranger, "renew")).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(SshRenewTest, CasWithoutSshKeysDoNotRenew) {
  const ssh::Certificate old = Issue(host_key_, "host");
  config_json_.erase("ssh");
  Rebuild();
  EXPECT_EQ(authority_->RenewSsh(PopToken(old, host_key_, "renew")).status().code(),
            StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace cairn::authority

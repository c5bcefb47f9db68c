#include "authority/ssh_ca_fixture.h"

#include "base/clock.h"
#include "base/file.h"
#include "crypto/signer.h"
#include "jose/jwt.h"
#include "pki/builder.h"

namespace cairn::authority {

using std::chrono::hours;
using std::chrono::minutes;

void SshCaTest::SetUp() {
  auto root_key = crypto::PrivateKey::Generate({}).value();
  auto int_key = crypto::PrivateKey::Generate({}).value();
  pki::CertificateTemplate t;
  t.subject.common_name = "Test Root CA";
  t.serial_decimal = "1";
  t.not_before = clock_.Now() - hours(1);
  t.not_after = clock_.Now() + hours(24 * 365);
  t.key_usage = pki::kCertSign | pki::kCrlSign;
  t.basic_constraints = {.present = true, .is_ca = true, .max_path_len = 1};
  crypto::KeySigner root_signer(root_key);
  auto root = pki::SignCertificate(t, root_key.public_key(), nullptr, root_signer).value();
  t.subject.common_name = "Test Intermediate CA";
  t.serial_decimal = "2";
  t.basic_constraints.max_path_len = 0;
  auto inter = pki::SignCertificate(t, int_key.public_key(), &root, root_signer).value();
  CAIRN_ASSERT_OK(WriteFileAtomic(Path("root.crt"), root.pem()));
  CAIRN_ASSERT_OK(WriteFileAtomic(Path("int.crt"), inter.pem()));
  CAIRN_ASSERT_OK(WriteFileAtomic(Path("int.key"), int_key.ToPem("secret").value(), 0600));
  user_ca_key_ = crypto::PrivateKey::Generate({}).value();
  host_ca_key_ = crypto::PrivateKey::Generate(host_ca_spec_).value();
  user_ca_ = ssh::PublicKey::FromCrypto(user_ca_key_->public_key()).value();
  host_ca_ = ssh::PublicKey::FromCrypto(host_ca_key_->public_key()).value();
  CAIRN_ASSERT_OK(WriteFileAtomic(Path("ssh_user"), user_ca_key_->ToPem("secret").value(), 0600));
  CAIRN_ASSERT_OK(WriteFileAtomic(Path("ssh_host"), host_ca_key_->ToPem("secret").value(), 0600));
  prov_key_ = jose::Jwk::Generate("EC", "P-256").value();
  config_json_ = {{"root", Path("root.crt")},
                  {"crt", Path("int.crt")},
                  {"key", Path("int.key")},
                  {"address", "127.0.0.1:0"},
                  {"dnsNames", {"ca.example.com"}},
                  {"ssh", {{"userKey", Path("ssh_user")}, {"hostKey", Path("ssh_host")}}},
                  {"authority",
                   {{"provisioners",
                     {{{"type", "JWK"},
                       {"name", "admin"},
                       {"key", nlohmann::json::parse(prov_key_.PublicKey().ToJsonString(false))},
                       {"claims", {{"enableSSHCA", true}}}}}}}}};
  Rebuild();
}

void SshCaTest::Rebuild() {
  auto a = TryRebuild();
  CAIRN_ASSERT_OK(a.status());
  authority_ = std::move(a).value();
}

Result<std::unique_ptr<Authority>> SshCaTest::TryRebuild() {
  CAIRN_ASSIGN_OR_RETURN(config::CaConfig cfg,
                         config::ParseCaConfig(config_json_.dump(), "test ca.json"));
  AuthorityOptions opts{
      .home = dir_.path(), .password = "secret", .start_time = clock_.Now() - minutes(5)};
  return Authority::Create(cfg, opts, Env{clock_, random_, store_, log_});
}

std::string SshCaTest::JwkToken(const std::string& sub, const std::string& aud,
                                nlohmann::json step) {
  const int64_t now = ToUnixSeconds(clock_.Now());
  nlohmann::json claims = {{"iss", "admin"},
                           {"sub", sub},
                           {"aud", aud},
                           {"iat", now},
                           {"nbf", now},
                           {"exp", now + 300},
                           {"jti", *random_.Hex(32)}};
  if (!step.is_null()) claims["step"] = std::move(step);
  return jose::SignJwt(claims, prov_key_, {{"kid", prov_key_.kid()}}).value();
}

}  // namespace cairn::authority

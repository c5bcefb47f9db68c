#include "authority/authority.h"

#include <openssl/ocsp.h>

#include <filesystem>
#include <thread>

#include "base/encoding.h"
#include "base/file.h"
#include "crypto/key.h"
#include "crypto/signer.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "pki/builder.h"
#include "pki/crl.h"
#include "pki/csr.h"
#include "pki/extension.h"
#include "pki/verify.h"
#include "ssh/certificate.h"
#include "ssh/key.h"
#include "store/memory_store.h"
#include "testing/fakes.h"

namespace cairn::authority {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// A CA on disk (root, intermediate, encrypted key, ca.json with one JWK provisioner), an
// Authority over a MemoryStore and a FakeClock.
class AuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cairn-authority-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    CAIRN_ASSERT_OK_AND_ASSIGN(auto root_key, crypto::PrivateKey::Generate({}));
    CAIRN_ASSERT_OK_AND_ASSIGN(auto int_key, crypto::PrivateKey::Generate({}));
    pki::CertificateTemplate t;
    t.subject.common_name = "Test Root CA";
    t.serial_decimal = "1";
    t.not_before = clock_.Now() - hours(1);
    t.not_after = clock_.Now() + hours(24 * 365);
    t.key_usage = pki::kCertSign | pki::kCrlSign;
    t.basic_constraints = {.present = true, .is_ca = true, .max_path_len = 1};
    crypto::KeySigner root_signer(root_key);
    CAIRN_ASSERT_OK_AND_ASSIGN(
        root_, pki::SignCertificate(t, root_key.public_key(), nullptr, root_signer));
    t.subject.common_name = "Test Intermediate CA";
    t.serial_decimal = "2";
    t.basic_constraints.max_path_len = 0;
    CAIRN_ASSERT_OK_AND_ASSIGN(intermediate_,
                               pki::SignCertificate(t, int_key.public_key(), &*root_, root_signer));
    CAIRN_ASSERT_OK(WriteFileAtomic(Path("root.crt"), root_->pem()));
    CAIRN_ASSERT_OK(WriteFileAtomic(Path("int.crt"), intermediate_->pem()));
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string int_pem, int_key.ToPem("secret"));
    CAIRN_ASSERT_OK(WriteFileAtomic(Path("int.key"), int_pem, 0600));
    CAIRN_ASSERT_OK_AND_ASSIGN(prov_key_, jose::Jwk::Generate("EC", "P-256"));
    config_json_ = {
        {"root", Path("root.crt")},
        {"crt", Path("int.crt")},
        {"key", Path("int.key")},
        {"address", "127.0.0.1:0"},
        {"dnsNames", {"ca.example.com"}},
        {"authority",
         {{"provisioners",
           {{{"type", "JWK"},
             {"name", "admin"},
             {"key", nlohmann::json::parse(prov_key_.PublicKey().ToJsonString(false))},
             {"claims", {{"minTLSCertDuration", "1m"}, {"maxTLSCertDuration", "48h"}}}}}}}}};
    Rebuild();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Rebuild() {
    CAIRN_ASSERT_OK_AND_ASSIGN(config::CaConfig cfg,
                               config::ParseCaConfig(config_json_.dump(), "test ca.json"));
    AuthorityOptions opts{
        .home = dir_.string(), .password = "secret", .start_time = clock_.Now() - minutes(5)};
    CAIRN_ASSERT_OK_AND_ASSIGN(authority_,
                               Authority::Create(cfg, opts, Env{clock_, random_, store_, log_}));
  }

  std::string Path(const char* name) { return (dir_ / name).string(); }

  std::string Token(const std::string& sub, std::vector<std::string> sans,
                    const char* aud = "https://ca.example.com/1.0/sign") {
    int64_t t = ToUnixSeconds(clock_.Now());
    nlohmann::json claims = {{"iss", "admin"},
                             {"sub", sub},
                             {"aud", aud},
                             {"iat", t},
                             {"nbf", t},
                             {"exp", t + 300},
                             {"jti", *random_.Hex(32)}};
    if (!sans.empty()) claims["sans"] = sans;
    return jose::SignJwt(claims, prov_key_, {{"kid", prov_key_.kid()}}).value();
  }

  std::string Csr(const std::string& cn, pki::SubjectAltNames sans, crypto::KeySpec spec = {}) {
    auto key = crypto::PrivateKey::Generate(spec).value();
    last_key_ = key;
    pki::Name name;
    name.common_name = cn;
    return pki::CreateCsr(name, sans, key).value().pem();
  }

  std::filesystem::path dir_;
  testing::FakeClock clock_;
  testing::FakeRandom random_;
  store::MemoryStore store_;
  NullLogger log_;
  std::optional<pki::Certificate> root_, intermediate_;
  jose::Jwk prov_key_;
  nlohmann::json config_json_;
  std::unique_ptr<Authority> authority_;
  std::optional<crypto::PrivateKey> last_key_;
};

TEST_F(AuthorityTest, SignsWhatTheTokenAllowsAndRecordsIt) {
  SignRequest req{.csr_pem = Csr("svc.example.com", {.dns = {"svc.example.com"}}),
                  .ott = Token("svc.example.com", {"svc.example.com", "10.0.0.7"})};
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued issued, authority_->Sign(req));
  const pki::Certificate& c = issued.leaf;
  EXPECT_EQ(c.subject_cn(), "svc.example.com");
  EXPECT_THAT(c.dns_names(), ::testing::ElementsAre("svc.example.com"));
  EXPECT_THAT(c.ip_addresses(), ::testing::ElementsAre("10.0.0.7"));
  EXPECT_EQ(c.not_after() - c.not_before(), hours(24) + minutes(1));
  EXPECT_EQ(c.not_before(), clock_.Now() - minutes(1));
  ASSERT_TRUE(c.provisioner_extension().has_value());
  EXPECT_EQ(c.provisioner_extension()->name, "admin");
  EXPECT_EQ(c.provisioner_extension()->credential_id, prov_key_.kid());
  EXPECT_THAT(c.ext_key_usage(), ::testing::ElementsAre("serverAuth", "clientAuth"));
  ASSERT_EQ(issued.chain.size(), 2u);
  CAIRN_EXPECT_OK(pki::VerifyChain(c, {*intermediate_}, {*root_}, {.at = clock_.Now()}));
  auto rec = store_.GetCertificate(c.serial_decimal());
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->provisioner_name, "admin");
  EXPECT_EQ((*rec)->der, c.der());
}

TEST_F(AuthorityTest, TokenIsSingleUse) {
  std::string tok = Token("a.example.com", {});
  SignRequest req{.csr_pem = Csr("a.example.com", {}), .ott = tok};
  CAIRN_ASSERT_OK(authority_->Sign(req));
  req.csr_pem = Csr("a.example.com", {});
  auto again = authority_->Sign(req);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kUnauthenticated);
  auto list = store_.ListCertificates("", 10);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(AuthorityTest, RefusesWhatTheTokenDoesNotAllow) {
  struct Case {
    const char* name;
    SignRequest req;
    StatusCode want;
  } cases[] = {
      {"other CN",
       {.csr_pem = Csr("evil.example.com", {}), .ott = Token("a.example.com", {})},
       StatusCode::kPermissionDenied},
      {"extra DNS",
       {.csr_pem = Csr("a.example.com", {.dns = {"a.example.com", "b.example.com"}}),
        .ott = Token("a.example.com", {})},
       StatusCode::kPermissionDenied},
      {"RSA 2048 is enough",
       {.csr_pem = Csr("a.example.com", {}, {.type = crypto::KeyType::kRsa, .rsa_bits = 2048}),
        .ott = Token("a.example.com", {})},
       StatusCode::kOk},
      {"too long",
       {.csr_pem = Csr("a.example.com", {}), .ott = Token("a.example.com", {}), .not_after = "49h"},
       StatusCode::kPermissionDenied},
      // An explicit notBefore turns the backdate off, so 30s is under the 1m minimum.
      {"too short",
       {.csr_pem = Csr("a.example.com", {}),
        .ott = Token("a.example.com", {}),
        .not_before = "0s",
        .not_after = "30s"},
       StatusCode::kPermissionDenied},
      {"in the past",
       {.csr_pem = Csr("a.example.com", {}),
        .ott = Token("a.example.com", {}),
        .not_before = "-3h",
        .not_after = "-2h"},
       StatusCode::kInvalidArgument},
      {"garbage CSR",
       {.csr_pem = "garbage", .ott = Token("a.example.com", {})},
       StatusCode::kInvalidArgument},
      {"bad notAfter",
       {.csr_pem = Csr("a.example.com", {}),
        .ott = Token("a.example.com", {}),
        .not_after = "tomorrow"},
       StatusCode::kInvalidArgument},
      {"revoke token",
       {.csr_pem = Csr("a.example.com", {}),
        .ott = Token("a.example.com", {}, "https://ca.example.com/1.0/revoke")},
       StatusCode::kUnauthenticated},
      {"not a token",
       {.csr_pem = Csr("a.example.com", {}), .ott = "a.b.c"},
       StatusCode::kUnauthenticated},
  };
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = authority_->Sign(c.req);
    EXPECT_EQ(r.status().code(), c.want) << r.status();
  }
}

TEST_F(AuthorityTest, RequestValidityIsHonoured) {
  SignRequest req{.csr_pem = Csr("a.example.com", {}),
                  .ott = Token("a.example.com", {}),
                  .not_before = "1h",
                  .not_after = "2h"};
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued issued, authority_->Sign(req));
  EXPECT_EQ(issued.leaf.not_before(), clock_.Now() + hours(1));
  EXPECT_EQ(issued.leaf.not_after(), clock_.Now() + hours(3));
}

TEST_F(AuthorityTest, RenewCopiesAndRevokeStopsRenewal) {
  SignRequest req{.csr_pem = Csr("a.example.com", {}), .ott = Token("a.example.com", {})};
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued first, authority_->Sign(req));
  clock_.Advance(hours(1));
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued renewed, authority_->Renew({first.leaf.der()}));
  EXPECT_NE(renewed.leaf.serial_decimal(), first.leaf.serial_decimal());
  EXPECT_EQ(renewed.leaf.subject_cn(), "a.example.com");
  EXPECT_TRUE(renewed.leaf.public_key().Equals(first.leaf.public_key()));
  EXPECT_EQ(renewed.leaf.not_after() - renewed.leaf.not_before(),
            first.leaf.not_after() - first.leaf.not_before());
  EXPECT_TRUE(renewed.leaf.provisioner_extension().has_value());

  CAIRN_ASSERT_OK(authority_->Revoke({.serial = renewed.leaf.serial_decimal(), .passive = true},
                                     {renewed.leaf.der()}));
  auto again = authority_->Renew({renewed.leaf.der()});
  EXPECT_EQ(again.status().code(), StatusCode::kUnauthenticated);
  Status twice = authority_->Revoke({.serial = renewed.leaf.serial_decimal(), .passive = true},
                                    {renewed.leaf.der()});
  EXPECT_EQ(twice.code(), StatusCode::kInvalidArgument);
}

TEST_F(AuthorityTest, ExpiredCertificatesRenewOnlyWhenAllowed) {
  SignRequest req{.csr_pem = Csr("a.example.com", {}), .ott = Token("a.example.com", {})};
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued first, authority_->Sign(req));
  clock_.Advance(hours(48));
  EXPECT_EQ(authority_->Renew({first.leaf.der()}).status().code(), StatusCode::kUnauthenticated);
  config_json_["authority"]["provisioners"][0]["claims"]["allowRenewalAfterExpiry"] = true;
  Rebuild();
  CAIRN_EXPECT_OK(authority_->Renew({first.leaf.der()}));
}

TEST_F(AuthorityTest, DisableRenewal) {
  config_json_["authority"]["provisioners"][0]["claims"]["disableRenewal"] = true;
  Rebuild();
  SignRequest req{.csr_pem = Csr("a.example.com", {}), .ott = Token("a.example.com", {})};
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued first, authority_->Sign(req));
  EXPECT_EQ(authority_->Renew({first.leaf.der()}).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthorityTest, RevokeByTokenChecksTheSubject) {
  SignRequest req{.csr_pem = Csr("a.example.com", {}), .ott = Token("a.example.com", {})};
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued first, authority_->Sign(req));
  const std::string serial = first.leaf.serial_decimal();
  Status wrong = authority_->Revoke({.serial = serial,
                                     .ott = Token("123", {}, "https://ca.example.com/1.0/revoke"),
                                     .passive = true},
                                    {});
  EXPECT_EQ(wrong.code(), StatusCode::kPermissionDenied);
  Status not_passive = authority_->Revoke({.serial = serial, .passive = false}, {});
  EXPECT_EQ(not_passive.code(), StatusCode::kUnimplemented);
  CAIRN_ASSERT_OK(authority_->Revoke({.serial = serial,
                                      .ott = Token(serial, {}, "https://ca.example.com/1.0/revoke"),
                                      .reason_code = 1,
                                      .reason = "key compromise",
                                      .passive = true},
                                     {}));
  auto rec = store_.GetRevocation(serial);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->reason_code, 1);
  EXPECT_EQ((*rec)->expires_at, first.leaf.not_after());
}

TEST_F(AuthorityTest, ServerCertificate) {
  CAIRN_ASSERT_OK_AND_ASSIGN(ServerCredentials creds, authority_->IssueServerCertificate());
  CAIRN_ASSERT_OK_AND_ASSIGN(auto chain, pki::Certificate::ParsePemBundle(creds.chain_pem));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_THAT(chain[0].dns_names(), ::testing::ElementsAre("ca.example.com"));
  EXPECT_EQ(chain[0].not_after() - chain[0].not_before(), hours(24) + minutes(1));
}

TEST(ParseSerialTest, DecimalAndHex) {
  EXPECT_EQ(*ParseSerial("1234"), "1234");
  EXPECT_EQ(*ParseSerial("0x10"), "16");
  EXPECT_EQ(*ParseSerial("0xffffffffffffffffffffffffffffffff"),
            "340282366920938463463374607431768211455");
  EXPECT_FALSE(ParseSerial("12a").ok());
  EXPECT_FALSE(ParseSerial("0x").ok());
  EXPECT_FALSE(ParseSerial("").ok());
}

}  // namespace
}  // namespace cairn::authority

namespace cairn::authority {
namespace {

// The administration API's side of the authority: the first super admin, admin tokens (x5c
// JWTs made from a certificate the CA issued), admins and EAB keys.
class AdminTest : public AuthorityTest {
 protected:
  void SetUp() override {
    AuthorityTest::SetUp();
    config_json_["authority"]["enableAdmin"] = true;
    config_json_["authority"]["provisioners"].push_back(
        {{"type", "ACME"}, {"name", "acme"}, {"requireEAB", true}});
    config_json_["authority"]["provisioners"].push_back({{"type", "ACME"}, {"name", "open"}});
    Rebuild();
    CAIRN_ASSERT_OK(authority_->EnsureFirstAdmin());
  }

  // Credential is a certificate from the CA's JWK provisioner and its key.
  struct Credential {
    std::vector<pki::Certificate> chain;
    crypto::PrivateKey key;
  };
  Credential Issue(const std::string& cn) {
    SignRequest req{.csr_pem = Csr(cn, {}), .ott = Token(cn, {cn})};
    auto issued = authority_->Sign(req);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return {issued->chain, *last_key_};
  }

  // AdminToken makes the token step's admin client sends for `path`.
  std::string AdminToken(const Credential& c, const std::string& path,
                         nlohmann::json overrides = nlohmann::json::object()) {
    int64_t t = ToUnixSeconds(clock_.Now());
    nlohmann::json claims = {{"iss", "step-admin-client/1.0"},
                             {"sub", c.chain.front().subject_cn()},
                             {"aud", "https://ca.example.com" + path},
                             {"iat", t},
                             {"nbf", t},
                             {"exp", t + 300},
                             {"jti", *random_.Hex(32)}};
    for (auto& [k, v] : overrides.items()) {
      if (v.is_null()) {
        claims.erase(k);
      } else {
        claims[k] = v;
      }
    }
    nlohmann::json x5c = nlohmann::json::array();
    for (const auto& cert : c.chain) x5c.push_back(Base64Encode(cert.der()));
    auto jwk = jose::Jwk::FromPkey(c.key.get(), /*include_private=*/true);
    EXPECT_TRUE(jwk.ok());
    return jose::SignJwt(claims, *jwk, {{"x5c", x5c}}).value();
  }

  Result<store::AdminRecord> Authorize(const std::string& token, const std::string& path,
                                       const std::string& method = "GET") {
    return authority_->AuthorizeAdminToken(token, method, path);
  }
};

TEST_F(AdminTest, FirstStartCreatesTheSuperAdminStepOnTheFirstJwkProvisioner) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto admins, store_.ListAdmins("", 10));
  ASSERT_EQ(admins.size(), 1u);
  EXPECT_EQ(admins[0].subject, "step");
  EXPECT_EQ(admins[0].provisioner, "admin");
  EXPECT_EQ(admins[0].type, store::AdminType::kSuperAdmin);
  // Later starts (and reloads) keep what is there.
  Rebuild();
  CAIRN_ASSERT_OK(authority_->EnsureFirstAdmin());
  EXPECT_EQ(store_.ListAdmins("", 10)->size(), 1u);
}

TEST_F(AdminTest, AdminApiOffCreatesNoAdmin) {
  store::MemoryStore fresh;
  config_json_["authority"]["enableAdmin"] = false;
  CAIRN_ASSERT_OK_AND_ASSIGN(config::CaConfig cfg,
                             config::ParseCaConfig(config_json_.dump(), "test ca.json"));
  AuthorityOptions opts{.home = dir_.string(), .password = "secret"};
  CAIRN_ASSERT_OK_AND_ASSIGN(auto a,
                             Authority::Create(cfg, opts, Env{clock_, random_, fresh, log_}));
  EXPECT_FALSE(a->admin_enabled());
  CAIRN_ASSERT_OK(a->EnsureFirstAdmin());
  EXPECT_TRUE(fresh.ListAdmins("", 10)->empty());
}

TEST_F(AdminTest, AValidTokenOfTheSuperAdminIsAcceptedOnce) {
  Credential step = Issue("step");
  const std::string path = "/admin/acme/eab/acme";
  std::string token = AdminToken(step, path);
  CAIRN_ASSERT_OK_AND_ASSIGN(store::AdminRecord admin, Authorize(token, path, "POST"));
  EXPECT_EQ(admin.subject, "step");
  EXPECT_EQ(admin.type, store::AdminType::kSuperAdmin);
  // Replayed.
  auto again = Authorize(token, path, "POST");
  EXPECT_EQ(again.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(again.status().message(), ::testing::HasSubstr("already used"));
  // The bare path and another port of the CA's name are accepted as audiences too.
  CAIRN_EXPECT_OK(Authorize(AdminToken(step, path, {{"aud", path}}), path).status());
  CAIRN_EXPECT_OK(
      Authorize(AdminToken(step, path, {{"aud", "https://ca.example.com:9443" + path}}), path)
          .status());
}

TEST_F(AdminTest, RefusesEveryBrokenToken) {
  Credential step = Issue("step");
  Credential bob = Issue("bob");
  const std::string path = "/admin/admins";
  // A certificate the CA never issued: self-signed, same subject.
  auto other_key = crypto::PrivateKey::Generate({}).value();
  pki::CertificateTemplate t;
  t.subject.common_name = "step";
  t.serial_decimal = "77";
  t.not_before = clock_.Now() - hours(1);
  t.not_after = clock_.Now() + hours(1);
  t.key_usage = pki::kDigitalSignature;
  t.ext_key_usage = {"clientAuth"};
  crypto::KeySigner other_signer(other_key);
  Credential forged{
      {pki::SignCertificate(t, other_key.public_key(), nullptr, other_signer).value()}, other_key};
  // The right certificate with another key.
  Credential wrong_key{step.chain, other_key};

  struct Case {
    const char* name;
    std::string token;
    const char* want;
  };
  const int64_t now = ToUnixSeconds(clock_.Now());
  std::vector<Case> cases = {
      {"empty", "", "missing authorization header"},
      {"garbage", "not.a.jwt", "error parsing x5c token"},
      {"no x5c", Token("step", {"step"}), "x5c header"},
      {"forged certificate", AdminToken(forged, path), "certificate chain"},
      {"wrong key", AdminToken(wrong_key, path), "x5c claims"},
      {"wrong audience", AdminToken(step, path, {{"aud", "https://ca.example.com/admin/other"}}),
       "audience"},
      {"other host", AdminToken(step, path, {{"aud", "https://evil.example.com" + path}}),
       "audience"},
      {"expired",
       AdminToken(step, path, {{"nbf", now - 600}, {"iat", now - 600}, {"exp", now - 120}}),
       "expired"},
      {"wrong issuer", AdminToken(step, path, {{"iss", "someone"}}), "issuer"},
      {"no subject", AdminToken(step, path, {{"sub", ""}}), "subject"},
      {"not an admin", AdminToken(bob, path), "unable to load admin"},
  };
  for (const Case& c : cases) {
    auto r = Authorize(c.token, path);
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << c.name << ": " << r.status();
    EXPECT_THAT(r.status().public_message(), ::testing::HasSubstr(c.want)) << c.name;
  }
}

TEST_F(AdminTest, OnlySuperAdminsChangeAdmins) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto alice,
                             authority_->CreateAdmin("alice", "admin", store::AdminType::kAdmin));
  EXPECT_EQ(alice.provisioner, "admin");
  Credential cred = Issue("alice");
  CAIRN_EXPECT_OK(Authorize(AdminToken(cred, "/admin/admins"), "/admin/admins", "GET").status());
  auto post = Authorize(AdminToken(cred, "/admin/admins"), "/admin/admins", "POST");
  EXPECT_EQ(post.status().code(), StatusCode::kPermissionDenied);
  // An admin may manage EAB keys.
  CAIRN_EXPECT_OK(
      Authorize(AdminToken(cred, "/admin/acme/eab/acme"), "/admin/acme/eab/acme", "POST").status());
}

TEST_F(AdminTest, TheLastSuperAdminStays) {
  auto admins = *store_.ListAdmins("", 10);
  const std::string step_id = admins[0].id;
  EXPECT_EQ(authority_->DeleteAdmin(step_id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(authority_->UpdateAdmin(step_id, store::AdminType::kAdmin).status().code(),
            StatusCode::kFailedPrecondition);
  CAIRN_ASSERT_OK_AND_ASSIGN(
      auto root, authority_->CreateAdmin("root", "admin", store::AdminType::kSuperAdmin));
  CAIRN_EXPECT_OK(authority_->UpdateAdmin(step_id, store::AdminType::kAdmin).status());
  EXPECT_EQ(authority_->DeleteAdmin(root.id).code(), StatusCode::kFailedPrecondition);
  CAIRN_EXPECT_OK(authority_->DeleteAdmin(step_id));
  EXPECT_EQ(authority_->DeleteAdmin(step_id).code(), StatusCode::kNotFound);
  // Refused creations.
  EXPECT_EQ(authority_->CreateAdmin("x", "nope", store::AdminType::kAdmin).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(authority_->CreateAdmin("", "admin", store::AdminType::kAdmin).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(authority_->CreateAdmin("root", "admin", store::AdminType::kAdmin).status().code(),
            StatusCode::kAlreadyExists);
}

TEST_F(AdminTest, EabKeysOnlyForAcmeProvisionersThatRequireThem) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto key, authority_->CreateEabKey("acme", "customer-42"));
  EXPECT_EQ(key.id.size(), 32u);
  EXPECT_EQ(key.hmac_key.size(), 32u);
  EXPECT_EQ(key.reference, "customer-42");
  EXPECT_EQ(key.provisioner, "acme");
  auto stored = store_.GetAcmeEabKey("acme", key.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->hmac_key, key.hmac_key);

  EXPECT_EQ(authority_->CreateEabKey("acme", "customer-42").status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(authority_->CreateEabKey("acme", std::string(257, 'r')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(authority_->CreateEabKey("open", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(authority_->CreateEabKey("admin", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(authority_->CreateEabKey("nope", "").status().code(), StatusCode::kNotFound);
  // Two keys without a reference are fine.
  CAIRN_EXPECT_OK(authority_->CreateEabKey("acme", "").status());
  CAIRN_EXPECT_OK(authority_->CreateEabKey("acme", "").status());
}

}  // namespace
}  // namespace cairn::authority

namespace cairn::authority {
namespace {

// With crl and ocsp enabled the authority revokes actively: certificates say where to check,
// and every revocation reaches the OCSP responder before the call returns.
class ActiveRevocationTest : public AuthorityTest {
 protected:
  void SetUp() override {
    AuthorityTest::SetUp();
    config_json_["insecureAddress"] = "127.0.0.1:8080";
    config_json_["crl"] = {{"enabled", true}};
    config_json_["ocsp"] = {{"enabled", true}};
    Rebuild();
  }
};

bool ExtensionMentions(const pki::Certificate& c, const char* oid, const std::string& text) {
  auto ext = c.FindExtension(oid);
  return ext && ext->value.find(text) != std::string::npos;
}

TEST_F(ActiveRevocationTest, CertificatesNameTheCrlAndTheResponder) {
  const auto& urls = authority_->revocation_urls();
  EXPECT_EQ(urls.crl, "http://ca.example.com:8080/crl");
  EXPECT_EQ(urls.ocsp, "http://ca.example.com:8080/ocsp");
  EXPECT_TRUE(urls.delta_crl.empty());
  SignRequest req{.csr_pem = Csr("svc.example.com", {}), .ott = Token("svc.example.com", {})};
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued issued, authority_->Sign(req));
  EXPECT_TRUE(ExtensionMentions(issued.leaf, "2.5.29.31", urls.crl));
  EXPECT_TRUE(ExtensionMentions(issued.leaf, "1.3.6.1.5.5.7.1.1", urls.ocsp));
  // The CA's own TLS certificate too.
  CAIRN_ASSERT_OK_AND_ASSIGN(ServerCredentials creds, authority_->IssueServerCertificate());
  auto server = pki::Certificate::ParsePemBundle(creds.chain_pem).value().front();
  EXPECT_TRUE(ExtensionMentions(server, "2.5.29.31", urls.crl));
}

TEST_F(ActiveRevocationTest, EveryRevocationIsPublishedWhateverPassiveSays) {
  SignRequest req{.csr_pem = Csr("r.example.com", {}), .ott = Token("r.example.com", {})};
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued issued, authority_->Sign(req));
  const std::string serial = issued.leaf.serial_decimal();
  ASSERT_NE(authority_->ocsp(), nullptr);
  ASSERT_NE(authority_->crl(), nullptr);
  const int64_t crl_before = authority_->crl()->full()->number;
  // step's clients send passive: true; a non-passive request is accepted too when active.
  RevokeRequest rr{.serial = serial,
                   .ott = Token(serial, {}, "https://ca.example.com/1.0/revoke"),
                   .reason_code = 1,
                   .passive = false};
  CAIRN_ASSERT_OK(authority_->Revoke(rr, {}));
  // The OCSP answer is "revoked" as soon as Revoke returns.
  OCSP_REQUEST* ocsp_req = OCSP_REQUEST_new();
  OCSP_request_add0_id(ocsp_req, OCSP_cert_to_id(EVP_sha1(), issued.leaf.get(),
                                                 authority_->intermediates().front().get()));
  unsigned char* der = nullptr;
  int len = i2d_OCSP_REQUEST(ocsp_req, &der);
  std::string request(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  OCSP_REQUEST_free(ocsp_req);
  EXPECT_EQ(authority_->ocsp()->Respond(request).status, "revoked");
  // The CRL follows within a second.
  for (int i = 0; i < 100 && authority_->crl()->full()->number == crl_before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto crl = pki::ParseCrl(authority_->crl()->full()->der);
  ASSERT_TRUE(crl.ok());
  ASSERT_EQ(crl->entries.size(), 1u);
  EXPECT_EQ(crl->entries[0].serial_decimal, serial);
}

TEST_F(AuthorityTest, PassiveOnlyWhenNothingIsPublished) {
  SignRequest req{.csr_pem = Csr("p.example.com", {}), .ott = Token("p.example.com", {})};
  CAIRN_ASSERT_OK_AND_ASSIGN(Issued issued, authority_->Sign(req));
  const std::string serial = issued.leaf.serial_decimal();
  EXPECT_EQ(authority_->crl(), nullptr);
  EXPECT_EQ(authority_->ocsp(), nullptr);
  EXPECT_FALSE(issued.leaf.FindExtension("2.5.29.31").has_value());
  RevokeRequest rr{.serial = serial,
                   .ott = Token(serial, {}, "https://ca.example.com/1.0/revoke"),
                   .reason_code = 1,
                   .passive = false};
  EXPECT_EQ(authority_->Revoke(rr, {}).code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace cairn::authority

namespace cairn::authority {
namespace {

// The SSH CA: user and host CA keys in ca.json's ssh block, the JWK provisioner with
// enableSSHCA, certificates checked by parsing them back and by ssh-keygen -L.
class SshSignTest : public AuthorityTest {
 protected:
  void SetUp() override {
    AuthorityTest::SetUp();
    for (const char* kind : {"user", "host"}) {
      auto key = crypto::PrivateKey::Generate({}).value();
      const std::string path = Path(kind == std::string("user") ? "ssh_user" : "ssh_host");
      CAIRN_ASSERT_OK(WriteFileAtomic(path, key.ToPem("secret").value(), 0600));
      (kind == std::string("user") ? user_ca_ : host_ca_) =
          ssh::PublicKey::FromCrypto(key.public_key()).value();
    }
    config_json_["ssh"] = {{"userKey", Path("ssh_user")}, {"hostKey", Path("ssh_host")}};
    config_json_["authority"]["provisioners"][0]["claims"]["enableSSHCA"] = true;
    Rebuild();
  }

  // SshToken is a JWK SSH sign token; `ssh` are its step.ssh claims (`{}` is an empty object).
  std::string SshToken(const std::string& sub, nlohmann::json ssh) {
    if (ssh.is_null()) ssh = nlohmann::json::object();
    int64_t t = ToUnixSeconds(clock_.Now());
    nlohmann::json claims = {{"iss", "admin"},
                             {"sub", sub},
                             {"aud", "https://ca.example.com/1.0/ssh/sign"},
                             {"iat", t},
                             {"nbf", t},
                             {"exp", t + 300},
                             {"jti", *random_.Hex(32)},
                             {"step", {{"ssh", ssh}}}};
    return jose::SignJwt(claims, prov_key_, {{"kid", prov_key_.kid()}}).value();
  }

  std::string SubjectKey() {
    auto key = crypto::PrivateKey::Generate({.type = crypto::KeyType::kEd25519}).value();
    return Base64Encode(ssh::PublicKey::FromCrypto(key.public_key())->Marshal());
  }

  std::optional<ssh::PublicKey> user_ca_, host_ca_;
};

TEST_F(SshSignTest, UserCertificateWithStepDefaultsIsRecorded) {
  SshSignRequest req{.public_key = SubjectKey(),
                     .ott = SshToken("alice@example.com", {{"certType", "user"},
                                                           {"keyID", "alice@example.com"},
                                                           {"principals", {"alice", "ops"}}})};
  CAIRN_ASSERT_OK_AND_ASSIGN(SshIssued issued, authority_->SignSsh(req));
  const ssh::Certificate& c = issued.cert;
  CAIRN_EXPECT_OK(c.Verify());
  EXPECT_EQ(c.signature_key().Marshal(), user_ca_->Marshal());
  EXPECT_EQ(c.type(), ssh::CertType::kUser);
  EXPECT_EQ(c.key_id(), "alice@example.com");
  EXPECT_THAT(c.principals(), ::testing::ElementsAre("alice", "ops"));
  EXPECT_EQ(c.extensions(), ssh::DefaultUserExtensions());
  EXPECT_TRUE(c.critical_options().empty());
  // step's default user lifetime, 16h from now, starting now − backdate (step-ca's
  // sshDefaultDuration).
  EXPECT_EQ(c.valid_after(), static_cast<uint64_t>(ToUnixSeconds(clock_.Now() - minutes(1))));
  EXPECT_EQ(c.valid_before(), static_cast<uint64_t>(ToUnixSeconds(clock_.Now() + hours(16))));
  EXPECT_EQ(c.nonce().size(), 32u);
  auto rec = store_.GetSshCertificate(std::to_string(c.serial()));
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->cert, c.Marshal());
  EXPECT_EQ((*rec)->provisioner_name, "admin");
  // The token works once.
  EXPECT_EQ(authority_->SignSsh(req).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(SshSignTest, HostCertificateSignedByTheHostKeyWithoutExtensions) {
  SshSignRequest req{
      .public_key = SubjectKey(),
      .ott = SshToken("web1.example.com",
                      {{"certType", "host"}, {"principals", {"web1.example.com", "10.0.0.5"}}}),
      .cert_type = "host"};
  CAIRN_ASSERT_OK_AND_ASSIGN(SshIssued issued, authority_->SignSsh(req));
  EXPECT_EQ(issued.cert.type(), ssh::CertType::kHost);
  EXPECT_EQ(issued.cert.signature_key().Marshal(), host_ca_->Marshal());
  EXPECT_TRUE(issued.cert.extensions().empty());
  EXPECT_EQ(issued.cert.key_id(), "web1.example.com");  // defaults to the subject
  EXPECT_EQ(issued.cert.valid_before() - issued.cert.valid_after(), 30u * 24 * 3600 + 60);
}

TEST_F(SshSignTest, TheTokenBoundsTheRequest) {
  auto token = [&] {
    return SshToken("alice", {{"certType", "user"}, {"keyID", "alice"}, {"principals", {"alice"}}});
  };
  struct Case {
    const char* name;
    SshSignRequest req;
    StatusCode want;
  };
  std::vector<Case> cases = {
      {"other type",
       {.public_key = SubjectKey(), .ott = token(), .cert_type = "host"},
       StatusCode::kPermissionDenied},
      {"principal outside the token",
       {.public_key = SubjectKey(), .ott = token(), .principals = {"alice", "root"}},
       StatusCode::kPermissionDenied},
      {"too long",
       {.public_key = SubjectKey(), .ott = token(), .valid_before = "+48h"},
       StatusCode::kPermissionDenied},
      {"too short",
       {.public_key = SubjectKey(), .ott = token(), .valid_before = "+1m"},
       StatusCode::kPermissionDenied},
      {"malformed key", {.public_key = "AAAA", .ott = token()}, StatusCode::kInvalidArgument},
      {"not base64", {.public_key = "!!", .ott = token()}, StatusCode::kInvalidArgument},
      {"x509 token",
       {.public_key = SubjectKey(),
        .ott = Token("alice", {}, "https://ca.example.com/1.0/ssh/sign")},
       StatusCode::kUnauthenticated},
      {"bad cert type",
       {.public_key = SubjectKey(), .ott = token(), .cert_type = "root"},
       StatusCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(authority_->SignSsh(c.req).status().code(), c.want) << c.name;
  }
  EXPECT_TRUE(store_.ListSshCertificates("", 10)->empty()) << "nothing refused was recorded";
  // A subset of the token's principals is fine, compared without case as step-ca does.
  CAIRN_EXPECT_OK(
      authority_->SignSsh({.public_key = SubjectKey(), .ott = token(), .principals = {"Alice"}})
          .status());
  // The token decides what the certificate says (step's default template renders the token's
  // type, key id and principals); the request's key id is only template data.
  CAIRN_ASSERT_OK_AND_ASSIGN(
      SshIssued issued,
      authority_->SignSsh({.public_key = SubjectKey(), .ott = token(), .key_id = "bob"}));
  EXPECT_EQ(issued.cert.key_id(), "alice");
  EXPECT_THAT(issued.cert.principals(), ::testing::ElementsAre("alice"));
  // Without principals in the token, the subject is the one principal.
  CAIRN_ASSERT_OK_AND_ASSIGN(
      issued, authority_->SignSsh({.public_key = SubjectKey(), .ott = SshToken("carol", {})}));
  EXPECT_EQ(issued.cert.type(), ssh::CertType::kUser);
  EXPECT_EQ(issued.cert.key_id(), "carol");
  EXPECT_THAT(issued.cert.principals(), ::testing::ElementsAre("carol"));
}

TEST_F(SshSignTest, RequestAndTokenValidity) {
  const int64_t now = ToUnixSeconds(clock_.Now());
  // The request's validity, when the token leaves it open.
  CAIRN_ASSERT_OK_AND_ASSIGN(SshIssued issued,
                             authority_->SignSsh({.public_key = SubjectKey(),
                                                  .ott = SshToken("alice", {{"certType", "user"}}),
                                                  .valid_after = "+1h",
                                                  .valid_before = "+3h"}));
  EXPECT_EQ(issued.cert.valid_after(), static_cast<uint64_t>(now + 3600));
  EXPECT_EQ(issued.cert.valid_before(), static_cast<uint64_t>(now + 3 * 3600));
  // The token's validity, and a request that repeats it.
  CAIRN_ASSERT_OK_AND_ASSIGN(
      issued,
      authority_->SignSsh({.public_key = SubjectKey(),
                           .ott = SshToken("alice", {{"certType", "user"}, {"validBefore", "+2h"}}),
                           .valid_before = "+2h"}));
  EXPECT_EQ(issued.cert.valid_before(), static_cast<uint64_t>(now + 2 * 3600));
  EXPECT_EQ(issued.cert.valid_after(), static_cast<uint64_t>(now - 60));
  // Reversed, in the past, or another end than the token's.
  EXPECT_EQ(authority_
                ->SignSsh({.public_key = SubjectKey(),
                           .ott = SshToken("alice", {}),
                           .valid_after = "+3h",
                           .valid_before = "+1h"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(authority_
                ->SignSsh({.public_key = SubjectKey(),
                           .ott = SshToken("alice", {}),
                           .valid_after = "-3h",
                           .valid_before = "-1h"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(authority_
                ->SignSsh({.public_key = SubjectKey(),
                           .ott = SshToken("alice", {{"validBefore", "+2h"}}),
                           .valid_before = "+3h"})
                .status()
                .code(),
            StatusCode::kPermissionDenied);
}

TEST_F(SshSignTest, CustomTemplateWithProvisionerAndUserData) {
  // A template in the provisioner's options.ssh: principals from the token, a critical option
  // from the request's templateData, an extension from the provisioner's templateData.
  config_json_["authority"]["provisioners"][0]["options"]["ssh"] = {
      {"template",
       R"({"type": {{ toJson .Type }}, "keyId": {{ toJson .KeyID }},
           "principals": {{ toJson (append .Principals .Team) }},
           "criticalOptions": {"force-command": {{ toJson .Insecure.User.command }}},
           "extensions": {"permit-pty": "", "login@{{ .Team }}": {{ toJson .Token.sub }} }})"},
      {"templateData", {{"Team", "ops"}}}};
  Rebuild();
  CAIRN_ASSERT_OK_AND_ASSIGN(
      SshIssued issued, authority_->SignSsh({.public_key = SubjectKey(),
                                             .ott = SshToken("alice", {{"certType", "user"}}),
                                             .template_data = {{"command", "/usr/bin/uptime"}}}));
  const ssh::Certificate& c = issued.cert;
  EXPECT_THAT(c.principals(), ::testing::ElementsAre("alice", "ops"));
  EXPECT_EQ(c.critical_options(),
            (std::map<std::string, std::string>{{"force-command", "/usr/bin/uptime"}}));
  EXPECT_EQ(c.extensions(),
            (std::map<std::string, std::string>{{"login@ops", "alice"}, {"permit-pty", ""}}));
  // The validity validators still apply to what a template renders.
  config_json_["authority"]["provisioners"][0]["options"]["ssh"] = {
      {"template",
       R"({"type": "user", "keyId": "k", "principals": ["a"],
           "validAfter": "2020-01-01T00:00:00Z", "validBefore": "2020-01-02T00:00:00Z"})"}};
  Rebuild();
  EXPECT_EQ(authority_->SignSsh({.public_key = SubjectKey(), .ott = SshToken("alice", {})})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  // `fail` is the template author's answer: 400 with its message.
  config_json_["authority"]["provisioners"][0]["options"]["ssh"] = {
      {"template", R"({{ fail "no SSH for you" }})"}};
  Rebuild();
  auto r = authority_->SignSsh({.public_key = SubjectKey(), .ott = SshToken("alice", {})});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().public_message(), "no SSH for you");
  // A template that renders no JSON is the CA's error, not the user's.
  config_json_["authority"]["provisioners"][0]["options"]["ssh"] = {
      {"template", R"({{ "not json" }})"}};
  Rebuild();
  EXPECT_EQ(authority_->SignSsh({.public_key = SubjectKey(), .ott = SshToken("alice", {})})
                .status()
                .code(),
            StatusCode::kInternal);
  EXPECT_TRUE(store_.ListSshCertificates("", 10)->size() == 1u) << "only the first was signed";
}

TEST_F(SshSignTest, NamePoliciesOfTheAuthorityAndTheProvisioner) {
  config_json_["authority"]["policy"] = {
      {"ssh", {{"user", {{"allow", {{"principal", {"alice", "bob"}}}}}}}}};
  Rebuild();
  CAIRN_EXPECT_OK(authority_
                      ->SignSsh({.public_key = SubjectKey(),
                                 .ott = SshToken("alice", {{"principals", {"alice", "bob"}}})})
                      .status());
  auto r = authority_->SignSsh(
      {.public_key = SubjectKey(), .ott = SshToken("alice", {{"principals", {"alice", "root"}}})});
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().public_message(), ::testing::HasSubstr("root"));
  // Only a user policy: host certificates are refused (step-ca's rule).
  r = authority_->SignSsh(
      {.public_key = SubjectKey(), .ott = SshToken("web1", {{"certType", "host"}})});
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  // The provisioner's own policy narrows further.
  config_json_["authority"]["provisioners"][0]["policy"] = {
      {"ssh", {{"user", {{"deny", {{"principal", {"bob"}}}}}}}}};
  Rebuild();
  r = authority_->SignSsh({.public_key = SubjectKey(), .ott = SshToken("bob", {})});
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  CAIRN_EXPECT_OK(
      authority_->SignSsh({.public_key = SubjectKey(), .ott = SshToken("alice", {})}).status());
}

TEST_F(SshSignTest, AddUserCertificate) {
  config_json_["ssh"]["addUserPrincipal"] = "provisioner";
  config_json_["ssh"]["addUserCommand"] = "sudo useradd -m <principal>; nc -q0 localhost 22";
  Rebuild();
  const std::string add_key = SubjectKey();
  CAIRN_ASSERT_OK_AND_ASSIGN(
      SshIssued issued, authority_->SignSsh({.public_key = SubjectKey(),
                                             .ott = SshToken("alice", {{"principals", {"alice"}}}),
                                             .add_user_public_key = add_key}));
  ASSERT_TRUE(issued.add_user_cert.has_value());
  const ssh::Certificate& au = *issued.add_user_cert;
  CAIRN_EXPECT_OK(au.Verify());
  EXPECT_EQ(Base64Encode(au.key().Marshal()), add_key);
  EXPECT_EQ(au.key_id(), "alice-provisioner");
  EXPECT_THAT(au.principals(), ::testing::ElementsAre("provisioner"));
  EXPECT_EQ(au.critical_options(),
            (std::map<std::string, std::string>{
                {"force-command", "sudo useradd -m alice; nc -q0 localhost 22"}}));
  EXPECT_EQ(au.valid_before(), issued.cert.valid_before());
  EXPECT_TRUE(store_.GetSshCertificate(std::to_string(au.serial()))->has_value());
  // Not for certificates of several principals.
  CAIRN_ASSERT_OK_AND_ASSIGN(
      issued, authority_->SignSsh({.public_key = SubjectKey(),
                                   .ott = SshToken("alice", {{"principals", {"alice", "ops"}}}),
                                   .add_user_public_key = add_key}));
  EXPECT_FALSE(issued.add_user_cert.has_value());
}

TEST_F(SshSignTest, RevokesWithAnSshRevokeToken) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      SshIssued issued, authority_->SignSsh({.public_key = SubjectKey(),
                                             .ott = SshToken("alice", {{"certType", "user"}})}));
  const std::string serial = std::to_string(issued.cert.serial());
  auto revoke_token = [&](const std::string& sub) {
    return Token(sub, {}, "https://ca.example.com/1.0/ssh/revoke");
  };
  EXPECT_EQ(authority_->RevokeSsh({.serial = serial, .ott = revoke_token("12345")}).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(authority_->RevokeSsh({.serial = serial, .ott = revoke_token(serial), .passive = false})
                .code(),
            StatusCode::kUnimplemented);
  // An X.509 revoke token is for another audience.
  EXPECT_EQ(authority_
                ->RevokeSsh({.serial = serial,
                             .ott = Token(serial, {}, "https://ca.example.com/1.0/revoke")})
                .code(),
            StatusCode::kUnauthenticated);
  CAIRN_ASSERT_OK(
      authority_->RevokeSsh({.serial = serial, .ott = revoke_token(serial), .reason_code = 1}));
  auto rec = store_.GetSshRevocation(serial);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->reason_code, 1);
  EXPECT_EQ((*rec)->expires_at, FromUnixSeconds(static_cast<int64_t>(issued.cert.valid_before())));
  EXPECT_FALSE(store_.GetRevocation(serial)->has_value()) << "not an X.509 revocation";
  EXPECT_EQ(authority_->RevokeSsh({.serial = serial, .ott = revoke_token(serial)}).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SshSignTest, ProvisionersWithoutSshAndCasWithoutKeysRefuse) {
  config_json_["authority"]["provisioners"][0]["claims"]["enableSSHCA"] = false;
  Rebuild();
  auto r = authority_->SignSsh({.public_key = SubjectKey(), .ott = SshToken("a", {})});
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  config_json_.erase("ssh");
  config_json_["authority"]["provisioners"][0]["claims"]["enableSSHCA"] = true;
  Rebuild();
  r = authority_->SignSsh({.public_key = SubjectKey(), .ott = SshToken("a", {})});
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace cairn::authority

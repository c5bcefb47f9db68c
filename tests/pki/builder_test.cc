#include "pki/builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "base/encoding.h"
#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/openssl_cli_for_test.h"
#include "pki/test_pki_for_test.h"
#include "pki/verify.h"
#include "testing/fakes.h"

namespace cairn::pki {
namespace {

using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;
using crypto::KeyType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Hours;
using testing::LeafTemplate;
using testing::MakeIntermediate;
using testing::MakeRoot;
using testing::SharedKey;
using testing::Start;

std::vector<std::string> Oids(const Certificate& c) {
  std::vector<std::string> out;
  for (const auto& e : c.extensions()) out.push_back(e.oid);
  return out;
}

std::string AtTime(Time t) { return " -attime " + std::to_string(ToUnixSeconds(t)); }

// A three-level chain per CA key type, checked by `openssl verify` and by VerifyChain.
class ChainTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(ChainTest, OpensslVerifiesOurChain) {
  const KeyType type = GetParam();
  auto root = MakeRoot(type);
  auto inter = MakeIntermediate(root, type);
  const auto& leaf_key = SharedKey(KeyType::kEcP256, 7);
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Certificate leaf,
      SignCertificate(LeafTemplate("leaf.example.com",
                                   {.dns = {"leaf.example.com"}, .ips = {"127.0.0.1", "::1"}}),
                      leaf_key.public_key(), &inter.cert, *inter.signer));

  // Shape of what we built.
  EXPECT_TRUE(root.cert.is_ca());
  EXPECT_EQ(root.cert.max_path_len(), 1);
  EXPECT_EQ(inter.cert.max_path_len(), 0);
  EXPECT_FALSE(leaf.is_ca());
  EXPECT_EQ(root.cert.issuer_string(), root.cert.subject_string());
  EXPECT_EQ(inter.cert.issuer_string(), root.cert.subject_string());
  EXPECT_EQ(leaf.issuer_string(), inter.cert.subject_string());
  EXPECT_EQ(leaf.authority_key_id(), inter.cert.subject_key_id());
  EXPECT_EQ(inter.cert.authority_key_id(), root.cert.subject_key_id());
  EXPECT_EQ(root.cert.authority_key_id(), "");  // self-signed: no AKI, as Go
  EXPECT_TRUE(leaf.IsIssuedBy(inter.cert));
  EXPECT_TRUE(inter.cert.IsIssuedBy(root.cert));
  EXPECT_FALSE(leaf.IsIssuedBy(root.cert));
  const std::map<KeyType, std::string> want_alg = {{KeyType::kEcP256, "ECDSA-SHA256"},
                                                   {KeyType::kEcP384, "ECDSA-SHA384"},
                                                   {KeyType::kEcP521, "ECDSA-SHA512"},
                                                   {KeyType::kEd25519, "Ed25519"},
                                                   {KeyType::kRsa, "SHA256-RSA"}};
  EXPECT_EQ(leaf.signature_algorithm(), want_alg.at(type));
  EXPECT_EQ(root.cert.signature_algorithm(), want_alg.at(type));

  TempDir dir;
  dir.Write("root.pem", root.cert.pem());
  dir.Write("int.pem", inter.cert.pem());
  dir.Write("leaf.pem", leaf.pem());
  auto r = RunCommand("openssl verify -x509_strict -CAfile " + dir.File("root.pem") +
                      " -untrusted " + dir.File("int.pem") + AtTime(Hours(1)) +
                      " -purpose sslserver " + dir.File("leaf.pem"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(": OK"));
  // And openssl refuses it without the intermediate.
  auto r2 = RunCommand("openssl verify -CAfile " + dir.File("root.pem") + AtTime(Hours(1)) + " " +
                       dir.File("leaf.pem"));
  EXPECT_NE(r2.exit_code, 0);

  CAIRN_EXPECT_OK(VerifyChain(leaf, {inter.cert}, {root.cert}, {.at = Hours(1)}));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto chain,
                             BuildVerifiedChain(leaf, {inter.cert}, {root.cert}, {.at = Hours(1)}));
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].der(), leaf.der());
  EXPECT_EQ(chain[2].der(), root.cert.der());
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, ChainTest,
                         ::testing::Values(KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521,
                                           KeyType::kEd25519, KeyType::kRsa));

TEST(SignCertificateTest, LeafContentsAndOpensslView) {
  auto root = MakeRoot(KeyType::kEcP256);
  auto inter = MakeIntermediate(root, KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kRsa);
  CertificateTemplate t = LeafTemplate("foo", {.dns = {"foo.internal", "bar.internal"},
                                               .ips = {"10.0.0.1", "2001:db8::1"},
                                               .emails = {"ops@example.com"},
                                               .uris = {"spiffe://example.org/foo"}});
  t.subject.organization = {"Acme", "Acme Labs"};
  t.subject.country = {"US"};
  t.serial_decimal = "340282366920938463463374607431768211455";  // 2^128 - 1
  t.key_usage = kDigitalSignature | kKeyEncipherment;
  t.ext_key_usage = {"serverAuth", "clientAuth", "1.2.3.4.5"};
  t.crl_distribution_points = {"http://ca.example.com/crl"};
  t.ocsp_servers = {"http://ocsp.example.com"};
  t.issuing_certificate_urls = {"http://ca.example.com/int.crt"};
  t.policy_identifiers = {"2.23.140.1.2.1"};
  ProvisionerExtension pe{.type = 1, .name = "admin", .credential_id = "kid-1"};
  CAIRN_ASSERT_OK_AND_ASSIGN(Extension pe_ext, pe.ToExtension());
  t.extra_extensions = {pe_ext};
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c,
                             SignCertificate(t, key.public_key(), &inter.cert, *inter.signer));

  EXPECT_EQ(c.serial_decimal(), "340282366920938463463374607431768211455");
  EXPECT_EQ(c.serial_hex(), "ffffffffffffffffffffffffffffffff");
  EXPECT_EQ(c.subject_cn(), "foo");
  EXPECT_EQ(c.subject().organization, (std::vector<std::string>{"Acme", "Acme Labs"}));
  EXPECT_EQ(c.not_before(), Start());
  EXPECT_EQ(c.not_after(), Hours(24));
  EXPECT_THAT(c.dns_names(), ElementsAre("foo.internal", "bar.internal"));
  EXPECT_THAT(c.ip_addresses(), ElementsAre("10.0.0.1", "2001:db8::1"));
  EXPECT_THAT(c.email_addresses(), ElementsAre("ops@example.com"));
  EXPECT_THAT(c.uris(), ElementsAre("spiffe://example.org/foo"));
  EXPECT_EQ(c.key_usage(), uint32_t{kDigitalSignature | kKeyEncipherment});
  EXPECT_THAT(c.ext_key_usage(), ElementsAre("serverAuth", "clientAuth", "1.2.3.4.5"));
  EXPECT_TRUE(c.public_key().Equals(key.public_key()));
  EXPECT_EQ(c.public_key().Describe(), "RSA 2048");
  ASSERT_TRUE(c.provisioner_extension().has_value());
  EXPECT_EQ(*c.provisioner_extension(), pe);
  // Go's extension order, extra extensions last.
  EXPECT_THAT(Oids(c),
              ElementsAre(kOidKeyUsage, kOidExtKeyUsage, kOidSubjectKeyId, kOidAuthorityKeyId,
                          kOidAuthorityInfoAccess, kOidSubjectAltName, kOidCertificatePolicies,
                          kOidCrlDistributionPoints, kProvisionerExtensionOid));
  for (const auto& e : c.extensions()) {
    SCOPED_TRACE(e.oid);
    EXPECT_EQ(e.critical, e.oid == kOidKeyUsage);
  }
  // SKI is SHA-1 over the subjectPublicKey bits: check against OpenSSL's own computation.
  TempDir dir;
  dir.Write("c.pem", c.pem());
  auto r =
      RunCommand("openssl x509 -in " + dir.File("c.pem") + " -noout -text -fingerprint -sha256");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("CA Issuers - URI:http://ca.example.com/int.crt"));
  EXPECT_THAT(r.output, HasSubstr("OCSP - URI:http://ocsp.example.com"));
  EXPECT_THAT(r.output, HasSubstr("URI:http://ca.example.com/crl"));
  EXPECT_THAT(r.output, HasSubstr("Policy: 2.23.140.1.2.1"));
  EXPECT_THAT(r.output, HasSubstr("IP Address:2001:DB8:0:0:0:0:0:1"));
  EXPECT_THAT(r.output, HasSubstr("email:ops@example.com"));
  EXPECT_THAT(r.output, HasSubstr("Subject: C = US, O = Acme + O = Acme Labs, CN = foo"));
  // openssl's -fingerprint prints upper-case hex with colons.
  std::string fp = c.fingerprint_sha256_hex();
  EXPECT_EQ(fp, HexEncode(crypto::Sha256(c.der())));
  std::string colon_fp;
  for (size_t i = 0; i < fp.size(); i += 2) {
    if (i) colon_fp += ':';
    colon_fp += static_cast<char>(std::toupper(fp[i]));
    colon_fp += static_cast<char>(std::toupper(fp[i + 1]));
  }
  EXPECT_THAT(r.output, HasSubstr(colon_fp));
  // RFC 5280 §4.2.1.2 method (1), computed independently from the SPKI.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string spki, key.public_key().ToDer());
  crypto::der::Reader outer(spki);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string_view seq, outer.Expect(crypto::der::kSequence));
  crypto::der::Reader inner(seq);
  CAIRN_ASSERT_OK(inner.Expect(crypto::der::kSequence));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string_view bits, inner.Expect(crypto::der::kBitString));
  EXPECT_EQ(c.subject_key_id(), crypto::Sha1(bits.substr(1)));
}

TEST(SignCertificateTest, SanCriticalWhenSubjectEmptyAndAbsentWithoutSans) {
  auto root = MakeRoot(KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  CertificateTemplate t = LeafTemplate("", {.dns = {"only.san"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  auto san = c.FindExtension(kOidSubjectAltName);
  ASSERT_TRUE(san.has_value());
  EXPECT_TRUE(san->critical);
  EXPECT_EQ(c.subject_string(), "");

  CertificateTemplate t2 = LeafTemplate("named", {});
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c2,
                             SignCertificate(t2, key.public_key(), &root.cert, *root.signer));
  EXPECT_FALSE(c2.FindExtension(kOidSubjectAltName).has_value());

  CertificateTemplate t3 = LeafTemplate("named", {.dns = {"x.y"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c3,
                             SignCertificate(t3, key.public_key(), &root.cert, *root.signer));
  EXPECT_FALSE(c3.FindExtension(kOidSubjectAltName)->critical);
}

TEST(SignCertificateTest, ExtraExtensionReplacesBuiltOne) {
  auto root = MakeRoot(KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  CertificateTemplate t = LeafTemplate("x", {.dns = {"a.example"}});
  // A hand-made SAN with only "b.example": SEQUENCE { [2] "b.example" }.
  const std::string san_der = std::string("\x30\x0b\x82\x09", 4) + "b.example";
  t.extra_extensions = {{.oid = kOidSubjectAltName, .critical = false, .value = san_der}};
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  EXPECT_THAT(c.dns_names(), ElementsAre("b.example"));
  std::vector<std::string> oids = Oids(c);
  EXPECT_EQ(std::count(oids.begin(), oids.end(), kOidSubjectAltName), 1);
  EXPECT_EQ(oids.back(), kOidSubjectAltName);

  t.extra_extensions.push_back(t.extra_extensions[0]);
  EXPECT_EQ(SignCertificate(t, key.public_key(), &root.cert, *root.signer).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SignCertificateTest, RawSubjectIsCopiedVerbatim) {
  auto root = MakeRoot(KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  CertificateTemplate t = LeafTemplate("ignored", {.dns = {"a"}});
  t.raw_subject_der = root.cert.raw_subject();
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  EXPECT_EQ(c.raw_subject(), root.cert.raw_subject());
  // Same DN as the issuer: Go omits the AKI in that case, and so do we.
  EXPECT_EQ(c.authority_key_id(), "");
  t.raw_subject_der = "not der";
  EXPECT_EQ(SignCertificate(t, key.public_key(), &root.cert, *root.signer).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SignCertificateTest, RejectsBadTemplates) {
  auto root = MakeRoot(KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  struct Case {
    std::string name;
    std::function<void(CertificateTemplate*)> mutate;
  };
  const Case cases[] = {
      {"no serial", [](CertificateTemplate* t) { t->serial_decimal = ""; }},
      {"zero serial", [](CertificateTemplate* t) { t->serial_decimal = "0"; }},
      {"hex serial", [](CertificateTemplate* t) { t->serial_decimal = "0x10"; }},
      {"negative serial", [](CertificateTemplate* t) { t->serial_decimal = "-5"; }},
      {"serial over 20 octets",
       [](CertificateTemplate* t) {
         t->serial_decimal = "730750818665451459101842416358141509827966271488";  // 2^159
       }},
      {"notAfter before notBefore", [](CertificateTemplate* t) { t->not_after = Hours(-1); }},
      {"notAfter equals notBefore", [](CertificateTemplate* t) { t->not_after = t->not_before; }},
      {"bad ip", [](CertificateTemplate* t) { t->sans.ips = {"300.1.1.1"}; }},
      {"non-ascii dns", [](CertificateTemplate* t) { t->sans.dns = {"bücher.example"}; }},
      {"unknown eku", [](CertificateTemplate* t) { t->ext_key_usage = {"mindControl"}; }},
      {"bad policy oid", [](CertificateTemplate* t) { t->policy_identifiers = {"1..2"}; }},
      {"bad extra oid",
       [](CertificateTemplate* t) { t->extra_extensions = {{.oid = "x", .value = "\x05\x00"}}; }},
      {"invalid utf8 cn", [](CertificateTemplate* t) { t->subject.common_name = "\xff\xfe"; }},
      {"unknown ku bits", [](CertificateTemplate* t) { t->key_usage = 1u << 12; }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    CertificateTemplate t = LeafTemplate("x", {.dns = {"a"}});
    c.mutate(&t);
    auto r = SignCertificate(t, key.public_key(), &root.cert, *root.signer);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
  }
  // The largest serial allowed: 2^159 - 1.
  CertificateTemplate t = LeafTemplate("x", {.dns = {"a"}});
  t.serial_decimal = "730750818665451459101842416358141509827966271487";
  CAIRN_EXPECT_OK(SignCertificate(t, key.public_key(), &root.cert, *root.signer));
}

TEST(SignCertificateTest, SignerMustHoldTheIssuerKey) {
  auto root = MakeRoot(KeyType::kEcP256);
  auto other = MakeRoot(KeyType::kEcP256, "Other Root", 3);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  auto r = SignCertificate(LeafTemplate("x", {}), key.public_key(), &root.cert, *other.signer);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  // Self-signed: the signer must hold the subject key.
  auto s =
      SignCertificate(testing::CaTemplate("r", 1, "1"), key.public_key(), nullptr, *root.signer);
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
}

// A Signer that is not a KeySigner (as an HSM would be): proves the generic signing path.
class ForwardingSigner final : public crypto::Signer {
 public:
  explicit ForwardingSigner(const crypto::PrivateKey& key) : inner_(key) {}
  crypto::PublicKey public_key() const override { return inner_.public_key(); }
  Result<std::string> Sign(crypto::HashAlg hash, std::string_view message) const override {
    ++calls_;
    return inner_.Sign(hash, message);
  }
  mutable int calls_ = 0;

 private:
  crypto::KeySigner inner_;
};

TEST(SignCertificateTest, WorksWithAnySigner) {
  const auto& ca_key = SharedKey(KeyType::kEcP384, 4);
  ForwardingSigner signer(ca_key);
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate root,
                             SignCertificate(testing::CaTemplate("HSM Root", 1, "77"),
                                             ca_key.public_key(), nullptr, signer));
  EXPECT_EQ(signer.calls_, 1);
  EXPECT_TRUE(root.IsIssuedBy(root));
  CAIRN_EXPECT_OK(VerifyChain(root, {}, {root}, {.at = Hours(1)}));
}

TEST(RenewCertificateTest, RenewCopiesEverythingButAki) {
  auto root = MakeRoot(KeyType::kEcP256);
  auto inter = MakeIntermediate(root, KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  CertificateTemplate t = LeafTemplate("svc", {.dns = {"svc.internal"}, .ips = {"10.1.2.3"}});
  t.ext_key_usage = {"serverAuth", "1.3.6.1.4.1.99999.1"};
  t.crl_distribution_points = {"http://crl.example/"};
  ProvisionerExtension pe{.type = 4,
                          .name = "aws",
                          .credential_id = "123456789012",
                          .key_value_pairs = {"InstanceID", "i-0abc"}};
  CAIRN_ASSERT_OK_AND_ASSIGN(Extension pe_ext, pe.ToExtension());
  t.extra_extensions = {pe_ext, {.oid = "1.2.3.4", .critical = false, .value = "\x05\x00"}};
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate old,
                             SignCertificate(t, key.public_key(), &inter.cert, *inter.signer));

  // The intermediate rotated: a new key under the same root.
  auto inter2 = MakeIntermediate(root, KeyType::kEcP256, "Test Intermediate CA", 5);
  ASSERT_NE(inter2.cert.subject_key_id(), inter.cert.subject_key_id());

  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate renewed,
                             RenewCertificate(old, "4242", Hours(10), Hours(34), key.public_key(),
                                              inter2.cert, *inter2.signer));
  EXPECT_EQ(renewed.serial_decimal(), "4242");
  EXPECT_EQ(renewed.not_before(), Hours(10));
  EXPECT_EQ(renewed.not_after(), Hours(34));
  EXPECT_EQ(renewed.raw_subject(), old.raw_subject());
  EXPECT_EQ(renewed.subject_key_id(), old.subject_key_id());
  EXPECT_EQ(renewed.authority_key_id(), inter2.cert.subject_key_id());
  EXPECT_EQ(renewed.sans(), old.sans());
  EXPECT_EQ(renewed.ext_key_usage(), old.ext_key_usage());
  EXPECT_EQ(*renewed.provisioner_extension(), pe);
  // Every old extension except the AKI, byte for byte and in order, after the new AKI.
  std::vector<Extension> want;
  for (const auto& e : old.extensions()) {
    if (e.oid != kOidAuthorityKeyId) want.push_back(e);
  }
  std::vector<Extension> got = renewed.extensions();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0].oid, kOidAuthorityKeyId);
  got.erase(got.begin());
  EXPECT_EQ(got, want);
  CAIRN_EXPECT_OK(VerifyChain(renewed, {inter2.cert}, {root.cert}, {.at = Hours(11)}));

  // Rekey: a new key gets a new SKI; everything else is copied the same way.
  const auto& new_key = SharedKey(KeyType::kEd25519, 8);
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Certificate rekeyed, RenewCertificate(old, "4243", Hours(10), Hours(34), new_key.public_key(),
                                            inter2.cert, *inter2.signer));
  EXPECT_TRUE(rekeyed.public_key().Equals(new_key.public_key()));
  EXPECT_NE(rekeyed.subject_key_id(), old.subject_key_id());
  EXPECT_EQ(rekeyed.subject_key_id().size(), 20u);
  std::vector<std::string> oids = Oids(rekeyed);
  ASSERT_GE(oids.size(), 2u);
  EXPECT_EQ(oids[0], kOidSubjectKeyId);
  EXPECT_EQ(oids[1], kOidAuthorityKeyId);
  EXPECT_EQ(std::count(oids.begin(), oids.end(), kOidSubjectKeyId), 1);
  EXPECT_EQ(rekeyed.sans(), old.sans());
  CAIRN_EXPECT_OK(VerifyChain(rekeyed, {inter2.cert}, {root.cert}, {.at = Hours(11)}));

  // The signer must match the issuer certificate.
  EXPECT_EQ(
      RenewCertificate(old, "1", Hours(10), Hours(34), key.public_key(), inter2.cert, *inter.signer)
          .status()
          .code(),
      StatusCode::kFailedPrecondition);
}

TEST(RandomSerialTest, PositiveAndBelowTwoTo128) {
  cairn::testing::FakeRandom random(7);
  std::set<std::string> seen;
  size_t max_len = 0;
  for (int i = 0; i < 200; ++i) {
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string s, RandomSerial(random));
    ASSERT_FALSE(s.empty());
    EXPECT_NE(s[0], '0');
    for (char c : s) ASSERT_TRUE(c >= '0' && c <= '9') << s;
    // 2^128 - 1 has 39 digits; compare as numbers via length then lexicographically.
    const std::string max = "340282366920938463463374607431768211455";
    EXPECT_TRUE(s.size() < max.size() || (s.size() == max.size() && s <= max)) << s;
    max_len = std::max(max_len, s.size());
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_GE(max_len, 37u);  // uniformly random 128-bit values are almost always this long
}

// A Random that yields zeros first: RandomSerial must never return "0".
class ZeroThenRandom final : public Random {
 public:
  Status Fill(std::span<uint8_t> out) override {
    for (auto& b : out) b = calls_ == 0 ? 0 : 0x01;
    ++calls_;
    return Status();
  }
  int calls_ = 0;
};

TEST(RandomSerialTest, NeverZero) {
  ZeroThenRandom random;
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string s, RandomSerial(random));
  EXPECT_EQ(random.calls_, 2);
  EXPECT_EQ(s, "1334440654591915542993625911497130241");  // 0x0101...01 (16 bytes)
}

}  // namespace
}  // namespace cairn::pki

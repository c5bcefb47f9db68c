#include "pki/builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "base/encoding.h"
#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/openssl_cli_for_test.h"
#include "crypto/ossl_ptr.h"
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

// ExpectCanonical checks that the builder's DER is what OpenSSL writes for the same
// certificate: parsed afresh, its TBSCertificate re-encoded field by field (i2d_re_X509_tbs)
// gives the signed bytes, and the whole encodes back to the same DER.
void ExpectCanonical(const Certificate& c) {
  const std::string& der = c.der();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::UniquePtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ASSERT_TRUE(x != nullptr);
  crypto::der::Reader top(der);
  auto body = top.Expect(crypto::der::kSequence);
  ASSERT_TRUE(body.ok());
  crypto::der::Reader fields(*body);
  auto tbs = fields.Next();
  ASSERT_TRUE(tbs.ok());
  unsigned char* out = nullptr;
  int len = i2d_re_X509_tbs(x.get(), &out);
  ASSERT_GT(len, 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), static_cast<size_t>(len)), tbs->full);
  OPENSSL_free(out);
  out = nullptr;
  len = i2d_X509(x.get(), &out);
  ASSERT_GT(len, 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), static_cast<size_t>(len)), der);
  OPENSSL_free(out);
}

// CaTemplateForTest is an intermediate CA template (no SANs).
CertificateTemplate CaTemplateForTest() { return testing::CaTemplate("Constrained CA", 0, "4000"); }

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
  ExpectCanonical(leaf);

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
  // The DER the builder writes is what OpenSSL encodes from the same certificate.
  for (const Certificate* c : {&root.cert, &inter.cert, &leaf}) ExpectCanonical(*c);

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
  ExpectCanonical(c);

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
  ExpectCanonical(c);
  auto san = c.FindExtension(kOidSubjectAltName);
  ASSERT_TRUE(san.has_value());
  EXPECT_TRUE(san->critical);
  EXPECT_EQ(c.subject_string(), "");

  CertificateTemplate t2 = LeafTemplate("named", {});
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c2,
                             SignCertificate(t2, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c2);
  EXPECT_FALSE(c2.FindExtension(kOidSubjectAltName).has_value());

  CertificateTemplate t3 = LeafTemplate("named", {.dns = {"x.y"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c3,
                             SignCertificate(t3, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c3);
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
  ExpectCanonical(c);
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
  ExpectCanonical(c);
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
  ExpectCanonical(root);
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
  ExpectCanonical(old);

  // The intermediate rotated: a new key under the same root.
  auto inter2 = MakeIntermediate(root, KeyType::kEcP256, "Test Intermediate CA", 5);
  ASSERT_NE(inter2.cert.subject_key_id(), inter.cert.subject_key_id());

  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate renewed,
                             RenewCertificate(old, "4242", Hours(10), Hours(34), key.public_key(),
                                              inter2.cert, *inter2.signer));
  ExpectCanonical(renewed);
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
  ExpectCanonical(rekeyed);
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

// --- Template fields added for step's X.509 template schema -------------------------------

std::string OpensslText(const Certificate& c) {
  TempDir dir;
  dir.Write("c.pem", c.pem());
  auto r = RunCommand("openssl x509 -in " + dir.File("c.pem") + " -noout -text");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

TEST(SignCertificateTest, NameConstraintsAsGoWritesThem) {
  auto root = MakeRoot(KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  CertificateTemplate t = CaTemplateForTest();
  t.name_constraints.critical = true;
  t.name_constraints.permitted_dns_domains = {"example.com", ".internal"};
  t.name_constraints.permitted_ip_ranges = {"10.1.2.3/16", "2001:db8::/32"};
  t.name_constraints.permitted_email_addresses = {"example.com"};
  t.name_constraints.permitted_uri_domains = {".example.org"};
  t.name_constraints.excluded_dns_domains = {"bad.example.com"};
  t.name_constraints.excluded_ip_ranges = {"10.1.99.0/24"};
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c);
  auto nc = c.FindExtension(kOidNameConstraints);
  ASSERT_TRUE(nc.has_value());
  EXPECT_TRUE(nc->critical);
  // After certificate policies, before CRL distribution points (Go's order).
  EXPECT_THAT(Oids(c), ElementsAre(kOidKeyUsage, kOidBasicConstraints, kOidSubjectKeyId,
                                   kOidAuthorityKeyId, kOidNameConstraints));
  const std::string text = OpensslText(c);
  EXPECT_THAT(text, HasSubstr("X509v3 Name Constraints: critical"));
  EXPECT_THAT(text, HasSubstr("DNS:example.com"));
  EXPECT_THAT(text, HasSubstr("DNS:.internal"));
  // Host bits masked off, as net.ParseCIDR does.
  EXPECT_THAT(text, HasSubstr("IP:10.1.0.0/255.255.0.0"));
  EXPECT_THAT(text, HasSubstr("IP:2001:DB8:0:0:0:0:0:0/FFFF:FFFF:0:0:0:0:0:0"));
  EXPECT_THAT(text, HasSubstr("email:example.com"));
  EXPECT_THAT(text, HasSubstr("URI:.example.org"));
  EXPECT_THAT(text, HasSubstr("DNS:bad.example.com"));
  EXPECT_THAT(text, HasSubstr("IP:10.1.99.0/255.255.255.0"));
  EXPECT_LT(text.find("Permitted:"), text.find("Excluded:"));

  // openssl enforces them: a leaf under this CA with an excluded name fails to verify.
  auto inter_signer = std::make_shared<crypto::KeySigner>(key);
  const auto& leaf_key = SharedKey(KeyType::kEcP256, 8);
  auto issue = [&](const std::string& dns) {
    CertificateTemplate l = LeafTemplate(dns, {.dns = {dns}});
    auto leaf = SignCertificate(l, leaf_key.public_key(), &c, *inter_signer);
    EXPECT_TRUE(leaf.ok()) << leaf.status();
    return std::move(leaf).value();
  };
  TempDir dir;
  dir.Write("root.pem", root.cert.pem());
  dir.Write("int.pem", c.pem());
  dir.Write("good.pem", issue("a.example.com").pem());
  dir.Write("bad.pem", issue("x.bad.example.com").pem());
  const std::string verify = "openssl verify -CAfile " + dir.File("root.pem") + " -untrusted " +
                             dir.File("int.pem") + AtTime(Hours(1)) + " ";
  auto good = RunCommand(verify + dir.File("good.pem"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  auto bad = RunCommand(verify + dir.File("bad.pem"));
  EXPECT_NE(bad.exit_code, 0) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("excluded subtree violation"));

  // Not critical unless asked; nothing at all when every list is empty.
  t.name_constraints.critical = false;
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c2,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c2);
  EXPECT_FALSE(c2.FindExtension(kOidNameConstraints)->critical);
  t.name_constraints = NameConstraints{.critical = true};
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c3,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c3);
  EXPECT_FALSE(c3.FindExtension(kOidNameConstraints).has_value());
}

TEST(SignCertificateTest, RejectsBadNameConstraints) {
  auto root = MakeRoot(KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  for (const char* cidr :
       {"10.0.0.0", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/08", "host/8", "/8"}) {
    SCOPED_TRACE(cidr);
    CertificateTemplate t = CaTemplateForTest();
    t.name_constraints.excluded_ip_ranges = {cidr};
    auto c = SignCertificate(t, key.public_key(), &root.cert, *root.signer);
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(c.status().message(), HasSubstr("CIDR"));
  }
  CertificateTemplate t = CaTemplateForTest();
  t.name_constraints.permitted_dns_domains = {"bücher.example"};
  auto c = SignCertificate(t, key.public_key(), &root.cert, *root.signer);
  EXPECT_THAT(c.status().message(), HasSubstr("not ASCII"));
}

TEST(SignCertificateTest, OtherSansFollowTheStandardOnes) {
  auto root = MakeRoot(KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  CertificateTemplate t = LeafTemplate("", {.dns = {"a.example"}});
  // registeredID [8] 1.2.3.4 and a UPN otherName (both as x509util encodes them).
  const std::string reg_id("\x88\x03\x2a\x03\x04", 5);
  const std::string upn = std::string(
                              "\xa0\x1b\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x14\x02\x03\xa0\x0d"
                              "\x0c\x0b",
                              18) +
                          "foo@bar.com";
  t.other_sans = {{.type = "registeredID", .value = "1.2.3.4", .der = reg_id},
                  {.type = "userPrincipalName", .value = "foo@bar.com", .der = upn}};
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c);
  auto san = c.FindExtension(kOidSubjectAltName);
  ASSERT_TRUE(san.has_value());
  EXPECT_TRUE(san->critical);  // empty subject
  EXPECT_EQ(san->value, crypto::der::Tlv(crypto::der::kSequence,
                                         std::string("\x82\x09", 2) + "a.example" + reg_id + upn));
  EXPECT_THAT(c.dns_names(), ElementsAre("a.example"));
  const std::string text = OpensslText(c);
  EXPECT_THAT(text, HasSubstr("Registered ID:1.2.3.4"));
  EXPECT_THAT(text, HasSubstr("UPN::foo@bar.com"));

  // Only other SANs: the extension is still written.
  t.sans = {};
  t.subject.common_name = "x";
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c2,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c2);
  EXPECT_FALSE(c2.FindExtension(kOidSubjectAltName)->critical);

  // Anything that is not exactly one GeneralName is refused, naming it.
  for (const std::string& der :
       {std::string("1234"), reg_id + "x", std::string("\x88\x05\x2a", 3), std::string()}) {
    t.other_sans = {{.type = "1.2.3.4", .value = "raw:MTIzNA==", .der = der}};
    auto bad = SignCertificate(t, key.public_key(), &root.cert, *root.signer);
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(bad.status().message(), HasSubstr("raw:MTIzNA=="));
  }
}

TEST(SignCertificateTest, ExplicitKeyIdentifiers) {
  auto root = MakeRoot(KeyType::kEcP256);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  CertificateTemplate t = LeafTemplate("x", {.dns = {"x"}});
  t.explicit_subject_key_id = "my-ski";
  t.explicit_authority_key_id = "ignored-aki";
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c);
  EXPECT_EQ(c.subject_key_id(), "my-ski");
  // The issuer has an SKI: Go takes it, not the template's.
  EXPECT_EQ(c.authority_key_id(), root.cert.subject_key_id());

  // Self-signed: the template's AKI is written (Go's parent is the template itself).
  CertificateTemplate self = CaTemplateForTest();
  self.explicit_authority_key_id = "root-aki";
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Certificate r, SignCertificate(self, key.public_key(), nullptr, crypto::KeySigner(key)));
  ExpectCanonical(r);
  EXPECT_EQ(r.authority_key_id(), "root-aki");
  self.explicit_authority_key_id.clear();
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Certificate r2, SignCertificate(self, key.public_key(), nullptr, crypto::KeySigner(key)));
  ExpectCanonical(r2);
  EXPECT_EQ(r2.authority_key_id(), "");

  // subject_key_id = false wins over an explicit value.
  t.subject_key_id = false;
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c2,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c2);
  EXPECT_EQ(c2.subject_key_id(), "");
}

struct SigAlgCase {
  KeyType ca;
  std::string name;
  std::string want;  // Certificate::signature_algorithm, "" = refused
  std::string error;
};

TEST(SignCertificateTest, SignatureAlgorithms) {
  const std::vector<SigAlgCase> cases = {
      {KeyType::kEcP256, "", "ECDSA-SHA256", ""},
      {KeyType::kEcP256, "ECDSA-SHA384", "ECDSA-SHA384", ""},
      {KeyType::kEcP256, "ecdsa-sha512", "ECDSA-SHA512", ""},
      {KeyType::kEcP384, "ECDSA-SHA256", "ECDSA-SHA256", ""},
      {KeyType::kRsa, "SHA384-RSA", "SHA384-RSA", ""},
      {KeyType::kRsa, "SHA512-RSA", "SHA512-RSA", ""},
      {KeyType::kRsa, "SHA256-RSAPSS", "SHA256-RSAPSS", ""},
      {KeyType::kRsa, "SHA384-RSAPSS", "SHA384-RSAPSS", ""},
      {KeyType::kRsa, "sha512-rsapss", "SHA512-RSAPSS", ""},
      {KeyType::kEd25519, "Ed25519", "Ed25519", ""},
      {KeyType::kEcP256, "SHA256-RSA", "", "does not match the signing key"},
      {KeyType::kRsa, "ECDSA-SHA256", "", "does not match the signing key"},
      {KeyType::kEd25519, "ECDSA-SHA256", "", "does not match the signing key"},
      {KeyType::kRsa, "Ed25519", "", "does not match the signing key"},
      {KeyType::kRsa, "SHA1-RSA", "", "not supported"},
      {KeyType::kRsa, "MD5-RSA", "", "not supported"},
      {KeyType::kEcP256, "ECDSA-SHA1", "", "not supported"},
      {KeyType::kEcP256, "DSA-SHA256", "", "not supported"},
      {KeyType::kEcP256, "ECDSA-SHA3", "", "unsupported signature algorithm"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name + " with " + std::string(crypto::KeyTypeName(tc.ca)));
    auto root = MakeRoot(tc.ca);
    const auto& key = SharedKey(KeyType::kEcP256, 7);
    CertificateTemplate t = LeafTemplate("x", {.dns = {"x.example"}});
    t.signature_algorithm = tc.name;
    auto c = SignCertificate(t, key.public_key(), &root.cert, *root.signer);
    if (tc.want.empty()) {
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
      EXPECT_THAT(c.status().message(), HasSubstr(tc.error));
      continue;
    }
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->signature_algorithm(), tc.want);
    EXPECT_TRUE(c->IsIssuedBy(root.cert));
    ExpectCanonical(*c);
    TempDir dir;
    dir.Write("root.pem", root.cert.pem());
    dir.Write("leaf.pem", c->pem());
    auto r = RunCommand("openssl verify -CAfile " + dir.File("root.pem") + AtTime(Hours(1)) + " " +
                        dir.File("leaf.pem"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
}

TEST(SignCertificateTest, PssParametersAreGos) {
  auto root = MakeRoot(KeyType::kRsa);
  const auto& key = SharedKey(KeyType::kEcP256, 7);
  CertificateTemplate t = LeafTemplate("x", {.dns = {"x.example"}});
  t.signature_algorithm = "SHA256-RSAPSS";
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c,
                             SignCertificate(t, key.public_key(), &root.cert, *root.signer));
  ExpectCanonical(c);
  // Go's pssParametersSHA256 (crypto/x509), after the rsassaPss OID.
  const std::string go_params(
      "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a"
      "\x30\x34\xa0\x0f\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\xa1\x1c\x30"
      "\x1a\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03"
      "\x04\x02\x01\x05\x00\xa2\x03\x02\x01\x20",
      65);
  EXPECT_NE(c.der().find(go_params), std::string::npos);
  const std::string text = OpensslText(c);
  EXPECT_THAT(text, HasSubstr("Salt Length: 0x20"));
  EXPECT_THAT(text, HasSubstr("Mask Algorithm: mgf1 with sha256"));

  // PSS needs the key itself: a Signer that only offers Sign cannot do it.
  struct OpaqueSigner : crypto::Signer {
    explicit OpaqueSigner(const crypto::KeySigner& s) : inner(s) {}
    crypto::PublicKey public_key() const override { return inner.public_key(); }
    Result<std::string> Sign(crypto::HashAlg h, std::string_view m) const override {
      return inner.Sign(h, m);
    }
    const crypto::KeySigner& inner;
  };
  OpaqueSigner opaque(*root.signer);
  EXPECT_EQ(SignCertificate(t, key.public_key(), &root.cert, opaque).status().code(),
            StatusCode::kUnimplemented);
  t.signature_algorithm = "SHA384-RSA";
  CAIRN_EXPECT_OK(SignCertificate(t, key.public_key(), &root.cert, opaque));
}

TEST(NameEncodingTest, ExtraNamesShadowAndEmailIsIa5) {
  Name n;
  n.common_name = "shadowed";
  n.organization = {"Acme"};
  n.extra_names = {{"2.5.4.3", "from-extra"}, {"1.2.840.113549.1.9.1", "ops@example.com"}};
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string der, EncodeNameDer(n));
  // Go's appendRDNs skips CN because ExtraNames carries 2.5.4.3; emailAddress is IA5 (0x16).
  EXPECT_EQ(der.find("shadowed"), std::string::npos);
  EXPECT_NE(der.find(std::string("\x16\x0f", 2) + "ops@example.com"), std::string::npos);
  CAIRN_ASSERT_OK_AND_ASSIGN(Name back, DecodeNameDer(der));
  EXPECT_EQ(back.common_name, "from-extra");
  EXPECT_EQ(back.organization, (std::vector<std::string>{"Acme"}));
  EXPECT_EQ(back.extra_names, (std::vector<std::pair<std::string, std::string>>{
                                  {"1.2.840.113549.1.9.1", "ops@example.com"}}));
  EXPECT_FALSE(DecodeNameDer(der + "x").ok());
  EXPECT_FALSE(DecodeNameDer("junk").ok());
}

}  // namespace
}  // namespace cairn::pki

#include "pki/crl.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "crypto/der.h"
#include "crypto/openssl_cli_for_test.h"
#include "pki/builder.h"
#include "pki/internal/x509_util.h"
#include "pki/pem.h"
#include "pki/test_pki_for_test.h"
#include "testing/fakes.h"

namespace cairn::pki {
namespace {

namespace der = crypto::der;
using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;
using crypto::KeyType;
using ::testing::HasSubstr;
using testing::Hours;
using testing::MakeIntermediate;
using testing::MakeRoot;
using ::testing::Not;
using testing::Start;

constexpr const char* kIdpUri = "https://ca.example.test/1.0/crl";
// kMaxSerial is 2^159 - 1, the largest serial of 20 INTEGER octets.
constexpr const char* kMaxSerial = "730750818665451459101842416358141509827966271487";

std::string AtTime(Time t) { return " -attime " + std::to_string(ToUnixSeconds(t)); }

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

// BaseTemplate is a valid full CRL: three entries, step-ca's IDP.
CrlTemplate BaseTemplate() {
  CrlTemplate t;
  t.number_decimal = "42";
  t.this_update = Hours(1);
  t.next_update = Hours(25);
  t.entries = {
      {.serial_decimal = "3", .revoked_at = Hours(0), .reason_code = kCrlReasonKeyCompromise},
      {.serial_decimal = "2", .revoked_at = Hours(0)},
      {.serial_decimal = "255", .revoked_at = Hours(1), .reason_code = kCrlReasonSuperseded},
  };
  t.idp_uri = kIdpUri;
  return t;
}

// CrlExtensions returns the crlExtensions of a DER CRL, in order, as OpenSSL decodes them.
std::vector<Extension> CrlExtensions(const std::string& crl_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(crl_der.data());
  ossl::UniquePtr<X509_CRL> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl_der.size())));
  std::vector<Extension> out;
  if (!crl) return out;
  const STACK_OF(X509_EXTENSION)* exts = X509_CRL_get0_extensions(crl.get());
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    out.push_back(internal::ExtensionFrom(sk_X509_EXTENSION_value(exts, i)));
  }
  return out;
}

// TbsElements returns the top-level elements of the TBSCertList of a DER CRL.
std::vector<der::Element> TbsElements(const std::string& crl_der) {
  std::vector<der::Element> out;
  der::Reader top(crl_der);
  auto list = top.Expect(der::kSequence);
  if (!list.ok()) return out;
  der::Reader fields(*list);
  auto tbs = fields.Expect(der::kSequence);
  if (!tbs.ok()) return out;
  der::Reader r(*tbs);
  while (!r.empty()) {
    auto e = r.Next();
    if (!e.ok()) break;
    out.push_back(*e);
  }
  return out;
}

// --- Per key type: fields, signature, and what openssl makes of it ----------------------------

struct KeyCase {
  const char* name;
  KeyType type;
  const char* go_algorithm;       // ParsedCrl::signature_algorithm
  const char* openssl_algorithm;  // `openssl crl -text`
};

class CrlKeyTest : public ::testing::TestWithParam<KeyCase> {};

INSTANTIATE_TEST_SUITE_P(
    Keys, CrlKeyTest,
    ::testing::Values(KeyCase{"P256", KeyType::kEcP256, "ECDSA-SHA256", "ecdsa-with-SHA256"},
                      KeyCase{"P384", KeyType::kEcP384, "ECDSA-SHA384", "ecdsa-with-SHA384"},
                      KeyCase{"RSA", KeyType::kRsa, "SHA256-RSA", "sha256WithRSAEncryption"},
                      KeyCase{"Ed25519", KeyType::kEd25519, "Ed25519", "ED25519"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST_P(CrlKeyTest, SignsParsesAndOpensslAgrees) {
  const auto root = MakeRoot(GetParam().type);
  const auto inter = MakeIntermediate(root, GetParam().type);
  CrlTemplate t = BaseTemplate();
  // Not in serial order, to show the order is kept; the largest serial there is.
  t.entries.insert(t.entries.begin(), {.serial_decimal = kMaxSerial,
                                       .revoked_at = Hours(-48),
                                       .reason_code = kCrlReasonAaCompromise});
  t.entries.push_back({.serial_decimal = "0001000",  // leading zeros are ignored
                       .revoked_at = Hours(1),
                       .reason_code = kCrlReasonCertificateHold});
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl, SignCrl(t, inter.cert, *inter.signer));

  CAIRN_ASSERT_OK_AND_ASSIGN(const ParsedCrl parsed, ParseCrl(crl));
  EXPECT_EQ(parsed.version, 2);
  EXPECT_EQ(parsed.raw_issuer, inter.cert.raw_subject());
  ASSERT_FALSE(inter.cert.subject_key_id().empty());
  EXPECT_EQ(parsed.authority_key_id, inter.cert.subject_key_id());
  EXPECT_EQ(parsed.number_decimal, "42");
  EXPECT_EQ(parsed.this_update, Hours(1));
  EXPECT_EQ(parsed.next_update, Hours(25));
  const std::vector<RevokedEntry> want = {
      {kMaxSerial, Hours(-48), kCrlReasonAaCompromise},
      {"3", Hours(0), kCrlReasonKeyCompromise},
      {"2", Hours(0), kCrlReasonNone},
      {"255", Hours(1), kCrlReasonSuperseded},
      {"1000", Hours(1), kCrlReasonCertificateHold},
  };
  EXPECT_EQ(parsed.entries, want);
  EXPECT_FALSE(parsed.delta_base_number_decimal.has_value());
  EXPECT_TRUE(parsed.has_idp);
  EXPECT_EQ(parsed.idp_uri, kIdpUri);
  EXPECT_EQ(parsed.idp_scope, CrlScope::kUserCertificates);
  EXPECT_TRUE(parsed.freshest_crl_uris.empty());
  EXPECT_EQ(parsed.signature_algorithm, GetParam().go_algorithm);

  CAIRN_EXPECT_OK(VerifyCrlSignature(crl, inter.cert));
  EXPECT_EQ(VerifyCrlSignature(crl, root.cert).code(), StatusCode::kUnauthenticated);

  // Extensions: AKI, cRLNumber (non-critical), IDP (critical), in that order.
  const auto exts = CrlExtensions(crl);
  ASSERT_EQ(exts.size(), 3u);
  EXPECT_EQ(exts[0].oid, "2.5.29.35");
  EXPECT_FALSE(exts[0].critical);
  EXPECT_EQ(exts[1].oid, "2.5.29.20");
  EXPECT_FALSE(exts[1].critical);
  EXPECT_EQ(exts[2].oid, "2.5.29.28");
  EXPECT_TRUE(exts[2].critical);

  TempDir dir;
  dir.Write("chain.pem", root.cert.pem() + inter.cert.pem());
  dir.Write("crl.der", crl);
  auto verify = RunCommand("openssl crl -inform DER -in " + dir.File("crl.der") + " -CAfile " +
                           dir.File("chain.pem") + " -noout");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("verify OK"));

  auto text = RunCommand("openssl crl -inform DER -in " + dir.File("crl.der") + " -noout -text");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("Version 2 (0x1)"));
  EXPECT_THAT(text.output, HasSubstr(GetParam().openssl_algorithm));
  EXPECT_THAT(text.output, HasSubstr("Issuer: O = Cairn Test, CN = Test Intermediate CA"));
  EXPECT_THAT(text.output, HasSubstr("Last Update: Jan  1 01:00:00 2026 GMT"));
  EXPECT_THAT(text.output, HasSubstr("Next Update: Jan  2 01:00:00 2026 GMT"));
  EXPECT_THAT(text.output, HasSubstr("X509v3 CRL Number: \n                42\n"));
  EXPECT_THAT(text.output, HasSubstr("X509v3 Issuing Distribution Point: critical"));
  EXPECT_THAT(text.output, HasSubstr("URI:" + std::string(kIdpUri)));
  EXPECT_THAT(text.output, HasSubstr("Only User Certificates"));
  EXPECT_THAT(text.output, HasSubstr("X509v3 Authority Key Identifier"));
  // Serials in hex, in the order given; reason codes on all but the unspecified one.
  const size_t max_pos =
      text.output.find("Serial Number: 7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
  const size_t three_pos = text.output.find("Serial Number: 03\n");
  const size_t ff_pos = text.output.find("Serial Number: FF\n");
  const size_t e8_pos = text.output.find("Serial Number: 03E8\n");
  ASSERT_NE(max_pos, std::string::npos) << text.output;
  ASSERT_NE(e8_pos, std::string::npos) << text.output;
  EXPECT_LT(max_pos, three_pos);
  EXPECT_LT(three_pos, ff_pos);
  EXPECT_LT(ff_pos, e8_pos);
  EXPECT_EQ(Count(text.output, "X509v3 CRL Reason Code:"), 4u) << text.output;
  EXPECT_THAT(text.output, HasSubstr("AA Compromise"));
  EXPECT_THAT(text.output, HasSubstr("Key Compromise"));
  EXPECT_THAT(text.output, HasSubstr("Superseded"));
  EXPECT_THAT(text.output, HasSubstr("Certificate Hold"));
  EXPECT_THAT(text.output, Not(HasSubstr("Unspecified")));
}

TEST_P(CrlKeyTest, OpensslVerifyRejectsRevokedLeafOnly) {
  const auto root = MakeRoot(GetParam().type);
  const auto inter = MakeIntermediate(root, GetParam().type);
  // Leaves in the CRL's scope name its distribution point (OpenSSL matches it against the IDP).
  auto leaf = [&](const std::string& serial) {
    CertificateTemplate lt =
        testing::LeafTemplate("leaf.example.test", {.dns = {"leaf.example.test"}});
    lt.serial_decimal = serial;
    lt.not_after = Hours(24 * 30);
    lt.crl_distribution_points = {kIdpUri};
    auto c = SignCertificate(lt, testing::SharedKey(KeyType::kEcP256, 9).public_key(), &inter.cert,
                             *inter.signer);
    CAIRN_CHECK(c.ok());
    return std::move(c).value();
  };
  const Certificate good = leaf("5000");
  const Certificate revoked = leaf("5001");
  CrlTemplate t = BaseTemplate();
  t.entries.push_back(
      {.serial_decimal = "5001", .revoked_at = Hours(0), .reason_code = kCrlReasonKeyCompromise});
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl, SignCrl(t, inter.cert, *inter.signer));

  TempDir dir;
  dir.Write("root.pem", root.cert.pem());
  dir.Write("inter.pem", inter.cert.pem());
  dir.Write("crl.pem", EncodePem("X509 CRL", crl));
  dir.Write("good.pem", good.pem());
  dir.Write("revoked.pem", revoked.pem());
  const std::string verify = "openssl verify -crl_check" + AtTime(Hours(2)) + " -CAfile " +
                             dir.File("root.pem") + " -untrusted " + dir.File("inter.pem") +
                             " -CRLfile " + dir.File("crl.pem") + " ";
  auto ok = RunCommand(verify + dir.File("good.pem"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("good.pem: OK"));
  auto bad = RunCommand(verify + dir.File("revoked.pem"));
  EXPECT_NE(bad.exit_code, 0) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("certificate revoked"));
  // Past nextUpdate the CRL is stale, and OpenSSL says so.
  auto stale = RunCommand("openssl verify -crl_check" + AtTime(Hours(26)) + " -CAfile " +
                          dir.File("root.pem") + " -untrusted " + dir.File("inter.pem") +
                          " -CRLfile " + dir.File("crl.pem") + " " + dir.File("good.pem"));
  EXPECT_NE(stale.exit_code, 0) << stale.output;
  EXPECT_THAT(stale.output, HasSubstr("CRL has expired"));
}

TEST(CrlTest, OpensslNeedsTheIdpUriInTheLeafsDistributionPoints) {
  // The IDP makes the CRL cover only certificates naming that distribution point: a leaf
  // without cRLDistributionPoints is out of its scope, so its revocation status is unknown.
  const auto root = MakeRoot(KeyType::kEcP256);
  const auto inter = MakeIntermediate(root, KeyType::kEcP256);
  CertificateTemplate lt =
      testing::LeafTemplate("leaf.example.test", {.dns = {"leaf.example.test"}});
  lt.serial_decimal = "7000";
  CAIRN_ASSERT_OK_AND_ASSIGN(
      const Certificate leaf,
      SignCertificate(lt, testing::SharedKey(KeyType::kEcP256, 9).public_key(), &inter.cert,
                      *inter.signer));
  CrlTemplate with_idp = BaseTemplate();
  CrlTemplate without_idp = BaseTemplate();
  without_idp.idp_uri.clear();
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl1, SignCrl(with_idp, inter.cert, *inter.signer));
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl2,
                             SignCrl(without_idp, inter.cert, *inter.signer));
  TempDir dir;
  dir.Write("root.pem", root.cert.pem());
  dir.Write("inter.pem", inter.cert.pem());
  dir.Write("with.pem", EncodePem("X509 CRL", crl1));
  dir.Write("without.pem", EncodePem("X509 CRL", crl2));
  dir.Write("leaf.pem", leaf.pem());
  const std::string verify = "openssl verify -crl_check" + AtTime(Hours(2)) + " -CAfile " +
                             dir.File("root.pem") + " -untrusted " + dir.File("inter.pem") +
                             " -CRLfile ";
  auto scoped = RunCommand(verify + dir.File("with.pem") + " " + dir.File("leaf.pem"));
  EXPECT_NE(scoped.exit_code, 0) << scoped.output;
  EXPECT_THAT(scoped.output, HasSubstr("different CRL scope"));
  auto unscoped = RunCommand(verify + dir.File("without.pem") + " " + dir.File("leaf.pem"));
  EXPECT_EQ(unscoped.exit_code, 0) << unscoped.output;
}

// --- Delta CRLs ---------------------------------------------------------------------------

TEST(CrlTest, DeltaCrlRevokesOnTopOfTheFullCrl) {
  const auto root = MakeRoot(KeyType::kEcP256);
  const auto inter = MakeIntermediate(root, KeyType::kEcP256);
  CertificateTemplate lt =
      testing::LeafTemplate("leaf.example.test", {.dns = {"leaf.example.test"}});
  lt.serial_decimal = "6000";
  lt.crl_distribution_points = {kIdpUri};
  CAIRN_ASSERT_OK_AND_ASSIGN(
      const Certificate leaf,
      SignCertificate(lt, testing::SharedKey(KeyType::kEcP256, 9).public_key(), &inter.cert,
                      *inter.signer));

  CrlTemplate full = BaseTemplate();
  full.number_decimal = "10";
  full.freshest_crl_uris = {"https://ca.example.test/1.0/crl/delta", "ldap://ldap.example.test/x"};
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string full_der, SignCrl(full, inter.cert, *inter.signer));

  CrlTemplate delta;
  delta.number_decimal = "11";
  delta.delta_base_number_decimal = "10";
  delta.this_update = Hours(2);
  delta.next_update = Hours(8);
  delta.idp_uri = kIdpUri;  // a delta's scope is its base's
  delta.entries = {
      {.serial_decimal = "6000", .revoked_at = Hours(1), .reason_code = kCrlReasonCaCompromise},
      // removeFromCRL is only for delta CRLs (RFC 5280 §5.3.1).
      {.serial_decimal = "255", .revoked_at = Hours(2), .reason_code = kCrlReasonRemoveFromCrl},
  };
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string delta_der,
                             SignCrl(delta, inter.cert, *inter.signer));

  CAIRN_ASSERT_OK_AND_ASSIGN(const ParsedCrl pf, ParseCrl(full_der));
  EXPECT_FALSE(pf.delta_base_number_decimal.has_value());
  EXPECT_EQ(pf.freshest_crl_uris, full.freshest_crl_uris);
  CAIRN_ASSERT_OK_AND_ASSIGN(const ParsedCrl pd, ParseCrl(delta_der));
  EXPECT_EQ(pd.number_decimal, "11");
  EXPECT_EQ(pd.delta_base_number_decimal, "10");
  EXPECT_TRUE(pd.freshest_crl_uris.empty());
  EXPECT_EQ(pd.entries, delta.entries);
  const auto exts = CrlExtensions(delta_der);
  ASSERT_EQ(exts.size(), 4u);
  EXPECT_EQ(exts[3].oid, "2.5.29.27");
  EXPECT_TRUE(exts[3].critical);
  const auto full_exts = CrlExtensions(full_der);
  ASSERT_EQ(full_exts.size(), 4u);
  EXPECT_EQ(full_exts[3].oid, "2.5.29.46");
  EXPECT_FALSE(full_exts[3].critical);

  TempDir dir;
  dir.Write("delta.der", delta_der);
  dir.Write("full.der", full_der);
  auto text = RunCommand("openssl crl -inform DER -in " + dir.File("delta.der") + " -noout -text");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("X509v3 Delta CRL Indicator: critical\n                10\n"));
  EXPECT_THAT(text.output, HasSubstr("X509v3 CRL Number: \n                11\n"));
  EXPECT_THAT(text.output, HasSubstr("Remove From CRL"));
  auto full_text =
      RunCommand("openssl crl -inform DER -in " + dir.File("full.der") + " -noout -text");
  EXPECT_THAT(full_text.output, HasSubstr("X509v3 Freshest CRL"));
  EXPECT_THAT(full_text.output, HasSubstr("URI:https://ca.example.test/1.0/crl/delta"));
  EXPECT_THAT(full_text.output, HasSubstr("URI:ldap://ldap.example.test/x"));
  EXPECT_THAT(full_text.output, Not(HasSubstr("Delta CRL Indicator")));

  // With deltas, OpenSSL combines both: the leaf is revoked by the delta alone.
  dir.Write("root.pem", root.cert.pem());
  dir.Write("inter.pem", inter.cert.pem());
  dir.Write("crls.pem", EncodePem("X509 CRL", full_der) + EncodePem("X509 CRL", delta_der));
  dir.Write("leaf.pem", leaf.pem());
  const std::string verify = "openssl verify -crl_check" + AtTime(Hours(3)) + " -CAfile " +
                             dir.File("root.pem") + " -untrusted " + dir.File("inter.pem") +
                             " -CRLfile " + dir.File("crls.pem") + " ";
  auto with_deltas = RunCommand(verify + "-use_deltas " + dir.File("leaf.pem"));
  EXPECT_NE(with_deltas.exit_code, 0) << with_deltas.output;
  EXPECT_THAT(with_deltas.output, HasSubstr("certificate revoked"));
  auto without = RunCommand(verify + dir.File("leaf.pem"));
  EXPECT_EQ(without.exit_code, 0) << without.output;
}

// --- Encoding details ---------------------------------------------------------------------

TEST(CrlTest, TimesAreUtcTimeThrough2049AndGeneralizedTimeAfter) {
  const auto root = MakeRoot(KeyType::kEcP256);
  CrlTemplate t;
  t.number_decimal = "0";
  // 2049-12-31T23:59:59.750Z: fractions are dropped (floored), not rounded.
  t.this_update = FromUnixSeconds(2524607999) + std::chrono::milliseconds(750);
  t.next_update = FromUnixSeconds(2524608000);  // 2050-01-01T00:00:00Z
  t.entries = {{.serial_decimal = "1", .revoked_at = FromUnixSeconds(-631152000)}};  // 1950
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl, SignCrl(t, root.cert, *root.signer));

  const auto tbs = TbsElements(crl);
  ASSERT_EQ(tbs.size(), 7u);  // version, signature, issuer, this, next, revoked, extensions
  EXPECT_EQ(tbs[0].full, std::string("\x02\x01\x01", 3));  // v2
  EXPECT_EQ(tbs[3].tag, 0x17);
  EXPECT_EQ(tbs[3].contents, "491231235959Z");
  EXPECT_EQ(tbs[4].tag, 0x18);
  EXPECT_EQ(tbs[4].contents, "20500101000000Z");
  der::Reader revoked(tbs[5].contents);
  auto entry = revoked.Expect(der::kSequence);
  ASSERT_TRUE(entry.ok());
  der::Reader fields(*entry);
  ASSERT_TRUE(fields.Expect(der::kInteger).ok());
  auto when = fields.Next();
  ASSERT_TRUE(when.ok());
  EXPECT_EQ(when->tag, 0x17);
  EXPECT_EQ(when->contents, "500101000000Z");
  EXPECT_TRUE(fields.empty());  // no reason code: no crlEntryExtensions at all

  CAIRN_ASSERT_OK_AND_ASSIGN(const ParsedCrl parsed, ParseCrl(crl));
  EXPECT_EQ(parsed.this_update, FromUnixSeconds(2524607999));
  EXPECT_EQ(parsed.next_update, FromUnixSeconds(2524608000));
  EXPECT_EQ(parsed.entries.at(0).revoked_at, FromUnixSeconds(-631152000));
  EXPECT_EQ(parsed.number_decimal, "0");
  EXPECT_FALSE(parsed.has_idp);
}

TEST(CrlTest, IssuingDistributionPointIsStepCasBytes) {
  const auto root = MakeRoot(KeyType::kEcP256);
  CrlTemplate t = BaseTemplate();
  t.idp_uri = "http://a/crl";
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl, SignCrl(t, root.cert, *root.signer));
  // Go's asn1.Marshal of step-ca's distributionPoint{fullName: [URI], onlyContainsUserCerts}.
  const std::string want = std::string("\x30\x15\xa0\x10\xa0\x0e\x86\x0c", 8) + "http://a/crl" +
                           std::string("\x81\x01\xff", 3);
  const auto exts = CrlExtensions(crl);
  ASSERT_EQ(exts.size(), 3u);
  EXPECT_EQ(exts[2].value, want);
}

TEST(CrlTest, IdpScopes) {
  const auto root = MakeRoot(KeyType::kEcP256);
  struct Case {
    CrlScope scope;
    const char* openssl_text;  // nullptr: neither flag printed
  };
  for (const Case& c : {Case{CrlScope::kAllCertificates, nullptr},
                        Case{CrlScope::kUserCertificates, "Only User Certificates"},
                        Case{CrlScope::kCaCertificates, "Only CA Certificates"}}) {
    SCOPED_TRACE(static_cast<int>(c.scope));
    CrlTemplate t = BaseTemplate();
    t.idp_scope = c.scope;
    CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl, SignCrl(t, root.cert, *root.signer));
    CAIRN_ASSERT_OK_AND_ASSIGN(const ParsedCrl parsed, ParseCrl(crl));
    EXPECT_EQ(parsed.idp_scope, c.scope);
    EXPECT_EQ(parsed.idp_uri, kIdpUri);
    TempDir dir;
    dir.Write("crl.der", crl);
    auto text = RunCommand("openssl crl -inform DER -in " + dir.File("crl.der") + " -noout -text");
    ASSERT_EQ(text.exit_code, 0) << text.output;
    if (c.openssl_text != nullptr) {
      EXPECT_THAT(text.output, HasSubstr(c.openssl_text));
    } else {
      EXPECT_THAT(text.output, Not(HasSubstr("Only ")));
    }
  }
}

TEST(CrlTest, EmptyCrlHasNoRevokedCertificatesField) {
  const auto root = MakeRoot(KeyType::kEcP384);
  const auto inter = MakeIntermediate(root, KeyType::kEcP384);
  CrlTemplate t = BaseTemplate();
  t.entries.clear();
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl, SignCrl(t, inter.cert, *inter.signer));
  const auto tbs = TbsElements(crl);
  ASSERT_EQ(tbs.size(), 6u);  // RFC 5280 §5.1.2.6: the list is absent, not empty
  EXPECT_EQ(tbs[5].tag, der::ContextTag(0, true));
  CAIRN_ASSERT_OK_AND_ASSIGN(const ParsedCrl parsed, ParseCrl(crl));
  EXPECT_TRUE(parsed.entries.empty());
  CAIRN_EXPECT_OK(VerifyCrlSignature(crl, inter.cert));

  TempDir dir;
  dir.Write("chain.pem", root.cert.pem() + inter.cert.pem());
  dir.Write("crl.der", crl);
  auto r = RunCommand("openssl crl -inform DER -in " + dir.File("crl.der") + " -CAfile " +
                      dir.File("chain.pem") + " -noout -text");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("verify OK"));
  EXPECT_THAT(r.output, HasSubstr("No Revoked Certificates."));
}

TEST(CrlTest, IssuerWithoutSubjectKeyIdGetsNoAuthorityKeyId) {
  const auto& key = testing::SharedKey(KeyType::kEcP256, 5);
  crypto::KeySigner signer(key);
  CertificateTemplate ct = testing::CaTemplate("No SKI CA", 1, "77");
  ct.subject_key_id = false;
  CAIRN_ASSERT_OK_AND_ASSIGN(const Certificate ca,
                             SignCertificate(ct, key.public_key(), nullptr, signer));
  ASSERT_TRUE(ca.subject_key_id().empty());
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl, SignCrl(BaseTemplate(), ca, signer));
  CAIRN_ASSERT_OK_AND_ASSIGN(const ParsedCrl parsed, ParseCrl(crl));
  EXPECT_TRUE(parsed.authority_key_id.empty());
  EXPECT_EQ(CrlExtensions(crl).size(), 2u);  // cRLNumber, IDP
  CAIRN_EXPECT_OK(VerifyCrlSignature(crl, ca));
}

// --- Bad input ----------------------------------------------------------------------------

TEST(CrlTest, RejectsBadTemplates) {
  const auto root = MakeRoot(KeyType::kEcP256);
  struct Case {
    const char* name;
    std::function<void(CrlTemplate&)> mutate;
    StatusCode want;
  };
  auto reason = [](int r) { return [r](CrlTemplate& t) { t.entries[0].reason_code = r; }; };
  auto serial = [](const char* s) {
    return [s](CrlTemplate& t) { t.entries[1].serial_decimal = s; };
  };
  auto number = [](const char* s) { return [s](CrlTemplate& t) { t.number_decimal = s; }; };
  const std::vector<Case> cases = {
      {"reason 7", reason(7), StatusCode::kInvalidArgument},
      {"reason 11", reason(11), StatusCode::kInvalidArgument},
      {"reason -2", reason(-2), StatusCode::kInvalidArgument},
      {"removeFromCRL in a full CRL", reason(kCrlReasonRemoveFromCrl),
       StatusCode::kInvalidArgument},
      {"next == this", [](CrlTemplate& t) { t.next_update = t.this_update; },
       StatusCode::kInvalidArgument},
      {"next < this", [](CrlTemplate& t) { t.next_update = t.this_update - std::chrono::hours(1); },
       StatusCode::kInvalidArgument},
      {"next within the same second",
       [](CrlTemplate& t) { t.next_update = t.this_update + std::chrono::milliseconds(500); },
       StatusCode::kInvalidArgument},
      {"this before 1950", [](CrlTemplate& t) { t.this_update = FromUnixSeconds(-631152001); },
       StatusCode::kInvalidArgument},
      {"revoked before 1950",
       [](CrlTemplate& t) { t.entries[2].revoked_at = FromUnixSeconds(-700000000); },
       StatusCode::kInvalidArgument},
      {"empty serial", serial(""), StatusCode::kInvalidArgument},
      {"zero serial", serial("000"), StatusCode::kInvalidArgument},
      {"negative serial", serial("-5"), StatusCode::kInvalidArgument},
      {"hex serial", serial("12a"), StatusCode::kInvalidArgument},
      {"serial with space", serial("12 3"), StatusCode::kInvalidArgument},
      {"serial of 2^159 (21 octets)", serial("730750818665451459101842416358141509827966271488"),
       StatusCode::kInvalidArgument},
      {"serial far too long",
       serial("1234567890123456789012345678901234567890123456789012345678901"
              "2345"),
       StatusCode::kInvalidArgument},
      {"duplicate serial", serial("03"), StatusCode::kInvalidArgument},
      {"missing number", number(""), StatusCode::kInvalidArgument},
      {"negative number", number("-1"), StatusCode::kInvalidArgument},
      {"non-decimal number", number("0x10"), StatusCode::kInvalidArgument},
      {"number of 21 octets", number("730750818665451459101842416358141509827966271488"),
       StatusCode::kInvalidArgument},
      {"delta base equal to the number", [](CrlTemplate& t) { t.delta_base_number_decimal = "42"; },
       StatusCode::kInvalidArgument},
      {"delta base above the number", [](CrlTemplate& t) { t.delta_base_number_decimal = "100"; },
       StatusCode::kInvalidArgument},
      {"malformed delta base", [](CrlTemplate& t) { t.delta_base_number_decimal = "4x"; },
       StatusCode::kInvalidArgument},
      {"freshest CRL on a delta CRL",
       [](CrlTemplate& t) {
         t.delta_base_number_decimal = "41";
         t.freshest_crl_uris = {"https://ca.example.test/delta"};
       },
       StatusCode::kInvalidArgument},
      {"IDP without scheme", [](CrlTemplate& t) { t.idp_uri = "ca.example.test/crl"; },
       StatusCode::kInvalidArgument},
      {"IDP with a space", [](CrlTemplate& t) { t.idp_uri = "https://ca.example.test/a crl"; },
       StatusCode::kInvalidArgument},
      {"IDP not ASCII", [](CrlTemplate& t) { t.idp_uri = "https://ca.exämple.test/crl"; },
       StatusCode::kInvalidArgument},
      {"IDP with a bad scheme", [](CrlTemplate& t) { t.idp_uri = "1http://x/crl"; },
       StatusCode::kInvalidArgument},
      {"IDP too long",
       [](CrlTemplate& t) { t.idp_uri = "https://x/" + std::string(kMaxCrlUriLength, 'a'); },
       StatusCode::kInvalidArgument},
      {"bad freshest URI", [](CrlTemplate& t) { t.freshest_crl_uris = {"https:"}; },
       StatusCode::kInvalidArgument},
      {"too many freshest URIs",
       [](CrlTemplate& t) {
         t.freshest_crl_uris.assign(kMaxFreshestCrlUris + 1, "https://ca.example.test/delta");
       },
       StatusCode::kInvalidArgument},
      {"too many entries",
       [](CrlTemplate& t) {
         t.max_entries = 10;
         for (int i = 1; i <= 11; ++i) {
           t.entries.push_back({.serial_decimal = std::to_string(i), .revoked_at = Hours(0)});
         }
       },
       StatusCode::kResourceExhausted},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CrlTemplate t = BaseTemplate();
    c.mutate(t);
    auto r = SignCrl(t, root.cert, *root.signer);
    EXPECT_EQ(r.status().code(), c.want) << r.status();
  }
  // The unmodified template is fine, as are reason 0, 10 and removeFromCRL in a delta CRL.
  CAIRN_EXPECT_OK(SignCrl(BaseTemplate(), root.cert, *root.signer));
  CrlTemplate delta = BaseTemplate();
  delta.delta_base_number_decimal = "41";
  delta.entries[0].reason_code = kCrlReasonRemoveFromCrl;
  delta.entries[1].reason_code = kCrlReasonUnspecified;
  delta.entries[2].reason_code = kCrlReasonAaCompromise;
  CAIRN_EXPECT_OK(SignCrl(delta, root.cert, *root.signer));
}

TEST(CrlTest, RejectsASignerThatIsNotTheIssuer) {
  const auto root = MakeRoot(KeyType::kEcP256);
  const auto inter = MakeIntermediate(root, KeyType::kEcP256);
  auto r = SignCrl(BaseTemplate(), inter.cert, *root.signer);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status();
  // Same key type, different key.
  const auto other = MakeRoot(KeyType::kEd25519, "Other", 3);
  const auto ed = MakeRoot(KeyType::kEd25519);
  r = SignCrl(BaseTemplate(), ed.cert, *other.signer);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status();
}

// --- Parsing and verifying what others send ------------------------------------------------

TEST(CrlTest, ParseRejectsMalformedInput) {
  const auto root = MakeRoot(KeyType::kRsa);
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl,
                             SignCrl(BaseTemplate(), root.cert, *root.signer));
  CAIRN_ASSERT_OK(ParseCrl(crl));
  EXPECT_EQ(ParseCrl("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCrl("not a crl").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCrl(crl + "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCrl(crl.substr(0, crl.size() - 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyCrlSignature(crl + "x", root.cert).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCrl(std::string(kMaxCrlDer + 1, '\x30')).status().code(),
            StatusCode::kResourceExhausted);

  // Outer signatureAlgorithm different from the TBSCertList's (sha256 -> sha384 with RSA).
  der::Reader top(crl);
  auto list = top.Expect(der::kSequence);
  ASSERT_TRUE(list.ok());
  der::Reader fields(*list);
  auto tbs = fields.Next();
  auto alg = fields.Next();
  auto sig = fields.Next();
  ASSERT_TRUE(tbs.ok() && alg.ok() && sig.ok());
  std::string other_alg(alg->full);
  const std::string sha256_rsa = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b";
  const size_t at = other_alg.find(sha256_rsa);
  ASSERT_NE(at, std::string::npos);
  other_alg[at + sha256_rsa.size() - 1] = '\x0c';  // sha384WithRSAEncryption
  const std::string mixed =
      der::Tlv(der::kSequence, std::string(tbs->full) + other_alg + std::string(sig->full));
  EXPECT_EQ(ParseCrl(mixed).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyCrlSignature(mixed, root.cert).code(), StatusCode::kInvalidArgument);
}

TEST(CrlTest, ParseBoundsTheNumberOfEntries) {
  // A structurally plausible TBSCertList with kMaxCrlEntries + 1 (empty) entries: refused
  // before OpenSSL allocates anything for them.
  const auto root = MakeRoot(KeyType::kEcP256);
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl,
                             SignCrl(BaseTemplate(), root.cert, *root.signer));
  const auto tbs = TbsElements(crl);
  ASSERT_EQ(tbs.size(), 7u);
  std::string entries;
  for (size_t i = 0; i <= kMaxCrlEntries; ++i) entries.append("\x30\x00", 2);
  const std::string body = std::string(tbs[0].full) + std::string(tbs[1].full) +
                           std::string(tbs[2].full) + std::string(tbs[3].full) +
                           std::string(tbs[4].full) + der::Tlv(der::kSequence, entries);
  const std::string big =
      der::Tlv(der::kSequence, der::Tlv(der::kSequence, body) + std::string(tbs[1].full) +
                                   der::Tlv(der::kBitString, std::string("\x00\x01", 2)));
  EXPECT_EQ(ParseCrl(big).status().code(), StatusCode::kResourceExhausted);
}

TEST(CrlTest, ParseClampsTimesBeyondWhatTimeHolds) {
  // RFC 5280's "no well-defined expiry", 99991231235959Z, as another CA may write nextUpdate
  // (spliced in; the signature is not checked by ParseCrl).
  const auto root = MakeRoot(KeyType::kEcP256);
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl,
                             SignCrl(BaseTemplate(), root.cert, *root.signer));
  der::Reader top(crl);
  auto list = top.Expect(der::kSequence);
  ASSERT_TRUE(list.ok());
  der::Reader fields(*list);
  auto tbs = fields.Next();
  ASSERT_TRUE(tbs.ok());
  const auto elems = TbsElements(crl);
  ASSERT_EQ(elems.size(), 7u);
  std::string body;
  for (size_t i = 0; i < elems.size(); ++i) {
    body += i == 4 ? der::Tlv(0x18, "99991231235959Z") : std::string(elems[i].full);
  }
  const std::string spliced =
      der::Tlv(der::kSequence, der::Tlv(der::kSequence, body) + std::string(fields.rest()));
  CAIRN_ASSERT_OK_AND_ASSIGN(const ParsedCrl parsed, ParseCrl(spliced));
  EXPECT_EQ(parsed.this_update, Hours(1));
  EXPECT_EQ(parsed.next_update, FromUnixSeconds(9223372036));  // 2262-04-11T23:47:16Z
  EXPECT_EQ(VerifyCrlSignature(spliced, root.cert).code(), StatusCode::kUnauthenticated);
}

TEST(CrlTest, VerifyRejectsTamperingAndOtherIssuers) {
  const auto root = MakeRoot(KeyType::kRsa);
  const auto inter = MakeIntermediate(root, KeyType::kRsa);
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl,
                             SignCrl(BaseTemplate(), inter.cert, *inter.signer));
  CAIRN_ASSERT_OK(VerifyCrlSignature(crl, inter.cert));

  std::string tampered = crl;
  tampered[tampered.size() - 1] ^= 0x01;  // the last octet of the RSA signature
  CAIRN_ASSERT_OK(ParseCrl(tampered));
  EXPECT_EQ(VerifyCrlSignature(tampered, inter.cert).code(), StatusCode::kUnauthenticated);

  // Another name: refused on the name alone.
  EXPECT_EQ(VerifyCrlSignature(crl, root.cert).code(), StatusCode::kUnauthenticated);
  // The same name with another key: refused on the signature.
  const auto impostor = MakeRoot(KeyType::kRsa, "Test Intermediate CA", 4);
  ASSERT_EQ(impostor.cert.raw_subject(), inter.cert.raw_subject());
  EXPECT_EQ(VerifyCrlSignature(crl, impostor.cert).code(), StatusCode::kUnauthenticated);
}

// --- Size --------------------------------------------------------------------------------

TEST(CrlTest, TwentyThousandEntriesRoundTrip) {
  const auto root = MakeRoot(KeyType::kEcP256);
  const auto inter = MakeIntermediate(root, KeyType::kEcP256);
  ::cairn::testing::FakeRandom random(7);
  constexpr int kReasons[] = {kCrlReasonNone,
                              kCrlReasonUnspecified,
                              kCrlReasonKeyCompromise,
                              kCrlReasonCaCompromise,
                              kCrlReasonAffiliationChanged,
                              kCrlReasonSuperseded,
                              kCrlReasonCessationOfOperation,
                              kCrlReasonCertificateHold,
                              kCrlReasonPrivilegeWithdrawn,
                              kCrlReasonAaCompromise};
  CrlTemplate t = BaseTemplate();
  t.entries.clear();
  std::vector<RevokedEntry> want;
  for (int i = 0; i < 20000; ++i) {
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string serial, RandomSerial(random));
    const int reason = kReasons[i % 10];
    const Time at = Start() - std::chrono::seconds(i * 37);
    t.entries.push_back({serial, at, reason});
    want.push_back({serial, at, reason == kCrlReasonUnspecified ? kCrlReasonNone : reason});
  }
  CAIRN_ASSERT_OK_AND_ASSIGN(const std::string crl, SignCrl(t, inter.cert, *inter.signer));
  CAIRN_ASSERT_OK_AND_ASSIGN(const ParsedCrl parsed, ParseCrl(crl));
  EXPECT_EQ(parsed.entries, want);
  CAIRN_EXPECT_OK(VerifyCrlSignature(crl, inter.cert));

  TempDir dir;
  dir.Write("chain.pem", root.cert.pem() + inter.cert.pem());
  dir.Write("crl.der", crl);
  auto r = RunCommand("openssl crl -inform DER -in " + dir.File("crl.der") + " -CAfile " +
                      dir.File("chain.pem") + " -noout");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("verify OK"));
}

}  // namespace
}  // namespace cairn::pki

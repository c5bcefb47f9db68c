#include "templates/x509_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "base/duration.h"
#include "base/encoding.h"
#include "crypto/der.h"
#include "crypto/openssl_cli_for_test.h"
#include "pki/test_pki_for_test.h"
#include "templates/funcs.h"
#include "templates/template.h"
#include "templates/x509_data.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;
using crypto::KeyType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Issuer is a test intermediate CA (EC P-256) under a root.
struct Issuer {
  pki::testing::Ca root = pki::testing::MakeRoot(KeyType::kEcP256);
  pki::testing::Ca inter = pki::testing::MakeIntermediate(root, KeyType::kEcP256);
};

const Issuer& TestIssuer() {
  static const Issuer* issuer = new Issuer();
  return *issuer;
}

// Sign completes a parsed template as the authority would (serial and validity when the
// template left them out) and signs it with the test intermediate, or self-signed.
Result<pki::Certificate> Sign(ParsedX509 p, bool self_signed = false,
                              KeyType subject_key = KeyType::kEcP256) {
  if (!p.has_serial) p.tmpl.serial_decimal = "777";
  if (!p.has_not_before) p.tmpl.not_before = pki::testing::Start();
  if (!p.has_not_after) p.tmpl.not_after = pki::testing::Hours(24);
  const auto& key = pki::testing::SharedKey(subject_key, 5);
  if (self_signed) {
    return pki::SignCertificate(p.tmpl, key.public_key(), nullptr, crypto::KeySigner(key));
  }
  const Issuer& is = TestIssuer();
  return pki::SignCertificate(p.tmpl, key.public_key(), &is.inter.cert, *is.inter.signer);
}

std::string OpensslText(const pki::Certificate& c) {
  TempDir dir;
  dir.Write("c.pem", c.pem());
  auto r = RunCommand("openssl x509 -in " + dir.File("c.pem") + " -noout -text");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

std::string SanDer(const pki::Certificate& c) {
  auto e = c.FindExtension(pki::kOidSubjectAltName);
  return e ? e->value : "";
}

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s += static_cast<char>(v);
  return s;
}

// --- Every schema field, into a signed certificate ------------------------------------------

struct SchemaCase {
  std::string name;
  std::string json;
  std::function<void(const ParsedX509&, const pki::Certificate&)> check;
};

TEST(ParseCertificateJsonTest, EveryFieldReachesTheCertificate) {
  const std::vector<SchemaCase> cases = {
      {"subject with every attribute",
       R"({"subject": {"country": "US", "organization": ["Acme", "Acme Labs"],
           "organizationalUnit": "Eng", "locality": ["SF"], "province": "CA",
           "streetAddress": "1 Main St", "postalCode": "94105", "serialNumber": "42",
           "commonName": "Jane", "extraNames": [{"type": "0.9.2342.19200300.100.1.25",
           "value": "example"}]}})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_subject);
         EXPECT_EQ(c.subject_string(),
                   "0.9.2342.19200300.100.1.25=#13076578616d706c65,SERIALNUMBER=42,CN=Jane,"
                   "OU=Eng,O=Acme+O=Acme Labs,POSTALCODE=94105,STREET=1 Main St,L=SF,ST=CA,C=US");
       }},
      {"subject as a string is the common name", R"({"subject": "just-cn"})",
       [](const ParsedX509&, const pki::Certificate& c) {
         EXPECT_EQ(c.subject_string(), "CN=just-cn");
       }},
      {"extraNames emailAddress and shadowing",
       R"({"subject": {"commonName": "lost", "extraNames": [
           {"type": "2.5.4.3", "value": "kept"},
           {"type": "1.2.840.113549.1.9.1", "value": "jane@example.com"}]}})",
       [](const ParsedX509&, const pki::Certificate& c) {
         EXPECT_EQ(c.subject_cn(), "kept");
         EXPECT_NE(c.raw_subject().find(std::string("\x16\x10") + "jane@example.com"),
                   std::string::npos);
       }},
      {"rawSubject", R"({"subject": "ignored", "rawSubject": "MBExDzANBgNVBAMMBnJhdy1jbg=="})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_raw_subject);
         EXPECT_EQ(Base64Encode(c.raw_subject()), "MBExDzANBgNVBAMMBnJhdy1jbg==");
         EXPECT_EQ(c.subject_cn(), "raw-cn");
       }},
      {"issuer is accepted and ignored",
       R"({"subject": "s", "issuer": {"commonName": "Someone Else"}})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         ASSERT_TRUE(p.issuer.has_value());
         EXPECT_EQ(p.issuer->common_name, "Someone Else");
         EXPECT_EQ(c.issuer_string(), TestIssuer().inter.cert.subject_string());
       }},
      {"serial as a number", R"({"serialNumber": 12345})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_serial);
         EXPECT_EQ(c.serial_decimal(), "12345");
       }},
      {"serial in hex", R"({"serialNumber": "0xDEAD_beef"})",
       [](const ParsedX509&, const pki::Certificate& c) { EXPECT_EQ(c.serial_hex(), "deadbeef"); }},
      {"serial in octal, binary, legacy octal, decimal",
       R"({"serialNumber": "0o17", "SerialNumber": "0b101", "serialnumber": "017"})",
       [](const ParsedX509&, const pki::Certificate& c) {
         // Keys match case-insensitively; the last one wins, as in Go.
         EXPECT_EQ(c.serial_decimal(), "15");
       }},
      {"serial of 128 bits", R"({"serialNumber": "0xffffffffffffffffffffffffffffffff"})",
       [](const ParsedX509&, const pki::Certificate& c) {
         EXPECT_EQ(c.serial_decimal(), "340282366920938463463374607431768211455");
       }},
      {"validity",
       R"({"notBefore": "2026-03-01T10:00:00Z", "notAfter": "2026-03-02T12:30:00+02:00"})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_not_before && p.has_not_after);
         EXPECT_EQ(FormatRfc3339(c.not_before()), "2026-03-01T10:00:00Z");
         EXPECT_EQ(FormatRfc3339(c.not_after()), "2026-03-02T10:30:00Z");
       }},
      {"Go's zero times mean unset",
       R"({"notBefore": "0001-01-01T00:00:00Z", "notAfter": "0001-01-01T00:00:00Z"})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_FALSE(p.has_not_before || p.has_not_after);
         EXPECT_EQ(c.not_before(), pki::testing::Start());
       }},
      {"name lists as strings or arrays",
       R"({"subject": "n", "dnsNames": "a.example", "emailAddresses": ["x@a.example"],
           "ipAddresses": ["10.0.0.1", "2001:DB8::1", "::ffff:192.0.2.1"],
           "uris": "spiffe://a/b"})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_sans);
         EXPECT_THAT(c.dns_names(), ElementsAre("a.example"));
         EXPECT_THAT(c.email_addresses(), ElementsAre("x@a.example"));
         EXPECT_THAT(c.ip_addresses(), ElementsAre("10.0.0.1", "2001:db8::1", "192.0.2.1"));
         EXPECT_THAT(c.uris(), ElementsAre("spiffe://a/b"));
         EXPECT_FALSE(c.FindExtension(pki::kOidSubjectAltName)->critical);
       }},
      {"typed SANs of the four basic kinds and auto",
       R"({"sans": [{"type": "dns", "value": "d.example"}, {"type": "email", "value": "e@x"},
           {"type": "ip", "value": "10.0.0.2"}, {"type": "uri", "value": "urn:x:y"},
           {"type": "auto", "value": "auto.example"}, {"value": "10.9.9.9"},
           {"type": "auto", "value": "a@b"}, {"type": "", "value": "https://u"},
           {"type": "dns", "value": ""}]})",
       [](const ParsedX509&, const pki::Certificate& c) {
         EXPECT_THAT(c.dns_names(), ElementsAre("d.example", "auto.example"));
         EXPECT_THAT(c.email_addresses(), ElementsAre("e@x", "a@b"));
         EXPECT_THAT(c.ip_addresses(), ElementsAre("10.0.0.2", "10.9.9.9"));
         EXPECT_THAT(c.uris(), ElementsAre("urn:x:y", "https://u"));
         // Empty subject: the SAN extension is critical.
         EXPECT_TRUE(c.FindExtension(pki::kOidSubjectAltName)->critical);
       }},
      {"registeredID, UPN and permanentIdentifier SANs",
       R"({"subject": "s", "sans": [{"type": "registeredID", "value": "1.2.3.4"},
           {"type": "userPrincipalName", "value": "foo@bar.com"},
           {"type": "permanentIdentifier", "value": "0123456789"},
           {"type": "permanentIdentifier", "asn1Value": {"identifier": "0123456789",
            "assigner": "1.2.3.4"}}]})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         ASSERT_EQ(p.tmpl.other_sans.size(), 4u);
         EXPECT_EQ(p.tmpl.other_sans[0].type, "registeredID");
         // The encodings x509util's tests expect.
         const std::string want =
             Bytes({0x88, 3, 0x2a, 3, 4}) +
             Bytes({160, 27, 6, 10, 43, 6, 1, 4, 1, 130, 55, 20, 2, 3, 160, 13, 12, 11}) +
             "foo@bar.com" +
             Bytes({160, 26, 6, 8, 43, 6, 1, 5, 5, 7, 8, 3, 160, 14, 0x30, 12, 12, 10}) +
             "0123456789" +
             Bytes({160, 31, 6, 8, 43, 6, 1, 5, 5, 7, 8, 3, 160, 19, 0x30, 17, 12, 10}) +
             "0123456789" + Bytes({6, 3, 0x2a, 3, 4});
         EXPECT_EQ(SanDer(c), crypto::der::Tlv(crypto::der::kSequence, want));
         const std::string text = OpensslText(c);
         EXPECT_THAT(text, HasSubstr("Registered ID:1.2.3.4"));
         EXPECT_THAT(text, HasSubstr("UPN::foo@bar.com"));
       }},
      {"hardwareModuleName and directoryName SANs",
       R"({"subject": "s", "sans": [{"type": "hardwareModuleName",
           "value": "{\"type\":\"1.2.3.4\",\"serialNumber\":\"MDEyMzQ1Njc4OQ==\"}"},
           {"type": "dn", "asn1Value": {"country": "US", "organization": "ACME",
            "commonName": "rocket"}}]})",
       [](const ParsedX509&, const pki::Certificate& c) {
         const std::string hw = Bytes({160, 31, 6,    8,  43, 6, 1,    5, 5, 7,    8, 4,
                                       160, 19, 0x30, 17, 6,  3, 0x2a, 3, 4, 0x84, 10}) +
                                "0123456789";
         const std::string dn =
             Bytes({0xa4, 47, 0x30, 45, 49, 11, 48, 9, 6, 3, 85, 4, 6, 0x13, 2}) + "US" +
             Bytes({49, 13, 48, 11, 6, 3, 85, 4, 10, 0x13, 4}) + "ACME" +
             Bytes({49, 15, 48, 13, 6, 3, 85, 4, 3, 0x13, 6}) + "rocket";
         EXPECT_EQ(SanDer(c), crypto::der::Tlv(crypto::der::kSequence, hw + dn));
         EXPECT_THAT(OpensslText(c), HasSubstr("DirName:/C=US/O=ACME/CN=rocket"));
       }},
      {"otherName SANs by OID with step's ASN.1 types",
       R"({"subject": "s", "sans": [{"type": "1.2.3.4", "value": "int:1024"},
           {"type": "1.2.3.4", "value": "oid:1.2.3.4"},
           {"type": "1.2.3.4", "value": "utf8:\u00e1\u222b\u00e71234"},
           {"type": "1.2.3.4", "value": "ia5:abc1234"},
           {"type": "1.2.3.4", "value": "numeric:1024"},
           {"type": "1.2.3.4", "value": "printable:abc1234"},
           {"type": "1.2.3.4", "value": "utc:2023-03-29T02:03:57Z"},
           {"type": "1.2.3.4", "value": "generalized:2023-03-29T02:03:57Z"},
           {"type": "1.2.3.4", "value": "foo:abc1234"},
           {"type": "1.2.3.4", "value": "abc1234"},
           {"type": "1.2.3.4", "value": ",,printable:abc1234"},
           {"type": "1.2.3.4", "value": "bool:true"},
           {"type": "1.2.3.4", "value": "raw:oAMCAQU="}]})",
       [](const ParsedX509& p, const pki::Certificate&) {
         const std::vector<std::string> want = {
             Bytes({160, 11, 6, 3, 42, 3, 4, 160, 4, 2, 2, 4, 0}),
             Bytes({160, 12, 6, 3, 42, 3, 4, 160, 5, 6, 3, 42, 3, 4}),
             Bytes({160, 20, 6, 3, 42, 3, 4, 160, 13, 12, 11}) + "\u00e1\u222b\u00e71234",
             Bytes({160, 16, 6, 3, 42, 3, 4, 160, 9, 22, 7}) + "abc1234",
             Bytes({160, 13, 6, 3, 42, 3, 4, 160, 6, 18, 4}) + "1024",
             Bytes({160, 16, 6, 3, 42, 3, 4, 160, 9, 19, 7}) + "abc1234",
             Bytes({160, 22, 6, 3, 42, 3, 4, 160, 15, 23, 13}) + "230329020357Z",
             Bytes({160, 24, 6, 3, 42, 3, 4, 160, 17, 24, 15}) + "20230329020357Z",
             Bytes({160, 16, 6, 3, 42, 3, 4, 160, 9, 19, 7}) + "abc1234",
             Bytes({160, 16, 6, 3, 42, 3, 4, 160, 9, 19, 7}) + "abc1234",
             Bytes({160, 16, 6, 3, 42, 3, 4, 160, 9, 19, 7}) + "abc1234",
             Bytes({160, 10, 6, 3, 42, 3, 4, 160, 3, 1, 1, 255}),
             Bytes({160, 10, 6, 3, 42, 3, 4, 160, 3, 2, 1, 5}),
         };
         ASSERT_EQ(p.tmpl.other_sans.size(), want.size());
         for (size_t i = 0; i < want.size(); ++i) {
           EXPECT_EQ(HexEncode(p.tmpl.other_sans[i].der), HexEncode(want[i])) << i;
         }
       }},
      {"explicit SAN extension replaces every SAN field",
       R"({"subject": "s", "dnsNames": ["ignored.example"], "sans": [{"type": "dn",
           "value": "not even json"}], "extensions": [{"id": "2.5.29.17",
           "value": "MAuCCWIuZXhhbXBsZQ=="}]})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.san_extension_given);
         EXPECT_FALSE(p.has_sans);
         EXPECT_THAT(c.dns_names(), ElementsAre("b.example"));
       }},
      {"custom extension by OID with DER value",
       R"({"subject": "s", "extensions": [{"id": "1.3.6.1.4.1.99999.1", "critical": true,
           "value": "DAVoZWxsbw=="}, {"id": "", "value": "AAAA"}]})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         ASSERT_EQ(p.tmpl.extra_extensions.size(), 1u);  // the id-less one is skipped
         auto e = c.FindExtension("1.3.6.1.4.1.99999.1");
         ASSERT_TRUE(e.has_value());
         EXPECT_TRUE(e->critical);
         EXPECT_EQ(e->value, std::string("\x0c\x05hello"));
         const std::string text = OpensslText(c);
         EXPECT_THAT(text, HasSubstr("1.3.6.1.4.1.99999.1: critical"));
         EXPECT_THAT(text, HasSubstr("..hello"));
       }},
      {"key usages by name, case and underscores ignored",
       R"({"subject": "s", "keyUsage": ["Digital_Signature", "keyencipherment",
           "nonRepudiation", "DATAENCIPHERMENT", "keyAgreement", "certSign", "crlSign",
           "encipherOnly", "decipherOnly"]})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_key_usage);
         EXPECT_EQ(c.key_usage(), 0x1ffu);
         EXPECT_TRUE(c.FindExtension(pki::kOidKeyUsage)->critical);
       }},
      {"extended key usages, known and unknown",
       R"({"subject": "s", "extKeyUsage": ["serverAuth", "client_auth", "any", "codeSigning",
           "emailProtection", "ipsecEndSystem", "ipsecTunnel", "ipsecUser", "timeStamping",
           "ocspSigning", "microsoftServerGatedCrypto", "netscapeServerGatedCrypto",
           "microsoftCommercialCodeSigning", "microsoftKernelCodeSigning"],
           "unknownExtKeyUsage": ["1.2.3.4", "1.3.6.1.4.1.99999.2"]})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_ext_key_usage);
         EXPECT_THAT(c.ext_key_usage(),
                     ElementsAre("serverAuth", "clientAuth", "any", "codeSigning",
                                 "emailProtection", "ipsecEndSystem", "ipsecTunnel", "ipsecUser",
                                 "timeStamping", "ocspSigning", "microsoftServerGatedCrypto",
                                 "netscapeServerGatedCrypto", "microsoftCommercialCodeSigning",
                                 "microsoftKernelCodeSigning", "1.2.3.4", "1.3.6.1.4.1.99999.2"));
       }},
      {"key identifiers", R"({"subject": "s", "subjectKeyId": "c2tp", "authorityKeyId": "YWtp"})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_subject_key_id && p.has_authority_key_id);
         EXPECT_EQ(c.subject_key_id(), "ski");
         // The issuer has an SKI, which Go prefers over the template's AKI.
         EXPECT_EQ(c.authority_key_id(), TestIssuer().inter.cert.subject_key_id());
       }},
      {"AIA, CRL distribution points and policies",
       R"({"subject": "s", "ocspServer": "http://ocsp.example", "issuingCertificateURL":
           ["http://ca.example/ca.crt"], "crlDistributionPoints": ["http://ca.example/a.crl",
           "http://ca.example/b.crl"], "policyIdentifiers": ["2.23.140.1.2.1", "1.2.3.4"]})",
       [](const ParsedX509&, const pki::Certificate& c) {
         const std::string text = OpensslText(c);
         EXPECT_THAT(text, HasSubstr("OCSP - URI:http://ocsp.example"));
         EXPECT_THAT(text, HasSubstr("CA Issuers - URI:http://ca.example/ca.crt"));
         EXPECT_THAT(text, HasSubstr("URI:http://ca.example/a.crl"));
         EXPECT_THAT(text, HasSubstr("URI:http://ca.example/b.crl"));
         EXPECT_THAT(text, HasSubstr("Policy: 2.23.140.1.2.1"));
         EXPECT_THAT(text, HasSubstr("Policy: 1.2.3.4"));
       }},
      {"basicConstraints CA without maxPathLen is pathlen 0",
       R"({"subject": "s", "basicConstraints": {"isCA": true}})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_basic_constraints);
         EXPECT_TRUE(c.is_ca());
         EXPECT_EQ(c.max_path_len(), 0);
       }},
      {"basicConstraints with a negative maxPathLen has no limit",
       R"({"subject": "s", "basicConstraints": {"isCA": true, "maxPathLen": -1}})",
       [](const ParsedX509&, const pki::Certificate& c) {
         EXPECT_TRUE(c.is_ca());
         EXPECT_EQ(c.max_path_len(), -1);
       }},
      {"basicConstraints of a leaf",
       R"({"subject": "s", "basicConstraints": {"isCA": false, "maxPathLen": 3}})",
       [](const ParsedX509&, const pki::Certificate& c) {
         EXPECT_FALSE(c.is_ca());
         EXPECT_EQ(c.max_path_len(), -1);
         EXPECT_TRUE(c.FindExtension(pki::kOidBasicConstraints)->critical);
       }},
      {"nameConstraints",
       R"({"subject": "s", "basicConstraints": {"isCA": true, "maxPathLen": 0},
           "nameConstraints": {"critical": true, "permittedDNSDomains": "example.com",
           "excludedDNSDomains": ["bad.example.com"], "permittedIPRanges": ["10.0.0.0/8"],
           "excludedIPRanges": "10.9.0.0/16", "permittedEmailAddresses": ["example.com"],
           "excludedEmailAddresses": "bad@example.com", "permittedURIDomains": ".example.com",
           "excludedURIDomains": ["bad.example.com"]}})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_TRUE(p.has_name_constraints);
         EXPECT_TRUE(c.FindExtension(pki::kOidNameConstraints)->critical);
         const std::string text = OpensslText(c);
         EXPECT_THAT(text, HasSubstr("X509v3 Name Constraints: critical"));
         EXPECT_THAT(text, HasSubstr("DNS:example.com"));
         EXPECT_THAT(text, HasSubstr("DNS:bad.example.com"));
         EXPECT_THAT(text, HasSubstr("IP:10.0.0.0/255.0.0.0"));
         EXPECT_THAT(text, HasSubstr("IP:10.9.0.0/255.255.0.0"));
         EXPECT_THAT(text, HasSubstr("email:example.com"));
         EXPECT_THAT(text, HasSubstr("email:bad@example.com"));
         EXPECT_THAT(text, HasSubstr("URI:.example.com"));
       }},
      {"signatureAlgorithm", R"({"subject": "s", "signatureAlgorithm": "ecdsa-sha512"})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_EQ(p.tmpl.signature_algorithm, "ECDSA-SHA512");
         EXPECT_EQ(c.signature_algorithm(), "ECDSA-SHA512");
       }},
      {"keys match case-insensitively; unknown keys and trailing text are ignored",
       R"({"SUBJECT": {"CommonName": "ci"}, "DNSNAMES": ["ci.example"], "unknownField": 1,
           "version": 3} trailing junk })",
       [](const ParsedX509&, const pki::Certificate& c) {
         EXPECT_EQ(c.subject_cn(), "ci");
         EXPECT_THAT(c.dns_names(), ElementsAre("ci.example"));
       }},
      {"nulls are unset", R"({"subject": null, "sans": null, "keyUsage": null,
           "basicConstraints": null, "nameConstraints": null, "serialNumber": null,
           "extensions": null, "dnsNames": "n.example"})",
       [](const ParsedX509& p, const pki::Certificate& c) {
         EXPECT_FALSE(p.has_serial || p.has_key_usage || p.has_basic_constraints);
         EXPECT_EQ(c.key_usage(), 0u);
         EXPECT_FALSE(c.FindExtension(pki::kOidBasicConstraints).has_value());
       }},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    auto parsed = ParseCertificateJson(tc.json);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    auto cert = Sign(*parsed);
    ASSERT_TRUE(cert.ok()) << cert.status();
    tc.check(*parsed, *cert);
  }
}

// --- Errors name the field ------------------------------------------------------------------

TEST(ParseCertificateJsonTest, ErrorsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "error unmarshaling certificate"},
      {"", "error unmarshaling certificate"},
      {"[1, 2]", "JSON object"},
      {R"({"subject": 5})", "subject: must be an object or a string"},
      {R"({"subject": {"country": [1]}})", "subject.country[0]: must be a string"},
      {R"({"subject": {"commonName": ["a"]}})", "subject.commonName: must be a string"},
      {R"({"subject": {"extraNames": [{"type": "x.y", "value": "v"}]}})",
       "subject.extraNames[0].type"},
      {R"({"subject": {"extraNames": [{"type": "1.2.3", "value": 5}]}})",
       "subject.extraNames[0].value: must be a string"},
      {R"({"issuer": [1]})", "issuer: must be an object"},
      {R"({"rawSubject": "***"})", "rawSubject: invalid base64"},
      {R"({"serialNumber": "abc"})", "serialNumber"},
      {R"({"serialNumber": "0x"})", "serialNumber"},
      {R"({"serialNumber": "1__0"})", "serialNumber"},
      {R"({"serialNumber": "08"})", "serialNumber"},
      {R"({"serialNumber": -5})", "serialNumber: must be positive"},
      {R"({"serialNumber": "-0x5"})", "serialNumber: must be positive"},
      {R"({"serialNumber": 0})", "serialNumber: must be positive"},
      {R"({"serialNumber": 1.5})", "serialNumber: must be an integer"},
      {R"({"serialNumber": true})", "serialNumber"},
      {R"({"notBefore": "yesterday"})", "notBefore"},
      {R"({"notAfter": 12})", "notAfter: must be an RFC 3339 time string"},
      {R"({"notAfter": "3000-01-01T00:00:00Z"})", "notAfter"},
      {R"({"dnsNames": {"a": 1}})", "dnsNames: must be a string or an array of strings"},
      {R"({"ipAddresses": ["1.2.3.4.5"]})", "ipAddresses: ip 1.2.3.4.5 is not valid"},
      {R"({"uris": ["a\u0001b"]})", "uris"},
      {R"({"sans": {"type": "dns"}})", "sans: must be an array"},
      {R"({"sans": [{"type": "ip", "value": "not-an-ip"}]})", "sans[0]: ip not-an-ip"},
      {R"({"sans": [{"type": "dns", "value": "a"}, {"type": "DNS", "value": "x"}]})",
       "sans[1]: unsupported SAN type DNS"},
      {R"({"sans": [{"type": "x400Address", "value": "x"}]})",
       "sans[0]: unimplemented SAN type x400Address"},
      {R"({"sans": [{"type": "ediPartyName", "value": "x"}]})",
       "sans[0]: unimplemented SAN type ediPartyName"},
      {R"({"sans": [{"type": "registeredID", "value": "4.3.2.1"}]})", "sans[0]"},
      {R"({"sans": [{"type": "registeredID", "value": "a.b"}]})", "sans[0]"},
      {R"({"sans": [{"type": "userPrincipalName", "asn1Value": {}}]})", "sans[0]"},
      {R"({"sans": [{"type": "dn", "value": "1234"}]})", "sans[0]"},
      {R"({"sans": [{"type": "dn", "value": "{}"}]})", "sans[0]: empty or malformed"},
      {R"({"sans": [{"type": "dn", "value": "{\"bad-json\"}"}]})", "sans[0]"},
      {R"({"sans": [{"type": "permanentIdentifier", "asn1Value": {"identifier": 1234}}]})",
       "sans[0]"},
      {R"({"sans": [{"type": "permanentIdentifier", "asn1Value": {"assigner": "3.2.3.4"}}]})",
       "sans[0]"},
      {R"({"sans": [{"type": "hardwareModuleName", "asn1Value": {"type": 1234}}]})", "sans[0]"},
      {R"({"sans": [{"type": "hardwareModuleName", "asn1Value": {"type": "3.2.3.4",
           "serialNumber": "MDEy"}}]})",
       "sans[0]"},
      {R"({"sans": [{"type": "1", "value": "foo"}]})", "sans[0]: unsupported SAN type 1"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "int:abc"}]})", "sans[0]"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "oid:4.3.2.1"}]})", "sans[0]"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "raw:abc"}]})", "sans[0]"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "ia5:n\u00f6t"}]})", "sans[0]"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "numeric:abc"}]})", "sans[0]"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "printable:n\u00f6t"}]})", "sans[0]"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "utc:2023"}]})", "sans[0]"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "utc:2051-01-01T00:00:00Z"}]})", "sans[0]"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "n\u00f6tprintable"}]})", "sans[0]"},
      {R"({"sans": [{"type": "1.2.3.4", "value": "application,utf8:x"}]})",
       "sans[0]: error marshaling ASN.1 value"},
      {R"({"keyUsage": ["sign"]})", "keyUsage: unsupported keyUsage sign"},
      {R"({"keyUsage": 5})", "keyUsage"},
      {R"({"extKeyUsage": ["1.3.6.1.5.5.7.3.1"]})", "extKeyUsage: unsupported extKeyUsage"},
      {R"({"extKeyUsage": "tlsServer"})", "extKeyUsage: unsupported extKeyUsage tlsServer"},
      {R"({"unknownExtKeyUsage": ["serverAuth"]})", "unknownExtKeyUsage"},
      {R"({"extensions": {"id": "1.2"}})", "extensions: must be an array"},
      {R"({"extensions": [{"id": "1.2.3", "value": "!!"}]})", "extensions[0].value"},
      {R"({"extensions": [{"id": "abc", "value": "AA=="}]})", "extensions[0].id"},
      {R"({"extensions": [{"id": "1.2.3", "critical": "yes"}]})", "extensions[0].critical"},
      {R"({"extensions": [{"id": "1.2.3"}, {"id": "1.2.3"}]})",
       "extensions[1]: duplicate extension 1.2.3"},
      {R"({"subjectKeyId": "%%%"})", "subjectKeyId"},
      {R"({"authorityKeyId": 5})", "authorityKeyId"},
      {R"({"ocspServer": [5]})", "ocspServer[0]"},
      {R"({"crlDistributionPoints": true})", "crlDistributionPoints"},
      {R"({"policyIdentifiers": ["1"]})", "policyIdentifiers"},
      {R"({"basicConstraints": true})", "basicConstraints: must be an object"},
      {R"({"basicConstraints": {"isCA": "yes"}})", "basicConstraints.isCA"},
      {R"({"basicConstraints": {"isCA": true, "maxPathLen": 1.5}})", "basicConstraints.maxPathLen"},
      {R"({"nameConstraints": {"permittedIPRanges": ["10.0.0.0"]}})",
       "nameConstraints.permittedIPRanges: invalid CIDR address: 10.0.0.0"},
      {R"({"nameConstraints": {"excludedIPRanges": "10.0.0.0/33"}})",
       "nameConstraints.excludedIPRanges"},
      {R"({"nameConstraints": {"critical": 1}})", "nameConstraints.critical"},
      {R"({"nameConstraints": {"permittedDNSDomains": [1]}})",
       "nameConstraints.permittedDNSDomains[0]"},
      {R"({"signatureAlgorithm": "SHA3-RSA"})",
       "signatureAlgorithm: unsupported signatureAlgorithm SHA3-RSA"},
      {R"({"version": "3"})", "version: must be an integer"},
  };
  for (const auto& [json, want] : cases) {
    SCOPED_TRACE(json);
    auto parsed = ParseCertificateJson(json);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(want));
  }
}

TEST(ParseCertificateJsonTest, BoundsInput) {
  // Output larger than 1 MiB.
  std::string big = R"({"subject": ")" + std::string(kMaxRenderedTemplate, 'a') + R"("})";
  auto r = ParseCertificateJson(big);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("larger than"));
  // Deep nesting.
  std::string deep = R"({"subject": )" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_THAT(ParseCertificateJson(deep).status().message(), HasSubstr("deeper"));
  // Too many SANs, across fields.
  std::string many = R"({"dnsNames": [)";
  for (size_t i = 0; i < 600; ++i) many += (i ? ",\"d" : "\"d") + std::to_string(i) + "\"";
  many += R"(], "sans": [)";
  for (size_t i = 0; i < 600; ++i) {
    many +=
        std::string(i ? "," : "") + R"({"type": "dns", "value": "s)" + std::to_string(i) + "\"}";
  }
  many += "]}";
  EXPECT_THAT(ParseCertificateJson(many).status().message(),
              HasSubstr("more than 1000 subject alternative names"));
  // 1000 is fine.
  std::string ok = R"({"dnsNames": [)";
  for (size_t i = 0; i < 1000; ++i) ok += (i ? ",\"d" : "\"d") + std::to_string(i) + "\"";
  ok += "]}";
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 p, ParseCertificateJson(ok));
  EXPECT_EQ(p.tmpl.sans.dns.size(), 1000u);
}

TEST(ParseNameJsonTest, ObjectOrString) {
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Name n, ParseNameJson(R"({"commonName": "a", "country": "US"})"));
  EXPECT_EQ(n.common_name, "a");
  EXPECT_THAT(n.country, ElementsAre("US"));
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Name s, ParseNameJson(R"("cn-only")"));
  EXPECT_EQ(s.common_name, "cn-only");
  EXPECT_FALSE(ParseNameJson("[]").ok());
}

// --- The built-in templates, rendered by the template engine --------------------------------

Result<ParsedX509> Render(std::string_view text, const Value& data) {
  CAIRN_ASSIGN_OR_RETURN(Template t, Template::Parse("template", text, X509FuncMap({})));
  CAIRN_ASSIGN_OR_RETURN(std::string out, t.Execute(data));
  return ParseCertificateJson(out);
}

pki::CertificateRequest MakeCsr(KeyType type, const std::string& cn,
                                const pki::SubjectAltNames& sans) {
  pki::Name subject;
  subject.common_name = cn;
  auto csr = pki::CreateCsr(subject, sans, pki::testing::SharedKey(type, 5));
  CAIRN_CHECK(csr.ok());
  return std::move(csr).value();
}

TEST(DefaultTemplatesTest, LeafTemplateEndToEnd) {
  for (KeyType type : {KeyType::kEcP256, KeyType::kRsa, KeyType::kEd25519}) {
    SCOPED_TRACE(std::string(crypto::KeyTypeName(type)));
    X509TemplateData d;
    pki::Name subject;
    subject.common_name = "token-subject";
    d.subject = subject;
    d.sans = CreateSans({"leaf.example", "10.1.2.3", "ops@example.com", "spiffe://x/y"});
    d.csr = MakeCsr(type, "csr-cn", {.dns = {"csr.example"}});
    CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 p, Render(kDefaultLeafTemplate, X509DataValue(d)));
    EXPECT_FALSE(p.has_serial || p.has_not_before || p.has_not_after);
    CAIRN_ASSERT_OK_AND_ASSIGN(pki::Certificate c, Sign(p, false, type));
    EXPECT_EQ(c.subject_string(), "CN=token-subject");
    EXPECT_THAT(c.dns_names(), ElementsAre("leaf.example"));
    EXPECT_THAT(c.ip_addresses(), ElementsAre("10.1.2.3"));
    EXPECT_THAT(c.email_addresses(), ElementsAre("ops@example.com"));
    EXPECT_THAT(c.uris(), ElementsAre("spiffe://x/y"));
    const uint32_t want_ku = type == KeyType::kRsa ? pki::kDigitalSignature | pki::kKeyEncipherment
                                                   : uint32_t{pki::kDigitalSignature};
    EXPECT_EQ(c.key_usage(), want_ku);
    EXPECT_THAT(c.ext_key_usage(), ElementsAre("serverAuth", "clientAuth"));
    EXPECT_FALSE(c.FindExtension(pki::kOidBasicConstraints).has_value());
  }
}

TEST(DefaultTemplatesTest, AttestedLeafIsClientAuthOnly) {
  X509TemplateData d;
  d.subject = pki::Name{};
  d.sans = std::vector<SanEntry>{{"permanentIdentifier", "SERIAL-123"}};
  d.csr = MakeCsr(KeyType::kEcP256, "", {});
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 p, Render(kDefaultAttestedLeafTemplate, X509DataValue(d)));
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Certificate c, Sign(p));
  EXPECT_THAT(c.ext_key_usage(), ElementsAre("clientAuth"));
  EXPECT_THAT(OpensslText(c), HasSubstr("Subject Alternative Name: critical"));
  ASSERT_EQ(p.tmpl.other_sans.size(), 1u);
  EXPECT_EQ(p.tmpl.other_sans[0].value, "SERIAL-123");
}

TEST(DefaultTemplatesTest, IidLeafTakesCsrNamesUnlessSansAreSet) {
  X509TemplateData d;
  d.csr =
      MakeCsr(KeyType::kEcP256, "i-0123", {.dns = {"ip-10-0-0-1.internal"}, .ips = {"10.0.0.1"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 p, Render(kDefaultIidLeafTemplate, X509DataValue(d)));
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Certificate c, Sign(p));
  EXPECT_EQ(c.subject_cn(), "i-0123");
  EXPECT_THAT(c.dns_names(), ElementsAre("ip-10-0-0-1.internal"));
  EXPECT_THAT(c.ip_addresses(), ElementsAre("10.0.0.1"));

  d.sans = CreateSans({"verified.internal"});
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 p2, Render(kDefaultIidLeafTemplate, X509DataValue(d)));
  EXPECT_THAT(p2.tmpl.sans.dns, ElementsAre("verified.internal"));
  EXPECT_THAT(p2.tmpl.sans.ips, IsEmpty());
}

TEST(DefaultTemplatesTest, AdminLeafCopiesTheCsr) {
  X509TemplateData d;
  d.csr = MakeCsr(KeyType::kRsa, "admin@example.com",
                  {.dns = {"a.example"}, .emails = {"admin@example.com"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 p, Render(kDefaultAdminLeafTemplate, X509DataValue(d)));
  EXPECT_EQ(p.tmpl.subject.common_name, "admin@example.com");
  EXPECT_THAT(p.tmpl.sans.dns, ElementsAre("a.example"));
  EXPECT_THAT(p.tmpl.sans.emails, ElementsAre("admin@example.com"));
  EXPECT_EQ(p.tmpl.key_usage, uint32_t{pki::kDigitalSignature | pki::kKeyEncipherment});
}

TEST(DefaultTemplatesTest, CsrTemplateSignsTheRequestAsIs) {
  X509TemplateData d;
  d.csr = MakeCsr(KeyType::kEcP256, "as-is", {.dns = {"as-is.example"}, .ips = {"::1"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 p, Render(kCertificateRequestTemplate, X509DataValue(d)));
  // The CSR's SAN extension comes through "extensions" and replaces the name fields.
  EXPECT_TRUE(p.san_extension_given);
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Certificate c, Sign(p));
  EXPECT_EQ(c.subject_cn(), "as-is");
  EXPECT_THAT(c.dns_names(), ElementsAre("as-is.example"));
  EXPECT_THAT(c.ip_addresses(), ElementsAre("::1"));
}

TEST(DefaultTemplatesTest, RootAndIntermediate) {
  X509TemplateData d;
  pki::Name subject;
  subject.common_name = "Cairn Root";
  d.subject = subject;
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 root_t, Render(kDefaultRootTemplate, X509DataValue(d)));
  ASSERT_TRUE(root_t.issuer.has_value());
  EXPECT_EQ(root_t.issuer->common_name, "Cairn Root");
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Certificate root, Sign(root_t, /*self_signed=*/true));
  EXPECT_TRUE(root.is_ca());
  EXPECT_EQ(root.max_path_len(), 1);
  EXPECT_EQ(root.key_usage(), uint32_t{pki::kCertSign | pki::kCrlSign});

  subject.common_name = "Cairn Intermediate";
  d.subject = subject;
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 int_t,
                             Render(kDefaultIntermediateTemplate, X509DataValue(d)));
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Certificate inter, Sign(int_t));
  EXPECT_TRUE(inter.is_ca());
  EXPECT_EQ(inter.max_path_len(), 0);
}

TEST(DefaultTemplatesTest, CustomTemplateWithKeySizeCheckAndUserData) {
  // A template as step's docs write them: refuse small RSA keys, take a field from the user.
  const std::string text = R"({
  {{- if and (typeIs "*rsa.PublicKey" .Insecure.CR.PublicKey) (lt .Insecure.CR.PublicKey.Size 384) }}
    {{- fail "RSA keys must be at least 3072 bits" }}
  {{- end }}
  "subject": {"commonName": {{ toJson .Subject.CommonName }},
              "organizationalUnit": {{ toJson .Insecure.User.team }}},
  "sans": {{ toJson .SANs }}
})";
  X509TemplateData d;
  pki::Name subject;
  subject.common_name = "custom";
  d.subject = subject;
  d.sans = CreateSans({"custom.example"});
  d.user = Value::MakeMap({{"team", Value::String("blue")}});
  d.csr = MakeCsr(KeyType::kEcP256, "custom", {});
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedX509 p, Render(text, X509DataValue(d)));
  EXPECT_THAT(p.tmpl.subject.organizational_unit, ElementsAre("blue"));

  d.csr = MakeCsr(KeyType::kRsa, "custom", {});
  auto refused = Render(text, X509DataValue(d));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsFailError(refused.status()));
  EXPECT_EQ(refused.status().public_message(), "RSA keys must be at least 3072 bits");
}

}  // namespace
}  // namespace cairn::templates

#include "templates/x509_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/openssl_cli_for_test.h"
#include "pki/test_pki_for_test.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;
using crypto::KeyType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;

Value FieldOf(const Value& v, std::string_view name) {
  auto f = v.Field(name);
  EXPECT_TRUE(f.ok()) << name << ": " << f.status();
  return f.ok() ? *f : Value();
}

std::vector<std::string> StringsOf(const Value& v) {
  std::vector<std::string> out;
  if (v.kind() != Value::Kind::kList) return out;
  for (const auto& item : v.as_list()) out.push_back(item.as_string());
  return out;
}

pki::CertificateRequest Csr(KeyType type, const pki::Name& subject,
                            const pki::SubjectAltNames& sans) {
  auto csr = pki::CreateCsr(subject, sans, pki::testing::SharedKey(type, 3));
  CAIRN_CHECK(csr.ok());
  return std::move(csr).value();
}

// --- .Subject and .SANs ---------------------------------------------------------------------

TEST(SubjectValueTest, MarshalsAndPrintsAsGo) {
  pki::Name n;
  n.common_name = "x";
  const Value v = SubjectValue(n);
  EXPECT_EQ(v.TypeName(), "x509util.Subject");
  // omitempty everywhere: only the common name.
  EXPECT_EQ(v.ToJson().dump(), R"({"commonName":"x"})");
  // fmt's %v of x509util.Subject{CommonName: "x"}.
  EXPECT_EQ(v.Print(), "{[] [] [] [] [] [] []  x []}");
  EXPECT_EQ(FieldOf(v, "CommonName").as_string(), "x");
  EXPECT_EQ(SubjectValue(pki::Name{}).ToJson().dump(), "{}");
}

TEST(SubjectValueTest, AllFieldsInGoOrder) {
  pki::Name n;
  n.common_name = "Jane";
  n.country = {"US"};
  n.organization = {"Acme", "Acme Labs"};
  n.organizational_unit = {"Eng"};
  n.locality = {"SF"};
  n.province = {"CA"};
  n.street_address = {"1 Main"};
  n.postal_code = {"94105"};
  n.serial_number = "42";
  n.extra_names = {{"1.2.840.113549.1.9.1", "jane@example.com"}};
  const std::string want =
      R"({"country":["US"],"organization":["Acme","Acme Labs"],"organizationalUnit":["Eng"],)"
      R"("locality":["SF"],"province":["CA"],"streetAddress":["1 Main"],"postalCode":["94105"],)"
      R"("serialNumber":"42","commonName":"Jane",)"
      R"("extraNames":[{"type":"1.2.840.113549.1.9.1","value":"jane@example.com"}]})";
  EXPECT_EQ(SubjectValue(n).ToJson().dump(), want);
  EXPECT_EQ(SubjectJson(n).dump(), want);
  EXPECT_THAT(StringsOf(FieldOf(SubjectValue(n), "Organization")),
              ElementsAre("Acme", "Acme Labs"));
  const Value extra = FieldOf(SubjectValue(n), "ExtraNames");
  ASSERT_EQ(extra.as_list().size(), 1u);
  EXPECT_EQ(FieldOf(extra.as_list()[0], "Type").as_string(), "1.2.840.113549.1.9.1");
}

TEST(SansValueTest, CreateSansOrderAndJson) {
  const std::vector<std::string> names = {
      "b.example", "mailto:x@y", "10.0.0.1", "a@b.example", "", "::FFFF:1", "https://x.example/p"};
  EXPECT_EQ(CreateSans(names), (std::vector<SanEntry>{{"dns", "b.example"},
                                                      {"ip", "10.0.0.1"},
                                                      {"ip", "::ffff:1"},
                                                      {"email", "a@b.example"},
                                                      {"uri", "mailto:x@y"},
                                                      {"uri", "https://x.example/p"}}));
  const Value v = SansValue({"b.example", "10.0.0.1"});
  EXPECT_EQ(v.ToJson().dump(),
            R"([{"type":"dns","value":"b.example"},{"type":"ip","value":"10.0.0.1"}])");
  EXPECT_EQ(v.as_list()[0].TypeName(), "x509util.SubjectAlternativeName");
  EXPECT_EQ(FieldOf(v.as_list()[1], "Type").as_string(), "ip");
  EXPECT_EQ(SansValue({}).ToJson().dump(), "[]");
  EXPECT_EQ(SansValueOf({{"permanentIdentifier", "abc"}}).ToJson().dump(),
            R"([{"type":"permanentIdentifier","value":"abc"}])");
}

// --- .Insecure.CR ---------------------------------------------------------------------------

TEST(CertificateRequestValueTest, FieldsAndPublicKeyTypes) {
  struct Case {
    KeyType type;
    std::string type_name;
    std::string algorithm;
  };
  for (const Case& c : {Case{KeyType::kEcP256, "*ecdsa.PublicKey", "ECDSA"},
                        Case{KeyType::kEcP384, "*ecdsa.PublicKey", "ECDSA"},
                        Case{KeyType::kRsa, "*rsa.PublicKey", "RSA"},
                        Case{KeyType::kEd25519, "ed25519.PublicKey", "Ed25519"}}) {
    SCOPED_TRACE(c.type_name);
    pki::Name subject;
    subject.common_name = "host.example";
    subject.organization = {"Acme"};
    const auto csr = Csr(c.type, subject,
                         {.dns = {"host.example", "alt.example"},
                          .ips = {"10.0.0.1"},
                          .emails = {"ops@example.com"},
                          .uris = {"spiffe://example.org/x"}});
    const Value cr = CertificateRequestValue(csr);
    EXPECT_EQ(cr.TypeName(), "*x509util.CertificateRequest");
    EXPECT_EQ(FieldOf(FieldOf(cr, "Subject"), "CommonName").as_string(), "host.example");
    EXPECT_THAT(StringsOf(FieldOf(cr, "DNSNames")), ElementsAre("host.example", "alt.example"));
    EXPECT_THAT(StringsOf(FieldOf(cr, "IPAddresses")), ElementsAre("10.0.0.1"));
    EXPECT_THAT(StringsOf(FieldOf(cr, "EmailAddresses")), ElementsAre("ops@example.com"));
    EXPECT_THAT(StringsOf(FieldOf(cr, "URIs")), ElementsAre("spiffe://example.org/x"));
    EXPECT_EQ(FieldOf(cr, "RawSubject").as_string(), Base64Encode(csr.raw_subject()));
    EXPECT_EQ(FieldOf(cr, "Version").as_int(), 0);
    const Value key = FieldOf(cr, "PublicKey");
    EXPECT_EQ(key.TypeName(), c.type_name);
    EXPECT_EQ(FieldOf(cr, "PublicKeyAlgorithm").as_string(), c.algorithm);
    EXPECT_EQ(FieldOf(cr, "SignatureAlgorithm").as_string(), "");
    EXPECT_TRUE(FieldOf(cr, "BasicConstraints").is_nil());
    EXPECT_FALSE(FieldOf(cr, "Signature").as_string().empty());
    const Value exts = FieldOf(cr, "Extensions");
    ASSERT_EQ(exts.as_list().size(), 1u);
    EXPECT_EQ(FieldOf(exts.as_list()[0], "ID").as_string(), "2.5.29.17");
    EXPECT_FALSE(FieldOf(exts.as_list()[0], "Critical").as_bool());

    // toJson .Insecure.CR: json names, no json:"-" fields.
    const Json j = cr.ToJson();
    EXPECT_EQ(j["subject"].dump(), R"({"organization":["Acme"],"commonName":"host.example"})");
    EXPECT_EQ(j["dnsNames"].dump(), R"(["host.example","alt.example"])");
    EXPECT_EQ(j["signatureAlgorithm"], "");
    EXPECT_FALSE(j.contains("publicKey"));
    EXPECT_FALSE(j.contains("PublicKey"));
    EXPECT_FALSE(j.contains("signature"));
    EXPECT_FALSE(j.contains("Signature"));
  }
}

TEST(CertificateRequestValueTest, PublicKeyNumbers) {
  const auto rsa = Csr(KeyType::kRsa, {}, {.dns = {"x"}});
  const Value key = FieldOf(CertificateRequestValue(rsa), "PublicKey");
  EXPECT_EQ(FieldOf(key, "E").as_int(), 65537);
  EXPECT_EQ(FieldOf(key, "Size").as_int(), 256);  // the method rsa.PublicKey.Size()
  // N in decimal, as big.Int prints: check it against openssl's modulus (hex).
  TempDir dir;
  dir.Write("k.pem", rsa.public_key().ToPem());
  auto r = RunCommand("openssl rsa -pubin -in " + dir.File("k.pem") + " -noout -modulus");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto py = RunCommand("python3 -c 'print(int(\"" + r.output.substr(r.output.find('=') + 1, 512) +
                       "\", 16))'");
  if (py.exit_code == 0) {
    EXPECT_EQ(FieldOf(key, "N").as_string() + "\n", py.output);
  }

  const auto ec = Csr(KeyType::kEcP384, {}, {.dns = {"x"}});
  const Value ec_key = FieldOf(CertificateRequestValue(ec), "PublicKey");
  const Value params = FieldOf(FieldOf(ec_key, "Curve"), "Params");
  EXPECT_EQ(FieldOf(params, "Name").as_string(), "P-384");
  EXPECT_EQ(FieldOf(params, "BitSize").as_int(), 384);
  EXPECT_GT(FieldOf(ec_key, "X").as_string().size(), 100u);
}

TEST(CertificateRequestValueTest, EmptySubjectMakesSanCritical) {
  const auto csr = Csr(KeyType::kEcP256, {}, {.dns = {"only.san"}});
  const Value exts = FieldOf(CertificateRequestValue(csr), "Extensions");
  ASSERT_EQ(exts.as_list().size(), 1u);
  EXPECT_TRUE(FieldOf(exts.as_list()[0], "Critical").as_bool());
  EXPECT_TRUE(CertificateRequestJson(csr)["extensions"][0]["critical"].get<bool>());
}

// A CSR asking for key usages and basic constraints, made by the openssl CLI.
pki::CertificateRequest CsrWithExtensions(const std::string& extra_args) {
  TempDir dir;
  auto pem = pki::testing::SharedKey(KeyType::kEcP256, 3).ToPem();
  CAIRN_CHECK(pem.ok());
  dir.Write("k.pem", *pem);
  auto r = RunCommand("openssl req -new -key " + dir.File("k.pem") + " -out " +
                      dir.File("csr.pem") + " -subj /CN=ext.example " + extra_args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto csr = pki::CertificateRequest::FromPem(dir.Read("csr.pem"));
  CAIRN_CHECK(csr.ok());
  return std::move(csr).value();
}

TEST(CertificateRequestValueTest, RequestedUsagesAndConstraints) {
  const auto csr = CsrWithExtensions(
      "-addext 'keyUsage=critical,digitalSignature,keyEncipherment' "
      "-addext 'extendedKeyUsage=serverAuth,1.2.3.4,clientAuth' "
      "-addext 'basicConstraints=critical,CA:TRUE,pathlen:2' "
      "-addext 'subjectAltName=DNS:ext.example'");
  const Value cr = CertificateRequestValue(csr);
  EXPECT_THAT(StringsOf(FieldOf(cr, "KeyUsage")),
              ElementsAre("digitalSignature", "keyEncipherment"));
  EXPECT_THAT(StringsOf(FieldOf(cr, "ExtKeyUsage")), ElementsAre("serverAuth", "clientAuth"));
  EXPECT_THAT(StringsOf(FieldOf(cr, "UnknownExtKeyUsage")), ElementsAre("1.2.3.4"));
  const Value bc = FieldOf(cr, "BasicConstraints");
  EXPECT_TRUE(FieldOf(bc, "IsCA").as_bool());
  EXPECT_EQ(FieldOf(bc, "MaxPathLen").as_int(), 2);

  const Json j = CertificateRequestJson(csr);
  EXPECT_EQ(j["keyUsage"].dump(), R"(["digitalSignature","keyEncipherment"])");
  EXPECT_EQ(j["extKeyUsage"].dump(), R"(["serverAuth","clientAuth"])");
  EXPECT_EQ(j["unknownExtKeyUsage"].dump(), R"(["1.2.3.4"])");
  EXPECT_EQ(j["basicConstraints"].dump(), R"({"isCA":true,"maxPathLen":2})");
  EXPECT_EQ(j["extensions"].size(), 4u);

  // No pathlen: -1, as x509util's parser leaves it.
  const auto csr2 = CsrWithExtensions("-addext 'basicConstraints=CA:FALSE'");
  EXPECT_EQ(CertificateRequestJson(csr2)["basicConstraints"].dump(),
            R"({"isCA":false,"maxPathLen":-1})");
}

TEST(CertificateRequestJsonTest, ExactlyWhatStepSendsWebhooks) {
  pki::Name subject;
  subject.common_name = "hook.example";
  const auto csr = Csr(KeyType::kEcP256, subject, {.dns = {"hook.example"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string spki, csr.public_key().ToDer());
  const Json j = CertificateRequestJson(csr);
  Json want;
  want["version"] = 0;
  want["subject"] = {{"commonName", "hook.example"}};
  want["rawSubject"] = Base64Encode(csr.raw_subject());
  want["dnsNames"] = {"hook.example"};
  want["emailAddresses"] = nullptr;
  want["ipAddresses"] = nullptr;
  want["uris"] = nullptr;
  want["sans"] = nullptr;
  want["extensions"] = Json::array({{{"id", "2.5.29.17"},
                                     {"critical", false},
                                     {"value", Base64Encode(csr.extensions()[0].value)}}});
  want["keyUsage"] = nullptr;
  want["extKeyUsage"] = Json::array();
  want["unknownExtKeyUsage"] = nullptr;
  want["basicConstraints"] = nullptr;
  want["signatureAlgorithm"] = "";
  want["publicKey"] = Base64Encode(spki);
  want["publicKeyAlgorithm"] = "ECDSA";
  want["raw"] = Base64Encode(csr.der());
  EXPECT_EQ(j.dump(), want.dump());
}

TEST(CertificateJsonTest, TemplateAboutToBeSigned) {
  pki::CertificateTemplate t =
      pki::testing::LeafTemplate("leaf", {.dns = {"leaf.example"}, .ips = {"10.0.0.1"}});
  t.other_sans = {{"registeredID", "1.2.3.4", std::string("\x88\x03\x2a\x03\x04", 5)}};
  t.ext_key_usage.push_back("1.2.3.4.5");
  t.basic_constraints = {.present = true, .is_ca = false, .max_path_len = -1};
  t.name_constraints.permitted_dns_domains = {"example.com"};
  t.signature_algorithm = "ECDSA-SHA384";
  const auto& key = pki::testing::SharedKey(KeyType::kEd25519, 2);
  const Json j = CertificateJson(t, key.public_key());
  EXPECT_EQ(j["subject"].dump(), R"({"commonName":"leaf"})");
  EXPECT_TRUE(j["serialNumber"].is_null());
  EXPECT_EQ(j["sans"].dump(),
            R"([{"type":"dns","value":"leaf.example"},{"type":"ip","value":"10.0.0.1"},)"
            R"({"type":"registeredID","value":"1.2.3.4"}])");
  EXPECT_EQ(j["keyUsage"].dump(), R"(["digitalSignature"])");
  EXPECT_EQ(j["extKeyUsage"].dump(), R"(["serverAuth","clientAuth"])");
  EXPECT_EQ(j["unknownExtKeyUsage"].dump(), R"(["1.2.3.4.5"])");
  EXPECT_EQ(j["basicConstraints"].dump(), R"({"isCA":false,"maxPathLen":-1})");
  EXPECT_EQ(j["nameConstraints"]["permittedDNSDomains"].dump(), R"(["example.com"])");
  EXPECT_TRUE(j["nameConstraints"]["excludedDNSDomains"].is_null());
  EXPECT_EQ(j["signatureAlgorithm"], "ECDSA-SHA384");
  EXPECT_EQ(j["publicKeyAlgorithm"], "Ed25519");
  EXPECT_EQ(j["notBefore"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(j["notAfter"], "2026-01-02T00:00:00Z");
  EXPECT_TRUE(j["raw"].is_null());
  // Key order: x509util.Certificate's fields, then the webhook wrapper's.
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys.front(), "version");
  EXPECT_EQ(keys.back(), "raw");

  EXPECT_EQ(CertificateJson(t, key.public_key(), true)["serialNumber"], 3000u);
  t.serial_decimal = "340282366920938463463374607431768211455";
  EXPECT_EQ(CertificateJson(t, key.public_key(), true)["serialNumber"],
            "340282366920938463463374607431768211455");
}

// --- The whole data map ---------------------------------------------------------------------

TEST(X509DataValueTest, KeysInStepsOrderOfPrecedence) {
  X509TemplateData d;
  pki::Name subject;
  subject.common_name = "sub";
  d.subject = subject;
  d.sans = CreateSans({"a.example"});
  d.token = Value::MakeMap({{"sub", Value::String("sub")}, {"iss", Value::String("prov")}});
  d.csr = Csr(KeyType::kRsa, subject, {.dns = {"a.example"}});
  d.user = Value::MakeMap({{"team", Value::String("blue")}});
  d.webhooks = {{"people", Value::MakeMap({{"role", Value::String("eng")}})}};
  d.provisioner_data = {{"Organization", Value::String("Acme")},
                        {"Subject", Value::String("overridden")}};
  const Value v = X509DataValue(d);
  std::vector<std::string> keys;
  for (const auto& [k, _] : v.as_map()) keys.push_back(k);
  EXPECT_THAT(keys,
              ElementsAre("Insecure", "Organization", "SANs", "Subject", "Token", "Webhooks"));
  // The provisioner's templateData is unmarshaled over the provisioner's own keys.
  EXPECT_EQ(FieldOf(v, "Subject").as_string(), "overridden");
  EXPECT_EQ(FieldOf(v, "Organization").as_string(), "Acme");
  const Value insecure = FieldOf(v, "Insecure");
  EXPECT_EQ(FieldOf(FieldOf(insecure, "User"), "team").as_string(), "blue");
  EXPECT_EQ(FieldOf(FieldOf(insecure, "CR"), "PublicKey").TypeName(), "*rsa.PublicKey");
  EXPECT_EQ(FieldOf(FieldOf(FieldOf(v, "Webhooks"), "people"), "role").as_string(), "eng");

  // Nothing set: an empty map (templates then see nil for every key).
  EXPECT_TRUE(X509DataValue({}).as_map().empty());
}

TEST(X509DataValueTest, AuthorizationCertificate) {
  auto root = pki::testing::MakeRoot(KeyType::kEcP256);
  X509TemplateData d;
  d.authorization_crt = root.cert;
  d.authorization_chain = {root.cert};
  const Value v = X509DataValue(d);
  const Value crt = FieldOf(v, "AuthorizationCrt");
  EXPECT_EQ(crt.TypeName(), "*x509.Certificate");
  EXPECT_EQ(FieldOf(FieldOf(crt, "Subject"), "CommonName").as_string(), "Test Root CA");
  EXPECT_EQ(FieldOf(FieldOf(crt, "Issuer"), "CommonName").as_string(), "Test Root CA");
  EXPECT_THAT(StringsOf(FieldOf(FieldOf(crt, "Subject"), "Organization")),
              ElementsAre("Cairn Test"));
  EXPECT_EQ(FieldOf(crt, "SerialNumber").as_string(), "1000");
  EXPECT_TRUE(FieldOf(crt, "IsCA").as_bool());
  EXPECT_EQ(FieldOf(crt, "NotBefore").kind(), Value::Kind::kTime);
  EXPECT_EQ(FieldOf(v, "AuthorizationChain").as_list().size(), 1u);
}

}  // namespace
}  // namespace cairn::templates

#include "pki/certificate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/encoding.h"
#include "cli/certificate_format.h"
#include "cli/cli_test_util.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "crypto/signer.h"
#include "pki/builder.h"
#include "pki/csr.h"
#include "pki/extension.h"
#include "pki/provisioner_extension.h"
#include "testing/fakes.h"

namespace cairn::cli {
namespace {

using testing::CliResult;
using ::testing::ElementsAre;
using testing::Exists;
using ::testing::HasSubstr;
using testing::Mode;
using testing::ReadAll;
using testing::RunCli;
using testing::Shell;
using ::testing::StartsWith;
using testing::TempDir;

// A root, an intermediate and a leaf made with `cairn certificate create`, unencrypted keys.
class CertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("STEPPATH", dir_.Join("home").c_str(), 1);
    Create({"Test Root", P("root.crt"), P("root.key"), "--profile", "root-ca", "--no-password",
            "--insecure"});
    Create({"Test Intermediate", P("int.crt"), P("int.key"), "--profile", "intermediate-ca", "--ca",
            P("root.crt"), "--ca-key", P("root.key"), "--no-password", "--insecure"});
    Create({"leaf.example.com", P("leaf.crt"), P("leaf.key"), "--ca", P("int.crt"), "--ca-key",
            P("int.key"), "--no-password", "--insecure"});
  }
  void TearDown() override { ::unsetenv("STEPPATH"); }

  std::string P(const std::string& name) const { return dir_.Join(name); }

  void Create(std::vector<std::string> args) {
    args.insert(args.begin(), {"certificate", "create"});
    CliResult r = RunCli(args);
    ASSERT_TRUE(r.status.ok()) << r.status << "\n" << r.err;
  }

  pki::Certificate Cert(const std::string& name) {
    auto c = pki::Certificate::FromPem(ReadAll(P(name)));
    EXPECT_TRUE(c.ok()) << c.status();
    return *c;
  }

  TempDir dir_;
};

TEST_F(CertificateTest, CreateProfilesVerifyWithOpenssl) {
  EXPECT_EQ(Shell("openssl verify -CAfile '" + P("root.crt") + "' '" + P("int.crt") + "'"), 0);
  EXPECT_EQ(Shell("openssl verify -CAfile '" + P("root.crt") + "' -untrusted '" + P("int.crt") +
                  "' '" + P("leaf.crt") + "'"),
            0);
  pki::Certificate root = Cert("root.crt");
  EXPECT_TRUE(root.is_ca());
  EXPECT_EQ(root.max_path_len(), 1);
  EXPECT_EQ(root.key_usage(), pki::kCertSign | pki::kCrlSign);
  EXPECT_EQ(root.subject().common_name, "Test Root");
  EXPECT_EQ(root.not_after() - root.not_before(), std::chrono::hours(87600));
  pki::Certificate inter = Cert("int.crt");
  EXPECT_EQ(inter.max_path_len(), 0);
  EXPECT_TRUE(inter.dns_names().empty());
  pki::Certificate leaf = Cert("leaf.crt");
  EXPECT_FALSE(leaf.is_ca());
  EXPECT_EQ(leaf.key_usage(), pki::kDigitalSignature);
  EXPECT_THAT(leaf.ext_key_usage(), ElementsAre("serverAuth", "clientAuth"));
  EXPECT_THAT(leaf.dns_names(), ElementsAre("leaf.example.com"));  // the subject by default
  EXPECT_EQ(leaf.not_after() - leaf.not_before(), std::chrono::hours(24));
  EXPECT_EQ(Mode(P("leaf.key")), 0600);
  EXPECT_EQ(Mode(P("leaf.crt")), 0600);
  EXPECT_THAT(ReadAll(P("leaf.key")), StartsWith("-----BEGIN EC PRIVATE KEY-----\n"));
}

TEST_F(CertificateTest, CreateWithSansRsaValidityAndBundle) {
  Create({"svc",         P("svc.crt"), P("svc.key"),      "--ca",          P("int.crt"),
          "--ca-key",    P("int.key"), "--san",           "svc.internal",  "--san",
          "10.1.2.3",    "--san",      "ops@example.com", "--kty",         "RSA",
          "--not-after", "2h",         "--bundle",        "--no-password", "--insecure"});
  CAIRN_ASSERT_OK_AND_ASSIGN(std::vector<pki::Certificate> certs,
                             pki::Certificate::ParsePemBundle(ReadAll(P("svc.crt"))));
  ASSERT_EQ(certs.size(), 2u);
  EXPECT_EQ(certs[1].der(), Cert("int.crt").der());
  const pki::Certificate& svc = certs[0];
  EXPECT_THAT(svc.dns_names(), ElementsAre("svc.internal"));
  EXPECT_THAT(svc.ip_addresses(), ElementsAre("10.1.2.3"));
  EXPECT_THAT(svc.email_addresses(), ElementsAre("ops@example.com"));
  EXPECT_EQ(svc.public_key().type(), crypto::KeyType::kRsa);
  EXPECT_EQ(svc.key_usage(), pki::kDigitalSignature | pki::kKeyEncipherment);
  EXPECT_EQ(svc.not_after() - svc.not_before(), std::chrono::hours(2));
  EXPECT_EQ(Shell("openssl rsa -in '" + P("svc.key") + "' -noout"), 0);
}

TEST_F(CertificateTest, CreateEncryptsKeysWithThePasswordFile) {
  std::string pass = P("pass.txt");
  testing::WriteAll(pass, "s3cret\n");
  Create({"enc", P("enc.crt"), P("enc.key"), "--profile", "self-signed", "--subtle",
          "--password-file", pass});
  EXPECT_THAT(ReadAll(P("enc.key")), HasSubstr("Proc-Type: 4,ENCRYPTED"));
  EXPECT_EQ(Shell("openssl ec -in '" + P("enc.key") + "' -passin pass:s3cret -noout"), 0);
  EXPECT_NE(Shell("openssl ec -in '" + P("enc.key") + "' -passin pass:nope -noout"), 0);
  // The encrypted key can sign with --ca-password-file.
  Create({"child", P("child.crt"), P("child.key"), "--profile", "intermediate-ca", "--ca",
          P("root.crt"), "--ca-key", P("root.key"), "--no-password", "--insecure"});
}

TEST_F(CertificateTest, CreateFlagRules) {
  auto err = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"certificate", "create"});
    return RunCli(args).status.message();
  };
  EXPECT_THAT(err({"x", P("x.crt"), P("x.key"), "--no-password"}),
              HasSubstr("flag '--no-password' requires the '--insecure' flag"));
  EXPECT_THAT(err({"x", P("x.crt"), P("x.key"), "--no-password", "--insecure"}),
              HasSubstr("'--profile leaf' requires the '--ca' flag"));
  EXPECT_THAT(
      err({"x", P("x.crt"), P("x.key"), "--profile", "self-signed", "--no-password", "--insecure"}),
      HasSubstr("'--profile self-signed' requires the '--subtle' flag"));
  EXPECT_THAT(err({"x", P("x.crt"), P("x.key"), "--profile", "root-ca", "--ca", P("root.crt"),
                   "--no-password", "--insecure"}),
              HasSubstr("flag '--ca' is incompatible with flag '--profile root-ca'"));
  EXPECT_THAT(err({"x", P("x.crt"), P("x.crt")}), HasSubstr("cannot be equal"));
  EXPECT_THAT(err({"x", P("x.crt")}), HasSubstr("not enough positional arguments"));
  EXPECT_THAT(
      err({"x", P("x.crt"), P("x.key"), "--profile", "bogus", "--no-password", "--insecure"}),
      HasSubstr("invalid value 'bogus' for flag '--profile'"));
  // The issuer key must match the issuer certificate.
  EXPECT_FALSE(RunCli({"certificate", "create", "x", P("x.crt"), P("x.key"), "--ca", P("int.crt"),
                       "--ca-key", P("root.key"), "--no-password", "--insecure"})
                   .status.ok());
  // Existing files are not overwritten without --force (nor without a terminal to ask).
  if (testing::HasTerminal()) return;
  EXPECT_THAT(err({"leaf.example.com", P("leaf.crt"), P("leaf2.key"), "--ca", P("int.crt"),
                   "--ca-key", P("int.key"), "--no-password", "--insecure"}),
              HasSubstr("already exists"));
}

TEST_F(CertificateTest, CsrAndSign) {
  Create({"csr.example.com", P("req.csr"), P("req.key"), "--csr", "--no-password", "--insecure"});
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::CertificateRequest csr,
                             pki::CertificateRequest::FromPem(ReadAll(P("req.csr"))));
  CAIRN_EXPECT_OK(csr.VerifySignature());
  EXPECT_EQ(csr.subject_cn(), "csr.example.com");
  EXPECT_THAT(csr.dns_names(), ElementsAre("csr.example.com"));

  CliResult r = RunCli({"certificate", "sign", P("req.csr"), P("int.crt"), P("int.key"), "--bundle",
                        "--not-after", "1h"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  CAIRN_ASSERT_OK_AND_ASSIGN(std::vector<pki::Certificate> certs,
                             pki::Certificate::ParsePemBundle(r.out));
  ASSERT_EQ(certs.size(), 2u);
  EXPECT_EQ(certs[0].raw_subject(), csr.raw_subject());
  EXPECT_THAT(certs[0].dns_names(), ElementsAre("csr.example.com"));
  EXPECT_THAT(certs[0].ext_key_usage(), ElementsAre("serverAuth", "clientAuth"));
  EXPECT_EQ(certs[0].not_after() - certs[0].not_before(), std::chrono::hours(1));
  testing::WriteAll(P("signed.crt"), r.out);
  EXPECT_EQ(Shell("openssl verify -CAfile '" + P("root.crt") + "' -untrusted '" + P("int.crt") +
                  "' '" + P("signed.crt") + "'"),
            0);
}

TEST_F(CertificateTest, SignIntermediateProfileAndIssuerChecks) {
  Create({"Sub CA", P("sub.csr"), P("sub.key"), "--csr", "--no-password", "--insecure"});
  CliResult r = RunCli({"certificate", "sign", P("sub.csr"), P("root.crt"), P("root.key"),
                        "--profile", "intermediate-ca"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Certificate sub, pki::Certificate::FromPem(r.out));
  EXPECT_TRUE(sub.is_ca());
  EXPECT_EQ(sub.max_path_len(), 0);
  EXPECT_EQ(sub.key_usage(), pki::kCertSign | pki::kCrlSign);
  EXPECT_EQ(sub.not_after() - sub.not_before(), std::chrono::hours(87600));
  // The intermediate (pathlen 0) cannot sign another CA; a leaf cannot sign at all; the key
  // must be the issuer's.
  EXPECT_THAT(RunCli({"certificate", "sign", P("sub.csr"), P("int.crt"), P("int.key"), "--profile",
                      "intermediate-ca"})
                  .status.message(),
              HasSubstr("pathLenConstraint is 0"));
  EXPECT_THAT(
      RunCli({"certificate", "sign", P("sub.csr"), P("leaf.crt"), P("leaf.key")}).status.message(),
      HasSubstr("issuer certificate is not a certificate authority"));
  EXPECT_THAT(
      RunCli({"certificate", "sign", P("sub.csr"), P("int.crt"), P("root.key")}).status.message(),
      HasSubstr("private key does not match issuer public key"));
}

TEST_F(CertificateTest, VerifyIsQuietOnSuccess) {
  std::string bundle = P("bundle.crt");
  testing::WriteAll(bundle, ReadAll(P("leaf.crt")) + ReadAll(P("int.crt")));
  CliResult ok = RunCli({"certificate", "verify", bundle, "--roots", P("root.crt")});
  ASSERT_TRUE(ok.status.ok()) << ok.status;
  EXPECT_EQ(ok.out, "");
  EXPECT_EQ(ok.err, "");

  CliResult host = RunCli({"certificate", "verify", bundle, "--roots", P("root.crt"), "--host",
                           "leaf.example.com", "--verbose"});
  ASSERT_TRUE(host.status.ok()) << host.status;
  EXPECT_EQ(host.out,
            "certificate validated against roots\ncertificate host name validated\n"
            "certficiate is valid\n");

  EXPECT_THAT(RunCli({"certificate", "verify", bundle, "--roots", P("root.crt"), "--host",
                      "other.example.com"})
                  .status.message(),
              HasSubstr("failed to verify certificate: x509: certificate is valid for "
                        "leaf.example.com, not other.example.com"));
  // Without the intermediate, or against another root, the chain does not verify.
  EXPECT_THAT(
      RunCli({"certificate", "verify", P("leaf.crt"), "--roots", P("root.crt")}).status.message(),
      HasSubstr("failed to verify certificate"));
  Create({"Other Root", P("other.crt"), P("other.key"), "--profile", "root-ca", "--no-password",
          "--insecure"});
  EXPECT_FALSE(RunCli({"certificate", "verify", bundle, "--roots", P("other.crt")}).status.ok());
  // --roots accepts a comma-separated list.
  EXPECT_TRUE(
      RunCli({"certificate", "verify", bundle, "--roots", P("other.crt") + "," + P("root.crt")})
          .status.ok());
}

TEST_F(CertificateTest, Fingerprint) {
  pki::Certificate root = Cert("root.crt");
  CliResult r = RunCli({"certificate", "fingerprint", P("root.crt")});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.out, HexEncode(crypto::Sha256(root.der())) + "\n");
  EXPECT_EQ(r.out, root.fingerprint_sha256_hex() + "\n");

  r = RunCli({"certificate", "fingerprint", P("root.crt"), "--format", "base64-url-raw"});
  EXPECT_EQ(r.out, Base64UrlEncode(crypto::Sha256(root.der())) + "\n");
  r = RunCli({"certificate", "fingerprint", P("root.crt"), "--format", "base64"});
  EXPECT_EQ(r.out, Base64Encode(crypto::Sha256(root.der())) + "\n");

  std::string bundle = P("bundle.crt");
  testing::WriteAll(bundle, ReadAll(P("leaf.crt")) + ReadAll(P("int.crt")));
  r = RunCli({"certificate", "fingerprint", bundle, "--bundle"});
  EXPECT_EQ(r.out, "0: " + Cert("leaf.crt").fingerprint_sha256_hex() +
                       "\n1: " + Cert("int.crt").fingerprint_sha256_hex() + "\n");

  EXPECT_THAT(RunCli({"certificate", "fingerprint", P("root.crt"), "--sha1"}).status.message(),
              HasSubstr("requires the '--insecure' flag"));
  r = RunCli({"certificate", "fingerprint", P("root.crt"), "--sha1", "--insecure"});
  EXPECT_EQ(r.out, HexEncode(crypto::Sha1(root.der())) + "\n");
  EXPECT_FALSE(
      RunCli({"certificate", "fingerprint", P("root.crt"), "--format", "nope"}).status.ok());

  // From standard input.
  r = RunCli({"certificate", "fingerprint"}, ReadAll(P("root.crt")));
  EXPECT_EQ(r.out, root.fingerprint_sha256_hex() + "\n");
}

TEST_F(CertificateTest, InspectText) {
  pki::Certificate root = Cert("root.crt");
  CliResult r = RunCli({"certificate", "inspect", P("root.crt")});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.out, StartsWith("Certificate:\n    Data:\n        Version: 3 (0x2)\n"
                                "        Serial Number: " +
                                root.serial_decimal() + " (0x" + root.serial_hex() +
                                ")\n"
                                "        Signature Algorithm: ECDSA-SHA256\n"
                                "        Issuer: CN=Test Root\n"
                                "        Validity\n"));
  EXPECT_THAT(r.out, HasSubstr("        Subject: CN=Test Root\n"
                               "        Subject Public Key Info:\n"
                               "            Public Key Algorithm: ECDSA\n"
                               "                Public-Key: (256 bit)\n"));
  EXPECT_THAT(r.out, HasSubstr("                Curve: P-256\n"));
  EXPECT_THAT(r.out, HasSubstr("            X509v3 Key Usage: critical\n"
                               "                Certificate Sign, CRL Sign\n"
                               "            X509v3 Basic Constraints: critical\n"
                               "                CA:TRUE, pathlen:1\n"));
  EXPECT_THAT(r.out, HasSubstr("    Signature Algorithm: ECDSA-SHA256\n         30:"));

  r = RunCli({"certificate", "inspect", P("leaf.crt")});
  EXPECT_THAT(r.out, HasSubstr("            X509v3 Extended Key Usage:\n"
                               "                Server Authentication, Client Authentication\n"));
  EXPECT_THAT(r.out, HasSubstr("            X509v3 Subject Alternative Name:\n"
                               "                DNS:leaf.example.com\n"));
  EXPECT_THAT(r.out, HasSubstr("            X509v3 Authority Key Identifier:\n"));
}

TEST_F(CertificateTest, InspectShortJsonPemAndBundle) {
  pki::Certificate leaf = Cert("leaf.crt");
  CliResult r = RunCli({"certificate", "inspect", P("leaf.crt"), "--short"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  std::string serial = leaf.serial_decimal();
  std::string abbreviated = serial.substr(0, 4) + "..." + serial.substr(serial.size() - 4);
  EXPECT_THAT(r.out, StartsWith("X.509v3 TLS Certificate (ECDSA P-256) [Serial: " + abbreviated +
                                "]\n  Subject:     leaf.example.com\n"
                                "  Issuer:      Test Intermediate\n  Valid from:  "));
  r = RunCli({"certificate", "inspect", P("root.crt"), "--short"});
  EXPECT_THAT(r.out, StartsWith("X.509v3 Root CA Certificate (ECDSA P-256)"));
  r = RunCli({"certificate", "inspect", P("int.crt"), "--short"});
  EXPECT_THAT(r.out, StartsWith("X.509v3 Intermediate CA Certificate (ECDSA P-256)"));

  r = RunCli({"certificate", "inspect", P("leaf.crt"), "--format", "json"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["serial_number"], serial);
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["signature_algorithm"]["name"], "ECDSA-SHA256");
  EXPECT_EQ(j["subject"]["common_name"], nlohmann::json({"leaf.example.com"}));
  EXPECT_EQ(j["issuer"]["common_name"], nlohmann::json({"Test Intermediate"}));
  EXPECT_EQ(j["fingerprint_sha256"], leaf.fingerprint_sha256_hex());
  EXPECT_EQ(j["extensions"]["subject_alt_name"]["dns_names"], nlohmann::json({"leaf.example.com"}));
  EXPECT_EQ(j["extensions"]["extended_key_usage"]["server_auth"], true);
  EXPECT_EQ(j["subject_key_info"]["key_algorithm"]["name"], "ECDSA");
  EXPECT_EQ(j["validity"]["length"], 86400);

  r = RunCli({"certificate", "inspect", P("leaf.crt"), "--format", "pem"});
  EXPECT_EQ(r.out, leaf.pem());

  std::string bundle = P("bundle.crt");
  testing::WriteAll(bundle, ReadAll(P("leaf.crt")) + ReadAll(P("int.crt")));
  r = RunCli({"certificate", "inspect", bundle, "--short"});
  EXPECT_EQ(r.out.find("Intermediate CA Certificate"), std::string::npos);
  r = RunCli({"certificate", "inspect", bundle, "--short", "--bundle"});
  EXPECT_THAT(r.out, HasSubstr("X.509v3 Intermediate CA Certificate"));
  r = RunCli({"certificate", "inspect", bundle, "--format", "json", "--bundle"});
  EXPECT_TRUE(nlohmann::json::parse(r.out).is_array());

  EXPECT_THAT(RunCli({"certificate", "inspect", P("leaf.crt"), "--short", "--format", "json"})
                  .status.message(),
              HasSubstr("flag '--short' is incompatible with '--format json'"));
  EXPECT_THAT(RunCli({"certificate", "inspect", P("leaf.key")}).status.message(),
              HasSubstr("does not contain any valid CERTIFICATE or CERTIFICATE REQUEST blocks"));
}

TEST_F(CertificateTest, InspectCsr) {
  Create({"csr.example.com", P("req.csr"), P("req.key"), "--csr", "--san", "alt.example.com",
          "--no-password", "--insecure"});
  CliResult r = RunCli({"certificate", "inspect", P("req.csr")});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.out, StartsWith("Certificate Request:\n    Data:\n        Version: 0 (0x0)\n"
                                "        Subject: CN=csr.example.com\n"));
  EXPECT_THAT(r.out, HasSubstr("        Requested Extensions:\n"
                               "            X509v3 Subject Alternative Name:\n"
                               "                DNS:alt.example.com\n"));
  r = RunCli({"certificate", "inspect", P("req.csr"), "--short"});
  EXPECT_EQ(r.out,
            "X.509v3 Certificate Signing Request (ECDSA P-256)\n"
            "  Subject:     csr.example.com\n"
            "               alt.example.com\n");
  r = RunCli({"certificate", "inspect", P("req.csr"), "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["DNSNames"], nlohmann::json({"alt.example.com"}));
}

TEST(CertificateFormatTest, ProvisionerExtensionAsStepShowsIt) {
  CAIRN_ASSERT_OK_AND_ASSIGN(crypto::PrivateKey key, crypto::PrivateKey::Generate({}));
  pki::CertificateTemplate t;
  t.subject.common_name = "svc";
  t.sans.dns = {"svc"};
  CAIRN_ASSERT_OK_AND_ASSIGN(t.serial_decimal, pki::RandomSerial(crypto::OsslRandom::Default()));
  t.not_before = FromUnixSeconds(1767225600);
  t.not_after = t.not_before + std::chrono::hours(24);
  pki::ProvisionerExtension pe{.type = 1, .name = "admin@example.com", .credential_id = "kid-123"};
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Extension ext, pe.ToExtension());
  t.extra_extensions.push_back(ext);
  crypto::KeySigner signer(key);
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Certificate cert,
                             pki::SignCertificate(t, key.public_key(), nullptr, signer));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string text, tools::CertificateText(cert));
  EXPECT_THAT(text, HasSubstr("            X509v3 Step Provisioner:\n"
                              "                Type: JWK\n"
                              "                Name: admin@example.com\n"
                              "                CredentialID: kid-123\n"));
  EXPECT_THAT(text, HasSubstr("            Not Before: Jan 1 00:00:00 2026 UTC\n"
                              "            Not After : Jan 2 00:00:00 2026 UTC\n"));
  EXPECT_THAT(tools::CertificateShortText(cert),
              HasSubstr("  Provisioner: admin@example.com [ID: kid-123]\n"));
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::ordered_json j, tools::CertificateJson(cert));
  ASSERT_TRUE(j.contains("unknown_extensions"));
  EXPECT_EQ(j["unknown_extensions"][0]["value"], Base64Encode(ext.value));
}

}  // namespace
}  // namespace cairn::cli

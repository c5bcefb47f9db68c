#include "pki/certificate.h"

#include <gtest/gtest.h>

#include "crypto/openssl_cli_for_test.h"
#include "pki/pem.h"
#include "pki/test_pki_for_test.h"
#include "testing/fakes.h"

namespace cairn::pki {
namespace {

using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;
using crypto::KeyType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeIntermediate;
using testing::MakeRoot;

TEST(CertificateTest, PemRoundTripAndCopies) {
  auto root = MakeRoot(KeyType::kEcP256);
  const std::string pem = root.cert.pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
  EXPECT_TRUE(pem.ends_with("-----END CERTIFICATE-----\n"));
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate back, Certificate::FromPem(pem));
  EXPECT_EQ(back.der(), root.cert.der());
  Certificate copy = back;
  EXPECT_EQ(copy.get(), back.get());
  EXPECT_EQ(copy.fingerprint_sha256_hex(), root.cert.fingerprint_sha256_hex());
  EXPECT_EQ(copy.fingerprint_sha256_hex().size(), 64u);
  // Text around the block and blocks of other types are ignored, as step does.
  CAIRN_EXPECT_OK(Certificate::FromPem("subject=CN = x\n" + pem + "\n" +
                                       EncodePem("EC PARAMETERS", "\x06\x01\x00")));
}

TEST(CertificateTest, FromPemAndDerErrors) {
  auto root = MakeRoot(KeyType::kEcP256);
  EXPECT_EQ(Certificate::FromPem("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Certificate::FromPem(root.cert.pem() + root.cert.pem()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Certificate::FromPem(EncodePem("CERTIFICATE", "junk")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Certificate::FromDer(root.cert.der() + "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Certificate::FromDer(root.cert.der().substr(0, 100)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Certificate::FromDer(std::string(kMaxCertificateDer + 1, '0')).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CertificateTest, Bundles) {
  auto root = MakeRoot(KeyType::kEcP256);
  auto inter = MakeIntermediate(root, KeyType::kEcP256);
  const std::string bundle =
      inter.cert.pem() + "\n# comment\n" + root.cert.pem() + EncodePem("PRIVATE KEY", "skipped");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto certs, Certificate::ParsePemBundle(bundle));
  ASSERT_EQ(certs.size(), 2u);
  EXPECT_EQ(certs[0].der(), inter.cert.der());
  EXPECT_EQ(certs[1].der(), root.cert.der());
  EXPECT_EQ(Certificate::ParsePemBundle("nothing").status().code(), StatusCode::kInvalidArgument);
  auto bad = Certificate::ParsePemBundle(root.cert.pem() + EncodePem("CERTIFICATE", "bad"));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("certificate 2"));
}

// Certificates made by the openssl CLI parse, with every accessor agreeing with openssl.
TEST(CertificateTest, ParsesOpensslCertificate) {
  TempDir dir;
  auto r = RunCommand(
      "openssl req -utf8 -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout " +
      dir.File("k.pem") + " -out " + dir.File("c.pem") +
      " -days 30 -set_serial 0x0102 -subj '/C=DE/O=Example GmbH/OU=Ops/CN=Ünïcode Root' "
      "-addext 'subjectAltName=DNS:a.example,IP:192.168.0.1,IP:fe80::1,email:x@y.z,"
      "URI:https://u.example/p' -addext 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature' "
      "-addext 'extendedKeyUsage=serverAuth,timeStamping' -addext "
      "'basicConstraints=critical,CA:TRUE,pathlen:3' -sha384");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c, Certificate::FromPem(dir.Read("c.pem")));
  EXPECT_EQ(c.serial_decimal(), "258");
  EXPECT_EQ(c.serial_hex(), "0102");
  EXPECT_EQ(c.subject_cn(), "Ünïcode Root");
  EXPECT_EQ(c.subject_string(), "CN=Ünïcode Root,OU=Ops,O=Example GmbH,C=DE");
  EXPECT_EQ(c.issuer_string(), c.subject_string());
  Name n = c.subject();
  EXPECT_EQ(n.country, std::vector<std::string>{"DE"});
  EXPECT_EQ(n.organization, std::vector<std::string>{"Example GmbH"});
  EXPECT_EQ(n.organizational_unit, std::vector<std::string>{"Ops"});
  EXPECT_EQ(n.common_name, "Ünïcode Root");
  EXPECT_THAT(c.dns_names(), ElementsAre("a.example"));
  EXPECT_THAT(c.ip_addresses(), ElementsAre("192.168.0.1", "fe80::1"));
  EXPECT_THAT(c.email_addresses(), ElementsAre("x@y.z"));
  EXPECT_THAT(c.uris(), ElementsAre("https://u.example/p"));
  EXPECT_EQ(c.key_usage(), uint32_t{kCertSign | kCrlSign | kDigitalSignature});
  EXPECT_THAT(c.ext_key_usage(), ElementsAre("serverAuth", "timeStamping"));
  EXPECT_TRUE(c.is_ca());
  EXPECT_EQ(c.max_path_len(), 3);
  EXPECT_EQ(c.public_key().type(), KeyType::kEcP384);
  EXPECT_EQ(c.signature_algorithm(), "ECDSA-SHA384");
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::hours>(c.not_after() - c.not_before()).count(),
            30 * 24);
  EXPECT_FALSE(c.provisioner_extension().has_value());
  EXPECT_EQ(c.subject_key_id().size(), 20u);
  EXPECT_TRUE(c.IsIssuedBy(c));

  auto fp = RunCommand("openssl x509 -in " + dir.File("c.pem") + " -noout -fingerprint -sha256");
  std::string want;
  for (char ch : fp.output.substr(fp.output.find('=') + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(ch))) {
      want += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
  }
  EXPECT_EQ(c.fingerprint_sha256_hex(), want);
}

// Another CA's certificate may end after 2262 (RFC 5280 even has 99991231235959Z for "no
// well-defined expiration"); Time cannot hold that, so it reads as Time's last second.
TEST(CertificateTest, TimesBeyondTimesRangeAreClamped) {
  TempDir dir;
  auto r = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
      dir.File("k.pem") + " -out " + dir.File("c.pem") + " -days 2900000 -subj '/CN=Long Root'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c, Certificate::FromPem(dir.Read("c.pem")));
  EXPECT_EQ(ToUnixSeconds(c.not_after()), kMaxUnixSeconds);
  EXPECT_LT(c.not_before(), c.not_after());
  EXPECT_GT(c.not_before(), FromUnixSeconds(0));
}

TEST(CertificateTest, RsaAndLegacySignatureNames) {
  TempDir dir;
  auto r =
      RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir.File("k.pem") +
                 " -out " + dir.File("c.pem") + " -days 1 -subj /CN=r -sha512 && " +
                 "openssl req -x509 -key " + dir.File("k.pem") + " -out " + dir.File("pss.pem") +
                 " -days 1 -subj /CN=p -sha256 -sigopt rsa_padding_mode:pss");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c, Certificate::FromPem(dir.Read("c.pem")));
  EXPECT_EQ(c.signature_algorithm(), "SHA512-RSA");
  EXPECT_EQ(c.public_key().Describe(), "RSA 2048");
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate pss, Certificate::FromPem(dir.Read("pss.pem")));
  EXPECT_EQ(pss.signature_algorithm(), "SHA256-RSAPSS");
}

TEST(CertificateTest, KeepsUnsupportedKeysAsOther) {
  TempDir dir;
  auto r = RunCommand(
      "openssl req -utf8 -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp256k1 -nodes "
      "-keyout " +
      dir.File("k.pem") + " -out " + dir.File("c.pem") + " -days 1 -subj /CN=k1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(Certificate c, Certificate::FromPem(dir.Read("c.pem")));
  EXPECT_EQ(c.public_key().type(), KeyType::kOther);
  EXPECT_TRUE(c.IsIssuedBy(c));
}

}  // namespace
}  // namespace cairn::pki

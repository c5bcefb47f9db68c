#include "pki/csr.h"

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
using testing::SharedKey;

class CsrTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(CsrTest, CreateParseVerifyAndOpensslAgrees) {
  const auto& key = SharedKey(GetParam());
  Name subject;
  subject.common_name = "client.example.com";
  subject.organization = {"Acme"};
  SubjectAltNames sans{.dns = {"client.example.com"},
                       .ips = {"10.0.0.7"},
                       .emails = {"me@example.com"},
                       .uris = {"spiffe://acme/client"}};
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest csr, CreateCsr(subject, sans, key));
  CAIRN_EXPECT_OK(csr.VerifySignature());
  EXPECT_EQ(csr.subject_cn(), "client.example.com");
  EXPECT_EQ(csr.subject(), subject);
  EXPECT_EQ(csr.subject_string(), "CN=client.example.com,O=Acme");
  EXPECT_EQ(csr.sans(), sans);
  EXPECT_TRUE(csr.public_key().Equals(key.public_key()));
  ASSERT_EQ(csr.extensions().size(), 1u);
  EXPECT_EQ(csr.extensions()[0].oid, kOidSubjectAltName);
  EXPECT_FALSE(csr.extensions()[0].critical);

  const std::string pem = csr.pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest back, CertificateRequest::FromPem(pem));
  EXPECT_EQ(back.der(), csr.der());
  CertificateRequest copy = back;
  EXPECT_EQ(copy.der(), back.der());

  TempDir dir;
  dir.Write("csr.pem", pem);
  auto r = RunCommand("openssl req -in " + dir.File("csr.pem") + " -verify -noout -text");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("DNS:client.example.com"));
  EXPECT_THAT(r.output, HasSubstr("verify OK"));
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, CsrTest,
                         ::testing::Values(KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521,
                                           KeyType::kEd25519, KeyType::kRsa));

TEST(CsrTest, SignatureAlgorithmsFollowTheKey) {
  struct Case {
    KeyType type;
    const char* alg;
  };
  for (const Case& c :
       {Case{KeyType::kEcP256, "ECDSA-SHA256"}, Case{KeyType::kEcP384, "ECDSA-SHA384"},
        Case{KeyType::kEcP521, "ECDSA-SHA512"}, Case{KeyType::kEd25519, "Ed25519"},
        Case{KeyType::kRsa, "SHA256-RSA"}}) {
    CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest csr,
                               CreateCsr(Name{.common_name = "x"}, {}, SharedKey(c.type)));
    EXPECT_EQ(csr.signature_algorithm(), c.alg);
    EXPECT_TRUE(csr.extensions().empty());  // no SANs, no extension request
  }
}

TEST(CsrTest, TamperedCsrFailsVerification) {
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest csr,
                             CreateCsr(Name{.common_name = "honest"}, {.dns = {"honest.example"}},
                                       SharedKey(KeyType::kEcP256)));
  std::string der = csr.der();
  // Change the common name inside the signed part: "honest" -> "hOnest".
  size_t pos = der.find("honest");
  ASSERT_NE(pos, std::string::npos);
  der[pos + 1] = 'O';
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest tampered, CertificateRequest::FromDer(der));
  EXPECT_EQ(tampered.subject_cn(), "hOnest");
  Status s = tampered.VerifySignature();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);

  // Flip a bit in the signature itself (last byte).
  std::string der2 = csr.der();
  der2.back() ^= 0x01;
  auto tampered2 = CertificateRequest::FromDer(der2);
  if (tampered2.ok()) {
    EXPECT_FALSE(tampered2->VerifySignature().ok());
  }
}

TEST(CsrTest, ParsesOpensslCsrsAndHeaders) {
  TempDir dir;
  auto r = RunCommand("openssl req -new -newkey ed25519 -nodes -keyout " + dir.File("k.pem") +
                      " -out " + dir.File("csr.pem") +
                      " -subj '/CN=from openssl/emailAddress=a@b.c' "
                      "-addext 'subjectAltName=DNS:one.example,IP:::1'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string pem = dir.Read("csr.pem");
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest csr, CertificateRequest::FromPem(pem));
  CAIRN_EXPECT_OK(csr.VerifySignature());
  EXPECT_EQ(csr.subject_cn(), "from openssl");
  ASSERT_EQ(csr.subject().extra_names.size(), 1u);
  EXPECT_EQ(csr.subject().extra_names[0].first, "1.2.840.113549.1.9.1");
  EXPECT_EQ(csr.subject().extra_names[0].second, "a@b.c");
  EXPECT_THAT(csr.dns_names(), ElementsAre("one.example"));
  EXPECT_THAT(csr.ip_addresses(), ElementsAre("::1"));
  EXPECT_EQ(csr.public_key().type(), KeyType::kEd25519);

  // The old "NEW CERTIFICATE REQUEST" label is accepted too.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto blocks, ParsePemBlocks(pem));
  const std::string old_style = EncodePem("NEW CERTIFICATE REQUEST", blocks[0].second);
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest old_csr, CertificateRequest::FromPem(old_style));
  EXPECT_EQ(old_csr.der(), csr.der());

  EXPECT_EQ(CertificateRequest::FromPem("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CertificateRequest::FromPem(EncodePem("CERTIFICATE", blocks[0].second)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CertificateRequest::FromDer(csr.der() + std::string(1, '\0')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CertificateRequest::FromDer("garbage").status().code(), StatusCode::kInvalidArgument);
}

TEST(CsrTest, UnsupportedKeyFailsVerification) {
  TempDir dir;
  auto r = RunCommand("openssl req -new -newkey ed448 -nodes -keyout " + dir.File("k.pem") +
                      " -out " + dir.File("csr.pem") + " -subj /CN=ed448");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest csr,
                             CertificateRequest::FromPem(dir.Read("csr.pem")));
  EXPECT_EQ(csr.public_key().type(), KeyType::kOther);
  EXPECT_EQ(csr.VerifySignature().code(), StatusCode::kInvalidArgument);
}

TEST(CsrTest, CreateRejectsBadNames) {
  const auto& key = SharedKey(KeyType::kEcP256);
  EXPECT_EQ(CreateCsr(Name{.common_name = "x"}, {.ips = {"not-an-ip"}}, key).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateCsr(Name{.common_name = "\xc3"}, {}, key).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::pki

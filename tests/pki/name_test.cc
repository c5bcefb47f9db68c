#include "pki/name.h"

#include <gtest/gtest.h>

#include "crypto/openssl_cli_for_test.h"
#include "pki/csr.h"
#include "pki/extension.h"
#include "pki/test_pki_for_test.h"
#include "testing/fakes.h"

namespace cairn::pki {
namespace {

using ::testing::ElementsAre;

TEST(SplitSansTest, ClassifiesLikeStep) {
  SubjectAltNames s =
      SplitSans({"example.com", "127.0.0.1", "::1", "2001:DB8:0:0:0:0:0:1", "bob@example.com",
                 "spiffe://trust/ns/x", "mailto:a@b.c", "urn:uuid:1234", "*.wild.example",
                 "localhost", "1.2.3", "01.2.3.4", "user@host:22"});
  EXPECT_THAT(s.ips, ElementsAre("127.0.0.1", "::1", "2001:db8::1"));
  EXPECT_THAT(s.uris, ElementsAre("spiffe://trust/ns/x", "mailto:a@b.c", "urn:uuid:1234"));
  EXPECT_THAT(s.emails, ElementsAre("bob@example.com", "user@host:22"));
  EXPECT_THAT(s.dns,
              ElementsAre("example.com", "*.wild.example", "localhost", "1.2.3", "01.2.3.4"));
  EXPECT_EQ(s.size(), 13u);
  EXPECT_TRUE(SplitSans({}).empty());
}

TEST(CanonicalIpTest, Forms) {
  EXPECT_EQ(CanonicalIp("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(CanonicalIp("0:0:0:0:0:0:0:1"), "::1");
  EXPECT_EQ(CanonicalIp("FE80::0001"), "fe80::1");
  // As Go's net.IP.String: IPv4-mapped addresses are IPv4, IPv4-compatible ones stay hex.
  EXPECT_EQ(CanonicalIp("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(CanonicalIp("::FFFF:1"), "::ffff:1");
  EXPECT_EQ(CanonicalIp("::1.2.3.4"), "::102:304");
  EXPECT_EQ(CanonicalIp("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  EXPECT_EQ(CanonicalIp("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(CanonicalIp("::"), "::");
  EXPECT_EQ(CanonicalIp("1::"), "1::");
  EXPECT_EQ(CanonicalIp("256.0.0.1"), "");
  EXPECT_EQ(CanonicalIp("host"), "");
  EXPECT_EQ(CanonicalIp(""), "");
}

// Names are encoded as Go does: the RDN order of pkix.Name, multi-valued RDNs for repeated
// attributes, PrintableString when possible else UTF8String.
TEST(NameEncodingTest, MatchesGoLayout) {
  Name n;
  n.common_name = "Jane Doe";
  n.organization = {"Acme", "Acme & Co"};
  n.country = {"US"};
  n.province = {"California"};
  n.locality = {"San Francisco"};
  n.street_address = {"1 Main St"};
  n.postal_code = {"94105"};
  n.organizational_unit = {"Eng"};
  n.serial_number = "42";
  n.extra_names = {{"0.9.2342.19200300.100.1.25", "example"}};
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest csr,
                             CreateCsr(n, {}, testing::SharedKey(crypto::KeyType::kEcP256)));
  EXPECT_EQ(csr.subject(), n);
  EXPECT_EQ(csr.subject_string(),
            "0.9.2342.19200300.100.1.25=#13076578616d706c65,SERIALNUMBER=42,CN=Jane Doe,OU=Eng,"
            "O=Acme+O=Acme & Co,POSTALCODE=94105,STREET=1 Main St,L=San Francisco,ST=California,"
            "C=US");
  // Check the string types in the DER: "Acme & Co" has '&' so it is a UTF8String (0x0c);
  // "Jane Doe" is a PrintableString (0x13).
  const std::string der = csr.raw_subject();
  EXPECT_NE(der.find(std::string("\x13\x08") + "Jane Doe"), std::string::npos);
  EXPECT_NE(der.find(std::string("\x0c\x09") + "Acme & Co"), std::string::npos);
  EXPECT_NE(der.find(std::string("\x13\x04") + "Acme"), std::string::npos);
  // Both organizations share one RDN: a SET holding two AttributeTypeAndValues.
  cairn::testing::TempDir dir;
  dir.Write("csr.pem", csr.pem());
  auto r = cairn::testing::RunCommand("openssl req -in " + dir.File("csr.pem") +
                                      " -noout -subject -nameopt RFC2253");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("O=Acme & Co+O=Acme,"));  // openssl's own order
  EXPECT_FALSE(n.empty());
  EXPECT_TRUE(Name{}.empty());
}

TEST(ExtensionNamesTest, KeyUsage) {
  EXPECT_EQ(*ParseKeyUsage("digitalSignature"), uint32_t{kDigitalSignature});
  EXPECT_EQ(*ParseKeyUsage("digital_signature"), uint32_t{kDigitalSignature});
  EXPECT_EQ(*ParseKeyUsage("CERTSIGN"), uint32_t{kCertSign});
  EXPECT_EQ(*ParseKeyUsage("nonRepudiation"), uint32_t{kContentCommitment});
  EXPECT_EQ(*ParseKeyUsage("crl_sign"), uint32_t{kCrlSign});
  EXPECT_FALSE(ParseKeyUsage("fly").ok());
  EXPECT_THAT(KeyUsageNames(kCertSign | kDigitalSignature | kDecipherOnly),
              ElementsAre("digitalSignature", "certSign", "decipherOnly"));
}

TEST(ExtensionNamesTest, ExtKeyUsage) {
  EXPECT_EQ(*ExtKeyUsageOid("serverAuth"), "1.3.6.1.5.5.7.3.1");
  EXPECT_EQ(*ExtKeyUsageOid("client_auth"), "1.3.6.1.5.5.7.3.2");
  EXPECT_EQ(*ExtKeyUsageOid("OCSPSigning"), "1.3.6.1.5.5.7.3.9");
  EXPECT_EQ(*ExtKeyUsageOid("any"), "2.5.29.37.0");
  EXPECT_EQ(*ExtKeyUsageOid("1.2.3.4"), "1.2.3.4");
  EXPECT_FALSE(ExtKeyUsageOid("bogus").ok());
  EXPECT_EQ(ExtKeyUsageName("1.3.6.1.5.5.7.3.8"), "timeStamping");
  EXPECT_EQ(ExtKeyUsageName("1.2.3.4"), "1.2.3.4");
}

TEST(ExtensionNamesTest, DottedOids) {
  for (const char* ok : {"1.2", "2.5.29.17", "1.3.6.1.4.1.37476.9000.64.1", "0.0"}) {
    EXPECT_TRUE(IsDottedOid(ok)) << ok;
  }
  for (const char* bad : {"", "1", "3.1", "1..2", "1.2.", ".1.2", "1.02", "a.b", "1.2.-3"}) {
    EXPECT_FALSE(IsDottedOid(bad)) << bad;
  }
}

}  // namespace
}  // namespace cairn::pki

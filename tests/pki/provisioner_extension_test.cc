#include "pki/provisioner_extension.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/strings.h"
#include "testing/fakes.h"

namespace cairn::pki {
namespace {

std::string Hex(std::string_view s) { return HexEncode(s); }

// Built by hand from the ASN.1 in step-ca's authority/provisioner/extension.go (and matching
// the extension of step-ca's testdata/certs/good-extension.crt):
//   30 47                                  SEQUENCE, 71 bytes
//      02 01 01                            INTEGER 1 (JWK)
//      04 15 "mariano@smallstep.com"       OCTET STRING, 21 bytes
//      04 2b "nvgnR8wSzp...VWYBQ"          OCTET STRING, 43 bytes (the JWK kid)
TEST(ProvisionerExtensionTest, KnownAnswerJwk) {
  const std::string kid = "nvgnR8wSzpUlrt_tC3mvrhwhBx9Y7T1WL_JjcFVWYBQ";
  ASSERT_EQ(kid.size(), 43u);
  const std::string want = std::string("\x30\x47\x02\x01\x01\x04\x15", 7) +
                           "mariano@smallstep.com" + std::string("\x04\x2b", 2) + kid;
  ProvisionerExtension ext{.type = static_cast<int>(ProvisionerType::kJwk),
                           .name = "mariano@smallstep.com",
                           .credential_id = kid};
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string der, ext.Encode());
  EXPECT_EQ(Hex(der), Hex(want));
  // The same bytes, base64, as they appear inside good-extension.crt.
  EXPECT_EQ(Base64Encode(der),
            "MEcCAQEEFW1hcmlhbm9Ac21hbGxzdGVwLmNvbQQrbnZnblI4d1N6cFVscnRfdEMzbXZyaHdoQng5WTdUMVdM"
            "X0pqY0ZWV1lCUQ==");
  CAIRN_ASSERT_OK_AND_ASSIGN(ProvisionerExtension back, ProvisionerExtension::Decode(want));
  EXPECT_EQ(back, ext);

  CAIRN_ASSERT_OK_AND_ASSIGN(Extension x, ext.ToExtension());
  EXPECT_EQ(x.oid, "1.3.6.1.4.1.37476.9000.64.1");
  EXPECT_FALSE(x.critical);
  EXPECT_EQ(x.value, want);
}

// Key/value pairs: PrintableString when Go would use it, UTF8String otherwise.
TEST(ProvisionerExtensionTest, KnownAnswerKeyValuePairs) {
  ProvisionerExtension ext{.type = static_cast<int>(ProvisionerType::kAws),
                           .name = "aws",
                           .credential_id = "123",
                           .key_value_pairs = {"InstanceID", "i-0a", "a@b", "caf\xc3\xa9"}};
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string der, ext.Encode());
  const std::string want = std::string("\x30\x2d", 2) + std::string("\x02\x01\x04", 3) +
                           std::string("\x04\x03", 2) + "aws" + std::string("\x04\x03", 2) + "123" +
                           std::string("\x30\x1e", 2) + std::string("\x13\x0a", 2) + "InstanceID" +
                           std::string("\x13\x04", 2) + "i-0a" + std::string("\x0c\x03", 2) +
                           "a@b" + std::string("\x0c\x05", 2) + "caf\xc3\xa9";
  EXPECT_EQ(Hex(der), Hex(want));
  CAIRN_ASSERT_OK_AND_ASSIGN(ProvisionerExtension back, ProvisionerExtension::Decode(der));
  EXPECT_EQ(back, ext);
}

TEST(ProvisionerExtensionTest, RoundTripsEveryType) {
  for (int t = 1; t <= 11; ++t) {
    SCOPED_TRACE(t);
    EXPECT_FALSE(ProvisionerTypeName(t).empty());
    CAIRN_ASSERT_OK_AND_ASSIGN(ProvisionerType parsed,
                               ParseProvisionerType(ToLower(ProvisionerTypeName(t))));
    EXPECT_EQ(static_cast<int>(parsed), t);
    ProvisionerExtension ext{.type = t, .name = "p" + std::to_string(t)};
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string der, ext.Encode());
    CAIRN_ASSERT_OK_AND_ASSIGN(ProvisionerExtension back, ProvisionerExtension::Decode(der));
    EXPECT_EQ(back, ext);
  }
  EXPECT_EQ(ProvisionerTypeName(0), "");
  EXPECT_EQ(ProvisionerTypeName(12), "");
  EXPECT_EQ(ProvisionerTypeName(7), "X5C");
  EXPECT_EQ(ProvisionerTypeName(8), "K8sSA");
  EXPECT_FALSE(ParseProvisionerType("kms").ok());
}

TEST(ProvisionerExtensionTest, DecodeAcceptsWhatGoAccepts) {
  // IA5String values, and trailing elements inside the SEQUENCE, are accepted.
  const std::string ia5 = std::string("\x30\x0f\x02\x01\x02\x04\x01", 7) + "o" +
                          std::string("\x04\x00\x30\x03\x16\x01", 6) + "k" +
                          std::string("\x05\x00", 2);
  CAIRN_ASSERT_OK_AND_ASSIGN(ProvisionerExtension e, ProvisionerExtension::Decode(ia5));
  EXPECT_EQ(e.type, 2);
  EXPECT_EQ(e.name, "o");
  EXPECT_EQ(e.credential_id, "");
  EXPECT_EQ(e.key_value_pairs, std::vector<std::string>{"k"});
}

TEST(ProvisionerExtensionTest, DecodeRejectsMalformed) {
  const std::string good =
      std::string("\x30\x08\x02\x01\x01\x04\x01", 7) + "n" + std::string("\x04\x00", 2);
  CAIRN_ASSERT_OK(ProvisionerExtension::Decode(good));
  const std::string cases[] = {
      "",
      "garbage",
      good + "x",                                            // data after the SEQUENCE
      std::string("\x30\x06\x02\x01\x01\x04\x01", 7) + "n",  // missing credential
      std::string("\x30\x08\x04\x01\x01\x04\x01", 7) + "n" + std::string("\x04\x00", 2),  // type
      std::string("\x30\x0c\x02\x01\x01\x04\x01", 7) + "n" +
          std::string("\x04\x00\x30\x02\x02\x00", 6),  // kv not a string
      std::string("\x30\x09\x02\x01\x01\x04\x01", 7) + "n" + std::string("\x04\x00", 2),  // len
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(HexEncode(c));
    auto r = ProvisionerExtension::Decode(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  ProvisionerExtension bad{.type = 1, .name = "n", .key_value_pairs = {"\xff"}};
  EXPECT_EQ(bad.Encode().status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::pki

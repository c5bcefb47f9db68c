#include <gtest/gtest.h>

#include "crypto/der.h"
#include "crypto/pem.h"
#include "testing/fakes.h"

namespace cairn::crypto {
namespace {

TEST(PemTest, ParsesBlocksHeadersAndSkipsText) {
  const std::string text =
      "subject=CN = foo\n"
      "-----BEGIN CERTIFICATE-----\r\n"
      "aGVs\r\n"
      "bG8=\r\n"
      "-----END CERTIFICATE-----\r\n"
      "junk in between\n"
      "-----BEGIN EC PRIVATE KEY-----\n"
      "Proc-Type: 4,ENCRYPTED\n"
      "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n"
      "\n"
      "d29y\n"
      "bGQ=\n"
      "-----END EC PRIVATE KEY-----\n";
  CAIRN_ASSERT_OK_AND_ASSIGN(auto blocks, ParsePemBlocks(text));
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].type, "CERTIFICATE");
  EXPECT_EQ(blocks[0].bytes, "hello");
  EXPECT_TRUE(blocks[0].headers.empty());
  EXPECT_EQ(blocks[1].type, "EC PRIVATE KEY");
  EXPECT_EQ(blocks[1].bytes, "world");
  EXPECT_EQ(blocks[1].Header("Proc-Type"), "4,ENCRYPTED");
  EXPECT_EQ(blocks[1].Header("DEK-Info"), "AES-128-CBC,00112233445566778899AABBCCDDEEFF");
  EXPECT_EQ(blocks[1].Header("Missing"), "");
}

TEST(PemTest, EncodeMatchesGoLayout) {
  PemBlock b;
  b.type = "EC PRIVATE KEY";
  b.headers = {{"DEK-Info", "AES-256-CBC,00"}, {"Proc-Type", "4,ENCRYPTED"}};
  b.bytes = std::string(49, 'A');
  const std::string pem = EncodePem(b);
  EXPECT_EQ(pem,
            "-----BEGIN EC PRIVATE KEY-----\n"
            "Proc-Type: 4,ENCRYPTED\n"
            "DEK-Info: AES-256-CBC,00\n"
            "\n"
            "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
            "QQ==\n"
            "-----END EC PRIVATE KEY-----\n");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto back, ParsePemBlocks(pem));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].bytes, b.bytes);
  EXPECT_EQ(back[0].headers.size(), 2u);
  EXPECT_EQ(EncodePem("X", ""), "-----BEGIN X-----\n-----END X-----\n");
}

TEST(PemTest, Errors) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto none, ParsePemBlocks("no pem at all"));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(ParsePemBlocks("-----BEGIN X-----\naGVsbG8=\n").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePemBlocks("-----BEGIN X-----\naGVs!!bG8=\n-----END X-----\n").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePemBlocks("-----BEGIN X-----\n-----END Y-----\n").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePemBlocks(std::string(100, 'a'), 10).status().code(),
            StatusCode::kResourceExhausted);
  std::string many;
  for (int i = 0; i < 3; ++i) many += "-----BEGIN X-----\n-----END X-----\n";
  EXPECT_EQ(ParsePemBlocks(many, kMaxPemInput, 2).status().code(), StatusCode::kResourceExhausted);
  CAIRN_EXPECT_OK(ParsePemBlocks(many, kMaxPemInput, 3));
}

TEST(DerTest, ReaderAndWriter) {
  EXPECT_EQ(der::Int64(0), std::string("\x02\x01\x00", 3));
  EXPECT_EQ(der::Int64(1), "\x02\x01\x01");
  EXPECT_EQ(der::Int64(127), "\x02\x01\x7f");
  EXPECT_EQ(der::Int64(128), std::string("\x02\x02\x00\x80", 4));
  EXPECT_EQ(der::Int64(-1), "\x02\x01\xff");
  EXPECT_EQ(der::Int64(-129), "\x02\x02\xff\x7f");
  for (int64_t v :
       {int64_t{0}, int64_t{1}, int64_t{255}, int64_t{256}, int64_t{-256}, INT64_MAX, INT64_MIN}) {
    const std::string enc = der::Int64(v);
    der::Reader r(enc);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string_view c, r.Expect(der::kInteger));
    CAIRN_ASSERT_OK_AND_ASSIGN(int64_t back, der::ParseInt64(c));
    EXPECT_EQ(back, v);
  }
  const std::string long_body(300, 'x');
  const std::string tlv = der::Tlv(der::kOctetString, long_body);
  EXPECT_EQ(tlv.substr(0, 4), "\x04\x82\x01\x2c");
  const std::string two = tlv + der::Tlv(der::kNull, "");  // the Reader does not own its input
  der::Reader r(two);
  EXPECT_TRUE(r.PeekTag(der::kOctetString));
  CAIRN_ASSERT_OK_AND_ASSIGN(der::Element e, r.Next());
  EXPECT_EQ(e.contents, long_body);
  EXPECT_EQ(e.full, tlv);
  CAIRN_ASSERT_OK(r.Expect(der::kNull));
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.PeekTag(der::kNull));

  // Malformed encodings.
  for (const std::string& bad :
       {std::string("\x04", 1),
        std::string("\x04\x05"
                    "abc",
                    5),
        std::string("\x04\x80", 2), std::string("\x04\x81\x05", 3),
        std::string("\x04\x82\x00\x80", 4), std::string("\x1f\x01\x00", 3)}) {
    der::Reader br(bad);
    EXPECT_FALSE(br.Next().ok());
  }
  EXPECT_FALSE(der::ParseInt64("").ok());
  EXPECT_FALSE(der::ParseInt64(std::string("\x00\x01", 2)).ok());
  EXPECT_FALSE(der::ParseInt64("\xff\xff").ok());
  EXPECT_FALSE(der::ParseInt64(std::string(9, '\x01')).ok());
}

}  // namespace
}  // namespace cairn::crypto

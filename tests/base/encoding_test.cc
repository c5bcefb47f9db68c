#include "base/encoding.h"

#include "testing/fakes.h"

namespace cairn {
namespace {

// RFC 4648 §10 test vectors.
TEST(EncodingTest, Rfc4648Vectors) {
  const char* in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* b64[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(in[i]), b64[i]);
    EXPECT_EQ(*Base64Decode(b64[i]), in[i]);
    std::string url = b64[i];
    while (!url.empty() && url.back() == '=') url.pop_back();
    EXPECT_EQ(Base64UrlEncode(in[i]), url);
    EXPECT_EQ(*Base64UrlDecode(url), in[i]);
  }
}

TEST(EncodingTest, UrlAlphabetAndStrictness) {
  std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok());
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok());  // no padding in JOSE
  EXPECT_FALSE(Base64UrlDecode("Z").ok());
  EXPECT_FALSE(Base64UrlDecode("Zh").ok());  // non-canonical trailing bits
  EXPECT_FALSE(Base64Decode("Zg=a").ok());
  EXPECT_EQ(*Base64Decode("Zm9v\r\nYmFy"), "foobar");  // PEM line breaks
  EXPECT_EQ(*Base64Decode("Zg"), "f");                 // unpadded standard
}

// Every length (each remainder mod 3) and every byte value round-trips, at the encoded length
// RFC 4648 gives, with PEM's line breaks ignored on the way back.
TEST(EncodingTest, RoundTripsEveryLengthAndByte) {
  std::string data;
  for (int n = 0; n < 300; ++n) {
    SCOPED_TRACE(n);
    const std::string padded = Base64Encode(data);
    EXPECT_EQ(padded.size(), (data.size() + 2) / 3 * 4);
    EXPECT_EQ(*Base64Decode(padded), data);
    const std::string url = Base64UrlEncode(data);
    EXPECT_EQ(url.size(), (data.size() * 4 + 2) / 3);
    EXPECT_EQ(*Base64UrlDecode(url), data);
    std::string wrapped;
    for (size_t i = 0; i < padded.size(); i += 64) wrapped += padded.substr(i, 64) + "\n";
    EXPECT_EQ(*Base64Decode(wrapped), data);
    data.push_back(static_cast<char>((n * 151 + 7) & 0xff));
  }
}

TEST(EncodingTest, Hex) {
  EXPECT_EQ(HexEncode(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(*HexDecode("00ABff"), std::string("\x00\xab\xff", 3));
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

}  // namespace
}  // namespace cairn

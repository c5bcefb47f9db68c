#include "policy/idna.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/fakes.h"

namespace cairn::policy {
namespace {

struct PunycodeVector {
  std::u32string unicode;
  std::string encoded;
};

// RFC 3492 §7.1 samples plus the names used elsewhere in these tests.
const PunycodeVector kPunycodeVectors[] = {
    {U"bücher", "bcher-kva"},
    {U"münchen", "mnchen-3ya"},
    {U"例", "fsq"},
    // (A) Arabic (Egyptian)
    {U"\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631"
     U"\u0628\u064A\u061F",
     "egbpdaj6bu4bxfgehfvwxn"},
    // (B) Chinese (simplified)
    {U"\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587", "ihqwcrb4cv8a8dqg056pqjye"},
    // (L) 3<nen>B<gumi><kinpachi><sensei>
    {U"3\u5E74B\u7D44\u91D1\u516B\u5148\u751F", "3B-ww4c5e180e575a65lsy2b"},
    // (S) -> $1.00 <-  (basic code points only)
    {U"-> $1.00 <-", "-> $1.00 <--"},
};

TEST(PunycodeTest, EncodesRfc3492Samples) {
  for (const auto& v : kPunycodeVectors) {
    SCOPED_TRACE(v.encoded);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string got, PunycodeEncode(v.unicode));
    EXPECT_EQ(got, v.encoded);
  }
}

TEST(PunycodeTest, DecodesRfc3492Samples) {
  for (const auto& v : kPunycodeVectors) {
    SCOPED_TRACE(v.encoded);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::u32string got, PunycodeDecode(v.encoded));
    EXPECT_TRUE(got == v.unicode);
  }
}

TEST(PunycodeTest, DecodeEdgeCases) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::u32string empty, PunycodeDecode(""));
  EXPECT_TRUE(empty.empty());
  // A trailing delimiter means "basic code points only".
  CAIRN_ASSERT_OK_AND_ASSIGN(std::u32string basic, PunycodeDecode("abc-"));
  EXPECT_TRUE(basic == U"abc");
  // "bla" decodes to U+0202 (an upper-case letter), see IdnaLookupToAscii below.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::u32string bla, PunycodeDecode("bla"));
  EXPECT_TRUE(bla == U"\u0202");
  // Go rejects a leading delimiter with no basic code points before it.
  EXPECT_FALSE(PunycodeDecode("-bla").ok());
  EXPECT_FALSE(PunycodeDecode("bcher-kv!").ok());  // invalid digit
  EXPECT_FALSE(PunycodeDecode("bcher-k").ok());    // truncated
  EXPECT_FALSE(PunycodeDecode("99999999999").ok());
}

TEST(IdnaLookupTest, ConvertsAndLowerCases) {
  const struct {
    std::string in, want;
  } cases[] = {
      {"example.com", "example.com"},
      {"WWW.Example.COM", "www.example.com"},
      {"bücher.example.com", "xn--bcher-kva.example.com"},
      {"BÜCHER.example.com", "xn--bcher-kva.example.com"},
      {"xn--bcher-kva.example.com", "xn--bcher-kva.example.com"},
      {"XN--BCHER-KVA.example.com", "xn--bcher-kva.example.com"},
      {"例.jp", "xn--fsq.jp"},
      {"例\u3002jp", "xn--fsq.jp"},                                       // ideographic full stop
      {"\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45.com", "example.com"},  // full-width
      {".example.com", ".example.com"},                                   // empty labels kept
      {"example.com.", "example.com."},
      {"a-b.example.com", "a-b.example.com"},
      {"soft\u00ADhyphen.com", "softhyphen.com"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string got, IdnaLookupToAscii(c.in));
    EXPECT_EQ(got, c.want);
  }
}

TEST(IdnaLookupTest, RejectsInvalidNames) {
  const struct {
    std::string in, message;
  } cases[] = {
      {"_acme.example.com", "idna: disallowed rune U+005F"},
      {"*.example.com", "idna: disallowed rune U+002A"},
      {"with space.com", "idna: disallowed rune U+0020"},
      {"a\\b.com", "idna: disallowed rune U+005C"},
      {"nb\u00A0sp.com", "idna: disallowed rune U+00A0"},
      {"-lead.com", "idna: invalid label \"-lead\""},
      {"trail-.com", "idna: invalid label \"trail-\""},
      {"ab--cd.com", "idna: invalid label \"ab--cd\""},
      {"xn--bla.local", "idna: invalid label \"\u0202\""},  // decodes to a capital letter
      {"xn---bla.jp", "idna: invalid label \"-bla\""},
      {"\xff.com", "idna: disallowed rune U+FFFD"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    Result<std::string> got = IdnaLookupToAscii(c.in);
    ASSERT_FALSE(got.ok()) << *got;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(got.status().message(), c.message);
  }
}

TEST(IdnaPunycodeTest, EncodesWithoutMapping) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string a, IdnaPunycodeToAscii("Example.COM"));
  EXPECT_EQ(a, "Example.COM");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string b, IdnaPunycodeToAscii("bücher.de"));
  EXPECT_EQ(b, "xn--bcher-kva.de");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string c, IdnaPunycodeToAscii("xn--fsq.jp"));
  EXPECT_EQ(c, "xn--fsq.jp");
  EXPECT_FALSE(IdnaPunycodeToAscii("xn---bla.jp").ok());
}

TEST(UnicodeTest, Utf8AndCaseFolding) {
  EXPECT_FALSE(DecodeUtf8("\xc0\x80").ok());      // overlong
  EXPECT_FALSE(DecodeUtf8("\xed\xa0\x80").ok());  // surrogate
  EXPECT_FALSE(DecodeUtf8("\xe4\xbe").ok());      // truncated
  CAIRN_ASSERT_OK_AND_ASSIGN(std::u32string cps, DecodeUtf8("a例😀"));
  EXPECT_TRUE(cps == U"a例😀");
  EXPECT_EQ(EncodeUtf8(cps), "a例😀");
  EXPECT_TRUE(EqualFold("ÄBC Straße", "äbc straße"));
  EXPECT_TRUE(EqualFold("ПРИВЕТ", "привет"));
  EXPECT_FALSE(EqualFold("abc", "abd"));
  EXPECT_EQ(ToLowerText("My ÜBER Service"), "my über service");
}

}  // namespace
}  // namespace cairn::policy

#include "base/json_flat.h"

#include <random>
#include <string>
#include <vector>

#include "testing/fakes.h"

namespace cairn {
namespace {

// Same reports whether the fast path's answer is nlohmann's, value and types alike.
::testing::AssertionResult Same(const std::string& text, const nlohmann::json& fast) {
  nlohmann::json slow = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (slow.is_discarded()) return ::testing::AssertionFailure() << "nlohmann refuses " << text;
  if (slow != fast || slow.dump() != fast.dump()) {
    return ::testing::AssertionFailure() << text << ": " << fast.dump() << " vs " << slow.dump();
  }
  for (auto it = slow.begin(); it != slow.end(); ++it) {
    if (it.value().type() != fast[it.key()].type()) {
      return ::testing::AssertionFailure() << text << ": type of " << it.key() << " differs";
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(FlatJsonTest, ReadsTheShapesOfASignRequestAndAToken) {
  const std::vector<std::string> accepted = {
      R"({"csr":"-----BEGIN CERTIFICATE REQUEST-----","ott":"eyJhbGciOi.eyJ.sig"})",
      R"({"alg":"ES256","kid":"AVrx72ce6IQ8eIPRs7B395fC_Sju0Ur8SfXPCZOjkTw","typ":"JWT"})",
      R"({"aud":"https://127.0.0.1:443/1.0/sign","exp":1795000000,"iat":1794999700,)"
      R"("iss":"bench","jti":"0f1e","nbf":1794999700,"sans":["a.example","127.0.0.1"],)"
      R"("sha":"abc","sub":"a.example"})",
      "{}",
      " { } ",
      "\t{\r\n\"a\" :\t[ ] , \"b\":[\"x\" ,\"y\"] }\n",
      R"({"t":true,"f":false,"n":null,"z":0,"neg":-5,"big":999999999999999999})",
      R"({"min":-999999999999999999,"e":"","s":" ~!#$%&'()*+,-./:;<=>?@[]^_`{|}"})",
      R"({"a":1,"b":2,"c":[]})",
      R"({"csr":"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"})",
      R"({"e":"\"\\\/\b\f\n\r\t","\n":["\t","a\\b"]})",
  };
  for (const std::string& text : accepted) {
    std::optional<nlohmann::json> fast = ParseFlatJsonObject(text);
    ASSERT_TRUE(fast.has_value()) << text;
    EXPECT_TRUE(Same(text, *fast));
  }
  EXPECT_TRUE(ParseFlatJsonObject(R"({"big":999999999999999999})")->at("big").is_number_unsigned());
  EXPECT_TRUE(ParseFlatJsonObject(R"({"n":-1})")->at("n").is_number_integer());
}

TEST(FlatJsonTest, LeavesEverythingElseToTheFullParser) {
  const std::vector<std::string> declined = {
      // Valid JSON outside the flat shape.
      R"({"a":"\u0041"})", R"({"a":"\x"})", R"({"a":"\)", R"({"a":"é"})", "{\"a\":\"\x7f\"}",
      R"({"a":{"b":1}})", R"({"a":[1]})", R"({"a":[["x"]]})", R"({"a":1.5})", R"({"a":1e3})",
      R"({"a":1E3})", R"({"a":-0})", R"({"a":1234567890123456789})", R"([])", R"("x")", "1",
      "\xef\xbb\xbf{}",
      // Duplicate names: nlohmann keeps the last, JOSE refuses them; not ours to choose.
      R"({"a":1,"a":2})",
      // Malformed.
      "", "{", "}", R"({"a"})", R"({"a":})", R"({"a":1,})", R"({,})", R"({"a":01})", R"({"a":-})",
      R"({"a":tru})", R"({"a":truex})", R"({"a":nul})", R"({"a":"x)", R"({"a":["x",]})",
      R"({"a":["x")", R"({"a":1}x)", R"({"a":1}{})", R"({a:1})", R"({"a":'x'})", "{\"a\":\"x\ny\"}",
      R"({"a":12a})", R"({"a":+1})", R"({"a":.5})"};
  for (const std::string& text : declined) {
    EXPECT_FALSE(ParseFlatJsonObject(text).has_value()) << text;
  }
}

// Random edits of a token's claims: whatever the fast path accepts, nlohmann reads the same.
TEST(FlatJsonTest, AgreesWithNlohmannOnRandomEdits) {
  const std::string base =
      R"({"aud":["https://ca/1.0/sign"],"exp":1795000000,"iss":"bench","nbf":-12,)"
      R"("sans":["a.example"],"t":true,"n":null,"e":[],"s":"x y\n\"z\"","p":"a\\b\/c"})";
  const std::string alphabet = "{}[]\":,0123456789-.eE+ \t\ntruefalsnxbfu/\\\\\x01\x7f\xc3";
  std::mt19937 rng(20261123);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (text.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1);
          break;
        default:
          if (at < text.size()) text[at] = c;
      }
    }
    if (std::optional<nlohmann::json> fast = ParseFlatJsonObject(text)) {
      ++accepted;
      ASSERT_TRUE(Same(text, *fast));
    }
  }
  EXPECT_GT(accepted, 1000);  // the edits leave many inputs in the flat shape
}

}  // namespace
}  // namespace cairn

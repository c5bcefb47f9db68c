#include "base/strings.h"

#include <nlohmann/json.hpp>

#include "testing/fakes.h"

namespace cairn {
namespace {

TEST(StringsTest, Basics) {
  EXPECT_EQ(ToLower("AbC-1"), "abc-1");
  EXPECT_EQ(Trim("  x y \n"), "x y");
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_TRUE(EqualsIgnoreCase("Host", "hOST"));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secre"));
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
}

}  // namespace
}  // namespace cairn

namespace cairn {
namespace {

TEST(AppendJsonStringTest, QuotesAndEscapesWhatJsonRequires) {
  std::string out = "x=";
  AppendJsonString(out, "a\"b\\c\nd\re\tf\x01 é/");
  EXPECT_EQ(out, "x=\"a\\\"b\\\\c\\nd\\re\\tf\\u0001 é/\"");
  // What nlohmann reads back is the input.
  EXPECT_EQ(nlohmann::json::parse(out.substr(2)).get<std::string>(), "a\"b\\c\nd\re\tf\x01 é/");
}

}  // namespace
}  // namespace cairn

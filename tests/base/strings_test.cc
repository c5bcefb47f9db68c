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

TEST(AppendJsonStringTest, RunsBetweenEscapesAndAtTheEdges) {
  // Escapes first, last, adjacent and between long plain runs (a PEM block's shape); every
  // byte below 0x20 is escaped, and what nlohmann reads back is the input.
  std::string in = "\n" + std::string(64, 'A') + "\n\n" + std::string(100, 'z') + "\x1f\"";
  for (int c = 0; c < 0x20; ++c) in.push_back(static_cast<char>(c));
  std::string out;
  AppendJsonString(out, in);
  EXPECT_EQ(out.substr(0, 4), "\"\\nA");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), in);
  std::string empty;
  AppendJsonString(empty, "");
  EXPECT_EQ(empty, "\"\"");
}

}  // namespace
}  // namespace cairn

#include "base/strings.h"

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

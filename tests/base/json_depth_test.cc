#include "base/json_depth.h"

#include "testing/fakes.h"

namespace cairn {
namespace {

TEST(JsonDepthTest, CountsArraysAndObjectsNotStrings) {
  EXPECT_EQ(JsonNestingDepth("1"), 0);
  EXPECT_EQ(JsonNestingDepth("{}"), 1);
  EXPECT_EQ(JsonNestingDepth(R"({"a":[{"b":[]}],"c":{}})"), 4);
  EXPECT_EQ(JsonNestingDepth(R"({"a":"[[[[{{{{"})"), 1);
  EXPECT_EQ(JsonNestingDepth(R"({"a":"\"[[[["})"), 1);
  EXPECT_EQ(JsonNestingDepth(std::string(100000, '[')), 100000);
}

}  // namespace
}  // namespace cairn

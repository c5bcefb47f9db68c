#include "base/duration.h"

#include "testing/fakes.h"

namespace cairn {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(DurationTest, ParsesGoSyntax) {
  EXPECT_EQ(*ParseGoDuration("24h"), hours(24));
  EXPECT_EQ(*ParseGoDuration("1h30m"), minutes(90));
  EXPECT_EQ(*ParseGoDuration("-5m"), -minutes(5));
  EXPECT_EQ(*ParseGoDuration("+1h"), hours(1));
  EXPECT_EQ(*ParseGoDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*ParseGoDuration("300ms"), milliseconds(300));
  EXPECT_EQ(*ParseGoDuration("0"), Duration(0));
  EXPECT_EQ(*ParseGoDuration("0s"), Duration(0));
  EXPECT_EQ(*ParseGoDuration("87600h"), hours(87600));
  EXPECT_EQ(*ParseGoDuration("2\xC2\xB5s"), std::chrono::microseconds(2));
  for (const char* bad :
       {"", "h", "1d", "1", "--1h", "1h-", "abc", "1.h2", ".s", "9999999999999999999h"}) {
    EXPECT_FALSE(ParseGoDuration(bad).ok()) << bad;
  }
}

TEST(DurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(hours(24)), "24h0m0s");
  EXPECT_EQ(FormatGoDuration(minutes(5)), "5m0s");
  EXPECT_EQ(FormatGoDuration(seconds(1)), "1s");
  EXPECT_EQ(FormatGoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatGoDuration(milliseconds(300)), "300ms");
  EXPECT_EQ(FormatGoDuration(Duration(0)), "0s");
  EXPECT_EQ(FormatGoDuration(-minutes(90)), "-1h30m0s");
}

TEST(TimeTest, Rfc3339RoundTrip) {
  auto t = ParseRfc3339("2026-11-22T06:04:12Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(ToUnixSeconds(*t), 1795327452);
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-22T06:04:12Z");
  EXPECT_EQ(*ParseRfc3339("2026-11-22T07:04:12+01:00"), *t);
  EXPECT_EQ(FormatRfc3339Nano(*ParseRfc3339("2026-11-22T06:04:12.250Z")),
            "2026-11-22T06:04:12.25Z");
  for (const char* bad : {"2026-11-22", "2026-11-22T06:04:12", "2026-13-01T00:00:00Z",
                          "2026-11-22T06:04:12Zjunk", "2026-11-22 06:04:12Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

// Time holds 1677-09-21 to 2262-04-11 (nanoseconds in 64 bits): beyond is refused, not
// wrapped around.
TEST(TimeTest, Rfc3339OutOfTimesRange) {
  auto last = ParseRfc3339("2262-04-11T23:47:15.999999999Z");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(ToUnixSeconds(*last), kMaxUnixSeconds - 1);
  auto first = ParseRfc3339("1677-09-21T00:12:45Z");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(ToUnixSeconds(*first), -kMaxUnixSeconds + 1);
  for (const char* bad : {"2262-04-11T23:47:16Z", "9999-12-31T23:59:59Z", "1677-09-21T00:12:44Z",
                          "0001-01-01T00:00:00Z"}) {
    auto t = ParseRfc3339(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_THAT(t.status().message(), ::testing::HasSubstr("out of range")) << bad;
  }
}

TEST(TimeTest, TimeOrDuration) {
  Time base = FromUnixSeconds(1000);
  auto rel = TimeOrDuration::Parse("1h");
  ASSERT_TRUE(rel.ok());
  EXPECT_TRUE(rel->is_relative());
  EXPECT_EQ(rel->Resolve(base), base + hours(1));
  auto abs = TimeOrDuration::Parse("2026-11-22T06:04:12Z");
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(ToUnixSeconds(abs->Resolve(base)), 1795327452);
  EXPECT_FALSE(TimeOrDuration::Parse("").value().is_set());
  EXPECT_FALSE(TimeOrDuration::Parse("tomorrow").ok());
}

}  // namespace
}  // namespace cairn

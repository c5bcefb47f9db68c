// Tests of Go time layouts (format and parse), sprig's date functions and step's time
// functions, with a fixed clock.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z, a Thursday (FakeClock default)

Value S(std::string s) { return Value::String(std::move(s)); }
Value I(int64_t i) { return Value::Int(i); }

GoTime At(int64_t secs, int64_t nanos = 0, int offset = 0, std::string zone = "UTC") {
  auto t = internal::MakeTime(secs, nanos, offset, std::move(zone));
  EXPECT_TRUE(t.ok());
  return *t;
}

bool HaveZone(const char* name) {
  return std::filesystem::exists(std::string("/usr/share/zoneinfo/") + name);
}

TEST(GoTimeFormatTest, ReferenceLayouts) {
  GoTime t = At(kNow);
  struct Case {
    const char* layout;
    const char* want;
  } cases[] = {
      {"2006-01-02T15:04:05Z07:00", "2026-01-01T00:00:00Z"},
      {"2006-01-02T15:04:05.999999999Z07:00", "2026-01-01T00:00:00Z"},
      {"2006-01-02T15:04:05.000Z07:00", "2026-01-01T00:00:00.000Z"},
      {"Mon, 02 Jan 2006 15:04:05 MST", "Thu, 01 Jan 2026 00:00:00 UTC"},
      {"Mon Jan _2 15:04:05 2006", "Thu Jan  1 00:00:00 2026"},
      {"02 Jan 06 15:04 -0700", "01 Jan 26 00:00 +0000"},
      {"Monday, 02-Jan-06 15:04:05 MST", "Thursday, 01-Jan-26 00:00:00 UTC"},
      {"3:04PM", "12:00AM"},
      {"January 2, 2006 3pm", "January 1, 2026 12am"},
      {"__2 002", "  1 001"},
      {"2006-01-02 15:04:05 Z0700", "2026-01-01 00:00:00 Z"},
      {"Jan Janet", "Jan Janet"},  // "Jan" followed by lower case is literal
      {"1/2/06", "1/1/26"},
  };
  for (const Case& c : cases) EXPECT_EQ(internal::FormatGoTime(t, c.layout), c.want) << c.layout;

  GoTime frac = At(kNow + 3600 * 15 + 4 * 60 + 5, 120000000);
  EXPECT_EQ(internal::FormatGoTime(frac, "15:04:05.999"), "15:04:05.12");
  EXPECT_EQ(internal::FormatGoTime(frac, "15:04:05.000000"), "15:04:05.120000");
  EXPECT_EQ(internal::FormatGoTime(frac, "15:04:05,000"), "15:04:05,120");
  EXPECT_EQ(internal::FormatGoTime(frac, "3:04:05 PM"), "3:04:05 PM");

  GoTime est = internal::InZone(At(kNow), -5 * 3600, "EST");
  EXPECT_EQ(internal::FormatGoTime(est, "2006-01-02T15:04:05Z07:00"), "2025-12-31T19:00:00-05:00");
  EXPECT_EQ(internal::FormatGoTime(est, "Z0700 -07 -07:00:00 MST"), "-0500 -05 -05:00:00 EST");
  GoTime ist = internal::InZone(At(kNow), 5 * 3600 + 1800, "");
  EXPECT_EQ(internal::FormatGoTime(ist, "-0700 MST"), "+0530 +0530");
  EXPECT_EQ(internal::FormatGoTime(internal::ZeroTime(), "2006-01-02T15:04:05Z07:00"),
            "0001-01-01T00:00:00Z");
}

TEST(GoTimeParseTest, ParsesAndReportsGoErrors) {
  struct Case {
    const char* layout;
    const char* value;
    const char* want;  // Print() of the time, or the error message
    bool error = false;
  } cases[] = {
      {"2006-01-02T15:04:05Z07:00", "2024-07-02T23:16:02Z", "2024-07-02 23:16:02 +0000 UTC"},
      {"2006-01-02T15:04:05Z07:00", "2024-07-02T23:16:02.5+02:00",
       "2024-07-02 23:16:02.5 +0200 +0200"},
      {"2006-01-02T15:04:05Z07:00", "2024-07-02T23:16:02+00:00", "2024-07-02 23:16:02 +0000 UTC"},
      {"2006-01-02", "2017-12-31", "2017-12-31 00:00:00 +0000 UTC"},
      {"2006-01-02 15:04:05", "2024-01-01 10:00:00.25", "2024-01-01 10:00:00.25 +0000 UTC"},
      {"Jan _2 2006", "Feb  3 2024", "2024-02-03 00:00:00 +0000 UTC"},
      {"January 2 2006 3:04pm", "march 9 2024 3:04pm", "2024-03-09 15:04:00 +0000 UTC"},
      {"Mon Jan _2 15:04:05 MST 2006", "Tue Jul  2 16:20:48 PDT 2024",
       "2024-07-02 16:20:48 +0000 PDT"},
      {"02 Jan 06 15:04 -0700", "05 Mar 70 01:02 -0130", "1970-03-05 01:02:00 -0130 -0130"},
      {"2006-002", "2024-060", "2024-02-29 00:00:00 +0000 UTC"},
      {"2006-01-02T15:04:05Z07:00", "bad",
       "parsing time \"bad\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"bad\" as \"2006\"",
       true},
      {"2006-01-02", "2024-02-30", "parsing time \"2024-02-30\": day out of range", true},
      {"2006-01-02", "2024-13-01", "parsing time \"2024-13-01\": month out of range", true},
      {"2006-01-02", "2024-01-01x", "parsing time \"2024-01-01x\": extra text: \"x\"", true},
      {"15:04", "25:00", "parsing time \"25:00\": hour out of range", true},
  };
  for (const Case& c : cases) {
    auto t = internal::ParseGoTime(c.layout, c.value);
    if (c.error) {
      ASSERT_FALSE(t.ok()) << c.value;
      EXPECT_EQ(t.status().message(), c.want);
    } else {
      ASSERT_TRUE(t.ok()) << c.value << ": " << t.status();
      EXPECT_EQ(Value::Time(*t).Print(), c.want);
    }
  }
}

TEST(GoTimeZoneTest, LoadsIanaZones) {
  if (!HaveZone("America/New_York")) GTEST_SKIP() << "no tzdata";
  auto ny = internal::LoadLocation("America/New_York");
  ASSERT_TRUE(ny.ok()) << ny.status();
  EXPECT_EQ(internal::FormatGoTime(internal::In(At(kNow), *ny), "2006-01-02 15:04 MST -07:00"),
            "2025-12-31 19:00 EST -05:00");
  // Daylight saving time in July.
  EXPECT_EQ(internal::FormatGoTime(internal::In(At(1719878400), *ny), "15:04 MST"), "20:00 EDT");
  auto bad = internal::LoadLocation("Mars/Olympus_Mons");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "unknown time zone Mars/Olympus_Mons");
  EXPECT_FALSE(internal::LoadLocation("../../etc/passwd").ok());
  EXPECT_TRUE(internal::LoadLocation("UTC").ok());
  EXPECT_TRUE(internal::LoadLocation("Local").ok());
}

class DateFuncsTest : public ::testing::Test {
 protected:
  Result<Value> Call(const std::string& name, std::vector<Value> args) {
    auto it = funcs_.find(name);
    if (it == funcs_.end()) return NotFoundError(name);
    return it->second(std::span<const Value>(args));
  }
  std::string P(const std::string& name, std::vector<Value> args) {
    auto r = Call(name, std::move(args));
    EXPECT_TRUE(r.ok()) << name << ": " << r.status();
    return r.ok() ? r->Print() : "";
  }
  std::string Err(const std::string& name, std::vector<Value> args) {
    auto r = Call(name, std::move(args));
    EXPECT_FALSE(r.ok()) << name;
    return r.ok() ? "" : r.status().message();
  }

  cairn::testing::FakeClock clock_;
  cairn::testing::FakeRandom random_;
  FuncMap funcs_ = StepFuncMap(FuncEnv{&clock_, &random_});
};

TEST_F(DateFuncsTest, SprigDates) {
  Value now = *Call("now", {});
  EXPECT_EQ(now.Print(), "2026-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(P("date", {S("2006-01-02"), now}), "2026-01-01");
  EXPECT_EQ(P("date", {S("2006-01-02 15:04"), I(0)}), "1970-01-01 00:00");
  // A float (a JSON number) is not a date for sprig: it formats "now".
  EXPECT_EQ(P("date", {S("2006"), Value::Float(0)}), "2026");
  EXPECT_EQ(P("htmlDate", {I(86400)}), "1970-01-02");
  EXPECT_EQ(P("dateInZone", {S("15:04 MST"), I(0), S("Not/AZone")}), "00:00 UTC");
  if (HaveZone("Asia/Tokyo")) {
    EXPECT_EQ(P("date_in_zone", {S("2006-01-02 15:04 MST"), now, S("Asia/Tokyo")}),
              "2026-01-01 09:00 JST");
    EXPECT_EQ(P("htmlDateInZone", {I(0), S("Asia/Tokyo")}), "1970-01-01");
  }
  Value t = Value::Time(At(kNow));
  EXPECT_EQ(P("dateModify", {S("-1.5h"), t}), "2025-12-31 22:30:00 +0000 UTC");
  EXPECT_EQ(P("date_modify", {S("bad"), t}), "2026-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(Err("mustDateModify", {S("bad"), t}), "time: invalid duration \"bad\"");
  EXPECT_EQ(Err("dateModify", {S("1h"), S("2024")}),
            "wrong type for value; expected time.Time; got string");
  EXPECT_EQ(P("ago", {Value::Time(At(kNow - 90, 400000000))}), "1m30s");
  EXPECT_EQ(P("ago", {I(kNow - 3600)}), "1h0m0s");
  EXPECT_EQ(P("duration", {S("95")}), "1m35s");
  EXPECT_EQ(P("duration", {I(3600)}), "1h0m0s");
  EXPECT_EQ(P("duration", {Value::Float(5)}), "0s");
  EXPECT_EQ(P("durationRound", {S("2h10m5s")}), "2h");
  EXPECT_EQ(P("durationRound", {S("400h")}), "16d");
  EXPECT_EQ(P("durationRound", {S("-3m")}), "3m");
  EXPECT_EQ(P("durationRound", {S("8761h")}), "1y");
  EXPECT_EQ(P("durationRound", {S("1s")}), "0s");
  EXPECT_EQ(P("durationRound", {Value::Time(At(kNow - 86400 * 45))}), "1mo");
  EXPECT_EQ(P("toDate", {S("2006-01-02"), S("2017-12-31")}), "2017-12-31 00:00:00 +0000 UTC");
  EXPECT_EQ(P("toDate", {S("2006-01-02"), S("nope")}), "0001-01-01 00:00:00 +0000 UTC");
  EXPECT_NE(Err("mustToDate", {S("2006-01-02"), S("nope")}).find("cannot parse"),
            std::string::npos);
  EXPECT_EQ(P("unixEpoch", {t}), "1767225600");
}

TEST_F(DateFuncsTest, StepTimeFunctions) {
  EXPECT_EQ(P("toTime", {Value::Float(1719878400)}), "2024-07-02 00:00:00 +0000 UTC");
  EXPECT_EQ(P("toTime", {I(0)}), "1970-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(P("toTime", {S("x")}), "2026-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(P("toTime", {Value::Time(internal::InZone(At(kNow), 3600, "CET"))}),
            "2026-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(P("formatTime", {I(0)}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(P("formatTime", {Value::Time(At(kNow, 999))}), "2026-01-01T00:00:00Z");
  EXPECT_EQ(Err("formatTime", {}), "wrong number of args for formatTime: want 1 got 0");

  EXPECT_EQ(P("parseTime", {}), "2026-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(P("parseTime", {S("2024-07-02T23:16:02Z")}), "2024-07-02 23:16:02 +0000 UTC");
  EXPECT_EQ(P("parseTime", {S("time.RFC3339"), S("2024-07-02T23:16:02-07:00")}),
            "2024-07-02 23:16:02 -0700 -0700");
  EXPECT_EQ(P("parseTime", {S("DateOnly"), S("2024-07-02")}), "2024-07-02 00:00:00 +0000 UTC");
  EXPECT_EQ(P("parseTime", {S("2006/01/02"), S("2024/07/02")}), "2024-07-02 00:00:00 +0000 UTC");
  EXPECT_EQ(P("parseTime", {S("garbage")}), "0001-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(P("parseTime", {S("a"), S("b"), S("c"), S("d")}), "0001-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(Err("parseTime", {I(1)}), "wrong type for value; expected string; got int");
  EXPECT_NE(Err("mustParseTime", {S("garbage")}).find("parsing time \"garbage\""),
            std::string::npos);
  EXPECT_EQ(Err("mustParseTime", {S("a"), S("b"), S("c"), S("d")}),
            "unsupported number of parameters");
  EXPECT_EQ(Err("mustParseTime", {S("RFC3339"), S("2024-07-02T23:16:02Z"), S("Nowhere/X")}),
            "unknown time zone Nowhere/X");
  if (HaveZone("America/Los_Angeles")) {
    EXPECT_EQ(P("parseTime",
                {S("time.UnixDate"), S("Tue Jul  2 16:20:48 PDT 2024"), S("America/Los_Angeles")}),
              "2024-07-02 16:20:48 -0700 PDT");
    EXPECT_EQ(P("parseTime", {S("DateTime"), S("2024-01-02 03:04:05"), S("America/Los_Angeles")}),
              "2024-01-02 03:04:05 -0800 PST");
  }

  EXPECT_EQ(P("toTimeLayout", {S("RFC3339")}), "2006-01-02T15:04:05Z07:00");
  EXPECT_EQ(P("toTimeLayout", {S("time.RFC3339Nano")}), "2006-01-02T15:04:05.999999999Z07:00");
  EXPECT_EQ(P("toTimeLayout", {S("kitchen")}), "3:04PM");
  EXPECT_EQ(P("toTimeLayout", {S("ANSIC")}), "Mon Jan _2 15:04:05 2006");
  EXPECT_EQ(P("toTimeLayout", {S("UnixDate")}), "Mon Jan _2 15:04:05 MST 2006");
  EXPECT_EQ(P("toTimeLayout", {S("RFC822")}), "02 Jan 06 15:04 MST");
  EXPECT_EQ(P("toTimeLayout", {S("RFC1123")}), "Mon, 02 Jan 2006 15:04:05 MST");
  EXPECT_EQ(P("toTimeLayout", {S("DateTime")}), "2006-01-02 15:04:05");
  EXPECT_EQ(P("toTimeLayout", {S("TimeOnly")}), "15:04:05");
  EXPECT_EQ(P("toTimeLayout", {S("Layout")}), "01/02 03:04:05PM '06 -0700");
  EXPECT_EQ(P("toTimeLayout", {S("2006-01")}), "2006-01");
}

TEST_F(DateFuncsTest, FailCarriesTheAuthorsMessage) {
  auto r = Call("fail", {S("the CN must be a host name")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsFailError(r.status()));
  EXPECT_EQ(r.status().public_message(), "the CN must be a host name");
  // The engine annotates errors with the template position; the mark survives.
  EXPECT_TRUE(IsFailError(r.status().Annotate("template: leaf:3:14")));
  EXPECT_FALSE(IsFailError(InvalidArgumentError("the CN must be a host name")));
  EXPECT_FALSE(IsFailError(Status()));
  EXPECT_EQ(Err("fail", {I(1)}), "wrong type for value; expected string; got int");
}

}  // namespace
}  // namespace cairn::templates

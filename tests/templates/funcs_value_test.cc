// Tests of templates::Value: Go's %v printing, encoding/json marshalling, %T and reflect
// kinds, field access, truth, comparison, and the float/JSON helpers behind them.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "templates/internal/funcs_util.h"
#include "templates/value.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

using internal::FormatFloat;
using internal::MarshalJson;

GoTime MakeUtc(int64_t unix_seconds, int64_t nanos = 0) {
  auto t = internal::MakeTime(unix_seconds, nanos, 0, "UTC");
  EXPECT_TRUE(t.ok());
  return *t;
}

Value Subject() {
  Struct s;
  s.type_name = "x509util.Subject";
  s.fields.push_back({"CommonName", "commonName", true, Value::String("leaf")});
  s.fields.push_back({"Country", "country", true, Value::MakeList({})});
  s.fields.push_back({"SerialNumber", "serialNumber", true, Value::String("")});
  s.fields.push_back({"Extra", "extra", false, Value()});
  return Value::MakeStruct(std::move(s));
}

TEST(FormatFloatTest, MatchesStrconvShortestG) {
  struct Case {
    double in;
    const char* want;
  } cases[] = {
      {0, "0"},
      {1, "1"},
      {1.5, "1.5"},
      {100000, "100000"},
      {1e6, "1e+06"},
      {1234567, "1.234567e+06"},
      {1.7e9, "1.7e+09"},
      {123456789, "1.23456789e+08"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {0.1, "0.1"},
      {-2.5, "-2.5"},
      {1e21, "1e+21"},
      {1e100, "1e+100"},
      {3.141592653589793, "3.141592653589793"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
      {-0.0, "-0"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatFloat(c.in, 'g', -1), c.want) << c.in;
    EXPECT_EQ(Value::Float(c.in).Print(), c.want) << c.in;
  }
  EXPECT_EQ(FormatFloat(1e6, 'f', -1), "1000000");
  EXPECT_EQ(FormatFloat(1.5, 'e', -1), "1.5e+00");
  EXPECT_EQ(FormatFloat(2.0 / 3, 'f', 3), "0.667");
}

TEST(ValuePrintTest, PrintsLikeFmtV) {
  EXPECT_EQ(Value().Print(), "<nil>");
  EXPECT_EQ(Value::Bool(true).Print(), "true");
  EXPECT_EQ(Value::Int(-42).Print(), "-42");
  EXPECT_EQ(Value::Uint(18446744073709551615ull).Print(), "18446744073709551615");
  EXPECT_EQ(Value::String("a b").Print(), "a b");
  EXPECT_EQ(Value::MakeList({Value::String("a"), Value::Int(1), Value()}).Print(), "[a 1 <nil>]");
  EXPECT_EQ(Value::MakeList({}).Print(), "[]");
  Map m;
  m["b"] = Value::Float(2);
  m["a"] = Value::MakeList({Value::String("x")});
  EXPECT_EQ(Value::MakeMap(m).Print(), "map[a:[x] b:2]");
  EXPECT_EQ(Value::MakeMap({}).Print(), "map[]");
  EXPECT_EQ(Subject().Print(), "{leaf []  <nil>}");
  Struct ptr;
  ptr.type_name = "*rsa.PublicKey";
  ptr.fields.push_back({"E", "e", false, Value::Int(65537)});
  EXPECT_EQ(Value::MakeStruct(ptr).Print(), "&{65537}");
  EXPECT_EQ(Value::Duration(std::chrono::seconds(3723) + std::chrono::milliseconds(500)).Print(),
            "1h2m3.5s");
  EXPECT_EQ(Value::Duration(std::chrono::nanoseconds(0)).Print(), "0s");
  EXPECT_EQ(Value::Duration(std::chrono::nanoseconds(1500)).Print(), "1.5\xC2\xB5s");
}

TEST(ValuePrintTest, TimesPrintLikeTimeString) {
  EXPECT_EQ(Value::Time(MakeUtc(1767225600)).Print(), "2026-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(Value::Time(MakeUtc(1767225600, 120000000)).Print(),
            "2026-01-01 00:00:00.12 +0000 UTC");
  GoTime t = internal::InZone(MakeUtc(1767225600), 2 * 3600 + 1800, "");
  EXPECT_EQ(Value::Time(t).Print(), "2026-01-01 02:30:00 +0230 +0230");
  t = internal::InZone(MakeUtc(1767225600), -5 * 3600, "EST");
  EXPECT_EQ(Value::Time(t).Print(), "2025-12-31 19:00:00 -0500 EST");
  EXPECT_EQ(Value::Time(internal::ZeroTime()).Print(), "0001-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(Value::MakeList({Value::Time(MakeUtc(0))}).Print(), "[1970-01-01 00:00:00 +0000 UTC]");
}

TEST(ValueJsonTest, MarshalsLikeEncodingJson) {
  Map m;
  m["z"] = Value::Float(1e6);
  m["a"] = Value::Float(1.5);
  m["html"] = Value::String("<a&b>");
  m["list"] = Value::MakeList({Value(), Value::Bool(false)});
  m["subject"] = Subject();
  Value v = Value::MakeMap(m);
  auto j = MarshalJson(v, "", true);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(*j,
            "{\"a\":1.5,\"html\":\"\\u003ca\\u0026b\\u003e\",\"list\":[null,false],"
            "\"subject\":{\"commonName\":\"leaf\",\"extra\":null},\"z\":1000000}");
  auto raw = MarshalJson(v, "", false);
  ASSERT_TRUE(raw.ok());
  EXPECT_NE(raw->find("\"<a&b>\""), std::string::npos);
  // nlohmann view of the same value, as the rest of Cairn consumes it.
  EXPECT_EQ(v.ToJson().dump(),
            "{\"a\":1.5,\"html\":\"<a&b>\",\"list\":[null,false],"
            "\"subject\":{\"commonName\":\"leaf\",\"extra\":null},\"z\":1000000}");
}

TEST(ValueJsonTest, PrettyAndEdgeCases) {
  Map m;
  m["a"] = Value::MakeList({Value::Int(1), Value::Int(2)});
  m["b"] = Value::MakeMap({});
  auto j = MarshalJson(Value::MakeMap(m), "  ", true);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*j, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}");
  EXPECT_EQ(*MarshalJson(Value::Float(1e21), "", true), "1e+21");
  EXPECT_EQ(*MarshalJson(Value::Float(1e-7), "", true), "1e-7");
  EXPECT_EQ(*MarshalJson(Value::Float(0.000001), "", true), "0.000001");
  EXPECT_EQ(*MarshalJson(Value::Float(123456789), "", true), "123456789");
  EXPECT_EQ(*MarshalJson(Value::String("\x01\n\xff\xe2\x80\xa8"), "", true),
            "\"\\u0001\\n\\ufffd\\u2028\"");
  EXPECT_EQ(*MarshalJson(Value::Time(MakeUtc(1767225600, 5)), "", true),
            "\"2026-01-01T00:00:00.000000005Z\"");
  EXPECT_EQ(*MarshalJson(Value::Duration(std::chrono::seconds(2)), "", true), "2000000000");
  auto nan = MarshalJson(Value::Float(std::nan("")), "", true);
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().message(), "json: unsupported value: NaN");
  Struct empty;
  empty.type_name = "x509util.Empty";
  EXPECT_EQ(*MarshalJson(Value::MakeStruct(empty), "  ", true), "{}");
}

TEST(ValueTypeTest, TypeAndKindNames) {
  struct Case {
    Value v;
    const char* type;
    const char* kind;
  } cases[] = {
      {Value(), "<nil>", "invalid"},
      {Value::Bool(true), "bool", "bool"},
      {Value::Int(1), "int", "int"},
      {Value::Uint(1), "uint64", "uint64"},
      {Value::Float(1), "float64", "float64"},
      {Value::String(""), "string", "string"},
      {Value::MakeList({}), "[]interface {}", "slice"},
      {Value::MakeMap({}), "map[string]interface {}", "map"},
      {Subject(), "x509util.Subject", "struct"},
      {Value::Time(MakeUtc(0)), "time.Time", "struct"},
      {Value::Duration(std::chrono::seconds(1)), "time.Duration", "int64"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.v.TypeName(), c.type);
    EXPECT_EQ(c.v.KindName(), c.kind);
  }
  Struct p;
  p.type_name = "*ecdsa.PublicKey";
  EXPECT_EQ(Value::MakeStruct(p).KindName(), "ptr");
}

TEST(ValueFieldTest, StructsMapsAndErrors) {
  auto cn = Subject().Field("CommonName");
  ASSERT_TRUE(cn.ok());
  EXPECT_EQ(cn->Print(), "leaf");
  auto missing = Subject().Field("Nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "can't evaluate field Nope in type x509util.Subject");
  Map m;
  m["k"] = Value::Int(3);
  EXPECT_EQ(Value::MakeMap(m).Field("k")->Print(), "3");
  EXPECT_TRUE(Value::MakeMap(m).Field("absent")->is_nil());
  auto bad = Value::String("x").Field("Y");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "can't evaluate field Y in type string");
}

TEST(ValueTruthTest, GoTruth) {
  EXPECT_FALSE(Value().Truthy());
  EXPECT_FALSE(Value::Int(0).Truthy());
  EXPECT_FALSE(Value::Float(0).Truthy());
  EXPECT_FALSE(Value::String("").Truthy());
  EXPECT_FALSE(Value::MakeList({}).Truthy());
  EXPECT_FALSE(Value::MakeMap({}).Truthy());
  EXPECT_TRUE(Value::String("0").Truthy());
  EXPECT_TRUE(Subject().Truthy());
  EXPECT_TRUE(Value::Time(MakeUtc(0)).Truthy());
  EXPECT_TRUE(Value::MakeList({Value()}).Truthy());
}

TEST(ValueCompareTest, EqualAndLess) {
  EXPECT_TRUE(*Equal(Value::Int(1), Value::Int(1)));
  EXPECT_TRUE(*Equal(Value::Int(1), Value::Uint(1)));
  EXPECT_FALSE(*Equal(Value::Int(-1), Value::Uint(18446744073709551615ull)));
  EXPECT_TRUE(*Equal(Value::String("a"), Value::String("a")));
  EXPECT_TRUE(*Equal(Value(), Value()));
  EXPECT_FALSE(*Equal(Value(), Value::String("")));
  auto mixed = Equal(Value::Int(1), Value::Float(1));
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.status().message(), "incompatible types for comparison");
  EXPECT_FALSE(Equal(Value::MakeList({}), Value::MakeList({})).ok());
  EXPECT_TRUE(*Less(Value::Int(-1), Value::Uint(0)));
  EXPECT_TRUE(*Less(Value::String("a"), Value::String("b")));
  EXPECT_FALSE(*Less(Value::Float(2), Value::Float(1)));
  auto b = Less(Value::Bool(false), Value::Bool(true));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "invalid type for comparison");
}

TEST(ValueFromJsonTest, NumbersBecomeFloat64) {
  auto j = nlohmann::json::parse(R"({"a":1,"b":[true,null,"s"],"c":{"d":2.5}})");
  Value v = Value::FromJson(j);
  EXPECT_EQ(v.TypeName(), "map[string]interface {}");
  EXPECT_EQ(v.Field("a")->TypeName(), "float64");
  EXPECT_EQ(v.Print(), "map[a:1 b:[true <nil> s] c:map[d:2.5]]");
  auto parsed = internal::ParseJsonValue("[1e6, 12345678]");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Print(), "[1e+06 1.2345678e+07]");
  EXPECT_FALSE(internal::ParseJsonValue("{").ok());
  EXPECT_FALSE(internal::ParseJsonValue(std::string(500, '[') + std::string(500, ']')).ok());
}

}  // namespace
}  // namespace cairn::templates

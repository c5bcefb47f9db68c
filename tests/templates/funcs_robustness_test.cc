// Every function must answer any arguments with a value or a Status: never crash, never throw,
// never run away. This calls each function of the X.509 map with argument lists drawn from a
// set of awkward values (run under ASan/UBSan in CI builds with sanitizers).

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "templates/funcs.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

std::vector<Value> AwkwardValues() {
  Map m;
  m["a"] = Value::Int(1);
  m["nested"] = Value::MakeMap({{"b", Value::String("x")}});
  Struct s;
  s.type_name = "x509util.Subject";
  s.fields.push_back({"CommonName", "commonName", true, Value::String("cn")});
  return {
      Value(),
      Value::Bool(true),
      Value::Int(0),
      Value::Int(-1),
      Value::Int(3),
      Value::Int(std::numeric_limits<int64_t>::max()),
      Value::Int(std::numeric_limits<int64_t>::min()),
      Value::Uint(std::numeric_limits<uint64_t>::max()),
      Value::Float(1.5),
      Value::Float(-1e300),
      Value::Float(std::numeric_limits<double>::quiet_NaN()),
      Value::Float(std::numeric_limits<double>::infinity()),
      Value::String(""),
      Value::String("a"),
      Value::String("(a|b)*[x-"),
      Value::String("\xff\xfe\xc3"),
      Value::String("2024-07-02T23:16:02Z"),
      Value::String("int:5"),
      Value::String("%zz://[::1"),
      Value::String("-9223372036854775808"),
      Value::MakeList({}),
      Value::MakeList({Value::Int(1), Value(), Value::String("s")}),
      Value::MakeMap(m),
      Value::MakeStruct(s),
      Value::Time(GoTime{}),
      Value::Duration(std::chrono::nanoseconds(std::numeric_limits<int64_t>::min())),
  };
}

TEST(FuncsRobustnessTest, NoFunctionCrashesOrThrows) {
  cairn::testing::FakeClock clock;
  cairn::testing::FakeRandom random;
  FuncMap funcs = X509FuncMap(FuncEnv{&clock, &random});
  const std::vector<Value> vals = AwkwardValues();
  size_t calls = 0;
  for (const auto& [name, fn] : funcs) {
    // Slow by design (RSA-4096 generation, scrypt); covered by their own tests.
    if (name == "genPrivateKey" || name == "derivePassword") continue;
    std::vector<std::vector<Value>> arg_lists = {{}};
    for (const Value& a : vals) arg_lists.push_back({a});
    for (const Value& a : vals) {
      for (const Value& b : vals) arg_lists.push_back({a, b});
    }
    for (size_t i = 0; i < vals.size(); ++i) {
      arg_lists.push_back(
          {vals[i], vals[(i * 7 + 3) % vals.size()], vals[(i * 5 + 1) % vals.size()]});
      arg_lists.push_back({vals[(i * 3 + 2) % vals.size()], vals[i], vals[i], vals[i]});
    }
    for (const auto& args : arg_lists) {
      // Maps are mutated in place by set/unset/merge: give each call fresh copies.
      std::vector<Value> copy;
      for (const Value& v : args) {
        copy.push_back(v.kind() == Value::Kind::kMap ? Value::MakeMap(v.as_map()) : v);
      }
      try {
        auto r = fn(std::span<const Value>(copy));
        if (r.ok()) (void)r->Print();
      } catch (const std::exception& e) {
        ADD_FAILURE() << name << " threw " << e.what();
      }
      ++calls;
    }
  }
  EXPECT_GT(calls, 100000u);
}

}  // namespace
}  // namespace cairn::templates

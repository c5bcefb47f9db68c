// step's template functions (go.step.sm/crypto internal/templates/funcmap.go): fail,
// formatTime, toTime, parseTime, mustParseTime, toTimeLayout.

#include <string>

#include "crypto/random.h"
#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates {

namespace {

using internal::ArgString;
using internal::CheckArgs;

// ToTime is step's toTime: a time (in UTC), Unix seconds as an integer or a JSON number, and
// "now" for anything else.
GoTime ToTime(const FuncEnv& env, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kTime:
      return internal::InZone(v.as_time(), 0, "UTC");
    case Value::Kind::kInt: {
      auto t = internal::MakeTime(v.as_int(), 0, 0, "UTC");
      if (t.ok()) return *t;
      break;
    }
    case Value::Kind::kFloat: {
      double d = v.as_float();
      // int64(date) truncates toward zero.
      if (d > -9.2e18 && d < 9.2e18) {
        auto t = internal::MakeTime(static_cast<int64_t>(d), 0, 0, "UTC");
        if (t.ok()) return *t;
      }
      break;
    }
    default:
      break;
  }
  return internal::Now(env);
}

// TimeLayout is step's toTimeLayout: "time." prefix optional, names case-insensitive.
std::string TimeLayout(std::string_view fmt) {
  std::string_view name = fmt;
  if (name.starts_with("time.")) name.remove_prefix(5);
  std::string upper;
  for (char c : name) upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  if (upper == "LAYOUT") return "01/02 03:04:05PM '06 -0700";
  std::string layout = internal::GoLayoutByName(upper);
  if (layout == upper) return std::string(fmt);  // not a name: a layout itself
  return layout;
}

// MustParseTime is step's mustParseTime.
Result<GoTime> MustParseTime(const FuncEnv& env, std::span<const Value> args) {
  std::vector<std::string> v;
  for (const Value& a : args) {
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(a));
    v.push_back(std::move(s));
  }
  switch (v.size()) {
    case 0:
      return internal::Now(env);
    case 1:
      return internal::ParseGoTime("2006-01-02T15:04:05Z07:00", v[0]);
    case 2:
      return internal::ParseGoTime(TimeLayout(v[0]), v[1]);
    case 3: {
      CAIRN_ASSIGN_OR_RETURN(internal::Location loc, internal::LoadLocation(v[2]));
      return internal::ParseGoTimeIn(TimeLayout(v[0]), v[1], loc);
    }
    default:
      return InvalidArgumentError("unsupported number of parameters");
  }
}

}  // namespace

void AddStepFunctions(FuncMap& funcs, const FuncEnv& env_in) {
  FuncEnv env = env_in;
  if (env.clock == nullptr) env.clock = &SystemClock::Default();
  if (env.random == nullptr) env.random = &crypto::OsslRandom::Default();

  funcs["fail"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("fail", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string msg, ArgString(args[0]));
    return FailError(std::move(msg));
  };
  funcs["toTime"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("toTime", args, 1));
    return Value::Time(ToTime(env, args[0]));
  };
  funcs["formatTime"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("formatTime", args, 1));
    return Value::String(internal::FormatGoTime(ToTime(env, args[0]), "2006-01-02T15:04:05Z07:00"));
  };
  funcs["parseTime"] = [env](std::span<const Value> args) -> Result<Value> {
    for (const Value& a : args) CAIRN_RETURN_IF_ERROR(ArgString(a).status());
    auto t = MustParseTime(env, args);
    return Value::Time(t.ok() ? *t : internal::ZeroTime());
  };
  funcs["mustParseTime"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_ASSIGN_OR_RETURN(GoTime t, MustParseTime(env, args));
    return Value::Time(std::move(t));
  };
  funcs["toTimeLayout"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("toTimeLayout", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string fmt, ArgString(args[0]));
    return Value::String(TimeLayout(fmt));
  };
}

}  // namespace cairn::templates

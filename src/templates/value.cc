#include "templates/value.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "base/duration.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates {

namespace {

// Recursion bound for printing, marshalling and converting nested values; data built from
// JSON is depth-checked before it gets here, this only stops pathological self-built values.
constexpr int kMaxDepth = 1000;

}  // namespace

const Value* Struct::Find(std::string_view go_name) const {
  for (const StructField& f : fields) {
    if (f.go_name == go_name) return &f.value;
  }
  return nullptr;
}

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}

Value Value::Uint(uint64_t u) {
  Value v;
  v.kind_ = Kind::kUint;
  v.u_ = u;
  return v;
}

Value Value::Float(double d) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.d_ = d;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.s_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

Value Value::MakeList(List items) {
  Value v;
  v.kind_ = Kind::kList;
  v.list_ = std::make_shared<const List>(std::move(items));
  return v;
}

Value Value::MakeMap(Map items) {
  Value v;
  v.kind_ = Kind::kMap;
  v.map_ = std::make_shared<Map>(std::move(items));
  return v;
}

Value Value::MakeStruct(Struct s) {
  Value v;
  v.kind_ = Kind::kStruct;
  v.struct_ = std::make_shared<const Struct>(std::move(s));
  return v;
}

Value Value::Time(GoTime t) {
  Value v;
  v.kind_ = Kind::kTime;
  v.time_ = std::move(t);
  return v;
}

Value Value::Duration(std::chrono::nanoseconds d) {
  Value v;
  v.kind_ = Kind::kDuration;
  v.dur_ = d;
  return v;
}

namespace {

Value FromJsonDepth(const nlohmann::json& j, int depth) {
  if (depth > kMaxDepth) return Value();
  switch (j.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
    case nlohmann::json::value_t::binary:
      return Value();
    case nlohmann::json::value_t::boolean:
      return Value::Bool(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value::Float(static_cast<double>(j.get<int64_t>()));
    case nlohmann::json::value_t::number_unsigned:
      return Value::Float(static_cast<double>(j.get<uint64_t>()));
    case nlohmann::json::value_t::number_float:
      return Value::Float(j.get<double>());
    case nlohmann::json::value_t::string:
      return Value::String(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      List items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(FromJsonDepth(e, depth + 1));
      return Value::MakeList(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Map items;
      for (auto it = j.begin(); it != j.end(); ++it) {
        items.insert_or_assign(it.key(), FromJsonDepth(it.value(), depth + 1));
      }
      return Value::MakeMap(std::move(items));
    }
  }
  return Value();
}

}  // namespace

Value Value::FromJson(const nlohmann::json& j) { return FromJsonDepth(j, 0); }

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kNil:
      return false;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_ != 0;
    case Kind::kUint:
      return u_ != 0;
    case Kind::kFloat:
      return d_ != 0;
    case Kind::kString:
      return !s_->empty();
    case Kind::kList:
      return !list_->empty();
    case Kind::kMap:
      return !map_->empty();
    case Kind::kStruct:
    case Kind::kTime:
      return true;
    case Kind::kDuration:
      return dur_.count() != 0;
  }
  return false;
}

Result<Value> Value::Field(std::string_view name) const {
  switch (kind_) {
    case Kind::kStruct: {
      if (const Value* v = struct_->Find(name)) return *v;
      return NotFoundError("can't evaluate field " + std::string(name) + " in type " + TypeName());
    }
    case Kind::kMap: {
      auto it = map_->find(name);
      if (it == map_->end()) return Value();
      return it->second;
    }
    case Kind::kNil:
      return InvalidArgumentError("nil pointer evaluating interface {}." + std::string(name));
    default:
      return InvalidArgumentError("can't evaluate field " + std::string(name) + " in type " +
                                  TypeName());
  }
}

namespace {

void PrintTo(const Value& v, std::string& out, int depth) {
  if (depth > kMaxDepth) {
    out += "...";
    return;
  }
  switch (v.kind()) {
    case Value::Kind::kNil:
      out += "<nil>";
      return;
    case Value::Kind::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::kInt:
      out += std::to_string(v.as_int());
      return;
    case Value::Kind::kUint:
      out += std::to_string(v.as_uint());
      return;
    case Value::Kind::kFloat:
      out += internal::FormatFloat(v.as_float(), 'g', -1);
      return;
    case Value::Kind::kString:
      out += v.as_string();
      return;
    case Value::Kind::kList: {
      out += '[';
      bool first = true;
      for (const Value& e : v.as_list()) {
        if (!first) out += ' ';
        first = false;
        PrintTo(e, out, depth + 1);
      }
      out += ']';
      return;
    }
    case Value::Kind::kMap: {
      out += "map[";
      bool first = true;
      for (const auto& [k, e] : v.as_map()) {
        if (!first) out += ' ';
        first = false;
        out += k;
        out += ':';
        PrintTo(e, out, depth + 1);
      }
      out += ']';
      return;
    }
    case Value::Kind::kStruct: {
      const Struct& s = v.as_struct();
      if (!s.type_name.empty() && s.type_name[0] == '*') out += '&';
      out += '{';
      bool first = true;
      for (const StructField& f : s.fields) {
        if (!first) out += ' ';
        first = false;
        PrintTo(f.value, out, depth + 1);
      }
      out += '}';
      return;
    }
    case Value::Kind::kTime:
      out += internal::FormatGoTime(v.as_time(), "2006-01-02 15:04:05.999999999 -0700 MST");
      return;
    case Value::Kind::kDuration:
      out += FormatGoDuration(v.as_duration());
      return;
  }
}

nlohmann::ordered_json ToJsonDepth(const Value& v, int depth) {
  using J = nlohmann::ordered_json;
  if (depth > kMaxDepth) return J();
  switch (v.kind()) {
    case Value::Kind::kNil:
      return J();
    case Value::Kind::kBool:
      return J(v.as_bool());
    case Value::Kind::kInt:
      return J(v.as_int());
    case Value::Kind::kUint:
      return J(v.as_uint());
    case Value::Kind::kFloat: {
      double d = v.as_float();
      if (!std::isfinite(d)) return J();  // Go's Marshal fails; the caller sees null
      // Integral values print as integers, as Go's encoder writes 1e6 as 1000000.
      if (d == std::trunc(d) && std::fabs(d) < 9.007199254740992e15) {
        if (d == 0 && std::signbit(d)) return J(d);
        return J(static_cast<int64_t>(d));
      }
      return J(d);
    }
    case Value::Kind::kString:
      return J(v.as_string());
    case Value::Kind::kList: {
      J arr = J::array();
      for (const Value& e : v.as_list()) arr.push_back(ToJsonDepth(e, depth + 1));
      return arr;
    }
    case Value::Kind::kMap: {
      J obj = J::object();
      for (const auto& [k, e] : v.as_map()) obj[k] = ToJsonDepth(e, depth + 1);
      return obj;
    }
    case Value::Kind::kStruct: {
      J obj = J::object();
      for (const StructField& f : v.as_struct().fields) {
        if (f.json_name == "-") continue;
        if (f.omit_empty && internal::IsJsonEmpty(f.value)) continue;
        obj[f.json_name.empty() ? f.go_name : f.json_name] = ToJsonDepth(f.value, depth + 1);
      }
      return obj;
    }
    case Value::Kind::kTime:
      return J(internal::FormatGoTime(v.as_time(), "2006-01-02T15:04:05.999999999Z07:00"));
    case Value::Kind::kDuration:
      return J(static_cast<int64_t>(v.as_duration().count()));
  }
  return J();
}

}  // namespace

std::string Value::Print() const {
  std::string out;
  PrintTo(*this, out, 0);
  return out;
}

nlohmann::ordered_json Value::ToJson() const { return ToJsonDepth(*this, 0); }

std::string Value::TypeName() const {
  switch (kind_) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUint:
      return "uint64";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "[]interface {}";
    case Kind::kMap:
      return "map[string]interface {}";
    case Kind::kStruct:
      return struct_->type_name;
    case Kind::kTime:
      return "time.Time";
    case Kind::kDuration:
      return "time.Duration";
  }
  return "<nil>";
}

std::string Value::KindName() const {
  switch (kind_) {
    case Kind::kNil:
      return "invalid";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUint:
      return "uint64";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "slice";
    case Kind::kMap:
      return "map";
    case Kind::kStruct:
      return (!struct_->type_name.empty() && struct_->type_name[0] == '*') ? "ptr" : "struct";
    case Kind::kTime:
      return "struct";
    case Kind::kDuration:
      return "int64";
  }
  return "invalid";
}

namespace {

// BasicClass groups kinds as text/template's basicKind does.
enum class BasicClass { kInvalid, kBool, kInt, kUint, kFloat, kString, kOther };

BasicClass ClassOf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return BasicClass::kInvalid;
    case Value::Kind::kBool:
      return BasicClass::kBool;
    case Value::Kind::kInt:
    case Value::Kind::kDuration:
      return BasicClass::kInt;
    case Value::Kind::kUint:
      return BasicClass::kUint;
    case Value::Kind::kFloat:
      return BasicClass::kFloat;
    case Value::Kind::kString:
      return BasicClass::kString;
    default:
      return BasicClass::kOther;
  }
}

int64_t IntOf(const Value& v) {
  return v.kind() == Value::Kind::kDuration ? static_cast<int64_t>(v.as_duration().count())
                                            : v.as_int();
}

// StructEqual compares two structs of the same type field by field, as Go's == on
// comparable structs; lists and maps inside make them incomparable.
Result<bool> DeepComparableEqual(const Value& a, const Value& b, int depth);

Result<bool> DeepComparableEqual(const Value& a, const Value& b, int depth) {
  if (depth > kMaxDepth) return InvalidArgumentError("value nested too deeply");
  if (a.kind() == Value::Kind::kStruct && b.kind() == Value::Kind::kStruct) {
    const Struct& sa = a.as_struct();
    const Struct& sb = b.as_struct();
    if (sa.type_name != sb.type_name || sa.fields.size() != sb.fields.size()) return false;
    for (size_t i = 0; i < sa.fields.size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(
          bool eq, DeepComparableEqual(sa.fields[i].value, sb.fields[i].value, depth + 1));
      if (!eq) return false;
    }
    return true;
  }
  if (a.kind() == Value::Kind::kList || a.kind() == Value::Kind::kMap ||
      b.kind() == Value::Kind::kList || b.kind() == Value::Kind::kMap) {
    return InvalidArgumentError("non-comparable type " + a.TypeName());
  }
  if (a.kind() == Value::Kind::kNil || b.kind() == Value::Kind::kNil) {
    return a.kind() == b.kind();
  }
  if (a.kind() != b.kind()) return false;
  return Equal(a, b);
}

}  // namespace

Result<bool> Equal(const Value& a, const Value& b) {
  BasicClass ca = ClassOf(a);
  BasicClass cb = ClassOf(b);
  if (ca != cb) {
    if (ca == BasicClass::kInt && cb == BasicClass::kUint) {
      int64_t i = IntOf(a);
      return i >= 0 && static_cast<uint64_t>(i) == b.as_uint();
    }
    if (ca == BasicClass::kUint && cb == BasicClass::kInt) {
      int64_t i = IntOf(b);
      return i >= 0 && static_cast<uint64_t>(i) == a.as_uint();
    }
    if (ca != BasicClass::kInvalid && cb != BasicClass::kInvalid) {
      return InvalidArgumentError("incompatible types for comparison");
    }
    return false;
  }
  switch (ca) {
    case BasicClass::kInvalid:
      return true;
    case BasicClass::kBool:
      return a.as_bool() == b.as_bool();
    case BasicClass::kInt:
      return IntOf(a) == IntOf(b);
    case BasicClass::kUint:
      return a.as_uint() == b.as_uint();
    case BasicClass::kFloat:
      return a.as_float() == b.as_float();
    case BasicClass::kString:
      return a.as_string() == b.as_string();
    case BasicClass::kOther:
      break;
  }
  // Non-basic values: times compare by instant and zone, structs field by field; lists and
  // maps are not comparable in Go.
  if (a.kind() == Value::Kind::kTime && b.kind() == Value::Kind::kTime) {
    return a.as_time().at == b.as_time().at &&
           a.as_time().utc_offset_seconds == b.as_time().utc_offset_seconds &&
           a.as_time().zone == b.as_time().zone;
  }
  if (a.kind() == Value::Kind::kStruct && b.kind() == Value::Kind::kStruct) {
    return DeepComparableEqual(a, b, 0);
  }
  if (a.kind() != b.kind()) {
    return InvalidArgumentError("incompatible types for comparison");
  }
  return InvalidArgumentError("non-comparable type " + a.Print() + ": " + a.TypeName());
}

Result<bool> Less(const Value& a, const Value& b) {
  BasicClass ca = ClassOf(a);
  BasicClass cb = ClassOf(b);
  auto bad_type = [] { return InvalidArgumentError("invalid type for comparison"); };
  if (ca == BasicClass::kInvalid || ca == BasicClass::kBool || ca == BasicClass::kOther ||
      cb == BasicClass::kInvalid || cb == BasicClass::kBool || cb == BasicClass::kOther) {
    return bad_type();
  }
  if (ca != cb) {
    if (ca == BasicClass::kInt && cb == BasicClass::kUint) {
      int64_t i = IntOf(a);
      return i < 0 || static_cast<uint64_t>(i) < b.as_uint();
    }
    if (ca == BasicClass::kUint && cb == BasicClass::kInt) {
      int64_t i = IntOf(b);
      return i >= 0 && a.as_uint() < static_cast<uint64_t>(i);
    }
    return InvalidArgumentError("incompatible types for comparison");
  }
  switch (ca) {
    case BasicClass::kInt:
      return IntOf(a) < IntOf(b);
    case BasicClass::kUint:
      return a.as_uint() < b.as_uint();
    case BasicClass::kFloat:
      return a.as_float() < b.as_float();
    case BasicClass::kString:
      return a.as_string() < b.as_string();
    default:
      return bad_type();
  }
}

namespace internal {

namespace {

// ShortestDigits returns the shortest decimal digits that round-trip `v` (v > 0, finite) and
// the decimal point position: v = 0.d1d2d3... * 10^dp.
void ShortestDigits(double v, std::string& digits, int& dp) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  size_t e = s.find('e');
  std::string_view mant = s.substr(0, e);
  int exp = 0;
  std::from_chars(s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0), s.data() + s.size(), exp);
  digits.clear();
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  dp = exp + 1;
}

std::string ExpSuffix(char fmt, int exp) {
  std::string out(1, fmt);
  out += exp < 0 ? '-' : '+';
  int a = exp < 0 ? -exp : exp;
  if (a < 10) out += '0';
  out += std::to_string(a);
  return out;
}

}  // namespace

std::string FormatFloat(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::string sign = std::signbit(v) ? "-" : "";
  double a = std::fabs(v);
  if (prec >= 0) {
    char buf[1024];
    int p = std::min(prec, 300);
    std::to_chars_result res{};
    if (fmt == 'e' || fmt == 'E') {
      res = std::to_chars(buf, buf + sizeof(buf), a, std::chars_format::scientific, p);
    } else if (fmt == 'f') {
      if (a >= 1e300) p = 0;
      res = std::to_chars(buf, buf + sizeof(buf), a, std::chars_format::fixed, p);
    } else {
      res = std::to_chars(buf, buf + sizeof(buf), a, std::chars_format::general, p == 0 ? 1 : p);
    }
    if (res.ec != std::errc()) return sign + "0";
    std::string out(buf, res.ptr);
    if (fmt == 'E' || fmt == 'G') {
      std::transform(out.begin(), out.end(), out.begin(),
                     [](char c) { return c == 'e' ? 'E' : c; });
    }
    return sign + out;
  }
  std::string digits;
  int dp = 1;
  if (a == 0) {
    digits = "0";
  } else {
    ShortestDigits(a, digits, dp);
  }
  auto as_e = [&](char ec) {
    std::string out = sign;
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += ExpSuffix(ec, a == 0 ? 0 : dp - 1);
    return out;
  };
  auto as_f = [&] {
    std::string out = sign;
    if (dp <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-dp), '0');
      out += digits;
    } else if (static_cast<size_t>(dp) >= digits.size()) {
      out += digits;
      out.append(static_cast<size_t>(dp) - digits.size(), '0');
    } else {
      out += digits.substr(0, static_cast<size_t>(dp));
      out += '.';
      out += digits.substr(static_cast<size_t>(dp));
    }
    return out;
  };
  switch (fmt) {
    case 'e':
    case 'E':
      return as_e(fmt);
    case 'f':
      return as_f();
    default: {
      // strconv's shortest %g switches to an exponent below 1e-4 and from 1e6 (eprec 6).
      int exp = dp - 1;
      if (a != 0 && (exp < -4 || exp >= 6)) return as_e(fmt == 'G' ? 'E' : 'e');
      return as_f();
    }
  }
}

bool IsJsonEmpty(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return true;
    case Value::Kind::kBool:
      return !v.as_bool();
    case Value::Kind::kInt:
      return v.as_int() == 0;
    case Value::Kind::kUint:
      return v.as_uint() == 0;
    case Value::Kind::kFloat:
      return v.as_float() == 0;
    case Value::Kind::kString:
      return v.as_string().empty();
    case Value::Kind::kList:
      return v.as_list().empty();
    case Value::Kind::kMap:
      return v.as_map().empty();
    case Value::Kind::kDuration:
      return v.as_duration().count() == 0;
    case Value::Kind::kStruct:
    case Value::Kind::kTime:
      return false;
  }
  return false;
}

}  // namespace internal

}  // namespace cairn::templates

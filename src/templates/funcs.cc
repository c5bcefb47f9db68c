// Function maps, fail, argument helpers, sprig's conversions and Go's encoding/json.

#include "templates/funcs.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "base/json_depth.h"
#include "crypto/random.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates {

namespace {

// The public message that marks a FailError; the message itself is the template author's.
constexpr std::string_view kFailMarker = "cairn-template-fail: ";

}  // namespace

Status FailError(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::string(kFailMarker) + message, message);
}

bool IsFailError(const Status& s) {
  if (s.code() != StatusCode::kInvalidArgument) return false;
  // The engine may annotate the detailed message; the marker and the public message survive.
  const std::string& m = s.message();
  size_t pos = m.find(kFailMarker);
  if (pos == std::string::npos) return false;
  return std::string_view(m).substr(pos + kFailMarker.size()) == s.public_message();
}

namespace {

// Resolve replaces null clock/random with the system ones.
FuncEnv Resolve(const FuncEnv& env) {
  FuncEnv e = env;
  if (e.clock == nullptr) e.clock = &SystemClock::Default();
  if (e.random == nullptr) e.random = &crypto::OsslRandom::Default();
  return e;
}

}  // namespace

void AddSprigFunctions(FuncMap& funcs, const FuncEnv& env_in) {
  const FuncEnv env = Resolve(env_in);
  internal::AddSprigStringFuncs(funcs, env);
  internal::AddSprigListFuncs(funcs, env);
  internal::AddSprigDictFuncs(funcs, env);
  internal::AddSprigMathFuncs(funcs, env);
  internal::AddSprigDateFuncs(funcs, env);
  internal::AddSprigEncodingFuncs(funcs, env);
  internal::AddSprigMiscFuncs(funcs, env);
}

FuncMap StepFuncMap(const FuncEnv& env) {
  FuncMap funcs;
  AddSprigFunctions(funcs, env);
  AddStepFunctions(funcs, env);
  return funcs;
}

FuncMap X509FuncMap(const FuncEnv& env) {
  FuncMap funcs = StepFuncMap(env);
  AddX509Functions(funcs);
  return funcs;
}

namespace internal {

Status CheckArgs(std::string_view name, std::span<const Value> args, size_t want) {
  if (args.size() == want) return Status::Ok();
  return InvalidArgumentError("wrong number of args for " + std::string(name) + ": want " +
                              std::to_string(want) + " got " + std::to_string(args.size()));
}

Status CheckArgsAtLeast(std::string_view name, std::span<const Value> args, size_t want) {
  if (args.size() >= want) return Status::Ok();
  return InvalidArgumentError("wrong number of args for " + std::string(name) + ": want at least " +
                              std::to_string(want) + " got " + std::to_string(args.size()));
}

Status CheckArgsRange(std::string_view name, std::span<const Value> args, size_t min, size_t max) {
  if (args.size() > max) return CheckArgs(name, args, max);
  return CheckArgsAtLeast(name, args, min);
}

Status WrongType(std::string_view expected, const Value& got) {
  if (got.is_nil()) return InvalidArgumentError("invalid value; expected " + std::string(expected));
  return InvalidArgumentError("wrong type for value; expected " + std::string(expected) + "; got " +
                              got.TypeName());
}

Result<std::string> ArgString(const Value& v) {
  if (v.kind() != Value::Kind::kString) return WrongType("string", v);
  return v.as_string();
}

Result<int64_t> ArgInt(const Value& v) {
  if (v.kind() != Value::Kind::kInt) return WrongType("int", v);
  return v.as_int();
}

Result<bool> ArgBool(const Value& v) {
  if (v.kind() != Value::Kind::kBool) return WrongType("bool", v);
  return v.as_bool();
}

Result<GoTime> ArgTime(const Value& v) {
  if (v.kind() != Value::Kind::kTime) return WrongType("time.Time", v);
  return v.as_time();
}

Result<const Map*> ArgMap(const Value& v) {
  if (v.is_nil()) return static_cast<const Map*>(nullptr);
  if (v.kind() != Value::Kind::kMap) return WrongType("map[string]interface {}", v);
  return &v.as_map();
}

std::string ToString(const Value& v) {
  if (v.kind() == Value::Kind::kString) return v.as_string();
  return v.Print();
}

namespace {

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// UnderscoreOk is strconv's underscoreOK: underscores only between digits (or after a base
// prefix).
bool UnderscoreOk(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char c = static_cast<char>(s[1] | 0x20);
    if (c == 'x' || c == 'o' || c == 'b') {
      i = 2;
      saw = '0';
      hex = c == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    bool digit = (c >= '0' && c <= '9') || (hex && ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'));
    if (digit) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

}  // namespace

Result<int64_t> ParseGoInt(std::string_view s0, int base, int64_t* clamped) {
  auto syntax = [&] {
    return InvalidArgumentError("strconv.ParseInt: parsing " + GoQuote(s0) + ": invalid syntax");
  };
  std::string_view s = s0;
  if (s.empty()) return syntax();
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return syntax();
  bool allow_underscores = false;
  if (base == 0) {
    base = 10;
    if (s[0] == '0') {
      if (s.size() >= 3 && (s[1] | 0x20) == 'b') {
        base = 2;
        s.remove_prefix(2);
      } else if (s.size() >= 3 && (s[1] | 0x20) == 'o') {
        base = 8;
        s.remove_prefix(2);
      } else if (s.size() >= 3 && (s[1] | 0x20) == 'x') {
        base = 16;
        s.remove_prefix(2);
      } else {
        base = 8;
        s.remove_prefix(1);
        if (s.empty()) return 0;
      }
    }
    allow_underscores = true;
  }
  uint64_t n = 0;
  bool overflow = false;
  bool saw_underscore = false;
  size_t digits = 0;
  for (char c : s) {
    int d;
    if (c == '_' && allow_underscores) {
      saw_underscore = true;
      continue;
    }
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
      d = (c | 0x20) - 'a' + 10;
    } else {
      return syntax();
    }
    if (d >= base) return syntax();
    ++digits;
    if (n > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) /
                static_cast<uint64_t>(base)) {
      overflow = true;
      n = std::numeric_limits<uint64_t>::max();
    } else if (!overflow) {
      n = n * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    }
  }
  if (digits == 0) return syntax();
  if (saw_underscore && !UnderscoreOk(s0)) return syntax();
  uint64_t cutoff = neg ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  if (overflow || n > cutoff) {
    if (clamped != nullptr) {
      *clamped = neg ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    }
    return InvalidArgumentError("strconv.ParseInt: parsing " + GoQuote(s0) +
                                ": value out of range");
  }
  if (neg)
    return n == (uint64_t{1} << 63) ? std::numeric_limits<int64_t>::min()
                                    : -static_cast<int64_t>(n);
  return static_cast<int64_t>(n);
}

Result<double> ParseGoFloat(std::string_view s0) {
  auto syntax = [&] {
    return InvalidArgumentError("strconv.ParseFloat: parsing " + GoQuote(s0) + ": invalid syntax");
  };
  std::string_view s = s0;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return syntax();
  std::string clean;
  if (s.find('_') != std::string_view::npos) {
    // Go allows underscores only with a base prefix, which decimal floats do not have.
    return syntax();
  }
  // from_chars accepts "inf"/"nan" but also "infinity" and "nan(...)"; Go only accepts
  // inf, infinity and nan (any case).
  if (s.find('(') != std::string_view::npos) return syntax();
  if ((s[0] | 0x20) == 'x' || (s.size() > 1 && s[0] == '0' && (s[1] | 0x20) == 'x')) {
    return syntax();
  }
  double d = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), d, std::chars_format::general);
  if (res.ptr != s.data() + s.size()) return syntax();
  if (res.ec == std::errc::result_out_of_range) {
    // Go returns ±Inf (or 0 for underflow) with a range error.
    return InvalidArgumentError("strconv.ParseFloat: parsing " + GoQuote(s0) +
                                ": value out of range");
  }
  if (res.ec != std::errc()) return syntax();
  return neg ? -d : d;
}

namespace {

// TrimZeroDecimal is cast's trimZeroDecimal: "3.0" -> "3", "3.50" unchanged.
std::string_view TrimZeroDecimal(std::string_view s) {
  bool found_zero = false;
  for (size_t i = s.size(); i > 0; --i) {
    switch (s[i - 1]) {
      case '.':
        if (found_zero) return s.substr(0, i - 1);
        break;
      case '0':
        found_zero = true;
        break;
      default:
        return s;
    }
  }
  return s;
}

}  // namespace

int64_t ToInt64(const Value& v, bool* ok) {
  if (ok != nullptr) *ok = true;
  switch (v.kind()) {
    case Value::Kind::kNil:
      return 0;
    case Value::Kind::kBool:
      return v.as_bool() ? 1 : 0;
    case Value::Kind::kInt:
      return v.as_int();
    case Value::Kind::kUint:
      return static_cast<int64_t>(v.as_uint());
    case Value::Kind::kFloat: {
      double d = v.as_float();
      // Go's int64(f) for out-of-range values is implementation-defined; saturate.
      if (std::isnan(d)) return std::numeric_limits<int64_t>::min();
      if (d >= 9.223372036854775807e18) return std::numeric_limits<int64_t>::min();
      if (d <= -9.223372036854775808e18) return std::numeric_limits<int64_t>::min();
      return static_cast<int64_t>(d);
    }
    case Value::Kind::kString: {
      auto r = ParseGoInt(TrimZeroDecimal(v.as_string()), 0);
      if (r.ok()) return *r;
      break;
    }
    case Value::Kind::kDuration:
      return v.as_duration().count();
    default:
      break;
  }
  if (ok != nullptr) *ok = false;
  return 0;
}

double ToFloat64(const Value& v, bool* ok) {
  if (ok != nullptr) *ok = true;
  switch (v.kind()) {
    case Value::Kind::kNil:
      return 0;
    case Value::Kind::kBool:
      return v.as_bool() ? 1 : 0;
    case Value::Kind::kInt:
      return static_cast<double>(v.as_int());
    case Value::Kind::kUint:
      return static_cast<double>(v.as_uint());
    case Value::Kind::kFloat:
      return v.as_float();
    case Value::Kind::kString: {
      auto r = ParseGoFloat(v.as_string());
      if (r.ok()) return *r;
      break;
    }
    case Value::Kind::kDuration:
      return static_cast<double>(v.as_duration().count());
    default:
      break;
  }
  if (ok != nullptr) *ok = false;
  return 0;
}

Status CheckStringSize(std::string_view func, size_t bytes) {
  if (bytes <= kMaxStringBytes) return Status::Ok();
  return ResourceExhaustedError(std::string(func) + ": result of " + std::to_string(bytes) +
                                " bytes exceeds the limit of " + std::to_string(kMaxStringBytes));
}

Status CheckListSize(std::string_view func, size_t items) {
  if (items <= kMaxListItems) return Status::Ok();
  return ResourceExhaustedError(std::string(func) + ": result of " + std::to_string(items) +
                                " items exceeds the limit of " + std::to_string(kMaxListItems));
}

bool IsEmpty(const Value& v) { return IsJsonEmpty(v); }

namespace {

bool DeepEqualDepth(const Value& a, const Value& b, int depth) {
  if (depth > kMaxNesting * 10) return false;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNil:
      return true;
    case Value::Kind::kBool:
      return a.as_bool() == b.as_bool();
    case Value::Kind::kInt:
      return a.as_int() == b.as_int();
    case Value::Kind::kUint:
      return a.as_uint() == b.as_uint();
    case Value::Kind::kFloat:
      return a.as_float() == b.as_float();
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kDuration:
      return a.as_duration() == b.as_duration();
    case Value::Kind::kTime:
      return a.as_time().at == b.as_time().at &&
             a.as_time().utc_offset_seconds == b.as_time().utc_offset_seconds &&
             a.as_time().zone == b.as_time().zone;
    case Value::Kind::kList: {
      const List& la = a.as_list();
      const List& lb = b.as_list();
      if (&la == &lb) return true;
      if (la.size() != lb.size()) return false;
      for (size_t i = 0; i < la.size(); ++i) {
        if (!DeepEqualDepth(la[i], lb[i], depth + 1)) return false;
      }
      return true;
    }
    case Value::Kind::kMap: {
      const Map& ma = a.as_map();
      const Map& mb = b.as_map();
      if (&ma == &mb) return true;
      if (ma.size() != mb.size()) return false;
      for (auto ia = ma.begin(), ib = mb.begin(); ia != ma.end(); ++ia, ++ib) {
        if (ia->first != ib->first || !DeepEqualDepth(ia->second, ib->second, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    case Value::Kind::kStruct: {
      const Struct& sa = a.as_struct();
      const Struct& sb = b.as_struct();
      if (sa.type_name != sb.type_name || sa.fields.size() != sb.fields.size()) return false;
      for (size_t i = 0; i < sa.fields.size(); ++i) {
        if (sa.fields[i].go_name != sb.fields[i].go_name ||
            !DeepEqualDepth(sa.fields[i].value, sb.fields[i].value, depth + 1)) {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

Value DeepCopyDepth(const Value& v, int depth) {
  if (depth > kMaxNesting * 10) return Value();
  switch (v.kind()) {
    case Value::Kind::kList: {
      List out;
      out.reserve(v.as_list().size());
      for (const Value& e : v.as_list()) out.push_back(DeepCopyDepth(e, depth + 1));
      return Value::MakeList(std::move(out));
    }
    case Value::Kind::kMap: {
      Map out;
      for (const auto& [k, e] : v.as_map()) out.emplace(k, DeepCopyDepth(e, depth + 1));
      return Value::MakeMap(std::move(out));
    }
    case Value::Kind::kStruct: {
      Struct s = v.as_struct();
      for (StructField& f : s.fields) f.value = DeepCopyDepth(f.value, depth + 1);
      return Value::MakeStruct(std::move(s));
    }
    default:
      return v;
  }
}

// ---- encoding/json ---------------------------------------------------------------------

void AppendJsonQuoted(std::string& out, std::string_view s, bool escape_html) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' &&
          (!escape_html || (c != '<' && c != '>' && c != '&'))) {
        out += static_cast<char>(c);
      } else {
        switch (c) {
          case '"':
            out += "\\\"";
            break;
          case '\\':
            out += "\\\\";
            break;
          case '\b':
            out += "\\b";
            break;
          case '\f':
            out += "\\f";
            break;
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          case '\t':
            out += "\\t";
            break;
          default:
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence; invalid bytes become U+FFFD.
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    }
    bool valid = len != 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) {
        valid = false;
      } else {
        cp = (cp << 6) | (cc & 0x3f);
      }
    }
    if (valid) {
      if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
          cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        valid = false;
      }
    }
    if (!valid) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
}

std::string JsonFloat(double f) {
  double a = std::fabs(f);
  char fmt = 'f';
  if (a != 0 && (a < 1e-6 || a >= 1e21)) fmt = 'e';
  std::string b = FormatFloat(f, fmt, -1);
  if (fmt == 'e') {
    size_t n = b.size();
    if (n >= 4 && b[n - 4] == 'e' && b[n - 3] == '-' && b[n - 2] == '0') {
      b[n - 2] = b[n - 1];
      b.pop_back();
    }
  }
  return b;
}

struct JsonWriter {
  std::string_view indent;
  bool escape_html;
  std::string out;

  void Newline(int level) {
    if (indent.empty()) return;
    out += '\n';
    for (int i = 0; i < level; ++i) out += indent;
  }

  Status Write(const Value& v, int level) {
    if (level > kMaxNesting * 10) return InvalidArgumentError("json: value nested too deeply");
    if (out.size() > 16 * kMaxStringBytes) {
      return ResourceExhaustedError("json: output exceeds the size limit");
    }
    switch (v.kind()) {
      case Value::Kind::kNil:
        out += "null";
        return Status::Ok();
      case Value::Kind::kBool:
        out += v.as_bool() ? "true" : "false";
        return Status::Ok();
      case Value::Kind::kInt:
        out += std::to_string(v.as_int());
        return Status::Ok();
      case Value::Kind::kUint:
        out += std::to_string(v.as_uint());
        return Status::Ok();
      case Value::Kind::kDuration:
        out += std::to_string(v.as_duration().count());
        return Status::Ok();
      case Value::Kind::kFloat: {
        double d = v.as_float();
        if (!std::isfinite(d)) {
          return InvalidArgumentError("json: unsupported value: " + FormatFloat(d, 'g', -1));
        }
        out += JsonFloat(d);
        return Status::Ok();
      }
      case Value::Kind::kString:
        AppendJsonQuoted(out, v.as_string(), escape_html);
        return Status::Ok();
      case Value::Kind::kTime: {
        const GoTime& t = v.as_time();
        std::string s = FormatGoTime(t, "2006-01-02T15:04:05.999999999Z07:00");
        if (!IsZeroTime(t) && (s.size() < 4 || s[0] == '-' || (s.size() > 4 && s[4] != '-'))) {
          return InvalidArgumentError(
              "json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year "
              "outside of range [0,9999]");
        }
        AppendJsonQuoted(out, s, escape_html);
        return Status::Ok();
      }
      case Value::Kind::kList: {
        const List& l = v.as_list();
        if (l.empty()) {
          out += "[]";
          return Status::Ok();
        }
        out += '[';
        for (size_t i = 0; i < l.size(); ++i) {
          if (i > 0) out += ',';
          Newline(level + 1);
          CAIRN_RETURN_IF_ERROR(Write(l[i], level + 1));
        }
        Newline(level);
        out += ']';
        return Status::Ok();
      }
      case Value::Kind::kMap: {
        const Map& m = v.as_map();
        if (m.empty()) {
          out += "{}";
          return Status::Ok();
        }
        out += '{';
        bool first = true;
        for (const auto& [k, e] : m) {
          if (!first) out += ',';
          first = false;
          Newline(level + 1);
          AppendJsonQuoted(out, k, escape_html);
          out += indent.empty() ? ":" : ": ";
          CAIRN_RETURN_IF_ERROR(Write(e, level + 1));
        }
        Newline(level);
        out += '}';
        return Status::Ok();
      }
      case Value::Kind::kStruct: {
        bool first = true;
        out += '{';
        for (const StructField& f : v.as_struct().fields) {
          if (f.json_name == "-") continue;
          if (f.omit_empty && IsJsonEmpty(f.value)) continue;
          if (!first) out += ',';
          first = false;
          Newline(level + 1);
          AppendJsonQuoted(out, f.json_name.empty() ? f.go_name : f.json_name, escape_html);
          out += indent.empty() ? ":" : ": ";
          CAIRN_RETURN_IF_ERROR(Write(f.value, level + 1));
        }
        if (!first) Newline(level);
        out += '}';
        return Status::Ok();
      }
    }
    return Status::Ok();
  }
};

}  // namespace

bool DeepEqual(const Value& a, const Value& b) { return DeepEqualDepth(a, b, 0); }

Value DeepCopy(const Value& v) { return DeepCopyDepth(v, 0); }

Result<std::string> MarshalJson(const Value& v, std::string_view indent, bool escape_html) {
  JsonWriter w{indent, escape_html, {}};
  CAIRN_RETURN_IF_ERROR(w.Write(v, 0));
  return std::move(w.out);
}

Result<Value> ParseJsonValue(std::string_view text) {
  if (JsonNestingDepth(text) > kMaxNesting) {
    return InvalidArgumentError("json: nesting exceeds " + std::to_string(kMaxNesting) + " levels");
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return InvalidArgumentError("unexpected end of JSON input");
    }
    return InvalidArgumentError("invalid JSON: " + std::string(text.substr(0, 64)));
  }
  return Value::FromJson(j);
}

}  // namespace internal

}  // namespace cairn::templates

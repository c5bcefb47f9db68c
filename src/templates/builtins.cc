// text/template's builtin functions, ported from Go's text/template/funcs.go with its error
// messages. and/or (short-circuiting) live in the executor.

#include "templates/internal/builtins.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "templates/gofmt.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates::internal {

namespace {

constexpr BuiltinSpec kBuiltins[] = {
    {"and", 1, true, ParamType::kValue, ParamType::kValue},
    {"call", 1, true, ParamType::kValue, ParamType::kValue},
    {"html", 0, true, ParamType::kAny, ParamType::kAny},
    {"index", 1, true, ParamType::kValue, ParamType::kValue},
    {"slice", 1, true, ParamType::kValue, ParamType::kValue},
    {"js", 0, true, ParamType::kAny, ParamType::kAny},
    {"len", 1, false, ParamType::kValue, ParamType::kValue},
    {"not", 1, false, ParamType::kValue, ParamType::kValue},
    {"or", 1, true, ParamType::kValue, ParamType::kValue},
    {"print", 0, true, ParamType::kAny, ParamType::kAny},
    {"printf", 1, true, ParamType::kString, ParamType::kAny},
    {"println", 0, true, ParamType::kAny, ParamType::kAny},
    {"urlquery", 0, true, ParamType::kAny, ParamType::kAny},
    {"eq", 1, true, ParamType::kValue, ParamType::kValue},
    {"ge", 2, false, ParamType::kValue, ParamType::kValue},
    {"gt", 2, false, ParamType::kValue, ParamType::kValue},
    {"le", 2, false, ParamType::kValue, ParamType::kValue},
    {"lt", 2, false, ParamType::kValue, ParamType::kValue},
    {"ne", 2, false, ParamType::kValue, ParamType::kValue},
};

Status Error(std::string message) { return InvalidArgumentError(std::move(message)); }

std::vector<Value> Values(std::span<const Operand> args) {
  std::vector<Value> v;
  v.reserve(args.size());
  for (const Operand& a : args) v.push_back(a.value);
  return v;
}

// EvalArgs is funcs.go's evalArgs: the arguments as fmt.Sprint prints them, except that no
// value prints as "<no value>" (a single string argument is used as is).
std::string EvalArgs(std::span<const Operand> args) {
  if (args.size() == 1 && args[0].value.kind() == Value::Kind::kString) {
    return args[0].value.as_string();
  }
  std::vector<Value> v;
  v.reserve(args.size());
  for (const Operand& a : args) {
    v.push_back(a.value.is_nil() ? Value::String("<no value>") : a.value);
  }
  return GoSprint(v);
}

// ---- length, indexing, slicing ----------------------------------------------------------

// IndexArg is funcs.go's indexArg: an integer index in [0, cap].
Result<int64_t> IndexArg(const Operand& index, size_t cap) {
  int64_t x;
  switch (index.value.kind()) {
    case Value::Kind::kInt:
      x = index.value.as_int();
      break;
    case Value::Kind::kDuration:
      x = index.value.as_duration().count();
      break;
    case Value::Kind::kUint:
      x = static_cast<int64_t>(index.value.as_uint());
      break;
    case Value::Kind::kNil:
      return Error("cannot index slice/array with nil");
    default:
      return Error("cannot index slice/array with type " + index.value.TypeName());
  }
  if (x < 0 || static_cast<uint64_t>(x) > cap) {
    return Error("index out of range: " + std::to_string(x));
  }
  return x;
}

Result<Operand> Length(const Operand& item) {
  if (item.boxed && item.value.is_nil()) return Error("len of nil pointer");
  const Value& v = item.value;
  switch (v.kind()) {
    case Value::Kind::kNil:
      // Go calls Type() on the invalid reflect.Value, which panics; the panic is the error.
      return Error("reflect: call of reflect.Value.Type on zero Value");
    case Value::Kind::kString:
      return Operand{Value::Int(static_cast<int64_t>(v.as_string().size())), false};
    case Value::Kind::kList:
      return Operand{Value::Int(static_cast<int64_t>(v.as_list().size())), false};
    case Value::Kind::kMap:
      return Operand{Value::Int(static_cast<int64_t>(v.as_map().size())), false};
    default:
      return Error("len of type " + v.TypeName());
  }
}

Result<Operand> Index(std::span<const Operand> args) {
  Operand item = args[0];
  if (item.value.is_nil()) return Error("index of untyped nil");
  for (const Operand& index : args.subspan(1)) {
    if (item.value.is_nil()) return Error("index of nil pointer");
    const Value& v = item.value;
    switch (v.kind()) {
      case Value::Kind::kList: {
        CAIRN_ASSIGN_OR_RETURN(int64_t x, IndexArg(index, v.as_list().size()));
        if (static_cast<size_t>(x) == v.as_list().size()) {
          return Error("reflect: slice index out of range");
        }
        item = Operand{v.as_list()[static_cast<size_t>(x)], true};
        break;
      }
      case Value::Kind::kString: {
        CAIRN_ASSIGN_OR_RETURN(int64_t x, IndexArg(index, v.as_string().size()));
        if (static_cast<size_t>(x) == v.as_string().size()) {
          return Error("reflect: string index out of range");
        }
        auto byte = static_cast<unsigned char>(v.as_string()[static_cast<size_t>(x)]);
        item = Operand{Value::Uint(byte), false};
        break;
      }
      case Value::Kind::kMap: {
        // The key must be assignable to string.
        if (index.value.is_nil()) return Error("value is nil; should be of type string");
        if (index.value.kind() != Value::Kind::kString) {
          return Error("value has type " + index.value.TypeName() + "; should be string");
        }
        const Map& m = v.as_map();
        auto it = m.find(index.value.as_string());
        // A missing key gives the zero value of the element type: a nil interface{}.
        item = it == m.end() ? Operand{Value(), true} : Operand{it->second, true};
        break;
      }
      default:
        return Error("can't index item of type " + v.TypeName());
    }
  }
  return item;
}

Result<Operand> Slice(std::span<const Operand> args) {
  const Value& item = args[0].value;
  if (item.is_nil()) return Error("slice of untyped nil");
  std::span<const Operand> indexes = args.subspan(1);
  if (indexes.size() > 3) return Error("too many slice indexes: " + std::to_string(indexes.size()));
  size_t cap;
  switch (item.kind()) {
    case Value::Kind::kString:
      if (indexes.size() == 3) return Error("cannot 3-index slice a string");
      cap = item.as_string().size();
      break;
    case Value::Kind::kList:
      cap = item.as_list().size();
      break;
    default:
      return Error("can't slice item of type " + item.TypeName());
  }
  // Defaults for item[:] and item[i:].
  int64_t idx[3] = {0, static_cast<int64_t>(cap), 0};
  for (size_t i = 0; i < indexes.size(); i++) {
    CAIRN_ASSIGN_OR_RETURN(idx[i], IndexArg(indexes[i], cap));
  }
  if (idx[0] > idx[1]) {
    return Error("invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
  }
  if (indexes.size() == 3 && idx[1] > idx[2]) {
    return Error("invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]));
  }
  auto from = static_cast<size_t>(idx[0]);
  auto to = static_cast<size_t>(idx[1]);
  if (item.kind() == Value::Kind::kString) {
    return Operand{Value::String(item.as_string().substr(from, to - from)), false};
  }
  const List& list = item.as_list();
  return Operand{Value::MakeList(List(list.begin() + static_cast<std::ptrdiff_t>(from),
                                      list.begin() + static_cast<std::ptrdiff_t>(to))),
                 false};
}

// ---- comparison -------------------------------------------------------------------------

// BasicKind groups values as funcs.go's basicKind; kInvalid covers nil and every non-basic
// kind (Go's errBadComparisonType case).
enum class BasicKind { kInvalid, kBool, kInt, kFloat, kString, kUint };

BasicKind BasicKindOf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBool:
      return BasicKind::kBool;
    case Value::Kind::kInt:
    case Value::Kind::kDuration:
      return BasicKind::kInt;
    case Value::Kind::kUint:
      return BasicKind::kUint;
    case Value::Kind::kFloat:
      return BasicKind::kFloat;
    case Value::Kind::kString:
      return BasicKind::kString;
    default:
      return BasicKind::kInvalid;
  }
}

int64_t IntOf(const Value& v) {
  return v.kind() == Value::Kind::kDuration ? v.as_duration().count() : v.as_int();
}

// ReflectKind is the reflect.Kind a non-basic value has, for eq's comparability rules.
int ReflectKind(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return 0;
    case Value::Kind::kList:
      return 1;
    case Value::Kind::kMap:
      return 2;
    case Value::Kind::kStruct:
      return v.as_struct().type_name.starts_with("*") ? 3 : 4;
    case Value::Kind::kTime:
      return 4;
    default:
      return 5;
  }
}

// Comparable reports whether Go's == applies to values of v's type (slices and maps, and
// structs holding them, are not comparable).
bool Comparable(const Value& v, int depth = 0) {
  if (depth > 100) return false;
  switch (v.kind()) {
    case Value::Kind::kList:
    case Value::Kind::kMap:
      return false;
    case Value::Kind::kStruct:
      if (v.as_struct().type_name.starts_with("*")) return true;  // pointers compare
      for (const StructField& f : v.as_struct().fields) {
        if (!Comparable(f.value, depth + 1)) return false;
      }
      return true;
    default:
      return true;
  }
}

std::string Sprint(const char* format, const Value& a) {
  return GoSprintf(format, std::span<const Value>(&a, 1));
}

Result<bool> Eq(std::span<const Operand> args) {
  const Value& arg1 = args[0].value;
  if (args.size() == 1) return Error("missing argument for comparison");
  BasicKind k1 = BasicKindOf(arg1);
  for (const Operand& op : args.subspan(1)) {
    const Value& arg = op.value;
    BasicKind k2 = BasicKindOf(arg);
    bool truth = false;
    if (k1 != k2) {
      // Integers compare regardless of signedness.
      if (k1 == BasicKind::kInt && k2 == BasicKind::kUint) {
        truth = IntOf(arg1) >= 0 && static_cast<uint64_t>(IntOf(arg1)) == arg.as_uint();
      } else if (k1 == BasicKind::kUint && k2 == BasicKind::kInt) {
        truth = IntOf(arg) >= 0 && arg1.as_uint() == static_cast<uint64_t>(IntOf(arg));
      } else if (!arg1.is_nil() && !arg.is_nil()) {
        return Error("incompatible types for comparison: " + arg1.TypeName() + " and " +
                     arg.TypeName());
      }
    } else {
      switch (k1) {
        case BasicKind::kBool:
          truth = arg1.as_bool() == arg.as_bool();
          break;
        case BasicKind::kFloat:
          truth = arg1.as_float() == arg.as_float();
          break;
        case BasicKind::kInt:
          truth = IntOf(arg1) == IntOf(arg);
          break;
        case BasicKind::kString:
          truth = arg1.as_string() == arg.as_string();
          break;
        case BasicKind::kUint:
          truth = arg1.as_uint() == arg.as_uint();
          break;
        case BasicKind::kInvalid:
          // Non-basic values: same reflect kind or one of them nil.
          if (ReflectKind(arg1) != ReflectKind(arg) && !arg1.is_nil() && !arg.is_nil()) {
            return Error("non-comparable types " + Sprint("%s", arg1) + ": " + arg1.TypeName() +
                         ", " + arg.TypeName() + ": " + Sprint("%s", arg));
          }
          if (arg1.is_nil() || arg.is_nil()) {
            truth = arg1.is_nil() == arg.is_nil();
          } else {
            if (!Comparable(arg)) {
              return Error("non-comparable type " + Sprint("%s", arg) + ": " + arg.TypeName());
            }
            truth = arg1.TypeName() == arg.TypeName() && DeepEqual(arg1, arg);
          }
          break;
      }
    }
    if (truth) return true;
  }
  return false;
}

Result<bool> Lt(const Value& arg1, const Value& arg2) {
  BasicKind k1 = BasicKindOf(arg1);
  if (k1 == BasicKind::kInvalid) return Error("invalid type for comparison");
  BasicKind k2 = BasicKindOf(arg2);
  if (k2 == BasicKind::kInvalid) return Error("invalid type for comparison");
  if (k1 != k2) {
    if (k1 == BasicKind::kInt && k2 == BasicKind::kUint) {
      return IntOf(arg1) < 0 || static_cast<uint64_t>(IntOf(arg1)) < arg2.as_uint();
    }
    if (k1 == BasicKind::kUint && k2 == BasicKind::kInt) {
      return IntOf(arg2) >= 0 && arg1.as_uint() < static_cast<uint64_t>(IntOf(arg2));
    }
    return Error("incompatible types for comparison: " + arg1.TypeName() + " and " +
                 arg2.TypeName());
  }
  switch (k1) {
    case BasicKind::kFloat:
      return arg1.as_float() < arg2.as_float();
    case BasicKind::kInt:
      return IntOf(arg1) < IntOf(arg2);
    case BasicKind::kString:
      return arg1.as_string() < arg2.as_string();
    case BasicKind::kUint:
      return arg1.as_uint() < arg2.as_uint();
    default:  // bool
      return Error("invalid type for comparison");
  }
}

Result<bool> Le(std::span<const Operand> args) {
  CAIRN_ASSIGN_OR_RETURN(bool less, Lt(args[0].value, args[1].value));
  if (less) return true;
  return Eq(args);
}

// ---- escaping ---------------------------------------------------------------------------

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\0':
        out += "\xEF\xBF\xBD";  // U+FFFD
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string JsEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\'':
          out += "\\'";
          break;
        case '"':
          out += "\\\"";
          break;
        case '<':
          out += "\\u003C";
          break;
        case '>':
          out += "\\u003E";
          break;
        case '&':
          out += "\\u0026";
          break;
        case '=':
          out += "\\u003D";
          break;
        default:
          if (c < ' ') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
          } else {
            out += static_cast<char>(c);
          }
      }
      i++;
      continue;
    }
    // Unicode: printable runes as they are (an invalid byte decodes as the printable
    // U+FFFD and is kept), others as \uXXXX. %q leaves exactly the printable runes bare.
    size_t start = i;
    char32_t r = DecodeRune(s, i);
    Value rv = Value::Int(r);
    if (GoSprintf("%q", std::span<const Value>(&rv, 1)).find('\\') == std::string::npos) {
      out.append(s, start, i - start);
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r));
      out += buf;
    }
  }
  return out;
}

// QueryEscape is url.QueryEscape.
std::string QueryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

Operand Bool(bool b) { return Operand{Value::Bool(b), false}; }
Operand String(std::string s) { return Operand{Value::String(std::move(s)), false}; }

}  // namespace

bool IsTrue(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return false;
    case Value::Kind::kBool:
      return v.as_bool();
    case Value::Kind::kInt:
      return v.as_int() != 0;
    case Value::Kind::kUint:
      return v.as_uint() != 0;
    case Value::Kind::kFloat:
      return v.as_float() != 0;
    case Value::Kind::kString:
      return !v.as_string().empty();
    case Value::Kind::kList:
      return !v.as_list().empty();
    case Value::Kind::kMap:
      return !v.as_map().empty();
    case Value::Kind::kDuration:
      return v.as_duration().count() != 0;
    case Value::Kind::kStruct:
    case Value::Kind::kTime:
      return true;
  }
  return false;
}

const BuiltinSpec* FindBuiltin(std::string_view name) {
  for (const BuiltinSpec& b : kBuiltins) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

Result<Operand> CallBuiltin(const BuiltinSpec& spec, std::span<const Operand> args,
                            std::string_view callee_name) {
  std::string_view name = spec.name;
  if (name == "not") return Bool(!IsTrue(args[0].value));
  if (name == "len") return Length(args[0]);
  if (name == "index") return Index(args);
  if (name == "slice") return Slice(args);
  if (name == "print") return String(GoSprint(Values(args)));
  if (name == "println") return String(GoSprintln(Values(args)));
  if (name == "printf") {
    std::vector<Value> rest = Values(args.subspan(1));
    return String(GoSprintf(args[0].value.as_string(), rest));
  }
  if (name == "html") return String(HtmlEscape(EvalArgs(args)));
  if (name == "js") return String(JsEscape(EvalArgs(args)));
  if (name == "urlquery") return String(QueryEscape(EvalArgs(args)));
  if (name == "eq") {
    CAIRN_ASSIGN_OR_RETURN(bool b, Eq(args));
    return Bool(b);
  }
  if (name == "ne") {
    CAIRN_ASSIGN_OR_RETURN(bool b, Eq(args));
    return Bool(!b);
  }
  if (name == "lt") {
    CAIRN_ASSIGN_OR_RETURN(bool b, Lt(args[0].value, args[1].value));
    return Bool(b);
  }
  if (name == "le") {
    CAIRN_ASSIGN_OR_RETURN(bool b, Le(args));
    return Bool(b);
  }
  if (name == "gt") {
    CAIRN_ASSIGN_OR_RETURN(bool b, Le(args));
    return Bool(!b);
  }
  if (name == "ge") {
    CAIRN_ASSIGN_OR_RETURN(bool b, Lt(args[0].value, args[1].value));
    return Bool(!b);
  }
  if (name == "call") {
    // Template data holds no function values, so call always fails as Go's does on a
    // non-function.
    if (args[0].value.is_nil()) return Error("call of nil");
    return Error("non-function " + std::string(callee_name) + " of type " +
                 args[0].value.TypeName());
  }
  return InternalError("builtin " + std::string(name) + " is not implemented");
}

}  // namespace cairn::templates::internal

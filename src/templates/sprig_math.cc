// sprig's numeric functions (numeric.go and the arithmetic in functions.go). Integer
// arithmetic wraps around as Go's int64 does; the float functions addf/subf/mulf/divf go
// through exact decimal arithmetic as sprig's shopspring/decimal does (addf 1.1 2.2 is 3.3).

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates::internal {

namespace {

int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// ---- Decimal arithmetic (shopspring/decimal, for the float functions) ------------------

__extension__ typedef __int128 i128;

// Dec is coefficient * 10^exp.
struct Dec {
  i128 c = 0;
  int exp = 0;
};

constexpr int kDivisionPrecision = 16;  // decimal.DivisionPrecision

Result<Dec> DecFromFloat(double f) {
  if (!std::isfinite(f)) {
    return InvalidArgumentError("Cannot create a Decimal from " + FormatFloat(f, 'g', -1));
  }
  if (f == 0) return Dec{};
  // The shortest decimal that round-trips, as decimal.NewFromFloat.
  std::string s = FormatFloat(std::fabs(f), 'e', -1);  // d.ddde±XX
  size_t e = s.find('e');
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (s[i] != '.') digits += s[i];
  }
  int exp10 = std::stoi(s.substr(e + 1));
  Dec d;
  for (char c : digits) d.c = d.c * 10 + (c - '0');
  d.exp = exp10 - static_cast<int>(digits.size()) + 1;
  if (f < 0) d.c = -d.c;
  return d;
}

bool Pow10(int n, i128& out) {
  if (n < 0 || n > 37) return false;
  out = 1;
  for (int i = 0; i < n; ++i) out *= 10;
  return true;
}

bool Rescale(Dec& d, int exp) {
  // exp <= d.exp: multiply the coefficient.
  i128 p;
  if (!Pow10(d.exp - exp, p)) return false;
  i128 r;
  if (__builtin_mul_overflow(d.c, p, &r)) return false;
  d.c = r;
  d.exp = exp;
  return true;
}

bool DecAdd(Dec a, Dec b, Dec& out) {
  int e = std::min(a.exp, b.exp);
  if (!Rescale(a, e) || !Rescale(b, e)) return false;
  if (__builtin_add_overflow(a.c, b.c, &out.c)) return false;
  out.exp = e;
  return true;
}

bool DecMul(const Dec& a, const Dec& b, Dec& out) {
  if (__builtin_mul_overflow(a.c, b.c, &out.c)) return false;
  out.exp = a.exp + b.exp;
  return true;
}

// DecDiv is d.DivRound(d2, 16): the quotient rounded half away from zero to 16 places.
bool DecDiv(const Dec& a, const Dec& b, Dec& out) {
  // q = a.c * 10^(a.exp - b.exp + 16) / b.c, in units of 10^-16.
  int shift = a.exp - b.exp + kDivisionPrecision;
  i128 num = a.c, den = b.c;
  i128 p;
  if (shift >= 0) {
    if (!Pow10(shift, p) || __builtin_mul_overflow(num, p, &num)) return false;
  } else {
    if (!Pow10(-shift, p) || __builtin_mul_overflow(den, p, &den)) return false;
  }
  i128 q = num / den;
  i128 r = num % den;
  i128 ar = r < 0 ? -r : r;
  i128 ad = den < 0 ? -den : den;
  if (ar * 2 >= ad) q += ((num < 0) != (den < 0)) ? -1 : 1;
  out.c = q;
  out.exp = -kDivisionPrecision;
  return true;
}

double DecToFloat(const Dec& d) {
  i128 c = d.c;
  bool neg = c < 0;
  if (neg) c = -c;
  std::string digits;
  if (c == 0) digits = "0";
  while (c > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(c % 10)));
    c /= 10;
  }
  std::string s = digits + "e" + std::to_string(d.exp);
  double out = 0;
  std::from_chars(s.data(), s.data() + s.size(), out);
  return neg ? -out : out;
}

enum class DecOp { kAdd, kSub, kMul, kDiv };

// ExecDecimalOp is sprig's execDecimalOp: fold `rest` into `first` with `op`. When the exact
// coefficient would overflow 128 bits (wildly different magnitudes), plain float arithmetic
// gives the same float64 result.
Result<double> ExecDecimalOp(const Value& first, std::span<const Value> rest, DecOp op) {
  double fa = ToFloat64(first);
  CAIRN_ASSIGN_OR_RETURN(Dec acc, DecFromFloat(fa));
  bool exact = true;
  for (const Value& v : rest) {
    double fb = ToFloat64(v);
    CAIRN_ASSIGN_OR_RETURN(Dec d, DecFromFloat(fb));
    if (op == DecOp::kDiv && d.c == 0) return InvalidArgumentError("decimal division by zero");
    Dec out;
    bool ok = false;
    if (exact) {
      switch (op) {
        case DecOp::kAdd:
          ok = DecAdd(acc, d, out);
          break;
        case DecOp::kSub: {
          Dec neg = d;
          neg.c = -neg.c;
          ok = DecAdd(acc, neg, out);
          break;
        }
        case DecOp::kMul:
          ok = DecMul(acc, d, out);
          break;
        case DecOp::kDiv:
          ok = DecDiv(acc, d, out);
          break;
      }
    }
    if (ok) {
      acc = out;
      fa = DecToFloat(acc);
    } else {
      exact = false;
      switch (op) {
        case DecOp::kAdd:
          fa += fb;
          break;
        case DecOp::kSub:
          fa -= fb;
          break;
        case DecOp::kMul:
          fa *= fb;
          break;
        case DecOp::kDiv:
          fa /= fb;
          break;
      }
    }
  }
  return exact ? DecToFloat(acc) : fa;
}

Func DecimalFunc(std::string name, DecOp op, bool zero_first) {
  return [name, op, zero_first](std::span<const Value> args) -> Result<Value> {
    if (zero_first) {
      CAIRN_ASSIGN_OR_RETURN(double r, ExecDecimalOp(Value::Float(0), args, op));
      return Value::Float(r);
    }
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast(name, args, 1));
    CAIRN_ASSIGN_OR_RETURN(double r, ExecDecimalOp(args[0], args.subspan(1), op));
    return Value::Float(r);
  };
}

// UntilStep is sprig's untilStep, bounded to kMaxListItems items.
Result<std::vector<int64_t>> UntilStep(std::string_view name, int64_t start, int64_t stop,
                                       int64_t step) {
  std::vector<int64_t> v;
  auto count = [&](int64_t a, int64_t b, int64_t s) -> uint64_t {
    // Number of i = a, a+s, ... strictly before b (s > 0, a < b).
    uint64_t span = static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
    return (span - 1) / static_cast<uint64_t>(s) + 1;
  };
  if (stop < start) {
    if (step >= 0) return v;
    uint64_t n = count(
        stop, start,
        step == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : -step);
    CAIRN_RETURN_IF_ERROR(CheckListSize(name, n));
    for (uint64_t k = 0; k < n; ++k) {
      v.push_back(WrapAdd(start, WrapMul(static_cast<int64_t>(k), step)));
    }
    return v;
  }
  if (step <= 0 || start == stop) return v;
  uint64_t n = count(start, stop, step);
  CAIRN_RETURN_IF_ERROR(CheckListSize(name, n));
  for (uint64_t k = 0; k < n; ++k) {
    v.push_back(WrapAdd(start, WrapMul(static_cast<int64_t>(k), step)));
  }
  return v;
}

Value IntList(const std::vector<int64_t>& v) {
  List l;
  l.reserve(v.size());
  for (int64_t i : v) l.push_back(Value::Int(i));
  return Value::MakeList(std::move(l));
}

Result<double> ArgFloat(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kFloat:
      return v.as_float();
    case Value::Kind::kInt:  // an integer constant in the template
      return static_cast<double>(v.as_int());
    default:
      return WrongType("float64", v);
  }
}

}  // namespace

void AddSprigMathFuncs(FuncMap& funcs, const FuncEnv& env) {
  funcs["atoi"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("atoi", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
    int64_t clamped = 0;
    auto r = ParseGoInt(s, 10, &clamped);
    if (r.ok()) return Value::Int(*r);
    return Value::Int(clamped);
  };
  funcs["int64"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("int64", args, 1));
    return Value::Int(ToInt64(args[0]));
  };
  funcs["int"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("int", args, 1));
    return Value::Int(ToInt64(args[0]));
  };
  funcs["float64"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("float64", args, 1));
    return Value::Float(ToFloat64(args[0]));
  };
  funcs["toDecimal"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("toDecimal", args, 1));
    std::string s = args[0].Print();
    // strconv.ParseInt(s, 8, 64): an optional sign and octal digits.
    auto r = ParseGoInt(s, 8);
    return Value::Int(r.ok() ? *r : 0);
  };
  funcs["seq"] = [](std::span<const Value> args) -> Result<Value> {
    std::vector<int64_t> p;
    for (const Value& v : args) {
      CAIRN_ASSIGN_OR_RETURN(int64_t i, ArgInt(v));
      p.push_back(i);
    }
    std::vector<int64_t> items;
    switch (p.size()) {
      case 1: {
        int64_t start = 1, end = p[0], inc = end < start ? -1 : 1;
        CAIRN_ASSIGN_OR_RETURN(items, UntilStep("seq", start, WrapAdd(end, inc), inc));
        break;
      }
      case 2: {
        int64_t start = p[0], end = p[1], step = end < start ? -1 : 1;
        CAIRN_ASSIGN_OR_RETURN(items, UntilStep("seq", start, WrapAdd(end, step), step));
        break;
      }
      case 3: {
        int64_t start = p[0], step = p[1], end = p[2], inc = 1;
        if (end < start) {
          inc = -1;
          if (step > 0) return Value::String("");
        }
        CAIRN_ASSIGN_OR_RETURN(items, UntilStep("seq", start, WrapAdd(end, inc), step));
        break;
      }
      default:
        return Value::String("");
    }
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ' ';
      out += std::to_string(items[i]);
    }
    return Value::String(std::move(out));
  };
  funcs["until"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("until", args, 1));
    CAIRN_ASSIGN_OR_RETURN(int64_t count, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(auto v, UntilStep("until", 0, count, count < 0 ? -1 : 1));
    return IntList(v);
  };
  funcs["untilStep"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("untilStep", args, 3));
    CAIRN_ASSIGN_OR_RETURN(int64_t start, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(int64_t stop, ArgInt(args[1]));
    CAIRN_ASSIGN_OR_RETURN(int64_t step, ArgInt(args[2]));
    CAIRN_ASSIGN_OR_RETURN(auto v, UntilStep("untilStep", start, stop, step));
    return IntList(v);
  };

  funcs["add1"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("add1", args, 1));
    return Value::Int(WrapAdd(ToInt64(args[0]), 1));
  };
  funcs["add"] = [](std::span<const Value> args) -> Result<Value> {
    int64_t a = 0;
    for (const Value& v : args) a = WrapAdd(a, ToInt64(v));
    return Value::Int(a);
  };
  funcs["sub"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("sub", args, 2));
    return Value::Int(WrapSub(ToInt64(args[0]), ToInt64(args[1])));
  };
  funcs["div"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("div", args, 2));
    int64_t a = ToInt64(args[0]), b = ToInt64(args[1]);
    if (b == 0) return InvalidArgumentError("runtime error: integer divide by zero");
    if (b == -1) return Value::Int(WrapSub(0, a));
    return Value::Int(a / b);
  };
  funcs["mod"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("mod", args, 2));
    int64_t a = ToInt64(args[0]), b = ToInt64(args[1]);
    if (b == 0) return InvalidArgumentError("runtime error: integer divide by zero");
    if (b == -1) return Value::Int(0);
    return Value::Int(a % b);
  };
  funcs["mul"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("mul", args, 1));
    int64_t a = ToInt64(args[0]);
    for (size_t i = 1; i < args.size(); ++i) a = WrapMul(a, ToInt64(args[i]));
    return Value::Int(a);
  };
  funcs["randInt"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("randInt", args, 2));
    CAIRN_ASSIGN_OR_RETURN(int64_t min, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(int64_t max, ArgInt(args[1]));
    int64_t span = WrapSub(max, min);
    if (span <= 0) return InvalidArgumentError("invalid argument to Intn");
    CAIRN_ASSIGN_OR_RETURN(uint64_t r, env.random->Uniform(static_cast<uint64_t>(span)));
    return Value::Int(WrapAdd(static_cast<int64_t>(r), min));
  };
  funcs["add1f"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("add1f", args, 1));
    Value one = Value::Int(1);
    CAIRN_ASSIGN_OR_RETURN(double r,
                           ExecDecimalOp(args[0], std::span<const Value>(&one, 1), DecOp::kAdd));
    return Value::Float(r);
  };
  funcs["addf"] = DecimalFunc("addf", DecOp::kAdd, true);
  funcs["subf"] = DecimalFunc("subf", DecOp::kSub, false);
  funcs["mulf"] = DecimalFunc("mulf", DecOp::kMul, false);
  funcs["divf"] = DecimalFunc("divf", DecOp::kDiv, false);

  Func max = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("max", args, 1));
    int64_t a = ToInt64(args[0]);
    for (size_t i = 1; i < args.size(); ++i) a = std::max(a, ToInt64(args[i]));
    return Value::Int(a);
  };
  funcs["max"] = max;
  funcs["biggest"] = max;
  funcs["min"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("min", args, 1));
    int64_t a = ToInt64(args[0]);
    for (size_t i = 1; i < args.size(); ++i) a = std::min(a, ToInt64(args[i]));
    return Value::Int(a);
  };
  funcs["maxf"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("maxf", args, 1));
    double a = ToFloat64(args[0]);
    for (size_t i = 1; i < args.size(); ++i) {
      double b = ToFloat64(args[i]);
      // math.Max: NaN wins, +0 beats -0.
      if (std::isnan(a) || std::isnan(b)) {
        a = std::numeric_limits<double>::quiet_NaN();
      } else if (a == 0 && b == 0) {
        a = std::signbit(a) ? b : a;
      } else {
        a = std::max(a, b);
      }
    }
    return Value::Float(a);
  };
  funcs["minf"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("minf", args, 1));
    double a = ToFloat64(args[0]);
    for (size_t i = 1; i < args.size(); ++i) {
      double b = ToFloat64(args[i]);
      if (std::isnan(a) || std::isnan(b)) {
        a = std::numeric_limits<double>::quiet_NaN();
      } else if (a == 0 && b == 0) {
        a = std::signbit(a) ? a : b;
      } else {
        a = std::min(a, b);
      }
    }
    return Value::Float(a);
  };
  funcs["floor"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("floor", args, 1));
    return Value::Float(std::floor(ToFloat64(args[0])));
  };
  funcs["ceil"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("ceil", args, 1));
    return Value::Float(std::ceil(ToFloat64(args[0])));
  };
  funcs["round"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("round", args, 2));
    double val = ToFloat64(args[0]);
    CAIRN_ASSIGN_OR_RETURN(int64_t places, ArgInt(args[1]));
    double round_on = 0.5;
    if (args.size() > 2) {
      CAIRN_ASSIGN_OR_RETURN(round_on, ArgFloat(args[2]));
    }
    for (size_t i = 3; i < args.size(); ++i) {
      CAIRN_RETURN_IF_ERROR(ArgFloat(args[i]).status());
    }
    double pow = std::pow(10.0, static_cast<double>(places));
    double digit = pow * val;
    double int_part;
    double frac = std::modf(digit, &int_part);
    double r = frac >= round_on ? std::ceil(digit) : std::floor(digit);
    return Value::Float(r / pow);
  };
}

}  // namespace cairn::templates::internal

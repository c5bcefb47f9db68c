#include "templates/gofmt.h"

#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cwctype>
#include <string>

#include "templates/internal/funcs_util.h"

// A port of the parts of Go's fmt (print.go, format.go) and strconv (quote.go, ftoa.go's
// %b and %x) that operate on the kinds a Value holds. Function names follow Go's so the two
// can be read side by side.

namespace cairn::templates {

namespace {

using internal::AppendRune;
using internal::DecodeRune;
using internal::kRuneError;

constexpr char32_t kMaxRune = 0x10FFFF;
// fmt's tooLarge: widths and precisions beyond this are treated as absent.
constexpr int kMaxNumber = 1000000;
// Values nested deeper than this are elided; template data is depth-checked long before.
constexpr int kMaxDepth = 1000;

constexpr std::string_view kLowerDigits = "0123456789abcdefx";
constexpr std::string_view kUpperDigits = "0123456789ABCDEFX";

bool ValidRune(char32_t r) { return r <= kMaxRune && !(r >= 0xD800 && r <= 0xDFFF); }

// IsPrint is strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII
// space. Non-ASCII runes are classified with the C.UTF-8 locale's tables (glibc follows
// Unicode), minus the separators and format characters Go does not consider printable.
bool IsPrint(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (!ValidRune(r)) return false;
  if (r == 0xA0 || r == 0xAD || r == 0x1680 || (r >= 0x2000 && r <= 0x200F) ||
      (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF ||
      (r >= 0xFFF9 && r <= 0xFFFB) || (r >= 0xE000 && r <= 0xF8FF)) {
    return false;
  }
  static const locale_t kLocale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  if (kLocale == static_cast<locale_t>(0)) return r > 0xA0;
  return iswgraph_l(static_cast<wint_t>(r), kLocale) != 0;
}

int RuneCount(std::string_view s) {
  int n = 0;
  for (size_t i = 0; i < s.size(); ++n) DecodeRune(s, i);
  return n;
}

void AppendHex(std::string& out, uint32_t v, int digits) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out += kLowerDigits[(v >> shift) & 0xF];
}

// appendEscapedRune from strconv/quote.go.
void AppendEscapedRune(std::string& out, char32_t r, char quote, bool ascii_only) {
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out += '\\';
    out += static_cast<char>(r);
    return;
  }
  if (ascii_only) {
    if (r < 0x80 && IsPrint(r)) {
      out += static_cast<char>(r);
      return;
    }
  } else if (IsPrint(r)) {
    AppendRune(out, r);
    return;
  }
  switch (r) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    default:
      break;
  }
  if (r < ' ' || r == 0x7F) {
    out += "\\x";
    AppendHex(out, r, 2);
    return;
  }
  if (!ValidRune(r)) r = kRuneError;
  if (r < 0x10000) {
    out += "\\u";
    AppendHex(out, r, 4);
  } else {
    out += "\\U";
    AppendHex(out, r, 8);
  }
}

// QuoteWith is strconv.Quote (ascii_only false) or strconv.QuoteToASCII (true).
std::string QuoteWith(std::string_view s, bool ascii_only) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    char32_t r = DecodeRune(s, i);
    if (i - start == 1 && r == kRuneError) {  // an invalid byte
      out += "\\x";
      AppendHex(out, static_cast<unsigned char>(s[start]), 2);
      continue;
    }
    AppendEscapedRune(out, r, '"', ascii_only);
  }
  out += '"';
  return out;
}

// QuoteRune is strconv.QuoteRune / QuoteRuneToASCII.
std::string QuoteRune(char32_t r, bool ascii_only) {
  if (!ValidRune(r)) r = kRuneError;
  std::string out = "'";
  AppendEscapedRune(out, r, '\'', ascii_only);
  out += '\'';
  return out;
}

// CanBackquote is strconv.CanBackquote.
bool CanBackquote(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    char32_t r = DecodeRune(s, i);
    if (i - start > 1) {
      if (r == 0xFEFF) return false;
      continue;
    }
    if (r == kRuneError) return false;
    if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F) return false;
  }
  return true;
}

// FloatBits splits a float64 as strconv does for %b and %x: v = mant * 2^(exp - 52), with
// the implicit leading bit added for normal numbers.
void FloatBits(double v, uint64_t* mant, int* exp) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  int e = static_cast<int>((bits >> 52) & 0x7FF);
  uint64_t m = bits & ((uint64_t{1} << 52) - 1);
  if (e == 0) {
    e++;  // denormal
  } else {
    m |= uint64_t{1} << 52;
  }
  *mant = m;
  *exp = e - 1023;
}

// FormatFloatB is strconv's %b: decimal mantissa, 'p', binary exponent.
std::string FormatFloatB(double v) {
  uint64_t mant;
  int exp;
  FloatBits(v, &mant, &exp);
  std::string out = std::signbit(v) ? "-" : "";
  out += std::to_string(mant);
  out += 'p';
  exp -= 52;
  if (exp >= 0) out += '+';
  out += std::to_string(exp);
  return out;
}

// FormatFloatX is strconv's fmtX: -0x1.yyyyp±dd, rounded to `prec` hex digits when prec >= 0.
std::string FormatFloatX(double v, char fmt, int prec) {
  uint64_t mant;
  int exp;
  FloatBits(v, &mant, &exp);
  if (mant == 0) exp = 0;
  // Shift so the leading 1 (if any) is at bit 60.
  mant <<= 60 - 52;
  while (mant != 0 && (mant & (uint64_t{1} << 60)) == 0) {
    mant <<= 1;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    unsigned shift = static_cast<unsigned>(prec * 4);
    uint64_t extra = (mant << shift) & ((uint64_t{1} << 60) - 1);
    mant >>= 60 - shift;
    if ((extra | (mant & 1)) > (uint64_t{1} << 59)) mant++;
    mant <<= 60 - shift;
    if (mant & (uint64_t{1} << 61)) {  // wrapped around
      mant >>= 1;
      exp++;
    }
  }
  std::string_view hex = fmt == 'X' ? kUpperDigits : kLowerDigits;
  std::string out = std::signbit(v) ? "-" : "";
  out += '0';
  out += fmt;
  out += static_cast<char>('0' + ((mant >> 60) & 1));
  mant <<= 4;  // drop the leading digit
  if (prec < 0 && mant != 0) {
    out += '.';
    while (mant != 0) {
      out += hex[(mant >> 60) & 15];
      mant <<= 4;
    }
  } else if (prec > 0) {
    out += '.';
    for (int i = 0; i < prec; i++) {
      out += hex[(mant >> 60) & 15];
      mant <<= 4;
    }
  }
  out += fmt == 'X' ? 'P' : 'p';
  if (exp < 0) {
    out += '-';
    exp = -exp;
  } else {
    out += '+';
  }
  if (exp < 10) out += '0';
  out += std::to_string(exp);
  return out;
}

// AppendFloat is strconv.FormatFloat(v, fmt, prec, 64) for every format fmt's verbs use.
std::string AppendFloat(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (fmt == 'b') return FormatFloatB(v);
  if (fmt == 'x' || fmt == 'X') return FormatFloatX(v, fmt, prec);
  return internal::FormatFloat(v, fmt, prec);
}

// Flags is fmt's fmtFlags plus width and precision.
struct Flags {
  bool wid_present = false;
  bool prec_present = false;
  bool minus = false;
  bool plus = false;
  bool sharp = false;
  bool space = false;
  bool zero = false;
  bool plus_v = false;   // %+v
  bool sharp_v = false;  // %#v
  int wid = 0;
  int prec = 0;
};

// Printer is fmt's pp: a buffer, the current flags and the operand being printed (for the
// "%!verb(type=value)" error form).
class Printer {
 public:
  std::string buf;

  void DoPrintf(std::string_view format, std::span<const Value> a);
  void DoPrint(std::span<const Value> a);
  void DoPrintln(std::span<const Value> a);

 private:
  // ---- format.go ----
  void WritePadding(int n) {
    if (n <= 0) return;
    buf.append(static_cast<size_t>(n), f_.zero ? '0' : ' ');
  }
  void Pad(std::string_view s) {
    if (!f_.wid_present || f_.wid == 0) {
      buf += s;
      return;
    }
    int width = f_.wid - RuneCount(s);
    if (!f_.minus) {
      WritePadding(width);
      buf += s;
    } else {
      buf += s;
      WritePadding(width);
    }
  }
  std::string_view Truncate(std::string_view s) const {
    if (!f_.prec_present) return s;
    int n = f_.prec;
    for (size_t i = 0; i < s.size();) {
      n--;
      if (n < 0) return s.substr(0, i);
      DecodeRune(s, i);
    }
    return s;
  }
  void FmtBoolean(bool v) { Pad(v ? "true" : "false"); }
  void FmtUnicode(uint64_t u);
  void FmtIntegerBase(uint64_t u, int base, bool is_signed, char32_t verb, std::string_view digits);
  void FmtS(std::string_view s) { Pad(Truncate(s)); }
  void FmtSx(std::string_view s, std::string_view digits);
  void FmtQ(std::string_view s);
  void FmtC(uint64_t c);
  void FmtQc(uint64_t c);
  void FmtFloatPrec(double v, char verb, int prec);

  // ---- print.go ----
  void BadVerb(char32_t verb);
  void FmtBool(bool v, char32_t verb);
  void FmtInteger(uint64_t v, bool is_signed, char32_t verb);
  void FmtFloat(double v, char32_t verb);
  void FmtString(std::string_view v, char32_t verb);
  bool HandleMethods(const Value& v, char32_t verb);
  void PrintArg(const Value& arg, char32_t verb);
  void PrintValue(const Value& v, char32_t verb, int depth);
  void PrintBasic(const Value& v, char32_t verb);
  bool NoFlags() const {
    return !f_.wid_present && !f_.prec_present && !f_.minus && !f_.plus && !f_.sharp && !f_.space &&
           !f_.zero && !f_.plus_v && !f_.sharp_v;
  }

  Flags f_;
  const Value* arg_ = nullptr;  // the operand being formatted, for BadVerb
  bool erroring_ = false;       // inside BadVerb: do not call String() methods
};

void Printer::FmtIntegerBase(uint64_t u, int base, bool is_signed, char32_t verb,
                             std::string_view digits) {
  bool negative = is_signed && static_cast<int64_t>(u) < 0;
  if (negative) u = ~u + 1;
  // Two ways to ask for extra leading zero digits: %.3d or %03d. With both, the 0 flag is
  // ignored and spaces pad.
  int prec = 0;
  if (f_.prec_present) {
    prec = f_.prec;
    if (prec == 0 && u == 0) {  // precision 0 and value 0 print nothing but padding
      bool old_zero = f_.zero;
      f_.zero = false;
      WritePadding(f_.wid);
      f_.zero = old_zero;
      return;
    }
  } else if (f_.zero && f_.wid_present) {
    prec = f_.wid;
    if (negative || f_.plus || f_.space) prec--;  // leave room for the sign
  }
  // Format right to left.
  std::string rev;
  switch (base) {
    case 10:
      while (u >= 10) {
        rev += static_cast<char>('0' + u % 10);
        u /= 10;
      }
      break;
    case 16:
      while (u >= 16) {
        rev += digits[u & 0xF];
        u >>= 4;
      }
      break;
    case 8:
      while (u >= 8) {
        rev += static_cast<char>('0' + (u & 7));
        u >>= 3;
      }
      break;
    case 2:
      while (u >= 2) {
        rev += static_cast<char>('0' + (u & 1));
        u >>= 1;
      }
      break;
  }
  rev += digits[u];
  while (static_cast<int>(rev.size()) < prec) rev += '0';
  if (f_.sharp) {
    switch (base) {
      case 2:
        rev += "b0";
        break;
      case 8:
        if (rev.back() != '0') rev += '0';
        break;
      case 16:
        rev += digits[16];
        rev += '0';
        break;
    }
  }
  if (verb == 'O') rev += "o0";
  if (negative) {
    rev += '-';
  } else if (f_.plus) {
    rev += '+';
  } else if (f_.space) {
    rev += ' ';
  }
  std::string s(rev.rbegin(), rev.rend());
  // Zero padding was done above like a precision (or is ignored because of one).
  bool old_zero = f_.zero;
  f_.zero = false;
  Pad(s);
  f_.zero = old_zero;
}

void Printer::FmtUnicode(uint64_t u) {
  int prec = 4;
  if (f_.prec_present && f_.prec > 4) prec = f_.prec;
  std::string hex;
  uint64_t x = u;
  do {
    hex.insert(hex.begin(), kUpperDigits[x & 0xF]);
    x >>= 4;
    prec--;
  } while (x != 0);
  std::string s = "U+";
  if (prec > 0) s.append(static_cast<size_t>(prec), '0');
  s += hex;
  if (f_.sharp && u <= kMaxRune && IsPrint(static_cast<char32_t>(u))) {
    s += " '";
    AppendRune(s, static_cast<char32_t>(u));
    s += '\'';
  }
  bool old_zero = f_.zero;
  f_.zero = false;
  Pad(s);
  f_.zero = old_zero;
}

void Printer::FmtSx(std::string_view s, std::string_view digits) {
  int length = static_cast<int>(s.size());
  if (f_.prec_present && f_.prec < length) length = f_.prec;
  // Width of the encoding, counting the 0x prefixes and separating spaces.
  int width = 2 * length;
  if (width > 0) {
    if (f_.space) {
      if (f_.sharp) width *= 2;
      width += length - 1;
    } else if (f_.sharp) {
      width += 2;
    }
  } else {
    if (f_.wid_present) WritePadding(f_.wid);
    return;
  }
  if (f_.wid_present && f_.wid > width && !f_.minus) WritePadding(f_.wid - width);
  if (f_.sharp) {
    buf += '0';
    buf += digits[16];
  }
  for (int i = 0; i < length; i++) {
    if (f_.space && i > 0) {
      buf += ' ';
      if (f_.sharp) {
        buf += '0';
        buf += digits[16];
      }
    }
    unsigned char c = static_cast<unsigned char>(s[static_cast<size_t>(i)]);
    buf += digits[c >> 4];
    buf += digits[c & 0xF];
  }
  if (f_.wid_present && f_.wid > width && f_.minus) WritePadding(f_.wid - width);
}

void Printer::FmtQ(std::string_view s) {
  s = Truncate(s);
  if (f_.sharp && CanBackquote(s)) {
    std::string q = "`";
    q += s;
    q += '`';
    Pad(q);
    return;
  }
  Pad(QuoteWith(s, f_.plus));
}

void Printer::FmtC(uint64_t c) {
  char32_t r = c > kMaxRune ? kRuneError : static_cast<char32_t>(c);
  std::string s;
  AppendRune(s, ValidRune(r) ? r : kRuneError);
  Pad(s);
}

void Printer::FmtQc(uint64_t c) {
  char32_t r = c > kMaxRune ? kRuneError : static_cast<char32_t>(c);
  Pad(QuoteRune(r, f_.plus));
}

// FmtFloatPrec is format.go's fmtFloat.
void Printer::FmtFloatPrec(double v, char verb, int prec) {
  if (f_.prec_present) prec = f_.prec;
  // Reserve room for a leading sign.
  std::string num = AppendFloat(v, verb, prec);
  if (num[0] == '-' || num[0] == '+') {
    // keep the sign
  } else {
    num.insert(num.begin(), '+');
  }
  if (f_.space && num[0] == '+' && !f_.plus) num[0] = ' ';
  // Infinities and NaN are not padded with zeros.
  if (num[1] == 'I' || num[1] == 'N') {
    bool old_zero = f_.zero;
    f_.zero = false;
    if (num[1] == 'N' && !f_.space && !f_.plus) num.erase(0, 1);
    Pad(num);
    f_.zero = old_zero;
    return;
  }
  // The # flag forces a decimal point, and keeps trailing zeros for %g, %G and %x.
  if (f_.sharp && verb != 'b') {
    int digits = 0;
    switch (verb) {
      case 'v':
      case 'g':
      case 'G':
      case 'x':
        digits = prec;
        if (digits == -1) digits = 6;
        break;
      default:
        break;
    }
    std::string tail;
    bool has_decimal_point = false;
    bool saw_nonzero_digit = false;
    for (size_t i = 1; i < num.size(); i++) {
      char c = num[i];
      if (c == '.') {
        has_decimal_point = true;
      } else if (c == 'p' || c == 'P') {
        tail = num.substr(i);
        num.resize(i);
        break;
      } else if ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X') {
        tail = num.substr(i);
        num.resize(i);
        break;
      } else {
        if (c != '0') saw_nonzero_digit = true;
        if (saw_nonzero_digit) digits--;
      }
    }
    if (!has_decimal_point) {
      if (num.size() == 2 && num[1] == '0') digits--;  // a leading 0 counts once
      num += '.';
    }
    while (digits > 0) {
      num += '0';
      digits--;
    }
    num += tail;
  }
  // Show the sign if asked for or negative.
  if (f_.plus || num[0] != '+') {
    // With zero padding the sign goes before the zeros.
    if (f_.zero && !f_.minus && f_.wid_present && f_.wid > static_cast<int>(num.size())) {
      buf += num[0];
      WritePadding(f_.wid - static_cast<int>(num.size()));
      buf.append(num, 1);
      return;
    }
    Pad(num);
    return;
  }
  Pad(std::string_view(num).substr(1));
}

void Printer::BadVerb(char32_t verb) {
  erroring_ = true;
  buf += "%!";
  AppendRune(buf, verb);
  buf += '(';
  if (arg_ != nullptr && !arg_->is_nil()) {
    buf += arg_->TypeName();
    buf += '=';
    const Value* arg = arg_;
    PrintArg(*arg, 'v');
    arg_ = arg;
  } else {
    buf += "<nil>";
  }
  buf += ')';
  erroring_ = false;
}

void Printer::FmtBool(bool v, char32_t verb) {
  switch (verb) {
    case 't':
    case 'v':
      FmtBoolean(v);
      return;
    default:
      BadVerb(verb);
  }
}

void Printer::FmtInteger(uint64_t v, bool is_signed, char32_t verb) {
  switch (verb) {
    case 'v':
      if (f_.sharp_v && !is_signed) {  // fmt0x64(v, true)
        bool sharp = f_.sharp;
        f_.sharp = true;
        FmtIntegerBase(v, 16, is_signed, verb, kLowerDigits);
        f_.sharp = sharp;
      } else {
        FmtIntegerBase(v, 10, is_signed, verb, kLowerDigits);
      }
      return;
    case 'd':
      FmtIntegerBase(v, 10, is_signed, verb, kLowerDigits);
      return;
    case 'b':
      FmtIntegerBase(v, 2, is_signed, verb, kLowerDigits);
      return;
    case 'o':
    case 'O':
      FmtIntegerBase(v, 8, is_signed, verb, kLowerDigits);
      return;
    case 'x':
      FmtIntegerBase(v, 16, is_signed, verb, kLowerDigits);
      return;
    case 'X':
      FmtIntegerBase(v, 16, is_signed, verb, kUpperDigits);
      return;
    case 'c':
      FmtC(v);
      return;
    case 'q':
      FmtQc(v);
      return;
    case 'U':
      FmtUnicode(v);
      return;
    default:
      BadVerb(verb);
  }
}

void Printer::FmtFloat(double v, char32_t verb) {
  switch (verb) {
    case 'v':
      FmtFloatPrec(v, 'g', -1);
      return;
    case 'b':
    case 'g':
    case 'G':
    case 'x':
    case 'X':
      FmtFloatPrec(v, static_cast<char>(verb), -1);
      return;
    case 'f':
    case 'e':
    case 'E':
      FmtFloatPrec(v, static_cast<char>(verb), 6);
      return;
    case 'F':
      FmtFloatPrec(v, 'f', 6);
      return;
    default:
      BadVerb(verb);
  }
}

void Printer::FmtString(std::string_view v, char32_t verb) {
  switch (verb) {
    case 'v':
      if (f_.sharp_v) {
        FmtQ(v);
      } else {
        FmtS(v);
      }
      return;
    case 's':
      FmtS(v);
      return;
    case 'x':
      FmtSx(v, kLowerDigits);
      return;
    case 'X':
      FmtSx(v, kUpperDigits);
      return;
    case 'q':
      FmtQ(v);
      return;
    default:
      BadVerb(verb);
  }
}

// HandleMethods calls String() on the values whose Go types have one (time.Time and
// time.Duration) for the verbs that accept a string.
bool Printer::HandleMethods(const Value& v, char32_t verb) {
  if (erroring_) return false;
  if (v.kind() != Value::Kind::kTime && v.kind() != Value::Kind::kDuration) return false;
  if (f_.sharp_v) return v.kind() == Value::Kind::kTime ? (Pad(v.Print()), true) : false;
  switch (verb) {
    case 'v':
    case 's':
    case 'x':
    case 'X':
    case 'q':
      FmtString(v.Print(), verb);
      return true;
    default:
      return false;
  }
}

// PrintBasic formats the scalar kinds (what printArg does without reflection).
void Printer::PrintBasic(const Value& v, char32_t verb) {
  switch (v.kind()) {
    case Value::Kind::kBool:
      FmtBool(v.as_bool(), verb);
      return;
    case Value::Kind::kInt:
      FmtInteger(static_cast<uint64_t>(v.as_int()), true, verb);
      return;
    case Value::Kind::kUint:
      FmtInteger(v.as_uint(), false, verb);
      return;
    case Value::Kind::kFloat:
      FmtFloat(v.as_float(), verb);
      return;
    case Value::Kind::kString:
      FmtString(v.as_string(), verb);
      return;
    case Value::Kind::kDuration:
      FmtInteger(static_cast<uint64_t>(v.as_duration().count()), true, verb);
      return;
    case Value::Kind::kTime:
      // A time.Time with a verb its String method does not serve: Go prints the struct's
      // unexported fields; there is nothing meaningful to match, so report the verb.
      if (erroring_ || verb == 'v') {
        Pad(v.Print());
      } else {
        BadVerb(verb);
      }
      return;
    default:
      return;
  }
}

void Printer::PrintArg(const Value& arg, char32_t verb) {
  arg_ = &arg;
  if (arg.is_nil()) {
    if (verb == 'T' || verb == 'v') {
      Pad("<nil>");
    } else {
      BadVerb(verb);
    }
    return;
  }
  if (verb == 'T') {
    FmtS(arg.TypeName());
    return;
  }
  if (verb == 'p') {  // no addresses here
    BadVerb(verb);
    return;
  }
  // The plain %v of any value is Value::Print, the engine's single rendering of fmt's %v.
  if (verb == 'v' && NoFlags()) {
    buf += arg.Print();
    return;
  }
  if (HandleMethods(arg, verb)) return;
  switch (arg.kind()) {
    case Value::Kind::kList:
    case Value::Kind::kMap:
    case Value::Kind::kStruct:
      PrintValue(arg, verb, 0);
      return;
    default:
      PrintBasic(arg, verb);
  }
}

void Printer::PrintValue(const Value& v, char32_t verb, int depth) {
  if (depth > kMaxDepth) {
    buf += "...";
    return;
  }
  // Elements of []interface{} and map[string]interface{} are interfaces: a nil one prints
  // as <nil> whatever the verb.
  if (v.is_nil()) {
    buf += f_.sharp_v ? "interface {}(nil)" : "<nil>";
    return;
  }
  arg_ = &v;
  if (depth > 0 && HandleMethods(v, verb)) return;
  switch (v.kind()) {
    case Value::Kind::kMap: {
      buf += f_.sharp_v ? "map[string]interface {}{" : "map[";
      bool first = true;
      for (const auto& [key, elem] : v.as_map()) {
        if (!first) buf += f_.sharp_v ? ", " : " ";
        first = false;
        Value k = Value::String(key);
        PrintValue(k, verb, depth + 1);
        buf += ':';
        PrintValue(elem, verb, depth + 1);
      }
      buf += f_.sharp_v ? '}' : ']';
      return;
    }
    case Value::Kind::kList: {
      buf += f_.sharp_v ? "[]interface {}{" : "[";
      bool first = true;
      for (const Value& elem : v.as_list()) {
        if (!first) buf += f_.sharp_v ? ", " : " ";
        first = false;
        PrintValue(elem, verb, depth + 1);
      }
      buf += f_.sharp_v ? '}' : ']';
      return;
    }
    case Value::Kind::kStruct: {
      const Struct& s = v.as_struct();
      std::string_view type = s.type_name;
      if (!type.empty() && type[0] == '*') {  // pointer to struct: &{...}
        buf += '&';
        type.remove_prefix(1);
      }
      if (f_.sharp_v) buf += type;
      buf += '{';
      bool first = true;
      for (const StructField& field : s.fields) {
        if (!first) buf += f_.sharp_v ? ", " : " ";
        first = false;
        if (f_.plus_v || f_.sharp_v) {
          buf += field.go_name;
          buf += ':';
        }
        PrintValue(field.value, verb, depth + 1);
      }
      buf += '}';
      return;
    }
    default:
      PrintBasic(v, verb);
  }
}

// ParseNum is fmt's parsenum: a decimal number at s[*i], at most kMaxNumber.
bool ParseNum(std::string_view s, size_t* i, int* num) {
  *num = 0;
  bool isnum = false;
  size_t j = *i;
  for (; j < s.size() && s[j] >= '0' && s[j] <= '9'; j++) {
    if (*num > kMaxNumber) {  // overflow; a crazy long number most likely
      *num = 0;
      *i = s.size();
      return false;
    }
    *num = *num * 10 + (s[j] - '0');
    isnum = true;
  }
  *i = j;
  return isnum;
}

// IntFromArg is fmt's intFromArg: the operand used by a '*' width or precision.
bool IntFromArg(std::span<const Value> a, size_t* arg_num, int* num) {
  *num = 0;
  bool is_int = false;
  if (*arg_num < a.size()) {
    const Value& v = a[*arg_num];
    switch (v.kind()) {
      case Value::Kind::kInt:
        if (v.as_int() >= INT32_MIN && v.as_int() <= INT32_MAX) {
          *num = static_cast<int>(v.as_int());
          is_int = true;
        }
        break;
      case Value::Kind::kUint:
        if (v.as_uint() <= INT32_MAX) {
          *num = static_cast<int>(v.as_uint());
          is_int = true;
        }
        break;
      case Value::Kind::kDuration:
        if (v.as_duration().count() >= INT32_MIN && v.as_duration().count() <= INT32_MAX) {
          *num = static_cast<int>(v.as_duration().count());
          is_int = true;
        }
        break;
      default:
        break;
    }
    ++*arg_num;
    if (*num > kMaxNumber || *num < -kMaxNumber) {
      *num = 0;
      is_int = false;
    }
  }
  return is_int;
}

void Printer::DoPrintf(std::string_view format, std::span<const Value> a) {
  const size_t end = format.size();
  size_t arg_num = 0;        // one operand per non-trivial verb
  bool after_index = false;  // the previous item was an index like [3]
  bool reordered = false;
  bool good_arg_num = true;

  // ArgNumber is fmt's argNumber: an explicit "[n]" operand index at format[*i].
  auto arg_number = [&](size_t* i) -> bool {
    if (*i >= end || format[*i] != '[') return false;
    reordered = true;
    // parseArgNumber: at least three bytes "[n]".
    size_t wid = 1;
    bool ok = false;
    int index = 0;
    if (end - *i >= 3) {
      for (size_t j = *i + 1; j < end; j++) {
        if (format[j] == ']') {
          size_t k = *i + 1;
          int width = 0;
          bool isnum = ParseNum(format.substr(0, j), &k, &width);
          if (!isnum || k != j) {
            wid = j - *i + 1;
            ok = false;
          } else {
            index = width - 1;
            wid = j - *i + 1;
            ok = true;
          }
          break;
        }
      }
    }
    *i += wid;
    if (ok && index >= 0 && static_cast<size_t>(index) < a.size()) {
      arg_num = static_cast<size_t>(index);
      return true;
    }
    good_arg_num = false;
    return ok;
  };

  for (size_t i = 0; i < end;) {
    good_arg_num = true;
    size_t lasti = i;
    while (i < end && format[i] != '%') i++;
    if (i > lasti) buf.append(format, lasti, i - lasti);
    if (i >= end) break;
    i++;  // skip %

    f_ = Flags();
    bool simple_done = false;
    for (; i < end; i++) {
      char c = format[i];
      if (c == '#') {
        f_.sharp = true;
      } else if (c == '0') {
        f_.zero = !f_.minus;  // zero padding only to the left
      } else if (c == '+') {
        f_.plus = true;
      } else if (c == '-') {
        f_.minus = true;
        f_.zero = false;
      } else if (c == ' ') {
        f_.space = true;
      } else {
        // Fast path: a lower-case ASCII verb with no width, precision or index.
        if (c >= 'a' && c <= 'z' && arg_num < a.size()) {
          if (c == 'v') {
            f_.sharp_v = f_.sharp;
            f_.sharp = false;
            f_.plus_v = f_.plus;
            f_.plus = false;
          }
          PrintArg(a[arg_num], static_cast<char32_t>(c));
          arg_num++;
          i++;
          simple_done = true;
        }
        break;
      }
    }
    if (simple_done) continue;

    // Explicit operand index?
    after_index = arg_number(&i);

    // Width.
    if (i < end && format[i] == '*') {
      i++;
      f_.wid_present = IntFromArg(a, &arg_num, &f_.wid);
      if (!f_.wid_present) buf += "%!(BADWIDTH)";
      if (f_.wid < 0) {  // a negative width means left-justify
        f_.wid = -f_.wid;
        f_.minus = true;
        f_.zero = false;
      }
      after_index = false;
    } else {
      f_.wid_present = ParseNum(format, &i, &f_.wid);
      if (after_index && f_.wid_present) good_arg_num = false;  // "%[3]2d"
    }

    // Precision.
    if (i + 1 < end && format[i] == '.') {
      i++;
      if (after_index) good_arg_num = false;  // "%[3].2d"
      after_index = arg_number(&i);
      if (i < end && format[i] == '*') {
        i++;
        f_.prec_present = IntFromArg(a, &arg_num, &f_.prec);
        if (f_.prec < 0) {  // negative precision makes no sense
          f_.prec = 0;
          f_.prec_present = false;
        }
        if (!f_.prec_present) buf += "%!(BADPREC)";
        after_index = false;
      } else {
        f_.prec_present = ParseNum(format, &i, &f_.prec);
        if (!f_.prec_present) {
          f_.prec = 0;
          f_.prec_present = true;
        }
      }
    }

    if (!after_index) after_index = arg_number(&i);

    if (i >= end) {
      buf += "%!(NOVERB)";
      break;
    }

    char32_t verb = DecodeRune(format, i);

    if (verb == '%') {  // %% takes no operand and ignores width and precision
      buf += '%';
    } else if (!good_arg_num) {
      buf += "%!";
      AppendRune(buf, verb);
      buf += "(BADINDEX)";
    } else if (arg_num >= a.size()) {
      buf += "%!";
      AppendRune(buf, verb);
      buf += "(MISSING)";
    } else {
      if (verb == 'v') {
        f_.sharp_v = f_.sharp;
        f_.sharp = false;
        f_.plus_v = f_.plus;
        f_.plus = false;
      }
      PrintArg(a[arg_num], verb);
      arg_num++;
    }
  }

  // Extra operands, unless they were addressed out of order.
  if (!reordered && arg_num < a.size()) {
    f_ = Flags();
    buf += "%!(EXTRA ";
    for (size_t k = arg_num; k < a.size(); k++) {
      if (k > arg_num) buf += ", ";
      if (a[k].is_nil()) {
        buf += "<nil>";
      } else {
        buf += a[k].TypeName();
        buf += '=';
        PrintArg(a[k], 'v');
      }
    }
    buf += ')';
  }
}

void Printer::DoPrint(std::span<const Value> a) {
  bool prev_string = false;
  for (size_t i = 0; i < a.size(); i++) {
    bool is_string = a[i].kind() == Value::Kind::kString;
    if (i > 0 && !is_string && !prev_string) buf += ' ';
    f_ = Flags();
    PrintArg(a[i], 'v');
    prev_string = is_string;
  }
}

void Printer::DoPrintln(std::span<const Value> a) {
  for (size_t i = 0; i < a.size(); i++) {
    if (i > 0) buf += ' ';
    f_ = Flags();
    PrintArg(a[i], 'v');
  }
  buf += '\n';
}

}  // namespace

std::string GoSprintf(std::string_view format, std::span<const Value> args) {
  Printer p;
  p.DoPrintf(format, args);
  return std::move(p.buf);
}

std::string GoSprint(std::span<const Value> args) {
  Printer p;
  p.DoPrint(args);
  return std::move(p.buf);
}

std::string GoSprintln(std::span<const Value> args) {
  Printer p;
  p.DoPrintln(args);
  return std::move(p.buf);
}

}  // namespace cairn::templates

// sprig's string functions (strings.go, goutils, xstrings) and the Unicode helpers they use.

#include <algorithm>
#include <string>
#include <string_view>

#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates::internal {

// ---- Unicode ---------------------------------------------------------------------------

char32_t DecodeRune(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  size_t len = 0;
  char32_t cp = 0;
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
  if (len == 0 || i + len > s.size()) {
    ++i;
    return kRuneError;
  }
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) {
      ++i;
      return kRuneError;
    }
    cp = (cp << 6) | (cc & 0x3f);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    ++i;
    return kRuneError;
  }
  i += len;
  return cp;
}

void AppendRune(std::string& out, char32_t r) {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = kRuneError;
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xc0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xe0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  }
}

std::u32string Runes(std::string_view s) {
  std::u32string out;
  size_t i = 0;
  while (i < s.size()) out += DecodeRune(s, i);
  return out;
}

std::string FromRunes(const std::u32string& r) {
  std::string out;
  for (char32_t c : r) AppendRune(out, c);
  return out;
}

bool IsSpaceRune(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

namespace {

// CasePair reports the upper/lower partner of r in the scripts we map, or 0.
char32_t ToUpperMapped(char32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if (r < 0x80) return r;
  if ((r >= 0xE0 && r <= 0xFE && r != 0xF7)) return r - 32;
  if (r == 0xFF) return 0x178;
  if (r == 0xB5) return 0x39C;
  if (r >= 0x100 && r <= 0x17F) {
    if (r == 0x131) return 'I';
    if (r == 0x17F) return 'S';
    bool odd_lower = (r >= 0x100 && r <= 0x137) || (r >= 0x14A && r <= 0x177);
    bool even_lower = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E);
    if (odd_lower && (r & 1)) return r - 1;
    if (even_lower && !(r & 1)) return r - 1;
    return r;
  }
  if (r >= 0x3B1 && r <= 0x3C9 && r != 0x3C2) return r - 32;
  if (r == 0x3C2) return 0x3A3;
  if (r >= 0x430 && r <= 0x44F) return r - 32;
  if (r >= 0x450 && r <= 0x45F) return r - 80;
  return r;
}

char32_t ToLowerMapped(char32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if (r < 0x80) return r;
  if (r >= 0xC0 && r <= 0xDE && r != 0xD7) return r + 32;
  if (r == 0x178) return 0xFF;
  if (r >= 0x100 && r <= 0x17F) {
    if (r == 0x130) return 'i';
    bool even_upper = (r >= 0x100 && r <= 0x137) || (r >= 0x14A && r <= 0x177);
    bool odd_upper = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E);
    if (even_upper && !(r & 1)) return r + 1;
    if (odd_upper && (r & 1)) return r + 1;
    return r;
  }
  if (r >= 0x391 && r <= 0x3A9 && r != 0x3A2) return r + 32;
  if (r >= 0x410 && r <= 0x42F) return r + 32;
  if (r >= 0x400 && r <= 0x40F) return r + 80;
  return r;
}

}  // namespace

char32_t ToUpperRune(char32_t r) { return ToUpperMapped(r); }
char32_t ToLowerRune(char32_t r) { return ToLowerMapped(r); }

bool IsUpperRune(char32_t r) { return ToLowerMapped(r) != r; }
bool IsLowerRune(char32_t r) {
  if (r == 0xDF || r == 0x138 || r == 0x149) return true;  // ß, ĸ, ŉ: lower, no upper
  return ToUpperMapped(r) != r;
}

bool IsLetterRune(char32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r == 0xAA || r == 0xB5 || r == 0xBA) return true;
  if (r < 0xC0) return false;
  if (r == 0xD7 || r == 0xF7) return false;
  if (r >= 0x2000 && r <= 0x2BFF) return false;  // punctuation, symbols, arrows, ...
  if (r >= 0x3000 && r <= 0x303F) return false;  // CJK punctuation
  if (r >= 0xFF00 && r <= 0xFF20) return false;
  if (IsSpaceRune(r)) return false;
  return r != kRuneError && r <= 0x10FFFF;
}

bool IsDigitRune(char32_t r) { return r >= '0' && r <= '9'; }

bool IsPunctRune(char32_t r) {
  if (r < 0x80) {
    switch (r) {
      case '!':
      case '"':
      case '#':
      case '%':
      case '&':
      case '\'':
      case '(':
      case ')':
      case '*':
      case ',':
      case '-':
      case '.':
      case '/':
      case ':':
      case ';':
      case '?':
      case '@':
      case '[':
      case '\\':
      case ']':
      case '_':
      case '{':
      case '}':
        return true;
      default:
        return false;
    }
  }
  return r == 0xA1 || r == 0xA7 || r == 0xAB || r == 0xB6 || r == 0xB7 || r == 0xBB || r == 0xBF ||
         (r >= 0x2010 && r <= 0x2027) || (r >= 0x2030 && r <= 0x205E);
}

std::string GoQuoteString(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    char32_t r = DecodeRune(s, i);
    if (r == kRuneError && i - start == 1) {
      unsigned char b = static_cast<unsigned char>(s[start]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
      continue;
    }
    switch (r) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\v':
        out += "\\v";
        continue;
      default:
        break;
    }
    if (r < 0x20 || r == 0x7f) {
      out += "\\x";
      out += kHex[r >> 4];
      out += kHex[r & 15];
    } else if ((r >= 0x80 && r < 0xA0) || r == 0xAD || r == 0x2028 || r == 0x2029 || r == 0xFEFF ||
               (r >= 0x200B && r <= 0x200F)) {
      out += "\\u";
      for (int sh = 12; sh >= 0; sh -= 4) out += kHex[(r >> sh) & 15];
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  out += '"';
  return out;
}

namespace {

// ---- Go strings package helpers -------------------------------------------------------

std::string GoRepeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// GoReplaceAll is strings.Replace(s, old, new, -1), including Go's behaviour for an empty
// `old` (insert at every rune boundary).
std::string GoReplaceAll(std::string_view s, std::string_view old, std::string_view repl) {
  std::string out;
  if (old.empty()) {
    out += repl;
    size_t i = 0;
    while (i < s.size()) {
      size_t start = i;
      DecodeRune(s, i);
      out.append(s.substr(start, i - start));
      out += repl;
    }
    return out;
  }
  size_t pos = 0;
  for (;;) {
    size_t f = s.find(old, pos);
    if (f == std::string_view::npos) break;
    out.append(s.substr(pos, f - pos));
    out += repl;
    pos = f + old.size();
  }
  out.append(s.substr(pos));
  return out;
}

// GoSplitN is strings.SplitN (n < 0: all).
std::vector<std::string> GoSplitN(std::string_view s, std::string_view sep, int64_t n) {
  std::vector<std::string> out;
  if (n == 0) return out;
  if (sep.empty()) {
    size_t i = 0;
    while (i < s.size()) {
      if (n > 0 && static_cast<int64_t>(out.size()) == n - 1) {
        out.emplace_back(s.substr(i));
        return out;
      }
      size_t start = i;
      DecodeRune(s, i);
      out.emplace_back(s.substr(start, i - start));
    }
    return out;
  }
  size_t pos = 0;
  while (n < 0 || static_cast<int64_t>(out.size()) < n - 1) {
    size_t f = s.find(sep, pos);
    if (f == std::string_view::npos) break;
    out.emplace_back(s.substr(pos, f - pos));
    pos = f + sep.size();
  }
  out.emplace_back(s.substr(pos));
  return out;
}

std::string TrimSpace(std::string_view s) {
  std::u32string r = Runes(s);
  size_t b = 0, e = r.size();
  while (b < e && IsSpaceRune(r[b])) ++b;
  while (e > b && IsSpaceRune(r[e - 1])) --e;
  return FromRunes(r.substr(b, e - b));
}

std::string TrimCutset(std::string_view s, std::string_view cutset) {
  std::u32string cut = Runes(cutset);
  std::u32string r = Runes(s);
  auto in = [&](char32_t c) { return cut.find(c) != std::u32string::npos; };
  size_t b = 0, e = r.size();
  while (b < e && in(r[b])) ++b;
  while (e > b && in(r[e - 1])) --e;
  // Keep the original bytes (invalid UTF-8 inside is preserved).
  size_t bi = 0, ei = s.size(), i = 0, k = 0;
  while (i < s.size()) {
    if (k == b) bi = i;
    if (k == e) ei = i;
    DecodeRune(s, i);
    ++k;
  }
  if (k == b) bi = s.size();
  if (k == e) ei = s.size();
  if (b >= e) return "";
  return std::string(s.substr(bi, ei - bi));
}

std::string MapRunes(std::string_view s, char32_t (*f)(char32_t)) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    char32_t r = DecodeRune(s, i);
    if (r == kRuneError && i - start == 1) {
      out += "\xEF\xBF\xBD";
      continue;
    }
    AppendRune(out, f(r));
  }
  return out;
}

bool IsTitleSeparator(char32_t r) {
  if (r <= 0x7F) {
    return !((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') ||
             r == '_');
  }
  if (IsLetterRune(r) || IsDigitRune(r)) return false;
  return IsSpaceRune(r);
}

// ---- goutils ---------------------------------------------------------------------------

// AbbreviateFull is goutils.AbbreviateFull (byte based, as Go's).
Result<std::string> AbbreviateFull(std::string_view str, int64_t offset, int64_t max_width) {
  if (str.empty()) return std::string();
  if (max_width < 4) {
    return InvalidArgumentError("stringutils illegal argument: Minimum abbreviation width is 4");
  }
  int64_t len = static_cast<int64_t>(str.size());
  if (len <= max_width) return std::string(str);
  if (offset > len) offset = len;
  if (len - offset < max_width - 3) offset = len - (max_width - 3);
  const std::string marker = "...";
  if (offset <= 4) return std::string(str.substr(0, static_cast<size_t>(max_width - 3))) + marker;
  if (max_width < 7) {
    return InvalidArgumentError(
        "stringutils illegal argument: Minimum abbreviation width with offset is 7");
  }
  if (offset + max_width - 3 < len) {
    auto rest = AbbreviateFull(str.substr(static_cast<size_t>(offset)), 0, max_width - 3);
    return marker + (rest.ok() ? *rest : std::string());
  }
  return marker + std::string(str.substr(static_cast<size_t>(len - (max_width - 3))));
}

// WrapCustom is goutils.WrapCustom (byte based).
std::string WrapCustom(std::string_view str, int64_t wrap_length, std::string_view newline,
                       bool wrap_long_words) {
  if (str.empty()) return "";
  if (newline.empty()) newline = "\n";
  if (wrap_length < 1) wrap_length = 1;
  size_t wl = static_cast<size_t>(std::min<int64_t>(wrap_length, 1 << 30));
  size_t len = str.size();
  size_t offset = 0;
  std::string out;
  while (len - offset > wl) {
    if (str[offset] == ' ') {
      ++offset;
      continue;
    }
    size_t end = wl + offset + 1;
    size_t sp = str.substr(offset, end - offset).rfind(' ');
    if (sp != std::string_view::npos) {
      size_t at = sp + offset;
      out.append(str.substr(offset, at - offset));
      out += newline;
      offset = at + 1;
    } else if (wrap_long_words) {
      out.append(str.substr(offset, wl));
      out += newline;
      offset += wl;
    } else {
      size_t e = wl + offset;
      size_t idx = str.substr(e).find(' ');
      if (idx == std::string_view::npos) {
        out.append(str.substr(offset));
        offset = len;
      } else {
        size_t at = idx + e;
        out.append(str.substr(offset, at - offset));
        out += newline;
        offset = at + 1;
      }
    }
  }
  out.append(str.substr(offset));
  return out;
}

// Latin1Byte appends byte b as the rune U+00bb, which is what goutils' byte-wise loops do.
void AppendByteRune(std::string& out, unsigned char b) { AppendRune(out, b); }

std::string DeleteWhiteSpace(std::string_view str) {
  std::string out;
  size_t count = 0;
  for (unsigned char b : str) {
    if (!IsSpaceRune(b)) {
      AppendByteRune(out, b);
      ++count;
    }
  }
  if (count == str.size()) return std::string(str);
  return out;
}

std::string Initials(std::string_view str) {
  std::string out;
  bool gap = true;
  for (unsigned char b : str) {
    if (IsSpaceRune(b)) {
      gap = true;
    } else if (gap) {
      AppendByteRune(out, b);
      gap = false;
    }
  }
  return out;
}

std::string Uncapitalize(std::string_view str) {
  std::u32string r = Runes(str);
  bool next = true;
  for (char32_t& c : r) {
    if (IsSpaceRune(c)) {
      next = true;
    } else if (next) {
      c = ToLowerRune(c);
      next = false;
    }
  }
  return FromRunes(r);
}

std::string SwapCase(std::string_view str) {
  // goutils title-cases a lower-case letter after whitespace and upper-cases the others;
  // title case equals upper case for the scripts we map.
  std::u32string r = Runes(str);
  for (char32_t& c : r) {
    if (IsUpperRune(c)) {
      c = ToLowerRune(c);
    } else if (IsLowerRune(c)) {
      c = ToUpperRune(c);
    }
  }
  return FromRunes(r);
}

// ---- xstrings --------------------------------------------------------------------------

bool IsConnector(char32_t r) { return r == '-' || r == '_' || IsSpaceRune(r); }
bool IsAlphabet(char32_t r) { return IsLetterRune(r); }
bool IsNumberRune(char32_t r) { return IsDigitRune(r); }

// ToCamelCase is xstrings.ToCamelCase (v1.3/1.4, upper camel case): "some_words" ->
// "SomeWords".
std::string ToCamelCase(std::string_view s) {
  std::u32string str = Runes(s);
  if (str.empty()) return "";
  std::u32string buf;
  size_t i = 0;
  char32_t r0 = 0, r1 = 0;
  bool have = false;
  while (i < str.size()) {
    r0 = str[i++];
    have = true;
    if (!IsConnector(r0)) {
      r0 = ToUpperRune(r0);
      break;
    }
    buf += r0;
  }
  if (i >= str.size()) {
    if (have && !IsConnector(r0)) buf += r0;
    return FromRunes(buf);
  }
  while (i < str.size()) {
    r1 = r0;
    r0 = str[i++];
    if (IsConnector(r0) && IsConnector(r1)) {
      buf += r1;
      continue;
    }
    if (IsConnector(r1)) {
      r0 = ToUpperRune(r0);
    } else {
      buf += r1;
    }
  }
  buf += r0;
  return FromRunes(buf);
}

enum class WordType { kInvalid, kNumber, kUpperCase, kAlphabet, kConnector, kPunct, kOther };

struct Word {
  WordType type = WordType::kInvalid;
  std::u32string text;
};

// NextWord is xstrings' nextWord over runes (invalid UTF-8 was already mapped to U+FFFD).
Word NextWord(std::u32string_view& rest) {
  Word w;
  if (rest.empty()) return w;
  std::u32string_view str = rest;
  size_t off = 1;
  char32_t r = str[0];
  if (r == kRuneError) {
    w.type = WordType::kInvalid;
    w.text = str.substr(0, 1);
    rest = str.substr(1);
    return w;
  }
  auto take_while = [&](auto pred) {
    while (off < str.size() && pred(str[off])) ++off;
  };
  if (IsConnector(r)) {
    w.type = WordType::kConnector;
    take_while(IsConnector);
  } else if (IsPunctRune(r)) {
    w.type = WordType::kPunct;
    take_while(IsPunctRune);
  } else if (IsUpperRune(r)) {
    w.type = WordType::kUpperCase;
    if (off < str.size()) {
      char32_t n = str[off];
      if (IsUpperRune(n)) {
        size_t start = off;
        take_while(IsUpperRune);
        // "HTTPStatus" splits into "HTTP" and "Status".
        if (off < str.size() && IsAlphabet(str[off]) && off > start) --off;
      } else if (IsAlphabet(n)) {
        take_while([](char32_t c) { return IsAlphabet(c) && !IsUpperRune(c); });
      }
    }
  } else if (IsAlphabet(r)) {
    w.type = WordType::kAlphabet;
    take_while([](char32_t c) { return IsAlphabet(c) && !IsUpperRune(c); });
  } else if (IsNumberRune(r)) {
    w.type = WordType::kNumber;
    take_while(IsNumberRune);
  } else {
    w.type = WordType::kOther;
    take_while([](char32_t c) {
      return !(IsConnector(c) || IsAlphabet(c) || IsNumberRune(c) || IsPunctRune(c));
    });
  }
  w.text = str.substr(0, off);
  rest = str.substr(off);
  return w;
}

void ToLowerWord(std::u32string& buf, const Word& w, char32_t connector) {
  if (w.type != WordType::kUpperCase && w.type != WordType::kConnector) {
    buf += w.text;
    return;
  }
  for (char32_t r : w.text) {
    if (IsConnector(r)) {
      buf += connector;
    } else if (IsUpperRune(r)) {
      buf += ToLowerRune(r);
    } else {
      buf += r;
    }
  }
}

// CamelCaseToLowerCase is xstrings' camelCaseToLowerCase (snakecase, kebabcase).
std::string CamelCaseToLowerCase(std::string_view s, char32_t connector) {
  if (s.empty()) return "";
  std::u32string all = Runes(s);
  std::u32string_view rest = all;
  std::u32string buf;
  Word w = NextWord(rest);
  while (!rest.empty()) {
    if (w.type != WordType::kConnector) ToLowerWord(buf, w, connector);
    WordType prev = w.type;
    Word last = w;
    w = NextWord(rest);
    switch (prev) {
      case WordType::kNumber:
        while (w.type == WordType::kAlphabet || w.type == WordType::kNumber) {
          ToLowerWord(buf, w, connector);
          w = NextWord(rest);
        }
        if (w.type != WordType::kInvalid && w.type != WordType::kPunct &&
            w.type != WordType::kConnector) {
          buf += connector;
        }
        break;
      case WordType::kConnector:
        ToLowerWord(buf, last, connector);
        break;
      case WordType::kPunct:
        break;
      default: {
        if (w.type != WordType::kNumber) {
          if (w.type != WordType::kConnector && w.type != WordType::kPunct) buf += connector;
          break;
        }
        if (rest.empty()) break;
        Word num = w;
        w = NextWord(rest);
        if (w.type != WordType::kAlphabet) {
          Word n2 = num;
          n2.type = WordType::kNumber;
          ToLowerWord(buf, n2, connector);
          if (w.type != WordType::kConnector && w.type != WordType::kPunct) buf += connector;
          break;
        }
        buf += connector;
        Word n2 = num;
        n2.type = WordType::kNumber;
        ToLowerWord(buf, n2, connector);
        while (w.type == WordType::kAlphabet || w.type == WordType::kNumber) {
          ToLowerWord(buf, w, connector);
          w = NextWord(rest);
        }
        if (w.type != WordType::kInvalid && w.type != WordType::kConnector &&
            w.type != WordType::kPunct) {
          buf += connector;
        }
        break;
      }
    }
  }
  ToLowerWord(buf, w, connector);
  return FromRunes(buf);
}

// ---- Registration helpers --------------------------------------------------------------

Result<std::string> RandomString(const FuncEnv& env, std::string_view name, const Value& count_v,
                                 std::string_view alphabet) {
  CAIRN_ASSIGN_OR_RETURN(int64_t count, ArgInt(count_v));
  if (count <= 0) return std::string();  // goutils errors on negative counts; sprig drops it
  CAIRN_RETURN_IF_ERROR(CheckStringSize(name, static_cast<size_t>(count)));
  Random& rnd = *env.random;
  std::string out;
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    CAIRN_ASSIGN_OR_RETURN(uint64_t k, rnd.Uniform(alphabet.size()));
    out += alphabet[k];
  }
  return out;
}

using StrFn = std::string (*)(std::string_view);

Func Unary(std::string name, StrFn f) {
  return [name, f](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
    return Value::String(f(s));
  };
}

// Binary wraps a sprig function of two string parameters (in template order).
template <typename F>
Func Binary(std::string name, F f) {
  return [name, f](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string a, ArgString(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string b, ArgString(args[1]));
    return f(a, b);
  };
}

Value StringList(const std::vector<std::string>& items) {
  List l;
  l.reserve(items.size());
  for (const std::string& s : items) l.push_back(Value::String(s));
  return Value::MakeList(std::move(l));
}

Value IndexedMap(const std::vector<std::string>& parts) {
  Map m;
  for (size_t i = 0; i < parts.size(); ++i) {
    m.emplace("_" + std::to_string(i), Value::String(parts[i]));
  }
  return Value::MakeMap(std::move(m));
}

Result<std::string> Indent(std::string_view name, int64_t spaces, std::string_view v) {
  if (spaces < 0) return InvalidArgumentError("strings: negative Repeat count");
  size_t lines = static_cast<size_t>(std::count(v.begin(), v.end(), '\n')) + 1;
  if (static_cast<uint64_t>(spaces) > kMaxStringBytes ||
      static_cast<uint64_t>(spaces) * lines + v.size() > kMaxStringBytes) {
    return CheckStringSize(name, kMaxStringBytes + 1);
  }
  std::string pad(static_cast<size_t>(spaces), ' ');
  return pad + GoReplaceAll(v, "\n", "\n" + pad);
}

}  // namespace

std::vector<std::string> StrSlice(const Value& v) {
  std::vector<std::string> out;
  if (v.kind() == Value::Kind::kList) {
    for (const Value& e : v.as_list()) {
      if (!e.is_nil()) out.push_back(ToString(e));
    }
    return out;
  }
  if (v.is_nil()) return out;
  out.push_back(ToString(v));
  return out;
}

void AddSprigStringFuncs(FuncMap& funcs, const FuncEnv& env) {
  funcs["hello"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("hello", args, 0));
    return Value::String("Hello!");
  };
  funcs["trim"] = Unary("trim", [](std::string_view s) { return TrimSpace(s); });
  funcs["upper"] = Unary("upper", [](std::string_view s) { return MapRunes(s, ToUpperRune); });
  funcs["lower"] = Unary("lower", [](std::string_view s) { return MapRunes(s, ToLowerRune); });
  funcs["title"] = Unary("title", [](std::string_view s) {
    std::string out;
    char32_t prev = ' ';
    size_t i = 0;
    while (i < s.size()) {
      size_t start = i;
      char32_t r = DecodeRune(s, i);
      if (IsTitleSeparator(prev) && !(r == kRuneError && i - start == 1)) {
        AppendRune(out, ToUpperRune(r));
      } else {
        out.append(s.substr(start, i - start));
      }
      prev = r;
    }
    return out;
  });
  funcs["untitle"] = Unary("untitle", [](std::string_view s) { return Uncapitalize(s); });
  funcs["nospace"] = Unary("nospace", [](std::string_view s) { return DeleteWhiteSpace(s); });
  funcs["initials"] = Unary("initials", [](std::string_view s) { return Initials(s); });
  funcs["swapcase"] = Unary("swapcase", [](std::string_view s) { return SwapCase(s); });
  funcs["snakecase"] =
      Unary("snakecase", [](std::string_view s) { return CamelCaseToLowerCase(s, '_'); });
  funcs["kebabcase"] =
      Unary("kebabcase", [](std::string_view s) { return CamelCaseToLowerCase(s, '-'); });
  funcs["camelcase"] = Unary("camelcase", [](std::string_view s) { return ToCamelCase(s); });
  funcs["shuffle"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("shuffle", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
    std::u32string r = Runes(s);
    for (size_t i = r.size(); i > 1; --i) {
      CAIRN_ASSIGN_OR_RETURN(uint64_t j, env.random->Uniform(i));
      std::swap(r[i - 1], r[j]);
    }
    return Value::String(FromRunes(r));
  };

  funcs["abbrev"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("abbrev", args, 2));
    CAIRN_ASSIGN_OR_RETURN(int64_t width, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
    if (width < 4) return Value::String(s);
    auto r = AbbreviateFull(s, 0, width);
    return Value::String(r.ok() ? *r : "");
  };
  funcs["abbrevboth"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("abbrevboth", args, 3));
    CAIRN_ASSIGN_OR_RETURN(int64_t left, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(int64_t right, ArgInt(args[1]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[2]));
    if (right < 4 || (left > 0 && right < 7)) return Value::String(s);
    auto r = AbbreviateFull(s, left, right);
    return Value::String(r.ok() ? *r : "");
  };
  funcs["trunc"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("trunc", args, 2));
    CAIRN_ASSIGN_OR_RETURN(int64_t c, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
    int64_t len = static_cast<int64_t>(s.size());
    if (c < 0 && len + c > 0) return Value::String(s.substr(static_cast<size_t>(len + c)));
    if (c >= 0 && len > c) return Value::String(s.substr(0, static_cast<size_t>(c)));
    return Value::String(s);
  };
  funcs["substr"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("substr", args, 3));
    CAIRN_ASSIGN_OR_RETURN(int64_t start, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(int64_t end, ArgInt(args[1]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[2]));
    int64_t len = static_cast<int64_t>(s.size());
    auto bounds = [](int64_t a, int64_t b, int64_t cap) -> Status {
      // Go's runtime panic for a bad slice expression.
      if (b < 0 || b > cap) {
        return InvalidArgumentError("runtime error: slice bounds out of range [:" +
                                    std::to_string(b) + "] with length " + std::to_string(cap));
      }
      if (a < 0 || a > b) {
        return InvalidArgumentError("runtime error: slice bounds out of range [" +
                                    std::to_string(a) + ":" + std::to_string(b) + "]");
      }
      return Status::Ok();
    };
    if (start < 0) {
      CAIRN_RETURN_IF_ERROR(bounds(0, end, len));
      return Value::String(s.substr(0, static_cast<size_t>(end)));
    }
    if (end < 0 || end > len) {
      CAIRN_RETURN_IF_ERROR(bounds(start, len, len));
      return Value::String(s.substr(static_cast<size_t>(start)));
    }
    CAIRN_RETURN_IF_ERROR(bounds(start, end, len));
    return Value::String(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start)));
  };
  funcs["repeat"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("repeat", args, 2));
    CAIRN_ASSIGN_OR_RETURN(int64_t count, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
    if (count < 0) return InvalidArgumentError("strings: negative Repeat count");
    if (!s.empty() && static_cast<uint64_t>(count) > kMaxStringBytes / s.size()) {
      return CheckStringSize("repeat", kMaxStringBytes + 1);
    }
    return Value::String(GoRepeat(s, s.empty() ? 0 : static_cast<size_t>(count)));
  };
  auto trim_all = [](std::string_view name) {
    return Binary(std::string(name), [](const std::string& cutset, const std::string& s) {
      return Result<Value>(Value::String(TrimCutset(s, cutset)));
    });
  };
  funcs["trimAll"] = trim_all("trimAll");
  funcs["trimall"] = trim_all("trimall");
  funcs["trimSuffix"] = Binary("trimSuffix", [](const std::string& suf, const std::string& s) {
    return Result<Value>(Value::String(s.ends_with(suf) ? s.substr(0, s.size() - suf.size()) : s));
  });
  funcs["trimPrefix"] = Binary("trimPrefix", [](const std::string& pre, const std::string& s) {
    return Result<Value>(Value::String(s.starts_with(pre) ? s.substr(pre.size()) : s));
  });
  funcs["contains"] = Binary("contains", [](const std::string& sub, const std::string& s) {
    return Result<Value>(Value::Bool(s.find(sub) != std::string::npos));
  });
  funcs["hasPrefix"] = Binary("hasPrefix", [](const std::string& p, const std::string& s) {
    return Result<Value>(Value::Bool(s.starts_with(p)));
  });
  funcs["hasSuffix"] = Binary("hasSuffix", [](const std::string& p, const std::string& s) {
    return Result<Value>(Value::Bool(s.ends_with(p)));
  });

  static constexpr std::string_view kLetters =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  static constexpr std::string_view kAlnum =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static constexpr std::string_view kDigits = "0123456789";
  static constexpr std::string_view kAscii =
      " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
      "abcdefghijklmnopqrstuvwxyz{|}~";
  auto rand_fn = [env](std::string name, std::string_view alphabet) -> Func {
    return [env, name, alphabet](std::span<const Value> args) -> Result<Value> {
      CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 1));
      CAIRN_ASSIGN_OR_RETURN(std::string s, RandomString(env, name, args[0], alphabet));
      return Value::String(std::move(s));
    };
  };
  funcs["randAlphaNum"] = rand_fn("randAlphaNum", kAlnum);
  funcs["randAlpha"] = rand_fn("randAlpha", kLetters);
  funcs["randNumeric"] = rand_fn("randNumeric", kDigits);
  funcs["randAscii"] = rand_fn("randAscii", kAscii);

  funcs["wrap"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("wrap", args, 2));
    CAIRN_ASSIGN_OR_RETURN(int64_t l, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
    std::string out = WrapCustom(s, l, "", false);
    CAIRN_RETURN_IF_ERROR(CheckStringSize("wrap", out.size()));
    return Value::String(std::move(out));
  };
  funcs["wrapWith"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("wrapWith", args, 3));
    CAIRN_ASSIGN_OR_RETURN(int64_t l, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string sep, ArgString(args[1]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[2]));
    // Each line of at least one byte gets a separator: bound the output first.
    uint64_t lines = s.size() / static_cast<uint64_t>(std::max<int64_t>(l, 1)) + 1;
    if (lines * sep.size() + s.size() > kMaxStringBytes) {
      return CheckStringSize("wrapWith", kMaxStringBytes + 1);
    }
    return Value::String(WrapCustom(s, l, sep, true));
  };
  funcs["quote"] = [](std::span<const Value> args) -> Result<Value> {
    std::string out;
    bool first = true;
    for (const Value& v : args) {
      if (v.is_nil()) continue;
      if (!first) out += ' ';
      first = false;
      out += GoQuoteString(ToString(v));
    }
    return Value::String(std::move(out));
  };
  funcs["squote"] = [](std::span<const Value> args) -> Result<Value> {
    std::string out;
    bool first = true;
    for (const Value& v : args) {
      if (v.is_nil()) continue;
      if (!first) out += ' ';
      first = false;
      out += "'" + v.Print() + "'";
    }
    return Value::String(std::move(out));
  };
  funcs["cat"] = [](std::span<const Value> args) -> Result<Value> {
    std::string out;
    bool first = true;
    for (const Value& v : args) {
      if (v.is_nil()) continue;
      if (!first) out += ' ';
      first = false;
      out += v.Print();
    }
    return Value::String(std::move(out));
  };
  funcs["indent"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("indent", args, 2));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
    CAIRN_ASSIGN_OR_RETURN(std::string out, Indent("indent", n, s));
    return Value::String(std::move(out));
  };
  funcs["nindent"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("nindent", args, 2));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
    CAIRN_ASSIGN_OR_RETURN(std::string out, Indent("nindent", n, s));
    return Value::String("\n" + out);
  };
  funcs["replace"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("replace", args, 3));
    CAIRN_ASSIGN_OR_RETURN(std::string old, ArgString(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string repl, ArgString(args[1]));
    CAIRN_ASSIGN_OR_RETURN(std::string src, ArgString(args[2]));
    size_t hits = old.empty() ? src.size() + 1 : 0;
    if (!old.empty()) {
      for (size_t p = src.find(old); p != std::string::npos; p = src.find(old, p + old.size())) {
        ++hits;
      }
    }
    if (repl.size() > old.size() &&
        src.size() + hits * (repl.size() - old.size()) > kMaxStringBytes) {
      return CheckStringSize("replace", kMaxStringBytes + 1);
    }
    return Value::String(GoReplaceAll(src, old, repl));
  };
  funcs["plural"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("plural", args, 3));
    CAIRN_ASSIGN_OR_RETURN(std::string one, ArgString(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string many, ArgString(args[1]));
    CAIRN_ASSIGN_OR_RETURN(int64_t count, ArgInt(args[2]));
    return Value::String(count == 1 ? one : many);
  };
  funcs["toString"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("toString", args, 1));
    return Value::String(ToString(args[0]));
  };
  funcs["toStrings"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("toStrings", args, 1));
    return StringList(StrSlice(args[0]));
  };
  funcs["join"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("join", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string sep, ArgString(args[0]));
    std::vector<std::string> parts = StrSlice(args[1]);
    size_t total = 0;
    for (const std::string& p : parts) total += p.size() + sep.size();
    CAIRN_RETURN_IF_ERROR(CheckStringSize("join", total));
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += sep;
      out += parts[i];
    }
    return Value::String(std::move(out));
  };
  funcs["split"] = Binary("split", [](const std::string& sep, const std::string& s) {
    return Result<Value>(IndexedMap(GoSplitN(s, sep, -1)));
  });
  funcs["splitList"] = Binary("splitList", [](const std::string& sep, const std::string& s) {
    return Result<Value>(StringList(GoSplitN(s, sep, -1)));
  });
  funcs["splitn"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("splitn", args, 3));
    CAIRN_ASSIGN_OR_RETURN(std::string sep, ArgString(args[0]));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, ArgInt(args[1]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[2]));
    return IndexedMap(GoSplitN(s, sep, n));
  };
  funcs["sortAlpha"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("sortAlpha", args, 1));
    if (args[0].kind() != Value::Kind::kList) return StringList({ToString(args[0])});
    std::vector<std::string> items = StrSlice(args[0]);
    std::sort(items.begin(), items.end());
    return StringList(items);
  };
}

}  // namespace cairn::templates::internal

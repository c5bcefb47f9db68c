#include "policy/idna.h"

#include <cstdint>
#include <cstdio>
#include <vector>

#include "base/strings.h"

namespace cairn::policy {
namespace {

// RFC 3492 §5 parameters.
constexpr uint64_t kBase = 36;
constexpr uint64_t kTmin = 1;
constexpr uint64_t kTmax = 26;
constexpr uint64_t kSkew = 38;
constexpr uint64_t kDamp = 700;
constexpr uint64_t kInitialBias = 72;
constexpr uint64_t kInitialN = 128;
// Go's idna uses int32 arithmetic and reports overflow beyond it.
constexpr uint64_t kMaxInt = 0x7fffffff;
// Go's decoder refuses more than 1024 code points; we bound the encoder the same way so the
// quadratic algorithm stays cheap.
constexpr size_t kMaxLabelCodePoints = 1024;

std::string RuneError(char32_t c) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "idna: disallowed rune U+%04X", static_cast<unsigned>(c));
  return buf;
}

std::string LabelError(std::string_view label) {
  // Go formats the label with %q; labels reaching here are short and mostly printable.
  std::string out = "idna: invalid label \"";
  for (char c : label) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

uint64_t Adapt(uint64_t delta, uint64_t num_points, bool first_time) {
  delta = first_time ? delta / kDamp : delta / 2;
  delta += delta / num_points;
  uint64_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

uint64_t Threshold(uint64_t k, uint64_t bias) {
  if (k <= bias) return kTmin;
  if (k >= bias + kTmax) return kTmax;
  return k - bias;
}

char EncodeDigit(uint64_t d) {
  return d < 26 ? static_cast<char>('a' + d) : static_cast<char>('0' + (d - 26));
}

bool DecodeDigit(char c, uint64_t* out) {
  if (c >= '0' && c <= '9') {
    *out = static_cast<uint64_t>(c - '0') + 26;
  } else if (c >= 'a' && c <= 'z') {
    *out = static_cast<uint64_t>(c - 'a');
  } else if (c >= 'A' && c <= 'Z') {
    *out = static_cast<uint64_t>(c - 'A');
  } else {
    return false;
  }
  return true;
}

bool IsAscii(std::u32string_view s) {
  for (char32_t c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// The outcome of mapping one code point under (our subset of) UTS #46 with STD3 rules.
struct Mapping {
  enum Kind { kValid, kMapped, kIgnored, kDisallowed } kind;
  char32_t to;
};

bool IsDisallowedNonAscii(char32_t c) {
  if (c <= 0xa0) return true;  // C1 controls and NO-BREAK SPACE (maps to a space: STD3)
  if (c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
      c == 0x205f || c == 0x3000) {
    return true;  // spaces
  }
  if (c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
    return true;  // bidi controls
  }
  if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe) return true;  // noncharacters
  if ((c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000) return true;            // private use
  if (c >= 0xfff9 && c <= 0xfffd) return true;  // specials, replacement character
  return false;
}

bool IsIgnored(char32_t c) {
  return c == 0x00ad || c == 0x200b || c == 0x2060 || c == 0xfeff || (c >= 0xfe00 && c <= 0xfe0f);
}

bool IsCombiningMark(char32_t c) {
  return (c >= 0x0300 && c <= 0x036f) || (c >= 0x0483 && c <= 0x0489) ||
         (c >= 0x0591 && c <= 0x05bd) || (c >= 0x0610 && c <= 0x061a) ||
         (c >= 0x064b && c <= 0x065f) || (c >= 0x1ab0 && c <= 0x1aff) ||
         (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) ||
         (c >= 0xfe20 && c <= 0xfe2f);
}

Mapping MapLookup(char32_t c) {
  if (c < 0x80) {
    if (c >= 'A' && c <= 'Z') return {Mapping::kMapped, c + 32};
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.') {
      return {Mapping::kValid, c};
    }
    return {Mapping::kDisallowed, c};
  }
  if (c >= 0xff01 && c <= 0xff5e) {  // full-width ASCII
    const Mapping m = MapLookup(c - 0xfee0);
    if (m.kind == Mapping::kDisallowed) return {Mapping::kDisallowed, c};
    return {Mapping::kMapped, m.to};
  }
  if (c == 0x3002 || c == 0xff61) return {Mapping::kMapped, U'.'};  // ideographic full stops
  if (IsIgnored(c)) return {Mapping::kIgnored, c};
  if (IsDisallowedNonAscii(c)) return {Mapping::kDisallowed, c};
  const char32_t lower = SimpleLower(c);
  if (lower != c) return {Mapping::kMapped, lower};
  return {Mapping::kValid, c};
}

// ValidateLabel applies x/net/idna's validateLabel with CheckHyphens and CheckJoiners (joiners
// are simply refused: we do not implement the contextual rules).
Status ValidateLabel(std::u32string_view label) {
  if (label.empty()) return Status();
  const std::string s = EncodeUtf8(label);
  if (s.size() > 4 && s[2] == '-' && s[3] == '-') return InvalidArgumentError(LabelError(s));
  if (s.front() == '-' || s.back() == '-') return InvalidArgumentError(LabelError(s));
  if (IsCombiningMark(label.front())) return InvalidArgumentError(LabelError(s));
  for (char32_t c : label) {
    if (c == 0x200c || c == 0x200d) return InvalidArgumentError(LabelError(s));
  }
  return Status();
}

std::vector<std::u32string_view> SplitLabels(std::u32string_view s) {
  std::vector<std::u32string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == U'.') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool HasAcePrefix(std::u32string_view label) {
  return label.size() >= 4 && label[0] == U'x' && label[1] == U'n' && label[2] == U'-' &&
         label[3] == U'-';
}

}  // namespace

Result<std::u32string> DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    size_t len;
    char32_t cp;
    char32_t min;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      len = 2, cp = b0 & 0x1f, min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3, cp = b0 & 0x0f, min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return InvalidArgumentError("invalid UTF-8");
    }
    if (i + len > s.size()) return InvalidArgumentError("invalid UTF-8");
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80) return InvalidArgumentError("invalid UTF-8");
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return InvalidArgumentError("invalid UTF-8");
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string EncodeUtf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  return out;
}

char32_t SimpleLower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0xc0) return c;
  if (c <= 0xde) return c == 0xd7 ? c : c + 32;  // Latin-1 capitals (not ×)
  if (c >= 0x0100 && c <= 0x017f) {              // Latin Extended-A
    if ((c <= 0x012f || (c >= 0x0132 && c <= 0x0137) || (c >= 0x014a && c <= 0x0177)) &&
        c % 2 == 0) {
      return c + 1;
    }
    if (((c >= 0x0139 && c <= 0x0148) || (c >= 0x0179 && c <= 0x017e)) && c % 2 == 1) {
      return c + 1;
    }
    if (c == 0x0178) return 0x00ff;
    return c;
  }
  if (((c >= 0x0200 && c <= 0x021f) || (c >= 0x0222 && c <= 0x0233)) && c % 2 == 0) {
    return c + 1;  // Latin Extended-B regular pairs
  }
  if (c >= 0x0391 && c <= 0x03a9 && c != 0x03a2) return c + 32;  // Greek
  if (c >= 0x0410 && c <= 0x042f) return c + 32;                 // Cyrillic
  if (c >= 0x0400 && c <= 0x040f) return c + 80;
  return c;
}

std::string ToLowerText(std::string_view s) {
  Result<std::u32string> cps = DecodeUtf8(s);
  if (!cps.ok()) {
    std::string out(s);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  for (char32_t& c : *cps) c = SimpleLower(c);
  return EncodeUtf8(*cps);
}

bool EqualFold(std::string_view a, std::string_view b) {
  Result<std::u32string> ca = DecodeUtf8(a);
  Result<std::u32string> cb = DecodeUtf8(b);
  if (!ca.ok() || !cb.ok()) return EqualsIgnoreCase(a, b);
  if (ca->size() != cb->size()) return false;
  for (size_t i = 0; i < ca->size(); ++i) {
    if (SimpleLower((*ca)[i]) != SimpleLower((*cb)[i])) return false;
  }
  return true;
}

Result<std::string> PunycodeEncode(std::u32string_view label) {
  if (label.size() > kMaxLabelCodePoints) {
    return InvalidArgumentError("idna: label too long for punycode");
  }
  std::string out;
  uint64_t basic = 0;
  for (char32_t c : label) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++basic;
    }
  }
  uint64_t handled = basic;
  if (basic > 0) out.push_back('-');
  uint64_t n = kInitialN;
  uint64_t delta = 0;
  uint64_t bias = kInitialBias;
  while (handled < label.size()) {
    uint64_t m = kMaxInt;
    for (char32_t c : label) {
      if (c >= n && c < m) m = c;
    }
    delta += (m - n) * (handled + 1);
    if (delta > kMaxInt) return InvalidArgumentError(LabelError(EncodeUtf8(label)));
    n = m;
    for (char32_t c : label) {
      if (c < n) {
        if (++delta > kMaxInt) return InvalidArgumentError(LabelError(EncodeUtf8(label)));
      }
      if (c != n) continue;
      uint64_t q = delta;
      for (uint64_t k = kBase;; k += kBase) {
        const uint64_t t = Threshold(k, bias);
        if (q < t) break;
        out.push_back(EncodeDigit(t + (q - t) % (kBase - t)));
        q = (q - t) / (kBase - t);
      }
      out.push_back(EncodeDigit(q));
      bias = Adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return out;
}

Result<std::u32string> PunycodeDecode(std::string_view encoded) {
  std::u32string out;
  if (encoded.empty()) return out;
  for (char c : encoded) {
    if (static_cast<unsigned char>(c) >= 0x80) return InvalidArgumentError(LabelError(encoded));
  }
  size_t pos = 0;
  const size_t dash = encoded.rfind('-');
  if (dash != std::string_view::npos) {
    if (dash == 0) return InvalidArgumentError(LabelError(encoded));
    for (size_t i = 0; i < dash; ++i) out.push_back(static_cast<unsigned char>(encoded[i]));
    if (dash == encoded.size() - 1) return out;
    pos = dash + 1;
  }
  uint64_t i = 0;
  uint64_t n = kInitialN;
  uint64_t bias = kInitialBias;
  while (pos < encoded.size()) {
    const uint64_t old_i = i;
    uint64_t w = 1;
    for (uint64_t k = kBase;; k += kBase) {
      if (pos == encoded.size()) return InvalidArgumentError(LabelError(encoded));
      uint64_t digit;
      if (!DecodeDigit(encoded[pos], &digit)) return InvalidArgumentError(LabelError(encoded));
      ++pos;
      i += digit * w;
      if (i > kMaxInt) return InvalidArgumentError(LabelError(encoded));
      const uint64_t t = Threshold(k, bias);
      if (digit < t) break;
      w *= kBase - t;
      if (w > kMaxInt) return InvalidArgumentError(LabelError(encoded));
    }
    if (out.size() >= kMaxLabelCodePoints) return InvalidArgumentError(LabelError(encoded));
    const uint64_t x = out.size() + 1;
    bias = Adapt(i - old_i, x, old_i == 0);
    n += i / x;
    i %= x;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) {
      return InvalidArgumentError(LabelError(encoded));
    }
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(i), static_cast<char32_t>(n));
    ++i;
  }
  return out;
}

Result<std::string> IdnaLookupToAscii(std::string_view domain) {
  Result<std::u32string> cps = DecodeUtf8(domain);
  if (!cps.ok()) return InvalidArgumentError(RuneError(0xfffd));
  std::u32string mapped;
  mapped.reserve(cps->size());
  for (char32_t c : *cps) {
    const Mapping m = MapLookup(c);
    switch (m.kind) {
      case Mapping::kDisallowed:
        return InvalidArgumentError(RuneError(c));
      case Mapping::kIgnored:
        break;
      case Mapping::kValid:
      case Mapping::kMapped:
        mapped.push_back(m.to);
        break;
    }
  }
  std::string out;
  bool first = true;
  for (std::u32string_view label : SplitLabels(mapped)) {
    if (!first) out.push_back('.');
    first = false;
    if (label.empty()) continue;
    std::u32string unicode(label);
    if (HasAcePrefix(label)) {
      Result<std::u32string> decoded = PunycodeDecode(EncodeUtf8(label.substr(4)));
      if (!decoded.ok()) return decoded.status();
      // x/net validateFromPunycode: the decoded label must already be in mapped form.
      for (char32_t c : *decoded) {
        if (MapLookup(c).kind != Mapping::kValid || c == U'.') {
          return InvalidArgumentError(LabelError(EncodeUtf8(*decoded)));
        }
      }
      unicode = std::move(*decoded);
    }
    CAIRN_RETURN_IF_ERROR(ValidateLabel(unicode));
    if (IsAscii(unicode)) {
      out += EncodeUtf8(unicode);
    } else {
      CAIRN_ASSIGN_OR_RETURN(std::string encoded, PunycodeEncode(unicode));
      out += "xn--" + encoded;
    }
  }
  return out;
}

Result<std::string> IdnaPunycodeToAscii(std::string_view domain) {
  Result<std::u32string> cps = DecodeUtf8(domain);
  if (!cps.ok()) return InvalidArgumentError(RuneError(0xfffd));
  std::string out;
  bool first = true;
  for (std::u32string_view label : SplitLabels(*cps)) {
    if (!first) out.push_back('.');
    first = false;
    std::u32string unicode(label);
    if (HasAcePrefix(label)) {
      CAIRN_ASSIGN_OR_RETURN(unicode, PunycodeDecode(EncodeUtf8(label.substr(4))));
    }
    if (IsAscii(unicode)) {
      out += EncodeUtf8(unicode);
    } else {
      CAIRN_ASSIGN_OR_RETURN(std::string encoded, PunycodeEncode(unicode));
      out += "xn--" + encoded;
    }
  }
  return out;
}

}  // namespace cairn::policy

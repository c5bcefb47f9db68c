#include "templates/x509_asn1.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "base/json_depth.h"
#include "crypto/der.h"

namespace cairn::templates::x509_internal {
namespace {

// ParseArc reads a decimal arc as strconv.Atoi would (optional sign, digits) and refuses what
// encoding/asn1 cannot marshal (negative) or what does not fit in int64.
bool ParseArc(std::string_view s, uint64_t* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  *out = v;
  return true;
}

void AppendBase128(std::string& out, uint64_t v) {
  char buf[10];
  int n = 0;
  do {
    buf[n++] = static_cast<char>(v & 0x7f);
    v >>= 7;
  } while (v != 0);
  while (n > 1) out += static_cast<char>(buf[--n] | 0x80);
  out += buf[0];
}

// Limbs is a little-endian base-1e9 magnitude.
using Limbs = std::vector<uint32_t>;
constexpr uint32_t kLimbBase = 1000000000;

void MulAdd(Limbs& limbs, uint32_t mul, uint32_t add) {
  uint64_t carry = add;
  for (auto& limb : limbs) {
    const uint64_t v = static_cast<uint64_t>(limb) * mul + carry;
    limb = static_cast<uint32_t>(v % kLimbBase);
    carry = v / kLimbBase;
  }
  while (carry != 0) {
    limbs.push_back(static_cast<uint32_t>(carry % kLimbBase));
    carry /= kLimbBase;
  }
}

std::string LimbsToDecimal(const Limbs& limbs) {
  if (limbs.empty()) return "0";
  std::string out = std::to_string(limbs.back());
  for (size_t i = limbs.size() - 1; i-- > 0;) {
    std::string part = std::to_string(limbs[i]);
    out += std::string(9 - part.size(), '0') + part;
  }
  return out;
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

}  // namespace

Result<std::string> EncodeOidContents(std::string_view dotted) {
  auto bad = [&] {
    return InvalidArgumentError("'" + std::string(dotted) + "' is not a valid object identifier");
  };
  if (dotted.empty() || dotted.size() > 256) return bad();
  std::vector<uint64_t> arcs;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    const std::string_view part =
        dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    uint64_t arc = 0;
    if (!ParseArc(part, &arc)) return bad();
    arcs.push_back(arc);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40)) return bad();
  if (arcs[0] == 2 && arcs[1] > static_cast<uint64_t>(INT64_MAX) - 80) return bad();
  std::string out;
  AppendBase128(out, arcs[0] * 40 + arcs[1]);
  for (size_t i = 2; i < arcs.size(); ++i) AppendBase128(out, arcs[i]);
  return out;
}

Result<std::string> EncodeOid(std::string_view dotted) {
  CAIRN_ASSIGN_OR_RETURN(std::string contents, EncodeOidContents(dotted));
  return crypto::der::Tlv(crypto::der::kObjectIdentifier, contents);
}

Result<std::string> DecodeOidContents(std::string_view contents) {
  if (contents.empty()) return InvalidArgumentError("empty object identifier");
  std::string out;
  uint64_t v = 0;
  bool first = true;
  for (size_t i = 0; i < contents.size(); ++i) {
    const auto b = static_cast<uint8_t>(contents[i]);
    if (v == 0 && b == 0x80) return InvalidArgumentError("non-minimal object identifier");
    if (v > (UINT64_MAX >> 7)) return InvalidArgumentError("object identifier arc too large");
    v = (v << 7) | (b & 0x7f);
    if (b & 0x80) {
      if (i + 1 == contents.size()) return InvalidArgumentError("truncated object identifier");
      continue;
    }
    if (first) {
      const uint64_t a = v < 40 ? 0 : v < 80 ? 1 : 2;
      out = std::to_string(a) + "." + std::to_string(v - a * 40);
      first = false;
    } else {
      out += "." + std::to_string(v);
    }
    v = 0;
  }
  return out;
}

std::string BigEndianToDecimal(std::string_view bytes) {
  Limbs limbs;
  for (char c : bytes) MulAdd(limbs, 256, static_cast<uint8_t>(c));
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  return LimbsToDecimal(limbs);
}

Result<GoBigInt> ParseGoBigInt(std::string_view text, size_t max_length) {
  auto bad = [&] {
    return InvalidArgumentError("'" + std::string(text.substr(0, 64)) + "' is not a valid integer");
  };
  if (text.empty() || text.size() > max_length) return bad();
  GoBigInt out;
  std::string_view s = text;
  if (s[0] == '+' || s[0] == '-') {
    out.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  bool prefixed = false;
  if (s.size() >= 2 && s[0] == '0') {
    const char p = s[1];
    if (p == 'x' || p == 'X') {
      base = 16;
      s.remove_prefix(2);
      prefixed = true;
    } else if (p == 'b' || p == 'B') {
      base = 2;
      s.remove_prefix(2);
      prefixed = true;
    } else if (p == 'o' || p == 'O') {
      base = 8;
      s.remove_prefix(2);
      prefixed = true;
    } else {
      // A bare leading "0" selects octal; the "0" itself is a digit of value zero.
      base = 8;
      s.remove_prefix(1);
      prefixed = true;
    }
  }
  // Go's scanner: '_' may follow the prefix or separate digits, never lead (without a prefix),
  // trail or repeat.
  Limbs limbs;
  bool any_digit = false;
  bool last_underscore = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      if (last_underscore || (!any_digit && !prefixed)) return bad();
      last_underscore = true;
      continue;
    }
    const int d = DigitValue(c);
    if (d >= base) return bad();
    MulAdd(limbs, static_cast<uint32_t>(base), static_cast<uint32_t>(d));
    any_digit = true;
    last_underscore = false;
  }
  if (last_underscore) return bad();
  if (!any_digit) return bad();  // "0x", "-", "_"
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  out.decimal = LimbsToDecimal(limbs);
  if (out.decimal == "0") out.negative = false;
  return out;
}

bool UnsignedDecimalToUint64(std::string_view decimal, uint64_t* out) {
  if (decimal.empty() || decimal.size() > 20) return false;
  uint64_t v = 0;
  for (char c : decimal) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

Result<nlohmann::ordered_json> ParseFirstJsonValue(std::string_view text, const std::string& what,
                                                   size_t max_bytes, int max_depth) {
  if (text.size() > max_bytes) {
    return InvalidArgumentError(what + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (JsonNestingDepth(text) > max_depth) {
    return InvalidArgumentError(what + " nests JSON deeper than " + std::to_string(max_depth));
  }
  try {
    // Stream extraction is nlohmann's non-strict parse: it stops after the first value, as
    // Go's json.Decoder does (step decodes templates with one).
    std::istringstream in{std::string(text)};
    nlohmann::ordered_json j;
    in >> j;
    return j;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError("error unmarshaling " + what + ": " + e.what());
  }
}

}  // namespace cairn::templates::x509_internal

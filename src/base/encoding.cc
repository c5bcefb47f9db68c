#include "base/encoding.h"

#include <array>
#include <cstdint>

namespace cairn {
namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(std::string_view data, const char* alphabet, bool pad) {
  // Written through a pointer into the sized result: push_back's capacity check per character
  // cost as much as the encoding (every issuance base64-encodes its certificates).
  const size_t full = data.size() / 3;
  const size_t rest = data.size() - full * 3;
  const size_t tail = rest == 0 ? 0 : (pad ? 4 : rest + 1);
  std::string out(full * 4 + tail, '\0');
  char* o = out.data();
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  for (size_t i = 0; i < full; ++i, p += 3) {
    const uint32_t v = (p[0] << 16) | (p[1] << 8) | p[2];
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    *o++ = alphabet[(v >> 6) & 63];
    *o++ = alphabet[v & 63];
  }
  if (rest > 0) {
    const uint32_t v = (p[0] << 16) | (rest == 2 ? p[1] << 8 : 0);
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    if (rest == 2) *o++ = alphabet[(v >> 6) & 63];
    if (pad) *o++ = '=';
    if (pad && rest == 1) *o++ = '=';
  }
  return out;
}

std::array<int8_t, 256> MakeTable(const char* alphabet) {
  std::array<int8_t, 256> t;
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}

Result<std::string> Decode(std::string_view text, const std::array<int8_t, 256>& table, bool url) {
  std::string out(text.size() * 3 / 4 + 1, '\0');
  char* o = out.data();
  uint32_t acc = 0;
  int bits = 0;
  size_t pads = 0;
  size_t symbols = 0;
  for (char c : text) {
    if (!url && (c == '\n' || c == '\r' || c == ' ' || c == '\t')) continue;
    if (!url && c == '=') {
      ++pads;
      continue;
    }
    if (pads > 0) return InvalidArgumentError("base64: data after padding");
    int8_t v = table[static_cast<uint8_t>(c)];
    if (v < 0) return InvalidArgumentError("base64: illegal character");
    ++symbols;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (symbols % 4 == 1) return InvalidArgumentError("base64: truncated input");
  if (pads > 0 && (symbols + pads) % 4 != 0) return InvalidArgumentError("base64: bad padding");
  // Trailing bits must be zero (canonical encoding).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return InvalidArgumentError("base64: non-canonical trailing bits");
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return out;
}

}  // namespace

std::string Base64Encode(std::string_view data) { return Encode(data, kStd, true); }
std::string Base64UrlEncode(std::string_view data) { return Encode(data, kUrl, false); }

Result<std::string> Base64Decode(std::string_view text) {
  static const auto table = MakeTable(kStd);
  return Decode(text, table, false);
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  static const auto table = MakeTable(kUrl);
  return Decode(text, table, true);
}

std::string HexEncode(std::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

Result<std::string> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return InvalidArgumentError("hex: odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgumentError("hex: illegal character");
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

}  // namespace cairn

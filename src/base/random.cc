#include "base/random.h"

#include "base/encoding.h"

namespace cairn {

Result<std::string> Random::Bytes(size_t n) {
  std::string out(n, '\0');
  CAIRN_RETURN_IF_ERROR(Fill({reinterpret_cast<uint8_t*>(out.data()), out.size()}));
  return out;
}

Result<std::string> Random::Hex(size_t n) {
  CAIRN_ASSIGN_OR_RETURN(std::string raw, Bytes(n));
  return HexEncode(raw);
}

Result<std::string> Random::Alphanumeric(size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    uint8_t buf[64];
    CAIRN_RETURN_IF_ERROR(Fill(buf));
    for (uint8_t b : buf) {
      // Rejection sampling keeps the distribution uniform: 248 = 4 * 62.
      if (b < 248 && out.size() < n) out.push_back(kAlphabet[b % 62]);
    }
  }
  return out;
}

Result<uint64_t> Random::Uint64() {
  uint8_t buf[8];
  CAIRN_RETURN_IF_ERROR(Fill(buf));
  uint64_t v = 0;
  for (uint8_t b : buf) v = (v << 8) | b;
  return v;
}

Result<uint64_t> Random::Uniform(uint64_t bound) {
  if (bound == 0) return InvalidArgumentError("Uniform: bound must be positive");
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(uint64_t v, Uint64());
    if (v < limit) return v % bound;
  }
}

}  // namespace cairn

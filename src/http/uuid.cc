#include "http/uuid.h"

#include <array>
#include <cstdint>

#include "base/encoding.h"

namespace cairn::http {

std::string NewUuidV4(Random& random) {
  std::array<uint8_t, 16> b{};
  Status s = random.Fill(b);
  CAIRN_CHECK(s.ok());
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10 (RFC 9562)
  std::string hex = HexEncode(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace cairn::http

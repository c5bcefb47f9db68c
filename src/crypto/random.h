#pragma once

#include "base/random.h"

namespace cairn::crypto {

// OsslRandom draws from OpenSSL's CSPRNG (RAND_bytes). Thread-safe.
class OsslRandom final : public Random {
 public:
  Status Fill(std::span<uint8_t> out) override;
  // Default returns a process-wide instance.
  static OsslRandom& Default();
};

}  // namespace cairn::crypto

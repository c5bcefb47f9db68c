#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"

namespace cairn {

// Random is the source of all randomness that must be unpredictable (serials, nonces, token
// ids). The production implementation (crypto/random.h, OsslRandom) draws from OpenSSL's
// CSPRNG; tests inject a seeded fake. Implementations are thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  // Fill writes random bytes over `out`. Fails with kInternal if the generator fails.
  virtual Status Fill(std::span<uint8_t> out) = 0;

  // Bytes returns `n` random bytes.
  Result<std::string> Bytes(size_t n);
  // Hex returns `n` random bytes as 2n lower-case hex characters.
  Result<std::string> Hex(size_t n);
  // Alphanumeric returns `n` characters drawn uniformly from [A-Za-z0-9].
  Result<std::string> Alphanumeric(size_t n);
  // Uint64 returns a uniformly random 64-bit value.
  Result<uint64_t> Uint64();
  // Uniform returns a uniformly random value in [0, bound); bound must be > 0.
  Result<uint64_t> Uniform(uint64_t bound);
};

}  // namespace cairn

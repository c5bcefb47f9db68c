#pragma once

// Deterministic stand-ins for the clock and the random source, for fuzz targets whose code under
// test asks for the time or for random bytes: the same input must take the same path on every
// run (libFuzzer needs it to minimise and reproduce), so nothing may come from the system.

#include <cstdint>
#include <mutex>
#include <span>

#include "base/clock.h"
#include "base/random.h"
#include "base/status.h"

namespace cairn::fuzz {

// kFuzzNow is the time every fuzz target lives at: 2026-01-01T00:00:00Z.
inline constexpr int64_t kFuzzNowUnix = 1767225600;

// FixedClock is a Clock that never moves unless told to.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(Time now = FromUnixSeconds(kFuzzNowUnix)) : now_(now) {}
  Time Now() const override { return now_; }
  void Set(Time now) { now_ = now; }

 private:
  Time now_;
};

// SeededRandom is a deterministic Random (xorshift64*): Reset() restarts its sequence, so one
// input sees the same "random" bytes on every run. Thread-safe, as Random requires.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed = 42) : seed_(seed), state_(seed) {}
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = seed_;
  }
  Status Fill(std::span<uint8_t> out) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& b : out) {
      state_ ^= state_ >> 12;
      state_ ^= state_ << 25;
      state_ ^= state_ >> 27;
      b = static_cast<uint8_t>((state_ * 2685821657736338717ull) >> 56);
    }
    return Status();
  }

 private:
  std::mutex mu_;
  uint64_t seed_;
  uint64_t state_;  // guarded by mu_
};

}  // namespace cairn::fuzz

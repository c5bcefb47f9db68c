#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cairn {

using Time = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

// Clock is the only source of wall-clock time for code under test. Implementations are
// thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

// SystemClock reads std::chrono::system_clock.
class SystemClock final : public Clock {
 public:
  Time Now() const override { return std::chrono::system_clock::now(); }
  // Default returns a process-wide instance (it has no state).
  static SystemClock& Default();
};

// ToUnixSeconds / FromUnixSeconds convert between Time and seconds since the epoch.
inline int64_t ToUnixSeconds(Time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline Time FromUnixSeconds(int64_t s) { return Time(std::chrono::seconds(s)); }
// kMaxUnixSeconds is the last whole second Time holds (nanoseconds in 64 bits: 2262-04-11);
// -kMaxUnixSeconds is the first whole second after its minimum (1677-09-21).
inline constexpr int64_t kMaxUnixSeconds =
    std::chrono::duration_cast<std::chrono::seconds>(Time::duration::max()).count();
// TruncateToSeconds drops sub-second precision (certificates carry seconds only).
inline Time TruncateToSeconds(Time t) { return FromUnixSeconds(ToUnixSeconds(t)); }

}  // namespace cairn

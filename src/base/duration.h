#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace cairn {

// ParseGoDuration parses Go's time.ParseDuration syntax: an optional sign, then one or more
// decimal numbers with optional fraction and a unit (ns, us, µs, ms, s, m, h), e.g. "24h",
// "1h30m", "-5m", "1.5s", "0". There is no day unit. Fails with kInvalidArgument.
Result<Duration> ParseGoDuration(std::string_view text);

// FormatGoDuration renders like Go's Duration.String(): "24h0m0s", "5m0s", "1.5s", "300ms",
// "0s".
std::string FormatGoDuration(Duration d);

// FormatRfc3339 renders `t` in UTC with second precision: "2026-11-22T06:04:12Z".
std::string FormatRfc3339(Time t);
// FormatRfc3339Nano renders with up to nanosecond precision (trailing zeros trimmed), as Go's
// time.RFC3339Nano.
std::string FormatRfc3339Nano(Time t);
// ParseRfc3339 accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" (also lower-case t/z). Fails with
// kInvalidArgument on other text, or on a time Time cannot hold (before 1678 or after 2261).
Result<Time> ParseRfc3339(std::string_view text);

// TimeOrDuration is step's "TimeDuration" request field: either an absolute RFC 3339 time or a
// Go duration relative to some base time. An empty string is unset.
class TimeOrDuration {
 public:
  TimeOrDuration() = default;
  static TimeOrDuration At(Time t);
  static TimeOrDuration After(Duration d);

  // Parse accepts "" (unset), an RFC 3339 time, or a Go duration such as "+1h" or "-5m".
  static Result<TimeOrDuration> Parse(std::string_view text);

  bool is_set() const { return kind_ != Kind::kUnset; }
  bool is_relative() const { return kind_ == Kind::kRelative; }
  // Resolve returns the absolute time: the time itself, or `base + duration`.
  Time Resolve(Time base) const;

 private:
  enum class Kind { kUnset, kAbsolute, kRelative };
  Kind kind_ = Kind::kUnset;
  Time time_{};
  Duration duration_{};
};

}  // namespace cairn

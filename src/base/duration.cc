#include "base/duration.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>

namespace cairn {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// UnitNanos returns the size of `unit` in nanoseconds, or 0 if unknown.
uint64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;
  if (unit == "ms") return 1000000;
  if (unit == "s") return 1000000000ull;
  if (unit == "m") return 60ull * 1000000000ull;
  if (unit == "h") return 3600ull * 1000000000ull;
  return 0;
}

// DaysFromCivil converts a proleptic Gregorian date to days since 1970-01-01 (H. Hinnant).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ParseFixed(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  *out = v;
  return true;
}

std::string FormatTime(Time t, bool nanos) {
  using namespace std::chrono;
  auto since = t.time_since_epoch();
  int64_t secs = duration_cast<seconds>(since).count();
  int64_t ns = duration_cast<nanoseconds>(since).count() - secs * 1000000000;
  if (ns < 0) {
    ns += 1000000000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out(buf);
  if (nanos && ns != 0) {
    char frac[32];
    std::snprintf(frac, sizeof(frac), ".%09lld", static_cast<long long>(ns));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

}  // namespace

Result<Duration> ParseGoDuration(std::string_view s) {
  const std::string_view orig = s;
  auto bad = [&] { return InvalidArgumentError("invalid duration \"" + std::string(orig) + "\""); };
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return bad();
  // Accumulate in long double nanoseconds with an explicit overflow bound (Go rejects
  // durations over ~292 years).
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    uint64_t whole = 0;
    bool any = false;
    while (i < s.size() && IsDigit(s[i])) {
      if (whole > (std::numeric_limits<uint64_t>::max() - 9) / 10) return bad();
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      ++i;
      any = true;
    }
    long double frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && IsDigit(s[i])) {
        scale /= 10;
        frac += (s[i] - '0') * scale;
        ++i;
        any = true;
      }
    }
    if (!any) return bad();
    size_t u = i;
    while (u < s.size() && !IsDigit(s[u]) && s[u] != '.') ++u;
    uint64_t unit = UnitNanos(s.substr(i, u - i));
    if (unit == 0) return bad();
    total += (static_cast<long double>(whole) + frac) * static_cast<long double>(unit);
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return bad();
    s.remove_prefix(u);
  }
  auto ns = static_cast<int64_t>(std::llround(total));
  return Duration(neg ? -ns : ns);
}

std::string FormatGoDuration(Duration d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  bool neg = n < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
  std::string out;
  auto frac = [](uint64_t v, int prec) {
    // Renders v / 10^prec with trailing zeros removed.
    std::string digits = std::to_string(v);
    if (static_cast<int>(digits.size()) <= prec) {
      digits.insert(0, static_cast<size_t>(prec - static_cast<int>(digits.size()) + 1), '0');
    }
    std::string whole = digits.substr(0, digits.size() - static_cast<size_t>(prec));
    std::string f = digits.substr(digits.size() - static_cast<size_t>(prec));
    while (!f.empty() && f.back() == '0') f.pop_back();
    return f.empty() ? whole : whole + "." + f;
  };
  if (u < 1000000000ull) {
    if (u < 1000) {
      out = std::to_string(u) + "ns";
    } else if (u < 1000000) {
      out = frac(u, 3) + "\xC2\xB5s";
    } else {
      out = frac(u, 6) + "ms";
    }
  } else {
    uint64_t secs_ns = u % 60000000000ull;
    uint64_t mins = u / 60000000000ull;
    std::string s = frac(secs_ns, 9) + "s";
    if (mins > 0) {
      uint64_t hours = mins / 60;
      mins %= 60;
      s = std::to_string(mins) + "m" + s;
      if (hours > 0) s = std::to_string(hours) + "h" + s;
    }
    out = s;
  }
  return neg ? "-" + out : out;
}

std::string FormatRfc3339(Time t) { return FormatTime(t, false); }
std::string FormatRfc3339Nano(Time t) { return FormatTime(t, true); }

Result<Time> ParseRfc3339(std::string_view s) {
  auto bad = [&] {
    return InvalidArgumentError("invalid RFC 3339 time \"" + std::string(s) + "\"");
  };
  int year, mon, day, hour, min, sec;
  if (s.size() < 20 || !ParseFixed(s, 0, 4, &year) || s[4] != '-' || !ParseFixed(s, 5, 2, &mon) ||
      s[7] != '-' || !ParseFixed(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
      !ParseFixed(s, 11, 2, &hour) || s[13] != ':' || !ParseFixed(s, 14, 2, &min) || s[16] != ':' ||
      !ParseFixed(s, 17, 2, &sec)) {
    return bad();
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return bad();
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (digits < 9) {
        nanos = nanos * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return bad();
    while (digits++ < 9) nanos *= 10;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!ParseFixed(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseFixed(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad();
    }
    offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec - offset;
  // Refuse what Time cannot hold (with the fraction) rather than overflow, e.g.
  // "9999-12-31T23:59:59Z".
  if (secs >= kMaxUnixSeconds || secs <= -kMaxUnixSeconds) {
    return InvalidArgumentError("RFC 3339 time \"" + std::string(s) + "\" is out of range");
  }
  return Time(std::chrono::seconds(secs)) + std::chrono::nanoseconds(nanos);
}

TimeOrDuration TimeOrDuration::At(Time t) {
  TimeOrDuration td;
  td.kind_ = Kind::kAbsolute;
  td.time_ = t;
  return td;
}

TimeOrDuration TimeOrDuration::After(Duration d) {
  TimeOrDuration td;
  td.kind_ = Kind::kRelative;
  td.duration_ = d;
  return td;
}

Result<TimeOrDuration> TimeOrDuration::Parse(std::string_view text) {
  if (text.empty()) return TimeOrDuration();
  if (auto t = ParseRfc3339(text); t.ok()) return At(*t);
  auto d = ParseGoDuration(text);
  if (!d.ok()) {
    return InvalidArgumentError("\"" + std::string(text) +
                                "\" is neither an RFC 3339 time nor a duration");
  }
  return After(*d);
}

Time TimeOrDuration::Resolve(Time base) const {
  switch (kind_) {
    case Kind::kAbsolute:
      return time_;
    case Kind::kRelative:
      return base + std::chrono::duration_cast<Time::duration>(duration_);
    case Kind::kUnset:
      break;
  }
  return base;
}

}  // namespace cairn

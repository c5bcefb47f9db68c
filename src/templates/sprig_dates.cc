// Go's time layouts (time.Format / time.Parse) and sprig's date functions.

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "base/duration.h"
#include "base/file.h"
#include "base/strings.h"
#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates {

namespace internal {

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;
// Unix seconds of Go's zero time, 0001-01-01T00:00:00Z.
constexpr int64_t kZeroTimeUnix = -62135596800;

constexpr std::array<std::string_view, 12> kLongMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};

// DaysFromCivil / CivilFromDays: proleptic Gregorian calendar <-> days since 1970-01-01
// (H. Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y += m <= 2;
}

bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int DaysIn(int m, int64_t y) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && IsLeap(y)) return 29;
  return kDays[m - 1];
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Broken-down local time of a GoTime.
struct Civil {
  int64_t year;
  int month, day, hour, minute, second, nanos, weekday, yday;
};

Civil ToCivil(const GoTime& t) {
  int64_t secs = UnixSeconds(t) + t.utc_offset_seconds;
  int64_t days = FloorDiv(secs, 86400);
  int64_t rem = secs - days * 86400;
  Civil c{};
  CivilFromDays(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem % 3600 / 60);
  c.second = static_cast<int>(rem % 60);
  c.nanos = Nanos(t);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  c.yday = static_cast<int>(days - DaysFromCivil(c.year, 1, 1)) + 1;
  return c;
}

// Layout element codes (Go's std* constants).
enum Std {
  kNone = 0,
  kLongMonth,
  kMonth,
  kNumMonth,
  kZeroMonth,
  kLongWeekDay,
  kWeekDay,
  kDay,
  kUnderDay,
  kZeroDay,
  kUnderYearDay,
  kZeroYearDay,
  kHour,
  kHour12,
  kZeroHour12,
  kMinute,
  kZeroMinute,
  kSecond,
  kZeroSecond,
  kLongYear,
  kYear,
  kPM,
  kpm,
  kTZ,
  kISO8601TZ,
  kISO8601SecondsTZ,
  kISO8601ShortTZ,
  kISO8601ColonTZ,
  kISO8601ColonSecondsTZ,
  kNumTZ,
  kNumSecondsTz,
  kNumShortTZ,
  kNumColonTZ,
  kNumColonSecondsTZ,
  kFracSecond0,
  kFracSecond9,
};

struct Chunk {
  std::string_view prefix;
  Std std = kNone;
  int frac_digits = 0;  // for kFracSecond*
  char frac_sep = '.';
  std::string_view suffix;
};

bool StartsWithLower(std::string_view s) { return !s.empty() && s[0] >= 'a' && s[0] <= 'z'; }
bool IsDigitAt(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// NextStdChunk is Go's nextStdChunk: the text before the first layout element, the element,
// and the rest.
Chunk NextStdChunk(std::string_view layout) {
  auto mk = [&](size_t i, Std std, size_t len) {
    Chunk c;
    c.prefix = layout.substr(0, i);
    c.std = std;
    c.suffix = layout.substr(i + len);
    return c;
  };
  auto at = [&](size_t i, std::string_view w) { return layout.substr(i).starts_with(w); };
  for (size_t i = 0; i < layout.size(); ++i) {
    switch (layout[i]) {
      case 'J':
        if (at(i, "Jan")) {
          if (at(i, "January")) return mk(i, kLongMonth, 7);
          if (!StartsWithLower(layout.substr(i + 3))) return mk(i, kMonth, 3);
        }
        break;
      case 'M':
        if (at(i, "Mon")) {
          if (at(i, "Monday")) return mk(i, kLongWeekDay, 6);
          if (!StartsWithLower(layout.substr(i + 3))) return mk(i, kWeekDay, 3);
        }
        if (at(i, "MST")) return mk(i, kTZ, 3);
        break;
      case '0':
        if (i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          static constexpr Std k0x[] = {kZeroMonth,  kZeroDay,    kZeroHour12,
                                        kZeroMinute, kZeroSecond, kYear};
          return mk(i, k0x[layout[i + 1] - '1'], 2);
        }
        if (at(i, "002")) return mk(i, kZeroYearDay, 3);
        break;
      case '1':
        if (at(i, "15")) return mk(i, kHour, 2);
        return mk(i, kNumMonth, 1);
      case '2':
        if (at(i, "2006")) return mk(i, kLongYear, 4);
        return mk(i, kDay, 1);
      case '_':
        if (at(i, "_2")) {
          if (at(i, "_2006")) {
            Chunk c;
            c.prefix = layout.substr(0, i + 1);
            c.std = kLongYear;
            c.suffix = layout.substr(i + 5);
            return c;
          }
          return mk(i, kUnderDay, 2);
        }
        if (at(i, "__2")) return mk(i, kUnderYearDay, 3);
        break;
      case '3':
        return mk(i, kHour12, 1);
      case '4':
        return mk(i, kMinute, 1);
      case '5':
        return mk(i, kSecond, 1);
      case 'P':
        if (at(i, "PM")) return mk(i, kPM, 2);
        break;
      case 'p':
        if (at(i, "pm")) return mk(i, kpm, 2);
        break;
      case '-':
        if (at(i, "-070000")) return mk(i, kNumSecondsTz, 7);
        if (at(i, "-07:00:00")) return mk(i, kNumColonSecondsTZ, 9);
        if (at(i, "-0700")) return mk(i, kNumTZ, 5);
        if (at(i, "-07:00")) return mk(i, kNumColonTZ, 6);
        if (at(i, "-07")) return mk(i, kNumShortTZ, 3);
        break;
      case 'Z':
        if (at(i, "Z070000")) return mk(i, kISO8601SecondsTZ, 7);
        if (at(i, "Z07:00:00")) return mk(i, kISO8601ColonSecondsTZ, 9);
        if (at(i, "Z0700")) return mk(i, kISO8601TZ, 5);
        if (at(i, "Z07:00")) return mk(i, kISO8601ColonTZ, 6);
        if (at(i, "Z07")) return mk(i, kISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        if (i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
          char ch = layout[i + 1];
          size_t j = i + 1;
          while (j < layout.size() && layout[j] == ch) ++j;
          if (!IsDigitAt(layout, j)) {
            Chunk c = mk(i, ch == '0' ? kFracSecond0 : kFracSecond9, j - i);
            c.frac_digits = static_cast<int>(std::min<size_t>(j - (i + 1), 9));
            c.frac_sep = layout[i];
            return c;
          }
        }
        break;
      default:
        break;
    }
  }
  Chunk c;
  c.prefix = layout;
  return c;
}

void AppendInt(std::string& b, int64_t x, int width) {
  if (x < 0) {
    b += '-';
    x = -x;
  }
  std::string digits = std::to_string(x);
  if (static_cast<int>(digits.size()) < width) {
    b.append(static_cast<size_t>(width) - digits.size(), '0');
  }
  b += digits;
}

}  // namespace

GoTime ZeroTime() {
  GoTime t;
  t.at = kZeroTimeAt;
  return t;
}

bool IsZeroTime(const GoTime& t) { return t.at == kZeroTimeAt; }

int64_t UnixSeconds(const GoTime& t) {
  if (IsZeroTime(t)) return kZeroTimeUnix;
  return FloorDiv(t.at.time_since_epoch().count(), kNanosPerSecond);
}

int32_t Nanos(const GoTime& t) {
  if (IsZeroTime(t)) return 0;
  int64_t ns = t.at.time_since_epoch().count();
  return static_cast<int32_t>(ns - FloorDiv(ns, kNanosPerSecond) * kNanosPerSecond);
}

Result<GoTime> MakeTime(int64_t unix_seconds, int64_t nanos, int utc_offset_seconds,
                        std::string zone) {
  unix_seconds += FloorDiv(nanos, kNanosPerSecond);
  nanos -= FloorDiv(nanos, kNanosPerSecond) * kNanosPerSecond;
  GoTime t;
  t.utc_offset_seconds = utc_offset_seconds;
  t.zone = std::move(zone);
  if (unix_seconds == kZeroTimeUnix && nanos == 0) {
    t.at = kZeroTimeAt;
    return t;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / kNanosPerSecond - 1;
  if (unix_seconds > kMax || unix_seconds < -kMax) {
    return InvalidArgumentError("time out of the supported range (years 1678-2262)");
  }
  t.at = std::chrono::sys_time<std::chrono::nanoseconds>(
      std::chrono::nanoseconds(unix_seconds * kNanosPerSecond + nanos));
  return t;
}

GoTime FromClock(std::chrono::system_clock::time_point tp) {
  GoTime t;
  t.at = std::chrono::time_point_cast<std::chrono::nanoseconds>(tp);
  return t;
}

GoTime Now(const FuncEnv& env) {
  return FromClock(env.clock != nullptr ? env.clock->Now() : std::chrono::system_clock::now());
}

GoTime InZone(GoTime t, int utc_offset_seconds, std::string zone) {
  t.utc_offset_seconds = utc_offset_seconds;
  t.zone = std::move(zone);
  return t;
}

std::string FormatGoTime(const GoTime& t, std::string_view layout) {
  Civil c = ToCivil(t);
  std::string b;
  while (!layout.empty()) {
    Chunk ch = NextStdChunk(layout);
    b += ch.prefix;
    if (ch.std == kNone) break;
    layout = ch.suffix;
    switch (ch.std) {
      case kYear: {
        int64_t y = c.year % 100;
        if (y < 0) y = -y;
        AppendInt(b, y, 2);
        break;
      }
      case kLongYear:
        AppendInt(b, c.year, 4);
        break;
      case kMonth:
        b += kLongMonths[static_cast<size_t>(c.month - 1)].substr(0, 3);
        break;
      case kLongMonth:
        b += kLongMonths[static_cast<size_t>(c.month - 1)];
        break;
      case kNumMonth:
        AppendInt(b, c.month, 0);
        break;
      case kZeroMonth:
        AppendInt(b, c.month, 2);
        break;
      case kWeekDay:
        b += kLongDays[static_cast<size_t>(c.weekday)].substr(0, 3);
        break;
      case kLongWeekDay:
        b += kLongDays[static_cast<size_t>(c.weekday)];
        break;
      case kDay:
        AppendInt(b, c.day, 0);
        break;
      case kUnderDay:
        if (c.day < 10) b += ' ';
        AppendInt(b, c.day, 0);
        break;
      case kZeroDay:
        AppendInt(b, c.day, 2);
        break;
      case kUnderYearDay:
        if (c.yday < 100) {
          b += ' ';
          if (c.yday < 10) b += ' ';
        }
        AppendInt(b, c.yday, 0);
        break;
      case kZeroYearDay:
        AppendInt(b, c.yday, 3);
        break;
      case kHour:
        AppendInt(b, c.hour, 2);
        break;
      case kHour12:
      case kZeroHour12: {
        int hr = c.hour % 12;
        if (hr == 0) hr = 12;
        AppendInt(b, hr, ch.std == kZeroHour12 ? 2 : 0);
        break;
      }
      case kMinute:
        AppendInt(b, c.minute, 0);
        break;
      case kZeroMinute:
        AppendInt(b, c.minute, 2);
        break;
      case kSecond:
        AppendInt(b, c.second, 0);
        break;
      case kZeroSecond:
        AppendInt(b, c.second, 2);
        break;
      case kPM:
        b += c.hour >= 12 ? "PM" : "AM";
        break;
      case kpm:
        b += c.hour >= 12 ? "pm" : "am";
        break;
      case kISO8601TZ:
      case kISO8601ColonTZ:
      case kISO8601SecondsTZ:
      case kISO8601ShortTZ:
      case kISO8601ColonSecondsTZ:
      case kNumTZ:
      case kNumColonTZ:
      case kNumSecondsTz:
      case kNumShortTZ:
      case kNumColonSecondsTZ: {
        bool iso = ch.std == kISO8601TZ || ch.std == kISO8601ColonTZ ||
                   ch.std == kISO8601SecondsTZ || ch.std == kISO8601ShortTZ ||
                   ch.std == kISO8601ColonSecondsTZ;
        int offset = t.utc_offset_seconds;
        if (iso && offset == 0) {
          b += 'Z';
          break;
        }
        int zone = offset / 60;
        int absoffset = offset;
        if (zone < 0) {
          b += '-';
          zone = -zone;
          absoffset = -absoffset;
        } else {
          b += '+';
        }
        AppendInt(b, zone / 60, 2);
        if (ch.std == kISO8601ColonTZ || ch.std == kNumColonTZ ||
            ch.std == kISO8601ColonSecondsTZ || ch.std == kNumColonSecondsTZ) {
          b += ':';
        }
        if (ch.std != kNumShortTZ && ch.std != kISO8601ShortTZ) AppendInt(b, zone % 60, 2);
        if (ch.std == kISO8601SecondsTZ || ch.std == kNumSecondsTz ||
            ch.std == kNumColonSecondsTZ || ch.std == kISO8601ColonSecondsTZ) {
          if (ch.std == kNumColonSecondsTZ || ch.std == kISO8601ColonSecondsTZ) b += ':';
          AppendInt(b, absoffset % 60, 2);
        }
        break;
      }
      case kTZ:
        if (!t.zone.empty()) {
          b += t.zone;
        } else {
          int zone = t.utc_offset_seconds / 60;
          if (zone < 0) {
            b += '-';
            zone = -zone;
          } else {
            b += '+';
          }
          AppendInt(b, zone / 60, 2);
          AppendInt(b, zone % 60, 2);
        }
        break;
      case kFracSecond0:
      case kFracSecond9: {
        bool trim = ch.std == kFracSecond9;
        if (trim && (ch.frac_digits == 0 || c.nanos == 0)) break;
        size_t start = b.size();
        b += ch.frac_sep;
        std::string digits;
        AppendInt(digits, c.nanos, 9);
        b += digits.substr(0, static_cast<size_t>(ch.frac_digits));
        if (trim) {
          while (b.size() > start && b.back() == '0') b.pop_back();
          if (b.size() == start + 1) b.pop_back();
        }
        break;
      }
      case kNone:
        break;
    }
  }
  return b;
}

namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

Status ParseErr(std::string_view layout, std::string_view value, std::string_view layout_elem,
                std::string_view value_elem, std::string_view message) {
  if (message.empty()) {
    return InvalidArgumentError("parsing time " + Quote(value) + " as " + Quote(layout) +
                                ": cannot parse " + Quote(value_elem) + " as " +
                                Quote(layout_elem));
  }
  return InvalidArgumentError("parsing time " + Quote(value) + std::string(message));
}

std::string_view CutSpace(std::string_view s) {
  while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  return s;
}

bool Skip(std::string_view& value, std::string_view prefix) {
  while (!prefix.empty()) {
    if (prefix[0] == ' ') {
      if (!value.empty() && value[0] != ' ') return false;
      prefix = CutSpace(prefix);
      value = CutSpace(value);
      continue;
    }
    if (value.empty() || value[0] != prefix[0]) return false;
    prefix.remove_prefix(1);
    value.remove_prefix(1);
  }
  return true;
}

bool GetNum(std::string_view& s, bool fixed, int& out) {
  if (!IsDigitAt(s, 0)) return false;
  if (!IsDigitAt(s, 1)) {
    if (fixed) return false;
    out = s[0] - '0';
    s.remove_prefix(1);
    return true;
  }
  out = (s[0] - '0') * 10 + (s[1] - '0');
  s.remove_prefix(2);
  return true;
}

bool GetNum3(std::string_view& s, bool fixed, int& out) {
  int n = 0;
  size_t i = 0;
  for (; i < 3 && IsDigitAt(s, i); ++i) n = n * 10 + (s[i] - '0');
  if (i == 0 || (fixed && i != 3)) return false;
  out = n;
  s.remove_prefix(i);
  return true;
}

template <size_t N>
bool Lookup(const std::array<std::string_view, N>& names, size_t len, std::string_view& value,
            int& out) {
  for (size_t i = 0; i < N; ++i) {
    std::string_view name = len ? names[i].substr(0, len) : names[i];
    if (value.size() >= name.size() && EqualsIgnoreCase(value.substr(0, name.size()), name)) {
      out = static_cast<int>(i);
      value.remove_prefix(name.size());
      return true;
    }
  }
  return false;
}

// ParseNanos parses value[0:nbytes] = "." or "," + digits into nanoseconds.
bool ParseNanos(std::string_view value, size_t nbytes, int& out) {
  if (value.empty() || (value[0] != '.' && value[0] != ',')) return false;
  if (nbytes > 10) nbytes = 10;
  if (nbytes > value.size()) return false;
  int64_t ns = 0;
  for (size_t i = 1; i < nbytes; ++i) {
    if (!IsDigitAt(value, i)) return false;
    ns = ns * 10 + (value[i] - '0');
  }
  for (size_t i = nbytes; i < 10; ++i) ns *= 10;
  out = static_cast<int>(ns);
  return true;
}

// ParseTimeZone is Go's parseTimeZone: the length of a zone abbreviation at the start of
// `value`, or 0.
size_t ParseTimeZone(std::string_view value) {
  if (value.size() < 3) return 0;
  if (value.size() >= 4 && (value.substr(0, 4) == "ChST" || value.substr(0, 4) == "MeST")) {
    return 4;
  }
  auto signed_offset = [](std::string_view v) -> size_t {
    if (v.empty() || (v[0] != '+' && v[0] != '-')) return 0;
    size_t i = 1;
    int64_t x = 0;
    while (i < v.size() && IsDigitAt(v, i) && i < 8) x = x * 10 + (v[i++] - '0');
    if (i == 1 || x > 23) return 0;
    return i;
  };
  if (value.substr(0, 3) == "GMT") {
    size_t n = signed_offset(value.substr(3));
    return 3 + n;
  }
  if (value[0] == '+' || value[0] == '-') return signed_offset(value);
  size_t upper = 0;
  while (upper < 6 && upper < value.size() && value[upper] >= 'A' && value[upper] <= 'Z') {
    ++upper;
  }
  switch (upper) {
    case 5:
      return value[4] == 'T' ? 5 : 0;
    case 4:
      return (value[3] == 'T' || value.substr(0, 4) == "WITA") ? 4 : 0;
    case 3:
      return 3;
    default:
      return 0;
  }
}

}  // namespace

Result<GoTime> ParseGoTimeIn(std::string_view layout, std::string_view value, const Location& loc) {
  const std::string_view alayout = layout;
  const std::string_view avalue = value;
  bool am_set = false, pm_set = false;
  int64_t year = 0;
  int month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, nsec = 0;
  bool utc = false;
  int zone_offset = -1;
  bool have_offset = false;
  std::string zone_name;

  for (;;) {
    Chunk ch = NextStdChunk(layout);
    std::string_view stdstr =
        layout.substr(ch.prefix.size(), layout.size() - ch.prefix.size() - ch.suffix.size());
    if (!Skip(value, ch.prefix)) return ParseErr(alayout, avalue, ch.prefix, value, "");
    if (ch.std == kNone) {
      if (!value.empty()) {
        return ParseErr(alayout, avalue, "", value, ": extra text: " + Quote(value));
      }
      break;
    }
    layout = ch.suffix;
    std::string_view hold = value;
    bool ok = true;
    std::string range_err;
    switch (ch.std) {
      case kYear: {
        if (value.size() < 2 || !IsDigitAt(value, 0) || !IsDigitAt(value, 1)) {
          ok = false;
          break;
        }
        int y = (value[0] - '0') * 10 + (value[1] - '0');
        value.remove_prefix(2);
        year = y >= 69 ? y + 1900 : y + 2000;
        break;
      }
      case kLongYear: {
        if (value.size() < 4 || !IsDigitAt(value, 0)) {
          ok = false;
          break;
        }
        int64_t y = 0;
        for (size_t i = 0; i < 4; ++i) {
          if (!IsDigitAt(value, i)) {
            ok = false;
            break;
          }
          y = y * 10 + (value[i] - '0');
        }
        if (ok) {
          year = y;
          value.remove_prefix(4);
        }
        break;
      }
      case kMonth:
        ok = Lookup(kLongMonths, 3, value, month);
        ++month;
        break;
      case kLongMonth:
        ok = Lookup(kLongMonths, 0, value, month);
        ++month;
        break;
      case kNumMonth:
      case kZeroMonth:
        ok = GetNum(value, ch.std == kZeroMonth, month);
        if (ok && (month <= 0 || month > 12)) range_err = "month";
        break;
      case kWeekDay: {
        int wd;
        ok = Lookup(kLongDays, 3, value, wd);
        break;
      }
      case kLongWeekDay: {
        int wd;
        ok = Lookup(kLongDays, 0, value, wd);
        break;
      }
      case kDay:
      case kUnderDay:
      case kZeroDay:
        if (ch.std == kUnderDay && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        ok = GetNum(value, ch.std == kZeroDay, day);
        break;
      case kUnderYearDay:
      case kZeroYearDay:
        for (int i = 0; i < 2; ++i) {
          if (ch.std == kUnderYearDay && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        }
        ok = GetNum3(value, ch.std == kZeroYearDay, yday);
        break;
      case kHour:
        ok = GetNum(value, false, hour);
        if (hour < 0 || hour >= 24) range_err = "hour";
        break;
      case kHour12:
      case kZeroHour12:
        ok = GetNum(value, ch.std == kZeroHour12, hour);
        if (hour < 0 || hour > 12) range_err = "hour";
        break;
      case kMinute:
      case kZeroMinute:
        ok = GetNum(value, ch.std == kZeroMinute, min);
        if (min < 0 || min >= 60) range_err = "minute";
        break;
      case kSecond:
      case kZeroSecond: {
        ok = GetNum(value, ch.std == kZeroSecond, sec);
        if (!ok) break;
        if (sec < 0 || sec >= 60) {
          range_err = "second";
          break;
        }
        // A fractional second in the value but not in the layout is accepted.
        if (value.size() >= 2 && (value[0] == '.' || value[0] == ',') && IsDigitAt(value, 1)) {
          Chunk next = NextStdChunk(layout);
          if (next.std == kFracSecond0 || next.std == kFracSecond9) break;
          size_t n = 2;
          while (n < value.size() && IsDigitAt(value, n)) ++n;
          ok = ParseNanos(value, n, nsec);
          value.remove_prefix(n);
        }
        break;
      }
      case kPM:
      case kpm: {
        if (value.size() < 2) {
          ok = false;
          break;
        }
        std::string_view p = value.substr(0, 2);
        value.remove_prefix(2);
        if (p == (ch.std == kPM ? "PM" : "pm")) {
          pm_set = true;
        } else if (p == (ch.std == kPM ? "AM" : "am")) {
          am_set = true;
        } else {
          ok = false;
        }
        break;
      }
      case kISO8601TZ:
      case kISO8601ShortTZ:
      case kISO8601ColonTZ:
      case kISO8601SecondsTZ:
      case kISO8601ColonSecondsTZ:
      case kNumTZ:
      case kNumShortTZ:
      case kNumColonTZ:
      case kNumSecondsTz:
      case kNumColonSecondsTZ: {
        bool iso = ch.std == kISO8601TZ || ch.std == kISO8601ColonTZ ||
                   ch.std == kISO8601SecondsTZ || ch.std == kISO8601ShortTZ ||
                   ch.std == kISO8601ColonSecondsTZ;
        if (iso && !value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          utc = true;
          break;
        }
        std::string_view sign, hh, mm, ss;
        if (ch.std == kISO8601TZ || ch.std == kNumTZ) {
          if (value.size() < 5) {
            ok = false;
            break;
          }
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = value.substr(3, 2), ss = "00";
          value.remove_prefix(5);
        } else if (ch.std == kNumShortTZ || ch.std == kISO8601ShortTZ) {
          if (value.size() < 3) {
            ok = false;
            break;
          }
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = "00", ss = "00";
          value.remove_prefix(3);
        } else if (ch.std == kISO8601ColonTZ || ch.std == kNumColonTZ) {
          if (value.size() < 6 || value[3] != ':') {
            ok = false;
            break;
          }
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = value.substr(4, 2), ss = "00";
          value.remove_prefix(6);
        } else if (ch.std == kNumColonSecondsTZ || ch.std == kISO8601ColonSecondsTZ) {
          if (value.size() < 9 || value[3] != ':' || value[6] != ':') {
            ok = false;
            break;
          }
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = value.substr(4, 2),
          ss = value.substr(7, 2);
          value.remove_prefix(9);
        } else {
          if (value.size() < 7) {
            ok = false;
            break;
          }
          sign = value.substr(0, 1), hh = value.substr(1, 2), mm = value.substr(3, 2),
          ss = value.substr(5, 2);
          value.remove_prefix(7);
        }
        int h = 0, m = 0, s = 0;
        ok = GetNum(hh, true, h) && GetNum(mm, true, m) && GetNum(ss, true, s);
        zone_offset = (h * 60 + m) * 60 + s;
        if (sign == "-") {
          zone_offset = -zone_offset;
        } else if (sign != "+") {
          ok = false;
        }
        have_offset = true;
        break;
      }
      case kTZ: {
        if (value.size() >= 3 && value.substr(0, 3) == "UTC") {
          utc = true;
          value.remove_prefix(3);
          break;
        }
        size_t n = ParseTimeZone(value);
        if (n == 0) {
          ok = false;
          break;
        }
        zone_name = std::string(value.substr(0, n));
        value.remove_prefix(n);
        break;
      }
      case kFracSecond0: {
        size_t ndigit = 1 + static_cast<size_t>(ch.frac_digits);
        if (value.size() < ndigit) {
          ok = false;
          break;
        }
        ok = ParseNanos(value, ndigit, nsec);
        value.remove_prefix(ndigit);
        break;
      }
      case kFracSecond9: {
        if (value.size() < 2 || (value[0] != '.' && value[0] != ',') || !IsDigitAt(value, 1)) {
          break;
        }
        size_t i = 0;
        while (i + 1 < value.size() && IsDigitAt(value, i + 1)) ++i;
        ok = ParseNanos(value, 1 + i, nsec);
        value.remove_prefix(1 + i);
        break;
      }
      case kNone:
        break;
    }
    if (!range_err.empty()) {
      return ParseErr(alayout, avalue, stdstr, value, ": " + range_err + " out of range");
    }
    if (!ok) return ParseErr(alayout, avalue, stdstr, hold, "");
  }
  if (pm_set && hour < 12) {
    hour += 12;
  } else if (am_set && hour == 12) {
    hour = 0;
  }
  if (yday >= 0) {
    int m = 0, d = 0;
    int yd = yday;
    if (IsLeap(year)) {
      if (yd == 31 + 29) {
        m = 2;
        d = 29;
      } else if (yd > 31 + 29) {
        --yd;
      }
    }
    if (yd < 1 || yd > 365)
      return ParseErr(alayout, avalue, "", value, ": day-of-year out of range");
    if (m == 0) {
      static constexpr int kBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
      m = (yd - 1) / 31 + 1;
      if (kBefore[m] < yd) ++m;
      d = yd - kBefore[m - 1];
    }
    if (month >= 0 && month != m) {
      return ParseErr(alayout, avalue, "", value, ": day-of-year does not match month");
    }
    month = m;
    if (day >= 0 && day != d) {
      return ParseErr(alayout, avalue, "", value, ": day-of-year does not match day");
    }
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > DaysIn(month, year)) {
    return ParseErr(alayout, avalue, "", value, ": day out of range");
  }
  int64_t local_secs = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
  if (utc) return MakeTime(local_secs, nsec, 0, "UTC");
  if (have_offset) {
    int64_t utc_secs = local_secs - zone_offset;
    Location::ZoneType zt = loc.Lookup(utc_secs);
    if (zt.offset == zone_offset && (zone_name.empty() || zt.abbr == zone_name)) {
      return MakeTime(utc_secs, nsec, zt.offset, zt.abbr);
    }
    return MakeTime(utc_secs, nsec, zone_offset, zone_name);
  }
  if (!zone_name.empty()) {
    // A zone abbreviation the location uses (near this time) gives its offset.
    for (const Location::ZoneType& zt : loc.types) {
      if (zt.abbr == zone_name) {
        int64_t utc_secs = local_secs - zt.offset;
        Location::ZoneType at = loc.Lookup(utc_secs);
        if (at.abbr == zone_name) return MakeTime(utc_secs, nsec, at.offset, at.abbr);
      }
    }
    int offset = 0;
    if (zone_name.size() > 3 && zone_name.starts_with("GMT")) {
      int sign = zone_name[3] == '-' ? -1 : 1;
      int h = 0;
      for (size_t i = 4; i < zone_name.size(); ++i) h = h * 10 + (zone_name[i] - '0');
      offset = sign * h * 3600;
    }
    return MakeTime(local_secs - offset, nsec, offset, zone_name);
  }
  // No zone in the value: the time is in `loc` (Go's Date with a location).
  Location::ZoneType z1 = loc.Lookup(local_secs);
  int64_t utc_secs = local_secs - z1.offset;
  Location::ZoneType z2 = loc.Lookup(utc_secs);
  if (z2.offset != z1.offset) utc_secs = local_secs - z2.offset;
  Location::ZoneType fin = loc.Lookup(utc_secs);
  return MakeTime(utc_secs, nsec, fin.offset, fin.abbr);
}

Result<GoTime> ParseGoTime(std::string_view layout, std::string_view value) {
  return ParseGoTimeIn(layout, value, UtcLocation());
}

Location::ZoneType Location::Lookup(int64_t unix_seconds) const {
  if (types.empty()) return ZoneType{0, "UTC"};
  if (transitions.empty() || unix_seconds < transitions.front()) {
    // Before the first transition: the first standard-time type (types[0] per TZif).
    return types[0];
  }
  auto it = std::upper_bound(transitions.begin(), transitions.end(), unix_seconds);
  size_t idx = static_cast<size_t>(it - transitions.begin()) - 1;
  uint8_t t = type_index[idx];
  return t < types.size() ? types[t] : types[0];
}

const Location& UtcLocation() {
  static const Location* utc = [] {
    auto* l = new Location;
    l->name = "UTC";
    l->types.push_back(Location::ZoneType{0, "UTC"});
    return l;
  }();
  return *utc;
}

namespace {

// kMaxZoneFile bounds the TZif files read (the largest shipped is ~4 KiB).
constexpr size_t kMaxZoneFile = 256 * 1024;

bool ValidZoneName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '/' ||
      name.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

uint32_t Be32(std::string_view b, size_t off) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[off])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[off + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[off + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[off + 3]));
}

// ParseTzif reads the version 2+ (64-bit) body of a TZif file (RFC 8536), falling back to
// the version 1 body.
bool ParseTzif(std::string_view data, Location& loc) {
  auto parse_body = [&](size_t off, int time_size, size_t& end) -> bool {
    if (data.size() < off + 44 || data.substr(off, 4) != "TZif") return false;
    uint32_t isutcnt = Be32(data, off + 20), isstdcnt = Be32(data, off + 24),
             leapcnt = Be32(data, off + 28), timecnt = Be32(data, off + 32),
             typecnt = Be32(data, off + 36), charcnt = Be32(data, off + 40);
    if (typecnt == 0 || typecnt > 256 || timecnt > 100000 || charcnt > 100000 || leapcnt > 100000 ||
        isutcnt > 256 || isstdcnt > 256) {
      return false;
    }
    size_t p = off + 44;
    size_t need = static_cast<size_t>(timecnt) * static_cast<size_t>(time_size) + timecnt +
                  typecnt * 6ull + charcnt + leapcnt * (static_cast<size_t>(time_size) + 4) +
                  isstdcnt + isutcnt;
    if (data.size() < p + need) return false;
    loc.transitions.clear();
    loc.type_index.clear();
    loc.types.clear();
    for (uint32_t i = 0; i < timecnt; ++i) {
      int64_t t;
      if (time_size == 8) {
        t = static_cast<int64_t>((static_cast<uint64_t>(Be32(data, p)) << 32) | Be32(data, p + 4));
      } else {
        t = static_cast<int32_t>(Be32(data, p));
      }
      loc.transitions.push_back(t);
      p += static_cast<size_t>(time_size);
    }
    for (uint32_t i = 0; i < timecnt; ++i) {
      uint8_t idx = static_cast<uint8_t>(data[p++]);
      if (idx >= typecnt) return false;
      loc.type_index.push_back(idx);
    }
    size_t types_off = p;
    size_t chars_off = p + typecnt * 6ull;
    for (uint32_t i = 0; i < typecnt; ++i) {
      size_t q = types_off + i * 6ull;
      Location::ZoneType zt;
      zt.offset = static_cast<int32_t>(Be32(data, q));
      uint8_t abbr_idx = static_cast<uint8_t>(data[q + 5]);
      if (abbr_idx >= charcnt) return false;
      std::string_view chars = data.substr(chars_off, charcnt);
      size_t z = chars.find('\0', abbr_idx);
      zt.abbr = std::string(chars.substr(
          abbr_idx, z == std::string_view::npos ? std::string_view::npos : z - abbr_idx));
      if (zt.offset < -26 * 3600 || zt.offset > 26 * 3600) return false;
      loc.types.push_back(std::move(zt));
    }
    end = off + 44 + need;
    return std::is_sorted(loc.transitions.begin(), loc.transitions.end());
  };
  size_t end1 = 0;
  if (!parse_body(0, 4, end1)) return false;
  if (data.size() > 4 && data[4] >= '2') {
    size_t end2 = 0;
    Location v1 = loc;
    if (!parse_body(end1, 8, end2)) loc = std::move(v1);
  }
  return true;
}

}  // namespace

Result<Location> LoadLocation(std::string_view name) {
  if (name.empty() || name == "UTC" || name == "Local") {
    Location l = UtcLocation();
    return l;
  }
  auto unknown = [&] { return InvalidArgumentError("unknown time zone " + std::string(name)); };
  if (!ValidZoneName(name)) return unknown();
  auto data = ReadFile("/usr/share/zoneinfo/" + std::string(name), kMaxZoneFile);
  if (!data.ok()) return unknown();
  Location loc;
  loc.name = std::string(name);
  if (!ParseTzif(*data, loc)) return unknown();
  return loc;
}

GoTime In(const GoTime& t, const Location& loc) {
  if (IsZeroTime(t)) return InZone(t, 0, "UTC");
  Location::ZoneType zt = loc.Lookup(UnixSeconds(t));
  return InZone(t, zt.offset, zt.abbr);
}

std::string GoLayoutByName(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kLayouts[] = {
      {"ANSIC", "Mon Jan _2 15:04:05 2006"},
      {"UNIXDATE", "Mon Jan _2 15:04:05 MST 2006"},
      {"RUBYDATE", "Mon Jan 02 15:04:05 -0700 2006"},
      {"RFC822", "02 Jan 06 15:04 MST"},
      {"RFC822Z", "02 Jan 06 15:04 -0700"},
      {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
      {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
      {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
      {"RFC3339", "2006-01-02T15:04:05Z07:00"},
      {"RFC3339NANO", "2006-01-02T15:04:05.999999999Z07:00"},
      {"KITCHEN", "3:04PM"},
      {"STAMP", "Jan _2 15:04:05"},
      {"STAMPMILLI", "Jan _2 15:04:05.000"},
      {"STAMPMICRO", "Jan _2 15:04:05.000000"},
      {"STAMPNANO", "Jan _2 15:04:05.000000000"},
      {"DATETIME", "2006-01-02 15:04:05"},
      {"DATEONLY", "2006-01-02"},
      {"TIMEONLY", "15:04:05"},
  };
  std::string upper;
  for (char c : name) upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  for (const auto& [n, layout] : kLayouts) {
    if (upper == n) return std::string(layout);
  }
  return std::string(name);
}

}  // namespace internal

}  // namespace cairn::templates

namespace cairn::templates::internal {

namespace {

// AddDuration is t.Add(d), failing when the result leaves the representable range.
Result<GoTime> AddDuration(const GoTime& t, int64_t d) {
  int64_t secs = UnixSeconds(t);
  int64_t ns = Nanos(t);
  int64_t dsec = d / 1000000000;
  int64_t dns = d % 1000000000;
  return MakeTime(secs + dsec, ns + dns, t.utc_offset_seconds, t.zone);
}

// RoundDuration is time.Duration.Round(m).
int64_t RoundDuration(int64_t d, int64_t m) {
  if (m <= 0) return d;
  int64_t r = d % m;
  auto less_than_half = [](int64_t x, int64_t y) {
    return static_cast<uint64_t>(x) + static_cast<uint64_t>(x) < static_cast<uint64_t>(y);
  };
  if (d < 0) {
    r = -r;
    if (less_than_half(r, m)) return d + r;
    if (d - m + r < d) return d - m + r;
    return std::numeric_limits<int64_t>::min();
  }
  if (less_than_half(r, m)) return d - r;
  if (d <= std::numeric_limits<int64_t>::max() - (m - r)) return d + m - r;
  return std::numeric_limits<int64_t>::max();
}

// SinceNanos is time.Since(t) in nanoseconds, saturating.
int64_t SinceNanos(const FuncEnv& env, const GoTime& t) {
  GoTime now = Now(env);
  __extension__ typedef __int128 i128;
  i128 d =
      (static_cast<i128>(UnixSeconds(now)) - UnixSeconds(t)) * 1000000000 + (Nanos(now) - Nanos(t));
  if (d > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (d < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

// DateArg is sprig's date argument: a time, or Unix seconds as an integer; anything else is
// "now".
GoTime DateArg(const FuncEnv& env, const Value& v) {
  if (v.kind() == Value::Kind::kTime) return v.as_time();
  if (v.kind() == Value::Kind::kInt) {
    auto t = MakeTime(v.as_int(), 0, 0, "UTC");
    if (t.ok()) return *t;
  }
  return Now(env);
}

std::string DateInZone(const FuncEnv& env, std::string_view layout, const Value& date,
                       std::string_view zone) {
  GoTime t = DateArg(env, date);
  auto loc = LoadLocation(zone);
  const Location& l = loc.ok() ? *loc : UtcLocation();
  return FormatGoTime(In(t, l), layout);
}

std::string GoQuoteShort(std::string_view s) { return GoQuoteString(s); }

Result<GoTime> DateModify(std::string_view fmt, const GoTime& t) {
  auto d = ParseGoDuration(fmt);
  if (!d.ok()) return InvalidArgumentError("time: invalid duration " + GoQuoteShort(fmt));
  return AddDuration(t, d->count());
}

}  // namespace

void AddSprigDateFuncs(FuncMap& funcs, const FuncEnv& env) {
  funcs["now"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("now", args, 0));
    return Value::Time(Now(env));
  };
  funcs["date"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("date", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string layout, ArgString(args[0]));
    return Value::String(DateInZone(env, layout, args[1], "Local"));
  };
  auto date_in_zone = [env](std::string name) -> Func {
    return [env, name](std::span<const Value> args) -> Result<Value> {
      CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 3));
      CAIRN_ASSIGN_OR_RETURN(std::string layout, ArgString(args[0]));
      CAIRN_ASSIGN_OR_RETURN(std::string zone, ArgString(args[2]));
      return Value::String(DateInZone(env, layout, args[1], zone));
    };
  };
  funcs["dateInZone"] = date_in_zone("dateInZone");
  funcs["date_in_zone"] = date_in_zone("date_in_zone");
  funcs["htmlDate"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("htmlDate", args, 1));
    return Value::String(DateInZone(env, "2006-01-02", args[0], "Local"));
  };
  funcs["htmlDateInZone"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("htmlDateInZone", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string zone, ArgString(args[1]));
    return Value::String(DateInZone(env, "2006-01-02", args[0], zone));
  };
  auto date_modify = [](std::string name, bool must) -> Func {
    return [name, must](std::span<const Value> args) -> Result<Value> {
      CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 2));
      CAIRN_ASSIGN_OR_RETURN(std::string fmt, ArgString(args[0]));
      CAIRN_ASSIGN_OR_RETURN(GoTime t, ArgTime(args[1]));
      auto r = DateModify(fmt, t);
      if (!r.ok()) {
        if (must) return r.status();
        return Value::Time(t);
      }
      return Value::Time(*r);
    };
  };
  funcs["dateModify"] = date_modify("dateModify", false);
  funcs["date_modify"] = date_modify("date_modify", false);
  funcs["mustDateModify"] = date_modify("mustDateModify", true);
  funcs["must_date_modify"] = date_modify("must_date_modify", true);
  funcs["ago"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("ago", args, 1));
    GoTime t = DateArg(env, args[0]);
    int64_t d = RoundDuration(SinceNanos(env, t), 1000000000);
    return Value::String(FormatGoDuration(Duration(d)));
  };
  funcs["duration"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("duration", args, 1));
    int64_t n = 0;
    const Value& v = args[0];
    if (v.kind() == Value::Kind::kString) {
      int64_t clamped = 0;
      auto r = ParseGoInt(v.as_string(), 10, &clamped);
      n = r.ok() ? *r : clamped;
    } else if (v.kind() == Value::Kind::kInt) {
      n = v.as_int();
    }
    int64_t ns = static_cast<int64_t>(static_cast<uint64_t>(n) * 1000000000ull);
    return Value::String(FormatGoDuration(Duration(ns)));
  };
  funcs["durationRound"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("durationRound", args, 1));
    int64_t d = 0;
    const Value& v = args[0];
    if (v.kind() == Value::Kind::kString) {
      auto p = ParseGoDuration(v.as_string());
      if (p.ok()) d = p->count();
    } else if (v.kind() == Value::Kind::kInt) {
      d = v.as_int();
    } else if (v.kind() == Value::Kind::kDuration) {
      d = v.as_duration().count();
    } else if (v.kind() == Value::Kind::kTime) {
      d = SinceNanos(env, v.as_time());
    }
    uint64_t u = static_cast<uint64_t>(d);
    if (d < 0) u = 0 - u;
    constexpr uint64_t kHour = 3600ull * 1000000000ull;
    constexpr uint64_t kYear = kHour * 24 * 365, kMonth = kHour * 24 * 30, kDay = kHour * 24;
    constexpr uint64_t kMinute = 60ull * 1000000000ull, kSecond = 1000000000ull;
    std::string out = "0s";
    if (u > kYear) {
      out = std::to_string(u / kYear) + "y";
    } else if (u > kMonth) {
      out = std::to_string(u / kMonth) + "mo";
    } else if (u > kDay) {
      out = std::to_string(u / kDay) + "d";
    } else if (u > kHour) {
      out = std::to_string(u / kHour) + "h";
    } else if (u > kMinute) {
      out = std::to_string(u / kMinute) + "m";
    } else if (u > kSecond) {
      out = std::to_string(u / kSecond) + "s";
    }
    return Value::String(out);
  };
  auto to_date = [](std::string name, bool must) -> Func {
    return [name, must](std::span<const Value> args) -> Result<Value> {
      CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 2));
      CAIRN_ASSIGN_OR_RETURN(std::string layout, ArgString(args[0]));
      CAIRN_ASSIGN_OR_RETURN(std::string value, ArgString(args[1]));
      auto t = ParseGoTime(layout, value);
      if (!t.ok()) {
        if (must) return t.status();
        return Value::Time(ZeroTime());
      }
      return Value::Time(*t);
    };
  };
  funcs["toDate"] = to_date("toDate", false);
  funcs["mustToDate"] = to_date("mustToDate", true);
  funcs["unixEpoch"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("unixEpoch", args, 1));
    CAIRN_ASSIGN_OR_RETURN(GoTime t, ArgTime(args[0]));
    return Value::String(std::to_string(UnixSeconds(t)));
  };
}

}  // namespace cairn::templates::internal

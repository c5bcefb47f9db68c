#pragma once

// Helpers shared by the template function library (value.cc, sprig_*.cc, step_funcs.cc,
// asn1_funcs.cc): argument checking with text/template's messages, sprig's conversions (the
// spf13/cast semantics sprig uses), Go float formatting, Go's encoding/json, and Go's time
// layouts. Internal to src/templates.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "templates/funcs.h"
#include "templates/value.h"

namespace cairn::templates::internal {

// Limits on what functions may build, so a template cannot exhaust memory.
inline constexpr size_t kMaxStringBytes = 1 << 20;  // 1 MiB per produced string
inline constexpr size_t kMaxListItems = 100000;     // items per produced list
inline constexpr int kMaxNesting = 100;             // nesting of values we recurse into

// ---- Arguments -------------------------------------------------------------------------

// CheckArgs fails with text/template's "wrong number of args for NAME: want N got M".
Status CheckArgs(std::string_view name, std::span<const Value> args, size_t want);
// CheckArgsAtLeast fails with "wrong number of args for NAME: want at least N got M".
Status CheckArgsAtLeast(std::string_view name, std::span<const Value> args, size_t want);
// CheckArgsRange accepts between min and max arguments (optional trailing parameters).
Status CheckArgsRange(std::string_view name, std::span<const Value> args, size_t min, size_t max);

// WrongType is text/template's error for an argument of the wrong Go type:
// "wrong type for value; expected T; got U" ("invalid value; expected T" for nil).
Status WrongType(std::string_view expected, const Value& got);

// ArgString / ArgInt / ArgBool / ArgTime / ArgMap take an argument declared with that Go type
// (string, int, bool, time.Time, map[string]interface{}); anything else fails as Go's
// template engine would. ArgMap accepts nil (a nil map) and returns null for it.
Result<std::string> ArgString(const Value& v);
Result<int64_t> ArgInt(const Value& v);
Result<bool> ArgBool(const Value& v);
Result<GoTime> ArgTime(const Value& v);
Result<const Map*> ArgMap(const Value& v);

// ToString is sprig's strval: strings as is, everything else as fmt's %v.
std::string ToString(const Value& v);
// ToInt64 is cast.ToInt64: numbers (floats truncated), bools, numeric strings (base prefixes
// 0x/0o/0b/0, a trailing ".0" allowed), durations; anything else 0. `ok` reports success.
int64_t ToInt64(const Value& v, bool* ok = nullptr);
// ToFloat64 is cast.ToFloat64 (strings with strconv.ParseFloat; failures give 0).
double ToFloat64(const Value& v, bool* ok = nullptr);
// ParseGoInt is strconv.ParseInt(s, base, 64) for base 0 or 10; fails with Go's
// "strconv.ParseInt: parsing "x": invalid syntax" / "value out of range" (the value is
// clamped on range errors, as Go returns it).
Result<int64_t> ParseGoInt(std::string_view s, int base, int64_t* clamped = nullptr);
// ParseGoFloat is strconv.ParseFloat(s, 64), including "inf", "NaN", hex floats excluded.
Result<double> ParseGoFloat(std::string_view s);

// Bounded builders: fail with kResourceExhausted beyond the limits above.
Status CheckStringSize(std::string_view func, size_t bytes);
Status CheckListSize(std::string_view func, size_t items);

// StrSlice is sprig's strslice: a list's non-nil items as strings (strval), nil as an empty
// list, anything else as a one-item list.
std::vector<std::string> StrSlice(const Value& v);

// IsEmpty is sprig's empty(): nil, false, 0, "", empty list/map; structs are never empty
// (times included).
bool IsEmpty(const Value& v);

// DeepEqual is reflect.DeepEqual on two values.
bool DeepEqual(const Value& a, const Value& b);
// DeepCopy copies lists and maps recursively (maps are references; copies are not).
Value DeepCopy(const Value& v);

// ---- Numbers ---------------------------------------------------------------------------

// FormatFloat is strconv.FormatFloat(v, fmt, prec, 64) for fmt 'e', 'E', 'f', 'g', 'G';
// prec -1 means the shortest representation that round-trips (what %v prints).
std::string FormatFloat(double v, char fmt, int prec);

// ---- JSON ------------------------------------------------------------------------------

// IsJsonEmpty is encoding/json's omitempty test (structs and times are never empty).
bool IsJsonEmpty(const Value& v);

// MarshalJson is encoding/json's Marshal (indent empty) or MarshalIndent("", indent), with
// escape_html as Encoder.SetEscapeHTML: map keys sorted, floats formatted like Go, invalid
// UTF-8 replaced by U+FFFD, NaN/Inf failing with "json: unsupported value: NaN".
Result<std::string> MarshalJson(const Value& v, std::string_view indent, bool escape_html);

// ParseJsonValue is json.Unmarshal into interface{}; fails with kInvalidArgument on bad JSON
// or nesting beyond kMaxNesting.
Result<Value> ParseJsonValue(std::string_view text);

// ---- Time ------------------------------------------------------------------------------

// Go's zero time (0001-01-01 00:00:00 UTC) cannot be held in GoTime::at (int64 nanoseconds
// cover 1678-2262); this sentinel stands for it and every helper below honours it.
inline constexpr std::chrono::sys_time<std::chrono::nanoseconds> kZeroTimeAt =
    std::chrono::sys_time<std::chrono::nanoseconds>::min();
GoTime ZeroTime();
bool IsZeroTime(const GoTime& t);

// UnixSeconds / Nanos split a GoTime (Go's zero time gives -62135596800).
int64_t UnixSeconds(const GoTime& t);
int32_t Nanos(const GoTime& t);
// MakeTime builds a time from Unix seconds and nanoseconds in the given zone; fails with
// kInvalidArgument outside the representable range (years 1678-2262, and the zero time).
Result<GoTime> MakeTime(int64_t unix_seconds, int64_t nanos, int utc_offset_seconds,
                        std::string zone);
// FromClock converts a Clock reading.
GoTime FromClock(std::chrono::system_clock::time_point t);
// Now reads env.clock (or the system clock) as a UTC GoTime.
GoTime Now(const FuncEnv& env);
// InZone returns `t` shown in another fixed zone.
GoTime InZone(GoTime t, int utc_offset_seconds, std::string zone);

// FormatGoTime is time.Time.Format(layout) with Go's reference-time layout elements.
std::string FormatGoTime(const GoTime& t, std::string_view layout);
// ParseGoTime is time.Parse(layout, value) with the local zone UTC; errors carry Go's
// ParseError text ("parsing time "x" as "2006-01-02": cannot parse "x" as "2006"").
Result<GoTime> ParseGoTime(std::string_view layout, std::string_view value);

// Location is a time zone: a fixed offset, or the transitions of an IANA zone read from the
// system's zoneinfo (TZif) files.
struct Location {
  struct ZoneType {
    int offset = 0;
    std::string abbr;
  };
  std::string name;
  std::vector<int64_t> transitions;  // Unix seconds, ascending
  std::vector<uint8_t> type_index;   // zone type in effect from each transition
  std::vector<ZoneType> types;       // types[0] before the first transition (or always)

  // Lookup returns the offset and abbreviation in effect at `unix_seconds`.
  ZoneType Lookup(int64_t unix_seconds) const;
};

// UtcLocation is time.UTC.
const Location& UtcLocation();
// LoadLocation is time.LoadLocation: "" and "UTC" are UTC, "Local" is UTC (Cairn's servers
// run in UTC), other names are read from /usr/share/zoneinfo. Fails with Go's
// "unknown time zone NAME".
Result<Location> LoadLocation(std::string_view name);
// In is t.In(loc).
GoTime In(const GoTime& t, const Location& loc);
// ParseGoTimeIn is time.ParseInLocation(layout, value, loc).
Result<GoTime> ParseGoTimeIn(std::string_view layout, std::string_view value, const Location& loc);

// GoLayoutByName maps step's toTimeLayout names (RFC3339, Kitchen, ...) case-insensitively to
// Go layouts; unknown names are returned unchanged (they are layouts themselves).
std::string GoLayoutByName(std::string_view name);

// ---- Unicode (the subset Go's unicode package answers that templates meet) ----------------

inline constexpr char32_t kRuneError = 0xFFFD;
// DecodeRune decodes the UTF-8 sequence at s[i], advancing i; invalid bytes decode as
// kRuneError and advance by one (utf8.DecodeRuneInString).
char32_t DecodeRune(std::string_view s, size_t& i);
// AppendRune appends the UTF-8 encoding of r (invalid runes as U+FFFD).
void AppendRune(std::string& out, char32_t r);
// Runes splits s into runes.
std::u32string Runes(std::string_view s);
std::string FromRunes(const std::u32string& r);
// Rune classes and case mapping: full for ASCII and Latin-1, Latin Extended-A, Greek and
// Cyrillic; other letters are treated as caseless letters.
bool IsSpaceRune(char32_t r);
bool IsLetterRune(char32_t r);
bool IsDigitRune(char32_t r);
bool IsUpperRune(char32_t r);
bool IsLowerRune(char32_t r);
bool IsPunctRune(char32_t r);
char32_t ToUpperRune(char32_t r);
char32_t ToLowerRune(char32_t r);
// GoQuoteString is strconv.Quote (what %q prints).
std::string GoQuoteString(std::string_view s);

// ---- Registration (one per source file) ------------------------------------------------

void AddSprigStringFuncs(FuncMap& funcs, const FuncEnv& env);    // sprig_strings.cc
void AddSprigListFuncs(FuncMap& funcs, const FuncEnv& env);      // sprig_lists.cc
void AddSprigDictFuncs(FuncMap& funcs, const FuncEnv& env);      // sprig_dicts.cc
void AddSprigMathFuncs(FuncMap& funcs, const FuncEnv& env);      // sprig_math.cc
void AddSprigDateFuncs(FuncMap& funcs, const FuncEnv& env);      // sprig_dates.cc
void AddSprigEncodingFuncs(FuncMap& funcs, const FuncEnv& env);  // sprig_encoding.cc
void AddSprigMiscFuncs(FuncMap& funcs, const FuncEnv& env);      // sprig_misc.cc

}  // namespace cairn::templates::internal

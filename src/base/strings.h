#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn {

// ToLower lower-cases ASCII letters only.
std::string ToLower(std::string_view s);
// Trim removes ASCII whitespace at both ends.
std::string_view Trim(std::string_view s);
// Split splits on every occurrence of `sep` (empty pieces kept).
std::vector<std::string> Split(std::string_view s, char sep);
// StartsWith / EndsWith / EqualsIgnoreCase for ASCII.
inline bool StartsWith(std::string_view s, std::string_view p) { return s.starts_with(p); }
inline bool EndsWith(std::string_view s, std::string_view p) { return s.ends_with(p); }
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// ConstantTimeEquals compares two secrets in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// Join concatenates `parts` with `sep` between them.
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

// AppendJsonString appends `s` to `out` as a JSON string literal, quotes included: '"', '\\'
// and control characters escaped, everything else (UTF-8 included) as is.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace cairn

#pragma once

// Helpers shared by the jose module only: bounded JSON parsing that never throws, and
// exception-free serialization. Not part of the public API.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn::jose::internal {

// kMaxJsonDepth bounds nesting in every JOSE JSON document we parse (headers, claims, JWKs).
inline constexpr int kMaxJsonDepth = 32;

// ParseJsonObject parses `text` as one JSON object. Fails with kInvalidArgument when the text is
// longer than `max_size`, is not valid JSON (including invalid UTF-8), nests deeper than
// kMaxJsonDepth, repeats a member name in any object (RFC 7515 §5.2 allows rejecting), or is
// not an object. `what` names the document in error messages ("JWS header"). Thread-safe.
Result<nlohmann::json> ParseJsonObject(std::string_view text, std::string_view what,
                                       size_t max_size);

// DumpJson serializes `j` compactly (object members in the sorted order of nlohmann::json).
// Fails with kInvalidArgument when a string is not valid UTF-8. Thread-safe.
Result<std::string> DumpJson(const nlohmann::json& j);

// DumpOrderedJson is DumpJson for an insertion-ordered document.
Result<std::string> DumpOrderedJson(const nlohmann::ordered_json& j);

// GetString returns the string member `name` of object `j`: nullopt when absent; fails with
// kInvalidArgument when present but not a string.
Result<std::optional<std::string>> GetString(const nlohmann::json& j, std::string_view name,
                                             std::string_view what);

// GetB64 returns the base64url-decoded string member `name`, failing with kInvalidArgument when
// absent (if `required`), not a string or not strict base64url. Absent and optional → "".
Result<std::string> GetB64(const nlohmann::json& j, std::string_view name, std::string_view what,
                           bool required);

}  // namespace cairn::jose::internal

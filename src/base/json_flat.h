#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace cairn {

// ParseFlatJsonObject is a fast path for the JSON a CA reads on every issuance: a sign
// request's body and a token's header and claims. It parses `text` when it is an object whose
// member names are distinct and whose values are strings, integers of at most 18 digits,
// true, false, null, or arrays of strings -- strings of printable ASCII and the two-character
// escapes (a PEM block's \n) -- and returns nullopt for anything else (\uXXXX, other bytes,
// nesting, fractions, exponents, duplicate names, malformed input), which the caller hands to
// nlohmann's parser. Whatever it accepts, nlohmann::json::parse accepts too and reads to an
// equal value of the same types; it is several times faster, copying runs of plain characters
// whole rather than a character at a time.
std::optional<nlohmann::json> ParseFlatJsonObject(std::string_view text);

}  // namespace cairn

#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn {

// Base64Encode encodes with the standard alphabet and padding (RFC 4648 §4).
std::string Base64Encode(std::string_view data);
// Base64Decode accepts the standard alphabet, with or without padding; whitespace (CR, LF,
// space, tab) is skipped so PEM bodies decode. Fails with kInvalidArgument on anything else.
Result<std::string> Base64Decode(std::string_view text);
// Base64UrlEncode encodes with the URL-safe alphabet and no padding (RFC 4648 §5, as JOSE).
std::string Base64UrlEncode(std::string_view data);
// Base64UrlDecode accepts the URL-safe alphabet without padding (RFC 7515 §2). Padding,
// whitespace or characters of the standard alphabet are rejected.
Result<std::string> Base64UrlDecode(std::string_view text);
// HexEncode encodes as lower-case hex.
std::string HexEncode(std::string_view data);
// HexDecode accepts upper- or lower-case hex of even length.
Result<std::string> HexDecode(std::string_view text);

}  // namespace cairn

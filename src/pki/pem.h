#pragma once

// PEM helpers for code above pki that handles PEM text without OpenSSL types.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace cairn::pki {

// ParsePemBlocks returns (type, DER) for every PEM block in `text`, in order (headers are
// dropped; see crypto/pem.h for the full form). Fails with kInvalidArgument on a malformed
// block, kResourceExhausted over 4 MiB or 1024 blocks. Thread-safe.
Result<std::vector<std::pair<std::string, std::string>>> ParsePemBlocks(std::string_view text);

// EncodePem renders one block ("-----BEGIN <type>-----", base64 in 64-column lines, END line),
// with a trailing newline.
std::string EncodePem(std::string_view type, std::string_view der);

}  // namespace cairn::pki

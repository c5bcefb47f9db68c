#pragma once

// PEM (RFC 7468) blocks, with the RFC 1421 headers that legacy encrypted keys carry
// ("Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-256-CBC,<iv>"). Parsing follows Go's encoding/pem,
// which step uses: text before, between and after blocks is ignored.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace cairn::crypto {

// kMaxPemInput bounds the text ParsePemBlocks accepts (4 MiB).
inline constexpr size_t kMaxPemInput = 4 << 20;
// kMaxPemBlocks bounds the number of blocks ParsePemBlocks returns.
inline constexpr size_t kMaxPemBlocks = 1024;

// PemBlock is one decoded block: its type ("CERTIFICATE", "EC PRIVATE KEY", ...), its headers
// in file order, and the base64-decoded body.
struct PemBlock {
  std::string type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string bytes;

  // Header returns the value of header `name`, or "" when absent.
  std::string_view Header(std::string_view name) const;
};

// ParsePemBlocks decodes every PEM block in `text`, in order. Returns an empty vector when the
// text holds no "-----BEGIN " line. Fails with kInvalidArgument on a block without its matching
// END line or with a body that is not base64, and with kResourceExhausted when the text is
// larger than `max_input` or holds more than `max_blocks` blocks. Thread-safe.
Result<std::vector<PemBlock>> ParsePemBlocks(std::string_view text, size_t max_input = kMaxPemInput,
                                             size_t max_blocks = kMaxPemBlocks);

// EncodePem renders a block as Go's pem.Encode does: BEGIN line, headers (Proc-Type first,
// then the others in the given order) followed by a blank line, base64 body in lines of 64
// characters, END line, each line ending in "\n". Thread-safe.
std::string EncodePem(const PemBlock& block);
// EncodePem renders a block without headers.
std::string EncodePem(std::string_view type, std::string_view bytes);

}  // namespace cairn::crypto

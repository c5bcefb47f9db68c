#pragma once

// Symmetric primitives that callers above crypto/ need without OpenSSL headers.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn::crypto {

// Aes256CbcNoPadding encrypts (or decrypts) `in` with AES-256-CBC, without padding: `key` is
// 32 bytes, `iv` 16, and `in` a multiple of 16 bytes. kInvalidArgument on wrong sizes.
// Thread-safe.
Result<std::string> Aes256CbcNoPadding(bool encrypt, std::string_view key, std::string_view iv,
                                       std::string_view in);

// Scrypt derives `out_len` bytes from `password` and `salt` (RFC 7914) with cost `n`, block
// size `r` and parallelism `p`, using at most `max_mem` bytes. kInvalidArgument on bad
// parameters. Thread-safe.
Result<std::string> Scrypt(std::string_view password, std::string_view salt, uint64_t n, uint64_t r,
                           uint64_t p, uint64_t max_mem, size_t out_len);

}  // namespace cairn::crypto

#pragma once

// JSON Web Signatures (RFC 7515) with the algorithms of RFC 7518 §3 and RFC 8037 §3.1:
// compact serialization (one-time tokens) and flattened JSON serialization (ACME, RFC 8555
// §6.2). Parsing is strict and bounded; verification is bound to the key type so that an
// attacker cannot pick the algorithm (no "none", no HMAC keyed with a public key, no ES256
// with a P-384 key). All functions are thread-safe.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/ossl_ptr.h"
#include "jose/jwk.h"

namespace cairn::jose {

// kMaxJwsSize bounds a compact token or a flattened JWS document, in bytes.
inline constexpr size_t kMaxJwsSize = 64 * 1024;

// JwsHeader is a JOSE header: a JSON object.
using JwsHeader = nlohmann::json;

// ParsedJws is a structurally valid JWS whose signature has NOT been checked yet.
struct ParsedJws {
  // header is the decoded protected header (a JSON object with a string "alg").
  nlohmann::json header;
  // payload is the decoded payload (may be empty: ACME POST-as-GET).
  std::string payload;
  // signing_input is "b64url(header).b64url(payload)" exactly as received.
  std::string signing_input;
  // signature is the raw (decoded) signature.
  std::string signature;
  // alg is header["alg"].
  std::string alg;
};

// ParseCompact parses a compact JWS (RFC 7515 §7.1). Strict: at most kMaxJwsSize bytes, three
// dot-separated parts of unpadded base64url, a non-empty signature, a header that is a JSON
// object (no duplicate members, bounded nesting) with a string "alg" other than "none", no
// "crit" (no extension is supported) and no "b64" other than true. Fails with
// kInvalidArgument, with a message naming the defect.
Result<ParsedJws> ParseCompact(std::string_view token);

// ParseFlattened parses a flattened JSON JWS (RFC 7515 §7.2.2) with members "protected",
// "payload" and "signature" (all strings). The unprotected "header" member and the general
// form ("signatures") are rejected, as RFC 8555 §6.2 requires for ACME; other unknown members
// are ignored. The protected header is checked as in ParseCompact. Fails with
// kInvalidArgument.
Result<ParsedJws> ParseFlattened(std::string_view json);

// SignCompact signs `payload` with the private (or symmetric) `key` and returns the compact
// JWS. The protected header is `extra_header` (a JSON object, or null for none) with "alg" set
// to `alg`, or to key.SigningAlg() when `alg` is empty (an "alg" inside extra_header is
// overwritten). Header members are serialized in sorted order, as Go's encoding/json does.
// Fails with kInvalidArgument when the key is public-only, the alg does not fit the key (see
// Verify), or the header is not an object; kInternal when OpenSSL fails.
Result<std::string> SignCompact(std::string_view payload, const Jwk& key,
                                nlohmann::json extra_header = nullptr, std::string_view alg = "");

// SignFlattened is SignCompact for the flattened JSON serialization: it returns the JSON text
// {"payload":..,"protected":..,"signature":..}. `protected_header` is as extra_header above.
Result<std::string> SignFlattened(std::string_view payload, const Jwk& key,
                                  nlohmann::json protected_header, std::string_view alg = "");

// Verify checks the signature of `jws` with `key`. The algorithm must be consistent with the
// key:
//   ES256/ES384/ES512 ↔ EC P-256/P-384/P-521 (signature = R‖S of exactly twice the coordinate
//   size), RS256/384/512 and PS256/384/512 ↔ RSA of at least 2048 bits, EdDSA ↔ OKP Ed25519,
//   HS256/384/512 ↔ "oct" keys only (at least as long as the hash output).
// When the key has an "alg" member, the JWS alg must equal it. When `allowed_algs` is
// non-empty the alg must also be one of them; when empty, any algorithm consistent with the key
// is accepted. An HMAC alg is never verified with an asymmetric key. Fails with
// kUnauthenticated ("verifying JWS: ...") on any mismatch or a bad signature.
Status Verify(const ParsedJws& jws, const Jwk& key,
              std::span<const std::string_view> allowed_algs = {});

// VerifyWithPkey is Verify with an OpenSSL public key (e.g. the leaf of an x5c chain). HMAC
// algorithms always fail. `pkey` is borrowed for the call. Fails with kUnauthenticated.
Status VerifyWithPkey(const ParsedJws& jws, EVP_PKEY* pkey,
                      std::span<const std::string_view> allowed_algs = {});

}  // namespace cairn::jose

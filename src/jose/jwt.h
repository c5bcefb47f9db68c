#pragma once

// JSON Web Tokens (RFC 7519) as step uses them: a compact JWS whose payload is a JSON claims
// object, with go-jose's time-validation semantics. All functions are thread-safe.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "jose/jwk.h"
#include "jose/jws.h"

namespace cairn::jose {

// kDefaultLeeway is step-ca's clock-skew allowance for exp/nbf/iat (stepca.md §2.1).
inline constexpr Duration kDefaultLeeway = std::chrono::minutes(1);

// Claims wraps a JWT claims object whose registered claims have been type-checked, so the
// accessors cannot fail. Other claims are reachable through json(). Thread-compatible.
class Claims {
 public:
  // Create checks the registered claims' types: iss/sub/jti strings; aud a string or an array
  // of strings; exp/nbf/iat numbers (fractions are truncated, as go-jose's NumericDate does).
  // Fails with kInvalidArgument when `json` is not an object or a claim has the wrong type.
  static Result<Claims> Create(nlohmann::json json);

  const nlohmann::json& json() const { return json_; }
  // iss, sub and jti return the claim or "" when absent.
  std::string iss() const { return GetString("iss"); }
  std::string sub() const { return GetString("sub"); }
  std::string jti() const { return GetString("jti"); }
  // aud returns the audience as a list (a single string becomes a one-element list).
  std::vector<std::string> aud() const;
  // exp, nbf and iat return seconds since the epoch, or nullopt when absent.
  std::optional<int64_t> exp() const { return GetTime("exp"); }
  std::optional<int64_t> nbf() const { return GetTime("nbf"); }
  std::optional<int64_t> iat() const { return GetTime("iat"); }

 private:
  explicit Claims(nlohmann::json json) : json_(std::move(json)) {}
  std::string GetString(const char* name) const;
  std::optional<int64_t> GetTime(const char* name) const;

  nlohmann::json json_;
};

// ValidateTime applies go-jose's Claims.ValidateWithLeeway to the exp/nbf/iat claims present:
//   exp: now − leeway > exp → "token is expired (exp)";
//   nbf: now + leeway < nbf → "token not valid yet (nbf)";
//   iat: now + leeway < iat → "token issued in the future (iat)".
// Equality at an edge is valid. Fails with kUnauthenticated (with those messages) or, when a
// time claim is not a number, kInvalidArgument. `failed`, when given, receives which check
// failed (left alone on success).
enum class TimeCheck { kExpired, kNotYetValid, kIssuedInFuture, kMalformed };
Status ValidateTime(const nlohmann::json& claims, Time now, Duration leeway = kDefaultLeeway,
                    TimeCheck* failed = nullptr);
// ValidateTime over already type-checked claims.
Status ValidateTime(const Claims& claims, Time now, Duration leeway = kDefaultLeeway);

// DecodeUnverified returns {header, claims} of a compact JWT WITHOUT checking its signature:
// for `step crypto jwt inspect --insecure` and for finding the provisioner that will verify
// it. The token is parsed as strictly as ParseCompact; the payload must be a JSON object.
// Fails with kInvalidArgument. Never trust the result for authorization.
Result<std::pair<nlohmann::json, nlohmann::json>> DecodeUnverified(std::string_view token);

// ParseClaims decodes the payload of an already parsed (and, for trust, verified) JWS as a
// claims object. Fails with kInvalidArgument.
Result<Claims> ParseClaims(const ParsedJws& jws);

// VerifyJwt parses `token`, verifies its signature with `key` (see jose::Verify for the
// algorithm rules and `allowed_algs`) and returns the claims. Time is NOT checked; call
// ValidateTime. Fails with kInvalidArgument (malformed) or kUnauthenticated (signature).
Result<Claims> VerifyJwt(std::string_view token, const Jwk& key,
                         std::span<const std::string_view> allowed_algs = {});

// SignJwt serializes `claims` (a JSON object; members sorted) and signs it as a compact JWS
// with key.SigningAlg(). The header is `extra_header` plus "typ": "JWT" and "kid": key.kid()
// (each only when extra_header does not set it and, for kid, when the key has one). Fails as
// SignCompact does, or with kInvalidArgument when claims is not an object.
Result<std::string> SignJwt(const nlohmann::json& claims, const Jwk& key,
                            nlohmann::json extra_header = nullptr);

}  // namespace cairn::jose

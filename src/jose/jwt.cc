#include "jose/jwt.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "base/status.h"
#include "jose/internal/json_util.h"

namespace cairn::jose {
namespace {

// NumericDate converts a JSON number to seconds, truncating fractions like go-jose's
// NumericDate.UnmarshalJSON. nullopt for non-numbers and values outside int64.
std::optional<int64_t> NumericDate(const nlohmann::json& v) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned()) {
      auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return static_cast<int64_t>(u);
    }
    return v.get<int64_t>();
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    // 9.2e18 keeps the cast defined; real timestamps are far smaller.
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

Status CheckClaimTypes(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgumentError("JWT claims are not a JSON object");
  for (const char* name : {"iss", "sub", "jti"}) {
    if (auto it = j.find(name); it != j.end() && !it->is_string()) {
      return InvalidArgumentError(std::string("JWT claim \"") + name + "\" is not a string");
    }
  }
  if (auto it = j.find("aud"); it != j.end()) {
    bool ok = it->is_string();
    if (it->is_array()) {
      ok = true;
      for (const auto& a : *it) ok = ok && a.is_string();
    }
    if (!ok) return InvalidArgumentError("JWT claim \"aud\" is not a string or string array");
  }
  for (const char* name : {"exp", "nbf", "iat"}) {
    if (auto it = j.find(name); it != j.end() && !NumericDate(*it).has_value()) {
      return InvalidArgumentError(std::string("JWT claim \"") + name + "\" is not a NumericDate");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Claims> Claims::Create(nlohmann::json json) {
  CAIRN_RETURN_IF_ERROR(CheckClaimTypes(json));
  return Claims(std::move(json));
}

std::vector<std::string> Claims::aud() const {
  std::vector<std::string> out;
  auto it = json_.find("aud");
  if (it == json_.end()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const auto& a : *it) out.push_back(a.get<std::string>());
  }
  return out;
}

std::string Claims::GetString(const char* name) const {
  auto it = json_.find(name);
  return it != json_.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> Claims::GetTime(const char* name) const {
  auto it = json_.find(name);
  if (it == json_.end()) return std::nullopt;
  return NumericDate(*it);
}

Status ValidateTime(const nlohmann::json& claims, Time now, Duration leeway, TimeCheck* failed) {
  auto fail = [&](TimeCheck why, Status s) {
    if (failed != nullptr) *failed = why;
    return s;
  };
  if (Status s = CheckClaimTypes(claims); !s.ok()) return fail(TimeCheck::kMalformed, s);
  auto get = [&](const char* name) -> std::optional<Time> {
    auto it = claims.find(name);
    if (it == claims.end()) return std::nullopt;
    // Time counts nanoseconds in an int64 (±292 years around 1970); clamp so absurd claims
    // (exp = 1e15) compare as "far future/past" instead of overflowing.
    constexpr int64_t kLimit = 9'000'000'000;  // ≈ year 2255
    return FromUnixSeconds(std::clamp<int64_t>(*NumericDate(*it), -kLimit, kLimit));
  };
  const auto skew = std::chrono::duration_cast<Time::duration>(leeway);
  // go-jose jwt.Claims.ValidateWithLeeway, in the same order.
  if (auto exp = get("exp"); exp && now - skew > *exp) {
    return fail(TimeCheck::kExpired, UnauthenticatedError("token is expired (exp)"));
  }
  if (auto nbf = get("nbf"); nbf && now + skew < *nbf) {
    return fail(TimeCheck::kNotYetValid, UnauthenticatedError("token not valid yet (nbf)"));
  }
  if (auto iat = get("iat"); iat && now + skew < *iat) {
    return fail(TimeCheck::kIssuedInFuture,
                UnauthenticatedError("token issued in the future (iat)"));
  }
  return Status::Ok();
}

Status ValidateTime(const Claims& claims, Time now, Duration leeway) {
  return ValidateTime(claims.json(), now, leeway);
}

Result<Claims> ParseClaims(const ParsedJws& jws) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims,
                         internal::ParseJsonObject(jws.payload, "JWT claims", kMaxJwsSize));
  return Claims::Create(std::move(claims));
}

Result<std::pair<nlohmann::json, nlohmann::json>> DecodeUnverified(std::string_view token) {
  CAIRN_ASSIGN_OR_RETURN(ParsedJws jws, ParseCompact(token));
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims,
                         internal::ParseJsonObject(jws.payload, "JWT claims", kMaxJwsSize));
  return std::make_pair(std::move(jws.header), std::move(claims));
}

Result<Claims> VerifyJwt(std::string_view token, const Jwk& key,
                         std::span<const std::string_view> allowed_algs) {
  CAIRN_ASSIGN_OR_RETURN(ParsedJws jws, ParseCompact(token));
  CAIRN_RETURN_IF_ERROR(Verify(jws, key, allowed_algs));
  return ParseClaims(jws);
}

Result<std::string> SignJwt(const nlohmann::json& claims, const Jwk& key,
                            nlohmann::json extra_header) {
  if (!claims.is_object()) return InvalidArgumentError("JWT claims must be a JSON object");
  if (extra_header.is_null()) extra_header = nlohmann::json::object();
  if (!extra_header.is_object()) return InvalidArgumentError("JWS header must be a JSON object");
  if (!extra_header.contains("typ")) extra_header["typ"] = "JWT";
  if (!extra_header.contains("kid") && !key.kid().empty()) extra_header["kid"] = key.kid();
  CAIRN_ASSIGN_OR_RETURN(std::string payload, internal::DumpJson(claims));
  return SignCompact(payload, key, std::move(extra_header));
}

}  // namespace cairn::jose

// JWT claims (every one-time token's payload, after its JWS is parsed; jws.cc covers the JWS
// layer). The input is a compact token, or, when it starts with '{', a claims object directly.
//  - DecodeUnverified and ParseCompact + ParseClaims agree on the claims;
//  - typed claims match the document: aud as a string is a one-element list, as an array the
//    same strings in order; exp/nbf/iat are the number, fractions truncated;
//  - ValidateTime agrees with go-jose's rules computed here from the typed claims, at the edges
//    of every time claim (now = t ± leeway, ± 1 s) and at a fixed time, and is deterministic;
//  - claims that type-check survive sign -> verify -> parse unchanged (HS256, fixed key).

#include "jose/jwt.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_depth.h"
#include "fuzz/fuzz.h"
#include "jose/jwk.h"
#include "jose/jws.h"

namespace {

namespace jose = cairn::jose;
using cairn::jose::TimeCheck;

constexpr int64_t kLeewaySeconds = 60;  // jose::kDefaultLeeway
constexpr int64_t kClamp = 9'000'000'000;
constexpr int64_t kFixedNow = 1767225600;  // 2026-01-01T00:00:00Z

// Expected is go-jose's ValidateWithLeeway over clamped second values.
std::optional<TimeCheck> Expected(const jose::Claims& c, int64_t now) {
  auto clamp = [](std::optional<int64_t> t) -> std::optional<int64_t> {
    if (!t) return t;
    return std::clamp<int64_t>(*t, -kClamp, kClamp);
  };
  if (auto exp = clamp(c.exp()); exp && now - kLeewaySeconds > *exp) return TimeCheck::kExpired;
  if (auto nbf = clamp(c.nbf()); nbf && now + kLeewaySeconds < *nbf) {
    return TimeCheck::kNotYetValid;
  }
  if (auto iat = clamp(c.iat()); iat && now + kLeewaySeconds < *iat) {
    return TimeCheck::kIssuedInFuture;
  }
  return std::nullopt;
}

// AllFinite reports whether every number in `j` is finite (JSON text cannot carry an infinity;
// nlohmann reads 1e400 as one and writes it back as null, which is not the code under test).
bool AllFinite(const nlohmann::json& j) {
  if (j.is_number_float()) return std::isfinite(j.get<double>());
  if (j.is_structured()) {
    for (const auto& v : j) {
      if (!AllFinite(v)) return false;
    }
  }
  return true;
}

void CheckTime(const jose::Claims& c, int64_t now) {
  if (now < -kClamp || now > kClamp) return;  // Time holds ±292 years; keep well inside
  TimeCheck failed = TimeCheck::kMalformed;
  cairn::Status s = jose::ValidateTime(c.json(), cairn::FromUnixSeconds(now),
                                       std::chrono::seconds(kLeewaySeconds), &failed);
  std::optional<TimeCheck> want = Expected(c, now);
  FUZZ_CHECK(s.ok() == !want.has_value());
  if (want) {
    FUZZ_CHECK(failed == *want);
    FUZZ_CHECK(s.code() == cairn::StatusCode::kUnauthenticated);
  }
  cairn::Status again = jose::ValidateTime(c, cairn::FromUnixSeconds(now));
  FUZZ_CHECK(again.ok() == s.ok() && again.message() == s.message());
}

void CheckClaims(const nlohmann::json& doc) {
  auto claims = jose::Claims::Create(doc);
  if (!claims.ok()) {
    FUZZ_CHECK(claims.status().code() == cairn::StatusCode::kInvalidArgument);
    // A document whose claims do not type-check is malformed for ValidateTime too.
    TimeCheck failed = TimeCheck::kExpired;
    cairn::Status s =
        jose::ValidateTime(doc, cairn::FromUnixSeconds(kFixedNow), jose::kDefaultLeeway, &failed);
    FUZZ_CHECK(!s.ok() && failed == TimeCheck::kMalformed);
    return;
  }
  const jose::Claims& c = *claims;

  // Typed views.
  auto aud = doc.find("aud");
  std::vector<std::string> want_aud;
  if (aud != doc.end() && aud->is_string()) want_aud.push_back(aud->get<std::string>());
  if (aud != doc.end() && aud->is_array()) {
    for (const auto& a : *aud) want_aud.push_back(a.get<std::string>());
  }
  FUZZ_CHECK(c.aud() == want_aud);
  for (const char* name : {"iss", "sub", "jti"}) {
    auto it = doc.find(name);
    std::string want = it != doc.end() ? it->get<std::string>() : "";
    std::string got = name[0] == 'i' ? c.iss() : name[0] == 's' ? c.sub() : c.jti();
    FUZZ_CHECK(got == want);
  }
  std::vector<int64_t> edges = {kFixedNow};
  for (const char* name : {"exp", "nbf", "iat"}) {
    auto it = doc.find(name);
    std::optional<int64_t> t = name[0] == 'e' ? c.exp() : name[0] == 'n' ? c.nbf() : c.iat();
    FUZZ_CHECK(t.has_value() == (it != doc.end()));
    if (!t) continue;
    if (it->is_number_integer()) {
      FUZZ_CHECK(it->is_number_unsigned() ? static_cast<uint64_t>(*t) == it->get<uint64_t>()
                                          : *t == it->get<int64_t>());
    } else {
      FUZZ_CHECK(static_cast<double>(*t) ==
                 static_cast<double>(static_cast<int64_t>(it->get<double>())));
    }
    const int64_t base = std::clamp<int64_t>(*t, -kClamp + 100, kClamp - 100);
    for (int64_t d : {-kLeewaySeconds - 1, -kLeewaySeconds, kLeewaySeconds, kLeewaySeconds + 1}) {
      edges.push_back(base + d);
    }
  }
  for (int64_t now : edges) CheckTime(c, now);

  // Serialize -> sign -> verify -> parse gives the same claims.
  if (!AllFinite(c.json())) return;
  static const jose::Jwk key = jose::Jwk::FromSymmetric(std::string(32, 'k')).value();
  auto token = jose::SignJwt(c.json(), key);
  FUZZ_CHECK(token.ok());
  auto verified = jose::VerifyJwt(*token, key);
  FUZZ_CHECK(verified.ok());
  FUZZ_CHECK(verified->json() == c.json());
  FUZZ_CHECK(verified->aud() == c.aud() && verified->exp() == c.exp() &&
             verified->nbf() == c.nbf() && verified->iat() == c.iat());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (!in.empty() && in[0] == '{') {
    if (in.size() > jose::kMaxJwsSize || cairn::JsonNestingDepth(in) > 32) return 0;
    auto doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_discarded()) CheckClaims(doc);
    return 0;
  }
  auto decoded = jose::DecodeUnverified(in);
  auto jws = jose::ParseCompact(in);
  if (!jws.ok()) {
    FUZZ_CHECK(!decoded.ok());
    return 0;
  }
  auto claims = jose::ParseClaims(*jws);
  if (decoded.ok()) {
    FUZZ_CHECK(decoded->first == jws->header);
    if (claims.ok()) FUZZ_CHECK(claims->json() == decoded->second);
    CheckClaims(decoded->second);
  } else {
    FUZZ_CHECK(!claims.ok());
  }
  return 0;
}

#include "jose/jwt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "base/encoding.h"
#include "base/strings.h"
#include "jose/test_util.h"
#include "testing/fakes.h"

namespace cairn::jose {
namespace {

using ::cairn::jose::testing::ReadToken;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

TEST(ClaimsTest, AccessorsAndTypes) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Claims c, Claims::Create({{"iss", "prov"},
                                {"sub", "alice"},
                                {"aud", "https://ca/1.0/sign"},
                                {"jti", "abc"},
                                {"exp", kNow + 300},
                                {"nbf", 1767225600.9},  // fractions truncate, as in go-jose
                                {"sha", "ff"}}));
  EXPECT_EQ(c.iss(), "prov");
  EXPECT_EQ(c.sub(), "alice");
  EXPECT_EQ(c.jti(), "abc");
  EXPECT_THAT(c.aud(), ElementsAre("https://ca/1.0/sign"));
  EXPECT_EQ(c.exp(), kNow + 300);
  EXPECT_EQ(c.nbf(), kNow);
  EXPECT_EQ(c.iat(), std::nullopt);
  EXPECT_EQ(c.json()["sha"], "ff");

  CAIRN_ASSERT_OK_AND_ASSIGN(Claims multi, Claims::Create({{"aud", {"a", "b"}}}));
  EXPECT_THAT(multi.aud(), ElementsAre("a", "b"));
  CAIRN_ASSERT_OK_AND_ASSIGN(Claims none, Claims::Create(nlohmann::json::object()));
  EXPECT_TRUE(none.aud().empty());
  EXPECT_EQ(none.iss(), "");
}

TEST(ClaimsTest, RejectsWrongTypes) {
  for (const nlohmann::json& bad : {
           nlohmann::json::array(),
           nlohmann::json{{"iss", 1}},
           nlohmann::json{{"sub", nullptr}},
           nlohmann::json{{"aud", 5}},
           nlohmann::json{{"aud", {"a", 1}}},
           nlohmann::json{{"exp", "1767225600"}},
           nlohmann::json{{"nbf", true}},
           nlohmann::json{{"iat", {1}}},
           nlohmann::json{{"exp", 1e30}},
       }) {
    SCOPED_TRACE(bad.dump());
    EXPECT_EQ(Claims::Create(bad).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ValidateTimeTest, Table) {
  const Time now = FromUnixSeconds(kNow);
  struct Case {
    const char* name;
    nlohmann::json claims;
    Time now;
    const char* error;  // nullptr: valid
  } cases[] = {
      {"no time claims", nlohmann::json::object(), now, nullptr},
      {"fresh token", {{"iat", kNow}, {"nbf", kNow}, {"exp", kNow + 300}}, now, nullptr},
      // exp: now − leeway > exp fails; equality passes.
      {"exp at leeway edge", {{"exp", kNow - 60}}, now, nullptr},
      {"exp one second past edge", {{"exp", kNow - 61}}, now, "token is expired (exp)"},
      {"exp edge plus 1ms", {{"exp", kNow - 60}}, now + milliseconds(1), "token is expired (exp)"},
      {"exp in the future", {{"exp", kNow + 1}}, now, nullptr},
      // nbf: now + leeway < nbf fails.
      {"nbf at leeway edge", {{"nbf", kNow + 60}}, now, nullptr},
      {"nbf one second past edge", {{"nbf", kNow + 61}}, now, "token not valid yet (nbf)"},
      {"nbf edge minus 1ms",
       {{"nbf", kNow + 60}},
       now - milliseconds(1),
       "token not valid yet (nbf)"},
      // iat: now + leeway < iat fails.
      {"iat at leeway edge", {{"iat", kNow + 60}}, now, nullptr},
      {"iat one second past edge", {{"iat", kNow + 61}}, now, "token issued in the future (iat)"},
      {"iat long ago", {{"iat", 0}}, now, nullptr},
      // Order of checks as go-jose: exp first.
      {"expired and not yet valid",
       {{"exp", kNow - 3600}, {"nbf", kNow + 3600}},
       now,
       "token is expired (exp)"},
      // Absurd values compare without overflow.
      {"exp far future", {{"exp", int64_t{1} << 60}}, now, nullptr},
      {"nbf far future", {{"nbf", int64_t{1} << 60}}, now, "token not valid yet (nbf)"},
      {"exp far past", {{"exp", -(int64_t{1} << 60)}}, now, "token is expired (exp)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Status s = ValidateTime(c.claims, c.now);
    if (c.error == nullptr) {
      CAIRN_EXPECT_OK(s);
    } else {
      EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
      EXPECT_EQ(s.message(), c.error);
    }
  }
}

TEST(ValidateTimeTest, LeewayIsAParameter) {
  const Time now = FromUnixSeconds(kNow);
  nlohmann::json claims = {{"exp", kNow - 30}};
  CAIRN_EXPECT_OK(ValidateTime(claims, now));
  EXPECT_FALSE(ValidateTime(claims, now, seconds(0)).ok());
  EXPECT_FALSE(ValidateTime(claims, now, seconds(29)).ok());
  CAIRN_EXPECT_OK(ValidateTime(claims, now, seconds(30)));
  CAIRN_EXPECT_OK(ValidateTime(claims, now, minutes(5)));
  // The Claims overload agrees.
  CAIRN_ASSERT_OK_AND_ASSIGN(Claims c, Claims::Create(claims));
  EXPECT_FALSE(ValidateTime(c, now, seconds(0)).ok());
}

TEST(ValidateTimeTest, ReportsWhichCheckFailed) {
  const Time now = FromUnixSeconds(kNow);
  struct Case {
    nlohmann::json claims;
    TimeCheck want;
  };
  const Case cases[] = {
      {{{"exp", kNow - 3600}, {"nbf", kNow + 3600}}, TimeCheck::kExpired},
      {{{"nbf", kNow + 3600}}, TimeCheck::kNotYetValid},
      {{{"iat", kNow + 3600}}, TimeCheck::kIssuedInFuture},
      {{{"exp", "soon"}}, TimeCheck::kMalformed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.claims.dump());
    TimeCheck failed =
        TimeCheck::kMalformed == c.want ? TimeCheck::kExpired : TimeCheck::kMalformed;
    EXPECT_FALSE(ValidateTime(c.claims, now, kDefaultLeeway, &failed).ok());
    EXPECT_EQ(failed, c.want);
  }
}

TEST(ValidateTimeTest, NonNumericTimeIsInvalidArgument) {
  EXPECT_EQ(ValidateTime(nlohmann::json{{"exp", "soon"}}, FromUnixSeconds(kNow)).code(),
            StatusCode::kInvalidArgument);
}

// A step-style one-time token (stepca.md §2.4), signed and verified end to end.
TEST(JwtTest, StepStyleTokenRoundTrip) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Generate("EC"));
  ::cairn::testing::FakeClock clock(FromUnixSeconds(kNow));
  const int64_t now = ToUnixSeconds(clock.Now());
  nlohmann::json claims = {
      {"iss", "admin@example.com"},
      {"sub", "www.example.com"},
      {"aud", "https://ca.example.com:9000/1.0/sign"},
      {"iat", now},
      {"nbf", now},
      {"exp", now + 300},
      {"jti", std::string(64, 'a')},
      {"sha", "c0ffee"},
      {"sans", {"www.example.com"}},
  };
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignJwt(claims, key));

  CAIRN_ASSERT_OK_AND_ASSIGN(auto decoded, DecodeUnverified(token));
  EXPECT_EQ(decoded.first, (nlohmann::json{{"alg", "ES256"}, {"kid", key.kid()}, {"typ", "JWT"}}));
  EXPECT_EQ(decoded.second, claims);

  const std::string_view es256[] = {"ES256"};
  CAIRN_ASSERT_OK_AND_ASSIGN(Claims verified, VerifyJwt(token, key.PublicKey(), es256));
  EXPECT_EQ(verified.sub(), "www.example.com");
  CAIRN_EXPECT_OK(ValidateTime(verified, clock.Now()));
  clock.Advance(minutes(6) + seconds(1));
  EXPECT_THAT(ValidateTime(verified, clock.Now()).message(), HasSubstr("expired"));

  // Another key does not verify it.
  Jwk other = Jwk::Generate("EC").value();
  EXPECT_EQ(VerifyJwt(token, other.PublicKey()).status().code(), StatusCode::kUnauthenticated);
}

TEST(JwtTest, ExtraHeaderWinsOverDefaults) {
  Jwk key = Jwk::Generate("OKP").value();
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string token,
      SignJwt({{"sub", "x"}}, key, {{"typ", "JOSE"}, {"kid", "mine"}, {"x5c", {"AAAA"}}}));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto decoded, DecodeUnverified(token));
  EXPECT_EQ(decoded.first["typ"], "JOSE");
  EXPECT_EQ(decoded.first["kid"], "mine");
  EXPECT_EQ(decoded.first["alg"], "EdDSA");
  // A key without kid adds none.
  Jwk nokid = key;
  nokid.set_kid("");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string t2, SignJwt({{"sub", "x"}}, nokid));
  EXPECT_FALSE(DecodeUnverified(t2).value().first.contains("kid"));
}

TEST(JwtTest, Errors) {
  Jwk key = Jwk::Generate("EC").value();
  EXPECT_FALSE(SignJwt(nlohmann::json::array(), key).ok());
  EXPECT_FALSE(SignJwt({{"sub", "x"}}, key, "header").ok());
  EXPECT_FALSE(SignJwt({{"sub", "\xff"}}, key).ok());  // not UTF-8
  // A JWS whose payload is not a JSON object is not a JWT.
  EXPECT_EQ(DecodeUnverified(ReadToken("rfc7520_4_1_rs256.jws")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodeUnverified("not.a.token").ok());
  // Claims with bad types fail after a valid signature.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignJwt({{"exp", "tomorrow"}}, key));
  EXPECT_EQ(VerifyJwt(token, key.PublicKey()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::jose

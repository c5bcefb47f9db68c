#include "base/status.h"

#include "base/result.h"
#include "testing/fakes.h"

namespace cairn {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgumentError("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  CAIRN_ASSIGN_OR_RETURN(int h, Half(x));
  CAIRN_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, OkIsDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeMessageAndPublicMessage) {
  Status s = UnauthenticatedError("jti reused").WithPublicMessage("token already used");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "jti reused");
  EXPECT_EQ(s.public_message(), "token already used");
  EXPECT_EQ(s.Annotate("sign").message(), "sign: jti reused");
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd");
}

TEST(ResultTest, OkStatusBecomesInternal) {
  Result<int> r = Status();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(FakeRandomTest, DeterministicAndAlphanumeric) {
  testing::FakeRandom a(7), b(7);
  EXPECT_EQ(*a.Hex(16), *b.Hex(16));
  auto s = a.Alphanumeric(100);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size(), 100u);
  for (char c : *s) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
  for (int i = 0; i < 1000; ++i) EXPECT_LT(*a.Uniform(7), 7u);
}

}  // namespace
}  // namespace cairn

#include "pki/verify.h"

#include <gtest/gtest.h>

#include "pki/test_pki_for_test.h"
#include "testing/fakes.h"

namespace cairn::pki {
namespace {

using crypto::KeyType;
using ::testing::HasSubstr;
using testing::Hours;
using testing::LeafTemplate;
using testing::MakeIntermediate;
using testing::MakeRoot;
using testing::SharedKey;
using Purpose = VerifyOptions::Purpose;

class VerifyChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::make_unique<testing::Ca>(MakeRoot(KeyType::kEcP256));
    inter_ = std::make_unique<testing::Ca>(MakeIntermediate(*root_, KeyType::kEcP256));
  }
  Certificate Leaf(std::vector<std::string> eku, Time not_before = Hours(0),
                   Time not_after = Hours(24)) {
    CertificateTemplate t = LeafTemplate("leaf", {.dns = {"leaf.example"}});
    t.ext_key_usage = std::move(eku);
    t.not_before = not_before;
    t.not_after = not_after;
    auto c = SignCertificate(t, SharedKey(KeyType::kEcP256, 7).public_key(), &inter_->cert,
                             *inter_->signer);
    CAIRN_CHECK(c.ok());
    return std::move(c).value();
  }
  std::unique_ptr<testing::Ca> root_, inter_;
};

TEST_F(VerifyChainTest, Success) {
  Certificate leaf = Leaf({"serverAuth", "clientAuth"});
  CAIRN_EXPECT_OK(VerifyChain(leaf, {inter_->cert}, {root_->cert}, {.at = Hours(1)}));
  CAIRN_EXPECT_OK(VerifyChain(leaf, {inter_->cert}, {root_->cert},
                              {.at = Hours(1), .purpose = Purpose::kServerAuth}));
  CAIRN_EXPECT_OK(VerifyChain(leaf, {inter_->cert}, {root_->cert},
                              {.at = Hours(1), .purpose = Purpose::kClientAuth}));
  // An intermediate given as a root is an anchor, as in Go.
  CAIRN_EXPECT_OK(VerifyChain(leaf, {}, {inter_->cert}, {.at = Hours(1)}));
  // Extra, unrelated roots and intermediates do no harm.
  auto other = MakeRoot(KeyType::kEd25519, "Other Root", 2);
  CAIRN_EXPECT_OK(
      VerifyChain(leaf, {other.cert, inter_->cert}, {other.cert, root_->cert}, {.at = Hours(1)}));
}

TEST_F(VerifyChainTest, WrongRootOrMissingIntermediate) {
  Certificate leaf = Leaf({"serverAuth"});
  auto other = MakeRoot(KeyType::kEcP256, "Test Root CA", 2);  // same name, other key
  Status s = VerifyChain(leaf, {inter_->cert}, {other.cert}, {.at = Hours(1)});
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("certificate verification failed"));
  Status missing = VerifyChain(leaf, {}, {root_->cert}, {.at = Hours(1)});
  EXPECT_EQ(missing.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(missing.message(), HasSubstr("unable to get local issuer certificate"));
  EXPECT_THAT(missing.message(), HasSubstr("CN=leaf"));
}

TEST_F(VerifyChainTest, Expiry) {
  Certificate leaf = Leaf({"serverAuth"}, Hours(0), Hours(24));
  Status expired = VerifyChain(leaf, {inter_->cert}, {root_->cert}, {.at = Hours(25)});
  EXPECT_EQ(expired.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(expired.message(), HasSubstr("certificate has expired"));
  Status early = VerifyChain(leaf, {inter_->cert}, {root_->cert}, {.at = Hours(-1)});
  EXPECT_EQ(early.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(early.message(), HasSubstr("not yet valid"));
  CAIRN_EXPECT_OK(
      VerifyChain(leaf, {inter_->cert}, {root_->cert}, {.at = Hours(25), .ignore_time = true}));
}

TEST_F(VerifyChainTest, PurposeMismatch) {
  Certificate client_only = Leaf({"clientAuth"});
  Status s = VerifyChain(client_only, {inter_->cert}, {root_->cert},
                         {.at = Hours(1), .purpose = Purpose::kServerAuth});
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("unsuitable certificate purpose"));
  CAIRN_EXPECT_OK(VerifyChain(client_only, {inter_->cert}, {root_->cert},
                              {.at = Hours(1), .purpose = Purpose::kClientAuth}));
  CAIRN_EXPECT_OK(VerifyChain(client_only, {inter_->cert}, {root_->cert}, {.at = Hours(1)}));
}

TEST_F(VerifyChainTest, DepthAndArgumentBounds) {
  Certificate leaf = Leaf({"serverAuth"});
  EXPECT_EQ(VerifyChain(leaf, {inter_->cert}, {}, {.at = Hours(1)}).code(),
            StatusCode::kInvalidArgument);
  std::vector<Certificate> many(kMaxIntermediates + 1, inter_->cert);
  EXPECT_EQ(VerifyChain(leaf, many, {root_->cert}, {.at = Hours(1)}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      VerifyChain(leaf, {inter_->cert}, {root_->cert}, {.at = Hours(1), .max_depth = 0}).code(),
      StatusCode::kUnauthenticated);
}

TEST_F(VerifyChainTest, CaConstraintsAreEnforced) {
  // A leaf (CA:false) used as an issuer must not verify.
  Certificate leaf = Leaf({"serverAuth"});
  const auto& leaf_key = SharedKey(KeyType::kEcP256, 7);
  crypto::KeySigner leaf_signer(leaf_key);
  CertificateTemplate t = LeafTemplate("below-leaf", {.dns = {"x"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Certificate below,
      SignCertificate(t, SharedKey(KeyType::kEcP256, 9).public_key(), &leaf, leaf_signer));
  Status s = VerifyChain(below, {leaf, inter_->cert}, {root_->cert}, {.at = Hours(1)});
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace cairn::pki

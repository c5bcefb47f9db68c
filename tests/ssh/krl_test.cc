#include "ssh/krl.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "ssh/certificate.h"
#include "ssh/ssh_keygen_for_test.h"
#include "testing/fakes.h"

namespace cairn::ssh {
namespace {

using testing::AllKeyCases;
using testing::KeyCase;
using testing::KeyFor;
using testing::SshKeygen;
using testing::TempDir;

constexpr int64_t kJan1 = 1767225600;  // 2026-01-01T00:00:00Z

const KeyCase& ByName(const std::string& name) {
  for (const auto& kc : AllKeyCases()) {
    if (kc.name == name) return kc;
  }
  ADD_FAILURE() << "no key case " << name;
  return AllKeyCases()[0];
}

PublicKey SshKey(const std::string& name, int slot) {
  return PublicKey::FromCrypto(KeyFor(ByName(name), slot).public_key()).value();
}

// The fixture's world: two CAs, certificates A, B (CA1), C, E (CA2) and the plain key D, whose
// certificate is E.
class KrlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca1_ = SshKey("ed25519", 1);
    ca2_ = SshKey("p256", 1);
    Sign("A", "ed25519", "ed25519", 42, "alice");
    Sign("B", "ed25519", "p256", 43, "bob");
    Sign("C", "p256", "p384", 42, "carol");
    Sign("E", "p256", "rsa2048", 100, "dave");
    dir_.Write("D.pub", SshKey("rsa2048", 0).MarshalAuthorizedKey("dave's key"));
  }

  void Sign(const std::string& name, const std::string& ca, const std::string& subject,
            uint64_t serial, const std::string& key_id) {
    crypto::KeySigner signer(KeyFor(ByName(ca), 1));
    auto cert = SignCertificate(CertificateTemplate{.key = SshKey(subject, 0),
                                                    .serial = serial,
                                                    .type = CertType::kUser,
                                                    .key_id = key_id,
                                                    .principals = {key_id},
                                                    .valid_after = 0,
                                                    .valid_before = kForever},
                                signer, random_);
    ASSERT_TRUE(cert.ok()) << cert.status();
    certs_.emplace(name, *cert);
    dir_.Write(name + ".pub", cert->MarshalAuthorizedKey());
  }

  // Revoked runs `ssh-keygen -Q` for each of A..E against `krl` and returns the names reported
  // revoked; it checks exit status and output agree ("REVOKED" with 1, "ok" with 0).
  std::string Revoked(const std::string& krl) {
    const std::string path = dir_.Write("krl", krl);
    std::string revoked;
    for (const std::string name : {"A", "B", "C", "D", "E"}) {
      auto r = SshKeygen("-Q -f " + path + " " + dir_.File(name + ".pub"));
      if (r.exit_code == 1 && r.output.find(": REVOKED") != std::string::npos) {
        revoked += name;
      } else {
        EXPECT_EQ(r.exit_code, 0) << name << ": " << r.output;
        EXPECT_NE(r.output.find(": ok"), std::string::npos) << name << ": " << r.output;
      }
    }
    return revoked;
  }

  cairn::testing::FakeRandom random_{77};
  TempDir dir_;
  PublicKey ca1_ = SshKey("ed25519", 1);
  PublicKey ca2_ = SshKey("p256", 1);
  std::map<std::string, Certificate> certs_;
};

TEST_F(KrlTest, SshKeygenHonoursEachRevocationKind) {
  struct Case {
    std::string name;
    KrlSpec spec;
    std::string want_revoked;
  };
  const std::vector<Case> cases = {
      {"empty", KrlSpec{}, ""},
      {"CA1 serial 42 (not CA2's serial 42)",
       KrlSpec{.certificates = {{.ca_key = ca1_, .serials = {42}}}}, "A"},
      {"serial list unsorted with duplicates",
       KrlSpec{.certificates = {{.ca_key = ca1_, .serials = {44, 43, 43}}}}, "B"},
      {"serial range", KrlSpec{.certificates = {{.ca_key = ca1_, .serial_ranges = {{40, 42}}}}},
       "A"},
      {"serial range covering both",
       KrlSpec{.certificates = {{.ca_key = ca1_, .serial_ranges = {{1, UINT64_MAX}}}}}, "AB"},
      {"key id of CA1", KrlSpec{.certificates = {{.ca_key = ca1_, .key_ids = {"bob"}}}}, "B"},
      {"key id under the wrong CA",
       KrlSpec{.certificates = {{.ca_key = ca1_, .key_ids = {"carol"}}}}, ""},
      {"key id of any CA", KrlSpec{.certificates = {{.key_ids = {"carol", "nobody"}}}}, "C"},
      {"two CAs",
       KrlSpec{
           .certificates = {{.ca_key = ca1_, .serials = {42}}, {.ca_key = ca2_, .serials = {42}}}},
       "AC"},
      {"plain key (and so its certificate)", KrlSpec{.revoked_keys = {SshKey("rsa2048", 0)}}, "DE"},
      {"plain key by digest (its certificate too)",
       KrlSpec{.revoked_key_sha256 = {crypto::Sha256(SshKey("ed25519", 0).Marshal())}}, "A"},
      {"everything",
       KrlSpec{.version = 9,
               .comment = "all",
               .certificates = {{.ca_key = ca1_, .serials = {43}, .key_ids = {"alice"}},
                                {.ca_key = ca2_, .serial_ranges = {{42, 42}}}},
               .revoked_keys = {SshKey("rsa2048", 0), SshKey("p256", 0)}},
       "ABCDE"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string krl, MarshalKrl(c.spec));
    EXPECT_EQ(Revoked(krl), c.want_revoked);
  }
}

TEST_F(KrlTest, SshKeygenListsTheContent) {
  KrlSpec spec{.version = 7,
               .generated = FromUnixSeconds(kJan1),
               .comment = "cairn test",
               .certificates = {{.ca_key = ca1_,
                                 .serials = {5, 3},
                                 .serial_ranges = {{10, 20}},
                                 .key_ids = {"bob"}}},
               .revoked_keys = {SshKey("rsa2048", 0)}};
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string krl, MarshalKrl(spec));
  auto r = SshKeygen("-Q -l -f " + dir_.Write("krl", krl));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("# KRL version 7\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("# Generated at 20260101T000000\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("# Comment: cairn test\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("# CA key ssh-ed25519 " + ca1_.FingerprintSha256() + "\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("serial: 3\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("serial: 5\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("serial: 10-20\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("id: bob\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(
                "hash: SHA256:" + HexEncode(crypto::Sha256(SshKey("rsa2048", 0).Marshal())) + "\n"),
            std::string::npos)
      << r.output;
}

TEST(KrlEncodingTest, HeaderBytes) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string krl,
      MarshalKrl(KrlSpec{.version = 5, .generated = FromUnixSeconds(kJan1), .comment = "c"}));
  EXPECT_EQ(HexEncode(krl),
            "5353484b524c0a00"  // magic "SSHKRL\n\0"
            "00000001"          // format version
            "0000000000000005"  // krl version
            "00000000"
            "6955b900"          // generated (2026-01-01)
            "0000000000000000"  // flags
            "00000000"          // reserved
            "0000000163");      // comment
}

TEST(KrlEncodingTest, FingerprintsAreSortedAndDistinct) {
  const std::string low(32, '\x01');
  const std::string high(32, '\xf0');
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string krl,
                             MarshalKrl(KrlSpec{.revoked_key_sha256 = {high, low, high}}));
  // Header (8+4+8+8+8+4+4 = 44 bytes), then section 5 holding two strings of 32 bytes.
  const std::string section = krl.substr(44);
  EXPECT_EQ(HexEncode(section.substr(0, 5)), "0500000048");
  EXPECT_EQ(section.substr(9, 32), low);
  EXPECT_EQ(section.substr(45, 32), high);
  EXPECT_EQ(section.size(), 5u + 72u);
}

TEST(KrlEncodingTest, BadSpecs) {
  const PublicKey ca = PublicKey::FromCrypto(KeyFor(AllKeyCases()[0], 1).public_key()).value();
  struct Case {
    std::string name;
    KrlSpec spec;
  };
  const std::vector<Case> cases = {
      {"serial 0", KrlSpec{.certificates = {{.ca_key = ca, .serials = {1, 0}}}}},
      {"range from 0", KrlSpec{.certificates = {{.ca_key = ca, .serial_ranges = {{0, 5}}}}}},
      {"inverted range", KrlSpec{.certificates = {{.ca_key = ca, .serial_ranges = {{6, 5}}}}}},
      {"serials without CA", KrlSpec{.certificates = {{.serials = {5}}}}},
      {"range without CA", KrlSpec{.certificates = {{.serial_ranges = {{5, 6}}}}}},
      {"empty key id", KrlSpec{.certificates = {{.ca_key = ca, .key_ids = {""}}}}},
      {"key id with NUL", KrlSpec{.certificates = {{.key_ids = {std::string("a\0b", 3)}}}}},
      {"short digest", KrlSpec{.revoked_key_sha256 = {std::string(20, 'x')}}},
      {"before 1970", KrlSpec{.generated = FromUnixSeconds(-1)}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = MarshalKrl(c.spec);
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << got.status();
  }
  auto huge = MarshalKrl(KrlSpec{.comment = std::string(kMaxKrl + 1, 'c')});
  EXPECT_EQ(huge.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace cairn::ssh

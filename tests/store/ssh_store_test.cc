// SSH certificates and their revocations: both backends behave the same (record with the token
// in one transaction, lookups, paging, "forever" validity, bounds), and SQLite keeps them.

#include <string>
#include <vector>

#include "store/memory_store.h"
#include "store/sqlite_store.h"
#include "store/store.h"
#include "store/store_test_util.h"
#include "testing/fakes.h"

namespace cairn::store {
namespace {

using ::cairn::store::testing::TempDir;
using ::cairn::testing::FakeClock;
using ::testing::ElementsAre;

const Time kStart = FromUnixSeconds(1767225600);

SshCertificateRecord SshCert(const std::string& serial, int type = 1) {
  SshCertificateRecord r;
  r.serial = serial;
  r.cert = std::string("\x00\x00\x00\x1cssh-ed25519-cert-v01@openssh.com", 32) + serial;
  r.type = type;
  r.key_id = "alice@example.com";
  r.principals = {"alice", "ops"};
  r.valid_after = 1767225600;
  r.valid_before = 1767225600 + 16 * 3600;
  r.provisioner_id = "admin:kid";
  r.provisioner_name = "admin";
  r.issued_at = kStart;
  return r;
}

RevocationRecord SshRevocation(const std::string& serial) {
  RevocationRecord r;
  r.serial = serial;
  r.provisioner_id = "sshpop/sshpop";
  r.reason_code = 1;
  r.reason = "lost laptop";
  r.revoked_at = kStart + std::chrono::hours(1);
  r.expires_at = kStart + std::chrono::hours(16);
  r.token_id = "jti-ssh-revoke-" + serial;
  return r;
}

std::vector<std::string> Serials(const std::vector<SshCertificateRecord>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.serial);
  return out;
}

class SshStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      store_ = std::make_unique<MemoryStore>(&clock_);
    } else {
      auto s = OpenSqliteStore({.path = dir_.File("cairn.db"), .clock = &clock_});
      ASSERT_TRUE(s.ok()) << s.status();
      store_ = std::move(s).value();
    }
  }
  void TearDown() override {
    if (store_) {
      CAIRN_EXPECT_OK(store_->Close());
    }
  }
  FakeClock clock_{kStart};
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(SshStoreTest, RecordsGetsAndListsCertificates) {
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(SshCert("300"), "jti-1"));
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(SshCert("100", 2), ""));
  SshCertificateRecord forever = SshCert("18446744073709551615");
  forever.valid_before = kSshForever;
  forever.renewed_from = "100";
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(forever, ""));

  CAIRN_ASSERT_OK_AND_ASSIGN(auto got, store_->GetSshCertificate("300"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, SshCert("300"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto f, store_->GetSshCertificate("18446744073709551615"));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->valid_before, kSshForever);
  EXPECT_EQ(f->renewed_from, "100");
  EXPECT_FALSE(store_->GetSshCertificate("999")->has_value());

  CAIRN_ASSERT_OK_AND_ASSIGN(auto page1, store_->ListSshCertificates("", 2));
  EXPECT_THAT(Serials(page1), ElementsAre("100", "18446744073709551615"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto page2, store_->ListSshCertificates(page1.back().serial, 2));
  EXPECT_THAT(Serials(page2), ElementsAre("300"));
  // The X.509 tables are another namespace.
  EXPECT_FALSE(store_->GetCertificate("300")->has_value());
}

TEST_P(SshStoreTest, TheTokenAndTheCertificateAreOneTransaction) {
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(SshCert("1"), "jti-once"));
  // A replayed token records nothing.
  EXPECT_EQ(store_->RecordSshCertificate(SshCert("2"), "jti-once").code(),
            StatusCode::kAlreadyExists);
  EXPECT_FALSE(store_->GetSshCertificate("2")->has_value());
  // A taken serial does not burn the token.
  EXPECT_EQ(store_->RecordSshCertificate(SshCert("1"), "jti-fresh").code(),
            StatusCode::kAlreadyExists);
  CAIRN_EXPECT_OK(store_->UseToken("jti-fresh"));
}

TEST_P(SshStoreTest, RefusesInvalidRecords) {
  SshCertificateRecord too_big = SshCert("18446744073709551616");
  EXPECT_EQ(store_->RecordSshCertificate(too_big, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->RecordSshCertificate(SshCert("007"), "").code(), StatusCode::kInvalidArgument);
  SshCertificateRecord bad_type = SshCert("5", 3);
  EXPECT_EQ(store_->RecordSshCertificate(bad_type, "").code(), StatusCode::kInvalidArgument);
  SshCertificateRecord empty = SshCert("6");
  empty.cert.clear();
  EXPECT_EQ(store_->RecordSshCertificate(empty, "").code(), StatusCode::kInvalidArgument);
  SshCertificateRecord many = SshCert("7");
  many.principals.assign(kMaxSans + 1, "p");
  EXPECT_EQ(store_->RecordSshCertificate(many, "").code(), StatusCode::kInvalidArgument);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto all, store_->ListSshCertificates("", 100));
  EXPECT_TRUE(all.empty());
}

TEST_P(SshStoreTest, RevokesOnceWithTheToken) {
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(SshCert("42"), ""));
  RevocationRecord r = SshRevocation("42");
  CAIRN_ASSERT_OK(store_->RevokeSsh(r, r.token_id));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto got, store_->GetSshRevocation("42"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, r);
  EXPECT_EQ(store_->RevokeSsh(SshRevocation("42"), "other-jti").code(), StatusCode::kAlreadyExists);
  // The X.509 revocations are another namespace.
  EXPECT_FALSE(store_->GetRevocation("42")->has_value());
  CAIRN_ASSERT_OK(store_->RevokeSsh(SshRevocation("43"), ""));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto list, store_->ListSshRevocations("", 10));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].serial, "42");
  EXPECT_EQ(list[1].serial, "43");
}

INSTANTIATE_TEST_SUITE_P(Backends, SshStoreTest, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(SqliteSshStoreTest, SurvivesARestart) {
  TempDir dir;
  const std::string path = dir.File("cairn.db");
  {
    auto s = OpenSqliteStore({.path = path});
    ASSERT_TRUE(s.ok());
    CAIRN_ASSERT_OK((*s)->RecordSshCertificate(SshCert("9"), "jti-9"));
    CAIRN_ASSERT_OK((*s)->RevokeSsh(SshRevocation("9"), ""));
    CAIRN_ASSERT_OK((*s)->Close());
  }
  auto s = OpenSqliteStore({.path = path});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE((*s)->GetSshCertificate("9")->has_value());
  EXPECT_TRUE((*s)->GetSshRevocation("9")->has_value());
  EXPECT_EQ((*s)->UseToken("jti-9").code(), StatusCode::kAlreadyExists);
  CAIRN_ASSERT_OK((*s)->CheckIntegrity());
  CAIRN_ASSERT_OK((*s)->Close());
}

}  // namespace
}  // namespace cairn::store

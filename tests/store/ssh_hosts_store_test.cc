// The SSH host index (step-ca's ssh_hosts / ssh_host_principals): both backends fill it from
// host certificates in RecordSshCertificate, look principals up case-insensitively, list the
// hosts whose certificates are neither expired nor revoked, page, and bound their input; SQLite
// keeps it, and migration 6 indexes host certificates recorded before it existed.

#include <sqlite3.h>

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
using ::testing::IsEmpty;

constexpr int64_t kNow = 1767225600;
const Time kStart = FromUnixSeconds(kNow);

SshCertificateRecord HostCert(const std::string& serial, std::vector<std::string> principals,
                              uint64_t valid_before, int type = 2) {
  SshCertificateRecord r;
  r.serial = serial;
  r.cert = "cert-" + serial;
  r.type = type;
  r.key_id = principals.empty() ? "none" : principals[0];
  r.principals = std::move(principals);
  r.valid_after = kNow - 60;
  r.valid_before = valid_before;
  r.provisioner_id = "admin:kid";
  r.provisioner_name = "admin";
  r.issued_at = kStart;
  return r;
}

RevocationRecord Revocation(const std::string& serial) {
  RevocationRecord r;
  r.serial = serial;
  r.provisioner_id = "admin:kid";
  r.reason = "decommissioned";
  r.revoked_at = kStart;
  r.expires_at = kStart + std::chrono::hours(1);
  return r;
}

class SshHostsStoreTest : public ::testing::TestWithParam<std::string> {
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
  std::vector<std::string> Hosts(Time now, std::string_view cursor = "", int limit = 100) {
    auto r = store_->ListSshHosts(now, cursor, limit);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<std::string>{};
  }
  FakeClock clock_{kStart};
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(SshHostsStoreTest, HostCertificatesAreIndexedByLowerCasedPrincipal) {
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(
      HostCert("1", {"Web.Example.COM", "10.0.0.1"}, kNow + 3600), "jti-1"));
  // A user certificate is not a host.
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("2", {"alice"}, kNow + 3600, 1), ""));

  struct Case {
    std::string principal;
    bool exists;
  };
  for (const Case& c : std::vector<Case>{{"web.example.com", true},
                                         {"WEB.EXAMPLE.COM", true},
                                         {"Web.Example.COM", true},
                                         {"10.0.0.1", true},
                                         {"alice", false},
                                         {"web", false},
                                         {"web.example.com.", false}}) {
    SCOPED_TRACE(c.principal);
    CAIRN_ASSERT_OK_AND_ASSIGN(bool exists, store_->HasSshHost(c.principal));
    EXPECT_EQ(exists, c.exists);
  }
  CAIRN_ASSERT_OK_AND_ASSIGN(auto rec, store_->GetSshHost("WEB.example.com", kStart));
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(*rec, (SshHostRecord{"web.example.com", "1", kNow + 3600}));
  EXPECT_THAT(Hosts(kStart), ElementsAre("10.0.0.1", "web.example.com"));
}

TEST_P(SshHostsStoreTest, ListingSkipsExpiredAndRevokedCertificates) {
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("1", {"old"}, kNow - 1), ""));
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("2", {"edge"}, kNow), ""));
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("3", {"live"}, kNow + 1), ""));
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("4", {"forever"}, kSshForever), ""));
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("5", {"gone"}, kNow + 3600), ""));
  CAIRN_ASSERT_OK(store_->RevokeSsh(Revocation("5"), ""));
  // Renewed: one certificate expired, a newer one valid; the host is listed once.
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("6", {"renewed"}, kNow - 10), ""));
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("7", {"renewed"}, kNow + 10), ""));
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("8", {"RENEWED"}, kNow + 20), ""));

  // valid_before is exclusive: a certificate valid before `now` has expired at `now`.
  EXPECT_THAT(Hosts(kStart), ElementsAre("forever", "live", "renewed"));
  EXPECT_THAT(Hosts(kStart + std::chrono::seconds(15)), ElementsAre("forever", "renewed"));
  EXPECT_THAT(Hosts(kStart + std::chrono::hours(24 * 365 * 100)), ElementsAre("forever"));
  EXPECT_THAT(Hosts(kStart - std::chrono::seconds(5)),
              ElementsAre("edge", "forever", "live", "old", "renewed"));

  // The host's best certificate is the one valid longest.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto r, store_->GetSshHost("renewed", kStart));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->serial, "8");
  EXPECT_FALSE(store_->GetSshHost("old", kStart)->has_value());
  EXPECT_FALSE(store_->GetSshHost("gone", kStart)->has_value());
  // check-host (step-ca's IsSSHHost) remembers every host ever issued a certificate.
  EXPECT_TRUE(*store_->HasSshHost("old"));
  EXPECT_TRUE(*store_->HasSshHost("gone"));
}

TEST_P(SshHostsStoreTest, ListsInPages) {
  for (int i = 0; i < 5; ++i) {
    CAIRN_ASSERT_OK(store_->RecordSshCertificate(
        HostCert(std::to_string(i + 1), {"h" + std::to_string(i), "shared"}, kNow + 100), ""));
  }
  std::vector<std::string> all;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    std::vector<std::string> got = Hosts(kStart, cursor, 2);
    all.insert(all.end(), got.begin(), got.end());
    if (got.size() < 2) break;
    cursor = got.back();
  }
  EXPECT_THAT(all, ElementsAre("h0", "h1", "h2", "h3", "h4", "shared"));
  EXPECT_THAT(Hosts(kStart, "shared"), IsEmpty());
}

TEST_P(SshHostsStoreTest, TheIndexIsPartOfTheCertificateTransaction) {
  CAIRN_ASSERT_OK(store_->RecordSshCertificate(HostCert("1", {"a"}, kNow + 100), "jti"));
  // A replayed token records neither the certificate nor its principals.
  EXPECT_EQ(store_->RecordSshCertificate(HostCert("2", {"b"}, kNow + 100), "jti").code(),
            StatusCode::kAlreadyExists);
  EXPECT_FALSE(*store_->HasSshHost("b"));
  // Nor does a taken serial.
  EXPECT_EQ(store_->RecordSshCertificate(HostCert("1", {"c"}, kNow + 100), "").code(),
            StatusCode::kAlreadyExists);
  EXPECT_FALSE(*store_->HasSshHost("c"));
  EXPECT_THAT(Hosts(kStart), ElementsAre("a"));
}

TEST_P(SshHostsStoreTest, BoundsItsInput) {
  EXPECT_EQ(store_->HasSshHost("").status().code(), StatusCode::kInvalidArgument);
  const std::string huge(kMaxTextField + 1, 'h');
  EXPECT_EQ(store_->HasSshHost(huge).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetSshHost(huge, kStart).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListSshHosts(kStart, huge, 10).status().code(), StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, SshHostsStoreTest, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

Status Exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return InternalError("open");
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  return rc == SQLITE_OK ? Status() : InternalError(msg);
}

TEST(SqliteSshHostsTest, SurvivesARestartAndMigrationSixIndexesOlderCertificates) {
  TempDir dir;
  const std::string path = dir.File("cairn.db");
  FakeClock clock(kStart);
  {
    auto s = OpenSqliteStore({.path = path, .clock = &clock});
    ASSERT_TRUE(s.ok()) << s.status();
    CAIRN_ASSERT_OK((*s)->RecordSshCertificate(HostCert("1", {"Host-A", "b"}, kNow + 60), ""));
    CAIRN_ASSERT_OK((*s)->RecordSshCertificate(HostCert("2", {"user"}, kNow + 60, 1), ""));
    CAIRN_ASSERT_OK((*s)->Close());
  }
  {
    auto s = OpenSqliteStore({.path = path, .clock = &clock});
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(*(*s)->HasSshHost("host-a"));
    CAIRN_ASSERT_OK((*s)->Close());
  }
  // Back to a version-5 database (no host index), as an older Cairn left it.
  CAIRN_ASSERT_OK(Exec(path,
                       "DROP TABLE ssh_host_principals;"
                       "DELETE FROM schema_migrations WHERE version = 6;"));
  auto s = OpenSqliteStore({.path = path, .clock = &clock});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(*(*s)->HasSshHost("HOST-A"));
  EXPECT_TRUE(*(*s)->HasSshHost("b"));
  EXPECT_FALSE(*(*s)->HasSshHost("user"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto hosts, (*s)->ListSshHosts(kStart, "", 10));
  EXPECT_THAT(hosts, ElementsAre("b", "host-a"));
  CAIRN_ASSERT_OK((*s)->CheckIntegrity());
  CAIRN_ASSERT_OK((*s)->Close());
}

}  // namespace
}  // namespace cairn::store

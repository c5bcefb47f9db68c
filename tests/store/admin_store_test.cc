// Admins, counters and revocations by time: behaviour both backends share, and the SQLite
// specifics (two processes on one file share counters; migration 4 on a version-3 database).

#include <sqlite3.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/memory_store.h"
#include "store/sqlite_store.h"
#include "store/store.h"
#include "store/store_test_util.h"
#include "testing/fakes.h"

namespace cairn::store {
namespace {

using ::cairn::store::testing::MakeCert;
using ::cairn::store::testing::MakeRevocation;
using ::cairn::store::testing::TempDir;
using ::cairn::testing::FakeClock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Time kStart = FromUnixSeconds(1767225600);

AdminRecord Admin(const std::string& id, const std::string& subject,
                  AdminType type = AdminType::kAdmin, const std::string& provisioner = "admin") {
  AdminRecord a;
  a.id = id;
  a.provisioner = provisioner;
  a.subject = subject;
  a.type = type;
  return a;
}

std::vector<std::string> AdminIds(const std::vector<AdminRecord>& admins) {
  std::vector<std::string> ids;
  for (const auto& a : admins) ids.push_back(a.id);
  return ids;
}

std::vector<std::string> Serials(const std::vector<RevocationRecord>& recs) {
  std::vector<std::string> out;
  for (const auto& r : recs) out.push_back(r.serial);
  return out;
}

class AdminStoreTest : public ::testing::TestWithParam<std::string> {
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

  // Revoke records a certificate and revokes it at `at`.
  void Revoke(const std::string& serial, Time at) {
    CAIRN_ASSERT_OK(store_->RecordCertificate(MakeCert(serial), ""));
    RevocationRecord r = MakeRevocation(serial);
    r.revoked_at = at;
    r.token_id = "";
    CAIRN_ASSERT_OK(store_->Revoke(r, ""));
  }

  FakeClock clock_{kStart + std::chrono::milliseconds(250)};
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(AdminStoreTest, CreatesFindsListsUpdatesAndDeletesAdmins) {
  CAIRN_ASSERT_OK(store_->CreateAdmin(Admin("a2", "step", AdminType::kSuperAdmin)));
  CAIRN_ASSERT_OK(store_->CreateAdmin(Admin("a1", "alice@example.com")));
  CAIRN_ASSERT_OK(store_->CreateAdmin(Admin("a3", "step", AdminType::kAdmin, "other")));

  CAIRN_ASSERT_OK_AND_ASSIGN(auto got, store_->GetAdmin("a2"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->subject, "step");
  EXPECT_EQ(got->provisioner, "admin");
  EXPECT_EQ(got->type, AdminType::kSuperAdmin);
  EXPECT_EQ(got->created_at, kStart);  // set by the store, whole seconds

  CAIRN_ASSERT_OK_AND_ASSIGN(auto found, store_->FindAdmin("other", "step"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "a3");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto missing, store_->FindAdmin("admin", "bob"));
  EXPECT_FALSE(missing.has_value());

  CAIRN_ASSERT_OK_AND_ASSIGN(auto page1, store_->ListAdmins("", 2));
  EXPECT_THAT(AdminIds(page1), ElementsAre("a1", "a2"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto page2, store_->ListAdmins("a2", 2));
  EXPECT_THAT(AdminIds(page2), ElementsAre("a3"));

  CAIRN_ASSERT_OK(store_->UpdateAdminType("a1", AdminType::kSuperAdmin));
  EXPECT_EQ((*store_->GetAdmin("a1"))->type, AdminType::kSuperAdmin);
  EXPECT_EQ(store_->UpdateAdminType("nope", AdminType::kAdmin).code(), StatusCode::kNotFound);

  CAIRN_ASSERT_OK(store_->DeleteAdmin("a1"));
  EXPECT_FALSE(store_->GetAdmin("a1")->has_value());
  EXPECT_EQ(store_->DeleteAdmin("a1").code(), StatusCode::kNotFound);
  // The subject is free again once its admin is gone.
  CAIRN_EXPECT_OK(store_->CreateAdmin(Admin("a4", "alice@example.com")));
}

TEST_P(AdminStoreTest, RefusesDuplicateAndInvalidAdmins) {
  CAIRN_ASSERT_OK(store_->CreateAdmin(Admin("a1", "step")));
  Status dup_id = store_->CreateAdmin(Admin("a1", "other"));
  EXPECT_EQ(dup_id.code(), StatusCode::kAlreadyExists);
  Status dup_subject = store_->CreateAdmin(Admin("a2", "step"));
  EXPECT_EQ(dup_subject.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(dup_subject.message(), HasSubstr("step"));

  EXPECT_EQ(store_->CreateAdmin(Admin("bad id!", "x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAdmin(Admin("a3", "")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAdmin(Admin("a3", "line\nbreak")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAdmin(Admin("a3", std::string(kMaxAdminSubjectLength + 1, 'x'))).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAdmin(Admin("a3", "x", static_cast<AdminType>(7))).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAdmin(Admin("a3", "x", AdminType::kAdmin, "")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->UpdateAdminType("a1", static_cast<AdminType>(0)).code(),
            StatusCode::kInvalidArgument);
  // Nothing of the refused calls was stored.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto all, store_->ListAdmins("", 100));
  EXPECT_THAT(AdminIds(all), ElementsAre("a1"));
}

TEST_P(AdminStoreTest, CountersIncrementFromOneAndAreIndependent) {
  EXPECT_EQ(*store_->IncrementCounter("crl"), 1);
  EXPECT_EQ(*store_->IncrementCounter("crl"), 2);
  EXPECT_EQ(*store_->IncrementCounter("crl.delta"), 1);
  EXPECT_EQ(*store_->IncrementCounter("crl"), 3);
  EXPECT_EQ(store_->IncrementCounter("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->IncrementCounter(std::string(kMaxCounterNameLength + 1, 'c')).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(AdminStoreTest, ConcurrentIncrementsNeverRepeatAValue) {
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::vector<int64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto v = store_->IncrementCounter("crl");
        if (v.ok()) seen[t].push_back(*v);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> all;
  for (const auto& s : seen) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), size_t{kThreads * kEach});
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kEach);
}

TEST_P(AdminStoreTest, ListsRevocationsSinceATimeInTimeOrderWithPaging) {
  const Time t0 = kStart;
  Revoke("30", t0 + std::chrono::seconds(10));
  Revoke("10", t0 + std::chrono::seconds(20));
  Revoke("20", t0 + std::chrono::seconds(20));
  Revoke("40", t0);

  CAIRN_ASSERT_OK_AND_ASSIGN(auto all, store_->ListRevocationsSince(t0, "", 100));
  EXPECT_THAT(Serials(all), ElementsAre("40", "30", "10", "20"));
  EXPECT_EQ(all[1].reason_code, 1);

  // Inclusive of `since`.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto later,
                             store_->ListRevocationsSince(t0 + std::chrono::seconds(20), "", 100));
  EXPECT_THAT(Serials(later), ElementsAre("10", "20"));

  // Paging: the cursor is the last serial, `since` its revoked_at.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto p1, store_->ListRevocationsSince(t0, "", 3));
  EXPECT_THAT(Serials(p1), ElementsAre("40", "30", "10"));
  CAIRN_ASSERT_OK_AND_ASSIGN(
      auto p2, store_->ListRevocationsSince(p1.back().revoked_at, p1.back().serial, 3));
  EXPECT_THAT(Serials(p2), ElementsAre("20"));

  CAIRN_ASSERT_OK_AND_ASSIGN(auto none,
                             store_->ListRevocationsSince(t0 + std::chrono::seconds(21), "", 100));
  EXPECT_TRUE(none.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminStoreTest, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

int64_t QueryInt(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// Two stores on one file stand for two CA processes: counters and admins live in the database.
TEST(SqliteAdminStoreTest, TwoProcessesShareCountersAndAdmins) {
  TempDir dir;
  const std::string path = dir.File("cairn.db");
  auto a = OpenSqliteStore({.path = path});
  auto b = OpenSqliteStore({.path = path});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*(*a)->IncrementCounter("crl"), 1);
  EXPECT_EQ(*(*b)->IncrementCounter("crl"), 2);
  EXPECT_EQ(*(*a)->IncrementCounter("crl"), 3);
  CAIRN_ASSERT_OK((*a)->CreateAdmin(Admin("a1", "step", AdminType::kSuperAdmin)));
  EXPECT_EQ((*b)->CreateAdmin(Admin("a2", "step", AdminType::kSuperAdmin)).code(),
            StatusCode::kAlreadyExists);
  EXPECT_TRUE((*b)->FindAdmin("admin", "step")->has_value());
  CAIRN_ASSERT_OK((*a)->Close());
  CAIRN_ASSERT_OK((*b)->Close());
  // A restart keeps the counter where it was: CRL numbers never go back.
  auto c = OpenSqliteStore({.path = path});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*(*c)->IncrementCounter("crl"), 4);
  CAIRN_ASSERT_OK((*c)->Close());
  EXPECT_EQ(QueryInt(path, "SELECT MAX(version) FROM schema_migrations"), kSqliteSchemaVersion);
  EXPECT_EQ(QueryInt(path,
                     "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('admins', 'counters',"
                     " 'revoked_x509_certs_revoked_at')"),
            3);
}

}  // namespace
}  // namespace cairn::store

// Behaviour every Store backend must share, run against each of them.

#include "store/store.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "store/memory_store.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"
#include "testing/fakes.h"

namespace cairn::store {
namespace {

using ::cairn::store::testing::MakeCert;
using ::cairn::store::testing::MakeRevocation;
using ::cairn::store::testing::TempDir;
using ::testing::HasSubstr;

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      store_ = NewMemoryStore();
    } else {
      ASSERT_FALSE(dir_.path().empty());
      auto s = OpenSqliteStore({.path = dir_.File("cairn.db")});
      ASSERT_TRUE(s.ok()) << s.status();
      store_ = std::move(s).value();
    }
  }
  void TearDown() override {
    if (store_) {
      CAIRN_EXPECT_OK(store_->Close());
    }
  }

  // Serial returns the certificate stored under `serial`, failing the test on errors.
  std::optional<CertificateRecord> Get(const std::string& serial) {
    auto r = store_->GetCertificate(serial);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }
  std::optional<RevocationRecord> GetRev(const std::string& serial) {
    auto r = store_->GetRevocation(serial);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, RecordsAndReadsCertificates) {
  CertificateRecord c = MakeCert("340282366920938463463374607431768211455");
  c.renewed_from = "12345";
  CAIRN_ASSERT_OK(store_->RecordCertificate(c, "jti-1"));
  auto got = Get(c.serial);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, c);
  EXPECT_EQ(got->der.size(), c.der.size());  // embedded NUL byte survived
  EXPECT_FALSE(Get("42").has_value());
}

TEST_P(StoreTest, EmptyTextFieldsRoundTrip) {
  CertificateRecord c = MakeCert("7");
  c.subject.clear();
  c.provisioner_id.clear();
  c.sans.clear();
  CAIRN_ASSERT_OK(store_->RecordCertificate(c, ""));
  auto got = Get("7");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, c);
}

TEST_P(StoreTest, TimesAreKeptToTheSecond) {
  CertificateRecord c = MakeCert("99");
  c.not_before += std::chrono::milliseconds(999);
  CAIRN_ASSERT_OK(store_->RecordCertificate(c, ""));
  auto got = Get("99");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->not_before, FromUnixSeconds(1767225600));
}

TEST_P(StoreTest, ReplayedTokenIsRejectedAndNothingIsStored) {
  CAIRN_ASSERT_OK(store_->RecordCertificate(MakeCert("1"), "jti-replayed"));
  Status s = store_->RecordCertificate(MakeCert("2"), "jti-replayed");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_THAT(s.message(), HasSubstr("token already used"));
  EXPECT_FALSE(Get("2").has_value());
  // The second certificate was not half-written: it can still be recorded with a fresh token.
  CAIRN_EXPECT_OK(store_->RecordCertificate(MakeCert("2"), "jti-fresh"));
}

TEST_P(StoreTest, DuplicateSerialDoesNotConsumeTheToken) {
  CAIRN_ASSERT_OK(store_->RecordCertificate(MakeCert("5"), "jti-a"));
  CertificateRecord dup = MakeCert("5");
  dup.subject = "CN=impostor";
  Status s = store_->RecordCertificate(dup, "jti-b");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(Get("5")->subject, MakeCert("5").subject);
  // jti-b was rolled back with the failed insert, so it is still unused.
  CAIRN_EXPECT_OK(store_->UseToken("jti-b"));
}

TEST_P(StoreTest, TokensAreSingleUseAcrossOperations) {
  CAIRN_ASSERT_OK(store_->UseToken("ott"));
  EXPECT_EQ(store_->UseToken("ott").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->RecordCertificate(MakeCert("3"), "ott").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Revoke(MakeRevocation("3"), "ott").code(), StatusCode::kAlreadyExists);
  CAIRN_ASSERT_OK(store_->RecordCertificate(MakeCert("4"), "ott-2"));
  EXPECT_EQ(store_->UseToken("ott-2").code(), StatusCode::kAlreadyExists);
  // Token ids are compared exactly (they are hashes and jtis: case matters).
  CAIRN_EXPECT_OK(store_->UseToken("OTT"));
}

TEST_P(StoreTest, RecordWithoutTokenConsumesNothing) {
  CAIRN_ASSERT_OK(store_->RecordCertificate(MakeCert("10"), ""));
  CAIRN_ASSERT_OK(store_->RecordCertificate(MakeCert("11"), ""));
  EXPECT_TRUE(Get("10").has_value());
  EXPECT_TRUE(Get("11").has_value());
}

TEST_P(StoreTest, RevokeTwiceIsAlreadyExists) {
  RevocationRecord r = MakeRevocation("77");
  CAIRN_ASSERT_OK(store_->Revoke(r, r.token_id));
  auto got = GetRev("77");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, r);

  RevocationRecord again = MakeRevocation("77");
  again.reason = "second attempt";
  again.token_id = "jti-second";
  Status s = store_->Revoke(again, again.token_id);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_THAT(s.message(), HasSubstr("already revoked"));
  EXPECT_EQ(GetRev("77")->reason, "key compromise");
  // The failed revocation rolled back its token as well.
  CAIRN_EXPECT_OK(store_->UseToken("jti-second"));
}

TEST_P(StoreTest, RevokeWithUsedTokenWritesNothing) {
  CAIRN_ASSERT_OK(store_->UseToken("jti-used"));
  Status s = store_->Revoke(MakeRevocation("78"), "jti-used");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_THAT(s.message(), HasSubstr("token already used"));
  EXPECT_FALSE(GetRev("78").has_value());
}

TEST_P(StoreTest, RevokesSerialsItNeverIssuedAndWithoutToken) {
  CAIRN_ASSERT_OK(store_->Revoke(MakeRevocation("1234567890"), ""));
  EXPECT_TRUE(GetRev("1234567890").has_value());
  EXPECT_FALSE(Get("1234567890").has_value());
}

TEST_P(StoreTest, ListsCertificatesInPages) {
  std::vector<std::string> serials;
  for (int i = 0; i < 23; ++i) serials.push_back(std::to_string(i * 7919 + 1));
  // Insert in a scrambled order.
  std::vector<std::string> order = serials;
  std::reverse(order.begin(), order.end());
  std::rotate(order.begin(), order.begin() + 5, order.end());
  for (const auto& s : order) CAIRN_ASSERT_OK(store_->RecordCertificate(MakeCert(s), ""));

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto page = store_->ListCertificates(cursor, 5);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const auto& c : *page) {
      EXPECT_EQ(c, MakeCert(c.serial));
      seen.push_back(c.serial);
    }
    if (page->size() < 5) break;
    cursor = page->back().serial;
    ASSERT_LT(pages, 10);
  }
  std::vector<std::string> want = serials;
  std::sort(want.begin(), want.end());  // byte-wise order of the serial strings
  EXPECT_EQ(seen, want);
  EXPECT_EQ(pages, 5);  // 5 + 5 + 5 + 5 + 3

  auto all = store_->ListCertificates("", 0);  // 0: the default limit
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 23u);
  auto none = store_->ListCertificates(want.back(), 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreTest, ListsRevocationsInPages) {
  for (int i = 1; i <= 12; ++i)
    CAIRN_ASSERT_OK(store_->Revoke(MakeRevocation(std::to_string(i)), ""));
  auto p1 = store_->ListRevocations("", 10);
  ASSERT_TRUE(p1.ok()) << p1.status();
  ASSERT_EQ(p1->size(), 10u);
  EXPECT_EQ(p1->front().serial, "1");
  EXPECT_EQ(p1->at(1).serial, "10");  // byte-wise: "1" < "10" < "11" < "12" < "2"
  EXPECT_EQ(p1->front(), MakeRevocation("1"));
  auto p2 = store_->ListRevocations(p1->back().serial, 10);
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->size(), 2u);
  EXPECT_EQ(p2->back().serial, "9");
}

TEST_P(StoreTest, RejectsMalformedInput) {
  for (const std::string& serial :
       std::vector<std::string>{"", "007", "12a", "-1", "0x10", std::string(65, '9')}) {
    SCOPED_TRACE(serial);
    EXPECT_EQ(store_->RecordCertificate(MakeCert(serial), "t").code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetCertificate(serial).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Revoke(MakeRevocation(serial), "").code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(store_->UseToken("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->UseToken(std::string(kMaxTokenIdLength + 1, 'a')).code(),
            StatusCode::kInvalidArgument);
  CertificateRecord no_der = MakeCert("8");
  no_der.der.clear();
  EXPECT_EQ(store_->RecordCertificate(no_der, "t").code(), StatusCode::kInvalidArgument);
  RevocationRecord bad_reason = MakeRevocation("8");
  bad_reason.reason_code = 11;
  EXPECT_EQ(store_->Revoke(bad_reason, "t").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListCertificates(std::string(100, '1'), 1).status().code(),
            StatusCode::kInvalidArgument);
  // None of the rejected calls consumed the token "t".
  CAIRN_EXPECT_OK(store_->UseToken("t"));
  EXPECT_TRUE(store_->ListCertificates("", 10)->empty());
}

TEST_P(StoreTest, ConcurrentUsesOfOneTokenLetExactlyOneWin) {
  constexpr int kThreads = 8;
  std::atomic<int> ok{0}, already{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Status s = store_->RecordCertificate(MakeCert(std::to_string(100 + i)), "contested");
      if (s.ok()) ok++;
      if (s.code() == StatusCode::kAlreadyExists) already++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(already.load(), kThreads - 1);
  EXPECT_EQ(store_->ListCertificates("", 100)->size(), 1u);
}

TEST_P(StoreTest, IntegrityCheckPasses) { CAIRN_EXPECT_OK(store_->CheckIntegrity()); }

TEST_P(StoreTest, ClosedStoreIsUnavailable) {
  CAIRN_ASSERT_OK(store_->Close());
  CAIRN_EXPECT_OK(store_->Close());  // idempotent
  EXPECT_EQ(store_->UseToken("x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->RecordCertificate(MakeCert("1"), "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->GetCertificate("1").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->ListRevocations("", 1).status().code(), StatusCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace cairn::store

// ACME records and settings: behaviour both backends share (create/get, uniqueness, versioned
// compare-and-swap updates, atomic multi-record writes, EAB binding, bounds), and the SQLite
// specifics (persistence, the migration that adds the tables, two processes on one file).

#include <sqlite3.h>

#include <atomic>
#include <nlohmann/json.hpp>
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
using ::cairn::store::testing::TempDir;
using ::cairn::testing::FakeClock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

const Time kStart = FromUnixSeconds(1767225600);

AcmeAccountRecord Account(const std::string& id, const std::string& key_id,
                          const std::string& provisioner = "acme") {
  AcmeAccountRecord a;
  a.id = id;
  a.provisioner = provisioner;
  a.key_id = key_id;
  a.doc = R"({"status":"valid","contact":["mailto:)" + id + R"(@example.com"]})";
  return a;
}

AcmeOrderRecord Order(const std::string& id, const std::string& account_id) {
  AcmeOrderRecord o;
  o.id = id;
  o.account_id = account_id;
  o.provisioner = "acme";
  o.doc = R"({"status":"pending","n":0})";
  o.expires_at = kStart + std::chrono::hours(24);
  return o;
}

AcmeAuthzRecord Authz(const std::string& id, const AcmeOrderRecord& order) {
  AcmeAuthzRecord a;
  a.id = id;
  a.account_id = order.account_id;
  a.order_id = order.id;
  a.doc = R"({"status":"pending","identifier":{"type":"dns","value":")" + id + R"(.example"}})";
  a.expires_at = kStart + std::chrono::hours(24);
  return a;
}

AcmeEabKeyRecord EabKey(const std::string& id, const std::string& provisioner = "acme",
                        const std::string& reference = "") {
  AcmeEabKeyRecord k;
  k.id = id;
  k.provisioner = provisioner;
  k.reference = reference;
  k.hmac_key = std::string("\x00\x01\xff secret hmac key ", 20) + id;  // binary, with a NUL
  return k;
}

template <typename R>
std::vector<std::string> Ids(const std::vector<R>& records) {
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

// OpenAt opens a SqliteStore on `path` with `clock`, failing the test on errors.
std::unique_ptr<SqliteStore> OpenAt(const std::string& path, const Clock* clock) {
  auto s = OpenSqliteStore({.path = path, .clock = clock});
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(s).value() : nullptr;
}

class AcmeStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      store_ = std::make_unique<MemoryStore>(&clock_);
    } else {
      ASSERT_FALSE(dir_.path().empty());
      store_ = OpenAt(dir_.File("cairn.db"), &clock_);
      ASSERT_TRUE(store_);
    }
  }
  void TearDown() override {
    if (store_) {
      CAIRN_EXPECT_OK(store_->Close());
    }
  }

  std::optional<AcmeAccountRecord> GetAccount(const std::string& id) {
    auto r = store_->GetAcmeAccount(id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }
  std::optional<AcmeOrderRecord> GetOrder(const std::string& id) {
    auto r = store_->GetAcmeOrder(id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }
  std::optional<AcmeAuthzRecord> GetAuthz(const std::string& id) {
    auto r = store_->GetAcmeAuthz(id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }
  std::optional<AcmeEabKeyRecord> GetEab(const std::string& provisioner, const std::string& id) {
    auto r = store_->GetAcmeEabKey(provisioner, id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }

  FakeClock clock_{kStart + std::chrono::milliseconds(250)};  // stored times drop the 250 ms
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// ---- Accounts.

TEST_P(AcmeStoreTest, PurgesOnlyOldUsedTokensOfAPrefix) {
  CAIRN_ASSERT_OK(store_->UseToken("acme-nonce:old-1"));
  CAIRN_ASSERT_OK(store_->UseToken("acme-nonce:old-2"));
  CAIRN_ASSERT_OK(store_->UseToken("jti-old"));  // another kind of token: never purged here
  clock_.Advance(std::chrono::hours(2));
  CAIRN_ASSERT_OK(store_->UseToken("acme-nonce:new"));
  CAIRN_ASSERT_OK_AND_ASSIGN(
      int64_t purged, store_->PurgeUsedTokens("acme-nonce:", clock_.Now() - std::chrono::hours(1)));
  EXPECT_EQ(purged, 2);
  // Purged ids are forgotten; the others are still used.
  CAIRN_EXPECT_OK(store_->UseToken("acme-nonce:old-1"));
  EXPECT_EQ(store_->UseToken("acme-nonce:new").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->UseToken("jti-old").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->PurgeUsedTokens("", clock_.Now()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(AcmeStoreTest, CreatesAndFindsAccounts) {
  AcmeAccountRecord a = Account("acct1", "thumb-1");
  a.version = 42;                         // ignored: the store sets it
  a.created_at = FromUnixSeconds(12345);  // ignored too
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(a, ""));

  AcmeAccountRecord want = Account("acct1", "thumb-1");
  want.version = 1;
  want.created_at = kStart;
  EXPECT_EQ(GetAccount("acct1"), want);
  auto by_key = store_->GetAcmeAccountByKey("acme", "thumb-1");
  ASSERT_TRUE(by_key.ok()) << by_key.status();
  EXPECT_EQ(*by_key, want);

  EXPECT_EQ(GetAccount("acct2"), std::nullopt);
  EXPECT_EQ(*store_->GetAcmeAccountByKey("acme", "thumb-2"), std::nullopt);
  EXPECT_EQ(*store_->GetAcmeAccountByKey("other", "thumb-1"), std::nullopt);
}

TEST_P(AcmeStoreTest, AKeyRegistersOneAccountPerProvisioner) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));

  Status s = store_->CreateAcmeAccount(Account("acct2", "thumb"), "");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_THAT(s.message(), HasSubstr("account key already registered"));
  EXPECT_EQ(GetAccount("acct2"), std::nullopt);

  // The same key under another provisioner is another account.
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct3", "thumb", "other"), ""));
  EXPECT_EQ((*store_->GetAcmeAccountByKey("other", "thumb"))->id, "acct3");
  EXPECT_EQ((*store_->GetAcmeAccountByKey("acme", "thumb"))->id, "acct1");

  // A taken id is refused too, and the refused record changes nothing.
  s = store_->CreateAcmeAccount(Account("acct1", "fresh-thumb"), "");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(GetAccount("acct1")->key_id, "thumb");
  EXPECT_EQ(*store_->GetAcmeAccountByKey("acme", "fresh-thumb"), std::nullopt);
}

TEST_P(AcmeStoreTest, AccountUpdatesAreVersioned) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  AcmeAccountRecord read = *GetAccount("acct1");
  ASSERT_EQ(read.version, 1);

  AcmeAccountRecord update = read;
  update.doc = R"({"status":"deactivated"})";
  update.provisioner = "ignored";  // provisioner and created_at do not change
  update.created_at = FromUnixSeconds(99);
  clock_.Advance(std::chrono::hours(1));
  CAIRN_ASSERT_OK(store_->UpdateAcmeAccount(update));
  AcmeAccountRecord after = *GetAccount("acct1");
  EXPECT_EQ(after.version, 2);
  EXPECT_EQ(after.doc, R"({"status":"deactivated"})");
  EXPECT_EQ(after.provisioner, "acme");
  EXPECT_EQ(after.created_at, kStart);

  // A writer that read version 1 lost the race: nothing of its update is written.
  AcmeAccountRecord stale = read;
  stale.doc = R"({"status":"valid","stale":true})";
  Status s = store_->UpdateAcmeAccount(stale);
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s;
  EXPECT_THAT(s.message(), HasSubstr("concurrent update"));
  EXPECT_EQ(GetAccount("acct1"), after);

  // Re-read and try again: it goes through.
  stale.version = after.version;
  CAIRN_ASSERT_OK(store_->UpdateAcmeAccount(stale));
  EXPECT_EQ(GetAccount("acct1")->version, 3);
  EXPECT_EQ(GetAccount("acct1")->doc, stale.doc);

  s = store_->UpdateAcmeAccount(Account("nobody", "thumb-x"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
}

TEST_P(AcmeStoreTest, KeyChangeToATakenKeyIsRefused) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("alice", "key-a"), ""));
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("bob", "key-b"), ""));
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("carol", "key-c", "other"), ""));

  AcmeAccountRecord alice = *GetAccount("alice");
  AcmeAccountRecord change = alice;
  change.key_id = "key-b";
  Status s = store_->UpdateAcmeAccount(change);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_THAT(s.message(), HasSubstr("account key already registered"));
  EXPECT_EQ(GetAccount("alice"), alice);
  EXPECT_EQ((*store_->GetAcmeAccountByKey("acme", "key-b"))->id, "bob");

  // Another provisioner's key is not in the way.
  change.key_id = "key-c";
  CAIRN_ASSERT_OK(store_->UpdateAcmeAccount(change));
  EXPECT_EQ((*store_->GetAcmeAccountByKey("acme", "key-c"))->id, "alice");
  EXPECT_EQ((*store_->GetAcmeAccountByKey("other", "key-c"))->id, "carol");
  // The old key is free again.
  EXPECT_EQ(*store_->GetAcmeAccountByKey("acme", "key-a"), std::nullopt);
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("dave", "key-a"), ""));
  // Keeping one's own key is not a conflict.
  AcmeAccountRecord again = *GetAccount("alice");
  again.doc = R"({"status":"valid","touched":true})";
  CAIRN_ASSERT_OK(store_->UpdateAcmeAccount(again));
}

// ---- Orders and authorizations.

TEST_P(AcmeStoreTest, CreatesAnOrderWithItsAuthorizations) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  AcmeOrderRecord o = Order("order1", "acct1");
  o.expires_at += std::chrono::milliseconds(900);  // stored to the second
  std::vector<AcmeAuthzRecord> authzs = {Authz("authz-c", o), Authz("authz-a", o),
                                         Authz("authz-b", o)};
  CAIRN_ASSERT_OK(store_->CreateAcmeOrder(o, authzs));

  AcmeOrderRecord want = Order("order1", "acct1");
  want.version = 1;
  want.created_at = kStart;
  EXPECT_EQ(GetOrder("order1"), want);

  auto listed = store_->ListAcmeAuthzsOfOrder("order1");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(Ids(*listed), ElementsAre("authz-a", "authz-b", "authz-c"));
  AcmeAuthzRecord want_authz = Authz("authz-b", o);
  want_authz.version = 1;
  want_authz.created_at = kStart;
  EXPECT_EQ(listed->at(1), want_authz);
  EXPECT_EQ(GetAuthz("authz-b"), want_authz);
  EXPECT_EQ(GetAuthz("authz-z"), std::nullopt);
  EXPECT_TRUE(store_->ListAcmeAuthzsOfOrder("order2")->empty());

  // An order without authorizations is fine too.
  CAIRN_ASSERT_OK(store_->CreateAcmeOrder(Order("order2", "acct1"), {}));
}

TEST_P(AcmeStoreTest, AFailedOrderCreationWritesNothing) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct2", "thumb2"), ""));
  AcmeOrderRecord o = Order("order1", "acct1");
  auto nothing_written = [&] {
    EXPECT_EQ(GetOrder("order1"), std::nullopt);
    EXPECT_EQ(GetAuthz("authz-1"), std::nullopt);
    EXPECT_TRUE(store_->ListAcmeAuthzsOfOrder("order1")->empty());
    EXPECT_TRUE(store_->ListAcmeOrders("acct1", "", 10)->empty());
  };

  // An authorization of another order.
  AcmeAuthzRecord wrong_order = Authz("authz-2", o);
  wrong_order.order_id = "order9";
  Status s = store_->CreateAcmeOrder(o, {Authz("authz-1", o), wrong_order});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  nothing_written();

  // An authorization of another account.
  AcmeAuthzRecord wrong_account = Authz("authz-2", o);
  wrong_account.account_id = "acct2";
  s = store_->CreateAcmeOrder(o, {Authz("authz-1", o), wrong_account});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  nothing_written();

  // An authorization id used twice in the call.
  s = store_->CreateAcmeOrder(o, {Authz("authz-1", o), Authz("authz-1", o)});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  nothing_written();

  // An authorization id taken by another order: the last insert fails, and the order and the
  // authorizations inserted before it are rolled back.
  AcmeOrderRecord other = Order("order0", "acct2");
  CAIRN_ASSERT_OK(store_->CreateAcmeOrder(other, {Authz("authz-taken", other)}));
  s = store_->CreateAcmeOrder(o, {Authz("authz-1", o), Authz("authz-taken", o)});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(GetOrder("order1"), std::nullopt);
  EXPECT_EQ(GetAuthz("authz-1"), std::nullopt);
  EXPECT_EQ(GetAuthz("authz-taken")->order_id, "order0");
  EXPECT_THAT(Ids(*store_->ListAcmeOrders("acct2", "", 10)), ElementsAre("order0"));
  nothing_written();

  // A taken order id.
  s = store_->CreateAcmeOrder(other, {});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;

  // Too many authorizations.
  std::vector<AcmeAuthzRecord> many;
  for (size_t i = 0; i <= kMaxAcmeAuthzsPerOrder; ++i) {
    many.push_back(Authz("authz-" + std::to_string(i), o));
  }
  s = store_->CreateAcmeOrder(o, many);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  nothing_written();
  many.pop_back();  // exactly the maximum is fine
  CAIRN_ASSERT_OK(store_->CreateAcmeOrder(o, many));
  EXPECT_EQ(store_->ListAcmeAuthzsOfOrder("order1")->size(), kMaxAcmeAuthzsPerOrder);
}

TEST_P(AcmeStoreTest, AnOrderOfAnUnknownAccountIsNotFound) {
  AcmeOrderRecord o = Order("order1", "ghost");
  Status s = store_->CreateAcmeOrder(o, {Authz("authz-1", o)});
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
  EXPECT_THAT(s.message(), HasSubstr("account not found"));
  EXPECT_EQ(GetOrder("order1"), std::nullopt);
  EXPECT_EQ(GetAuthz("authz-1"), std::nullopt);
}

TEST_P(AcmeStoreTest, ListsAnAccountsOrdersInPages) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb1"), ""));
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct2", "thumb2"), ""));
  std::vector<std::string> want;
  for (int i = 11; i >= 0; --i) {  // created in descending order, listed ascending
    std::string id = "o" + std::to_string(100 + i);
    want.insert(want.begin(), id);
    CAIRN_ASSERT_OK(store_->CreateAcmeOrder(Order(id, "acct1"), {}));
  }
  // acct2's orders sort between and around acct1's ids and must never show up.
  for (const char* id : {"o000", "o1055", "o999"}) {
    CAIRN_ASSERT_OK(store_->CreateAcmeOrder(Order(id, "acct2"), {}));
  }

  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->ListAcmeOrders("acct1", cursor, 5);
    ASSERT_TRUE(page.ok()) << page.status();
    sizes.push_back(page->size());
    for (const auto& o : *page) {
      EXPECT_EQ(o.account_id, "acct1");
      seen.push_back(o.id);
    }
    if (page->size() < 5) break;
    cursor = page->back().id;
  }
  EXPECT_EQ(seen, want);
  EXPECT_THAT(sizes, ElementsAre(5u, 5u, 2u));
  EXPECT_EQ(store_->ListAcmeOrders("acct1", "", 0)->size(), 12u);  // 0: the default limit
  EXPECT_THAT(Ids(*store_->ListAcmeOrders("acct2", "", 10)), ElementsAre("o000", "o1055", "o999"));
  EXPECT_TRUE(store_->ListAcmeOrders("acct3", "", 10)->empty());
}

TEST_P(AcmeStoreTest, OrderAndAuthzUpdatesAreVersioned) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  AcmeOrderRecord o = Order("order1", "acct1");
  CAIRN_ASSERT_OK(store_->CreateAcmeOrder(o, {Authz("authz-1", o)}));

  AcmeOrderRecord order = *GetOrder("order1");
  AcmeOrderRecord update = order;
  update.doc = R"({"status":"ready"})";
  update.expires_at = kStart + std::chrono::hours(48) + std::chrono::milliseconds(10);
  CAIRN_ASSERT_OK(store_->UpdateAcmeOrder(update));
  AcmeOrderRecord after = *GetOrder("order1");
  EXPECT_EQ(after.version, 2);
  EXPECT_EQ(after.doc, update.doc);
  EXPECT_EQ(after.expires_at, kStart + std::chrono::hours(48));
  EXPECT_EQ(after.created_at, order.created_at);

  Status s = store_->UpdateAcmeOrder(order);  // version 1: stale
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s;
  EXPECT_EQ(GetOrder("order1"), after);
  s = store_->UpdateAcmeOrder(Order("order2", "acct1"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;

  AcmeAuthzRecord authz = *GetAuthz("authz-1");
  AcmeAuthzRecord authz_update = authz;
  authz_update.doc = R"({"status":"valid"})";
  CAIRN_ASSERT_OK(store_->UpdateAcmeAuthz(authz_update));
  EXPECT_EQ(GetAuthz("authz-1")->version, 2);
  EXPECT_EQ(GetAuthz("authz-1")->doc, authz_update.doc);
  authz.doc = R"({"status":"invalid"})";
  s = store_->UpdateAcmeAuthz(authz);  // version 1: stale
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s;
  EXPECT_EQ(GetAuthz("authz-1")->doc, authz_update.doc);
  authz.id = "authz-2";
  s = store_->UpdateAcmeAuthz(authz);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
}

TEST_P(AcmeStoreTest, FinalizeUpdatesTheOrderAndRecordsTheCertificate) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  CAIRN_ASSERT_OK(store_->CreateAcmeOrder(Order("order1", "acct1"), {}));
  AcmeOrderRecord order = *GetOrder("order1");
  order.doc = R"({"status":"valid","certificate":"1234"})";
  CertificateRecord issued = MakeCert("1234");
  issued.acme_account_id = "acct1";
  CertificateRecord bad = issued;
  bad.acme_account_id = "not an id";
  EXPECT_EQ(store_->FinalizeAcmeOrder(order, bad).code(), StatusCode::kInvalidArgument);
  CAIRN_ASSERT_OK(store_->FinalizeAcmeOrder(order, issued));

  EXPECT_EQ(GetOrder("order1")->version, 2);
  EXPECT_EQ(GetOrder("order1")->doc, order.doc);
  auto cert = store_->GetCertificate("1234");
  ASSERT_TRUE(cert.ok() && cert->has_value()) << cert.status();
  EXPECT_EQ(**cert, issued);
  EXPECT_EQ(store_->ListCertificates("", 10)->at(0).acme_account_id, "acct1");
}

TEST_P(AcmeStoreTest, AStaleFinalizeRecordsNoCertificate) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  CAIRN_ASSERT_OK(store_->CreateAcmeOrder(Order("order1", "acct1"), {}));
  AcmeOrderRecord read = *GetOrder("order1");
  AcmeOrderRecord other = read;
  other.doc = R"({"status":"invalid"})";
  CAIRN_ASSERT_OK(store_->UpdateAcmeOrder(other));  // another writer came first

  AcmeOrderRecord finalize = read;
  finalize.doc = R"({"status":"valid","certificate":"1234"})";
  Status s = store_->FinalizeAcmeOrder(finalize, MakeCert("1234"));
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s;
  EXPECT_EQ(*store_->GetCertificate("1234"), std::nullopt);
  EXPECT_EQ(GetOrder("order1")->doc, other.doc);
  EXPECT_EQ(GetOrder("order1")->version, 2);

  // Finalizing an order that does not exist records nothing either.
  s = store_->FinalizeAcmeOrder(Order("order2", "acct1"), MakeCert("5678"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
  EXPECT_EQ(*store_->GetCertificate("5678"), std::nullopt);
}

TEST_P(AcmeStoreTest, AFinalizeWithADuplicateSerialLeavesTheOrderUnchanged) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  CAIRN_ASSERT_OK(store_->CreateAcmeOrder(Order("order1", "acct1"), {}));
  CAIRN_ASSERT_OK(store_->RecordCertificate(MakeCert("77"), ""));
  AcmeOrderRecord before = *GetOrder("order1");

  AcmeOrderRecord finalize = before;
  finalize.doc = R"({"status":"valid","certificate":"77"})";
  CertificateRecord dup = MakeCert("77");
  dup.subject = "CN=impostor";
  Status s = store_->FinalizeAcmeOrder(finalize, dup);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(GetOrder("order1"), before);
  EXPECT_EQ((*store_->GetCertificate("77"))->subject, MakeCert("77").subject);

  // An invalid certificate is refused before anything is written.
  CertificateRecord bad = MakeCert("78");
  bad.der.clear();
  EXPECT_EQ(store_->FinalizeAcmeOrder(finalize, bad).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GetOrder("order1"), before);

  // The order can still be finalized with a fresh serial.
  CAIRN_ASSERT_OK(store_->FinalizeAcmeOrder(finalize, MakeCert("79")));
  EXPECT_EQ(GetOrder("order1")->version, 2);
}

// Eight writers increment a counter in one order's doc with read-modify-write and retry on
// kAborted: no increment is lost.
TEST_P(AcmeStoreTest, ConcurrentReadModifyWriteLosesNoUpdate) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  CAIRN_ASSERT_OK(store_->CreateAcmeOrder(Order("order1", "acct1"), {}));
  constexpr int kThreads = 8;
  constexpr int kIncrements = 50;
  std::atomic<int> aborted{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        for (int attempt = 0;; ++attempt) {
          if (attempt > 10000) {
            failed++;
            return;
          }
          auto read = store_->GetAcmeOrder("order1");
          if (!read.ok() || !read->has_value()) {
            failed++;
            return;
          }
          AcmeOrderRecord o = **read;
          Json doc = Json::parse(o.doc);
          doc["n"] = doc["n"].get<int>() + 1;
          o.doc = doc.dump();
          Status s = store_->UpdateAcmeOrder(o);
          if (s.ok()) break;
          if (s.code() != StatusCode::kAborted) {
            failed++;
            return;
          }
          aborted++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  AcmeOrderRecord final_order = *GetOrder("order1");
  EXPECT_EQ(Json::parse(final_order.doc)["n"].get<int>(), kThreads * kIncrements);
  EXPECT_EQ(final_order.version, 1 + kThreads * kIncrements);
}

// ---- External account binding keys.

TEST_P(AcmeStoreTest, CreatesListsAndDeletesEabKeys) {
  for (const char* id : {"kid-c", "kid-a", "kid-e", "kid-b", "kid-d"}) {
    CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey(id)));
  }
  CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey("kid-0", "other")));
  AcmeEabKeyRecord want = EabKey("kid-b");
  want.created_at = kStart;
  EXPECT_EQ(GetEab("acme", "kid-b"), want);
  EXPECT_EQ(GetEab("acme", "kid-b")->hmac_key.size(), want.hmac_key.size());  // NUL kept
  EXPECT_EQ(GetEab("other", "kid-b"), std::nullopt);

  auto p1 = store_->ListAcmeEabKeys("acme", "", 3);
  ASSERT_TRUE(p1.ok()) << p1.status();
  EXPECT_THAT(Ids(*p1), ElementsAre("kid-a", "kid-b", "kid-c"));
  EXPECT_EQ(p1->at(1), want);
  auto p2 = store_->ListAcmeEabKeys("acme", p1->back().id, 3);
  ASSERT_TRUE(p2.ok());
  EXPECT_THAT(Ids(*p2), ElementsAre("kid-d", "kid-e"));
  EXPECT_THAT(Ids(*store_->ListAcmeEabKeys("other", "", 0)), ElementsAre("kid-0"));
  EXPECT_TRUE(store_->ListAcmeEabKeys("nobody", "", 10)->empty());

  CAIRN_ASSERT_OK(store_->DeleteAcmeEabKey("acme", "kid-c"));
  EXPECT_EQ(GetEab("acme", "kid-c"), std::nullopt);
  Status s = store_->DeleteAcmeEabKey("acme", "kid-c");
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
  EXPECT_THAT(s.message(), HasSubstr("external account key not found"));
  EXPECT_EQ(store_->DeleteAcmeEabKey("other", "kid-a").code(), StatusCode::kNotFound);
  EXPECT_THAT(Ids(*store_->ListAcmeEabKeys("acme", "", 10)),
              ElementsAre("kid-a", "kid-b", "kid-d", "kid-e"));
}

TEST_P(AcmeStoreTest, EabKeyIdsAndReferencesAreUniquePerProvisioner) {
  CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey("kid-1", "acme", "customer-7")));
  Status s = store_->CreateAcmeEabKey(EabKey("kid-1", "acme", "customer-8"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  s = store_->CreateAcmeEabKey(EabKey("kid-2", "acme", "customer-7"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(GetEab("acme", "kid-2"), std::nullopt);
  EXPECT_EQ(GetEab("acme", "kid-1")->reference, "customer-7");

  // Other provisioners have their own ids and references.
  CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey("kid-1", "other", "customer-7")));
  // Empty references never collide.
  CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey("kid-3")));
  CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey("kid-4")));
  // A deleted key's reference is free again.
  CAIRN_ASSERT_OK(store_->DeleteAcmeEabKey("acme", "kid-1"));
  CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey("kid-5", "acme", "customer-7")));

  // A new key cannot arrive bound.
  AcmeEabKeyRecord bound = EabKey("kid-6");
  bound.account_id = "acct1";
  EXPECT_EQ(store_->CreateAcmeEabKey(bound).code(), StatusCode::kInvalidArgument);
  bound = EabKey("kid-6");
  bound.bound_at = kStart;
  EXPECT_EQ(store_->CreateAcmeEabKey(bound).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GetEab("acme", "kid-6"), std::nullopt);
}

TEST_P(AcmeStoreTest, AnEabKeyBindsOneAccount) {
  CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey("kid-1")));
  clock_.Advance(std::chrono::minutes(5));
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb1"), "kid-1"));
  AcmeEabKeyRecord key = *GetEab("acme", "kid-1");
  EXPECT_EQ(key.account_id, "acct1");
  EXPECT_EQ(key.bound_at, kStart + std::chrono::minutes(5));
  EXPECT_EQ(key.created_at, kStart);

  Status s = store_->CreateAcmeAccount(Account("acct2", "thumb2"), "kid-1");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(s.message(), HasSubstr("external account key already bound"));
  EXPECT_EQ(GetAccount("acct2"), std::nullopt);
  EXPECT_EQ(*store_->GetAcmeAccountByKey("acme", "thumb2"), std::nullopt);
  EXPECT_EQ(GetEab("acme", "kid-1"), key);

  s = store_->CreateAcmeAccount(Account("acct3", "thumb3"), "kid-unknown");
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
  EXPECT_THAT(s.message(), HasSubstr("external account key not found"));
  EXPECT_EQ(GetAccount("acct3"), std::nullopt);

  // A key of another provisioner does not bind.
  CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey("kid-2", "other")));
  s = store_->CreateAcmeAccount(Account("acct4", "thumb4"), "kid-2");
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
  EXPECT_EQ(GetAccount("acct4"), std::nullopt);
  EXPECT_EQ(GetEab("other", "kid-2")->account_id, "");

  // An account refused for its key does not consume the EAB key.
  CAIRN_ASSERT_OK(store_->CreateAcmeEabKey(EabKey("kid-3")));
  s = store_->CreateAcmeAccount(Account("acct5", "thumb1"), "kid-3");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(GetEab("acme", "kid-3")->account_id, "");
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct5", "thumb5"), "kid-3"));

  // Deleting a bound key leaves its account.
  CAIRN_ASSERT_OK(store_->DeleteAcmeEabKey("acme", "kid-1"));
  EXPECT_TRUE(GetAccount("acct1").has_value());
}

// ---- Settings.

TEST_P(AcmeStoreTest, GetOrCreateSettingKeepsTheFirstValue) {
  const std::string first("\x00\x01nonce-key\xff", 12);
  auto v = store_->GetOrCreateSetting("acme.nonce_key", first);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, first);
  v = store_->GetOrCreateSetting("acme.nonce_key", "second");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, first);
  v = store_->GetOrCreateSetting("other", "");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "");
  EXPECT_EQ(*store_->GetOrCreateSetting("other", "x"), "");

  EXPECT_EQ(store_->GetOrCreateSetting("", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->GetOrCreateSetting(std::string(kMaxSettingNameLength + 1, 'n'), "x").status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->GetOrCreateSetting("big", std::string(kMaxSettingValueSize + 1, 'v')).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->GetOrCreateSetting("big", std::string(kMaxSettingValueSize, 'v')),
            std::string(kMaxSettingValueSize, 'v'));
}

// ---- Bounds.

TEST_P(AcmeStoreTest, RejectsMalformedRecords) {
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  const std::vector<std::string> bad_ids = {"",
                                            std::string(kMaxAcmeIdLength + 1, 'a'),
                                            "a/b",
                                            "a b",
                                            "a.b",
                                            "caf\xc3\xa9",
                                            std::string("a\0b", 3)};
  for (const std::string& id : bad_ids) {
    SCOPED_TRACE(id);
    EXPECT_EQ(store_->CreateAcmeAccount(Account(id, "thumb-x"), "").code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetAcmeAccount(id).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->CreateAcmeOrder(Order(id, "acct1"), {}).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetAcmeOrder(id).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetAcmeAuthz(id).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->ListAcmeOrders(id, "", 1).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->CreateAcmeEabKey(EabKey(id)).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetAcmeEabKey("acme", id).status().code(), StatusCode::kInvalidArgument);
    if (!id.empty()) {  // an empty EAB key id means "no EAB"
      EXPECT_EQ(store_->CreateAcmeAccount(Account("acct9", "thumb-9"), id).code(),
                StatusCode::kInvalidArgument);
    }
  }
  EXPECT_EQ(GetAccount("acct9"), std::nullopt);
  // The longest id is fine.
  CAIRN_ASSERT_OK(
      store_->CreateAcmeAccount(Account(std::string(kMaxAcmeIdLength, 'Z'), "thumb-z"), ""));

  const std::vector<std::string> bad_docs = {
      "",
      "[]",
      "1",
      "\"s\"",
      "null",
      "{",
      "{\"a\":}",
      "{} {}",
      "{\"a\":\"\xff\"}",
      std::string(kMaxAcmeDocSize + 1, ' ') + "{}",  // oversized, even if it parses
      std::string(40, '[') + std::string(40, ']'),
      "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}"};
  for (const std::string& doc : bad_docs) {
    SCOPED_TRACE(doc.substr(0, 20));
    AcmeAccountRecord a = Account("acct2", "thumb2");
    a.doc = doc;
    EXPECT_EQ(store_->CreateAcmeAccount(a, "").code(), StatusCode::kInvalidArgument);
    AcmeOrderRecord o = Order("order2", "acct1");
    o.doc = doc;
    EXPECT_EQ(store_->CreateAcmeOrder(o, {}).code(), StatusCode::kInvalidArgument);
    o.doc = "{}";
    AcmeAuthzRecord z = Authz("authz2", o);
    z.doc = doc;
    EXPECT_EQ(store_->CreateAcmeOrder(o, {z}).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(GetAccount("acct2"), std::nullopt);
  EXPECT_EQ(GetOrder("order2"), std::nullopt);
  // A doc of exactly the maximum size is fine.
  std::string big = R"({"pad":")";
  big += std::string(kMaxAcmeDocSize - big.size() - 2, 'x') + "\"}";
  ASSERT_EQ(big.size(), kMaxAcmeDocSize);
  AcmeAccountRecord a = Account("acct2", "thumb2");
  a.doc = big;
  CAIRN_ASSERT_OK(store_->CreateAcmeAccount(a, ""));
  EXPECT_EQ(GetAccount("acct2")->doc, big);

  // Provisioner names and key ids.
  for (const std::string& provisioner : {std::string(), std::string(257, 'p')}) {
    EXPECT_EQ(store_->CreateAcmeAccount(Account("acct3", "t", provisioner), "").code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetAcmeAccountByKey(provisioner, "t").status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->ListAcmeEabKeys(provisioner, "", 1).status().code(),
              StatusCode::kInvalidArgument);
  }
  for (const std::string& key_id : {std::string(), std::string(kMaxAcmeKeyIdLength + 1, 'k')}) {
    EXPECT_EQ(store_->CreateAcmeAccount(Account("acct3", key_id), "").code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetAcmeAccountByKey("acme", key_id).status().code(),
              StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(store_->ListAcmeOrders("acct1", std::string(100, 'c'), 1).status().code(),
            StatusCode::kInvalidArgument);

  // EAB HMAC keys and references.
  AcmeEabKeyRecord k = EabKey("kid-1");
  k.hmac_key = std::string(15, 'k');
  EXPECT_EQ(store_->CreateAcmeEabKey(k).code(), StatusCode::kInvalidArgument);
  k.hmac_key = std::string(kMaxAcmeEabKeySize + 1, 'k');
  EXPECT_EQ(store_->CreateAcmeEabKey(k).code(), StatusCode::kInvalidArgument);
  k.hmac_key = std::string(32, 'k');
  k.reference = std::string(kMaxTextField + 1, 'r');
  EXPECT_EQ(store_->CreateAcmeEabKey(k).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GetEab("acme", "kid-1"), std::nullopt);
}

TEST_P(AcmeStoreTest, ClosedStoreIsUnavailable) {
  CAIRN_ASSERT_OK(store_->Close());
  EXPECT_EQ(store_->CreateAcmeAccount(Account("acct1", "t"), "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->GetAcmeOrder("o").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->GetOrCreateSetting("s", "v").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->ListAcmeEabKeys("acme", "", 1).status().code(), StatusCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Backends, AcmeStoreTest, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// ---- The validation functions themselves.

TEST(ValidateAcmeTest, Ids) {
  CAIRN_EXPECT_OK(ValidateAcmeId("aZ09_-"));
  CAIRN_EXPECT_OK(ValidateAcmeId(std::string(kMaxAcmeIdLength, 'x')));
  for (const std::string& id : {std::string(), std::string(kMaxAcmeIdLength + 1, 'x'),
                                std::string("a+b"), std::string("a=")}) {
    EXPECT_EQ(ValidateAcmeId(id).code(), StatusCode::kInvalidArgument) << id;
  }
}

TEST(ValidateAcmeTest, MessagesNameTheField) {
  AcmeAccountRecord a = Account("acct1", "thumb");
  a.doc = "[]";
  EXPECT_THAT(ValidateAcmeAccountRecord(a).message(), HasSubstr("JSON object"));
  AcmeAuthzRecord z = Authz("authz1", Order("order1", "acct1"));
  z.order_id = "bad/id";
  EXPECT_THAT(ValidateAcmeAuthzRecord(z).message(), HasSubstr("order_id"));
  AcmeEabKeyRecord k = EabKey("kid");
  k.hmac_key = "short";
  EXPECT_THAT(ValidateAcmeEabKeyRecord(k).message(), HasSubstr("HMAC key"));
  k = EabKey("kid");
  k.account_id = "not valid";
  EXPECT_THAT(ValidateAcmeEabKeyRecord(k).message(), HasSubstr("account_id"));
  CAIRN_EXPECT_OK(ValidateAcmeOrderRecord(Order("order1", "acct1")));
}

// ---- SQLite specifics.

class SqliteAcmeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::unique_ptr<SqliteStore> Open() { return OpenAt(path_, &clock_); }

  FakeClock clock_{kStart};
  TempDir dir_;
  std::string path_ = dir_.File("cairn.db");
};

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

TEST_F(SqliteAcmeTest, EverythingSurvivesCloseAndReopen) {
  AcmeOrderRecord o = Order("order1", "acct1");
  {
    auto store = Open();
    ASSERT_TRUE(store);
    CAIRN_ASSERT_OK(store->CreateAcmeEabKey(EabKey("kid-1", "acme", "customer-7")));
    CAIRN_ASSERT_OK(store->CreateAcmeAccount(Account("acct1", "thumb"), "kid-1"));
    CAIRN_ASSERT_OK(store->CreateAcmeOrder(o, {Authz("authz-1", o), Authz("authz-2", o)}));
    AcmeOrderRecord read = **store->GetAcmeOrder("order1");
    read.doc = R"({"status":"valid"})";
    CertificateRecord issued = MakeCert("4242");
    issued.acme_account_id = "acct1";
    CAIRN_ASSERT_OK(store->FinalizeAcmeOrder(read, issued));
    ASSERT_EQ(*store->GetOrCreateSetting("acme.nonce_key", "k1"), "k1");
    CAIRN_ASSERT_OK(store->Close());
  }
  auto store = Open();
  ASSERT_TRUE(store);
  auto account = store->GetAcmeAccountByKey("acme", "thumb");
  ASSERT_TRUE(account.ok() && account->has_value()) << account.status();
  EXPECT_EQ((*account)->id, "acct1");
  EXPECT_EQ((*account)->doc, Account("acct1", "thumb").doc);
  EXPECT_EQ((*account)->created_at, kStart);
  auto order = store->GetAcmeOrder("order1");
  ASSERT_TRUE(order.ok() && order->has_value());
  EXPECT_EQ((*order)->version, 2);
  EXPECT_EQ((*order)->doc, R"({"status":"valid"})");
  EXPECT_EQ((*order)->expires_at, o.expires_at);
  EXPECT_THAT(Ids(*store->ListAcmeAuthzsOfOrder("order1")), ElementsAre("authz-1", "authz-2"));
  EXPECT_EQ((*store->GetCertificate("4242"))->acme_account_id, "acct1");
  EXPECT_EQ((*store->GetCertificate("4242"))->serial, "4242");
  auto key = store->GetAcmeEabKey("acme", "kid-1");
  ASSERT_TRUE(key.ok() && key->has_value());
  EXPECT_EQ((*key)->account_id, "acct1");
  EXPECT_EQ((*key)->hmac_key, EabKey("kid-1").hmac_key);
  EXPECT_EQ((*key)->reference, "customer-7");
  // Uniqueness survives too.
  EXPECT_EQ(store->CreateAcmeAccount(Account("acct2", "thumb"), "").code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store->CreateAcmeEabKey(EabKey("kid-2", "acme", "customer-7")).code(),
            StatusCode::kAlreadyExists);
  // The first value of a setting is kept across restarts.
  EXPECT_EQ(*store->GetOrCreateSetting("acme.nonce_key", "k2"), "k1");
  CAIRN_EXPECT_OK(store->CheckIntegrity());
}

TEST_F(SqliteAcmeTest, AFreshDatabaseHasTheAcmeSchema) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
  }
  EXPECT_EQ(QueryInt(path_, "SELECT MAX(version) FROM schema_migrations"), kSqliteSchemaVersion);
  EXPECT_EQ(QueryInt(path_,
                     "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('acme_settings',"
                     " 'acme_accounts', 'acme_orders', 'acme_authzs', 'acme_eab_keys',"
                     " 'acme_orders_account_id', 'acme_authzs_order_id',"
                     " 'acme_eab_keys_reference')"),
            8);
}

// The schema of versions 1 and 2 exactly as they were released (migrations are never edited),
// to build a database as the previous binary left it.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL);
CREATE TABLE x509_certs (
  serial           TEXT    NOT NULL PRIMARY KEY,
  der              BLOB    NOT NULL,
  provisioner_id   TEXT    NOT NULL,
  provisioner_name TEXT    NOT NULL,
  provisioner_type TEXT    NOT NULL,
  subject          TEXT    NOT NULL,
  sans             TEXT    NOT NULL,
  not_before       INTEGER NOT NULL,
  not_after        INTEGER NOT NULL,
  issued_at        INTEGER NOT NULL,
  renewed_from     TEXT
);
CREATE INDEX x509_certs_not_after ON x509_certs (not_after);
CREATE INDEX x509_certs_provisioner_name ON x509_certs (provisioner_name);
CREATE TABLE revoked_x509_certs (
  serial         TEXT    NOT NULL PRIMARY KEY,
  provisioner_id TEXT    NOT NULL,
  reason_code    INTEGER NOT NULL,
  reason         TEXT    NOT NULL,
  revoked_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  token_id       TEXT    NOT NULL,
  mtls           INTEGER NOT NULL,
  acme           INTEGER NOT NULL
);
CREATE INDEX revoked_x509_certs_expires_at ON revoked_x509_certs (expires_at);
CREATE TABLE used_tokens (
  id      TEXT    NOT NULL PRIMARY KEY,
  used_at INTEGER NOT NULL
);
CREATE TABLE inventory_items (
  inventory  TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  attributes TEXT    NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (inventory, key)
) WITHOUT ROWID;
INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1767225600), (2, 1767225600);
INSERT INTO x509_certs VALUES ('42', x'3082', 'admin:kid', 'admin', 'JWK', 'CN=old', '["old.example"]',
  1767225600, 1767312000, 1767225660, NULL);
INSERT INTO used_tokens VALUES ('jti-old', 1767225660);
INSERT INTO inventory_items VALUES ('hosts', 'vm-1', '{"w":"billing"}', 1767225600);
)sql";

TEST_F(SqliteAcmeTest, AVersion2DatabaseUpgrades) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, kSchemaV2, nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << msg;
  }
  ASSERT_EQ(QueryInt(path_, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'acme_%'"), 0);

  {
    auto store = Open();
    ASSERT_TRUE(store);
    // The old data is intact...
    auto cert = store->GetCertificate("42");
    ASSERT_TRUE(cert.ok() && cert->has_value()) << cert.status();
    EXPECT_EQ((*cert)->subject, "CN=old");
    EXPECT_EQ((*cert)->acme_account_id, "");  // the column added by migration 3
    EXPECT_EQ(store->UseToken("jti-old").code(), StatusCode::kAlreadyExists);
    auto item = store->GetInventoryItem("hosts", "vm-1");
    ASSERT_TRUE(item.ok() && item->has_value());
    EXPECT_EQ((*item)->attributes, (Json{{"w", "billing"}}));
    // ...and ACME works.
    CAIRN_ASSERT_OK(store->CreateAcmeAccount(Account("acct1", "thumb"), ""));
    CAIRN_ASSERT_OK(store->CreateAcmeOrder(Order("order1", "acct1"), {}));
    EXPECT_EQ(*store->GetOrCreateSetting("s", "v"), "v");
    CAIRN_ASSERT_OK(store->CheckIntegrity());
    CAIRN_ASSERT_OK(store->Close());
  }
  EXPECT_EQ(QueryInt(path_, "SELECT MAX(version) FROM schema_migrations"), kSqliteSchemaVersion);
  EXPECT_EQ(QueryInt(path_, "SELECT COUNT(*) FROM schema_migrations"), kSqliteSchemaVersion);
  // Reopening migrates nothing more and keeps the ACME data.
  auto store = Open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->GetAcmeOrder("order1")->has_value());
}

// Two stores on one file stand for two CA processes sharing a database: the compare-and-swap
// and the settings are decided by the database, not by either process.
TEST_F(SqliteAcmeTest, TwoStoresOnOneFileShareVersionsAndSettings) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a->GetOrCreateSetting("acme.nonce_key", "from-a"), "from-a");
  EXPECT_EQ(*b->GetOrCreateSetting("acme.nonce_key", "from-b"), "from-a");

  CAIRN_ASSERT_OK(a->CreateAcmeAccount(Account("acct1", "thumb"), ""));
  CAIRN_ASSERT_OK(a->CreateAcmeOrder(Order("order1", "acct1"), {}));
  AcmeOrderRecord read_by_a = **a->GetAcmeOrder("order1");
  AcmeOrderRecord read_by_b = **b->GetAcmeOrder("order1");
  read_by_b.doc = R"({"by":"b"})";
  CAIRN_ASSERT_OK(b->UpdateAcmeOrder(read_by_b));
  read_by_a.doc = R"({"by":"a"})";
  EXPECT_EQ(a->FinalizeAcmeOrder(read_by_a, MakeCert("9")).code(), StatusCode::kAborted);
  EXPECT_EQ(*b->GetCertificate("9"), std::nullopt);
  EXPECT_EQ((*a->GetAcmeOrder("order1"))->doc, R"({"by":"b"})");
  EXPECT_EQ(b->CreateAcmeAccount(Account("acct2", "thumb"), "").code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace cairn::store

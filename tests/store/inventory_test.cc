// Inventories: behaviour both backends share (put, get, replace, delete, list, paging, import
// atomicity, bounds), and the SQLite specifics (persistence, the migration that adds them).

#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <string>
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// Item builds an item; `{}` (a null Json) stands for no attributes, the empty object.
InventoryItem Item(const std::string& inventory, const std::string& key, Json attributes) {
  InventoryItem item;
  item.inventory = inventory;
  item.key = key;
  item.attributes = attributes.is_null() ? Json::object() : std::move(attributes);
  return item;
}

std::vector<std::string> Keys(const std::vector<InventoryItem>& items) {
  std::vector<std::string> keys;
  for (const auto& i : items) keys.push_back(i.key);
  return keys;
}

// Nested returns {"a": {"a": ... {}}} nesting `depth` objects (the outer one included).
Json Nested(int depth) {
  Json j = Json::object();
  for (int i = 1; i < depth; ++i) j = Json{{"a", j}};
  return j;
}

class InventoryStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    store_ = Open();
    ASSERT_TRUE(store_);
  }
  void TearDown() override {
    if (store_) {
      CAIRN_EXPECT_OK(store_->Close());
    }
  }

  std::unique_ptr<Store> Open() {
    if (GetParam() == "memory") return std::make_unique<MemoryStore>(&clock_);
    auto s = OpenSqliteStore({.path = dir_.File("cairn.db"), .clock = &clock_});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::unique_ptr<Store>(std::move(s).value()) : nullptr;
  }

  std::optional<InventoryItem> Get(const std::string& inventory, const std::string& key) {
    auto r = store_->GetInventoryItem(inventory, key);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }

  // All lists every item of `inventory`, page by page (pages of `page` items).
  std::vector<InventoryItem> All(const std::string& inventory, int page = 1000) {
    std::vector<InventoryItem> out;
    std::string cursor;
    for (int guard = 0; guard < 10000; ++guard) {
      auto r = store_->ListInventoryItems(inventory, cursor, page);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      out.insert(out.end(), r->begin(), r->end());
      if (static_cast<int>(r->size()) < page) break;
      cursor = r->back().key;
    }
    return out;
  }

  std::vector<std::string> Inventories() {
    auto r = store_->ListInventories();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<std::string>();
  }

  cairn::testing::FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(InventoryStoreTest, PutsAndGetsItems) {
  const Json attrs = {{"posixUser", "alice"}, {"groups", {"ops", "dev"}}, {"uid", 1001}};
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("people", "alice@example.com", attrs)));
  auto got = Get("people", "alice@example.com");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->inventory, "people");
  EXPECT_EQ(got->key, "alice@example.com");
  EXPECT_EQ(got->attributes, attrs);
  EXPECT_EQ(got->updated_at, clock_.Now());

  // Exact-match keys: no case folding, no other inventory, no prefix match.
  EXPECT_FALSE(Get("people", "Alice@example.com").has_value());
  EXPECT_FALSE(Get("hosts", "alice@example.com").has_value());
  EXPECT_FALSE(Get("people", "alice").has_value());
}

TEST_P(InventoryStoreTest, EmptyAttributesAndUnicodeKeysRoundTrip) {
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "vm-1", Json::object())));
  CAIRN_ASSERT_OK(store_->PutInventoryItem(
      Item("people", "zoë@exämple.com", {{"name", "Zoë \xe2\x98\x83"}, {"null", nullptr}})));
  auto a = Get("hosts", "vm-1");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->attributes.is_object());
  EXPECT_TRUE(a->attributes.empty());
  auto b = Get("people", "zoë@exämple.com");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->attributes["name"], "Zoë \xe2\x98\x83");
  EXPECT_TRUE(b->attributes["null"].is_null());
}

TEST_P(InventoryStoreTest, PutReplacesTheWholeItem) {
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "vm-1", {{"a", 1}, {"b", 2}})));
  clock_.Advance(std::chrono::seconds(90));
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "vm-1", {{"c", 3}})));
  auto got = Get("hosts", "vm-1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->attributes, (Json{{"c", 3}}));  // replaced, not merged
  EXPECT_EQ(got->updated_at, clock_.Now());
  EXPECT_EQ(All("hosts").size(), 1u);
}

TEST_P(InventoryStoreTest, UpdatedAtIsTheStoresTimeToTheSecond) {
  clock_.Advance(std::chrono::milliseconds(1500));
  InventoryItem item = Item("hosts", "vm-1", {});
  item.updated_at = FromUnixSeconds(5);  // ignored
  CAIRN_ASSERT_OK(store_->PutInventoryItem(item));
  auto got = Get("hosts", "vm-1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->updated_at, TruncateToSeconds(clock_.Now()));
}

TEST_P(InventoryStoreTest, DeletesItems) {
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "vm-1", {})));
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "vm-2", {})));
  CAIRN_ASSERT_OK(store_->DeleteInventoryItem("hosts", "vm-1"));
  EXPECT_FALSE(Get("hosts", "vm-1").has_value());
  EXPECT_TRUE(Get("hosts", "vm-2").has_value());

  Status again = store_->DeleteInventoryItem("hosts", "vm-1");
  EXPECT_EQ(again.code(), StatusCode::kNotFound) << again;
  EXPECT_THAT(again.message(), HasSubstr("item not found"));
  EXPECT_EQ(store_->DeleteInventoryItem("nowhere", "vm-2").code(), StatusCode::kNotFound);
  EXPECT_TRUE(Get("hosts", "vm-2").has_value());  // a failed delete touched nothing
}

TEST_P(InventoryStoreTest, ListsInventoriesThatHaveItems) {
  EXPECT_TRUE(Inventories().empty());
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("people", "a", {})));
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "x", {})));
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "y", {})));
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("Zones", "z", {})));
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts.v2", "z", {})));
  EXPECT_THAT(Inventories(), ElementsAre("Zones", "hosts", "hosts.v2", "people"));

  // Deleting the last item of an inventory removes the inventory.
  CAIRN_ASSERT_OK(store_->DeleteInventoryItem("people", "a"));
  EXPECT_THAT(Inventories(), ElementsAre("Zones", "hosts", "hosts.v2"));
  EXPECT_TRUE(All("people").empty());
}

TEST_P(InventoryStoreTest, ListsItemsInKeyOrderPageByPage) {
  std::vector<std::string> keys;
  for (int i = 0; i < 25; ++i) {
    // Zero-padded so byte order is numeric order; inserted out of order.
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%03d", (i * 7) % 25);
    keys.push_back(buf);
    CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("inv", buf, {{"i", (i * 7) % 25}})));
  }
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("other", "k000", {})));
  std::sort(keys.begin(), keys.end());

  auto first = store_->ListInventoryItems("inv", "", 10);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 10u);
  EXPECT_EQ(first->front().key, "k000");
  EXPECT_EQ(first->back().key, "k009");
  EXPECT_EQ((*first)[3].attributes, (Json{{"i", 3}}));
  auto second = store_->ListInventoryItems("inv", first->back().key, 10);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->front().key, "k010");

  EXPECT_EQ(Keys(All("inv", 10)), keys);
  EXPECT_EQ(Keys(All("inv", 7)), keys);
  EXPECT_EQ(Keys(All("inv", 25)), keys);
  // limit <= 0 is the default page size.
  auto dflt = store_->ListInventoryItems("inv", "", 0);
  ASSERT_TRUE(dflt.ok());
  EXPECT_EQ(dflt->size(), 25u);
  // A cursor need not be an existing key.
  auto mid = store_->ListInventoryItems("inv", "k0105", 100);
  ASSERT_TRUE(mid.ok());
  ASSERT_FALSE(mid->empty());
  EXPECT_EQ(mid->front().key, "k011");
  EXPECT_TRUE(store_->ListInventoryItems("empty", "", 10)->empty());
}

TEST_P(InventoryStoreTest, KeysSortByteWise) {
  for (const char* k : {"b", "B", "a", "\xc3\xa9", "aa", "0"}) {
    CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("inv", k, {})));
  }
  EXPECT_THAT(Keys(All("inv")), ElementsAre("0", "B", "a", "aa", "b", "\xc3\xa9"));
}

TEST_P(InventoryStoreTest, ImportAddsAndReplacesItems) {
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "keep", {{"v", 0}})));
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "vm-1", {{"v", 0}})));
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("people", "bob", {})));

  CAIRN_ASSERT_OK(store_->PutInventoryItems(
      "hosts", {Item("hosts", "vm-1", {{"v", 1}}), Item("hosts", "vm-2", {{"v", 2}})},
      /*replace_inventory=*/false));
  EXPECT_THAT(Keys(All("hosts")), ElementsAre("keep", "vm-1", "vm-2"));
  EXPECT_EQ(Get("hosts", "vm-1")->attributes, (Json{{"v", 1}}));

  CAIRN_ASSERT_OK(store_->PutInventoryItems(
      "hosts", {Item("hosts", "vm-3", {{"v", 3}}), Item("hosts", "vm-1", {{"v", 9}})},
      /*replace_inventory=*/true));
  EXPECT_THAT(Keys(All("hosts")), ElementsAre("vm-1", "vm-3"));
  EXPECT_EQ(Get("hosts", "vm-1")->attributes, (Json{{"v", 9}}));
  EXPECT_TRUE(Get("people", "bob").has_value());  // other inventories untouched

  // Replacing with nothing empties the inventory.
  CAIRN_ASSERT_OK(store_->PutInventoryItems("hosts", {}, /*replace_inventory=*/true));
  EXPECT_TRUE(All("hosts").empty());
  EXPECT_THAT(Inventories(), ElementsAre("people"));
  CAIRN_ASSERT_OK(store_->PutInventoryItems("hosts", {}, /*replace_inventory=*/false));
  EXPECT_THAT(Inventories(), ElementsAre("people"));
}

TEST_P(InventoryStoreTest, ABadImportWritesNothing) {
  CAIRN_ASSERT_OK(store_->PutInventoryItem(Item("hosts", "old", {{"v", 0}})));
  struct Case {
    const char* name;
    std::vector<InventoryItem> items;
    const char* message;
  };
  std::vector<InventoryItem> many(kMaxInventoryImportItems + 1, Item("hosts", "x", {}));
  const std::vector<Case> cases = {
      {"bad attributes in the last item",
       {Item("hosts", "new-1", {}), Item("hosts", "new-2", Json::array())},
       "item 2 (key \"new-2\")"},
      {"duplicate key",
       {Item("hosts", "new-1", {{"v", 1}}), Item("hosts", "new-1", {{"v", 2}})},
       "duplicate key"},
      {"item of another inventory",
       {Item("hosts", "new-1", {}), Item("people", "new-2", {})},
       "belongs to inventory \"people\""},
      {"empty key", {Item("hosts", "new-1", {}), Item("hosts", "", {})}, "key is empty"},
      {"too many items", many, "more than"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    for (bool replace : {false, true}) {
      Status s = store_->PutInventoryItems("hosts", c.items, replace);
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
      EXPECT_THAT(s.message(), HasSubstr(c.message));
      EXPECT_THAT(Keys(All("hosts")), ElementsAre("old"));
      EXPECT_FALSE(Get("people", "new-2").has_value());
    }
  }
  EXPECT_EQ(store_->PutInventoryItems("bad name", {}, true).code(), StatusCode::kInvalidArgument);
}

TEST_P(InventoryStoreTest, EnforcesBounds) {
  struct Case {
    const char* name;
    std::string inventory;
    std::string key;
    Json attributes;
    bool ok;
  };
  const Json kObj = Json::object();
  const std::string max_name(kMaxInventoryNameLength, 'n');
  const std::string max_key(kMaxInventoryKeyLength, 'k');
  // {"s": "xxx..."} serializes to 8 bytes plus the string.
  const Json max_attrs = {{"s", std::string(kMaxInventoryAttributesSize - 8, 'x')}};
  const Json big_attrs = {{"s", std::string(kMaxInventoryAttributesSize - 7, 'x')}};
  const std::vector<Case> cases = {
      {"name of 64 characters", max_name, "k", kObj, true},
      {"name of 65 characters", max_name + "n", "k", kObj, false},
      {"empty name", "", "k", kObj, false},
      {"name with a space", "my hosts", "k", kObj, false},
      {"name with a slash", "hosts/x", "k", kObj, false},
      {"name with non-ASCII", "h\xc3\xb6sts", "k", kObj, false},
      {"name with all allowed characters", "A-z_0.9", "k", kObj, true},
      {"key of 1024 bytes", "inv", max_key, kObj, true},
      {"key of 1025 bytes", "inv", max_key + "k", kObj, false},
      {"empty key", "inv", "", kObj, false},
      {"key with a tab", "inv", "a\tb", kObj, false},
      {"key with a newline", "inv", "a\nb", kObj, false},
      {"key with a NUL", "inv", std::string("a\0b", 3), kObj, false},
      {"key of invalid UTF-8", "inv", "a\xff", kObj, false},
      {"key of an overlong UTF-8 form", "inv", "\xc0\xaf", kObj, false},
      {"key with spaces and symbols", "inv", "CN=a b,O=c+d/e", kObj, true},
      {"attributes of 64 KiB", "inv", "k1", max_attrs, true},
      {"attributes over 64 KiB", "inv", "k2", big_attrs, false},
      {"attributes an array", "inv", "k", Json::array(), false},
      {"attributes a string", "inv", "k", "x", false},
      {"attributes null", "inv", "k", nullptr, false},
      {"attributes 32 deep", "inv", "k3", Nested(32), true},
      {"attributes 33 deep", "inv", "k", Nested(33), false},
      {"attributes 33 deep through an array",
       "inv",
       "k",
       {{"a", Json::array({Nested(31)})}},
       false},
      {"attributes with invalid UTF-8", "inv", "k", {{"s", "\xff"}}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    InventoryItem item;
    item.inventory = c.inventory;
    item.key = c.key;
    item.attributes = c.attributes;
    Status s = store_->PutInventoryItem(item);
    if (c.ok) {
      CAIRN_EXPECT_OK(s);
      auto got = store_->GetInventoryItem(c.inventory, c.key);
      ASSERT_TRUE(got.ok()) << got.status();
      ASSERT_TRUE(got->has_value());
      EXPECT_EQ((*got)->attributes, c.attributes);
    } else {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
      if (!c.inventory.empty() && ValidateInventoryName(c.inventory).ok() && !c.key.empty() &&
          ValidateInventoryKey(c.key).ok()) {
        EXPECT_FALSE(Get(c.inventory, c.key).has_value());
      }
    }
  }
  // Reads and deletes check names and keys too; a cursor may be up to a key's length.
  EXPECT_EQ(store_->GetInventoryItem("bad name", "k").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetInventoryItem("inv", max_key + "k").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->DeleteInventoryItem("inv", "").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListInventoryItems("inv", max_key, 10).ok());
  EXPECT_EQ(store_->ListInventoryItems("inv", max_key + "k", 10).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListInventoryItems("", "", 10).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(InventoryStoreTest, ClosedStoreIsUnavailable) {
  CAIRN_ASSERT_OK(store_->Close());
  EXPECT_EQ(store_->PutInventoryItem(Item("inv", "k", {})).code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->GetInventoryItem("inv", "k").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->ListInventories().status().code(), StatusCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Backends, InventoryStoreTest, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// ---------------------------------------------------------------------------------------------
// SQLite only.

class SqliteInventoryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::unique_ptr<SqliteStore> Open() {
    auto s = OpenSqliteStore({.path = path_});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  TempDir dir_;
  std::string path_ = dir_.File("cairn.db");
};

TEST_F(SqliteInventoryTest, ItemsSurviveReopen) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    CAIRN_ASSERT_OK(store->PutInventoryItem(Item("people", "alice@example.com", {{"u", "a"}})));
    CAIRN_ASSERT_OK(store->PutInventoryItems(
        "hosts", {Item("hosts", "vm-1", {{"w", "billing"}}), Item("hosts", "vm-2", {})}, false));
    CAIRN_ASSERT_OK(store->DeleteInventoryItem("hosts", "vm-2"));
    CAIRN_ASSERT_OK(store->Close());
  }
  auto store = Open();
  ASSERT_TRUE(store);
  auto names = store->ListInventories();
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, ElementsAre("hosts", "people"));
  auto alice = store->GetInventoryItem("people", "alice@example.com");
  ASSERT_TRUE(alice.ok() && alice->has_value());
  EXPECT_EQ((*alice)->attributes, (Json{{"u", "a"}}));
  auto hosts = store->ListInventoryItems("hosts", "", 10);
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 1u);
  EXPECT_EQ(hosts->front().attributes, (Json{{"w", "billing"}}));
}

// A write that fails inside the transaction (here: the disk fills up half-way through a large
// replacing import) leaves the inventory exactly as it was, deleted items included.
TEST_F(SqliteInventoryTest, AnImportThatFailsInTheTransactionWritesNothing) {
  auto store = Open();
  ASSERT_TRUE(store);
  CAIRN_ASSERT_OK(store->PutInventoryItem(Item("hosts", "old-1", {{"v", 1}})));
  CAIRN_ASSERT_OK(store->PutInventoryItem(Item("hosts", "old-2", {{"v", 2}})));
  ASSERT_TRUE(store->SetMaxPageCountForTest(1).ok());  // clamps to the current size

  std::vector<InventoryItem> items;
  for (int i = 0; i < 2000; ++i) {
    items.push_back(Item("hosts", "new-" + std::to_string(i), {{"pad", std::string(400, 'x')}}));
  }
  Status s = store->PutInventoryItems("hosts", items, /*replace_inventory=*/true);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s;

  auto listed = store->ListInventoryItems("hosts", "", 100);
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(Keys(*listed), ElementsAre("old-1", "old-2"));

  // With room again, the same import goes through whole.
  ASSERT_TRUE(store->SetMaxPageCountForTest(1 << 30).ok());
  CAIRN_ASSERT_OK(store->PutInventoryItems("hosts", items, /*replace_inventory=*/true));
  std::vector<std::string> all;
  std::string cursor;
  for (;;) {
    auto page = store->ListInventoryItems("hosts", cursor, 1000);
    ASSERT_TRUE(page.ok());
    for (const auto& i : *page) all.push_back(i.key);
    if (page->size() < 1000) break;
    cursor = page->back().key;
  }
  EXPECT_EQ(all.size(), 2000u);
  EXPECT_FALSE(store->GetInventoryItem("hosts", "old-1")->has_value());
  CAIRN_EXPECT_OK(store->CheckIntegrity());
}

// The schema of version 1 exactly as it was released (migrations are never edited), to build
// a database as the previous binary left it.
constexpr const char* kSchemaV1 = R"sql(
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
INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1767225600);
INSERT INTO x509_certs VALUES ('42', x'3082', 'admin:kid', 'admin', 'JWK', 'CN=old', '["old.example"]',
  1767225600, 1767312000, 1767225660, NULL);
INSERT INTO used_tokens VALUES ('jti-old', 1767225660);
)sql";

int64_t QueryInt(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK);
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

TEST_F(SqliteInventoryTest, AVersion1DatabaseUpgrades) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, kSchemaV1, nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << msg;
  }
  ASSERT_EQ(QueryInt(path_, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'inventory_items'"),
            0);

  auto store = Open();
  ASSERT_TRUE(store);
  // The old data is intact...
  auto cert = store->GetCertificate("42");
  ASSERT_TRUE(cert.ok() && cert->has_value()) << cert.status();
  EXPECT_EQ((*cert)->subject, "CN=old");
  EXPECT_EQ(store->UseToken("jti-old").code(), StatusCode::kAlreadyExists);
  // ...and inventories work.
  CAIRN_ASSERT_OK(store->PutInventoryItem(Item("hosts", "vm-1", {{"w", "x"}})));
  EXPECT_TRUE(store->GetInventoryItem("hosts", "vm-1")->has_value());
  CAIRN_ASSERT_OK(store->Close());

  EXPECT_EQ(QueryInt(path_, "SELECT MAX(version) FROM schema_migrations"), kSqliteSchemaVersion);
  EXPECT_EQ(QueryInt(path_, "SELECT COUNT(*) FROM schema_migrations"), kSqliteSchemaVersion);
  EXPECT_EQ(QueryInt(path_,
                     "SELECT COUNT(*) FROM sqlite_master WHERE name = 'inventory_items' "
                     "AND sql LIKE '%WITHOUT ROWID%'"),
            1);
}

// Lookups are reads: they proceed while the writer is held up with a write queued.
TEST_F(SqliteInventoryTest, LookupsDoNotWaitBehindTheWriter) {
  auto store = Open();
  ASSERT_TRUE(store);
  CAIRN_ASSERT_OK(store->PutInventoryItem(Item("hosts", "vm-1", {{"v", 1}})));
  store->PauseWriterForTest();
  std::thread writer([&] { (void)store->PutInventoryItem(Item("hosts", "vm-1", {{"v", 2}})); });
  for (int i = 0; i < 10000 && store->PendingWritesForTest() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(store->PendingWritesForTest(), 1u);
  auto got = store->GetInventoryItem("hosts", "vm-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->attributes, (Json{{"v", 1}}));  // the last commit, not the queued write
  store->ResumeWriterForTest();
  writer.join();
  EXPECT_EQ((*store->GetInventoryItem("hosts", "vm-1"))->attributes, (Json{{"v", 2}}));
}

}  // namespace
}  // namespace cairn::store

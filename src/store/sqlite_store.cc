#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <initializer_list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cairn::store {
namespace {

// ---------------------------------------------------------------------------------------------
// Schema. Each entry is one migration, applied in its own transaction together with its row in
// schema_migrations. Never edit a released migration; append a new one.

constexpr const char* kMigrations[] = {
    // 1: certificates, revocations, used tokens.
    R"sql(
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
)sql",
    // 2: inventories. WITHOUT ROWID: the table is its primary key's b-tree, so a lookup by
    // (inventory, key) is one search and listing an inventory in key order is a range scan.
    R"sql(
CREATE TABLE inventory_items (
  inventory  TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  attributes TEXT    NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (inventory, key)
) WITHOUT ROWID;
)sql",
    // 3: ACME (store/acme_records.h) and settings. `doc` is the acme module's JSON; the other
    // columns serve lookups, uniqueness and compare-and-swap updates (`version`). Times are
    // Unix seconds; an unbound EAB key has account_id '' and bound_at 0. Certificates learn the
    // ACME account they were issued to ('' for the others, and for every older row).
    R"sql(
ALTER TABLE x509_certs ADD COLUMN acme_account_id TEXT NOT NULL DEFAULT '';
CREATE TABLE acme_settings (
  name  TEXT NOT NULL PRIMARY KEY,
  value BLOB NOT NULL
);
CREATE TABLE acme_accounts (
  id          TEXT    NOT NULL PRIMARY KEY,
  provisioner TEXT    NOT NULL,
  key_id      TEXT    NOT NULL,
  doc         TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (provisioner, key_id)
);
CREATE TABLE acme_orders (
  id          TEXT    NOT NULL PRIMARY KEY,
  account_id  TEXT    NOT NULL,
  provisioner TEXT    NOT NULL,
  doc         TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX acme_orders_account_id ON acme_orders (account_id, id);
CREATE TABLE acme_authzs (
  id          TEXT    NOT NULL PRIMARY KEY,
  account_id  TEXT    NOT NULL,
  order_id    TEXT    NOT NULL,
  doc         TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX acme_authzs_order_id ON acme_authzs (order_id);
CREATE TABLE acme_eab_keys (
  provisioner TEXT    NOT NULL,
  id          TEXT    NOT NULL,
  reference   TEXT    NOT NULL,
  hmac_key    BLOB    NOT NULL,
  account_id  TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  bound_at    INTEGER NOT NULL,
  PRIMARY KEY (provisioner, id)
);
CREATE UNIQUE INDEX acme_eab_keys_reference ON acme_eab_keys (provisioner, reference)
  WHERE reference <> '';
)sql",
    // 4: admins of the administration API; named counters (CRL numbers); revocations by time
    // (delta CRLs list what was revoked after their base).
    R"sql(
CREATE TABLE admins (
  id          TEXT    NOT NULL PRIMARY KEY,
  provisioner TEXT    NOT NULL,
  subject     TEXT    NOT NULL,
  type        INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (provisioner, subject)
);
CREATE TABLE counters (
  name  TEXT    NOT NULL PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE INDEX revoked_x509_certs_revoked_at ON revoked_x509_certs (revoked_at, serial);
)sql",
    // 5: the SSH CA: issued certificates and revocations (step-ca's ssh_certs and
    // revoked_ssh_certs). valid_before of a "forever" certificate is the largest integer.
    R"sql(
CREATE TABLE ssh_certs (
  serial           TEXT    NOT NULL PRIMARY KEY,
  cert             BLOB    NOT NULL,
  type             INTEGER NOT NULL,
  key_id           TEXT    NOT NULL,
  principals       TEXT    NOT NULL,
  valid_after      INTEGER NOT NULL,
  valid_before     INTEGER NOT NULL,
  provisioner_id   TEXT    NOT NULL,
  provisioner_name TEXT    NOT NULL,
  issued_at        INTEGER NOT NULL,
  renewed_from     TEXT    NOT NULL
);
CREATE INDEX ssh_certs_valid_before ON ssh_certs (valid_before);
CREATE TABLE revoked_ssh_certs (
  serial         TEXT    NOT NULL PRIMARY KEY,
  provisioner_id TEXT    NOT NULL,
  reason_code    INTEGER NOT NULL,
  reason         TEXT    NOT NULL,
  revoked_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  token_id       TEXT    NOT NULL
);
)sql",
    // 6: the SSH host index (step-ca's ssh_hosts / ssh_host_principals): one row per
    // lower-cased principal of every host certificate, filled with the certificate in the same
    // transaction, for /ssh/check-host and /ssh/hosts. Host certificates recorded before this
    // migration are indexed from their principals.
    R"sql(
CREATE TABLE ssh_host_principals (
  principal    TEXT    NOT NULL,
  serial       TEXT    NOT NULL,
  valid_before INTEGER NOT NULL,
  PRIMARY KEY (principal, serial)
) WITHOUT ROWID;
INSERT OR IGNORE INTO ssh_host_principals (principal, serial, valid_before)
  SELECT lower(p.value), c.serial, c.valid_before FROM ssh_certs c, json_each(c.principals) p
  WHERE c.type = 2;
)sql",
};
static_assert(std::size(kMigrations) == kSqliteSchemaVersion,
              "kSqliteSchemaVersion must equal the number of migrations");

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)";
constexpr const char* kSelectSchemaVersion =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr const char* kInsertMigration =
    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)";

constexpr const char* kInsertToken = "INSERT INTO used_tokens (id, used_at) VALUES (?1, ?2)";
// A range of the primary key: ids >= prefix and < the prefix's successor.
constexpr const char* kPurgeTokens =
    "DELETE FROM used_tokens WHERE id >= ?1 AND id < ?2 AND used_at < ?3";
constexpr const char* kInsertCert =
    "INSERT INTO x509_certs (serial, der, provisioner_id, provisioner_name, provisioner_type,"
    " subject, sans, not_before, not_after, issued_at, renewed_from, acme_account_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
constexpr const char* kInsertRevocation =
    "INSERT INTO revoked_x509_certs (serial, provisioner_id, reason_code, reason, revoked_at,"
    " expires_at, token_id, mtls, acme) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kSelectCert =
    "SELECT serial, der, provisioner_id, provisioner_name, provisioner_type, subject, sans,"
    " not_before, not_after, issued_at, renewed_from, acme_account_id FROM x509_certs"
    " WHERE serial = ?1";
constexpr const char* kListCerts =
    "SELECT serial, der, provisioner_id, provisioner_name, provisioner_type, subject, sans,"
    " not_before, not_after, issued_at, renewed_from, acme_account_id FROM x509_certs"
    " WHERE serial > ?1 ORDER BY serial LIMIT ?2";
constexpr const char* kSelectRevocation =
    "SELECT serial, provisioner_id, reason_code, reason, revoked_at, expires_at, token_id, mtls,"
    " acme FROM revoked_x509_certs WHERE serial = ?1";
constexpr const char* kListRevocations =
    "SELECT serial, provisioner_id, reason_code, reason, revoked_at, expires_at, token_id, mtls,"
    " acme FROM revoked_x509_certs WHERE serial > ?1 ORDER BY serial LIMIT ?2";

constexpr const char* kListRevocationsSince =
    "SELECT serial, provisioner_id, reason_code, reason, revoked_at, expires_at, token_id, mtls,"
    " acme FROM revoked_x509_certs WHERE (revoked_at > ?1 OR (revoked_at = ?1 AND serial > ?2))"
    " ORDER BY revoked_at, serial LIMIT ?3";
constexpr const char* kIncrementCounter =
    "INSERT INTO counters (name, value) VALUES (?1, 1)"
    " ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value";

constexpr const char* kInsertAdmin =
    "INSERT INTO admins (id, provisioner, subject, type, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kAdminExists = "SELECT 1 FROM admins WHERE id = ?1";
constexpr const char* kAdminSubjectTaken =
    "SELECT 1 FROM admins WHERE provisioner = ?1 AND subject = ?2";
constexpr const char* kSelectAdmin =
    "SELECT id, provisioner, subject, type, created_at FROM admins WHERE id = ?1";
constexpr const char* kFindAdmin =
    "SELECT id, provisioner, subject, type, created_at FROM admins"
    " WHERE provisioner = ?1 AND subject = ?2";
constexpr const char* kListAdmins =
    "SELECT id, provisioner, subject, type, created_at FROM admins WHERE id > ?1 ORDER BY id"
    " LIMIT ?2";
constexpr const char* kUpdateAdminType = "UPDATE admins SET type = ?2 WHERE id = ?1";
constexpr const char* kDeleteAdmin = "DELETE FROM admins WHERE id = ?1";

constexpr const char* kInsertSshCert =
    "INSERT INTO ssh_certs (serial, cert, type, key_id, principals, valid_after, valid_before,"
    " provisioner_id, provisioner_name, issued_at, renewed_from)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr const char* kSshCertColumns =
    "SELECT serial, cert, type, key_id, principals, valid_after, valid_before, provisioner_id,"
    " provisioner_name, issued_at, renewed_from FROM ssh_certs";
constexpr const char* kInsertSshHost =
    "INSERT OR REPLACE INTO ssh_host_principals (principal, serial, valid_before)"
    " VALUES (?1, ?2, ?3)";
constexpr const char* kSshHostExists = "SELECT 1 FROM ssh_host_principals WHERE principal = ?1";
// A host is listed while one of its certificates is neither expired nor revoked.
constexpr const char* kSelectSshHost =
    "SELECT h.principal, h.serial, h.valid_before FROM ssh_host_principals h"
    " WHERE h.principal = ?1 AND h.valid_before > ?2"
    " AND NOT EXISTS (SELECT 1 FROM revoked_ssh_certs r WHERE r.serial = h.serial)"
    " ORDER BY h.valid_before DESC, h.serial LIMIT 1";
constexpr const char* kListSshHosts =
    "SELECT DISTINCT h.principal FROM ssh_host_principals h"
    " WHERE h.principal > ?1 AND h.valid_before > ?2"
    " AND NOT EXISTS (SELECT 1 FROM revoked_ssh_certs r WHERE r.serial = h.serial)"
    " ORDER BY h.principal LIMIT ?3";
constexpr const char* kInsertSshRevocation =
    "INSERT INTO revoked_ssh_certs (serial, provisioner_id, reason_code, reason, revoked_at,"
    " expires_at, token_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kSshRevocationColumns =
    "SELECT serial, provisioner_id, reason_code, reason, revoked_at, expires_at, token_id"
    " FROM revoked_ssh_certs";

constexpr const char* kUpsertInventoryItem =
    "INSERT INTO inventory_items (inventory, key, attributes, updated_at) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (inventory, key) DO UPDATE SET attributes = excluded.attributes,"
    " updated_at = excluded.updated_at";
constexpr const char* kDeleteInventory = "DELETE FROM inventory_items WHERE inventory = ?1";
constexpr const char* kDeleteInventoryItem =
    "DELETE FROM inventory_items WHERE inventory = ?1 AND key = ?2";
constexpr const char* kSelectInventoryItem =
    "SELECT inventory, key, attributes, updated_at FROM inventory_items"
    " WHERE inventory = ?1 AND key = ?2";
constexpr const char* kListInventoryItems =
    "SELECT inventory, key, attributes, updated_at FROM inventory_items"
    " WHERE inventory = ?1 AND key > ?2 ORDER BY key LIMIT ?3";
// One primary-key seek per inventory, rather than a scan of every item (SELECT DISTINCT).
constexpr const char* kNextInventory =
    "SELECT inventory FROM inventory_items WHERE inventory > ?1 ORDER BY inventory LIMIT 1";

constexpr const char* kSelectSetting = "SELECT value FROM acme_settings WHERE name = ?1";
constexpr const char* kInsertSettingIfAbsent =
    "INSERT INTO acme_settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING";

constexpr const char* kInsertAcmeAccount =
    "INSERT INTO acme_accounts (id, provisioner, key_id, doc, version, created_at)"
    " VALUES (?1, ?2, ?3, ?4, 1, ?5)";
constexpr const char* kSelectAcmeAccount =
    "SELECT id, provisioner, key_id, doc, version, created_at FROM acme_accounts WHERE id = ?1";
constexpr const char* kSelectAcmeAccountByKey =
    "SELECT id, provisioner, key_id, doc, version, created_at FROM acme_accounts"
    " WHERE provisioner = ?1 AND key_id = ?2";
constexpr const char* kAcmeAccountExists = "SELECT 1 FROM acme_accounts WHERE id = ?1";
constexpr const char* kAcmeAccountKeyTaken =
    "SELECT 1 FROM acme_accounts WHERE provisioner = ?1 AND key_id = ?2 AND id <> ?3";
constexpr const char* kUpdateAcmeAccount =
    "UPDATE acme_accounts SET key_id = ?2, doc = ?3, version = version + 1"
    " WHERE id = ?1 AND version = ?4";

constexpr const char* kInsertAcmeOrder =
    "INSERT INTO acme_orders (id, account_id, provisioner, doc, version, expires_at, created_at)"
    " VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)";
constexpr const char* kSelectAcmeOrder =
    "SELECT id, account_id, provisioner, doc, version, expires_at, created_at FROM acme_orders"
    " WHERE id = ?1";
constexpr const char* kListAcmeOrders =
    "SELECT id, account_id, provisioner, doc, version, expires_at, created_at FROM acme_orders"
    " WHERE account_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
constexpr const char* kAcmeOrderExists = "SELECT 1 FROM acme_orders WHERE id = ?1";
constexpr const char* kUpdateAcmeOrder =
    "UPDATE acme_orders SET doc = ?2, expires_at = ?3, version = version + 1"
    " WHERE id = ?1 AND version = ?4";

constexpr const char* kInsertAcmeAuthz =
    "INSERT INTO acme_authzs (id, account_id, order_id, doc, version, expires_at, created_at)"
    " VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)";
constexpr const char* kSelectAcmeAuthz =
    "SELECT id, account_id, order_id, doc, version, expires_at, created_at FROM acme_authzs"
    " WHERE id = ?1";
constexpr const char* kListAcmeAuthzsOfOrder =
    "SELECT id, account_id, order_id, doc, version, expires_at, created_at FROM acme_authzs"
    " WHERE order_id = ?1 ORDER BY id LIMIT ?2";
constexpr const char* kAcmeAuthzExists = "SELECT 1 FROM acme_authzs WHERE id = ?1";
constexpr const char* kUpdateAcmeAuthz =
    "UPDATE acme_authzs SET doc = ?2, expires_at = ?3, version = version + 1"
    " WHERE id = ?1 AND version = ?4";

constexpr const char* kInsertAcmeEabKey =
    "INSERT INTO acme_eab_keys (provisioner, id, reference, hmac_key, account_id, created_at,"
    " bound_at) VALUES (?1, ?2, ?3, ?4, '', ?5, 0)";
constexpr const char* kSelectAcmeEabKey =
    "SELECT provisioner, id, reference, hmac_key, account_id, created_at, bound_at"
    " FROM acme_eab_keys WHERE provisioner = ?1 AND id = ?2";
constexpr const char* kListAcmeEabKeys =
    "SELECT provisioner, id, reference, hmac_key, account_id, created_at, bound_at"
    " FROM acme_eab_keys WHERE provisioner = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
constexpr const char* kAcmeEabKeyExists =
    "SELECT 1 FROM acme_eab_keys WHERE provisioner = ?1 AND id = ?2";
constexpr const char* kAcmeEabReferenceTaken =
    "SELECT 1 FROM acme_eab_keys WHERE provisioner = ?1 AND reference = ?2"
    " AND reference <> ''";  // the term lets SQLite use the partial index
constexpr const char* kBindAcmeEabKey =
    "UPDATE acme_eab_keys SET account_id = ?3, bound_at = ?4"
    " WHERE provisioner = ?1 AND id = ?2 AND account_id = ''";
constexpr const char* kDeleteAcmeEabKey =
    "DELETE FROM acme_eab_keys WHERE provisioner = ?1 AND id = ?2";

// ---------------------------------------------------------------------------------------------
// Errors.

// SqliteStatus maps an SQLite result code onto our codes. `db` (may be null) supplies the
// detailed message; it must be read right after the failing call.
//
// Every failure of the machine rather than of the request (a full disk, no memory, I/O errors,
// a read-only file system, locks) is kUnavailable: the API answers 503 and the client may retry.
// kResourceExhausted would not do: everywhere else it means "the request is too large" (413).
Status SqliteStatus(int rc, sqlite3* db, std::string_view what) {
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string msg = "sqlite: " + std::string(what) + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return AlreadyExistsError(std::move(msg));
    case SQLITE_FULL:
      return UnavailableError(msg + " (database or disk is full)");
    case SQLITE_NOMEM:
      return UnavailableError(msg + " (out of memory)");
    case SQLITE_IOERR:
      return UnavailableError(msg + " (disk I/O error)");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(msg + " (database is locked by another connection)");
    case SQLITE_READONLY:
      return UnavailableError(msg + " (database is read-only)");
    case SQLITE_CANTOPEN:
      return UnavailableError(msg + " (cannot open database file)");
    case SQLITE_NOTADB:
      return FailedPreconditionError(msg + " (file is not an SQLite database)");
    case SQLITE_CORRUPT:
      return InternalError(msg + " (database file is corrupt)");
    default:
      return InternalError(std::move(msg));
  }
}

// ---------------------------------------------------------------------------------------------
// Connection: one sqlite3 handle plus its prepared statements. Used by one thread at a time.

class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
    if (db_) sqlite3_close_v2(db_);
  }

  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only,
                                                  Duration busy_timeout) {
    auto conn = std::make_unique<Connection>();
    int flags = SQLITE_OPEN_NOMUTEX |
                (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path.c_str(), &conn->db_, flags, nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(rc, conn->db_, "open " + path);
    sqlite3_extended_result_codes(conn->db_, 1);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(busy_timeout).count();
    sqlite3_busy_timeout(conn->db_, static_cast<int>(std::min<int64_t>(ms, INT32_MAX)));
    return conn;
  }

  sqlite3* db() const { return db_; }

  // Exec runs SQL text without results (pragmas, DDL, transaction control).
  Status Exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return Status();
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status s = SqliteStatus(rc, nullptr, sql);
    return Status(s.code(), "sqlite: " + std::string(sql).substr(0, 60) + ": " + msg);
  }

  // ExecCached runs one statement of static SQL text without results through the statement
  // cache: the writer's BEGIN/SAVEPOINT/RELEASE/COMMIT run for every write, and compiling them
  // each time costs more than running them.
  Status ExecCached(const char* sql) {
    CAIRN_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return Status();
    return SqliteStatus(rc, db_, sql);
  }

  // Prepare returns the cached statement for `sql` (a static string: the pointer is the key).
  Result<sqlite3_stmt*> Prepare(const char* sql) {
    auto it = stmts_.find(sql);
    if (it != stmts_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(rc, db_, "prepare");
    stmts_.emplace(sql, stmt);
    return stmt;
  }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> stmts_;
};

// Stmt borrows a cached statement and resets it on destruction, so no read transaction stays
// open between calls (a reader must see the newest commit next time).
class Stmt {
 public:
  static Result<Stmt> Make(Connection& conn, const char* sql) {
    CAIRN_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn.Prepare(sql));
    return Stmt(conn.db(), s);
  }
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)) {}
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }

  // Binders. The bound memory must stay alive until the statement is stepped and reset, which
  // always happens within the scope of the caller.
  // An empty view may have a null data(), which SQLite would bind as NULL; bind "" instead.
  void Text(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void TextOrNull(int i, std::string_view v) {
    if (v.empty()) {
      sqlite3_bind_null(s_, i);
    } else {
      Text(i, v);
    }
  }
  void Blob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void Int(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }

  // Step runs one step: true when a row is available, false when done.
  Result<bool> Step(std::string_view what) {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteStatus(rc, db_, what);
  }
  // Run steps a statement that returns no rows. The raw result code is kept in `rc_out` (when
  // not null) so callers can tell a PRIMARY KEY violation from other failures.
  Status Run(std::string_view what, int* rc_out = nullptr) {
    int rc = sqlite3_step(s_);
    if (rc_out) *rc_out = rc;
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return Status();
    return SqliteStatus(rc, db_, what);
  }

  std::string ColText(int i) const {
    const unsigned char* p = sqlite3_column_text(s_, i);
    int n = sqlite3_column_bytes(s_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : "";
  }
  std::string ColBlob(int i) const {
    const void* p = sqlite3_column_blob(s_, i);
    int n = sqlite3_column_bytes(s_, i);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : "";
  }
  int64_t ColInt(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  sqlite3* db_;
  sqlite3_stmt* s_;
};

bool IsPrimaryKeyViolation(int rc) {
  return rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE;
}

// ---------------------------------------------------------------------------------------------
// Row codecs.

Result<std::string> EncodeSans(const std::vector<std::string>& sans) {
  try {
    return nlohmann::json(sans).dump();
  } catch (const nlohmann::json::exception&) {
    return InvalidArgumentError("a SAN is not valid UTF-8");
  }
}

Result<CertificateRecord> ReadCertRow(const Stmt& st) {
  CertificateRecord r;
  r.serial = st.ColText(0);
  r.der = st.ColBlob(1);
  r.provisioner_id = st.ColText(2);
  r.provisioner_name = st.ColText(3);
  r.provisioner_type = st.ColText(4);
  r.subject = st.ColText(5);
  try {
    auto j = nlohmann::json::parse(st.ColText(6));
    r.sans = j.get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    return InternalError("sqlite: x509_certs.sans of serial " + r.serial + " is not a JSON array");
  }
  r.not_before = FromUnixSeconds(st.ColInt(7));
  r.not_after = FromUnixSeconds(st.ColInt(8));
  r.issued_at = FromUnixSeconds(st.ColInt(9));
  r.renewed_from = st.ColText(10);
  r.acme_account_id = st.ColText(11);
  return r;
}

RevocationRecord ReadRevocationRow(const Stmt& st) {
  RevocationRecord r;
  r.serial = st.ColText(0);
  r.provisioner_id = st.ColText(1);
  r.reason_code = static_cast<int>(st.ColInt(2));
  r.reason = st.ColText(3);
  r.revoked_at = FromUnixSeconds(st.ColInt(4));
  r.expires_at = FromUnixSeconds(st.ColInt(5));
  r.token_id = st.ColText(6);
  r.mtls = st.ColInt(7) != 0;
  r.acme = st.ColInt(8) != 0;
  return r;
}

Result<InventoryItem> ReadInventoryRow(const Stmt& st) {
  InventoryItem item;
  item.inventory = st.ColText(0);
  item.key = st.ColText(1);
  try {
    item.attributes = nlohmann::json::parse(st.ColText(2));
  } catch (const nlohmann::json::exception&) {
    return InternalError("sqlite: inventory_items.attributes of " + item.inventory + "/" +
                         item.key + " is not JSON");
  }
  if (!item.attributes.is_object()) {
    return InternalError("sqlite: inventory_items.attributes of " + item.inventory + "/" +
                         item.key + " is not a JSON object");
  }
  item.updated_at = FromUnixSeconds(st.ColInt(3));
  return item;
}

AcmeAccountRecord ReadAcmeAccountRow(const Stmt& st) {
  AcmeAccountRecord r;
  r.id = st.ColText(0);
  r.provisioner = st.ColText(1);
  r.key_id = st.ColText(2);
  r.doc = st.ColText(3);
  r.version = st.ColInt(4);
  r.created_at = FromUnixSeconds(st.ColInt(5));
  return r;
}

AcmeOrderRecord ReadAcmeOrderRow(const Stmt& st) {
  AcmeOrderRecord r;
  r.id = st.ColText(0);
  r.account_id = st.ColText(1);
  r.provisioner = st.ColText(2);
  r.doc = st.ColText(3);
  r.version = st.ColInt(4);
  r.expires_at = FromUnixSeconds(st.ColInt(5));
  r.created_at = FromUnixSeconds(st.ColInt(6));
  return r;
}

AcmeAuthzRecord ReadAcmeAuthzRow(const Stmt& st) {
  AcmeAuthzRecord r;
  r.id = st.ColText(0);
  r.account_id = st.ColText(1);
  r.order_id = st.ColText(2);
  r.doc = st.ColText(3);
  r.version = st.ColInt(4);
  r.expires_at = FromUnixSeconds(st.ColInt(5));
  r.created_at = FromUnixSeconds(st.ColInt(6));
  return r;
}

// SqlSeconds maps OpenSSH's unsigned seconds onto SQLite's signed integers ("forever" and
// anything beyond becomes the largest one) and back.
int64_t SqlSeconds(uint64_t s) {
  return s > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(s);
}
uint64_t SshSeconds(int64_t s) {
  return s == INT64_MAX ? kSshForever : static_cast<uint64_t>(std::max<int64_t>(0, s));
}

Result<SshCertificateRecord> ReadSshCertRow(const Stmt& st) {
  SshCertificateRecord r;
  r.serial = st.ColText(0);
  r.cert = st.ColBlob(1);
  r.type = static_cast<int>(st.ColInt(2));
  r.key_id = st.ColText(3);
  try {
    r.principals = nlohmann::json::parse(st.ColText(4)).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    return InternalError("sqlite: ssh_certs.principals of serial " + r.serial +
                         " is not a JSON array");
  }
  r.valid_after = SshSeconds(st.ColInt(5));
  r.valid_before = SshSeconds(st.ColInt(6));
  r.provisioner_id = st.ColText(7);
  r.provisioner_name = st.ColText(8);
  r.issued_at = FromUnixSeconds(st.ColInt(9));
  r.renewed_from = st.ColText(10);
  return r;
}

RevocationRecord ReadSshRevocationRow(const Stmt& st) {
  RevocationRecord r;
  r.serial = st.ColText(0);
  r.provisioner_id = st.ColText(1);
  r.reason_code = static_cast<int>(st.ColInt(2));
  r.reason = st.ColText(3);
  r.revoked_at = FromUnixSeconds(st.ColInt(4));
  r.expires_at = FromUnixSeconds(st.ColInt(5));
  r.token_id = st.ColText(6);
  return r;
}

AdminRecord ReadAdminRow(const Stmt& st) {
  AdminRecord r;
  r.id = st.ColText(0);
  r.provisioner = st.ColText(1);
  r.subject = st.ColText(2);
  r.type = static_cast<AdminType>(st.ColInt(3));
  r.created_at = FromUnixSeconds(st.ColInt(4));
  return r;
}

AcmeEabKeyRecord ReadAcmeEabKeyRow(const Stmt& st) {
  AcmeEabKeyRecord r;
  r.provisioner = st.ColText(0);
  r.id = st.ColText(1);
  r.reference = st.ColText(2);
  r.hmac_key = st.ColBlob(3);
  r.account_id = st.ColText(4);
  r.created_at = FromUnixSeconds(st.ColInt(5));
  r.bound_at = FromUnixSeconds(st.ColInt(6));
  return r;
}

// RowExists runs `sql` with `args` bound as text (?1, ?2, ...) and reports whether it returns a
// row.
Result<bool> RowExists(Connection& c, const char* sql, std::initializer_list<std::string_view> args,
                       std::string_view what) {
  CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, sql));
  int i = 1;
  for (std::string_view a : args) st.Text(i++, a);
  return st.Step(what);
}

// VersionedUpdate runs `sql`, an UPDATE of the row `id` with ?1 id, ?2 doc, ?3 expires_at (when
// `expires_at` is set) and ?4 the version read. When no row changed it tells a missing row
// (kNotFound `not_found`, checked with `exists_sql`) from a newer version (kAborted).
Status VersionedUpdate(Connection& c, const char* sql, const char* exists_sql, std::string_view id,
                       std::string_view doc, Time expires_at, int64_t version,
                       std::string_view not_found) {
  {
    CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, sql));
    st.Text(1, id);
    st.Text(2, doc);
    st.Int(3, ToUnixSeconds(expires_at));
    st.Int(4, version);
    CAIRN_RETURN_IF_ERROR(st.Run("versioned update"));
  }
  if (sqlite3_changes(c.db()) > 0) return Status();
  CAIRN_ASSIGN_OR_RETURN(bool exists, RowExists(c, exists_sql, {id}, "select version"));
  if (exists) return AbortedError("concurrent update");
  return NotFoundError(std::string(not_found));
}

// UpdateAcmeOrderRow is UpdateAcmeOrder's write (also FinalizeAcmeOrder's first step).
Status UpdateAcmeOrderRow(Connection& c, const AcmeOrderRecord& order) {
  return VersionedUpdate(c, kUpdateAcmeOrder, kAcmeOrderExists, order.id, order.doc,
                         order.expires_at, order.version, "order not found");
}

// CheckBytes checks that `value` is 1..`max` bytes.
Status CheckBytes(std::string_view field, std::string_view value, size_t max) {
  if (value.empty()) return InvalidArgumentError(std::string(field) + " is empty");
  if (value.size() > max) {
    return InvalidArgumentError(std::string(field) + " is longer than " + std::to_string(max) +
                                " bytes");
  }
  return Status();
}

Status CheckAuthzsOfOrder(const AcmeOrderRecord& order,
                          const std::vector<AcmeAuthzRecord>& authzs) {
  if (authzs.size() > kMaxAcmeAuthzsPerOrder) {
    return InvalidArgumentError("an order has at most " + std::to_string(kMaxAcmeAuthzsPerOrder) +
                                " authorizations");
  }
  for (const AcmeAuthzRecord& a : authzs) {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeAuthzRecord(a));
    if (a.order_id != order.id || a.account_id != order.account_id) {
      return InvalidArgumentError("authorization " + a.id +
                                  " does not belong to the order and account it is created with");
    }
  }
  return Status();
}

// UpsertInventoryItem inserts or replaces one item (attributes already serialized).
Status UpsertInventoryItem(Connection& c, std::string_view inventory, std::string_view key,
                           std::string_view attributes, int64_t now) {
  CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kUpsertInventoryItem));
  st.Text(1, inventory);
  st.Text(2, key);
  st.Text(3, attributes);
  st.Int(4, now);
  return st.Run("upsert inventory item");
}

// InsertToken marks a token used; a replay is kAlreadyExists "token already used".
Status InsertToken(Connection& c, std::string_view token_id, int64_t now) {
  CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertToken));
  st.Text(1, token_id);
  st.Int(2, now);
  int rc = 0;
  Status s = st.Run("insert used token", &rc);
  if (IsPrimaryKeyViolation(rc)) return AlreadyExistsError("token already used");
  return s;
}

// ---------------------------------------------------------------------------------------------
// Opening.

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status CheckDirectory(const std::string& path) {
  const std::string dir = DirName(path);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return FailedPreconditionError("database directory " + dir +
                                     " does not exist (it is created by `ca init`; create it "
                                     "with mode 0700 or fix db.dataSource in ca.json)");
    }
    return PermissionDeniedError("cannot access database directory " + dir + ": " +
                                 std::strerror(err));
  }
  if (!S_ISDIR(st.st_mode)) {
    return FailedPreconditionError("database directory " + dir + " is not a directory");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return PermissionDeniedError("database directory " + dir +
                                 " is not writable: " + std::strerror(errno));
  }
  return Status();
}

// CreateFileIfMissing creates an empty database file with mode 0600, so the database (and the
// -wal/-shm files SQLite derives from it) are private to the CA's user from the first byte.
Status CreateFileIfMissing(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    // Make the new directory entry durable too, so a crash cannot lose the whole file.
    int dir = ::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
    return Status();
  }
  int err = errno;
  if (err == EEXIST) {
    if (::access(path.c_str(), R_OK | W_OK) != 0) {
      return PermissionDeniedError("database file " + path +
                                   " is not readable and writable: " + std::strerror(errno));
    }
    return Status();
  }
  if (err == EACCES || err == EPERM || err == EROFS) {
    return PermissionDeniedError("cannot create database file " + path + ": " + std::strerror(err));
  }
  return UnavailableError("cannot create database file " + path + ": " + std::strerror(err));
}

Status ConfigureWriter(Connection& c) {
  // journal_mode answers with the mode in effect; anything but "wal" means WAL is unavailable
  // (e.g. a file system without shared memory), and we would lose concurrent reads.
  {
    CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, "PRAGMA journal_mode=WAL"));
    CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("PRAGMA journal_mode"));
    if (!row || st.ColText(0) != "wal") {
      return FailedPreconditionError("sqlite: cannot switch the database to WAL mode (got \"" +
                                     (row ? st.ColText(0) : std::string()) + "\")");
    }
  }
  CAIRN_RETURN_IF_ERROR(c.Exec("PRAGMA synchronous=FULL"));
  CAIRN_RETURN_IF_ERROR(c.Exec("PRAGMA foreign_keys=ON"));
  // Random serials and token ids land on random index pages; a larger page cache (8 MiB
  // instead of 2) keeps the upper levels and recent leaves without a read per insert.
  CAIRN_RETURN_IF_ERROR(c.Exec("PRAGMA cache_size=-8192"));
  return Status();
}

Status Migrate(Connection& c, const std::string& path, int64_t now) {
  CAIRN_RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    c.Exec("ROLLBACK").IgnoreError();
    return s;
  };
  Status s = c.Exec(kCreateMigrationsTable);
  if (!s.ok()) return fail(s);
  int64_t version = 0;
  {
    auto st = Stmt::Make(c, kSelectSchemaVersion);
    if (!st.ok()) return fail(st.status());
    auto row = st->Step("read schema version");
    if (!row.ok()) return fail(row.status());
    version = *row ? st->ColInt(0) : 0;
  }
  if (version > kSqliteSchemaVersion) {
    return fail(FailedPreconditionError(
        "database " + path + " has schema version " + std::to_string(version) +
        ", newer than this binary knows (" + std::to_string(kSqliteSchemaVersion) +
        "); it was written by a newer cairn: upgrade cairn, do not downgrade"));
  }
  s = c.Exec("COMMIT");
  if (!s.ok()) return fail(s);
  // One transaction per migration: a crash between them leaves a consistent, resumable state.
  for (int64_t v = version + 1; v <= kSqliteSchemaVersion; ++v) {
    CAIRN_RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
    // Re-read under the write lock: another process may have migrated meanwhile.
    {
      auto st = Stmt::Make(c, kSelectSchemaVersion);
      if (!st.ok()) return fail(st.status());
      auto row = st->Step("read schema version");
      if (!row.ok()) return fail(row.status());
      if (*row && st->ColInt(0) >= v) {
        CAIRN_RETURN_IF_ERROR(c.Exec("COMMIT"));
        continue;
      }
    }
    s = c.Exec(kMigrations[v - 1]);
    if (!s.ok()) return fail(s.Annotate("migration " + std::to_string(v)));
    {
      auto st = Stmt::Make(c, kInsertMigration);
      if (!st.ok()) return fail(st.status());
      st->Int(1, v);
      st->Int(2, now);
      s = st->Run("record migration");
      if (!s.ok()) return fail(s);
    }
    s = c.Exec("COMMIT");
    if (!s.ok()) return fail(s);
  }
  return Status();
}

// ---------------------------------------------------------------------------------------------
// The store.

class SqliteStoreImpl final : public SqliteStore {
 public:
  SqliteStoreImpl(SqliteStoreOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)),
        clock_(options_.clock ? options_.clock : &SystemClock::Default()),
        writer_conn_(std::move(writer)) {
    // Checkpoints (copying the WAL back into the database) run on their own connection and
    // thread, so that a commit never carries one: the writer's hook only counts frames.
    // The default autocheckpoint (1,000 pages, inside whichever COMMIT crosses it) stalled the
    // writer and copied hot pages again and again.
    sqlite3_wal_hook(writer_conn_->db(), &SqliteStoreImpl::WalHook, this);
    auto ckpt = Connection::Open(options_.path, /*read_only=*/false, options_.busy_timeout);
    if (ckpt.ok() && (*ckpt)->Exec("PRAGMA synchronous=FULL").ok()) {
      checkpoint_conn_ = std::move(ckpt).value();
      checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
    }
    writer_thread_ = std::thread([this] { WriterLoop(); });
  }
  ~SqliteStoreImpl() override { Close().IgnoreError(); }

  Status RecordCertificate(const CertificateRecord& cert, std::string_view token_id) override {
    CAIRN_ASSIGN_OR_RETURN(auto fn, RecordWrite(cert, std::string(token_id)));
    return Write(std::move(fn));
  }

  void RecordCertificateAsync(CertificateRecord cert, std::string token_id,
                              std::function<void(Status)> done) override {
    auto fn = RecordWrite(std::move(cert), std::move(token_id));
    if (!fn.ok()) {
      done(fn.status());
      return;
    }
    WriteAsync(std::move(fn).value(), std::move(done));
  }

  // RecordWrite validates a record and returns the write that stores it (with its token).
  Result<std::function<Status(Connection&)>> RecordWrite(CertificateRecord cert,
                                                         std::string token_id) {
    CAIRN_RETURN_IF_ERROR(ValidateCertificateRecord(cert));
    if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
    CAIRN_ASSIGN_OR_RETURN(std::string sans, EncodeSans(cert.sans));
    const int64_t now = ToUnixSeconds(clock_->Now());
    return std::function<Status(Connection&)>(
        [cert = std::move(cert), token_id = std::move(token_id), sans = std::move(sans),
         now](Connection& c) -> Status {
          if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(InsertToken(c, token_id, now));
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertCert));
          st.Text(1, cert.serial);
          st.Blob(2, cert.der);
          st.Text(3, cert.provisioner_id);
          st.Text(4, cert.provisioner_name);
          st.Text(5, cert.provisioner_type);
          st.Text(6, cert.subject);
          st.Text(7, sans);
          st.Int(8, ToUnixSeconds(cert.not_before));
          st.Int(9, ToUnixSeconds(cert.not_after));
          st.Int(10, ToUnixSeconds(cert.issued_at));
          st.TextOrNull(11, cert.renewed_from);
          st.Text(12, cert.acme_account_id);
          int rc = 0;
          Status s = st.Run("insert certificate", &rc);
          if (IsPrimaryKeyViolation(rc)) {
            return AlreadyExistsError("certificate with serial " + cert.serial + " already exists");
          }
          return s;
        });
  }

  Status UseToken(std::string_view token_id) override {
    CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
    const int64_t now = ToUnixSeconds(clock_->Now());
    return Write([&](Connection& c) { return InsertToken(c, token_id, now); });
  }

  Result<int64_t> PurgeUsedTokens(std::string_view prefix, Time before) override {
    if (prefix.empty() || prefix.size() > kMaxTokenIdLength) {
      return InvalidArgumentError("a token prefix must be 1.." + std::to_string(kMaxTokenIdLength) +
                                  " bytes");
    }
    // The successor of the prefix: the last byte below 0xff incremented, what follows dropped.
    std::string end(prefix);
    while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
    if (end.empty()) return InvalidArgumentError("a token prefix of only 0xff bytes");
    end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
    const int64_t cutoff = ToUnixSeconds(before);
    int64_t deleted = 0;
    Status s = Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kPurgeTokens));
      st.Text(1, prefix);
      st.Text(2, end);
      st.Int(3, cutoff);
      CAIRN_RETURN_IF_ERROR(st.Run("purge used tokens"));
      deleted = sqlite3_changes64(c.db());
      return Status();
    });
    if (!s.ok()) return s;
    return deleted;
  }

  Result<std::optional<CertificateRecord>> GetCertificate(std::string_view serial) override {
    CAIRN_RETURN_IF_ERROR(ValidateSerial(serial));
    return Read<std::optional<CertificateRecord>>(
        [&](Connection& c) -> Result<std::optional<CertificateRecord>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kSelectCert));
          st.Text(1, serial);
          CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("select certificate"));
          if (!row) return std::optional<CertificateRecord>();
          CAIRN_ASSIGN_OR_RETURN(CertificateRecord r, ReadCertRow(st));
          return std::optional<CertificateRecord>(std::move(r));
        });
  }

  Status Revoke(const RevocationRecord& rec, std::string_view token_id) override {
    CAIRN_RETURN_IF_ERROR(ValidateRevocationRecord(rec));
    if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
    const int64_t now = ToUnixSeconds(clock_->Now());
    return Write([&](Connection& c) -> Status {
      if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(InsertToken(c, token_id, now));
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertRevocation));
      st.Text(1, rec.serial);
      st.Text(2, rec.provisioner_id);
      st.Int(3, rec.reason_code);
      st.Text(4, rec.reason);
      st.Int(5, ToUnixSeconds(rec.revoked_at));
      st.Int(6, ToUnixSeconds(rec.expires_at));
      st.Text(7, rec.token_id);
      st.Int(8, rec.mtls ? 1 : 0);
      st.Int(9, rec.acme ? 1 : 0);
      int rc = 0;
      Status s = st.Run("insert revocation", &rc);
      if (IsPrimaryKeyViolation(rc)) return AlreadyExistsError("certificate already revoked");
      return s;
    });
  }

  Result<std::optional<RevocationRecord>> GetRevocation(std::string_view serial) override {
    CAIRN_RETURN_IF_ERROR(ValidateSerial(serial));
    return Read<std::optional<RevocationRecord>>(
        [&](Connection& c) -> Result<std::optional<RevocationRecord>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kSelectRevocation));
          st.Text(1, serial);
          CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("select revocation"));
          if (!row) return std::optional<RevocationRecord>();
          return std::optional<RevocationRecord>(ReadRevocationRow(st));
        });
  }

  Result<std::vector<CertificateRecord>> ListCertificates(std::string_view cursor,
                                                          int limit) override {
    CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
    return Read<std::vector<CertificateRecord>>(
        [&](Connection& c) -> Result<std::vector<CertificateRecord>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kListCerts));
          st.Text(1, cursor);
          st.Int(2, ClampListLimit(limit));
          std::vector<CertificateRecord> out;
          for (;;) {
            CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("list certificates"));
            if (!row) break;
            CAIRN_ASSIGN_OR_RETURN(CertificateRecord r, ReadCertRow(st));
            out.push_back(std::move(r));
          }
          return out;
        });
  }

  Result<std::vector<RevocationRecord>> ListRevocations(std::string_view cursor,
                                                        int limit) override {
    CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
    return Read<std::vector<RevocationRecord>>(
        [&](Connection& c) -> Result<std::vector<RevocationRecord>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kListRevocations));
          st.Text(1, cursor);
          st.Int(2, ClampListLimit(limit));
          std::vector<RevocationRecord> out;
          for (;;) {
            CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("list revocations"));
            if (!row) break;
            out.push_back(ReadRevocationRow(st));
          }
          return out;
        });
  }

  Status PutInventoryItem(const InventoryItem& item) override {
    CAIRN_RETURN_IF_ERROR(ValidateInventoryName(item.inventory));
    CAIRN_RETURN_IF_ERROR(ValidateInventoryKey(item.key));
    CAIRN_ASSIGN_OR_RETURN(std::string attributes, SerializeInventoryAttributes(item.attributes));
    const int64_t now = ToUnixSeconds(clock_->Now());
    return Write([&](Connection& c) {
      return UpsertInventoryItem(c, item.inventory, item.key, attributes, now);
    });
  }

  Status PutInventoryItems(std::string_view inventory, const std::vector<InventoryItem>& items,
                           bool replace_inventory) override {
    CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> attributes,
                           SerializeInventoryImport(inventory, items));
    const int64_t now = ToUnixSeconds(clock_->Now());
    // One write, so one savepoint: a failure part-way rolls back the delete and every insert.
    return Write([&](Connection& c) -> Status {
      if (replace_inventory) {
        CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kDeleteInventory));
        st.Text(1, inventory);
        CAIRN_RETURN_IF_ERROR(st.Run("delete inventory"));
      }
      for (size_t i = 0; i < items.size(); ++i) {
        CAIRN_RETURN_IF_ERROR(UpsertInventoryItem(c, inventory, items[i].key, attributes[i], now));
      }
      return Status();
    });
  }

  Status DeleteInventoryItem(std::string_view inventory, std::string_view key) override {
    CAIRN_RETURN_IF_ERROR(ValidateInventoryName(inventory));
    CAIRN_RETURN_IF_ERROR(ValidateInventoryKey(key));
    return Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kDeleteInventoryItem));
      st.Text(1, inventory);
      st.Text(2, key);
      CAIRN_RETURN_IF_ERROR(st.Run("delete inventory item"));
      if (sqlite3_changes(c.db()) == 0) return NotFoundError("item not found");
      return Status();
    });
  }

  Result<std::optional<InventoryItem>> GetInventoryItem(std::string_view inventory,
                                                        std::string_view key) override {
    CAIRN_RETURN_IF_ERROR(ValidateInventoryName(inventory));
    CAIRN_RETURN_IF_ERROR(ValidateInventoryKey(key));
    return Read<std::optional<InventoryItem>>(
        [&](Connection& c) -> Result<std::optional<InventoryItem>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kSelectInventoryItem));
          st.Text(1, inventory);
          st.Text(2, key);
          CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("select inventory item"));
          if (!row) return std::optional<InventoryItem>();
          CAIRN_ASSIGN_OR_RETURN(InventoryItem item, ReadInventoryRow(st));
          return std::optional<InventoryItem>(std::move(item));
        });
  }

  Result<std::vector<InventoryItem>> ListInventoryItems(std::string_view inventory,
                                                        std::string_view cursor,
                                                        int limit) override {
    CAIRN_RETURN_IF_ERROR(ValidateInventoryName(inventory));
    CAIRN_RETURN_IF_ERROR(ValidateInventoryCursor(cursor));
    return Read<std::vector<InventoryItem>>(
        [&](Connection& c) -> Result<std::vector<InventoryItem>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kListInventoryItems));
          st.Text(1, inventory);
          st.Text(2, cursor);
          st.Int(3, ClampListLimit(limit));
          std::vector<InventoryItem> out;
          for (;;) {
            CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("list inventory items"));
            if (!row) break;
            CAIRN_ASSIGN_OR_RETURN(InventoryItem item, ReadInventoryRow(st));
            out.push_back(std::move(item));
          }
          return out;
        });
  }

  Result<std::vector<std::string>> ListInventories() override {
    return Read<std::vector<std::string>>([&](Connection& c) -> Result<std::vector<std::string>> {
      std::vector<std::string> names;
      // Each seek is its own statement run (and its own read snapshot); a concurrent write may
      // add or remove an inventory between seeks, which a listing tolerates.
      std::string after;
      for (;;) {
        std::string next;
        {
          // `after` stays bound (SQLITE_STATIC) until the statement is reset at the end of this
          // block, so it is only changed after that.
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kNextInventory));
          st.Text(1, after);
          CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("list inventories"));
          if (!row) break;
          next = st.ColText(0);
        }
        names.push_back(next);
        after = std::move(next);
      }
      return names;
    });
  }

  // ---- Settings.

  Result<std::string> GetOrCreateSetting(std::string_view name,
                                         std::string_view value_if_absent) override {
    CAIRN_RETURN_IF_ERROR(CheckBytes("setting name", name, kMaxSettingNameLength));
    if (value_if_absent.size() > kMaxSettingValueSize) {
      return InvalidArgumentError("setting value is larger than " +
                                  std::to_string(kMaxSettingValueSize) + " bytes");
    }
    // A setting is created once and read ever after: look for it without queueing a write.
    CAIRN_ASSIGN_OR_RETURN(
        std::optional<std::string> existing,
        Read<std::optional<std::string>>([&](Connection& c) -> Result<std::optional<std::string>> {
          return SelectSetting(c, name);
        }));
    if (existing) return *std::move(existing);
    std::string value;
    Status written = Write([&](Connection& c) -> Status {
      {
        CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertSettingIfAbsent));
        st.Text(1, name);
        st.Blob(2, value_if_absent);
        CAIRN_RETURN_IF_ERROR(st.Run("insert setting"));
      }
      // Whoever inserted first (this write or another process), its value is the one.
      CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> stored, SelectSetting(c, name));
      if (!stored) return InternalError("sqlite: setting vanished after insert");
      value = *std::move(stored);
      return Status();
    });
    if (!written.ok()) return written;
    return value;
  }

  // ---- ACME accounts.

  Status CreateAcmeAccount(const AcmeAccountRecord& account, std::string_view eab_key_id) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeAccountRecord(account));
    if (!eab_key_id.empty()) {
      CAIRN_RETURN_IF_ERROR(ValidateAcmeId(eab_key_id).Annotate("external account key id"));
    }
    const int64_t now = ToUnixSeconds(clock_->Now());
    return Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(bool id_taken,
                             RowExists(c, kAcmeAccountExists, {account.id}, "select account"));
      if (id_taken) return AlreadyExistsError("account " + account.id + " already exists");
      CAIRN_ASSIGN_OR_RETURN(
          bool key_taken,
          RowExists(c, kAcmeAccountKeyTaken, {account.provisioner, account.key_id, account.id},
                    "select account key"));
      if (key_taken) return AlreadyExistsError("account key already registered");
      if (!eab_key_id.empty()) {
        {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kBindAcmeEabKey));
          st.Text(1, account.provisioner);
          st.Text(2, eab_key_id);
          st.Text(3, account.id);
          st.Int(4, now);
          CAIRN_RETURN_IF_ERROR(st.Run("bind external account key"));
        }
        if (sqlite3_changes(c.db()) == 0) {
          CAIRN_ASSIGN_OR_RETURN(bool exists,
                                 RowExists(c, kAcmeEabKeyExists, {account.provisioner, eab_key_id},
                                           "select external account key"));
          if (exists) return FailedPreconditionError("external account key already bound");
          return NotFoundError("external account key not found");
        }
      }
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertAcmeAccount));
      st.Text(1, account.id);
      st.Text(2, account.provisioner);
      st.Text(3, account.key_id);
      st.Text(4, account.doc);
      st.Int(5, now);
      return st.Run("insert account");
    });
  }

  Result<std::optional<AcmeAccountRecord>> GetAcmeAccount(std::string_view id) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
    return SelectOne(kSelectAcmeAccount, {id}, &ReadAcmeAccountRow, "select account");
  }

  Result<std::optional<AcmeAccountRecord>> GetAcmeAccountByKey(std::string_view provisioner,
                                                               std::string_view key_id) override {
    CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
    CAIRN_RETURN_IF_ERROR(CheckBytes("key_id", key_id, kMaxAcmeKeyIdLength));
    return SelectOne(kSelectAcmeAccountByKey, {provisioner, key_id}, &ReadAcmeAccountRow,
                     "select account by key");
  }

  Status UpdateAcmeAccount(const AcmeAccountRecord& account) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeAccountRecord(account));
    return Write([&](Connection& c) -> Status {
      // The key check needs the stored provisioner (the one passed is not trusted to match).
      std::string provisioner;
      {
        CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kSelectAcmeAccount));
        st.Text(1, account.id);
        CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("select account"));
        if (!row) return NotFoundError("account not found");
        if (st.ColInt(4) != account.version) return AbortedError("concurrent update");
        provisioner = st.ColText(1);
      }
      CAIRN_ASSIGN_OR_RETURN(bool key_taken, RowExists(c, kAcmeAccountKeyTaken,
                                                       {provisioner, account.key_id, account.id},
                                                       "select account key"));
      if (key_taken) return AlreadyExistsError("account key already registered");
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kUpdateAcmeAccount));
      st.Text(1, account.id);
      st.Text(2, account.key_id);
      st.Text(3, account.doc);
      st.Int(4, account.version);
      CAIRN_RETURN_IF_ERROR(st.Run("update account"));
      if (sqlite3_changes(c.db()) == 0) return AbortedError("concurrent update");
      return Status();
    });
  }

  // ---- ACME orders and authorizations.

  Status CreateAcmeOrder(const AcmeOrderRecord& order,
                         const std::vector<AcmeAuthzRecord>& authzs) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeOrderRecord(order));
    CAIRN_RETURN_IF_ERROR(CheckAuthzsOfOrder(order, authzs));
    const int64_t now = ToUnixSeconds(clock_->Now());
    return Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(bool account_exists, RowExists(c, kAcmeAccountExists,
                                                            {order.account_id}, "select account"));
      if (!account_exists) return NotFoundError("account not found");
      {
        CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertAcmeOrder));
        st.Text(1, order.id);
        st.Text(2, order.account_id);
        st.Text(3, order.provisioner);
        st.Text(4, order.doc);
        st.Int(5, ToUnixSeconds(order.expires_at));
        st.Int(6, now);
        int rc = 0;
        Status s = st.Run("insert order", &rc);
        if (IsPrimaryKeyViolation(rc)) {
          return AlreadyExistsError("order " + order.id + " already exists");
        }
        CAIRN_RETURN_IF_ERROR(s);
      }
      for (const AcmeAuthzRecord& a : authzs) {
        CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertAcmeAuthz));
        st.Text(1, a.id);
        st.Text(2, a.account_id);
        st.Text(3, a.order_id);
        st.Text(4, a.doc);
        st.Int(5, ToUnixSeconds(a.expires_at));
        st.Int(6, now);
        int rc = 0;
        Status s = st.Run("insert authorization", &rc);
        if (IsPrimaryKeyViolation(rc)) {
          return AlreadyExistsError("authorization " + a.id + " already exists");
        }
        CAIRN_RETURN_IF_ERROR(s);
      }
      return Status();
    });
  }

  Result<std::optional<AcmeOrderRecord>> GetAcmeOrder(std::string_view id) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
    return SelectOne(kSelectAcmeOrder, {id}, &ReadAcmeOrderRow, "select order");
  }

  Result<std::vector<AcmeOrderRecord>> ListAcmeOrders(std::string_view account_id,
                                                      std::string_view cursor, int limit) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(account_id));
    CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
    return SelectAll(kListAcmeOrders, {account_id, cursor}, ClampListLimit(limit),
                     &ReadAcmeOrderRow, "list orders");
  }

  Status UpdateAcmeOrder(const AcmeOrderRecord& order) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeOrderRecord(order));
    return Write([&](Connection& c) { return UpdateAcmeOrderRow(c, order); });
  }

  Status FinalizeAcmeOrder(const AcmeOrderRecord& order, const CertificateRecord& cert) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeOrderRecord(order));
    // The certificate is inserted exactly as RecordCertificate inserts it (without a token).
    CAIRN_ASSIGN_OR_RETURN(auto insert_cert, RecordWrite(cert, std::string()));
    // One write, one savepoint: a duplicate serial also rolls back the order update.
    return Write([&](Connection& c) -> Status {
      CAIRN_RETURN_IF_ERROR(UpdateAcmeOrderRow(c, order));
      return insert_cert(c);
    });
  }

  Result<std::optional<AcmeAuthzRecord>> GetAcmeAuthz(std::string_view id) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
    return SelectOne(kSelectAcmeAuthz, {id}, &ReadAcmeAuthzRow, "select authorization");
  }

  Result<std::vector<AcmeAuthzRecord>> ListAcmeAuthzsOfOrder(std::string_view order_id) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(order_id));
    return SelectAll(kListAcmeAuthzsOfOrder, {order_id}, static_cast<int>(kMaxAcmeAuthzsPerOrder),
                     &ReadAcmeAuthzRow, "list authorizations");
  }

  Status UpdateAcmeAuthz(const AcmeAuthzRecord& authz) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeAuthzRecord(authz));
    return Write([&](Connection& c) {
      return VersionedUpdate(c, kUpdateAcmeAuthz, kAcmeAuthzExists, authz.id, authz.doc,
                             authz.expires_at, authz.version, "authorization not found");
    });
  }

  // ---- ACME external account binding keys.

  Status CreateAcmeEabKey(const AcmeEabKeyRecord& key) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeEabKeyRecord(key));
    if (!key.account_id.empty() || key.bound_at != Time{}) {
      return InvalidArgumentError("a new external account key must not be bound");
    }
    const int64_t now = ToUnixSeconds(clock_->Now());
    return Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(bool id_taken,
                             RowExists(c, kAcmeEabKeyExists, {key.provisioner, key.id},
                                       "select external account key"));
      if (id_taken) return AlreadyExistsError("external account key " + key.id + " already exists");
      if (!key.reference.empty()) {
        CAIRN_ASSIGN_OR_RETURN(
            bool reference_taken,
            RowExists(c, kAcmeEabReferenceTaken, {key.provisioner, key.reference},
                      "select external account key reference"));
        if (reference_taken) {
          return AlreadyExistsError("an external account key with this reference already exists");
        }
      }
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertAcmeEabKey));
      st.Text(1, key.provisioner);
      st.Text(2, key.id);
      st.Text(3, key.reference);
      st.Blob(4, key.hmac_key);
      st.Int(5, now);
      return st.Run("insert external account key");
    });
  }

  Result<std::optional<AcmeEabKeyRecord>> GetAcmeEabKey(std::string_view provisioner,
                                                        std::string_view id) override {
    CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
    return SelectOne(kSelectAcmeEabKey, {provisioner, id}, &ReadAcmeEabKeyRow,
                     "select external account key");
  }

  Result<std::vector<AcmeEabKeyRecord>> ListAcmeEabKeys(std::string_view provisioner,
                                                        std::string_view cursor,
                                                        int limit) override {
    CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
    CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
    return SelectAll(kListAcmeEabKeys, {provisioner, cursor}, ClampListLimit(limit),
                     &ReadAcmeEabKeyRow, "list external account keys");
  }

  Status DeleteAcmeEabKey(std::string_view provisioner, std::string_view id) override {
    CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
    return Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kDeleteAcmeEabKey));
      st.Text(1, provisioner);
      st.Text(2, id);
      CAIRN_RETURN_IF_ERROR(st.Run("delete external account key"));
      if (sqlite3_changes(c.db()) == 0) return NotFoundError("external account key not found");
      return Status();
    });
  }

  // ---- SSH certificates.

  Status RecordSshCertificate(const SshCertificateRecord& cert,
                              std::string_view token_id) override {
    CAIRN_RETURN_IF_ERROR(ValidateSshCertificateRecord(cert));
    if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
    CAIRN_ASSIGN_OR_RETURN(std::string principals, EncodeSans(cert.principals));
    const int64_t now = ToUnixSeconds(clock_->Now());
    return Write([&](Connection& c) -> Status {
      if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(InsertToken(c, token_id, now));
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertSshCert));
      st.Text(1, cert.serial);
      st.Blob(2, cert.cert);
      st.Int(3, cert.type);
      st.Text(4, cert.key_id);
      st.Text(5, principals);
      st.Int(6, SqlSeconds(cert.valid_after));
      st.Int(7, SqlSeconds(cert.valid_before));
      st.Text(8, cert.provisioner_id);
      st.Text(9, cert.provisioner_name);
      st.Int(10, ToUnixSeconds(cert.issued_at));
      st.Text(11, cert.renewed_from);
      int rc = 0;
      Status s = st.Run("insert SSH certificate", &rc);
      if (IsPrimaryKeyViolation(rc)) {
        return AlreadyExistsError("SSH certificate with serial " + cert.serial + " already exists");
      }
      CAIRN_RETURN_IF_ERROR(s);
      if (cert.type != 2) return Status();
      // The host index, in the same transaction (step-ca's StoreSSHCertificate).
      for (const std::string& p : cert.principals) {
        CAIRN_ASSIGN_OR_RETURN(Stmt h, Stmt::Make(c, kInsertSshHost));
        const std::string key = SshHostKey(p);  // bound without a copy: must outlive Run
        h.Text(1, key);
        h.Text(2, cert.serial);
        h.Int(3, SqlSeconds(cert.valid_before));
        CAIRN_RETURN_IF_ERROR(h.Run("insert SSH host"));
      }
      return Status();
    });
  }

  Result<bool> HasSshHost(std::string_view principal) override {
    CAIRN_RETURN_IF_ERROR(ValidateSshHostPrincipal(principal));
    const std::string key = SshHostKey(principal);
    return Read<bool>([&](Connection& c) -> Result<bool> {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kSshHostExists));
      st.Text(1, key);
      return st.Step("select SSH host");
    });
  }

  Result<std::optional<SshHostRecord>> GetSshHost(std::string_view principal, Time now) override {
    CAIRN_RETURN_IF_ERROR(ValidateSshHostPrincipal(principal));
    const std::string key = SshHostKey(principal);
    return Read<std::optional<SshHostRecord>>(
        [&](Connection& c) -> Result<std::optional<SshHostRecord>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kSelectSshHost));
          st.Text(1, key);
          st.Int(2, ToUnixSeconds(now));
          CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("select SSH host"));
          if (!row) return std::optional<SshHostRecord>();
          return std::optional<SshHostRecord>(
              SshHostRecord{.principal = st.ColText(0),
                            .serial = st.ColText(1),
                            .valid_before = SshSeconds(st.ColInt(2))});
        });
  }

  Result<std::vector<std::string>> ListSshHosts(Time now, std::string_view cursor,
                                                int limit) override {
    if (cursor.size() > kMaxTextField) return InvalidArgumentError("host cursor is too long");
    return Read<std::vector<std::string>>([&](Connection& c) -> Result<std::vector<std::string>> {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kListSshHosts));
      st.Text(1, cursor);
      st.Int(2, ToUnixSeconds(now));
      st.Int(3, ClampListLimit(limit));
      std::vector<std::string> out;
      for (;;) {
        CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("list SSH hosts"));
        if (!row) break;
        out.push_back(st.ColText(0));
      }
      return out;
    });
  }

  Result<std::optional<SshCertificateRecord>> GetSshCertificate(std::string_view serial) override {
    CAIRN_RETURN_IF_ERROR(ValidateSerial(serial));
    static const std::string sql = std::string(kSshCertColumns) + " WHERE serial = ?1";
    return Read<std::optional<SshCertificateRecord>>(
        [&](Connection& c) -> Result<std::optional<SshCertificateRecord>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, sql.c_str()));
          st.Text(1, serial);
          CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("select SSH certificate"));
          if (!row) return std::optional<SshCertificateRecord>();
          CAIRN_ASSIGN_OR_RETURN(SshCertificateRecord r, ReadSshCertRow(st));
          return std::optional<SshCertificateRecord>(std::move(r));
        });
  }

  Result<std::vector<SshCertificateRecord>> ListSshCertificates(std::string_view cursor,
                                                                int limit) override {
    CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
    static const std::string sql =
        std::string(kSshCertColumns) + " WHERE serial > ?1 ORDER BY serial LIMIT ?2";
    return Read<std::vector<SshCertificateRecord>>(
        [&](Connection& c) -> Result<std::vector<SshCertificateRecord>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, sql.c_str()));
          st.Text(1, cursor);
          st.Int(2, ClampListLimit(limit));
          std::vector<SshCertificateRecord> out;
          for (;;) {
            CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("list SSH certificates"));
            if (!row) break;
            CAIRN_ASSIGN_OR_RETURN(SshCertificateRecord r, ReadSshCertRow(st));
            out.push_back(std::move(r));
          }
          return out;
        });
  }

  Status RevokeSsh(const RevocationRecord& rec, std::string_view token_id) override {
    CAIRN_RETURN_IF_ERROR(ValidateRevocationRecord(rec));
    if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
    const int64_t now = ToUnixSeconds(clock_->Now());
    return Write([&](Connection& c) -> Status {
      if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(InsertToken(c, token_id, now));
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertSshRevocation));
      st.Text(1, rec.serial);
      st.Text(2, rec.provisioner_id);
      st.Int(3, rec.reason_code);
      st.Text(4, rec.reason);
      st.Int(5, ToUnixSeconds(rec.revoked_at));
      st.Int(6, ToUnixSeconds(rec.expires_at));
      st.Text(7, rec.token_id);
      int rc = 0;
      Status s = st.Run("insert SSH revocation", &rc);
      if (IsPrimaryKeyViolation(rc)) return AlreadyExistsError("certificate already revoked");
      return s;
    });
  }

  Result<std::optional<RevocationRecord>> GetSshRevocation(std::string_view serial) override {
    CAIRN_RETURN_IF_ERROR(ValidateSerial(serial));
    static const std::string sql = std::string(kSshRevocationColumns) + " WHERE serial = ?1";
    return SelectOne(sql.c_str(), {serial}, &ReadSshRevocationRow, "select SSH revocation");
  }

  Result<std::vector<RevocationRecord>> ListSshRevocations(std::string_view cursor,
                                                           int limit) override {
    CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
    static const std::string sql =
        std::string(kSshRevocationColumns) + " WHERE serial > ?1 ORDER BY serial LIMIT ?2";
    return SelectAll(sql.c_str(), {cursor}, ClampListLimit(limit), &ReadSshRevocationRow,
                     "list SSH revocations");
  }

  // ---- Revocations by time, counters.

  Result<std::vector<RevocationRecord>> ListRevocationsSince(Time since, std::string_view cursor,
                                                             int limit) override {
    CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
    return Read<std::vector<RevocationRecord>>(
        [&](Connection& c) -> Result<std::vector<RevocationRecord>> {
          CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kListRevocationsSince));
          // The first page includes `since` itself: no serial sorts before "".
          st.Int(1, ToUnixSeconds(since));
          st.Text(2, cursor);
          st.Int(3, ClampListLimit(limit));
          std::vector<RevocationRecord> out;
          for (;;) {
            CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("list revocations since"));
            if (!row) break;
            out.push_back(ReadRevocationRow(st));
          }
          return out;
        });
  }

  Result<int64_t> IncrementCounter(std::string_view name) override {
    CAIRN_RETURN_IF_ERROR(CheckBytes("counter name", name, kMaxCounterNameLength));
    int64_t value = 0;
    CAIRN_RETURN_IF_ERROR(Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kIncrementCounter));
      st.Text(1, name);
      CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("increment counter"));
      if (!row) return InternalError("sqlite: counter increment returned no row");
      value = st.ColInt(0);
      return Status();
    }));
    return value;
  }

  // ---- Admins.

  Status CreateAdmin(const AdminRecord& admin) override {
    CAIRN_RETURN_IF_ERROR(ValidateAdminRecord(admin));
    const int64_t now = ToUnixSeconds(clock_->Now());
    return Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(bool id_taken, RowExists(c, kAdminExists, {admin.id}, "select admin"));
      if (id_taken) return AlreadyExistsError("admin " + admin.id + " already exists");
      CAIRN_ASSIGN_OR_RETURN(bool subject_taken,
                             RowExists(c, kAdminSubjectTaken, {admin.provisioner, admin.subject},
                                       "select admin subject"));
      if (subject_taken) {
        return AlreadyExistsError("admin with subject \"" + admin.subject +
                                  "\" and provisioner \"" + admin.provisioner +
                                  "\" already exists");
      }
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kInsertAdmin));
      st.Text(1, admin.id);
      st.Text(2, admin.provisioner);
      st.Text(3, admin.subject);
      st.Int(4, static_cast<int64_t>(admin.type));
      st.Int(5, now);
      return st.Run("insert admin");
    });
  }

  Result<std::optional<AdminRecord>> GetAdmin(std::string_view id) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
    return SelectOne(kSelectAdmin, {id}, &ReadAdminRow, "select admin");
  }

  Result<std::optional<AdminRecord>> FindAdmin(std::string_view provisioner,
                                               std::string_view subject) override {
    CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
    CAIRN_RETURN_IF_ERROR(CheckBytes("subject", subject, kMaxAdminSubjectLength));
    return SelectOne(kFindAdmin, {provisioner, subject}, &ReadAdminRow, "find admin");
  }

  Result<std::vector<AdminRecord>> ListAdmins(std::string_view cursor, int limit) override {
    CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
    return SelectAll(kListAdmins, {cursor}, ClampListLimit(limit), &ReadAdminRow, "list admins");
  }

  Status UpdateAdminType(std::string_view id, AdminType type) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
    if (type != AdminType::kAdmin && type != AdminType::kSuperAdmin) {
      return InvalidArgumentError("admin type must be ADMIN or SUPER_ADMIN");
    }
    return Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kUpdateAdminType));
      st.Text(1, id);
      st.Int(2, static_cast<int64_t>(type));
      CAIRN_RETURN_IF_ERROR(st.Run("update admin"));
      if (sqlite3_changes(c.db()) == 0) return NotFoundError("admin not found");
      return Status();
    });
  }

  Status DeleteAdmin(std::string_view id) override {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
    return Write([&](Connection& c) -> Status {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kDeleteAdmin));
      st.Text(1, id);
      CAIRN_RETURN_IF_ERROR(st.Run("delete admin"));
      if (sqlite3_changes(c.db()) == 0) return NotFoundError("admin not found");
      return Status();
    });
  }

  Status CheckIntegrity() override {
    auto r = Read<bool>([&](Connection& c) -> Result<bool> {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, "PRAGMA integrity_check(20)"));
      std::vector<std::string> findings;
      for (;;) {
        CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("integrity_check"));
        if (!row) break;
        findings.push_back(st.ColText(0));
      }
      if (findings.size() == 1 && findings[0] == "ok") return true;
      std::string msg = "sqlite: integrity check of " + options_.path + " failed:";
      for (const auto& f : findings) msg += "\n  " + f;
      return InternalError(std::move(msg));
    });
    return r.status();
  }

  Status Close() override {
    ResumeWriterForTest();
    {
      // Waits for every call in flight (their writes complete: the writer still runs).
      std::unique_lock<std::shared_mutex> lock(state_mu_);
      if (closed_) return Status();
      closed_ = true;
    }
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    {
      std::lock_guard<std::mutex> lock(checkpoint_mu_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
    checkpoint_conn_.reset();
    writer_conn_.reset();  // the last connection to close checkpoints what is left
    std::lock_guard<std::mutex> lock(readers_mu_);
    idle_readers_.clear();
    return Status();
  }

  SqliteStats stats() const override {
    std::lock_guard<std::mutex> lock(stats_mu_);
    return stats_;
  }

  void PauseWriterForTest() override {
    std::lock_guard<std::mutex> lock(queue_mu_);
    paused_ = true;
  }
  void ResumeWriterForTest() override {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      paused_ = false;
    }
    queue_cv_.notify_all();
  }
  size_t PendingWritesForTest() const override {
    std::lock_guard<std::mutex> lock(queue_mu_);
    return queue_.size();
  }

  Result<int64_t> SetMaxPageCountForTest(int64_t pages) override {
    int64_t result = 0;
    const std::string sql = "PRAGMA max_page_count=" + std::to_string(pages);
    CAIRN_RETURN_IF_ERROR(Write([&](Connection& c) -> Status {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v2(c.db(), sql.c_str(), -1, &raw, nullptr);
      if (rc != SQLITE_OK) return SqliteStatus(rc, c.db(), "max_page_count");
      if (sqlite3_step(raw) == SQLITE_ROW) result = sqlite3_column_int64(raw, 0);
      sqlite3_finalize(raw);
      return Status();
    }));
    return result;
  }

 private:
  // WriteOp is one queued write. A blocking Write waits on `done`; an asynchronous one (heap
  // allocated, owned by the queue) is told through `callback` and then deleted.
  struct WriteOp {
    std::function<Status(Connection&)> fn;
    std::promise<Status> done;
    std::function<void(Status)> callback;
  };

  static void Complete(WriteOp* op, Status s) {
    if (op->callback) {
      std::unique_ptr<WriteOp> owned(op);
      op->callback(std::move(s));
    } else {
      op->done.set_value(std::move(s));
    }
  }

  // Write queues `fn` for the writer thread and blocks until its transaction has committed
  // (or failed). `fn` runs inside its own savepoint.
  Status Write(std::function<Status(Connection&)> fn) {
    std::shared_lock<std::shared_mutex> state(state_mu_);
    if (closed_) return UnavailableError("store is closed");
    WriteOp op{std::move(fn), {}};
    std::future<Status> done = op.done.get_future();
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      queue_.push_back(&op);
    }
    queue_cv_.notify_one();
    return done.get();
  }

  // WriteAsync queues `fn` like Write and returns at once; `callback` gets the result on the
  // writer thread after the commit (or here, at once, when the store is closed).
  void WriteAsync(std::function<Status(Connection&)> fn, std::function<void(Status)> callback) {
    std::shared_lock<std::shared_mutex> state(state_mu_);
    if (closed_) {
      state.unlock();
      callback(UnavailableError("store is closed"));
      return;
    }
    auto op = std::make_unique<WriteOp>();
    op->fn = std::move(fn);
    op->callback = std::move(callback);
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      queue_.push_back(op.release());
    }
    queue_cv_.notify_one();
  }

  // SelectSetting reads the setting `name` on `c`, or nullopt.
  static Result<std::optional<std::string>> SelectSetting(Connection& c, std::string_view name) {
    CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, kSelectSetting));
    st.Text(1, name);
    CAIRN_ASSIGN_OR_RETURN(bool row, st.Step("select setting"));
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(st.ColBlob(0));
  }

  // SelectOne reads at most one row of `sql` (text parameters `args`) with `decode`.
  template <typename T>
  Result<std::optional<T>> SelectOne(const char* sql, std::initializer_list<std::string_view> args,
                                     T (*decode)(const Stmt&), std::string_view what) {
    return Read<std::optional<T>>([&](Connection& c) -> Result<std::optional<T>> {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, sql));
      int i = 1;
      for (std::string_view a : args) st.Text(i++, a);
      CAIRN_ASSIGN_OR_RETURN(bool row, st.Step(what));
      if (!row) return std::optional<T>();
      return std::optional<T>(decode(st));
    });
  }

  // SelectAll reads the rows of `sql` with `decode`; `args` are bound as text from ?1 and
  // `limit` after them.
  template <typename T>
  Result<std::vector<T>> SelectAll(const char* sql, std::initializer_list<std::string_view> args,
                                   int limit, T (*decode)(const Stmt&), std::string_view what) {
    return Read<std::vector<T>>([&](Connection& c) -> Result<std::vector<T>> {
      CAIRN_ASSIGN_OR_RETURN(Stmt st, Stmt::Make(c, sql));
      int i = 1;
      for (std::string_view a : args) st.Text(i++, a);
      st.Int(i, limit);
      std::vector<T> out;
      for (;;) {
        CAIRN_ASSIGN_OR_RETURN(bool row, st.Step(what));
        if (!row) break;
        out.push_back(decode(st));
      }
      return out;
    });
  }

  // Read runs `fn` on a read-only connection from the pool.
  template <typename T>
  Result<T> Read(const std::function<Result<T>(Connection&)>& fn) {
    std::shared_lock<std::shared_mutex> state(state_mu_);
    if (closed_) return UnavailableError("store is closed");
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, AcquireReader());
    Result<T> r = fn(*conn);
    ReleaseReader(std::move(conn));
    return r;
  }

  Result<std::unique_ptr<Connection>> AcquireReader() {
    std::unique_lock<std::mutex> lock(readers_mu_);
    const int max_readers = std::max(1, options_.max_readers);
    readers_cv_.wait(lock, [&] { return !idle_readers_.empty() || open_readers_ < max_readers; });
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return conn;
    }
    ++open_readers_;
    lock.unlock();
    auto conn = Connection::Open(options_.path, /*read_only=*/true, options_.busy_timeout);
    if (!conn.ok()) {
      lock.lock();
      --open_readers_;
      readers_cv_.notify_one();
      return conn.status();
    }
    return std::move(conn).value();
  }

  void ReleaseReader(std::unique_ptr<Connection> conn) {
    {
      std::lock_guard<std::mutex> lock(readers_mu_);
      idle_readers_.push_back(std::move(conn));
    }
    readers_cv_.notify_one();
  }

  // kCheckpointFrames is the WAL size (in pages) at which the checkpointer is woken;
  // kInlineCheckpointFrames the size at which the writer checkpoints by itself (the
  // checkpointer cannot keep up, or is missing), bounding the WAL.
  static constexpr int kCheckpointFrames = 4000;
  static constexpr int kInlineCheckpointFrames = 64000;

  // WalHook runs on the writer after each commit with the WAL's size in frames.
  static int WalHook(void* arg, sqlite3* db, const char* name, int frames) {
    auto* self = static_cast<SqliteStoreImpl*>(arg);
    if (frames >= kInlineCheckpointFrames || !self->checkpoint_conn_) {
      if (frames >= 1000)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (frames >= kCheckpointFrames) {
      {
        std::lock_guard<std::mutex> lock(self->checkpoint_mu_);
        self->checkpoint_wanted_ = true;
      }
      self->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  void CheckpointLoop() {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(checkpoint_mu_);
        checkpoint_cv_.wait(lock, [&] { return checkpoint_stop_ || checkpoint_wanted_; });
        if (checkpoint_stop_) return;
        checkpoint_wanted_ = false;
      }
      // PASSIVE: copies what no reader still needs, without blocking the writer or readers;
      // the next write transaction then restarts the WAL from its beginning.
      int rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                         nullptr, nullptr);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
        // Nothing is lost: the frames stay in the WAL and the next wake-up retries.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }

  void WriterLoop() {
    const size_t max_batch = static_cast<size_t>(std::max(1, options_.max_batch));
    for (;;) {
      std::vector<WriteOp*> batch;
      {
        std::unique_lock<std::mutex> lock(queue_mu_);
        queue_cv_.wait(lock, [&] { return stopping_ || (!paused_ && !queue_.empty()); });
        if (queue_.empty()) return;  // stopping, and nothing left to do
        if (options_.max_batch_delay > Duration::zero() && queue_.size() < max_batch) {
          queue_cv_.wait_for(lock, options_.max_batch_delay,
                             [&] { return stopping_ || queue_.size() >= max_batch; });
        }
        while (!queue_.empty() && batch.size() < max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      RunBatch(batch);
    }
  }

  // RunBatch commits `batch` as one transaction, each write in its own savepoint, and
  // completes every write's promise.
  void RunBatch(const std::vector<WriteOp*>& batch) {
    Connection& c = *writer_conn_;
    const auto started = std::chrono::steady_clock::now();
    Status begin = c.ExecCached("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      CountFailedCommit();
      for (WriteOp* op : batch) Complete(op, begin);
      return;
    }
    std::vector<Status> results;
    results.reserve(batch.size());
    Status aborted;  // set when SQLite rolled the whole transaction back by itself
    for (WriteOp* op : batch) {
      Status s = c.ExecCached("SAVEPOINT w");
      if (s.ok()) {
        s = op->fn(c);
        // I/O errors, a full disk or lack of memory can make SQLite roll back the entire
        // transaction on its own (it is then back in autocommit mode). The writes before this
        // one are gone too, so the whole batch fails with this error.
        if (sqlite3_get_autocommit(c.db())) {
          aborted = s.ok() ? InternalError("sqlite: transaction rolled back unexpectedly") : s;
          results.push_back(s);
          break;
        }
        if (s.ok()) {
          Status r = c.ExecCached("RELEASE w");
          if (!r.ok()) s = r;
        } else {
          Status r = c.ExecCached("ROLLBACK TO w");
          if (r.ok()) r = c.ExecCached("RELEASE w");
          if (!r.ok()) aborted = r;
        }
      } else {
        aborted = s;
      }
      results.push_back(s);
      if (!aborted.ok()) break;
    }
    Status commit = aborted;
    if (commit.ok()) commit = c.ExecCached("COMMIT");
    if (!commit.ok()) {
      // Nothing of this transaction is on disk; roll back whatever SQLite still holds.
      if (!sqlite3_get_autocommit(c.db())) c.Exec("ROLLBACK").IgnoreError();
      CountFailedCommit();
      for (size_t i = 0; i < batch.size(); ++i) {
        // A write that failed on its own keeps its own (more precise) error.
        bool own_error = i < results.size() && !results[i].ok();
        Complete(batch[i], own_error ? results[i] : commit);
      }
      return;
    }
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.commits++;
      stats_.writes += batch.size();
      stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, batch.size());
    }
    if (const StoreMetrics* m = options_.metrics) {
      if (m->commit_seconds) {
        m->commit_seconds->Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      if (m->batch_size) m->batch_size->Observe(static_cast<double>(batch.size()));
    }
    for (size_t i = 0; i < batch.size(); ++i) Complete(batch[i], results[i]);
  }

  void CountFailedCommit() {
    if (options_.metrics && options_.metrics->failed_commits)
      options_.metrics->failed_commits->Inc();
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.failed_commits++;
  }

  const SqliteStoreOptions options_;
  const Clock* const clock_;

  // state_mu_ is held shared by every call in flight and exclusively by Close().
  std::shared_mutex state_mu_;
  bool closed_ = false;  // guarded by state_mu_

  // The writer: its connection is touched only by the writer thread (and by Close() after
  // the thread has been joined).
  std::unique_ptr<Connection> writer_conn_;
  std::thread writer_thread_;
  // The checkpointer (see WalHook).
  std::unique_ptr<Connection> checkpoint_conn_;
  std::thread checkpoint_thread_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;  // guarded by checkpoint_mu_
  bool checkpoint_stop_ = false;    // guarded by checkpoint_mu_
  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteOp*> queue_;  // guarded by queue_mu_
  bool stopping_ = false;       // guarded by queue_mu_
  bool paused_ = false;         // guarded by queue_mu_

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mu_
  int open_readers_ = 0;                                   // guarded by readers_mu_

  mutable std::mutex stats_mu_;
  SqliteStats stats_;  // guarded by stats_mu_
};

}  // namespace

Result<std::unique_ptr<SqliteStore>> OpenSqliteStore(const SqliteStoreOptions& options) {
  if (options.path.empty()) return InvalidArgumentError("sqlite store: empty database path");
  if (options.path == ":memory:" || options.path.starts_with("file:")) {
    return InvalidArgumentError("sqlite store: path must be a plain file path, not \"" +
                                options.path + "\"");
  }
  if (options.max_batch < 1 || options.max_readers < 1 || options.busy_timeout < Duration::zero() ||
      options.max_batch_delay < Duration::zero()) {
    return InvalidArgumentError(
        "sqlite store: max_batch and max_readers must be >= 1, "
        "durations >= 0");
  }
  CAIRN_RETURN_IF_ERROR(CheckDirectory(options.path));
  CAIRN_RETURN_IF_ERROR(CreateFileIfMissing(options.path));
  CAIRN_ASSIGN_OR_RETURN(auto writer,
                         Connection::Open(options.path, /*read_only=*/false, options.busy_timeout));
  const Clock& clock = options.clock ? *options.clock : SystemClock::Default();
  Status s = ConfigureWriter(*writer);
  if (s.ok()) s = Migrate(*writer, options.path, ToUnixSeconds(clock.Now()));
  if (!s.ok()) return s.Annotate("open " + options.path);
  return std::unique_ptr<SqliteStore>(new SqliteStoreImpl(options, std::move(writer)));
}

}  // namespace cairn::store

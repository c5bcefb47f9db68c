#pragma once

// The Store is where the CA keeps what must survive it: the certificates it issued, the
// revocations, the one-time token ids it has consumed, and the inventories it consults while
// issuing. It is one interface with several backends (SQLite embedded, PostgreSQL for
// scale-out; an in-memory map for tests and for ca.json files without a `db` block).
//
// Everything that must be unique or single-use (serials, token ids, revocations) is enforced by
// the backend's own constraints inside one transaction, never by the memory of one process, so
// several CA processes may share a database.
//
// Times are stored with second precision: a Time read back is the written Time truncated to
// whole seconds.

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/result.h"
#include "base/status.h"
#include "store/acme_records.h"
#include "store/admin_records.h"

namespace cairn::store {

// CertificateRecord is one issued X.509 certificate as the store keeps it.
struct CertificateRecord {
  // serial is the certificate serial number in canonical decimal (no sign, no leading zeros).
  std::string serial;
  // der is the whole certificate, DER encoded.
  std::string der;
  // provisioner_id / provisioner_name / provisioner_type identify the provisioner that
  // authorized the issuance (step-ca's x509_certs_data record), e.g. "max:IMi94W...", "max",
  // "JWK".
  std::string provisioner_id;
  std::string provisioner_name;
  std::string provisioner_type;
  // subject is the subject distinguished name on one line (for listings and search).
  std::string subject;
  // sans are the subject alternative names as text ("example.com", "10.0.0.1", ...).
  std::vector<std::string> sans;
  Time not_before{};
  Time not_after{};
  Time issued_at{};
  // renewed_from is the serial of the certificate this one renews or rekeys; empty otherwise.
  std::string renewed_from;
  // acme_account_id is the ACME account the certificate was issued to (empty when it was not
  // issued through ACME); revokeCert signed by an account key checks it.
  std::string acme_account_id;

  friend bool operator==(const CertificateRecord&, const CertificateRecord&) = default;
};

// RevocationRecord is one revoked X.509 certificate (step-ca's revoked_x509_certs record:
// Serial, ProvisionerID, ReasonCode, Reason, RevokedAt, ExpiresAt, TokenID, MTLS, ACME).
struct RevocationRecord {
  // serial is the revoked certificate's serial in canonical decimal.
  std::string serial;
  std::string provisioner_id;
  // reason_code is the RFC 5280 CRLReason (0 unspecified ... 10 aACompromise).
  int reason_code = 0;
  // reason is the free-text reason given by the requester.
  std::string reason;
  Time revoked_at{};
  // expires_at is the certificate's notAfter (so CRLs can drop long-expired entries).
  Time expires_at{};
  // token_id is the id of the one-time token that authorized the revocation, if any.
  std::string token_id;
  // mtls is true when the revocation was authorized by the certificate itself over mTLS.
  bool mtls = false;
  // acme is true when the revocation came through the ACME revokeCert endpoint.
  bool acme = false;

  friend bool operator==(const RevocationRecord&, const RevocationRecord&) = default;
};

// SshCertificateRecord is one issued OpenSSH certificate (step-ca's ssh_certs record, with the
// fields listings, /ssh/hosts and KRLs need).
struct SshCertificateRecord {
  // serial is the certificate's 64-bit serial in canonical decimal.
  std::string serial;
  // cert is the certificate's wire encoding.
  std::string cert;
  // type is 1 for user, 2 for host certificates (OpenSSH's numbers).
  int type = 1;
  std::string key_id;
  std::vector<std::string> principals;
  // valid_after / valid_before are OpenSSH's seconds; kSshForever stands for "forever".
  uint64_t valid_after = 0;
  uint64_t valid_before = 0;
  std::string provisioner_id;
  std::string provisioner_name;
  Time issued_at{};
  // renewed_from is the serial of the certificate this one renews or rekeys; empty otherwise.
  std::string renewed_from;

  friend bool operator==(const SshCertificateRecord&, const SshCertificateRecord&) = default;
};

// kSshForever is OpenSSH's "forever" valid_before (stored as the largest SQL integer).
inline constexpr uint64_t kSshForever = UINT64_MAX;

// SshHostRecord is one entry of the SSH host index (step-ca's ssh_host_principals): a principal
// of a recorded host certificate, lower-cased (see SshHostKey), with that certificate's serial
// and valid_before. RecordSshCertificate adds one per principal of every host certificate.
struct SshHostRecord {
  std::string principal;
  std::string serial;
  uint64_t valid_before = 0;

  friend bool operator==(const SshHostRecord&, const SshHostRecord&) = default;
};

// InventoryItem is one entry of an inventory: a named catalog of items keyed by an identifier,
// each with JSON attributes the CA consults while issuing. For example inventory "people" maps
// "alice@example.com" to {"posixUser": "alice", "groups": ["ops"]}, and inventory "hosts"
// maps "vm-1234" to {"workload": "billing"}.
//
// Keys match exactly, byte for byte: the store does no case folding or other normalisation.
// Callers normalise before both writing and looking up (e.g. lower-case e-mail addresses and
// DNS names), so that the same identifier always has the same key.
struct InventoryItem {
  // inventory is the inventory's name: 1..kMaxInventoryNameLength characters of
  // [A-Za-z0-9._-].
  std::string inventory;
  // key identifies the item within its inventory: 1..kMaxInventoryKeyLength bytes of valid
  // UTF-8 without control characters (U+0000..U+001F, U+007F).
  std::string key;
  // attributes is a JSON object (at most kMaxInventoryAttributesSize bytes serialized, nesting
  // at most kMaxInventoryAttributesDepth); {} when the item has none.
  nlohmann::json attributes = nlohmann::json::object();
  // updated_at is when the item was last written. The store sets it (with its clock) on every
  // write; the value passed to a Put is ignored.
  Time updated_at{};

  friend bool operator==(const InventoryItem&, const InventoryItem&) = default;
};

// Input bounds enforced by every backend (kInvalidArgument beyond them).
inline constexpr size_t kMaxSerialLength = 64;         // decimal digits (2^128 has 39)
inline constexpr size_t kMaxTokenIdLength = 1024;      // bytes
inline constexpr size_t kMaxCertificateDer = 1 << 20;  // bytes
inline constexpr size_t kMaxTextField = 4096;          // provisioner fields, subject, reason
inline constexpr size_t kMaxSans = 10000;              // entries
inline constexpr int kDefaultListLimit = 100;          // used when a list limit is <= 0
inline constexpr int kMaxListLimit = 1000;             // larger list limits are clamped

// Inventory bounds (kInvalidArgument beyond them).
inline constexpr size_t kMaxInventoryNameLength = 64;            // characters of [A-Za-z0-9._-]
inline constexpr size_t kMaxInventoryKeyLength = 1024;           // bytes
inline constexpr size_t kMaxInventoryAttributesSize = 64 << 10;  // bytes, serialized
inline constexpr int kMaxInventoryAttributesDepth = 32;          // nested arrays/objects
inline constexpr size_t kMaxInventoryImportItems = 100000;       // items per PutInventoryItems
inline constexpr size_t kMaxInventoryImportBytes = 256u << 20;   // keys + attributes per import

// Store is the CA's persistent state. Implementations are thread-safe: every method may be
// called from any thread at any time. After Close() every method fails with kUnavailable.
// StoreMetrics are the instruments a store's writer updates; any may be null. Not owned; they
// must outlive the store.
struct StoreMetrics {
  // commit_seconds observes each transaction, from BEGIN to the end of its COMMIT (the fsync).
  metrics::Histogram* commit_seconds = nullptr;
  // batch_size observes how many writes each committed transaction carried (group commit).
  metrics::Histogram* batch_size = nullptr;
  // failed_commits counts transactions that could not begin or commit.
  metrics::Counter* failed_commits = nullptr;
};

class Store {
 public:
  virtual ~Store() = default;

  // RecordCertificate atomically (one transaction) marks `token_id` used, when it is not empty,
  // and records `cert`. It fails with kAlreadyExists when the token id was used before
  // ("token already used") or when the serial is already recorded; then nothing at all is
  // written (the token is not consumed). kInvalidArgument for a malformed record (see
  // ValidateCertificateRecord). On OK the record is durable (on disk for persistent backends).
  // kUnavailable on I/O errors, a full disk or a read-only file system, with nothing written
  // (the token stays unused, so the same request may be retried).
  virtual Status RecordCertificate(const CertificateRecord& cert, std::string_view token_id) = 0;

  // RecordCertificateAsync is RecordCertificate without blocking the caller until the commit:
  // `done` receives the same Status, exactly once, from any thread (the store's writer, or the
  // caller's before this returns). It must be quick and must not call back into the store's
  // writes. The default implementation is RecordCertificate, then `done`.
  virtual void RecordCertificateAsync(CertificateRecord cert, std::string token_id,
                                      std::function<void(Status)> done);

  // UseToken marks `token_id` used for flows that record nothing else. kAlreadyExists if it was
  // used before; kInvalidArgument if it is empty or too long. Durable on OK.
  virtual Status UseToken(std::string_view token_id) = 0;

  // PurgeUsedTokens forgets the used token ids that start with `prefix` (not empty) and were
  // used before `before`, and returns how many it deleted. Only for ids that expire by
  // themselves (ACME nonces carry their expiry), where remembering them longer protects
  // nothing. kInvalidArgument for an empty or oversized prefix. Durable on OK.
  virtual Result<int64_t> PurgeUsedTokens(std::string_view prefix, Time before) = 0;

  // GetCertificate returns the record for `serial`, or nullopt if there is none.
  // kInvalidArgument for a malformed serial.
  virtual Result<std::optional<CertificateRecord>> GetCertificate(std::string_view serial) = 0;

  // Revoke atomically marks `token_id` used, when it is not empty, and records `rec`. It fails
  // with kAlreadyExists "certificate already revoked" when the serial is already revoked, or
  // "token already used" when the token was used before; then nothing at all is written. The
  // certificate need not be in the store (step-ca revokes serials it has no record of).
  virtual Status Revoke(const RevocationRecord& rec, std::string_view token_id) = 0;

  // GetRevocation returns the revocation of `serial`, or nullopt if it is not revoked.
  virtual Result<std::optional<RevocationRecord>> GetRevocation(std::string_view serial) = 0;

  // ListCertificates returns up to `limit` records whose serial sorts after `cursor` (empty:
  // from the start), in byte-wise ascending order of the serial string. Pass the last serial
  // of a page as the cursor of the next one; a page shorter than the limit is the last. A
  // `limit` <= 0 means kDefaultListLimit; limits above kMaxListLimit are clamped.
  virtual Result<std::vector<CertificateRecord>> ListCertificates(std::string_view cursor,
                                                                  int limit) = 0;

  // ListRevocations pages through the revocations like ListCertificates.
  virtual Result<std::vector<RevocationRecord>> ListRevocations(std::string_view cursor,
                                                                int limit) = 0;

  // PutInventoryItem inserts `item`, or replaces the item with the same inventory and key
  // (attributes are replaced whole, not merged). updated_at is set to the store's current time.
  // kInvalidArgument for a malformed item (see ValidateInventoryItem). Durable on OK.
  virtual Status PutInventoryItem(const InventoryItem& item) = 0;

  // PutInventoryItems imports `items` into `inventory` in ONE transaction: either every item is
  // written or none is. Every item's `inventory` must equal `inventory`, and keys must be
  // unique within `items`. With `replace_inventory`, the inventory's items whose keys are not
  // in `items` are deleted in the same transaction (an empty `items` then empties the
  // inventory); otherwise they are kept. Items with a key already present are replaced.
  // Fails with kInvalidArgument (nothing written) for a malformed item, a mismatched
  // inventory, a duplicate key, more than kMaxInventoryImportItems items, or more than
  // kMaxInventoryImportBytes of keys and attributes. A large import holds the store's writer
  // for its duration (other writes wait for it). Durable on OK.
  virtual Status PutInventoryItems(std::string_view inventory,
                                   const std::vector<InventoryItem>& items,
                                   bool replace_inventory) = 0;

  // DeleteInventoryItem deletes one item. kNotFound "item not found" when there is no such
  // item; kInvalidArgument for a malformed inventory name or key. Durable on OK.
  virtual Status DeleteInventoryItem(std::string_view inventory, std::string_view key) = 0;

  // GetInventoryItem returns the item `key` of `inventory`, or nullopt if there is none. This
  // is the lookup the CA makes while issuing: it is a plain read (for SQLite on a read
  // connection, never queued behind the writer) and sees every write that returned before it
  // started. kInvalidArgument for a malformed inventory name or key.
  virtual Result<std::optional<InventoryItem>> GetInventoryItem(std::string_view inventory,
                                                                std::string_view key) = 0;

  // ListInventoryItems returns up to `limit` items of `inventory` whose key sorts after
  // `cursor` (empty: from the start), in byte-wise ascending order of the key. Paging works as
  // in ListCertificates: pass the last key of a page as the next cursor; a page shorter than
  // the limit is the last. `limit` <= 0 means kDefaultListLimit; limits above kMaxListLimit
  // are clamped. kInvalidArgument for a malformed inventory name or a cursor longer than
  // kMaxInventoryKeyLength. An inventory without items lists as empty (not kNotFound).
  virtual Result<std::vector<InventoryItem>> ListInventoryItems(std::string_view inventory,
                                                                std::string_view cursor,
                                                                int limit) = 0;

  // ListInventories returns the names of the inventories that have at least one item, sorted
  // byte-wise. (An inventory exists while it has items: deleting its last item removes it.)
  virtual Result<std::vector<std::string>> ListInventories() = 0;

  // ---- Settings: small named values shared by every CA process of the database.

  // GetOrCreateSetting returns the value stored under `name`; when there is none it stores
  // `value_if_absent` and returns it. Two processes racing get the same value (the first
  // writer's). kInvalidArgument when `name` is empty or longer than kMaxSettingNameLength, or
  // the value larger than kMaxSettingValueSize. Durable on OK.
  virtual Result<std::string> GetOrCreateSetting(std::string_view name,
                                                 std::string_view value_if_absent) = 0;

  // ---- ACME (see store/acme_records.h). Ids, provisioner names, key ids and docs are checked
  // with ValidateAcme* (kInvalidArgument). Updates compare the record's `version` with the
  // stored one: kAborted "concurrent update" when they differ (re-read and try again), kNotFound
  // when the record does not exist; on OK the stored version is one more than the one passed.
  // Every write is one transaction and durable on OK; a failed call writes nothing.

  // CreateAcmeAccount stores a new account (version 1, created_at now). When `eab_key_id` is
  // not empty it binds that EAB key of the account's provisioner to the account in the same
  // transaction. kAlreadyExists "account key already registered" when the provisioner has an
  // account with the same key_id, or when the id is taken; kNotFound "external account key not
  // found" when there is no such EAB key; kFailedPrecondition "external account key already
  // bound" when the key is bound to an account already.
  virtual Status CreateAcmeAccount(const AcmeAccountRecord& account,
                                   std::string_view eab_key_id) = 0;
  // GetAcmeAccount returns the account `id`, or nullopt.
  virtual Result<std::optional<AcmeAccountRecord>> GetAcmeAccount(std::string_view id) = 0;
  // GetAcmeAccountByKey returns the account of `provisioner` whose key_id is `key_id`, or
  // nullopt.
  virtual Result<std::optional<AcmeAccountRecord>> GetAcmeAccountByKey(std::string_view provisioner,
                                                                       std::string_view key_id) = 0;
  // UpdateAcmeAccount replaces the account's key_id and doc (id, provisioner and created_at do
  // not change). kAlreadyExists "account key already registered" when the new key_id belongs to
  // another account of the provisioner (RFC 8555 §7.3.5 keyChange).
  virtual Status UpdateAcmeAccount(const AcmeAccountRecord& account) = 0;

  // CreateAcmeOrder stores a new order together with its authorizations (version 1 each), all
  // in one transaction. Every authorization's order_id must equal the order's id and its
  // account_id the order's account_id; at most kMaxAcmeAuthzsPerOrder. kAlreadyExists when an
  // id is taken; kNotFound "account not found" when the order's account does not exist.
  virtual Status CreateAcmeOrder(const AcmeOrderRecord& order,
                                 const std::vector<AcmeAuthzRecord>& authzs) = 0;
  // GetAcmeOrder returns the order `id`, or nullopt.
  virtual Result<std::optional<AcmeOrderRecord>> GetAcmeOrder(std::string_view id) = 0;
  // ListAcmeOrders returns up to `limit` orders of `account_id` whose id sorts after `cursor`
  // (empty: from the start), in ascending id order; paging as in ListCertificates.
  virtual Result<std::vector<AcmeOrderRecord>> ListAcmeOrders(std::string_view account_id,
                                                              std::string_view cursor,
                                                              int limit) = 0;
  // UpdateAcmeOrder replaces the order's doc and expires_at (versioned).
  virtual Status UpdateAcmeOrder(const AcmeOrderRecord& order) = 0;
  // FinalizeAcmeOrder updates the order (versioned, as UpdateAcmeOrder) and records the
  // certificate issued for it (as RecordCertificate without a token) in ONE transaction: the
  // order never says "valid" without its certificate, and no certificate is recorded for an
  // order another writer changed meanwhile.
  virtual Status FinalizeAcmeOrder(const AcmeOrderRecord& order, const CertificateRecord& cert) = 0;

  // GetAcmeAuthz returns the authorization `id`, or nullopt.
  virtual Result<std::optional<AcmeAuthzRecord>> GetAcmeAuthz(std::string_view id) = 0;
  // ListAcmeAuthzsOfOrder returns the authorizations created with order `order_id`, in id
  // order (at most kMaxAcmeAuthzsPerOrder).
  virtual Result<std::vector<AcmeAuthzRecord>> ListAcmeAuthzsOfOrder(std::string_view order_id) = 0;
  // UpdateAcmeAuthz replaces the authorization's doc and expires_at (versioned).
  virtual Status UpdateAcmeAuthz(const AcmeAuthzRecord& authz) = 0;

  // CreateAcmeEabKey stores a new, unbound EAB key (created_at now; account_id and bound_at
  // must be empty). kAlreadyExists when the provisioner has a key with the same id, or with the
  // same non-empty reference.
  virtual Status CreateAcmeEabKey(const AcmeEabKeyRecord& key) = 0;
  // GetAcmeEabKey returns the EAB key `id` of `provisioner`, or nullopt.
  virtual Result<std::optional<AcmeEabKeyRecord>> GetAcmeEabKey(std::string_view provisioner,
                                                                std::string_view id) = 0;
  // ListAcmeEabKeys returns up to `limit` keys of `provisioner` whose id sorts after `cursor`,
  // in ascending id order; paging as in ListCertificates.
  virtual Result<std::vector<AcmeEabKeyRecord>> ListAcmeEabKeys(std::string_view provisioner,
                                                                std::string_view cursor,
                                                                int limit) = 0;
  // DeleteAcmeEabKey deletes a key (bound or not; the account it bound stays).
  // kNotFound "external account key not found".
  virtual Status DeleteAcmeEabKey(std::string_view provisioner, std::string_view id) = 0;

  // ListRevocationsSince returns up to `limit` revocations with revoked_at >= `since`, in
  // (revoked_at, serial) order, after the position `cursor` (the serial of the last record of
  // the previous page, with `since` set to its revoked_at; "" for the first page). A delta CRL
  // lists what was revoked after its base. Cost grows with the records returned, not with all
  // revocations.
  virtual Result<std::vector<RevocationRecord>> ListRevocationsSince(Time since,
                                                                     std::string_view cursor,
                                                                     int limit) = 0;

  // IncrementCounter adds one to the named counter (created at 0) and returns the new value,
  // atomically across every process sharing the store: CRL numbers come from here.
  // kInvalidArgument for a name of 0 or more than kMaxCounterNameLength bytes.
  virtual Result<int64_t> IncrementCounter(std::string_view name) = 0;

  // CreateAdmin stores a new admin (created_at now). kAlreadyExists when the id is taken or the
  // provisioner already has an admin with this subject.
  virtual Status CreateAdmin(const AdminRecord& admin) = 0;
  // GetAdmin returns the admin `id`, or nullopt.
  virtual Result<std::optional<AdminRecord>> GetAdmin(std::string_view id) = 0;
  // FindAdmin returns the admin with `subject` on `provisioner`, or nullopt.
  virtual Result<std::optional<AdminRecord>> FindAdmin(std::string_view provisioner,
                                                       std::string_view subject) = 0;
  // ListAdmins returns up to `limit` admins whose id sorts after `cursor`, in id order.
  virtual Result<std::vector<AdminRecord>> ListAdmins(std::string_view cursor, int limit) = 0;
  // UpdateAdminType changes an admin's type. kNotFound "admin not found".
  virtual Status UpdateAdminType(std::string_view id, AdminType type) = 0;
  // DeleteAdmin deletes an admin. kNotFound "admin not found".
  virtual Status DeleteAdmin(std::string_view id) = 0;

  // RecordSshCertificate stores an issued SSH certificate and, when `token_id` is not empty,
  // marks the token used, in ONE transaction (as RecordCertificate). For a host certificate
  // (type 2) the same transaction adds each principal to the host index (SshHostRecord).
  // kAlreadyExists when the serial is taken or the token was used; kInvalidArgument for an
  // invalid record.
  virtual Status RecordSshCertificate(const SshCertificateRecord& cert,
                                      std::string_view token_id) = 0;
  // HasSshHost reports whether a host certificate was ever recorded for `principal`, compared
  // case-insensitively (ASCII), whether or not it has expired or was revoked: step-ca's
  // IsSSHHost, behind POST /ssh/check-host. kInvalidArgument for an empty principal or one
  // longer than kMaxTextField.
  virtual Result<bool> HasSshHost(std::string_view principal) = 0;
  // GetSshHost returns the index entry of `principal` (case-insensitive) whose certificate is
  // valid longest after `now` (valid_before > now) and not revoked, or nullopt when there is
  // none. kInvalidArgument as HasSshHost.
  virtual Result<std::optional<SshHostRecord>> GetSshHost(std::string_view principal, Time now) = 0;
  // ListSshHosts returns up to `limit` distinct host principals (lower-cased) sorting
  // byte-wise after `cursor` ("" for the first page), in ascending order, that have a host
  // certificate neither expired at `now` nor revoked (GET /ssh/hosts). Paging as in
  // ListCertificates. kInvalidArgument for a cursor longer than kMaxTextField.
  virtual Result<std::vector<std::string>> ListSshHosts(Time now, std::string_view cursor,
                                                        int limit) = 0;
  // GetSshCertificate returns the SSH certificate `serial`, or nullopt.
  virtual Result<std::optional<SshCertificateRecord>> GetSshCertificate(
      std::string_view serial) = 0;
  // ListSshCertificates returns up to `limit` SSH certificates whose serial sorts (as text)
  // after `cursor`.
  virtual Result<std::vector<SshCertificateRecord>> ListSshCertificates(std::string_view cursor,
                                                                        int limit) = 0;
  // RevokeSsh records the revocation of an SSH certificate (step-ca's revoked_ssh_certs) and
  // marks `token_id` used, in one transaction. kAlreadyExists when already revoked or the
  // token was used.
  virtual Status RevokeSsh(const RevocationRecord& rec, std::string_view token_id) = 0;
  // GetSshRevocation returns the revocation of SSH certificate `serial`, or nullopt.
  virtual Result<std::optional<RevocationRecord>> GetSshRevocation(std::string_view serial) = 0;
  // ListSshRevocations returns up to `limit` SSH revocations whose serial sorts after `cursor`.
  virtual Result<std::vector<RevocationRecord>> ListSshRevocations(std::string_view cursor,
                                                                   int limit) = 0;

  // CheckIntegrity verifies the backend's storage (PRAGMA integrity_check for SQLite).
  // kInternal with the findings when it is damaged.
  virtual Status CheckIntegrity() = 0;

  // Close waits for pending writes to finish, then releases the backend. Idempotent.
  virtual Status Close() = 0;
};

// ValidateSerial checks that `serial` is a canonical decimal integer: 1..kMaxSerialLength
// digits, no sign, no leading zero (except "0" itself). Canonical form matters: "007" and "7"
// must not be two different certificates. Fails with kInvalidArgument.
Status ValidateSerial(std::string_view serial);

// ValidateTokenId checks 1..kMaxTokenIdLength bytes. Fails with kInvalidArgument.
Status ValidateTokenId(std::string_view token_id);

// ValidateCertificateRecord checks the serial (and renewed_from, when set), acme_account_id (an
// ACME id, when set), the DER size, the text-field bounds and the SAN count. Fails with
// kInvalidArgument.
Status ValidateCertificateRecord(const CertificateRecord& cert);

// ValidateRevocationRecord checks the serial, the reason code (0..10), text bounds and the
// token id (when set). Fails with kInvalidArgument.
Status ValidateRevocationRecord(const RevocationRecord& rec);

// ValidateAcmeId checks 1..kMaxAcmeIdLength characters of [A-Za-z0-9_-]. kInvalidArgument.
Status ValidateAcmeId(std::string_view id);
// ValidateAcmeAccountRecord, ValidateAcmeOrderRecord, ValidateAcmeAuthzRecord and
// ValidateAcmeEabKeyRecord check ids, provisioner (1..kMaxAcmeProvisionerLength bytes), key_id
// (1..kMaxAcmeKeyIdLength), doc (a JSON object of at most kMaxAcmeDocSize bytes), reference
// and HMAC key bounds. kInvalidArgument naming the field.
Status ValidateAcmeAccountRecord(const AcmeAccountRecord& rec);
Status ValidateAcmeOrderRecord(const AcmeOrderRecord& rec);
Status ValidateAcmeAuthzRecord(const AcmeAuthzRecord& rec);
Status ValidateAcmeEabKeyRecord(const AcmeEabKeyRecord& rec);

// ValidateSshCertificateRecord checks the serial (a canonical decimal of at most 20 digits that
// fits 64 bits), the certificate size (at most kMaxCertificateDer), the type (1 or 2), the
// text bounds and the principal count (at most kMaxSans). kInvalidArgument.
Status ValidateSshCertificateRecord(const SshCertificateRecord& rec);

// SshHostKey is the host index's key of a principal: the principal with ASCII letters
// lower-cased (step-ca lower-cases host principals). Thread-safe.
std::string SshHostKey(std::string_view principal);

// ValidateSshHostPrincipal checks a principal looked up in the host index: 1..kMaxTextField
// bytes. Fails with kInvalidArgument.
Status ValidateSshHostPrincipal(std::string_view principal);

// ValidateAdminRecord checks the id, provisioner (1..kMaxAcmeProvisionerLength bytes), subject
// (1..kMaxAdminSubjectLength bytes, no control characters) and type. kInvalidArgument naming
// the field.
Status ValidateAdminRecord(const AdminRecord& rec);

// ClampListLimit maps a caller's list limit onto [1, kMaxListLimit] (<= 0: the default).
int ClampListLimit(int limit);

// ValidateListCursor checks that a list cursor is at most kMaxSerialLength bytes (any content:
// it is only compared). Fails with kInvalidArgument.
Status ValidateListCursor(std::string_view cursor);

// ValidateInventoryName checks 1..kMaxInventoryNameLength characters of [A-Za-z0-9._-].
// Fails with kInvalidArgument.
Status ValidateInventoryName(std::string_view inventory);

// ValidateInventoryKey checks 1..kMaxInventoryKeyLength bytes of valid UTF-8 with no control
// characters. Fails with kInvalidArgument.
Status ValidateInventoryKey(std::string_view key);

// ValidateInventoryAttributes checks that `attributes` is a JSON object whose serialization
// (compact, as SerializeInventoryAttributes makes it) is valid UTF-8, at most
// kMaxInventoryAttributesSize bytes and nested at most kMaxInventoryAttributesDepth deep.
// Fails with kInvalidArgument.
Status ValidateInventoryAttributes(const nlohmann::json& attributes);

// ValidateInventoryItem checks the name, the key and the attributes of `item`.
Status ValidateInventoryItem(const InventoryItem& item);

// ValidateInventoryCursor checks that a ListInventoryItems cursor is at most
// kMaxInventoryKeyLength bytes (any content: it is only compared). Fails with kInvalidArgument.
Status ValidateInventoryCursor(std::string_view cursor);

// ValidateInventoryImport checks a PutInventoryItems call: the inventory name, at most
// kMaxInventoryImportItems items, each valid and of `inventory`, no key twice, and at most
// kMaxInventoryImportBytes of keys and serialized attributes in all. Fails with
// kInvalidArgument naming the first offending item ("item 3 (key \"vm-1\"): ...").
Status ValidateInventoryImport(std::string_view inventory, const std::vector<InventoryItem>& items);

// SerializeInventoryImport is ValidateInventoryImport that also returns each item's attributes
// as compact JSON text, in the order of `items`.
Result<std::vector<std::string>> SerializeInventoryImport(std::string_view inventory,
                                                          const std::vector<InventoryItem>& items);

// SerializeInventoryAttributes validates `attributes` (as ValidateInventoryAttributes) and
// returns its compact JSON text, the form the persistent backends store.
Result<std::string> SerializeInventoryAttributes(const nlohmann::json& attributes);

}  // namespace cairn::store

#pragma once

// The Store is where the CA keeps what must survive it: the certificates it issued, the
// revocations, and the one-time token ids it has consumed. It is one interface with several
// backends (SQLite embedded, PostgreSQL for scale-out; an in-memory map for tests and for
// ca.json files without a `db` block).
//
// Everything that must be unique or single-use (serials, token ids, revocations) is enforced by
// the backend's own constraints inside one transaction, never by the memory of one process, so
// several CA processes may share a database.
//
// Times are stored with second precision: a Time read back is the written Time truncated to
// whole seconds.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/result.h"
#include "base/status.h"

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

// Input bounds enforced by every backend (kInvalidArgument beyond them).
inline constexpr size_t kMaxSerialLength = 64;         // decimal digits (2^128 has 39)
inline constexpr size_t kMaxTokenIdLength = 1024;      // bytes
inline constexpr size_t kMaxCertificateDer = 1 << 20;  // bytes
inline constexpr size_t kMaxTextField = 4096;          // provisioner fields, subject, reason
inline constexpr size_t kMaxSans = 10000;              // entries
inline constexpr int kDefaultListLimit = 100;          // used when a list limit is <= 0
inline constexpr int kMaxListLimit = 1000;             // larger list limits are clamped

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
  // kUnavailable / kResourceExhausted on I/O errors or a full disk, with nothing written.
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

// ValidateCertificateRecord checks the serial (and renewed_from, when set), the DER size, the
// text-field bounds and the SAN count. Fails with kInvalidArgument.
Status ValidateCertificateRecord(const CertificateRecord& cert);

// ValidateRevocationRecord checks the serial, the reason code (0..10), text bounds and the
// token id (when set). Fails with kInvalidArgument.
Status ValidateRevocationRecord(const RevocationRecord& rec);

// ClampListLimit maps a caller's list limit onto [1, kMaxListLimit] (<= 0: the default).
int ClampListLimit(int limit);

// ValidateListCursor checks that a list cursor is at most kMaxSerialLength bytes (any content:
// it is only compared). Fails with kInvalidArgument.
Status ValidateListCursor(std::string_view cursor);

}  // namespace cairn::store

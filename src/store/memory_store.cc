#include "store/memory_store.h"

namespace cairn::store {
namespace {

template <typename Map>
auto ListAfter(const Map& map, std::string_view cursor, int limit) {
  std::vector<typename Map::mapped_type> out;
  const size_t n = static_cast<size_t>(ClampListLimit(limit));
  for (auto it = map.upper_bound(cursor); it != map.end() && out.size() < n; ++it) {
    out.push_back(it->second);
  }
  return out;
}

}  // namespace

Status MemoryStore::CheckOpenLocked() const {
  if (closed_) return UnavailableError("store is closed");
  return Status();
}

Status MemoryStore::RecordCertificate(const CertificateRecord& cert, std::string_view token_id) {
  CAIRN_RETURN_IF_ERROR(ValidateCertificateRecord(cert));
  if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  // Check everything before changing anything: the call is all-or-nothing.
  if (!token_id.empty() && used_tokens_.count(token_id)) {
    return AlreadyExistsError("token already used");
  }
  if (certs_.count(cert.serial)) {
    return AlreadyExistsError("certificate with serial " + cert.serial + " already exists");
  }
  CertificateRecord stored = cert;
  stored.not_before = TruncateToSeconds(cert.not_before);
  stored.not_after = TruncateToSeconds(cert.not_after);
  stored.issued_at = TruncateToSeconds(cert.issued_at);
  if (!token_id.empty()) used_tokens_.emplace(token_id);
  certs_.emplace(stored.serial, std::move(stored));
  return Status();
}

Status MemoryStore::UseToken(std::string_view token_id) {
  CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  if (!used_tokens_.emplace(token_id).second) return AlreadyExistsError("token already used");
  return Status();
}

Result<std::optional<CertificateRecord>> MemoryStore::GetCertificate(std::string_view serial) {
  CAIRN_RETURN_IF_ERROR(ValidateSerial(serial));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = certs_.find(serial);
  if (it == certs_.end()) return std::optional<CertificateRecord>();
  return std::optional<CertificateRecord>(it->second);
}

Status MemoryStore::Revoke(const RevocationRecord& rec, std::string_view token_id) {
  CAIRN_RETURN_IF_ERROR(ValidateRevocationRecord(rec));
  if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  if (!token_id.empty() && used_tokens_.count(token_id)) {
    return AlreadyExistsError("token already used");
  }
  if (revoked_.count(rec.serial)) return AlreadyExistsError("certificate already revoked");
  RevocationRecord stored = rec;
  stored.revoked_at = TruncateToSeconds(rec.revoked_at);
  stored.expires_at = TruncateToSeconds(rec.expires_at);
  if (!token_id.empty()) used_tokens_.emplace(token_id);
  revoked_.emplace(stored.serial, std::move(stored));
  return Status();
}

Result<std::optional<RevocationRecord>> MemoryStore::GetRevocation(std::string_view serial) {
  CAIRN_RETURN_IF_ERROR(ValidateSerial(serial));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = revoked_.find(serial);
  if (it == revoked_.end()) return std::optional<RevocationRecord>();
  return std::optional<RevocationRecord>(it->second);
}

Result<std::vector<CertificateRecord>> MemoryStore::ListCertificates(std::string_view cursor,
                                                                     int limit) {
  CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  return ListAfter(certs_, cursor, limit);
}

Result<std::vector<RevocationRecord>> MemoryStore::ListRevocations(std::string_view cursor,
                                                                   int limit) {
  CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  return ListAfter(revoked_, cursor, limit);
}

Status MemoryStore::CheckIntegrity() {
  std::lock_guard<std::mutex> lock(mu_);
  return CheckOpenLocked();
}

Status MemoryStore::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  return Status();
}

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace cairn::store

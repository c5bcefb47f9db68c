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

Status MemoryStore::PutInventoryItem(const InventoryItem& item) {
  CAIRN_RETURN_IF_ERROR(ValidateInventoryItem(item));
  InventoryItem stored = item;
  stored.updated_at = TruncateToSeconds(clock_->Now());
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  inventories_[stored.inventory].insert_or_assign(stored.key, std::move(stored));
  return Status();
}

Status MemoryStore::PutInventoryItems(std::string_view inventory,
                                      const std::vector<InventoryItem>& items,
                                      bool replace_inventory) {
  // Validate (and build) everything before taking the lock: the call is all-or-nothing.
  CAIRN_RETURN_IF_ERROR(ValidateInventoryImport(inventory, items));
  const Time now = TruncateToSeconds(clock_->Now());
  Inventory incoming;
  for (const InventoryItem& item : items) {
    InventoryItem stored = item;
    stored.updated_at = now;
    incoming.emplace(stored.key, std::move(stored));
  }
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  if (replace_inventory) {
    if (incoming.empty()) {
      inventories_.erase(std::string(inventory));
    } else {
      inventories_.insert_or_assign(std::string(inventory), std::move(incoming));
    }
    return Status();
  }
  if (incoming.empty()) return Status();
  Inventory& inv = inventories_[std::string(inventory)];
  for (auto& [key, item] : incoming) inv.insert_or_assign(key, std::move(item));
  return Status();
}

Status MemoryStore::DeleteInventoryItem(std::string_view inventory, std::string_view key) {
  CAIRN_RETURN_IF_ERROR(ValidateInventoryName(inventory));
  CAIRN_RETURN_IF_ERROR(ValidateInventoryKey(key));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto inv = inventories_.find(inventory);
  if (inv == inventories_.end()) return NotFoundError("item not found");
  auto it = inv->second.find(key);
  if (it == inv->second.end()) return NotFoundError("item not found");
  inv->second.erase(it);
  if (inv->second.empty()) inventories_.erase(inv);
  return Status();
}

Result<std::optional<InventoryItem>> MemoryStore::GetInventoryItem(std::string_view inventory,
                                                                   std::string_view key) {
  CAIRN_RETURN_IF_ERROR(ValidateInventoryName(inventory));
  CAIRN_RETURN_IF_ERROR(ValidateInventoryKey(key));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto inv = inventories_.find(inventory);
  if (inv == inventories_.end()) return std::optional<InventoryItem>();
  auto it = inv->second.find(key);
  if (it == inv->second.end()) return std::optional<InventoryItem>();
  return std::optional<InventoryItem>(it->second);
}

Result<std::vector<InventoryItem>> MemoryStore::ListInventoryItems(std::string_view inventory,
                                                                   std::string_view cursor,
                                                                   int limit) {
  CAIRN_RETURN_IF_ERROR(ValidateInventoryName(inventory));
  CAIRN_RETURN_IF_ERROR(ValidateInventoryCursor(cursor));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto inv = inventories_.find(inventory);
  if (inv == inventories_.end()) return std::vector<InventoryItem>();
  return ListAfter(inv->second, cursor, limit);
}

Result<std::vector<std::string>> MemoryStore::ListInventories() {
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  std::vector<std::string> names;
  names.reserve(inventories_.size());
  for (const auto& [name, items] : inventories_) names.push_back(name);
  return names;
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

#include "store/memory_store.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace

Status MemoryStore::CheckOpenLocked() const {
  if (closed_) return UnavailableError("store is closed");
  return Status();
}

Status MemoryStore::CheckCertificateLocked(const CertificateRecord& cert,
                                           std::string_view token_id) const {
  if (!token_id.empty() && used_tokens_.count(token_id)) {
    return AlreadyExistsError("token already used");
  }
  if (certs_.count(cert.serial)) {
    return AlreadyExistsError("certificate with serial " + cert.serial + " already exists");
  }
  return Status();
}

void MemoryStore::InsertCertificateLocked(const CertificateRecord& cert,
                                          std::string_view token_id) {
  CertificateRecord stored = cert;
  stored.not_before = TruncateToSeconds(cert.not_before);
  stored.not_after = TruncateToSeconds(cert.not_after);
  stored.issued_at = TruncateToSeconds(cert.issued_at);
  if (!token_id.empty()) used_tokens_.emplace(token_id, TruncateToSeconds(clock_->Now()));
  certs_.emplace(stored.serial, std::move(stored));
}

Status MemoryStore::RecordCertificate(const CertificateRecord& cert, std::string_view token_id) {
  CAIRN_RETURN_IF_ERROR(ValidateCertificateRecord(cert));
  if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  // Check everything before changing anything: the call is all-or-nothing.
  CAIRN_RETURN_IF_ERROR(CheckCertificateLocked(cert, token_id));
  InsertCertificateLocked(cert, token_id);
  return Status();
}

Status MemoryStore::UseToken(std::string_view token_id) {
  CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  if (!used_tokens_.emplace(token_id, TruncateToSeconds(clock_->Now())).second) {
    return AlreadyExistsError("token already used");
  }
  return Status();
}

Result<int64_t> MemoryStore::PurgeUsedTokens(std::string_view prefix, Time before) {
  if (prefix.empty() || prefix.size() > kMaxTokenIdLength) {
    return InvalidArgumentError("a token prefix must be 1.." + std::to_string(kMaxTokenIdLength) +
                                " bytes");
  }
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  int64_t deleted = 0;
  for (auto it = used_tokens_.lower_bound(prefix);
       it != used_tokens_.end() && std::string_view(it->first).starts_with(prefix);) {
    if (it->second < TruncateToSeconds(before)) {
      it = used_tokens_.erase(it);
      ++deleted;
    } else {
      ++it;
    }
  }
  return deleted;
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
  if (!token_id.empty()) used_tokens_.emplace(token_id, TruncateToSeconds(clock_->Now()));
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

// ---- Settings.

Result<std::string> MemoryStore::GetOrCreateSetting(std::string_view name,
                                                    std::string_view value_if_absent) {
  CAIRN_RETURN_IF_ERROR(CheckBytes("setting name", name, kMaxSettingNameLength));
  if (value_if_absent.size() > kMaxSettingValueSize) {
    return InvalidArgumentError("setting value is larger than " +
                                std::to_string(kMaxSettingValueSize) + " bytes");
  }
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = settings_.find(name);
  if (it == settings_.end()) it = settings_.emplace(name, value_if_absent).first;
  return it->second;
}

// ---- ACME accounts.

Status MemoryStore::CreateAcmeAccount(const AcmeAccountRecord& account,
                                      std::string_view eab_key_id) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeAccountRecord(account));
  if (!eab_key_id.empty()) {
    CAIRN_RETURN_IF_ERROR(ValidateAcmeId(eab_key_id).Annotate("external account key id"));
  }
  AcmeAccountRecord stored = account;
  stored.version = 1;
  stored.created_at = TruncateToSeconds(clock_->Now());
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  if (acme_accounts_.count(account.id)) {
    return AlreadyExistsError("account " + account.id + " already exists");
  }
  Pair key{account.provisioner, account.key_id};
  if (acme_account_keys_.count(key)) return AlreadyExistsError("account key already registered");
  AcmeEabKeyRecord* eab = nullptr;
  if (!eab_key_id.empty()) {
    auto it = acme_eab_keys_.find(Pair{account.provisioner, std::string(eab_key_id)});
    if (it == acme_eab_keys_.end()) return NotFoundError("external account key not found");
    if (!it->second.account_id.empty()) {
      return FailedPreconditionError("external account key already bound");
    }
    eab = &it->second;
  }
  if (eab) {
    eab->account_id = account.id;
    eab->bound_at = stored.created_at;
  }
  acme_account_keys_.emplace(std::move(key), account.id);
  acme_accounts_.emplace(account.id, std::move(stored));
  return Status();
}

Result<std::optional<AcmeAccountRecord>> MemoryStore::GetAcmeAccount(std::string_view id) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = acme_accounts_.find(id);
  if (it == acme_accounts_.end()) return std::optional<AcmeAccountRecord>();
  return std::optional<AcmeAccountRecord>(it->second);
}

Result<std::optional<AcmeAccountRecord>> MemoryStore::GetAcmeAccountByKey(
    std::string_view provisioner, std::string_view key_id) {
  CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
  CAIRN_RETURN_IF_ERROR(CheckBytes("key_id", key_id, kMaxAcmeKeyIdLength));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto k = acme_account_keys_.find(Pair{std::string(provisioner), std::string(key_id)});
  if (k == acme_account_keys_.end()) return std::optional<AcmeAccountRecord>();
  return std::optional<AcmeAccountRecord>(acme_accounts_.at(k->second));
}

Status MemoryStore::UpdateAcmeAccount(const AcmeAccountRecord& account) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeAccountRecord(account));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = acme_accounts_.find(account.id);
  if (it == acme_accounts_.end()) return NotFoundError("account not found");
  AcmeAccountRecord& cur = it->second;
  if (cur.version != account.version) return AbortedError("concurrent update");
  if (account.key_id != cur.key_id) {
    Pair new_key{cur.provisioner, account.key_id};
    if (acme_account_keys_.count(new_key)) {
      return AlreadyExistsError("account key already registered");
    }
    acme_account_keys_.erase(Pair{cur.provisioner, cur.key_id});
    acme_account_keys_.emplace(std::move(new_key), cur.id);
  }
  cur.key_id = account.key_id;
  cur.doc = account.doc;
  cur.version++;
  return Status();
}

// ---- ACME orders.

Status MemoryStore::CreateAcmeOrder(const AcmeOrderRecord& order,
                                    const std::vector<AcmeAuthzRecord>& authzs) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeOrderRecord(order));
  CAIRN_RETURN_IF_ERROR(CheckAuthzsOfOrder(order, authzs));
  const Time now = TruncateToSeconds(clock_->Now());
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  if (!acme_accounts_.count(order.account_id)) return NotFoundError("account not found");
  if (acme_orders_.count(order.id)) {
    return AlreadyExistsError("order " + order.id + " already exists");
  }
  std::set<std::string_view> ids;
  for (const AcmeAuthzRecord& a : authzs) {
    if (acme_authzs_.count(a.id) || !ids.insert(a.id).second) {
      return AlreadyExistsError("authorization " + a.id + " already exists");
    }
  }
  for (const AcmeAuthzRecord& a : authzs) {
    AcmeAuthzRecord stored = a;
    stored.version = 1;
    stored.created_at = now;
    stored.expires_at = TruncateToSeconds(a.expires_at);
    acme_authzs_by_order_.emplace(a.order_id, a.id);
    acme_authzs_.emplace(a.id, std::move(stored));
  }
  AcmeOrderRecord stored = order;
  stored.version = 1;
  stored.created_at = now;
  stored.expires_at = TruncateToSeconds(order.expires_at);
  acme_orders_by_account_.emplace(order.account_id, order.id);
  acme_orders_.emplace(order.id, std::move(stored));
  return Status();
}

Result<std::optional<AcmeOrderRecord>> MemoryStore::GetAcmeOrder(std::string_view id) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = acme_orders_.find(id);
  if (it == acme_orders_.end()) return std::optional<AcmeOrderRecord>();
  return std::optional<AcmeOrderRecord>(it->second);
}

Result<std::vector<AcmeOrderRecord>> MemoryStore::ListAcmeOrders(std::string_view account_id,
                                                                 std::string_view cursor,
                                                                 int limit) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(account_id));
  CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
  const size_t n = static_cast<size_t>(ClampListLimit(limit));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  std::vector<AcmeOrderRecord> out;
  for (auto it = acme_orders_by_account_.upper_bound(Pair{account_id, cursor});
       it != acme_orders_by_account_.end() && it->first == account_id && out.size() < n; ++it) {
    out.push_back(acme_orders_.at(it->second));
  }
  return out;
}

Status MemoryStore::CheckOrderUpdateLocked(const AcmeOrderRecord& order) const {
  auto it = acme_orders_.find(order.id);
  if (it == acme_orders_.end()) return NotFoundError("order not found");
  if (it->second.version != order.version) return AbortedError("concurrent update");
  return Status();
}

void MemoryStore::UpdateOrderLocked(const AcmeOrderRecord& order) {
  AcmeOrderRecord& cur = acme_orders_.at(order.id);
  cur.doc = order.doc;
  cur.expires_at = TruncateToSeconds(order.expires_at);
  cur.version++;
}

Status MemoryStore::UpdateAcmeOrder(const AcmeOrderRecord& order) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeOrderRecord(order));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  CAIRN_RETURN_IF_ERROR(CheckOrderUpdateLocked(order));
  UpdateOrderLocked(order);
  return Status();
}

Status MemoryStore::FinalizeAcmeOrder(const AcmeOrderRecord& order, const CertificateRecord& cert) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeOrderRecord(order));
  CAIRN_RETURN_IF_ERROR(ValidateCertificateRecord(cert));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  CAIRN_RETURN_IF_ERROR(CheckOrderUpdateLocked(order));
  CAIRN_RETURN_IF_ERROR(CheckCertificateLocked(cert, ""));
  UpdateOrderLocked(order);
  InsertCertificateLocked(cert, "");
  return Status();
}

// ---- ACME authorizations.

Result<std::optional<AcmeAuthzRecord>> MemoryStore::GetAcmeAuthz(std::string_view id) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = acme_authzs_.find(id);
  if (it == acme_authzs_.end()) return std::optional<AcmeAuthzRecord>();
  return std::optional<AcmeAuthzRecord>(it->second);
}

Result<std::vector<AcmeAuthzRecord>> MemoryStore::ListAcmeAuthzsOfOrder(std::string_view order_id) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(order_id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  std::vector<AcmeAuthzRecord> out;
  for (auto it = acme_authzs_by_order_.lower_bound(Pair{order_id, ""});
       it != acme_authzs_by_order_.end() && it->first == order_id &&
       out.size() < kMaxAcmeAuthzsPerOrder;
       ++it) {
    out.push_back(acme_authzs_.at(it->second));
  }
  return out;
}

Status MemoryStore::UpdateAcmeAuthz(const AcmeAuthzRecord& authz) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeAuthzRecord(authz));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = acme_authzs_.find(authz.id);
  if (it == acme_authzs_.end()) return NotFoundError("authorization not found");
  AcmeAuthzRecord& cur = it->second;
  if (cur.version != authz.version) return AbortedError("concurrent update");
  cur.doc = authz.doc;
  cur.expires_at = TruncateToSeconds(authz.expires_at);
  cur.version++;
  return Status();
}

// ---- ACME external account binding keys.

Status MemoryStore::CreateAcmeEabKey(const AcmeEabKeyRecord& key) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeEabKeyRecord(key));
  if (!key.account_id.empty() || key.bound_at != Time{}) {
    return InvalidArgumentError("a new external account key must not be bound");
  }
  AcmeEabKeyRecord stored = key;
  stored.created_at = TruncateToSeconds(clock_->Now());
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  Pair id{key.provisioner, key.id};
  if (acme_eab_keys_.count(id)) {
    return AlreadyExistsError("external account key " + key.id + " already exists");
  }
  Pair reference{key.provisioner, key.reference};
  if (!key.reference.empty() && acme_eab_references_.count(reference)) {
    return AlreadyExistsError("an external account key with this reference already exists");
  }
  if (!key.reference.empty()) acme_eab_references_.insert(std::move(reference));
  acme_eab_keys_.emplace(std::move(id), std::move(stored));
  return Status();
}

Result<std::optional<AcmeEabKeyRecord>> MemoryStore::GetAcmeEabKey(std::string_view provisioner,
                                                                   std::string_view id) {
  CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = acme_eab_keys_.find(Pair{provisioner, id});
  if (it == acme_eab_keys_.end()) return std::optional<AcmeEabKeyRecord>();
  return std::optional<AcmeEabKeyRecord>(it->second);
}

Result<std::vector<AcmeEabKeyRecord>> MemoryStore::ListAcmeEabKeys(std::string_view provisioner,
                                                                   std::string_view cursor,
                                                                   int limit) {
  CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
  CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
  const size_t n = static_cast<size_t>(ClampListLimit(limit));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  std::vector<AcmeEabKeyRecord> out;
  for (auto it = acme_eab_keys_.upper_bound(Pair{provisioner, cursor});
       it != acme_eab_keys_.end() && it->first.first == provisioner && out.size() < n; ++it) {
    out.push_back(it->second);
  }
  return out;
}

Status MemoryStore::DeleteAcmeEabKey(std::string_view provisioner, std::string_view id) {
  CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = acme_eab_keys_.find(Pair{provisioner, id});
  if (it == acme_eab_keys_.end()) return NotFoundError("external account key not found");
  if (!it->second.reference.empty()) {
    acme_eab_references_.erase(Pair{it->second.provisioner, it->second.reference});
  }
  acme_eab_keys_.erase(it);
  return Status();
}

// ---- SSH certificates.

Status MemoryStore::RecordSshCertificate(const SshCertificateRecord& cert,
                                         std::string_view token_id) {
  CAIRN_RETURN_IF_ERROR(ValidateSshCertificateRecord(cert));
  if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  if (!token_id.empty() && used_tokens_.count(token_id)) {
    return AlreadyExistsError("token already used");
  }
  if (ssh_certs_.count(cert.serial)) {
    return AlreadyExistsError("SSH certificate with serial " + cert.serial + " already exists");
  }
  SshCertificateRecord stored = cert;
  stored.issued_at = TruncateToSeconds(cert.issued_at);
  if (!token_id.empty()) used_tokens_.emplace(token_id, TruncateToSeconds(clock_->Now()));
  if (stored.type == 2) {
    for (const std::string& p : stored.principals) {
      ssh_hosts_[Pair{SshHostKey(p), stored.serial}] = stored.valid_before;
    }
  }
  ssh_certs_.emplace(stored.serial, std::move(stored));
  return Status();
}

Result<bool> MemoryStore::HasSshHost(std::string_view principal) {
  CAIRN_RETURN_IF_ERROR(ValidateSshHostPrincipal(principal));
  const std::string key = SshHostKey(principal);
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = ssh_hosts_.lower_bound(Pair{key, ""});
  return it != ssh_hosts_.end() && it->first.first == key;
}

Result<std::optional<SshHostRecord>> MemoryStore::GetSshHost(std::string_view principal, Time now) {
  CAIRN_RETURN_IF_ERROR(ValidateSshHostPrincipal(principal));
  const std::string key = SshHostKey(principal);
  const int64_t now_s = ToUnixSeconds(now);
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  std::optional<SshHostRecord> best;
  for (auto it = ssh_hosts_.lower_bound(Pair{key, ""});
       it != ssh_hosts_.end() && it->first.first == key; ++it) {
    const uint64_t vb = it->second;
    if (now_s >= 0 && vb <= static_cast<uint64_t>(now_s)) continue;
    if (ssh_revoked_.count(it->first.second)) continue;
    if (!best || vb > best->valid_before) {
      best = SshHostRecord{.principal = key, .serial = it->first.second, .valid_before = vb};
    }
  }
  return best;
}

Result<std::vector<std::string>> MemoryStore::ListSshHosts(Time now, std::string_view cursor,
                                                           int limit) {
  if (cursor.size() > kMaxTextField) return InvalidArgumentError("host cursor is too long");
  const size_t max = static_cast<size_t>(ClampListLimit(limit));
  const int64_t now_s = ToUnixSeconds(now);
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  std::vector<std::string> out;
  // Entries sort by principal, then serial: the first principal after the cursor is at the
  // bound of (cursor + '\0').
  for (auto it = ssh_hosts_.lower_bound(Pair{std::string(cursor) + '\0', ""});
       it != ssh_hosts_.end() && out.size() < max; ++it) {
    const std::string& principal = it->first.first;
    if (principal <= cursor) continue;
    if (!out.empty() && out.back() == principal) continue;
    if (now_s >= 0 && it->second <= static_cast<uint64_t>(now_s)) continue;
    if (ssh_revoked_.count(it->first.second)) continue;
    out.push_back(principal);
  }
  return out;
}

Result<std::optional<SshCertificateRecord>> MemoryStore::GetSshCertificate(
    std::string_view serial) {
  CAIRN_RETURN_IF_ERROR(ValidateSerial(serial));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = ssh_certs_.find(serial);
  if (it == ssh_certs_.end()) return std::optional<SshCertificateRecord>();
  return std::optional<SshCertificateRecord>(it->second);
}

Result<std::vector<SshCertificateRecord>> MemoryStore::ListSshCertificates(std::string_view cursor,
                                                                           int limit) {
  CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  return ListAfter(ssh_certs_, cursor, limit);
}

Status MemoryStore::RevokeSsh(const RevocationRecord& rec, std::string_view token_id) {
  CAIRN_RETURN_IF_ERROR(ValidateRevocationRecord(rec));
  if (!token_id.empty()) CAIRN_RETURN_IF_ERROR(ValidateTokenId(token_id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  if (!token_id.empty() && used_tokens_.count(token_id)) {
    return AlreadyExistsError("token already used");
  }
  if (ssh_revoked_.count(rec.serial)) return AlreadyExistsError("certificate already revoked");
  RevocationRecord stored = rec;
  stored.revoked_at = TruncateToSeconds(rec.revoked_at);
  stored.expires_at = TruncateToSeconds(rec.expires_at);
  stored.mtls = false;
  stored.acme = false;
  if (!token_id.empty()) used_tokens_.emplace(token_id, TruncateToSeconds(clock_->Now()));
  ssh_revoked_.emplace(stored.serial, std::move(stored));
  return Status();
}

Result<std::optional<RevocationRecord>> MemoryStore::GetSshRevocation(std::string_view serial) {
  CAIRN_RETURN_IF_ERROR(ValidateSerial(serial));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = ssh_revoked_.find(serial);
  if (it == ssh_revoked_.end()) return std::optional<RevocationRecord>();
  return std::optional<RevocationRecord>(it->second);
}

Result<std::vector<RevocationRecord>> MemoryStore::ListSshRevocations(std::string_view cursor,
                                                                      int limit) {
  CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  return ListAfter(ssh_revoked_, cursor, limit);
}

// ---- Revocations by time, counters.

Result<std::vector<RevocationRecord>> MemoryStore::ListRevocationsSince(Time since,
                                                                        std::string_view cursor,
                                                                        int limit) {
  CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
  const size_t n = static_cast<size_t>(ClampListLimit(limit));
  const int64_t since_s = ToUnixSeconds(since);
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  // A scan: the in-memory store serves tests and configurations without a database.
  std::vector<const RevocationRecord*> hits;
  for (const auto& [serial, rec] : revoked_) {
    const int64_t at = ToUnixSeconds(rec.revoked_at);
    if (at > since_s || (at == since_s && serial > cursor)) hits.push_back(&rec);
  }
  std::sort(hits.begin(), hits.end(), [](const RevocationRecord* a, const RevocationRecord* b) {
    return std::pair(a->revoked_at, a->serial) < std::pair(b->revoked_at, b->serial);
  });
  std::vector<RevocationRecord> out;
  for (size_t i = 0; i < hits.size() && i < n; ++i) out.push_back(*hits[i]);
  return out;
}

Result<int64_t> MemoryStore::IncrementCounter(std::string_view name) {
  CAIRN_RETURN_IF_ERROR(CheckBytes("counter name", name, kMaxCounterNameLength));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = counters_.find(name);
  if (it == counters_.end()) it = counters_.emplace(std::string(name), 0).first;
  return ++it->second;
}

// ---- Admins.

Status MemoryStore::CreateAdmin(const AdminRecord& admin) {
  CAIRN_RETURN_IF_ERROR(ValidateAdminRecord(admin));
  AdminRecord stored = admin;
  stored.created_at = TruncateToSeconds(clock_->Now());
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  if (admins_.count(admin.id)) return AlreadyExistsError("admin " + admin.id + " already exists");
  Pair subject{admin.provisioner, admin.subject};
  if (admin_subjects_.count(subject)) {
    return AlreadyExistsError("admin with subject \"" + admin.subject + "\" and provisioner \"" +
                              admin.provisioner + "\" already exists");
  }
  admin_subjects_.insert(std::move(subject));
  admins_.emplace(admin.id, std::move(stored));
  return Status();
}

Result<std::optional<AdminRecord>> MemoryStore::GetAdmin(std::string_view id) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = admins_.find(id);
  if (it == admins_.end()) return std::optional<AdminRecord>();
  return std::optional<AdminRecord>(it->second);
}

Result<std::optional<AdminRecord>> MemoryStore::FindAdmin(std::string_view provisioner,
                                                          std::string_view subject) {
  CAIRN_RETURN_IF_ERROR(CheckBytes("provisioner", provisioner, kMaxAcmeProvisionerLength));
  CAIRN_RETURN_IF_ERROR(CheckBytes("subject", subject, kMaxAdminSubjectLength));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  for (const auto& [id, a] : admins_) {
    if (a.provisioner == provisioner && a.subject == subject) {
      return std::optional<AdminRecord>(a);
    }
  }
  return std::optional<AdminRecord>();
}

Result<std::vector<AdminRecord>> MemoryStore::ListAdmins(std::string_view cursor, int limit) {
  CAIRN_RETURN_IF_ERROR(ValidateListCursor(cursor));
  const size_t n = static_cast<size_t>(ClampListLimit(limit));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  std::vector<AdminRecord> out;
  for (auto it = admins_.upper_bound(cursor); it != admins_.end() && out.size() < n; ++it) {
    out.push_back(it->second);
  }
  return out;
}

Status MemoryStore::UpdateAdminType(std::string_view id, AdminType type) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
  if (type != AdminType::kAdmin && type != AdminType::kSuperAdmin) {
    return InvalidArgumentError("admin type must be ADMIN or SUPER_ADMIN");
  }
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = admins_.find(id);
  if (it == admins_.end()) return NotFoundError("admin not found");
  it->second.type = type;
  return Status();
}

Status MemoryStore::DeleteAdmin(std::string_view id) {
  CAIRN_RETURN_IF_ERROR(ValidateAcmeId(id));
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(CheckOpenLocked());
  auto it = admins_.find(id);
  if (it == admins_.end()) return NotFoundError("admin not found");
  admin_subjects_.erase(Pair{it->second.provisioner, it->second.subject});
  admins_.erase(it);
  return Status();
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

#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "base/clock.h"
#include "store/store.h"

namespace cairn::store {

// MemoryStore keeps everything in process memory behind one mutex. It is what the CA uses when
// ca.json has no `db` block (as step-ca then does: replay protection only while the process
// runs, nothing survives a restart) and what tests use. It behaves exactly like the persistent
// backends, including second-precision times and the single-transaction semantics (a failed
// call changes nothing). Thread-safe.
class MemoryStore final : public Store {
 public:
  // MemoryStore stamps inventory items' updated_at with `clock` (nullptr: the system clock;
  // not owned, must outlive the store).
  explicit MemoryStore(const Clock* clock = nullptr)
      : clock_(clock ? clock : &SystemClock::Default()) {}

  Status RecordCertificate(const CertificateRecord& cert, std::string_view token_id) override;
  Status UseToken(std::string_view token_id) override;
  Result<std::optional<CertificateRecord>> GetCertificate(std::string_view serial) override;
  Status Revoke(const RevocationRecord& rec, std::string_view token_id) override;
  Result<std::optional<RevocationRecord>> GetRevocation(std::string_view serial) override;
  Result<std::vector<CertificateRecord>> ListCertificates(std::string_view cursor,
                                                          int limit) override;
  Result<std::vector<RevocationRecord>> ListRevocations(std::string_view cursor,
                                                        int limit) override;
  Status PutInventoryItem(const InventoryItem& item) override;
  Status PutInventoryItems(std::string_view inventory, const std::vector<InventoryItem>& items,
                           bool replace_inventory) override;
  Status DeleteInventoryItem(std::string_view inventory, std::string_view key) override;
  Result<std::optional<InventoryItem>> GetInventoryItem(std::string_view inventory,
                                                        std::string_view key) override;
  Result<std::vector<InventoryItem>> ListInventoryItems(std::string_view inventory,
                                                        std::string_view cursor,
                                                        int limit) override;
  Result<std::vector<std::string>> ListInventories() override;
  Status CheckIntegrity() override;
  Status Close() override;

 private:
  Status CheckOpenLocked() const;

  using Inventory = std::map<std::string, InventoryItem, std::less<>>;

  const Clock* const clock_;
  std::mutex mu_;
  bool closed_ = false;                                           // guarded by mu_
  std::map<std::string, CertificateRecord, std::less<>> certs_;   // guarded by mu_
  std::map<std::string, RevocationRecord, std::less<>> revoked_;  // guarded by mu_
  std::set<std::string, std::less<>> used_tokens_;                // guarded by mu_
  // inventories_ holds only inventories with at least one item.
  std::map<std::string, Inventory, std::less<>> inventories_;  // guarded by mu_
};

// NewMemoryStore returns an empty MemoryStore.
std::unique_ptr<Store> NewMemoryStore();

}  // namespace cairn::store

#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

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
  Result<int64_t> PurgeUsedTokens(std::string_view prefix, Time before) override;
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

  Result<std::string> GetOrCreateSetting(std::string_view name,
                                         std::string_view value_if_absent) override;

  Status CreateAcmeAccount(const AcmeAccountRecord& account, std::string_view eab_key_id) override;
  Result<std::optional<AcmeAccountRecord>> GetAcmeAccount(std::string_view id) override;
  Result<std::optional<AcmeAccountRecord>> GetAcmeAccountByKey(std::string_view provisioner,
                                                               std::string_view key_id) override;
  Status UpdateAcmeAccount(const AcmeAccountRecord& account) override;
  Status CreateAcmeOrder(const AcmeOrderRecord& order,
                         const std::vector<AcmeAuthzRecord>& authzs) override;
  Result<std::optional<AcmeOrderRecord>> GetAcmeOrder(std::string_view id) override;
  Result<std::vector<AcmeOrderRecord>> ListAcmeOrders(std::string_view account_id,
                                                      std::string_view cursor, int limit) override;
  Status UpdateAcmeOrder(const AcmeOrderRecord& order) override;
  Status FinalizeAcmeOrder(const AcmeOrderRecord& order, const CertificateRecord& cert) override;
  Result<std::optional<AcmeAuthzRecord>> GetAcmeAuthz(std::string_view id) override;
  Result<std::vector<AcmeAuthzRecord>> ListAcmeAuthzsOfOrder(std::string_view order_id) override;
  Status UpdateAcmeAuthz(const AcmeAuthzRecord& authz) override;
  Status CreateAcmeEabKey(const AcmeEabKeyRecord& key) override;
  Result<std::optional<AcmeEabKeyRecord>> GetAcmeEabKey(std::string_view provisioner,
                                                        std::string_view id) override;
  Result<std::vector<AcmeEabKeyRecord>> ListAcmeEabKeys(std::string_view provisioner,
                                                        std::string_view cursor,
                                                        int limit) override;
  Status DeleteAcmeEabKey(std::string_view provisioner, std::string_view id) override;

  Status RecordSshCertificate(const SshCertificateRecord& cert, std::string_view token_id) override;
  Result<std::optional<SshCertificateRecord>> GetSshCertificate(std::string_view serial) override;
  Result<std::vector<SshCertificateRecord>> ListSshCertificates(std::string_view cursor,
                                                                int limit) override;
  Status RevokeSsh(const RevocationRecord& rec, std::string_view token_id) override;
  Result<std::optional<RevocationRecord>> GetSshRevocation(std::string_view serial) override;
  Result<std::vector<RevocationRecord>> ListSshRevocations(std::string_view cursor,
                                                           int limit) override;
  Result<bool> HasSshHost(std::string_view principal) override;
  Result<std::optional<SshHostRecord>> GetSshHost(std::string_view principal, Time now) override;
  Result<std::vector<std::string>> ListSshHosts(Time now, std::string_view cursor,
                                                int limit) override;
  Result<std::vector<RevocationRecord>> ListRevocationsSince(Time since, std::string_view cursor,
                                                             int limit) override;
  Result<int64_t> IncrementCounter(std::string_view name) override;
  Status CreateAdmin(const AdminRecord& admin) override;
  Result<std::optional<AdminRecord>> GetAdmin(std::string_view id) override;
  Result<std::optional<AdminRecord>> FindAdmin(std::string_view provisioner,
                                               std::string_view subject) override;
  Result<std::vector<AdminRecord>> ListAdmins(std::string_view cursor, int limit) override;
  Status UpdateAdminType(std::string_view id, AdminType type) override;
  Status DeleteAdmin(std::string_view id) override;

  Status CheckIntegrity() override;
  Status Close() override;

 private:
  Status CheckOpenLocked() const;
  // CheckCertificateLocked / InsertCertificateLocked are RecordCertificate's check and write,
  // shared with FinalizeAcmeOrder. REQUIRES: mu_ held, `cert` valid.
  Status CheckCertificateLocked(const CertificateRecord& cert, std::string_view token_id) const;
  void InsertCertificateLocked(const CertificateRecord& cert, std::string_view token_id);
  // CheckOrderUpdateLocked checks that `order` exists with the same version (kNotFound,
  // kAborted). REQUIRES: mu_ held.
  Status CheckOrderUpdateLocked(const AcmeOrderRecord& order) const;
  void UpdateOrderLocked(const AcmeOrderRecord& order);

  using Inventory = std::map<std::string, InventoryItem, std::less<>>;

  const Clock* const clock_;
  std::mutex mu_;
  bool closed_ = false;                                           // guarded by mu_
  std::map<std::string, CertificateRecord, std::less<>> certs_;   // guarded by mu_
  std::map<std::string, RevocationRecord, std::less<>> revoked_;  // guarded by mu_
  std::map<std::string, Time, std::less<>> used_tokens_;          // id -> used at; guarded by mu_
  // inventories_ holds only inventories with at least one item.
  std::map<std::string, Inventory, std::less<>> inventories_;  // guarded by mu_

  // A pair of strings: (provisioner, key_id), (account_id, order id), (order_id, authz id),
  // (provisioner, EAB key id), (provisioner, reference).
  using Pair = std::pair<std::string, std::string>;
  std::map<std::string, std::string, std::less<>> settings_;             // guarded by mu_
  std::map<std::string, AcmeAccountRecord, std::less<>> acme_accounts_;  // guarded by mu_
  std::map<Pair, std::string> acme_account_keys_;  // -> account id; guarded by mu_
  std::map<std::string, AcmeOrderRecord, std::less<>> acme_orders_;  // guarded by mu_
  std::set<Pair> acme_orders_by_account_;                            // guarded by mu_
  std::map<std::string, AcmeAuthzRecord, std::less<>> acme_authzs_;  // guarded by mu_
  std::set<Pair> acme_authzs_by_order_;                              // guarded by mu_
  std::map<Pair, AcmeEabKeyRecord> acme_eab_keys_;                   // guarded by mu_
  std::set<Pair> acme_eab_references_;  // non-empty references only; guarded by mu_
  std::map<std::string, SshCertificateRecord, std::less<>> ssh_certs_;  // guarded by mu_
  std::map<std::string, RevocationRecord, std::less<>> ssh_revoked_;    // guarded by mu_
  std::map<std::string, int64_t, std::less<>> counters_;                // guarded by mu_
  std::map<std::string, AdminRecord, std::less<>> admins_;              // guarded by mu_
  std::set<Pair> admin_subjects_;  // (provisioner, subject); guarded by mu_
  // ssh_hosts_ is the host index: (lower-cased principal, serial) -> valid_before.
  std::map<Pair, uint64_t> ssh_hosts_;  // guarded by mu_
};

// NewMemoryStore returns an empty MemoryStore.
std::unique_ptr<Store> NewMemoryStore();

}  // namespace cairn::store

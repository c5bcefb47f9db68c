#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "store/store.h"

namespace cairn::store {

// MemoryStore keeps everything in process memory behind one mutex. It is what the CA uses when
// ca.json has no `db` block (as step-ca then does: replay protection only while the process
// runs, nothing survives a restart) and what tests use. It behaves exactly like the persistent
// backends, including second-precision times and the single-transaction semantics (a failed
// call changes nothing). Thread-safe.
class MemoryStore final : public Store {
 public:
  MemoryStore() = default;

  Status RecordCertificate(const CertificateRecord& cert, std::string_view token_id) override;
  Status UseToken(std::string_view token_id) override;
  Result<std::optional<CertificateRecord>> GetCertificate(std::string_view serial) override;
  Status Revoke(const RevocationRecord& rec, std::string_view token_id) override;
  Result<std::optional<RevocationRecord>> GetRevocation(std::string_view serial) override;
  Result<std::vector<CertificateRecord>> ListCertificates(std::string_view cursor,
                                                          int limit) override;
  Result<std::vector<RevocationRecord>> ListRevocations(std::string_view cursor,
                                                        int limit) override;
  Status CheckIntegrity() override;
  Status Close() override;

 private:
  Status CheckOpenLocked() const;

  std::mutex mu_;
  bool closed_ = false;                                           // guarded by mu_
  std::map<std::string, CertificateRecord, std::less<>> certs_;   // guarded by mu_
  std::map<std::string, RevocationRecord, std::less<>> revoked_;  // guarded by mu_
  std::set<std::string, std::less<>> used_tokens_;                // guarded by mu_
};

// NewMemoryStore returns an empty MemoryStore.
std::unique_ptr<Store> NewMemoryStore();

}  // namespace cairn::store

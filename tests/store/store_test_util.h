#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store/store.h"
#include "testing/fakes.h"

namespace cairn::store::testing {

// TempDir is a fresh directory under the test temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "cairn_store_XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// MakeCert builds a record whose fields all derive from `serial` (times are whole seconds).
inline CertificateRecord MakeCert(const std::string& serial) {
  CertificateRecord c;
  c.serial = serial;
  c.der = std::string("\x30\x82\x01\x00", 4) + "der-of-" + serial + std::string(1, '\0') + "x";
  c.provisioner_id = "admin:IMi94WBNI6gP5cNHXlZYNUzvMjGdHyBRmFoo-lCEaqk";
  c.provisioner_name = "admin";
  c.provisioner_type = "JWK";
  c.subject = "CN=host-" + serial + ".example.com";
  c.sans = {"host-" + serial + ".example.com", "10.0.0.1", "spiffe://example.com/x"};
  c.not_before = FromUnixSeconds(1767225600);
  c.not_after = FromUnixSeconds(1767225600 + 86400);
  c.issued_at = FromUnixSeconds(1767225660);
  return c;
}

inline RevocationRecord MakeRevocation(const std::string& serial) {
  RevocationRecord r;
  r.serial = serial;
  r.provisioner_id = "admin:IMi94WBNI6gP5cNHXlZYNUzvMjGdHyBRmFoo-lCEaqk";
  r.reason_code = 1;
  r.reason = "key compromise";
  r.revoked_at = FromUnixSeconds(1767229200);
  r.expires_at = FromUnixSeconds(1767225600 + 86400);
  r.token_id = "jti-revoke-" + serial;
  r.mtls = false;
  r.acme = true;
  return r;
}

}  // namespace cairn::store::testing

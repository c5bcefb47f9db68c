#pragma once

// The system trust store of Debian-like systems, as `step certificate install|uninstall` (and
// `step ca bootstrap --install`) use it: a root certificate is copied as PEM to
// /usr/local/share/ca-certificates/<name>.crt and `update-ca-certificates` rebuilds
// /etc/ssl/certs. <name> is the prefix (default: the certificate's common name and a space)
// followed by the decimal serial number, with spaces replaced by underscores, as step's
// truststore package names it.
//
// Environment (so tests and containers need not touch the machine's store):
//   CAIRN_TRUST_DIR              replaces the store directory. When it is set, no update command
//                                runs unless CAIRN_TRUST_UPDATE_COMMAND is set too.
//   CAIRN_TRUST_UPDATE_COMMAND   replaces the update command (split on spaces, run without a
//                                shell); an empty value runs nothing.

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pki/certificate.h"

namespace cairn::client {

// TrustStoreOptions says where and how a root is (un)installed. Empty fields take the defaults
// described above.
struct TrustStoreOptions {
  // prefix names the file; empty means "<common name> ", or "Cairn Development CA " when the
  // certificate has no common name.
  std::string prefix;
  // directory is the store directory; empty means $CAIRN_TRUST_DIR, else
  // /usr/local/share/ca-certificates.
  std::string directory;
  // update_command is run after the change (argv, no shell). When `use_default_command` is
  // true the command comes from the environment/default instead.
  std::vector<std::string> update_command;
  bool use_default_command = true;
};

// kDefaultTrustDir is the Debian directory for locally added CA certificates.
inline constexpr std::string_view kDefaultTrustDir = "/usr/local/share/ca-certificates";

// TrustStoreFilePath returns the path of the file InstallRoot writes for `cert`.
std::string TrustStoreFilePath(const pki::Certificate& cert, const TrustStoreOptions& options = {});

// InstallRoot writes `cert` (PEM, mode 0644) into the store and runs the update command.
// Fails with kFailedPrecondition when `cert` is not a CA certificate, kNotFound when the store
// directory does not exist ("install is not supported on this system"), kPermissionDenied when
// it cannot be written (run as root), kInternal when the update command fails (its output is in
// the message). Not thread-safe with respect to other writers of the store.
Status InstallRoot(const pki::Certificate& cert, const TrustStoreOptions& options = {});

// UninstallRoot removes the file InstallRoot would write for `cert` (no error if it is absent)
// and runs the update command. Fails as InstallRoot.
Status UninstallRoot(const pki::Certificate& cert, const TrustStoreOptions& options = {});

// IsRootInstalled reports whether the store holds the file InstallRoot writes for `cert` with
// the same certificate in it.
bool IsRootInstalled(const pki::Certificate& cert, const TrustStoreOptions& options = {});

}  // namespace cairn::client

#pragma once

// Helpers for tests that check interoperability with OpenSSH's ssh-keygen (installed from
// Debian's openssh-client): key generation in a temporary directory and command runs with
// TZ=UTC so printed times are comparable. Test-only.

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "crypto/key.h"
#include "crypto/openssl_cli_for_test.h"

namespace cairn::ssh::testing {

using ::cairn::testing::CommandResult;
using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;

// KeyCase describes one supported key type: its test name, how crypto generates it, how
// ssh-keygen generates it, and what ssh-keygen -L calls it.
struct KeyCase {
  std::string name;              // "ed25519", "p256", ...
  crypto::KeySpec spec;          // for crypto::PrivateKey::Generate
  std::string keygen_args;       // "-t ed25519", "-t ecdsa -b 256", ...
  std::string ssh_type;          // "ssh-ed25519", ...
  std::string keygen_type;       // "ED25519", "ECDSA", "RSA" (sshkey_type)
  std::string signature_format;  // default signature format as CA
};

// PrintTo makes gtest print a KeyCase parameter by name.
inline void PrintTo(const KeyCase& kc, std::ostream* os) { *os << kc.name; }

inline const std::vector<KeyCase>& AllKeyCases() {
  static const std::vector<KeyCase> cases = {
      {"ed25519",
       {crypto::KeyType::kEd25519},
       "-t ed25519",
       "ssh-ed25519",
       "ED25519",
       "ssh-ed25519"},
      {"p256",
       {crypto::KeyType::kEcP256},
       "-t ecdsa -b 256",
       "ecdsa-sha2-nistp256",
       "ECDSA",
       "ecdsa-sha2-nistp256"},
      {"p384",
       {crypto::KeyType::kEcP384},
       "-t ecdsa -b 384",
       "ecdsa-sha2-nistp384",
       "ECDSA",
       "ecdsa-sha2-nistp384"},
      {"p521",
       {crypto::KeyType::kEcP521},
       "-t ecdsa -b 521",
       "ecdsa-sha2-nistp521",
       "ECDSA",
       "ecdsa-sha2-nistp521"},
      {"rsa2048",
       {crypto::KeyType::kRsa, 2048},
       "-t rsa -b 2048",
       "ssh-rsa",
       "RSA",
       "rsa-sha2-512"},
  };
  return cases;
}

// KeyFor returns a private key of the case's type, generated once per process and `slot` (RSA
// generation is the slow part) and shared by every test; different slots give different keys.
// Not thread-safe (gtest runs tests serially).
inline const crypto::PrivateKey& KeyFor(const KeyCase& kc, int slot = 0) {
  static auto* keys = new std::map<std::string, crypto::PrivateKey>();
  const std::string id = kc.name + "/" + std::to_string(slot);
  auto it = keys->find(id);
  if (it == keys->end()) {
    it = keys->emplace(id, crypto::PrivateKey::Generate(kc.spec).value()).first;
  }
  return it->second;
}

// SshKeygen runs `ssh-keygen <args>` with TZ=UTC and returns its exit code and output.
inline CommandResult SshKeygen(const std::string& args) {
  return RunCommand("TZ=UTC ssh-keygen " + args + " </dev/null");
}

// GenerateWithSshKeygen makes an unencrypted key pair `dir/name` (+ .pub) with ssh-keygen and
// returns the .pub line ("" and a test failure when ssh-keygen fails).
inline std::string GenerateWithSshKeygen(const TempDir& dir, const std::string& name,
                                         const KeyCase& kc, const std::string& comment) {
  CommandResult r =
      SshKeygen("-q " + kc.keygen_args + " -N '' -C '" + comment + "' -f " + dir.File(name));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return dir.Read(name + ".pub");
}

}  // namespace cairn::ssh::testing

#pragma once

// The SSH CA the authority's SSH tests run against: a root and intermediate on disk, SSH user
// and host CA keys (ca.json's ssh block), one JWK provisioner "admin" with enableSSHCA, and an
// Authority over a MemoryStore, a FakeClock and a FakeRandom.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "authority/authority.h"
#include "base/log.h"
#include "crypto/key.h"
#include "crypto/openssl_cli_for_test.h"
#include "jose/jwk.h"
#include "ssh/key.h"
#include "store/memory_store.h"
#include "testing/fakes.h"

namespace cairn::authority {

class SshCaTest : public ::testing::Test {
 protected:
  // SetUp writes the CA and builds authority_ from config_json_. A test class may set
  // host_ca_spec_ in its constructor, or change config_json_ and call Rebuild().
  void SetUp() override;

  // Rebuild creates authority_ from config_json_ (a failure fails the test).
  void Rebuild();
  // TryRebuild creates an authority from config_json_ and returns it, or why not.
  Result<std::unique_ptr<Authority>> TryRebuild();
  // Path is `name` inside the CA's directory.
  std::string Path(const std::string& name) const { return dir_.File(name); }
  // JwkToken is a token of the "admin" provisioner for `sub` and `aud` (iat/nbf now, five
  // minutes, a fresh jti), with "step": `step` when it is not null.
  std::string JwkToken(const std::string& sub, const std::string& aud,
                       nlohmann::json step = nullptr);

  crypto::KeySpec host_ca_spec_;  // the SSH host CA key's type (P-256 by default)
  ::cairn::testing::TempDir dir_;
  ::cairn::testing::FakeClock clock_;
  ::cairn::testing::FakeRandom random_;
  store::MemoryStore store_{&clock_};
  NullLogger log_;
  jose::Jwk prov_key_;
  nlohmann::json config_json_;
  std::unique_ptr<Authority> authority_;
  std::optional<crypto::PrivateKey> user_ca_key_, host_ca_key_;
  std::optional<ssh::PublicKey> user_ca_, host_ca_;
};

}  // namespace cairn::authority

#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "config/config.h"
#include "provisioner/provisioner.h"
#include "provisioner/sshpop/sshpop_provisioner.h"
#include "templates/funcs.h"

namespace cairn::provisioner {

// Collection is the immutable set of provisioners an authority serves, with the lookups
// step-ca's provisioner.Collection offers. Built once per configuration (a reload builds a new
// one). Thread-safe for concurrent reads.
class Collection {
 public:
  // Build creates every provisioner of `config`. Types Cairn does not implement yet are kept as
  // "Uninitialized" entries that are listed with a stateReason and refuse tokens, as step-ca
  // does for provisioners that failed to initialise; unknown types are skipped. Fails with
  // kInvalidArgument on a broken provisioner or duplicate names/ids.
  // `home` resolves relative template files; `funcs` feeds the templates' time and randomness;
  // `ssh_keys` are the SSH CA keys SSHPOP provisioners verify certificates with.
  static Result<std::unique_ptr<Collection>> Build(const config::CaConfig& config, Logger& log,
                                                   const std::string& home = std::string(),
                                                   const templates::FuncEnv& funcs = {},
                                                   const SshCaKeys& ssh_keys = {});

  // LoadByToken finds the provisioner a token names (stepca.md §2.2) given its unverified
  // header and claims. Returns nullptr when none matches.
  const Provisioner* LoadByToken(const nlohmann::json& header, const nlohmann::json& claims) const;
  // LoadByName returns the provisioner named `name`, or nullptr.
  const Provisioner* LoadByName(std::string_view name) const;
  // LoadById returns the provisioner whose id() is `id`, or nullptr.
  const Provisioner* LoadById(std::string_view id) const;
  // LoadByKid returns the JWK provisioner whose key id is `kid` and that has an encryptedKey.
  const Provisioner* LoadByEncryptedKeyId(std::string_view kid) const;
  // LoadByExtension returns the provisioner named in a certificate's provisioner extension.
  const Provisioner* LoadByExtension(const pki::ProvisionerExtension& ext) const;

  // Find returns up to `limit` entries (default 20, at most 100) after `cursor`, and the next
  // cursor ("" at the end), with step-ca's ordering and cursor format.
  struct Entry {
    const Provisioner* provisioner;      // null for an uninitialized entry
    const nlohmann::ordered_json* json;  // what /provisioners lists
  };
  std::pair<std::vector<Entry>, std::string> Find(std::string_view cursor, int limit) const;

  const Audiences& audiences() const { return audiences_; }
  size_t size() const { return sorted_.size(); }

 private:
  Collection() = default;
  const Provisioner* LoadByTokenId(std::string_view token_id) const;

  struct Sorted {
    std::string uid;
    Entry entry;
  };
  std::vector<std::unique_ptr<Provisioner>> owned_;
  std::vector<std::unique_ptr<nlohmann::ordered_json>> uninitialized_;
  std::vector<Sorted> sorted_;
  std::map<std::string, const Provisioner*, std::less<>> by_id_, by_name_, by_token_id_,
      by_encrypted_kid_;
  Audiences audiences_;
  std::vector<std::string> all_audiences_;  // audiences_.All(), which every token is matched to
};

}  // namespace cairn::provisioner

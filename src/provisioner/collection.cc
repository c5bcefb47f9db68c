#include "provisioner/collection.h"

#include <algorithm>
#include <cstdio>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "provisioner/acme/acme_provisioner.h"
#include "provisioner/jwk/jwk_provisioner.h"
#include "provisioner/options.h"
#include "provisioner/sshpop/sshpop_provisioner.h"

namespace cairn::provisioner {
namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;

// Types step-ca knows that Cairn does not serve yet; they are listed as uninitialized.
bool IsKnownStepType(std::string_view type) {
  for (std::string_view t : {"oidc", "x5c", "k8ssa", "scep", "aws", "gcp", "azure", "nebula"}) {
    if (EqualsIgnoreCase(type, t)) return true;
  }
  return false;
}

// SortKey is step-ca's order key: SHA-1 of the id with the first four bytes replaced by the
// big-endian insertion index, as 40 hex characters.
std::string SortKey(std::string_view id, uint32_t index) {
  std::string sum = crypto::Sha1(id);
  sum[0] = static_cast<char>((index >> 24) & 0xff);
  sum[1] = static_cast<char>((index >> 16) & 0xff);
  sum[2] = static_cast<char>((index >> 8) & 0xff);
  sum[3] = static_cast<char>(index & 0xff);
  return HexEncode(sum);
}

}  // namespace

Result<std::unique_ptr<Collection>> Collection::Build(const config::CaConfig& config, Logger& log,
                                                      const std::string& home,
                                                      const templates::FuncEnv& funcs,
                                                      const SshCaKeys& ssh_keys) {
  auto c = std::unique_ptr<Collection>(new Collection());
  c->audiences_ = Audiences::FromDnsNames(config.dns_names);
  c->all_audiences_ = c->audiences_.All();
  uint32_t index = 0;
  for (const config::ProvisionerConfig& pc : config.provisioners) {
    Result<std::unique_ptr<Provisioner>> p = std::unique_ptr<Provisioner>();
    if (EqualsIgnoreCase(pc.type, "jwk")) {
      auto jwk = JwkProvisioner::Create(pc, config.authority_claims);
      if (!jwk.ok()) return jwk.status();
      p = std::unique_ptr<Provisioner>(std::move(jwk).value());
    } else if (EqualsIgnoreCase(pc.type, "acme")) {
      auto acme = AcmeProvisioner::Create(pc, config.authority_claims);
      if (!acme.ok()) return acme.status();
      p = std::unique_ptr<Provisioner>(std::move(acme).value());
    } else if (EqualsIgnoreCase(pc.type, "sshpop")) {
      auto sshpop = SshPopProvisioner::Create(pc, config.authority_claims, ssh_keys);
      if (!sshpop.ok()) return sshpop.status();
      p = std::unique_ptr<Provisioner>(std::move(sshpop).value());
    }
    if (*p != nullptr) {
      CAIRN_ASSIGN_OR_RETURN(auto options, ParseOptions(pc.raw, pc.name, home, funcs));
      (*p)->set_options(std::move(options));
      const Provisioner* raw = p->get();
      std::string id = raw->id();
      if (!c->by_id_.emplace(id, raw).second) {
        return InvalidArgumentError("cannot add multiple provisioners with the same id: " + id);
      }
      if (!c->by_name_.emplace(raw->name(), raw).second) {
        return InvalidArgumentError("cannot add multiple provisioners with the same name: " +
                                    raw->name());
      }
      if (!c->by_token_id_.emplace(raw->token_lookup_id(), raw).second) {
        return InvalidArgumentError(
            "cannot add multiple provisioners with the same token identifier: " +
            raw->token_lookup_id());
      }
      if (auto ek = raw->encrypted_key()) c->by_encrypted_kid_.emplace(ek->first, raw);
      c->sorted_.push_back({SortKey(id, index++), {raw, &raw->config_json()}});
      c->owned_.push_back(std::move(p).value());
    } else if (IsKnownStepType(pc.type)) {
      auto json = std::make_unique<nlohmann::ordered_json>(pc.raw);
      (*json)["state"] = "Uninitialized";
      (*json)["stateReason"] = "provisioner type " + pc.type + " is not supported by this version";
      log.Warn("provisioner not served", {{"provisioner", pc.name}, {"type", pc.type}});
      c->sorted_.push_back({SortKey(pc.type + "/" + pc.name, index++), {nullptr, json.get()}});
      c->uninitialized_.push_back(std::move(json));
    } else {
      log.Warn("unknown provisioner type skipped", {{"provisioner", pc.name}, {"type", pc.type}});
    }
  }
  std::sort(c->sorted_.begin(), c->sorted_.end(),
            [](const Sorted& a, const Sorted& b) { return a.uid < b.uid; });
  return c;
}

const Provisioner* Collection::LoadByTokenId(std::string_view token_id) const {
  auto it = by_token_id_.find(token_id);
  return it == by_token_id_.end() ? nullptr : it->second;
}

const Provisioner* Collection::LoadByToken(const nlohmann::json& header,
                                           const nlohmann::json& claims) const {
  std::vector<std::string> aud = StringList(claims.value("aud", nlohmann::json()));
  std::string fragment = ExtractFragment(aud);
  const bool matches = fragment.empty()
                           ? MatchesAudience(aud, all_audiences_)
                           : MatchesAudience(aud, audiences_.WithFragment(fragment).All());
  if (matches) {
    if (!fragment.empty()) return LoadByTokenId(fragment);
    std::string iss = claims.value("iss", nlohmann::json("")).is_string()
                          ? claims.value("iss", std::string())
                          : std::string();
    std::string kid = header.value("kid", nlohmann::json("")).is_string()
                          ? header.value("kid", std::string())
                          : std::string();
    return LoadByTokenId(iss + ":" + kid);
  }
  // Tokens for foreign audiences (OIDC, K8sSA, Azure) arrive with the providers that use them.
  return nullptr;
}

const Provisioner* Collection::LoadByName(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const Provisioner* Collection::LoadById(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

const Provisioner* Collection::LoadByEncryptedKeyId(std::string_view kid) const {
  auto it = by_encrypted_kid_.find(kid);
  return it == by_encrypted_kid_.end() ? nullptr : it->second;
}

const Provisioner* Collection::LoadByExtension(const pki::ProvisionerExtension& ext) const {
  const Provisioner* p = LoadByName(ext.name);
  if (p == nullptr || static_cast<int>(p->type()) != ext.type) return nullptr;
  // A JWK provisioner is identified by name and key id together.
  if (p->type() == Type::kJwk && p->credential_id() != ext.credential_id) return nullptr;
  return p;
}

std::pair<std::vector<Collection::Entry>, std::string> Collection::Find(std::string_view cursor,
                                                                        int limit) const {
  if (limit <= 0) limit = kDefaultLimit;
  if (limit > kMaxLimit) limit = kMaxLimit;
  // step-ca left-pads the cursor with zeros to 40 characters before comparing.
  std::string padded(cursor);
  if (padded.size() < 40) padded.insert(0, 40 - padded.size(), '0');
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), padded,
                             [](const Sorted& s, const std::string& c) { return s.uid < c; });
  std::vector<Entry> out;
  for (; it != sorted_.end() && static_cast<int>(out.size()) < limit; ++it) {
    out.push_back(it->entry);
  }
  std::string next;
  if (it != sorted_.end()) {
    next = it->uid;
    next.erase(0, std::min(next.find_first_not_of('0'), next.size()));
  }
  return {std::move(out), std::move(next)};
}

}  // namespace cairn::provisioner

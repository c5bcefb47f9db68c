// The SSH host inventory and client configuration (stepca.md §1.5; step-ca's
// authority/ssh.go CheckSSHHost, GetSSHHosts, GetSSHBastion, GetSSHConfig, GetSSHRoots and
// GetSSHFederation, and templates/templates.go).

#include <algorithm>
#include <string>
#include <vector>

#include "authority/authority.h"
#include "authority/internal/sign_util.h"
#include "base/file.h"
#include "base/strings.h"
#include "config/ssh_templates.h"
#include "crypto/key.h"
#include "jose/jwk.h"
#include "templates/funcs.h"
#include "templates/template.h"

namespace cairn::authority {
namespace {

using internal::BadRequest;

// kMaxTemplateFile bounds a template file read from $STEPPATH.
constexpr size_t kMaxTemplateFile = 1 << 20;
// kSshTemplateVersionKey is the data key step (v0.18.0 and later) sends with its version.
constexpr std::string_view kSshTemplateVersionKey = "StepSSHTemplateVersion";

// FindMember looks `name` up in a JSON object as Go's encoding/json does: an exact match
// first, else a case-insensitive one.
const nlohmann::json* FindMember(const nlohmann::json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(name)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (EqualsIgnoreCase(it.key(), name)) return &*it;
  }
  return nullptr;
}

std::string MemberString(const nlohmann::json& obj, std::string_view name) {
  const nlohmann::json* v = FindMember(obj, name);
  if (v == nullptr) return "";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return v->dump();
  return "";
}

// KeyValue is an SSH public key as the templates see it: Go's ssh.PublicKey has methods
// Type() and Marshal(), which text/template calls as .Type and .Marshal; our engine reads
// map keys, so the key is a map with both (Marshal the wire blob, a string of bytes).
templates::Value KeyValue(const ssh::PublicKey& key) {
  templates::Map m;
  m["Type"] = templates::Value::String(key.type());
  m["Marshal"] = templates::Value::String(key.Marshal());
  return templates::Value::MakeMap(std::move(m));
}

templates::Value KeyList(const std::vector<ssh::PublicKey>& keys) {
  templates::List l;
  for (const auto& k : keys) l.push_back(KeyValue(k));
  return templates::Value::MakeList(std::move(l));
}

Result<ssh::PublicKey> SshKeyFromJwk(const nlohmann::json& jwk_json) {
  auto jwk = jose::Jwk::FromJson(jwk_json);
  if (!jwk.ok()) return InvalidArgumentError("ssh.keys: " + jwk.status().message());
  if (jwk->is_symmetric()) return InvalidArgumentError("ssh.keys: a key must be a public key");
  if (jwk->is_private()) {
    return InvalidArgumentError("ssh.keys: invalid key type, it must be a public key");
  }
  CAIRN_ASSIGN_OR_RETURN(auto pkey, jwk->ToPkey());
  auto key = ssh::PublicKey::FromCrypto(crypto::PublicKey::Wrap(std::move(pkey)));
  if (!key.ok()) return InvalidArgumentError("ssh.keys: " + key.status().message());
  return key;
}

}  // namespace

// SshHostsState: the ssh.keys by kind, and each configuration template parsed (or why not).
struct Authority::SshHostsState {
  Status keys_status;
  std::vector<ssh::PublicKey> user_keys, host_keys;            // not federated
  std::vector<ssh::PublicKey> user_federated, host_federated;  // federated
  struct Loaded {
    config::SshTemplateConfig config;
    Status status;  // loading or parsing failed
    templates::Template parsed;
  };
  std::vector<Loaded> user_templates, host_templates;
};

Status Authority::LoadSshHosts() {
  {
    auto st = std::make_shared<SshHostsState>();
    if (config_.ssh) {
      for (const config::SshKeyConfig& k : config_.ssh->keys) {
        auto key = SshKeyFromJwk(k.key);
        if (!key.ok()) {
          st->keys_status = key.status();
          break;
        }
        const bool host = k.type == "host";
        if (!host && k.type != "user") {
          st->keys_status = InvalidArgumentError("ssh.keys: unsupported type " + k.type);
          break;
        }
        auto& list = host ? (k.federated ? st->host_federated : st->host_keys)
                          : (k.federated ? st->user_federated : st->user_keys);
        list.push_back(std::move(key).value());
      }
    }
    // ca.json without a `templates` block gets step's defaults (step-ca's DefaultTemplates).
    const bool has_block = config_.raw.is_object() && config_.raw.contains("templates") &&
                           !config_.raw["templates"].is_null();
    auto load = [&](std::vector<config::SshTemplateConfig> list,
                    std::vector<SshHostsState::Loaded>* out) {
      templates::FuncEnv fenv{.clock = &env_.clock, .random = &env_.random};
      for (config::SshTemplateConfig& c : list) {
        SshHostsState::Loaded l;
        std::string text = c.content;
        if (!c.template_path.empty()) {
          if (c.comment.empty()) c.comment = "#";
          auto file =
              ReadFile(config::ResolvePath(options_.home, c.template_path), kMaxTemplateFile);
          if (!file.ok()) {
            l.status = file.status().Annotate("error reading " + c.template_path);
          } else {
            text = std::move(file).value();
          }
        }
        // templates.go backfill: an unchanged default sshd_config.tpl requires its keys.
        if (EqualsIgnoreCase(c.name, "sshd_config.tpl") && c.requires_keys.empty() &&
            Trim(text) == Trim(config::kDefaultSshdConfigTemplate)) {
          c.requires_keys = {"Certificate", "Key"};
        }
        if (l.status.ok() && c.type != "directory") {
          auto parsed = templates::Template::Parse(c.name, text, templates::StepFuncMap(fenv));
          if (parsed.ok()) {
            l.parsed = std::move(parsed).value();
          } else {
            l.status = parsed.status().Annotate("error parsing template " + c.name);
          }
        }
        l.config = std::move(c);
        out->push_back(std::move(l));
      }
    };
    load(has_block ? config_.templates.ssh_user : config::DefaultSshUserTemplates(),
         &st->user_templates);
    load(has_block ? config_.templates.ssh_host : config::DefaultSshHostTemplates(),
         &st->host_templates);
    // A broken ssh.keys entry or configuration template fails the start, as in step-ca.
    CAIRN_RETURN_IF_ERROR(st->keys_status);
    for (const auto* list : {&st->user_templates, &st->host_templates}) {
      for (const SshHostsState::Loaded& l : *list) {
        if (!l.status.ok()) return l.status.Annotate("ca.json: templates.ssh");
      }
    }
    ssh_hosts_ = std::move(st);
  }
  return Status();
}

const Authority::SshHostsState& Authority::SshHostsData() const { return *ssh_hosts_; }

Result<Authority::SshKeys> Authority::SshRootKeys() const {
  const SshHostsState& st = SshHostsData();
  CAIRN_RETURN_IF_ERROR(st.keys_status);
  SshKeys out;
  if (ssh_user_public_) out.user_keys.push_back(*ssh_user_public_);
  if (ssh_host_public_) out.host_keys.push_back(*ssh_host_public_);
  out.user_keys.insert(out.user_keys.end(), st.user_keys.begin(), st.user_keys.end());
  out.host_keys.insert(out.host_keys.end(), st.host_keys.begin(), st.host_keys.end());
  return out;
}

Result<Authority::SshKeys> Authority::SshFederationKeys() const {
  const SshHostsState& st = SshHostsData();
  CAIRN_RETURN_IF_ERROR(st.keys_status);
  SshKeys out;
  if (ssh_user_public_) out.user_keys.push_back(*ssh_user_public_);
  if (ssh_host_public_) out.host_keys.push_back(*ssh_host_public_);
  out.user_keys.insert(out.user_keys.end(), st.user_federated.begin(), st.user_federated.end());
  out.host_keys.insert(out.host_keys.end(), st.host_federated.begin(), st.host_federated.end());
  return out;
}

Result<bool> Authority::CheckSshHost(std::string_view principal, std::string_view token) const {
  // step-ca passes the token only to an injected check (sshCheckHostFunc); its own lookup, like
  // this one, ignores it.
  (void)token;
  if (principal.empty()) return BadRequest("missing or empty principal");
  if (Status s = store::ValidateSshHostPrincipal(principal); !s.ok()) {
    return BadRequest(s.message());
  }
  return env_.store.HasSshHost(principal);
}

Result<std::vector<std::string>> Authority::GetSshHosts() const {
  if (config_.disable_get_ssh_hosts) {
    std::string msg = "ssh hosts list api disabled";
    return NotFoundError(msg).WithPublicMessage(msg);
  }
  const Time now = env_.clock.Now();
  std::vector<std::string> out;
  std::string cursor;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(auto page, env_.store.ListSshHosts(now, cursor, store::kMaxListLimit));
    if (out.size() + page.size() > kMaxSshHosts) {
      return ResourceExhaustedError("more than " + std::to_string(kMaxSshHosts) + " SSH hosts");
    }
    out.insert(out.end(), page.begin(), page.end());
    if (page.size() < static_cast<size_t>(store::kMaxListLimit)) break;
    cursor = out.back();
  }
  return out;
}

Result<std::optional<Authority::SshBastion>> Authority::GetSshBastion(
    std::string_view user, std::string_view hostname) const {
  (void)user;  // step-ca's own lookup does not depend on the user either
  if (hostname.empty()) return BadRequest("missing or empty hostname");
  if (!config_.ssh) {
    std::string msg = "ssh is not configured";
    return NotFoundError(msg).WithPublicMessage(msg);
  }
  const nlohmann::json& b = config_.ssh->bastion;
  if (!b.is_object()) return std::optional<SshBastion>();
  SshBastion out{.hostname = MemberString(b, "hostname"),
                 .user = MemberString(b, "user"),
                 .port = MemberString(b, "port"),
                 .cmd = MemberString(b, "cmd"),
                 .flags = MemberString(b, "flags")};
  // No bastion for the bastion itself (by name only: resolving names would depend on the CA's
  // network, as step-ca notes).
  if (out.hostname.empty() || EqualsIgnoreCase(hostname, out.hostname)) {
    return std::optional<SshBastion>();
  }
  return std::optional<SshBastion>(std::move(out));
}

Result<std::vector<Authority::SshConfigOutput>> Authority::GetSshConfig(
    std::string_view type, const std::map<std::string, std::string>& data) const {
  if (!ssh_user_public_ && !ssh_host_public_) {
    std::string msg = "ssh is not configured";
    return NotFoundError(msg).WithPublicMessage(msg);
  }
  if (type != "user" && type != "host") {
    return BadRequest("invalid certificate type '" + std::string(type) + "'");
  }
  if (data.size() > kMaxSshConfigData) {
    return BadRequest("too many data entries (at most " + std::to_string(kMaxSshConfigData) + ")");
  }
  size_t bytes = 0;
  for (const auto& [k, v] : data) bytes += k.size() + v.size();
  if (bytes > kMaxSshConfigDataBytes) {
    return BadRequest("data too large (at most " + std::to_string(kMaxSshConfigDataBytes) +
                      " bytes)");
  }
  const SshHostsState& st = SshHostsData();
  CAIRN_RETURN_IF_ERROR(st.keys_status);

  // The data: templates.data at the top level, the request's as .User (only when it has
  // some, as step-ca merges), and .Step.SSH (templates.Step).
  templates::Map top;
  if (config_.templates.data.is_object()) {
    for (auto it = config_.templates.data.begin(); it != config_.templates.data.end(); ++it) {
      top[it.key()] = templates::Value::FromJson(it.value());
    }
  }
  if (!data.empty()) {
    templates::Map user;
    for (const auto& [k, v] : data) user[k] = templates::Value::String(v);
    top["User"] = templates::Value::MakeMap(std::move(user));
  }
  templates::Map ssh_vars;
  ssh_vars["HostKey"] = ssh_host_public_ ? KeyValue(*ssh_host_public_) : templates::Value();
  ssh_vars["UserKey"] = ssh_user_public_ ? KeyValue(*ssh_user_public_) : templates::Value();
  ssh_vars["HostFederatedKeys"] = KeyList(st.host_federated);
  ssh_vars["UserFederatedKeys"] = KeyList(st.user_federated);
  templates::Map step;
  step["SSH"] = templates::Value::MakeMap(std::move(ssh_vars));
  top["Step"] = templates::Value::MakeMap(std::move(step));
  const templates::Value value = templates::Value::MakeMap(std::move(top));

  const auto& list = type == "user" ? st.user_templates : st.host_templates;
  std::vector<SshConfigOutput> out;
  for (const SshHostsState::Loaded& l : list) {
    // A template that could not be loaded is the CA's problem (step-ca answers 500).
    if (!l.status.ok()) return InternalError(l.status.message());
    for (const std::string& key : l.config.requires_keys) {
      if (!data.count(key)) {
        return BadRequest("required variable '" + key +
                          "' is missing, please use `--set <key=value>` flag");
      }
    }
    SshConfigOutput o{.name = l.config.name,
                      .type = l.config.type,
                      .path = l.config.path,
                      .comment = l.config.comment,
                      .content = std::nullopt};
    if (l.config.type != "directory") {
      auto text = l.parsed.Execute(value);
      if (!text.ok()) {
        return InternalError("error executing " + l.config.name + ": " + text.status().message());
      }
      o.content = std::move(text).value();
    }
    // Clients older than step v0.18.0 send no template version: they expect the includes file
    // as a plain file relative to $STEPPATH.
    if (o.name == "step_includes.tpl") {
      auto v = data.find(std::string(kSshTemplateVersionKey));
      if (v == data.end() || v->second.empty()) {
        o.type = "file";
        if (o.path.starts_with("${STEPPATH}/")) o.path = o.path.substr(12);
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace cairn::authority

// The authority's side of the administration API (stepca.md §12): the first super admin, admin
// tokens, admins and the ACME EAB keys the API hands out.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "authority/authority.h"
#include "base/encoding.h"
#include "crypto/digest.h"
#include "http/uuid.h"
#include "jose/jws.h"
#include "jose/jwt.h"
#include "pki/verify.h"
#include "provisioner/acme/acme_provisioner.h"
#include "provisioner/audiences.h"

namespace cairn::authority {
namespace {

// kAdminIssuer is the issuer of the tokens step's admin client makes; older clients used the
// provisioner's name.
constexpr std::string_view kAdminIssuer = "step-admin-client/1.0";
// kFirstAdminSubject is the subject of the super admin a fresh admin database gets.
constexpr std::string_view kFirstAdminSubject = "step";
// kMaxX5cCertificates bounds the chain of an admin token.
constexpr size_t kMaxX5cCertificates = 8;
// kMaxEabReference bounds an EAB key's reference, as step-ca's API does.
constexpr size_t kMaxEabReference = 256;

Status Unauthorized(std::string why) {
  std::string msg = "admin token: " + why;
  return UnauthenticatedError(msg).WithPublicMessage(msg);
}

std::vector<std::string> StringOrArray(const nlohmann::json& claims, const char* name) {
  std::vector<std::string> out;
  auto it = claims.find(name);
  if (it == claims.end()) return out;
  if (it->is_string()) out.push_back(it->get<std::string>());
  if (it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

// SuperAdminCount counts the super admins, stopping at two (all callers need to know is
// whether one would remain).
Result<int> SuperAdminCount(store::Store& st) {
  int n = 0;
  std::string cursor;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(auto page, st.ListAdmins(cursor, store::kMaxListLimit));
    for (const auto& a : page) {
      if (a.type == store::AdminType::kSuperAdmin && ++n >= 2) return n;
    }
    if (page.size() < static_cast<size_t>(store::kMaxListLimit)) return n;
    cursor = page.back().id;
  }
}

}  // namespace

Status Authority::EnsureFirstAdmin() {
  if (!admin_enabled()) return Status();
  CAIRN_ASSIGN_OR_RETURN(auto existing, env_.store.ListAdmins("", 1));
  if (!existing.empty()) return Status();
  const provisioner::Provisioner* first_jwk = nullptr;
  for (const auto& pc : config_.provisioners) {
    const auto* p = provisioners_->LoadByName(pc.name);
    if (p != nullptr && p->type() == provisioner::Type::kJwk) {
      first_jwk = p;
      break;
    }
  }
  if (first_jwk == nullptr) {
    env_.log.Warn(
        "admin API enabled but no JWK provisioner to bind the first super admin to; "
        "no admin created");
    return Status();
  }
  store::AdminRecord admin;
  admin.id = http::NewUuidV4(env_.random);
  admin.provisioner = first_jwk->name();
  admin.subject = std::string(kFirstAdminSubject);
  admin.type = store::AdminType::kSuperAdmin;
  Status s = env_.store.CreateAdmin(admin);
  if (s.code() == StatusCode::kAlreadyExists) return Status();  // another process came first
  CAIRN_RETURN_IF_ERROR(s);
  env_.log.Info("created the first super admin",
                {{"subject", admin.subject}, {"provisioner", admin.provisioner}});
  return Status();
}

Result<store::AdminRecord> Authority::AuthorizeAdminToken(std::string_view token,
                                                          std::string_view method,
                                                          std::string_view path) {
  if (token.empty()) return Unauthorized("missing authorization header token");
  auto jws = jose::ParseCompact(token);
  if (!jws.ok()) return Unauthorized("error parsing x5c token: " + jws.status().message());
  auto x5c = jws->header.find("x5c");
  if (x5c == jws->header.end() || !x5c->is_array() || x5c->empty() ||
      x5c->size() > kMaxX5cCertificates) {
    return Unauthorized("missing or malformed x5c header");
  }
  std::vector<pki::Certificate> chain;
  for (const auto& entry : *x5c) {
    if (!entry.is_string()) return Unauthorized("malformed x5c header");
    auto der = Base64Decode(entry.get<std::string>());
    if (!der.ok()) return Unauthorized("malformed x5c header");
    auto cert = pki::Certificate::FromDer(*der);
    if (!cert.ok()) return Unauthorized("malformed certificate in the x5c header");
    chain.push_back(std::move(cert).value());
  }
  const pki::Certificate& leaf = chain.front();
  std::vector<pki::Certificate> untrusted(chain.begin() + 1, chain.end());
  pki::VerifyOptions vopts;
  vopts.at = env_.clock.Now();
  vopts.purpose = pki::VerifyOptions::Purpose::kClientAuth;
  if (Status s = pki::VerifyChain(leaf, untrusted, roots_, vopts); !s.ok()) {
    return Unauthorized("error verifying x5c certificate chain in token: " + s.message());
  }
  if ((leaf.key_usage() & pki::kDigitalSignature) == 0) {
    return Unauthorized("certificate used to sign x5c token cannot be used for digital signature");
  }
  static constexpr std::string_view kAlgs[] = {"ES256", "ES384", "ES512", "RS256", "RS384",
                                               "RS512", "PS256", "PS384", "PS512", "EdDSA"};
  if (Status s = jose::VerifyWithPkey(*jws, leaf.public_key().get(), kAlgs); !s.ok()) {
    return Unauthorized("error parsing x5c claims: " + s.message());
  }
  auto parsed_claims = jose::ParseClaims(*jws);
  if (!parsed_claims.ok()) return Unauthorized("error parsing x5c claims");
  const nlohmann::json& claims = parsed_claims->json();
  const provisioner::Provisioner* p = ProvisionerFor(leaf);
  if (p == nullptr) return Unauthorized("the x5c certificate was not issued by a provisioner");
  if (Status s = jose::ValidateTime(claims, env_.clock.Now(), std::chrono::minutes(1)); !s.ok()) {
    return Unauthorized("invalid x5c claims: " + s.message());
  }
  // Audience: this request's path on any of the CA's names, or the bare path.
  std::vector<std::string> accepted;
  for (const std::string& name : config_.dns_names) {
    const bool v6 = name.find(':') != std::string::npos;
    accepted.push_back("https://" + (v6 ? "[" + name + "]" : name) + std::string(path));
  }
  accepted.emplace_back(path);
  if (!provisioner::MatchesAudience(StringOrArray(claims, "aud"), accepted)) {
    return Unauthorized("x5c token has invalid audience claim (aud)");
  }
  const std::string iss = claims.value("iss", nlohmann::json("")).is_string()
                              ? claims.value("iss", std::string())
                              : std::string();
  if (iss != kAdminIssuer && iss != p->name()) {
    return Unauthorized("x5c token has invalid issuer claim (iss)");
  }
  auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() || sub->get<std::string>().empty()) {
    return Unauthorized("x5c token subject cannot be empty");
  }
  std::vector<std::string> subjects{leaf.subject_cn()};
  for (auto& n : leaf.dns_names()) subjects.push_back(std::move(n));
  for (auto& n : leaf.email_addresses()) subjects.push_back(std::move(n));
  std::optional<store::AdminRecord> admin;
  for (const std::string& s : subjects) {
    if (s.empty() || s.size() > store::kMaxAdminSubjectLength) continue;
    CAIRN_ASSIGN_OR_RETURN(admin, env_.store.FindAdmin(p->name(), s));
    if (admin) break;
  }
  if (!admin) {
    std::string names;
    for (const auto& s : subjects) names += (names.empty() ? "" : ", ") + s;
    return Unauthorized("unable to load admin with subject(s) [" + names + "] and provisioner '" +
                        p->name() + "'");
  }
  // Single use, after every other check so that a refused token cannot burn an id. The id is
  // the jti, as step-ca's reuse key for JWK-issued certificates; a token without one is known
  // by its hash.
  std::string jti = claims.value("jti", nlohmann::json("")).is_string()
                        ? claims.value("jti", std::string())
                        : std::string();
  std::string token_id =
      "admin:" + (jti.empty() ? HexEncode(crypto::Sha256(token)) : jti.substr(0, 512));
  Status used = env_.store.UseToken(token_id);
  if (used.code() == StatusCode::kAlreadyExists) {
    return Unauthorized("error with reuse token: token already used");
  }
  CAIRN_RETURN_IF_ERROR(used);
  if (path.starts_with("/admin/admins") && method != "GET" &&
      admin->type != store::AdminType::kSuperAdmin) {
    std::string msg = "must have super admin access to make this request";
    return PermissionDeniedError(msg).WithPublicMessage(msg);
  }
  return *std::move(admin);
}

Result<store::AdminRecord> Authority::CreateAdmin(std::string_view subject,
                                                  std::string_view provisioner,
                                                  store::AdminType type) {
  if (subject.empty()) {
    return InvalidArgumentError("subject cannot be empty")
        .WithPublicMessage("subject cannot be empty");
  }
  const auto* p = provisioners_->LoadByName(provisioner);
  if (p == nullptr) {
    std::string msg = "provisioner '" + std::string(provisioner) + "' not found";
    return InvalidArgumentError(msg).WithPublicMessage(msg);
  }
  store::AdminRecord admin;
  admin.id = http::NewUuidV4(env_.random);
  admin.provisioner = p->name();
  admin.subject = std::string(subject);
  admin.type = type;
  if (Status s = store::ValidateAdminRecord(admin); !s.ok()) {
    return InvalidArgumentError(s.message()).WithPublicMessage(s.message());
  }
  Status s = env_.store.CreateAdmin(admin);
  if (s.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError(s.message()).WithPublicMessage(s.message());
  }
  CAIRN_RETURN_IF_ERROR(s);
  CAIRN_ASSIGN_OR_RETURN(auto stored, env_.store.GetAdmin(admin.id));
  if (!stored) return InternalError("admin vanished after create");
  return *std::move(stored);
}

Result<store::AdminRecord> Authority::UpdateAdmin(std::string_view id, store::AdminType type) {
  CAIRN_ASSIGN_OR_RETURN(auto current, env_.store.GetAdmin(id));
  if (!current) return NotFoundError("admin not found").WithPublicMessage("admin not found");
  if (current->type == store::AdminType::kSuperAdmin && type != store::AdminType::kSuperAdmin) {
    CAIRN_ASSIGN_OR_RETURN(int supers, SuperAdminCount(env_.store));
    if (supers < 2) {
      std::string msg = "cannot change the type of the last super admin";
      return FailedPreconditionError(msg).WithPublicMessage(msg);
    }
  }
  CAIRN_RETURN_IF_ERROR(env_.store.UpdateAdminType(id, type));
  current->type = type;
  return *std::move(current);
}

Status Authority::DeleteAdmin(std::string_view id) {
  CAIRN_ASSIGN_OR_RETURN(auto current, env_.store.GetAdmin(id));
  if (!current) return NotFoundError("admin not found").WithPublicMessage("admin not found");
  if (current->type == store::AdminType::kSuperAdmin) {
    CAIRN_ASSIGN_OR_RETURN(int supers, SuperAdminCount(env_.store));
    if (supers < 2) {
      std::string msg = "cannot remove the last super admin";
      return FailedPreconditionError(msg).WithPublicMessage(msg);
    }
  }
  return env_.store.DeleteAdmin(id);
}

Result<const provisioner::Provisioner*> Authority::EabProvisioner(std::string_view name) const {
  const auto* p = provisioners_->LoadByName(name);
  if (p == nullptr) {
    std::string msg = "provisioner " + std::string(name) + " not found";
    return NotFoundError(msg).WithPublicMessage(msg);
  }
  const auto* acme = dynamic_cast<const provisioner::AcmeProvisioner*>(p);
  if (acme == nullptr) {
    std::string msg = "error getting ACME details for provisioner '" + p->name() + "'";
    return InvalidArgumentError(msg).WithPublicMessage(msg);
  }
  if (!acme->require_eab()) {
    std::string msg = "ACME EAB not enabled for provisioner '" + p->name() + "'";
    return InvalidArgumentError(msg).WithPublicMessage(msg);
  }
  return p;
}

Result<store::AcmeEabKeyRecord> Authority::CreateEabKey(std::string_view provisioner,
                                                        std::string_view reference) {
  if (reference.size() > kMaxEabReference) {
    std::string msg = "reference length " + std::to_string(reference.size()) +
                      " exceeds the maximum (" + std::to_string(kMaxEabReference) + ")";
    return InvalidArgumentError(msg).WithPublicMessage(msg);
  }
  CAIRN_ASSIGN_OR_RETURN(const provisioner::Provisioner* p, EabProvisioner(provisioner));
  store::AcmeEabKeyRecord key;
  key.provisioner = p->name();
  key.reference = std::string(reference);
  CAIRN_ASSIGN_OR_RETURN(key.id, env_.random.Alphanumeric(32));
  std::vector<uint8_t> hmac(32);
  CAIRN_RETURN_IF_ERROR(env_.random.Fill(hmac));
  key.hmac_key.assign(hmac.begin(), hmac.end());
  if (Status s = store::ValidateAcmeEabKeyRecord(key); !s.ok()) {
    return InvalidArgumentError(s.message()).WithPublicMessage(s.message());
  }
  Status s = env_.store.CreateAcmeEabKey(key);
  if (s.code() == StatusCode::kAlreadyExists) {
    std::string msg = "an ACME EAB key for provisioner '" + p->name() + "' with reference '" +
                      key.reference + "' already exists";
    return AlreadyExistsError(msg).WithPublicMessage(msg);
  }
  CAIRN_RETURN_IF_ERROR(s);
  CAIRN_ASSIGN_OR_RETURN(auto stored, env_.store.GetAcmeEabKey(key.provisioner, key.id));
  if (!stored) return InternalError("external account key vanished after create");
  return *std::move(stored);
}

}  // namespace cairn::authority

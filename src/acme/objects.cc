#include "acme/objects.h"

#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "base/duration.h"
#include "http/request.h"

namespace cairn::acme {
namespace {

// Doc reading helpers: the docs are ours, but a damaged row must fail cleanly, not throw.
std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t Int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}
bool Bool(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
Time TimeField(const nlohmann::json& j, const char* key) { return FromUnixSeconds(Int(j, key)); }
int64_t Seconds(Time t) { return ToUnixSeconds(t); }
bool IsSet(Time t) { return t != Time{}; }

Result<nlohmann::json> ParseDoc(const std::string& doc, std::string_view what,
                                std::string_view id) {
  nlohmann::json j = nlohmann::json::parse(doc, nullptr, false);
  if (!j.is_object()) {
    return InternalError("acme: stored " + std::string(what) + " " + std::string(id) +
                         " is not a JSON object");
  }
  return j;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ParseAccountKey parses an account's stored JWK. Every request signed with "kid" needs the
// account's key, and decoding a public key through OpenSSL 3 costs more than verifying the
// signature with it; so parsed keys are kept, by their exact JSON text, in a small bounded
// cache (a copy of a Jwk shares the OpenSSL key).
Result<jose::Jwk> ParseAccountKey(const nlohmann::json& key) {
  static std::mutex mu;
  static std::unordered_map<std::string, jose::Jwk> cache;  // guarded by mu
  constexpr size_t kMaxCachedKeys = 4096;
  std::string text = key.dump();
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(text);
    if (it != cache.end()) return it->second;
  }
  CAIRN_ASSIGN_OR_RETURN(jose::Jwk jwk, jose::Jwk::FromJson(key));
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= kMaxCachedKeys) cache.clear();
  cache.emplace(std::move(text), jwk);
  return jwk;
}

Identifier IdentifierFromJson(const nlohmann::json& j) {
  return Identifier{Str(j, "type"), Str(j, "value")};
}

}  // namespace

nlohmann::json IdentifierJson(const Identifier& id) {
  return nlohmann::json{{"type", id.type}, {"value", id.value}};
}

Urls::Urls(std::string_view host, std::string_view provisioner)
    : base_("https://" + std::string(host) + "/acme/" + http::PathEscape(provisioner)) {}

std::string Urls::AccountIdFromUrl(std::string_view url) const {
  const std::string prefix = base_ + "/account/";
  if (!url.starts_with(prefix)) return std::string();
  std::string_view id = url.substr(prefix.size());
  if (id.empty() || id.find('/') != std::string_view::npos) return std::string();
  return std::string(id);
}

// ---- Account.

store::AcmeAccountRecord Account::ToRecord() const {
  nlohmann::json doc{{"key", key.ToJson(false)},
                     {"status", status},
                     {"contact", contact},
                     {"termsOfServiceAgreed", terms_of_service_agreed}};
  if (!eab_key_id.empty()) doc["eabKeyId"] = eab_key_id;
  store::AcmeAccountRecord rec;
  rec.id = id;
  rec.provisioner = provisioner;
  rec.key_id = key_id();
  rec.doc = Dump(doc);
  rec.version = version;
  rec.created_at = created_at;
  return rec;
}

Result<Account> Account::FromRecord(const store::AcmeAccountRecord& rec) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json doc, ParseDoc(rec.doc, "account", rec.id));
  Account a;
  a.id = rec.id;
  a.provisioner = rec.provisioner;
  auto key = doc.find("key");
  if (key == doc.end()) return InternalError("acme: stored account " + rec.id + " has no key");
  auto jwk = ParseAccountKey(*key);
  if (!jwk.ok()) return jwk.status().Annotate("acme: stored account " + rec.id);
  a.key = std::move(jwk).value();
  a.status = Str(doc, "status");
  if (auto c = doc.find("contact"); c != doc.end() && c->is_array()) {
    for (const auto& e : *c) {
      if (e.is_string()) a.contact.push_back(e.get<std::string>());
    }
  }
  a.terms_of_service_agreed = Bool(doc, "termsOfServiceAgreed");
  a.eab_key_id = Str(doc, "eabKeyId");
  a.version = rec.version;
  a.created_at = rec.created_at;
  return a;
}

nlohmann::json Account::ToWire(const Urls& urls) const {
  nlohmann::json j{{"status", status}, {"contact", contact}, {"orders", urls.Orders(id)}};
  if (terms_of_service_agreed) j["termsOfServiceAgreed"] = true;
  return j;
}

// ---- Challenge.

nlohmann::json Challenge::ToDoc() const {
  nlohmann::json j{{"id", id}, {"type", type}, {"status", status}, {"attempts", attempts}};
  if (IsSet(validated)) j["validated"] = Seconds(validated);
  if (!error.is_null()) j["error"] = error;
  if (IsSet(lease_until)) j["leaseUntil"] = Seconds(lease_until);
  return j;
}

Result<Challenge> Challenge::FromDoc(const nlohmann::json& j) {
  if (!j.is_object()) return InternalError("acme: stored challenge is not an object");
  Challenge c;
  c.id = Str(j, "id");
  c.type = Str(j, "type");
  c.status = Str(j, "status");
  c.validated = TimeField(j, "validated");
  if (auto e = j.find("error"); e != j.end() && e->is_object()) c.error = *e;
  c.attempts = static_cast<int>(Int(j, "attempts"));
  c.lease_until = TimeField(j, "leaseUntil");
  return c;
}

// ---- Authorization.

store::AcmeAuthzRecord Authorization::ToRecord() const {
  nlohmann::json challenges_json = nlohmann::json::array();
  for (const Challenge& c : challenges) challenges_json.push_back(c.ToDoc());
  nlohmann::json doc{{"identifier", IdentifierJson(identifier)},
                     {"status", status},
                     {"wildcard", wildcard},
                     {"token", token},
                     {"challenges", std::move(challenges_json)}};
  store::AcmeAuthzRecord rec;
  rec.id = id;
  rec.account_id = account_id;
  rec.order_id = order_id;
  rec.doc = Dump(doc);
  rec.version = version;
  rec.expires_at = expires;
  rec.created_at = created_at;
  return rec;
}

Result<Authorization> Authorization::FromRecord(const store::AcmeAuthzRecord& rec) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json doc, ParseDoc(rec.doc, "authorization", rec.id));
  Authorization a;
  a.id = rec.id;
  a.account_id = rec.account_id;
  a.order_id = rec.order_id;
  if (auto i = doc.find("identifier"); i != doc.end()) a.identifier = IdentifierFromJson(*i);
  a.status = Str(doc, "status");
  a.wildcard = Bool(doc, "wildcard");
  a.token = Str(doc, "token");
  if (auto cs = doc.find("challenges"); cs != doc.end() && cs->is_array()) {
    for (const auto& c : *cs) {
      CAIRN_ASSIGN_OR_RETURN(Challenge ch, Challenge::FromDoc(c));
      a.challenges.push_back(std::move(ch));
    }
  }
  a.version = rec.version;
  a.expires = rec.expires_at;
  a.created_at = rec.created_at;
  return a;
}

nlohmann::json Authorization::ChallengeWire(const Urls& urls, const Challenge& c) const {
  // "processing" is ours: RFC 8555 §7.1.6 lets a challenge be processing.
  nlohmann::json j{
      {"type", c.type}, {"status", c.status}, {"token", token}, {"url", urls.Challenge(id, c.id)}};
  if (IsSet(c.validated)) j["validated"] = FormatRfc3339(c.validated);
  if (!c.error.is_null()) j["error"] = c.error;
  return j;
}

nlohmann::json Authorization::ToWire(const Urls& urls, Time now) const {
  std::string shown = status;
  if (status == "pending" && now >= expires) shown = "expired";
  nlohmann::json challenges_json = nlohmann::json::array();
  for (const Challenge& c : challenges) challenges_json.push_back(ChallengeWire(urls, c));
  nlohmann::json j{{"identifier", IdentifierJson(identifier)},
                   {"status", shown},
                   {"expires", FormatRfc3339(expires)},
                   {"challenges", std::move(challenges_json)}};
  if (wildcard) j["wildcard"] = true;
  return j;
}

Challenge* Authorization::FindChallenge(std::string_view challenge_id) {
  for (Challenge& c : challenges) {
    if (c.id == challenge_id) return &c;
  }
  return nullptr;
}

// ---- Order.

store::AcmeOrderRecord Order::ToRecord() const {
  nlohmann::json ids = nlohmann::json::array();
  for (const Identifier& i : identifiers) ids.push_back(IdentifierJson(i));
  nlohmann::json doc{{"status", status}, {"identifiers", std::move(ids)}, {"authzs", authz_ids}};
  if (IsSet(not_before)) doc["notBefore"] = Seconds(not_before);
  if (IsSet(not_after)) doc["notAfter"] = Seconds(not_after);
  if (!certificate_serial.empty()) doc["certificate"] = certificate_serial;
  if (!error.is_null()) doc["error"] = error;
  if (!replaces.empty()) doc["replaces"] = replaces;
  store::AcmeOrderRecord rec;
  rec.id = id;
  rec.account_id = account_id;
  rec.provisioner = provisioner;
  rec.doc = Dump(doc);
  rec.version = version;
  rec.expires_at = expires;
  rec.created_at = created_at;
  return rec;
}

Result<Order> Order::FromRecord(const store::AcmeOrderRecord& rec) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json doc, ParseDoc(rec.doc, "order", rec.id));
  Order o;
  o.id = rec.id;
  o.account_id = rec.account_id;
  o.provisioner = rec.provisioner;
  o.status = Str(doc, "status");
  if (auto ids = doc.find("identifiers"); ids != doc.end() && ids->is_array()) {
    for (const auto& i : *ids) o.identifiers.push_back(IdentifierFromJson(i));
  }
  if (auto az = doc.find("authzs"); az != doc.end() && az->is_array()) {
    for (const auto& i : *az) {
      if (i.is_string()) o.authz_ids.push_back(i.get<std::string>());
    }
  }
  o.not_before = TimeField(doc, "notBefore");
  o.not_after = TimeField(doc, "notAfter");
  o.certificate_serial = Str(doc, "certificate");
  if (auto e = doc.find("error"); e != doc.end() && e->is_object()) o.error = *e;
  o.replaces = Str(doc, "replaces");
  o.version = rec.version;
  o.expires = rec.expires_at;
  o.created_at = rec.created_at;
  return o;
}

nlohmann::json Order::ToWire(const Urls& urls) const {
  nlohmann::json ids = nlohmann::json::array();
  for (const Identifier& i : identifiers) ids.push_back(IdentifierJson(i));
  nlohmann::json authzs = nlohmann::json::array();
  for (const std::string& a : authz_ids) authzs.push_back(urls.Authz(a));
  nlohmann::json j{{"status", status},
                   {"expires", FormatRfc3339(expires)},
                   {"identifiers", std::move(ids)},
                   {"authorizations", std::move(authzs)},
                   {"finalize", urls.Finalize(id)}};
  if (IsSet(not_before)) j["notBefore"] = FormatRfc3339(not_before);
  if (IsSet(not_after)) j["notAfter"] = FormatRfc3339(not_after);
  if (status == "valid" && !certificate_serial.empty()) j["certificate"] = urls.Certificate(id);
  if (!error.is_null()) j["error"] = error;
  if (!replaces.empty()) j["replaces"] = replaces;
  return j;
}

}  // namespace cairn::acme

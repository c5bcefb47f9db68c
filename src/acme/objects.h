#pragma once

// The ACME objects (RFC 8555 §7.1) as the server keeps them, with their store codecs and their
// wire form. The store keeps each as a record with a JSON `doc` (store/acme_records.h); the
// codecs here are the only code that reads or writes those docs.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "acme/validation/challenges.h"
#include "base/clock.h"
#include "base/result.h"
#include "jose/jwk.h"
#include "store/acme_records.h"

namespace cairn::acme {

// Urls builds the URLs of one ACME provisioner's objects from the request's origin, as step-ca
// does: "https://<Host>/acme/<provisioner, path-escaped>/<kind>/<id>".
class Urls {
 public:
  Urls(std::string_view host, std::string_view provisioner);
  // base is "https://<host>/acme/<provisioner>".
  const std::string& base() const { return base_; }
  std::string Directory() const { return base_ + "/directory"; }
  std::string NewNonce() const { return base_ + "/new-nonce"; }
  std::string NewAccount() const { return base_ + "/new-account"; }
  std::string NewOrder() const { return base_ + "/new-order"; }
  std::string RevokeCert() const { return base_ + "/revoke-cert"; }
  std::string KeyChange() const { return base_ + "/key-change"; }
  std::string RenewalInfo() const { return base_ + "/renewal-info"; }
  std::string Account(std::string_view id) const { return base_ + "/account/" + std::string(id); }
  std::string Orders(std::string_view account_id) const { return Account(account_id) + "/orders"; }
  std::string Order(std::string_view id) const { return base_ + "/order/" + std::string(id); }
  std::string Finalize(std::string_view id) const { return Order(id) + "/finalize"; }
  std::string Authz(std::string_view id) const { return base_ + "/authz/" + std::string(id); }
  std::string Challenge(std::string_view authz_id, std::string_view id) const {
    return base_ + "/challenge/" + std::string(authz_id) + "/" + std::string(id);
  }
  std::string Certificate(std::string_view id) const {
    return base_ + "/certificate/" + std::string(id);
  }
  // AccountIdFromUrl returns the id of an account URL of this provisioner ("" when `url` is
  // not one).
  std::string AccountIdFromUrl(std::string_view url) const;

 private:
  std::string base_;
};

// Account is an ACME account (RFC 8555 §7.1.2).
struct Account {
  std::string id;
  std::string provisioner;
  jose::Jwk key;
  std::string status = "valid";  // valid | deactivated | revoked
  std::vector<std::string> contact;
  bool terms_of_service_agreed = false;
  std::string eab_key_id;
  int64_t version = 0;
  Time created_at{};

  // key_id is the key's JWK SHA-256 thumbprint (base64url).
  std::string key_id() const { return key.Thumbprint(); }
  store::AcmeAccountRecord ToRecord() const;
  static Result<Account> FromRecord(const store::AcmeAccountRecord& rec);
  nlohmann::json ToWire(const Urls& urls) const;
};

// Challenge is one challenge of an authorization (RFC 8555 §7.1.5, §8).
struct Challenge {
  std::string id;
  std::string type;                // http-01 | dns-01 | tls-alpn-01
  std::string status = "pending";  // pending | processing | valid | invalid
  Time validated{};
  // error is the problem document of the last failed attempt (null when none).
  nlohmann::json error;
  // attempts counts validation attempts made.
  int attempts = 0;
  // lease_until: while "processing", a validator owns the challenge until then; a later poll
  // that finds it processing with an expired lease schedules the validation again (the worker
  // was lost, e.g. the CA restarted).
  Time lease_until{};

  nlohmann::json ToDoc() const;
  static Result<Challenge> FromDoc(const nlohmann::json& j);
};

// Authorization is an ACME authorization with its challenges (RFC 8555 §7.1.4).
struct Authorization {
  std::string id;
  std::string account_id;
  std::string order_id;
  Identifier identifier;
  std::string status = "pending";  // pending | valid | invalid | deactivated | expired | revoked
  Time expires{};
  bool wildcard = false;
  // token is shared by every challenge of the authorization (as step-ca does).
  std::string token;
  std::vector<Challenge> challenges;
  int64_t version = 0;
  Time created_at{};

  store::AcmeAuthzRecord ToRecord() const;
  static Result<Authorization> FromRecord(const store::AcmeAuthzRecord& rec);
  nlohmann::json ToWire(const Urls& urls, Time now) const;
  nlohmann::json ChallengeWire(const Urls& urls, const Challenge& c) const;
  Challenge* FindChallenge(std::string_view id);
};

// Order is an ACME order (RFC 8555 §7.1.3).
struct Order {
  std::string id;
  std::string account_id;
  std::string provisioner;
  std::string status = "pending";  // pending | ready | processing | valid | invalid
  Time expires{};
  std::vector<Identifier> identifiers;
  Time not_before{};  // zero: unset
  Time not_after{};
  std::vector<std::string> authz_ids;
  // certificate_serial is the decimal serial of the issued certificate once valid.
  std::string certificate_serial;
  nlohmann::json error;
  // replaces is the ARI certificate id of the certificate this order renews (RFC 9773).
  std::string replaces;
  int64_t version = 0;
  Time created_at{};

  store::AcmeOrderRecord ToRecord() const;
  static Result<Order> FromRecord(const store::AcmeOrderRecord& rec);
  nlohmann::json ToWire(const Urls& urls) const;
};

// IdentifierJson is {"type": ..., "value": ...}.
nlohmann::json IdentifierJson(const Identifier& id);

}  // namespace cairn::acme

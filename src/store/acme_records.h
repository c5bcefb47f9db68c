#pragma once

// What the store keeps for the ACME server (RFC 8555): accounts, orders, authorizations (with
// their challenges), external account binding keys, and a few named settings (the key that
// makes ACME nonces). The store does not interpret ACME: each record has the columns it needs
// for lookups, uniqueness and atomic updates, and a `doc` (a JSON object, as text) that the acme
// module owns. Records that change (accounts, orders, authorizations) carry a version: an update
// names the version it read and fails with kAborted when another writer came first, so two CA
// processes sharing a database never overwrite each other's state changes.

#include <cstdint>
#include <string>

#include "base/clock.h"

namespace cairn::store {

// Bounds of ACME records (kInvalidArgument beyond them).
inline constexpr size_t kMaxAcmeIdLength = 64;             // ids: 1..64 of [A-Za-z0-9_-]
inline constexpr size_t kMaxAcmeDocSize = 256 * 1024;      // bytes of `doc`
inline constexpr size_t kMaxAcmeProvisionerLength = 256;   // bytes of a provisioner name
inline constexpr size_t kMaxAcmeKeyIdLength = 128;         // bytes of a key thumbprint
inline constexpr size_t kMaxAcmeAuthzsPerOrder = 100;      // authorizations created with one order
inline constexpr size_t kMaxAcmeEabKeySize = 1024;         // bytes of an EAB HMAC key
inline constexpr size_t kMaxSettingNameLength = 128;       // bytes
inline constexpr size_t kMaxSettingValueSize = 64 * 1024;  // bytes

// AcmeAccountRecord is one ACME account.
struct AcmeAccountRecord {
  // id is the account's id (the last segment of its URL): 1..kMaxAcmeIdLength of [A-Za-z0-9_-].
  std::string id;
  // provisioner is the name of the ACME provisioner the account belongs to.
  std::string provisioner;
  // key_id is the account key's JWK SHA-256 thumbprint (base64url). At most one account per
  // (provisioner, key_id): that is how newAccount finds an existing account.
  std::string key_id;
  // doc is the account's state as the acme module keeps it (a JSON object as text).
  std::string doc;
  // version is set by the store: 1 when created, one more on every update.
  int64_t version = 0;
  // created_at is set by the store on create (the value passed is ignored).
  Time created_at{};

  friend bool operator==(const AcmeAccountRecord&, const AcmeAccountRecord&) = default;
};

// AcmeOrderRecord is one ACME order.
struct AcmeOrderRecord {
  std::string id;
  // account_id is the id of the account that owns the order.
  std::string account_id;
  std::string provisioner;
  std::string doc;
  int64_t version = 0;
  // expires_at is when the order expires (kept as a column so expired orders can be purged).
  Time expires_at{};
  Time created_at{};

  friend bool operator==(const AcmeOrderRecord&, const AcmeOrderRecord&) = default;
};

// AcmeAuthzRecord is one ACME authorization with its challenges (inside `doc`).
struct AcmeAuthzRecord {
  std::string id;
  std::string account_id;
  // order_id is the order the authorization was created for.
  std::string order_id;
  std::string doc;
  int64_t version = 0;
  Time expires_at{};
  Time created_at{};

  friend bool operator==(const AcmeAuthzRecord&, const AcmeAuthzRecord&) = default;
};

// AcmeEabKeyRecord is one external account binding key (RFC 8555 §7.3.4): a key id the CA
// handed to a user together with an HMAC key. A key binds at most one account.
struct AcmeEabKeyRecord {
  // id is the EAB key id ("kid" of the inner JWS): 1..kMaxAcmeIdLength of [A-Za-z0-9_-].
  std::string id;
  // provisioner is the name of the ACME provisioner the key is for.
  std::string provisioner;
  // reference is an optional name the operator gave the key (e.g. a customer id). Unique per
  // provisioner when not empty. At most kMaxTextField bytes.
  std::string reference;
  // hmac_key is the raw HMAC key: 16..kMaxAcmeEabKeySize bytes. A secret: never log it.
  std::string hmac_key;
  // account_id is the account the key is bound to; empty while unbound.
  std::string account_id;
  // created_at is set by the store on create; bound_at when an account binds the key.
  Time created_at{};
  Time bound_at{};

  friend bool operator==(const AcmeEabKeyRecord&, const AcmeEabKeyRecord&) = default;
};

}  // namespace cairn::store

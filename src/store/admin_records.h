#pragma once

// What the store keeps for the administration API (stepca.md §12): the admins, each a subject
// bound to the provisioner whose certificates authenticate them, with a type that says what
// they may do.

#include <cstdint>
#include <string>

#include "base/clock.h"

namespace cairn::store {

// Bounds of admin records (kInvalidArgument beyond them).
inline constexpr size_t kMaxAdminSubjectLength = 1024;  // bytes of a subject
inline constexpr size_t kMaxCounterNameLength = 128;    // bytes of a counter's name

// AdminType is what an admin may do. The values are linkedca's Admin.Type numbers.
enum class AdminType : int {
  // kAdmin manages provisioners, policies and ACME EAB keys.
  kAdmin = 1,
  // kSuperAdmin also manages the admins.
  kSuperAdmin = 2,
};

// AdminRecord is one admin of the CA.
struct AdminRecord {
  // id is the admin's id: 1..kMaxAcmeIdLength of [A-Za-z0-9_-].
  std::string id;
  // provisioner is the name of the provisioner whose certificates authenticate the admin.
  std::string provisioner;
  // subject is matched against the common name, DNS and e-mail SANs of the admin's
  // certificate: 1..kMaxAdminSubjectLength bytes.
  std::string subject;
  AdminType type = AdminType::kAdmin;
  // created_at is set by the store on create (the value passed is ignored).
  Time created_at{};

  friend bool operator==(const AdminRecord&, const AdminRecord&) = default;
};

}  // namespace cairn::store

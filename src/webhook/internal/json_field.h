#pragma once

// Internal to the webhook module: JSON object field lookup with Go's encoding/json rules.

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/strings.h"

namespace cairn::webhook::internal {

// FindField returns the member of object `obj` named `key`: the exact name if present, else the
// first whose name equals `key` ignoring ASCII case (Go's encoding/json matches struct fields
// case-insensitively). A null member counts as absent (Go leaves the field unchanged). Returns
// nullptr when absent or when `obj` is not an object.
inline const nlohmann::json* FindField(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const nlohmann::json* found = nullptr;
  if (auto it = obj.find(std::string(key)); it != obj.end()) {
    found = &*it;
  } else {
    for (auto it2 = obj.begin(); it2 != obj.end(); ++it2) {
      if (EqualsIgnoreCase(it2.key(), key)) {
        found = &*it2;
        break;
      }
    }
  }
  if (found != nullptr && found->is_null()) return nullptr;
  return found;
}

}  // namespace cairn::webhook::internal

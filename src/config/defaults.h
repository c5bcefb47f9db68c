#pragma once

// The client defaults file, $STEPPATH/config/defaults.json, as `step ca init` / `step ca
// bootstrap` write it:
//   {"ca-url": "https://ca.example.com", "ca-config": "/home/u/.step/config/ca.json",
//    "fingerprint": "<root SHA-256 hex>", "root": "/home/u/.step/certs/root_ca.crt"}
// Other keys (e.g. "redirect-url", "context") are kept untouched.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn::config {

// Defaults is a parsed defaults.json. The four typed fields mirror the keys "ca-url",
// "ca-config", "fingerprint" and "root"; `raw` holds the whole document.
struct Defaults {
  std::string ca_url;
  std::string ca_config;
  std::string fingerprint;
  std::string root;
  nlohmann::ordered_json raw = nlohmann::ordered_json::object();
};

// ParseDefaults parses defaults.json text. Fails with kInvalidArgument (prefixed with
// `path_for_messages`) when it is not a JSON object or a known key is not a string.
Result<Defaults> ParseDefaults(std::string_view json_text, const std::string& path_for_messages);

// LoadDefaults reads and parses `path`; kNotFound when it does not exist.
Result<Defaults> LoadDefaults(const std::string& path);

// SerializeDefaults renders `d`: `raw` with the four typed fields written over their keys (a
// typed field that is empty removes its key), tab-indented with a trailing newline.
std::string SerializeDefaults(const Defaults& d);

// SaveDefaults writes SerializeDefaults(d) to `path` atomically with mode 0644 (it holds no
// secret).
Status SaveDefaults(const Defaults& d, const std::string& path);

}  // namespace cairn::config

#pragma once

// Helpers shared by the config files. Not part of the module's public surface.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cairn::config::internal {

using OJson = nlohmann::ordered_json;

// kMaxConfigFileSize bounds ca.json / defaults.json; kMaxJsonDepth bounds their nesting.
inline constexpr size_t kMaxConfigFileSize = 16 << 20;
inline constexpr int kMaxJsonDepth = 64;

// ParseJsonText parses `text` into an ordered_json (member order preserved). Fails with
// kInvalidArgument naming `where` and the line/column; the message never quotes the input
// (which may hold a password).
Result<OJson> ParseJsonText(std::string_view text, const std::string& where);

// FindField returns obj[key] the way Go's encoding/json matches struct fields: an exact key
// first, else the first key equal ignoring ASCII case. Null when `obj` is not an object or
// has no such key.
const OJson* FindField(const OJson& obj, std::string_view key);
OJson* FindField(OJson& obj, std::string_view key);

// Typed readers. A missing key or a JSON null leaves the output untouched (Go's behaviour for
// absent/null fields); a value of the wrong type fails with kInvalidArgument "<where>.<key>
// must be a ...". `where` is the dotted path of `obj` for messages.
Status ReadString(const OJson& obj, std::string_view key, const std::string& where,
                  std::string* out);
Status ReadBool(const OJson& obj, std::string_view key, const std::string& where, bool* out);
Status ReadStringList(const OJson& obj, std::string_view key, const std::string& where,
                      std::vector<std::string>* out);

// DumpIndented renders like Go's json.Encoder with SetIndent("", "\t"): tab indentation and a
// trailing newline.
std::string DumpIndented(const OJson& j);

// JoinWhere appends a key to a dotted path ("authority" + "claims" -> "authority.claims").
std::string JoinWhere(const std::string& where, std::string_view key);

}  // namespace cairn::config::internal

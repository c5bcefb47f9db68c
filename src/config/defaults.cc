#include "config/defaults.h"

#include "base/file.h"
#include "config/internal/json_util.h"

namespace cairn::config {
namespace {

using internal::OJson;

constexpr const char* kCaUrl = "ca-url";
constexpr const char* kCaConfig = "ca-config";
constexpr const char* kFingerprint = "fingerprint";
constexpr const char* kRoot = "root";

void Put(OJson& raw, const char* key, const std::string& value) {
  if (value.empty()) {
    raw.erase(key);
  } else {
    raw[key] = value;
  }
}

}  // namespace

Result<Defaults> ParseDefaults(std::string_view json_text, const std::string& path_for_messages) {
  const std::string where = path_for_messages.empty() ? "defaults.json" : path_for_messages;
  CAIRN_ASSIGN_OR_RETURN(OJson raw, internal::ParseJsonText(json_text, where));
  if (!raw.is_object()) return InvalidArgumentError(where + ": the document must be a JSON object");
  Defaults d;
  auto read = [&](const char* key, std::string* out) -> Status {
    Status s = internal::ReadString(raw, key, "", out);
    return s.ok() ? s : InvalidArgumentError(where + ": " + s.message());
  };
  CAIRN_RETURN_IF_ERROR(read(kCaUrl, &d.ca_url));
  CAIRN_RETURN_IF_ERROR(read(kCaConfig, &d.ca_config));
  CAIRN_RETURN_IF_ERROR(read(kFingerprint, &d.fingerprint));
  CAIRN_RETURN_IF_ERROR(read(kRoot, &d.root));
  d.raw = std::move(raw);
  return d;
}

Result<Defaults> LoadDefaults(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::string text, ReadFile(path, internal::kMaxConfigFileSize));
  return ParseDefaults(text, path);
}

std::string SerializeDefaults(const Defaults& d) {
  OJson raw = d.raw.is_object() ? d.raw : OJson::object();
  Put(raw, kCaUrl, d.ca_url);
  Put(raw, kCaConfig, d.ca_config);
  Put(raw, kFingerprint, d.fingerprint);
  Put(raw, kRoot, d.root);
  return internal::DumpIndented(raw);
}

Status SaveDefaults(const Defaults& d, const std::string& path) {
  return WriteFileAtomic(path, SerializeDefaults(d), 0644);
}

}  // namespace cairn::config

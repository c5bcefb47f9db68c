#include "config/internal/json_util.h"

#include "base/json_depth.h"
#include "base/strings.h"

namespace cairn::config::internal {
Result<OJson> ParseJsonText(std::string_view text, const std::string& where) {
  if (text.size() > kMaxConfigFileSize) {
    return InvalidArgumentError(where + ": larger than " + std::to_string(kMaxConfigFileSize) +
                                " bytes");
  }
  if (JsonNestingDepth(text) > kMaxJsonDepth) {
    return InvalidArgumentError(where + ": JSON nested deeper than " +
                                std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    return OJson::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() ends with "; last read: '<input>'", which could be part of a password: keep only
    // the position and the kind of error.
    std::string what = e.what();
    if (size_t pos = what.find("; last read"); pos != std::string::npos) what.resize(pos);
    if (size_t pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    return InvalidArgumentError(where + ": invalid JSON: " + what);
  } catch (const nlohmann::json::exception&) {
    return InvalidArgumentError(where + ": invalid JSON");
  }
}

const OJson* FindField(const OJson& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it != obj.end()) return &*it;
  for (auto jt = obj.begin(); jt != obj.end(); ++jt) {
    if (EqualsIgnoreCase(jt.key(), key)) return &*jt;
  }
  return nullptr;
}

OJson* FindField(OJson& obj, std::string_view key) {
  return const_cast<OJson*>(FindField(static_cast<const OJson&>(obj), key));
}

Status ReadString(const OJson& obj, std::string_view key, const std::string& where,
                  std::string* out) {
  const OJson* v = FindField(obj, key);
  if (!v || v->is_null()) return Status();
  if (!v->is_string()) return InvalidArgumentError(JoinWhere(where, key) + " must be a string");
  *out = v->get<std::string>();
  return Status();
}

Status ReadBool(const OJson& obj, std::string_view key, const std::string& where, bool* out) {
  const OJson* v = FindField(obj, key);
  if (!v || v->is_null()) return Status();
  if (!v->is_boolean()) {
    return InvalidArgumentError(JoinWhere(where, key) + " must be true or false");
  }
  *out = v->get<bool>();
  return Status();
}

Status ReadStringList(const OJson& obj, std::string_view key, const std::string& where,
                      std::vector<std::string>* out) {
  const OJson* v = FindField(obj, key);
  if (!v || v->is_null()) return Status();
  if (!v->is_array()) {
    return InvalidArgumentError(JoinWhere(where, key) + " must be an array of strings");
  }
  std::vector<std::string> list;
  for (const auto& e : *v) {
    if (!e.is_string()) {
      return InvalidArgumentError(JoinWhere(where, key) + " must be an array of strings");
    }
    list.push_back(e.get<std::string>());
  }
  *out = std::move(list);
  return Status();
}

std::string DumpIndented(const OJson& j) {
  // Strings in a parsed config are valid UTF-8 (the parser checks); replace anything else
  // rather than throw, for configs built in memory.
  return j.dump(1, '\t', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string JoinWhere(const std::string& where, std::string_view key) {
  if (where.empty()) return std::string(key);
  return where + "." + std::string(key);
}

}  // namespace cairn::config::internal

#include "jose/internal/json_util.h"

#include <set>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/json_flat.h"
#include "base/status.h"

namespace cairn::jose::internal {

Result<nlohmann::json> ParseJsonObject(std::string_view text, std::string_view what,
                                       size_t max_size) {
  std::string prefix(what);
  if (text.size() > max_size) {
    return InvalidArgumentError(prefix + " is too large (" + std::to_string(text.size()) +
                                " bytes, limit " + std::to_string(max_size) + ")");
  }
  // Headers and claims are most often flat objects of plain strings and numbers.
  if (std::optional<nlohmann::json> flat = ParseFlatJsonObject(text)) return std::move(*flat);
  // The callback keeps one set of member names per open object, to reject duplicates, and
  // stops at kMaxJsonDepth. nlohmann's parser is iterative, so the bound is about resource
  // use downstream (recursive visitors, destruction), not stack safety of the parser.
  std::vector<std::set<std::string>> keys;
  bool duplicate = false;
  bool too_deep = false;
  auto cb = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (depth > kMaxJsonDepth) too_deep = true;
    switch (event) {
      case E::object_start:
        keys.emplace_back();
        break;
      case E::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case E::key:
        if (!keys.empty() && parsed.is_string()) {
          if (!keys.back().insert(parsed.get<std::string>()).second) duplicate = true;
        }
        break;
      default:
        break;
    }
    return !too_deep;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
  } catch (const std::exception&) {
    // parse() with allow_exceptions=false does not throw for syntax errors; anything else is
    // still mapped to a Status so no exception crosses the module boundary.
    return InvalidArgumentError(prefix + " is not valid JSON");
  }
  if (too_deep) {
    return InvalidArgumentError(prefix + " nests deeper than " + std::to_string(kMaxJsonDepth));
  }
  if (j.is_discarded()) return InvalidArgumentError(prefix + " is not valid JSON");
  if (duplicate) return InvalidArgumentError(prefix + " has a duplicate member name");
  if (!j.is_object()) return InvalidArgumentError(prefix + " is not a JSON object");
  return j;
}

Result<std::string> DumpJson(const nlohmann::json& j) {
  try {
    return j.dump();
  } catch (const std::exception&) {
    return InvalidArgumentError("JSON value is not valid UTF-8");
  }
}

Result<std::string> DumpOrderedJson(const nlohmann::ordered_json& j) {
  try {
    return j.dump();
  } catch (const std::exception&) {
    return InvalidArgumentError("JSON value is not valid UTF-8");
  }
}

Result<std::optional<std::string>> GetString(const nlohmann::json& j, std::string_view name,
                                             std::string_view what) {
  auto it = j.find(name);
  if (it == j.end()) return std::optional<std::string>();
  if (!it->is_string()) {
    return InvalidArgumentError(std::string(what) + ": member \"" + std::string(name) +
                                "\" is not a string");
  }
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> GetB64(const nlohmann::json& j, std::string_view name, std::string_view what,
                           bool required) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> s, GetString(j, name, what));
  if (!s.has_value()) {
    if (required) {
      return InvalidArgumentError(std::string(what) + ": member \"" + std::string(name) +
                                  "\" is missing");
    }
    return std::string();
  }
  auto decoded = Base64UrlDecode(*s);
  if (!decoded.ok()) {
    return InvalidArgumentError(std::string(what) + ": member \"" + std::string(name) +
                                "\" is not base64url");
  }
  return std::move(decoded).value();
}

}  // namespace cairn::jose::internal

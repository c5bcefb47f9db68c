#include "webhook/webhook.h"

#include <set>
#include <string>
#include <utility>

#include "base/encoding.h"
#include "base/strings.h"
#include "webhook/internal/json_field.h"

namespace cairn::webhook {
namespace {

using internal::FindField;

bool HasCtl(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// IsHostChar accepts what Go's url.Parse leaves unescaped in a host (net/url shouldEscape in
// encodeHost mode), plus '%' for escapes.
bool IsHostChar(char c) {
  if (IsAlnum(c)) return true;
  return std::string_view("-._~!$&'()*+,;=:[]<>\"%").find(c) != std::string_view::npos;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// WebhookLabel names a webhook in messages: its index and, when known, its name.
std::string WebhookLabel(size_t index, std::string_view name) {
  std::string label = "webhooks[" + std::to_string(index) + "]";
  if (!name.empty()) {
    label += " (";
    AppendJsonString(label, name.substr(0, 64));
    label += ")";
  }
  return label;
}

// GetString reads an optional string field into `out` (untouched when absent or null).
Status GetString(const nlohmann::json& obj, std::string_view key, std::string& out) {
  const nlohmann::json* v = FindField(obj, key);
  if (v == nullptr) return Status();
  if (!v->is_string()) return InvalidArgumentError("\"" + std::string(key) + "\" must be a string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > kMaxWebhookFieldBytes) {
    return InvalidArgumentError("\"" + std::string(key) + "\" is longer than " +
                                std::to_string(kMaxWebhookFieldBytes) + " bytes");
  }
  out = s;
  return Status();
}

Result<Kind> ParseKind(std::string_view text) {
  if (text.empty()) return InvalidArgumentError("webhook kind is required");
  for (Kind k : {Kind::kEnriching, Kind::kAuthorizing, Kind::kScepChallenge, Kind::kNotifying}) {
    if (EqualsIgnoreCase(text, KindName(k))) return k;
  }
  std::string msg = "webhook kind ";
  AppendJsonString(msg, text.substr(0, 64));
  return InvalidArgumentError(msg + " is invalid");
}

Result<CertType> ParseCertType(std::string_view text) {
  if (text.empty()) return CertType::kAll;
  for (CertType t : {CertType::kAll, CertType::kX509, CertType::kSsh}) {
    if (EqualsIgnoreCase(text, CertTypeName(t))) return t;
  }
  std::string msg = "webhook certType ";
  AppendJsonString(msg, text.substr(0, 64));
  return InvalidArgumentError(msg + " is invalid (want ALL, X509 or SSH)");
}

Result<Webhook> ParseOne(const nlohmann::json& obj) {
  if (!obj.is_object()) return InvalidArgumentError("must be an object");
  Webhook w;
  CAIRN_RETURN_IF_ERROR(GetString(obj, "id", w.id));
  CAIRN_RETURN_IF_ERROR(GetString(obj, "name", w.name));
  CAIRN_RETURN_IF_ERROR(GetString(obj, "url", w.url));
  std::string kind, cert_type;
  CAIRN_RETURN_IF_ERROR(GetString(obj, "kind", kind));
  CAIRN_RETURN_IF_ERROR(GetString(obj, "certType", cert_type));
  if (const nlohmann::json* v = FindField(obj, "disableTLSClientAuth"); v != nullptr) {
    if (!v->is_boolean()) return InvalidArgumentError("\"disableTLSClientAuth\" must be a boolean");
    w.disable_tls_client_auth = v->get<bool>();
  }
  CAIRN_RETURN_IF_ERROR(GetString(obj, "secret", w.secret_b64));
  CAIRN_RETURN_IF_ERROR(GetString(obj, "bearerToken", w.bearer_token));
  if (const nlohmann::json* v = FindField(obj, "basicAuth"); v != nullptr) {
    if (!v->is_object()) return InvalidArgumentError("\"basicAuth\" must be an object");
    BasicAuth auth;
    CAIRN_RETURN_IF_ERROR(GetString(*v, "username", auth.username));
    CAIRN_RETURN_IF_ERROR(GetString(*v, "password", auth.password));
    // As step-ca: basic auth is used only when a username or a password is set.
    if (!auth.username.empty() || !auth.password.empty()) w.basic_auth = std::move(auth);
  }

  // The checks, in step-ca's order (Webhook.Validate): name, url, kind.
  if (w.name.empty()) return InvalidArgumentError("webhook name is required");
  CAIRN_RETURN_IF_ERROR(CheckWebhookUrl(w.url));
  CAIRN_ASSIGN_OR_RETURN(w.kind, ParseKind(kind));
  CAIRN_ASSIGN_OR_RETURN(w.cert_type, ParseCertType(cert_type));
  if (HasCtl(w.id)) return InvalidArgumentError("webhook id may not contain control characters");
  if (!Base64Decode(w.secret_b64).ok()) {
    return InvalidArgumentError("webhook secret is not valid base64");
  }
  if (HasCtl(w.bearer_token)) {
    return InvalidArgumentError("webhook bearerToken may not contain control characters");
  }
  if (!w.bearer_token.empty() && w.basic_auth.has_value()) {
    return InvalidArgumentError("webhook may not have both bearerToken and basicAuth");
  }
  return w;
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kEnriching:
      return "ENRICHING";
    case Kind::kAuthorizing:
      return "AUTHORIZING";
    case Kind::kScepChallenge:
      return "SCEPCHALLENGE";
    case Kind::kNotifying:
      return "NOTIFYING";
  }
  return "";
}

std::string_view CertTypeName(CertType type) {
  switch (type) {
    case CertType::kAll:
      return "ALL";
    case CertType::kX509:
      return "X509";
    case CertType::kSsh:
      return "SSH";
  }
  return "";
}

bool AppliesTo(const Webhook& w, Kind kind, CertType request_type) {
  if (w.kind != kind) return false;
  return request_type == CertType::kAll || w.cert_type == CertType::kAll ||
         w.cert_type == request_type;
}

Status CheckWebhookUrl(std::string_view url, bool allow_http) {
  const Status invalid = InvalidArgumentError("webhook url is invalid");
  if (url.empty() || HasCtl(url)) return invalid;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0 || !IsAlnum(url[0]) ||
      (url[0] >= '0' && url[0] <= '9')) {
    return invalid;
  }
  std::string_view scheme = url.substr(0, colon);
  for (char c : scheme) {
    if (!IsAlnum(c) && c != '+' && c != '-' && c != '.') return invalid;
  }
  std::string_view rest = url.substr(colon + 1);
  if (!rest.starts_with("//")) return invalid;  // no authority, hence no host
  rest.remove_prefix(2);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  bool has_userinfo = false;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    has_userinfo = true;
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (host.starts_with("[")) {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return invalid;
    std::string_view after = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!after.empty()) {
      if (!after.starts_with(":")) return invalid;
      port = after.substr(1);
    }
    for (char c : host) {
      if (!IsAlnum(c) && c != ':' && c != '.' && c != '%' && c != '-' && c != '_') return invalid;
    }
  } else {
    if (size_t pc = host.rfind(':'); pc != std::string_view::npos) {
      port = host.substr(pc + 1);
      host = host.substr(0, pc);
    }
    for (char c : host) {
      if (!IsHostChar(c) || c == ':' || c == '[' || c == ']') return invalid;
    }
  }
  if (host.empty() || !AllDigits(port) || port.size() > 5) return invalid;
  const bool https = EqualsIgnoreCase(scheme, "https");
  const bool http = EqualsIgnoreCase(scheme, "http");
  if (!https && !(allow_http && http)) {
    return InvalidArgumentError("webhook url must use https");
  }
  if (has_userinfo) {
    return InvalidArgumentError("webhook url may not contain username or password");
  }
  return Status();
}

Result<std::vector<Webhook>> ParseWebhooks(const nlohmann::json& webhooks) {
  std::vector<Webhook> out;
  if (webhooks.is_null()) return out;
  if (!webhooks.is_array()) return InvalidArgumentError("webhooks must be an array");
  if (webhooks.size() > kMaxWebhooks) {
    return InvalidArgumentError("more than " + std::to_string(kMaxWebhooks) + " webhooks");
  }
  std::set<std::string> names;
  out.reserve(webhooks.size());
  for (size_t i = 0; i < webhooks.size(); ++i) {
    const nlohmann::json& entry = webhooks[i];
    // Best-effort name for the message, read before validation.
    std::string name;
    if (const nlohmann::json* v = FindField(entry, "name"); v != nullptr && v->is_string()) {
      name = v->get<std::string>();
    }
    Result<Webhook> parsed = ParseOne(entry);
    if (!parsed.ok()) return parsed.status().Annotate(WebhookLabel(i, name));
    if (!names.insert(parsed->name).second) {
      return InvalidArgumentError(WebhookLabel(i, name) +
                                  ": duplicate webhook name (names must be unique)");
    }
    out.push_back(std::move(parsed).value());
  }
  return out;
}

void RedactWebhookSecrets(nlohmann::ordered_json& webhooks) {
  if (!webhooks.is_array()) return;
  for (auto& entry : webhooks) {
    if (!entry.is_object()) continue;
    std::vector<std::string> drop;
    for (auto it = entry.begin(); it != entry.end(); ++it) {
      for (std::string_view secret : {"secret", "bearerToken", "basicAuth"}) {
        if (EqualsIgnoreCase(it.key(), secret)) drop.push_back(it.key());
      }
    }
    for (const std::string& key : drop) entry.erase(key);
  }
}

}  // namespace cairn::webhook

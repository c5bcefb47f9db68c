#include "client/ca_client.h"

#include <arpa/inet.h>

#include <utility>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/pem.h"
#include "http/client.h"
#include "http/response.h"

namespace cairn::client {
namespace {

// kMaxProvisionerPages bounds how many pages of /provisioners are followed.
constexpr int kMaxProvisionerPages = 100;
// kMaxJsonDepth bounds the nesting of JSON the CA sends.
constexpr int kMaxJsonDepth = 64;

bool IsIpv6(const std::string& s) {
  in6_addr addr{};
  return ::inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

// ParseJson parses `text` as JSON with bounded nesting; exceptions stay inside.
Result<nlohmann::json> ParseJson(std::string_view text) {
  int depth = 0;
  bool too_deep = false;
  nlohmann::json::parser_callback_t cb = [&](int d, nlohmann::json::parse_event_t event,
                                             nlohmann::json&) {
    if (event == nlohmann::json::parse_event_t::object_start ||
        event == nlohmann::json::parse_event_t::array_start) {
      depth = d;
      if (depth > kMaxJsonDepth) too_deep = true;
    }
    return !too_deep;
  };
  nlohmann::json json = nlohmann::json::parse(text, cb, /*allow_exceptions=*/false);
  if (too_deep) return InvalidArgumentError("JSON nested too deeply");
  if (json.is_discarded()) return InvalidArgumentError("malformed JSON");
  return json;
}

// CertificateList reads {"crts": [PEM...]}.
Result<std::vector<std::string>> CertificateList(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("crts") || !json["crts"].is_array()) {
    return InvalidArgumentError("the CA's answer has no certificate list");
  }
  std::vector<std::string> out;
  for (const auto& c : json["crts"]) {
    if (!c.is_string()) return InvalidArgumentError("the CA's certificate list is malformed");
    out.push_back(c.get<std::string>());
  }
  return out;
}

}  // namespace

Result<std::string> NormalizeCaUrl(std::string_view url) {
  std::string u(Trim(url));
  if (u.empty()) return InvalidArgumentError("the CA URL is empty");
  size_t sep = u.find("://");
  if (sep == std::string::npos) {
    u = "https://" + u;
    sep = 5;
  }
  std::string scheme = ToLower(u.substr(0, sep));
  if (scheme != "https") {
    return InvalidArgumentError("invalid value '" + std::string(url) +
                                "' for flag '--ca-url': must have https scheme");
  }
  std::string rest = u.substr(sep + 3);
  std::string host = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (host.empty()) {
    return InvalidArgumentError("invalid value '" + std::string(url) +
                                "' for flag '--ca-url': invalid URL");
  }
  // A bare IPv6 address (with or without a trailing port) gets its brackets, as step does.
  if (host.front() != '[' && host.find(':') != host.rfind(':')) {
    size_t last = host.rfind(':');
    std::string head = host.substr(0, last);
    if (IsIpv6(head)) {
      host = "[" + head + "]:" + host.substr(last + 1);
    } else if (IsIpv6(host)) {
      host = "[" + host + "]";
    }
  }
  return "https://" + host;
}

Result<std::string> NormalizeFingerprint(std::string_view fingerprint) {
  std::string out;
  for (char c : Trim(fingerprint)) {
    if (c == '-' || c == ':') continue;
    out.push_back(c);
  }
  out = ToLower(out);
  if (out.size() != 64 || out.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return InvalidArgumentError("invalid fingerprint '" + std::string(fingerprint) +
                                "': expected the 64 hex digits of a SHA-256 sum");
  }
  return out;
}

std::string SignResponse::ChainPem() const {
  std::string out;
  for (const auto& pem : chain_pems) {
    out += pem;
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
  }
  return out;
}

Status StatusFromCaError(int http_status, std::string_view body) {
  std::string message;
  auto json = ParseJson(body);
  if (json.ok() && json->is_object()) {
    auto it = json->find("message");
    if (it != json->end() && it->is_string()) message = it->get<std::string>();
    // Some step-ca endpoints (admin, ACME) use "detail".
    if (message.empty()) {
      auto d = json->find("detail");
      if (d != json->end() && d->is_string()) message = d->get<std::string>();
    }
  }
  if (message.empty()) message = "the CA answered HTTP " + std::to_string(http_status);
  return Status(http::StatusCodeForHttpStatus(http_status), message, message);
}

Result<SignResponse> ParseSignResponse(const nlohmann::json& json) {
  if (!json.is_object()) return InvalidArgumentError("the CA's sign response is not an object");
  SignResponse out;
  auto get = [&](const char* name) -> std::string {
    auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  out.crt_pem = get("crt");
  out.ca_pem = get("ca");
  if (auto it = json.find("certChain"); it != json.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (!c.is_string()) return InvalidArgumentError("the CA's certChain is malformed");
      out.chain_pems.push_back(c.get<std::string>());
    }
  }
  if (out.chain_pems.empty()) {
    if (!out.crt_pem.empty()) out.chain_pems.push_back(out.crt_pem);
    if (!out.ca_pem.empty()) out.chain_pems.push_back(out.ca_pem);
  }
  if (out.chain_pems.empty()) return InvalidArgumentError("the CA sent no certificate");
  if (out.crt_pem.empty()) out.crt_pem = out.chain_pems.front();
  return out;
}

CaClient::CaClient(CaClientOptions options) : options_(std::move(options)) {}
CaClient::~CaClient() = default;

Result<std::unique_ptr<CaClient>> CaClient::Create(CaClientOptions options) {
  CAIRN_ASSIGN_OR_RETURN(options.ca_url, NormalizeCaUrl(options.ca_url));
  if (!options.insecure && options.root_pem.empty()) {
    return InvalidArgumentError("no root certificate to verify the CA with");
  }
  std::unique_ptr<CaClient> c(new CaClient(std::move(options)));
  c->http_ = c->MakeHttpClient(nullptr, c->options_.insecure);
  return c;
}

std::unique_ptr<http::HttpClient> CaClient::MakeHttpClient(const ClientCredentials* credentials,
                                                           bool insecure) const {
  http::ClientOptions o;
  o.insecure_skip_verify = insecure;
  if (!insecure) o.ca_pem = options_.root_pem;
  if (credentials != nullptr) {
    o.client_cert_pem = credentials->chain_pem;
    o.client_key_pem = credentials->key_pem;
  }
  o.timeout = options_.timeout;
  o.resolve = options_.resolve;
  o.user_agent = std::string("cairn/") + CAIRN_VERSION;
  return std::make_unique<http::HttpClient>(std::move(o));
}

std::string CaClient::Url(std::string_view path) const {
  return options_.ca_url + "/1.0" + std::string(path);
}

Result<nlohmann::json> CaClient::Call(http::HttpClient& client, std::string_view method,
                                      std::string_view path, std::string_view body,
                                      std::string_view authorization) {
  return CallUrl(client, method, Url(path), body, authorization);
}

Result<nlohmann::json> CaClient::CallUrl(http::HttpClient& client, std::string_view method,
                                         const std::string& url, std::string_view body,
                                         std::string_view authorization) {
  http::Headers headers;
  if (!authorization.empty()) headers.Set("Authorization", std::string(authorization));
  bool json_body = method == "POST" || method == "PUT" || method == "PATCH";
  CAIRN_ASSIGN_OR_RETURN(
      http::ClientResponse resp,
      client.Request(method, url, body, json_body ? "application/json" : "", headers));
  if (resp.status >= 400) return StatusFromCaError(resp.status, resp.body);
  auto json = ParseJson(resp.body);
  if (!json.ok()) {
    return InvalidArgumentError("error reading " + url + ": " + json.status().message());
  }
  return std::move(json).value();
}

Result<nlohmann::json> CaClient::Admin(std::string_view method, std::string_view path,
                                       std::string_view body, std::string_view token) {
  if (!path.starts_with("/admin/")) return InvalidArgumentError("not an admin API path");
  // The admin API is served at /admin only, not under /1.0.
  return CallUrl(*http_, method, options_.ca_url + std::string(path), body, token);
}

Result<std::string> CaClient::Health() {
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "GET", "/health", "", ""));
  if (!json.is_object() || !json.contains("status") || !json["status"].is_string()) {
    return InvalidArgumentError("the CA's health answer is malformed");
  }
  return json["status"].get<std::string>();
}

Result<std::string> CaClient::Root(std::string_view fingerprint) {
  CAIRN_ASSIGN_OR_RETURN(std::string sum, NormalizeFingerprint(fingerprint));
  // The fingerprint, not the TLS chain, is what authenticates the answer.
  auto insecure = MakeHttpClient(nullptr, /*insecure=*/true);
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*insecure, "GET", "/root/" + sum, "", ""));
  if (!json.is_object() || !json.contains("ca") || !json["ca"].is_string()) {
    return InvalidArgumentError("the CA's root answer is malformed");
  }
  CAIRN_ASSIGN_OR_RETURN(auto blocks, crypto::ParsePemBlocks(json["ca"].get<std::string>()));
  if (blocks.size() != 1 || blocks[0].type != "CERTIFICATE") {
    return InvalidArgumentError("the CA's root answer is not one PEM certificate");
  }
  std::string got = HexEncode(crypto::Sha256(blocks[0].bytes));
  if (!ConstantTimeEquals(got, sum)) {
    return PermissionDeniedError("root certificate fingerprint does not match");
  }
  return crypto::EncodePem("CERTIFICATE", blocks[0].bytes);
}

Result<std::vector<std::string>> CaClient::Roots() {
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "GET", "/roots", "", ""));
  return CertificateList(json);
}

Result<std::vector<std::string>> CaClient::Federation() {
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "GET", "/federation", "", ""));
  return CertificateList(json);
}

Result<std::vector<nlohmann::json>> CaClient::Provisioners() {
  std::vector<nlohmann::json> out;
  std::string cursor;
  for (int page = 0; page < kMaxProvisionerPages; ++page) {
    std::string path = "/provisioners?limit=100";
    if (!cursor.empty()) path += "&cursor=" + cursor;
    CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "GET", path, "", ""));
    if (!json.is_object()) return InvalidArgumentError("the CA's provisioner list is malformed");
    if (auto it = json.find("provisioners"); it != json.end() && !it->is_null()) {
      if (!it->is_array()) return InvalidArgumentError("the CA's provisioner list is malformed");
      for (auto& p : *it) out.push_back(std::move(p));
    }
    auto next = json.find("nextCursor");
    if (next == json.end() || !next->is_string() || next->get<std::string>().empty()) {
      return out;
    }
    std::string n = next->get<std::string>();
    // The cursor is an opaque id; refuse anything that would change the URL's shape.
    if (n == cursor || n.find_first_of("&#?/ \r\n%") != std::string::npos) {
      return InvalidArgumentError("the CA sent an unusable provisioner cursor");
    }
    cursor = std::move(n);
  }
  return InvalidArgumentError("the CA's provisioner list has too many pages");
}

Result<std::string> CaClient::EncryptedKey(std::string_view kid) {
  // A kid is a base64url thumbprint; anything else must not reach the path.
  if (kid.empty() || kid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789-_.") != std::string_view::npos) {
    return InvalidArgumentError("invalid provisioner kid '" + std::string(kid) + "'");
  }
  CAIRN_ASSIGN_OR_RETURN(
      auto json,
      Call(*http_, "GET", "/provisioners/" + std::string(kid) + "/encrypted-key", "", ""));
  if (!json.is_object() || !json.contains("key") || !json["key"].is_string()) {
    return InvalidArgumentError("the CA's encrypted key answer is malformed");
  }
  return json["key"].get<std::string>();
}

Result<SignResponse> CaClient::Sign(const SignRequest& request) {
  nlohmann::json body = {{"csr", request.csr_pem}, {"ott", request.ott}};
  if (!request.not_before.empty()) body["notBefore"] = request.not_before;
  if (!request.not_after.empty()) body["notAfter"] = request.not_after;
  if (request.template_data.is_object()) body["templateData"] = request.template_data;
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "POST", "/sign", body.dump(), ""));
  return ParseSignResponse(json);
}

Result<SignResponse> CaClient::Renew(const ClientCredentials& credentials) {
  auto mtls = MakeHttpClient(&credentials, options_.insecure);
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*mtls, "POST", "/renew", "", ""));
  return ParseSignResponse(json);
}

Result<SignResponse> CaClient::RenewWithToken(std::string_view token) {
  CAIRN_ASSIGN_OR_RETURN(auto json,
                         Call(*http_, "POST", "/renew", "", "Bearer " + std::string(token)));
  return ParseSignResponse(json);
}

Result<SignResponse> CaClient::Rekey(const ClientCredentials& credentials,
                                     std::string_view csr_pem) {
  auto mtls = MakeHttpClient(&credentials, options_.insecure);
  nlohmann::json body = {{"csr", std::string(csr_pem)}};
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*mtls, "POST", "/rekey", body.dump(), ""));
  return ParseSignResponse(json);
}

Status CaClient::Revoke(const RevokeRequest& request, const ClientCredentials* credentials) {
  nlohmann::json body = {{"serial", request.serial},
                         {"reasonCode", request.reason_code},
                         {"reason", request.reason},
                         {"passive", request.passive}};
  if (!request.ott.empty()) body["ott"] = request.ott;
  std::unique_ptr<http::HttpClient> mtls;
  http::HttpClient* client = http_.get();
  if (request.ott.empty()) {
    if (credentials == nullptr) {
      return InvalidArgumentError("revoking without a token needs the certificate and its key");
    }
    mtls = MakeHttpClient(credentials, options_.insecure);
    client = mtls.get();
  }
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*client, "POST", "/revoke", body.dump(), ""));
  (void)json;
  return Status();
}

Result<std::string> CaClient::SignSsh(const SshSignRequest& request, std::string* add_user_crt) {
  nlohmann::json body = {{"publicKey", Base64Encode(request.public_key)},
                         {"ott", request.ott},
                         {"certType", request.cert_type},
                         {"keyID", request.key_id},
                         {"principals", request.principals}};
  if (!request.valid_after.empty()) body["validAfter"] = request.valid_after;
  if (!request.valid_before.empty()) body["validBefore"] = request.valid_before;
  if (!request.add_user_public_key.empty()) {
    body["addUserPublicKey"] = Base64Encode(request.add_user_public_key);
  }
  if (!request.template_data.is_null()) body["templateData"] = request.template_data;
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "POST", "/ssh/sign", body.dump(), ""));
  if (add_user_crt != nullptr) {
    add_user_crt->clear();
    auto au = json.is_object() ? json.find("addUserCrt") : json.end();
    if (au != json.end() && au->is_string()) {
      auto wire = Base64Decode(au->get<std::string>());
      if (!wire.ok())
        return InvalidArgumentError("the CA's add-user certificate is not valid base64");
      *add_user_crt = std::move(wire).value();
    }
  }
  auto crt = json.is_object() ? json.find("crt") : json.end();
  if (!json.is_object() || crt == json.end() || !crt->is_string()) {
    return InvalidArgumentError("the CA's SSH sign response has no certificate");
  }
  auto wire = Base64Decode(crt->get<std::string>());
  if (!wire.ok() || wire->empty()) {
    return InvalidArgumentError("the CA's SSH certificate is not valid base64");
  }
  return std::move(wire).value();
}

namespace {

// SshCertificateFrom reads the "crt" (base64 SSH wire) of an SSH sign/renew/rekey answer.
Result<std::string> SshCertificateFrom(const nlohmann::json& json, std::string_view what) {
  auto crt = json.is_object() ? json.find("crt") : json.end();
  if (!json.is_object() || crt == json.end() || !crt->is_string()) {
    return InvalidArgumentError("the CA's SSH " + std::string(what) +
                                " response has no certificate");
  }
  auto wire = Base64Decode(crt->get<std::string>());
  if (!wire.ok() || wire->empty()) {
    return InvalidArgumentError("the CA's SSH certificate is not valid base64");
  }
  return std::move(wire).value();
}

}  // namespace

Result<std::string> CaClient::RenewSsh(std::string_view ott) {
  nlohmann::json body = {{"ott", std::string(ott)}};
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "POST", "/ssh/renew", body.dump(), ""));
  return SshCertificateFrom(json, "renew");
}

Result<std::string> CaClient::RekeySsh(std::string_view ott, std::string_view public_key) {
  nlohmann::json body = {{"ott", std::string(ott)}, {"publicKey", Base64Encode(public_key)}};
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "POST", "/ssh/rekey", body.dump(), ""));
  return SshCertificateFrom(json, "rekey");
}

Status CaClient::RevokeSsh(const RevokeRequest& request) {
  if (request.ott.empty()) return InvalidArgumentError("revoking an SSH certificate needs a token");
  nlohmann::json body = {{"serial", request.serial},
                         {"ott", request.ott},
                         {"reasonCode", request.reason_code},
                         {"reason", request.reason},
                         {"passive", request.passive}};
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "POST", "/ssh/revoke", body.dump(), ""));
  (void)json;
  return Status();
}

Result<SshRootKeys> CaClient::SshRoots() {
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "GET", "/ssh/roots", "", ""));
  if (!json.is_object()) return InvalidArgumentError("the CA's SSH roots are malformed");
  SshRootKeys out;
  for (auto [name, list] :
       {std::pair{"userKey", &out.user_keys}, std::pair{"hostKey", &out.host_keys}}) {
    auto it = json.find(name);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_array()) return InvalidArgumentError("the CA's SSH roots are malformed");
    for (const auto& k : *it) {
      if (!k.is_string()) return InvalidArgumentError("the CA's SSH roots are malformed");
      auto blob = Base64Decode(k.get<std::string>());
      if (!blob.ok() || blob->empty()) {
        return InvalidArgumentError("the CA's SSH roots are malformed");
      }
      list->push_back(std::move(blob).value());
    }
  }
  return out;
}

// ---- SSH KRL.

Result<std::string> CaClient::SshKrl() {
  const std::string url = Url("/ssh/krl");
  CAIRN_ASSIGN_OR_RETURN(http::ClientResponse resp, http_->Request("GET", url));
  if (resp.status >= 400) return StatusFromCaError(resp.status, resp.body);
  // PROTOCOL.krl: every KRL starts with the magic "SSHKRL\n\0".
  if (resp.status != 200 || !resp.body.starts_with(std::string_view("SSHKRL\n\0", 8))) {
    return InvalidArgumentError("the answer of " + url + " is not an OpenSSH KRL");
  }
  return std::move(resp.body);
}

// ---- SSH hosts and configuration.

namespace {

Status MalformedSsh(std::string_view what) {
  return InvalidArgumentError("the CA's SSH " + std::string(what) + " answer is malformed");
}

std::string JsonString(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::vector<SshConfigTemplate>> CaClient::SshConfig(
    std::string_view type, const std::map<std::string, std::string>& data) {
  nlohmann::json body = {{"type", std::string(type)}, {"data", data}};
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "POST", "/ssh/config", body.dump(), ""));
  if (!json.is_object()) return MalformedSsh("config");
  std::vector<SshConfigTemplate> out;
  for (const char* name : {"userTemplates", "hostTemplates"}) {
    auto it = json.find(name);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_array()) return MalformedSsh("config");
    for (const auto& t : *it) {
      if (!t.is_object()) return MalformedSsh("config");
      SshConfigTemplate o{.name = JsonString(t, "name"),
                          .type = JsonString(t, "type"),
                          .path = JsonString(t, "path"),
                          .comment = JsonString(t, "comment"),
                          .content = ""};
      if (auto c = t.find("content"); c != t.end() && !c->is_null()) {
        if (!c->is_string()) return MalformedSsh("config");
        auto decoded = Base64Decode(c->get<std::string>());
        if (!decoded.ok()) return MalformedSsh("config");
        o.content = std::move(decoded).value();
      }
      out.push_back(std::move(o));
    }
  }
  return out;
}

Result<bool> CaClient::SshCheckHost(std::string_view principal, std::string_view token) {
  nlohmann::json body = {{"type", "host"}, {"principal", std::string(principal)}};
  if (!token.empty()) body["token"] = std::string(token);
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "POST", "/ssh/check-host", body.dump(), ""));
  if (!json.is_object() || !json.contains("exists") || !json["exists"].is_boolean()) {
    return MalformedSsh("check-host");
  }
  return json["exists"].get<bool>();
}

Result<std::vector<SshHost>> CaClient::SshHosts() {
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "GET", "/ssh/hosts", "", ""));
  if (!json.is_object()) return MalformedSsh("hosts");
  std::vector<SshHost> out;
  auto it = json.find("hosts");
  if (it == json.end() || it->is_null()) return out;
  if (!it->is_array()) return MalformedSsh("hosts");
  for (const auto& h : *it) {
    if (!h.is_object()) return MalformedSsh("hosts");
    SshHost host{.hid = JsonString(h, "hid"), .hostname = JsonString(h, "hostname")};
    if (auto tags = h.find("host_tags"); tags != h.end() && tags->is_array()) {
      for (const auto& t : *tags) {
        if (t.is_object())
          host.host_tags.push_back(JsonString(t, "Name") + "=" + JsonString(t, "Value"));
      }
    }
    out.push_back(std::move(host));
  }
  return out;
}

Result<SshBastion> CaClient::SshBastionFor(std::string_view user, std::string_view hostname) {
  nlohmann::json body = {{"user", std::string(user)}, {"hostname", std::string(hostname)}};
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "POST", "/ssh/bastion", body.dump(), ""));
  if (!json.is_object()) return MalformedSsh("bastion");
  SshBastion out;
  auto b = json.find("bastion");
  if (b == json.end() || b->is_null()) return out;
  if (!b->is_object()) return MalformedSsh("bastion");
  out.hostname = JsonString(*b, "hostname");
  out.user = JsonString(*b, "user");
  out.port = JsonString(*b, "port");
  out.cmd = JsonString(*b, "cmd");
  out.flags = JsonString(*b, "flags");
  return out;
}

Result<SshRootKeys> CaClient::SshFederation() {
  CAIRN_ASSIGN_OR_RETURN(auto json, Call(*http_, "GET", "/ssh/federation", "", ""));
  if (!json.is_object()) return MalformedSsh("federation");
  SshRootKeys out;
  for (auto [name, list] :
       {std::pair{"userKey", &out.user_keys}, std::pair{"hostKey", &out.host_keys}}) {
    auto it = json.find(name);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_array()) return MalformedSsh("federation");
    for (const auto& k : *it) {
      if (!k.is_string()) return MalformedSsh("federation");
      auto blob = Base64Decode(k.get<std::string>());
      if (!blob.ok() || blob->empty()) return MalformedSsh("federation");
      list->push_back(std::move(blob).value());
    }
  }
  return out;
}

}  // namespace cairn::client

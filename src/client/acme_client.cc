#include "client/acme_client.h"

#include <arpa/inet.h>

#include <ctime>
#include <thread>
#include <utility>

#include "base/duration.h"
#include "base/encoding.h"
#include "base/json_depth.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/pem.h"
#include "http/client.h"
#include "http/response.h"
#include "jose/jws.h"

namespace cairn::client {
namespace {

constexpr int kMaxJsonDepth = 16;
constexpr size_t kMaxTokenLength = 256;
constexpr size_t kMaxNonceLength = 512;
constexpr size_t kMaxChainCertificates = 16;
constexpr size_t kMaxSubproblems = 32;
constexpr std::string_view kJoseJson = "application/jose+json";

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool IsBase64Url(std::string_view s, size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  for (char c : s) {
    if (!IsBase64UrlChar(c)) return false;
  }
  return true;
}

bool IsHttpUrl(std::string_view s) {
  return StartsWith(ToLower(s.substr(0, 8)), "https://") ||
         StartsWith(ToLower(s.substr(0, 7)), "http://");
}

std::string JsonString(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> JsonStrings(const nlohmann::json& j, const char* name) {
  std::vector<std::string> out;
  auto it = j.find(name);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// ParseJsonObject parses a bounded JSON object without throwing.
Result<nlohmann::json> ParseJsonObject(std::string_view text, std::string_view what) {
  if (JsonNestingDepth(text) > kMaxJsonDepth) {
    return InvalidArgumentError(std::string(what) + ": JSON nested too deeply");
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentError(std::string(what) +
                                ": the ACME server's answer is not a JSON object");
  }
  return j;
}

// CodeForProblem maps RFC 8555 §6.7's problem types onto StatusCodes.
std::optional<StatusCode> CodeForProblem(std::string_view type) {
  struct Entry {
    std::string_view type;
    StatusCode code;
  };
  static constexpr Entry kTable[] = {
      {"malformed", StatusCode::kInvalidArgument},
      {"badCSR", StatusCode::kInvalidArgument},
      {"badSignatureAlgorithm", StatusCode::kInvalidArgument},
      {"badPublicKey", StatusCode::kInvalidArgument},
      {"badRevocationReason", StatusCode::kInvalidArgument},
      {"invalidContact", StatusCode::kInvalidArgument},
      {"unsupportedContact", StatusCode::kInvalidArgument},
      {"unsupportedIdentifier", StatusCode::kInvalidArgument},
      {"unauthorized", StatusCode::kUnauthenticated},
      {"externalAccountRequired", StatusCode::kUnauthenticated},
      {"rejectedIdentifier", StatusCode::kPermissionDenied},
      {"caa", StatusCode::kPermissionDenied},
      {"accountDoesNotExist", StatusCode::kNotFound},
      {"alreadyRevoked", StatusCode::kAlreadyExists},
      {"badNonce", StatusCode::kAborted},
      {"rateLimited", StatusCode::kResourceExhausted},
      {"serverInternal", StatusCode::kInternal},
      {"orderNotReady", StatusCode::kFailedPrecondition},
      {"userActionRequired", StatusCode::kFailedPrecondition},
      {"connection", StatusCode::kFailedPrecondition},
      {"dns", StatusCode::kFailedPrecondition},
      {"incorrectResponse", StatusCode::kFailedPrecondition},
      {"tls", StatusCode::kFailedPrecondition},
  };
  for (const Entry& e : kTable) {
    if (e.type == type) return e.code;
  }
  return std::nullopt;
}

std::string ShortType(std::string_view type) {
  if (StartsWith(type, kAcmeErrorPrefix)) type.remove_prefix(kAcmeErrorPrefix.size());
  return std::string(type);
}

// ProblemStatus builds the Status of a problem object; nullopt when `problem` is not one.
std::optional<Status> ProblemStatus(const nlohmann::json& problem, std::optional<StatusCode> http) {
  if (!problem.is_object()) return std::nullopt;
  std::string type = JsonString(problem, "type");
  std::string detail = JsonString(problem, "detail");
  if (type.empty() && detail.empty()) return std::nullopt;
  std::string reason = ShortType(type);
  std::string message =
      detail.empty() ? (reason.empty() ? "unknown ACME problem" : reason) : detail;
  if (auto it = problem.find("subproblems"); it != problem.end() && it->is_array()) {
    std::vector<std::string> parts;
    for (const auto& sub : *it) {
      if (parts.size() >= kMaxSubproblems) break;
      if (!sub.is_object()) continue;
      std::string part;
      if (auto id = sub.find("identifier"); id != sub.end() && id->is_object()) {
        part = JsonString(*id, "value") + ": ";
      }
      std::string sub_detail = JsonString(sub, "detail");
      part += sub_detail.empty() ? ShortType(JsonString(sub, "type")) : sub_detail;
      parts.push_back(std::move(part));
    }
    if (!parts.empty()) message += ": " + Join(parts, "; ");
  }
  std::optional<StatusCode> code = CodeForProblem(reason);
  if (!code) code = http;
  if (!code) code = StatusCode::kFailedPrecondition;
  Status s(*code, std::move(message));
  return reason.empty() ? s : s.WithReason(std::move(reason));
}

// CanonicalIp returns the canonical text of an IPv4/IPv6 address, or "" when `s` is not one.
std::string CanonicalIp(std::string_view s) {
  std::string text(s);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  unsigned char addr[sizeof(struct in6_addr)] = {};
  if (inet_pton(AF_INET, text.c_str(), addr) == 1) {
    return inet_ntop(AF_INET, addr, buf, sizeof(buf)) ? std::string(buf) : std::string();
  }
  if (inet_pton(AF_INET6, text.c_str(), addr) == 1) {
    return inet_ntop(AF_INET6, addr, buf, sizeof(buf)) ? std::string(buf) : std::string();
  }
  return std::string();
}

std::string ContactUrl(std::string_view contact) {
  if (contact.find(':') == std::string_view::npos) return "mailto:" + std::string(contact);
  return std::string(contact);
}

nlohmann::json IdentifiersJson(const std::vector<AcmeIdentifier>& ids) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& id : ids) out.push_back({{"type", id.type}, {"value", id.value}});
  return out;
}

}  // namespace

Status StatusFromAcmeProblem(int http_status, std::string_view body) {
  StatusCode http_code = http::StatusCodeForHttpStatus(http_status);
  if (!body.empty() && JsonNestingDepth(body) <= kMaxJsonDepth) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) {
      if (auto s = ProblemStatus(j, http_code)) return *s;
    }
  }
  return Status(http_code, "the ACME server answered HTTP " + std::to_string(http_status));
}

Status StatusFromProblemJson(const nlohmann::json& problem, StatusCode fallback) {
  if (auto s = ProblemStatus(problem, fallback)) return *s;
  return Status(fallback, "the ACME server reported an error");
}

AcmeIdentifier IdentifierFor(std::string_view name) {
  std::string ip = CanonicalIp(name);
  if (!ip.empty()) return AcmeIdentifier{"ip", ip};
  return AcmeIdentifier{"dns", std::string(name)};
}

Result<AcmeDirectory> ParseAcmeDirectory(const nlohmann::json& json) {
  if (!json.is_object()) return InvalidArgumentError("ACME directory is not a JSON object");
  AcmeDirectory d;
  d.new_nonce = JsonString(json, "newNonce");
  d.new_account = JsonString(json, "newAccount");
  d.new_order = JsonString(json, "newOrder");
  d.revoke_cert = JsonString(json, "revokeCert");
  d.key_change = JsonString(json, "keyChange");
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string*>{"newNonce", &d.new_nonce},
        {"newAccount", &d.new_account},
        {"newOrder", &d.new_order}}) {
    if (!IsHttpUrl(*value)) {
      return InvalidArgumentError(std::string("ACME directory has no valid \"") + name + "\" URL");
    }
  }
  if (auto meta = json.find("meta"); meta != json.end() && meta->is_object()) {
    d.terms_of_service = JsonString(*meta, "termsOfService");
    d.website = JsonString(*meta, "website");
    if (auto e = meta->find("externalAccountRequired"); e != meta->end() && e->is_boolean()) {
      d.external_account_required = e->get<bool>();
    }
  }
  return d;
}

Result<AcmeAccount> ParseAcmeAccount(const nlohmann::json& json, std::string url) {
  if (!json.is_object()) return InvalidArgumentError("ACME account is not a JSON object");
  AcmeAccount a;
  a.url = std::move(url);
  a.status = JsonString(json, "status");
  if (a.status.empty()) return InvalidArgumentError("ACME account has no status");
  a.contact = JsonStrings(json, "contact");
  a.orders = JsonString(json, "orders");
  return a;
}

Result<AcmeChallenge> ParseAcmeChallenge(const nlohmann::json& json) {
  if (!json.is_object()) return InvalidArgumentError("ACME challenge is not a JSON object");
  AcmeChallenge c;
  c.type = JsonString(json, "type");
  c.url = JsonString(json, "url");
  c.status = JsonString(json, "status");
  c.token = JsonString(json, "token");
  if (c.type.empty() || c.url.empty() || c.status.empty()) {
    return InvalidArgumentError("ACME challenge lacks type, url or status");
  }
  if (auto e = json.find("error"); e != json.end() && e->is_object()) {
    c.error = StatusFromProblemJson(*e, StatusCode::kFailedPrecondition);
  }
  return c;
}

Result<AcmeAuthorization> ParseAcmeAuthorization(const nlohmann::json& json, std::string url) {
  if (!json.is_object()) return InvalidArgumentError("ACME authorization is not a JSON object");
  AcmeAuthorization a;
  a.url = std::move(url);
  a.status = JsonString(json, "status");
  if (a.status.empty()) return InvalidArgumentError("ACME authorization has no status");
  a.expires = JsonString(json, "expires");
  if (auto id = json.find("identifier"); id != json.end() && id->is_object()) {
    a.identifier = {JsonString(*id, "type"), JsonString(*id, "value")};
  }
  if (auto w = json.find("wildcard"); w != json.end() && w->is_boolean()) a.wildcard = *w;
  if (auto chs = json.find("challenges"); chs != json.end() && chs->is_array()) {
    for (const auto& ch : *chs) {
      auto parsed = ParseAcmeChallenge(ch);
      if (parsed.ok()) a.challenges.push_back(std::move(parsed).value());  // skip odd ones
    }
  }
  return a;
}

Result<AcmeOrder> ParseAcmeOrder(const nlohmann::json& json, std::string url) {
  if (!json.is_object()) return InvalidArgumentError("ACME order is not a JSON object");
  AcmeOrder o;
  o.url = std::move(url);
  o.status = JsonString(json, "status");
  o.finalize = JsonString(json, "finalize");
  if (o.status.empty() || o.finalize.empty()) {
    return InvalidArgumentError("ACME order lacks status or finalize");
  }
  o.expires = JsonString(json, "expires");
  o.not_before = JsonString(json, "notBefore");
  o.not_after = JsonString(json, "notAfter");
  o.certificate = JsonString(json, "certificate");
  o.authorizations = JsonStrings(json, "authorizations");
  if (auto ids = json.find("identifiers"); ids != json.end() && ids->is_array()) {
    for (const auto& id : *ids) {
      if (id.is_object())
        o.identifiers.push_back({JsonString(id, "type"), JsonString(id, "value")});
    }
  }
  if (auto e = json.find("error"); e != json.end() && e->is_object()) {
    o.error = StatusFromProblemJson(*e, StatusCode::kFailedPrecondition);
  }
  return o;
}

nlohmann::json AcmePublicJwk(const jose::Jwk& key) {
  jose::Jwk pub = key.PublicKey();
  pub.set_kid("");
  pub.set_alg("");
  pub.set_use("");
  return pub.ToJson(/*include_private=*/false);
}

Result<std::string> SignAcmeRequest(std::string_view payload, const jose::Jwk& key,
                                    std::string_view url, std::string_view nonce,
                                    std::string_view kid) {
  if (key.is_symmetric() || !key.is_private()) {
    return InvalidArgumentError("an ACME request must be signed with a private asymmetric key");
  }
  nlohmann::json header = {{"nonce", nonce}, {"url", url}};
  if (kid.empty()) {
    header["jwk"] = AcmePublicJwk(key);
  } else {
    header["kid"] = kid;
  }
  return jose::SignFlattened(payload, key, std::move(header), key.SigningAlg());
}

Result<nlohmann::json> MakeExternalAccountBinding(const jose::Jwk& account_key,
                                                  std::string_view eab_kid,
                                                  std::string_view hmac_key,
                                                  std::string_view new_account_url) {
  if (eab_kid.empty()) return InvalidArgumentError("external account binding: empty key id");
  if (hmac_key.size() < 32) {
    return InvalidArgumentError(
        "external account binding: the HMAC key must have at least 32 bytes");
  }
  CAIRN_ASSIGN_OR_RETURN(jose::Jwk mac_key, jose::Jwk::FromSymmetric(hmac_key));
  nlohmann::json header = {{"kid", eab_kid}, {"url", new_account_url}};
  CAIRN_ASSIGN_OR_RETURN(std::string jws, jose::SignFlattened(AcmePublicJwk(account_key).dump(),
                                                              mac_key, std::move(header), "HS256"));
  return nlohmann::json::parse(jws);
}

Result<nlohmann::json> MakeKeyChangeJws(const jose::Jwk& old_key, const jose::Jwk& new_key,
                                        std::string_view account_url,
                                        std::string_view key_change_url) {
  if (new_key.is_symmetric() || !new_key.is_private()) {
    return InvalidArgumentError("the new account key must be a private asymmetric key");
  }
  nlohmann::json payload = {{"account", account_url}, {"oldKey", AcmePublicJwk(old_key)}};
  nlohmann::json header = {{"jwk", AcmePublicJwk(new_key)}, {"url", key_change_url}};
  CAIRN_ASSIGN_OR_RETURN(
      std::string jws,
      jose::SignFlattened(payload.dump(), new_key, std::move(header), new_key.SigningAlg()));
  return nlohmann::json::parse(jws);
}

Result<std::string> KeyAuthorization(std::string_view token, const jose::Jwk& account_key) {
  if (!IsBase64Url(token, kMaxTokenLength)) {
    return InvalidArgumentError("invalid ACME challenge token");
  }
  std::string thumbprint = account_key.Thumbprint();
  if (thumbprint.empty()) return InvalidArgumentError("no account key");
  return std::string(token) + "." + thumbprint;
}

std::string Dns01TxtValue(std::string_view key_authorization) {
  return Base64UrlEncode(crypto::Sha256(key_authorization));
}

std::optional<Duration> ParseRetryAfter(std::string_view value, Time now) {
  value = Trim(value);
  if (value.empty() || value.size() > 64) return std::nullopt;
  bool digits = true;
  for (char c : value) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    if (value.size() > 9) return std::chrono::seconds(999999999);
    return std::chrono::seconds(std::stol(std::string(value)));
  }
  // IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  Time at = FromUnixSeconds(static_cast<int64_t>(timegm(&tm)));
  if (at <= now) return Duration::zero();
  return std::chrono::duration_cast<Duration>(at - now);
}

Result<jose::Jwk> GenerateAccountKey() { return jose::Jwk::Generate("EC", "P-256"); }

// --- AcmeClient ------------------------------------------------------------------------------

AcmeClient::AcmeClient(AcmeClientOptions options) : options_(std::move(options)) {
  http::ClientOptions o;
  o.ca_pem = options_.root_pem;
  o.insecure_skip_verify = options_.insecure;
  o.timeout = options_.timeout;
  o.max_response_bytes = options_.max_response_bytes;
  o.resolve = options_.resolve;
  http_ = std::make_unique<http::HttpClient>(std::move(o));
}

AcmeClient::~AcmeClient() = default;

Result<std::unique_ptr<AcmeClient>> AcmeClient::Create(AcmeClientOptions options) {
  if (options.directory_url.empty()) return InvalidArgumentError("missing ACME directory URL");
  if (!IsHttpUrl(options.directory_url)) {
    return InvalidArgumentError("ACME directory URL must be an https URL: " +
                                options.directory_url);
  }
  if (options.max_polls < 1) options.max_polls = 1;
  std::unique_ptr<AcmeClient> c(new AcmeClient(std::move(options)));
  const std::string& url = c->options_.directory_url;
  auto resp = c->http_->Get(url);
  if (!resp.ok()) return resp.status().Annotate("client GET " + url + " failed");
  if (resp->status >= 400) return StatusFromAcmeProblem(resp->status, resp->body);
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, ParseJsonObject(resp->body, "error reading " + url));
  CAIRN_ASSIGN_OR_RETURN(c->directory_, ParseAcmeDirectory(j));
  c->KeepNonce(*resp);
  return c;
}

void AcmeClient::SetAccountKey(jose::Jwk key, std::string account_url) {
  key_ = std::move(key);
  account_url_ = std::move(account_url);
}

Time AcmeClient::Now() const {
  return options_.clock != nullptr ? options_.clock->Now() : SystemClock::Default().Now();
}

void AcmeClient::Progress(std::string_view line) const {
  if (options_.progress) options_.progress(line);
}

void AcmeClient::KeepNonce(const http::ClientResponse& response) {
  std::string_view nonce = response.headers.Get("Replay-Nonce");
  if (IsBase64Url(nonce, kMaxNonceLength)) nonce_ = std::string(nonce);
}

Result<std::string> AcmeClient::Nonce() {
  if (!nonce_.empty()) return std::exchange(nonce_, std::string());
  const std::string& url = directory_.new_nonce;
  auto resp = http_->Request("HEAD", url);
  if (!resp.ok()) return resp.status().Annotate("client HEAD " + url + " failed");
  if (resp->status >= 400) return StatusFromAcmeProblem(resp->status, resp->body);
  KeepNonce(*resp);
  if (nonce_.empty()) return InvalidArgumentError("the ACME server sent no valid Replay-Nonce");
  return std::exchange(nonce_, std::string());
}

Result<AcmeClient::Reply> AcmeClient::PostWithKey(std::string_view url, std::string_view payload,
                                                  const jose::Jwk& key, std::string_view kid) {
  http::Headers headers;
  // RFC 8555 §7.4.2: the certificate is asked for as a PEM chain.
  headers.Set("Accept", "application/pem-certificate-chain, application/json");
  for (int attempt = 0;; ++attempt) {
    CAIRN_ASSIGN_OR_RETURN(std::string nonce, Nonce());
    CAIRN_ASSIGN_OR_RETURN(std::string jws, SignAcmeRequest(payload, key, url, nonce, kid));
    auto resp = http_->Post(url, jws, kJoseJson, headers);
    if (!resp.ok()) return resp.status().Annotate("client POST " + std::string(url) + " failed");
    KeepNonce(*resp);
    if (resp->status >= 400) {
      Status s = StatusFromAcmeProblem(resp->status, resp->body);
      // RFC 8555 §6.5: a badNonce answer carries a fresh nonce; retry once with it.
      if (s.reason() == "badNonce" && attempt == 0) {
        Progress("the ACME server rejected the nonce; retrying with a fresh one");
        continue;
      }
      return s;
    }
    Reply r;
    r.status = resp->status;
    r.body = std::move(resp->body);
    r.location = std::string(resp->headers.Get("Location"));
    r.retry_after = std::string(resp->headers.Get("Retry-After"));
    r.content_type = std::string(resp->headers.Get("Content-Type"));
    return r;
  }
}

Result<AcmeClient::Reply> AcmeClient::Post(std::string_view url, std::string_view payload,
                                           bool use_jwk) {
  if (key_.kty().empty()) return FailedPreconditionError("no ACME account key");
  std::string_view kid = use_jwk ? std::string_view() : std::string_view(account_url_);
  return PostWithKey(url, payload, key_, kid);
}

Result<nlohmann::json> AcmeClient::PostJson(std::string_view url, std::string_view payload,
                                            Reply* reply) {
  if (account_url_.empty()) return FailedPreconditionError("no ACME account: call NewAccount");
  CAIRN_ASSIGN_OR_RETURN(Reply r, Post(url, payload));
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j,
                         ParseJsonObject(r.body, "error reading " + std::string(url)));
  if (reply != nullptr) *reply = std::move(r);
  return j;
}

Status AcmeClient::Sleep(Time deadline, const Reply& last) {
  Time now = Now();
  Duration wait = options_.poll_interval;
  if (auto ra = ParseRetryAfter(last.retry_after, now)) wait = *ra;
  if (wait > options_.max_poll_interval) wait = options_.max_poll_interval;
  if (wait < Duration::zero()) wait = Duration::zero();
  if (now >= deadline) return DeadlineExceededError("timed out waiting for the ACME server");
  if (now + wait > deadline) wait = std::chrono::duration_cast<Duration>(deadline - now);
  if (options_.sleep) {
    options_.sleep(wait);
  } else {
    std::this_thread::sleep_for(wait);
  }
  return Status();
}

Result<AcmeAccount> AcmeClient::NewAccount(const NewAccountRequest& request) {
  if (key_.kty().empty()) return FailedPreconditionError("no ACME account key");
  nlohmann::json payload = nlohmann::json::object();
  if (!request.contact.empty()) {
    nlohmann::json contact = nlohmann::json::array();
    for (const auto& c : request.contact) contact.push_back(ContactUrl(c));
    payload["contact"] = std::move(contact);
  }
  if (request.terms_of_service_agreed) payload["termsOfServiceAgreed"] = true;
  if (request.only_return_existing) payload["onlyReturnExisting"] = true;
  if (!request.eab_kid.empty()) {
    CAIRN_ASSIGN_OR_RETURN(payload["externalAccountBinding"],
                           MakeExternalAccountBinding(key_, request.eab_kid, request.eab_hmac_key,
                                                      directory_.new_account));
  }
  CAIRN_ASSIGN_OR_RETURN(Reply r, Post(directory_.new_account, payload.dump(), /*use_jwk=*/true));
  if (r.location.empty()) {
    return FailedPreconditionError("the ACME server sent no account URL (Location)");
  }
  AcmeAccount account;
  if (Trim(r.body).empty()) {
    account.url = r.location;
    account.status = "valid";
  } else {
    CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, ParseJsonObject(r.body, "error reading new account"));
    CAIRN_ASSIGN_OR_RETURN(account, ParseAcmeAccount(j, r.location));
  }
  account.created = r.status == 201;
  account_url_ = r.location;
  return account;
}

Result<AcmeAccount> AcmeClient::GetAccount() {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(account_url_, ""));
  return ParseAcmeAccount(j, account_url_);
}

Result<AcmeAccount> AcmeClient::UpdateContact(const std::vector<std::string>& contact) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : contact) list.push_back(ContactUrl(c));
  nlohmann::json payload = {{"contact", std::move(list)}};
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(account_url_, payload.dump()));
  return ParseAcmeAccount(j, account_url_);
}

Result<AcmeAccount> AcmeClient::DeactivateAccount() {
  nlohmann::json payload = {{"status", "deactivated"}};
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(account_url_, payload.dump()));
  return ParseAcmeAccount(j, account_url_);
}

Status AcmeClient::KeyChange(jose::Jwk new_key) {
  if (account_url_.empty()) return FailedPreconditionError("no ACME account: call NewAccount");
  if (directory_.key_change.empty()) {
    return UnimplementedError("the ACME server does not support account key rollover");
  }
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json inner,
                         MakeKeyChangeJws(key_, new_key, account_url_, directory_.key_change));
  CAIRN_RETURN_IF_ERROR(Post(directory_.key_change, inner.dump()));
  key_ = std::move(new_key);
  return Status();
}

Result<AcmeOrder> AcmeClient::NewOrder(const NewOrderRequest& request) {
  if (request.identifiers.empty()) return InvalidArgumentError("an ACME order needs identifiers");
  nlohmann::json payload = {{"identifiers", IdentifiersJson(request.identifiers)}};
  if (request.not_before) payload["notBefore"] = FormatRfc3339(*request.not_before);
  if (request.not_after) payload["notAfter"] = FormatRfc3339(*request.not_after);
  Reply r;
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(directory_.new_order, payload.dump(), &r));
  if (r.location.empty()) return FailedPreconditionError("the ACME server sent no order URL");
  return ParseAcmeOrder(j, r.location);
}

Result<AcmeOrder> AcmeClient::GetOrder(std::string_view url) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(url, ""));
  return ParseAcmeOrder(j, std::string(url));
}

Result<AcmeAuthorization> AcmeClient::GetAuthorization(std::string_view url) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(url, ""));
  return ParseAcmeAuthorization(j, std::string(url));
}

Result<AcmeChallenge> AcmeClient::GetChallenge(std::string_view url) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(url, ""));
  return ParseAcmeChallenge(j);
}

Result<AcmeChallenge> AcmeClient::AnswerChallenge(std::string_view url) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(url, "{}"));
  return ParseAcmeChallenge(j);
}

Result<AcmeAuthorization> AcmeClient::DeactivateAuthorization(std::string_view url) {
  nlohmann::json payload = {{"status", "deactivated"}};
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(url, payload.dump()));
  return ParseAcmeAuthorization(j, std::string(url));
}

Result<AcmeAuthorization> AcmeClient::WaitAuthorization(std::string_view url) {
  Time deadline = Now() + options_.poll_timeout;
  for (int i = 0; i < options_.max_polls; ++i) {
    Reply r;
    CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(url, "", &r));
    CAIRN_ASSIGN_OR_RETURN(AcmeAuthorization a, ParseAcmeAuthorization(j, std::string(url)));
    if (a.status == "valid") return a;
    if (a.status == "invalid") {
      for (const auto& ch : a.challenges) {
        if (!ch.error.ok()) return ch.error;
      }
      return FailedPreconditionError("the authorization for " + a.identifier.value + " is invalid");
    }
    if (a.status != "pending") {
      return FailedPreconditionError("the authorization for " + a.identifier.value + " is " +
                                     a.status);
    }
    if (i + 1 < options_.max_polls) CAIRN_RETURN_IF_ERROR(Sleep(deadline, r));
  }
  return DeadlineExceededError("timed out waiting for the authorization " + std::string(url));
}

Result<AcmeChallenge> AcmeClient::WaitChallenge(std::string_view url) {
  Time deadline = Now() + options_.poll_timeout;
  Status last_error;
  for (int i = 0; i < options_.max_polls; ++i) {
    Reply r;
    CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(url, "", &r));
    CAIRN_ASSIGN_OR_RETURN(AcmeChallenge c, ParseAcmeChallenge(j));
    if (c.status == "valid") return c;
    if (c.status == "invalid") {
      return c.error.ok() ? FailedPreconditionError("the challenge is invalid") : c.error;
    }
    if (c.status != "pending" && c.status != "processing") {
      return FailedPreconditionError("the challenge is " + c.status);
    }
    if (!c.error.ok()) last_error = c.error;
    if (i + 1 < options_.max_polls) {
      Status slept = Sleep(deadline, r);
      if (!slept.ok()) break;
    }
  }
  std::string msg = "timed out waiting for the challenge " + std::string(url);
  if (!last_error.ok()) msg += " (last error: " + last_error.message() + ")";
  return DeadlineExceededError(std::move(msg));
}

Result<AcmeOrder> AcmeClient::WaitOrder(std::string_view url) {
  Time deadline = Now() + options_.poll_timeout;
  for (int i = 0; i < options_.max_polls; ++i) {
    Reply r;
    CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(url, "", &r));
    CAIRN_ASSIGN_OR_RETURN(AcmeOrder o, ParseAcmeOrder(j, std::string(url)));
    if (o.status != "pending" && o.status != "processing") return o;
    if (i + 1 < options_.max_polls) CAIRN_RETURN_IF_ERROR(Sleep(deadline, r));
  }
  return DeadlineExceededError("timed out waiting for the order " + std::string(url));
}

Result<AcmeOrder> AcmeClient::Finalize(const AcmeOrder& order, std::string_view csr_der) {
  if (csr_der.empty()) return InvalidArgumentError("empty certificate request");
  nlohmann::json payload = {{"csr", Base64UrlEncode(csr_der)}};
  Reply r;
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, PostJson(order.finalize, payload.dump(), &r));
  std::string url = order.url.empty() ? r.location : order.url;
  CAIRN_ASSIGN_OR_RETURN(AcmeOrder o, ParseAcmeOrder(j, url));
  if ((o.status == "processing" || o.status == "pending") && !url.empty()) {
    Time deadline = Now() + options_.poll_timeout;
    CAIRN_RETURN_IF_ERROR(Sleep(deadline, r));
    CAIRN_ASSIGN_OR_RETURN(o, WaitOrder(url));
  }
  if (o.status == "valid" && !o.certificate.empty()) return o;
  if (o.status == "invalid") {
    if (!o.error.ok()) return o.error.Annotate("the ACME order is invalid");
    return FailedPreconditionError("the ACME order is invalid");
  }
  return FailedPreconditionError("the ACME order is " + o.status + " after finalization");
}

Result<std::string> AcmeClient::DownloadCertificate(std::string_view url) {
  if (account_url_.empty()) return FailedPreconditionError("no ACME account: call NewAccount");
  if (url.empty()) return InvalidArgumentError("the ACME order has no certificate URL");
  CAIRN_ASSIGN_OR_RETURN(Reply r, Post(url, ""));
  auto blocks = crypto::ParsePemBlocks(r.body, options_.max_response_bytes);
  if (!blocks.ok() || blocks->empty()) {
    return InvalidArgumentError("failed to parse any certificates from the ACME server's response");
  }
  if (blocks->size() > kMaxChainCertificates) {
    return InvalidArgumentError("the ACME server sent too many certificates");
  }
  std::string chain;
  for (const auto& b : *blocks) {
    if (b.type != "CERTIFICATE") {
      return InvalidArgumentError("the ACME server's certificate chain holds a " + b.type +
                                  " block");
    }
    chain += crypto::EncodePem("CERTIFICATE", b.bytes);
  }
  return chain;
}

Status AcmeClient::Revoke(std::string_view cert_der, std::optional<int> reason) {
  if (account_url_.empty()) return FailedPreconditionError("no ACME account: call NewAccount");
  if (directory_.revoke_cert.empty()) {
    return UnimplementedError("the ACME server does not support revocation");
  }
  nlohmann::json payload = {{"certificate", Base64UrlEncode(cert_der)}};
  if (reason) payload["reason"] = *reason;
  return Post(directory_.revoke_cert, payload.dump()).status();
}

Status AcmeClient::RevokeWithCertificateKey(std::string_view cert_der, const jose::Jwk& cert_key,
                                            std::optional<int> reason) {
  if (directory_.revoke_cert.empty()) {
    return UnimplementedError("the ACME server does not support revocation");
  }
  nlohmann::json payload = {{"certificate", Base64UrlEncode(cert_der)}};
  if (reason) payload["reason"] = *reason;
  return PostWithKey(directory_.revoke_cert, payload.dump(), cert_key, "").status();
}

Result<std::string> AcmeClient::ObtainCertificate(const NewOrderRequest& request,
                                                  std::string_view csr_der,
                                                  ChallengeSolver& solver) {
  CAIRN_ASSIGN_OR_RETURN(AcmeOrder order, NewOrder(request));
  if (order.authorizations.size() > 100) {
    return InvalidArgumentError("the ACME order has too many authorizations");
  }
  for (const std::string& authz_url : order.authorizations) {
    CAIRN_ASSIGN_OR_RETURN(AcmeAuthorization authz, GetAuthorization(authz_url));
    const std::string& ident = authz.identifier.value;
    if (authz.status == "valid") {
      Progress("The authorization for " + ident + " is already valid");
      continue;
    }
    if (authz.status != "pending") {
      return FailedPreconditionError("the authorization for " + ident + " is " + authz.status);
    }
    const AcmeChallenge* chosen = nullptr;
    for (const auto& ch : authz.challenges) {
      if (ch.type == solver.type()) {
        chosen = &ch;
        break;
      }
    }
    if (chosen == nullptr) {
      return FailedPreconditionError("unable to validate any challenges for identifier: " + ident +
                                     " (no " + std::string(solver.type()) + " challenge offered)");
    }
    CAIRN_ASSIGN_OR_RETURN(std::string key_auth, KeyAuthorization(chosen->token, key_));
    CAIRN_RETURN_IF_ERROR(solver.Present(authz.identifier, chosen->token, key_auth));
    Result<AcmeAuthorization> done = [&]() -> Result<AcmeAuthorization> {
      CAIRN_ASSIGN_OR_RETURN(AcmeChallenge answered, AnswerChallenge(chosen->url));
      if (answered.status == "invalid") {
        return answered.error.ok() ? FailedPreconditionError("the challenge is invalid")
                                   : answered.error;
      }
      if (answered.status == "valid") return authz;
      // Poll the challenge rather than the authorization: step-ca retries a pending
      // validation on each POST-as-GET of the challenge.
      CAIRN_RETURN_IF_ERROR(WaitChallenge(chosen->url));
      return authz;
    }();
    solver.CleanUp(chosen->token);
    if (!done.ok()) {
      return done.status().Annotate("error validating the " + std::string(solver.type()) +
                                    " challenge for " + ident);
    }
  }
  CAIRN_ASSIGN_OR_RETURN(order, WaitOrder(order.url));
  if (order.status == "invalid") {
    return order.error.ok() ? FailedPreconditionError("the ACME order is invalid")
                            : order.error.Annotate("the ACME order is invalid");
  }
  if (order.status != "ready" && order.status != "valid") {
    return FailedPreconditionError("the ACME order is " + order.status);
  }
  if (order.status == "ready") {
    Progress("Finalizing the order");
    CAIRN_ASSIGN_OR_RETURN(order, Finalize(order, csr_der));
  }
  return DownloadCertificate(order.certificate);
}

}  // namespace cairn::client

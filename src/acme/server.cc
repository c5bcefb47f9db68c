#include "acme/server.h"

#include <algorithm>
#include <set>

#include "acme/problem.h"
#include "base/duration.h"
#include "base/encoding.h"
#include "base/json_depth.h"
#include "base/strings.h"
#include "crypto/pem.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/name.h"

namespace cairn::acme {
namespace {

constexpr std::string_view kAllowedAlgs[] = {"RS256", "RS384", "RS512", "PS256", "PS384",
                                             "PS512", "ES256", "ES384", "ES512", "EdDSA"};
constexpr std::string_view kEabAlgs[] = {"HS256", "HS384", "HS512"};
constexpr size_t kIdLength = 32;
constexpr size_t kMaxContacts = 10;
constexpr size_t kMaxContactLength = 512;
constexpr int kMaxCasRetries = 8;
constexpr int kMaxOrdersListed = 1000;
constexpr Duration kMaxRetryDelay = std::chrono::seconds(30);
constexpr Duration kNoncePurgeInterval = std::chrono::minutes(10);

bool IsAllowedAlg(std::string_view alg) {
  return std::find(std::begin(kAllowedAlgs), std::end(kAllowedAlgs), alg) != std::end(kAllowedAlgs);
}

std::string HeaderString(const nlohmann::json& header, const char* key) {
  auto it = header.find(key);
  return it != header.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// ParsePayload parses a JWS payload that must be a JSON object (nested at most kMaxDepth deep;
// the JWS itself is bounded by jose::kMaxJwsSize).
Result<nlohmann::json> ParsePayload(std::string_view payload) {
  constexpr int kMaxDepth = 16;
  if (JsonNestingDepth(payload) > kMaxDepth)
    return Malformed("the JWS payload is nested too deeply");
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object()) return Malformed("the JWS payload is not a JSON object");
  return j;
}

Status RejectedIdentifier(std::string detail) {
  return Problem(StatusCode::kPermissionDenied, "rejectedIdentifier", std::move(detail));
}
Status UnsupportedIdentifier(std::string detail) {
  return Problem(StatusCode::kInvalidArgument, "unsupportedIdentifier", std::move(detail));
}
Status BadCsr(std::string detail) {
  return Problem(StatusCode::kInvalidArgument, "badCSR", std::move(detail));
}
Status OrderNotReady(std::string detail) {
  return Problem(StatusCode::kPermissionDenied, "orderNotReady", std::move(detail));
}

// IsDnsName accepts a lower-case DNS name, optionally with a leading "*." label: labels of
// letters, digits, hyphens (not at either end) and underscores, 1..63 bytes, at most 253 in
// all.
bool IsDnsName(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) return false;
  for (std::string_view label : Split(name, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return false;
    }
  }
  return true;
}

// ParseContacts checks an account's "contact" (RFC 8555 §7.3, §7.3.2): a list of at most
// kMaxContacts mailto: URLs, each with an address.
Result<std::vector<std::string>> ParseContacts(const nlohmann::json& c) {
  if (!c.is_array() || c.size() > kMaxContacts) {
    return Malformed("contact must be a list of at most 10 URLs");
  }
  std::vector<std::string> contact;
  for (const auto& e : c) {
    if (!e.is_string() || e.get<std::string>().size() > kMaxContactLength) {
      return Malformed("contact must be a list of URLs");
    }
    const std::string v = e.get<std::string>();
    if (!v.starts_with("mailto:") || v.size() <= 7 || v.find('@') == std::string::npos) {
      return Problem(
          StatusCode::kInvalidArgument, "unsupportedContact",
          "only mailto: contacts with an address are supported, not \"" + v.substr(0, 100) + "\"");
    }
    contact.push_back(v);
  }
  return contact;
}

bool IsTerminal(std::string_view status) {
  return status == "valid" || status == "invalid" || status == "deactivated" ||
         status == "revoked" || status == "expired";
}

}  // namespace

void AcmeResponse::SetJson(int code, const nlohmann::json& j) {
  status = code;
  content_type = "application/json";
  body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Context is one request in progress.
struct AcmeServer::Context {
  const AcmeRequest& req;
  AcmeResponse& resp;
  std::shared_ptr<authority::Authority> authority;
  const provisioner::AcmeProvisioner* prov = nullptr;
  Urls urls;
  Time now;
  // Filled by Authenticate.
  jose::ParsedJws jws;
  std::string url;  // the protected "url"
  std::optional<Account> account;
  std::optional<jose::Jwk> jwk;
  bool post_as_get = false;
};

Result<std::unique_ptr<AcmeServer>> AcmeServer::Create(Env env, AuthoritySource authorities,
                                                       AcmeServerOptions options) {
  auto server = std::unique_ptr<AcmeServer>(new AcmeServer(env, std::move(authorities), options));
  CAIRN_ASSIGN_OR_RETURN(server->nonces_, NonceSource::Create(env.store, env.random, env.clock,
                                                              options.nonce_lifetime));
  AcmeServer* raw = server.get();
  server->timer_thread_ = std::thread([raw] { raw->TimerLoop(); });
  return server;
}

AcmeServer::AcmeServer(Env env, AuthoritySource authorities, AcmeServerOptions options)
    : env_(env),
      authorities_(std::move(authorities)),
      options_(std::move(options)),
      validator_(options_.validation),
      workers_(std::make_unique<WorkQueue>(std::max(1, options_.validation_threads), 4096)) {}

AcmeServer::~AcmeServer() {
  {
    std::lock_guard<std::mutex> lock(timer_mu_);
    stopping_ = true;
    timers_.clear();
  }
  timer_cv_.notify_all();
  if (timer_thread_.joinable()) timer_thread_.join();
  workers_.reset();  // runs what was accepted, then joins
}

// ---- Scheduling of validations.

void AcmeServer::ScheduleValidation(std::string authz_id, std::string challenge_id,
                                    Duration delay) {
  {
    std::lock_guard<std::mutex> lock(timer_mu_);
    if (stopping_) return;
    ++in_flight_;
    timers_.emplace(env_.clock.Now() + delay,
                    std::make_pair(std::move(authz_id), std::move(challenge_id)));
  }
  timer_cv_.notify_all();
}

void AcmeServer::TimerLoop() {
  std::unique_lock<std::mutex> lock(timer_mu_);
  Time next_purge = env_.clock.Now() + kNoncePurgeInterval;
  while (!stopping_) {
    const Time now = env_.clock.Now();
    if (now >= next_purge) {
      // Used nonces are remembered only while they could still be presented.
      next_purge = now + kNoncePurgeInterval;
      lock.unlock();
      auto purged = nonces_->PurgeUsed();
      if (!purged.ok()) {
        env_.log.Warn("acme: purging used nonces", {{"error", purged.status().message()}});
      }
      lock.lock();
      continue;
    }
    if (timers_.empty()) {
      timer_cv_.wait_for(lock, std::min<Duration>(next_purge - now, std::chrono::seconds(1)));
      continue;
    }
    auto first = timers_.begin();
    if (first->first > now) {
      // The clock may be a fake one in tests: wake up at least every 50 ms.
      auto wait = std::min<Duration>(first->first - now, std::chrono::milliseconds(50));
      timer_cv_.wait_for(lock, wait);
      continue;
    }
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    std::string authz_id = first->second.first;
    std::string challenge_id = first->second.second;
    timers_.erase(first);
    lock.unlock();
    bool accepted = workers_->TrySubmit([this, authz_id, challenge_id] {
      RunValidation(authz_id, challenge_id);
      --in_flight_;
    });
    lock.lock();
    if (!accepted && !stopping_) {
      // Every worker is busy and the queue is full: try again a little later.
      timers_.emplace(env_.clock.Now() + std::chrono::milliseconds(200),
                      std::make_pair(authz_id, challenge_id));
    } else if (!accepted) {
      --in_flight_;
    }
  }
  // Drop what never ran; its challenges stay "processing" and resume when polled.
  in_flight_ -= static_cast<int>(timers_.size());
  timers_.clear();
}

void AcmeServer::WaitForValidationsForTest() {
  while (in_flight_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void AcmeServer::RunValidation(const std::string& authz_id, const std::string& challenge_id) {
  auto load = [&]() -> Result<Authorization> {
    CAIRN_ASSIGN_OR_RETURN(auto rec, env_.store.GetAcmeAuthz(authz_id));
    if (!rec.has_value()) return NotFoundError("authorization " + authz_id + " is gone");
    return Authorization::FromRecord(*rec);
  };
  auto authz = load();
  if (!authz.ok()) {
    env_.log.Warn("acme: validation: cannot load authorization",
                  {{"authz", authz_id}, {"error", authz.status().message()}});
    return;
  }
  Challenge* ch = authz->FindChallenge(challenge_id);
  if (ch == nullptr || ch->status != "processing" || authz->status != "pending") return;
  auto account_rec = env_.store.GetAcmeAccount(authz->account_id);
  if (!account_rec.ok() || !account_rec->has_value()) return;
  auto account = Account::FromRecord(**account_rec);
  if (!account.ok()) return;

  const std::string key_auth = KeyAuthorization(authz->token, account->key_id());
  Status result;
  if (ch->type == "http-01") {
    result = validator_.ValidateHttp01(authz->identifier, authz->token, key_auth);
  } else if (ch->type == "tls-alpn-01") {
    result = validator_.ValidateTlsAlpn01(authz->identifier, authz->token, key_auth);
  } else if (ch->type == "dns-01") {
    result = validator_.ValidateDns01(authz->identifier, authz->token, key_auth);
  } else {
    result = Problem(StatusCode::kInvalidArgument, "malformed",
                     "challenge type " + ch->type + " is not supported");
  }
  const int attempts = ch->attempts + 1;
  const bool retry = !result.ok() && IsRetryable(result) && attempts < options_.validation_attempts;
  Duration delay = options_.retry_delay;
  for (int i = 1; i < attempts && delay < kMaxRetryDelay; ++i) delay *= 2;
  delay = std::min(delay, kMaxRetryDelay);

  // Store the outcome; another writer (a deactivation, another process) may have come first.
  for (int tries = 0; tries < kMaxCasRetries; ++tries) {
    if (tries > 0) {
      authz = load();
      if (!authz.ok()) return;
    }
    Challenge* c = authz->FindChallenge(challenge_id);
    if (c == nullptr || c->status != "processing" || authz->status != "pending") return;
    const Time now = env_.clock.Now();
    c->attempts = attempts;
    if (result.ok()) {
      c->status = "valid";
      c->validated = now;
      c->error = nullptr;
      c->lease_until = Time{};
      authz->status = "valid";
    } else {
      Status shown = result;
      if (shown.reason().empty()) {
        shown = Problem(result.code(), "serverInternal", result.message());
      } else if (shown.public_message().empty()) {
        shown = Problem(result.code(), result.reason(), result.message());
      }
      c->error = ProblemJson(shown);
      if (retry) {
        c->lease_until = now + delay + 2 * options_.validation.timeout + std::chrono::seconds(5);
      } else {
        c->status = "invalid";
        c->lease_until = Time{};
        authz->status = "invalid";
      }
    }
    Status s = env_.store.UpdateAcmeAuthz(authz->ToRecord());
    if (s.code() == StatusCode::kAborted) continue;
    if (!s.ok()) {
      env_.log.Warn("acme: validation: cannot store the outcome",
                    {{"authz", authz_id}, {"error", s.message()}});
      return;
    }
    env_.log.Info("acme challenge validated",
                  {{"authz", authz_id},
                   {"type", c->type},
                   {"identifier", authz->identifier.value},
                   {"status", c->status},
                   {"attempt", attempts},
                   {"error", result.ok() ? std::string() : result.message()}});
    if (retry) ScheduleValidation(authz_id, challenge_id, delay);
    return;
  }
}

void AcmeServer::Kick(Authorization& authz) {
  if (authz.status != "pending") return;
  const Time now = env_.clock.Now();
  std::vector<std::string> kicked;
  for (Challenge& c : authz.challenges) {
    if (c.status == "processing" && c.lease_until <= now) {
      c.lease_until = now + 2 * options_.validation.timeout + std::chrono::seconds(5);
      kicked.push_back(c.id);
    }
  }
  if (kicked.empty()) return;
  // Only the writer that wins the lease schedules the validation.
  if (!env_.store.UpdateAcmeAuthz(authz.ToRecord()).ok()) return;
  ++authz.version;
  for (const std::string& id : kicked) ScheduleValidation(authz.id, id, Duration::zero());
}

// ---- Requests.

Status AcmeServer::Limit(Context& ctx, const std::string& what, const std::string& key,
                         const RateLimit& limit) {
  if (!limit.enabled()) return Status();
  Duration retry_after{};
  if (limiter_.Allow(ctx.prov->name() + "/" + key, limit, ctx.now, &retry_after)) {
    return Status();
  }
  const auto seconds =
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(retry_after).count());
  ctx.resp.AddHeader("Retry-After", std::to_string(seconds));
  return Problem(StatusCode::kResourceExhausted, "rateLimited",
                 "too many " + what + ": at most " + std::to_string(limit.limit) + " per " +
                     FormatGoDuration(limit.window) + "; retry after " + std::to_string(seconds) +
                     "s");
}

void AcmeServer::Handle(const AcmeRequest& request, AcmeResponse& response) {
  std::shared_ptr<authority::Authority> authority = authorities_ ? authorities_() : nullptr;
  Context ctx{
      request,         response, authority, nullptr, Urls(request.host, request.provisioner),
      env_.clock.Now()};
  Status s = [&]() -> Status {
    if (authority == nullptr) return ServerInternal("the authority is not ready");
    const provisioner::Provisioner* p = authority->provisioners().LoadByName(request.provisioner);
    if (p == nullptr || p->type() != provisioner::Type::kAcme) {
      return NotFound("provisioner \"" + request.provisioner + "\" is not an ACME provisioner");
    }
    ctx.prov = static_cast<const provisioner::AcmeProvisioner*>(p);
    response.log_fields["provisioner"] = p->name();
    CAIRN_RETURN_IF_ERROR(Limit(ctx, "requests from " + request.remote_address,
                                "ip:" + request.remote_address,
                                ctx.prov->rate_limits().requests_per_ip));
    return Serve(ctx);
  }();
  if (!s.ok()) {
    // Drop what the failed handler set, except a Location (a 409 names the conflicting
    // resource with one, RFC 8555 §7.3.5) and a Retry-After (of a rate limit).
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto& h : response.headers) {
      if (EqualsIgnoreCase(h.first, "Location") || EqualsIgnoreCase(h.first, "Retry-After")) {
        kept.push_back(std::move(h));
      }
    }
    response.headers = std::move(kept);
    response.status = ProblemStatus(s);
    response.content_type = "application/problem+json";
    response.body = ProblemJson(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    response.log_fields["error"] = s.message();
  }
  if (request.endpoint != Endpoint::kDirectory) {
    auto nonce = nonces_->Make();
    if (nonce.ok()) response.AddHeader("Replay-Nonce", *nonce);
  }
  response.AddHeader("Link", "<" + ctx.urls.Directory() + ">;rel=\"index\"");
  if (request.endpoint == Endpoint::kNewNonce) response.AddHeader("Cache-Control", "no-store");
}

Status AcmeServer::Serve(Context& ctx) {
  const AcmeRequest& r = ctx.req;
  const bool post = r.method == "POST";
  auto need_post = [&]() -> Status {
    if (!post) return Malformed("this resource is reached with POST (RFC 8555 §6.3)");
    return Status();
  };
  switch (r.endpoint) {
    case Endpoint::kDirectory:
      return Directory(ctx);
    case Endpoint::kNewNonce:
      ctx.resp.status = r.method == "HEAD" ? 200 : 204;
      return Status();
    case Endpoint::kRenewalInfo:
      return RenewalInfo(ctx);
    default:
      break;
  }
  CAIRN_RETURN_IF_ERROR(need_post());
  switch (r.endpoint) {
    case Endpoint::kNewAccount:
      return NewAccount(ctx);
    case Endpoint::kAccount:
      return UpdateAccount(ctx);
    case Endpoint::kAccountOrders:
      return AccountOrders(ctx);
    case Endpoint::kNewOrder:
      return NewOrder(ctx);
    case Endpoint::kOrder:
      return GetOrder(ctx);
    case Endpoint::kFinalize:
      return Finalize(ctx);
    case Endpoint::kAuthz:
      return GetAuthz(ctx);
    case Endpoint::kChallenge:
      return PostChallenge(ctx);
    case Endpoint::kCertificate:
      return GetCertificate(ctx);
    case Endpoint::kRevokeCert:
      return RevokeCert(ctx);
    case Endpoint::kKeyChange:
      return KeyChange(ctx);
    default:
      return NotFound("no such ACME resource");
  }
}

Status AcmeServer::Directory(Context& ctx) {
  const Urls& u = ctx.urls;
  nlohmann::json dir{{"newNonce", u.NewNonce()},   {"newAccount", u.NewAccount()},
                     {"newOrder", u.NewOrder()},   {"revokeCert", u.RevokeCert()},
                     {"keyChange", u.KeyChange()}, {"renewalInfo", u.RenewalInfo()}};
  nlohmann::json meta = nlohmann::json::object();
  if (!ctx.prov->terms_of_service().empty()) meta["termsOfService"] = ctx.prov->terms_of_service();
  if (!ctx.prov->website().empty()) meta["website"] = ctx.prov->website();
  if (!ctx.prov->caa_identities().empty()) meta["caaIdentities"] = ctx.prov->caa_identities();
  if (ctx.prov->require_eab()) meta["externalAccountRequired"] = true;
  if (!meta.empty()) dir["meta"] = std::move(meta);
  ctx.resp.SetJson(200, dir);
  return Status();
}

// ExpectedUrl is the URL the client must sign for this request (RFC 8555 §6.4).
static std::string ExpectedUrl(const AcmeRequest& r, const Urls& u) {
  auto id = [&](size_t i) { return i < r.ids.size() ? r.ids[i] : std::string(); };
  switch (r.endpoint) {
    case Endpoint::kNewAccount:
      return u.NewAccount();
    case Endpoint::kAccount:
      return u.Account(id(0));
    case Endpoint::kAccountOrders:
      return u.Orders(id(0));
    case Endpoint::kNewOrder:
      return u.NewOrder();
    case Endpoint::kOrder:
      return u.Order(id(0));
    case Endpoint::kFinalize:
      return u.Finalize(id(0));
    case Endpoint::kAuthz:
      return u.Authz(id(0));
    case Endpoint::kChallenge:
      return u.Challenge(id(0), id(1));
    case Endpoint::kCertificate:
      return u.Certificate(id(0));
    case Endpoint::kRevokeCert:
      return u.RevokeCert();
    case Endpoint::kKeyChange:
      return u.KeyChange();
    default:
      return std::string();
  }
}

Status AcmeServer::Authenticate(Context& ctx, bool allow_jwk) {
  std::string_view ct = ctx.req.content_type;
  if (size_t semi = ct.find(';'); semi != std::string_view::npos) ct = ct.substr(0, semi);
  if (!EqualsIgnoreCase(Trim(ct), "application/jose+json")) {
    return Malformed("expected Content-Type application/jose+json");
  }
  auto jws = jose::ParseFlattened(ctx.req.body);
  if (!jws.ok()) return Malformed("invalid JWS: " + jws.status().message());
  ctx.jws = std::move(jws).value();
  const nlohmann::json& h = ctx.jws.header;
  if (!IsAllowedAlg(ctx.jws.alg)) {
    return Problem(StatusCode::kInvalidArgument, "badSignatureAlgorithm",
                   "unsupported JWS algorithm \"" + ctx.jws.alg +
                       "\"; use one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, "
                       "ES512, EdDSA");
  }
  ctx.url = HeaderString(h, "url");
  if (ctx.url.empty()) return Malformed("the JWS protected header has no \"url\"");
  const std::string expected = ExpectedUrl(ctx.req, ctx.urls);
  if (ctx.url != expected) {
    return Unauthorized("the JWS \"url\" (" + ctx.url.substr(0, 200) +
                        ") is not the URL of this request (" + expected + ")");
  }
  const bool has_jwk = h.contains("jwk");
  const bool has_kid = h.contains("kid");
  if (has_jwk == has_kid) {
    return Malformed("the JWS protected header must have exactly one of \"jwk\" and \"kid\"");
  }
  const std::span<const std::string_view> algs(kAllowedAlgs);
  if (has_jwk) {
    if (!allow_jwk) return Malformed("this request must be signed with \"kid\", not \"jwk\"");
    if (!h["jwk"].is_object()) return Malformed("\"jwk\" is not a JSON object");
    auto key = jose::Jwk::FromJson(h["jwk"]);
    if (!key.ok()) {
      return Problem(StatusCode::kInvalidArgument, "badPublicKey",
                     "invalid \"jwk\": " + key.status().message());
    }
    if (key->is_symmetric() || key->is_private()) {
      return Problem(StatusCode::kInvalidArgument, "badPublicKey", "\"jwk\" must be a public key");
    }
    if (Status s = jose::Verify(ctx.jws, *key, algs); !s.ok()) {
      return Malformed("JWS signature does not verify: " + s.message());
    }
    ctx.jwk = std::move(key).value();
  } else {
    const std::string kid = HeaderString(h, "kid");
    const std::string id = ctx.urls.AccountIdFromUrl(kid);
    if (id.empty() || !store::ValidateAcmeId(id).ok()) {
      return AccountDoesNotExist("\"kid\" is not an account URL of this provisioner");
    }
    CAIRN_ASSIGN_OR_RETURN(auto rec, env_.store.GetAcmeAccount(id));
    if (!rec.has_value() || rec->provisioner != ctx.prov->name()) {
      return AccountDoesNotExist("account " + id + " does not exist");
    }
    CAIRN_ASSIGN_OR_RETURN(Account account, Account::FromRecord(*rec));
    if (Status s = jose::Verify(ctx.jws, account.key, algs); !s.ok()) {
      return Malformed("JWS signature does not verify: " + s.message());
    }
    if (account.status != "valid") {
      return Unauthorized("account " + id + " is " + account.status);
    }
    ctx.resp.log_fields["account"] = account.id;
    ctx.account = std::move(account);
  }
  // The nonce last: a request that fails the cheap checks costs no store write.
  CAIRN_RETURN_IF_ERROR(nonces_->Consume(HeaderString(h, "nonce")));
  ctx.post_as_get = ctx.jws.payload.empty();
  return Status();
}

// ---- Accounts.

Result<std::string> AcmeServer::VerifyEab(Context& ctx, const nlohmann::json& eab) {
  if (!eab.is_object()) return Malformed("externalAccountBinding must be a JWS object");
  auto jws = jose::ParseFlattened(eab.dump());
  if (!jws.ok()) return Malformed("invalid externalAccountBinding: " + jws.status().message());
  if (std::find(std::begin(kEabAlgs), std::end(kEabAlgs), jws->alg) == std::end(kEabAlgs)) {
    return Problem(StatusCode::kInvalidArgument, "badSignatureAlgorithm",
                   "externalAccountBinding must use HS256, HS384 or HS512");
  }
  const std::string kid = HeaderString(jws->header, "kid");
  if (kid.empty()) return Malformed("externalAccountBinding has no \"kid\"");
  if (jws->header.contains("nonce"))
    return Malformed("externalAccountBinding must not have a nonce");
  if (HeaderString(jws->header, "url") != ctx.url) {
    return Malformed("externalAccountBinding \"url\" is not the newAccount URL");
  }
  auto inner_key = jose::Jwk::Parse(jws->payload);
  if (!inner_key.ok() || inner_key->Thumbprint() != ctx.jwk->Thumbprint()) {
    return Malformed("externalAccountBinding payload is not the account key");
  }
  if (!store::ValidateAcmeId(kid).ok()) {
    return Unauthorized("external account binding key \"" + kid.substr(0, 64) + "\" not found");
  }
  CAIRN_ASSIGN_OR_RETURN(auto key, env_.store.GetAcmeEabKey(ctx.prov->name(), kid));
  if (!key.has_value())
    return Unauthorized("external account binding key \"" + kid + "\" not found");
  auto hmac = jose::Jwk::FromSymmetric(key->hmac_key);
  if (!hmac.ok()) return ServerInternal("the external account binding key is unusable");
  const std::string_view alg = jws->alg;
  if (Status s = jose::Verify(*jws, *hmac, std::span<const std::string_view>(&alg, 1)); !s.ok()) {
    return Unauthorized("externalAccountBinding signature does not verify");
  }
  if (!key->account_id.empty()) {
    return Unauthorized("external account binding key \"" + kid + "\" is already bound");
  }
  return kid;
}

Status AcmeServer::NewAccount(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/true));
  if (!ctx.jwk) return Malformed("newAccount must be signed with \"jwk\"");
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json payload, ParsePayload(ctx.jws.payload));
  const std::string key_id = ctx.jwk->Thumbprint();

  auto existing_rec = env_.store.GetAcmeAccountByKey(ctx.prov->name(), key_id);
  CAIRN_RETURN_IF_ERROR(existing_rec.status());
  if (existing_rec->has_value()) {
    CAIRN_ASSIGN_OR_RETURN(Account existing, Account::FromRecord(**existing_rec));
    if (existing.status != "valid") return Unauthorized("account is " + existing.status);
    ctx.resp.AddHeader("Location", ctx.urls.Account(existing.id));
    ctx.resp.SetJson(200, existing.ToWire(ctx.urls));
    return Status();
  }
  auto only = payload.find("onlyReturnExisting");
  if (only != payload.end() && only->is_boolean() && only->get<bool>()) {
    return AccountDoesNotExist("no account exists with this key");
  }
  Account account;
  if (auto c = payload.find("contact"); c != payload.end() && !c->is_null()) {
    CAIRN_ASSIGN_OR_RETURN(account.contact, ParseContacts(*c));
  }
  if (auto t = payload.find("termsOfServiceAgreed"); t != payload.end() && t->is_boolean()) {
    account.terms_of_service_agreed = t->get<bool>();
  }
  std::string eab_key_id;
  if (auto eab = payload.find("externalAccountBinding"); eab != payload.end() && !eab->is_null()) {
    CAIRN_ASSIGN_OR_RETURN(eab_key_id, VerifyEab(ctx, *eab));
  } else if (ctx.prov->require_eab()) {
    return Problem(StatusCode::kUnauthenticated, "externalAccountRequired",
                   "this provisioner requires an external account binding");
  }
  CAIRN_RETURN_IF_ERROR(Limit(ctx, "new accounts from " + ctx.req.remote_address,
                              "new-account:" + ctx.req.remote_address,
                              ctx.prov->rate_limits().new_accounts_per_ip));
  CAIRN_ASSIGN_OR_RETURN(account.id, env_.random.Alphanumeric(kIdLength));
  account.provisioner = ctx.prov->name();
  account.key = *ctx.jwk;
  account.eab_key_id = eab_key_id;
  Status s = env_.store.CreateAcmeAccount(account.ToRecord(), eab_key_id);
  if (s.code() == StatusCode::kAlreadyExists) {
    // Another request registered the same key meanwhile: that account is this one.
    auto rec = env_.store.GetAcmeAccountByKey(ctx.prov->name(), key_id);
    if (rec.ok() && rec->has_value()) {
      ctx.resp.AddHeader("Location", ctx.urls.Account((*rec)->id));
      CAIRN_ASSIGN_OR_RETURN(Account existing, Account::FromRecord(**rec));
      ctx.resp.SetJson(200, existing.ToWire(ctx.urls));
      return Status();
    }
    return s;
  }
  if (s.code() == StatusCode::kNotFound) {
    return Unauthorized("external account binding key \"" + eab_key_id + "\" not found");
  }
  if (s.code() == StatusCode::kFailedPrecondition) {
    return Unauthorized("external account binding key \"" + eab_key_id + "\" is already bound");
  }
  CAIRN_RETURN_IF_ERROR(s);
  env_.log.Info(
      "acme account created",
      {{"provisioner", account.provisioner}, {"account", account.id}, {"eab", eab_key_id}});
  ctx.resp.log_fields["account"] = account.id;
  ctx.resp.AddHeader("Location", ctx.urls.Account(account.id));
  ctx.resp.SetJson(201, account.ToWire(ctx.urls));
  return Status();
}

Status AcmeServer::UpdateAccount(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/false));
  if (ctx.req.ids.empty() || ctx.req.ids[0] != ctx.account->id) {
    return Unauthorized("the account in the URL is not the account that signed the request");
  }
  Account& account = *ctx.account;
  if (!ctx.post_as_get) {
    CAIRN_ASSIGN_OR_RETURN(nlohmann::json payload, ParsePayload(ctx.jws.payload));
    for (int tries = 0;; ++tries) {
      if (auto st = payload.find("status"); st != payload.end() && !st->is_null()) {
        if (!st->is_string() || st->get<std::string>() != "deactivated") {
          return Malformed("an account's status can only be changed to \"deactivated\"");
        }
        account.status = "deactivated";
      }
      if (auto c = payload.find("contact"); c != payload.end() && !c->is_null()) {
        CAIRN_ASSIGN_OR_RETURN(account.contact, ParseContacts(*c));
      }
      Status s = env_.store.UpdateAcmeAccount(account.ToRecord());
      if (s.code() != StatusCode::kAborted || tries >= kMaxCasRetries) {
        CAIRN_RETURN_IF_ERROR(s);
        break;
      }
      CAIRN_ASSIGN_OR_RETURN(auto rec, env_.store.GetAcmeAccount(account.id));
      if (!rec.has_value()) return AccountDoesNotExist("account is gone");
      CAIRN_ASSIGN_OR_RETURN(account, Account::FromRecord(*rec));
    }
  }
  ctx.resp.AddHeader("Location", ctx.urls.Account(account.id));
  ctx.resp.SetJson(200, account.ToWire(ctx.urls));
  return Status();
}

Status AcmeServer::AccountOrders(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/false));
  if (ctx.req.ids.empty() || ctx.req.ids[0] != ctx.account->id) {
    return Unauthorized("the account in the URL is not the account that signed the request");
  }
  nlohmann::json orders = nlohmann::json::array();
  std::string cursor;
  while (orders.size() < static_cast<size_t>(kMaxOrdersListed)) {
    CAIRN_ASSIGN_OR_RETURN(auto page, env_.store.ListAcmeOrders(ctx.account->id, cursor, 500));
    for (const auto& rec : page) orders.push_back(ctx.urls.Order(rec.id));
    if (page.size() < 500) break;
    cursor = page.back().id;
  }
  ctx.resp.SetJson(200, nlohmann::json{{"orders", std::move(orders)}});
  return Status();
}

Status AcmeServer::KeyChange(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/false));
  auto inner = jose::ParseFlattened(ctx.jws.payload);
  if (!inner.ok())
    return Malformed("the keyChange payload is not a JWS: " + inner.status().message());
  if (!IsAllowedAlg(inner->alg)) {
    return Problem(StatusCode::kInvalidArgument, "badSignatureAlgorithm",
                   "unsupported JWS algorithm \"" + inner->alg + "\" in the inner JWS");
  }
  const nlohmann::json& h = inner->header;
  if (!h.contains("jwk") || h.contains("kid")) {
    return Malformed("the inner JWS of keyChange must be signed with \"jwk\" (the new key)");
  }
  if (h.contains("nonce")) return Malformed("the inner JWS of keyChange must not have a nonce");
  if (HeaderString(h, "url") != ctx.url) {
    return Malformed("the inner JWS \"url\" is not the keyChange URL");
  }
  auto new_key = jose::Jwk::FromJson(h["jwk"]);
  if (!new_key.ok() || new_key->is_symmetric() || new_key->is_private()) {
    return Problem(StatusCode::kInvalidArgument, "badPublicKey", "the new key is not usable");
  }
  const std::span<const std::string_view> algs(kAllowedAlgs);
  if (Status s = jose::Verify(*inner, *new_key, algs); !s.ok()) {
    return Malformed("the inner JWS signature does not verify with the new key");
  }
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json payload, ParsePayload(inner->payload));
  if (HeaderString(payload, "account") != ctx.urls.Account(ctx.account->id)) {
    return Malformed("keyChange \"account\" is not the account that signed the request");
  }
  auto old_key = payload.find("oldKey");
  if (old_key == payload.end() || !old_key->is_object())
    return Malformed("keyChange has no oldKey");
  auto old = jose::Jwk::FromJson(*old_key);
  if (!old.ok() || old->Thumbprint() != ctx.account->key_id()) {
    return Malformed("keyChange \"oldKey\" is not the account's current key");
  }
  auto conflict = [&](const std::string& other_id) {
    if (!other_id.empty()) ctx.resp.AddHeader("Location", ctx.urls.Account(other_id));
    return Problem(StatusCode::kAlreadyExists, "malformed",
                   "the new key is already the key of another account");
  };
  CAIRN_ASSIGN_OR_RETURN(auto taken,
                         env_.store.GetAcmeAccountByKey(ctx.prov->name(), new_key->Thumbprint()));
  if (taken.has_value()) return conflict(taken->id);
  Account account = *ctx.account;
  account.key = std::move(new_key).value();
  Status s = env_.store.UpdateAcmeAccount(account.ToRecord());
  if (s.code() == StatusCode::kAlreadyExists) {
    // Another account took the key meanwhile.
    auto other = env_.store.GetAcmeAccountByKey(ctx.prov->name(), account.key_id());
    return conflict(other.ok() && other->has_value() ? (*other)->id : std::string());
  }
  if (s.code() == StatusCode::kAborted) {
    return Problem(StatusCode::kAborted, "malformed", "the account changed meanwhile; try again");
  }
  CAIRN_RETURN_IF_ERROR(s);
  env_.log.Info("acme account key changed", {{"account", account.id}});
  ctx.resp.AddHeader("Location", ctx.urls.Account(account.id));
  ctx.resp.SetJson(200, account.ToWire(ctx.urls));
  return Status();
}

// ---- Orders.

Result<Order> AcmeServer::LoadOrder(Context& ctx, const std::string& id) {
  if (!store::ValidateAcmeId(id).ok()) return NotFound("order not found");
  CAIRN_ASSIGN_OR_RETURN(auto rec, env_.store.GetAcmeOrder(id));
  if (!rec.has_value() || rec->provisioner != ctx.prov->name()) return NotFound("order not found");
  if (ctx.account && rec->account_id != ctx.account->id) {
    return Unauthorized("the order belongs to another account");
  }
  return Order::FromRecord(*rec);
}

Result<Authorization> AcmeServer::LoadAuthz(Context& ctx, const std::string& id) {
  if (!store::ValidateAcmeId(id).ok()) return NotFound("authorization not found");
  CAIRN_ASSIGN_OR_RETURN(auto rec, env_.store.GetAcmeAuthz(id));
  if (!rec.has_value()) return NotFound("authorization not found");
  if (ctx.account && rec->account_id != ctx.account->id) {
    return Unauthorized("the authorization belongs to another account");
  }
  return Authorization::FromRecord(*rec);
}

Status AcmeServer::RefreshOrder(Context& ctx, Order& order) {
  for (int tries = 0; tries < kMaxCasRetries; ++tries) {
    if (order.status != "pending" && order.status != "ready") return Status();
    std::string next = order.status;
    nlohmann::json error;
    if (ctx.now >= order.expires) {
      next = "invalid";
      error = ProblemJson(Malformed("the order expired"));
    } else {
      CAIRN_ASSIGN_OR_RETURN(auto authzs, env_.store.ListAcmeAuthzsOfOrder(order.id));
      bool all_valid = !authzs.empty();
      for (const auto& rec : authzs) {
        CAIRN_ASSIGN_OR_RETURN(Authorization a, Authorization::FromRecord(rec));
        if (a.status == "valid") continue;
        all_valid = false;
        // A client that polls only the order also resumes a validation whose worker was lost.
        Kick(a);
        if (IsTerminal(a.status) || ctx.now >= a.expires) {
          next = "invalid";
          error = ProblemJson(Unauthorized("authorization for " + a.identifier.value + " is " +
                                           (IsTerminal(a.status) ? a.status : "expired")));
          for (const Challenge& c : a.challenges) {
            if (!c.error.is_null()) error = c.error;
          }
          break;
        }
      }
      if (next != "invalid" && all_valid) next = "ready";
    }
    if (next == order.status) return Status();
    Order updated = order;
    updated.status = next;
    updated.error = error;
    Status s = env_.store.UpdateAcmeOrder(updated.ToRecord());
    if (s.ok()) {
      order = std::move(updated);
      ++order.version;
      return Status();
    }
    if (s.code() != StatusCode::kAborted) return s;
    CAIRN_ASSIGN_OR_RETURN(order, LoadOrder(ctx, order.id));
  }
  return Status();
}

Status AcmeServer::NewOrder(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/false));
  CAIRN_RETURN_IF_ERROR(Limit(ctx, "new orders of account " + ctx.account->id,
                              "new-order:" + ctx.account->id,
                              ctx.prov->rate_limits().new_orders_per_account));
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json payload, ParsePayload(ctx.jws.payload));
  auto ids = payload.find("identifiers");
  if (ids == payload.end() || !ids->is_array() || ids->empty()) {
    return Malformed("an order needs a non-empty list of identifiers");
  }
  if (ids->size() > options_.max_identifiers) {
    return Problem(
        StatusCode::kInvalidArgument, "rejectedIdentifier",
        "an order may name at most " + std::to_string(options_.max_identifiers) + " identifiers");
  }
  Order order;
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<std::string> dns_names, ips;
  for (const auto& j : *ids) {
    if (!j.is_object()) return Malformed("an identifier must be an object {type, value}");
    Identifier id{HeaderString(j, "type"), HeaderString(j, "value")};
    if (id.type == "dns") {
      id.value = ToLower(id.value);
      if (!pki::CanonicalIp(id.value).empty()) {
        return Problem(StatusCode::kInvalidArgument, "malformed",
                       "DNS identifier \"" + id.value + "\" is an IP address; use type \"ip\"");
      }
      if (!IsDnsName(id.value)) {
        return RejectedIdentifier("\"" + id.value.substr(0, 100) + "\" is not a valid DNS name");
      }
      if (id.value.starts_with("*.") && !ctx.prov->Offers(provisioner::AcmeChallenge::kDns01)) {
        return RejectedIdentifier(
            "wildcard names need dns-01, which this provisioner does not "
            "offer");
      }
      dns_names.push_back(id.value);
    } else if (id.type == "ip") {
      std::string canonical = pki::CanonicalIp(id.value);
      if (canonical.empty()) {
        return Malformed("\"" + id.value.substr(0, 100) + "\" is not an IP address");
      }
      id.value = canonical;
      ips.push_back(id.value);
    } else {
      return UnsupportedIdentifier("identifier type \"" + id.type.substr(0, 50) +
                                   "\" is not supported (use dns or ip)");
    }
    if (seen.emplace(id.type, id.value).second) order.identifiers.push_back(std::move(id));
  }
  if (Status s = ctx.authority->CheckNamePolicies(*ctx.prov, dns_names, ips); !s.ok()) {
    return RejectedIdentifier(s.public_message().empty() ? s.message() : s.public_message());
  }
  for (const char* field : {"notBefore", "notAfter"}) {
    auto it = payload.find(field);
    if (it == payload.end() || it->is_null()) continue;
    if (!it->is_string()) return Malformed(std::string(field) + " must be an RFC 3339 time");
    auto t = ParseRfc3339(it->get<std::string>());
    if (!t.ok()) return Malformed(std::string(field) + " must be an RFC 3339 time");
    (std::string_view(field) == "notBefore" ? order.not_before : order.not_after) = *t;
  }
  if (order.not_before != Time{} && order.not_after != Time{} &&
      order.not_after <= order.not_before) {
    return Malformed("notAfter must be after notBefore");
  }
  if (auto rep = payload.find("replaces"); rep != payload.end() && rep->is_string()) {
    order.replaces = rep->get<std::string>().substr(0, 256);
  }

  CAIRN_ASSIGN_OR_RETURN(order.id, env_.random.Alphanumeric(kIdLength));
  order.account_id = ctx.account->id;
  order.provisioner = ctx.prov->name();
  order.expires = ctx.now + options_.order_lifetime;
  order.status = "pending";
  std::vector<store::AcmeAuthzRecord> authz_recs;
  for (const Identifier& id : order.identifiers) {
    Authorization a;
    CAIRN_ASSIGN_OR_RETURN(a.id, env_.random.Alphanumeric(kIdLength));
    CAIRN_ASSIGN_OR_RETURN(a.token, env_.random.Alphanumeric(kIdLength));
    a.account_id = order.account_id;
    a.order_id = order.id;
    a.identifier = id;
    a.expires = order.expires;
    if (id.type == "dns" && id.value.starts_with("*.")) {
      a.wildcard = true;
      a.identifier.value = id.value.substr(2);
    }
    std::vector<provisioner::AcmeChallenge> types;
    if (a.wildcard) {
      types = {provisioner::AcmeChallenge::kDns01};
    } else if (id.type == "ip") {
      types = {provisioner::AcmeChallenge::kHttp01, provisioner::AcmeChallenge::kTlsAlpn01};
    } else {
      types = {provisioner::AcmeChallenge::kHttp01, provisioner::AcmeChallenge::kDns01,
               provisioner::AcmeChallenge::kTlsAlpn01};
    }
    for (provisioner::AcmeChallenge t : types) {
      if (!ctx.prov->Offers(t)) continue;
      Challenge c;
      CAIRN_ASSIGN_OR_RETURN(c.id, env_.random.Alphanumeric(kIdLength));
      c.type = std::string(provisioner::AcmeChallengeName(t));
      a.challenges.push_back(std::move(c));
    }
    if (a.challenges.empty()) {
      return RejectedIdentifier("this provisioner offers no challenge type for \"" + id.value +
                                "\"");
    }
    order.authz_ids.push_back(a.id);
    authz_recs.push_back(a.ToRecord());
  }
  CAIRN_RETURN_IF_ERROR(env_.store.CreateAcmeOrder(order.ToRecord(), authz_recs));
  order.version = 1;
  ctx.resp.log_fields["order"] = order.id;
  ctx.resp.AddHeader("Location", ctx.urls.Order(order.id));
  ctx.resp.SetJson(201, order.ToWire(ctx.urls));
  return Status();
}

Status AcmeServer::GetOrder(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/false));
  CAIRN_ASSIGN_OR_RETURN(Order order, LoadOrder(ctx, ctx.req.ids.at(0)));
  CAIRN_RETURN_IF_ERROR(RefreshOrder(ctx, order));
  if (order.status == "processing") {
    ctx.resp.AddHeader("Retry-After", std::to_string(options_.retry_after_seconds));
  }
  ctx.resp.AddHeader("Location", ctx.urls.Order(order.id));
  ctx.resp.SetJson(200, order.ToWire(ctx.urls));
  return Status();
}

Status AcmeServer::Finalize(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/false));
  CAIRN_ASSIGN_OR_RETURN(Order order, LoadOrder(ctx, ctx.req.ids.at(0)));
  CAIRN_RETURN_IF_ERROR(RefreshOrder(ctx, order));
  if (order.status != "ready") {
    return OrderNotReady("the order is " + order.status + ", not ready");
  }
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json payload, ParsePayload(ctx.jws.payload));
  const std::string csr_b64 = HeaderString(payload, "csr");
  auto der = Base64UrlDecode(csr_b64);
  if (csr_b64.empty() || !der.ok()) return BadCsr("\"csr\" must be a base64url DER CSR");
  auto csr = pki::CertificateRequest::FromDer(*der);
  if (!csr.ok()) return BadCsr("the CSR does not parse: " + csr.status().message());
  // The signature is checked once, when the authority signs (a bad one is badCSR too).
  if (!csr->email_addresses().empty() || !csr->uris().empty()) {
    return BadCsr("the CSR may only name DNS names and IP addresses");
  }
  // The CSR's names, the common name folded in, must be exactly the order's identifiers.
  std::set<std::pair<std::string, std::string>> want, got;
  for (const Identifier& id : order.identifiers) want.emplace(id.type, id.value);
  for (const std::string& d : csr->dns_names()) got.emplace("dns", ToLower(d));
  for (const std::string& ip : csr->ip_addresses()) got.emplace("ip", pki::CanonicalIp(ip));
  const std::string cn = csr->subject_cn();
  if (!cn.empty()) {
    std::string ip = pki::CanonicalIp(cn);
    got.emplace(ip.empty() ? "dns" : "ip", ip.empty() ? ToLower(cn) : ip);
  }
  if (want != got) {
    std::vector<std::string> names;
    for (const auto& [t, v] : got) names.push_back(v);
    return BadCsr("the CSR names [" + Join(names, ", ") +
                  "] are not exactly the identifiers of the order");
  }
  std::vector<std::string> identifiers;
  for (const Identifier& id : order.identifiers) identifiers.push_back(id.value);

  authority::PlanSignRequest sign;
  sign.provisioner = ctx.prov;
  sign.plan = ctx.prov->PlanFor(identifiers, ToLower(cn));
  sign.plan.allowed_common_names.push_back(cn);
  sign.csr_der = std::move(der).value();
  // As step-ca: an unset notBefore is now minus the backdate, an unset notAfter the
  // provisioner's default lifetime after notBefore (a 90-day default gives exactly 90 days).
  const Time not_before =
      order.not_before != Time{}
          ? order.not_before
          : TruncateToSeconds(ctx.now) -
                std::chrono::duration_cast<Time::duration>(ctx.authority->config().backdate);
  const Time not_after = order.not_after != Time{}
                             ? order.not_after
                             : not_before + std::chrono::duration_cast<Time::duration>(
                                                ctx.prov->claims().default_tls_cert_duration);
  sign.not_before = TimeOrDuration::At(not_before);
  sign.not_after = TimeOrDuration::At(not_after);
  sign.request_id = ctx.req.request_id;
  Order final_order = order;
  sign.record = [&](const store::CertificateRecord& rec) {
    final_order.status = "valid";
    final_order.certificate_serial = rec.serial;
    store::CertificateRecord with_account = rec;
    with_account.acme_account_id = ctx.account->id;
    return env_.store.FinalizeAcmeOrder(final_order.ToRecord(), with_account);
  };
  auto issued = ctx.authority->SignForPlan(sign);
  if (!issued.ok()) {
    const Status& s = issued.status();
    if (s.code() == StatusCode::kAborted) {
      // Another finalize of this order won; show its outcome.
      CAIRN_ASSIGN_OR_RETURN(order, LoadOrder(ctx, order.id));
      ctx.resp.AddHeader("Location", ctx.urls.Order(order.id));
      ctx.resp.SetJson(200, order.ToWire(ctx.urls));
      return Status();
    }
    std::string detail = s.public_message().empty() ? s.message() : s.public_message();
    if (s.code() == StatusCode::kPermissionDenied) return RejectedIdentifier(detail);
    if (s.code() == StatusCode::kInvalidArgument) return BadCsr(detail);
    return s;
  }
  ++final_order.version;
  ctx.resp.log_fields["order"] = final_order.id;
  ctx.resp.log_fields["serial"] = final_order.certificate_serial;
  env_.log.Info("acme certificate issued", {{"provisioner", ctx.prov->name()},
                                            {"account", ctx.account->id},
                                            {"order", final_order.id},
                                            {"serial", final_order.certificate_serial}});
  ctx.resp.AddHeader("Location", ctx.urls.Order(final_order.id));
  ctx.resp.SetJson(200, final_order.ToWire(ctx.urls));
  return Status();
}

// ---- Authorizations and challenges.

Status AcmeServer::GetAuthz(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/false));
  CAIRN_ASSIGN_OR_RETURN(Authorization authz, LoadAuthz(ctx, ctx.req.ids.at(0)));
  if (!ctx.post_as_get) {
    CAIRN_ASSIGN_OR_RETURN(nlohmann::json payload, ParsePayload(ctx.jws.payload));
    if (HeaderString(payload, "status") != "deactivated") {
      return Malformed("an authorization can only be changed to status \"deactivated\"");
    }
    for (int tries = 0;; ++tries) {
      if (authz.status != "pending" && authz.status != "valid") {
        return Malformed("a " + authz.status + " authorization cannot be deactivated");
      }
      authz.status = "deactivated";
      Status s = env_.store.UpdateAcmeAuthz(authz.ToRecord());
      if (s.code() != StatusCode::kAborted || tries >= kMaxCasRetries) {
        CAIRN_RETURN_IF_ERROR(s);
        break;
      }
      CAIRN_ASSIGN_OR_RETURN(authz, LoadAuthz(ctx, authz.id));
    }
  } else {
    Kick(authz);
  }
  for (const Challenge& c : authz.challenges) {
    if (c.status == "processing") {
      ctx.resp.AddHeader("Retry-After", std::to_string(options_.retry_after_seconds));
      break;
    }
  }
  ctx.resp.SetJson(200, authz.ToWire(ctx.urls, ctx.now));
  return Status();
}

Status AcmeServer::PostChallenge(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/false));
  const std::string& authz_id = ctx.req.ids.at(0);
  const std::string& challenge_id = ctx.req.ids.at(1);
  CAIRN_ASSIGN_OR_RETURN(Authorization authz, LoadAuthz(ctx, authz_id));
  if (authz.FindChallenge(challenge_id) == nullptr) return NotFound("challenge not found");
  if (!ctx.post_as_get) {
    // Any JSON object is a response (RFC 8555 §7.5.1: clients send {}).
    CAIRN_RETURN_IF_ERROR(ParsePayload(ctx.jws.payload).status());
    for (int tries = 0;; ++tries) {
      Challenge* c = authz.FindChallenge(challenge_id);
      if (authz.status != "pending" || c->status != "pending") break;
      if (ctx.now >= authz.expires) return Unauthorized("the authorization has expired");
      c->status = "processing";
      c->lease_until = ctx.now + 2 * options_.validation.timeout + std::chrono::seconds(5);
      Status s = env_.store.UpdateAcmeAuthz(authz.ToRecord());
      if (s.ok()) {
        ++authz.version;
        ScheduleValidation(authz.id, challenge_id, Duration::zero());
        break;
      }
      if (s.code() != StatusCode::kAborted || tries >= kMaxCasRetries) return s;
      CAIRN_ASSIGN_OR_RETURN(authz, LoadAuthz(ctx, authz_id));
    }
  } else {
    Kick(authz);
  }
  const Challenge* c = authz.FindChallenge(challenge_id);
  if (c->status == "processing") {
    ctx.resp.AddHeader("Retry-After", std::to_string(options_.retry_after_seconds));
  }
  ctx.resp.AddHeader("Link", "<" + ctx.urls.Authz(authz.id) + ">;rel=\"up\"");
  ctx.resp.SetJson(200, authz.ChallengeWire(ctx.urls, *c));
  return Status();
}

// ---- Certificates.

Status AcmeServer::GetCertificate(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/false));
  CAIRN_ASSIGN_OR_RETURN(Order order, LoadOrder(ctx, ctx.req.ids.at(0)));
  if (order.status != "valid" || order.certificate_serial.empty()) {
    return NotFound("the order has no certificate");
  }
  CAIRN_ASSIGN_OR_RETURN(auto rec, env_.store.GetCertificate(order.certificate_serial));
  if (!rec.has_value()) return ServerInternal("the order's certificate is not recorded");
  // The stored DER was checked when it was issued: encode it, no need to parse it again.
  std::string chain = crypto::EncodePem("CERTIFICATE", rec->der);
  for (const std::string& pem : ctx.authority->intermediate_pems()) chain += pem;
  ctx.resp.status = 200;
  ctx.resp.content_type = "application/pem-certificate-chain";
  ctx.resp.body = std::move(chain);
  return Status();
}

Status AcmeServer::RevokeCert(Context& ctx) {
  CAIRN_RETURN_IF_ERROR(Authenticate(ctx, /*allow_jwk=*/true));
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json payload, ParsePayload(ctx.jws.payload));
  auto der = Base64UrlDecode(HeaderString(payload, "certificate"));
  if (!der.ok() || der->empty())
    return Malformed("\"certificate\" must be a base64url DER certificate");
  auto cert = pki::Certificate::FromDer(*der);
  if (!cert.ok()) return Malformed("the certificate does not parse");
  int reason = 0;
  if (auto r = payload.find("reason"); r != payload.end() && !r->is_null()) {
    if (!r->is_number_integer()) {
      return Problem(StatusCode::kInvalidArgument, "badRevocationReason",
                     "reason must be a number");
    }
    // Range-check before narrowing to int: 4294967297 must not become 1 (keyCompromise).
    const bool in_range = r->is_number_unsigned()
                              ? r->get<uint64_t>() <= 10
                              : r->get<int64_t>() >= 0 && r->get<int64_t>() <= 10;
    if (!in_range) {
      return Problem(StatusCode::kInvalidArgument, "badRevocationReason",
                     "reason " + r->dump() + " is not an allowed CRL reason code");
    }
    reason = r->get<int>();
  }
  if (reason < 0 || reason > 10 || reason == 7) {
    return Problem(StatusCode::kInvalidArgument, "badRevocationReason",
                   "reason " + std::to_string(reason) + " is not an allowed CRL reason code");
  }
  if (ctx.jwk) {
    // Signed by the certificate's own key.
    const crypto::PublicKey cert_key = cert->public_key();
    bool same = false;
    if (cert_key.get() != nullptr) {
      auto cert_jwk = jose::Jwk::FromPkey(cert_key.get(), /*include_private=*/false);
      same = cert_jwk.ok() && cert_jwk->Thumbprint() == ctx.jwk->Thumbprint();
    }
    if (!same) return Unauthorized("the JWS is not signed by the certificate's key");
  } else {
    // Signed by an account: the one the certificate was issued to.
    CAIRN_ASSIGN_OR_RETURN(auto rec, env_.store.GetCertificate(cert->serial_decimal()));
    if (!rec.has_value() || rec->acme_account_id != ctx.account->id) {
      return Unauthorized("the certificate was not issued to this account");
    }
  }
  Status s = ctx.authority->RevokeIssued(*cert, reason, "ACME revocation", /*acme=*/true);
  if (s.code() == StatusCode::kFailedPrecondition) {
    return Problem(StatusCode::kInvalidArgument, "alreadyRevoked",
                   "the certificate is already revoked");
  }
  if (s.code() == StatusCode::kInvalidArgument) return Unauthorized(s.public_message());
  CAIRN_RETURN_IF_ERROR(s);
  ctx.resp.log_fields["serial"] = cert->serial_decimal();
  ctx.resp.status = 200;
  return Status();
}

Status AcmeServer::RenewalInfo(Context& ctx) {
  if (ctx.req.method == "POST") return Malformed("renewalInfo is reached with GET");
  if (ctx.req.ids.empty()) return NotFound("renewalInfo needs a certificate id");
  // certID = base64url(AKI keyIdentifier) "." base64url(serial DER content) (RFC 9773 §4.1).
  const std::string& cert_id = ctx.req.ids[0];
  size_t dot = cert_id.find('.');
  if (dot == std::string::npos || cert_id.size() > 512) return Malformed("invalid certificate id");
  auto aki = Base64UrlDecode(std::string_view(cert_id).substr(0, dot));
  auto serial_bytes = Base64UrlDecode(std::string_view(cert_id).substr(dot + 1));
  if (!aki.ok() || !serial_bytes.ok() || aki->empty() || serial_bytes->empty() ||
      serial_bytes->size() > 20) {
    return Malformed("invalid certificate id");
  }
  auto serial = authority::ParseSerial("0x" + HexEncode(*serial_bytes));
  if (!serial.ok()) return Malformed("invalid certificate id");
  CAIRN_ASSIGN_OR_RETURN(auto rec, env_.store.GetCertificate(*serial));
  if (!rec.has_value()) return NotFound("no certificate with this id");
  CAIRN_ASSIGN_OR_RETURN(pki::Certificate cert, pki::Certificate::FromDer(rec->der));
  if (cert.authority_key_id() != *aki) return NotFound("no certificate with this id");
  Time start, end;
  CAIRN_ASSIGN_OR_RETURN(auto revoked, env_.store.GetRevocation(*serial));
  const Duration lifetime = cert.not_after() - cert.not_before();
  if (revoked.has_value()) {
    // Renew now (RFC 9773 §4.2: a window in the past).
    start = ctx.now - std::chrono::hours(1);
    end = ctx.now - std::chrono::seconds(1);
  } else {
    start = cert.not_before() + lifetime * 2 / 3;
    end = cert.not_before() + lifetime * 5 / 6;
  }
  ctx.resp.AddHeader("Retry-After", "21600");
  ctx.resp.SetJson(200, nlohmann::json{{"suggestedWindow",
                                        {{"start", FormatRfc3339(TruncateToSeconds(start))},
                                         {"end", FormatRfc3339(TruncateToSeconds(end))}}}});
  return Status();
}

}  // namespace cairn::acme

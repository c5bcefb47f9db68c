// Client::Call: the outgoing side of step-ca's Webhook.DoWithContext.

#include "http/client.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/duration.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/json_depth.h"
#include "crypto/digest.h"
#include "http/headers.h"
#include "webhook/internal/json_field.h"
#include "webhook/webhook.h"

namespace cairn::webhook {
namespace {

using internal::FindField;
using SteadyClock = std::chrono::steady_clock;

// kMaxResponseDepth bounds the nesting of a webhook response (its "data" feeds templates).
constexpr int kMaxResponseDepth = 64;
// kMaxSystemBundleBytes bounds the system trust bundle read when trust_pem is added to it.
constexpr size_t kMaxSystemBundleBytes = 16 << 20;
// kMinAttempt is the least time worth an attempt (curl treats a zero timeout as "none").
constexpr Duration kMinAttempt = std::chrono::milliseconds(1);
// kMaxIdleClients bounds the idle HTTP clients kept per kind (with / without client
// certificate); more may exist while calls run.
constexpr size_t kMaxIdleClients = 16;

// SystemBundle returns the system's PEM trust bundle: $SSL_CERT_FILE, else the first readable
// file among the usual distribution paths (Go's crypto/x509 list, shortened), else "".
std::string SystemBundle() {
  if (const char* env = std::getenv("SSL_CERT_FILE"); env != nullptr && *env != '\0') {
    auto text = ReadFile(env, kMaxSystemBundleBytes);
    return text.ok() ? std::move(text).value() : std::string();
  }
  for (const char* path :
       {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem"}) {
    auto text = ReadFile(path, kMaxSystemBundleBytes);
    if (text.ok()) return std::move(text).value();
  }
  return "";
}

std::string Label(const Webhook& w) { return "webhook " + w.name; }

// ParseResponse reads a 2xx body: a JSON object with a boolean "allow", an optional "data" and
// an optional "error" object {"code","message"}.
Result<Response> ParseResponse(const Webhook& w, const std::string& body) {
  const std::string bad = Label(w) + " returned an invalid response: ";
  if (JsonNestingDepth(body) > kMaxResponseDepth) {
    return UnavailableError(bad + "JSON nested deeper than " + std::to_string(kMaxResponseDepth));
  }
  nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) return UnavailableError(bad + "malformed JSON");
  if (!j.is_object()) return UnavailableError(bad + "not a JSON object");
  Response r;
  const nlohmann::json* allow = FindField(j, "allow");
  if (allow == nullptr || !allow->is_boolean()) {
    return UnavailableError(bad + "\"allow\" must be a boolean");
  }
  r.allow = allow->get<bool>();
  if (const nlohmann::json* data = FindField(j, "data"); data != nullptr) r.data = *data;
  if (const nlohmann::json* err = FindField(j, "error"); err != nullptr) {
    if (!err->is_object()) return UnavailableError(bad + "\"error\" must be an object");
    const nlohmann::json* code = FindField(*err, "code");
    const nlohmann::json* message = FindField(*err, "message");
    if ((code != nullptr && !code->is_string()) || (message != nullptr && !message->is_string())) {
      return UnavailableError(bad + "\"error\" code and message must be strings");
    }
    if (code != nullptr) r.error_code = code->get<std::string>();
    if (message != nullptr) r.error_message = message->get<std::string>();
  }
  return r;
}

}  // namespace

// Pool holds idle HTTP clients: [0] present the CA's client certificate, [1] do not. Their
// timeout is the whole budget, so only first attempts use them.
struct Client::Pool {
  std::mutex mu;
  std::vector<std::unique_ptr<http::HttpClient>> idle[2];
};

Client::Client(ClientOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  if (options_.timeout <= Duration::zero()) options_.timeout = std::chrono::seconds(10);
  if (options_.retry_delay < Duration::zero()) options_.retry_delay = Duration::zero();
  if (options_.clock == nullptr) options_.clock = &SystemClock::Default();
  if (!options_.trust_pem.empty()) {
    ca_bundle_ = SystemBundle();
    if (!ca_bundle_.empty() && !ca_bundle_.ends_with('\n')) ca_bundle_ += '\n';
    ca_bundle_ += options_.trust_pem;
  }
}

Client::~Client() = default;

Result<Response> Client::Call(const Webhook& w, std::string_view url,
                              nlohmann::ordered_json payload, std::string_view request_id) const {
  CAIRN_RETURN_IF_ERROR(CheckWebhookUrl(url, options_.allow_http_for_tests).Annotate(Label(w)));
  if (!payload.is_object()) {
    return InvalidArgumentError(Label(w) + ": request payload must be a JSON object");
  }
  Result<std::string> secret = Base64Decode(w.secret_b64);
  if (!secret.ok()) return InvalidArgumentError(Label(w) + ": secret is not valid base64");

  // The body: "timestamp" first (as step-ca's RequestBody), then the caller's fields in order.
  nlohmann::ordered_json request = nlohmann::ordered_json::object();
  request["timestamp"] = FormatRfc3339Nano(options_.clock->Now());
  for (auto it = payload.begin(); it != payload.end(); ++it) {
    if (it.key() != "timestamp") request[it.key()] = std::move(*it);
  }
  std::string body;
  try {
    body = request.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  } catch (const std::exception&) {
    return InvalidArgumentError(Label(w) + ": request payload cannot be serialized");
  }

  CAIRN_ASSIGN_OR_RETURN(std::string mac, crypto::Hmac(crypto::HashAlg::kSha256, *secret, body));
  http::Headers headers;
  if (!request_id.empty()) headers.Add("X-Request-Id", std::string(request_id));
  headers.Add("X-Smallstep-Signature", HexEncode(mac));
  headers.Add("X-Smallstep-Webhook-ID", w.id);
  if (!w.bearer_token.empty()) {
    headers.Add("Authorization", "Bearer " + w.bearer_token);
  } else if (w.basic_auth.has_value() &&
             (!w.basic_auth->username.empty() || !w.basic_auth->password.empty())) {
    headers.Add("Authorization",
                "Basic " + Base64Encode(w.basic_auth->username + ":" + w.basic_auth->password));
  }

  const int variant = w.disable_tls_client_auth ? 1 : 0;
  http::ClientOptions http_options;
  http_options.ca_pem = ca_bundle_;
  if (!w.disable_tls_client_auth) {
    http_options.client_cert_pem = options_.client_cert_pem;
    http_options.client_key_pem = options_.client_key_pem;
  }
  http_options.max_response_bytes = options_.max_response_bytes;
  http_options.resolve = options_.resolve;
  http_options.follow_redirects = false;
  http_options.timeout = options_.timeout;

  const SteadyClock::time_point deadline = SteadyClock::now() + options_.timeout;
  Status last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<http::HttpClient> client;
    if (attempt == 0) {
      // A pooled handle (its connections may be alive), else a new one; both with the whole
      // budget as timeout.
      std::lock_guard<std::mutex> lock(pool_->mu);
      auto& idle = pool_->idle[variant];
      if (!idle.empty()) {
        client = std::move(idle.back());
        idle.pop_back();
      }
    } else {
      // One retry, after retry_delay, on a fresh connection, within what is left of the budget.
      if (deadline - SteadyClock::now() - options_.retry_delay < kMinAttempt) {
        return Status(last.code(), last.message() + " (no time left to retry)");
      }
      std::this_thread::sleep_for(options_.retry_delay);
      Duration left = deadline - SteadyClock::now();
      if (left < kMinAttempt) {
        return DeadlineExceededError(Label(w) + ": timed out after " +
                                     FormatGoDuration(options_.timeout));
      }
      http_options.timeout = left;
    }
    if (client == nullptr) client = std::make_unique<http::HttpClient>(http_options);

    Result<http::ClientResponse> sent = client->Post(url, body, "application/json", headers);
    if (!sent.ok()) {
      Status s = std::move(sent).status().Annotate(Label(w));
      if (s.code() != StatusCode::kUnavailable) return s;  // timeout, bad certificate, too large
      last = std::move(s);
      continue;  // the handle is dropped with its connection
    }
    if (attempt == 0) {
      std::lock_guard<std::mutex> lock(pool_->mu);
      auto& idle = pool_->idle[variant];
      if (idle.size() < kMaxIdleClients) idle.push_back(std::move(client));
    }
    const int status = sent->status;
    if (status >= 500) {
      last = UnavailableError(Label(w) + " responded with " + std::to_string(status));
      continue;
    }
    if (status < 200 || status >= 300) {
      return UnavailableError(Label(w) + " responded with " + std::to_string(status));
    }
    return ParseResponse(w, sent->body);
  }
  return last;
}

}  // namespace cairn::webhook

#pragma once

// Provisioner webhooks, as step-ca's authority/provisioner/webhook.go and webhook/types.go:
// the configuration objects of a provisioner's options.webhooks, and the HTTPS client that
// POSTs a signed JSON request to a webhook server and reads its {"allow","data","error"} answer.
//
// What the caller does (not here): choose the webhooks of a kind and certificate type
// (AppliesTo), render each webhook's url as a Go template, build the request fields, call
// Client::Call, then act on Response::allow (403 when false) and Response::data (ENRICHING:
// exposed to templates as .Webhooks.<name>).

#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace cairn::webhook {

// Kind is when a webhook is called. ca.json spells it "ENRICHING", "AUTHORIZING",
// "SCEPCHALLENGE" or "NOTIFYING" (case-insensitive, as step upper-cases it).
enum class Kind {
  kEnriching,      // before template rendering; `data` becomes .Webhooks.<name>
  kAuthorizing,    // after the certificate is built, before it is signed
  kScepChallenge,  // validates a SCEP challenge password instead of the static one
  kNotifying,      // SCEP issuance success / failure notification
};

// CertType restricts a webhook to X.509 or SSH requests. ca.json spells it "ALL" (or empty or
// absent), "X509" or "SSH".
enum class CertType { kAll, kX509, kSsh };

// KindName returns ca.json's spelling of `kind`, e.g. "ENRICHING".
std::string_view KindName(Kind kind);
// CertTypeName returns ca.json's spelling of `type`: "ALL", "X509" or "SSH".
std::string_view CertTypeName(CertType type);

// BasicAuth is the username and password sent as "Authorization: Basic ...".
struct BasicAuth {
  std::string username;
  std::string password;
};

// Webhook is one entry of a provisioner's options.webhooks. step-ca reads id, name, url, kind,
// certType and disableTLSClientAuth from ca.json; its secret, bearer token and basic auth come
// only from its admin database. Cairn ALSO accepts "secret" (standard base64), "bearerToken"
// and "basicAuth": {"username", "password"} in ca.json (step-ca ignores these unknown fields).
// The secrets are never logged nor put in error messages. A value type; thread-compatible.
struct Webhook {
  // id is sent as X-Smallstep-Webhook-ID (may be empty: then the header is sent empty).
  std::string id;
  // name is unique within the provisioner; it keys the data in .Webhooks.<name>.
  std::string name;
  // url is an https URL and a Go template; the caller renders it before Call.
  std::string url;
  Kind kind = Kind::kEnriching;
  CertType cert_type = CertType::kAll;
  // disable_tls_client_auth stops the CA from presenting its TLS certificate to this server.
  bool disable_tls_client_auth = false;
  // secret_b64 is the base64 HMAC key of X-Smallstep-Signature; empty means an empty key (as
  // step-ca, which always signs).
  std::string secret_b64;
  // bearer_token, when not empty, is sent as "Authorization: Bearer <token>" (it wins over
  // basic_auth, as in step-ca).
  std::string bearer_token;
  // basic_auth, when set, is sent as "Authorization: Basic ..." unless bearer_token is set.
  std::optional<BasicAuth> basic_auth;
};

// AppliesTo reports whether `w` takes part in a request of `kind` for certificates of
// `request_type`, as step-ca's WebhookController does: the kinds must be equal, and either side
// being kAll matches any certificate type. Pure; thread-safe.
bool AppliesTo(const Webhook& w, Kind kind, CertType request_type);

// CheckWebhookUrl checks a webhook url as step-ca does (before and, here, also after template
// rendering): it parses as scheme://host[:port][/path][?query][#fragment] with a non-empty host,
// the scheme (case-insensitive) is https (or http when `allow_http`), and there is no userinfo
// ("user:pass@"). Control characters are refused anywhere, and the host may not hold characters
// Go's url.Parse refuses (so a template in the host is refused, as in step-ca). Fails with
// kInvalidArgument ("webhook url is invalid", "webhook url must use https", "webhook url may not
// contain username or password"). Pure; thread-safe.
Status CheckWebhookUrl(std::string_view url, bool allow_http = false);

// kMaxWebhooks bounds the number of webhooks of one provisioner.
inline constexpr size_t kMaxWebhooks = 128;
// kMaxWebhookFieldBytes bounds each string field of a webhook object (url, name, secrets).
inline constexpr size_t kMaxWebhookFieldBytes = 16 << 10;

// ParseWebhooks parses a provisioner's options.webhooks: an array of objects, or null (no
// webhooks). Field names match case-insensitively (an exact match wins), as Go's encoding/json
// does; unknown fields are ignored; a null field is as if absent. Each webhook must have a
// non-empty, unique name; a url that is https (scheme case-insensitive) with a host and no
// userinfo; a kind (case-insensitive); a certType of "", "ALL", "X509" or "SSH"
// (case-insensitive; step-ca does not check it). "secret" must be base64; "bearerToken" and
// "basicAuth" are exclusive; the id, bearer token and url may not hold control characters.
// Fails with kInvalidArgument naming the webhook (by index and name, never a secret) and the
// problem, or on a field of the wrong JSON type, more than kMaxWebhooks entries or a field over
// kMaxWebhookFieldBytes. Pure; thread-safe.
Result<std::vector<Webhook>> ParseWebhooks(const nlohmann::json& webhooks);

// RedactWebhookSecrets removes "secret", "bearerToken" and "basicAuth" (in any letter case)
// from every object of the options.webhooks array `webhooks`, so a provisioner's ca.json can be
// shown (GET /provisioners) the way step-ca shows it: without credentials. Anything else is
// left unchanged. Pure; thread-compatible.
void RedactWebhookSecrets(nlohmann::ordered_json& webhooks);

// Response is a webhook server's answer: {"allow": bool, "data": any, "error": {"code",
// "message"}}.
struct Response {
  // allow is the server's verdict; false means the request must be refused (step-ca: 403).
  bool allow = false;
  // data is the server's "data" (null when absent). ENRICHING webhooks expose it to templates.
  nlohmann::json data;
  // error_code / error_message are the server's "error" object (empty when absent); step-ca
  // shows them when allow is false ("<message> (<code>)").
  std::string error_code;
  std::string error_message;
};

// ClientOptions configures a Client.
struct ClientOptions {
  // trust_pem (PEM bundle) is trusted for webhook servers in addition to the system store
  // ($SSL_CERT_FILE, else the distribution's bundle). Empty means the system store only.
  std::string trust_pem;
  // client_cert_pem (chain, leaf first) and client_key_pem (unencrypted) are the CA's own TLS
  // certificate, presented to webhook servers (mTLS) unless the webhook sets
  // disable_tls_client_auth. Empty means no client certificate.
  std::string client_cert_pem;
  std::string client_key_pem;
  // timeout bounds a whole Call: both attempts and the pause between them (as step-ca's 10 s
  // context around each webhook call).
  Duration timeout = std::chrono::seconds(10);
  // retry_delay is the pause before the one retry.
  Duration retry_delay = std::chrono::seconds(1);
  // max_response_bytes bounds the response body.
  size_t max_response_bytes = 1 << 20;
  // resolve pins host names to addresses, in curl's "host:port:address" form (tests use it to
  // avoid DNS).
  std::vector<std::string> resolve;
  // allow_http_for_tests lets Call use plain http:// URLs. Never set it outside tests.
  bool allow_http_for_tests = false;
  // clock stamps the request's "timestamp"; null means SystemClock::Default(). Not owned; must
  // outlive the Client.
  const Clock* clock = nullptr;
};

// Client calls webhook servers. One Client serves every webhook of a CA. It keeps a few idle
// HTTP clients (libcurl handles with their keep-alive connections) so that repeated calls to a
// webhook server skip the TLS handshake and the parsing of the trust bundle.
//
// Thread-safety: Call is const and may run on many threads at once (each call borrows a handle
// for itself from a mutex-guarded pool).
class Client {
 public:
  // Client reads the system trust bundle once when options.trust_pem is set (to add trust_pem
  // to it); an unreadable system bundle leaves trust_pem alone trusted. A non-positive timeout
  // is taken as 10 s.
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Call POSTs `payload` to `url` for webhook `w` and returns the server's answer.
  //
  // `payload` holds the request fields the caller prepared ("provisionerName",
  // "x509CertificateRequest", "x509Certificate", "sshCertificateRequest", "sshCertificate",
  // "attestationData", "x5cCertificate", "authorizationPrincipal", "scepChallenge", ...; see
  // step-ca's webhook.RequestBody); Call puts "timestamp" (RFC 3339 in UTC with nanoseconds,
  // from the clock) first, replacing any the payload had, and serializes the rest in its order.
  // `url` is w.url already rendered by the caller; it must be https (or http with
  // allow_http_for_tests), with a host and no userinfo.
  //
  // Headers: Content-Type: application/json; X-Smallstep-Webhook-ID: w.id;
  // X-Smallstep-Signature: lower-case hex of HMAC-SHA256(base64-decoded w.secret_b64, the exact
  // body bytes); X-Request-Id: `request_id` (omitted when empty); Authorization: Bearer or
  // Basic when configured. The CA's client certificate is presented unless
  // w.disable_tls_client_auth. Redirects are not followed.
  //
  // A transport failure (kUnavailable from the HTTP client: refused, reset, handshake rejected)
  // or a 5xx status is retried once after retry_delay, on a fresh connection, within the same
  // timeout; a timeout is not retried (the budget is spent), nor is a certificate verification
  // failure or a 3xx/4xx. When too little time is left for the retry, the first failure is
  // returned with " (no time left to retry)".
  //
  // Returns the Response (allow true or false) for a 2xx answer whose body is a JSON object
  // with a boolean "allow". Fails with: kInvalidArgument for a bad url, secret, payload (not an
  // object) or client certificate; kDeadlineExceeded when options.timeout runs out;
  // kUnauthenticated when the server's certificate does not verify; kResourceExhausted when the
  // body exceeds max_response_bytes; kUnavailable for a final transport failure, a non-2xx
  // final status ("webhook <name> responded with 500"), or a body that is not a JSON object
  // with a boolean "allow" (or has a malformed "error"). Messages name the webhook, never its
  // secrets.
  Result<Response> Call(const Webhook& w, std::string_view url, nlohmann::ordered_json payload,
                        std::string_view request_id) const;

 private:
  struct Pool;
  ClientOptions options_;
  std::unique_ptr<Pool> pool_;
  // ca_bundle_ is the system bundle plus trust_pem, or "" for curl's default (system) trust.
  std::string ca_bundle_;
};

}  // namespace cairn::webhook

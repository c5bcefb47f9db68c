#pragma once

// An ACME client (RFC 8555, with RFC 8738 IP identifiers), as the `step` CLI uses one to get a
// certificate from step-ca's ACME provisioners or from any other ACME server: the directory,
// nonces, accounts (with optional external account binding), orders, authorizations and
// challenges, finalization with a CSR, the certificate chain, revocation, account key
// rollover and account deactivation.
//
// Every exchange is bounded: the size of each response, the time of each request, the number
// of polls and the total time spent waiting for the server to change an object's status.
//
// Errors: an ACME problem document (RFC 8555 §6.7) becomes a Status whose reason() is the
// problem type without "urn:ietf:params:acme:error:" (e.g. "badNonce", "rejectedIdentifier")
// and whose message is the problem's detail (see StatusFromAcmeProblem). Transport failures are
// http::HttpClient's (kUnauthenticated for a server certificate that does not verify,
// kUnavailable when the server cannot be reached, kDeadlineExceeded on timeout,
// kResourceExhausted for an over-long response).

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "jose/jwk.h"

namespace cairn::http {
class HttpClient;
struct ClientResponse;
}  // namespace cairn::http

namespace cairn::client {

// kAcmeErrorPrefix is the namespace of RFC 8555's problem types.
inline constexpr std::string_view kAcmeErrorPrefix = "urn:ietf:params:acme:error:";

// kMaxAcmeResponseBytes bounds every ACME response body (JSON objects and certificate chains).
inline constexpr size_t kMaxAcmeResponseBytes = 1 << 20;

// StatusFromAcmeProblem turns a failed ACME response into a Status. When `body` is a problem
// document ({"type","detail","subproblems"?}), the reason is the type without kAcmeErrorPrefix
// (a type outside that namespace is kept whole), the message is the detail followed by the
// subproblems ("detail: <identifier>: <detail>; ..."), or the type when there is no detail.
// The code follows the type (malformed, badCSR, badSignatureAlgorithm, badPublicKey,
// badRevocationReason, invalidContact, unsupportedContact, unsupportedIdentifier →
// kInvalidArgument; unauthorized, externalAccountRequired → kUnauthenticated;
// rejectedIdentifier, caa → kPermissionDenied; accountDoesNotExist → kNotFound; alreadyRevoked
// → kAlreadyExists; badNonce → kAborted; rateLimited → kResourceExhausted; serverInternal →
// kInternal; orderNotReady, userActionRequired, connection, dns, incorrectResponse, tls →
// kFailedPrecondition), else the HTTP status (400 kInvalidArgument, 401 kUnauthenticated, 403
// kPermissionDenied, 404 kNotFound, 409 kAlreadyExists, 429 kResourceExhausted, 501
// kUnimplemented, 503 kUnavailable, other 4xx kFailedPrecondition, 5xx kInternal). A body that
// is not a problem document gives "the ACME server answered HTTP <status>" and no reason.
// Thread-safe.
Status StatusFromAcmeProblem(int http_status, std::string_view body);

// StatusFromProblemJson is StatusFromAcmeProblem for a problem object embedded in another
// object (the "error" of a challenge or an order); `fallback` is used when it is not one.
Status StatusFromProblemJson(const nlohmann::json& problem, StatusCode fallback);

// AcmeIdentifier is an order identifier (RFC 8555 §9.7.7): type "dns" or "ip" (RFC 8738).
struct AcmeIdentifier {
  std::string type;
  std::string value;
  bool operator==(const AcmeIdentifier&) const = default;
};

// IdentifierFor returns an "ip" identifier (the address in its canonical text form) when
// `name` is an IPv4 or IPv6 address, else a "dns" identifier with `name` unchanged.
AcmeIdentifier IdentifierFor(std::string_view name);

// AcmeDirectory is the server's directory object (RFC 8555 §7.1.1).
struct AcmeDirectory {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string revoke_cert;
  std::string key_change;
  // meta
  std::string terms_of_service;
  std::string website;
  bool external_account_required = false;
};

// ParseAcmeDirectory decodes a directory. Fails with kInvalidArgument when newNonce,
// newAccount or newOrder is missing or not an http(s) URL.
Result<AcmeDirectory> ParseAcmeDirectory(const nlohmann::json& json);

// AcmeAccount is an account object (RFC 8555 §7.1.2).
struct AcmeAccount {
  // url is the account URL (the "kid" of later requests).
  std::string url;
  std::string status;
  std::vector<std::string> contact;
  std::string orders;
  // created is true when newAccount made it (201), false when it already existed (200).
  bool created = false;
};

// AcmeChallenge is a challenge object (RFC 8555 §8).
struct AcmeChallenge {
  std::string type;
  std::string url;
  std::string status;
  std::string token;
  // error is the problem the server reported for this challenge (OK when none).
  Status error;
};

// AcmeAuthorization is an authorization object (RFC 8555 §7.1.4).
struct AcmeAuthorization {
  std::string url;
  AcmeIdentifier identifier;
  std::string status;
  std::string expires;
  bool wildcard = false;
  std::vector<AcmeChallenge> challenges;
};

// AcmeOrder is an order object (RFC 8555 §7.1.3).
struct AcmeOrder {
  std::string url;
  std::string status;
  std::string expires;
  std::vector<AcmeIdentifier> identifiers;
  std::string not_before;
  std::string not_after;
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;
  // error is the problem the server reported for this order (OK when none).
  Status error;
};

// ParseAcmeAccount, ParseAcmeOrder, ParseAcmeAuthorization and ParseAcmeChallenge decode the
// objects; `url` is the object's URL (from the request or the Location header). They fail
// with kInvalidArgument when the JSON is not an object or lacks "status" (and, for orders,
// "finalize"; for challenges, "type" and "url"). Unknown members are ignored.
Result<AcmeAccount> ParseAcmeAccount(const nlohmann::json& json, std::string url);
Result<AcmeOrder> ParseAcmeOrder(const nlohmann::json& json, std::string url);
Result<AcmeAuthorization> ParseAcmeAuthorization(const nlohmann::json& json, std::string url);
Result<AcmeChallenge> ParseAcmeChallenge(const nlohmann::json& json);

// AcmePublicJwk is the "jwk" header member for `key`: its public members only (no kid, alg or
// use), as ACME servers expect it.
nlohmann::json AcmePublicJwk(const jose::Jwk& key);

// SignAcmeRequest builds the flattened JWS of an ACME POST (RFC 8555 §6.2): the protected
// header holds "alg" (the key's signing algorithm), "nonce", "url" and either "kid" (the
// account URL, when `kid` is not empty) or "jwk" (AcmePublicJwk of `key`). An empty `payload`
// makes a POST-as-GET ("payload": ""). Fails with kInvalidArgument for a public-only or
// symmetric key, kInternal if OpenSSL fails.
Result<std::string> SignAcmeRequest(std::string_view payload, const jose::Jwk& key,
                                    std::string_view url, std::string_view nonce,
                                    std::string_view kid);

// MakeExternalAccountBinding builds the "externalAccountBinding" member of a newAccount
// payload (RFC 8555 §7.3.4): a flattened JWS whose protected header is {"alg": "HS256", "kid":
// `eab_kid`, "url": `new_account_url`} (no nonce) and whose payload is the account's public
// JWK, MACed with `hmac_key` (the raw key bytes, at least 32). Fails with kInvalidArgument on
// an empty kid or a short key.
Result<nlohmann::json> MakeExternalAccountBinding(const jose::Jwk& account_key,
                                                  std::string_view eab_kid,
                                                  std::string_view hmac_key,
                                                  std::string_view new_account_url);

// MakeKeyChangeJws builds the inner JWS of a key rollover (RFC 8555 §7.3.5): signed by
// `new_key`, protected header {"alg", "jwk": new public key, "url": `key_change_url`} (no
// nonce), payload {"account": `account_url`, "oldKey": old public key}. Fails as
// SignAcmeRequest.
Result<nlohmann::json> MakeKeyChangeJws(const jose::Jwk& old_key, const jose::Jwk& new_key,
                                        std::string_view account_url,
                                        std::string_view key_change_url);

// KeyAuthorization returns `token` + "." + the base64url SHA-256 thumbprint of `account_key`
// (RFC 8555 §8.1). Fails with kInvalidArgument when the token is empty or not base64url (at
// most 256 characters), since it ends up in file names and URLs.
Result<std::string> KeyAuthorization(std::string_view token, const jose::Jwk& account_key);

// Dns01TxtValue returns base64url(SHA-256(key_authorization)) (RFC 8555 §8.4).
std::string Dns01TxtValue(std::string_view key_authorization);

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date (relative to
// `now`). nullopt when absent or malformed; a date in the past is zero.
std::optional<Duration> ParseRetryAfter(std::string_view value, Time now);

// GenerateAccountKey makes a fresh EC P-256 account key (ES256), as step does.
Result<jose::Jwk> GenerateAccountKey();

// ChallengeSolver answers one kind of challenge. Present makes the key authorization of
// `token` available (e.g. serves it over HTTP); CleanUp withdraws it. Both are called on the
// thread running AcmeClient::ObtainCertificate. CleanUp is called once for each successful
// Present, whatever happens afterwards.
class ChallengeSolver {
 public:
  virtual ~ChallengeSolver() = default;
  // type is the challenge type answered, e.g. "http-01".
  virtual std::string_view type() const = 0;
  virtual Status Present(const AcmeIdentifier& identifier, std::string_view token,
                         std::string_view key_authorization) = 0;
  virtual void CleanUp(std::string_view token) = 0;
};

// AcmeClientOptions configures an AcmeClient.
struct AcmeClientOptions {
  // directory_url is the ACME directory (e.g. "https://ca:9000/acme/acme/directory").
  std::string directory_url;
  // root_pem is the trust for the server's TLS certificate (PEM bundle); empty means the
  // system store.
  std::string root_pem;
  // insecure disables TLS verification (tests only).
  bool insecure = false;
  // timeout bounds each HTTP request.
  Duration timeout = std::chrono::seconds(30);
  // max_response_bytes bounds each response body.
  size_t max_response_bytes = kMaxAcmeResponseBytes;
  // poll_timeout bounds the total time spent waiting for one object (authorization, order) to
  // leave "pending"/"processing".
  Duration poll_timeout = std::chrono::seconds(120);
  // max_polls bounds the number of polls of one object.
  int max_polls = 120;
  // poll_interval is the wait between polls when the server sends no Retry-After;
  // max_poll_interval caps a Retry-After.
  Duration poll_interval = std::chrono::seconds(1);
  Duration max_poll_interval = std::chrono::seconds(10);
  // resolve pins host names to addresses (curl's "host:port:address"), for tests.
  std::vector<std::string> resolve;
  // clock measures poll_timeout; null means the system clock. Not owned.
  const Clock* clock = nullptr;
  // sleep waits between polls; empty means std::this_thread::sleep_for.
  std::function<void(Duration)> sleep;
  // progress, when set, receives one line per step (for the CLI's progress output).
  std::function<void(std::string_view)> progress;
};

// NewAccountRequest is the payload of newAccount (RFC 8555 §7.3).
struct NewAccountRequest {
  // contact URLs; a bare e-mail address gets "mailto:" prepended.
  std::vector<std::string> contact;
  bool terms_of_service_agreed = true;
  bool only_return_existing = false;
  // eab_kid and eab_hmac_key (raw key bytes) bind the account to an external account when
  // eab_kid is not empty.
  std::string eab_kid;
  std::string eab_hmac_key;
};

// NewOrderRequest is the payload of newOrder (RFC 8555 §7.4).
struct NewOrderRequest {
  std::vector<AcmeIdentifier> identifiers;
  // not_before / not_after are sent as RFC 3339 times when set.
  std::optional<Time> not_before;
  std::optional<Time> not_after;
};

// AcmeClient speaks ACME with one server and one account key. Every POST is a JWS signed with
// the account key; its nonce is the last Replay-Nonce the server sent (or a fresh one from
// newNonce). A badNonce answer is retried once with the nonce it carries.
//
// Thread-safety: not thread-safe; use one per thread.
class AcmeClient {
 public:
  // Create fetches the directory. Fails with kInvalidArgument for an empty URL or a bad
  // directory, else with the transport or problem errors above.
  static Result<std::unique_ptr<AcmeClient>> Create(AcmeClientOptions options);
  ~AcmeClient();
  AcmeClient(const AcmeClient&) = delete;
  AcmeClient& operator=(const AcmeClient&) = delete;

  const AcmeDirectory& directory() const { return directory_; }

  // SetAccountKey installs the account key (a private EC, RSA or Ed25519 JWK) and, when known,
  // the account URL. Without an account URL, requests are signed with "jwk" until NewAccount
  // sets it.
  void SetAccountKey(jose::Jwk key, std::string account_url = "");
  const jose::Jwk& account_key() const { return key_; }
  const std::string& account_url() const { return account_url_; }

  // NewAccount registers the account key (or finds its account: created == false) and
  // remembers the account URL. Fails with kFailedPrecondition when no key is set or the answer
  // has no Location; "externalAccountRequired" and "accountDoesNotExist" problems as above.
  Result<AcmeAccount> NewAccount(const NewAccountRequest& request);
  // GetAccount fetches the account (POST-as-GET on its URL).
  Result<AcmeAccount> GetAccount();
  // UpdateContact replaces the account's contacts.
  Result<AcmeAccount> UpdateContact(const std::vector<std::string>& contact);
  // DeactivateAccount deactivates the account (RFC 8555 §7.3.6); the server refuses every
  // later request signed by its key.
  Result<AcmeAccount> DeactivateAccount();
  // KeyChange rolls the account over to `new_key` (RFC 8555 §7.3.5) and, on success, signs
  // later requests with it. Fails with kInvalidArgument for a key that is not private.
  Status KeyChange(jose::Jwk new_key);

  // NewOrder creates an order. Fails with kInvalidArgument without identifiers.
  Result<AcmeOrder> NewOrder(const NewOrderRequest& request);
  // GetOrder, GetAuthorization and GetChallenge fetch an object by URL (POST-as-GET).
  Result<AcmeOrder> GetOrder(std::string_view url);
  Result<AcmeAuthorization> GetAuthorization(std::string_view url);
  Result<AcmeChallenge> GetChallenge(std::string_view url);
  // AnswerChallenge tells the server to validate a challenge (POST of "{}").
  Result<AcmeChallenge> AnswerChallenge(std::string_view url);
  // DeactivateAuthorization gives an authorization up (RFC 8555 §7.5.2).
  Result<AcmeAuthorization> DeactivateAuthorization(std::string_view url);

  // WaitAuthorization polls an authorization until it leaves "pending" (honouring
  // Retry-After, within the poll bounds) and returns it when "valid". An "invalid"
  // authorization fails with the error of its failed challenge (or kFailedPrecondition); any
  // other final status with kFailedPrecondition; running out of polls or time with
  // kDeadlineExceeded.
  Result<AcmeAuthorization> WaitAuthorization(std::string_view url);
  // WaitChallenge polls a challenge (POST-as-GET, which also makes step-ca retry a pending
  // validation) until it leaves "pending"/"processing" and returns it when "valid". An
  // "invalid" challenge fails with its error (or kFailedPrecondition); running out of polls or
  // time fails with kDeadlineExceeded, naming the last error the server reported.
  Result<AcmeChallenge> WaitChallenge(std::string_view url);
  // WaitOrder polls an order while it is "pending" or "processing" and returns it in any
  // other status ("ready", "valid", "invalid"). Bounds as WaitAuthorization.
  Result<AcmeOrder> WaitOrder(std::string_view url);

  // Finalize sends the CSR (DER) to the order's finalize URL, then waits for the order to be
  // "valid" and returns it (its certificate URL set). Fails with the server's problem (e.g.
  // "orderNotReady", "badCSR"), or with the order's error when it becomes "invalid".
  Result<AcmeOrder> Finalize(const AcmeOrder& order, std::string_view csr_der);
  // DownloadCertificate fetches the PEM certificate chain (leaf first). Fails with
  // kInvalidArgument when the answer holds no certificate or something other than
  // certificates.
  Result<std::string> DownloadCertificate(std::string_view url);

  // Revoke revokes a certificate (DER) with the account key (RFC 8555 §7.6); `reason` is an
  // RFC 5280 reason code, left out when nullopt.
  Status Revoke(std::string_view cert_der, std::optional<int> reason);
  // RevokeWithCertificateKey revokes a certificate with a request signed by the certificate's
  // own private key (a "jwk" request, no account needed).
  Status RevokeWithCertificateKey(std::string_view cert_der, const jose::Jwk& cert_key,
                                  std::optional<int> reason);

  // ObtainCertificate runs the whole issuance: NewOrder, then for each authorization that is
  // not yet valid the first challenge of solver.type() (Present, AnswerChallenge,
  // WaitChallenge, CleanUp), then WaitOrder until "ready", Finalize with `csr_der` and
  // DownloadCertificate. Returns the PEM chain. Fails with kFailedPrecondition when an
  // authorization offers no challenge of the solver's type, else as the steps it runs.
  Result<std::string> ObtainCertificate(const NewOrderRequest& request, std::string_view csr_der,
                                        ChallengeSolver& solver);

 private:
  explicit AcmeClient(AcmeClientOptions options);
  struct Reply {
    int status = 0;
    std::string body;
    std::string location;
    std::string retry_after;
    std::string content_type;
  };
  // Post signs `payload` for `url` (with kid unless `use_jwk` or no account URL) and posts it,
  // retrying once on badNonce. Problem answers become Status.
  Result<Reply> Post(std::string_view url, std::string_view payload, bool use_jwk = false);
  Result<Reply> PostWithKey(std::string_view url, std::string_view payload, const jose::Jwk& key,
                            std::string_view kid);
  Result<nlohmann::json> PostJson(std::string_view url, std::string_view payload,
                                  Reply* reply = nullptr);
  Result<std::string> Nonce();
  void KeepNonce(const http::ClientResponse& response);
  Status Sleep(Time deadline, const Reply& last);
  void Progress(std::string_view line) const;
  Time Now() const;

  AcmeClientOptions options_;
  std::unique_ptr<http::HttpClient> http_;
  AcmeDirectory directory_;
  jose::Jwk key_;
  std::string account_url_;
  std::string nonce_;
};

}  // namespace cairn::client

#pragma once

// A client for step-ca's CA API (stepca.md §1), as step's `ca.Client` speaks it: the routes
// under /1.0/, JSON bodies with PEM strings, and step-ca's error JSON {"status","message"}.

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace cairn::http {
class HttpClient;
struct ClientResponse;
}  // namespace cairn::http

namespace cairn::client {

// NormalizeCaUrl turns a --ca-url value into "https://host[:port]" as step does: "https://" is
// added when there is no scheme, any path, query or fragment is dropped, and a bare IPv6
// address gets its brackets ("::1" → "https://[::1]", "::1:9000" stays ambiguous and is taken
// as an address). Fails with kInvalidArgument for another scheme ("must have https scheme") or
// an empty host.
Result<std::string> NormalizeCaUrl(std::string_view url);

// NormalizeFingerprint lower-cases a SHA-256 fingerprint and removes dashes, colons and
// surrounding whitespace. Fails with kInvalidArgument unless the result is 64 hex characters.
Result<std::string> NormalizeFingerprint(std::string_view fingerprint);

// CaClientOptions configures a CaClient.
struct CaClientOptions {
  // ca_url is the CA's base URL; it is normalised with NormalizeCaUrl.
  std::string ca_url;
  // root_pem holds the trusted roots (a PEM bundle) for the CA's TLS certificate.
  std::string root_pem;
  // insecure disables TLS verification for every call. Only for flows that pin by fingerprint
  // (Root() never verifies TLS, whatever this says).
  bool insecure = false;
  // timeout bounds each request.
  Duration timeout = std::chrono::seconds(30);
  // resolve pins host names to addresses (curl's "host:port:address"), for tests.
  std::vector<std::string> resolve;
};

// SignRequest is the body of POST /1.0/sign.
struct SignRequest {
  std::string csr_pem;
  std::string ott;
  // not_before / not_after are step's TimeDuration strings (RFC 3339 or a Go duration); empty
  // strings are left out of the request.
  std::string not_before;
  std::string not_after;
  // template_data is sent as "templateData" when it is an object.
  nlohmann::json template_data;
};

// SignResponse is what /sign, /renew and /rekey answer.
struct SignResponse {
  // crt_pem is the new leaf; ca_pem the issuing intermediate.
  std::string crt_pem;
  std::string ca_pem;
  // chain_pems is the full chain, leaf first, never the root. When the CA sent no certChain it
  // is [crt, ca] as step falls back to.
  std::vector<std::string> chain_pems;

  // ChainPem concatenates chain_pems (each block ending in a newline): what step writes to the
  // certificate file.
  std::string ChainPem() const;
};

// RevokeRequest is the body of POST /1.0/revoke.
struct RevokeRequest {
  // serial is the decimal serial number.
  std::string serial;
  // ott authorizes the request; empty means mTLS with the certificate being revoked.
  std::string ott;
  int reason_code = 0;
  std::string reason;
  bool passive = true;
};

// SshSignRequest is the body of POST /1.0/ssh/sign.
struct SshSignRequest {
  // public_key is the SSH wire blob of the key to certify (sent base64-encoded).
  std::string public_key;
  // ott is the SSH sign token (see token.h SshSignToken).
  std::string ott;
  // cert_type is "user" or "host"; key_id and principals as the certificate should carry them.
  std::string cert_type;
  std::string key_id;
  std::vector<std::string> principals;
  // valid_after / valid_before are step's TimeDuration strings; empty strings are left out.
  std::string valid_after;
  std::string valid_before;
  // add_user_public_key, when set, is the SSH wire blob of a second key for step's add-user
  // certificate ("addUserPublicKey").
  std::string add_user_public_key;
  // template_data is "templateData" (left out when null).
  nlohmann::json template_data;
};

// SshRootKeys are the CA's SSH public keys (GET /ssh/roots), as SSH wire blobs.
struct SshRootKeys {
  std::vector<std::string> user_keys;
  std::vector<std::string> host_keys;
};

// ---- SSH hosts and configuration (POST /ssh/config, /ssh/check-host, /ssh/bastion, GET
// /ssh/hosts, /ssh/federation).

// SshConfigTemplate is one rendered configuration template of POST /ssh/config.
struct SshConfigTemplate {
  std::string name;
  std::string type;  // snippet, file, directory, prepend-line
  std::string path;
  std::string comment;
  std::string content;  // decoded; empty for a directory
};

// SshBastion is a bastion of POST /ssh/bastion; hostname is empty when there is none.
struct SshBastion {
  std::string hostname, user, port, cmd, flags;
};

// SshHost is one host of GET /ssh/hosts.
struct SshHost {
  std::string hid;
  std::string hostname;
  // host_tags are "name=value" pairs.
  std::vector<std::string> host_tags;
};

// ClientCredentials are the certificate chain (PEM, leaf first) and its unencrypted private
// key (PEM) presented for mTLS.
struct ClientCredentials {
  std::string chain_pem;
  std::string key_pem;
};

// StatusFromCaError turns a failed CA response into a Status: the code follows the HTTP status
// (400 → kInvalidArgument, 401 → kUnauthenticated, 403 → kPermissionDenied, 404 → kNotFound,
// 409 → kAlreadyExists, 413/429 → kResourceExhausted, 501 → kUnimplemented, 503 →
// kUnavailable, 504 → kDeadlineExceeded, other 5xx → kInternal, other 4xx →
// kFailedPrecondition) and the message is the CA's "message" text, as step prints it. A body
// that is not step-ca's error JSON gives "the CA answered HTTP <status>". Thread-safe.
Status StatusFromCaError(int http_status, std::string_view body);

// CaClient speaks step-ca's API for one CA. Every call returns the CA's error (see
// StatusFromCaError) on an HTTP error status, kInvalidArgument when a success response is not
// the expected JSON, and the transport errors of http::HttpClient (kUnauthenticated when the
// CA's TLS certificate does not verify against the roots, kUnavailable when the CA cannot be
// reached, kDeadlineExceeded on timeout).
//
// Thread-safety: not thread-safe (it keeps a connection open); use one per thread.
class CaClient {
 public:
  // Create checks the options (the URL, and roots unless insecure). Fails with
  // kInvalidArgument.
  static Result<std::unique_ptr<CaClient>> Create(CaClientOptions options);
  ~CaClient();
  CaClient(const CaClient&) = delete;
  CaClient& operator=(const CaClient&) = delete;

  // ca_url is the normalised base URL ("https://host[:port]").
  const std::string& ca_url() const { return options_.ca_url; }

  // Health performs GET /health and returns its "status" ("ok").
  Result<std::string> Health();
  // Root performs GET /root/{fingerprint} over TLS WITHOUT verifying the server (the answer is
  // pinned instead): the returned root's SHA-256 over its DER must equal `fingerprint`
  // (compared in constant time), else kPermissionDenied "root certificate fingerprint does not
  // match". Returns the root PEM (one block, trailing newline).
  Result<std::string> Root(std::string_view fingerprint);
  // Roots performs GET /roots and returns the root PEMs.
  Result<std::vector<std::string>> Roots();
  // Federation performs GET /federation and returns the federated root PEMs.
  Result<std::vector<std::string>> Federation();
  // Provisioners returns every provisioner object of GET /provisioners, following nextCursor
  // with limit=100 (at most 100 pages).
  Result<std::vector<nlohmann::json>> Provisioners();
  // EncryptedKey performs GET /provisioners/{kid}/encrypted-key and returns the compact JWE.
  Result<std::string> EncryptedKey(std::string_view kid);
  // Sign performs POST /sign.
  Result<SignResponse> Sign(const SignRequest& request);
  // Renew performs POST /renew over mTLS with `credentials` (the certificate to renew).
  Result<SignResponse> Renew(const ClientCredentials& credentials);
  // RenewWithToken performs POST /renew with "Authorization: Bearer <token>" (an x5cInsecure
  // renew token, see token.h RenewToken), without a client certificate.
  Result<SignResponse> RenewWithToken(std::string_view token);
  // Rekey performs POST /rekey {"csr"} over mTLS with `credentials`.
  Result<SignResponse> Rekey(const ClientCredentials& credentials, std::string_view csr_pem);
  // Revoke performs POST /revoke. With request.ott empty, `credentials` must hold the
  // certificate being revoked (mTLS); else they are ignored.
  Status Revoke(const RevokeRequest& request, const ClientCredentials* credentials = nullptr);
  // SignSsh performs POST /1.0/ssh/sign and returns the certificate's wire bytes (the
  // base64-decoded "crt"). Fails with kInvalidArgument when "crt" is missing or not base64.
  // `add_user_crt`, when not null, receives the add-user certificate's wire bytes ("" when the
  // CA sent none).
  Result<std::string> SignSsh(const SshSignRequest& request, std::string* add_user_crt = nullptr);
  // SshRoots performs GET /1.0/ssh/roots. Fails with kInvalidArgument when a key is not base64
  // or the lists are malformed; kNotFound when the CA has no SSH keys.
  Result<SshRootKeys> SshRoots();
  // ---- SSHPOP calls (`cairn ssh renew|rekey|revoke`).
  // RenewSsh performs POST /1.0/ssh/renew {"ott"} with an SSHPOP token and returns the new
  // certificate's wire bytes. Fails as SignSsh.
  Result<std::string> RenewSsh(std::string_view ott);
  // RekeySsh performs POST /1.0/ssh/rekey {"ott","publicKey"} (`public_key` is the new key's
  // SSH wire blob, sent base64-encoded) and returns the new certificate's wire bytes.
  Result<std::string> RekeySsh(std::string_view ott, std::string_view public_key);
  // RevokeSsh performs POST /1.0/ssh/revoke {"serial","ott","reasonCode","reason","passive"}.
  // request.ott must be set (an SSHPOP or JWK SSH revoke token).
  Status RevokeSsh(const RevokeRequest& request);
  // ---- SSH KRL (`cairn ssh krl`).
  // SshKrl performs GET /1.0/ssh/krl (a Cairn extension) and returns the OpenSSH KRL's bytes.
  // Fails with the CA's error (kNotFound from a CA without the route, e.g. step-ca;
  // kUnimplemented from one without SSH keys), kInvalidArgument when the answer is not a KRL.
  Result<std::string> SshKrl();
  // ---- SSH hosts and configuration (`cairn ssh config|hosts|check-host|proxycommand`).
  // SshConfig performs POST /1.0/ssh/config {"type","data"} and returns the templates of
  // `type` ("user" or "host"). kInvalidArgument when the answer is malformed (content not
  // base64).
  Result<std::vector<SshConfigTemplate>> SshConfig(std::string_view type,
                                                   const std::map<std::string, std::string>& data);
  // SshCheckHost performs POST /1.0/ssh/check-host {"type":"host","principal","token"} and
  // returns "exists".
  Result<bool> SshCheckHost(std::string_view principal, std::string_view token);
  // SshHosts performs GET /1.0/ssh/hosts.
  Result<std::vector<SshHost>> SshHosts();
  // SshBastion performs POST /1.0/ssh/bastion {"user","hostname"}; the result's hostname is
  // empty when the CA names no bastion for that host.
  Result<SshBastion> SshBastionFor(std::string_view user, std::string_view hostname);
  // SshFederation performs GET /1.0/ssh/federation (the same shape as SshRoots).
  Result<SshRootKeys> SshFederation();
  // Admin performs an administration API call (`path` from "/admin/", with its query) with
  // the admin token in the Authorization header, as step's admin client sends it (the raw
  // token, no "Bearer"); `body` is sent as JSON for POST, PUT and PATCH. Returns the answer's
  // JSON; the CA's admin errors {"type","detail","message"} become Statuses as in
  // StatusFromCaError.
  Result<nlohmann::json> Admin(std::string_view method, std::string_view path,
                               std::string_view body, std::string_view token);

 private:
  explicit CaClient(CaClientOptions options);
  std::string Url(std::string_view path) const;
  Result<nlohmann::json> Call(http::HttpClient& client, std::string_view method,
                              std::string_view path, std::string_view body,
                              std::string_view authorization);
  Result<nlohmann::json> CallUrl(http::HttpClient& client, std::string_view method,
                                 const std::string& url, std::string_view body,
                                 std::string_view authorization);
  std::unique_ptr<http::HttpClient> MakeHttpClient(const ClientCredentials* credentials,
                                                   bool insecure) const;

  CaClientOptions options_;
  std::unique_ptr<http::HttpClient> http_;
};

// ParseSignResponse decodes a SignResponse JSON object. Fails with kInvalidArgument.
Result<SignResponse> ParseSignResponse(const nlohmann::json& json);

}  // namespace cairn::client

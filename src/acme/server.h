#pragma once

// The ACME server (RFC 8555, with RFC 8737 tls-alpn-01, RFC 8738 IP identifiers and RFC 9773
// renewal information) for every ACME provisioner of the authority. It speaks in AcmeRequest /
// AcmeResponse values: the api layer maps HTTP onto them and back, and never decides anything
// about ACME.
//
// Everything an order touches lives in the Store (accounts, orders, authorizations with their
// challenges, EAB keys, used nonces), so a restart loses nothing and several CA processes can
// share one database. Challenge validation runs on the server's own threads, never on the
// request's: a POST to a challenge marks it "processing" and returns at once; a worker
// validates, retries what may succeed later (connection refused, DNS not yet propagated) with
// back-off, and writes the outcome.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "acme/nonce.h"
#include "acme/objects.h"
#include "acme/rate_limit.h"
#include "acme/validation/challenges.h"
#include "authority/authority.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "base/work_queue.h"
#include "jose/jws.h"
#include "provisioner/acme/acme_provisioner.h"
#include "store/store.h"

namespace cairn::acme {

// Endpoint is what an ACME request asks for.
enum class Endpoint {
  kDirectory,
  kNewNonce,
  kNewAccount,
  kAccount,        // ids[0] = account id
  kAccountOrders,  // ids[0] = account id
  kNewOrder,
  kOrder,        // ids[0] = order id
  kFinalize,     // ids[0] = order id
  kAuthz,        // ids[0] = authorization id
  kChallenge,    // ids[0] = authorization id, ids[1] = challenge id
  kCertificate,  // ids[0] = order id
  kRevokeCert,
  kKeyChange,
  kRenewalInfo,  // ids[0] = ARI certificate id (RFC 9773 §4.1)
};

// AcmeRequest is one HTTP request to an ACME endpoint.
struct AcmeRequest {
  Endpoint endpoint = Endpoint::kDirectory;
  std::vector<std::string> ids;
  // method is "GET", "HEAD" or "POST".
  std::string method;
  // host is the request's Host header; URLs are https://<host>/acme/<provisioner>/...
  std::string host;
  // provisioner is the provisioner name from the path (percent-decoded).
  std::string provisioner;
  std::string content_type;
  std::string body;
  std::string remote_address;
  std::string request_id;
};

// AcmeResponse is what to answer.
struct AcmeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;
  std::string body;
  // log_fields go to the request log (never secrets).
  nlohmann::json log_fields = nlohmann::json::object();

  void SetJson(int code, const nlohmann::json& j);
  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// AuthoritySource returns the authority serving the current configuration.
using AuthoritySource = std::function<std::shared_ptr<authority::Authority>()>;

// AcmeServerOptions tunes the server; the defaults are what production wants.
struct AcmeServerOptions {
  // validation: how challenges are checked (resolver, the ports of http-01 and tls-alpn-01:
  // for tests and closed networks only; the RFCs say 80 and 443).
  ValidationOptions validation;
  // order_lifetime is how long an order and its authorizations stay usable.
  Duration order_lifetime = std::chrono::hours(24);
  // max_identifiers bounds the identifiers of one order.
  size_t max_identifiers = 100;
  // validation_attempts bounds the attempts at a challenge whose failures may be transient;
  // retry_delay is the first delay between attempts (doubled each time, at most 30 s).
  int validation_attempts = 5;
  Duration retry_delay = std::chrono::seconds(1);
  // validation_threads run validations.
  int validation_threads = 8;
  // nonce_lifetime bounds how long an issued nonce may be used.
  Duration nonce_lifetime = std::chrono::hours(1);
  // retry_after is the Retry-After the server suggests while a challenge or order is being
  // processed (lego polls every 5 s without one).
  int retry_after_seconds = 1;
};

// AcmeServer serves the ACME endpoints. Thread-safe: Handle may be called from many threads;
// each call blocks until its store writes are durable, so call it off the I/O threads.
class AcmeServer {
 public:
  struct Env {
    Clock& clock;
    Random& random;
    store::Store& store;
    Logger& log;
  };

  // Create prepares the nonce key (shared through the store) and starts the validation
  // workers. Fails when the store cannot be read or written.
  static Result<std::unique_ptr<AcmeServer>> Create(Env env, AuthoritySource authorities,
                                                    AcmeServerOptions options);
  // The destructor stops the workers (validations in flight finish; queued ones are dropped
  // and resume from the store when a client polls).
  ~AcmeServer();
  AcmeServer(const AcmeServer&) = delete;
  AcmeServer& operator=(const AcmeServer&) = delete;

  // Handle serves one request. Errors become problem documents; every response carries a
  // fresh Replay-Nonce (except the directory) and a Link to the directory.
  void Handle(const AcmeRequest& request, AcmeResponse& response);

  // WaitForValidationsForTest blocks until no validation is queued or running.
  void WaitForValidationsForTest();

 private:
  struct Context;  // one request in progress
  AcmeServer(Env env, AuthoritySource authorities, AcmeServerOptions options);

  Status Serve(Context& ctx);
  Status Directory(Context& ctx);
  Status NewAccount(Context& ctx);
  Status UpdateAccount(Context& ctx);
  Status AccountOrders(Context& ctx);
  Status NewOrder(Context& ctx);
  Status GetOrder(Context& ctx);
  Status Finalize(Context& ctx);
  Status GetAuthz(Context& ctx);
  Status PostChallenge(Context& ctx);
  Status GetCertificate(Context& ctx);
  Status RevokeCert(Context& ctx);
  Status KeyChange(Context& ctx);
  Status RenewalInfo(Context& ctx);

  // Authenticate verifies the request's JWS (RFC 8555 §6.2-6.4): content type, one signature,
  // protected url == the request URL, a nonce of ours used once, an allowed alg, exactly one of
  // jwk (only where `allow_jwk`) and kid (an existing, valid account of this provisioner).
  Status Authenticate(Context& ctx, bool allow_jwk);
  // VerifyEab checks an externalAccountBinding JWS (RFC 8555 §7.3.4) and returns the key id.
  Result<std::string> VerifyEab(Context& ctx, const nlohmann::json& eab);
  Result<Order> LoadOrder(Context& ctx, const std::string& id);
  Result<Authorization> LoadAuthz(Context& ctx, const std::string& id);
  // RefreshOrder recomputes a pending/ready order's status from its authorizations and
  // expiry, storing a change.
  Status RefreshOrder(Context& ctx, Order& order);
  // ScheduleValidation hands a challenge to the validation workers after `delay`.
  void ScheduleValidation(std::string authz_id, std::string challenge_id, Duration delay);
  // RunValidation validates one challenge and stores the outcome (worker thread).
  void RunValidation(const std::string& authz_id, const std::string& challenge_id);
  // Kick re-schedules processing challenges whose lease ran out (lost workers).
  void Kick(Authorization& authz);
  void TimerLoop();
  // Limit takes one event of `limit` for `key`; rateLimited (429, with Retry-After) when the
  // bucket is empty.
  Status Limit(Context& ctx, const std::string& what, const std::string& key,
               const RateLimit& limit);

  Env env_;
  AuthoritySource authorities_;
  AcmeServerOptions options_;
  std::unique_ptr<NonceSource> nonces_;
  // limiter_ enforces the provisioners' rateLimits (keys name the provisioner and the limit).
  RateLimiter limiter_;
  ChallengeValidator validator_;

  // Validation scheduling: timers_ (by due time) feed workers_.
  std::unique_ptr<WorkQueue> workers_;
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  std::multimap<Time, std::pair<std::string, std::string>> timers_;  // guarded by timer_mu_
  bool stopping_ = false;                                            // guarded by timer_mu_
  std::atomic<int> in_flight_{0};
  std::thread timer_thread_;
};

}  // namespace cairn::acme

#pragma once

// Answering ACME http-01 challenges (RFC 8555 §8.3), the two ways step does: a standalone
// HTTP server of our own, or files written into the web root of an existing server.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.h"
#include "client/acme_client.h"

namespace cairn::http {
class Router;
class Server;
}  // namespace cairn::http

namespace cairn::client {

// kHttp01PathPrefix is where http-01 key authorizations are served.
inline constexpr std::string_view kHttp01PathPrefix = "/.well-known/acme-challenge/";

// StandaloneHttp01Solver serves GET /.well-known/acme-challenge/<token> (the key
// authorization, as application/octet-stream) from its own plain-HTTP server; other paths and
// unknown tokens get 404. The server runs while at least one token is presented (it starts on
// the first Present and stops when the last token is cleaned up), or from Start to Stop.
//
// Thread-safety: Present, CleanUp, Start and Stop are serialized internally; the server
// answers on its own threads.
class StandaloneHttp01Solver final : public ChallengeSolver {
 public:
  // Create prepares a solver listening on `address`: "host:port", ":port" (all interfaces, as
  // step's default ":80"), "[v6]:port", "localhost:port". Nothing is bound yet. Fails with
  // kInvalidArgument on a malformed address.
  static Result<std::unique_ptr<StandaloneHttp01Solver>> Create(std::string address);
  ~StandaloneHttp01Solver() override;

  // Start binds and serves now, and keeps serving until Stop (not only while tokens are
  // presented). Fails with kUnavailable when the address cannot be bound (e.g. ":80" without
  // privileges). Idempotent.
  Status Start();
  // Stop stops the server (waiting up to one second for requests in flight). Idempotent.
  void Stop();
  // port is the bound port while serving (useful with port 0), else 0.
  int port() const;

  std::string_view type() const override { return "http-01"; }
  // Present starts serving `key_authorization` for `token` (starting the server if needed).
  // Fails with kInvalidArgument for a token that is not base64url, or as Start.
  Status Present(const AcmeIdentifier& identifier, std::string_view token,
                 std::string_view key_authorization) override;
  // CleanUp stops serving `token` (and stops the server when it was started by Present and no
  // token is left).
  void CleanUp(std::string_view token) override;

 private:
  struct State;
  explicit StandaloneHttp01Solver(std::string address);
  Status StartLocked();
  void StopLocked();

  std::string address_;
  std::shared_ptr<State> state_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
  bool started_explicitly_ = false;
  mutable std::mutex mu_;  // guards server_ and started_explicitly_
};

// WebrootHttp01Solver writes each key authorization to
// <webroot>/.well-known/acme-challenge/<token> (mode 0644, directories 0755, so that a web
// server running as another user can read them) and removes it on CleanUp. The web root must
// exist. Thread-compatible.
class WebrootHttp01Solver final : public ChallengeSolver {
 public:
  explicit WebrootHttp01Solver(std::string webroot);

  std::string_view type() const override { return "http-01"; }
  // Present fails with kNotFound "webroot directory <dir> does not exist", kInvalidArgument
  // for a token that is not base64url, or the file system's error.
  Status Present(const AcmeIdentifier& identifier, std::string_view token,
                 std::string_view key_authorization) override;
  void CleanUp(std::string_view token) override;

  // ChallengeFile returns the path written for `token`.
  std::string ChallengeFile(std::string_view token) const;

 private:
  std::string webroot_;
};

}  // namespace cairn::client

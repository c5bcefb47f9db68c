#include "client/acme_http01.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "base/file.h"
#include "http/router.h"
#include "http/server.h"

namespace cairn::client {
namespace {

constexpr size_t kMaxTokenLength = 256;
constexpr int kServerThreads = 2;

// ValidToken accepts base64url tokens only: they become file names and URL paths, so nothing
// like "../" may get through.
Status ValidToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenLength) {
    return InvalidArgumentError("invalid ACME challenge token");
  }
  for (char c : token) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return InvalidArgumentError("invalid ACME challenge token");
  }
  return Status();
}

http::ServerOptions ServerOptionsFor(const std::string& address) {
  http::ServerOptions o;
  o.address = address;
  o.tls = false;
  o.threads = kServerThreads;
  o.max_body_bytes = 4096;
  o.max_connections = 64;
  o.read_timeout = std::chrono::seconds(10);
  o.write_timeout = std::chrono::seconds(10);
  o.idle_timeout = std::chrono::seconds(10);
  return o;
}

}  // namespace

// State is shared with the router's handler, which may run on the server's threads.
struct StandaloneHttp01Solver::State {
  std::mutex mu;
  std::map<std::string, std::string, std::less<>> key_authorizations;  // token → key auth
};

StandaloneHttp01Solver::StandaloneHttp01Solver(std::string address)
    : address_(std::move(address)),
      state_(std::make_shared<State>()),
      router_(std::make_unique<http::Router>()) {
  std::shared_ptr<State> state = state_;
  router_->Handle("GET", std::string(kHttp01PathPrefix) + "{token}",
                  [state](http::Request& req, http::Response& resp) {
                    std::string token = req.PathParam("token");
                    std::string key_auth;
                    {
                      std::lock_guard<std::mutex> lock(state->mu);
                      auto it = state->key_authorizations.find(token);
                      if (it != state->key_authorizations.end()) key_auth = it->second;
                    }
                    if (key_auth.empty()) {
                      resp.SetBody(404, "text/plain; charset=utf-8", "404 page not found\n");
                      return;
                    }
                    resp.SetBody(200, "application/octet-stream", std::move(key_auth));
                  });
}

StandaloneHttp01Solver::~StandaloneHttp01Solver() {
  std::lock_guard<std::mutex> lock(mu_);
  StopLocked();
}

Result<std::unique_ptr<StandaloneHttp01Solver>> StandaloneHttp01Solver::Create(
    std::string address) {
  if (address.empty()) return InvalidArgumentError("empty listen address");
  std::unique_ptr<StandaloneHttp01Solver> s(new StandaloneHttp01Solver(std::move(address)));
  // Checks the address syntax now, without binding.
  auto probe = http::Server::Create(ServerOptionsFor(s->address_), *s->router_);
  if (!probe.ok()) return probe.status().Annotate("invalid value for flag '--http-listen'");
  return s;
}

Status StandaloneHttp01Solver::StartLocked() {
  if (server_) return Status();
  CAIRN_ASSIGN_OR_RETURN(auto server, http::Server::Create(ServerOptionsFor(address_), *router_));
  Status s = server->Start();
  if (!s.ok()) return s.Annotate("error starting the http-01 challenge server");
  server_ = std::move(server);
  return Status();
}

void StandaloneHttp01Solver::StopLocked() {
  if (!server_) return;
  server_->Stop(std::chrono::seconds(1));
  server_.reset();
}

Status StandaloneHttp01Solver::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  CAIRN_RETURN_IF_ERROR(StartLocked());
  started_explicitly_ = true;
  return Status();
}

void StandaloneHttp01Solver::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  started_explicitly_ = false;
  StopLocked();
}

int StandaloneHttp01Solver::port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return server_ ? server_->port() : 0;
}

Status StandaloneHttp01Solver::Present(const AcmeIdentifier& /*identifier*/, std::string_view token,
                                       std::string_view key_authorization) {
  CAIRN_RETURN_IF_ERROR(ValidToken(token));
  if (key_authorization.empty()) return InvalidArgumentError("empty key authorization");
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->key_authorizations[std::string(token)] = std::string(key_authorization);
  }
  std::lock_guard<std::mutex> lock(mu_);
  Status s = StartLocked();
  if (!s.ok()) {
    std::lock_guard<std::mutex> state_lock(state_->mu);
    state_->key_authorizations.erase(std::string(token));
  }
  return s;
}

void StandaloneHttp01Solver::CleanUp(std::string_view token) {
  bool empty = false;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (auto it = state_->key_authorizations.find(token); it != state_->key_authorizations.end()) {
      state_->key_authorizations.erase(it);
    }
    empty = state_->key_authorizations.empty();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (empty && !started_explicitly_) StopLocked();
}

// --- webroot ----------------------------------------------------------------------------------

WebrootHttp01Solver::WebrootHttp01Solver(std::string webroot) : webroot_(std::move(webroot)) {}

std::string WebrootHttp01Solver::ChallengeFile(std::string_view token) const {
  return JoinPath(JoinPath(webroot_, kHttp01PathPrefix.substr(1)), token);
}

Status WebrootHttp01Solver::Present(const AcmeIdentifier& /*identifier*/, std::string_view token,
                                    std::string_view key_authorization) {
  CAIRN_RETURN_IF_ERROR(ValidToken(token));
  struct stat st {};
  if (::stat(webroot_.c_str(), &st) != 0) {
    if (errno == ENOENT) return NotFoundError("webroot directory " + webroot_ + " does not exist");
    return InternalError("error checking for directory " + webroot_ + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return InvalidArgumentError("webroot " + webroot_ + " is not a directory");
  }
  // 0755 and 0644: the web server serving these files may run as another user.
  std::string dir = JoinPath(webroot_, ".well-known/acme-challenge");
  Status s = MakeDirs(dir, 0755);
  if (!s.ok()) return s.Annotate("error creating directory path " + dir);
  std::string file = ChallengeFile(token);
  s = WriteFileAtomic(file, key_authorization, 0644);
  if (!s.ok()) return s.Annotate("error writing key authorization file " + file);
  return Status();
}

void WebrootHttp01Solver::CleanUp(std::string_view token) {
  if (!ValidToken(token).ok()) return;
  std::remove(ChallengeFile(token).c_str());
}

}  // namespace cairn::client

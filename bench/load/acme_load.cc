#include "acme_load.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
//
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>

#include "common.h"

namespace cairn::bench::acme {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using asio::awaitable;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;
using Json = nlohmann::json;

constexpr auto kUse = asio::use_awaitable;
constexpr size_t kMaxBody = 1 << 20;
constexpr size_t kMaxErrorKinds = 16;
constexpr uint64_t kMaxErrors = 100000;
constexpr std::string_view kProblemPrefix = "urn:ietf:params:acme:error:";
constexpr std::string_view kChallengePath = "/.well-known/acme-challenge/";

std::chrono::nanoseconds Seconds(double s) {
  return std::chrono::nanoseconds(static_cast<int64_t>(s * 1e9));
}

double MicrosSince(SteadyClock::time_point t0) {
  return std::chrono::duration<double, std::micro>(SteadyClock::now() - t0).count();
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Excerpt(std::string_view s, size_t n = 240) {
  std::string out(s.substr(0, n));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

template <typename Message>
std::string Header(const Message& m, const char* name) {
  auto v = m[name];
  return std::string(v.data(), v.size());
}

// Reply is one HTTP response.
struct Reply {
  unsigned status = 0;
  std::string body;
  std::string location;
  std::string retry_after;
  std::string nonce;
};

// Failure is why an order failed: `kind` groups failures in the report (step, HTTP status,
// ACME problem type), `detail` is the server's words.
struct Failure {
  std::string kind;
  std::string detail;
};

// ProblemFailure describes an unexpected answer of `step`.
Failure ProblemFailure(std::string_view step, const Reply& r) {
  Failure f;
  f.kind = std::string(step) + ": HTTP " + std::to_string(r.status);
  Json j = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded() && j.is_object()) {
    std::string type = Str(j, "type");
    if (type.starts_with(kProblemPrefix)) type = type.substr(kProblemPrefix.size());
    if (!type.empty()) f.kind += " " + type;
    f.detail = Str(j, "detail");
  }
  if (f.detail.empty()) f.detail = Excerpt(r.body);
  return f;
}

// ObjectFailure describes an ACME object (challenge, order) that became "invalid".
Failure ObjectFailure(std::string_view what, const Json& obj) {
  Failure f{std::string(what) + " invalid", ""};
  if (auto e = obj.find("error"); e != obj.end() && e->is_object()) {
    std::string type = Str(*e, "type");
    if (type.starts_with(kProblemPrefix)) type = type.substr(kProblemPrefix.size());
    if (!type.empty()) f.kind += ": " + type;
    f.detail = Str(*e, "detail");
  }
  if (f.detail.empty()) f.detail = Excerpt(obj.dump());
  return f;
}

// RetryAfterMs reads a delay-seconds Retry-After (an HTTP-date is ignored: the cap applies).
std::optional<double> RetryAfterMs(const std::string& v) {
  if (v.empty() || v.size() > 9) return std::nullopt;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::stod(v) * 1000.0;
}

// OrderStats counts one order's requests and times its steps.
struct OrderStats {
  uint64_t requests = 0;
  uint64_t polls = 0;
  StepTimes steps;
};

class Runner {
 public:
  Runner(const AcmeLoadOptions& o, const std::vector<Csr>& csrs, ssl::context& ctx, Endpoint ep,
         tcp::resolver::results_type endpoints, tcp::endpoint listen)
      : options_(o),
        csrs_(csrs),
        ctx_(ctx),
        ep_(std::move(ep)),
        endpoints_(std::move(endpoints)),
        listen_(listen),
        io_(1),
        acceptor_(io_),
        phase_timer_(io_),
        drain_timer_(io_) {
    base_ = "https://" + ep_.host_header;
    result_.latencies_us.reserve(1 << 16);
  }

  Result<AcmeLoadResult> Run() {
    error_code ec;
    acceptor_.open(listen_.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(listen_, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return UnavailableError("http-01 responder cannot listen on " +
                              listen_.address().to_string() + ":" + std::to_string(listen_.port()) +
                              ": " + ec.message());
    }
    asio::co_spawn(io_, Accept(), asio::detached);
    asio::co_spawn(io_, Main(), asio::detached);
    io_.run();
    if (!fatal_.ok()) return fatal_;
    std::sort(result_.latencies_us.begin(), result_.latencies_us.end());
    return std::move(result_);
  }

 private:
  enum class Phase { kSetup, kWarmup, kMeasuring, kDraining };

  struct Worker {
    explicit Worker(asio::io_context& io) : timer(io), deadline(io) {}
    int id = 0;
    std::unique_ptr<ssl::stream<tcp::socket>> stream;
    beast::flat_buffer buffer;
    bool connected = false;
    bool ever_connected = false;
    std::optional<AccountKey> key;
    std::string kid;
    std::string nonce;
    asio::steady_timer timer;     // poll waits
    asio::steady_timer deadline;  // the exchange in progress
    uint64_t exchange = 0;        // counts exchanges: a stale deadline does nothing
    bool timed_out = false;
    bool done = false;
  };

  // ---- the run ----------------------------------------------------------------------------

  awaitable<void> Main() {
    auto t0 = SteadyClock::now();
    for (int i = 0; i < options_.concurrency; ++i) {
      workers_.push_back(std::make_unique<Worker>(io_));
      workers_.back()->id = i;
    }
    if (Status s = co_await Setup(); !s.ok()) {
      Fatal(s);
      co_return;
    }
    result_.setup_s = MicrosSince(t0) / 1e6;

    phase_ = options_.warmup_s > 0 ? Phase::kWarmup : Phase::kMeasuring;
    if (phase_ == Phase::kMeasuring) StartWindow();
    if (stopped_) co_return;
    for (auto& w : workers_) asio::co_spawn(io_, Loop(*w), asio::detached);
    error_code ec;
    if (options_.warmup_s > 0) {
      phase_timer_.expires_after(Seconds(options_.warmup_s));
      co_await phase_timer_.async_wait(asio::redirect_error(kUse, ec));
      if (stopped_) co_return;
      StartWindow();
      if (stopped_) co_return;
    }
    phase_timer_.expires_after(Seconds(options_.duration_s));
    co_await phase_timer_.async_wait(asio::redirect_error(kUse, ec));
    if (stopped_) co_return;
    EndWindow();

    // Drain: let the orders in flight end (not counted), bounded.
    phase_ = Phase::kDraining;
    if (!AllDone()) {
      drain_timer_.expires_after(Seconds(options_.drain_timeout_s));
      co_await drain_timer_.async_wait(asio::redirect_error(kUse, ec));
    }
    Stop();
  }

  // Setup fetches the directory and creates one account per worker, one after the other.
  awaitable<Status> Setup() {
    Worker& w0 = *workers_.front();
    auto path = PathOf(options_.directory_url);
    if (!path.ok()) co_return path.status();
    auto dir = co_await Exchange(w0, "GET", *path, "");
    if (!dir.ok()) co_return dir.status().Annotate("fetching the directory");
    if (dir->status != 200) {
      co_return UnavailableError("directory: HTTP " + std::to_string(dir->status) + ": " +
                                 Excerpt(dir->body));
    }
    Json d = Json::parse(dir->body, nullptr, false);
    if (d.is_discarded() || !d.is_object()) co_return UnavailableError("directory is not JSON");
    new_nonce_ = Str(d, "newNonce");
    new_account_ = Str(d, "newAccount");
    new_order_ = Str(d, "newOrder");
    for (const std::string* u : {&new_nonce_, &new_account_, &new_order_}) {
      if (!PathOf(*u).ok()) {
        co_return UnavailableError("directory URL not on " + base_ + ": '" + *u + "'");
      }
    }
    for (auto& w : workers_) {
      auto key = AccountKey::Generate();
      if (!key.ok()) co_return key.status();
      w->key.emplace(std::move(key).value());
      OrderStats ignored;
      auto r = co_await Post(*w, new_account_, "{\"termsOfServiceAgreed\":true}", ignored);
      if (!r.ok()) co_return r.status().Annotate("newAccount");
      if ((r->status != 201 && r->status != 200) || r->location.empty()) {
        Failure f = ProblemFailure("newAccount", *r);
        co_return UnavailableError(f.kind + ": " + f.detail);
      }
      w->kid = r->location;
    }
    co_return Status();
  }

  void StartWindow() {
    phase_ = Phase::kMeasuring;
    window_start_ = SteadyClock::now();
    client_cpu_start_ = ProcessCpuSeconds();
    if (options_.server_pid > 0) {
      auto cpu = ProcCpuSeconds(options_.server_pid);
      if (!cpu.ok()) return Fatal(cpu.status().Annotate("reading the server's CPU time"));
      server_cpu_start_ = *cpu;
    }
  }

  void EndWindow() {
    result_.window_s = std::chrono::duration<double>(SteadyClock::now() - window_start_).count();
    result_.client_cpu_s = ProcessCpuSeconds() - client_cpu_start_;
    if (options_.server_pid > 0) {
      auto cpu = ProcCpuSeconds(options_.server_pid);
      if (!cpu.ok()) return Fatal(cpu.status().Annotate("reading the server's CPU time"));
      result_.server_cpu_s = *cpu - server_cpu_start_;
      if (auto mem = ReadProcMemory(options_.server_pid); mem.ok()) {
        result_.server_rss_mb = mem->rss_mb;
        result_.server_hwm_mb = mem->hwm_mb;
      }
    }
  }

  bool Running() const { return phase_ == Phase::kWarmup || phase_ == Phase::kMeasuring; }

  bool AllDone() const {
    for (const auto& w : workers_) {
      if (!w->done) return false;
    }
    return true;
  }

  awaitable<void> Loop(Worker& w) {
    while (Running() && !stopped_) {
      co_await OneOrder(w);
    }
    w.done = true;
    if (phase_ == Phase::kDraining && AllDone()) drain_timer_.cancel();
  }

  // Stop closes every socket (workers, responder) so that every coroutine ends.
  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    phase_timer_.cancel();
    drain_timer_.cancel();
    error_code ignored;
    acceptor_.close(ignored);
    for (tcp::socket* s : responder_sockets_) s->close(ignored);
    for (auto& w : workers_) {
      w->timer.cancel();
      w->deadline.cancel();
      Close(*w);
    }
  }

  void Fatal(Status s) {
    if (fatal_.ok()) fatal_ = std::move(s);
    Stop();
  }

  void RecordFailure(const Failure& f) {
    if (stopped_) return;  // sockets closed on purpose at the end of the drain
    ++result_.errors;
    auto it = result_.errors_by_kind.find(f.kind);
    if (it == result_.errors_by_kind.end()) {
      if (result_.errors_by_kind.size() >= kMaxErrorKinds) {
        ++result_.errors_by_kind["other"];
      } else {
        result_.errors_by_kind.emplace(f.kind, 1);
        result_.error_samples.push_back(f.kind + ": " + f.detail);
      }
    } else {
      ++it->second;
    }
    if (result_.errors > kMaxErrors) Fatal(InternalError("too many errors; giving up"));
  }

  // ---- one order ----------------------------------------------------------------------------

  awaitable<void> OneOrder(Worker& w) {
    OrderStats st;
    std::string token;
    auto t0 = SteadyClock::now();
    uint32_t csr_index = static_cast<uint32_t>(next_csr_++ % csrs_.size());
    std::optional<Failure> failure;
    std::string chain;
    failure = co_await OrderSteps(w, csr_index, st, token, chain);
    if (!token.empty()) tokens_.erase(token);
    if (failure) {
      RecordFailure(*failure);
      if (!w.connected && !stopped_) {
        // The connection broke: pause briefly so a dead server does not make a busy loop.
        w.timer.expires_after(std::chrono::milliseconds(5));
        error_code ec;
        co_await w.timer.async_wait(asio::redirect_error(kUse, ec));
      }
      co_return;
    }
    ++result_.orders_total;
    if (result_.chains.size() < options_.max_kept_certificates) {
      result_.chains.push_back(IssuedChain{csr_index, std::move(chain)});
    }
    if (phase_ != Phase::kMeasuring) co_return;
    ++result_.orders;
    result_.latencies_us.push_back(static_cast<uint32_t>(std::min(MicrosSince(t0), 4e9)));
    result_.requests += st.requests;
    result_.polls += st.polls;
    result_.steps.new_order_us += st.steps.new_order_us;
    result_.steps.authz_us += st.steps.authz_us;
    result_.steps.challenge_us += st.steps.challenge_us;
    result_.steps.finalize_us += st.steps.finalize_us;
    result_.steps.certificate_us += st.steps.certificate_us;
  }

  // OrderSteps runs newOrder → authz → challenge → poll → finalize → poll → certificate.
  awaitable<std::optional<Failure>> OrderSteps(Worker& w, uint32_t csr_index, OrderStats& st,
                                               std::string& token, std::string& chain) {
    // 1. newOrder.
    auto t = SteadyClock::now();
    std::string payload = "{\"identifiers\":[{\"type\":\"ip\",\"value\":\"" +
                          JsonEscape(options_.identifier_ip) + "\"}]}";
    auto r = co_await Post(w, new_order_, payload, st);
    if (!r.ok()) co_return Transport("newOrder", r.status());
    if (r->status != 201) co_return ProblemFailure("newOrder", *r);
    Json order = Json::parse(r->body, nullptr, false);
    std::string order_url = r->location;
    if (order.is_discarded() || !order.is_object() || order_url.empty()) {
      co_return Failure{"newOrder: bad answer", Excerpt(r->body)};
    }
    std::string finalize_url = Str(order, "finalize");
    auto authzs = order.find("authorizations");
    if (finalize_url.empty() || authzs == order.end() || !authzs->is_array() ||
        authzs->size() != 1 || !(*authzs)[0].is_string()) {
      co_return Failure{"newOrder: bad order object", Excerpt(r->body)};
    }
    std::string authz_url = (*authzs)[0].get<std::string>();
    st.steps.new_order_us = MicrosSince(t);

    // 2. The authorization.
    t = SteadyClock::now();
    r = co_await Post(w, authz_url, "", st);
    if (!r.ok()) co_return Transport("authz", r.status());
    if (r->status != 200) co_return ProblemFailure("authz", *r);
    Json authz = Json::parse(r->body, nullptr, false);
    if (authz.is_discarded() || !authz.is_object()) {
      co_return Failure{"authz: bad answer", Excerpt(r->body)};
    }
    st.steps.authz_us = MicrosSince(t);
    std::string authz_status = Str(authz, "status");

    // 3. The http-01 challenge, unless the server reused a valid authorization.
    t = SteadyClock::now();
    if (authz_status == "valid") {
      ++result_.authz_reused;
    } else if (authz_status == "pending") {
      std::string challenge_url;
      if (auto chs = authz.find("challenges"); chs != authz.end() && chs->is_array()) {
        for (const Json& ch : *chs) {
          if (ch.is_object() && Str(ch, "type") == "http-01") {
            challenge_url = Str(ch, "url");
            token = Str(ch, "token");
          }
        }
      }
      if (challenge_url.empty() || token.empty()) {
        token.clear();
        co_return Failure{"authz: no http-01 challenge", Excerpt(r->body)};
      }
      tokens_[token] = token + "." + w.key->thumbprint();
      r = co_await Post(w, challenge_url, "{}", st);
      if (!r.ok()) co_return Transport("challenge", r.status());
      if (r->status != 200) co_return ProblemFailure("challenge", *r);
      Json ch = Json::parse(r->body, nullptr, false);
      if (ch.is_discarded() || !ch.is_object()) {
        co_return Failure{"challenge: bad answer", Excerpt(r->body)};
      }
      std::string ch_status = Str(ch, "status");
      if (ch_status == "invalid") co_return ObjectFailure("challenge", ch);
      if (ch_status != "valid" && options_.poll_challenge) {
        // Poll the challenge (as step does): "valid" once validated.
        Json polled;
        if (auto f =
                co_await Poll(w, challenge_url, "challenge poll", r->retry_after, st, polled)) {
          co_return f;
        }
        std::string s = Str(polled, "status");
        if (s == "invalid") co_return ObjectFailure("challenge", polled);
        if (s != "valid") co_return Failure{"challenge: status " + s, Excerpt(polled.dump())};
      } else if (ch_status != "valid") {
        // Poll the authorization (as certbot does).
        Json polled;
        if (auto f = co_await Poll(w, authz_url, "authz poll", r->retry_after, st, polled)) {
          co_return f;
        }
        std::string s = Str(polled, "status");
        if (s == "invalid") {
          if (auto chs = polled.find("challenges"); chs != polled.end() && chs->is_array()) {
            for (const Json& c : *chs) {
              if (c.is_object() && Str(c, "type") == "http-01") {
                co_return ObjectFailure("challenge", c);
              }
            }
          }
          co_return ObjectFailure("authz", polled);
        }
        if (s != "valid") co_return Failure{"authz: status " + s, Excerpt(polled.dump())};
      }
      tokens_.erase(token);
      token.clear();
    } else {
      co_return Failure{"authz: status " + authz_status, Excerpt(r->body)};
    }
    st.steps.challenge_us = MicrosSince(t);

    // 4. Finalize, and wait while the order is processing.
    t = SteadyClock::now();
    r = co_await Post(w, finalize_url, "{\"csr\":\"" + csrs_[csr_index].der_b64url + "\"}", st);
    if (!r.ok()) co_return Transport("finalize", r.status());
    if (r->status != 200) co_return ProblemFailure("finalize", *r);
    order = Json::parse(r->body, nullptr, false);
    if (order.is_discarded() || !order.is_object()) {
      co_return Failure{"finalize: bad answer", Excerpt(r->body)};
    }
    std::string order_status = Str(order, "status");
    if (order_status == "processing") {
      if (!r->location.empty()) order_url = r->location;
      Json polled;
      if (auto f = co_await Poll(w, order_url, "order poll", r->retry_after, st, polled)) {
        co_return f;
      }
      order = std::move(polled);
      order_status = Str(order, "status");
    }
    if (order_status == "invalid") co_return ObjectFailure("order", order);
    std::string cert_url = Str(order, "certificate");
    if (order_status != "valid" || cert_url.empty()) {
      co_return Failure{"finalize: order " + order_status, Excerpt(order.dump())};
    }
    st.steps.finalize_us = MicrosSince(t);

    // 5. The certificate.
    t = SteadyClock::now();
    r = co_await Post(w, cert_url, "", st);
    if (!r.ok()) co_return Transport("certificate", r.status());
    if (r->status != 200) co_return ProblemFailure("certificate", *r);
    if (r->body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      co_return Failure{"certificate: no PEM certificate", Excerpt(r->body)};
    }
    chain = std::move(r->body);
    st.steps.certificate_us = MicrosSince(t);
    co_return std::nullopt;
  }

  // Poll POSTs-as-GET `url` until the object's status is neither "pending" nor "processing"
  // and leaves it in `out`. The n-th wait is
  // min(Retry-After, poll_first_ms * 2^n, poll_max_ms).
  awaitable<std::optional<Failure>> Poll(Worker& w, const std::string& url, const char* step,
                                         std::string retry_after, OrderStats& st, Json& out) {
    auto deadline = SteadyClock::now() + Seconds(options_.poll_timeout_s);
    double backoff_ms = options_.poll_first_ms;
    while (true) {
      double wait_ms = std::min(backoff_ms, options_.poll_max_ms);
      if (auto ra = RetryAfterMs(retry_after)) wait_ms = std::min(wait_ms, *ra);
      backoff_ms *= 2;
      if (wait_ms > 0) {
        w.timer.expires_after(std::chrono::microseconds(static_cast<int64_t>(wait_ms * 1000)));
        error_code ec;
        co_await w.timer.async_wait(asio::redirect_error(kUse, ec));
        if (stopped_) co_return Failure{std::string(step) + ": stopped", ""};
      }
      ++st.polls;
      auto r = co_await Post(w, url, "", st);
      if (!r.ok()) co_return Transport(step, r.status());
      if (r->status != 200) co_return ProblemFailure(step, *r);
      out = Json::parse(r->body, nullptr, false);
      if (out.is_discarded() || !out.is_object()) {
        co_return Failure{std::string(step) + ": bad answer", Excerpt(r->body)};
      }
      std::string s = Str(out, "status");
      if (s != "pending" && s != "processing") co_return std::nullopt;
      if (SteadyClock::now() > deadline) {
        co_return Failure{std::string(step) + ": still " + s + " after " +
                              std::to_string(options_.poll_timeout_s) + " s",
                          ""};
      }
      retry_after = r->retry_after;
    }
  }

  static Failure Transport(std::string_view step, const Status& s) {
    if (s.code() == StatusCode::kDeadlineExceeded) {
      return Failure{std::string(step) + ": timeout", s.message()};
    }
    return Failure{std::string(step) + ": transport", s.message()};
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  // PathOf returns the path of an absolute URL on the server's origin.
  Result<std::string> PathOf(const std::string& url) const {
    if (!url.starts_with(base_) || url.size() == base_.size() || url[base_.size()] != '/') {
      return InvalidArgumentError("URL not on " + base_ + ": " + url);
    }
    return url.substr(base_.size());
  }

  // Post signs `payload` ("" = POST-as-GET) for `url` with the worker's account key (kid once
  // the account exists, else jwk) and its last nonce, fetching one when it has none.
  awaitable<Result<Reply>> Post(Worker& w, const std::string& url, const std::string& payload,
                                OrderStats& st) {
    auto path = PathOf(url);
    if (!path.ok()) co_return path.status();
    if (w.nonce.empty()) {
      ++result_.nonce_fetches;
      auto np = PathOf(new_nonce_);
      auto n = co_await Exchange(w, "HEAD", *np, "");
      if (!n.ok()) co_return n.status();
      if (n->nonce.empty()) {
        co_return UnavailableError("newNonce: HTTP " + std::to_string(n->status) +
                                   " without Replay-Nonce");
      }
      w.nonce = std::move(n->nonce);
    }
    auto jws = w.key->Sign(url, w.nonce, w.kid, payload);
    w.nonce.clear();
    if (!jws.ok()) co_return jws.status();
    ++st.requests;
    auto r = co_await Exchange(w, "POST", *path, *jws);
    if (r.ok() && !r->nonce.empty()) w.nonce = r->nonce;
    co_return r;
  }

  awaitable<Status> Connect(Worker& w) {
    if (w.ever_connected) ++result_.reconnects;
    w.stream = std::make_unique<ssl::stream<tcp::socket>>(io_, ctx_);
    w.buffer.clear();
    if (Status s = SetPeerName(w.stream->native_handle(), ep_.host); !s.ok()) co_return s;
    error_code ec;
    co_await asio::async_connect(w.stream->lowest_layer(), endpoints_,
                                 asio::redirect_error(kUse, ec));
    if (ec) co_return UnavailableError("connect: " + ec.message());
    w.stream->lowest_layer().set_option(tcp::no_delay(true), ec);
    co_await w.stream->async_handshake(ssl::stream_base::client, asio::redirect_error(kUse, ec));
    if (ec) co_return UnavailableError("TLS handshake: " + ec.message());
    w.connected = w.ever_connected = true;
    co_return Status();
  }

  static void Close(Worker& w) {
    w.connected = false;
    if (!w.stream) return;
    error_code ignored;
    w.stream->lowest_layer().close(ignored);
  }

  // Exchange sends one request on the worker's keep-alive connection (opening it when
  // needed) and reads the response, within request_timeout_s.
  awaitable<Result<Reply>> Exchange(Worker& w, const char* method, const std::string& path,
                                    const std::string& body) {
    if (stopped_) co_return UnavailableError("stopped");
    const uint64_t id = ++w.exchange;
    w.timed_out = false;
    w.deadline.expires_after(Seconds(options_.request_timeout_s));
    w.deadline.async_wait([this, &w, id](const error_code& ec) {
      if (ec || id != w.exchange) return;
      w.timed_out = true;
      Close(w);  // the pending operation fails
    });
    auto r = co_await ExchangeOnce(w, method, path, body);
    ++w.exchange;
    w.deadline.cancel();
    if (!r.ok() && w.timed_out) {
      co_return DeadlineExceededError("timeout: no answer within " +
                                      std::to_string(options_.request_timeout_s) + " s");
    }
    co_return r;
  }

  awaitable<Result<Reply>> ExchangeOnce(Worker& w, const char* method, const std::string& path,
                                        const std::string& body) {
    if (!w.connected) {
      if (Status s = co_await Connect(w); !s.ok()) {
        Close(w);
        co_return s;
      }
    }
    std::string req;
    req.reserve(body.size() + 200);
    req += method;
    req += ' ';
    req += path;
    req += " HTTP/1.1\r\nHost: ";
    req += ep_.host_header;
    req += "\r\nUser-Agent: cairn-acme-bench\r\n";
    if (!body.empty()) {
      req += "Content-Type: application/jose+json\r\nContent-Length: ";
      req += std::to_string(body.size());
      req += "\r\n";
    }
    req += "\r\n";
    req += body;
    error_code ec;
    co_await asio::async_write(*w.stream, asio::buffer(req), asio::redirect_error(kUse, ec));
    if (ec) {
      Close(w);
      co_return UnavailableError(std::string("write: ") + ec.message());
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    if (std::string_view(method) == "HEAD") parser.skip(true);
    co_await http::async_read(*w.stream, w.buffer, parser, asio::redirect_error(kUse, ec));
    if (ec) {
      Close(w);
      co_return UnavailableError(std::string("read: ") + ec.message());
    }
    auto& res = parser.get();
    Reply reply;
    reply.status = res.result_int();
    reply.nonce = Header(res, "Replay-Nonce");
    reply.location = Header(res, "Location");
    reply.retry_after = Header(res, "Retry-After");
    if (!res.keep_alive()) Close(w);
    reply.body = std::move(res.body());
    co_return reply;
  }

  // ---- the http-01 responder ----------------------------------------------------------------

  awaitable<void> Accept() {
    while (!stopped_) {
      tcp::socket socket(io_);
      error_code ec;
      co_await acceptor_.async_accept(socket, asio::redirect_error(kUse, ec));
      if (stopped_) co_return;
      if (ec) continue;
      asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
    }
  }

  awaitable<void> Serve(tcp::socket socket) {
    responder_sockets_.insert(&socket);
    error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    beast::flat_buffer buffer;
    while (!stopped_) {
      http::request_parser<http::empty_body> parser;
      parser.header_limit(16 << 10);
      co_await http::async_read(socket, buffer, parser, asio::redirect_error(kUse, ec));
      if (ec) break;
      const auto& req = parser.get();
      ++result_.responder_requests;
      std::string_view target(req.target().data(), req.target().size());
      const std::string* answer = nullptr;
      if ((req.method() == http::verb::get || req.method() == http::verb::head) &&
          target.starts_with(kChallengePath)) {
        auto it = tokens_.find(std::string(target.substr(kChallengePath.size())));
        if (it != tokens_.end()) answer = &it->second;
      }
      if (answer == nullptr) ++result_.responder_not_found;
      bool keep = req.keep_alive();
      std::string res = answer ? "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                               : "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n";
      std::string_view body = answer ? std::string_view(*answer) : std::string_view("not found");
      res += "Content-Length: " + std::to_string(body.size()) + "\r\n";
      if (!keep) res += "Connection: close\r\n";
      res += "\r\n";
      if (req.method() != http::verb::head) res += body;
      co_await asio::async_write(socket, asio::buffer(res), asio::redirect_error(kUse, ec));
      if (ec || !keep) break;
    }
    responder_sockets_.erase(&socket);
    socket.close(ec);
  }

  const AcmeLoadOptions& options_;
  const std::vector<Csr>& csrs_;
  ssl::context& ctx_;
  Endpoint ep_;
  tcp::resolver::results_type endpoints_;
  tcp::endpoint listen_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer phase_timer_;
  asio::steady_timer drain_timer_;
  std::string base_;
  std::string new_nonce_, new_account_, new_order_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unordered_map<std::string, std::string> tokens_;  // token → key authorization
  std::set<tcp::socket*> responder_sockets_;
  Phase phase_ = Phase::kSetup;
  bool stopped_ = false;
  uint64_t next_csr_ = 0;
  SteadyClock::time_point window_start_;
  double client_cpu_start_ = 0;
  double server_cpu_start_ = 0;
  Status fatal_;
  AcmeLoadResult result_;
};

Result<tcp::endpoint> ParseListen(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return InvalidArgumentError("--http-listen wants HOST:PORT");
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return InvalidArgumentError("--http-listen: not an IP address: " + host);
  int port = 0;
  for (char c : s.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return InvalidArgumentError("--http-listen: bad port");
    port = port * 10 + (c - '0');
  }
  if (port > 65535 || colon + 1 == s.size()) {
    return InvalidArgumentError("--http-listen: bad port");
  }
  return tcp::endpoint(addr, static_cast<uint16_t>(port));
}

}  // namespace

Result<AcmeLoadResult> RunAcmeLoad(const AcmeLoadOptions& options, const std::vector<Csr>& csrs) {
  if (options.concurrency < 1 || options.concurrency > 4096) {
    return InvalidArgumentError("--concurrency must be within 1..4096");
  }
  if (options.duration_s <= 0 || options.warmup_s < 0) {
    return InvalidArgumentError("--duration must be > 0 and --warmup >= 0");
  }
  if (options.poll_first_ms < 0 || options.poll_max_ms < options.poll_first_ms ||
      options.poll_timeout_s <= 0 || options.request_timeout_s <= 0) {
    return InvalidArgumentError("bad polling options");
  }
  if (csrs.empty()) return InvalidArgumentError("no CSRs");
  CAIRN_ASSIGN_OR_RETURN(Endpoint ep, ParseHttpsUrl(options.directory_url));
  CAIRN_ASSIGN_OR_RETURN(tcp::endpoint listen, ParseListen(options.http_listen));
  CAIRN_ASSIGN_OR_RETURN(auto ctx, MakeClientTlsContext(options.root_path));
  asio::io_context resolve_io;
  tcp::resolver resolver(resolve_io);
  error_code ec;
  auto endpoints =
      resolver.resolve(ep.host, std::to_string(ep.port), tcp::resolver::numeric_service, ec);
  if (ec) return UnavailableError("resolving " + ep.host + ": " + ec.message());
  Runner runner(options, csrs, *ctx, std::move(ep), std::move(endpoints), listen);
  return runner.Run();
}

}  // namespace cairn::bench::acme

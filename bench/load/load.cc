#include "load.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>

namespace cairn::bench {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr size_t kMaxErrorSamples = 5;
constexpr uint64_t kMaxErrors = 100000;
constexpr auto kDrainTimeout = std::chrono::seconds(10);
constexpr auto kRetryDelay = std::chrono::milliseconds(20);

std::chrono::nanoseconds Seconds(double s) {
  return std::chrono::nanoseconds(static_cast<int64_t>(s * 1e9));
}

// Runner drives the connections. Everything runs on the thread calling Run(): no locks.
class Runner {
 public:
  Runner(const LoadOptions& o, const Workload& w, ssl::context& ctx, std::string host,
         tcp::resolver::results_type endpoints)
      : options_(o),
        workload_(w),
        ctx_(ctx),
        host_(std::move(host)),
        endpoints_(std::move(endpoints)),
        io_(1),
        phase_timer_(io_),
        drain_timer_(io_) {
    expected_status_ = w.mode == Mode::kCairn ? 201 : 200;
    cert_key_ = w.mode == Mode::kCairn ? "crt" : "certificate";
    result_.latencies_us.reserve(1 << 16);
    result_.responses.reserve(w.requests.size());
  }

  Result<LoadResult> Run() {
    for (int i = 0; i < options_.connections; ++i) {
      conns_.push_back(std::make_unique<Conn>(io_));
      Connect(*conns_.back());
    }
    io_.run();
    if (!fatal_.ok()) return fatal_;
    std::sort(result_.latencies_us.begin(), result_.latencies_us.end());
    return std::move(result_);
  }

 private:
  enum class Phase { kConnecting, kWarmup, kMeasuring, kDraining };

  struct Conn {
    explicit Conn(asio::io_context& io) : retry(io) {}
    std::unique_ptr<ssl::stream<tcp::socket>> stream;
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    asio::steady_timer retry;
    uint32_t index = 0;
    SteadyClock::time_point sent;
    bool in_flight = false;
    bool done = false;
  };

  void Connect(Conn& c) {
    c.stream = std::make_unique<ssl::stream<tcp::socket>>(io_, ctx_);
    c.buffer.clear();
    if (Status s = SetPeerName(c.stream->native_handle(), host_); !s.ok()) {
      return Fatal(s);
    }
    asio::async_connect(c.stream->lowest_layer(), endpoints_,
                        [this, &c](const error_code& ec, const tcp::endpoint&) {
                          if (ec) return OnConnectFailed(c, "connect", ec);
                          error_code ignored;
                          c.stream->lowest_layer().set_option(tcp::no_delay(true), ignored);
                          c.stream->async_handshake(
                              ssl::stream_base::client, [this, &c](const error_code& hec) {
                                if (hec) {
                                  return OnConnectFailed(c, "TLS handshake", hec);
                                }
                                OnConnected(c);
                              });
                        });
  }

  void OnConnected(Conn& c) {
    switch (phase_) {
      case Phase::kConnecting:
        if (++ready_ == conns_.size()) Begin();
        return;
      case Phase::kWarmup:
      case Phase::kMeasuring:
        return SendNext(c);
      case Phase::kDraining:
        return Retire(c);
    }
  }

  void OnConnectFailed(Conn& c, const char* what, const error_code& ec) {
    if (phase_ == Phase::kConnecting) {
      return Fatal(UnavailableError(std::string("cannot open connection to ") + host_ + ": " +
                                    what + ": " + ec.message()));
    }
    if (phase_ == Phase::kDraining) return Retire(c);
    RecordError(std::string("reconnect: ") + what + ": " + ec.message());
    c.retry.expires_after(kRetryDelay);
    c.retry.async_wait([this, &c](const error_code& tec) {
      if (tec || phase_ == Phase::kDraining) return Retire(c);
      Reconnect(c);
    });
  }

  void Begin() {
    start_ = SteadyClock::now();
    if (options_.warmup_s > 0) {
      phase_ = Phase::kWarmup;
      phase_timer_.expires_after(Seconds(options_.warmup_s));
      phase_timer_.async_wait([this](const error_code& ec) {
        if (!ec && phase_ == Phase::kWarmup) StartWindow();
      });
    } else {
      StartWindow();
    }
    for (auto& c : conns_) {
      if (phase_ == Phase::kDraining) break;
      SendNext(*c);
    }
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
    phase_timer_.expires_after(Seconds(options_.duration_s));
    phase_timer_.async_wait([this](const error_code& ec) {
      if (!ec) Finish();
    });
  }

  // Finish closes the window: readings, then let in-flight requests end (bounded).
  void Finish() {
    if (phase_ == Phase::kDraining) return;
    if (phase_ == Phase::kMeasuring) {
      auto end = SteadyClock::now();
      result_.window_s = std::chrono::duration<double>(end - window_start_).count();
      result_.client_cpu_s = ProcessCpuSeconds() - client_cpu_start_;
      if (options_.server_pid > 0) {
        auto cpu = ProcCpuSeconds(options_.server_pid);
        auto mem = ReadProcMemory(options_.server_pid);
        if (cpu.ok() && mem.ok()) {
          result_.server_cpu_s = *cpu - server_cpu_start_;
          result_.server_rss_mb = mem->rss_mb;
          result_.server_hwm_mb = mem->hwm_mb;
        } else {
          RecordError("the server process is gone (pid " + std::to_string(options_.server_pid) +
                      ")");
        }
      }
    }
    phase_ = Phase::kDraining;
    phase_timer_.cancel();
    for (auto& c : conns_) {
      c->retry.cancel();
      if (!c->in_flight) Retire(*c);
    }
    drain_timer_.expires_after(kDrainTimeout);
    drain_timer_.async_wait([this](const error_code& ec) {
      if (ec) return;
      for (auto& c : conns_) Close(*c);
    });
  }

  void SendNext(Conn& c) {
    if (phase_ == Phase::kDraining || phase_ == Phase::kConnecting) return Retire(c);
    size_t idx = next_++;
    if (idx >= workload_.requests.size()) {
      if (workload_.reusable) {
        idx %= workload_.requests.size();
      } else {
        result_.exhausted = true;
        if (phase_ == Phase::kWarmup) {
          return Fatal(InvalidArgumentError(
              "the prepared requests ran out during the warm-up; raise --requests-max"));
        }
        Finish();
        return Retire(c);
      }
    }
    c.index = static_cast<uint32_t>(idx);
    c.in_flight = true;
    c.sent = SteadyClock::now();
    ++result_.sent_total;
    asio::async_write(*c.stream, asio::buffer(workload_.requests[idx]),
                      [this, &c](const error_code& ec, size_t) {
                        if (ec) return OnRequestFailed(c, "write", ec);
                        Read(c);
                      });
  }

  void Read(Conn& c) {
    c.parser.emplace();
    c.parser->body_limit(1 << 20);
    http::async_read(*c.stream, c.buffer, *c.parser, [this, &c](const error_code& ec, size_t) {
      if (ec) return OnRequestFailed(c, "read", ec);
      OnResponse(c);
    });
  }

  void OnResponse(Conn& c) {
    auto now = SteadyClock::now();
    c.in_flight = false;
    const auto& res = c.parser->get();
    bool ok = Check(c.index, res.result_int(), res.body());
    if (ok && phase_ == Phase::kMeasuring) {
      ++result_.completed;
      result_.latencies_us.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - c.sent).count()));
    }
    bool keep_alive = res.keep_alive();
    c.parser.reset();
    if (phase_ == Phase::kDraining) return Retire(c);
    if (!keep_alive) return Reconnect(c);
    SendNext(c);
  }

  void OnRequestFailed(Conn& c, const char* what, const error_code& ec) {
    c.in_flight = false;
    if (phase_ == Phase::kDraining && ec == asio::error::operation_aborted) return Retire(c);
    RecordError("request " + std::to_string(c.index) + ": " + what + ": " + ec.message());
    if (phase_ == Phase::kDraining) return Retire(c);
    Reconnect(c);
  }

  void Reconnect(Conn& c) {
    ++result_.reconnects;
    Close(c);
    Connect(c);
  }

  // Check does the cheap part of the response check: status and the certificate's text, kept
  // for the full check after the run. False (and an error recorded) when it fails.
  bool Check(uint32_t index, unsigned status, const std::string& body) {
    std::string why;
    std::optional<std::string_view> pem;
    if (status != expected_status_) {
      why = "HTTP " + std::to_string(status);
    } else if (workload_.mode != Mode::kCairn &&
               body.find("\"success\":true") == std::string::npos) {
      why = "no success";
    } else if (pem = FindJsonString(body, cert_key_); !pem) {
      why = "no certificate in the response";
    }
    if (!why.empty()) {
      std::string excerpt = body.substr(0, 200);
      while (!excerpt.empty() && std::isspace(static_cast<unsigned char>(excerpt.back()))) {
        excerpt.pop_back();
      }
      RecordError("request " + std::to_string(index) + ": " + why + ": " + excerpt);
      return false;
    }
    result_.responses.push_back(Response{index, std::string(*pem)});
    return true;
  }

  void RecordError(std::string message) {
    ++result_.errors;
    if (result_.error_samples.size() < kMaxErrorSamples) {
      result_.error_samples.push_back(std::move(message));
    }
    if (result_.errors > kMaxErrors) Fatal(InternalError("too many errors; giving up"));
  }

  void Retire(Conn& c) {
    c.done = true;
    Close(c);
    for (auto& other : conns_) {
      if (!other->done) return;
    }
    drain_timer_.cancel();
    phase_timer_.cancel();
  }

  static void Close(Conn& c) {
    if (!c.stream) return;
    error_code ignored;
    c.stream->lowest_layer().close(ignored);
  }

  void Fatal(Status s) {
    if (fatal_.ok()) fatal_ = std::move(s);
    io_.stop();
  }

  const LoadOptions& options_;
  const Workload& workload_;
  ssl::context& ctx_;
  std::string host_;
  tcp::resolver::results_type endpoints_;
  asio::io_context io_;
  asio::steady_timer phase_timer_;
  asio::steady_timer drain_timer_;
  std::vector<std::unique_ptr<Conn>> conns_;
  Phase phase_ = Phase::kConnecting;
  size_t ready_ = 0;
  size_t next_ = 0;
  unsigned expected_status_ = 200;
  std::string cert_key_;
  SteadyClock::time_point start_, window_start_;
  double client_cpu_start_ = 0;
  double server_cpu_start_ = 0;
  Status fatal_;
  LoadResult result_;
};

}  // namespace

Result<LoadResult> RunLoad(const LoadOptions& options, const Workload& workload) {
  if (options.connections < 1 || options.connections > 10000) {
    return InvalidArgumentError("--connections must be within 1..10000");
  }
  if (options.duration_s <= 0 || options.warmup_s < 0) {
    return InvalidArgumentError("--duration must be > 0 and --warmup >= 0");
  }
  if (workload.requests.empty()) return InvalidArgumentError("no prepared requests");
  CAIRN_ASSIGN_OR_RETURN(Endpoint ep, ParseHttpsUrl(options.url));
  CAIRN_ASSIGN_OR_RETURN(auto ctx, MakeClientTlsContext(options.root_path));
  asio::io_context resolve_io;
  tcp::resolver resolver(resolve_io);
  error_code ec;
  auto endpoints =
      resolver.resolve(ep.host, std::to_string(ep.port), tcp::resolver::numeric_service, ec);
  if (ec) return UnavailableError("resolving " + ep.host + ": " + ec.message());
  Runner runner(options, workload, *ctx, ep.host, std::move(endpoints));
  return runner.Run();
}

}  // namespace cairn::bench

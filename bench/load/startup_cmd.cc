// cairn-bench startup: how long a server takes from exec to its first HTTP 200, and how much
// memory it holds once idle.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands.h"
#include "common.h"

namespace cairn::bench {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

int Fail(const std::string& message) {
  std::fprintf(stderr, "cairn-bench startup: %s\n", message.c_str());
  return 1;
}

// Probe makes one HTTPS request on a fresh connection and returns the status, or -1.
int Probe(ssl::context& ctx, const std::string& host, const tcp::resolver::results_type& eps,
          const std::string& request, std::chrono::milliseconds timeout) {
  asio::io_context io(1);
  ssl::stream<tcp::socket> stream(io, ctx);
  if (!SetPeerName(stream.native_handle(), host).ok()) return -1;
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  int status = -1;
  asio::async_connect(stream.lowest_layer(), eps, [&](const error_code& ec, const tcp::endpoint&) {
    if (ec) return;
    stream.async_handshake(ssl::stream_base::client, [&](const error_code& hec) {
      if (hec) return;
      asio::async_write(stream, asio::buffer(request), [&](const error_code& wec, size_t) {
        if (wec) return;
        http::async_read(stream, buffer, response, [&](const error_code& rec, size_t) {
          if (!rec) status = static_cast<int>(response.result_int());
        });
      });
    });
  });
  io.run_for(timeout);
  return status;
}

void Stop(pid_t pid) {
  kill(pid, SIGTERM);
  for (int i = 0; i < 1000; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace

int RunStartup(const StartupFlags& f) {
  if (f.command.empty()) return Fail("no command given (put it after --)");
  auto ep = ParseHttpsUrl(f.url);
  if (!ep.ok()) return Fail(ep.status().message());
  auto ctx = MakeClientTlsContext(f.root);
  if (!ctx.ok()) return Fail(ctx.status().message());
  asio::io_context resolve_io;
  tcp::resolver resolver(resolve_io);
  error_code ec;
  auto eps =
      resolver.resolve(ep->host, std::to_string(ep->port), tcp::resolver::numeric_service, ec);
  if (ec) return Fail("resolving " + ep->host + ": " + ec.message());
  std::string request = (f.body.empty() ? "GET " : "POST ") + f.path +
                        " HTTP/1.1\r\nHost: " + ep->host_header +
                        "\r\nUser-Agent: cairn-bench\r\nConnection: close\r\n";
  if (!f.body.empty()) {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(f.body.size()) +
        "\r\n";
  }
  request += "\r\n" + f.body;

  std::string log = f.log.empty() ? "/dev/null" : f.log;
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Fail("cannot open " + log);
  std::vector<char*> argv;
  for (const auto& a : f.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  auto t0 = SteadyClock::now();
  pid_t pid = fork();
  if (pid < 0) return Fail("fork failed");
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);

  double startup_ms = -1;
  while (true) {
    int wstatus = 0;
    if (waitpid(pid, &wstatus, WNOHANG) == pid) {
      return Fail(f.command[0] + " exited (status " + std::to_string(wstatus) +
                  ") before answering; see " + log);
    }
    double elapsed = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    if (elapsed > f.timeout_s) {
      Stop(pid);
      return Fail("no HTTP 200 from " + f.url + f.path + " within " + std::to_string(f.timeout_s) +
                  " s");
    }
    if (Probe(**ctx, ep->host, eps, request, std::chrono::milliseconds(2000)) == 200) {
      startup_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  std::this_thread::sleep_for(std::chrono::duration<double>(f.idle_s));
  auto mem = ReadProcMemory(pid);
  if (!mem.ok()) {
    Stop(pid);
    return Fail("the server exited after starting");
  }
  if (f.json) {
    nlohmann::json j = {{"pid", pid},
                        {"startup_ms", Round(startup_ms, 2)},
                        {"idle_rss_mb", Round(mem->rss_mb, 2)},
                        {"hwm_mb", Round(mem->hwm_mb, 2)},
                        {"kept", f.keep}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf(
        "first HTTP 200 after %.1f ms; idle RSS %.1f MB (peak %.1f MB) after %.1f s; pid "
        "%d%s\n",
        startup_ms, mem->rss_mb, mem->hwm_mb, f.idle_s, pid, f.keep ? " (left running)" : "");
  }
  std::fflush(stdout);
  if (!f.keep) Stop(pid);
  return 0;
}

}  // namespace cairn::bench

#include "client/renewer.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/duration.h"
#include "base/file.h"
#include "base/strings.h"

extern char** environ;

namespace cairn::client {
namespace {

// RandomBelow returns a random duration in [0, bound), or 0 when bound ≤ 0 or the generator
// fails (jitter is a nicety, never a reason to fail a renewal).
Duration RandomBelow(Duration bound, Random& random) {
  if (bound.count() <= 0) return Duration(0);
  auto v = random.Uniform(static_cast<uint64_t>(bound.count()));
  if (!v.ok()) return Duration(0);
  return Duration(static_cast<int64_t>(*v));
}

std::string Describe(Duration d) { return FormatGoDuration(RoundToSecond(d)); }

}  // namespace

Duration RoundToSecond(Duration d) {
  constexpr int64_t kSecond = 1'000'000'000;
  int64_t ns = d.count();
  int64_t r = ns % kSecond;
  if (r < 0) r = -r;
  int64_t truncated = ns - (ns % kSecond);
  if (r + r < kSecond) return Duration(truncated);
  return Duration(ns < 0 ? truncated - kSecond : truncated + kSecond);
}

Duration NextRenewal(const CertWindow& cert, Time now, Duration expires_in, Duration renew_period,
                     Random& random) {
  Duration left = cert.not_after - now;
  if (renew_period.count() > 0) {
    if (left - renew_period <= Duration(0)) return Duration(0);
    return renew_period;
  }
  Duration lifetime = cert.not_after - cert.not_before;
  if (expires_in.count() <= 0) expires_in = lifetime / 3;
  Duration d = left - expires_in;
  if (d <= Duration(0)) return Duration(0);
  if (d < lifetime / 20) return RandomBelow(d, random);
  return d - RandomBelow(lifetime / 20, random);
}

ExpiresInCheck CheckExpiresIn(const CertWindow& cert, Time now, Duration expires_in,
                              Random& random) {
  ExpiresInCheck out;
  out.remaining = RoundToSecond(cert.not_after - now);
  if (expires_in.count() <= 0) return out;
  Duration jitter = RandomBelow(expires_in / 20, random);
  out.renew = !(cert.not_after - now > expires_in + jitter);
  return out;
}

Duration RetryDelay(int failures, Duration base, Random& random) {
  if (failures < 1) failures = 1;
  int64_t factor = 1;
  for (int i = 1; i < failures && factor < kMaxRetryFactor; ++i) factor *= 2;
  if (factor > kMaxRetryFactor) factor = kMaxRetryFactor;
  Duration delay = base * factor;
  return delay + RandomBelow(delay / 10, random);
}

Status RunRenewDaemon(const CertWindow& initial, const DaemonOptions& options,
                      const DaemonHooks& hooks, const Clock& clock, Random& random) {
  Duration next =
      NextRenewal(initial, clock.Now(), options.expires_in, options.renew_period, random);
  hooks.info("first renewal in " + Describe(next));
  int failures = 0;
  for (;;) {
    DaemonEvent ev = hooks.wait(next);
    if (ev == DaemonEvent::kStop) return Status();
    auto renewed = hooks.renew();
    if (!renewed.ok()) {
      ++failures;
      hooks.error(renewed.status().message().empty() ? renewed.status().ToString()
                                                     : renewed.status().message());
      next = RetryDelay(failures, options.retry_base, random);
      continue;
    }
    failures = 0;
    next = NextRenewal(*renewed, clock.Now(), options.expires_in, options.renew_period, random);
    hooks.info(renewed->common_name + " certificate renewed, next in " + Describe(next));
    if (Status s = hooks.after_renew(); !s.ok()) {
      hooks.error(s.message().empty() ? s.ToString() : s.message());
    }
  }
}

struct SignalWaiter::Mask {
  sigset_t set;
};

SignalWaiter::SignalWaiter() : old_mask_(new Mask) {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGHUP);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old_mask_->set);
}

SignalWaiter::~SignalWaiter() {
  pthread_sigmask(SIG_SETMASK, &old_mask_->set, nullptr);
  delete old_mask_;
}

DaemonEvent SignalWaiter::Wait(Duration timeout) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (timeout.count() < 0) timeout = Duration(0);
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(secs.count());
  ts.tv_nsec = static_cast<long>((timeout - secs).count());
  for (;;) {
    int sig = ::sigtimedwait(&set, nullptr, &ts);
    if (sig == SIGHUP) return DaemonEvent::kRenewNow;
    if (sig == SIGINT || sig == SIGTERM) return DaemonEvent::kStop;
    if (sig < 0 && errno == EINTR) continue;  // another signal; the remaining time is lost
    return DaemonEvent::kTimeout;             // EAGAIN: the wait elapsed
  }
}

Status SignalProcess(int pid, int signum) {
  if (pid <= 0) return InvalidArgumentError("invalid process id " + std::to_string(pid));
  if (::kill(pid, signum) != 0) {
    return InternalError("kill " + std::to_string(pid) + " with signal " + std::to_string(signum) +
                         " failed: " + std::strerror(errno));
  }
  return Status();
}

Result<int> ReadPidFile(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::string content, ReadFile(path, 4096));
  std::string line(Trim(content.substr(0, content.find('\n'))));
  char* end = nullptr;
  errno = 0;
  long pid = std::strtol(line.c_str(), &end, 10);
  if (line.empty() || end == nullptr || *end != '\0' || errno != 0 || pid <= 0 ||
      pid > 0x3fffffff) {
    return InvalidArgumentError("error converting " + line + " to integer process id");
  }
  return static_cast<int>(pid);
}

Status RunCommand(std::string_view command) {
  std::string_view trimmed = Trim(command);
  if (trimmed.empty()) return Status();
  std::vector<std::string> parts = Split(trimmed, ' ');
  std::vector<char*> argv;
  for (auto& p : parts) argv.push_back(p.data());
  argv.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The child gets an empty signal mask and default handlers, whatever the daemon blocked.
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGHUP);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return InternalError("exec: \"" + parts[0] + "\": " + std::strerror(rc));
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return InternalError(std::string("wait: ") + std::strerror(errno));
  }
  if (WIFEXITED(wstatus)) {
    if (WEXITSTATUS(wstatus) == 0) return Status();
    return InternalError("exit status " + std::to_string(WEXITSTATUS(wstatus)));
  }
  if (WIFSIGNALED(wstatus)) {
    return InternalError(std::string("signal: ") + ::strsignal(WTERMSIG(wstatus)));
  }
  return InternalError("the command did not exit normally");
}

}  // namespace cairn::client

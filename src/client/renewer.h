#pragma once

// The renewal logic of step's `ca renew` (stepca.md §8): when to renew, how a daemon loops,
// and what happens after a renewal (signal a process, run a command).

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"

namespace cairn::client {

// kDefaultRetryBase is the wait after a failed renewal in daemon mode (step waits 1 minute).
// Consecutive failures double it, up to kMaxRetryFactor times the base.
inline constexpr Duration kDefaultRetryBase = std::chrono::minutes(1);
inline constexpr int kMaxRetryFactor = 16;

// kRetryBaseEnv names the environment variable (a Go duration, e.g. "200ms") that overrides
// kDefaultRetryBase. It exists for tests that exercise the retry path quickly; `cairn ca renew
// --daemon` reads it, nothing else does.
inline constexpr std::string_view kRetryBaseEnv = "CAIRN_RENEW_RETRY_BASE";

// CertWindow is what the renewer needs to know of a certificate.
struct CertWindow {
  std::string common_name;
  Time not_before;
  Time not_after;
};

// NextRenewal returns how long to wait before the next renewal, as step's daemon computes it:
//   - with renew_period > 0: renew_period, or 0 when the certificate expires within it;
//   - else, with expires_in (default: a third of the certificate's lifetime) the renewal is due
//     at not_after − expires_in, less a random jitter of up to lifetime/20 (when the time left
//     before that moment is shorter than lifetime/20, a random part of it); 0 when it is due.
// Never negative. Thread-safe if `random` is.
Duration NextRenewal(const CertWindow& cert, Time now, Duration expires_in, Duration renew_period,
                     Random& random);

// ExpiresInCheck is the decision of a one-shot `ca renew --expires-in`.
struct ExpiresInCheck {
  bool renew = true;
  // remaining is the time left before the certificate expires (rounded to seconds).
  Duration remaining{0};
};

// CheckExpiresIn decides whether a one-shot renewal with --expires-in should happen: it does
// when the time left is at most expires_in plus a random jitter of up to expires_in/20.
// With expires_in == 0 it always renews.
ExpiresInCheck CheckExpiresIn(const CertWindow& cert, Time now, Duration expires_in,
                              Random& random);

// RetryDelay returns the wait after the `failures`-th consecutive failed renewal (failures ≥ 1):
// base × 2^(failures−1), capped at base × kMaxRetryFactor, plus a random jitter of up to a
// tenth of that.
Duration RetryDelay(int failures, Duration base, Random& random);

// RoundToSecond rounds half away from zero, as Go's Duration.Round(time.Second).
Duration RoundToSecond(Duration d);

// DaemonEvent is what ends a daemon's wait.
enum class DaemonEvent {
  kTimeout,   // the wait elapsed: renew
  kRenewNow,  // SIGHUP: renew at once
  kStop,      // SIGINT/SIGTERM: exit successfully
};

// DaemonHooks connect the daemon loop to the world. All must be set.
struct DaemonHooks {
  // renew renews the certificate, writes it, and returns the new certificate's window.
  std::function<Result<CertWindow>()> renew;
  // after_renew runs after each successful renewal (signal a process, run --exec).
  std::function<Status()> after_renew;
  // wait blocks for at most the given duration and says why it returned.
  std::function<DaemonEvent(Duration)> wait;
  // info and error print one log line each ("INFO: …" on stdout / "ERROR: …" on stderr).
  std::function<void(std::string_view)> info;
  std::function<void(std::string_view)> error;
};

// DaemonOptions are the daemon's flags.
struct DaemonOptions {
  Duration expires_in{0};
  Duration renew_period{0};
  Duration retry_base = kDefaultRetryBase;
};

// RunRenewDaemon runs step's renew daemon loop until a kStop event: it logs "first renewal in
// <d>", then waits; on timeout or kRenewNow it renews. After a success it runs after_renew
// (a failure there is logged, not fatal) and logs "<cn> certificate renewed, next in <d>";
// after a failure it logs the error and retries after RetryDelay. Returns OK when stopped.
// `clock` and `random` are borrowed for the call.
Status RunRenewDaemon(const CertWindow& initial, const DaemonOptions& options,
                      const DaemonHooks& hooks, const Clock& clock, Random& random);

// SignalWaiter implements DaemonHooks::wait with POSIX signals: Create blocks SIGHUP, SIGINT
// and SIGTERM in the calling thread (threads created afterwards inherit the mask), and Wait
// uses sigtimedwait. The destructor restores the previous mask. Create it before any thread
// that should not receive those signals is started. Not thread-safe.
class SignalWaiter {
 public:
  SignalWaiter();
  ~SignalWaiter();
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;
  DaemonEvent Wait(Duration timeout);

 private:
  struct Mask;
  Mask* old_mask_;
};

// SignalProcess sends signal `signum` to `pid` (step's --pid/--signal). Fails with kInternal
// "kill <pid> with signal <n> failed: <reason>".
Status SignalProcess(int pid, int signum);

// ReadPidFile reads a positive process id from the first line of `path`. Fails with kNotFound
// or kInvalidArgument.
Result<int> ReadPidFile(const std::string& path);

// RunCommand runs `command` split on single spaces (no shell, as step's --exec), found through
// $PATH, with this process's stdin/stdout/stderr and default signal handling, and waits for it.
// An empty command does nothing. Fails with kInternal "exit status <n>" (or the spawn error).
Status RunCommand(std::string_view command);

}  // namespace cairn::client

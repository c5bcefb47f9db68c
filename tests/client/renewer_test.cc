#include "client/renewer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <deque>
#include <string>
#include <vector>

#include "base/file.h"
#include "testing/fakes.h"

namespace cairn::client {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

const Time kStart = FromUnixSeconds(1767225600);

CertWindow Window(Duration lifetime, std::string cn = "internal.example.com") {
  return CertWindow{std::move(cn), kStart, kStart + lifetime};
}

TEST(NextRenewalTest, DefaultRenewsAfterTwoThirdsMinusJitter) {
  CertWindow cert = Window(hours(24));
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    testing::FakeRandom random(seed);
    Duration d = NextRenewal(cert, kStart, Duration(0), Duration(0), random);
    // due at notAfter - 8h = 16h from now, minus up to 24h/20 = 72 minutes
    EXPECT_LE(d, hours(16));
    EXPECT_GT(d, hours(16) - minutes(72));
  }
}

TEST(NextRenewalTest, JitterActuallyVaries) {
  CertWindow cert = Window(hours(24));
  testing::FakeRandom random(9);
  Duration a = NextRenewal(cert, kStart, Duration(0), Duration(0), random);
  Duration b = NextRenewal(cert, kStart, Duration(0), Duration(0), random);
  EXPECT_NE(a, b);
}

TEST(NextRenewalTest, ExpiresInMovesTheDueTime) {
  CertWindow cert = Window(hours(24));
  testing::FakeRandom random;
  Time now = kStart + hours(2);
  Duration d = NextRenewal(cert, now, hours(1), Duration(0), random);
  // due at notAfter - 1h = 21h from now
  EXPECT_LE(d, hours(21));
  EXPECT_GT(d, hours(21) - minutes(72));
}

TEST(NextRenewalTest, DueOrOverdueIsZero) {
  CertWindow cert = Window(hours(24));
  testing::FakeRandom random;
  EXPECT_EQ(NextRenewal(cert, kStart + hours(16), Duration(0), Duration(0), random), Duration(0));
  EXPECT_EQ(NextRenewal(cert, kStart + hours(30), Duration(0), Duration(0), random), Duration(0));
}

TEST(NextRenewalTest, CloseToDueIsARandomPartOfTheRest) {
  CertWindow cert = Window(hours(24));
  // 30 minutes before the due time: less than lifetime/20 (72m) remains.
  Time now = kStart + hours(16) - minutes(30);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    testing::FakeRandom random(seed);
    Duration d = NextRenewal(cert, now, Duration(0), Duration(0), random);
    EXPECT_GE(d, Duration(0));
    EXPECT_LT(d, minutes(30));
  }
}

TEST(NextRenewalTest, RenewPeriod) {
  CertWindow cert = Window(hours(24));
  testing::FakeRandom random;
  EXPECT_EQ(NextRenewal(cert, kStart, Duration(0), hours(16), random), hours(16));
  // expires within the period: renew now
  EXPECT_EQ(NextRenewal(cert, kStart + hours(10), Duration(0), hours(16), random), Duration(0));
}

TEST(CheckExpiresInTest, SkipsWhileFarFromExpiry) {
  CertWindow cert = Window(hours(24));
  testing::FakeRandom random;
  Time now = kStart + hours(13) + milliseconds(100);  // 10h59m59.9s left
  ExpiresInCheck c = CheckExpiresIn(cert, now, hours(8), random);
  EXPECT_FALSE(c.renew);
  EXPECT_EQ(c.remaining, hours(11));

  c = CheckExpiresIn(cert, kStart + hours(17), hours(8), random);  // 7h left
  EXPECT_TRUE(c.renew);
  EXPECT_TRUE(CheckExpiresIn(cert, kStart, Duration(0), random).renew);
}

TEST(CheckExpiresInTest, JitterIsAtMostATwentieth) {
  CertWindow cert = Window(hours(24));
  // 8h + 25 minutes left: more than 8h + 8h/20 (24m) — never renewed whatever the jitter.
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    testing::FakeRandom random(seed);
    EXPECT_FALSE(CheckExpiresIn(cert, kStart + hours(16) - minutes(25), hours(8), random).renew);
  }
}

TEST(RetryDelayTest, ExponentialWithCapAndJitter) {
  const Duration base = seconds(60);
  struct Case {
    int failures;
    int factor;
  } cases[] = {{1, 1}, {2, 2}, {3, 4}, {4, 8}, {5, 16}, {6, 16}, {40, 16}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.failures);
    for (uint64_t seed = 1; seed <= 10; ++seed) {
      testing::FakeRandom random(seed);
      Duration d = RetryDelay(c.failures, base, random);
      EXPECT_GE(d, base * c.factor);
      EXPECT_LT(d, base * c.factor + base * c.factor / 10);
    }
  }
}

TEST(RoundToSecondTest, RoundsHalfAwayFromZero) {
  EXPECT_EQ(RoundToSecond(milliseconds(1500)), seconds(2));
  EXPECT_EQ(RoundToSecond(milliseconds(1499)), seconds(1));
  EXPECT_EQ(RoundToSecond(milliseconds(-1500)), seconds(-2));
  EXPECT_EQ(RoundToSecond(hours(3)), hours(3));
}

// ScriptedDaemon drives RunRenewDaemon with scripted events and renewal outcomes.
struct ScriptedDaemon {
  testing::FakeClock clock{kStart};
  testing::FakeRandom random{5};
  std::deque<DaemonEvent> events;
  std::deque<bool> renew_ok;
  std::vector<Duration> waits;
  std::vector<std::string> infos, errors;
  int renewals = 0, after = 0;
  bool after_fails = false;

  DaemonHooks Hooks() {
    DaemonHooks h;
    h.wait = [this](Duration d) {
      waits.push_back(d);
      if (events.empty()) return DaemonEvent::kStop;
      DaemonEvent e = events.front();
      events.pop_front();
      if (e == DaemonEvent::kTimeout) clock.Advance(d);
      return e;
    };
    h.renew = [this]() -> Result<CertWindow> {
      ++renewals;
      bool ok = renew_ok.empty() ? true : renew_ok.front();
      if (!renew_ok.empty()) renew_ok.pop_front();
      if (!ok) return UnavailableError("error renewing certificate: connection refused");
      Time now = clock.Now();
      return CertWindow{"svc.internal", now, now + hours(24)};
    };
    h.after_renew = [this]() {
      ++after;
      return after_fails ? InternalError("exit status 3") : Status();
    };
    h.info = [this](std::string_view s) { infos.emplace_back(s); };
    h.error = [this](std::string_view s) { errors.emplace_back(s); };
    return h;
  }
};

TEST(RunRenewDaemonTest, RenewsOnScheduleAndRetriesWithBackoff) {
  ScriptedDaemon d;
  d.events = {DaemonEvent::kTimeout, DaemonEvent::kTimeout, DaemonEvent::kTimeout,
              DaemonEvent::kStop};
  d.renew_ok = {false, false, true};
  DaemonOptions opts;
  opts.retry_base = seconds(1);
  CAIRN_ASSERT_OK(RunRenewDaemon(Window(hours(24)), opts, d.Hooks(), d.clock, d.random));

  EXPECT_EQ(d.renewals, 3);
  EXPECT_EQ(d.after, 1);
  ASSERT_EQ(d.waits.size(), 4u);
  EXPECT_LE(d.waits[0], hours(16));
  EXPECT_GT(d.waits[0], hours(16) - minutes(72));
  // after the first failure ~1s, after the second ~2s
  EXPECT_GE(d.waits[1], seconds(1));
  EXPECT_LT(d.waits[1], milliseconds(1100));
  EXPECT_GE(d.waits[2], seconds(2));
  EXPECT_LT(d.waits[2], milliseconds(2200));
  // after the success: two thirds of the new 24h certificate
  EXPECT_GT(d.waits[3], hours(16) - minutes(72));
  EXPECT_LE(d.waits[3], hours(16));

  ASSERT_GE(d.infos.size(), 2u);
  EXPECT_THAT(d.infos[0], HasSubstr("first renewal in "));
  EXPECT_THAT(d.infos[1], HasSubstr("svc.internal certificate renewed, next in "));
  ASSERT_EQ(d.errors.size(), 2u);
  EXPECT_THAT(d.errors[0], HasSubstr("connection refused"));
}

TEST(RunRenewDaemonTest, HangupRenewsAtOnceAndAfterRenewFailureIsNotFatal) {
  ScriptedDaemon d;
  d.events = {DaemonEvent::kRenewNow, DaemonEvent::kRenewNow, DaemonEvent::kStop};
  d.after_fails = true;
  CAIRN_ASSERT_OK(RunRenewDaemon(Window(hours(24)), {}, d.Hooks(), d.clock, d.random));
  EXPECT_EQ(d.renewals, 2);
  EXPECT_EQ(d.after, 2);
  ASSERT_EQ(d.errors.size(), 2u);
  EXPECT_THAT(d.errors[0], HasSubstr("exit status 3"));
}

TEST(RunRenewDaemonTest, StopsAtOnce) {
  ScriptedDaemon d;
  d.events = {DaemonEvent::kStop};
  CAIRN_ASSERT_OK(RunRenewDaemon(Window(hours(24)), {}, d.Hooks(), d.clock, d.random));
  EXPECT_EQ(d.renewals, 0);
}

TEST(RunRenewDaemonTest, RenewPeriodSchedulesFixedWaits) {
  ScriptedDaemon d;
  d.events = {DaemonEvent::kTimeout, DaemonEvent::kStop};
  DaemonOptions opts;
  opts.renew_period = hours(6);
  CAIRN_ASSERT_OK(RunRenewDaemon(Window(hours(24)), opts, d.Hooks(), d.clock, d.random));
  ASSERT_EQ(d.waits.size(), 2u);
  EXPECT_EQ(d.waits[0], hours(6));
  EXPECT_EQ(d.waits[1], hours(6));
}

TEST(SignalWaiterTest, TimeoutHangupAndTerm) {
  SignalWaiter waiter;
  EXPECT_EQ(waiter.Wait(milliseconds(20)), DaemonEvent::kTimeout);
  ASSERT_EQ(::raise(SIGHUP), 0);  // blocked: stays pending for sigtimedwait
  EXPECT_EQ(waiter.Wait(seconds(5)), DaemonEvent::kRenewNow);
  ASSERT_EQ(::raise(SIGTERM), 0);
  EXPECT_EQ(waiter.Wait(seconds(5)), DaemonEvent::kStop);
  ASSERT_EQ(::raise(SIGINT), 0);
  EXPECT_EQ(waiter.Wait(seconds(5)), DaemonEvent::kStop);
}

TEST(RunCommandTest, ExitStatusAndMissingProgram) {
  CAIRN_EXPECT_OK(RunCommand(""));
  CAIRN_EXPECT_OK(RunCommand("true"));
  Status s = RunCommand("false");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("exit status 1"));
  EXPECT_FALSE(RunCommand("/nonexistent/cairn-test-program arg").ok());
}

TEST(RunCommandTest, ArgumentsAreSplitOnSpacesWithoutAShell) {
  std::string dir = ::testing::TempDir();
  std::string out = dir + "/cairn_runcommand_" + std::to_string(::getpid());
  // "touch a;b" through a shell would make two files; without one it makes "a;b".
  CAIRN_ASSERT_OK(RunCommand("touch " + out + ";x"));
  EXPECT_TRUE(FileExists(out + ";x"));
  EXPECT_FALSE(FileExists(out));
  ::unlink((out + ";x").c_str());
}

TEST(SignalProcessTest, SignalsAndPidFiles) {
  CAIRN_EXPECT_OK(SignalProcess(::getpid(), 0));
  EXPECT_FALSE(SignalProcess(-1, SIGHUP).ok());
  std::string path = ::testing::TempDir() + "/cairn_pid_" + std::to_string(::getpid());
  CAIRN_ASSERT_OK(WriteFileAtomic(path, " 1234\n"));
  CAIRN_ASSERT_OK_AND_ASSIGN(int pid, ReadPidFile(path));
  EXPECT_EQ(pid, 1234);
  CAIRN_ASSERT_OK(WriteFileAtomic(path, "abc\n"));
  EXPECT_FALSE(ReadPidFile(path).ok());
  CAIRN_ASSERT_OK(WriteFileAtomic(path, "-5\n"));
  EXPECT_FALSE(ReadPidFile(path).ok());
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace cairn::client

#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <mutex>

#include "base/clock.h"
#include "base/random.h"
#include "base/status.h"

namespace cairn::testing {

// FakeClock is a Clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time start = FromUnixSeconds(1767225600))  // 2026-01-01T00:00:00Z
      : now_(start) {}
  Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Set(Time t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }
  void Advance(Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += std::chrono::duration_cast<Time::duration>(d);
  }

 private:
  mutable std::mutex mu_;
  Time now_;
};

// FakeRandom is a deterministic Random (xorshift64*) for tests. Thread-safe.
class FakeRandom final : public Random {
 public:
  explicit FakeRandom(uint64_t seed = 42) : state_(seed ? seed : 1) {}
  Status Fill(std::span<uint8_t> out) override;

 private:
  std::mutex mu_;
  uint64_t state_;
};

}  // namespace cairn::testing

#define CAIRN_EXPECT_OK(expr) \
  EXPECT_TRUE(::cairn::internal::GetStatus(expr).ok()) << ::cairn::internal::GetStatus(expr)
#define CAIRN_ASSERT_OK(expr)                           \
  do {                                                  \
    auto cairn_s_ = ::cairn::internal::GetStatus(expr); \
    ASSERT_TRUE(cairn_s_.ok()) << cairn_s_;             \
  } while (0)
// CAIRN_ASSERT_OK_AND_ASSIGN(lhs, expr): asserts a Result is OK and moves its value to lhs.
#define CAIRN_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  CAIRN_ASSERT_OK_AND_ASSIGN_IMPL_(CAIRN_STATUS_CONCAT_(cairn_aoa_, __LINE__), lhs, expr)
#define CAIRN_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  ASSERT_TRUE(tmp.ok()) << tmp.status();                 \
  lhs = std::move(tmp).value()

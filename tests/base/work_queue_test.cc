#include "base/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace cairn {
namespace {

TEST(WorkQueueTest, RunsEveryAcceptedTaskOffTheCallersThread) {
  std::atomic<int> ran{0};
  std::mutex mu;
  std::set<std::thread::id> threads;
  {
    WorkQueue q(3, 1000);
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(q.TrySubmit([&] {
        ran++;
        std::lock_guard<std::mutex> lock(mu);
        threads.insert(std::this_thread::get_id());
      }));
    }
  }  // the destructor drains the queue
  EXPECT_EQ(ran.load(), 200);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
  EXPECT_LE(threads.size(), 3u);
}

TEST(WorkQueueTest, RefusesWorkBeyondItsBoundWhileWorkersAreBusy) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  WorkQueue q(1, 2);
  ASSERT_TRUE(q.TrySubmit([&] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();  // the only worker is now busy
  EXPECT_TRUE(q.TrySubmit([] {}));
  EXPECT_TRUE(q.TrySubmit([] {}));
  EXPECT_EQ(q.pending(), 2u);
  EXPECT_FALSE(q.TrySubmit([] {})) << "a third waiting task exceeds max_pending = 2";
  release.set_value();
}

// Workers start as tasks need them: none before the first task, one per task that finds no idle
// worker, never more than the bound; an idle worker takes the next task.
TEST(WorkQueueTest, StartsWorkersOnDemandUpToItsBound) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> started{0};
  WorkQueue q(3, 100);
  EXPECT_EQ(q.threads(), 0u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(q.TrySubmit([&] {
      started++;
      gate.wait();
    }));
  }
  while (started.load() < 3) std::this_thread::yield();
  EXPECT_EQ(q.threads(), 3u);
  EXPECT_EQ(q.pending(), 2u);
  release.set_value();
  while (q.pending() > 0) std::this_thread::yield();
  EXPECT_EQ(q.threads(), 3u);

  WorkQueue one(4, 100);
  for (int i = 0; i < 20; ++i) {
    std::promise<void> done;
    ASSERT_TRUE(one.TrySubmit([&] { done.set_value(); }));
    done.get_future().wait();
  }
  // Each task found the previous one's worker idle, or about to be; a few at most were started.
  EXPECT_GE(one.threads(), 1u);
  EXPECT_LE(one.threads(), 4u);
}

}  // namespace
}  // namespace cairn

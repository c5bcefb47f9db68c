#pragma once

// WorkQueue runs slow work (calls to webhooks, other remote services) on a few threads of its
// own, so that the I/O threads that serve requests never wait on a remote peer.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cairn {

class WorkQueue {
 public:
  // WorkQueue runs tasks on up to `threads` workers (at least 1), started as tasks find no idle
  // one (a server that never calls a webhook keeps no thread for it), and accepts at most
  // `max_pending` tasks waiting for a worker (at least 1).
  WorkQueue(int threads, size_t max_pending);
  // The destructor runs the tasks already accepted, then joins the workers. It must not run on
  // a worker thread.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // TrySubmit queues `task`; false (and `task` dropped) when max_pending tasks already wait or
  // the queue is stopping. Thread-safe.
  bool TrySubmit(std::function<void()> task);

  // pending returns the number of tasks waiting for a worker. Thread-safe.
  size_t pending() const;
  // threads returns the number of workers started so far. Thread-safe.
  size_t threads() const;

 private:
  void Run();

  const size_t max_threads_;
  const size_t max_pending_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  size_t idle_ = 0;                          // workers waiting for a task; guarded by mu_
  std::vector<std::thread> workers_;         // grows under mu_ until stopping_
};

}  // namespace cairn

#include "base/work_queue.h"

#include <algorithm>
#include <system_error>

namespace cairn {

WorkQueue::WorkQueue(int threads, size_t max_pending)
    : max_threads_(static_cast<size_t>(std::max(1, threads))),
      max_pending_(std::max<size_t>(1, max_pending)) {
  workers_.reserve(max_threads_);
}

WorkQueue::~WorkQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // No worker starts once stopping_ is set, so workers_ no longer changes.
  for (std::thread& t : workers_) t.join();
}

bool WorkQueue::TrySubmit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || tasks_.size() >= max_pending_) return false;
    tasks_.push_back(std::move(task));
    // A task no idle worker will take starts a worker, up to the bound. The new thread waits
    // for mu_ like any other.
    if (tasks_.size() > idle_ && workers_.size() < max_threads_) {
      try {
        workers_.emplace_back([this] { Run(); });
      } catch (const std::system_error&) {
        // No thread to be had (a process or memory limit): the workers there are will get to
        // the task; with none, it is refused.
        if (workers_.empty()) {
          tasks_.pop_back();
          return false;
        }
      }
    }
  }
  cv_.notify_one();
  return true;
}

size_t WorkQueue::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tasks_.size();
}

size_t WorkQueue::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return workers_.size();
}

void WorkQueue::Run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++idle_;
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      --idle_;
      // Accepted tasks run even when stopping: each may hold a request waiting for its answer.
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace cairn

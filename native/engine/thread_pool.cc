#include "engine/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

namespace abp {
namespace {

struct Job {
  const std::function<void(int)>* task;
  int index;
  std::atomic<bool> claimed{false};
  std::atomic<bool> done{false};
};

class Pool {
 public:
  static Pool& Get() {
    static Pool* pool = new Pool();  // never destroyed, see the header
    return *pool;
  }

  void Run(int n, const std::function<void(int)>& task) {
    std::vector<std::shared_ptr<Job>> jobs;
    jobs.reserve(static_cast<size_t>(n > 1 ? n - 1 : 0));
    for (int i = 1; i < n; ++i) {
      auto j = std::make_shared<Job>();
      j->task = &task;
      j->index = i;
      jobs.push_back(std::move(j));
    }
    if (!jobs.empty()) {
      EnsureThreads(static_cast<int>(jobs.size()));
      try {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& j : jobs) queue_.push_back(j);
      } catch (const std::bad_alloc&) {
        // Queued entries must not run after we return: claim them all here.
        for (auto& j : jobs) {
          if (!j->claimed.exchange(true)) {
            task(j->index);
            j->done.store(true);
          }
        }
        task(0);
        return;
      }
      if (jobs.size() == 1) {
        cv_.notify_one();
      } else {
        cv_.notify_all();
      }
    }
    task(0);
    // Jobs nobody has started yet run here; then wait for the ones that did.
    for (auto& j : jobs) {
      if (!j->claimed.exchange(true)) {
        task(j->index);
        j->done.store(true, std::memory_order_release);
      }
    }
    for (auto& j : jobs) {
      if (j->done.load(std::memory_order_acquire)) continue;
      std::unique_lock<std::mutex> lock(mu_);
      done_cv_.wait(lock, [&j] { return j->done.load(std::memory_order_acquire); });
    }
  }

 private:
  void EnsureThreads(int wanted) {
    std::lock_guard<std::mutex> lock(mu_);
    while (static_cast<int>(threads_) < wanted && threads_ < 1024) {
      try {
        std::thread([this] { Loop(); }).detach();
        ++threads_;
      } catch (const std::system_error&) {
        break;  // the caller runs whatever no thread picks up
      }
    }
  }

  void Loop() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      if (job->claimed.exchange(true)) continue;  // the caller ran it
      (*job->task)(job->index);
      {
        std::lock_guard<std::mutex> lock(mu_);
        job->done.store(true, std::memory_order_release);
      }
      done_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  unsigned threads_ = 0;
};

}  // namespace

void ParallelRun(int n, const std::function<void(int)>& task) { Pool::Get().Run(n, task); }

}  // namespace abp

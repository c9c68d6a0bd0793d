// TaskPool: a fixed set of threads running queued tasks, with a bounded queue, for the HTTP
// server's handlers. A task that throws is logged and the thread carries on. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace certadns::api {

class TaskPool {
 public:
  TaskPool(int threads, size_t max_queued);
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  /// Queues `task`; false (and `task` is dropped) when the queue is full or the pool stopped.
  bool Submit(std::function<void()> task);
  /// Drops the queued tasks, waits for the running ones and joins the threads; idempotent.
  void Stop();

 private:
  void Run();

  size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace certadns::api

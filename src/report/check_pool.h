// A long-lived pool for the checks RunChecks runs side by side, instead of a new thread per check
// per domain. A job is run by a pool thread or, if none has started it by the time its result is
// needed, by the thread that waits for it: nested or concurrent RunChecks never deadlock on a
// pool smaller than their work (a pool of 0 threads runs everything on the caller).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace mdo::report {

class CheckPool {
 public:
  class Job {
   public:
    // Returns once the job has run: runs it here when no pool thread has taken it yet. Rethrows
    // what the job threw.
    void Wait();

   private:
    friend class CheckPool;
    enum class State { kQueued, kRunning, kDone };
    bool Claim();  // kQueued -> kRunning; false when someone else has it
    void Run();

    std::function<void()> fn_;
    std::exception_ptr error_;
    std::mutex mu_;
    std::condition_variable cv_;
    State state_ = State::kQueued;
  };

  explicit CheckPool(std::size_t threads);
  // Joins the threads; jobs still queued are left to their waiters.
  ~CheckPool();
  CheckPool(const CheckPool&) = delete;
  CheckPool& operator=(const CheckPool&) = delete;

  // The process-wide pool RunChecks uses by default: one thread per core (at least 2), started on
  // first use, never destroyed.
  static CheckPool& Default();

  // Queues `fn`; the caller must Wait() on the returned job before what `fn` refers to dies.
  std::shared_ptr<Job> Post(std::function<void()> fn);

  std::size_t threads() const { return threads_.size(); }

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mdo::report

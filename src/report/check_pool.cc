#include "report/check_pool.h"

#include <algorithm>
#include <utility>

namespace mdo::report {

bool CheckPool::Job::Claim() {
  std::lock_guard lock(mu_);
  if (state_ != State::kQueued) return false;
  state_ = State::kRunning;
  return true;
}

void CheckPool::Job::Run() {
  try {
    fn_();
  } catch (...) {
    error_ = std::current_exception();  // rethrown by Wait(), as std::future would
  }
  fn_ = nullptr;  // release what the job captured before waking the waiter
  std::lock_guard lock(mu_);
  state_ = State::kDone;
  cv_.notify_all();
}

void CheckPool::Job::Wait() {
  if (Claim()) {
    Run();
  } else {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return state_ == State::kDone; });
  }
  if (error_) std::rethrow_exception(error_);
}

CheckPool::CheckPool(std::size_t threads) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

CheckPool::~CheckPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

CheckPool& CheckPool::Default() {
  // As many threads as cores: the checks mostly wait for answers, and a job no pool thread has
  // started is run by its waiter, so more threads would only add hand-offs between threads.
  static CheckPool* pool =  // never destroyed: used until exit
      new CheckPool(std::max(2u, std::thread::hardware_concurrency()));
  return *pool;
}

std::shared_ptr<CheckPool::Job> CheckPool::Post(std::function<void()> fn) {
  auto job = std::make_shared<Job>();
  job->fn_ = std::move(fn);
  if (threads_.empty()) return job;  // the waiter runs it
  {
    std::lock_guard lock(mu_);
    queue_.push_back(job);
  }
  cv_.notify_one();
  return job;
}

void CheckPool::Loop() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    if (job->Claim()) job->Run();  // else its waiter already ran it
  }
}

}  // namespace mdo::report

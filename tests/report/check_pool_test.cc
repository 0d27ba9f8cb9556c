#include "report/check_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mdo::report {
namespace {

TEST(CheckPool, WithoutThreadsTheWaiterRunsTheJob) {
  CheckPool pool(0);
  std::thread::id ran_on;
  auto job = pool.Post([&] { ran_on = std::this_thread::get_id(); });
  job->Wait();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(CheckPool, RunsEveryJobOnce) {
  CheckPool pool(3);
  std::atomic<int> runs{0};
  std::vector<std::shared_ptr<CheckPool::Job>> jobs;
  for (int i = 0; i < 200; ++i) jobs.push_back(pool.Post([&] { ++runs; }));
  for (auto& job : jobs) job->Wait();
  EXPECT_EQ(runs.load(), 200);
}

// One thread, jobs that post and wait for jobs of their own (as nested RunChecks would): the
// inner jobs are run by their waiters, so nothing waits for a thread that is never free.
TEST(CheckPool, NestedWorkOnASmallPoolDoesNotDeadlock) {
  CheckPool pool(1);
  std::atomic<int> inner_runs{0};
  std::vector<std::shared_ptr<CheckPool::Job>> outer;
  for (int i = 0; i < 8; ++i) {
    outer.push_back(pool.Post([&] {
      std::vector<std::shared_ptr<CheckPool::Job>> inner;
      for (int j = 0; j < 4; ++j) inner.push_back(pool.Post([&] { ++inner_runs; }));
      for (auto& job : inner) job->Wait();
    }));
  }
  for (auto& job : outer) job->Wait();
  EXPECT_EQ(inner_runs.load(), 32);
}

TEST(CheckPool, WaitRethrowsWhatTheJobThrew) {
  for (std::size_t threads : {0u, 2u}) {
    CheckPool pool(threads);
    auto job = pool.Post([] { throw std::runtime_error("boom"); });
    EXPECT_THROW(job->Wait(), std::runtime_error) << threads << " threads";
  }
}

TEST(CheckPool, DefaultPoolHasThreads) { EXPECT_GE(CheckPool::Default().threads(), 2u); }

}  // namespace
}  // namespace mdo::report

#include "common/fiber.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mdo {
namespace {

TEST(FiberTest, RunsABodyThatNeverSuspendsToItsEnd) {
  Fiber fiber;
  ASSERT_TRUE(fiber.ok());
  EXPECT_TRUE(fiber.finished());
  int ran = 0;
  fiber.Reset([&] { ++ran; });
  EXPECT_FALSE(fiber.finished());
  EXPECT_TRUE(fiber.Resume());
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(fiber.finished());
  EXPECT_TRUE(fiber.Resume());  // a finished fiber stays finished
  EXPECT_EQ(ran, 1);
}

TEST(FiberTest, SuspendReturnsToResumeAndResumeContinuesWhereItStopped) {
  std::vector<std::string> steps;
  Fiber fiber;
  fiber.Reset([&] {
    std::string local = "kept";  // on the fiber's stack across the suspends
    steps.push_back("a");
    Fiber::Suspend();
    steps.push_back("b:" + local);
    Fiber::Suspend();
    steps.push_back("c:" + local);
  });
  EXPECT_FALSE(fiber.Resume());
  steps.push_back("1");
  EXPECT_FALSE(fiber.Resume());
  steps.push_back("2");
  EXPECT_TRUE(fiber.Resume());
  EXPECT_EQ(steps, (std::vector<std::string>{"a", "1", "b:kept", "2", "c:kept"}));
}

TEST(FiberTest, InsideIsTrueOnlyOnAFibersStack) {
  EXPECT_FALSE(Fiber::Inside());
  bool inside_before = false;
  bool inside_after = false;
  Fiber fiber;
  fiber.Reset([&] {
    inside_before = Fiber::Inside();
    Fiber::Suspend();
    inside_after = Fiber::Inside();
  });
  fiber.Resume();
  EXPECT_FALSE(Fiber::Inside());
  fiber.Resume();
  EXPECT_FALSE(Fiber::Inside());
  EXPECT_TRUE(inside_before);
  EXPECT_TRUE(inside_after);
}

TEST(FiberTest, ManyFibersTakeTurnsOnOneThread) {
  constexpr int kFibers = 20;
  constexpr int kSteps = 5;
  std::vector<std::pair<int, int>> order;
  std::vector<std::unique_ptr<Fiber>> fibers;
  for (int f = 0; f < kFibers; ++f) {
    fibers.push_back(std::make_unique<Fiber>(64 * 1024));
    fibers.back()->Reset([&order, f] {
      for (int step = 0; step < kSteps; ++step) {
        order.emplace_back(f, step);
        Fiber::Suspend();
      }
    });
  }
  for (int round = 0; round <= kSteps; ++round) {
    for (int f = 0; f < kFibers; ++f) {
      EXPECT_EQ(fibers[f]->Resume(), round == kSteps) << f << " " << round;
    }
  }
  ASSERT_EQ(order.size(), static_cast<std::size_t>(kFibers * kSteps));
  for (std::size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(order[i],
              std::make_pair(static_cast<int>(i % kFibers), static_cast<int>(i / kFibers)));
  }
}

TEST(FiberTest, ResetRunsANewBodyOnTheSameStack) {
  Fiber fiber(64 * 1024);
  int total = 0;
  for (int i = 1; i <= 100; ++i) {
    fiber.Reset([&total, i] {
      Fiber::Suspend();
      total += i;
    });
    EXPECT_FALSE(fiber.Resume());
    EXPECT_TRUE(fiber.Resume());
  }
  EXPECT_EQ(total, 5050);
}

int Recurse(int depth) {
  volatile char frame[1024];  // volatile: the frames stay as large as written
  for (volatile char& c : frame) c = static_cast<char>(depth & 0xff);
  if (depth == 0) {
    Fiber::Suspend();
    return frame[0];
  }
  return Recurse(depth - 1) + (frame[depth % sizeof frame] & 1);
}

TEST(FiberTest, DeepCallsUseTheReservedStack) {
  // ~300 KiB of frames, well beyond a small default, within the reserved megabyte.
  Fiber fiber;
  int result = -1;
  fiber.Reset([&] { result = Recurse(300); });
  EXPECT_FALSE(fiber.Resume());
  EXPECT_TRUE(fiber.Resume());
  EXPECT_EQ(result, 150);  // odd depths add one each
}

TEST(FiberTest, ExceptionsThrownAndCaughtInsideTheBodyStayThere) {
  Fiber fiber;
  std::string caught;
  fiber.Reset([&] {
    try {
      Fiber::Suspend();
      throw std::runtime_error("inside");
    } catch (const std::exception& e) {
      caught = e.what();
    }
  });
  EXPECT_FALSE(fiber.Resume());
  EXPECT_TRUE(fiber.Resume());
  EXPECT_EQ(caught, "inside");
}

}  // namespace
}  // namespace mdo
